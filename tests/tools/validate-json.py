#!/usr/bin/env python3
"""Validates JSON documents against a JSON schema (draft 2020-12, as schemars writes them) with
the `jsonschema` package, an implementation independent of the one that wrote the schema.
Exit 0 when every document is valid; each problem on stderr otherwise.

usage: validate-json.py SCHEMA DOCUMENT...
"""
import json
import sys

from jsonschema import Draft202012Validator

schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for error in validator.iter_errors(json.load(open(path))):
        bad += 1
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: /{where}: {error.message}", file=sys.stderr)
sys.exit(1 if bad else 0)
