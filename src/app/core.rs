//! The app's logic without drawing: the Screen state, resources, the Action message and the systems that apply it.
//!
//! Everything here runs under `MinimalPlugins`, which is how the headless app tests drive whole sessions.

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::debrief::{self, Debrief};
use crate::engine::load::{self, LoadedScenario};
use crate::engine::model::RuptureKind;
use crate::engine::records::Records;
use crate::engine::session::{ChoiceOutcome, Event};
use crate::engine::{Diagnostic, Library, Scenario, Session, shipped};

/// The one state that owns the app's flow.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Library,
    Briefing,
    Session,
    Debrief,
    Settings,
}

/// The built-in catalog and weights.
#[derive(Resource, Clone)]
pub struct Engine(pub Library);

/// One scenario file in the library: its latest load (with diagnostics) and the last good version.
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: String,
    /// On disk (and watched), or None when embedded in the binary.
    pub path: Option<PathBuf>,
    pub loaded: LoadedScenario,
    pub good: Option<Arc<Scenario>>,
}

impl Entry {
    fn new(file: String, path: Option<PathBuf>, loaded: LoadedScenario) -> Entry {
        let good = loaded.clean().cloned();
        Entry {
            file,
            path,
            loaded,
            good,
        }
    }

    /// Errors of the latest version; the last good version keeps running meanwhile.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.loaded.diagnostics.iter().filter(|d| d.is_error()).collect()
    }
}

/// Every scenario the app knows, shipped and from the user's folders.
#[derive(Resource, Debug, Default)]
pub struct Scenarios {
    pub entries: Vec<Entry>,
    pub selected: Option<usize>,
}

impl Scenarios {
    /// The shipped scenarios plus every scenario file in `folders`.
    pub fn load(lib: &Library, folders: &[PathBuf]) -> Scenarios {
        // The user's own files come first: they are what an educator is working on.
        let mut entries: Vec<Entry> = Vec::new();
        for path in load::ron_files(folders) {
            let l = match load::read(&path) {
                // Catalogs, weights and play scripts may share the folder; they are not scenarios.
                Ok(src) if load::kind_of(&src) != load::FileKind::Scenario => continue,
                Ok(src) => load::load_scenario_str(&src, &path.display().to_string(), &lib.catalog, path.parent()),
                Err(d) => load::Loaded {
                    file: path.display().to_string(),
                    value: None,
                    diagnostics: vec![d],
                    locator: Default::default(),
                },
            };
            // The watcher reports absolute paths; keep the absolute one to match them.
            let abs = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            entries.push(Entry::new(path.display().to_string(), Some(abs), l));
        }
        entries.extend(
            shipped::load_all(&lib.catalog)
                .into_iter()
                .map(|l| Entry::new(l.file.clone(), None, l)),
        );
        Scenarios {
            entries,
            selected: None,
        }
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.good.as_ref().is_some_and(|s| s.id == id))
    }
}

/// When feedback is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FeedbackTiming {
    /// After each choice.
    #[default]
    Immediate,
    /// All of it in the debrief.
    Held,
}

/// Colour themes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Theme {
    Light,
    #[default]
    Dark,
    HighContrast,
}

/// The user's settings, saved beside their records.
#[derive(Resource, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub feedback: FeedbackTiming,
    /// 1.0 normal .. 2.5 projector.
    pub text_scale: f32,
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            feedback: FeedbackTiming::Immediate,
            text_scale: 1.0,
            theme: Theme::Dark,
        }
    }
}

impl Settings {
    pub fn path() -> PathBuf {
        Records::default_dir().join("settings.json")
    }

