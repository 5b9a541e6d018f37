//! Shared helpers: the built-in library and loading the shipped scenarios.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rapport::engine::load::{self, LoadedScenario};
use rapport::engine::{Library, Scenario};

pub fn lib() -> Library {
    Library::builtin().expect("the built-in catalog and weights load clean")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `rapport` binary from the project's root and waits for it.
pub fn rapport(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the rapport binary runs")
}

/// Every scenario file shipped in `scenarios/`: the library the binary embeds (`build.rs`), so a test looping over
/// it never passes on an empty folder.
pub fn shipped() -> Vec<PathBuf> {
    let files = load::ron_files(&[root().join("scenarios")]);
    assert!(
        !files.is_empty(),
        "no scenario in {}",
        root().join("scenarios").display()
    );
    assert_eq!(
        files.len(),
        rapport::engine::shipped::SHIPPED.len(),
        "scenarios/ holds the scenarios the binary embeds"
    );
    files
}

pub fn load(path: &Path) -> LoadedScenario {
    load::load_scenario_file(path, &lib().catalog)
}

pub fn load_clean(path: &Path) -> Arc<Scenario> {
    let l = load(path);
    assert!(
        !l.has_errors(),
        "{} has errors:\n{}",
        path.display(),
        rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
    );
    l.value.expect("a clean load has a value")
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}
