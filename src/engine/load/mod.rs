//! One loader for every front end: reads RON, bounds it, parses it and turns serde's errors into diagnostics.

pub mod diagnostic;
pub mod source;

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::author::golden::Plays;
use crate::engine::check;
use crate::engine::format::catalog::Catalog;
use crate::engine::format::scenario::Scenario;
use crate::engine::format::weights::Weights;
use diagnostic::{Code, Diagnostic, suggest_all};
use source::{Bound, Locator, Span};

/// The built-in technique catalog, embedded so the binary runs from any folder.
pub const CATALOG_RON: &str = include_str!("../../../assets/techniques.ron");
/// The built-in default weights.
pub const WEIGHTS_RON: &str = include_str!("../../../assets/weights.ron");

/// A parsed file: the value if it parsed, every diagnostic, and the locator for rendering them.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub file: String,
    pub value: Option<T>,
    pub diagnostics: Vec<Diagnostic>,
    pub locator: Locator,
}

impl<T> Loaded<T> {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The value, when there is one and no error was found.
    pub fn clean(&self) -> Option<&T> {
        if self.has_errors() { None } else { self.value.as_ref() }
    }
}

/// What kind of file a RON document is, from its top-level struct name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Scenario,
    Catalog,
    Weights,
    Plays,
}

/// Guesses the kind from the first identifier; unnamed documents are scenarios.
pub fn kind_of(src: &str) -> FileKind {
    let body = src
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("#!"))
        .unwrap_or("");
    // The whole first identifier: `PlaysXYZ` is not a plays file (it is then read, and refused, as a scenario).
    let word: &str = body
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    match word {
        "Catalog" => FileKind::Catalog,
        "Weights" => FileKind::Weights,
        "Plays" => FileKind::Plays,
        _ => FileKind::Scenario,
    }
}

fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(source::MAX_DEPTH)
}

/// Parses any RON document into `T`, with bounded input and diagnostics instead of panics.
pub fn parse<T: DeserializeOwned>(src: &str, file: &str) -> Loaded<T> {
    // A byte-order mark is no part of the document (`read` drops it; text given directly may hold it).
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let locator = match Locator::scan(src) {
        Ok(l) => l,
        Err((locator, bound)) => {
            let (span, msg) = match bound {
                Bound::TooLarge(n) => (
                    None,
                    format!(
                        "the file is {n} bytes; files over {} bytes are refused",
                        source::MAX_BYTES
                    ),
                ),
                Bound::TooDeep(s) => (
                    Some(s),
                    format!("values nest more than {} levels deep here", source::MAX_DEPTH),
                ),
            };
            let d = Diagnostic::at(Code::R006, file, &locator, span, msg);
            return Loaded {
                file: file.to_owned(),
                value: None,
                diagnostics: vec![d],
                locator,
            };
        }
    };
    let duplicates = duplicate_keys(file, &locator);
    match ron_options().from_str::<T>(src) {
        Ok(v) => Loaded {
            file: file.to_owned(),
            value: Some(v),
            diagnostics: duplicates,
            locator,
        },
        Err(e) => {
            // A field given twice is what R202 already says, with both places.
            let twice = matches!(e.code, ron::error::Error::DuplicateStructField { .. }) && !duplicates.is_empty();
            let mut diagnostics = duplicates;
            if !twice {
                diagnostics.push(ron_diagnostic(&e, file, &locator));
            }
            Loaded {
                file: file.to_owned(),
                value: None,
                diagnostics,
                locator,
            }
        }
    }
}

/// R202 for each key given twice in one map or struct, at the second, naming the first.
fn duplicate_keys(file: &str, loc: &Locator) -> Vec<Diagnostic> {
    loc.duplicate_keys()
        .iter()
        .map(|&(first, second)| {
            let key = loc.source()[second.start..second.end].trim_matches('"');
            let (line, col) = loc.line_col(first.start);
            Diagnostic::at(
                Code::R202,
                file,
                loc,
                Some(second),
                format!("the key `{key}` is given twice here (first at line {line}, column {col}); one of the two values would be lost"),
            )
            .with_help(format!("keep one `{key}: ...` and delete the other"))
        })
        .collect()
}

