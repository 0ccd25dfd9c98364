//! Admission rules as Kubernetes ValidatingAdmissionPolicies (CEL), so the API server itself
//! refuses what they refuse while the webhook is down. Only standard CEL is written (macros,
//! `matches`, `has`, `size`, `string`), never Kubernetes' extension libraries, so any CEL
//! implementation evaluates it the same and the tests can hold it to the native engine.
//!
//! A rule is expressible when each of its criteria is; the others stay the webhook's alone
//! (image names as registries spell them, scan results, signatures, quantities, the image's
//! USER, risky roles, JSON paths). Exceptions weigh on every deny, so when one exception is
//! not expressible no deny is written: a policy refusing what the webhook admits would be
//! worse than none.
//!
//! Pods, template-bearing workloads and CronJobs are typed differently in Kubernetes' CEL, so
//! each gets its own policy per mode (Deny for Protect, Warn for Monitor), the pod's spec and
//! metadata bound as variables.

use serde_json::{json, Value};

use crate::admit::{describe, Admission, CAPABILITIES, SECRET_NAMES, TOKEN_PREFIXES};
use crate::glob::matches;
use crate::pss::{OTHER_VOLUMES, RESTRICTED_VOLUMES};
use crate::resources::{
    Action, AdmissionMode, AdmissionSpec, ContainerKind, Criterion, CriterionName, Op,
};

/// A rule the API server cannot enforce, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpressed {
    pub rule: String,
    pub why: String,
}

/// The ValidatingAdmissionPolicies (and Bindings) for a policy's expressible rules.
#[derive(Debug, Clone, Default)]
pub struct Emitted {
    pub resources: Vec<Value>,
    pub unexpressed: Vec<Unexpressed>,
}

/// The kinds of object a policy is written for: the resources, and where the pod is.
struct Shape {
    name: &'static str,
    rules: &'static [(&'static str, &'static [&'static str])],
    spec: &'static str,
    /// The template's metadata, whose labels override the object's (`None`: a pod).
    template: Option<&'static str>,
}

const SHAPES: [Shape; 3] = [
    Shape {
        name: "pods",
        rules: &[("", &["pods", "pods/ephemeralcontainers"])],
        spec: "object.spec",
        template: None,
    },
    Shape {
        name: "workloads",
        rules: &[
            ("", &["replicationcontrollers"]),
            (
                "apps",
                &["deployments", "statefulsets", "daemonsets", "replicasets"],
            ),
            ("batch", &["jobs"]),
        ],
        spec: "object.spec.template.spec",
        template: Some("object.spec.template"),
    },
    Shape {
        name: "cronjobs",
        rules: &[("batch", &["cronjobs"])],
        spec: "object.spec.jobTemplate.spec.template.spec",
        template: Some("object.spec.jobTemplate.spec.template"),
    },
];

/// Kubernetes' volume sources (core/v1 Volume): what `volumeTypes` names.
fn volume_sources() -> impl Iterator<Item = &'static str> {
    RESTRICTED_VOLUMES.into_iter().chain(OTHER_VOLUMES)
}

/// The policies for `admission`'s expressible rules, excluding `excluded` namespaces.
pub fn policies(admission: &Admission, excluded: &[String]) -> Emitted {
    let mut out = Emitted::default();
    let mut exceptions = Vec::new();
    for (title, rule) in admission
        .rules()
        .iter()
        .filter(|(_, r)| r.action == Action::Allow)
    {
        match holds(rule) {
            Ok(e) => exceptions.push(e),
            Err(why) => out.unexpressed.push(Unexpressed {
                rule: title.clone(),
                why,
            }),
        }
    }
    let denies: Vec<&(String, AdmissionSpec)> = admission
        .rules()
        .iter()
        .filter(|(_, r)| r.action == Action::Deny)
        .collect();
    if !out.unexpressed.is_empty() {
        for (title, _) in denies {
            out.unexpressed.push(Unexpressed {
                rule: title.clone(),
                why: "an exception is not expressible in CEL, so no deny is written".into(),
            });
        }
        return out;
    }
    // (mode, validations) of the expressible denies.
    let mut written: Vec<(AdmissionMode, Vec<(String, String)>)> = Vec::new();
    for (title, rule) in denies {
        match holds(rule) {
            Ok(expr) => {
                let mut allowed = vec![format!("!({expr})")];
                allowed.extend(exceptions.iter().map(|e| format!("({e})")));
                let message = match &rule.message {
                    Some(m) => format!("{title}: {m}"),
                    None => format!("{title}: {}", describe(&rule.criteria)),
                };
                let mode = admission.mode_of(rule);
                match written.iter_mut().find(|(m, _)| *m == mode) {
                    Some((_, v)) => v.push((allowed.join(" || "), message)),
                    None => written.push((mode, vec![(allowed.join(" || "), message)])),
                }
            }
            Err(why) => out.unexpressed.push(Unexpressed {
                rule: title.clone(),
                why,
            }),
        }
    }
    for (mode, validations) in &written {
        for shape in &SHAPES {
            let name = format!(
                "palisade-{}-{}",
                shape.name,
                match mode {
                    AdmissionMode::Protect => "deny",
                    AdmissionMode::Monitor => "warn",
                }
            );
            out.resources
                .push(policy(&name, shape, validations, excluded));
            out.resources.push(json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": {"name": name},
                "spec": {
                    "policyName": name,
                    "validationActions": match mode {
                        AdmissionMode::Protect => json!(["Deny"]),
                        AdmissionMode::Monitor => json!(["Warn", "Audit"]),
                    },
                },
            }));
        }
    }
    out
}

