#!/usr/bin/env python3
"""Compare `palisade policy check` with Checkov's Kubernetes checks on the manifest corpus.

usage: compare.py [PALISADE_BIN] [--set corpus|edge|bugs] [--markdown | --json]
                  [--corpus DIR --results FILE]
  PALISADE_BIN  the palisade binary (default: $PALISADE_BIN, else `palisade` on PATH)
  --set         corpus: the real manifests (crates/palisade-cli/tests/data/corpus) and
                scripts/checkov/corpus-results.jsonl (default); edge: one small manifest per
                documented difference (crates/palisade-cli/tests/data/checkov/edge); bugs: the
                Palisade bugs found (.../checkov/bugs)
  --markdown    print the tables as Markdown (for docs/checkov-comparison.md)
  --json        print every (check, resource) outcome as a JSON line instead
  --corpus DIR --results FILE
                any other manifests and Checkov's normalized results on them

Palisade is run three times on the manifests:
  rules       --policy scripts/checkov/policy.yaml: one AdmissionRule per Checkov check,
              named ckv-k8s-NN-...; the check fails when any rule of its prefix is listed;
  baseline    the same with --pod-security baseline;
  restricted  the same with --pod-security restricted.
For the last two the `GlobalRules podSecurity` message is split into Kubernetes' controls, and
the controls mapped to the Checkov check they correspond to (PSS_MAP below).

Each is joined with Checkov's stored results (scripts/checkov/corpus-results.jsonl, written
by run.sh) by (file, kind, namespace, name), namespace "default" when the object has none (as
Checkov names it); only Checkov's results on the objects themselves ("origin": "object"), not
on the pods its graph builder makes of templates. Per check, each object either side has a
result for is one of:
  agree-fail      both fail it
  agree-pass      both pass it (Palisade: judged, no rule of the check listed)
  palisade-only   Palisade fails it, Checkov passes it
  checkov-only    Checkov fails it, Palisade passes it
  no-checkov      Palisade judged it, Checkov gave no result (UNKNOWN, which it does not
                  report); written fail/pass by Palisade's verdict
  not-judged      Checkov has a result, Palisade does not judge the kind (carries no pod)
Python 3 standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(ROOT, "crates", "palisade-cli", "tests", "data", "corpus")
POLICY = os.path.join(HERE, "policy.yaml")
RESULTS = os.path.join(HERE, "corpus-results.jsonl")

# Pod Security controls (Kubernetes' reason, as the message says it) and the Checkov check each
# corresponds to; `detail` narrows a control to part of its detail (host namespaces names each
# namespace; unrestricted capabilities says drop and add apart).
PSS_MAP = {
    "baseline": [
        ("privileged", None, "CKV_K8S_16"),
        ("host namespaces", "hostPID=true", "CKV_K8S_17"),
        ("host namespaces", "hostIPC=true", "CKV_K8S_18"),
        ("host namespaces", "hostNetwork=true", "CKV_K8S_19"),
        ("hostPort", None, "CKV_K8S_26"),
        ("non-default capabilities", None, "CKV_K8S_25"),
        ("hostPath volumes", None, "CKV_K8S_27"),
    ],
    "restricted": [
        ("allowPrivilegeEscalation != false", None, "CKV_K8S_20"),
        ("runAsNonRoot != true", None, "CKV_K8S_23"),
        ("runAsUser=0", None, "CKV_K8S_23"),
        ("seccompProfile", None, "CKV_K8S_31"),
        ("unrestricted capabilities", "capabilities.drop=", "CKV_K8S_37"),
        ("unrestricted capabilities", "capabilities.drop=", "CKV_K8S_28"),
        ("unrestricted capabilities", "capabilities.add", "CKV_K8S_25"),
    ],
}

RULE = re.compile(r"^AdmissionRule ckv-k8s-(\d+)-")
CATEGORIES = ["agree-fail", "agree-pass", "palisade-only", "checkov-only",
              "no-checkov fail", "no-checkov pass", "not-judged"]


def split_controls(message):
    """`violates PodSecurity "L": r1 (d1), r2 (d2)` -> [(r1, d1), (r2, d2)]: split at ", "
    outside parentheses and quotes."""
    m = re.match(r'^(?:would )?violates? PodSecurity "[^"]*": (.*)$', message, re.S)
    if not m:
        raise ValueError(f"not a Pod Security message: {message!r}")
    text, items, cur, depth, quoted, i = m.group(1), [], "", 0, False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\":
            cur += text[i:i + 2]
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
        if not quoted and depth == 0 and text.startswith(", ", i):
            items.append(cur)
            cur, i = "", i + 2
            continue
        cur += c
        i += 1
    items.append(cur)
    out = []
    for item in items:
        r = re.match(r"^(.*?) \((.*)\)$", item, re.S)
        out.append((r.group(1), r.group(2)) if r else (item, ""))
    return out


def pss_checks(level, message):
    """The Checkov checks a Pod Security message's controls correspond to."""
    found = set()
    for reason, detail in split_controls(message):
        for r, part, check in PSS_MAP[level]:
            if r != reason:
                continue
            if part is None or any(part in d for d in detail.split("; ")):
                found.add(check)
    return found


