//! What the runtime learns of each workload in Discover (the processes it runs, the files it
//! writes, the connections and requests it makes), and those records turned into policy:
//! `palisade policy export --learned FILE` writes one `GroupDefinition` and one
//! `SecurityRule` per workload, plus a group for each peer workload, which a reviewer reads,
//! edits and commits like any other policy. The enforcer writes the record; this module owns
//! its shape (`Learned`, with its JSON schema from `schemars`).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::resources::{Direction, Mode, Protocol, API_VERSION};

/// The record: every workload seen, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Learned {
    /// RFC 3339 times of the first and last event recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub workloads: Vec<LearnedWorkload>,
}

/// A workload by what stays the same across its pods: namespace and owner.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Identity {
    pub namespace: String,
    /// Its owner, `KIND/NAME` (`Deployment/web`).
    pub service: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LearnedWorkload {
    pub namespace: String,
    /// Its owner, `KIND/NAME` (`Deployment/web`).
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<LearnedProcess>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<LearnedFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<LearnedConnection>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LearnedProcess {
    pub path: String,
    /// The name the kernel keeps (15 bytes).
    pub name: String,
    /// How often it was seen.
    #[serde(default)]
    pub count: u64,
}

/// A file written (reads are not learned: they are allowed unless a rule guards the path).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LearnedFile {
    pub path: String,
    pub process: String,
    #[serde(default)]
    pub count: u64,
}

/// The other end of a connection: a workload when it was one, else its address and the
/// name it was reached by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LearnedPeer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LearnedConnection {
    pub direction: Direction,
    pub peer: LearnedPeer,
    pub port: u16,
    pub protocol: Protocol,
    /// The application protocol seen (`http`, `grpc`, `dns`, `tls`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// HTTP requests seen, `METHOD PATH` (query left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<String>,
    /// gRPC calls seen, `SERVICE/METHOD`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grpc: Vec<String>,
    /// DNS names asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    /// TLS server names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni: Vec<String>,
    #[serde(default)]
    pub count: u64,
}

/// A resource name for a workload: `NAMESPACE-KIND-NAME`, lowercase, in the characters
/// Kubernetes names allow.
fn group_name(id: &Identity) -> String {
    let (kind, name) = id.service.split_once('/').unwrap_or(("", &id.service));
    let raw = format!("{}-{}-{}", id.namespace, kind, name).to_ascii_lowercase();
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let trimmed = out.trim_matches(|c: char| c == '-' || c == '.');
    let mut name = format!("learned-{trimmed}");
    // Room for a `-N` that tells two workloads apart whose names map the same.
    name.truncate(240);
    name.trim_end_matches(['-', '.']).to_string()
}

/// A process name as the kernel keeps it: at most 15 bytes, cut at a character boundary.
pub fn kernel_name(name: &str) -> &str {
    let mut end = name.len().min(15);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

fn group(name: &str, id: &Identity) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "GroupDefinition",
        "metadata": {"name": name},
        "spec": {"selector": {"namespaces": [id.namespace], "services": [id.service]}},
    })
}

/// The policy `learned` says: resources in a stable order (groups, then rules, by name),
/// each rule in `mode` with the zero-drift baseline (what was learned came with the image,
/// or it would not be allowed by name).
/// What a record could not give: each resource left out, and why (an address, port or path
/// the policy checks refuse).
pub type Dropped = Vec<(String, String)>;

