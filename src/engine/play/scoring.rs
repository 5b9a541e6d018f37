//! Fit, common factors and the alliance update, as grounded in `scenarios/SCORING-MODEL.md`, each explaining itself.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::engine::format::catalog::Technique;
use crate::engine::format::scenario::{
    Alliance, AllianceDelta, CHILD_AGE, Choice, ClientProfile, Manner, Marker, Preference, Stage,
};
use crate::engine::format::weights::Weights;
use crate::engine::play::state::{ClientState, PersonState, split_of, unit_alliance};
use crate::engine::vocab::{FitBand, FitTerm, Groundwork, Lean, Level, Phase, ProcessMarker, Quality, RuptureKind};

/// One term of the fit, with its weight and a sentence a student can learn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitPart {
    pub term: FitTerm,
    /// The person this term reads (None for the room's terms: timing and markers).
    pub person: Option<usize>,
    /// The match, -1..1.
    pub value: f32,
    pub weight: f32,
    pub why: String,
}

/// The fit of one move to this client at this moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    pub parts: Vec<FitPart>,
    /// Weighted mean of the parts, -1..1 (or the author's override).
    pub total: f32,
    pub band: FitBand,
    /// True when the scenario author set this fit by hand.
    pub overridden: bool,
    /// The fit for each addressee: their own terms with the room's (what moves their alliance).
    pub by_person: Vec<(usize, f32)>,
}

impl FitReport {
    /// The terms ordered by how far each pulls the fit from its mean (weight times distance): the first two are
    /// what decided the verdict, shown first by every front end.
    pub fn by_pull(&self) -> Vec<&FitPart> {
        let pull = |p: &FitPart| (p.weight * (p.value - self.total)).abs();
        let mut parts: Vec<&FitPart> = self.parts.iter().collect();
        parts.sort_by(|a, b| pull(b).total_cmp(&pull(a)));
        parts
    }
}

/// One common factor a move carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfPart {
    pub quality: Quality,
    pub value: f32,
    pub weight: f32,
}

/// Common factors: `CF = sum(r_j q_j) / sum(r_j)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfReport {
    pub parts: Vec<CfPart>,
    pub total: f32,
}

impl CfReport {
    /// The common factors the move clearly carries (at .5 or more), as "empathy 0.9" for the feedback.
    pub fn carried(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter(|p| p.value >= 0.5)
            .map(|p| format!("{} {:.1}", p.quality.label(), p.value))
            .collect()
    }
}

/// What a move does to one person in the room.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PersonEffect {
    pub person: usize,
    pub addressed: bool,
    /// The fit of the move for them (their own terms with the room's); 0 for those not addressed.
    pub fit: f32,
    pub delta: AllianceDelta,
}

/// Whether a technique speaks to the system: systemic work, or a move made for couples, families or groups.
/// Addressed to everyone it builds (or, fitting badly, costs) the within-system alliance. Safety moves are
/// not among them: a partner-violence screen is made for couple work but done with each partner alone.
pub fn speaks_to_system(t: &Technique) -> bool {
    !t.is_safety()
        && (t.schools().any(|s| s == crate::engine::vocab::School::Systemic)
            || (!t.formats.is_empty()
                && t.formats.iter().all(|f| {
                    matches!(
                        f,
                        crate::engine::vocab::Format::Couple
                            | crate::engine::vocab::Format::Family
                            | crate::engine::vocab::Format::Group
                    )
                })))
}

/// A deterministic evaluation of a move in a state: what the trainee is scored on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub fit: FitReport,
    pub common_factors: CfReport,
    /// The alliance change the move itself makes (before rupture repair or decay): the addressees' mean.
    pub alliance: AllianceDelta,
    /// What the move does to each person present: the addressees' alliance follows its fit for them; the
    /// others hear the therapist take a side.
    pub people: Vec<PersonEffect>,
    /// The change in the within-system alliance (0 with one person).
    pub within: f32,
    /// The change in the split alliance (0 with one person present).
    pub split: f32,
    /// The expected change in mean alliance from repair (or decay while a rupture stays open).
    pub expected_repair: f32,
    /// Repair chance, when a rupture is open and this is a repair move.
    pub repair_chance: Option<f32>,
    /// The choice's practice score, 0..100.
    pub score: f32,
}

/// "a" or "an" before a word.
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn cite(w: &Weights, t: FitTerm) -> String {
    match w.fit.get(&t) {
        Some(x) if !x.effect.is_empty() => format!(" ({}, {})", x.short_source(), x.effect),
        Some(x) => format!(" ({})", x.short_source()),
        None => String::new(),
    }
}

/// The technique as this option delivers it: each manner changes the attributes it names, so an author
/// describes the move ("imposed", "chosen together") and the engine scores what the words do.
pub fn delivered(t: &Technique, manner: &[Manner]) -> Technique {
    let mut d = t.clone();
    for m in manner {
        let q = &mut d.qualities;
        match m {
            // Collaboration and goal consensus are what "chosen together" adds (Tryon et al. 2018); the
            // client shares the lead, so the move is less therapist-led.
            Manner::Collaborative => {
                q.collaboration = q.collaboration.max(0.8);
                q.goal_consensus = q.goal_consensus.max(0.6);
                d.directiveness *= 0.7;
            }
            Manner::Imposed => {
                q.collaboration = q.collaboration.min(0.1);
                q.goal_consensus = q.goal_consensus.min(0.1);
                d.directiveness = d.directiveness.max(0.85);
                d.adaptation.culture = d.adaptation.culture.min(-0.3);
            }
            // Premature: the move is made before its groundwork, whatever the session has done.
            Manner::Premature => {}
            // A hypothesis offered for correction is less directive and more collaborative (Hill 2014).
            Manner::Tentative => {
                d.directiveness *= 0.6;
                q.collaboration = q.collaboration.max(0.6);
            }
            // Invalidation does not soothe: it raises arousal (Linehan 1993, the biosocial model).
            Manner::Dismissive => {
                q.empathy = q.empathy.min(0.1);
                q.regard = q.regard.min(0.2);
                q.congruence = q.congruence.min(0.2);
                d.arousal = d.arousal.max(0.2);
            }
            // Comfort in place of the work answers no marker and puts nothing in place.
            Manner::WarmthOnly => {
                d.answers.clear();
                d.provides.clear();
            }
            // Siding changes nothing for the addressee; what it does to the others is in `effects`.
            Manner::Sides => {}
        }
    }
    d
}

