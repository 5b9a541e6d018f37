//! The scenario format (version 2; version-1 files load with defaults): the types an educator writes in a RON file.
//!
//! Everything here is plain data. Transitions and guards use the small typed condition language
//! in [`Condition`]; there is no code in a scenario file, so the checker, the graph and the
//! analysis see everything a session can do.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::vocab::{
    ChangeProcess, FitBand, Format, Groundwork, Outcome, Phase, ProcessMarker, RuptureKind, School, StageOfChange,
};

/// The id of the one person in a scenario without `people`.
pub const SOLE: &str = "client";

/// The newest format version this engine reads and writes.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format version still read (its files load with defaults for what it lacks).
pub const OLDEST_VERSION: u32 = 1;

/// Where each id of a scenario sits (see [`Scenario::stage`]); the first of two stages with one id, as a search
/// of the list finds it.
#[derive(Debug, Clone, Default)]
pub struct Index {
    stages: std::collections::HashMap<String, usize>,
    endings: std::collections::HashMap<String, usize>,
}

impl Index {
    fn of(s: &Scenario) -> Index {
        let first = |ids: Vec<&str>| {
            let mut map = std::collections::HashMap::with_capacity(ids.len());
            for (i, id) in ids.into_iter().enumerate() {
                map.entry(id.to_owned()).or_insert(i);
            }
            map
        };
        Index {
            stages: first(s.stages.iter().map(|st| st.id.as_str()).collect()),
            endings: first(s.endings.iter().map(|e| e.id.as_str()).collect()),
        }
    }
}

/// One branching client scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Format version: [`OLDEST_VERSION`] to [`FORMAT_VERSION`].
    pub version: u32,
    /// Stable id of the scenario (records and golden scripts refer to it).
    pub id: String,
    pub meta: Meta,
    pub client: ClientProfile,
    /// (v2) The people in the room when there is more than one (partners, a parent and child, a family, a
    /// group). Left out, the client is the one person. Each person's profile falls back to the client block.
    #[serde(default)]
    pub people: Vec<Person>,
    /// Per-scenario changes to the default weights of `assets/weights.ron`.
    #[serde(default)]
    pub weights: Option<WeightOverrides>,
    /// Variables the conditions and effects may read and write.
    #[serde(default)]
    pub variables: Vec<Variable>,
    /// Id of the first stage.
    pub start: String,
    /// (v2) What the work already holds when this session starts (a later session of a therapy has its
    /// formulation and goals). Left out, it is read from the first stage's phase: every phase before it is done.
    #[serde(default)]
    pub groundwork: Option<Vec<Groundwork>>,
    /// (v2) What a competent session must have done by its end (for example `RiskAssessed` where the material
    /// calls for a safety check). A session that ends without it lists it in red and cannot read as good.
    #[serde(default)]
    pub requires: Vec<Groundwork>,
    /// (v2) Moves the trainee can make at every stage, such as a safety check; the scenario says what the
    /// client answers. Each is offered once per stage and, unless it has a `next`, the stage goes on.
    #[serde(default)]
    pub standing: Vec<Choice>,
    pub stages: Vec<Stage>,
    pub endings: Vec<Ending>,
    /// Where each stage and ending id sits in `stages` and `endings`, built on the first lookup: a session looks
    /// up its stage at every move, and a search of the list made a long play quadratic. Not part of the file.
    #[serde(skip)]
    pub index: std::sync::OnceLock<Index>,
}

/// What the library card and the briefing show.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub learning_objectives: Vec<String>,
    /// Population tags, e.g. "adult", "adolescent", "older adult".
    #[serde(default)]
    pub population: Vec<String>,
    /// Setting tags, e.g. "outpatient", "university counselling".
    #[serde(default)]
    pub setting_tags: Vec<String>,
    pub difficulty: Difficulty,
    /// Shown before the scenario starts (e.g. "mentions self-harm").
    #[serde(default)]
    pub content_notes: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// The integration mode this scenario is built to teach.
    pub integration_mode: IntegrationMode,
    /// Rough length of a play-through, for the library card.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// (v2) Show the trainee each option's words without the technique's name, so the menu does not give the
    /// answer away in class (the name is shown in the feedback after the choice).
    #[serde(default)]
    pub hide_technique_names: bool,
}

/// How hard a scenario is for a trainee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Difficulty {
    Introductory,
    Intermediate,
    Advanced,
}

impl Difficulty {
    /// From the easiest, the order the library's filter lists them in.
    pub const ALL: [Difficulty; 3] = [Difficulty::Introductory, Difficulty::Intermediate, Difficulty::Advanced];

    pub fn label(self) -> &'static str {
        match self {
            Difficulty::Introductory => "introductory",
            Difficulty::Intermediate => "intermediate",
            Difficulty::Advanced => "advanced",
        }
    }
}

/// The ways of integrating that the source texts name (`scenarios/SCORING-MODEL.md` section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum IntegrationMode {
    TechnicalEclecticism,
    Theoretical,
    Assimilative,
    Sequential,
    CommonFactors,
    Multitheoretical,
    Transcultural,
    ProcessExperiential,
}

impl IntegrationMode {
    pub const ALL: [IntegrationMode; 8] = [
        IntegrationMode::TechnicalEclecticism,
        IntegrationMode::Theoretical,
        IntegrationMode::Assimilative,
        IntegrationMode::Sequential,
        IntegrationMode::CommonFactors,
        IntegrationMode::Multitheoretical,
        IntegrationMode::Transcultural,
        IntegrationMode::ProcessExperiential,
    ];

