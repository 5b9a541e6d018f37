//! The session: a deterministic state machine that plays a scenario and returns events and typed errors.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::Library;
use crate::engine::format::catalog::{Catalog, Technique};
use crate::engine::format::scenario::{
    Addressee, Alliance, AllianceDelta, Aside, Choice, ClientProfile, Condition, Effect, Intent, Manner, Marker,
    RuptureMarker, Scenario, Stage, Value, WayOn,
};
use crate::engine::format::weights::Weights;
use crate::engine::play::rules::{self, RuptureAttempt, RuptureCourse};
use crate::engine::play::scoring::{self, Evaluation, Moment, MoveClass, Srs};
use crate::engine::play::state::{ClientState, OpenRupture};
use crate::engine::vocab::{
    FitBand, FitTerm, Groundwork, Outcome, Phase, ProcessMarker, RepairKind, RuptureKind, School,
};

/// A session runs at most this many choices; it guards against loops an author left open.
pub const MAX_STEPS: usize = 200;

/// Errors a session returns instead of panicking.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum SessionError {
    #[error("there is no option `{0}` at this stage")]
    UnknownOption(String),
    #[error("the option `{0}` is not offered right now (its condition does not hold)")]
    NotOffered(String),
    #[error("the session has ended")]
    Ended,
    #[error("the scenario has no stage `{0}`")]
    UnknownStage(String),
    #[error("the catalog has no technique `{0}`")]
    UnknownTechnique(String),
    #[error("no transition out of stage `{0}` holds")]
    DeadEnd(String),
    #[error("the session reached its limit of {limit} choices at stage `{stage}` without an ending{why}")]
    StepLimit {
        limit: usize,
        stage: String,
        /// Whether a stage had come round again (a loop), said as a reason.
        why: String,
    },
    #[error("`{0}` is not someone in the room now")]
    UnknownPerson(String),
    #[error("the people in the room changed; start the session again to meet them")]
    PeopleChanged,
    #[error("the option `{0}` is addressed by its words; it cannot be turned to someone else")]
    FixedAddressee(String),
}

/// What happened, in order, for a front end to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    ClientSpeaks {
        stage: String,
        line: String,
        text: String,
        nonverbal: String,
        markers: Vec<Marker>,
        /// Who speaks (a person's id; `client` in individual work).
        speaker: String,
        /// The others' words or non-verbal in the same moment.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        also: Vec<Aside>,
    },
    Feedback(Box<ChoiceOutcome>),
    /// The client answers the move just made.
    ClientReplies {
        option: String,
        text: String,
        /// Who answers: the one person the move was turned to, else the stage's speaker.
        speaker: String,
    },
    RuptureOpened {
        /// Whose rupture it is.
        person: String,
        kind: RuptureKind,
        stage: String,
        markers: Vec<RuptureMarker>,
        cause: RuptureCause,
    },
    /// A safety or dissociation marker was left unanswered while a move that answers it was open.
    CriticalMiss {
        stage: String,
        marker: ProcessMarker,
        /// Who showed the marker.
        person: String,
    },
    RuptureRepaired {
        /// Whose rupture it is.
        person: String,
        kind: RuptureKind,
        strategy: RepairKind,
    },
    RepairFailed {
        /// Whose rupture it is.
        person: String,
        kind: RuptureKind,
        strategy: RepairKind,
    },
    MissedRepair {
        /// Whose rupture it is.
        person: String,
        kind: RuptureKind,
        stage: String,
    },
    StageChanged {
        from: String,
        to: String,
        phase: Phase,
    },
    Ended {
        ending: String,
        outcome: Outcome,
    },
}

/// What opened a rupture: the trainee's move, or the script (a call dropping, a break announced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuptureCause {
    Move,
    Script,
}

/// A better move that was open at the same stage, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub option: String,
    pub technique: String,
    pub name: String,
    pub score: f32,
    pub fit: f32,
    pub reason: String,
}

/// What the client last said and shows, for the screen and for a class's phones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LastWords {
    /// Who spoke, in a room of several (None in individual work).
    pub who: Option<usize>,
    pub text: String,
    pub nonverbal: String,
    /// The others' words or non-verbal in the same moment.
    pub also: Vec<crate::engine::format::scenario::Aside>,
}

/// What the conditions `LastFit`, `LastSchool` and `LastProcess` read of the move just made.
#[derive(Debug, Clone)]
struct LastMove {
    band: FitBand,
    school: School,
    processes: Vec<crate::engine::vocab::ChangeProcess>,
}

/// The option a choice names, where, and to whom.
struct Picked<'s> {
    stage: &'s Stage,
    option: &'s Choice,
    /// A standing move (open at every stage), not one of the stage's own.
    standing: bool,
    to: Vec<usize>,
    /// What the session records as the choice (`option`, or `option@person`).
    key: String,
}

/// How a move compares with the best the stage offered.
struct Grade {
    best_score: f32,
    critical: Option<ProcessMarker>,
    class: MoveClass,
    accuracy: f32,
    better: Vec<Alternative>,
    missing: Vec<Groundwork>,
}

/// A session's events split by move: each move's events start with its feedback (the events before the
/// first move, the opening lines, belong to none).
pub fn moves_of(events: &[Event]) -> Vec<&[Event]> {
    let starts: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Event::Feedback(_)))
        .map(|(i, _)| i)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &a)| &events[a..starts.get(k + 1).copied().unwrap_or(events.len())])
        .collect()
}

/// Everything one choice did, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOutcome {
    pub step: usize,
    pub stage: String,
    pub phase: Phase,
    /// The id of the choice made (`option` in records and JSON, as in the file format).
    #[serde(rename = "option")]
    pub choice: String,
    pub technique: String,
    pub technique_name: String,
    pub school: School,
    pub evaluation: Evaluation,
    pub alliance_before: Alliance,
    pub alliance_after: Alliance,
    /// The actual change, including repair or decay.
    pub alliance_change: AllianceDelta,
    /// The simulated SRS from each person present, when the move asks for feedback.
    pub srs: Vec<PersonSrs>,
    /// Whom the move was addressed to (person ids; `client` in individual work).
    pub to: Vec<String>,
    /// Each person's alliance after the move, in the scenario's order.
    pub people_after: Vec<Alliance>,
    /// The split alliance after the move (0 with one person present).
    pub split_after: f32,
    /// The within-system alliance after the move, where more than one person is in the case.
    pub within_after: Option<f32>,
    /// The author's teaching note.
    pub feedback: String,
    pub better: Vec<Alternative>,
    pub rupture_open_before: Option<RuptureKind>,
    pub rupture_open_after: Option<RuptureKind>,
    /// Process markers present at the stage and whether this move answered one.
    pub markers_present: usize,
    pub marker_answered: bool,
    pub relational: bool,
    /// The move adapted to the client's culture or faith where they are salient.
    pub culturally_adapted: bool,
    /// How good the move was against the best open at its stage.
    pub class: MoveClass,
    /// The move's accuracy in percent (100 for the best open move).
    pub accuracy: f32,
    /// The score of the best move open at the stage.
    pub best_score: f32,
    /// The safety or dissociation marker this move left unanswered, if any.
    pub critical: Option<ProcessMarker>,
    /// A standing move (offered at every stage), after which the stage goes on.
    pub standing: bool,
    /// The author's declared intent for the option, if any.
    pub intent: Option<Intent>,
    pub manner: Vec<Manner>,
    /// Every school the technique belongs to.
    pub schools: Vec<School>,
    /// The process steps that were missing for this move.
    pub missing: Vec<crate::engine::vocab::Groundwork>,
    /// Why the author overrode the computed fit or alliance, if they did.
    pub override_reason: String,
}

