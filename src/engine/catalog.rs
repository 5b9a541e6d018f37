//! The technique catalog: every move a trainee can make, as data with its attributes and citation.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::model::{Format, Groundwork, ProcessMarker, RuptureKind};

/// The catalog file (`assets/techniques.ron`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub version: u32,
    pub techniques: Vec<Technique>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Catalog {
    /// Builds the id index; call after deserializing.
    pub fn indexed(mut self) -> Catalog {
        self.index = self
            .techniques
            .iter()
            .enumerate()
            .flat_map(|(i, t)| std::iter::once((t.id.clone(), i)).chain(t.aliases.iter().map(move |a| (a.clone(), i))))
            .collect();
        self
    }

    /// A technique by id or by one of its old ids (kept so that older scenarios still load).
    pub fn get(&self, id: &str) -> Option<&Technique> {
        self.index.get(id).map(|&i| &self.techniques[i])
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.techniques.iter().map(|t| t.id.as_str())
    }
}

/// One technique with the attributes the scoring model needs (scoring-model.md section 6).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    pub id: String,
    pub name: String,
    /// The school it comes from; `Common` for the relational moves every school shares.
    pub school: School,
    /// Other schools that also claim it.
    #[serde(default)]
    pub also: Vec<School>,
    /// 0 client-led .. 1 therapist-led.
    pub directiveness: f32,
    /// -1 insight/interpersonal .. +1 symptom/skill.
    pub focus: f32,
    /// -1 soothing/containing .. +1 evocative/arousing.
    pub arousal: f32,
    /// 0 light touch .. 1 intensive.
    pub intensity: f32,
    /// Transtheoretical processes of change it engages.
    #[serde(default)]
    pub processes: Vec<ChangeProcess>,
    /// The marker this task answers, if any.
    #[serde(default)]
    pub answers: Vec<ProcessMarker>,
    /// What the work must have in place before this move fits (a change technique needs a shared rationale,
    /// a safety plan an assessment, relapse prevention some change). Missing groundwork costs in the fit.
    #[serde(default)]
    pub needs: Vec<Groundwork>,
    /// What this move puts in place when it is made with at least a fair fit.
    #[serde(default)]
    pub provides: Vec<Groundwork>,
    /// How strong the evidence for the technique is, shown to the trainee beside its description.
    #[serde(default)]
    pub evidence: Evidence,
    /// Former ids of this technique: scenarios that use them still load.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub qualities: Qualities,
    /// How it works as a rupture repair, if it does.
    #[serde(default)]
    pub repair: Option<RepairKind>,
    /// -1 imposes the therapist's frame .. +1 adapts to the client's culture / beliefs.
    #[serde(default)]
    pub adaptation: Adaptation,
    /// Settings it is made for; empty means any.
    #[serde(default)]
    pub formats: Vec<Format>,
    #[serde(default)]
    pub rubric: Vec<RubricItem>,
    /// One paragraph a student can learn from.
    pub description: String,
    pub citation: String,
}

impl Technique {
    /// Relational moves every school shares.
    pub fn is_relational(&self) -> bool {
        self.school == School::Common
    }

    /// Every school that claims the technique: its own first, then the others.
    pub fn schools(&self) -> impl Iterator<Item = School> + '_ {
        std::iter::once(self.school).chain(self.also.iter().copied())
    }

    /// A safety move: crisis work, exempt from preference and culture penalties (nobody is penalised for
    /// being asked about suicide because they dislike a school).
    pub fn is_safety(&self) -> bool {
        self.school == School::Crisis || self.answers.contains(&ProcessMarker::SafetyConcern)
    }

    pub fn quality(&self, q: Quality) -> f32 {
        self.qualities.get(q)
    }
}

/// The strength of the evidence behind a technique (as guidelines such as NICE and APA Division 12 grade it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Evidence {
    /// Recommended first-line in guidelines for the problems it is used for.
    FirstLine,
    /// Supported by controlled trials or meta-analyses, not first-line.
    Established,
    /// Some trials; promising but limited.
    Emerging,
    /// A clinical skill or principle rather than a treatment with its own trials.
    #[default]
    ClinicalSkill,
}

