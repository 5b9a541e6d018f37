//! What version 2 of the format adds: standing moves, intents and reasons, the client's new fields, conditional notes.

use super::*;

/// What version 2 adds: standing moves, intents and reasons, the client's new fields, conditional notes.
pub(super) fn check_version_two(s: &Scenario, catalog: &Catalog, cx: &mut Ctx) {
    if s.version < 2 {
        cx.push(
            Code::R604,
            "version",
            "a version-1 file: it loads as it is; version 2 adds a declared intent per option (held to the scoring by `rapport check`), how a move is delivered (`manner`), standing moves such as a safety check offered at every stage, per-stage distress, client compliance, and conditional ending notes (scenarios/README.md); `rapport upgrade FILE` writes the version-2 file and keeps its comments",
        );
    }
    cx.range("client.compliance", "compliance", s.client.compliance, 0.0, 1.0);
    let answers = |o: &crate::engine::format::scenario::Choice, m: &crate::engine::vocab::ProcessMarker| {
        catalog.get(&o.technique).is_some_and(|t| {
            crate::engine::play::scoring::delivered(t, &o.manner)
                .answers
                .contains(m)
        })
    };
    for (i, st) in s.stages.iter().enumerate() {
        if let Some(d) = st.distress {
            cx.range(&format!("stages[{i}].distress"), "distress", d, 0.0, 1.0);
        }
        if let Some(r) = st.reactance {
            cx.range(&format!("stages[{i}].reactance"), "reactance", r, 0.0, 1.0);
        }
        for m in st
            .process_markers()
            .into_iter()
            .filter(|m| crate::engine::play::scoring::is_critical(*m))
        {
            if !st.choices.iter().chain(s.standing.iter()).any(|o| answers(o, &m)) {
                let d = cx.push(
                    Code::R605,
                    &format!("stages[{i}].markers"),
                    format!(
                        "the stage `{}` shows a {} marker, but no move offered here answers it",
                        st.id,
                        m.label()
                    ),
                );
                d.help = Some("offer a move that answers it (a risk assessment or grounding), or a standing safety check under `standing:`".into());
            }
        }
        if s.version >= 2 {
            for (j, o) in st.choices.iter().enumerate() {
                if (o.fit.is_some() || o.alliance.is_some()) && o.reason.trim().is_empty() {
                    cx.push(
                        Code::R606,
                        &format!("stages[{i}].options[{j}]"),
                        format!("`{}` overrides the computed fit or alliance without a `reason`; the trainee sees the override and should see why", o.id),
                    );
                }
            }
        }
    }
    let options: HashSet<&str> = s
        .stages
        .iter()
        .flat_map(|st| st.choices.iter())
        .chain(s.standing.iter())
        .map(|o| o.id.as_str())
        .collect();
    let named: Vec<(&Condition, String)> = s
        .conditions()
        .into_iter()
        .flat_map(|(c, path)| c.leaves(path))
        .collect();
    for (c, path) in named {
        match c {
            Condition::Chose(o) | Condition::JustChose(o) if !options.contains(o.as_str()) => {
                let d = cx.push(Code::R101, &path, format!("there is no option `{o}`"));
                if let Some(x) = suggest(o, options.iter().copied()) {
                    d.help = Some(format!("did you mean `{x}`?"));
                }
            }
            Condition::Used(t) | Condition::JustUsed(t) if catalog.get(t).is_none() => {
                let d = cx.push(Code::R102, &path, format!("the catalog has no technique `{t}`"));
                d.help = Some(catalog.unknown_help(t));
            }
            _ => {}
        }
    }
    for (j, o) in s.standing.iter().enumerate() {
        if catalog.get(&o.technique).is_none() {
            let d = cx.push(
                Code::R102,
                &format!("standing[{j}].technique"),
                format!("the catalog has no technique `{}`", o.technique),
            );
            d.help = Some(catalog.unknown_help(&o.technique));
        }
        if let Some(n) = &o.next
            && s.stage(n).is_none()
            && s.ending(n).is_none()
        {
            cx.push(
                Code::R101,
                &format!("standing[{j}].next"),
                format!("there is no stage or ending `{n}`"),
            );
        }
    }
}
