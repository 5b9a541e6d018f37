//! The clinical vocabulary the scenario format, the technique catalog, the weights and the scoring share: schools
//! and change processes, stages of change, phases, markers, ruptures and repairs, fit bands and terms, levels.
//!
//! It depends on nothing else in the engine, so the format (`model`), the catalog and the weights each read it
//! without reading one another.

use serde::{Deserialize, Serialize};

/// Transtheoretical stages of change (Prochaska, DiClemente & Norcross 1992).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StageOfChange {
    Precontemplation,
    Contemplation,
    Preparation,
    Action,
    Maintenance,
}

impl StageOfChange {
    pub fn next(self) -> StageOfChange {
        match self {
            StageOfChange::Precontemplation => StageOfChange::Contemplation,
            StageOfChange::Contemplation => StageOfChange::Preparation,
            StageOfChange::Preparation => StageOfChange::Action,
            StageOfChange::Action | StageOfChange::Maintenance => StageOfChange::Maintenance,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StageOfChange::Precontemplation => "precontemplation",
            StageOfChange::Contemplation => "contemplation",
            StageOfChange::Preparation => "preparation",
            StageOfChange::Action => "action",
            StageOfChange::Maintenance => "maintenance",
        }
    }
}

/// The two kinds of alliance rupture (Safran & Muran).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RuptureKind {
    Withdrawal,
    Confrontation,
}

impl RuptureKind {
    pub fn label(self) -> &'static str {
        match self {
            RuptureKind::Withdrawal => "withdrawal",
            RuptureKind::Confrontation => "confrontation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Format {
    Individual,
    Couple,
    Family,
    Group,
    Child,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Individual,
        Format::Couple,
        Format::Family,
        Format::Group,
        Format::Child,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Format::Individual => "individual",
            Format::Couple => "couple",
            Format::Family => "family",
            Format::Group => "group",
            Format::Child => "child",
        }
    }
}

/// Phases of the integrative process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Phase {
    Assessment,
    Rapport,
    Formulation,
    GoalsAndPsychoeducation,
    Intervention,
    Monitoring,
    Closure,
}

impl Phase {
    /// In the order of the process, which is the order the stage graph draws them in.
    pub const ALL: [Phase; 7] = [
        Phase::Assessment,
        Phase::Rapport,
        Phase::Formulation,
        Phase::GoalsAndPsychoeducation,
        Phase::Intervention,
        Phase::Monitoring,
        Phase::Closure,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Assessment => "assessment",
            Phase::Rapport => "rapport",
            Phase::Formulation => "formulation",
            Phase::GoalsAndPsychoeducation => "goals and psychoeducation",
            Phase::Intervention => "intervention",
            Phase::Monitoring => "monitoring",
            Phase::Closure => "closure and termination",
        }
    }
}

/// Process markers: a client state that a particular task answers (Elliott et al. 2004 for the
/// process-experiential ones; the last three are the clinical markers crisis, trauma and MI work answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProcessMarker {
    ConflictSplit,
    SelfInterruption,
    UnfinishedBusiness,
    Vulnerability,
    ProblematicReaction,
    UnclearFeeling,
    SafetyConcern,
    Dissociation,
    Ambivalence,
    /// (v2) The client brings change: change talk, or an exception to the problem ("I sang", "I told them").
    ChangeTalk,
}

impl ProcessMarker {
    /// The process-experiential markers (Elliott et al. 2004), as opposed to the crisis, trauma and MI ones.
    pub fn is_experiential(self) -> bool {
        !matches!(
            self,
            ProcessMarker::SafetyConcern
                | ProcessMarker::Dissociation
                | ProcessMarker::Ambivalence
                | ProcessMarker::ChangeTalk
        )
    }

