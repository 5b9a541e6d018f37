//! Scenario analysis for authors: reachability, shortest paths, best and worst scores, dominated options, warnings.
//!
//! Scores are estimated by dynamic programming over the stage graph (each stage visited once, so it
//! stays linear in the size of the scenario): every option is scored against the client's intake
//! state, and a guarded transition counts as possible. Scenarios of up to 200 stages are also played
//! with the real session engine (`exact`): every path when there are few, a seeded sample otherwise.

use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::Library;
use super::catalog::Catalog;
use super::check::Graph;
use super::model::{Condition, Scenario};
use super::scoring::{self, ClientState};
use super::session::Session;

/// Plays are enumerated exactly (with the session engine) only up to this many.
pub const EXACT_LIMIT: u128 = 20_000;

/// A path through the scenario and its score.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredPath {
    /// Mean choice score along the path, 0..100.
    pub score: f32,
    pub choices: Vec<String>,
    pub ending: String,
    /// The widest split alliance along the path, where more than one person is in the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widest_split: Option<f32>,
}

/// The spread of scores.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    pub min: f32,
    pub p25: f32,
    pub median: f32,
    pub p75: f32,
    pub max: f32,
}

/// Results from playing the scenario with the session engine.
#[derive(Debug, Clone, Serialize)]
pub struct Exact {
    /// How the plays were chosen: every path, or a seeded sample.
    pub method: String,
    pub paths: usize,
    pub best: ScoredPath,
    pub worst: ScoredPath,
    pub spread: Spread,
    /// Paths ending in each ending.
    pub endings: Vec<(String, usize)>,
    /// Options that, in every state the plays met, score below the named other option.
    pub dominated: Vec<Dominated>,
}

/// An option never better than another at its stage.
#[derive(Debug, Clone, Serialize)]
pub struct Dominated {
    pub stage: String,
    pub option: String,
    pub by: String,
}

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub scenario: String,
    pub stages: usize,
    pub options: usize,
    pub endings: usize,
    pub words: usize,
    pub reachable_stages: usize,
    pub unreachable_stages: Vec<String>,
    pub reachable_endings: Vec<String>,
    pub unreachable_endings: Vec<String>,
    /// The shortest stage path to each reachable ending.
    pub shortest: Vec<(String, Vec<String>)>,
    /// Number of distinct choice paths (back edges left out), saturating.
    pub path_count: u128,
    /// Best and worst paths by dynamic programming at the intake state.
    pub best: Option<ScoredPath>,
    pub worst: Option<ScoredPath>,
    /// Spread of the option scores at the intake state.
    pub option_spread: Option<Spread>,
    /// Options dominated at the intake state (when there is no exact enumeration).
    pub dominated: Vec<Dominated>,
    /// Stages where every option leads to the same place.
    pub same_place: Vec<String>,
    /// Plays with the session engine (scenarios of up to 200 stages).
    pub exact: Option<Exact>,
    pub warnings: Vec<String>,
}

fn spread(mut v: Vec<f32>) -> Option<Spread> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    let at = |q: f32| v[((v.len() - 1) as f32 * q).round() as usize];
    Some(Spread {
        min: v[0],
        p25: at(0.25),
        median: at(0.5),
        p75: at(0.75),
        max: v[v.len() - 1],
    })
}

/// One option's outgoing edges: where it can lead (guarded transitions count as possible).
fn option_targets<'a>(
    st: &'a super::model::Stage,
    o: &'a super::model::Choice,
    last_fit: super::model::FitBand,
) -> Vec<&'a str> {
    if let Some(n) = &o.next {
        return vec![n.as_str()];
    }
    let mut out = Vec::new();
    for t in &st.transitions {
        match &t.when {
            None => {
                out.push(t.to.as_str());
                break;
            }
            // The fit band of this option is known statically; other guards may go either way.
            Some(Condition::LastFit(b)) => {
                if *b == last_fit {
                    out.push(t.to.as_str());
                    break;
                }
            }
            Some(_) => out.push(t.to.as_str()),
        }
    }
    out
}

