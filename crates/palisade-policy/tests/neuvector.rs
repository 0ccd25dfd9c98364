//! `policy import --from neuvector`: NeuVector's resources as it exports them (fixtures
//! checked against NeuVector's own CRD schemas), turned into a Palisade policy that loads and
//! decides as NeuVector's did, with every field mapped or named.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::{data, documents, tempdir, validate};
use palisade_policy::decide::{Compiled, Event, PeerInfo, Verdict, Workload};
use palisade_policy::neuvector::{import, Imported};
use palisade_policy::resources::{Direction, Protocol};
use palisade_policy::yaml::{emit, Limits};
use palisade_policy::{load, Policy, Source};
use serde_json::{json, Value};

const FIXTURES: [&str; 8] = [
    "export-groups.yaml",
    "export-groups-name-referral.yaml",
    "export-groups-docs-sample.yaml",
    "group-definition.yaml",
    "admission.yaml",
    "dlp.yaml",
    "waf.yaml",
    "response.yaml",
];

fn read(name: &str) -> String {
    std::fs::read_to_string(data(&format!("neuvector/{name}"))).unwrap()
}

fn imported(names: &[&str]) -> Imported {
    let texts: Vec<(String, String)> = names.iter().map(|n| (n.to_string(), read(n))).collect();
    let sources: Vec<Source<'_>> = texts
        .iter()
        .map(|(name, text)| Source { name, text })
        .collect();
    import(&sources, &Limits::default()).unwrap()
}

/// The imported resources read back as a Palisade policy.
fn reload(i: &Imported) -> Policy {
    let text: String = i
        .resources
        .iter()
        .map(|r| format!("---\n{}", emit(r)))
        .collect();
    load(
        &[Source {
            name: "imported.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e:#?}\n{text}"))
}

fn find<'a>(i: &'a Imported, kind: &str, name: &str) -> &'a Value {
    i.resources
        .iter()
        .find(|r| r["kind"] == kind && r["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{kind} {name} in {:#?}", i.resources))
}

fn notes(i: &Imported) -> Vec<String> {
    i.unmapped
        .iter()
        .map(|u| format!("{} {}: {}", u.resource, u.part, u.reason))
        .collect()
}

fn noted(list: &[String], needles: &[&str]) {
    assert!(
        list.iter().any(|l| needles.iter().all(|n| l.contains(n))),
        "{needles:?}\n{list:#?}"
    );
}

fn prune_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(prune_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}