fn policy(
    name: &str,
    shape: &Shape,
    validations: &[(String, String)],
    excluded: &[String],
) -> Value {
    let rules: Vec<Value> = shape
        .rules
        .iter()
        .map(|(group, resources)| {
            json!({
                "apiGroups": [group],
                "apiVersions": ["*"],
                "operations": ["CREATE", "UPDATE"],
                "resources": resources,
            })
        })
        .collect();
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "palisade"}},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": rules,
                "namespaceSelector": {"matchExpressions": [{
                    "key": "kubernetes.io/metadata.name",
                    "operator": "NotIn",
                    "values": excluded,
                }]},
            },
            "variables": variables(shape),
            "validations": validations.iter().map(|(expression, message)| json!({
                "expression": expression,
                "message": message,
                "reason": "Forbidden",
            })).collect::<Vec<_>>(),
        },
    })
}

/// `variables.spec`, `.labels`, `.annotations` (as `key=value`, the template's over the
/// object's) and `.namespace`, as the native engine sees them.
fn variables(shape: &Shape) -> Value {
    let pairs = |key: &str| -> String {
        let own = format!("object.metadata.{key}");
        let own_pairs = |filter: &str| {
            format!("(has(object.metadata.{key}) ? {own}{filter}.map(k, k + '=' + {own}[k]) : [])")
        };
        match shape.template {
            None => own_pairs(""),
            Some(t) => {
                let tm = format!("{t}.metadata.{key}");
                let has_t = format!("has({t}.metadata) && has({t}.metadata.{key})");
                format!(
                    "{} + ({has_t} ? {tm}.map(k, k + '=' + {tm}[k]) : [])",
                    own_pairs(&format!(".filter(k, !({has_t} && k in {tm}))"))
                )
            }
        }
    };
    json!([
        {"name": "spec", "expression": shape.spec},
        {"name": "labels", "expression": pairs("labels")},
        {"name": "annotations", "expression": pairs("annotations")},
        {"name": "namespace", "expression": "request.namespace != '' ? request.namespace : (has(object.metadata.namespace) ? object.metadata.namespace : 'default')"},
    ])
}

/// Whether a rule holds, in CEL over `variables` and `request`.
fn holds(rule: &AdmissionSpec) -> Result<String, String> {
    let mut pod = Vec::new();
    let mut per_container = Vec::new();
    for c in &rule.criteria {
        match c.name.per_container() {
            true => per_container.push(container_criterion(c)?),
            false => pod.push(pod_criterion(c)?),
        }
    }
    if !per_container.is_empty() {
        let kinds: Vec<&str> = [
            (ContainerKind::Containers, "containers"),
            (ContainerKind::InitContainers, "initContainers"),
            (ContainerKind::EphemeralContainers, "ephemeralContainers"),
        ]
        .iter()
        .filter(|(k, _)| rule.containers.is_empty() || rule.containers.contains(k))
        .map(|(_, name)| *name)
        .collect();
        let each = per_container.join(" && ");
        let list = |k: &str| format!("variables.spec.{k}");
        pod.push(match rule.action {
            // Any container judged breaks it.
            Action::Deny => kinds
                .iter()
                .map(|k| format!("(has(variables.spec.{k}) && {}.exists(c, {each}))", list(k)))
                .collect::<Vec<_>>()
                .join(" || "),
            // Every container judged is vetted, and there is one.
            Action::Allow => format!(
                "({}) && {}",
                kinds
                    .iter()
                    .map(|k| format!("(has(variables.spec.{k}) && size({}) > 0)", list(k)))
                    .collect::<Vec<_>>()
                    .join(" || "),
                kinds
                    .iter()
                    .map(|k| format!("(!has(variables.spec.{k}) || {}.all(c, {each}))", list(k)))
                    .collect::<Vec<_>>()
                    .join(" && ")
            ),
        });
    }
    Ok(match pod.is_empty() {
        true => "true".into(),
        false => pod
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" && "),
    })
}

