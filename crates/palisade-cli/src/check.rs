//! `palisade policy check`: manifests judged in CI, before they reach a cluster, by the same
//! admission code the webhook runs (palisade-policy's `Admission::judge`), reported as a
//! table, JSON or SARIF with each violation's line.

use std::path::{Component, Path};
use std::process::ExitCode;

use palisade_admission::images::StoreImages;
use palisade_admission::{Images, NoImages};
use palisade_policy::admit::{Judgement, Request};
use palisade_policy::manifests::{self, Manifest};
use palisade_policy::resources::AdmissionMode;
use serde_json::{json, Value};

use crate::args::CheckArgs;

/// One resource judged.
struct Checked {
    file: String,
    manifest: Manifest,
    judgement: Judgement,
    allowed: bool,
}

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let admission = crate::admission::admission(&args.policy, args.pod_security.as_deref())?;
    // Images scanned earlier in the pipeline are in the store; without one, none is.
    let store = crate::store::path(&args.store);
    let images: Box<dyn Images> = match store.exists() {
        true => Box::new(
            StoreImages::open(store)?
                .with_scores(crate::admission::scores(crate::db::open(&args.db)?)),
        ),
        false => Box::new(NoImages),
    };
    let files = crate::policy::files_under(&args.paths, &["yaml", "yml", "json"])?;
    if files.is_empty() {
        anyhow::bail!("no manifests (*.yaml, *.yml, *.json) under the paths given");
    }
    // Every file is read before any is judged: one that does not read fails the run whole.
    let mut read = Vec::new();
    let mut unread = Vec::new();
    for f in &files {
        match read_manifests(f) {
            Ok(m) => read.push((f.display().to_string(), m)),
            Err(why) => unread.push(why),
        }
    }
    if !unread.is_empty() {
        anyhow::bail!("manifests that do not read:\n  {}", unread.join("\n  "));
    }
    let groups = args.groups.clone();
    // Service accounts bound to risky roles: by the RBAC objects among the manifests (a
    // chart's own) and those given.
    let mut rbac: Vec<serde_json::Value> = read_rbac(&args.rbac)?;
    rbac.extend(
        read.iter()
            .flat_map(|(_, ms)| ms.iter().map(|m| m.object.clone())),
    );
    let risky: Vec<String> = palisade_policy::rbac::risky_service_accounts(&rbac)
        .into_keys()
        .collect();
    let mut checked = Vec::new();
    for (file, resources) in read {
        for manifest in resources {
            let request = Request {
                namespace: args.namespace.as_deref().unwrap_or(""),
                user: args.user.as_deref().unwrap_or(""),
                groups: &groups,
                risky_service_accounts: &risky,
            };
            let lookup =
                |image: &str| images.facts(image, palisade_admission::webhook::Lookup::default());
            let judgement = admission
                .judge(&manifest.object, &request, &lookup)
                .map_err(|e| {
                    anyhow::anyhow!("{file}:{}: {}: {e}", manifest.line(), manifest.title())
                })?;
            let allowed = judgement.decision().allowed;
            checked.push(Checked {
                file: file.clone(),
                manifest,
                judgement,
                allowed,
            });
        }
    }
    let text = match args.format.as_str() {
        "table" => table(&checked),
        "json" => format!("{:#}\n", json_report(&checked)),
        "sarif" => format!("{:#}\n", sarif(&checked)),
        other => anyhow::bail!("unknown format {other:?} (expected table, json or sarif)"),
    };
    crate::output::write(args.output.as_deref(), text.as_bytes())?;
    let refused = checked.iter().any(|c| !c.allowed);
    Ok(match (refused, args.exit_code) {
        (true, n) if n != 0 => ExitCode::from(n),
        _ => ExitCode::SUCCESS,
    })
}

