//! The state of the room as a session moves: each person's alliance, reactance, distress, readiness and open
//! rupture, and the work's (groundwork laid, the pattern of moves, dropout risk).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::engine::format::catalog::Technique;
use crate::engine::format::scenario::{Alliance, ClientProfile, RuptureMarker};
use crate::engine::format::weights::Weights;
use crate::engine::vocab::{Groundwork, ProcessMarker, RuptureKind, StageOfChange};

/// One person's state as it moves through a session (their profile gives its start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonState {
    pub id: String,
    /// Reactance as a state, 0..1.
    pub reactance: f32,
    pub distress: f32,
    /// None where no behaviour change is the target (the stage term is switched off).
    pub stage_of_change: Option<StageOfChange>,
    /// Progress toward the next stage of change, 0..1.
    pub stage_progress: f32,
    /// Stages of change moved in this session (readiness moves over weeks, not minutes).
    pub stage_moves: u32,
    pub alliance: Alliance,
    pub rupture: Option<OpenRupture>,
    /// The last simulated SRS total, to flag a drop.
    pub last_srs: Option<f32>,
    /// Risk has been asked about with this person in this session (turned to them, not to the room).
    pub risk_assessed: bool,
}

impl PersonState {
    pub fn from_profile(id: &str, c: &ClientProfile) -> PersonState {
        PersonState {
            id: id.to_owned(),
            reactance: c.reactance.state,
            distress: c.distress,
            stage_of_change: c.stage_of_change,
            stage_progress: 0.0,
            stage_moves: 0,
            alliance: c.alliance.clamped(),
            rupture: None,
            last_srs: None,
            risk_assessed: false,
        }
    }
}

/// The state of the room as it moves through a session: each person's, and the work's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientState {
    /// Everyone in the case, in the scenario's order (one for an individual scenario).
    pub people: Vec<PersonState>,
    /// Who is in the room at the current stage (indices into `people`).
    pub present: Vec<usize>,
    /// The within-system alliance, 0..1, where more than one person is in the case.
    pub within: Option<f32>,
    /// Ruptures repaired so far.
    pub repaired: u32,
    /// Ruptures opened so far.
    pub ruptures: u32,
    /// Simulated dropout risk, 0..1 (client outcome, not the trainee's score).
    pub dropout_risk: f32,
    /// What the work has in place: the process steps later moves build on.
    pub groundwork: BTreeSet<Groundwork>,
    /// The session's pattern of work so far: Beutler's matching applies to it, not to each utterance.
    pub pattern: Pattern,
    /// Safety or dissociation markers left unanswered so far.
    pub critical_misses: u32,
    /// Whether the last SRS was flagged.
    pub srs_flagged: bool,
    /// The speaker's process markers shown at the current stage when a rupture line took the place of their
    /// words (None: the stage's own markers stand).
    pub withheld: Option<(usize, Vec<ProcessMarker>)>,
    /// Markers already answered at the current stage, with the person who showed them (a standing safety
    /// check before the stage's own move).
    pub answered_here: Vec<(usize, ProcessMarker)>,
    /// Groundwork the trainee's own moves laid in this session (not what the session started with).
    pub laid: BTreeSet<Groundwork>,
}

/// The running directiveness and focus of the session's moves. It starts with one neutral move (directiveness
/// .5, focus 0), so that the first utterance is not read as the whole treatment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    pub moves: u32,
    pub directiveness: f32,
    pub focus: f32,
}

impl Default for Pattern {
    fn default() -> Pattern {
        Pattern {
            moves: 1,
            directiveness: 0.5,
            focus: 0.0,
        }
    }
}

impl Pattern {
    /// The mean directiveness and focus if `t` is added.
    pub fn with(self, t: &Technique) -> (f32, f32) {
        let n = self.moves as f32 + 1.0;
        ((self.directiveness + t.directiveness) / n, (self.focus + t.focus) / n)
    }

    pub fn add(&mut self, t: &Technique) {
        self.moves += 1;
        self.directiveness += t.directiveness;
        self.focus += t.focus;
    }
}

/// A rupture that is open now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenRupture {
    pub kind: RuptureKind,
    /// Stage where it opened.
    pub stage: String,
    /// The alliance just before it opened; a repair restores it.
    pub alliance_before: Alliance,
    /// The markers the client shows.
    pub markers: Vec<RuptureMarker>,
}

