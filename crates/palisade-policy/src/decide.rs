//! Evaluation: which rules apply to a workload, and what one event (an exec, a file access, a
//! connection) comes to under them. Pure: no I/O, no clock; the enforcer caches a workload's
//! [`Profile`] and asks it per event.
//!
//! Semantics (docs/policy.md):
//! - A rule applies to a workload when its target (a group, or a selector) matches it; a
//!   `SecurityRule` only to workloads of its own namespace.
//! - An area's mode is the strictest any applying rule sets (Protect > Monitor > Discover);
//!   Discover when none sets one.
//! - A matching `deny` statement of any applying rule decides first: a namespace's rules cannot
//!   lift a cluster rule's deny. Then a matching `allow`. Then the global rules (built in, each
//!   on unless a `GlobalRules` resource turns it off): an allow above is their exception. Then,
//!   for an exec, the `zero-drift` baseline (an executable that did not come with the image is a violation). Then the
//!   default: in Protect, a process or connection no rule allows is a violation (an allow
//!   list); a file access is allowed unless a rule about its path names other processes.
//! - A violation or a deny comes to Deny in Protect, Alert in Monitor; in Discover a violation
//!   is Learn (allowed, recorded for learning) and a deny is Alert: Discover never blocks.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::address::{parse_address, parse_port, Address};
use crate::glob::matches;
use crate::resources::{
    kafka_api, Access, Action, Baseline, Direction, FileRule, GrpcMatch, HttpMatch, Kind, Mode,
    ProcessRule, Protocol, Selector, SensorAction, SensorUse,
};
use crate::{Policy, Spec};

/// A running workload as the runtime knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// `registry/repository:tag` (and `@digest` when known).
    pub image: String,
    pub container: String,
    pub node: String,
    /// Its owner, `KIND/NAME` (`Deployment/web`).
    pub service: String,
}

/// The other end of a connection, as far as it is known.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeerInfo<'a> {
    pub ip: Option<IpAddr>,
    /// The name it was reached by (from DNS or TLS), lowercase.
    pub name: Option<&'a str>,
    pub workload: Option<&'a Workload>,
}

#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    Exec {
        path: &'a str,
        name: &'a str,
        parent: Option<&'a str>,
        /// The executable is a file of the image (not written or changed since it started).
        from_image: bool,
    },
    File {
        path: &'a str,
        write: bool,
        process: &'a str,
    },
    Connect {
        direction: Direction,
        peer: PeerInfo<'a>,
        port: u16,
        protocol: Protocol,
    },
    /// One request on a connection, once its application protocol is known: judged on its
    /// own, so one request can be denied while the next on the same connection passes.
    Request {
        direction: Direction,
        peer: PeerInfo<'a>,
        port: u16,
        protocol: Protocol,
        request: Request<'a>,
    },
    /// A DLP or WAF sensor found something in the workload's traffic.
    Sensor { kind: SensorKind, sensor: &'a str },
}

/// An application request, as the network path decoded it.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// `path` with or without its query (`?...` is not matched).
    Http {
        method: &'a str,
        path: &'a str,
        host: Option<&'a str>,
    },
    /// `service` is the full name (`shop.v1.Cart`).
    Grpc {
        service: &'a str,
        method: &'a str,
    },
    Dns {
        name: &'a str,
    },
    Tls {
        sni: &'a str,
    },
    Kafka {
        topic: &'a str,
        api: i16,
    },
    /// A connection whose application protocol is known (`redis`, `postgresql`, `ssh`, ...)
    /// and has no requests judged one by one.
    Other {
        application: &'a str,
    },
}

impl Request<'_> {
    /// The application protocol it belongs to, as rules name it.
    pub fn application(&self) -> &str {
        match self {
            Request::Http { .. } => "http",
            Request::Grpc { .. } => "grpc",
            Request::Dns { .. } => "dns",
            Request::Tls { .. } => "tls",
            Request::Kafka { .. } => "kafka",
            Request::Other { application } => application,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorKind {
    Dlp,
    Waf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Allowed by a rule or by default.
    Allow,
    /// Not covered yet, in Discover: allowed and recorded, to become a rule.
    Learn,
    /// Allowed, and reported.
    Alert,
    /// Blocked, and reported.
    Deny,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Learn => "learn",
            Verdict::Alert => "alert",
            Verdict::Deny => "deny",
        }
    }
}

