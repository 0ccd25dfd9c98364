#!/usr/bin/env python3
"""Evaluates ValidatingAdmissionPolicies as the API server would, with cel-python (an
independent CEL implementation): for each review, every policy whose match constraints take
the object (API group, resource, operation, namespace selector) has its variables evaluated in
order, then its validations; a validation that is false is a violation, Deny or Warn by the
policy's binding. An expression that fails to evaluate is reported, never taken as a pass.

usage: cel-eval.py INPUT.json  ({"resources": [...], "reviews": [{"object", "request"}]})
prints a JSON list, per review: {"denied": [messages], "warned": [messages], "errors": [...]}
"""
import json
import sys

import celpy
from celpy import celtypes


def resource_of(obj):
    api = obj.get("apiVersion", "v1")
    group = api.split("/")[0] if "/" in api else ""
    return group, obj.get("kind", "").lower() + "s"


def takes(policy, review):
    spec = policy["spec"]
    group, resource = resource_of(review["object"])
    op = review["request"].get("operation", "CREATE")
    ok = any(
        group in r["apiGroups"] and resource in r["resources"] and op in r["operations"]
        for r in spec["matchConstraints"]["resourceRules"]
    )
    ns = review["request"].get("namespace", "")
    for e in spec["matchConstraints"].get("namespaceSelector", {}).get("matchExpressions", []):
        if e["key"] == "kubernetes.io/metadata.name" and e["operator"] == "NotIn" and ns in e["values"]:
            ok = False
    return ok


def main():
    data = json.load(open(sys.argv[1]))
    env = celpy.Environment()
    policies = [r for r in data["resources"] if r["kind"] == "ValidatingAdmissionPolicy"]
    actions = {
        r["spec"]["policyName"]: r["spec"]["validationActions"]
        for r in data["resources"]
        if r["kind"] == "ValidatingAdmissionPolicyBinding"
    }
    compiled = {}
    for p in policies:
        name = p["metadata"]["name"]
        compiled[name] = (
            [(v["name"], env.program(env.compile(v["expression"]))) for v in p["spec"].get("variables", [])],
            [(env.program(env.compile(v["expression"])), v["message"]) for v in p["spec"]["validations"]],
        )
    out = []
    for review in data["reviews"]:
        result = {"denied": [], "warned": [], "errors": []}
        for p in policies:
            if not takes(p, review):
                continue
            name = p["metadata"]["name"]
            variables, validations = compiled[name]
            base = {
                "object": celpy.json_to_cel(review["object"]),
                "request": celpy.json_to_cel(review["request"]),
            }
            bound = {}
            try:
                for vname, prog in variables:
                    base["variables"] = celtypes.MapType({celtypes.StringType(k): v for k, v in bound.items()})
                    value = prog.evaluate(base)
                    if isinstance(value, celpy.CELEvalError):
                        raise value
                    bound[vname] = value
                base["variables"] = celtypes.MapType({celtypes.StringType(k): v for k, v in bound.items()})
                for prog, message in validations:
                    value = prog.evaluate(base)
                    if isinstance(value, celpy.CELEvalError) or not isinstance(value, celtypes.BoolType):
                        result["errors"].append(f"{name}: {message}: {value!r}")
                    elif not bool(value):
                        if "Deny" in actions.get(name, []):
                            result["denied"].append(message)
                        if "Warn" in actions.get(name, []):
                            result["warned"].append(message)
            except Exception as e:  # an evaluation error: reported, never a pass
                result["errors"].append(f"{name}: {e!r}")
        out.append(result)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
