//! The image reader on real images (built by tests/fixtures/build.sh with mmdebstrap, umoci and
//! skopeo) and on hostile ones built here.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_core::diagnostic::{Limit, Remedy};
use palisade_image::{read_image, Compression, ImageError, Limits, ReadOptions, SourceRef};
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/build.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("run tests/fixtures/build.sh");
    assert!(
        out.status.success(),
        "fixture build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn read(source: &str, limits: Limits) -> Result<palisade_image::Image, ImageError> {
    let opts = ReadOptions {
        limits,
        platform: "linux/amd64".into(),
        wants: &|p: &str| p == "etc/os-release" || p == "usr/lib/os-release",
        probe: None,
        history: &|_| false,
        lists: &|_| true,
        skip: Default::default(),
        registry: None,
        cache: None,
        verify: true,
        cancel: Default::default(),
    };
    read_image(&source.parse::<SourceRef>()?, &opts)
}

#[test]
fn merged_view_matches_umoci_unpack_for_every_source() {
    let dir = fixtures();
    let expected = std::fs::read_to_string(dir.join("debian/expected-files.txt")).unwrap();
    let expected: Vec<&str> = expected.lines().collect();
    assert!(
        expected.len() > 5000,
        "the Debian root should hold thousands of files"
    );
    let d = dir.display();
    for (source, compression) in [
        (format!("oci:{d}/debian/oci:test"), Compression::Gzip),
        (
            format!("docker-archive:{d}/debian.docker.tar"),
            Compression::None,
        ),
        (
            format!("oci-archive:{d}/debian.oci.tar:test"),
            Compression::Gzip,
        ),
        (format!("oci:{d}/debian-zstd/oci:test"), Compression::Zstd),
    ] {
        let image = read(&source, Limits::default()).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(image.layers.len(), 3, "{source}");
        assert!(
            image.layers.iter().all(|l| l.compression == compression),
            "{source}"
        );
        let ours: Vec<&str> = image.files.iter().map(|(p, _)| p).collect();
        let missing: Vec<_> = expected
            .iter()
            .filter(|p| image.files.get(p).is_none())
            .take(5)
            .collect();
        let extra: Vec<_> = ours
            .iter()
            .filter(|p| expected.binary_search(p).is_err())
            .take(5)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{source}: missing {missing:?}, extra {extra:?}"
        );
        // Whiteouts: deleted in layer 1 or replaced in layer 2.
        for gone in [
            "usr/share/doc/apt",
            "usr/share/doc/apt/copyright",
            "etc/issue.net",
            "opt/app/data/old.txt",
        ] {
            assert!(
                image.files.get(gone).is_none(),
                "{source}: {gone} should be whited out"
            );
        }
        assert_eq!(image.files.get("opt/app/hello.txt").unwrap().layer, Some(1));
        assert_eq!(
            image.files.get("opt/app/data/new.txt").unwrap().layer,
            Some(2)
        );
        assert_eq!(image.files.get("usr/bin/jq").unwrap().layer, Some(1));
        assert_eq!(image.files.get("usr/bin/dpkg").unwrap().layer, Some(0));
        // /etc/os-release is a symlink into /usr/lib, read through the merged view.
        let os = String::from_utf8_lossy(image.files.read("etc/os-release").unwrap()).into_owned();
        assert!(os.contains("VERSION_CODENAME=bookworm"), "{source}");
    }
}

/// The diff id of a layer blob: the sha256 of its tar, decompressed (or of the blob itself when
/// it does not decompress: a hostile layer fails before its diff id is checked).
fn diff_id(layer: &[u8]) -> String {
    use std::io::Read;
    let tar = match layer {
        [0x1f, 0x8b, ..] => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(layer)
                .read_to_end(&mut out)
                .ok()
                .map(|_| out)
        }
        [0x28, 0xb5, 0x2f, 0xfd, ..] => zstd::decode_all(layer).ok(),
        _ => None,
    };
    format!(
        "sha256:{:x}",
        Sha256::digest(tar.as_deref().unwrap_or(layer))
    )
}

/// The digest of `bytes` in `alg` (sha256, sha512; any other name gets a made-up hex).
fn digest_as(alg: &str, bytes: &[u8]) -> String {
    match alg {
        "sha256" => format!("sha256:{:x}", Sha256::digest(bytes)),
        "sha512" => format!("sha512:{:x}", sha2::Sha512::digest(bytes)),
        other => format!("{other}:{:x}", Sha256::digest(bytes))[..other.len() + 33].to_string(),
    }
}

/// A one-layer OCI layout around the given layer blob.
fn layout(dir: &Path, layer: &[u8]) -> String {
    layout_as(dir, layer, "sha256", &[diff_id(layer)])
}

