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