/// The moment a move is made in: the stage, the process markers each person present shows there, and whom
/// the move is addressed to.
#[derive(Debug, Clone)]
pub struct Moment<'a> {
    pub stage: &'a Stage,
    /// Process markers of the people present, with the person who shows each.
    pub markers: Vec<(usize, ProcessMarker)>,
    /// The addressees (indices into the people).
    pub to: Vec<usize>,
}

impl<'a> Moment<'a> {
    /// The moment at `stage` for a move addressed to `to`.
    pub fn new(
        scenario: &crate::engine::format::scenario::Scenario,
        stage: &'a Stage,
        s: &ClientState,
        to: Vec<usize>,
    ) -> Moment<'a> {
        let markers = scenario
            .markers_at(stage)
            .into_iter()
            .filter(|(i, _)| s.present.contains(i))
            .filter_map(|(i, m)| match m {
                crate::engine::format::scenario::Marker::Process(p) => Some((i, p)),
                crate::engine::format::scenario::Marker::Rupture(_) => None,
            })
            // A rupture line in place of the speaker's words shows its own markers instead of the stage's.
            .filter(|(i, _)| s.withheld.as_ref().is_none_or(|(w, _)| w != i))
            .chain(s.withheld.iter().flat_map(|(w, v)| v.iter().map(move |p| (*w, *p))))
            .collect();
        Moment { stage, markers, to }
    }

    /// A moment with one person, who shows the stage's markers (tests and the intake analysis).
    pub fn sole(stage: &'a Stage) -> Moment<'a> {
        Moment {
            stage,
            markers: stage.process_markers().into_iter().map(|m| (0, m)).collect(),
            to: vec![0],
        }
    }

    /// Whether `t` answers the marker `m` shown by person `i`: the right task, turned to them. In a room, a
    /// move to several people answers one person's marker when it is work with the system (an enactment
    /// around a partner's vulnerability) or when everyone it reaches shows the marker (both bring change);
    /// a reflection to "both of you" does not meet the one who alone showed it.
    pub fn answers(&self, t: &Technique, i: usize, m: ProcessMarker) -> bool {
        let shared = || self.to.iter().all(|k| self.markers.contains(&(*k, m)));
        t.answers.contains(&m) && self.to.contains(&i) && (self.to.len() == 1 || speaks_to_system(t) || shared())
    }

    /// Whether `t` answers a safety or dissociation marker shown now, so that it holds an open rupture for later.
    pub fn holds_for_safety(&self, t: &Technique) -> bool {
        self.markers
            .iter()
            .any(|(i, m)| is_critical(*m) && self.answers(t, *i, *m))
    }

    /// Whether `t` answers any marker here.
    pub fn answers_any(&self, t: &Technique) -> bool {
        self.markers.iter().any(|(i, m)| self.answers(t, *i, *m))
    }

    /// The markers not yet answered at this stage.
    pub fn unanswered(&self, s: &ClientState) -> Vec<(usize, ProcessMarker)> {
        self.markers
            .iter()
            .copied()
            .filter(|x| !s.answered_here.contains(x))
            .collect()
    }

    /// The highest distress among the addressees.
    pub fn distress(&self, s: &ClientState) -> f32 {
        self.to
            .iter()
            .filter_map(|i| s.people.get(*i))
            .map(|p| p.distress)
            .fold(0.0, f32::max)
    }
}

/// Groundwork a move lacks at this moment. A move that answers a risk or dissociation marker present now need
/// not wait for the story to be heard:
/// safety comes first (its other groundwork, such as assessing before planning, still holds). And an
/// evocative move while distress is above the window of tolerance lacks stabilisation now, whatever was done
/// before: processing above the window overwhelms rather than integrates (Siegel 1999; Ogden et al. 2006).
pub fn missing_now(t: &Technique, manner: &[Manner], s: &ClientState, m: &Moment, w: &Weights) -> Vec<Groundwork> {
    let urgent = m
        .markers
        .iter()
        .any(|(i, mk)| is_critical(*mk) && m.answers(t, *i, *mk));
    let mut missing = missing_groundwork(t, manner, &s.groundwork);
    if urgent {
        missing.retain(|g| *g != Groundwork::Explored);
    }
    if t.arousal > 0.3 && m.distress(s) > w.state.window_of_tolerance && !missing.contains(&Groundwork::Stabilised) {
        missing.push(Groundwork::Stabilised);
    }
    missing
}

/// Groundwork a move needs that the work does not have yet (all of it when the move is premature), whatever
/// the stage shows.
pub fn missing_groundwork(t: &Technique, manner: &[Manner], done: &BTreeSet<Groundwork>) -> Vec<Groundwork> {
    if manner.contains(&Manner::Premature) {
        if t.needs.is_empty() {
            return vec![Groundwork::Explored];
        }
        return t.needs.clone();
    }
    t.needs.iter().copied().filter(|g| !done.contains(g)).collect()
}

