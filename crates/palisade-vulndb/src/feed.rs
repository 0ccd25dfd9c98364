//! Finding feeds in files and directories, recognising their format, and importing them, so
//! `palisade db build --from DIR` needs no per-feed flags.
//!
//! An input is a feed pack (`*.tar.zst` as in `../shared/feeds`, or `*.tar.gz` as GitHub
//! serves repository archives), a single feed file
//! (`*.json`, `*.yaml`, `*.xml`, `*.xml.bz2`), or a directory searched for both. Each input
//! becomes one provenance record: its digest, size, upstream commit, formats and counts.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::db::{BuildInput, Provenance};
use crate::{
    alpine, debian_oval, debian_tracker, kev, npm_legacy, nvd, osv, pack, rustsec, FeedError,
    Import,
};

/// Largest single feed file read outside a pack (the tracker's JSON is about 80 MB).
const MAX_FILE: u64 = 1 << 30;

/// The formats `import_member` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OsvJson,
    OsvYaml,
    AlpineSecdb,
    DebianOval,
    DebianTracker,
    NpmLegacy,
    RustsecNative,
    /// CISA's Known Exploited Vulnerabilities catalog.
    CisaKev,
    /// NVD's CVE API 2.0 responses (CVSS data per CVE).
    NvdCve,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::OsvJson => "osv-json",
            Format::OsvYaml => "osv-yaml",
            Format::AlpineSecdb => "alpine-secdb",
            Format::DebianOval => "debian-oval",
            Format::DebianTracker => "debian-tracker",
            Format::NpmLegacy => "nodejs-security-wg",
            Format::RustsecNative => "rustsec",
            Format::CisaKev => "cisa-kev",
            Format::NvdCve => "nvd-cve-api",
        }
    }
}

/// Files worth opening, by name.
fn feed_like(name: &str) -> bool {
    let name = compression(name).map_or(name, |(inner, _)| inner);
    [".json", ".yaml", ".yml", ".xml", ".xml.bz2", ".md"]
        .iter()
        .any(|s| name.ends_with(s))
        || name == "json"
}

/// A single JSON feed file compressed whole (`nvd.json.gz`, `page.json.zst`; not a pack):
/// its name without the suffix, and whether it is zstd (else gzip).
fn compression(name: &str) -> Option<(&str, bool)> {
    [(".json.gz", false), (".json.zst", true)]
        .into_iter()
        .find(|(s, _)| name.ends_with(s))
        .map(|(s, zstd)| (&name[..name.len() - s.len() + 5], zstd))
}

/// The bytes of a feed file, decompressed when its name says it is compressed, capped at
/// `limit` bytes decompressed.
fn decompress<'a>(
    name: &str,
    data: &'a [u8],
    limit: u64,
) -> Result<std::borrow::Cow<'a, [u8]>, String> {
    let Some((_, zstd)) = compression(name) else {
        return Ok(std::borrow::Cow::Borrowed(data));
    };
    let mut out = Vec::new();
    let read = if zstd {
        zstd::stream::read::Decoder::new(data).and_then(|d| d.take(limit + 1).read_to_end(&mut out))
    } else {
        flate2::read::GzDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out)
    };
    match read {
        Err(e) => Err(format!("cannot decompress: {e}")),
        Ok(_) if out.len() as u64 > limit => Err(format!("larger than {limit} bytes decompressed")),
        Ok(_) => Ok(std::borrow::Cow::Owned(out)),
    }
}

/// The format of a feed file, from its name and a look at its content.
pub fn classify(name: &str, data: &[u8]) -> Option<Format> {
    let name = compression(name).map_or(name, |(inner, _)| inner);
    if name.ends_with(".xml") || name.ends_with(".xml.bz2") {
        return Some(Format::DebianOval);
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        return Some(Format::OsvYaml);
    }
    if name.ends_with(".md") {
        let head = &data[..data.len().min(64)];
        let text = String::from_utf8_lossy(head);
        return text
            .trim_start()
            .starts_with("```toml")
            .then_some(Format::RustsecNative);
    }
    if !(name.ends_with(".json") || name.ends_with("/json") || name == "json") {
        return None;
    }
    let keys = top_level_keys(data)?;
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("catalogVersion") && has("vulnerabilities") {
        Some(Format::CisaKev)
    } else if has("vulnerabilities")
        && (has("resultsPerPage") || has("totalResults") || has("format"))
    {
        Some(Format::NvdCve)
    } else if has("distroversion") && has("packages") {
        Some(Format::AlpineSecdb)
    } else if has("module_name") {
        Some(Format::NpmLegacy)
    } else if has("id") && (has("affected") || has("modified") || has("schema_version")) {
        Some(Format::OsvJson)
    } else if !has("id")
        && !keys.is_empty()
        && contains(&data[..data.len().min(1 << 20)], b"\"releases\"")
    {
        Some(Format::DebianTracker)
    } else {
        None
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The keys of a top-level JSON object (up to 64 of them), or `None` if it is not one.
fn top_level_keys(data: &[u8]) -> Option<Vec<String>> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        if keys.len() < 64 {
                            keys.push(k);
                        }
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_slice::<Keys>(data).ok().map(|k| k.0)
}

/// Imports one feed file's bytes in `format`; `record` names it in findings and messages.
pub fn import_member(format: Format, data: &[u8], record: &str, out: &mut Import) {
    match format {
        Format::OsvJson => osv::import_json(data, &format!("osv:{record}"), out),
        Format::OsvYaml => osv::import_yaml(data, &format!("osv:{record}"), out),
        Format::AlpineSecdb => alpine::import(data, record, out),
        Format::DebianOval if record.ends_with(".bz2") => {
            debian_oval::import_bz2(data, record, out)
        }
        Format::DebianOval => debian_oval::import(data, record, out),
        Format::DebianTracker => debian_tracker::import(data, record, out),
        Format::NpmLegacy => npm_legacy::import(data, record, out),
        Format::RustsecNative => rustsec::import(data, record, out),
        Format::CisaKev => kev::import(data, record, out),
        Format::NvdCve => nvd::import(data, record, out),
    }
}

/// Everything found at `path` (a pack, a feed file, or a directory of them), one input per
/// pack or file. Files that are not feeds (READMEs, licences) are passed over.
pub fn import_path(path: &Path) -> Result<Vec<BuildInput>, FeedError> {
    let io = |source| FeedError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![import_file(path)?]);
    }
    let mut files = Vec::new();
    walk(path, &mut files, 0).map_err(io)?;
    files.sort();
    let mut inputs = Vec::new();
    for f in files {
        let name = f.to_string_lossy();
        // Markdown is only read inside packs: beside them it is a README.
        if pack::is_pack(&name) || (feed_like(&name) && !name.ends_with(".md")) {
            inputs.push(import_file(&f)?);
        }
    }
    if inputs.is_empty() {
        return Err(FeedError::Record {
            record: path.display().to_string(),
            reason: "no feed packs (*.tar.zst) or feed files found".into(),
        });
    }
    Ok(inputs)
}

