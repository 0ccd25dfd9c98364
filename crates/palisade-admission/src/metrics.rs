//! What `/metrics` tells Prometheus: decisions by rule and result, bodies that were not
//! reviews, and how long answers took.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    /// (rule, result) -> count; the rule is empty when none decided.
    decisions: Mutex<BTreeMap<(String, &'static str), u64>>,
    bad_requests: AtomicU64,
    /// Per bucket (the last: over every bound), then the sum in nanoseconds and the count.
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_ns: AtomicU64,
    latency_count: AtomicU64,
}

impl Metrics {
    /// Counts a decision: `result` is `allowed`, `denied` or `warned`.
    pub fn decision(&self, rule: &str, result: &'static str) {
        let mut d = self.decisions.lock().unwrap_or_else(|e| e.into_inner());
        *d.entry((rule.to_string(), result)).or_default() += 1;
    }

    pub fn bad_request(&self) {
        self.bad_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Records how long a review took to answer.
    pub fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.latency[i].fetch_add(1, Ordering::Relaxed);
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.latency_sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP palisade_admission_decisions_total Admission decisions by the rule that made them and their result.\n");
        out.push_str("# TYPE palisade_admission_decisions_total counter\n");
        let decisions = self.decisions.lock().unwrap_or_else(|e| e.into_inner());
        for ((rule, result), n) in decisions.iter() {
            let _ = writeln!(
                out,
                "palisade_admission_decisions_total{{rule=\"{}\",result=\"{result}\"}} {n}",
                label(rule)
            );
        }
        drop(decisions);
        out.push_str(
            "# HELP palisade_admission_bad_requests_total Bodies that were not AdmissionReviews.\n",
        );
        out.push_str("# TYPE palisade_admission_bad_requests_total counter\n");
        let _ = writeln!(
            out,
            "palisade_admission_bad_requests_total {}",
            self.bad_requests.load(Ordering::Relaxed)
        );
        out.push_str("# HELP palisade_admission_review_duration_seconds Time to read and judge a review's body (TLS and HTTP not counted).\n");
        out.push_str("# TYPE palisade_admission_review_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.latency[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "palisade_admission_review_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.latency[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "palisade_admission_review_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.latency_sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "palisade_admission_review_duration_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "palisade_admission_review_duration_seconds_count {}",
            self.latency_count.load(Ordering::Relaxed)
        );
        out
    }
}

/// A label value as the exposition format escapes it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets_render_as_prometheus_reads_them() {
        let m = Metrics::default();
        m.decision("AdmissionRule \"x\"", "denied");
        m.decision("AdmissionRule \"x\"", "denied");
        m.decision("", "allowed");
        m.observe(Duration::from_micros(300));
        m.observe(Duration::from_secs(3));
        let text = m.render();
        assert!(text.contains(
            "palisade_admission_decisions_total{rule=\"AdmissionRule \\\"x\\\"\",result=\"denied\"} 2"
        ));
        assert!(text.contains("palisade_admission_decisions_total{rule=\"\",result=\"allowed\"} 1"));
        assert!(text.contains("_bucket{le=\"0.0005\"} 1\n"));
        assert!(text.contains("_bucket{le=\"1\"} 1\n"));
        assert!(text.contains("_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("_count 2\n"));
    }
}
