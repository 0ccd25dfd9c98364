//! `policy export --learned`: what the runtime learned of a workload, written as policy that
//! reads back, allows every event it learned from, and (in Protect) refuses the rest.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

mod common;

use common::data;
use palisade_policy::decide::{Compiled, Event, PeerInfo, Request, Verdict, Workload};
use palisade_policy::learned::{to_resources, Learned};
use palisade_policy::resources::{Direction, Mode, Protocol};
use palisade_policy::yaml::{emit, Limits};
use palisade_policy::{load, Source};

#[test]
fn learned_behaviour_becomes_rules_that_allow_exactly_it() {
    let learned: Learned =
        serde_json::from_str(&std::fs::read_to_string(data("export/learned.json")).unwrap())
            .unwrap();
    let (resources, dropped) = to_resources(&learned, Mode::Protect);
    assert!(dropped.is_empty(), "{dropped:#?}");
    let text: String = resources
        .iter()
        .map(|r| format!("---\n{}", emit(r)))
        .collect();
    // Stable: the same record gives the same text.
    let again: String = to_resources(&learned, Mode::Protect)
        .0
        .iter()
        .map(|r| format!("---\n{}", emit(r)))
        .collect();
    assert_eq!(text, again);
    let policy = load(
        &[Source {
            name: "learned.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e:#?}\n{text}"));
    let kinds: Vec<String> = policy.resources.iter().map(|r| r.title()).collect();
    assert_eq!(
        kinds,
        [
            "GroupDefinition learned-shop-deployment-web",
            "GroupDefinition learned-shop-statefulset-postgres",
            "SecurityRule shop/learned-shop-deployment-web"
        ]
    );
    assert!(
        text.contains(
            "security.palisade.dev/learned: \"2026-11-30T08:00:00Z/2026-12-01T08:00:00Z\""
        ),
        "{text}"
    );
    let c = Compiled::new(&policy);
    let web = Workload {
        namespace: "shop".into(),
        service: "Deployment/web".into(),
        ..Workload::default()
    };
    let p = c.profile(&web);
    let exec = |path, name| Event::Exec {
        path,
        name,
        parent: None,
        from_image: true,
    };
    assert_eq!(
        p.decide(&exec("/usr/sbin/nginx", "nginx")).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&exec("/docker-entrypoint.sh", "docker-entrypoi"))
            .verdict,
        Verdict::Allow
    );
    assert_eq!(p.decide(&exec("/bin/sh", "sh")).verdict, Verdict::Deny);
    let write = |path, process| Event::File {
        path,
        write: true,
        process,
    };
    assert_eq!(
        p.decide(&write("/var/run/nginx.pid", "nginx")).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&write("/var/run/nginx.pid", "sh")).verdict,
        Verdict::Deny
    );
    let postgres = Workload {
        namespace: "shop".into(),
        service: "StatefulSet/postgres".into(),
        ..Workload::default()
    };
    let to_db = Event::Connect {
        direction: Direction::Egress,
        peer: PeerInfo {
            ip: Some("10.1.7.7".parse().unwrap()),
            name: None,
            workload: Some(&postgres),
        },
        port: 5432,
        protocol: Protocol::Tcp,
    };
    assert_eq!(p.decide(&to_db).verdict, Verdict::Allow);
    let http = |method, path| Event::Request {
        direction: Direction::Ingress,
        peer: PeerInfo {
            ip: Some("10.1.9.9".parse().unwrap()),
            name: None,
            workload: None,
        },
        port: 8080,
        protocol: Protocol::Tcp,
        request: Request::Http {
            method,
            path,
            host: None,
        },
    };
    assert_eq!(
        p.decide(&http("GET", "/api/items?page=9")).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&http("DELETE", "/api/items")).verdict,
        Verdict::Deny
    );
    let dns = |name| Event::Request {
        direction: Direction::Egress,
        peer: PeerInfo {
            ip: Some("10.96.0.10".parse().unwrap()),
            name: None,
            workload: None,
        },
        port: 53,
        protocol: Protocol::Udp,
        request: Request::Dns { name },
    };
    assert_eq!(p.decide(&dns("api.stripe.com")).verdict, Verdict::Allow);
    assert_eq!(p.decide(&dns("exfil.example")).verdict, Verdict::Deny);
    let tls = Event::Request {
        direction: Direction::Egress,
        peer: PeerInfo {
            ip: Some("203.0.113.99".parse().unwrap()),
            name: Some("api.stripe.com"),
            workload: None,
        },
        port: 443,
        protocol: Protocol::Tcp,
        request: Request::Tls {
            sni: "api.stripe.com",
        },
    };
    assert_eq!(p.decide(&tls).verdict, Verdict::Allow);
    // A record that is not one: serde names the line.
    let err = serde_json::from_str::<Learned>("{\"workloads\": [{\"namespace\": 1}]}").unwrap_err();
    assert_eq!(err.line(), 1);
}

