//! Diagnostics: every problem the loader and checker find, with a stable code, a place and a message.

use serde::Serialize;
use std::fmt;

use crate::engine::load::source::{Locator, Span};

/// How serious a diagnostic is. Errors keep a file from being played; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Information that needs no change (what upgrading a version-1 file would give it).
    Note,
}

/// Stable diagnostic codes. Documented, with an example each, in `scenarios/DIAGNOSTICS.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Code {
    /// The file could not be read.
    R001,
    /// RON syntax error.
    R002,
    /// A field the format does not know.
    R003,
    /// A required field is missing.
    R004,
    /// A value of the wrong type or an unknown variant name.
    R005,
    /// The file is too large or too deeply nested.
    R006,
    /// Unsupported format version.
    R007,
    /// A reference to a stage or ending that does not exist.
    R101,
    /// A technique the catalog does not have.
    R102,
    /// A variable that is not declared.
    R103,
    /// An asset path that does not exist.
    R104,
    /// A condition or effect of the wrong type.
    R105,
    /// A duplicate id.
    R201,
    /// A map or struct that gives the same key twice (one of the two values would be lost).
    R202,
    /// A stage that cannot be reached from the start.
    R301,
    /// A stage that leads nowhere and is not an ending.
    R302,
    /// A cycle with no way out.
    R303,
    /// A stage with no options.
    R304,
    /// A stage where every option is guarded.
    R305,
    /// A stage whose every transition is guarded, with no fallback.
    R306,
    /// An ending that no path reaches.
    R307,
    /// An ending in the graph that no actual play reaches (its guards never hold on the way).
    R308,
    /// A loop whose every way out is guarded: when no guard holds, the session goes round until its step limit.
    R309,
    /// A value out of its range.
    R401,
    /// Required text that is empty.
    R402,
    /// A technique offered in a setting it is not made for.
    R403,
    /// A declared variable that nothing reads or writes.
    R404,
    /// A variable that effects write but no condition reads.
    R405,
    /// Culture or faith salience that keeps every option at some stage from fitting better than fair.
    R406,
    /// An option without `say`: the trainee sees only the technique's name.
    R407,
    /// An id or a name too long to be an id or a name.
    R408,
    /// A catalog technique without a description or citation, or with a bad attribute.
    R501,
    /// A weights file problem.
    R502,
    /// The computed top option at a stage is not the declared best.
    R601,
    /// A declared poor or harmful option scores at or above a declared best one.
    R602,
    /// An option of a version-2 file declares no intent.
    R603,
    /// A version-1 file: what upgrading to version 2 would give it.
    R604,
    /// A stage shows a safety or dissociation marker that no move offered there answers.
    R605,
    /// A fit or alliance override without a reason.
    R606,
    /// A person named in an addressee, speaker, aside or condition who is not in `people`.
    R701,
    /// A marker, speaker or addressee on someone who is not in the room at that stage.
    R702,
    /// A person who never speaks.
    R703,
    /// A technique made for couples, families or groups addressed to one person.
    R704,
    /// A child's technique addressed to an adult.
    R705,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::R001 => "R001",
            Code::R002 => "R002",
            Code::R003 => "R003",
            Code::R004 => "R004",
            Code::R005 => "R005",
            Code::R006 => "R006",
            Code::R007 => "R007",
            Code::R101 => "R101",
            Code::R102 => "R102",
            Code::R103 => "R103",
            Code::R104 => "R104",
            Code::R105 => "R105",
            Code::R201 => "R201",
            Code::R202 => "R202",
            Code::R301 => "R301",
            Code::R302 => "R302",
            Code::R303 => "R303",
            Code::R304 => "R304",
            Code::R305 => "R305",
            Code::R306 => "R306",
            Code::R307 => "R307",
            Code::R308 => "R308",
            Code::R309 => "R309",
            Code::R401 => "R401",
            Code::R402 => "R402",
            Code::R403 => "R403",
            Code::R404 => "R404",
            Code::R405 => "R405",
            Code::R406 => "R406",
            Code::R407 => "R407",
            Code::R408 => "R408",
            Code::R501 => "R501",
            Code::R502 => "R502",
            Code::R601 => "R601",
            Code::R602 => "R602",
            Code::R603 => "R603",
            Code::R604 => "R604",
            Code::R605 => "R605",
            Code::R606 => "R606",
            Code::R701 => "R701",
            Code::R702 => "R702",
            Code::R703 => "R703",
            Code::R704 => "R704",
            Code::R705 => "R705",
        }
    }

    /// Short name, as in the documentation table.
    pub fn title(self) -> &'static str {
        match self {
            Code::R001 => "unreadable file",
            Code::R002 => "syntax error",
            Code::R003 => "unknown field",
            Code::R004 => "missing field",
            Code::R005 => "wrong type or unknown name",
            Code::R006 => "input too large or too deep",
            Code::R007 => "unsupported format version",
            Code::R101 => "unknown stage or ending",
            Code::R102 => "unknown technique",
            Code::R103 => "undeclared variable",
            Code::R104 => "missing asset",
            Code::R105 => "ill-typed condition or effect",
            Code::R201 => "duplicate id",
            Code::R202 => "duplicate key",
            Code::R301 => "unreachable stage",
            Code::R302 => "dead end",
            Code::R303 => "cycle with no way out",
            Code::R304 => "empty choice set",
            Code::R305 => "fully guarded choice set",
            Code::R306 => "no fallback transition",
            Code::R307 => "unreachable ending",
            Code::R308 => "ending no play reaches",
            Code::R309 => "loop with only guarded ways out",
            Code::R401 => "value out of range",
            Code::R402 => "empty text",
            Code::R403 => "technique out of its setting",
            Code::R404 => "unused variable",
            Code::R405 => "variable written but never read",
            Code::R406 => "salience that flattens the fit",
            Code::R407 => "option without words",
            Code::R408 => "id or name too long",
            Code::R501 => "catalog entry incomplete",
            Code::R502 => "weights problem",
            Code::R601 => "declared best is not the computed top",
            Code::R602 => "declared poor option ranks with the best",
            Code::R603 => "option without intent",
            Code::R604 => "version-1 file",
            Code::R605 => "unanswerable safety marker",
            Code::R606 => "override without a reason",
            Code::R701 => "unknown person",
            Code::R702 => "person not in the room",
            Code::R703 => "person who never speaks",
            Code::R704 => "systemic technique addressed to one person",
            Code::R705 => "child's technique addressed to an adult",
        }
    }

    /// The severity a code has unless configured otherwise.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::R307
            | Code::R308
            | Code::R309
            | Code::R403
            | Code::R404
            | Code::R405
            | Code::R406
            | Code::R407
            | Code::R601
            | Code::R602
            | Code::R603
            | Code::R605
            | Code::R606
            | Code::R703
            | Code::R704
            | Code::R705 => Severity::Warning,
            Code::R604 => Severity::Note,
            _ => Severity::Error,
        }
    }

    pub const ALL: [Code; 44] = [
        Code::R001,
        Code::R002,
        Code::R003,
        Code::R004,
        Code::R005,
        Code::R006,
        Code::R007,
        Code::R101,
        Code::R102,
        Code::R103,
        Code::R104,
        Code::R105,
        Code::R201,
        Code::R202,
        Code::R301,
        Code::R302,
        Code::R303,
        Code::R304,
        Code::R305,
        Code::R306,
        Code::R307,
        Code::R308,
        Code::R309,
        Code::R401,
        Code::R402,
        Code::R403,
        Code::R404,
        Code::R405,
        Code::R406,
        Code::R407,
        Code::R408,
        Code::R501,
        Code::R502,
        Code::R601,
        Code::R602,
        Code::R603,
        Code::R604,
        Code::R605,
        Code::R606,
        Code::R701,
        Code::R702,
        Code::R703,
        Code::R704,
        Code::R705,
    ];

    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when the problem has no place in the file (a whole-file problem: JSON gives `null`).
    #[serde(serialize_with = "place")]
    pub line: usize,
    #[serde(serialize_with = "place")]
    pub column: usize,
    pub message: String,
    /// The source line the problem is on.
    pub source_line: String,
    /// A suggestion, when one is obvious.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "clipped")]
    pub help: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// A line or column of 0 (no place in the file) is `null` in JSON, so no tool takes `0:0` for a position.
