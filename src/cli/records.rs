//! `rapport history`, `export` and `report`: the student's records, their exports, xAPI and the class report.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rapport::engine::records::xapi::{self, Lrs, XapiSettings};
use rapport::engine::records::{self, SessionRecord, Store, export, report};
use rapport::engine::{Library, shipped};

use super::{ExportFormat, Format, ReportFormat};

/// Opens the store in the data folder, or says why not.
pub fn open(dir: &Path) -> Option<Store> {
    match Store::open(dir) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

pub fn history(dir: &Path, scenario: Option<&str>, format: Format, forget: bool, yes: bool) -> ExitCode {
    let json = format == Format::Json && !forget;
    let mut store = match Store::open(dir) {
        Ok(s) => s,
        Err(e) => {
            if json {
                super::json_failure(&e.to_string(), &[]);
            }
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    if forget {
        return forget_all(&mut store, yes);
    }
    let list = match scenario {
        Some(id) => store.sessions_of(id),
        None => store.sessions(),
    };
    let list = match list {
        Ok(l) => l,
        Err(e) => {
            if json {
                super::json_failure(&e.to_string(), &[]);
            }
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if list.is_empty() {
        let _ = writeln!(
            out,
            "No sessions recorded yet in {}. Sessions played in the app are recorded; in the terminal, add --save to `rapport play`.",
            store.path().display()
        );
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(
        out,
        "{:<8}  {:<16}  {:<28}  {:>5}  {:>8}  {:<22}  ending",
        "session", "when (UTC)", "scenario", "moves", "accuracy", "status"
    );
    for s in &list {
        let acc = s.accuracy.map_or("-".into(), |a| format!("{a:.0}%"));
        let title: String = s.title.chars().take(28).collect();
        let _ = writeln!(
            out,
            "{:<8}  {:<16}  {:<28}  {:>5}  {:>8}  {:<22}  {}",
            &s.id[..8.min(s.id.len())],
            export::utc_minute(s.started),
            title,
            s.move_count,
            acc,
            s.status.label(),
            s.ending_title.as_deref().or(s.ending.as_deref()).unwrap_or("-")
        );
    }
    let _ = writeln!(
        out,
        "\n{} sessions in {}. `rapport export SESSION --format html` writes one as a debrief to hand in.",
        list.len(),
        store.path().display()
    );
    ExitCode::SUCCESS
}

fn forget_all(store: &mut Store, yes: bool) -> ExitCode {
    let n = store.sessions().map_or(0, |l| l.len());
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("--forget deletes all {n} recorded sessions; add --yes to confirm when not at a terminal");
            return ExitCode::from(2);
        }
        eprint!(
            "Delete all {n} recorded sessions in {}? Type yes to confirm: ",
            store.path().display()
        );
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        if line.trim() != "yes" {
            eprintln!("Nothing deleted.");
            return ExitCode::from(1);
        }
    }
    match store.forget() {
        Ok(n) => {
            println!("Deleted {n} sessions and any statements waiting to be sent.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// What `rapport export` was asked for.
pub struct ExportArgs {
    pub session: Option<String>,
    pub format: ExportFormat,
    pub moves: bool,
    pub output: Option<PathBuf>,
    /// `--lrs URL` sends to that LRS; `--lrs` alone to the one in the settings or the environment.
    pub lrs: Option<Option<String>>,
    pub student: Option<String>,
}

/// Titles for the ids a record keeps (stages, endings, techniques), from the shipped scenarios and the catalog.
fn names(lib: &Library) -> export::Names {
    let mut n = export::Names::new();
    n.add_catalog(&lib.catalog);
    for l in shipped::load_all(&lib.catalog) {
        if let Some(sc) = l.clean() {
            n.add_scenario(sc);
        }
    }
    n
}

pub fn export(lib: &Library, dir: &Path, args: ExportArgs) -> ExitCode {
    let Some(mut store) = open(dir) else {
        return ExitCode::from(1);
    };
    let recs: Vec<SessionRecord> = match &args.session {
        Some(id) => store.session(id).map(|r| vec![r]),
        None => store.all(),
    }
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        Vec::new()
    });
    if recs.is_empty() {
        eprintln!(
            "nothing to export: {}",
            if args.session.is_some() {
                "no such session (see `rapport history`)"
            } else {
                "no sessions recorded yet"
            }
        );
        if args.lrs.is_none() {
            return ExitCode::from(1);
        }
    }
    let settings = XapiSettings::from_settings_in(dir);
    let account = match &args.student {
        Some(s) => s.clone(),
        None => match settings.account_in(&mut store) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        },
    };
    let text = match args.format {
        ExportFormat::Json => export::json(&recs, &account),
        ExportFormat::Csv if args.moves => export::csv_moves(&recs, &account),
        ExportFormat::Csv => export::csv_sessions(&recs, &account),
        ExportFormat::Markdown => {
            let names = names(lib);
            recs.iter()
                .map(|r| export::markdown_named(r, &names))
                .collect::<Vec<_>>()
                .join("\n\n---\n\n")
        }
        ExportFormat::Html => {
            let title = match recs.as_slice() {
                [one] => format!("Rapport debrief: {}", one.summary.title),
                _ => "Rapport debriefs".to_owned(),
            };
            export::html_named(&recs, &title, &names(lib))
        }
        ExportFormat::Xapi => {
            let all: Vec<serde_json::Value> = recs
                .iter()
                .flat_map(|r| xapi::statements(r, &settings, &account))
                .collect();
            match &args.lrs {
                Some(Some(url)) => return send(&mut store, &recs, &settings, &account, url),
                Some(None) if !settings.lrs.is_empty() => {
                    let url = settings.lrs.clone();
                    return send(&mut store, &recs, &settings, &account, &url);
                }
                Some(None) => {
                    eprintln!(
                        "no LRS configured: give its address (`--lrs https://lrs.example.edu/xAPI`), set \
                         RAPPORT_LRS_URL, or put it in the `xapi` section of settings.json"
                    );
                    return ExitCode::from(2);
                }
                None => {}
            }
            serde_json::to_string_pretty(&all).unwrap_or_default()
        }
    };
    write_out(args.output.as_deref(), &text)
}

/// Queues every session's statements for the LRS and sends what waits; what cannot be sent now stays in
/// the outbox for the next `rapport export --format xapi --lrs URL` (or the app's next send).
fn send(store: &mut Store, recs: &[SessionRecord], settings: &XapiSettings, account: &str, url: &str) -> ExitCode {
    for r in recs {
        let st = xapi::statements(r, settings, account);
        if let Err(e) = xapi::queue(store, url, r, &st) {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    }
    let lrs = Lrs {
        url: url.to_owned(),
        user: settings.user.clone(),
        password: settings.password.clone(),
    };
    match xapi::flush(store, &lrs, 50) {
        Ok(f) => {
            println!("sent {} statements to {url}; {} waiting", f.sent, f.waiting);
            match f.error {
                Some(e) => {
                    eprintln!("{e}\nThe rest stay in the outbox and are sent next time, each exactly once.");
                    ExitCode::from(1)
                }
                None => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn write_out(output: Option<&Path>, text: &str) -> ExitCode {
    match output {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Some(p) => match rapport::engine::atomic::write(p, text.as_bytes()) {
            Ok(()) => {
                eprintln!("wrote {}", p.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {}: {e}", p.display());
                ExitCode::from(1)
            }
        },
    }
}

pub fn report(lib: &Library, paths: &[PathBuf], format: ReportFormat, output: Option<&Path>) -> ExitCode {
    let (entries, problems) = report::read(paths);
    for p in &problems {
        eprintln!("{p}");
    }
    if entries.is_empty() {
        eprintln!("no sessions found in the exports given");
        return ExitCode::from(1);
    }
    let mut r = report::summarise(&entries);
    r.problems = problems;
    r.name(&names(lib));
    let text = match format {
        ReportFormat::Html => report::html(&r),
        ReportFormat::Csv => report::csv(&r),
    };
    write_out(output, &text)
}

/// The data folder: `--data-dir`, else `RAPPORT_HOME`, else the platform's.
pub fn data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(records::default_dir)
}