#[test]
fn a_record_the_checks_refuse_in_part_gives_the_rest() {
    // Two owners whose names map the same, an address that is none, a port 0, a relative
    // file path: what loads is kept, the rest named.
    let record = r#"{"workloads": [
      {"namespace": "shop", "service": "Deployment/Web", "processes": [{"path": "/app", "name": "app"}]},
      {"namespace": "shop", "service": "deployment/web", "processes": [{"path": "/srv", "name": "srv"}],
       "files": [{"path": "relative/log", "process": "srv"}]},
      {"namespace": "shop", "service": "Job/x", "connections": [
        {"direction": "egress", "peer": {"ip": "10.0.0.300"}, "port": 0, "protocol": "tcp"}]}
    ]}"#;
    let learned: Learned = serde_json::from_str(record).unwrap();
    let (resources, dropped) = to_resources(&learned, Mode::Monitor);
    let text: String = resources
        .iter()
        .map(|r| format!("---\n{}", emit(r)))
        .collect();
    let policy = load(
        &[Source {
            name: "l.yaml",
            text: &text,
        }],
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e:#?}\n{text}"));
    let titles: Vec<String> = policy.resources.iter().map(|r| r.title()).collect();
    assert!(
        titles.contains(&"SecurityRule shop/learned-shop-deployment-web".to_string()),
        "{titles:#?}"
    );
    assert!(
        titles.contains(&"GroupDefinition learned-shop-deployment-web-2".to_string()),
        "{titles:#?}"
    );
    let said: Vec<String> = dropped
        .iter()
        .map(|(r, why)| format!("{r}: {why}"))
        .collect();
    // What could not be written is said, statement by statement; the rest of each workload's
    // rule is kept.
    assert_eq!(
        said,
        [
            "SecurityRule shop/learned-shop-deployment-web-2: file \"relative/log\": not an absolute path: left out",
            "SecurityRule shop/learned-shop-job-x: a connection to \"10.0.0.300\": not an address or a name: left out",
        ]
    );
    assert!(
        titles.contains(&"SecurityRule shop/learned-shop-deployment-web-2".to_string()),
        "{titles:#?}"
    );
    assert!(
        titles.contains(&"SecurityRule shop/learned-shop-job-x".to_string()),
        "{titles:#?}"
    );
    // An ICMP connection has no port; entries of one workload are one rule.
    let record = r#"{"workloads": [
      {"namespace": "a", "service": "Deployment/b", "connections": [{"direction": "egress", "peer": {"ip": "10.0.0.1"}, "port": 0, "protocol": "icmp"}]},
      {"namespace": "a", "service": "Deployment/b", "processes": [{"path": "/bin/b", "name": "b"}],
       "connections": [{"direction": "ingress", "peer": {}, "port": 80, "protocol": "tcp", "http": ["OPTIONS *", "GET /x"]}]}
    ]}"#;
    let (resources, dropped) = to_resources(&serde_json::from_str(record).unwrap(), Mode::Protect);
    assert_eq!(resources.len(), 2, "{resources:#?}");
    let spec = &resources[1]["spec"];
    assert_eq!(spec["network"][0]["protocol"], "icmp");
    assert!(spec["network"][0].get("ports").is_none());
    assert_eq!(
        spec["network"][1]["http"],
        serde_json::json!([{"method": "GET", "path": "/x"}])
    );
    assert_eq!(spec["process"][0]["path"], "/bin/b");
    assert_eq!(dropped.len(), 2, "{dropped:#?}");
    assert_eq!(
        dropped[0].1,
        "an ingress connection on port 80 with no peer recorded: written for any peer"
    );
    assert!(dropped[1].1.contains("\"OPTIONS *\""), "{dropped:#?}");
}
