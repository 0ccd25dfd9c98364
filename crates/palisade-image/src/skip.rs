//! What a read leaves out: directories and files named by glob (`--skip-dirs`, `--skip-files`,
//! with Trivy's names and its doublestar semantics), and on a host's root the trees that are
//! not the system's own files.

/// Globs of directories and files to leave out, matched against the path inside the target
/// (`usr/lib/x`, no leading slash; a pattern's leading `/` or `./` is ignored, as Trivy does).
/// A skipped directory takes everything under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skip {
    pub dirs: Vec<String>,
    pub files: Vec<String>,
    /// Reading `/`: also read `run` and other file systems mounted under it, which are left
    /// out by default (`proc`, `sys` and `dev` are never read).
    pub all_mounts: bool,
}

/// A pattern as matched: `/`, `./` and trailing `/` trimmed.
fn clean(pattern: &str) -> &str {
    let mut p = pattern;
    loop {
        let q = p.trim_start_matches('/');
        let q = q.strip_prefix("./").unwrap_or(q);
        if q == p {
            break;
        }
        p = q;
    }
    p.trim_end_matches('/')
}

impl Skip {
    /// Whether the directory at `path` is skipped, with everything under it.
    pub fn dir(&self, path: &str) -> bool {
        self.dirs.iter().any(|g| glob_match(clean(g), path))
    }

    /// Whether the file (any non-directory) at `path` is skipped.
    pub fn file(&self, path: &str) -> bool {
        self.files.iter().any(|g| glob_match(clean(g), path))
    }

    /// Whether a layer entry is skipped: it or a directory above it is a skipped directory, or
    /// it is a skipped file. Layers need not list their directories, so every ancestor is
    /// tried.
    pub(crate) fn entry(&self, path: &str, is_dir: bool) -> bool {
        if self.dirs.is_empty() && self.files.is_empty() {
            return false;
        }
        let ancestors = path.match_indices('/').map(|(i, _)| &path[..i]);
        if ancestors.into_iter().any(|a| self.dir(a)) {
            return true;
        }
        if is_dir {
            self.dir(path)
        } else {
            self.file(path)
        }
    }

    /// What the skips add to the cache key of layer reads ("" when nothing is skipped).
    pub(crate) fn recipe(&self) -> String {
        use sha2::Digest;
        if self.dirs.is_empty() && self.files.is_empty() {
            return String::new();
        }
        let mut h = sha2::Sha256::new();
        for (kind, list) in [("d", &self.dirs), ("f", &self.files)] {
            for g in list {
                h.update(format!("{kind}{}\0", clean(g)));
            }
        }
        let hex = format!("{:x}", h.finalize());
        format!("-skip{}", &hex[..16])
    }
}

/// Whether `path` matches the glob `pattern`, segment by segment as doublestar does: `**` as a
/// whole segment matches any number of segments (none included); within a segment `*` matches
/// any run of characters, `?` one, `[a-z]`/`[!a]` a class, and `\` escapes the next character.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    match_segments(&pat, &segs)
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| match_segments(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, more)) => {
                let (p, s): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
                match_segment(&p, &s) && match_segments(rest, more)
            }
            None => false,
        },
    }
}

/// One segment; `*` backtracks, but segments are short.
fn match_segment(p: &[char], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('*', rest)) => (0..=s.len()).any(|i| match_segment(rest, &s[i..])),
        Some(('?', rest)) => !s.is_empty() && match_segment(rest, &s[1..]),
        Some(('[', rest)) => {
            let Some((&c, more)) = s.split_first() else {
                return false;
            };
            match class(rest, c) {
                Some((true, after)) => match_segment(after, more),
                Some((false, _)) => false,
                // No closing bracket: a literal `[`.
                None => c == '[' && match_segment(rest, more),
            }
        }
        Some(('\\', rest)) if !rest.is_empty() => {
            s.first() == Some(&rest[0]) && match_segment(&rest[1..], &s[1..])
        }
        Some((c, rest)) => s.first() == Some(c) && match_segment(rest, &s[1..]),
    }
}

/// A bracket class after its `[`: whether `c` is in it, and the pattern after its `]`.
fn class(p: &[char], c: char) -> Option<(bool, &[char])> {
    let (negated, mut i) = match p.first() {
        Some('!' | '^') => (true, 1),
        _ => (false, 0),
    };
    let mut found = false;
    let mut first = true;
    while let Some(&x) = p.get(i) {
        if x == ']' && !first {
            return Some((found != negated, &p[i + 1..]));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            found |= (x..=p[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= x == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_doublestar_does() {
        for (pattern, path, matches) in [
            ("usr/lib/ruby", "usr/lib/ruby", true),
            ("usr/lib/ruby", "usr/lib/ruby2", false),
            ("**/node_modules", "node_modules", true),
            ("**/node_modules", "srv/app/node_modules", true),
            ("**/node_modules", "srv/app/node_modules/x", false),
            ("srv/**", "srv/a/b", true),
            ("srv/*/test", "srv/a/test", true),
            ("srv/*/test", "srv/a/b/test", false),
            ("srv/**/test", "srv/a/b/test", true),
            ("*.jar", "a.jar", true),
            ("*.jar", "lib/a.jar", false),
            ("**/*.jar", "lib/a.jar", true),
            ("lib/?.jar", "lib/a.jar", true),
            ("lib/?.jar", "lib/ab.jar", false),
            ("lib/[a-c].jar", "lib/b.jar", true),
            ("lib/[!a-c].jar", "lib/b.jar", false),
            ("lib/[!a-c].jar", "lib/d.jar", true),
            ("lib/\\*.jar", "lib/*.jar", true),
            ("lib/\\*.jar", "lib/a.jar", false),
        ] {
            assert_eq!(glob_match(pattern, path), matches, "{pattern} {path}");
        }
    }

    #[test]
    fn skipped_directories_take_their_contents() {
        let skip = Skip {
            dirs: vec!["/srv/**/cache".into(), "./tmp/".into()],
            files: vec!["**/*.lock".into()],
            all_mounts: false,
        };
        assert!(skip.entry("tmp", true));
        assert!(skip.entry("tmp/a/b.json", false));
        assert!(skip.entry("srv/app/cache/x/package.json", false));
        assert!(skip.entry("srv/Cargo.lock", false));
        assert!(
            !skip.entry("srv/Cargo.lock", true),
            "a file pattern skips files only"
        );
        assert!(!skip.entry("srv/app/package.json", false));
        assert!(!skip.entry("tmpx/a", false));
        assert!(Skip::default().recipe().is_empty());
        assert_ne!(skip.recipe(), "");
    }
}
