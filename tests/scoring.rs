//! The scoring model's rules, one test each on a tiny scenario, so a clinician can read a rule beside its test.

use std::sync::Arc;

use rapport::engine::play::scoring::MoveClass;
use rapport::engine::play::session::{Event, RuptureCause};
use rapport::engine::report::debrief::{self, Verdict};
use rapport::engine::vocab::{FitTerm, Groundwork, ProcessMarker};
use rapport::engine::{Scenario, Session, load};

use crate::common;

/// A version-2 scenario with the client fields given (each replaces the default of the same name), the standing
/// moves, and stages written in RON; every stage leads to the next and the last to the ending `end`.
fn scenario(client: &str, standing: &str, stages: &[&str]) -> Arc<Scenario> {
    scenario_requiring("", client, standing, stages)
}

/// As [`scenario`], with a `requires` list (e.g. `"requires: [RiskAssessed],"`).
fn scenario_requiring(requires: &str, client: &str, standing: &str, stages: &[&str]) -> Arc<Scenario> {
    let defaults = [
        ("name", "\"Sam\""),
        ("age", "30"),
        ("history", "\"Low mood.\""),
        ("presenting_concerns", "[\"low mood\"]"),
        ("reactance", "(trait: 0.3, state: 0.3)"),
        ("coping_style", "0.0"),
        ("distress", "0.5"),
        ("impairment", "0.4"),
        ("rupture_style", "Withdrawal"),
        ("expectancy", "0.5"),
        ("alliance", "(goal: 0.5, task: 0.5, bond: 0.5)"),
        ("setting", "(format: Individual, delivery: InPerson)"),
    ];
    let given = |key: &str| client.contains(&format!("{key}:"));
    let base: Vec<String> = defaults
        .iter()
        .filter(|(k, _)| !given(k))
        .map(|(k, v)| format!("{k}: {v},"))
        .collect();
    let client = format!("{} {client}", base.join(" "));
    let stages: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let to = if i + 1 < stages.len() {
                format!("s{}", i + 1)
            } else {
                "end".into()
            };
            format!("(id: \"s{i}\", client: [(id: \"s{i}.a\", text: \"...\")], {body}, transitions: [(to: \"{to}\")]),")
        })
        .collect();
    let src = format!(
        r#"Scenario(
    version: 2,
    id: "rule",
    meta: (title: "Rule", summary: "A rule.", difficulty: Introductory, integration_mode: CommonFactors),
    client: ({client}),
    start: "s0",
    {requires}
    standing: [{standing}],
    stages: [{}],
    endings: [(id: "end", title: "End", outcome: Partial, debrief: "Done.", notes: [
        (when: Done(RiskAssessed), text: "You asked about risk."),
        (when: Not(Done(RiskAssessed)), text: "Nobody asked about risk."),
    ])],
)"#,
        stages.join("\n")
    );
    let lib = common::lib();
    let l = load::load_scenario_str(&src, "rule.ron", &lib.catalog, None);
    assert!(
        !l.has_errors(),
        "{}",
        rapport::engine::load::diagnostic::render(&l.diagnostics, Some(&l.locator))
    );
    l.value.expect("loads")
}

fn session(sc: &Arc<Scenario>) -> Session {
    let lib = common::lib();
    Session::new(&lib, sc.clone(), 0).expect("starts")
}

fn score(s: &Session, option: &str) -> f32 {
    let o = s.available().into_iter().find(|o| o.id == option).expect("offered");
    s.evaluate(o).expect("evaluates").score
}

fn term(s: &Session, option: &str, t: FitTerm) -> Option<f32> {
    let o = s.available().into_iter().find(|o| o.id == option).expect("offered");
    let e = s.evaluate(o).expect("evaluates");
    e.fit.parts.iter().find(|p| p.term == t).map(|p| p.value)
}