    /// The source of the marker-task pairing.
    pub fn source(self) -> &'static str {
        match self {
            ProcessMarker::SafetyConcern => "Stanley & Brown 2012; Jobes 2016",
            ProcessMarker::Dissociation => "Najavits 2002; Ogden, Minton & Pain 2006",
            ProcessMarker::Ambivalence => "Miller & Rollnick 2013",
            ProcessMarker::ChangeTalk => {
                "Miller & Rollnick 2013 (elaborate, affirm, reflect); White & Epston 1990 (unique outcomes)"
            }
            _ => "Elliott, Watson, Goldman & Greenberg 2004",
        }
    }

    pub fn label(self) -> &'static str {
        use ProcessMarker::*;
        match self {
            ConflictSplit => "conflict split",
            SelfInterruption => "self-interruption",
            UnfinishedBusiness => "unfinished business",
            Vulnerability => "vulnerability",
            ProblematicReaction => "problematic reaction point",
            UnclearFeeling => "unclear felt sense",
            SafetyConcern => "safety concern",
            Dissociation => "dissociation",
            Ambivalence => "ambivalence about change",
            ChangeTalk => "change talk",
        }
    }
}

/// Bands of fit used by conditions and feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FitBand {
    Good,
    Fair,
    Poor,
}

impl FitBand {
    pub fn label(self) -> &'static str {
        match self {
            // Match words, so that a move's fit ("a weak match") never reads like its class ("poor").
            FitBand::Good => "strong",
            FitBand::Fair => "fair",
            FitBand::Poor => "weak",
        }
    }
}

/// What the work has in place: the steps of the integrative process that later moves build on (v2).
/// Techniques declare what they need and what they provide in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Groundwork {
    /// The client's story has been heard and explored (Hill's exploration stage).
    Explored,
    /// Risk and safety have been asked about.
    RiskAssessed,
    /// A formulation has been shared and agreed with the client.
    Formulation,
    /// The client has heard and accepted a rationale for the kind of work proposed.
    Rationale,
    /// Goals have been agreed.
    Goals,
    /// The client has ways to steady themself (grounding, stabilisation) before processing.
    Stabilised,
    /// Change work has begun (skills tried, steps taken), so there is something to consolidate.
    ChangeBegun,
}

impl Groundwork {
    pub fn label(self) -> &'static str {
        match self {
            Groundwork::Explored => "the client's story explored",
            Groundwork::RiskAssessed => "risk assessed",
            Groundwork::Formulation => "a shared formulation",
            Groundwork::Rationale => "an agreed rationale",
            Groundwork::Goals => "agreed goals",
            Groundwork::Stabilised => "stabilisation",
            Groundwork::ChangeBegun => "change under way",
        }
    }

    /// The groundwork a phase of the process stands for: a session that starts in a later phase has it.
    pub fn of_phase(p: Phase) -> &'static [Groundwork] {
        match p {
            Phase::Assessment => &[Groundwork::Explored, Groundwork::RiskAssessed],
            Phase::Rapport => &[],
            Phase::Formulation => &[Groundwork::Formulation],
            Phase::GoalsAndPsychoeducation => &[Groundwork::Rationale, Groundwork::Goals],
            Phase::Intervention => &[Groundwork::ChangeBegun],
            Phase::Monitoring | Phase::Closure => &[],
        }
    }
}

/// The simulated client's course at an ending (kept apart from the trainee's score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Improved,
    Partial,
    Unchanged,
    Worse,
    Dropout,
    Referred,
}

impl Outcome {
    /// Whether the client leaves better off: improved, or partly. A referral counts as neither good nor bad by
    /// its outcome alone (made with the client in a crisis it is the right ending; made without asking, it is
    /// not), so the diagram and the analysis do not count it among the good endings.
    pub fn is_good(self) -> bool {
        matches!(self, Outcome::Improved | Outcome::Partial)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Improved => "improved",
            Outcome::Partial => "partly improved",
            Outcome::Unchanged => "unchanged",
            Outcome::Worse => "worse",
            Outcome::Dropout => "dropped out",
            Outcome::Referred => "referred on",
        }
    }
}

