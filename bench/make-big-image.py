#!/usr/bin/env python3
"""Writes a docker archive of several GB for the memory benchmark: the Debian test image's
layers plus one layer of large random files (incompressible, so nothing shortcuts the read).

usage: make-big-image.py DEBIAN_DOCKER_TAR OUT_TAR GIB
"""
import hashlib
import io
import json
import os
import sys
import tarfile

src, out, gib = sys.argv[1], sys.argv[2], int(sys.argv[3])
CHUNK = 1 << 20
FILE = 512 << 20  # bytes per random file


class Hashing(io.RawIOBase):
    """A write-only file that hashes what passes through it into another file."""

    def __init__(self, f):
        self.f, self.h = f, hashlib.sha256()

    def writable(self):
        return True

    def write(self, b):
        self.h.update(b)
        return self.f.write(b)


with tarfile.open(src) as t, open(out + ".tmp", "wb") as o:
    manifest = json.load(t.extractfile("manifest.json"))[0]
    config = json.load(t.extractfile(manifest["Config"]))
    outer = tarfile.open(fileobj=o, mode="w", format=tarfile.GNU_FORMAT)
    layers = []
    for i, name in enumerate(manifest["Layers"]):
        member = t.getmember(name)
        info = tarfile.TarInfo(f"layer{i}.tar")
        info.size = member.size
        outer.addfile(info, t.extractfile(member))
        layers.append(info.name)
    # The big layer: built in a temporary file to learn its size and digest first.
    tmp = out + ".layer"
    with open(tmp, "wb") as lf:
        hw = Hashing(lf)
        inner = tarfile.open(fileobj=hw, mode="w|", format=tarfile.GNU_FORMAT)
        for n in range(gib * (1 << 30) // FILE):
            info = tarfile.TarInfo(f"data/blob-{n}.bin")
            info.size = FILE

            class Random(io.RawIOBase):
                left = FILE

                def readable(self):
                    return True

                def readinto(self, b):
                    k = min(len(b), self.left, CHUNK)
                    if k == 0:
                        return 0
                    b[:k] = os.urandom(k)
                    self.left -= k
                    return k

            inner.addfile(info, io.BufferedReader(Random(), CHUNK))
        inner.close()
    config["rootfs"]["diff_ids"].append("sha256:" + hw.h.hexdigest())
    info = tarfile.TarInfo("big-layer.tar")
    info.size = os.path.getsize(tmp)
    with open(tmp, "rb") as lf:
        outer.addfile(info, lf)
    os.remove(tmp)
    layers.append("big-layer.tar")
    cfg = json.dumps(config).encode()
    info = tarfile.TarInfo("config.json")
    info.size = len(cfg)
    outer.addfile(info, io.BytesIO(cfg))
    m = json.dumps([{"Config": "config.json", "RepoTags": ["palisade/big:test"], "Layers": layers}]).encode()
    info = tarfile.TarInfo("manifest.json")
    info.size = len(m)
    outer.addfile(info, io.BytesIO(m))
    outer.close()
os.replace(out + ".tmp", out)
