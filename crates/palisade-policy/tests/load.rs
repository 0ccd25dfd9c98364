//! Policy files as users write them, read and checked; each error names its file, line and
//! column.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use palisade_policy::resources::{Action, Baseline, Kind, Mode};
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Source, Spec};

fn file(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/shop/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn errors(sources: &[(&str, &str)]) -> Vec<String> {
    let sources: Vec<Source<'_>> = sources
        .iter()
        .map(|(name, text)| Source { name, text })
        .collect();
    load(&sources, &Limits::default())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_realistic_policy_reads_whole() {
    let text = file("shop.yaml");
    let policy = load(
        &[Source {
            name: "shop.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(policy.groups().count(), 4);
    let rules: Vec<_> = policy.rules().collect();
    assert_eq!(rules.len(), 3);
    let (web, spec) = rules[0];
    assert_eq!(web.title(), "SecurityRule shop/web");
    assert_eq!((web.file.as_str(), web.line), ("shop.yaml", 35));
    assert_eq!(spec.mode.network, Some(Mode::Protect));
    assert_eq!(spec.baseline, Some(Baseline::ZeroDrift));
    assert_eq!(spec.process[1].action, Action::Deny);
    assert_eq!(spec.network[2].http.len(), 2);
    assert_eq!(rules[1].0.kind, Kind::ClusterSecurityRule);
    let Spec::Group(g) = &policy.resources[2].spec else {
        panic!()
    };
    assert_eq!(g.addresses, ["*.stripe.com", "203.0.113.0/24"]);
}

#[test]
fn every_problem_is_named_with_its_file_line_and_column() {
    let shop = file("shop.yaml");
    let broken = file("broken.yaml");
    let said = errors(&[("shop.yaml", &shop), ("broken.yaml", &broken)]);
    let want = [
        "broken.yaml:8:19: unknown variant `Block`, expected one of `Discover`, `Monitor`, `Protect`",
        "broken.yaml:26:13: apiVersion \"apps/v1\": not a Palisade policy resource (expected security.palisade.dev/v1)",
        "broken.yaml:19:7: conflicts with process rule 1 of the same resource: they match the same, one allows and the other denies, so the allow can never apply",
        "broken.yaml:22:26: address \"10.0.0.0/33\": the prefix length is 0 to 32",
        "broken.yaml:23:15: port \"99999\": a port is 1 to 65535, a range FIRST-LAST",
    ];
    for w in want {
        assert!(said.iter().any(|s| s == w), "missing {w:?} in {said:#?}");
    }
    assert_eq!(said.len(), want.len(), "{said:#?}");
}

#[test]
fn references_names_and_cycles_are_checked_across_files() {
    let text = "apiVersion: security.palisade.dev/v1
kind: GroupDefinition
metadata: {name: a}
spec: {groups: [b]}
---
apiVersion: security.palisade.dev/v1
kind: GroupDefinition
metadata: {name: b}
spec: {groups: [a, nowhere]}
---
apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: Bad_Name}
spec:
  target: {group: ghost}
";
    let dup = "apiVersion: security.palisade.dev/v1
kind: GroupDefinition
metadata: {name: a}
spec: {addresses: [192.0.2.1]}
";
    let said = errors(&[("groups.yaml", text), ("dup.yaml", dup)]);
    let has = |s: &str| said.iter().any(|x| x.contains(s));
    assert!(
        has("groups.yaml:4:17: group \"a\" contains itself through \"b\""),
        "{said:#?}"
    );
    assert!(
        has("groups.yaml:9:20: unknown group \"nowhere\""),
        "{said:#?}"
    );
    assert!(has("groups.yaml:13:18: name \"Bad_Name\""), "{said:#?}");
    assert!(
        has("groups.yaml:15:19: unknown group \"ghost\""),
        "{said:#?}"
    );
    assert!(
        has("dup.yaml:3:18: GroupDefinition a is defined twice: also at groups.yaml:1"),
        "{said:#?}"
    );
}

#[test]
fn hostile_files_are_refused_with_the_reason() {
    let mut laughs = String::from("apiVersion: security.palisade.dev/v1\nkind: GroupDefinition\nmetadata: {name: x}\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
    for i in 1..9 {
        let p = i - 1;
        laughs.push_str(&format!(
            "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let said = errors(&[("laughs.yaml", &laughs)]);
    assert!(said[0].contains("aliases are expanded"), "{said:?}");
    let big = format!("# {}\n", "x".repeat(10 << 20));
    let said = errors(&[("big.yaml", &big)]);
    assert!(
        said[0].starts_with("big.yaml: 10485763 bytes, over the limit"),
        "{said:?}"
    );
    let said = errors(&[("tabs.yaml", "a:\n\t- b\n")]);
    assert!(said[0].starts_with("tabs.yaml:2:"), "{said:?}");
    let said = errors(&[("list.yaml", "- a\n- b\n")]);
    assert!(
        said[0].contains("expected a resource (a mapping), found a list"),
        "{said:?}"
    );
}

#[test]
fn a_namespaced_rule_needs_its_namespace_and_names_fit_the_kernel() {
    let text = "apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {name: web}
spec:
  target: {selector: {labels: {app: web}}}
  process:
    - {name: a-very-long-process-name, action: allow}
";
    let said = errors(&[("ns.yaml", text)]);
    assert!(
        said.iter()
            .any(|s| s.starts_with("ns.yaml:3:11: a SecurityRule needs metadata.namespace")),
        "{said:#?}"
    );
    assert!(
        said.iter().any(|s| s.starts_with(
            "ns.yaml:7:14: process name \"a-very-long-process-name\": the kernel keeps 15 bytes"
        )),
        "{said:#?}"
    );
}

#[test]
fn sensors_admission_and_response_rules_are_checked_where_they_are_written() {
    let text = r#"apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {name: api, namespace: shop}
spec:
  target: {selector: {labels: {app: api}}}
  network:
    - {direction: egress, protocol: udp, http: [{method: get, path: v1}], action: allow}
    - {direction: egress, kafka: [{topic: orders, api: explode}], action: allow}
  dlp: [{sensor: cards, action: deny}]
  waf: [{sensor: card-data, action: alert}]
---
apiVersion: security.palisade.dev/v1
kind: DlpSensor
metadata: {name: card-data}
spec:
  patterns:
    - {name: a, regex: "ACCT-[0-9"}
    - {name: a, builtin: sqlInjection}
    - {name: c, builtin: creditCard, regex: "x"}
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: bad-criteria}
spec:
  action: deny
  criteria:
    - {name: privileged, op: containsAny, values: ["true"]}
    - {name: cpuLimit, op: gt, value: lots}
    - {name: namespace, op: containsAny, value: shop}
    - {name: jsonPath, op: eq, value: "1", path: "spec.replicas"}
    - {name: imageSigned, op: is, value: "true"}
    - {name: highCount, op: gte, value: "1", olderThanDays: 30}
    - {name: namespace, op: set, onlyFixable: true}
    - {name: podSecurity, op: violates, value: privileged}
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: empty}
spec: {action: deny, criteria: []}
---
apiVersion: security.palisade.dev/v1
kind: ResponseRule
metadata: {name: respond}
spec:
  event: admission
  group: nowhere
  actions: [quarantine, webhook]
  capture: {seconds: 10}
---
apiVersion: security.palisade.dev/v1
kind: GlobalRules
metadata: {name: cluster}
spec:
  admission: {scanDeadlineSeconds: 5, podSecurity: strict}
"#;
    let said = errors(&[("more.yaml", text)]);
    let want = [
        "more.yaml:7:48: http runs over TCP, and this rule is for Udp",
        "more.yaml:7:58: HTTP method \"get\": uppercase letters (GET, POST), or * for any",
        "more.yaml:7:69: HTTP path \"v1\": starts with '/'",
        "more.yaml:8:56: Kafka API \"explode\": produce, fetch, metadata, ... or a number (0 to 74)",
        "more.yaml:9:18: unknown DlpSensor \"cards\" (defined: card-data)",
        "more.yaml:10:18: unknown WafSensor \"card-data\" (defined: none)",
        "more.yaml:17:24: regex \"ACCT-[0-9\": unclosed character class",
        "more.yaml:18:14: pattern \"a\" is defined twice in this sensor",
        "more.yaml:18:26: unknown DlpSensor detector \"sqlInjection\" (known: creditCard, ssn,",
        "more.yaml:19:7: a pattern is a builtin detector or a regex, one of the two",
        "more.yaml:27:7: privileged takes the operators is, not containsAny",
        "more.yaml:28:7: cpuLimit: value \"lots\" is not a quantity (500m, 2, 512Mi) for gt",
        "more.yaml:29:7: containsAny takes `values` (a list)",
        "more.yaml:30:7: path \"spec.replicas\": starts with '.' ('.spec.hostNetwork')",
        "more.yaml:31:7: imageSigned needs `publicKey` (a PEM public key)",
        // Line 32 (olderThanDays on highCount) is right, and not refused.
        "more.yaml:33:7: onlyFixable and olderThanDays narrow criticalCount, highCount and mediumCount, not namespace",
        "more.yaml:34:7: Pod Security level \"privileged\": expected baseline or restricted",
        "more.yaml:39:32: an admission rule needs a criterion (with none it would match everything)",
        "more.yaml:45:3: the webhook action needs `webhook` (a URL)",
        "more.yaml:46:10: unknown group \"nowhere\" (defined: none)",
        "more.yaml:47:13: Quarantine acts on a running workload; Admission events have none",
        "more.yaml:48:12: capture settings without the capture action",
        "more.yaml:54:36: scanDeadlineSeconds is for unscannedImages: scan",
        "more.yaml:54:52: Pod Security level \"strict\"",
    ];
    assert_eq!(said.len(), want.len(), "{said:#?}");
    for (s, w) in said.iter().zip(want) {
        assert!(s.starts_with(w), "{w}\n{said:#?}");
    }
}
