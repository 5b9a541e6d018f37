//! What a class session keeps of each vote, and the class's choices set against the best move open at each stage.

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::{Ballot, Tally};
use crate::engine::play::scoring::MoveClass;
use crate::engine::play::session::{ChoiceOutcome, Event};
use crate::engine::records::SessionRecord;
use crate::engine::{Library, Scenario, Session, SessionError};

/// Who decided the move the class session played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// The option with the most votes.
    Majority,
    /// The lecturer: on a tie, with no votes, or choosing another option to teach from it.
    Lecturer,
}

/// One stage's vote as recorded with its move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassChoice {
    pub tally: Tally,
    /// The choice key that was played.
    pub played: String,
    pub decided_by: DecidedBy,
}

impl ClassChoice {
    /// The vote's outcome once the lecturer plays `played`: the majority's when it is theirs.
    pub fn new(tally: Tally, played: &str) -> ClassChoice {
        let decided_by = if tally.winner() == Some(played) {
            DecidedBy::Majority
        } else {
            DecidedBy::Lecturer
        };
        ClassChoice {
            tally,
            played: played.to_owned(),
            decided_by,
        }
    }

    /// Share of the voters who chose the move that was played (0 when nobody voted).
    pub fn share_played(&self) -> f32 {
        let option = self.played.split('@').next().unwrap_or(&self.played);
        let n = self.tally.count(&self.played).max(self.tally.count(option));
        if self.tally.voted == 0 {
            0.0
        } else {
            n as f32 / self.tally.voted as f32
        }
    }
}

/// One row of the class debrief: what the class chose at a stage against the best move open there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    pub step: usize,
    pub stage: String,
    /// The technique the class's move used, by name.
    pub played: String,
    pub class: MoveClass,
    /// The votes, when the class voted at this stage.
    pub vote: Option<ClassChoice>,
    /// The best move open at the stage, when the class's move was not one of the best (technique name).
    pub best: Option<String>,
    /// Why the best move fits better, in the engine's words.
    pub why_best: String,
}