/// Groundwork that a move lays again when the work already has it: a second formulation, rationale, goal
/// setting or risk check where nothing new calls for one. (Exploring again is never redundant.)
pub fn redundant(t: &Technique, done: &BTreeSet<Groundwork>) -> Vec<Groundwork> {
    let laid: Vec<Groundwork> = t
        .provides
        .iter()
        .copied()
        .filter(|g| {
            matches!(
                g,
                Groundwork::RiskAssessed | Groundwork::Formulation | Groundwork::Rationale | Groundwork::Goals
            )
        })
        .collect();
    if !laid.is_empty() && laid.iter().all(|g| done.contains(g)) {
        laid
    } else {
        Vec::new()
    }
}

/// Markers that must be answered before anything else: risk and dissociation. A safety concern shown after an
/// assessment is new information and is answered again (a review, a plan, a referral made together: NICE NG225
/// 2022 asks for reassessment when risk changes); within a stage, a standing check already made answers it.
pub fn is_critical(m: ProcessMarker) -> bool {
    matches!(m, ProcessMarker::SafetyConcern | ProcessMarker::Dissociation)
}

/// Whether the session's pattern (not this one utterance) carries Beutler's trait matching here: it does,
/// except in the intervention phase, where the choice of technique is the treatment's choice, or while the
/// client's reactance is aroused now.
fn trait_on_move(phase: Phase, reactance_now: f32) -> bool {
    phase == Phase::Intervention || Level::of(reactance_now) == Level::High
}

/// Collects the terms of a fit, each with its weight (terms with no weight are left out).
struct Terms<'w> {
    w: &'w Weights,
    person: Option<usize>,
    parts: Vec<FitPart>,
}

impl Terms<'_> {
    fn add(&mut self, term: FitTerm, value: f32, why: String) {
        self.add_scaled(term, value, 1.0, why);
    }

    /// A term whose weight the client scales: how much it matters for this person (culture's salience).
    fn add_scaled(&mut self, term: FitTerm, value: f32, scale: f32, why: String) {
        let weight = self.w.fit_weight(term) * scale.clamp(0.0, 1.0);
        if weight > 0.0 {
            self.parts.push(FitPart {
                term,
                person: self.person,
                value: value.clamp(-1.0, 1.0),
                weight,
                why,
            });
        }
    }
}

/// The fit of technique `t` (as delivered, with `manner`) at this moment (`scenarios/SCORING-MODEL.md` section 1): each
/// addressee's own terms, weighed equally among them, and the room's (timing in the process, markers).
pub fn fit(
    t: &Technique,
    manner: &[Manner],
    people: &[ClientProfile],
    s: &ClientState,
    m: &Moment,
    w: &Weights,
) -> FitReport {
    let missing = missing_now(t, manner, s, m, w);
    let mut room = Terms {
        w,
        person: None,
        parts: Vec::new(),
    };
    room_terms(&mut room, t, people, s, m, &missing);
    let to: Vec<usize> =
        m.to.iter()
            .copied()
            .filter(|i| *i < people.len() && *i < s.people.len())
            .collect();
    let share = 1.0 / to.len().max(1) as f32;
    let mut parts = Vec::new();
    let mut by_person = Vec::new();
    for &i in &to {
        let mut own = Terms {
            w,
            person: Some(i),
            parts: Vec::new(),
        };
        person_terms(&mut own, t, &people[i], &s.people[i], s, m.stage, &missing);
        by_person.push((i, weighted_mean(own.parts.iter().chain(&room.parts))));
        parts.extend(own.parts.into_iter().map(|p| FitPart {
            weight: p.weight * share,
            ..p
        }));
    }
    parts.extend(room.parts);
    let total = weighted_mean(parts.iter());
    FitReport {
        parts,
        total,
        band: w.band(total),
        overridden: false,
        by_person,
    }
}

fn weighted_mean<'p>(parts: impl Iterator<Item = &'p FitPart> + Clone) -> f32 {
    let wsum: f32 = parts.clone().map(|p| p.weight).sum();
    if wsum > 0.0 {
        parts.map(|p| p.weight * p.value).sum::<f32>() / wsum
    } else {
        0.0
    }
}

