use std::io;
use std::path::PathBuf;

/// What went wrong reading an image, naming the image, the layer and the entry concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("invalid image reference {reference:?}: {reason}")]
    Reference { reference: String, reason: String },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{image}: {file}: {reason}")]
    Metadata {
        image: String,
        file: String,
        reason: String,
    },

    #[error("{image}: {what}: digest mismatch: expected {expected}, content hashes to {actual}")]
    Digest {
        image: String,
        what: String,
        expected: String,
        actual: String,
    },

    #[error("{image}: layer {layer}{}: {reason}", entry.as_ref().map(|e| format!(", entry {e:?}")).unwrap_or_default())]
    Layer {
        image: String,
        layer: String,
        entry: Option<String>,
        reason: String,
    },

    #[error("{image}: {reason}")]
    Select { image: String, reason: String },

    /// The files kept for cataloguing (every layer's copy) exceed `Limits::max_captured_bytes`.
    #[error("{image}: the files kept for cataloguing exceed the limit of {limit} bytes (--max-captured-bytes)")]
    Captured { image: String, limit: u64 },

    /// A registry step failed: `step` says which (the manifest, a layer's blob, the token).
    #[error("{image}: {step}: {reason}")]
    Registry {
        image: String,
        step: String,
        reason: String,
    },
}

impl ImageError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        ImageError::Io {
            path: path.into(),
            source,
        }
    }
}
