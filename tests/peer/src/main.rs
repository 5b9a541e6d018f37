//! Rapport's checker beside Yarn Spinner's compiler on stories of one shape: median time and peak memory, side by side.
//!
//! `cargo run --release` prints the table for 1,000 and 10,000 stages (`PEER_STAGES=1000,10000`, `PEER_RUNS=5`;
//! `PEER_KEEP=1` keeps the generated files).
//! Times are taken in this process (a warm-up, then the median of the runs); peak memory in a child process per
//! side (this binary again, `--child SIDE FILE`), which does the work once and reports its own high-water mark.

mod shape;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use rapport::engine::author::analysis;
use rapport::engine::{Library, load};

/// What is measured: one command's work on one file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    /// Reading the file and nothing else: the floor under every peak below.
    Read,
    /// Rapport's `load::parse`: the bounds and position scan, and the RON parse.
    Parse,
    /// What `rapport check FILE` does with a scenario: load, check, calibrate.
    Check,
    /// What `rapport analyze FILE` does: load and check, then analyse.
    Analyze,
    /// Yarn Spinner's compiler on the story of the same shape.
    Yarn,
}

const SIDES: [Side; 5] = [Side::Read, Side::Parse, Side::Check, Side::Analyze, Side::Yarn];

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Read => "read",
            Side::Parse => "parse",
            Side::Check => "check",
            Side::Analyze => "analyze",
            Side::Yarn => "yarn",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Side::Read => "read the file (floor)",
            Side::Parse => "Rapport load::parse",
            Side::Check => "Rapport check",
            Side::Analyze => "Rapport analyze",
            Side::Yarn => "Yarn Spinner compile",
        }
    }

    fn from_name(s: &str) -> Option<Side> {
        SIDES.into_iter().find(|side| side.name() == s)
    }

    /// Whether this side reads Rapport's built-in catalog and weights (loading them is part of what it costs).
    fn needs_library(self) -> bool {
        matches!(self, Side::Check | Side::Analyze)
    }

    /// Does this side's work on `src` once; returns a count that depends on the result, so nothing is optimised away.
    fn run(self, lib: Option<&Library>, src: &str) -> usize {
        const FILE: &str = "synthetic.ron";
        let lib = || lib.expect("check and analyze are given the library");
        match self {
            Side::Read => src.len(),
            Side::Parse => load::parse::<rapport::engine::Scenario>(src, FILE).diagnostics.len(),
            Side::Check => {
                let l = load::load_scenario_calibrated(src, FILE, lib(), None);
                assert!(
                    !l.has_errors(),
                    "the generated scenario has errors: {:?}",
                    &l.diagnostics[..1]
                );
                l.diagnostics.len()
            }
            Side::Analyze => {
                let lib = lib();
                let l = load::load_scenario_str(src, FILE, &lib.catalog, None);
                let s = l.clean().expect("the generated scenario checks clean");
                analysis::analyze(s, lib).reachable_stages
            }
            Side::Yarn => {
                let compiled = yarnspinner::compiler::Compiler::new()
                    .add_file(yarnspinner::compiler::File {
                        file_name: "synthetic.yarn".into(),
                        source: src.to_owned(),
                    })
                    .compile()
                    .unwrap_or_else(|e| panic!("the generated story does not compile: {e}"));
                compiled.string_table.len()
            }
        }
    }
}