#[test]
fn a_change_technique_before_a_shared_rationale_costs_and_after_it_fits() {
    // Hill 2014; Beck 2011: change techniques land once the client has accepted why.
    let sc = scenario(
        "",
        "",
        &[
            r#"phase: Assessment, options: [
                (id: "early", technique: "cognitive_restructuring"),
                (id: "explore", technique: "open_question"),
            ]"#,
            r#"phase: GoalsAndPsychoeducation, options: [(id: "why", technique: "giving_rationale")]"#,
            r#"phase: Intervention, options: [(id: "later", technique: "cognitive_restructuring")]"#,
        ],
    );
    let mut s = session(&sc);
    assert_eq!(
        term(&s, "early", FitTerm::Timing),
        Some(-1.0),
        "restructuring in minute two costs"
    );
    s.choose("explore").expect("ok");
    s.choose("why").expect("ok");
    assert!(s.state().groundwork.contains(&Groundwork::Rationale));
    assert_eq!(
        term(&s, "later", FitTerm::Timing),
        None,
        "after the rationale nothing is missing"
    );
}

#[test]
fn a_safety_plan_before_an_assessment_costs() {
    // Stanley & Brown 2012: assess, then plan.
    let sc = scenario(
        "",
        "",
        &[r#"phase: Assessment, markers: [Process(SafetyConcern)], options: [
                (id: "plan", technique: "safety_planning"),
                (id: "assess", technique: "risk_assessment"),
            ]"#],
    );
    let s = session(&sc);
    assert_eq!(term(&s, "plan", FitTerm::Timing), Some(-1.0));
    assert!(score(&s, "assess") > score(&s, "plan"), "you assess first");
}

#[test]
fn a_later_session_starts_with_the_groundwork_of_the_phases_before_it() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Intervention, options: [(id: "x", technique: "behavioural_activation")]"#],
    );
    let s = session(&sc);
    for g in [
        Groundwork::Explored,
        Groundwork::Formulation,
        Groundwork::Rationale,
        Groundwork::Goals,
    ] {
        assert!(s.state().groundwork.contains(&g), "{g:?}");
    }
    assert_eq!(term(&s, "x", FitTerm::Timing), None);
}

#[test]
fn premature_delivery_costs_whatever_the_session_has_done() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Intervention, options: [
            (id: "plain", technique: "pattern_interpretation"),
            (id: "rushed", technique: "pattern_interpretation", manner: [Premature]),
        ]"#],
    );
    let s = session(&sc);
    assert_eq!(term(&s, "rushed", FitTerm::Timing), Some(-1.0));
    assert!(score(&s, "plain") > score(&s, "rushed"));
}

#[test]
fn reactance_weighs_on_the_pattern_outside_the_intervention_phase() {
    // Beutler et al. 2018 is about the treatment's directiveness: one reflection to a cooperative client
    // early on is not "less fitting than structure".
    let sc = scenario(
        "",
        "",
        &[r#"phase: Assessment, options: [
            (id: "reflect", technique: "empathic_reflection"),
            (id: "advise", technique: "direct_advice"),
        ]"#],
    );
    let s = session(&sc);
    let (r, a) = (
        term(&s, "reflect", FitTerm::Reactance).unwrap_or_default(),
        term(&s, "advise", FitTerm::Reactance).unwrap_or_default(),
    );
    assert!(
        r >= 0.0,
        "a reflection to a cooperative client is not marked down ({r})"
    );
    assert!(
        a - r < 0.3,
        "advice gains little from low reactance on one move ({a} vs {r})"
    );
}

#[test]
fn compliance_is_not_low_reactance() {
    // A deferent client takes direction on outwardly: no bonus for direction.
    let plain = scenario(
        "",
        "",
        &[r#"phase: Intervention, options: [(id: "advise", technique: "direct_advice")]"#],
    );
    let deferent = scenario(
        "compliance: 0.8,",
        "",
        &[r#"phase: Intervention, options: [(id: "advise", technique: "direct_advice")]"#],
    );
    let p = term(&session(&plain), "advise", FitTerm::Reactance).unwrap_or_default();
    let d = term(&session(&deferent), "advise", FitTerm::Reactance).unwrap_or_default();
    assert!(p > 0.0 && d < p, "compliance removes the bonus: {d} against {p}");
}

#[test]
fn an_unanswered_safety_marker_is_a_critical_miss_and_the_session_cannot_be_good() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Assessment, markers: [Process(SafetyConcern)], options: [
            (id: "warm", technique: "empathic_reflection"),
            (id: "assess", technique: "risk_assessment"),
        ]"#],
    );
    let mut s = session(&sc);
    assert_eq!(
        term(&s, "warm", FitTerm::Marker),
        Some(-1.0),
        "warmth alone does not answer it"
    );
    let events = s.choose("warm").expect("ok");
    assert!(events.iter().any(|e| matches!(
        e,
        Event::CriticalMiss {
            marker: ProcessMarker::SafetyConcern,
            ..
        }
    )));
    assert_eq!(s.history()[0].class, MoveClass::CriticalMiss);
    let d = debrief::debrief(&s);
    assert_eq!(d.practice.verdict, Verdict::Unsafe);
    assert!(!d.practice.verdict.is_good());
    assert!(d.ending_text.contains("Nobody asked about risk."), "{}", d.ending_text);
}