    pub fn label(self) -> &'static str {
        match self {
            IntegrationMode::TechnicalEclecticism => "technical eclecticism",
            IntegrationMode::Theoretical => "theoretical integration",
            IntegrationMode::Assimilative => "assimilative integration",
            IntegrationMode::Sequential => "sequential integration",
            IntegrationMode::CommonFactors => "common-factors integration",
            IntegrationMode::Multitheoretical => "multitheoretical integration",
            IntegrationMode::Transcultural => "transcultural integration",
            IntegrationMode::ProcessExperiential => "process-experiential integration",
        }
    }
}

/// The client as the intake describes them (`scenarios/SCORING-MODEL.md` section 6).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientProfile {
    pub name: String,
    pub age: u32,
    #[serde(default)]
    pub pronouns: String,
    /// History and context, as an intake note would give it.
    pub history: String,
    pub presenting_concerns: Vec<String>,
    pub reactance: Reactance,
    /// -1 internalizing .. +1 externalizing.
    pub coping_style: f32,
    /// Subjective distress, 0..1.
    pub distress: f32,
    /// Functional impairment, 0..1.
    pub impairment: f32,
    /// The transtheoretical stage for the behaviour the work aims to change. (v2) Leave it out where no
    /// behaviour change is the target (a crisis, a young child, grief): the stage term is then switched off.
    #[serde(default)]
    pub stage_of_change: Option<StageOfChange>,
    /// (v2) Compliance, 0..1: agreeing outwardly without owning the work ("whatever you think is best").
    /// Distinct from low reactance: it does not make direction fit better, it hides ruptures as appeasing
    /// agreement and inflates what the client reports (Safran & Muran 2000).
    #[serde(default)]
    pub compliance: f32,
    #[serde(default)]
    pub preferences: Preferences,
    #[serde(default)]
    pub culture: Culture,
    /// How much religion or spirituality matters to the client, 0..1.
    #[serde(default)]
    pub religion_salience: f32,
    /// How this client tends to rupture when the alliance strains.
    pub rupture_style: RuptureKind,
    /// Outcome expectancy, 0..1.
    pub expectancy: f32,
    /// Starting alliance.
    pub alliance: Alliance,
    pub setting: Setting,
    /// How the app draws the client.
    #[serde(default)]
    pub look: Look,
    /// (v2, with `people`) The room's shared sense of purpose and safety at the start, 0..1 (SOFTA's two
    /// systemic dimensions). Left out, the mean of the people's goal agreement.
    #[serde(default)]
    pub within_system: Option<f32>,
}

/// (v2) One person in the room. Every field but the id, name and age falls back to the client block.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Stable id, used by addressees, speakers and conditions.
    pub id: String,
    pub name: String,
    pub age: u32,
    #[serde(default)]
    pub pronouns: String,
    /// Their place in the case: "partner", "mother", "group member".
    #[serde(default)]
    pub role: String,
    /// Their own account, for the briefing.
    #[serde(default)]
    pub history: String,
    #[serde(default)]
    pub reactance: Option<Reactance>,
    #[serde(default)]
    pub coping_style: Option<f32>,
    #[serde(default)]
    pub distress: Option<f32>,
    #[serde(default)]
    pub impairment: Option<f32>,
    #[serde(default)]
    pub stage_of_change: Option<StageOfChange>,
    #[serde(default)]
    pub compliance: Option<f32>,
    #[serde(default)]
    pub preferences: Option<Preferences>,
    #[serde(default)]
    pub culture: Option<Culture>,
    #[serde(default)]
    pub religion_salience: Option<f32>,
    #[serde(default)]
    pub rupture_style: Option<RuptureKind>,
    #[serde(default)]
    pub expectancy: Option<f32>,
    #[serde(default)]
    pub alliance: Option<Alliance>,
    #[serde(default)]
    pub look: Option<Look>,
}

/// The age up to which a person rates the session on the Child Session Rating Scale (Duncan, Miller &
/// Sparks 2003: the CSRS is for children aged 6 to 12).
pub const CHILD_AGE: u32 = 12;

impl Person {
    /// The person's full profile: their own fields, the client block's where they left one out.
    pub fn profile(&self, case: &ClientProfile) -> ClientProfile {
        let c = case.clone();
        ClientProfile {
            name: self.name.clone(),
            age: self.age,
            pronouns: self.pronouns.clone(),
            history: if self.history.is_empty() {
                c.history
            } else {
                self.history.clone()
            },
            presenting_concerns: c.presenting_concerns,
            reactance: self.reactance.unwrap_or(c.reactance),
            coping_style: self.coping_style.unwrap_or(c.coping_style),
            distress: self.distress.unwrap_or(c.distress),
            impairment: self.impairment.unwrap_or(c.impairment),
            stage_of_change: self.stage_of_change.or(c.stage_of_change),
            compliance: self.compliance.unwrap_or(c.compliance),
            preferences: self.preferences.clone().unwrap_or(c.preferences),
            culture: self.culture.clone().unwrap_or(c.culture),
            religion_salience: self.religion_salience.unwrap_or(c.religion_salience),
            rupture_style: self.rupture_style.unwrap_or(c.rupture_style),
            expectancy: self.expectancy.unwrap_or(c.expectancy),
            alliance: self.alliance.unwrap_or(c.alliance),
            setting: c.setting,
            look: self.look.clone().unwrap_or(c.look),
            within_system: None,
        }
    }
}

