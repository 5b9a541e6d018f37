//! Calibration: holds the engine to the quality each option's author declares, stage by stage.
//!
//! The walk meets every stage as a sensible trainee would: first along the declared-best moves, then with one
//! move off that road. At the first state in which a stage is met, the computed ranking of its options is
//! compared with their declared intents. Standing moves are offered everywhere and carry no intent, so they
//! are left out of the comparison.

use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::engine::Library;
use crate::engine::format::scenario::{Intent, Scenario};
use crate::engine::format::weights::Weights;
use crate::engine::load::diagnostic::{Code, Diagnostic};
use crate::engine::load::source::Locator;
use crate::engine::play::session::Session;

/// Sessions the walk may play before it stops; enough for every shipped scenario many times over.
const WALK_BUDGET: usize = 4_000;

/// One option as computed at the stage's first visit.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub option: String,
    pub intent: Option<Intent>,
    pub score: f32,
    /// The whole evaluation: fit terms, common factors, alliance change.
    pub evaluation: crate::engine::play::scoring::Evaluation,
}

/// Where the computed ranking contradicts the declared one.
#[derive(Debug, Clone, Serialize)]
pub struct Contradiction {
    pub code: &'static str,
    pub stage: String,
    /// The option the diagnostic points at.
    pub option: String,
    pub message: String,
}

/// The calibration of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub scenario: String,
    /// Stages met by the walk and compared.
    pub stages: usize,
    /// Stages where the computed top is a declared-best option and no poor option reaches a best one.
    pub agreeing: usize,
    /// Options with a declared intent, and options without one.
    pub declared: usize,
    pub undeclared: Vec<String>,
    /// Options whose fit or alliance the author overrides.
    pub overrides: usize,
    pub contradictions: Vec<Contradiction>,
    /// Pairs of options at a stage with different declared intents, and how many the engine orders the same way.
    pub pairs: usize,
    pub concordant: usize,
    /// Each stage's options as first met.
    pub rankings: Vec<(String, Vec<Ranked>)>,
    /// The ids of the people in the room (empty for one client), for naming each person's fit terms.
    pub people: Vec<String>,
}

impl Calibration {
    /// Share of ordered pairs the engine orders as the author does, 0..1 (a rank agreement, like Kendall's).
    pub fn pair_agreement(&self) -> f32 {
        if self.pairs == 0 {
            1.0
        } else {
            self.concordant as f32 / self.pairs as f32
        }
    }

    /// Share of compared stages that agree, 0..1.
    pub fn agreement(&self) -> f32 {
        if self.stages == 0 {
            1.0
        } else {
            self.agreeing as f32 / self.stages as f32
        }
    }
}

/// Walks a scenario and compares computed rankings with declared intents.
pub fn calibrate(scenario: &Arc<Scenario>, lib: &Library) -> Calibration {
    let options = scenario.stages.iter().flat_map(|s| s.choices.iter());
    let declared = options.clone().filter(|o| o.intent.is_some()).count();
    let undeclared = options
        .clone()
        .filter(|o| o.intent.is_none())
        .map(|o| o.id.clone())
        .collect();
    let overrides = options.filter(|o| o.fit.is_some() || o.alliance.is_some()).count();
    let mut cal = Calibration {
        scenario: scenario.id.clone(),
        stages: 0,
        agreeing: 0,
        declared,
        undeclared,
        overrides,
        contradictions: Vec::new(),
        pairs: 0,
        concordant: 0,
        rankings: Vec::new(),
        people: scenario.people.iter().map(|p| p.id.clone()).collect(),
    };
    let Ok(start) = Session::new(lib, Arc::clone(scenario), 0) else {
        return cal;
    };
    // Breadth first, best-only paths before paths with one move off them.
    let mut queue: VecDeque<(Session, u8)> = VecDeque::from([(start, 0)]);
    let mut later: VecDeque<(Session, u8)> = VecDeque::new();
    let mut expanded: HashMap<String, usize> = HashMap::new();
    let mut played = 0;
    while let Some((s, off)) = queue.pop_front().or_else(|| later.pop_front()) {
        played += 1;
        if played > WALK_BUDGET || s.ended().is_some() {
            continue;
        }
        let stage = s.stage_id().to_owned();
        let seen = expanded.entry(stage.clone()).or_default();
        *seen += 1;
        if *seen == 1 {
            compare(&s, &mut cal);
        }
        if *seen > 3 {
            continue;
        }
        for o in s.available() {
            if s.is_standing(o) {
                continue;
            }
            let best = o.intent == Some(Intent::Best);
            if !best && off >= 1 {
                continue;
            }
            let mut next = s.clone();
            if next.choose(&o.id).is_ok() {
                if best {
                    queue.push_back((next, off));
                } else {
                    later.push_back((next, off + 1));
                }
            }
        }
    }
    cal
}

