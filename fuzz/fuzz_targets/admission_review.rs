//! A policy (the text before the first NUL byte) and an HTTP body after it, as the webhook
//! and `policy check` meet them: the body read as an AdmissionReview and answered (the answer
//! must keep the review's uid and every warning's 120 characters), read as a manifest stream
//! and judged with each violation's line found, and the policy written as CEL. Nothing may
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_admission::review::Review;
use palisade_admission::{NoImages, Webhook};
use palisade_policy::admit::{Admission, Request};
use palisade_policy::yaml::Limits;
use palisade_policy::Source;

fuzz_target!(|data: &[u8]| {
    let (policy, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let text = String::from_utf8_lossy(policy);
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_nodes: 100_000,
    };
    let policy = palisade_policy::load(&[Source { name: "fuzz.yaml", text: &text }], &limits)
        .unwrap_or_default();
    let mut admission = Admission::new(&policy);
    let _ = admission.require_pod_security("restricted:v1.25");
    let _ = palisade_policy::cel::policies(&admission, &["kube-system".into()]);
    let webhook = Webhook::new(admission.clone(), Box::new(NoImages), vec!["ns/sa".into()]);
    if let Ok(review) = Review::parse(body) {
        let answer = webhook.review(body).expect("a review read once reads again");
        assert_eq!(answer["response"]["uid"].as_str(), Some(review.uid.as_str()));
        for w in answer["response"]["warnings"].as_array().into_iter().flatten() {
            assert!(w.as_str().is_some_and(|w| w.chars().count() <= 120));
        }
    }
    let manifest = String::from_utf8_lossy(body);
    if let Ok(resources) = palisade_policy::manifests::read("fuzz.yaml", &manifest) {
        for m in resources {
            let request = Request::default();
            if let Ok(j) = admission.judge(&m.object, &request, &|_| None) {
                for h in &j.hits {
                    let _ = m.line_of(h.path.as_deref().unwrap_or(""));
                }
                let _ = j.decision();
            }
            let _ = m.title();
        }
    }
});
