//! Admission criteria on pods as Kubernetes writes them: each criterion where it holds and
//! where it does not, exceptions before denies, Monitor as warnings.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use palisade_policy::admit::{Admission, FindingFact, ImageFacts, Request};
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Source};
use serde_json::{json, Value};

/// The rules: one deny per criterion under test, named for it.
fn admission(criteria: &[(&str, &str)]) -> Admission {
    let text: String = criteria
        .iter()
        .map(|(name, c)| {
            format!(
                "---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {{name: {name}}}\nspec:\n  action: deny\n  criteria: [{c}]\n"
            )
        })
        .collect();
    let policy = load(
        &[Source {
            name: "a.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    Admission::new(&policy)
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop", "labels": {"app": "web", "tier": "front"}}, "spec": spec})
}

/// Which of the rules refuse `object` (each judged alone).
fn refused(
    rules: &[(&str, &str)],
    object: &Value,
    images: &dyn Fn(&str) -> Option<ImageFacts>,
) -> Vec<String> {
    let risky = vec!["shop/deployer".to_string()];
    let groups = vec!["system:authenticated".to_string(), "dev".to_string()];
    let request = Request {
        namespace: "",
        user: "alice",
        groups: &groups,
        risky_service_accounts: &risky,
    };
    rules
        .iter()
        .filter(|r| {
            !admission(&[**r])
                .decide(object, &request, images)
                .unwrap()
                .allowed
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

const RULES: &[(&str, &str)] = &[
    ("ns", "{name: namespace, op: containsAny, values: [shop]}"),
    ("label-key", "{name: labels, op: containsAll, values: [app, tier=front]}"),
    ("label-other", "{name: labels, op: containsOtherThan, values: [app=web]}"),
    ("user", "{name: user, op: containsAny, values: [alice]}"),
    ("group", "{name: userGroups, op: containsNone, values: [admins]}"),
    ("registry", "{name: imageRegistry, op: containsOtherThan, values: [registry.example]}"),
    ("latest", "{name: imageTag, op: containsAny, values: [latest]}"),
    ("unpinned", "{name: imageDigest, op: is, value: \"false\"}"),
    ("privileged", "{name: privileged, op: is, value: \"true\"}"),
    ("escalation", "{name: allowPrivilegeEscalation, op: is, value: \"true\"}"),
    ("root", "{name: runAsRoot, op: is, value: \"true\"}"),
    ("host-net", "{name: hostNetwork, op: is, value: \"true\"}"),
    ("host-port", "{name: hostPorts, op: set}"),
    ("host-path", "{name: hostPaths, op: containsAny, values: [\"/var/run/*\"]}"),
    ("volume-type", "{name: volumeTypes, op: containsAny, values: [hostPath]}"),
    ("caps", "{name: addedCapabilities, op: containsAny, values: [SYS_ADMIN, NET_RAW]}"),
    ("seccomp", "{name: seccompProfile, op: containsAny, values: [Unconfined]}"),
    ("sysctl", "{name: sysctls, op: containsOtherThan, values: [\"net.ipv4.ip_local_port_range\"]}"),
    ("env-name", "{name: envVarNames, op: containsAny, values: [\"AWS_*\"]}"),
    ("env-secret", "{name: envVarSecrets, op: is, value: \"true\"}"),
    ("cpu-limit", "{name: cpuLimit, op: gt, value: \"2\"}"),
    ("no-mem-limit", "{name: memoryLimit, op: unset}"),
    ("token", "{name: automountServiceAccountToken, op: is, value: \"true\"}"),
    ("risky-sa", "{name: serviceAccountRiskyRole, op: is, value: \"true\"}"),
    ("dns-policy", "{name: jsonPath, path: .spec.dnsPolicy, op: eq, value: Default}"),
    ("replicas", "{name: jsonPath, path: \"$.spec.containers[*].ports[*].containerPort\", op: gte, value: \"8000\"}"),
    ("unscanned", "{name: imageScanned, op: is, value: \"false\"}"),
    ("critical", "{name: criticalCount, op: gte, value: \"1\"}"),
    ("old-high", "{name: highCount, op: gte, value: \"2\", olderThanDays: 30}"),
    ("cvss", "{name: cvssScore, op: gte, value: \"9.8\"}"),
    ("cve", "{name: cveIds, op: containsAny, values: [CVE-2021-44228]}"),
    ("package", "{name: packages, op: containsAny, values: [\"log4j-core@2.14.*\"]}"),
    ("compliance", "{name: complianceFailures, op: set}"),
    ("unsigned", "{name: imageSigned, op: is, value: \"false\", publicKey: \"-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----\"}"),
];

#[test]
fn a_locked_down_pod_passes_what_a_loose_one_fails() {
    let tight = pod(json!({
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "web",
            "image": "registry.example/shop/web:1.2@sha256:0123",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
            "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}],
            "ports": [{"containerPort": 8080}]
        }]
    }));
    let loose = pod(json!({
        "hostNetwork": true,
        "dnsPolicy": "Default",
        "serviceAccountName": "deployer",
        "securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "65536"}]},
        "volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}],
        "containers": [{
            "name": "app",
            "image": "docker.io/library/tomcat",
            "securityContext": {"privileged": true, "capabilities": {"add": ["CAP_SYS_ADMIN"]}, "seccompProfile": {"type": "Unconfined"}},
            "resources": {"limits": {"cpu": "4"}},
            "env": [{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"}],
            "ports": [{"containerPort": 8080, "hostPort": 80}]
        }]
    }));
    let tight_scan = |i: &str| {
        (i == "registry.example/shop/web:1.2@sha256:0123").then(|| ImageFacts {
            findings: vec![FindingFact {
                id: "CVE-2024-1".into(),
                severity: "high".into(),
                published_days_ago: Some(400),
                ..Default::default()
            }],
            packages: vec!["openssl@3.0.11".into()],
            verified_keys: vec![
                "-----BEGIN PUBLIC KEY-----\n  MFkw\n-----END PUBLIC KEY-----\n".into(),
            ],
            user: Some("1000".into()),
            ..Default::default()
        })
    };
    let loose_scan = |i: &str| {
        (i == "docker.io/library/tomcat").then(|| ImageFacts {
            findings: vec![
                FindingFact {
                    id: "CVE-2021-44228".into(),
                    severity: "critical".into(),
                    fixable: true,
                    published_days_ago: Some(1000),
                    cvss: Some(10.0),
                },
                FindingFact {
                    id: "CVE-2023-9".into(),
                    severity: "high".into(),
                    published_days_ago: Some(90),
                    cvss: Some(7.5),
                    ..Default::default()
                },
            ],
            packages: vec!["log4j-core@2.14.1".into()],
            compliance_failures: vec!["CIS-DI-0001".into()],
            ..Default::default()
        })
    };
    // What holds of any pod of the shop, its user and labels, holds of both.
    let common = [
        "ns",
        "label-key",
        "label-other",
        "user",
        "group",
        "replicas",
    ];
    let tight_refused = refused(RULES, &tight, &tight_scan);
    assert_eq!(tight_refused, common, "{tight_refused:#?}");
    let loose_refused = refused(RULES, &loose, &loose_scan);
    let all: Vec<&str> = RULES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| *n != "unscanned")
        .collect();
    assert_eq!(loose_refused, all, "{loose_refused:#?}");
    // Unscanned: no facts for the image.
    assert_eq!(refused(&RULES[26..27], &tight, &|_| None), ["unscanned"]);
    // The image's USER decides when the pod does not: root unless it names another.
    let plain = pod(json!({"containers": [{"name": "c", "image": "registry.example/a:1"}]}));
    let user = |u: &'static str| {
        move |_: &str| {
            Some(ImageFacts {
                user: Some(u.into()),
                ..Default::default()
            })
        }
    };
    assert_eq!(refused(&RULES[10..11], &plain, &user("")), ["root"]);
    assert_eq!(refused(&RULES[10..11], &plain, &user("root")), ["root"]);
    // A name may be UID 0 in the image's /etc/passwd: only a number other than 0 is not root.
    assert_eq!(
        refused(&RULES[10..11], &plain, &user("nginx:nginx")),
        ["root"]
    );
    assert!(refused(&RULES[10..11], &plain, &user("101:101")).is_empty());
    for zero in ["0", "00", "+0", "0:0"] {
        assert_eq!(
            refused(&RULES[10..11], &plain, &user(zero)),
            ["root"],
            "{zero}"
        );
    }
    assert_eq!(
        refused(&RULES[10..11], &plain, &|_| None),
        ["root"],
        "unknown: may run as root"
    );
}

#[test]
fn exceptions_come_first_and_monitor_only_warns() {
    let text = r#"
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: no-privileged}
spec:
  action: deny
  criteria: [{name: privileged, op: is, value: "true"}]
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: no-latest}
spec:
  action: deny
  mode: Monitor
  criteria: [{name: imageTag, op: containsAny, values: [latest]}]
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: system}
spec:
  action: allow
  criteria: [{name: namespace, op: containsAny, values: [kube-system]}]
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: off}
spec:
  action: deny
  disabled: true
  criteria: [{name: namespace, op: containsAny, values: ["*"]}]
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: init-only}
spec:
  action: deny
  containers: [initContainers]
  criteria: [{name: image, op: containsAny, values: ["*/curl*"]}]