/// Compares the computed ranking at the session's current stage with the declared intents.
fn compare(s: &Session, cal: &mut Calibration) {
    let ranked: Vec<Ranked> = s
        .available()
        .into_iter()
        .filter(|o| !s.is_standing(o))
        .filter_map(|o| {
            s.evaluate(o).ok().map(|e| Ranked {
                option: o.id.clone(),
                intent: o.intent,
                score: e.score,
                evaluation: e,
            })
        })
        .collect();
    let stage = s.stage_id().to_owned();
    let tolerance = s.weights().classes.best;
    let bests: Vec<&Ranked> = ranked.iter().filter(|r| r.intent == Some(Intent::Best)).collect();
    let mut agrees = true;
    if let (Some(top), false) = (
        ranked.iter().max_by(|a, b| a.score.total_cmp(&b.score)),
        bests.is_empty(),
    ) {
        let best_high = bests.iter().map(|r| r.score).fold(f32::MIN, f32::max);
        let best_low = bests.iter().map(|r| r.score).fold(f32::MAX, f32::min);
        if top.score > best_high + tolerance {
            agrees = false;
            let best = bests
                .iter()
                .max_by(|a, b| a.score.total_cmp(&b.score))
                .map_or("", |r| r.option.as_str());
            cal.contradictions.push(Contradiction {
                code: "R601",
                stage: stage.clone(),
                option: best.to_owned(),
                message: format!(
                    "the declared best `{best}` scores {best_high:.1}, below `{}` (declared {}) at {:.1}: the engine would teach another move here",
                    top.option,
                    top.intent.map_or("without intent", |i| i.label()),
                    top.score
                ),
            });
        }
        for r in ranked
            .iter()
            .filter(|r| matches!(r.intent, Some(Intent::Poor | Intent::Harmful)) && r.score >= best_low)
        {
            agrees = false;
            cal.contradictions.push(Contradiction {
                code: "R602",
                stage: stage.clone(),
                option: r.option.clone(),
                message: format!(
                    "`{}` is declared {} but scores {:.1}, at or above a declared best option ({best_low:.1})",
                    r.option,
                    r.intent.map_or("", |i| i.label()),
                    r.score
                ),
            });
        }
    }
    for (i, a) in ranked.iter().enumerate() {
        for b in &ranked[i + 1..] {
            if let (Some(x), Some(y)) = (a.intent, b.intent)
                && x != y
            {
                cal.pairs += 1;
                // Intent orders Best < Good < ...: the better-declared option should score higher.
                if (x < y) == (a.score > b.score) {
                    cal.concordant += 1;
                }
            }
        }
    }
    cal.stages += 1;
    if agrees {
        cal.agreeing += 1;
    }
    cal.rankings.push((stage, ranked));
}

