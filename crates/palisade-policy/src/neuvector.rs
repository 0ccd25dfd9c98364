//! `palisade policy import --from neuvector`: NeuVector's CRD resources (NvSecurityRule,
//! NvClusterSecurityRule, NvGroupDefinition, NvAdmissionControlSecurityRule,
//! NvDlpSecurityRule, NvWafSecurityRule, NvResponseRuleSecurityRule), as NeuVector exports
//! them (a `List`, several documents, or single objects), turned into Palisade resources.
//! Every field is mapped, or named in the list of what was not (with the reason): a field
//! this reader does not know is named too, never skipped unsaid. The resources written read
//! back through `load` (a test holds it).
//!
//! Where the two models differ, the difference is named: NeuVector orders network rules by
//! priority and the first match wins, where Palisade's denies win over allows; NeuVector
//! matches any of a group's pod-label criteria, where Palisade asks for all of them.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use palisade_core::InputError;
use serde_json::{json, Map, Value as J};

use crate::export::Unmapped;
use crate::load::error;
use crate::resources::API_VERSION;
use crate::yaml::{parse, Limits, Node, Value};
use crate::Source;

/// The resources made, and what did not map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub resources: Vec<J>,
    pub unmapped: Vec<Unmapped>,
}

/// Fields NeuVector writes that carry nothing to map: Kubernetes' bookkeeping and
/// NeuVector's internal names.
const IGNORED: &[&str] = &[
    "creationTimestamp",
    "original_name",
    "uid",
    "resourceVersion",
    "generation",
    "managedFields",
];

/// A mapping being read: which keys were looked at, so the others can be named.
struct Obj<'n> {
    node: &'n Node,
    path: String,
    taken: RefCell<BTreeSet<String>>,
}

impl<'n> Obj<'n> {
    fn new(node: &'n Node, path: impl Into<String>) -> Obj<'n> {
        Obj {
            node,
            path: path.into(),
            taken: RefCell::new(BTreeSet::new()),
        }
    }

    fn get(&self, key: &str) -> Option<&'n Node> {
        self.taken.borrow_mut().insert(key.to_string());
        self.node.get(key).filter(|n| n.value != Value::Null)
    }

    fn text(&self, key: &str) -> Option<&'n str> {
        self.get(key).and_then(Node::text)
    }

    fn list(&self, key: &str) -> &'n [Node] {
        match self.get(key).map(|n| &n.value) {
            Some(Value::Seq(items)) => items,
            _ => &[],
        }
    }

    fn flag(&self, key: &str) -> bool {
        self.text(key) == Some("true")
    }

    fn child(&self, key: &str) -> Option<Obj<'n>> {
        self.get(key)
            .filter(|n| matches!(n.value, Value::Map(_)))
            .map(|n| Obj::new(n, format!("{}.{key}", self.path)))
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// Keys not looked at that say something (not empty, false or zero).
    fn rest(&self) -> Vec<(String, &'n Node)> {
        let Value::Map(entries) = &self.node.value else {
            return Vec::new();
        };
        let taken = self.taken.borrow();
        entries
            .iter()
            .filter_map(|(k, v)| Some((k.text()?.to_string(), v)))
            .filter(|(k, _)| !taken.contains(k) && !IGNORED.contains(&k.as_str()))
            .filter(|(_, v)| !empty(v))
            .collect()
    }
}

fn empty(n: &Node) -> bool {
    match &n.value {
        Value::Null => true,
        Value::Scalar { text, .. } => matches!(text.as_str(), "" | "false" | "0"),
        Value::Seq(items) => items.is_empty(),
        Value::Map(entries) => entries.iter().all(|(_, v)| empty(v)),
    }
}

/// Where notes and errors go while one document is read.
struct Ctx<'a> {
    file: &'a str,
    resource: String,
    out: &'a mut Imported,
    errors: &'a mut Vec<InputError>,
}

impl Ctx<'_> {
    fn note(&mut self, at: &Node, part: impl Into<String>, reason: impl Into<String>) {
        self.out.unmapped.push(Unmapped {
            resource: self.resource.clone(),
            part: format!(
                "{}:{}:{} {}",
                self.file,
                at.at.line,
                at.at.column,
                part.into()
            ),
            reason: reason.into(),
        });
    }

    fn fail(&mut self, at: &Node, reason: impl Into<String>) {
        self.errors
            .push(error(self.file, Some(at.at), reason.into()));
    }

    /// Names every field of `o` that was not read.
    fn leftovers(&mut self, o: &Obj<'_>) {
        for (k, v) in o.rest() {
            self.note(v, o.at(&k), "a field this import does not know");
        }
    }

    /// Adds a resource; one already written under its kind and name is kept (the same
    /// NeuVector rule in two exports), and a different one named.
    fn push(&mut self, resource: J) {
        let id = |r: &J| {
            (
                r["kind"].clone(),
                r["metadata"]["namespace"].clone(),
                r["metadata"]["name"].clone(),
            )
        };
        match self.out.resources.iter().find(|r| id(r) == id(&resource)) {
            Some(old) if *old == resource => {}
            Some(_) => self.out.unmapped.push(Unmapped {
                resource: self.resource.clone(),
                part: self.file.to_string(),
                reason: format!(
                    "{} {} is written already from another resource: the first is kept",
                    resource["kind"].as_str().unwrap_or(""),
                    resource["metadata"]["name"].as_str().unwrap_or("")
                ),
            }),
            None => self.out.resources.push(resource),
        }
    }
}

