//! One story shape, written twice: as a Rapport scenario (RON) and as a Yarn Spinner story, so the two checkers
//! read the same branching structure.
//!
//! What maps to what (Rapport -> Yarn):
//! - a stage -> a node titled with the stage's id; its phase and title -> the node's `phase:` and `heading:`
//!   headers; its markers -> the node's `tags:`;
//! - a client line -> a line said by the client, its id -> the line's `#line:` tag;
//! - an option -> an option `-> words #line:option_id` (its `say`, or the technique where it has no words of its
//!   own, as Rapport shows it); its `when` -> the option's `<<if ...>>`; its `next` -> a `<<jump>>` in the option's body;
//! - the stage's transitions (tried in order, the first that holds) -> an `<<if>>`/`<<elseif>>`/`<<else>>` chain of
//!   `<<jump>>`s after the options, so an option without `next` falls through to them as in Rapport;
//! - the session state the conditions read (an open rupture, the bond, the last move's fit) -> the declared
//!   variables `$rupture_open`, `$bond` and `$last_fit`, and a scenario's own variables -> `$name`; `<<set>>` for an option's effects on them;
//! - an ending -> a node with its debrief as a line, tagged with its outcome.
//!
//! Yarn has no place for the client's profile, the meta block, or the options' declared intents and feedback, and
//! the RON is written with every field present (serde writes defaults too), so the Rapport file is the larger of
//! the two: the comparison leans against Rapport, not for it.

use std::fmt::Write as _;

use rapport::engine::Catalog;
use rapport::engine::author::synthetic;
use rapport::engine::format::scenario::{Cmp, Condition, Effect, Scenario, Stage, Value};

/// The generated scenario of `stages` stages. The one place the benchmark names the generator.
pub fn scenario(stages: usize, catalog: &Catalog) -> Scenario {
    synthetic::synthetic(stages, catalog)
}