pub fn to_resources(learned: &Learned, mode: Mode) -> (Vec<Value>, Dropped) {
    let mut groups: BTreeMap<String, Value> = BTreeMap::new();
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut notes: Dropped = Vec::new();
    // Workloads by name: two whose names map the same get `-2`, `-3`, ... in record order.
    let mut names: BTreeMap<Identity, String> = BTreeMap::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut name_of = |id: &Identity| -> String {
        if let Some(n) = names.get(id) {
            return n.clone();
        }
        let base = group_name(id);
        let mut n = base.clone();
        let mut k = 2;
        while !taken.insert(n.clone()) {
            n = format!("{base}-{k}");
            k += 1;
        }
        names.insert(id.clone(), n.clone());
        n
    };
    let window = match (&learned.since, &learned.until) {
        (Some(a), Some(b)) => format!("{a}/{b}"),
        (Some(a), None) => format!("{a}/"),
        (None, Some(b)) => format!("/{b}"),
        (None, None) => String::new(),
    };
    // One workload's entries together (records of several nodes, appended).
    let mut merged: BTreeMap<Identity, Vec<&LearnedWorkload>> = BTreeMap::new();
    let mut order = Vec::new();
    for w in &learned.workloads {
        let id = Identity {
            namespace: w.namespace.clone(),
            service: w.service.clone(),
        };
        if !merged.contains_key(&id) {
            order.push(id.clone());
        }
        merged.entry(id).or_default().push(w);
    }
    for id in order {
        let entries = merged.get(&id).map(Vec::as_slice).unwrap_or_default();
        let name = name_of(&id);
        let title = format!("SecurityRule {}/{name}", id.namespace);
        groups.insert(name.clone(), group(&name, &id));
        let mut say = |why: String| notes.push((title.clone(), why));
        let mut processes: BTreeSet<(String, String)> = BTreeSet::new();
        let mut writes: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut network: Vec<Value> = Vec::new();
        for w in entries {
            for p in &w.processes {
                match (kernel_name(&p.name), p.path.as_str()) {
                    ("", "") => say("a process with neither name nor path: left out".into()),
                    (n, path) => {
                        processes.insert((n.to_string(), path.to_string()));
                    }
                }
            }
            for f in &w.files {
                if f.path.starts_with('/') {
                    writes
                        .entry(&f.path)
                        .or_default()
                        .insert(kernel_name(&f.process));
                } else {
                    say(format!("file {:?}: not an absolute path: left out", f.path));
                }
            }
            for c in &w.connections {
                match connection(c, &mut name_of, &mut groups, &mut say) {
                    Some(rule) if !network.contains(&rule) => network.push(rule),
                    _ => {}
                }
            }
        }
        let process: Vec<Value> = processes
            .into_iter()
            .map(|(n, p)| {
                let mut s = json!({"action": "allow"});
                if !n.is_empty() {
                    s["name"] = json!(n);
                }
                if !p.is_empty() {
                    s["path"] = json!(p);
                }
                s
            })
            .collect();
        let file: Vec<Value> = writes
            .into_iter()
            .map(|(path, procs)| {
                json!({"path": path, "access": "write", "processes": procs, "action": "allow"})
            })
            .collect();
        let mut spec = json!({
            "target": {"group": name},
            "mode": {"process": mode, "network": mode},
            "baseline": "zero-drift",
        });
        for (key, list) in [("process", process), ("file", file), ("network", network)] {
            if !list.is_empty() {
                spec[key] = Value::Array(list);
            }
        }
        let mut metadata = json!({"name": name, "namespace": id.namespace});
        if !window.is_empty() {
            metadata["annotations"] = json!({"security.palisade.dev/learned": window});
        }
        rules.insert(
            name.clone(),
            json!({"apiVersion": API_VERSION, "kind": "SecurityRule", "metadata": metadata, "spec": spec}),
        );
    }
    let all = groups.into_values().chain(rules.into_values()).collect();
    let (kept, dropped) = crate::load::keep_loadable(all);
    notes.extend(dropped);
    (kept, notes)
}