pub fn analyze(s: &Arc<Scenario>, lib: &Library) -> Analysis {
    let catalog = &lib.catalog;
    let w = lib.weights.with_overrides(s.weights.as_ref());
    let g = Graph::of(s);
    let n = g.ids.len();
    let start = g.index.get(s.start.as_str()).copied();
    let reach = start.map_or_else(|| vec![false; n], |st| g.reachable_from(st));
    let stage_n = g.stage_count;
    let words = s
        .stages
        .iter()
        .flat_map(|st| {
            st.client
                .iter()
                .map(|l| l.text.as_str())
                .chain(st.choices.iter().map(|o| o.say.as_str()))
        })
        .chain(s.endings.iter().map(|e| e.debrief.as_str()))
        .map(|t| t.split_whitespace().count())
        .sum();

    // Score each option once at the intake state.
    let intake = ClientState::of_scenario(s);
    let people: Vec<_> = s.persons().into_iter().map(|(_, c)| c).collect();
    let mut option_scores: Vec<Vec<(f32, Vec<usize>)>> = Vec::with_capacity(stage_n);
    let mut all_scores = Vec::new();
    let mut dominated = Vec::new();
    let mut same_place = Vec::new();
    for st in &s.stages {
        let mut v = Vec::new();
        for o in &st.choices {
            let Some(t) = catalog.get(&o.technique) else {
                v.push((f32::NAN, vec![]));
                continue;
            };
            let moment = scoring::Moment::new(s, st, &intake, s.addressees(o, &s.present(st)));
            let e = scoring::evaluate(t, o, &people, &intake, &moment, &w);
            let targets = option_targets(st, o, e.fit.band)
                .into_iter()
                .filter_map(|id| g.index.get(id).copied())
                .collect();
            all_scores.push(e.score);
            v.push((e.score, targets));
        }
        for (i, o) in st.choices.iter().enumerate() {
            if let Some((j, _)) = v
                .iter()
                .enumerate()
                .filter(|(j, x)| *j != i && x.0 > v[i].0 + 1.0 && x.1 == v[i].1)
                .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
            {
                dominated.push(Dominated {
                    stage: st.id.clone(),
                    option: o.id.clone(),
                    by: st.choices[j].id.clone(),
                });
            }
        }
        if st.choices.len() > 1 && v.iter().all(|x| x.1.len() == 1) && v.windows(2).all(|p| p[0].1 == p[1].1) {
            same_place.push(st.id.clone());
        }
        option_scores.push(v);
    }

    // Order the stages for DP: DFS from the start, back edges left out.
    let mut order = Vec::new();
    let mut back = vec![Vec::new(); stage_n];
    if let Some(st) = start.filter(|&i| i < stage_n) {
        let mut state = vec![0u8; n];
        let mut stack = vec![(st, 0usize)];
        state[st] = 1;
        while let Some((v, k)) = stack.pop() {
            let succ: Vec<usize> = option_scores[v].iter().flat_map(|(_, t)| t.iter().copied()).collect();
            if k < succ.len() {
                stack.push((v, k + 1));
                let u = succ[k];
                if u < stage_n {
                    match state[u] {
                        0 => {
                            state[u] = 1;
                            stack.push((u, 0));
                        }
                        1 => back[v].push(u),
                        _ => {}
                    }
                }
            } else {
                state[v] = 2;
                order.push(v);
            }
        }
    }
    // `order` is a post-order: successors come first. DP best and worst (sum, steps) to an ending.
    #[derive(Clone, Copy)]
    struct Best {
        sum: f32,
        steps: u32,
        option: usize,
        next: usize,
    }
    let mut best: Vec<Option<Best>> = vec![None; n];
    let mut worst: Vec<Option<Best>> = vec![None; n];
    let mut paths: Vec<u128> = vec![0; n];
    for e in stage_n..n {
        best[e] = Some(Best {
            sum: 0.0,
            steps: 0,
            option: 0,
            next: e,
        });
        worst[e] = best[e];
        paths[e] = 1;
    }
    let mean = |b: &Best, score: f32| (b.sum + score) / (b.steps + 1) as f32;
    for &v in &order {
        let mut count: u128 = 0;
        for (oi, (score, targets)) in option_scores[v].iter().enumerate() {
            if score.is_nan() {
                continue;
            }
            for &u in targets {
                if back[v].contains(&u) {
                    continue;
                }
                count = count.saturating_add(paths[u]);
                // Keep the successor whose path gives the higher (best) or lower (worst) mean score.
                for (table, higher) in [(&mut best, true), (&mut worst, false)] {
                    if let Some(b) = table[u] {
                        let cand = Best {
                            sum: b.sum + score,
                            steps: b.steps + 1,
                            option: oi,
                            next: u,
                        };
                        let m = mean(&b, *score);
                        if table[v].is_none_or(|x| {
                            let cur = x.sum / x.steps.max(1) as f32;
                            if higher { m > cur } else { m < cur }
                        }) {
                            table[v] = Some(cand);
                        }
                    }
                }
            }
        }
        paths[v] = count;
    }
    let walk = |table: &Vec<Option<Best>>| -> Option<ScoredPath> {
        let mut v = start?;
        let first = table[v]?;
        let mut choices = Vec::new();
        let mut guard = 0;
        while v < stage_n && guard <= stage_n {
            let b = table[v]?;
            choices.push(s.stages[v].choices[b.option].id.clone());
            v = b.next;
            guard += 1;
        }
        Some(ScoredPath {
            widest_split: None,
            score: first.sum / first.steps.max(1) as f32,
            choices,
            ending: g.ids[v].to_owned(),
        })
    };

    // Shortest stage path to each ending (BFS over the guard-free graph).
    let mut shortest = Vec::new();
    if let Some(st) = start {
        let mut prev = vec![usize::MAX; n];
        let mut seen = vec![false; n];
        let mut q = VecDeque::from([st]);
        seen[st] = true;
        while let Some(v) = q.pop_front() {
            for &u in &g.succ[v] {
                if !seen[u] {
                    seen[u] = true;
                    prev[u] = v;
                    q.push_back(u);
                }
            }
        }
        for (e, _) in seen.iter().enumerate().skip(stage_n).filter(|(_, s)| **s) {
            let mut path = vec![g.ids[e].to_owned()];
            let mut v = e;
            while prev[v] != usize::MAX {
                v = prev[v];
                path.push(g.ids[v].to_owned());
            }
            path.reverse();
            shortest.push((g.ids[e].to_owned(), path));
        }
    }

    let path_count = start.map_or(0, |s| paths[s]);
    // Play every path when there are few; otherwise a seeded sample bounds the scores.
    let exact = if stage_n <= 200 {
        exact(s, lib).or_else(|| sampled(s, lib, 2000))
    } else {
        None
    };
    let mut a = Analysis {
        scenario: s.id.clone(),
        stages: stage_n,
        options: s.stages.iter().map(|st| st.choices.len()).sum(),
        endings: n - stage_n,
        words,
        reachable_stages: reach[..stage_n].iter().filter(|r| **r).count(),
        unreachable_stages: (0..stage_n)
            .filter(|&i| !reach[i])
            .map(|i| g.ids[i].to_owned())
            .collect(),
        reachable_endings: (stage_n..n)
            .filter(|&i| reach[i])
            .map(|i| g.ids[i].to_owned())
            .collect(),
        unreachable_endings: (stage_n..n)
            .filter(|&i| !reach[i])
            .map(|i| g.ids[i].to_owned())
            .collect(),
        shortest,
        path_count,
        best: walk(&best),
        worst: walk(&worst),
        option_spread: spread(all_scores),
        dominated,
        same_place,
        exact,
        warnings: Vec::new(),
    };
    a.warnings = warnings(s, &a);
    a
}