/// The calibration as positioned warnings for `rapport check`.
pub fn diagnostics(s: &Scenario, cal: &Calibration, w: &Weights, file: &str, loc: &Locator) -> Vec<Diagnostic> {
    // Each option's place, found once: a walk over the stages for every warning was quadratic (30,000 options
    // without an intent in a 10,000-stage file took 2.9 s). The first of two options with one id is the one named.
    let mut places: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, st) in s.stages.iter().enumerate() {
        for (j, o) in st.choices.iter().enumerate() {
            places.entry(o.id.as_str()).or_insert((i, j));
        }
    }
    let path_of = |option: &str| places.get(option).map(|(i, j)| format!("stages[{i}].options[{j}]"));
    let mut out: Vec<Diagnostic> = cal
        .contradictions
        .iter()
        .map(|c| {
            let code = if c.code == "R601" { Code::R601 } else { Code::R602 };
            let span = path_of(&c.option).and_then(|p| loc.find(&format!("{p}.intent")).or_else(|| loc.find(&p)));
            Diagnostic::at(code, file, loc, span, c.message.clone()).with_help(
                "if the engine is wrong, describe the move (`manner`), the stage (`markers`, `distress`) or the technique's groundwork; `rapport calibrate FILE --stages` shows each term",
            )
        })
        .collect();
    out.extend(salience_flattens(s, cal, w, file, loc));
    if s.version >= 2 {
        for id in &cal.undeclared {
            let span = path_of(id).and_then(|p| loc.find(&p));
            out.push(Diagnostic::at(
                Code::R603,
                file,
                loc,
                span,
                format!("the option `{id}` declares no intent (Best, Good, Questionable, Poor or Harmful), so the checker cannot hold the scoring to it"),
            ));
        }
    }
    out
}

/// R406: culture or faith that matters to the client, while no option offered works within their frame. Salience
/// scales the weight of the cultural and religious terms (weight = published weight x salience), so a low salience
/// barely moves a fit; a high one with no move that adapts to the client's explanatory model holds every fit at a
/// stage below good, where without those terms some option would fit well. The warning fires only when that is the
/// whole story: no stage met offers a well-fitting move.
fn salience_flattens(s: &Scenario, cal: &Calibration, w: &Weights, file: &str, loc: &Locator) -> Vec<Diagnostic> {
    use crate::engine::vocab::FitBand;
    use crate::engine::vocab::FitTerm;
    let mut flattened: Vec<String> = Vec::new();
    for (stage, ranked) in &cal.rankings {
        let computed: Vec<&Ranked> = ranked.iter().filter(|r| !r.evaluation.fit.overridden).collect();
        if computed.is_empty() || computed.iter().any(|r| r.evaluation.fit.band == FitBand::Good) {
            continue;
        }
        let without = |r: &Ranked| {
            let parts = &r.evaluation.fit.parts;
            let (mut num, mut den) = (0.0f32, 0.0f32);
            for p in parts
                .iter()
                .filter(|p| !matches!(p.term, FitTerm::Culture | FitTerm::Religion))
            {
                num += p.weight * p.value;
                den += p.weight;
            }
            if den > 0.0 { num / den } else { 0.0 }
        };
        let salient = computed.iter().any(|r| {
            r.evaluation
                .fit
                .parts
                .iter()
                .any(|p| matches!(p.term, FitTerm::Culture | FitTerm::Religion))
        });
        if salient && computed.iter().any(|r| w.band(without(r)) == FitBand::Good) {
            flattened.push(stage.clone());
        }
    }
    // Only when the flattening is the whole story: no stage met offers a well-fitting move at all.
    let none_good = cal.rankings.iter().all(|(_, r)| {
        r.iter()
            .filter(|x| !x.evaluation.fit.overridden)
            .all(|x| x.evaluation.fit.band != FitBand::Good)
    });
    if flattened.is_empty() || !none_good {
        return Vec::new();
    }
    let path = if s.client.culture.salience > 0.0 {
        "client.culture.salience"
    } else {
        "client.religion_salience"
    };
    let d = Diagnostic::at(
        Code::R406,
        file,
        loc,
        loc.find(path),
        format!(
            "culture or faith matters to this client (salience {:.2}), but no option at {} stage(s) ({}) works within their frame, so every fit there stays below good; without those terms some option would fit well",
            s.client.culture.salience.max(s.client.religion_salience),
            flattened.len(),
            flattened.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ),
    );
    vec![d.with_help(
        "salience scales the weight of the cultural and religious terms (scenarios/README.md, \"What salience does\"): offer a move that works within the client's explanatory model (culture +0.5 or more in scenarios/TECHNIQUES.md, such as `cultural_formulation` or `broaching`), or lower the salience if culture shapes this problem less than that",
    )]
}

