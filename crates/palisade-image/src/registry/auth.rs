//! Registry authentication: credentials (flags, environment, `~/.docker/config.json`) and the
//! `WWW-Authenticate` challenges of the distribution spec: `Basic`, and `Bearer` with a token
//! service (`realm`, `service`, `scope`) whose tokens are cached until they expire.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.username)
    }
}

impl Credentials {
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            base64_encode(format!("{}:{}", self.username, self.password).as_bytes())
        )
    }
}

/// The credentials `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`) holds for
/// `registry`: the `auths` entry's base64 `auth`, or its `username` and `password`. Credential
/// helpers are not run; `Err` says why a present file could not be used.
pub fn docker_config(path: &Path, registry: &str) -> Result<Option<Credentials>, String> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let doc: serde_json::Value =
        serde_json::from_slice(&data).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let Some(auths) = doc.get("auths").and_then(|a| a.as_object()) else {
        return Ok(None);
    };
    // Keys are written as hosts or as URLs ("https://index.docker.io/v1/").
    let host_of = |key: &str| {
        let k = key
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        k.split('/').next().unwrap_or(k).to_string()
    };
    let wanted = |host: &str| {
        host == registry
            || (registry == "docker.io"
                && (host == "index.docker.io" || host == "registry-1.docker.io"))
    };
    for (key, entry) in auths {
        if !wanted(&host_of(key)) {
            continue;
        }
        if let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) {
            let decoded = base64_decode(auth)
                .ok_or_else(|| format!("{}: auths.{key}.auth is not base64", path.display()))?;
            let text = String::from_utf8_lossy(&decoded);
            let (user, pass) = text.split_once(':').ok_or_else(|| {
                format!("{}: auths.{key}.auth is not user:password", path.display())
            })?;
            return Ok(Some(Credentials {
                username: user.to_string(),
                password: pass.to_string(),
            }));
        }
        if let (Some(u), Some(p)) = (
            entry.get("username").and_then(|v| v.as_str()),
            entry.get("password").and_then(|v| v.as_str()),
        ) {
            return Ok(Some(Credentials {
                username: u.into(),
                password: p.into(),
            }));
        }
    }
    Ok(None)
}

/// A parsed `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses `Basic realm="x"` or `Bearer realm="https://auth/token",service="reg",scope="..."`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        fields.insert(key, value.to_string());
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => Some(Challenge::Bearer {
            realm: fields.remove("realm")?,
            service: fields.remove("service"),
            scope: fields.remove("scope"),
        }),
        _ => None,
    }
}

/// The longest a token is kept, in seconds: `expires_in` comes from the token service and is
/// not trusted (a huge value once overflowed the clock and ended the whole registry walk).
const MAX_TOKEN_LIFE: u64 = 24 * 60 * 60;

/// Bearer tokens by scope, until they expire.
#[derive(Default)]
pub struct TokenCache {
    tokens: HashMap<String, (String, Instant)>,
}

impl TokenCache {
    pub fn get(&self, scope: &str) -> Option<&str> {
        self.get_at(scope, Instant::now())
    }

    fn get_at(&self, scope: &str, now: Instant) -> Option<&str> {
        self.tokens
            .get(scope)
            .filter(|(_, until)| now < *until)
            .map(|(t, _)| t.as_str())
    }

    /// Keeps a token for `expires_in` seconds (60 when the service gives none, as the spec
    /// says; at most a day, whatever the service claims), less a margin so a token is not used
    /// as it expires. An expired token is not sent: the registry's 401 then draws a new one.
    pub fn put(&mut self, scope: &str, token: String, expires_in: Option<u64>) {
        self.put_at(scope, token, expires_in, Instant::now());
    }

    fn put_at(&mut self, scope: &str, token: String, expires_in: Option<u64>, now: Instant) {
        let life = Duration::from_secs(expires_in.unwrap_or(60).clamp(10, MAX_TOKEN_LIFE) - 5);
        // `now + life` could still overflow on a platform whose clock starts near its end.
        let until = now.checked_add(life).unwrap_or(now);
        self.tokens.insert(scope.to_string(), (token, until));
    }

    pub fn forget(&mut self, scope: &str) {
        self.tokens.remove(scope);
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "f", "fo", "foo", "user:pa:ss"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        assert!(base64_decode("a!b").is_none());
    }

    #[test]
    fn parses_challenges() {
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull".into()),
            })
        );
        assert_eq!(parse_challenge("Digest x=1"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn tokens_expire() {
        let mut cache = TokenCache::default();
        let t0 = Instant::now();
        cache.put_at("repository:a:pull", "tok".into(), Some(300), t0);
        assert_eq!(cache.get_at("repository:a:pull", t0), Some("tok"));
        assert_eq!(cache.get_at("repository:b:pull", t0), None);
        assert_eq!(
            cache.get_at("repository:a:pull", t0 + Duration::from_secs(294)),
            Some("tok")
        );
        assert_eq!(
            cache.get_at("repository:a:pull", t0 + Duration::from_secs(296)),
            None
        );
        // No expires_in: 60 s, as the token spec says.
        cache.put_at("s", "t".into(), None, t0);
        assert_eq!(cache.get_at("s", t0 + Duration::from_secs(56)), None);
        cache.forget("s");
        assert_eq!(cache.get_at("s", t0), None);
    }

    #[test]
    fn a_huge_expires_in_is_clamped_to_a_day() {
        let mut cache = TokenCache::default();
        let t0 = Instant::now();
        for huge in [u64::MAX, u64::MAX / 2, 1 << 40] {
            cache.put_at("s", "t".into(), Some(huge), t0);
            assert_eq!(cache.get_at("s", t0 + Duration::from_secs(3600)), Some("t"));
            assert_eq!(cache.get_at("s", t0 + Duration::from_secs(86_400)), None);
        }
    }

    #[test]
    fn reads_docker_config() {
        let dir = std::env::temp_dir().join(format!("palisade-dockercfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(&path, r#"{"auths":{"127.0.0.1:5000":{"auth":"dXNlcjpwYXNz"},"https://index.docker.io/v1/":{"username":"hub","password":"pw"}}}"#).unwrap();
        let c = docker_config(&path, "127.0.0.1:5000").unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("user", "pass"));
        assert_eq!(
            docker_config(&path, "docker.io").unwrap().unwrap().username,
            "hub"
        );
        assert_eq!(docker_config(&path, "other.example").unwrap(), None);
        assert_eq!(docker_config(&dir.join("missing.json"), "x").unwrap(), None);
        std::fs::write(&path, "not json").unwrap();
        assert!(docker_config(&path, "x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
