//! Policy files as users write them, read and checked; each error names its file, line and
//! column.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use palisade_policy::resources::{Action, Baseline, Kind, Mode};
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Source, Spec};

fn file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
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
    assert_eq!(rules.len(), 2);
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
