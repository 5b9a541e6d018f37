//! The `rapport` binary: with no subcommand it opens the app; subcommands check, play, graph and analyse scenarios.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match args.command {
        Some(cmd) => cli::run(cmd, args.catalog),
        None => open_app(args.scenarios),
    }
}

#[cfg(feature = "app")]
fn open_app(folders: Vec<std::path::PathBuf>) -> ExitCode {
    rapport::app::run(folders)
}

#[cfg(not(feature = "app"))]
fn open_app(_folders: Vec<std::path::PathBuf>) -> ExitCode {
    eprintln!(
        "this build of rapport has no app (built without the `app` feature); try `rapport --help`"
    );
    ExitCode::from(2)
}