/// Reactance as a trait and as a state that moves during the session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reactance {
    #[serde(rename = "trait")]
    pub trait_level: f32,
    pub state: f32,
}

/// What the client prefers or dislikes; honoured in the fit (Swift et al. 2011).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    #[serde(default)]
    pub likes: Vec<Preference>,
    #[serde(default)]
    pub dislikes: Vec<Preference>,
    /// How strongly the client holds these preferences, 0..1.
    #[serde(default)]
    pub strength: f32,
    /// The preference in the client's own terms, for the briefing.
    #[serde(default)]
    pub note: String,
}

/// A preference names a school or a single technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preference {
    School(School),
    Technique(String),
}

/// Cultural identity as it bears on the work.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Culture {
    #[serde(default)]
    pub tags: Vec<String>,
    /// How the client explains their distress, in their terms.
    #[serde(default)]
    pub explanatory_model: String,
    /// How much culture shapes the meaning of the problem, 0..1.
    #[serde(default)]
    pub salience: f32,
}

/// Bordin's working alliance: agreement on goals and tasks, and the bond; each 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alliance {
    pub goal: f32,
    pub task: f32,
    pub bond: f32,
}

impl Alliance {
    pub fn mean(&self) -> f32 {
        (self.goal + self.task + self.bond) / 3.0
    }

    pub fn clamped(self) -> Alliance {
        Alliance {
            goal: self.goal.clamp(0.0, 1.0),
            task: self.task.clamp(0.0, 1.0),
            bond: self.bond.clamp(0.0, 1.0),
        }
    }

    pub fn apply(self, d: AllianceDelta) -> Alliance {
        Alliance {
            goal: self.goal + d.goal,
            task: self.task + d.task,
            bond: self.bond + d.bond,
        }
        .clamped()
    }

    pub fn minus(self, before: Alliance) -> AllianceDelta {
        AllianceDelta {
            goal: self.goal - before.goal,
            task: self.task - before.task,
            bond: self.bond - before.bond,
        }
    }
}

/// A change to the alliance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllianceDelta {
    #[serde(default)]
    pub goal: f32,
    #[serde(default)]
    pub task: f32,
    #[serde(default)]
    pub bond: f32,
}

impl AllianceDelta {
    pub fn mean(&self) -> f32 {
        (self.goal + self.task + self.bond) / 3.0
    }

    pub fn min(&self) -> f32 {
        self.goal.min(self.task).min(self.bond)
    }
}

/// Who is in the room, and whether the room is a screen.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    pub format: Format,
    pub delivery: Delivery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Delivery {
    InPerson,
    Remote,
}

impl Delivery {
    pub fn label(self) -> &'static str {
        match self {
            Delivery::InPerson => "in person",
            Delivery::Remote => "remote (video)",
        }
    }
}

/// Colours for the drawn client, as "#rrggbb". Empty means the app's default.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Look {
    #[serde(default)]
    pub skin: String,
    #[serde(default)]
    pub hair: String,
    #[serde(default)]
    pub clothing: String,
    /// Optional portrait image, relative to the scenario file.
    #[serde(default)]
    pub portrait: Option<String>,
}

impl Look {
    /// The red, green and blue of a "#rrggbb" colour; `None` for anything else.
    pub fn rgb(hex: &str) -> Option<[u8; 3]> {
        let h = hex.strip_prefix('#')?;
        if h.len() != 6 || !h.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some([byte(0)?, byte(2)?, byte(4)?])
    }
}

/// A variable the scenario declares for its conditions and effects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub id: String,
    pub initial: Value,
    #[serde(default)]
    pub description: String,
}

/// A typed value of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Bool(bool),
    Number(f32),
}

impl Value {
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Bool(_) => "Bool",
            Value::Number(_) => "Number",
        }
    }
}

/// One decision point: the client speaks, the trainee picks a move.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: String,
    pub phase: Phase,
    #[serde(default)]
    pub title: String,
    /// What the client says; one variant is picked by the session's seeded RNG.
    pub client: Vec<Line>,
    /// What the client shows without words at this stage.
    #[serde(default)]
    pub nonverbal: String,
    /// What the client says instead while a rupture of that kind is open.
    #[serde(default)]
    pub rupture_lines: Vec<RuptureLine>,
    /// Rupture and process markers present at this stage.
    #[serde(default)]
    pub markers: Vec<Marker>,
    /// (v2) The client's distress on entering this stage, when the script says so ("my heart's going
    /// like mad"): scripted flooding counts in the fit of every move here.
    #[serde(default)]
    pub distress: Option<f32>,
    /// (v2) The client's reactance state on entering this stage, when the script says so.
    #[serde(default)]
    pub reactance: Option<f32>,
    /// (v2) The client's stage of change as this stage opens, when the story has moved it (a later session).
    #[serde(default)]
    pub stage_of_change: Option<StageOfChange>,
    /// (v2) Work done off-screen before this stage opens (between sessions): "three sessions later, with a
    /// shared formulation" is `assumes: [Formulation]`.
    #[serde(default)]
    pub assumes: Vec<Groundwork>,
    /// The choices open to the trainee here; the file calls them `options`.
    #[serde(rename = "options")]
    pub choices: Vec<Choice>,
    /// (v2) Who is in the room at this stage (person ids); empty means everyone.
    #[serde(default)]
    pub present: Vec<String>,
    /// (v2) Whose lines, markers, distress and rupture lines these are; default the first person present.
    #[serde(default)]
    pub speaker: Option<String>,
    /// (v2) Another person's words or non-verbal in the same moment, with their own markers.
    #[serde(default)]
    pub also: Vec<Aside>,
    /// Evaluated in order after a choice with no `next`; the first that holds wins.
    #[serde(default)]
    pub transitions: Vec<Transition>,
}

