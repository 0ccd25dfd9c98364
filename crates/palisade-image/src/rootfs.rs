//! A plain root filesystem directory (an unpacked image, a mounted container root, the host).

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::sync::Arc;

use palisade_core::diagnostic::{Limit, Remedy, Source};
use palisade_core::Diagnostic;

use crate::probe::{DiskFile, Probe};
use crate::tree::{FileEntry, FileKind, FileTree};
use crate::{ImageError, ReadOptions};

/// Kernel pseudo-filesystems: never package content, and endless or slow to walk.
const SKIP_TOP: [&str; 3] = ["proc", "sys", "dev"];
/// Also left out of a host's root (`/`) unless all mounts are asked for: runtime state.
const SKIP_HOST: [&str; 1] = ["run"];

pub(crate) fn walk(
    root: &Path,
    opts: &ReadOptions<'_>,
    tree: &mut FileTree,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(), ImageError> {
    let (limits, wants, skip) = (&opts.limits, opts.wants, &opts.skip);
    let meta = fs::metadata(root).map_err(|e| ImageError::io(root, e))?;
    if !meta.is_dir() {
        return Err(ImageError::io(
            root,
            std::io::Error::other("not a directory"),
        ));
    }
    // A host's root: its other file systems (mounted media, network shares, a container
    // runtime's overlays) are not its own files, and are left out unless asked for.
    let host = !skip.all_mounts && fs::canonicalize(root).is_ok_and(|r| r == Path::new("/"));
    let root_dev = meta.dev();
    let mut mounts = Vec::new();
    let mut captured = 0u64;
    let mut stack = vec![String::new()];
    let mut count = 0usize;
    let stop = |stopped| ImageError::Stopped {
        image: root.display().to_string(),
        stopped,
    };
    while let Some(rel) = stack.pop() {
        opts.cancel.check().map_err(stop)?;
        let dir = root.join(&rel);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                diagnostics.push(Diagnostic::not_read(&rel, format!("{e}; skipped")));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    diagnostics.push(Diagnostic::not_read(&rel, format!("{e}; skipped")));
                    continue;
                }
            };
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                let shown = format!("{rel}/{}", name.to_string_lossy());
                diagnostics.push(Diagnostic::not_read(
                    &shown,
                    "a name that is not UTF-8; skipped",
                ));
                continue;
            };
            let path = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    diagnostics.push(Diagnostic::not_read(&path, format!("{e}; skipped")));
                    continue;
                }
            };
            count += 1;
            if count.is_multiple_of(4096) {
                opts.cancel.check().map_err(stop)?;
            }
            if count > limits.max_entries {
                return Err(ImageError::io(
                    root,
                    std::io::Error::other(format!("more than {} files", limits.max_entries)),
                )
                .with_remedy(Remedy::RaiseLimit {
                    limit: Limit::Entries,
                }));
            }
            let ft = meta.file_type();
            let kind = if ft.is_dir() {
                FileKind::Dir
            } else if ft.is_symlink() {
                FileKind::Symlink
            } else if ft.is_file() {
                FileKind::File
            } else if ft.is_block_device() || ft.is_char_device() || ft.is_fifo() || ft.is_socket()
            {
                FileKind::Special
            } else {
                continue;
            };
            let link = if kind == FileKind::Symlink {
                fs::read_link(entry.path())
                    .ok()
                    .map(|t| t.to_string_lossy().into_owned())
            } else {
                None
            };
            if kind == FileKind::Dir {
                let top = rel.is_empty()
                    && (SKIP_TOP.contains(&name) || (host && SKIP_HOST.contains(&name)));
                if top || skip.dir(&path) {
                    continue;
                }
                if host && meta.dev() != root_dev {
                    mounts.push(format!("/{path}"));
                    continue;
                }
            } else if skip.file(&path) {
                continue;
            }
            let mut content = None;
            let wanted = kind == FileKind::File && wants(&path);
            if wanted {
                if meta.len() > limits.max_read_bytes {
                    diagnostics.push(
                        Diagnostic::not_read(
                            &path,
                            format!(
                                "{} bytes is over the read limit of {} bytes; not read",
                                meta.len(),
                                limits.max_read_bytes
                            ),
                        )
                        .with_remedy(Remedy::RaiseLimit {
                            limit: Limit::ReadBytes,
                        }),
                    );
                } else {
                    let mut buf = Vec::new();
                    match fs::File::open(entry.path())
                        .and_then(|f| f.take(limits.max_read_bytes).read_to_end(&mut buf))
                    {
                        Ok(n) => {
                            captured = captured.saturating_add(n as u64);
                            if captured > limits.max_captured_bytes {
                                return Err(ImageError::Captured {
                                    image: root.display().to_string(),
                                    limit: limits.max_captured_bytes,
                                });
                            }
                            content = Some(Arc::from(buf));
                        }
                        Err(e) => {
                            diagnostics.push(Diagnostic::not_read(&path, format!("{e}; not read")))
                        }
                    }
                }
            }
            let mut probed = None;
            let selected = opts
                .probe
                .and_then(|p| Some((p, p.select(&path, meta.mode())?)));
            if let (Some((probe, magic)), FileKind::File, None) = (selected, kind, &content) {
                match probe_file(probe, magic, &path, &entry.path(), meta.len()) {
                    Ok(found) => probed = found.map(Arc::from),
                    Err(reason) => diagnostics.push(Diagnostic::not_read(&path, reason)),
                }
            }
            if kind == FileKind::Dir {
                stack.push(path.clone());
            }
            // A file no cataloguer reads, probes or looks for is not listed.
            if kind == FileKind::File && !wanted && probed.is_none() && !(opts.lists)(&path) {
                continue;
            }
            tree.insert(
                path,
                FileEntry {
                    kind,
                    size: meta.len(),
                    mode: meta.mode(),
                    layer: None,
                    link,
                    content,
                    probed,
                },
            );
        }
    }
    if !mounts.is_empty() {
        mounts.sort();
        diagnostics.push(
            Diagnostic::warning(
                Source::Read,
                format!(
                    "other file systems mounted under /, not read: {}",
                    mounts.join(", ")
                ),
            )
            .with_remedy(Remedy::AllMounts),
        );
    }
    Ok(())
}

/// Hands a file that starts with `magic` to the probe, read in place.
fn probe_file(
    probe: &dyn Probe,
    magic: &[u8],
    rel: &str,
    path: &Path,
    size: u64,
) -> Result<Option<Vec<u8>>, String> {
    if size < magic.len() as u64 {
        return Ok(None);
    }
    let file = fs::File::open(path).map_err(|e| format!("{e}; not probed"))?;
    let mut head = vec![0; magic.len()];
    if (&file).read_exact(&mut head).is_err() || head != magic {
        return Ok(None);
    }
    // Read in place, by offset: a probe reads headers and sections, never the whole file, so
    // no size limit applies (a 700 MB Go binary is read like a small one).
    probe.probe(rel, &DiskFile { file, size })
}
