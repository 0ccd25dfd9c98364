//! Admission decisions: a resource (a pod, or anything that carries a pod template) judged
//! against the `AdmissionRule`s. Exceptions (`allow`) first: one that matches admits. Then
//! the denies: the first that matches in Protect refuses, each that matches in Monitor adds a
//! warning. A rule matches when all its criteria hold. Pure: the request's user, the images'
//! scan results and the risky service accounts are given by the caller (the webhook, `palisade
//! policy check`, a test case).
//!
//! Where a criterion looks at containers it holds when it holds for any container judged
//! (the kinds the rule names; every kind when it names none).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::admission::{parse_level, parse_path, parse_quantity, Facts, Step};
use crate::glob::matches;
use crate::pss;
use crate::resources::{
    Action, AdmissionDefaults, AdmissionMode, AdmissionSpec, ContainerKind, Criterion,
    CriterionName, Op, Unscanned,
};
use crate::{Policy, Spec};

/// One finding of an image's scan, as criteria count them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingFact {
    pub id: String,
    /// `low`, `medium`, `high`, `critical` (anything else counts as none of them).
    pub severity: String,
    pub fixable: bool,
    /// Days since the vulnerability was published, when known (unknown counts as old).
    pub published_days_ago: Option<u32>,
    pub cvss: Option<f64>,
}

/// What is known of an image: its scan, and the keys its signatures were verified with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageFacts {
    pub findings: Vec<FindingFact>,
    /// `name@version` of each package.
    pub packages: Vec<String>,
    pub compliance_failures: Vec<String>,
    /// The image's `USER`, as its config says (empty: root).
    pub user: Option<String>,
    /// The public keys (PEM) a cosign signature of the image was verified with.
    pub verified_keys: Vec<String>,
    /// Only the signatures are known: the image was never scanned (scan criteria see
    /// nothing, `unscannedImages` decides).
    pub unscanned: bool,
}

/// The request around the resource.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// The namespace of the request (the object's own when empty).
    pub namespace: &'a str,
    pub user: &'a str,
    pub groups: &'a [String],
    /// Service accounts (`NAMESPACE/NAME`; `NAMESPACE/*` and `*/*` for groups of them)
    /// bound to risky roles (`rbac::risky_service_accounts`).
    pub risky_service_accounts: &'a [String],
}

/// What admission says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The rule that decided (`AdmissionRule no-privileged`), if one did.
    pub rule: Option<String>,
    pub message: String,
    /// Monitor-mode rules that matched, each a line for the user.
    pub warnings: Vec<String>,
    /// The rules behind `warnings`, in order (`GlobalRules podSecurity` for the cluster's
    /// level, `GlobalRules unscannedImages` for images never scanned).
    pub warned_by: Vec<String>,
}

/// Why a resource could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    #[error("{0}")]
    NotJudged(String),
}

/// The admission rules of a policy, ready to judge resources.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    rules: Vec<(String, AdmissionSpec)>,
    defaults: AdmissionDefaults,
    /// Every Pod Security level required (each GlobalRules', `--pod-security`): all hold.
    levels: Vec<String>,
}

