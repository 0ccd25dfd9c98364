//! The command line as the user types it. Only validation here; `main` builds the real objects.

use clap::{Parser, Subcommand};
use palisade_version::Scheme;

#[derive(Parser)]
#[command(name = "palisade", version, about = "Container security: SBOMs, scanning and enforcement")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Tools for checking Palisade's building blocks.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(Subcommand)]
pub enum DebugCommand {
    /// Compare versions: reads `A<TAB>B` lines on stdin, prints -1, 0 or 1 per line.
    Vercmp {
        /// deb, rpm, apk, semver, cargo, pep440, maven or go
        #[arg(long)]
        scheme: Scheme,
    },
}