fn place<S: serde::Serializer>(n: &usize, s: S) -> Result<S::Ok, S::Error> {
    if *n == 0 {
        s.serialize_none()
    } else {
        s.serialize_u64(*n as u64)
    }
}

/// A help as it is shown: long quoted values cut (a help may be set directly, not through `with_help`).
fn clipped<S: serde::Serializer>(h: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match h {
        Some(h) => s.serialize_str(&clip_quoted(h)),
        None => s.serialize_none(),
    }
}

/// The most characters of one quoted value (`...`) a message or a help repeats: a 1 MiB id is shown by its start
/// and its length, not whole.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text` with every backquoted value longer than [`MAX_QUOTED_CHARS`] cut to its start and its length.
pub fn clip_quoted(text: &str) -> String {
    if text.len() <= MAX_QUOTED_CHARS {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len().min(4 * MAX_QUOTED_CHARS));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        // Odd parts lie between backquotes.
        if i % 2 == 1 && n > MAX_QUOTED_CHARS {
            out.extend(part.chars().take(MAX_QUOTED_CHARS));
            out.push_str(&format!("... ({n} characters)"));
        } else {
            out.push_str(part);
        }
    }
    out
}

impl Diagnostic {
    /// A diagnostic at a span of a located file.
    pub fn at(code: Code, file: &str, loc: &Locator, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        let (line, column, source_line) = match span {
            Some(s) if s.start <= loc.source().len() => {
                let (l, c) = loc.line_col(s.start);
                (l, c, loc.snippet(s.start, 240).to_owned())
            }
            _ => (0, 0, String::new()),
        };
        Diagnostic {
            code,
            severity: code.default_severity(),
            file: file.to_owned(),
            line,
            column,
            message: clip_quoted(&message.into()),
            source_line,
            help: None,
            span,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(clip_quoted(&help.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: severity[code]: message`, the one-line form editors parse; `file: severity[code]: message`
    /// for a problem with the whole file (it cannot be read), which has no place in it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        if self.line == 0 {
            return write!(f, "{}: {}[{}]: {}", self.file, sev, self.code, self.message);
        }
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.file, self.line, self.column, sev, self.code, self.message
        )
    }
}

/// Lines longer than this are shown cut around the place, not whole, under a diagnostic.
const LONGEST_SHOWN_LINE: usize = 400;

/// Renders diagnostics rustc-style: the source line with a caret under the spot, and the help.
pub fn render(diags: &[Diagnostic], loc: Option<&Locator>) -> String {
    use codespan_reporting::diagnostic::{Diagnostic as Cd, Label};
    use codespan_reporting::files::SimpleFile;
    use codespan_reporting::term::{self, Config};

    let mut out = String::new();
    let config = Config::default();
    // The file's line starts, found once for all its diagnostics: found for each, a file with thousands of warnings
    // took seconds to report.
    let mut shown: Option<SimpleFile<&str, &str>> = None;
    for d in diags {
        let mut cd = match d.severity {
            Severity::Error => Cd::error(),
            Severity::Warning => Cd::warning(),
            Severity::Note => Cd::note(),
        }
        .with_code(d.code.as_str())
        .with_message(&d.message);
        if let Some(h) = &d.help {
            cd = cd.with_notes(vec![format!("help: {}", clip_quoted(h))]);
        }
        // A source line too long to show whole (a generated file on one line, a 1 MiB value) is shown cut, below.
        let fits = |loc: &Locator, span: Span| {
            span.start < loc.source().len() && loc.line_text(loc.line_col(span.start).0).len() <= LONGEST_SHOWN_LINE
        };
        let rendered = match (loc, d.span) {
            (Some(loc), Some(span)) if fits(loc, span) => {
                let file = match shown.take() {
                    Some(f) if *f.name() == d.file.as_str() => f,
                    _ => SimpleFile::new(d.file.as_str(), loc.source()),
                };
                let end = span.end.max(span.start + 1).min(loc.source().len());
                let cd = cd.with_labels(vec![Label::primary((), span.start.min(end)..end)]);
                let text = term::emit_into_string(&config, &file, &cd).ok();
                shown = Some(file);
                text
            }
            _ => None,
        };
        match rendered {
            Some(s) => out.push_str(&s),
            None => {
                out.push_str(&d.to_string());
                out.push('\n');
                if d.line > 0 && !d.source_line.is_empty() {
                    // The line as the diagnostic holds it (at most 240 bytes around the place), a caret under the
                    // place when it is within what is shown.
                    let shown = d.source_line.replace('\t', " ");
                    out.push_str(&format!("  | {shown}\n"));
                    let full = loc.map(|l| l.line_text(d.line)).unwrap_or_default();
                    if (full == d.source_line || d.source_line.len() < 240) && d.column <= shown.chars().count() + 1 {
                        out.push_str(&format!("  | {}^\n", " ".repeat(d.column - 1)));
                    }
                }
                if let Some(h) = &d.help {
                    out.push_str(&format!("  = help: {}\n", clip_quoted(h)));
                }
            }
        }
    }
    out
}

/// The longest name that may be a misspelling of an id or a name: four times the longest id or name the checker
/// allows (`check::MAX_ID_CHARS`, `check::MAX_NAME_CHARS`; a test there keeps the two in step). The similarity
/// measure costs the product of the lengths, and a 1 MiB unknown id took seconds to find no suggestion.
pub const LONGEST_MISSPELLING: usize = 320;

/// Whether a name is too long to be a misspelling of an id or a name.
pub fn too_long_to_suggest(found: &str) -> bool {
    found.len() > LONGEST_MISSPELLING
}

/// The closest candidate to a misspelt name, if one is close enough to be a likely typo.
pub fn suggest<'a>(found: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    if too_long_to_suggest(found) {
        return None;
    }
    candidates
        .map(|c| (strsim::jaro_winkler(found, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Every candidate about as close to a misspelt name as the closest (a tie within .03), or that starts with it
/// (`Complaint` names `ComplaintAboutTherapist`, `ComplaintAboutTask` and `ComplaintAboutProgress` alike), best
/// first, at most four; empty when nothing is close enough.
pub fn suggest_all<'a>(found: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    if too_long_to_suggest(found) {
        return Vec::new();
    }
    let lower = found.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates.map(|c| (strsim::jaro_winkler(found, c), c)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let Some(&(best, _)) = scored.first().filter(|(s, _)| *s > 0.8) else {
        return Vec::new();
    };
    scored
        .into_iter()
        .filter(|(s, c)| *s > 0.8 && (*s >= best - 0.03 || (lower.len() >= 4 && c.to_lowercase().starts_with(&lower))))
        .take(4)
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_diagnostic_is_rendered_against_its_own_file() {
        let src = "(\n    id: \"a\",\n    title: \"b\",\n)\n";
        let loc = Locator::scan(src).expect("scans");
        let at = |file: &str, path: &str| Diagnostic::at(Code::R402, file, &loc, loc.find(path), "empty");
        // The line starts found for one file serve the next diagnostic of that file, and a new file gets its own.
        let out = render(
            &[at("one.ron", "id"), at("one.ron", "title"), at("two.ron", "id")],
            Some(&loc),
        );
        assert_eq!(out.matches("one.ron:2:").count(), 1, "{out}");
        assert_eq!(out.matches("one.ron:3:").count(), 1, "{out}");
        assert_eq!(out.matches("two.ron:2:").count(), 1, "{out}");
    }
}
