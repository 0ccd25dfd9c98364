// Reads node-semver range expressions (one per line) on stdin and prints
// `EXPR<TAB>VERSION<TAB>true|false`: whether VERSION satisfies EXPR with prereleases included,
// for versions at and around every version the expression names.
// usage: NODE_PATH=<dir with node_modules/semver> node npm-ranges.js < expressions.txt
const semver = require('semver');
const input = require('fs').readFileSync(0, 'utf8');
const out = [];
for (const expr of input.split('\n')) {
  if (!expr.trim()) continue;
  const versions = new Set(['0.0.0', '0.0.1-0', '999.0.0']);
  for (const m of expr.matchAll(/\d+(\.\d+)?(\.\d+)?(-[0-9A-Za-z.-]+)?/g)) {
    const parts = m[0].split('-')[0].split('.').map(Number);
    while (parts.length < 3) parts.push(0);
    const [M, mi, p] = parts;
    const base = `${M}.${mi}.${p}`;
    const cands = [base, `${base}-0`, `${base}-beta`, `${M}.${mi}.${p + 1}`, `${M}.${mi}.${p + 1}-0`,
      `${M}.${mi + 1}.0`, `${M}.${mi + 1}.0-0`, `${M + 1}.0.0`, `${M + 1}.0.0-0`];
    if (p > 0) cands.push(`${M}.${mi}.${p - 1}`);
    if (mi > 0) cands.push(`${M}.${mi - 1}.9`);
    if (m[3]) cands.push(m[0], `${m[0]}.0`, `${m[0]}.1`);
    for (const c of cands) if (semver.valid(c)) versions.add(c);
  }
  for (const v of versions) {
    let r;
    try { r = String(semver.satisfies(v, expr, { includePrerelease: true })); } catch (e) { r = 'error'; }
    out.push(`${expr}\t${v}\t${r}`);
  }
}
process.stdout.write(out.join('\n') + '\n');
