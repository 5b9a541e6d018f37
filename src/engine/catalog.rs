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

    /// The techniques nearest an unknown id: up to three by spelling (id or name), and up to three whose
    /// description or name shares a word with it (`referral` finds the referral moves; a word of four letters or
    /// more matches the words it starts, so `refer` finds them too).
    pub fn nearest(&self, unknown: &str) -> (Vec<&str>, Vec<&str>) {
        if super::load::too_long_to_suggest(unknown) {
            return (Vec::new(), Vec::new());
        }
        let lower = unknown.to_lowercase();
        let mut by_name: Vec<(f64, &str)> = self
            .techniques
            .iter()
            .map(|t| {
                let a = strsim::jaro_winkler(&lower, &t.id);
                let b = strsim::jaro_winkler(&lower, &t.name.to_lowercase().replace(' ', "_"));
                (a.max(b), t.id.as_str())
            })
            .filter(|(d, _)| *d > 0.7)
            .collect();
        by_name.sort_by(|a, b| b.0.total_cmp(&a.0));
        let by_name: Vec<&str> = by_name.into_iter().take(3).map(|(_, id)| id).collect();
        let stop = [
            "the",
            "and",
            "for",
            "with",
            "work",
            "therapy",
            "technique",
            "session",
            "client",
        ];
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4 && !stop.contains(w))
            .collect();
        let mut by_words: Vec<(usize, &str)> = self
            .techniques
            .iter()
            .filter(|t| !by_name.contains(&t.id.as_str()))
            .filter_map(|t| {
                let text = format!("{} {} {}", t.id, t.name, t.description).to_lowercase();
                let tokens: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
                // Words in the id and name count three times as much as words in the description.
                let head = format!("{} {}", t.id, t.name).to_lowercase();
                let score: usize = words
                    .iter()
                    .map(|w| {
                        let stem: String = w.chars().take(5).collect();
                        let hits = tokens.iter().filter(|x| x.starts_with(&stem)).count();
                        let head_hits = head
                            .split(|c: char| !c.is_alphanumeric())
                            .filter(|x| x.starts_with(&stem))
                            .count();
                        hits + 3 * head_hits
                    })
                    .sum();
                (score > 0).then_some((score, t.id.as_str()))
            })
            .collect();
        by_words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        (by_name, by_words.into_iter().take(3).map(|(_, id)| id).collect())
    }

    /// The help for a technique id the catalog lacks: the nearest ids by spelling and by what they do, and the
    /// commands that list the catalog.
    pub fn unknown_help(&self, unknown: &str) -> String {
        let (by_name, by_words) = self.nearest(unknown);
        let quote = |v: &[&str]| v.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if let Some(x) = super::load::suggest(unknown, self.ids()) {
            parts.push(format!("did you mean `{x}`?"));
        }
        if !by_name.is_empty() {
            parts.push(format!("nearest by name: {}", quote(&by_name)));
        }
        if by_words.is_empty() {
            parts.push(format!("no technique's name or description mentions `{unknown}`"));
        } else {
            parts.push(format!("by description: {}", quote(&by_words)));
        }
        let school = self
            .get(by_words.first().or(by_name.first()).copied().unwrap_or(""))
            .map_or_else(|| "Common".to_owned(), |t| format!("{:?}", t.school));
        let first = if parts.first().is_some_and(|p| p.ends_with('?')) {
            format!("{} ", parts.remove(0))
        } else {
            String::new()
        };
        format!(
            "{first}{}; `rapport techniques --school {school}` or `rapport techniques WORD` lists the catalog",
            parts.join("; ")
        )
    }
}

/// One technique with the attributes the scoring model needs (`scenarios/SCORING-MODEL.md` section 6).
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

impl Catalog {
    /// The catalog as a Markdown reference for authors (`rapport techniques --format markdown`, committed as
    /// `scenarios/TECHNIQUES.md`): an index by school, then every technique with the attributes it is scored on.
    pub fn markdown(&self) -> String {
        self.markdown_of(&self.techniques.iter().collect::<Vec<_>>())
    }