impl Admission {
    pub fn new(policy: &Policy) -> Admission {
        let mut out = Admission::default();
        for r in &policy.resources {
            match &r.spec {
                Spec::Admission(a) if !a.disabled => out.rules.push((r.title(), a.clone())),
                Spec::Global(g) => {
                    if let Some(a) = &g.admission {
                        // The strictest of what GlobalRules resources say.
                        let d = &mut out.defaults;
                        d.mode = d.mode.max(a.mode);
                        let rank = |u: Option<Unscanned>| match u {
                            None => 0,
                            Some(Unscanned::Warn) => 1,
                            Some(Unscanned::Scan) => 2,
                            Some(Unscanned::Deny) => 3,
                        };
                        if rank(a.unscanned_images) > rank(d.unscanned_images) {
                            d.unscanned_images = a.unscanned_images;
                        }
                        d.scan_deadline_seconds =
                            match (d.scan_deadline_seconds, a.scan_deadline_seconds) {
                                (Some(x), Some(y)) => Some(x.min(y)),
                                (x, y) => x.or(y),
                            };
                        if strictness(&a.pod_security) > strictness(&d.pod_security) {
                            d.pod_security = a.pod_security.clone();
                        }
                        if let Some(level) = &a.pod_security {
                            if !out.levels.contains(level) {
                                out.levels.push(level.clone());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The rules judged (enabled ones), by title, in order.
    pub fn rules(&self) -> &[(String, AdmissionSpec)] {
        &self.rules
    }

    /// What the GlobalRules say (the strictest of them), `--pod-security` included.
    pub fn defaults(&self) -> &AdmissionDefaults {
        &self.defaults
    }

    /// A deny rule's mode: its own, else the GlobalRules', else Protect.
    pub fn mode_of(&self, rule: &AdmissionSpec) -> AdmissionMode {
        rule.mode
            .or(self.defaults.mode)
            .unwrap_or(AdmissionMode::Protect)
    }

    /// Requires the Pod Security level `level` (`baseline`, `restricted:v1.30`) of every pod,
    /// besides the levels the policy's GlobalRules require.
    pub fn require_pod_security(&mut self, level: &str) -> Result<(), String> {
        parse_level(level)?;
        if !self.levels.iter().any(|l| l == level) {
            self.levels.push(level.to_string());
        }
        let level = Some(level.to_string());
        if strictness(&level) > strictness(&self.defaults.pod_security) {
            self.defaults.pod_security = level;
        }
        Ok(())
    }

    /// Judges `object` (a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
    /// ReplicationController or PodTemplate; other kinds are admitted: no rule is about them).
    pub fn decide(
        &self,
        object: &Value,
        request: &Request<'_>,
        images: &dyn Fn(&str) -> Option<ImageFacts>,
    ) -> Result<Decision, AdmitError> {
        Ok(self.judge(object, request, images)?.decision())
    }

    /// Everything the policy says of `object`: the exception that admits it, else every rule
    /// that matches and what the cluster's GlobalRules say, in the order they are weighed.
    /// [`Judgement::decision`] is the webhook's answer; `palisade policy check` lists them all.
    pub fn judge(
        &self,
        object: &Value,
        request: &Request<'_>,
        images: &dyn Fn(&str) -> Option<ImageFacts>,
    ) -> Result<Judgement, AdmitError> {
        let Some(pod) = Pod::of(object, request) else {
            return Ok(Judgement {
                kind: object["kind"]
                    .as_str()
                    .unwrap_or("this resource")
                    .to_string(),
                carries_pod: false,
                exception: None,
                hits: Vec::new(),
            });
        };
        let mut out = Judgement {
            kind: object["kind"].as_str().unwrap_or("").to_string(),
            carries_pod: true,
            exception: None,
            hits: Vec::new(),
        };
        let facts: BTreeMap<String, Option<ImageFacts>> = pod
            .all_images()
            .into_iter()
            .map(|i| {
                let f = images(&i);
                (i, f)
            })
            .collect();
        let cx = Context {
            pod: &pod,
            request,
            images: &facts,
        };
        for (title, rule) in self.rules.iter().filter(|(_, r)| r.action == Action::Allow) {
            if cx.holds(rule)?.is_some() {
                out.exception = Some(title.clone());
                return Ok(out);
            }
        }
        for (title, rule) in self.rules.iter().filter(|(_, r)| r.action == Action::Deny) {
            let Some(path) = cx.holds(rule)? else {
                continue;
            };
            let mut say = match &rule.message {
                Some(m) => format!("{title}: {m}"),
                None => format!("{title}: {}", describe(&rule.criteria)),
            };
            // A Pod Security criterion says which controls, as Kubernetes would.
            for c in rule
                .criteria
                .iter()
                .filter(|c| c.name == CriterionName::PodSecurity)
            {
                let text = c.value.as_deref().unwrap_or("");
                if let Ok(level) = parse_level(text) {
                    let found = pod.pss(level);
                    if !found.is_empty() {
                        say = format!("{say}: {}", pss::message(&pss_label(text), &found));
                    }
                }
            }
            out.hits.push(Hit {
                rule: title.clone(),
                message: say,
                mode: self.mode_of(rule),
                global: false,
                path,
            });
        }
        let mode = self.defaults.mode.unwrap_or(AdmissionMode::Protect);
        // Then the cluster's Pod Security level (after the rules, whose names and messages are
        // the more telling), worded as Kubernetes words it.
        // Every level required, not only the strictest: `restricted:v1.0` does not hold what
        // `baseline:latest` does.
        for text in &self.levels {
            if let (Ok(level), false) = (parse_level(text), pod.claim) {
                let found = pod.pss(level);
                if !found.is_empty() {
                    let label = pss_label(text);
                    out.hits.push(Hit {
                        rule: "GlobalRules podSecurity".into(),
                        message: match mode {
                            AdmissionMode::Protect => pss::message(&label, &found),
                            AdmissionMode::Monitor => pss::warning(&label, &found),
                        },
                        mode,
                        global: true,
                        path: Some(pod.spec_path.to_string()),
                    });
                }
            }
        }
        let unscanned: Vec<&str> = facts
            .iter()
            .filter(|(_, f)| f.as_ref().is_none_or(|f| f.unscanned))
            .map(|(i, _)| i.as_str())
            .collect();
        if !unscanned.is_empty() {
            let list = unscanned.join(", ");
            let said = match self.defaults.unscanned_images {
                Some(Unscanned::Deny) => Some((
                    AdmissionMode::Protect,
                    format!("images never scanned: {list} (scan them first: palisade scan image)"),
                )),
                // The caller scans while the request waits; what reaches here did not finish.
                Some(Unscanned::Scan) => Some((
                    AdmissionMode::Protect,
                    format!("images not scanned in time: {list}"),
                )),
                // Unsaid, a warning: an image never scanned is never let through in silence.
                Some(Unscanned::Warn) | None => Some((
                    AdmissionMode::Monitor,
                    format!("images never scanned: {list}"),
                )),
            };
            if let Some((mode, message)) = said {
                out.hits.push(Hit {
                    rule: "GlobalRules unscannedImages".into(),
                    message,
                    mode,
                    global: true,
                    path: pod.first_image_path(&unscanned),
                });
            }
        }
        Ok(out)
    }
}

/// A rule (or GlobalRules setting) that a resource breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// `AdmissionRule no-privileged`, `GlobalRules podSecurity`.
    pub rule: String,
    pub message: String,
    /// Protect refuses, Monitor warns.
    pub mode: AdmissionMode,
    /// The cluster's GlobalRules, weighed only when no rule refused.
    pub global: bool,
    /// Where in the resource (`spec.template.spec.containers[0].securityContext.privileged`),
    /// as far as the rule points at one place.
    pub path: Option<String>,
}

/// All the policy says of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub kind: String,
    /// Whether the resource carries a pod (or is a claim): others no rule is about.
    pub carries_pod: bool,
    /// The exception (`allow` rule) that admits it; `hits` is then empty.
    pub exception: Option<String>,
    pub hits: Vec<Hit>,
}

impl Judgement {
    /// The webhook's answer: the first Protect rule refuses; Monitor rules warn; the
    /// GlobalRules count only when no rule refused.
    pub fn decision(&self) -> Decision {
        let mut d = Decision {
            allowed: true,
            rule: None,
            message: "no rule refuses it".into(),
            warnings: Vec::new(),
            warned_by: Vec::new(),
        };
        if !self.carries_pod {
            d.message = format!(
                "{} carries no pod: no admission rule is about it",
                self.kind
            );
            return d;
        }
        if let Some(title) = &self.exception {
            d.rule = Some(title.clone());
            d.message = format!("allowed by {title} (an exception)");
            return d;
        }
        for hit in &self.hits {
            if hit.global && !d.allowed {
                continue;
            }
            match hit.mode {
                AdmissionMode::Protect if d.allowed => {
                    d.allowed = false;
                    d.rule = Some(hit.rule.clone());
                    d.message = hit.message.clone();
                }
                AdmissionMode::Protect => {}
                AdmissionMode::Monitor => {
                    d.warnings.push(hit.message.clone());
                    d.warned_by.push(hit.rule.clone());
                }
            }
        }
        d
    }
}

/// How strict a Pod Security level is: by level, then version (`latest` the newest).
fn strictness(level: &Option<String>) -> Option<(bool, (u32, u32))> {
    level
        .as_deref()
        .and_then(|l| parse_level(l).ok())
        .map(|l| (l.restricted, l.version.unwrap_or(pss::LATEST)))
}

/// A level as Kubernetes prints it: `restricted:latest` when no version is given.
fn pss_label(text: &str) -> String {
    match text.contains(':') {
        true => text.to_string(),
        false => format!("{text}:latest"),
    }
}

/// Where a pod criterion looks: `(true, field)` under the pod's spec, `(false, path)` in the
/// object.
fn pod_field(name: CriterionName) -> Option<(bool, &'static str)> {
    use CriterionName::*;
    Some(match name {
        Namespace => (false, "metadata.namespace"),
        Labels => (false, "metadata.labels"),
        Annotations => (false, "metadata.annotations"),
        ServiceAccount | ServiceAccountRiskyRole => (true, "serviceAccountName"),
        HostNetwork => (true, "hostNetwork"),
        HostPid => (true, "hostPID"),
        HostIpc => (true, "hostIPC"),
        VolumeTypes | HostPaths => (true, "volumes"),
        Sysctls => (true, "securityContext.sysctls"),
        AutomountServiceAccountToken => (true, "automountServiceAccountToken"),
        StorageClass => (false, "spec.storageClassName"),
        _ => return None,
    })
}

/// Where a container criterion looks, in the container.
fn container_field(name: CriterionName) -> Option<&'static str> {
    use CriterionName::*;
    Some(match name {
        Privileged => "securityContext.privileged",
        AllowPrivilegeEscalation => "securityContext.allowPrivilegeEscalation",
        RunAsRoot => "securityContext",
        HostPorts => "ports",
        AddedCapabilities => "securityContext.capabilities.add",
        SeccompProfile => "securityContext.seccompProfile",
        AppArmorProfile => "securityContext.appArmorProfile",
        EnvVarNames | EnvVarSecrets => "env",
        CpuRequest | MemoryRequest => "resources.requests",
        CpuLimit | MemoryLimit => "resources.limits",
        Image | ImageRegistry | ImageRepository | ImageTag | ImageDigest | ImageScanned
        | CriticalCount | HighCount | MediumCount | CvssScore | CveIds | Packages
        | ComplianceFailures | ImageSigned => "image",
        _ => return None,
    })
}

/// A criterion in words, for a rule with no message of its own.
pub(crate) fn describe(criteria: &[Criterion]) -> String {
    criteria
        .iter()
        .map(|c| {
            let name = c.name.name();
            let what = match (&c.value, c.values.is_empty()) {
                (Some(v), _) => format!(" {v}"),
                (None, false) => format!(" [{}]", c.values.join(", ")),
                (None, true) => String::new(),
            };
            format!("{name} {}{what}", c.op.name())
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The pod a resource carries, and where it came from.
struct Pod<'a> {
    namespace: String,
    /// `key=value`, the object's and its template's.
    labels: Vec<String>,
    annotations: Vec<String>,
    spec: &'a Value,
    object: &'a Value,
    /// The pod as `jsonPath` criteria see it: a workload's template as the pod it makes (a
    /// claim as itself); made when first asked for.
    view: std::cell::OnceCell<Value>,
    /// The labels and annotations, the template's over the object's.
    merged: (
        serde_json::Map<String, Value>,
        serde_json::Map<String, Value>,
    ),
    /// A PersistentVolumeClaim: no pod at all.
    claim: bool,
    /// Where the pod's spec is in the object (`spec.template.spec`).
    spec_path: &'static str,
    /// Its containers, listed when first asked for.
    containers: std::cell::OnceCell<Vec<Container<'a>>>,
    /// The metadata Kubernetes' Pod Security checks see: a template's own only.
    pod_meta: &'a Value,
}

/// A container of a pod, its kind, and where it is in the pod's spec (`containers[0]`).
struct Container<'a> {
    kind: ContainerKind,
    value: &'a Value,
    /// `containers`, `initContainers` or `ephemeralContainers`, and the index in it.
    list: &'static str,
    index: usize,
}

impl Container<'_> {
    /// Where it is in the pod's spec: `containers[0]`.
    fn path(&self) -> String {
        format!("{}[{}]", self.list, self.index)
    }
}

impl<'a> Pod<'a> {
    fn of(object: &'a Value, request: &Request<'_>) -> Option<Pod<'a>> {
        let kind = object["kind"].as_str().unwrap_or("");
        let (template_meta, spec, spec_path) = shape(object)?;
        if !spec.is_object() {
            return None;
        }
        let merged = |key: &str| -> serde_json::Map<String, Value> {
            let mut m = object["metadata"][key]
                .as_object()
                .cloned()
                .unwrap_or_default();
            if let Some(t) = template_meta.and_then(|t| t[key].as_object()) {
                m.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            m
        };
        let (labels, annotations) = (merged("labels"), merged("annotations"));
        let pairs = |m: &serde_json::Map<String, Value>| -> Vec<String> {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        };
        let namespace = match request.namespace {
            "" => object["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string(),
            ns => ns.to_string(),
        };
        let claim = kind == "PersistentVolumeClaim";
        Some(Pod {
            pod_meta: template_meta.unwrap_or(&object["metadata"]),
            namespace,
            labels: pairs(&labels),
            annotations: pairs(&annotations),
            merged: (labels, annotations),
            spec,
            object,
            view: std::cell::OnceCell::new(),
            claim,
            spec_path,
            containers: std::cell::OnceCell::new(),
        })
    }

    /// The pod as `jsonPath` criteria see it, made the first time one asks (it copies the
    /// spec).
    fn view(&self) -> &Value {
        self.view.get_or_init(|| match self.claim {
            true => self.object.clone(),
            false => serde_json::json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": self.object["metadata"]["name"],
                    "namespace": self.namespace,
                    "labels": self.merged.0,
                    "annotations": self.merged.1,
                },
                "spec": self.spec,
            }),
        })
    }

    /// The controls of Pod Security `level` the pod fails.
    fn pss(&self, level: crate::admission::Level) -> Vec<pss::Violation> {
        pss::check_parts(level, self.pod_meta, self.spec)
    }

    /// Its containers, every kind, listed once per pod: every rule walks them.
    fn containers(&self) -> &[Container<'a>] {
        self.containers.get_or_init(|| {
            let mut out = Vec::new();
            for (list, kind) in [
                ("containers", ContainerKind::Containers),
                ("initContainers", ContainerKind::InitContainers),
                ("ephemeralContainers", ContainerKind::EphemeralContainers),
            ] {
                if let Some(items) = self.spec[list].as_array() {
                    out.extend(items.iter().enumerate().map(|(index, value)| Container {
                        kind,
                        value,
                        list,
                        index,
                    }));
                }
            }
            out
        })
    }

    /// Where the first container running one of `images` is.
    fn first_image_path(&self, images: &[&str]) -> Option<String> {
        self.containers()
            .iter()
            .find(|c| {
                c.value["image"]
                    .as_str()
                    .is_some_and(|i| images.contains(&i))
            })
            .map(|c| format!("{}.{}.image", self.spec_path, c.path()))
    }

    fn all_images(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .containers()
            .iter()
            .filter_map(|c| c.value["image"].as_str().map(String::from))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// A container's security setting, else the pod's.
    fn security(&self, k: &Value, key: &str) -> Value {
        let own = &k["securityContext"][key];
        match own {
            Value::Null => self.spec["securityContext"][key].clone(),
            v => v.clone(),
        }
    }
}

/// Where a kind keeps its pod: the template's metadata (none for a Pod), the spec, and the
/// spec's path. `None` for kinds that carry no pod.
#[allow(clippy::type_complexity)]
fn shape(object: &Value) -> Option<(Option<&Value>, &Value, &'static str)> {
    Some(match object["kind"].as_str().unwrap_or("") {
        // A claim has no pod: namespace, labels, user and storage class are judged.
        "Pod" | "PersistentVolumeClaim" => (None, &object["spec"], "spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => (
            Some(&object["spec"]["template"]["metadata"]),
            &object["spec"]["template"]["spec"],
            "spec.template.spec",
        ),
        // A PodTemplate is judged as Kubernetes' Pod Security judges it: as the pod.
        "PodTemplate" => (
            Some(&object["template"]["metadata"]),
            &object["template"]["spec"],
            "template.spec",
        ),
        "CronJob" => {
            let t = &object["spec"]["jobTemplate"]["spec"]["template"];
            (
                Some(&t["metadata"]),
                &t["spec"],
                "spec.jobTemplate.spec.template.spec",
            )
        }
        _ => return None,
    })
}

/// The pod spec a resource carries (a Pod's, a template's), if any.
pub fn pod_spec(object: &Value) -> Option<&Value> {
    shape(object).map(|(_, spec, _)| spec)
}

/// An image reference's parts: registry (`docker.io` when none is named, Docker Hub's other
/// names as `docker.io`), repository (`library/` for Docker Hub's official images), tag
/// (`latest` when neither tag nor digest is given), digest.
pub fn image_parts(image: &str) -> (String, String, Option<String>, Option<String>) {
    let (registry, repository, tag, digest) = split_image(image);
    let tag = tag.or_else(|| digest.is_none().then(|| "latest".to_string()));
    (registry, repository, tag, digest)
}

/// `image_parts` without the `latest` a missing tag means.
fn split_image(image: &str) -> (String, String, Option<String>, Option<String>) {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (image, None),
    };
    // A tag follows the last ':' after the last '/' (a registry's port comes before it).
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo_full, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(name[slash + i + 1..].to_string())),
        None => (name, None),
    };
    let (registry, repository) = match repo_full.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => {
            (host.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), repo_full.to_string()),
    };
    let registry = registry_alias(&registry);
    let repository = match (registry.as_str(), repository.contains('/')) {
        ("docker.io", false) => format!("library/{repository}"),
        _ => repository,
    };
    (registry, repository, tag, digest)
}

