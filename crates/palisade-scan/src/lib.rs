//! The scan pipeline's far end: what was found in an image, written for people and tools.

pub mod sbom;
