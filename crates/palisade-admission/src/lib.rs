//! Admission control in the cluster: `palisade admission serve` answers the API server's
//! AdmissionReviews over HTTPS with the same decisions `palisade policy check` and `policy
//! test` make (palisade-policy's `admit`), reading image scan results from the local store.

pub mod config;
pub mod images;
pub mod metrics;
pub mod review;
pub mod scanning;
pub mod server;
pub mod signatures;
pub mod tls;
pub mod webhook;

pub use webhook::{Images, NoImages, Webhook};

/// A line on stderr, the webhook's log: what it did that no review shows.
#[allow(clippy::print_stderr)]
pub(crate) fn say(line: &str) {
    eprintln!("palisade admission: {line}");
}
