//! The store's tables and queries. Everything but the DDL's column types is SQL that SQLite
//! and PostgreSQL read alike: parameters are `$N` (numbered in order of first use, which is
//! how SQLite numbers them too), upserts are `ON CONFLICT`, new ids come from `RETURNING`.

/// Version 4 (SQLite types; PostgreSQL's differ only in `BYTEA` for `BLOB` and
/// `BIGINT GENERATED ALWAYS AS IDENTITY` for the scan id). A scan that found what its image's
/// previous scan found shares that scan's findings rows (`findings_of`): a daily rescan of an
/// unchanged image adds one row, not one per finding. `images.latest_findings` is the latest
/// scan's `findings_of`, indexed for the queries that join findings to latest scans.
pub const SCHEMA: &str = "
CREATE TABLE images (
    digest          TEXT PRIMARY KEY,
    sbom            BLOB NOT NULL,
    first_scanned   TEXT NOT NULL,
    latest_scan     BIGINT,
    latest_findings BIGINT
);
CREATE INDEX images_by_latest_scan ON images (latest_scan);
CREATE INDEX images_by_latest_findings ON images (latest_findings);
CREATE TABLE tags (
    name       TEXT NOT NULL,
    repository TEXT NOT NULL,
    digest     TEXT NOT NULL REFERENCES images (digest),
    since      TEXT NOT NULL,
    until      TEXT
);
CREATE INDEX tags_by_name ON tags (name, since);
CREATE UNIQUE INDEX tags_now ON tags (name) WHERE until IS NULL;
CREATE INDEX tags_by_digest ON tags (digest);
CREATE TABLE scans (
    id       INTEGER PRIMARY KEY,
    digest   TEXT NOT NULL REFERENCES images (digest),
    name     TEXT,
    kind     TEXT NOT NULL,
    scanned  TEXT NOT NULL,
    db_built TEXT NOT NULL,
    checked  TEXT,
    findings_of BIGINT
);
CREATE INDEX scans_by_digest ON scans (digest, id);
CREATE TABLE findings (
    scan         BIGINT NOT NULL REFERENCES scans (id),
    vuln         TEXT NOT NULL,
    package_type TEXT NOT NULL,
    package      TEXT NOT NULL,
    version      TEXT NOT NULL,
    path         TEXT NOT NULL,
    fixed        TEXT,
    severity     TEXT NOT NULL,
    status       TEXT NOT NULL
);
CREATE INDEX findings_by_scan ON findings (scan, vuln);
CREATE INDEX findings_by_vuln ON findings (vuln);
CREATE TABLE aliases (
    scan  BIGINT NOT NULL REFERENCES scans (id),
    vuln  TEXT NOT NULL,
    alias TEXT NOT NULL
);
CREATE INDEX aliases_by_alias ON aliases (alias);
CREATE INDEX aliases_by_scan ON aliases (scan);
CREATE TABLE severity_counts (
    scan     BIGINT NOT NULL REFERENCES scans (id),
    severity TEXT NOT NULL,
    n        BIGINT NOT NULL
);
CREATE INDEX severity_counts_by_scan ON severity_counts (scan);
";

/// An image's newest SBOM; its first scan time stays the earliest given (a migration may
/// bring an image's scans under several names in any order).
pub const PUT_IMAGE: &str = "INSERT INTO images (digest, sbom, first_scanned) VALUES ($1, $2, $3)
    ON CONFLICT (digest) DO UPDATE SET sbom = excluded.sbom,
        first_scanned = CASE WHEN excluded.first_scanned < images.first_scanned
                        THEN excluded.first_scanned ELSE images.first_scanned END";
