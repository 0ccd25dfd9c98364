//! The local store: every scanned image's SBOM (Palisade JSON, zstd-compressed) and the
//! findings last reported for it, in one SQLite file, so `palisade rescan` can match stored
//! images against a new database without touching a registry. The controller of a later issue
//! shares this shape. One row per image name; a re-scan replaces it.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// A finding as the store remembers it: enough to tell new and fixed ones apart and to report
/// them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FindingKey {
    pub id: String,
    pub package: String,
    pub version: String,
    pub fixed: Option<String>,
    pub severity: String,
    pub status: String,
}

/// One stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The image name as scanned (`registry/repo:tag`).
    pub name: String,
    pub digest: Option<String>,
    /// When it was scanned, and when its findings were last matched (RFC 3339).
    pub scanned: String,
    pub matched: String,
    /// Build time of the database the findings come from.
    pub db_built: String,
    /// The SBOM in Palisade's JSON.
    pub sbom: Vec<u8>,
    pub findings: Vec<FindingKey>,
    /// The ecosystems whose advisories the findings' match consulted (`Debian:12`, `PyPI`), so
    /// a later match against a database that lacks one can say so; `None` for records written
    /// before this was kept.
    pub checked: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("store {path}: schema version {found} is newer than this palisade reads ({SCHEMA_VERSION}); upgrade palisade")]
    Newer { path: PathBuf, found: i64 },
    #[error("store {path}: image {name}: {reason}")]
    Damaged {
        path: PathBuf,
        name: String,
        reason: String,
    },
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The schema this version writes; `user_version` holds it. Version 2 added `checked`.
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS images (
    name     TEXT PRIMARY KEY,
    digest   TEXT,
    scanned  TEXT NOT NULL,
    matched  TEXT NOT NULL,
    db_built TEXT NOT NULL,
    sbom     BLOB NOT NULL,
    findings TEXT NOT NULL,
    checked  TEXT
);
";

