//! The session: a deterministic state machine that plays a scenario and returns events and typed errors.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

use super::catalog::{Catalog, RepairKind, School, Technique};
use super::model::{
    Alliance, AllianceDelta, Choice, Condition, Effect, FitBand, Intent, Manner, Marker, Outcome, Phase, ProcessMarker,
    RuptureKind, RuptureMarker, Scenario, Stage, Value,
};
use super::scoring::{self, ClientState, Evaluation, MoveClass, OpenRupture, Srs};
use super::weights::Weights;

/// A session runs at most this many choices; it guards against loops an author left open.
pub const MAX_STEPS: usize = 200;

/// Errors a session returns instead of panicking.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
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
    #[error("the session went past {MAX_STEPS} choices; the scenario loops")]
    StepLimit,
}

/// What happened, in order, for a front end to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    ClientSpeaks {
        stage: String,
        line: String,
        text: String,
        nonverbal: String,
        markers: Vec<Marker>,
    },
    Feedback(Box<ChoiceOutcome>),
    /// The client answers the move just made.
    ClientReplies {
        option: String,
        text: String,
    },
    RuptureOpened {
        kind: RuptureKind,
        stage: String,
        markers: Vec<RuptureMarker>,
        cause: RuptureCause,
    },
    /// A safety or dissociation marker was left unanswered while a move that answers it was open.
    CriticalMiss {
        stage: String,
        marker: ProcessMarker,
    },
    RuptureRepaired {
        kind: RuptureKind,
        strategy: RepairKind,
    },
    RepairFailed {
        kind: RuptureKind,
        strategy: RepairKind,
    },
    MissedRepair {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuptureCause {
    Move,
    Script,
}

/// A better move that was open at the same stage, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub option: String,
    pub technique: String,
    pub name: String,
    pub score: f32,
    pub fit: f32,
    pub reason: String,
}

/// Everything one choice did, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoiceOutcome {
    pub step: usize,
    pub stage: String,
    pub phase: Phase,
    pub option: String,
    pub technique: String,
    pub technique_name: String,
    pub school: School,
    pub evaluation: Evaluation,
    pub alliance_before: Alliance,
    pub alliance_after: Alliance,
    /// The actual change, including repair or decay.
    pub alliance_change: AllianceDelta,
    /// The simulated SRS, when the move asks the client for feedback.
    pub srs: Option<Srs>,
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
    pub missing: Vec<super::model::Groundwork>,
    /// Why the author overrode the computed fit or alliance, if they did.
    pub override_reason: String,
}

/// The state a hot reload carries across: the stage id and everything the client has been through.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    last: Option<(FitBand, School, Vec<super::catalog::ChangeProcess>)>,
    /// Standing moves already taken at the current stage.
    standing_taken: Vec<String>,
}

impl Session {
    /// Starts a session at the scenario's start stage. The events so far (the client's first words)
    /// are in [`Session::events`].
    pub fn new(
        scenario: Arc<Scenario>,
        catalog: Arc<Catalog>,
        weights: &Weights,
        seed: u64,
    ) -> Result<Session, SessionError> {
        let weights = weights.with_overrides(scenario.weights.as_ref());
        let state = ClientState::from_intake(&scenario.client, &scenario.initial_groundwork());
        let variables = scenario.variables.iter().map(|v| (v.id.clone(), v.initial)).collect();
        let start = scenario.start.clone();
        if scenario.stage(&start).is_none() {
            return Err(SessionError::UnknownStage(start));
        }
        let mut s = Session {
            trajectory: vec![(start.clone(), state.alliance)],
            scenario,
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
        };
        s.enter(&start)?;
        Ok(s)
    }

