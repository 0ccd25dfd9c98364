//! What a scan could not do, said inside the report itself: files that were not read (a broken
//! lock file, a package database over the read limit, a directory that could not be opened) and
//! warnings about the result (an old database, an end-of-life release, packages not checked).
//! A file is shown inside its target, `TARGET:/sub/package-lock.json`, never as `/sub/...`,
//! which reads as a file of the machine that ran the scan.

use std::collections::BTreeSet;

/// How bad it is. A file that could not be read is an error: the packages it lists are
/// missing from the report. The rest are warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gravity {
    Error,
    Warning,
}

impl Gravity {
    pub fn name(self) -> &'static str {
        match self {
            Gravity::Error => "error",
            Gravity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub gravity: Gravity,
    /// The file inside the target it is about (`/sub/package-lock.json`; an archive's member as
    /// `/app.war:WEB-INF/lib/x.jar`): a file not read, or not wholly.
    pub path: Option<String>,
    /// As shown: `TARGET:/sub/package-lock.json: reason`, or the warning itself.
    pub text: String,
}

impl Diagnostic {
    /// A cataloguer's error, `/PATH: reason` (every cataloguer names its file first): an error
    /// about a file of `target`.
    pub fn catalog_error(target: &str, message: &str) -> Diagnostic {
        match message.split_once(": ") {
            Some((path, reason)) if path.starts_with('/') => {
                Diagnostic::file(Gravity::Error, target, path.to_string(), reason)
            }
            _ => Diagnostic {
                gravity: Gravity::Error,
                path: None,
                text: format!("{target}: {message}"),
            },
        }
    }

    /// A problem reading a file of the target, as the image reader says it: `layer NAME: PATH:
    /// reason` for an image's layer, `PATH: reason` for a root filesystem (PATH under `root`,
    /// the directory as given, or relative to it).
    pub fn read_problem(target: &str, root: Option<&str>, message: &str) -> Diagnostic {
        let (layer, rest) = match message
            .strip_prefix("layer ")
            .and_then(|m| m.split_once(": "))
        {
            Some((layer, rest)) => (Some(layer), rest),
            None => (None, message),
        };
        let Some((path, reason)) = rest.split_once(": ") else {
            return Diagnostic {
                gravity: Gravity::Warning,
                path: None,
                text: format!("{target}: {message}"),
            };
        };
        // The root joined to the path (`ROOT/sub`), or the path alone; never a name that
        // merely begins like the root (`application.lock` under the root `app`).
        let inside = match root.filter(|_| layer.is_none()) {
            Some(r) => match path.strip_prefix(r) {
                Some(rest) if r.ends_with('/') || rest.starts_with('/') => rest,
                _ => path,
            },
            None => path,
        };
        let path = format!("/{}", inside.trim_start_matches('/'));
        let reason = match layer {
            Some(l) => format!("{reason} (layer {l})"),
            None => reason.to_string(),
        };
        Diagnostic::file(Gravity::Warning, target, path, &reason)
    }

    /// A warning about the scan as a whole.
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            gravity: Gravity::Warning,
            path: None,
            text: message.into(),
        }
    }

    fn file(gravity: Gravity, target: &str, path: String, reason: &str) -> Diagnostic {
        // The host's own root: its paths are already what the user knows (`/tmp/x`, not
        // `/:/tmp/x`).
        let text = if target == "/" {
            format!("{path}: {reason}")
        } else {
            format!("{target}:{path}: {reason}")
        };
        Diagnostic {
            gravity,
            text,
            path: Some(path),
        }
    }

    /// The file a report locates it at: the outermost archive for an archive's member
    /// (`/app.war` for `/app.war:WEB-INF/lib/x.jar`).
    pub fn file_path(&self) -> Option<&str> {
        self.path
            .as_deref()
            .map(|p| p.split(':').next().unwrap_or(p))
    }

    /// A file not read (or not wholly): every error, and the warnings that name a file.
    pub fn is_file_not_read(&self) -> bool {
        self.gravity == Gravity::Error || self.path.is_some()
    }
}

/// How many distinct files were not read (or not wholly).
pub fn files_not_read(diagnostics: &[Diagnostic]) -> usize {
    let unread = diagnostics.iter().filter(|d| d.is_file_not_read());
    let named: BTreeSet<&str> = unread.clone().filter_map(Diagnostic::file_path).collect();
    named.len() + unread.filter(|d| d.path.is_none()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_inside_their_target() {
        let d = Diagnostic::catalog_error(
            "oci:img:1",
            "/sub/package-lock.json: not a package-lock.json this version reads: line 1",
        );
        assert_eq!(d.gravity, Gravity::Error);
        assert_eq!(d.path.as_deref(), Some("/sub/package-lock.json"));
        assert_eq!(
            d.text,
            "oci:img:1:/sub/package-lock.json: not a package-lock.json this version reads: line 1"
        );
        // An archive's member: the report locates it at the archive.
        let d = Diagnostic::catalog_error("dir", "/app.war:WEB-INF/lib/x.jar: truncated");
        assert_eq!(d.text, "dir:/app.war:WEB-INF/lib/x.jar: truncated");
        assert_eq!(d.file_path(), Some("/app.war"));
        // A message that names no file is still the target's.
        let d = Diagnostic::catalog_error("dir", "something odd");
        assert_eq!((d.path, d.text.as_str()), (None, "dir: something odd"));

        let d = Diagnostic::read_problem(
            "oci:img:1",
            None,
            "layer sha256:ab12: usr/lib/big.jar: 9 bytes is over the read limit of 8 bytes; not read",
        );
        assert_eq!(d.gravity, Gravity::Warning);
        assert_eq!(
            d.text,
            "oci:img:1:/usr/lib/big.jar: 9 bytes is over the read limit of 8 bytes; not read (layer sha256:ab12)"
        );
        for (root, message) in [
            (
                "/srv/root",
                "/srv/root/etc/secret: Permission denied; skipped",
            ),
            (
                "/srv/root/",
                "/srv/root/etc/secret: Permission denied; skipped",
            ),
            ("./root", "./root/etc/secret: Permission denied; skipped"),
            ("/srv/root", "etc/secret: Permission denied; skipped"),
        ] {
            let d = Diagnostic::read_problem(root, Some(root), message);
            assert_eq!(d.path.as_deref(), Some("/etc/secret"), "{message}");
            assert_eq!(
                d.text,
                format!("{root}:/etc/secret: Permission denied; skipped")
            );
        }
        let d = Diagnostic::read_problem("app", Some("app"), "application.lock: 9 bytes; not read");
        assert_eq!(d.path.as_deref(), Some("/application.lock"));
        let d = Diagnostic::read_problem("/", Some("/"), "/proc/1: Permission denied; skipped");
        assert_eq!(d.text, "/proc/1: Permission denied; skipped");
    }

    #[test]
    fn the_hosts_root_names_files_by_their_own_paths() {
        let d = Diagnostic::catalog_error("/", "/srv/app/package-lock.json: not JSON");
        assert_eq!(d.text, "/srv/app/package-lock.json: not JSON");
    }

    #[test]
    fn files_not_read_are_counted_once() {
        let d = [
            Diagnostic::catalog_error("t", "/a.jar:x.jar: bad"),
            Diagnostic::catalog_error("t", "/a.jar:y.jar: bad"),
            Diagnostic::catalog_error("t", "/var/lib/dpkg/status: line 3: no Package"),
            Diagnostic::warning("the database is old"),
        ];
        assert_eq!(files_not_read(&d), 2);
    }
}