/// The schools the integrative literature names, plus the shared relational moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum School {
    CognitiveBehavioural,
    Psychodynamic,
    Humanistic,
    Experiential,
    Systemic,
    Mindfulness,
    Narrative,
    Somatic,
    Existential,
    Schema,
    Interpersonal,
    Dialectical,
    Motivational,
    PlayAndArt,
    Crisis,
    /// Relational moves every school shares (reflection, metacommunication, rationale...).
    Common,
}

impl School {
    /// Every school in display order (the relational moves every school shares first), not the order of the
    /// declaration: the session screen groups the moves it offers under their schools in this order.
    pub const ALL: [School; 16] = [
        School::Common,
        School::CognitiveBehavioural,
        School::Psychodynamic,
        School::Humanistic,
        School::Experiential,
        School::Systemic,
        School::Mindfulness,
        School::Narrative,
        School::Somatic,
        School::Existential,
        School::Schema,
        School::Interpersonal,
        School::Dialectical,
        School::Motivational,
        School::PlayAndArt,
        School::Crisis,
    ];

    pub fn label(self) -> &'static str {
        match self {
            School::CognitiveBehavioural => "cognitive-behavioural",
            School::Psychodynamic => "psychodynamic",
            School::Humanistic => "humanistic / person-centred",
            School::Experiential => "experiential / emotion-focused",
            School::Systemic => "systemic / family",
            School::Mindfulness => "mindfulness and mind-body",
            School::Narrative => "narrative",
            School::Somatic => "somatic",
            School::Existential => "existential",
            School::Schema => "schema",
            School::Interpersonal => "interpersonal",
            School::Dialectical => "dialectical-behavioural",
            School::Motivational => "motivational interviewing",
            School::PlayAndArt => "play, art and story",
            School::Crisis => "crisis intervention",
            School::Common => "relational (all schools)",
        }
    }
}

/// Transtheoretical processes of change (Prochaska, DiClemente & Norcross 1992).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ChangeProcess {
    ConsciousnessRaising,
    DramaticRelief,
    EnvironmentalReevaluation,
    SelfReevaluation,
    SelfLiberation,
    Counterconditioning,
    StimulusControl,
    ReinforcementManagement,
    HelpingRelationships,
    SocialLiberation,
}

impl ChangeProcess {
    pub fn label(self) -> &'static str {
        use ChangeProcess::*;
        match self {
            ConsciousnessRaising => "consciousness raising",
            DramaticRelief => "dramatic relief",
            EnvironmentalReevaluation => "environmental reevaluation",
            SelfReevaluation => "self-reevaluation",
            SelfLiberation => "self-liberation",
            Counterconditioning => "counterconditioning",
            StimulusControl => "stimulus control",
            ReinforcementManagement => "reinforcement management",
            HelpingRelationships => "helping relationships",
            SocialLiberation => "social liberation",
        }
    }
}

/// Names of the common-factor qualities, as weight keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Quality {
    Empathy,
    Regard,
    Congruence,
    Collaboration,
    GoalConsensus,
    Rationale,
    Hope,
    Feedback,
    /// Rupture repair: counts only while a rupture is open.
    Repair,
}

impl Quality {
    pub const ALL: [Quality; 9] = [
        Quality::Empathy,
        Quality::Regard,
        Quality::Congruence,
        Quality::Collaboration,
        Quality::GoalConsensus,
        Quality::Rationale,
        Quality::Hope,
        Quality::Feedback,
        Quality::Repair,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Quality::Empathy => "empathy",
            Quality::Regard => "positive regard",
            Quality::Congruence => "congruence",
            Quality::Collaboration => "collaboration",
            Quality::GoalConsensus => "goal consensus",
            Quality::Rationale => "treatment credibility (rationale)",
            Quality::Hope => "outcome expectation / hope",
            Quality::Feedback => "progress feedback",
            Quality::Repair => "rupture repair",
        }
    }
}

