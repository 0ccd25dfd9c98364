//! The ValidatingWebhookConfiguration that points the API server at the webhook.

use serde_json::{json, Value};

/// What the configuration says about where the webhook is and how the API server calls it.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// The Service in front of the webhook: namespace and name (port 443, path /validate).
    pub namespace: String,
    pub service: String,
    /// The CA that signed the serving certificate, base64 of its PEM; `None` leaves it to a
    /// CA injector (cert-manager's cainjector).
    pub ca_bundle: Option<String>,
    /// Seconds the API server waits (1 to 30).
    pub timeout_seconds: u32,
    /// `Fail` (protect: an unreachable webhook refuses) or `Ignore` (monitor: admits).
    pub fail_closed: bool,
    /// Reviews may start scans (`sideEffects: NoneOnDryRun`: dry runs never do).
    pub scans: bool,
    /// Namespaces never sent (kube-system, the webhook's own: so the cluster and the webhook
    /// can always start).
    pub excluded: Vec<String>,
}

/// The kinds sent: pods and everything that carries a pod template, ephemeral containers
/// added to a pod, and claims (storage class criteria).
const RULES: [(&str, &[&str]); 3] = [
    (
        "",
        &[
            "pods",
            "pods/ephemeralcontainers",
            "pods/resize",
            "replicationcontrollers",
            "podtemplates",
            "persistentvolumeclaims",
        ],
    ),
    (
        "apps",
        &["deployments", "statefulsets", "daemonsets", "replicasets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
];

pub fn webhook_configuration(o: &WebhookOptions) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(group, resources)| {
            json!({
                "apiGroups": [group],
                "apiVersions": ["*"],
                "operations": ["CREATE", "UPDATE"],
                "resources": resources,
                "scope": "Namespaced",
            })
        })
        .collect();
    let mut client = json!({"service": {
        "namespace": o.namespace,
        "name": o.service,
        "path": "/validate",
        "port": 443,
    }});
    if let Some(ca) = &o.ca_bundle {
        client["caBundle"] = json!(ca);
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "palisade-admission", "labels": {"app.kubernetes.io/managed-by": "palisade"}},
        "webhooks": [{
            "name": "validate.palisade.dev",
            "admissionReviewVersions": ["v1", "v1beta1"],
            "clientConfig": client,
            "rules": rules,
            "failurePolicy": if o.fail_closed { "Fail" } else { "Ignore" },
            "matchPolicy": "Equivalent",
            // Judging has no side effect but a scan on admission, which a dry run never
            // starts: dry-run requests are sent too.
            "sideEffects": if o.scans { "NoneOnDryRun" } else { "None" },
            "timeoutSeconds": o.timeout_seconds.clamp(1, 30),
            "namespaceSelector": {"matchExpressions": [{
                "key": "kubernetes.io/metadata.name",
                "operator": "NotIn",
                "values": o.excluded,
            }]},
        }],
    })
}