/// Directories deeper than this are not searched (and a link loop ends here).
const MAX_DEPTH: usize = 8;

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        // Follow symbolic links: a directory of links to packs is a natural way to pick feeds.
        let kind = std::fs::metadata(&path)?.file_type();
        if kind.is_dir() {
            walk(&path, out, depth + 1)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Imports one pack or feed file.
pub fn import_file(path: &Path) -> Result<BuildInput, FeedError> {
    import_file_filtered(path, &|_| true)
}

/// Imports one pack, reading only the members whose path `member` accepts (a repository
/// archive holds more than its advisories: reports, workflows, tests), or one feed file.
pub fn import_file_filtered(
    path: &Path,
    member: &dyn Fn(&str) -> bool,
) -> Result<BuildInput, FeedError> {
    let shown = path.display().to_string();
    let io = |source| FeedError::Io {
        path: shown.clone(),
        source,
    };
    let (sha256, bytes) = digest(path).map_err(io)?;
    let file_name = path
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let mut import = Import::default();
    let mut formats: Vec<&str> = Vec::new();
    let mut unknown = Vec::new();
    let mut records = 0;
    // `name` is the member's path in a pack, or the file's own name.
    let mut seen = |name: &str, record: String, data: &[u8], import: &mut Import| {
        let data = match decompress(name, data, MAX_FILE) {
            Ok(d) => d,
            Err(e) => return import.skipped.push(format!("{record}: {e}")),
        };
        match classify(name, &data) {
            Some(format) => {
                let before = (import.advisories.len(), import.nvd.len());
                import_member(format, &data, &record, import);
                records += 1;
                let read = import.advisories.len() > before.0
                    || import.nvd.len() > before.1
                    || (format == Format::CisaKev && import.known_exploited.is_some());
                if read && !formats.contains(&format.name()) {
                    formats.push(format.name());
                }
            }
            None => unknown.push(name.to_string()),
        }
    };
    let (commit, data_date) = if pack::is_pack(&shown) {
        let wanted = |name: &str| feed_like_member(name) && member(name);
        let newest = pack::read_members(path, wanted, |name, data| {
            seen(name, format!("{file_name}:{name}"), data, &mut import)
        })?;
        (
            pack::commit(path),
            (newest > 0).then(|| palisade_core::time::date(newest)),
        )
    } else {
        let mut data = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut data))
            .map_err(io)?;
        if data.len() as u64 > MAX_FILE {
            return Err(FeedError::TooLarge {
                pack: shown,
                member: file_name,
                limit: MAX_FILE,
            });
        }
        seen(&file_name, file_name.clone(), &data, &mut import);
        // A lone file's modification time says when it was copied, not how old its data is.
        (None, None)
    };
    // Files the importers do not read are reported in bulk: a pack of Markdown advisories
    // (RustSec's native format) should not become a thousand lines.
    if !unknown.is_empty() {
        import.skipped.push(format!(
            "{file_name}: {} file(s) in no known feed format, e.g. {}",
            unknown.len(),
            unknown
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let skipped = import.skipped.len();
    // The Debian tracker outranks OVAL; RustSec's own OSV export outranks our reading of its
    // native files (they agree; the native files still add advisories the export lacks).
    let priority = if formats.contains(&Format::DebianTracker.name()) {
        2
    } else if formats.contains(&Format::RustsecNative.name()) {
        0
    } else {
        1
    };
    Ok(BuildInput {
        provenance: Provenance {
            location: shown,
            formats: formats.into_iter().map(String::from).collect(),
            sha256,
            bytes,
            commit,
            data_date,
            // Filled in by the build, from the advisories it keeps.
            ecosystems: Vec::new(),
            records,
            skipped,
            skipped_examples: import.skipped.iter().take(20).cloned().collect(),
        },
        import,
        priority,
    })
}

fn feed_like_member(name: &str) -> bool {
    feed_like(name.rsplit('/').next().unwrap_or(name))
}

fn digest(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((h.finalize().iter().map(|b| format!("{b:02x}")).collect(), n))
}
