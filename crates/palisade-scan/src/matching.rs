//! Packages against the vulnerability database.
//!
//! OS packages are matched only against their own release's advisories, by source package and
//! source version (the distribution's fixed versions include its backports); language packages
//! against their ecosystem's. No CPE guessing. Every statement the database holds about a
//! package is evaluated and kept with its reason, matched or not, so `explain` can show why.

use std::collections::{BTreeMap, BTreeSet};

use palisade_catalog::Catalog;
use palisade_core::diagnostic::Source;
use palisade_core::{Diagnostic, Package, PackageType};
use palisade_vulndb::db::{AdvisoryRecord, Database, DbError, Entry, KnownExploited};
use palisade_vulndb::{ecosystem, ranges, RangeKind, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::releases;
use crate::severity::{cvss_base, Level};

/// What a finding means for the user.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    /// A fixed version exists: upgrade.
    Fixed,
    /// No fix yet.
    Unfixed,
    /// The distribution decided not to fix it in this release for now (Debian no-dsa,
    /// ignored, postponed).
    WillNotFix,
    /// The package is no longer supported in this release.
    EndOfLife,
}

impl FindingStatus {
    pub const ALL: [FindingStatus; 4] = [
        FindingStatus::Fixed,
        FindingStatus::Unfixed,
        FindingStatus::WillNotFix,
        FindingStatus::EndOfLife,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FindingStatus::Fixed => "fixed",
            FindingStatus::Unfixed => "unfixed",
            FindingStatus::WillNotFix => "will-not-fix",
            FindingStatus::EndOfLife => "end-of-life",
        }
    }
}

impl std::str::FromStr for FindingStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        FindingStatus::ALL
            .into_iter()
            .find(|x| x.name() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown status {s:?} (expected fixed, unfixed, will-not-fix or end-of-life)"
                )
            })
    }
}

/// One advisory statement about one package, and what it decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Basis {
    pub advisory: String,
    /// The feed record (`debian-oval-...tar.zst:debian/oval-definitions-bookworm.xml.bz2`).
    pub record: String,
    pub ecosystem: String,
    /// The package name the advisory uses (for distributions, the source package).
    pub package: String,
    /// The statement's status: affected, not-affected, will-not-fix, end-of-life.
    pub status: Status,
    /// The version that was compared (for distributions, the source package's).
    pub version: String,
    /// The comparison that decided, e.g. `0 <= 3.0.9-1 < 3.0.11-1~deb12u1 (introduced, fixed)`,
    /// and the scheme that made it.
    pub decision: String,
    pub scheme: String,
    pub affected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A CVSS vector and its base score, with the advisory that gave it (or, for NVD's data, who
/// rated it: `nvd@nist.gov` or a CNA, and NVD's `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cvss {
    pub version: String,
    pub vector: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub source: String,
    /// NVD's ratings only: `Primary` (NVD's own analysis) or `Secondary` (a CNA's).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A vulnerability in one package: advisories that share an id or alias are one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Index into the catalog's packages.
    pub package: usize,
    pub installed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    pub status: FindingStatus,
    pub severity: Level,
    /// Where the severity came from: `debian-urgency`, `ghsa`, `cvss` (an advisory's vector),
    /// `nvd` (NVD's own rating), `nvd-cna` (a CNA's rating as NVD publishes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Distribution advisories that fix this vulnerability together with others (a DSA, DLA):
    /// references, not findings of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_by: Vec<String>,
    /// CISA's entry when the finding's CVE (or an alias) is a known exploited vulnerability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_exploited: Option<KnownExploited>,
    pub basis: Vec<Basis>,
}

/// Everything matching produced.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Matches {
    pub findings: Vec<Finding>,
    /// Every statement evaluated, matched or not, by package index.
    pub evaluations: Vec<(usize, Basis)>,
    pub warnings: Vec<Diagnostic>,
    /// What was consulted: each ecosystem (`PyPI`), and with it each id namespace the
    /// database holds for it (`PyPI/GHSA`, `PyPI/PYSEC`; `coverage` in the database meta),
    /// so a later match can tell that it consulted less.
    pub checked: BTreeSet<String>,
    /// Packages nothing was consulted for. A finding cannot appear for them: their absence
    /// means "not checked", never "not affected".
    pub unchecked: Vec<Unchecked>,
}