/// A verdict, and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// The statement that decided (`SecurityRule shop/web process[2]`), if one did.
    pub rule: Option<String>,
    pub reason: &'static str,
}

/// A policy made ready to evaluate: patterns, addresses and ports parsed once.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    groups: BTreeMap<String, Group>,
    rules: Vec<Rule>,
    globals: Globals,
}

/// Which global rules are on.
#[derive(Debug, Clone, Copy)]
struct Globals {
    shell_from_server: bool,
    sshd: bool,
    package_manager: bool,
    binary_writes: bool,
    reverse_shell_tools: bool,
    miners: bool,
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            shell_from_server: true,
            sshd: true,
            package_manager: true,
            binary_writes: true,
            reverse_shell_tools: true,
            miners: true,
        }
    }
}

const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish",
];
/// Processes that serve the network, whose shells are an attacker's foothold.
const SERVERS: &[&str] = &[
    "nginx",
    "httpd",
    "apache2",
    "lighttpd",
    "caddy",
    "envoy",
    "haproxy",
    "traefik",
    "node",
    "java",
    "python",
    "python3",
    "php-fpm",
    "php",
    "ruby",
    "puma",
    "unicorn",
    "gunicorn",
    "uwsgi",
    "dotnet",
    "redis-server",
    "mysqld",
    "postgres",
    "mongod",
    "memcached",
];
const PACKAGE_MANAGERS: &[&str] = &[
    "apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "rpm", "microdnf", "apk", "zypper", "pip",
    "pip3",
];
const REVERSE_SHELL_TOOLS: &[&str] = &["nc", "ncat", "netcat", "socat"];
const MINERS: &[&str] = &[
    "xmrig", "minerd", "cpuminer", "ccminer", "ethminer", "t-rex", "nbminer", "lolminer",
    "cgminer", "bfgminer",
];
const BINARY_DIRS: &[&str] = &[
    "/bin/",
    "/sbin/",
    "/usr/bin/",
    "/usr/sbin/",
    "/usr/local/bin/",
    "/usr/local/sbin/",
    "/lib/",
    "/lib64/",
    "/usr/lib/",
    "/usr/lib64/",
    "/usr/local/lib/",
];