/// The terms that read one person: reactance, coping style, distress, impairment, stage of change,
/// preferences, culture and faith.
#[allow(clippy::too_many_arguments)]
fn person_terms(
    terms: &mut Terms,
    t: &Technique,
    c: &ClientProfile,
    p: &PersonState,
    s: &ClientState,
    stage: &Stage,
    missing: &[Groundwork],
) {
    let w = terms.w;
    let mut add = |term: FitTerm, value: f32, why: String| terms.add(term, value, why);
    let name = &c.name;
    // Beutler's trait matching is about the treatment's directiveness and focus. A single reply chosen for the
    // moment (a relational move every school shares, a repair, the task that answers a marker shown now) does not
    // set either, so it is read with the session's pattern, not on its own.
    let markers = stage
        .markers
        .iter()
        .chain(stage.also.iter().flat_map(|a| a.markers.iter()));
    let answers_now = markers
        .filter_map(|m| match m {
            Marker::Process(pm) => Some(*pm),
            Marker::Rupture(_) => None,
        })
        .any(|pm| t.answers.contains(&pm));
    let single_reply = t.is_relational() || t.repair.is_some() || answers_now;
    let on_move = trait_on_move(stage.phase, p.reactance) && !single_reply;
    let (pattern_d, pattern_f) = s.pattern.with(t);

    // Reactance: high -> non-directive; low -> directive mildly better. Beutler's finding is about the
    // directiveness of the treatment, so outside the intervention phase it reads the session's pattern.
    let r = p.reactance;
    let d = if on_move { t.directiveness } else { pattern_d };
    let whose = if on_move {
        "this move"
    } else {
        "the session's work so far, with this move,"
    };
    // The evidence is asymmetric: reactant clients do worse with direction; for cooperative clients
    // direction is only mildly better, and client-led work costs them nothing.
    let mut m = -(2.0 * r - 1.0) * (2.0 * d - 1.0);
    if r < 0.5 && d < 0.5 {
        m = 0.0;
    }
    let compliant = c.compliance >= crate::engine::play::rules::COMPLIANT;
    // A compliant client's low reactance is deference, not readiness for direction: no bonus for direction.
    if m > 0.0 && r < 0.5 && d >= 0.5 {
        m *= 1.0 - c.compliance.clamp(0.0, 1.0);
    }
    let why = match (Level::of(r), Level::of(d)) {
        (Level::High, Level::High) => format!(
            "{name}'s reactance is high right now ({r:.2}) and {whose} is directive ({d:.2}): clients who resist direction do better with self-directed work"
        ),
        (Level::High, _) => format!(
            "{name}'s reactance is high right now ({r:.2}) and {whose} leaves the lead with them (directiveness {d:.2}): the match the reactance research favours"
        ),
        (Level::Low, Level::High) if compliant => format!(
            "{name}'s reactance is low ({r:.2}) but they defer rather than agree (compliance {:.2}): direction ({d:.2}) is taken on outwardly, not owned",
            c.compliance
        ),
        (Level::Low, Level::High) => format!(
            "{name}'s reactance is low ({r:.2}), so direction ({d:.2}) is mildly better: they take guidance well"
        ),
        (Level::Low, _) if d >= 0.5 => format!(
            "{name}'s reactance is low ({r:.2}) and {whose} is moderately directive ({d:.2}): a little structure suits a cooperative client"
        ),
        (Level::Low, _) => format!(
            "{name}'s reactance is low ({r:.2}) and {whose} is mostly client-led ({d:.2}): either suits a cooperative client"
        ),
        (_, Level::High) => format!(
            "{name}'s reactance is moderate ({r:.2}) and {whose} is directive ({d:.2}): direction may meet some pushback"
        ),
        (_, _) => format!(
            "{name}'s reactance ({r:.2}) and the directiveness of {whose} ({d:.2}) are moderate: little is at stake here"
        ),
    };
    add(FitTerm::Reactance, m, why + &cite(w, FitTerm::Reactance));

    // Coping style: externalizing -> symptom focus; internalizing -> insight focus (the treatment's focus).
    let (cs, f) = (c.coping_style, if on_move { t.focus } else { pattern_f });
    let style = Lean::of(cs).pick("internalizing", "balanced", "externalizing");
    let focus = Lean::of(f).pick(
        "insight and relationships",
        "both symptoms and meaning",
        "symptoms and skills",
    );
    let why = format!(
        "{name} copes in {} {style} way ({cs:+.2}) and {whose} focuses on {focus} ({f:+.2}): externalizing clients do better with symptom and skill focus, internalizing clients with insight and interpersonal focus",
        article(style)
    );
    add(FitTerm::Coping, cs * f, why + &cite(w, FitTerm::Coping));

    // Distress and arousal. High distress calls for support; it does not follow that support harms at
    // moderate distress, so soothing is marked down only as distress falls toward low. Processing inside the
    // window of tolerance, with its groundwork in place, is the work itself (Foa & Kozak 1986; Siegel 1999).
    let (sd, a) = (p.distress, t.arousal);
    let ideal = 1.0 - 2.0 * sd;
    let gap = a - ideal;
    let prepared = !t.needs.is_empty() && missing.is_empty() && a > 0.3;
    let window = w.state.window_of_tolerance;
    let (m, note) = if gap > 0.0 {
        if prepared && sd < window {
            (
                1.0,
                "; with its groundwork in place and distress still under the upper edge of the window of tolerance, activation is how this work helps",
            )
        } else {
            (1.0 - gap, "")
        }
    } else {
        (1.0 + gap * (1.0 - 2.0 * sd).max(0.0), "")
    };
    let kind = Lean::of(a).pick("soothing and containing", "neither soothing nor evocative", "evocative");
    let why = format!(
        "{name}'s distress is {} ({sd:.2}) and this move is {kind} (arousal {a:+.2}): high distress calls for supportive, arousal-reducing work, low distress allows evocative, experiential work{note}",
        Level::of(sd).word()
    );
    add(FitTerm::Arousal, m, why + &cite(w, FitTerm::Arousal));

    // Impairment and intensity.
    let (imp, i) = (c.impairment, t.intensity);
    let why = format!(
        "impairment is {} ({imp:.2}) and this move is {} in intensity ({i:.2}): the intensity of an intervention should follow impairment",
        Level::of(imp).word(),
        Level::of(i).word()
    );
    add(
        FitTerm::Intensity,
        1.0 - 2.0 * (i - imp).abs(),
        why + &cite(w, FitTerm::Intensity),
    );

    // Stage of change, where behaviour change is the target.
    // Safety work is exempt: making the means of harm safer, or planning for a crisis, does not wait for the
    // client's readiness to change the behaviour the session is about.
    if let Some(stage_now) = p.stage_of_change.filter(|_| !t.processes.is_empty() && !t.is_safety()) {
        let sum: i32 = t
            .processes
            .iter()
            .map(|p| i32::from(w.stage_match(stage_now, *p)))
            .sum();
        let m = sum as f32 / t.processes.len() as f32;
        let names: Vec<&str> = t.processes.iter().map(|p| p.label()).collect();
        let verdict = if m > 0.0 {
            "processes that help someone move on from this stage"
        } else if m < 0.0 {
            "processes meant for a later stage; pushing them now tends to raise resistance"
        } else {
            "processes neither matched nor mismatched to this stage"
        };
        let why = format!(
            "{name} is in {}; this move works through {}: {verdict}",
            stage_now.label(),
            names.join(", "),
        );
        add(FitTerm::Stage, m, why + &cite(w, FitTerm::Stage));
    }

    // Preferences. Safety moves are exempt: nobody is penalised for being asked about risk.
    let prefs = &c.preferences;
    if prefs.strength > 0.0 && !t.is_safety() {
        let matches = |p: &Preference| match p {
            Preference::School(sc) => t.schools().any(|x| x == *sc),
            Preference::Technique(id) => *id == t.id || t.aliases.contains(id),
        };
        let sign = if prefs.dislikes.iter().any(matches) {
            Some((-1.0, "has said they do not want this kind of work"))
        } else if prefs.likes.iter().any(matches) {
            Some((1.0, "wants this kind of work"))
        } else {
            None
        };
        if let Some((v, what)) = sign {
            let why = format!("{name} {what}; honouring preferences improves outcome and lowers dropout");
            add(
                FitTerm::Preference,
                v * prefs.strength,
                why + &cite(w, FitTerm::Preference),
            );
        }
    }

    // Culture and faith. Salience says how much they shape the meaning of the problem for this client, so it
    // scales the term's weight: the published effect of cultural adaptation (Soto et al. 2018) is a moderated
    // one, larger where culture matters more, and a term that matters little must not pull every fit toward
    // zero. The value is how far the move adapts (+1) or imposes (-1).
    let culture = Adapting {
        term: FitTerm::Culture,
        salience: c.culture.salience,
        adaptation: t.adaptation.culture,
        matters: format!("culture shapes how {name} understands the problem"),
        ways: [
            "imposes a frame that may not fit their understanding",
            "neither adapts to nor clashes with their cultural frame",
            "asks about and works within their own explanatory model",
        ],
    };
    let faith = Adapting {
        term: FitTerm::Religion,
        salience: c.religion_salience,
        adaptation: t.adaptation.religion,
        matters: format!("faith matters to {name}"),
        ways: [
            "sets their beliefs aside",
            "is neutral toward their beliefs",
            "makes room for their beliefs",
        ],
    };
    for a in [culture, faith] {
        a.add_to(terms, t);
    }
}

