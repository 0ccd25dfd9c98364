//! HTTP for one repository of one registry: the auth challenge flow (anonymous, Basic, Bearer
//! tokens fetched from the realm and cached), retries with backoff on 429 and 5xx honouring
//! `Retry-After`, TLS with an optional extra CA, plain HTTP only when asked for.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use ureq::http::Response;
use ureq::Body;

use super::auth::{self, Challenge, Credentials, TokenCache};
use super::RegistryOptions;
use palisade_core::diagnostic::Remedy;

use crate::ImageError;

pub(crate) struct Client {
    agent: ureq::Agent,
    /// `https://host` or, with `--insecure`, `http://host`.
    base: String,
    repository: String,
    image: String,
    credentials: Option<Credentials>,
    retries: u32,
    state: Mutex<AuthState>,
}

#[derive(Default)]
struct AuthState {
    /// The registry asked for Basic: send it with every request.
    basic: bool,
    /// Bearer tokens; an expired one draws a new 401 and challenge, answered again.
    tokens: TokenCache,
}

impl Client {
    pub fn new(
        host: &str,
        repository: &str,
        image: &str,
        credentials: Option<Credentials>,
        opts: &RegistryOptions,
    ) -> Result<Client, ImageError> {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = &opts.ca_file {
            let pem = std::fs::read(ca).map_err(|e| ImageError::io(ca, e))?;
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(ImageError::io(
                    ca,
                    std::io::Error::other("no PEM certificate in the CA file"),
                ));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let t = opts.timeout;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(5)
            .timeout_resolve(Some(t))
            .timeout_connect(Some(t))
            .timeout_send_request(Some(t))
            .timeout_recv_response(Some(t))
            .timeout_recv_body(Some(t.saturating_mul(60)))
            .tls_config(tls.build())
            .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let scheme = if opts.insecure { "http" } else { "https" };
        Ok(Client {
            agent,
            base: format!("{scheme}://{host}"),
            repository: repository.to_string(),
            image: image.to_string(),
            credentials,
            retries: opts.retries,
            state: Mutex::new(AuthState::default()),
        })
    }

    pub fn image(&self) -> &str {
        &self.image
    }

    pub fn error(&self, step: &str, reason: impl Into<String>) -> ImageError {
        ImageError::Registry {
            image: self.image.clone(),
            step: step.to_string(),
            reason: reason.into(),
        }
    }

    fn scope(&self) -> String {
        if self.repository.is_empty() {
            "registry:catalog:*".to_string()
        } else {
            format!("repository:{}:pull", self.repository)
        }
    }

    /// `GET /v2/<repository>/<path>`, authenticated and retried; only a 200 is returned.
    pub fn get(&self, path: &str, accept: &str, step: &str) -> Result<Response<Body>, ImageError> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        self.get_url(&url, accept, step)
    }

    /// `GET <path>` on the registry (`/v2/_catalog?n=100`), as `get`.
    pub fn get_path(&self, path: &str, step: &str) -> Result<Response<Body>, ImageError> {
        let url = format!("{}{path}", self.base);
        self.get_url(&url, "application/json", step)
    }

    fn get_url(&self, url: &str, accept: &str, step: &str) -> Result<Response<Body>, ImageError> {
        let mut attempt = 0;
        let mut renewed_auth = false;
        loop {
            let mut req = self.agent.get(url);
            if !accept.is_empty() {
                req = req.header("Accept", accept);
            }
            if let Some(value) = self.authorization() {
                req = req.header("Authorization", value);
            }
            let response = match req.call() {
                Ok(r) => r,
                Err(e) => {
                    if attempt < self.retries && retryable(&e) {
                        attempt += 1;
                        std::thread::sleep(backoff(attempt, None));
                        continue;
                    }
                    return Err(self.failed(step, &e, &self.base));
                }
            };
            let status = response.status().as_u16();
            match status {
                200 => return Ok(response),
                401 if !renewed_auth => {
                    renewed_auth = true;
                    self.answer_challenge(&response, step)?;
                }
                401 => {
                    return Err(match &self.credentials {
                        Some(c) => self.error(
                            step,
                            format!(
                                "401 Unauthorized: the registry refused the credentials of {:?}",
                                c.username
                            ),
                        ),
                        None => self.needs_credentials(step),
                    })
                }
                429 | 500 | 502 | 503 | 504 if attempt < self.retries => {
                    attempt += 1;
                    let after = response
                        .headers()
                        .get("Retry-After")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    std::thread::sleep(backoff(attempt, after));
                }
                _ => {
                    let tries = if attempt > 0 {
                        format!(" (after {} attempts)", attempt + 1)
                    } else {
                        String::new()
                    };
                    return Err(self.error(step, format!("{}{tries}", status_message(response))));
                }
            }
        }
    }

