//! The webhook's handler: a review in, the answer out. Transport-free, so the HTTPS server,
//! the controller later and the tests call the same code.

use std::time::{Duration, Instant};

use palisade_policy::admit::{pod_spec, Admission, ImageFacts, Request};
use palisade_policy::resources::Unscanned;
use serde_json::Value;

use crate::metrics::Metrics;
use crate::review::{answer, Review, ReviewError, Verdict};

/// How a review may look an image up.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lookup {
    /// An image never scanned may be scanned, waited for until then (the policy's
    /// `unscannedImages: scan`): one deadline for every image of the review.
    pub scan_until: Option<Instant>,
    /// Registries may be asked (signatures): never for a dry run, which has no side effect.
    pub remote: bool,
}

/// Where the webhook learns what is known of an image (its scan, its verified signatures).
pub trait Images: Send + Sync {
    /// `None`: the image was never scanned.
    fn facts(&self, image: &str, how: Lookup) -> Option<ImageFacts>;
}

/// No scan results at all: every image is unscanned.
pub struct NoImages;

impl Images for NoImages {
    fn facts(&self, _: &str, _: Lookup) -> Option<ImageFacts> {
        None
    }
}

/// How long a scan on admission may take when the policy does not say: under the API
/// server's default webhook timeout of 10 seconds.
pub const SCAN_DEADLINE: Duration = Duration::from_secs(8);

/// The subresources judged with their pod: an ephemeral container added, resources resized in
/// place (Kubernetes 1.33+) change what runs.
const JUDGED_SUBRESOURCES: [&str; 2] = ["ephemeralcontainers", "resize"];

pub struct Webhook {
    admission: Admission,
    images: Box<dyn Images>,
    /// Service accounts (`NAMESPACE/NAME`) bound to risky roles.
    risky_service_accounts: Vec<String>,
    pub metrics: Metrics,
}

impl Webhook {
    pub fn new(admission: Admission, images: Box<dyn Images>, risky: Vec<String>) -> Webhook {
        Webhook {
            admission,
            images,
            risky_service_accounts: risky,
            metrics: Metrics::default(),
        }
    }

    /// Answers a review's body. `Err`: the body is not a review (the server says 400).
    pub fn review(&self, body: &[u8]) -> Result<Value, ReviewError> {
        let started = Instant::now();
        let review = match Review::parse(body) {
            Ok(r) => r,
            Err(e) => {
                self.metrics.bad_request();
                return Err(e);
            }
        };
        let verdict = self.judge(&review);
        self.metrics.observe(started.elapsed());
        Ok(answer(&review, &verdict))
    }

    /// The verdict on one review, counted in the metrics.
    pub fn judge(&self, review: &Review) -> Verdict {
        let (verdict, rule, warned_by) = self.verdict(review);
        let result = match (verdict.allowed, verdict.warnings.is_empty()) {
            (false, _) => "denied",
            (true, true) => "allowed",
            (true, false) => "warned",
        };
        self.metrics.decision(&rule, result);
        for w in warned_by.iter().filter(|w| **w != rule) {
            self.metrics.decision(w, "warned");
        }
        verdict
    }

    fn verdict(&self, review: &Review) -> (Verdict, String, Vec<String>) {
        let pass = |why: String| {
            let v = Verdict {
                allowed: true,
                message: why,
                warnings: Vec::new(),
            };
            (v, String::new(), Vec::new())
        };
        if !matches!(review.operation.as_str(), "CREATE" | "UPDATE") {
            return pass(format!("{} is not judged", review.operation));
        }
        if !review.sub_resource.is_empty()
            && !JUDGED_SUBRESOURCES.contains(&review.sub_resource.as_str())
        {
            return pass(format!(
                "the {} subresource is not judged",
                review.sub_resource
            ));
        }
        let refuse = |why: String| {
            let v = Verdict {
                allowed: false,
                message: format!("palisade cannot judge {}: {why}", review.target()),
                warnings: Vec::new(),
            };
            (v, "unjudgeable".to_string(), Vec::new())
        };
        let object = match review.object() {
            Ok(o) => o,
            Err(why) => return refuse(why),
        };
        // As Pod Security admission: an UPDATE that leaves the pod as it was (labels, a
        // finalizer removed, a scale) is not judged again, nor one of an object being deleted.
        if review.operation == "UPDATE" && review.sub_resource.is_empty() {
            if !object["metadata"]["deletionTimestamp"].is_null() {
                return pass("the object is being deleted".into());
            }
            if let Some(old) = review.old_object() {
                if pod_spec(&old).is_some() && pod_spec(&old) == pod_spec(&object) {
                    return pass("the UPDATE leaves the pod spec as it was".into());
                }
            }
        }
        let request = Request {
            namespace: &review.namespace,
            user: &review.user,
            groups: &review.groups,
            risky_service_accounts: &self.risky_service_accounts,
        };
        // A dry run causes no side effect: it never starts a scan nor asks a registry.
        let d = self.admission.defaults();
        let how = Lookup {
            scan_until: (d.unscanned_images == Some(Unscanned::Scan) && !review.dry_run).then(
                || {
                    Instant::now()
                        + d.scan_deadline_seconds
                            .map_or(SCAN_DEADLINE, |s| Duration::from_secs(u64::from(s)))
                },
            ),
            remote: !review.dry_run,
        };
        let images = |image: &str| self.images.facts(image, how);
        match self.admission.decide(&object, &request, &images) {
            Ok(d) => {
                let message = match (&d.rule, d.allowed) {
                    // Kubernetes prefixes `admission webhook "..." denied the request: `.
                    (Some(_), false) => format!("{}: {}", review.target(), d.message),
                    _ => d.message,
                };
                let v = Verdict {
                    allowed: d.allowed,
                    message,
                    warnings: d.warnings,
                };
                (v, d.rule.unwrap_or_default(), d.warned_by)
            }
            Err(e) => refuse(e.to_string()),
        }
    }
}
