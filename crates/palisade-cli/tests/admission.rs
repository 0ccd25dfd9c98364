//! The admission webhook as the API server meets it (issue 14): `palisade admission serve`
//! started on a loopback port with its own certificates, AdmissionReviews built around objects
//! that Debian's kubectl renders (`kubectl create ... --dry-run=client -o json`, changed with
//! `kubectl patch --local` and `kubectl set env --local`), sent over real TLS by a keep-alive
//! client.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::webhook::{client, get, judge, post, review, self_signed, Server};
use common::{root, tempdir};
use serde_json::{json, Value};

/// What kubectl renders, client-side only.
fn kubectl(args: &[&str]) -> Value {
    let out = Command::new("kubectl")
        .args(args)
        .args(["--dry-run=client", "-o", "json"])
        .output()
        .expect("kubectl (Debian package kubectl)");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `kubectl patch --local` of an object with a JSON patch.
fn patched(object: &Value, patch: Value) -> Value {
    let patch = patch.to_string();
    kubectl_on(
        object,
        &[
            "patch",
            "--local",
            "-f",
            "-",
            "--type=json",
            "-o",
            "json",
            "-p",
            &patch,
        ],
    )
}

/// `kubectl set env --local` of an object.
fn with_env(object: &Value, env: &[&str]) -> Value {
    let mut args = vec!["set", "env", "--local", "-f", "-", "-o", "json"];
    args.extend_from_slice(env);
    kubectl_on(object, &args)
}

/// What kubectl makes of `object` given on its standard input.
fn kubectl_on(object: &Value, args: &[&str]) -> Value {
    let mut child = Command::new("kubectl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(object.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn policy() -> String {
    root()
        .join("crates/palisade-cli/tests/data/admission/policy.yaml")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn reviews_over_tls_get_the_policy_s_decisions() {
    let tmp = tempdir("admission-serve");
    let (server, agent) = self_signed(&tmp, &["--policy", &policy(), "--pod-security", "baseline"]);
    let ca_bundle = std::fs::read_to_string(tmp.join("serve.out")).unwrap();
    assert!(ca_bundle.starts_with("caBundle: LS0t"), "{ca_bundle}");
    // As the API server calls it: the Service's name is in the certificate, the address is ours.
    let url = server.url("/validate?timeout=10s");

    let web = kubectl(&[
        "create",
        "deployment",
        "web",
        "-n",
        "shop",
        "--image=nginx:1.25",
    ]);
    let privileged = patched(
        &web,
        json!([{"op": "add", "path": "/spec/template/spec/containers/0/securityContext", "value": {"privileged": true}}]),
    );
    for version in ["v1", "v1beta1"] {
        let r = judge(
            &agent,
            &url,
            &review(version, "CREATE", &privileged, "alice", &[]),
        );
        assert_eq!(r["allowed"], false);
        assert_eq!(r["status"]["code"], 403);
        assert_eq!(
            r["status"]["message"],
            "Deployment shop/web: AdmissionRule no-privileged: drop securityContext.privileged"
        );
    }
    // UPDATE is judged on the new object; DELETE, and subresources, pass.
    let r = judge(
        &agent,
        &url,
        &review("v1", "UPDATE", &privileged, "alice", &[]),
    );
    assert_eq!(r["allowed"], false);
    let r = judge(
        &agent,
        &url,
        &review("v1", "DELETE", &privileged, "alice", &[]),
    );
    assert_eq!(r["allowed"], true);
    let mut status = review("v1", "UPDATE", &privileged, "alice", &[]);
    status["request"]["subResource"] = json!("status");
    assert_eq!(judge(&agent, &url, &status)["allowed"], true);
    // As Pod Security admission: an UPDATE that leaves the pod spec as it was (a label, a
    // scale) is not judged again, nor one of an object being deleted; one that changes it is.
    let mut relabel = review("v1", "UPDATE", &privileged, "alice", &[]);
    relabel["request"]["oldObject"] = privileged.clone();
    relabel["request"]["object"]["metadata"]["labels"]["tier"] = json!("front");
    assert_eq!(judge(&agent, &url, &relabel)["allowed"], true);
    let mut deleting = review("v1", "UPDATE", &privileged, "alice", &[]);
    deleting["request"]["object"]["metadata"]["deletionTimestamp"] = json!("2026-12-02T10:00:00Z");
    assert_eq!(judge(&agent, &url, &deleting)["allowed"], true);
    let mut escalate = review("v1", "UPDATE", &privileged, "alice", &[]);
    escalate["request"]["oldObject"] = web.clone();
    assert_eq!(judge(&agent, &url, &escalate)["allowed"], false);
    // A pod's resources resized in place are judged with the pod.
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25", "securityContext": {"privileged": true}}]}});
    let mut resize = review("v1", "UPDATE", &pod, "alice", &[]);
    resize["request"]["subResource"] = json!("resize");
    assert_eq!(judge(&agent, &url, &resize)["allowed"], false);
    // A dry run is judged all the same.
    let mut dry = review("v1", "CREATE", &privileged, "alice", &[]);
    dry["request"]["dryRun"] = json!(true);
    assert_eq!(judge(&agent, &url, &dry)["allowed"], false);
    // The exception: ops may run privileged debug pods in namespace debug.
    let debug = patched(
        &kubectl(&[
            "create",
            "deployment",
            "dbg",
            "-n",
            "debug",
            "--image=nginx:1.25",
        ]),
        json!([{"op": "add", "path": "/spec/template/spec/containers/0/securityContext", "value": {"privileged": true}}]),
    );
    let r = judge(
        &agent,
        &url,
        &review("v1", "CREATE", &debug, "bob", &["ops"]),
    );
    assert_eq!(r["allowed"], true, "{r}");
    let r = judge(
        &agent,
        &url,
        &review("v1", "CREATE", &debug, "bob", &["dev"]),
    );
    assert_eq!(r["allowed"], false, "{r}");

    // Allowed, with what the monitor-mode rules and the unscanned image say.
    let r = judge(&agent, &url, &review("v1", "CREATE", &web, "alice", &[]));
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(r["warnings"], json!(["images never scanned: nginx:1.25"]));
    let latest = kubectl(&["create", "deployment", "api", "-n", "shop", "--image=nginx"]);
    let r = judge(&agent, &url, &review("v1", "CREATE", &latest, "alice", &[]));
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(
        r["warnings"][0],
        "AdmissionRule pin-images: pin the image to a version tag or a digest"
    );

    // Secrets in literal environment values, not in secretKeyRef.
    let leaky = with_env(
        &web,
        &["AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    );
    let r = judge(&agent, &url, &review("v1", "CREATE", &leaky, "alice", &[]));
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("AdmissionRule no-secrets-in-env"),
        "{r}"
    );
    let referenced = patched(
        &web,
        json!([{"op": "add", "path": "/spec/template/spec/containers/0/env", "value": [
            {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "aws", "key": "secret"}}}
        ]}]),
    );
    assert!(
        referenced.to_string().contains("secretKeyRef"),
        "{referenced}"
    );
    assert_eq!(
        judge(
            &agent,
            &url,
            &review("v1", "CREATE", &referenced, "alice", &[])
        )["allowed"],
        true
    );

    // Every pod-bearing kind: the template is the pod.
    let privileged_container = json!({"privileged": true});
    for (object, path) in [
        (
            kubectl(&["create", "job", "j", "-n", "shop", "--image=busybox:1.36"]),
            "/spec/template/spec/containers/0/securityContext",
        ),
        (
            kubectl(&[
                "create",
                "cronjob",
                "c",
                "-n",
                "shop",
                "--image=busybox:1.36",
                "--schedule=* * * * *",
            ]),
            "/spec/jobTemplate/spec/template/spec/containers/0/securityContext",
        ),
    ] {
        let kind = object["kind"].as_str().unwrap().to_string();
        assert_eq!(
            judge(&agent, &url, &review("v1", "CREATE", &object, "alice", &[]))["allowed"],
            true,
            "{kind}"
        );
        let bad = patched(
            &object,
            json!([{"op": "add", "path": path, "value": privileged_container}]),
        );
        let r = judge(&agent, &url, &review("v1", "CREATE", &bad, "alice", &[]));
        assert_eq!(r["allowed"], false, "{kind}: {r}");
    }
    // Other kinds pass through.
    let service = kubectl(&[
        "create",
        "service",
        "clusterip",
        "web",
        "-n",
        "shop",
        "--tcp=80:8080",
    ]);
    assert_eq!(
        judge(
            &agent,
            &url,
            &review("v1", "CREATE", &service, "alice", &[])
        )["allowed"],
        true
    );

    // The cluster's Pod Security level, in Kubernetes' own words.
    let host = patched(
        &web,
        json!([{"op": "add", "path": "/spec/template/spec/hostNetwork", "value": true}]),
    );
    let r = judge(&agent, &url, &review("v1", "CREATE", &host, "alice", &[]));
    assert_eq!(
        r["status"]["message"],
        "Deployment shop/web: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)",
    );

    let (code, health) = get(&agent, &server.url("/healthz"));
    assert_eq!((code, health.as_str()), (200, "ok\n"));
    let (_, metrics) = get(&agent, &server.url("/metrics"));
    for line in [
        "palisade_admission_decisions_total{rule=\"AdmissionRule no-privileged\",result=\"denied\"} 9",
        "palisade_admission_decisions_total{rule=\"AdmissionRule ops-may-debug\",result=\"allowed\"} 1",
        "palisade_admission_decisions_total{rule=\"AdmissionRule pin-images\",result=\"warned\"} 1",
        "palisade_admission_decisions_total{rule=\"GlobalRules podSecurity\",result=\"denied\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} not in:\n{metrics}");
    }
    assert!(
        metrics.contains("palisade_admission_review_duration_seconds_count "),
        "{metrics}"
    );
    assert!(
        server.log().contains("serving https://127.0.0.1:"),
        "{}",
        server.log()
    );
}

#[test]
fn bad_input_gets_a_clear_answer_and_the_server_keeps_serving() {
    let tmp = tempdir("admission-bad");
    let (server, agent) = self_signed(&tmp, &["--policy", &policy()]);
    let base = server.url("");
    let url = server.url("/validate");

    // A slow client holds a connection and sends nothing: others are served meanwhile.
    let mut slow = std::net::TcpStream::connect(&server.addr).unwrap();
    slow.write_all(b"\x16\x03\x01").unwrap();

    // Not reviews: 400, saying why.
    for (body, says) in [
        (&b"{not json"[..], "the body is not JSON"),
        (
            br#"{"apiVersion":"v1","kind":"AdmissionReview"}"#,
            "apiVersion \"v1\" is not an AdmissionReview version",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#,
            "kind \"Pod\" is not AdmissionReview",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
            "the review has no request",
        ),
    ] {
        let (status, answer) = post(&agent, &url, body);
        assert_eq!(status, 400, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains(says), "{answer}");
    }
    // Reviews whose object cannot be judged: refused under their own uid, saying why.
    let web = kubectl(&[
        "create",
        "deployment",
        "web",
        "-n",
        "shop",
        "--image=nginx:1.25",
    ]);
    let mut missing = review("v1", "CREATE", &web, "alice", &[]);
    missing["request"].as_object_mut().unwrap().remove("object");
    let r = judge(&agent, &url, &missing);
    assert_eq!(
        r["status"]["message"],
        "palisade cannot judge Deployment shop/web: the CREATE request carries no object"
    );
    let mut deep = review("v1", "CREATE", &web, "alice", &[]);
    deep["request"]["object"]["spec"]["template"]["metadata"]["annotations"] =
        json!({"x": "PLACEHOLDER"});
    let text = serde_json::to_string(&deep).unwrap().replace(
        "\"PLACEHOLDER\"",
        &format!("{}{}", "[".repeat(200_000), "]".repeat(200_000)),
    );
    let (status, answer) = post(&agent, &url, text.as_bytes());
    assert_eq!(status, 200);
    assert!(
        answer["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deeply"),
        "{answer}"
    );

    // A 3 MiB object (a large annotation, as a ConfigMap-heavy chart makes) is judged.
    let mut big = patched(
        &web,
        json!([{"op": "add", "path": "/spec/template/spec/containers/0/securityContext", "value": {"privileged": true}}]),
    );
    big["metadata"]["annotations"] = json!({"big": "x".repeat(3 << 20)});
    let r = judge(&agent, &url, &review("v1", "CREATE", &big, "alice", &[]));
    assert_eq!(r["allowed"], false, "{r}");
    // A pod of 1,000 containers, the last one privileged: judged, the one named.
    let mut many = kubectl(&[
        "create",
        "deployment",
        "many",
        "-n",
        "shop",
        "--image=nginx:1.25",
    ]);
    let one = many["spec"]["template"]["spec"]["containers"][0].clone();
    let containers: Vec<Value> = (0..1000)
        .map(|i| {
            let mut c = one.clone();
            c["name"] = json!(format!("c{i}"));
            if i == 999 {
                c["securityContext"] = json!({"privileged": true});
            }
            c
        })
        .collect();
    many["spec"]["template"]["spec"]["containers"] = json!(containers);
    let started = Instant::now();
    let r = judge(&agent, &url, &review("v1", "CREATE", &many, "alice", &[]));
    assert_eq!(r["allowed"], false, "{r}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // Over the size a review may have: 413, and the connection is closed.
    let (status, answer) = post(&agent, &url, &vec![b' '; 9 << 20]);
    assert_eq!(status, 413, "{answer}");
    // Wrong paths and methods.
    let (status, _) = get(&agent, &format!("{base}/nothing"));
    assert_eq!(status, 404);
    let (status, _) = get(&agent, &url);
    assert_eq!(status, 405);

    // A client trickling a byte every 2 s is dropped at the 10 s deadline, however it
    // trickles; meanwhile a connection kept alive and idle for 12 s takes a large review.
    let mut trickle = std::net::TcpStream::connect(&server.addr).unwrap();
    let dripping = std::thread::spawn(move || {
        let started = Instant::now();
        for b in b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" {
            if trickle.write_all(&[*b]).is_err() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_secs(2));
        }
        started.elapsed()
    });
    assert_eq!(
        judge(&agent, &url, &review("v1", "CREATE", &web, "alice", &[]))["allowed"],
        true
    );
    std::thread::sleep(Duration::from_secs(12));
    let mut large = web.clone();
    large["metadata"]["annotations"] = json!({"note": "x".repeat(200 << 10)});
    assert_eq!(
        judge(&agent, &url, &review("v1", "CREATE", &large, "alice", &[]))["allowed"],
        true
    );
    let dropped_after = dripping.join().unwrap();
    assert!(
        dropped_after < Duration::from_secs(20),
        "a trickling client held on for {dropped_after:?}"
    );

    // Still serving, in bounded memory.
    assert_eq!(
        judge(&agent, &url, &review("v1", "CREATE", &web, "alice", &[]))["allowed"],
        true
    );
    let rss = server.rss_kib();
    assert!(rss < 200 << 10, "RSS {rss} KiB");
    drop(slow);
}

