//! AdmissionReview, as the API server sends it (`admission.k8s.io/v1` and `v1beta1`, one
//! shape) and as it wants the answer. Read in two steps so that a review whose object cannot
//! be judged (nested too deep, not an object) still gets an answer under its own uid: the
//! envelope first, with the object kept as raw text, then the object.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// The API versions a review comes in; the answer is in the one asked.
pub const API_VERSIONS: [&str; 2] = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"];

/// The longest warning the API server keeps whole.
pub const WARNING_MAX: usize = 120;

/// A review's request, as far as admission needs it.
#[derive(Debug, Clone)]
pub struct Review {
    pub api_version: String,
    pub uid: String,
    /// The kind of the object (`Pod`, `Deployment`), as the request names it.
    pub kind: String,
    pub resource: String,
    pub sub_resource: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    pub namespace: String,
    pub name: String,
    pub user: String,
    pub groups: Vec<String>,
    pub dry_run: bool,
    /// The object as sent (the new one for an UPDATE), not yet read.
    object: Option<Box<RawValue>>,
    /// An UPDATE's object before it, not yet read.
    old_object: Option<Box<RawValue>>,
}

/// Why a body is not a review one can answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("apiVersion {0:?} is not an AdmissionReview version (admission.k8s.io/v1 or v1beta1)")]
    ApiVersion(String),
    #[error("kind {0:?} is not AdmissionReview")]
    Kind(String),
    #[error("the review has no request")]
    NoRequest,
    #[error("the request has no uid")]
    NoUid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    request: Option<RequestIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RequestIn {
    uid: String,
    kind: Gvk,
    resource: Gvr,
    sub_resource: String,
    operation: String,
    namespace: String,
    name: String,
    user_info: UserInfo,
    dry_run: Option<bool>,
    object: Option<Box<RawValue>>,
    old_object: Option<Box<RawValue>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Gvk {
    kind: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Gvr {
    resource: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserInfo {
    username: String,
    groups: Vec<String>,
}

impl Review {
    /// Reads a review's envelope. The object is read by [`Review::object`].
    pub fn parse(body: &[u8]) -> Result<Review, ReviewError> {
        let env: Envelope =
            serde_json::from_slice(body).map_err(|e| ReviewError::NotJson(e.to_string()))?;
        if !API_VERSIONS.contains(&env.api_version.as_str()) {
            return Err(ReviewError::ApiVersion(env.api_version));
        }
        if env.kind != "AdmissionReview" {
            return Err(ReviewError::Kind(env.kind));
        }
        let r = env.request.ok_or(ReviewError::NoRequest)?;
        if r.uid.is_empty() {
            return Err(ReviewError::NoUid);
        }
        Ok(Review {
            api_version: env.api_version,
            uid: r.uid,
            kind: r.kind.kind,
            resource: r.resource.resource,
            sub_resource: r.sub_resource,
            operation: r.operation,
            namespace: r.namespace,
            name: r.name,
            user: r.user_info.username,
            groups: r.user_info.groups,
            dry_run: r.dry_run.unwrap_or(false),
            object: r.object,
            old_object: r.old_object,
        })
    }

    /// The object, read: `Err` says why it cannot be judged (missing, not an object, nested
    /// deeper than the reader goes).
    pub fn object(&self) -> Result<Value, String> {
        let raw = self
            .object
            .as_ref()
            .filter(|r| r.get() != "null")
            .ok_or_else(|| format!("the {} request carries no object", self.operation))?;
        let v: Value = serde_json::from_str(raw.get()).map_err(|e| {
            match e.to_string().contains("recursion limit") {
                true => "the object is nested too deeply to judge (over 128 levels)".to_string(),
                false => format!("the object cannot be read: {e}"),
            }
        })?;
        match v.is_object() {
            true => Ok(v),
            false => Err("the object is not a JSON object".into()),
        }
    }

    /// An UPDATE's object before it, if it was sent and reads.
    pub fn old_object(&self) -> Option<Value> {
        let raw = self.old_object.as_ref()?;
        serde_json::from_str(raw.get()).ok()
    }

    /// `ns/name` (or the name alone), for logs and messages.
    pub fn target(&self) -> String {
        match (self.namespace.is_empty(), self.name.is_empty()) {
            (_, true) => format!("{} (unnamed)", self.kind),
            (true, false) => format!("{} {}", self.kind, self.name),
            (false, false) => format!("{} {}/{}", self.kind, self.namespace, self.name),
        }
    }
}

/// What the webhook answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// Why (for a refusal, the rule and what to change).
    pub message: String,
    pub warnings: Vec<String>,
}

/// The AdmissionReview answering `review` (its apiVersion, its uid).
pub fn answer(review: &Review, verdict: &Verdict) -> Value {
    let mut response = json!({"uid": review.uid, "allowed": verdict.allowed});
    if !verdict.allowed {
        // 403 as Kubernetes' own admission plugins refuse.
        response["status"] =
            json!({"code": 403, "reason": "Forbidden", "message": verdict.message});
    }
    let warnings: Vec<String> = verdict.warnings.iter().map(|w| warning(w)).collect();
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    json!({"apiVersion": review.api_version, "kind": "AdmissionReview", "response": response})
}

/// A warning as the API server passes it on: one printable line of at most 120 characters
/// (longer ones cut with `...`).
pub fn warning(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() <= WARNING_MAX {
        return line;
    }
    let mut cut: String = line.chars().take(WARNING_MAX - 3).collect();
    cut.push_str("...");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(request: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request
        }))
        .unwrap()
    }

    #[test]
    fn a_review_is_read_and_answered_in_its_own_version() {
        let body = review(json!({
            "uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"resource": "pods"}, "operation": "CREATE", "namespace": "shop",
            "name": "web", "userInfo": {"username": "alice", "groups": ["dev"]}, "dryRun": true,
            "object": {"kind": "Pod", "metadata": {"name": "web"}}
        }));
        let r = Review::parse(&body).unwrap();
        assert_eq!(
            (r.uid.as_str(), r.kind.as_str(), r.user.as_str()),
            ("u-1", "Pod", "alice")
        );
        assert!(r.dry_run);
        assert_eq!(r.object().unwrap()["metadata"]["name"], "web");
        let a = answer(
            &r,
            &Verdict {
                allowed: false,
                message: "no".into(),
                warnings: vec!["w".repeat(200)],
            },
        );
        assert_eq!(a["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(a["response"]["uid"], "u-1");
        assert_eq!(a["response"]["status"]["code"], 403);
        assert_eq!(
            a["response"]["warnings"][0]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            120
        );
    }

    #[test]
    fn what_is_not_a_review_says_what_is_wrong() {
        assert!(matches!(Review::parse(b"{"), Err(ReviewError::NotJson(_))));
        let v1 = |v: Value| serde_json::to_vec(&v).unwrap();
        assert_eq!(
            Review::parse(&v1(json!({"apiVersion": "v1", "kind": "AdmissionReview"}))).unwrap_err(),
            ReviewError::ApiVersion("v1".into())
        );
        assert_eq!(
            Review::parse(&v1(
                json!({"apiVersion": "admission.k8s.io/v1", "kind": "Pod"})
            ))
            .unwrap_err(),
            ReviewError::Kind("Pod".into())
        );
        assert_eq!(
            Review::parse(&v1(
                json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview"})
            ))
            .unwrap_err(),
            ReviewError::NoRequest
        );
        assert_eq!(
            Review::parse(&review(json!({"operation": "CREATE"}))).unwrap_err(),
            ReviewError::NoUid
        );
    }

    #[test]
    fn an_object_too_deep_to_judge_still_has_a_review_to_answer() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let body = format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"d","operation":"CREATE","object":{{"kind":"Pod","x":{deep}}}}}}}"#
        );
        let r = Review::parse(body.as_bytes()).unwrap();
        assert!(r.object().unwrap_err().contains("nested too deeply"));
        let none = Review::parse(&review(json!({"uid": "n", "operation": "CREATE"}))).unwrap();
        assert_eq!(
            none.object().unwrap_err(),
            "the CREATE request carries no object"
        );
    }

    #[test]
    fn warnings_are_one_printable_line() {
        assert_eq!(warning("a\nb\tc"), "a b c");
        let long = "é".repeat(130);
        assert!(warning(&long).ends_with("..."));
        assert_eq!(warning(&long).chars().count(), 120);
    }
}