#[test]
fn the_fixtures_are_what_neuvector_accepts() {
    let dir = tempdir("nv-schemas");
    let crds: Vec<Value> = std::fs::read_dir(data("neuvector/crds"))
        .unwrap()
        .flat_map(|e| documents(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
        .collect();
    // Every object of every fixture, by kind: one validator run per kind.
    let mut by_kind: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for f in FIXTURES {
        for doc in documents(&read(f)) {
            let items = match doc["kind"].as_str() {
                Some("List") => doc["items"].as_array().cloned().unwrap_or_default(),
                _ => vec![doc],
            };
            for mut item in items {
                // The API server drops nulls of fields that are not nullable before it
                // validates (NeuVector writes `response: null`).
                prune_nulls(&mut item);
                let kind = item["kind"].as_str().unwrap().to_string();
                by_kind.entry(kind).or_default().push(item);
            }
        }
    }
    let mut checked = 0;
    for (kind, items) in &by_kind {
        let crd = crds
            .iter()
            .find(|c| c["spec"]["names"]["kind"] == kind.as_str())
            .unwrap_or_else(|| panic!("no CRD for {kind}"));
        let mut schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
        // Every object has these, whether its schema says so or not.
        for (k, v) in [
            ("apiVersion", json!({"type": "string"})),
            ("kind", json!({"type": "string"})),
            ("metadata", json!({"type": "object"})),
        ] {
            schema["properties"][k] = v;
        }
        validate(&dir, &schema, items, true).unwrap_or_else(|e| panic!("{kind}: {e}"));
        checked += items.len();
        // And the validator refuses what NeuVector would: a field it does not have.
        let mut wrong = items[0].clone();
        wrong["spec"]["colour"] = json!("blue");
        let err = validate(&dir, &schema, &[wrong], true).unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }
    assert_eq!(by_kind.len(), 7, "{:?}", by_kind.keys());
    assert!(checked >= 30, "{checked}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_group_export_maps_every_field_or_names_it() {
    let i = imported(&[
        "export-groups.yaml",
        "dlp.yaml",
        "waf.yaml",
        "admission.yaml",
        "response.yaml",
    ]);
    reload(&i);
    let group = find(&i, "GroupDefinition", "nv.nginx-pod.demo");
    assert_eq!(
        group["spec"],
        json!({"selector": {"namespaces": ["demo"], "services": ["nginx-pod"]}})
    );
    assert_eq!(
        find(&i, "GroupDefinition", "payment-db-cidr")["spec"],
        json!({"addresses": ["10.20.0.0/16", "192.168.30.15"]})
    );
    let rule = find(&i, "SecurityRule", "nv.nginx-pod.demo");
    assert_eq!(rule["metadata"]["namespace"], "demo");
    let spec = &rule["spec"];
    assert_eq!(
        spec["mode"],
        json!({"network": "Protect", "process": "Protect"})
    );
    assert_eq!(spec["baseline"], "zero-drift");
    assert_eq!(
        spec["process"][0],
        json!({"action": "deny", "name": "curl", "path": "/usr/bin/curl"})
    );
    assert_eq!(
        spec["file"],
        json!([{"path": "/etc/ssl/private/**", "processes": ["nginx"], "action": "allow"}])
    );
    assert_eq!(
        spec["network"][0],
        json!({"direction": "ingress", "peer": {"group": "external"}, "action": "allow", "protocol": "tcp", "ports": ["80", "443"], "applications": ["http", "tls"]})
    );
    assert_eq!(
        spec["dlp"],
        json!([{"sensor": "pci-data", "action": "alert"}, {"sensor": "sensor.creditcard", "action": "deny"}])
    );
    assert_eq!(
        find(&i, "DlpSensor", "sensor.creditcard")["spec"]["patterns"][0]["builtin"],
        "creditCard"
    );
    let n = notes(&i);
    for needles in [
        &[
            "nv.nginx-pod.demo",
            "criteria[2]",
            "tier != \"batch\"",
            "negations",
        ][..],
        &["criteria[5]", "container regex", "regular expressions"],
        &["criteria[7]", "namespace label team"],
        &["file[0]", "monitor_change"],
        &["process[3].allow_update"],
        &[
            "waf.settings[0]",
            "sensor.log4shell",
            "no Palisade detector",
        ],
        &["egress[3]", "a deny to or from external"],
        &["grp_sess_cur", "thresholds"],
        &["NvClusterSecurityRule nodes", "the nodes group"],
        &["client_mode"],
        &["cveScoreCount", "count >= 3"],
        &["imageNoOS"],
        &["rules[18]", "refuses more than NeuVector's"],
        &["user regex"],
        &["rule \"internal-host-leak\" has 2 patterns"],
        &["event: NeuVector's system events"],
        &["webhook: NeuVector names webhooks"],
    ] {
        noted(&n, needles);
    }
    // Admission: exceptions, modes, containers, counts with their age and fix.
    let system = find(&i, "AdmissionRule", "neuvector-admission-1");
    assert_eq!(system["spec"]["action"], "allow");
    assert_eq!(
        system["spec"]["criteria"][0],
        json!({"name": "namespace", "op": "containsAny", "values": ["kube-system", "kube-public", "istio-system"]})
    );
    let counts: Vec<&Value> = i
        .resources
        .iter()
        .filter(|r| r["kind"] == "AdmissionRule")
        .flat_map(|r| r["spec"]["criteria"].as_array().unwrap())
        .filter(|c| c["name"] == "highCount")
        .collect();
    assert!(
        counts.iter().any(|c| c["onlyFixable"] == true),
        "{counts:#?}"
    );
    assert!(
        counts.iter().any(|c| c["olderThanDays"].is_u64()),
        "{counts:#?}"
    );
    assert_eq!(
        find(&i, "GlobalRules", "neuvector-admission")["spec"]["admission"]["mode"],
        "Protect"
    );
}

#[test]
fn the_imported_policy_decides_as_neuvector_did() {
    let i = imported(&["export-groups.yaml", "dlp.yaml", "waf.yaml"]);
    let policy = Compiled::new(&reload(&i));
    let nginx = Workload {
        namespace: "demo".into(),
        service: "Deployment/nginx-pod".into(),
        ..Workload::default()
    };
    let p = policy.profile(&nginx);
    let exec = |path: &'static str, name: &'static str| Event::Exec {
        path,
        name,
        parent: None,
        from_image: true,
    };
    assert_eq!(
        p.decide(&exec("/usr/sbin/nginx", "nginx")).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&exec("/usr/bin/curl", "curl")).verdict,
        Verdict::Deny
    );
    assert_eq!(
        p.decide(&exec("/usr/bin/wget", "wget")).verdict,
        Verdict::Deny,
        "Protect: an allow list"
    );
    let connect = |ip: &'static str, port, protocol| Event::Connect {
        direction: Direction::Egress,
        peer: PeerInfo {
            ip: Some(ip.parse().unwrap()),
            name: None,
            workload: None,
        },
        port,
        protocol,
    };
    assert_eq!(
        p.decide(&connect("10.20.7.1", 5432, Protocol::Tcp)).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&connect("10.20.7.1", 22, Protocol::Tcp)).verdict,
        Verdict::Deny
    );
    let file = Event::File {
        path: "/etc/ssl/private/site.key",
        write: false,
        process: "sh",
    };
    assert_eq!(
        p.decide(&file).verdict,
        Verdict::Deny,
        "block_access except nginx"
    );
    let file = Event::File {
        path: "/etc/ssl/private/site.key",
        write: false,
        process: "nginx",
    };
    assert_eq!(p.decide(&file).verdict, Verdict::Allow);
    // The same groups from the name-referral export and the older docs sample.
    for f in [
        "export-groups-name-referral.yaml",
        "export-groups-docs-sample.yaml",
    ] {
        let i = imported(&[f]);
        let p = Compiled::new(&reload(&i));
        assert_eq!(
            p.decide(&nginx, &exec("/usr/sbin/nginx", "nginx")).verdict,
            Verdict::Allow,
            "{f}"
        );
    }
}

