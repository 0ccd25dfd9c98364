//! `palisade policy check` against Checkov 3.3.30's Kubernetes checks (docs/checkov-comparison.md).
//!
//! The real manifests of `tests/data/corpus` (and one small manifest per documented difference,
//! `tests/data/checkov/edge`) are checked with `scripts/checkov/policy.yaml`, an AdmissionRule
//! per Checkov check (`ckv-k8s-NN-...`), and with `--pod-security baseline` and `restricted`,
//! whose controls are mapped to the checks they correspond to. Each object is joined with
//! Checkov's stored results (`scripts/checkov/corpus-results.jsonl`,
//! `tests/data/checkov/edge-results.jsonl`: no Checkov and no network here) and counted per
//! check: both fail, both pass, only Palisade fails, only Checkov fails, Checkov gave no result,
//! Palisade does not judge the kind. The figures are asserted, and every disagreement is listed
//! below with its reason, so any change in what Palisade says fails the test.
//! `scripts/checkov/compare.py` prints the same tables.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{palisade, root, stderr};
use serde_json::Value;

/// An object: file (relative to its directory), kind, namespace (`default` when none, as
/// Checkov names it), name.
type Key = (String, String, String, String);

/// How Palisade's and Checkov's verdicts on one object and one check compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    AgreeFail,
    AgreePass,
    PalisadeOnly,
    CheckovOnly,
    /// Palisade fails it; Checkov gave no result (UNKNOWN, which it does not report).
    NoCheckovFail,
    NoCheckovPass,
    /// Checkov has a result; Palisade does not judge the kind (it carries no pod).
    NotJudged,
}

use Outcome::*;

const OUTCOMES: [Outcome; 7] = [
    AgreeFail,
    AgreePass,
    PalisadeOnly,
    CheckovOnly,
    NoCheckovFail,
    NoCheckovPass,
    NotJudged,
];

/// The three runs: the policy's rules, and Pod Security at each level.
const RUNS: [(&str, Option<&str>); 3] = [
    ("rules", None),
    ("baseline", Some("baseline")),
    ("restricted", Some("restricted")),
];

/// Pod Security controls (Kubernetes' reason), the part of the detail that narrows them, and
/// the Checkov check each corresponds to, per level (as compare.py's PSS_MAP).
const PSS_MAP: [(&str, &str, Option<&str>, &str); 14] = [
    ("baseline", "privileged", None, "CKV_K8S_16"),
    (
        "baseline",
        "host namespaces",
        Some("hostPID=true"),
        "CKV_K8S_17",
    ),
    (
        "baseline",
        "host namespaces",
        Some("hostIPC=true"),
        "CKV_K8S_18",
    ),
    (
        "baseline",
        "host namespaces",
        Some("hostNetwork=true"),
        "CKV_K8S_19",
    ),
    ("baseline", "hostPort", None, "CKV_K8S_26"),
    ("baseline", "non-default capabilities", None, "CKV_K8S_25"),
    ("baseline", "hostPath volumes", None, "CKV_K8S_27"),
    (
        "restricted",
        "allowPrivilegeEscalation != false",
        None,
        "CKV_K8S_20",
    ),
    ("restricted", "runAsNonRoot != true", None, "CKV_K8S_23"),
    ("restricted", "runAsUser=0", None, "CKV_K8S_23"),
    ("restricted", "seccompProfile", None, "CKV_K8S_31"),
    (
        "restricted",
        "unrestricted capabilities",
        Some("capabilities.drop="),
        "CKV_K8S_37",
    ),
    (
        "restricted",
        "unrestricted capabilities",
        Some("capabilities.drop="),
        "CKV_K8S_28",
    ),
    (
        "restricted",
        "unrestricted capabilities",
        Some("capabilities.add"),
        "CKV_K8S_25",
    ),
];

/// Kinds Checkov reports on and Palisade does not judge (no pod): CKV_K8S_21 only.
const NO_POD: [&str; 6] = [
    "ConfigMap",
    "Role",
    "RoleBinding",
    "Secret",
    "Service",
    "ServiceAccount",
];