#[test]
fn the_certificate_is_read_again_when_its_files_change() {
    let tmp = tempdir("admission-reload");
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    let names = vec!["localhost".to_string()];
    palisade_admission::tls::self_signed(&a, &names).unwrap();
    palisade_admission::tls::self_signed(&b, &names).unwrap();
    let live = tmp.join("live");
    std::fs::create_dir_all(&live).unwrap();
    for f in ["tls.crt", "tls.key"] {
        std::fs::copy(a.join(f), live.join(f)).unwrap();
    }
    let server = Server::start(
        &tmp,
        &[
            "--tls-cert",
            live.join("tls.crt").to_str().unwrap(),
            "--tls-key",
            live.join("tls.key").to_str().unwrap(),
        ],
    );
    let url = server.url("/healthz");
    let works = |ca: &Path| client(ca).get(&url).call().is_ok();
    assert!(works(&a.join("ca.crt")));
    assert!(!works(&b.join("ca.crt")));
    // Replaced in place, as a Secret volume is: the key first, then the certificate.
    for f in ["tls.key", "tls.crt"] {
        std::fs::copy(b.join(f), live.join(format!("{f}.new"))).unwrap();
        std::fs::rename(live.join(format!("{f}.new")), live.join(f)).unwrap();
    }
    let start = Instant::now();
    while !works(&b.join("ca.crt")) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not read again: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!works(&a.join("ca.crt")));
    // A broken file keeps the certificate served.
    std::fs::write(live.join("tls.crt"), "not a certificate").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(works(&b.join("ca.crt")));
    assert!(
        server.log().contains("keeping the certificate served"),
        "{}",
        server.log()
    );
}

