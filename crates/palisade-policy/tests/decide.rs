//! What events come to under a policy: the semantics docs/policy.md writes down, case by case.

#![allow(clippy::unwrap_used)] // test setup panics on failure by design

use palisade_policy::decide::{Compiled, Decision, Event, PeerInfo, Verdict, Workload};
use palisade_policy::resources::{Direction, Protocol};
use palisade_policy::yaml::Limits;
use palisade_policy::{load, Source};

fn compiled(text: &str) -> Compiled {
    let policy = load(
        &[Source {
            name: "p.yaml",
            text,
        }],
        &Limits::default(),
    )
    .unwrap();
    Compiled::new(&policy)
}

fn shop() -> Compiled {
    let text = std::fs::read_to_string(format!(
        "{}/tests/data/shop/shop.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    compiled(&text)
}

fn workload(ns: &str, app: &str, image: &str, service: &str) -> Workload {
    Workload {
        namespace: ns.into(),
        labels: [("app".to_string(), app.to_string())].into(),
        image: image.into(),
        container: app.into(),
        node: "node-1".into(),
        service: service.into(),
    }
}

fn web() -> Workload {
    workload(
        "shop",
        "web",
        "registry.example/shop/web:1.2",
        "Deployment/web",
    )
}

fn exec<'a>(path: &'a str, name: &'a str, parent: Option<&'a str>, from_image: bool) -> Event<'a> {
    Event::Exec {
        path,
        name,
        parent,
        from_image,
    }
}

fn connect(peer: PeerInfo<'_>, port: u16, protocol: Protocol) -> Event<'_> {
    Event::Connect {
        direction: Direction::Egress,
        peer,
        port,
        protocol,
    }
}

fn said(d: &Decision) -> (Verdict, Option<&str>) {
    (d.verdict, d.rule.as_deref())
}

#[test]
fn processes_under_rules_modes_and_zero_drift() {
    let p = shop();
    let web = web();
    let profile = p.profile(&web);
    // The web rule says Monitor, the cluster rule Protect: the strictest holds.
    assert_eq!(
        profile.process_mode,
        palisade_policy::resources::Mode::Protect
    );
    let d = profile.decide(&exec("/usr/sbin/nginx", "nginx", None, true));
    assert_eq!(
        said(&d),
        (Verdict::Allow, Some("SecurityRule shop/web process[1]"))
    );
    // A shell from nginx: denied by the namespace's rule and the cluster's; deny first.
    let d = profile.decide(&exec("/bin/bash", "bash", Some("nginx"), true));
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.rule.as_deref(), Some("SecurityRule shop/web process[2]"));
    // Not on the allow list, in Protect.
    let d = profile.decide(&exec("/usr/bin/curl", "curl", Some("nginx"), true));
    assert_eq!(
        (d.verdict, d.reason),
        (Verdict::Deny, "no rule allows this process")
    );
    // Zero drift: a binary written after the container started.
    let d = profile.decide(&exec("/tmp/x", "x", None, false));
    assert_eq!(
        (d.verdict, d.reason),
        (
            Verdict::Deny,
            "zero-drift: the executable did not come with the image"
        )
    );
    // Another namespace: only the cluster rule applies.
    let blog = workload("blog", "blog", "ghost:5", "Deployment/blog");
    let d = p.decide(&blog, &exec("/bin/bash", "bash", None, true));
    assert_eq!(
        said(&d),
        (
            Verdict::Deny,
            Some("ClusterSecurityRule no-shells process[1]")
        )
    );
}

