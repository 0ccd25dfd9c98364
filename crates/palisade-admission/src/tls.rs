//! The serving certificate: read from PEM files and read again when they change (cert-manager
//! and kubelet secret updates replace them in place, and a restart would drop reviews), or
//! made here with a CA of its own (`--self-signed DIR`) whose caBundle goes into the webhook
//! configuration.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::say;

/// How often the files are looked at for a change.
const CHECK_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("making the self-signed certificate: {0}")]
    Generate(String),
    #[error("TLS setup: {0}")]
    Setup(String),
}

fn file_error(path: &Path, reason: impl ToString) -> TlsError {
    TlsError::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Reads a certificate chain and its key into what rustls serves.
pub fn load(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_pem = fs::read(cert).map_err(|e| file_error(cert, e))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(cert, format!("not a PEM certificate chain: {e:?}")))?;
    if chain.is_empty() {
        return Err(file_error(cert, "holds no CERTIFICATE block"));
    }
    let key_pem = fs::read(key).map_err(|e| file_error(key, e))?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| file_error(key, format!("not a PEM private key: {e:?}")))?;
    let signer = any_supported_type(&key_der)
        .map_err(|e| file_error(key, format!("not a key rustls can sign with: {e}")))?;
    let certified = CertifiedKey::new(chain, signer);
    certified
        .keys_match()
        .map_err(|e| file_error(key, format!("does not match {}: {e}", cert.display())))?;
    Ok(certified)
}

/// A certificate read from files and read again when either file changes. A change that
/// does not read (a half-written file) keeps the last good certificate and is tried again.
#[derive(Debug)]
pub struct Reloading {
    cert: PathBuf,
    key: PathBuf,
    state: Mutex<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    current: Arc<CertifiedKey>,
    /// What the files were when `current` was read.
    stamp: Stamp,
    checked: Instant,
}

type Stamp = Option<(SystemTime, u64, SystemTime, u64)>;

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let c = fs::metadata(cert).ok()?;
    let k = fs::metadata(key).ok()?;
    Some((c.modified().ok()?, c.len(), k.modified().ok()?, k.len()))
}

impl Reloading {
    pub fn new(cert: &Path, key: &Path) -> Result<Reloading, TlsError> {
        let stamp = stamp(cert, key);
        let current = Arc::new(load(cert, key)?);
        Ok(Reloading {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            state: Mutex::new(Loaded {
                current,
                stamp,
                checked: Instant::now(),
            }),
        })
    }

    /// The certificate to serve now, read again first if the files changed.
    pub fn current(&self) -> Arc<CertifiedKey> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.checked.elapsed() >= CHECK_EVERY {
            st.checked = Instant::now();
            let now = stamp(&self.cert, &self.key);
            if now != st.stamp {
                match load(&self.cert, &self.key) {
                    Ok(k) => {
                        st.current = Arc::new(k);
                        st.stamp = now;
                        say(&format!("certificate {} read again", self.cert.display()));
                    }
                    Err(e) => say(&format!("keeping the certificate served: {e}")),
                }
            }
        }
        st.current.clone()
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The TLS configuration serving `certs` (TLS 1.2 and 1.3, HTTP/1.1).
pub fn server_config(certs: Arc<Reloading>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(certs);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What `--self-signed DIR` leaves in DIR.
pub struct SelfSigned {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The CA certificate, base64 of its PEM, as a webhook configuration's caBundle.
    pub ca_bundle: String,
}

/// The names a serving certificate made here answers to when none are given: loopback, and
/// the Service the manifests install.
pub const DEFAULT_NAMES: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "palisade-admission",
    "palisade-admission.palisade.svc",
    "palisade-admission.palisade.svc.cluster.local",
];

/// Writes a CA and a serving certificate for `names` into `dir` (`ca.crt`, `tls.crt`,
/// `tls.key`), unless it already holds ones that read: a restart keeps the CA the cluster
/// was given.
pub fn self_signed(dir: &Path, names: &[String]) -> Result<SelfSigned, TlsError> {
    let out = SelfSigned {
        ca: dir.join("ca.crt"),
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
        ca_bundle: String::new(),
    };
    let bundle = |ca: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(ca)
    };
    if let (Ok(ca), Ok(_)) = (fs::read(&out.ca), load(&out.cert, &out.key)) {
        return Ok(SelfSigned {
            ca_bundle: bundle(&ca),
            ..out
        });
    }
    fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    let generate = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let now = time::OffsetDateTime::now_utc();
    let ca_key = rcgen::KeyPair::generate().map_err(generate)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(generate)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "palisade admission CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    ca_params.not_before = now - time::Duration::hours(1);
    ca_params.not_after = now + time::Duration::days(3650);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(generate)?;
    let key = rcgen::KeyPair::generate().map_err(generate)?;
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(generate)?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        names.first().map_or("palisade", |n| n),
    );
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(825);
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let cert = params.signed_by(&key, &issuer).map_err(generate)?;
    // The key first and private, then the certificates: a reader never finds a certificate
    // whose key is missing.
    write_private(&out.key, key.serialize_pem().as_bytes())?;
    write_atomic(&out.cert, cert.pem().as_bytes())?;
    write_atomic(&out.ca, ca_cert.pem().as_bytes())?;
    Ok(SelfSigned {
        ca_bundle: bundle(ca_cert.pem().as_bytes()),
        ..out
    })
}

/// Writes through a temporary file and a rename, so no reader sees half a file.
fn write_atomic(path: &Path, data: &[u8]) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, data).map_err(|e| file_error(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| file_error(path, e))
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), TlsError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| file_error(&tmp, e))?;
    f.write_all(data).map_err(|e| file_error(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| file_error(path, e))
}