/// R308: an ending in the graph that no real play reaches (its guards never hold on the way), searched within a
/// bound; silent when the scenario has too many states to search.
pub fn unreached_endings(s: &Arc<Scenario>, lib: &Library, file: &str, loc: &Locator) -> Vec<Diagnostic> {
    let Some(reached) = crate::engine::author::analysis::endings_reached(s, lib, 400) else {
        return Vec::new();
    };
    let g = crate::engine::check::stage_graph::StageGraph::of(s);
    let reach = g
        .index
        .get(s.start.as_str())
        .map(|&i| g.reachable_from(i))
        .unwrap_or_default();
    s.endings
        .iter()
        .enumerate()
        .filter(|(k, e)| {
            !reached.contains(&e.id) && reach.get(g.stage_count + k).copied().unwrap_or(false)
        })
        .map(|(k, e)| {
            Diagnostic::at(
                Code::R308,
                file,
                loc,
                loc.find(&format!("endings[{k}].id")),
                format!(
                    "the ending `{}` is in the graph, but no play reaches it: the conditions on the way never hold together",
                    e.id
                ),
            )
            .with_help("`rapport analyze FILE` shows the paths; look for a flag set only after the stage that needs it, or two moves that must both be chosen at one stage")
        })
        .collect()
}

/// One whole play, summarised: its accuracy, verdict and ending.
#[derive(Debug, Clone, Serialize)]
pub struct PlaySummary {
    pub accuracy: f32,
    pub verdict: crate::engine::report::debrief::Verdict,
    pub ending: Option<String>,
    pub moves: usize,
    /// Ruptures the trainee's moves opened, with the option that opened each.
    pub ruptures: Vec<String>,
    pub choices: Vec<String>,
}

/// The engine's best play, the author's declared-best play and the engine's worst play, each greedy.
#[derive(Debug, Clone, Serialize)]
pub struct Extremes {
    pub best: Option<PlaySummary>,
    pub declared: Option<PlaySummary>,
    pub worst: Option<PlaySummary>,
}

/// How a greedy play picks its move.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Highest,
    Declared,
    Lowest,
}

fn play(scenario: &Arc<Scenario>, lib: &Library, pick: Pick) -> Option<PlaySummary> {
    let mut s = Session::new(lib, Arc::clone(scenario), 0).ok()?;
    while s.ended().is_none() && s.history().len() < s.step_limit() {
        let scored: Vec<(f32, String, Option<Intent>)> = s
            .available()
            .into_iter()
            .filter_map(|o| s.evaluate(o).ok().map(|e| (e.score, o.id.clone(), o.intent)))
            .collect();
        let id = match pick {
            // The engine's best play is one rule, the session's.
            Pick::Highest => s.best_move()?,
            Pick::Lowest => scored.iter().min_by(|a, b| a.0.total_cmp(&b.0))?.1.clone(),
            Pick::Declared => scored
                .iter()
                .find(|x| x.2 == Some(Intent::Best))
                .or_else(|| scored.iter().max_by(|a, b| a.0.total_cmp(&b.0)))?
                .1
                .clone(),
        };
        s.choose(&id).ok()?;
    }
    let d = crate::engine::report::debrief::debrief(&s);
    let mut last = String::new();
    let mut ruptures = Vec::new();
    for e in s.events() {
        match e {
            crate::engine::play::session::Event::Feedback(o) => last = o.choice.clone(),
            crate::engine::play::session::Event::RuptureOpened {
                cause: crate::engine::play::session::RuptureCause::Move,
                ..
            } => ruptures.push(last.clone()),
            _ => {}
        }
    }
    Some(PlaySummary {
        ruptures,
        choices: s.choices().to_vec(),
        accuracy: d.practice.accuracy,
        verdict: d.practice.verdict,
        ending: s.ended().map(str::to_owned),
        moves: s.history().len(),
    })
}

/// The three greedy plays of a scenario.
pub fn extremes(scenario: &Arc<Scenario>, lib: &Library) -> Extremes {
    Extremes {
        best: play(scenario, lib, Pick::Highest),
        declared: play(scenario, lib, Pick::Declared),
        worst: play(scenario, lib, Pick::Lowest),
    }
}
