//! A student's progress over their recorded sessions: trends, the schools and techniques they reach for,
//! and the markers and ruptures they tend to miss.

use serde::Serialize;
use std::collections::BTreeMap;

use super::{SessionRecord, Status};
use crate::engine::play::session::Event;

/// One finished session, as a point on the trend charts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub session: String,
    pub when: i64,
    pub title: String,
    pub accuracy: f32,
    pub mean_fit: f32,
    pub final_alliance: f32,
    pub mean_common_factors: f32,
}

/// How a kind of rupture went across the sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuptureTally {
    pub opened: usize,
    pub repaired: usize,
    /// A repair was tried and did not take (chance, not a mistake).
    pub failed: usize,
    /// Left open past a stage without a repair move.
    pub missed: usize,
}

/// The whole picture.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    /// Finished sessions with full records, oldest first.
    pub points: Vec<Point>,
    /// Moves per school (a technique of several schools counts for its main one), most first.
    pub schools: Vec<(String, usize)>,
    /// The techniques used most, most first (at most ten).
    pub techniques: Vec<(String, usize)>,
    /// Safety and dissociation markers left unanswered (critical misses), by marker, most first.
    pub missed_markers: Vec<(String, usize)>,
    /// Ruptures by kind.
    pub ruptures: BTreeMap<String, RuptureTally>,
    pub sessions: usize,
    pub finished: usize,
    pub moves: usize,
}

fn ranked(m: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Reads the progress out of the records (any order; imported results without moves count as sessions).
pub fn progress(records: &[SessionRecord]) -> Progress {
    let mut recs: Vec<&SessionRecord> = records.iter().collect();
    recs.sort_by_key(|r| (r.summary.started, r.summary.updated));
    let mut p = Progress {
        sessions: recs.len(),
        ..Progress::default()
    };
    let (mut schools, mut techniques, mut markers) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for r in &recs {
        let s = &r.summary;
        if s.status == Status::Finished {
            p.finished += 1;
            if let (Some(accuracy), Some(d)) = (s.accuracy, &r.debrief) {
                p.points.push(Point {
                    session: s.id.clone(),
                    when: s.updated,
                    title: s.title.clone(),
                    accuracy,
                    mean_fit: d.practice.mean_fit,
                    final_alliance: d.client.final_alliance.mean(),
                    mean_common_factors: d.practice.mean_common_factors,
                });
            }
        }
        for m in &r.moves {
            let Some(o) = &m.outcome else { continue };
            p.moves += 1;
            *schools.entry(o.school.label().to_owned()).or_insert(0) += 1;
            *techniques.entry(o.technique_name.clone()).or_insert(0) += 1;
            if let Some(c) = o.critical {
                *markers.entry(c.label().to_owned()).or_insert(0) += 1;
            }
            for e in &m.events {
                let (kind, field): (_, fn(&mut RuptureTally) -> &mut usize) = match e {
                    Event::RuptureOpened { kind, .. } => (kind, |t| &mut t.opened),
                    Event::RuptureRepaired { kind, .. } => (kind, |t| &mut t.repaired),
                    Event::RepairFailed { kind, .. } => (kind, |t| &mut t.failed),
                    Event::MissedRepair { kind, .. } => (kind, |t| &mut t.missed),
                    _ => continue,
                };
                *field(p.ruptures.entry(kind.label().to_owned()).or_default()) += 1;
            }
        }
    }
    p.schools = ranked(schools);
    p.techniques = ranked(techniques).into_iter().take(10).collect();
    p.missed_markers = ranked(markers);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::records::Store;
    use crate::engine::{Library, Session, report::debrief, shipped};

    /// Plays a shipped scenario with a policy and records it; returns the store.
    fn played(store: &mut Store, lib: &Library, scenario: &str, seed: u64, worst: bool) {
        let sc = shipped::find(&lib.catalog, scenario).expect("the shipped scenario");
        let mut s = Session::new(lib, sc, seed).expect("starts");
        let id = store.begin(&s, "test").expect("begins");
        for _ in 0..60 {
            if s.ended().is_some() {
                break;
            }
            let pick = if worst {
                let opts = s.available();
                opts.iter()
                    .min_by(|a, b| {
                        let ea = s.evaluate(a).map_or(0.0, |e| e.score);
                        let eb = s.evaluate(b).map_or(0.0, |e| e.score);
                        ea.total_cmp(&eb)
                    })
                    .map(|o| o.id.clone())
            } else {
                s.best_move()
            };
            let events = s.choose(&pick.expect("a move")).expect("plays");
            let d = s.ended().map(|_| debrief::debrief(&s));
            store.record(&id, &s, &events, d.as_ref()).expect("records");
        }
    }

    #[test]
    fn progress_counts_what_was_played_and_what_was_missed() {
        let lib = Library::builtin().expect("builtin");
        let mut store = Store::in_memory().expect("store");
        played(&mut store, &lib, "tutorial", 1, false);
        played(&mut store, &lib, "tutorial", 2, true);
        let all = store.all().expect("all");
        let p = progress(&all);
        assert_eq!((p.sessions, p.finished), (2, 2));
        assert_eq!(p.points.len(), 2);
        assert!(
            p.points[0].accuracy > p.points[1].accuracy,
            "the best play (first) is more accurate than the worst: {:?}",
            p.points
        );
        assert_eq!(p.moves, all.iter().map(|r| r.moves.len()).sum::<usize>());
        assert_eq!(p.schools.iter().map(|s| s.1).sum::<usize>(), p.moves);
        let opened: usize = p.ruptures.values().map(|t| t.opened).sum();
        assert!(opened > 0, "the worst play opens a rupture: {:?}", p.ruptures);
    }
}
