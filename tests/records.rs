//! The records store from outside: migrations from every earlier schema, the JSON import, a writer killed
//! mid-session again and again, and the exports read back as a spreadsheet and an LRS would.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rapport::engine::records::{self, SessionRecord, Status, Store, schema};
use rapport::engine::{Library, Session, shipped};

fn rapport(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("runs")
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_store_written_at_any_earlier_schema_opens_with_its_sessions_kept() {
    for at in 1..schema::STEPS.len() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut conn = rusqlite::Connection::open(dir.path().join(records::FILE)).expect("sqlite");
            let tx = conn.transaction().expect("tx");
            for step in &schema::STEPS[..at] {
                tx.execute_batch(step).expect("an earlier schema");
            }
            tx.pragma_update(None, "user_version", at as i64).expect("version");
            tx.execute(
                "INSERT INTO sessions (id, scenario, title, scenario_version, content_hash, seed, source, started,
                   updated, status) VALUES ('11111111-2222-4333-8444-555555555555', 'tutorial', 'First session',
                   2, 'abc', 7, 'app', 1, 2, 'abandoned')",
                [],
            )
            .expect("a session");
            tx.execute(
                "INSERT INTO moves (session, step, choice, at, outcome, events) VALUES
                   ('11111111-2222-4333-8444-555555555555', 1, 'tut_welcome.reflect', 1, NULL, '[]')",
                [],
            )
            .expect("a move");
            tx.commit().expect("commit");
        }
        let store = Store::open(dir.path()).expect("migrates");
        let list = store.sessions().expect("lists");
        assert_eq!(list.len(), 1, "schema {at}: the session survived");
        assert_eq!(
            (list[0].status, list[0].move_count, list[0].seed),
            (Status::Abandoned, 1, 7)
        );
        let rec = store.session("11111111").expect("by a prefix of its id");
        assert_eq!(rec.choices(), vec!["tut_welcome.reflect".to_owned()]);
    }
}

#[test]
fn the_json_records_of_version_0_1_are_imported_once_and_kept_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = r#"{"version": 1, "scenarios": {"tutorial": [
        {"when": 1790000000, "ending": "tut_end_plan", "outcome": "Improved", "score": 81.5, "mean_fit": 0.31,
         "final_alliance": 0.7, "missed_repairs": 0, "choices": ["tut_welcome.reflect", "tut_story.formulate"]},
        {"when": 1790000500, "ending": "", "outcome": null, "score": 40.0, "mean_fit": -0.1,
         "final_alliance": 0.4, "missed_repairs": 1, "choices": ["tut_welcome.advise"]}]}}"#;
    std::fs::write(dir.path().join("records.json"), old).expect("write");
    let store = Store::open(dir.path()).expect("opens");
    let list = store.sessions().expect("lists");
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|s| s.source == "import" && s.scenario == "tutorial"));
    let first = list.iter().find(|s| s.started == 1790000000).expect("the first result");
    assert_eq!(first.ending.as_deref(), Some("tut_end_plan"));
    assert_eq!(first.move_count, 2);
    assert!(!dir.path().join("records.json").exists(), "set aside, never read again");
    assert!(dir.path().join("records.json.imported").exists(), "kept, not deleted");
    drop(store);
    let again = Store::open(dir.path()).expect("reopens");
    assert_eq!(again.sessions().expect("lists").len(), 2, "imported once");
}

#[test]
fn a_damaged_json_record_file_is_an_error_and_is_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("records.json"), "{ not json").expect("write");
    let e = Store::open(dir.path()).expect_err("refuses");
    assert!(e.to_string().contains("records.json"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("records.json")).expect("kept"),
        "{ not json"
    );
}

/// The moves a writer recorded are exactly the first moves of the session it was playing: replaying the
/// recorded choices with the recorded seed gives the recorded outcomes.
fn assert_a_true_prefix(lib: &Library, rec: &SessionRecord) {
    let sc = shipped::find(&lib.catalog, &rec.summary.scenario).expect("shipped");
    let steps: Vec<usize> = rec.moves.iter().map(|m| m.step).collect();
    assert_eq!(steps, (1..=rec.moves.len()).collect::<Vec<_>>(), "no gap in the moves");
    let replay = Session::replay(lib, sc, rec.summary.seed, &rec.choices()).expect("the recorded choices replay");
    for (m, o) in rec.moves.iter().zip(replay.history()) {
        assert_eq!(m.outcome.as_ref(), Some(o), "move {} as recorded", m.step);
    }
    if rec.summary.status == Status::Finished {
        assert!(
            replay.ended().is_some() && rec.debrief.is_some(),
            "a finished session has its debrief"
        );
    }
}

