//! The admission webhook as a test drives it: `palisade admission serve` on a free loopback
//! port, a keep-alive HTTPS client trusting its CA, and reviews as the API server sends them.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running `palisade admission serve`; stopped when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the webhook on a free loopback port with `args` after `--listen`, and waits
    /// until it says where it serves.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let log = dir.join(format!("serve-{}.log", args.len()));
        let out = std::fs::File::create(dir.join("serve.out")).unwrap();
        let child = super::command()
            .env("PALISADE_STORE", dir.join("store.db"))
            .args(["admission", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            addr: String::new(),
            log,
        };
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(at) = text.split("serving https://").nth(1) {
                server.addr = at.split('/').next().unwrap().to_string();
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the webhook stopped ({status}): {text}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no start: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `https://localhost:PORT{path}`: the name the certificates are made for.
    pub fn url(&self, path: &str) -> String {
        let port = self.addr.rsplit(':').next().unwrap_or_default();
        format!("https://localhost:{port}{path}")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

/// `palisade admission serve --self-signed DIR/certs ARGS...`, and a client trusting its CA.
pub fn self_signed(dir: &Path, args: &[&str]) -> (Server, ureq::Agent) {
    let certs = dir.join("certs");
    let mut all = vec!["--self-signed", certs.to_str().unwrap()];
    all.extend_from_slice(args);
    let server = Server::start(dir, &all);
    (server, client(&certs.join("ca.crt")))
}

/// A keep-alive HTTPS client trusting only `ca`.
pub fn client(ca: &Path) -> ureq::Agent {
    let pem = std::fs::read(ca).unwrap();
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|i| match i {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// POSTs `body` to `url`: the status and the body read as JSON.
pub fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> (u16, Value) {
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn get(agent: &ureq::Agent, url: &str) -> (u16, String) {
    let mut resp = agent.get(url).call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

/// The review the API server sends about `object`.
pub fn review(
    version: &str,
    operation: &str,
    object: &Value,
    user: &str,
    groups: &[&str],
) -> Value {
    let api = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, v) = api.split_once('/').unwrap_or(("", api));
    let kind = object["kind"].as_str().unwrap_or("");
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let mut request = json!({
        "uid": format!("uid-{kind}-{operation}-{}", object["metadata"]["name"].as_str().unwrap_or("")),
        "kind": {"group": group, "version": v, "kind": kind},
        "resource": {"group": group, "version": v, "resource": format!("{}s", kind.to_lowercase())},
        "operation": operation,
        "namespace": namespace,
        "name": object["metadata"]["name"],
        "userInfo": {"username": user, "groups": groups},
        "dryRun": false,
    });
    match operation {
        "DELETE" => request["oldObject"] = object.clone(),
        _ => request["object"] = object.clone(),
    }
    json!({"apiVersion": format!("admission.k8s.io/{version}"), "kind": "AdmissionReview", "request": request})
}

pub fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// Sends a review and returns its response, checking the envelope the API server checks.
pub fn judge(agent: &ureq::Agent, url: &str, review: &Value) -> Value {
    let (status, answer) = post(agent, url, &bytes(review));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["apiVersion"], review["apiVersion"]);
    assert_eq!(answer["kind"], "AdmissionReview");
    assert_eq!(answer["response"]["uid"], review["request"]["uid"]);
    for w in answer["response"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert!(w.as_str().unwrap().chars().count() <= 120, "{w}");
    }
    answer["response"].clone()
}
