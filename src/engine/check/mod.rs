//! The checker: every semantic problem in a scenario, catalog or weights file, all at once.

pub mod stage_graph;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::engine::format::catalog::Catalog;
use crate::engine::format::scenario::{Condition, Effect, Look, Scenario, Value};
use crate::engine::format::weights::Weights;
use crate::engine::load::diagnostic::suggest;
use crate::engine::load::diagnostic::{Code, Diagnostic};
use crate::engine::load::source::Locator;
use crate::engine::vocab::{FitTerm, Quality};
use stage_graph::StageGraph;

struct Ctx<'a> {
    file: &'a str,
    loc: &'a Locator,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn push(&mut self, code: Code, path: &str, msg: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::at(code, self.file, self.loc, self.loc.find(path), msg);
        self.out.push(d);
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    fn range(&mut self, path: &str, what: &str, v: f32, lo: f32, hi: f32) {
        if !(lo..=hi).contains(&v) || v.is_nan() {
            self.push(
                Code::R401,
                path,
                format!("{what} is {v}, but must be between {lo} and {hi}"),
            );
        }
    }

    fn text(&mut self, path: &str, what: &str, s: &str) {
        if visible(s).is_empty() {
            let d = self.push(Code::R402, path, format!("{what} is empty"));
            if !s.is_empty() && s.trim().is_empty() {
                d.help = Some("it holds only spaces".into());
            } else if !s.is_empty() {
                d.help = Some("it holds only invisible characters (zero-width spaces or control characters)".into());
            }
        }
    }

    /// A number that must be finite (no NaN, no inf).
    fn finite(&mut self, path: &str, what: &str, v: f32) {
        if !v.is_finite() {
            self.push(Code::R401, path, format!("{what} is {v}, but must be a finite number"));
        }
    }

    /// The line a path starts on, for "first used at line N".
    fn line_of(&self, path: &str) -> Option<usize> {
        self.loc.find(path).map(|sp| self.loc.line_col(sp.start).0)
    }
}

/// Text without what a reader cannot see: whitespace, format characters (zero-width spaces and joiners, the
/// byte-order mark, word joiners) and control characters.
pub fn visible(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(*c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// Checks a parsed scenario against the catalog. `dir` is where asset paths are looked up.
pub fn check_scenario(
    s: &Scenario,
    catalog: &Catalog,
    file: &str,
    loc: &Locator,
    dir: Option<&Path>,
) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        file,
        loc,
        out: Vec::new(),
    };
    if !(crate::engine::format::scenario::OLDEST_VERSION..=crate::engine::format::scenario::FORMAT_VERSION)
        .contains(&s.version)
    {
        cx.push(
            Code::R007,
            "version",
            format!(
                "format version {} is not supported; this Rapport reads versions {} to {}",
                s.version,
                crate::engine::format::scenario::OLDEST_VERSION,
                crate::engine::format::scenario::FORMAT_VERSION
            ),
        );
    }
    check_text_and_ranges(s, &mut cx, dir);
    control_characters(s, &mut cx);
    check_ids(s, &mut cx);
    check_references(s, catalog, &mut cx);
    check_variables(s, &mut cx);
    check_graph(s, &mut cx);
    check_version_two(s, catalog, &mut cx);
    check_people(s, catalog, &mut cx);
    cx.out
}