#[test]
fn files_under_deny_rules_and_process_lists() {
    let p = shop();
    let profile = p.profile(&web());
    let file = |path, write, process| Event::File {
        path,
        write,
        process,
    };
    let d = profile.decide(&file("/etc/nginx/nginx.conf", true, "nginx"));
    assert_eq!(
        said(&d),
        (Verdict::Deny, Some("SecurityRule shop/web file[1]"))
    );
    // The rule is about writes: reading is no rule's business.
    let d = profile.decide(&file("/etc/nginx/nginx.conf", false, "nginx"));
    assert_eq!((d.verdict, d.rule.is_none()), (Verdict::Allow, true));
    // Only nginx may touch its cache.
    let d = profile.decide(&file("/var/cache/nginx/a", true, "nginx"));
    assert_eq!(
        said(&d),
        (Verdict::Allow, Some("SecurityRule shop/web file[2]"))
    );
    let d = profile.decide(&file("/var/cache/nginx/a", true, "sh"));
    assert_eq!(
        (d.verdict, d.reason),
        (Verdict::Deny, "this process may not access this file")
    );
}

#[test]
fn connections_by_group_address_name_and_port() {
    let p = shop();
    let profile = p.profile(&web());
    let db = workload("shop", "db", "postgres:16", "StatefulSet/postgres");
    let to_db = PeerInfo {
        ip: Some("10.1.2.3".parse().unwrap()),
        name: None,
        workload: Some(&db),
    };
    let d = profile.decide(&connect(to_db, 5432, Protocol::Tcp));
    assert_eq!(
        said(&d),
        (Verdict::Allow, Some("SecurityRule shop/web network[1]"))
    );
    // The right peer on the wrong port, or over UDP: not allowed, and Protect blocks.
    assert_eq!(
        profile.decide(&connect(to_db, 5433, Protocol::Tcp)).verdict,
        Verdict::Deny
    );
    assert_eq!(
        profile.decide(&connect(to_db, 5432, Protocol::Udp)).verdict,
        Verdict::Deny
    );
    let by_ip = PeerInfo {
        ip: Some("203.0.113.9".parse().unwrap()),
        ..PeerInfo::default()
    };
    let d = profile.decide(&connect(by_ip, 443, Protocol::Tcp));
    assert_eq!(
        said(&d),
        (Verdict::Allow, Some("SecurityRule shop/web network[2]"))
    );
    let by_name = PeerInfo {
        name: Some("api.stripe.com"),
        ..PeerInfo::default()
    };
    assert_eq!(
        profile
            .decide(&connect(by_name, 443, Protocol::Tcp))
            .verdict,
        Verdict::Allow
    );
    let dns = PeerInfo {
        ip: Some("8.8.8.8".parse().unwrap()),
        ..PeerInfo::default()
    };
    let d = profile.decide(&connect(dns, 53, Protocol::Udp));
    assert_eq!(
        (d.verdict, d.reason),
        (Verdict::Deny, "no rule allows this connection")
    );
}

#[test]
fn each_mode_with_no_rule_for_the_event() {
    let text = |mode: &str| {
        format!(
            "apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {{name: r, namespace: shop}}
spec:
  target: {{selector: {{labels: {{app: web}}}}}}
  mode: {{process: {mode}, network: {mode}}}
  process:
    - {{path: /usr/sbin/nginx, action: allow}}
    - {{path: /bin/sh, action: deny}}
"
        )
    };
    let web = web();
    for (mode, unknown, denied) in [
        ("Discover", Verdict::Learn, Verdict::Alert),
        ("Monitor", Verdict::Alert, Verdict::Alert),
        ("Protect", Verdict::Deny, Verdict::Deny),
    ] {
        let p = compiled(&text(mode));
        let d = p.decide(&web, &exec("/usr/bin/top", "top", None, true));
        assert_eq!(d.verdict, unknown, "{mode}");
        let d = p.decide(&web, &exec("/bin/sh", "sh", None, true));
        assert_eq!(d.verdict, denied, "{mode}");
        let d = p.decide(&web, &exec("/usr/sbin/nginx", "nginx", None, true));
        assert_eq!(d.verdict, Verdict::Allow, "{mode}");
    }
    // A workload no rule targets is in Discover: everything is learned, nothing blocked.
    let p = compiled(&text("Protect"));
    let other = workload("shop", "api", "api:1", "Deployment/api");
    let d = p.decide(&other, &exec("/bin/sh", "sh", None, true));
    assert_eq!(d.verdict, Verdict::Learn);
    // The namespace of a SecurityRule bounds it.
    let elsewhere = Workload {
        namespace: "blog".into(),
        ..web.clone()
    };
    assert_eq!(
        p.decide(&elsewhere, &exec("/bin/sh", "sh", None, true))
            .verdict,
        Verdict::Learn
    );
}