/// A one-layer OCI layout whose layer blob is stored under its `alg` digest, with the config's
/// `diff_ids` as given.
fn layout_as(dir: &Path, layer: &[u8], alg: &str, diff_ids: &[String]) -> String {
    let put = |alg: &str, bytes: &[u8]| {
        let d = digest_as(alg, bytes);
        let (alg, hex) = d.split_once(':').unwrap();
        let blobs = dir.join("blobs").join(alg);
        std::fs::create_dir_all(&blobs).unwrap();
        std::fs::write(blobs.join(hex), bytes).unwrap();
        d
    };
    let layer_digest = put(alg, layer);
    let config = serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let config = put("sha256", config.to_string().as_bytes());
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":1}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer_digest}","size":1}}]}}"#
    );
    let manifest = put("sha256", manifest.as_bytes());
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest}","size":1,"annotations":{{"org.opencontainers.image.ref.name":"t"}}}}]}}"#),
    )
    .unwrap();
    layer_digest
}

/// A tar with one entry whose raw name and type are written as given, bypassing the tar crate's
/// own path checks (an attacker's archive has none).
fn raw_tar(name: &[u8], kind: tar::EntryType, link: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    h.as_gnu_mut().unwrap().linkname[..link.len()].copy_from_slice(link);
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, data).unwrap();
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn hostile(layer: &[u8], limits: Limits) -> String {
    let dir = tempdir();
    let digest = layout(&dir, layer);
    let err = read(&format!("oci:{}:t", dir.display()), limits)
        .expect_err("a hostile image must be refused");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("oci:{}", dir.display())),
        "names the image: {msg}"
    );
    let _ = digest;
    // What gets past it, as the caller would name it.
    format!("{msg} [{:?}]", err.remedy())
}

/// A fresh directory, removed when the test ends (passing or not).
fn tempdir() -> TempDir {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("palisade-image-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn refuses_hostile_layers_naming_layer_and_entry() {
    let msg = hostile(
        &gzip(&raw_tar(
            b"../../etc/passwd",
            tar::EntryType::Regular,
            b"",
            b"x",
        )),
        Limits::default(),
    );
    assert!(
        msg.contains("layer sha256:") && msg.contains("\"../../etc/passwd\"") && msg.contains(".."),
        "{msg}"
    );

    let msg = hostile(
        &gzip(&raw_tar(b"/etc/passwd", tar::EntryType::Regular, b"", b"x")),
        Limits::default(),
    );
    assert!(msg.contains("absolute path"), "{msg}");

    let msg = hostile(
        &gzip(&raw_tar(
            b"evil",
            tar::EntryType::Link,
            b"../../etc/shadow",
            b"",
        )),
        Limits::default(),
    );
    assert!(msg.contains("hardlink target"), "{msg}");

    let full = gzip(&raw_tar(
        b"file",
        tar::EntryType::Regular,
        b"",
        &[7u8; 100_000],
    ));
    let msg = hostile(&full[..full.len() / 2], Limits::default());
    assert!(
        msg.contains("truncated") || msg.contains("corrupt"),
        "{msg}"
    );

    // A decompression bomb: 64 MiB of zeros in a small gzip stream.
    let bomb = gzip(&raw_tar(
        b"zeros",
        tar::EntryType::Regular,
        b"",
        &vec![0u8; 64 << 20],
    ));
    assert!(bomb.len() < 1 << 20);
    let msg = hostile(
        &bomb,
        Limits {
            max_layer_bytes: 8 << 20,
            ..Limits::default()
        },
    );
    assert!(msg.contains("limit: LayerBytes"), "{msg}");
    let msg = hostile(
        &bomb,
        Limits {
            max_file_bytes: 1 << 20,
            ..Limits::default()
        },
    );
    assert!(
        msg.contains("limit: FileBytes") && msg.contains("zeros"),
        "{msg}"
    );
}

#[test]
fn refuses_tampered_and_malformed_metadata() {
    // A blob whose content no longer matches its digest.
    let dir = tempdir();
    let digest = layout(
        &dir,
        &gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"original")),
    );
    let blob = dir
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    std::fs::write(
        &blob,
        gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"tampered")),
    )
    .unwrap();
    let err = read(&format!("oci:{}:t", dir.display()), Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Digest { .. }), "{err}");
    // Unverified, the same image reads, and reports the digest its manifest claims.
    let opts = ReadOptions {
        limits: Limits::default(),
        platform: "linux/amd64".into(),
        wants: &|_: &str| true,
        probe: None,
        history: &|_| false,
        lists: &|_| true,
        skip: Default::default(),
        registry: None,
        cache: None,
        verify: false,
        cancel: Default::default(),
    };
    let image = read_image(
        &format!("oci:{}:t", dir.display())
            .parse::<SourceRef>()
            .unwrap(),
        &opts,
    )
    .unwrap();
    assert_eq!(image.layers[0].digest, digest);
    assert_eq!(image.files.read("a"), Some(&b"tampered"[..]));

    // Malformed index.json.
    let dir = tempdir();
    layout(
        &dir,
        &gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"x")),
    );
    std::fs::write(dir.join("index.json"), b"{\"manifests\": [").unwrap();
    let err = read(&format!("oci:{}", dir.display()), Limits::default()).unwrap_err();
    assert!(
        err.to_string().contains("index.json") && err.to_string().contains("malformed JSON"),
        "{err}"
    );

    // A digest that tries to name a file outside blobs/.
    std::fs::write(
        dir.join("index.json"),
        br#"{"manifests":[{"digest":"sha256:../../../etc/passwd","size":1}]}"#,
    )
    .unwrap();
    let err = read(&format!("oci:{}", dir.display()), Limits::default()).unwrap_err();
    assert!(err.to_string().contains("malformed digest"), "{err}");

    // An unknown name, and a missing path.
    let dir = tempdir();
    layout(
        &dir,
        &gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"x")),
    );
    let err = read(&format!("oci:{}:nope", dir.display()), Limits::default()).unwrap_err();
    assert!(
        err.to_string().contains("no image named \"nope\"") && err.to_string().contains("names: t"),
        "{err}"
    );
    assert!(read("oci:/nonexistent/layout", Limits::default()).is_err());
}

