//! The ValidatingAdmissionPolicies `palisade admission manifests` writes (issue 14), held to
//! the engine: every expressible rule of tests/data/cel/policy.yaml as CEL, evaluated by an
//! independent implementation (cel-python, from PyPI, through tests/tools/cel-eval.py) over
//! hundreds of generated pods, Deployments, Jobs, DaemonSets and CronJobs, must refuse and
//! warn exactly where `Admission::judge` does.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use palisade_policy::admit::{Admission, ImageFacts, Request};
use palisade_policy::cel;
use palisade_policy::resources::AdmissionMode;
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Source};
use serde_json::{json, Value};

/// A small deterministic generator (xorshift64*): the same reviews every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Some of `items`, each with `percent` chance.
    fn some<T: Clone>(&mut self, items: &[T], percent: u64) -> Vec<T> {
        items
            .iter()
            .filter(|_| self.chance(percent))
            .cloned()
            .collect()
    }
}

fn pairs(items: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for i in items {
        let (k, v) = i.split_once('=').unwrap();
        m.insert(k.into(), json!(v));
    }
    Value::Object(m)
}

fn container(r: &mut Rng, name: String) -> Value {
    let mut c = json!({"name": name, "image": "registry.example/app:1"});
    let mut sc = serde_json::Map::new();
    match r.below(4) {
        0 => {
            sc.insert("privileged".into(), json!(true));
        }
        1 => {
            sc.insert("privileged".into(), json!(false));
        }
        _ => {}
    }
    match r.below(3) {
        0 => {
            sc.insert("allowPrivilegeEscalation".into(), json!(false));
        }
        1 => {
            sc.insert("allowPrivilegeEscalation".into(), json!(true));
        }
        _ => {}
    }
    if r.chance(40) {
        let caps = [
            "SYS_ADMIN",
            "cap_net_raw",
            "CAP_CHOWN",
            "ALL",
            "all",
            "NET_BIND_SERVICE",
            "AUDIT_WRITE",
            "CAP_CAP_SYS_TIME",
            "Net_Admin",
        ];
        sc.insert(
            "capabilities".into(),
            json!({"add": r.some(&caps, 20), "drop": ["ALL"]}),
        );
    }
    match r.below(5) {
        0 => {
            sc.insert(
                "seccompProfile".into(),
                json!({"type": "Localhost", "localhostProfile": "p.json"}),
            );
        }
        1 => {
            sc.insert("seccompProfile".into(), json!({"type": "Unconfined"}));
        }
        2 => {
            sc.insert("seccompProfile".into(), json!({}));
        }
        _ => {}
    }
    if !sc.is_empty() || r.chance(20) {
        c["securityContext"] = Value::Object(sc);
    }
    if r.chance(40) {
        let ports: Vec<Value> = (0..1 + r.below(2))
            .map(|_| match r.below(5) {
                0 => json!({"containerPort": 80}),
                1 => json!({"containerPort": 80, "hostPort": 0}),
                2 => json!({"containerPort": 80, "hostPort": 80}),
                3 => json!({"containerPort": 443, "hostPort": 443}),
                _ => json!({"containerPort": 8080, "hostPort": 8080}),
            })
            .collect();
        c["ports"] = json!(ports);
    }
    if r.chance(50) {
        let env = [
            json!({"name": "DEBUG_MODE", "value": "1"}),
            json!({"name": "DB_PASSWORD", "value": "hunter2"}),
            json!({"name": "API_TOKEN", "value": ""}),
            json!({"name": "pAsSwOrD_file", "value": "/run/x"}),
            json!({"name": "KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"}),
            json!({"name": "GH", "value": "ghp_0123456789abcdefghijklmnopqrstuv"}),
            json!({"name": "SHORT", "value": "ghp_123"}),
            json!({"name": "JWT", "value": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"}),
            json!({"name": "PEM", "value": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"}),
            json!({"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}),
            json!({"name": "LOG_LEVEL", "value": "info"}),
            // Not ASCII: lengths in characters, not bytes.
            json!({"name": "JWT_UTF8", "value": "eyJéééééé.éééééé.éééééé"}),
            json!({"name": "GH_UTF8", "value": "ghp_ééééééééééééé"}),
        ];
        c["env"] = json!(r.some(&env, 25));
    }
    c
}

fn pod_spec(r: &mut Rng, kind: &str) -> Value {
    let mut spec = json!({});
    for (field, percent) in [("hostNetwork", 15), ("hostPID", 15)] {
        if r.chance(percent * 2) {
            spec[field] = json!(r.chance(50));
        }
    }
    match r.below(3) {
        0 => spec["serviceAccountName"] = json!("default"),
        1 => spec["serviceAccountName"] = json!("builder"),
        _ => {}
    }
    match r.below(3) {
        0 => spec["automountServiceAccountToken"] = json!(false),
        1 => spec["automountServiceAccountToken"] = json!(true),
        _ => {}
    }
    let mut psc = serde_json::Map::new();
    if r.chance(30) {
        psc.insert(
            "seccompProfile".into(),
            json!({"type": *r.pick(&["RuntimeDefault", "Unconfined", "Localhost"])}),
        );
    }
    if r.chance(25) {
        let names = [
            "net.ipv4.ip_local_port_range",
            "kernel.shm_rmid_forced",
            "net.core.somaxconn",
            "kernel.shmmax",
        ];
        let s: Vec<Value> = r
            .some(&names, 40)
            .iter()
            .map(|n| json!({"name": n, "value": "1"}))
            .collect();
        psc.insert("sysctls".into(), json!(s));
    }
    if !psc.is_empty() {
        spec["securityContext"] = Value::Object(psc);
    }
    if r.chance(60) {
        let volumes = [
            json!({"name": "c", "configMap": {"name": "c"}}),
            json!({"name": "d", "hostPath": {"path": "/var/run/docker.sock"}}),
            json!({"name": "e", "hostPath": {"path": "/data"}}),
            json!({"name": "f", "hostPath": {"path": "/"}}),
            json!({"name": "g", "nfs": {"server": "n", "path": "/x"}}),
            json!({"name": "h"}),
            json!({"name": "i", "emptyDir": {}}),
            json!({"name": "j", "csi": {"driver": "d"}}),
            json!({"name": "k", "secret": {"secretName": "s"}}),
        ];
        spec["volumes"] = json!(r.some(&volumes, 25));
    }
    let n = 1 + r.below(3);
    spec["containers"] = json!((0..n)
        .map(|i| container(r, format!("c{i}")))
        .collect::<Vec<_>>());
    if r.chance(30) {
        spec["initContainers"] = json!((0..1 + r.below(2))
            .map(|i| container(r, format!("i{i}")))
            .collect::<Vec<_>>());
    }
    if kind == "Pod" && r.chance(20) {
        spec["ephemeralContainers"] = json!([container(r, "debugger".into())]);
    }
    spec
}

/// A review of a generated object, and its request.
fn review(r: &mut Rng) -> (Value, Value) {
    let kind = *r.pick(&["Pod", "Deployment", "Job", "DaemonSet", "CronJob"]);
    let api = match kind {
        "Pod" => "v1",
        "Deployment" | "DaemonSet" => "apps/v1",
        _ => "batch/v1",
    };
    let namespace = *r.pick(&["shop", "shop-eu", "debug", "prod-a", "default", "tools"]);
    let own_labels = r.some(&["team=platform", "vetted=yes", "owner=x", "app=wéb"], 40);
    let template_labels = r.some(&["team=other", "vetted=no", "owner=y", "app=web"], 30);
    let annotations = r.some(&["palisade.dev/exempt=true", "note=a=b"], 30);
    let mut metadata = json!({"name": "w", "labels": pairs(&own_labels)});
    if r.chance(80) {
        metadata["namespace"] = json!(namespace);
    }
    if !annotations.is_empty() {
        metadata["annotations"] = pairs(&annotations);
    }
    let spec = pod_spec(r, kind);
    let template = json!({"metadata": {"labels": pairs(&template_labels)}, "spec": spec});
    let object = match kind {
        "Pod" => json!({"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec}),
        "CronJob" => json!({"apiVersion": api, "kind": kind, "metadata": metadata,
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}),
        _ => {
            json!({"apiVersion": api, "kind": kind, "metadata": metadata, "spec": {"template": template}})
        }
    };
    let user = *r.pick(&["alice", "system:serviceaccount:kube-system:ds", "bob"]);
    let groups = r.some(&["ops", "sre-eu", "dev"], 35);
    let request = json!({
        "operation": "CREATE",
        "namespace": namespace,
        "userInfo": {"username": user, "groups": groups},
    });
    (object, request)
}

#[test]
fn cel_policies_refuse_and_warn_where_the_engine_does() {
    let text = std::fs::read_to_string(common::data("cel/policy.yaml")).unwrap();
    let policy = load(
        &[Source {
            name: "policy.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let admission = Admission::new(&policy);
    let emitted = cel::policies(&admission, &["kube-system".into(), "palisade".into()]);
    assert!(emitted.unexpressed.is_empty(), "{:#?}", emitted.unexpressed);
    // Two modes x three shapes, each with its binding.
    assert_eq!(emitted.resources.len(), 12);

    let mut r = Rng(0x5eed_cafe_f00d_1234);
    let reviews: Vec<(Value, Value)> = (0..600).map(|_| review(&mut r)).collect();
    let mut expected = Vec::new();
    for (object, request) in &reviews {
        let groups: Vec<String> = request["userInfo"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap().to_string())
            .collect();
        let req = Request {
            namespace: request["namespace"].as_str().unwrap(),
            user: request["userInfo"]["username"].as_str().unwrap(),
            groups: &groups,
            risky_service_accounts: &[],
        };
        let scanned = |_: &str| Some(ImageFacts::default());
        let j = admission.judge(object, &req, &scanned).unwrap();
        let by = |mode: AdmissionMode| -> BTreeSet<String> {
            j.hits
                .iter()
                .filter(|h| h.mode == mode)
                .map(|h| h.message.clone())
                .collect()
        };
        expected.push((by(AdmissionMode::Protect), by(AdmissionMode::Monitor)));
    }

    let dir = common::tempdir("cel");
    let input = dir.join("input.json");
    let reviews_json: Vec<Value> = reviews
        .iter()
        .map(|(o, q)| json!({"object": o, "request": q}))
        .collect();
    std::fs::write(
        &input,
        json!({"resources": emitted.resources, "reviews": reviews_json}).to_string(),
    )
    .unwrap();
    let out = Command::new(common::venv().join("bin/python"))
        .arg(common::repo().join("tests/tools/cel-eval.py"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results.len(), reviews.len());
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect()
    };
    let mut differ = Vec::new();
    let (mut refused, mut warned) = (0, 0);
    for (i, (res, (deny, warn))) in results.iter().zip(&expected).enumerate() {
        assert!(
            res["errors"].as_array().unwrap().is_empty(),
            "review {i}: {}\n{}",
            res["errors"],
            reviews_json[i]
        );
        refused += usize::from(!deny.is_empty());
        warned += usize::from(!warn.is_empty());
        if set(&res["denied"]) != *deny || set(&res["warned"]) != *warn {
            differ.push(format!(
                "review {i}: engine denies {deny:?} warns {warn:?}; CEL denies {} warns {}\n{}",
                res["denied"], res["warned"], reviews_json[i]
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} reviews differ:\n{}",
        differ.len(),
        reviews.len(),
        differ.join("\n")
    );
    // The generated reviews exercise both outcomes, not one.
    assert!(refused > 100 && refused < 550, "{refused} refused");
    assert!(warned > 100, "{warned} warned");
}

#[test]
fn rules_cel_cannot_hold_stay_the_webhook_s_and_say_why() {
    let text = "apiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {name: crit}\nspec:\n  action: deny\n  criteria: [{name: criticalCount, op: gt, value: \"0\"}]\n---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {name: priv}\nspec:\n  action: deny\n  criteria: [{name: privileged, op: is, value: \"true\"}]\n";
    let policy = load(
        &[Source {
            name: "p.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let emitted = cel::policies(&Admission::new(&policy), &[]);
    assert_eq!(emitted.unexpressed.len(), 1);
    assert_eq!(emitted.unexpressed[0].rule, "AdmissionRule crit");
    assert!(
        emitted.unexpressed[0].why.contains("criticalCount gt"),
        "{:?}",
        emitted.unexpressed
    );
    assert_eq!(emitted.resources.len(), 6);
    // An exception the CEL cannot hold: no deny is written at all.
    let with_exception = format!("{text}---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {{name: small}}\nspec:\n  action: allow\n  criteria: [{{name: cpuLimit, op: lte, value: 500m}}]\n");
    let policy = load(
        &[Source {
            name: "p.yaml",
            text: &with_exception,
        }],
        &Limits::default(),
    )
    .unwrap();
    let emitted = cel::policies(&Admission::new(&policy), &[]);
    assert!(emitted.resources.is_empty());
    assert_eq!(emitted.unexpressed.len(), 3, "{:?}", emitted.unexpressed);
}
