#!/usr/bin/env python3
"""Writes a cosign signature of an image as `cosign sign --key` stores it, without cosign: the
simple signing payload naming the image's digest, signed by OpenSSL (ECDSA, SHA-256, DER), in
an OCI layout holding the signature manifest (one layer: the payload, its signature in the
`dev.cosignproject.cosign/signature` annotation), ready for `skopeo copy` to
REPOSITORY:sha256-<hex>.sig. The format is cosign's specs/SIGNATURE_SPEC.md.

usage: cosign-sign.py KEY.pem REFERENCE DIGEST LAYOUT_DIR
"""
import base64
import hashlib
import json
import os
import subprocess
import sys

key, reference, digest, out = sys.argv[1:5]
payload = json.dumps(
    {
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    },
    separators=(",", ":"),
).encode()
signature = subprocess.run(
    ["openssl", "dgst", "-sha256", "-sign", key], input=payload, capture_output=True, check=True
).stdout

os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)


def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


config = json.dumps({"architecture": "", "config": {}, "created": "0001-01-01T00:00:00Z",
                     "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(payload).hexdigest()]}}).encode()
config_digest, config_size = blob(config)
payload_digest, payload_size = blob(payload)
manifest = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": config_size, "digest": config_digest},
    "layers": [{
        "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
        "size": payload_size,
        "digest": payload_digest,
        "annotations": {"dev.cosignproject.cosign/signature": base64.b64encode(signature).decode()},
    }],
}).encode()
manifest_digest, manifest_size = blob(manifest)
with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": manifest_size, "digest": manifest_digest,
        "annotations": {"org.opencontainers.image.ref.name": "sig"}}]}, f)