#[test]
fn reads_zstd_and_plain_layers_by_content() {
    let tar = raw_tar(
        b"etc/os-release",
        tar::EntryType::Regular,
        b"",
        b"ID=test\n",
    );
    for layer in [
        tar.clone(),
        zstd::encode_all(&tar[..], 3).unwrap(),
        gzip(&tar),
    ] {
        let dir = tempdir();
        layout(&dir, &layer);
        let image = read(&format!("oci:{}:t", dir.display()), Limits::default()).unwrap();
        assert_eq!(
            image.files.read("etc/os-release"),
            Some(&b"ID=test\n"[..]),
            "{:?} {:?}",
            image.layers,
            image.files.iter().collect::<Vec<_>>()
        );
        assert_eq!(
            image.layers[0].diff_id,
            format!("sha256:{:x}", Sha256::digest(&tar))
        );
    }
}

/// Copies every blob of an OCI layout into another.
fn copy_blobs(from: &Path, to: &Path) {
    let (src, dst) = (from.join("blobs/sha256"), to.join("blobs/sha256"));
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
}

fn only_manifest(layout: &Path) -> serde_json::Value {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"][0].clone()
}

#[test]
fn picks_a_platform_from_a_nested_multi_platform_index() {
    let fx = fixtures();
    let dir = tempdir();
    copy_blobs(&fx.join("debian/oci"), &dir);
    copy_blobs(&fx.join("distroless/oci"), &dir);
    let mut amd64 = only_manifest(&fx.join("debian/oci"));
    let mut arm64 = only_manifest(&fx.join("distroless/oci"));
    amd64["platform"] = serde_json::json!({"os": "linux", "architecture": "amd64"});
    arm64["platform"] =
        serde_json::json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    let nested = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm64, amd64]});
    let nested = serde_json::to_vec(&nested).unwrap();
    let digest = format!("{:x}", Sha256::digest(&nested));
    std::fs::write(dir.join("blobs/sha256").join(&digest), &nested).unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{digest}"), "size": nested.len(),
        "annotations": {"org.opencontainers.image.ref.name": "multi"}}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();

    let pick = |platform: &str| {
        let opts = ReadOptions {
            limits: Limits::default(),
            platform: platform.into(),
            wants: &|_: &str| false,
            probe: None,
            history: &|_| false,
            lists: &|_| true,
            skip: Default::default(),
            registry: None,
            cache: None,
            verify: true,
            cancel: Default::default(),
        };
        read_image(
            &format!("oci:{}:multi", dir.display())
                .parse::<SourceRef>()
                .unwrap(),
            &opts,
        )
    };
    let default = pick("linux/amd64").unwrap();
    assert_eq!(default.layers.len(), 3, "linux/amd64 is the Debian image");
    assert!(default.files.get("usr/bin/jq").is_some());
    assert_eq!(default.name.as_deref(), Some("multi"));
    let arm = pick("linux/arm64").unwrap();
    assert!(
        arm.files.get("var/lib/dpkg/status.d/libc6").is_some(),
        "linux/arm64 is the distroless image"
    );
    assert!(pick("linux/arm64/v8").is_ok());
    let err = pick("linux/s390x").unwrap_err().to_string();
    assert!(
        err.contains("no image for platform linux/s390x")
            && err.contains("linux/arm64/v8, linux/amd64"),
        "{err}"
    );
}

