//! `palisade policy test`: cases, each a workload, one event and the verdict expected (and,
//! optionally, the rule expected to decide), run against a policy, as `kyverno test` runs its
//! cases. A test file is a resource of kind `PolicyTest`, read like the policy itself.

use std::collections::BTreeMap;
use std::net::IpAddr;

use palisade_core::InputError;
use serde::Deserialize;

use crate::admit::{Admission, FindingFact, ImageFacts, Request as AdmissionRequest};
use crate::de::from_node;
use crate::decide::{Compiled, Event, PeerInfo, Request, SensorKind, Verdict, Workload};
use crate::load::error;
use crate::resources::{kafka_api, Direction, Protocol, API_VERSION};
use crate::yaml::{parse, Limits, Node};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadSpec {
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub container: String,
    #[serde(default)]
    pub node: String,
    #[serde(default)]
    pub service: String,
}

impl WorkloadSpec {
    fn workload(&self) -> Workload {
        Workload {
            namespace: self.namespace.clone(),
            labels: self.labels.clone(),
            image: self.image.clone(),
            container: self.container.clone(),
            node: self.node.clone(),
            service: self.service.clone(),
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecSpec {
    pub path: String,
    /// The process name; the path's last part when not given.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default = "yes")]
    pub from_image: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FileSpec {
    pub path: String,
    #[serde(default)]
    pub write: bool,
    pub process: String,
}

fn tcp() -> Protocol {
    Protocol::Tcp
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectSpec {
    pub direction: Direction,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The peer, when it is a workload.
    #[serde(default)]
    pub workload: Option<WorkloadSpec>,
    pub port: u16,
    #[serde(default = "tcp")]
    pub protocol: Protocol,
}

/// An HTTP request of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpSpec {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub host: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrpcSpec {
    pub service: String,
    pub method: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KafkaSpec {
    pub topic: String,
    /// `produce`, `fetch`, ... or the API key's number.
    pub api: String,
}

/// One request on a connection: the connection, and exactly one of the request kinds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestSpec {
    pub connection: ConnectSpec,
    #[serde(default)]
    pub http: Option<HttpSpec>,
    #[serde(default)]
    pub grpc: Option<GrpcSpec>,
    #[serde(default)]
    pub dns: Option<String>,
    #[serde(default)]
    pub sni: Option<String>,
    #[serde(default)]
    pub kafka: Option<KafkaSpec>,
    /// A connection of this application protocol (`redis`, `ssh`), judged as a whole.
    #[serde(default)]
    pub other: Option<String>,
}

impl RequestSpec {
    /// The request, when exactly one kind is given and it is well formed.
    pub fn request(&self) -> Result<Request<'_>, String> {
        let mut found = Vec::new();
        if let Some(h) = &self.http {
            found.push(Request::Http {
                method: &h.method,
                path: &h.path,
                host: h.host.as_deref(),
            });
        }
        if let Some(g) = &self.grpc {
            found.push(Request::Grpc {
                service: &g.service,
                method: &g.method,
            });
        }
        if let Some(name) = &self.dns {
            found.push(Request::Dns { name });
        }
        if let Some(sni) = &self.sni {
            found.push(Request::Tls { sni });
        }
        if let Some(k) = &self.kafka {
            let api = kafka_api(&k.api)
                .ok_or_else(|| format!("Kafka API {:?}: produce, fetch, ... or a number", k.api))?;
            found.push(Request::Kafka {
                topic: &k.topic,
                api,
            });
        }
        if let Some(application) = &self.other {
            found.push(Request::Other { application });
        }
        match found.as_slice() {
            [one] => Ok(*one),
            _ => Err("a request is one of http, grpc, dns, sni, kafka or other".into()),
        }
    }
}

/// A sensor's find: `dlp: SENSOR` or `waf: SENSOR`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SensorCase {
    #[serde(default)]
    pub dlp: Option<String>,
    #[serde(default)]
    pub waf: Option<String>,
}

/// The event of a case (or of `palisade policy explain`).
#[derive(Debug, Clone, Copy)]
pub enum EventSpec<'a> {
    Exec(&'a ExecSpec),
    File(&'a FileSpec),
    Connect(&'a ConnectSpec),
    Request(&'a RequestSpec),
    Sensor(&'a SensorCase),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    Allow,
    Learn,
    Alert,
    Deny,
}

impl Expected {
    pub fn verdict(self) -> Verdict {
        match self {
            Expected::Allow => Verdict::Allow,
            Expected::Learn => Verdict::Learn,
            Expected::Alert => Verdict::Alert,
            Expected::Deny => Verdict::Deny,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    pub verdict: Expected,
    /// The statement expected to decide (`SecurityRule shop/web process[1]`).
    #[serde(default)]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Case {
    pub name: String,
    /// The workload of an event case.
    #[serde(default)]
    pub workload: WorkloadSpec,
    #[serde(default)]
    pub exec: Option<ExecSpec>,
    #[serde(default)]
    pub file: Option<FileSpec>,
    #[serde(default)]
    pub connect: Option<ConnectSpec>,
    #[serde(default)]
    pub request: Option<RequestSpec>,
    #[serde(default)]
    pub sensor: Option<SensorCase>,
    /// A resource to admit, written in place (a Pod, a Deployment, ...).
    #[serde(default)]
    pub manifest: Option<serde_json::Value>,
    /// The same from a file, relative to the test file (its first document).
    #[serde(default)]
    pub manifest_file: Option<String>,
    /// The admission request around the manifest: namespace, user, groups.
    #[serde(default)]
    pub admission: Option<AdmissionRequestSpec>,
    /// What is known of the manifest's images, by reference; an image not named was never
    /// scanned.
    #[serde(default)]
    pub images: BTreeMap<String, ImageSpec>,
    pub expect: Expect,
}

/// The admission request of a manifest case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionRequestSpec {
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Service accounts (`NAMESPACE/NAME`) bound to risky roles.
    #[serde(default)]
    pub risky_service_accounts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FindingSpec {
    pub id: String,
    pub severity: String,
    #[serde(default)]
    pub fixable: bool,
    #[serde(default)]
    pub published_days_ago: Option<u32>,
    #[serde(default)]
    pub cvss: Option<f64>,
}

/// An image's scan and signatures, as a case states them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageSpec {
    #[serde(default)]
    pub findings: Vec<FindingSpec>,
    #[serde(default)]
    pub packages: Vec<String>,
    #[serde(default)]
    pub compliance_failures: Vec<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub verified_keys: Vec<String>,
}

impl ImageSpec {
    pub fn facts(&self) -> ImageFacts {
        ImageFacts {
            findings: self
                .findings
                .iter()
                .map(|f| FindingFact {
                    id: f.id.clone(),
                    severity: f.severity.clone(),
                    fixable: f.fixable,
                    published_days_ago: f.published_days_ago,
                    cvss: f.cvss,
                })
                .collect(),
            packages: self.packages.clone(),
            compliance_failures: self.compliance_failures.clone(),
            user: self.user.clone(),
            verified_keys: self.verified_keys.clone(),
            unscanned: false,
        }
    }
}

impl Case {
    /// Its events: a well-formed case has exactly one.
    pub fn events(&self) -> Vec<EventSpec<'_>> {
        let mut v = Vec::new();
        v.extend(self.exec.as_ref().map(EventSpec::Exec));
        v.extend(self.file.as_ref().map(EventSpec::File));
        v.extend(self.connect.as_ref().map(EventSpec::Connect));
        v.extend(self.request.as_ref().map(EventSpec::Request));
        v.extend(self.sensor.as_ref().map(EventSpec::Sensor));
        v
    }

    /// Whether it is an admission case (a manifest, in place or from a file).
    pub fn admits(&self) -> bool {
        self.manifest.is_some() || self.manifest_file.is_some()
    }

    /// The connection it describes, if any (the peer's address is checked when read).
    fn connection(&self) -> Option<&ConnectSpec> {
        self.connect
            .as_ref()
            .or(self.request.as_ref().map(|r| &r.connection))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TestSpec {
    /// Policy files and directories, relative to the test file.
    pub policy: Vec<String>,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TestDoc {
    #[allow(dead_code)] // checked before the document is read as this type
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    #[allow(dead_code)] // named for the reader, not used
    metadata: crate::resources::Metadata,
    spec: TestSpec,
}

/// Reads a `PolicyTest` file: its cases, each with the line it starts on.
pub fn read(name: &str, text: &str) -> Result<(TestSpec, Vec<usize>), InputError> {
    let docs = parse(text, &Limits::default()).map_err(|e| error(name, e.at, e.reason))?;
    let [doc] = docs.as_slice() else {
        return Err(InputError::new(
            name,
            "a test file holds one PolicyTest document",
        ));
    };
    // The kind first: another resource would fail on its first unknown field instead.
    let is = |key: &str, want: &str| doc.get(key).and_then(Node::text) == Some(want);
    if !is("apiVersion", API_VERSION) || !is("kind", "PolicyTest") {
        return Err(error(
            name,
            Some(doc.at),
            format!("not a PolicyTest (expected apiVersion {API_VERSION}, kind PolicyTest)"),
        ));
    }
    let t: TestDoc = from_node(doc).map_err(|e| error(name, e.at.or(Some(doc.at)), e.reason))?;
    let lines = doc
        .get("spec")
        .and_then(|s| s.get("cases"))
        .map(|c| match &c.value {
            crate::yaml::Value::Seq(items) => items.iter().map(|n: &Node| n.at.line).collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    for (i, c) in t.spec.cases.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(doc.at.line);
        let bad = |why: String| {
            Err(InputError::new(name, format!("case {:?}: {why}", c.name)).at_line(line))
        };
        let events = c.events().len() + usize::from(c.admits());
        if events != 1 || (c.manifest.is_some() && c.manifest_file.is_some()) {
            return bad(
                "one of exec, file, connect, request, sensor, manifest or manifestFile".into(),
            );
        }
        if !c.admits() && (c.admission.is_some() || !c.images.is_empty()) {
            return bad("admission and images are for manifest cases".into());
        }
        if let Some(ip) = c.connection().and_then(|x| x.ip.as_deref()) {
            if ip.parse::<IpAddr>().is_err() {
                return bad(format!("{ip:?} is not an IP address"));
            }
        }
        if let Some(Err(why)) = c.request.as_ref().map(RequestSpec::request) {
            return bad(why);
        }
        if let Some(s) = &c.sensor {
            if s.dlp.is_some() == s.waf.is_some() {
                return bad("a sensor case names one sensor: dlp or waf".into());
            }
        }
    }
    Ok((t.spec, lines))
}

/// A manifest file's first resource, for a `manifestFile` case.
pub fn manifest(name: &str, text: &str) -> Result<serde_json::Value, InputError> {
    let docs = parse(text, &Limits::default()).map_err(|e| error(name, e.at, e.reason))?;
    let doc = docs
        .iter()
        .find(|d| !matches!(d.value, crate::yaml::Value::Null))
        .ok_or_else(|| InputError::new(name, "no resource in the file"))?;
    from_node(doc).map_err(|e| error(name, e.at.or(Some(doc.at)), e.reason))
}

/// One case's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The rule or statement that decided, if one did.
    pub rule: Option<String>,
    /// Why, when no rule decided (or what admission said).
    pub reason: String,
    pub passed: bool,
}

/// The event `spec` describes. An exec's name is its path's last part, cut to the 15 bytes
/// the kernel keeps, where no name is given. `None` for a request that is not well formed
/// (`read` refuses those).
pub fn event<'a>(spec: EventSpec<'a>, peer: Option<&'a Workload>) -> Option<Event<'a>> {
    let connection = |c: &'a ConnectSpec| {
        (
            c.direction,
            PeerInfo {
                ip: c.ip.as_deref().and_then(|i| i.parse().ok()),
                name: c.name.as_deref(),
                workload: peer,
            },
            c.port,
            c.protocol,
        )
    };
    Some(match spec {
        EventSpec::Exec(x) => {
            let name = x.name.as_deref().unwrap_or_else(|| {
                crate::learned::kernel_name(x.path.rsplit('/').next().unwrap_or(&x.path))
            });
            Event::Exec {
                path: &x.path,
                name,
                parent: x.parent.as_deref(),
                from_image: x.from_image,
            }
        }
        EventSpec::File(f) => Event::File {
            path: &f.path,
            write: f.write,
            process: &f.process,
        },
        EventSpec::Connect(c) => {
            let (direction, peer, port, protocol) = connection(c);
            Event::Connect {
                direction,
                peer,
                port,
                protocol,
            }
        }
        EventSpec::Request(r) => {
            let (direction, peer, port, protocol) = connection(&r.connection);
            Event::Request {
                direction,
                peer,
                port,
                protocol,
                request: r.request().ok()?,
            }
        }
        EventSpec::Sensor(s) => match (&s.dlp, &s.waf) {
            (Some(sensor), _) => Event::Sensor {
                kind: SensorKind::Dlp,
                sensor,
            },
            (None, Some(sensor)) => Event::Sensor {
                kind: SensorKind::Waf,
                sensor,
            },
            (None, None) => return None,
        },
    })
}

/// Runs one case against `policy` (its event rules) and `admission` (its admission rules).
/// A `manifestFile` case needs its manifest read in first (`Case::manifest`).
pub fn run(policy: &Compiled, admission: &Admission, case: &Case) -> Outcome {
    let outcome = |verdict, rule: Option<String>, reason: String| {
        let passed = verdict == case.expect.verdict.verdict()
            && case
                .expect
                .rule
                .as_ref()
                .is_none_or(|r| rule.as_ref() == Some(r));
        Outcome {
            verdict,
            rule,
            reason,
            passed,
        }
    };
    if case.admits() {
        let Some(object) = &case.manifest else {
            return Outcome {
                verdict: Verdict::Allow,
                rule: None,
                reason: "the manifest was not read".into(),
                passed: false,
            };
        };
        let req = case.admission.clone().unwrap_or_default();
        let request = AdmissionRequest {
            namespace: &req.namespace,
            user: &req.user,
            groups: &req.groups,
            risky_service_accounts: &req.risky_service_accounts,
        };
        let images = |image: &str| case.images.get(image).map(ImageSpec::facts);
        return match admission.decide(object, &request, &images) {
            Err(e) => Outcome {
                verdict: Verdict::Allow,
                rule: None,
                reason: e.to_string(),
                passed: false,
            },
            Ok(d) if !d.allowed => outcome(Verdict::Deny, d.rule, d.message),
            Ok(d) if !d.warnings.is_empty() => {
                outcome(Verdict::Alert, d.rule, d.warnings.join("; "))
            }
            Ok(d) => outcome(Verdict::Allow, d.rule, d.message),
        };
    }
    let workload = case.workload.workload();
    let peer_workload = case
        .connection()
        .and_then(|c| c.workload.as_ref())
        .map(WorkloadSpec::workload);
    let first = case.events().first().copied();
    let Some(event) = first.and_then(|e| event(e, peer_workload.as_ref())) else {
        // `read` refuses a case without an event.
        return Outcome {
            verdict: Verdict::Allow,
            rule: None,
            reason: "no event".into(),
            passed: false,
        };
    };
    let d = policy.decide(&workload, &event);
    outcome(d.verdict, d.rule, d.reason.to_string())
}
