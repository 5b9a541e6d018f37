//! The rules of the room: how a move opens, repairs, holds or leaves a rupture, and how it moves a person's state.
//! The session applies them and the scoring expects them through these same functions, so the feedback's
//! expected alliance and what then happens in the session cannot disagree.

use crate::engine::format::catalog::{Technique, repair_fits};
use crate::engine::format::scenario::{Alliance, AllianceDelta, ClientProfile};
use crate::engine::format::weights::Weights;
use crate::engine::play::state::{OpenRupture, PersonState};
use crate::engine::vocab::{Lean, RepairKind, RuptureKind};

/// What a move does about one person's open rupture, before chance decides whether a repair takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuptureAttempt {
    /// A repair strategy turned to them: it mends the rupture with this chance, and otherwise fails.
    Repair { strategy: RepairKind, chance: f32 },
    /// Grounding or a risk check answering a safety or dissociation marker now: the rupture waits for later
    /// (safety first), neither repaired nor counted as missed.
    Hold,
    /// Anything else: the rupture stays open and wears the alliance down.
    Leave,
}

/// How an open rupture came out of a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuptureCourse {
    Repaired(RepairKind),
    Failed(RepairKind),
    Held,
    Missed,
}

impl RuptureAttempt {
    /// What `t` does about `open`, the rupture of a person it is (`addressed`) or is not turned to.
    pub fn of(t: &Technique, addressed: bool, open: &OpenRupture, holds_for_safety: bool, w: &Weights) -> Self {
        match t.repair.filter(|_| addressed) {
            Some(strategy) => RuptureAttempt::Repair {
                strategy,
                chance: repair_chance(strategy, open.kind, w),
            },
            None if holds_for_safety => RuptureAttempt::Hold,
            None => RuptureAttempt::Leave,
        }
    }

    /// Chance decides a repair: `roll` draws uniformly from 0..1, and is drawn only for a repair, so a session's
    /// random stream (and every golden play) moves only where a repair is tried.
    pub fn settle(self, roll: impl FnOnce() -> f32) -> RuptureCourse {
        match self {
            RuptureAttempt::Repair { strategy, chance } if roll() < chance => RuptureCourse::Repaired(strategy),
            RuptureAttempt::Repair { strategy, .. } => RuptureCourse::Failed(strategy),
            RuptureAttempt::Hold => RuptureCourse::Held,
            RuptureAttempt::Leave => RuptureCourse::Missed,
        }
    }

    /// The expected change in the person's mean alliance from the rupture's course, given their alliance after
    /// the move itself: what the scoring reads, from the same courses the session applies.
    pub fn expected_change(self, after_move: Alliance, open: &OpenRupture, w: &Weights) -> f32 {
        let change = |c: RuptureCourse| c.alliance(after_move, open, w).mean() - after_move.mean();
        match self {
            RuptureAttempt::Repair { strategy, chance } => {
                chance * change(RuptureCourse::Repaired(strategy))
                    + (1.0 - chance) * change(RuptureCourse::Failed(strategy))
            }
            RuptureAttempt::Hold => change(RuptureCourse::Held),
            RuptureAttempt::Leave => change(RuptureCourse::Missed),
        }
    }

    /// The repair chance, for a repair.
    pub fn chance(self) -> Option<f32> {
        match self {
            RuptureAttempt::Repair { chance, .. } => Some(chance),
            _ => None,
        }
    }
}

impl RuptureCourse {
    /// The person's alliance after the course, from their alliance after the move itself. A repair brings each
    /// component back at least to where it stood before the rupture, and beyond by the repair gain: a repaired
    /// rupture strengthens the alliance (Safran, Muran & Eubanks-Carter 2011; Eubanks, Muran & Safran 2018). A
    /// rupture left open, or a repair that fails, loses some of every component.
    pub fn alliance(self, after_move: Alliance, open: &OpenRupture, w: &Weights) -> Alliance {
        let r = &w.alliance;
        match self {
            RuptureCourse::Repaired(_) => {
                let before = open.alliance_before;
                Alliance {
                    goal: after_move.goal.max(before.goal) + r.repair_gain,
                    task: after_move.task.max(before.task) + r.repair_gain,
                    bond: after_move.bond.max(before.bond) + r.repair_gain,
                }
                .clamped()
            }
            RuptureCourse::Failed(_) | RuptureCourse::Missed => after_move.apply(AllianceDelta {
                goal: -r.open_decay,
                task: -r.open_decay,
                bond: -r.open_decay,
            }),
            RuptureCourse::Held => after_move,
        }
    }

