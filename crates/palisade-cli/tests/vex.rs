//! `scan --vex` as a user runs it: several OpenVEX documents in any order, the latest
//! statement deciding; `fixed` only for the versions it names; scoped npm and Go products
//! matched whatever their encoding. (The decision rules are tested on the specification's own
//! examples in `palisade-scan`'s `vex.rs`.)

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design

mod common;

use common::{feeds, palisade, stderr, tempdir};

/// Wazuh 4.7.0 (CVE-2025-24016 and two more) and jwt-go 3.2.0 (CVE-2020-26160).
const GO_MOD: &str = "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgithub.com/dgrijalva/jwt-go v3.2.0+incompatible\n\tgithub.com/wazuh/wazuh v4.7.0+incompatible\n)\n";

/// lodash 4.17.15 (CVE-2021-23337) and @babel/traverse 7.20.0 (CVE-2023-45133).
const LOCK: &str = r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
  "":{"name":"app","version":"1.0.0","dependencies":{"lodash":"^4.17.15","@babel/traverse":"^7.20.0"}},
  "node_modules/lodash":{"version":"4.17.15","resolved":"https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz"},
  "node_modules/@babel/traverse":{"version":"7.20.0","resolved":"https://registry.npmjs.org/@babel/traverse/-/traverse-7.20.0.tgz"}}}"#;

/// GitHub's advisories for both, written from the OSV schema as GitHub publishes them.
const LODASH: &str = r#"{"schema_version":"1.4.0","id":"GHSA-35jh-r3h4-6jhm","modified":"2024-01-01T00:00:00Z",
  "aliases":["CVE-2021-23337"],"summary":"Command Injection in lodash",
  "affected":[{"package":{"ecosystem":"npm","name":"lodash"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}],
  "database_specific":{"severity":"HIGH"}}"#;