impl Store {
    /// Opens (creating) the store. Concurrent writers wait for each other (WAL, busy timeout).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // Read and migrate under one write lock, so two processes opening an old store at
        // once migrate it once, and a failure leaves the file as it was.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let found: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found,
            });
        }
        if found < SCHEMA_VERSION {
            // Version 1 stores gain the `checked` column. Asked of the table itself, not of
            // `user_version`: a version 1 binary opening a newer store writes 1 back.
            tx.execute_batch(SCHEMA).map_err(err)?;
            let has_checked: bool = tx
                .query_row(
                    "SELECT COUNT(*) FROM pragma_table_info('images') WHERE name = 'checked'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(err)?
                > 0;
            if !has_checked {
                tx.execute_batch("ALTER TABLE images ADD COLUMN checked TEXT;")
                    .map_err(err)?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Stores (or replaces) an image's record.
    pub fn put(&self, r: &Record) -> Result<(), StoreError> {
        let sbom = zstd::encode_all(r.sbom.as_slice(), 3).map_err(|e| StoreError::Damaged {
            path: self.path.clone(),
            name: r.name.clone(),
            reason: format!("compressing the SBOM: {e}"),
        })?;
        let findings = self.json(&r.name, &r.findings)?;
        let checked = r
            .checked
            .as_ref()
            .map(|c| self.json(&r.name, c))
            .transpose()?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO images (name, digest, scanned, matched, db_built, sbom, findings, checked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![r.name, r.digest, r.scanned, r.matched, r.db_built, sbom, findings, checked],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn json<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<String, StoreError> {
        serde_json::to_string(value).map_err(|e| StoreError::Damaged {
            path: self.path.clone(),
            name: name.to_string(),
            reason: format!("serializing: {e}"),
        })
    }

    /// Records a new match of a stored image: its findings and the ecosystems it consulted.
    pub fn set_findings(
        &self,
        name: &str,
        findings: &[FindingKey],
        checked: &[String],
        matched: &str,
        db_built: &str,
    ) -> Result<(), StoreError> {
        let json = self.json(name, findings)?;
        let checked = self.json(name, checked)?;
        self.conn
            .execute(
                "UPDATE images SET findings = ?2, checked = ?3, matched = ?4, db_built = ?5 WHERE name = ?1",
                params![name, json, checked, matched, db_built],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Names of every stored image, sorted.
    pub fn names(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM images ORDER BY name")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    pub fn get(&self, name: &str) -> Result<Option<Record>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT name, digest, scanned, matched, db_built, sbom, findings, checked FROM images WHERE name = ?1",
                params![name],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, Vec<u8>>(5)?,
                        row.get::<_, String>(6)?,
                        row.get::<_, Option<String>>(7)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((name, digest, scanned, matched, db_built, sbom, findings, checked)) = row else {
            return Ok(None);
        };
        let damaged = |reason: String| StoreError::Damaged {
            path: self.path.clone(),
            name: name.clone(),
            reason,
        };
        // Stored SBOMs are ours, but the file may be damaged: cap what it inflates to.
        let mut out = Vec::new();
        use std::io::Read;
        zstd::stream::read::Decoder::new(sbom.as_slice())
            .and_then(|d| d.take(1 << 30).read_to_end(&mut out))
            .map_err(|e| damaged(format!("the SBOM does not decompress: {e}")))?;
        let findings: Vec<FindingKey> = serde_json::from_str(&findings)
            .map_err(|e| damaged(format!("the findings are not JSON: {e}")))?;
        let checked: Option<Vec<String>> = checked
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(|e| damaged(format!("the checked ecosystems are not JSON: {e}")))?;
        Ok(Some(Record {
            name,
            digest,
            scanned,
            matched,
            db_built,
            sbom: out,
            findings,
            checked,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_replaces_and_updates() {
        let path = std::env::temp_dir().join(format!("palisade-store-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let store = Store::open(&path).unwrap();
        let f = FindingKey {
            id: "CVE-1".into(),
            package: "a".into(),
            version: "1".into(),
            fixed: Some("2".into()),
            severity: "HIGH".into(),
            status: "fixed".into(),
        };
        let mut r = Record {
            name: "r/x:1".into(),
            digest: Some("sha256:00".into()),
            scanned: "t1".into(),
            matched: "t1".into(),
            db_built: "d1".into(),
            sbom: br#"{"packages":[]}"#.to_vec(),
            findings: vec![f.clone()],
            checked: Some(vec!["Debian:12".into()]),
        };
        store.put(&r).unwrap();
        assert_eq!(store.get("r/x:1").unwrap().unwrap(), r);
        r.digest = Some("sha256:11".into());
        store.put(&r).unwrap();
        assert_eq!(store.names().unwrap(), ["r/x:1"]);
        store
            .set_findings("r/x:1", &[], &["PyPI".into()], "t2", "d2")
            .unwrap();
        let back = store.get("r/x:1").unwrap().unwrap();
        assert_eq!(
            (
                back.findings.len(),
                back.matched.as_str(),
                back.db_built.as_str()
            ),
            (0, "t2", "d2")
        );
        assert_eq!(back.checked, Some(vec!["PyPI".to_string()]));
        assert!(store.get("nope").unwrap().is_none());
        drop(store);
        // Reopened, it is all still there.
        assert_eq!(Store::open(&path).unwrap().names().unwrap().len(), 1);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }

    /// A store written by the version before `checked` existed opens, keeps its rows, and
    /// gains the column.
    #[test]
    fn version_1_stores_are_migrated() {
        let path =
            std::env::temp_dir().join(format!("palisade-store-v1-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE images (name TEXT PRIMARY KEY, digest TEXT, scanned TEXT NOT NULL,
                 matched TEXT NOT NULL, db_built TEXT NOT NULL, sbom BLOB NOT NULL,
                 findings TEXT NOT NULL);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        let sbom = zstd::encode_all(&b"{}"[..], 3).unwrap();
        conn.execute(
            "INSERT INTO images VALUES ('r/x:1', NULL, 't', 't', 'd', ?1, '[]')",
            params![sbom],
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let r = store.get("r/x:1").unwrap().unwrap();
        assert_eq!((r.sbom.as_slice(), r.checked), (&b"{}"[..], None));
        store
            .set_findings("r/x:1", &[], &["Go".into()], "t2", "d2")
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.get("r/x:1").unwrap().unwrap().checked,
            Some(vec!["Go".to_string()])
        );
        let v: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        drop(store);
        // A version 1 binary opening it writes user_version 1 back: it still opens.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 1;").unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert!(store.get("r/x:1").unwrap().unwrap().checked.is_some());
        drop(store);
        // A newer store is refused, not rewritten.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 9;").unwrap();
        drop(conn);
        let e = Store::open(&path).err().unwrap().to_string();
        assert!(e.contains("schema version 9"), "{e}");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
}