/// The global rule `event` breaks, if one that is on.
fn global(g: &Globals, event: &Event<'_>) -> Option<&'static str> {
    match *event {
        Event::Exec { name, parent, .. } => {
            let is = |list: &[&str], n: &str| list.contains(&n);
            if g.shell_from_server && is(SHELLS, name) && parent.is_some_and(|p| is(SERVERS, p)) {
                Some("global no-shell-from-server")
            } else if g.sshd && name == "sshd" {
                Some("global no-sshd")
            } else if g.package_manager && is(PACKAGE_MANAGERS, name) {
                Some("global no-package-manager")
            } else if g.reverse_shell_tools && is(REVERSE_SHELL_TOOLS, name) {
                Some("global no-reverse-shell-tools")
            } else if g.miners && is(MINERS, name) {
                Some("global no-miners")
            } else {
                None
            }
        }
        Event::File { path, write, .. } => {
            (g.binary_writes && write && BINARY_DIRS.iter().any(|d| path.starts_with(d)))
                .then_some("global no-binary-writes")
        }
        Event::Connect { .. } | Event::Request { .. } | Event::Sensor { .. } => None,
    }
}

#[derive(Debug, Clone, Default)]
struct Group {
    selector: Option<Selector>,
    addresses: Vec<Address>,
    members: Vec<String>,
}

#[derive(Debug, Clone)]
enum Target {
    Group(String),
    Selector(Selector),
}

#[derive(Debug, Clone)]
enum PeerRule {
    Any,
    Group(String),
    Addresses(Vec<Address>),
}

#[derive(Debug, Clone)]
struct NetRule {
    /// It names requests (HTTP, gRPC, DNS, TLS names, Kafka): a deny of those is for the
    /// request path, not the whole connection; an allow lets the connection through to be
    /// judged per request.
    per_request: bool,
    /// Application protocols, lowercase; any when empty.
    applications: Vec<String>,
    http: Vec<HttpMatch>,
    grpc: Vec<GrpcMatch>,
    dns: Vec<String>,
    sni: Vec<String>,
    /// Topic pattern, API key.
    kafka: Vec<(Option<String>, Option<i16>)>,
    direction: Direction,
    peer: PeerRule,
    ports: Vec<(u16, u16)>,
    protocol: Protocol,
    action: Action,
}

#[derive(Debug, Clone)]
struct Rule {
    title: String,
    namespace: Option<String>,
    target: Target,
    network_mode: Option<Mode>,
    process_mode: Option<Mode>,
    baseline: Option<Baseline>,
    process: Vec<ProcessRule>,
    file: Vec<FileRule>,
    network: Vec<NetRule>,
    dlp: Vec<SensorUse>,
    waf: Vec<SensorUse>,
}

impl Compiled {
    /// `policy` was checked when loaded: what does not parse here cannot occur, and is left
    /// out rather than trusted.
    pub fn new(policy: &Policy) -> Compiled {
        let addresses = |list: &[String]| -> Vec<Address> {
            list.iter().filter_map(|a| parse_address(a).ok()).collect()
        };
        let mut out = Compiled::default();
        for r in &policy.resources {
            match &r.spec {
                Spec::Global(g) => {
                    // Off when any GlobalRules resource says so.
                    let on = |x: Option<bool>, was: bool| was && x != Some(false);
                    let o = &mut out.globals;
                    o.shell_from_server = on(g.no_shell_from_server, o.shell_from_server);
                    o.sshd = on(g.no_sshd, o.sshd);
                    o.package_manager = on(g.no_package_manager, o.package_manager);
                    o.binary_writes = on(g.no_binary_writes, o.binary_writes);
                    o.reverse_shell_tools = on(g.no_reverse_shell_tools, o.reverse_shell_tools);
                    o.miners = on(g.no_miners, o.miners);
                }
                Spec::Group(g) => {
                    out.groups.entry(r.metadata.name.clone()).or_insert(Group {
                        selector: g.selector.clone(),
                        addresses: addresses(&g.addresses),
                        members: g.groups.clone(),
                    });
                }
                Spec::Admission(_) | Spec::Sensor(_) | Spec::Response(_) => {}
                Spec::Rule(s) => {
                    let target = match (&s.target.group, &s.target.selector) {
                        (Some(g), _) => Target::Group(g.clone()),
                        (None, Some(sel)) => Target::Selector(sel.clone()),
                        (None, None) => continue,
                    };
                    let network = s
                        .network
                        .iter()
                        .map(|n| NetRule {
                            per_request: n.per_request(),
                            applications: n
                                .applications
                                .iter()
                                .map(|a| a.to_ascii_lowercase())
                                .collect(),
                            http: n.http.clone(),
                            grpc: n.grpc.clone(),
                            dns: n.dns.iter().map(|d| d.to_ascii_lowercase()).collect(),
                            sni: n.sni.iter().map(|d| d.to_ascii_lowercase()).collect(),
                            kafka: n
                                .kafka
                                .iter()
                                .map(|k| (k.topic.clone(), k.api.as_deref().and_then(kafka_api)))
                                .collect(),
                            direction: n.direction,
                            peer: match &n.peer {
                                None => PeerRule::Any,
                                Some(p) => match &p.group {
                                    Some(g) => PeerRule::Group(g.clone()),
                                    None => PeerRule::Addresses(addresses(&p.addresses)),
                                },
                            },
                            ports: n.ports.iter().filter_map(|p| parse_port(p).ok()).collect(),
                            protocol: n.protocol,
                            action: n.action,
                        })
                        .collect();
                    out.rules.push(Rule {
                        title: r.title(),
                        namespace: match r.kind {
                            Kind::SecurityRule => {
                                Some(r.metadata.namespace.clone().unwrap_or_default())
                            }
                            _ => None,
                        },
                        target,
                        network_mode: s.mode.network,
                        process_mode: s.mode.process,
                        baseline: s.baseline,
                        process: s.process.clone(),
                        file: s.file.clone(),
                        network,
                        dlp: s.dlp.clone(),
                        waf: s.waf.clone(),
                    });
                }
            }
        }
        out
    }

    /// The rules that apply to `w`, and its modes: computed once per workload.
    pub fn profile(&self, w: &Workload) -> Profile<'_> {
        let rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.namespace.as_ref().is_none_or(|ns| *ns == w.namespace))
            .filter(|r| match &r.target {
                Target::Group(g) => self.in_group(g, w),
                Target::Selector(s) => selects(s, w),
            })
            .collect();
        let strictest = |mode: fn(&Rule) -> Option<Mode>| {
            rules
                .iter()
                .filter_map(|r| mode(r))
                .max()
                .unwrap_or(Mode::Discover)
        };
        Profile {
            policy: self,
            process_mode: strictest(|r| r.process_mode),
            network_mode: strictest(|r| r.network_mode),
            zero_drift: rules
                .iter()
                .any(|r| r.baseline == Some(Baseline::ZeroDrift)),
            rules,
        }
    }

    /// What `event` of workload `w` comes to (the profile computed for this one event).
    pub fn decide(&self, w: &Workload, event: &Event<'_>) -> Decision {
        self.profile(w).decide(event)
    }

    /// Whether some group reachable from `name` through member groups (itself included)
    /// holds by `test`. Each group is looked at once, however often it is named (a diamond of
    /// member groups is not walked twice), and without recursion.
    fn any_group(&self, name: &str, test: &dyn Fn(&Group) -> bool) -> bool {
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![name];
        while let Some(n) = todo.pop() {
            if !seen.insert(n) {
                continue;
            }
            let Some(g) = self.groups.get(n) else {
                continue;
            };
            if test(g) {
                return true;
            }
            todo.extend(g.members.iter().map(String::as_str));
        }
        false
    }

    /// Whether workload `w` is a member of group `name` (directly, or through its groups).
    fn in_group(&self, name: &str, w: &Workload) -> bool {
        self.any_group(name, &|g| {
            g.selector.as_ref().is_some_and(|s| selects(s, w))
        })
    }

    /// Whether the peer is a member of group `name`: by workload, address or name.
    fn peer_in_group(&self, name: &str, peer: &PeerInfo<'_>) -> bool {
        self.any_group(name, &|g| {
            let by_workload = match (&g.selector, peer.workload) {
                (Some(s), Some(w)) => selects(s, w),
                _ => false,
            };
            by_workload || peer_in(&g.addresses, peer)
        })
    }
}

