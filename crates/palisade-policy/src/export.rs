//! `palisade policy export --to networkpolicy|cilium|kubearmor`: the parts of a policy other
//! enforcers can carry, written as their resources. Kubernetes NetworkPolicy and
//! CiliumNetworkPolicy take network rules (Cilium with its L7 HTTP, DNS and Kafka rules);
//! KubeArmorPolicy takes process and file rules. What a target cannot express is listed with
//! the reason, never dropped unsaid; a statement exported without one of its conditions
//! (and so looser than written) is listed too.
//!
//! Only rules in Protect are exported as blocking policy: these enforcers have no per-policy
//! monitor mode (Cilium's audit mode and KubeArmor's default posture are agent-wide), and a
//! Monitor rule exported as blocking would stop what it only reports.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::address::{cidr_text, parse_address, parse_port, range_cidrs, Address};
use crate::resources::{
    kafka_api, Access, Action, Direction, GroupSpec, Kind, Mode, NetworkRule, Peer, Protocol,
    RuleSpec, Selector,
};
use crate::{Policy, Resource, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    NetworkPolicy,
    /// Cilium as of 1.20, which removed Kafka rules.
    Cilium,
    /// Cilium up to 1.19, with Kafka rules.
    Cilium119,
    KubeArmor,
}

impl Target {
    pub fn parse(name: &str) -> Option<Target> {
        match name {
            "networkpolicy" => Some(Target::NetworkPolicy),
            "cilium" => Some(Target::Cilium),
            "cilium-1.19" => Some(Target::Cilium119),
            "kubearmor" => Some(Target::KubeArmor),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Target::NetworkPolicy => "NetworkPolicy",
            Target::Cilium | Target::Cilium119 => "CiliumNetworkPolicy",
            Target::KubeArmor => "KubeArmorPolicy",
        }
    }
}

/// A statement (or a whole resource) that was not exported as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unmapped {
    /// `SecurityRule shop/web`.
    pub resource: String,
    /// `network[2]`, `process[1]`, or empty for the whole resource.
    pub part: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Export {
    pub resources: Vec<Value>,
    pub unmapped: Vec<Unmapped>,
}

/// Workloads as a label selector can say them: namespaces (`None`: any) and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pods {
    namespaces: Option<Vec<String>>,
    labels: BTreeMap<String, String>,
}

