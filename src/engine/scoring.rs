//! Fit, common factors and the alliance update, as grounded in `scoring-model.md`, each explaining itself.

use serde::Serialize;

use super::catalog::{Quality, RepairKind, Technique, repair_fits};
use super::model::{
    Alliance, AllianceDelta, ClientProfile, FitBand, Preference, RuptureKind, RuptureMarker, Stage, StageOfChange,
};
use super::weights::{FitTerm, Weights};

/// The client's state as it moves through a session (the intake gives its start).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientState {
    /// Reactance as a state, 0..1.
    pub reactance: f32,
    pub distress: f32,
    pub stage_of_change: StageOfChange,
    /// Progress toward the next stage of change, 0..1.
    pub stage_progress: f32,
    pub alliance: Alliance,
    pub rupture: Option<OpenRupture>,
    /// Ruptures repaired so far.
    pub repaired: u32,
    /// Ruptures opened so far.
    pub ruptures: u32,
    /// Simulated dropout risk, 0..1 (client outcome, not the trainee's score).
    pub dropout_risk: f32,
}

/// A rupture that is open now.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub fn from_intake(c: &ClientProfile) -> ClientState {
        ClientState {
            reactance: c.reactance.state,
            distress: c.distress,
            stage_of_change: c.stage_of_change,
            stage_progress: 0.0,
            alliance: c.alliance.clamped(),
            rupture: None,
            repaired: 0,
            ruptures: 0,
            dropout_risk: 0.0,
        }
    }
}

/// One term of the fit, with its weight and a sentence a student can learn from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitPart {
    pub term: FitTerm,
    /// The match, -1..1.
    pub value: f32,
    pub weight: f32,
    pub why: String,
}

/// The fit of one move to this client at this moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitReport {
    pub parts: Vec<FitPart>,
    /// Weighted mean of the parts, -1..1 (or the author's override).
    pub total: f32,
    pub band: FitBand,
    /// True when the scenario author set this fit by hand.
    pub overridden: bool,
}

/// One common factor a move carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CfPart {
    pub quality: Quality,
    pub value: f32,
    pub weight: f32,
}

/// Common factors: `CF = sum(r_j q_j) / sum(r_j)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CfReport {
    pub parts: Vec<CfPart>,
    pub total: f32,
}

/// A deterministic evaluation of a move in a state: what the trainee is scored on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub fit: FitReport,
    pub common_factors: CfReport,
    /// The alliance change the move itself makes (before rupture repair or decay).
    pub alliance: AllianceDelta,
    /// The expected change in mean alliance from repair (or decay while a rupture stays open).
    pub expected_repair: f32,
    /// Repair chance, when a rupture is open and this is a repair move.
    pub repair_chance: Option<f32>,
    /// The choice's practice score, 0..100.
    pub score: f32,
}

fn level(x: f32) -> &'static str {
    if x >= 0.65 {
        "high"
    } else if x <= 0.35 {
        "low"
    } else {
        "moderate"
    }
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