    /// The dropout risk the course adds: a rupture left standing raises it; one repaired or held does not.
    pub fn dropout(self, w: &Weights) -> f32 {
        match self {
            RuptureCourse::Failed(_) | RuptureCourse::Missed => w.alliance.open_dropout,
            RuptureCourse::Repaired(_) | RuptureCourse::Held => 0.0,
        }
    }
}

/// The chance that a repair move mends an open rupture.
pub fn repair_chance(kind: RepairKind, rupture: RuptureKind, w: &Weights) -> f32 {
    let r = &w.alliance;
    let mut p = r.repair_base;
    if repair_fits(&r.repair_fit, rupture, kind) {
        p += r.repair_strategy_bonus;
    }
    if kind == RepairKind::Metacommunication {
        p += r.repair_metacommunication_bonus;
    }
    p.clamp(0.0, 1.0)
}

/// Compliance from which a client is compliant: they go along rather than push back (two fifths of the scale:
/// a moderate figure, not a published cut-off).
pub const COMPLIANT: f32 = 0.4;

/// Which kind of rupture opens, from the reactance state and the client's style. A compliant client
/// ruptures by withdrawal: appeasing agreement, not protest (Safran & Muran 2000).
pub fn rupture_kind(reactance: f32, compliance: f32, style: RuptureKind, w: &Weights) -> RuptureKind {
    if reactance >= w.alliance.confrontation_reactance {
        RuptureKind::Confrontation
    } else if reactance <= w.alliance.withdrawal_reactance || compliance >= COMPLIANT {
        RuptureKind::Withdrawal
    } else {
        style
    }
}

/// Whether a move opens a rupture with a person who has none open: it fits them badly when turned to them, or
/// costs any part of their alliance steeply (a side taken against them). Asking about safety never opens one by
/// itself.
/// `fit` is the move's fit for them and `delta` its effect on their alliance.
pub fn opens_rupture(t: &Technique, addressed: bool, fit: f32, delta: AllianceDelta, w: &Weights) -> bool {
    !t.is_safety() && ((addressed && fit < w.alliance.rupture_fit) || delta.min() < -w.alliance.rupture_delta)
}

/// How a move turned to a person moves their state. Reactance rises with directiveness in proportion to the
/// person's trait reactance and settles back toward the trait (Beutler et al. 2011). Distress follows the move's
/// arousal. Readiness moves one stage after enough well-fitting work matched to it, and only so far in one
/// session, since readiness moves over weeks (Prochaska & Norcross 2018). `matched` is whether this move was
/// stage-matched and fitted well.
pub fn move_state(person: &mut PersonState, trait_reactance: f32, t: &Technique, matched: bool, w: &Weights) {
    let rules = &w.state;
    let mut reactance = person.reactance + rules.reactance_rise * (2.0 * t.directiveness - 1.0) * trait_reactance;
    reactance += rules.reactance_settle * (trait_reactance - reactance);
    person.reactance = reactance.clamp(0.0, 1.0);
    person.distress = (person.distress + rules.distress_per_arousal * t.arousal).clamp(0.0, 1.0);
    if matched && person.stage_moves < rules.stage_moves_per_session {
        person.stage_progress += rules.stage_progress;
        if person.stage_progress >= 1.0 {
            person.stage_progress = 0.0;
            person.stage_moves += 1;
            person.stage_of_change = person.stage_of_change.map(|x| x.next());
        }
    }
}

/// Salience from which a person's culture or faith shapes the work enough that adapting to it is part of
/// integrating well (two fifths of the scale: a moderate salience, not a published cut-off).
pub const SALIENT: f32 = 0.4;

