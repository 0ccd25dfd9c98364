#!/usr/bin/env python3
"""Turn Checkov's `-o json` report for the Kubernetes framework into one JSON
line per (file, resource, check_id, result), sorted, so it can be diffed and
compared offline.

usage: normalize.py CHECKOV_REPORT.json CORPUS_DIR > corpus-results.jsonl

Fields of each line:
  file       path relative to CORPUS_DIR
  kind, namespace, name
             split from Checkov's resource id "Kind.namespace.name" (kind and
             namespace never hold a dot, the name may). Checkov writes
             namespace "default" when metadata.namespace is absent, even for
             cluster-scoped kinds.
  origin     "object": a document (or an item of a `kind: List`) in the file;
             "pod-template": a Pod that Checkov's graph builder synthesised from
             the pod template of a Deployment/DaemonSet/StatefulSet/Job/
             ReplicaSet/ReplicationController (only CKV2_K8S_* graph checks
             report on these; their name is "<parent>.<label>-<value>...").
  check_id, check_name
  result     "passed" | "failed" | "skipped"
"""
import json
import os
import sys

import yaml


def objects_in(path):
    """(kind, namespace, name) of every object in a manifest file, Lists expanded."""
    found = set()
    with open(path, encoding="utf-8") as f:
        try:
            docs = list(yaml.safe_load_all(f))
        except yaml.YAMLError:
            return found
    stack = [d for d in docs if isinstance(d, dict)]
    while stack:
        doc = stack.pop()
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            stack.extend(i for i in doc["items"] if isinstance(i, dict))
            continue
        meta = doc.get("metadata") or {}
        if isinstance(meta, dict) and meta.get("name"):
            found.add((str(doc.get("kind")), str(meta.get("namespace", "default")), str(meta["name"])))
    return found


def main():
    report_path, corpus = sys.argv[1], sys.argv[2]
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    reports = report if isinstance(report, list) else [report]
    objects = {}
    rows = set()
    for rep in reports:
        if rep.get("check_type") != "kubernetes":
            continue
        results = rep.get("results", {})
        for key, result in (("passed_checks", "passed"), ("failed_checks", "failed"), ("skipped_checks", "skipped")):
            for c in results.get(key, []):
                rel = c["file_path"].lstrip("/")
                if rel not in objects:
                    objects[rel] = objects_in(os.path.join(corpus, rel))
                kind, namespace, name = c["resource"].split(".", 2)
                origin = "object" if (kind, namespace, name) in objects[rel] else "pod-template"
                rows.add((rel, kind, namespace, name, origin, c["check_id"], c.get("check_name") or "", result))
    for rel, kind, namespace, name, origin, check_id, check_name, result in sorted(rows):
        print(json.dumps({
            "file": rel, "kind": kind, "namespace": namespace, "name": name, "origin": origin,
            "check_id": check_id, "check_name": check_name, "result": result,
        }, sort_keys=False))


if __name__ == "__main__":
    main()
