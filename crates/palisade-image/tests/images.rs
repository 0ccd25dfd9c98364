//! The image reader on real images (built by tests/fixtures/build.sh with mmdebstrap, umoci and
//! skopeo) and on hostile ones built here.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

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
        registry: None,
        cache: None,
        verify: true,
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

/// A one-layer OCI layout around the given layer blob.
fn layout(dir: &Path, layer: &[u8]) -> String {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let d = format!("{:x}", Sha256::digest(bytes));
        std::fs::write(blobs.join(&d), bytes).unwrap();
        format!("sha256:{d}")
    };
    let layer_digest = put(layer);
    let config =
        put(br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":1}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer_digest}","size":1}}]}}"#
    );
    let manifest = put(manifest.as_bytes());
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
    msg
}

fn tempdir() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("palisade-image-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
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
    assert!(msg.contains("--max-layer-bytes"), "{msg}");
    let msg = hostile(
        &bomb,
        Limits {
            max_file_bytes: 1 << 20,
            ..Limits::default()
        },
    );
    assert!(
        msg.contains("--max-file-bytes") && msg.contains("zeros"),
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
        registry: None,
        cache: None,
        verify: false,
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
            registry: None,
            cache: None,
            verify: true,
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
