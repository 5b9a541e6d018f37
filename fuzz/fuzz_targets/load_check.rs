//! The loader and the checker on any bytes: as a scenario, a catalog and a weights file, whatever the first word
//! says. Nothing may panic, and every error has a place unless it concerns the whole file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rapport::engine::Library;
use rapport::engine::load::diagnostic::{Code, Diagnostic};
use rapport::engine::load;

fn lib() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| Library::builtin().expect("the built-in library loads"))
}

fn located(diags: &[Diagnostic]) {
    for d in diags {
        if d.is_error() && d.code != Code::R001 && d.code != Code::R006 {
            assert!(d.line > 0 && d.column > 0, "an error without a place: {d}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let _ = load::kind_of(src);
    located(&load::load_scenario_calibrated(src, "fuzz.ron", lib(), None).diagnostics);
    located(&load::load_catalog_str(src, "fuzz.ron").diagnostics);
    let w = load::parse::<rapport::engine::Weights>(src, "fuzz.ron");
    if let Some(v) = &w.value {
        located(&rapport::engine::check::check_weights(v, "fuzz.ron", &w.locator));
    }
});