def run_palisade(binary, level):
    # No image store: nothing is known of any image (runAsRoot then counts an image's USER as
    # unknown), whatever was scanned on this machine.
    with tempfile.TemporaryDirectory() as tmp:
        args = [binary, "policy", "check", CORPUS, "--policy", POLICY, "-f", "json",
                "--store", os.path.join(tmp, "none.db")]
        if level:
            args += ["--pod-security", level]
        out = subprocess.run(args, check=True, stdout=subprocess.PIPE)
    return json.loads(out.stdout)


def key_of(resource):
    return (os.path.relpath(resource["file"], CORPUS), resource["kind"],
            resource.get("namespace") or "default", resource["name"])


def palisade_verdicts(report, source):
    """{key: None (not judged) or set of failed check ids}."""
    out = {}
    for r in report["resources"]:
        key = key_of(r)
        if key in out:
            raise SystemExit(f"compare.py: {key} twice in palisade's report")
        if not r["judged"]:
            out[key] = None
            continue
        failed = set()
        for v in r["violations"]:
            if source == "rules":
                m = RULE.match(v["rule"])
                if m:
                    failed.add(f"CKV_K8S_{m.group(1)}")
            elif v["rule"] == "GlobalRules podSecurity":
                failed |= pss_checks(source, v["message"])
        out[key] = failed
    return out


