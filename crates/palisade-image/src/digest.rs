//! Content digests (`sha256:<hex>`, `sha512:<hex>`, as the OCI image spec registers them): the
//! algorithms Palisade verifies and a hasher for each. A digest naming any other algorithm
//! cannot be checked, so verifying refuses it rather than reading the content unchecked.

use palisade_core::diagnostic::Remedy;
use sha2::{Digest as _, Sha256, Sha512};

use crate::ImageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    /// The algorithm of `digest`; `Err` says why it cannot be verified.
    pub fn of(digest: &str) -> Result<Algorithm, DigestError> {
        match digest.split_once(':') {
            Some(("sha256", _)) => Ok(Algorithm::Sha256),
            Some(("sha512", _)) => Ok(Algorithm::Sha512),
            Some((other, _)) => Err(DigestError {
                reason: format!(
                    "digest {digest:?}: algorithm {other:?} cannot be verified (sha256 and \
                     sha512 can)"
                ),
                unknown_algorithm: true,
            }),
            None => Err(DigestError {
                reason: format!("malformed digest {digest:?}"),
                unknown_algorithm: false,
            }),
        }
    }

    /// The algorithm of `digest` when there is one, else sha256 (what images use).
    pub fn of_expected(digest: Option<&str>) -> Result<Algorithm, DigestError> {
        digest.map_or(Ok(Algorithm::Sha256), Algorithm::of)
    }

    pub fn hasher(self) -> Hasher {
        match self {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }
}

pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest, `alg:<lowercase hex>`.
    pub fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => format!("sha256:{:x}", h.finalize()),
            Hasher::Sha512(h) => format!("sha512:{:x}", h.finalize()),
        }
    }
}

/// Hashes `bytes` with the algorithm of `expected` and compares; `Err` when the algorithm is not
/// one Palisade verifies, `Ok(Some(actual))` on a mismatch.
pub(crate) fn check(bytes: &[u8], expected: &str) -> Result<Option<String>, DigestError> {
    let mut h = Algorithm::of(expected)?.hasher();
    h.update(bytes);
    let actual = h.finish();
    Ok((actual != expected).then_some(actual))
}

/// A digest that cannot be checked: malformed, or of an algorithm Palisade does not compute
/// (which reading unverified gets past).
#[derive(Debug)]
pub(crate) struct DigestError {
    reason: String,
    unknown_algorithm: bool,
}

impl DigestError {
    /// `error`, caused by this, with what gets past it.
    pub(crate) fn remedied(&self, error: ImageError) -> ImageError {
        match self.unknown_algorithm {
            true => error.with_remedy(Remedy::SkipVerify),
            false => error,
        }
    }
}

impl std::fmt::Display for DigestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_sha256_and_sha512_and_refuses_other_algorithms() {
        // The empty string's well-known digests.
        let sha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sha512 = "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                      47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        assert!(matches!(check(b"", sha256), Ok(None)));
        assert!(matches!(check(b"", sha512), Ok(None)));
        assert!(matches!(check(b"x", sha512), Ok(Some(a)) if a.starts_with("sha512:")));
        let err = check(b"", "md5:d41d8cd98f00b204e9800998ecf8427e").unwrap_err();
        assert!(
            err.to_string().contains("\"md5\" cannot be verified"),
            "{err}"
        );
        assert!(err.unknown_algorithm);
        assert!(!check(b"", "e3b0c442").unwrap_err().unknown_algorithm);
    }
}