#[test]
fn records_devices_and_lets_the_last_duplicate_win() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("etc/os-release", &b"ID=first\n"[..]),
        ("etc/os-release", &b"ID=second\n"[..]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    }
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Char);
    h.set_size(0);
    h.set_device_major(1).unwrap();
    h.set_device_minor(3).unwrap();
    b.append_data(&mut h, "dev/null", &[][..]).unwrap();
    let dir = tempdir();
    layout(&dir, &b.into_inner().unwrap());
    let image = read(&format!("oci:{}:t", dir.display()), Limits::default()).unwrap();
    assert_eq!(
        image.files.read("etc/os-release"),
        Some(&b"ID=second\n"[..])
    );
    let dev = image.files.get("dev/null").unwrap();
    assert_eq!(dev.kind, palisade_image::FileKind::Special);
    assert!(dev.content.is_none());
}

#[test]
fn refuses_corrupt_zstd() {
    let tar = raw_tar(
        b"etc/os-release",
        tar::EntryType::Regular,
        b"",
        b"ID=test\n",
    );
    let mut z = zstd::encode_all(&tar[..], 3).unwrap();
    let n = z.len();
    z[n / 2] ^= 0xff;
    z[n / 2 + 1] ^= 0xff;
    let msg = hostile(&z, Limits::default());
    assert!(
        msg.contains("corrupt") || msg.contains("truncated") || msg.contains("zstd"),
        "{msg}"
    );
}

fn read_opts(verify: bool, cache: Option<&Path>) -> ReadOptions<'static> {
    ReadOptions {
        limits: Limits::default(),
        platform: "linux/amd64".into(),
        wants: &|_: &str| true,
        probe: None,
        history: &|_| false,
        lists: &|_| true,
        skip: Default::default(),
        registry: None,
        cache: cache.map(|dir| palisade_image::CacheConfig {
            dir: dir.to_path_buf(),
            limit: 1 << 30,
            recipe: "test".into(),
        }),
        verify,
        cancel: Default::default(),
    }
}

fn read_with(source: &str, opts: &ReadOptions<'_>) -> Result<palisade_image::Image, ImageError> {
    read_image(&source.parse::<SourceRef>()?, opts)
}

#[test]
fn verifies_sha512_digests_and_refuses_tampered_sha512_blobs() {
    let tar = raw_tar(b"a", tar::EntryType::Regular, b"", b"original");
    let layer = gzip(&tar);
    let dir = tempdir();
    let sha512_diff_id = format!("sha512:{:x}", sha2::Sha512::digest(&tar));
    let digest = layout_as(
        &dir,
        &layer,
        "sha512",
        std::slice::from_ref(&sha512_diff_id),
    );
    assert!(digest.starts_with("sha512:") && digest.len() == 7 + 128);
    let source = format!("oci:{}:t", dir.display());
    let image = read_with(&source, &read_opts(true, None)).unwrap();
    assert_eq!(image.layers[0].digest, digest);
    assert_eq!(image.layers[0].diff_id, sha512_diff_id);
    assert_eq!(image.files.read("a"), Some(&b"original"[..]));

    // An uncompressed layer stored under sha512 with a sha256 diff id: both are computed.
    let dir = tempdir();
    layout_as(&dir, &tar, "sha512", &[diff_id(&tar)]);
    let image = read_with(&format!("oci:{}:t", dir.display()), &read_opts(true, None)).unwrap();
    assert_eq!(image.layers[0].diff_id, diff_id(&tar));

    // The sha512 blob rewritten: refused, naming the layer and both digests.
    let dir = tempdir();
    let digest = layout_as(&dir, &layer, "sha512", &[sha512_diff_id]);
    let blob = dir.join("blobs/sha512").join(&digest[7..]);
    let tampered = gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"tampered"));
    std::fs::write(&blob, &tampered).unwrap();
    let source = format!("oci:{}:t", dir.display());
    let err = read_with(&source, &read_opts(true, None)).unwrap_err();
    assert!(
        matches!(&err, ImageError::Digest { what, expected, actual, .. }
            if what.contains(&digest) && expected == &digest
                && actual == &digest_as("sha512", &tampered)),
        "{err}"
    );
}

