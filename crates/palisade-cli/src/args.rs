//! The command line as the user types it. Only validation here; `main` builds the real objects.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_scan::matching::FindingStatus;
use palisade_scan::report;
use palisade_scan::sbom::Format;
use palisade_scan::severity::Level;
use palisade_version::Scheme;

#[derive(Parser)]
#[command(
    name = "palisade",
    version,
    about = "Container security: SBOMs, scanning and enforcement"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Write the software bill of materials of an image or root filesystem.
    ///
    /// SOURCE is named as skopeo and podman name it: oci:DIR[:REF], oci-archive:FILE[:REF],
    /// docker-archive:FILE[:REF|@N], rootfs:DIR, or an existing directory.
    Sbom(SbomArgs),
    /// Find vulnerabilities in an image, root filesystem, directory or SBOM, and gate on them.
    ///
    /// Exit status: 0 when nothing is reported (or --exit-code is 0), the --exit-code value
    /// when findings remain after filters, 2 on errors.
    Scan(ScanArgs),
    /// Show the evidence for one vulnerability id in a target: every advisory statement about
    /// the packages it names, and why each matched or did not.
    Explain(ExplainArgs),
    /// Match every image the store holds (from `scan image` of a registry image and `scan
    /// registry`) against the current database, and report what changed for each: new
    /// findings and fixed ones. The registry is not contacted.
    Rescan(RescanArgs),
    /// Read the store of scanned images: each image by digest, the digests a name pointed at
    /// over time, and the images a vulnerability affects.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Build, inspect, copy and update the vulnerability database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Security policy as code: Kubernetes resources of security.palisade.dev/v1.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Admission control: the webhook the API server asks before it stores a workload.
    #[command(subcommand)]
    Admission(AdmissionCommand),
    /// Tools for checking Palisade's building blocks.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(Subcommand)]
pub enum AdmissionCommand {
    /// Serve the validating admission webhook over HTTPS: POST /validate (AdmissionReview
    /// admission.k8s.io/v1 or v1beta1), GET /healthz, GET /metrics (Prometheus).
    ///
    /// Pods and every kind that carries a pod template are judged by the policy's
    /// AdmissionRules and GlobalRules (and --pod-security); image scan results come from the
    /// local store that `palisade scan image` and `scan registry` fill.
    Serve(Box<ServeArgs>),
    /// Write what installs the webhook in a cluster: the ValidatingWebhookConfiguration, and
    /// a ValidatingAdmissionPolicy (CEL) with its Binding for the rules the API server can
    /// enforce itself, so they hold while the webhook is down.
    ///
    /// failurePolicy is Fail when the policy's admission mode is Protect (an unreachable
    /// webhook refuses), Ignore when it is Monitor.
    Manifests(Box<ManifestsArgs>),
}