/// One learned connection as an allow, or `None` (said) when the record cannot give one.
fn connection(
    c: &LearnedConnection,
    name_of: &mut dyn FnMut(&Identity) -> String,
    groups: &mut BTreeMap<String, Value>,
    say: &mut dyn FnMut(String),
) -> Option<Value> {
    use crate::address::check_address;
    // The peer: its workload, else the name it was reached by, else its address.
    let name = c
        .peer
        .name
        .as_deref()
        .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
        .filter(|n| check_address(n).is_ok());
    let ip = c.peer.ip.clone().filter(|ip| check_address(ip).is_ok());
    let peer = match (&c.peer.workload, name, ip) {
        (Some(id), _, _) => {
            let g = name_of(id);
            groups.entry(g.clone()).or_insert_with(|| group(&g, id));
            json!({"group": g})
        }
        (None, Some(n), _) => json!({"addresses": [n]}),
        (None, None, Some(ip)) => json!({"addresses": [ip]}),
        (None, None, None) if c.peer == LearnedPeer::default() => {
            let way = match c.direction {
                Direction::Ingress => "an ingress",
                Direction::Egress => "an egress",
            };
            say(format!(
                "{way} connection on port {} with no peer recorded: written for any peer",
                c.port
            ));
            Value::Null
        }
        (None, None, None) => {
            let shown = c
                .peer
                .name
                .as_deref()
                .or(c.peer.ip.as_deref())
                .unwrap_or("");
            say(format!(
                "a connection to {shown:?}: not an address or a name: left out"
            ));
            return None;
        }
    };
    let mut rule = json!({"direction": c.direction, "protocol": c.protocol, "action": "allow"});
    match (c.protocol, c.port) {
        (Protocol::Icmp, _) => {}
        (_, 0) => {
            say(format!("a {:?} connection on port 0: left out", c.protocol));
            return None;
        }
        (_, port) => rule["ports"] = json!([port.to_string()]),
    }
    if !peer.is_null() {
        rule["peer"] = peer;
    }
    if let Some(app) = c.application.as_deref().filter(|a| !a.is_empty()) {
        let app = app.to_ascii_lowercase();
        match crate::resources::APPLICATIONS.contains(&app.as_str()) {
            true => rule["applications"] = json!([app]),
            false => say(format!(
                "application {app:?}: not one rules name; the connection is allowed whatever it speaks"
            )),
        }
    }
    let over_tcp = matches!(c.protocol, Protocol::Tcp | Protocol::Any);
    let sorted = |list: &[String]| -> Vec<String> {
        let set: BTreeSet<&String> = list.iter().collect();
        set.into_iter().cloned().collect()
    };
    let mut http = Vec::new();
    for r in sorted(&c.http).iter().filter(|_| over_tcp) {
        let parsed = r.split_once(' ').filter(|(m, p)| {
            !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()) && p.starts_with('/')
        });
        match parsed {
            Some((_, p)) if p.split('?').next().unwrap_or(p).contains('*') => say(format!(
                "HTTP request {r:?}: a `*` in a path would be a pattern: left out"
            )),
            Some((m, p)) => {
                let path = crate::decide::normalize_path(p.split('?').next().unwrap_or(p));
                let h = json!({"method": m, "path": path});
                if !http.contains(&h) {
                    http.push(h);
                }
            }
            None => say(format!("HTTP request {r:?}: not METHOD /PATH: left out")),
        }
    }
    if !http.is_empty() {
        rule["http"] = Value::Array(http);
    }
    let grpc: Vec<Value> = sorted(&c.grpc)
        .iter()
        .filter(|_| over_tcp)
        .filter_map(|r| r.rsplit_once('/'))
        .filter(|(s, m)| !s.is_empty() && !m.is_empty())
        .map(|(s, m)| json!({"service": s.trim_start_matches('/'), "method": m}))
        .collect();
    if !grpc.is_empty() {
        rule["grpc"] = Value::Array(grpc);
    }
    if !c.dns.is_empty() && c.protocol != Protocol::Icmp {
        rule["dns"] = json!(sorted(&c.dns));
    }
    if !c.sni.is_empty() && over_tcp {
        rule["sni"] = json!(sorted(&c.sni));
    }
    Some(rule)
}
