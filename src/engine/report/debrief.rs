//! The debrief of a whole session: trajectory, scores, missed repairs, integration pattern and rubric items.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::format::scenario::{Alliance, IntegrationMode};
use crate::engine::play::scoring::MoveClass;
use crate::engine::play::session::{Event, Session};
use crate::engine::vocab::{FitBand, Outcome, School};

/// The session's result in one word, from its accuracy; any critical miss makes it unsafe, whatever else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Verdict {
    Excellent,
    Good,
    Mixed,
    Poor,
    /// A safety or dissociation marker was left unanswered: the session cannot count as good.
    Unsafe,
}

impl Verdict {
    /// Excellent from 90%, good from 75%, mixed from 50% (educator-set bands, like a marking scheme).
    pub fn of(accuracy: f32, critical_misses: usize) -> Verdict {
        if critical_misses > 0 {
            Verdict::Unsafe
        } else if accuracy >= 90.0 {
            Verdict::Excellent
        } else if accuracy >= 75.0 {
            Verdict::Good
        } else if accuracy >= 50.0 {
            Verdict::Mixed
        } else {
            Verdict::Poor
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Excellent => "excellent",
            Verdict::Good => "good",
            Verdict::Mixed => "mixed",
            Verdict::Poor => "poor",
            Verdict::Unsafe => "unsafe: a critical miss",
        }
    }

    /// What the accuracy means, in one sentence.
    pub fn explain(self) -> &'static str {
        match self {
            Verdict::Unsafe => {
                "a safety step was missed: a risk or dissociation marker left unanswered while a move that answered it was open, or no risk check where this client's material calls for one; in practice that comes before everything else"
            }
            _ => {
                "100% means the best move open at every stage, judged as a supervisor would against the moves on offer, not against perfection"
            }
        }
    }

    pub fn is_good(self) -> bool {
        matches!(self, Verdict::Excellent | Verdict::Good)
    }
}

/// A critical miss, for the debrief's red list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CriticalItem {
    pub step: usize,
    /// The stage's id (empty for a step the session's ending left undone).
    pub stage: String,
    /// The stage's title, or the ending's, as the student saw it.
    #[serde(default)]
    pub stage_title: String,
    pub what: String,
}

/// The trainee's practice, scored (kept apart from the client's course).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Practice {
    /// Mean move accuracy in percent: 100 is the best move open at every stage.
    pub accuracy: f32,
    pub verdict: Verdict,
    /// How many moves fell in each class.
    pub classes: Vec<(MoveClass, usize)>,
    pub critical: Vec<CriticalItem>,
    /// Mean choice score, 0..100 (the absolute figure, for the curious).
    pub score: f32,
    pub mean_fit: f32,
    pub mean_common_factors: f32,
    /// Share of moves with good fit.
    pub good_fit_share: f32,
}

/// The simulated client's course.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientCourse {
    pub outcome: Option<Outcome>,
    pub start_alliance: Alliance,
    pub final_alliance: Alliance,
    pub dropout_risk: f32,
    pub ruptures_opened: u32,
    pub ruptures_repaired: u32,
}

/// A rupture marker left without a repair move.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MissedRepair {
    pub step: usize,
    pub stage: String,
    /// The stage's title as the student saw it.
    #[serde(default)]
    pub stage_title: String,
    pub kind: String,
    pub technique: String,
    /// Whose rupture it was (a person's id; `client` in individual work).
    #[serde(default)]
    pub person: String,
}

/// A repair move that was the right kind of move and did not take: the odds were against it this time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailedRepair {
    pub step: usize,
    pub stage_title: String,
    pub kind: String,
    pub technique: String,
    /// The chance it had of repairing the rupture, 0..1.
    pub chance: f32,
}

/// One integration mode, how well the play-through matches its prototype, and the evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeMatch {
    pub mode: IntegrationMode,
    /// 0..1 match to the prototype.
    pub strength: f32,
    pub evidence: Vec<String>,
}

