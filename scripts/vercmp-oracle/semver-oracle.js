// Reads `A<TAB>B` pairs on stdin, prints `A<TAB>B<TAB>expected` as node-semver's compare decides.
// usage: NODE_PATH=<dir with node_modules/semver> node semver-oracle.js < pairs.tsv
const semver = require('semver');
const input = require('fs').readFileSync(0, 'utf8');
const out = [];
for (const line of input.split('\n')) {
  if (!line) continue;
  const [a, b] = line.split('\t');
  let r;
  try { r = String(semver.compare(a, b)); } catch (e) { r = 'error'; }
  out.push(`${a}\t${b}\t${r}`);
}
process.stdout.write(out.join('\n') + '\n');
