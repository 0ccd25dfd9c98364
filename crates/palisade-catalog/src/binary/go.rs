//! Go build information, as `go version -m` prints it: the toolchain version and the module
//! list the linker writes into every module-aware binary (Go 1.13 and later). Found the way
//! `debug/buildinfo` finds it: at the `.go.buildinfo` section, or in the first writable
//! segment of binaries stripped of their section headers; both the inline layout (Go 1.18+)
//! and the older one of pointers to Go strings are read.

use palisade_image::ReadAt;

use super::elf::{Elf, PF_W, PF_X};

pub(crate) const MAGIC: &[u8] = b"\xff Go buildinf:";
const ALIGN: usize = 16;
const HEADER: usize = 32;
/// Build info strings are a few kilobytes; a longer one is not build info.
const MAX_STRING: u64 = 4 << 20;

/// What the build info says, unparsed: the Go version and the module text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    pub go_version: String,
    pub modinfo: String,
}

/// The build info of a Go binary; `Ok(None)` for any other ELF file.
pub fn read(elf: &Elf, file: &dyn ReadAt) -> Result<Option<BuildInfo>, String> {
    let start = match elf.section(".go.buildinfo") {
        Some(s) if s.nobits => return Ok(None), // a separate debug-info file
        Some(s) => s.addr,
        // A binary with named sections but no .go.buildinfo is not a module-aware Go binary;
        // without section headers, the linker put the blob at the start of the data segment.
        None if elf.sections.iter().any(|s| !s.name.is_empty()) => return Ok(None),
        None => match elf
            .segments
            .iter()
            .find(|s| s.load && s.flags & (PF_X | PF_W) == PF_W)
        {
            Some(seg) => seg.vaddr,
            None => return Ok(None),
        },
    };
    let Some(data) = elf.read_addr(file, start, 64 << 10)? else {
        return Ok(None);
    };
    let Some(blob) = find_blob(&data) else {
        return Ok(None);
    };
    let ptr_size = usize::from(blob[14]);
    let flags = blob[15];
    let (go_version, modinfo) = if flags & 2 != 0 {
        // Inline: two varint-prefixed strings right after the header.
        let rest = &blob[HEADER..];
        let (version, rest) = inline_string(rest).ok_or("Go build info: truncated version")?;
        let (modinfo, _) = inline_string(rest).ok_or("Go build info: truncated module list")?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!("Go build info: pointer size {ptr_size}"));
        }
        // The blob says its own byte order: 0 little-endian, 1 big-endian.
        let little = flags == 0;
        let ptr = |b: &[u8]| super::elf::uint(&b[..ptr_size], little);
        let version = go_string(elf, file, ptr(&blob[16..]), ptr_size, &ptr)?;
        let modinfo = go_string(elf, file, ptr(&blob[16 + ptr_size..]), ptr_size, &ptr)?;
        (version, modinfo)
    };
    if go_version.is_empty() {
        return Ok(None);
    }
    // The module text is framed by 16-byte sentinels (cmd/go's infoStart and infoEnd), which
    // are not UTF-8: strip them before decoding.
    let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        String::from_utf8_lossy(&modinfo[16..modinfo.len() - 16]).into_owned()
    } else {
        String::new()
    };
    Ok(Some(BuildInfo {
        go_version: String::from_utf8_lossy(&go_version).into_owned(),
        modinfo,
    }))
}

/// The header at the first 16-byte-aligned magic with a whole header after it.
fn find_blob(mut data: &[u8]) -> Option<&[u8]> {
    let mut base = 0usize;
    loop {
        let i = data.windows(MAGIC.len()).position(|w| w == MAGIC)?;
        if (base + i).is_multiple_of(ALIGN) && data.len() - i >= HEADER {
            return Some(&data[i..]);
        }
        let next = (base + i + ALIGN) / ALIGN * ALIGN - base;
        data = data.get(next..)?;
        base += next;
    }
}

fn uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in data.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((value, i + 1));
        }
    }
    None
}

fn inline_string(data: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let (len, n) = uvarint(data)?;
    let len = usize::try_from(len).ok()?;
    let bytes = data.get(n..n.checked_add(len)?)?;
    Some((bytes.to_vec(), &data[n + len..]))
}

/// A Go string header (data pointer, length) at `addr`, and the bytes it points at.
fn go_string(
    elf: &Elf,
    file: &dyn ReadAt,
    addr: u64,
    ptr_size: usize,
    ptr: &dyn Fn(&[u8]) -> u64,
) -> Result<Vec<u8>, String> {
    let header = elf
        .read_addr(file, addr, 2 * ptr_size as u64)?
        .filter(|h| h.len() == 2 * ptr_size)
        .ok_or("Go build info: a string header outside the binary")?;
    let (data, len) = (ptr(&header), ptr(&header[ptr_size..]));
    if len > MAX_STRING {
        return Err(format!("Go build info: a string of {len} bytes"));
    }
    let bytes = elf
        .read_addr(file, data, len)?
        .filter(|b| b.len() as u64 == len)
        .ok_or("Go build info: a string outside the binary")?;
    Ok(bytes)
}

