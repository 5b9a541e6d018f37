//! Broken fixtures: one per diagnostic code, each asserting the code and the line it reports.

use rapport::engine::load::diagnostic::Code;
use rapport::engine::load::{self, FileKind, LoadedFile};

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
        // The door `rapport check` goes through, so a fixture reports here what it reports there.
        let loaded = load::load_file_calibrated(f, &lib);
        let (diags, _) = loaded.report();
        assert!(
            diags.iter().any(|d| d.code == code && d.line == line && d.file == file),
            "{}: expected {code} at line {line}, got {:?}",
            f.display(),
            diags
                .iter()
                .map(|d| (d.code, d.line, d.message.clone()))
                .collect::<Vec<_>>()
        );
        for d in diags {
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

/// `load::load_file` loads each kind of file as its first word says, with that kind's checks.
#[test]
fn the_one_door_loads_each_kind_of_file_as_its_kind() {
    let lib = common::lib();
    let root = common::root();
    let kind = |path: &std::path::Path| load::load_file(path, &lib).kind();
    assert_eq!(kind(&root.join("assets/techniques.ron")), FileKind::Catalog);
    assert_eq!(kind(&root.join("assets/weights.ron")), FileKind::Weights);
    assert_eq!(kind(&root.join("tests/golden/tutorial.plays.ron")), FileKind::Plays);
    assert_eq!(kind(&root.join("scenarios/tutorial.ron")), FileKind::Scenario);
    // The weights check runs (R502), and a script's scenario must exist (R104).
    let weights = load::load_file(&common::fixture("broken/R502_weights_problem.ron"), &lib);
    assert!(weights.report().0.iter().any(|d| d.code == Code::R502));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let script = dir.path().join("lost.plays.ron");
    std::fs::write(&script, "Plays(scenario: \"nowhere.ron\", plays: [])\n").expect("written");
    let LoadedFile::Plays(plays) = load::load_file(&script, &lib) else {
        panic!("a Plays file loads as one");
    };
    assert_eq!(
        plays.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::R104]
    );
    // A file that cannot be read is a scenario with R001: what a folder of scenarios shows for it.
    let missing = load::load_file(&common::fixture("does_not_exist.ron"), &lib);
    let codes: Vec<Code> = missing.report().0.iter().map(|d| d.code).collect();
    assert_eq!((missing.kind(), codes), (FileKind::Scenario, vec![Code::R001]));
    // Only the calibrated door holds a scenario to its declared intents (R601), as `rapport check` does.
    let off = common::fixture("broken/R601_best_not_top.ron");
    let has_r601 = |l: LoadedFile| l.report().0.iter().any(|d| d.code == Code::R601);
    assert!(has_r601(load::load_file_calibrated(&off, &lib)));
    assert!(!has_r601(load::load_file(&off, &lib)));
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
