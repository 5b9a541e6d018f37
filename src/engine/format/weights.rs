//! Default weights and rates of the scoring model, loaded from `assets/weights.ron` with their citations.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::format::scenario::WeightOverrides;
use crate::engine::vocab::{
    ChangeProcess, FitBand, FitTerm, Phase, Quality, RepairKind, RuptureKind, ScoreMix, StageOfChange,
};

/// Where a weight comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// An effect size from a meta-analysis, used as a relative weight.
    MetaAnalysis,
    /// A clinical rule with no meta-analytic effect: the value is an educator's setting.
    EducatorSet,
}

/// A weight with its provenance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    pub value: f32,
    /// The effect as published, e.g. "d = .79".
    #[serde(default)]
    pub effect: String,
    pub source: String,
    pub basis: Basis,
}

impl Weight {
    /// "Beutler et al. 2018" from "Beutler, Edwards & Someah 2018, J Clin Psychol 74(11)".
    pub fn short_source(&self) -> String {
        let src = self.source.trim_start_matches("scenario override (");
        let first = src.split([',', ' ', '&']).next().unwrap_or(src);
        let year = src
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")));
        let head = &src[..year.and_then(|y| src.find(y)).unwrap_or(src.len())];
        let many = head.contains(',') || head.contains('&');
        match year {
            Some(y) if many => format!("{first} et al. {y}"),
            Some(y) => format!("{first} {y}"),
            None => first.to_owned(),
        }
    }
}

/// Rates of the alliance update and rupture rules (`scenarios/SCORING-MODEL.md` section 2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllianceRules {
    pub eta_bond: f32,
    pub eta_task: f32,
    pub eta_goal: f32,
    pub rationale_bonus: f32,
    /// A rupture opens when fit falls below this...
    pub rupture_fit: f32,
    /// ...or any alliance component drops by more than this.
    pub rupture_delta: f32,
    /// Reactance state at or above which a rupture is a confrontation.
    pub confrontation_reactance: f32,
    /// Reactance state at or below which a rupture is a withdrawal; between the two, the client's style decides.
    pub withdrawal_reactance: f32,
    /// Loss of each alliance component per stage while a rupture stays open.
    pub open_decay: f32,
    /// Dropout risk added per stage while a rupture stays open.
    pub open_dropout: f32,
    pub repair_base: f32,
    pub repair_strategy_bonus: f32,
    pub repair_metacommunication_bonus: f32,
    /// Added to each component above its pre-rupture level when a repair succeeds.
    pub repair_gain: f32,
    /// Which repair strategies suit which rupture.
    pub repair_fit: Vec<(RuptureKind, Vec<RepairKind>)>,
    pub sources: Vec<String>,
}

/// How the client's state moves with each move.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRules {
    /// Reactance state change per unit of (2D-1) times trait reactance.
    pub reactance_rise: f32,
    /// Pull of reactance state back toward its trait per stage.
    pub reactance_settle: f32,
    /// Distress change per unit of arousal.
    pub distress_per_arousal: f32,
    /// Progress toward the next stage of change from one well-fitting, stage-matched move.
    pub stage_progress: f32,
    /// At most this many stages of change in one session.
    pub stage_moves_per_session: u32,
    /// Distress above which even a prepared processing move overwhelms (the window of tolerance).
    pub window_of_tolerance: f32,
    pub sources: Vec<String>,
}

/// Which common factors each moment calls for (the relationship factors always).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentFactors {
    pub always: Vec<Quality>,
    pub phases: BTreeMap<Phase, Vec<Quality>>,
    pub sources: Vec<String>,
}

/// How the simulated client reports the Session Rating Scale.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrsRules {
    /// The alliance component at which a client rates an item 10 of 10.
    pub ceiling_at: f32,
    /// Added to each item (as a share of 10) per unit of compliance, unless a confrontation is open.
    pub politeness: f32,
    /// A total below this is flagged.
    pub cutoff: f32,
    /// A drop of this much since the last rating is flagged.
    pub drop_flag: f32,
    pub sources: Vec<String>,
}

