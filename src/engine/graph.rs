//! The stage graph as Graphviz DOT or Mermaid: stages by phase, endings, edges labelled with their conditions.

use std::fmt::Write;

use super::model::{Outcome, Phase, Scenario};

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
        for o in &st.choices {
            if let Some(n) = &o.next {
                out.push(Edge {
                    from: st.id.clone(),
                    to: n.clone(),
                    label: match &o.to {
                        super::model::Addressee::People(who) => {
                            format!("choose {} (to {})", o.technique, who.join(", "))
                        }
                        _ => format!("choose {}", o.technique),
                    },
                    rupture: None,
                });
            }
        }
        let forced = !st.choices.is_empty() && st.choices.iter().all(|o| o.next.is_some());
        if forced {
            continue;
        }
        for t in &st.transitions {
            let (label, rupture) = match &t.when {
                Some(c) => (c.describe(), c.rupture_edge()),
                None => ("otherwise".to_owned(), None),
            };
            out.push(Edge {
                from: st.id.clone(),
                to: t.to.clone(),
                label,
                rupture,
            });
        }
    }
    out
}

/// Who is in the room at a stage where not everyone is, and who speaks, for a node's label.
fn room(s: &Scenario, st: &super::model::Stage, br: &str) -> String {
    if s.people.is_empty() {
        return String::new();
    }
    let present = if st.present.is_empty() {
        String::new()
    } else {
        format!("{br}in the room: {}", st.present.join(", "))
    };
    let speaker = st
        .speaker
        .as_deref()
        .map_or(String::new(), |p| format!("{br}speaks: {p}"));
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

fn node_id(id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("n_{clean}")
}

fn good(o: Outcome) -> bool {
    matches!(o, Outcome::Improved | Outcome::Partial)
}

/// Graphviz DOT.
pub fn dot(s: &Scenario) -> String {
    let esc = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"");
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
                st.id.clone()
            } else {
                format!("{}\\n{}", st.id, esc(&st.title))
            } + &room(s, st, "\\n");
            let start = if st.id == s.start { ", penwidth=2.5" } else { "" };
            let _ = writeln!(out, "    {} [label=\"{title}\"{start}];", node_id(&st.id));
        }
        let _ = writeln!(out, "  }}");
    }
    for e in &s.endings {
        let fill = if good(e.outcome) { "#d8f0dc" } else { "#f6dcdc" };
        let _ = writeln!(
            out,
            "  {} [shape=doubleoctagon, fillcolor=\"{fill}\", label=\"{}\\n{} ({})\"];",
            node_id(&e.id),
            e.id,
            esc(&e.title),
            e.outcome.label()
        );
    }
    for e in edges(s) {
        let style = match e.rupture {
            Some(false) => ", color=\"#cc3333\", fontcolor=\"#cc3333\", style=dashed",
            Some(true) => ", color=\"#2a8a3e\", fontcolor=\"#2a8a3e\", penwidth=2",
            None => "",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\"{style}];",
            node_id(&e.from),
            node_id(&e.to),
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
    let mut out = String::from("flowchart TD\n");
    for (k, ph) in Phase::ALL.iter().enumerate() {
        let stages: Vec<_> = s.stages.iter().filter(|st| st.phase == *ph).collect();
        if stages.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph phase{k}[\"{}\"]", esc(ph.label()));
        for st in stages {
            let title = if st.title.is_empty() {
                st.id.clone()
            } else {
                format!("{}<br/>{}", st.id, esc(&st.title))
            } + &room(s, st, "<br/>");
            let _ = writeln!(out, "    {}[\"{title}\"]", node_id(&st.id));
        }
        out.push_str("  end\n");
    }
    for e in &s.endings {
        let _ = writeln!(
            out,
            "  {}([\"{}<br/>{} ({})\"])",
            node_id(&e.id),
            e.id,
            esc(&e.title),
            e.outcome.label()
        );
        let class = if good(e.outcome) { "goodEnd" } else { "poorEnd" };
        let _ = writeln!(out, "  class {} {class}", node_id(&e.id));
    }
    let _ = writeln!(out, "  class {} start", node_id(&s.start));
    let mut styles = Vec::new();
    for (i, e) in edges(s).into_iter().enumerate() {
        let _ = writeln!(
            out,
            "  {} -->|\"{}\"| {}",
            node_id(&e.from),
            wrap(&esc(&e.label), "<br/>"),
            node_id(&e.to)
        );
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
