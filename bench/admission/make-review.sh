#!/usr/bin/env bash
# Writes bench/admission/review.json: the AdmissionReview (admission.k8s.io/v1) the API
# server sends when Argo CD creates the Deployment of checkout-patch.yaml, as the admission
# tests build theirs: kubectl renders the object (`kubectl create deployment --dry-run=client`,
# then `kubectl patch --local`); kubectl's last-applied-configuration annotation and the
# server's uid, creationTimestamp and generation are added as they are made (managedFields,
# another ~10 KB in a real cluster, are left out).
# Usage: bench/admission/make-review.sh   (needs kubectl and python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kubectl create deployment checkout -n shop --image=registry.example.com/shop/checkout:2.14.3 \
    --replicas=3 --port=8080 --dry-run=client -o json |
  kubectl patch --local -f - --type=merge --patch-file "$here/checkout-patch.yaml" -o json |
  python3 -c '
import json, sys

obj = json.load(sys.stdin)
obj.pop("status", None)
meta = obj["metadata"]
meta.pop("creationTimestamp", None)
obj["spec"]["template"]["metadata"].pop("creationTimestamp", None)
# What `kubectl apply` records of the manifest it was given.
meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
    json.dumps(obj, separators=(",", ":"), sort_keys=True) + "\n")

meta["uid"] = "3b0f6e2a-8c1d-4f7e-9a5b-2d4c6e8f0a1b"
meta["generation"] = 1
meta["creationTimestamp"] = "2026-12-04T09:30:00Z"
gvk = {"group": "apps", "version": "v1", "kind": "Deployment"}
gvr = {"group": "apps", "version": "v1", "resource": "deployments"}
review = {
    "apiVersion": "admission.k8s.io/v1",
    "kind": "AdmissionReview",
    "request": {
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
        "name": meta["name"], "namespace": meta["namespace"], "operation": "CREATE",
        "userInfo": {
            "username": "system:serviceaccount:argocd:argocd-application-controller",
            "uid": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
            "groups": ["system:serviceaccounts", "system:serviceaccounts:argocd",
                       "system:authenticated"],
        },
        "object": obj,
        "oldObject": None,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions",
                    "fieldManager": "argocd-controller"},
    },
}
json.dump(review, sys.stdout, separators=(",", ":"))
' >"$here/review.json"
echo "$here/review.json: $(wc -c <"$here/review.json") bytes"
