//! Text and numbers: words within their limits, figures within their ranges, colours, the portrait, control characters.

use super::*;

pub(super) fn check_text_and_ranges(s: &Scenario, cx: &mut Ctx, dir: Option<&Path>) {
    cx.text("id", "the scenario id", &s.id);
    cx.text("meta.title", "the title", &s.meta.title);
    cx.text("meta.summary", "the summary", &s.meta.summary);
    let c = &s.client;
    cx.text("client.name", "the client's name", &c.name);
    too_long(cx, "client.name", "the client's name", &c.name, MAX_NAME_CHARS);
    too_long(cx, "id", "the scenario id", &s.id, MAX_ID_CHARS);
    cx.text("client.history", "the client's history", &c.history);
    if c.presenting_concerns.is_empty() {
        cx.push(
            Code::R402,
            "client.presenting_concerns",
            "the client has no presenting concerns",
        );
    }
    if c.age > 120 {
        cx.push(
            Code::R401,
            "client.age",
            format!("age is {}, but must be at most 120", c.age),
        );
    }
    cx.range(
        "client.reactance.trait",
        "reactance (trait)",
        c.reactance.trait_level,
        0.0,
        1.0,
    );
    cx.range(
        "client.reactance.state",
        "reactance (state)",
        c.reactance.state,
        0.0,
        1.0,
    );
    cx.range("client.coping_style", "coping style", c.coping_style, -1.0, 1.0);
    cx.range("client.distress", "distress", c.distress, 0.0, 1.0);
    cx.range("client.impairment", "impairment", c.impairment, 0.0, 1.0);
    cx.range(
        "client.religion_salience",
        "religion salience",
        c.religion_salience,
        0.0,
        1.0,
    );
    cx.range(
        "client.culture.salience",
        "culture salience",
        c.culture.salience,
        0.0,
        1.0,
    );
    cx.range(
        "client.preferences.strength",
        "preference strength",
        c.preferences.strength,
        0.0,
        1.0,
    );
    cx.range("client.expectancy", "expectancy", c.expectancy, 0.0, 1.0);
    cx.range("client.alliance.goal", "alliance goal", c.alliance.goal, 0.0, 1.0);
    cx.range("client.alliance.task", "alliance task", c.alliance.task, 0.0, 1.0);
    cx.range("client.alliance.bond", "alliance bond", c.alliance.bond, 0.0, 1.0);
    for (field, v) in [
        ("skin", &c.look.skin),
        ("hair", &c.look.hair),
        ("clothing", &c.look.clothing),
    ] {
        if !v.is_empty() && Look::rgb(v).is_none() {
            cx.push(
                Code::R401,
                &format!("client.look.{field}"),
                format!("`{v}` is not a colour; write it as \"#rrggbb\""),
            );
        }
    }
    if let Some(p) = &c.look.portrait {
        portrait(cx, p, dir);
    }
    if let Some(w) = &s.weights {
        for (term, v) in &w.fit {
            if !v.is_finite() {
                cx.finite("weights.fit", &format!("the weight of {}", term.label()), *v);
            } else if *v < 0.0 {
                cx.push(
                    Code::R401,
                    "weights.fit",
                    format!("the weight of {} is {v}; weights cannot be negative", term.label()),
                );
            }
        }
        for (q, v) in &w.common_factors {
            if !v.is_finite() {
                cx.finite("weights.common_factors", &format!("the weight of {}", q.label()), *v);
            } else if *v < 0.0 {
                cx.push(
                    Code::R401,
                    "weights.common_factors",
                    format!("the weight of {} is {v}; weights cannot be negative", q.label()),
                );
            }
        }
        if let Some(m) = w.score
            && [m.fit, m.alliance, m.common_factors].iter().any(|x| !x.is_finite())
        {
            cx.push(
                Code::R401,
                "weights.score",
                "the score mix holds a number that is not finite (NaN or inf); each part must be a finite number",
            );
        } else if let Some(m) = w.score
            && (m.fit < 0.0
                || m.alliance < 0.0
                || m.common_factors < 0.0
                || m.fit + m.alliance + m.common_factors <= 0.0)
        {
            cx.push(
                Code::R401,
                "weights.score",
                "the score mix must be non-negative and not all zero",
            );
        }
    }
    for (i, st) in s.stages.iter().enumerate() {
        let p = format!("stages[{i}]");
        if st.client.is_empty() {
            cx.push(
                Code::R402,
                &format!("{p}.client"),
                format!("stage `{}` has no client line", st.id),
            );
        }
        for (j, l) in st.client.iter().enumerate() {
            cx.text(
                &format!("{p}.client[{j}].text"),
                &format!("client line `{}`", l.id),
                &l.text,
            );
        }
        for (j, l) in st.rupture_lines.iter().enumerate() {
            cx.text(
                &format!("{p}.rupture_lines[{j}].text"),
                &format!("rupture line `{}`", l.id),
                &l.text,
            );
        }
        if st.choices.is_empty() {
            cx.push(
                Code::R304,
                &format!("{p}.options"),
                format!("stage `{}` offers no options", st.id),
            )
            .help = Some("offer at least two techniques, or make this an ending".into());
        } else if st.choices.iter().all(|o| o.when.is_some()) {
            cx.push(
                Code::R305,
                &format!("{p}.options"),
                format!(
                    "every option at stage `{}` is guarded; if no guard holds the trainee is stuck",
                    st.id
                ),
            )
            .help = Some("leave at least one option without `when`".into());
        }
        for (j, o) in st.choices.iter().enumerate() {
            let op = format!("{p}.options[{j}]");
            if let Some(f) = o.fit {
                cx.range(&format!("{op}.fit"), "a fit override", f, -1.0, 1.0);
            }
            if let Some(a) = o.alliance {
                for (name, v) in [("goal", a.goal), ("task", a.task), ("bond", a.bond)] {
                    cx.range(
                        &format!("{op}.alliance.{name}"),
                        &format!("an alliance change ({name})"),
                        v,
                        -0.5,
                        0.5,
                    );
                }
            }
        }
        for (j, o) in st.choices.iter().enumerate() {
            check_option_words(o, &format!("{p}.options[{j}]"), s.meta.hide_technique_names, cx);
        }
    }
    for (j, o) in s.standing.iter().enumerate() {
        check_option_words(o, &format!("standing[{j}]"), s.meta.hide_technique_names, cx);
    }
    // Thresholds of every condition: option and standing guards, transitions, notes and conditional text.
    for (c, path) in s.conditions() {
        check_thresholds(c, &path, cx);
    }
    for (i, v) in s.variables.iter().enumerate() {
        if let Value::Number(x) = v.initial {
            cx.finite(
                &format!("variables[{i}].initial[0]"),
                &format!("the initial value of `{}`", v.id),
                x,
            );
        }
    }
    let effects = s.choices_with_paths();
    for (op, o) in effects {
        for (k, e) in o.effects.iter().enumerate() {
            let x = match e {
                Effect::Set(_, Value::Number(x)) | Effect::Add(_, x) => *x,
                Effect::Set(..) => continue,
            };
            cx.finite(
                &format!("{op}.effects[{k}][1]"),
                &format!("the value written to `{}`", e.variable()),
                x,
            );
        }
    }
    for (i, e) in s.endings.iter().enumerate() {
        cx.text(
            &format!("endings[{i}].title"),
            &format!("the title of ending `{}`", e.id),
            &e.title,
        );
        cx.text(
            &format!("endings[{i}].debrief"),
            &format!("the debrief of ending `{}`", e.id),
            &e.debrief,
        );
    }
    if s.endings.is_empty() {
        cx.push(Code::R302, "endings", "the scenario has no endings");
    }
}