impl ChoiceOutcome {
    /// The alliance's course over the move, as the feedback says it in every front end:
    /// "Alliance 0.52 -> 0.60 (goal +0.02, task +0.03, bond +0.05)".
    pub fn alliance_words(&self) -> String {
        let d = self.alliance_change;
        format!(
            "Alliance {:.2} -> {:.2} (goal {:+.2}, task {:+.2}, bond {:+.2})",
            self.alliance_before.mean(),
            self.alliance_after.mean(),
            d.goal,
            d.task,
            d.bond
        )
    }
}

/// One person's Session Rating Scale (a child's is the Child Session Rating Scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSrs {
    pub person: String,
    pub name: String,
    pub child: bool,
    pub srs: Srs,
}

/// The state a hot reload carries across: the stage id and everything the client has been through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub stage: String,
    pub state: ClientState,
    pub variables: HashMap<String, Value>,
    pub history: Vec<ChoiceOutcome>,
    pub choices: Vec<String>,
    pub trajectory: Vec<(String, Alliance)>,
}

/// One play-through of a scenario.
#[derive(Debug, Clone)]
pub struct Session {
    scenario: Arc<Scenario>,
    /// Each person's full profile, in the scenario's order.
    people: Arc<Vec<ClientProfile>>,
    catalog: Arc<Catalog>,
    weights: Weights,
    seed: u64,
    rng: StdRng,
    stage: String,
    state: ClientState,
    variables: HashMap<String, Value>,
    history: Vec<ChoiceOutcome>,
    choices: Vec<String>,
    trajectory: Vec<(String, Alliance)>,
    ended: Option<String>,
    events: Vec<Event>,
    last: Option<LastMove>,
    /// Standing moves already taken at the current stage.
    standing_taken: Vec<String>,
    /// The options and techniques the scenario's conditions name (what [`Session::state_key`] keys on), found
    /// once: a search of play-throughs asks for the key of every state it meets.
    named: Arc<std::collections::BTreeSet<String>>,
}

impl Session {
    /// Starts a session at the scenario's start stage, with the library's catalog and weights (and the scenario's
    /// own weight overrides). The events so far (the client's first words) are in [`Session::events`].
    pub fn new(lib: &Library, scenario: Arc<Scenario>, seed: u64) -> Result<Session, SessionError> {
        let catalog = Arc::clone(&lib.catalog);
        let weights = lib.weights.with_overrides(scenario.weights.as_ref());
        let state = ClientState::of_scenario(&scenario);
        let people = Arc::new(scenario.persons().into_iter().map(|(_, c)| c).collect());
        let variables = scenario.variables.iter().map(|v| (v.id.clone(), v.initial)).collect();
        let start = scenario.start.clone();
        if scenario.stage(&start).is_none() {
            return Err(SessionError::UnknownStage(start));
        }
        let named = Arc::new(scenario.named_choices());
        let mut s = Session {
            trajectory: vec![(start.clone(), state.alliance())],
            scenario,
            people,
            catalog,
            weights,
            seed,
            rng: StdRng::seed_from_u64(seed),
            stage: start.clone(),
            state,
            variables,
            history: Vec::new(),
            choices: Vec::new(),
            ended: None,
            events: Vec::new(),
            last: None,
            standing_taken: Vec::new(),
            named,
        };
        s.enter(&start)?;
        Ok(s)
    }

