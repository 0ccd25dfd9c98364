//! The Pod Security Standards, control by control and version by version, with the words
//! Kubernetes' Pod Security Admission uses (its documented examples and messages).

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use palisade_policy::admission::parse_level;
use palisade_policy::pss::{check, message};
use serde_json::{json, Value};

fn pod(spec: Value) -> Value {
    json!({"metadata": {"name": "p"}, "spec": spec})
}

fn judged(level: &str, pod: &Value) -> String {
    let found = check(parse_level(level).unwrap(), pod);
    if found.is_empty() {
        return String::new();
    }
    message(level, &found)
}

/// A container that meets every restricted control.
fn good(name: &str) -> Value {
    json!({"name": name, "image": "i", "securityContext": {
        "allowPrivilegeEscalation": false, "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}}})
}

#[test]
fn a_bare_pod_fails_restricted_as_kubernetes_says_it() {
    let bare = pod(json!({"containers": [{"name": "c", "image": "i"}]}));
    assert_eq!(
        judged("restricted:latest", &bare),
        r#"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    assert_eq!(judged("baseline", &bare), "");
    assert_eq!(
        judged("restricted", &pod(json!({"containers": [good("c")]}))),
        ""
    );
}

#[test]
fn each_baseline_control_in_its_words() {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"containers": [{"name": "d", "securityContext": {"privileged": true}}, {"name": "e", "securityContext": {"privileged": true}}]}),
            r#"privileged (containers "d", "e" must not set securityContext.privileged=true)"#,
        ),
        (
            json!({"hostIPC": true, "hostNetwork": true, "hostPID": true, "containers": [{"name": "a"}]}),
            "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)",
        ),
        (
            json!({"containers": [{"name": "a"}, {"name": "b", "ports": [{"hostPort": 20}, {"hostPort": 10}]}, {"name": "c", "ports": [{"hostPort": 30}, {"containerPort": 80}]}]}),
            r#"hostPort (containers "b", "c" use hostPorts 10, 20, 30)"#,
        ),
        (
            json!({"volumes": [{"name": "a", "hostPath": {"path": "/"}}, {"name": "ok", "emptyDir": {}}, {"name": "b", "hostPath": {"path": "/x"}}], "containers": [{"name": "c"}]}),
            r#"hostPath volumes (volumes "a", "b")"#,
        ),
        (
            json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [{"name": "c"}]}),
            r#"forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")"#,
        ),
        (
            json!({"securityContext": {"seLinuxOptions": {"type": "bar", "user": "u"}}, "containers": [{"name": "e", "securityContext": {"seLinuxOptions": {"type": "foo", "role": "r"}}}, {"name": "f", "securityContext": {"seLinuxOptions": {"type": "container_t"}}}]}),
            r#"seLinuxOptions (pod and container "e" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)"#,
        ),
        (
            json!({"containers": [{"name": "d", "securityContext": {"procMount": "Unmasked"}}, {"name": "e", "securityContext": {"procMount": "other"}}, {"name": "f", "securityContext": {"procMount": "Default"}}]}),
            r#"procMount (containers "d", "e" must not set securityContext.procMount to "Unmasked", "other")"#,
        ),
        (
            json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "c", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}, {"name": "d", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]}),
            r#"seccompProfile (pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined")"#,
        ),
        (
            json!({"securityContext": {"sysctls": [{"name": "a"}, {"name": "net.ipv4.tcp_syncookies"}, {"name": "b"}]}, "containers": [{"name": "c"}]}),
            "forbidden sysctls (a, b)",
        ),
        (
            json!({"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "e", "securityContext": {"windowsOptions": {"hostProcess": true}}}, {"name": "f", "securityContext": {"windowsOptions": {"hostProcess": true}}}]}),
            r#"hostProcess (pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
        (
            json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["FOO", "CHOWN"]}}}, {"name": "b", "securityContext": {"capabilities": {"add": ["BAZ", "BAR"]}}}]}),
            r#"non-default capabilities (containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add)"#,
        ),
        (
            json!({"containers": [{"name": "b", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}, {"name": "a", "lifecycle": {"preStop": {"tcpSocket": {"host": "evil", "port": 1}}}}]}),
            r#"probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "evil")"#,
        ),
    ];
    for (spec, want) in cases {
        let p = pod(spec);
        assert_eq!(
            judged("baseline:latest", &p),
            format!(r#"violates PodSecurity "baseline:latest": {want}"#)
        );
    }
    // AppArmor annotations: any suffix, values allowed or not.
    let annotated = json!({"metadata": {"annotations": {
        "container.apparmor.security.beta.kubernetes.io/": "bogus",
        "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/f": "unknown",
        "container.apparmor.security.beta.kubernetes.io/g": "localhost/",
        "container.apparmor.security.beta.kubernetes.io/h": "runtime/default"}},
        "spec": {"containers": [{"name": "e"}]}});
    assert_eq!(
        judged("baseline", &annotated),
        r#"violates PodSecurity "baseline": forbidden AppArmor profiles (annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", "container.apparmor.security.beta.kubernetes.io/e="unconfined"", "container.apparmor.security.beta.kubernetes.io/f="unknown"")"#
    );
}

