//! `palisade admission`: the webhook, served from the command line.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use palisade_admission::images::StoreImages;
use palisade_admission::{server, tls, Webhook};
use palisade_policy::admit::Admission;

use crate::args::{AdmissionCommand, ServeArgs};

pub fn run(cmd: AdmissionCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AdmissionCommand::Serve(args) => serve(&args),
    }
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let policy = match args.policy.is_empty() {
        true => palisade_policy::Policy::default(),
        false => crate::policy::load_policy(&args.policy)?,
    };
    let mut admission = Admission::new(&policy);
    if let Some(level) = &args.pod_security {
        admission
            .require_pod_security(level)
            .map_err(|e| anyhow::anyhow!("--pod-security {level:?}: {e}"))?;
    }
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
    let images = StoreImages::open(store_path.clone())
        .with_context(|| format!("opening the store {}", store_path.display()))?;
    let webhook = Arc::new(Webhook::new(admission, Box::new(images), Vec::new()));
    let listener =
        TcpListener::bind(&args.listen).with_context(|| format!("listening on {}", args.listen))?;
    let bound = listener.local_addr()?;
    eprintln!(
        "palisade admission: serving https://{bound}/validate ({} admission rules{})",
        policy
            .resources
            .iter()
            .filter(|r| matches!(r.spec, palisade_policy::Spec::Admission(_)))
            .count(),
        args.pod_security
            .as_deref()
            .map(|l| format!(", Pod Security {l}"))
            .unwrap_or_default()
    );
    server::serve(listener, config, webhook, server::Limits::default())
        .with_context(|| format!("serving on {bound}"))?;
    Ok(ExitCode::SUCCESS)
}
