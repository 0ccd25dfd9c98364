//! Images pulled from a real registry (issue 6): Debian's `docker-registry` (CNCF
//! Distribution) started on a loopback port with its own storage, the real Debian test image
//! pushed to it by skopeo, and `palisade` pulling it as a user would.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{palisade_with, root, script, stderr, tempdir};

/// A running registry; stopped when dropped.
struct Registry {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Starts `docker-registry` on a free loopback port with `extra` configuration after
    /// `http.addr` (indented: more `http` settings such as `tls`; at the margin: sections such
    /// as `auth`), or "" for none.
    fn start(dir: &Path, extra: &str) -> Registry {
        let addr = format!("127.0.0.1:{}", free_port());
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n{extra}\n",
                dir.join("storage").display()
            ),
        )
        .unwrap();
        let log = dir.join("registry.log");
        let child = Command::new("docker-registry")
            .args(["serve", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("docker-registry (Debian package docker-registry)");
        let start = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "registry did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry { child, addr, log }
    }

    /// Blob GETs the registry served to palisade so far (its access log is logfmt).
    fn blob_gets(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                l.contains("http.request.method=GET")
                    && l.contains("/blobs/sha256:")
                    && l.contains("useragent=palisade/")
            })
            .count()
    }
}

/// A helper process, stopped when the test ends, however it ends.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(addr: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{addr} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn push(layout: &Path, to: &str, creds: Option<&str>) {
    let mut cmd = Command::new("skopeo");
    cmd.args(["copy", "--quiet", "--dest-tls-verify=false"]);
    if let Some(c) = creds {
        cmd.args(["--dest-creds", c]);
    }
    let out = cmd
        .arg(format!("oci:{}:test", layout.display()))
        .arg(format!("docker://{to}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo: {}", stderr(&out));
}