/// Features of the play-through that the integration pattern is read from (`scenarios/SCORING-MODEL.md` section 4).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatternFeatures {
    pub moves: usize,
    /// Moves per school (relational moves under `Common`).
    pub schools: BTreeMap<School, usize>,
    /// Spread across schools: normalised entropy of the non-relational moves, 0..1.
    pub spread: f32,
    pub home_school: Option<School>,
    pub home_share: f32,
    pub switches: usize,
    pub switches_at_phase_boundary: usize,
    /// Switches into a school whose move then fitted poorly: technique-hopping.
    pub unfounded_switches: usize,
    pub positive_fit_share: f32,
    pub relational_share: f32,
    /// Relational moves made while the alliance was low or a rupture was open, over relational moves.
    pub relational_responsive: f32,
    pub marker_stages: usize,
    pub markers_answered: usize,
    pub culture_salient: bool,
    pub adapted_moves: usize,
}

/// The integration pattern: a formative mirror, not a validated classification.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Integration {
    pub features: PatternFeatures,
    /// Modes ranked by strength; the first ones describe the play-through best.
    pub modes: Vec<ModeMatch>,
    /// The mode the scenario was built to teach.
    pub intended: IntegrationMode,
    pub note: String,
}

/// The debrief of a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Debrief {
    pub scenario: String,
    pub ending: Option<String>,
    pub ending_title: String,
    pub ending_text: String,
    pub practice: Practice,
    pub client: ClientCourse,
    /// Alliance after each step, starting with the intake.
    pub trajectory: Vec<(String, Alliance)>,
    /// (step, stage, technique, fit, score) per choice.
    pub choices: Vec<ChoiceLine>,
    pub missed_repairs: Vec<MissedRepair>,
    /// Repairs tried that did not take this time (a chance, shown with its odds).
    #[serde(default)]
    pub failed_repairs: Vec<FailedRepair>,
    pub integration: Integration,
    /// What to try next time: the moves that lost most against the best move open, worst first, each with
    /// the better move and why. The debrief leads with these, so it teaches forward.
    pub next_time: Vec<Lesson>,
    /// Rubric items touched: (item, by moves that were best, good or questionable, by poor moves and critical
    /// misses). A lecture touches MITI partnership against it, not for it.
    pub rubric: Vec<(String, usize, usize)>,
    /// Simulated SRS totals where the trainee asked for feedback: (step, total, flagged).
    pub srs: Vec<(usize, f32, bool)>,
    /// Where more than one person is in the case: each person's course and the split over the session.
    pub room: Option<Room>,
}

/// The room over the session: each person's alliance and the split, from the intake and after every step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Room {
    pub people: Vec<PersonCourse>,
    /// The split alliance, from the intake and after each step.
    pub split: Vec<f32>,
    /// The within-system alliance over the same points.
    pub within: Vec<f32>,
    /// The split at or above which the alliance is shown as split.
    pub split_flag: f32,
    /// The widest split and the step after which it was reached (0 for the intake).
    pub widest: (usize, f32),
    /// Where the session ended with the alliance split: what to do about it next time.
    pub lesson: Option<String>,
}

/// One person's course over the session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonCourse {
    pub id: String,
    pub name: String,
    /// Mean alliance and bond from the intake and after each step.
    pub alliance: Vec<f32>,
    pub bond: Vec<f32>,
    /// Moves turned to them alone that someone else heard as taking a side.
    pub turned_to: usize,
    /// Their ratings: (step, total, flagged).
    pub srs: Vec<(usize, f32, bool)>,
}

/// A move to do differently next time, and what would have served better.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lesson {
    pub step: usize,
    /// The stage's title (the stage id when it has none).
    pub stage: String,
    pub chose: String,
    pub class: MoveClass,
    /// The better move open at that moment, and why; empty when none was clearly better.
    pub better: String,
    pub reason: String,
}

/// One line of the choice table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChoiceLine {
    pub step: usize,
    pub stage: String,
    /// The stage's title as the student saw it.
    #[serde(default)]
    pub stage_title: String,
    pub option: String,
    pub technique: String,
    pub fit: f32,
    /// The fit's band (from the weights).
    pub band: FitBand,
    pub common_factors: f32,
    pub score: f32,
    pub class: MoveClass,
    pub accuracy: f32,
}

/// What a student reads for a stage: its title, or (for a stage without one) its place in the session.
pub fn stage_title(sc: &crate::engine::Scenario, id: &str) -> String {
    sc.stage(id)
        .map(|s| s.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "an untitled stage".to_owned())
}