#[test]
fn asking_about_safety_never_opens_a_rupture() {
    // Even for a reactant client in a confrontational moment (Dazzi et al. 2014: asking does not harm).
    let sc = scenario(
        "reactance: (trait: 0.9, state: 0.9),",
        "",
        &[r#"phase: Rapport, options: [(id: "assess", technique: "risk_assessment", manner: [Imposed])]"#],
    );
    let mut s = session(&sc);
    let events = s.choose("assess").expect("ok");
    assert!(
        !events.iter().any(|e| matches!(e, Event::RuptureOpened { .. })),
        "{events:?}"
    );
}

#[test]
fn a_standing_safety_check_is_offered_at_every_stage_answered_and_the_stage_goes_on() {
    let standing = r#"(id: "check", technique: "risk_assessment", say: "Any thoughts of ending your life?", reply: "No, nothing like that.")"#;
    let sc = scenario(
        "",
        standing,
        &[
            r#"phase: Assessment, options: [(id: "a", technique: "open_question")]"#,
            r#"phase: Formulation, options: [(id: "b", technique: "case_formulation")]"#,
        ],
    );
    let mut s = session(&sc);
    assert!(s.available().iter().any(|o| o.id == "check"));
    let events = s.choose("check").expect("ok");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ClientReplies { text, .. } if text.contains("nothing like that")))
    );
    assert_eq!(s.stage_id(), "s0", "the stage goes on");
    assert!(!s.available().iter().any(|o| o.id == "check"), "once per stage");
    s.choose("a").expect("ok");
    assert!(
        !s.available().iter().any(|o| o.id == "check"),
        "risk was assessed this session: the screening question is not offered again"
    );
    s.choose("b").expect("ok");
    assert!(debrief::debrief(&s).ending_text.contains("You asked about risk."));
}

#[test]
fn common_factors_follow_the_moment() {
    // At high distress the relationship factors are what count: a reflection carries more than a formulation.
    let sc = scenario(
        "distress: 0.85,",
        "",
        &[r#"phase: Formulation, options: [
            (id: "reflect", technique: "empathic_reflection"),
            (id: "formulate", technique: "case_formulation"),
        ]"#],
    );
    let s = session(&sc);
    let cf = |id: &str| {
        let o = s.available().into_iter().find(|o| o.id == id).expect("offered");
        s.evaluate(o).expect("ok").common_factors.total
    };
    assert!(
        cf("reflect") > cf("formulate"),
        "{} vs {}",
        cf("reflect"),
        cf("formulate")
    );
}

#[test]
fn soothing_at_moderate_distress_is_not_marked_down() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Intervention, options: [(id: "breathe", technique: "paced_breathing")]"#],
    );
    assert_eq!(term(&session(&sc), "breathe", FitTerm::Arousal), Some(1.0));
}

#[test]
fn scripted_flooding_counts_and_evocative_work_is_then_marked_down() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Intervention, distress: 0.9, options: [
            (id: "chair", technique: "two_chair"),
            (id: "breathe", technique: "paced_breathing"),
        ]"#],
    );
    let s = session(&sc);
    assert!((s.state().distress() - 0.9).abs() < 1e-6);
    assert!(score(&s, "breathe") > score(&s, "chair"));
}