/// The fit of technique `t` to the client now (scoring-model.md section 1).
pub fn fit(t: &Technique, c: &ClientProfile, s: &ClientState, stage: &Stage, w: &Weights) -> FitReport {
    let name = &c.name;
    let mut parts = Vec::new();
    let mut add = |term: FitTerm, value: f32, why: String| {
        let weight = w.fit_weight(term);
        if weight > 0.0 {
            parts.push(FitPart {
                term,
                value: value.clamp(-1.0, 1.0),
                weight,
                why,
            });
        }
    };

    // Reactance: high -> non-directive; low -> directive mildly better.
    let (r, d) = (s.reactance, t.directiveness);
    let mut m = -(2.0 * r - 1.0) * (2.0 * d - 1.0);
    if r < 0.5 && d < 0.5 {
        m *= 0.5;
    }
    let why = match (level(r), level(d)) {
        ("high", "high") => format!(
            "{name}'s reactance is high right now ({r:.2}) and this move is directive ({d:.2}): clients who resist direction do better with self-directed work"
        ),
        ("high", _) => format!(
            "{name}'s reactance is high right now ({r:.2}) and this move leaves the lead with them (directiveness {d:.2}): the match the reactance research favours"
        ),
        ("low", "high") => format!(
            "{name}'s reactance is low ({r:.2}), so a directive move ({d:.2}) is mildly better: they take guidance well"
        ),
        ("low", _) => format!(
            "{name}'s reactance is low ({r:.2}): they take guidance well, so a non-directive move ({d:.2}) fits slightly less well than some structure would"
        ),
        (_, _) => format!("reactance ({r:.2}) and directiveness ({d:.2}) are both moderate: little is at stake here"),
    };
    add(FitTerm::Reactance, m, why + &cite(w, FitTerm::Reactance));

    // Coping style: externalizing -> symptom focus; internalizing -> insight focus.
    let (cs, f) = (c.coping_style, t.focus);
    let style = if cs > 0.2 {
        "externalizing"
    } else if cs < -0.2 {
        "internalizing"
    } else {
        "balanced"
    };
    let focus = if f > 0.2 {
        "symptoms and skills"
    } else if f < -0.2 {
        "insight and relationships"
    } else {
        "both symptoms and meaning"
    };
    let why = format!(
        "{name} copes in a{} {style} way ({cs:+.2}) and this move focuses on {focus} ({f:+.2}): externalizing clients do better with symptom and skill focus, internalizing clients with insight and interpersonal focus",
        if style == "balanced" { "" } else { "n" }
    );
    add(FitTerm::Coping, cs * f, why + &cite(w, FitTerm::Coping));

    // Distress and arousal: high distress -> soothing; low -> evocative.
    let (sd, a) = (s.distress, t.arousal);
    let m = 1.0 - ((1.0 - 2.0 * sd) - a).abs();
    let kind = if a > 0.2 {
        "evocative"
    } else if a < -0.2 {
        "soothing and containing"
    } else {
        "neither soothing nor evocative"
    };
    let why = format!(
        "{name}'s distress is {} ({sd:.2}) and this move is {kind} (arousal {a:+.2}): high distress calls for supportive, arousal-reducing work, low distress for evocative, experiential work",
        level(sd)
    );
    add(FitTerm::Arousal, m, why + &cite(w, FitTerm::Arousal));

    // Impairment and intensity.
    let (imp, i) = (c.impairment, t.intensity);
    let why = format!(
        "impairment is {} ({imp:.2}) and this move is {} in intensity ({i:.2}): the intensity of an intervention should follow impairment",
        level(imp),
        level(i)
    );
    add(
        FitTerm::Intensity,
        1.0 - 2.0 * (i - imp).abs(),
        why + &cite(w, FitTerm::Intensity),
    );

    // Stage of change.
    if !t.processes.is_empty() {
        let stage_now = s.stage_of_change;
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

    // Preferences.
    let prefs = &c.preferences;
    if prefs.strength > 0.0 {
        let matches = |p: &Preference| match p {
            Preference::School(sc) => t.school == *sc || t.also.contains(sc),
            Preference::Technique(id) => *id == t.id,
        };
        let sign = if prefs.likes.iter().any(matches) {
            Some((1.0, "wants this kind of work"))
        } else if prefs.dislikes.iter().any(matches) {
            Some((-1.0, "has said they do not want this kind of work"))
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

    // Culture.
    let sal = c.culture.salience;
    if sal > 0.0 {
        let ad = t.adaptation.culture;
        let how = if ad > 0.2 {
            "asks about and works within their own explanatory model"
        } else if ad < -0.2 {
            "imposes a frame that may not fit their understanding"
        } else {
            "neither adapts to nor clashes with their cultural frame"
        };
        let why = format!("culture shapes how {name} understands the problem (salience {sal:.2}); this move {how}");
        add(FitTerm::Culture, ad * sal, why + &cite(w, FitTerm::Culture));
    }

    // Religion and spirituality.
    let rs = c.religion_salience;
    if rs > 0.0 {
        let ad = t.adaptation.religion;
        let how = if ad > 0.2 {
            "makes room for their beliefs"
        } else if ad < -0.2 {
            "sets their beliefs aside"
        } else {
            "is neutral toward their beliefs"
        };
        let why = format!("faith matters to {name} (salience {rs:.2}); this move {how}");
        add(FitTerm::Religion, ad * rs, why + &cite(w, FitTerm::Religion));
    }

    // Process markers: marker-guided task choice.
    let present = stage.process_markers();
    if !present.is_empty() {
        let answered = present.iter().find(|p| t.answers.contains(p));
        let labels: Vec<&str> = present.iter().map(|p| p.label()).collect();
        // Each marker cites its own source: EFT for the experiential ones, crisis, trauma and MI texts for the rest.
        let (v, why, marker) = match answered {
            Some(p) => (
                1.0,
                format!(
                    "{name} shows {} {} marker, and this is the task that answers it",
                    article(p.label()),
                    p.label()
                ),
                *p,
            ),
            None => (
                0.0,
                format!(
                    "{name} shows a marker ({}) that this move does not answer",
                    labels.join(", ")
                ),
                present[0],
            ),
        };
        let effect = w
            .fit
            .get(&FitTerm::Marker)
            .map(|x| x.effect.clone())
            .unwrap_or_default();
        add(FitTerm::Marker, v, format!("{why} ({}; {effect})", marker.source()));
    }

    let wsum: f32 = parts.iter().map(|p| p.weight).sum();
    let total = if wsum > 0.0 {
        parts.iter().map(|p| p.weight * p.value).sum::<f32>() / wsum
    } else {
        0.0
    };
    FitReport {
        parts,
        total,
        band: FitBand::of(total),
        overridden: false,
    }
}

/// Common factors carried by a move; repair counts only while a rupture is open.
pub fn common_factors(t: &Technique, rupture_open: bool, w: &Weights) -> CfReport {
    let parts: Vec<CfPart> = Quality::ALL
        .into_iter()
        .filter(|q| *q != Quality::Repair || rupture_open)
        .map(|q| {
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

/// The alliance change a move makes by itself (scoring-model.md section 2).
pub fn alliance_delta(t: &Technique, fit: f32, w: &Weights) -> AllianceDelta {
    let r = &w.alliance;
    let q = &t.qualities;
    let warmth = (q.empathy + q.regard + q.congruence) / 3.0;
    // A goal is imposed when a directive move is not collaborative.
    let imposed = t.directiveness * (1.0 - q.collaboration);
    AllianceDelta {
        bond: r.eta_bond * (warmth - 0.5),
        task: r.eta_task * (fit + r.rationale_bonus * q.rationale),
        goal: r.eta_goal * (q.goal_consensus - imposed),
    }
}

/// The chance that a repair move mends an open rupture.
pub fn repair_chance(kind: RepairKind, rupture: RuptureKind, w: &Weights) -> f32 {
    let r = &w.alliance;
    let mut p = r.repair_base;
    if repair_fits(&r.repair_fit, rupture, kind) {
        p += r.repair_strategy_bonus;
    }
    if kind == RepairKind::Metacommunication {
        p += r.repair_metacommunication_bonus;
    }
    p.clamp(0.0, 1.0)
}

/// Which kind of rupture opens, from the reactance state and the client's style.
pub fn rupture_kind(reactance: f32, style: RuptureKind, w: &Weights) -> RuptureKind {
    if reactance >= w.alliance.confrontation_reactance {
        RuptureKind::Confrontation
    } else if reactance <= w.alliance.withdrawal_reactance {
        RuptureKind::Withdrawal
    } else {
        style
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

/// Evaluates a move deterministically in a state, with optional author overrides.
pub fn evaluate(
    t: &Technique,
    c: &ClientProfile,
    s: &ClientState,
    stage: &Stage,
    w: &Weights,
    fit_override: Option<f32>,
    alliance_override: Option<AllianceDelta>,
) -> Evaluation {
    let mut fit = fit(t, c, s, stage, w);
    if let Some(f) = fit_override {
        fit.total = f.clamp(-1.0, 1.0);
        fit.band = FitBand::of(fit.total);
        fit.overridden = true;
    }
    let cf = common_factors(t, s.rupture.is_some(), w);
    let delta = alliance_override.unwrap_or_else(|| alliance_delta(t, fit.total, w));
    let (expected_repair, repair_chance) = match (&s.rupture, t.repair) {
        (Some(open), Some(kind)) => {
            let p = repair_chance(kind, open.kind, w);
            let after = s.alliance.apply(delta);
            let restore = (open.alliance_before.mean() - after.mean()).max(0.0) + w.alliance.repair_gain;
            (p * restore - (1.0 - p) * w.alliance.open_decay, Some(p))
        }
        (Some(_), None) => (-w.alliance.open_decay, None),
        _ => (0.0, None),
    };
    let score = score(fit.total, delta.mean() + expected_repair, cf.total, w);
    Evaluation {
        fit,
        common_factors: cf,
        alliance: delta,
        expected_repair,
        repair_chance,
        score,
    }
}

/// The simulated Session Rating Scale (Duncan, Miller et al. 2003): four 0-10 items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Srs {
    pub relationship: f32,
    pub goals: f32,
    pub approach: f32,
    pub overall: f32,
    pub total: f32,
    /// At or below the flag (36 of 40): a risk worth asking about.
    pub flagged: bool,
}

pub fn srs(a: Alliance, w: &Weights) -> Srs {
    let relationship = 10.0 * a.bond;
    let goals = 10.0 * a.goal;
    let approach = 10.0 * a.task;
    let overall = 10.0 * a.mean();
    let total = relationship + goals + approach + overall;
    Srs {
        relationship,
        goals,
        approach,
        overall,
        total,
        flagged: total <= w.alliance.srs_flag,
    }
}
