//! The merged file view of an image: every path of the final filesystem with the layer it came
//! from, after whiteouts, plus the contents of the few files cataloguers asked for.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// Character or block device, FIFO or socket: recorded, never read.
    Special,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub kind: FileKind,
    pub size: u64,
    pub mode: u32,
    /// Index into `Image::layers`; `None` for a plain root filesystem.
    pub layer: Option<usize>,
    /// Symlink or hardlink target as recorded.
    pub link: Option<String>,
    /// The file's bytes, kept only for paths a cataloguer asked for.
    pub content: Option<Arc<[u8]>>,
    /// What the read's `Probe` extracted from this file, if it found anything.
    pub probed: Option<Arc<[u8]>>,
}

/// One entry of a single layer, before merging.
#[derive(Debug, Clone)]
pub(crate) enum LayerEntry {
    Add(String, FileEntry),
    /// `.wh.<name>`: hides `<name>` and everything under it in lower layers.
    Whiteout(String),
    /// `.wh..wh..opq`: hides the lower layers' children of this directory.
    Opaque(String),
}

/// One layer's version of a captured file: the layer index and its bytes (`None`: deleted).
pub type Version = (usize, Option<Arc<[u8]>>);

/// Normalised relative paths ("usr/lib/os-release", no leading slash) to entries.
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    /// Keys are boxed to their exact length: a host's root holds 700,000 paths, and a `String`
    /// built by `format!` can hold twice its length.
    entries: BTreeMap<Box<str>, FileEntry>,
    /// Every layer's version of each captured file the read's `history` names, oldest first;
    /// `None` where a layer deleted it. Cataloguers use it to tell the layer that introduced a
    /// package. Other files keep their final version only (overwritten copies are dropped).
    history: BTreeMap<String, Vec<Version>>,
}

/// Removes every path strictly under `dir` ("" is the root).
fn remove_children(entries: &mut BTreeMap<Box<str>, FileEntry>, dir: &str) {
    if dir.is_empty() {
        entries.clear();
        return;
    }
    let prefix = format!("{dir}/");
    let doomed: Vec<Box<str>> = entries
        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for k in doomed {
        entries.remove(k.as_ref());
    }
}

impl FileTree {
    /// Applies one layer on top of the tree as containerd does: the layer's whiteouts hide lower
    /// content only (OCI image spec, "Whiteouts"), then its entries are added; a non-directory
    /// replacing a directory takes the directory's children with it. Captured files that
    /// `history` names keep every layer's version.
    pub(crate) fn apply_layer(
        &mut self,
        layer: usize,
        entries: Vec<LayerEntry>,
        history: &dyn Fn(&str) -> bool,
    ) {
        for e in &entries {
            match e {
                LayerEntry::Whiteout(path) => {
                    self.entries.remove(path.as_str());
                    remove_children(&mut self.entries, path);
                }
                LayerEntry::Opaque(dir) => remove_children(&mut self.entries, dir),
                LayerEntry::Add(..) => {}
            }
        }
        // Captured files that this layer's whiteouts removed.
        for (path, versions) in self.history.iter_mut() {
            if !self.entries.contains_key(path.as_str())
                && versions.last().is_some_and(|(_, c)| c.is_some())
            {
                versions.push((layer, None));
            }
        }
        for e in entries {
            if let LayerEntry::Add(path, entry) = e {
                if entry.kind != FileKind::Dir
                    && self
                        .entries
                        .get(path.as_str())
                        .is_some_and(|old| old.kind == FileKind::Dir)
                {
                    remove_children(&mut self.entries, &path);
                }
                if let Some(content) = entry.content.as_ref().filter(|_| history(&path)) {
                    self.history
                        .entry(path.clone())
                        .or_default()
                        .push((layer, Some(content.clone())));
                }
                self.entries.insert(path.into_boxed_str(), entry);
            }
        }
    }

