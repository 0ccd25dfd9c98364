//! `palisade`: parse the command line, dispatch to the library that owns the role, and map the
//! result to an exit code (0 success, 1 a gate tripped, 2 an error).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod admission;
mod args;
mod check;
mod db;
mod debug;
mod output;
mod policy;
mod remedy;
mod rescan;
mod sbom;
mod scan;
mod store;
mod update;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, DebugCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sbom(args) => sbom::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Rescan(args) => rescan::run(&args),
        Command::Explain(args) => scan::explain(&args),
        Command::Store(cmd) => store::run(cmd),
        Command::Db(cmd) => db::run(cmd),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Admission(cmd) => admission::run(cmd),
        Command::Debug(DebugCommand::Vercmp { scheme }) => debug::vercmp(scheme),
        Command::Debug(DebugCommand::Cvss) => debug::cvss(),
        Command::Debug(DebugCommand::Schema { name }) => debug::schema(&name),
        Command::Debug(DebugCommand::MatchBench {
            source,
            rounds,
            db,
            image,
        }) => debug::match_bench(&source, rounds, &db, &image),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("palisade: error: {}", remedy::said(&err));
            if stopped(&err) {
                eprintln!("palisade: the command ran past --timeout: raise it, or leave it out for no limit");
            }
            ExitCode::from(2)
        }
    }
}

/// Whether the error is a read or scan stopped by its deadline.
fn stopped(err: &anyhow::Error) -> bool {
    use palisade_engine::EngineError;
    use palisade_image::ImageError;
    // An image error is looked at without its remedy (`ImageError::inner`).
    let image_stopped = |i: &ImageError| matches!(i.inner(), ImageError::Stopped { .. });
    err.chain().any(|e| match e.downcast_ref::<EngineError>() {
        Some(EngineError::Stopped { .. }) => true,
        Some(EngineError::Image(i)) => image_stopped(i),
        _ => e.downcast_ref::<ImageError>().is_some_and(image_stopped),
    })
}