#[test]
fn a_writer_killed_at_any_moment_loses_at_most_the_move_in_flight_and_never_corrupts_the_store() {
    let lib = Library::builtin().expect("builtin");
    let dir = tempfile::tempdir().expect("tempdir");
    let play = |seed: u64| {
        Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args([
                "play",
                &scenario("couple_conflict"),
                "--auto",
                "random",
                "--save",
                "--format",
                "transcript",
            ])
            .args(["--seed", &seed.to_string(), "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts")
    };
    // How long a whole recorded session takes here, so the kills land all over it.
    let t = Instant::now();
    assert!(play(0).wait().expect("waits").success());
    let whole = t.elapsed().max(Duration::from_millis(20));
    let mut killed_mid_session = 0;
    for k in 1..=40u64 {
        let mut child = play(k);
        // Spread over the run: from the very start (opening the store, migrating) to past its end.
        std::thread::sleep(whole.mul_f64((k as f64 * 0.618).fract() * 1.1));
        let _ = child.kill(); // SIGKILL on Unix: no destructor, no flush, nothing runs after it.
        let _ = child.wait();
        let store = Store::open(dir.path()).expect("the store opens after every kill");
        assert_eq!(store.integrity().expect("checks"), "ok", "after kill {k}");
        for s in store.sessions().expect("lists") {
            let rec = store.session(&s.id).expect("every session reads back whole");
            assert_a_true_prefix(&lib, &rec);
            if rec.summary.seed == k && rec.summary.status == Status::Playing && !rec.moves.is_empty() {
                killed_mid_session += 1;
            }
        }
    }
    assert!(
        killed_mid_session >= 5,
        "the kills landed mid-session only {killed_mid_session} times out of 40: the test did not test"
    );
}

#[test]
fn the_csv_exports_read_back_one_row_per_session_and_per_move() {
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in [1, 2] {
        let out = rapport(
            dir.path(),
            &[
                "play",
                &scenario("tutorial"),
                "--auto",
                "best",
                "--save",
                "--seed",
                &seed.to_string(),
            ],
        );
        assert!(out.status.success());
    }
    let out = rapport(
        dir.path(),
        &["export", "--format", "csv", "--student", "s.jones@example.edu"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let header = r.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    for row in &rows {
        assert_eq!(&row[col("student")], "s.jones@example.edu");
        assert_eq!(&row[col("scenario")], "tutorial");
        assert_eq!(row[col("accuracy")].parse::<f32>().expect("a number"), 100.0);
    }
    let out = rapport(dir.path(), &["export", "--format", "csv", "--moves"]);
    let moves = csv::Reader::from_reader(out.stdout.as_slice()).records().count();
    let store = Store::open(dir.path()).expect("opens");
    let recorded: usize = store.sessions().expect("lists").iter().map(|s| s.move_count).sum();
    assert_eq!(moves, recorded);
}

#[test]
fn history_lists_and_forget_deletes_only_when_confirmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(
        rapport(dir.path(), &["play", &scenario("tutorial"), "--auto", "best", "--save"])
            .status
            .success()
    );
    let out = rapport(dir.path(), &["history", "--format", "json"]);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "finished");
    let out = rapport(dir.path(), &["history", "--forget"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "not at a terminal and no --yes: nothing deleted"
    );
    assert_eq!(
        Store::open(dir.path()).expect("opens").sessions().expect("lists").len(),
        1
    );
    let out = rapport(dir.path(), &["history", "--forget", "--yes"]);
    assert!(out.status.success());
    assert!(
        Store::open(dir.path())
            .expect("opens")
            .sessions()
            .expect("lists")
            .is_empty()
    );
}

#[test]
fn the_class_report_merges_students_exports_into_one_summary_per_scenario() {
    let class = tempfile::tempdir().expect("tempdir");
    for (i, policy) in ["best", "worst", "best"].iter().enumerate() {
        let home = class.path().join(format!("home{i}"));
        let out = rapport(&home, &["play", &scenario("tutorial"), "--auto", policy, "--save"]);
        assert!(out.status.success());
        let file = class.path().join(format!("student{i}.json"));
        let out = rapport(
            &home,
            &[
                "export",
                "--format",
                "json",
                "--student",
                &format!("s{i}"),
                "-o",
                file.to_str().expect("utf-8"),
            ],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(class.path().join("notes.json"), "{\"not\": \"an export\"}").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["report", "--format", "csv"])
        .arg(class.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("notes.json"),
        "the stray file is named"
    );
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let header = r.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| &r[col("scenario")] == "tutorial"));
    assert!(
        rows.iter().all(|r| &r[col("students")] == "3"),
        "three students in one summary"
    );
}

#[test]
fn a_class_sessions_votes_are_kept_with_its_moves() {
    use rapport::engine::classroom::{ClassChoice, DecidedBy, Tally};
    let lib = Library::builtin().expect("builtin");
    let sc = shipped::find(&lib.catalog, "tutorial").expect("the tutorial ships");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("opens");
    let mut s = Session::new(&lib, sc, 3).expect("starts");
    let id = store.begin(&s, "class").expect("begins");
    let keys: Vec<String> = s.available().iter().map(|o| o.id.clone()).collect();
    let events = s.choose(&keys[1]).expect("plays");
    store.record(&id, &s, &events, None).expect("records the move");
    let tally = Tally {
        counts: keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), [3, 11, 2, 0, 0, 0][i.min(5)]))
            .collect(),
        voted: 16,
        joined: 18,
    };
    let vote = ClassChoice::new(tally, &keys[1]);
    store.record_votes(&id, 1, &vote).expect("records the vote");
    let rec = store.session(&id).expect("reads back");
    assert_eq!(rec.summary.source, "class");
    assert_eq!(rec.moves[0].votes.as_ref(), Some(&vote));
    assert_eq!(vote.decided_by, DecidedBy::Majority);
    assert_eq!(rec.moves[0].votes.as_ref().map(|v| v.tally.count(&keys[1])), Some(11));
}