#[test]
fn bad_input_is_named_where_it_is_and_nothing_is_written() {
    let cases = [
        ("a.yaml", "apiVersion: neuvector.com/v2\nkind: NvSecurityRule\nmetadata: {name: x}\nspec: {}\n", "a.yaml:1:1: apiVersion \"neuvector.com/v2\""),
        ("b.yaml", "apiVersion: neuvector.com/v1\nkind: NvFirewall\nmetadata: {name: x}\nspec: {}\n", "b.yaml:1:1: kind \"NvFirewall\""),
        ("h.yaml", "apiVersion: neuvector.com/v1\nkind: NvSecurityRule\nmetadata: {name: x}\nspec: {}\n", "h.yaml:1:1: an NvSecurityRule needs metadata.namespace"),
        ("c.yaml", "apiVersion: v1\nkind: List\nitems: {a: 1}\n", "c.yaml:1:1: a List's items are a list"),
        ("d.yaml", "items: [1,\n", "d.yaml:2:1"),
        ("e.yaml", "apiVersion: neuvector.com/v1\nkind: NvSecurityRule\nmetadata: {name: x, namespace: demo}\nspec:\n  target: {selector: {name: x, criteria: [{key: app, op: =, value: a}]}}\n  ingress:\n    - {action: maybe, name: r, selector: {name: external}}\n", "e.yaml:7:7: action \"maybe\": allow or deny"),
        ("f.yaml", "apiVersion: neuvector.com/v1\nkind: NvSecurityRule\nmetadata: {name: x, namespace: demo}\nspec:\n  target: {selector: {name: x, criteria: [{key: app, op: =, value: a}]}}\n  egress:\n    - {action: allow, name: r, ports: tcp/99999, selector: {name: external}}\n", "f.yaml:7:39: port \"99999\""),
    ];
    for (name, text, want) in cases {
        let err = import(&[Source { name, text }], &Limits::default()).unwrap_err();
        let said: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert!(
            said.iter().any(|s| s.starts_with(want)),
            "{want}\n{said:#?}"
        );
    }
    // A field the import does not know is named, with where it is.
    let text = "apiVersion: neuvector.com/v1\nkind: NvClusterSecurityRule\nmetadata: {name: x}\nspec:\n  target: {selector: {name: x, criteria: [{key: app, op: =, value: a}]}}\n  quota: {cpu: 2}\n";
    let i = import(
        &[Source {
            name: "g.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    noted(
        &notes(&i),
        &[
            "g.yaml:6:10 .spec.quota",
            "a field this import does not know",
        ],
    );
}

#[test]
fn what_would_widen_a_rule_is_left_out_and_said() {
    let text = r#"
apiVersion: neuvector.com/v1
kind: NvResponseRuleSecurityRule
metadata: {name: quarantine-critical}
spec:
  rule:
    actions: [quarantine, suppress-log]
    conditions: [{type: level, value: Critical}]
    event: security-event
    policy_name: default
---
apiVersion: neuvector.com/v1
kind: NvClusterSecurityRule
metadata: {name: regex-only}
spec:
  target:
    selector:
      name: web
      criteria: [{key: app, op: =, value: web}]
  ingress:
    - action: allow
      name: from-frontends
      ports: tcp/80
      selector:
        name: frontends
        criteria: [{key: image, op: regex, value: "^reg/frontend"}, {key: address, op: =, value: "hoo!ks.example"}]
---
apiVersion: neuvector.com/v1
kind: NvAdmissionControlSecurityRule
metadata: {name: local}
spec:
  rules:
    - action: deny
      criteria: [{name: saBindRiskyRole, op: notContainsAny, value: risky_role_view_secret, type: saBindRiskyRole}]
    - action: deny
      criteria: [{name: cveHighCount, op: ">=", value: "1", sub_criteria: [{name: publishDays, op: ">=", value: soon}]}]
    - action: deny
      criteria: [{name: namespace, op: containsAny, value: ","}]
"#;
    let i = import(
        &[Source {
            name: "w.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    reload(&i);
    // A security event is any of Palisade's four kinds of find on a workload.
    let events: Vec<&str> = i
        .resources
        .iter()
        .filter(|r| r["kind"] == "ResponseRule")
        .map(|r| r["spec"]["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["violation", "threat", "dlp", "waf"]);
    assert_eq!(
        find(&i, "ResponseRule", "quarantine-critical-dlp")["spec"],
        json!({"event": "dlp", "severity": "critical", "actions": ["quarantine", "suppressLog"]})
    );
    // A group nothing of which could be written is not "every workload": it is not written,
    // and neither is the allow that named it.
    assert!(!i
        .resources
        .iter()
        .any(|r| r["metadata"]["name"] == "frontends"));
    assert!(find(&i, "ClusterSecurityRule", "regex-only")["spec"]
        .get("network")
        .is_none());
    let n = notes(&i);
    noted(
        &n,
        &["group \"frontends\": none of its criteria could be written"],
    );
    noted(&n, &["address \"hoo!ks.example\""]);
    // The operator decides which way a risky role goes; what does not parse is said.
    let risky = find(&i, "AdmissionRule", "neuvector-admission-rule-1");
    assert_eq!(risky["spec"]["criteria"][0]["value"], "false");
    noted(&n, &["rules[1]", "publishDays >= soon"]);
    noted(&n, &["rules[2]", "namespace containsAny"]);
}