/// The class's choices against the best available at each stage: `votes[i]` is the vote of move `i + 1`.
pub fn class_rows(moves: &[ChoiceOutcome], votes: &[Option<ClassChoice>]) -> Vec<ClassRow> {
    moves
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let best = o.better.first().filter(|_| o.class != MoveClass::Best);
            ClassRow {
                step: o.step,
                stage: o.stage.clone(),
                played: o.technique_name.clone(),
                class: o.class,
                vote: votes.get(i).cloned().flatten(),
                best: best.map(|b| b.name.clone()),
                why_best: best.map(|b| b.reason.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// How many of the class's moves were among the best open at their stage, out of how many.
pub fn agreement(rows: &[ClassRow]) -> (usize, usize) {
    (rows.iter().filter(|r| r.class == MoveClass::Best).count(), rows.len())
}

/// One step of a session stepped through on the projector: the stage as the class saw it, the vote there
/// (if the class voted) and what the move played did.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewStep {
    pub ballot: Ballot,
    pub vote: Option<ClassChoice>,
    pub outcome: ChoiceOutcome,
    /// The events of the move (the client's reply, a rupture opened or repaired).
    pub events: Vec<Event>,
}

/// Plays `choices` again from the start and keeps each stage as it was shown, with its vote: a recorded session
/// (a student's or a class's) stepped forward and back. Fails where the scenario no longer plays the same.
pub fn review(
    lib: &Library,
    scenario: Arc<Scenario>,
    seed: u64,
    choices: &[String],
    votes: &[Option<ClassChoice>],
) -> Result<Vec<ReviewStep>, SessionError> {
    let mut s = Session::new(lib, scenario, seed)?;
    let mut steps = Vec::with_capacity(choices.len());
    for (i, key) in choices.iter().enumerate() {
        let Some(ballot) = super::ballot(&s, true) else { break };
        let events = s.choose(key)?;
        let Some(outcome) = events.iter().find_map(|e| match e {
            Event::Feedback(o) => Some((**o).clone()),
            _ => None,
        }) else {
            break;
        };
        steps.push(ReviewStep {
            ballot,
            vote: votes.get(i).cloned().flatten(),
            outcome,
            events,
        });
    }
    Ok(steps)
}

/// The votes of a recorded session, by move.
pub fn votes_of(rec: &SessionRecord) -> Vec<Option<ClassChoice>> {
    rec.moves.iter().map(|m| m.votes.clone()).collect()
}

/// The class debrief's rows of a recorded session: none unless the class voted at some stage.
pub fn rows_of(rec: &SessionRecord) -> Vec<ClassRow> {
    let votes = votes_of(rec);
    if votes.iter().all(Option::is_none) {
        return Vec::new();
    }
    let outcomes: Vec<ChoiceOutcome> = rec.moves.iter().filter_map(|m| m.outcome.clone()).collect();
    class_rows(&outcomes, &votes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Library, Session, shipped};

    fn tally(counts: &[(&str, usize)]) -> Tally {
        Tally {
            counts: counts.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect(),
            voted: counts.iter().map(|(_, n)| n).sum(),
            joined: 30,
        }
    }

    #[test]
    fn the_majoritys_move_is_the_majoritys_and_any_other_is_the_lecturers() {
        let t = tally(&[("a", 12), ("b", 5), ("c", 3)]);
        assert_eq!(ClassChoice::new(t.clone(), "a").decided_by, DecidedBy::Majority);
        assert_eq!(ClassChoice::new(t.clone(), "b").decided_by, DecidedBy::Lecturer);
        let tie = tally(&[("a", 4), ("b", 4)]);
        assert_eq!(
            ClassChoice::new(tie, "a").decided_by,
            DecidedBy::Lecturer,
            "a tie is broken by the lecturer"
        );
        assert!((ClassChoice::new(t, "a").share_played() - 0.6).abs() < 1e-6);
    }

    #[test]
    fn each_move_of_the_class_is_set_against_the_best_open_at_its_stage() {
        let lib = Library::builtin().expect("builtin");
        let sc = shipped::find(&lib.catalog, "tutorial").expect("the tutorial ships");
        let mut s = Session::new(&lib, sc, 7).expect("starts");
        // The class picks the worst open move, then the best one.
        let worst = s.available().iter().map(|o| o.id.clone()).min_by(|a, b| {
            let score = |id: &str| {
                s.evaluate(s.available().into_iter().find(|o| o.id == id).expect("open"))
                    .expect("evaluates")
                    .score
            };
            score(a).total_cmp(&score(b))
        });
        s.choose(&worst.clone().expect("an option")).expect("plays");
        if let Some(best) = s.best_move() {
            s.choose(&best).expect("plays");
        }
        let votes = vec![Some(ClassChoice::new(tally(&[("x", 1)]), "x")), None];
        let rows = class_rows(s.history(), &votes);
        assert_eq!(rows.len(), s.history().len());
        assert_ne!(rows[0].class, MoveClass::Best);
        assert!(
            rows[0].best.is_some(),
            "a move that was not the best names the best: {rows:?}"
        );
        assert!(!rows[0].why_best.is_empty());
        assert!(rows[0].vote.is_some() && rows.get(1).is_none_or(|r| r.vote.is_none()));
        for (r, o) in rows.iter().zip(s.history()) {
            let best_was_played = r.class == MoveClass::Best || o.better.is_empty();
            assert_eq!(
                r.best.is_none(),
                best_was_played,
                "only a move short of the best names one: {r:?}"
            );
        }
        assert_eq!(agreement(&rows).1, rows.len());

        let steps = review(&lib, s.scenario().clone(), s.seed(), s.choices(), &votes).expect("replays");
        assert_eq!(steps.len(), s.history().len(), "every move, stepped through");
        assert_eq!(steps[0].outcome, s.history()[0], "each move did what it did");
        assert!(steps[0].vote.is_some() && steps.get(1).is_none_or(|st| st.vote.is_none()));
        assert_eq!(steps[0].ballot.step, 1);
    }
}
