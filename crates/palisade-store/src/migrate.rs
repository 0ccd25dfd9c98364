//! Schema versions and the migrations between them. `user_version` holds the version; every
//! migration runs in the transaction that opened the store, so a failure leaves the file as
//! it was and two processes opening an old store migrate it once.
//!
//! - 1: one row per image name (`images`: name, digest, times, SBOM, findings as JSON).
//! - 2: 1 plus the ecosystems a match consulted (`checked`).
//! - 3: images by digest, names with history (`tags`), a row per scan, a row per finding.
//! - 4: 3, with a scan that found what the one before it found sharing its findings rows
//!   (`scans.findings_of`, `images.latest_findings`).

use std::collections::BTreeMap;
use std::io::Read;

use rusqlite::{params, Transaction};

use crate::sqlite::{insert_scan, ScanInsert};
use crate::{queries, repository, FindingKey, ScanKind};

/// The schema this version writes.
pub const SCHEMA_VERSION: i64 = 4;

/// Largest SBOM inflated while migrating (the store's own data, but the file may be damaged).
pub const MAX_SBOM: u64 = 1 << 30;

/// Brings the store in `tx` from version `found` to [`SCHEMA_VERSION`].
pub fn migrate(tx: &Transaction<'_>, found: i64) -> rusqlite::Result<()> {
    if found >= SCHEMA_VERSION {
        return Ok(());
    }
    // A version 1 or 2 store has `images` keyed by name. Asked of the table itself, not of
    // `user_version`: a version 1 binary opening a version 2 store wrote 1 back.
    let has = |table: &str, column: &str| -> rusqlite::Result<bool> {
        tx.query_row(
            "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
            params![table, column],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
    };
    if has("scans", "id")? {
        // Version 3: every scan has its own findings.
        if !has("scans", "findings_of")? {
            tx.execute_batch(queries::TO_V4)?;
        }
        return tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"));
    }
    let old = has("images", "name")?;
    if old {
        if !has("images", "checked")? {
            tx.execute_batch("ALTER TABLE images ADD COLUMN checked TEXT;")?;
        }
        tx.execute_batch("ALTER TABLE images RENAME TO images_v2;")?;
    }
    tx.execute_batch(queries::SCHEMA)?;
    if old {
        from_v2(tx)?;
        tx.execute_batch("DROP TABLE images_v2;")?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
}

/// Copies each name's row into the new tables: the image by its digest (`unknown:NAME` where
/// none was recorded), the name pointing at it since it was scanned, and its last match as a
/// scan with its findings. Findings did not record their package's type or path: they are
/// taken from the stored SBOM where its name tells them apart, else left empty.
fn from_v2(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut rows = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT name, digest, scanned, matched, db_built, sbom, findings, checked
             FROM images_v2 ORDER BY matched, name",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.push((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Vec<u8>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
            ));
        }
    }
    for (name, digest, scanned, matched, db_built, sbom, findings, checked) in rows {
        let digest = digest.unwrap_or_else(|| format!("unknown:{name}"));
        // The compressed SBOM moves as it is. Rows come oldest match first, so scan ids are
        // in time order, an image under several names ends with its newest match as latest
        // and its newest SBOM, and keeps its earliest scan time.
        tx.execute(queries::PUT_IMAGE, params![digest, sbom, scanned])?;
        tx.execute(
            queries::PUT_TAG,
            params![name, repository(&name), digest, scanned],
        )?;
        // Unreadable findings were unreadable before too: the scan stays, without them.
        let mut findings: Vec<FindingKey> = serde_json::from_str(&findings).unwrap_or_default();
        let index = sbom_index(&sbom);
        for f in &mut findings {
            if let Some(seen) = index.get(&f.package) {
                let one = |pick: fn(&(String, String)) -> &String| {
                    let mut all = seen.iter().map(pick);
                    let first = all.next().cloned().unwrap_or_default();
                    match all.all(|x| *x == first) {
                        true => first,
                        false => String::new(),
                    }
                };
                f.package_type = one(|p| &p.0);
                f.path = one(|p| &p.1);
            }
        }
        let row = ScanInsert {
            digest: &digest,
            name: Some(&name),
            kind: ScanKind::Scan,
            scanned: &matched,
            db_built: &db_built,
            checked: checked.as_deref(),
        };
        insert_scan(tx, &row, &findings)?;
    }
    Ok(())
}

/// Package name -> (type, path) of each package of that name in a stored (zstd-compressed
/// Palisade JSON) SBOM; empty if it does not read.
fn sbom_index(compressed: &[u8]) -> BTreeMap<String, Vec<(String, String)>> {
    #[derive(serde::Deserialize)]
    struct Doc {
        #[serde(default)]
        packages: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        #[serde(rename = "type")]
        package_type: String,
        location: Location,
    }
    #[derive(serde::Deserialize)]
    struct Location {
        path: String,
    }
    let mut json = Vec::new();
    let read = zstd::stream::read::Decoder::new(compressed)
        .and_then(|d| d.take(MAX_SBOM).read_to_end(&mut json));
    let Ok(doc) = read.map(|_| serde_json::from_slice::<Doc>(&json)) else {
        return BTreeMap::new();
    };
    let mut index: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for p in doc.map(|d| d.packages).unwrap_or_default() {
        index
            .entry(p.name)
            .or_default()
            .push((p.package_type, p.location.path));
    }
    index
}