/// A registry by the one name of its aliases (Docker Hub's several), lowercase.
fn registry_alias(registry: &str) -> String {
    let lower = registry.to_ascii_lowercase();
    match lower.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        _ => lower,
    }
}

/// Whether an image pattern names an image, however either is spelt: `nginx`,
/// `docker.io/nginx` and `index.docker.io/library/nginx:latest` are one image. A pattern with
/// a digest names that digest (whatever the tag), one with a tag that tag (whatever the
/// digest), one with neither every version.
fn image_matches(pattern: &str, image: &str) -> bool {
    if matches(pattern, image, false) {
        return true;
    }
    let p = split_image(pattern);
    let i = image_parts(image);
    let name = |x: &(String, String, Option<String>, Option<String>)| format!("{}/{}", x.0, x.1);
    if !matches(&name(&p), &name(&i), false) {
        return false;
    }
    match (&p.2, &p.3) {
        (_, Some(digest)) => i.3.as_deref().is_some_and(|d| matches(digest, d, false)),
        (Some(tag), None) => i.2.as_deref().is_some_and(|t| matches(tag, t, false)),
        (None, None) => true,
    }
}

/// A container's added capabilities without `CAP_`, in capitals; `ALL` as every one of them.
fn added_capabilities(add: &[String]) -> Vec<String> {
    let mut caps: Vec<String> = add
        .iter()
        .map(|c| {
            c.to_ascii_uppercase()
                .trim_start_matches("CAP_")
                .to_string()
        })
        .collect();
    if caps.iter().any(|c| c == "ALL") {
        caps.retain(|c| c != "ALL");
        caps.extend(CAPABILITIES.iter().map(|c| c.to_string()));
    }
    caps
}