/// A Kubernetes object name made of a NeuVector one (`Workload:ingress` is
/// `workload-ingress`).
pub fn name(nv: &str) -> String {
    let lower = nv.to_ascii_lowercase();
    let mapped: String = lower
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut out = if trimmed.is_empty() {
        "unnamed".to_string()
    } else {
        trimmed.to_string()
    };
    out.truncate(253);
    out.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

fn resource(kind: &str, name: &str, namespace: Option<&str>, spec: J) -> J {
    let mut metadata = json!({"name": name});
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    json!({"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec})
}

/// Reads every NeuVector resource of `sources`.
pub fn import(sources: &[Source<'_>], limits: &Limits) -> Result<Imported, Vec<InputError>> {
    let mut out = Imported::default();
    let mut errors = Vec::new();
    // Definitions made on the way (groups, NeuVector's built-in sensors), by `KIND NAME`:
    // the first definition holds, a later different one is named.
    let mut groups: BTreeMap<String, J> = BTreeMap::new();
    let mut items: Vec<(&str, &Node)> = Vec::new();
    let mut trees = Vec::new();
    for s in sources {
        match parse(s.text, limits) {
            Ok(docs) => trees.push((s.name, docs)),
            Err(e) => errors.push(error(s.name, e.at, e.reason)),
        }
    }
    for (file, docs) in &trees {
        for doc in docs {
            match &doc.value {
                Value::Null => {}
                Value::Map(_) if doc.get("kind").and_then(Node::text) == Some("List") => {
                    match doc.get("items").map(|n| &n.value) {
                        Some(Value::Seq(list)) => items.extend(list.iter().map(|n| (*file, n))),
                        Some(Value::Null) | None => {}
                        _ => errors.push(error(file, Some(doc.at), "a List's items are a list")),
                    }
                }
                Value::Map(_) => items.push((file, doc)),
                _ => errors.push(error(
                    file,
                    Some(doc.at),
                    format!(
                        "expected a NeuVector resource (a mapping), found {}",
                        doc.kind()
                    ),
                )),
            }
        }
    }
    // Group definitions first: rules that refer to a group by name find it.
    items.sort_by_key(|(_, n)| n.get("kind").and_then(Node::text) != Some("NvGroupDefinition"));
    for (file, node) in items {
        let o = Obj::new(node, "");
        let api = o.text("apiVersion").unwrap_or("");
        let kind = o.text("kind").unwrap_or("");
        if api != "neuvector.com/v1" {
            errors.push(error(
                file,
                Some(node.at),
                format!("apiVersion {api:?}: not a NeuVector resource (expected neuvector.com/v1)"),
            ));
            continue;
        }
        let meta = o.child("metadata");
        let nv_name = meta.as_ref().and_then(|m| m.text("name")).unwrap_or("");
        let namespace = meta.as_ref().and_then(|m| m.text("namespace"));
        let mut cx = Ctx {
            file,
            resource: match namespace {
                Some(ns) => format!("{kind} {ns}/{nv_name}"),
                None => format!("{kind} {nv_name}"),
            },
            out: &mut out,
            errors: &mut errors,
        };
        if nv_name.is_empty() {
            cx.fail(node, "metadata.name is missing");
            continue;
        }
        let Some(spec) = o.child("spec") else {
            cx.fail(node, "spec is missing");
            continue;
        };
        if kind == "NvSecurityRule" && namespace.is_none_or(str::is_empty) {
            cx.fail(node, "an NvSecurityRule needs metadata.namespace (NeuVector's rules of any namespace are NvClusterSecurityRule)");
            continue;
        }
        if let Some(m) = &meta {
            for key in ["labels", "annotations"] {
                m.get(key);
            }
            cx.leftovers(m);
        }
        match kind {
            "NvSecurityRule" | "NvClusterSecurityRule" => security_rule(
                &mut cx,
                &spec,
                nv_name,
                namespace,
                kind == "NvSecurityRule",
                &mut groups,
            ),
            "NvGroupDefinition" => {
                if let Some(sel) = spec.child("selector") {
                    group_of(&mut cx, &sel, &mut groups);
                } else {
                    cx.fail(node, "spec.selector is missing");
                }
            }
            "NvAdmissionControlSecurityRule" => admission(&mut cx, &spec),
            "NvDlpSecurityRule" => sensor(&mut cx, &spec, "DlpSensor"),
            "NvWafSecurityRule" => sensor(&mut cx, &spec, "WafSensor"),
            "NvResponseRuleSecurityRule" => match spec.child("rule") {
                Some(rule) => {
                    for r in response(&mut cx, &rule, None, nv_name) {
                        cx.push(r);
                    }
                }
                None => cx.fail(node, "spec.rule is missing"),
            },
            other => {
                cx.fail(
                    node,
                    format!(
                        "kind {other:?}: not a NeuVector policy resource (NvSecurityRule, NvClusterSecurityRule, NvGroupDefinition, NvAdmissionControlSecurityRule, NvDlpSecurityRule, NvWafSecurityRule, NvResponseRuleSecurityRule)"
                    ),
                );
                continue;
            }
        }
        cx.leftovers(&spec);
        cx.leftovers(&o);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let groups: Vec<J> = groups.into_values().collect();
    out.resources.splice(0..0, groups);
    drop_unknown_sensors(&mut out);
    // What a check would still refuse is left out and said, so what is written loads.
    let (kept, dropped) = crate::load::keep_loadable(std::mem::take(&mut out.resources));
    out.resources = kept;
    out.unmapped
        .extend(dropped.into_iter().map(|(resource, reason)| Unmapped {
            resource,
            part: String::new(),
            reason: format!("not written: {reason}"),
        }));
    Ok(out)
}

/// Sensor uses whose sensor was not among the files: dropped, and named (the policy would
/// not load with them).
fn drop_unknown_sensors(out: &mut Imported) {
    let defined: BTreeSet<(String, String)> = out
        .resources
        .iter()
        .filter_map(|r| {
            Some((
                r["kind"].as_str()?.to_string(),
                r["metadata"]["name"].as_str()?.to_string(),
            ))
        })
        .collect();
    let mut notes = Vec::new();
    for r in &mut out.resources {
        let title = crate::load::title_of(r);
        for (area, kind) in [("dlp", "DlpSensor"), ("waf", "WafSensor")] {
            let Some(J::Array(uses)) = r["spec"].get_mut(area) else {
                continue;
            };
            uses.retain(|u| {
                let sensor = u["sensor"].as_str().unwrap_or("").to_string();
                let known = defined.contains(&(kind.to_string(), sensor.clone()));
                if !known {
                    notes.push(Unmapped {
                        resource: title.clone(),
                        part: format!("spec.{area}"),
                        reason: format!("sensor {sensor:?} is not in the files given (import its Nv{}SecurityRule too): its use is left out", if area == "dlp" { "Dlp" } else { "Waf" }),
                    });
                }
                known
            });
            if uses.is_empty() {
                if let Some(spec) = r["spec"].as_object_mut() {
                    spec.remove(area);
                }
            }
        }
    }
    out.unmapped.extend(notes);
}

/// A NeuVector group selector as a Palisade group: its name, with its definition recorded
/// in `groups` (criteria given) or expected from a NvGroupDefinition (`name_referral`).
fn group_of(cx: &mut Ctx<'_>, sel: &Obj<'_>, groups: &mut BTreeMap<String, J>) -> Option<String> {
    let Some(nv) = sel.text("name") else {
        cx.fail(sel.node, "a selector without a name");
        return None;
    };
    let pname = name(nv);
    sel.get("comment");
    let referral = sel.flag("name_referral");
    for key in [
        "mon_metric",
        "grp_sess_cur",
        "grp_sess_rate",
        "grp_band_width",
    ] {
        if let Some(v) = sel.get(key).filter(|v| !empty(v)) {
            cx.note(
                v,
                sel.at(key),
                "group metrics and session thresholds: Palisade has no per-group thresholds",
            );
        }
    }
    let criteria = sel.list("criteria");
    let spec = match nv {
        "external" => Some(json!({"addresses": ["0.0.0.0/0", "::/0"]})),
        "containers" => Some(json!({"selector": {}})),
        "nodes" => {
            cx.note(
                sel.node,
                sel.path.clone(),
                "the nodes group (host processes): Palisade's rules are about workloads",
            );
            return None;
        }
        _ if referral && criteria.is_empty() => None,
        _ => match criteria_spec(cx, sel, criteria) {
            Some(spec) => Some(spec),
            // Written with nothing it would hold every workload: not written at all.
            None => {
                cx.note(
                    sel.node,
                    sel.path.clone(),
                    format!("group {nv:?}: none of its criteria could be written, so neither is the group (as it stood it would hold every workload)"),
                );
                return None;
            }
        },
    };
    if nv == "external" {
        cx.note(sel.node, sel.path.clone(), "external means outside the cluster; written as every address (0.0.0.0/0, ::/0), which includes the cluster's");
    }
    match spec {
        Some(spec) => {
            let def = resource("GroupDefinition", &pname, None, spec);
            let key = format!("GroupDefinition {pname}");
            match groups.get(&key) {
                Some(old) if *old != def => cx.note(
                    sel.node,
                    sel.path.clone(),
                    format!("group {nv:?} is defined again with other criteria: the first definition is kept"),
                ),
                Some(_) => {}
                None => {
                    groups.insert(key, def);
                }
            }
        }
        None if !groups.contains_key(&format!("GroupDefinition {pname}")) => {
            cx.note(
                sel.node,
                sel.path.clone(),
                format!("group {nv:?} refers to a NvGroupDefinition not in the files given"),
            );
            return None;
        }
        None => {}
    }
    cx.leftovers(sel);
    Some(pname)
}

/// Group criteria as a Palisade group spec: values of one key are alternatives, keys all
/// hold (as in NeuVector, except pod labels: see the note).
/// `None` when no criterion could be written.
fn criteria_spec(cx: &mut Ctx<'_>, sel: &Obj<'_>, criteria: &[Node]) -> Option<J> {
    let mut lists: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut labels: Map<String, J> = Map::new();
    let mut addresses = Vec::new();
    let mut lost = 0;
    for (i, c) in criteria.iter().enumerate() {
        let co = Obj::new(c, format!("{}.criteria[{i}]", sel.path));
        let (key, op, value) = (
            co.text("key").unwrap_or(""),
            co.text("op").unwrap_or(""),
            co.text("value").unwrap_or(""),
        );
        cx.leftovers(&co);
        let pattern = match op {
            "=" if value == "any" => "*".to_string(),
            "=" => value.to_string(),
            "contains" => format!("*{value}*"),
            "prefix" => format!("{value}*"),
            _ => {
                cx.note(
                    c,
                    co.path.clone(),
                    format!(
                        "{key} {op} {value:?}: Palisade selectors match values and globs, not {}",
                        match op {
                            "!=" | "!regex" => "negations",
                            _ => "regular expressions",
                        }
                    ),
                );
                lost += 1;
                continue;
            }
        };
        match key {
            "address" => match crate::address::check_address(&pattern) {
                Ok(()) => addresses.push(pattern),
                Err(why) => {
                    cx.note(c, co.path.clone(), why);
                    lost += 1;
                }
            },
            "domain" | "namespace" => lists.entry("namespaces").or_default().push(pattern),
            "image" => lists.entry("images").or_default().push(pattern),
            "container" => lists.entry("containers").or_default().push(pattern),
            "node" => lists.entry("nodes").or_default().push(pattern),
            // NeuVector's service is `SERVICE.NAMESPACE`: the owner's name and its namespace.
            "service" => {
                let (svc, ns) = pattern.rsplit_once('.').unwrap_or((&pattern, ""));
                lists.entry("services").or_default().push(svc.to_string());
                if !ns.is_empty() {
                    let list = lists.entry("namespaces").or_default();
                    if !list.iter().any(|n| n == ns) {
                        list.push(ns.to_string());
                    }
                }
            }
            k if k.starts_with("ns:") => {
                cx.note(
                    c,
                    co.path.clone(),
                    format!(
                        "namespace label {}: Palisade selects namespaces by name",
                        k.trim_start_matches("ns:")
                    ),
                );
                lost += 1;
            }
            k => {
                let (k, v) = match k {
                    "label" => match pattern.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (pattern.clone(), "*".to_string()),
                    },
                    k => (k.to_string(), pattern.clone()),
                };
                if v != "*" && v.contains(['*', '?']) {
                    cx.note(c, co.path.clone(), format!("label {k}={v}: Palisade matches a label's value exactly (or * for any)"));
                    lost += 1;
                    continue;
                }
                if !labels.is_empty() {
                    cx.note(c, co.path.clone(), "NeuVector matches any of a group's pod-label criteria; Palisade asks for all of them");
                }
                labels.insert(k, json!(v));
            }
        }
    }
    for list in lists.values_mut() {
        let mut seen = BTreeSet::new();
        list.retain(|v| seen.insert(v.clone()));
    }
    let mut selector: Map<String, J> = lists
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    if !labels.is_empty() {
        selector.insert("labels".into(), J::Object(labels));
    }
    let mut spec = json!({});
    if !addresses.is_empty() {
        spec["addresses"] = json!(addresses);
    }
    if selector.is_empty() && addresses.is_empty() {
        return None;
    }
    if !selector.is_empty() {
        spec["selector"] = J::Object(selector);
    }
    if lost > 0 {
        cx.note(
            sel.node,
            sel.path.clone(),
            "written without some of its criteria: the group holds more workloads than NeuVector's",
        );
    }
    Some(spec)
}

/// NeuVector's application names as Palisade's: `SSL` is `tls`, and the HTTP servers it
/// names (Apache, nginx, Jetty, WordPress) speak `http`. `None` for `any`; an error for a
/// name Palisade does not know.
fn application(nv: &str) -> Result<Option<String>, String> {
    let lower = nv.to_ascii_lowercase();
    Ok(Some(match lower.as_str() {
        "any" => return Ok(None),
        "ssl" => "tls".into(),
        "apache" | "nginx" | "jetty" | "wordpress" => "http".into(),
        other if crate::resources::APPLICATIONS.contains(&other) => lower,
        _ => return Err(format!("application {nv:?}: not one Palisade identifies")),
    }))
}

/// `tcp/80,tcp/443`, `udp/53`, `any`, `icmp`, `8000-8080`: ports by protocol (`any` for a
/// protocol means all its ports).
fn ports(text: &str) -> Result<BTreeMap<&'static str, Vec<String>>, String> {
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for item in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let lower = item.to_ascii_lowercase();
        let (proto, range) = match lower.split_once('/') {
            Some(("tcp", r)) => ("tcp", r.to_string()),
            Some(("udp", r)) => ("udp", r.to_string()),
            None if lower == "any" => ("any", "any".to_string()),
            None if lower == "icmp" => ("icmp", "any".to_string()),
            None => ("tcp", lower.clone()),
            Some(_) => {
                return Err(format!(
                    "port {item:?}: expected tcp/N, udp/N, N, any or icmp"
                ))
            }
        };
        crate::address::check_port(&range)
            .or_else(|e| if range == "any" { Ok(()) } else { Err(e) })?;
        out.entry(proto).or_default().push(range);
    }
    if out.is_empty() {
        out.insert("any", vec!["any".into()]);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn security_rule(
    cx: &mut Ctx<'_>,
    spec: &Obj<'_>,
    nv_name: &str,
    namespace: Option<&str>,
    namespaced: bool,
    groups: &mut BTreeMap<String, J>,
) {
    let Some(target) = spec.child("target") else {
        cx.fail(spec.node, "spec.target is missing");
        return;
    };
    let Some(tsel) = target.child("selector") else {
        cx.fail(target.node, "spec.target.selector is missing");
        return;
    };
    let Some(target_group) = group_of(cx, &tsel, groups) else {
        cx.note(
            target.node,
            target.path.clone(),
            "no target group: the rule is not written",
        );
        // Said once for the whole rule, not field by field.
        if let Value::Map(entries) = &spec.node.value {
            let keys = entries
                .iter()
                .filter_map(|(k, _)| k.text().map(String::from));
            spec.taken.borrow_mut().extend(keys);
        }
        return;
    };
    let mut out = json!({"target": {"group": target_group}});
    let mode = |m: &str| match m {
        "Discover" | "Monitor" | "Protect" => Some(m.to_string()),
        _ => None,
    };
    if let Some(m) = target.text("policymode").and_then(mode) {
        out["mode"] = json!({"network": m, "process": m});
    }
    cx.leftovers(&target);
    if let Some(pp) = spec.child("process_profile") {
        match pp.text("baseline") {
            Some("basic") | Some("default") => out["baseline"] = json!("basic"),
            Some("zero-drift") | Some("shield") => out["baseline"] = json!("zero-drift"),
            Some(other) => cx.note(
                pp.node,
                pp.at("baseline"),
                format!("baseline {other:?}: basic or zero-drift"),
            ),
            None => {}
        }
        if let Some(m) = pp.text("mode").and_then(mode) {
            if out.get("mode").is_none() {
                out["mode"] = json!({});
            }
            out["mode"]["process"] = json!(m);
        }
        cx.leftovers(&pp);
    }
    // Network rules: one Palisade statement per protocol of the NeuVector rule's ports.
    let mut network = Vec::new();
    let mut names = Vec::new();
    let mut priorities: Vec<(u32, &str, usize)> = Vec::new();
    for (direction, key) in [("ingress", "ingress"), ("egress", "egress")] {
        for (i, n) in spec.list(key).iter().enumerate() {
            let r = Obj::new(n, format!("{}.{key}[{i}]", spec.path));
            let action = r.text("action").unwrap_or("");
            if action != "allow" && action != "deny" {
                cx.fail(n, format!("action {action:?}: allow or deny"));
                continue;
            }
            let sel = r.child("selector");
            // `external` is everything outside the cluster, which Palisade's addresses cannot
            // say: written as every address, a deny would cut the cluster off too.
            if action == "deny" && sel.as_ref().and_then(|x| x.text("name")) == Some("external") {
                cx.note(n, r.path.clone(), "a deny to or from external (outside the cluster): as every address it would deny the cluster too; not written");
                if let Some(x) = &sel {
                    x.get("comment");
                    cx.leftovers(x);
                }
                r.taken
                    .borrow_mut()
                    .extend(["applications", "ports", "priority", "name"].map(String::from));
                cx.leftovers(&r);
                continue;
            }
            let peer = match sel {
                Some(sel) => group_of(cx, &sel, groups),
                None => {
                    cx.fail(n, "a network rule without a selector");
                    continue;
                }
            };
            let Some(peer) = peer else {
                cx.note(
                    n,
                    r.path.clone(),
                    "its peer group could not be written: the rule is not either",
                );
                continue;
            };
            // An application left out would widen an allow and narrow a deny: such a rule is
            // not written.
            let mut apps: Vec<String> = Vec::new();
            let mut unknown = None;
            for a in r.list("applications") {
                match application(a.text().unwrap_or("")) {
                    Ok(Some(name)) if !apps.contains(&name) => apps.push(name),
                    Ok(_) => {}
                    Err(why) => unknown = Some((a, why)),
                }
            }
            if let Some((a, why)) = unknown {
                cx.note(
                    a,
                    r.at("applications"),
                    format!("{why}: the rule is not written"),
                );
                r.taken
                    .borrow_mut()
                    .extend(["ports", "priority", "name", "action"].map(String::from));
                cx.leftovers(&r);
                continue;
            }
            let ports = match ports(r.text("ports").unwrap_or("any")) {
                Ok(p) => p,
                Err(why) => {
                    cx.fail(r.get("ports").unwrap_or(n), why);
                    continue;
                }
            };
            let priority = r
                .text("priority")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0);
            priorities.push((
                priority,
                if action == "deny" { "deny" } else { "allow" },
                network.len(),
            ));
            let nv_rule = r.text("name").unwrap_or("");
            for (proto, list) in ports {
                let mut s =
                    json!({"direction": direction, "peer": {"group": peer}, "action": action});
                if proto != "any" {
                    s["protocol"] = json!(proto);
                }
                let numbered: Vec<&String> = list.iter().filter(|p| *p != "any").collect();
                if !numbered.is_empty() {
                    s["ports"] = json!(numbered);
                }
                if !apps.is_empty() {
                    s["applications"] = json!(apps);
                }
                network.push(s);
                names.push(format!("network[{}]={nv_rule}", network.len()));
            }
            cx.leftovers(&r);
        }
    }
    // First match by priority there, deny over allow here: say where that differs.
    let first_deny = priorities
        .iter()
        .filter(|p| p.1 == "deny")
        .map(|p| p.0)
        .min();
    if let Some(lowest_deny) = first_deny {
        if priorities
            .iter()
            .any(|p| p.1 == "allow" && p.0 > lowest_deny)
        {
            cx.note(spec.node, spec.path.clone(), "an allow of higher priority than a deny: NeuVector's first match by priority could let it win; in Palisade a matching deny wins");
        }
    }
    if !network.is_empty() {
        out["network"] = J::Array(network);
    }
    let mut process = Vec::new();
    for (i, p) in spec.list("process").iter().enumerate() {
        let r = Obj::new(p, format!("{}.process[{i}]", spec.path));
        let action = r.text("action").unwrap_or("");
        if action != "allow" && action != "deny" {
            cx.fail(p, format!("action {action:?}: allow or deny"));
            continue;
        }
        let mut s = json!({"action": action});
        if let Some(n) = r.text("name").filter(|n| !n.is_empty() && *n != "*") {
            s["name"] = json!(crate::learned::kernel_name(n));
        }
        if let Some(path) = r
            .text("path")
            .filter(|p| !p.is_empty() && *p != "*" && *p != "/*")
        {
            s["path"] = json!(path);
        }
        if s.get("name").is_none() && s.get("path").is_none() {
            cx.note(
                p,
                r.path.clone(),
                "a process rule for any process: Palisade's default for the mode says that",
            );
            continue;
        }
        if r.flag("allow_update") {
            cx.note(p, r.at("allow_update"), "allow_update: Palisade's zero-drift baseline judges where an executable came from, not whether it may change");
        }
        process.push(s);
        cx.leftovers(&r);
    }
    if !process.is_empty() {
        out["process"] = J::Array(process);
    }
    let mut file = Vec::new();
    for (i, f) in spec.list("file").iter().enumerate() {
        let r = Obj::new(f, format!("{}.file[{i}]", spec.path));
        let Some(filter) = r.text("filter") else {
            cx.fail(f, "a file rule without a filter");
            continue;
        };
        let mut path = filter.to_string();
        if path.ends_with('/') {
            path.push('*');
        }
        if r.flag("recursive") {
            path = match path.strip_suffix("/*") {
                Some(dir) => format!("{dir}/**"),
                None => format!("{path}/**"),
            };
        }
        let apps: Vec<&str> = r.list("app").iter().filter_map(Node::text).collect();
        match r.text("behavior") {
            Some("block_access") if apps.is_empty() => file.push(json!({"path": path, "action": "deny"})),
            Some("block_access") => file.push(json!({"path": path, "processes": apps, "action": "allow"})),
            Some("monitor_change") => cx.note(f, r.path.clone(), "monitor_change (report a change, never block): Palisade's file rules decide by mode; a deny would block in Protect"),
            other => cx.fail(f, format!("behavior {:?}: monitor_change or block_access", other.unwrap_or(""))),
        }
        cx.leftovers(&r);
    }
    if !file.is_empty() {
        out["file"] = J::Array(file);
    }
    for (area, kind) in [("dlp", "DlpSensor"), ("waf", "WafSensor")] {
        let Some(d) = spec.child(area) else { continue };
        let on = d.flag("status");
        let mut uses = Vec::new();
        for (i, s) in d.list("settings").iter().enumerate() {
            let so = Obj::new(s, format!("{}.settings[{i}]", d.path));
            let sensor = so.text("name").unwrap_or("");
            let action = match so.text("action") {
                Some("deny") => "deny",
                _ => "alert",
            };
            cx.leftovers(&so);
            if !on {
                cx.note(
                    s,
                    so.path.clone(),
                    format!("{area} is off for this group (status: false): the sensor is not used"),
                );
                continue;
            }
            match predefined(kind, sensor) {
                Some(Ok(def)) => {
                    let n = name(sensor);
                    groups.entry(format!("{kind} {n}")).or_insert(def);
                    uses.push(json!({"sensor": n, "action": action}));
                }
                Some(Err(why)) => cx.note(s, so.path.clone(), why),
                None => uses.push(json!({"sensor": name(sensor), "action": action})),
            }
        }
        if !uses.is_empty() {
            out[area] = J::Array(uses);
        }
        cx.leftovers(&d);
    }
    for (i, r) in spec.list("response").iter().enumerate() {
        let ro = Obj::new(r, format!("{}.response[{i}]", spec.path));
        let name = format!("{nv_name}-{}", i + 1);
        for resp in response(cx, &ro, Some(&target_group), &name) {
            cx.push(resp);
        }
    }
    let kind = if namespaced {
        "SecurityRule"
    } else {
        "ClusterSecurityRule"
    };
    let mut res = resource(kind, &name(nv_name), namespace.filter(|_| namespaced), out);
    res["metadata"]["annotations"] = json!({"import.palisade.dev/neuvector": format!("{} {nv_name}", if namespaced { "NvSecurityRule" } else { "NvClusterSecurityRule" })});
    if !names.is_empty() {
        res["metadata"]["annotations"]["import.palisade.dev/neuvector-rules"] =
            json!(names.join(", "));
    }
    cx.push(res);
}

/// NeuVector's built-in sensors that Palisade has a detector for: the sensor written as
/// a Palisade one; an error for the others.
fn predefined(kind: &str, sensor: &str) -> Option<Result<J, String>> {
    let builtin = match (kind, sensor) {
        ("DlpSensor", "sensor.creditcard") => "creditCard",
        ("DlpSensor", "sensor.ssn") => "ssn",
        (_, s) if s.starts_with("sensor.") => {
            return Some(Err(format!(
                "NeuVector's built-in sensor {s:?} has no Palisade detector"
            )))
        }
        _ => return None,
    };
    Some(Ok(resource(
        kind,
        &name(sensor),
        None,
        json!({"description": format!("NeuVector's {sensor}"), "patterns": [{"name": builtin, "builtin": builtin}]}),
    )))
}

fn sensor(cx: &mut Ctx<'_>, spec: &Obj<'_>, kind: &str) {
    let Some(s) = spec.child("sensor") else {
        cx.fail(spec.node, "spec.sensor is missing");
        return;
    };
    let Some(nv) = s.text("name") else {
        cx.fail(s.node, "sensor.name is missing");
        return;
    };
    let mut patterns = Vec::new();
    for (i, r) in s.list("rules").iter().enumerate() {
        let ro = Obj::new(r, format!("{}.rules[{i}]", s.path));
        let rule = ro.text("name").unwrap_or("rule");
        let list = ro.list("patterns");
        cx.leftovers(&ro);
        let [p] = list else {
            cx.note(r, ro.path.clone(), format!("rule {rule:?} has {} patterns that must all match: a Palisade pattern is one expression", list.len()));
            continue;
        };
        let po = Obj::new(p, format!("{}.patterns[0]", ro.path));
        let (op, value) = (
            po.text("op").unwrap_or("regex"),
            po.text("value").unwrap_or(""),
        );
        po.get("key");
        let context = match po.text("context").unwrap_or("body") {
            "url" => "url",
            "header" => "header",
            "body" => "body",
            _ => "any",
        };
        cx.leftovers(&po);
        if op != "regex" {
            cx.note(
                p,
                po.path.clone(),
                format!("op {op:?}: a Palisade pattern finds what matches, not what does not"),
            );
            continue;
        }
        if let Err(why) = crate::load::check_regex(value) {
            cx.note(p, po.path.clone(), format!("{why} (NeuVector's expressions are PCRE; Palisade's have no look-around or back-references)"));
            continue;
        }
        patterns.push(json!({"name": name(rule), "regex": value, "context": context}));
    }
    if patterns.is_empty() {
        cx.note(
            s.node,
            s.path.clone(),
            "no pattern could be written: the sensor is not either",
        );
        return;
    }
    let mut spec_out = json!({"patterns": patterns});
    if let Some(c) = s.text("comment").filter(|c| !c.is_empty()) {
        spec_out["description"] = json!(c);
    }
    cx.leftovers(&s);
    cx.push(resource(kind, &name(nv), None, spec_out));
}

/// A response rule; `group` is the group a NvSecurityRule's own rules are about.
/// NeuVector's security events are Palisade's violations, threats and DLP and WAF finds: one
/// rule for each.
fn response(cx: &mut Ctx<'_>, r: &Obj<'_>, group: Option<&str>, rname: &str) -> Vec<J> {
    let events: &[&str] = match r.text("event").unwrap_or("") {
        "security-event" => &["violation", "threat", "dlp", "waf"],
        "cve-report" => &["vulnerability"],
        "compliance" => &["compliance"],
        "admission-control" => &["admission"],
        "event" => {
            cx.note(r.node, r.path.clone(), "event: NeuVector's system events (logins, configuration): Palisade's response rules answer security events");
            r.taken.borrow_mut().extend(
                [
                    "conditions",
                    "actions",
                    "webhooks",
                    "comment",
                    "disable",
                    "group",
                    "policy_name",
                ]
                .map(String::from),
            );
            cx.leftovers(r);
            return Vec::new();
        }
        other => {
            cx.fail(r.node, format!("event {other:?}: event, security-event, cve-report, compliance or admission-control"));
            return Vec::new();
        }
    };
    r.get("policy_name");
    r.get("group");
    r.get("comment");
    let mut spec = json!({});
    if let Some(g) = group {
        spec["group"] = json!(g);
    }
    // A condition left out would make the rule act on more events: such a rule is not written.
    let mut narrowed = false;
    for (i, c) in r.list("conditions").iter().enumerate() {
        let co = Obj::new(c, format!("{}.conditions[{i}]", r.path));
        let value = co.text("value").unwrap_or("");
        match co.text("type").unwrap_or("") {
            "level" => {
                let sev = match value {
                    "Emergency" | "Alert" | "Critical" => "critical",
                    "Error" => "high",
                    "Warning" => "medium",
                    _ => "low",
                };
                spec["severity"] = json!(sev);
            }
            other => {
                cx.note(c, co.path.clone(), format!("condition {other} {value:?}: NeuVector's event names, processes and counts are not what Palisade's response rules match (a rule or sensor name, a severity)"));
                narrowed = true;
            }
        }
        cx.leftovers(&co);
    }
    let workload = events
        .iter()
        .all(|e| ["violation", "threat", "dlp", "waf"].contains(e));
    let mut actions = Vec::new();
    for a in r.list("actions") {
        match a.text().unwrap_or("") {
            "quarantine" if workload => actions.push("quarantine"),
            "quarantine" => cx.note(a, r.at("actions"), format!("quarantine on {} events: Palisade quarantines on events of a running workload", events.join(", "))),
            "suppress-log" => actions.push("suppressLog"),
            "webhook" => cx.note(a, r.at("webhooks"), "webhook: NeuVector names webhooks of its system configuration; give the URL in the rule's webhook"),
            other => cx.note(a, r.at("actions"), format!("action {other:?}")),
        }
    }
    r.get("webhooks");
    if r.flag("disable") {
        spec["disabled"] = json!(true);
    }
    cx.leftovers(r);
    if narrowed {
        cx.note(
            r.node,
            r.path.clone(),
            "a condition could not be written: the response rule is not either",
        );
        return Vec::new();
    }
    if actions.is_empty() {
        cx.note(
            r.node,
            r.path.clone(),
            "no action could be written: the response rule is not either",
        );
        return Vec::new();
    }
    spec["actions"] = json!(actions);
    events
        .iter()
        .map(|e| {
            let mut s = spec.clone();
            s["event"] = json!(e);
            let n = match events.len() {
                1 => name(rname),
                _ => name(&format!("{rname}-{e}")),
            };
            resource("ResponseRule", &n, None, s)
        })
        .collect()
}

fn admission(cx: &mut Ctx<'_>, spec: &Obj<'_>) {
    if let Some(c) = spec.child("config") {
        let mode = match c.text("mode") {
            Some("protect") => "Protect",
            _ => "Monitor",
        };
        if !c.flag("enable") {
            cx.note(c.node, c.at("enable"), "admission control is off in NeuVector: its rules are written, and apply where Palisade's admission runs");
        }
        if let Some(m) = c.get("client_mode") {
            cx.note(m, c.at("client_mode"), "client_mode: how the API server reaches NeuVector's webhook (palisade admission manifests says it for Palisade)");
        }
        cx.leftovers(&c);
        cx.push(resource(
            "GlobalRules",
            "neuvector-admission",
            None,
            json!({"admission": {"mode": mode}}),
        ));
    }
    for (i, r) in spec.list("rules").iter().enumerate() {
        let ro = Obj::new(r, format!("{}.rules[{i}]", spec.path));
        let action = match ro.text("action") {
            Some("allow") => "allow",
            Some("deny") => "deny",
            other => {
                cx.fail(
                    r,
                    format!("action {:?}: allow or deny", other.unwrap_or("")),
                );
                continue;
            }
        };
        let mut out = json!({"action": action});
        match ro.text("rule_mode") {
            Some("monitor") => out["mode"] = json!("Monitor"),
            Some("protect") => out["mode"] = json!("Protect"),
            _ => {}
        }
        if ro.flag("disabled") {
            out["disabled"] = json!(true);
        }
        if let Some(c) = ro.text("comment").filter(|c| !c.is_empty()) {
            out["message"] = json!(c);
        }
        let kinds: Vec<&str> = ro
            .list("containers")
            .iter()
            .filter_map(Node::text)
            .map(|k| match k {
                "init_containers" => "initContainers",
                "ephemeral_containers" => "ephemeralContainers",
                _ => "containers",
            })
            .collect();
        if !kinds.is_empty() && kinds != ["containers"] {
            out["containers"] = json!(kinds);
        } else if kinds == ["containers"] {
            // NeuVector's default: its containers, not init or ephemeral ones.
            out["containers"] = json!(["containers"]);
        }
        let id = ro.text("id");
        let mut criteria = Vec::new();
        let mut lost = false;
        for (j, c) in ro.list("criteria").iter().enumerate() {
            let co = Obj::new(c, format!("{}.criteria[{j}]", ro.path));
            match criterion(cx, &co) {
                Some(list) => criteria.extend(list),
                None => lost = true,
            }
        }
        cx.leftovers(&ro);
        if lost && action == "allow" {
            // An exception with a condition dropped would let more through than written.
            cx.note(r, ro.path.clone(), "an exception with a criterion that could not be written is left out: without it, it would let more in");
            continue;
        }
        if criteria.is_empty() {
            cx.note(
                r,
                ro.path.clone(),
                "no criterion could be written: the rule is not either",
            );
            continue;
        }
        if lost {
            cx.note(
                r,
                ro.path.clone(),
                "a deny written without some of its criteria: it refuses more than NeuVector's",
            );
        }
        out["criteria"] = J::Array(criteria);
        let rname = match id {
            Some(id) => format!("neuvector-admission-{id}"),
            None => format!("neuvector-admission-rule-{}", i + 1),
        };
        cx.push(resource("AdmissionRule", &rname, None, out));
    }
}

/// One NeuVector admission criterion as Palisade criteria (`None`: not mappable, said).
fn criterion(cx: &mut Ctx<'_>, c: &Obj<'_>) -> Option<Vec<J>> {
    let nv = c.text("name").unwrap_or("");
    let op = c.text("op").unwrap_or("");
    let value = c.text("value").unwrap_or("");
    c.get("path");
    c.get("type");
    let subs = c.list("sub_criteria");
    let values: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect();
    let set_op = match op {
        "containsAny" => Some("containsAny"),
        "notContainsAny" => Some("containsNone"),
        "containsAll" => Some("containsAll"),
        "containsOtherThan" => Some("containsOtherThan"),
        _ => None,
    };
    let lost = |cx: &mut Ctx<'_>, why: String| {
        cx.note(
            c.node,
            c.path.clone(),
            format!("{nv} {op} {value:?}: {why}"),
        );
        None
    };
    // A set operator with no value left is not one Palisade can say (nor, usefully, NeuVector).
    let set = |pname: &str, vals: Vec<String>| {
        set_op
            .filter(|_| !vals.is_empty())
            .map(|o| vec![json!({"name": pname, "op": o, "values": vals})])
    };
    let boolean = |pname: &str| {
        (op == "=" && matches!(value, "true" | "false"))
            .then(|| vec![json!({"name": pname, "op": "is", "value": value})])
    };
    let number = |pname: &str, extra: J| {
        let o = match op {
            ">=" => "gte",
            ">" => "gt",
            "<=" => "lte",
            "=" => "eq",
            "!=" => "ne",
            _ => return None,
        };
        let mut j = json!({"name": pname, "op": o, "value": value});
        if let J::Object(m) = extra {
            for (k, v) in m {
                j[k] = v;
            }
        }
        Some(vec![j])
    };
    // The findings' age, from a `publishDays >= N` sub-criterion.
    let mut days = J::Null;
    for s in subs {
        let so = Obj::new(s, format!("{}.sub_criteria", c.path));
        match (so.text("name"), so.text("op"), so.text("value")) {
            (Some("publishDays"), Some(">="), Some(v)) if v.trim().parse::<u32>().is_ok() => {
                days = json!(v.trim().parse::<u32>().unwrap_or_default())
            }
            (Some("count"), Some(">="), Some("1")) => {}
            (n, o, v) => {
                cx.leftovers(&so);
                return lost(
                    cx,
                    format!(
                        "sub-criterion {} {} {}: not one Palisade says",
                        n.unwrap_or(""),
                        o.unwrap_or(""),
                        v.unwrap_or("")
                    ),
                );
            }
        }
        cx.leftovers(&so);
    }
    let age = |fix: bool| {
        let mut m = json!({});
        if fix {
            m["onlyFixable"] = json!(true);
        }
        if !days.is_null() {
            m["olderThanDays"] = days.clone();
        }
        m
    };
    cx.leftovers(c);
    let strip = |v: &String| {
        v.trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    };
    let out = match nv {
        "namespace" => set("namespace", values),
        "image" => set("image", values.iter().map(strip).collect()),
        "imageRegistry" => set("imageRegistry", values.iter().map(strip).collect()),
        "user" => set("user", values),
        "userGroups" => set("userGroups", values),
        "labels" => set("labels", values),
        "annotations" => set("annotations", values),
        "envVars" if values.iter().any(|v| v.contains('=')) => {
            return lost(cx, "variables with values: Palisade matches their names (and secret-like values with envVarSecrets)".into())
        }
        "envVars" => set("envVarNames", values),
        "cveNames" => set("cveIds", values),
        "modules" => set("packages", values),
        "mountVolumes" => set_op.map(|o| vec![json!({"name": "jsonPath", "path": ".spec.containers[*].volumeMounts[*].mountPath", "op": o, "values": values})]),
        "storageClassName" => set("storageClass", values),
        "cveHighCount" => number("highCount", age(false)),
        "cveHighWithFixCount" => number("highCount", age(true)),
        "cveMediumCount" => {
            cx.note(c.node, c.path.clone(), "cveMediumCount counts medium findings; Palisade's mediumCount counts medium or worse");
            number("mediumCount", age(false))
        }
        "cveScoreCount" => number("cvssScore", json!({})),
        "imageScanned" => boolean("imageScanned"),
        "envVarSecrets" => boolean("envVarSecrets"),
        "runAsRoot" => boolean("runAsRoot"),
        "runAsPrivileged" => boolean("privileged"),
        "shareNetWithHost" => boolean("hostNetwork"),
        "sharePidWithHost" => boolean("hostPID"),
        "shareIpcWithHost" => boolean("hostIPC"),
        "allowPrivEscalation" => boolean("allowPrivilegeEscalation"),
        "violatePssPolicy" if matches!(value, "baseline" | "restricted") => {
            Some(vec![json!({"name": "podSecurity", "op": "violates", "value": value})])
        }
        "imageCompliance" if value == "true" => Some(vec![json!({"name": "complianceFailures", "op": "set"})]),
        "imageCompliance" if value == "false" => Some(vec![json!({"name": "complianceFailures", "op": "unset"})]),
        "saBindRiskyRole" => {
            let holds = match op {
                "containsTagAny" | "containsAny" => "true",
                "notContainsAny" => "false",
                _ => return lost(cx, "an operator NeuVector does not give this criterion".into()),
            };
            cx.note(c.node, c.path.clone(), "the roles named: Palisade's serviceAccountRiskyRole holds for any of the risky roles");
            Some(vec![json!({"name": "serviceAccountRiskyRole", "op": "is", "value": holds})])
        }
        "imageSigned" | "imageVerifiers" => return lost(cx, "NeuVector verifies with sigstore verifiers configured apart; Palisade's imageSigned needs the public key in the rule".into()),
        "resourceLimit" => return lost(cx, "NeuVector's resource units are not documented; write cpuLimit/memoryLimit criteria".into()),
        "pspCompliance" => return lost(cx, "Pod Security Policies are gone from Kubernetes; use podSecurity".into()),
        "imageNoOS" => return lost(cx, "Palisade has no criterion for images without an OS".into()),
        "customPath" => return lost(cx, "NeuVector's custom paths are OPA templates; write a jsonPath criterion".into()),
        _ => return lost(cx, "not a criterion this import knows".into()),
    };
    match out {
        Some(list) => Some(list),
        None => lost(
            cx,
            format!("the operator {op} has no Palisade form for this criterion"),
        ),
    }
}
