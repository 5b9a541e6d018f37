//! The class report: many students' exports merged into one summary per scenario.
//!
//! `rapport report FOLDER_OR_EXPORTS...` reads every `.json` file under the paths it is given: Rapport
//! records exports ([`super::export::json`]) and xAPI statements as [`super::xapi`] writes them (a plain
//! array, or a Learning Record Store's answer `{"statements": [...]}`). Each session becomes an [`Entry`],
//! a light form both sources can fill; [`summarise`] merges the entries into one summary per scenario, and
//! [`html`] and [`csv()`] lay the summary out for the educator. A file that cannot be read is named in a
//! problem sentence and the rest still counts.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::export::{self, Names, bar_chart, class_colour, class_text, column_chart, dec, esc, pct};
use super::{SessionRecord, Status};
use crate::engine::play::scoring::MoveClass;
use crate::engine::play::session::Event;

/// Files larger than this are skipped (an export of a whole year of sessions is a few MiB).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;

/// One session of one student, as the report needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub student: String,
    /// The session's id (its xAPI registration): the same session found twice is counted once.
    pub session: String,
    pub scenario: String,
    pub title: String,
    pub finished: bool,
    /// The ending's id, and its title where the source has it.
    pub ending: Option<String>,
    pub ending_title: Option<String>,
    pub outcome: Option<String>,
    pub verdict: Option<String>,
    /// Mean move accuracy in percent (finished sessions).
    pub accuracy: Option<f32>,
    pub moves: Vec<EntryMove>,
    /// Known from a records export; xAPI statements do not carry them.
    pub missed_repairs: Option<usize>,
    pub ruptures_opened: Option<u32>,
    pub ruptures_repaired: Option<u32>,
    /// The file it was read from.
    pub file: String,
}

/// One move of an [`Entry`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryMove {
    /// The stage's id.
    pub stage: String,
    /// The choice as the session replays it (`option` or `option@person`).
    pub choice: String,
    /// The technique's id, and its name where the source has it.
    pub technique: String,
    pub technique_name: Option<String>,
    pub class: Option<MoveClass>,
    /// The marker this move left unanswered, if it was a critical miss.
    pub critical: Option<String>,
}

/// A stored session as an entry. Moves brought over from version 0.1 kept no stage and are left out.
pub fn entry(rec: &SessionRecord, student: &str, file: &str) -> Entry {
    let s = &rec.summary;
    let d = rec.debrief.as_ref();
    let events = || rec.moves.iter().flat_map(|m| m.events.iter());
    let known = rec.moves.iter().any(|m| m.outcome.is_some());
    let count = |f: fn(&Event) -> bool| events().filter(|e| f(e)).count();
    Entry {
        student: student.to_owned(),
        session: s.id.clone(),
        scenario: s.scenario.clone(),
        title: s.title.clone(),
        finished: s.status == Status::Finished,
        ending: s.ending.clone(),
        ending_title: d.map(|d| d.ending_title.clone()).filter(|t| !t.is_empty()),
        outcome: s.outcome.clone(),
        verdict: s.verdict.clone(),
        accuracy: s.accuracy,
        moves: rec
            .moves
            .iter()
            .filter_map(|m| {
                let o = m.outcome.as_ref()?;
                Some(EntryMove {
                    stage: o.stage.clone(),
                    choice: m.choice.clone(),
                    technique: o.technique.clone(),
                    technique_name: Some(o.technique_name.clone()).filter(|n| !n.is_empty()),
                    class: Some(o.class),
                    critical: o.critical.map(|c| c.label().to_owned()),
                })
            })
            .collect(),
        missed_repairs: match d {
            Some(d) => Some(d.missed_repairs.len()),
            None if known => Some(count(|e| matches!(e, Event::MissedRepair { .. }))),
            None => None,
        },
        ruptures_opened: match d {
            Some(d) => Some(d.client.ruptures_opened),
            None if known => Some(count(|e| matches!(e, Event::RuptureOpened { .. })) as u32),
            None => None,
        },
        ruptures_repaired: match d {
            Some(d) => Some(d.client.ruptures_repaired),
            None if known => Some(count(|e| matches!(e, Event::RuptureRepaired { .. })) as u32),
            None => None,
        },
        file: file.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Reading files

/// Reads every `.json` file under `paths` (files are read whatever their name; folders are searched
/// recursively, without following linked folders, so a link loop cannot trap the search). Returns the
/// sessions found, each session once, and a sentence for every file that could not be used.
pub fn read(paths: &[PathBuf]) -> (Vec<Entry>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        gather(p, &mut files, &mut problems);
    }
    // The same file named twice (a folder and a file in it) is read once.
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    let mut entries = Vec::new();
    for f in &files {
        match read_file(f) {
            Ok(mut found) => entries.append(&mut found),
            Err(p) => problems.push(p),
        }
    }
    // A session exported twice, or both exported and sent as statements, counts once: the first copy
    // read is kept, and a full export is preferred to statements.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<Entry> = Vec::new();
    let mut repeated = 0;
    for e in entries {
        match by_id.get(&e.session) {
            Some(&i) => {
                repeated += 1;
                if kept[i].missed_repairs.is_none() && e.missed_repairs.is_some() {
                    kept[i] = e;
                }
            }
            None => {
                by_id.insert(e.session.clone(), kept.len());
                kept.push(e);
            }
        }
    }
    if repeated > 0 {
        problems.push(format!(
            "{repeated} session{} appeared in more than one file (or twice in one); each session is counted once.",
            if repeated == 1 { "" } else { "s" }
        ));
    }
    (kept, problems)
}

fn gather(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<String>) {
    // A path named on the command line is followed even if it is a link.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => walk(path, files, problems, 0),
        Ok(_) => files.push(path.to_owned()),
        Err(e) => problems.push(format!("{} cannot be opened: {e}.", path.display())),
    }
}

