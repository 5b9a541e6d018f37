//! A generated scenario for benchmarks and tests (no command uses it): `cargo bench --bench analysis` and the peer benchmark build their inputs here.

use crate::engine::format::catalog::Catalog;
use crate::engine::format::scenario::Scenario;

/// A generated scenario of `stages` stages (for the benchmark and tests) that checks without an error or a
/// warning about its options: three options per stage, each with words, from across the catalog, forward edges, guarded rupture detours and loops that always have a way out.
pub fn synthetic(stages: usize, catalog: &Catalog) -> Scenario {
    use crate::engine::format::scenario::*;
    use crate::engine::vocab::{FitBand, Format, Outcome, Phase, ProcessMarker, RuptureKind, StageOfChange};
    // Techniques for individual work, so the generated file checks without setting warnings.
    let techniques: Vec<&str> = catalog
        .techniques
        .iter()
        .filter(|t| t.formats.is_empty() || t.formats.contains(&Format::Individual))
        .map(|t| t.id.as_str())
        .collect();
    let phases = [
        Phase::Assessment,
        Phase::Rapport,
        Phase::Formulation,
        Phase::Intervention,
        Phase::Monitoring,
        Phase::Closure,
    ];
    let id = |i: usize| {
        if i < stages {
            format!("s{i}")
        } else {
            ["end_good", "end_mixed", "end_poor"][i % 3].to_owned()
        }
    };
    let stage = |i: usize| Stage {
        id: id(i),
        phase: phases[i * phases.len() / stages.max(1)],
        title: format!("Stage {i}"),
        client: vec![Line {
            id: format!("s{i}.a"),
            text: "I am not sure where to begin today.".into(),
            when: None,
            nonverbal: None,
        }],
        nonverbal: String::new(),
        rupture_lines: vec![],
        markers: if i.is_multiple_of(7) {
            vec![Marker::Process(ProcessMarker::Vulnerability)]
        } else {
            vec![]
        },
        distress: None,
        reactance: None,
        assumes: vec![],
        stage_of_change: None,
        present: vec![],
        speaker: None,
        also: vec![],
        choices: (0..3)
            .map(|k| Choice {
                id: format!("s{i}.o{k}"),
                technique: techniques[(i * 3 + k) % techniques.len().max(1)].to_owned(),
                say: [
                    "It sounds as if that has been hard to carry on your own.",
                    "What would you most want to be different by the end of today?",
                    "Can we slow down and stay with what you just said?",
                ][k]
                    .into(),
                to: Default::default(),
                feedback: String::new(),
                intent: None,
                manner: vec![],
                reply: None,
                fit: None,
                reason: String::new(),
                alliance: None,
                next: (k == 2 && i + 2 < stages).then(|| id(i + 2)),
                when: None,
                effects: vec![],
            })
            .collect(),
        transitions: {
            let mut t = Vec::new();
            if i % 50 == 49 && i >= 10 {
                t.push(Transition {
                    when: Some(Condition::All(vec![
                        Condition::RuptureOpen,
                        Condition::Bond(Cmp::Below(0.2)),
                    ])),
                    to: id(i - 10),
                });
            }
            if i.is_multiple_of(5) {
                t.push(Transition {
                    when: Some(Condition::RuptureOpen),
                    to: id(i + 3),
                });
            }
            // The last stage leads to each ending, by how the session went, so every ending can be reached.
            if i + 1 == stages {
                t.push(Transition {
                    when: Some(Condition::LastFit(FitBand::Good)),
                    to: "end_good".into(),
                });
                t.push(Transition {
                    when: Some(Condition::RuptureOpen),
                    to: "end_poor".into(),
                });
            }
            t.push(Transition {
                when: None,
                to: id(i + 1),
            });
            t
        },
    };
    let base = crate::engine::shipped::find(catalog, "tutorial");
    let client = base.map(|s| s.client.clone()).unwrap_or_else(|| ClientProfile {
        name: "Sam".into(),
        age: 30,
        pronouns: String::new(),
        history: "Synthetic client.".into(),
        presenting_concerns: vec!["low mood".into()],
        reactance: Reactance {
            trait_level: 0.5,
            state: 0.5,
        },
        coping_style: 0.0,
        distress: 0.5,
        impairment: 0.5,
        stage_of_change: Some(StageOfChange::Contemplation),
        compliance: 0.0,
        preferences: Preferences::default(),
        culture: Culture::default(),
        religion_salience: 0.0,
        rupture_style: RuptureKind::Withdrawal,
        expectancy: 0.5,
        alliance: Alliance {
            goal: 0.5,
            task: 0.5,
            bond: 0.5,
        },
        setting: Setting {
            format: Format::Individual,
            delivery: Delivery::InPerson,
        },
        look: Look::default(),
        within_system: None,
    });
    Scenario {
        // Version 1: a generator cannot declare the intent (v2) of each option without computing it, and a file
        // that checks clean, as an author's would, is what the benchmarks time.
        version: 1,
        id: format!("synthetic_{stages}"),
        meta: Meta {
            title: format!("Synthetic scenario of {stages} stages"),
            summary: "Generated for benchmarks.".into(),
            learning_objectives: vec![],
            population: vec![],
            setting_tags: vec![],
            difficulty: Difficulty::Advanced,
            content_notes: vec![],
            references: vec![],
            integration_mode: IntegrationMode::TechnicalEclecticism,
            minutes: None,
            hide_technique_names: false,
        },
        client,
        people: vec![],
        weights: None,
        variables: vec![],
        start: "s0".into(),
        groundwork: None,
        requires: vec![],
        standing: vec![],
        stages: (0..stages).map(stage).collect(),
        endings: (stages..stages + 3)
            .map(|i| Ending {
                id: id(i),
                title: id(i),
                outcome: [Outcome::Improved, Outcome::Partial, Outcome::Unchanged][i % 3],
                debrief: "Generated.".into(),
                notes: vec![],
            })
            .collect(),
        index: Default::default(),
    }
}