/// Words in an environment variable's name that say its value is a secret.
pub(crate) const SECRET_NAMES: [&str; 9] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// How well-known tokens begin (GitHub, GitLab, Slack, Stripe, Google API keys).
pub(crate) const TOKEN_PREFIXES: [&str; 8] = [
    "ghp_",
    "gho_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "sk_live_",
    "AIza",
];

/// Whether a literal environment value looks like a secret.
fn looks_secret(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let named = SECRET_NAMES.iter().any(|w| upper.contains(w));
    let aws = value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let pem = value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----");
    let tokens = TOKEN_PREFIXES
        .iter()
        .any(|p| value.starts_with(p) && value.chars().count() >= 20);
    // Lengths in characters, as CEL's size() counts them (the policies it is written into).
    let jwt =
        value.starts_with("eyJ") && value.matches('.').count() == 2 && value.chars().count() > 30;
    (named && !value.is_empty()) || aws || pem || tokens || jwt
}

struct Context<'a> {
    pod: &'a Pod<'a>,
    request: &'a Request<'a>,
    images: &'a BTreeMap<String, Option<ImageFacts>>,
}

/// What a criterion sees (of the pod, or of one container).
enum Seen {
    Texts(Vec<String>),
    Bool(bool),
    /// `None`: the field is not set (a container without a limit).
    Numbers(Vec<Option<f64>>),
    /// A field path's values: text, numbers and booleans as found; empty when not set.
    Any(Vec<Value>),
}

