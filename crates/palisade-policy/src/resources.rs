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
    /// Switches for the built-in rules that apply to every workload, and admission's settings.
    GlobalRules,
    /// A condition on resources admitted to the cluster: refused, or let through as an exception.
    AdmissionRule,
    /// Patterns of sensitive data leaving (card numbers, keys).
    DlpSensor,
    /// Patterns of attacks in HTTP requests.
    WafSensor,
    /// What to do when an event happens: quarantine, capture, a webhook.
    ResponseRule,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::SecurityRule,
        Kind::ClusterSecurityRule,
        Kind::GroupDefinition,
        Kind::GlobalRules,
        Kind::AdmissionRule,
        Kind::DlpSensor,
        Kind::WafSensor,
        Kind::ResponseRule,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::SecurityRule => "SecurityRule",
            Kind::ClusterSecurityRule => "ClusterSecurityRule",
            Kind::GroupDefinition => "GroupDefinition",
            Kind::GlobalRules => "GlobalRules",
            Kind::AdmissionRule => "AdmissionRule",
            Kind::DlpSensor => "DlpSensor",
            Kind::WafSensor => "WafSensor",
            Kind::ResponseRule => "ResponseRule",
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
    /// gRPC calls; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grpc: Vec<GrpcMatch>,
    /// Kafka requests; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kafka: Vec<KafkaMatch>,
    pub action: Action,
}

impl NetworkRule {
    /// Whether it is about requests (application protocols, HTTP, gRPC, DNS, TLS names,
    /// Kafka): judged when the request is known, not when the connection opens.
    pub fn per_request(&self) -> bool {
        !(self.applications.is_empty()
            && self.http.is_empty()
            && self.grpc.is_empty()
            && self.dns.is_empty()
            && self.sni.is_empty()
            && self.kafka.is_empty())
    }
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
    /// Admission's cluster-wide settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<AdmissionDefaults>,
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
    /// DLP sensors run on the workloads' traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dlp: Vec<SensorUse>,
    /// WAF sensors run on the HTTP requests the workloads receive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waf: Vec<SensorUse>,
}

/// A gRPC call a rule matches: `service` is the full name (`shop.v1.Cart`), `method` the
/// method's (`AddItem`); each a glob, any when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrpcMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// A Kafka request a rule matches: the topic (a glob) and, optionally, the API
/// (`produce`, `fetch`, or a number of Kafka's API keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KafkaMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
}

/// What a rule does when a sensor finds something in its workloads' traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SensorAction {
    /// Report it, let the traffic through.
    Alert,
    /// Block the request (in Protect; reported in the other modes).
    Deny,
}

/// A DLP or WAF sensor used by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SensorUse {
    /// The `DlpSensor` or `WafSensor` by name.
    pub sensor: String,
    pub action: SensorAction,
}

/// Where in traffic a sensor's pattern looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Context {
    /// Anywhere in the payload.
    #[default]
    Any,
    /// An HTTP request's URL.
    Url,
    /// An HTTP header.
    Header,
    /// An HTTP body.
    Body,
}

/// One pattern of a sensor: a built-in detector by name, or a regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pattern {
    pub name: String,
    /// A built-in detector: for DLP `creditCard`, `ssn`, `iban`, `awsAccessKey`,
    /// `gcpApiKey`, `azureStorageKey`, `privateKey`, `jwt`, `githubToken`, `slackToken`; for
    /// WAF `sqlInjection`, `xss`, `pathTraversal`, `shellInjection`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
    /// A regular expression (Rust `regex` syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default)]
    pub context: Context,
}

/// A `DlpSensor`'s or `WafSensor`'s spec: patterns compiled together and scanned once over
/// the traffic of the workloads whose rules use the sensor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SensorSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub patterns: Vec<Pattern>,
}

pub const DLP_BUILTINS: &[&str] = &[
    "creditCard",
    "ssn",
    "iban",
    "awsAccessKey",
    "gcpApiKey",
    "azureStorageKey",
    "privateKey",
    "jwt",
    "githubToken",
    "slackToken",
];
pub const WAF_BUILTINS: &[&str] = &["sqlInjection", "xss", "pathTraversal", "shellInjection"];