/// Whether culture or faith is salient for this person.
pub fn culture_salient(c: &ClientProfile) -> bool {
    c.culture.salience >= SALIENT || c.religion_salience >= SALIENT
}

/// Whether `t` adapts to a salient culture or faith of this person: it leans toward their frame where that frame
/// matters (Soto et al. 2018).
pub fn culturally_adapted(c: &ClientProfile, t: &Technique) -> bool {
    (c.culture.salience >= SALIENT && Lean::of(t.adaptation.culture) == Lean::Plus)
        || (c.religion_salience >= SALIENT && Lean::of(t.adaptation.religion) == Lean::Plus)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> Weights {
        crate::engine::load::builtin_weights()
            .value
            .expect("the built-in weights load")
    }

    fn open(before: Alliance) -> OpenRupture {
        OpenRupture {
            kind: RuptureKind::Withdrawal,
            stage: "s".to_owned(),
            alliance_before: before,
            markers: Vec::new(),
        }
    }

    fn a(goal: f32, task: f32, bond: f32) -> Alliance {
        Alliance { goal, task, bond }
    }

    #[test]
    fn a_repair_restores_each_component_and_adds_the_gain() {
        let w = weights();
        let g = w.alliance.repair_gain;
        let after = RuptureCourse::Repaired(RepairKind::Metacommunication).alliance(
            a(0.5, 0.2, 0.3),
            &open(a(0.4, 0.6, 0.3)),
            &w,
        );
        // Goal was above its old level and stays there; task climbs back to it; both gain.
        assert!((after.goal - (0.5 + g)).abs() < 1e-6);
        assert!((after.task - (0.6 + g)).abs() < 1e-6);
        assert!((after.bond - (0.3 + g)).abs() < 1e-6);
    }

    #[test]
    fn expected_change_is_the_chance_weighted_mean_of_the_applied_courses() {
        let w = weights();
        let rupture = open(a(0.7, 0.7, 0.7));
        let after_move = a(0.4, 0.5, 0.45);
        let chance = 0.6;
        let attempt = RuptureAttempt::Repair {
            strategy: RepairKind::Metacommunication,
            chance,
        };
        let repaired = RuptureCourse::Repaired(RepairKind::Metacommunication)
            .alliance(after_move, &rupture, &w)
            .mean();
        let failed = RuptureCourse::Failed(RepairKind::Metacommunication)
            .alliance(after_move, &rupture, &w)
            .mean();
        let expected = chance * repaired + (1.0 - chance) * failed - after_move.mean();
        assert!((attempt.expected_change(after_move, &rupture, &w) - expected).abs() < 1e-6);
        // Left open, the rupture costs the decay; held for safety, it costs nothing.
        let left = RuptureAttempt::Leave.expected_change(after_move, &rupture, &w);
        assert!((left + w.alliance.open_decay).abs() < 1e-6);
        assert_eq!(RuptureAttempt::Hold.expected_change(after_move, &rupture, &w), 0.0);
    }

    #[test]
    fn chance_is_drawn_only_for_a_repair() {
        let mut drawn = 0;
        let course = RuptureAttempt::Hold.settle(|| {
            drawn += 1;
            0.0
        });
        assert_eq!((course, drawn), (RuptureCourse::Held, 0));
        let repair = RuptureAttempt::Repair {
            strategy: RepairKind::Clarify,
            chance: 0.5,
        };
        assert_eq!(repair.settle(|| 0.49), RuptureCourse::Repaired(RepairKind::Clarify));
        assert_eq!(repair.settle(|| 0.5), RuptureCourse::Failed(RepairKind::Clarify));
    }

    #[test]
    fn only_a_rupture_left_standing_raises_dropout() {
        let w = weights();
        assert!(RuptureCourse::Missed.dropout(&w) > 0.0);
        assert!(RuptureCourse::Failed(RepairKind::Clarify).dropout(&w) > 0.0);
        assert_eq!(RuptureCourse::Held.dropout(&w), 0.0);
        assert_eq!(RuptureCourse::Repaired(RepairKind::Clarify).dropout(&w), 0.0);
    }
}
