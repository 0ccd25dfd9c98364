//! The embedded store: one SQLite file in WAL mode (readers never wait for the writer;
//! concurrent writers wait for each other).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::migrate::{self, MAX_SBOM, SCHEMA_VERSION};
use crate::{
    queries, repository, Affected, Counts, FindingKey, ImageSummary, Match, NewFinding,
    RepositoryCounts, Scan, ScanKind, ScanSummary, Storage, StoreError, Tag,
};

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating, or migrating from an earlier version) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
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
        // In WAL mode a commit is durable once the log is synced at a checkpoint; a power cut
        // may lose the last scans, never corrupt the file.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        // Read and migrate under one write lock.
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
        migrate::migrate(&tx, found).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction holding the write lock from its start: one that read first and
    /// wrote later would fail at once (not wait) when another process wrote in between.
    fn write(&self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn json<T: serde::Serialize + ?Sized>(
        &self,
        digest: &str,
        value: &T,
    ) -> Result<String, StoreError> {
        serde_json::to_string(value).map_err(|e| StoreError::Damaged {
            path: self.path.clone(),
            digest: digest.to_string(),
            reason: format!("serializing: {e}"),
        })
    }

    /// Inserts a scan row and its findings (inside the caller's transaction).
    fn insert_scan(
        &self,
        tx: &rusqlite::Transaction<'_>,
        digest: &str,
        name: Option<&str>,
        kind: ScanKind,
        m: &Match,
    ) -> Result<i64, StoreError> {
        let checked = self.json(digest, &m.checked)?;
        let row = ScanInsert {
            digest,
            name,
            kind,
            scanned: &m.scanned,
            db_built: &m.db_built,
            checked: Some(&checked),
        };
        insert_scan(tx, &row, &m.findings).map_err(|e| self.err(e))
    }

    fn scan_from(&self, row: Option<ScanRow>) -> Result<Option<Scan>, StoreError> {
        let Some(row) = row else { return Ok(None) };
        let kind = ScanKind::parse(&row.kind);
        let checked = row
            .checked
            .map(|c| serde_json::from_str::<Vec<String>>(&c))
            .transpose()
            .map_err(|e| StoreError::Damaged {
                path: self.path.clone(),
                digest: row.digest.clone(),
                reason: format!("scan {}: the checked ecosystems are not JSON: {e}", row.id),
            })?;
        let findings = stored_findings(&self.conn, row.findings_of).map_err(|e| self.err(e))?;
        Ok(Some(Scan {
            id: row.id,
            digest: row.digest,
            name: row.name,
            kind,
            scanned: row.scanned,
            db_built: row.db_built,
            checked,
            findings,
        }))
    }

    fn one_scan(&self, sql: &str, p: impl rusqlite::Params) -> Result<Option<Scan>, StoreError> {
        let row = self
            .conn
            .prepare(sql)
            .and_then(|mut s| s.query_row(p, scan_row).optional())
            .map_err(|e| self.err(e))?;
        self.scan_from(row)
    }

    fn tags(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Tag>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(p, |r| {
                Ok(Tag {
                    name: r.get(0)?,
                    repository: r.get(1)?,
                    digest: r.get(2)?,
                    since: r.get(3)?,
                    until: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    fn names_of(&self, digest: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(queries::NAMES_OF)
            .map_err(|e| self.err(e))?;
        let names = stmt
            .query_map(params![digest], |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
            .map_err(|e| self.err(e))?;
        Ok(names)
    }

    fn invalid(&self, what: &str, reason: &str) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// A scan row as written: by a store, or by a migration carrying an old row over.
pub(crate) struct ScanInsert<'a> {
    pub digest: &'a str,
    pub name: Option<&'a str>,
    pub kind: ScanKind,
    pub scanned: &'a str,
    pub db_built: &'a str,
    /// The consulted ecosystems as JSON; `None` where an old store did not record them.
    pub checked: Option<&'a str>,
}

/// Writes a scan row and makes it its image's latest; writes its findings, their aliases and
/// its severity counts, unless they are what the image's latest scan found: then it shares
/// that scan's rows.
pub(crate) fn insert_scan(
    tx: &rusqlite::Transaction<'_>,
    row: &ScanInsert<'_>,
    findings: &[FindingKey],
) -> rusqlite::Result<i64> {
    let previous: Option<i64> = tx
        .query_row(queries::LATEST_FINDINGS, params![row.digest], |r| r.get(0))
        .optional()?
        .flatten();
    let id: i64 = tx.query_row(
        queries::PUT_SCAN,
        params![
            row.digest,
            row.name,
            row.kind.name(),
            row.scanned,
            row.db_built,
            row.checked
        ],
        |r| r.get(0),
    )?;
    let shared = match previous {
        Some(p) if same(&stored_findings(tx, p)?, findings) => Some(p),
        _ => None,
    };
    let findings_of = shared.unwrap_or(id);
    tx.execute(queries::SET_FINDINGS_OF, params![findings_of, id])?;
    tx.execute(queries::SET_LATEST, params![id, findings_of, row.digest])?;
    if shared.is_some() {
        return Ok(id);
    }
    let mut put = tx.prepare(queries::PUT_FINDING)?;
    let mut counts = Counts::new();
    // Aliases belong to the vulnerability: written once however many packages have it.
    let mut aliases = BTreeSet::new();
    for f in findings {
        *counts.entry(f.severity.clone()).or_default() += 1;
        put.execute(params![
            id,
            f.id,
            f.package_type,
            f.package,
            f.version,
            f.path,
            f.fixed,
            f.severity,
            f.status
        ])?;
        aliases.extend(f.aliases.iter().map(|a| (&f.id, a)));
    }
    let mut put = tx.prepare(queries::PUT_ALIAS)?;
    for (vuln, alias) in aliases {
        put.execute(params![id, vuln, alias])?;
    }
    let mut put = tx.prepare(queries::PUT_COUNT)?;
    for (severity, n) in counts {
        put.execute(params![id, severity, n as i64])?;
    }
    Ok(id)
}

/// The findings stored under scan `id`, with their aliases, as `normalized` orders them.
fn stored_findings(conn: &Connection, id: i64) -> rusqlite::Result<Vec<FindingKey>> {
    let mut findings = conn
        .prepare(queries::FINDINGS_OF)?
        .query_map(params![id], finding)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(queries::ALIASES_OF)?;
    let mut rows = stmt.query(params![id])?;
    let mut aliases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        aliases.entry(r.get(0)?).or_default().insert(r.get(1)?);
    }
    for f in &mut findings {
        if let Some(a) = aliases.get(&f.id) {
            f.aliases = a.iter().cloned().collect();
        }
    }
    // Ordered here, not by SQL: a server's collation need not be byte order.
    findings.sort();
    Ok(findings)
}

/// Findings as they read back from the store: each with every alias of its vulnerability
/// (once, in order), sorted.
fn normalized(findings: &[FindingKey]) -> Vec<FindingKey> {
    let mut aliases: BTreeMap<&str, BTreeSet<&String>> = BTreeMap::new();
    for f in findings {
        aliases.entry(&f.id).or_default().extend(&f.aliases);
    }
    let mut out: Vec<FindingKey> = findings
        .iter()
        .map(|f| FindingKey {
            aliases: aliases
                .get(f.id.as_str())
                .map(|a| a.iter().map(|s| (*s).clone()).collect())
                .unwrap_or_default(),
            ..f.clone()
        })
        .collect();
    out.sort();
    out
}

/// Whether `new` are the findings `stored` holds.
fn same(stored: &[FindingKey], new: &[FindingKey]) -> bool {
    stored == normalized(new).as_slice()
}

struct ScanRow {
    id: i64,
    digest: String,
    name: Option<String>,
    kind: String,
    scanned: String,
    db_built: String,
    checked: Option<String>,
    findings_of: i64,
}

fn scan_row(r: &Row<'_>) -> rusqlite::Result<ScanRow> {
    Ok(ScanRow {
        id: r.get(0)?,
        digest: r.get(1)?,
        name: r.get(2)?,
        kind: r.get(3)?,
        scanned: r.get(4)?,
        db_built: r.get(5)?,
        checked: r.get(6)?,
        findings_of: r.get(7)?,
    })
}

/// A finding from its columns, starting at `at`.
fn finding_at(r: &Row<'_>, at: usize) -> rusqlite::Result<FindingKey> {
    Ok(FindingKey {
        id: r.get(at)?,
        package_type: r.get(at + 1)?,
        package: r.get(at + 2)?,
        version: r.get(at + 3)?,
        path: r.get(at + 4)?,
        fixed: r.get(at + 5)?,
        severity: r.get(at + 6)?,
        status: r.get(at + 7)?,
        aliases: Vec::new(),
    })
}

fn finding(r: &Row<'_>) -> rusqlite::Result<FindingKey> {
    finding_at(r, 0)
}

impl Storage for SqliteStore {
    fn put_scan(
        &self,
        digest: &str,
        name: &str,
        sbom: &[u8],
        m: &Match,
    ) -> Result<i64, StoreError> {
        if digest.is_empty() || name.is_empty() {
            return Err(self.invalid("scan", "an image needs a digest and a name"));
        }
        let compressed = zstd::bulk::compress(sbom, 3).map_err(|e| StoreError::Damaged {
            path: self.path.clone(),
            digest: digest.to_string(),
            reason: format!("compressing the SBOM: {e}"),
        })?;
        let tx = self.write()?;
        tx.execute(queries::PUT_IMAGE, params![digest, compressed, m.scanned])
            .map_err(|e| self.err(e))?;
        let now: Option<String> = tx
            .query_row(queries::TAG_NOW, params![name], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        if now.as_deref() != Some(digest) {
            tx.execute(queries::END_TAG, params![m.scanned, name])
                .map_err(|e| self.err(e))?;
            tx.execute(
                queries::PUT_TAG,
                params![name, repository(name), digest, m.scanned],
            )
            .map_err(|e| self.err(e))?;
        }
        let id = self.insert_scan(&tx, digest, Some(name), ScanKind::Scan, m)?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    fn put_rescan(&self, digest: &str, m: &Match) -> Result<i64, StoreError> {
        let tx = self.write()?;
        let known: i64 = tx
            .query_row(queries::HAS_IMAGE, params![digest], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if known == 0 {
            return Err(self.invalid(digest, "no such image in the store"));
        }
        let id = self.insert_scan(&tx, digest, None, ScanKind::Rescan, m)?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    fn current(&self) -> Result<Vec<Tag>, StoreError> {
        self.tags(queries::CURRENT, [])
    }

    fn sbom(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(compressed) = self
            .conn
            .query_row(queries::SBOM, params![digest], |r| r.get::<_, Vec<u8>>(0))
            .optional()
            .map_err(|e| self.err(e))?
        else {
            return Ok(None);
        };
        // The store's own data, but the file may be damaged: cap what it inflates to.
        let mut out = Vec::new();
        zstd::stream::read::Decoder::new(compressed.as_slice())
            .and_then(|d| d.take(MAX_SBOM).read_to_end(&mut out))
            .map_err(|e| StoreError::Damaged {
                path: self.path.clone(),
                digest: digest.to_string(),
                reason: format!("the SBOM does not decompress: {e}"),
            })?;
        Ok(Some(out))
    }

    fn latest(&self, digest: &str) -> Result<Option<Scan>, StoreError> {
        self.one_scan(&queries::latest(), params![digest])
    }

    fn as_of(&self, digest: &str, time: &str) -> Result<Option<Scan>, StoreError> {
        self.one_scan(&queries::as_of(), params![digest, time])
    }

    fn scans(&self, digest: &str) -> Result<Vec<ScanSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(queries::SCANS_OF)
            .map_err(|e| self.err(e))?;
        let mut out: Vec<ScanSummary> = Vec::new();
        let mut rows = stmt.query(params![digest]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let row = (|| {
                let id: i64 = r.get(0)?;
                let kind: String = r.get(3)?;
                let severity: Option<String> = r.get(6)?;
                let n: Option<i64> = r.get(7)?;
                if out.last().is_none_or(|s| s.id != id) {
                    out.push(ScanSummary {
                        id,
                        digest: r.get(1)?,
                        name: r.get(2)?,
                        kind: ScanKind::parse(&kind),
                        scanned: r.get(4)?,
                        db_built: r.get(5)?,
                        counts: Counts::new(),
                    });
                }
                if let (Some(sev), Some(n), Some(last)) = (severity, n, out.last_mut()) {
                    last.counts.insert(sev, n as u64);
                }
                Ok(())
            })();
            row.map_err(|e| self.err(e))?;
        }
        Ok(out)
    }

    fn images(&self) -> Result<Vec<ImageSummary>, StoreError> {
        let rows = {
            let mut stmt = self
                .conn
                .prepare(queries::IMAGES)
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| self.err(e))?;
            rows
        };
        // Names and counts for all images at once: two queries, not two per image.
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for tag in self.current()? {
            names.entry(tag.digest).or_default().push(tag.name);
        }
        let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(queries::LATEST_COUNTS)
                .map_err(|e| self.err(e))?;
            let mut q = stmt.query([]).map_err(|e| self.err(e))?;
            while let Some(r) = q.next().map_err(|e| self.err(e))? {
                let (digest, severity, n) = (|| {
                    Ok::<_, rusqlite::Error>((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })()
                .map_err(|e| self.err(e))?;
                counts.entry(digest).or_default().insert(severity, n as u64);
            }
        }
        Ok(rows
            .into_iter()
            .map(
                |(digest, first_scanned, last_scanned, db_built, scans, _)| ImageSummary {
                    names: names.remove(&digest).unwrap_or_default(),
                    counts: counts.remove(&digest).unwrap_or_default(),
                    digest,
                    scans: scans as u64,
                    first_scanned,
                    last_scanned,
                    db_built,
                },
            )
            .collect())
    }

    fn history(&self, name: &str) -> Result<Vec<Tag>, StoreError> {
        self.tags(queries::HISTORY, params![name])
    }

    fn affected(&self, id: &str) -> Result<Vec<Affected>, StoreError> {
        let rows = {
            let mut stmt = self
                .conn
                .prepare(queries::AFFECTED)
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map(params![id, id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        finding_at(r, 2)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| self.err(e))?;
            rows
        };
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        rows.into_iter()
            .map(|(digest, scanned, finding)| {
                if !names.contains_key(&digest) {
                    names.insert(digest.clone(), self.names_of(&digest)?);
                }
                Ok(Affected {
                    names: names[&digest].clone(),
                    digest,
                    scanned,
                    finding,
                })
            })
            .collect()
    }

    fn new_since(&self, db_built: &str) -> Result<Vec<NewFinding>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(queries::NEW_SINCE)
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![db_built], |r| {
                Ok(NewFinding {
                    digest: r.get(0)?,
                    finding: finding_at(r, 1)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    fn counts_by_repository(&self) -> Result<Vec<RepositoryCounts>, StoreError> {
        let mut out: BTreeMap<String, RepositoryCounts> = BTreeMap::new();
        let mut images = self
            .conn
            .prepare(queries::IMAGES_BY_REPOSITORY)
            .map_err(|e| self.err(e))?;
        let rows = images
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        for (repository, n) in rows {
            out.insert(
                repository.clone(),
                RepositoryCounts {
                    repository,
                    images: n as u64,
                    counts: Counts::new(),
                },
            );
        }
        let mut counts = self
            .conn
            .prepare(queries::COUNTS_BY_REPOSITORY)
            .map_err(|e| self.err(e))?;
        let rows = counts
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        for (repository, severity, n) in rows {
            if let Some(r) = out.get_mut(&repository) {
                r.counts.insert(severity, n as u64);
            }
        }
        Ok(out.into_values().collect())
    }
}
