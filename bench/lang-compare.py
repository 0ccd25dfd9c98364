#!/usr/bin/env python3
"""Sorts what Syft lists and Palisade does not, in one image, into the kinds of difference that
docs/syft-comparison.md explains; anything else is printed as unexplained.

usage: lang-compare.py SYFT.json PALISADE.json
"""
import collections
import json
import sys

syft = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))


def norm(name):
    return name.lower().replace("_", "-")


# Palisade names Maven packages group:artifact; Syft by artifact id.
have = {(norm(p["name"].rsplit(":", 1)[-1]), p["version"]) for p in ours["packages"]}
NOT_SHIPPED = {"test", "tests", "__tests__", "fixtures", "__fixtures__", "example", "examples",
               "benchmark", "benchmarks"}


def kind(a):
    name, version, path = a["name"], a["version"], a["locations"][0]["path"]
    parts = path.split("/")
    if version in ("", "UNKNOWN"):
        return "package.json without a version (a sub-path entry point)"
    if "<%" in name or "{{" in name:
        return "template"
    if name.startswith("./") or name.startswith("../"):
        return "Go module replaced by a directory, named by the directory"
    if "node_modules" not in parts:
        if path.endswith("/package.json") and "site-packages" in parts:
            return "package.json shipped inside a Python distribution (JupyterLab builds, mocks)"
        if path.endswith("/package.json"):
            return "the project's own package.json"
    inside = parts[len(parts) - parts[::-1].index("node_modules"):] if "node_modules" in parts else []
    if any(c.startswith(".") or c in NOT_SHIPPED for c in inside):
        return "package.json in a package's tests, fixtures, examples or hidden directories"
    if name.count("/") > 1 or not path.endswith("/" + name + "/package.json"):
        return "package.json of a sub-directory named unlike the package (stubs, builds)"
    return "UNEXPLAINED"


counts = collections.Counter()
unexplained = []
for a in syft["artifacts"]:
    if (norm(a["name"]), a["version"]) in have:
        continue
    k = kind(a)
    counts[k] += 1
    if k == "UNEXPLAINED":
        unexplained.append((a["name"], a["version"], a["locations"][0]["path"]))
print(f"Syft: {len(syft['artifacts'])} entries; Palisade: {len(ours['packages'])} entries")
for k, n in counts.most_common():
    print(f"  only Syft, {n:4}: {k}")
for u in unexplained:
    print("    ", *u)
sys.exit(1 if unexplained else 0)