/// Cases the first review found untested: a namespace's allow against a cluster's deny, label
/// `*`, bare service names, files and connections in each mode, request-level denies, a deny
/// naming processes, mapped IPv4 peers, and deep diamond-shaped groups.
#[test]
fn precedence_selectors_and_edges() {
    let text = "apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: no-curl}
spec:
  target: {selector: {namespaces: ['*']}}
  mode: {process: Monitor, network: Monitor}
  process:
    - {name: curl, action: deny}
  file:
    - {path: /etc/shadow, processes: [cat], action: deny}
---
apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {name: debug, namespace: shop}
spec:
  target: {selector: {labels: {debug: '*'}, services: [web]}}
  process:
    - {name: curl, action: allow}
  network:
    - {direction: egress, dns: ['*.evil.example'], action: deny}
    - {direction: egress, peer: {addresses: [10.0.0.0/8]}, action: allow}
";
    let p = compiled(text);
    let mut w = web();
    w.labels.insert("debug".into(), "on".into());
    // The namespace's allow does not lift the cluster's deny (Monitor: alerted, not blocked).
    let d = p.decide(&w, &exec("/usr/bin/curl", "curl", None, true));
    assert_eq!(
        said(&d),
        (
            Verdict::Alert,
            Some("ClusterSecurityRule no-curl process[1]")
        )
    );
    // `debug: '*'` needs the label set; `services: [web]` matches Deployment/web by its name.
    let e = p
        .profile(&w)
        .explain(&exec("/usr/bin/curl", "curl", None, true));
    assert_eq!(e.rules.len(), 2, "{e:?}");
    let plain = web();
    assert_eq!(
        p.profile(&plain)
            .explain(&exec("/x", "x", None, true))
            .rules
            .len(),
        1
    );
    // A deny naming processes is about those processes only.
    let file = |process| Event::File {
        path: "/etc/shadow",
        write: false,
        process,
    };
    assert_eq!(p.decide(&w, &file("cat")).verdict, Verdict::Alert);
    assert_eq!(p.decide(&w, &file("sshd")).verdict, Verdict::Allow);
    // A DNS deny is for requests: the connection is judged by the rest (allowed here), and
    // an IPv4 address seen as IPv6 is still in 10.0.0.0/8.
    let mapped = PeerInfo {
        ip: Some("::ffff:10.9.9.9".parse().unwrap()),
        ..PeerInfo::default()
    };
    let d = p.decide(&w, &connect(mapped, 443, Protocol::Tcp));
    assert_eq!(
        said(&d),
        (Verdict::Allow, Some("SecurityRule shop/debug network[2]"))
    );
    // Files and connections no rule covers, in Monitor: alerted connection, allowed file.
    let far = PeerInfo {
        ip: Some("192.0.2.1".parse().unwrap()),
        ..PeerInfo::default()
    };
    assert_eq!(
        p.decide(&w, &connect(far, 443, Protocol::Tcp)).verdict,
        Verdict::Alert
    );
    let other = Event::File {
        path: "/tmp/x",
        write: true,
        process: "sh",
    };
    assert_eq!(p.decide(&w, &other).verdict, Verdict::Allow);
}

