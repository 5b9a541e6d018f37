//! The checker: every semantic problem in a scenario, catalog or weights file, all at once.

mod catalog;
mod ids;
mod people;
mod reachability;
mod references;
pub mod stage_graph;
mod text;
mod variables;
mod version_two;
mod weights;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::engine::format::catalog::Catalog;
use crate::engine::format::scenario::{Condition, Effect, FORMAT_VERSION, Look, OLDEST_VERSION, Scenario, Value};
use crate::engine::format::weights::Weights;
use crate::engine::load::diagnostic::suggest;
use crate::engine::load::diagnostic::{Code, Diagnostic};
use crate::engine::load::source::Locator;
use crate::engine::vocab::{FitTerm, Quality};
use stage_graph::StageGraph;

pub use catalog::{CATALOG_VERSION, check_catalog};
use ids::check_ids;
use people::check_people;
use reachability::check_graph;
use references::check_references;
use text::{check_text_and_ranges, control_characters};
use variables::check_variables;
use version_two::check_version_two;
pub use weights::{WEIGHTS_VERSION, check_weights};

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
    if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&s.version) {
        cx.push(
            Code::R007,
            "version",
            format!(
                "format version {} is not supported; this Rapport reads versions {} to {}",
                s.version, OLDEST_VERSION, FORMAT_VERSION
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_the_checker_allows_may_still_get_a_suggestion() {
        // Suggestions stop at a length only far past the longest id or name the checker accepts.
        assert!(crate::engine::load::diagnostic::LONGEST_MISSPELLING >= 4 * MAX_ID_CHARS.max(MAX_NAME_CHARS));
    }
}