#[test]
fn refuses_digests_of_unknown_algorithms_unless_told_to_skip_verification() {
    let layer = gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"x"));
    let dir = tempdir();
    let digest = layout_as(&dir, &layer, "md5", &[diff_id(&layer)]);
    let source = format!("oci:{}:t", dir.display());
    let err = read_with(&source, &read_opts(true, None)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&source)
            && msg.contains(&format!("layer {digest}"))
            && msg.contains("algorithm \"md5\" cannot be verified")
            && err.remedy() == Some(Remedy::SkipVerify),
        "{msg}"
    );
    // --skip-verify reads it, reporting the digest the manifest claims.
    let image = read_with(&source, &read_opts(false, None)).unwrap();
    assert_eq!(image.layers[0].digest, digest);
    assert_eq!(image.files.read("a"), Some(&b"x"[..]));

    // A diff id of an unknown algorithm.
    let dir = tempdir();
    layout_as(&dir, &layer, "sha256", &["sha1:0123456789abcdef".into()]);
    let source = format!("oci:{}:t", dir.display());
    let msg = read_with(&source, &read_opts(true, None))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("diff id") && msg.contains("algorithm \"sha1\" cannot be verified"),
        "{msg}"
    );

    // A manifest known by an unknown algorithm's digest.
    let dir = tempdir();
    layout(&dir, &layer);
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = format!("blake3:{}", &manifest[7..]);
    std::fs::create_dir_all(dir.join("blobs/blake3")).unwrap();
    std::fs::rename(
        dir.join("blobs/sha256").join(&manifest[7..]),
        dir.join("blobs/blake3").join(&manifest[7..]),
    )
    .unwrap();
    index["manifests"][0]["digest"] = renamed.clone().into();
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    let source = format!("oci:{}:t", dir.display());
    let msg = read_with(&source, &read_opts(true, None))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&format!("blobs/blake3/{}", &manifest[7..]))
            && msg.contains("algorithm \"blake3\" cannot be verified"),
        "{msg}"
    );
    assert!(read_with(&source, &read_opts(false, None)).is_ok());
}

#[test]
fn an_oci_config_must_list_one_diff_id_per_layer() {
    let layer = gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"x"));
    for diff_ids in [vec![], vec![diff_id(&layer), diff_id(&layer)]] {
        let dir = tempdir();
        layout_as(&dir, &layer, "sha256", &diff_ids);
        let source = format!("oci:{}:t", dir.display());
        let err = read_with(&source, &read_opts(true, None)).unwrap_err();
        assert!(
            matches!(&err, ImageError::Metadata { reason, .. }
                if reason.starts_with(&format!("{} diff_ids for 1 layers", diff_ids.len()))),
            "{err}"
        );
        // Unverified, only a config with no diff ids at all is read.
        assert_eq!(
            read_with(&source, &read_opts(false, None)).is_ok(),
            diff_ids.is_empty()
        );
    }
}

/// A `docker save` archive of one uncompressed layer, with the config's `diff_ids` as given.
fn docker_archive(path: &Path, layer: &[u8], diff_ids: &[String]) {
    let config = serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let manifest = serde_json::json!([{"Config": "config.json", "RepoTags": ["t:1"], "Layers": ["layer.tar"]}]);
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, data) in [
        ("manifest.json", manifest.to_string().into_bytes()),
        ("config.json", config.to_string().into_bytes()),
        ("layer.tar", layer.to_vec()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.finish().unwrap();
}

#[test]
fn a_docker_archive_must_list_one_diff_id_per_layer() {
    let layer = raw_tar(b"a", tar::EntryType::Regular, b"", b"original");
    let dir = tempdir();
    let file = dir.join("image.tar");
    let source = format!("docker-archive:{}", file.display());

    docker_archive(&file, &layer, &[diff_id(&layer)]);
    let image = read_with(&source, &read_opts(true, None)).unwrap();
    assert_eq!(image.layers[0].diff_id, diff_id(&layer));

    // No diff ids: nothing would verify the layer (a tampered one once read unchecked).
    let tampered = raw_tar(b"a", tar::EntryType::Regular, b"", b"tampered");
    docker_archive(&file, &tampered, &[]);
    let err = read_with(&source, &read_opts(true, None)).unwrap_err();
    assert!(
        matches!(&err, ImageError::Metadata { file, reason, .. }
            if file == "config.json" && reason.starts_with("0 diff_ids for 1 layers")),
        "{err}"
    );
    assert!(err.to_string().contains(&source), "{err}");
    assert!(read_with(&source, &read_opts(false, None)).is_ok());

    docker_archive(&file, &tampered, &[diff_id(&layer)]);
    let err = read_with(&source, &read_opts(true, None)).unwrap_err();
    assert!(matches!(err, ImageError::Digest { .. }), "{err}");
}

#[test]
fn a_cached_read_is_not_reused_for_a_local_blob_changed_since() {
    let tar = raw_tar(b"a", tar::EntryType::Regular, b"", b"original");
    let layer = gzip(&tar);
    let cache = tempdir();
    let dir = tempdir();
    let digest = layout(&dir, &layer);
    let blob = dir.join("blobs/sha256").join(&digest[7..]);
    let source = format!("oci:{}:t", dir.display());
    let opts = read_opts(true, Some(&cache));
    let first = read_with(&source, &opts).unwrap();
    assert_eq!(first.files.read("a"), Some(&b"original"[..]));
    let layers = || std::fs::read_dir(cache.join("layers")).unwrap().count();
    assert_eq!(layers(), 1, "the verified read is cached");

    // Touched only: hashed again, still right, and the cached read is used.
    let f = std::fs::File::options().append(true).open(&blob).unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
    drop(f);
    assert!(read_with(&source, &opts).is_ok());
    let stamps = std::fs::read_dir(cache.join("verified")).unwrap().count();
    assert_eq!(stamps, 2, "the touched blob's new stamp is recorded");

    // Rewritten with other content of the same size, its modification time put back: the
    // cached read of the original must not stand for it.
    let tampered = gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"tampered"));
    assert_eq!(tampered.len(), layer.len());
    let mtime = std::fs::metadata(&blob).unwrap().modified().unwrap();
    std::fs::write(&blob, &tampered).unwrap();
    let f = std::fs::File::options().append(true).open(&blob).unwrap();
    f.set_modified(mtime).unwrap();
    drop(f);
    let err = read_with(&source, &opts).unwrap_err();
    assert!(
        matches!(&err, ImageError::Digest { what, expected, .. }
            if what.contains(&digest) && expected == &digest),
        "{err}"
    );

    // Put right again: read, from the cache or not, as at first.
    std::fs::write(&blob, &layer).unwrap();
    let again = read_with(&source, &opts).unwrap();
    assert_eq!(again.files.read("a"), Some(&b"original"[..]));
    // Unverified, the cached read is taken as it is.
    std::fs::write(&blob, &tampered).unwrap();
    assert!(read_with(&source, &read_opts(false, Some(&cache))).is_ok());
}

