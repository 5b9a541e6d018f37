//! Benchmark: checking and analysing a generated 10,000-stage scenario. Run with `cargo bench --bench analysis`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rapport::engine::{Library, author::analysis, author::synthetic, load};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(std::hint::black_box(f()));
        times.push(t.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn main() {
    let lib = Library::builtin().expect("built-in data loads");
    let sizes: Vec<usize> = std::env::var("BENCH_STAGES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000]);
    for stages in sizes {
        let sc = synthetic::synthetic(stages, &lib.catalog);
        let text = ron::ser::to_string(&sc).expect("serializes");
        let (t_scan, _) = time(3, || rapport::engine::load::source::Locator::scan(&text).is_ok());
        let (t_parse, parsed) = time(3, || load::parse::<rapport::engine::Scenario>(&text, "synthetic.ron"));
        let parsed_sc = parsed.value.clone().expect("parses");
        let (t_rules, _) = time(3, || {
            rapport::engine::check::check_scenario(&parsed_sc, &lib.catalog, "synthetic.ron", &parsed.locator, None)
        });
        println!(
            "{stages:>6} stages: position scan {:.2} ms, scan + RON parse {:.2} ms, semantic checks {:.2} ms",
            t_scan.as_secs_f64() * 1e3,
            t_parse.as_secs_f64() * 1e3,
            t_rules.as_secs_f64() * 1e3
        );
        let (t_check, loaded) = time(5, || {
            load::load_scenario_str(&text, "synthetic.ron", &lib.catalog, None)
        });
        assert!(
            !loaded.has_errors(),
            "{:?}",
            loaded.diagnostics.iter().take(3).collect::<Vec<_>>()
        );
        let sc = Arc::new(sc);
        let (t_analyze, a) = time(5, || analysis::analyze(&sc, &lib));
        println!(
            "{stages:>6} stages ({:.1} MiB of RON): parse + check {:>8.2} ms, analyze {:>8.2} ms (median of 5; {} choice paths; best {:.1}, worst {:.1})",
            text.len() as f64 / 1048576.0,
            t_check.as_secs_f64() * 1e3,
            t_analyze.as_secs_f64() * 1e3,
            if a.path_count == u128::MAX {
                "more than 10^38".to_owned()
            } else {
                a.path_count.to_string()
            },
            a.best.as_ref().map_or(0.0, |b| b.score),
            a.worst.as_ref().map_or(0.0, |b| b.score),
        );
    }
}
