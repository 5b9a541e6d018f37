//! The robustness review's reproducers (`tests/fixtures/robustness/`), each held to the fixed behaviour as a user
//! sees it: the exit code, the code and place of the diagnostic, JSON on stdout whatever happens, and no panic.

use std::process::Output;

use crate::common::{self, rapport};

fn fixture(name: &str) -> String {
    format!("tests/fixtures/robustness/{name}")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn no_panic(o: &Output) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked") && o.status.code() != Some(101), "{err}");
}

/// Each reproducer `check` must reject: its code, at a real line and column (a whole-file R001 excepted).
#[test]
fn check_rejects_each_reproducer_with_a_located_diagnostic() {
    let cases = [
        ("invalid_utf8.ron", "R001", Some((4, 46))),
        ("kind_plays_root.ron", "R003", None),
        ("plays_word_only.ron", "R005", None),
        ("plays_prefix_garbage.ron", "R005", None),
        ("option_guard_out_of_range.ron", "R401", None),
        ("option_guard_nan.ron", "R401", None),
        ("transition_guard_out_of_range.ron", "R401", Some((21, 43))),
        ("weights_fit_inf.ron", "R401", None),
        ("weights_score_nan.ron", "R401", None),
        ("weights_dup_key.ron", "R202", Some((11, 36))),
        ("empty_ending_id.ron", "R402", None),
        ("empty_var_id.ron", "R402", None),
        ("var_initial_nan.ron", "R401", None),
        ("var_threshold_nan.ron", "R401", None),
        ("effect_add_nan.ron", "R401", None),
        ("invisible_only_text.ron", "R402", None),
        ("catalog_empty_techniques.ron", "R501", None),
        ("weights_alliance_norm_nan.ron", "R502", None),
        ("weights_fit_reactance_nan.ron", "R502", None),
        ("weights_repair_base_nan.ron", "R502", None),
        ("weights_stage_table_127.ron", "R502", None),
        ("nul_in_text.ron", "R401", Some((16, 43))),
        ("portrait_outside.ron", "R104", None),
    ];
    for (file, code, place) in cases {
        let o = rapport(&["check", "--format", "json", &fixture(file)]);
        no_panic(&o);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{file}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        let v = json(&o);
        let diags = v["diagnostics"].as_array().expect("diagnostics");
        let d = diags
            .iter()
            .find(|d| d["code"] == code && d["severity"] == "error")
            .unwrap_or_else(|| panic!("{file}: no error {code} in {v}"));
        assert!(d["file"].as_str().is_some_and(|f| f.ends_with(file)), "{d}");
        assert!(
            d["line"].as_u64().is_some_and(|l| l > 0),
            "{file}: {code} has a line: {d}"
        );
        assert!(
            d["column"].as_u64().is_some_and(|c| c > 0),
            "{file}: {code} has a column: {d}"
        );
        if let Some((line, col)) = place {
            assert_eq!(
                (d["line"].as_u64(), d["column"].as_u64()),
                (Some(line), Some(col)),
                "{file}: {d}"
            );
        }
    }
}

/// What `check` accepts, play, analyze and graph accept too; what they reject, `check` reported first, and under
/// `--format json` the failure is still one JSON object on stdout.
#[test]
fn play_analyze_and_graph_agree_with_check() {
    let dir = common::root().join("tests/fixtures/robustness");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("weights_") && !n.starts_with("catalog_") && n != "chain_201_stages.ron")
        .collect();
    files.sort();
    for file in files {
        let path = fixture(&file);
        let clean = rapport(&["check", &path]).status.code() == Some(0);
        let play = rapport(&["play", &path, "--auto", "random", "--format", "json"]);
        no_panic(&play);
        let v = json(&play);
        let analyze = rapport(&["analyze", &path, "--format", "json"]);
        no_panic(&analyze);
        json(&analyze);
        let graph = rapport(&["graph", &path, "--format", "dot"]);
        no_panic(&graph);
        if clean {
            assert_eq!(analyze.status.code(), Some(0), "{file}: check is clean, analyze fails");
            assert_eq!(graph.status.code(), Some(0), "{file}: check is clean, graph fails");
            // A loop the checker warns of (R309) may stop a random play at its limit; anything else ends.
            let loops = file.starts_with("loop_");
            assert!(
                play.status.code() == Some(0) || (loops && v["error"].as_str().is_some_and(|e| e.contains("loops"))),
                "{file}: check is clean, play fails: {v}"
            );
        } else {
            assert_eq!(play.status.code(), Some(1), "{file}");
            assert!(v["error"].is_string() && v["diagnostics"].is_array(), "{file}: {v}");
            assert_eq!(analyze.status.code(), Some(1), "{file}");
            assert_eq!(graph.status.code(), Some(1), "{file}");
        }
    }
}