fn mean(v: impl Iterator<Item = f32>) -> f32 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { s / n as f32 }
}

pub fn debrief(session: &Session) -> Debrief {
    let sc = session.scenario();
    let h = session.history();
    let ending = session.ended().and_then(|id| sc.ending(id));
    let state = session.state();
    // Standing moves are extra moves (the stage goes on), so the session's accuracy is over the stages' moves.
    let accuracy = mean(h.iter().filter(|c| !c.standing).map(|c| c.accuracy));
    let critical: Vec<CriticalItem> = h
        .iter()
        .filter_map(|c| {
            c.critical.map(|m| CriticalItem {
                step: c.step,
                stage: c.stage.clone(),
                stage_title: stage_title(sc, &c.stage),
                what: format!(
                    "{} {} marker was present and {} left it unanswered",
                    crate::engine::play::scoring::article(m.label()),
                    m.label(),
                    c.technique_name
                ),
            })
        })
        .collect();
    // What the scenario requires of a competent session, when the session has ended without it.
    let initial = sc.initial_groundwork();
    let missing_required: Vec<crate::engine::vocab::Groundwork> = if session.ended().is_some() {
        sc.requires
            .iter()
            .copied()
            .filter(|g| !state.laid.contains(g) && !initial.contains(g))
            .collect()
    } else {
        Vec::new()
    };
    let mut critical = critical;
    critical.extend(missing_required.iter().map(|g| CriticalItem {
        step: h.len(),
        stage: ending.map_or_else(String::new, |e| e.title.clone()),
        stage_title: ending.map_or_else(|| "the end of the session".to_owned(), |e| e.title.clone()),
        what: format!(
            "the session ended without {}, which this client's material calls for",
            g.label()
        ),
    }));
    let mut classes: BTreeMap<MoveClass, usize> = BTreeMap::new();
    for c in h {
        *classes.entry(c.class).or_default() += 1;
    }
    let unsafe_misses = critical.len()
        - missing_required
            .iter()
            .filter(|g| **g != crate::engine::vocab::Groundwork::RiskAssessed)
            .count();
    let room = room(session);
    let mut verdict = Verdict::of(accuracy, unsafe_misses);
    // Moves each defensible alone can add up to a split alliance, which predicts dropout: the session cannot
    // read as good when it ends split.
    if room.as_ref().is_some_and(|r| r.lesson.is_some()) && verdict.is_good() {
        verdict = Verdict::Mixed;
    }
    // A required step missed (other than the risk check, which is unsafe) caps the verdict at mixed.
    if !missing_required.is_empty() && verdict.is_good() {
        verdict = Verdict::Mixed;
    }
    let practice = Practice {
        accuracy,
        verdict,
        classes: classes.into_iter().collect(),
        critical,
        score: mean(h.iter().map(|c| c.evaluation.score)),
        mean_fit: mean(h.iter().map(|c| c.evaluation.fit.total)),
        mean_common_factors: mean(h.iter().map(|c| c.evaluation.common_factors.total)),
        good_fit_share: mean(
            h.iter()
                .map(|c| f32::from(u8::from(c.evaluation.fit.band == FitBand::Good))),
        ),
    };
    let client = ClientCourse {
        outcome: ending.map(|e| e.outcome),
        start_alliance: session.trajectory().first().map_or(sc.client.alliance, |t| t.1),
        final_alliance: state.alliance(),
        dropout_risk: state.dropout_risk,
        ruptures_opened: state.ruptures,
        ruptures_repaired: state.repaired,
    };
    let mut missed = Vec::new();
    let mut step = 0;
    for e in session.events() {
        match e {
            Event::Feedback(o) => step = o.step,
            Event::MissedRepair { kind, stage, person } => missed.push(MissedRepair {
                step,
                stage_title: stage_title(sc, stage),
                person: person.clone(),
                stage: stage.clone(),
                kind: kind.label().to_owned(),
                technique: h
                    .get(step.saturating_sub(1))
                    .map(|c| c.technique_name.clone())
                    .unwrap_or_default(),
            }),
            _ => {}
        }
    }
    // A repair tried that did not take is chance, not a mistake: kept apart from the repairs never tried.
    let failed: Vec<FailedRepair> = h
        .iter()
        .zip(crate::engine::play::session::moves_of(session.events()))
        .filter_map(|(c, events)| {
            let kind = events.iter().find_map(|e| match e {
                Event::RepairFailed { kind, .. } => Some(kind.label().to_owned()),
                _ => None,
            })?;
            Some(FailedRepair {
                step: c.step,
                stage_title: stage_title(sc, &c.stage),
                kind,
                technique: c.technique_name.clone(),
                chance: c.evaluation.repair_chance.unwrap_or(0.0),
            })
        })
        .collect();
    let mut rubric: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in h {
        if let Some(t) = session.technique(&c.technique) {
            let against = matches!(c.class, MoveClass::Poor | MoveClass::CriticalMiss);
            for item in &t.rubric {
                let e = rubric.entry(item.label()).or_default();
                if against {
                    e.1 += 1;
                } else {
                    e.0 += 1;
                }
            }
        }
    }
    let mut rubric: Vec<(String, usize, usize)> = rubric.into_iter().map(|(k, (f, a))| (k, f, a)).collect();
    rubric.sort_by(|a, b| (b.1 + b.2).cmp(&(a.1 + a.2)).then(a.0.cmp(&b.0)));
    Debrief {
        scenario: sc.id.clone(),
        ending: ending.map(|e| e.id.clone()),
        ending_title: ending.map(|e| e.title.clone()).unwrap_or_default(),
        // Conditional notes say what happened on this path, so the ending never claims what did not.
        ending_text: ending
            .map(|e| {
                std::iter::once(e.debrief.as_str())
                    .chain(
                        e.notes
                            .iter()
                            .filter(|n| session.holds(&n.when))
                            .map(|n| n.text.as_str()),
                    )
                    .collect::<Vec<_>>()
                    .join("\n\n")
            })
            .unwrap_or_default(),
        practice,
        client,
        trajectory: session.trajectory().to_vec(),
        choices: h
            .iter()
            .map(|c| ChoiceLine {
                step: c.step,
                stage: c.stage.clone(),
                stage_title: stage_title(sc, &c.stage),
                option: c.choice.clone(),
                technique: c.technique_name.clone(),
                fit: c.evaluation.fit.total,
                band: c.evaluation.fit.band,
                common_factors: c.evaluation.common_factors.total,
                score: c.evaluation.score,
                class: c.class,
                accuracy: c.accuracy,
            })
            .collect(),
        missed_repairs: missed,
        failed_repairs: failed,
        integration: integration(session),
        next_time: lessons(session),
        rubric,
        srs: h
            .iter()
            .flat_map(|c| c.srs.iter().map(|s| (c.step, s.srs.total, s.srs.flagged)))
            .collect(),
        room,
    }
}

