//! Several people in the room: each person's profile, who is present, whom each move is addressed to.

use super::*;

/// Several people in the room: every person named is in `people` and in the room where they are named, every
/// person speaks, and techniques made for a format reach the people they are made for.
pub(super) fn check_people(s: &Scenario, catalog: &Catalog, cx: &mut Ctx) {
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
