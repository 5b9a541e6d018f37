//! Golden play-through scripts in `tests/golden/`: each must reach its ending and pass its checkpoints.

use rapport::engine::author::golden;
use rapport::engine::load;

use crate::common;

#[test]
fn golden_play_throughs_have_not_drifted() {
    let lib = common::lib();
    let dir = common::root().join("tests/golden");
    let rd = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".plays.ron"))
        .collect();
    files.sort();
    // One golden file per shipped scenario: a folder moved or emptied fails here instead of passing unread.
    assert_eq!(
        files.len(),
        common::shipped().len(),
        "{}: one NAME.plays.ron per shipped scenario",
        dir.display()
    );
    let mut failures = Vec::new();
    let mut played = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).expect("readable");
        let parsed = load::load_plays_str(&src, &f.display().to_string(), f);
        let p = parsed
            .value
            .unwrap_or_else(|| panic!("{}: {:?}", f.display(), parsed.diagnostics));
        let sc = common::load_clean(&p.scenario_path(f));
        for play in &p.plays {
            let r = golden::run_play(play, sc.clone(), &lib);
            played += 1;
            if !r.passed {
                failures.push(format!("{} :: {}: {}", f.display(), r.name, r.drift.join("; ")));
            }
        }
    }
    // Three plays at least per scenario (best, rupture and repair, poorest: see the next test).
    assert!(
        played >= 3 * files.len(),
        "only {played} plays in {} files",
        files.len()
    );
    assert!(failures.is_empty(), "drifted:\n{}", failures.join("\n"));
}

/// Each shipped scenario has the three golden plays issue 4 asks for, and between them all endings.
#[test]
fn every_shipped_scenario_has_its_golden_plays() {
    for f in common::shipped() {
        let sc = common::load_clean(&f);
        let golden = common::root().join("tests/golden").join(format!("{}.plays.ron", sc.id));
        let Ok(src) = std::fs::read_to_string(&golden) else {
            panic!("{}: no golden plays at {}", f.display(), golden.display());
        };
        let p = load::load_plays_str(&src, "golden", &golden).value.expect("parses");
        for name in ["best", "rupture_and_repair", "poorest"] {
            assert!(
                p.plays.iter().any(|pl| pl.name == name),
                "{}: no `{name}` play",
                golden.display()
            );
        }
        let rr = p
            .plays
            .iter()
            .find(|pl| pl.name == "rupture_and_repair")
            .expect("present");
        assert!(
            rr.checkpoints.iter().any(|c| c.starts_with("rupture opened")),
            "{}: rupture_and_repair shows no rupture",
            golden.display()
        );
        assert!(
            rr.checkpoints.iter().any(|c| c.starts_with("rupture repaired")),
            "{}: rupture_and_repair shows no repair",
            golden.display()
        );
        for e in &sc.endings {
            assert!(
                p.plays.iter().any(|pl| pl.ending == e.id),
                "{}: no golden play reaches `{}`",
                golden.display(),
                e.id
            );
        }
    }
}