/// A term that weighs how a move meets a salient culture or faith: the salience scales its weight and the
/// adaptation (+1 works within the client's frame, -1 imposes another) is its value. A safety move is never
/// counted as imposing: asking about risk is owed to every client.
struct Adapting {
    term: FitTerm,
    salience: f32,
    adaptation: f32,
    /// Why it matters to this client ("faith matters to Amara").
    matters: String,
    /// What the move does, leaning against, neither, or toward their frame.
    ways: [&'static str; 3],
}

impl Adapting {
    fn add_to(self, terms: &mut Terms, t: &Technique) {
        if self.salience <= 0.0 {
            return;
        }
        let value = if t.is_safety() {
            self.adaptation.max(0.0)
        } else {
            self.adaptation
        };
        let [against, neither, toward] = self.ways;
        let how = Lean::of(value).pick(against, neither, toward);
        let why = format!("{} (salience {:.2}); this move {how}", self.matters, self.salience);
        let cited = why + &cite(terms.w, self.term);
        terms.add_scaled(self.term, value, self.salience, cited);
    }
}

/// The terms that read the room: timing in the process of the work, and the markers the people show.
fn room_terms(
    terms: &mut Terms,
    t: &Technique,
    people: &[ClientProfile],
    s: &ClientState,
    m: &Moment,
    missing: &[Groundwork],
) {
    let w = terms.w;
    let mut add = |term: FitTerm, value: f32, why: String| terms.add(term, value, why);
    // Timing: where the work is. A move that needs groundwork the session has not laid costs; a move that only
    // lays groundwork already in place, with no marker calling for it, adds little now.
    // Laying groundwork is not redundant in the phase whose task it is (a client who asks "how is this
    // supposed to work?" in psychoeducation is owed the explanation).
    let again: Vec<Groundwork> = redundant(t, &s.groundwork)
        .into_iter()
        .filter(|g| !Groundwork::of_phase(m.stage.phase).contains(g))
        .collect();
    let answers_now = m.answers_any(t);
    if !again.is_empty() && !answers_now && missing.is_empty() {
        let what: Vec<&str> = again.iter().map(|g| g.label()).collect();
        add(
            FitTerm::Timing,
            -0.5,
            format!(
                "the work already has {}: doing it again, with nothing new calling for it, spends the moment on ground already covered",
                what.join(" and ")
            ) + &cite(w, FitTerm::Timing),
        );
    } else if !missing.is_empty() {
        // Right timing is what a move should have; only its absence is scored, so a technique with
        // prerequisites gains nothing over one without them.
        let lack: Vec<&str> = missing.iter().map(|g| g.label()).collect();
        let (v, why) = (
            -1.0,
            format!(
                "this move comes before {}{}: it lands when the work has that in place, and pushed earlier it tends to be heard as imposed",
                lack.join(" and "),
                if m.distress(s) > w.state.window_of_tolerance && missing.contains(&Groundwork::Stabilised) {
                    " (distress is above the window of tolerance now)"
                } else {
                    ""
                }
            ),
        );
        add(FitTerm::Timing, v, why + &cite(w, FitTerm::Timing));
    }

    // Process markers demand an answer: the task that answers one fits; passing one over costs, and passing
    // over risk or dissociation costs most.
    let present = m.unanswered(s);
    if !present.is_empty() {
        let critical = present.iter().find(|(i, p)| is_critical(*p) && !m.answers(t, *i, *p));
        let answered = present.iter().find(|(i, p)| m.answers(t, *i, *p));
        let who = |i: usize| people.get(i).map_or("The client", |c| c.name.as_str());
        let (v, why, marker) = match (critical, answered) {
            (Some(&(i, p)), _) => (
                -1.0,
                format!(
                    "{} shows {} {} marker and this move does not answer it{}: risk and dissociation come before anything else",
                    who(i),
                    article(p.label()),
                    p.label(),
                    if t.answers.contains(&p) {
                        " (it is not addressed to them)"
                    } else {
                        ""
                    }
                ),
                p,
            ),
            (None, Some(&(i, p))) => (
                1.0,
                format!(
                    "{} shows {} {} marker, and this is the task that answers it",
                    who(i),
                    article(p.label()),
                    p.label()
                ),
                p,
            ),
            (None, None) => {
                let mut labels: Vec<&str> = present.iter().map(|(_, p)| p.label()).collect();
                labels.dedup();
                let (i, first) = present[0];
                let elsewhere = present.iter().any(|(_, p)| t.answers.contains(p));
                (
                    if is_critical(first) { -1.0 } else { -0.5 },
                    format!(
                        "{} shows a marker ({}) that this move passes over{}",
                        who(i),
                        labels.join(", "),
                        if elsewhere {
                            ": the task would answer it, turned to them"
                        } else {
                            ""
                        }
                    ),
                    first,
                )
            }
        };
        let effect = w
            .fit
            .get(&FitTerm::Marker)
            .map(|x| x.effect.clone())
            .unwrap_or_default();
        add(FitTerm::Marker, v, format!("{why} ({}; {effect})", marker.source()));
    }
}

/// The common-factor qualities this moment calls for: the relationship factors always, plus those the
/// phase and the client's state make relevant (the table in `assets/weights.ron`, with its sources).
pub fn relevant_factors(s: &ClientState, m: &Moment, w: &Weights) -> Vec<Quality> {
    // Flooded when the people the move reaches are, on average (one distressed member of a group does not make
    // the whole group's moment one for containment only).
    let reached: Vec<f32> =
        m.to.iter()
            .filter_map(|i| s.people.get(*i))
            .map(|p| p.distress)
            .collect();
    let mean = reached.iter().sum::<f32>() / reached.len().max(1) as f32;
    let flooded = Level::of(mean) == Level::High
        || m.markers
            .iter()
            .any(|(i, p)| *p == ProcessMarker::Vulnerability && m.to.contains(i));
    let mut v: Vec<Quality> = w.moment.always.clone();
    if !flooded && let Some(extra) = w.moment.phases.get(&m.stage.phase) {
        v.extend(extra.iter().copied());
    }
    if s.rupture().is_some() {
        v.push(Quality::Repair);
    }
    v.sort();
    v.dedup();
    v
}

/// Common factors carried by a move, weighed by the moment: `CF = sum(r_j q_j) / sum(r_j)` over the
/// qualities the moment calls for. Repair counts only while a rupture is open.
pub fn common_factors(t: &Technique, relevant: &[Quality], w: &Weights) -> CfReport {
    let parts: Vec<CfPart> = relevant
        .iter()
        .map(|&q| {
            let value = if q == Quality::Repair {
                if t.repair.is_some() { 1.0 } else { 0.0 }
            } else {
                t.quality(q)
            };
            CfPart {
                quality: q,
                value,
                weight: w.cf_weight(q),
            }
        })
        .collect();
    let wsum: f32 = parts.iter().map(|p| p.weight).sum();
    let total = if wsum > 0.0 {
        parts.iter().map(|p| p.weight * p.value).sum::<f32>() / wsum
    } else {
        0.0
    };
    CfReport { parts, total }
}

/// The alliance change a move makes by itself (`scenarios/SCORING-MODEL.md` section 2). A task offered before the
/// groundwork it needs is a task the client has not agreed to (Bordin 1979): the task component falls, less
/// so when the move carries its own rationale.
pub fn alliance_delta(t: &Technique, fit: f32, premature: bool, w: &Weights) -> AllianceDelta {
    let r = &w.alliance;
    let q = &t.qualities;
    let warmth = (q.empathy + q.regard + q.congruence) / 3.0;
    // A goal is imposed when a directive move is not collaborative.
    let imposed = t.directiveness * (1.0 - q.collaboration);
    let task = if premature {
        r.eta_task * (q.rationale - 1.0)
    } else {
        r.eta_task * (fit + r.rationale_bonus * q.rationale)
    };
    AllianceDelta {
        bond: r.eta_bond * (warmth - 0.5),
        task,
        goal: r.eta_goal * (q.goal_consensus - imposed),
    }
}

/// The practice score of a move: `a Fit + b norm(delta alliance) + c CF`, mapped to 0..100.
pub fn score(fit: f32, alliance_mean_delta: f32, cf: f32, w: &Weights) -> f32 {
    let m = w.score;
    let sum = m.fit + m.alliance + m.common_factors;
    if sum <= 0.0 {
        return 50.0;
    }
    let a = (alliance_mean_delta / w.alliance_norm).clamp(-1.0, 1.0);
    let raw = (m.fit * fit.clamp(-1.0, 1.0) + m.alliance * a + m.common_factors * (2.0 * cf - 1.0)) / sum;
    (50.0 * (1.0 + raw)).clamp(0.0, 100.0)
}

/// Evaluates a move deterministically in a state, with the option's manner and any author override, for
/// its addressees in `m`.
pub fn evaluate(
    t: &Technique,
    option: &Choice,
    people: &[ClientProfile],
    s: &ClientState,
    m: &Moment,
    w: &Weights,
) -> Evaluation {
    let t = &delivered(t, &option.manner);
    let mut fit = fit(t, &option.manner, people, s, m, w);
    if let Some(f) = option.fit {
        fit.total = f.clamp(-1.0, 1.0);
        fit.band = w.band(fit.total);
        fit.overridden = true;
        for x in &mut fit.by_person {
            x.1 = fit.total;
        }
    }
    let cf = common_factors(t, &relevant_factors(s, m, w), w);
    let premature = !missing_now(t, &option.manner, s, m, w).is_empty();
    let effects = effects(t, option, people, &fit, premature, s, m, w);
    let addressed: Vec<&PersonEffect> = effects.iter().filter(|e| e.addressed).collect();
    let n = addressed.len().max(1) as f32;
    let alliance = AllianceDelta {
        goal: addressed.iter().map(|e| e.delta.goal).sum::<f32>() / n,
        task: addressed.iter().map(|e| e.delta.task).sum::<f32>() / n,
        bond: addressed.iter().map(|e| e.delta.bond).sum::<f32>() / n,
    };
    // The within-system alliance (safety and shared purpose) is built by systemic work with everyone, and worn
    // down when someone in the room hears the therapist take a side (SOFTA's safety indicators).
    let sided: Vec<f32> = effects
        .iter()
        .filter(|e| !e.addressed)
        .map(|e| e.delta.bond.min(0.0))
        .collect();
    let erosion = sided.iter().sum::<f32>() / sided.len().max(1) as f32;
    let within = match s.within {
        Some(x) if s.present.len() > 1 => {
            let build = if speaks_to_system(t) && s.present.iter().all(|i| m.to.contains(i)) {
                w.alliance.eta_goal * fit.total
            } else {
                0.0
            };
            (x + build + erosion).clamp(0.0, 1.0) - x
        }
        _ => 0.0,
    };
    let bond_after = |i: usize| {
        let b = s.people[i].alliance.bond;
        effects
            .iter()
            .find(|e| e.person == i)
            .map_or(b, |e| (b + e.delta.bond).clamp(0.0, 1.0))
    };
    let split = split_of((0..s.people.len()).map(bond_after)) - s.split();
    // A mild difference between members' bonds is ordinary turn-taking (the therapist works with one partner
    // while the other watches); only the part of a split beyond the flag counts against the unit.
    let flag = w.system.split_flag;
    let beyond = (s.split() + split - flag).max(0.0) - (s.split() - flag).max(0.0);

    // Each open rupture: repaired (in expectation) by a repair move addressed to its person, held by a move that
    // answers a safety marker now, else decaying: the session's own rules, in expectation.
    let holds = m.holds_for_safety(t);
    let mut chance = None;
    let mut expected = Vec::new();
    for &i in &s.present {
        let Some(open) = &s.people[i].rupture else {
            expected.push(0.0);
            continue;
        };
        let attempt = crate::engine::play::rules::RuptureAttempt::of(t, m.to.contains(&i), open, holds, w);
        if let Some(p) = attempt.chance() {
            chance.get_or_insert(p);
        }
        let d = effects
            .iter()
            .find(|e| e.person == i)
            .map_or_else(AllianceDelta::default, |e| e.delta);
        expected.push(attempt.expected_change(s.people[i].alliance.apply(d), open, w));
    }
    let present = s.present.len().max(1) as f32;
    let members = effects.iter().map(|e| e.delta.mean()).sum::<f32>() / present;
    let share = if s.is_system() && s.present.len() > 1 {
        w.system.individual_share
    } else {
        1.0
    };
    let expected_repair = share * expected.iter().sum::<f32>() / present;
    let unit = unit_alliance(members, s.within.map(|_| within), s.present.len(), w);
    let signal = unit + expected_repair - w.system.split_weight() * beyond;
    let score = score(fit.total, signal, cf.total, w);
    Evaluation {
        fit,
        common_factors: cf,
        alliance,
        people: effects,
        within,
        split,
        expected_repair,
        repair_chance: chance,
        score,
    }
}

/// The alliance change for each person present. The addressees' follows the move's fit for them (or the
/// author's override). The others hear the therapist take a side: their bond falls by the bond the addressees
/// gained, less the safety the room already has (multidirected partiality; SOFTA's safety within the system).
#[allow(clippy::too_many_arguments)]
fn effects(
    t: &Technique,
    option: &Choice,
    people: &[ClientProfile],
    fit: &FitReport,
    premature: bool,
    s: &ClientState,
    m: &Moment,
    w: &Weights,
) -> Vec<PersonEffect> {
    let mut out: Vec<PersonEffect> = fit
        .by_person
        .iter()
        .map(|&(i, f)| PersonEffect {
            person: i,
            addressed: true,
            fit: f,
            delta: option.alliance.unwrap_or_else(|| alliance_delta(t, f, premature, w)),
        })
        .collect();
    let gain = out.iter().map(|e| e.delta.bond.max(0.0)).sum::<f32>() / out.len().max(1) as f32;
    let safety = s.within.unwrap_or(0.0);
    // Joining a young child is not taking sides against the adults who brought them: engaging the child is
    // the goal they came with. Nor is staying with the marker a person shows (a partner's vulnerability while
    // the other watches): that is the work the moment asks for, and the others see it done.
    // Group and systemic work turned to one member (blocking a monopolist, drawing out a silent member) is done
    // for the group, and asking about safety is never taking sides. And only those whose bond is no stronger
    // than the addressee's feel passed over: turning to the one the therapist has joined least rebalances.
    let to_child = !m.to.is_empty() && m.to.iter().all(|&i| people.get(i).is_some_and(|c| c.age <= CHILD_AGE));
    let own_marker = m
        .markers
        .iter()
        .any(|(i, mk)| m.to.contains(i) && m.answers(t, *i, *mk));
    let for_the_room = speaks_to_system(t) || t.is_safety();
    let addressee_bond =
        m.to.iter()
            .filter_map(|i| s.people.get(*i))
            .map(|p| p.alliance.bond)
            .fold(f32::INFINITY, f32::min);
    // In a couple or family the people in the room are the parties to the conflict: turning to one is heard by
    // the others whatever their bond. In a group, members are not each other's opponents, and only those no
    // better joined than the addressee feel passed over (turning to the least-joined member rebalances).
    let group = people
        .first()
        .is_some_and(|c| c.setting.format == crate::engine::vocab::Format::Group);
    for &j in &s.present {
        let adult = people.get(j).is_some_and(|c| c.age > CHILD_AGE);
        let behind = !group || s.people[j].alliance.bond <= addressee_bond + 1e-4;
        if m.to.contains(&j) {
            continue;
        }
        let bond = if option.manner.contains(&Manner::Sides) {
            // Words that take the addressee's side reach the others as a dismissive move would: the bond the
            // addressee gained, and the invalidation (warmth as `Dismissive` leaves it, against the neutral .5).
            let d = delivered(t, &[Manner::Dismissive]).qualities;
            let warmth = (d.empathy + d.regard + d.congruence) / 3.0;
            -gain - w.alliance.eta_bond * (0.5 - warmth).max(0.0)
        } else if own_marker {
            // Witnessing the other met in their vulnerability draws the watcher in, as far as the room is safe
            // (EFT: Johnson 2019; multidirected partiality).
            gain * safety
        } else if !(for_the_room || (to_child && adult)) && behind {
            -gain * (1.0 - safety)
        } else {
            0.0
        };
        out.push(PersonEffect {
            person: j,
            addressed: false,
            fit: 0.0,
            delta: AllianceDelta {
                bond,
                ..AllianceDelta::default()
            },
        });
    }
    out
}

/// The simulated Session Rating Scale (Duncan, Miller et al. 2003): four 0-10 items, as the client would
/// report them. Real ratings cluster near the ceiling; a deferent client inflates them (politeness), and a
/// confrontation shows in them. Flagged below the cut-off or on a drop since the last rating.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Srs {
    pub relationship: f32,
    pub goals: f32,
    pub approach: f32,
    pub overall: f32,
    pub total: f32,
    /// Below the cut-off (36 of 40), or a drop of the set size since the last rating: worth asking about.
    pub flagged: bool,
    /// How much of the total is the client's politeness rather than the alliance.
    pub politeness: f32,
}

