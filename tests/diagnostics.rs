//! Broken fixtures: one per diagnostic code, each asserting the code and the line it reports.

use rapport::engine::load::diagnostic::Code;
use rapport::engine::load::{self, FileKind};

use crate::common;

/// Reads `// expect: CODE LINE` from the first line of a fixture.
fn expectation(src: &str) -> (Code, usize) {
    let head = src.lines().next().unwrap_or_default();
    let mut parts = head.trim_start_matches("// expect:").split_whitespace();
    let code = parts.next().and_then(Code::parse).expect("fixture names a code");
    let line = parts.next().and_then(|l| l.parse().ok()).expect("fixture names a line");
    (code, line)
}

#[test]
fn every_broken_fixture_reports_its_code_at_its_line() {
    let lib = common::lib();
    let dir = common::fixture("broken");
    let files = load::ron_files(&[dir]);
    let mut covered = Vec::new();
    for f in &files {
        let src = std::fs::read_to_string(f).expect("fixture readable");
        let (code, line) = expectation(&src);
        let file = f.display().to_string();
        let diags = match load::kind_of(&src) {
            FileKind::Catalog => load::load_catalog_str(&src, &file).diagnostics,
            FileKind::Weights => {
                let l = load::parse::<rapport::engine::Weights>(&src, &file);
                let mut d = l.diagnostics;
                if let Some(w) = &l.value {
                    d.extend(rapport::engine::check::check_weights(w, &file, &l.locator));
                }
                d
            }
            _ => load::load_scenario_calibrated(&src, &file, &lib, f.parent()).diagnostics,
        };
        assert!(
            diags.iter().any(|d| d.code == code && d.line == line && d.file == file),
            "{}: expected {code} at line {line}, got {:?}",
            f.display(),
            diags
                .iter()
                .map(|d| (d.code, d.line, d.message.clone()))
                .collect::<Vec<_>>()
        );
        for d in &diags {
            assert!(!d.message.is_empty());
            if d.line > 0 {
                assert!(
                    d.column > 0 && !d.source_line.is_empty(),
                    "{d}: a placed diagnostic shows its source line"
                );
            }
        }
        covered.push(code);
    }
    // R001 (unreadable file) is covered below; every other code has a fixture.
    for code in Code::ALL {
        if code != Code::R001 {
            assert!(
                covered.contains(&code),
                "no broken fixture for {code} ({})",
                code.title()
            );
        }
    }
}

#[test]
fn an_unreadable_file_is_a_diagnostic_not_a_panic() {
    let l = common::load(&common::fixture("does_not_exist.ron"));
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].code, Code::R001);
    assert!(l.value.is_none());
}

#[test]
fn the_minimal_fixture_is_clean() {
    // A version-1 file: clean, with one note on what upgrading would give it.
    let l = common::load(&common::fixture("minimal.ron"));
    let codes: Vec<Code> = l.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec![Code::R604], "{:?}", l.diagnostics);
    let l = common::load(&common::fixture("minimal_v2.ron"));
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
}

#[test]
fn misspelt_names_get_a_suggestion() {
    let l = common::load(&common::fixture("broken/R101_unknown_target.ron"));
    let d = l.diagnostics.iter().find(|d| d.code == Code::R101).expect("R101");
    assert_eq!(d.help.as_deref(), Some("did you mean `middle`?"));
    let l = common::load(&common::fixture("broken/R003_unknown_field.ron"));
    let d = l.diagnostics.iter().find(|d| d.code == Code::R003).expect("R003");
    assert!(d.message.contains("shoe_size"), "{}", d.message);
}

#[test]
fn diagnostics_render_with_source_line_and_caret() {
    let l = common::load(&common::fixture("broken/R102_unknown_technique.ron"));
    let text = rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator));
    assert!(text.contains("R102"), "{text}");
    assert!(text.contains("technique: \"cognitive_restructure\""), "{text}");
    assert!(text.contains('^'), "{text}");
    assert!(text.contains("did you mean `cognitive_restructuring`?"), "{text}");
}

#[test]
fn garbage_and_huge_inputs_are_errors_not_crashes() {
    let lib = common::lib();
    for src in [
        "",
        "(",
        "Scenario(",
        ")))",
        "\"unterminated",
        "[[[[",
        "Scenario(version: -1)",
        "🙂",
    ] {
        let l = load::load_scenario_str(src, "x.ron", &lib.catalog, None);
        assert!(l.has_errors(), "{src:?} should not load");
    }
    let huge = "/".repeat(rapport::engine::load::source::MAX_BYTES + 1);
    let l = load::load_scenario_str(&huge, "huge.ron", &lib.catalog, None);
    assert_eq!(l.diagnostics[0].code, Code::R006);
}

#[test]
fn every_code_is_documented_with_an_example() {
    let doc = std::fs::read_to_string(common::root().join("scenarios/DIAGNOSTICS.md")).expect("the reference exists");
    for code in Code::ALL {
        assert!(
            doc.contains(&format!("| {code} | {} |", code.title())),
            "{code} is missing from the table"
        );
        if code != Code::R001 {
            assert!(doc.contains(&format!("## {code}: ")), "{code} has no example");
        }
    }
}