/// (v2) What another person in the room says or shows while the speaker speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aside {
    pub person: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub nonverbal: String,
    #[serde(default)]
    pub markers: Vec<Marker>,
    /// Their distress at this moment, when the script says so (a mother who looks rested at last).
    #[serde(default)]
    pub distress: Option<f32>,
}

/// (v2) Whom a move is addressed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Addressee {
    /// The trainee turns the move to whoever they choose (everyone unless they choose).
    #[default]
    Anyone,
    /// The whole room.
    Everyone,
    /// These people, as the words say.
    People(Vec<String>),
}

/// A client line with a stable id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub id: String,
    pub text: String,
    /// (v2) Conditional text: the line is said only when this holds (a variable, a repaired rupture, the move just
    /// made with `JustChose("option")` or `JustUsed("technique")`). The first line whose condition holds is said;
    /// when none does, one of the lines without `when` (variants, picked by the seeded generator).
    #[serde(default)]
    pub when: Option<Condition>,
    /// (v2) What the trainee sees with this line, in place of the stage's `nonverbal`.
    #[serde(default)]
    pub nonverbal: Option<String>,
}

/// A client line that shows a rupture's markers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuptureLine {
    pub id: String,
    pub kind: RuptureKind,
    pub text: String,
    /// (v2) The process markers this line shows in place of the stage's, where the rupture hides what the
    /// stage's words disclose (`markers: []`: a cue the trainee never saw cannot be missed). Left out, the
    /// stage's markers stand (its non-verbal may still show them).
    #[serde(default)]
    pub markers: Option<Vec<Marker>>,
    /// (v2) Conditional repair wording: said only when this holds (what caused the rupture, say
    /// `JustChose("x.interpret")`), picked before the rupture lines without `when`.
    #[serde(default)]
    pub when: Option<Condition>,
}

/// Something the trainee should notice in the client's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Marker {
    /// A rupture marker: entering a stage that shows one opens a rupture of its kind.
    Rupture(RuptureMarker),
    /// A process marker that a specific task answers.
    Process(ProcessMarker),
}

/// Rupture markers (Safran & Muran; Eubanks, Muran & Safran 2018).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RuptureMarker {
    // Withdrawal
    Denial,
    MinimalResponse,
    AbstractTalk,
    TopicShift,
    Deference,
    ContentAffectSplit,
    SelfCriticism,
    // Confrontation
    ComplaintAboutTherapist,
    ComplaintAboutTask,
    ComplaintAboutProgress,
    RejectsIntervention,
    ControlsSession,
}

impl RuptureMarker {
    pub fn kind(self) -> RuptureKind {
        use RuptureMarker::*;
        match self {
            Denial | MinimalResponse | AbstractTalk | TopicShift | Deference | ContentAffectSplit | SelfCriticism => {
                RuptureKind::Withdrawal
            }
            ComplaintAboutTherapist
            | ComplaintAboutTask
            | ComplaintAboutProgress
            | RejectsIntervention
            | ControlsSession => RuptureKind::Confrontation,
        }
    }

    pub fn label(self) -> &'static str {
        use RuptureMarker::*;
        match self {
            Denial => "denies being upset",
            MinimalResponse => "minimal response",
            AbstractTalk => "abstract, intellectualised talk",
            TopicShift => "shifts the topic",
            Deference => "defers or appeases",
            ContentAffectSplit => "words and feeling do not match",
            SelfCriticism => "turns on themself",
            ComplaintAboutTherapist => "complains about the therapist",
            ComplaintAboutTask => "complains about the task",
            ComplaintAboutProgress => "complains about progress",
            RejectsIntervention => "rejects the intervention",
            ControlsSession => "tries to control the session",
        }
    }
}

/// A move the trainee can make at a stage: a catalog technique plus the author's overrides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    /// Id of a technique in the catalog.
    pub technique: String,
    /// What the therapist says or does, in this client's context.
    #[serde(default)]
    pub say: String,
    /// (v2) Whom the move is addressed to, where more than one person is in the room.
    #[serde(default)]
    pub to: Addressee,
    /// The author's teaching note, shown with the computed feedback.
    #[serde(default)]
    pub feedback: String,
    /// (v2) The quality the author intends this move to have here; `rapport check` holds the engine to it.
    #[serde(default)]
    pub intent: Option<Intent>,
    /// (v2) How the technique is delivered in this option's words (imposed, chosen together, premature...).
    /// The scoring reads it, so a fit override is rarely needed.
    #[serde(default)]
    pub manner: Vec<Manner>,
    /// (v2) What the client answers right after this move, before the session moves on.
    #[serde(default)]
    pub reply: Option<String>,
    /// Replaces the computed fit (-1..1) when the author knows better; say why in `reason`.
    #[serde(default)]
    pub fit: Option<f32>,
    /// (v2) Why the fit or alliance is overridden, shown to the trainee with the override.
    #[serde(default)]
    pub reason: String,
    /// Replaces the computed alliance change.
    #[serde(default)]
    pub alliance: Option<AllianceDelta>,
    /// Forces the next stage or ending, skipping the stage's transitions.
    #[serde(default)]
    pub next: Option<String>,
    /// The option is offered only while this holds.
    #[serde(default)]
    pub when: Option<Condition>,
    /// Changes to variables when this option is chosen.
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// A change to a declared variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    Set(String, Value),
    Add(String, f32),
}

