//! Admission control in the cluster: `palisade admission serve` answers the API server's
//! AdmissionReviews over HTTPS with the same decisions `palisade policy check` and `policy
//! test` make (palisade-policy's `admit`), reading image scan results from the local store.

pub mod config;
pub mod images;
pub mod metrics;
pub mod review;
pub mod server;
pub mod tls;
pub mod webhook;

pub use webhook::{Images, NoImages, Webhook};
