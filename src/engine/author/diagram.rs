//! The stage graph as Graphviz DOT or Mermaid: stages by phase, endings, edges labelled with their conditions.

use std::collections::HashMap;
use std::fmt::Write;

use crate::engine::format::scenario::Scenario;
use crate::engine::vocab::Phase;

/// One edge of the drawing.
struct Edge {
    from: String,
    to: String,
    label: String,
    /// Some(true): a repair edge; Some(false): a rupture edge.
    rupture: Option<bool>,
}

fn edges(s: &Scenario) -> Vec<Edge> {
    let mut out = Vec::new();
    for st in &s.stages {
        for exit in st.exits() {
            let (label, rupture) = match (exit.by, exit.when) {
                (Some(o), _) => match &o.to {
                    crate::engine::format::scenario::Addressee::People(who) => {
                        (format!("choose {} (to {})", o.technique, who.join(", ")), None)
                    }
                    _ => (format!("choose {}", o.technique), None),
                },
                (None, Some(c)) => (c.describe(), c.rupture_edge()),
                (None, None) => ("otherwise".to_owned(), None),
            };
            out.push(Edge {
                from: st.id.clone(),
                to: exit.to.to_owned(),
                label,
                rupture,
            });
        }
    }
    out
}

/// Who is in the room at a stage where not everyone is, and who speaks, for a node's label (`esc` applied to the
/// names).
fn room(s: &Scenario, st: &crate::engine::format::scenario::Stage, br: &str, esc: impl Fn(&str) -> String) -> String {
    if s.people.is_empty() {
        return String::new();
    }
    let present = if st.present.is_empty() {
        String::new()
    } else {
        format!("{br}in the room: {}", esc(&st.present.join(", ")))
    };
    let speaker = st
        .speaker
        .as_deref()
        .map_or(String::new(), |p| format!("{br}speaks: {}", esc(p)));
    present + &speaker
}

