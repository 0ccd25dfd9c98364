//! Service accounts bound to risky roles, from RBAC objects (Role, ClusterRole, RoleBinding,
//! ClusterRoleBinding): what `serviceAccountRiskyRole` looks at. A role is risky when one of
//! its rules grants what NeuVector's admission control calls risky (reading secrets, creating
//! workloads, any action on workloads or on RBAC, exec into containers), or what lets a
//! subject become someone else (impersonate, escalate, bind). Unlike NeuVector, every rule of
//! a role counts, not only its last.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Why a role is risky.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    ViewSecret,
    CreatePod,
    AnyActionWorkload,
    AnyActionRbac,
    ExecIntoContainer,
    Impersonate,
    Escalate,
}

impl Risk {
    /// NeuVector's name where it has one.
    pub fn name(self) -> &'static str {
        match self {
            Risk::ViewSecret => "risky_role_view_secret",
            Risk::CreatePod => "risky_role_create_pod",
            Risk::AnyActionWorkload => "risky_role_any_action_workload",
            Risk::AnyActionRbac => "risky_role_any_action_rbac",
            Risk::ExecIntoContainer => "risky_role_exec_into_container",
            Risk::Impersonate => "impersonate",
            Risk::Escalate => "escalate_or_bind",
        }
    }
}

const WORKLOADS: [&str; 9] = [
    "pods",
    "deployments",
    "cronjobs",
    "jobs",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "replicationcontrollers",
    "*",
];
const RBAC: [&str; 5] = [
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
    "*",
];

