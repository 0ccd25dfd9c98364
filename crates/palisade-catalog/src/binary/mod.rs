//! Packages compiled into binaries: Go modules from the build info of Go executables, Rust
//! crates from the `.dep-v0` section `cargo auditable` writes, and, for other programs, the
//! version strings Syft's binary classifiers look for (classify.rs). Binaries cannot be chosen
//! by path, so `PROBE` looks at every ELF file while the image is read and keeps only what it
//! finds; the cataloguer turns that into packages. Java runtimes are named by their `release`
//! file (jvm.rs).

pub mod auditable;
pub mod classifiers;
pub mod classify;
pub mod elf;
pub mod go;
pub mod jvm;

use std::collections::HashSet;

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::{FileKind, FileTree, Probe, ReadAt};

use crate::Cataloguer;
use elf::Elf;

/// The property naming the classifier that recognised a package (`redis-binary`).
pub const CLASSIFIER: &str = "binary:classifier";

/// Looks inside ELF files for Go build info, cargo-auditable dependency lists and, in programs
/// a classifier names, their version strings.
pub struct BinaryProbe;

pub static PROBE: BinaryProbe = BinaryProbe;

/// What a probe keeps, tagged by kind: `go\n<Go version>\n<version found in the data>\n<module
/// text>`, `rust\n<json>` or `class\n<classifier>\n<version>`.
const GO: &[u8] = b"go\n";
const RUST: &[u8] = b"rust\n";
const CLASS: &[u8] = b"class\n";

impl Probe for BinaryProbe {
    /// Executables (any execute bit) that start with an ELF header, and ELF files a binary
    /// classifier names without one (shared libraries: `libcrypto.so.3`).
    fn select(&self, path: &str, mode: u32) -> Option<&'static [u8]> {
        (mode & 0o111 != 0 || classify::candidates(path).next().is_some()).then_some(b"\x7fELF")
    }

    fn probe(&self, path: &str, file: &dyn ReadAt) -> Result<Option<Vec<u8>>, String> {
        let classified = |file| -> Result<Option<Vec<u8>>, String> {
            Ok(classify::classify(path, file)?.map(|found| {
                [
                    CLASS,
                    found.class.as_bytes(),
                    b"\n",
                    found.version.as_bytes(),
                ]
                .concat()
            }))
        };
        let elf = match Elf::parse(file) {
            Ok(elf) => elf,
            // Classifiers read strings, not headers (Syft's do not parse the file either).
            Err(e) => return classified(file)?.map_or(Err(e), |found| Ok(Some(found))),
        };
        if let Some(section) = elf.section(".dep-v0").filter(|s| !s.nobits) {
            let data = elf.section_data(file, section, auditable::MAX_SECTION)?;
            let json = auditable::inflate(&data)?;
            return Ok(Some([RUST, &json].concat()));
        }
        let Some(info) = go::read(&elf, file)? else {
            // Neither Go nor auditable Rust: a program a classifier may know by name.
            return classified(file);
        };
        // Only a program whose build info has no version of its own is searched for one.
        let embedded = match go::main_program(&info.modinfo) {
            Some(go::MainProgram { version: None, .. }) => {
                go::embedded_version(&elf, file)?.unwrap_or_default()
            }
            _ => String::new(),
        };
        Ok(Some(
            [
                GO,
                info.go_version.as_bytes(),
                b"\n",
                embedded.as_bytes(),
                b"\n",
                info.modinfo.as_bytes(),
            ]
            .concat(),
        ))
    }
}

pub struct Binaries;

