//! Every shipped scenario loads, checks clean and plays to an ending under many seeds.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;

// Every ending is reachable: `golden::every_shipped_scenario_has_its_golden_plays` requires a golden
// play per ending, and `golden::golden_play_throughs_have_not_drifted` plays each one to its ending.

use rapport::engine::Session;
use rapport::engine::model::IntegrationMode;

use crate::common;

#[test]
fn the_built_in_catalog_is_broad_and_complete() {
    let lib = common::lib();
    assert!(
        lib.catalog.techniques.len() >= 40,
        "only {} techniques",
        lib.catalog.techniques.len()
    );
    for school in rapport::engine::catalog::School::ALL {
        assert!(
            lib.catalog.techniques.iter().any(|t| t.school == school),
            "no technique of school {school:?}"
        );
    }
}

#[test]
fn every_shipped_scenario_checks_clean() {
    let files = common::shipped();
    assert!(
        files.len() >= 2,
        "at least the annotated example and one real scenario ship"
    );
    for f in &files {
        let l = common::load(f);
        assert!(
            l.diagnostics.is_empty(),
            "{} is not clean:\n{}",
            f.display(),
            rapport::engine::diagnostic::render(&l.diagnostics, Some(&l.locator))
        );
    }
}

#[test]
fn every_shipped_scenario_plays_to_an_ending_under_many_seeds() {
    let lib = common::lib();
    for f in common::shipped() {
        let sc = common::load_clean(&f);
        for seed in 0..60u64 {
            let mut s = Session::new(sc.clone(), lib.catalog.clone(), &lib.weights, seed).expect("starts");
            let mut rng = StdRng::seed_from_u64(seed);
            while s.ended().is_none() {
                let opts = s.available();
                assert!(!opts.is_empty(), "{}: no option at stage {}", f.display(), s.stage_id());
                let pick = opts[rng.random_range(0..opts.len())].id.clone();
                s.choose(&pick).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            }
        }
    }
}

#[test]
fn the_library_teaches_every_integration_mode() {
    let files = common::shipped();
    if files.len() < 13 {
        return; // the full library is checked once it ships
    }
    let modes: BTreeSet<IntegrationMode> = files
        .iter()
        .map(|f| common::load_clean(f).meta.integration_mode)
        .collect();
    for m in IntegrationMode::ALL {
        assert!(modes.contains(&m), "no scenario teaches {}", m.label());
    }
}
