#!/usr/bin/env python3
"""Validates JSON documents against a JSON schema (draft 2020-12, as schemars writes them) with
the `jsonschema` package, an implementation independent of the one that wrote the schema.
Exit 0 when every document is valid; each problem on stderr otherwise.

usage: validate-json.py [--crd] SCHEMA DOCUMENT...

--crd: SCHEMA is a CustomResourceDefinition's openAPIV3Schema. Such schemas leave objects
open (the API server prunes unknown fields, and `kubectl apply` refuses them by default):
every object schema that lists its properties is closed here the same way, so a misspelled
field fails. Their patterns are Go's (RE2), which Python's `re` cannot always compile, so the
schema itself is not checked against the meta-schema.
"""
import json
import sys

from jsonschema import Draft202012Validator


def close(node):
    if isinstance(node, dict):
        if (
            node.get("type") == "object"
            and "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for v in node.values():
            close(v)
    elif isinstance(node, list):
        for v in node:
            close(v)


args = sys.argv[1:]
crd = args[:1] == ["--crd"]
if crd:
    args = args[1:]
schema = json.load(open(args[0]))
if crd:
    close(schema)
else:
    Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
bad = 0
for path in args[1:]:
    for error in validator.iter_errors(json.load(open(path))):
        bad += 1
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: /{where}: {error.message}", file=sys.stderr)
sys.exit(1 if bad else 0)