fn peer_in(addresses: &[Address], peer: &PeerInfo<'_>) -> bool {
    addresses
        .iter()
        .any(|a| peer.ip.is_some_and(|ip| a.contains(ip)) || peer.name.is_some_and(|n| a.names(n)))
}

/// Whether every condition of `s` holds for `w`.
fn selects(s: &Selector, w: &Workload) -> bool {
    let any = |patterns: &[String], value: &str| {
        patterns.is_empty() || patterns.iter().any(|p| matches(p, value, false))
    };
    any(&s.namespaces, &w.namespace)
        && s.labels
            .iter()
            .all(|(k, v)| w.labels.get(k).is_some_and(|have| v == "*" || have == v))
        && any(&s.images, &w.image)
        && any(&s.containers, &w.container)
        && any(&s.nodes, &w.node)
        && (s.services.is_empty()
            || s.services.iter().any(|p| {
                let name = w
                    .service
                    .split_once('/')
                    .map_or(w.service.as_str(), |(_, n)| n);
                matches(p, &w.service, false) || (!p.contains('/') && matches(p, name, false))
            }))
}

/// The rules that apply to one workload.
#[derive(Debug, Clone)]
pub struct Profile<'a> {
    policy: &'a Compiled,
    rules: Vec<&'a Rule>,
    pub process_mode: Mode,
    pub network_mode: Mode,
    pub zero_drift: bool,
}