/// A warm-up, then the median of `runs` timed runs.
fn median_time(runs: usize, mut f: impl FnMut() -> usize) -> Duration {
    black_box(f());
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// The peak resident memory of this process so far, in KiB (Linux: VmHWM in /proc/self/status).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `--child SIDE FILE`: do the side's work on the file once, print the peak memory.
fn child(side: Side, file: &Path) -> ExitCode {
    let src = match std::fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let lib = match side.needs_library().then(Library::builtin).transpose() {
        Ok(lib) => lib,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let n = side.run(lib.as_ref(), &src);
    black_box(n);
    match peak_kib() {
        Some(k) => {
            println!("{k}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("no VmHWM in /proc/self/status");
            ExitCode::FAILURE
        }
    }
}

/// The peak memory of a child doing `side` on `file`, in KiB.
fn child_peak(side: Side, file: &Path) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .arg("--child")
        .arg(side.name())
        .arg(file)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("{} child failed: {}", side.name(), String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

struct Row {
    side: Side,
    time: Duration,
    peak: Option<u64>,
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

/// How many timed runs each measure takes (`PEER_RUNS`, default 5).
fn runs() -> usize {
    env_list("PEER_RUNS", &[5])[0]
}

/// Runs `f` with Rapport's built-in catalog and weights.
fn with_library(f: impl FnOnce(&Library) -> ExitCode) -> ExitCode {
    match Library::builtin() {
        Ok(lib) => f(&lib),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn bench(lib: &Library) -> ExitCode {
    let runs = runs();
    let dir = std::env::temp_dir().join(format!("rapport-peer-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    println!("median of {runs} runs after a warm-up; peak RSS of a child process doing the work once\n");
    for stages in env_list("PEER_STAGES", &[1_000, 10_000]) {
        let sc = shape::scenario(stages, &lib.catalog);
        let ron = shape::ron_text(&sc);
        let yarn = shape::yarn_text(&sc);
        let ron_file: PathBuf = dir.join(format!("synthetic_{stages}.ron"));
        let yarn_file: PathBuf = dir.join(format!("synthetic_{stages}.yarn"));
        if let Err(e) = std::fs::write(&ron_file, &ron).and_then(|()| std::fs::write(&yarn_file, &yarn)) {
            eprintln!("{}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        println!(
            "{stages} stages: {:.2} MiB of RON, {:.2} MiB of Yarn",
            ron.len() as f64 / 1048576.0,
            yarn.len() as f64 / 1048576.0
        );
        let rows: Vec<Row> = SIDES
            .into_iter()
            .map(|side| {
                let (src, file) = if side == Side::Yarn {
                    (&yarn, &yarn_file)
                } else {
                    (&ron, &ron_file)
                };
                Row {
                    side,
                    time: median_time(runs, || side.run(Some(lib), src)),
                    peak: child_peak(side, file),
                }
            })
            .collect();
        println!("  {:<24} {:>12} {:>14}", "", "median ms", "peak RSS MiB");
        for r in &rows {
            println!(
                "  {:<24} {:>12.2} {:>14}",
                r.side.label(),
                r.time.as_secs_f64() * 1e3,
                r.peak.map_or("?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
            );
        }
        let get = |s: Side| rows.iter().find(|r| r.side == s).expect("every side is measured");
        let t = |s: Side| get(s).time.as_secs_f64();
        let m = |s: Side| get(s).peak.map_or(f64::NAN, |k| k as f64);
        println!(
            "  yarn/check {:.1}x, yarn/analyze {:.1}x in time; yarn/check {:.1}x, yarn/analyze {:.1}x in peak memory; check/parse {:.2}x\n",
            t(Side::Yarn) / t(Side::Check),
            t(Side::Yarn) / t(Side::Analyze),
            m(Side::Yarn) / m(Side::Check),
            m(Side::Yarn) / m(Side::Analyze),
            t(Side::Check) / t(Side::Parse),
        );
    }
    if std::env::var_os("PEER_KEEP").is_some() {
        println!("the generated files are in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    ExitCode::SUCCESS
}

/// `--breakdown`: where `rapport check` spends its time, step by step, on the same files. The steps are those of
/// `load::load_scenario_calibrated`, called one by one.
fn breakdown(lib: &Library) -> ExitCode {
    use rapport::engine::author::calibration;
    use rapport::engine::load::source::Locator;
    use rapport::engine::{Scenario, check};
    let runs = runs();
    const FILE: &str = "synthetic.ron";
    for stages in env_list("PEER_STAGES", &[1_000, 10_000]) {
        let ron = shape::ron_text(&shape::scenario(stages, &lib.catalog));
        let parsed = load::parse::<Scenario>(&ron, FILE);
        let Some(sc) = parsed.value.clone().map(std::sync::Arc::new) else {
            eprintln!("the generated scenario does not parse");
            return ExitCode::FAILURE;
        };
        let loc = &parsed.locator;
        let cal = calibration::calibrate(&sc, lib);
        let steps: [(&str, Duration); 7] = [
            (
                "position scan",
                median_time(runs, || Locator::scan(&ron).map_or(0, |l| l.source().len())),
            ),
            (
                "load::parse (scan + RON)",
                median_time(runs, || load::parse::<Scenario>(&ron, FILE).diagnostics.len()),
            ),
            (
                "checker passes",
                median_time(runs, || check::check_scenario(&sc, &lib.catalog, FILE, loc, None).len()),
            ),
            (
                "calibrate",
                median_time(runs, || calibration::calibrate(&sc, lib).stages),
            ),
            (
                "calibration warnings",
                median_time(runs, || {
                    calibration::diagnostics(&sc, &cal, &lib.weights, FILE, loc).len()
                }),
            ),
            (
                "endings search (R308)",
                median_time(runs, || calibration::unreached_endings(&sc, lib, FILE, loc).len()),
            ),
            (
                "all of check",
                median_time(runs, || {
                    load::load_scenario_calibrated(&ron, FILE, lib, None).diagnostics.len()
                }),
            ),
        ];
        println!("{stages} stages, median of {runs} runs:");
        for (name, t) in steps {
            println!("  {name:<26} {:>10.2} ms", t.as_secs_f64() * 1e3);
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => with_library(bench),
        [flag] if flag == "--breakdown" => with_library(breakdown),
        [flag, side, file] if flag == "--child" => match Side::from_name(side) {
            Some(side) => child(side, Path::new(file)),
            None => {
                eprintln!("unknown side `{side}`");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: rapport-peer [--breakdown | --child read|parse|check|analyze|yarn FILE]");
            ExitCode::from(2)
        }
    }
}
