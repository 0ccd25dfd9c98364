//! Packages compiled into binaries: Go modules from the build info of Go executables, and Rust
//! crates from the `.dep-v0` section `cargo auditable` writes. Binaries cannot be chosen by
//! path, so `PROBE` looks at every ELF file while the image is read and keeps only what it
//! finds; the cataloguer turns that into packages.

pub mod auditable;
pub mod elf;
pub mod go;

use palisade_core::{purl, OsRelease, Package, PackageType};
use palisade_image::{FileKind, FileTree, Probe, ReadAt};

use crate::Cataloguer;
use elf::Elf;

/// Looks inside ELF files for Go build info and cargo-auditable dependency lists.
pub struct BinaryProbe;

pub static PROBE: BinaryProbe = BinaryProbe;

/// What a probe keeps, tagged by kind: `go\n<Go version>\n<version found in the data>\n<module
/// text>` or `rust\n<json>`.
const GO: &[u8] = b"go\n";
const RUST: &[u8] = b"rust\n";

impl Probe for BinaryProbe {
    /// Executables (any execute bit) that start with an ELF header.
    fn select(&self, _path: &str, mode: u32) -> Option<&'static [u8]> {
        (mode & 0o111 != 0).then_some(b"\x7fELF")
    }

    fn probe(&self, _path: &str, file: &dyn ReadAt) -> Result<Option<Vec<u8>>, String> {
        let elf = Elf::parse(file)?;
        if let Some(section) = elf.section(".dep-v0").filter(|s| !s.nobits) {
            let data = elf.section_data(file, section, auditable::MAX_SECTION)?;
            let json = auditable::inflate(&data)?;
            return Ok(Some([RUST, &json].concat()));
        }
        let Some(info) = go::read(&elf, file)? else {
            return Ok(None);
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

    fn wants(&self, _path: &str) -> bool {
        false // binaries are found by content, through PROBE
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<String>,
    ) {
        for (path, entry) in files.iter() {
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
                    Err(e) => errors.push(format!("/{path}: {e}")),
                }
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
        let found = PROBE.probe("x", &Bytes(&bin)).unwrap().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&found),
            "go\ngo1.16.3\n\npath\tex.com/a\nmod\tex.com/a\tv1.0.0\t\ndep\tex.com/b\tv0.2.0\t\n"
        );
        // A string header pointing outside the binary is an error, not a panic.
        let mut bad = bin.clone();
        bad[176 + 7] = 0xff;
        assert!(PROBE.probe("x", &Bytes(&bad)).is_err());
        // Cut anywhere: an error or nothing, never a panic.
        for n in 0..bin.len() {
            let _ = PROBE.probe("x", &Bytes(&bin[..n]));
        }
        assert!(PROBE.probe("x", &Bytes(b"\x7fELF\x02\x01\x01")).is_err());
    }
}
