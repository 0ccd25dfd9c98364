#!/usr/bin/env python3
"""Deterministic comparison pairs for one version scheme, from the corpora of real version
strings in crates/palisade-version/tests/corpus: neighbours in sorted order (near misses),
seeded random pairs, and each edge case against its neighbours and itself.

usage: pairs.py SCHEME > pairs.tsv
"""
import random
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "crates/palisade-version/tests/corpus"

SOURCES = {
    "deb": [("deb.txt", None), ("deb-edge.txt", None)],
    "rpm": [("deb.txt", 2000), ("rpm-edge.txt", None)],
    "pep440": [("pypi.txt", None), ("pypi-edge.txt", None)],
    "semver": [("npm.txt", None), ("npm-edge.txt", None)],
    "cargo": [("npm.txt", None), ("npm-edge.txt", None)],
    "go": [("npm.txt", 3000), ("go-edge.txt", None)],
    "gem": [("gem.txt", None), ("npm.txt", 1000), ("gem-edge.txt", None)],
    "composer": [("composer.txt", None), ("npm.txt", 400), ("composer-edge.txt", None)],
    "maven": [("maven-debian.txt", None), ("maven-edge.txt", None), ("pypi.txt", 600), ("npm.txt", 600)],
}


def read(name, limit):
    lines = [l.rstrip("\n") for l in (CORPUS / name).read_text().splitlines() if l.strip()]
    if limit is not None and len(lines) > limit:
        step = len(lines) / limit
        lines = [lines[int(i * step)] for i in range(limit)]
    return lines


def main():
    scheme = sys.argv[1]
    versions, edges = [], []
    for name, limit in SOURCES[scheme]:
        lines = read(name, limit)
        if scheme == "go" and "edge" not in name:
            # Go module versions are npm-style semantic versions with a "v".
            lines = ["v" + v for v in lines]
        (edges if "edge" in name else versions).extend(lines)
    rng = random.Random(440)
    pairs = []
    ordered = sorted(set(versions))
    pairs += zip(ordered, ordered[1:])
    pairs += [(rng.choice(versions), rng.choice(versions)) for _ in range(len(versions))]
    for i, e in enumerate(edges):
        pairs.append((e, e))
        for other in edges[max(0, i - 3):i] + [rng.choice(versions) for _ in range(3)]:
            pairs += [(e, other), (other, e)]
    for a, b in pairs:
        print(f"{a}\t{b}")


main()