#[test]
fn prepared_processing_inside_the_window_of_tolerance_is_not_penalised() {
    // Foa & Kozak 1986: processing needs activation. With the groundwork laid and distress moderate, it is the work.
    let sc = scenario(
        "",
        "",
        &[r#"phase: Intervention, options: [(id: "expose", technique: "graded_exposure")]"#],
    );
    assert_eq!(term(&session(&sc), "expose", FitTerm::Arousal), Some(1.0));
}

#[test]
fn readiness_moves_at_most_one_stage_a_session_and_can_be_switched_off() {
    let stages: Vec<&str> = (0..8)
        .map(|_| r#"phase: Intervention, options: [(id: "x", technique: "behavioural_activation")]"#)
        .collect();
    // Ids must differ per stage.
    let stages: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(i, s)| s.replace("id: \"x\"", &format!("id: \"x{i}\"")))
        .collect();
    let refs: Vec<&str> = stages.iter().map(String::as_str).collect();
    let sc = scenario("stage_of_change: Preparation,", "", &refs);
    let mut s = session(&sc);
    for i in 0..8 {
        s.choose(&format!("x{i}")).expect("ok");
    }
    assert!(s.state().people[0].stage_moves <= 1);
    let off = scenario("", "", &refs);
    let s = session(&off);
    assert_eq!(
        term(&s, "x0", FitTerm::Stage),
        None,
        "no behaviour target: no stage term"
    );
}

#[test]
fn the_best_play_is_100_percent_and_a_poor_move_is_classified_poor() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Assessment, markers: [Process(Vulnerability)], options: [
            (id: "affirm", technique: "empathic_affirmation"),
            (id: "dispute", technique: "cognitive_restructuring", manner: [Imposed]),
        ]"#],
    );
    let mut best = session(&sc);
    best.choose("affirm").expect("ok");
    assert_eq!(best.history()[0].class, MoveClass::Best);
    assert!((debrief::debrief(&best).practice.accuracy - 100.0).abs() < 0.01);
    let mut poor = session(&sc);
    poor.choose("dispute").expect("ok");
    assert!(
        poor.history()[0].class >= MoveClass::Questionable,
        "{:?}",
        poor.history()[0].class
    );
    let d = debrief::debrief(&poor);
    assert!(d.practice.accuracy < 75.0);
    // The debrief teaches forward: the weak move, and what would have served better.
    let lesson = d.next_time.first().expect("a lesson");
    assert_eq!(lesson.step, 1);
    assert!(!lesson.better.is_empty() && !lesson.reason.is_empty(), "{lesson:?}");
}

#[test]
fn a_scripted_rupture_is_an_event_after_the_scene_not_under_the_move() {
    let sc = scenario(
        "",
        "",
        &[
            r#"phase: Assessment, options: [(id: "ask", technique: "risk_assessment")]"#,
            r#"phase: Assessment, markers: [Rupture(ComplaintAboutProgress)], options: [(id: "meta", technique: "metacommunication")]"#,
        ],
    );
    let mut s = session(&sc);
    let events = s.choose("ask").expect("ok");
    let speaks = events
        .iter()
        .position(|e| matches!(e, Event::ClientSpeaks { .. }))
        .expect("speaks");
    let opened = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::RuptureOpened {
                    cause: RuptureCause::Script,
                    ..
                }
            )
        })
        .expect("opened by the script");
    assert!(opened > speaks, "shown after the new scene: {events:?}");
    assert!(!events.iter().any(|e| matches!(
        e,
        Event::RuptureOpened {
            cause: RuptureCause::Move,
            ..
        }
    )));
}

#[test]
fn the_simulated_srs_sits_near_the_ceiling_after_a_good_session_and_flags_a_rupture() {
    let lib = common::lib();
    let w = &lib.weights;
    use rapport::engine::format::scenario::Alliance;
    use rapport::engine::play::scoring::srs;
    use rapport::engine::vocab::RuptureKind;
    let good = Alliance {
        goal: 0.72,
        task: 0.7,
        bond: 0.75,
    };
    assert!(
        !srs(good, 0.0, None, None, w).flagged,
        "{}",
        srs(good, 0.0, None, None, w).total
    );
    let strained = Alliance {
        goal: 0.5,
        task: 0.45,
        bond: 0.55,
    };
    assert!(srs(strained, 0.0, Some(RuptureKind::Withdrawal), None, w).flagged);
    // A deferent client inflates the report; a confrontation is voiced.
    let polite = srs(strained, 0.9, Some(RuptureKind::Withdrawal), None, w);
    assert!(polite.total > srs(strained, 0.0, None, None, w).total && polite.politeness > 0.0);
    assert_eq!(
        srs(strained, 0.9, Some(RuptureKind::Confrontation), None, w).politeness,
        0.0
    );
    // A drop of three or more since the last rating is flagged even above the cut-off.
    assert!(srs(good, 0.0, None, Some(40.0 + 3.0), w).flagged);
}