fn is_json(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        problems.push(format!(
            "{} is nested too deeply; the folders below it were not searched.",
            dir.display()
        ));
        return;
    }
    let list = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            problems.push(format!("The folder {} cannot be read: {e}.", dir.display()));
            return;
        }
    };
    let mut items: Vec<_> = list.filter_map(Result::ok).collect();
    items.sort_by_key(|e| e.file_name());
    for item in items {
        let path = item.path();
        let Ok(kind) = item.file_type() else { continue };
        if kind.is_dir() {
            walk(&path, files, problems, depth + 1);
        } else if kind.is_symlink() {
            // A linked file is read; a linked folder is not followed.
            if is_json(&path) && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                files.push(path);
            }
        } else if kind.is_file() && is_json(&path) {
            files.push(path);
        }
    }
}

/// The sessions in one file, or a sentence saying why there are none.
fn read_file(path: &Path) -> Result<Vec<Entry>, String> {
    let name = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{name} cannot be opened: {e}."))?
        .len();
    if size > MAX_FILE {
        return Err(format!(
            "{name} is larger than 64 MiB ({} MiB) and was skipped.",
            size / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name} cannot be read: {e}."))?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("{name} is not valid JSON ({e}); skipped."))?;
    let entries = entries_of(v, path)?;
    if entries.is_empty() {
        return Err(format!("{name} has no sessions in it."));
    }
    Ok(entries)
}

/// The sessions in a parsed file: a Rapport export, or xAPI statements.
fn entries_of(v: Value, path: &Path) -> Result<Vec<Entry>, String> {
    let name = path.display().to_string();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    if v.get("format").is_some() {
        let ex = export::parse_value(v).map_err(|e| format!("{name}: {e}"))?;
        let student = if ex.student.trim().is_empty() {
            stem
        } else {
            ex.student.trim().to_owned()
        };
        return Ok(ex.sessions.iter().map(|r| entry(r, &student, &name)).collect());
    }
    let statements: Vec<Value> = match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.get("statements").is_some_and(Value::is_array) => match o.remove("statements") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        Value::Object(o) if o.contains_key("actor") && o.contains_key("verb") => vec![Value::Object(o)],
        _ => {
            return Err(format!(
                "{name} is neither a Rapport records export nor a set of xAPI statements; skipped."
            ));
        }
    };
    if statements.is_empty() {
        return Ok(Vec::new());
    }
    let entries = from_statements(&statements, &name);
    if entries.is_empty() {
        return Err(format!(
            "{name} holds no statements from Rapport (xAPI statements of a Rapport scenario with a registration); skipped."
        ));
    }
    Ok(entries)
}

/// Decodes `%XX` escapes (the scenario and stage ids in activity ids).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The scenario id and, for a stage, the stage id in an activity id `{base}/scenarios/{id}[/stages/{id}]`.
fn activity(id: &str) -> Option<(String, Option<String>)> {
    let (_, rest) = id.rsplit_once("/scenarios/")?;
    let (scenario, stage) = match rest.split_once("/stages/") {
        Some((sc, st)) => (sc, Some(percent_decode(st.trim_end_matches('/')))),
        None => (rest.trim_end_matches('/'), None),
    };
    (!scenario.is_empty()).then(|| (percent_decode(scenario), stage))
}

/// A result extension whose key ends in `/{name}` (the base is the institution's own).
fn extension<'a>(st: &'a Value, name: &str) -> Option<&'a Value> {
    let suffix = format!("/{name}");
    st["result"]["extensions"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.ends_with(&suffix))
        .map(|(_, v)| v)
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned).filter(|s| !s.is_empty())
}