/// A package no advisory was consulted for, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unchecked {
    /// Index into the catalog's packages.
    pub package: usize,
    /// The ecosystem it belongs to (`Debian:11`, `Maven`), or `unknown OS`.
    pub ecosystem: String,
    /// The database has advisories for the ecosystem, but the package has no name or
    /// version to look up or compare (a Maven archive without a group id, a Go module built
    /// from a checkout). Otherwise the database has no advisories for the ecosystem.
    pub unidentified: bool,
}

/// Where a package is looked up: ecosystem, name and the version to compare.
pub fn query(pkg: &Package, os_ecosystem: Option<&str>) -> Option<(String, String, String)> {
    match pkg.package_type {
        PackageType::Deb | PackageType::Apk | PackageType::Rpm => {
            let eco = os_ecosystem?;
            let name = pkg.source_name.clone().unwrap_or_else(|| pkg.name.clone());
            let version = pkg
                .source_version
                .clone()
                .unwrap_or_else(|| pkg.version.clone());
            Some((eco.to_string(), name, version))
        }
        PackageType::Python => Some(("PyPI".into(), pkg.name.clone(), pkg.version.clone())),
        PackageType::Cargo => Some(("crates.io".into(), pkg.name.clone(), pkg.version.clone())),
        PackageType::Npm => Some(("npm".into(), pkg.name.clone(), pkg.version.clone())),
        // A program built from a checkout says "(devel)": no version to compare.
        PackageType::Go if pkg.version == "(devel)" => None,
        PackageType::Go if pkg.name == "stdlib" => {
            Some(("Go".into(), pkg.name.clone(), go_release(&pkg.version)?))
        }
        PackageType::Go => Some(("Go".into(), pkg.name.clone(), pkg.version.clone())),
        PackageType::Gem => Some(("RubyGems".into(), pkg.name.clone(), pkg.version.clone())),
        PackageType::Composer => Some(("Packagist".into(), pkg.name.clone(), pkg.version.clone())),
        PackageType::Nuget => Some(("NuGet".into(), pkg.name.clone(), pkg.version.clone())),
        // Without a group (named from a manifest or file name) there is no Maven coordinate.
        PackageType::Maven if pkg.name.contains(':') => {
            Some(("Maven".into(), pkg.name.clone(), pkg.version.clone()))
        }
        _ => None,
    }
}

/// The ecosystem a language package type is matched in, whatever its name and version.
fn ecosystem_of(t: PackageType) -> Option<&'static str> {
    Some(match t {
        PackageType::Python => "PyPI",
        PackageType::Cargo => "crates.io",
        PackageType::Npm => "npm",
        PackageType::Go => "Go",
        PackageType::Gem => "RubyGems",
        PackageType::Composer => "Packagist",
        PackageType::Nuget => "NuGet",
        PackageType::Maven => "Maven",
        _ => return None,
    })
}

/// A Go release (`go1.21.3`, `1.21`, `go1.21rc2`) as the module version the Go vulnerability
/// database compares for `stdlib` (`v1.21.3`, `v1.21.0`, `v1.21.0-rc.2`).
fn go_release(version: &str) -> Option<String> {
    let v = version.strip_prefix("go").unwrap_or(version);
    let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
    let (numbers, pre) = v.split_at(split);
    let mut parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    parts.resize(3, "0");
    let mut out = format!("v{}", parts.join("."));
    if !pre.is_empty() {
        let kind = pre.trim_end_matches(|c: char| c.is_ascii_digit());
        let n = &pre[kind.len()..];
        if kind.is_empty() || n.is_empty() || !kind.bytes().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        out = format!("{out}-{kind}.{n}");
    }
    Some(out)
}

fn warn(message: String) -> Diagnostic {
    Diagnostic::warning(Source::Match, message)
}

