//! The `rapport` binary: with no subcommand it opens the app; subcommands check, play, graph and analyse scenarios.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match args.command {
        Some(cmd) => {
            // A command piped into `head` stops quietly when the reader goes, as Unix tools do, instead of
            // panicking on "failed printing to stdout: Broken pipe".
            sigpipe::reset();
            cli::run(cmd, args.catalog, args.data_dir)
        }
        None => open_app(args),
    }
}

#[cfg(feature = "app")]
fn open_app(args: cli::Cli) -> ExitCode {
    use cli::StartScreen;
    use rapport::app::core::Screen;
    if let Some(why) = cli::why_the_app_cannot_open(&args.scenarios, std::env::var_os) {
        eprintln!("{why}");
        return ExitCode::from(2);
    }
    let screen = args.screen.map(|s| match s {
        StartScreen::Briefing => Screen::Briefing,
        StartScreen::Settings => Screen::Settings,
        StartScreen::History => Screen::History,
        StartScreen::Class => Screen::Class,
        StartScreen::Classroom => Screen::Classroom,
    });
    rapport::app::run(rapport::app::Options {
        folders: args.scenarios,
        open: args.open,
        choices: args.choices,
        screen,
        seed: args.seed,
        class: args.class,
        class_port: args.class_port,
        screenshot: args.screenshot,
        data_dir: args.data_dir.unwrap_or_else(rapport::engine::records::default_dir),
    })
}

#[cfg(not(feature = "app"))]
fn open_app(_args: cli::Cli) -> ExitCode {
    eprintln!("this build of rapport has no app (built without the `app` feature); try `rapport --help`");
    ExitCode::from(2)
}
