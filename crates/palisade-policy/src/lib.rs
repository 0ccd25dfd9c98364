//! Security policy as code. Every rule Palisade enforces is a Kubernetes resource of the
//! `security.palisade.dev/v1` API group, reviewed in git and read here into one model that
//! admission, the enforcer, the network path and the controller all use. A library: it reads
//! the text it is given and does no other I/O.

pub mod address;
pub mod admission;
pub mod admit;
pub mod cel;
pub mod crd;
pub mod de;
pub mod decide;
pub mod diff;
pub mod export;
pub mod format;
pub mod glob;
pub mod learned;
pub mod load;
pub mod manifests;
pub mod neuvector;
pub mod pss;
pub mod rbac;
pub mod resources;
pub mod testing;
pub mod yaml;

pub use load::{load, Policy, Resource, Source, Spec};