/// Matches every package of `catalog`. `today` (YYYY-MM-DD) decides end-of-life warnings.
pub fn match_catalog(db: &Database, catalog: &Catalog, today: &str) -> Result<Matches, DbError> {
    let mut out = Matches::default();
    let os_eco = catalog.os.as_ref().and_then(releases::ecosystem);
    let known: BTreeSet<&str> = db.meta().ecosystems.iter().map(String::as_str).collect();
    let os_packages = catalog
        .packages
        .iter()
        .filter(|p| is_os(p.package_type))
        .count();
    if os_packages > 0 {
        let os_name = catalog
            .os
            .as_ref()
            .map_or_else(|| "unknown OS".to_string(), |o| o.distro());
        match &os_eco {
            None => out.warnings.push(warn(format!(
                "{os_name}: no vulnerability data for this operating system; its {os_packages} packages were not checked"
            ))),
            Some(eco) if !known.contains(eco.as_str()) => out.warnings.push(warn(format!(
                "{os_name}: the database ({}) has no advisories for {eco}; its {os_packages} packages were not checked",
                db.name()
            ))),
            _ => {}
        }
        if let Some(date) = os_eco
            .as_deref()
            .and_then(|e| releases::end_of_life(e, today))
        {
            out.warnings.push(warn(format!(
                "{os_name} reached end of life on {date}: it gets no more security fixes, and findings for it may be incomplete"
            )));
        }
    }

    let mut records: BTreeMap<String, Option<AdvisoryRecord>> = BTreeMap::new();
    // Binary packages of one source package share their statements: read them once.
    let mut statements: BTreeMap<(String, String), Vec<Entry>> = BTreeMap::new();
    for (index, pkg) in catalog.packages.iter().enumerate() {
        if pkg.properties.get("package:database").map(String::as_str) == Some("opkg") {
            out.unchecked.push(Unchecked {
                package: index,
                ecosystem: "opkg".into(),
                unidentified: false,
            });
            continue;
        }
        if is_os(pkg.package_type) && os_eco.is_none() {
            out.unchecked.push(Unchecked {
                package: index,
                ecosystem: "unknown OS".into(),
                unidentified: false,
            });
            continue;
        }
        let Some((eco, name, version)) = query(pkg, os_eco.as_deref()) else {
            // Programs named by their version strings (`pkg:generic`): no feed has advisories
            // for them, and saying nothing would read as "not affected".
            let eco = if pkg.package_type == PackageType::Binary {
                Some("binary")
            } else {
                ecosystem_of(pkg.package_type)
            };
            if let Some(eco) = eco {
                out.unchecked.push(Unchecked {
                    package: index,
                    ecosystem: eco.into(),
                    unidentified: pkg.package_type != PackageType::Binary,
                });
            }
            continue;
        };
        if !known.contains(eco.as_str()) {
            out.unchecked.push(Unchecked {
                package: index,
                ecosystem: eco,
                unidentified: false,
            });
            continue;
        }
        if out.checked.insert(eco.clone()) {
            for space in db.meta().coverage.get(&eco).into_iter().flatten() {
                out.checked.insert(format!("{eco}/{space}"));
            }
        }
        // A version the ecosystem cannot order (a git URL in a lock file, a local path) is
        // said once, not once per advisory statement.
        if let Some(scheme) = ecosystem::scheme(&eco) {
            if let Err(e) = scheme.compare(&version, &version) {
                out.warnings.push(warn(format!(
                    "{} {} ({}): {e}; not matched",
                    pkg.name, pkg.version, pkg.location.path
                )));
                continue;
            }
        }
        let key = (eco.clone(), name.clone());
        if !statements.contains_key(&key) {
            statements.insert(key.clone(), db.lookup(&eco, &name)?);
        }
        let mut matched = Vec::new();
        for entry in &statements[&key] {
            let basis = evaluate(entry, &version, &mut out.warnings);
            if basis.affected {
                matched.push(basis.clone());
            }
            out.evaluations.push((index, basis));
        }
        let evaluated: BTreeSet<&str> = statements[&key].iter().map(|e| e.id.as_str()).collect();
        let bundles_apply = is_os(pkg.package_type);
        for g in group_by_alias(db, &matched, &evaluated, bundles_apply, &mut records)? {
            out.findings
                .push(finding(index, &version, &eco, g, &records));
        }
    }
    // Language ecosystems the database lacks (the OS is said above, with its release), and
    // packages with nothing to look up.
    let mut lacking: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    for u in &out.unchecked {
        if !is_os(catalog.packages[u.package].package_type) || u.ecosystem == "opkg" {
            *lacking
                .entry((u.ecosystem.as_str(), u.unidentified))
                .or_default() += 1;
        }
    }
    for ((eco, unidentified), n) in lacking {
        out.warnings.push(warn(if unidentified {
            format!(
                "{n} {eco} packages were not checked: no {} to look up or compare",
                if eco == "Maven" { "group id" } else { "version" }
            )
        } else {
            format!(
                "the database ({}) has no advisories for {eco}; {n} {eco} packages were not checked",
                db.name()
            )
        }));
    }
    crate::exploited::mark(db, &mut out.findings)?;
    crate::severity::rate_from_nvd(db, &mut out.findings)?;
    Ok(out)
}

