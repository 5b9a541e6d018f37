//! Exports of stored sessions: JSON (what `rapport report` reads), CSV for spreadsheets and gradebooks,
//! and Markdown and HTML debriefs that stand on their own.
//!
//! Every function here is pure: it takes records and returns text, and the caller writes it where it
//! belongs. The HTML is one self-contained file (inline style and SVG charts, no script, nothing fetched
//! from anywhere), so a student can hand it in or print it as it is.
//!
//! Records keep ids (scenario, stage, ending, technique); the documents show titles where the record has
//! them. [`Names`] supplies the rest from the scenarios and the catalog, when the caller has them at hand.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

use super::{MoveRecord, SessionRecord, SessionSummary, Status};
use crate::engine::format::catalog::Catalog;
use crate::engine::format::scenario::Scenario;
use crate::engine::play::scoring::MoveClass;
use crate::engine::play::session::Event;
use crate::engine::report::debrief::Debrief;

/// The `format` of a JSON export.
pub const FORMAT: &str = "rapport-records";
/// The version of the JSON export this Rapport writes (and the newest it reads).
pub const VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------------------
// JSON

/// A JSON export read back: whose sessions, when exported, and the sessions in full.
#[derive(Debug, Clone)]
pub struct Export {
    /// The student's name or id as given when exporting (may be empty).
    pub student: String,
    /// When the export was made (RFC 3339).
    pub exported: String,
    pub sessions: Vec<SessionRecord>,
}

/// The sessions as a JSON document `{"format": "rapport-records", "version": 1, "student", "exported",
/// "sessions": [...]}`, pretty-printed: what `rapport report` reads back. Each session is written as
/// `{"summary": SessionSummary, "moves": [MoveRecord...], "debrief": Debrief or null}`: the file format is
/// fixed here, independent of how `SessionRecord` derives its JSON (its flattened summary has a `moves`
/// count that clashes with the list of moves).
pub fn json(records: &[SessionRecord], student: &str) -> String {
    json_at(records, student, super::now())
}

/// [`json`] with the export time given (seconds since the Unix epoch).
pub fn json_at(records: &[SessionRecord], student: &str, exported: i64) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        format: &'a str,
        version: u32,
        student: &'a str,
        exported: String,
        sessions: Vec<SessionOut<'a>>,
    }
    let doc = Document {
        format: FORMAT,
        version: VERSION,
        student,
        exported: super::xapi::iso(exported),
        sessions: records
            .iter()
            .map(|r| SessionOut {
                summary: &r.summary,
                moves: &r.moves,
                debrief: r.debrief.as_ref(),
            })
            .collect(),
    };
    // Stored records were read from JSON, so they always write back to it; should one ever not, the file
    // says why rather than being silently empty.
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| {
        serde_json::json!({ "format": FORMAT, "version": VERSION, "error": e.to_string() }).to_string()
    })
}

/// Reads a JSON export back. Another kind of file, or an export from a newer Rapport, is refused with a
/// sentence saying so.
pub fn parse_json(src: &str) -> Result<Export, String> {
    let v: Value = serde_json::from_str(src).map_err(|e| format!("This is not valid JSON ({e})."))?;
    parse_value(v)
}

/// [`parse_json`] on JSON already parsed.
pub fn parse_value(v: Value) -> Result<Export, String> {
    match v.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "This is not a Rapport records export: its format is \"{other}\", not \"{FORMAT}\"."
            ));
        }
        None => {
            return Err(format!(
                "This is not a Rapport records export: it does not say \"format\": \"{FORMAT}\"."
            ));
        }
    }
    let version = v
        .get("version")
        .and_then(Value::as_u64)
        .ok_or("This Rapport records export has no version number, so it cannot be read safely.")?;
    if version == 0 {
        return Err("This Rapport records export has version number 0, which no Rapport writes.".to_owned());
    }
    if version > u64::from(VERSION) {
        return Err(format!(
            "This records export was written by a newer version of Rapport (format version {version}; this \
             one reads up to version {VERSION}). Update Rapport to read it."
        ));
    }
    if let Some(e) = v.get("error").and_then(Value::as_str) {
        return Err(format!(
            "This export is incomplete: Rapport could not write its sessions ({e})."
        ));
    }
    #[derive(Deserialize)]
    struct Document {
        #[serde(default)]
        student: String,
        #[serde(default)]
        exported: String,
        sessions: Vec<SessionIn>,
    }
    let doc: Document =
        serde_json::from_value(v).map_err(|e| format!("The sessions in this export cannot be read ({e})."))?;
    Ok(Export {
        student: doc.student,
        exported: doc.exported,
        sessions: doc
            .sessions
            .into_iter()
            .map(|s| SessionRecord {
                summary: s.summary,
                moves: s.moves,
                debrief: s.debrief,
            })
            .collect(),
    })
}

/// A session as the export writes it.
#[derive(Serialize)]
struct SessionOut<'a> {
    summary: &'a SessionSummary,
    moves: &'a [MoveRecord],
    debrief: Option<&'a Debrief>,
}

/// A session as the export reads it.
#[derive(Deserialize)]
struct SessionIn {
    summary: SessionSummary,
    #[serde(default)]
    moves: Vec<MoveRecord>,
    #[serde(default)]
    debrief: Option<Debrief>,
}

// ---------------------------------------------------------------------------------------------------------
// Names

/// Readable names for the ids a record keeps (stage, ending and technique ids), gathered from scenarios
/// and the catalog. Without them the documents show the ids themselves.
#[derive(Debug, Clone, Default)]
pub struct Names {
    scenarios: HashMap<String, String>,
    stages: HashMap<(String, String), String>,
    endings: HashMap<(String, String), String>,
    techniques: HashMap<String, String>,
}

impl Names {
    pub fn new() -> Names {
        Names::default()
    }

    /// Adds a scenario's title and the titles of its stages and endings.
    pub fn add_scenario(&mut self, sc: &Scenario) -> &mut Names {
        if !sc.meta.title.is_empty() {
            self.scenarios.insert(sc.id.clone(), sc.meta.title.clone());
        }
        for st in sc.stages.iter().filter(|s| !s.title.is_empty()) {
            self.stages.insert((sc.id.clone(), st.id.clone()), st.title.clone());
        }
        for e in sc.endings.iter().filter(|e| !e.title.is_empty()) {
            self.endings.insert((sc.id.clone(), e.id.clone()), e.title.clone());
        }
        self
    }

    /// Adds the techniques' names.
    pub fn add_catalog(&mut self, catalog: &Catalog) -> &mut Names {
        for t in &catalog.techniques {
            self.techniques.insert(t.id.clone(), t.name.clone());
        }
        self
    }

    pub fn scenario<'a>(&'a self, scenario: &str) -> Option<&'a str> {
        self.scenarios.get(scenario).map(String::as_str)
    }

    /// A stage's title, or its id when it has none.
    pub fn stage<'a>(&'a self, scenario: &str, stage: &'a str) -> &'a str {
        self.stages
            .get(&(scenario.to_owned(), stage.to_owned()))
            .map_or(stage, String::as_str)
    }

    /// An ending's title, if known.
    pub fn ending<'a>(&'a self, scenario: &str, ending: &str) -> Option<&'a str> {
        self.endings
            .get(&(scenario.to_owned(), ending.to_owned()))
            .map(String::as_str)
    }

    /// A technique's name, or its id when it is not in the catalog.
    pub fn technique<'a>(&'a self, id: &'a str) -> &'a str {
        self.techniques.get(id).map_or(id, String::as_str)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Small shared pieces (also used by the class report)

/// Every move class, best first.
pub(crate) const CLASSES: [MoveClass; 5] = [
    MoveClass::Best,
    MoveClass::Good,
    MoveClass::Questionable,
    MoveClass::Poor,
    MoveClass::CriticalMiss,
];

/// The class whose label is `label` (as xAPI statements and CSV files write it).
pub(crate) fn class_of_label(label: &str) -> Option<MoveClass> {
    CLASSES
        .into_iter()
        .find(|c| c.label().eq_ignore_ascii_case(label.trim()))
}

/// The colour a class is drawn in: green for sound moves, amber and orange for weak ones, red for a
/// critical miss (dark enough to print and to read as text on white).
pub(crate) fn class_colour(c: MoveClass) -> &'static str {
    match c {
        MoveClass::Best => "#1b7a3a",
        MoveClass::Good => "#5a9a3c",
        MoveClass::Questionable => "#b8860b",
        MoveClass::Poor => "#d2601a",
        MoveClass::CriticalMiss => "#c62828",
    }
}

