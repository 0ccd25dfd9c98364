#!/usr/bin/env python3
"""Validates an SBOM with the format owners' own tooling: CycloneDX against the official 1.5
JSON schema (shipped in cyclonedx-python-lib), SPDX with the SPDX project's parser and validator
(spdx-tools). Exit 0 when valid; the problems on stderr otherwise.

usage: validate-sbom.py cyclonedx|spdx FILE
"""
import sys


def cyclonedx(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(path).read())
    return [str(errors)] if errors else []


def spdx(path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    doc = parse_file(path)
    return [m.validation_message for m in validate_full_spdx_document(doc)]


problems = {"cyclonedx": cyclonedx, "spdx": spdx}[sys.argv[1]](sys.argv[2])
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