/// Operating-system packages: matched by source package against their release's advisories.
pub fn is_os(t: PackageType) -> bool {
    matches!(t, PackageType::Deb | PackageType::Apk | PackageType::Rpm)
}

/// What one statement says about `version`.
fn evaluate(entry: &Entry, version: &str, warnings: &mut Vec<Diagnostic>) -> Basis {
    let a = &entry.affected;
    let mut basis = Basis {
        advisory: entry.id.clone(),
        record: entry.record.clone(),
        ecosystem: a.ecosystem.clone(),
        package: a.package.clone(),
        status: a.status,
        version: version.to_string(),
        decision: String::new(),
        scheme: ecosystem::scheme(&a.ecosystem)
            .map_or("none", |s| s.name())
            .into(),
        affected: false,
        fixed: None,
        note: a.note.clone(),
    };
    if a.status == Status::NotAffected {
        basis.decision = format!("the advisory states {} is not affected", a.ecosystem);
        return basis;
    }
    let mut reasons = Vec::new();
    let mut evaluated = 0;
    for range in &a.ranges {
        let Some(scheme) = ecosystem::range_scheme(&a.ecosystem, range.kind) else {
            continue;
        };
        evaluated += 1;
        match ranges::evaluate(scheme, range, version) {
            Ok(v) => {
                if v.affected {
                    basis.affected = true;
                    if basis.fixed.is_none() {
                        basis.fixed = v.fixed;
                    }
                }
                basis.scheme = scheme.name().into();
                reasons.push(v.reason);
            }
            Err(e) => {
                let w = warn(format!(
                    "{} ({}): {e}; statement not evaluated",
                    entry.id, entry.record
                ));
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
                reasons.push(format!("not evaluated: {e}"));
            }
        }
    }
    // The explicit list matters only where the ranges do not already say affected (PyPA lists
    // hundreds of versions per advisory; comparing each costs more than the ranges).
    if !basis.affected {
        if let Some(scheme) = ecosystem::scheme(&a.ecosystem) {
            if ranges::listed(scheme, &a.versions, version) {
                basis.affected = true;
                reasons.push(format!("{version} is listed as affected"));
            }
        }
    }
    // A statement with neither ranges nor versions covers every version (a distribution's
    // open or no-dsa issue).
    // Ranges that could not be evaluated (no version scheme for the ecosystem) never count as
    // "every version".
    if a.ranges.is_empty() && a.versions.is_empty() {
        basis.affected = true;
        reasons.push("every version (no version range given)".into());
    } else if evaluated == 0
        && !basis.affected
        && !a.ranges.iter().all(|r| r.kind == RangeKind::Git)
    {
        reasons.push(format!(
            "no version scheme for {}: not evaluated",
            a.ecosystem
        ));
    }
    basis.decision = reasons.join("; ");
    basis
}