    /// [`Catalog::markdown`] of a selection of the techniques.
    pub fn markdown_of(&self, list: &[&Technique]) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let join = |v: Vec<String>| if v.is_empty() { "none".to_owned() } else { v.join(", ") };
        let _ = writeln!(out, "# The technique catalog\n");
        let _ = writeln!(
            out,
            "Generated from `assets/techniques.ron` by `rapport techniques --format markdown > scenarios/TECHNIQUES.md`;\n\
             do not edit it by hand (a test fails when it is stale). {} techniques. A scenario's `technique:` takes the\n\
             **id**; `School(...)` in preferences and `LastSchool(...)` take the school's **key**; a technique counts\n\
             for every school listed against it (its own first). Attributes: directiveness 0 client-led .. 1\n\
             therapist-led; focus -1 insight .. +1 symptom; arousal -1 soothing .. +1 evocative; intensity 0 .. 1;\n\
             culture and faith -1 imposes a frame .. +1 works within the client's (what the culture and religion\n\
             fit terms read). `rapport techniques WORD` and `--school KEY` search it in the terminal.\n",
            list.len()
        );
        let _ = writeln!(out, "## By school\n");
        let _ = writeln!(out, "| school (key) | techniques |\n|---|---|");
        for school in School::ALL {
            let ids: Vec<String> = list
                .iter()
                .filter(|t| t.schools().any(|s| s == school))
                .map(|t| {
                    if t.school == school {
                        format!("`{}`", t.id)
                    } else {
                        format!("`{}` (also)", t.id)
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} (`{school:?}`) | {} |", school.label(), join(ids));
        }
        let _ = writeln!(out, "\n## Techniques\n");
        let mut sorted: Vec<&Technique> = list.to_vec();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        for t in sorted {
            let _ = writeln!(out, "### `{}`: {}\n", t.id, t.name);
            let schools: Vec<String> = t.schools().map(|s| format!("{} (`{s:?}`)", s.label())).collect();
            let _ = writeln!(out, "- **Schools:** {}", schools.join(", "));
            let _ = writeln!(
                out,
                "- **Attributes:** directiveness {:.2}, focus {:+.2}, arousal {:+.2}, intensity {:.2}; culture {:+.2}, faith {:+.2}",
                t.directiveness, t.focus, t.arousal, t.intensity, t.adaptation.culture, t.adaptation.religion
            );
            let gw = |g: &[Groundwork]| join(g.iter().map(|x| format!("`{x:?}`")).collect());
            let _ = writeln!(
                out,
                "- **Answers markers:** {}",
                join(t.answers.iter().map(|m| format!("`{m:?}`")).collect())
            );
            let _ = writeln!(
                out,
                "- **Needs first:** {}; **provides:** {}",
                gw(&t.needs),
                gw(&t.provides)
            );
            let _ = writeln!(
                out,
                "- **Change processes:** {}",
                join(t.processes.iter().map(|p| format!("`{p:?}`")).collect())
            );
            if let Some(r) = t.repair {
                let _ = writeln!(out, "- **Repair:** {} (`{r:?}`)", r.label());
            }
            if !t.formats.is_empty() {
                let _ = writeln!(
                    out,
                    "- **Made for:** {}",
                    join(t.formats.iter().map(|f| format!("`{f:?}`")).collect())
                );
            }
            if !t.aliases.is_empty() {
                let _ = writeln!(
                    out,
                    "- **Former ids (still load):** {}",
                    join(t.aliases.iter().map(|a| format!("`{a}`")).collect())
                );
            }
            let _ = writeln!(out, "- **Evidence:** {}", t.evidence.label());
            let _ = writeln!(out, "\n{}\n\n*{}*\n", t.description.trim(), t.citation.trim());
        }
        out
    }
}
