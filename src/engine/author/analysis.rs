//! Scenario analysis for authors: reachability, shortest paths, best and worst scores, dominated options, warnings.
//!
//! Scores are estimated by dynamic programming over the stage graph (each stage visited once, so it
//! stays linear in the size of the scenario): every option is scored against the client's intake
//! state, and a guarded transition counts as possible. The scenario is also played with the real session
//! engine ([`Plays`]) within a budget of work ([`PLAY_BUDGET`]): every path when they fit in half of it, else a
//! seeded sample, and [`Method`] says which.

use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use crate::engine::Library;
use crate::engine::check::stage_graph::StageGraph;
use crate::engine::format::scenario::{Choice, Condition, Effect, Scenario};
use crate::engine::play::scoring;
use crate::engine::play::session::Session;
use crate::engine::play::state::ClientState;

/// Every path is played only while there are at most this many.
pub const EVERY_PATH_LIMIT: usize = 20_000;

/// The work the plays may do, in option evaluations (see `move_cost`): it bounds `analyze` whatever the file,
/// at about half a second of one core in a release build.
pub const PLAY_BUDGET: usize = 200_000;

/// Random plays in a sample, at most (the budget may stop it sooner).
pub const SAMPLE_PLAYS: usize = 2_000;

/// Other options an option is compared with to find one that beats it everywhere: the best-scoring few, so a
/// stage of many options costs a multiple of their number, not its square.
const RIVALS: usize = 8;

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

/// How the plays were chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// Every path, played with the session engine at one seed (the seed draws repairs and line variants).
    Every { seed: u64 },
    /// A seeded sample: the engine's best play, the greedy worst and random plays, seeds `seed`, `seed + 1`, ...;
    /// bounds, not every path.
    Sampled {
        /// Plays finished, the two greedy ones included.
        plays: usize,
        seed: u64,
        /// Why not every path.
        why: String,
    },
}

/// Plays of one ending.
#[derive(Debug, Clone, Serialize)]
pub struct EndingPlays {
    pub ending: String,
    pub plays: usize,
}

/// Results from playing the scenario with the session engine.
#[derive(Debug, Clone, Serialize)]
pub struct Plays {
    pub method: Method,
    /// Plays finished (ended at an ending).
    pub paths: usize,
    pub best: ScoredPath,
    pub worst: ScoredPath,
    pub spread: Spread,
    /// Plays ending in each ending.
    pub endings: Vec<EndingPlays>,
    /// Options that, in every state the plays met, score below the named other option.
    pub dominated: Vec<Dominated>,
}