/// One module of a binary: path and version, after `=>` replacements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    pub version: String,
}

/// The dependencies of a build info text (`runtime/debug.ParseBuildInfo`'s format): `dep`
/// lines, each `=>` line replacing the module before it.
pub fn dependencies(modinfo: &str) -> Vec<Module> {
    let mut out: Vec<Module> = Vec::new();
    // Whether the last `mod`/`dep` line was a dependency (a `=>` after `mod` replaces the
    // main module, which is not listed here).
    let mut last_is_dep = false;
    for line in modinfo.lines() {
        let mut f = line.split('\t');
        let (Some(kind), Some(path)) = (f.next(), f.next()) else {
            continue;
        };
        let version = f.next().unwrap_or("").to_string();
        match kind {
            "mod" => last_is_dep = false,
            "dep" => {
                out.push(Module {
                    path: path.to_string(),
                    version,
                });
                last_is_dep = true;
            }
            "=>" => {
                // A replacement by a local directory (`./x`, `../x`, `/x`; version "(devel)"
                // or none) is not a published module: keep the original requirement.
                let local =
                    path.starts_with("./") || path.starts_with("../") || path.starts_with('/');
                if let (Some(last), true, false) =
                    (out.last_mut(), last_is_dep, local || version.is_empty())
                {
                    last.path = path.to_string();
                    last.version = version;
                }
            }
            _ => {}
        }
    }
    out
}

/// The program itself, as advisories name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainProgram {
    /// Its module: the `mod` line, or for a GOPATH build (no module) the module its package
    /// path belongs to (`module_of_package`).
    pub module: String,
    /// The version the build info gives: the module's, else one set through
    /// `-ldflags "-X ...version=..."`. `None`: unknown (Go says "(devel)").
    pub version: Option<String>,
    /// The main package's path, where it is not the module (a GOPATH build).
    pub package: Option<String>,
}

/// The program of a binary's build info.
pub fn main_program(modinfo: &str) -> Option<MainProgram> {
    let (mut path, mut version, mut ldflags, mut module_line) = (None, None, None, false);
    for line in modinfo.lines() {
        let mut f = line.split('\t');
        match (f.next(), f.next(), f.next()) {
            (Some("path"), Some(p), _) if path.is_none() => path = Some(p.to_string()),
            (Some("mod"), Some(p), v) => {
                module_line = true;
                path = Some(p.to_string());
                version = v
                    .filter(|v| !v.is_empty() && *v != "(devel)")
                    .map(str::to_string);
            }
            (Some("build"), Some(setting), _) => {
                if let Some(flags) = setting.strip_prefix("-ldflags=") {
                    ldflags = Some(flags.to_string());
                }
            }
            _ => {}
        }
    }
    let path = path?;
    let stamped = ldflags.as_deref().and_then(ldflags_version);
    if module_line {
        return Some(MainProgram {
            module: path,
            version: version.or(stamped.map(|s| s.1)),
            package: None,
        });
    }
    let module = module_of_package(&path, stamped.as_ref().map(|s| s.0.as_str()));
    Some(MainProgram {
        package: (module != path).then_some(path),
        module,
        version: stamped.map(|s| s.1),
    })
}

/// The module a GOPATH build's main package belongs to, so that advisories for the module
/// match (`github.com/docker/distribution/cmd/registry` is `github.com/docker/distribution`):
/// the path the package shares with the package of its `-X` version variable
/// (`.../distribution/version`), else the repository root by the hosting conventions of
/// `go get` (github.com/OWNER/REPO, golang.org/x/NAME, gopkg.in/[OWNER/]NAME.vN, k8s.io/NAME),
/// else the package path itself.
pub fn module_of_package(path: &str, stamped_package: Option<&str>) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let root = match segments[0] {
        "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org" => Some(3),
        "golang.org" if segments.get(1) == Some(&"x") => Some(3),
        "gopkg.in" if segments.get(1).is_some_and(|s| has_gopkg_version(s)) => Some(2),
        "gopkg.in" => Some(3),
        "k8s.io"
        | "sigs.k8s.io"
        | "go.etcd.io"
        | "go.uber.org"
        | "google.golang.org"
        | "go.opentelemetry.io"
        | "honnef.co" => Some(2),
        _ => None,
    };
    if let Some(other) = stamped_package {
        let shared = segments
            .iter()
            .zip(other.split('/'))
            .take_while(|(a, b)| *a == b)
            .count();
        // The version variable lives in the program's own repository only when the paths
        // share at least that repository's root: Prometheus' exporters stamp
        // github.com/prometheus/common/version, which shares only the owner.
        let least = root.unwrap_or(2);
        if shared >= least && shared < segments.len() && segments[0].contains('.') {
            return segments[..shared].join("/");
        }
    }
    match root {
        Some(n) if segments.len() > n => segments[..n].join("/"),
        _ => path.to_string(),
    }
}

