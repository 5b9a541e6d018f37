//! xAPI against a real Learning Record Store: Ralph on loopback (`.ci/lrs.sh`), each test with its own
//! instance so one can stop it mid-send. `.ci/run` installs Ralph and sets `RAPPORT_REQUIRE_LRS`, so in CI
//! these tests cannot pass by skipping; on a machine without Ralph they say so and skip.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rapport::engine::records::xapi::{self, Lrs, XapiSettings};
use rapport::engine::records::{SessionRecord, Store};
use rapport::engine::{Library, Session, report::debrief, shipped};

const USER: &str = "rapport";
const PASSWORD: &str = "rapport-ci";

/// One Ralph instance, stopped when dropped.
struct Ralph {
    dir: tempfile::TempDir,
    port: u16,
}

impl Ralph {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/lrs.sh")
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("bash")
            .arg(Ralph::script())
            .args(args)
            .env("RAPPORT_LRS_DIR", self.dir.path())
            .env("RAPPORT_LRS_USER", USER)
            .env("RAPPORT_LRS_PASSWORD", PASSWORD)
            .output()
            .expect("bash runs")
    }

    /// Starts an instance on `port`, or None (skip) where Ralph is not installed and CI does not require it.
    fn start(port: u16) -> Option<Ralph> {
        let ralph = Ralph {
            dir: tempfile::tempdir().expect("tempdir"),
            port,
        };
        let out = ralph.run(&["start", &port.to_string()]);
        if out.status.success() {
            return Some(ralph);
        }
        let why = String::from_utf8_lossy(&out.stderr).into_owned();
        if std::env::var_os("RAPPORT_REQUIRE_LRS").is_some() {
            panic!("the LRS did not start: {why}");
        }
        eprintln!("skipped: no Ralph LRS here (`bash .ci/lrs.sh install` installs it): {why}");
        None
    }

    fn restart(&self) {
        let out = self.run(&["start", &self.port.to_string()]);
        assert!(
            out.status.success(),
            "restarts: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop(&self) {
        let out = self.run(&["stop"]);
        assert!(out.status.success(), "stops: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn lrs(&self) -> Lrs {
        Lrs {
            url: format!("http://127.0.0.1:{}/xAPI", self.port),
            user: USER.into(),
            password: PASSWORD.into(),
        }
    }
}

impl Drop for Ralph {
    fn drop(&mut self) {
        let _ = self.run(&["stop"]);
    }
}

/// Plays `n` recorded sessions of shipped scenarios (the best move, a different seed each) into `store`.
fn record_sessions(store: &mut Store, n: u64) -> Vec<SessionRecord> {
    let lib = Library::builtin().expect("builtin");
    let ids = ["tutorial", "couple_conflict", "acute_crisis"];
    (0..n)
        .map(|k| {
            let sc = shipped::find(&lib.catalog, ids[k as usize % ids.len()]).expect("shipped");
            let mut s = Session::new(&lib, sc, k + 1).expect("starts");
            let id = store.begin(&s, "test").expect("begins");
            while s.ended().is_none() {
                let pick = s.best_move().expect("a move");
                let events = s.choose(&pick).expect("plays");
                let d = s.ended().map(|_| debrief::debrief(&s));
                store.record(&id, &s, &events, d.as_ref()).expect("records");
            }
            store.session(&id).expect("reads back")
        })
        .collect()
}

fn ids_in(statements: &[serde_json::Value]) -> Vec<String> {
    statements
        .iter()
        .map(|s| s["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[test]
fn statements_posted_by_the_cli_are_in_the_lrs_by_registration_and_valid() {
    let Some(ralph) = Ralph::start(8111) else { return };
    let data = tempfile::tempdir().expect("tempdir");
    let tutorial = format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR"));
    for seed in ["1", "2"] {
        let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args([
                "play",
                &tutorial,
                "--auto",
                "best",
                "--save",
                "--seed",
                seed,
                "--data-dir",
            ])
            .arg(data.path())
            .output()
            .expect("runs");
        assert!(out.status.success());
    }
    let export = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(["export", "--format", "xapi", "--student", "student-42", "--data-dir"])
            .arg(data.path())
            .args(extra)
            .env("RAPPORT_LRS_USER", USER)
            .env("RAPPORT_LRS_PASSWORD", PASSWORD)
            .env("RAPPORT_XAPI_BASE", "https://lms.example.edu/rapport")
            .output()
            .expect("runs")
    };
    let written: Vec<serde_json::Value> = serde_json::from_slice(&export(&[]).stdout).expect("a JSON array");
    for st in &written {
        assert_eq!(xapi::validate(st), Vec::<String>::new(), "{st}");
    }
    let url = ralph.lrs().url;
    let out = export(&["--lrs", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut by_registration: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for st in &written {
        let reg = st["context"]["registration"].as_str().expect("registration").to_owned();
        by_registration
            .entry(reg)
            .or_default()
            .push(st["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(by_registration.len(), 2, "one registration per session");
    for (reg, ids) in &by_registration {
        let back = ralph.lrs().get(&format!("registration={reg}")).expect("reads back");
        let got: BTreeSet<String> = ids_in(&back).into_iter().collect();
        assert_eq!(got, ids.iter().cloned().collect::<BTreeSet<_>>(), "registration {reg}");
        for st in &back {
            assert_eq!(xapi::validate(st), Vec::<String>::new(), "as the LRS stored it: {st}");
        }
        let verbs: BTreeSet<&str> = back.iter().filter_map(|s| s["verb"]["id"].as_str()).collect();
        assert_eq!(verbs, BTreeSet::from([xapi::LAUNCHED, xapi::ANSWERED, xapi::COMPLETED]));
        let completed = back
            .iter()
            .find(|s| s["verb"]["id"] == xapi::COMPLETED)
            .expect("completed");
        assert_eq!(completed["result"]["score"]["scaled"], 1.0, "the best play's accuracy");
        assert!(
            completed["object"]["id"]
                .as_str()
                .expect("iri")
                .starts_with("https://lms.example.edu/rapport/")
        );
    }
    // Sending again sends nothing new and the LRS holds each statement once.
    let out = export(&["--lrs", &url]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("sent 0 statements"));
    for reg in by_registration.keys() {
        let n = ralph
            .lrs()
            .get(&format!("registration={reg}"))
            .expect("reads back")
            .len();
        assert_eq!(n, by_registration[reg].len());
    }
}

#[test]
fn an_lrs_stopped_mid_send_gets_every_statement_exactly_once_when_it_is_back() {
    let Some(ralph) = Ralph::start(8112) else { return };
    let data = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(data.path()).expect("store");
    let recs = record_sessions(&mut store, 12);
    let settings = XapiSettings::default();
    let lrs = ralph.lrs();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &recs {
        let st = xapi::statements(r, &settings, "anon-1");
        expected.insert(r.summary.id.clone(), ids_in(&st).into_iter().collect());
        xapi::queue(&mut store, &lrs.url, r, &st).expect("queued");
    }
    let total: usize = expected.values().map(BTreeSet::len).sum();

    // Down from the start: nothing is lost, everything waits.
    ralph.stop();
    let f = xapi::flush(&mut store, &lrs, 5).expect("flushes");
    assert_eq!((f.sent, f.waiting), (0, total));
    assert!(f.error.is_some());

    // Back, then stopped while a send is under way in small batches.
    ralph.restart();
    let dir = data.path().to_owned();
    let sender = {
        let lrs = lrs.clone();
        std::thread::spawn(move || {
            let mut store = Store::open(&dir).expect("a second connection");
            xapi::flush(&mut store, &lrs, 1).expect("flushes")
        })
    };
    // Stop it once the first statements have landed, while the rest are still on their way.
    let sent = || {
        let conn = rusqlite::Connection::open(data.path().join(rapport::engine::records::FILE)).expect("sqlite");
        conn.query_row("SELECT COUNT(*) FROM outbox WHERE sent IS NOT NULL", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_or(0)
    };
    let t = std::time::Instant::now();
    while sent() < 10 && t.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    ralph.stop();
    let partial = sender.join().expect("the sender ends");
    assert_eq!(partial.sent + partial.waiting, total, "{partial:?}");
    assert!(
        partial.sent >= 10 && partial.waiting > 0 && partial.error.is_some(),
        "the LRS went down mid-send: {partial:?} of {total}"
    );

    // A reply lost on the way back: the LRS has these, the outbox thinks not. The retry must not duplicate.
    {
        let conn = rusqlite::Connection::open(data.path().join(rapport::engine::records::FILE)).expect("sqlite");
        conn.execute(
            "UPDATE outbox SET sent = NULL WHERE rowid IN (SELECT rowid FROM outbox LIMIT 4)",
            [],
        )
        .expect("forgets four sends");
    }

    ralph.restart();
    let f = xapi::flush(&mut store, &lrs, 7).expect("flushes");
    assert_eq!((f.waiting, f.error.clone()), (0, None), "{f:?}");
    for (reg, ids) in &expected {
        let back = ralph.lrs().get(&format!("registration={reg}")).expect("reads back");
        let got = ids_in(&back);
        assert_eq!(
            got.len(),
            ids.len(),
            "registration {reg}: each statement once, none missing"
        );
        assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), *ids);
    }
    let again = xapi::flush(&mut store, &lrs, 7).expect("flushes");
    assert_eq!((again.sent, again.waiting), (0, 0), "nothing left to send");
}