const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// Linux's capabilities (capabilities(7)), without `CAP_`: what `add: [ALL]` adds.
pub(crate) const CAPABILITIES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

impl Context<'_> {
    /// Whether all of a rule's criteria hold, and if so where: `Some(path)` of the first
    /// container that breaks it (or the pod's field). Those about the pod hold of the pod;
    /// those about containers hold together of one container (a deny's: of any container; an
    /// exception's: of every container judged, so one vetted container cannot carry others in).
    fn holds(&self, rule: &AdmissionSpec) -> Result<Option<Option<String>>, AdmitError> {
        let containers: Vec<&Container<'_>> = self
            .pod
            .containers()
            .iter()
            .filter(|c| rule.containers.is_empty() || rule.containers.contains(&c.kind))
            .collect();
        let (per_container, of_pod): (Vec<&Criterion>, Vec<&Criterion>) =
            rule.criteria.iter().partition(|c| c.name.per_container());
        for c in &of_pod {
            // A claim has no pod: only what a claim has can hold of it.
            if self.pod.claim && !c.name.of_claim() {
                return Ok(None);
            }
            if !compare(c, self.pod_seen(c)?) {
                return Ok(None);
            }
        }
        let pod_field = || {
            of_pod
                .iter()
                .find_map(|c| pod_field(c.name))
                .map(|(in_spec, f)| match in_spec {
                    true => format!("{}.{f}", self.pod.spec_path),
                    false => f.to_string(),
                })
        };
        if per_container.is_empty() {
            return Ok(Some(pod_field()));
        }
        let mut first = None;
        let mut each = Vec::with_capacity(containers.len());
        for k in &containers {
            let mut all = true;
            for c in &per_container {
                if !compare(c, self.container_seen(c, k.value)?) {
                    all = false;
                    break;
                }
            }
            if all && first.is_none() {
                let field = per_container.iter().find_map(|c| container_field(c.name));
                first = Some(match field {
                    Some(f) => format!("{}.{}.{f}", self.pod.spec_path, k.path()),
                    None => format!("{}.{}", self.pod.spec_path, k.path()),
                });
            }
            each.push(all);
        }
        let holds = match rule.action {
            Action::Deny => each.iter().any(|x| *x),
            Action::Allow => !each.is_empty() && each.iter().all(|x| *x),
        };
        Ok(holds.then(|| first.or_else(pod_field)))
    }

    /// What a criterion about the pod, the request or the object sees.
    fn pod_seen(&self, c: &Criterion) -> Result<Seen, AdmitError> {
        use CriterionName::*;
        let pod = self.pod;
        let spec = pod.spec;
        let volumes = || spec["volumes"].as_array().into_iter().flatten();
        Ok(match c.name {
            Namespace => Seen::Texts(vec![pod.namespace.clone()]),
            Labels => Seen::Texts(pod.labels.clone()),
            Annotations => Seen::Texts(pod.annotations.clone()),
            User => Seen::Texts(
                Some(self.request.user.to_string())
                    .filter(|u| !u.is_empty())
                    .into_iter()
                    .collect(),
            ),
            UserGroups => Seen::Texts(self.request.groups.to_vec()),
            ServiceAccount => Seen::Texts(vec![spec["serviceAccountName"]
                .as_str()
                .unwrap_or("default")
                .to_string()]),
            HostNetwork => Seen::Bool(spec["hostNetwork"] == Value::Bool(true)),
            HostPid => Seen::Bool(spec["hostPID"] == Value::Bool(true)),
            HostIpc => Seen::Bool(spec["hostIPC"] == Value::Bool(true)),
            VolumeTypes => Seen::Texts(
                volumes()
                    .filter_map(Value::as_object)
                    .flat_map(|o| {
                        o.keys()
                            .filter(|k| *k != "name")
                            .cloned()
                            .collect::<Vec<_>>()
                    })
                    .collect(),
            ),
            HostPaths => Seen::Texts(
                volumes()
                    .filter_map(|v| v["hostPath"]["path"].as_str().map(String::from))
                    .collect(),
            ),
            Sysctls => Seen::Texts(
                spec["securityContext"]["sysctls"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["name"].as_str().map(String::from))
                    .collect(),
            ),
            AutomountServiceAccountToken => {
                Seen::Bool(spec["automountServiceAccountToken"] != Value::Bool(false))
            }
            ServiceAccountRiskyRole => {
                let sa = spec["serviceAccountName"].as_str().unwrap_or("default");
                let account = format!("{}/{sa}", pod.namespace);
                // `NAMESPACE/*` and `*/*`: a group of service accounts is bound.
                Seen::Bool(
                    self.request
                        .risky_service_accounts
                        .iter()
                        .any(|r| matches(r, &account, false)),
                )
            }
            StorageClass => Seen::Texts(storage_classes(pod)),
            PodSecurity => {
                let level =
                    parse_level(c.value.as_deref().unwrap_or("")).map_err(AdmitError::NotJudged)?;
                Seen::Bool(!pod.pss(level).is_empty())
            }
            JsonPath => {
                let steps = c
                    .path
                    .as_deref()
                    .map(parse_path)
                    .transpose()
                    .map_err(AdmitError::NotJudged)?
                    .unwrap_or_default();
                Seen::Any(walk(pod.view(), &steps))
            }
            // The others are about containers (`per_container`).
            _ => Seen::Texts(Vec::new()),
        })
    }

    /// What a criterion about one container (or its image) sees.
    fn container_seen(&self, c: &Criterion, k: &Value) -> Result<Seen, AdmitError> {
        use CriterionName::*;
        let image = k["image"].as_str().unwrap_or("");
        let known = self.images.get(image).and_then(Option::as_ref);
        // What a scan found; an image known only by its signatures has none.
        let facts = known.filter(|f| !f.unscanned);
        let parts = image_parts(image);
        let list = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        };
        Ok(match c.name {
            Image => Seen::Texts(vec![image.to_string()]),
            ImageRegistry => Seen::Texts(vec![parts.0]),
            ImageRepository => Seen::Texts(vec![parts.1]),
            ImageTag => Seen::Texts(parts.2.into_iter().collect()),
            ImageDigest => Seen::Bool(parts.3.is_some()),
            Privileged => Seen::Bool(k["securityContext"]["privileged"] == Value::Bool(true)),
            // Kubernetes lets a process gain privileges unless told not to.
            AllowPrivilegeEscalation => {
                Seen::Bool(k["securityContext"]["allowPrivilegeEscalation"] != Value::Bool(false))
            }
            RunAsRoot => Seen::Bool(self.as_root(k, facts)),
            HostPorts => Seen::Texts(
                k["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["hostPort"].as_u64())
                    .filter(|p| *p > 0)
                    .map(|p| p.to_string())
                    .collect(),
            ),
            AddedCapabilities => Seen::Texts(added_capabilities(&list(
                &k["securityContext"]["capabilities"]["add"],
            ))),
            SeccompProfile => Seen::Texts(
                self.pod.security(k, "seccompProfile")["type"]
                    .as_str()
                    .map(String::from)
                    .into_iter()
                    .collect(),
            ),
            AppArmorProfile => {
                let name = k["name"].as_str().unwrap_or("");
                let key = format!("container.apparmor.security.beta.kubernetes.io/{name}");
                let annotation = self
                    .pod
                    .annotations
                    .iter()
                    .find_map(|a| a.strip_prefix(&format!("{key}=")).map(String::from));
                Seen::Texts(
                    self.pod.security(k, "appArmorProfile")["type"]
                        .as_str()
                        .map(String::from)
                        .or(annotation)
                        .into_iter()
                        .collect(),
                )
            }
            EnvVarNames => Seen::Texts(
                k["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["name"].as_str().map(String::from))
                    .collect(),
            ),
            EnvVarSecrets => Seen::Bool(k["env"].as_array().into_iter().flatten().any(|e| {
                looks_secret(
                    e["name"].as_str().unwrap_or(""),
                    e["value"].as_str().unwrap_or(""),
                )
            })),
            CpuRequest | CpuLimit | MemoryRequest | MemoryLimit => {
                let (section, key) = match c.name {
                    CpuRequest => ("requests", "cpu"),
                    CpuLimit => ("limits", "cpu"),
                    MemoryRequest => ("requests", "memory"),
                    _ => ("limits", "memory"),
                };
                let mut v = &k["resources"][section][key];
                // The API server gives a Pod's container the requests its limits set
                // (SetDefaults_Pod): the webhook sees them so, `policy check` the same.
                if section == "requests" && v.is_null() && self.pod.object["kind"] == "Pod" {
                    v = &k["resources"]["limits"][key];
                }
                Seen::Numbers(vec![v
                    .as_str()
                    .and_then(parse_quantity)
                    .or_else(|| v.as_f64())])
            }
            ImageScanned => Seen::Bool(facts.is_some()),
            // Counts of an image never scanned are unknown: no comparison holds.
            CriticalCount | HighCount | MediumCount => {
                let least = match c.name {
                    CriticalCount => 3,
                    HighCount => 2,
                    _ => 1,
                };
                Seen::Numbers(
                    facts
                        .map(|f| {
                            let n = f
                                .findings
                                .iter()
                                .filter(|x| {
                                    SEVERITIES
                                        .iter()
                                        .position(|s| x.severity.eq_ignore_ascii_case(s))
                                        .is_some_and(|r| r >= least)
                                        && (!c.only_fixable || x.fixable)
                                        // An unknown publication date counts: an unknown
                                        // age never lets a finding through.
                                        && c.older_than_days.is_none_or(|d| {
                                            x.published_days_ago.is_none_or(|a| a >= d)
                                        })
                                })
                                .count();
                            Some(n as f64)
                        })
                        .into_iter()
                        .collect(),
                )
            }
            CvssScore => Seen::Numbers(
                facts
                    .map(|f| Some(f.findings.iter().filter_map(|x| x.cvss).fold(0.0, f64::max)))
                    .into_iter()
                    .collect(),
            ),
            CveIds => Seen::Texts(facts.map_or(Vec::new(), |f| {
                f.findings.iter().map(|x| x.id.clone()).collect()
            })),
            Packages => Seen::Texts(facts.map_or(Vec::new(), |f| f.packages.clone())),
            ComplianceFailures => {
                Seen::Texts(facts.map_or(Vec::new(), |f| f.compliance_failures.clone()))
            }
            ImageSigned => {
                let want = c
                    .public_key
                    .as_deref()
                    .map(normalize_pem)
                    .unwrap_or_default();
                Seen::Bool(
                    known.is_some_and(|f| f.verified_keys.iter().any(|k| normalize_pem(k) == want)),
                )
            }
            // The others are about the pod (`per_container` is false for them).
            _ => Seen::Texts(Vec::new()),
        })
    }

    /// Whether a container may run as root: its UID (or the pod's) is 0; or none is given,
    /// runAsNonRoot is not set, and the image's USER is root or unknown.
    fn as_root(&self, k: &Value, facts: Option<&ImageFacts>) -> bool {
        match self.pod.security(k, "runAsUser").as_u64() {
            Some(uid) => uid == 0,
            None if self.pod.security(k, "runAsNonRoot") == Value::Bool(true) => false,
            None => match facts.and_then(|f| f.user.as_deref()) {
                // Only a number other than 0 is known not to be root: a name may map to UID
                // 0 in the image's /etc/passwd (the kubelet cannot tell either).
                Some(u) => {
                    let uid = u.split(':').next().unwrap_or("");
                    uid.parse::<u32>().is_ok_and(|n| n == 0) || uid.parse::<u32>().is_err()
                }
                None => true,
            },
        }
    }
}

