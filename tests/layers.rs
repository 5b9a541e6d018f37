//! The engine's layering, held by a test: no module of `src/engine` reads one that reads it back, and none names Bevy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common;

/// Each engine module (`play::session`) with the engine modules its code (not its tests) names.
fn engine_imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = common::root().join("src/engine");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let module_of = |p: &Path| {
        let rel = p.strip_prefix(&root).expect("under src/engine").with_extension("");
        let name = rel.to_string_lossy().replace('/', "::");
        name.strip_suffix("::mod").map(str::to_owned).unwrap_or(name)
    };
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).filter(|m| m != "mod").collect();
    // The longest module a path names: `play::session::Session` is `play::session`.
    let resolve = |path: &str| {
        let parts: Vec<&str> = path.split("::").collect();
        (1..=parts.len())
            .rev()
            .map(|k| parts[..k].join("::"))
            .find(|m| modules.contains(m))
    };
    let mut imports = BTreeMap::new();
    for p in &files {
        let me = module_of(p);
        if me == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(p).expect("readable");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        // `super::` is the module's parent: a file's folder, or a folder's (mod.rs) own parent.
        let parent = me.rsplit_once("::").map_or(String::new(), |(p, _)| p.to_owned());
        let mut named = BTreeSet::new();
        for (i, _) in code.match_indices("crate::engine::") {
            let path: String = code[i + "crate::engine::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            named.extend(resolve(&path));
        }
        for (i, _) in code.match_indices("super::") {
            if code[..i].ends_with("::") {
                continue;
            }
            let path: String = code[i + "super::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let full = if parent.is_empty() {
                path
            } else {
                format!("{parent}::{path}")
            };
            named.extend(resolve(&full));
        }
        named.retain(|m| m != &me && !m.starts_with(&format!("{me}::")) && !me.starts_with(&format!("{m}::")));
        imports.insert(me, named);
    }
    imports
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let p = entry.expect("an entry").path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_engine_module_reads_one_that_reads_it_back() {
    let imports = engine_imports();
    assert!(imports.len() > 30, "found only {} engine modules", imports.len());
    // Depth-first search for a path back to the start, from every module.
    for start in imports.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((m, path)) = stack.pop() {
            for next in imports.get(&m).into_iter().flatten() {
                assert!(next != start, "a module cycle: {} -> {start}", path.join(" -> "));
                if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    // The vocabulary reads nothing, so every other part can read it.
    assert_eq!(
        imports.get("vocab").map(BTreeSet::len),
        Some(0),
        "vocab reads {:?}",
        imports.get("vocab")
    );
}

#[test]
fn the_engine_never_names_bevy_or_egui() {
    let mut files = Vec::new();
    collect(&common::root().join("src/engine"), &mut files);
    for p in files {
        let text = std::fs::read_to_string(&p).expect("readable");
        for word in ["bevy", "egui", "winit"] {
            assert!(
                !text
                    .lines()
                    .any(|l| l.trim_start().starts_with("use ") && l.contains(word)),
                "{} uses {word}",
                p.display()
            );
        }
    }
}
