//! `palisade policy test`: cases, each a workload, one event and the verdict expected (and,
//! optionally, the rule expected to decide), run against a policy, as `kyverno test` runs its
//! cases. A test file is a resource of kind `PolicyTest`, read like the policy itself.

use std::collections::BTreeMap;
use std::net::IpAddr;

use palisade_core::InputError;
use serde::Deserialize;

use crate::de::from_node;
use crate::decide::{Compiled, Decision, Event, PeerInfo, Verdict, Workload};
use crate::load::error;
use crate::resources::{Direction, Protocol, API_VERSION};
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

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Case {
    pub name: String,
    pub workload: WorkloadSpec,
    #[serde(default)]
    pub exec: Option<ExecSpec>,
    #[serde(default)]
    pub file: Option<FileSpec>,
    #[serde(default)]
    pub connect: Option<ConnectSpec>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
        let events = [c.exec.is_some(), c.file.is_some(), c.connect.is_some()];
        if events.iter().filter(|e| **e).count() != 1 {
            let line = lines.get(i).copied().unwrap_or(doc.at.line);
            return Err(InputError::new(
                name,
                format!("case {:?}: one of exec, file or connect", c.name),
            )
            .at_line(line));
        }
        if let Some(ip) = c.connect.as_ref().and_then(|x| x.ip.as_deref()) {
            if ip.parse::<IpAddr>().is_err() {
                let line = lines.get(i).copied().unwrap_or(doc.at.line);
                return Err(InputError::new(
                    name,
                    format!("case {:?}: {ip:?} is not an IP address", c.name),
                )
                .at_line(line));
            }
        }
    }
    Ok((t.spec, lines))
}

/// One case's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub passed: bool,
}

/// The event a case (or `palisade policy explain`) describes: the first of `exec`, `file` and
/// `connect` given. An exec's name is its path's last part, cut to the 15 bytes the kernel
/// keeps, where no name is given.
pub fn event<'a>(
    exec: Option<&'a ExecSpec>,
    file: Option<&'a FileSpec>,
    connect: Option<&'a ConnectSpec>,
    peer: Option<&'a Workload>,
) -> Option<Event<'a>> {
    if let Some(x) = exec {
        let name = x.name.as_deref().unwrap_or_else(|| {
            let base = x.path.rsplit('/').next().unwrap_or(&x.path);
            // Cut at a character boundary at most 15 bytes in.
            let mut end = base.len().min(15);
            while !base.is_char_boundary(end) {
                end -= 1;
            }
            &base[..end]
        });
        return Some(Event::Exec {
            path: &x.path,
            name,
            parent: x.parent.as_deref(),
            from_image: x.from_image,
        });
    }
    if let Some(f) = file {
        return Some(Event::File {
            path: &f.path,
            write: f.write,
            process: &f.process,
        });
    }
    connect.map(|c| Event::Connect {
        direction: c.direction,
        peer: PeerInfo {
            ip: c.ip.as_deref().and_then(|i| i.parse().ok()),
            name: c.name.as_deref(),
            workload: peer,
        },
        port: c.port,
        protocol: c.protocol,
    })
}

/// Runs one case against `policy`.
pub fn run(policy: &Compiled, case: &Case) -> Outcome {
    let workload = case.workload.workload();
    let peer_workload = case
        .connect
        .as_ref()
        .and_then(|c| c.workload.as_ref())
        .map(WorkloadSpec::workload);
    let Some(event) = event(
        case.exec.as_ref(),
        case.file.as_ref(),
        case.connect.as_ref(),
        peer_workload.as_ref(),
    ) else {
        // `read` refuses a case without an event.
        return Outcome {
            decision: Decision {
                verdict: Verdict::Allow,
                rule: None,
                reason: "no event",
            },
            passed: false,
        };
    };
    let decision = policy.decide(&workload, &event);
    let passed = decision.verdict == case.expect.verdict.verdict()
        && case
            .expect
            .rule
            .as_ref()
            .is_none_or(|r| decision.rule.as_ref() == Some(r));
    Outcome { decision, passed }
}