/// One finding in the making: the ids it goes by, the statements that make it, and the bundle
/// advisories that fix it.
#[derive(Default)]
struct Group {
    ids: BTreeSet<String>,
    basis: Vec<Basis>,
    fixed_by: BTreeSet<String>,
    /// Made from bundles alone (the CVE has no statement of its own).
    from_bundles: bool,
}

/// Splits matched statements into findings: statements whose ids or aliases meet are one
/// finding, unless that would fold two different CVEs together. Shared aliases that are
/// bundles (a DSA, an upstream advisory such as GNUTLS-SA-2021-03-10, a Xen XSA fixing several
/// CVEs) name related vulnerabilities, not the same one.
///
/// For distribution packages (`bundles_apply`) a bundle is not a finding of its own when it
/// names CVEs: each of its CVEs is the finding (the bundle's statement makes it where the CVE
/// has no statement of its own, `evaluated` being the ids that have one), and the bundle is
/// its `fixed_by` reference. A CVE whose own statement says this version is not affected stays
/// unreported. Only a bundle that names no CVE stands alone.
fn group_by_alias(
    db: &Database,
    matched: &[Basis],
    evaluated: &BTreeSet<&str>,
    bundles_apply: bool,
    records: &mut BTreeMap<String, Option<AdvisoryRecord>>,
) -> Result<Vec<Group>, DbError> {
    let cves = |ids: &BTreeSet<String>| ids.iter().filter(|i| i.starts_with("CVE-")).count();
    let mut groups: Vec<Group> = Vec::new();
    let mut bundles: Vec<(&Basis, BTreeSet<String>)> = Vec::new();
    for b in matched {
        if !records.contains_key(&b.advisory) {
            records.insert(b.advisory.clone(), db.advisory(&b.advisory)?);
        }
        let mut ids: BTreeSet<String> = BTreeSet::from([b.advisory.clone()]);
        let mut upstream = BTreeSet::new();
        if let Some(Some(r)) = records.get(&b.advisory) {
            ids.extend(r.aliases.iter().cloned());
            upstream.extend(r.upstream.iter().cloned());
        }
        if cves(&ids) > 1 {
            upstream.extend(std::mem::take(&mut ids));
            ids = BTreeSet::from([b.advisory.clone()]);
        }
        if bundles_apply && cves(&upstream) > 0 && !b.advisory.starts_with("CVE-") {
            bundles.push((b, upstream));
            continue;
        }
        merge_into(&mut groups, ids, b.clone(), &cves);
    }
    for (b, ids) in bundles {
        for cve in ids.iter().filter(|i| i.starts_with("CVE-")) {
            // The bundle's statement stands in for the CVE's own only where it has none.
            let mut stand_in = b.clone();
            stand_in.note.get_or_insert_with(|| {
                format!("{cve} has no statement of its own: {} decides", b.advisory)
            });
            if let Some(g) = groups.iter_mut().find(|g| g.ids.contains(cve)) {
                g.fixed_by.insert(b.advisory.clone());
                if g.from_bundles {
                    g.basis.push(stand_in);
                }
            } else if !evaluated.contains(cve.as_str()) {
                groups.push(Group {
                    ids: BTreeSet::from([cve.clone()]),
                    basis: vec![stand_in],
                    fixed_by: BTreeSet::from([b.advisory.clone()]),
                    from_bundles: true,
                });
            }
        }
    }
    Ok(groups)
}

/// Adds one statement (going by `ids`) to the groups it meets, merging them.
fn merge_into(
    groups: &mut Vec<Group>,
    ids: BTreeSet<String>,
    basis: Basis,
    cves: &dyn Fn(&BTreeSet<String>) -> usize,
) {
    let mut merged = Group {
        ids,
        basis: vec![basis],
        ..Group::default()
    };
    let mut rest = Vec::new();
    for g in std::mem::take(groups) {
        let union: BTreeSet<String> = g.ids.union(&merged.ids).cloned().collect();
        if g.ids.is_disjoint(&merged.ids) || cves(&union) > 1 {
            rest.push(g);
        } else {
            merged.ids = union;
            merged.basis.extend(g.basis);
            merged.fixed_by.extend(g.fixed_by);
        }
    }
    rest.push(merged);
    *groups = rest;
}