// Why each documented difference is one (docs/checkov-comparison.md, "Every disagreement").
const REQUESTS_UNKNOWN: &str = "Checkov: `resources` without `requests` is UNKNOWN (no result); Palisade: the request is unset (Kubernetes defaults a Pod's requests to its limits, not a template's)";
const SECCOMP_ANNOTATION: &str = "Checkov accepts the seccomp.security.alpha.kubernetes.io/pod annotation; Palisade and PSS read seccompProfile fields (the annotation is deprecated since v1.19 and ignored by current Kubernetes)";
const NET_BIND_SERVICE: &str =
    "PSS allows adding NET_BIND_SERVICE; CKV_K8S_25 fails any added capability";
const HOST_PATH: &str =
    "PSS forbids every hostPath volume; CKV_K8S_27 only a hostPath of exactly /var/run/docker.sock";
const UID_WITHOUT_NON_ROOT: &str =
    "PSS restricted wants runAsNonRoot: true; CKV_K8S_23 accepts a runAsUser >= 1 instead";
const DROP_NET_RAW: &str =
    "CKV_K8S_28 passes a drop list naming NET_RAW; PSS restricted wants drop [ALL]";
const EPHEMERAL: &str =
    "Checkov never reads ephemeralContainers; Palisade's criteria and PSS judge them";
const INIT_ROOT: &str = "CKV_K8S_23 never reads initContainers; Palisade's runAsRoot and PSS do";
const POD_NON_ROOT_HIDES_UID_0: &str = "CKV_K8S_23 passes a container runAsUser: 0 under a pod runAsNonRoot: true; Palisade and PSS see UID 0";
const HOST_PORT_ZERO: &str =
    "CKV_K8S_26 fails any hostPort key, 0 included; hostPort 0 is no host port (Palisade, PSS)";
const SECCOMP_CRONJOB: &str = "CKV_K8S_31 reads only a CronJob's pod-level profile; the container's RuntimeDefault counts in Kubernetes";
const SECCOMP_POD_DECIDES: &str = "CKV_K8S_31 stops at a pod-level RuntimeDefault; the container's Unconfined overrides it in Kubernetes";
const SECCOMP_INIT: &str = "CKV_K8S_31 never reads initContainers; Palisade and PSS do";
const SECCOMP_LOCALHOST: &str =
    "PSS restricted accepts a Localhost profile; CKV_K8S_31 (and the mirroring rule) only RuntimeDefault";
const DASHBOARD_LABEL: &str =
    "CKV_K8S_33 reads the k8s-app label only when there is no app label at all";
const CAPABILITY_SPELLING: &str = "CKV_K8S_39 compares the exact text SYS_ADMIN; Palisade reads capabilities in any case, with or without CAP_, and ALL as every capability";
const DOCKER_SOCKET_PATH: &str = "/run/docker.sock is not the exact path CKV_K8S_27 (and the mirroring rule) name; PSS forbids every hostPath";
const WINDOWS: &str = "PSS restricted spares Windows pods allowPrivilegeEscalation, seccomp and capabilities (v1.25+); Checkov does not";
const HOST_USERS: &str =
    "PSS spares a pod with hostUsers: false the runAsNonRoot control (v1.35+); Checkov does not";
const DROP_ALL_CASE: &str = "Checkov accepts a drop entry containing `all`; PSS wants exactly ALL";

