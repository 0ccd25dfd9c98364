//! Policy evaluation figures (issue 13): a policy of 1,000 groups and 1,000 namespaced rules
//! with 10 statements each (10,000 rule statements: process, file and network) plus cluster
//! rules. Prints the time to read and check it, to build a workload's profile, and p50/p99 of
//! `Profile::decide` per kind of event (the exec and packet paths ask a cached profile), HTTP
//! requests judged one by one included.
//! Run: bench/policy-bench.sh

#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark binary prints its figures

use std::fmt::Write;
use std::time::{Duration, Instant};

use palisade_policy::decide::{Compiled, Event, PeerInfo, Request, Workload};
use palisade_policy::resources::{Direction, Protocol};
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Source};

const GROUPS: usize = 1_000;

fn policy_text() -> String {
    let mut t = String::new();
    for i in 0..GROUPS {
        let _ = write!(
            t,
            "---\napiVersion: security.palisade.dev/v1\nkind: GroupDefinition\nmetadata: {{name: g{i}}}\nspec:\n  selector: {{namespaces: [ns{}], labels: {{app: app{i}}}, images: [\"registry.example/team{}/app{i}:*\"]}}\n",
            i % 100,
            i % 100
        );
    }
    for i in 0..GROUPS {
        let _ = write!(
            t,
            "---\napiVersion: security.palisade.dev/v1\nkind: SecurityRule\nmetadata: {{name: r{i}, namespace: ns{}}}\nspec:\n  target: {{group: g{i}}}\n  mode: {{process: Protect, network: Protect}}\n  baseline: zero-drift\n  process:\n    - {{name: app{i}, path: /usr/bin/app{i}, action: allow}}\n    - {{path: \"/usr/lib/app{i}/bin/*\", action: allow}}\n    - {{name: sh, parent: app{i}, action: deny}}\n    - {{path: \"/bin/*sh\", action: deny}}\n  file:\n    - {{path: \"/etc/app{i}/**\", access: write, action: deny}}\n    - {{path: \"/var/lib/app{i}/**\", processes: [app{i}], action: allow}}\n    - {{path: /etc/shadow, action: deny}}\n  network:\n    - {{direction: egress, peer: {{group: g{}}}, ports: [\"5432\"], protocol: tcp, action: allow}}\n    - {{direction: egress, peer: {{addresses: [\"10.{}.0.0/16\", \"*.svc{i}.example.com\"]}}, ports: [\"443\", \"8000-8100\"], action: allow}}\n    - {{direction: ingress, ports: [\"8080\"], protocol: tcp, http: [{{method: GET, path: \"/api/**\"}}, {{method: POST, path: /api/orders}}], action: allow}}\n    - {{direction: ingress, http: [{{path: \"/admin/**\"}}], action: deny}}\n",
            i % 100,
            (i + 1) % GROUPS,
            i % 256
        );
    }
    for i in 0..10 {
        let _ = write!(
            t,
            "---\napiVersion: security.palisade.dev/v1\nkind: ClusterSecurityRule\nmetadata: {{name: c{i}}}\nspec:\n  target: {{selector: {{namespaces: [\"*\"]}}}}\n  process:\n    - {{path: /usr/bin/miner{i}, action: deny}}\n"
        );
    }
    t
}

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    (at(0.5), at(0.99))
}