/// A class as a student reads it: "best (!!)".
pub(crate) fn class_text(c: MoveClass) -> String {
    format!("{} ({})", c.label(), c.symbol())
}

/// A number with `places` decimals and a `.` point, never "-0.0"; empty for a value that is not a number.
pub(crate) fn dec(x: f32, places: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{:.places$}", f64::from(x));
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => s,
    }
}

fn opt_dec(x: Option<f32>, places: usize) -> String {
    x.map_or_else(String::new, |x| dec(x, places))
}

/// A percentage with no decimals: "82%".
pub(crate) fn pct(x: f32) -> String {
    format!("{}%", dec(x, 0))
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, which every spreadsheet reads as a date and time.
pub(crate) fn utc(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM` in UTC: when a session was played, as the history lists show it.
pub fn utc_minute(t: i64) -> String {
    let mut s = utc(t);
    s.truncate(16);
    s
}

/// A date as people write it: "30 November 2026, 09:47 UTC".
pub(crate) fn human_time(t: i64) -> String {
    let fmt = time::macros::format_description!("[day padding:none] [month repr:long] [year], [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_default()
}

/// Text with its first letter in capitals.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Text made safe for HTML, in element content and in quoted attributes alike.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text made safe for Markdown: the characters that would start emphasis, code, links, HTML or a table
/// cell are escaped, and line breaks become spaces (a table row is one line).
pub(crate) fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// An id as Markdown code (no backticks inside; `|` escaped, as GitHub tables need even in code).
fn md_code(s: &str) -> String {
    format!(
        "`{}`",
        s.replace('`', "'").replace('|', "\\|").replace(['\r', '\n'], " ")
    )
}

/// A text field for a spreadsheet: one that starts like a formula (`=`, `+`, `-`, `@`) gets a leading
/// apostrophe, so a name or title from a scenario file can never run as a formula.
pub(crate) fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Rows as RFC 4180 CSV: comma-separated, CRLF line ends, quoted where needed, UTF-8 without a BOM.
pub(crate) fn write_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The page around a document: the style, and a policy that lets the browser fetch nothing at all.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

const STYLE: &str = r#"body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d1d1f; background: #fff; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; }
h2 { font-size: 1.45rem; margin-top: 2.5rem; border-bottom: 2px solid #d0d0d0; padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
p.meta { color: #555; margin-top: 0; }
p.note { background: #f4f4f4; border-left: 4px solid #888; padding: .5rem .8rem; }
.result { background: #f6f8fa; border: 1px solid #d8dee4; padding: .6rem 1rem; }
.result .headline { font-size: 1.25rem; margin: .2rem 0 .4rem; }
.critical { background: #fdecea; border-left: 5px solid #c62828; padding: .4rem 1rem; color: #7f1d1d; }
.critical h3 { color: #c62828; margin-top: .4rem; }
.lesson .better { color: #1b5e20; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border: 1px solid #c8c8c8; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #eef0f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cls { font-weight: 600; white-space: nowrap; }
.cls-best { color: #1b7a3a; } .cls-good { color: #3f7a26; } .cls-questionable { color: #8a6508; }
.cls-poor { color: #b04e12; } .cls-critical { color: #c62828; }
code { font-size: .88em; color: #555; }
figure { margin: 1rem 0; }
figcaption { font-size: .9rem; color: #444; }
svg { max-width: 100%; height: auto; display: block; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.pair > figure { flex: 1 1 26rem; margin: 0; }
.pair > table { flex: 1 1 18rem; width: auto; }
.key span { display: inline-block; margin-right: 1rem; font-size: .88rem; }
.key i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
section.session + section.session { border-top: 3px double #bbb; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section.session + section.session { break-before: page; border-top: none; }
  .critical, .result, thead th, svg, .key i { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr, figure, .critical, .result { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
}
"#;

/// The key to the class colours, as HTML.
pub(crate) fn class_key() -> String {
    let items: String = CLASSES
        .iter()
        .map(|c| {
            format!(
                "<span><i style=\"background:{}\"></i>{}</span>",
                class_colour(*c),
                esc(&class_text(*c))
            )
        })
        .collect();
    format!("<p class=\"key\">{items}</p>\n")
}

/// A class in a sentence: "a poor move".
fn class_phrase(c: MoveClass) -> &'static str {
    match c {
        MoveClass::Best => "the best move",
        MoveClass::Good => "a good move",
        MoveClass::Questionable => "a questionable move",
        MoveClass::Poor => "a poor move",
        MoveClass::CriticalMiss => "a critical miss",
    }
}

/// The CSS class of a move class's text.
fn class_css(c: MoveClass) -> &'static str {
    match c {
        MoveClass::Best => "cls cls-best",
        MoveClass::Good => "cls cls-good",
        MoveClass::Questionable => "cls cls-questionable",
        MoveClass::Poor => "cls cls-poor",
        MoveClass::CriticalMiss => "cls cls-critical",
    }
}

/// Shortens a label for a chart axis (the table beside the chart has it in full).
pub(crate) fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// One line of a line chart.
pub(crate) struct Series {
    pub label: String,
    pub colour: &'static str,
    pub dashed: bool,
    pub points: Vec<f32>,
}

/// A line chart of values from 0 to 1 over `x_labels` points, as inline SVG.
pub(crate) fn line_chart(description: &str, series: &[Series], x_labels: &[String]) -> String {
    let n = series.iter().map(|s| s.points.len()).max().unwrap_or(0).max(2);
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 44.0, 12.0, 12.0, 40.0);
    let legend_h = if series.len() > 1 {
        20.0 * series.len() as f32
    } else {
        0.0
    };
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    // The first and last points sit inside the frame, so their labels are not cut off.
    let inset = 16.0;
    let x = |i: usize| left + inset + (plot_w - 2.0 * inset) * i as f32 / (n - 1) as f32;
    let y = |v: f32| top + plot_h * (1.0 - v.clamp(0.0, 1.0));
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\" aria-label=\"{}\" font-size=\"12\" font-family=\"system-ui, sans-serif\">\n",
        h + legend_h,
        h + legend_h,
        esc(description)
    );
    for g in [0.0, 0.25, 0.5, 0.75, 1.0] {
        out.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#d9d9d9\" stroke-width=\"1\"/>\
             <text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\" fill=\"#555\">{4}</text>\n",
            y(g),
            w - right,
            left - 6.0,
            y(g) + 4.0,
            dec(g, 2)
        ));
    }
    // Label every point when they are few, else about ten of them.
    let every = n.div_ceil(12).max(1);
    for (i, l) in x_labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n",
            x(i),
            h - bottom + 16.0,
            esc(l)
        ));
    }
    out.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text>\n",
        left + plot_w / 2.0,
        h - 6.0,
        "start, then after each move"
    ));
    for s in series {
        if s.points.is_empty() {
            continue;
        }
        let pts: Vec<String> = s
            .points
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        out.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n",
            pts.join(" "),
            s.colour,
            if s.dashed { 2 } else { 3 },
            if s.dashed { " stroke-dasharray=\"6 4\"" } else { "" }
        ));
        if !s.dashed {
            for (i, v) in s.points.iter().enumerate() {
                out.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"><title>{}: {}</title></circle>\n",
                    x(i),
                    y(*v),
                    s.colour,
                    esc(x_labels.get(i).map_or("", String::as_str)),
                    dec(*v, 2)
                ));
            }
        }
    }
    if series.len() > 1 {
        for (k, s) in series.iter().enumerate() {
            let ly = h + 14.0 + 20.0 * k as f32;
            out.push_str(&format!(
                "<line x1=\"{left}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"3\"{}/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>\n",
                left + 28.0,
                s.colour,
                if s.dashed { " stroke-dasharray=\"6 4\"" } else { "" },
                left + 36.0,
                ly + 4.0,
                esc(&s.label)
            ));
        }
    }
    out.push_str("</svg>\n");
    out
}

