//! `rapport test`: runs the golden play-through scripts beside scenarios and reports what drifted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rapport::engine::load::{self, Loaded};
use rapport::engine::plays::{self, Plays};
use rapport::engine::{Library, diagnostic};

/// The plays files a path names: a plays file itself, or `NAME.plays.ron` beside scenario `NAME.ron`,
/// or every plays file under a folder.
pub fn plays_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        let name = p.to_string_lossy();
        if p.is_dir() {
            let mut v: Vec<PathBuf> = load::files_under(p)
                .into_iter()
                .filter(|f| f.to_string_lossy().ends_with(".plays.ron"))
                .collect();
            out.append(&mut v);
        } else if name.ends_with(".plays.ron") {
            out.push(p.clone());
        } else {
            // Beside the scenario, or in the project's tests/golden/ (where the shipped ones live).
            let beside = p.with_extension("plays.ron");
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let golden = p
                .parent()
                .unwrap_or(Path::new("."))
                .join("../tests/golden")
                .join(format!("{stem}.plays.ron"));
            out.push(if !beside.exists() && golden.exists() {
                golden
            } else {
                beside
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn run(lib: &Library, paths: &[PathBuf]) -> ExitCode {
    let files = plays_files(paths);
    if files.is_empty() {
        eprintln!(
            "no play-through scripts (NAME.plays.ron) found under {}",
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
                println!("{file}: no play-through scripts (write them in this file)");
                failed += 1;
                continue;
            }
        };
        let parsed: Loaded<Plays> = load::parse(&src, &file);
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
            let r = plays::run_play(play, scenario.clone(), lib.catalog.clone(), &lib.weights);
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
    if failed > 0 || files.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