/// From version 3: every scan had its own findings.
pub const TO_V4: &str = "
ALTER TABLE scans ADD COLUMN findings_of BIGINT;
UPDATE scans SET findings_of = id;
ALTER TABLE images ADD COLUMN latest_findings BIGINT;
UPDATE images SET latest_findings = latest_scan;
CREATE INDEX images_by_latest_findings ON images (latest_findings);
";
pub const TAG_NOW: &str = "SELECT digest FROM tags WHERE name = $1 AND until IS NULL";
pub const END_TAG: &str = "UPDATE tags SET until = $1 WHERE name = $2 AND until IS NULL";
pub const PUT_TAG: &str =
    "INSERT INTO tags (name, repository, digest, since, until) VALUES ($1, $2, $3, $4, NULL)";
pub const PUT_SCAN: &str = "INSERT INTO scans (digest, name, kind, scanned, db_built, checked)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
pub const PUT_ALIAS: &str = "INSERT INTO aliases (scan, vuln, alias) VALUES ($1, $2, $3)";
pub const ALIASES_OF: &str = "SELECT vuln, alias FROM aliases WHERE scan = $1 ORDER BY vuln, alias";
pub const PUT_FINDING: &str = "INSERT INTO findings
    (scan, vuln, package_type, package, version, path, fixed, severity, status)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// Each scan's findings counted by severity as it is stored, so listings and dashboards read
/// a few rows per image rather than every finding.
pub const PUT_COUNT: &str = "INSERT INTO severity_counts (scan, severity, n) VALUES ($1, $2, $3)";
pub const HAS_IMAGE: &str = "SELECT COUNT(*) FROM images WHERE digest = $1";
/// Kept with every new scan, so "each image's latest scan" is a join, not a search. Never
/// moved back: on a server whose writers do not queue (PostgreSQL), a scan committed after a
/// newer one of the same image leaves the newer one latest.
pub const SET_LATEST: &str = "UPDATE images SET latest_scan = $1, latest_findings = $2
    WHERE digest = $3 AND (latest_scan IS NULL OR latest_scan < $1)";
pub const LATEST_FINDINGS: &str = "SELECT latest_findings FROM images WHERE digest = $1";
pub const SET_FINDINGS_OF: &str = "UPDATE scans SET findings_of = $1 WHERE id = $2";

pub const CURRENT: &str = "SELECT name, repository, digest, since, until FROM tags
    WHERE until IS NULL ORDER BY name";
pub const HISTORY: &str = "SELECT name, repository, digest, since, until FROM tags
    WHERE name = $1 ORDER BY since, until IS NULL, until";
pub const NAMES_OF: &str =
    "SELECT name FROM tags WHERE digest = $1 AND until IS NULL ORDER BY name";
pub const SBOM: &str = "SELECT sbom FROM images WHERE digest = $1";

const SCAN_COLUMNS: &str = "id, digest, name, kind, scanned, db_built, checked, findings_of";
pub fn latest() -> String {
    format!("SELECT {SCAN_COLUMNS} FROM scans WHERE id = (SELECT latest_scan FROM images WHERE digest = $1)")
}
pub fn as_of() -> String {
    format!(
        "SELECT {SCAN_COLUMNS} FROM scans WHERE digest = $1 AND scanned <= $2
         ORDER BY id DESC LIMIT 1"
    )
}
pub const FINDINGS_OF: &str = "SELECT vuln, package_type, package, version, path, fixed,
    severity, status FROM findings WHERE scan = $1";
pub const SCANS_OF: &str = "SELECT s.id, s.digest, s.name, s.kind, s.scanned, s.db_built,
    c.severity, c.n FROM scans s LEFT JOIN severity_counts c ON c.scan = s.findings_of
    WHERE s.digest = $1 ORDER BY s.id, c.severity";

/// Each image's latest scan, with its first and last scan times and scan count.
pub const IMAGES: &str = "SELECT i.digest, i.first_scanned, s.scanned, s.db_built,
    (SELECT COUNT(*) FROM scans c WHERE c.digest = i.digest), s.id
    FROM images i JOIN scans s ON s.id = i.latest_scan
    ORDER BY i.digest";
/// The severity counts of every image's latest scan.
pub const LATEST_COUNTS: &str = "SELECT i.digest, c.severity, c.n
    FROM images i JOIN severity_counts c ON c.scan = i.latest_findings";

