//! The Pod Security Standards as Kubernetes' Pod Security Admission checks them: the
//! baseline and restricted controls, version by version (`restricted:v1.24`, `latest`), with
//! the words Kubernetes says them in, so a refusal here reads as the API server's would.
//!
//! Written from the behaviour of Kubernetes' `pod-security-admission/policy` checks (v1.35
//! the latest): the order of checks (baseline IDs, then restricted, each sorted), which
//! restricted check replaces which baseline one, the container order (init, then regular, then
//! ephemeral), and each message's form.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::admission::Level;

/// The newest policy version; later ones and `latest` are judged as it.
pub const LATEST: (u32, u32) = (1, 35);

/// One control a pod fails: Kubernetes' reason and detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub reason: String,
    pub detail: String,
}

/// `violates PodSecurity "restricted:latest": REASON (DETAIL), ...`, as the API server words
/// a refusal; `level` as written (`restricted:v1.30`).
pub fn message(level: &str, violations: &[Violation]) -> String {
    format!("violates PodSecurity \"{level}\": {}", details(violations))
}

/// `would violate PodSecurity "LEVEL": ...`: a warning, as Kubernetes words one.
pub fn warning(level: &str, violations: &[Violation]) -> String {
    format!(
        "would violate PodSecurity \"{level}\": {}",
        details(violations)
    )
}

fn details(violations: &[Violation]) -> String {
    let items: Vec<String> = violations
        .iter()
        .map(|v| match v.detail.is_empty() {
            true => v.reason.clone(),
            false => format!("{} ({})", v.reason, v.detail),
        })
        .collect();
    items.join(", ")
}

/// The controls `pod` (`{metadata, spec}` of a pod, or the pod a template makes) fails at
/// `level`, in Kubernetes' order.
pub fn check(level: Level, pod: &Value) -> Vec<Violation> {
    check_parts(level, &pod["metadata"], &pod["spec"])
}

/// `check` of a pod given as its metadata and spec, wherever they are (a template's).
pub fn check_parts(level: Level, meta: &Value, spec: &Value) -> Vec<Violation> {
    let (major, minor) = level.version.unwrap_or(LATEST);
    // Versions past the newest are judged as it (a v2 does not exist: judged as the newest).
    let minor = if major != 1 || minor > LATEST.1 {
        LATEST.1
    } else {
        minor
    };
    let p = Pod { meta, spec, minor };
    let mut checks: Vec<(&str, Check)> = vec![
        ("appArmorProfile", app_armor),
        ("capabilities_baseline", capabilities_baseline),
        ("hostNamespaces", host_namespaces),
        ("hostPathVolumes", host_path_volumes),
        ("hostPorts", host_ports),
        ("hostProbesAndHostLifecycle", probe_hosts),
        ("privileged", privileged),
        ("procMount", proc_mount_baseline),
        ("seLinuxOptions", selinux),
        ("seccompProfile_baseline", seccomp_baseline),
        ("sysctls", sysctls),
        ("windowsHostProcess", windows_host_process),
    ];
    if minor < 34 {
        checks.retain(|(id, _)| *id != "hostProbesAndHostLifecycle");
    }
    if level.restricted {
        // A restricted check replaces a baseline one from its version on.
        let replaced = [
            ("hostPathVolumes", 0),
            ("seccompProfile_baseline", 19),
            ("capabilities_baseline", 22),
            ("procMount", 35),
        ];
        checks.retain(|(id, _)| !replaced.iter().any(|(r, from)| r == id && minor >= *from));
        let restricted: [(&str, u32, Check); 7] = [
            ("allowPrivilegeEscalation", 8, allow_privilege_escalation),
            ("capabilities_restricted", 22, capabilities_restricted),
            ("procMount_restricted", 35, proc_mount),
            ("restrictedVolumes", 0, restricted_volumes),
            ("runAsNonRoot", 0, run_as_non_root),
            ("runAsUser", 23, run_as_user),
            ("seccompProfile_restricted", 19, seccomp_restricted),
        ];
        checks.extend(
            restricted
                .into_iter()
                .filter(|(_, from, _)| minor >= *from)
                .map(|(id, _, f)| (id, f)),
        );
    }
    checks.iter().filter_map(|(_, f)| f(&p)).collect()
}

type Check = fn(&Pod<'_>) -> Option<Violation>;

struct Pod<'a> {
    meta: &'a Value,
    spec: &'a Value,
    /// The policy's minor version, clamped to the newest.
    minor: u32,
}