/// A failed run whose message says `needle`.
fn expect_error(out: &std::process::Output, needle: &str) {
    assert!(!out.status.success(), "succeeded: {needle}");
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// (name, version) of the packages `palisade sbom` lists for `source`.
fn packages(out: &std::process::Output) -> BTreeSet<String> {
    assert!(out.status.success(), "{}", stderr(out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn anonymous_pull_lists_what_the_layout_lists_and_reuses_cached_layers() {
    let images = script("tests/fixtures/build.sh");
    let layout = images.join("debian/oci");
    let tmp = tempdir("registry-anon");
    let registry = Registry::start(&tmp, "");
    push(&layout, &format!("{}/debian:12", registry.addr), None);
    let cache = tmp.join("cache");
    let env = [("PALISADE_CACHE_DIR", cache.to_str().unwrap())];
    let name = format!("{}/debian:12", registry.addr);
    let expected = packages(&palisade_with(
        &[
            "sbom",
            &format!("oci:{}:test", layout.display()),
            "-f",
            "json",
        ],
        &tmp,
        &env,
    ));
    assert!(expected.len() > 80);
    let pulled = palisade_with(&["sbom", &name, "--insecure", "-f", "json"], &tmp, &env);
    assert_eq!(packages(&pulled), expected);
    let first = registry.blob_gets();
    assert!(first >= 4, "config and 3 layers: {first}");
    // Again, by docker:// and the manifest's digest: nothing is downloaded a second time.
    let digest = {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let by_digest = format!("docker://{}/debian@{digest}", registry.addr);
    let again = palisade_with(
        &["sbom", &by_digest, "--insecure", "-f", "json"],
        &tmp,
        &env,
    );
    assert_eq!(packages(&again), expected);
    assert_eq!(registry.blob_gets(), first);
    // Nor read: each layer's read is cached under its digest.
    let reads = std::fs::read_dir(cache.join("layers/layers"))
        .unwrap()
        .count();
    assert_eq!(reads, 3);
    // --no-cache: everything is downloaded and read again, the cache is left as it was and
    // the pull's scratch directory is gone afterwards; a local layout touches no cache at all.
    let blobs_before = std::fs::read_dir(cache.join("layers/blobs/sha256"))
        .unwrap()
        .count();
    let scratch = tmp.join("tmpdir");
    std::fs::create_dir(&scratch).unwrap();
    let no_cache_env = [
        ("PALISADE_CACHE_DIR", cache.to_str().unwrap()),
        ("TMPDIR", scratch.to_str().unwrap()),
    ];
    let uncached = palisade_with(
        &["sbom", &name, "--insecure", "--no-cache", "-f", "json"],
        &tmp,
        &no_cache_env,
    );
    assert_eq!(packages(&uncached), expected);
    assert!(registry.blob_gets() >= 2 * first, "downloaded again");
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    let count = |sub: &str| std::fs::read_dir(cache.join(sub)).unwrap().count();
    assert_eq!(count("layers/layers"), 3);
    assert_eq!(count("layers/blobs/sha256"), blobs_before);
    let unused = tmp.join("unused-cache");
    let local = palisade_with(
        &[
            "sbom",
            &format!("oci:{}:test", layout.display()),
            "--no-cache",
            "-f",
            "json",
        ],
        &tmp,
        &[("PALISADE_CACHE_DIR", unused.to_str().unwrap())],
    );
    assert_eq!(packages(&local), expected);
    assert!(!unused.exists(), "--no-cache created {}", unused.display());
    // A cache limit of one byte: after the scan the cache is emptied (least recently used
    // first), and the next scan downloads again.
    let tiny = [
        ("PALISADE_CACHE_DIR", cache.to_str().unwrap()),
        ("PALISADE_CACHE_LIMIT", "1"),
    ];
    let out = palisade_with(&["sbom", &name, "--insecure", "-f", "json"], &tmp, &tiny);
    assert_eq!(packages(&out), expected);
    assert_eq!(
        std::fs::read_dir(cache.join("layers/blobs/sha256"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        std::fs::read_dir(cache.join("layers/layers"))
            .unwrap()
            .count(),
        0
    );
    let out = palisade_with(&["sbom", &name, "--insecure", "-f", "json"], &tmp, &env);
    assert_eq!(packages(&out), expected);
    assert!(registry.blob_gets() > first);
    // A digest the registry does not have.
    let missing = format!("{}/debian@sha256:{}", registry.addr, "0".repeat(64));
    let out = palisade_with(&["sbom", &missing, "--insecure"], &tmp, &env);
    expect_error(&out, "manifest: 404 Not Found: MANIFEST_UNKNOWN");
    // HTTPS is the default: a plain-HTTP registry is refused with the image and step named.
    let out = palisade_with(&["sbom", &name], &tmp, &env);
    expect_error(
        &out,
        &format!("{name}: manifest: https://{}", registry.addr),
    );
    // A tag the registry does not have.
    let out = palisade_with(
        &[
            "sbom",
            &format!("{}/debian:nope", registry.addr),
            "--insecure",
        ],
        &tmp,
        &env,
    );
    expect_error(
        &out,
        "debian:nope: manifest: 404 Not Found: MANIFEST_UNKNOWN",
    );
}

#[test]
fn basic_auth_from_flags_environment_and_docker_config() {
    let images = script("tests/fixtures/build.sh");
    let layout = images.join("distroless/oci");
    let tmp = tempdir("registry-basic");
    let htpasswd = tmp.join("htpasswd");
    let out = Command::new("htpasswd")
        .args(["-Bbc", htpasswd.to_str().unwrap(), "alice", "s3cret"])
        .output()
        .expect("htpasswd (Debian package apache2-utils)");
    assert!(out.status.success(), "{}", stderr(&out));
    let registry = Registry::start(
        &tmp,
        &format!(
            "auth:\n  htpasswd:\n    realm: palisade-test\n    path: {}",
            htpasswd.display()
        ),
    );
    let name = format!("{}/team/distroless:1", registry.addr);
    push(&layout, &name, Some("alice:s3cret"));
    let cache = tmp.join("cache");
    let cache = cache.to_str().unwrap();
    let home = tmp.join("home");
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    let home = home.to_str().unwrap();
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["sbom", name.as_str(), "--insecure", "-f", "json"];
        args.extend_from_slice(extra);
        let mut all = vec![("PALISADE_CACHE_DIR", cache), ("HOME", home)];
        all.extend_from_slice(env);
        palisade_with(&args, &tmp, &all)
    };
    // No credentials, then wrong ones: refused, saying which.
    let out = run(&[], &[]);
    expect_error(
        &out,
        "manifest: 401 Unauthorized: the registry needs credentials",
    );
    let out = run(&["--creds", "alice:wrong"], &[]);
    expect_error(&out, "refused the credentials of \"alice\"");
    // Right ones, three ways.
    let listed = packages(&run(&["--creds", "alice:s3cret"], &[]));
    assert!(
        listed.iter().any(|p| p.starts_with("base-files ")),
        "{listed:?}"
    );
    let from_env = run(
        &[],
        &[
            ("PALISADE_REGISTRY_USER", "alice"),
            ("PALISADE_REGISTRY_PASSWORD", "s3cret"),
        ],
    );
    assert_eq!(packages(&from_env), listed);
    std::fs::write(
        Path::new(home).join(".docker/config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"YWxpY2U6czNjcmV0"}}}}}}"#,
            registry.addr
        ),
    )
    .unwrap();
    assert_eq!(packages(&run(&[], &[])), listed);
    // A walk of the registry with the same credentials (the catalog needs them too).
    let store = tmp.join("store.db");
    let out = palisade_with(
        &[
            "scan",
            "registry",
            &registry.addr,
            "--insecure",
            "--offline",
            "--tags",
            "1",
            "-f",
            "json",
        ],
        &tmp,
        &[
            ("PALISADE_CACHE_DIR", cache),
            ("HOME", home),
            ("PALISADE_STORE", store.to_str().unwrap()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("\"image\":\"{name}\"")));
}

#[test]
fn an_unreachable_registry_is_named() {
    let tmp = tempdir("registry-down");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let name = format!("127.0.0.1:{port}/x/y:1");
    let out = palisade_with(
        &["sbom", &name, "--insecure"],
        &tmp,
        &[("PALISADE_CACHE_DIR", tmp.join("cache").to_str().unwrap())],
    );
    expect_error(
        &out,
        &format!("{name}: manifest: http://127.0.0.1:{port}: connection refused"),
    );
}

/// Copies the blobs of two one-image layouts into a new layout whose only entry is an OCI
/// index naming them as linux/amd64 and linux/arm64.
fn multi_platform_layout(amd64: &Path, arm64: &Path, to: &Path) {
    use sha2::Digest as _;
    let blobs = to.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let mut manifests = Vec::new();
    for (layout, arch) in [(amd64, "amd64"), (arm64, "arm64")] {
        for entry in std::fs::read_dir(layout.join("blobs/sha256")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), blobs.join(entry.file_name())).unwrap();
        }
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let mut m = index["manifests"][0].clone();
        m["annotations"] = serde_json::json!({});
        m["platform"] = serde_json::json!({"os": "linux", "architecture": arch});
        manifests.push(m);
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests
    })
    .to_string();
    let digest = format!("{:x}", sha2::Sha256::digest(index.as_bytes()));
    std::fs::write(blobs.join(&digest), &index).unwrap();
    std::fs::write(to.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let top = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": format!("sha256:{digest}"), "size": index.len(),
        "annotations": {"org.opencontainers.image.ref.name": "test"}}]});
    std::fs::write(to.join("index.json"), top.to_string()).unwrap();
}

#[test]
fn a_multi_platform_index_gives_the_platform_asked_for() {
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("registry-multi");
    let layout = tmp.join("multi");
    multi_platform_layout(
        &images.join("debian/oci"),
        &images.join("distroless/oci"),
        &layout,
    );
    let registry = Registry::start(&tmp, "");
    let name = format!("{}/multi:1", registry.addr);
    let out = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:test", layout.display()))
        .arg(format!("docker://{name}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo: {}", stderr(&out));
    let env = [("PALISADE_CACHE_DIR", tmp.join("cache"))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.to_str().unwrap())).collect();
    let sbom = |source: &str, extra: &[&str]| {
        let mut args = vec!["sbom", source, "-f", "json"];
        args.extend_from_slice(extra);
        packages(&palisade_with(&args, &tmp, &env))
    };
    let amd64 = sbom(&name, &["--insecure"]);
    let arm64 = sbom(&name, &["--insecure", "--platform", "linux/arm64"]);
    let layout_of = |dir: &str| format!("oci:{}:test", images.join(dir).display());
    let debian = sbom(&layout_of("debian/oci"), &[]);
    let distroless = sbom(&layout_of("distroless/oci"), &[]);
    assert_eq!(amd64, debian);
    assert_eq!(arm64, distroless);
    let out = palisade_with(
        &["sbom", &name, "--insecure", "--platform", "linux/s390x"],
        &tmp,
        &env,
    );
    expect_error(&out, "linux/amd64, linux/arm64");
}

/// Distribution's token auth: the registry sends clients to a token issuer (the test's own,
/// tests/tools/token-issuer.py) and trusts the certificate it signs with.
#[test]
fn bearer_tokens_from_the_registry_s_token_service() {
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("registry-token");
    let (key, cert) = (tmp.join("key.pem"), tmp.join("cert.pem"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=palisade-test-issuer", "-keyout"])
        .args([&key, Path::new("-out"), &cert])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let token_addr = format!("127.0.0.1:{}", free_port());
    let port = token_addr.rsplit(':').next().unwrap();
    let _issuer = Stopped(
        Command::new("python3")
            .arg(common::root().join("tests/tools/token-issuer.py"))
            .args([port, key.to_str().unwrap(), cert.to_str().unwrap()])
            .args(["palisade-test-issuer", "palisade-test", "alice", "s3cret"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(&token_addr);
    let registry = Registry::start(
        &tmp,
        &format!(
            "auth:\n  token:\n    realm: http://{token_addr}/token\n    service: palisade-test\n    issuer: palisade-test-issuer\n    rootcertbundle: {}",
            cert.display()
        ),
    );
    let name = format!("{}/team/app:1", registry.addr);
    push(&images.join("distroless/oci"), &name, Some("alice:s3cret"));
    let cache = tmp.join("cache");
    let env = [("PALISADE_CACHE_DIR", cache.to_str().unwrap())];
    let issued = || {
        let out = Command::new("python3")
            .args(["-c", &format!("import urllib.request; print(urllib.request.urlopen('http://{token_addr}/count').read().decode())")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<usize>()
            .unwrap()
    };
    let before = issued();
    let listed = packages(&palisade_with(
        &[
            "sbom",
            &name,
            "--insecure",
            "--creds",
            "alice:s3cret",
            "-f",
            "json",
        ],
        &tmp,
        &env,
    ));
    assert!(
        listed.iter().any(|p| p.starts_with("base-files ")),
        "{listed:?}"
    );
    // One token for the whole pull (manifest, config, layers): it is cached.
    assert_eq!(issued() - before, 1);
    // A walk: the catalog's token (scope registry:catalog:*), then the repository's.
    let store = tmp.join("store.db");
    let out = palisade_with(
        &[
            "scan",
            "registry",
            &registry.addr,
            "--insecure",
            "--offline",
            "--creds",
            "alice:s3cret",
            "--tags",
            "1",
            "-f",
            "json",
        ],
        &tmp,
        &[
            ("PALISADE_CACHE_DIR", cache.to_str().unwrap()),
            ("PALISADE_STORE", store.to_str().unwrap()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("\"image\":\"{name}\"")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Anonymous: the issuer grants nothing, the registry says so.
    let out = palisade_with(&["sbom", &name, "--insecure"], &tmp, &env);
    expect_error(&out, "manifest: 401 Unauthorized");
    // Wrong password: the token service refuses it.
    let out = palisade_with(
        &["sbom", &name, "--insecure", "--creds", "alice:nope"],
        &tmp,
        &env,
    );
    expect_error(&out, &format!("token: http://{token_addr}/token: 401"));
}

/// Every fault of tests/tools/fault-registry.py: a clear error naming the image and the step,
/// retries where they can help, and nothing half-written or corrupt left in the cache.
#[test]
fn registry_faults_are_named_retried_and_keep_the_cache_clean() {
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("registry-faults");
    let addr = format!("127.0.0.1:{}", free_port());
    let _server = Stopped(
        Command::new("python3")
            .arg(common::root().join("tests/tools/fault-registry.py"))
            .arg(addr.rsplit(':').next().unwrap())
            .arg(images.join("distroless/oci"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(&addr);
    let cache = tmp.join("cache");
    let env = [("PALISADE_CACHE_DIR", cache.to_str().unwrap())];
    let sbom = |repo: &str, extra: &[&str]| {
        let name = format!("{addr}/{repo}:1");
        let mut args = vec!["sbom", name.as_str(), "--insecure", "-f", "json"];
        args.extend_from_slice(extra);
        palisade_with(&args, &tmp, &env)
    };
    let fails_with = |repo: &str, extra: &[&str], message: &str| {
        let out = sbom(repo, extra);
        assert!(!out.status.success(), "{repo} succeeded");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{addr}/{repo}:1: ")) && err.contains(message),
            "{repo}: {err}"
        );
        // Nothing is left half-written: no temporary files, and every stored blob hashes to
        // its name.
        let tmp_files = std::fs::read_dir(cache.join("layers/tmp")).unwrap().count();
        assert_eq!(tmp_files, 0, "{repo}: temporary files left");
        for entry in std::fs::read_dir(cache.join("layers/blobs/sha256")).unwrap() {
            use sha2::Digest as _;
            let entry = entry.unwrap();
            let hex = format!(
                "{:x}",
                sha2::Sha256::digest(std::fs::read(entry.path()).unwrap())
            );
            assert_eq!(
                hex,
                entry.file_name().to_str().unwrap(),
                "{repo}: corrupt blob in the cache"
            );
        }
    };
    fails_with("baddigest", &[], "digest mismatch: expected sha256:");
    fails_with("truncated", &[], "download interrupted");
    fails_with(
        "broken",
        &[],
        "manifest: 500 Internal Server Error (after 4 attempts)",
    );
    fails_with(
        "forbidden",
        &[],
        "manifest: 403 Forbidden: DENIED: requested access to the resource is denied",
    );
    fails_with(
        "badtype",
        &[],
        "unknown media type \"application/vnd.example.unknown+json\"",
    );
    fails_with("loop", &[], "too many redirects");
    fails_with(
        "slow",
        &["--registry-timeout", "1"],
        "no answer in time (--registry-timeout)",
    );
    // Retried: 429 with Retry-After, then 503 twice; both end with the image.
    let ok = packages(&sbom("ok", &[]));
    assert!(ok.iter().any(|p| p.starts_with("base-files ")));
    std::fs::remove_dir_all(&cache).unwrap();
    assert_eq!(packages(&sbom("flaky429", &[])), ok);
    std::fs::remove_dir_all(&cache).unwrap();
    assert_eq!(packages(&sbom("flaky500", &[])), ok);
}

/// `scan registry` walks the catalog (by --repo and --tags), stores every image, and goes on
/// past one that cannot be pulled; `rescan` then reports, per stored image, what a database
/// change added and removed, without the registry.
#[test]
fn a_registry_walk_stores_images_and_rescan_reports_changes() {
    let images = script("tests/fixtures/build.sh");
    let acc = script("tests/fixtures/accuracy.sh");
    let tmp = tempdir("registry-walk");
    let registry = Registry::start(&tmp, "");
    let r = registry.addr.clone();
    push(&images.join("debian/oci"), &format!("{r}/debian:12"), None);
    push(
        &images.join("debian/oci"),
        &format!("{r}/debian:latest"),
        None,
    );
    push(
        &images.join("distroless/oci"),
        &format!("{r}/tools/distroless:latest"),
        None,
    );
    push(
        &acc.join("python-vuln/oci"),
        &format!("{r}/apps/python:latest"),
        None,
    );
    push(
        &images.join("rpm/oci"),
        &format!("{r}/apps/broken:latest"),
        None,
    );
    // Break one image in the registry's own storage: its config blob is gone.
    let broken_config = {
        let out = Command::new("skopeo")
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{r}/apps/broken:latest"))
            .output()
            .unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        manifest["config"]["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
            .to_string()
    };
    std::fs::remove_dir_all(
        tmp.join("storage/docker/registry/v2/blobs/sha256")
            .join(&broken_config[..2])
            .join(&broken_config),
    )
    .unwrap();

    // An old database without PyPI advisories, and the current one.
    let old_db = tmp.join("old.db");
    let feeds = common::feeds();
    let out = palisade_with(
        &[
            "db",
            "build",
            "--from",
            feeds.join("alpine-secdb").to_str().unwrap(),
            "-o",
            old_db.to_str().unwrap(),
        ],
        &tmp,
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cache = tmp.join("cache");
    let store = tmp.join("store.db");
    let env = [
        ("PALISADE_CACHE_DIR", cache.to_str().unwrap()),
        ("PALISADE_STORE", store.to_str().unwrap()),
    ];
    let walk = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "registry",
            r.as_str(),
            "--insecure",
            "--offline",
            "-f",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = palisade_with(&args, &tmp, &env);
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (out, lines)
    };
    let images_of = |lines: &[serde_json::Value]| -> Vec<String> {
        lines
            .iter()
            .map(|l| l["image"].as_str().unwrap().to_string())
            .collect()
    };
    // Only "latest" by default; the broken image is reported and the walk goes on (exit 2).
    let (out, lines) = walk(&["--db", old_db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        images_of(&lines),
        [
            format!("{r}/apps/broken:latest"),
            format!("{r}/apps/python:latest"),
            format!("{r}/debian:latest"),
            format!("{r}/tools/distroless:latest"),
        ]
    );
    let broken = &lines[0]["error"].as_str().unwrap();
    assert!(
        broken.contains(&format!("{r}/apps/broken:latest: config: 404 Not Found")),
        "{broken}"
    );
    assert_eq!(lines[1]["findings"], 0); // no PyPI advisories in the old database
    assert!(lines[2]["packages"].as_u64().unwrap() > 80);
    // Patterns choose repositories and tags.
    let (out, lines) = walk(&[
        "--db",
        old_db.to_str().unwrap(),
        "--repo",
        "debian",
        "--tags",
        "1?",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(images_of(&lines), [format!("{r}/debian:12")]);
    let (_, lines) = walk(&[
        "--db",
        old_db.to_str().unwrap(),
        "--repo",
        "deb*",
        "--all-tags",
    ]);
    let mut all = images_of(&lines);
    all.sort();
    assert_eq!(
        all,
        [format!("{r}/debian:12"), format!("{r}/debian:latest")]
    );

    // A walk past --timeout stops: before the pull of an image, or inside its download.
    for limit in ["1ms", "50ms"] {
        let out = palisade_with(
            &[
                "scan",
                "registry",
                r.as_str(),
                "--insecure",
                "--offline",
                "--no-cache",
                "--timeout",
                limit,
            ],
            &tmp,
            &[(
                "PALISADE_STORE",
                tmp.join("timeout-store.db").to_str().unwrap(),
            )],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{limit}: {err}");
        assert!(
            err.contains("deadline exceeded") && err.contains("--timeout"),
            "{limit}: {err}"
        );
    }

    // The registry is gone; the database changes: rescan reports the new findings.
    drop(registry);
    let out = palisade_with(&["rescan", "-f", "json"], &tmp, &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        4,
        "debian:12, debian:latest, python, distroless"
    );
    let python = lines
        .iter()
        .find(|l| l["image"] == format!("{r}/apps/python:latest"))
        .unwrap();
    assert_eq!(python["findings"], 64);
    assert_eq!(python["new"].as_array().unwrap().len(), 64);
    assert!(python["new"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "CVE-2018-18074" && f["package"] == "requests"));
    for l in lines.iter().filter(|l| l["image"] != python["image"]) {
        assert_eq!(l["new"].as_array().unwrap().len(), 0, "{l}");
    }
    // Again with the same database: nothing changed. Back to the old one: all 64 are gone.
    let out = palisade_with(&["rescan"], &tmp, &env);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("4 images rescanned"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(": 0 changed, 0 failed"));
    // Back to the old database, which has no PyPI (nor Debian) advisories: the 64 are not
    // checked, never "fixed", and the lost coverage is said and fails the run (issue 11).
    let out = palisade_with(
        &["rescan", "--db", old_db.to_str().unwrap(), "-f", "json"],
        &tmp,
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let python = lines
        .iter()
        .find(|l| l["image"] == format!("{r}/apps/python:latest"))
        .unwrap();
    assert_eq!(python["fixed"].as_array().unwrap().len(), 0, "{python}");
    assert_eq!(python["not_checked"].as_array().unwrap().len(), 64);
    assert!(python["coverage_lost"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("PyPI")));
    assert!(python["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("no advisories for PyPI")));
    let debian = lines
        .iter()
        .find(|l| l["image"] == format!("{r}/debian:latest"))
        .unwrap();
    assert!(debian["coverage_lost"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("Debian:12")));
    // The same database again: the table says it, and the run still fails.
    let out = palisade_with(&["rescan", "--db", old_db.to_str().unwrap()], &tmp, &env);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!text.contains("  - CVE-"), "{text}");
    assert!(
        text.contains("the database lacks advisories the last match consulted (")
            && text.contains("PyPI/PYSEC"),
        "{text}"
    );
    assert!(text.contains("4 checked less than before"), "{text}");

    // The store by digest: debian:12 and debian:latest are one image under two names.
    let json_of = |args: &[&str]| -> (Option<i32>, serde_json::Value) {
        let out = palisade_with(args, &tmp, &env);
        let v =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        (out.status.code(), v)
    };
    let (code, images) = json_of(&["store", "images", "-f", "json"]);
    assert_eq!(code, Some(0));
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 3, "{images:?}");
    let debian = images
        .iter()
        .find(|i| i["names"].as_array().unwrap().len() == 2)
        .unwrap_or_else(|| panic!("{images:?}"));
    assert_eq!(
        debian["names"],
        serde_json::json!([format!("{r}/debian:12"), format!("{r}/debian:latest")])
    );
    assert!(debian["digest"].as_str().unwrap().starts_with("sha256:"));
    // Scanned three times (two names, then --all-tags again), rescanned once: the first
    // rescan against the current database was stored, the ones that checked less were not.
    assert!(debian["scans"].as_u64().unwrap() >= 4, "{debian}");
    let (code, affected) = json_of(&["store", "affected", "CVE-2018-18074", "-f", "json"]);
    assert_eq!(code, Some(0));
    let affected = affected.as_array().unwrap();
    assert_eq!(affected.len(), 1, "{affected:?}");
    assert_eq!(
        affected[0]["names"],
        serde_json::json!([format!("{r}/apps/python:latest")])
    );
    assert_eq!(affected[0]["finding"]["package"], "requests");
    assert_eq!(affected[0]["finding"]["package_type"], "python");
    assert!(affected[0]["finding"]["path"]
        .as_str()
        .unwrap()
        .contains("requests"));
    let out = palisade_with(&["store", "affected", "CVE-1999-99999"], &tmp, &env);
    assert_eq!(out.status.code(), Some(1), "nothing affected: exit 1");
    let (code, history) = json_of(&["store", "history", &format!("{r}/debian:12"), "-f", "json"]);
    assert_eq!(code, Some(0));
    let periods = history["history"].as_array().unwrap();
    assert_eq!(periods.len(), 1, "{history}");
    assert!(periods[0]["tag"]["until"].is_null());
    assert_eq!(periods[0]["tag"]["digest"], debian["digest"]);
    let text = String::from_utf8_lossy(
        &palisade_with(&["store", "history", &format!("{r}/debian:12")], &tmp, &env).stdout,
    )
    .to_string();
    assert!(
        text.contains("-> now: sha256:") && text.contains(" rescan "),
        "{text}"
    );
}

/// HTTPS with a certificate from the test's own CA: trusted with --ca-file, refused without it
/// (naming the TLS problem), and plain HTTP only when asked for.
#[test]
fn tls_with_a_custom_ca() {
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("registry-tls");
    let sh = |script: &str| {
        let out = Command::new("bash")
            .args(["-c", script])
            .current_dir(&tmp)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {}", stderr(&out));
    };
    sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=palisade-test-ca -keyout ca.key -out ca.pem 2>/dev/null");
    sh("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null");
    sh("printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.pem 2>/dev/null");
    let tls = format!(
        "  tls:\n    certificate: {}\n    key: {}",
        tmp.join("server.pem").display(),
        tmp.join("server.key").display()
    );
    let registry = Registry::start(&tmp, &tls);
    let name = format!("{}/secure/app:1", registry.addr);
    push(&images.join("distroless/oci"), &name, None);
    let env = [("PALISADE_CACHE_DIR", tmp.join("cache"))];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.to_str().unwrap())).collect();
    let ca = tmp.join("ca.pem");
    let listed = packages(&palisade_with(
        &[
            "sbom",
            &name,
            "--ca-file",
            ca.to_str().unwrap(),
            "-f",
            "json",
        ],
        &tmp,
        &env,
    ));
    assert!(
        listed.iter().any(|p| p.starts_with("base-files ")),
        "{listed:?}"
    );
    let out = palisade_with(&["sbom", &name], &tmp, &env);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{name}: manifest: https://{}", registry.addr))
            && err.contains("UnknownIssuer"),
        "{err}"
    );
    let out = palisade_with(&["sbom", &name, "--insecure"], &tmp, &env);
    assert!(!out.status.success(), "plain HTTP to a TLS port");
    let out = palisade_with(
        &["sbom", &name, "--ca-file", "/nonexistent.pem"],
        &tmp,
        &env,
    );
    assert!(
        stderr(&out).contains("/nonexistent.pem"),
        "{}",
        stderr(&out)
    );
}

/// Scans running at once on one empty cache: each pulls and reads the image, none sees half
/// a file, and the cache ends whole.
#[test]
fn concurrent_scans_share_the_cache_safely() {
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("registry-concurrent");
    let registry = Registry::start(&tmp, "");
    let name = format!("{}/debian:12", registry.addr);
    push(&images.join("debian/oci"), &name, None);
    let cache = tmp.join("cache");
    let expected = packages(&palisade_with(
        &[
            "sbom",
            &format!("oci:{}:test", images.join("debian/oci").display()),
            "-f",
            "json",
        ],
        &tmp,
        &[(
            "PALISADE_CACHE_DIR",
            tmp.join("other-cache").to_str().unwrap(),
        )],
    ));
    let children: Vec<_> = (0..4)
        .map(|_| {
            common::command()
                .args(["sbom", &name, "--insecure", "-f", "json"])
                .env("PALISADE_CACHE_DIR", &cache)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        assert_eq!(packages(&child.wait_with_output().unwrap()), expected);
    }
    assert_eq!(
        std::fs::read_dir(cache.join("layers/tmp")).unwrap().count(),
        0
    );
    assert_eq!(
        std::fs::read_dir(cache.join("layers/layers"))
            .unwrap()
            .count(),
        3
    );
}

/// A registry walk failed an image (exit 2, its findings unreported) for one lock file that
/// did not parse, whatever the gate said.
#[test]
fn a_registry_walk_reports_files_not_read_and_keeps_the_gate() {
    let tmp = tempdir("registry-unread");
    let layout = tmp.join("layout");
    // One layer: Django 3.2 pinned (findings) and a package-lock.json that does not parse.
    let st = Command::new("python3")
        .args([
            "-c",
            r#"
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
os.makedirs(out + '/blobs/sha256')
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + '/blobs/sha256/' + d, 'wb').write(data)
    return 'sha256:' + d, len(data)
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode='w') as t:
    for name, data in [('app/requirements.txt', b'django==3.2\n'), ('app/package-lock.json', b'{"packages": [1,')]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
layer_digest, layer_size = blob(layer.getvalue())
config = json.dumps({'architecture': 'amd64', 'os': 'linux', 'rootfs': {'type': 'layers', 'diff_ids': [layer_digest]}}).encode()
config_digest, config_size = blob(config)
manifest = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
    'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': config_digest, 'size': config_size},
    'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar', 'digest': layer_digest, 'size': layer_size}]}).encode()
manifest_digest, manifest_size = blob(manifest)
json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
    'digest': manifest_digest, 'size': manifest_size, 'annotations': {'org.opencontainers.image.ref.name': 'test'}}]},
    open(out + '/index.json', 'w'))
json.dump({'imageLayoutVersion': '1.0.0'}, open(out + '/oci-layout', 'w'))
"#,
            layout.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let registry = Registry::start(&tmp, "");
    let r = registry.addr.clone();
    push(&layout, &format!("{r}/apps/lock:latest"), None);
    let cache = tmp.join("cache");
    let store = tmp.join("store.db");
    let env = [
        ("PALISADE_CACHE_DIR", cache.to_str().unwrap()),
        ("PALISADE_STORE", store.to_str().unwrap()),
    ];
    let walk = |extra: &[&str]| {
        let mut args = vec!["scan", "registry", r.as_str(), "--insecure", "--offline"];
        args.extend_from_slice(extra);
        palisade_with(&args, &tmp, &env)
    };
    let said = format!("{r}/apps/lock:latest:/app/package-lock.json: not a package-lock.json");
    let out = walk(&["-f", "json", "--exit-code", "3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(line["error"].is_null(), "{line}");
    assert!(line["findings"].as_u64().unwrap() > 10, "{line}");
    let errors = line["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{line}");
    assert!(errors[0].as_str().unwrap().starts_with(&said), "{line}");
    let out = walk(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(", 1 file not read\n"), "{text}");
    assert!(stderr(&out).contains(&said), "{}", stderr(&out));
    // --strict: fatal.
    let out = walk(&["--strict", "--exit-code", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    drop(registry);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// `unscannedImages: scan` (issue 14): the webhook scans an image the store does not have while
/// the review waits, judges its findings, and stores it; a dry run never starts a scan.
#[test]
fn an_image_never_scanned_is_scanned_on_admission() {
    use common::webhook::{judge, review, self_signed};
    let acc = script("tests/fixtures/accuracy.sh");
    let tmp = tempdir("registry-admit");
    let registry = Registry::start(&tmp, "");
    let r = registry.addr.clone();
    push(
        &acc.join("python-vuln/oci"),
        &format!("{r}/apps/python:1"),
        None,
    );
    // The same small image twice: as built (no USER: root), and with USER 65532 (umoci).
    let images = script("tests/fixtures/build.sh");
    push(
        &images.join("distroless/oci"),
        &format!("{r}/apps/root:1"),
        None,
    );
    let nonroot = tmp.join("nonroot");
    let out = Command::new("cp")
        .arg("-r")
        .arg(images.join("distroless/oci"))
        .arg(&nonroot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = Command::new("umoci")
        .args(["config", "--config.user", "65532", "--image"])
        .arg(format!("{}:test", nonroot.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "umoci: {}", stderr(&out));
    push(&nonroot, &format!("{r}/apps/nonroot:1"), None);
    let policy = tmp.join("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: security.palisade.dev/v1\nkind: GlobalRules\nmetadata: {name: cluster}\nspec:\n  admission: {mode: Protect, unscannedImages: scan, scanDeadlineSeconds: 120}\n---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {name: known-cves}\nspec:\n  action: deny\n  message: upgrade requests\n  criteria: [{name: cveIds, op: containsAny, values: [CVE-2018-18074]}]\n---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {name: no-root}\nspec:\n  action: deny\n  message: run as a non-root user\n  criteria: [{name: runAsRoot, op: is, value: \"true\"}]\n---\napiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {name: high-cvss}\nspec:\n  action: deny\n  mode: Monitor\n  message: a CVSS score of 7 or more\n  criteria: [{name: cvssScore, op: gte, value: \"7\"}]\n",
    )
    .unwrap();
    let (server, agent) = self_signed(
        &tmp,
        &["--policy", policy.to_str().unwrap(), "--registry-insecure"],
    );
    let url = server.url("/validate");
    let image = format!("{r}/apps/python:1");
    // Run as a user of its own: only the scan decides.
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"securityContext": {"runAsUser": 1000},
                 "containers": [{"name": "c", "image": image}]}});
    // A dry run causes no side effect: refused at once as not scanned, nothing scanned.
    let mut dry = review("v1", "CREATE", &pod, "alice", &[]);
    dry["request"]["dryRun"] = serde_json::json!(true);
    let started = Instant::now();
    let r1 = judge(&agent, &url, &dry);
    assert_eq!(r1["allowed"], false);
    assert!(
        r1["status"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("images not scanned in time: {image}")),
        "{r1}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!server.log().contains("scanning"), "{}", server.log());
    // The review waits for the scan and is judged on what it found.
    let r2 = judge(&agent, &url, &review("v1", "CREATE", &pod, "alice", &[]));
    assert_eq!(r2["allowed"], false, "{r2}\n{}", server.log());
    assert_eq!(
        r2["status"]["message"],
        "Pod shop/p: AdmissionRule known-cves: upgrade requests"
    );
    // CVSS scores from the database (CVE-2023-46136 is 7.5 by PYSEC-2023-221's vector).
    assert_eq!(
        r2["warnings"],
        serde_json::json!(["AdmissionRule high-cvss: a CVSS score of 7 or more"])
    );
    // Stored: the next review reads the store, and the store lists it.
    let r3 = judge(&agent, &url, &review("v1", "CREATE", &pod, "alice", &[]));
    assert_eq!(r3["allowed"], false);
    assert_eq!(
        server.log().matches("scanning ").count(),
        1,
        "{}",
        server.log()
    );
    let out = palisade_with(
        &["store", "images", "-f", "json"],
        &tmp,
        &[("PALISADE_STORE", tmp.join("store.db").to_str().unwrap())],
    );
    assert!(
        stderr(&out).is_empty() || out.status.success(),
        "{}",
        stderr(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&image),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The image's USER, from its config as the scan stored it: root is refused, 65532 is not.
    let user_of = |repo: &str| {
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "c", "image": format!("{r}/apps/{repo}:1")}]}});
        judge(&agent, &url, &review("v1", "CREATE", &pod, "alice", &[]))
    };
    let root = user_of("root");
    assert_eq!(
        root["status"]["message"], "Pod shop/p: AdmissionRule no-root: run as a non-root user",
        "{root}"
    );
    let nonroot = user_of("nonroot");
    assert_eq!(nonroot["allowed"], true, "{nonroot}\n{}", server.log());
}

/// `imageSigned` (issue 14): cosign signatures stored beside the image in its registry, made
/// here as `cosign sign --key` makes them (OpenSSL signing the simple signing payload, pushed
/// to `sha256-<hex>.sig` by skopeo), verified offline with the policy's public key.
#[test]
fn cosign_signatures_in_the_registry_are_verified_with_the_policy_s_key() {
    use common::webhook::{judge, review, self_signed};
    let images = script("tests/fixtures/build.sh");
    let tmp = tempdir("registry-signed");
    let registry = Registry::start(&tmp, "");
    let r = registry.addr.clone();
    // Four images, four digests.
    for (repo, image) in [
        ("signed", "distroless"),
        ("unsigned", "debian"),
        ("wrong-key", "rpm"),
        ("replayed", "debian-zstd"),
    ] {
        push(
            &images.join(image).join("oci"),
            &format!("{r}/{repo}:1"),
            None,
        );
    }
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&*tmp)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    };
    for k in ["trusted", "other"] {
        openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &format!("{k}.key"),
        ]);
        openssl(&[
            "ec",
            "-in",
            &format!("{k}.key"),
            "-pubout",
            "-out",
            &format!("{k}.pub"),
        ]);
    }
    let digest = |repo: &str| -> String {
        let out = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .arg(format!("docker://{r}/{repo}:1"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // Sign `of`'s digest with `key`, stored as the signature of `repo`.
    let sign = |repo: &str, key: &str, of: &str| {
        let layout = tmp.join(format!("sig-{repo}"));
        let d = digest(repo);
        let out = Command::new("python3")
            .arg(root().join("tests/tools/cosign-sign.py"))
            .arg(tmp.join(key))
            .arg(format!("{r}/{repo}"))
            .arg(digest(of))
            .arg(&layout)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let out = Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .arg(format!("oci:{}:sig", layout.display()))
            .arg(format!(
                "docker://{r}/{repo}:{}.sig",
                d.replacen(':', "-", 1)
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "skopeo: {}", stderr(&out));
    };
    sign("signed", "trusted.key", "signed");
    sign("wrong-key", "other.key", "wrong-key");
    // A good signature of another image, copied over: it names the wrong digest.
    sign("replayed", "trusted.key", "signed");

    let key = std::fs::read_to_string(tmp.join("trusted.pub")).unwrap();
    let indented: String = key.lines().map(|l| format!("        {l}\n")).collect();
    let policy = tmp.join("policy.yaml");
    std::fs::write(
        &policy,
        format!("apiVersion: security.palisade.dev/v1\nkind: AdmissionRule\nmetadata: {{name: signed-only}}\nspec:\n  action: deny\n  message: sign the image with the release key\n  criteria:\n    - name: imageSigned\n      op: is\n      value: \"false\"\n      publicKey: |\n{indented}"),
    )
    .unwrap();
    let (server, agent) = self_signed(
        &tmp,
        &["--policy", policy.to_str().unwrap(), "--registry-insecure"],
    );
    let url = server.url("/validate");
    let verdict = |image: String| {
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "c", "image": image}]}});
        judge(&agent, &url, &review("v1", "CREATE", &pod, "alice", &[]))["allowed"]
            .as_bool()
            .unwrap()
    };
    assert!(verdict(format!("{r}/signed:1")), "{}", server.log());
    assert!(verdict(format!("{r}/signed@{}", digest("signed"))));
    assert!(!verdict(format!("{r}/unsigned:1")));
    assert!(!verdict(format!("{r}/wrong-key:1")));
    assert!(!verdict(format!("{r}/replayed:1")));
}
