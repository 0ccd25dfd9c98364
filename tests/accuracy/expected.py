#!/usr/bin/python3
"""Independent oracle for `palisade scan`: the findings a root filesystem should get, computed
straight from the raw feed packs with Debian's and Python's own tools, sharing no code with
Palisade.

  /usr/bin/python3 expected.py FEEDS_DIR ROOTFS

Prints one line per finding, `name<TAB>version<TAB>id<TAB>fixed`, sorted.

- Debian packages: /var/lib/dpkg/status read with python3-apt's TagFile; every OVAL definition
  of the release (read from the definitions' criterion comments, "<source> DPKG is earlier than
  <version>", where Palisade reads the tests/objects/states) whose source package is installed
  with a source version that apt_pkg.version_compare puts below the fixed version. "0" means
  never affected.
- Python distributions: every *.dist-info/METADATA and *.egg-info/PKG-INFO, names normalised by
  PEP 503; PyPA's OSV YAML evaluated by the OSV rules with `packaging.version`.
- Findings for one package whose advisories share an id or alias are one finding, named by its
  CVE id when it has one; its fixed version is the highest.
- A Debian bundle (a DSA/DLA definition that lists several CVEs) is never a finding itself:
  each of its CVEs is, unless the CVE has a definition of its own for the source package (then
  that definition decides); a CVE known only from bundles is fixed in the highest of their
  fixed versions.
"""
import bz2
import email.parser
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import apt_pkg
import yaml
from packaging.version import InvalidVersion, Version

apt_pkg.init()
FEEDS, ROOT = sys.argv[1], sys.argv[2]


def unpack(pack, dest):
    subprocess.run(f"zstd -dc '{pack}' | tar -x -C '{dest}'", shell=True, check=True)


def os_release():
    info = {}
    for path in ("etc/os-release", "usr/lib/os-release"):
        p = os.path.join(ROOT, path)
        if os.path.exists(p):
            for line in open(p):
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    info[k] = v.strip('"')
            break
    return info


def debian_packages():
    path = os.path.join(ROOT, "var/lib/dpkg/status")
    out = []
    if not os.path.exists(path):
        return out
    with apt_pkg.TagFile(path) as tags:
        for s in tags:
            if not s.get("Status", "").endswith(" installed"):
                continue
            name, version = s["Package"], s["Version"]
            src, srcv = name, version
            if "Source" in s:
                m = re.match(r"^(\S+)(?:\s+\((\S+)\))?$", s["Source"].strip())
                src = m.group(1)
                srcv = m.group(2) or version
            out.append((name, version, src, srcv))
    return out


def oval(release, tmp):
    """source package -> [(id, aliases, fixed or None for never affected, bundled CVEs)]"""
    unpack(os.path.join(FEEDS, "debian-oval/debian-oval-bookworm-bullseye-2023-07-14.tar.zst"), tmp)
    codename = {"12": "bookworm", "11": "bullseye"}.get(release)
    by_source = {}
    if codename is None:
        return by_source
    ns = "{http://oval.mitre.org/XMLSchema/oval-definitions-5}"
    with bz2.open(os.path.join(tmp, f"debian/oval-definitions-{codename}.xml.bz2")) as f:
        for _, el in ET.iterparse(f):
            if el.tag != ns + "definition":
                continue
            title = el.find(f"{ns}metadata/{ns}title").text or ""
            ident = title.split()[0] if title.split() else ""
            refs = [r.get("ref_id") for r in el.iter(ns + "reference")]
            refs = [r for r in refs if r and r != ident]
            aliases = refs if len(refs) <= 1 else []
            cves = sorted({r for r in refs if r.startswith("CVE-")})
            bundled = cves if len(cves) > 1 and not ident.startswith("CVE-") else []
            for c in el.iter(ns + "criterion"):
                m = re.match(r"^(\S+) DPKG is earlier than (\S+)$", c.get("comment", ""))
                if m and m.group(1):
                    fixed = None if m.group(2) in ("0", "0:0") else m.group(2)
                    by_source.setdefault(m.group(1), []).append((ident, aliases, fixed, bundled))
            el.clear()
    return by_source