/// `yaml.v2`: gopkg.in's major-version suffix.
fn has_gopkg_version(segment: &str) -> bool {
    segment
        .rsplit_once(".v")
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// A version set at link time: `-X <package>.<name>=<value>` where the name says version and
/// the value is a semantic version; with the variable's package.
fn ldflags_version(flags: &str) -> Option<(String, String)> {
    let words: Vec<&str> = flags
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '\'' || c == '"'))
        .collect();
    words.iter().enumerate().find_map(|(i, word)| {
        let assignment = match word.strip_prefix("-X") {
            Some("") => words.get(i + 1)?,
            Some(rest) => rest.strip_prefix('=')?,
            None => return None,
        };
        let (name, value) = assignment.split_once('=')?;
        let (package, key) = name.rsplit_once('.')?;
        if !key.to_ascii_lowercase().contains("version") {
            return None;
        }
        let v = value.strip_prefix('v').unwrap_or(value);
        (semver_len(v.as_bytes()) == Some(v.len())).then(|| (package.to_string(), format!("v{v}")))
    })
}

/// The length of the semantic version (`1.2.3[-pre][+build]`, numbers without leading zeros)
/// at the start of `b`.
fn semver_len(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    for part in 0..3 {
        if part > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || (digits > 1 && b[i] == b'0') {
            return None;
        }
        i += digits;
    }
    for sep in [b'-', b'+'] {
        if b.get(i) == Some(&sep) {
            let n = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'.' || **c == b'-')
                .count();
            if n == 0 {
                return None;
            }
            i += 1 + n;
        }
    }
    Some(i)
}