/// How several people in the room weigh in the score (couple, family and group work).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemRules {
    /// The alliance-outcome correlation in couple and family therapy.
    pub alliance_r: f32,
    /// The split alliance-outcome correlation (a wider split, a poorer outcome).
    pub split_r: f32,
    /// The share of the unit's alliance carried by the members' individual alliances; the rest is the
    /// within-system alliance (SOFTA: two individual and two systemic dimensions).
    pub individual_share: f32,
    /// A split at least this wide is shown as a split alliance.
    pub split_flag: f32,
    pub sources: Vec<String>,
}

impl SystemRules {
    /// How much a change in split counts against the same change in alliance.
    pub fn split_weight(&self) -> f32 {
        if self.alliance_r > 0.0 {
            self.split_r / self.alliance_r
        } else {
            0.0
        }
    }
}

/// How a move is classified against the best move open at its stage, by its loss in score points.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classes {
    /// Within this many points of the best: counted best.
    pub best: f32,
    /// Within this many: good.
    pub good: f32,
    /// Within this many: questionable; beyond it: poor.
    pub questionable: f32,
    /// Per-move accuracy = a * exp(-b * loss) + c, clamped to 0..100.
    pub accuracy: (f32, f32, f32),
    pub sources: Vec<String>,
}

/// The whole weights file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub version: u32,
    pub fit: BTreeMap<FitTerm, Weight>,
    pub common_factors: BTreeMap<Quality, Weight>,
    pub score: ScoreMix,
    /// Alliance change (mean of goal, task, bond) that counts as a full +1 or -1 in the score.
    pub alliance_norm: f32,
    pub alliance: AllianceRules,
    pub state: StateRules,
    pub moment: MomentFactors,
    pub srs: SrsRules,
    pub system: SystemRules,
    pub classes: Classes,
    /// TTM: +1 the process moves a client on from this stage, -1 it is mismatched, missing = 0.
    pub stage_table: BTreeMap<StageOfChange, BTreeMap<ChangeProcess, i8>>,
}

impl Weights {
    /// The band of a fit: poor below the rupture threshold (`alliance.rupture_fit`: a move that fits this badly
    /// opens a rupture), good from its mirror above zero, fair between (`scenarios/SCORING-MODEL.md` section 2).
    /// The feedback, the debrief, the conditions and the app all read bands from here.
    pub fn band(&self, fit: f32) -> FitBand {
        let poor = self.alliance.rupture_fit;
        if fit < poor {
            FitBand::Poor
        } else if fit >= -poor {
            FitBand::Good
        } else {
            FitBand::Fair
        }
    }

    pub fn fit_weight(&self, t: FitTerm) -> f32 {
        self.fit.get(&t).map_or(0.0, |w| w.value)
    }

    pub fn cf_weight(&self, q: Quality) -> f32 {
        self.common_factors.get(&q).map_or(0.0, |w| w.value)
    }

    pub fn stage_match(&self, stage: StageOfChange, p: ChangeProcess) -> i8 {
        self.stage_table
            .get(&stage)
            .and_then(|m| m.get(&p))
            .copied()
            .unwrap_or(0)
    }

    /// The defaults with a scenario's overrides applied.
    pub fn with_overrides(&self, o: Option<&WeightOverrides>) -> Weights {
        let mut w = self.clone();
        if let Some(o) = o {
            for (term, v) in &o.fit {
                if let Some(entry) = w.fit.get_mut(term) {
                    entry.value = *v;
                    entry.basis = Basis::EducatorSet;
                    entry.source = format!("scenario override ({})", entry.source);
                }
            }
            for (q, v) in &o.common_factors {
                if let Some(entry) = w.common_factors.get_mut(q) {
                    entry.value = *v;
                    entry.basis = Basis::EducatorSet;
                    entry.source = format!("scenario override ({})", entry.source);
                }
            }
            if let Some(mix) = o.score {
                w.score = mix;
            }
        }
        w
    }
}