/// A documented disagreement: run, check, outcome, file, kind, name, and why.
type Difference = (
    &'static str,
    &'static str,
    Outcome,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Figures of one check: run, check, and the count of each of `OUTCOMES`.
type Figures = (&'static str, &'static str, [usize; 7]);

/// Every disagreement on the corpus.
#[rustfmt::skip]
const CORPUS_DIFFERENCES: &[Difference] = &[
    ("rules", "CKV_K8S_10", NoCheckovFail, "metallb-manifests.yaml", "DaemonSet", "speaker", REQUESTS_UNKNOWN),
    ("rules", "CKV_K8S_10", NoCheckovFail, "metallb-manifests.yaml", "Deployment", "controller", REQUESTS_UNKNOWN),
    ("rules", "CKV_K8S_12", NoCheckovFail, "metallb-manifests.yaml", "DaemonSet", "speaker", REQUESTS_UNKNOWN),
    ("rules", "CKV_K8S_12", NoCheckovFail, "metallb-manifests.yaml", "Deployment", "controller", REQUESTS_UNKNOWN),
    ("rules", "CKV_K8S_31", PalisadeOnly, "kubernetes-dashboard-recommended.yaml", "Deployment", "dashboard-metrics-scraper", SECCOMP_ANNOTATION),
    ("baseline", "CKV_K8S_25", CheckovOnly, "ingress-nginx-cloud-deploy.yaml", "Deployment", "ingress-nginx-controller", NET_BIND_SERVICE),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "badpods-everything-allowed-cronjob.yaml", "CronJob", "everything-allowed-exec-cronjob", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "badpods-everything-allowed-pod.yaml", "Pod", "everything-allowed-exec-pod", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "flannel-kube-flannel.yml", "DaemonSet", "kube-flannel-ds-amd64", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "flannel-kube-flannel.yml", "DaemonSet", "kube-flannel-ds-arm", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "flannel-kube-flannel.yml", "DaemonSet", "kube-flannel-ds-arm64", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "flannel-kube-flannel.yml", "DaemonSet", "kube-flannel-ds-ppc64le", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "flannel-kube-flannel.yml", "DaemonSet", "kube-flannel-ds-s390x", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "kube-bench-job.yaml", "Job", "kube-bench", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "kube-prometheus-node-exporter-daemonset.json", "DaemonSet", "node-exporter", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "kube-prometheus-node-exporter-daemonset.yaml", "DaemonSet", "node-exporter", HOST_PATH),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "node-problem-detector-daemonset.yaml", "DaemonSet", "node-problem-detector", HOST_PATH),
    ("restricted", "CKV_K8S_23", PalisadeOnly, "ingress-nginx-cloud-deploy.yaml", "Deployment", "ingress-nginx-controller", UID_WITHOUT_NON_ROOT),
    ("restricted", "CKV_K8S_23", PalisadeOnly, "kubernetes-dashboard-recommended.yaml", "Deployment", "dashboard-metrics-scraper", UID_WITHOUT_NON_ROOT),
    ("restricted", "CKV_K8S_23", PalisadeOnly, "kubernetes-dashboard-recommended.yaml", "Deployment", "kubernetes-dashboard", UID_WITHOUT_NON_ROOT),
    ("restricted", "CKV_K8S_25", CheckovOnly, "ingress-nginx-cloud-deploy.yaml", "Deployment", "ingress-nginx-controller", NET_BIND_SERVICE),
    ("restricted", "CKV_K8S_28", PalisadeOnly, "kubernetes-dashboard-recommended.yaml", "Deployment", "dashboard-metrics-scraper", DROP_NET_RAW),
    ("restricted", "CKV_K8S_28", PalisadeOnly, "kubernetes-dashboard-recommended.yaml", "Deployment", "kubernetes-dashboard", DROP_NET_RAW),
    ("restricted", "CKV_K8S_31", PalisadeOnly, "kubernetes-dashboard-recommended.yaml", "Deployment", "dashboard-metrics-scraper", SECCOMP_ANNOTATION),
];

