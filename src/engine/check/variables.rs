//! Variables: declared once, of the type their conditions and effects read, and read somewhere.

use super::*;

/// Every variable a condition reads, with its path and the type it expects.
pub(super) fn condition_reads<'a>(c: &'a Condition, path: String, out: &mut Vec<(&'a str, String, &'static str)>) {
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

pub(super) fn check_variables(s: &Scenario, cx: &mut Ctx) {
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