    /// Plays `choices` from the start: how replays, golden scripts and "replay from stage N" work.
    pub fn replay(
        scenario: Arc<Scenario>,
        catalog: Arc<Catalog>,
        weights: &Weights,
        seed: u64,
        choices: &[String],
    ) -> Result<Session, SessionError> {
        let mut s = Session::new(scenario, catalog, weights, seed)?;
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
        let offered: Vec<String> = st.options.iter().map(|o| canonical(&o.technique)).collect();
        st.options
            .iter()
            .filter(open)
            .chain(
                self.scenario
                    .standing
                    .iter()
                    .filter(open)
                    .filter(|o| !self.standing_taken.contains(&o.id) && !offered.contains(&canonical(&o.technique)))
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

    /// Evaluates an option at the current state without choosing it.
    pub fn evaluate(&self, option: &Choice) -> Result<Evaluation, SessionError> {
        let st = self.stage().ok_or(SessionError::Ended)?;
        let t = self
            .catalog
            .get(&option.technique)
            .ok_or_else(|| SessionError::UnknownTechnique(option.technique.clone()))?;
        Ok(scoring::evaluate(
            t,
            option,
            &self.scenario.client,
            &self.state,
            st,
            &self.weights,
        ))
    }

    /// The move the engine's best play makes now: a standing move that lays what the scenario requires as soon
    /// as it is not premature, else the highest-scoring move (a standing move only where a critical marker
    /// calls for it). One rule for `play --auto best`, `analyze` and `calibrate`.
    pub fn best_move(&self) -> Option<String> {
        let open = self.available();
        let stage = self.stage()?;
        // Risk or dissociation present now comes first: the stage's own answer (or a standing one that answers it).
        let urgent = stage
            .process_markers()
            .iter()
            .any(|m| scoring::is_critical_now(*m, &self.state) && !self.state.answered_here.contains(m));
        let required = open.iter().filter(|_| !urgent).find(|o| {
            self.is_standing(o)
                && self.catalog.get(&o.technique).is_some_and(|t| {
                    let t = scoring::delivered(t, &o.manner);
                    t.provides
                        .iter()
                        .any(|g| self.scenario.requires.contains(g) && !self.state.laid.contains(g))
                        && scoring::missing_now(&t, &o.manner, &self.state, stage, &self.weights).is_empty()
                })
        });
        if let Some(o) = required {
            return Some(o.id.clone());
        }
        open.into_iter()
            .filter(|o| !self.is_standing(o) || self.critical_open(o))
            .filter_map(|o| self.evaluate(o).ok().map(|e| (e.score, o.id.clone())))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| id)
    }

    /// Whether `option` answers a risk or dissociation marker present and unanswered now.
    fn critical_open(&self, option: &Choice) -> bool {
        let Some(stage) = self.stage() else { return false };
        let Some(t) = self.catalog.get(&option.technique) else {
            return false;
        };
        let answers = scoring::delivered(t, &option.manner).answers;
        stage.process_markers().iter().any(|m| {
            scoring::is_critical_now(*m, &self.state) && !self.state.answered_here.contains(m) && answers.contains(m)
        })
    }

    /// The critical marker (risk, dissociation) at this stage that `option` leaves unanswered while
    /// another open move answers it.
    fn critical_miss(&self, stage: &Stage, option: &Choice) -> Option<ProcessMarker> {
        let answers = |o: &Choice, m: &ProcessMarker| {
            self.catalog
                .get(&o.technique)
                .is_some_and(|t| scoring::delivered(t, &o.manner).answers.contains(m))
        };
        let open = self.available();
        stage
            .process_markers()
            .into_iter()
            .filter(|m| scoring::is_critical_now(*m, &self.state) && !self.state.answered_here.contains(m))
            .find(|m| !answers(option, m) && open.iter().any(|o| answers(o, m)))
    }

    /// Makes a choice; returns the events it caused.
    pub fn choose(&mut self, option_id: &str) -> Result<Vec<Event>, SessionError> {
        if self.ended.is_some() {
            return Err(SessionError::Ended);
        }
        if self.history.len() >= MAX_STEPS {
            return Err(SessionError::StepLimit);
        }
        let scenario = Arc::clone(&self.scenario);
        let stage = scenario
            .stage(&self.stage)
            .ok_or_else(|| SessionError::UnknownStage(self.stage.clone()))?;
        let (option, standing) = scenario
            .option(stage, option_id)
            .ok_or_else(|| SessionError::UnknownOption(option_id.to_owned()))?;
        if !self.available().iter().any(|o| o.id == option.id) {
            return Err(SessionError::NotOffered(option_id.to_owned()));
        }
        let catalog = Arc::clone(&self.catalog);
        let t = catalog
            .get(&option.technique)
            .ok_or_else(|| SessionError::UnknownTechnique(option.technique.clone()))?;
        let t = &scoring::delivered(t, &option.manner);
        let first_event = self.events.len();

        let eval = self.evaluate(option)?;
        let best_score = self
            .available()
            .iter()
            .filter_map(|o| self.evaluate(o).ok().map(|e| e.score))
            .fold(eval.score, f32::max);
        // A standing move is not the stage's answer (the stage goes on): only the move that leaves the stage can
        // leave a marker unanswered.
        let critical = if standing {
            None
        } else {
            self.critical_miss(stage, option)
        };
        let loss = best_score - eval.score;
        // A standing move does not take the stage's place (the stage goes on), so it is not graded against
        // the stage's options: it is best when it answers a marker present now, good otherwise.
        let answers_now = stage.process_markers().iter().any(|m| t.answers.contains(m));
        let (class, accuracy) = if standing && critical.is_none() {
            (if answers_now { MoveClass::Best } else { MoveClass::Good }, 100.0)
        } else {
            (
                scoring::classify(loss, critical.is_some(), &self.weights),
                scoring::accuracy(loss, critical.is_some(), &self.weights),
            )
        };
        let missing = scoring::missing_now(t, &option.manner, &self.state, stage, &self.weights);
        if let Some(marker) = critical {
            self.state.critical_misses += 1;
            self.events.push(Event::CriticalMiss {
                stage: stage.id.clone(),
                marker,
            });
        }
        let better = self.better_alternatives(option, &eval);
        self.state
            .answered_here
            .extend(stage.process_markers().into_iter().filter(|m| t.answers.contains(m)));
        let before = self.state.alliance;
        let rupture_before = self.state.rupture.clone();
        let mut alliance = before.apply(eval.alliance);

        // An open rupture is repaired by the right move, or decays the alliance while it stays open.
        let r = self.weights.alliance.clone();
        if let Some(open) = &rupture_before {
            match (t.repair, eval.repair_chance) {
                (Some(kind), Some(p)) if self.rng.random::<f32>() < p => {
                    alliance = Alliance {
                        goal: alliance.goal.max(open.alliance_before.goal) + r.repair_gain,
                        task: alliance.task.max(open.alliance_before.task) + r.repair_gain,
                        bond: alliance.bond.max(open.alliance_before.bond) + r.repair_gain,
                    }
                    .clamped();
                    self.state.rupture = None;
                    self.state.repaired += 1;
                    self.events.push(Event::RuptureRepaired {
                        kind: open.kind,
                        strategy: kind,
                    });
                }
                (Some(kind), _) => {
                    alliance = alliance.apply(decay(r.open_decay));
                    self.state.dropout_risk = (self.state.dropout_risk + r.open_dropout).min(1.0);
                    self.events.push(Event::RepairFailed {
                        kind: open.kind,
                        strategy: kind,
                    });
                }
                // Safety first: grounding or a risk assessment that answers a safety or dissociation marker
                // at this stage holds the rupture for later instead of counting as a missed repair.
                (None, _)
                    if stage
                        .process_markers()
                        .iter()
                        .any(|m| scoring::is_critical(*m) && t.answers.contains(m)) => {}
                (None, _) => {
                    alliance = alliance.apply(decay(r.open_decay));
                    self.state.dropout_risk = (self.state.dropout_risk + r.open_dropout).min(1.0);
                    self.events.push(Event::MissedRepair {
                        kind: open.kind,
                        stage: self.stage.clone(),
                    });
                }
            }
        } else if !t.is_safety() && (eval.fit.total < r.rupture_fit || eval.alliance.min() < -r.rupture_delta) {
            // A poor move opens a rupture; its kind follows the reactance state. Asking about safety never
            // opens one by itself.
            self.open_rupture(stage, before, Vec::new());
            self.push_rupture_opened(super::session::RuptureCause::Move);
        }
        self.state.alliance = alliance;

        // The client's state moves: reactance with directiveness, distress with arousal, readiness with matched work.
        let s = &self.weights.state;
        let trait_r = scenario.client.reactance.trait_level;
        let mut react = self.state.reactance + s.reactance_rise * (2.0 * t.directiveness - 1.0) * trait_r;
        react += s.reactance_settle * (trait_r - react);
        self.state.reactance = react.clamp(0.0, 1.0);
        self.state.distress = (self.state.distress + s.distress_per_arousal * t.arousal).clamp(0.0, 1.0);
        let stage_term = eval.fit.parts.iter().find(|p| p.term == super::weights::FitTerm::Stage);
        let can_move = self.state.stage_moves < s.stage_moves_per_session;
        if can_move && stage_term.is_some_and(|p| p.value > 0.0) && eval.fit.band == FitBand::Good {
            self.state.stage_progress += s.stage_progress;
            if self.state.stage_progress >= 1.0 {
                self.state.stage_progress = 0.0;
                self.state.stage_moves += 1;
                self.state.stage_of_change = self.state.stage_of_change.map(|x| x.next());
            }
        }
        self.state.pattern.add(t);
        if eval.fit.band != FitBand::Poor {
            self.state.groundwork.extend(t.provides.iter().copied());
            self.state.laid.extend(t.provides.iter().copied());
            // Whatever the move, a stage of assessment or rapport passed without a poor move has heard the story,
            // and a stage of intervention passed so has begun the change work.
            match stage.phase {
                Phase::Assessment | Phase::Rapport => {
                    self.state.groundwork.insert(super::model::Groundwork::Explored);
                }
                Phase::Intervention => {
                    self.state.groundwork.insert(super::model::Groundwork::ChangeBegun);
                }
                _ => {}
            }
        }

        for e in &option.effects {
            self.apply(e);
        }

        // The integration pattern reads process-experiential markers only (not crisis, trauma or MI ones).
        let markers_present = stage
            .markers
            .iter()
            .filter(|m| matches!(m, Marker::Process(p) if p.is_experiential()))
            .count();
        let marker_answered = stage
            .markers
            .iter()
            .any(|m| matches!(m, Marker::Process(p) if p.is_experiential() && t.answers.contains(p)));
        // Only a move that explicitly asks the client to rate the session shows the simulated SRS.
        let srs = (t.qualities.feedback >= 0.8).then(|| {
            let r = scoring::srs(
                self.state.alliance,
                scenario.client.compliance,
                self.state.rupture.as_ref().map(|r| r.kind),
                self.state.last_srs,
                &self.weights,
            );
            self.state.last_srs = Some(r.total);
            self.state.srs_flagged = r.flagged;
            r
        });
        let c = &scenario.client;
        let culturally_adapted = (c.culture.salience >= 0.4 && t.adaptation.culture > 0.2)
            || (c.religion_salience >= 0.4 && t.adaptation.religion > 0.2);
        let outcome = ChoiceOutcome {
            step: self.history.len() + 1,
            stage: stage.id.clone(),
            phase: stage.phase,
            option: option.id.clone(),
            technique: t.id.clone(),
            technique_name: t.name.clone(),
            school: t.school,
            alliance_before: before,
            alliance_after: self.state.alliance,
            alliance_change: self.state.alliance.minus(before),
            srs,
            feedback: option.feedback.clone(),
            better,
            rupture_open_before: rupture_before.as_ref().map(|r| r.kind),
            rupture_open_after: self.state.rupture.as_ref().map(|r| r.kind),
            markers_present,
            marker_answered,
            relational: t.is_relational(),
            culturally_adapted,
            class,
            accuracy,
            best_score,
            critical,
            standing,
            intent: option.intent,
            manner: option.manner.clone(),
            schools: t.schools().collect(),
            missing,
            override_reason: option.reason.clone(),
            evaluation: eval,
        };
        self.last = Some((outcome.evaluation.fit.band, t.school, t.processes.clone()));
        self.events
            .insert(first_event, Event::Feedback(Box::new(outcome.clone())));
        self.history.push(outcome);
        self.choices.push(option.id.clone());
        if let Some(text) = option.reply.as_ref().filter(|t| !t.trim().is_empty()) {
            self.events.push(Event::ClientReplies {
                option: option.id.clone(),
                text: text.clone(),
            });
        }

        let next = match &option.next {
            Some(n) => n.clone(),
            // A standing move without a `next` is answered and the stage goes on.
            None if standing => {
                self.standing_taken.push(option.id.clone());
                self.trajectory.push((stage.id.clone(), self.state.alliance));
                return Ok(self.events[first_event..].to_vec());
            }
            None => stage
                .transitions
                .iter()
                .find(|tr| tr.when.as_ref().is_none_or(|c| self.holds(c)))
                .map(|tr| tr.to.clone())
                .ok_or_else(|| SessionError::DeadEnd(stage.id.clone()))?,
        };
        self.trajectory.push((next.clone(), self.state.alliance));
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
        Ok(self.events[first_event..].to_vec())
    }

    fn open_rupture(&mut self, stage: &Stage, before: Alliance, markers: Vec<RuptureMarker>) {
        let c = &self.scenario.client;
        let kind = match markers.first() {
            Some(m) => m.kind(),
            None => scoring::rupture_kind(self.state.reactance, c.compliance, c.rupture_style, &self.weights),
        };
        self.state.rupture = Some(OpenRupture {
            kind,
            stage: stage.id.clone(),
            alliance_before: before,
            markers,
        });
        self.state.ruptures += 1;
    }

    /// Reports the rupture just opened, with what caused it.
    fn push_rupture_opened(&mut self, cause: RuptureCause) {
        if let Some(r) = &self.state.rupture {
            self.events.push(Event::RuptureOpened {
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
        // The script can say how the client is as the stage opens (scripted flooding counts).
        if let Some(d) = st.distress {
            self.state.distress = d.clamp(0.0, 1.0);
        }
        if let Some(r) = st.reactance {
            self.state.reactance = r.clamp(0.0, 1.0);
        }
        self.state.groundwork.extend(st.assumes.iter().copied());
        if let (Some(now), Some(_)) = (st.stage_of_change, self.state.stage_of_change) {
            self.state.stage_of_change = Some(now);
        }
        let scripted = st.rupture_markers();
        let script_opens = !scripted.is_empty() && self.state.rupture.is_none();
        if script_opens {
            self.open_rupture(st, self.state.alliance, scripted);
        }
        let open = self.state.rupture.as_ref().map(|r| r.kind);
        let rupture_lines: Vec<_> = st.rupture_lines.iter().filter(|l| Some(l.kind) == open).collect();
        let (line, text) = if !rupture_lines.is_empty() {
            let l = rupture_lines[self.rng.random_range(0..rupture_lines.len())];
            (l.id.clone(), l.text.clone())
        } else if st.client.is_empty() {
            (String::new(), String::new())
        } else {
            let l = &st.client[self.rng.random_range(0..st.client.len())];
            (l.id.clone(), l.text.clone())
        };
        let name = &scenario.client.name;
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
        let nonverbal = [st.nonverbal.as_str(), shown.as_str()]
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
            markers: st.markers.clone(),
        });
        // A scripted rupture is something that happened in the session, shown after the scene, never under
        // the trainee's move.
        if script_opens {
            self.push_rupture_opened(RuptureCause::Script);
        }
        Ok(())
    }

    /// Better options at the same stage, judged in the same state, each with the reason.
    fn better_alternatives(&self, chosen: &Choice, eval: &Evaluation) -> Vec<Alternative> {
        let mut out: Vec<Alternative> = self
            .available()
            .into_iter()
            .filter(|o| o.id != chosen.id)
            // Never recommend a move the author marks as a mistake, nor a standing check the stage does not call for.
            .filter(|o| !matches!(o.intent, Some(Intent::Poor | Intent::Harmful)))
            .filter(|o| !self.is_standing(o) || self.critical_open(o))
            .filter_map(|o| {
                let t = self.catalog.get(&o.technique)?;
                let e = self.evaluate(o).ok()?;
                (e.score > eval.score + 1.0).then(|| Alternative {
                    option: o.id.clone(),
                    technique: t.id.clone(),
                    name: t.name.clone(),
                    score: e.score,
                    fit: e.fit.total,
                    reason: reason_better(&e, eval, t, self.state.rupture.is_some()),
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(3);
        out
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
        let a = &self.state.alliance;
        match c {
            Condition::Alliance(cmp) => cmp.holds(a.mean()),
            Condition::Goal(cmp) => cmp.holds(a.goal),
            Condition::Task(cmp) => cmp.holds(a.task),
            Condition::Bond(cmp) => cmp.holds(a.bond),
            Condition::RuptureOpen => self.state.rupture.is_some(),
            Condition::RuptureOpenOf(k) => self.state.rupture.as_ref().is_some_and(|r| r.kind == *k),
            Condition::RuptureRepaired => self.state.repaired > 0,
            Condition::LastFit(b) => self.last.as_ref().is_some_and(|l| l.0 == *b),
            Condition::LastSchool(s) => self.last.as_ref().is_some_and(|l| l.1 == *s),
            Condition::LastProcess(p) => self.last.as_ref().is_some_and(|l| l.2.contains(p)),
            Condition::ReadinessAtLeast(s) => self.state.stage_of_change.is_some_and(|now| now >= *s),
            Condition::Done(g) => self.state.groundwork.contains(g),
            Condition::Chose(o) => self.choices.iter().any(|c| c == o),
            Condition::Used(t) => {
                let id = self.catalog.get(t).map_or(t.as_str(), |x| x.id.as_str());
                self.history.iter().any(|c| c.technique == id)
            }
            Condition::CriticalMiss => self.state.critical_misses > 0,
            Condition::SrsFlagged => self.state.srs_flagged,
            Condition::Flag(v) => matches!(self.variables.get(v), Some(Value::Bool(true))),
            Condition::Var(v, cmp) => {
                matches!(self.variables.get(v), Some(Value::Number(x)) if cmp.holds(*x))
            }
            Condition::All(v) => v.iter().all(|c| self.holds(c)),
            Condition::Any(v) => v.iter().any(|c| self.holds(c)),
            Condition::Not(b) => !self.holds(b),
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
        let named = self.scenario.named_choices();
        let chosen: Vec<&str> = self
            .history
            .iter()
            .flat_map(|c| [c.option.as_str(), c.technique.as_str()])
            .filter(|x| named.contains(*x))
            .collect();
        format!(
            "{}|{:?}|{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{}|{:?}|{}|{}|{}|{:?}|{}|{:?}|{:?}|{}|{}",
            self.stage,
            self.ended,
            q(st.alliance.goal),
            q(st.alliance.task),
            q(st.alliance.bond),
            st.repaired.min(1),
            st.stage_progress,
            st.rupture.as_ref().map(|r| r.kind),
            st.stage_of_change,
            self.last,
            vars.join(","),
            st.groundwork,
            st.critical_misses.min(1),
            st.srs_flagged,
            st.stage_moves,
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
    pub fn resume(
        scenario: Arc<Scenario>,
        catalog: Arc<Catalog>,
        weights: &Weights,
        seed: u64,
        snap: Snapshot,
    ) -> Result<Session, SessionError> {
        if scenario.stage(&snap.stage).is_none() {
            return Err(SessionError::UnknownStage(snap.stage));
        }
        let mut s = Session::new(scenario, catalog, weights, seed)?;
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

fn decay(d: f32) -> AllianceDelta {
    AllianceDelta {
        goal: -d,
        task: -d,
        bond: -d,
    }
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
                "the scenario's author rates its fit here at {:+.2}, against {:+.2} for your move",
                alt.fit.total, chosen.fit.total
            )
        } else {
            format!(
                "its fit here is {:+.2}, against the author's rating of {:+.2} for your move",
                alt.fit.total, chosen.fit.total
            )
        };
    }
    // A marker the alternative answers and the chosen move passed over is the reason, whatever else differs.
    let marker = |e: &Evaluation| {
        e.fit
            .parts
            .iter()
            .find(|p| p.term == super::weights::FitTerm::Marker)
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
        _ => format!(
            "its overall fit is better here ({:+.2} against {:+.2})",
            alt.fit.total, chosen.fit.total
        ),
    }
}