/// The scenario as an author writes it: pretty RON, one field a line, and the fields left at their default
/// (`None`, `""`, `[]`: serde writes them all) left out.
pub fn ron_text(sc: &Scenario) -> String {
    let full = ron::ser::to_string_pretty(sc, ron::ser::PrettyConfig::default()).expect("a scenario serializes");
    let defaulted = |line: &str| {
        let line = line.trim_start();
        let value = line.split_once(": ").map_or("", |(_, v)| v);
        matches!(value, "None," | "\"\"," | "[],")
    };
    let mut out = String::with_capacity(full.len());
    for line in full.lines().filter(|l| !defaulted(l)) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The Yarn Spinner story of the same shape as `sc` (see the module's comment for the mapping).
pub fn yarn_text(sc: &Scenario) -> String {
    let mut out = String::with_capacity(sc.stages.len() * 400);
    for (n, stage) in sc.stages.iter().enumerate() {
        let declarations = if stage.id == sc.start || (n == 0 && !sc.stages.iter().any(|s| s.id == sc.start)) {
            declarations(sc)
        } else {
            String::new()
        };
        node(&mut out, sc, stage, &declarations);
    }
    for ending in &sc.endings {
        let _ = writeln!(
            out,
            "title: {}\ntags: {}\n---\n{} #line:{}.debrief\n===",
            ending.id,
            format!("{:?}", ending.outcome).to_lowercase(),
            ending.debrief,
            ending.id
        );
    }
    out
}

/// The variables every condition may read, declared once in the start node, as Yarn asks.
fn declarations(sc: &Scenario) -> String {
    let mut d =
        String::from("<<declare $rupture_open = false>>\n<<declare $bond = 0.5>>\n<<declare $last_fit = \"fair\">>\n");
    for v in &sc.variables {
        let _ = writeln!(d, "<<declare ${} = {}>>", v.id, value(&v.initial));
    }
    d
}

fn value(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(x) => x.to_string(),
    }
}

fn node(out: &mut String, sc: &Scenario, stage: &Stage, declarations: &str) {
    let _ = writeln!(out, "title: {}", stage.id);
    let _ = writeln!(out, "phase: {}", format!("{:?}", stage.phase).to_lowercase());
    let _ = writeln!(out, "heading: {}", stage.title);
    if !stage.markers.is_empty() {
        let tags: Vec<String> = stage
            .markers
            .iter()
            .map(|m| format!("{m:?}").to_lowercase().replace('(', "_").replace(')', ""))
            .collect();
        let _ = writeln!(out, "tags: {}", tags.join(" "));
    }
    out.push_str("---\n");
    out.push_str(declarations);
    for line in &stage.client {
        let _ = writeln!(out, "{}: {} #line:{}", sc.client.name, line.text, line.id);
    }
    for o in &stage.choices {
        let text = if o.say.is_empty() { &o.technique } else { &o.say };
        let guard = o
            .when
            .as_ref()
            .map(|c| format!(" <<if {}>>", condition(c)))
            .unwrap_or_default();
        let _ = writeln!(out, "-> {text}{guard} #line:{}", o.id);
        for e in &o.effects {
            let _ = writeln!(out, "    {}", effect(e));
        }
        if let Some(next) = &o.next {
            let _ = writeln!(out, "    <<jump {next}>>");
        }
    }
    let mut first = true;
    let mut open = false;
    for t in &stage.transitions {
        match (&t.when, first) {
            (None, true) => {
                let _ = writeln!(out, "<<jump {}>>", t.to);
                break;
            }
            (None, false) => {
                let _ = writeln!(out, "<<else>>\n    <<jump {}>>", t.to);
                break;
            }
            (Some(c), _) => {
                let kw = if first { "if" } else { "elseif" };
                let _ = writeln!(out, "<<{kw} {}>>\n    <<jump {}>>", condition(c), t.to);
                open = true;
            }
        }
        first = false;
    }
    if open {
        out.push_str("<<endif>>\n");
    }
    out.push_str("===\n");
}

/// A Rapport condition as a Yarn expression. Only what a generated scenario can hold is mapped: a condition the
/// generator starts to write and this does not know stops the benchmark, rather than comparing unlike stories.
fn condition(c: &Condition) -> String {
    let cmp = |var: &str, c: &Cmp| match c {
        Cmp::AtLeast(x) => format!("${var} >= {x}"),
        Cmp::Below(x) => format!("${var} < {x}"),
    };
    let join = |cs: &[Condition], op: &str| {
        cs.iter()
            .map(|c| format!("({})", condition(c)))
            .collect::<Vec<_>>()
            .join(op)
    };
    match c {
        Condition::RuptureOpen => "$rupture_open".to_owned(),
        Condition::Bond(x) => cmp("bond", x),
        Condition::LastFit(band) => format!("$last_fit == \"{}\"", format!("{band:?}").to_lowercase()),
        Condition::Flag(v) => format!("${v}"),
        Condition::Var(v, x) => cmp(v, x),
        Condition::All(cs) => join(cs, " and "),
        Condition::Any(cs) => join(cs, " or "),
        Condition::Not(c) => format!("not ({})", condition(c)),
        other => panic!("the Yarn story has no mapping for the condition {other:?}: add one in shape.rs"),
    }
}

fn effect(e: &Effect) -> String {
    match e {
        Effect::Set(v, x) => format!("<<set ${v} to {}>>", value(x)),
        Effect::Add(v, x) => format!("<<set ${v} to ${v} + {x}>>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_hold_one_node_per_stage_and_ending_and_compile_clean() {
        let lib = rapport::engine::Library::builtin().expect("built-in data");
        let sc = scenario(60, &lib.catalog);
        let ron = ron_text(&sc);
        let loaded = rapport::engine::load::load_scenario_calibrated(&ron, "synthetic.ron", &lib, None);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let yarn = yarn_text(&sc);
        assert_eq!(
            yarn.matches("\n---\n").count() + usize::from(yarn.starts_with("---")),
            sc.stages.len() + sc.endings.len()
        );
        let compiled = yarnspinner::compiler::Compiler::new()
            .add_file(yarnspinner::compiler::File {
                file_name: "synthetic.yarn".into(),
                source: yarn.clone(),
            })
            .compile();
        let compiled = compiled.unwrap_or_else(|e| panic!("{e}\n{}", &yarn[..yarn.len().min(3000)]));
        let program = compiled.program.expect("a full compilation has a program");
        assert_eq!(program.nodes.len(), sc.stages.len() + sc.endings.len());
        // Every option and line kept its id.
        let options: usize = sc.stages.iter().map(|s| s.choices.len() + s.client.len()).sum();
        assert_eq!(compiled.string_table.len(), options + sc.endings.len());
    }
}
