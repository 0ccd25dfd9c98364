//! The custom resources of the `security.palisade.dev/v1` API group, as users write them. The
//! types derive `Deserialize` (read through `de`, so errors have positions) and `JsonSchema`
//! (the CRDs' OpenAPI schemas are generated from them).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const GROUP: &str = "security.palisade.dev";
pub const API_VERSION: &str = "security.palisade.dev/v1";

/// The resource kinds, by their `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Rules for workloads of one namespace.
    SecurityRule,
    /// Rules for workloads of any namespace.
    ClusterSecurityRule,
    /// A named set of workloads or addresses that rules refer to.
    GroupDefinition,
    /// Switches for the built-in rules that apply to every workload.
    GlobalRules,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::SecurityRule,
        Kind::ClusterSecurityRule,
        Kind::GroupDefinition,
        Kind::GlobalRules,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::SecurityRule => "SecurityRule",
            Kind::ClusterSecurityRule => "ClusterSecurityRule",
            Kind::GroupDefinition => "GroupDefinition",
            Kind::GlobalRules => "GlobalRules",
        }
    }

    pub fn namespaced(self) -> bool {
        self == Kind::SecurityRule
    }
}

/// The part of Kubernetes' object metadata a policy uses; the rest (`uid`,
/// `resourceVersion`, `managedFields`, as `kubectl get -o yaml` writes them) is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Metadata {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// Which workloads: every condition given must hold; a list holds when any of its patterns
/// does (`*` matches any run of characters, `?` one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Pod labels, each equal (a value of `*` only asks that the label is set).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Image references, `registry/repository[:tag][@digest]` patterns
    /// (`registry.example/shop/*:1.*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// The workload's owner, `KIND/NAME` (`Deployment/web`, `CronJob/backup`; a bare name
    /// matches any kind): what the runtime learns, not the pod's own name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupSpec {
    /// Workloads in the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Selector>,
    /// Addresses in the group: `10.0.0.0/8`, `192.0.2.1`, `192.0.2.10-192.0.2.20`,
    /// `api.example.com`, `*.example.com`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Other groups whose members are members of this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// What a rule does in an area with no other say: Discover learns and never blocks, Monitor
/// allows and alerts, Protect blocks and alerts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Mode {
    Discover,
    Monitor,
    Protect,
}

/// `basic`: only the rules written (and the global rules); `zero-drift`: besides, only
/// executables that came with the image may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Baseline {
    Basic,
    ZeroDrift,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Deny,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Modes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Mode>,
    /// Processes and files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<Mode>,
}

/// The workloads a rule is about: a group by name, or a selector written in place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Selector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProcessRule {
    /// The process name (`comm`, at most 15 characters as the kernel keeps it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The executable's path, a glob (`/usr/bin/*`; `**` crosses directories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The parent process's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
    #[default]
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FileRule {
    /// A glob (`/etc/nginx/**`).
    pub path: String,
    #[serde(default)]
    pub access: Access,
    /// Process names this rule is about; empty for any process.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<String>,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Egress,
    Ingress,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    #[default]
    Any,
}

/// The other end of a connection: a group by name, or addresses written in place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Peer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

/// One HTTP request a rule matches: each field given must match (`path` a glob).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkRule {
    pub direction: Direction,
    /// Any peer when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Peer>,
    /// `80`, `8000-8080`; any port when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(default)]
    pub protocol: Protocol,
    /// Application protocols (`http`, `grpc`, `dns`, `tls`, `kafka`, ...); any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<String>,
    /// HTTP requests allowed or denied; any request when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpMatch>,
    /// DNS query names (`*.example.com`); any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    /// TLS server names; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni: Vec<String>,
    pub action: Action,
}

/// The built-in rules, each on unless a `GlobalRules` resource turns it off (`false`). They
/// apply to every workload after its own rules: an `allow` of a workload's rule is an
/// exception to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlobalSpec {
    /// No shell started by a network server (nginx, httpd, node, java, python, php-fpm, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_shell_from_server: Option<bool>,
    /// No sshd in a container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_sshd: Option<bool>,
    /// No package manager at runtime (apt, dpkg, yum, dnf, rpm, apk, zypper, pip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_package_manager: Option<bool>,
    /// No writes to binary and library directories (/bin, /usr/lib, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_binary_writes: Option<bool>,
    /// No tools reverse shells are made with (nc, ncat, netcat, socat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_reverse_shell_tools: Option<bool>,
    /// No known cryptocurrency miners (xmrig, minerd, cpuminer, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_miners: Option<bool>,
}

/// A `SecurityRule`'s or `ClusterSecurityRule`'s spec.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleSpec {
    pub target: Target,
    #[serde(default)]
    pub mode: Modes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process: Vec<ProcessRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file: Vec<FileRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<NetworkRule>,
}