#[test]
fn a_self_signed_ca_is_kept_across_restarts_and_bad_flags_are_named() {
    let tmp = tempdir("admission-restart");
    let certs = tmp.join("certs");
    let bundle = |tmp: &Path| {
        let server = Server::start(tmp, &["--self-signed", certs.to_str().unwrap()]);
        drop(server);
        std::fs::read_to_string(tmp.join("serve.out")).unwrap()
    };
    let first = bundle(&tmp);
    assert_eq!(first, bundle(&tmp));
    let out = common::palisade(
        &[
            "admission",
            "serve",
            "--self-signed",
            certs.to_str().unwrap(),
            "--pod-security",
            "strict",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("--pod-security \"strict\""),
        "{}",
        common::stderr(&out)
    );
    let out = common::palisade(
        &[
            "admission",
            "serve",
            "--tls-cert",
            "/nonexistent.crt",
            "--tls-key",
            "/nonexistent.key",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("/nonexistent.crt"),
        "{}",
        common::stderr(&out)
    );
}

/// The Python environment of tests/tools (kubernetes-validate: Kubernetes' own OpenAPI
/// schemas per version, strict).
fn venv() -> PathBuf {
    let out = Command::new("bash")
        .arg(root().join("tests/tools/pyenv.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Validates a YAML stream against Kubernetes `version`'s schemas, strictly.
fn kubernetes_validate(file: &Path, version: &str) -> Result<(), String> {
    let out = Command::new(venv().join("bin/kubernetes-validate"))
        .args(["-k", version, "--strict", "--quiet"])
        .arg(file)
        .output()
        .unwrap();
    match out.status.success() && out.stdout.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

#[test]
fn manifests_install_the_webhook_and_the_cel_policies_kubernetes_accepts() {
    let tmp = tempdir("admission-manifests");
    palisade_admission::tls::self_signed(&tmp.join("certs"), &["localhost".to_string()]).unwrap();
    let file = tmp.join("install.yaml");
    let out = common::palisade(
        &[
            "admission",
            "manifests",
            "--policy",
            &policy(),
            "--pod-security",
            "restricted",
            "--ca-file",
            tmp.join("certs/ca.crt").to_str().unwrap(),
            "--exclude-namespace",
            "monitoring",
            "-o",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let said = common::stderr(&out);
    assert!(
        said.contains("failurePolicy Fail; 3 of 6 rules also as ValidatingAdmissionPolicies"),
        "{said}"
    );
    assert!(
        said.contains("webhook only: AdmissionRule no-fixable-criticals: criticalCount gt"),
        "{said}"
    );
    assert!(
        said.contains("pod-security.kubernetes.io/enforce=restricted"),
        "{said}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let docs: Vec<Value> = palisade_policy::manifests::read("install.yaml", &text)
        .unwrap()
        .into_iter()
        .map(|m| m.object)
        .collect();
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "ValidatingWebhookConfiguration");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "ValidatingAdmissionPolicy")
            .count(),
        3
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "ValidatingAdmissionPolicyBinding")
            .count(),
        3
    );
    let hook = &docs[0]["webhooks"][0];
    assert_eq!(hook["failurePolicy"], "Fail");
    assert_eq!(hook["sideEffects"], "None");
    assert_eq!(hook["timeoutSeconds"], 5);
    assert_eq!(
        hook["namespaceSelector"]["matchExpressions"][0]["values"],
        json!(["kube-system", "palisade", "monitoring"])
    );
    let ca = std::fs::read_to_string(tmp.join("certs/ca.crt")).unwrap();
    let bundle = hook["clientConfig"]["caBundle"].as_str().unwrap();
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(bundle)
            .unwrap(),
        ca.as_bytes()
    );
    // Kubernetes' own schemas take every document, from 1.30 (ValidatingAdmissionPolicy GA).
    for version in ["1.30.0", "1.37.0"] {
        kubernetes_validate(&file, version).unwrap_or_else(|e| panic!("{version}: {e}"));
    }
    // ... and would say so if one were wrong.
    std::fs::write(
        tmp.join("bad.yaml"),
        text.replacen(
            "matchPolicy: Equivalent",
            "matchPolicy: Equivalent\n    retries: 3",
            1,
        ),
    )
    .unwrap();
    assert!(kubernetes_validate(&tmp.join("bad.yaml"), "1.37.0").is_err());

    // A policy in Monitor fails open.
    std::fs::write(tmp.join("monitor.yaml"), "apiVersion: security.palisade.dev/v1\nkind: GlobalRules\nmetadata: {name: g}\nspec:\n  admission: {mode: Monitor}\n").unwrap();
    let out = common::palisade(
        &[
            "admission",
            "manifests",
            "--policy",
            tmp.join("monitor.yaml").to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(common::stdout(&out).contains("failurePolicy: Ignore"));
    // ... unless a rule of its own protects, or unscanned images are refused.
    std::fs::write(tmp.join("mixed.yaml"), "apiVersion: security.palisade.dev/v1\nkind: GlobalRules\nmetadata: {name: g}\nspec:\n  admission: {mode: Monitor}\n---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {name: p}\nspec:\n  action: deny\n  mode: Protect\n  criteria: [{name: privileged, op: is, value: \"true\"}]\n").unwrap();
    let out = common::palisade(
        &[
            "admission",
            "manifests",
            "--policy",
            tmp.join("mixed.yaml").to_str().unwrap(),
        ],
        "",
    );
    assert!(
        common::stdout(&out).contains("failurePolicy: Fail"),
        "{}",
        common::stdout(&out)
    );
    assert!(common::stderr(&out).contains("caBundle is left to a CA injector"));
}

#[test]
fn service_accounts_bound_to_risky_roles_are_known_from_rbac_files() {
    let tmp = tempdir("admission-rbac");
    let rbac = root().join("crates/palisade-cli/tests/data/admission/rbac/operator.yaml");
    let (server, agent) = self_signed(
        &tmp,
        &["--policy", &policy(), "--rbac", rbac.to_str().unwrap()],
    );
    let url = server.url("/validate");
    let text = std::fs::read_to_string(&rbac).unwrap();
    let objects: Vec<Value> = palisade_policy::manifests::read("operator.yaml", &text)
        .unwrap()
        .into_iter()
        .map(|m| m.object)
        .filter(|o| o["kind"] == "Deployment")
        .collect();
    let verdicts: Vec<(String, bool)> = objects
        .iter()
        .map(|o| {
            let r = judge(&agent, &url, &review("v1", "CREATE", o, "alice", &[]));
            (
                o["metadata"]["name"].as_str().unwrap().to_string(),
                r["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    // cluster-admin by a ClusterRoleBinding; secrets read by a RoleBinding; nothing.
    assert_eq!(
        verdicts,
        [
            ("operator".to_string(), false),
            ("reader".to_string(), false),
            ("plain".to_string(), true)
        ]
    );
}