fn finding(
    package: usize,
    version: &str,
    eco: &str,
    group: Group,
    records: &BTreeMap<String, Option<AdvisoryRecord>>,
) -> Finding {
    let Group {
        ids,
        basis,
        fixed_by,
        ..
    } = group;
    let recs: Vec<&AdvisoryRecord> = basis
        .iter()
        .filter_map(|b| records.get(&b.advisory).and_then(Option::as_ref))
        .collect();
    // The CVE id where there is one: it is what users search for and what VEX documents name.
    let id = ids
        .iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| basis.iter().map(|b| &b.advisory).min())
        .cloned()
        .unwrap_or_default();
    let aliases = ids.into_iter().filter(|i| *i != id).collect();

    let fixed = basis.iter().filter_map(|b| b.fixed.clone()).max_by(|a, b| {
        ecosystem::scheme(eco)
            .and_then(|s| s.compare(a, b).ok())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let status = if fixed.is_some() {
        FindingStatus::Fixed
    } else if basis.iter().any(|b| b.status == Status::EndOfLife) {
        FindingStatus::EndOfLife
    } else if basis.iter().any(|b| b.status == Status::WillNotFix) {
        FindingStatus::WillNotFix
    } else {
        FindingStatus::Unfixed
    };

    let (severity, severity_source, cvss) = severity(&recs, eco);
    Finding {
        id,
        aliases,
        package,
        installed: version.to_string(),
        fixed,
        status,
        severity,
        severity_source,
        cvss,
        title: recs.iter().find_map(|r| r.summary.clone()),
        fixed_by: fixed_by.into_iter().collect(),
        known_exploited: None,
        basis,
    }
}

/// Vendor severity first (the distribution's urgency for this release, GitHub's rating), then
/// the highest CVSS base score (v4.0 or v3) of the advisories; NVD's rating comes after both
/// (`severity::rate_from_nvd`).
fn severity(recs: &[&AdvisoryRecord], eco: &str) -> (Level, Option<String>, Vec<Cvss>) {
    let mut cvss = Vec::new();
    for r in recs {
        for s in &r.severity {
            let version = match s.kind.as_str() {
                "CVSS_V3" => "3",
                "CVSS_V4" => "4",
                "CVSS_V2" => "2",
                _ => continue,
            };
            let c = Cvss {
                version: version.into(),
                vector: s.score.clone(),
                score: cvss_base(&s.score),
                source: r.id.clone(),
                kind: None,
            };
            if !cvss.contains(&c) {
                cvss.push(c);
            }
        }
    }
    let vendor_kinds = [format!("debian-urgency:{eco}"), "ghsa".to_string()];
    for kind in &vendor_kinds {
        for r in recs {
            if let Some(s) = r.severity.iter().find(|s| &s.kind == kind) {
                let level = Level::from_vendor(&s.score);
                if level != Level::Unknown {
                    let source = kind.split(':').next().unwrap_or(kind).to_string();
                    return (level, Some(source), cvss);
                }
            }
        }
    }
    let best = cvss
        .iter()
        .filter_map(|c| c.score)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    match best {
        Some(score) => (Level::from_score(score), Some("cvss".into()), cvss),
        None => (Level::Unknown, None, cvss),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_releases_as_module_versions() {
        assert_eq!(go_release("go1.19.8").as_deref(), Some("v1.19.8"));
        assert_eq!(go_release("1.19.8").as_deref(), Some("v1.19.8"));
        assert_eq!(go_release("go1.21").as_deref(), Some("v1.21.0"));
        assert_eq!(go_release("go1.21rc2").as_deref(), Some("v1.21.0-rc.2"));
        assert_eq!(go_release("go1.20beta1").as_deref(), Some("v1.20.0-beta.1"));
        assert_eq!(go_release("devel +abc"), None);
        assert_eq!(go_release("go1..2"), None);
    }
}
