//! OpenVEX documents (openvex.dev; the v0.0.1 and v0.2.0 shapes): statements that a
//! vulnerability does or does not affect a product, each valid from its timestamp.
//!
//! A finding is decided by the latest statement that names one of its ids and a product that
//! is its package (statement timestamp, else the document's; on equal times, the later
//! statement, documents in the order given): `not_affected` suppresses it; `fixed` suppresses
//! it only when the product names the installed version (a versionless `fixed` product says
//! nothing about which versions have the fix); `affected` and `under_investigation` keep it,
//! overriding earlier statements.
//!
//! A product is the package when the package URLs agree on type, namespace and name (ignoring
//! case; PyPI names as PEP 503 compares them), on version where the product gives one, and on
//! `arch` where both give one. A statement's product may be the package itself or one of its
//! subcomponents (an image listing the packages it ships).

use palisade_core::input::without_position;
use palisade_core::{purl, InputError};

/// An OpenVEX statement reduced to what decides a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    pub vulnerability: Vec<String>,
    /// Package URLs the statement is about (products and their subcomponents).
    pub products: Vec<String>,
    /// `not_affected`, `affected`, `fixed` or `under_investigation`.
    pub status: String,
    pub justification: Option<String>,
    /// When the statement was made, as UTC (seconds, nanoseconds) since 1970; `None` when
    /// neither the statement nor its document says.
    pub timestamp: Option<(i64, u32)>,
}

const STATUSES: [&str; 4] = ["not_affected", "affected", "fixed", "under_investigation"];

/// Reads an OpenVEX document; errors name `name` and the statement.
pub fn parse_vex(data: &[u8], name: &str) -> Result<Vec<VexStatement>, InputError> {
    let fail = |reason: String| InputError::new(name, reason);
    let doc: serde_json::Value = serde_json::from_slice(data).map_err(|e| {
        let reason = format!("not JSON: {}", without_position(&e.to_string()));
        fail(reason).at(e.line(), e.column())
    })?;
    let statements = doc
        .get("statements")
        .and_then(|s| s.as_array())
        .ok_or_else(|| fail("not an OpenVEX document (no `statements` array)".into()))?;
    let doc_time = time_field(&doc, "document").map_err(fail)?;
    let mut out = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let at = format!("statement {}", i + 1);
        let status = s
            .get("status")
            .and_then(|x| x.as_str())
            .ok_or_else(|| fail(format!("{at} has no status")))?;
        if !STATUSES.contains(&status) {
            return Err(fail(format!(
                "{at}: unknown status {status:?} (expected {})",
                STATUSES.join(", ")
            )));
        }
        let vulnerability = s.get("vulnerability").map(ids).unwrap_or_default();
        if vulnerability.is_empty() {
            return Err(fail(format!("{at} names no vulnerability")));
        }
        let mut products = Vec::new();
        for p in s
            .get("products")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            products.extend(component(p));
            for sub in p
                .get("subcomponents")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                products.extend(component(sub));
            }
        }
        // v0.0.1 lists subcomponents beside the products.
        for sub in s
            .get("subcomponents")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            products.extend(component(sub));
        }
        out.push(VexStatement {
            vulnerability,
            products,
            status: status.to_string(),
            justification: s
                .get("justification")
                .and_then(|x| x.as_str())
                .map(String::from),
            timestamp: time_field(s, &at).map_err(fail)?.or(doc_time),
        });
    }
    Ok(out)
}

/// The ids a vulnerability goes by: a string (v0.0.1), or `name`, `@id` and `aliases`.
fn ids(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Object(o) => {
            let mut ids: Vec<String> = ["name", "@id"]
                .iter()
                .filter_map(|k| o.get(*k).and_then(|x| x.as_str()).map(String::from))
                .collect();
            if let Some(a) = o.get("aliases").and_then(|x| x.as_array()) {
                ids.extend(a.iter().filter_map(|x| x.as_str().map(String::from)));
            }
            ids
        }
        _ => Vec::new(),
    }
}

