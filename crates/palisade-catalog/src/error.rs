/// Why a package database could not be read. Messages say where (line, page, tag); the
/// cataloguer adds the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// A line-oriented database (dpkg status, apk installed) is malformed at this line.
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: &'static str },
    #[error("rpm header: {0}")]
    RpmHeader(String),
    #[error("sqlite: {0}")]
    Sqlite(String),
    #[error("berkeley db: {0}")]
    BerkeleyDb(String),
}