fn ron_diagnostic(e: &ron::error::SpannedError, file: &str, loc: &Locator) -> Diagnostic {
    use ron::error::Error as E;
    let start = loc.offset(e.span.start.line, e.span.start.col);
    // Keep the caret on the line the error starts on: RON's spans can run into the next line.
    let line_end = loc.source()[start..]
        .find('\n')
        .map_or(loc.source().len(), |i| start + i);
    let mut end = loc.offset(e.span.end.line, e.span.end.col).min(line_end);
    if end <= start {
        end = (start + 1).min(line_end.max(start + 1)).min(loc.source().len());
    }
    let mut span = Some(Span { start, end });
    let src = loc.source();
    // What the comma error really is: a `"` that ended the string early, or a `%` after a number.
    let next = src[start..].chars().next();
    let before_char = src[..start].trim_end_matches([' ', '\t']).chars().last();
    let same_line = !src[..start].ends_with('\n') && !src[..start].trim_end_matches([' ', '\t']).ends_with('\n');
    let ident_then_colon = {
        let rest = &src[start..];
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        !word.is_empty() && rest[word.len()..].trim_start().starts_with(':')
    };
    if matches!(e.code, ron::error::Error::ExpectedComma) && next == Some('%') {
        let d = Diagnostic::at(
            Code::R002,
            file,
            loc,
            Some(Span { start, end: start + 1 }),
            "`%` is not part of a number in RON",
        );
        return d.with_help("write the value as a fraction: `-0.2` for -20%, `0.65` for 65%");
    }
    if matches!(e.code, ron::error::Error::ExpectedComma)
        && before_char == Some('"')
        && same_line
        && !ident_then_colon
        && next.is_some_and(|c| c != ')' && c != ']' && c != '}')
    {
        let quote = src[..start].trim_end_matches([' ', '\t']).len() - 1;
        let d = Diagnostic::at(
            Code::R002,
            file,
            loc,
            Some(Span {
                start: quote,
                end: quote + 1,
            }),
            "this `\"` ends the text early: a double quote inside text must be escaped",
        );
        return d.with_help("write `\\\"` for a quote inside text (`\"She said \\\"fine\\\" and left.\"`), or use single quotes ('fine')");
    }
    if matches!(e.code, ron::error::Error::Eof)
        && let Some((open, ch)) = unclosed(src)
    {
        let (line, _) = loc.line_col(open);
        let shown = loc.line_text(line).trim();
        let close = match ch {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        let d = Diagnostic::at(
            Code::R002,
            file,
            loc,
            Some(Span {
                start: open,
                end: open + 1,
            }),
            format!("the file ends before this `{ch}` (line {line}: `{shown}`) is closed"),
        );
        return d.with_help(format!("add the missing `{close}` where this value ends"));
    }
    if matches!(e.code, ron::error::Error::ExpectedComma) {
        // RON stops at the next token; the comma is missing after the previous value.
        let before = loc.source()[..start].trim_end();
        if !before.is_empty() {
            let at = before.len() - before.chars().last().map_or(1, char::len_utf8);
            span = Some(Span {
                start: at,
                end: before.len(),
            });
        }
    }
    let outer = |o: &Option<String>| o.as_deref().map(|s| format!(" in `{s}`")).unwrap_or_default();
    let (code, msg, help) = match &e.code {
        E::NoSuchStructField {
            expected,
            found,
            outer: o,
        } => (
            Code::R003,
            format!("unknown field `{found}`{}", outer(o)),
            did_you_mean(found, expected).or_else(|| Some(format!("the fields here are: {}", expected.join(", ")))),
        ),
        E::MissingStructField { field, outer: o } => (
            Code::R004,
            format!("missing field `{field}`{}", outer(o)),
            Some(format!("add `{field}: ...` to this struct")),
        ),
        E::NoSuchEnumVariant {
            expected,
            found,
            outer: o,
        } => (
            Code::R005,
            format!("`{found}` is not a known name{}", outer(o)),
            did_you_mean(found, expected).or_else(|| Some(format!("expected one of: {}", expected.join(", ")))),
        ),
        E::InvalidValueForType { .. }
        | E::ExpectedDifferentLength { .. }
        | E::ExpectedBoolean
        | E::ExpectedFloat
        | E::ExpectedInteger
        | E::ExpectedString
        | E::ExpectedArray
        | E::ExpectedMap
        | E::ExpectedOption
        | E::ExpectedStructLike
        | E::ExpectedNamedStructLike(_)
        | E::ExpectedDifferentStructName { .. }
        | E::IntegerOutOfBounds => (Code::R005, e.code.to_string(), None),
        E::DuplicateStructField { field, outer: o } => {
            (Code::R201, format!("field `{field}` is given twice{}", outer(o)), None)
        }
        E::ExceededRecursionLimit => (Code::R006, "values nest too deeply".to_owned(), None),
        E::ExpectedComma => (
            Code::R002,
            "expected a comma after this value".to_owned(),
            Some("separate fields and list items with commas".to_owned()),
        ),
        other => (Code::R002, other.to_string(), None),
    };
    let d = Diagnostic::at(code, file, loc, span, msg);
    match help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// The innermost bracket still open at the end of the source (strings and comments skipped), with its offset.
fn unclosed(src: &str) -> Option<(usize, char)> {
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut it = src.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => {
                while let Some((_, d)) = it.next() {
                    if d == '\\' {
                        it.next();
                    } else if d == '"' {
                        break;
                    }
                }
            }
            '/' if it.peek().is_some_and(|(_, d)| *d == '/') => {
                for (_, d) in it.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if it.peek().is_some_and(|(_, d)| *d == '*') => {
                let mut prev = ' ';
                for (_, d) in it.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '(' | '[' | '{' => stack.push((i, c)),
            ')' | ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// "did you mean `a`?", or "did you mean `a` or `b`?" when several are as close.
fn did_you_mean(found: &str, candidates: &[&str]) -> Option<String> {
    let all = suggest_all(found, candidates.iter().copied());
    let q: Vec<String> = all.iter().map(|c| format!("`{c}`")).collect();
    match q.len() {
        0 => None,
        1 => Some(format!("did you mean {}?", q[0])),
        n => Some(format!("did you mean {} or {}?", q[..n - 1].join(", "), q[n - 1])),
    }
}

/// The built-in catalog. It is checked by `cargo test`, so a failure here is a build defect.
pub fn builtin_catalog() -> Loaded<Catalog> {
    load_catalog_str(CATALOG_RON, "assets/techniques.ron")
}

/// The built-in weights.
pub fn builtin_weights() -> Loaded<Weights> {
    load_weights_str(WEIGHTS_RON, "assets/weights.ron")
}

/// Parses and checks a weights file.
pub fn load_weights_str(src: &str, file: &str) -> Loaded<Weights> {
    let mut l = parse::<Weights>(src, file);
    if let Some(w) = &l.value {
        let extra = check::check_weights(w, &l.file, &l.locator);
        l.diagnostics.extend(extra);
    }
    l
}

/// Parses a play-through script at `path` and checks that the scenario it names is there (R104 otherwise).
pub fn load_plays_str(src: &str, file: &str, path: &Path) -> Loaded<Plays> {
    let mut l = parse::<Plays>(src, file);
    if let Some(p) = &l.value {
        let target = p.scenario_path(path);
        if !target.is_file() {
            let span = l.locator.find("scenario");
            l.diagnostics.push(Diagnostic::at(
                Code::R104,
                file,
                &l.locator,
                span,
                format!("the scenario `{}` (at {}) does not exist", p.scenario, target.display()),
            ));
        }
    }
    l
}

pub fn load_catalog_str(src: &str, file: &str) -> Loaded<Catalog> {
    let mut l = parse::<Catalog>(src, file);
    l.value = l.value.map(Catalog::indexed);
    if let Some(c) = &l.value {
        let extra = check::check_catalog(c, &l.file, &l.locator);
        l.diagnostics.extend(extra);
    }
    l
}

/// A scenario loaded and checked against a catalog.
pub type LoadedScenario = Loaded<Arc<Scenario>>;

/// Parses and checks a scenario. `dir` is the folder asset paths are relative to.
pub fn load_scenario_str(src: &str, file: &str, catalog: &Catalog, dir: Option<&Path>) -> LoadedScenario {
    let l = parse::<Scenario>(src, file);
    let mut diagnostics = l.diagnostics;
    if let Some(s) = &l.value {
        diagnostics.extend(check::check_scenario(s, catalog, file, &l.locator, dir));
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    Loaded {
        file: l.file,
        value: l.value.map(Arc::new),
        diagnostics,
        locator: l.locator,
    }
}

/// Parses and checks a scenario, then holds its scoring to the intents its author declares: what
/// `rapport check` reports. A file with errors is not calibrated (it cannot be played).
pub fn load_scenario_calibrated(
    src: &str,
    file: &str,
    lib: &crate::engine::Library,
    dir: Option<&Path>,
) -> LoadedScenario {
    let mut l = load_scenario_str(src, file, &lib.catalog, dir);
    if let (false, Some(s)) = (l.has_errors(), &l.value) {
        let cal = crate::engine::author::calibration::calibrate(s, lib);
        l.diagnostics.extend(crate::engine::author::calibration::diagnostics(
            s,
            &cal,
            &lib.weights,
            file,
            &l.locator,
        ));
        l.diagnostics
            .extend(crate::engine::author::calibration::unreached_endings(
                s, lib, file, &l.locator,
            ));
        l.diagnostics.sort_by_key(|d| (d.line, d.column));
    }
    l
}

/// Reads a file; an unreadable file is a diagnostic, not a panic. Text that is not UTF-8 is placed at its first
/// bad byte; a leading byte-order mark (which some Windows editors write) is dropped.
#[expect(
    clippy::result_large_err,
    reason = "read once per file; the diagnostic is what the caller reports"
)]
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    let file = path.display().to_string();
    match read_bounded(path) {
        Ok(s) => Ok(s),
        Err(Unread::Refused(m)) => Err(Diagnostic::at(Code::R001, &file, &Locator::default(), None, m)),
        Err(Unread::NotUtf8(bytes, e)) => Err(not_utf8(&file, &bytes, &e)),
    }
}

/// Why a file was not read: a message for the whole file, or bytes that are not UTF-8 (placed at the first bad one).
enum Unread {
    Refused(String),
    NotUtf8(Vec<u8>, std::str::Utf8Error),
}

/// R001 at the first byte that is not UTF-8, on its line (decoded with U+FFFD for what cannot be).
fn not_utf8(file: &str, bytes: &[u8], e: &std::str::Utf8Error) -> Diagnostic {
    let at = e.valid_up_to();
    let text = String::from_utf8_lossy(bytes);
    let loc = match Locator::scan(&text) {
        Ok(l) | Err((l, _)) => l,
    };
    let bad: Vec<String> = bytes[at..]
        .iter()
        .take(e.error_len().unwrap_or(bytes.len() - at).clamp(1, 4))
        .map(|b| format!("0x{b:02X}"))
        .collect();
    let what = if e.error_len().is_none() {
        format!("the file ends inside a character (bytes {})", bad.join(" "))
    } else {
        format!("byte {} is not valid UTF-8", bad.join(" "))
    };
    Diagnostic::at(
        Code::R001,
        file,
        &loc,
        Some(Span { start: at, end: at + 1 }),
        format!("the file is not UTF-8 text: {what} (shown as U+FFFD)"),
    )
    .with_help("save the file as UTF-8 (in most editors: Save with encoding, UTF-8), or retype the character here")
}

/// Reads a regular file of at most [`source::MAX_BYTES`], deciding before it opens or reads anything that
/// could block or never end: a FIFO blocks on open, `/dev/zero` never ends, a 4 GiB file would be read whole.
fn read_bounded(path: &Path) -> Result<String, Unread> {
    use std::io::Read;
    let max = source::MAX_BYTES;
    let refused = |m: String| Unread::Refused(m);
    let meta = std::fs::metadata(path).map_err(|e| {
        refused(if e.kind() == std::io::ErrorKind::NotFound {
            "there is no such file or folder".to_owned()
        } else {
            format!("cannot read the file: {e}")
        })
    })?;
    if !meta.is_file() {
        return Err(refused(if meta.is_dir() {
            "this is a folder, not a file".to_owned()
        } else {
            "this is not a regular file (a pipe, a device or a socket); only files are read".to_owned()
        }));
    }
    if meta.len() > max as u64 {
        return Err(refused(format!(
            "the file is {} bytes; files over {max} bytes are refused",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| refused(format!("cannot read the file: {e}")))?;
    if bytes.len() > max {
        return Err(refused(format!(
            "the file grew past {max} bytes while it was read; files over that are refused"
        )));
    }
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..'\u{feff}'.len_utf8());
            }
            Ok(s)
        }
        Err(e) => {
            let u = e.utf8_error();
            Err(Unread::NotUtf8(e.into_bytes(), u))
        }
    }
}

pub fn load_scenario_file(path: &Path, catalog: &Catalog) -> LoadedScenario {
    let file = path.display().to_string();
    match read(path) {
        Ok(src) => load_scenario_str(&src, &file, catalog, path.parent()),
        Err(d) => unread(file, d),
    }
}

/// A file that could not be read: no value, the one diagnostic that says why.
fn unread<T>(file: String, why: Diagnostic) -> Loaded<T> {
    Loaded {
        file,
        value: None,
        diagnostics: vec![why],
        locator: Locator::default(),
    }
}

/// A file of any kind, loaded and checked: what [`load_file`] returns.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per file read, handed on once; a box would only add an allocation"
)]
pub enum LoadedFile {
    Scenario(LoadedScenario),
    Catalog(Loaded<Catalog>),
    Weights(Loaded<Weights>),
    Plays(Loaded<Plays>),
}