    pub fn load() -> Settings {
        std::fs::read_to_string(Settings::path())
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// Saves atomically (temp file + rename).
    pub fn save(&self) -> std::io::Result<()> {
        use std::io::Write;
        let path = Settings::path();
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// The student's records and where they live.
#[derive(Resource, Debug, Default)]
pub struct StudentRecords {
    pub records: Records,
    pub path: PathBuf,
    /// A problem reading or writing them, shown in the library.
    pub problem: Option<String>,
}

impl StudentRecords {
    pub fn load() -> StudentRecords {
        let path = Records::default_dir().join("records.json");
        match Records::load(&path) {
            Ok(records) => StudentRecords {
                records,
                path,
                problem: None,
            },
            Err(e) => StudentRecords {
                records: Records::default(),
                problem: Some(format!(
                    "{e}; new results will not be saved until the file is fixed or moved"
                )),
                path,
            },
        }
    }
}

/// Why the trainee chose a move: the optional tag of issue-level "why" reasoning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WhyTag {
    ClientFeature,
    UnifyingTheory,
    Relationship,
    Phase,
    Culture,
    Marker,
}

impl WhyTag {
    pub const ALL: [WhyTag; 6] = [
        WhyTag::ClientFeature,
        WhyTag::UnifyingTheory,
        WhyTag::Relationship,
        WhyTag::Phase,
        WhyTag::Culture,
        WhyTag::Marker,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WhyTag::ClientFeature => "a client feature",
            WhyTag::UnifyingTheory => "a unifying theory",
            WhyTag::Relationship => "the relationship",
            WhyTag::Phase => "the phase of therapy",
            WhyTag::Culture => "culture or faith",
            WhyTag::Marker => "a marker I noticed",
        }
    }
}

/// The session being played, and what the screens show of it.
#[derive(Resource, Default)]
pub struct Active {
    pub session: Option<Session>,
    pub entry: Option<usize>,
    /// Feedback waiting for the trainee to read it and continue.
    pub pending: Option<Box<ChoiceOutcome>>,
    /// The option highlighted by number keys or a click, confirmed with Enter.
    pub highlighted: Option<String>,
    /// Whom the trainee turns the highlighted move to (None: everyone, or whom its words name).
    pub addressee: Option<usize>,
    /// The "why" tag for the next choice, and the tags given so far (by step).
    pub why: Option<WhyTag>,
    pub whys: Vec<(usize, WhyTag)>,
    pub debrief: Option<Debrief>,
    /// What the last reload did, shown in the session's reload panel.
    pub reload_note: Option<ReloadNote>,
    /// The events of the last choice (rupture repaired shows as relief).
    pub last_events: Vec<Event>,
}

/// The result of a hot reload, for the panel that shows it.
#[derive(Debug, Clone)]
pub enum ReloadNote {
    Resumed { file: String, stage: String },
    Kept { file: String, problems: Vec<Diagnostic> },
    CannotResume { file: String, reason: String },
}

impl Active {
    pub fn scenario(&self) -> Option<&Arc<Scenario>> {
        self.session.as_ref().map(Session::scenario)
    }
}

/// What the drawn client shows: one of a few postures and a sentence that says the same in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Calm,
    Distressed,
    Withdrawn,
    Confronting,
    Relieved,
}

impl Mood {
    /// The mood of the speaker (the one client in individual work).
    pub fn of(active: &Active) -> Mood {
        let who = active.session.as_ref().and_then(speaker).unwrap_or(0);
        Mood::of_person(active, who)
    }

    /// The mood of person `i`: their own rupture, repair or distress.
    pub fn of_person(active: &Active, i: usize) -> Mood {
        let Some(s) = &active.session else { return Mood::Calm };
        let Some(p) = s.state().people.get(i) else {
            return Mood::Calm;
        };
        match p.rupture.as_ref().map(|r| r.kind) {
            Some(RuptureKind::Withdrawal) => Mood::Withdrawn,
            Some(RuptureKind::Confrontation) => Mood::Confronting,
            None if active
                .last_events
                .iter()
                .any(|e| matches!(e, Event::RuptureRepaired { person, .. } if *person == p.id)) =>
            {
                Mood::Relieved
            }
            None if p.distress >= 0.6 => Mood::Distressed,
            None => Mood::Calm,
        }
    }

    /// The same as the picture, in words, for those who cannot see it.
    pub fn describe(self, name: &str) -> String {
        match self {
            Mood::Calm => format!("{name} sits upright and open, meeting your eyes."),
            Mood::Distressed => format!("{name} is tense and hunched, brow furrowed: visibly distressed."),
            Mood::Withdrawn => {
                format!("{name} looks away and folds inward, arms around themself: a withdrawal rupture.")
            }
            Mood::Confronting => format!("{name} leans in with arms crossed and jaw set: a confrontation rupture."),
            Mood::Relieved => {
                format!("{name}'s shoulders drop and they look back at you, softer: the rupture has been repaired.")
            }
        }
    }
}