"#;
    let policy = load(
        &[Source {
            name: "a.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let a = Admission::new(&policy);
    let req = Request::default();
    let facts = |_: &str| Some(ImageFacts::default());
    let deployment = |ns: &str, privileged: bool, image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": ns},
               "spec": {"template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [
                   {"name": "c", "image": image, "securityContext": {"privileged": privileged}}]}}}})
    };
    let d = a
        .decide(&deployment("shop", true, "nginx:1.25"), &req, &facts)
        .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.rule.as_deref(), Some("AdmissionRule no-privileged"));
    assert_eq!(d.message, "AdmissionRule no-privileged: privileged is true");
    let d = a
        .decide(&deployment("kube-system", true, "nginx"), &req, &facts)
        .unwrap();
    assert!(d.allowed);
    assert_eq!(d.rule.as_deref(), Some("AdmissionRule system"));
    let d = a
        .decide(&deployment("shop", false, "nginx"), &req, &facts)
        .unwrap();
    assert!(d.allowed);
    assert_eq!(
        d.warnings,
        ["AdmissionRule no-latest: imageTag containsAny [latest]"]
    );
    // The CronJob's pod template is judged as the pod; an init container only by the rule
    // about init containers.
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "shop"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "initContainers": [{"name": "fetch", "image": "docker.io/curlimages/curl:8.5.0"}],
            "containers": [{"name": "main", "image": "registry.example/job:1"}]}}}}}});
    let d = a.decide(&cron, &req, &facts).unwrap();
    assert_eq!(d.rule.as_deref(), Some("AdmissionRule init-only"));
    // Not a pod: nothing to judge.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
    assert!(a.decide(&cm, &req, &facts).unwrap().allowed);
}

