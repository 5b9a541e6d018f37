//! Every shipped scenario loads, checks clean (its scoring agrees with its declared intents), plays to an ending,
//! never calls a session with a missed safety marker good, and reads its best play as the mode it teaches.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

// Every ending is reachable: `golden::every_shipped_scenario_has_its_golden_plays` requires a golden
// play per ending, and `golden::golden_play_throughs_have_not_drifted` plays each one to its ending.

use rapport::engine::format::scenario::{IntegrationMode, Marker};
use rapport::engine::play::session::{Event, RuptureCause};
use rapport::engine::vocab::ProcessMarker;
use rapport::engine::{Session, report::debrief};

use crate::common;

#[test]
fn the_built_in_catalog_is_broad_and_complete() {
    let lib = common::lib();
    assert!(
        lib.catalog.techniques.len() >= 40,
        "only {} techniques",
        lib.catalog.techniques.len()
    );
    for school in rapport::engine::vocab::School::ALL {
        assert!(
            lib.catalog.techniques.iter().any(|t| t.school == school),
            "no technique of school {school:?}"
        );
    }
}

/// Stages where the engine still ranks a declared-good option above the declared best, with why we keep the
/// author's intent: each is a defensible second choice, not a move the notes call a mistake (R602 has none).
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[];

#[test]
fn every_shipped_scenario_checks_clean() {
    let files = common::shipped();
    assert!(
        files.len() >= 2,
        "at least the annotated example and one real scenario ship"
    );
    let lib = common::lib();
    for f in &files {
        // Clean means the calibration too: the computed ranking agrees with every declared intent, except the
        // disagreements listed here, each with its reason. A new one fails, and so does one that is gone, so the
        // list stays true (a ratchet, not a blanket exception).
        let src = std::fs::read_to_string(f).expect("readable");
        let mut l = rapport::engine::load::load_scenario_calibrated(&src, &f.display().to_string(), &lib, f.parent());
        let sc = l.value.clone().expect("loads");
        for (scenario, option, _why) in KNOWN_DISAGREEMENTS.iter().filter(|k| k.0 == sc.id) {
            let before = l.diagnostics.len();
            l.diagnostics
                .retain(|d| !(d.code == rapport::engine::Code::R601 && d.message.contains(&format!("`{option}`"))));
            assert_eq!(
                before,
                l.diagnostics.len() + 1,
                "{scenario}: the known disagreement at `{option}` is gone; take it off the list"
            );
        }
        assert!(
            l.diagnostics.is_empty(),
            "{} is not clean:\n{}",
            f.display(),
            rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
        );
    }
}

