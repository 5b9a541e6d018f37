//! The `rapport` binary: exit codes, JSON output, determinism, and each authoring command.

use std::process::{Command, Output};

use crate::common;

use common::rapport;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_exits_0_when_clean_1_on_errors_2_on_bad_usage() {
    assert_eq!(rapport(&["check", "scenarios", "assets"]).status.code(), Some(0));
    let broken = rapport(&["check", "tests/fixtures/broken/R101_unknown_target.ron"]);
    assert_eq!(broken.status.code(), Some(1));
    let text = stdout(&broken);
    assert!(
        text.contains("error[R101]") && text.contains("R101_unknown_target.ron:40:32"),
        "{text}"
    );
    assert!(text.contains("did you mean `middle`?"), "{text}");
    assert_eq!(rapport(&["check"]).status.code(), Some(2));
    assert_eq!(
        rapport(&["check", "--format", "yaml", "scenarios"]).status.code(),
        Some(2)
    );
}

#[test]
fn check_json_lists_every_problem_with_its_place() {
    let o = rapport(&["check", "--format", "json", "tests/fixtures/broken"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let diags = v["diagnostics"].as_array().expect("array");
    assert!(diags.len() >= 25, "every fixture reports: {}", diags.len());
    for d in diags {
        for key in ["code", "severity", "file", "line", "column", "message"] {
            assert!(!d[key].is_null(), "{key} missing in {d}");
        }
    }
}

#[test]
fn play_json_is_deterministic_and_complete() {
    let args = [
        "play",
        "scenarios/tutorial.ron",
        "--auto",
        "random",
        "--seed",
        "42",
        "--format",
        "json",
    ];
    let a = rapport(&args);
    let b = rapport(&args);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout, "same seed, same transcript");
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).expect("json");
    for key in ["transcript", "scores", "ending", "debrief", "choices"] {
        assert!(!v[key].is_null(), "{key} missing");
    }
    assert!(
        v["scores"]["practice"]
            .as_f64()
            .is_some_and(|s| (0.0..=100.0).contains(&s))
    );
    // Replaying the same choices gives the same document.
    let choices: Vec<String> = v["choices"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c.as_str().unwrap_or_default().to_owned())
        .collect();
    let replay = rapport(&[
        "play",
        "scenarios/tutorial.ron",
        "--choices",
        &choices.join(","),
        "--seed",
        "42",
        "--format",
        "json",
    ]);
    assert_eq!(replay.stdout, a.stdout);
}

#[test]
fn interactive_play_reads_numbers_and_ends_with_a_debrief() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["play", "scenarios/tutorial.ron", "--seed", "3"])
        .current_dir(common::root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    // A wrong answer is asked again; then option 1 at every stage.
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"x\n9\n1\n1\n1\n1\n1\n1\n1\n1\n1\n")
        .expect("writes");
    let out = child.wait_with_output().expect("finishes");
    let text = stdout(&out);
    assert!(text.contains("type a number from 1 to"), "{text}");
    assert!(text.contains("== Debrief =="), "{text}");
    assert!(text.contains("Fit "), "{text}");
}