#[test]
fn a_cached_read_is_not_reused_for_an_oci_archive_changed_since() {
    let original = gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"original"));
    let tampered = gzip(&raw_tar(b"a", tar::EntryType::Regular, b"", b"tampered"));
    let (cache, work) = (tempdir(), tempdir());
    let dir = work.join("layout");
    std::fs::create_dir_all(&dir).unwrap();
    let digest = layout(&dir, &original);
    let archive = work.join("image.oci.tar");
    let pack = || {
        let mut b = tar::Builder::new(std::fs::File::create(&archive).unwrap());
        b.append_dir_all(".", &dir).unwrap();
        b.finish().unwrap();
    };
    pack();
    let source = format!("oci-archive:{}:t", archive.display());
    let opts = read_opts(true, Some(&cache));
    assert!(read_with(&source, &opts).is_ok());
    // The archive rewritten around a tampered blob, its modification time put back.
    let mtime = std::fs::metadata(&archive).unwrap().modified().unwrap();
    std::fs::write(dir.join("blobs/sha256").join(&digest[7..]), &tampered).unwrap();
    pack();
    let f = std::fs::File::options()
        .append(true)
        .open(&archive)
        .unwrap();
    f.set_modified(mtime).unwrap();
    drop(f);
    let err = read_with(&source, &opts).unwrap_err();
    assert!(
        matches!(&err, ImageError::Digest { expected, .. } if expected == &digest),
        "{err}"
    );
}

/// A gzip layer of `n` files of `size` zero bytes each, at `dir/file-<i><suffix>`.
fn zero_files(n: usize, size: usize, dir: &str, suffix: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let zeros = vec![0u8; size];
    for i in 0..n {
        let mut h = tar::Header::new_gnu();
        h.set_size(size as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, format!("{dir}/file-{i}{suffix}"), &zeros[..])
            .unwrap();
    }
    gzip(&b.into_inner().unwrap())
}

/// Issue 11: there was a cap per captured file but none per image, so an image of zero-filled
/// files compressed 1000:1 was held whole in memory. The budget counts every layer's copy and
/// the error names the image.
#[test]
fn captured_bytes_have_a_budget_per_image_that_names_it() {
    let dir = tempdir();
    layout(&dir, &zero_files(40, 100 << 10, "srv", ".lock"));
    let source = format!("oci:{}:t", dir.display());
    let mut opts = read_opts(true, None);
    opts.limits.max_captured_bytes = 1 << 20;
    let err = read_with(&source, &opts).expect_err("4 MB captured is over a 1 MB budget");
    assert!(
        matches!(&err, ImageError::Captured { image, limit } if *image == source && *limit == 1 << 20),
        "{err:?}"
    );
    assert_eq!(
        err.remedy(),
        Some(Remedy::RaiseLimit {
            limit: Limit::CapturedBytes
        })
    );
    opts.limits.max_captured_bytes = 4 << 20;
    let image = read_with(&source, &opts).unwrap();
    assert_eq!(
        image.files.read("srv/file-39.lock").map(<[u8]>::len),
        Some(100 << 10)
    );

    // A root filesystem has the same budget.
    let root = tempdir();
    for i in 0..3 {
        std::fs::write(root.join(format!("{i}.lock")), vec![0u8; 600]).unwrap();
    }
    opts.limits.max_captured_bytes = 1000;
    let err = read_with(&format!("rootfs:{}", root.display()), &opts).unwrap_err();
    assert!(
        matches!(&err, ImageError::Captured { image, .. } if *image == root.display().to_string()),
        "{err:?}"
    );
}