/// The first NUL-delimited semantic version in the binary's read-only data (`\0v2.8.2+ds1\0`;
/// the whole file when it has no section headers): where the build info has no version, this
/// is how Syft finds one the build wrote into the program (Debian's docker-registry:
/// 2.8.2+ds1; Go keeps such strings in .rodata). Read in chunks that overlap by more than any
/// version is long.
pub fn embedded_version(elf: &Elf, file: &dyn ReadAt) -> Result<Option<String>, String> {
    const CHUNK: u64 = 4 << 20;
    const OVERLAP: u64 = 256;
    let (mut at, end) = match elf.section(".rodata") {
        Some(s) if !s.nobits => (s.offset, s.offset.saturating_add(s.size).min(file.size())),
        Some(_) => return Ok(None),
        None => (0, file.size()),
    };
    let mut buf = Vec::new();
    while at < end {
        let len = (end - at).min(CHUNK);
        buf.resize(len as usize, 0);
        file.read_at(at, &mut buf)
            .map_err(|e| format!("reading the binary: {e}"))?;
        let mut i = 0;
        while let Some(z) = buf[i..].iter().position(|&c| c == 0) {
            let start = i + z + 1;
            let body = &buf[start..];
            let v = usize::from(body.first() == Some(&b'v'));
            if let Some(n) = semver_len(&body[v..]) {
                if body.get(v + n) == Some(&0) {
                    let version = String::from_utf8_lossy(&body[v..v + n]);
                    return Ok(Some(format!("v{version}")));
                }
            }
            i = start;
        }
        if at + len >= end {
            break;
        }
        at += len - OVERLAP;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_aligned_blob() {
        let mut data = vec![0u8; 40];
        data[3..3 + MAGIC.len()].copy_from_slice(MAGIC); // unaligned: skipped
        data.extend(std::iter::repeat_n(0, 8));
        let at = data.len();
        assert_eq!(at % ALIGN, 0);
        data.extend_from_slice(MAGIC);
        data.extend([8, 2]);
        data.extend([0; 16]);
        assert_eq!(
            find_blob(&data).map(|b| b.as_ptr()),
            Some(data[at..].as_ptr())
        );
        assert!(find_blob(&data[..at + 20]).is_none()); // no whole header
    }

    #[test]
    fn parses_modules_with_replacements() {
        let text = "path\texample.com/app/cmd/app\nmod\texample.com/app\t(devel)\t\n=>\texample.com/other\tv1.0.0\t\ndep\tgolang.org/x/mod\tv0.7.0\th1:abc=\ndep\tgithub.com/a/b\tv1.0.0\th1:x=\n=>\tgithub.com/fork/b\tv1.0.1\th1:y=\ndep\tgithub.com/c/d\tv2.0.0\t\n=>\t../d\t(devel)\t\nbuild\t-compiler=gc\n";
        let pairs: Vec<(String, String)> = dependencies(text)
            .into_iter()
            .map(|m| (m.path, m.version))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("golang.org/x/mod", "v0.7.0"),
                ("github.com/fork/b", "v1.0.1"),
                ("github.com/c/d", "v2.0.0"),
            ]
        );
        let main = main_program(text).unwrap();
        assert_eq!(
            (main.module.as_str(), main.version),
            ("example.com/app", None)
        );
    }

    #[test]
    fn main_program_version() {
        let gopath = "path\tgithub.com/x/y/cmd/y\nbuild\t-ldflags=\"-s -X 'github.com/x/y/version.Version=1.4.0-rc.1'\"\n";
        assert_eq!(
            main_program(gopath),
            Some(MainProgram {
                module: "github.com/x/y".into(),
                version: Some("v1.4.0-rc.1".into()),
                package: Some("github.com/x/y/cmd/y".into()),
            })
        );
        let module = "path\tex.com/a\nmod\tex.com/a\tv0.3.0\th1:z=\n";
        assert_eq!(
            main_program(module),
            Some(MainProgram {
                module: "ex.com/a".into(),
                version: Some("v0.3.0".into()),
                package: None,
            })
        );
        assert_eq!(
            ldflags_version("-X main.commit=1.2.3 -X=main.version=v2.0.1"),
            Some(("main".into(), "v2.0.1".into()))
        );
        assert_eq!(ldflags_version("-X main.version=dev"), None);
        assert_eq!(main_program("build\tGOOS=linux\n"), None);
    }

    /// Issue 11: Debian builds its Go programs in GOPATH mode, so the build info names only the
    /// main package; advisories name the module (Syft names it the same way).
    #[test]
    fn gopath_builds_are_named_by_their_module() {
        let registry = "path\tgithub.com/docker/distribution/cmd/registry\nbuild\t-trimpath=true\n";
        let main = main_program(registry).unwrap();
        assert_eq!(main.module, "github.com/docker/distribution");
        assert_eq!(
            main.package.as_deref(),
            Some("github.com/docker/distribution/cmd/registry")
        );
        for (path, stamped, want) in [
            ("go.etcd.io/etcd", None, "go.etcd.io/etcd"),
            ("k8s.io/kubernetes/cmd/kubelet", None, "k8s.io/kubernetes"),
            (
                "golang.org/x/tools/cmd/goimports",
                None,
                "golang.org/x/tools",
            ),
            ("gopkg.in/yaml.v2/cmd", None, "gopkg.in/yaml.v2"),
            (
                "gopkg.in/go-playground/validator.v9/x",
                None,
                "gopkg.in/go-playground/validator.v9",
            ),
            (
                "example.com/a/cmd/b",
                Some("example.com/a/version"),
                "example.com/a",
            ),
            ("example.com/a/cmd/b", Some("main"), "example.com/a/cmd/b"),
            ("example.com/a/cmd/b", None, "example.com/a/cmd/b"),
            ("github.com/x/y", None, "github.com/x/y"),
            // A dependency's version package shares only the owner: the repository decides.
            (
                "github.com/prometheus/prometheus/cmd/prometheus",
                Some("github.com/prometheus/common/version"),
                "github.com/prometheus/prometheus",
            ),
            (
                "github.com/prometheus/node_exporter",
                Some("github.com/prometheus/common/version"),
                "github.com/prometheus/node_exporter",
            ),
            ("golang.org/dl/go1.21", None, "golang.org/dl/go1.21"),
            ("main", None, "main"),
        ] {
            assert_eq!(module_of_package(path, stamped), want, "{path}");
        }
    }

    #[test]
    fn finds_embedded_versions() {
        let mut data = b"\x7fELF\x0001.2.3\0 \0v1.2\0\x001.2.3-\0".to_vec();
        data.extend(std::iter::repeat_n(b'x', 5 << 20));
        data.extend(b"\x002.8.2+ds1\x00");
        let no_sections = Elf {
            sections: Vec::new(),
            segments: Vec::new(),
        };
        let file = palisade_image::Bytes(&data);
        assert_eq!(
            embedded_version(&no_sections, &file).unwrap(),
            Some("v2.8.2+ds1".into())
        );
        let short = palisade_image::Bytes(b"\x001.2\x00");
        assert_eq!(embedded_version(&no_sections, &short).unwrap(), None);
        assert_eq!(semver_len(b"10.0.1-alpha.1+b.2\0"), Some(18));
    }
}