pub fn srs(a: Alliance, compliance: f32, rupture: Option<RuptureKind>, last: Option<f32>, w: &Weights) -> Srs {
    let r = &w.srs;
    // A confrontation is voiced; a withdrawal, or no rupture, leaves room for politeness.
    let polite = if rupture == Some(RuptureKind::Confrontation) {
        0.0
    } else {
        r.politeness * compliance.clamp(0.0, 1.0)
    };
    let item = |x: f32| 10.0 * (x / r.ceiling_at + polite).clamp(0.0, 1.0);
    let honest = |x: f32| 10.0 * (x / r.ceiling_at).clamp(0.0, 1.0);
    let relationship = item(a.bond);
    let goals = item(a.goal);
    let approach = item(a.task);
    let overall = item(a.mean());
    let total = relationship + goals + approach + overall;
    let truth = honest(a.bond) + honest(a.goal) + honest(a.task) + honest(a.mean());
    let dropped = last.is_some_and(|l| l - total >= r.drop_flag);
    Srs {
        relationship,
        goals,
        approach,
        overall,
        total,
        flagged: total < r.cutoff || dropped,
        politeness: total - truth,
    }
}

/// How good a move was, against the best move open at its stage (chess analysis's move classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MoveClass {
    Best,
    Good,
    Questionable,
    Poor,
    /// A safety or dissociation marker left unanswered while a move that answers it was open.
    CriticalMiss,
}