fn normalize_pem(pem: &str) -> String {
    pem.split_whitespace().collect()
}

fn storage_classes(pod: &Pod<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if pod.object["kind"] == "PersistentVolumeClaim" {
        out.extend(
            pod.object["spec"]["storageClassName"]
                .as_str()
                .map(String::from),
        );
    }
    for t in pod.object["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.extend(t["spec"]["storageClassName"].as_str().map(String::from));
    }
    for v in pod.spec["volumes"].as_array().into_iter().flatten() {
        out.extend(
            v["ephemeral"]["volumeClaimTemplate"]["spec"]["storageClassName"]
                .as_str()
                .map(String::from),
        );
    }
    out
}

/// The values at `steps` under `v` (`[*]` fans out; paths are at most 32 steps).
fn walk(v: &Value, steps: &[Step]) -> Vec<Value> {
    let Some((first, rest)) = steps.split_first() else {
        return match v {
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
    };
    match (first, v) {
        (Step::Key(k), Value::Object(m)) => m.get(k).map_or(Vec::new(), |x| walk(x, rest)),
        (Step::Index(i), Value::Array(a)) => a.get(*i).map_or(Vec::new(), |x| walk(x, rest)),
        (Step::All, Value::Array(a)) => a.iter().flat_map(|x| walk(x, rest)).collect(),
        (Step::All, Value::Object(m)) => m.values().flat_map(|x| walk(x, rest)).collect(),
        _ => Vec::new(),
    }
}

/// Whether one text value matches a pattern, for criterion `name`: images however spelt;
/// an added capability `ALL` is every capability; `key=value` items (labels, annotations)
/// match a pattern without `=` by their key, `name@version` items (packages) one without
/// `@` by their name; a repository pattern without `/` names an official image too.
fn item_matches(name: CriterionName, pattern: &str, item: &str) -> bool {
    match name {
        CriterionName::Image => return image_matches(pattern, item),
        CriterionName::AddedCapabilities => {
            let p = pattern.to_ascii_uppercase();
            let p = p.trim_start_matches("CAP_");
            // A rule's `ALL` is every capability.
            return p == "ALL" || matches(p, item, false);
        }
        CriterionName::ImageRegistry => {
            return matches(&registry_alias(pattern), &registry_alias(item), false)
        }
        CriterionName::ImageRepository if !pattern.contains('/') => {
            return matches(pattern, item, false)
                || matches(&format!("library/{pattern}"), item, false)
        }
        _ => {}
    }
    if matches(pattern, item, false) {
        return true;
    }
    for sep in ['=', '@'] {
        if !pattern.contains(sep) {
            if let Some((head, _)) = item.split_once(sep) {
                if matches(pattern, head, false) {
                    return true;
                }
            }
        }
    }
    false
}

fn compare(c: &Criterion, seen: Seen) -> bool {
    let value = c.value.as_deref().unwrap_or("");
    let number = |x: f64| -> bool {
        let want = match c.name.facts() {
            Facts::Quantity | Facts::Path => parse_quantity(value),
            _ => value.parse::<f64>().ok(),
        };
        let Some(want) = want else { return false };
        match c.op {
            Op::Eq => x == want,
            Op::Ne => x != want,
            Op::Gt => x > want,
            Op::Gte => x >= want,
            Op::Lt => x < want,
            Op::Lte => x <= want,
            _ => false,
        }
    };
    let set = |items: &[String]| -> bool {
        let any = |p: &String| items.iter().any(|i| item_matches(c.name, p, i));
        match c.op {
            Op::ContainsAny => c.values.iter().any(any),
            Op::ContainsAll => c.values.iter().all(any),
            Op::ContainsNone => !c.values.iter().any(any),
            Op::ContainsOtherThan => items
                .iter()
                .any(|i| !c.values.iter().any(|p| item_matches(c.name, p, i))),
            Op::Set => !items.is_empty(),
            Op::Unset => items.is_empty(),
            _ => false,
        }
    };
    match seen {
        Seen::Texts(items) => set(&items),
        Seen::Bool(b) => match c.op {
            Op::Is => (value == "true") == b,
            // `podSecurity violates LEVEL`: the pod fails a control of the level.
            Op::Violates => b,
            _ => false,
        },
        Seen::Numbers(list) => match c.op {
            Op::Set => list.iter().any(Option::is_some),
            Op::Unset => list.iter().any(Option::is_none),
            _ => list.iter().flatten().any(|x| number(*x)),
        },
        Seen::Any(values) => match c.op {
            Op::Set => !values.is_empty(),
            Op::Unset => values.is_empty(),
            Op::Is => values.iter().any(|v| v.as_bool() == Some(value == "true")),
            op if Op::NUMBERS.contains(&op) => values.iter().any(|v| {
                v.as_f64()
                    .or_else(|| v.as_str().and_then(parse_quantity))
                    .is_some_and(number)
                    || (op == Op::Eq && v.as_str() == Some(value))
                    || (op == Op::Ne && v.as_str().is_some_and(|s| s != value))
            }),
            _ => {
                let texts: Vec<String> = values
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                set(&texts)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_as_registries_read_them() {
        let p = |i| image_parts(i);
        assert_eq!(
            p("nginx"),
            (
                "docker.io".into(),
                "library/nginx".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            p("nginx:1.25"),
            (
                "docker.io".into(),
                "library/nginx".into(),
                Some("1.25".into()),
                None
            )
        );
        assert_eq!(
            p("bitnami/redis:7"),
            (
                "docker.io".into(),
                "bitnami/redis".into(),
                Some("7".into()),
                None
            )
        );
        assert_eq!(
            p("registry.example:5000/shop/web:1.2@sha256:ab"),
            (
                "registry.example:5000".into(),
                "shop/web".into(),
                Some("1.2".into()),
                Some("sha256:ab".into())
            )
        );
        assert_eq!(
            p("localhost/app@sha256:cd"),
            (
                "localhost".into(),
                "app".into(),
                None,
                Some("sha256:cd".into())
            )
        );
    }

    #[test]
    fn secrets_in_values_are_told_from_references() {
        assert!(looks_secret("DB_PASSWORD", "hunter2"));
        assert!(looks_secret("X", "AKIAIOSFODNN7EXAMPLE"));
        assert!(looks_secret("KEY", "-----BEGIN RSA PRIVATE KEY-----\nabc"));
        assert!(looks_secret(
            "GH",
            "ghp_0123456789abcdefghijklmnopqrstuvwxyz"
        ));
        assert!(!looks_secret("DB_PASSWORD", ""));
        assert!(!looks_secret("LOG_LEVEL", "debug"));
    }
}