impl LoadedFile {
    pub fn kind(&self) -> FileKind {
        match self {
            LoadedFile::Scenario(_) => FileKind::Scenario,
            LoadedFile::Catalog(_) => FileKind::Catalog,
            LoadedFile::Weights(_) => FileKind::Weights,
            LoadedFile::Plays(_) => FileKind::Plays,
        }
    }

    /// Every diagnostic, and the locator that renders them.
    pub fn report(&self) -> (&[Diagnostic], &Locator) {
        match self {
            LoadedFile::Scenario(l) => (&l.diagnostics, &l.locator),
            LoadedFile::Catalog(l) => (&l.diagnostics, &l.locator),
            LoadedFile::Weights(l) => (&l.diagnostics, &l.locator),
            LoadedFile::Plays(l) => (&l.diagnostics, &l.locator),
        }
    }

    /// The scenario, when the file is one.
    pub fn into_scenario(self) -> Option<LoadedScenario> {
        match self {
            LoadedFile::Scenario(l) => Some(l),
            _ => None,
        }
    }
}

/// Reads a file of any kind and loads it as what its first word says it is ([`kind_of`]), with every check a
/// front end needs before using it. A file that cannot be read is reported as a scenario, the kind a folder holds.
pub fn load_file(path: &Path, lib: &super::Library) -> LoadedFile {
    load_any(path, lib, false)
}