/// Repair strategies (Safran & Muran; Eubanks, Muran & Safran 2018).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RepairKind {
    /// Immediate: explain the rationale of the task.
    Rationale,
    /// Immediate: change the task or the goal.
    ChangeTask,
    /// Immediate: clarify a misunderstanding.
    Clarify,
    /// Exploratory: talk about what is happening between you; own your part.
    Metacommunication,
    /// Exploratory: explore the client's experience of the rupture.
    ExploreRupture,
}

impl RepairKind {
    pub fn label(self) -> &'static str {
        match self {
            RepairKind::Rationale => "immediate repair: giving a rationale",
            RepairKind::ChangeTask => "immediate repair: changing the task or goal",
            RepairKind::Clarify => "immediate repair: clarifying a misunderstanding",
            RepairKind::Metacommunication => "exploratory repair: metacommunication",
            RepairKind::ExploreRupture => "exploratory repair: exploring the rupture",
        }
    }
}

/// The terms of the fit (`scenarios/SCORING-MODEL.md` section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FitTerm {
    Reactance,
    Coping,
    Arousal,
    Intensity,
    Stage,
    Preference,
    Culture,
    Religion,
    Marker,
    /// Where the work is: a move before the groundwork it needs.
    Timing,
}

impl FitTerm {
    pub const ALL: [FitTerm; 10] = [
        FitTerm::Reactance,
        FitTerm::Coping,
        FitTerm::Arousal,
        FitTerm::Intensity,
        FitTerm::Stage,
        FitTerm::Preference,
        FitTerm::Culture,
        FitTerm::Religion,
        FitTerm::Marker,
        FitTerm::Timing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FitTerm::Reactance => "reactance and directiveness",
            FitTerm::Coping => "coping style and focus",
            FitTerm::Arousal => "distress and arousal",
            FitTerm::Intensity => "impairment and intensity",
            FitTerm::Stage => "stage of change",
            FitTerm::Preference => "client preferences",
            FitTerm::Culture => "cultural adaptation",
            FitTerm::Religion => "religion and spirituality",
            FitTerm::Marker => "marker and task",
            FitTerm::Timing => "timing in the process",
        }
    }
}

/// The mix of fit, alliance change and common factors in a choice's score (`scenarios/SCORING-MODEL.md` section 6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreMix {
    pub fit: f32,
    pub alliance: f32,
    pub common_factors: f32,
}

/// Where a 0-to-1 figure of the client (distress, reactance, impairment, salience...) sits: this model's three
/// bands of every such scale, one home for the thresholds the fit's words and the briefing both use (low to .35,
/// high from .65; the width of one band, not a published cut-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Low,
    Moderate,
    High,
}

impl Level {
    /// "low", "moderate" or "high", as the feedback says it.
    pub fn word(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Low => "low",
            Level::Moderate => "moderate",
        }
    }

    pub fn of(x: f32) -> Level {
        if x >= 0.65 {
            Level::High
        } else if x <= 0.35 {
            Level::Low
        } else {
            Level::Moderate
        }
    }
}

/// Where a figure on a -1..+1 axis leans (coping style, focus, arousal, cultural adaptation): past ±0.2 it
/// leans one way (a tenth of the axis on either side of zero; the width of one band, not a published cut-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lean {
    Minus,
    Neither,
    Plus,
}

impl Lean {
    pub const MARGIN: f32 = 0.2;

    pub fn of(x: f32) -> Lean {
        if x > Lean::MARGIN {
            Lean::Plus
        } else if x < -Lean::MARGIN {
            Lean::Minus
        } else {
            Lean::Neither
        }
    }

    /// The word for each way it leans.
    pub fn pick<T>(self, minus: T, neither: T, plus: T) -> T {
        match self {
            Lean::Minus => minus,
            Lean::Neither => neither,
            Lean::Plus => plus,
        }
    }
}