/// A vertical bar chart (one column per value, `max` at the top, four gridlines), as inline SVG. For counts,
/// give a `max` divisible by 4 so the gridlines fall on whole numbers.
pub(crate) fn column_chart(description: &str, bars: &[(String, f32, &'static str)], max: f32, unit: &str) -> String {
    let n = bars.len().max(1);
    let (w, h, left, right, top, bottom) = (640.0, 220.0, 44.0, 12.0, 18.0, 40.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = if max > 0.0 { max } else { 1.0 };
    let slot = plot_w / n as f32;
    let bar_w = (slot * 0.7).min(48.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\" font-size=\"12\" font-family=\"system-ui, sans-serif\">\n",
        esc(description)
    );
    for k in 0..=4 {
        let v = max * k as f32 / 4.0;
        let gy = top + plot_h * (1.0 - k as f32 / 4.0);
        out.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{gy:.1}\" x2=\"{}\" y2=\"{gy:.1}\" stroke=\"#d9d9d9\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{}{unit}</text>\n",
            w - right,
            left - 6.0,
            gy + 4.0,
            dec(v, 0)
        ));
    }
    let every = n.div_ceil(16).max(1);
    for (i, (label, v, colour)) in bars.iter().enumerate() {
        let bh = plot_h * (v / max).clamp(0.0, 1.0);
        let cx = left + slot * (i as f32 + 0.5);
        out.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"><title>{}: {}{unit}</title></rect>\n",
            cx - bar_w / 2.0,
            top + plot_h - bh,
            esc(label),
            dec(*v, 0)
        ));
        if i % every == 0 {
            out.push_str(&format!(
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n",
                h - bottom + 16.0,
                esc(&short(label, 10))
            ));
        }
    }
    out.push_str("</svg>\n");
    out
}

/// A horizontal bar chart of shares (0..1), one labelled bar per row, as inline SVG.
pub(crate) fn bar_chart(description: &str, bars: &[(String, f32, &'static str)]) -> String {
    let row = 24.0;
    let (w, label_w, right) = (640.0, 250.0, 56.0);
    let h = row * bars.len().max(1) as f32 + 8.0;
    let plot_w = w - label_w - right;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\" font-size=\"12\" font-family=\"system-ui, sans-serif\">\n",
        esc(description)
    );
    for (i, (label, share, colour)) in bars.iter().enumerate() {
        let top = 4.0 + row * i as f32;
        let bw = plot_w * share.clamp(0.0, 1.0);
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>\n",
            label_w - 8.0,
            top + row / 2.0 + 4.0,
            esc(&short(label, 30)),
            top + 3.0,
            row - 6.0,
            esc(label),
            pct(share * 100.0),
            label_w + bw + 6.0,
            top + row / 2.0 + 4.0,
            pct(share * 100.0)
        ));
    }
    out.push_str("</svg>\n");
    out
}

// ---------------------------------------------------------------------------------------------------------
// CSV

/// The columns of [`csv_sessions`].
pub const SESSION_COLUMNS: [&str; 17] = [
    "student",
    "session",
    "scenario",
    "title",
    "started",
    "finished",
    "status",
    "moves",
    "ending",
    "outcome",
    "accuracy",
    "verdict",
    "critical_misses",
    "mean_fit",
    "mean_common_factors",
    "final_alliance",
    "source",
];

/// One row per session, with a header row, for a spreadsheet or a gradebook import (Moodle maps `student`
/// to the username, ID number or e-mail, and takes `accuracy`, 0 to 100, as a grade). Times are UTC,
/// `YYYY-MM-DD HH:MM:SS`; `finished` is empty until the session has ended; `accuracy` has one decimal and
/// is empty when there is none (a session not finished, a result from version 0.1); `ending` is the
/// ending's title where the record has it, else its id. The last column, `source`, says where the session
/// was played (`app`, `cli`, or `import` for a result brought over from version 0.1).
pub fn csv_sessions(records: &[SessionRecord], student: &str) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let s = &r.summary;
            let finished = s.status == Status::Finished;
            let ending = r
                .debrief
                .as_ref()
                .map(|d| d.ending_title.clone())
                .filter(|t| !t.is_empty())
                .or_else(|| s.ending.clone())
                .unwrap_or_default();
            // A session still going has no summary count yet: its moves say what is known.
            let critical = if finished {
                s.critical_misses
            } else {
                r.moves
                    .iter()
                    .filter(|m| m.outcome.as_ref().is_some_and(|o| o.critical.is_some()))
                    .count()
            };
            vec![
                cell(student),
                s.id.clone(),
                cell(&s.scenario),
                cell(&s.title),
                utc(s.started),
                if finished { utc(s.updated) } else { String::new() },
                cell(s.status.label()),
                s.move_count.to_string(),
                cell(&ending),
                cell(s.outcome.as_deref().unwrap_or_default()),
                opt_dec(s.accuracy, 1),
                cell(s.verdict.as_deref().unwrap_or_default()),
                critical.to_string(),
                opt_dec(s.mean_fit, 3),
                opt_dec(s.mean_common_factors, 3),
                opt_dec(s.final_alliance, 3),
                cell(&s.source),
            ]
        })
        .collect();
    write_csv(&SESSION_COLUMNS, &rows)
}

/// The columns of [`csv_moves`].
pub const MOVE_COLUMNS: [&str; 20] = [
    "student",
    "session",
    "scenario",
    "step",
    "stage",
    "option",
    "technique",
    "school",
    "addressed_to",
    "class",
    "accuracy",
    "fit",
    "fit_band",
    "alliance_before",
    "alliance_after",
    "common_factors",
    "critical_miss",
    "rupture_opened",
    "repaired",
    "at",
];

/// One row per move, with a header row. `option` is the choice as the session replays it (`option` or
/// `option@person`); `technique` its name; `addressed_to` the people it was turned to, `;`-joined;
/// alliances are means of goal, task and bond (0 to 1, three decimals); `critical_miss` names the marker
/// left unanswered; `rupture_opened` the kind of rupture the move opened; `repaired` is `true` or `false`
/// when the move tried a repair, else empty. A result brought over from version 0.1 kept only its options:
/// the other columns are empty. `at` is when the move was made (UTC).
pub fn csv_moves(records: &[SessionRecord], student: &str) -> String {
    let mut rows = Vec::new();
    for r in records {
        let s = &r.summary;
        for m in &r.moves {
            let mut row = vec![cell(student), s.id.clone(), cell(&s.scenario), m.step.to_string()];
            match &m.outcome {
                Some(o) => {
                    let opened: Vec<&str> = m
                        .events
                        .iter()
                        .filter_map(|e| match e {
                            Event::RuptureOpened { kind, .. } => Some(kind.label()),
                            _ => None,
                        })
                        .collect();
                    let repaired = if m.events.iter().any(|e| matches!(e, Event::RuptureRepaired { .. })) {
                        "true"
                    } else if m.events.iter().any(|e| matches!(e, Event::RepairFailed { .. })) {
                        "false"
                    } else {
                        ""
                    };
                    row.extend([
                        cell(&o.stage),
                        cell(&m.choice),
                        cell(&o.technique_name),
                        cell(o.school.label()),
                        cell(&o.to.join(";")),
                        cell(o.class.label()),
                        dec(o.accuracy, 1),
                        dec(o.evaluation.fit.total, 3),
                        cell(o.evaluation.fit.band.label()),
                        dec(o.alliance_before.mean(), 3),
                        dec(o.alliance_after.mean(), 3),
                        dec(o.evaluation.common_factors.total, 3),
                        cell(o.critical.map_or("", |c| c.label())),
                        cell(&opened.join(";")),
                        repaired.to_owned(),
                    ]);
                }
                None => {
                    row.push(String::new());
                    row.push(cell(&m.choice));
                    row.extend(std::iter::repeat_n(String::new(), 13));
                }
            }
            row.push(utc(m.at));
            rows.push(row);
        }
    }
    write_csv(&MOVE_COLUMNS, &rows)
}

// ---------------------------------------------------------------------------------------------------------
// The debrief as a document