/// By the finding's id, or by one of its aliases (two indexed lookups, not a scan).
pub const AFFECTED: &str = "SELECT s.digest, s.scanned, f.vuln, f.package_type, f.package,
    f.version, f.path, f.fixed, f.severity, f.status
    FROM findings f JOIN images i ON i.latest_findings = f.scan
    JOIN scans s ON s.id = i.latest_scan
    WHERE f.vuln = $1
    UNION
    SELECT s.digest, s.scanned, f.vuln, f.package_type, f.package,
    f.version, f.path, f.fixed, f.severity, f.status
    FROM aliases a JOIN images i ON i.latest_findings = a.scan
    JOIN findings f ON f.scan = a.scan AND f.vuln = a.vuln JOIN scans s ON s.id = i.latest_scan
    WHERE a.alias = $2
    ORDER BY 1, 4, 5, 6, 7";

/// Findings of each latest scan with no equal in that image's latest scan against a
/// database built at or before `$1` (a finding migrated without its package type equals any
/// type).
pub const NEW_SINCE: &str = "SELECT i.digest, f.vuln, f.package_type, f.package, f.version,
    f.path, f.fixed, f.severity, f.status
    FROM (SELECT digest, latest_findings,
                 (SELECT findings_of FROM scans p WHERE p.id =
                     (SELECT MAX(id) FROM scans q WHERE q.digest = images.digest
                      AND q.db_built <= $1)) AS base
          FROM images) i
    JOIN findings f ON f.scan = i.latest_findings
    WHERE i.base IS NOT NULL AND i.base <> i.latest_findings
      AND NOT EXISTS (SELECT 1 FROM findings o WHERE o.scan = i.base AND o.vuln = f.vuln
                      AND (o.package_type = f.package_type OR o.package_type = '')
                      AND o.package = f.package AND o.version = f.version)
    ORDER BY i.digest, f.vuln, f.package";

pub const COUNTS_BY_REPOSITORY: &str = "SELECT t.repository, c.severity, CAST(SUM(c.n) AS BIGINT)
    FROM (SELECT DISTINCT repository, digest FROM tags WHERE until IS NULL) t
    JOIN images i ON i.digest = t.digest
    JOIN severity_counts c ON c.scan = i.latest_findings
    GROUP BY t.repository, c.severity ORDER BY t.repository, c.severity";
pub const IMAGES_BY_REPOSITORY: &str = "SELECT repository, COUNT(DISTINCT digest) FROM tags
    WHERE until IS NULL GROUP BY repository ORDER BY repository";

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite numbers `$N` parameters by first appearance, PostgreSQL by N: the two agree only
    /// if every query uses them in order.
    #[test]
    fn parameters_appear_in_order() {
        let all = [
            PUT_IMAGE,
            TAG_NOW,
            END_TAG,
            PUT_TAG,
            PUT_SCAN,
            PUT_FINDING,
            PUT_ALIAS,
            ALIASES_OF,
            PUT_COUNT,
            HAS_IMAGE,
            SET_LATEST,
            LATEST_FINDINGS,
            SET_FINDINGS_OF,
            TO_V4,
            CURRENT,
            HISTORY,
            NAMES_OF,
            SBOM,
            &latest(),
            &as_of(),
            FINDINGS_OF,
            SCANS_OF,
            IMAGES,
            LATEST_COUNTS,
            AFFECTED,
            NEW_SINCE,
            COUNTS_BY_REPOSITORY,
            IMAGES_BY_REPOSITORY,
        ];
        for q in all {
            let mut next = 1;
            for (at, _) in q.match_indices('$') {
                let n: usize = q[at + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0);
                assert!(n >= 1 && n <= next, "{q}: ${n} before ${next}");
                next = next.max(n + 1);
            }
            assert!(!q.contains('?'), "{q}: SQLite-only parameter");
            assert!(!q.contains("OR REPLACE"), "{q}: SQLite-only upsert");
        }
    }
}
