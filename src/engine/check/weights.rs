//! The weights file: its version, every number finite and in range, every term and factor weighted.

use super::*;

/// Checks a weights file: every term weighted, nothing negative.
pub fn check_weights(w: &Weights, file: &str, loc: &Locator) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        file,
        loc,
        out: Vec::new(),
    };
    for t in FitTerm::ALL {
        match w.fit.get(&t) {
            None => {
                cx.push(Code::R502, "fit", format!("no weight for the fit term {:?}", t));
            }
            Some(x) if !(x.value >= 0.0 && x.value.is_finite()) || x.source.trim().is_empty() => {
                cx.push(
                    Code::R502,
                    "fit",
                    format!(
                        "the weight of {:?} is {}: it must be a finite, non-negative number and cite a source",
                        t, x.value
                    ),
                );
            }
            Some(_) => {}
        }
    }
    for q in Quality::ALL {
        match w.common_factors.get(&q) {
            None => {
                cx.push(
                    Code::R502,
                    "common_factors",
                    format!("no weight for the common factor {:?}", q),
                );
            }
            Some(x) if !(x.value >= 0.0 && x.value.is_finite()) || x.source.trim().is_empty() => {
                cx.push(
                    Code::R502,
                    "common_factors",
                    format!(
                        "the weight of {:?} is {}: it must be a finite, non-negative number and cite a source",
                        q, x.value
                    ),
                );
            }
            Some(_) => {}
        }
    }
    let mix = [
        ("fit", w.score.fit),
        ("alliance", w.score.alliance),
        ("common_factors", w.score.common_factors),
    ];
    for (k, v) in mix {
        weight_number(
            &mut cx,
            &format!("score.{k}"),
            &format!("the score's `{k}` part"),
            v,
            0.0,
            f32::MAX,
        );
    }
    if mix.iter().all(|(_, v)| v.is_finite() && *v >= 0.0) && mix.iter().map(|(_, v)| v).sum::<f32>() <= 0.0 {
        cx.push(Code::R502, "score", "the score mix is all zero");
    }
    if !(w.alliance_norm.is_finite() && w.alliance_norm > 0.0) {
        cx.push(
            Code::R502,
            "alliance_norm",
            format!(
                "alliance_norm is {}, but must be a positive finite number",
                w.alliance_norm
            ),
        );
    }
    if !(1..=WEIGHTS_VERSION).contains(&w.version) {
        cx.push(
            Code::R007,
            "version",
            format!(
                "weights format version {} is not supported; this Rapport reads weights versions 1 to {WEIGHTS_VERSION}",
                w.version
            ),
        );
    }
    check_weight_rates(w, &mut cx);
    cx.out
}

/// The newest weights format this Rapport reads.
pub const WEIGHTS_VERSION: u32 = 2;

/// R502 for a number of a weights file that is not finite or leaves its documented range (rates and shares are
/// fractions, correlations lie in -1..1, the SRS is scored out of 40).
pub(super) fn weight_number(cx: &mut Ctx, path: &str, what: &str, v: f32, lo: f32, hi: f32) {
    if !v.is_finite() {
        cx.push(Code::R502, path, format!("{what} is {v}, but must be a finite number"));
    } else if !(lo..=hi).contains(&v) {
        let range = if hi == f32::MAX {
            format!("at least {lo}")
        } else {
            format!("between {lo} and {hi}")
        };
        cx.push(Code::R502, path, format!("{what} is {v}, but must be {range}"));
    }
}

/// Every rate of the alliance, state, SRS, system and class rules, and the stage table's +1/0/-1.
pub(super) fn check_weight_rates(w: &Weights, cx: &mut Ctx) {
    let a = &w.alliance;
    let fractions = [
        ("alliance.eta_bond", a.eta_bond),
        ("alliance.eta_task", a.eta_task),
        ("alliance.eta_goal", a.eta_goal),
        ("alliance.rationale_bonus", a.rationale_bonus),
        ("alliance.rupture_delta", a.rupture_delta),
        ("alliance.confrontation_reactance", a.confrontation_reactance),
        ("alliance.withdrawal_reactance", a.withdrawal_reactance),
        ("alliance.open_decay", a.open_decay),
        ("alliance.open_dropout", a.open_dropout),
        ("alliance.repair_base", a.repair_base),
        ("alliance.repair_strategy_bonus", a.repair_strategy_bonus),
        (
            "alliance.repair_metacommunication_bonus",
            a.repair_metacommunication_bonus,
        ),
        ("alliance.repair_gain", a.repair_gain),
        ("state.reactance_rise", w.state.reactance_rise),
        ("state.reactance_settle", w.state.reactance_settle),
        ("state.distress_per_arousal", w.state.distress_per_arousal),
        ("state.stage_progress", w.state.stage_progress),
        ("state.window_of_tolerance", w.state.window_of_tolerance),
        ("srs.ceiling_at", w.srs.ceiling_at),
        ("srs.politeness", w.srs.politeness),
        ("system.individual_share", w.system.individual_share),
        ("system.split_flag", w.system.split_flag),
    ];
    for (path, v) in fractions {
        weight_number(cx, path, &format!("`{path}`"), v, 0.0, 1.0);
    }
    for (path, v) in [
        ("alliance.rupture_fit", a.rupture_fit),
        ("system.alliance_r", w.system.alliance_r),
        ("system.split_r", w.system.split_r),
    ] {
        weight_number(cx, path, &format!("`{path}`"), v, -1.0, 1.0);
    }
    for (path, v) in [("srs.cutoff", w.srs.cutoff), ("srs.drop_flag", w.srs.drop_flag)] {
        weight_number(cx, path, &format!("`{path}` (on the SRS's 0-40 scale)"), v, 0.0, 40.0);
    }
    let c = &w.classes;
    for (path, v) in [
        ("classes.best", c.best),
        ("classes.good", c.good),
        ("classes.questionable", c.questionable),
    ] {
        weight_number(cx, path, &format!("`{path}`"), v, 0.0, f32::MAX);
    }
    if c.best.is_finite()
        && c.good.is_finite()
        && c.questionable.is_finite()
        && !(c.best <= c.good && c.good <= c.questionable)
    {
        cx.push(
            Code::R502,
            "classes",
            "the class bounds must rise: best <= good <= questionable (points lost against the best move)",
        );
    }
    for (i, v) in [c.accuracy.0, c.accuracy.1, c.accuracy.2].into_iter().enumerate() {
        if !v.is_finite() {
            cx.push(
                Code::R502,
                &format!("classes.accuracy[{i}]"),
                format!("an accuracy coefficient is {v}, but must be a finite number"),
            );
        }
    }
    for (stage, row) in &w.stage_table {
        for (process, v) in row {
            if !(-1..=1).contains(v) {
                cx.push(
                    Code::R502,
                    "stage_table",
                    format!(
                        "the stage table gives {process:?} in {stage:?} the value {v}; it must be 1 (matched), 0 or -1 (mismatched)"
                    ),
                );
            }
        }
    }
}