impl Effect {
    pub fn variable(&self) -> &str {
        match self {
            Effect::Set(v, _) | Effect::Add(v, _) => v,
        }
    }
}

/// Where the session goes after a stage, and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    #[serde(default)]
    pub when: Option<Condition>,
    /// A stage id or an ending id.
    pub to: String,
}

/// A comparison against a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Cmp {
    AtLeast(f32),
    Below(f32),
}

impl Cmp {
    pub fn holds(self, x: f32) -> bool {
        match self {
            Cmp::AtLeast(t) => x >= t,
            Cmp::Below(t) => x < t,
        }
    }

    pub fn threshold(self) -> f32 {
        match self {
            Cmp::AtLeast(t) | Cmp::Below(t) => t,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Cmp::AtLeast(t) => format!(">= {t}"),
            Cmp::Below(t) => format!("< {t}"),
        }
    }
}

/// The condition language of transitions and guards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// The mean of goal, task and bond.
    Alliance(Cmp),
    Goal(Cmp),
    Task(Cmp),
    Bond(Cmp),
    /// A rupture is open now (of any kind).
    RuptureOpen,
    /// A rupture of this kind is open now.
    RuptureOpenOf(RuptureKind),
    /// At least one rupture has been repaired in this session.
    RuptureRepaired,
    /// The fit band of the last move.
    LastFit(FitBand),
    /// The primary school of the last move's technique.
    LastSchool(School),
    /// The last move used this TTM process of change.
    LastProcess(ChangeProcess),
    /// The client's current stage of change is at least this one.
    ReadinessAtLeast(StageOfChange),
    /// (v2) This groundwork is in place (done in this session, or before it).
    Done(Groundwork),
    /// (v2) This option (by id) was chosen earlier in the session.
    Chose(String),
    /// (v2) A technique (by id) was used earlier in the session.
    Used(String),
    /// (v2) The move just made was this option (by id): a client line, a rupture line or a transition can answer
    /// that choice in particular (per-choice responses).
    JustChose(String),
    /// (v2) The move just made used this technique (by id).
    JustUsed(String),
    /// (v2) A critical miss happened: a safety or dissociation marker was left unanswered.
    CriticalMiss,
    /// (v2) The last simulated Session Rating Scale was flagged (below the cut-off, or a drop).
    SrsFlagged,
    /// (v2) A condition about the alliance or ruptures, read for one person (by id).
    Person(String, Box<Condition>),
    /// (v2) The split alliance: how far the least-joined person's bond lies below the others' (`state::split_of`).
    Split(Cmp),
    /// (v2) The within-system alliance: the room's shared purpose and safety.
    Within(Cmp),
    /// A Bool variable is true.
    Flag(String),
    /// A Number variable against a threshold.
    Var(String, Cmp),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// Where a session ends, and what the debrief says about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    pub id: String,
    pub title: String,
    pub outcome: Outcome,
    pub debrief: String,
    /// (v2) Paragraphs added to the debrief only when their condition holds, so the ending says what
    /// happened on this path and never claims what did not.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// A paragraph shown only when its condition holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub when: Condition,
    pub text: String,
}

/// The quality an author intends a move to have at its stage (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Intent {
    /// What the author would teach as the move here (more than one may be best).
    Best,
    /// Defensible; not the first choice.
    Good,
    /// Understandable but off: mistimed, generic or a missed opportunity.
    Questionable,
    /// A mistake a supervisor would name.
    Poor,
    /// Does damage: unsafe, shaming, culturally harmful, or leaves risk unassessed.
    Harmful,
}

impl Intent {
    pub fn label(self) -> &'static str {
        match self {
            Intent::Best => "best",
            Intent::Good => "good",
            Intent::Questionable => "questionable",
            Intent::Poor => "poor",
            Intent::Harmful => "harmful",
        }
    }
}

/// How a technique is delivered in an option's words (v2). Each changes the technique's attributes for
/// this option by a rule in `scoring::delivered`, so the author describes the move and the engine scores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Manner {
    /// Chosen together with the client: collaborative, less therapist-led.
    Collaborative,
    /// Imposed on the client: therapist-led, without agreement.
    Imposed,
    /// Offered before the groundwork it needs, whatever the session has done.
    Premature,
    /// Offered tentatively, open to correction (a hypothesis, not a verdict).
    Tentative,
    /// Dismisses or minimises what the client said (empty reassurance, "at least...").
    Dismissive,
    /// Warmth without doing the work the moment asks for (comfort in place of an assessment).
    WarmthOnly,
    /// (v2, in a room) The words take the addressee's side against the others ("that's what Dean needs to
    /// hear"): whatever their bond or the room's safety, the others hear it as invalidation.
    Sides,
}

