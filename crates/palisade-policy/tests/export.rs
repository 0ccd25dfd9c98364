//! `policy export`: a realistic policy written for NetworkPolicy, Cilium (1.20 and 1.19) and
//! KubeArmor; the output validated against those projects' published schemas (closed to
//! unknown fields, as `kubectl apply` refuses them), and every part not carried listed.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::{data, documents, tempdir, validate};
use palisade_policy::export::{export, Export, Target};
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Policy, Source};
use serde_json::{json, Value};

fn payments() -> Policy {
    let text = std::fs::read_to_string(data("export/payments.yaml")).unwrap();
    load(
        &[Source {
            name: "payments.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap()
}

fn schema(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(&format!("schemas/{file}"))).unwrap())
        .unwrap()
}

/// `part: reason` of each statement not exported as written.
fn unmapped(e: &Export) -> Vec<String> {
    e.unmapped
        .iter()
        .map(|u| format!("{} {}: {}", u.resource, u.part, u.reason))
        .collect()
}

fn has(list: &[String], prefix: &str) {
    assert!(
        list.iter().any(|l| l.starts_with(prefix)),
        "{prefix}\n{list:#?}"
    );
}

#[test]
fn network_policy_keeps_the_allow_list_and_lists_what_it_cannot_say() {
    let e = export(&payments(), Target::NetworkPolicy);
    assert_eq!(e.resources.len(), 1, "{:#?}", e.resources);
    let np = &e.resources[0];
    assert_eq!(np["metadata"]["namespace"], "payments");
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(
        np["spec"]["podSelector"],
        json!({"matchLabels": {"app": "checkout"}})
    );
    // The ledger in its namespace, by labels (a label of any value: Exists).
    assert_eq!(
        np["spec"]["egress"][0],
        json!({"ports": [{"port": 5432, "protocol": "TCP"}], "to": [{
            "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["payments"]}]},
            "podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}], "matchLabels": {"app": "ledger"}}
        }]})
    );
    // Frontends of any namespace.
    assert_eq!(
        np["spec"]["ingress"][0]["from"][0]["namespaceSelector"],
        json!({})
    );
    let u = unmapped(&e);
    for line in [
        "SecurityRule payments/checkout process: NetworkPolicy does not carry process rules",
        "SecurityRule payments/checkout network[1]: exported without its application and request matches",
        "SecurityRule payments/checkout network[4]: peer *.visa.example: NetworkPolicy has no DNS names",
        "SecurityRule payments/checkout network[5]: NetworkPolicy only allows",
        "SecurityRule payments/checkout network[7]: ICMP",
        "ClusterSecurityRule frontends target: selects workloads of every namespace",
    ] {
        has(&u, line);
    }
    let dir = tempdir("export-np");
    validate(
        &dir,
        &schema("networkpolicy-networking-v1.json"),
        &e.resources,
        false,
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cilium_carries_http_grpc_dns_sni_and_kafka_where_its_version_has_them() {
    let dir = tempdir("export-cilium");
    for (target, kafka) in [(Target::Cilium, false), (Target::Cilium119, true)] {
        let e = export(&payments(), target);
        assert_eq!(e.resources.len(), 2);
        let cnp = &e.resources[0];
        assert_eq!(cnp["kind"], "CiliumNetworkPolicy");
        let spec = &cnp["spec"];
        assert_eq!(
            spec["enableDefaultDeny"],
            json!({"ingress": true, "egress": true})
        );
        // HTTP paths as Cilium's regular expressions, gRPC as its HTTP/2 form.
        let http = &spec["ingress"][0]["toPorts"][0]["rules"]["http"];
        assert_eq!(
            http[1],
            json!({"method": "GET", "path": "/v1/charges/[^/]*", "host": "pay\\.example"})
        );
        let grpc = &spec["ingress"][1]["toPorts"][0]["rules"]["http"][0];
        assert_eq!(grpc["path"], "/payments\\.v1\\.Admin/Refund[^/]*");
        // A range of addresses as the fewest CIDRs, names as toFQDNs, SNI as serverNames.
        let egress = spec["egress"].as_array().unwrap();
        let cidrs = egress
            .iter()
            .find(|r| r.get("toCIDRSet").is_some())
            .unwrap();
        assert_eq!(cidrs["toCIDRSet"].as_array().unwrap().len(), 5);
        assert_eq!(
            cidrs["toPorts"][0]["serverNames"],
            json!(["api.visa.example", "api.mastercard.example"])
        );
        assert!(egress
            .iter()
            .any(|r| r["toFQDNs"][0] == json!({"matchPattern": "**.visa.example"})));
        // toFQDNs needs DNS through Cilium's proxy: the rule that allows it is written too.
        assert!(egress
            .iter()
            .any(|r| r["toPorts"][0]["rules"]["dns"] == json!([{"matchPattern": "*"}])));
        // The deny, at L3/L4 as Cilium's deny rules are.
        assert_eq!(
            spec["egressDeny"][0]["toPorts"][0]["ports"][0],
            json!({"port": "8000", "endPort": 8999, "protocol": "ANY"})
        );
        let kafka_rule = egress
            .iter()
            .find(|r| r["toFQDNs"][0]["matchName"] == "kafka.payments.svc.cluster.local")
            .unwrap();
        assert_eq!(
            kafka_rule["toPorts"][0]["rules"].get("kafka").is_some(),
            kafka
        );
        let u = unmapped(&e);
        has(&u, "SecurityRule payments/checkout network[7]: ICMP");
        if !kafka {
            has(&u, "SecurityRule payments/checkout network[6]: exported without Kafka matches (Cilium 1.20 removed Kafka rules");
        }
        // The cluster-wide rule: a clusterwide policy, its namespaces in the selector.
        let ccnp = &e.resources[1];
        assert_eq!(ccnp["kind"], "CiliumClusterwideNetworkPolicy");
        assert_eq!(
            ccnp["spec"]["egress"][1]["toPorts"][0]["rules"]["dns"],
            json!([{"matchPattern": "**.svc.cluster.local"}])
        );
        let (cnp_schema, ccnp_schema) = match kafka {
            false => (
                "ciliumnetworkpolicy-cilium-v2.json",
                "ciliumclusterwidenetworkpolicy-cilium-v2.json",
            ),
            true => (
                "ciliumnetworkpolicy-cilium-v2-kafka.json",
                "ciliumclusterwidenetworkpolicy-cilium-v2-kafka.json",
            ),
        };
        validate(&dir, &schema(cnp_schema), &e.resources[..1], true).unwrap();
        validate(&dir, &schema(ccnp_schema), &e.resources[1..], true).unwrap();
        // The validator does refuse: Kafka rules against the schema of Cilium 1.20.
        if kafka {
            let err = validate(
                &dir,
                &schema("ciliumnetworkpolicy-cilium-v2.json"),
                &e.resources[..1],
                true,
            )
            .unwrap_err();
            assert!(err.contains("kafka"), "{err}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kubearmor_blocks_what_is_denied_and_allows_the_process_list_in_protect() {
    let e = export(&payments(), Target::KubeArmor);
    assert_eq!(e.resources.len(), 2, "{:#?}", e.resources);
    let allow = &e.resources[0]["spec"];
    assert_eq!(allow["action"], "Allow");
    assert_eq!(
        allow["process"]["matchPaths"],
        json!([{"path": "/app/checkout"}, {"path": "/bin/sh"}])
    );
    let block = &e.resources[1]["spec"];
    assert_eq!(block["action"], "Block");
    // A write deny is KubeArmor's read-only; a process by name is found by its rule's path.
    assert_eq!(
        block["file"]["matchDirectories"][0],
        json!({"dir": "/app/config/", "recursive": true, "readOnly": true})
    );
    assert_eq!(
        block["file"]["matchPaths"][0],
        json!({"path": "/app/secrets/key.pem", "fromSource": [{"path": "/bin/sh"}]})
    );
    assert_eq!(
        block["process"]["matchDirectories"][0],
        json!({"dir": "/usr/bin/", "fromSource": [{"path": "/app/checkout"}]})
    );
    let u = unmapped(&e);
    for line in [
        "SecurityRule payments/checkout network: KubeArmorPolicy does not carry network rules",
        "SecurityRule payments/checkout process[4]: a process by name only",
        "SecurityRule payments/checkout process: Protect blocks every process not allowed; KubeArmor's Allow policy does so only where its process posture is block",
        "SecurityRule payments/checkout file[3]: a file allow",
        "SecurityRule payments/checkout file[4]: a deny of reads only",
        "ClusterSecurityRule frontends target: selects workloads of every namespace",
    ] {
        has(&u, line);
    }
    let dir = tempdir("export-kubearmor");
    validate(
        &dir,
        &schema("kubearmorpolicy-security-v1.json"),
        &e.resources,
        true,
    )
    .unwrap();
    // A Monitor rule's denies are audited, not blocked.
    let text = std::fs::read_to_string(data("export/payments.yaml"))
        .unwrap()
        .replace(
            "frontends\nspec:\n  target: {group: frontends}",
            "frontends\n  namespace: payments\nspec:\n  target: {group: frontends}",
        )
        .replace("kind: ClusterSecurityRule", "kind: SecurityRule");
    let policy = load(
        &[Source {
            name: "p.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let e = export(&policy, Target::KubeArmor);
    let audit = e
        .resources
        .iter()
        .find(|r| {
            r["metadata"]["annotations"]["security.palisade.dev/source"]
                == "SecurityRule payments/frontends"
        })
        .unwrap();
    assert_eq!(audit["spec"]["action"], "Audit");
    validate(
        &dir,
        &schema("kubearmorpolicy-security-v1.json"),
        &e.resources,
        true,
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_shop_example_lists_each_part_no_target_can_carry() {
    let text = std::fs::read_to_string(data("shop/shop.yaml")).unwrap();
    let policy = load(
        &[Source {
            name: "shop.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap();
    for target in [Target::NetworkPolicy, Target::Cilium, Target::KubeArmor] {
        let e = export(&policy, target);
        let u = unmapped(&e);
        // Selected by image: no label selector says it; sensors, admission and response
        // rules are Palisade's own.
        has(
            &u,
            "SecurityRule shop/web target: group \"shop-web\" selects by images",
        );
        has(&u, "DlpSensor card-data : ");
        has(
            &u,
            "AdmissionRule no-critical-vulnerabilities : admission rules are not enforcer policy",
        );
        has(&u, "ResponseRule quarantine-card-leaks : ");
        for r in &e.resources {
            assert!(documents(&palisade_policy::yaml::emit(r)).len() == 1);
        }
    }
}

#[test]
fn what_cilium_or_the_others_would_refuse_is_listed_not_written() {
    let text = r#"
apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {name: web, namespace: shop}
spec:
  target: {selector: {labels: {app: web}}}
  mode: {network: Protect}
  network:
    - {direction: ingress, ports: ["8080"], http: [{method: GET, path: /}], action: allow}
    - {direction: ingress, http: [{method: GET, path: /}], action: allow}
    - {direction: ingress, ports: ["53"], dns: [example.com], action: allow}
    - {direction: egress, ports: ["53"], protocol: udp, dns: ["api?.example.com"], action: allow}
    - {direction: egress, ports: ["443"], protocol: tcp, sni: [a.example], http: [{path: /}], action: allow}
    - {direction: egress, dns: ["*.example.com"], action: allow}
---
apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {name: web-2, namespace: shop}
spec:
  target: {selector: {labels: {app: other}}}
  mode: {network: Protect}
---
apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: web}
spec:
  target: {selector: {namespaces: [shop], labels: {app: web}}}
  mode: {network: Protect}
  network:
    - {direction: egress, peer: {addresses: [10.0.0.0/8]}, action: allow}
"#;
    let policy = load(
        &[Source {
            name: "p.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let e = export(&policy, Target::Cilium);
    let u = unmapped(&e);
    has(
        &u,
        "SecurityRule shop/web network[2]: requests or server names on every port",
    );
    has(&u, "SecurityRule shop/web network[3]: DNS rules on ingress");
    has(
        &u,
        "SecurityRule shop/web network[4]: name pattern \"api?.example.com\"",
    );
    has(
        &u,
        "SecurityRule shop/web network[5]: server names with HTTP or Kafka rules",
    );
    has(
        &u,
        "SecurityRule shop/web network[6]: requests or server names on every port",
    );
    let web = &e.resources[0]["spec"];
    // HTTP over any protocol is HTTP over TCP.
    assert_eq!(
        web["ingress"][0]["toPorts"][0]["ports"][0],
        json!({"port": "8080", "protocol": "TCP"})
    );
    // A lockdown: nothing allowed either way, as the rule says in Protect.
    let lockdown = &e.resources[1]["spec"];
    assert_eq!(lockdown["ingress"], json!([{}]));
    assert_eq!(lockdown["egress"], json!([{}]));
    let dir = tempdir("export-refused");
    validate(
        &dir,
        &schema("ciliumnetworkpolicy-cilium-v2.json"),
        &e.resources[..2],
        true,
    )
    .unwrap();
    let np = export(&policy, Target::NetworkPolicy);
    let names: Vec<(&str, &str)> = np
        .resources
        .iter()
        .map(|r| {
            (
                r["metadata"]["namespace"].as_str().unwrap(),
                r["metadata"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    // Three policies in one namespace, three names.
    assert_eq!(
        names,
        [
            ("shop", "palisade-web"),
            ("shop", "palisade-web-2"),
            ("shop", "palisade-cluster-web")
        ]
    );
    assert_eq!(np.resources[1]["spec"]["ingress"], json!([]));
    assert_eq!(np.resources[1]["spec"]["egress"], json!([]));
    validate(
        &dir,
        &schema("networkpolicy-networking-v1.json"),
        &np.resources,
        false,
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