/// The person speaking now: the speaker of the last line in the session (None before any).
pub fn speaker(s: &Session) -> Option<usize> {
    s.events().iter().rev().find_map(|e| match e {
        Event::ClientSpeaks { speaker, .. } => s.scenario().person_index(speaker),
        _ => None,
    })
}

/// Everything the trainee can do; UI systems write it, [`apply_actions`] carries it out.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum Action {
    /// Select a library entry and read its briefing.
    Open(usize),
    /// Start the session of the selected scenario.
    Begin,
    /// Highlight an option (number keys, click).
    Highlight(String),
    /// Make a choice.
    Choose(String),
    /// Turn the highlighted move to one person (Some) or to everyone in the room (None).
    Address(Option<usize>),
    SetWhy(Option<WhyTag>),
    /// Close the feedback and go on.
    Continue,
    /// Replay from the start of step N (1-based) with the same seed.
    ReplayFrom(usize),
    Back,
    Goto(Screen),
    /// A scenario file changed on disk.
    FileChanged(PathBuf),
    /// The settings changed; save them.
    SettingsChanged,
}

/// Where Esc and "Back" from Settings return to.
#[derive(Resource, Debug, Default)]
pub struct ReturnTo(pub Option<Screen>);

/// The seed of the next session: time-based for variety, fixed by `--seed`.
#[derive(Resource, Debug, Clone, Copy)]
pub struct NextSeed(pub Option<u64>);

/// The logic plugin: state, resources, the Action message and its system.
pub fn plugin(app: &mut App) {
    app.init_state::<Screen>()
        .add_message::<Action>()
        .add_message::<RequestRedraw>()
        .init_resource::<Active>()
        .init_resource::<ReturnTo>()
        .insert_resource(NextSeed(None))
        .add_systems(Update, apply_actions);
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one system applies every action, each needs a different resource"
)]
pub fn apply_actions(
    mut actions: MessageReader<Action>,
    engine: Res<Engine>,
    mut scenarios: ResMut<Scenarios>,
    mut active: ResMut<Active>,
    settings: Res<Settings>,
    mut records: ResMut<StudentRecords>,
    seed: Res<NextSeed>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut return_to: ResMut<ReturnTo>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let mut any = false;
    for action in actions.read() {
        any = true;
        match action.clone() {
            Action::Open(i) => {
                if scenarios.entries.get(i).is_some_and(|e| e.good.is_some()) {
                    scenarios.selected = Some(i);
                    next.set(Screen::Briefing);
                }
            }
            Action::Begin => {
                let Some(i) = scenarios.selected else { continue };
                let Some(sc) = scenarios.entries.get(i).and_then(|e| e.good.clone()) else {
                    continue;
                };
                let seed = seed.0.unwrap_or_else(now);
                match Session::new(sc, engine.0.catalog.clone(), &engine.0.weights, seed) {
                    Ok(s) => {
                        *active = Active {
                            session: Some(s),
                            entry: Some(i),
                            ..Active::default()
                        };
                        next.set(Screen::Session);
                    }
                    Err(e) => warn!("cannot start: {e}"),
                }
            }
            Action::Highlight(id) => {
                if active.highlighted.as_deref() != Some(id.as_str()) {
                    active.addressee = None;
                }
                active.highlighted = Some(id);
            }
            Action::Address(who) => active.addressee = who,
            Action::SetWhy(w) => active.why = w,
            Action::Choose(id) => choose(&mut active, &id, &settings, &mut records, &mut next),
            Action::Continue => {
                active.pending = None;
                if active.session.as_ref().is_some_and(|s| s.ended().is_some()) {
                    next.set(Screen::Debrief);
                }
            }
            Action::ReplayFrom(step) => {
                let Some(s) = &active.session else { continue };
                let keep: Vec<String> = s.choices().iter().take(step.saturating_sub(1)).cloned().collect();
                let replay = Session::replay(
                    s.scenario().clone(),
                    s.catalog().clone(),
                    &engine.0.weights,
                    s.seed(),
                    &keep,
                );
                match replay {
                    Ok(r) => {
                        let entry = active.entry;
                        let whys = active.whys.iter().copied().filter(|(n, _)| *n < step).collect();
                        *active = Active {
                            session: Some(r),
                            entry,
                            whys,
                            ..Active::default()
                        };
                        next.set(Screen::Session);
                    }
                    Err(e) => warn!("cannot replay: {e}"),
                }
            }
            Action::Back => match screen.get() {
                Screen::Library => {}
                Screen::Briefing | Screen::Debrief => next.set(Screen::Library),
                Screen::Session => next.set(Screen::Briefing),
                Screen::Settings => next.set(return_to.0.take().unwrap_or(Screen::Library)),
            },
            Action::Goto(s) => {
                if s == Screen::Settings && *screen.get() != Screen::Settings {
                    return_to.0 = Some(*screen.get());
                }
                next.set(s);
            }
            Action::FileChanged(path) => reload(&engine.0, &mut scenarios, &mut active, &path),
            Action::SettingsChanged => {
                if let Err(e) = settings.save() {
                    warn!("cannot save settings: {e}");
                }
            }
        }
    }
    if any {
        redraw.write(RequestRedraw);
    }
}

