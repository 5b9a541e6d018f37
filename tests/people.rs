//! Several people in the room: addressee fit, the others' bond, the split, per-person ruptures, ratings and markers.

use std::sync::Arc;

use rapport::engine::format::scenario::{Cmp, Condition, Transition};
use rapport::engine::play::session::{Event, SessionError};
use rapport::engine::{Scenario, Session};

use crate::common;

fn couple() -> Arc<Scenario> {
    common::load_clean(&common::fixture("two_people.ron"))
}

fn play(sc: Arc<Scenario>, choices: &[&str]) -> Session {
    let lib = common::lib();
    let choices: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
    Session::replay(&lib, sc, 1, &choices).expect("plays")
}

/// The fixture's first stage's reflection, which the trainee can turn to either partner.
fn reflection(s: &Session) -> rapport::engine::format::scenario::Choice {
    s.stage()
        .and_then(|st| st.choice("open.reflect"))
        .cloned()
        .expect("the fixture's first stage offers a reflection")
}

fn bond(s: &Session, id: &str) -> f32 {
    let i = s.scenario().person_index(id).expect("a person");
    s.state().people[i].alliance.bond
}

#[test]
fn a_move_is_judged_against_its_addressee() {
    let s = play(couple(), &[]);
    let o = reflection(&s);
    let amara = s.evaluate_to(&o, &[0]).expect("evaluates");
    let daniel = s.evaluate_to(&o, &[1]).expect("evaluates");
    // The same reflection reads Amara's reactance and coping, or Daniel's.
    let reactance = |e: &rapport::engine::play::scoring::Evaluation| {
        e.fit
            .parts
            .iter()
            .find(|p| p.term == rapport::engine::vocab::FitTerm::Coping)
            .map(|p| p.why.clone())
            .expect("the term is there")
    };
    assert!(reactance(&amara).starts_with("Amara"), "{}", reactance(&amara));
    assert!(reactance(&daniel).starts_with("Daniel"), "{}", reactance(&daniel));
    assert!(
        daniel.fit.total > amara.fit.total,
        "an insight-focused reflection fits internalizing Daniel ({:+.2}) better than externalizing Amara ({:+.2})",
        daniel.fit.total,
        amara.fit.total
    );
}

#[test]
fn turning_to_one_partner_costs_the_others_bond_and_everyone_costs_no_one() {
    let sc = couple();
    let start = play(sc.clone(), &[]);
    let one = play(sc.clone(), &["open.reflect@amara"]);
    assert!(bond(&one, "amara") > bond(&start, "amara"));
    assert!(
        bond(&one, "daniel") < bond(&start, "daniel"),
        "Daniel hears the therapist take Amara's side"
    );
    assert!(one.state().split() > 0.05);
    let both = play(sc, &["open.reflect"]);
    assert!(bond(&both, "amara") >= bond(&start, "amara") && bond(&both, "daniel") >= bond(&start, "daniel"));
    assert!(both.state().split() < 1e-6);
    assert_eq!(both.history()[0].to, vec!["amara".to_string(), "daniel".to_string()]);
}

#[test]
fn a_safer_room_softens_the_cost_of_turning_to_one_person() {
    let mut safe = (*couple()).clone();
    safe.client.within_system = Some(0.9);
    let unsafe_room = play(couple(), &["open.reflect@amara"]);
    let safe_room = play(Arc::new(safe), &["open.reflect@amara"]);
    assert!(bond(&safe_room, "daniel") > bond(&unsafe_room, "daniel"));
}

#[test]
fn the_split_alliance_drives_the_scenarios_conditions() {
    // With a lower bar, one turn to Amara splits the alliance enough to end in the split ending.
    let mut sc = (*couple()).clone();
    sc.stages[0].transitions[0] = Transition {
        when: Some(Condition::Split(Cmp::AtLeast(0.05))),
        to: "end_split".into(),
    };
    let sc = Arc::new(sc);
    assert_eq!(play(sc.clone(), &["open.reflect@amara"]).ended(), Some("end_split"));
    assert_eq!(
        play(sc, &["open.reflect"]).ended(),
        None,
        "a balanced move keeps the session going"
    );
}

#[test]
fn ruptures_belong_to_a_person() {
    let s = play(couple(), &["open.advise_amara"]);
    let opened: Vec<&str> = s
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::RuptureOpened { person, .. } => Some(person.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        opened,
        vec!["amara"],
        "advice pushed at reactant Amara ruptures with her, not with Daniel"
    );
    assert!(s.holds(&Condition::Person("amara".into(), Box::new(Condition::RuptureOpen))));
    assert!(!s.holds(&Condition::Person("daniel".into(), Box::new(Condition::RuptureOpen))));
    assert!(s.holds(&Condition::RuptureOpen));
}