impl MoveClass {
    pub fn label(self) -> &'static str {
        match self {
            MoveClass::Best => "best",
            MoveClass::Good => "good",
            MoveClass::Questionable => "questionable",
            MoveClass::Poor => "poor",
            MoveClass::CriticalMiss => "critical miss",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            MoveClass::Best => "!!",
            MoveClass::Good => "!",
            MoveClass::Questionable => "?!",
            MoveClass::Poor => "?",
            MoveClass::CriticalMiss => "??",
        }
    }

    /// Best or good: a move a supervisor would accept at that moment (xAPI's `success` for an answer).
    pub fn is_sound(self) -> bool {
        matches!(self, MoveClass::Best | MoveClass::Good)
    }
}

/// The class of a move that scores `loss` points below the best open move.
pub fn classify(loss: f32, critical: bool, w: &Weights) -> MoveClass {
    let c = &w.classes;
    if critical {
        MoveClass::CriticalMiss
    } else if loss <= c.best {
        MoveClass::Best
    } else if loss <= c.good {
        MoveClass::Good
    } else if loss <= c.questionable {
        MoveClass::Questionable
    } else {
        MoveClass::Poor
    }
}

/// A move's accuracy in percent from its loss against the best open move (lichess's curve); a critical
/// miss is 0.
pub fn accuracy(loss: f32, critical: bool, w: &Weights) -> f32 {
    if critical {
        return 0.0;
    }
    let (a, b, c) = w.classes.accuracy;
    (a * (-b * loss.max(0.0)).exp() + c).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_figure_is_low_to_35_and_high_from_65() {
        assert_eq!(Level::of(0.35), Level::Low);
        assert_eq!(Level::of(0.36), Level::Moderate);
        assert_eq!(Level::of(0.64), Level::Moderate);
        assert_eq!(Level::of(0.65), Level::High);
        assert_eq!(Level::of(0.9).word(), "high");
    }
}