/// Each person's course and the split, where the case has more than one person.
fn room(session: &Session) -> Option<Room> {
    if !session.is_system() {
        return None;
    }
    let sc = session.scenario();
    let intake = crate::engine::play::state::ClientState::of_scenario(sc);
    let h = session.history();
    let mut points: Vec<Vec<Alliance>> = vec![intake.people.iter().map(|p| p.alliance).collect()];
    points.extend(h.iter().map(|c| c.people_after.clone()));
    let mut split = vec![intake.split()];
    split.extend(h.iter().map(|c| c.split_after));
    let mut within = vec![intake.within.unwrap_or(0.0)];
    within.extend(h.iter().map(|c| c.within_after.unwrap_or(0.0)));
    let widest = split
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, 0.0));
    let people: Vec<PersonCourse> = intake
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| PersonCourse {
            id: p.id.clone(),
            name: session.people()[i].name.clone(),
            alliance: points.iter().map(|v| v.get(i).map_or(0.0, |a| a.mean())).collect(),
            bond: points.iter().map(|v| v.get(i).map_or(0.0, |a| a.bond)).collect(),
            // Moves turned to them alone that someone else heard as taking a side.
            turned_to: h
                .iter()
                .filter(|c| c.to.len() == 1 && c.to[0] == p.id)
                .filter(|c| {
                    c.evaluation
                        .people
                        .iter()
                        .any(|e| !e.addressed && e.delta.bond < -0.005)
                })
                .count(),
            srs: h
                .iter()
                .flat_map(|c| {
                    c.srs
                        .iter()
                        .filter(|r| r.person == p.id)
                        .map(|r| (c.step, r.srs.total, r.srs.flagged))
                        .collect::<Vec<_>>()
                })
                .collect(),
        })
        .collect();
    let flag = session.weights().system.split_flag;
    let end = split.last().copied().unwrap_or(0.0);
    let lesson = (session.ended().is_some() && end >= flag).then(|| {
        let by_bond = |a: &&PersonCourse, b: &&PersonCourse| {
            let last = |p: &PersonCourse| p.bond.last().copied().unwrap_or(0.0);
            last(a).total_cmp(&last(b))
        };
        let least = people.iter().min_by(by_bond);
        let most = people.iter().max_by(by_bond);
        match (most, least) {
            (Some(m), Some(l)) => format!(
                "The alliance ended split ({end:.2}): {} felt held by you (bond {:.2}) and {} did not ({:.2}). You turned to {} alone, in a way the others heard as taking a side, {} time(s), and to {} {} time(s). Each turn can be defensible; together they tell the others whose side you are on. Next time, notice whom you turn to when a move could go to either or to everyone, and come back to the person you have joined least (multidirected partiality; an unbalanced alliance predicts dropout, Friedlander et al. 2018).",
                m.name,
                m.bond.last().copied().unwrap_or(0.0),
                l.name,
                l.bond.last().copied().unwrap_or(0.0),
                m.name,
                m.turned_to,
                l.name,
                l.turned_to
            ),
            _ => String::new(),
        }
    });
    Some(Room {
        people,
        split,
        within,
        split_flag: flag,
        widest,
        lesson,
    })
}