fn warnings(s: &Scenario, a: &Analysis) -> Vec<String> {
    let mut w = Vec::new();
    for e in &a.unreachable_endings {
        w.push(format!("no path reaches the ending `{e}`"));
    }
    if let Some(x) = &a.exact {
        for (e, count) in &x.endings {
            if *count == 0 {
                w.push(format!(
                    "the ending `{e}` is in the graph, but no actual play reaches it (its guards never hold)"
                ));
            }
        }
        if x.best.ending == x.worst.ending {
            w.push(format!(
                "the best and the worst play both end in `{}`: choices have no consequence for the ending",
                x.best.ending
            ));
        }
        if x.spread.max - x.spread.min < 10.0 {
            w.push(format!(
                "scores span only {:.0} points: the choices may not be distinct enough to teach",
                x.spread.max - x.spread.min
            ));
        }
        let good_end = |id: &str| {
            s.ending(id).is_some_and(|e| {
                matches!(
                    e.outcome,
                    super::model::Outcome::Improved | super::model::Outcome::Partial
                )
            })
        };
        let improved = |id: &str| {
            s.ending(id)
                .is_some_and(|e| e.outcome == super::model::Outcome::Improved)
        };
        if improved(&x.worst.ending) {
            w.push(format!(
                "the worst-scoring play still reaches the good ending `{}`",
                x.worst.ending
            ));
        }
        if !good_end(&x.best.ending) {
            w.push(format!(
                "the best-scoring play does not reach a good ending (it reaches `{}`)",
                x.best.ending
            ));
        }
    }
    let can_rupture = s.stages.iter().any(|st| {
        st.markers.iter().any(|m| matches!(m, super::model::Marker::Rupture(_)))
            || st
                .transitions
                .iter()
                .any(|t| t.when.as_ref().is_some_and(|c| c.rupture_edge().is_some()))
    });
    if !can_rupture {
        w.push("no stage shows a rupture marker and no transition reads the rupture state: a rupture has no consequence here".into());
    }
    for st in &s.stages {
        if st.choices.len() == 1 {
            w.push(format!(
                "stage `{}` offers a single option: there is no decision",
                st.id
            ));
        }
    }
    for id in &a.same_place {
        w.push(format!(
            "every option at stage `{id}` leads to the same place: the choice changes scores, not the story"
        ));
    }
    w
}