impl Pod<'_> {
    /// Containers in Kubernetes' order: init, then regular, then ephemeral.
    fn containers(&self) -> impl Iterator<Item = &Value> {
        ["initContainers", "containers", "ephemeralContainers"]
            .into_iter()
            .flat_map(|k| self.spec[k].as_array().into_iter().flatten())
    }

    fn name(c: &Value) -> &str {
        c["name"].as_str().unwrap_or("")
    }

    fn pod_security(&self, key: &str) -> &Value {
        &self.spec["securityContext"][key]
    }

    /// Windows pods are spared three restricted controls from v1.25 (their API refuses the
    /// fields).
    fn windows(&self) -> bool {
        self.minor >= 25 && self.spec["os"]["name"] == "windows"
    }

    /// `hostUsers: false` (a user namespace) relaxes three controls from v1.35.
    fn own_users(&self) -> bool {
        self.minor >= 35 && self.spec["hostUsers"] == Value::Bool(false)
    }
}

fn join_quote(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    format!("\"{}\"", items.join("\", \""))
}

fn pluralize<'a>(one: &'a str, many: &'a str, n: usize) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `container "a"` / `containers "a", "b"`.
fn containers_named(names: &[String]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Go's `%q` of a string: quoted, with `"`, `\` and control characters escaped.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            // What Go does not print: other controls, spaces but ' ', invisible formatting.
            c if c.is_control()
                || (c.is_whitespace() && c != ' ')
                || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
                || matches!(c, '\u{e000}'..='\u{f8ff}') =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if matches!(c, '\u{f0000}'..='\u{10ffff}') => {
                out.push_str(&format!("\\U{:08x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The containers (in visit order) for which `bad` finds something, and what it found
/// across them, sorted and once each (Kubernetes' string sets).
fn offenders(p: &Pod<'_>, bad: impl Fn(&Value) -> Vec<String>) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut found = BTreeSet::new();
    for c in p.containers() {
        let items = bad(c);
        if !items.is_empty() {
            names.push(Pod::name(c).to_string());
            found.extend(items);
        }
    }
    (names, found.into_iter().collect())
}

fn violation(reason: &str, detail: String) -> Option<Violation> {
    Some(Violation {
        reason: reason.to_string(),
        detail,
    })
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn privileged(p: &Pod<'_>) -> Option<Violation> {
    let bad: Vec<String> = p
        .containers()
        .filter(|c| c["securityContext"]["privileged"] == Value::Bool(true))
        .map(|c| Pod::name(c).to_string())
        .collect();
    if bad.is_empty() {
        return None;
    }
    violation(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_named(&bad)
        ),
    )
}

fn host_namespaces(p: &Pod<'_>) -> Option<Violation> {
    let set: Vec<&str> = [
        ("hostNetwork", "hostNetwork=true"),
        ("hostPID", "hostPID=true"),
        ("hostIPC", "hostIPC=true"),
    ]
    .into_iter()
    .filter(|(k, _)| p.spec[*k] == Value::Bool(true))
    .map(|(_, s)| s)
    .collect();
    match set.is_empty() {
        true => None,
        false => violation("host namespaces", set.join(", ")),
    }
}

fn host_ports(p: &Pod<'_>) -> Option<Violation> {
    // Ports sorted as text, as Kubernetes' string set sorts them ("10" before "9").
    let (bad, ports) = offenders(p, |c| {
        c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|port| port["hostPort"].as_i64().filter(|h| *h != 0))
            .map(|h| h.to_string())
            .collect()
    });
    if bad.is_empty() {
        return None;
    }
    violation(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_named(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    )
}

fn volumes<'a>(p: &'a Pod<'_>) -> impl Iterator<Item = &'a Value> {
    p.spec["volumes"].as_array().into_iter().flatten()
}

fn host_path_volumes(p: &Pod<'_>) -> Option<Violation> {
    let bad: Vec<String> = volumes(p)
        .filter(|v| !v["hostPath"].is_null())
        .map(|v| text(&v["name"]).to_string())
        .collect();
    if bad.is_empty() {
        return None;
    }
    violation(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad)
        ),
    )
}

/// Who sets a profile (`key`: `appArmorProfile`, `seccompProfile`) of a type other than
/// RuntimeDefault or Localhost: `pod`, then the containers; and the types, sorted.
fn bad_profiles(p: &Pod<'_>, key: &str) -> (Vec<String>, BTreeSet<String>) {
    let allowed = |t: &Value| matches!(t.as_str(), Some("RuntimeDefault" | "Localhost"));
    let mut setters = Vec::new();
    let mut values = BTreeSet::new();
    let pod = p.pod_security(key);
    if !pod.is_null() && !allowed(&pod["type"]) {
        setters.push("pod".to_string());
        values.insert(text(&pod["type"]).to_string());
    }
    let mut bad = Vec::new();
    for c in p.containers() {
        let profile = &c["securityContext"][key];
        if !profile.is_null() && !allowed(&profile["type"]) {
            bad.push(Pod::name(c).to_string());
            values.insert(text(&profile["type"]).to_string());
        }
    }
    if !bad.is_empty() {
        setters.push(containers_named(&bad));
    }
    (setters, values)
}

fn app_armor(p: &Pod<'_>) -> Option<Violation> {
    let (mut setters, values) = bad_profiles(p, "appArmorProfile");
    let mut annotations: Vec<String> = p.meta["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("container.apparmor.security.beta.kubernetes.io/"))
        .filter(|(_, v)| {
            let v = text(v);
            !(v.is_empty() || v == "runtime/default" || v.starts_with("localhost/"))
        })
        .map(|(k, v)| format!("{k}={}", go_quote(text(v))))
        .collect();
    annotations.sort();
    if !annotations.is_empty() {
        setters.push(pluralize("annotation", "annotations", annotations.len()).to_string());
    }
    let mut list: Vec<String> = values.into_iter().collect();
    list.extend(annotations);
    if setters.is_empty() {
        return None;
    }
    violation(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            list.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&list)
        ),
    )
}

fn selinux(p: &Pod<'_>) -> Option<Violation> {
    let mut allowed = vec!["", "container_t", "container_init_t", "container_kvm_t"];
    if p.minor >= 31 {
        allowed.push("container_engine_t");
    }
    let mut types = BTreeSet::new();
    let (mut user, mut role) = (false, false);
    let mut valid = |o: &Value| -> bool {
        if o.is_null() {
            return true;
        }
        let mut ok = true;
        let t = text(&o["type"]);
        if !allowed.contains(&t) {
            ok = false;
            types.insert(t.to_string());
        }
        if !text(&o["user"]).is_empty() {
            ok = false;
            user = true;
        }
        if !text(&o["role"]).is_empty() {
            ok = false;
            role = true;
        }
        ok
    };
    let mut setters = Vec::new();
    if !valid(p.pod_security("seLinuxOptions")) {
        setters.push("pod".to_string());
    }
    let bad: Vec<String> = p
        .containers()
        .filter(|c| !valid(&c["securityContext"]["seLinuxOptions"]))
        .map(|c| Pod::name(c).to_string())
        .collect();
    if !bad.is_empty() {
        setters.push(containers_named(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !types.is_empty() {
        let t: Vec<String> = types.into_iter().collect();
        data.push(format!(
            "{} {}",
            pluralize("type", "types", t.len()),
            join_quote(&t)
        ));
    }
    if user {
        data.push("user may not be set".to_string());
    }
    if role {
        data.push("role may not be set".to_string());
    }
    violation(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
    )
}

/// Containers setting `procMount` to anything but `Default`.
fn proc_mount(p: &Pod<'_>) -> Option<Violation> {
    let (bad, types) = offenders(p, |c| {
        c["securityContext"]["procMount"]
            .as_str()
            .filter(|t| *t != "Default")
            .map(String::from)
            .into_iter()
            .collect()
    });
    if bad.is_empty() {
        return None;
    }
    violation(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_named(&bad),
            join_quote(&types)
        ),
    )
}

fn proc_mount_baseline(p: &Pod<'_>) -> Option<Violation> {
    match p.own_users() {
        true => None,
        false => proc_mount(p),
    }
}

fn valid_seccomp(t: &Value) -> bool {
    matches!(t.as_str(), Some("Localhost" | "RuntimeDefault"))
}

fn seccomp_baseline(p: &Pod<'_>) -> Option<Violation> {
    if p.minor < 19 {
        // The annotations, before the fields.
        let valid = |v: &str| {
            v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
        };
        let annotations = &p.meta["annotations"];
        let mut bad = BTreeSet::new();
        let key = "seccomp.security.alpha.kubernetes.io/pod";
        if let Some(v) = annotations[key].as_str().filter(|v| !valid(v)) {
            bad.insert(format!("{key}={}", go_quote(v)));
        }
        for c in p.containers() {
            let key = format!(
                "container.seccomp.security.alpha.kubernetes.io/{}",
                Pod::name(c)
            );
            if let Some(v) = annotations[&key].as_str().filter(|v| !valid(v)) {
                bad.insert(format!("{key}={}", go_quote(v)));
            }
        }
        if bad.is_empty() {
            return None;
        }
        let list: Vec<String> = bad.into_iter().collect();
        return violation(
            "seccompProfile",
            format!(
                "forbidden {} {}",
                pluralize("annotation", "annotations", list.len()),
                list.join(", ")
            ),
        );
    }
    let (setters, values) = bad_profiles(p, "seccompProfile");
    if setters.is_empty() {
        return None;
    }
    let values: Vec<String> = values.into_iter().collect();
    violation(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    )
}

fn sysctls(p: &Pod<'_>) -> Option<Violation> {
    let mut allowed = vec![
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ];
    if p.minor >= 27 {
        allowed.push("net.ipv4.ip_local_reserved_ports");
    }
    if p.minor >= 29 {
        allowed.extend([
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ]);
    }
    if p.minor >= 32 {
        allowed.extend(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);
    }
    // In the pod's order, repeats kept.
    let bad: Vec<&str> = p
        .pod_security("sysctls")
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| text(&s["name"]))
        .filter(|n| !allowed.contains(n))
        .collect();
    match bad.is_empty() {
        true => None,
        false => violation("forbidden sysctls", bad.join(", ")),
    }
}

fn windows_host_process(p: &Pod<'_>) -> Option<Violation> {
    let host = |sc: &Value| sc["windowsOptions"]["hostProcess"] == Value::Bool(true);
    let mut setters = Vec::new();
    if host(&p.spec["securityContext"]) {
        setters.push("pod".to_string());
    }
    let bad: Vec<String> = p
        .containers()
        .filter(|c| host(&c["securityContext"]))
        .map(|c| Pod::name(c).to_string())
        .collect();
    if !bad.is_empty() {
        setters.push(containers_named(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    )
}

fn capabilities_baseline(p: &Pod<'_>) -> Option<Violation> {
    const ALLOWED: [&str; 13] = [
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    ];
    let (bad, caps) = offenders(p, |c| {
        c["securityContext"]["capabilities"]["add"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .filter(|cap| !ALLOWED.contains(cap))
            .map(String::from)
            .collect()
    });
    if bad.is_empty() {
        return None;
    }
    violation(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_named(&bad),
            join_quote(&caps)
        ),
    )
}

fn probe_hosts(p: &Pod<'_>) -> Option<Violation> {
    let (mut bad, hosts) = offenders(p, |c| {
        let handlers = [
            &c["livenessProbe"],
            &c["readinessProbe"],
            &c["startupProbe"],
            &c["lifecycle"]["postStart"],
            &c["lifecycle"]["preStop"],
        ];
        handlers
            .into_iter()
            .flat_map(|h| [&h["httpGet"]["host"], &h["tcpSocket"]["host"]])
            .filter_map(|host| host.as_str().filter(|h| !h.is_empty()).map(String::from))
            .collect()
    });
    if bad.is_empty() {
        return None;
    }
    // Here Kubernetes sorts the containers too.
    bad.sort();
    bad.dedup();
    violation(
        "probe or lifecycle host",
        format!(
            "{} {} {} {}",
            containers_named(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    )
}

/// The volume sources restricted allows.
pub(crate) const RESTRICTED_VOLUMES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];
/// The other volume sources, in the order Kubernetes names a volume's type by (the first of
/// these it has).
pub(crate) const OTHER_VOLUMES: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn restricted_volumes(p: &Pod<'_>) -> Option<Violation> {
    const ALLOWED: [&str; 9] = RESTRICTED_VOLUMES;
    const TYPES: [&str; 21] = OTHER_VOLUMES;
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    for v in volumes(p) {
        let has = |k: &str| !v[k].is_null();
        // A volume with only a name is an emptyDir once Kubernetes has defaulted it (as every
        // object it admits is); a manifest read from a file is not defaulted yet.
        let bare = v.as_object().is_some_and(|o| o.keys().all(|k| k == "name"));
        if bare || ALLOWED.iter().any(|k| has(k)) {
            continue;
        }
        bad.push(text(&v["name"]).to_string());
        types.insert(
            TYPES
                .iter()
                .find(|k| has(k))
                .copied()
                .unwrap_or("unknown")
                .to_string(),
        );
    }
    if bad.is_empty() {
        return None;
    }
    let types: Vec<String> = types.into_iter().collect();
    violation(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    )
}

fn allow_privilege_escalation(p: &Pod<'_>) -> Option<Violation> {
    if p.windows() {
        return None;
    }
    let bad: Vec<String> = p
        .containers()
        .filter(|c| c["securityContext"]["allowPrivilegeEscalation"] != Value::Bool(false))
        .map(|c| Pod::name(c).to_string())
        .collect();
    if bad.is_empty() {
        return None;
    }
    violation(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_named(&bad)
        ),
    )
}

fn run_as_non_root(p: &Pod<'_>) -> Option<Violation> {
    if p.own_users() {
        return None;
    }
    let mut setters = Vec::new();
    let mut pod_non_root = false;
    match p.pod_security("runAsNonRoot").as_bool() {
        Some(false) => setters.push("pod".to_string()),
        Some(true) => pod_non_root = true,
        None => {}
    }
    let (mut explicit, mut implicit) = (Vec::new(), Vec::new());
    for c in p.containers() {
        match c["securityContext"]["runAsNonRoot"].as_bool() {
            Some(false) => explicit.push(Pod::name(c).to_string()),
            Some(true) => {}
            None if !pod_non_root => implicit.push(Pod::name(c).to_string()),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_named(&explicit));
    }
    if !setters.is_empty() {
        return violation(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        );
    }
    if implicit.is_empty() {
        return None;
    }
    violation(
        "runAsNonRoot != true",
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_named(&implicit)
        ),
    )
}

fn run_as_user(p: &Pod<'_>) -> Option<Violation> {
    if p.own_users() {
        return None;
    }
    // `0`, and `-0` or `0.0` as a YAML or JSON writer may put it.
    let root = |v: &Value| v.as_f64() == Some(0.0);
    let mut setters = Vec::new();
    if root(p.pod_security("runAsUser")) {
        setters.push("pod".to_string());
    }
    let bad: Vec<String> = p
        .containers()
        .filter(|c| root(&c["securityContext"]["runAsUser"]))
        .map(|c| Pod::name(c).to_string())
        .collect();
    if !bad.is_empty() {
        setters.push(containers_named(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
    )
}

fn seccomp_restricted(p: &Pod<'_>) -> Option<Violation> {
    if p.windows() {
        return None;
    }
    let mut setters = Vec::new();
    let mut values = BTreeSet::new();
    let mut pod_set = false;
    let pod = p.pod_security("seccompProfile");
    if !pod.is_null() {
        match valid_seccomp(&pod["type"]) {
            true => pod_set = true,
            false => {
                setters.push("pod".to_string());
                values.insert(text(&pod["type"]).to_string());
            }
        }
    }
    let (mut explicit, mut implicit) = (Vec::new(), Vec::new());
    for c in p.containers() {
        let s = &c["securityContext"]["seccompProfile"];
        if !s.is_null() {
            if !valid_seccomp(&s["type"]) {
                explicit.push(Pod::name(c).to_string());
                values.insert(text(&s["type"]).to_string());
            }
        } else if !pod_set {
            implicit.push(Pod::name(c).to_string());
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_named(&explicit));
    }
    if !setters.is_empty() {
        let values: Vec<String> = values.into_iter().collect();
        return violation(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&values)
            ),
        );
    }
    if implicit.is_empty() {
        return None;
    }
    violation(
        "seccompProfile",
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_named(&implicit)
        ),
    )
}

fn capabilities_restricted(p: &Pod<'_>) -> Option<Violation> {
    if p.windows() {
        return None;
    }
    let (mut missing_drop, mut adding) = (Vec::new(), Vec::new());
    let mut caps = BTreeSet::new();
    for c in p.containers() {
        let capabilities = &c["securityContext"]["capabilities"];
        if capabilities.is_null() {
            missing_drop.push(Pod::name(c).to_string());
            continue;
        }
        let list = |k: &str| -> Vec<&str> {
            capabilities[k]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect()
        };
        if !list("drop").contains(&"ALL") {
            missing_drop.push(Pod::name(c).to_string());
        }
        let forbidden: Vec<&str> = list("add")
            .into_iter()
            .filter(|c| *c != "NET_BIND_SERVICE")
            .collect();
        if !forbidden.is_empty() {
            caps.extend(forbidden.iter().map(|c| c.to_string()));
            adding.push(Pod::name(c).to_string());
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_named(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        let caps: Vec<String> = caps.into_iter().collect();
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_named(&adding),
            join_quote(&caps)
        ));
    }
    match details.is_empty() {
        true => None,
        false => violation("unrestricted capabilities", details.join("; ")),
    }
}