impl ClientState {
    /// The state at the intake: each person as their profile says, the work with `groundwork` in place.
    pub fn from_intake(
        people: &[(String, ClientProfile)],
        within: Option<f32>,
        groundwork: &[Groundwork],
    ) -> ClientState {
        let states: Vec<PersonState> = people.iter().map(|(id, c)| PersonState::from_profile(id, c)).collect();
        let within = (states.len() > 1).then(|| {
            within
                .unwrap_or_else(|| states.iter().map(|p| p.alliance.goal).sum::<f32>() / states.len() as f32)
                .clamp(0.0, 1.0)
        });
        ClientState {
            present: (0..states.len()).collect(),
            people: states,
            within,
            repaired: 0,
            ruptures: 0,
            dropout_risk: 0.0,
            groundwork: groundwork.iter().copied().collect(),
            pattern: Pattern::default(),
            critical_misses: 0,
            srs_flagged: false,
            answered_here: Vec::new(),
            laid: BTreeSet::new(),
            withheld: None,
        }
    }

    /// The state of a scenario's people at its intake.
    pub fn of_scenario(s: &crate::engine::format::scenario::Scenario) -> ClientState {
        ClientState::from_intake(&s.persons(), s.client.within_system, &s.initial_groundwork())
    }

    /// Whether more than one person is in the case (the systemic terms apply).
    pub fn is_system(&self) -> bool {
        self.people.len() > 1
    }

    /// The mean alliance of the people present (the one person's alliance in individual work).
    pub fn alliance(&self) -> Alliance {
        mean_alliance(
            self.present
                .iter()
                .filter_map(|i| self.people.get(*i))
                .map(|p| p.alliance),
        )
    }

    /// The open rupture of the first person present who has one.
    pub fn rupture(&self) -> Option<&OpenRupture> {
        self.present
            .iter()
            .filter_map(|i| self.people.get(*i))
            .find_map(|p| p.rupture.as_ref())
    }

    /// The highest distress among the people present.
    pub fn distress(&self) -> f32 {
        self.present
            .iter()
            .filter_map(|i| self.people.get(*i))
            .map(|p| p.distress)
            .fold(0.0, f32::max)
    }

    /// The split alliance over everyone in the case (a split belongs to the couple or family, whoever is in
    /// the room this hour; 0 with one person): see [`split_of`].
    pub fn split(&self) -> f32 {
        split_of(self.people.iter().map(|p| p.alliance.bond))
    }

    /// The unit's alliance the score reads: one person's mean alliance, or, in a room, the members' mean
    /// and the within-system alliance in SOFTA's proportion.
    pub fn unit_alliance(&self, w: &Weights) -> f32 {
        unit_alliance(self.alliance().mean(), self.within, self.present.len(), w)
    }
}

/// The component-wise mean of alliances (a neutral .5 when there are none).
pub fn mean_alliance(v: impl Iterator<Item = Alliance>) -> Alliance {
    let (mut sum, mut n) = (
        Alliance {
            goal: 0.0,
            task: 0.0,
            bond: 0.0,
        },
        0.0,
    );
    for a in v {
        sum.goal += a.goal;
        sum.task += a.task;
        sum.bond += a.bond;
        n += 1.0;
    }
    if n == 0.0 {
        return Alliance {
            goal: 0.5,
            task: 0.5,
            bond: 0.5,
        };
    }
    Alliance {
        goal: sum.goal / n,
        task: sum.task / n,
        bond: sum.bond / n,
    }
}

/// How unbalanced the individual alliances are: twice the distance of the least-joined person below the
/// mean bond. For two people it is the gap between their bonds; in a group it follows the member left out
/// rather than growing with the number of members.
pub fn split_of(bonds: impl Iterator<Item = f32>) -> f32 {
    let v: Vec<f32> = bonds.collect();
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
    2.0 * (mean - lo).max(0.0)
}

/// The unit's alliance from the members' mean alliance and the within-system alliance (`system.individual_share`).
pub fn unit_alliance(members: f32, within: Option<f32>, present: usize, w: &Weights) -> f32 {
    match within {
        Some(x) if present > 1 => {
            let k = w.system.individual_share.clamp(0.0, 1.0);
            k * members + (1.0 - k) * x
        }
        _ => members,
    }
}
