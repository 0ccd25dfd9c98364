//! What gets past a problem, named the way this CLI is driven: the flag to pass. The
//! libraries say what would help ([`Remedy`]); only here does it become a flag.

use palisade_core::diagnostic::{Limit, Remedy};
use palisade_image::ImageError;

/// The flag (or other step) that gets past `remedy`, as said after a message.
pub fn hint(remedy: &Remedy) -> String {
    match remedy {
        Remedy::RaiseLimit { limit } => format!("--{}", limit_flag(*limit)),
        Remedy::Credentials => {
            "--creds USER:PASSWORD, $PALISADE_REGISTRY_USER/_PASSWORD or docker login".into()
        }
        Remedy::RegistryTimeout => "--registry-timeout".into(),
        Remedy::ChoosePlatform { .. } => "choose with --platform".into(),
        Remedy::SkipVerify => "--skip-verify reads it unchecked".into(),
        Remedy::AllMounts => "--all-mounts reads them".into(),
    }
}

/// The flag that sets `limit` (`args::ImageArgs`).
fn limit_flag(limit: Limit) -> &'static str {
    match limit {
        Limit::LayerBytes => "max-layer-bytes",
        Limit::ImageBytes => "max-image-bytes",
        Limit::FileBytes => "max-file-bytes",
        Limit::ReadBytes => "max-read-bytes",
        Limit::CapturedBytes => "max-captured-bytes",
        Limit::Entries => "max-entries",
    }
}

/// An error as said to the user: its chain, then what gets past it (`(--max-layer-bytes)`).
pub fn said(err: &anyhow::Error) -> String {
    match for_error(err) {
        Some(hint) => format!("{err:#} ({hint})"),
        None => format!("{err:#}"),
    }
}

/// What gets past an error: an image read's remedy, or the commands that give a database
/// of the schema this binary reads.
fn for_error(err: &anyhow::Error) -> Option<String> {
    use palisade_engine::EngineError;
    use palisade_vulndb::db::DbError;
    err.chain().find_map(|e| {
        let db = e
            .downcast_ref::<DbError>()
            .or_else(|| match e.downcast_ref() {
                Some(EngineError::Database(d)) => Some(d),
                _ => None,
            });
        if let Some(DbError::Schema { .. }) = db {
            return Some("`palisade db build --from FEEDS`, or `palisade db update`".into());
        }
        let image = e
            .downcast_ref::<ImageError>()
            .or_else(|| match e.downcast_ref() {
                Some(EngineError::Image(i)) => Some(i),
                _ => None,
            })?;
        image.remedy().map(|r| hint(&r))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every limit's flag is one the CLI takes.
    #[test]
    fn limit_flags_are_real_flags() {
        use clap::CommandFactory;
        let cmd = crate::args::Cli::command();
        let sbom = cmd
            .get_subcommands()
            .find(|c| c.get_name() == "sbom")
            .expect("an sbom command");
        for limit in [
            Limit::LayerBytes,
            Limit::ImageBytes,
            Limit::FileBytes,
            Limit::ReadBytes,
            Limit::CapturedBytes,
            Limit::Entries,
        ] {
            let flag = limit_flag(limit);
            assert!(
                sbom.get_arguments().any(|a| a.get_long() == Some(flag)),
                "--{flag}"
            );
        }
    }
}