def python_packages():
    out = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        base = os.path.basename(dirpath)
        meta = None
        if base.endswith(".dist-info") and "METADATA" in filenames:
            meta = os.path.join(dirpath, "METADATA")
        elif base.endswith(".egg-info") and "PKG-INFO" in filenames:
            meta = os.path.join(dirpath, "PKG-INFO")
        if meta:
            msg = email.parser.Parser().parsestr(open(meta, encoding="utf-8", errors="replace").read(), headersonly=True)
            if msg["Name"] and msg["Version"]:
                out.append((msg["Name"], msg["Version"]))
    return out


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def osv_affected(version, affected):
    """OSV evaluation: explicit versions, then each ECOSYSTEM range. Returns (affected, fixed)."""
    v = Version(version)
    hit, fix = False, None
    for listed in affected.get("versions") or []:
        try:
            if Version(str(listed)) == v:
                hit = True
        except InvalidVersion:
            pass
    for r in affected.get("ranges") or []:
        if r.get("type") != "ECOSYSTEM":
            continue
        events = []
        for e in r.get("events") or []:
            (kind, val), = e.items()
            val = str(val)
            events.append((kind, val, Version("0") if val == "0" else Version(val)))
        limits = [e for e in events if e[0] == "limit"]
        if limits and not any(v < e[2] for e in limits):
            continue
        events = sorted((e for e in events if e[0] != "limit"), key=lambda e: (e[2], e[1] != "0"))
        state = False
        for i, (kind, val, ver) in enumerate(events):
            if kind == "introduced" and (val == "0" or v >= ver):
                state = True
            elif kind == "fixed" and v >= ver:
                state = False
            elif kind == "last_affected" and v > ver:
                state = False
        if state:
            hit = True
            nxt = next((e for e in events if e[0] == "fixed" and v < e[2]), None)
            if nxt is not None and (fix is None or nxt[2] < Version(fix)):
                fix = nxt[1]
    return hit, fix


def pypa(tmp):
    """normalised name -> [(id, aliases, affected entry)]"""
    unpack(os.path.join(FEEDS, "pypa/pypa-advisory-database.tar.zst"), tmp)
    out = {}
    for dirpath, _, files in os.walk(os.path.join(tmp, "vulns")):
        for f in files:
            if not f.endswith(".yaml"):
                continue
            doc = yaml.load(open(os.path.join(dirpath, f)), Loader=yaml.BaseLoader)
            if doc.get("withdrawn"):
                continue
            for a in doc.get("affected") or []:
                pkg = a.get("package") or {}
                if pkg.get("ecosystem") == "PyPI":
                    out.setdefault(normalize(pkg["name"]), []).append((doc["id"], doc.get("aliases") or [], a))
    return out


def merge(matches, compare):
    """[(id, aliases, fixed)] for one package -> findings {display id: fixed}. Advisories
    sharing an id or alias are one finding, unless that joins two different CVEs (a shared
    alias such as a DSA or an upstream advisory bundles several CVEs)."""
    cves = lambda ids: sum(1 for i in ids if i.startswith("CVE-"))
    groups = []
    for ident, aliases, fixed in matches:
        ids = {ident, *aliases}
        if cves(ids) > 1:
            ids = {ident}
        fixes = [fixed] if fixed else []
        members = [ident]
        rest = []
        for g in groups:
            if g[0] & ids and cves(g[0] | ids) <= 1:
                ids = ids | g[0]
                fixes += g[1]
                members += g[2]
            else:
                rest.append(g)
        groups = rest + [(ids, fixes, members)]
    out = {}
    for ids, fixes, members in groups:
        cve = sorted(i for i in ids if i.startswith("CVE-"))
        name = cve[0] if cve else sorted(members)[0]
        best = None
        for f in fixes:
            if best is None or compare(f, best) > 0:
                best = f
        out[name] = best or ""
    return out


def main():
    rows = set()
    rel = os_release()
    with tempfile.TemporaryDirectory() as tmp:
        if rel.get("ID") == "debian":
            defs = oval(rel.get("VERSION_ID", "").split(".")[0], tmp)
            for name, version, src, srcv in debian_packages():
                own = {i for i, _, _, _ in defs.get(src, [])}
                hits, bundles = [], []
                for i, al, fx, bundled in defs.get(src, []):
                    if fx is None or apt_pkg.version_compare(srcv, fx) >= 0:
                        continue
                    if bundled:
                        bundles.append((bundled, fx))
                    else:
                        hits.append((i, al, fx))
                found = merge(hits, apt_pkg.version_compare)
                from_bundles = {}
                for bundled, fx in bundles:
                    for cve in bundled:
                        if cve in found or cve in own:
                            continue
                        best = from_bundles.get(cve)
                        if best is None or apt_pkg.version_compare(fx, best) > 0:
                            from_bundles[cve] = fx
                found.update(from_bundles)
                for ident, fixed in found.items():
                    rows.add((name, version, ident, fixed))
        advisories = pypa(tmp)
        for name, version in python_packages():
            try:
                Version(version)
            except InvalidVersion:
                continue
            hits = []
            for ident, aliases, a in advisories.get(normalize(name), []):
                hit, fix = osv_affected(version, a)
                if hit:
                    hits.append((ident, aliases, fix))
            cmp = lambda x, y: (Version(x) > Version(y)) - (Version(x) < Version(y))
            for ident, fixed in merge(hits, cmp).items():
                rows.add((name, version, ident, fixed))
    for r in sorted(rows):
        print("\t".join(r))


main()