#[test]
fn one_container_cannot_hide_another_and_spelling_does_not_matter() {
    let rules: &[(&str, &str)] = &[
        ("no-seccomp", "{name: seccompProfile, op: unset}"),
        ("old-nginx", "{name: image, op: containsAny, values: [\"nginx:1.14*\"]}"),
        ("any-nginx", "{name: imageRepository, op: containsAny, values: [nginx]}"),
        ("admin-caps", "{name: addedCapabilities, op: containsAny, values: [SYS_ADMIN]}"),
        ("host-net", "{name: jsonPath, path: .spec.hostNetwork, op: is, value: \"true\"}"),
        ("by-label", "{name: jsonPath, path: \".metadata.labels['app.kubernetes.io/name']\", op: containsAny, values: [shop]}"),
        ("fast-disks", "{name: storageClass, op: containsAny, values: [\"premium-*\"]}"),
    ];
    let facts = |_: &str| Some(ImageFacts::default());
    // Two containers, one with a seccomp profile: the other has none.
    let two = pod(json!({"containers": [
        {"name": "a", "image": "registry.example/a:1", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
        {"name": "b", "image": "docker.io/library/nginx:1.14.2", "securityContext": {"capabilities": {"add": ["ALL"]}}}
    ]}));
    assert_eq!(
        refused(rules, &two, &facts),
        ["no-seccomp", "old-nginx", "any-nginx", "admin-caps"]
    );
    // The pod's profile covers both.
    let covered = pod(
        json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "a", "image": "index.docker.io/nginx:1.25"}]}),
    );
    assert_eq!(refused(rules, &covered, &facts), ["any-nginx"]);
    // A field path is of the pod a workload makes, as its template says.
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "shop"},
        "spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/name": "shop"}},
            "spec": {"hostNetwork": true, "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "containers": [{"name": "c", "image": "registry.example/c:1"}]}}}});
    assert_eq!(
        refused(rules, &deployment, &facts),
        ["host-net", "by-label"]
    );
    // A claim is judged by its storage class; a StatefulSet by its claim templates.
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop"}, "spec": {"storageClassName": "premium-ssd"}});
    // (No container: nothing about containers holds of it.)
    assert_eq!(refused(rules, &claim, &facts), ["fast-disks"]);
    let set = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {"storageClassName": "premium-nvme"}}],
                 "template": {"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "containers": [{"name": "db", "image": "registry.example/db:1"}]}}}});
    assert_eq!(refused(rules, &set, &facts), ["fast-disks"]);
}