#[derive(Args)]
pub struct ManifestsArgs {
    /// Policy files or directories (AdmissionRule, GlobalRules).
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// The Pod Security Standards level the webhook is run with (--pod-security of serve).
    #[arg(long, value_name = "LEVEL")]
    pub pod_security: Option<String>,
    /// The namespace the webhook runs in (never sent to it).
    #[arg(long, default_value = "palisade", value_name = "NAMESPACE")]
    pub namespace: String,
    /// The webhook's Service.
    #[arg(long, default_value = "palisade-admission", value_name = "NAME")]
    pub service: String,
    /// The CA certificate (PEM) that signed the serving certificate: `ca.crt` of
    /// `serve --self-signed DIR`. Without it caBundle is left to a CA injector.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Seconds the API server waits for an answer (1 to 30).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub timeout: u32,
    /// Namespaces never judged, besides kube-system and --namespace.
    #[arg(long = "exclude-namespace", value_name = "NAMESPACE")]
    pub exclude: Vec<String>,
    /// Write here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Manifest files, or directories whose *.yaml, *.yml and *.json files are read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Policy files or directories (AdmissionRule, GlobalRules).
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Require a Pod Security Standards level: baseline or restricted[:vX.Y].
    #[arg(long, value_name = "LEVEL")]
    pub pod_security: Option<String>,
    /// table, json or sarif.
    #[arg(long, short = 'f', default_value = "table")]
    pub format: String,
    /// Write the report here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with this status when a resource would be refused.
    #[arg(long, default_value_t = 0)]
    pub exit_code: u8,
    /// The namespace the manifests are applied to (as `kubectl apply -n`); default: each
    /// resource's own, else `default`.
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The user applying them, for user criteria.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The user's groups, for userGroups criteria.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// RBAC objects (Roles, ClusterRoles and their bindings; files or directories) for
    /// serviceAccountRiskyRole, besides those among the manifests checked.
    #[arg(long, value_name = "PATH")]
    pub rbac: Vec<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The database findings' CVSS scores are read from (cvssScore criteria).
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443", value_name = "ADDR")]
    pub listen: String,
    /// Serving certificate chain (PEM); read again when it changes.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "self_signed"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Make a CA and a serving certificate in DIR (kept across restarts) and print the
    /// caBundle for the webhook configuration.
    #[arg(long, value_name = "DIR")]
    pub self_signed: Option<PathBuf>,
    /// The names the self-signed certificate answers to (default: localhost, 127.0.0.1 and
    /// the palisade-admission Service in namespace palisade).
    #[arg(long = "san", value_name = "NAME", requires = "self_signed")]
    pub sans: Vec<String>,
    /// Policy files or directories (AdmissionRule, GlobalRules).
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Require a Pod Security Standards level of every pod: baseline or restricted, with an
    /// optional version (restricted:v1.30).
    #[arg(long, value_name = "LEVEL")]
    pub pod_security: Option<String>,
    /// RBAC objects (Roles, ClusterRoles and their bindings; files or directories) for
    /// serviceAccountRiskyRole: `kubectl get roles,clusterroles,rolebindings,clusterrolebindings
    /// -A -o yaml`.
    #[arg(long, value_name = "PATH")]
    pub rbac: Vec<PathBuf>,
    /// Scans on admission (GlobalRules unscannedImages: scan) and cosign signature lookups
    /// (imageSigned) talk to registries over plain HTTP.
    #[arg(long)]
    pub registry_insecure: bool,
    /// PEM file of CA certificates to trust for registries (scans on admission, signatures).
    #[arg(long, value_name = "FILE")]
    pub registry_ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The database findings' CVSS scores are read from (cvssScore criteria).
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Subcommand)]
pub enum DebugCommand {
    /// Compare versions: reads `A<TAB>B` lines on stdin, prints -1, 0 or 1 per line.
    Vercmp {
        /// deb, rpm, apk, semver, cargo, pep440, maven, go, gem, composer or nuget
        #[arg(long)]
        scheme: Scheme,
    },
    /// Score CVSS vectors: reads one vector a line on stdin, prints its base score (or
    /// `error: ...`) per line.
    Cvss,
    /// Print the JSON schema (draft 2020-12) of a type scans return: scan-result, package,
    /// finding or diagnostic.
    Schema {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(palisade_engine::schema::NAMES))]
        name: String,
    },
    /// Time matching alone: catalogue SOURCE once, then match it ROUNDS times against a
    /// freshly opened database each round; prints packages, lookups and lookups per second.
    MatchBench {
        /// An image or root filesystem, as `sbom` takes it.
        source: String,
        #[arg(long, default_value_t = 20)]
        rounds: u32,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        image: Box<ImageArgs>,
    },
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check policy files: every document a resource this version reads, every name unique,
    /// every group referred to defined, addresses, ports and rules well formed.
    ///
    /// Exit status: 0 when valid, 2 with each problem as FILE:LINE:COLUMN: reason.
    Validate {
        /// Files, or directories whose *.yaml and *.yml files (at any depth) are read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Rewrite policy files in one canonical form: block style, keys in order, strings quoted
    /// only where they must be. YAML comments are not kept (the file says so when it had any).
    ///
    /// Exit status with --check: 1 when a file is not in that form (nothing is written).
    Fmt {
        /// Files, or directories whose *.yaml and *.yml files are rewritten.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only say which files would change.
        #[arg(long)]
        check: bool,
    },
    /// Compare two versions of a policy rule by rule: what was added, removed or changed, and
    /// whether each change loosens or tightens it (for a pull request's review).
    Diff {
        /// The policy before: a file or directory.
        old: PathBuf,
        /// The policy after.
        new: PathBuf,
        /// table or json.
        #[arg(long, short = 'f', default_value = "table")]
        format: String,
    },
    /// Judge Kubernetes manifests as the admission webhook would, before they reach a
    /// cluster: YAML streams (Helm and kustomize output), JSON, Lists.
    ///
    /// Exit status: the --exit-code value when a resource would be refused (default 0), 2 on
    /// errors (a manifest or policy that does not read).
    Check(Box<CheckArgs>),
    /// Run PolicyTest files: each case a workload, an event and the verdict expected.
    ///
    /// Exit status: 0 when every case passes, 1 when one fails, 2 on errors.
    Test {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Say which rules apply to a workload and which one decides an event, and why.
    ///
    /// The event is one of --exec PATH, --file PATH (with --process), or --connect
    /// egress|ingress (with --port, and --ip or --name).
    Explain(Box<PolicyExplainArgs>),
    /// Write the CustomResourceDefinitions of security.palisade.dev/v1 (for `kubectl apply
    /// -f`): their schemas are generated from the types `validate` reads.
    Crds,
    /// Write a policy as another enforcer's resources (--to), or what the runtime learned as
    /// Palisade policy (--learned). What a target cannot express is listed on standard error.
    Export {
        /// networkpolicy, cilium (1.20 and later), cilium-1.19 (with Kafka rules) or kubearmor.
        #[arg(
            long,
            value_name = "TARGET",
            required_unless_present = "learned",
            conflicts_with = "learned"
        )]
        to: Option<String>,
        /// A record of learned behaviour (JSON, as the enforcer writes it).
        #[arg(long, value_name = "FILE")]
        learned: Option<PathBuf>,
        /// The mode of the rules written from --learned.
        #[arg(long, default_value = "Monitor", requires = "learned")]
        mode: String,
        /// Policy files or directories (with --to).
        #[arg(required_unless_present = "learned")]
        paths: Vec<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Read another product's policy and write it as Palisade resources. What could not be
    /// mapped is listed on standard error, each with where it was and why.
    Import {
        /// neuvector: NvSecurityRule, NvClusterSecurityRule, NvGroupDefinition,
        /// NvAdmissionControlSecurityRule, NvDlpSecurityRule, NvWafSecurityRule and
        /// NvResponseRuleSecurityRule, as NeuVector exports them.
        #[arg(long, value_name = "PRODUCT")]
        from: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct PolicyExplainArgs {
    /// Policy files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, default_value = "default")]
    pub namespace: String,
    /// A pod label, KEY=VALUE; repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    #[arg(long, default_value = "")]
    pub image: String,
    #[arg(long, default_value = "")]
    pub container: String,
    #[arg(long, default_value = "")]
    pub node: String,
    /// The workload's owner, KIND/NAME (Deployment/web).
    #[arg(long, default_value = "")]
    pub service: String,
    /// An exec of this executable.
    #[arg(long, value_name = "PATH", group = "event")]
    pub exec: Option<String>,
    /// The exec's parent process name.
    #[arg(long, requires = "exec")]
    pub parent: Option<String>,
    /// The executable did not come with the image.
    #[arg(long, requires = "exec")]
    pub drifted: bool,
    /// An access to this file (by --process; a read unless --write).
    #[arg(long, value_name = "PATH", group = "event", requires = "process")]
    pub file: Option<String>,
    #[arg(long)]
    pub process: Option<String>,
    #[arg(long, requires = "file")]
    pub write: bool,
    /// A connection, egress or ingress.
    #[arg(long, value_name = "DIRECTION", group = "event", requires = "port")]
    pub connect: Option<String>,
    #[arg(long)]
    pub port: Option<u16>,
    /// tcp, udp or icmp.
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
    /// The peer's address.
    #[arg(long)]
    pub ip: Option<std::net::IpAddr>,
    /// The peer's DNS name.
    #[arg(long)]
    pub name: Option<String>,
    /// A request on the connection: an HTTP request, METHOD PATH (`GET /v1/items`).
    #[arg(long, value_name = "METHOD PATH", requires = "connect", group = "l7")]
    pub http: Option<String>,
    /// The HTTP request's Host.
    #[arg(long, requires = "http")]
    pub host: Option<String>,
    /// A gRPC call, SERVICE/METHOD (`shop.v1.Cart/AddItem`).
    #[arg(
        long,
        value_name = "SERVICE/METHOD",
        requires = "connect",
        group = "l7"
    )]
    pub grpc: Option<String>,
    /// A DNS query for this name.
    #[arg(long, value_name = "NAME", requires = "connect", group = "l7")]
    pub dns: Option<String>,
    /// A TLS handshake for this server name.
    #[arg(long, value_name = "NAME", requires = "connect", group = "l7")]
    pub sni: Option<String>,
    /// A Kafka request, API:TOPIC (`produce:orders`).
    #[arg(long, value_name = "API:TOPIC", requires = "connect", group = "l7")]
    pub kafka: Option<String>,
    /// A connection of this application protocol (redis, ssh, ...), judged as a whole.
    #[arg(long, value_name = "NAME", requires = "connect", group = "l7")]
    pub application: Option<String>,
    /// A find of this DLP sensor in the workload's traffic.
    #[arg(long, value_name = "SENSOR", group = "event")]
    pub dlp: Option<String>,
    /// A find of this WAF sensor in the workload's traffic.
    #[arg(long, value_name = "SENSOR", group = "event")]
    pub waf: Option<String>,
}

