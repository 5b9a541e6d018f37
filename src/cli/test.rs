//! `rapport test`: runs the golden play-through scripts beside scenarios and reports what drifted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rapport::engine::author::golden::{self, Plays};
use rapport::engine::load::{self, Loaded};
use rapport::engine::{Library, load::diagnostic};

/// Where the shipped scenarios' golden plays live. The binary does not look there (a source tree's layout is no
/// lookup for a shipped program), it says so to a user who names a shipped scenario or its folder.
const SHIPPED_PLAYS: &str =
    "the shipped scenarios' golden plays are in tests/golden/ of Rapport's source (`rapport test tests/golden/`)";

/// The plays files a path names: a plays file itself, `NAME.plays.ron` beside scenario `NAME.ron` (whether or not
/// it exists), or every plays file under a folder.
pub fn plays_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(load::files_under(p).into_iter().filter(|f| is_plays(f)));
        } else if is_plays(p) {
            out.push(p.clone());
        } else {
            out.push(p.with_extension("plays.ron"));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn is_plays(p: &Path) -> bool {
    p.to_string_lossy().ends_with(".plays.ron")
}

/// Whether a path is, or holds, a scenario file named like a shipped one: then the hint says where their plays are.
fn names_shipped(paths: &[PathBuf]) -> bool {
    let shipped = |f: &Path| {
        f.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| rapport::engine::shipped::SHIPPED.iter().any(|(s, _)| *s == n))
    };
    paths.iter().any(|p| {
        if p.is_dir() {
            load::ron_files(std::slice::from_ref(p)).iter().any(|f| shipped(f))
        } else {
            shipped(p)
        }
    })
}

pub fn run(lib: &Library, paths: &[PathBuf]) -> ExitCode {
    let files = plays_files(paths);
    let hint = if names_shipped(paths) {
        format!("; {SHIPPED_PLAYS}")
    } else {
        String::new()
    };
    if files.is_empty() {
        eprintln!(
            "no play-through scripts (NAME.plays.ron) under {}{hint}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::from(2);
    }
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        let file = f.display().to_string();
        let src = match load::read(f) {
            Ok(s) => s,
            Err(_) => {
                println!("{file}: no play-through scripts (write them in this file){hint}");
                failed += 1;
                continue;
            }
        };
        let parsed: Loaded<Plays> = load::load_plays_str(&src, &file, f);
        let Some(p) = parsed.value else {
            print!("{}", diagnostic::render(&parsed.diagnostics, Some(&parsed.locator)));
            failed += 1;
            continue;
        };
        let scenario_path = p.scenario_path(f);
        let l = load::load_scenario_file(&scenario_path, &lib.catalog);
        let Some(scenario) = l.clean().cloned() else {
            print!("{}", diagnostic::render(&l.diagnostics, Some(&l.locator)));
            println!(
                "{file}: the scenario {} has errors; no play could run",
                scenario_path.display()
            );
            failed += p.plays.len();
            continue;
        };
        for play in &p.plays {
            let r = golden::run_play(play, scenario.clone(), lib);
            if r.passed {
                passed += 1;
                println!("ok    {file} :: {} (score {:.0})", r.name, r.score);
            } else {
                failed += 1;
                println!("DRIFT {file} :: {}", r.name);
                for d in &r.drift {
                    println!("      {d}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