fn not_expressible(c: &Criterion, why: &str) -> String {
    format!("{} {}: {why}", c.name.name(), c.op.name())
}

/// A boolean fact compared with `is`.
fn boolean(c: &Criterion, fact: String) -> Result<String, String> {
    match (c.op, c.value.as_deref()) {
        (Op::Is, Some("true")) => Ok(fact),
        (Op::Is, _) => Ok(format!("!({fact})")),
        _ => Err(not_expressible(c, "only `is` is written for this fact")),
    }
}

/// `has(a.b.c)` for each step of a field path below `root`.
fn has_path(root: &str, path: &str) -> String {
    let mut at = root.to_string();
    let mut out = Vec::new();
    for step in path.split('.') {
        at = format!("{at}.{step}");
        out.push(format!("has({at})"));
    }
    out.join(" && ")
}

/// A field's value if set, else `default`.
fn field_or(root: &str, path: &str, default: &str) -> String {
    format!("({} ? {root}.{path} : {default})", has_path(root, path))
}

fn pod_criterion(c: &Criterion) -> Result<String, String> {
    use CriterionName::*;
    let spec = "variables.spec";
    match c.name {
        Namespace => set(c, "[variables.namespace]"),
        Labels => set(c, "variables.labels"),
        Annotations => set(c, "variables.annotations"),
        User => set(
            c,
            "(request.userInfo.username != '' ? [request.userInfo.username] : [])"),
        UserGroups => set(
            c,
            "(has(request.userInfo.groups) ? request.userInfo.groups : [])"),
        ServiceAccount => set(c, &format!("[{}]", field_or(spec, "serviceAccountName", "'default'"))),
        HostNetwork | HostPid | HostIpc => {
            let field = match c.name {
                HostNetwork => "hostNetwork",
                HostPid => "hostPID",
                _ => "hostIPC",
            };
            boolean(c, format!("{} == true", field_or(spec, field, "false")))
        }
        AutomountServiceAccountToken => boolean(
            c,
            format!("{} != false", field_or(spec, "automountServiceAccountToken", "true")),
        ),
        HostPaths => set(
            c,
            &format!("(has({spec}.volumes) ? {spec}.volumes.filter(v, has(v.hostPath)).map(v, v.hostPath.path) : [])")),
        Sysctls => set(
            c,
            &format!(
                "({} ? {spec}.securityContext.sysctls.map(s, s.name) : [])",
                has_path(spec, "securityContext.sysctls")
            )),
        VolumeTypes => volume_types(c),
        _ => Err(not_expressible(c, "judged by the webhook only")),
    }
}

fn container_criterion(c: &Criterion) -> Result<String, String> {
    use CriterionName::*;
    match c.name {
        Privileged => boolean(
            c,
            format!("{} == true", field_or("c", "securityContext.privileged", "false")),
        ),
        // Kubernetes lets a process gain privileges unless told not to.
        AllowPrivilegeEscalation => boolean(
            c,
            format!(
                "{} != false",
                field_or("c", "securityContext.allowPrivilegeEscalation", "true")
            ),
        ),
        HostPorts => set(
            c,
            "(has(c.ports) ? c.ports.filter(p, has(p.hostPort) && p.hostPort > 0).map(p, string(p.hostPort)) : [])"),
        EnvVarNames => set(c, "(has(c.env) ? c.env.map(e, e.name) : [])"),
        EnvVarSecrets => boolean(
            c,
            format!("has(c.env) && c.env.exists(e, {})", looks_secret("e")),
        ),
        // The container's profile if it has one (typed or not), else the pod's.
        SeccompProfile => {
            let own = "c.securityContext.seccompProfile";
            let pod = "variables.spec.securityContext.seccompProfile";
            let list = format!(
                "({} ? (has({own}.type) ? [{own}.type] : []) : ({} ? [{pod}.type] : []))",
                has_path("c", "securityContext.seccompProfile"),
                has_path("variables.spec", "securityContext.seccompProfile.type"),
            );
            set(c, &list)
        }
        AddedCapabilities => capabilities(c),
        _ => Err(not_expressible(c, "judged by the webhook only")),
    }
}