#[derive(Subcommand)]
pub enum DbCommand {
    /// Import advisory feeds (packs, feed files or directories of them) into one database file.
    Build {
        /// A feed pack (*.tar.zst), feed file, or directory holding them; repeatable.
        #[arg(long, required = true, value_name = "PATH")]
        from: Vec<String>,
        /// Where to write the database (default: the database palisade uses, see `db info`).
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Describe the database in use: schema, build time, sources, counts, checksum.
    Info {
        #[command(flatten)]
        db: DbArgs,
        /// Check the whole-file checksum too.
        #[arg(long)]
        verify: bool,
        /// Print the description as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write every advisory in the database as JSON lines (the OSV-shaped model).
    Export {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Install a database file copied from elsewhere (air-gapped use), after checking it.
    Import {
        /// The database file to install.
        file: PathBuf,
    },
    /// Download the feeds from their upstream URLs (or a mirror) and rebuild the database.
    ///
    /// The installed database is replaced only when every feed arrived and imported; the
    /// downloads are kept beside it (`feeds/`) for offline rebuilds.
    Update {
        /// Seconds allowed to resolve, connect and get a response, per request (the body gets
        /// 60 times that).
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Fetch every feed as MIRROR/<file name> instead of its upstream URL (NVD's API as
        /// MIRROR/rest/json/cves/2.0).
        #[arg(long, value_name = "URL")]
        mirror: Option<String>,
        /// Only these feeds (comma-separated): debian, alpine, pypa, go, rustsec, ghsa, kev, nvd
        /// (NVD's CVSS data, fetched only when named; $NVD_API_KEY makes it ten times faster).
        #[arg(long, value_delimiter = ',')]
        feeds: Vec<String>,
        /// Where to write the database (default: the cache's palisade.db).
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

/// Which vulnerability database to use.
#[derive(Args, Clone, Default)]
pub struct DbArgs {
    /// The database file (default: $PALISADE_DB, else the cache's palisade.db, else the
    /// snapshot built into this binary).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Args)]
pub struct SbomArgs {
    /// The image or root filesystem to read.
    pub source: String,
    /// cyclonedx, spdx-json, json or table.
    #[arg(long, short = 'f', default_value = "table")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub image: ImageArgs,
}

/// How to read an image: platform choice and the caps that protect against hostile images.
#[derive(Args)]
pub struct ImageArgs {
    /// Platform to pick from a multi-platform index, as os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,
    /// Largest decompressed size of one layer, in bytes (also caps a layer's registry
    /// download).
    #[arg(long, value_name = "BYTES")]
    pub max_layer_bytes: Option<u64>,
    /// Largest decompressed size of all layers together, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_image_bytes: Option<u64>,
    /// Largest declared size of any one file in a layer, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Largest package database or manifest file read for cataloguing, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_read_bytes: Option<u64>,
    /// Most entries in one layer (or files in a root filesystem).
    #[arg(long, value_name = "N")]
    pub max_entries: Option<usize>,
    /// Most bytes of package databases and manifests held for cataloguing, all layers'
    /// copies together (default 1 GiB).
    #[arg(long, value_name = "BYTES")]
    pub max_captured_bytes: Option<u64>,
    /// Leave out directories matching this glob (the path inside the target; `**` matches any
    /// number of directories), with everything under them. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub skip_dirs: Vec<String>,
    /// Leave out files matching this glob (the path inside the target). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub skip_files: Vec<String>,
    /// Reading `/`: also read /run and the other file systems mounted under it (by default
    /// only the root's own file system is read; /proc, /sys and /dev never are).
    #[arg(long)]
    pub all_mounts: bool,
    /// Do not check layers against their digests. Faster on large uncompressed archives; the
    /// layer digests reported are then the ones the image claims.
    #[arg(long)]
    pub skip_verify: bool,
    /// Neither use nor fill the cache of layer reads and registry blobs: every layer is read
    /// again, and a registry pull goes through a temporary directory removed afterwards.
    #[arg(long)]
    pub no_cache: bool,
    /// Give up if the whole command takes longer than this: 90s, 5m, 1h, 500ms (a bare number
    /// is seconds). No limit by default.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Registry credentials as USER:PASSWORD (else $PALISADE_REGISTRY_USER and
    /// $PALISADE_REGISTRY_PASSWORD, else the docker login in $DOCKER_CONFIG/config.json or
    /// ~/.docker/config.json).
    #[arg(long, value_name = "USER:PASSWORD")]
    pub creds: Option<String>,
    /// Talk to the registry over plain HTTP.
    #[arg(long)]
    pub insecure: bool,
    /// PEM file of CA certificates to trust for the registry.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for each step of a registry request.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub registry_timeout: u64,
}

/// What `scan` reads.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanKind {
    /// An image: oci:DIR[:REF], oci-archive:FILE, docker-archive:FILE, ...
    Image,
    /// An unpacked root filesystem (a container's or a host's): OS and language packages.
    Rootfs,
    /// A directory such as a repository checkout: language packages only.
    Fs,
    /// Every image of a registry (`/v2/_catalog`), by --repo and --tags; each is stored.
    Registry,
    /// An SBOM (CycloneDX or SPDX JSON, or Palisade's own JSON).
    Sbom,
}

#[derive(Args)]
pub struct ScanArgs {
    pub kind: ScanKind,
    /// The image reference, directory or SBOM file.
    pub target: String,
    /// table, json, sarif or cyclonedx.
    #[arg(long, short = 'f', default_value = "table")]
    pub format: report::Format,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub walk: WalkArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Which images of a registry `scan registry` reads.
#[derive(Args)]
pub struct WalkArgs {
    /// Repositories to scan, as a pattern with * and ? (default: all).
    #[arg(long, value_name = "PATTERN", default_value = "*")]
    pub repo: String,
    /// Tags to scan, as a pattern with * and ? (default: only "latest").
    #[arg(long, value_name = "PATTERN")]
    pub tags: Option<String>,
    /// Scan every tag.
    #[arg(long, conflicts_with = "tags")]
    pub all_tags: bool,
}

/// Where scanned images are stored.
#[derive(Args)]
pub struct StoreArgs {
    /// The store file (default: $PALISADE_STORE, else ~/.local/share/palisade/store.db).
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
}

#[derive(Args)]
pub struct RescanArgs {
    /// table, or json for JSON lines (one object per image).
    #[arg(long, short = 'f', default_value = "table")]
    pub format: RescanFormat,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Every stored image once, by digest: its names now, its scans, and its latest scan's
    /// findings by severity.
    Images {
        #[arg(long, short = 'f', default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The digests NAME (registry/repo:tag) pointed at, when, and each one's scans.
    History {
        name: String,
        #[arg(long, short = 'f', default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every stored image whose latest scan has vulnerability ID, with the package it is in.
    Affected {
        /// A vulnerability id as findings name it (CVE-2024-3094, GHSA-...).
        id: String,
        #[arg(long, short = 'f', default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// table, or json (one document).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RescanFormat {
    Table,
    Json,
}

/// Which findings are reported, and when the scan fails.
#[derive(Args)]
pub struct GateArgs {
    /// Report only these severities (comma-separated: CRITICAL,HIGH).
    #[arg(long, value_delimiter = ',')]
    pub severity: Vec<Level>,
    /// Report only these statuses (comma-separated: fixed,unfixed,will-not-fix,end-of-life).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<FindingStatus>,
    /// Leave out findings that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Exit with this status when any finding is reported.
    #[arg(long, default_value_t = 0)]
    pub exit_code: u8,
    /// Report only known exploited vulnerabilities (CISA KEV): only they count for
    /// --exit-code. The database must hold the KEV catalog.
    #[arg(long)]
    pub exploited: bool,
    /// Ignore file: `ID [exp:YYYY-MM-DD] [# reason]` per line (default: ./.palisadeignore if present).
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// OpenVEX document; not_affected and fixed statements suppress findings. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Files that could not be read (a broken lock file, an unreadable package database) fail
    /// the scan with status 2. Without it they are reported in the output and the exit status
    /// is the gate's.
    #[arg(long)]
    pub strict: bool,
    /// Working offline: no warning that the database is more than a week old. (Scans never
    /// download; the database in use is local or built in.)
    #[arg(long)]
    pub offline: bool,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The vulnerability id (CVE-..., GHSA-..., PYSEC-..., ...) or an alias of it.
    pub id: String,
    /// image, rootfs, fs or sbom.
    pub kind: ScanKind,
    pub target: String,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub image: ImageArgs,
}

/// `90s`, `5m`, `1h`, `500ms`, or a bare number of seconds.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?}: expected a number with ms, s, m or h (90s, 5m)"))?;
    let millis = match unit {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?}; use ms, s, m or h"
            ))
        }
    };
    millis
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| format!("{text:?}: too long"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_as_users_write_them() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        for bad in ["", "m", "5x", "-1s", "1.5s", "99999999999999999999s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