#[test]
fn each_restricted_control_in_its_words() {
    let mut bad_volumes = vec![json!({"name": "ok", "configMap": {"name": "x"}})];
    bad_volumes.push(json!({"name": "b1", "nfs": {"server": "s", "path": "/"}}));
    bad_volumes.push(json!({"name": "b2", "hostPath": {"path": "/"}}));
    bad_volumes.push(json!({"name": "c1", "someNewSource": {}}));
    // Only a name: an emptyDir, as Kubernetes defaults it.
    bad_volumes.push(json!({"name": "d1"}));
    let p = pod(json!({"volumes": bad_volumes, "containers": [good("c")]}));
    assert_eq!(
        judged("restricted", &p),
        r#"violates PodSecurity "restricted": restricted volume types (volumes "b1", "b2", "c1" use restricted volume types "hostPath", "nfs", "unknown")"#
    );
    let mut a = good("a");
    a["securityContext"]["capabilities"] = json!({"add": ["FOO", "BAR"]});
    let mut b = good("b");
    b["securityContext"]["capabilities"] = json!({"add": ["BAZ"]});
    let mut c = good("c");
    c["securityContext"]["capabilities"] =
        json!({"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]});
    let p = pod(json!({"containers": [a, b, c]}));
    assert_eq!(
        judged("restricted", &p),
        r#"violates PodSecurity "restricted": unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add)"#
    );
    // Explicit runAsNonRoot=false outweighs the implicit message; runAsUser=0 at pod and containers.
    let mut c = good("c");
    c["securityContext"]["runAsNonRoot"] = json!(false);
    c["securityContext"]["runAsUser"] = json!(0);
    let mut d = good("d");
    d["securityContext"]["runAsNonRoot"] = json!(false);
    d["securityContext"]["runAsUser"] = json!(0);
    let p = pod(json!({"securityContext": {"runAsNonRoot": false}, "containers": [c, d]}));
    assert_eq!(
        judged("restricted", &p),
        r#"violates PodSecurity "restricted": runAsNonRoot != true (pod and containers "c", "d" must not set securityContext.runAsNonRoot=false), runAsUser=0 (containers "c", "d" must not set runAsUser=0)"#
    );
}

#[test]
fn versions_change_what_is_checked() {
    // runAsUser=0 is a restricted control from v1.23.
    let mut c = good("c");
    c["securityContext"]["runAsUser"] = json!(0);
    let p = pod(json!({"containers": [c]}));
    assert_eq!(judged("restricted:v1.22", &p), "");
    assert!(judged("restricted:v1.23", &p).contains("runAsUser=0"));
    // The keepalive sysctls are allowed from v1.29.
    let p = pod(
        json!({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_keepalive_time"}]}, "containers": [{"name": "c"}]}),
    );
    assert!(
        judged("baseline:v1.28", &p).contains("forbidden sysctls (net.ipv4.tcp_keepalive_time)")
    );
    assert_eq!(judged("baseline:v1.29", &p), "");
    // Windows pods are spared three restricted controls from v1.25.
    let w = pod(
        json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true}, "containers": [{"name": "w"}]}),
    );
    assert_eq!(judged("restricted:v1.25", &w), "");
    assert_eq!(
        judged("restricted:v1.24", &w),
        r#"violates PodSecurity "restricted:v1.24": allowPrivilegeEscalation != false (container "w" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "w" must set securityContext.capabilities.drop=["ALL"]), seccompProfile (pod or container "w" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    // Before v1.19 seccomp is the annotations' (baseline's), and before v1.22 capabilities are
    // baseline's, in baseline's place.
    let old = json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
        "spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"add": ["NET_ADMIN"]}}}]}});
    assert_eq!(
        judged("restricted:v1.18", &old),
        r#"violates PodSecurity "restricted:v1.18": non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
    );
    // A user namespace relaxes procMount at baseline (not restricted) from v1.35.
    let mut c = good("c");
    c["securityContext"]["procMount"] = json!("Unmasked");
    let p = pod(json!({"hostUsers": false, "containers": [c]}));
    assert_eq!(judged("baseline:v1.35", &p), "");
    assert!(judged("baseline:v1.34", &p).contains("procMount"));
    assert!(judged("restricted:v1.35", &p).contains("procMount"));
    // Init containers come first, ephemeral ones last.
    let p = pod(json!({
        "initContainers": [{"name": "i", "securityContext": {"privileged": true}}],
        "containers": [{"name": "c", "securityContext": {"privileged": true}}],
        "ephemeralContainers": [{"name": "e", "securityContext": {"privileged": true}}]}));
    assert_eq!(
        judged("baseline", &p),
        r#"violates PodSecurity "baseline": privileged (containers "i", "c", "e" must not set securityContext.privileged=true)"#
    );
}

#[test]
fn odd_spellings_are_judged_as_kubernetes_reads_them() {
    // `-0` is a root UID; an empty sysctl name is said without an empty detail; Go's quoting
    // escapes what it would not print.
    let p = pod(
        json!({"securityContext": {"runAsUser": -0.0, "runAsNonRoot": true}, "containers": [good("c")]}),
    );
    assert!(judged("restricted", &p).contains("runAsUser=0 (pod must not set runAsUser=0)"));
    let p =
        pod(json!({"securityContext": {"sysctls": [{"name": ""}]}, "containers": [{"name": "c"}]}));
    assert_eq!(
        judged("baseline", &p),
        r#"violates PodSecurity "baseline": forbidden sysctls"#
    );
    let p = json!({"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "a\u{a0}b\"c"}},
        "spec": {"containers": [{"name": "c"}]}});
    assert!(
        judged("baseline", &p)
            .contains(r#"container.apparmor.security.beta.kubernetes.io/c="a\u00a0b\"c""#),
        "{}",
        judged("baseline", &p)
    );
    // Versions as Kubernetes writes them.
    for bad in [
        "restricted:v1.01",
        "restricted:v1.+5",
        "restricted:v2.0",
        "baseline:1.30",
    ] {
        assert!(parse_level(bad).is_err(), "{bad}");
    }
    assert!(parse_level("restricted:v1.0").is_ok());
}