#[test]
fn each_person_rates_the_session() {
    let s = play(couple(), &["open.feedback"]);
    let srs = &s.history()[0].srs;
    let names: Vec<&str> = srs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["Amara", "Daniel"]);
    // Daniel is compliant: part of his rating is politeness; Amara's is not.
    assert!(srs[1].srs.politeness > 0.0 && srs[0].srs.politeness == 0.0);
    assert!(srs.iter().all(|r| !r.child));
}

#[test]
fn a_marker_is_answered_by_turning_to_the_person_who_shows_it() {
    let s = play(couple(), &[]);
    let reflect = reflection(&s);
    let marker = |e: &rapport::engine::play::scoring::Evaluation| {
        e.fit
            .parts
            .iter()
            .find(|p| p.term == rapport::engine::vocab::FitTerm::Marker)
            .map(|p| (p.value, p.why.clone()))
            .expect("the marker term is there")
    };
    // Daniel looks at the floor (his vulnerability): a reflection to both of them passes it over; turned to
    // him, the same reflection answers it.
    let (to_both, why) = marker(&s.evaluate_to(&reflect, &[0, 1]).expect("evaluates"));
    assert!(to_both < 0.0 && why.starts_with("Daniel"), "{why}");
    let (to_daniel, _) = marker(&s.evaluate_to(&reflect, &[1]).expect("evaluates"));
    assert!(to_daniel > 0.0);
    let (to_amara, _) = marker(&s.evaluate_to(&reflect, &[0]).expect("evaluates"));
    assert!(to_amara < 0.0);
}

#[test]
fn addressees_are_recorded_in_the_choice_and_replay_exactly() {
    let sc = couple();
    let s = play(sc.clone(), &["open.reflect@daniel", "cycle.map"]);
    assert_eq!(s.choices(), ["open.reflect@daniel", "cycle.map"]);
    let again = play(sc.clone(), &["open.reflect@daniel", "cycle.map"]);
    assert_eq!(s.events(), again.events());
    let lib = common::lib();
    let mut fresh = Session::new(&lib, sc, 1).expect("starts");
    assert_eq!(
        fresh.choose("open.affirm_daniel@amara"),
        Err(SessionError::FixedAddressee("open.affirm_daniel".into()))
    );
    assert_eq!(
        fresh.choose("open.reflect@nobody"),
        Err(SessionError::UnknownPerson("nobody".into()))
    );
}

#[test]
fn the_best_play_meets_the_person_who_shows_the_marker() {
    let s = play(couple(), &[]);
    let best = s.best_move().expect("a move is open");
    assert!(
        best == "open.affirm_daniel" || best == "open.reflect@daniel",
        "the best move turns to Daniel, who shows the vulnerability: got {best}"
    );
}

#[test]
fn an_individual_scenario_is_the_case_of_one_person() {
    let sc = common::load_clean(&common::fixture("minimal.ron"));
    let s = play(sc.clone(), &[]);
    assert_eq!(s.state().people.len(), 1);
    assert_eq!(s.state().within, None);
    let o = s.available()[0].clone();
    assert_eq!(s.addressings(&o).len(), 1, "nobody else to turn to");
    assert_eq!(s.evaluate(&o).expect("evaluates").split, 0.0);
}

#[test]
fn a_child_rates_on_the_child_scale_and_her_mother_on_the_adult_one() {
    let sc = common::load_clean(&common::root().join("scenarios/child_play.ron"));
    let s = play(
        sc,
        &[
            "cp_meet.play",
            "cp_house.track",
            "cp_draw.art",
            "cp_parent.reflect",
            "cp_handover.ask",
            "cp_marc.call",
            "cp_guidance.goals",
            "cp_tummy.steady",
            "cp_story.retell",
            "cp_review.faces",
        ],
    );
    let rated = s
        .history()
        .iter()
        .find(|c| !c.srs.is_empty())
        .expect("the review asks both for feedback");
    let scales: Vec<(&str, bool)> = rated.srs.iter().map(|r| (r.name.as_str(), r.child)).collect();
    assert_eq!(
        scales,
        vec![("Maya", true), ("Sophie", false)],
        "Maya on the CSRS, Sophie on the SRS"
    );
}

#[test]
fn a_reload_that_changes_the_people_is_refused_not_a_crash() {
    let sc = couple();
    let s = play(sc.clone(), &["open.reflect@amara"]);
    let mut edited = (*sc).clone();
    edited.people.pop();
    let lib = common::lib();
    let r = Session::resume(&lib, Arc::new(edited), 1, s.snapshot());
    assert_eq!(r.err(), Some(SessionError::PeopleChanged));
    // The same people resume where they were.
    let same = Session::resume(&lib, sc, 1, s.snapshot()).expect("resumes");
    assert_eq!(same.state().people, s.state().people);
}