/// Reports the size of every `.jar` it is handed, selected by name whatever its first bytes.
struct JarSizes;

impl palisade_image::Probe for JarSizes {
    fn select(&self, path: &str, _mode: u32) -> Option<&'static [u8]> {
        path.ends_with(".jar").then_some(b"")
    }

    fn probe(
        &self,
        path: &str,
        file: &dyn palisade_image::ReadAt,
    ) -> Result<Option<Vec<u8>>, String> {
        Ok(Some(format!("{path} {}", file.size()).into_bytes()))
    }
}

/// Issue 11: every jar's bytes were held until cataloguing ended. Files a probe selects by name
/// are digested as they stream past (spilled to disk when over --max-read-bytes, read in place
/// on a root filesystem) and only what it extracts is kept, so the budget is not touched.
#[test]
fn files_selected_by_name_are_probed_not_captured() {
    let dir = tempdir();
    layout(&dir, &zero_files(300, 64 << 10, "app/lib", ".jar"));
    let mut opts = read_opts(true, None);
    opts.wants = &|p: &str| !p.ends_with(".jar");
    opts.probe = Some(&JarSizes);
    opts.limits.max_captured_bytes = 1 << 20;
    opts.limits.max_read_bytes = 32 << 10; // every jar is spilled
    let image = read_with(&format!("oci:{}:t", dir.display()), &opts).unwrap();
    let jar = image.files.get("app/lib/file-7.jar").unwrap();
    assert_eq!(jar.content, None);
    assert_eq!(
        jar.probed.as_deref(),
        Some(&b"app/lib/file-7.jar 65536"[..])
    );
    assert_eq!(
        image
            .files
            .iter()
            .filter(|(_, e)| e.probed.is_some())
            .count(),
        300
    );

    let root = tempdir();
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(root.join("lib/a.jar"), b"PK").unwrap();
    let image = read_with(&format!("rootfs:{}", root.display()), &opts).unwrap();
    let jar = image.files.get("lib/a.jar").unwrap();
    assert_eq!(
        (jar.content.as_deref(), jar.probed.as_deref()),
        (None, Some(&b"lib/a.jar 2"[..]))
    );
}

/// Issue 11: --skip-dirs and --skip-files (Trivy's names and globs) for every source kind.
#[test]
fn skipped_directories_and_files_are_left_out_of_layers_and_roots() {
    let skip = palisade_image::Skip {
        dirs: vec!["**/cache".into(), "/opt".into()],
        files: vec!["srv/*.lock".into()],
        all_mounts: false,
    };
    let mut b = tar::Builder::new(Vec::new());
    for path in [
        "srv/a.lock",
        "srv/sub/b.lock",
        "srv/cache/c.lock",
        "var/x/cache/d.lock",
        "opt/e.lock",
        "optional/f.lock",
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, &b"x"[..]).unwrap();
    }
    let dir = tempdir();
    layout(&dir, &gzip(&b.into_inner().unwrap()));
    let mut opts = read_opts(true, None);
    opts.skip = skip;
    let files = |image: palisade_image::Image| -> Vec<String> {
        image
            .files
            .iter()
            .filter(|(_, e)| e.kind == palisade_image::FileKind::File)
            .map(|(p, _)| p.to_string())
            .collect()
    };
    let image = read_with(&format!("oci:{}:t", dir.display()), &opts).unwrap();
    assert_eq!(files(image), ["optional/f.lock", "srv/sub/b.lock"]);

    let root = tempdir();
    for path in [
        "srv/a.lock",
        "srv/sub/b.lock",
        "srv/cache/c.lock",
        "opt/e.lock",
        "optional/f.lock",
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }
    let image = read_with(&format!("rootfs:{}", root.display()), &opts).unwrap();
    assert_eq!(files(image), ["optional/f.lock", "srv/sub/b.lock"]);
}

/// A layer read is cached under what it kept: one made with other skips is not reused.
#[test]
fn a_cached_read_is_not_reused_under_other_skips() {
    let mut b = tar::Builder::new(Vec::new());
    for path in ["srv/a.lock", "opt/b.lock"] {
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, &b"x"[..]).unwrap();
    }
    let dir = tempdir();
    layout(&dir, &gzip(&b.into_inner().unwrap()));
    let cache = tempdir();
    let source = format!("oci:{}:t", dir.display());
    let mut opts = read_opts(true, Some(&cache));
    let has = |opts: &ReadOptions<'_>, path: &str| {
        read_with(&source, opts).unwrap().files.get(path).is_some()
    };
    assert!(has(&opts, "opt/b.lock"));
    opts.skip.dirs = vec!["opt".into()];
    assert!(
        !has(&opts, "opt/b.lock"),
        "not the read cached without skips"
    );
    opts.skip.dirs.clear();
    assert!(has(&opts, "opt/b.lock"));
}