#[test]
fn a_byte_order_mark_is_dropped_and_a_guarded_loop_is_warned_of() {
    let o = rapport(&["check", &fixture("bom_minimal.ron")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let o = rapport(&["check", &fixture("loop_guarded_exit.ron")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("warning[R309]") && text.contains("loop_guarded_exit.ron:21:65"),
        "{text}"
    );
}

#[test]
fn a_missing_path_is_bad_usage_for_every_command_and_json_is_still_json() {
    for args in [
        vec!["check", "nope.ron"],
        vec!["play", "nope.ron", "--auto", "best"],
        vec!["analyze", "nope.ron"],
        vec!["graph", "nope.ron"],
        vec!["test", "nope.ron"],
        vec!["calibrate", "nope.ron"],
    ] {
        let o = rapport(&args);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("nope.ron: error[R001]: there is no such file or folder"),
            "{args:?}: {err}"
        );
        assert!(!err.contains(":0:0") && !err.contains("plays.ron"), "{err}");
    }
    let o = rapport(&["check", "--format", "json", "nope.ron"]);
    let v = json(&o);
    assert!(v["diagnostics"][0]["line"].is_null(), "no false 0:0: {v}");
    let empty = tempfile::tempdir().expect("tempdir");
    let e = empty.path().to_string_lossy().into_owned();
    assert_eq!(rapport(&["check", &e]).status.code(), Some(2));
    assert_eq!(rapport(&["test", &e]).status.code(), Some(2));
    let o = rapport(&["check", "--format", "json", &e]);
    assert_eq!(o.status.code(), Some(2));
    assert!(json(&o)["error"].is_string());
}

#[test]
fn choices_errors_name_the_file_the_choice_the_stage_and_the_moves_open() {
    let t = "scenarios/tutorial.ron";
    let o = rapport(&["play", t, "--choices", "tut_welcome.reflect,bogus", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let e = v["error"].as_str().expect("an error in the JSON");
    assert!(
        e.contains(t) && e.contains("choice 2") && e.contains("`bogus`") && e.contains("stage `tut_story`"),
        "{e}"
    );
    assert!(e.contains("tut_story.summarise"), "the open moves are listed: {e}");
    let o = rapport(&["play", t, "--choices", "tut_welcome.reflect", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        json(&o)["error"]
            .as_str()
            .is_some_and(|e| e.contains("ran out after 1"))
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("ran out"));
    let o = rapport(&["play", t, "--choices", ",,"]);
    assert_eq!(o.status.code(), Some(2), "an empty choice is bad usage");
}

#[test]
fn new_writes_only_inside_its_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("D");
    let d = d.to_string_lossy();
    for name in ["", "../escaped", "a/b", ".hidden"] {
        let o = rapport(&["new", name, "--dir", &d]);
        assert_eq!(o.status.code(), Some(2), "`{name}`");
    }
    assert!(!dir.path().join("escaped.ron").exists());
}

#[test]
fn a_one_mebibyte_unknown_technique_is_quick_and_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read_to_string(common::root().join(fixture("base_minimal.ron"))).expect("base");
    let huge = base.replacen(
        "technique: \"open_question\"",
        &format!("technique: \"{}\"", "q".repeat(1 << 20)),
        1,
    );
    assert_ne!(huge, base);
    let f = dir.path().join("huge_unknown_technique.ron");
    std::fs::write(&f, huge).expect("write");
    let o = rapport(&["check", &f.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stdout.len() < 20_000,
        "one diagnostic, not 3 MB: {} bytes",
        o.stdout.len()
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("(1048576 characters)"));
}

#[cfg(unix)]
#[test]
fn an_unreadable_subfolder_is_reported_not_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::copy(
        common::root().join(fixture("base_minimal.ron")),
        dir.path().join("ok.ron"),
    )
    .expect("copy");
    std::fs::copy(common::root().join(fixture("base_minimal.ron")), locked.join("in.ron")).expect("copy");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // As root the folder is read anyway: then there is nothing unreadable to report.
    let readable = std::fs::read_dir(&locked).is_ok();
    let o = rapport(&["check", &dir.path().to_string_lossy()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    if readable {
        assert_eq!(o.status.code(), Some(0), "{text}");
    } else {
        assert_eq!(o.status.code(), Some(1), "{text}");
        assert!(text.contains("locked: error[R001]: cannot read this folder"), "{text}");
    }
}

/// G1, G2: the DOT drawing of every clean fixture and shipped scenario is read by Graphviz, when `dot` is installed.
#[test]
fn graphviz_reads_the_dot_of_every_clean_fixture_and_shipped_scenario() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("skipped: Graphviz (`dot`) is not installed; the node ids are tested in engine::author::diagram");
        return;
    }
    let lib = common::lib();
    let mut files = rapport::engine::load::ron_files(&[common::root().join("tests/fixtures")]);
    files.extend(common::shipped());
    let mut drawn = 0;
    for path in files {
        let l = rapport::engine::load::load_scenario_file(&path, &lib.catalog);
        let Some(s) = l.value.as_ref().filter(|_| !l.has_errors()) else {
            continue;
        };
        let mut child = Command::new("dot")
            .args(["-Tsvg", "-o", "/dev/null"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dot runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(rapport::engine::author::diagram::dot(s).as_bytes())
            .expect("write the drawing");
        let o = child.wait_with_output().expect("dot finishes");
        assert!(
            o.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        drawn += 1;
    }
    assert!(drawn > 20, "only {drawn} drawings");
}