/// The shortest stage path to one ending.
#[derive(Debug, Clone, Serialize)]
pub struct ShortestPath {
    pub ending: String,
    /// From the start stage to the ending, both included.
    pub stages: Vec<String>,
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
    pub shortest: Vec<ShortestPath>,
    /// Number of distinct choice paths (back edges left out), saturating.
    pub path_count: u128,
    /// Best and worst paths by dynamic programming at the intake state.
    pub best: Option<ScoredPath>,
    pub worst: Option<ScoredPath>,
    /// Spread of the option scores at the intake state.
    pub option_spread: Option<Spread>,
    /// Options dominated at the intake state (the plays' own list is in `plays`).
    pub dominated: Vec<Dominated>,
    /// Stages where every option leads to the same place.
    pub same_place: Vec<String>,
    /// Plays with the session engine, within [`PLAY_BUDGET`]; None when not one play reached an ending.
    pub plays: Option<Plays>,
    /// Why there are no plays, when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unplayed: Option<String>,
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
    st: &'a crate::engine::format::scenario::Stage,
    o: &'a crate::engine::format::scenario::Choice,
    last_fit: crate::engine::vocab::FitBand,
) -> Vec<&'a str> {
    let transitions = match st.way_on(o) {
        crate::engine::format::scenario::WayOn::Next(next) => return vec![next],
        crate::engine::format::scenario::WayOn::Transitions(t) => t,
    };
    let mut out = Vec::new();
    for t in transitions {
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
    let g = StageGraph::of(s);
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
        for (i, j) in dominated_at_intake(&v) {
            dominated.push(Dominated {
                stage: st.id.clone(),
                option: st.choices[i].id.clone(),
                by: st.choices[j].id.clone(),
            });
        }
        if st.choices.len() > 1 && v.iter().all(|x| x.1.len() == 1) && v.windows(2).all(|p| p[0].1 == p[1].1) {
            same_place.push(st.id.clone());
        }
        option_scores.push(v);
    }

    // Order the stages for DP: DFS from the start, back edges left out. Each stage's successors are listed once
    // (listing them at every step of the walk cost a stage of n options n^2).
    let succ: Vec<Vec<usize>> = option_scores
        .iter()
        .map(|v| v.iter().flat_map(|(_, t)| t.iter().copied()).collect())
        .collect();
    let mut order = Vec::new();
    let mut back: HashSet<(usize, usize)> = HashSet::new();
    if let Some(st) = start.filter(|&i| i < stage_n) {
        let mut state = vec![0u8; n];
        let mut stack = vec![(st, 0usize)];
        state[st] = 1;
        while let Some((v, k)) = stack.pop() {
            let succ = &succ[v];
            if k < succ.len() {
                stack.push((v, k + 1));
                let u = succ[k];
                if u < stage_n {
                    match state[u] {
                        0 => {
                            state[u] = 1;
                            stack.push((u, 0));
                        }
                        1 => {
                            back.insert((v, u));
                        }
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
                if back.contains(&(v, u)) {
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
            shortest.push(ShortestPath {
                ending: g.ids[e].to_owned(),
                stages: path,
            });
        }
    }

    let path_count = start.map_or(0, |s| paths[s]);
    // Play every path when there are few; otherwise a seeded sample bounds the scores.
    let (plays, unplayed) = match plays(s, lib, path_count, PLAY_BUDGET) {
        Ok(p) => (Some(p), None),
        Err(why) => (None, Some(why)),
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
        plays,
        unplayed,
        warnings: Vec::new(),
    };
    a.warnings = warnings(s, &a);
    a
}

/// At one stage, scored at the intake state with where each option leads: (option, better option) for every
/// option another beats by more than a point while leading to the same places. Options are grouped by where
/// they lead, so a stage of n options costs about n, not n^2.
fn dominated_at_intake(options: &[(f32, Vec<usize>)]) -> Vec<(usize, usize)> {
    // For each set of places: the best and second-best option leading there.
    let mut top: HashMap<&[usize], (usize, Option<usize>)> = HashMap::new();
    let higher = |a: usize, b: usize| options[a].0.total_cmp(&options[b].0).is_gt();
    for (i, (score, targets)) in options.iter().enumerate() {
        if score.is_nan() {
            continue;
        }
        top.entry(targets.as_slice())
            .and_modify(|(first, second)| {
                if higher(i, *first) {
                    *second = Some(*first);
                    *first = i;
                } else if second.is_none_or(|x| higher(i, x)) {
                    *second = Some(i);
                }
            })
            .or_insert((i, None));
    }
    let mut out = Vec::new();
    for (i, (score, targets)) in options.iter().enumerate() {
        let Some(&(first, second)) = top.get(targets.as_slice()) else {
            continue;
        };
        let rival = if first == i { second } else { Some(first) };
        if let Some(j) = rival.filter(|&j| options[j].0 > score + 1.0) {
            out.push((i, j));
        }
    }
    out
}

fn warnings(s: &Scenario, a: &Analysis) -> Vec<String> {
    let mut w = Vec::new();
    for e in &a.unreachable_endings {
        w.push(format!("no path reaches the ending `{e}`"));
    }
    if let Some(x) = &a.plays {
        for EndingPlays { ending: e, plays } in &x.endings {
            if *plays == 0 {
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
        let good_end = |id: &str| s.ending(id).is_some_and(|e| e.outcome.is_good());
        let improved = |id: &str| {
            s.ending(id)
                .is_some_and(|e| e.outcome == crate::engine::vocab::Outcome::Improved)
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
        st.markers
            .iter()
            .any(|m| matches!(m, crate::engine::format::scenario::Marker::Rupture(_)))
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

/// The work of one move, in option evaluations, with `open` options at a stage: the session's own bookkeeping
/// (about ten), and every open option scored twice (for the best move and for the better alternatives) and once by
/// the collector, two units each. (A stage is found by its id through the scenario's index, so the length of the
/// scenario costs nothing per move.) Measured: about 2.5 µs a unit in a release build.
fn move_cost(open: usize) -> usize {
    10 + 6 * open
}

/// The work of starting a session and writing its debrief, in the units of [`move_cost`].
const PLAY_COST: usize = 20;

/// What the plays met: the best and worst finished play, every score, plays per ending, and which options stayed
/// below which. Stages, options and endings are held by their index, and a play's choices are copied only when it
/// is the best or worst so far, so long ids cost nothing per state.
struct Collector<'a> {
    scenario: &'a Scenario,
    stage_index: HashMap<&'a str, usize>,
    /// Per stage: option id -> its index in the stage.
    option_index: Vec<HashMap<&'a str, usize>>,
    ending_index: HashMap<&'a str, usize>,
    best: Option<ScoredPath>,
    worst: Option<ScoredPath>,
    scores: Vec<f32>,
    endings: Vec<usize>,
    /// (stage, option) -> the options it scored below (by more than a point) in every state met.
    below: HashMap<(usize, usize), Vec<usize>>,
    /// Work done, in option evaluations.
    work: usize,
}

impl<'a> Collector<'a> {
    fn new(s: &'a Scenario) -> Collector<'a> {
        Collector {
            scenario: s,
            stage_index: s.stages.iter().enumerate().map(|(i, st)| (st.id.as_str(), i)).collect(),
            option_index: s
                .stages
                .iter()
                .map(|st| st.choices.iter().enumerate().map(|(i, o)| (o.id.as_str(), i)).collect())
                .collect(),
            ending_index: s.endings.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect(),
            best: None,
            worst: None,
            scores: Vec::new(),
            endings: vec![0; s.endings.len()],
            below: HashMap::new(),
            work: 0,
        }
    }

    fn visit(&mut self, sess: &Session) {
        let Some(&si) = self.stage_index.get(sess.stage_id()) else {
            return;
        };
        // Standing moves are extras (the stage goes on), so they are not compared with the stage's options.
        let mut scored: Vec<(usize, f32)> = Vec::new();
        for o in sess.available() {
            if sess.is_standing(o) {
                continue;
            }
            if let (Some(&oi), Ok(e)) = (self.option_index[si].get(o.id.as_str()), sess.evaluate(o)) {
                scored.push((oi, e.score));
            }
        }
        let mut score_of = vec![f32::NAN; self.scenario.stages[si].choices.len()];
        for &(oi, sc) in &scored {
            score_of[oi] = sc;
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        for &(oi, sc) in &scored {
            // An option absent here (its guard does not hold) scores NaN and drops out as a rival.
            self.below
                .entry((si, oi))
                .and_modify(|rivals| rivals.retain(|&j| score_of[j] > sc + 1.0))
                .or_insert_with(|| {
                    scored
                        .iter()
                        .take_while(|(_, x)| *x > sc + 1.0)
                        .take(RIVALS)
                        .map(|&(j, _)| j)
                        .collect()
                });
        }
    }

    fn finish(&mut self, sess: &Session) {
        let Some(e) = sess.ended() else { return };
        if let Some(&ei) = self.ending_index.get(e) {
            self.endings[ei] += 1;
        }
        self.work += PLAY_COST;
        let d = crate::engine::report::debrief::debrief(sess);
        let score = d.practice.score;
        self.scores.push(score);
        let path = || ScoredPath {
            score,
            choices: sess.choices().to_vec(),
            ending: e.to_owned(),
            widest_split: d.room.as_ref().map(|r| r.widest.1),
        };
        if self.best.as_ref().is_none_or(|b| score > b.score) {
            self.best = Some(path());
        }
        if self.worst.as_ref().is_none_or(|w| score < w.score) {
            self.worst = Some(path());
        }
    }

    fn result(self, method: Method) -> Option<Plays> {
        let s = self.scenario;
        let mut dominated: Vec<Dominated> = self
            .below
            .into_iter()
            .filter_map(|((si, oi), by)| {
                let st = &s.stages[si];
                by.into_iter().min().map(|j| Dominated {
                    stage: st.id.clone(),
                    option: st.choices[oi].id.clone(),
                    by: st.choices[j].id.clone(),
                })
            })
            .collect();
        dominated.sort_by(|a, b| (&a.stage, &a.option).cmp(&(&b.stage, &b.option)));
        let mut endings: Vec<EndingPlays> = s
            .endings
            .iter()
            .zip(&self.endings)
            .map(|(e, &plays)| EndingPlays {
                ending: e.id.clone(),
                plays,
            })
            .collect();
        endings.sort_by(|a, b| a.ending.cmp(&b.ending));
        Some(Plays {
            method,
            paths: self.scores.len(),
            spread: spread(self.scores)?,
            best: self.best?,
            worst: self.worst?,
            endings,
            dominated,
        })
    }
}

/// How many moves [`endings_reached`] may copy per state of its budget. A session carries its history, so a state
/// costs as much as the path to it: without this, a long chain under the state budget copied every prefix of itself
/// (a 1,000-stage scenario: 480,000 moves, 1.3 s and 1.2 GB inside `rapport check`). The searches that finish today
/// copy at most 130 moves; those that give up copy 10,000 to 120,000 first.
pub const MOVES_COPIED_PER_STATE: usize = 16;

/// The endings real plays reach, searched over distinct session states (`Session::state_key`) with a few seeds
/// (repair success and line variants follow the seed); None when the search meets more than `budget` states, or
/// copies more than [`MOVES_COPIED_PER_STATE`] moves per state of it, so a caller can stay silent rather than guess.
pub fn endings_reached(s: &Arc<Scenario>, lib: &Library, budget: usize) -> Option<std::collections::BTreeSet<String>> {
    let mut reached = std::collections::BTreeSet::new();
    let mut seen = std::collections::HashSet::new();
    let mut copied = 0usize;
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
                    copied += sess.history().len() + 1;
                    if copied > budget.saturating_mul(MOVES_COPIED_PER_STATE) {
                        return None;
                    }
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

/// The scenario as the plays need it: variables no condition reads, and the effects on them, left out. They cannot
/// change a play, and each copy of a session would carry them (5,000 unused variables made `analyze` six times
/// slower).
fn for_plays(s: &Arc<Scenario>) -> Arc<Scenario> {
    let read: HashSet<&str> = s
        .conditions()
        .iter()
        .flat_map(|(c, path)| c.leaves(path.clone()))
        .filter_map(|(c, _)| match c {
            Condition::Flag(v) | Condition::Var(v, _) => Some(v.as_str()),
            _ => None,
        })
        .collect();
    if s.variables.iter().all(|v| read.contains(v.id.as_str())) {
        return s.clone();
    }
    let keep = |e: &Effect| match e {
        Effect::Set(v, _) | Effect::Add(v, _) => read.contains(v.as_str()),
    };
    let prune = |o: &Choice| Choice {
        effects: o.effects.iter().filter(|e| keep(e)).cloned().collect(),
        ..o.clone()
    };
    let mut p = Scenario::clone(s);
    p.variables.retain(|v| read.contains(v.id.as_str()));
    for st in &mut p.stages {
        st.choices = st.choices.iter().map(prune).collect();
    }
    p.standing = p.standing.iter().map(prune).collect();
    Arc::new(p)
}

/// The scenario played with the session engine within `budget` (work in option evaluations): every path when the
/// stage graph has at most [`EVERY_PATH_LIMIT`] (`path_count`) and they fit in half the budget, else a seeded
/// sample with what is left. Err says why no play reached an ending.
pub fn plays(s: &Arc<Scenario>, lib: &Library, path_count: u128, budget: usize) -> Result<Plays, String> {
    let s = for_plays(s);
    let (why, spent) = if path_count > EVERY_PATH_LIMIT as u128 {
        (format!("the stage graph has more than {EVERY_PATH_LIMIT} paths"), 0)
    } else {
        match every(&s, lib, budget / 2) {
            Ok(p) => return Ok(p),
            Err(e) => e,
        }
    };
    let rest = budget.saturating_sub(spent);
    sampled(&s, lib, SAMPLE_PLAYS, rest, why.clone()).ok_or_else(|| {
        format!("not every path was played ({why}), and no sampled play reached an ending within the work budget")
    })
}

/// One step of the walk over every path: a session and the moves still to try from it.
struct Frame {
    session: Session,
    moves: Vec<String>,
    next: usize,
}

/// Every way to make each move open now (in a room, turning a move to one person is a different play).
fn moves(sess: &Session) -> Vec<String> {
    sess.available()
        .into_iter()
        .flat_map(|o| sess.addressings(o).into_iter().map(|(_, key)| key))
        .collect()
}

/// Plays every path with the real engine (seed 1), depth first, holding one session per step of the current
/// path. Err with why not, and the work spent, when there are more than [`EVERY_PATH_LIMIT`] paths, a path goes
/// round a loop, or the walk would spend more than `budget`.
pub fn every(s: &Arc<Scenario>, lib: &Library, budget: usize) -> Result<Plays, (String, usize)> {
    const SEED: u64 = 1;
    let mut c = Collector::new(s);
    let root = Session::new(lib, s.clone(), SEED).map_err(|e| (e.to_string(), 0))?;
    // A path longer than every stage twice over (with its standing moves) has gone round a loop: a loop with a
    // guarded way out has no end of paths, so there is no exact answer.
    let deepest = 2 * s.stages.len() * (1 + s.standing.len());
    c.visit(&root);
    let mut stack = vec![Frame {
        moves: moves(&root),
        session: root,
        next: 0,
    }];
    while let Some(top) = stack.last_mut() {
        let Some(key) = top.moves.get(top.next) else {
            stack.pop();
            continue;
        };
        top.next += 1;
        let mut next = top.session.clone();
        // A copied session costs its length too.
        c.work += move_cost(top.moves.len()) + next.history().len();
        if next.choose(key).is_err() {
            continue;
        }
        if c.work > budget {
            return Err((
                format!("playing every path would take more than {budget} option evaluations"),
                c.work,
            ));
        }
        if next.ended().is_some() {
            c.finish(&next);
            if c.scores.len() > EVERY_PATH_LIMIT {
                return Err((format!("there are more than {EVERY_PATH_LIMIT} paths"), c.work));
            }
            continue;
        }
        if next.history().len() > deepest {
            return Err((
                format!(
                    "stage `{}` can come round again (a loop): its paths have no end",
                    next.stage_id()
                ),
                c.work,
            ));
        }
        c.visit(&next);
        stack.push(Frame {
            moves: moves(&next),
            session: next,
            next: 0,
        });
    }
    let work = c.work;
    c.result(Method::Every { seed: SEED })
        .ok_or_else(|| ("no path reaches an ending".to_owned(), work))
}

/// Seeded plays within `budget`: first the engine's best play and the greedy worst, then up to `plays` random
/// ones (seeds 1, 2, ...). Bounds, for scenarios too large or too loopy to play out; `why` says why.
pub fn sampled(s: &Arc<Scenario>, lib: &Library, plays: usize, budget: usize, why: String) -> Option<Plays> {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    const FIRST_SEED: u64 = 1;
    let mut c = Collector::new(s);
    // A play longer than every stage twice over has gone round a loop: it is cut there, so a scenario that can
    // loop costs no more to sample than one that cannot.
    let deepest = 2 * s.stages.len() * (1 + s.standing.len());
    let mut started = 0;
    for k in 0..plays + 2 {
        if c.work >= budget {
            break;
        }
        started += 1;
        c.work += PLAY_COST;
        let seed = FIRST_SEED + k as u64;
        let mut sess = Session::new(lib, s.clone(), seed).ok()?;
        let mut rng = StdRng::seed_from_u64(seed);
        while sess.ended().is_none() && sess.history().len() <= deepest && c.work < budget {
            c.visit(&sess);
            let opts = sess.available();
            if opts.is_empty() {
                break;
            }
            c.work += move_cost(opts.len());
            let pick = match k {
                // The engine's best play, then the worst-scoring move each time.
                0 => sess.best_move()?,
                1 => {
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
                _ => opts[rng.random_range(0..opts.len())].id.clone(),
            };
            if sess.choose(&pick).is_err() {
                break;
            }
        }
        c.finish(&sess);
    }
    // A play the budget cut short is not counted: the line names the plays that finished, as the sample does.
    let finished = c.scores.len();
    let why = if started < plays + 2 {
        format!("{why}; the work budget ended the sample after {finished} finished plays")
    } else {
        why
    };
    c.result(Method::Sampled {
        plays: finished,
        seed: FIRST_SEED,
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::format::scenario::{Value, Variable};
    use crate::engine::{Library, load};

    fn scenario(lib: &Library, src: &str) -> Arc<Scenario> {
        let l = load::load_scenario_str(src, "fixture.ron", &lib.catalog, None);
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.value.expect("a scenario")
    }

    const MINIMAL: &str = include_str!("../../../tests/fixtures/minimal.ron");

    #[test]
    fn an_option_is_dominated_by_the_best_other_option_leading_to_the_same_places() {
        let to = |t: &[usize]| t.to_vec();
        let options = [
            (50.0, to(&[1])),
            (60.0, to(&[1])),
            (70.0, to(&[2])),
            (58.5, to(&[1])),
            (f32::NAN, to(&[1])),
            (59.5, to(&[1])),
        ];
        // 60 beats 50 and 58.5 by more than a point, but not 59.5; 70 leads elsewhere; NaN (an unknown technique)
        // is neither.
        assert_eq!(dominated_at_intake(&options), vec![(0, 1), (3, 1)]);
    }

    #[test]
    fn a_small_scenario_is_played_on_every_path_and_a_forced_sample_says_so() {
        let lib = Library::builtin().expect("the built-in data loads");
        let s = scenario(&lib, MINIMAL);
        let every = plays(&s, &lib, 4, PLAY_BUDGET).expect("plays");
        assert_eq!(every.method, Method::Every { seed: 1 });
        assert_eq!(every.paths, 4, "two options at each of two stages");
        assert_eq!(every.endings.iter().map(|e| e.plays).sum::<usize>(), 4);
        // More paths in the graph than are played one by one: a sample, which says it is one and why.
        let sample = plays(&s, &lib, u128::MAX, PLAY_BUDGET).expect("plays");
        match &sample.method {
            Method::Sampled { plays, seed: 1, why } => {
                assert!(
                    *plays > 2 && *plays <= SAMPLE_PLAYS + 2 && *plays == sample.paths,
                    "{plays}"
                );
                assert!(why.contains("more than 20000 paths"), "{why}");
            }
            m => panic!("{m:?}"),
        }
        assert_eq!(
            sample.best.score, every.best.score,
            "the engine's best play is among the sample"
        );
        // A budget too small for one play: no plays, and why.
        let none = plays(&s, &lib, u128::MAX, 1).map(|p| p.paths);
        assert!(none.as_ref().is_err_and(|e| e.contains("work budget")), "{none:?}");
    }

    #[test]
    fn a_loop_with_a_guarded_way_out_is_named_not_walked_for_ever() {
        let lib = Library::builtin().expect("the built-in data loads");
        let s = scenario(
            &lib,
            include_str!("../../../tests/fixtures/robustness/loop_guarded_exit.ron"),
        );
        let walked = every(&s, &lib, PLAY_BUDGET).map(|p| p.paths);
        assert!(
            walked
                .as_ref()
                .is_err_and(|(why, _)| why.contains("stage `open` can come round again")),
            "{walked:?}"
        );
        let a = analyze(&s, &lib);
        assert!(
            a.plays.is_none() && a.unplayed.as_ref().is_some_and(|w| w.contains("loop")),
            "{a:?}"
        );
    }

    #[test]
    fn variables_no_condition_reads_are_left_out_of_the_plays_and_change_nothing() {
        let lib = Library::builtin().expect("the built-in data loads");
        let s = scenario(&lib, MINIMAL);
        let mut padded = Scenario::clone(&s);
        padded.variables.extend((0..5_000).map(|i| Variable {
            id: format!("unused_{i}"),
            initial: Value::Number(i as f32),
            description: String::new(),
        }));
        let padded = Arc::new(padded);
        let pruned = for_plays(&padded);
        assert_eq!(
            pruned.variables.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
            ["heard"],
            "the variable a transition reads stays"
        );
        let (a, b) = (
            plays(&s, &lib, 4, PLAY_BUDGET).expect("plays"),
            plays(&padded, &lib, 4, PLAY_BUDGET).expect("plays"),
        );
        assert_eq!(
            (a.best.score, a.worst.score, a.paths),
            (b.best.score, b.worst.score, b.paths)
        );
        assert_eq!(a.best.ending, "good", "the effect on `heard` is kept: {:?}", a.best);
    }

    /// A straight chain of `n` stages, one move each, no guards: n states per seed, each as dear as its path.
    fn chain(n: usize, lib: &Library) -> Arc<Scenario> {
        let mut s = crate::engine::author::synthetic::synthetic(n, &lib.catalog);
        for st in &mut s.stages {
            st.choices.truncate(1);
            st.choices[0].next = None;
            st.markers.clear();
            st.transitions.retain(|t| t.when.is_none());
        }
        Arc::new(s)
    }

    #[test]
    fn the_endings_search_answers_a_short_chain_and_gives_up_on_a_long_one_within_its_state_budget() {
        let lib = Library::builtin().expect("built-in data");
        let short = endings_reached(&chain(10, &lib), &lib, 400);
        assert_eq!(short.map(|r| r.len()), Some(1));
        // 3 seeds x 120 stages is under 400 states, but copying every prefix of the path is 21,000 moves.
        let long = chain(120, &lib);
        assert_eq!(endings_reached(&long, &lib, 400), None);
        assert!(endings_reached(&long, &lib, 100_000).is_some());
    }
}
