//! Cosign signatures, verified offline with the public keys the policy names (`imageSigned`
//! criteria): the signature manifest beside the image in its registry (`sha256-<hex>.sig`,
//! as `cosign sign --key` pushes it), each layer's payload checked against the key (ECDSA
//! P-256/SHA-256 or P-384/SHA-384, as cosign's keys are) and naming the image's digest. No
//! transparency log, no keyless identities: a key is trusted because the policy names it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use palisade_image::registry::{cosign_signatures, CosignSignature, ImageName, RegistryOptions};
use palisade_policy::admit::ImageFacts;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::SubjectPublicKeyInfoDer;

use crate::say;
use crate::webhook::{Images, Lookup};

/// How long what a registry said of an image's signatures is believed.
const FRESH: Duration = Duration::from_secs(60);

/// The simple signing payload's type, as cosign writes and checks it.
const PAYLOAD_TYPE: &str = "cosign container image signature";

/// Whether `sig` is a signature by `key_pem` (a PEM `PUBLIC KEY`) of the image `digest`.
pub fn verify(sig: &CosignSignature, digest: &str, key_pem: &str) -> Result<(), String> {
    let (algorithm, point) = public_key(key_pem)?;
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sig.signature.trim())
        .map_err(|e| format!("the signature is not base64: {e}"))?;
    UnparsedPublicKey::new(algorithm, &point)
        .verify(&sig.payload, &raw)
        .map_err(|_| "the signature does not verify with the key".to_string())?;
    // Signed, so read: what it says must be this image.
    let payload: serde_json::Value = serde_json::from_slice(&sig.payload)
        .map_err(|e| format!("the signed payload is not JSON: {e}"))?;
    let critical = &payload["critical"];
    if critical["type"].as_str() != Some(PAYLOAD_TYPE) {
        return Err(format!("the signed payload's type is not {PAYLOAD_TYPE:?}"));
    }
    match critical["image"]["docker-manifest-digest"].as_str() {
        Some(d) if d == digest => Ok(()),
        Some(d) => Err(format!("the signature is of {d}, not {digest}")),
        None => Err("the signed payload names no digest".into()),
    }
}

type Algorithm = &'static ring::signature::EcdsaVerificationAlgorithm;

/// The algorithm and the EC point of a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
fn public_key(pem: &str) -> Result<(Algorithm, Vec<u8>), String> {
    let der = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| format!("not a PEM public key: {e:?}"))?;
    spki(der.as_ref())
}

/// `SEQUENCE { SEQUENCE { OID ecPublicKey, OID curve }, BIT STRING point }`, read strictly.
fn spki(der: &[u8]) -> Result<(Algorithm, Vec<u8>), String> {
    const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    let bad = || "not an EC public key (cosign keys are ECDSA P-256 or P-384)".to_string();
    let (outer, rest) = tlv(der, 0x30).ok_or_else(bad)?;
    if !rest.is_empty() {
        return Err(bad());
    }
    let (algorithm, rest) = tlv(outer, 0x30).ok_or_else(bad)?;
    let (bits, tail) = tlv(rest, 0x03).ok_or_else(bad)?;
    let (oid, params) = tlv(algorithm, 0x06).ok_or_else(bad)?;
    let (curve, end) = tlv(params, 0x06).ok_or_else(bad)?;
    if oid != EC_PUBLIC_KEY || !end.is_empty() || !tail.is_empty() {
        return Err(bad());
    }
    let algorithm: Algorithm = match curve {
        c if c == P256 => &ECDSA_P256_SHA256_ASN1,
        c if c == P384 => &ECDSA_P384_SHA384_ASN1,
        _ => return Err(bad()),
    };
    match bits.split_first() {
        Some((0, point)) => Ok((algorithm, point.to_vec())),
        _ => Err(bad()),
    }
}

/// One DER element of tag `tag`: its contents and what follows it.
fn tlv(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = data.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
        0x82 => (
            usize::from(*rest.first()?) << 8 | usize::from(*rest.get(1)?),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// Image facts with the keys of the policy each image's signatures verify with.
pub struct Signed {
    inner: Box<dyn Images>,
    keys: Vec<String>,
    registry: RegistryOptions,
    /// image -> (when, keys verified).
    known: Mutex<HashMap<String, (Instant, Vec<String>)>>,
}

impl Signed {
    /// `keys`: the PEM public keys the policy's `imageSigned` criteria name.
    pub fn new(inner: Box<dyn Images>, keys: Vec<String>, registry: RegistryOptions) -> Signed {
        Signed {
            inner,
            keys,
            registry,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// What the registry said of `image` lately.
    fn cached(&self, image: &str) -> Option<Vec<String>> {
        self.lock()
            .get(image)
            .filter(|(when, _)| when.elapsed() < FRESH)
            .map(|(_, keys)| keys.clone())
    }

    /// The keys `image`'s signatures verify with (none when the registry cannot say).
    fn verified(&self, image: &str) -> Vec<String> {
        if let Some(keys) = self.cached(image) {
            return keys;
        }
        let keys = match self.fetch(image) {
            Ok(keys) => keys,
            Err(e) => {
                say(&format!("signatures of {image}: {e}"));
                Vec::new()
            }
        };
        let mut known = self.lock();
        // Bounded: a cluster runs far fewer images than this.
        if known.len() > 4096 {
            known.clear();
        }
        known.insert(image.to_string(), (Instant::now(), keys.clone()));
        keys
    }

    fn fetch(&self, image: &str) -> Result<Vec<String>, String> {
        let name = ImageName::parse(image).map_err(|e| format!("{image:?}: {e}"))?;
        let (digest, signatures) =
            cosign_signatures(&name, &self.registry).map_err(|e| e.to_string())?;
        Ok(self
            .keys
            .iter()
            .filter(|k| signatures.iter().any(|s| verify(s, &digest, k).is_ok()))
            .cloned()
            .collect())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Vec<String>)>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Images for Signed {
    fn facts(&self, image: &str, how: Lookup) -> Option<ImageFacts> {
        // A dry run asks no registry: what is cached, else nothing verified.
        let verified = match how.remote {
            true => self.verified(image),
            false => self.cached(image).unwrap_or_default(),
        };
        match self.inner.facts(image, how) {
            Some(mut f) => {
                f.verified_keys = verified;
                Some(f)
            }
            None if !verified.is_empty() => Some(ImageFacts {
                verified_keys: verified,
                unscanned: true,
                ..ImageFacts::default()
            }),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_and_tags_are_read_strictly() {
        assert_eq!(
            tlv(&[0x30, 0x02, 1, 2, 9], 0x30),
            Some((&[1u8, 2][..], &[9u8][..]))
        );
        assert_eq!(tlv(&[0x30, 0x03, 1, 2], 0x30), None);
        assert_eq!(tlv(&[0x31, 0x00], 0x30), None);
        assert_eq!(tlv(&[0x30, 0x81], 0x30), None);
        assert!(
            public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err()
        );
    }
}