/// Where the diff id is checked, gzip's CRC-32 is not (the tar's own digest covers the same
/// bytes, and skipping it keeps inflating on one core fast); where it is not, the CRC is.
/// Either way a damaged member, a wrong length or anything after the last member is refused,
/// and a refusal early in a layer larger than every buffer in flight ends the read (the three
/// threads of a read stop each other: a hang here never returns).
#[test]
fn gzip_layers_are_checked_by_diff_id_or_by_crc() {
    let tar = raw_tar(b"etc/os-release", tar::EntryType::Regular, b"", b"ID=t\n");
    let good = gzip(&tar);
    let n = good.len();
    // The CRC-32 is the trailer's first four bytes; the diff id stays right.
    let mut bad_crc = good.clone();
    bad_crc[n - 8] ^= 0xff;
    let dir = tempdir();
    layout_as(&dir, &bad_crc, "sha256", &[diff_id(&good)]);
    let source = format!("oci:{}:t", dir.display());
    let image = read_with(&source, &read_opts(true, None)).expect("the diff id vouches for it");
    assert!(image.files.read("etc/os-release").is_some());
    let msg = read_with(&source, &read_opts(false, None))
        .expect_err("unverified, the CRC is checked")
        .to_string();
    assert!(msg.contains("corrupt"), "{msg}");

    let mut wrong_length = good.clone();
    wrong_length[n - 1] ^= 1;
    let mut trailing = good.clone();
    trailing.extend(b"PK\x03\x04 not gzip");
    let mut zeros = good.clone();
    zeros.extend([0u8; 512]);
    for (what, blob) in [
        ("wrong length", wrong_length),
        ("trailing data", trailing),
        ("trailing zeros", zeros),
        ("truncated", good[..n - 3].to_vec()),
    ] {
        for verify in [true, false] {
            let dir = tempdir();
            layout_as(&dir, &blob, "sha256", &[diff_id(&good)]);
            let source = format!("oci:{}:t", dir.display());
            assert!(
                read_with(&source, &read_opts(verify, None)).is_err(),
                "{what}, verify {verify}: accepted"
            );
        }
    }

    // A bad first entry in a 64 MiB layer: refused without reading the rest.
    let mut big = raw_tar(b"../escape", tar::EntryType::Regular, b"", b"x");
    big.truncate(big.len() - 1024);
    big.extend(raw_tar(
        b"pad",
        tar::EntryType::Regular,
        b"",
        &vec![7u8; 64 << 20],
    ));
    let big = gzip(&big);
    let dir = tempdir();
    layout_as(&dir, &big, "sha256", &[diff_id(&big)]);
    let source = format!("oci:{}:t", dir.display());
    let msg = read_with(&source, &read_opts(true, None))
        .expect_err("a path leaving the root")
        .to_string();
    assert!(msg.contains("escape"), "{msg}");
}

/// A read bounded by a deadline, or cancelled, stops with `Stopped` naming the image: before a
/// layer, inside one (chunk by chunk: the single-layer reader has no step between layers) and
/// walking a root filesystem. Unbounded, the same reads succeed.
#[test]
fn cancelled_and_late_reads_stop_and_say_so() {
    use palisade_core::cancel::{Cancel, Stopped};
    let dir = tempdir();
    let mut b = tar::Builder::new(Vec::new());
    let data = vec![7u8; 8 << 20];
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "big.bin", data.as_slice()).unwrap();
    let layer = b.into_inner().unwrap();
    layout(&dir, &layer);
    let source: SourceRef = format!("oci:{}:t", dir.display()).parse().unwrap();
    let mut opts = read_opts(true, None);
    opts.cancel = Cancel::within(std::time::Duration::ZERO);
    let err = read_image(&source, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::Stopped {
                stopped: Stopped::DeadlineExceeded { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("oci:{}", dir.display()))
            && err.to_string().contains("deadline exceeded"),
        "{err}"
    );
    let cancelled = Cancel::new();
    cancelled.cancel();
    opts.cancel = cancelled;
    let err = palisade_image::read_layer(layer.as_slice(), "big", &opts).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::Stopped {
                stopped: Stopped::Cancelled,
                ..
            }
        ),
        "{err}"
    );
    let rootfs = SourceRef::Rootfs {
        dir: dir.0.join("blobs"),
    };
    let err = read_image(&rootfs, &opts).unwrap_err();
    assert!(matches!(err, ImageError::Stopped { .. }), "{err}");
    opts.cancel = Cancel::within(std::time::Duration::from_secs(3600));
    read_image(&source, &opts).unwrap();
    palisade_image::read_layer(layer.as_slice(), "big", &opts).unwrap();
    read_image(&rootfs, &opts).unwrap();
}