#[test]
fn safety_moves_are_exempt_from_preference_and_culture_penalties() {
    let sc = scenario(
        r#"preferences: (dislikes: [School(Crisis), School(CognitiveBehavioural)], strength: 1.0),
           culture: (salience: 1.0),"#,
        "",
        &[
            r#"phase: Assessment, markers: [Process(SafetyConcern)], options: [(id: "assess", technique: "risk_assessment")]"#,
        ],
    );
    let s = session(&sc);
    assert_eq!(term(&s, "assess", FitTerm::Preference), None);
    assert!(term(&s, "assess", FitTerm::Culture).unwrap_or_default() >= 0.0);
}

#[test]
fn better_here_never_recommends_a_move_the_author_marks_as_a_mistake() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Assessment, options: [
            (id: "plain", technique: "structured_assessment", intent: Good),
            (id: "trap", technique: "empathic_reflection", intent: Poor),
        ]"#],
    );
    let mut s = session(&sc);
    s.choose("plain").expect("ok");
    assert!(s.history()[0].better.iter().all(|b| b.option != "trap"));
}

#[test]
fn a_version_one_file_still_loads_with_defaults() {
    let l = common::load(&common::fixture("minimal.ron"));
    let sc = l.value.expect("loads");
    assert_eq!(sc.version, 1);
    assert!(sc.standing.is_empty());
    assert_eq!(sc.client.compliance, 0.0);
    assert!(sc.client.stage_of_change.is_some());
}

#[test]
fn the_mirror_counts_every_school_a_technique_belongs_to() {
    let sc = scenario(
        "",
        "",
        &[r#"phase: Assessment, options: [(id: "r", technique: "empathic_reflection")]"#],
    );
    let mut s = session(&sc);
    s.choose("r").expect("ok");
    let d = debrief::debrief(&s);
    let schools = &d.integration.features.schools;
    assert!(schools.len() >= 2, "reflection is shared and humanistic: {schools:?}");
}

#[test]
fn a_session_that_ends_without_a_required_risk_check_cannot_read_as_good() {
    let standing = r#"(id: "check", technique: "risk_assessment", reply: "No.")"#;
    let stages = [
        r#"phase: Assessment, options: [(id: "a", technique: "open_question")]"#,
        r#"phase: Formulation, options: [(id: "b", technique: "case_formulation")]"#,
    ];
    let sc = scenario_requiring("requires: [RiskAssessed],", "", standing, &stages);
    let mut skipped = session(&sc);
    skipped.choose("a").expect("ok");
    skipped.choose("b").expect("ok");
    let d = debrief::debrief(&skipped);
    assert_eq!(d.practice.verdict, Verdict::Unsafe, "{:?}", d.practice.critical);
    let mut asked = session(&sc);
    asked.choose("a").expect("ok");
    asked.choose("check").expect("ok");
    asked.choose("b").expect("ok");
    assert!(debrief::debrief(&asked).practice.verdict.is_good());
    // The engine's best play asks as soon as asking is not premature.
    let mut best = session(&sc);
    while best.ended().is_none() {
        let id = best.best_move().expect("a move");
        best.choose(&id).expect("ok");
    }
    assert!(best.choices().iter().any(|c| c == "check"), "{:?}", best.choices());
}

#[test]
fn a_standing_check_is_an_extra_move_never_a_critical_miss_itself() {
    let standing = r#"(id: "check", technique: "risk_assessment", reply: "No.")"#;
    let sc = scenario(
        "",
        standing,
        &[r#"phase: Assessment, markers: [Process(Dissociation)], options: [
            (id: "ground", technique: "grounding"),
            (id: "talk", technique: "open_question"),
        ]"#],
    );
    let mut s = session(&sc);
    s.choose("check").expect("ok");
    assert_ne!(s.history()[0].class, MoveClass::CriticalMiss);
    s.choose("ground").expect("ok");
    assert_eq!(debrief::debrief(&s).practice.critical.len(), 0);
}