/// Admission's two modes: Monitor lets a violating resource in with a warning, Protect
/// refuses it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum AdmissionMode {
    Monitor,
    Protect,
}

/// The kinds of containers of a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    Containers,
    InitContainers,
    EphemeralContainers,
}

/// What an admission criterion looks at in a resource (a pod, or a workload's pod template),
/// its containers, the request, or the image's scan result.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum CriterionName {
    // The resource and the request.
    Namespace,
    /// `key=value` (or `key`, any value) entries.
    Labels,
    Annotations,
    User,
    UserGroups,
    ServiceAccount,
    // Images (`registry/repository:tag@digest`; no tag is `latest`).
    Image,
    ImageRegistry,
    ImageRepository,
    ImageTag,
    /// Whether every image is pinned by digest.
    ImageDigest,
    // Security context.
    Privileged,
    AllowPrivilegeEscalation,
    /// Runs as UID 0: from the security context, else the image's `USER` when scanned.
    RunAsRoot,
    HostNetwork,
    #[serde(rename = "hostPID")]
    HostPid,
    #[serde(rename = "hostIPC")]
    HostIpc,
    HostPorts,
    /// Volume types (`hostPath`, `emptyDir`, `nfs`, ...).
    VolumeTypes,
    HostPaths,
    AddedCapabilities,
    SeccompProfile,
    AppArmorProfile,
    Sysctls,
    // Environment.
    EnvVarNames,
    /// Whether a variable's literal value looks like a secret (cloud keys, private keys,
    /// tokens, passwords); `secretKeyRef` values are not looked at.
    EnvVarSecrets,
    // Resources (quantities: `500m`, `512Mi`).
    CpuRequest,
    CpuLimit,
    MemoryRequest,
    MemoryLimit,
    // Service accounts and storage.
    AutomountServiceAccountToken,
    /// Whether the service account is bound to a risky role (cluster-admin, secrets
    /// readers, pod exec, escalate/bind/impersonate), from the RBAC objects given.
    ServiceAccountRiskyRole,
    StorageClass,
    // Image scan results.
    ImageScanned,
    CriticalCount,
    HighCount,
    MediumCount,
    /// The highest CVSS base score of the image's findings.
    CvssScore,
    CveIds,
    Packages,
    /// Ids of compliance checks the image fails.
    ComplianceFailures,
    /// Whether the image carries a cosign signature made with `publicKey`.
    ImageSigned,
    /// The Pod Security Standards level (`baseline`, `restricted`, `restricted:v1.30`) the
    /// pod violates.
    PodSecurity,
    /// Any field, by `path` (`.spec.dnsPolicy`, `.spec.containers[*].image`).
    JsonPath,
}

/// How a criterion compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// Some value of the resource matches one of `values` (globs).
    ContainsAny,
    /// Every one of `values` is matched by a value of the resource.
    ContainsAll,
    /// No value of the resource matches any of `values`.
    ContainsNone,
    /// Some value of the resource matches none of `values`.
    ContainsOtherThan,
    /// A boolean fact equals `value` (`true`, `false`).
    Is,
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    /// The field is set.
    Set,
    /// The field is not set.
    Unset,
    /// The pod violates the `value` level of the Pod Security Standards.
    Violates,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::ContainsAny => "containsAny",
            Op::ContainsAll => "containsAll",
            Op::ContainsNone => "containsNone",
            Op::ContainsOtherThan => "containsOtherThan",
            Op::Is => "is",
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Set => "set",
            Op::Unset => "unset",
            Op::Violates => "violates",
        }
    }

    pub const SETS: [Op; 4] = [
        Op::ContainsAny,
        Op::ContainsAll,
        Op::ContainsNone,
        Op::ContainsOtherThan,
    ];
    pub const NUMBERS: [Op; 6] = [Op::Eq, Op::Ne, Op::Gt, Op::Gte, Op::Lt, Op::Lte];
}