/// An option without words: the trainee sees only the technique's name (R407), or nothing at all where the scenario
/// hides the names.
pub(super) fn check_option_words(o: &crate::engine::format::scenario::Choice, path: &str, hidden: bool, cx: &mut Ctx) {
    if visible(&o.say).is_empty() {
        let d = cx.push(
            Code::R407,
            &format!("{path}.id"),
            format!(
                "the option `{}` has no `say`: the trainee sees only the technique's name",
                o.id
            ),
        );
        d.help = Some(if hidden {
            "this scenario hides technique names, so write what the therapist says: `say: \"...\"`".into()
        } else {
            "write what the therapist would actually say to this client: `say: \"...\"`".into()
        });
    }
}

pub(super) fn check_thresholds(c: &Condition, path: &str, cx: &mut Ctx) {
    match c {
        Condition::Var(v, cmp) => cx.finite(
            &format!("{path}[1]"),
            &format!("the threshold for `{v}`"),
            cmp.threshold(),
        ),
        Condition::Alliance(cmp)
        | Condition::Goal(cmp)
        | Condition::Task(cmp)
        | Condition::Bond(cmp)
        | Condition::Split(cmp)
        | Condition::Within(cmp) => {
            cx.range(
                &format!("{path}[0]"),
                "an alliance threshold",
                cmp.threshold(),
                0.0,
                1.0,
            );
        }
        Condition::All(v) | Condition::Any(v) => {
            for (k, c) in v.iter().enumerate() {
                check_thresholds(c, &format!("{path}[0][{k}]"), cx);
            }
        }
        Condition::Not(b) => check_thresholds(b, &format!("{path}[0]"), cx),
        Condition::Person(_, b) => check_thresholds(b, &format!("{path}[1]"), cx),
        _ => {}
    }
}

