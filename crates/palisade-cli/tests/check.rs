//! `palisade policy check` (issue 14): manifests judged in CI by the webhook's own code, as
//! a table, JSON and SARIF (validated by Microsoft's SARIF Multitool) with each violation's
//! line. The manifests were rendered by kubectl (tests/data/admission/manifests).

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::process::Command;

use common::{palisade, root, stderr, stdout, tempdir};
use serde_json::Value;

fn data(path: &str) -> String {
    root()
        .join("crates/palisade-cli/tests/data/admission")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn check(extra: &[&str]) -> std::process::Output {
    let manifests = data("manifests");
    let policy = data("policy.yaml");
    let mut args = vec!["policy", "check", &manifests, "--policy", &policy];
    args.extend_from_slice(extra);
    palisade(&args, "")
}

#[test]
fn every_resource_is_judged_with_the_lines_of_what_breaks_the_rules() {
    let out = check(&[
        "--pod-security",
        "baseline",
        "-f",
        "json",
        "--exit-code",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let resources = report["resources"].as_array().unwrap();
    let by_name = |name: &str| {
        resources
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in {report}"))
    };
    // A Helm-style stream: a privileged Deployment, a Service, a CronJob.
    let web = by_name("web");
    assert!(web["file"].as_str().unwrap().ends_with("chart.yaml"));
    assert_eq!(
        (web["kind"].as_str(), web["allowed"].as_bool()),
        (Some("Deployment"), Some(false))
    );
    let v = &web["violations"];
    assert_eq!(v[0]["rule"], "AdmissionRule no-privileged");
    assert_eq!(
        v[0]["path"],
        "spec.template.spec.containers[0].securityContext.privileged"
    );
    let chart = std::fs::read_to_string(data("manifests/chart.yaml")).unwrap();
    let line = |n: &Value| {
        chart
            .lines()
            .nth(n.as_u64().unwrap() as usize - 1)
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(line(&v[0]["line"]), "privileged: true");
    assert_eq!(v[1]["rule"], "GlobalRules podSecurity");
    assert_eq!(
        v[1]["message"],
        "violates PodSecurity \"baseline:latest\": privileged (container \"web\" must not set securityContext.privileged=true)"
    );
    assert_eq!(web["violations"].as_array().unwrap().len(), 3); // and the unscanned image's warning
    let service = resources.iter().find(|r| r["kind"] == "Service").unwrap();
    assert_eq!(
        (service["allowed"].as_bool(), service["judged"].as_bool()),
        (Some(true), Some(false))
    );
    let report_job = by_name("report");
    assert_eq!(report_job["allowed"], true);
    assert_eq!(report_job["violations"][0]["severity"], "warning");
    assert_eq!(
        line(&report_job["violations"][0]["line"]),
        "- image: registry.example/shop/report:latest"
    );
    // A List's item, and a JSON manifest.
    let api = by_name("api");
    assert!(api["file"].as_str().unwrap().ends_with("list.yaml"));
    assert_eq!(
        api["violations"][0]["rule"],
        "AdmissionRule no-secrets-in-env"
    );
    let migrate = by_name("migrate");
    assert!(migrate["file"].as_str().unwrap().ends_with("job.json"));
    assert_eq!(
        migrate["violations"][0]["message"],
        "violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)"
    );
    assert_eq!(report["summary"]["refused"], 3);

    // The table says the same, a line per violation at FILE:LINE.
    let out = check(&["--pod-security", "baseline"]);
    assert_eq!(out.status.code(), Some(0));
    let table = stdout(&out);
    assert!(
        table.contains("chart.yaml:5: Deployment shop/web: refused\n"),
        "{table}"
    );
    assert!(
        table.contains("list.yaml:26: error: AdmissionRule no-secrets-in-env"),
        "{table}"
    );
    assert!(
        table.ends_with("5 resources in 3 files: 3 refused, 1 allowed with warnings, 1 allowed\n"),
        "{table}"
    );
    // Groups and users as the request would carry them.
    let out = check(&[
        "--user",
        "bob",
        "--group",
        "ops",
        "--namespace",
        "debug",
        "-f",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let web = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "web")
        .unwrap()
        .clone();
    assert_eq!(web["exception"], "AdmissionRule ops-may-debug", "{web}");
}

#[test]
fn sarif_reads_as_code_scanning_reads_it() {
    let tmp = tempdir("check-sarif");
    let file = tmp.join("check.sarif");
    let out = check(&[
        "--pod-security",
        "restricted",
        "-f",
        "sarif",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "AdmissionRule no-privileged"
            && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 30));
    let validated = Command::new("bash")
        .arg(root().join("tests/tools/sarif-validate.sh"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        validated.status.success(),
        "{}",
        String::from_utf8_lossy(&validated.stderr)
    );
}

#[test]
fn manifests_that_do_not_read_are_named_and_nothing_is_reported() {
    let tmp = tempdir("check-bad");
    std::fs::write(tmp.join("good.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n").unwrap();
    std::fs::write(
        tmp.join("bad.yaml"),
        "apiVersion: v1\nkind: Pod\n---\n- just\n- a list\n",
    )
    .unwrap();
    std::fs::write(tmp.join("broken.json"), "{\"kind\": \"Pod\", \"spec\": [}").unwrap();
    let out = palisade(&["policy", "check", tmp.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.yaml:4"), "{err}");
    assert!(err.contains("broken.json"), "{err}");
    assert!(stdout(&out).is_empty());
    let out = palisade(
        &[
            "policy",
            "check",
            tmp.join("good.yaml").to_str().unwrap(),
            "--pod-security",
            "strictest",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--pod-security \"strictest\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_chart_s_own_rbac_marks_its_risky_service_accounts() {
    let out = palisade(
        &[
            "policy",
            "check",
            &data("rbac"),
            "--policy",
            &data("policy.yaml"),
            "-f",
            "json",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["allowed"] == false)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(refused, ["operator", "reader"]);
    // The same objects given with --rbac judge manifests that lack them.
    let tmp = tempdir("check-rbac");
    let text = std::fs::read_to_string(data("rbac/operator.yaml")).unwrap();
    let workloads: String = text
        .split("\n---\n")
        .filter(|d| d.contains("kind: Deployment"))
        .map(|d| format!("---\n{d}\n"))
        .collect();
    std::fs::write(tmp.join("workloads.yaml"), workloads).unwrap();
    let alone = palisade(
        &[
            "policy",
            "check",
            tmp.join("workloads.yaml").to_str().unwrap(),
            "--policy",
            &data("policy.yaml"),
            "-f",
            "json",
        ],
        "",
    );
    let with = palisade(
        &[
            "policy",
            "check",
            tmp.join("workloads.yaml").to_str().unwrap(),
            "--policy",
            &data("policy.yaml"),
            "--rbac",
            &data("rbac"),
            "-f",
            "json",
        ],
        "",
    );
    let count = |o: &std::process::Output| {
        serde_json::from_slice::<Value>(&o.stdout).unwrap()["summary"]["refused"].clone()
    };
    assert_eq!(
        (count(&alone), count(&with)),
        (serde_json::json!(0), serde_json::json!(2))
    );
}