    fn needs_credentials(&self, step: &str) -> ImageError {
        self.error(step, "401 Unauthorized: the registry needs credentials")
            .with_remedy(Remedy::Credentials)
    }

    /// A request to `base` that got no answer.
    fn failed(&self, step: &str, e: &ureq::Error, base: &str) -> ImageError {
        let error = self.error(step, describe(e, base));
        match e {
            ureq::Error::Timeout(_) => error.with_remedy(Remedy::RegistryTimeout),
            _ => error,
        }
    }

    fn authorization(&self) -> Option<String> {
        let state = self.state.lock().ok()?;
        if let Some(token) = state.tokens.get(&self.scope()) {
            return Some(format!("Bearer {token}"));
        }
        if state.basic {
            return self.credentials.as_ref().map(Credentials::basic_header);
        }
        None
    }

    /// Reads the `WWW-Authenticate` challenge of a 401 and gets what it asks for.
    fn answer_challenge(&self, response: &Response<Body>, step: &str) -> Result<(), ImageError> {
        let header = response
            .headers()
            .get("WWW-Authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match auth::parse_challenge(header) {
            Some(Challenge::Basic) => {
                if self.credentials.is_none() {
                    return Err(self.needs_credentials(step));
                }
                if let Ok(mut s) = self.state.lock() {
                    s.basic = true;
                }
                Ok(())
            }
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope.unwrap_or_else(|| self.scope());
                self.fetch_token(&realm, service.as_deref(), &scope)
            }
            None => Err(self.error(
                step,
                format!("401 Unauthorized with a challenge Palisade does not know: {header:?}"),
            )),
        }
    }

    /// Gets a token from the realm (with the credentials, if any) and caches it.
    fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> Result<(), ImageError> {
        let step = "token";
        let mut url = format!("{realm}?scope={}", encode(scope));
        if let Some(s) = service {
            url.push_str(&format!("&service={}", encode(s)));
        }
        let mut req = self.agent.get(&url);
        if let Some(c) = &self.credentials {
            req = req.header("Authorization", c.basic_header());
        }
        let mut response = req.call().map_err(|e| self.failed(step, &e, realm))?;
        if response.status().as_u16() != 200 {
            return Err(self.error(step, format!("{realm}: {}", status_message(response))));
        }
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(1 << 20)
            .read_to_end(&mut body)
            .map_err(|e| self.error(step, format!("{realm}: {e}")))?;
        let doc: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| self.error(step, format!("{realm}: not a token response: {e}")))?;
        let token = doc
            .get("token")
            .or_else(|| doc.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.error(step, format!("{realm}: the response has no token")))?;
        let expires = doc.get("expires_in").and_then(|e| e.as_u64());
        if let Ok(mut s) = self.state.lock() {
            s.tokens.forget(scope);
            s.tokens.put(&self.scope(), token.to_string(), expires);
        }
        Ok(())
    }
}

/// Connection failures and timeouts may pass; a TLS failure (an `InvalidData` I/O error
/// from rustls: an unknown issuer, a wrong name) will not.
fn retryable(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Io(io) => io.kind() != std::io::ErrorKind::InvalidData,
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => true,
        _ => false,
    }
}

/// 0.5 s doubling to 8 s, or what `Retry-After` asks (at most 30 s).
fn backoff(attempt: u32, retry_after: Option<u64>) -> Duration {
    match retry_after {
        Some(s) => Duration::from_secs(s.min(30)),
        None => Duration::from_millis(500u64 << attempt.min(4)).min(Duration::from_secs(8)),
    }
}

fn describe(e: &ureq::Error, base: &str) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("{base}: no answer in time"),
        ureq::Error::TooManyRedirects => format!("{base}: too many redirects"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("{base}: connection refused")
        }
        other => format!("{base}: {other}"),
    }
}

/// "404 Not Found: MANIFEST_UNKNOWN: manifest unknown", from the distribution spec's error body.
pub(crate) fn status_message(mut response: Response<Body>) -> String {
    let status = response.status();
    let mut body = Vec::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(64 << 10)
        .read_to_end(&mut body);
    let detail = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|d| {
            let e = d.get("errors")?.get(0)?;
            Some(format!(
                ": {}: {}",
                e.get("code")?.as_str()?,
                e.get("message").and_then(|m| m.as_str()).unwrap_or("")
            ))
        })
        .unwrap_or_default();
    format!(
        "{} {}{detail}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