/// Who the statement is about: the account name, else the e-mail address, else another identifier.
fn student_of(actor: &Value) -> String {
    let account = actor["account"]["name"].as_str();
    let mbox = actor["mbox"].as_str().map(|m| m.trim_start_matches("mailto:"));
    account
        .or(mbox)
        .or(actor["mbox_sha1sum"].as_str())
        .or(actor["openid"].as_str())
        .or(actor["name"].as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown student")
        .to_owned()
}

/// The first name in a language map, English first.
fn lang_name(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    ["en-US", "en-GB", "en"]
        .iter()
        .find_map(|k| m.get(*k))
        .or_else(|| m.values().next())
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Sessions from xAPI statements (as [`super::xapi::statements`] writes them), grouped by registration.
pub fn from_statements(statements: &[Value], file: &str) -> Vec<Entry> {
    use super::xapi::{ANSWERED, COMPLETED, LAUNCHED, statement_id};
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&Value>> = HashMap::new();
    let mut seen_ids = HashSet::new();
    for st in statements {
        let Some(reg) = st["context"]["registration"].as_str() else {
            continue;
        };
        let verb = st["verb"]["id"].as_str().unwrap_or_default();
        if ![LAUNCHED, ANSWERED, COMPLETED].contains(&verb) {
            continue;
        }
        if st["object"]["id"].as_str().and_then(activity).is_none() {
            continue;
        }
        // The same statement twice (two dumps of one LRS) counts once.
        if let Some(id) = st["id"].as_str()
            && !seen_ids.insert(id.to_owned())
        {
            continue;
        }
        if !groups.contains_key(reg) {
            order.push(reg.to_owned());
        }
        groups.entry(reg.to_owned()).or_default().push(st);
    }
    let mut out = Vec::new();
    for reg in order {
        let group = &groups[&reg];
        // Statement ids are fixed by the registration and the move's step: they give the moves' order
        // whatever order an LRS returns them in.
        let steps: HashMap<String, usize> = (1..=crate::engine::play::session::MAX_STEPS + 50)
            .map(|n| (statement_id(&reg, &format!("answered/{n}")), n))
            .collect();
        let mut e = Entry {
            student: student_of(&group[0]["actor"]),
            session: reg.clone(),
            scenario: String::new(),
            title: String::new(),
            finished: false,
            ending: None,
            ending_title: None,
            outcome: None,
            verdict: None,
            accuracy: None,
            moves: Vec::new(),
            missed_repairs: None,
            ruptures_opened: None,
            ruptures_repaired: None,
            file: file.to_owned(),
        };
        let mut answered: Vec<(usize, String, EntryMove)> = Vec::new();
        for (k, st) in group.iter().enumerate() {
            let Some((scenario, stage)) = st["object"]["id"].as_str().and_then(activity) else {
                continue;
            };
            if e.scenario.is_empty() {
                e.scenario = scenario;
            }
            let verb = st["verb"]["id"].as_str().unwrap_or_default();
            if verb == ANSWERED {
                let Some(stage) = stage else { continue };
                let step = st["id"]
                    .as_str()
                    .and_then(|id| steps.get(id).copied())
                    .unwrap_or(usize::MAX - group.len() + k);
                let time = st["timestamp"].as_str().unwrap_or_default().to_owned();
                answered.push((
                    step,
                    time,
                    EntryMove {
                        stage,
                        choice: text(Some(&st["result"]["response"])).unwrap_or_default(),
                        technique: text(extension(st, "technique")).unwrap_or_default(),
                        technique_name: None,
                        class: extension(st, "class")
                            .and_then(Value::as_str)
                            .and_then(export::class_of_label),
                        critical: text(extension(st, "critical-miss")),
                    },
                ));
            } else {
                if e.title.is_empty()
                    && let Some(t) = lang_name(&st["object"]["definition"]["name"])
                {
                    e.title = t;
                }
                if verb == COMPLETED {
                    e.finished = true;
                    e.accuracy = st["result"]["score"]["raw"].as_f64().map(|x| x as f32);
                    e.ending = text(extension(st, "ending"));
                    e.outcome = text(extension(st, "outcome"));
                    e.verdict = text(extension(st, "verdict"));
                }
            }
        }
        // Moves whose step the id does not give keep their place by time, after the others.
        answered.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        e.moves = answered.into_iter().map(|(_, _, m)| m).collect();
        if e.title.is_empty() {
            e.title = e.scenario.clone();
        }
        if !e.scenario.is_empty() {
            out.push(e);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// The summary

/// The class report: one summary per scenario.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassReport {
    pub scenarios: Vec<ScenarioReport>,
    /// Different students over all scenarios.
    pub students: usize,
    pub sessions: usize,
    /// The files that could not be used, from [`read`] (for the report to show).
    pub problems: Vec<String>,
}

/// One scenario, over every student who played it.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    pub title: String,
    pub students: usize,
    pub sessions: usize,
    pub finished: usize,
    /// Finished sessions over all sessions, 0..1.
    pub finished_share: f32,
    /// Endings reached, most often first.
    pub endings: Vec<EndingCount>,
    /// Verdicts of finished sessions, most often first.
    pub verdicts: Vec<(String, usize)>,
    /// Over finished sessions with an accuracy.
    pub accuracy: Option<AccuracySummary>,
    /// Each stage in the order first seen, with the choices made there.
    pub stages: Vec<StageReport>,
    /// The markers left unanswered (critical misses), by marker and stage, most often first.
    pub unanswered: Vec<MarkerCount>,
    /// Every critical miss: who, where, which marker.
    pub critical: Vec<CriticalMiss>,
    /// Rupture markers left without a repair move, over the sessions where this is known.
    pub missed_repairs: usize,
    pub ruptures_opened: u32,
    pub ruptures_repaired: u32,
    /// How many sessions the three counts above are known for (xAPI statements do not carry them).
    pub repairs_known: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndingCount {
    pub ending: String,
    pub title: String,
    pub count: usize,
}

/// The accuracy of finished sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracySummary {
    pub sessions: usize,
    pub mean: f32,
    pub median: f32,
    pub min: f32,
    pub max: f32,
    /// Sessions per 10-point band: 0-9, 10-19, ..., 90-100.
    pub histogram: [usize; 10],
}

#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub stage: String,
    pub title: String,
    /// Sessions that made a move at this stage.
    pub sessions: usize,
    /// Moves made at this stage (a session can make more than one, with the moves open at every stage).
    pub moves: usize,
    /// The choices made, most often first.
    pub choices: Vec<ChoiceCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceCount {
    pub choice: String,
    /// The technique's name where known, else its id.
    pub technique: String,
    /// The class the choice most often had at this stage.
    pub class: Option<MoveClass>,
    pub count: usize,
    /// Of the moves made at the stage, 0..1.
    pub share: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerCount {
    pub marker: String,
    pub stage: String,
    pub stage_title: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalMiss {
    pub student: String,
    pub session: String,
    pub stage: String,
    pub stage_title: String,
    pub marker: String,
}

fn median(sorted: &[f32]) -> f32 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The accuracy band (0..=9) of a percentage; 100 falls in the top band.
fn band(acc: f32) -> usize {
    ((acc.max(0.0) / 10.0).floor() as usize).min(9)
}

/// Merges the entries into one summary per scenario, scenarios in title order.
pub fn summarise(entries: &[Entry]) -> ClassReport {
    let mut by_scenario: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_scenario.entry(e.scenario.as_str()).or_default().push(e);
    }
    let mut scenarios: Vec<ScenarioReport> = by_scenario
        .into_iter()
        .map(|(id, es)| scenario_report(id, &es))
        .collect();
    scenarios.sort_by(|a, b| {
        a.title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(|| a.scenario.cmp(&b.scenario))
    });
    ClassReport {
        scenarios,
        students: entries.iter().map(|e| e.student.as_str()).collect::<HashSet<_>>().len(),
        sessions: entries.len(),
        problems: Vec::new(),
    }
}

fn scenario_report(id: &str, es: &[&Entry]) -> ScenarioReport {
    // The title most entries give (an xAPI title and an export's agree unless the scenario was renamed).
    let mut titles: HashMap<&str, usize> = HashMap::new();
    for e in es.iter().filter(|e| !e.title.is_empty() && e.title != e.scenario) {
        *titles.entry(e.title.as_str()).or_default() += 1;
    }
    let title = titles
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map_or_else(|| id.to_owned(), |(t, _)| t.to_owned());
    let finished: Vec<&&Entry> = es.iter().filter(|e| e.finished).collect();

    let mut endings: Vec<EndingCount> = Vec::new();
    for e in &finished {
        let Some(ending) = &e.ending else { continue };
        match endings.iter_mut().find(|c| &c.ending == ending) {
            Some(c) => {
                c.count += 1;
                if c.title == c.ending
                    && let Some(t) = &e.ending_title
                {
                    c.title = t.clone();
                }
            }
            None => endings.push(EndingCount {
                ending: ending.clone(),
                title: e.ending_title.clone().unwrap_or_else(|| ending.clone()),
                count: 1,
            }),
        }
    }
    endings.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.title.cmp(&b.title)));

    let mut verdicts: Vec<(String, usize)> = Vec::new();
    for v in finished.iter().filter_map(|e| e.verdict.as_ref()) {
        match verdicts.iter_mut().find(|(x, _)| x == v) {
            Some((_, n)) => *n += 1,
            None => verdicts.push((v.clone(), 1)),
        }
    }
    verdicts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut acc: Vec<f32> = finished
        .iter()
        .filter_map(|e| e.accuracy)
        .filter(|a| a.is_finite())
        .collect();
    acc.sort_by(f32::total_cmp);
    let accuracy = (!acc.is_empty()).then(|| {
        let mut histogram = [0; 10];
        for a in &acc {
            histogram[band(*a)] += 1;
        }
        AccuracySummary {
            sessions: acc.len(),
            mean: acc.iter().sum::<f32>() / acc.len() as f32,
            median: median(&acc),
            min: acc[0],
            max: acc[acc.len() - 1],
            histogram,
        }
    });

    // Stages in the order first seen; within each, choices counted with the classes they had.
    struct Tally {
        stage: String,
        sessions: HashSet<String>,
        moves: usize,
        choices: Vec<(String, String, usize, BTreeMap<MoveClass, usize>)>,
    }
    let mut tallies: Vec<Tally> = Vec::new();
    let mut technique_names: HashMap<&str, &str> = HashMap::new();
    let mut unanswered: Vec<MarkerCount> = Vec::new();
    let mut critical = Vec::new();
    for e in es {
        for m in &e.moves {
            if let Some(n) = &m.technique_name {
                technique_names.insert(m.technique.as_str(), n.as_str());
            }
            let t = match tallies.iter().position(|t| t.stage == m.stage) {
                Some(i) => &mut tallies[i],
                None => {
                    tallies.push(Tally {
                        stage: m.stage.clone(),
                        sessions: HashSet::new(),
                        moves: 0,
                        choices: Vec::new(),
                    });
                    let last = tallies.len() - 1;
                    &mut tallies[last]
                }
            };
            t.sessions.insert(e.session.clone());
            t.moves += 1;
            let c = match t.choices.iter().position(|c| c.0 == m.choice) {
                Some(i) => &mut t.choices[i],
                None => {
                    t.choices
                        .push((m.choice.clone(), m.technique.clone(), 0, BTreeMap::new()));
                    let last = t.choices.len() - 1;
                    &mut t.choices[last]
                }
            };
            c.2 += 1;
            if let Some(class) = m.class {
                *c.3.entry(class).or_default() += 1;
            }
            if let Some(marker) = &m.critical {
                match unanswered
                    .iter_mut()
                    .find(|u| &u.marker == marker && u.stage == m.stage)
                {
                    Some(u) => u.count += 1,
                    None => unanswered.push(MarkerCount {
                        marker: marker.clone(),
                        stage: m.stage.clone(),
                        stage_title: m.stage.clone(),
                        count: 1,
                    }),
                }
                critical.push(CriticalMiss {
                    student: e.student.clone(),
                    session: e.session.clone(),
                    stage: m.stage.clone(),
                    stage_title: m.stage.clone(),
                    marker: marker.clone(),
                });
            }
        }
    }
    unanswered.sort_by_key(|u| std::cmp::Reverse(u.count));
    let stages = tallies
        .into_iter()
        .map(|t| {
            let mut choices: Vec<ChoiceCount> = t
                .choices
                .into_iter()
                .map(|(choice, technique, count, classes)| ChoiceCount {
                    choice,
                    technique: technique_names
                        .get(technique.as_str())
                        .map_or(technique.clone(), |n| (*n).to_owned()),
                    // The most frequent class; a tie goes to the weaker one, so nothing looks better than it was.
                    class: classes
                        .into_iter()
                        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
                        .map(|(c, _)| c),
                    count,
                    share: count as f32 / t.moves.max(1) as f32,
                })
                .collect();
            choices.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.choice.cmp(&b.choice)));
            StageReport {
                title: t.stage.clone(),
                stage: t.stage,
                sessions: t.sessions.len(),
                moves: t.moves,
                choices,
            }
        })
        .collect();

    let known: Vec<&&Entry> = es.iter().filter(|e| e.missed_repairs.is_some()).collect();
    ScenarioReport {
        scenario: id.to_owned(),
        title,
        students: es.iter().map(|e| e.student.as_str()).collect::<HashSet<_>>().len(),
        sessions: es.len(),
        finished: finished.len(),
        finished_share: finished.len() as f32 / es.len().max(1) as f32,
        endings,
        verdicts,
        accuracy,
        stages,
        unanswered,
        critical,
        missed_repairs: known.iter().filter_map(|e| e.missed_repairs).sum(),
        ruptures_opened: known.iter().filter_map(|e| e.ruptures_opened).sum(),
        ruptures_repaired: known.iter().filter_map(|e| e.ruptures_repaired).sum(),
        repairs_known: known.len(),
    }
}