/// What the plays met: finished plays, plays per ending, and which options stayed below which.
struct Collector {
    finished: Vec<(f32, Vec<String>, String, Option<f32>)>,
    endings: HashMap<String, usize>,
    /// (stage, option) -> other options it scored below in every state met.
    below: HashMap<(String, String), Vec<String>>,
}

impl Collector {
    fn new(s: &Scenario) -> Collector {
        Collector {
            finished: Vec::new(),
            endings: s.endings.iter().map(|e| (e.id.clone(), 0)).collect(),
            below: HashMap::new(),
        }
    }

    fn visit(&mut self, sess: &Session) {
        // Standing moves are extras (the stage goes on), so they are not compared with the stage's options.
        let opts: Vec<_> = sess.available().into_iter().filter(|o| !sess.is_standing(o)).collect();
        let scores: Vec<(String, f32)> = opts
            .iter()
            .filter_map(|o| sess.evaluate(o).ok().map(|e| (o.id.clone(), e.score)))
            .collect();
        for (id, sc) in &scores {
            let worse_than: Vec<String> = scores
                .iter()
                .filter(|(o, x)| o != id && *x > sc + 1.0)
                .map(|(o, _)| o.clone())
                .collect();
            self.below
                .entry((sess.stage_id().to_owned(), id.clone()))
                .and_modify(|v| v.retain(|o| worse_than.contains(o)))
                .or_insert(worse_than);
        }
    }

    fn finish(&mut self, sess: &Session) {
        if let Some(e) = sess.ended() {
            let d = super::debrief::debrief(sess);
            *self.endings.entry(e.to_owned()).or_default() += 1;
            let split = d.room.as_ref().map(|r| r.widest.1);
            self.finished
                .push((d.practice.score, sess.choices().to_vec(), e.to_owned(), split));
        }
    }

    fn result(self, method: String) -> Option<Exact> {
        let best = self.finished.iter().max_by(|a, b| a.0.total_cmp(&b.0))?.clone();
        let worst = self.finished.iter().min_by(|a, b| a.0.total_cmp(&b.0))?.clone();
        let mut dominated: Vec<Dominated> = self
            .below
            .into_iter()
            .filter_map(|((stage, option), by)| by.first().cloned().map(|by| Dominated { stage, option, by }))
            .collect();
        dominated.sort_by(|a, b| (&a.stage, &a.option).cmp(&(&b.stage, &b.option)));
        let mut endings: Vec<(String, usize)> = self.endings.into_iter().collect();
        endings.sort();
        Some(Exact {
            method,
            paths: self.finished.len(),
            spread: spread(self.finished.iter().map(|f| f.0).collect())?,
            best: ScoredPath {
                score: best.0,
                choices: best.1,
                ending: best.2,
                widest_split: best.3,
            },
            worst: ScoredPath {
                score: worst.0,
                choices: worst.1,
                ending: worst.2,
                widest_split: worst.3,
            },
            endings,
            dominated,
        })
    }
}