/// The objects of RBAC files given (`--rbac`).
pub fn read_rbac(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<serde_json::Value>> {
    let files = crate::policy::files_under(paths, &["yaml", "yml", "json"])?;
    let mut out = Vec::new();
    for f in &files {
        let ms = read_manifests(f).map_err(|e| anyhow::anyhow!("--rbac: {e}"))?;
        out.extend(ms.into_iter().map(|m| m.object));
    }
    Ok(out)
}

/// A manifest file's resources, or `FILE: why` (with the line where there is one).
fn read_manifests(path: &Path) -> Result<Vec<Manifest>, String> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: {e}"))?;
    if meta.len() > manifests::LIMITS.max_bytes as u64 {
        return Err(format!(
            "{name}: {} bytes, over the {} bytes a manifest file may have",
            meta.len(),
            manifests::LIMITS.max_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("{name}: not UTF-8 text: {e}"))?;
    manifests::read(&name, &text).map_err(|e| e.to_string())
}

fn severity(mode: AdmissionMode) -> &'static str {
    match mode {
        AdmissionMode::Protect => "error",
        AdmissionMode::Monitor => "warning",
    }
}

fn table(checked: &[Checked]) -> String {
    let mut out = String::new();
    let (mut refused, mut warned) = (0, 0);
    for c in checked {
        let hits = &c.judgement.hits;
        let verdict = match (c.allowed, hits.is_empty(), &c.judgement.exception) {
            (false, _, _) => "refused",
            (true, _, Some(_)) => "allowed (exception)",
            (true, false, None) => "allowed with warnings",
            (true, true, None) => continue,
        };
        refused += usize::from(!c.allowed);
        warned += usize::from(c.allowed && !hits.is_empty());
        out.push_str(&format!(
            "{}:{}: {}: {verdict}\n",
            c.file,
            c.manifest.line(),
            c.manifest.title()
        ));
        if let Some(e) = &c.judgement.exception {
            out.push_str(&format!("  allowed by {e}\n"));
        }
        for h in hits {
            let line = h
                .path
                .as_deref()
                .map_or(c.manifest.line(), |p| c.manifest.line_of(p));
            out.push_str(&format!(
                "  {}:{line}: {}: {}\n",
                c.file,
                severity(h.mode),
                h.message
            ));
        }
    }
    out.push_str(&format!(
        "{} resources in {} files: {refused} refused, {warned} allowed with warnings, {} allowed\n",
        checked.len(),
        {
            let mut files: Vec<&str> = checked.iter().map(|c| c.file.as_str()).collect();
            files.dedup();
            files.len()
        },
        checked.len() - refused - warned
    ));
    out
}

fn json_report(checked: &[Checked]) -> Value {
    let resources: Vec<Value> = checked
        .iter()
        .map(|c| {
            let o = &c.manifest.object;
            let violations: Vec<Value> = c
                .judgement
                .hits
                .iter()
                .map(|h| {
                    json!({
                        "rule": h.rule,
                        "severity": severity(h.mode),
                        "message": h.message,
                        "path": h.path,
                        "line": h.path.as_deref().map_or(c.manifest.line(), |p| c.manifest.line_of(p)),
                    })
                })
                .collect();
            json!({
                "file": c.file,
                "line": c.manifest.line(),
                "apiVersion": o["apiVersion"],
                "kind": o["kind"],
                "namespace": o["metadata"]["namespace"],
                "name": o["metadata"]["name"],
                "allowed": c.allowed,
                "exception": c.judgement.exception,
                "judged": c.judgement.carries_pod,
                "violations": violations,
            })
        })
        .collect();
    let refused = checked.iter().filter(|c| !c.allowed).count();
    json!({
        "resources": resources,
        "summary": {"resources": checked.len(), "refused": refused, "allowed": checked.len() - refused},
    })
}

/// SARIF 2.1.0 for code scanning: one rule per policy rule, one result per violation, at the
/// violating field's line.
fn sarif(checked: &[Checked]) -> Value {
    let mut rules: Vec<&str> = Vec::new();
    let mut results = Vec::new();
    for c in checked {
        for h in &c.judgement.hits {
            let index = match rules.iter().position(|r| *r == h.rule) {
                Some(i) => i,
                None => {
                    rules.push(&h.rule);
                    rules.len() - 1
                }
            };
            let line = h
                .path
                .as_deref()
                .map_or(c.manifest.line(), |p| c.manifest.line_of(p));
            results.push(json!({
                "ruleId": h.rule,
                "ruleIndex": index,
                "level": severity(h.mode),
                "message": {"text": format!("{}: {}", c.manifest.title(), h.message)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&c.file),
                        "region": {"startLine": line},
                    },
                    "logicalLocations": [{"fullyQualifiedName": format!("{}/{}", c.manifest.title(), h.path.as_deref().unwrap_or("")), "kind": "resource"}],
                }],
                "partialFingerprints": {"palisade/v1": format!("{}:{}:{}", h.rule, c.manifest.title(), h.path.as_deref().unwrap_or(""))},
            }));
        }
    }
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r,
                "name": r.replace(' ', ""),
                "shortDescription": {"text": r},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "palisade",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/palisade-security/palisade",
                "rules": rule_values,
            }},
            "invocations": [{"executionSuccessful": true}],
            "results": results,
        }],
    })
}

/// A file as a SARIF artifact location: an absolute path as a `file:` URI, a relative one
/// relative to the source root (as code scanning resolves it), percent-encoded.
fn artifact(file: &str) -> Value {
    // No `.` or `..` segments (SARIF1002): a path climbing out of the working directory is
    // made absolute, then each `..` taken off lexically.
    let path = Path::new(file);
    let path = match path.components().any(|c| c == Component::ParentDir) && path.is_relative() {
        true => std::env::current_dir().unwrap_or_default().join(path),
        false => path.to_path_buf(),
    };
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    let file = match path.is_absolute() {
        true => format!("/{}", parts.join("/")),
        false => parts.join("/"),
    };
    let encoded: String = file
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    match file.starts_with('/') {
        true => json!({"uri": format!("file://{encoded}")}),
        false => json!({"uri": encoded, "uriBaseId": "%SRCROOT%"}),
    }
}
