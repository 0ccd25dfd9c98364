//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The advisory packs: `$PALISADE_FEEDS`, else the copies vendored in `feeds/`.
pub fn feeds() -> PathBuf {
    let dir = std::env::var_os("PALISADE_FEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../feeds"));
    assert!(
        dir.join("README.md").is_file(),
        "advisory packs not found at {} (set PALISADE_FEEDS)",
        dir.display()
    );
    dir
}