    /// Plays `choices` from the start: how replays, golden scripts and "replay from stage N" work.
    pub fn replay(
        lib: &Library,
        scenario: Arc<Scenario>,
        seed: u64,
        choices: &[String],
    ) -> Result<Session, SessionError> {
        let mut s = Session::new(lib, scenario, seed)?;
        for c in choices {
            s.choose(c)?;
        }
        Ok(s)
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn state(&self) -> &ClientState {
        &self.state
    }

    /// Each person's full profile, in the scenario's order.
    pub fn people(&self) -> &[ClientProfile] {
        &self.people
    }

    /// A person's name by id (the client's name in individual work, or for an unknown id).
    pub fn name_of(&self, id: &str) -> &str {
        self.scenario
            .person_index(id)
            .and_then(|i| self.people.get(i))
            .map_or(self.scenario.client.name.as_str(), |c| c.name.as_str())
    }

    /// Whether more than one person is in the case.
    pub fn is_system(&self) -> bool {
        self.people.len() > 1
    }

    /// The people a move on `option` reaches by default: those its words name, or everyone present.
    pub fn default_to(&self, option: &Choice) -> Vec<usize> {
        self.scenario.addressees(option, &self.state.present)
    }

    /// The names of the people at `idx`, joined: "everyone" when they are all the people present (in a room).
    pub fn names_of(&self, idx: &[usize]) -> String {
        if self.is_system() && idx.len() > 1 && self.state.present.iter().all(|i| idx.contains(i)) {
            return "everyone".into();
        }
        let names: Vec<&str> = idx
            .iter()
            .filter_map(|i| self.people.get(*i))
            .map(|c| c.name.as_str())
            .collect();
        names.join(" and ")
    }

    /// Whether the trainee can turn `option` to someone of their choosing.
    pub fn can_address(&self, option: &Choice) -> bool {
        self.is_system() && self.state.present.len() > 1 && option.to == Addressee::Anyone
    }

    /// The ways to address `option` now: the default first, then (for a move the trainee can turn) each
    /// person present; each with its choice key (`option` or `option@person`).
    pub fn addressings(&self, option: &Choice) -> Vec<(Vec<usize>, String)> {
        let mut v = vec![(self.default_to(option), option.id.clone())];
        if self.can_address(option) {
            for &i in &self.state.present {
                v.push((vec![i], format!("{}@{}", option.id, self.state.people[i].id)));
            }
        }
        v
    }

    /// Splits a choice key `option@a+b` into the option id and its addressees (None: the default).
    fn parse_choice(&self, key: &str) -> Result<(String, Option<Vec<usize>>), SessionError> {
        let Some((id, who)) = key.split_once('@') else {
            return Ok((key.to_owned(), None));
        };
        if who == "everyone" {
            return Ok((id.to_owned(), Some(self.state.present.clone())));
        }
        let mut to = Vec::new();
        for p in who.split('+') {
            match self.scenario.person_index(p).filter(|i| self.state.present.contains(i)) {
                Some(i) if !to.contains(&i) => to.push(i),
                Some(_) => {}
                None => return Err(SessionError::UnknownPerson(p.to_owned())),
            }
        }
        to.sort_unstable();
        Ok((id.to_owned(), Some(to)))
    }

    pub fn stage_id(&self) -> &str {
        &self.stage
    }

    /// The current stage (None once ended).
    pub fn stage(&self) -> Option<&Stage> {
        if self.ended.is_some() {
            None
        } else {
            self.scenario.stage(&self.stage)
        }
    }

    pub fn ended(&self) -> Option<&str> {
        self.ended.as_deref()
    }

    pub fn history(&self) -> &[ChoiceOutcome] {
        &self.history
    }

    pub fn choices(&self) -> &[String] {
        &self.choices
    }

    pub fn trajectory(&self) -> &[(String, Alliance)] {
        &self.trajectory
    }

    /// Every event since the start.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn variables(&self) -> &HashMap<String, Value> {
        &self.variables
    }

    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.catalog.get(id)
    }

    /// The options offered now: the stage's whose guard holds, then the standing moves not yet taken here
    /// (a standing move is left out where the stage offers the same technique).
    pub fn available(&self) -> Vec<&Choice> {
        let Some(st) = self.stage() else {
            return Vec::new();
        };
        let open = |o: &&Choice| o.when.as_ref().is_none_or(|c| self.holds(c));
        let canonical = |id: &str| self.catalog.get(id).map_or(id.to_owned(), |t| t.id.clone());
        let offered: Vec<String> = st.choices.iter().map(|o| canonical(&o.technique)).collect();
        st.choices
            .iter()
            .filter(open)
            .chain(
                self.scenario
                    .standing
                    .iter()
                    .filter(open)
                    .filter(|o| !self.standing_taken.contains(&o.id) && !offered.contains(&canonical(&o.technique)))
                    // A standing move whose words name someone is offered only while they are in the room, and
                    // one spoken to everyone only while more than one person is.
                    .filter(|o| match &o.to {
                        Addressee::People(ids) if self.is_system() => ids.iter().all(|id| {
                            self.scenario
                                .person_index(id)
                                .is_some_and(|i| self.state.present.contains(&i))
                        }),
                        Addressee::Everyone if self.is_system() => self.state.present.len() > 1,
                        _ => true,
                    })
                    // A standing check whose work this session has already done is not offered again.
                    .filter(|o| {
                        self.catalog.get(&o.technique).is_none_or(|t| {
                            t.provides.is_empty() || !t.provides.iter().all(|g| self.state.laid.contains(g))
                        })
                    }),
            )
            .collect()
    }

    /// Whether an option is one of the scenario's standing moves.
    pub fn is_standing(&self, option: &Choice) -> bool {
        self.scenario.standing.iter().any(|o| o.id == option.id)
    }

    /// Evaluates an option at the current state without choosing it, addressed as its words say.
    pub fn evaluate(&self, option: &Choice) -> Result<Evaluation, SessionError> {
        self.evaluate_to(option, &self.default_to(option))
    }

    /// Evaluates an option addressed to `to` at the current state without choosing it.
    pub fn evaluate_to(&self, option: &Choice, to: &[usize]) -> Result<Evaluation, SessionError> {
        let st = self.stage().ok_or(SessionError::Ended)?;
        let t = self
            .catalog
            .get(&option.technique)
            .ok_or_else(|| SessionError::UnknownTechnique(option.technique.clone()))?;
        let m = self.moment(st, to.to_vec());
        Ok(scoring::evaluate(
            t,
            option,
            &self.people,
            &self.state,
            &m,
            &self.weights,
        ))
    }

    /// The moment at `stage` for a move addressed to `to`.
    pub fn moment<'a>(&self, stage: &'a Stage, to: Vec<usize>) -> Moment<'a> {
        Moment::new(&self.scenario, stage, &self.state, to)
    }

    /// The best score open now for `option` over the ways it can be addressed, with the choice key. A way
    /// that would leave a risk or dissociation marker unanswered is no best move, whatever it scores.
    fn best_addressing(&self, option: &Choice) -> Option<(f32, String)> {
        self.safe_addressings(option)
            .into_iter()
            .filter_map(|(to, key)| self.evaluate_to(option, &to).ok().map(|e| (e.score, key)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// The ways to address `option` that do not leave a critical marker unanswered (a standing move never
    /// does: the stage goes on after it).
    fn safe_addressings(&self, option: &Choice) -> Vec<(Vec<usize>, String)> {
        let Some(stage) = self.stage() else { return Vec::new() };
        let standing = self.is_standing(option);
        self.addressings(option)
            .into_iter()
            .filter(|(to, _)| standing || self.critical_miss(stage, option, to).is_none())
            .collect()
    }

    /// The move the engine's best play makes now: a standing move that lays what the scenario requires as soon
    /// as it is not premature, else the highest-scoring move (a standing move only where a critical marker
    /// calls for it). One rule for `play --auto best`, `analyze` and `calibrate`.
    pub fn best_move(&self) -> Option<String> {
        let open = self.available();
        let stage = self.stage()?;
        // Risk or dissociation present now comes first: the stage's own answer (or a standing one that answers it).
        let moment = self.moment(stage, self.state.present.clone());
        let urgent = moment
            .unanswered(&self.state)
            .iter()
            .any(|(_, m)| scoring::is_critical(*m));
        // A marker the client shows now (vulnerability, change talk) is met first: the required check waits for
        // a stage where it does not cut across what the client has just brought.
        let tender = !moment.unanswered(&self.state).is_empty();
        let required = open.iter().filter(|_| !urgent && !tender).find(|o| {
            self.is_standing(o)
                && self.catalog.get(&o.technique).is_some_and(|t| {
                    let t = scoring::delivered(t, &o.manner);
                    t.provides
                        .iter()
                        .any(|g| self.scenario.requires.contains(g) && !self.state.laid.contains(g))
                        && scoring::missing_now(
                            &t,
                            &o.manner,
                            &self.state,
                            &self.moment(stage, self.default_to(o)),
                            &self.weights,
                        )
                        .is_empty()
                })
        });
        if let Some(o) = required {
            return Some(o.id.clone());
        }
        open.into_iter()
            .filter(|o| !self.is_standing(o) || self.critical_open(o))
            .filter_map(|o| self.best_addressing(o))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| id)
    }

    /// Whether `option` (turned to whoever it can reach) answers a risk or dissociation marker present and
    /// unanswered now.
    fn critical_open(&self, option: &Choice) -> bool {
        let Some(stage) = self.stage() else { return false };
        self.addressings(option)
            .into_iter()
            .any(|(to, _)| !self.critical_left(stage, option, to).1.is_empty())
    }

    /// The critical markers (risk, dissociation) unanswered now, split into those `option` addressed to `to`
    /// leaves unanswered and those it answers, each with the person who shows it.
    #[allow(clippy::type_complexity)]
    fn critical_left(
        &self,
        stage: &Stage,
        option: &Choice,
        to: Vec<usize>,
    ) -> (Vec<(usize, ProcessMarker)>, Vec<(usize, ProcessMarker)>) {
        let m = self.moment(stage, to);
        let delivered = self
            .catalog
            .get(&option.technique)
            .map(|t| scoring::delivered(t, &option.manner));
        m.unanswered(&self.state)
            .into_iter()
            .filter(|(_, mk)| scoring::is_critical(*mk))
            .partition(|(i, mk)| !delivered.as_ref().is_some_and(|t| m.answers(t, *i, *mk)))
    }

    /// The critical marker (risk, dissociation) at this stage that `option` addressed to `to` leaves
    /// unanswered while another open move answers it, with the person who shows it.
    fn critical_miss(&self, stage: &Stage, option: &Choice, to: &[usize]) -> Option<(usize, ProcessMarker)> {
        // What the option leaves first, the open moves only then: listing them for every option made a stage of
        // n options cost n^2 (a stage of 300 options took a minute to check).
        let left = self.critical_left(stage, option, to.to_vec()).0;
        if left.is_empty() {
            return None;
        }
        let open = self.available();
        left.into_iter().find(|x| {
            open.iter().any(|o| {
                self.addressings(o)
                    .into_iter()
                    .any(|(to, _)| self.critical_left(stage, o, to).1.contains(x))
            })
        })
    }

    /// How many choices a session may make before it is stopped as endless: [`MAX_STEPS`], or more for a scenario
    /// long enough to need them (every stage and standing move twice over), so a long straight path is played out.
    pub fn step_limit(&self) -> usize {
        let sc = &self.scenario;
        MAX_STEPS.max(2 * sc.stages.len() * (1 + sc.standing.len()))
    }

    /// The last line, who said it, what they show (with anything the script made happen since), and the
    /// others' words or non-verbal in the same moment: what the trainee reads now (and a class votes on).
    pub fn last_words(&self) -> LastWords {
        // Who spoke, where there is more than one person to tell apart.
        let who = |speaker: &str| {
            self.is_system()
                .then(|| self.scenario().person_index(speaker))
                .flatten()
        };
        let mut happened = String::new();
        for e in self.events().iter().rev() {
            match e {
                Event::ClientReplies { text, speaker, .. } => {
                    return LastWords {
                        who: who(speaker),
                        text: text.clone(),
                        nonverbal: happened,
                        also: Vec::new(),
                    };
                }
                Event::ClientSpeaks {
                    text,
                    nonverbal,
                    speaker,
                    also,
                    ..
                } => {
                    let shown = [nonverbal.as_str(), happened.as_str()]
                        .into_iter()
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    return LastWords {
                        who: who(speaker),
                        text: text.clone(),
                        nonverbal: shown,
                        also: also.clone(),
                    };
                }
                // A scripted rupture is something that happened in the session, not the trainee's doing.
                Event::RuptureOpened {
                    kind,
                    cause: RuptureCause::Script,
                    ..
                } => {
                    happened = format!(
                        "[In the session: the alliance strains here ({} rupture), from what has just happened, not from your last move.]",
                        kind.label()
                    );
                }
                _ => {}
            }
        }
        LastWords::default()
    }

    /// ", to Amara and Daniel" for a move made in a room, naming whom it was turned to; empty in individual work.
    pub fn turned_to(&self, o: &ChoiceOutcome) -> String {
        if !self.is_system() {
            return String::new();
        }
        let idx: Vec<usize> = o.to.iter().filter_map(|id| self.scenario.person_index(id)).collect();
        format!(", to {}", self.names_of(&idx))
    }

    /// Plays a choice at the current stage (an option id, or `option@person` to turn it to someone): grades it
    /// against the best the stage offers, applies the rules of the room to everyone present, and moves on.
    pub fn choose(&mut self, choice: &str) -> Result<Vec<Event>, SessionError> {
        self.check_can_go_on()?;
        let scenario = Arc::clone(&self.scenario);
        let catalog = Arc::clone(&self.catalog);
        let Picked {
            stage,
            option,
            standing,
            to,
            key,
        } = self.pick(&scenario, choice)?;
        let t = catalog
            .get(&option.technique)
            .ok_or_else(|| SessionError::UnknownTechnique(option.technique.clone()))?;
        let t = &scoring::delivered(t, &option.manner);
        let first_event = self.events.len();

        let eval = self.evaluate_to(option, &to)?;
        let moment = self.moment(stage, to.clone());
        let grade = self.grade(stage, option, standing, &key, &to, &eval, &moment, t);
        let before = self.state.alliance();
        let rupture_before = self.state.rupture().map(|r| r.kind);
        self.state.answered_here.extend(
            moment
                .markers
                .iter()
                .copied()
                .filter(|(i, m)| moment.answers(t, *i, *m)),
        );
        self.settle_ruptures(stage, t, &eval, &moment);
        self.move_states(t, &eval);
        self.lay_groundwork(stage, t, &eval, &to);
        for e in &option.effects {
            self.apply(e);
        }

        let outcome = self.outcome(
            stage,
            option,
            standing,
            t,
            &to,
            eval,
            grade,
            before,
            rupture_before,
            &moment,
        );
        self.last = Some(LastMove {
            band: outcome.evaluation.fit.band,
            school: t.school,
            processes: t.processes.clone(),
        });
        self.events
            .insert(first_event, Event::Feedback(Box::new(outcome.clone())));
        self.history.push(outcome);
        self.choices.push(key);
        self.reply(&scenario, stage, option, &to);
        self.go_on(&scenario, stage, option, standing)?;
        Ok(self.events[first_event..].to_vec())
    }

    /// Refuses a choice once the session has ended, or when it has gone on so long that the scenario must loop.
    fn check_can_go_on(&self) -> Result<(), SessionError> {
        if self.ended.is_some() {
            return Err(SessionError::Ended);
        }
        let limit = self.step_limit();
        if self.history.len() < limit {
            return Ok(());
        }
        let repeated = self
            .history
            .iter()
            .filter(|o| o.stage == self.stage && !o.standing)
            .count()
            > 1;
        Err(SessionError::StepLimit {
            limit,
            stage: self.stage.clone(),
            why: if repeated {
                "; this stage has come round again, so the scenario loops here".to_owned()
            } else {
                String::new()
            },
        })
    }

    /// The option a choice names at the current stage, open now, with whom it is turned to and the key it is
    /// recorded under (`option@person` only when the trainee turned it elsewhere than its default).
    fn pick<'s>(&self, scenario: &'s Scenario, choice: &str) -> Result<Picked<'s>, SessionError> {
        let (option_id, chosen_to) = self.parse_choice(choice)?;
        let stage = scenario
            .stage(&self.stage)
            .ok_or_else(|| SessionError::UnknownStage(self.stage.clone()))?;
        let (option, standing) = scenario
            .choice(stage, &option_id)
            .ok_or_else(|| SessionError::UnknownOption(option_id.clone()))?;
        if !self.available().iter().any(|o| o.id == option.id) {
            return Err(SessionError::NotOffered(option_id));
        }
        let default = self.default_to(option);
        let to = match chosen_to {
            None => default.clone(),
            Some(to) if to == default => to,
            Some(_) if !self.can_address(option) => return Err(SessionError::FixedAddressee(option_id)),
            Some(to) => to,
        };
        let key = if to == default || !self.can_address(option) {
            option.id.clone()
        } else {
            let ids: Vec<&str> = to.iter().map(|i| self.state.people[*i].id.as_str()).collect();
            format!("{}@{}", option.id, ids.join("+"))
        };
        Ok(Picked {
            stage,
            option,
            standing,
            to,
            key,
        })
    }

    /// Grades a move against the best move the stage offers, and records a critical marker it leaves unanswered.
    #[expect(clippy::too_many_arguments, reason = "the parts of one move, all read to grade it")]
    fn grade(
        &mut self,
        stage: &Stage,
        option: &Choice,
        standing: bool,
        key: &str,
        to: &[usize],
        eval: &Evaluation,
        moment: &Moment,
        t: &Technique,
    ) -> Grade {
        // Graded against the best move the stage offers: standing checks count only where a critical marker
        // calls for them (as in the best play), and a move that leaves one unanswered is never the best.
        let best_score = self
            .available()
            .iter()
            .filter(|o| !self.is_standing(o) || self.critical_open(o))
            .filter_map(|o| self.best_addressing(o).map(|x| x.0))
            .fold(eval.score, f32::max);
        // A standing move is not the stage's answer (the stage goes on): only the move that leaves the stage can
        // leave a marker unanswered, and nothing else is "better here" in its place.
        let critical = if standing {
            None
        } else {
            self.critical_miss(stage, option, to)
        };
        let loss = best_score - eval.score;
        // A standing move does not take the stage's place, so it is not graded against the stage's options: it is
        // best when it answers a marker present now, good otherwise.
        let (class, accuracy) = if standing && critical.is_none() {
            let class = if moment.answers_any(t) {
                MoveClass::Best
            } else {
                MoveClass::Good
            };
            (class, 100.0)
        } else {
            (
                scoring::classify(loss, critical.is_some(), &self.weights),
                scoring::accuracy(loss, critical.is_some(), &self.weights),
            )
        };
        if let Some((who, marker)) = critical {
            self.state.critical_misses += 1;
            self.events.push(Event::CriticalMiss {
                stage: stage.id.clone(),
                marker,
                person: self.state.people[who].id.clone(),
            });
        }
        Grade {
            best_score,
            critical: critical.map(|x| x.1),
            class,
            accuracy,
            better: if standing {
                Vec::new()
            } else {
                self.better_alternatives(option, key, eval)
            },
            missing: scoring::missing_now(t, &option.manner, &self.state, moment, &self.weights),
        }
    }

    /// Each person present: their alliance moves by the move's effect on them, then by the course of their open
    /// rupture (repaired, failed, held for safety, or left to wear on), or a poor move opens one. The rules are
    /// `rules::RuptureAttempt`'s, which the scoring reads in expectation.
    fn settle_ruptures(&mut self, stage: &Stage, t: &Technique, eval: &Evaluation, moment: &Moment) {
        let holds = moment.holds_for_safety(t);
        for effect in &eval.people {
            let i = effect.person;
            let before = self.state.people[i].alliance;
            let after_move = before.apply(effect.delta);
            let alliance = match self.state.people[i].rupture.clone() {
                Some(open) => {
                    let attempt = RuptureAttempt::of(t, effect.addressed, &open, holds, &self.weights);
                    let course = attempt.settle(|| self.rng.random::<f32>());
                    self.state.dropout_risk = (self.state.dropout_risk + course.dropout(&self.weights)).min(1.0);
                    self.report_course(i, &open, course);
                    course.alliance(after_move, &open, &self.weights)
                }
                None => {
                    if rules::opens_rupture(t, effect.addressed, effect.fit, effect.delta, &self.weights) {
                        // Its kind follows the person's reactance state.
                        self.open_rupture(i, stage, before, Vec::new());
                        self.push_rupture_opened(i, RuptureCause::Move);
                    }
                    after_move
                }
            };
            self.state.people[i].alliance = alliance;
        }
        if let Some(w) = self.state.within.as_mut() {
            *w = (*w + eval.within).clamp(0.0, 1.0);
        }
        // A split alliance left standing raises the risk of dropout as an unrepaired rupture does: most families
        // who dropped out had a moderate or severe split (Muñiz de la Peña et al. 2009).
        if self.state.split() >= self.weights.system.split_flag {
            self.state.dropout_risk = (self.state.dropout_risk + self.weights.alliance.open_dropout).min(1.0);
        }
    }

    /// Says how a person's open rupture came out of the move, and closes it when repaired.
    fn report_course(&mut self, i: usize, open: &OpenRupture, course: RuptureCourse) {
        let person = self.state.people[i].id.clone();
        let event = match course {
            RuptureCourse::Repaired(strategy) => {
                self.state.people[i].rupture = None;
                self.state.repaired += 1;
                Event::RuptureRepaired {
                    person,
                    kind: open.kind,
                    strategy,
                }
            }
            RuptureCourse::Failed(strategy) => Event::RepairFailed {
                person,
                kind: open.kind,
                strategy,
            },
            RuptureCourse::Missed => Event::MissedRepair {
                person,
                kind: open.kind,
                stage: self.stage.clone(),
            },
            RuptureCourse::Held => return,
        };
        self.events.push(event);
    }

    /// Each addressee's state moves (`rules::move_state`), and the move joins the session's pattern of work.
    fn move_states(&mut self, t: &Technique, eval: &Evaluation) {
        for &(i, fit) in &eval.fit.by_person {
            let stage_matched = eval
                .fit
                .parts
                .iter()
                .find(|x| x.term == FitTerm::Stage && x.person == Some(i))
                .is_some_and(|x| x.value > 0.0);
            let matched = stage_matched && self.weights.band(fit) == FitBand::Good;
            let trait_reactance = self.people[i].reactance.trait_level;
            rules::move_state(&mut self.state.people[i], trait_reactance, t, matched, &self.weights);
        }
        self.state.pattern.add(t);
    }

    /// What a move that did not fit poorly lays down for later moves: what the technique provides, and what the
    /// stage's phase does whatever the move (a story heard in assessment, change begun in intervention).
    fn lay_groundwork(&mut self, stage: &Stage, t: &Technique, eval: &Evaluation, to: &[usize]) {
        if eval.fit.band == FitBand::Poor {
            return;
        }
        self.state.groundwork.extend(t.provides.iter().copied());
        self.state.laid.extend(t.provides.iter().copied());
        // Risk is assessed with the person asked: the one the move was turned to, or the one client.
        if t.provides.contains(&Groundwork::RiskAssessed) && (to.len() == 1 || self.state.people.len() == 1) {
            for &i in to {
                self.state.people[i].risk_assessed = true;
            }
        }
        match stage.phase {
            Phase::Assessment | Phase::Rapport => {
                self.state.groundwork.insert(Groundwork::Explored);
            }
            Phase::Intervention => {
                self.state.groundwork.insert(Groundwork::ChangeBegun);
            }
            _ => {}
        }
    }

    /// Everything the move did, explained, for the feedback, the debrief and the record.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one move, gathered into its outcome"
    )]
    fn outcome(
        &mut self,
        stage: &Stage,
        option: &Choice,
        standing: bool,
        t: &Technique,
        to: &[usize],
        evaluation: Evaluation,
        grade: Grade,
        before: Alliance,
        rupture_before: Option<RuptureKind>,
        moment: &Moment,
    ) -> ChoiceOutcome {
        // Only a move that explicitly asks for feedback shows the simulated SRS: one from each person it asks.
        let srs = if t.asks_for_feedback() {
            self.rate_session(to)
        } else {
            Vec::new()
        };
        // The debrief's integration pattern reads process-experiential markers only (not crisis, trauma or MI
        // ones), and whether the move met one: the session records them because only it knows the moment.
        let experiential = || moment.markers.iter().filter(|(_, p)| p.is_experiential());
        ChoiceOutcome {
            step: self.history.len() + 1,
            stage: stage.id.clone(),
            phase: stage.phase,
            choice: option.id.clone(),
            technique: t.id.clone(),
            technique_name: t.name.clone(),
            school: t.school,
            alliance_before: before,
            alliance_after: self.state.alliance(),
            alliance_change: self.state.alliance().minus(before),
            srs,
            to: to.iter().map(|i| self.state.people[*i].id.clone()).collect(),
            people_after: self.state.people.iter().map(|p| p.alliance).collect(),
            split_after: self.state.split(),
            within_after: self.state.within,
            feedback: option.feedback.clone(),
            better: grade.better,
            rupture_open_before: rupture_before,
            rupture_open_after: self.state.rupture().map(|r| r.kind),
            markers_present: experiential().count(),
            marker_answered: experiential().any(|(i, p)| moment.answers(t, *i, *p)),
            relational: t.is_relational(),
            culturally_adapted: to.iter().any(|&i| rules::culturally_adapted(&self.people[i], t)),
            class: grade.class,
            accuracy: grade.accuracy,
            best_score: grade.best_score,
            critical: grade.critical,
            standing,
            intent: option.intent,
            manner: option.manner.clone(),
            schools: t.schools().collect(),
            missing: grade.missing,
            override_reason: option.reason.clone(),
            evaluation,
        }
    }

    /// The client's answer written for this option, said by whoever it names or the one it was turned to.
    fn reply(&mut self, scenario: &Scenario, stage: &Stage, option: &Choice, to: &[usize]) {
        let Some(text) = option.reply.as_ref().filter(|t| !t.trim().is_empty()) else {
            return;
        };
        // A reply that opens with a person's name ("Daniel: ...") is theirs; otherwise the one person the move
        // was turned to answers, or the stage's speaker.
        let named = self.people.iter().enumerate().find_map(|(i, c)| {
            let rest = text.strip_prefix(c.name.as_str())?.strip_prefix(':')?;
            (self.is_system()).then(|| (i, rest.trim_start().to_owned()))
        });
        let (who, text) = match named {
            Some((i, rest)) => (i, rest),
            None if to.len() == 1 => (to[0], text.clone()),
            None => (scenario.speaker(stage), text.clone()),
        };
        self.events.push(Event::ClientReplies {
            option: option.id.clone(),
            text,
            speaker: self.state.people.get(who).map_or_else(String::new, |p| p.id.clone()),
        });
    }

    /// Where the session goes after the move: the option's `next`, else the stage's first transition that holds;
    /// a standing move without a `next` leaves the session at this stage.
    fn go_on(
        &mut self,
        scenario: &Scenario,
        stage: &Stage,
        option: &Choice,
        standing: bool,
    ) -> Result<(), SessionError> {
        let next = match stage.way_on(option) {
            WayOn::Next(next) => next.to_owned(),
            // A standing move without a `next` is answered and the stage goes on.
            WayOn::Transitions(_) if standing => {
                self.standing_taken.push(option.id.clone());
                self.trajectory.push((stage.id.clone(), self.state.alliance()));
                return Ok(());
            }
            WayOn::Transitions(transitions) => transitions
                .iter()
                .find(|tr| tr.when.as_ref().is_none_or(|c| self.holds(c)))
                .map(|tr| tr.to.clone())
                .ok_or_else(|| SessionError::DeadEnd(stage.id.clone()))?,
        };
        self.trajectory.push((next.clone(), self.state.alliance()));
        if let Some(end) = scenario.ending(&next) {
            self.ended = Some(end.id.clone());
            self.events.push(Event::Ended {
                ending: end.id.clone(),
                outcome: end.outcome,
            });
        } else {
            let to = scenario
                .stage(&next)
                .ok_or_else(|| SessionError::UnknownStage(next.clone()))?;
            self.events.push(Event::StageChanged {
                from: stage.id.clone(),
                to: next.clone(),
                phase: to.phase,
            });
            self.enter(&next)?;
        }
        Ok(())
    }

    /// Each person asked rates the session (the SRS; a child the CSRS); a low or falling rating flags it.
    fn rate_session(&mut self, asked: &[usize]) -> Vec<PersonSrs> {
        let mut out = Vec::new();
        let mut flagged = false;
        for &i in asked {
            let c = &self.people[i];
            let p = &self.state.people[i];
            let r = scoring::srs(
                p.alliance,
                c.compliance,
                p.rupture.as_ref().map(|r| r.kind),
                p.last_srs,
                &self.weights,
            );
            flagged |= r.flagged;
            out.push(PersonSrs {
                person: p.id.clone(),
                name: c.name.clone(),
                child: c.age <= crate::engine::format::scenario::CHILD_AGE,
                srs: r,
            });
            self.state.people[i].last_srs = Some(r.total);
        }
        self.state.srs_flagged = flagged;
        out
    }

    fn open_rupture(&mut self, person: usize, stage: &Stage, before: Alliance, markers: Vec<RuptureMarker>) {
        let c = &self.people[person];
        let p = &self.state.people[person];
        let kind = match markers.first() {
            Some(m) => m.kind(),
            None => rules::rupture_kind(p.reactance, c.compliance, c.rupture_style, &self.weights),
        };
        self.state.people[person].rupture = Some(OpenRupture {
            kind,
            stage: stage.id.clone(),
            alliance_before: before,
            markers,
        });
        self.state.ruptures += 1;
    }

    /// Reports the rupture just opened for `person`, with what caused it.
    fn push_rupture_opened(&mut self, person: usize, cause: RuptureCause) {
        if let Some(r) = &self.state.people[person].rupture {
            self.events.push(Event::RuptureOpened {
                person: self.state.people[person].id.clone(),
                kind: r.kind,
                stage: r.stage.clone(),
                markers: r.markers.clone(),
                cause,
            });
        }
    }

    /// Enters a stage: rupture markers written into it open a rupture; the client speaks.
    fn enter(&mut self, id: &str) -> Result<(), SessionError> {
        let scenario = Arc::clone(&self.scenario);
        let st = scenario
            .stage(id)
            .ok_or_else(|| SessionError::UnknownStage(id.to_owned()))?;
        self.stage = id.to_owned();
        self.standing_taken.clear();
        self.state.answered_here.clear();
        self.state.present = scenario.present(st);
        let speaker = scenario.speaker(st);
        // The script can say how the speaker is as the stage opens (scripted flooding counts).
        let sp = &mut self.state.people[speaker];
        if let Some(d) = st.distress {
            sp.distress = d.clamp(0.0, 1.0);
        }
        if let Some(r) = st.reactance {
            sp.reactance = r.clamp(0.0, 1.0);
        }
        if let (Some(now), Some(_)) = (st.stage_of_change, sp.stage_of_change) {
            sp.stage_of_change = Some(now);
        }
        for a in &st.also {
            if let (Some(d), Some(i)) = (a.distress, scenario.person_index(&a.person))
                && let Some(p) = self.state.people.get_mut(i)
            {
                p.distress = d.clamp(0.0, 1.0);
            }
        }
        self.state.groundwork.extend(st.assumes.iter().copied());
        // Rupture markers open a rupture for the person who shows them, unless theirs is open already.
        let mut scripted: Vec<usize> = Vec::new();
        for (who, m) in scenario.markers_at(st) {
            if matches!(m, Marker::Rupture(_)) && self.state.people[who].rupture.is_none() && !scripted.contains(&who) {
                scripted.push(who);
                let markers: Vec<RuptureMarker> = scenario
                    .markers_at(st)
                    .into_iter()
                    .filter_map(|(i, m)| match m {
                        Marker::Rupture(x) if i == who => Some(x),
                        _ => None,
                    })
                    .collect();
                let before = self.state.people[who].alliance;
                self.open_rupture(who, st, before, markers);
            }
        }
        let open = self.state.people[speaker].rupture.as_ref().map(|r| r.kind);
        let rupture_lines: Vec<_> = st.rupture_lines.iter().filter(|l| Some(l.kind) == open).collect();
        self.state.withheld = None;
        // Conditional text first: the first line whose `when` holds; otherwise a variant among those without one.
        let rupture_lines: Vec<_> = match rupture_lines
            .iter()
            .find(|l| l.when.as_ref().is_some_and(|c| self.holds(c)))
        {
            Some(l) => vec![*l],
            None => {
                let plain: Vec<_> = rupture_lines.iter().copied().filter(|l| l.when.is_none()).collect();
                if plain.is_empty() { rupture_lines } else { plain }
            }
        };
        let lines: Vec<&crate::engine::format::scenario::Line> = match st
            .client
            .iter()
            .find(|l| l.when.as_ref().is_some_and(|c| self.holds(c)))
        {
            Some(l) => vec![l],
            None => {
                let plain: Vec<_> = st.client.iter().filter(|l| l.when.is_none()).collect();
                if plain.is_empty() {
                    st.client.iter().collect()
                } else {
                    plain
                }
            }
        };
        let mut own_nonverbal: Option<&str> = None;
        let (line, text) = if !rupture_lines.is_empty() {
            let l = rupture_lines[self.rng.random_range(0..rupture_lines.len())];
            self.state.withheld = l.markers.as_ref().map(|v| {
                let shown = v
                    .iter()
                    .filter_map(|m| match m {
                        Marker::Process(p) => Some(*p),
                        Marker::Rupture(_) => None,
                    })
                    .collect();
                (speaker, shown)
            });
            (l.id.clone(), l.text.clone())
        } else if lines.is_empty() {
            (String::new(), String::new())
        } else {
            let l = lines[self.rng.random_range(0..lines.len())];
            own_nonverbal = l.nonverbal.as_deref();
            (l.id.clone(), l.text.clone())
        };
        let name = &self.people[speaker].name;
        // Authors who wrote rupture lines describe the rupture themselves; otherwise say what it looks like.
        let shown = match open {
            _ if !rupture_lines.is_empty() => String::new(),
            Some(RuptureKind::Withdrawal) => {
                format!("{name} looks away and goes quiet; the answers get shorter.")
            }
            Some(RuptureKind::Confrontation) => {
                format!("{name}'s tone hardens; they push back on what you are doing.")
            }
            None => String::new(),
        };
        let nonverbal = [own_nonverbal.unwrap_or(st.nonverbal.as_str()), shown.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        self.events.push(Event::ClientSpeaks {
            stage: st.id.clone(),
            line,
            text,
            nonverbal,
            // The markers the trainee can see: a rupture line shows its own in place of the stage's process markers.
            markers: match &self.state.withheld {
                Some((_, shown)) => st
                    .markers
                    .iter()
                    .filter(|m| matches!(m, Marker::Rupture(_)))
                    .copied()
                    .chain(shown.iter().map(|p| Marker::Process(*p)))
                    .collect(),
                None => st.markers.clone(),
            },
            speaker: self.state.people[speaker].id.clone(),
            also: st.also.clone(),
        });
        // A scripted rupture is something that happened in the session, shown after the scene, never under
        // the trainee's move.
        for who in scripted {
            self.push_rupture_opened(who, RuptureCause::Script);
        }
        Ok(())
    }

    /// Better options at the same stage, judged in the same state, each with the reason.
    fn better_alternatives(&self, chosen: &Choice, key: &str, eval: &Evaluation) -> Vec<Alternative> {
        let mut out: Vec<Alternative> = self
            .available()
            .into_iter()
            // Never recommend a move the author marks as a mistake, nor a standing check the stage does not call for.
            .filter(|o| !matches!(o.intent, Some(Intent::Poor | Intent::Harmful)))
            .filter(|o| !self.is_standing(o) || self.critical_open(o))
            .filter_map(|o| {
                let t = self.catalog.get(&o.technique)?;
                // The same move turned to someone else is an alternative too (the best way to address it).
                let (e, alt_key, to) = self
                    .safe_addressings(o)
                    .into_iter()
                    .filter(|(_, k)| k != key)
                    .filter_map(|(to, k)| self.evaluate_to(o, &to).ok().map(|e| (e, k, to)))
                    .max_by(|a, b| a.0.score.total_cmp(&b.0.score))?;
                let same = o.id == chosen.id;
                // In a room, the better move says whom it is turned to.
                let name = if self.state.present.len() > 1 {
                    format!("{}, to {}", t.name, self.names_of(&to))
                } else {
                    t.name.clone()
                };
                (e.score > eval.score + 1.0).then(|| Alternative {
                    option: alt_key,
                    technique: t.id.clone(),
                    name,
                    score: e.score,
                    fit: e.fit.total,
                    reason: match self.reason_balance(&e, eval) {
                        Some(r) if !marker_gain(&e, eval) => r,
                        _ if same && !marker_gain(&e, eval) => format!(
                            "turned to whom it fits, its fit is {:+.2} against {:+.2} and it scores {:.0} against {:.0}",
                            e.fit.total, eval.fit.total, e.score, eval.score
                        ),
                        _ => reason_better(&e, eval, t, self.state.rupture().is_some()),
                    },
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(3);
        out
    }

    /// Why a move that keeps the alliance balanced is better, when the chosen move widened the split by
    /// turning to one side (None otherwise).
    fn reason_balance(&self, alt: &Evaluation, chosen: &Evaluation) -> Option<String> {
        let name = |i: usize| self.people.get(i).map_or("the client", |c| c.name.as_str());
        let sided: Vec<&str> = chosen
            .people
            .iter()
            .filter(|e| !e.addressed && e.delta.bond < -0.005)
            .map(|e| name(e.person))
            .collect();
        (chosen.split > alt.split + 0.005 && !sided.is_empty()).then(|| {
            format!(
                "it keeps the alliance balanced: your move turns to one side, and {} {} it as taking sides (the split widens by {:.2}); an unbalanced alliance predicts dropout in couple and family work (Friedlander et al. 2018)",
                sided.join(" and "),
                if sided.len() == 1 { "hears" } else { "hear" },
                chosen.split - alt.split
            )
        })
    }

    fn apply(&mut self, e: &Effect) {
        match e {
            Effect::Set(v, val) => {
                self.variables.insert(v.clone(), *val);
            }
            Effect::Add(v, d) => {
                if let Some(Value::Number(x)) = self.variables.get_mut(v) {
                    *x += d;
                }
            }
        }
    }

    /// Evaluates a condition against the session now.
    pub fn holds(&self, c: &Condition) -> bool {
        self.holds_for(c, None)
    }

    /// Evaluates a condition, reading the alliance and ruptures of one person (`Some`) or of the room.
    fn holds_for(&self, c: &Condition, person: Option<usize>) -> bool {
        let (a, rupture) = match person.and_then(|i| self.state.people.get(i)) {
            Some(p) => (p.alliance, p.rupture.as_ref()),
            None => (self.state.alliance(), self.state.rupture()),
        };
        match c {
            Condition::Alliance(cmp) => cmp.holds(a.mean()),
            Condition::Goal(cmp) => cmp.holds(a.goal),
            Condition::Task(cmp) => cmp.holds(a.task),
            Condition::Bond(cmp) => cmp.holds(a.bond),
            Condition::RuptureOpen => rupture.is_some(),
            Condition::RuptureOpenOf(k) => rupture.is_some_and(|r| r.kind == *k),
            Condition::Person(id, inner) => match self.scenario.person_index(id) {
                Some(i) => self.holds_for(inner, Some(i)),
                None => false,
            },
            Condition::Split(cmp) => cmp.holds(self.state.split()),
            Condition::Within(cmp) => self.state.within.is_some_and(|w| cmp.holds(w)),
            Condition::RuptureRepaired => self.state.repaired > 0,
            Condition::LastFit(b) => self.last.as_ref().is_some_and(|l| l.band == *b),
            Condition::LastSchool(s) => self.last.as_ref().is_some_and(|l| l.school == *s),
            Condition::LastProcess(p) => self.last.as_ref().is_some_and(|l| l.processes.contains(p)),
            // Readiness is the addressed person's, or in a room anyone's present (the work moves one person at a time).
            Condition::ReadinessAtLeast(s) => match person.and_then(|i| self.state.people.get(i)) {
                Some(p) => p.stage_of_change.is_some_and(|now| now >= *s),
                None => self
                    .state
                    .present
                    .iter()
                    .filter_map(|i| self.state.people.get(*i))
                    .any(|p| p.stage_of_change.is_some_and(|now| now >= *s)),
            },
            // Risk is assessed per person: `Person("daniel", Done(RiskAssessed))` asks whether he was asked.
            Condition::Done(crate::engine::vocab::Groundwork::RiskAssessed) if person.is_some() => person
                .and_then(|i| self.state.people.get(i))
                .is_some_and(|p| p.risk_assessed),
            Condition::Done(g) => self.state.groundwork.contains(g),
            Condition::Chose(o) => self.choices.iter().any(|c| c == o),
            Condition::Used(t) => {
                let id = self.catalog.get(t).map_or(t.as_str(), |x| x.id.as_str());
                self.history.iter().any(|c| c.technique == id)
            }
            Condition::JustChose(o) => self.history.last().is_some_and(|c| c.choice == *o),
            Condition::JustUsed(t) => {
                let id = self.catalog.get(t).map_or(t.as_str(), |x| x.id.as_str());
                self.history.last().is_some_and(|c| c.technique == id)
            }
            Condition::CriticalMiss => self.state.critical_misses > 0,
            Condition::SrsFlagged => self.state.srs_flagged,
            Condition::Flag(v) => matches!(self.variables.get(v), Some(Value::Bool(true))),
            Condition::Var(v, cmp) => {
                matches!(self.variables.get(v), Some(Value::Number(x)) if cmp.holds(*x))
            }
            Condition::All(v) => v.iter().all(|c| self.holds_for(c, person)),
            Condition::Any(v) => v.iter().any(|c| self.holds_for(c, person)),
            Condition::Not(b) => !self.holds_for(b, person),
        }
    }

    /// Everything the rest of a session can depend on, with the alliance rounded to .02: two sessions
    /// with the same key offer the same options and can reach the same endings. Used to search
    /// play-throughs without walking every path.
    pub fn state_key(&self) -> String {
        let st = &self.state;
        let q = |x: f32| (x * 50.0).round() as i32;
        let mut vars: Vec<_> = self.variables.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        vars.sort();
        // Conditions may read which options and techniques were chosen: key on those the scenario names.
        let named = &self.named;
        let mut chosen: Vec<&str> = self
            .history
            .iter()
            .flat_map(|c| [c.choice.as_str(), c.technique.as_str()])
            .filter(|x| named.contains(*x))
            .collect();
        // `JustChose` and `JustUsed` read the last move: which named one it was is part of the state.
        chosen.push("|");
        chosen.extend(
            self.history
                .last()
                .into_iter()
                .flat_map(|c| [c.choice.as_str(), c.technique.as_str()])
                .filter(|x| named.contains(*x)),
        );
        let people: Vec<String> = st
            .people
            .iter()
            .map(|p| {
                format!(
                    "{},{},{},{:?},{},{:?},{}",
                    q(p.alliance.goal),
                    q(p.alliance.task),
                    q(p.alliance.bond),
                    p.rupture.as_ref().map(|r| r.kind),
                    p.stage_progress,
                    p.stage_of_change,
                    p.stage_moves
                )
            })
            .collect();
        format!(
            "{}|{:?}|{}|{:?}|{}|{:?}|{}|{:?}|{}|{}|{:?}|{}|{:?}|{:?}|{}|{}",
            self.stage,
            self.ended,
            people.join(";"),
            st.within.map(q),
            st.repaired.min(1),
            self.last,
            vars.join(","),
            st.groundwork,
            st.critical_misses.min(1),
            st.srs_flagged,
            self.standing_taken,
            chosen.join(","),
            st.laid,
            st.answered_here,
            // The session's pattern of directiveness and focus, to a tenth: it moves the trait terms.
            (st.pattern.directiveness / st.pattern.moves as f32 * 10.0).round() as i32,
            (st.pattern.focus / st.pattern.moves as f32 * 10.0).round() as i32
        )
    }

    /// What a hot reload keeps.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            stage: self.stage.clone(),
            state: self.state.clone(),
            variables: self.variables.clone(),
            history: self.history.clone(),
            choices: self.choices.clone(),
            trajectory: self.trajectory.clone(),
        }
    }

    /// Resumes a snapshot in an edited scenario at the same stage id. Variables the new version
    /// no longer declares are dropped and new ones start at their initial value.
    pub fn resume(lib: &Library, scenario: Arc<Scenario>, seed: u64, snap: Snapshot) -> Result<Session, SessionError> {
        if scenario.stage(&snap.stage).is_none() {
            return Err(SessionError::UnknownStage(snap.stage));
        }
        let mut s = Session::new(lib, scenario, seed)?;
        // The people carried across must be the same people, in the same order.
        let ids = |st: &ClientState| st.people.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        if ids(&s.state) != ids(&snap.state) {
            return Err(SessionError::PeopleChanged);
        }
        let declared: Vec<_> = s.scenario.variables.iter().map(|v| (v.id.clone(), v.initial)).collect();
        s.variables = declared
            .into_iter()
            .map(|(id, init)| {
                let v = snap
                    .variables
                    .get(&id)
                    .copied()
                    .filter(|v| v.type_name() == init.type_name())
                    .unwrap_or(init);
                (id, v)
            })
            .collect();
        s.state = snap.state;
        s.history = snap.history;
        s.choices = snap.choices;
        s.trajectory = snap.trajectory;
        s.events.clear();
        s.enter(&snap.stage)?;
        Ok(s)
    }
}

/// Whether the alternative answers a marker the chosen move passed over (that is the reason, whatever else).
fn marker_gain(alt: &Evaluation, chosen: &Evaluation) -> bool {
    let marker = |e: &Evaluation| {
        e.fit
            .parts
            .iter()
            .find(|p| p.term == crate::engine::vocab::FitTerm::Marker)
            .map_or(0.0, |p| p.value)
    };
    marker(alt) > marker(chosen) + 0.4
}

/// Why an alternative beats the chosen move: the fit term that gains most, or the common factors.
fn reason_better(alt: &Evaluation, chosen: &Evaluation, t: &Technique, rupture_open: bool) -> String {
    if rupture_open && t.repair.is_some() && chosen.repair_chance.is_none() {
        let kind = t.repair.map(|k| k.label()).unwrap_or_default();
        return format!(
            "a rupture is open, and this is a repair move ({kind}); leaving the rupture unaddressed lets the alliance decay"
        );
    }
    if (alt.fit.overridden || chosen.fit.overridden) && alt.fit.total > chosen.fit.total + 0.05 {
        return if alt.fit.overridden {
            format!(
                "rated for this moment by the scenario, its fit is {:+.2}, against {:+.2} for your move",
                alt.fit.total, chosen.fit.total
            )
        } else {
            format!(
                "its fit here is {:+.2}, against {:+.2} for your move as rated for this moment by the scenario",
                alt.fit.total, chosen.fit.total
            )
        };
    }
    // A marker the alternative answers and the chosen move passed over is the reason, whatever else differs.
    let marker = |e: &Evaluation| {
        e.fit
            .parts
            .iter()
            .find(|p| p.term == crate::engine::vocab::FitTerm::Marker)
            .map(|p| (p.value, p.why.clone()))
    };
    if let (Some((a, why)), Some((c, _))) = (marker(alt), marker(chosen))
        && a > c + 0.4
    {
        return why;
    }
    let wsum = |e: &Evaluation| e.fit.parts.iter().map(|p| p.weight).sum::<f32>().max(f32::EPSILON);
    let (wa, wc) = (wsum(alt), wsum(chosen));
    let best = alt
        .fit
        .parts
        .iter()
        .map(|p| {
            let theirs = chosen
                .fit
                .parts
                .iter()
                .find(|q| q.term == p.term)
                .map_or(0.0, |q| q.weight * q.value / wc);
            (p.weight * p.value / wa - theirs, p)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let cf_gain = alt.common_factors.total - chosen.common_factors.total;
    match best {
        Some((gain, p)) if gain > 0.02 && gain >= cf_gain * 0.5 => p.why.clone(),
        _ if cf_gain > 0.0 => {
            let top = alt
                .common_factors
                .parts
                .iter()
                .max_by(|a, b| (a.weight * a.value).total_cmp(&(b.weight * b.value)))
                .map(|p| p.quality.label())
                .unwrap_or("the common factors");
            format!(
                "it carries more of the common factors (above all {top}): {:.2} against {:.2}",
                alt.common_factors.total, chosen.common_factors.total
            )
        }
        _ if alt.fit.total > chosen.fit.total + 0.02 => format!(
            "its overall fit is better here ({:+.2} against {:+.2})",
            alt.fit.total, chosen.fit.total
        ),
        // Neither fit nor common factors: the difference is in what it does for the alliance.
        _ => format!(
            "it does more for the alliance here (score {:.0} against {:.0}, alliance {:+.3} against {:+.3})",
            alt.score,
            chosen.score,
            alt.alliance.mean() + alt.expected_repair,
            chosen.alliance.mean() + chosen.expected_repair
        ),
    }
}