impl Cataloguer for Binaries {
    fn name(&self) -> &'static str {
        "binaries"
    }

    fn wants(&self, path: &str) -> bool {
        // Binaries are found by content, through PROBE; Java runtimes by their release file.
        jvm::wants(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        for (path, entry) in files.iter() {
            if entry.kind == FileKind::File && jvm::wants(path) {
                if let Some(fields) = entry.content.as_deref().and_then(jvm::parse) {
                    let (vendor, product, version, repo) = jvm::identify(files, path, &fields);
                    let repo: Vec<(&str, &str)> = repo
                        .iter()
                        .map(|r| ("repository_url", r.as_str()))
                        .collect();
                    let purl = purl::build("generic", Some(vendor), product, &version, &repo);
                    let mut p = crate::listed_package(
                        PackageType::Binary,
                        product.into(),
                        version,
                        purl,
                        path,
                        entry.layer,
                        false,
                    );
                    p.properties
                        .insert(CLASSIFIER.into(), "java-jvm-release".into());
                    out.push(p);
                }
            }
            let (FileKind::File, Some(found)) = (entry.kind, &entry.probed) else {
                continue;
            };
            let package = |package_type, name: String, version: String, purl, dev| {
                crate::listed_package(package_type, name, version, purl, path, entry.layer, dev)
            };
            if let Some(json) = found.strip_prefix(RUST) {
                match auditable::parse(json) {
                    Ok(info) => out.extend(info.packages.into_iter().map(|c| {
                        let purl = purl::build("cargo", None, &c.name, &c.version, &[]);
                        // Build-time-only crates (build scripts, proc macros) are not in the
                        // binary, like a lock file's dev dependencies.
                        let build_only = c.kind.as_deref() == Some("build");
                        package(PackageType::Cargo, c.name, c.version, purl, build_only)
                    })),
                    Err(e) => errors.push(Diagnostic::unread(path, e.to_string())),
                }
            } else if let Some(text) = found.strip_prefix(CLASS) {
                let text = String::from_utf8_lossy(text);
                let (class, version) = text.split_once('\n').unwrap_or((&text, ""));
                let Some(c) = classifiers::CLASSIFIERS.iter().find(|c| c.class == class) else {
                    continue;
                };
                let purl = purl::build("generic", c.namespace, c.package, version, &[]);
                let mut p = package(
                    PackageType::Binary,
                    c.package.into(),
                    version.into(),
                    purl,
                    false,
                );
                p.properties.insert(CLASSIFIER.into(), c.class.into());
                out.push(p);
            } else if let Some(text) = found.strip_prefix(GO) {
                let text = String::from_utf8_lossy(text);
                let mut parts = text.splitn(3, '\n');
                let (go_version, embedded, modinfo) = (
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                );
                // "go1.22.1 X:boringcrypto": the experiments are not part of the version.
                let go_version = go_version.split(' ').next().unwrap_or("");
                if let Some(release) = go_version.strip_prefix("go") {
                    let purl = crate::golang::module_purl("stdlib", release);
                    out.push(package(
                        PackageType::Go,
                        "stdlib".into(),
                        go_version.into(),
                        purl,
                        false,
                    ));
                }
                if let Some(main) = go::main_program(modinfo) {
                    let version = main
                        .version
                        .or_else(|| (!embedded.is_empty()).then(|| embedded.to_string()))
                        .unwrap_or_else(|| "(devel)".into());
                    let purl = crate::golang::module_purl(&main.module, &version);
                    let mut program = package(PackageType::Go, main.module, version, purl, false);
                    if let Some(path) = main.package {
                        program.properties.insert("go:package".into(), path);
                    }
                    out.push(program);
                }
                for m in go::dependencies(modinfo) {
                    let purl = crate::golang::module_purl(&m.path, &m.version);
                    out.push(package(PackageType::Go, m.path, m.version, purl, false));
                }
            }
        }
    }
}