/// One condition of an admission rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Criterion {
    pub name: CriterionName,
    pub op: Op,
    /// For `is`, comparisons and `violates`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For the `contains*` operators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// `jsonPath`: the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Finding counts: only findings with a fixed version.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_fixable: bool,
    /// Finding counts: only findings published at least this many days ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<u32>,
    /// `imageSigned`: the cosign public key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// An `AdmissionRule`'s spec. Exceptions (`allow`) are evaluated first, then denies; the
/// first match decides; a rule matches when all its criteria hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionSpec {
    pub action: Action,
    /// The admission mode of `GlobalRules` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<AdmissionMode>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// What to tell the user besides the rule's name (what to change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Which containers are judged; all kinds when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<ContainerKind>,
    pub criteria: Vec<Criterion>,
}

/// What admission does with an image that was never scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Unscanned {
    Deny,
    Warn,
    /// Scan it while the request waits, up to `scanDeadlineSeconds`; deny if it does not
    /// finish.
    Scan,
}

/// Admission's cluster-wide settings (in `GlobalRules`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionDefaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<AdmissionMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscanned_images: Option<Unscanned>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_deadline_seconds: Option<u32>,
    /// `baseline` or `restricted`, optionally `:vX.Y`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<String>,
}

/// The events a response rule reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum EventCategory {
    /// A process, file or network rule's alert or deny.
    Violation,
    /// A threat the network path detected (floods, scans, tunnelling, ...).
    Threat,
    Dlp,
    Waf,
    Admission,
    Vulnerability,
    Compliance,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ResponseAction {
    /// Cut the workload off the network (what the operator keeps open stays open).
    Quarantine,
    /// Capture the workload's packets (`capture` says how long).
    Capture,
    /// Send the event to `webhook`.
    Webhook,
    /// Keep the event out of the log (a known, accepted noise).
    SuppressLog,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CaptureSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets: Option<u32>,
}

/// A `ResponseRule`'s spec: when an event of `event` matches (of a workload of `group`, by a
/// rule or sensor whose name matches `rule`, at least `severity`), do `actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResponseSpec {
    pub event: EventCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A glob on the name of the rule or sensor behind the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub actions: Vec<ResponseAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<CaptureSpec>,
    /// An `https://` or `http://` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// The application protocols rules name (`applications`), as the network path identifies
/// them from content.
pub const APPLICATIONS: &[&str] = &[
    "activemq",
    "cassandra",
    "consul",
    "couchbase",
    "couchdb",
    "dhcp",
    "dns",
    "echo",
    "elasticsearch",
    "etcd",
    "grpc",
    "http",
    "kafka",
    "memcached",
    "mongodb",
    "mssql",
    "mysql",
    "ntp",
    "oracle",
    "postgresql",
    "rabbitmq",
    "radius",
    "redis",
    "rtsp",
    "sip",
    "spark",
    "ssh",
    "syslog",
    "tftp",
    "tls",
    "voltdb",
    "zookeeper",
];

/// Kafka's API keys by the names rules use (the protocol's `ApiKey` numbers).
pub const KAFKA_APIS: &[(&str, i16)] = &[
    ("produce", 0),
    ("fetch", 1),
    ("listoffsets", 2),
    ("metadata", 3),
    ("offsetcommit", 8),
    ("offsetfetch", 9),
    ("findcoordinator", 10),
    ("joingroup", 11),
    ("heartbeat", 12),
    ("leavegroup", 13),
    ("syncgroup", 14),
    ("describegroups", 15),
    ("listgroups", 16),
    ("apiversions", 18),
    ("createtopics", 19),
    ("deletetopics", 20),
    ("deleterecords", 21),
    ("initproducerid", 22),
];

/// A Kafka API named by a rule (`produce`, or its number), as its key.
pub fn kafka_api(name: &str) -> Option<i16> {
    if let Ok(n) = name.parse::<i16>() {
        return (0..=74).contains(&n).then_some(n);
    }
    let lower = name.to_ascii_lowercase();
    KAFKA_APIS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, k)| *k)
}
