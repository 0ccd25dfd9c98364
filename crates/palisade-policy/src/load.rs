//! Reading policy files into a checked [`Policy`]: every document of every file is read as one
//! of the resources, then checked as a whole (names unique, every group a rule or group refers
//! to defined, no cycle of groups, addresses, ports and rules well formed, no two rules that
//! match the same and decide differently). Errors name the file, line and column; a policy
//! with any error is not returned, so nothing is half-applied.

use std::collections::{BTreeMap, BTreeSet};

use palisade_core::InputError;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::address::{check_address, check_port};
use crate::de::{from_node, DeError};
use crate::resources::{
    AdmissionSpec, GlobalSpec, GroupSpec, Kind, Metadata, ResponseSpec, RuleSpec, SensorSpec,
    API_VERSION,
};
use crate::yaml::{self, Limits, Node, Pos, Value};

/// One file's text and the name errors give it.
pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Rule(RuleSpec),
    Group(GroupSpec),
    Global(GlobalSpec),
    Admission(AdmissionSpec),
    /// A `DlpSensor` or a `WafSensor` (the resource's kind says which).
    Sensor(SensorSpec),
    Response(ResponseSpec),
}

/// A resource as read, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub kind: Kind,
    pub metadata: Metadata,
    pub spec: Spec,
    pub file: String,
    pub line: usize,
}

impl Resource {
    /// `KIND NAMESPACE/NAME`, or `KIND NAME` for a cluster-wide one.
    pub fn title(&self) -> String {
        match &self.metadata.namespace {
            Some(ns) if self.kind.namespaced() => {
                format!("{} {ns}/{}", self.kind.name(), self.metadata.name)
            }
            _ => format!("{} {}", self.kind.name(), self.metadata.name),
        }
    }
}

/// Every resource of a set of policy files, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub resources: Vec<Resource>,
}

impl Policy {
    pub fn groups(&self) -> impl Iterator<Item = (&Resource, &GroupSpec)> {
        self.resources.iter().filter_map(|r| match &r.spec {
            Spec::Group(g) => Some((r, g)),
            _ => None,
        })
    }

