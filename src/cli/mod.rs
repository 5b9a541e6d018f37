//! Command-line front end: argument parsing and one function per subcommand.

mod author;
mod check;
mod play;
mod records;
mod render;
mod test;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

use rapport::engine::Library;

/// Rapport: a training simulator for integrative psychotherapy.
#[derive(Debug, Parser)]
#[command(name = "rapport", version, about)]
pub struct Cli {
    /// Extra scenario folders for the app to open (the shipped scenarios are always there).
    #[arg(long = "scenarios", value_name = "DIR")]
    pub scenarios: Vec<PathBuf>,
    /// Use this technique catalog instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Open the app on this scenario id (for demos and the screenshot tour).
    #[arg(long, hide = true)]
    pub open: Option<String>,
    /// Replay these option ids after opening.
    #[arg(long, hide = true, value_delimiter = ',')]
    pub choices: Vec<String>,
    /// Show this screen: briefing, settings, history, class or classroom (with --open: a class session of that
    /// scenario; session and debrief follow from the choices).
    #[arg(long, hide = true, value_enum)]
    pub screen: Option<StartScreen>,
    /// Seed of the session's randomness.
    #[arg(long, hide = true)]
    pub seed: Option<u64>,
    /// Save the window as a PNG once the startup script has played, then close (used by `rapport render`).
    #[arg(long, hide = true, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,
    /// The class report screen reads this folder of exports when it opens (with `--screen class`).
    #[arg(long, hide = true)]
    pub class: Option<PathBuf>,
    /// The port phones reach a class session on (default 8377; another is taken if it is in use).
    #[arg(long, value_name = "PORT")]
    pub class_port: Option<u16>,
    /// Where records and settings live (default: `RAPPORT_HOME`, else the platform's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario, catalog and weights files (or folders of them) and report every problem.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Play a scenario in the terminal, or automatically.
    Play {
        file: PathBuf,
        /// Seed of the randomness (client line variants, repair success).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Play without input: a random, the best-scoring or the worst-scoring option at each stage.
        #[arg(long, value_enum)]
        auto: Option<Auto>,
        /// Replay a script of option ids, separated by commas.
        #[arg(long, value_delimiter = ',')]
        choices: Option<Vec<String>>,
        #[arg(long, value_enum, default_value_t = PlayFormat::Text)]
        format: PlayFormat,
        /// Record the session in the student's records (as the app does), move by move.
        #[arg(long)]
        save: bool,
        /// Print exactly what a student's screen shows: the briefing, the client's words and non-verbal, the
        /// options as the app lists them (technique names hidden where the scenario says so), the feedback.
        #[arg(long)]
        student: bool,
    },
    /// List the recorded sessions, newest first; `--forget` deletes them all.
    History {
        /// Only this scenario's sessions (its id).
        #[arg(long)]
        scenario: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Delete every recorded session and every statement waiting to be sent (asks first).
        #[arg(long)]
        forget: bool,
        /// Do not ask before --forget.
        #[arg(long, requires = "forget")]
        yes: bool,
    },
    /// Export recorded sessions: one (by its id or the start of it) or all of them.
    Export {
        session: Option<String>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// CSV: one row per move instead of one per session.
        #[arg(long)]
        moves: bool,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// xAPI: post the statements to a Learning Record Store (`--lrs URL`, or `--lrs` alone for the one in
        /// the settings or RAPPORT_LRS_URL); credentials from RAPPORT_LRS_USER and RAPPORT_LRS_PASSWORD or
        /// the settings. What cannot be sent waits in the outbox and goes next time, each statement once.
        #[arg(long, value_name = "URL", num_args = 0..=1)]
        lrs: Option<Option<String>>,
        /// The student's id in exports (a gradebook's username, ID number or e-mail); default: the account in
        /// the settings, else an anonymous id made once.
        #[arg(long)]
        student: Option<String>,
    },
    /// Render a stage as the student's screen shows it, to a PNG (draws with the app; without a display it
    /// starts a virtual one, which needs Xvfb).
    Render {
        file: PathBuf,
        /// The stage to show (reached by the shortest play with this seed); or give `--choices`.
        #[arg(long)]
        stage: Option<String>,
        /// The choices to play first, separated by commas.
        #[arg(long, value_delimiter = ',')]
        choices: Option<Vec<String>>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// The class report: many students' exports (JSON, or xAPI statements) merged into one summary per scenario.
    Report {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Draw the stage graph: stages by phase, endings, edges labelled with their conditions.
    Graph {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Analyse a scenario: reachability, shortest paths, best and worst scores, dominated options, warnings.
    Analyze {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Per stage, at the state a sensible trainee meets it in: each option's score, class, computed fit with
        /// its terms, alliance change and common factors, beside its declared intent; `!!` marks a disagreement.
        #[arg(long)]
        stages: bool,
    },
    /// Calibration over files or folders: per scenario, how far the computed ranking agrees with the intents
    /// the author declared, the accuracy of the best, declared and worst plays, and the overrides used.
    Calibrate {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Also print every stage: each option's score, declared intent, fit terms, common factors and alliance change.
        #[arg(long)]
        stages: bool,
    },
    /// List the technique catalog: id, name, schools, attributes, what each needs first and provides, evidence.
    Techniques {
        /// Only techniques of this school (any school they belong to), by name or label, e.g. `Systemic`.
        #[arg(long)]
        school: Option<String>,
        /// Only techniques whose id, name or description contains this word.
        word: Option<String>,
        /// `markdown` writes the reference committed as scenarios/TECHNIQUES.md.
        #[arg(long, value_enum, default_value_t = TechniquesFormat::Human)]
        format: TechniquesFormat,
    },
    /// Write a new scenario scaffold with every section present and commented.
    New {
        name: String,
        /// Folder to write it in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Write the version-2 form of a version-1 scenario, keeping its comments and layout; refuses a file that
    /// does not check clean.
    Upgrade {
        file: PathBuf,
        /// Where to write it (default: over FILE).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Also declare each option's `intent` as the engine classes it now (to review), so the checker holds
        /// the scoring to it from here on; without it, the options without an intent are listed.
        #[arg(long)]
        intents: bool,
    },
    /// Run golden play-through scripts (NAME.plays.ron beside NAME.ron, or the files given) and report drift.
    Test {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// The screens `--screen` can open the app on (the others follow from `--open` and `--choices`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartScreen {
    Briefing,
    Settings,
    History,
    Class,
    Classroom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TechniquesFormat {
    Human,
    Json,
    /// The authors' reference, `rapport techniques --format markdown > scenarios/TECHNIQUES.md`.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Everything recorded, for `rapport report` and other tools.
    Json,
    /// A spreadsheet or a gradebook import (Moodle's "Import grades from CSV").
    Csv,
    /// A debrief that stands on its own.
    Markdown,
    /// A debrief that stands on its own, charts inline, no network.
    Html,
    /// xAPI 1.0.3 statements (launched, answered, completed).
    Xapi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlayFormat {
    /// Readable transcript with feedback and debrief.
    Text,
    /// One JSON document: transcript, scores, ending and debrief.
    Json,
    /// The stable transcript lines golden scripts check against.
    Transcript,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Auto {
    Random,
    Best,
    Worst,
}

/// Under `--format json`, what a failure writes on stdout: one object with the error and the diagnostics in the
/// shape `check --format json` gives them, so a machine reading stdout always gets JSON (the exit code is kept).
pub fn json_failure(error: &str, diagnostics: &[rapport::engine::load::diagnostic::Diagnostic]) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let doc = serde_json::json!({ "error": error, "errors": errors, "diagnostics": diagnostics });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}

/// Loads a scenario and reports its errors; None when it cannot be played.
pub fn load_clean(lib: &Library, file: &std::path::Path) -> Option<std::sync::Arc<rapport::engine::Scenario>> {
    load_reporting(lib, file, false)
}

/// [`load_clean`]; under `--format json` the errors are also one JSON object on stdout.
pub fn load_reporting(
    lib: &Library,
    file: &std::path::Path,
    json: bool,
) -> Option<std::sync::Arc<rapport::engine::Scenario>> {
    let l = rapport::engine::load::load_scenario_file(file, &lib.catalog);
    if l.has_errors() {
        let why = format!("{} cannot be played until these errors are fixed", file.display());
        if json {
            json_failure(&why, &l.diagnostics);
        }
        eprint!(
            "{}",
            rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
        );
        eprintln!("{why}");
        return None;
    }
    l.value
}

/// Whether there is a display to open a window on: what winit needs on Linux and the BSDs (X11's `DISPLAY`, or
/// Wayland's `WAYLAND_DISPLAY` or `WAYLAND_SOCKET`, set and not empty); macOS and Windows always have one. `var`
/// reads the environment (`std::env::var_os`; a parameter so the rule is tested without touching the test's own).
pub fn has_display(var: impl Fn(&'static str) -> Option<std::ffi::OsString>) -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
        .iter()
        .any(|v| var(v).is_some_and(|x| !x.is_empty()))
}

/// Why the app cannot open, in one line, found before it builds a window (where winit would panic): a `--scenarios`
/// folder that is not there or cannot be read (its scenarios would be missing without a word), then no display.
#[cfg(any(feature = "app", test))]
pub fn why_the_app_cannot_open(
    folders: &[PathBuf],
    var: impl Fn(&'static str) -> Option<std::ffi::OsString>,
) -> Option<String> {
    for f in folders {
        let unreadable = match std::fs::metadata(f) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("there is no such file or folder".to_owned()),
            Err(e) => Some(format!("cannot read it: {e}")),
            Ok(m) if m.is_dir() => std::fs::read_dir(f)
                .err()
                .map(|e| format!("cannot read this folder: {e}")),
            Ok(_) => None,
        };
        if let Some(why) = unreadable {
            return Some(format!("--scenarios {}: {why}", f.display()));
        }
    }
    if !has_display(var) {
        use clap::CommandFactory;
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        return Some(format!(
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset): open Rapport from a desktop session, or under \
             a virtual display (`xvfb-run rapport`, with xvfb and mesa-vulkan-drivers installed); the command-line \
             subcommands work without one: {} (rapport --help)",
            names.join(", ")
        ));
    }
    None
}

/// Whether the command was asked for JSON on stdout.
fn wants_json(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Check {
            format: Format::Json,
            ..
        } | Command::Play {
            format: PlayFormat::Json,
            ..
        } | Command::Analyze {
            format: Format::Json,
            ..
        } | Command::Calibrate {
            format: Format::Json,
            ..
        } | Command::History {
            format: Format::Json,
            ..
        } | Command::Techniques {
            format: TechniquesFormat::Json,
            ..
        }
    )
}

/// The files and folders a command is given to read.
fn paths_read(cmd: &Command) -> Vec<&std::path::Path> {
    match cmd {
        Command::Check { paths, .. }
        | Command::Calibrate { paths, .. }
        | Command::Test { paths }
        | Command::Report { paths, .. } => paths.iter().map(PathBuf::as_path).collect(),
        Command::Play { file, .. }
        | Command::Graph { file, .. }
        | Command::Analyze { file, .. }
        | Command::Render { file, .. }
        | Command::Upgrade { file, .. } => vec![file.as_path()],
        Command::History { .. } | Command::Export { .. } | Command::Techniques { .. } | Command::New { .. } => {
            Vec::new()
        }
    }
}

/// A path on the command line that names nothing is bad usage (exit 2), for every command alike, as an empty
/// folder is; a file that exists but cannot be read, or has errors, is exit 1.
fn refuse_missing(cmd: &Command, catalog: Option<&std::path::Path>) -> Option<ExitCode> {
    use rapport::engine::load::diagnostic::{Code, Diagnostic};
    let missing: Vec<Diagnostic> = paths_read(cmd)
        .into_iter()
        .chain(catalog)
        .filter(|p| std::fs::symlink_metadata(p).is_err())
        .map(|p| {
            Diagnostic::at(
                Code::R001,
                &p.display().to_string(),
                &rapport::engine::load::source::Locator::default(),
                None,
                "there is no such file or folder",
            )
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    if wants_json(cmd) {
        json_failure("a path on the command line does not exist", &missing);
    } else {
        for d in &missing {
            eprintln!("{d}");
        }
    }
    Some(ExitCode::from(2))
}

pub fn run(cmd: Command, catalog: Option<PathBuf>, data_dir: Option<PathBuf>) -> ExitCode {
    if let Some(code) = refuse_missing(&cmd, catalog.as_deref()) {
        return code;
    }
    let json = wants_json(&cmd);
    let dir = records::data_dir(data_dir);
    let lib = match Library::builtin() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let lib = match catalog {
        Some(path) => match load_catalog(lib, &path, json) {
            Some(l) => l,
            None => return ExitCode::from(1),
        },
        None => lib,
    };
    match cmd {
        Command::Check { paths, format } => check::run(&lib, &paths, format),
        Command::Play {
            file,
            seed,
            auto,
            choices,
            format,
            save,
            student,
        } => play::run(
            &lib,
            &file,
            seed,
            auto,
            choices,
            format,
            save.then_some(dir.as_path()),
            student,
        ),
        Command::History {
            scenario,
            format,
            forget,
            yes,
        } => records::history(&dir, scenario.as_deref(), format, forget, yes),
        Command::Export {
            session,
            format,
            moves,
            output,
            lrs,
            student,
        } => records::export(
            &lib,
            &dir,
            records::ExportArgs {
                session,
                format,
                moves,
                output,
                lrs,
                student,
            },
        ),
        Command::Render {
            file,
            stage,
            choices,
            seed,
            output,
        } => render::run(
            &lib,
            render::RenderArgs {
                file,
                stage,
                choices,
                seed,
                output,
            },
        ),
        Command::Report { paths, format, output } => records::report(&lib, &paths, format, output.as_deref()),
        Command::Test { paths } => test::run(&lib, &paths),
        Command::Graph { file, format } => author::graph(&lib, &file, format),
        Command::Analyze {
            file,
            format,
            stages: true,
        } => author::stages(&lib, &file, format),
        Command::Analyze { file, format, .. } => author::analyze(&lib, &file, format),
        Command::New { name, dir } => author::new(&name, &dir),
        Command::Upgrade { file, output, intents } => author::upgrade(&lib, &file, output.as_deref(), intents),
        Command::Techniques { school, word, format } => {
            author::techniques(&lib, school.as_deref(), word.as_deref(), format)
        }
        Command::Calibrate { paths, format, stages } => author::calibrate(&lib, &paths, format, stages),
    }
}

/// Swaps in a catalog from a file, reporting its problems.
fn load_catalog(lib: Library, path: &std::path::Path, json: bool) -> Option<Library> {
    let file = path.display().to_string();
    let src = match rapport::engine::load::read(path) {
        Ok(s) => s,
        Err(d) => {
            if json {
                json_failure("the catalog cannot be read", std::slice::from_ref(&d));
            }
            eprint!("{}", rapport::engine::load::diagnostic::render(&[d], None));
            return None;
        }
    };
    let l = rapport::engine::load::load_catalog_str(&src, &file);
    if l.has_errors() {
        if json {
            json_failure("the catalog has errors", &l.diagnostics);
        }
        eprint!(
            "{}",
            rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
        );
        return None;
    }
    let catalog = l.value?;
    Some(Library {
        catalog: std::sync::Arc::new(catalog),
        ..lib
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    /// An environment holding only these variables.
    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, OsString)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).into())).collect();
        move |k| vars.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_missing_scenarios_folder_is_named_before_the_display_is_asked_for() {
        let why = why_the_app_cannot_open(&[PathBuf::from("/nonexistent/rapport")], env(&[("DISPLAY", ":0")]));
        assert_eq!(
            why.as_deref(),
            Some("--scenarios /nonexistent/rapport: there is no such file or folder")
        );
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        assert_eq!(why_the_app_cannot_open(&[here], env(&[("DISPLAY", ":0")])), None);
    }

    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    #[test]
    fn without_a_display_the_app_names_the_subcommands_instead() {
        let why = why_the_app_cannot_open(&[], env(&[("DISPLAY", "")])).unwrap_or_default();
        assert!(
            why.starts_with("no display found (DISPLAY and WAYLAND_DISPLAY are unset)"),
            "{why}"
        );
        assert!(
            why.contains("check, play,") && why.ends_with("(rapport --help)"),
            "{why}"
        );
        for wayland in ["WAYLAND_DISPLAY", "WAYLAND_SOCKET"] {
            assert!(has_display(env(&[(wayland, "wayland-0")])), "{wayland}");
        }
        assert!(!has_display(env(&[])));
    }
}
