//! References: every stage, ending, technique and option a file names exists, with a suggestion for a typo.

use super::*;

pub(super) fn check_references(s: &Scenario, catalog: &Catalog, cx: &mut Ctx) {
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