fn choose(
    active: &mut Active,
    id: &str,
    settings: &Settings,
    records: &mut StudentRecords,
    next: &mut NextState<Screen>,
) {
    let why = active.why.take();
    let to = active.addressee.take();
    let Some(s) = active.session.as_mut() else { return };
    let key = choice_key(s, id, to);
    match s.choose(&key) {
        Ok(events) => {
            let step = s.history().len();
            let outcome = events.iter().find_map(|e| match e {
                Event::Feedback(o) => Some(o.clone()),
                _ => None,
            });
            let ended = s.ended().is_some();
            if ended {
                let d = debrief::debrief(s);
                let sid = s.scenario().id.clone();
                records.records.add(&sid, &d, s.choices(), now());
                if records.problem.is_none()
                    && let Err(e) = records.records.save(&records.path)
                {
                    records.problem = Some(e.to_string());
                }
                active.debrief = Some(d);
            }
            if let Some(w) = why {
                active.whys.push((step, w));
            }
            active.last_events = events;
            active.highlighted = None;
            active.pending = match settings.feedback {
                FeedbackTiming::Immediate => outcome,
                FeedbackTiming::Held => None,
            };
            if ended && active.pending.is_none() {
                next.set(Screen::Debrief);
            }
        }
        Err(e) => warn!("{e}"),
    }
}

/// The choice key for option `id` turned to person `to` (the option's own addressee when None or fixed).
pub fn choice_key(s: &Session, id: &str, to: Option<usize>) -> String {
    let turnable = s
        .available()
        .into_iter()
        .find(|o| o.id == id)
        .is_some_and(|o| s.can_address(o));
    match to.and_then(|i| s.state().people.get(i)) {
        Some(p) if turnable => format!("{id}@{}", p.id),
        _ => id.to_owned(),
    }
}

/// Re-checks a changed file: a clean file replaces the running one and the session resumes at the
/// same stage; a broken one leaves the last good version running and shows its diagnostics.
pub fn reload(lib: &Library, scenarios: &mut Scenarios, active: &mut Active, path: &Path) {
    let Some(i) = scenarios.entries.iter().position(|e| e.path.as_deref() == Some(path)) else {
        return;
    };
    let loaded = load::load_scenario_file(path, &lib.catalog);
    let entry = &mut scenarios.entries[i];
    let file = entry.file.clone();
    let clean = loaded.clean().cloned();
    entry.loaded = loaded;
    let Some(new) = clean else {
        let problems = entry.errors().into_iter().cloned().collect();
        if active.entry == Some(i) {
            active.reload_note = Some(ReloadNote::Kept { file, problems });
        }
        return;
    };
    entry.good = Some(new.clone());
    if active.entry != Some(i) {
        return;
    }
    let Some(s) = &active.session else { return };
    if s.ended().is_some() {
        return;
    }
    let snap = s.snapshot();
    let stage = snap.stage.clone();
    match Session::resume(new, s.catalog().clone(), &lib.weights, s.seed(), snap) {
        Ok(r) => {
            active.session = Some(r);
            active.pending = None;
            active.highlighted = None;
            active.reload_note = Some(ReloadNote::Resumed { file, stage });
        }
        Err(e) => {
            active.reload_note = Some(ReloadNote::CannotResume {
                file,
                reason: e.to_string(),
            })
        }
    }
}