impl Manner {
    pub fn label(self) -> &'static str {
        match self {
            Manner::Collaborative => "chosen together",
            Manner::Imposed => "imposed",
            Manner::Premature => "premature",
            Manner::Tentative => "tentative",
            Manner::Dismissive => "dismissive",
            Manner::WarmthOnly => "warmth without the work",
            Manner::Sides => "takes a side",
        }
    }
}

/// A scenario's changes to the default weights. Keys name terms of `assets/weights.ron`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightOverrides {
    #[serde(default)]
    pub fit: BTreeMap<crate::engine::vocab::FitTerm, f32>,
    #[serde(default)]
    pub common_factors: BTreeMap<crate::engine::vocab::Quality, f32>,
    /// The mix of fit, alliance and common factors in the trainee's score.
    #[serde(default)]
    pub score: Option<crate::engine::vocab::ScoreMix>,
    /// Why the author changed them (shown in the debrief).
    #[serde(default)]
    pub reason: String,
}

impl ClientProfile {
    /// "Name, age (pronouns)".
    pub fn heading(&self) -> String {
        if self.pronouns.is_empty() {
            format!("{}, {}", self.name, self.age)
        } else {
            format!("{}, {} ({})", self.name, self.age, self.pronouns)
        }
    }
}

impl Scenario {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        let index = self.index.get_or_init(|| Index::of(self));
        // A scenario changed after its first lookup (a test editing a stage) is searched instead.
        match index.stages.get(id).and_then(|&i| self.stages.get(i)) {
            Some(st) if st.id == id => Some(st),
            _ => self.stages.iter().find(|s| s.id == id),
        }
    }

    pub fn ending(&self, id: &str) -> Option<&Ending> {
        let index = self.index.get_or_init(|| Index::of(self));
        match index.endings.get(id).and_then(|&i| self.endings.get(i)) {
            Some(e) if e.id == id => Some(e),
            _ => self.endings.iter().find(|e| e.id == id),
        }
    }

    pub fn variable(&self, id: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.id == id)
    }

    /// The groundwork in place when the session starts: declared, or every phase before the first stage's.
    pub fn initial_groundwork(&self) -> Vec<Groundwork> {
        if let Some(g) = &self.groundwork {
            return g.clone();
        }
        let first = self.stage(&self.start).map_or(Phase::Assessment, |s| s.phase);
        [
            Phase::Assessment,
            Phase::Rapport,
            Phase::Formulation,
            Phase::GoalsAndPsychoeducation,
            Phase::Intervention,
        ]
        .into_iter()
        .filter(|p| *p < first)
        .flat_map(|p| Groundwork::of_phase(p).iter().copied())
        .collect()
    }

    /// Option and technique ids that `Chose` and `Used` conditions name anywhere in the scenario.
    pub fn named_choices(&self) -> std::collections::BTreeSet<String> {
        self.conditions()
            .iter()
            .flat_map(|(c, path)| c.leaves(path.clone()))
            .filter_map(|(c, _)| match c {
                Condition::Chose(x) | Condition::Used(x) | Condition::JustChose(x) | Condition::JustUsed(x) => {
                    Some(x.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// Every option, the stages' and the standing moves, each with its path in the file (`stages[i].options[j]`,
    /// `standing[j]`), for the checker's positions.
    pub fn choices_with_paths(&self) -> Vec<(String, &Choice)> {
        let staged = self.stages.iter().enumerate().flat_map(|(i, st)| {
            st.choices
                .iter()
                .enumerate()
                .map(move |(j, o)| (format!("stages[{i}].options[{j}]"), o))
        });
        let standing = self
            .standing
            .iter()
            .enumerate()
            .map(|(j, o)| (format!("standing[{j}]"), o));
        staged.chain(standing).collect()
    }

    /// Every condition the scenario holds (option guards, standing guards, transitions, ending notes), each
    /// with its path in the file, for the checker's positions.
    pub fn conditions(&self) -> Vec<(&Condition, String)> {
        let mut out = Vec::new();
        for (i, st) in self.stages.iter().enumerate() {
            for (j, o) in st.choices.iter().enumerate() {
                if let Some(c) = &o.when {
                    out.push((c, format!("stages[{i}].options[{j}].when")));
                }
            }
            for (j, t) in st.transitions.iter().enumerate() {
                if let Some(c) = &t.when {
                    out.push((c, format!("stages[{i}].transitions[{j}].when")));
                }
            }
        }
        for (i, st) in self.stages.iter().enumerate() {
            for (j, l) in st.client.iter().enumerate() {
                if let Some(c) = &l.when {
                    out.push((c, format!("stages[{i}].client[{j}].when")));
                }
            }
            for (j, l) in st.rupture_lines.iter().enumerate() {
                if let Some(c) = &l.when {
                    out.push((c, format!("stages[{i}].rupture_lines[{j}].when")));
                }
            }
        }
        for (j, o) in self.standing.iter().enumerate() {
            if let Some(c) = &o.when {
                out.push((c, format!("standing[{j}].when")));
            }
        }
        for (i, e) in self.endings.iter().enumerate() {
            for (j, n) in e.notes.iter().enumerate() {
                out.push((&n.when, format!("endings[{i}].notes[{j}].when")));
            }
        }
        out
    }

    /// The people in the room, as (id, full profile); a scenario without `people` has one, `client`.
    pub fn persons(&self) -> Vec<(String, ClientProfile)> {
        if self.people.is_empty() {
            return vec![(SOLE.to_owned(), self.client.clone())];
        }
        self.people
            .iter()
            .map(|p| (p.id.clone(), p.profile(&self.client)))
            .collect()
    }

    /// The index of a person by id (the sole client is `client`).
    pub fn person_index(&self, id: &str) -> Option<usize> {
        if self.people.is_empty() {
            return (id == SOLE).then_some(0);
        }
        self.people.iter().position(|p| p.id == id)
    }

    /// Who is in the room at a stage, by index (everyone when the stage does not say; unknown ids left out).
    pub fn present(&self, stage: &Stage) -> Vec<usize> {
        let all = self.people.len().max(1);
        if stage.present.is_empty() {
            return (0..all).collect();
        }
        let mut v: Vec<usize> = stage.present.iter().filter_map(|id| self.person_index(id)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whom `option` reaches by default when `present` are in the room: the people its words name, or everyone
    /// present.
    pub fn addressees(&self, option: &Choice, present: &[usize]) -> Vec<usize> {
        match &option.to {
            Addressee::People(ids) => {
                let v: Vec<usize> = ids.iter().filter_map(|id| self.person_index(id)).collect();
                if v.is_empty() { present.to_vec() } else { v }
            }
            _ => present.to_vec(),
        }
    }

    /// The speaker at a stage, by index: the named one, else the first person present.
    pub fn speaker(&self, stage: &Stage) -> usize {
        stage
            .speaker
            .as_deref()
            .and_then(|id| self.person_index(id))
            .or_else(|| self.present(stage).first().copied())
            .unwrap_or(0)
    }

    /// Every marker at a stage with the person who shows it: the stage's own are the speaker's.
    pub fn markers_at(&self, stage: &Stage) -> Vec<(usize, Marker)> {
        let speaker = self.speaker(stage);
        let mut v: Vec<(usize, Marker)> = stage.markers.iter().map(|m| (speaker, *m)).collect();
        for a in &stage.also {
            if let Some(i) = self.person_index(&a.person) {
                v.extend(a.markers.iter().map(|m| (i, *m)));
            }
        }
        v
    }

    /// Finds an option by id at a stage or among the standing moves.
    pub fn choice<'a>(&'a self, stage: &'a Stage, id: &str) -> Option<(&'a Choice, bool)> {
        stage
            .choice(id)
            .map(|c| (c, false))
            .or_else(|| self.standing.iter().find(|c| c.id == id).map(|c| (c, true)))
    }
}

impl Stage {
    /// The process markers present at this stage.
    pub fn process_markers(&self) -> Vec<ProcessMarker> {
        self.markers
            .iter()
            .filter_map(|m| match m {
                Marker::Process(p) => Some(*p),
                Marker::Rupture(_) => None,
            })
            .collect()
    }

    /// The rupture markers written into this stage (entering it opens a rupture).
    pub fn rupture_markers(&self) -> Vec<RuptureMarker> {
        self.markers
            .iter()
            .filter_map(|m| match m {
                Marker::Rupture(r) => Some(*r),
                Marker::Process(_) => None,
            })
            .collect()
    }

    pub fn choice(&self, id: &str) -> Option<&Choice> {
        self.choices.iter().find(|o| o.id == id)
    }

    /// Every id this stage names as a way on, with the condition that guards it, whether or not the session can
    /// take it (the references the checker resolves; where the session can go is [`Stage::exits`]).
    pub fn targets(&self) -> impl Iterator<Item = (&str, Option<&Condition>)> {
        self.choices
            .iter()
            .filter_map(|o| o.next.as_deref().map(|n| (n, None)))
            .chain(self.transitions.iter().map(|t| (t.to.as_str(), t.when.as_ref())))
    }

    /// Whether every option names its own `next`, so that the session never reads the stage's transitions.
    pub fn forced(&self) -> bool {
        !self.choices.is_empty() && self.choices.iter().all(|o| o.next.is_some())
    }

    /// Where a choice made here leads: the option's own `next`, or else the stage's transitions, of which the
    /// session takes the first whose guard holds. This is the one rule of where a stage leads; the session,
    /// the checker, the analysis and the diagram all read it.
    pub fn way_on<'a>(&'a self, option: &'a Choice) -> WayOn<'a> {
        match option.next.as_deref() {
            Some(next) => WayOn::Next(next),
            None => WayOn::Transitions(&self.transitions),
        }
    }

    /// Every way the session can leave this stage: each option's `next`, then the transitions, unless every
    /// option names its `next`.
    pub fn exits(&self) -> impl Iterator<Item = Exit<'_>> {
        let transitions = if self.forced() { &[][..] } else { &self.transitions[..] };
        self.choices
            .iter()
            .filter_map(|o| {
                o.next.as_deref().map(|to| Exit {
                    to,
                    when: None,
                    by: Some(o),
                })
            })
            .chain(transitions.iter().map(|t| Exit {
                to: &t.to,
                when: t.when.as_ref(),
                by: None,
            }))
    }

    /// The way on when no guard holds: the first transition without `when`, unless every option names its `next`.
    pub fn fallback(&self) -> Option<&Transition> {
        if self.forced() {
            return None;
        }
        self.transitions.iter().find(|t| t.when.is_none())
    }
}

/// Where a choice leads (see [`Stage::way_on`]).
#[derive(Debug, Clone, Copy)]
pub enum WayOn<'a> {
    /// The option's own `next`.
    Next(&'a str),
    /// The stage's transitions, in order: the first whose guard holds is taken.
    Transitions(&'a [Transition]),
}

/// One way out of a stage (see [`Stage::exits`]).
#[derive(Debug, Clone, Copy)]
pub struct Exit<'a> {
    /// A stage id or an ending id.
    pub to: &'a str,
    /// The guard of a transition.
    pub when: Option<&'a Condition>,
    /// The option whose `next` this is; `None` for a transition.
    pub by: Option<&'a Choice>,
}

impl Condition {
    /// The condition in words, for graph labels and analysis.
    pub fn describe(&self) -> String {
        match self {
            Condition::Alliance(c) => format!("alliance {}", c.describe()),
            Condition::Goal(c) => format!("goal {}", c.describe()),
            Condition::Task(c) => format!("task {}", c.describe()),
            Condition::Bond(c) => format!("bond {}", c.describe()),
            Condition::RuptureOpen => "rupture open".into(),
            Condition::RuptureOpenOf(k) => format!("{} rupture open", k.label()),
            Condition::RuptureRepaired => "rupture repaired".into(),
            Condition::LastFit(b) => format!("last fit {}", b.label()),
            Condition::LastSchool(s) => format!("last school {}", s.label()),
            Condition::LastProcess(p) => format!("last process {}", p.label()),
            Condition::ReadinessAtLeast(s) => format!("readiness >= {}", s.label()),
            Condition::Done(g) => format!("done: {}", g.label()),
            Condition::Chose(o) => format!("chose {o}"),
            Condition::Used(t) => format!("used {t}"),
            Condition::JustChose(o) => format!("just chose {o}"),
            Condition::JustUsed(t) => format!("just used {t}"),
            Condition::CriticalMiss => "critical miss".into(),
            Condition::SrsFlagged => "SRS flagged".into(),
            Condition::Person(p, c) => format!("{p}: {}", c.describe()),
            Condition::Split(c) => format!("split alliance {}", c.describe()),
            Condition::Within(c) => format!("within-system alliance {}", c.describe()),
            Condition::Flag(v) => v.clone(),
            Condition::Var(v, c) => format!("{v} {}", c.describe()),
            Condition::All(v) => v.iter().map(|c| c.describe()).collect::<Vec<_>>().join(" and "),
            Condition::Any(v) => format!("({})", v.iter().map(|c| c.describe()).collect::<Vec<_>>().join(" or ")),
            Condition::Not(b) => format!("not {}", b.describe()),
        }
    }

    /// The conditions under `All`, `Any` and `Not`, each with its path below `path`.
    pub fn leaves(&self, path: String) -> Vec<(&Condition, String)> {
        match self {
            Condition::All(v) | Condition::Any(v) => v
                .iter()
                .enumerate()
                .flat_map(|(k, c)| c.leaves(format!("{path}[0][{k}]")))
                .collect(),
            Condition::Not(b) => b.leaves(format!("{path}[0]")),
            Condition::Person(_, b) => {
                let mut v = vec![(self, path.clone())];
                v.extend(b.leaves(format!("{path}[1]")));
                v
            }
            _ => vec![(self, path)],
        }
    }

    /// Whether the condition reads the rupture state, and how: Some(true) for repair, Some(false) for open.
    pub fn rupture_edge(&self) -> Option<bool> {
        match self {
            Condition::RuptureRepaired => Some(true),
            Condition::RuptureOpen | Condition::RuptureOpenOf(_) => Some(false),
            Condition::All(v) | Condition::Any(v) => v.iter().find_map(Condition::rupture_edge),
            Condition::Not(b) => b.rupture_edge().map(|r| !r),
            Condition::Person(_, b) => b.rupture_edge(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(text: &str) -> Stage {
        ron::from_str(text).expect("a stage")
    }

    #[test]
    fn a_look_reads_only_rrggbb() {
        assert_eq!(Look::rgb("#ff8000"), Some([255, 128, 0]));
        for bad in ["ff8000", "#ff800", "#ff80000", "#gg8000", "#ff80é", ""] {
            assert_eq!(Look::rgb(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_stage_leads_where_its_options_and_transitions_say_and_no_further() {
        let open = stage(
            r#"(id: "s", phase: Assessment, client: [],
                options: [(id: "a", technique: "t", next: Some("e1")), (id: "b", technique: "t")],
                transitions: [(when: Some(RuptureOpen), to: "e2"), (to: "e3")])"#,
        );
        let to: Vec<&str> = open.exits().map(|e| e.to).collect();
        assert_eq!(to, ["e1", "e2", "e3"]);
        assert_eq!(open.fallback().map(|t| t.to.as_str()), Some("e3"));
        assert!(matches!(open.way_on(&open.choices[0]), WayOn::Next("e1")));
        assert!(matches!(open.way_on(&open.choices[1]), WayOn::Transitions(t) if t.len() == 2));

        // Every option names its next: the session never reads the transitions, so they lead nowhere.
        let forced = stage(
            r#"(id: "s", phase: Assessment, client: [],
                options: [(id: "a", technique: "t", next: Some("e1"))],
                transitions: [(to: "e3")])"#,
        );
        assert!(forced.forced());
        assert_eq!(forced.exits().map(|e| e.to).collect::<Vec<_>>(), ["e1"]);
        assert!(forced.fallback().is_none());
        // The checker still resolves the id it names.
        assert_eq!(forced.targets().map(|t| t.0).collect::<Vec<_>>(), ["e1", "e3"]);
    }
}