impl Pods {
    /// `matchLabels` and `matchExpressions` (a label of value `*` only has to exist).
    fn label_selector(&self, extra: Vec<Value>) -> Value {
        let mut exprs = extra;
        let mut equal = serde_json::Map::new();
        for (k, v) in &self.labels {
            match v.as_str() {
                "*" => exprs.push(json!({"key": k, "operator": "Exists"})),
                _ => {
                    equal.insert(k.clone(), json!(v));
                }
            }
        }
        let mut out = serde_json::Map::new();
        if !equal.is_empty() {
            out.insert("matchLabels".into(), Value::Object(equal));
        }
        if !exprs.is_empty() {
            out.insert("matchExpressions".into(), Value::Array(exprs));
        }
        Value::Object(out)
    }
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// A selector as pods by labels, or why it cannot be.
fn pods(s: &Selector) -> Result<Pods, String> {
    let mut unsaid = Vec::new();
    for (what, list) in [
        ("images", &s.images),
        ("containers", &s.containers),
        ("nodes", &s.nodes),
        ("services", &s.services),
    ] {
        if !list.is_empty() {
            unsaid.push(what);
        }
    }
    if !unsaid.is_empty() {
        return Err(format!(
            "selects by {}: a label selector cannot say that (select by labels instead)",
            unsaid.join(", ")
        ));
    }
    if let Some((k, v)) = s.labels.iter().find(|(_, v)| *v != "*" && has_glob(v)) {
        return Err(format!("label {k}={v}: a label selector has no wildcards"));
    }
    let namespaces = match s.namespaces.as_slice() {
        [] => None,
        list if list.iter().any(|n| n == "*") => None,
        list => match list.iter().find(|n| has_glob(n)) {
            Some(n) => {
                return Err(format!(
                    "namespace pattern {n:?}: a selector lists namespaces by name"
                ))
            }
            None => Some(list.to_vec()),
        },
    };
    Ok(Pods {
        namespaces,
        labels: s.labels.clone(),
    })
}

/// What a group holds, its member groups' included: pod selectors and addresses.
#[derive(Debug, Default)]
struct Members {
    pods: Vec<Pods>,
    addresses: Vec<Address>,
}

fn members(policy: &Groups<'_>, name: &str) -> Result<Members, String> {
    let mut out = Members::default();
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![name];
    while let Some(n) = todo.pop() {
        if !seen.insert(n) {
            continue;
        }
        let Some(g) = policy.get(n) else { continue };
        if let Some(s) = &g.selector {
            out.pods
                .push(pods(s).map_err(|why| format!("group {n:?} {why}"))?);
        }
        out.addresses
            .extend(g.addresses.iter().filter_map(|a| parse_address(a).ok()));
        todo.extend(g.groups.iter().map(String::as_str));
    }
    Ok(out)
}

type Groups<'a> = BTreeMap<&'a str, &'a GroupSpec>;

/// The label Cilium gives every endpoint for its namespace.
const NAMESPACE_LABEL: &str = "k8s:io.kubernetes.pod.namespace";

/// The workloads a rule is about, as pod selectors.
fn targets(groups: &Groups<'_>, r: &Resource, spec: &RuleSpec) -> Result<Vec<Pods>, String> {
    let mut list = match (&spec.target.group, &spec.target.selector) {
        (Some(g), _) => {
            let m = members(groups, g)?;
            if !m.addresses.is_empty() {
                return Err(format!(
                    "group {g:?} holds addresses: a policy selects pods"
                ));
            }
            m.pods
        }
        (None, Some(s)) => vec![pods(s)?],
        (None, None) => Vec::new(),
    };
    // A SecurityRule is about its own namespace only.
    if let (Kind::SecurityRule, Some(ns)) = (r.kind, &r.metadata.namespace) {
        list.retain_mut(|p| match &p.namespaces {
            None => {
                p.namespaces = Some(vec![ns.clone()]);
                true
            }
            Some(list) if list.contains(ns) => {
                p.namespaces = Some(vec![ns.clone()]);
                true
            }
            Some(_) => false,
        });
    }
    Ok(list)
}

/// Kubernetes resource names: the rule's name, and an index when one rule makes several.
fn object_name(r: &Resource, i: usize, n: usize) -> String {
    // A cluster rule and a namespace's rule of one name stay apart.
    let scope = match r.kind {
        Kind::ClusterSecurityRule => "cluster-",
        _ => "",
    };
    let mut name = r.metadata.name.clone();
    name.truncate(220);
    let base = format!("palisade-{scope}{}", name.trim_end_matches(['-', '.']));
    match n {
        1 => base,
        _ => format!("{base}-{}", i + 1),
    }
}

/// Names unique per kind and namespace (a rule `web-2` and the second part of `web` would
/// meet): a later one gets `-x2`, `-x3`, ...
fn unique_names(resources: &mut [Value]) {
    let mut seen = std::collections::BTreeSet::new();
    for r in resources {
        let id = |r: &Value, name: &str| {
            (
                r["kind"].as_str().unwrap_or("").to_string(),
                r["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                name.to_string(),
            )
        };
        let name = r["metadata"]["name"].as_str().unwrap_or("").to_string();
        let mut candidate = name.clone();
        let mut k = 2;
        while !seen.insert(id(r, &candidate)) {
            candidate = format!("{name}-x{k}");
            k += 1;
        }
        r["metadata"]["name"] = json!(candidate);
    }
}

fn metadata(r: &Resource, name: String, namespace: Option<&str>) -> Value {
    let mut m = json!({
        "name": name,
        "labels": {"app.kubernetes.io/managed-by": "palisade"},
        "annotations": {"security.palisade.dev/source": r.title()},
    });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// Exports every rule of `policy` to `to`.
pub fn export(policy: &Policy, to: Target) -> Export {
    let groups: Groups<'_> = policy
        .groups()
        .map(|(r, g)| (r.metadata.name.as_str(), g))
        .collect();
    let mut out = Export::default();
    for r in &policy.resources {
        let spec = match &r.spec {
            Spec::Rule(s) => s,
            Spec::Group(_) => continue,
            Spec::Global(_) => {
                out.unmapped.push(whole(
                    r,
                    format!("{} has no global built-in rules", to.name()),
                ));
                continue;
            }
            Spec::Admission(_) => {
                out.unmapped.push(whole(
                    r,
                    "admission rules are not enforcer policy (palisade admission serves them)"
                        .into(),
                ));
                continue;
            }
            Spec::Sensor(_) => {
                out.unmapped
                    .push(whole(r, format!("{} has no DLP or WAF sensors", to.name())));
                continue;
            }
            Spec::Response(_) => {
                out.unmapped
                    .push(whole(r, format!("{} has no response rules", to.name())));
                continue;
            }
        };
        match to {
            Target::NetworkPolicy | Target::Cilium | Target::Cilium119 => {
                network(&groups, r, spec, to, &mut out)
            }
            Target::KubeArmor => kubearmor(&groups, r, spec, &mut out),
        }
    }
    unique_names(&mut out.resources);
    out
}

fn whole(r: &Resource, reason: String) -> Unmapped {
    Unmapped {
        resource: r.title(),
        part: String::new(),
        reason,
    }
}

fn unmapped(r: &Resource, part: String, reason: impl Into<String>) -> Unmapped {
    Unmapped {
        resource: r.title(),
        part,
        reason: reason.into(),
    }
}

/// The areas a rule says nothing to a target about, listed once each.
fn other_areas(r: &Resource, spec: &RuleSpec, to: Target, out: &mut Export) {
    let areas: &[(&str, bool)] = match to {
        Target::KubeArmor => &[
            ("network", !spec.network.is_empty()),
            ("dlp", !spec.dlp.is_empty()),
            ("waf", !spec.waf.is_empty()),
        ],
        _ => &[
            ("process", !spec.process.is_empty()),
            ("file", !spec.file.is_empty()),
            ("dlp", !spec.dlp.is_empty()),
            ("waf", !spec.waf.is_empty()),
        ],
    };
    for (area, present) in areas {
        if *present {
            let hint = match (*area, to) {
                ("network", _) => "export it --to networkpolicy or --to cilium",
                ("process" | "file", _) => "export it --to kubearmor",
                _ => "only Palisade's network path runs sensors",
            };
            out.unmapped.push(unmapped(
                r,
                area.to_string(),
                format!("{} does not carry {area} rules ({hint})", to.name()),
            ));
        }
    }
}

// ---- NetworkPolicy and Cilium ----

/// One peer as the target writes it, or why it cannot be.
fn peers(
    groups: &Groups<'_>,
    peer: Option<&Peer>,
    to: Target,
) -> Result<Option<Vec<Value>>, String> {
    let Some(peer) = peer else { return Ok(None) };
    let (pod_list, addresses) = match &peer.group {
        Some(g) => {
            let m = members(groups, g)?;
            (m.pods, m.addresses)
        }
        None => (
            Vec::new(),
            peer.addresses
                .iter()
                .filter_map(|a| parse_address(a).ok())
                .collect(),
        ),
    };
    let mut out = Vec::new();
    for p in &pod_list {
        out.push(match to {
            Target::NetworkPolicy => {
                let ns = match &p.namespaces {
                    None => json!({}),
                    Some(list) => json!({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": list}]}),
                };
                json!({"namespaceSelector": ns, "podSelector": p.label_selector(vec![])})
            }
            _ => {
                // Without a namespace, Cilium means the policy's own: any is said outright.
                let ns = match &p.namespaces {
                    Some(list) => json!({"key": NAMESPACE_LABEL, "operator": "In", "values": list}),
                    None => json!({"key": NAMESPACE_LABEL, "operator": "Exists"}),
                };
                json!({"endpoints": p.label_selector(vec![ns])})
            }
        });
    }
    for a in &addresses {
        let cidrs = match a {
            Address::Cidr(ip, len) => vec![cidr_text(*ip, *len)],
            Address::Range(x, y) => range_cidrs(*x, *y),
            Address::Name(n) | Address::Wildcard(n) => {
                let wild = matches!(a, Address::Wildcard(_));
                match to {
                    Target::Cilium | Target::Cilium119 => {
                        out.push(match wild {
                            // Any depth below it, as Palisade's wildcard.
                            true => json!({"fqdn": {"matchPattern": format!("**.{n}")}}),
                            false => json!({"fqdn": {"matchName": n}}),
                        });
                        continue;
                    }
                    _ => {
                        return Err(format!(
                            "peer {}{n}: NetworkPolicy has no DNS names (--to cilium has)",
                            if wild { "*." } else { "" }
                        ))
                    }
                }
            }
        };
        for c in cidrs {
            out.push(match to {
                Target::NetworkPolicy => json!({"ipBlock": {"cidr": c}}),
                _ => json!({"cidr": c}),
            });
        }
    }
    Ok(Some(out))
}

/// Ports as `(first, last)`, and the protocols to write (both TCP and UDP for any).
/// A statement's port ranges, and the protocols to write them for.
type Ports = (Vec<(u16, u16)>, Vec<&'static str>);

fn ports(n: &NetworkRule, to: Target) -> Result<Ports, String> {
    let protocols = match (n.protocol, to) {
        (Protocol::Tcp, _) => vec!["TCP"],
        (Protocol::Udp, _) => vec!["UDP"],
        (Protocol::Any, _) => vec!["TCP", "UDP", "SCTP"],
        (Protocol::Icmp, Target::NetworkPolicy) => {
            return Err("ICMP: NetworkPolicy allows TCP, UDP and SCTP ports only".into())
        }
        (Protocol::Icmp, _) => {
            return Err("ICMP: Cilium matches ICMP by type, and the rule names none".into())
        }
    };
    Ok((
        n.ports.iter().filter_map(|p| parse_port(p).ok()).collect(),
        protocols,
    ))
}

/// A Palisade path glob as the regular expression Cilium matches paths with.
fn glob_regex(glob: &str, path: bool) -> String {
    let mut out = String::new();
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(".*");
            }
            '*' if path => out.push_str("[^/]*"),
            '*' => out.push_str(".*"),
            '?' if path => out.push_str("[^/]"),
            '?' => out.push('.'),
            c if "\\.+()|[]{}^$".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A statement's requests as Cilium says them.
#[derive(Default)]
struct CiliumL7 {
    /// `rules` of the port rule: one kind (HTTP, DNS or Kafka).
    rules: Option<Value>,
    server_names: Vec<String>,
    /// Conditions left out (the statement is looser, or narrower, than written).
    lost: Vec<String>,
    /// Why Cilium would refuse the statement (and with it the whole policy): not exported.
    refused: Option<String>,
}

/// Kafka's API keys by the names Cilium's rules take, in key order (0 is `produce`).
const CILIUM_KAFKA_APIS: [&str; 23] = [
    "produce",
    "fetch",
    "offsets",
    "metadata",
    "leaderandisr",
    "stopreplica",
    "updatemetadata",
    "controlledshutdown",
    "offsetcommit",
    "offsetfetch",
    "findcoordinator",
    "joingroup",
    "heartbeat",
    "leavegroup",
    "syncgroup",
    "describegroups",
    "listgroups",
    "saslhandshake",
    "apiversions",
    "createtopics",
    "deletetopics",
    "deleterecords",
    "initproducerid",
];

/// A DNS name pattern as Cilium writes it: a leading `*.` is `**.` (any depth, as Palisade's
/// `*` crosses dots); a `*` elsewhere stays within one label there (narrower, said); `?` has
/// no Cilium form.
fn cilium_name(pattern: &str, lost: &mut Vec<String>) -> Result<String, String> {
    if pattern.contains('?') {
        return Err(format!(
            "name pattern {pattern:?}: Cilium's names have no `?`"
        ));
    }
    let (deep, rest) = match pattern.strip_prefix("*.") {
        Some(r) => (true, r),
        None => (false, pattern),
    };
    if rest.contains('*') {
        lost.push(format!(
            "the reach of `*` in {pattern:?} (Cilium's stays within one label: narrower)"
        ));
    }
    Ok(match deep {
        true => format!("**.{rest}"),
        false => pattern.to_string(),
    })
}

/// Cilium's L7 rules and server names for a statement with its ports.
fn cilium_l7(n: &NetworkRule, kafka_rules: bool, ports: &[(u16, u16)]) -> CiliumL7 {
    let mut out = CiliumL7::default();
    let mut http: Vec<Value> = n
        .http
        .iter()
        .map(|h| {
            let mut rule = serde_json::Map::new();
            if let Some(m) = h.method.as_deref().filter(|m| *m != "*") {
                rule.insert("method".into(), json!(m));
            }
            if let Some(p) = &h.path {
                rule.insert("path".into(), json!(glob_regex(p, true)));
            }
            if let Some(host) = &h.host {
                rule.insert("host".into(), json!(glob_regex(host, false)));
            }
            Value::Object(rule)
        })
        .collect();
    // gRPC is HTTP/2 POST /SERVICE/METHOD.
    for g in &n.grpc {
        let service = g
            .service
            .as_deref()
            .map_or("[^/]+".into(), |s| glob_regex(s, true));
        let method = g
            .method
            .as_deref()
            .map_or("[^/]+".into(), |m| glob_regex(m, true));
        http.push(json!({"method": "POST", "path": format!("/{service}/{method}")}));
    }
    let mut dns = Vec::new();
    for d in &n.dns {
        match cilium_name(d, &mut out.lost) {
            Ok(p) if has_glob(&p) => dns.push(json!({"matchPattern": p})),
            Ok(p) => dns.push(json!({"matchName": p})),
            Err(why) => out.refused = Some(why),
        }
    }
    for name in &n.sni {
        match cilium_name(name, &mut out.lost) {
            Ok(p) => out.server_names.push(p),
            Err(why) => out.refused = Some(why),
        }
    }
    if !kafka_rules && !n.kafka.is_empty() {
        out.lost.push(
            "Kafka matches (Cilium 1.20 removed Kafka rules; --to cilium-1.19 writes them)".into(),
        );
    }
    let mut kafka = Vec::new();
    for k in n.kafka.iter().filter(|_| kafka_rules) {
        let mut rule = serde_json::Map::new();
        if let Some(t) = &k.topic {
            if has_glob(t) {
                out.lost.push(format!(
                    "Kafka topic pattern {t:?} (Cilium matches topics by name)"
                ));
                continue;
            }
            rule.insert("topic".into(), json!(t));
        }
        if let Some(api) = &k.api {
            let name = kafka_api(api)
                .and_then(|key| usize::try_from(key).ok())
                .and_then(|key| CILIUM_KAFKA_APIS.get(key));
            match name {
                Some(n) => {
                    rule.insert("apiKey".into(), json!(n));
                }
                None => {
                    out.lost
                        .push(format!("Kafka API {api:?} (no Cilium name for it)"));
                    continue;
                }
            }
        }
        kafka.push(Value::Object(rule));
    }
    if !n.applications.is_empty() {
        out.lost.push(format!("applications {:?}", n.applications));
    }
    let by_port =
        !(http.is_empty() && dns.is_empty() && kafka.is_empty() && out.server_names.is_empty());
    let kinds = [!http.is_empty(), !dns.is_empty(), !kafka.is_empty()];
    let refuse = if kinds.iter().filter(|k| **k).count() > 1 {
        Some("more than one kind of request match: Cilium takes one per port")
    } else if by_port && ports.is_empty() {
        Some("requests or server names on every port: Cilium's L7 rules need a port")
    } else if !out.server_names.is_empty() && (!http.is_empty() || !kafka.is_empty()) {
        Some("server names with HTTP or Kafka rules: Cilium would have to terminate TLS")
    } else if !dns.is_empty() && n.direction == Direction::Ingress {
        Some("DNS rules on ingress: Cilium takes them on egress only")
    } else if !dns.is_empty() && ports.iter().any(|(a, b)| a != b) {
        Some("DNS rules on a range of ports: Cilium takes them on single ports")
    } else {
        None
    };
    if let Some(why) = refuse {
        out.refused = Some(why.into());
    }
    out.rules = if !http.is_empty() {
        Some(json!({"http": http}))
    } else if !dns.is_empty() {
        Some(json!({"dns": dns}))
    } else if !kafka.is_empty() {
        Some(json!({"kafka": kafka}))
    } else {
        None
    };
    out
}

fn network(groups: &Groups<'_>, r: &Resource, spec: &RuleSpec, to: Target, out: &mut Export) {
    other_areas(r, spec, to, out);
    // A rule in Protect with no statement is a lockdown: nothing in, nothing out.
    if spec.network.is_empty() && spec.mode.network != Some(Mode::Protect) {
        return;
    }
    if spec.mode.network != Some(Mode::Protect) {
        out.unmapped.push(unmapped(
            r,
            "network".into(),
            format!(
                "network mode {}: {} only blocks; export rules in Protect",
                spec.mode
                    .network
                    .map_or("unset".to_string(), |m| format!("{m:?}")),
                to.name()
            ),
        ));
        return;
    }
    let targets = match targets(groups, r, spec) {
        Ok(t) => t,
        Err(why) => {
            out.unmapped.push(unmapped(r, "target".into(), why));
            return;
        }
    };
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    let mut ingress_deny = Vec::new();
    let mut egress_deny = Vec::new();
    // Whether an egress rule names DNS names: Cilium learns their addresses only from DNS
    // answers its proxy sees, so the policy must let DNS through that proxy.
    let mut fqdns = false;
    for (i, n) in spec.network.iter().enumerate() {
        let part = format!("network[{}]", i + 1);
        let peer = match peers(groups, n.peer.as_ref(), to) {
            Ok(p) => p,
            Err(why) => {
                out.unmapped.push(unmapped(r, part, why));
                continue;
            }
        };
        let (port_list, protocols) = match ports(n, to) {
            Ok(p) => p,
            Err(why) => {
                out.unmapped.push(unmapped(r, part, why));
                continue;
            }
        };
        let statement = match to {
            Target::NetworkPolicy => {
                if n.action == Action::Deny {
                    out.unmapped.push(unmapped(
                        r,
                        part,
                        "NetworkPolicy only allows: what no policy allows is denied",
                    ));
                    continue;
                }
                let per_request = n.per_request();
                if per_request {
                    out.unmapped.push(unmapped(
                        r,
                        part.clone(),
                        "exported without its application and request matches (NetworkPolicy stops at ports): looser than written; --to cilium keeps HTTP, DNS and Kafka",
                    ));
                }
                let mut ports_out = Vec::new();
                for proto in &protocols {
                    if port_list.is_empty() {
                        ports_out.push(json!({"protocol": proto}));
                    }
                    for (a, b) in &port_list {
                        let mut p = json!({"protocol": proto, "port": a});
                        if b != a {
                            p["endPort"] = json!(b);
                        }
                        ports_out.push(p);
                    }
                }
                let key = match n.direction {
                    Direction::Ingress => "from",
                    Direction::Egress => "to",
                };
                let mut s = json!({});
                if let Some(list) = peer {
                    s[key] = Value::Array(list);
                }
                if n.protocol != Protocol::Any || !port_list.is_empty() {
                    s["ports"] = Value::Array(ports_out);
                }
                s
            }
            _ => {
                let CiliumL7 {
                    rules: l7,
                    server_names,
                    lost,
                    refused,
                } = cilium_l7(n, to == Target::Cilium119, &port_list);
                if n.action == Action::Deny && n.per_request() {
                    out.unmapped.push(unmapped(
                        r,
                        part,
                        "a deny of requests: Cilium's deny rules stop at ports (Palisade's network path denies per request)",
                    ));
                    continue;
                }
                if let Some(why) = refused {
                    out.unmapped.push(unmapped(r, part, why));
                    continue;
                }
                if !lost.is_empty() {
                    let looser = n.action == Action::Allow;
                    out.unmapped.push(unmapped(
                        r,
                        part.clone(),
                        format!(
                            "exported without {}{}",
                            lost.join(", "),
                            if looser { ": looser than written" } else { "" }
                        ),
                    ));
                }
                // Cilium's ANY is TCP, UDP and SCTP in one; its L7 rules and server names are
                // over TCP only (as HTTP, gRPC, Kafka and TLS are).
                let over_tcp = !(n.http.is_empty()
                    && n.grpc.is_empty()
                    && n.kafka.is_empty()
                    && server_names.is_empty());
                let protocols = match n.protocol {
                    Protocol::Any if over_tcp => vec!["TCP"],
                    Protocol::Any => vec!["ANY"],
                    _ => protocols,
                };
                let mut ports_out = Vec::new();
                for proto in &protocols {
                    if port_list.is_empty() {
                        ports_out.push(json!({"port": "0", "protocol": proto}));
                    }
                    for (a, b) in &port_list {
                        let mut p = json!({"port": a.to_string(), "protocol": proto});
                        if b != a {
                            p["endPort"] = json!(b);
                        }
                        ports_out.push(p);
                    }
                }
                let (ep, cidr, fqdn) = match n.direction {
                    Direction::Ingress => ("fromEndpoints", "fromCIDRSet", None),
                    Direction::Egress => ("toEndpoints", "toCIDRSet", Some("toFQDNs")),
                };
                let mut s = json!({});
                let has_ports = !(port_list.is_empty()
                    && n.protocol == Protocol::Any
                    && l7.is_none()
                    && server_names.is_empty());
                if has_ports {
                    let mut pr = json!({"ports": ports_out});
                    if let Some(rules) = l7 {
                        pr["rules"] = rules;
                    }
                    if !server_names.is_empty() {
                        pr["serverNames"] = json!(server_names);
                    }
                    s["toPorts"] = json!([pr]);
                }
                let mut sub = Vec::new();
                match peer {
                    None => {
                        // Any peer: every endpoint and every address.
                        sub.push(json!({"fromEntities": ["all"]}));
                    }
                    Some(list) => {
                        let mut eps = Vec::new();
                        let mut cidrs = Vec::new();
                        let mut names = Vec::new();
                        for p in list {
                            if let Some(e) = p.get("endpoints") {
                                eps.push(e.clone());
                            } else if let Some(c) = p.get("cidr") {
                                cidrs.push(json!({"cidr": c}));
                            } else if let Some(f) = p.get("fqdn") {
                                names.push(f.clone());
                            }
                        }
                        if !names.is_empty() && fqdn.is_none() {
                            out.unmapped.push(unmapped(
                                r,
                                part,
                                "DNS names of an ingress peer: Cilium matches names on egress only",
                            ));
                            continue;
                        }
                        if !names.is_empty() && n.action == Action::Deny {
                            out.unmapped.push(unmapped(
                                r,
                                part,
                                "a deny of DNS names: Cilium's deny rules take addresses only",
                            ));
                            continue;
                        }
                        fqdns |= !names.is_empty();
                        // A Cilium rule's peer fields are alternatives within one rule only
                        // when of one kind: each kind is its own rule.
                        if !eps.is_empty() {
                            sub.push(json!({ep: eps}));
                        }
                        if !cidrs.is_empty() {
                            sub.push(json!({cidr: cidrs}));
                        }
                        if let (false, Some(f)) = (names.is_empty(), fqdn) {
                            sub.push(json!({f: names}));
                        }
                    }
                }
                let mut rules = Vec::new();
                for peer_part in sub {
                    let mut rule = s.clone();
                    for (k, v) in peer_part.as_object().into_iter().flatten() {
                        let key = match (k.as_str(), n.direction) {
                            ("fromEntities", Direction::Egress) => "toEntities",
                            (k, _) => k,
                        };
                        rule[key] = v.clone();
                    }
                    rules.push(rule);
                }
                match (n.action, n.direction) {
                    (Action::Allow, Direction::Ingress) => ingress.extend(rules),
                    (Action::Allow, Direction::Egress) => egress.extend(rules),
                    (Action::Deny, Direction::Ingress) => ingress_deny.extend(rules),
                    (Action::Deny, Direction::Egress) => egress_deny.extend(rules),
                }
                continue;
            }
        };
        match n.direction {
            Direction::Ingress => ingress.push(statement),
            Direction::Egress => egress.push(statement),
        }
    }
    if fqdns {
        out.unmapped.push(unmapped(
            r,
            "network".into(),
            "added: DNS to kube-dns through Cilium's proxy (toFQDNs learns addresses from the answers it sees)",
        ));
        egress.push(json!({
            "toEndpoints": [{"matchLabels": {NAMESPACE_LABEL: "kube-system", "k8s:k8s-app": "kube-dns"}}],
            "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}],
        }));
    }
    let count = targets
        .iter()
        .map(|t| t.namespaces.as_ref().map_or(1, Vec::len))
        .sum();
    let mut index = 0;
    for t in &targets {
        match to {
            Target::NetworkPolicy => {
                let Some(namespaces) = &t.namespaces else {
                    out.unmapped.push(unmapped(
                        r,
                        "target".into(),
                        "selects workloads of every namespace: a NetworkPolicy is namespaced (list the namespaces)",
                    ));
                    continue;
                };
                for ns in namespaces {
                    // Protect is an allow list both ways: both policy types, so what no
                    // statement allows is denied.
                    out.resources.push(json!({
                        "apiVersion": "networking.k8s.io/v1",
                        "kind": "NetworkPolicy",
                        "metadata": metadata(r, object_name(r, index, count), Some(ns)),
                        "spec": {
                            "podSelector": t.label_selector(vec![]),
                            "policyTypes": ["Ingress", "Egress"],
                            "ingress": ingress,
                            "egress": egress,
                        },
                    }));
                    index += 1;
                }
            }
            _ => {
                let mut spec = json!({
                    "enableDefaultDeny": {"ingress": true, "egress": true},
                });
                let (kind, namespace, selector) = match (&t.namespaces, r.kind) {
                    (Some(list), Kind::SecurityRule) => (
                        "CiliumNetworkPolicy",
                        list.first().map(String::as_str),
                        t.label_selector(vec![]),
                    ),
                    (list, _) => {
                        let ns = list.as_ref().map(|l| {
                            vec![json!({"key": NAMESPACE_LABEL, "operator": "In", "values": l})]
                        });
                        (
                            "CiliumClusterwideNetworkPolicy",
                            None,
                            t.label_selector(ns.unwrap_or_default()),
                        )
                    }
                };
                spec["endpointSelector"] = selector;
                for (key, list) in [
                    ("ingress", &ingress),
                    ("egress", &egress),
                    ("ingressDeny", &ingress_deny),
                    ("egressDeny", &egress_deny),
                ] {
                    if !list.is_empty() {
                        spec[key] = json!(list);
                    }
                }
                // A direction with nothing allowed: `[{}]`, a rule that selects nothing, so
                // Cilium holds it to its default deny (and the policy has a rule, as it must).
                for key in ["ingress", "egress"] {
                    if spec.get(key).is_none() {
                        spec[key] = json!([{}]);
                    }
                }
                out.resources.push(json!({
                    "apiVersion": "cilium.io/v2",
                    "kind": kind,
                    "metadata": metadata(r, object_name(r, index, targets.len()), namespace),
                    "spec": spec,
                }));
                index += 1;
            }
        }
    }
}

// ---- KubeArmor ----

/// Where a glob points, as KubeArmor matches it: a path, a directory (`/dir/` and whether
/// below it too), or a pattern.
fn armor_path(glob: &str) -> Value {
    if let Some(dir) = glob.strip_suffix("/**") {
        if !has_glob(dir) {
            return json!({"dir": format!("{dir}/"), "recursive": true});
        }
    }
    if let Some(dir) = glob.strip_suffix("/*") {
        if !has_glob(dir) {
            return json!({"dir": format!("{dir}/")});
        }
    }
    match has_glob(glob) {
        true => json!({"pattern": glob}),
        false => json!({"path": glob}),
    }
}

/// Adds a path match to the right list of `section` (`matchPaths`, `matchDirectories`,
/// `matchPatterns`).
fn add_match(section: &mut serde_json::Map<String, Value>, mut m: Value, extra: &[(&str, Value)]) {
    let list = if m.get("dir").is_some() {
        "matchDirectories"
    } else if m.get("pattern").is_some() {
        "matchPatterns"
    } else {
        "matchPaths"
    };
    for (k, v) in extra {
        // Patterns take no fromSource in KubeArmor's schema.
        if list == "matchPatterns" && *k == "fromSource" {
            continue;
        }
        m[*k] = v.clone();
    }
    if let Some(Value::Array(items)) = section.get_mut(list) {
        items.push(m);
    } else {
        section.insert(list.into(), json!([m]));
    }
}

/// A KubeArmor policy's process and file sections.
type Sections = (
    serde_json::Map<String, Value>,
    serde_json::Map<String, Value>,
);

fn kubearmor(groups: &Groups<'_>, r: &Resource, spec: &RuleSpec, out: &mut Export) {
    other_areas(r, spec, Target::KubeArmor, out);
    let protect = spec.mode.process == Some(Mode::Protect);
    if spec.baseline == Some(crate::resources::Baseline::ZeroDrift) {
        out.unmapped.push(unmapped(
            r,
            "baseline".into(),
            "zero-drift: KubeArmor does not know which executables came with the image",
        ));
    }
    if protect && !spec.process.iter().any(|p| p.action == Action::Allow) {
        out.unmapped.push(unmapped(
            r,
            "process".into(),
            "Protect with no process allowed blocks every exec; KubeArmor has no policy for that",
        ));
    } else if protect {
        out.unmapped.push(unmapped(
            r,
            "process".into(),
            "Protect blocks every process not allowed; KubeArmor's Allow policy does so only where its process posture is block (kubearmor-process-posture: block; the default is audit)",
        ));
    }
    if spec.process.is_empty() && spec.file.is_empty() {
        return;
    }
    let targets = match targets(groups, r, spec) {
        Ok(t) => t,
        Err(why) => {
            out.unmapped.push(unmapped(r, "target".into(), why));
            return;
        }
    };
    let mode = spec.mode.process;
    let block = match mode {
        Some(Mode::Protect) => "Block",
        _ => "Audit",
    };
    // Process names the rule gives paths for: what `fromSource` needs.
    let mut paths: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &spec.process {
        if let (Some(n), Some(path)) = (&p.name, &p.path) {
            if !has_glob(path) {
                paths.entry(n).or_default().push(path);
            }
        }
    }
    let sources = |name: &str| -> Option<Vec<Value>> {
        paths
            .get(name)
            .map(|list| list.iter().map(|p| json!({"path": p})).collect())
    };
    // One policy per action: KubeArmor's action is per policy.
    let mut by_action: BTreeMap<&str, Sections> = BTreeMap::new();
    for (i, p) in spec.process.iter().enumerate() {
        let part = format!("process[{}]", i + 1);
        let Some(path) = &p.path else {
            out.unmapped.push(unmapped(
                r,
                part,
                "a process by name only: KubeArmor matches executables by path",
            ));
            continue;
        };
        let action = match p.action {
            Action::Deny => block,
            Action::Allow if mode == Some(Mode::Protect) => "Allow",
            Action::Allow => {
                out.unmapped.push(unmapped(
                    r,
                    part,
                    "an allow outside Protect: a KubeArmor Allow policy blocks everything else (its default posture is agent-wide)",
                ));
                continue;
            }
        };
        if p.name.is_some() && has_glob(path) {
            out.unmapped.push(unmapped(
                r,
                part.clone(),
                format!(
                    "exported by its path only (KubeArmor has no process names): {}",
                    match p.action {
                        Action::Allow => "looser than written",
                        Action::Deny => "broader than written",
                    }
                ),
            ));
        }
        let mut extra = Vec::new();
        if let Some(parent) = &p.parent {
            match sources(parent) {
                Some(list) => {
                    out.unmapped.push(unmapped(
                        r,
                        part.clone(),
                        format!("parent {parent:?} as the paths this rule gives it: narrower than any process of that name"),
                    ));
                    extra.push(("fromSource", Value::Array(list)))
                }
                None => {
                    out.unmapped.push(unmapped(
                        r,
                        part,
                        format!("parent {parent:?} by name: KubeArmor's fromSource is a path (add a process rule with name {parent:?} and its path)"),
                    ));
                    continue;
                }
            }
        }
        let entry = by_action.entry(action).or_default();
        add_match(&mut entry.0, armor_path(path), &extra);
    }
    for (i, f) in spec.file.iter().enumerate() {
        let part = format!("file[{}]", i + 1);
        let action = match f.action {
            Action::Deny => block,
            Action::Allow => {
                // Palisade allows files unless a rule guards them; a KubeArmor Allow would
                // make an allow list of files, and an allow naming processes ("only these")
                // has no KubeArmor form (Allow with fromSource confines the process instead).
                out.unmapped.push(unmapped(
                    r,
                    part,
                    "a file allow: KubeArmor's Allow makes an allow list of files (Palisade allows files no rule guards), and has no \"only these processes\"",
                ));
                continue;
            }
        };
        let mut extra = Vec::new();
        match (f.action, f.access) {
            (Action::Deny, Access::Write) => extra.push(("readOnly", json!(true))),
            (Action::Deny, Access::Read) => {
                out.unmapped.push(unmapped(
                    r,
                    part,
                    "a deny of reads only: KubeArmor blocks all access or writes only",
                ));
                continue;
            }
            _ => {}
        }
        if !f.processes.is_empty() {
            let from: Option<Vec<Vec<Value>>> = f.processes.iter().map(|p| sources(p)).collect();
            match from {
                Some(lists) => {
                    out.unmapped.push(unmapped(
                        r,
                        part.clone(),
                        "processes as the paths this rule gives them: narrower than any process of those names",
                    ));
                    extra.push(("fromSource", Value::Array(lists.concat())))
                }
                None => {
                    out.unmapped.push(unmapped(
                        r,
                        part,
                        "processes by name: KubeArmor's fromSource is a path (give each a process rule with its path)",
                    ));
                    continue;
                }
            }
        }
        let entry = by_action.entry(action).or_default();
        add_match(&mut entry.1, armor_path(&f.path), &extra);
    }
    let mut index = 0;
    let count: usize = targets
        .iter()
        .map(|t| t.namespaces.as_ref().map_or(1, Vec::len))
        .sum::<usize>()
        * by_action.len();
    for t in &targets {
        let Some(namespaces) = &t.namespaces else {
            out.unmapped.push(unmapped(
                r,
                "target".into(),
                "selects workloads of every namespace: a KubeArmorPolicy is namespaced (list the namespaces)",
            ));
            continue;
        };
        if t.labels.values().any(|v| v == "*") {
            out.unmapped.push(unmapped(
                r,
                "target".into(),
                "a label that only has to exist: KubeArmor selects by label values",
            ));
            continue;
        }
        for ns in namespaces {
            for (action, (process, file)) in &by_action {
                let mut spec = json!({
                    "selector": {"matchLabels": t.labels},
                    "action": action,
                });
                if !process.is_empty() {
                    spec["process"] = Value::Object(process.clone());
                }
                if !file.is_empty() {
                    spec["file"] = Value::Object(file.clone());
                }
                out.resources.push(json!({
                    "apiVersion": "security.kubearmor.com/v1",
                    "kind": "KubeArmorPolicy",
                    "metadata": metadata(r, object_name(r, index, count), Some(ns)),
                    "spec": spec,
                }));
                index += 1;
            }
        }
    }
}