impl ClassReport {
    /// Puts titles on what the sources left as ids: scenario, stage and ending titles and technique names
    /// from `names` (the scenarios and catalog at hand).
    pub fn name(&mut self, names: &Names) {
        for s in &mut self.scenarios {
            if s.title == s.scenario
                && let Some(t) = names.scenario(&s.scenario)
            {
                s.title = t.to_owned();
            }
            for e in &mut s.endings {
                if e.title == e.ending
                    && let Some(t) = names.ending(&s.scenario, &e.ending)
                {
                    e.title = t.to_owned();
                }
            }
            for st in &mut s.stages {
                st.title = names.stage(&s.scenario, &st.stage).to_owned();
                for c in &mut st.choices {
                    c.technique = names.technique(&c.technique).to_owned();
                }
            }
            for u in &mut s.unanswered {
                u.stage_title = names.stage(&s.scenario, &u.stage).to_owned();
            }
            for c in &mut s.critical {
                c.stage_title = names.stage(&s.scenario, &c.stage).to_owned();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// HTML and CSV

const NEUTRAL: &str = "#4a6fa5";

/// The class report as one self-contained HTML file: for each scenario, who played it, the accuracy
/// histogram, the endings, the safety misses, and the choices at every stage, each chart with its table.
pub fn html(r: &ClassReport) -> String {
    let mut body = String::from("<header>\n<h1>Class report</h1>\n");
    body.push_str(&format!(
        "<p class=\"meta\">{} student{}, {} session{}, {} scenario{} · made with Rapport on {}. The clients are simulated.</p>\n</header>\n<main>\n",
        r.students,
        if r.students == 1 { "" } else { "s" },
        r.sessions,
        if r.sessions == 1 { "" } else { "s" },
        r.scenarios.len(),
        if r.scenarios.len() == 1 { "" } else { "s" },
        export::human_time(super::now())
    ));
    if !r.problems.is_empty() {
        body.push_str("<section class=\"problems\">\n<h2>Files not counted</h2>\n<ul>\n");
        for p in &r.problems {
            body.push_str(&format!("<li>{}</li>\n", esc(p)));
        }
        body.push_str("</ul>\n</section>\n");
    }
    if r.scenarios.is_empty() {
        body.push_str("<p>No sessions were found.</p>\n");
    }
    if r.scenarios.len() > 1 {
        body.push_str("<nav>\n<h2>Scenarios</h2>\n<ul>\n");
        for s in &r.scenarios {
            body.push_str(&format!(
                "<li>{} ({} student{}, {} session{})</li>\n",
                esc(&s.title),
                s.students,
                if s.students == 1 { "" } else { "s" },
                s.sessions,
                if s.sessions == 1 { "" } else { "s" }
            ));
        }
        body.push_str("</ul>\n</nav>\n");
    }
    for (i, s) in r.scenarios.iter().enumerate() {
        body.push_str(&scenario_html(s, i + 1));
    }
    body.push_str("</main>\n");
    export::page("Class report", &body)
}

fn th(cols: &[(&str, bool)]) -> String {
    let cells: String = cols
        .iter()
        .map(|(c, num)| {
            format!(
                "<th scope=\"col\"{}>{}</th>",
                if *num { " class=\"num\"" } else { "" },
                esc(c)
            )
        })
        .collect();
    format!("<thead><tr>{cells}</tr></thead>\n")
}

fn scenario_html(s: &ScenarioReport, n: usize) -> String {
    let mut out = format!(
        "<section class=\"session\" id=\"scenario-{n}\">\n<h2>{}</h2>\n<p class=\"meta\">{} student{} · {} session{} · {} finished ({})</p>\n",
        esc(&s.title),
        s.students,
        if s.students == 1 { "" } else { "s" },
        s.sessions,
        if s.sessions == 1 { "" } else { "s" },
        s.finished,
        pct(s.finished_share * 100.0)
    );

    out.push_str("<h3>Safety: markers left unanswered</h3>\n");
    let unsafe_sessions = s
        .verdicts
        .iter()
        .filter(|(v, _)| v.starts_with("unsafe"))
        .map(|(_, k)| *k)
        .sum::<usize>();
    if unsafe_sessions > 0 {
        out.push_str(&format!(
            "<p>{unsafe_sessions} of {} finished session{} {} judged unsafe: a risk or dissociation marker was left \
             unanswered, or the session ended without a risk check this client's material calls for.</p>\n",
            s.finished,
            if s.finished == 1 { "" } else { "s" },
            if unsafe_sessions == 1 { "was" } else { "were" }
        ));
    }
    if s.critical.is_empty() {
        out.push_str("<p>No risk or dissociation marker was left unanswered in these sessions.</p>\n");
    } else {
        out.push_str(&format!(
            "<div class=\"critical\">\n<p><strong>{} critical miss{}</strong>: a risk or dissociation marker left unanswered while a move that answered it was open.</p>\n",
            s.critical.len(),
            if s.critical.len() == 1 { "" } else { "es" }
        ));
        out.push_str("<table>\n<caption>Most often missed</caption>\n");
        out.push_str(&th(&[("Marker", false), ("Stage", false), ("Times", true)]));
        out.push_str("<tbody>\n");
        for u in &s.unanswered {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                esc(&export::capitalise(&u.marker)),
                esc(&u.stage_title),
                u.count
            ));
        }
        out.push_str("</tbody>\n</table>\n<table>\n<caption>Who, and where</caption>\n");
        out.push_str(&th(&[("Student", false), ("Stage", false), ("Marker", false)]));
        out.push_str("<tbody>\n");
        for c in &s.critical {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&c.student),
                esc(&c.stage_title),
                esc(&c.marker)
            ));
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    out.push_str("<h3>Accuracy</h3>\n");
    match &s.accuracy {
        Some(a) => {
            out.push_str(&format!(
                "<p>Over the {} finished session{}: mean {}, median {}, lowest {}, highest {}. Accuracy is the mean \
                 of a session's moves' accuracy, where the best move open at each stage counts 100%.</p>\n",
                a.sessions,
                if a.sessions == 1 { "" } else { "s" },
                pct(a.mean),
                pct(a.median),
                pct(a.min),
                pct(a.max)
            ));
            let label = |i: usize| {
                if i == 9 {
                    "90-100".to_owned()
                } else {
                    format!("{}-{}", i * 10, i * 10 + 9)
                }
            };
            let bars: Vec<(String, f32, &'static str)> = a
                .histogram
                .iter()
                .enumerate()
                .map(|(i, k)| (label(i), *k as f32, NEUTRAL))
                .collect();
            // Gridlines on whole numbers of sessions.
            let top = (a.histogram.iter().copied().max().unwrap_or(1).max(1).div_ceil(4) * 4) as f32;
            out.push_str(&format!(
                "<div class=\"pair\">\n<figure>\n{}<figcaption>Finished sessions by accuracy, in bands of 10 points.</figcaption>\n</figure>\n",
                column_chart(
                    "How many finished sessions fell in each band of accuracy",
                    &bars,
                    top,
                    ""
                )
            ));
            out.push_str("<table>\n");
            out.push_str(&th(&[("Accuracy", false), ("Sessions", true)]));
            out.push_str("<tbody>\n");
            for (i, k) in a.histogram.iter().enumerate() {
                out.push_str(&format!("<tr><td>{}%</td><td class=\"num\">{k}</td></tr>\n", label(i)));
            }
            out.push_str("</tbody>\n</table>\n</div>\n");
        }
        None => out.push_str("<p>No session of this scenario was finished yet.</p>\n"),
    }

    if !s.endings.is_empty() {
        out.push_str("<h3>Endings reached</h3>\n<div class=\"pair\">\n");
        let bars: Vec<(String, f32, &'static str)> = s
            .endings
            .iter()
            .map(|e| (e.title.clone(), e.count as f32 / s.finished.max(1) as f32, NEUTRAL))
            .collect();
        out.push_str(&format!(
            "<figure>\n{}<figcaption>Share of finished sessions reaching each ending.</figcaption>\n</figure>\n",
            bar_chart("The endings finished sessions reached", &bars)
        ));
        out.push_str("<table>\n");
        out.push_str(&th(&[("Ending", false), ("Sessions", true), ("Share", true)]));
        out.push_str("<tbody>\n");
        for e in &s.endings {
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                esc(&e.title),
                e.count,
                pct(e.count as f32 * 100.0 / s.finished.max(1) as f32)
            ));
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    if !s.verdicts.is_empty() {
        out.push_str("<h4>Verdicts</h4>\n<table>\n");
        out.push_str(&th(&[("Verdict", false), ("Sessions", true)]));
        out.push_str("<tbody>\n");
        for (v, k) in &s.verdicts {
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{k}</td></tr>\n",
                esc(&export::capitalise(v))
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }

    out.push_str("<h3>Ruptures and repairs</h3>\n");
    if s.repairs_known == 0 {
        out.push_str("<p>Not known for these sessions (the xAPI statements do not carry ruptures).</p>\n");
    } else {
        out.push_str(&format!(
            "<p>In the {} session{} where this is known: {} rupture{} opened, {} repaired, and {} time{} a rupture marker was left without a repair move.</p>\n",
            s.repairs_known,
            if s.repairs_known == 1 { "" } else { "s" },
            s.ruptures_opened,
            if s.ruptures_opened == 1 { "" } else { "s" },
            s.ruptures_repaired,
            s.missed_repairs,
            if s.missed_repairs == 1 { "" } else { "s" }
        ));
    }

    if !s.stages.is_empty() {
        out.push_str(
            "<h3>Choices at each stage</h3>\n<p>Stages in the order the students met them; the bars show the share of the moves made at that stage, coloured by how the move was judged there.</p>\n",
        );
        out.push_str(&export::class_key());
        for st in &s.stages {
            out.push_str(&format!(
                "<h4>{}</h4>\n<p class=\"meta\">{} session{}, {} move{}</p>\n<div class=\"pair\">\n",
                esc(&st.title),
                st.sessions,
                if st.sessions == 1 { "" } else { "s" },
                st.moves,
                if st.moves == 1 { "" } else { "s" }
            ));
            let bars: Vec<(String, f32, &'static str)> = st
                .choices
                .iter()
                .map(|c| (c.technique.clone(), c.share, c.class.map_or(NEUTRAL, class_colour)))
                .collect();
            out.push_str(&format!(
                "<figure>\n{}</figure>\n",
                bar_chart(&format!("The choices made at {}", st.title), &bars)
            ));
            out.push_str("<table>\n");
            out.push_str(&th(&[
                ("Move", false),
                ("Option", false),
                ("Judged", false),
                ("Times", true),
                ("Share", true),
            ]));
            out.push_str("<tbody>\n");
            for c in &st.choices {
                out.push_str(&format!(
                    "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                    esc(&c.technique),
                    esc(&c.choice),
                    c.class.map_or_else(String::new, |k| esc(&class_text(k))),
                    c.count,
                    pct(c.share * 100.0)
                ));
            }
            out.push_str("</tbody>\n</table>\n</div>\n");
        }
    }
    out.push_str("</section>\n");
    out
}

/// The columns of [`csv()`].
pub const CSV_COLUMNS: [&str; 21] = [
    "scenario",
    "title",
    "students",
    "sessions",
    "finished",
    "finished_percent",
    "accuracy_mean",
    "accuracy_median",
    "accuracy_min",
    "accuracy_max",
    "critical_misses",
    "missed_repairs",
    "stage_order",
    "stage",
    "stage_title",
    "stage_moves",
    "choice",
    "technique",
    "class",
    "count",
    "share_percent",
];

/// The class report as CSV: one row per scenario, stage and choice (a scenario with no moves has one row
/// with the stage columns empty). The first twelve columns summarise the scenario and repeat on each of
/// its rows: students, sessions, finished sessions and their share, the accuracy of finished sessions
/// (mean, median, lowest, highest), critical misses and missed repairs. Then the stage (its order of first
/// appearance, id, title, and the moves made there) and the choice: option, technique, the class it was
/// most often judged, how many times it was made and its share of the stage's moves. Percentages are
/// numbers from 0 to 100 with one decimal.
pub fn csv(r: &ClassReport) -> String {
    let mut rows = Vec::new();
    for s in &r.scenarios {
        let acc = |f: fn(&AccuracySummary) -> f32| s.accuracy.as_ref().map_or_else(String::new, |a| dec(f(a), 1));
        let head = vec![
            export::cell(&s.scenario),
            export::cell(&s.title),
            s.students.to_string(),
            s.sessions.to_string(),
            s.finished.to_string(),
            dec(s.finished_share * 100.0, 1),
            acc(|a| a.mean),
            acc(|a| a.median),
            acc(|a| a.min),
            acc(|a| a.max),
            s.critical.len().to_string(),
            if s.repairs_known > 0 {
                s.missed_repairs.to_string()
            } else {
                String::new()
            },
        ];
        if s.stages.iter().all(|st| st.choices.is_empty()) {
            let mut row = head.clone();
            row.extend(std::iter::repeat_n(String::new(), 9));
            rows.push(row);
            continue;
        }
        for (i, st) in s.stages.iter().enumerate() {
            for c in &st.choices {
                let mut row = head.clone();
                row.extend([
                    (i + 1).to_string(),
                    export::cell(&st.stage),
                    export::cell(&st.title),
                    st.moves.to_string(),
                    export::cell(&c.choice),
                    export::cell(&c.technique),
                    c.class.map_or_else(String::new, |k| k.label().to_owned()),
                    c.count.to_string(),
                    dec(c.share * 100.0, 1),
                ]);
                rows.push(row);
            }
        }
    }
    export::write_csv(&CSV_COLUMNS, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::records::export::fixture::{Policy, play, play_partly};
    use crate::engine::records::xapi::{self, XapiSettings};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn statements_of(recs: &[SessionRecord], account: &str) -> Vec<Value> {
        let settings = XapiSettings {
            base: "https://lms.example.edu/rapport/".into(),
            home_page: "https://lms.example.edu".into(),
            ..XapiSettings::default()
        };
        recs.iter()
            .flat_map(|r| xapi::statements(r, &settings, account))
            .collect()
    }

    /// Thirty students' sessions of the tutorial: most play the engine's best moves, some the first option,
    /// some at random; two also played a second time; two stopped before the end.
    fn class() -> Vec<(String, Vec<SessionRecord>)> {
        let mut rng = StdRng::seed_from_u64(2026);
        (0..30)
            .map(|i| {
                let name = format!("student{i:02}");
                let seed = 1000 + i as u64;
                let rec = match i {
                    0..18 => play("tutorial", seed, Policy::Best),
                    18..24 => play("tutorial", seed, Policy::First),
                    28 => play_partly("tutorial", seed, Policy::Random(rng.random()), Some(2), true),
                    29 => play_partly("tutorial", seed, Policy::Random(rng.random()), Some(1), false),
                    _ => play("tutorial", seed, Policy::Random(rng.random())),
                };
                let mut recs = vec![rec];
                if i < 2 {
                    recs.push(play("tutorial", seed + 500, Policy::Random(rng.random())));
                }
                (name, recs)
            })
            .collect()
    }

    #[test]
    fn a_class_of_thirty_from_exports_and_statements_is_summarised() {
        let class = class();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let sub = dir.path().join("group b");
        std::fs::create_dir_all(&sub).expect("a subfolder");
        for (i, (name, recs)) in class.iter().enumerate() {
            match i {
                // Twenty export their records; five send statements as a file, five as an LRS's answer.
                0..20 => {
                    let folder = if i % 2 == 0 { dir.path() } else { sub.as_path() };
                    std::fs::write(folder.join(format!("{name}.json")), export::json(recs, name)).expect("written");
                }
                20..25 => {
                    let st = statements_of(recs, name);
                    std::fs::write(
                        sub.join(format!("{name}-statements.json")),
                        serde_json::to_string(&st).expect("JSON"),
                    )
                    .expect("written");
                }
                _ => {
                    let mut st = statements_of(recs, name);
                    // An LRS answers newest first.
                    st.reverse();
                    let answer = serde_json::json!({ "statements": st, "more": "" });
                    std::fs::write(
                        dir.path().join(format!("lrs-{name}.json")),
                        serde_json::to_string_pretty(&answer).expect("JSON"),
                    )
                    .expect("written");
                }
            }
        }
        std::fs::write(dir.path().join("broken.json"), "{\"format\": \"rapport-rec").expect("written");
        std::fs::write(
            dir.path().join("grades.json"),
            "{\"course\": \"PSY 301\", \"grades\": [1, 2]}",
        )
        .expect("written");
        std::fs::write(dir.path().join("notes.txt"), "not read").expect("written");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path(), sub.join("loop")).expect("a link back up");

        let (entries, problems) = read(&[dir.path().to_owned()]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("broken.json") && p.contains("not valid JSON"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("grades.json") && p.contains("neither a Rapport records export"))
        );
        assert_eq!(entries.len(), 32, "thirty students, two of them twice");

        let r = summarise(&entries);
        assert_eq!(r.students, 30);
        assert_eq!(r.sessions, 32);
        assert_eq!(r.scenarios.len(), 1, "exports and statements merge into one scenario");
        let s = r.scenarios[0].clone();
        assert_eq!(s.scenario, "tutorial");
        assert_eq!(s.title, class[0].1[0].summary.title);
        assert_eq!((s.students, s.sessions, s.finished), (30, 32, 30));
        assert!((s.finished_share - 30.0 / 32.0).abs() < 1e-6);
        let acc = s.accuracy.as_ref().expect("finished sessions have an accuracy");
        assert_eq!(acc.histogram.iter().sum::<usize>(), s.finished);
        assert_eq!(acc.sessions, s.finished);
        assert!(acc.min <= acc.median && acc.median <= acc.max && acc.min <= acc.mean && acc.mean <= acc.max);
        assert_eq!(s.endings.iter().map(|e| e.count).sum::<usize>(), s.finished);

        // The first stage's choices are exactly what the students chose there, most common first.
        let all: Vec<&SessionRecord> = class.iter().flat_map(|(_, r)| r).collect();
        let first_stage = all[0].moves[0].outcome.as_ref().expect("played").stage.clone();
        let mut expected: HashMap<&str, usize> = HashMap::new();
        for r in &all {
            for m in &r.moves {
                if m.outcome.as_ref().expect("played").stage == first_stage {
                    *expected.entry(m.choice.as_str()).or_default() += 1;
                }
            }
        }
        let stage = &s.stages[0];
        assert_eq!(stage.stage, first_stage, "stages in the order first seen");
        let got: HashMap<&str, usize> = stage.choices.iter().map(|c| (c.choice.as_str(), c.count)).collect();
        assert_eq!(got, expected);
        let majority = all
            .iter()
            .filter(|r| r.moves[0].choice == stage.choices[0].choice)
            .count();
        assert!(
            majority * 2 > all.len(),
            "the best move at the first stage is what most picked"
        );
        assert_eq!(
            stage.choices[0].choice,
            *expected.iter().max_by_key(|(_, n)| **n).expect("choices").0
        );
        let shares: f32 = stage.choices.iter().map(|c| c.share).sum();
        assert!((shares - 1.0).abs() < 1e-4);

        // Every move is counted at its stage.
        let moves: usize = all.iter().map(|r| r.moves.len()).sum();
        assert_eq!(s.stages.iter().map(|st| st.moves).sum::<usize>(), moves);

        // The documents.
        let mut r = r;
        r.problems = problems;
        let doc = html(&r);
        assert!(doc.contains("<html lang=\"en\">") && doc.contains("<title>Class report</title>"));
        assert!(!doc.contains("<script"));
        assert_eq!(
            doc.matches("http://").count() + doc.matches("https://").count(),
            doc.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
        // The histogram, the endings, and one chart per stage; a table beside each.
        assert_eq!(doc.matches("<svg").count(), 2 + s.stages.len());
        assert!(doc.matches("<table>").count() >= 2 + s.stages.len());
        assert!(doc.contains("broken.json"));
        let text = csv(&r);
        let mut rd = ::csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().expect("header").iter().map(str::to_owned).collect();
        assert_eq!(header, CSV_COLUMNS);
        let rows: Vec<::csv::StringRecord> = rd.records().map(|x| x.expect("a row")).collect();
        assert_eq!(rows.len(), s.stages.iter().map(|st| st.choices.len()).sum::<usize>());
        let first = &rows[0];
        assert_eq!(&first[0], "tutorial");
        assert_eq!(&first[2], "30");
        assert_eq!(&first[3], "32");
        assert_eq!(&first[16], stage.choices[0].choice);
        assert_eq!(first[19].parse::<usize>().expect("a count"), stage.choices[0].count);
    }

    #[test]
    fn statements_give_the_same_entry_as_the_export() {
        for (k, policy) in [Policy::Best, Policy::First, Policy::Random(5), Policy::Random(9)]
            .into_iter()
            .enumerate()
        {
            let rec = play("acute_crisis", 40 + k as u64, policy);
            let from_export = entry(&rec, "kim", "a.json");
            let mut st = statements_of(std::slice::from_ref(&rec), "kim");
            st.reverse();
            let from_xapi = from_statements(&st, "b.json");
            assert_eq!(from_xapi.len(), 1);
            let x = &from_xapi[0];
            assert_eq!(x.student, "kim");
            assert_eq!(x.session, from_export.session);
            assert_eq!(x.scenario, from_export.scenario);
            assert_eq!(x.title, from_export.title);
            assert_eq!(x.finished, from_export.finished);
            assert_eq!(x.ending, from_export.ending);
            assert_eq!(x.outcome, from_export.outcome);
            assert_eq!(x.verdict, from_export.verdict);
            let (a, b) = (x.accuracy.expect("finished"), from_export.accuracy.expect("finished"));
            assert!((a - b).abs() < 0.001);
            assert_eq!(x.moves.len(), from_export.moves.len());
            for (m, n) in x.moves.iter().zip(&from_export.moves) {
                assert_eq!((&m.stage, &m.choice, &m.technique), (&n.stage, &n.choice, &n.technique));
                assert_eq!((m.class, &m.critical), (n.class, &n.critical));
            }
        }
    }

    #[test]
    fn critical_misses_from_both_sources_are_listed_with_who_and_where() {
        let recs: Vec<SessionRecord> = (0..12)
            .map(|k| play("acute_crisis", 200 + k, Policy::Random(300 + k)))
            .collect();
        let expected: usize = recs
            .iter()
            .flat_map(|r| &r.moves)
            .filter(|m| m.outcome.as_ref().is_some_and(|o| o.critical.is_some()))
            .count();
        let mut entries = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            let name = format!("s{i}");
            if i % 2 == 0 {
                entries.push(entry(r, &name, "x.json"));
            } else {
                entries.extend(from_statements(
                    &statements_of(std::slice::from_ref(r), &name),
                    "y.json",
                ));
            }
        }
        let report = summarise(&entries);
        let s = &report.scenarios[0];
        assert_eq!(s.critical.len(), expected);
        assert_eq!(s.unanswered.iter().map(|u| u.count).sum::<usize>(), expected);
        assert!(s.unanswered.windows(2).all(|w| w[0].count >= w[1].count));
        // Ruptures are known only from the exports.
        assert_eq!(s.repairs_known, 6);
        let doc = html(&report);
        if expected > 0 {
            assert!(doc.contains("class=\"critical\""));
        }
    }

    #[test]
    fn the_same_session_twice_counts_once() {
        let rec = play("tutorial", 77, Policy::Best);
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(
            dir.path().join("a.json"),
            export::json(std::slice::from_ref(&rec), "lee"),
        )
        .expect("written");
        let st = statements_of(std::slice::from_ref(&rec), "lee");
        std::fs::write(dir.path().join("b.json"), serde_json::to_string(&st).expect("JSON")).expect("written");
        let (entries, problems) = read(&[dir.path().join("a.json"), dir.path().to_owned()]);
        assert_eq!(entries.len(), 1);
        assert!(entries[0].missed_repairs.is_some(), "the full export is kept");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("counted once"));
    }

    #[test]
    fn unreadable_paths_and_large_files_are_problems_not_panics() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let missing = dir.path().join("nowhere");
        std::fs::write(dir.path().join("empty.json"), "[]").expect("written");
        std::fs::write(
            dir.path().join("newer.json"),
            "{\"format\": \"rapport-records\", \"version\": 9, \"sessions\": []}",
        )
        .expect("written");
        std::fs::write(dir.path().join("other-lrs.json"), "{\"statements\": [{\"actor\": {\"mbox\": \"mailto:a@b.c\"}, \"verb\": {\"id\": \"http://adlnet.gov/expapi/verbs/experienced\"}, \"object\": {\"id\": \"http://x.y/z\"}}]}")
            .expect("written");
        let big = std::fs::File::create(dir.path().join("big.json")).expect("created");
        big.set_len(MAX_FILE + 1).expect("sized");
        let (entries, problems) = read(&[dir.path().to_owned(), missing]);
        assert!(entries.is_empty());
        assert_eq!(problems.len(), 5, "{problems:#?}");
        for want in [
            "big.json is larger than 64 MiB",
            "empty.json has no sessions",
            "newer version of Rapport",
            "other-lrs.json holds no statements from Rapport",
            "nowhere cannot be opened",
        ] {
            assert!(problems.iter().any(|p| p.contains(want)), "{want} in {problems:#?}");
        }
    }

    #[test]
    fn activity_ids_are_decoded() {
        assert_eq!(
            activity("https://x.edu/r/scenarios/my%20case/stages/st%C3%A4ge"),
            Some(("my case".to_owned(), Some("stäge".to_owned())))
        );
        assert_eq!(
            activity("https://x.edu/r/scenarios/tutorial"),
            Some(("tutorial".to_owned(), None))
        );
        assert_eq!(activity("https://x.edu/other"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(band(100.0), 9);
        assert_eq!(band(9.99), 0);
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
    }
}
