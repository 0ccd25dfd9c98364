#!/usr/bin/env python3
"""Reads `A<TAB>B` pairs on stdin and prints `A<TAB>B<TAB>expected` as the ecosystem's own tool
decides (-1, 0, 1, or `error` when the tool rejects a version).

usage: oracle.py deb|rpm     (needs Debian's /usr/bin/python3 with python3-apt, python3-rpm)
       oracle.py pep440      (needs the `packaging` module)
"""
import sys


def sign(n):
    return (n > 0) - (n < 0)


def deb():
    import apt_pkg

    apt_pkg.init_system()
    return lambda a, b: sign(apt_pkg.version_compare(a, b))


def rpm_cmp():
    import rpm

    def evr(s):
        # rpm's parseEVR: leading digits then ':' is the epoch; the last '-' splits the release.
        digits = len(s) - len(s.lstrip("0123456789"))
        epoch = None
        if s[digits:digits + 1] == ":":
            epoch, s = (s[:digits] or "0"), s[digits + 1:]
        version, sep, release = s.rpartition("-")
        if not sep:
            version, release = s, None
        return (epoch, version, release)

    def cmp(a, b):
        if not a or not b:
            raise ValueError("empty")
        return sign(rpm.labelCompare(evr(a), evr(b)))

    return cmp


def pep440():
    from packaging.version import Version

    return lambda a, b: sign((Version(a) > Version(b)) - (Version(a) < Version(b)))


def main():
    cmp = {"deb": deb, "rpm": rpm_cmp, "pep440": pep440}[sys.argv[1]]()
    for line in sys.stdin.read().split("\n"):
        if not line:
            continue
        a, b = line.split("\t")
        try:
            r = str(cmp(a, b))
        except Exception:
            r = "error"
        print(f"{a}\t{b}\t{r}")


main()