/// [`load_file`], with a scenario also held to the intents its author declares: what `rapport check` reports. The
/// calibration plays the scenario through (seconds for a large one in a debug build), so the app does not ask for it.
pub fn load_file_calibrated(path: &Path, lib: &super::Library) -> LoadedFile {
    load_any(path, lib, true)
}

fn load_any(path: &Path, lib: &super::Library, calibrated: bool) -> LoadedFile {
    let file = path.display().to_string();
    let src = match read(path) {
        Ok(s) => s,
        Err(d) => return LoadedFile::Scenario(unread(file, d)),
    };
    match kind_of(&src) {
        FileKind::Catalog => LoadedFile::Catalog(load_catalog_str(&src, &file)),
        FileKind::Weights => LoadedFile::Weights(load_weights_str(&src, &file)),
        FileKind::Plays => LoadedFile::Plays(load_plays_str(&src, &file, path)),
        FileKind::Scenario if calibrated => {
            LoadedFile::Scenario(load_scenario_calibrated(&src, &file, lib, path.parent()))
        }
        FileKind::Scenario => LoadedFile::Scenario(load_scenario_str(&src, &file, &lib.catalog, path.parent())),
    }
}

/// Every file under `dir`, recursively. Unreadable folders are skipped (see [`ron_files_reporting`] for a list of
/// them), and a folder reached again through a symbolic link (a loop) is walked once: each folder is visited by its
/// real path.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    walk(dir, &mut Vec::new())
}

/// [`files_under`], noting each folder that cannot be read with the reason.
fn walk(dir: &Path, unreadable: &mut Vec<(PathBuf, String)>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(real) = std::fs::canonicalize(&d) else { continue };
        if !seen.insert(real) {
            continue;
        }
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) => {
                unreadable.push((d, e.to_string()));
                continue;
            }
        };
        for entry in rd {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    unreadable.push((d.clone(), e.to_string()));
                    continue;
                }
            };
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Expands files and folders into the RON files under them, sorted; play-through scripts are left out.
pub fn ron_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    ron_files_reporting(paths).0
}

/// [`ron_files`], with an R001 for each folder under them that cannot be read (its files would otherwise be left
/// out and the rest reported clean).
pub fn ron_files_reporting(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(walk(p, &mut unreadable).into_iter().filter(|f| is_scenario_name(f)));
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    let diags = unreadable
        .into_iter()
        .map(|(d, e)| {
            Diagnostic::at(
                Code::R001,
                &d.display().to_string(),
                &Locator::default(),
                None,
                format!("cannot read this folder, so its files are not checked: {e}"),
            )
        })
        .collect();
    (out, diags)
}

fn is_scenario_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".ron") && !name.ends_with(".plays.ron")
}
