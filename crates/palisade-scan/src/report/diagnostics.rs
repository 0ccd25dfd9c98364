//! What a scan could not do, said inside the report itself: files that were not read (a broken
//! lock file, a package database over the read limit, a directory that could not be opened) and
//! warnings about the result (an old database, an end-of-life release, packages not checked).
//! A file is shown inside its target, `TARGET:/sub/package-lock.json`, never as `/sub/...`,
//! which reads as a file of the machine that ran the scan.

use palisade_core::diagnostic::{Remedy, Severity};
use palisade_core::Diagnostic;

/// A diagnostic and its text as the report shows it: inside the target, with the remedy as
/// the caller names it (a CLI flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub diagnostic: Diagnostic,
    pub text: String,
}

impl Shown {
    pub fn new(target: &str, diagnostic: Diagnostic, hint: &dyn Fn(&Remedy) -> String) -> Shown {
        Shown {
            text: diagnostic.render(target, hint),
            diagnostic,
        }
    }

    pub fn severity(&self) -> Severity {
        self.diagnostic.severity
    }

    /// The file a report locates it at (the outermost archive for an archive's member).
    pub fn file_path(&self) -> Option<&str> {
        self.diagnostic.file_path()
    }

    pub fn is_file_not_read(&self) -> bool {
        self.diagnostic.is_file_not_read()
    }
}

/// How many distinct files were not read (or not wholly).
pub fn files_not_read(shown: &[Shown]) -> usize {
    palisade_core::diagnostic::files_not_read(shown.iter().map(|s| &s.diagnostic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::diagnostic::{Limit, Source};

    fn hint(r: &Remedy) -> String {
        format!("{r:?}")
    }

    fn shown(target: &str, d: Diagnostic) -> String {
        Shown::new(target, d, &hint).text
    }

    #[test]
    fn files_are_named_inside_their_target() {
        let d = Diagnostic::unread(
            "/sub/package-lock.json",
            "not a package-lock.json this version reads: line 1",
        );
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(
            shown("oci:img:1", d),
            "oci:img:1:/sub/package-lock.json: not a package-lock.json this version reads: line 1"
        );
        // An archive's member: the report locates it at the archive.
        let d = Diagnostic::unread("/app.war:WEB-INF/lib/x.jar", "truncated");
        assert_eq!(d.file_path(), Some("/app.war"));
        assert_eq!(shown("dir", d), "dir:/app.war:WEB-INF/lib/x.jar: truncated");
        // A cataloguer's message that names no file is still the target's.
        let d = Diagnostic::error(Source::Catalog, "something odd");
        assert_eq!(shown("dir", d), "dir: something odd");
        // A read problem in a layer, with its remedy.
        let d = Diagnostic::file(
            Severity::Warning,
            Source::Read,
            "usr/lib/big.jar",
            "9 bytes is over the read limit of 8 bytes; not read",
        )
        .in_layer("sha256:ab12")
        .with_remedy(Remedy::RaiseLimit {
            limit: Limit::ReadBytes,
        });
        assert_eq!(
            shown("oci:img:1", d),
            "oci:img:1:/usr/lib/big.jar: 9 bytes is over the read limit of 8 bytes; not read \
             (layer sha256:ab12) (RaiseLimit { limit: ReadBytes })"
        );
        // A warning about the scan as a whole is said as it is.
        let d = Diagnostic::warning(Source::Database, "the database is old");
        assert_eq!(shown("dir", d), "the database is old");
    }

    #[test]
    fn the_hosts_root_names_files_by_their_own_paths() {
        let d = Diagnostic::unread("srv/app/package-lock.json", "not JSON");
        assert_eq!(shown("/", d), "/srv/app/package-lock.json: not JSON");
    }

    #[test]
    fn files_not_read_are_counted_once() {
        let d: Vec<Shown> = [
            Diagnostic::unread("/a.jar:x.jar", "bad"),
            Diagnostic::unread("/a.jar:y.jar", "bad"),
            Diagnostic::unread("/var/lib/dpkg/status", "line 3: no Package"),
            Diagnostic::warning(Source::Database, "the database is old"),
        ]
        .into_iter()
        .map(|d| Shown::new("t", d, &hint))
        .collect();
        assert_eq!(files_not_read(&d), 2);
    }
}