def checkov_results():
    """{check_id: {key: "failed"|"passed"|"skipped"}}, the objects' own results."""
    out = defaultdict(dict)
    with open(RESULTS, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["origin"] != "object":
                continue
            key = (row["file"], row["kind"], row["namespace"], row["name"])
            out[row["check_id"]][key] = row["result"]
    return out


def checks_of(source):
    if source == "rules":
        ids = set()
        with open(POLICY, encoding="utf-8") as f:
            for m in re.finditer(r"name: ckv-k8s-(\d+)-", f.read()):
                ids.add(f"CKV_K8S_{m.group(1)}")
        return sorted(ids, key=lambda c: int(c.rsplit("_", 1)[1]))
    return sorted({c for _, _, c in PSS_MAP[source]}, key=lambda c: int(c.rsplit("_", 1)[1]))


def compare(binary):
    """[(source, check, category, key)] for every outcome."""
    checkov = checkov_results()
    rows = []
    for source, level in (("rules", None), ("baseline", "baseline"), ("restricted", "restricted")):
        verdicts = palisade_verdicts(run_palisade(binary, level), source)
        for check in checks_of(source):
            theirs = checkov.get(check, {})
            for key in sorted(set(verdicts) | set(theirs)):
                ours = verdicts.get(key, None)
                them = theirs.get(key)
                if key not in verdicts and them is not None:
                    raise SystemExit(f"compare.py: checkov judged {key}, palisade never read it")
                if ours is None:
                    if them is not None:
                        rows.append((source, check, "not-judged", key))
                    continue
                fails = check in ours
                if them is None:
                    cat = "no-checkov fail" if fails else "no-checkov pass"
                elif them == "failed":
                    cat = "agree-fail" if fails else "checkov-only"
                elif them == "passed":
                    cat = "palisade-only" if fails else "agree-pass"
                else:
                    cat = f"skipped ({them})"
                rows.append((source, check, cat, key))
    return rows


def name(key):
    file, kind, ns, n = key
    return f"{file}: {kind} {ns}/{n}"


SETS = {
    "corpus": (CORPUS, RESULTS),
    "edge": (os.path.join(ROOT, "crates", "palisade-cli", "tests", "data", "checkov", "edge"),
             os.path.join(ROOT, "crates", "palisade-cli", "tests", "data", "checkov", "edge-results.jsonl")),
    "bugs": (os.path.join(ROOT, "crates", "palisade-cli", "tests", "data", "checkov", "bugs"),
             os.path.join(ROOT, "crates", "palisade-cli", "tests", "data", "checkov", "bugs-results.jsonl")),
}


def main():
    global CORPUS, RESULTS
    ap = argparse.ArgumentParser(description="Compare palisade policy check with Checkov.")
    ap.add_argument("binary", nargs="?", default=os.environ.get("PALISADE_BIN", "palisade"),
                    help="the palisade binary (default: $PALISADE_BIN, else palisade on PATH)")
    ap.add_argument("--set", choices=sorted(SETS), default="corpus",
                    help="corpus (the real manifests), edge (one manifest per documented "
                         "difference) or bugs (Palisade bugs found)")
    ap.add_argument("--corpus", help="another directory of manifests (with --results)")
    ap.add_argument("--results", help="Checkov's normalized results on --corpus")
    ap.add_argument("--markdown", action="store_true", help="Markdown tables")
    ap.add_argument("--json", action="store_true", help="every outcome as a JSON line")
    args = ap.parse_args()
    CORPUS, RESULTS = SETS[args.set]
    if args.corpus or args.results:
        if not (args.corpus and args.results):
            ap.error("--corpus and --results go together")
        CORPUS, RESULTS = os.path.abspath(args.corpus), os.path.abspath(args.results)
    binary = args.binary
    rows = compare(binary)
    if args.json:
        for source, check, cat, key in rows:
            print(json.dumps({"source": source, "check_id": check, "category": cat,
                              "file": key[0], "kind": key[1], "namespace": key[2],
                              "name": key[3]}))
        return
    md = args.markdown
    table = defaultdict(lambda: defaultdict(list))
    order = []
    for source, check, cat, key in rows:
        if (source, check) not in table:
            order.append((source, check))
        table[(source, check)][cat].append(key)
    if md:
        print("| run | check | " + " | ".join(CATEGORIES) + " |")
        print("|---|---|" + "---|" * len(CATEGORIES))
    else:
        print(f"{'run':<11}{'check':<12}" + "".join(f"{c:>16}" for c in CATEGORIES))
    for source, check in order:
        counts = [len(table[(source, check)][c]) for c in CATEGORIES]
        if md:
            print(f"| {source} | {check} | " + " | ".join(map(str, counts)) + " |")
        else:
            print(f"{source:<11}{check:<12}" + "".join(f"{n:>16}" for n in counts))
    print()
    for source, check in order:
        for cat in ("palisade-only", "checkov-only", "no-checkov fail"):
            keys = table[(source, check)][cat]
            if not keys:
                continue
            print(f"{'### ' if md else ''}{source} {check} {cat} ({len(keys)})")
            for key in keys:
                print(f"{'- ' if md else '  '}{name(key)}")
            if md:
                print()
        keys = table[(source, check)]["not-judged"]
        if keys:
            kinds = defaultdict(int)
            for key in keys:
                kinds[key[1]] += 1
            print(f"{'### ' if md else ''}{source} {check} not-judged ({len(keys)}): "
                  + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda x: (-x[1], x[0]))))
            if md:
                print()
    other = sorted({c for (s, ch) in order for c in table[(s, ch)] if c not in CATEGORIES})
    if other:
        print(f"other outcomes: {', '.join(other)}")


if __name__ == "__main__":
    main()