    pub fn rules(&self) -> impl Iterator<Item = (&Resource, &RuleSpec)> {
        self.resources.iter().filter_map(|r| match &r.spec {
            Spec::Rule(s) => Some((r, s)),
            _ => None,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Document<S> {
    #[allow(dead_code)] // checked before the document is read as this type
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: Metadata,
    spec: S,
    /// Written by the controller; not the user's to say.
    #[serde(default)]
    #[allow(dead_code)]
    status: Option<IgnoredAny>,
}

/// Reads and checks every document of `sources`.
pub fn load(sources: &[Source<'_>], limits: &Limits) -> Result<Policy, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut read: Vec<(Resource, &Node)> = Vec::new();
    let mut trees = Vec::new();
    for s in sources {
        match yaml::parse(s.text, limits) {
            Ok(docs) => trees.push((s.name, docs)),
            Err(e) => errors.push(error(s.name, e.at, e.reason)),
        }
    }
    for (file, docs) in &trees {
        for doc in docs {
            match resource(file, doc) {
                Ok(Some(r)) => read.push((r, doc)),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
    }
    check(&read, &mut errors);
    // In the order of the files given, then of the text.
    let order = |e: &InputError| {
        let file = sources.iter().position(|s| s.name == e.input);
        (file, e.line, e.column)
    };
    errors.sort_by_key(order);
    match errors.is_empty() {
        true => Ok(Policy {
            resources: read.into_iter().map(|(r, _)| r).collect(),
        }),
        false => Err(errors),
    }
}

pub(crate) fn error(file: &str, at: Option<Pos>, reason: impl Into<String>) -> InputError {
    let e = InputError::new(file, reason);
    match at {
        Some(p) => e.at(p.line, p.column),
        None => e,
    }
}

/// One document as a resource; `None` for an empty document (a stream's trailing `---`).
fn resource(file: &str, doc: &Node) -> Result<Option<Resource>, InputError> {
    let at = |n: &Node, reason: String| error(file, Some(n.at), reason);
    match &doc.value {
        Value::Null => return Ok(None),
        Value::Map(_) => {}
        _ => {
            return Err(at(
                doc,
                format!("expected a resource (a mapping), found {}", doc.kind()),
            ))
        }
    }
    let api = doc.get("apiVersion").and_then(Node::text);
    if api != Some(API_VERSION) {
        let found = api.map_or("none".to_string(), |a| format!("{a:?}"));
        let n = doc.get("apiVersion").unwrap_or(doc);
        return Err(at(
            n,
            format!("apiVersion {found}: not a Palisade policy resource (expected {API_VERSION})"),
        ));
    }
    let kind_node = doc.get("kind").unwrap_or(doc);
    let name = kind_node.text().unwrap_or_default();
    // Test cases kept beside the policy (`palisade policy test` reads them).
    if name == "PolicyTest" {
        return Ok(None);
    }
    let Some(kind) = Kind::ALL.into_iter().find(|k| k.name() == name) else {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        return Err(at(
            kind_node,
            format!(
                "unknown kind {name:?} (expected one of {})",
                known.join(", ")
            ),
        ));
    };
    let de = |e: DeError| error(file, e.at.or(Some(doc.at)), e.reason);
    let (metadata, spec) = match kind {
        Kind::GroupDefinition => {
            let d: Document<GroupSpec> = from_node(doc).map_err(de)?;
            (d.metadata, Spec::Group(d.spec))
        }
        Kind::GlobalRules => {
            let d: Document<GlobalSpec> = from_node(doc).map_err(de)?;
            (d.metadata, Spec::Global(d.spec))
        }
        Kind::SecurityRule | Kind::ClusterSecurityRule => {
            let d: Document<RuleSpec> = from_node(doc).map_err(de)?;
            (d.metadata, Spec::Rule(d.spec))
        }
        Kind::AdmissionRule => {
            let d: Document<AdmissionSpec> = from_node(doc).map_err(de)?;
            (d.metadata, Spec::Admission(d.spec))
        }
        Kind::DlpSensor | Kind::WafSensor => {
            let d: Document<SensorSpec> = from_node(doc).map_err(de)?;
            (d.metadata, Spec::Sensor(d.spec))
        }
        Kind::ResponseRule => {
            let d: Document<ResponseSpec> = from_node(doc).map_err(de)?;
            (d.metadata, Spec::Response(d.spec))
        }
    };
    Ok(Some(Resource {
        kind,
        metadata,
        spec,
        file: file.to_string(),
        line: doc.at.line,
    }))
}

/// The node at `path` under `doc` (keys, and list indexes as numbers), or the deepest one
/// found on the way: where an error about that part of a resource points.
fn node_at<'a>(doc: &'a Node, path: &[&str]) -> &'a Node {
    let mut n = doc;
    for step in path {
        let next = match &n.value {
            Value::Map(_) => n.get(step),
            Value::Seq(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(x) => n = x,
            None => break,
        }
    }
    n
}

/// Checks across resources; each problem is added to `errors`.
fn check(read: &[(Resource, &Node)], errors: &mut Vec<InputError>) {
    let mut problem = |r: &Resource, doc: &Node, path: &[&str], reason: String| {
        let n = node_at(doc, path);
        errors.push(error(&r.file, Some(n.at), reason));
    };
    // Names: unique per kind and namespace, and valid Kubernetes names.
    let mut seen: BTreeMap<(Kind, Option<&str>, &str), &Resource> = BTreeMap::new();
    for (r, doc) in read {
        let m = &r.metadata;
        if let Err(why) = dns_name(&m.name) {
            problem(
                r,
                doc,
                &["metadata", "name"],
                format!("name {:?}: {why}", m.name),
            );
        }
        let ns = m.namespace.as_deref().filter(|_| r.kind.namespaced());
        if let Some(first) = seen.insert((r.kind, ns, &m.name), r) {
            problem(
                r,
                doc,
                &["metadata", "name"],
                format!(
                    "{} is defined twice: also at {}:{}",
                    r.title(),
                    first.file,
                    first.line
                ),
            );
        }
    }
    // The first definition of each group (a second is an error above).
    let mut groups: BTreeMap<&str, (&Resource, &GroupSpec, &Node)> = BTreeMap::new();
    for (r, doc) in read {
        if let Spec::Group(g) = &r.spec {
            groups.entry(&r.metadata.name).or_insert((r, g, *doc));
        }
    }
    let sensors: BTreeSet<(Kind, &str)> = read
        .iter()
        .filter(|(r, _)| matches!(r.spec, Spec::Sensor(_)))
        .map(|(r, _)| (r.kind, r.metadata.name.as_str()))
        .collect();
    let unknown = |name: &str| {
        let mut known: Vec<&str> = groups.keys().copied().collect();
        known.truncate(10);
        format!(
            "unknown group {name:?} (defined: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )
    };
    for (r, doc) in read {
        let Spec::Group(g) = &r.spec else { continue };
        let name = &r.metadata.name;
        for (i, member) in g.groups.iter().enumerate() {
            let idx = i.to_string();
            if !groups.contains_key(member.as_str()) {
                problem(r, doc, &["spec", "groups", &idx], unknown(member));
            } else if reaches(&groups, member, name) {
                problem(
                    r,
                    doc,
                    &["spec", "groups", &idx],
                    format!("group {name:?} contains itself through {member:?}"),
                );
            }
        }
        for (i, a) in g.addresses.iter().enumerate() {
            if let Err(why) = check_address(a) {
                problem(r, doc, &["spec", "addresses", &i.to_string()], why);
            }
        }
        if g.selector.is_none() && g.addresses.is_empty() && g.groups.is_empty() {
            problem(
                r,
                doc,
                &["spec"],
                "a group with no selector, addresses or groups: it holds nothing".into(),
            );
        }
    }
    for (r, doc) in read {
        let Spec::Rule(spec) = &r.spec else { continue };
        if r.kind.namespaced() && r.metadata.namespace.as_deref().unwrap_or("").is_empty() {
            problem(
                r,
                doc,
                &["metadata"],
                "a SecurityRule needs metadata.namespace (the rules of any namespace are a ClusterSecurityRule)".into(),
            );
        }
        let t = &spec.target;
        match (&t.group, &t.selector) {
            (Some(g), None) if !groups.contains_key(g.as_str()) => {
                problem(r, doc, &["spec", "target", "group"], unknown(g))
            }
            (Some(_), Some(_)) => problem(
                r,
                doc,
                &["spec", "target"],
                "a target is a group or a selector, not both".into(),
            ),
            (None, None) => problem(
                r,
                doc,
                &["spec", "target"],
                "a target needs a group or a selector".into(),
            ),
            _ => {}
        }
        let mut first: BTreeMap<String, (usize, crate::resources::Action)> = BTreeMap::new();
        for (i, p) in spec.process.iter().enumerate() {
            let idx = i.to_string();
            if p.name.is_none() && p.path.is_none() {
                problem(
                    r,
                    doc,
                    &["spec", "process", &idx],
                    "a process rule needs a name or a path".into(),
                );
            }
            for (field, n) in [("name", &p.name), ("parent", &p.parent)] {
                if let Some(why) = n.as_deref().and_then(too_long) {
                    problem(r, doc, &["spec", "process", &idx, field], why);
                }
            }
            let key = format!("{:?}", (&p.name, &p.path, &p.parent));
            conflict(&mut first, key, i, p.action, "process", &mut |reason| {
                problem(r, doc, &["spec", "process", &idx], reason)
            });
        }
        let mut first = BTreeMap::new();
        for (i, f) in spec.file.iter().enumerate() {
            let idx = i.to_string();
            if !f.path.starts_with('/') {
                problem(
                    r,
                    doc,
                    &["spec", "file", &idx, "path"],
                    format!("path {:?}: not absolute", f.path),
                );
            }
            for (j, name) in f.processes.iter().enumerate() {
                if let Some(why) = too_long(name) {
                    problem(
                        r,
                        doc,
                        &["spec", "file", &idx, "processes", &j.to_string()],
                        why,
                    );
                }
            }
            let mut procs = f.processes.clone();
            procs.sort();
            let key = format!("{:?}", (&f.path, f.access, procs));
            conflict(&mut first, key, i, f.action, "file", &mut |reason| {
                problem(r, doc, &["spec", "file", &idx], reason)
            });
        }
        let mut first = BTreeMap::new();
        for (i, n) in spec.network.iter().enumerate() {
            let idx = i.to_string();
            if let Some(peer) = &n.peer {
                match (&peer.group, peer.addresses.is_empty()) {
                    (Some(g), true) if !groups.contains_key(g.as_str()) => problem(
                        r,
                        doc,
                        &["spec", "network", &idx, "peer", "group"],
                        unknown(g),
                    ),
                    (Some(_), false) => problem(
                        r,
                        doc,
                        &["spec", "network", &idx, "peer"],
                        "a peer is a group or addresses, not both".into(),
                    ),
                    (None, true) => problem(
                        r,
                        doc,
                        &["spec", "network", &idx, "peer"],
                        "a peer needs a group or addresses".into(),
                    ),
                    _ => {}
                }
                for (j, a) in peer.addresses.iter().enumerate() {
                    if let Err(why) = check_address(a) {
                        problem(
                            r,
                            doc,
                            &["spec", "network", &idx, "peer", "addresses", &j.to_string()],
                            why,
                        );
                    }
                }
            }
            for (j, p) in n.ports.iter().enumerate() {
                if let Err(why) = check_port(p) {
                    problem(
                        r,
                        doc,
                        &["spec", "network", &idx, "ports", &j.to_string()],
                        why,
                    );
                }
            }
            if n.protocol == crate::resources::Protocol::Icmp && !n.ports.is_empty() {
                problem(
                    r,
                    doc,
                    &["spec", "network", &idx, "ports"],
                    "ICMP has no ports".into(),
                );
            }
            l7(n, &mut |path, reason| {
                let mut full = vec!["spec", "network", &idx];
                full.extend_from_slice(path);
                problem(r, doc, &full, reason)
            });
            let mut key_rule = n.clone();
            key_rule.action = crate::resources::Action::Allow;
            let key = format!("{key_rule:?}");
            conflict(&mut first, key, i, n.action, "network", &mut |reason| {
                problem(r, doc, &["spec", "network", &idx], reason)
            });
        }
        for (area, kind, uses) in [
            ("dlp", Kind::DlpSensor, &spec.dlp),
            ("waf", Kind::WafSensor, &spec.waf),
        ] {
            for (i, u) in uses.iter().enumerate() {
                if !sensors.contains(&(kind, u.sensor.as_str())) {
                    let known: Vec<&str> = sensors
                        .iter()
                        .filter(|(k, _)| *k == kind)
                        .map(|(_, n)| *n)
                        .take(10)
                        .collect();
                    problem(
                        r,
                        doc,
                        &["spec", area, &i.to_string(), "sensor"],
                        format!(
                            "unknown {} {:?} (defined: {})",
                            kind.name(),
                            u.sensor,
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
            }
        }
    }
    for (r, doc) in read {
        let mut at = |path: &[&str], reason: String| problem(r, doc, path, reason);
        match &r.spec {
            Spec::Admission(a) => admission(a, &mut at),
            Spec::Sensor(s) => sensor(r.kind, s, &mut at),
            Spec::Response(x) => {
                if let Some(g) = x
                    .group
                    .as_ref()
                    .filter(|g| !groups.contains_key(g.as_str()))
                {
                    at(&["spec", "group"], unknown(g));
                }
                response(x, &mut at);
            }
            Spec::Global(g) => {
                if let Some(a) = &g.admission {
                    global_admission(a, &mut at);
                }
            }
            Spec::Rule(_) | Spec::Group(_) => {}
        }
    }
}

/// A network rule's per-request matches: each fits the protocol, methods are HTTP tokens.
fn l7(n: &crate::resources::NetworkRule, problem: &mut dyn FnMut(&[&str], String)) {
    use crate::resources::Protocol;
    let over_tcp = [
        ("http", !n.http.is_empty()),
        ("grpc", !n.grpc.is_empty()),
        ("kafka", !n.kafka.is_empty()),
        ("sni", !n.sni.is_empty()),
    ];
    if matches!(n.protocol, Protocol::Udp | Protocol::Icmp) {
        for (field, used) in over_tcp {
            if used {
                problem(
                    &[field],
                    format!(
                        "{field} runs over TCP, and this rule is for {:?}",
                        n.protocol
                    ),
                );
            }
        }
    }
    if n.protocol == Protocol::Icmp && !n.dns.is_empty() {
        problem(&["dns"], "DNS does not run over ICMP".into());
    }
    for (i, a) in n.applications.iter().enumerate() {
        if !crate::resources::APPLICATIONS.contains(&a.to_ascii_lowercase().as_str()) {
            problem(
                &["applications", &i.to_string()],
                format!(
                    "unknown application {a:?} (known: {})",
                    crate::resources::APPLICATIONS.join(", ")
                ),
            );
        }
    }
    for (i, h) in n.http.iter().enumerate() {
        let idx = i.to_string();
        if let Some(m) = &h.method {
            if m != "*" && (m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase())) {
                problem(
                    &["http", &idx, "method"],
                    format!("HTTP method {m:?}: uppercase letters (GET, POST), or * for any"),
                );
            }
        }
        if let Some(p) = h.path.as_ref().filter(|p| !p.starts_with('/')) {
            problem(
                &["http", &idx, "path"],
                format!("HTTP path {p:?}: starts with '/'"),
            );
        }
        if *h == crate::resources::HttpMatch::default() {
            problem(
                &["http", &idx],
                "an HTTP match needs a method, path or host".into(),
            );
        }
    }
    for (i, g) in n.grpc.iter().enumerate() {
        if g.service.is_none() && g.method.is_none() {
            problem(
                &["grpc", &i.to_string()],
                "a gRPC match needs a service or method".into(),
            );
        }
    }
    for (i, k) in n.kafka.iter().enumerate() {
        let idx = i.to_string();
        if let Some(api) = &k.api {
            if crate::resources::kafka_api(api).is_none() {
                problem(
                    &["kafka", &idx, "api"],
                    format!(
                        "Kafka API {api:?}: produce, fetch, metadata, ... or a number (0 to 74)"
                    ),
                );
            }
        }
        if k.topic.is_none() && k.api.is_none() {
            problem(
                &["kafka", &idx],
                "a Kafka match needs a topic or api".into(),
            );
        }
    }
}

fn admission(a: &crate::resources::AdmissionSpec, problem: &mut dyn FnMut(&[&str], String)) {
    if a.criteria.is_empty() {
        problem(
            &["spec", "criteria"],
            "an admission rule needs a criterion (with none it would match everything)".into(),
        );
    }
    for (i, c) in a.criteria.iter().enumerate() {
        if let Err(why) = crate::admission::check(c) {
            problem(&["spec", "criteria", &i.to_string()], why);
        }
    }
}

fn global_admission(
    a: &crate::resources::AdmissionDefaults,
    problem: &mut dyn FnMut(&[&str], String),
) {
    if let Some(level) = &a.pod_security {
        if let Err(why) = crate::admission::parse_level(level) {
            problem(&["spec", "admission", "podSecurity"], why);
        }
    }
    if a.scan_deadline_seconds.is_some()
        && a.unscanned_images != Some(crate::resources::Unscanned::Scan)
    {
        problem(
            &["spec", "admission", "scanDeadlineSeconds"],
            "scanDeadlineSeconds is for unscannedImages: scan".into(),
        );
    }
}

/// A regular expression a sensor may hold: it parses, and stays small (a sensor's patterns
/// are compiled into one automaton on the packet path).
pub fn check_regex(re: &str) -> Result<(), String> {
    if re.len() > 4096 {
        return Err(format!("regex of {} bytes: at most 4096", re.len()));
    }
    regex_syntax::ParserBuilder::new()
        .nest_limit(32)
        .build()
        .parse(re)
        .map(|_| ())
        .map_err(|e| {
            // The parser's message spans lines (a caret under the pattern); its last line says what.
            let text = e.to_string();
            let why = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!("regex {re:?}: {}", why.trim().trim_start_matches("error: "))
        })
}

fn sensor(kind: Kind, s: &SensorSpec, problem: &mut dyn FnMut(&[&str], String)) {
    use crate::resources::{DLP_BUILTINS, WAF_BUILTINS};
    let builtins = match kind {
        Kind::WafSensor => WAF_BUILTINS,
        _ => DLP_BUILTINS,
    };
    if s.patterns.is_empty() {
        problem(&["spec", "patterns"], "a sensor needs a pattern".into());
    }
    let mut names = BTreeSet::new();
    for (i, p) in s.patterns.iter().enumerate() {
        let idx = i.to_string();
        if !names.insert(p.name.as_str()) {
            problem(
                &["spec", "patterns", &idx, "name"],
                format!("pattern {:?} is defined twice in this sensor", p.name),
            );
        }
        match (&p.builtin, &p.regex) {
            (Some(b), None) if !builtins.contains(&b.as_str()) => problem(
                &["spec", "patterns", &idx, "builtin"],
                format!(
                    "unknown {} detector {b:?} (known: {})",
                    kind.name(),
                    builtins.join(", ")
                ),
            ),
            (None, Some(re)) => {
                if let Err(why) = check_regex(re) {
                    problem(&["spec", "patterns", &idx, "regex"], why);
                }
            }
            (Some(_), None) => {}
            _ => problem(
                &["spec", "patterns", &idx],
                "a pattern is a builtin detector or a regex, one of the two".into(),
            ),
        }
    }
}

fn response(x: &ResponseSpec, problem: &mut dyn FnMut(&[&str], String)) {
    use crate::resources::{EventCategory, ResponseAction};
    if x.actions.is_empty() {
        problem(
            &["spec", "actions"],
            "a response rule needs an action".into(),
        );
    }
    let has = |a: ResponseAction| x.actions.contains(&a);
    let of_workload = matches!(
        x.event,
        EventCategory::Violation | EventCategory::Threat | EventCategory::Dlp | EventCategory::Waf
    );
    for (i, a) in x.actions.iter().enumerate() {
        if matches!(a, ResponseAction::Quarantine | ResponseAction::Capture) && !of_workload {
            problem(
                &["spec", "actions", &i.to_string()],
                format!(
                    "{a:?} acts on a running workload; {:?} events have none (use violation, threat, dlp or waf)",
                    x.event
                ),
            );
        }
    }
    if x.capture.is_some() && !has(ResponseAction::Capture) {
        problem(
            &["spec", "capture"],
            "capture settings without the capture action".into(),
        );
    }
    match (&x.webhook, has(ResponseAction::Webhook)) {
        (None, true) => problem(
            &["spec", "webhook"],
            "the webhook action needs `webhook` (a URL)".into(),
        ),
        (Some(_), false) => problem(
            &["spec", "webhook"],
            "a webhook URL without the webhook action".into(),
        ),
        (Some(u), true) if !(u.starts_with("https://") || u.starts_with("http://")) => problem(
            &["spec", "webhook"],
            format!("webhook {u:?}: an http:// or https:// URL"),
        ),
        _ => {}
    }
}

/// A process name the kernel would never report: it keeps 15 bytes of one.
fn too_long(name: &str) -> Option<String> {
    (name.len() > 15).then(|| {
        format!(
            "process name {name:?}: the kernel keeps 15 bytes of a name ({:?}); match longer ones by path",
            crate::learned::kernel_name(name)
        )
    })
}

/// Two rules of one resource that match the same and decide differently: which one holds
/// would depend on their order, which a reviewer cannot see.
fn conflict(
    first: &mut BTreeMap<String, (usize, crate::resources::Action)>,
    key: String,
    index: usize,
    action: crate::resources::Action,
    area: &str,
    report: &mut dyn FnMut(String),
) {
    match first.get(&key) {
        Some((j, a)) if *a != action => report(format!(
            "conflicts with {area} rule {} of the same resource: they match the same, one allows and the other denies, so the allow can never apply",
            j + 1
        )),
        Some(_) => {}
        None => {
            first.insert(key, (index, action));
        }
    }
}

/// Whether group `from` contains `to`, through members' members.
fn reaches(groups: &BTreeMap<&str, (&Resource, &GroupSpec, &Node)>, from: &str, to: &str) -> bool {
    // Each group looked at once, without recursion: a long chain of groups costs its length.
    let mut seen = BTreeSet::new();
    let mut todo = vec![from];
    while let Some(g) = todo.pop() {
        if g == to {
            return true;
        }
        if seen.insert(g) {
            if let Some((_, spec, _)) = groups.get(g) {
                todo.extend(spec.groups.iter().map(String::as_str));
            }
        }
    }
    false
}

/// A Kubernetes object name (DNS-1123 subdomain).
fn dns_name(name: &str) -> Result<(), &'static str> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if name.is_empty() || name.len() > 253 {
        return Err("a name is 1 to 253 characters");
    }
    if !name.chars().all(ok_char) || !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(
            "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
        );
    }
    Ok(())
}

/// Resources made by a program (an import, learned behaviour) kept only where they load:
/// each one a check refuses is left out, with the reasons, and what referred to it goes the
/// same way on the next round. What is returned always loads.
pub fn keep_loadable(
    mut resources: Vec<serde_json::Value>,
) -> (Vec<serde_json::Value>, Vec<(String, String)>) {
    let mut dropped = Vec::new();
    // Each round leaves out at least one resource, or ends.
    for _ in 0..=resources.len() {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(resources.len());
        let mut lines = 0;
        for r in &resources {
            let doc = crate::yaml::emit(r);
            text.push_str("---\n");
            // Its first line follows the `---`.
            starts.push(lines + 2);
            lines += 1 + doc.lines().count();
            text.push_str(&doc);
        }
        let errors = match load(
            &[Source {
                name: "made",
                text: &text,
            }],
            &Limits::default(),
        ) {
            Ok(_) => return (resources, dropped),
            Err(e) => e,
        };
        let mut bad: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for e in &errors {
            let Some(line) = e.line else { continue };
            // The last resource starting at or before the error's line.
            if let Some(i) = starts.iter().rposition(|s| *s <= line) {
                bad.entry(i).or_default().push(e.reason.clone());
            }
        }
        if bad.is_empty() {
            // Nothing to point at: nothing is kept rather than something half right.
            let reason = errors
                .iter()
                .map(|e| e.reason.clone())
                .collect::<Vec<_>>()
                .join("; ");
            dropped.extend(resources.iter().map(|r| (title_of(r), reason.clone())));
            return (Vec::new(), dropped);
        }
        for (i, reasons) in bad.iter().rev() {
            let r = resources.remove(*i);
            dropped.push((title_of(&r), reasons.join("; ")));
        }
    }
    (resources, dropped)
}

pub(crate) fn title_of(r: &serde_json::Value) -> String {
    let kind = r["kind"].as_str().unwrap_or("");
    let name = r["metadata"]["name"].as_str().unwrap_or("");
    match r["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}