/// Drops packages a classifier found in files an OS package owns: the package manager already
/// lists them (Syft does the same). Owned paths are resolved through the tree, so `/bin/busybox`
/// listed by dpkg owns `usr/bin/busybox` on a merged-/usr system.
pub fn drop_owned(files: &FileTree, packages: &mut Vec<Package>) {
    let classified = |p: &Package| p.properties.contains_key(CLASSIFIER);
    let names: HashSet<&str> = packages
        .iter()
        .filter(|p| classified(p))
        .filter_map(|p| p.location.path.rsplit('/').next())
        .collect();
    if names.is_empty() {
        return;
    }
    let os = |t| matches!(t, PackageType::Deb | PackageType::Rpm | PackageType::Apk);
    let owned: HashSet<String> = packages
        .iter()
        .filter(|p| os(p.package_type))
        .flat_map(|p| &p.files)
        .filter(|f| f.rsplit('/').next().is_some_and(|n| names.contains(n)))
        .filter_map(|f| files.resolve(f.trim_start_matches('/')))
        .map(|(real, _)| format!("/{real}"))
        .collect();
    packages.retain(|p| !classified(p) || !owned.contains(&p.location.path));
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_image::Bytes;

    /// A 64-bit big-endian ELF with no section headers and one writable segment holding Go
    /// build info in the layout before Go 1.18: pointers to string headers.
    fn old_go_binary() -> Vec<u8> {
        const BASE: u64 = 0x10000;
        let mut f = vec![0u8; 320];
        f[..8].copy_from_slice(b"\x7fELF\x02\x02\x01\x00");
        let put = |f: &mut Vec<u8>, at: usize, v: u64, n: usize| {
            f[at..at + n].copy_from_slice(&v.to_be_bytes()[8 - n..]);
        };
        put(&mut f, 0x20, 64, 8); // e_phoff
        put(&mut f, 0x36, 56, 2); // e_phentsize
        put(&mut f, 0x38, 1, 2); // e_phnum
        put(&mut f, 0x3a, 64, 2); // e_shentsize
        put(&mut f, 64, 1, 4); // PT_LOAD
        put(&mut f, 68, 6, 4); // readable, writable
        put(&mut f, 64 + 0x10, BASE, 8); // p_vaddr (p_offset 0)
        put(&mut f, 64 + 0x20, 320, 8); // p_filesz
        f[128..142].copy_from_slice(go::MAGIC);
        f[142] = 8; // pointer size
        f[143] = 1; // big-endian pointers
        put(&mut f, 144, BASE + 160, 8);
        put(&mut f, 152, BASE + 176, 8);
        let version = b"go1.16.3";
        let mut modinfo = vec![0xaa; 16];
        modinfo.extend(b"path\tex.com/a\nmod\tex.com/a\tv1.0.0\t\ndep\tex.com/b\tv0.2.0\t\n");
        modinfo.extend([0xbb; 16]);
        put(&mut f, 160, BASE + 192, 8);
        put(&mut f, 168, version.len() as u64, 8);
        put(&mut f, 176, BASE + 200, 8);
        put(&mut f, 184, modinfo.len() as u64, 8);
        f[192..200].copy_from_slice(version);
        f[200..200 + modinfo.len()].copy_from_slice(&modinfo);
        f
    }

    #[test]
    fn reads_pointer_layout_build_info() {
        let bin = old_go_binary();
        let found = PROBE.probe("app", &Bytes(&bin)).unwrap().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&found),
            "go\ngo1.16.3\n\npath\tex.com/a\nmod\tex.com/a\tv1.0.0\t\ndep\tex.com/b\tv0.2.0\t\n"
        );
        // A string header pointing outside the binary is an error, not a panic.
        let mut bad = bin.clone();
        bad[176 + 7] = 0xff;
        assert!(PROBE.probe("app", &Bytes(&bad)).is_err());
        // Cut anywhere: an error or nothing, never a panic.
        for n in 0..bin.len() {
            let _ = PROBE.probe("app", &Bytes(&bin[..n]));
        }
        assert!(PROBE.probe("app", &Bytes(b"\x7fELF\x02\x01\x01")).is_err());
    }

    /// A root filesystem read and catalogued as `palisade sbom` does: a classified program an
    /// OS package owns (through the merged-/usr link) is not listed again; a copy elsewhere
    /// is; a shared library without an execute bit is offered to the probe by its name.
    #[test]
    fn classified_files_owned_by_os_packages_are_dropped() {
        use palisade_image::{read_image, ReadOptions, SourceRef};
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("palisade-classify-{}", std::process::id()));
        let busybox = b"\x7fELF\x02\x01\x01 not a whole header\0BusyBox v1.35.0 (Debian)\0";
        let libcrypto = b"\x7fELF\x02\x01\x01\0OpenSSL 3.0.19 27 Jan 2026\0";
        let files: &[(&str, &[u8], u32)] = &[
            ("usr/bin/busybox", busybox, 0o755),
            ("opt/tools/busybox", busybox, 0o755),
            ("usr/lib/x86_64-linux-gnu/libcrypto.so.3", libcrypto, 0o644),
            ("usr/lib/x86_64-linux-gnu/libfoo.so.1", libcrypto, 0o644),
            (
                "var/lib/dpkg/status",
                b"Package: busybox-static\nStatus: install ok installed\nVersion: 1:1.35.0-4\nArchitecture: amd64\n\n",
                0o644,
            ),
            ("var/lib/dpkg/info/busybox-static.list", b"/.\n/bin\n/bin/busybox\n", 0o644),
        ];
        for (path, data, mode) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, data).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
        }
        std::os::unix::fs::symlink("usr/bin", dir.join("bin")).unwrap();
        let opts = ReadOptions {
            verify: false,
            cancel: Default::default(),
            ..crate::read_options()
        };
        let image = read_image(&SourceRef::Rootfs { dir: dir.clone() }, &opts).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let catalog = crate::catalog(&image.files);
        let found: Vec<_> = catalog
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.location.path.as_str(),
                    p.properties.get(CLASSIFIER).map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("busybox-static", "1:1.35.0-4", "/var/lib/dpkg/status", None),
                (
                    "busybox",
                    "1.35.0",
                    "/opt/tools/busybox",
                    Some("busybox-binary")
                ),
                (
                    "openssl",
                    "3.0.19",
                    "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
                    Some("openssl-library")
                ),
            ]
        );
        let purls: Vec<_> = catalog.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls[1..],
            ["pkg:generic/busybox@1.35.0", "pkg:generic/openssl@3.0.19"]
        );
        assert!(catalog.errors.is_empty(), "{:?}", catalog.errors);
    }
}