/// A set operator over a list of strings.
fn set(c: &Criterion, list: &str) -> Result<String, String> {
    // The engine's `?` is one byte, a regex's `.` one character: they differ on non-ASCII text.
    if c.values.iter().any(|p| p.contains('?')) {
        return Err(not_expressible(
            c,
            "`?` in a pattern (one byte to the engine, one character to CEL)",
        ));
    }
    let any = |patterns: &[String], var: &str| -> String {
        patterns
            .iter()
            .map(|p| item_matches(p, var))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let v = &c.values;
    Ok(match c.op {
        Op::ContainsAny if v.is_empty() => "false".into(),
        Op::ContainsAny => format!("{list}.exists(x, {})", any(v, "x")),
        Op::ContainsAll => v
            .iter()
            .map(|p| format!("{list}.exists(x, {})", item_matches(p, "x")))
            .chain(std::iter::once("true".to_string()))
            .collect::<Vec<_>>()
            .join(" && "),
        Op::ContainsNone if v.is_empty() => "true".into(),
        Op::ContainsNone => format!("!{list}.exists(x, {})", any(v, "x")),
        Op::ContainsOtherThan if v.is_empty() => format!("size({list}) > 0"),
        Op::ContainsOtherThan => format!("{list}.exists(x, !({}))", any(v, "x")),
        Op::Set => format!("size({list}) > 0"),
        Op::Unset => format!("size({list}) == 0"),
        _ => {
            return Err(not_expressible(
                c,
                "this operator is not written for a list",
            ))
        }
    })
}

/// Whether item `var` matches glob `pattern` as the native engine matches: whole, or (a
/// pattern without `=` or `@`) the part before the first `=` or `@`.
fn item_matches(pattern: &str, var: &str) -> String {
    let mut alts = vec![format!(
        "{var}.matches({})",
        lit(&format!("^{}$", regex(pattern, None, false)))
    )];
    for sep in ['=', '@'] {
        if !pattern.contains(sep) {
            alts.push(format!(
                "{var}.matches({})",
                lit(&format!(
                    "^{}{}",
                    regex(pattern, Some(sep), false),
                    escape(sep)
                ))
            ));
        }
    }
    alts.join(" || ")
}

/// A glob as an RE2 regex (no anchors); with `stop`, wildcards do not cross that character;
/// with `fold`, ASCII letters match either case (what the engine's uppercasing does, without
/// the Unicode case folding of `(?i)`).
fn regex(glob: &str, stop: Option<char>, fold: bool) -> String {
    let any = match stop {
        None => "(?s:.)".to_string(),
        Some(s) => format!("[^{}]", escape(s)),
    };
    let mut out = String::new();
    for ch in glob.chars() {
        match ch {
            '*' => out.push_str(&format!("{any}*")),
            '?' => out.push_str(&any),
            c if fold && c.is_ascii_alphabetic() => out.push_str(&format!(
                "[{}{}]",
                c.to_ascii_uppercase(),
                c.to_ascii_lowercase()
            )),
            c => out.push_str(&escape(c)),
        }
    }
    out
}

/// A character as a regex literal.
fn escape(c: char) -> String {
    match "\\.+*?()|[]{}^$-".contains(c) {
        true => format!("\\{c}"),
        false => c.to_string(),
    }
}

/// A CEL string literal.
fn lit(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Volume types over the known sources: a pattern names the sources it matches.
fn volume_types(c: &Criterion) -> Result<String, String> {
    let matched = |patterns: &[String]| -> Vec<&str> {
        volume_sources()
            .filter(|t| patterns.iter().any(|p| matches(p, t, false)))
            .collect()
    };
    let some = |types: &[&str]| -> String {
        match types.is_empty() {
            true => "false".into(),
            false => format!(
                "(has(variables.spec.volumes) && variables.spec.volumes.exists(v, {}))",
                types
                    .iter()
                    .map(|t| format!("has(v.{t})"))
                    .collect::<Vec<_>>()
                    .join(" || ")
            ),
        }
    };
    let v = &c.values;
    Ok(match c.op {
        Op::ContainsAny => some(&matched(v)),
        Op::ContainsNone => format!("!{}", some(&matched(v))),
        Op::ContainsAll => v
            .iter()
            .map(|p| some(&matched(std::slice::from_ref(p))))
            .chain(std::iter::once("true".to_string()))
            .collect::<Vec<_>>()
            .join(" && "),
        Op::ContainsOtherThan => {
            let inside = matched(v);
            let others: Vec<&str> = volume_sources().filter(|t| !inside.contains(t)).collect();
            some(&others)
        }
        Op::Set => some(&volume_sources().collect::<Vec<_>>()),
        Op::Unset => format!("!{}", some(&volume_sources().collect::<Vec<_>>())),
        _ => {
            return Err(not_expressible(
                c,
                "this operator is not written for a list",
            ))
        }
    })
}

/// Added capabilities, as the native engine reads them: any case, `CAP_` or not, `ALL` as
/// every capability.
fn capabilities(c: &Criterion) -> Result<String, String> {
    let add = "c.securityContext.capabilities.add";
    let guard = has_path("c", "securityContext.capabilities.add");
    let all = "a.matches('^(?:[Cc][Aa][Pp]_)*[Aa][Ll][Ll]$')";
    let one = |p: &str| -> String {
        let p = p.to_ascii_uppercase();
        let p = p.trim_start_matches("CAP_");
        if p == "ALL" {
            return "true".into();
        }
        // The item as the engine sees it: capitals, without `CAP_`; the literal ALL is not an
        // item but every capability is.
        let named = format!(
            "(!{all} && a.matches({}))",
            lit(&format!("^(?:[Cc][Aa][Pp]_)*{}$", regex(p, None, true)))
        );
        match CAPABILITIES.iter().any(|cap| matches(p, cap, false)) {
            true => format!("({named} || {all})"),
            false => named,
        }
    };
    let any = |ps: &[String]| ps.iter().map(|p| one(p)).collect::<Vec<_>>().join(" || ");
    let v = &c.values;
    Ok(match c.op {
        Op::ContainsAny if v.is_empty() => "false".into(),
        Op::ContainsAny => format!("({guard} && {add}.exists(a, {}))", any(v)),
        Op::ContainsNone if v.is_empty() => "true".into(),
        Op::ContainsNone => format!("!({guard} && {add}.exists(a, {}))", any(v)),
        Op::Set => format!("({guard} && size({add}) > 0)"),
        Op::Unset => format!("!({guard} && size({add}) > 0)"),
        _ => {
            return Err(not_expressible(
                c,
                "only containsAny, containsNone, set and unset are written for capabilities",
            ))
        }
    })
}

/// An environment variable `e` whose literal value looks like a secret, as `looks_secret`.
fn looks_secret(e: &str) -> String {
    let name = format!("{e}.name");
    let value = format!("(has({e}.value) ? {e}.value : '')");
    let words = SECRET_NAMES
        .iter()
        .map(|w| regex(w, None, true))
        .collect::<Vec<_>>()
        .join("|");
    let tokens = TOKEN_PREFIXES
        .iter()
        .map(|t| regex(t, None, false))
        .collect::<Vec<_>>()
        .join("|");
    [
        format!(
            "({name}.matches({}) && {value} != '')",
            lit(&format!("(?:{words})"))
        ),
        format!("{value}.matches('^A[KS]IA[A-Z0-9]{{16}}$')"),
        format!("({value}.contains('-----BEGIN') && {value}.contains('PRIVATE KEY-----'))"),
        format!(
            "({value}.matches({}) && size({value}) >= 20)",
            lit(&format!("^(?:{tokens})"))
        ),
        format!("({value}.matches('^eyJ[^.]*\\\\.[^.]*\\\\.[^.]*$') && size({value}) > 30)"),
    ]
    .join(" || ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_become_anchored_regexes_in_cel_strings() {
        assert_eq!(regex("shop-*", None, false), "shop\\-(?s:.)*");
        assert_eq!(regex("a?b", Some('='), false), "a[^=]b");
        assert_eq!(regex("net_*", None, true), "[Nn][Ee][Tt]_(?s:.)*");
        assert_eq!(lit("it's \\d"), "'it\\'s \\\\d'");
    }
}