    /// Each layer's version of a captured file the read kept history for, oldest first
    /// (`None`: deleted by that layer); empty for others.
    pub fn history(&self, path: &str) -> &[Version] {
        self.history
            .get(path.trim_start_matches('/'))
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn insert(&mut self, path: String, entry: FileEntry) {
        self.entries.insert(path.into_boxed_str(), entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `path` itself (symlinks not followed). Leading slashes are ignored.
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.entries.get(path.trim_start_matches('/'))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &FileEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Direct and indirect entries under directory `dir`.
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a FileEntry)> + 'a {
        let prefix = format!("{}/", dir.trim_matches('/'));
        self.entries
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.as_ref(), v))
    }

    /// Follows symlinks (and hardlinks) as the kernel would inside a chroot of this tree: `..`
    /// stops at the root, absolute targets start from it. At most 40 hops, as Linux allows.
    pub fn resolve(&self, path: &str) -> Option<(String, &FileEntry)> {
        let mut pending: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(part);
            let here = done.join("/");
            // A directory with no entry of its own is still a directory (tars may omit them).
            let Some(entry) = self.entries.get(here.as_str()) else {
                continue;
            };
            let target = match entry.kind {
                FileKind::Symlink => entry.link.clone()?,
                // A hardlink's target is a path from the root of the layer.
                FileKind::Hardlink => format!("/{}", entry.link.clone()?),
                _ => continue,
            };
            hops += 1;
            if hops > 40 {
                return None;
            }
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            pending.extend(target.split('/').rev().map(str::to_string));
        }
        let here = done.join("/");
        self.entries.get(here.as_str()).map(|e| (here, e))
    }

    /// The captured bytes of `path`, following links.
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        self.resolve(path)?.1.content.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(layer: usize, text: &str) -> FileEntry {
        FileEntry {
            kind: FileKind::File,
            size: text.len() as u64,
            mode: 0o644,
            layer: Some(layer),
            link: None,
            content: Some(Arc::from(text.as_bytes())),
            probed: None,
        }
    }

    fn dir(layer: usize) -> FileEntry {
        FileEntry {
            kind: FileKind::Dir,
            size: 0,
            mode: 0o755,
            layer: Some(layer),
            link: None,
            content: None,
            probed: None,
        }
    }

    fn link(layer: usize, target: &str) -> FileEntry {
        FileEntry {
            kind: FileKind::Symlink,
            link: Some(target.into()),
            content: None,
            ..dir(layer)
        }
    }

    fn apply(t: &mut FileTree, layer: usize, entries: Vec<LayerEntry>) {
        t.apply_layer(layer, entries, &|p| p == "var/lib/dpkg/status");
    }

    fn add(p: &str, e: FileEntry) -> LayerEntry {
        LayerEntry::Add(p.into(), e)
    }

    #[test]
    fn whiteouts_hide_lower_layers_only() {
        let mut t = FileTree::default();
        apply(
            &mut t,
            0,
            vec![
                add("etc", dir(0)),
                add("etc/a", file(0, "a")),
                add("etc/b", file(0, "b")),
                add("opt", dir(0)),
                add("opt/x", file(0, "x")),
                add("opt/sub", dir(0)),
                add("opt/sub/y", file(0, "y")),
            ],
        );
        apply(
            &mut t,
            1,
            vec![
                LayerEntry::Whiteout("etc/a".into()),
                LayerEntry::Opaque("opt".into()),
                add("opt", dir(1)),
                add("opt/new", file(1, "n")),
                add("etc/c", file(1, "c")),
                // A whiteout in the same layer as a file does not hide that file.
                LayerEntry::Whiteout("etc/c".into()),
            ],
        );
        let paths: Vec<&str> = t.iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["etc", "etc/b", "etc/c", "opt", "opt/new"]);
        assert_eq!(t.get("etc/c").unwrap().layer, Some(1));
        assert_eq!(t.get("/etc/b").unwrap().layer, Some(0));
    }

    #[test]
    fn file_replacing_directory_drops_children() {
        let mut t = FileTree::default();
        apply(&mut t, 0, vec![add("d", dir(0)), add("d/f", file(0, "f"))]);
        apply(&mut t, 1, vec![add("d", file(1, "now a file"))]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.read("d"), Some(&b"now a file"[..]));
    }

    #[test]
    fn resolves_links_inside_the_root() {
        let mut t = FileTree::default();
        apply(
            &mut t,
            0,
            vec![
                add("usr", dir(0)),
                add("usr/lib", dir(0)),
                add("usr/lib/os-release", file(0, "ID=debian")),
                add("etc", dir(0)),
                add("etc/os-release", link(0, "../usr/lib/os-release")),
                add("lib", link(0, "usr/lib")),
                add("escape", link(0, "../../../../usr/lib/os-release")),
                add("loop", link(0, "loop")),
            ],
        );
        assert_eq!(t.read("etc/os-release"), Some(&b"ID=debian"[..]));
        assert_eq!(t.read("/lib/os-release"), Some(&b"ID=debian"[..]));
        assert_eq!(t.read("escape"), Some(&b"ID=debian"[..]));
        assert_eq!(t.read("loop"), None);
    }

    /// Issue 11: every layer's copy of every captured file was kept, overwritten or not. Only
    /// the databases whose layer of origin is computed keep their history now.
    #[test]
    fn history_is_kept_only_for_the_files_named() {
        let mut t = FileTree::default();
        for layer in 0..3 {
            let text = format!("v{layer}");
            apply(
                &mut t,
                layer,
                vec![
                    add("var/lib/dpkg/status", file(layer, &text)),
                    add("srv/package.json", file(layer, &text)),
                ],
            );
        }
        apply(
            &mut t,
            3,
            vec![LayerEntry::Whiteout("var/lib/dpkg/status".into())],
        );
        let layers: Vec<(usize, bool)> = t
            .history("var/lib/dpkg/status")
            .iter()
            .map(|(l, c)| (*l, c.is_some()))
            .collect();
        assert_eq!(layers, [(0, true), (1, true), (2, true), (3, false)]);
        assert!(t.history("srv/package.json").is_empty());
        assert_eq!(t.read("srv/package.json"), Some(&b"v2"[..]));
    }
}