#[test]
fn every_shipped_scenario_plays_to_an_ending_under_many_seeds() {
    let lib = common::lib();
    for f in common::shipped() {
        let sc = common::load_clean(&f);
        for seed in 0..60u64 {
            let mut s = Session::new(&lib, sc.clone(), seed).expect("starts");
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
    assert!(
        files.len() >= IntegrationMode::ALL.len(),
        "{} scenarios cannot teach {} integration modes",
        files.len(),
        IntegrationMode::ALL.len()
    );
    let modes: BTreeSet<IntegrationMode> = files
        .iter()
        .map(|f| common::load_clean(f).meta.integration_mode)
        .collect();
    for m in IntegrationMode::ALL {
        assert!(modes.contains(&m), "no scenario teaches {}", m.label());
    }
}

/// Plays a scenario with random moves for a seed, to its ending.
fn random_play(sc: &std::sync::Arc<rapport::engine::Scenario>, seed: u64) -> Session {
    let lib = common::lib();
    let mut s = Session::new(&lib, sc.clone(), seed).expect("starts");
    let mut rng = StdRng::seed_from_u64(seed);
    while s.ended().is_none() {
        let opts = s.available();
        let pick = opts[rng.random_range(0..opts.len())].id.clone();
        s.choose(&pick).expect("chooses");
    }
    s
}

#[test]
fn a_path_that_leaves_a_present_safety_marker_unanswered_is_never_good() {
    let lib = common::lib();
    let mut misses = 0;
    for f in common::shipped() {
        let sc = common::load_clean(&f);
        // In conjoint work the safety check is the individual screen, with one person in the room (Bograd &
        // Mederos 1999): asked in front of a partner it is not safe to answer.
        let seen_alone = !sc.people.is_empty() && sc.stages.iter().any(|st| st.present.len() == 1);
        assert!(
            !sc.standing.is_empty() || seen_alone,
            "{}: a safety check is always within reach",
            f.display()
        );
        for seed in 0..40u64 {
            let s = random_play(&sc, seed);
            // Read the markers from the scenario and the answers from the catalog, not from the classification:
            // a critical marker is missed when the move that leaves a stage never answered it there.
            let mut answered_here = Vec::new();
            let mut unanswered = false;
            // The markers the trainee was shown, stage by stage (a rupture line may show fewer than the stage).
            let mut shown: Vec<(String, ProcessMarker)> = Vec::new();
            let mut moves = Vec::new();
            for e in s.events() {
                match e {
                    Event::ClientSpeaks {
                        markers, speaker, also, ..
                    } => {
                        let process = |m: &Marker| match m {
                            Marker::Process(p) => Some(*p),
                            Marker::Rupture(_) => None,
                        };
                        shown = markers
                            .iter()
                            .filter_map(process)
                            .map(|p| (speaker.clone(), p))
                            .collect();
                        for a in also {
                            shown.extend(a.markers.iter().filter_map(process).map(|p| (a.person.clone(), p)));
                        }
                    }
                    Event::Feedback(o) => moves.push((o.clone(), shown.clone())),
                    _ => {}
                }
            }
            for (c, markers) in &moves {
                let t = rapport::engine::play::scoring::delivered(
                    lib.catalog.get(&c.technique).expect("technique"),
                    &c.manner,
                );
                // Turned to that person, or to several who all show it (both parents' alarm at the same risk).
                let shows = |id: &String, m: &ProcessMarker| markers.iter().any(|(w, x)| w == id && x == m);
                for (who, m) in markers.iter() {
                    if t.answers.contains(m) && c.to.contains(who) && c.to.iter().all(|id| shows(id, m)) {
                        answered_here.push(*m);
                    }
                }
                if sc.people.is_empty() {
                    answered_here.extend(t.answers.iter().copied());
                }
                if !c.standing {
                    unanswered |= markers.iter().any(|(_, m)| {
                        // A safety concern after an assessment is new information: it is answered again.
                        let critical = matches!(m, ProcessMarker::SafetyConcern | ProcessMarker::Dissociation);
                        critical && !answered_here.contains(m)
                    });
                    answered_here.clear();
                }
            }
            let d = debrief::debrief(&s);
            if unanswered {
                misses += 1;
                assert!(
                    !d.practice.verdict.is_good(),
                    "{} seed {seed}: a safety marker went unanswered, yet the session reads {}",
                    f.display(),
                    d.practice.verdict.label()
                );
                assert!(
                    !d.practice.critical.is_empty(),
                    "{} seed {seed}: the debrief lists the critical miss in red",
                    f.display()
                );
            }
        }
    }
    assert!(
        misses > 0,
        "the walk met unanswered safety markers, so the rule was exercised"
    );
}

#[test]
fn the_best_play_is_100_percent_and_recognised_as_the_mode_the_scenario_teaches() {
    let lib = common::lib();
    for f in common::shipped() {
        let sc = common::load_clean(&f);
        let e = rapport::engine::author::calibration::extremes(&sc, &lib);
        let best = e.best.expect("a best play");
        assert!(
            (best.accuracy - 100.0).abs() < 0.01,
            "{}: {}",
            f.display(),
            best.accuracy
        );
        assert!(
            best.verdict.is_good(),
            "{}: the best play reads {:?}",
            f.display(),
            best.verdict
        );
        let worst = e.worst.expect("a worst play");
        assert!(
            worst.accuracy < 50.0,
            "{}: worst play at {:.0}%",
            f.display(),
            worst.accuracy
        );
        for (choices, is_best) in [(best.choices, true), (worst.choices, false)] {
            let s = Session::replay(&lib, sc.clone(), 0, &choices).expect("replays");
            let i = debrief::debrief(&s).integration;
            let top = &i.modes[0];
            if is_best {
                assert_eq!(
                    top.mode,
                    sc.meta.integration_mode,
                    "{}: best play read as {:?}",
                    f.display(),
                    top.mode
                );
            } else {
                let intended = i
                    .modes
                    .iter()
                    .find(|m| m.mode == sc.meta.integration_mode)
                    .expect("listed");
                assert!(
                    intended.strength < 0.25,
                    "{}: the worst play reads as the taught mode ({:.2})",
                    f.display(),
                    intended.strength
                );
            }
        }
    }
}

#[test]
fn remote_intake_shows_the_call_drop_as_an_event_never_caused_by_the_risk_question() {
    let lib = common::lib();
    let sc = common::load_clean(&common::root().join("scenarios/remote_intake.ron"));
    let mut s = Session::new(&lib, sc.clone(), 0).expect("starts");
    // Skip the consent, as the reviewers did, and ask about risk when she raises it.
    while s.stage_id() != "ri_risk" {
        let pick = s
            .available()
            .into_iter()
            .find(|o| !o.id.contains("consent") && !s.is_standing(o))
            .map(|o| o.id.clone())
            .expect("an option");
        s.choose(&pick).expect("chooses");
        assert!(s.ended().is_none(), "reaches the risk stage");
    }
    let events = s.choose("ri_risk.assess").expect("asks");
    let feedback = events
        .iter()
        .position(|e| matches!(e, Event::Feedback(_)))
        .expect("feedback");
    let speaks = events
        .iter()
        .position(|e| matches!(e, Event::ClientSpeaks { .. }))
        .expect("the scene changes");
    for (i, e) in events.iter().enumerate() {
        if let Event::RuptureOpened { cause, .. } = e {
            assert_eq!(
                *cause,
                RuptureCause::Script,
                "the drop is the script's, not the risk question's"
            );
            assert!(
                i > speaks && i > feedback,
                "shown after the new scene, not under the move"
            );
        }
    }
    assert!(
        events.iter().any(|e| matches!(e, Event::RuptureOpened { .. })),
        "the dropped call strains the alliance: {events:?}"
    );
}

#[test]
fn no_two_scenarios_share_a_client_name_or_a_stage_id_and_risk_can_always_be_asked() {
    let lib = common::lib();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: BTreeMap<String, String> = BTreeMap::new();
    for f in common::shipped() {
        let sc = common::load_clean(&f);
        // The people in the case: the client, or each person in the room (the case's own name is a heading).
        let people: Vec<String> = if sc.people.is_empty() {
            vec![sc.client.name.clone()]
        } else {
            sc.people.iter().map(|p| p.name.clone()).collect()
        };
        for n in people {
            let first = n.split_whitespace().next().unwrap_or_default().to_owned();
            if let Some(other) = names.insert(first.clone(), sc.id.clone()) {
                panic!("`{first}` is a client in both {other} and {}", sc.id);
            }
        }
        for st in &sc.stages {
            if let Some(other) = stages.insert(st.id.clone(), sc.id.clone()) {
                panic!("the stage id `{}` is in both {other} and {}", st.id, sc.id);
            }
        }
        // Where the material shows risk, a safety check is within reach: at every stage showing it, a move
        // answers it, and the scenario offers one at every stage (or, in conjoint work, sees people alone).
        let risky = sc.stages.iter().any(|st| {
            sc.markers_at(st)
                .iter()
                .any(|(_, m)| *m == Marker::Process(ProcessMarker::SafetyConcern))
        });
        if risky {
            let safety = |o: &rapport::engine::format::scenario::Choice| {
                lib.catalog
                    .get(&o.technique)
                    .is_some_and(|t| t.answers.contains(&ProcessMarker::SafetyConcern))
            };
            let seen_alone = !sc.people.is_empty() && sc.stages.iter().any(|st| st.present.len() == 1);
            assert!(
                sc.standing.iter().any(safety) || seen_alone,
                "{}: risk runs through the material, so a safety check is offered at every stage",
                sc.id
            );
            for st in &sc.stages {
                if st.markers.contains(&Marker::Process(ProcessMarker::SafetyConcern)) {
                    assert!(
                        st.choices.iter().any(safety) || sc.standing.iter().any(safety),
                        "{} at {}: a safety concern with no move that answers it",
                        sc.id,
                        st.id
                    );
                }
            }
        }
    }
}