/// The identifiers of a product or subcomponent: a string (v0.0.1), or `@id` and
/// `identifiers.purl`.
fn component(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Object(o) => {
            let mut ids: Vec<String> = Vec::new();
            if let Some(s) = o.get("@id").and_then(|x| x.as_str()) {
                ids.push(s.to_string());
            }
            if let Some(s) = o
                .get("identifiers")
                .and_then(|x| x.get("purl"))
                .and_then(|x| x.as_str())
            {
                ids.push(s.to_string());
            }
            ids
        }
        _ => Vec::new(),
    }
}

/// An object's `timestamp`, parsed; an error naming `at` when it is there but not RFC 3339.
fn time_field(v: &serde_json::Value, at: &str) -> Result<Option<(i64, u32)>, String> {
    match v.get("timestamp") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(t) => {
            let text = t.as_str().unwrap_or_default();
            rfc3339(text)
                .map(Some)
                .ok_or_else(|| format!("{at}: timestamp {t} is not an RFC 3339 date and time"))
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` as UTC (seconds, nanoseconds).
fn rfc3339(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')))
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &s[start..i];
        if digits.is_empty() {
            return None;
        }
        let mut n: u32 = 0;
        for (k, c) in digits.bytes().take(9).enumerate() {
            n += u32::from(c - b'0') * 10u32.pow(8 - k as u32);
        }
        nanos = n;
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - offset, nanos))
}

/// A package URL as compared here: type, namespace and name folded, version, arch.
struct Id {
    ty: String,
    namespace: String,
    name: String,
    version: Option<String>,
    arch: Option<String>,
}

fn id(p: &str) -> Option<Id> {
    // `pkg:npm/@scope/name` as people write it: the scope's `@` is no version separator.
    let p = purl::parse(&p.replace("/@", "/%40"))?;
    let fold = |s: &str| {
        if p.ty == "pypi" {
            purl::pep503(s)
        } else {
            s.to_lowercase()
        }
    };
    Some(Id {
        namespace: p.namespace.as_deref().map(&fold).unwrap_or_default(),
        name: fold(&p.name),
        version: p.version.clone().filter(|v| !v.is_empty()),
        arch: p.qualifier("arch").map(String::from),
        ty: p.ty,
    })
}

/// How a product names a package: not at all, every version of it, or its very version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Names {
    No,
    AnyVersion,
    Version,
}

fn names(product: &str, package: &Id) -> Names {
    let Some(p) = id(product) else {
        return Names::No;
    };
    let same = p.ty == package.ty
        && p.namespace == package.namespace
        && p.name == package.name
        && (p.arch.is_none() || package.arch.is_none() || p.arch == package.arch);
    match (&p.version, same) {
        (_, false) => Names::No,
        (None, true) => Names::AnyVersion,
        (Some(v), true) if Some(v) == package.version.as_ref() => Names::Version,
        _ => Names::No,
    }
}

/// The statement that suppresses a finding known by `ids` in the package `package_purl`, if
/// the latest statement about them does. Statements naming a bundle that fixes it (`bundles`:
/// a DSA) decide only where none names the vulnerability itself: a bundle marked affected says
/// one of its vulnerabilities affects the product, not each.
pub fn suppressing<'a>(
    statements: &'a [VexStatement],
    ids: &[&str],
    bundles: &[&str],
    package_purl: &str,
) -> Option<&'a VexStatement> {
    let package = id(package_purl)?;
    let (s, how) =
        latest(statements, ids, &package).or_else(|| latest(statements, bundles, &package))?;
    match s.status.as_str() {
        "not_affected" => Some(s),
        "fixed" if how == Names::Version => Some(s),
        _ => None,
    }
}

/// The latest statement naming one of `ids` for `package`, and how it names the package.
fn latest<'a>(
    statements: &'a [VexStatement],
    ids: &[&str],
    package: &Id,
) -> Option<(&'a VexStatement, Names)> {
    let mut latest: Option<(&VexStatement, Names)> = None;
    for s in statements {
        if !s.vulnerability.iter().any(|v| ids.contains(&v.as_str())) {
            continue;
        }
        let how = s
            .products
            .iter()
            .map(|p| names(p, package))
            .max()
            .unwrap_or(Names::No);
        if how == Names::No {
            continue;
        }
        // Later in the list wins a tie: statements are a sequence, each overriding the last.
        if latest.is_none_or(|(l, _)| s.timestamp >= l.timestamp) {
            latest = Some((s, how));
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_compare_as_instants() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            rfc3339("2023-01-08T18:02:03.647787998-06:00"),
            Some((1_673_222_523, 647_787_998))
        );
        // The same instant written in two zones.
        assert_eq!(
            rfc3339("2023-01-09T00:02:03Z"),
            rfc3339("2023-01-08T18:02:03-06:00")
        );
        assert!(rfc3339("2023-01-09T09:08:42-06:00") > rfc3339("2023-01-09T10:00:00Z"));
        for bad in [
            "",
            "2023-01-08",
            "2023-13-08T00:00:00Z",
            "2023-01-08T00:00:00",
            "2023-01-08T00:00:00.Z",
            "2023-01-08T00:00:00+0600",
            "2023-01-08T00:00:00Zjunk",
            "२०२३-01-08T00:00:00Z",
        ] {
            assert_eq!(rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn products_name_packages() {
        let pkg = |p: &str| id(p).unwrap();
        let scoped = pkg("pkg:npm/%40babel/core@7.0.0");
        assert_eq!(names("pkg:npm/%40babel/core", &scoped), Names::AnyVersion);
        assert_eq!(names("pkg:npm/@babel/core", &scoped), Names::AnyVersion);
        assert_eq!(
            names("pkg:npm/%40babel/core@7.0.0", &scoped),
            Names::Version
        );
        assert_eq!(names("pkg:npm/@babel/core@7.0.0", &scoped), Names::Version);
        assert_eq!(names("pkg:npm/%40babel/core@7.0.1", &scoped), Names::No);
        assert_eq!(names("pkg:npm/core", &scoped), Names::No);
        assert_eq!(names("pkg:npm/%40babel/cli", &scoped), Names::No);
        let six = pkg("pkg:pypi/six@1.16.0");
        assert_eq!(names("pkg:pypi/Six", &six), Names::AnyVersion);
        assert_eq!(names("pkg:pypi/six@1.15.0", &six), Names::No);
        assert_eq!(names("pkg:npm/six@1.16.0", &six), Names::No);
        let git = pkg("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi");
        assert_eq!(
            names("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64", &git),
            Names::Version
        );
        assert_eq!(
            names("pkg:apk/wolfi/git@2.39.0-r1?arch=armv7", &git),
            Names::No
        );
        assert_eq!(names("pkg:apk/wolfi/git@2.39.0-r1", &git), Names::Version);
        assert_eq!(names("https://example.com/product", &git), Names::No);
    }

    fn spec(file: &str) -> Vec<VexStatement> {
        let data: &[u8] = match file {
            "v0.2.0-minimal.json" => include_bytes!("testdata/openvex/v0.2.0-minimal.json"),
            "v0.2.0-update-before.json" => {
                include_bytes!("testdata/openvex/v0.2.0-update-before.json")
            }
            "v0.2.0-update-after.json" => {
                include_bytes!("testdata/openvex/v0.2.0-update-after.json")
            }
            "v0.2.0-spring-boot.json" => include_bytes!("testdata/openvex/v0.2.0-spring-boot.json"),
            "v0.0.1-minimal.json" => include_bytes!("testdata/openvex/v0.0.1-minimal.json"),
            "v0.0.1-update-after.json" => {
                include_bytes!("testdata/openvex/v0.0.1-update-after.json")
            }
            _ => unreachable!("{file}"),
        };
        parse_vex(data, file).unwrap()
    }

    fn decided<'a>(statements: &'a [VexStatement], id: &str, purl: &str) -> Option<&'a str> {
        suppressing(statements, &[id], &[], purl).map(|s| s.status.as_str())
    }

    /// A statement about the vulnerability itself outranks a newer one about a bundle that
    /// fixes it; a bundle's statement decides only where none names the vulnerability.
    #[test]
    fn statements_about_a_bundle_yield_to_statements_about_its_vulnerabilities() {
        let doc = |id: &str, status: &str, time: &str| {
            format!(
                r#"{{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"{time}","version":1,
                    "statements":[{{"vulnerability":{{"name":"{id}"}},"products":[{{"@id":"pkg:deb/debian/curl"}}],"status":"{status}","justification":"vulnerable_code_not_present"}}]}}"#
            )
        };
        let read = |docs: &[String]| -> Vec<VexStatement> {
            docs.iter()
                .flat_map(|d| parse_vex(d.as_bytes(), "test.vex.json").unwrap())
                .collect()
        };
        let curl = "pkg:deb/debian/curl@7.74.0-1.3%2Bdeb11u1";
        let decide = |v: &[VexStatement]| {
            suppressing(v, &["CVE-2022-32207"], &["DSA-5197-1"], curl).map(|s| s.status.clone())
        };
        let cve_ok = doc("CVE-2022-32207", "not_affected", "2023-01-01T00:00:00Z");
        let dsa_bad = doc("DSA-5197-1", "affected", "2024-01-01T00:00:00Z");
        let dsa_ok = doc("DSA-5197-1", "not_affected", "2024-01-01T00:00:00Z");
        let cve_bad = doc("CVE-2022-32207", "affected", "2023-01-01T00:00:00Z");
        assert_eq!(
            decide(&read(&[cve_ok, dsa_bad.clone()])).as_deref(),
            Some("not_affected")
        );
        assert_eq!(
            decide(&read(std::slice::from_ref(&dsa_ok))).as_deref(),
            Some("not_affected")
        );
        assert_eq!(decide(&read(&[dsa_bad])), None);
        assert_eq!(decide(&read(&[cve_bad, dsa_ok])), None);
    }

    const CVE: &str = "CVE-2023-12345";
    /// Wolfi's git as a scan finds it (its purl has more qualifiers than the products').
    const GIT_ARM: &str = "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7&distro=wolfi-20230201";
    const GIT_X86: &str = "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi-20230201";

    #[test]
    fn the_specifications_examples() {
        for file in ["v0.2.0-minimal.json", "v0.0.1-minimal.json"] {
            let v = spec(file);
            // The statement has the document's time.
            assert_eq!(
                v[0].timestamp,
                rfc3339("2023-01-08T18:02:03.647787998-06:00"),
                "{file}"
            );
            // `fixed` for the versions it names, on both architectures it names.
            assert_eq!(decided(&v, CVE, GIT_ARM), Some("fixed"), "{file}");
            assert_eq!(decided(&v, CVE, GIT_X86), Some("fixed"), "{file}");
            // Not for another version, another architecture or another vulnerability.
            let older = "pkg:apk/wolfi/git@2.38.1-r0?arch=armv7";
            assert_eq!(decided(&v, CVE, older), None, "{file}");
            let arm64 = "pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64";
            assert_eq!(decided(&v, CVE, arm64), None, "{file}");
            assert_eq!(decided(&v, "CVE-2023-99999", GIT_ARM), None, "{file}");
        }

        // Updating a document: under investigation, then fixed by a statement that inherits
        // the newer document's time, whatever order the statements and documents come in.
        let before = spec("v0.2.0-update-before.json");
        assert_eq!(decided(&before, CVE, GIT_ARM), None);
        for file in ["v0.2.0-update-after.json", "v0.0.1-update-after.json"] {
            let after = spec(file);
            assert_eq!(
                after[0].timestamp,
                rfc3339("2023-01-08T18:02:03-06:00"),
                "{file}"
            );
            assert_eq!(
                after[1].timestamp,
                rfc3339("2023-01-09T09:08:42-06:00"),
                "{file}"
            );
            assert_eq!(decided(&after, CVE, GIT_ARM), Some("fixed"), "{file}");
            let mut reversed = after.clone();
            reversed.reverse();
            assert_eq!(decided(&reversed, CVE, GIT_ARM), Some("fixed"), "{file}");
            let mut both = after.clone();
            both.extend(before.clone());
            assert_eq!(decided(&both, CVE, GIT_ARM), Some("fixed"), "{file}");
            // Only armv7 was named.
            assert_eq!(decided(&after, CVE, GIT_X86), None, "{file}");
        }

        // Spring Boot is not affected by log4shell, named by its CVE or its GHSA alias; only
        // the version the statement names.
        let spring = spec("v0.2.0-spring-boot.json");
        let boot = "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3";
        assert_eq!(
            decided(&spring, "CVE-2021-44228", boot),
            Some("not_affected")
        );
        assert_eq!(
            decided(&spring, "GHSA-jfh8-c2jp-5v3q", boot),
            Some("not_affected")
        );
        assert_eq!(
            spring[0].justification.as_deref(),
            Some("vulnerable_code_not_in_execute_path")
        );
        let newer = "pkg:maven/org.springframework.boot/spring-boot@2.6.1";
        assert_eq!(decided(&spring, "CVE-2021-44228", newer), None);
        let core = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1";
        assert_eq!(decided(&spring, "CVE-2021-44228", core), None);
    }

    fn doc(statements: &str) -> Vec<VexStatement> {
        let text = format!(
            r#"{{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"t",
            "timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{statements}]}}"#
        );
        parse_vex(text.as_bytes(), "vex.json").unwrap()
    }

    #[test]
    fn the_latest_statement_decides_in_any_order() {
        let not_affected = r#"{"vulnerability":{"name":"CVE-2024-1"},"timestamp":"2024-01-01T00:00:00Z",
            "products":[{"@id":"pkg:pypi/django"}],"status":"not_affected","justification":"component_not_present"}"#;
        let affected = r#"{"vulnerability":{"name":"CVE-2024-1"},"timestamp":"2024-02-01T00:00:00+01:00",
            "products":[{"@id":"pkg:pypi/django@3.2"}],"status":"affected"}"#;
        let investigating = r#"{"vulnerability":{"name":"CVE-2024-1"},"timestamp":"2024-03-01T00:00:00Z",
            "products":[{"@id":"pkg:pypi/Django"}],"status":"under_investigation"}"#;
        for list in [
            format!("{not_affected},{affected}"),
            format!("{affected},{not_affected}"),
        ] {
            let v = doc(&list);
            // 3.2 was found affected after every version was said not to be.
            assert_eq!(decided(&v, "CVE-2024-1", "pkg:pypi/django@3.2"), None);
            assert_eq!(
                decided(&v, "CVE-2024-1", "pkg:pypi/django@3.1"),
                Some("not_affected")
            );
        }
        for list in [
            format!("{not_affected},{investigating}"),
            format!("{investigating},{not_affected}"),
        ] {
            let v = doc(&list);
            assert_eq!(decided(&v, "CVE-2024-1", "pkg:pypi/django@3.1"), None);
        }
        // At the same time, the later statement wins.
        let same = r#"{"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:pypi/django"}],"status":"affected"}"#;
        let not_same = r#"{"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:pypi/django"}],"status":"not_affected","justification":"component_not_present"}"#;
        let v = doc(&format!("{same},{not_same}"));
        assert_eq!(
            decided(&v, "CVE-2024-1", "pkg:pypi/django@3.1"),
            Some("not_affected")
        );
        let v = doc(&format!("{not_same},{same}"));
        assert_eq!(decided(&v, "CVE-2024-1", "pkg:pypi/django@3.1"), None);
    }

    #[test]
    fn subcomponents_of_a_product_are_matched() {
        let v = doc(
            r#"{"vulnerability":{"name":"CVE-2023-1","aliases":["GHSA-a"]},
             "products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:pypi/six@1.16.0"}]}],
             "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
            {"vulnerability":"CVE-2023-2","products":["pkg:deb/debian/openssl"],"status":"not_affected","justification":"component_not_present"},
            {"vulnerability":"CVE-2023-3","products":["pkg:oci/app"],"subcomponents":["pkg:npm/left-pad@1.3.0"],"status":"not_affected","justification":"component_not_present"}"#,
        );
        assert_eq!(v[0].vulnerability, ["CVE-2023-1", "GHSA-a"]);
        assert_eq!(
            decided(&v, "GHSA-a", "pkg:pypi/six@1.16.0"),
            Some("not_affected")
        );
        assert_eq!(decided(&v, "CVE-2023-1", "pkg:pypi/six@1.15.0"), None);
        let openssl = "pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12";
        assert_eq!(decided(&v, "CVE-2023-2", openssl), Some("not_affected"));
        // v0.0.1: subcomponents beside the products.
        assert_eq!(
            decided(&v, "CVE-2023-3", "pkg:npm/left-pad@1.3.0"),
            Some("not_affected")
        );
    }

    #[test]
    fn a_versionless_fixed_product_suppresses_no_version() {
        let v = doc(
            r#"{"vulnerability":"CVE-2024-2","products":["pkg:pypi/django"],"status":"fixed"}"#,
        );
        assert_eq!(decided(&v, "CVE-2024-2", "pkg:pypi/django@3.1"), None);
        assert_eq!(decided(&v, "CVE-2024-2", "pkg:pypi/django@4.2"), None);
        let v = doc(
            r#"{"vulnerability":"CVE-2024-2","products":["pkg:pypi/django@4.2"],"status":"fixed"}"#,
        );
        assert_eq!(
            decided(&v, "CVE-2024-2", "pkg:pypi/django@4.2"),
            Some("fixed")
        );
        assert_eq!(decided(&v, "CVE-2024-2", "pkg:pypi/django@3.1"), None);
    }

    #[test]
    fn scoped_npm_products_match_without_a_version() {
        for product in ["pkg:npm/%40babel/core", "pkg:npm/@babel/core"] {
            let v = doc(&format!(
                r#"{{"vulnerability":"CVE-2024-3","products":["{product}"],"status":"not_affected","justification":"component_not_present"}}"#
            ));
            // As the npm cataloguer writes it.
            let babel = "pkg:npm/%40babel/core@7.0.0";
            assert_eq!(
                decided(&v, "CVE-2024-3", babel),
                Some("not_affected"),
                "{product}"
            );
            assert_eq!(decided(&v, "CVE-2024-3", "pkg:npm/core@7.0.0"), None);
            assert_eq!(
                decided(&v, "CVE-2024-3", "pkg:npm/%40other/core@7.0.0"),
                None
            );
        }
    }

    #[test]
    fn bad_documents_are_refused_with_the_statement_named() {
        let bad = |statements: &str| -> String {
            let text =
                format!(r#"{{"timestamp":"2024-01-01T00:00:00Z","statements":[{statements}]}}"#);
            parse_vex(text.as_bytes(), "vex.json")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad(
                r#"{"vulnerability":"CVE-1","status":"fixed"},{"vulnerability":"CVE-1","status":"fixed","timestamp":"yesterday"}"#
            ),
            "vex.json: statement 2: timestamp \"yesterday\" is not an RFC 3339 date and time"
        );
        assert_eq!(
            bad(r#"{"vulnerability":"CVE-1","status":"Fixed"}"#),
            "vex.json: statement 1: unknown status \"Fixed\" (expected not_affected, affected, fixed, under_investigation)"
        );
        assert_eq!(
            bad(r#"{"status":"fixed"}"#),
            "vex.json: statement 1 names no vulnerability"
        );
        let err = parse_vex(br#"{"timestamp":5,"statements":[]}"#, "v.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "v.json: document: timestamp 5 is not an RFC 3339 date and time"
        );
        assert!(parse_vex(b"{}", "v")
            .unwrap_err()
            .reason
            .contains("statements"));
        // A document that is not JSON: where it stops reading.
        let err = parse_vex(b"{\n  \"statements\": [,]}", "v.json").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(18)), "{err}");
        assert!(
            err.to_string().starts_with("v.json:2:18: not JSON: "),
            "{err}"
        );
    }
}
