//! The scan pipeline's far end: what was found in an image, written for people and tools.

mod columns;
pub mod exploited;
pub mod gate;
pub mod matching;
pub mod releases;
pub mod report;
pub mod sbom;
pub mod sbom_input;
pub mod severity;
pub mod vex;