fn integration(session: &Session) -> Integration {
    let h = session.history();
    let sc = session.scenario();
    let n = h.len();
    // Every school a technique belongs to counts: a reflection is humanistic and MI as well as shared.
    let mut schools: BTreeMap<School, usize> = BTreeMap::new();
    for c in h {
        for s in &c.schools {
            *schools.entry(*s).or_default() += 1;
        }
    }
    let technical: Vec<_> = h
        .iter()
        .filter(|c| c.schools.iter().any(|s| *s != School::Common))
        .collect();
    let nt = technical.len();
    let mut counts: BTreeMap<School, usize> = BTreeMap::new();
    for c in &technical {
        for s in c.schools.iter().filter(|s| **s != School::Common) {
            *counts.entry(*s).or_default() += 1;
        }
    }
    let nt_schools: usize = counts.values().sum();
    // How many schools lead a move (its own school): a move that several schools share is one school's move.
    let primary_n = {
        let mut v: Vec<School> = technical
            .iter()
            .map(|c| c.school)
            .filter(|s| *s != School::Common)
            .collect();
        v.sort();
        v.dedup();
        v.len()
    };
    let spread = if counts.len() > 1 && nt > 1 {
        let h: f32 = counts
            .values()
            .map(|&k| {
                let p = k as f32 / nt_schools as f32;
                -p * p.ln()
            })
            .sum();
        h / (nt_schools.min(School::ALL.len() - 1) as f32).ln()
    } else {
        0.0
    };
    let (home_school, home_n) = counts
        .iter()
        .max_by_key(|(_, k)| **k)
        .map(|(s, k)| (Some(*s), *k))
        .unwrap_or((None, 0));
    let home_share = if nt > 0 { home_n as f32 / nt as f32 } else { 0.0 };
    let mut switches = 0;
    let mut at_boundary = 0;
    let mut unfounded = 0;
    for w in technical.windows(2) {
        let shared = w[0]
            .schools
            .iter()
            .any(|s| *s != School::Common && w[1].schools.contains(s));
        if !shared {
            switches += 1;
            if w[0].phase != w[1].phase {
                at_boundary += 1;
            } else if w[1].evaluation.fit.total < 0.0 {
                unfounded += 1;
            }
        }
    }
    let positive = h.iter().filter(|c| c.evaluation.fit.total > 0.0).count();
    let relational: Vec<_> = h.iter().filter(|c| c.relational).collect();
    let responsive = relational
        .iter()
        .filter(|c| c.rupture_open_before.is_some() || c.alliance_before.mean() < 0.5)
        .count();
    let marker_stages = h.iter().filter(|c| c.markers_present > 0).count();
    let markers_answered = h.iter().filter(|c| c.marker_answered).count();
    let culture_salient = crate::engine::play::rules::culture_salient(&sc.client);
    let adapted = h.iter().filter(|c| c.culturally_adapted).count();
    let frac = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f32 / b as f32 };
    let f = PatternFeatures {
        moves: n,
        schools,
        spread,
        home_school,
        home_share,
        switches,
        switches_at_phase_boundary: at_boundary,
        unfounded_switches: unfounded,
        positive_fit_share: frac(positive, n),
        relational_share: frac(relational.len(), n),
        relational_responsive: frac(responsive, relational.len()),
        marker_stages,
        markers_answered,
        culture_salient,
        adapted_moves: adapted,
    };

    let school_names = |k: usize| -> String {
        let mut v: Vec<_> = counts.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1));
        v.iter()
            .take(k)
            .map(|(s, n)| format!("{} ({n})", s.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut modes = Vec::new();
    let pos = f.positive_fit_share;
    let aligned = frac(at_boundary, switches);
    // Each prototype follows scenarios/SCORING-MODEL.md section 4; strengths are 0..1 and only rank the modes.
    modes.push(ModeMatch {
        mode: IntegrationMode::TechnicalEclecticism,
        strength: (spread * pos * (1.0 - aligned * 0.5)).clamp(0.0, 1.0),
        evidence: vec![
            format!("spread across schools {spread:.2}: {}", school_names(4)),
            format!("{:.0}% of moves fitted positively", pos * 100.0),
            format!("{at_boundary} of {switches} school switches fell at a phase boundary"),
        ],
    });
    let borrowed = counts.len().saturating_sub(1);
    let assim = if (0.6..=0.9).contains(&home_share) && borrowed > 0 {
        0.5 + 0.5 * pos
    } else {
        0.2 * pos
    };
    modes.push(ModeMatch {
        mode: IntegrationMode::Assimilative,
        strength: assim,
        evidence: vec![format!(
            "home school {} carries {:.0}% of technical moves, with {borrowed} other school(s) borrowed",
            home_school.map_or("none", |s| s.label()),
            home_share * 100.0
        )],
    });
    // Sequential integration orders the work by readiness: switches come with a change of phase, and moves
    // that need groundwork come after it.
    let needing: Vec<_> = h
        .iter()
        .filter(|c| session.technique(&c.technique).is_some_and(|t| !t.needs.is_empty()))
        .collect();
    let timely = frac(needing.iter().filter(|c| c.missing.is_empty()).count(), needing.len());
    modes.push(ModeMatch {
        mode: IntegrationMode::Sequential,
        strength: if switches > 0 && !needing.is_empty() {
            aligned * timely
        } else {
            0.0
        },
        evidence: vec![
            format!("{at_boundary} of {switches} school switches came with a change of phase"),
            format!(
                "{} of {} moves that build on earlier work came after that work was done",
                needing.iter().filter(|c| c.missing.is_empty()).count(),
                needing.len()
            ),
        ],
    });
    let top2: usize = {
        let mut v: Vec<usize> = counts.values().copied().collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        v.iter().take(2).sum()
    };
    let top2_share = frac(top2, nt_schools);
    modes.push(ModeMatch {
        mode: IntegrationMode::Theoretical,
        strength: if primary_n == 2 || (primary_n > 2 && top2_share >= 0.8) {
            top2_share * pos
        } else {
            0.1 * pos
        },
        evidence: vec![format!(
            "two schools ({}) carry {:.0}% of technical moves",
            school_names(2),
            top2_share * 100.0
        )],
    });
    modes.push(ModeMatch {
        mode: IntegrationMode::CommonFactors,
        strength: (f.relational_share * 1.5).min(1.0) * (0.4 + 0.6 * f.relational_responsive),
        evidence: vec![
            format!(
                "{:.0}% of moves were relational moves all schools share",
                f.relational_share * 100.0
            ),
            format!(
                "{responsive} of {} relational moves came when the alliance was low or a rupture open",
                relational.len()
            ),
        ],
    });
    modes.push(ModeMatch {
        mode: IntegrationMode::Multitheoretical,
        strength: if primary_n >= 4 {
            (pos * 0.7 + f.relational_share.min(0.3)).min(1.0)
        } else {
            0.1 * primary_n as f32
        },
        evidence: vec![format!(
            "{primary_n} schools led a move, {:.0}% of moves with positive fit",
            pos * 100.0
        )],
    });
    modes.push(ModeMatch {
        mode: IntegrationMode::Transcultural,
        strength: if culture_salient {
            frac(adapted, n).min(0.5) * 2.0
        } else {
            0.0
        },
        evidence: vec![if culture_salient {
            format!("culture or faith is salient for this client; {adapted} of {n} moves adapted to it")
        } else {
            "culture and faith are not salient for this client".to_owned()
        }],
    });
    modes.push(ModeMatch {
        mode: IntegrationMode::ProcessExperiential,
        // One answered marker is thin evidence: the strength grows with the markers met, up to three.
        strength: frac(markers_answered, marker_stages) * (marker_stages.min(3) as f32 / 3.0),
        evidence: vec![format!(
            "{markers_answered} of {marker_stages} process markers were answered with their task"
        )],
    });
    // A mode is a way of reasoning well: a play-through that misses what the moment needed is not handed
    // back with a flattering label, so every strength is scaled by the session's accuracy.
    let accuracy = mean(h.iter().map(|c| c.accuracy)) / 100.0;
    let quality = if h.iter().any(|c| c.critical.is_some()) {
        accuracy * 0.5
    } else {
        accuracy
    };
    for m in &mut modes {
        m.strength = (m.strength * quality).clamp(0.0, 1.0);
    }
    // Counts cannot see reasoning; the scenario's design can. A play that makes the moves its design calls
    // for at each decision (best or good against what was open) follows the mode it was built to teach.
    let intended = sc.meta.integration_mode;
    let fitting = h
        .iter()
        .filter(|c| matches!(c.class, MoveClass::Best | MoveClass::Good))
        .count();
    let fidelity = frac(fitting, n) * quality;
    if let Some(m) = modes.iter_mut().find(|m| m.mode == intended) {
        m.evidence.push(format!(
            "{fitting} of {n} moves were the moves this scenario's {} design calls for at that point (best or good against what was open)",
            intended.label()
        ));
        m.strength = m.strength.max(fidelity);
    }
    // Ties go to the mode the scenario teaches, then to the order above.
    modes.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then_with(|| (b.mode == intended).cmp(&(a.mode == intended)))
    });
    let mut note = String::from(
        "No validated instrument classifies integration modes: read this as a mirror of your choices, with the evidence behind it.",
    );
    if modes.first().is_none_or(|m| m.strength < 0.25) {
        note.push_str(" No way of integrating stands out in this session: the moves did not follow a consistent reasoning that fitted the moments.");
    }
    if unfounded > 0 {
        note.push_str(&format!(
            " {unfounded} switch(es) of school came mid-phase into a poorly fitting move: technique-hopping without a rationale, the known weakness of integrative work."
        ));
    }
    Integration {
        features: f,
        modes,
        intended: sc.meta.integration_mode,
        note,
    }
}

/// The three moves that lost most, worst first: critical misses, then poor and questionable moves.
fn lessons(session: &Session) -> Vec<Lesson> {
    let sc = session.scenario();
    let mut weak: Vec<_> = session
        .history()
        .iter()
        .filter(|c| c.class >= MoveClass::Questionable)
        .collect();
    weak.sort_by(|a, b| b.class.cmp(&a.class).then(a.accuracy.total_cmp(&b.accuracy)));
    weak.into_iter()
        .take(3)
        .map(|c| {
            let title = stage_title(sc, &c.stage);
            let (better, reason) = c
                .better
                .first()
                .map(|b| (b.name.clone(), b.reason.clone()))
                .unwrap_or_default();
            Lesson {
                step: c.step,
                stage: title,
                chose: c.technique_name.clone(),
                class: c.class,
                better,
                reason,
            }
        })
        .collect()
}