impl Evidence {
    pub fn label(self) -> &'static str {
        match self {
            Evidence::FirstLine => "first-line in guidelines",
            Evidence::Established => "supported by trials",
            Evidence::Emerging => "emerging evidence",
            Evidence::ClinicalSkill => "a clinical skill shared across treatments",
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

/// The common-factor qualities a move carries (APA task force 2018), each 0..1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualities {
    #[serde(default)]
    pub empathy: f32,
    #[serde(default)]
    pub regard: f32,
    #[serde(default)]
    pub congruence: f32,
    #[serde(default)]
    pub collaboration: f32,
    #[serde(default)]
    pub goal_consensus: f32,
    /// A credible rationale for the work (treatment credibility).
    #[serde(default)]
    pub rationale: f32,
    /// Outcome expectation / hope.
    #[serde(default)]
    pub hope: f32,
    /// Asking for and using feedback on progress and the session.
    #[serde(default)]
    pub feedback: f32,
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

impl Qualities {
    pub fn get(&self, q: Quality) -> f32 {
        match q {
            Quality::Empathy => self.empathy,
            Quality::Regard => self.regard,
            Quality::Congruence => self.congruence,
            Quality::Collaboration => self.collaboration,
            Quality::GoalConsensus => self.goal_consensus,
            Quality::Rationale => self.rationale,
            Quality::Hope => self.hope,
            Quality::Feedback => self.feedback,
            Quality::Repair => 0.0,
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

/// How a technique sits with the client's culture and beliefs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adaptation {
    /// -1 imposes a frame foreign to the client .. +1 asks for and works within theirs.
    #[serde(default)]
    pub culture: f32,
    /// -1 dismisses faith .. +1 works with the client's beliefs.
    #[serde(default)]
    pub religion: f32,
}

/// Named rubric items a move touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RubricItem {
    Ctrs(CtrsItem),
    Miti(MitiItem),
    Fis(FisItem),
}

/// Cognitive Therapy Rating Scale items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CtrsItem {
    Agenda,
    Feedback,
    Understanding,
    InterpersonalEffectiveness,
    Collaboration,
    Pacing,
    GuidedDiscovery,
    KeyCognitions,
    StrategyForChange,
    ApplicationOfTechniques,
    Homework,
}

/// MITI 4.2.1 global ratings and behaviour counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MitiItem {
    CultivatingChangeTalk,
    SofteningSustainTalk,
    Partnership,
    Empathy,
    Reflection,
    Question,
}

/// Facilitative Interpersonal Skills items (Anderson et al. 2009).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FisItem {
    VerbalFluency,
    Hope,
    Persuasiveness,
    EmotionalExpression,
    Warmth,
    Empathy,
    AllianceBond,
    RuptureRepair,
}

impl RubricItem {
    pub fn label(self) -> String {
        match self {
            RubricItem::Ctrs(i) => format!("CTRS: {}", ctrs_label(i)),
            RubricItem::Miti(i) => format!("MITI: {}", miti_label(i)),
            RubricItem::Fis(i) => format!("FIS: {}", fis_label(i)),
        }
    }
}

fn ctrs_label(i: CtrsItem) -> &'static str {
    use CtrsItem::*;
    match i {
        Agenda => "agenda",
        Feedback => "feedback",
        Understanding => "understanding",
        InterpersonalEffectiveness => "interpersonal effectiveness",
        Collaboration => "collaboration",
        Pacing => "pacing and efficient use of time",
        GuidedDiscovery => "guided discovery",
        KeyCognitions => "focusing on key cognitions",
        StrategyForChange => "strategy for change",
        ApplicationOfTechniques => "application of cognitive-behavioural techniques",
        Homework => "homework",
    }
}

fn miti_label(i: MitiItem) -> &'static str {
    use MitiItem::*;
    match i {
        CultivatingChangeTalk => "cultivating change talk",
        SofteningSustainTalk => "softening sustain talk",
        Partnership => "partnership",
        Empathy => "empathy",
        Reflection => "reflection",
        Question => "question",
    }
}

fn fis_label(i: FisItem) -> &'static str {
    use FisItem::*;
    match i {
        VerbalFluency => "verbal fluency",
        Hope => "hope and positive expectations",
        Persuasiveness => "persuasiveness",
        EmotionalExpression => "emotional expression",
        Warmth => "warmth, acceptance and understanding",
        Empathy => "empathy",
        AllianceBond => "alliance bond capacity",
        RuptureRepair => "alliance rupture-repair responsiveness",
    }
}

/// Whether a repair strategy suits the kind of rupture, per the table in `assets/weights.ron`.
pub fn repair_fits(table: &[(RuptureKind, Vec<RepairKind>)], rupture: RuptureKind, kind: RepairKind) -> bool {
    table.iter().any(|(r, kinds)| *r == rupture && kinds.contains(&kind))
}