/// (run, check, [agree-fail, agree-pass, palisade-only, checkov-only, no-checkov fail,
/// no-checkov pass, not-judged]) on the corpus: 36 objects with a pod, 57 without.
#[rustfmt::skip]
const CORPUS_FIGURES: &[Figures] = &[
    ("rules", "CKV_K8S_10", [15, 19, 0, 0, 2, 0, 0]),
    ("rules", "CKV_K8S_11", [17, 19, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_12", [15, 19, 0, 0, 2, 0, 0]),
    ("rules", "CKV_K8S_13", [17, 19, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_14", [5, 31, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_16", [3, 33, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_17", [5, 31, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_18", [2, 34, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_19", [10, 26, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_20", [25, 11, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_21", [18, 18, 0, 0, 0, 0, 39]),
    ("rules", "CKV_K8S_23", [26, 10, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_25", [8, 28, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_26", [2, 34, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_27", [0, 36, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_31", [35, 0, 1, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_33", [2, 34, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_34", [0, 36, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_35", [0, 36, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_38", [36, 0, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_39", [0, 36, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_43", [33, 3, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_159", [0, 36, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_16", [3, 33, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_17", [5, 31, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_18", [2, 34, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_19", [10, 26, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_25", [7, 28, 0, 1, 0, 0, 0]),
    ("baseline", "CKV_K8S_26", [2, 34, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_27", [0, 25, 11, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_20", [25, 11, 0, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_23", [26, 7, 3, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_25", [7, 28, 0, 1, 0, 0, 0]),
    ("restricted", "CKV_K8S_28", [28, 6, 2, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_31", [35, 0, 1, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_37", [30, 6, 0, 0, 0, 0, 0]),
];

/// Every disagreement on the edge cases: each manifest shows one documented difference.
#[rustfmt::skip]
const EDGE_DIFFERENCES: &[Difference] = &[
    ("rules", "CKV_K8S_10", NoCheckovFail, "resources-empty.yaml", "Pod", "resources-empty", REQUESTS_UNKNOWN),
    ("rules", "CKV_K8S_12", NoCheckovFail, "resources-empty.yaml", "Pod", "resources-empty", REQUESTS_UNKNOWN),
    ("rules", "CKV_K8S_16", PalisadeOnly, "ephemeral-privileged.yaml", "Pod", "ephemeral-privileged", EPHEMERAL),
    ("rules", "CKV_K8S_23", PalisadeOnly, "root-init-container.yaml", "Pod", "root-init-container", INIT_ROOT),
    ("rules", "CKV_K8S_23", PalisadeOnly, "root-uid-under-pod-nonroot.yaml", "Pod", "root-uid-under-pod-nonroot", POD_NON_ROOT_HIDES_UID_0),
    ("rules", "CKV_K8S_26", CheckovOnly, "host-port-zero.yaml", "Pod", "host-port-zero", HOST_PORT_ZERO),
    ("rules", "CKV_K8S_31", CheckovOnly, "cronjob-container-seccomp.yaml", "CronJob", "cronjob-container-seccomp", SECCOMP_CRONJOB),
    ("rules", "CKV_K8S_31", PalisadeOnly, "seccomp-container-unconfined.yaml", "Pod", "seccomp-container-unconfined", SECCOMP_POD_DECIDES),
    ("rules", "CKV_K8S_31", PalisadeOnly, "seccomp-init-missing.yaml", "Pod", "seccomp-init-missing", SECCOMP_INIT),
    ("rules", "CKV_K8S_33", PalisadeOnly, "dashboard-label-shadowed.yaml", "Deployment", "dashboard-label-shadowed", DASHBOARD_LABEL),
    ("rules", "CKV_K8S_39", PalisadeOnly, "cap-all.yaml", "Pod", "cap-all", CAPABILITY_SPELLING),
    ("rules", "CKV_K8S_39", PalisadeOnly, "cap-sys-admin-lowercase.yaml", "Pod", "cap-sys-admin-lowercase", CAPABILITY_SPELLING),
    ("rules", "CKV_K8S_39", PalisadeOnly, "cap-sys-admin-prefixed.yaml", "Pod", "cap-sys-admin-prefixed", CAPABILITY_SPELLING),
    ("baseline", "CKV_K8S_16", PalisadeOnly, "ephemeral-privileged.yaml", "Pod", "ephemeral-privileged", EPHEMERAL),
    ("baseline", "CKV_K8S_26", CheckovOnly, "host-port-zero.yaml", "Pod", "host-port-zero", HOST_PORT_ZERO),
    ("baseline", "CKV_K8S_27", PalisadeOnly, "docker-sock-run.yaml", "Pod", "docker-sock-run", DOCKER_SOCKET_PATH),
    ("restricted", "CKV_K8S_20", CheckovOnly, "windows-pod.yaml", "Pod", "windows-pod", WINDOWS),
    ("restricted", "CKV_K8S_23", CheckovOnly, "host-users-false.yaml", "Pod", "host-users-false", HOST_USERS),
    ("restricted", "CKV_K8S_23", PalisadeOnly, "root-init-container.yaml", "Pod", "root-init-container", INIT_ROOT),
    ("restricted", "CKV_K8S_23", PalisadeOnly, "root-uid-under-pod-nonroot.yaml", "Pod", "root-uid-under-pod-nonroot", POD_NON_ROOT_HIDES_UID_0),
    ("restricted", "CKV_K8S_23", PalisadeOnly, "uid-without-nonroot.yaml", "Pod", "uid-without-nonroot", UID_WITHOUT_NON_ROOT),
    ("restricted", "CKV_K8S_28", PalisadeOnly, "drop-all-lowercase.yaml", "Pod", "drop-all-lowercase", DROP_ALL_CASE),
    ("restricted", "CKV_K8S_28", CheckovOnly, "windows-pod.yaml", "Pod", "windows-pod", WINDOWS),
    ("restricted", "CKV_K8S_31", CheckovOnly, "cronjob-container-seccomp.yaml", "CronJob", "cronjob-container-seccomp", SECCOMP_CRONJOB),
    ("restricted", "CKV_K8S_31", PalisadeOnly, "seccomp-container-unconfined.yaml", "Pod", "seccomp-container-unconfined", SECCOMP_POD_DECIDES),
    ("restricted", "CKV_K8S_31", PalisadeOnly, "seccomp-init-missing.yaml", "Pod", "seccomp-init-missing", SECCOMP_INIT),
    ("restricted", "CKV_K8S_31", CheckovOnly, "seccomp-localhost.yaml", "Pod", "seccomp-localhost", SECCOMP_LOCALHOST),
    ("restricted", "CKV_K8S_31", CheckovOnly, "windows-pod.yaml", "Pod", "windows-pod", WINDOWS),
    ("restricted", "CKV_K8S_37", PalisadeOnly, "drop-all-lowercase.yaml", "Pod", "drop-all-lowercase", DROP_ALL_CASE),
    ("restricted", "CKV_K8S_37", CheckovOnly, "windows-pod.yaml", "Pod", "windows-pod", WINDOWS),
];

/// The figures on the edge cases (26 objects, all with a pod).
#[rustfmt::skip]
const EDGE_FIGURES: &[Figures] = &[
    ("rules", "CKV_K8S_10", [24, 0, 0, 0, 1, 1, 0]),
    ("rules", "CKV_K8S_11", [25, 1, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_12", [24, 0, 0, 0, 1, 1, 0]),
    ("rules", "CKV_K8S_13", [25, 1, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_14", [0, 26, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_16", [0, 25, 1, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_17", [0, 26, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_18", [0, 26, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_19", [0, 26, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_20", [26, 0, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_21", [0, 26, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_23", [22, 2, 2, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_25", [3, 23, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_26", [0, 25, 0, 1, 0, 0, 0]),
    ("rules", "CKV_K8S_27", [1, 25, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_31", [23, 0, 2, 1, 0, 0, 0]),
    ("rules", "CKV_K8S_33", [0, 25, 1, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_34", [1, 25, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_35", [2, 24, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_38", [25, 1, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_39", [0, 23, 3, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_43", [25, 1, 0, 0, 0, 0, 0]),
    ("rules", "CKV_K8S_159", [1, 25, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_16", [0, 25, 1, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_17", [0, 26, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_18", [0, 26, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_19", [0, 26, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_25", [3, 23, 0, 0, 0, 0, 0]),
    ("baseline", "CKV_K8S_26", [0, 25, 0, 1, 0, 0, 0]),
    ("baseline", "CKV_K8S_27", [1, 24, 1, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_20", [25, 0, 0, 1, 0, 0, 0]),
    ("restricted", "CKV_K8S_23", [21, 1, 3, 1, 0, 0, 0]),
    ("restricted", "CKV_K8S_25", [3, 23, 0, 0, 0, 0, 0]),
    ("restricted", "CKV_K8S_28", [24, 0, 1, 1, 0, 0, 0]),
    ("restricted", "CKV_K8S_31", [21, 0, 2, 3, 0, 0, 0]),
    ("restricted", "CKV_K8S_37", [24, 0, 1, 1, 0, 0, 0]),
];

fn data(path: &str) -> PathBuf {
    root().join("crates/palisade-cli/tests/data").join(path)
}

fn policy() -> PathBuf {
    root().join("scripts/checkov/policy.yaml")
}

/// `CKV_K8S_NN` of each rule of the policy (`ckv-k8s-NN-...`), in order of NN.
fn policy_checks() -> Vec<String> {
    let text = std::fs::read_to_string(policy()).unwrap();
    let mut ids: Vec<u32> = text
        .lines()
        .filter_map(|l| l.split("name: ckv-k8s-").nth(1))
        .filter_map(|rest| rest.split('-').next()?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(|n| format!("CKV_K8S_{n}")).collect()
}

/// The checks a run looks at.
fn checks_of(run: &str) -> Vec<String> {
    if run == "rules" {
        return policy_checks();
    }
    let mut ids: Vec<&str> = PSS_MAP
        .iter()
        .filter(|(level, ..)| *level == run)
        .map(|(.., check)| *check)
        .collect();
    ids.sort_by_key(|c| c.rsplit('_').next().unwrap().parse::<u32>().unwrap());
    ids.dedup();
    ids.into_iter().map(String::from).collect()
}

/// `violates PodSecurity "L": r1 (d1), r2 (d2)` as its controls, split at `, ` outside
/// parentheses and quotes.
fn controls(message: &str) -> Vec<(String, String)> {
    let rest = message
        .split_once("PodSecurity \"")
        .and_then(|(_, r)| r.split_once("\": "))
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("not a Pod Security message: {message}"));
    let mut items = vec![String::new()];
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if !quoted && c == '(' {
            depth += 1;
        } else if !quoted && c == ')' {
            depth -= 1;
        } else if !quoted && depth == 0 && c == ',' && chars.get(i + 1) == Some(&' ') {
            items.push(String::new());
            i += 2;
            continue;
        }
        items.last_mut().unwrap().push(c);
        i += 1;
    }
    items
        .into_iter()
        .map(|item| match item.split_once(" (") {
            Some((reason, detail)) if item.ends_with(')') => {
                (reason.to_string(), detail[..detail.len() - 1].to_string())
            }
            _ => (item, String::new()),
        })
        .collect()
}

/// The checks a Pod Security message's controls correspond to, at `level`.
fn pss_checks(level: &str, message: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (reason, detail) in controls(message) {
        for (l, r, part, check) in PSS_MAP {
            let narrowed = part.is_none_or(|p| detail.split("; ").any(|d| d.contains(p)));
            if l == level && r == reason && narrowed {
                out.insert(check.to_string());
            }
        }
    }
    out
}

/// Palisade's verdicts of one run: per object, `None` when it does not judge the kind, else
/// the checks it fails.
fn palisade_verdicts(dir: &Path, level: Option<&str>) -> BTreeMap<Key, Option<BTreeSet<String>>> {
    // An image store that does not exist: nothing is known of any image.
    let store = Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkov-no-store/none.db");
    assert!(!store.exists());
    let (dir_s, policy, store) = (
        dir.to_str().unwrap().to_string(),
        policy().to_str().unwrap().to_string(),
        store.to_str().unwrap().to_string(),
    );
    let mut args = vec![
        "policy", "check", &dir_s, "--policy", &policy, "-f", "json", "--store", &store,
    ];
    if let Some(l) = level {
        args.extend(["--pod-security", l]);
    }
    let out = palisade(&args, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut verdicts = BTreeMap::new();
    for r in report["resources"].as_array().unwrap() {
        let file = Path::new(r["file"].as_str().unwrap())
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let key = (
            file,
            r["kind"].as_str().unwrap().to_string(),
            r["namespace"].as_str().unwrap_or("default").to_string(),
            r["name"].as_str().unwrap().to_string(),
        );
        let verdict = match r["judged"].as_bool().unwrap() {
            false => None,
            true => {
                let mut failed = BTreeSet::new();
                for v in r["violations"].as_array().unwrap() {
                    let rule = v["rule"].as_str().unwrap();
                    match level {
                        None => {
                            if let Some(n) = rule
                                .strip_prefix("AdmissionRule ckv-k8s-")
                                .and_then(|rest| rest.split('-').next())
                            {
                                failed.insert(format!("CKV_K8S_{n}"));
                            }
                        }
                        Some(level) if rule == "GlobalRules podSecurity" => {
                            failed.extend(pss_checks(level, v["message"].as_str().unwrap()));
                        }
                        Some(_) => {}
                    }
                }
                Some(failed)
            }
        };
        assert!(
            verdicts.insert(key.clone(), verdict).is_none(),
            "{key:?} twice"
        );
    }
    verdicts
}

/// Checkov's results on the objects themselves (not the pods its graph builder makes), per
/// check.
fn checkov_results(results: &Path) -> BTreeMap<String, BTreeMap<Key, String>> {
    let mut out: BTreeMap<String, BTreeMap<Key, String>> = BTreeMap::new();
    for line in std::fs::read_to_string(results).unwrap().lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        if row["origin"] != "object" {
            continue;
        }
        let s = |k: &str| row[k].as_str().unwrap().to_string();
        out.entry(s("check_id")).or_default().insert(
            (s("file"), s("kind"), s("namespace"), s("name")),
            s("result"),
        );
    }
    out
}

/// Every (run, check) and what became of each object.
type Comparison = BTreeMap<(String, String), BTreeMap<Outcome, Vec<Key>>>;

fn compare(dir: &Path, results: &Path) -> Comparison {
    let checkov = checkov_results(results);
    let mut out = Comparison::new();
    for (run, level) in RUNS {
        let ours = palisade_verdicts(dir, level);
        for check in checks_of(run) {
            let theirs = checkov.get(&check).cloned().unwrap_or_default();
            let keys: BTreeSet<&Key> = ours.keys().chain(theirs.keys()).collect();
            let entry = out.entry((run.to_string(), check.clone())).or_default();
            for key in keys {
                let them = theirs.get(key).map(String::as_str);
                let outcome = match (ours.get(key), them) {
                    (None, _) => panic!("Checkov judged {key:?}; palisade never read it"),
                    (Some(None), None) => continue,
                    (Some(None), Some(_)) => NotJudged,
                    (Some(Some(failed)), them) => match (failed.contains(&check), them) {
                        (true, None) => NoCheckovFail,
                        (false, None) => NoCheckovPass,
                        (true, Some("failed")) => AgreeFail,
                        (false, Some("failed")) => CheckovOnly,
                        (true, Some("passed")) => PalisadeOnly,
                        (false, Some("passed")) => AgreePass,
                        (_, Some(other)) => panic!("{key:?} {check}: Checkov said {other}"),
                    },
                };
                entry.entry(outcome).or_default().push(key.clone());
            }
        }
    }
    out
}

/// The figures and the disagreements, each as one line, to compare with what is expected
/// (a failure shows both whole).
fn lines(comparison: &Comparison) -> (Vec<String>, BTreeSet<String>) {
    let mut figures = Vec::new();
    let mut differences = BTreeSet::new();
    for ((run, check), outcomes) in comparison {
        let counts: Vec<usize> = OUTCOMES
            .iter()
            .map(|o| outcomes.get(o).map_or(0, Vec::len))
            .collect();
        figures.push(format!("{run} {check} {counts:?}"));
        for outcome in [PalisadeOnly, CheckovOnly, NoCheckovFail] {
            for (file, kind, _, name) in outcomes.get(&outcome).into_iter().flatten() {
                differences.insert(format!("{run} {check} {outcome:?} {file} {kind} {name}"));
            }
        }
    }
    figures.sort();
    (figures, differences)
}

fn expected(figures: &[Figures], differences: &[Difference]) -> (Vec<String>, BTreeSet<String>) {
    let mut f: Vec<String> = figures
        .iter()
        .map(|(run, check, counts)| format!("{run} {check} {counts:?}"))
        .collect();
    f.sort();
    let d = differences
        .iter()
        .map(|(run, check, outcome, file, kind, name, why)| {
            assert!(!why.is_empty());
            format!("{run} {check} {outcome:?} {file} {kind} {name}")
        })
        .collect();
    (f, d)
}

fn assert_same(got: &[String], want: &[String], what: &str) {
    let list = |items: Vec<&String>| match items.is_empty() {
        true => "(none)".to_string(),
        false => items
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n    "),
    };
    let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).collect();
    let new: Vec<&String> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && new.is_empty(),
        "{what} changed (docs/checkov-comparison.md):\n  expected, not found:\n    {}\n  found, not expected:\n    {}",
        list(missing),
        list(new),
    );
}

#[test]
fn on_the_corpus_palisade_and_checkov_differ_only_where_documented() {
    let comparison = compare(
        &data("corpus"),
        &root().join("scripts/checkov/corpus-results.jsonl"),
    );
    let (figures, differences) = lines(&comparison);
    let (want_figures, want_differences) = expected(CORPUS_FIGURES, CORPUS_DIFFERENCES);
    assert_same(
        &differences.into_iter().collect::<Vec<_>>(),
        &want_differences.into_iter().collect::<Vec<_>>(),
        "the disagreements",
    );
    assert_same(&figures, &want_figures, "the figures");
    // What Palisade does not judge carries no pod: CKV_K8S_21 on Services, RBAC, ConfigMaps.
    for ((run, check), outcomes) in &comparison {
        for (_, kind, _, name) in outcomes.get(&NotJudged).into_iter().flatten() {
            assert!(
                NO_POD.contains(&kind.as_str()) && check == "CKV_K8S_21",
                "{run} {check}: {kind} {name} not judged"
            );
        }
    }
}

#[test]
fn each_documented_difference_shows_on_its_own_manifest() {
    let comparison = compare(&data("checkov/edge"), &data("checkov/edge-results.jsonl"));
    let (figures, differences) = lines(&comparison);
    let (want_figures, want_differences) = expected(EDGE_FIGURES, EDGE_DIFFERENCES);
    assert_same(
        &differences.into_iter().collect::<Vec<_>>(),
        &want_differences.into_iter().collect::<Vec<_>>(),
        "the disagreements",
    );
    assert_same(&figures, &want_figures, "the figures");
}

/// The Palisade bugs the comparison found (docs/checkov-comparison.md, "Palisade bugs"):
/// `policy check` reads YAML 1.2 where kubectl reads YAML 1.1 (`privileged: yes`,
/// `hostPort: 0x1F90`), does not apply merge keys (`<<: *anchor`), and does not judge
/// PodTemplate. On these manifests kubectl's reading, Checkov's verdicts and Pod Security
/// admission agree; Palisade should agree with them too.
#[test]
fn palisade_reads_manifests_as_kubectl_does() {
    let comparison = compare(&data("checkov/bugs"), &data("checkov/bugs-results.jsonl"));
    // Checkov has no result for a PodTemplate under its pod-spec checks: no-checkov is fine.
    let wrong: Vec<String> = comparison
        .iter()
        .flat_map(|((run, check), o)| {
            [PalisadeOnly, CheckovOnly, NotJudged]
                .into_iter()
                .flat_map(move |outcome| {
                    o.get(&outcome)
                        .into_iter()
                        .flatten()
                        .map(move |(file, kind, _, name)| {
                            format!("{run} {check} {outcome:?} {file} {kind} {name}")
                        })
                })
        })
        .collect();
    assert!(wrong.is_empty(), "disagreements:\n  {}", wrong.join("\n  "));
}