#[test]
fn graph_draws_dot_and_mermaid() {
    let dot = stdout(&rapport(&["graph", "scenarios/tutorial.ron", "--format", "dot"]));
    assert!(
        dot.starts_with("digraph") && dot.contains("cluster_") && dot.contains("->"),
        "{dot}"
    );
    assert!(dot.contains("doubleoctagon"), "endings are drawn apart");
    assert!(
        dot.contains("style=dashed") || dot.contains("penwidth=2"),
        "rupture or repair edges are styled apart"
    );
    let mm = stdout(&rapport(&["graph", "scenarios/tutorial.ron", "--format", "mermaid"]));
    assert!(
        mm.starts_with("flowchart TD") && mm.contains("subgraph") && mm.contains("-->|"),
        "{mm}"
    );
    assert_eq!(
        rapport(&["graph", "tests/fixtures/broken/R102_unknown_technique.ron"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn analyze_reports_paths_scores_and_warnings() {
    let o = rapport(&["analyze", "scenarios/tutorial.ron", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let endings = v["reachable_endings"].as_array().expect("array").len();
    let shortest = v["shortest"].as_array().expect("array");
    assert_eq!(shortest.len(), endings);
    assert!(
        shortest[0]["ending"].is_string() && shortest[0]["stages"].is_array(),
        "{v}"
    );
    let plays = &v["plays"];
    // The tutorial's stage graph has more paths than are played one by one: a sample, named as one.
    assert_eq!(plays["method"]["kind"], "sampled", "{plays}");
    assert!(
        plays["method"]["why"].is_string() && plays["method"]["seed"] == 1,
        "{plays}"
    );
    assert!(plays["paths"].as_u64().is_some_and(|n| n > 1));
    assert!(plays["best"]["score"].as_f64() > plays["worst"]["score"].as_f64());
    assert!(
        plays["endings"][0]["ending"].is_string() && plays["endings"][0]["plays"].is_u64(),
        "{plays}"
    );
    let human = stdout(&rapport(&["analyze", "scenarios/tutorial.ron"]));
    assert!(
        human.contains("\na sample of ") && !human.contains("every path played"),
        "{human}"
    );
    let human = stdout(&rapport(&["analyze", "tests/fixtures/minimal.ron"]));
    assert!(
        human.contains("shortest path to each ending")
            && human.contains("every path played with the session engine (seed 1): 4 plays")
            && human.contains("best"),
        "{human}"
    );
}

#[test]
fn new_writes_a_scaffold_that_checks_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_string_lossy().into_owned();
    assert_eq!(rapport(&["new", "first_client", "--dir", &d]).status.code(), Some(0));
    let file = dir.path().join("first_client.ron");
    let src = std::fs::read_to_string(&file).expect("written");
    for section in [
        "meta:",
        "client:",
        "variables:",
        "stages:",
        "endings:",
        "rupture_lines:",
        "transitions:",
    ] {
        assert!(src.contains(section), "{section} missing");
    }
    assert_eq!(rapport(&["check", &file.to_string_lossy()]).status.code(), Some(0));
    assert_eq!(
        rapport(&["new", "first_client", "--dir", &d]).status.code(),
        Some(2),
        "never overwrites"
    );
}

#[test]
fn test_runs_golden_plays_and_reports_drift() {
    let o = rapport(&["test", "tests/golden/tutorial.plays.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(" passed, 0 failed"), "{}", stdout(&o));
    // A copy of the tutorial with one line id changed: the golden checkpoints drift.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = std::fs::read_to_string(common::root().join("scenarios/tutorial.ron")).expect("read");
    let plays = std::fs::read_to_string(common::root().join("tests/golden/tutorial.plays.ron")).expect("read");
    let first_stage = plays
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"stage "))
        .map(|s| s.trim_end_matches(['"', ',']))
        .expect("a stage checkpoint");
    std::fs::write(
        dir.path().join("tutorial.ron"),
        src.replace(&format!("\"{first_stage}\""), &format!("\"{first_stage}_renamed\"")),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("tutorial.plays.ron"),
        plays.replace("../../scenarios/tutorial.ron", "tutorial.ron"),
    )
    .expect("write");
    let o = rapport(&["test", &dir.path().join("tutorial.ron").to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("DRIFT"), "{}", stdout(&o));
}

/// `rapport test scenarios/` finds no plays there (the shipped ones live in `tests/golden/`): it says where they
/// are in one sentence, exits 2 as for any path with nothing to test, and the command it names runs them all.
#[test]
fn test_on_the_shipped_folder_says_where_the_golden_plays_are() {
    let o = rapport(&["test", "scenarios/"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert_eq!(stdout(&o), "", "nothing was run, so no \"0 passed, 0 failed\"");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        err.trim_end(),
        "no play-through scripts (NAME.plays.ron) under scenarios/; the shipped scenarios' golden plays are in \
         tests/golden/ of Rapport's source (`rapport test tests/golden/`)"
    );
    let o = rapport(&["test", "tests/golden/"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let last = stdout(&o).lines().last().map(str::to_owned).unwrap_or_default();
    assert!(last.ends_with(" passed, 0 failed") && !last.starts_with("0 "), "{last}");
    // A shipped scenario named alone gets the same pointer beside the plays file it looked for.
    let o = rapport(&["test", "scenarios/tutorial.ron"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o)
            .contains("scenarios/tutorial.plays.ron: no play-through scripts (write them in this file); the shipped"),
        "{}",
        stdout(&o)
    );
}

/// Piped into a reader that stops early (`rapport calibrate scenarios --stages | head -1`), a command ends quietly
/// instead of panicking on the broken pipe (the robustness review's finding).
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["calibrate", "scenarios", "--stages"])
        .current_dir(common::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("reads a line");
    // The reader is dropped here: the rest of the output goes nowhere.
    let out = child.wait_with_output().expect("ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!first.is_empty());
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(out.status.code(), Some(101), "a panic exits 101");
}

#[cfg(unix)]
#[test]
fn check_refuses_a_pipe_and_a_device_and_walks_a_folder_with_symlink_loops_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe.ron");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::fs::create_dir(dir.path().join("sub")).expect("sub");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/up")).expect("loop one");
    std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("sub/self")).expect("loop two");
    std::fs::copy(common::fixture("minimal.ron"), dir.path().join("sub/minimal.ron")).expect("copy");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("check")
        .arg(dir.path())
        .arg("/dev/zero")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let started = std::time::Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("check did not finish: it blocked on the pipe or followed a symlink loop");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("pipe.ron") && text.contains("not a regular file"),
        "{text}"
    );
    assert!(
        text.contains("/dev/zero") && text.contains("not a regular file"),
        "{text}"
    );
    assert_eq!(
        text.matches("minimal.ron").count().min(1),
        1,
        "the real file was checked: {text}"
    );
}

#[test]
fn analyze_finishes_on_a_loop_with_a_guarded_way_out_and_a_long_straight_chain_plays_to_its_ending() {
    let started = std::time::Instant::now();
    let out = rapport(&["analyze", "tests/fixtures/loop_guarded_exit.ron", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert!(
        a["warnings"].to_string().contains("good"),
        "the unreachable ending is still reported: {a}"
    );
    // Not a timed assertion of speed: a guard against running for ever (it took over 20 s, unbounded, before).
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
    // 201 stages in a straight line need 201 choices: more than the 200 a looping session is stopped at.
    let out = rapport(&[
        "play",
        "tests/fixtures/chain_201_stages.ron",
        "--auto",
        "random",
        "--format",
        "transcript",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ended good"));
    // A real loop is stopped, and the message names the stage and says it loops.
    let out = rapport(&[
        "play",
        "tests/fixtures/loop_guarded_exit.ron",
        "--auto",
        "random",
        "--format",
        "transcript",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stage `open`") && err.contains("loops"), "{err}");
}

/// The app binary started without a display, or on a folder that is not there (P2 of the robustness review): one
/// line and exit 2, before any window is built (winit used to panic, exit 101, and the folder was never named).
#[cfg(feature = "app")]
fn app_without_a_display(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .current_dir(common::root())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .output()
        .expect("the rapport binary runs")
}

#[cfg(feature = "app")]
#[test]
fn the_app_without_a_display_says_so_and_names_the_subcommands() {
    let o = app_without_a_display(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("no display found (DISPLAY and WAYLAND_DISPLAY are unset)"),
        "{err}"
    );
    assert!(
        err.contains("check, play,") && err.trim_end().ends_with("(rapport --help)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[cfg(feature = "app")]
#[test]
fn the_app_names_a_missing_scenarios_folder() {
    let o = app_without_a_display(&["--scenarios", "/nonexistent"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "--scenarios /nonexistent: there is no such file or folder"
    );
}