/// What a rule statement said about an event.
struct Said {
    action: Action,
    rule: String,
}

/// Why an event comes to its verdict: the rules that apply (with the modes each sets), every
/// statement that matched, and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Each applying rule: its title, and the process and network modes it sets.
    pub rules: Vec<(String, Option<Mode>, Option<Mode>)>,
    pub process_mode: Mode,
    pub network_mode: Mode,
    pub zero_drift: bool,
    /// Each matching statement and what it says.
    pub matched: Vec<(String, Action)>,
    pub decision: Decision,
}

impl Profile<'_> {
    /// `decide`, with its reasons laid out (`palisade policy explain`).
    pub fn explain(&self, event: &Event<'_>) -> Explanation {
        Explanation {
            rules: self
                .rules
                .iter()
                .map(|r| (r.title.clone(), r.process_mode, r.network_mode))
                .collect(),
            process_mode: self.process_mode,
            network_mode: self.network_mode,
            zero_drift: self.zero_drift,
            matched: self
                .statements(event)
                .into_iter()
                .map(|s| (s.rule, s.action))
                .collect(),
            decision: self.decide(event),
        }
    }

    pub fn decide(&self, event: &Event<'_>) -> Decision {
        let mode = match event {
            Event::Exec { .. } | Event::File { .. } => self.process_mode,
            Event::Connect { .. } | Event::Request { .. } | Event::Sensor { .. } => {
                self.network_mode
            }
        };
        let found = self.statements(event);
        if let Event::Sensor { .. } = event {
            return self.sensor_decision(mode, &found);
        }
        if let Some(s) = found.iter().find(|s| s.action == Action::Deny) {
            return decision(refusal(mode), Some(s.rule.clone()), "denied by a rule");
        }
        if let Some(s) = found.first() {
            return decision(Verdict::Allow, Some(s.rule.clone()), "allowed by a rule");
        }
        if let Some(rule) = global(&self.policy.globals, event) {
            return decision(
                refusal(mode),
                Some(rule.to_string()),
                "denied by a global rule",
            );
        }
        let violation = |reason| {
            let verdict = match mode {
                Mode::Protect => Verdict::Deny,
                Mode::Monitor => Verdict::Alert,
                Mode::Discover => Verdict::Learn,
            };
            decision(verdict, None, reason)
        };
        match event {
            Event::Exec { from_image, .. } if self.zero_drift && !from_image => {
                violation("zero-drift: the executable did not come with the image")
            }
            Event::Exec { .. } if mode != Mode::Discover => {
                violation("no rule allows this process")
            }
            Event::Exec { .. } => violation("a process no rule names yet"),
            Event::Connect { .. } => violation("no rule allows this connection"),
            Event::Request { .. } => violation("no rule allows this request"),
            Event::Sensor { .. } => decision(Verdict::Allow, None, "no rule uses this sensor"),
            Event::File {
                path,
                process,
                write,
            } => {
                // An allow about this path that names processes allows only those.
                let guarded = self.rules.iter().any(|r| {
                    r.file.iter().any(|f| {
                        f.action == Action::Allow
                            && !f.processes.is_empty()
                            && access(f.access, *write)
                            && matches(&f.path, path, true)
                            && !f.processes.iter().any(|p| p == process)
                    })
                });
                match guarded {
                    true => violation("this process may not access this file"),
                    false => decision(Verdict::Allow, None, "no rule is about this file"),
                }
            }
        }
    }

    /// Every statement of the applying rules that matches `event`.
    fn statements(&self, event: &Event<'_>) -> Vec<Said> {
        let mut out = Vec::new();
        for r in &self.rules {
            match *event {
                Event::Exec {
                    path, name, parent, ..
                } => {
                    for (i, p) in r.process.iter().enumerate() {
                        let ok = p.name.as_deref().is_none_or(|n| matches(n, name, false))
                            && p.path.as_deref().is_none_or(|g| matches(g, path, true))
                            && p.parent.as_deref().is_none_or(|want| {
                                parent.is_some_and(|have| matches(want, have, false))
                            });
                        if ok {
                            out.push(said(p.action, r, "process", i));
                        }
                    }
                }
                Event::File {
                    path,
                    write,
                    process,
                } => {
                    for (i, f) in r.file.iter().enumerate() {
                        let ok = access(f.access, write)
                            && matches(&f.path, path, true)
                            && (f.processes.is_empty() || f.processes.iter().any(|p| p == process));
                        if ok {
                            out.push(said(f.action, r, "file", i));
                        }
                    }
                }
                Event::Connect {
                    direction,
                    peer,
                    port,
                    protocol,
                } => {
                    for (i, n) in r.network.iter().enumerate() {
                        let ok = !(n.per_request && n.action == Action::Deny)
                            && self.connects(n, direction, &peer, port, protocol);
                        if ok {
                            out.push(said(n.action, r, "network", i));
                        }
                    }
                }
                Event::Request {
                    direction,
                    peer,
                    port,
                    protocol,
                    request,
                } => {
                    for (i, n) in r.network.iter().enumerate() {
                        let ok = self.connects(n, direction, &peer, port, protocol)
                            && (!n.per_request || request_matches(n, &request));
                        if ok {
                            out.push(said(n.action, r, "network", i));
                        }
                    }
                }
                Event::Sensor { kind, sensor } => {
                    let (area, uses) = match kind {
                        SensorKind::Dlp => ("dlp", &r.dlp),
                        SensorKind::Waf => ("waf", &r.waf),
                    };
                    for (i, u) in uses.iter().enumerate() {
                        if u.sensor == sensor {
                            let action = match u.action {
                                SensorAction::Deny => Action::Deny,
                                SensorAction::Alert => Action::Allow,
                            };
                            out.push(said(action, r, area, i));
                        }
                    }
                }
            }
        }
        out
    }

    /// Whether a network statement is about this connection: direction, protocol, port, peer.
    fn connects(
        &self,
        n: &NetRule,
        direction: Direction,
        peer: &PeerInfo<'_>,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        n.direction == direction
            && (n.protocol == Protocol::Any || n.protocol == protocol)
            && (n.ports.is_empty() || n.ports.iter().any(|&(a, b)| a <= port && port <= b))
            && match &n.peer {
                PeerRule::Any => true,
                PeerRule::Group(g) => self.policy.peer_in_group(g, peer),
                PeerRule::Addresses(list) => peer_in(list, peer),
            }
    }

    /// A sensor's find: blocked where a rule says deny (in Protect), else reported.
    fn sensor_decision(&self, mode: Mode, found: &[Said]) -> Decision {
        if let Some(s) = found.iter().find(|s| s.action == Action::Deny) {
            return decision(
                refusal(mode),
                Some(s.rule.clone()),
                "denied by a sensor rule",
            );
        }
        match found.first() {
            Some(s) => decision(Verdict::Alert, Some(s.rule.clone()), "a sensor rule alerts"),
            None => decision(Verdict::Allow, None, "no rule uses this sensor"),
        }
    }

    /// The sensors of `kind` the workload's traffic goes through.
    pub fn sensors(&self, kind: SensorKind) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .rules
            .iter()
            .flat_map(|r| match kind {
                SensorKind::Dlp => r.dlp.iter(),
                SensorKind::Waf => r.waf.iter(),
            })
            .map(|u| u.sensor.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Whether a per-request rule names `request`: its application among the rule's (when it
/// names any), and the request among the rule's matches of its kind (when it has any). A
/// gRPC call is also an HTTP/2 `POST /SERVICE/METHOD`, so HTTP matches apply to it as they do
/// on the wire.
fn request_matches(n: &NetRule, request: &Request<'_>) -> bool {
    let app = request.application();
    // gRPC is HTTP/2 on the wire: what is said of HTTP is said of it.
    let listed = |a: &String| a.eq_ignore_ascii_case(app) || (app == "grpc" && a == "http");
    if !n.applications.is_empty() && !n.applications.iter().any(listed) {
        return false;
    }
    // The statement's matches of this request's kind.
    let of_kind = match request {
        Request::Http { .. } => !n.http.is_empty(),
        Request::Grpc { .. } => !(n.grpc.is_empty() && n.http.is_empty()),
        Request::Dns { .. } => !n.dns.is_empty(),
        Request::Tls { .. } => !n.sni.is_empty(),
        Request::Kafka { .. } => !n.kafka.is_empty(),
        Request::Other { .. } => false,
    };
    if !of_kind {
        // Named by its application: every request of it. Not named at all: a statement
        // about other requests.
        return !n.applications.is_empty();
    }
    let http = |method: &str, path: &str, host: Option<&str>| {
        let path = normalize_path(path.split_once('?').map_or(path, |(p, _)| p));
        n.http.iter().any(|h| {
            h.method.as_deref().is_none_or(|m| m == "*" || m == method)
                && h.path.as_deref().is_none_or(|p| matches(p, &path, true))
                && h.host.as_deref().is_none_or(|want| {
                    host.is_some_and(|have| {
                        let have = have.rsplit_once(':').map_or(have, |(h, port)| {
                            if port.bytes().all(|b| b.is_ascii_digit()) {
                                h
                            } else {
                                have
                            }
                        });
                        matches(
                            &want.to_ascii_lowercase(),
                            &have.to_ascii_lowercase(),
                            false,
                        )
                    })
                })
        })
    };
    let name = |list: &[String], have: &str| {
        let have = have.trim_end_matches('.').to_ascii_lowercase();
        list.iter().any(|p| matches(p, &have, false))
    };
    match *request {
        Request::Http { method, path, host } => http(method, path, host),
        Request::Grpc { service, method } => {
            n.grpc.iter().any(|g| {
                g.service
                    .as_deref()
                    .is_none_or(|p| matches(p, service, false))
                    && g.method
                        .as_deref()
                        .is_none_or(|p| matches(p, method, false))
            }) || http("POST", &format!("/{service}/{method}"), None)
        }
        Request::Dns { name: q } => name(&n.dns, q),
        Request::Tls { sni } => name(&n.sni, sni),
        Request::Kafka { topic, api } => n.kafka.iter().any(|(t, a)| {
            t.as_deref().is_none_or(|p| matches(p, topic, false)) && a.is_none_or(|a| a == api)
        }),
        Request::Other { .. } => false,
    }
}

/// An HTTP path as a server resolves it, so a rule cannot be walked around by spelling:
/// percent-escapes of unreserved characters decoded (`%61` is `a`; `%2F` stays, as servers
/// keep it apart from `/`), `;parameters` of a segment dropped, repeated slashes made one,
/// `.` and `..` segments resolved (a path that ends in one ends in `/`).
pub fn normalize_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                // Two hex digits: below 256.
                let c = (h * 16 + l) as u8;
                if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
                    decoded.push(c);
                    i += 3;
                    continue;
                }
            }
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    let text = String::from_utf8_lossy(&decoded);
    let mut segments: Vec<&str> = Vec::new();
    // A path that ends in a directory (`/a/`, `/a/.`, `/a/b/..`) keeps its slash.
    let mut trailing = false;
    for seg in text.split('/') {
        // `;parameters` of a segment, which Java servers drop (`/admin;x/users`).
        let seg = seg.split(';').next().unwrap_or("");
        trailing = matches!(seg, "" | "." | "..");
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = trailing && !segments.is_empty();
    let mut out = format!("/{}", segments.join("/"));
    if trailing {
        out.push('/');
    }
    out
}

/// A deny, or a violation in a mode that does not learn: blocked in Protect, reported
/// otherwise.
fn refusal(mode: Mode) -> Verdict {
    match mode {
        Mode::Protect => Verdict::Deny,
        Mode::Monitor | Mode::Discover => Verdict::Alert,
    }
}

fn access(rule: Access, write: bool) -> bool {
    match rule {
        Access::Any => true,
        Access::Write => write,
        Access::Read => !write,
    }
}

fn said(action: Action, r: &Rule, area: &str, i: usize) -> Said {
    Said {
        action,
        rule: format!("{} {area}[{}]", r.title, i + 1),
    }
}

fn decision(verdict: Verdict, rule: Option<String>, reason: &'static str) -> Decision {
    Decision {
        verdict,
        rule,
        reason,
    }
}
