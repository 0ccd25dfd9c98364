//! `palisade policy` on policy files as a user keeps them: a directory in git.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::{palisade, root};

fn data(name: &str) -> String {
    root()
        .join("crates/palisade-policy/tests/data/shop")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn validate_says_valid_or_names_each_problem_and_fails() {
    let out = palisade(&["policy", "validate", &data("shop.yaml")], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "valid: 16 resources (2 SecurityRule, 1 ClusterSecurityRule, 4 GroupDefinition, 1 GlobalRules, 5 AdmissionRule, 1 DlpSensor, 1 WafSensor, 1 ResponseRule) in 1 file\n"
    );
    // The directory: every file (the test cases beside the policy are skipped), the broken
    // one's problems in file order, nothing applied.
    let out = palisade(&["policy", "validate", &data("")], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let broken = data("broken.yaml");
    assert!(
        lines[0].starts_with(&format!(
            "palisade: error: {broken}:8:19: unknown variant `Block`"
        )),
        "{err}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("palisade: 5 problems in 3 files: nothing applied")
    );
    assert!(out.stdout.is_empty());
    // A file that is not there, and one over the size limit, named.
    let out = palisade(&["policy", "validate", "/nonexistent/policy.yaml"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/policy.yaml"));
    let big = std::env::temp_dir().join(format!("palisade-policy-big-{}.yaml", std::process::id()));
    std::fs::write(&big, vec![b'#'; 10 << 20]).unwrap();
    let out = palisade(&["policy", "validate", big.to_str().unwrap()], "");
    std::fs::remove_file(&big).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("10485760 bytes, over the limit of"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn test_runs_the_cases_and_fails_on_a_wrong_expectation() {
    let out = palisade(&["policy", "test", &data("shop-test.yaml")], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("PASS no shell from nginx: deny by SecurityRule shop/web process[2]"),
        "{said}"
    );
    assert!(said.ends_with("18 cases: 18 passed, 0 failed\n"), "{said}");
    // The same cases with one expectation wrong, naming the policy by its full path.
    let text = std::fs::read_to_string(data("shop-test.yaml"))
        .unwrap()
        .replace(
            "verdict: allow, rule: \"SecurityRule shop/web network[1]\"",
            "verdict: deny",
        )
        .replace(
            "policy: [shop.yaml]",
            &format!("policy: [{}]", data("shop.yaml")),
        )
        .replace("../manifests/", &data("../manifests/"));
    let wrong = std::env::temp_dir().join(format!("palisade-wrong-{}.yaml", std::process::id()));
    std::fs::write(&wrong, text).unwrap();
    let out = palisade(&["policy", "test", wrong.to_str().unwrap()], "");
    std::fs::remove_file(&wrong).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!(
            "FAIL web reaches its database ({}:24): got allow by SecurityRule shop/web network[1], expected deny",
            wrong.display()
        )),
        "{said}"
    );
    assert!(said.ends_with("18 cases: 17 passed, 1 failed\n"), "{said}");
    // A test file that is not one: an error, exit 2.
    let out = palisade(&["policy", "test", &data("shop.yaml")], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn crds_are_written_as_yaml_documents() {
    let out = palisade(&["policy", "crds"], "");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("\n---\n").count() + 1, 8, "{text}");
    for name in [
        "securityrules.security.palisade.dev",
        "clustersecurityrules.security.palisade.dev",
        "groupdefinitions.security.palisade.dev",
        "globalrules.security.palisade.dev",
        "admissionrules.security.palisade.dev",
        "dlpsensors.security.palisade.dev",
        "wafsensors.security.palisade.dev",
        "responserules.security.palisade.dev",
    ] {
        assert!(text.contains(&format!("  name: {name}\n")), "{name}");
    }
}

#[test]
fn explain_lays_out_the_rules_modes_matches_and_verdict() {
    let out = palisade(
        &[
            "policy",
            "explain",
            &data("shop.yaml"),
            "--namespace",
            "shop",
            "--label",
            "app=web",
            "--image",
            "registry.example/shop/web:1.2",
            "--exec",
            "/bin/bash",
            "--parent",
            "nginx",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "rule: SecurityRule shop/web (process Monitor, network Protect)
rule: ClusterSecurityRule no-shells (process Protect, network -)
mode: process Protect, network Protect, zero drift
matched: SecurityRule shop/web process[2] (deny)
matched: ClusterSecurityRule no-shells process[1] (deny)
verdict: deny by SecurityRule shop/web process[2] (denied by a rule)
"
    );
    // A request on a connection: the HTTP match of a gRPC call's path.
    let out = palisade(
        &[
            "policy",
            "explain",
            &data("shop.yaml"),
            "--namespace",
            "shop",
            "--label",
            "app=orders",
            "--connect",
            "ingress",
            "--port",
            "9090",
            "--grpc",
            "shop.v1.Admin/Reset",
        ],
        "",
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.ends_with("verdict: deny by SecurityRule shop/orders network[2] (denied by a rule)\n"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No event: an error naming what to give.
    let out = palisade(&["policy", "explain", &data("shop.yaml")], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--exec PATH"));
}

#[test]
fn fmt_rewrites_to_one_form_that_reads_the_same() {
    let top = std::env::temp_dir().join(format!("palisade-fmt-{}", std::process::id()));
    let dir = top.join("shop");
    let _ = std::fs::remove_dir_all(&top);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["shop.yaml", "shop-test.yaml"] {
        std::fs::copy(data(f), dir.join(f)).unwrap();
    }
    // The cases' manifests, where the copy looks for them.
    std::fs::create_dir_all(dir.join("../manifests")).unwrap();
    std::fs::copy(
        data("../manifests/deployment-web.yaml"),
        dir.join("../manifests/deployment-web.yaml"),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = palisade(&["policy", "fmt", "--check", d], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read(dir.join("shop.yaml")).unwrap(),
        std::fs::read(data("shop.yaml")).unwrap()
    );
    let out = palisade(&["policy", "fmt", d], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("changed: "));
    // Formatted once, it is left alone; it still validates and its cases still pass.
    assert_eq!(
        palisade(&["policy", "fmt", "--check", d], "").status.code(),
        Some(0)
    );
    assert_eq!(
        palisade(&["policy", "validate", d], "").status.code(),
        Some(0)
    );
    let test = dir.join("shop-test.yaml");
    assert_eq!(
        palisade(&["policy", "test", test.to_str().unwrap()], "")
            .status
            .code(),
        Some(0)
    );
    let text = std::fs::read_to_string(dir.join("shop.yaml")).unwrap();
    assert!(
        text.starts_with("# palisade policy fmt: this file's comments were not kept"),
        "{text}"
    );
    // A file that does not read is named and left as it was.
    std::fs::write(dir.join("bad.yaml"), "a: [1,\n").unwrap();
    let out = palisade(&["policy", "fmt", d], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.yaml:"));
    assert_eq!(
        std::fs::read_to_string(dir.join("bad.yaml")).unwrap(),
        "a: [1,\n"
    );
    std::fs::remove_dir_all(&top).unwrap();
}

#[test]
fn diff_says_what_changed_and_which_way() {
    let old = std::fs::read_to_string(data("shop.yaml")).unwrap();
    let new = old
        .replace(
            "mode: {network: Protect, process: Monitor}",
            "mode: {network: Protect, process: Protect}",
        )
        .replace(
            "    - {path: \"/bin/*sh\", parent: nginx, action: deny}",
            "    - {path: \"/bin/*sh\", parent: nginx, action: allow}\n    - {name: curl, action: allow}",
        )
        .replace("addresses: [\"*.stripe.com\", 203.0.113.0/24]", "addresses: [\"*.stripe.com\"]")
        // An admission deny switched to Monitor, an exception dropped, a sensor's pattern
        // changed, a global switch turned off.
        .replace("  action: deny\n  message: rebuild", "  action: deny\n  mode: Monitor\n  message: rebuild")
        .replace("kind: AdmissionRule\nmetadata:\n  name: trusted-debug-image", "kind: AdmissionRule\nmetadata:\n  name: trusted-debug-image-gone")
        .replace("{name: sqli, builtin: sqlInjection}", "{name: sqli, builtin: xss}")
        .replace("    - {sensor: card-data, action: deny}", "    - {sensor: card-data, action: alert}")
        .replace("  waf:\n    - {sensor: web-attacks, action: alert}\n", "")
        .replace("noPackageManager: true", "noPackageManager: false");
    let file = std::env::temp_dir().join(format!("palisade-diff-{}.yaml", std::process::id()));
    std::fs::write(&file, new).unwrap();
    let out = palisade(
        &["policy", "diff", &data("shop.yaml"), file.to_str().unwrap()],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    for line in [
        "SecurityRule shop/web: mode.process: Monitor -> Protect [tightened]",
        "SecurityRule shop/web: process: added {\"name\":\"curl\"} (allow) [loosened]",
        "SecurityRule shop/web: process: {\"parent\":\"nginx\",\"path\":\"/bin/*sh\"}: deny -> allow [loosened]",
        "AdmissionRule no-critical-vulnerabilities: spec: {\"action\":\"deny\",\"message\":\"rebuild the image on a patched base\",\"criteria\":[{\"name\":\"namespace\",\"op\":\"containsAny\",\"values\":[\"shop\",\"shop-*\"]},{\"name\":\"criticalCount\",\"op\":\"gt\",\"value\":\"0\",\"onlyFixable\":true}]} -> {\"action\":\"deny\",\"mode\":\"Monitor\",\"message\":\"rebuild the image on a patched base\",\"criteria\":[{\"name\":\"namespace\",\"op\":\"containsAny\",\"values\":[\"shop\",\"shop-*\"]},{\"name\":\"criticalCount\",\"op\":\"gt\",\"value\":\"0\",\"onlyFixable\":true}]} [loosened]",
        "AdmissionRule trusted-debug-image: admission: removed {\"action\":\"allow\",\"criteria\":[{\"name\":\"image\",\"op\":\"containsAny\",\"values\":[\"registry.example/tools/debug:*\"]},{\"name\":\"memoryLimit\",\"op\":\"lte\",\"value\":\"256Mi\"}]} [tightened]",
        "WafSensor web-attacks: spec: {\"patterns\":[{\"name\":\"sqli\",\"builtin\":\"sqlInjection\",\"context\":\"any\"},{\"name\":\"traversal\",\"builtin\":\"pathTraversal\",\"context\":\"url\"}]} -> {\"patterns\":[{\"name\":\"sqli\",\"builtin\":\"xss\",\"context\":\"any\"},{\"name\":\"traversal\",\"builtin\":\"pathTraversal\",\"context\":\"url\"}]} [changed]",
        "GlobalRules cluster: noPackageManager: turned off [loosened]",
        "SecurityRule shop/orders: dlp: {\"sensor\":\"card-data\"}: deny -> alert [loosened]",
        "SecurityRule shop/orders: waf: removed {\"sensor\":\"web-attacks\"} (alert) [loosened]",
        "11 changes: 7 loosened, 2 tightened, 2 changed",
    ] {
        assert!(said.lines().any(|l| l == line), "{line:?} in {said}");
    }
    let out = palisade(
        &[
            "policy",
            "diff",
            &data("shop.yaml"),
            file.to_str().unwrap(),
            "-f",
            "json",
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 11);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["resource"] == "SecurityRule shop/web" && c["effect"] == "tightened"));
    // The same policy: no change.
    let out = palisade(
        &["policy", "diff", &data("shop.yaml"), &data("shop.yaml")],
        "",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 changes: 0 loosened, 0 tightened, 0 changed\n"
    );
    std::fs::remove_file(&file).unwrap();
}

fn policy_data(path: &str) -> String {
    root()
        .join("crates/palisade-policy/tests/data")
        .join(path)
        .display()
        .to_string()
}

#[test]
fn import_from_neuvector_writes_a_policy_that_validates_and_lists_what_it_left() {
    let dir = std::env::temp_dir().join(format!("palisade-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("imported.yaml");
    let out = palisade(
        &[
            "policy",
            "import",
            "--from",
            "neuvector",
            &policy_data("neuvector/export-groups.yaml"),
            &policy_data("neuvector/dlp.yaml"),
            &policy_data("neuvector/waf.yaml"),
            "-o",
            out_file.to_str().unwrap(),
        ],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.lines().any(|l| l
            .starts_with("palisade: not imported: NvSecurityRule demo/nv.nginx-pod.demo ")
            && l.contains("export-groups.yaml:100:7 .spec.file[0]: monitor_change")),
        "{err}"
    );
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("palisade: imported "),
        "{err}"
    );
    let out = palisade(&["policy", "validate", out_file.to_str().unwrap()], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Broken input: named, exit 2, nothing written.
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: neuvector.com/v1\nkind: NvFirewall\nmetadata: {name: x}\nspec: {}\n",
    )
    .unwrap();
    let none = dir.join("none.yaml");
    let out = palisade(
        &[
            "policy",
            "import",
            "--from",
            "neuvector",
            bad.to_str().unwrap(),
            "-o",
            none.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.yaml:1:1: kind \"NvFirewall\""));
    assert!(!none.exists());
    let out = palisade(
        &[
            "policy",
            "import",
            "--from",
            "calico",
            bad.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_writes_each_target_and_the_learned_record() {
    let payments = policy_data("export/payments.yaml");
    let out = palisade(&["policy", "export", "--to", "cilium", &payments], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"),
        "{text}"
    );
    assert!(
        err.contains("palisade: not exported: SecurityRule payments/checkout network[7]: ICMP"),
        "{err}"
    );
    assert!(
        err.ends_with("palisade: exported 2 resources; 6 parts not exported as written\n"),
        "{err}"
    );
    let out = palisade(&["policy", "export", "--to", "calico", &payments], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to \"calico\""));
    // What was learned, as policy that validates.
    let out = palisade(
        &[
            "policy",
            "export",
            "--learned",
            &policy_data("export/learned.json"),
            "--mode",
            "Protect",
        ],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::env::temp_dir().join(format!("palisade-learned-{}.yaml", std::process::id()));
    std::fs::write(&file, &out.stdout).unwrap();
    let out = palisade(&["policy", "validate", file.to_str().unwrap()], "");
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "valid: 3 resources (1 SecurityRule, 2 GroupDefinition) in 1 file\n"
    );
    let bad =
        std::env::temp_dir().join(format!("palisade-learned-bad-{}.json", std::process::id()));
    std::fs::write(&bad, "{\"workloads\": [\n  {\"namespace\": 1}]}").unwrap();
    let out = palisade(
        &["policy", "export", "--learned", bad.to_str().unwrap()],
        "",
    );
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("palisade-learned-bad"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