/// The risks one policy rule of a role grants.
pub fn rule_risks(rule: &Value) -> BTreeSet<Risk> {
    let list = |key: &str| -> Vec<&str> {
        rule[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    };
    let (verbs, resources) = (list("verbs"), list("resources"));
    let verb = |vs: &[&str]| verbs.iter().any(|v| vs.contains(v));
    let resource = |rs: &[&str]| resources.iter().any(|r| rs.contains(r));
    let mut out = BTreeSet::new();
    if verb(&["*", "get", "list", "watch"]) && resource(&["secrets", "*"]) {
        out.insert(Risk::ViewSecret);
    }
    if verb(&["*", "create"]) && resource(&WORKLOADS) {
        out.insert(Risk::CreatePod);
    }
    if verb(&["*"]) && resource(&WORKLOADS) {
        out.insert(Risk::AnyActionWorkload);
    }
    if verb(&["*"]) && resource(&RBAC) {
        out.insert(Risk::AnyActionRbac);
    }
    // `get` too: exec over websockets asks for it (before Kubernetes 1.35).
    if verb(&["*", "create", "get"]) && resource(&["pods/exec", "pods/attach", "pods/*", "*"]) {
        out.insert(Risk::ExecIntoContainer);
    }
    if verb(&["impersonate"]) {
        out.insert(Risk::Impersonate);
    }
    if verb(&["escalate", "bind"]) && resource(&RBAC) {
        out.insert(Risk::Escalate);
    }
    out
}

/// Every service account bound to a risky role, as `NAMESPACE/NAME` (`NAMESPACE/*` and `*/*`
/// where a binding names the group of a namespace's or of all service accounts), with the
/// risks, from the RBAC objects among `objects` (others are ignored).
pub fn risky_service_accounts(objects: &[Value]) -> BTreeMap<String, BTreeSet<Risk>> {
    // Roles by (namespace, name); cluster roles with an empty namespace.
    let mut roles: BTreeMap<(String, String), BTreeSet<Risk>> = BTreeMap::new();
    for o in objects {
        let namespace = match o["kind"].as_str() {
            Some("ClusterRole") => "",
            Some("Role") => o["metadata"]["namespace"].as_str().unwrap_or("default"),
            _ => continue,
        };
        let name = o["metadata"]["name"].as_str().unwrap_or("").to_string();
        let risks = o["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(rule_risks)
            .collect();
        roles.insert((namespace.to_string(), name), risks);
    }
    let mut out: BTreeMap<String, BTreeSet<Risk>> = BTreeMap::new();
    for b in objects {
        let namespace = match b["kind"].as_str() {
            Some("ClusterRoleBinding") => None,
            Some("RoleBinding") => Some(b["metadata"]["namespace"].as_str().unwrap_or("default")),
            _ => continue,
        };
        let role_name = b["roleRef"]["name"].as_str().unwrap_or("").to_string();
        let key = match (b["roleRef"]["kind"].as_str(), namespace) {
            (Some("ClusterRole"), _) => (String::new(), role_name),
            (Some("Role"), Some(ns)) => (ns.to_string(), role_name),
            _ => continue,
        };
        // cluster-admin is built in: it is in no manifest, and it is every risk.
        let risks = match (
            roles.get(&key),
            key.0.is_empty() && key.1 == "cluster-admin",
        ) {
            (Some(r), _) => r.clone(),
            (None, true) => rule_risks(&serde_json::json!({"verbs": ["*"], "resources": ["*"]})),
            (None, false) => continue,
        };
        if risks.is_empty() {
            continue;
        }
        for s in b["subjects"].as_array().into_iter().flatten() {
            let account = match (s["kind"].as_str(), s["name"].as_str()) {
                (Some("ServiceAccount"), Some(name)) => {
                    let ns = s["namespace"].as_str().or(namespace).unwrap_or("default");
                    format!("{ns}/{name}")
                }
                (Some("User"), Some(user)) => match user
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|r| r.split_once(':'))
                {
                    Some((ns, name)) => format!("{ns}/{name}"),
                    None => continue,
                },
                // Every service account is authenticated.
                (Some("Group"), Some("system:serviceaccounts" | "system:authenticated")) => {
                    "*/*".to_string()
                }
                (Some("Group"), Some(g)) => match g.strip_prefix("system:serviceaccounts:") {
                    Some(ns) => format!("{ns}/*"),
                    None => continue,
                },
                _ => continue,
            };
            out.entry(account)
                .or_default()
                .extend(risks.iter().copied());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bindings_give_their_accounts_the_risks_of_every_rule() {
        let objects = vec![
            json!({"kind": "Role", "metadata": {"name": "reader", "namespace": "shop"},
                   "rules": [{"verbs": ["get"], "resources": ["configmaps"]},
                             {"verbs": ["list"], "resources": ["secrets"]}]}),
            json!({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": "shop"},
                   "roleRef": {"kind": "Role", "name": "reader"},
                   "subjects": [{"kind": "ServiceAccount", "name": "web"}]}),
            json!({"kind": "ClusterRoleBinding", "metadata": {"name": "admins"},
                   "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                   "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"},
                                {"kind": "Group", "name": "system:serviceaccounts:batch"},
                                {"kind": "User", "name": "alice"}]}),
            json!({"kind": "ClusterRole", "metadata": {"name": "harmless"},
                   "rules": [{"verbs": ["get", "list"], "resources": ["pods"]}]}),
            json!({"kind": "ClusterRoleBinding", "metadata": {"name": "h"},
                   "roleRef": {"kind": "ClusterRole", "name": "harmless"},
                   "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": "shop"}]}),
            json!({"kind": "ClusterRole", "metadata": {"name": "exec"},
                   "rules": [{"verbs": ["get"], "resources": ["pods/exec"]}]}),
            json!({"kind": "ClusterRoleBinding", "metadata": {"name": "e"},
                   "roleRef": {"kind": "ClusterRole", "name": "exec"},
                   "subjects": [{"kind": "User", "name": "system:serviceaccount:tools:shell"}]}),
        ];
        let r = risky_service_accounts(&objects);
        assert_eq!(
            r.keys().collect::<Vec<_>>(),
            ["batch/*", "ci/deployer", "shop/web", "tools/shell"]
        );
        assert_eq!(r["tools/shell"], [Risk::ExecIntoContainer].into());
        assert_eq!(r["shop/web"], [Risk::ViewSecret].into());
        assert!(r["ci/deployer"].contains(&Risk::AnyActionRbac));
        assert!(r["ci/deployer"].contains(&Risk::ExecIntoContainer));
    }
}
