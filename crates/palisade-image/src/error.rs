use std::io;
use std::path::PathBuf;

use palisade_core::diagnostic::{Limit, Remedy};

/// What went wrong reading an image, naming the image, the layer and the entry concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("invalid image reference {reference:?}: {reason}")]
    Reference { reference: String, reason: String },

    /// The I/O error is shown in the message, not chained as a source (a report of the chain
    /// would say it twice).
    #[error("{}: {error}", path.display())]
    Io { path: PathBuf, error: io::Error },

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

    /// A platform that is not `os/arch[/variant]` of known names.
    #[error("invalid platform {platform:?}: {reason}")]
    Platform { platform: String, reason: String },

    /// The files kept for cataloguing (every layer's copy) exceed `Limits::max_captured_bytes`.
    #[error("{image}: the files kept for cataloguing exceed the limit of {limit} bytes")]
    Captured { image: String, limit: u64 },

    /// The read was cancelled or ran past its deadline (`ReadOptions::cancel`).
    #[error("{image}: {stopped}")]
    Stopped {
        image: String,
        stopped: palisade_core::cancel::Stopped,
    },

    /// A registry step failed: `step` says which (the manifest, a layer's blob, the token).
    #[error("{image}: {step}: {reason}")]
    Registry {
        image: String,
        step: String,
        reason: String,
    },

    /// An error and what would get past it (a limit to raise, credentials to give); the
    /// caller names the remedy its own way.
    #[error("{error}")]
    Remedied {
        error: Box<ImageError>,
        remedy: Remedy,
    },
}

impl ImageError {
    pub fn with_remedy(self, remedy: Remedy) -> ImageError {
        ImageError::Remedied {
            error: Box::new(self),
            remedy,
        }
    }

    /// What would get past this error, if anything is known to.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            ImageError::Remedied { remedy, .. } => Some(remedy.clone()),
            ImageError::Captured { .. } => Some(Remedy::RaiseLimit {
                limit: Limit::CapturedBytes,
            }),
            _ => None,
        }
    }

    /// The error itself, without its remedy.
    pub fn inner(&self) -> &ImageError {
        match self {
            ImageError::Remedied { error, .. } => error.inner(),
            e => e,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        ImageError::Io {
            path: path.into(),
            error: source,
        }
    }
}

/// `text` safe to print: control and replacement characters escaped (`\u{7f}`, `\n`), cut to
/// `max` characters with `...` after.
pub(crate) fn printable(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push_str("...");
            break;
        }
        if c.is_control() || c == char::REPLACEMENT_CHARACTER {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a file that is not what was expected seems to be, from its first bytes, safe to print.
pub(crate) fn describe(head: &[u8]) -> String {
    let magic: &[(&[u8], &str)] = &[
        (b"\x7fELF", "an ELF executable"),
        (b"\x1f\x8b", "gzip-compressed data"),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
        (b"\xfd7zXZ\x00", "xz-compressed data"),
        (b"BZh", "bzip2-compressed data"),
        (b"PK\x03\x04", "a zip archive"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"%PDF", "a PDF document"),
    ];
    if head.is_empty() {
        return "an empty file".to_string();
    }
    if let Some((_, what)) = magic.iter().find(|(m, _)| head.starts_with(m)) {
        return what.to_string();
    }
    match std::str::from_utf8(&head[..head.len().min(64)]) {
        Ok(text) if !text.chars().any(|c| c.is_control() && !c.is_whitespace()) => {
            // Debug escapes what is left (newlines, quotes).
            let start: String = text.chars().take(32).collect();
            format!("text starting {start:?}")
        }
        _ => {
            let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("data starting with bytes {}", hex.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_is_described_never_printed() {
        assert_eq!(describe(b"\x7fELF\x02\x01\x01\0\0"), "an ELF executable");
        assert_eq!(describe(b""), "an empty file");
        assert_eq!(
            describe(b"\x00\x01\x02\x03\xff\xfe\x80\x81\x90"),
            "data starting with bytes 00 01 02 03 ff fe 80 81"
        );
        assert_eq!(
            describe(b"{\"a\": 1}\n"),
            "text starting \"{\\\"a\\\": 1}\\n\""
        );
        assert_eq!(
            printable("a\u{7f}b\u{1}\u{fffd}", 10),
            "a\\u{7f}b\\u{1}\\u{fffd}"
        );
        assert_eq!(printable("abcdef", 3), "abc...");
    }
}
