//! `palisade admission`: the webhook, served from the command line.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use palisade_admission::images::StoreImages;
use palisade_admission::scanning::Scanning;
use palisade_admission::signatures::Signed;
use palisade_admission::{config, server, tls, Webhook};
use palisade_policy::admit::Admission;
use palisade_policy::resources::{AdmissionMode, Unscanned};

use crate::args::{AdmissionCommand, ManifestsArgs, ServeArgs};

pub fn run(cmd: AdmissionCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AdmissionCommand::Serve(args) => serve(&args),
        AdmissionCommand::Manifests(args) => manifests(&args),
    }
}

/// The policy's admission rules, with `--pod-security` required on top.
pub fn admission(
    paths: &[std::path::PathBuf],
    pod_security: Option<&str>,
) -> anyhow::Result<Admission> {
    let policy = match paths.is_empty() {
        true => palisade_policy::Policy::default(),
        false => crate::policy::load_policy(paths)?,
    };
    let mut admission = Admission::new(&policy);
    if let Some(level) = pod_security {
        admission
            .require_pod_security(level)
            .map_err(|e| anyhow::anyhow!("--pod-security {level:?}: {e}"))?;
    }
    Ok(admission)
}

fn manifests(args: &ManifestsArgs) -> anyhow::Result<ExitCode> {
    let admission = admission(&args.policy, args.pod_security.as_deref())?;
    let ca_bundle = match &args.ca_file {
        None => None,
        Some(f) => {
            let pem = std::fs::read(f).with_context(|| format!("{}", f.display()))?;
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                anyhow::bail!("{}: not a PEM certificate", f.display());
            }
            use base64::Engine as _;
            Some(base64::engine::general_purpose::STANDARD.encode(&pem))
        }
    };
    let mut excluded = vec!["kube-system".to_string(), args.namespace.clone()];
    excluded.extend(args.exclude.iter().cloned());
    excluded.dedup();
    // Fail closed when anything refuses: the GlobalRules mode, a rule's own Protect, or
    // images never scanned being refused.
    let d = admission.defaults();
    let fail_closed = d.mode != Some(AdmissionMode::Monitor)
        || admission.rules().iter().any(|(_, r)| {
            r.action == palisade_policy::resources::Action::Deny
                && admission.mode_of(r) == AdmissionMode::Protect
        })
        || matches!(d.unscanned_images, Some(Unscanned::Deny | Unscanned::Scan));
    // A scan on admission needs the API server to wait for it.
    let timeout = match admission.defaults().unscanned_images {
        Some(Unscanned::Scan) => {
            let deadline = admission.defaults().scan_deadline_seconds.map_or(
                palisade_admission::webhook::SCAN_DEADLINE.as_secs(),
                u64::from,
            );
            args.timeout
                .max(u32::try_from(deadline + 2).unwrap_or(30))
                .min(30)
        }
        _ => args.timeout,
    };
    let config = config::webhook_configuration(&config::WebhookOptions {
        namespace: args.namespace.clone(),
        service: args.service.clone(),
        ca_bundle: ca_bundle.clone(),
        timeout_seconds: timeout,
        fail_closed,
        // A scan on admission is a side effect (dry runs never start one).
        scans: admission.defaults().unscanned_images == Some(Unscanned::Scan),
        excluded: excluded.clone(),
    });
    let emitted = palisade_policy::cel::policies(&admission, &excluded);
    let mut docs = vec![config];
    docs.extend(emitted.resources.iter().cloned());
    let text: String = docs
        .iter()
        .map(|d| format!("---\n{}", palisade_policy::yaml::emit(d)))
        .collect();
    crate::output::write(args.output.as_deref(), text.as_bytes())?;
    let written = admission.rules().len() - emitted.unexpressed.len();
    eprintln!(
        "palisade admission manifests: failurePolicy {}; {written} of {} rules also as ValidatingAdmissionPolicies",
        if fail_closed { "Fail" } else { "Ignore" },
        admission.rules().len()
    );
    for u in &emitted.unexpressed {
        eprintln!("  webhook only: {}: {}", u.rule, u.why);
    }
    if let Some(level) = &admission.defaults().pod_security {
        let (name, version) = level.split_once(':').unwrap_or((level, "latest"));
        eprintln!("  webhook only: Pod Security {level}; for the API server's own Pod Security Admission, label namespaces pod-security.kubernetes.io/enforce={name} and pod-security.kubernetes.io/enforce-version={version}");
    }
    if admission.defaults().unscanned_images.is_some() {
        eprintln!("  webhook only: GlobalRules unscannedImages (scan results are the webhook's)");
    }
    if ca_bundle.is_none() {
        eprintln!("  no --ca-file: caBundle is left to a CA injector");
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let admission = admission(&args.policy, args.pod_security.as_deref())?;
    let (cert, key) = match (&args.self_signed, &args.tls_cert, &args.tls_key) {
        (Some(dir), _, _) => {
            let names: Vec<String> = match args.sans.is_empty() {
                true => tls::DEFAULT_NAMES.iter().map(|s| s.to_string()).collect(),
                false => args.sans.clone(),
            };
            let made = tls::self_signed(dir, &names)?;
            println!("caBundle: {}", made.ca_bundle);
            (made.cert, made.key)
        }
        (None, Some(c), Some(k)) => (c.clone(), k.clone()),
        _ => anyhow::bail!("give --tls-cert FILE and --tls-key FILE, or --self-signed DIR"),
    };
    let certs = Arc::new(tls::Reloading::new(&cert, &key)?);
    let config = tls::server_config(certs)?;
    let store_path = crate::store::path(&args.store);
    let store = StoreImages::open(store_path.clone())
        .with_context(|| format!("opening the store {}", store_path.display()))?
        .with_scores(scores(crate::db::open(&args.db)?));
    // Scans on admission: `palisade scan image` of this very binary, into the same store.
    let images: Box<dyn palisade_admission::Images> = match admission.defaults().unscanned_images {
        Some(Unscanned::Scan) => {
            let mut command: Vec<std::ffi::OsString> = vec![
                std::env::current_exe()
                    .context("finding the palisade binary")?
                    .into(),
                "scan".into(),
                "image".into(),
                "--store".into(),
                store_path.clone().into(),
                "--format".into(),
                "json".into(),
                "--timeout".into(),
                "10m".into(),
                // The database is local; its age is the operator's to watch.
                "--offline".into(),
            ];
            if args.registry_insecure {
                command.push("--insecure".into());
            }
            if let Some(ca) = &args.registry_ca_file {
                command.push("--ca-file".into());
                command.push(ca.clone().into());
            }
            Box::new(Scanning::new(store, command))
        }
        _ => Box::new(store),
    };
    // Cosign signatures, for the keys the policy's imageSigned criteria name.
    let keys: Vec<String> = admission
        .rules()
        .iter()
        .flat_map(|(_, r)| r.criteria.iter())
        .filter(|c| c.name == palisade_policy::resources::CriterionName::ImageSigned)
        .filter_map(|c| c.public_key.clone())
        .collect();
    let images: Box<dyn palisade_admission::Images> = match keys.is_empty() {
        true => images,
        false => {
            let mut registry = crate::sbom::registry_access(
                None,
                args.registry_insecure,
                args.registry_ca_file.clone(),
                std::time::Duration::from_secs(5),
            )?;
            // Pods name any registry: only the docker login's per-registry credentials go to
            // one, never credentials meant for all.
            registry.credentials = None;
            Box::new(Signed::new(images, keys, registry))
        }
    };
    let risky: Vec<String> =
        palisade_policy::rbac::risky_service_accounts(&crate::check::read_rbac(&args.rbac)?)
            .into_keys()
            .collect();
    let rules = admission.rules().len();
    let webhook = Arc::new(Webhook::new(admission, images, risky));
    let listener =
        TcpListener::bind(&args.listen).with_context(|| format!("listening on {}", args.listen))?;
    let bound = listener.local_addr()?;
    eprintln!(
        "palisade admission: serving https://{bound}/validate ({} admission rules{})",
        rules,
        args.pod_security
            .as_deref()
            .map(|l| format!(", Pod Security {l}"))
            .unwrap_or_default()
    );
    server::serve(listener, config, webhook, server::Limits::default())
        .with_context(|| format!("serving on {bound}"))?;
    Ok(ExitCode::SUCCESS)
}

/// A finding's highest CVSS base score in `db`: its advisories' vectors, and NVD's ratings of
/// it and its aliases.
pub fn scores(db: palisade_vulndb::db::Database) -> palisade_admission::images::Scores {
    Box::new(move |id: &str, aliases: &[String]| {
        let mut best: Option<f64> = None;
        let mut take = |s: f64| best = Some(best.map_or(s, |b: f64| b.max(s)));
        for id in std::iter::once(id).chain(aliases.iter().map(String::as_str)) {
            if let Ok(Some(a)) = db.advisory(id) {
                a.severity
                    .iter()
                    .filter(|s| s.kind.starts_with("CVSS"))
                    .filter_map(|s| palisade_scan::severity::cvss_base(&s.score))
                    .for_each(&mut take);
            }
            if let Ok(Some(n)) = db.nvd(id) {
                n.metrics
                    .iter()
                    .filter_map(|m| m.base_score)
                    .for_each(&mut take);
            }
        }
        best
    })
}
