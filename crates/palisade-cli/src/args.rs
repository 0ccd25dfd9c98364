//! The command line as the user types it. Only validation here; `main` builds the real objects.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use palisade_scan::sbom::Format;
use palisade_version::Scheme;

#[derive(Parser)]
#[command(
    name = "palisade",
    version,
    about = "Container security: SBOMs, scanning and enforcement"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Write the software bill of materials of an image or root filesystem.
    ///
    /// SOURCE is named as skopeo and podman name it: oci:DIR[:REF], oci-archive:FILE[:REF],
    /// docker-archive:FILE[:REF|@N], rootfs:DIR, or an existing directory.
    Sbom(SbomArgs),
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

#[derive(Args)]
pub struct SbomArgs {
    /// The image or root filesystem to read.
    pub source: String,
    /// cyclonedx, spdx-json, json or table.
    #[arg(long, short = 'f', default_value = "table")]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub image: ImageArgs,
}

/// How to read an image: platform choice and the caps that protect against hostile images.
#[derive(Args)]
pub struct ImageArgs {
    /// Platform to pick from a multi-platform index, as os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,
    /// Largest decompressed size of one layer, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_layer_bytes: Option<u64>,
    /// Largest decompressed size of all layers together, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_image_bytes: Option<u64>,
    /// Largest declared size of any one file in a layer, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Largest package database or manifest file read for cataloguing, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_read_bytes: Option<u64>,
    /// Most entries in one layer (or files in a root filesystem).
    #[arg(long, value_name = "N")]
    pub max_entries: Option<usize>,
    /// Do not check layers against their digests. Faster on large uncompressed archives; the
    /// layer digests reported are then the ones the image claims.
    #[arg(long)]
    pub skip_verify: bool,
}
