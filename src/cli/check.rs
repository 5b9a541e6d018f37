//! `rapport check`: every problem in every file, human-readable or as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use rapport::engine::Library;
use rapport::engine::load;
use rapport::engine::load::diagnostic::{self, Diagnostic, Severity};

use super::Format;

pub fn run(lib: &Library, paths: &[PathBuf], format: Format) -> ExitCode {
    let (files, unreadable) = load::ron_files_reporting(paths);
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut human = diagnostic::render(&unreadable, None);
    all.extend(unreadable);
    let mut clean = 0;
    for f in &files {
        let loaded = load::load_file_calibrated(f, lib);
        let (diags, loc) = loaded.report();
        if diags.iter().all(|d| d.severity == Severity::Note) {
            clean += 1;
        }
        human.push_str(&diagnostic::render(diags, Some(loc)));
        all.extend_from_slice(diags);
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
