#!/usr/bin/env python3
"""Writes a Java-heavy OCI layout for the memory benchmark: LAYERS gzip layers holding JARS
jars between them, each a real jar (a pom.properties naming it) padded with a stored member of
KIB KiB of zeros, so the layers compress about 1000:1; the last layer rewrites the first
layer's jars (a newer build), as application images do.

usage: make-jar-image.py OUT_DIR JARS [KIB=1024] [LAYERS=4]
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile

out, jars = sys.argv[1], int(sys.argv[2])
kib = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
nlayers = int(sys.argv[4]) if len(sys.argv) > 4 else 4
zeros = bytes(kib << 10)


def jar(i, version):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
        z.writestr(
            f"META-INF/maven/org.bench/lib{i}/pom.properties",
            f"groupId=org.bench\nartifactId=lib{i}\nversion={version}\n",
        )
        z.writestr("padding.bin", zeros)  # stored: the jar itself is mostly zeros
    return b.getvalue()


def blob(data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


per = -(-jars // nlayers)
plan = [[(i, "1.0") for i in range(k * per, min(jars, (k + 1) * per))] for k in range(nlayers)]
plan.append([(i, "2.0") for i, _ in plan[0]])  # the rewrite
layers, diff_ids = [], []
for k, members in enumerate(plan):
    t = io.BytesIO()
    with tarfile.open(fileobj=t, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for i, version in members:
            data = jar(i, version)
            info = tarfile.TarInfo(f"opt/app{i % 7}/lib/lib{i}.jar")
            info.size, info.mode = len(data), 0o644
            tf.addfile(info, io.BytesIO(data))
    raw = t.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    layers.append(blob(gzip.compress(raw, compresslevel=6)))
config = {
    "architecture": "amd64",
    "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": diff_ids},
}
cd, cs = blob(json.dumps(config).encode())
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
    "layers": [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s}
        for d, s in layers
    ],
}
md, ms = blob(json.dumps(manifest).encode())
with open(f"{out}/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(f"{out}/index.json", "w") as f:
    json.dump(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": md,
                    "size": ms,
                    "annotations": {"org.opencontainers.image.ref.name": "test"},
                }
            ],
        },
        f,
    )