/// One row of the move table.
struct MoveRow {
    step: usize,
    stage: String,
    technique: String,
    option: String,
    to: String,
    class: Option<MoveClass>,
    accuracy: Option<f32>,
    fit: Option<(f32, &'static str)>,
    alliance_after: Option<f32>,
}

/// A lesson for next time, in words.
struct LessonView {
    head: String,
    chose: String,
    better: String,
}

/// Everything a debrief document says, as plain text; the Markdown and HTML writers only lay it out.
struct View {
    title: String,
    when: String,
    /// Why there is no full debrief (a session that ended early, a result from an older version).
    note: Option<String>,
    verdict: Option<String>,
    accuracy: Option<String>,
    explain: Vec<String>,
    classes: Option<String>,
    critical: Vec<String>,
    next_time: Vec<LessonView>,
    room_lesson: Option<String>,
    ending_title: Option<String>,
    ending_outcome: Option<String>,
    ending_text: Vec<String>,
    course: Vec<String>,
    missed: Vec<String>,
    people: Vec<[String; 6]>,
    split: Vec<String>,
    moves: Vec<MoveRow>,
    trajectory: Vec<f32>,
    people_lines: Vec<(String, Vec<f32>)>,
}

const ACCURACY_MEANS: &str =
    "Accuracy is the mean of your moves' accuracy, where the best move open at each stage counts 100%.";
const BANDS: &str = "The verdict is excellent from 90%, good from 75% and mixed from 50%; a critical miss makes a session unsafe whatever its accuracy.";

fn view(rec: &SessionRecord, names: &Names) -> View {
    let s = &rec.summary;
    let sc = s.scenario.as_str();
    let d: Option<&Debrief> = rec.debrief.as_ref();
    let title = if s.title.is_empty() || s.title == s.scenario {
        names.scenario(sc).unwrap_or(&s.title).to_owned()
    } else {
        s.title.clone()
    };
    let moves_made = rec.moves.len();
    let mut when = format!("Played on {}", human_time(s.started));
    if s.status == Status::Finished && s.updated > s.started {
        when.push_str(&format!(", finished {}", human_time(s.updated)));
    }
    when.push_str(&format!(
        " · {moves_made} move{}",
        if moves_made == 1 { "" } else { "s" }
    ));
    let imported = s.source == "import";
    let note = match (s.status, d) {
        (Status::Playing, _) => Some(format!(
            "This session ended early: it stopped after {moves_made} move{} without reaching an ending (it can \
             still be resumed in Rapport), so there is no verdict or debrief for it. The moves made so far are below.",
            if moves_made == 1 { "" } else { "s" }
        )),
        (Status::Abandoned, _) => Some(format!(
            "This session ended early: it was left after {moves_made} move{} before reaching an ending, so there \
             is no verdict or debrief for it. The moves made are below.",
            if moves_made == 1 { "" } else { "s" }
        )),
        (Status::Finished, None) if imported => Some(
            "This result was brought over from an earlier version of Rapport, which kept the ending and the \
             options chosen but not how each move was judged, so there is no verdict or full debrief for it."
                .to_owned(),
        ),
        (Status::Finished, None) => Some("This session has no debrief stored with it.".to_owned()),
        (Status::Finished, Some(_)) => None,
    };

    let people_names: HashMap<&str, &str> = d
        .and_then(|d| d.room.as_ref())
        .map(|r| r.people.iter().map(|p| (p.id.as_str(), p.name.as_str())).collect())
        .unwrap_or_default();
    let moves: Vec<MoveRow> = rec
        .moves
        .iter()
        .map(|m| match &m.outcome {
            Some(o) => MoveRow {
                step: m.step,
                stage: names.stage(sc, &o.stage).to_owned(),
                technique: o.technique_name.clone(),
                option: m.choice.clone(),
                to: if people_names.is_empty() || o.to.is_empty() {
                    String::new()
                } else {
                    let who: Vec<&str> =
                        o.to.iter()
                            .map(|id| people_names.get(id.as_str()).copied().unwrap_or(id.as_str()))
                            .collect();
                    format!("to {}", who.join(" and "))
                },
                class: Some(o.class),
                accuracy: Some(o.accuracy),
                fit: Some((o.evaluation.fit.total, o.evaluation.fit.band.label())),
                alliance_after: Some(o.alliance_after.mean()),
            },
            None => MoveRow {
                step: m.step,
                stage: String::new(),
                technique: String::new(),
                option: m.choice.clone(),
                to: String::new(),
                class: None,
                accuracy: None,
                fit: None,
                alliance_after: None,
            },
        })
        .collect();

    // The critical misses come first; a session that ended early still shows those its moves made.
    let critical: Vec<String> = match d {
        Some(d) => d
            .practice
            .critical
            .iter()
            .map(|c| {
                // An item about the session as a whole (a required step never taken) names the ending.
                let at_move = rec
                    .moves
                    .iter()
                    .any(|m| m.step == c.step && m.outcome.as_ref().is_some_and(|o| o.stage == c.stage));
                let what = capitalise(c.what.trim_end_matches('.'));
                if at_move || c.stage.is_empty() {
                    format!("Step {} ({}): {what}.", c.step, names.stage(sc, &c.stage))
                } else {
                    format!("At the end ({}): {what}.", c.stage)
                }
            })
            .collect(),
        None => rec
            .moves
            .iter()
            .filter_map(|m| {
                let o = m.outcome.as_ref()?;
                let marker = o.critical?;
                Some(format!(
                    "Step {} ({}): {} {} marker was present and {} left it unanswered.",
                    m.step,
                    names.stage(sc, &o.stage),
                    capitalise(crate::engine::play::scoring::article(marker.label())),
                    marker.label(),
                    o.technique_name
                ))
            })
            .collect(),
    };

    let mut v = View {
        title,
        when,
        note,
        verdict: None,
        accuracy: None,
        explain: Vec::new(),
        classes: None,
        critical,
        next_time: Vec::new(),
        room_lesson: None,
        ending_title: None,
        ending_outcome: None,
        ending_text: Vec::new(),
        course: Vec::new(),
        missed: Vec::new(),
        people: Vec::new(),
        split: Vec::new(),
        moves,
        trajectory: Vec::new(),
        people_lines: Vec::new(),
    };

    let Some(d) = d else {
        // What the summary knows of a session without a debrief.
        if s.status == Status::Finished {
            v.ending_title = s.ending.as_deref().map(|e| names.ending(sc, e).unwrap_or(e).to_owned());
            v.ending_outcome = s.outcome.clone();
            if let Some(a) = s.final_alliance {
                v.course.push(format!(
                    "The working alliance ended at {} (on a scale of 0 to 1).",
                    dec(a, 2)
                ));
            }
        }
        let mut traj: Vec<f32> = Vec::new();
        for o in rec.moves.iter().filter_map(|m| m.outcome.as_ref()) {
            if traj.is_empty() {
                traj.push(o.alliance_before.mean());
            }
            traj.push(o.alliance_after.mean());
        }
        v.trajectory = traj;
        return v;
    };

    let p = &d.practice;
    v.verdict = Some(capitalise(p.verdict.label()));
    v.accuracy = Some(pct(p.accuracy));
    v.explain.push(ACCURACY_MEANS.to_owned());
    v.explain.push(format!("{}.", capitalise(p.verdict.explain())));
    v.explain.push(BANDS.to_owned());
    if !p.classes.is_empty() {
        let parts: Vec<String> = p
            .classes
            .iter()
            .map(|(c, n)| format!("{n} {}", class_text(*c)))
            .collect();
        v.classes = Some(format!("Your moves: {}.", parts.join(", ")));
    }
    v.next_time = d
        .next_time
        .iter()
        .map(|l| LessonView {
            head: format!("Step {} ({})", l.step, l.stage),
            chose: format!(
                "You chose {}, {} ({}).",
                l.chose,
                class_phrase(l.class),
                l.class.symbol()
            ),
            better: if l.better.is_empty() {
                "None of the other moves open at that point was clearly better; look again at what the client \
                 was showing just then."
                    .to_owned()
            } else if l.reason.is_empty() {
                format!("A better move here: {}.", l.better)
            } else {
                format!(
                    "A better move here: {}, because {}.",
                    l.better,
                    l.reason.trim_end_matches('.')
                )
            },
        })
        .collect();
    v.room_lesson = d.room.as_ref().and_then(|r| r.lesson.clone());

    let ending = d.ending.as_deref().map(|e| names.ending(sc, e).unwrap_or(e).to_owned());
    v.ending_title = Some(d.ending_title.clone()).filter(|t| !t.is_empty()).or(ending);
    v.ending_outcome = d
        .client
        .outcome
        .map(|o| o.label().to_owned())
        .or_else(|| s.outcome.clone());
    v.ending_text = d
        .ending_text
        .split("\n\n")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();

    let c = &d.client;
    v.course.push(format!(
        "The working alliance went from {} at the start to {} at the end (on a scale of 0 to 1: the mean of \
         agreement on goals, agreement on tasks, and the bond).",
        dec(c.start_alliance.mean(), 2),
        dec(c.final_alliance.mean(), 2)
    ));
    v.course.push(match (c.ruptures_opened, c.ruptures_repaired) {
        (0, _) => "No rupture in the alliance opened.".to_owned(),
        (1, 0) => "1 rupture in the alliance opened, and it was not repaired.".to_owned(),
        (1, _) => "1 rupture in the alliance opened, and it was repaired.".to_owned(),
        (o, 0) => format!("{o} ruptures in the alliance opened, and none was repaired."),
        (o, r) => format!(
            "{o} ruptures in the alliance opened, and {r} {} repaired.",
            if r == 1 { "was" } else { "were" }
        ),
    });
    if c.outcome != Some(crate::engine::vocab::Outcome::Dropout) {
        v.course.push(format!(
            "The simulated risk that the client drops out: {}.",
            pct(c.dropout_risk * 100.0)
        ));
    }
    // With several people, one move can leave more than one rupture unrepaired: one line per move.
    let mut missed: Vec<(usize, &str, &str, Vec<&str>)> = Vec::new();
    for m in &d.missed_repairs {
        match missed.last_mut() {
            Some(last) if last.0 == m.step && last.1 == m.stage && last.2 == m.technique => {
                last.3.push(&m.kind);
            }
            _ => missed.push((m.step, &m.stage, &m.technique, vec![&m.kind])),
        }
    }
    v.missed = missed
        .into_iter()
        .map(|(step, stage, technique, kinds)| {
            let t = if technique.is_empty() { "the move" } else { technique };
            let what = match kinds.as_slice() {
                [one] => format!("a {one} rupture was open and {t} did not repair it"),
                many => format!(
                    "{} ruptures were open ({}) and {t} did not repair them",
                    many.len(),
                    many.join(", ")
                ),
            };
            format!("Step {step} ({}): {what}.", names.stage(sc, stage))
        })
        .collect();
    v.trajectory = d.trajectory.iter().map(|(_, a)| a.mean()).collect();

    if let Some(room) = &d.room {
        let first = |v: &[f32]| v.first().copied().unwrap_or(0.0);
        let last = |v: &[f32]| v.last().copied().unwrap_or(0.0);
        v.people = room
            .people
            .iter()
            .map(|p| {
                [
                    p.name.clone(),
                    dec(first(&p.alliance), 2),
                    dec(last(&p.alliance), 2),
                    dec(first(&p.bond), 2),
                    dec(last(&p.bond), 2),
                    p.turned_to.to_string(),
                ]
            })
            .collect();
        v.people_lines = room
            .people
            .iter()
            .map(|p| (p.name.clone(), p.alliance.clone()))
            .collect();
        let (step, widest) = room.widest;
        v.split.push(format!(
            "The split between the people's alliances went from {} at the start to {} at the end; it was widest, \
             {}, {}.",
            dec(first(&room.split), 2),
            dec(last(&room.split), 2),
            dec(widest, 2),
            if step == 0 {
                "at the start".to_owned()
            } else {
                format!("after step {step}")
            }
        ));
        v.split.push(format!(
            "From {} the alliance counts as split, which predicts dropout.",
            dec(room.split_flag, 2)
        ));
    }
    v
}

/// One session's debrief as Markdown, for a student to hand in: the verdict and accuracy, the critical
/// misses first, what to try next time, the ending, the client's course, the people in the room where
/// there are several, and every move.
pub fn markdown(rec: &SessionRecord) -> String {
    markdown_named(rec, &Names::default())
}

/// [`markdown`], with stage, ending and scenario titles from `names` where the record keeps only ids.
pub fn markdown_named(rec: &SessionRecord, names: &Names) -> String {
    let v = view(rec, names);
    let mut out = format!("# {}\n\n{}\n\n", md(&v.title), md(&v.when));
    if let Some(n) = &v.note {
        out.push_str(&format!("> {}\n\n", md(n)));
    }
    if let (Some(verdict), Some(acc)) = (&v.verdict, &v.accuracy) {
        out.push_str(&format!(
            "## Result\n\n**Verdict: {}** · **Accuracy: {}**\n\n",
            md(verdict),
            md(acc)
        ));
        out.push_str(&format!("{}\n\n", md(&v.explain.join(" "))));
        if let Some(c) = &v.classes {
            out.push_str(&format!("{}\n\n", md(c)));
        }
    }
    if !v.critical.is_empty() {
        out.push_str("## Critical misses\n\nThese come before everything else in practice.\n\n");
        for c in &v.critical {
            out.push_str(&format!("- **{}**\n", md(c)));
        }
        out.push('\n');
    }
    if !v.next_time.is_empty() || v.room_lesson.is_some() {
        out.push_str("## What to try next time\n\n");
        for l in &v.next_time {
            out.push_str(&format!("- **{}.** {} {}\n", md(&l.head), md(&l.chose), md(&l.better)));
        }
        if let Some(l) = &v.room_lesson {
            out.push_str(&format!("- **The people in the room.** {}\n", md(l)));
        }
        out.push('\n');
    }
    if v.ending_title.is_some() || v.ending_outcome.is_some() {
        out.push_str("## How the session ended\n\n");
        match (&v.ending_title, &v.ending_outcome) {
            (Some(t), Some(o)) => out.push_str(&format!("**{}** (for the client: {})\n\n", md(t), md(o))),
            (Some(t), None) => out.push_str(&format!("**{}**\n\n", md(t))),
            (None, Some(o)) => out.push_str(&format!("For the client: {}\n\n", md(o))),
            (None, None) => {}
        }
        for p in &v.ending_text {
            out.push_str(&format!("{}\n\n", md(p)));
        }
    }
    if !v.course.is_empty() || !v.trajectory.is_empty() {
        out.push_str("## The client's course\n\n");
        for c in &v.course {
            out.push_str(&format!("{}\n\n", md(c)));
        }
        if !v.trajectory.is_empty() {
            let t: Vec<String> = v.trajectory.iter().map(|a| dec(*a, 2)).collect();
            out.push_str(&format!(
                "Alliance from the start and after each move: {}\n\n",
                t.join(" → ")
            ));
        }
        if !v.missed.is_empty() {
            out.push_str("Ruptures left without a repair:\n\n");
            for m in &v.missed {
                out.push_str(&format!("- {}\n", md(m)));
            }
            out.push('\n');
        }
    }
    if !v.people.is_empty() {
        out.push_str("## The people in the room\n\n");
        out.push_str(
            "| Person | Alliance at the start | Alliance at the end | Bond at the start | Bond at the end | Moves turned to them alone that others heard as taking a side |\n\
             |---|---:|---:|---:|---:|---:|\n",
        );
        for p in &v.people {
            let cells: Vec<String> = p.iter().map(|c| md(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
        for s in &v.split {
            out.push_str(&format!("{}\n\n", md(s)));
        }
    }
    out.push_str("## Your moves\n\n");
    if v.moves.is_empty() {
        out.push_str("No moves were made.\n");
    } else {
        out.push_str(
            "| Step | Stage | Your move | Class | Accuracy | Fit | Alliance after |\n|---:|---|---|---|---:|---:|---:|\n",
        );
        for m in &v.moves {
            let mut mv = if m.technique.is_empty() {
                md_code(&m.option)
            } else {
                format!("{} ({})", md(&m.technique), md_code(&m.option))
            };
            if !m.to.is_empty() {
                mv.push_str(&format!(", {}", md(&m.to)));
            }
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                m.step,
                md(&m.stage),
                mv,
                m.class.map_or_else(String::new, |c| md(&class_text(c))),
                m.accuracy.map_or_else(String::new, pct),
                m.fit
                    .map_or_else(String::new, |(f, band)| format!("{} {}", signed(f), band)),
                m.alliance_after.map_or_else(String::new, |a| dec(a, 2)),
            ));
        }
        out.push_str(
            "\nClasses: best (!!) is the best move open at that moment, good (!) close to it, questionable (?!) and \
             poor (?) lose ground, a critical miss (??) left a risk or dissociation marker unanswered. Fit runs \
             from -1 to +1: how well the move suited this client at that moment.\n",
        );
    }
    out
}

/// A fit with its sign: "+0.45".
fn signed(x: f32) -> String {
    let s = dec(x, 2);
    if s.starts_with('-') || s == "0.00" {
        s
    } else {
        format!("+{s}")
    }
}

/// Sessions' debriefs as one self-contained HTML file (inline style and SVG charts, no script, nothing
/// fetched), readable on screen and on paper.
pub fn html(recs: &[SessionRecord], title: &str) -> String {
    html_named(recs, title, &Names::default())
}

/// [`html`], with stage, ending and scenario titles from `names` where the records keep only ids.
pub fn html_named(recs: &[SessionRecord], title: &str, names: &Names) -> String {
    let mut body = format!("<header>\n<h1>{}</h1>\n", esc(title));
    body.push_str(&format!(
        "<p class=\"meta\">{} session{} · made with Rapport, a training simulator: the client is simulated.</p>\n</header>\n",
        recs.len(),
        if recs.len() == 1 { "" } else { "s" }
    ));
    if recs.is_empty() {
        body.push_str("<p>There are no sessions in this document.</p>\n");
    }
    body.push_str("<main>\n");
    for (i, r) in recs.iter().enumerate() {
        body.push_str(&html_section(r, names, i + 1));
    }
    body.push_str("</main>\n");
    page(title, &body)
}

fn html_section(rec: &SessionRecord, names: &Names, n: usize) -> String {
    let v = view(rec, names);
    let mut out = format!(
        "<section class=\"session\" id=\"session-{n}\">\n<h2>{}</h2>\n<p class=\"meta\">{}</p>\n",
        esc(&v.title),
        esc(&v.when)
    );
    if let Some(note) = &v.note {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", esc(note)));
    }
    if let (Some(verdict), Some(acc)) = (&v.verdict, &v.accuracy) {
        out.push_str(&format!(
            "<div class=\"result\">\n<p class=\"headline\"><strong>Verdict: {}</strong> · <strong>Accuracy: {}</strong></p>\n",
            esc(verdict),
            esc(acc)
        ));
        for e in &v.explain {
            out.push_str(&format!("<p>{}</p>\n", esc(e)));
        }
        if let Some(c) = &v.classes {
            out.push_str(&format!("<p>{}</p>\n", esc(c)));
        }
        out.push_str("</div>\n");
    }
    if !v.critical.is_empty() {
        out.push_str(
            "<div class=\"critical\">\n<h3>Critical misses</h3>\n<p>These come before everything else in practice.</p>\n<ul>\n",
        );
        for c in &v.critical {
            out.push_str(&format!("<li><strong>{}</strong></li>\n", esc(c)));
        }
        out.push_str("</ul>\n</div>\n");
    }
    if !v.next_time.is_empty() || v.room_lesson.is_some() {
        out.push_str("<h3>What to try next time</h3>\n<ul class=\"lesson\">\n");
        for l in &v.next_time {
            out.push_str(&format!(
                "<li><strong>{}.</strong> {} <span class=\"better\">{}</span></li>\n",
                esc(&l.head),
                esc(&l.chose),
                esc(&l.better)
            ));
        }
        if let Some(l) = &v.room_lesson {
            out.push_str(&format!(
                "<li><strong>The people in the room.</strong> {}</li>\n",
                esc(l)
            ));
        }
        out.push_str("</ul>\n");
    }
    if v.ending_title.is_some() || v.ending_outcome.is_some() {
        out.push_str("<h3>How the session ended</h3>\n");
        match (&v.ending_title, &v.ending_outcome) {
            (Some(t), Some(o)) => out.push_str(&format!(
                "<p><strong>{}</strong> (for the client: {})</p>\n",
                esc(t),
                esc(o)
            )),
            (Some(t), None) => out.push_str(&format!("<p><strong>{}</strong></p>\n", esc(t))),
            (None, Some(o)) => out.push_str(&format!("<p>For the client: {}</p>\n", esc(o))),
            (None, None) => {}
        }
        for p in &v.ending_text {
            out.push_str(&format!("<p>{}</p>\n", esc(p)));
        }
    }
    if !v.course.is_empty() || !v.trajectory.is_empty() {
        out.push_str("<h3>The client's course</h3>\n");
        for c in &v.course {
            out.push_str(&format!("<p>{}</p>\n", esc(c)));
        }
        if !v.trajectory.is_empty() {
            let mut series = vec![Series {
                label: if v.people_lines.is_empty() {
                    "Alliance".to_owned()
                } else {
                    "Alliance overall".to_owned()
                },
                colour: "#1f5fa8",
                dashed: false,
                points: v.trajectory.clone(),
            }];
            const PEOPLE: [&str; 4] = ["#7b3fa0", "#0f7f7f", "#a0522d", "#555555"];
            for (i, (name, points)) in v.people_lines.iter().enumerate() {
                series.push(Series {
                    label: name.clone(),
                    colour: PEOPLE[i % PEOPLE.len()],
                    dashed: true,
                    points: points.clone(),
                });
            }
            let labels: Vec<String> = (0..v.trajectory.len())
                .map(|i| if i == 0 { "start".to_owned() } else { i.to_string() })
                .collect();
            let description = format!(
                "The working alliance from the start ({}) to the end ({}), on a scale of 0 to 1",
                dec(v.trajectory.first().copied().unwrap_or(0.0), 2),
                dec(v.trajectory.last().copied().unwrap_or(0.0), 2)
            );
            out.push_str(&format!(
                "<figure>\n{}<figcaption>The working alliance (0 to 1) at the start and after each move{}.</figcaption>\n</figure>\n",
                line_chart(&description, &series, &labels),
                if v.people_lines.is_empty() {
                    ""
                } else {
                    "; dashed lines are each person's own"
                }
            ));
        }
        if !v.missed.is_empty() {
            out.push_str("<h4>Ruptures left without a repair</h4>\n<ul>\n");
            for m in &v.missed {
                out.push_str(&format!("<li>{}</li>\n", esc(m)));
            }
            out.push_str("</ul>\n");
        }
    }
    if !v.people.is_empty() {
        out.push_str(
            "<h3>The people in the room</h3>\n<table>\n<thead><tr><th scope=\"col\">Person</th>\
             <th scope=\"col\" class=\"num\">Alliance at the start</th><th scope=\"col\" class=\"num\">Alliance at the end</th>\
             <th scope=\"col\" class=\"num\">Bond at the start</th><th scope=\"col\" class=\"num\">Bond at the end</th>\
             <th scope=\"col\" class=\"num\">Moves turned to them alone that others heard as taking a side</th></tr></thead>\n<tbody>\n",
        );
        for p in &v.people {
            out.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(&p[0])));
            for c in &p[1..] {
                out.push_str(&format!("<td class=\"num\">{}</td>", esc(c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        for s in &v.split {
            out.push_str(&format!("<p>{}</p>\n", esc(s)));
        }
    }
    out.push_str("<h3>Your moves</h3>\n");
    if v.moves.is_empty() {
        out.push_str("<p>No moves were made.</p>\n");
    } else {
        let bars: Vec<(String, f32, &'static str)> = v
            .moves
            .iter()
            .filter_map(|m| {
                let c = m.class?;
                Some((format!("step {}", m.step), m.accuracy?, class_colour(c)))
            })
            .collect();
        if !bars.is_empty() {
            out.push_str(&format!(
                "<figure>\n{}<figcaption>Each move's accuracy (100% is the best move open at that moment), coloured by class.</figcaption>\n{}</figure>\n",
                column_chart("The accuracy of each move, coloured by its class", &bars, 100.0, "%"),
                class_key()
            ));
        }
        out.push_str(
            "<table>\n<thead><tr><th scope=\"col\" class=\"num\">Step</th><th scope=\"col\">Stage</th>\
             <th scope=\"col\">Your move</th><th scope=\"col\">Class</th><th scope=\"col\" class=\"num\">Accuracy</th>\
             <th scope=\"col\" class=\"num\">Fit</th><th scope=\"col\" class=\"num\">Alliance after</th></tr></thead>\n<tbody>\n",
        );
        for m in &v.moves {
            let mv = if m.technique.is_empty() {
                format!("<code>{}</code>", esc(&m.option))
            } else {
                format!("{} <code>{}</code>", esc(&m.technique), esc(&m.option))
            };
            let to = if m.to.is_empty() {
                String::new()
            } else {
                format!(", {}", esc(&m.to))
            };
            out.push_str(&format!(
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{mv}{to}</td><td>{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                m.step,
                esc(&m.stage),
                m.class.map_or_else(String::new, |c| format!(
                    "<span class=\"{}\">{}</span>",
                    class_css(c),
                    esc(&class_text(c))
                )),
                m.accuracy.map_or_else(String::new, pct),
                m.fit
                    .map_or_else(String::new, |(f, band)| format!("{} {}", signed(f), band)),
                m.alliance_after.map_or_else(String::new, |a| dec(a, 2)),
            ));
        }
        out.push_str(
            "</tbody>\n</table>\n<p class=\"meta\">Best (!!) is the best move open at that moment, good (!) close to it, \
             questionable (?!) and poor (?) lose ground, and a critical miss (??) left a risk or dissociation marker \
             unanswered. Fit runs from -1 to +1: how well the move suited this client at that moment.</p>\n",
        );
    }
    out.push_str("</section>\n");
    out
}

// ---------------------------------------------------------------------------------------------------------
// Test fixture: records made by playing shipped scenarios through the engine

#[cfg(test)]
pub(crate) mod fixture {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use crate::engine::records::{SessionRecord, Store};
    use crate::engine::{Library, Scenario, Session};

    /// How the simulated student picks a move.
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Policy {
        /// The engine's best move.
        Best,
        /// The first option offered.
        First,
        /// A random option, from a seeded generator.
        Random(u64),
    }

    pub(crate) fn library() -> &'static Library {
        static LIB: OnceLock<Library> = OnceLock::new();
        LIB.get_or_init(|| Library::builtin().expect("the built-in library loads"))
    }

    /// A shipped scenario by id (loaded once per test run).
    pub(crate) fn scenario(id: &str) -> Arc<Scenario> {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<Scenario>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let mut cache = cache.lock().expect("the scenario cache is not poisoned");
        cache
            .entry(id.to_owned())
            .or_insert_with(|| {
                crate::engine::shipped::find(&library().catalog, id).expect("the shipped scenario exists")
            })
            .clone()
    }

    /// Plays a shipped scenario to its end.
    pub(crate) fn play(scenario_id: &str, seed: u64, policy: Policy) -> SessionRecord {
        play_partly(scenario_id, seed, policy, None, false)
    }

    /// Plays a shipped scenario, stopping after `stop_after` moves if given (then marked abandoned if
    /// `abandon`), and returns the session as the store gives it back.
    pub(crate) fn play_partly(
        scenario_id: &str,
        seed: u64,
        policy: Policy,
        stop_after: Option<usize>,
        abandon: bool,
    ) -> SessionRecord {
        let lib = library();
        let sc = scenario(scenario_id);
        let mut s = Session::new(lib, sc, seed).expect("the session starts");
        let mut store = Store::in_memory().expect("an in-memory store opens");
        let id = store.begin(&s, "cli").expect("the session is recorded");
        let mut rng = match policy {
            Policy::Random(r) => StdRng::seed_from_u64(r),
            _ => StdRng::seed_from_u64(seed),
        };
        let mut made = 0;
        while s.ended().is_none() && stop_after.is_none_or(|n| made < n) {
            let open: Vec<String> = s.available().iter().map(|o| o.id.clone()).collect();
            if open.is_empty() {
                break;
            }
            let choice = match policy {
                Policy::Best => s.best_move().unwrap_or_else(|| open[0].clone()),
                Policy::First => open[0].clone(),
                Policy::Random(_) => open[rng.random_range(0..open.len())].clone(),
            };
            let events = s.choose(&choice).expect("an offered option can be chosen");
            store.record(&id, &s, &events, None).expect("the move is recorded");
            made += 1;
        }
        if s.ended().is_none() && abandon {
            store.abandon(&id).expect("the session is marked left");
        }
        store.session(&id).expect("the session reads back")
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{Policy, play, play_partly};
    use super::*;

    fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = r.headers().expect("a header row").iter().map(str::to_owned).collect();
        let rows = r
            .records()
            .map(|x| x.expect("a well-formed row").iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    }

    fn col(header: &[String], name: &str) -> usize {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    #[test]
    fn json_round_trips_into_equal_sessions() {
        let recs = vec![
            play("tutorial", 1, Policy::Best),
            play("tutorial", 2, Policy::Random(7)),
            play_partly("tutorial", 3, Policy::First, Some(2), true),
        ];
        let text = json(&recs, "Ana Pérez, group \"B\"");
        let back = parse_json(&text).expect("the export reads back");
        assert_eq!(back.student, "Ana Pérez, group \"B\"");
        assert!(time::OffsetDateTime::parse(&back.exported, &time::format_description::well_known::Rfc3339).is_ok());
        assert_eq!(back.sessions.len(), recs.len());
        for (a, b) in recs.iter().zip(&back.sessions) {
            assert_eq!(a.summary, b.summary);
            assert_eq!(
                serde_json::to_value(a).expect("serialises"),
                serde_json::to_value(b).expect("serialises"),
                "session {} changed on the way",
                a.summary.id
            );
        }
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["version"], VERSION);
    }

    #[test]
    fn other_files_and_newer_exports_are_refused_with_a_sentence() {
        let e = parse_json("{\"format\": \"something-else\", \"version\": 1, \"sessions\": []}").expect_err("refused");
        assert!(e.contains("not a Rapport records export"), "{e}");
        let e = parse_json("[1, 2]").expect_err("refused");
        assert!(e.contains("not a Rapport records export"), "{e}");
        let e = parse_json("{\"format\": \"rapport-records\", \"version\": 2, \"sessions\": []}").expect_err("refused");
        assert!(e.contains("newer version of Rapport"), "{e}");
        let e = parse_json("{\"format\": \"rapport-records\",").expect_err("refused");
        assert!(e.contains("not valid JSON"), "{e}");
        let ok =
            parse_json("{\"format\": \"rapport-records\", \"version\": 1, \"sessions\": []}").expect("empty reads");
        assert!(ok.sessions.is_empty() && ok.student.is_empty());
    }

    #[test]
    fn csv_sessions_parse_back_with_one_row_per_session() {
        let mut recs = vec![
            play("tutorial", 1, Policy::Best),
            play_partly("tutorial", 4, Policy::First, Some(2), false),
        ];
        recs[0].summary.title = "Lucía, \"first session\", week 1".into();
        let student = "=cmd, \"Jo\" O'Neil";
        let text = csv_sessions(&recs, student);
        assert!(!text.starts_with('\u{feff}'), "no byte-order mark");
        assert!(text.contains("\r\n"), "RFC 4180 line ends");
        let (header, rows) = read_csv(&text);
        assert_eq!(header, SESSION_COLUMNS);
        assert_eq!(rows.len(), 2);
        let get = |r: usize, c: &str| rows[r][col(&header, c)].clone();
        // A formula-like name is defused; commas and quotes survive quoting.
        assert_eq!(get(0, "student"), format!("'{student}"));
        assert_eq!(get(0, "title"), "Lucía, \"first session\", week 1");
        let s = &recs[0].summary;
        assert_eq!(get(0, "session"), s.id);
        assert_eq!(get(0, "scenario"), "tutorial");
        assert_eq!(get(0, "status"), "finished");
        assert_eq!(get(0, "moves"), s.move_count.to_string());
        assert_eq!(get(0, "accuracy"), dec(s.accuracy.expect("finished"), 1));
        assert_eq!(get(0, "verdict"), s.verdict.clone().expect("finished"));
        assert_eq!(get(0, "final_alliance"), dec(s.final_alliance.expect("finished"), 3));
        assert_eq!(get(0, "started").len(), "2026-11-30 09:47:00".len());
        assert!(!get(0, "finished").is_empty());
        assert!(!get(0, "ending").is_empty());
        let acc: f64 = get(0, "accuracy").parse().expect("a plain number");
        assert!((0.0..=100.0).contains(&acc));
        // The session that stopped early has no finish time, ending or accuracy.
        assert_eq!(get(1, "status"), "unfinished");
        assert_eq!(get(1, "moves"), "2");
        for c in ["finished", "ending", "accuracy", "verdict", "final_alliance"] {
            assert_eq!(get(1, c), "", "{c}");
        }
    }

    #[test]
    fn csv_moves_parse_back_with_one_row_per_move() {
        let recs = vec![
            play("tutorial", 1, Policy::Best),
            play("couple_conflict", 5, Policy::Random(3)),
        ];
        let text = csv_moves(&recs, "Sam, \"the\" student");
        let (header, rows) = read_csv(&text);
        assert_eq!(header, MOVE_COLUMNS);
        let total: usize = recs.iter().map(|r| r.moves.len()).sum();
        assert_eq!(rows.len(), total);
        let mut i = 0;
        for r in &recs {
            for m in &r.moves {
                let o = m.outcome.as_ref().expect("played moves keep their outcome");
                let row = &rows[i];
                let get = |c: &str| row[col(&header, c)].as_str();
                assert_eq!(get("student"), "Sam, \"the\" student");
                assert_eq!(get("session"), r.summary.id);
                assert_eq!(get("step"), m.step.to_string());
                assert_eq!(get("stage"), o.stage);
                assert_eq!(get("option"), m.choice);
                assert_eq!(get("technique"), o.technique_name);
                assert_eq!(get("class"), o.class.label());
                assert_eq!(get("accuracy"), dec(o.accuracy, 1));
                assert_eq!(get("fit"), dec(o.evaluation.fit.total, 3));
                assert_eq!(get("alliance_after"), dec(o.alliance_after.mean(), 3));
                assert_eq!(get("addressed_to"), o.to.join(";"));
                assert_eq!(get("critical_miss"), o.critical.map_or("", |c| c.label()));
                assert!(["", "true", "false"].contains(&get("repaired")));
                i += 1;
            }
        }
    }

    #[test]
    fn html_is_self_contained_escaped_and_has_one_svg_per_chart() {
        let mut recs = vec![
            play("tutorial", 1, Policy::Best),
            play("couple_conflict", 2, Policy::Random(11)),
            play_partly("tutorial", 3, Policy::First, Some(2), true),
        ];
        recs[0].summary.title = "<script>alert('x')</script> & \"friends\"".into();
        let doc = html(&recs, "Jo's debriefs <script>alert(1)</script>");
        assert!(doc.starts_with("<!DOCTYPE html>"));
        assert!(doc.contains("<html lang=\"en\">"));
        assert!(doc.contains("<title>Jo&#39;s debriefs &lt;script&gt;alert(1)&lt;/script&gt;</title>"));
        assert!(!doc.to_lowercase().contains("<script"), "no script, and none let in");
        assert!(doc.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;friends&quot;"));
        // Nothing is fetched: the only URL is the SVG namespace.
        let urls = doc.matches("http://").count() + doc.matches("https://").count();
        let xmlns = doc.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert_eq!(urls, xmlns, "only SVG's xmlns names a URL");
        for bad in ["<link", "<img", "<iframe", "url(", "@import", "<object", "<embed"] {
            assert!(!doc.contains(bad), "{bad}");
        }
        // Two charts per session that has moves: the alliance line and the accuracy bars.
        assert_eq!(doc.matches("<svg").count(), 2 * recs.len());
        assert_eq!(doc.matches("</svg>").count(), 2 * recs.len());
        assert!(doc.contains("<polyline"));
        assert!(doc.contains("<th scope=\"col\">Stage</th>"));
        assert!(doc.contains("ended early"));
        // The couple's session shows each person's course.
        let couple = recs[1].debrief.as_ref().expect("finished");
        for p in &couple.room.as_ref().expect("a couple is a room").people {
            assert!(doc.contains(&esc(&p.name)), "{}", p.name);
        }
        assert!(doc.contains("The people in the room"));
    }

    #[test]
    fn html_shows_critical_misses_first_in_red() {
        // Look for a play-through with a critical miss among a few random ones.
        let rec = (0..40)
            .map(|k| play("acute_crisis", k, Policy::Random(k)))
            .find(|r| r.debrief.as_ref().is_some_and(|d| !d.practice.critical.is_empty()))
            .expect("some random play of the crisis scenario misses a critical marker");
        let doc = html(std::slice::from_ref(&rec), "Crisis");
        let critical = doc.find("<div class=\"critical\">").expect("a critical box");
        let next = doc.find("What to try next time").unwrap_or(usize::MAX);
        let moves = doc.find("<h3>Your moves</h3>").expect("the moves");
        assert!(critical < next && critical < moves, "the critical misses come first");
        assert!(doc.contains("Verdict: Unsafe"));
        assert!(doc.contains("#c62828"));
        let md = markdown(&rec);
        assert!(md.find("## Critical misses") < md.find("## Your moves"));
    }

    #[test]
    fn markdown_has_the_verdict_the_lessons_and_escaped_tables() {
        let rec = (0..20)
            .map(|k| play("tutorial", k, Policy::Random(100 + k)))
            .find(|r| r.debrief.as_ref().is_some_and(|d| !d.next_time.is_empty()))
            .expect("some random play has lessons for next time");
        let d = rec.debrief.as_ref().expect("finished");
        let text = markdown(&rec);
        assert!(text.starts_with("# "));
        assert!(text.contains(&format!("**Verdict: {}**", md(&capitalise(d.practice.verdict.label())))));
        assert!(text.contains(&format!("**Accuracy: {}**", pct(d.practice.accuracy))));
        assert!(text.contains(ACCURACY_MEANS));
        assert!(text.contains("## What to try next time"));
        for l in &d.next_time {
            assert!(text.contains(&md(&l.chose)), "{}", l.chose);
            if !l.better.is_empty() {
                assert!(text.contains(&md(&l.better)), "{}", l.better);
            }
        }
        // Every table row has the same number of cells, whatever the text holds.
        let mut rec = rec.clone();
        rec.moves[0].outcome.as_mut().expect("played").technique_name = "a | b".into();
        let text = markdown(&rec);
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
        assert!(rows.iter().any(|r| r.contains("a \\| b")));
        let cells = |r: &str| r.replace("\\|", "").matches('|').count();
        assert!(rows.iter().all(|r| cells(r) == 8), "{rows:#?}");
    }

    #[test]
    fn a_session_without_a_debrief_still_renders_its_moves() {
        let rec = play_partly("tutorial", 9, Policy::Best, Some(3), false);
        assert!(rec.debrief.is_none());
        let text = markdown(&rec);
        assert!(text.contains("ended early"));
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("| ") && !l.starts_with("| Step"))
                .count(),
            3
        );
        let doc = html(std::slice::from_ref(&rec), "Unfinished");
        assert!(doc.contains("ended early"));
        assert_eq!(doc.matches("<svg").count(), 2);
    }

    #[test]
    fn a_result_from_version_0_1_renders_what_is_known() {
        let mut rec = play("tutorial", 12, Policy::Best);
        rec.summary.source = "import".into();
        rec.summary.accuracy = None;
        rec.summary.verdict = None;
        rec.debrief = None;
        for m in &mut rec.moves {
            m.outcome = None;
            m.events.clear();
        }
        let text = markdown(&rec);
        assert!(text.contains("earlier version of Rapport"));
        assert!(text.contains(&md_code(&rec.moves[0].choice)));
        let doc = html(std::slice::from_ref(&rec), "Imported");
        assert_eq!(doc.matches("<svg").count(), 0, "nothing to draw");
        let (header, rows) = read_csv(&csv_moves(std::slice::from_ref(&rec), "ana"));
        assert_eq!(rows.len(), rec.moves.len());
        assert_eq!(rows[0][col(&header, "option")], rec.moves[0].choice);
        assert_eq!(rows[0][col(&header, "technique")], "");
        let (header, rows) = read_csv(&csv_sessions(std::slice::from_ref(&rec), "ana"));
        assert_eq!(rows[0][col(&header, "accuracy")], "");
        assert_eq!(rows[0][col(&header, "source")], "import");
    }

    #[test]
    fn names_put_titles_where_the_record_keeps_ids() {
        let rec = play("acute_crisis", 1, Policy::Best);
        let stage = rec.moves[0].outcome.as_ref().expect("played").stage.clone();
        let sc = super::fixture::scenario("acute_crisis");
        let title = sc
            .stages
            .iter()
            .find(|s| s.id == stage)
            .map(|s| s.title.clone())
            .expect("the stage is in the scenario");
        let mut names = Names::new();
        names.add_scenario(&sc);
        assert!(markdown_named(&rec, &names).contains(&md(&title)));
        assert!(html_named(std::slice::from_ref(&rec), "x", &names).contains(&esc(&title)));
    }

    #[test]
    fn numbers_never_read_as_minus_zero() {
        assert_eq!(dec(-0.0001, 3), "0.000");
        assert_eq!(dec(-0.25, 2), "-0.25");
        assert_eq!(dec(f32::NAN, 1), "");
        assert_eq!(cell("-x"), "'-x");
        assert_eq!(class_of_label("critical miss"), Some(MoveClass::CriticalMiss));
    }
}