/// What version 2 adds: standing moves, intents and reasons, the client's new fields, conditional notes.
fn check_version_two(s: &Scenario, catalog: &Catalog, cx: &mut Ctx) {
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

fn check_text_and_ranges(s: &Scenario, cx: &mut Ctx, dir: Option<&Path>) {
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
fn check_option_words(o: &crate::engine::format::scenario::Choice, path: &str, hidden: bool, cx: &mut Ctx) {
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

fn check_thresholds(c: &Condition, path: &str, cx: &mut Ctx) {
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

/// Several people in the room: every person named is in `people` and in the room where they are named, every
/// person speaks, and techniques made for a format reach the people they are made for.
fn check_people(s: &Scenario, catalog: &Catalog, cx: &mut Ctx) {
    use crate::engine::format::scenario::{Addressee, CHILD_AGE};
    use crate::engine::vocab::Format;
    let ids: Vec<&str> = if s.people.is_empty() {
        vec![crate::engine::format::scenario::SOLE]
    } else {
        s.people.iter().map(|p| p.id.as_str()).collect()
    };
    let unknown = |cx: &mut Ctx, path: &str, id: &str| {
        let d = cx.push(Code::R701, path, format!("there is no person `{id}` in `people`"));
        d.help = Some(match suggest(id, ids.iter().copied()) {
            Some(x) => format!("did you mean `{x}`?"),
            None => format!("the people are: {}", ids.join(", ")),
        });
    };
    for (i, p) in s.people.iter().enumerate() {
        let at = |f: &str| format!("people[{i}].{f}");
        cx.text(&at("id"), "a person's id", &p.id);
        cx.text(&at("name"), "a person's name", &p.name);
        if p.age > 120 {
            cx.push(
                Code::R401,
                &at("age"),
                format!("age is {}, but must be at most 120", p.age),
            );
        }
        let unit = [
            ("distress", p.distress),
            ("impairment", p.impairment),
            ("compliance", p.compliance),
            ("religion_salience", p.religion_salience),
            ("expectancy", p.expectancy),
            ("reactance.trait", p.reactance.map(|r| r.trait_level)),
            ("reactance.state", p.reactance.map(|r| r.state)),
            ("alliance.goal", p.alliance.map(|a| a.goal)),
            ("alliance.task", p.alliance.map(|a| a.task)),
            ("alliance.bond", p.alliance.map(|a| a.bond)),
            ("culture.salience", p.culture.as_ref().map(|c| c.salience)),
            ("preferences.strength", p.preferences.as_ref().map(|c| c.strength)),
        ];
        for (f, v) in unit {
            if let Some(v) = v {
                cx.range(&at(f), f, v, 0.0, 1.0);
            }
        }
        if let Some(v) = p.coping_style {
            cx.range(&at("coping_style"), "coping style", v, -1.0, 1.0);
        }
        if s.people[..i].iter().any(|q| q.id == p.id) {
            cx.push(Code::R201, &at("id"), format!("the person id `{}` is used twice", p.id));
        }
    }
    if let Some(w) = s.client.within_system {
        cx.range("client.within_system", "the within-system alliance", w, 0.0, 1.0);
    }
    let mut speaks: HashSet<&str> = HashSet::new();
    for (i, st) in s.stages.iter().enumerate() {
        for (j, id) in st.present.iter().enumerate() {
            if s.person_index(id).is_none() {
                unknown(cx, &format!("stages[{i}].present[{j}]"), id);
            }
        }
        let present: Vec<usize> = s.present(st);
        let here = |id: &str| s.person_index(id).is_some_and(|k| present.contains(&k));
        let name = |id: &str| {
            s.person_index(id)
                .and_then(|k| s.people.get(k))
                .map_or(id.to_owned(), |p| p.name.clone())
        };
        match st.speaker.as_deref() {
            Some(id) if s.person_index(id).is_none() => unknown(cx, &format!("stages[{i}].speaker"), id),
            Some(id) if !here(id) => {
                cx.push(
                    Code::R702,
                    &format!("stages[{i}].speaker"),
                    format!("{} speaks at `{}` but is not in the room (`present`)", name(id), st.id),
                );
            }
            _ => {}
        }
        if let Some(k) = Some(s.speaker(st)).filter(|_| !st.client.is_empty()) {
            speaks.insert(ids.get(k).copied().unwrap_or(crate::engine::format::scenario::SOLE));
        }
        for (j, a) in st.also.iter().enumerate() {
            let path = format!("stages[{i}].also[{j}].person");
            if s.person_index(&a.person).is_none() {
                unknown(cx, &path, &a.person);
            } else if !here(&a.person) {
                let what = if a.markers.is_empty() {
                    "words or non-verbal"
                } else {
                    "a marker"
                };
                cx.push(
                    Code::R702,
                    &path,
                    format!(
                        "{} has {what} at `{}` but is not in the room (`present`)",
                        name(&a.person),
                        st.id
                    ),
                );
            } else if !a.text.trim().is_empty() || !a.nonverbal.trim().is_empty() {
                speaks.insert(a.person.as_str());
            }
        }
        for (j, o) in st.choices.iter().enumerate() {
            let path = format!("stages[{i}].options[{j}].to");
            let to: Vec<usize> = match &o.to {
                Addressee::People(v) => {
                    for (k, id) in v.iter().enumerate() {
                        if s.person_index(id).is_none() {
                            unknown(cx, &format!("{path}[0][{k}]"), id);
                        } else if !here(id) {
                            cx.push(
                                Code::R702,
                                &format!("{path}[0][{k}]"),
                                format!(
                                    "`{}` is addressed to {}, who is not in the room at `{}`",
                                    o.id,
                                    name(id),
                                    st.id
                                ),
                            );
                        }
                    }
                    v.iter().filter_map(|id| s.person_index(id)).collect()
                }
                _ => present.clone(),
            };
            let Some(t) = catalog.get(&o.technique) else { continue };
            // Group techniques are often turned to one member for the group (blocking, drawing out).
            let together =
                !t.formats.is_empty() && t.formats.iter().all(|f| matches!(f, Format::Couple | Format::Family));
            if crate::engine::play::scoring::speaks_to_system(t) && together && to.len() < 2 && s.people.len() > 1 {
                cx.push(
                    Code::R704,
                    &format!("stages[{i}].options[{j}]"),
                    format!(
                        "`{}` ({}) is made for {} work, with the people in it together, but this option reaches only one person",
                        o.id,
                        t.id,
                        t.formats.iter().map(|f| f.label()).collect::<Vec<_>>().join(" or ")
                    ),
                );
            }
            let child_only = !t.formats.is_empty() && t.formats.iter().all(|f| *f == Format::Child);
            let adults: Vec<String> = to
                .iter()
                .filter_map(|k| s.people.get(*k))
                .filter(|p| p.age > CHILD_AGE)
                .map(|p| p.name.clone())
                .collect();
            if child_only && !adults.is_empty() && adults.len() == to.len() {
                cx.push(
                    Code::R705,
                    &format!("stages[{i}].options[{j}]"),
                    format!(
                        "`{}` ({}) is a child's technique, addressed to {}",
                        o.id,
                        t.id,
                        adults.join(" and ")
                    ),
                );
            }
        }
    }
    for (path, c) in s.conditions().iter().map(|(c, p)| (p.clone(), *c)) {
        for (leaf, at) in c.leaves(path) {
            if let Condition::Person(id, _) = leaf
                && s.person_index(id).is_none()
            {
                unknown(cx, &format!("{at}[0]"), id);
            }
        }
    }
    for (i, p) in s.people.iter().enumerate() {
        if !speaks.contains(p.id.as_str()) {
            cx.push(
                Code::R703,
                &format!("people[{i}].id"),
                format!(
                    "{} never speaks: give them a stage (`speaker: \"{}\"`) or a moment in another's (`also`)",
                    p.name, p.id
                ),
            );
        }
    }
}

/// R104 for a portrait that is not an image in the scenario's folder: a path that leaves the folder (absolute, or
/// `..` above it) could name any file on the machine, and a file that is not a PNG or JPEG cannot be shown.
fn portrait(cx: &mut Ctx, p: &str, dir: Option<&Path>) {
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
fn control_characters(s: &Scenario, cx: &mut Ctx) {
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
fn strings_with_controls(v: &serde_json::Value, path: String, out: &mut Vec<(String, char, usize)>) {
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

/// Ids are short names: a transcript line, a golden play and every tool's output repeat them (a 1 MiB id made
/// `analyze` grow to gigabytes).
pub const MAX_ID_CHARS: usize = 64;
/// A person's name is shown under their figure and in every line they speak.
pub const MAX_NAME_CHARS: usize = 80;

/// R408: an id or a name longer than anyone would write, or than the screens and tools can carry.
fn too_long(cx: &mut Ctx, path: &str, what: &str, s: &str, max: usize) {
    let n = s.chars().count();
    if n > max {
        let shown: String = s.chars().take(24).collect();
        let d = cx.push(
            Code::R408,
            path,
            format!("{what} is {n} characters long (`{shown}...`); at most {max}"),
        );
        d.help = Some("ids and names are short words: the prose belongs in the text fields".into());
    }
}

fn check_ids(s: &Scenario, cx: &mut Ctx) {
    // Stages and endings share one namespace: a transition names either. Each map keeps the first use's path.
    let mut targets: HashMap<&str, String> = HashMap::new();
    let mut options: HashMap<&str, String> = HashMap::new();
    let mut lines: HashMap<&str, String> = HashMap::new();
    let twice = |cx: &mut Ctx, seen: &mut HashMap<&str, String>, id: &'_ str, path: String, what: String| {
        too_long(cx, &path, "an id", id, MAX_ID_CHARS);
        if let Some(first) = seen.get(id) {
            let at = cx
                .line_of(first)
                .map(|l| format!(" (first at line {l})"))
                .unwrap_or_default();
            let d = cx.push(Code::R201, &path, format!("{what}{at}"));
            d.help = Some("ids must be unique: give this one a new id".into());
            true
        } else {
            false
        }
    };
    for (i, st) in s.stages.iter().enumerate() {
        let path = format!("stages[{i}].id");
        cx.text(&path, "a stage id", &st.id);
        if !twice(
            cx,
            &mut targets,
            &st.id,
            path.clone(),
            format!("the id `{}` is used by another stage or ending", st.id),
        ) {
            targets.insert(&st.id, path);
        }
        for (j, o) in st.choices.iter().enumerate() {
            let path = format!("stages[{i}].options[{j}].id");
            cx.text(&path, "an option id", &o.id);
            if !twice(
                cx,
                &mut options,
                &o.id,
                path.clone(),
                format!("the option id `{}` is used twice", o.id),
            ) {
                options.insert(&o.id, path);
            }
        }
        let all_lines = st
            .client
            .iter()
            .enumerate()
            .map(|(j, l)| (format!("stages[{i}].client[{j}].id"), &l.id))
            .chain(
                st.rupture_lines
                    .iter()
                    .enumerate()
                    .map(|(j, l)| (format!("stages[{i}].rupture_lines[{j}].id"), &l.id)),
            );
        for (path, id) in all_lines {
            cx.text(&path, "a line id", id);
            if !twice(
                cx,
                &mut lines,
                id,
                path.clone(),
                format!("the line id `{id}` is used twice"),
            ) {
                lines.insert(id, path);
            }
        }
    }
    for (j, o) in s.standing.iter().enumerate() {
        let path = format!("standing[{j}].id");
        cx.text(&path, "an option id", &o.id);
        if !twice(
            cx,
            &mut options,
            &o.id,
            path.clone(),
            format!("the option id `{}` is used twice", o.id),
        ) {
            options.insert(&o.id, path);
        }
    }
    for (i, e) in s.endings.iter().enumerate() {
        let path = format!("endings[{i}].id");
        cx.text(&path, "an ending id", &e.id);
        if !twice(
            cx,
            &mut targets,
            &e.id,
            path.clone(),
            format!("the id `{}` is used by another stage or ending", e.id),
        ) {
            targets.insert(&e.id, path);
        }
    }
    let mut vars: HashMap<&str, String> = HashMap::new();
    for (i, v) in s.variables.iter().enumerate() {
        let path = format!("variables[{i}].id");
        cx.text(&path, "a variable id", &v.id);
        if !twice(
            cx,
            &mut vars,
            &v.id,
            path.clone(),
            format!("the variable `{}` is declared twice", v.id),
        ) {
            vars.insert(&v.id, path);
        }
    }
}

fn check_references(s: &Scenario, catalog: &Catalog, cx: &mut Ctx) {
    let targets = stage_graph::nodes(s);
    let known: HashSet<&str> = targets.iter().copied().collect();
    // Stages nothing names (not the start, no transition or `next`): a target one or two edits from one of them is
    // more likely a typo in that stage's own id than in the references.
    let named: HashSet<&str> = s
        .stages
        .iter()
        .flat_map(|st| st.targets().map(|(to, _)| to))
        .chain(s.standing.iter().filter_map(|o| o.next.as_deref()))
        .chain(std::iter::once(s.start.as_str()))
        .collect();
    let orphans: Vec<&str> = s
        .stages
        .iter()
        .map(|st| st.id.as_str())
        .filter(|id| !named.contains(id))
        .collect();
    // How often each id is named: one reference is likelier the typo; two or more that agree point at the stage.
    let mut mentions: HashMap<&str, usize> = HashMap::new();
    for st in &s.stages {
        for (to, _) in st.targets() {
            *mentions.entry(to).or_default() += 1;
        }
    }
    let target = |cx: &mut Ctx, path: &str, id: &str| {
        if !known.contains(id) {
            let orphan = orphans
                .iter()
                .copied()
                .filter(|o| strsim::levenshtein(o, id) <= 2)
                .min_by_key(|o| strsim::levenshtein(o, id))
                .filter(|_| mentions.get(id).copied().unwrap_or(0) >= 2);
            let d = cx.push(Code::R101, path, format!("there is no stage or ending `{id}`"));
            if let Some(o) = orphan {
                d.help = Some(format!(
                    "the stage `{o}` is named nowhere and differs from this by a letter or two: if `{id}` is the id you meant, rename that stage to `{id}`"
                ));
            } else if let Some(s) = suggest(id, targets.iter().copied()) {
                d.help = Some(format!("did you mean `{s}`?"));
            } else {
                d.help = Some("write the stage or ending it names, or correct the id".into());
            }
        }
    };
    if s.stage(&s.start).is_none() {
        target(cx, "start", &s.start);
        if s.ending(&s.start).is_some() {
            cx.push(
                Code::R101,
                "start",
                format!("`{}` is an ending; the start must be a stage", s.start),
            );
        }
    }
    for (i, st) in s.stages.iter().enumerate() {
        for (j, o) in st.choices.iter().enumerate() {
            if let Some(n) = &o.next {
                target(cx, &format!("stages[{i}].options[{j}].next"), n);
            }
            let tp = format!("stages[{i}].options[{j}].technique");
            match catalog.get(&o.technique) {
                None => {
                    let d = cx.push(
                        Code::R102,
                        &tp,
                        format!("the catalog has no technique `{}`", o.technique),
                    );
                    d.help = Some(catalog.unknown_help(&o.technique));
                }
                Some(t) if !t.formats.is_empty() && !t.formats.contains(&s.client.setting.format) => {
                    let made_for: Vec<_> = t.formats.iter().map(|f| f.label()).collect();
                    cx.push(
                        Code::R403,
                        &tp,
                        format!(
                            "`{}` is made for {} work, but this is a {} session",
                            t.id,
                            made_for.join(" or "),
                            s.client.setting.format.label()
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        for (j, t) in st.transitions.iter().enumerate() {
            target(cx, &format!("stages[{i}].transitions[{j}].to"), &t.to);
        }
    }
    // A technique named in a preference must exist, or the preference silently does nothing.
    let mut prefs: Vec<(String, &crate::engine::format::scenario::Preferences)> =
        vec![("client.preferences".into(), &s.client.preferences)];
    for (k, p) in s.people.iter().enumerate() {
        if let Some(pr) = &p.preferences {
            prefs.push((format!("people[{k}].preferences"), pr));
        }
    }
    for (base, pr) in prefs {
        for (list, v) in [("likes", &pr.likes), ("dislikes", &pr.dislikes)] {
            for (j, p) in v.iter().enumerate() {
                if let crate::engine::format::scenario::Preference::Technique(t) = p
                    && catalog.get(t).is_none()
                {
                    let d = cx.push(
                        Code::R102,
                        &format!("{base}.{list}[{j}][0]"),
                        format!("the catalog has no technique `{t}`; this preference would do nothing"),
                    );
                    d.help = Some(catalog.unknown_help(t));
                }
            }
        }
    }
}

/// Every variable a condition reads, with its path and the type it expects.
fn condition_reads<'a>(c: &'a Condition, path: String, out: &mut Vec<(&'a str, String, &'static str)>) {
    match c {
        Condition::Flag(v) => out.push((v, format!("{path}[0]"), "Bool")),
        Condition::Var(v, _) => out.push((v, format!("{path}[0]"), "Number")),
        Condition::All(v) | Condition::Any(v) => {
            for (k, c) in v.iter().enumerate() {
                condition_reads(c, format!("{path}[0][{k}]"), out);
            }
        }
        Condition::Not(b) => condition_reads(b, format!("{path}[0]"), out),
        Condition::Person(_, b) => condition_reads(b, format!("{path}[1]"), out),
        _ => {}
    }
}

fn check_variables(s: &Scenario, cx: &mut Ctx) {
    let declared: HashMap<&str, Value> = s.variables.iter().map(|v| (v.id.as_str(), v.initial)).collect();
    let mut used: HashSet<&str> = HashSet::new();
    let mut reads = Vec::new();
    // Every condition reads: guards, transitions, ending notes and conditional text.
    for (c, path) in s.conditions() {
        condition_reads(c, path, &mut reads);
    }
    let options = s.choices_with_paths();
    for (op, o) in options {
        for (k, e) in o.effects.iter().enumerate() {
            let expects = match e {
                Effect::Set(_, v) => v.type_name(),
                Effect::Add(..) => "Number",
            };
            reads.push((e.variable(), format!("{op}.effects[{k}]"), expects));
        }
    }
    let names: Vec<&str> = declared.keys().copied().collect();
    let mut read: HashSet<&str> = HashSet::new();
    for (var, path, expects) in reads {
        used.insert(var);
        if !path.contains(".effects[") {
            read.insert(var);
        }
        match declared.get(var) {
            None => {
                let d = cx.push(Code::R103, &path, format!("the variable `{var}` is not declared"));
                d.help = Some(match suggest(var, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => {
                        format!("declare it under `variables: [(id: \"{var}\", initial: ...)]`")
                    }
                });
            }
            Some(v) if v.type_name() != expects => {
                cx.push(
                    Code::R105,
                    &path,
                    format!(
                        "`{var}` is a {} variable, but is used here as a {expects}",
                        v.type_name()
                    ),
                );
            }
            Some(_) => {}
        }
    }
    for (i, v) in s.variables.iter().enumerate() {
        if !used.contains(v.id.as_str()) {
            cx.push(
                Code::R404,
                &format!("variables[{i}].id"),
                format!("the variable `{}` is never read or written", v.id),
            );
        } else if !read.contains(v.id.as_str()) {
            let d = cx.push(
                Code::R405,
                &format!("variables[{i}].id"),
                format!(
                    "the variable `{}` is written but never read: setting it changes nothing",
                    v.id
                ),
            );
            let read_it = match v.initial {
                Value::Bool(_) => format!("`Flag(\"{}\")`", v.id),
                Value::Number(_) => format!("`Var(\"{}\", AtLeast(1.0))`", v.id),
            };
            d.help = Some(format!(
                "read it with {read_it} in a transition, a guard, an ending note or a line's `when`, or remove it"
            ));
        }
    }
}

fn check_graph(s: &Scenario, cx: &mut Ctx) {
    let g = StageGraph::of(s);
    let Some(&start) = g.index.get(s.start.as_str()) else {
        return;
    };
    if start >= g.stage_count {
        return;
    }
    let reach = g.reachable_from(start);
    let finish = g.can_finish();
    for (i, st) in s.stages.iter().enumerate() {
        let p = format!("stages[{i}]");
        let unguarded_exit = st.transitions.iter().any(|t| t.when.is_none());
        let all_forced = st.forced();
        if st.transitions.is_empty() && !all_forced {
            cx.push(
                Code::R302,
                &format!("{p}.id"),
                format!("stage `{}` leads nowhere and is not an ending", st.id),
            )
            .help = Some("add `transitions: [(to: \"...\")]` or give every option a `next`".into());
        } else if !unguarded_exit && !all_forced {
            cx.push(
                Code::R306,
                &format!("{p}.transitions"),
                format!(
                    "every transition out of `{}` is guarded; when none holds the session cannot go on",
                    st.id
                ),
            )
            .help = Some("end the list with a transition that has no `when`".into());
        }
        if !reach[i] {
            cx.push(
                Code::R301,
                &format!("{p}.id"),
                format!("stage `{}` cannot be reached from the start `{}`", st.id, s.start),
            );
        } else if !finish[i] && !st.transitions.is_empty() && st.targets().all(|(to, _)| g.index.contains_key(to)) {
            // A stage whose way out names an unknown target is already reported as R101.
            let loop_ids: Vec<&str> = g.succ[i].iter().map(|&j| g.ids[j]).collect();
            cx.push(
                Code::R303,
                &format!("{p}.id"),
                format!(
                    "from stage `{}` no path leads to an ending (it loops through {})",
                    st.id,
                    loop_ids.join(", ")
                ),
            );
        }
    }
    guarded_loops(s, &g, &reach, &finish, cx);
    for (k, e) in s.endings.iter().enumerate() {
        let idx = g.stage_count + k;
        if g.index.get(e.id.as_str()) == Some(&idx) && !reach[idx] {
            cx.push(
                Code::R307,
                &format!("endings[{k}].id"),
                format!("no path reaches the ending `{}`", e.id),
            );
        }
    }
}

/// R309: a loop the session goes round while no guard holds. Following each reachable stage's way on when no guard
/// holds (its first transition without `when`) comes back to a stage already passed, and no option on the loop
/// leads out of it: every way out waits on a guard, and if none comes to hold, the session repeats the loop until
/// its step limit. (A loop with no way out at all is R303.)
fn guarded_loops(s: &Scenario, g: &StageGraph, reach: &[bool], finish: &[bool], cx: &mut Ctx) {
    let fallback: Vec<Option<(usize, usize)>> = s
        .stages
        .iter()
        .map(|st| {
            let t = st.fallback()?;
            let j = st.transitions.iter().position(|x| std::ptr::eq(x, t))?;
            g.index
                .get(t.to.as_str())
                .map(|&to| (j, to))
                .filter(|&(_, to)| to < g.stage_count)
        })
        .collect();
    // 0 unseen, 1 on the chain being followed, 2 done.
    let mut mark = vec![0u8; g.stage_count];
    for first in 0..g.stage_count {
        if mark[first] != 0 || !reach[first] {
            continue;
        }
        let mut chain = Vec::new();
        let mut at = Some(first);
        while let Some(i) = at {
            if mark[i] != 0 {
                break;
            }
            mark[i] = 1;
            chain.push(i);
            at = fallback[i].map(|(_, to)| to);
        }
        if let Some(i) = at
            && mark[i] == 1
        {
            let looped: Vec<usize> = chain[chain.iter().position(|&c| c == i).unwrap_or(0)..].to_vec();
            // R303 already reports a loop with no way out; an option that leads out is a way the trainee can take.
            let option_out = looped.iter().any(|&k| {
                s.stages[k].choices.iter().any(|o| {
                    o.when.is_none()
                        && o.next
                            .as_deref()
                            .and_then(|n| g.index.get(n))
                            .is_some_and(|to| !looped.contains(to))
                })
            });
            let head = looped.iter().copied().min().unwrap_or(i);
            if !option_out && looped.iter().all(|&k| finish[k]) {
                let j = fallback[head].map_or(0, |(j, _)| j);
                let names: Vec<&str> = looped.iter().map(|&k| s.stages[k].id.as_str()).collect();
                let through = if names.len() > 1 {
                    format!(" (through {})", names.join(", "))
                } else {
                    String::new()
                };
                cx.push(
                    Code::R309,
                    &format!("stages[{head}].transitions[{j}].to"),
                    format!(
                        "stage `{}` comes round again when no guard holds{through}, and every way out of this loop is \
                         guarded: if none comes to hold, the session repeats it until its step limit",
                        s.stages[head].id
                    ),
                )
                .help = Some(
                    "give the loop a way out without `when` (the last transition of one of its stages), or a guard \
                     the loop itself makes true (a counter it raises)"
                        .into(),
                );
            }
        }
        for &c in &chain {
            mark[c] = 2;
        }
    }
}

/// The technique catalog's format version.
pub const CATALOG_VERSION: u32 = 1;

/// Checks a technique catalog.
pub fn check_catalog(c: &Catalog, file: &str, loc: &Locator) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        file,
        loc,
        out: Vec::new(),
    };
    if c.version != CATALOG_VERSION {
        cx.push(
            Code::R007,
            "version",
            format!(
                "catalog format version {} is not supported; this Rapport reads catalog version {CATALOG_VERSION}",
                c.version
            ),
        );
    }
    if c.techniques.is_empty() {
        cx.push(
            Code::R501,
            "techniques",
            "the catalog has no techniques: no scenario could use it",
        )
        .help = Some(
            "list the techniques under `techniques: [ ... ]` (assets/techniques.ron is the built-in catalog)".into(),
        );
    }
    let mut seen = HashSet::new();
    for (i, t) in c.techniques.iter().enumerate() {
        let p = format!("techniques[{i}]");
        if t.id.trim().is_empty() {
            cx.push(
                Code::R402,
                &format!("{p}.id"),
                format!("the technique id of `{}` is empty", t.name),
            )
            .help = Some("give it a stable id in lower case with underscores, such as `empathic_reflection`".into());
        }
        if !seen.insert(&t.id) {
            cx.push(
                Code::R201,
                &format!("{p}.id"),
                format!("the technique id `{}` is used twice", t.id),
            );
        }
        for (field, v) in [
            ("name", &t.name),
            ("description", &t.description),
            ("citation", &t.citation),
        ] {
            if v.trim().is_empty() {
                cx.push(
                    Code::R501,
                    &format!("{p}.{field}"),
                    format!("technique `{}` has no {field}", t.id),
                );
            }
        }
        cx.range(
            &format!("{p}.directiveness"),
            "directiveness",
            t.directiveness,
            0.0,
            1.0,
        );
        cx.range(&format!("{p}.focus"), "focus", t.focus, -1.0, 1.0);
        cx.range(&format!("{p}.arousal"), "arousal", t.arousal, -1.0, 1.0);
        cx.range(&format!("{p}.intensity"), "intensity", t.intensity, 0.0, 1.0);
        cx.range(
            &format!("{p}.adaptation.culture"),
            "cultural adaptation",
            t.adaptation.culture,
            -1.0,
            1.0,
        );
        cx.range(
            &format!("{p}.adaptation.religion"),
            "religious adaptation",
            t.adaptation.religion,
            -1.0,
            1.0,
        );
        for q in Quality::ALL {
            if q != Quality::Repair {
                cx.range(&format!("{p}.qualities"), q.label(), t.quality(q), 0.0, 1.0);
            }
        }
    }
    cx.out
}

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
fn weight_number(cx: &mut Ctx, path: &str, what: &str, v: f32, lo: f32, hi: f32) {
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
fn check_weight_rates(w: &Weights, cx: &mut Ctx) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_the_checker_allows_may_still_get_a_suggestion() {
        // Suggestions stop at a length only far past the longest id or name the checker accepts.
        assert!(crate::engine::load::diagnostic::LONGEST_MISSPELLING >= 4 * MAX_ID_CHARS.max(MAX_NAME_CHARS));
    }
}
