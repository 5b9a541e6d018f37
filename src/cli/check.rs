//! `rapport check`: every problem in every file, human-readable or as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use rapport::engine::Library;
use rapport::engine::format::weights::Weights;
use rapport::engine::load::diagnostic::{self, Diagnostic, Severity};
use rapport::engine::load::source::Locator;
use rapport::engine::load::{self, FileKind};

use super::Format;

/// Loads and checks one file of any kind.
pub fn check_file(lib: &Library, path: &std::path::Path) -> (Vec<Diagnostic>, Locator) {
    let file = path.display().to_string();
    let src = match load::read(path) {
        Ok(s) => s,
        Err(d) => return (vec![d], Locator::default()),
    };
    match load::kind_of(&src) {
        FileKind::Catalog => {
            let l = load::load_catalog_str(&src, &file);
            (l.diagnostics, l.locator)
        }
        FileKind::Weights => {
            let mut l = load::parse::<Weights>(&src, &file);
            if let Some(w) = &l.value {
                let extra = rapport::engine::check::check_weights(w, &file, &l.locator);
                l.diagnostics.extend(extra);
            }
            (l.diagnostics, l.locator)
        }
        FileKind::Plays => {
            // Whatever follows the word must be a Plays document, and its scenario must exist.
            let mut l = load::parse::<rapport::engine::author::golden::Plays>(&src, &file);
            if let Some(p) = &l.value {
                let target = p.scenario_path(path);
                if !target.is_file() {
                    let span = l.locator.find("scenario");
                    l.diagnostics.push(Diagnostic::at(
                        rapport::engine::load::diagnostic::Code::R104,
                        &file,
                        &l.locator,
                        span,
                        format!("the scenario `{}` (at {}) does not exist", p.scenario, target.display()),
                    ));
                }
            }
            (l.diagnostics, l.locator)
        }
        FileKind::Scenario => {
            let l = load::load_scenario_calibrated(&src, &file, lib, path.parent());
            (l.diagnostics, l.locator)
        }
    }
}

pub fn run(lib: &Library, paths: &[PathBuf], format: Format) -> ExitCode {
    let (files, unreadable) = load::ron_files_reporting(paths);
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut human = diagnostic::render(&unreadable, None);
    all.extend(unreadable);
    let mut clean = 0;
    for f in &files {
        let (diags, loc) = check_file(lib, f);
        if diags.iter().all(|d| d.severity == Severity::Note) {
            clean += 1;
        }
        human.push_str(&diagnostic::render(&diags, Some(&loc)));
        all.extend(diags);
    }
    if files.is_empty() {
        let e = format!(
            "no .ron files found under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if format == Format::Json {
            super::json_failure(&e, &all);
        }
        eprint!("{human}");
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let errors = all.iter().filter(|d| d.is_error()).count();
    let warnings = all.iter().filter(|d| d.severity == Severity::Warning).count();
    let notes = all.iter().filter(|d| d.severity == Severity::Note).count();
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "files": files.len(),
                "errors": errors,
                "warnings": warnings,
                "notes": notes,
                "diagnostics": all,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Human => {
            print!("{human}");
            println!(
                "checked {} file(s): {clean} clean, {errors} error(s), {warnings} warning(s), {notes} note(s)",
                files.len()
            );
        }
    }
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