#[test]
fn deep_diamonds_of_groups_are_walked_once() {
    // 40 levels, each group containing the next level's two: 2^40 paths, 80 groups.
    let mut text = String::new();
    for level in 0..40 {
        for side in ["a", "b"] {
            let members = if level < 39 {
                format!("groups: [g{}a, g{}b]", level + 1, level + 1)
            } else {
                "selector: {labels: {app: web}}".to_string()
            };
            text.push_str(&format!(
                "---\napiVersion: security.palisade.dev/v1\nkind: GroupDefinition\nmetadata: {{name: g{level}{side}}}\nspec: {{{members}}}\n"
            ));
        }
    }
    text.push_str("---\napiVersion: security.palisade.dev/v1\nkind: ClusterSecurityRule\nmetadata: {name: r}\nspec:\n  target: {group: g0a}\n  mode: {process: Protect}\n");
    let p = compiled(&text);
    let started = std::time::Instant::now();
    assert_eq!(
        p.profile(&web()).process_mode,
        palisade_policy::resources::Mode::Protect
    );
    let other = workload("shop", "api", "api:1", "Deployment/api");
    assert_eq!(
        p.profile(&other).process_mode,
        palisade_policy::resources::Mode::Discover
    );
    // Walked once per group: milliseconds, where a walk of every path would not end.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// The global rules: on by default for every workload, after its own rules (an allow is their
/// exception), by mode, and switched off by a GlobalRules resource.
#[test]
fn global_rules_apply_everywhere_unless_excepted_or_switched_off() {
    let p = compiled(
        "apiVersion: security.palisade.dev/v1
kind: SecurityRule
metadata: {name: ops, namespace: shop}
spec:
  target: {selector: {labels: {app: ops}}}
  mode: {process: Protect}
  process:
    - {name: sshd, action: allow}
",
    );
    let web = web();
    // No rule targets web (Discover): a global rule's deny is reported, not blocked.
    let d = p.decide(&web, &exec("/usr/sbin/sshd", "sshd", None, true));
    assert_eq!(said(&d), (Verdict::Alert, Some("global no-sshd")));
    let d = p.decide(&web, &exec("/bin/sh", "sh", Some("nginx"), true));
    assert_eq!(
        said(&d),
        (Verdict::Alert, Some("global no-shell-from-server"))
    );
    assert_eq!(
        p.decide(&web, &exec("/bin/sh", "sh", Some("cron"), true))
            .verdict,
        Verdict::Learn
    );
    for (path, name, rule) in [
        ("/usr/bin/apt-get", "apt-get", "global no-package-manager"),
        ("/usr/bin/nc", "nc", "global no-reverse-shell-tools"),
        ("/tmp/xmrig", "xmrig", "global no-miners"),
    ] {
        assert_eq!(
            p.decide(&web, &exec(path, name, None, true))
                .rule
                .as_deref(),
            Some(rule)
        );
    }
    let write = |path| Event::File {
        path,
        write: true,
        process: "sh",
    };
    assert_eq!(
        p.decide(&web, &write("/usr/bin/ls")).rule.as_deref(),
        Some("global no-binary-writes")
    );
    assert_eq!(p.decide(&web, &write("/tmp/ls")).verdict, Verdict::Allow);
    // ops allows sshd: the exception holds; in Protect, another global breach is blocked.
    let ops = workload("shop", "ops", "ops:1", "Deployment/ops");
    let d = p.decide(&ops, &exec("/usr/sbin/sshd", "sshd", None, true));
    assert_eq!(
        said(&d),
        (Verdict::Allow, Some("SecurityRule shop/ops process[1]"))
    );
    let d = p.decide(&ops, &exec("/usr/bin/apk", "apk", None, true));
    assert_eq!(said(&d), (Verdict::Deny, Some("global no-package-manager")));
    // Switched off: sshd is one more process no rule names.
    let off = compiled(
        "apiVersion: security.palisade.dev/v1
kind: GlobalRules
metadata: {name: globals}
spec: {noSshd: false}
",
    );
    let d = off.decide(&web, &exec("/usr/sbin/sshd", "sshd", None, true));
    assert_eq!((d.verdict, d.rule), (Verdict::Learn, None));
    assert_eq!(
        off.decide(&web, &exec("/usr/bin/apt", "apt", None, true))
            .rule
            .as_deref(),
        Some("global no-package-manager")
    );
}

#[test]
fn each_request_is_judged_on_its_own() {
    use palisade_policy::decide::Request;
    let policy = shop();
    let orders = workload(
        "shop",
        "orders",
        "registry.example/shop/orders:3",
        "Deployment/orders",
    );
    let p = policy.profile(&orders);
    let web = web();
    let from_web = PeerInfo {
        ip: Some("10.1.0.7".parse().unwrap()),
        name: None,
        workload: Some(&web),
    };
    let request = |direction, peer, port, protocol, request| Event::Request {
        direction,
        peer,
        port,
        protocol,
        request,
    };
    let grpc = |service, method| {
        request(
            Direction::Ingress,
            from_web,
            9090,
            Protocol::Tcp,
            Request::Grpc { service, method },
        )
    };
    // The connection is let through (a per-request allow), then each call is judged.
    let conn = Event::Connect {
        direction: Direction::Ingress,
        peer: from_web,
        port: 9090,
        protocol: Protocol::Tcp,
    };
    assert_eq!(
        said(&p.decide(&conn)),
        (Verdict::Allow, Some("SecurityRule shop/orders network[1]"))
    );
    assert_eq!(
        said(&p.decide(&grpc("shop.v1.Orders", "GetOrder"))),
        (Verdict::Allow, Some("SecurityRule shop/orders network[1]"))
    );
    assert_eq!(
        said(&p.decide(&grpc("shop.v1.Orders", "Delete"))),
        (Verdict::Deny, None)
    );
    // A deny of any peer, per request: this call is refused, the connection was not.
    assert_eq!(
        said(&p.decide(&grpc("shop.v1.Admin", "Reset"))),
        (Verdict::Deny, Some("SecurityRule shop/orders network[2]"))
    );
    // gRPC is HTTP/2: an HTTP match of POST /SERVICE/METHOD names the call too.
    let http_rule = compiled(
        "apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: api}
spec:
  target: {selector: {labels: {app: api}}}
  mode: {network: Protect}
  network:
    - direction: ingress
      http: [{method: POST, path: /shop.v1.Cart/*}, {method: GET, path: '/items/**', host: 'shop.example'}]
      action: allow
",
    );
    let api = workload("x", "api", "", "");
    let hp = http_rule.profile(&api);
    let peer = PeerInfo::default();
    let http = |method, path, host| {
        request(
            Direction::Ingress,
            peer,
            443,
            Protocol::Tcp,
            Request::Http { method, path, host },
        )
    };
    let verdict = |e: &Event<'_>| hp.decide(e).verdict;
    assert_eq!(
        verdict(&request(
            Direction::Ingress,
            peer,
            443,
            Protocol::Tcp,
            Request::Grpc {
                service: "shop.v1.Cart",
                method: "Add"
            }
        )),
        Verdict::Allow
    );
    assert_eq!(
        verdict(&http("GET", "/items/a/b?x=1", Some("Shop.Example:8443"))),
        Verdict::Allow
    );
    assert_eq!(
        verdict(&http("GET", "/items/a", Some("other.example"))),
        Verdict::Deny
    );
    assert_eq!(verdict(&http("GET", "/items/a", None)), Verdict::Deny);
    assert_eq!(
        verdict(&http("DELETE", "/items/a", Some("shop.example"))),
        Verdict::Deny
    );
    // DNS and Kafka.
    let dns = |name| {
        request(
            Direction::Egress,
            PeerInfo::default(),
            53,
            Protocol::Udp,
            Request::Dns { name },
        )
    };
    assert_eq!(p.decide(&dns("api.Stripe.com.")).verdict, Verdict::Allow);
    assert_eq!(p.decide(&dns("evil.example")).verdict, Verdict::Deny);
    let kafka_peer = PeerInfo {
        ip: None,
        name: Some("kafka.shop.svc.cluster.local"),
        workload: None,
    };
    let kafka = |topic, api| {
        request(
            Direction::Egress,
            kafka_peer,
            9092,
            Protocol::Tcp,
            Request::Kafka { topic, api },
        )
    };
    assert_eq!(p.decide(&kafka("orders.eu", 0)).verdict, Verdict::Allow);
    assert_eq!(
        p.decide(&kafka("orders.eu", 1)).verdict,
        Verdict::Deny,
        "fetch is not allowed"
    );
    assert_eq!(p.decide(&kafka("payments", 0)).verdict, Verdict::Deny);
}

#[test]
fn sensors_act_as_their_rules_say_in_each_mode() {
    use palisade_policy::decide::SensorKind;
    let policy = shop();
    let orders = workload(
        "shop",
        "orders",
        "registry.example/shop/orders:3",
        "Deployment/orders",
    );
    let p = policy.profile(&orders);
    assert_eq!(p.sensors(SensorKind::Dlp), ["card-data"]);
    assert_eq!(p.sensors(SensorKind::Waf), ["web-attacks"]);
    let find = |kind, sensor| Event::Sensor { kind, sensor };
    assert_eq!(
        said(&p.decide(&find(SensorKind::Dlp, "card-data"))),
        (Verdict::Deny, Some("SecurityRule shop/orders dlp[1]"))
    );
    assert_eq!(
        said(&p.decide(&find(SensorKind::Waf, "web-attacks"))),
        (Verdict::Alert, Some("SecurityRule shop/orders waf[1]"))
    );
    // A sensor no rule of this workload uses decides nothing.
    assert_eq!(
        said(
            &policy
                .profile(&web())
                .decide(&find(SensorKind::Dlp, "card-data"))
        ),
        (Verdict::Allow, None)
    );
    // Monitor reports a deny instead of blocking.
    let monitor = compiled(
        "apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: m}
spec:
  target: {selector: {labels: {app: orders}}}
  mode: {network: Monitor}
  dlp: [{sensor: s, action: deny}]
---
apiVersion: security.palisade.dev/v1
kind: DlpSensor
metadata: {name: s}
spec:
  patterns: [{name: ssn, builtin: ssn}]
",
    );
    assert_eq!(
        monitor.decide(&orders, &find(SensorKind::Dlp, "s")).verdict,
        Verdict::Alert
    );
}

#[test]
fn applications_are_judged_per_request_and_paths_as_servers_read_them() {
    use palisade_policy::decide::{normalize_path, Request};
    let policy = compiled(
        "apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: cache}
spec:
  target: {selector: {labels: {app: api}}}
  mode: {network: Protect}
  network:
    - {direction: egress, ports: [\"6379\"], protocol: tcp, applications: [redis], action: allow}
    - {direction: egress, applications: [ssh], action: deny}
    - {direction: ingress, ports: [\"80\"], protocol: tcp, applications: [http], action: allow}
    - {direction: ingress, http: [{path: \"/admin/**\"}], action: deny}
",
    );
    let api = workload("x", "api", "", "");
    let p = policy.profile(&api);
    let conn = |direction, port| Event::Connect {
        direction,
        peer: PeerInfo::default(),
        port,
        protocol: Protocol::Tcp,
    };
    let req = |direction, port, request| Event::Request {
        direction,
        peer: PeerInfo::default(),
        port,
        protocol: Protocol::Tcp,
        request,
    };
    // The deny of ssh does not deny the connection (its protocol is not known yet); the
    // allow of redis lets it through to be judged once it is.
    assert_eq!(
        p.decide(&conn(Direction::Egress, 6379)).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&conn(Direction::Egress, 22)).verdict,
        Verdict::Deny,
        "no allow for port 22"
    );
    let other = |application| Request::Other { application };
    assert_eq!(
        p.decide(&req(Direction::Egress, 6379, other("redis")))
            .verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&req(Direction::Egress, 6379, other("ssh")))
            .verdict,
        Verdict::Deny
    );
    assert_eq!(
        p.decide(&req(Direction::Egress, 6379, other("postgresql")))
            .verdict,
        Verdict::Deny,
        "port 6379 is for redis"
    );
    // An allow of http on port 80 is not one of anything else on port 80.
    let http = |path| Request::Http {
        method: "GET",
        path,
        host: None,
    };
    assert_eq!(
        p.decide(&req(Direction::Ingress, 80, http("/index.html")))
            .verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&req(Direction::Ingress, 80, other("ssh"))).verdict,
        Verdict::Deny
    );
    // The admin deny is not walked around by spelling.
    for path in [
        "/admin/users",
        "//admin/users",
        "/./admin/x",
        "/%61dmin/x",
        "/api/../admin/x",
    ] {
        assert_eq!(
            p.decide(&req(Direction::Ingress, 80, http(path))).verdict,
            Verdict::Deny,
            "{path}"
        );
    }
    assert_eq!(
        p.decide(&req(Direction::Ingress, 80, http("/admins")))
            .verdict,
        Verdict::Allow
    );
    assert_eq!(
        normalize_path("/a%2Fb/../c"),
        "/c",
        "an escaped slash stays inside its segment"
    );
    assert_eq!(normalize_path("/a/%2e%2e/b/"), "/b/");
    assert_eq!(normalize_path("/%zz/%4"), "/%zz/%4");
    assert_eq!(normalize_path(""), "/");
}

#[test]
fn requests_of_several_applications_and_grpc_under_http_rules() {
    use palisade_policy::decide::{normalize_path, Request};
    let policy = compiled(
        "apiVersion: security.palisade.dev/v1
kind: ClusterSecurityRule
metadata: {name: mixed}
spec:
  target: {selector: {labels: {app: api}}}
  mode: {network: Protect}
  network:
    - {direction: egress, ports: [\"80\", \"6379\", \"53\"], applications: [http, redis, dns], http: [{path: \"/v1/**\"}], action: allow}
    - {direction: ingress, applications: [http], http: [{path: \"/shop.v1.Admin/**\"}], action: deny}
    - {direction: ingress, ports: [\"9090\"], protocol: tcp, action: allow}
",
    );
    let api = workload("x", "api", "", "");
    let p = policy.profile(&api);
    let req = |direction, port, request| Event::Request {
        direction,
        peer: PeerInfo::default(),
        port,
        protocol: Protocol::Tcp,
        request,
    };
    // HTTP by its paths; redis and DNS by their names alone (the statement has no matches of
    // their kinds).
    let http = |path| Request::Http {
        method: "GET",
        path,
        host: None,
    };
    assert_eq!(
        p.decide(&req(Direction::Egress, 80, http("/v1/a"))).verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&req(Direction::Egress, 80, http("/v2/a"))).verdict,
        Verdict::Deny
    );
    assert_eq!(
        p.decide(&req(
            Direction::Egress,
            6379,
            Request::Other {
                application: "Redis"
            }
        ))
        .verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&req(
            Direction::Egress,
            53,
            Request::Dns { name: "a.example" }
        ))
        .verdict,
        Verdict::Allow
    );
    assert_eq!(
        p.decide(&req(
            Direction::Egress,
            80,
            Request::Other { application: "ssh" }
        ))
        .verdict,
        Verdict::Deny
    );
    // A gRPC call is HTTP to a rule about HTTP.
    let grpc = |service, method| Request::Grpc { service, method };
    assert_eq!(
        p.decide(&req(
            Direction::Ingress,
            9090,
            grpc("shop.v1.Admin", "Reset")
        ))
        .verdict,
        Verdict::Deny
    );
    assert_eq!(
        p.decide(&req(Direction::Ingress, 9090, grpc("shop.v1.Cart", "Add")))
            .verdict,
        Verdict::Allow
    );
    // Directories keep their slash; Java's `;parameters` go.
    assert_eq!(normalize_path("/admin/."), "/admin/");
    assert_eq!(normalize_path("/admin/x/.."), "/admin/");
    assert_eq!(normalize_path("/admin;jsessionid=1/users"), "/admin/users");
}