/// The endings real plays reach, searched over distinct session states (`Session::state_key`) with a few seeds
/// (repair success and line variants follow the seed); None when the search meets more than `budget` states, so
/// a caller can stay silent rather than guess.
pub fn endings_reached(s: &Arc<Scenario>, lib: &Library, budget: usize) -> Option<std::collections::BTreeSet<String>> {
    let mut reached = std::collections::BTreeSet::new();
    let mut seen = std::collections::HashSet::new();
    for seed in 1..=3 {
        let root = Session::new(lib, s.clone(), seed).ok()?;
        let mut stack = vec![root];
        while let Some(sess) = stack.pop() {
            if let Some(e) = sess.ended() {
                reached.insert(e.to_owned());
                continue;
            }
            if !seen.insert(format!("{seed}|{}", sess.state_key())) {
                continue;
            }
            if seen.len() > budget {
                return None;
            }
            for o in sess.available() {
                for (_, key) in sess.addressings(o) {
                    let mut next = sess.clone();
                    if next.choose(&key).is_ok() {
                        stack.push(next);
                    }
                }
            }
        }
    }
    Some(reached)
}

/// Plays every path with the real engine (seed 1); None when there are more than [`EXACT_LIMIT`] plays.
pub fn exact(s: &Arc<Scenario>, lib: &Library) -> Option<Exact> {
    let root = Session::new(lib, s.clone(), 1).ok()?;
    let mut stack = vec![root];
    let mut c = Collector::new(s);
    // A loop with a guarded way out has no end of paths to the step limit: past this many moments visited, the
    // search gives way to the sampled bounds instead of running for ever.
    // A path longer than every stage twice over (with its standing moves) has gone round a loop: then there is
    // no exact answer, and the sampled bounds are used.
    let deepest = 2 * s.stages.len() * (1 + s.standing.len());
    let mut visited = 0u128;
    while let Some(sess) = stack.pop() {
        visited += 1;
        if visited > EXACT_LIMIT * 10 || sess.history().len() > deepest {
            return None;
        }
        if sess.ended().is_some() {
            c.finish(&sess);
            if c.finished.len() as u128 > EXACT_LIMIT {
                return None;
            }
            continue;
        }
        c.visit(&sess);
        for o in sess.available() {
            // Every way to address the move: in a room, turning to one person is a different play.
            for (_, key) in sess.addressings(o) {
                let mut next = sess.clone();
                if next.choose(&key).is_ok() {
                    stack.push(next);
                }
            }
        }
    }
    c.result("every play, with the session engine (seed 1)".into())
}

/// Seeded random plays plus the greedy best and worst: bounds, for scenarios too large to play out.
pub fn sampled(s: &Arc<Scenario>, lib: &Library, plays: u64) -> Option<Exact> {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut c = Collector::new(s);
    // A play longer than every stage twice over has gone round a loop: it is cut there, so a scenario that can
    // loop costs no more to sample than one that cannot.
    let deepest = 2 * s.stages.len() * (1 + s.standing.len());
    for seed in 0..plays + 2 {
        let mut sess = Session::new(lib, s.clone(), seed).ok()?;
        let mut rng = StdRng::seed_from_u64(seed);
        while sess.ended().is_none() && sess.history().len() <= deepest {
            c.visit(&sess);
            let opts = sess.available();
            if opts.is_empty() {
                break;
            }
            let pick = match seed.checked_sub(plays) {
                // The last two plays are greedy: the engine's best play and the worst-scoring option each time.
                Some(0) => sess.best_move()?,
                Some(_) => {
                    opts.iter()
                        .flat_map(|o| {
                            sess.addressings(o)
                                .into_iter()
                                .filter_map(|(to, key)| sess.evaluate_to(o, &to).ok().map(|e| (e.score, key)))
                                .collect::<Vec<_>>()
                        })
                        .min_by(|a, b| a.0.total_cmp(&b.0))?
                        .1
                }
                None => opts[rng.random_range(0..opts.len())].id.clone(),
            };
            if sess.choose(&pick).is_err() {
                break;
            }
        }
        c.finish(&sess);
    }
    c.result(format!(
        "{plays} seeded random plays and the greedy best and worst (bounds, not every path)"
    ))
}

/// A generated scenario of `stages` stages (for the benchmark and tests): three options per stage
/// from across the catalog, forward edges, guarded rupture detours and loops that always have a way out.
pub fn synthetic(stages: usize, catalog: &Catalog) -> Scenario {
    use super::model::*;
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
                say: String::new(),
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
            t.push(Transition {
                when: None,
                to: id(i + 1),
            });
            t
        },
    };
    let base = super::shipped::find(catalog, "tutorial");
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
        version: FORMAT_VERSION,
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
    }
}