#[test]
fn an_exception_is_for_every_container_and_a_deny_for_one() {
    let text = r#"
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: no-privileged}
spec:
  action: deny
  criteria: [{name: privileged, op: is, value: "true"}]
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: debug}
spec:
  action: allow
  criteria:
    - {name: image, op: containsAny, values: ["registry.example/tools/debug:*"]}
    - {name: memoryLimit, op: lte, value: 256Mi}
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {name: privileged-miner}
spec:
  action: deny
  criteria:
    - {name: image, op: containsAny, values: ["*miner*"]}
    - {name: privileged, op: is, value: "true"}
"#;
    let policy = load(
        &[Source {
            name: "a.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let a = Admission::new(&policy);
    let facts = |_: &str| Some(ImageFacts::default());
    let req = Request::default();
    let debug = json!({"name": "debug", "image": "registry.example/tools/debug:1", "securityContext": {"privileged": true}, "resources": {"limits": {"memory": "128Mi"}}});
    let miner =
        json!({"name": "m", "image": "evil/miner", "securityContext": {"privileged": true}});
    let plain_miner = json!({"name": "m", "image": "evil/miner"});
    let admitted = |containers: Value| {
        a.decide(&pod(json!({"containers": containers})), &req, &facts)
            .unwrap()
    };
    // The vetted container alone is the exception; with another beside it, it is not.
    assert_eq!(
        admitted(json!([debug])).rule.as_deref(),
        Some("AdmissionRule debug")
    );
    let d = admitted(json!([debug, miner]));
    assert!(!d.allowed);
    assert_eq!(d.rule.as_deref(), Some("AdmissionRule no-privileged"));
    // A deny's criteria hold of one container together: the privileged one is not the miner.
    let deny = admission(&[("privileged-miner", "{name: image, op: containsAny, values: [\"*miner*\"]}, {name: privileged, op: is, value: \"true\"}")]);
    let d = deny
        .decide(
            &pod(json!({"containers": [debug, plain_miner]})),
            &req,
            &facts,
        )
        .unwrap();
    assert!(d.allowed, "{d:?}");
}

#[test]
fn capabilities_claims_registries_and_versions_as_written_anywhere() {
    let rules: &[(&str, &str)] = &[
        (
            "only-bind",
            "{name: addedCapabilities, op: containsOtherThan, values: [NET_BIND_SERVICE]}",
        ),
        (
            "admin",
            "{name: addedCapabilities, op: containsAny, values: [cap_sys_admin]}",
        ),
        (
            "token",
            "{name: automountServiceAccountToken, op: is, value: \"true\"}",
        ),
        (
            "hub",
            "{name: imageRegistry, op: containsAny, values: [INDEX.docker.io]}",
        ),
        (
            "by-digest",
            "{name: image, op: containsAny, values: [\"evil/app@sha256:abc\"]}",
        ),
        (
            "by-tag",
            "{name: image, op: containsAny, values: [\"nginx:1.14.2\"]}",
        ),
    ];
    let facts = |_: &str| Some(ImageFacts::default());
    let all = pod(
        json!({"containers": [{"name": "a", "image": "registry.example/a:1", "securityContext": {"capabilities": {"add": ["ALL"]}}}]}),
    );
    assert_eq!(
        refused(rules, &all, &facts),
        ["only-bind", "admin", "token"]
    );
    let bind = pod(
        json!({"automountServiceAccountToken": false, "containers": [{"name": "a", "image": "registry.example/a:1", "securityContext": {"capabilities": {"add": ["CAP_NET_BIND_SERVICE"]}}}]}),
    );
    assert!(refused(rules, &bind, &facts).is_empty());
    let pinned = pod(
        json!({"automountServiceAccountToken": false, "containers": [
        {"name": "a", "image": "evil/app:x@sha256:abc"},
        {"name": "b", "image": "docker.io/library/nginx:1.14.2@sha256:def"}]}),
    );
    assert_eq!(
        refused(rules, &pinned, &facts),
        ["hub", "by-digest", "by-tag"]
    );
    // A claim has no service account or token: a rule about them is not about claims.
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c", "namespace": "shop"}, "spec": {}});
    assert!(refused(rules, &claim, &facts).is_empty());
}

#[test]
fn pod_security_refuses_in_kubernetes_words_or_warns_in_monitor() {
    let text = |mode: &str| {
        format!(
            "apiVersion: security.palisade.dev/v1
kind: GlobalRules
metadata: {{name: cluster}}
spec:
  admission: {{mode: {mode}, podSecurity: \"restricted:v1.30\"}}
---
apiVersion: security.palisade.dev/v1
kind: AdmissionRule
metadata: {{name: baseline-here}}
spec:
  action: deny
  criteria:
    - {{name: namespace, op: containsAny, values: [legacy]}}
    - {{name: podSecurity, op: violates, value: baseline}}
"
        )
    };
    let facts = |_: &str| Some(ImageFacts::default());
    let req = Request::default();
    let bare = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "registry.example/c:1"}]}}}});
    let policy = load(
        &[Source {
            name: "a.yaml",
            text: &text("Protect"),
        }],
        &Limits::default(),
    )
    .unwrap();
    let d = Admission::new(&policy).decide(&bare, &req, &facts).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.rule.as_deref(), Some("GlobalRules podSecurity"));
    assert!(d.message.starts_with(r#"violates PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "c" must set"#), "{}", d.message);
    let policy = load(
        &[Source {
            name: "a.yaml",
            text: &text("Monitor"),
        }],
        &Limits::default(),
    )
    .unwrap();
    let a = Admission::new(&policy);
    let d = a.decide(&bare, &req, &facts).unwrap();
    assert!(d.allowed);
    assert!(
        d.warnings[0].starts_with(r#"would violate PodSecurity "restricted:v1.30": "#),
        "{:?}",
        d.warnings
    );
    // A rule's own level: baseline in one namespace, said with the controls that failed
    // (in Protect: a rule takes the cluster's mode when it sets none).
    let policy = load(
        &[Source {
            name: "a.yaml",
            text: &text("Protect"),
        }],
        &Limits::default(),
    )
    .unwrap();
    let a = Admission::new(&policy);
    let mut legacy = bare.clone();
    legacy["metadata"]["namespace"] = json!("legacy");
    legacy["spec"]["template"]["spec"]["hostPID"] = json!(true);
    let d = a.decide(&legacy, &req, &facts).unwrap();
    assert!(!d.allowed);
    assert_eq!(
        d.message,
        r#"AdmissionRule baseline-here: namespace containsAny [legacy] and podSecurity violates baseline: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)"#
    );
}

#[test]
fn pod_security_sees_the_template_not_the_workload() {
    let text = "apiVersion: security.palisade.dev/v1
kind: GlobalRules
metadata: {name: cluster}
spec:
  admission: {mode: Protect, podSecurity: baseline}
";
    let policy = load(
        &[Source {
            name: "a.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    let a = Admission::new(&policy);
    let facts = |_: &str| Some(ImageFacts::default());
    let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "shop", "annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "registry.example/c:1"}]}}}});
    // Kubernetes reads the pod the template makes: the Deployment's own annotations are not it.
    assert!(a.decide(&d, &Request::default(), &facts).unwrap().allowed);
    d["spec"]["template"]["metadata"] =
        json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}});
    assert!(!a.decide(&d, &Request::default(), &facts).unwrap().allowed);
}