/// Breaks a long label into lines of about 40 characters at spaces.
fn wrap(label: &str, br: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in label.split(' ') {
        if line > 0 && line + word.len() > 40 {
            out.push_str(br);
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// The drawing's name for each stage and ending: numbered (`s0`, `e0`), so ids that differ only in punctuation
/// (`s.1` and `s_1`) stay two nodes, and an id is only ever written inside a label, escaped.
struct Nodes {
    names: HashMap<String, String>,
}

impl Nodes {
    fn of(s: &Scenario) -> Nodes {
        let mut names = HashMap::new();
        // Endings first, then stages: were a stage and an ending to share an id (check refuses it), the stage wins,
        // as in the session.
        for (i, e) in s.endings.iter().enumerate() {
            names.insert(e.id.clone(), format!("e{i}"));
        }
        for (i, st) in s.stages.iter().enumerate() {
            names.insert(st.id.clone(), format!("s{i}"));
        }
        Nodes { names }
    }

    /// The node of `id`; an id that names nothing (check refuses it) gets a node of its own, `x` and a number.
    fn of_id(&mut self, id: &str) -> String {
        let n = self.names.len();
        self.names
            .entry(id.to_owned())
            .or_insert_with(|| format!("x{n}"))
            .clone()
    }
}

/// A DOT string's content: `\\` and `"` escaped.
fn dot_escape(t: &str) -> String {
    t.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT.
pub fn dot(s: &Scenario) -> String {
    let esc = dot_escape;
    let mut nodes = Nodes::of(s);
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", esc(&s.id));
    let _ = writeln!(
        out,
        "  rankdir=TB; node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef2f7\", fontname=\"Helvetica\"]; edge [fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(out, "  label=\"{}\"; labelloc=t;", esc(&s.meta.title));
    for (k, ph) in Phase::ALL.iter().enumerate() {
        let stages: Vec<_> = s.stages.iter().filter(|st| st.phase == *ph).collect();
        if stages.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph cluster_{k} {{ label=\"{}\"; style=dashed; color=\"#8899aa\";",
            esc(ph.label())
        );
        for st in stages {
            let title = if st.title.is_empty() {
                esc(&st.id)
            } else {
                format!("{}\\n{}", esc(&st.id), esc(&st.title))
            } + &room(s, st, "\\n", esc);
            let start = if st.id == s.start { ", penwidth=2.5" } else { "" };
            let _ = writeln!(out, "    {} [label=\"{title}\"{start}];", nodes.of_id(&st.id));
        }
        let _ = writeln!(out, "  }}");
    }
    for e in &s.endings {
        let fill = if e.outcome.is_good() { "#d8f0dc" } else { "#f6dcdc" };
        let _ = writeln!(
            out,
            "  {} [shape=doubleoctagon, fillcolor=\"{fill}\", label=\"{}\\n{} ({})\"];",
            nodes.of_id(&e.id),
            esc(&e.id),
            esc(&e.title),
            e.outcome.label()
        );
    }
    for e in edges(s) {
        let (from, to) = (nodes.of_id(&e.from), nodes.of_id(&e.to));
        let style = match e.rupture {
            Some(false) => ", color=\"#cc3333\", fontcolor=\"#cc3333\", style=dashed",
            Some(true) => ", color=\"#2a8a3e\", fontcolor=\"#2a8a3e\", penwidth=2",
            None => "",
        };
        let _ = writeln!(
            out,
            "  {from} -> {to} [label=\"{}\"{style}];",
            wrap(&esc(&e.label), "\\n")
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart, which renders in a code-hosting site's markdown.
pub fn mermaid(s: &Scenario) -> String {
    // Mermaid entity codes keep quotes and comparison signs out of its syntax.
    let esc = |t: &str| t.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;");
    let mut nodes = Nodes::of(s);
    let mut out = String::from("flowchart TD\n");
    for (k, ph) in Phase::ALL.iter().enumerate() {
        let stages: Vec<_> = s.stages.iter().filter(|st| st.phase == *ph).collect();
        if stages.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph phase{k}[\"{}\"]", esc(ph.label()));
        for st in stages {
            let title = if st.title.is_empty() {
                esc(&st.id)
            } else {
                format!("{}<br/>{}", esc(&st.id), esc(&st.title))
            } + &room(s, st, "<br/>", esc);
            let _ = writeln!(out, "    {}[\"{title}\"]", nodes.of_id(&st.id));
        }
        out.push_str("  end\n");
    }
    for e in &s.endings {
        let _ = writeln!(
            out,
            "  {}([\"{}<br/>{} ({})\"])",
            nodes.of_id(&e.id),
            esc(&e.id),
            esc(&e.title),
            e.outcome.label()
        );
        let class = if e.outcome.is_good() { "goodEnd" } else { "poorEnd" };
        let _ = writeln!(out, "  class {} {class}", nodes.of_id(&e.id));
    }
    let _ = writeln!(out, "  class {} start", nodes.of_id(&s.start));
    let mut styles = Vec::new();
    for (i, e) in edges(s).into_iter().enumerate() {
        let (from, to) = (nodes.of_id(&e.from), nodes.of_id(&e.to));
        let _ = writeln!(out, "  {from} -->|\"{}\"| {to}", wrap(&esc(&e.label), "<br/>"));
        match e.rupture {
            Some(false) => styles.push(format!("  linkStyle {i} stroke:#cc3333,stroke-dasharray:5 5")),
            Some(true) => styles.push(format!("  linkStyle {i} stroke:#2a8a3e,stroke-width:3px")),
            None => {}
        }
    }
    for l in styles {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("  classDef goodEnd fill:#d8f0dc,stroke:#2a8a3e\n  classDef poorEnd fill:#f6dcdc,stroke:#cc3333\n  classDef start stroke-width:3px\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Library, load};

    fn scenario(src: &str) -> std::sync::Arc<Scenario> {
        let lib = Library::builtin().expect("the built-in data loads");
        let l = load::load_scenario_str(src, "fixture.ron", &lib.catalog, None);
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.value.expect("a scenario")
    }

    /// The nodes a DOT drawing defines (`name [...]` on a line of its own) and its edges (`from -> to [...]`).
    fn parse(dot: &str) -> (Vec<String>, Vec<(String, String)>) {
        let (mut nodes, mut edges) = (Vec::new(), Vec::new());
        for line in dot.lines().map(str::trim) {
            let Some((head, _)) = line.split_once(" [") else {
                continue;
            };
            match head.split_once(" -> ") {
                Some((from, to)) => edges.push((from.to_owned(), to.to_owned())),
                None if !["node", "edge"].contains(&head) && !head.contains(' ') => nodes.push(head.to_owned()),
                None => {}
            }
        }
        (nodes, edges)
    }

    #[test]
    fn ids_that_differ_only_in_punctuation_are_two_nodes_and_the_edge_between_them_is_no_loop() {
        let s = scenario(include_str!(
            "../../../tests/fixtures/robustness/graph_node_id_collision.ron"
        ));
        let (nodes, edges) = parse(&dot(&s));
        let mut unique = nodes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), nodes.len(), "a node is defined twice: {nodes:?}");
        assert_eq!(nodes.len(), s.stages.len() + s.endings.len(), "{nodes:?}");
        // Stage `s.1` leads to ending `s_1` otherwise: an edge between two nodes, not a loop.
        assert!(edges.iter().all(|(from, to)| from != to), "{edges:?}");
        assert!(edges.contains(&("s0".to_owned(), "e0".to_owned())), "{edges:?}");
        let mermaid = mermaid(&s);
        assert!(mermaid.contains("s0 -->|\"otherwise\"| e0"), "{mermaid}");
    }

    #[test]
    fn quotes_and_backslashes_in_ids_are_escaped_in_dot_and_mermaid() {
        let s = scenario(include_str!("../../../tests/fixtures/robustness/graph_quote_in_id.ron"));
        let dot = dot(&s);
        assert!(dot.contains(r#"s0 [label="say \"hi\"""#), "{dot}");
        // Every line holds whole strings: an even count of quotes that are not escaped.
        for line in dot.lines() {
            let bare = line.replace(r"\\", "").replace(r#"\""#, "");
            assert_eq!(bare.matches('"').count() % 2, 0, "{line}");
        }
        assert_eq!(dot_escape(r#"a\"b"#), r#"a\\\"b"#);
        let mermaid = mermaid(&s);
        assert!(mermaid.contains("s0[\"say #quot;hi#quot;\"]"), "{mermaid}");
    }
}