fn main() {
    let text = policy_text();
    let limits = Limits {
        max_bytes: 64 << 20,
        ..Limits::default()
    };
    let t = Instant::now();
    let policy = load(
        &[Source {
            name: "bench.yaml",
            text: &text,
        }],
        &limits,
    )
    .unwrap();
    let loaded = t.elapsed();
    let t = Instant::now();
    let compiled = Compiled::new(&policy);
    let built = t.elapsed();
    let statements: usize = policy
        .rules()
        .map(|(_, s)| s.process.len() + s.file.len() + s.network.len())
        .sum();
    println!(
        "policy: {} groups, {} rules with {} statements, {:.1} MB of YAML",
        policy.groups().count(),
        policy.rules().count(),
        statements,
        text.len() as f64 / 1e6
    );
    println!(
        "read and check: {:.0} ms; compile: {:.1} ms",
        loaded.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3
    );

    let workload = |i: usize| Workload {
        namespace: format!("ns{}", i % 100),
        labels: [("app".to_string(), format!("app{i}"))].into(),
        image: format!("registry.example/team{}/app{i}:1.0", i % 100),
        container: "main".into(),
        node: "node-1".into(),
        service: format!("Deployment/app{i}"),
    };
    let mut profile_times = Vec::new();
    for i in (0..GROUPS).step_by(10) {
        let w = workload(i);
        let t = Instant::now();
        let p = compiled.profile(&w);
        profile_times.push(t.elapsed());
        assert_eq!(p.process_mode, palisade_policy::resources::Mode::Protect);
    }
    let (p50, p99) = percentiles(profile_times);
    println!("profile of a workload (100 workloads): p50 {p50:.1} µs, p99 {p99:.1} µs");

    let i = 417;
    let w = workload(i);
    let peer_w = workload(i + 1);
    let profile = compiled.profile(&w);
    let app = format!("/usr/bin/app{i}");
    let name = format!("app{i}");
    let lib = format!("/var/lib/app{i}/data/x");
    let rounds = 100_000;
    let mut kinds: Vec<(&str, Vec<Event<'_>>)> = vec![
        (
            "exec",
            vec![
                Event::Exec {
                    path: &app,
                    name: &name,
                    parent: None,
                    from_image: true,
                },
                Event::Exec {
                    path: "/bin/bash",
                    name: "bash",
                    parent: Some(&name),
                    from_image: true,
                },
                Event::Exec {
                    path: "/usr/bin/curl",
                    name: "curl",
                    parent: Some(&name),
                    from_image: true,
                },
                Event::Exec {
                    path: "/tmp/x",
                    name: "x",
                    parent: None,
                    from_image: false,
                },
            ],
        ),
        (
            "file",
            vec![
                Event::File {
                    path: "/etc/app417/app.conf",
                    write: true,
                    process: &name,
                },
                Event::File {
                    path: &lib,
                    write: true,
                    process: &name,
                },
                Event::File {
                    path: &lib,
                    write: true,
                    process: "sh",
                },
                Event::File {
                    path: "/usr/share/doc/x",
                    write: false,
                    process: &name,
                },
            ],
        ),
    ];
    let db = PeerInfo {
        ip: Some("10.5.0.9".parse().unwrap()),
        name: None,
        workload: Some(&peer_w),
    };
    let ext = PeerInfo {
        ip: Some("10.161.3.4".parse().unwrap()),
        name: Some("api.svc417.example.com"),
        workload: None,
    };
    let far = PeerInfo {
        ip: Some("192.0.2.1".parse().unwrap()),
        name: None,
        workload: None,
    };
    kinds.push((
        "connect",
        vec![
            Event::Connect {
                direction: Direction::Egress,
                peer: db,
                port: 5432,
                protocol: Protocol::Tcp,
            },
            Event::Connect {
                direction: Direction::Egress,
                peer: ext,
                port: 8080,
                protocol: Protocol::Tcp,
            },
            Event::Connect {
                direction: Direction::Egress,
                peer: far,
                port: 443,
                protocol: Protocol::Tcp,
            },
            Event::Connect {
                direction: Direction::Ingress,
                peer: far,
                port: 8080,
                protocol: Protocol::Tcp,
            },
        ],
    ));
    let http = |method, path| Event::Request {
        direction: Direction::Ingress,
        peer: far,
        port: 8080,
        protocol: Protocol::Tcp,
        request: Request::Http {
            method,
            path,
            host: Some("shop.example"),
        },
    };
    kinds.push((
        "request",
        vec![
            http("GET", "/api/items/42?full=1"),
            http("POST", "/api/orders"),
            http("GET", "/admin/users"),
            http("DELETE", "/api/items/42"),
        ],
    ));
    // The events take every path: allowed by a rule, denied by one, not on the allow list.
    use palisade_policy::decide::Verdict::{Allow, Deny};
    let want = [
        [Allow, Deny, Deny, Deny],
        [Deny, Allow, Deny, Allow],
        [Allow, Allow, Deny, Allow],
        [Allow, Allow, Deny, Deny],
    ];
    for ((kind, events), want) in kinds.iter().zip(want) {
        let got: Vec<_> = events.iter().map(|e| profile.decide(e).verdict).collect();
        assert_eq!(got, want, "{kind}");
    }
    for (kind, events) in &kinds {
        let mut times = Vec::with_capacity(rounds);
        for n in 0..rounds {
            let e = &events[n % events.len()];
            let t = Instant::now();
            let d = profile.decide(e);
            times.push(t.elapsed());
            std::hint::black_box(d);
        }
        let (p50, p99) = percentiles(times);
        println!(
            "decide {kind} (cached profile, {rounds} events): p50 {p50:.2} µs, p99 {p99:.2} µs"
        );
    }
    let mut times = Vec::new();
    for n in 0..1_000 {
        let e = &kinds[0].1[n % 4];
        let t = Instant::now();
        std::hint::black_box(compiled.decide(&w, e));
        times.push(t.elapsed());
    }
    let (p50, p99) = percentiles(times);
    println!("decide exec with no cached profile (1,000 events): p50 {p50:.1} µs, p99 {p99:.1} µs");
}