/// R104 for a portrait that is not an image in the scenario's folder: a path that leaves the folder (absolute, or
/// `..` above it) could name any file on the machine, and a file that is not a PNG or JPEG cannot be shown.
pub(super) fn portrait(cx: &mut Ctx, p: &str, dir: Option<&Path>) {
    use std::path::Component;
    let path = Path::new(p);
    let mut depth = 0i32;
    let mut leaves = path.is_absolute();
    for c in path.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::RootDir | Component::Prefix(_) => leaves = true,
            Component::CurDir => {}
        }
        leaves |= depth < 0;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let at = "client.look.portrait";
    if leaves {
        cx.push(
            Code::R104,
            at,
            format!("the portrait `{p}` is outside this scenario's folder"),
        )
        .help = Some("put the image in the scenario's folder or below it (`images/name.png`)".into());
    } else if !matches!(ext.as_str(), "png" | "jpg" | "jpeg") {
        cx.push(Code::R104, at, format!("the portrait `{p}` is not a PNG or JPEG image"))
            .help = Some("give the path of a .png or .jpg file".into());
    } else if let Some(dir) = dir
        && !dir.join(p).is_file()
    {
        cx.push(
            Code::R104,
            at,
            format!("the portrait `{p}` does not exist next to this scenario"),
        );
    }
}

/// R401 for a control character (other than a tab or a line break) anywhere in the scenario's text: a NUL or an
/// escape sequence would reach the student's screen and the terminal as it is. At most a few are reported.
pub(super) fn control_characters(s: &Scenario, cx: &mut Ctx) {
    let Ok(v) = serde_json::to_value(s) else { return };
    let mut found = Vec::new();
    strings_with_controls(&v, String::new(), &mut found);
    for (path, c, at) in found.into_iter().take(20) {
        cx.push(
            Code::R401,
            &path,
            format!(
                "this text holds the control character U+{:04X} (at character {at}); it would reach the screen as it is",
                c as u32
            ),
        )
        .help = Some("delete it: text may hold tabs and line breaks, but no other control characters".into());
    }
}

/// Every string under `v` holding a control character, with its path (`stages[0].options[1].say`), the character and
/// its 1-based position. Enum variant names are left out of the path, as the source has them before the parenthesis.
pub(super) fn strings_with_controls(v: &serde_json::Value, path: String, out: &mut Vec<(String, char, usize)>) {
    use serde_json::Value as J;
    match v {
        J::String(t) => {
            if let Some((at, c)) = t
                .chars()
                .enumerate()
                .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                out.push((path, c, at + 1));
            }
        }
        J::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                strings_with_controls(x, format!("{path}[{i}]"), out);
            }
        }
        J::Object(m) => {
            let variant = m.len() == 1 && m.keys().all(|k| k.starts_with(|c: char| c.is_ascii_uppercase()));
            for (k, x) in m {
                let p = if variant {
                    path.clone()
                } else if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                strings_with_controls(x, p, out);
            }
        }
        _ => {}
    }
}
