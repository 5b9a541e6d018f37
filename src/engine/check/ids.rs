//! Ids: each unique, within its length, and of the characters an id may hold.

use super::*;

pub(super) fn check_ids(s: &Scenario, cx: &mut Ctx) {
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