const BABEL: &str = r#"{"schema_version":"1.4.0","id":"GHSA-67hx-6x53-jw92","modified":"2023-10-16T00:00:00Z",
  "aliases":["CVE-2023-45133"],"summary":"Babel vulnerable to arbitrary code execution when compiling specifically crafted malicious code",
  "affected":[{"package":{"ecosystem":"npm","name":"@babel/traverse"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.23.2"}]}]}],
  "database_specific":{"severity":"CRITICAL"}}"#;

fn vex(time: &str, statements: &str) -> String {
    format!(
        r#"{{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/{time}","author":"test","timestamp":"{time}","version":1,"statements":[{statements}]}}"#
    )
}

fn statement(id: &str, product: &str, status: &str) -> String {
    let extra = if status == "not_affected" {
        r#","justification":"vulnerable_code_not_in_execute_path""#
    } else {
        ""
    };
    format!(
        r#"{{"vulnerability":{{"name":"{id}"}},"products":[{{"@id":"{product}"}}],"status":"{status}"{extra}}}"#
    )
}

#[test]
fn the_latest_statement_decides_across_documents_given_in_any_order() {
    let tmp = tempdir("vex-order");
    let db = tmp.join("vex.db");
    let babel = tmp.join("GHSA-67hx-6x53-jw92.json");
    std::fs::write(&babel, BABEL).unwrap();
    let lodash = tmp.join("GHSA-35jh-r3h4-6jhm.json");
    std::fs::write(&lodash, LODASH).unwrap();
    let go = feeds().join("golang/golang-vulndb-osv.tar.zst");
    let out = palisade(
        &[
            "db",
            "build",
            "--from",
            go.to_str().unwrap(),
            "--from",
            lodash.to_str().unwrap(),
            "--from",
            babel.to_str().unwrap(),
            "-o",
            db.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let app = tmp.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("go.mod"), GO_MOD).unwrap();
    std::fs::write(app.join("package-lock.json"), LOCK).unwrap();
    let scan = |docs: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "scan",
            "fs",
            app.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--offline",
            "-f",
            "json",
        ];
        let paths: Vec<String> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let p = tmp.join(format!("vex-{i}.json"));
                std::fs::write(&p, d).unwrap();
                p.to_str().unwrap().to_string()
            })
            .collect();
        for p in &paths {
            args.extend(["--vex", p.as_str()]);
        }
        let out = palisade(&args, "");
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let suppressed = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().to_string(),
                    s["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let all = scan(&[]);
    let total = all["summary"]["findings"].as_u64().unwrap();
    assert_eq!(total, 6, "{all}");
    let one = |id: &str, reason: &str| vec![(id.to_string(), reason.to_string())];

    // January: no lodash version is affected. February: 4.17.15 is. Whichever document comes
    // first on the command line, February's statement decides.
    let january = vex(
        "2025-01-01T00:00:00Z",
        &statement("CVE-2021-23337", "pkg:npm/lodash", "not_affected"),
    );
    let february = vex(
        "2025-02-01T00:00:00+01:00",
        &statement("CVE-2021-23337", "pkg:npm/lodash@4.17.15", "affected"),
    );
    for docs in [[&january, &february], [&february, &january]] {
        let v = scan(&[docs[0], docs[1]]);
        assert_eq!(v["summary"]["findings"], total, "{:?}", suppressed(&v));
    }
    assert_eq!(
        suppressed(&scan(&[&january])),
        one(
            "CVE-2021-23337",
            "VEX: not_affected (vulnerable_code_not_in_execute_path)"
        )
    );

    // `fixed` without a version says nothing about 4.17.15; with it, it suppresses 4.17.15.
    let fixed = |product: &str| {
        vex(
            "2025-03-01T00:00:00Z",
            &statement("CVE-2021-23337", product, "fixed"),
        )
    };
    let v = scan(&[&fixed("pkg:npm/lodash")]);
    assert_eq!(v["summary"]["findings"], total, "{:?}", suppressed(&v));
    let v = scan(&[&fixed("pkg:npm/lodash@4.17.15")]);
    assert_eq!(suppressed(&v), one("CVE-2021-23337", "VEX: fixed"));
    let v = scan(&[&fixed("pkg:npm/lodash@4.17.16")]);
    assert_eq!(v["summary"]["findings"], total);

    // A scoped npm package named without a version, by its CVE or GHSA id.
    for (id, product) in [
        ("CVE-2023-45133", "pkg:npm/%40babel/traverse"),
        ("GHSA-67hx-6x53-jw92", "pkg:npm/@babel/traverse"),
    ] {
        let v = scan(&[&vex(
            "2025-01-01T00:00:00Z",
            &statement(id, product, "not_affected"),
        )]);
        assert_eq!(
            suppressed(&v),
            one(
                "CVE-2023-45133",
                "VEX: not_affected (vulnerable_code_not_in_execute_path)"
            ),
            "{product}"
        );
    }

    // Go modules, whose package URLs Palisade writes with the namespace's `/` encoded.
    let v = scan(&[&vex(
        "2025-01-01T00:00:00Z",
        &statement(
            "CVE-2025-24016",
            "pkg:golang/github.com/wazuh/wazuh@v4.7.0+incompatible",
            "not_affected",
        ),
    )]);
    assert_eq!(
        suppressed(&v),
        one(
            "CVE-2025-24016",
            "VEX: not_affected (vulnerable_code_not_in_execute_path)"
        )
    );

    // A statement time that is no time is an error naming the document and statement.
    let bad = tmp.join("bad.json");
    std::fs::write(
        &bad,
        vex(
            "2025-01-01T00:00:00Z",
            r#"{"vulnerability":"CVE-2020-26160","products":["pkg:golang/x"],"status":"fixed","timestamp":"2025-13-01T00:00:00Z"}"#,
        ),
    )
    .unwrap();
    let out = palisade(
        &[
            "scan",
            "fs",
            app.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--vex",
            bad.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.json: statement 1: timestamp \"2025-13-01T00:00:00Z\" is not an RFC 3339 date and time"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
