//! The app's logic without drawing: the Screen state, resources, the Action message and the systems that apply it.
//!
//! Everything here runs under `MinimalPlugins`, which is how the headless app tests drive whole sessions.

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::format::scenario::Marker;
use crate::engine::load::{self, LoadedScenario};
use crate::engine::play::session::{ChoiceOutcome, Event};
use crate::engine::records::xapi::XapiSettings;
use crate::engine::records::{self, SessionRecord, SessionSummary, Store};
use crate::engine::report::debrief::{self, Debrief};
use crate::engine::vocab::{ProcessMarker, RuptureKind};
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
    /// The student's past sessions, trends and what they tend to miss.
    History,
    /// For educators: many students' exports merged into one summary per scenario.
    Class,
    /// Classroom mode: the presenter view of a class session (or a recorded session stepped through).
    Classroom,
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
            // Catalogs, weights and play scripts may share the folder; they are not scenarios.
            let Some(l) = load::load_file(&path, lib).into_scenario() else {
                continue;
            };
            // The watcher reports absolute paths; keep the absolute one to match them.
            let abs = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            entries.push(Entry::new(path.display().to_string(), Some(abs), l));
        }
        // The shipped ones from introductory to advanced (the tutorial first), then by title: a newcomer's
        // first card is where to start.
        let mut shipped: Vec<Entry> = shipped::load_all(&lib.catalog)
            .into_iter()
            .map(|l| Entry::new(l.file.clone(), None, l))
            .collect();
        shipped.sort_by_key(|e| {
            e.good
                .as_ref()
                .map(|s| (s.id != "tutorial", s.meta.difficulty, s.meta.title.clone()))
        });
        entries.extend(shipped);
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
#[serde(default)]
pub struct Settings {
    pub feedback: FeedbackTiming,
    /// 1.0 normal .. 2.5 projector.
    pub text_scale: f32,
    pub theme: Theme,
    /// Where results go beyond this machine (xAPI to an institution's Learning Record Store); off by default.
    pub xapi: records::xapi::XapiSettings,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            feedback: FeedbackTiming::Immediate,
            text_scale: 1.0,
            theme: Theme::Dark,
            xapi: records::xapi::XapiSettings::default(),
        }
    }
}

/// The folder of records and settings: `--data-dir`, else `RAPPORT_HOME`, else the platform's.
#[derive(Resource, Debug, Clone)]
pub struct DataDir(pub PathBuf);

impl Settings {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(records::SETTINGS_FILE)
    }

    pub fn load(dir: &Path) -> Settings {
        std::fs::read_to_string(Settings::path(dir))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// Saves atomically (temp file, fsync, rename), as the records are.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::engine::atomic::write(&Settings::path(dir), &json)
    }
}

/// The student's records: the store, the sessions it holds (read again after every write, so screens draw
/// from memory), and the session being recorded.
#[derive(Resource, Default)]
pub struct StudentRecords {
    /// Behind a mutex because a SQLite connection is not `Sync`; only the systems of this module use it.
    store: Option<std::sync::Mutex<Store>>,
    /// Every recorded session, newest first.
    pub sessions: Vec<SessionSummary>,
    /// The id of the session being played, as recorded.
    pub recording: Option<String>,
    /// A problem opening or writing the store, shown in the library.
    pub problem: Option<String>,
    /// What the last send to a learning record store did (written by the sending thread).
    pub sent: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    dir: Option<PathBuf>,
}

impl StudentRecords {
    /// Opens the store in `dir`; a store that cannot be opened leaves the app running, saying why.
    pub fn open(dir: &Path) -> StudentRecords {
        match Store::open(dir) {
            Ok(store) => {
                let mut r = StudentRecords {
                    store: Some(std::sync::Mutex::new(store)),
                    dir: Some(dir.to_owned()),
                    ..StudentRecords::default()
                };
                r.refresh();
                r
            }
            Err(e) => StudentRecords {
                problem: Some(format!("{e}; this session's results will not be saved")),
                ..StudentRecords::default()
            },
        }
    }

    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T, records::StoreError>) -> Option<T> {
        let store = self.store.as_ref()?;
        let mut guard = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match f(&mut guard) {
            Ok(v) => Some(v),
            Err(e) => {
                drop(guard);
                warn!("records: {e}");
                self.problem = Some(e.to_string());
                None
            }
        }
    }

    fn refresh(&mut self) {
        if let Some(list) = self.with(|s| s.sessions()) {
            self.sessions = list;
        }
    }

    /// Starts recording a session, with the moves it already holds (a replay from a step records its prefix).
    pub fn begin(&mut self, session: &Session) {
        self.begin_as(session, "app");
    }

    /// Starts recording a session played from `source` (`app`, or `class` for a class session).
    pub fn begin_as(&mut self, session: &Session, source: &str) {
        self.recording = self.with(|s| s.begin_with_history(session, source));
        self.refresh();
    }

    /// Records the class's vote on the move just recorded.
    pub fn record_votes(&mut self, step: usize, votes: &crate::engine::classroom::ClassChoice) {
        let Some(id) = self.recording.clone() else { return };
        self.with(|s| s.record_votes(&id, step, votes));
    }

    /// Records the last choice of the session being played (and its ending with the debrief); a finished
    /// session goes to the learning record store when one is configured.
    pub fn record(&mut self, session: &Session, events: &[Event], debrief: Option<&Debrief>, xapi: &XapiSettings) {
        let Some(id) = self.recording.clone() else { return };
        self.with(|s| s.record(&id, session, events, debrief));
        if session.ended().is_some() {
            self.recording = None;
            self.send(&id, xapi);
        }
        self.refresh();
    }

    /// Queues a session's statements and sends what waits, on a thread of its own (with its own connection
    /// to the store), so a slow or absent network never holds up the screen.
    fn send(&self, id: &str, xapi: &XapiSettings) {
        let xapi = xapi.clone().with_env();
        let Some(dir) = self.dir.clone().filter(|_| !xapi.lrs.is_empty()) else {
            return;
        };
        let (id, sent) = (id.to_owned(), self.sent.clone());
        std::thread::spawn(move || {
            let note = records::xapi::send_session(&dir, &id, &xapi);
            if let Ok(mut s) = sent.lock() {
                *s = Some(note);
            }
        });
    }

    /// The session being played is left before its ending: kept, and resumable from the history.
    pub fn leave(&mut self) {
        if let Some(id) = self.recording.take() {
            self.with(|s| s.abandon(&id));
            self.refresh();
        }
    }

    /// Takes up a recorded session again: it is recorded as playing from where it stopped.
    pub fn resume(&mut self, id: &str) {
        self.recording = self.with(|s| s.reopen(id).map(|()| id.to_owned()));
        self.refresh();
    }

    /// One recorded session in full.
    pub fn session(&mut self, id: &str) -> Option<SessionRecord> {
        self.with(|s| s.session(id))
    }

    /// Every recorded session in full, oldest first (for the history's trends).
    pub fn all(&mut self) -> Vec<SessionRecord> {
        self.with(|s| s.all()).unwrap_or_default()
    }

    /// The last session of a scenario and how many there are.
    pub fn last_of(&self, scenario: &str) -> Option<(&SessionSummary, usize)> {
        let mut of = self.sessions.iter().filter(|s| s.scenario == scenario);
        let last = of.next()?;
        Some((last, 1 + of.count()))
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

    /// What the move did about the reason the trainee gave for it: the reason is answered, not just recorded.
    pub fn answer(self, o: &ChoiceOutcome) -> String {
        match self {
            WhyTag::Marker if o.marker_answered => "You chose it for a marker you noticed, and it answered one.".into(),
            WhyTag::Marker if o.markers_present > 0 => {
                "You chose it for a marker you noticed: one was there, but this move is not the task that answers it."
                    .into()
            }
            WhyTag::Marker => "You chose it for a marker, but this moment showed no process marker.".into(),
            WhyTag::Relationship if o.relational => {
                "You chose it for the relationship: it is a relational move, and it carried the common factors noted \
                 below."
                    .into()
            }
            WhyTag::Relationship => format!(
                "You chose it for the relationship; it is a technique more than a relational move, and the alliance \
                 moved {:+.2}.",
                o.alliance_after.mean() - o.alliance_before.mean()
            ),
            WhyTag::Phase if o.missing.is_empty() => {
                "You chose it for the phase of therapy, and it suited it: nothing it needs was missing.".into()
            }
            WhyTag::Phase => format!(
                "You chose it for the phase of therapy, but it came before what it needs: {}.",
                o.missing.iter().map(|g| g.label()).collect::<Vec<_>>().join(", ")
            ),
            WhyTag::Culture if o.culturally_adapted => {
                "You chose it for the client's culture or faith, and it works within their own account of the problem."
                    .into()
            }
            WhyTag::Culture => {
                "You chose it for the client's culture or faith; this move does not adapt to them (see the fit's \
                 culture term, where culture matters here)."
                    .into()
            }
            WhyTag::ClientFeature => match o
                .evaluation
                .fit
                .parts
                .iter()
                .max_by(|a, b| (a.weight * a.value.abs()).total_cmp(&(b.weight * b.value.abs())))
            {
                Some(p) => format!(
                    "You chose it for a client feature; the one that weighed most: {}",
                    p.why
                ),
                None => "You chose it for a client feature.".into(),
            },
            WhyTag::UnifyingTheory => {
                "You chose it for a unifying theory: the debrief shows whether your moves followed one formulation \
                 (theoretical integration) or ranged across schools."
                    .into()
            }
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
    /// A recorded session reopened from the history: the debrief screen shows it as it was.
    pub past: Option<SessionRecord>,
    /// Why a recorded session could not be opened or played again, shown in the history.
    pub notice: Option<String>,
    /// The trainee asked to leave a session half-way: the app asks first.
    pub confirm_leave: bool,
    /// In a class session's debrief: the class's choices against the best move open at each stage.
    pub class: Vec<crate::engine::classroom::ClassRow>,
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

    /// The mood of person `i`: their own rupture or repair, else what they show at this stage (a vulnerability,
    /// safety or dissociation marker is drawn as distress, whatever the distress figure), else their distress.
    pub fn of_person(active: &Active, i: usize) -> Mood {
        let Some(s) = &active.session else { return Mood::Calm };
        let Some(p) = s.state().people.get(i) else {
            return Mood::Calm;
        };
        let shows_distress = s.stage().is_some_and(|st| {
            s.scenario().markers_at(st).iter().any(|(who, m)| {
                *who == i
                    && matches!(
                        m,
                        Marker::Process(
                            ProcessMarker::Vulnerability | ProcessMarker::SafetyConcern | ProcessMarker::Dissociation
                        )
                    )
            })
        });
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
            None if shows_distress || p.distress >= 0.6 => Mood::Distressed,
            None => Mood::Calm,
        }
    }

    /// Whether the words under the drawing should say it: always for a rupture or a repair (the author's
    /// description of the moment does not know about them), otherwise only where the author wrote none.
    pub fn worth_saying(self, author_wrote: bool) -> bool {
        matches!(self, Mood::Withdrawn | Mood::Confronting | Mood::Relieved) || !author_wrote
    }

    /// The same as the picture, in words, for those who cannot see it, in the person's own pronouns.
    pub fn describe(self, name: &str, pronouns: &str) -> String {
        let p = Pronouns::of(pronouns);
        match self {
            Mood::Calm => format!("{name} sits upright and open, meeting your eyes."),
            Mood::Distressed => format!("{name} is tense and hunched, brow furrowed: visibly distressed."),
            Mood::Withdrawn => format!(
                "{name} looks away and folds inward, arms around {}: a withdrawal rupture.",
                p.reflexive
            ),
            Mood::Confronting => format!("{name} leans in with arms crossed and jaw set: a confrontation rupture."),
            Mood::Relieved => format!(
                "{name}'s shoulders drop and {} {} back at you, softer: the rupture has been repaired.",
                p.subject,
                if p.plural { "look" } else { "looks" }
            ),
        }
    }
}

/// A person's pronouns, read from their profile ("she/her", "he/him", "they/them"; anything else: they).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pronouns {
    pub subject: &'static str,
    pub reflexive: &'static str,
    /// "they" takes a plural verb.
    plural: bool,
}

impl Pronouns {
    pub fn of(profile: &str) -> Pronouns {
        let first = profile
            .split(['/', ' ', ','])
            .next()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        match first.as_str() {
            "she" => Pronouns {
                subject: "she",
                reflexive: "herself",
                plural: false,
            },
            "he" => Pronouns {
                subject: "he",
                reflexive: "himself",
                plural: false,
            },
            _ => Pronouns {
                subject: "they",
                reflexive: "themselves",
                plural: true,
            },
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
    /// Open a recorded session: a finished one's debrief as it was shown; one that stopped early is taken
    /// up where it stopped.
    OpenPast(String),
    /// Read the class report's folder.
    ReadClass,
    /// Open or close the glossary.
    ToggleGlossary,
    /// Stay in the session (the leave dialog's answer).
    Stay,
    /// Leave the session half-way: it is kept, resumable from the history.
    Leave,
    /// Play a recorded session again from the start of step N (1-based): the same client, the same seed.
    PlayFrom(String, usize),
    Back,
    Goto(Screen),
    /// A scenario file changed on disk.
    FileChanged(PathBuf),
    /// The settings changed; save them.
    SettingsChanged,
}

/// Whether the glossary is open over the screen, and what it is filtered to.
#[derive(Resource, Debug, Default)]
pub struct Glossary {
    pub open: bool,
    pub search: String,
}

/// The class report screen: the folder of exports and what was read from it.
#[derive(Resource, Debug, Default)]
pub struct ClassView {
    pub folder: String,
    pub report: Option<records::report::ClassReport>,
    /// Files that could not be counted, and why.
    pub problems: Vec<String>,
}

impl ClassView {
    /// Reads every export under the folder and summarises it, naming stages and endings from the library.
    pub fn read(&mut self, scenarios: &Scenarios, lib: &Library) {
        let (entries, problems) = records::report::read(&[PathBuf::from(self.folder.trim())]);
        let mut names = records::export::Names::new();
        names.add_catalog(&lib.catalog);
        for sc in scenarios.entries.iter().filter_map(|e| e.good.as_ref()) {
            names.add_scenario(sc);
        }
        self.report = (!entries.is_empty()).then(|| {
            let mut r = records::report::summarise(&entries);
            r.name(&names);
            r
        });
        self.problems = problems;
        if self.report.is_none() && self.problems.is_empty() {
            self.problems
                .push(format!("No exports found in {}.", self.folder.trim()));
        }
    }
}

/// Where Esc and "Back" from Settings return to.
#[derive(Resource, Debug, Default)]
pub struct ReturnTo(pub Option<Screen>);

/// The seed of the next session: time-based for variety, fixed by `--seed`.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct NextSeed(pub Option<u64>);

/// The logic plugin: state, resources, the Action message and its system.
pub fn plugin(app: &mut App) {
    app.init_state::<Screen>()
        .add_message::<Action>()
        .add_message::<RequestRedraw>()
        .init_resource::<Active>()
        .init_resource::<ReturnTo>()
        .init_resource::<ClassView>()
        .init_resource::<Glossary>()
        // Kept if the app set one already (`--seed`): the tour and the demos depend on it.
        .init_resource::<NextSeed>()
        .add_systems(Update, apply_actions);
}

#[expect(
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
    data_dir: Res<DataDir>,
    seed: Res<NextSeed>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut return_to: ResMut<ReturnTo>,
    mut class: ResMut<ClassView>,
    mut glossary: ResMut<Glossary>,
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
                let seed = seed.0.unwrap_or_else(|| records::now() as u64);
                match Session::new(&engine.0, sc, seed) {
                    Ok(s) => {
                        records.leave();
                        records.begin(&s);
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
                let replay = Session::replay(&engine.0, s.scenario().clone(), s.seed(), &keep);
                match replay {
                    Ok(r) => {
                        records.leave();
                        records.begin(&r);
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
            Action::ReadClass => class.read(&scenarios, &engine.0),
            Action::Stay => active.confirm_leave = false,
            Action::Leave => {
                active.confirm_leave = false;
                records.leave();
                next.set(Screen::Briefing);
            }
            Action::ToggleGlossary => glossary.open = !glossary.open,
            Action::OpenPast(id) => open_past(&mut active, &mut records, &scenarios, &engine.0, &id, &mut next),
            Action::PlayFrom(id, step) => {
                let Some(rec) = records.session(&id) else { continue };
                let upto = step.saturating_sub(1);
                take_up(&mut active, &mut records, &scenarios, &engine.0, &rec, upto, &mut next);
            }
            Action::Back => match screen.get() {
                Screen::Library => {}
                Screen::Debrief if active.past.is_some() => next.set(Screen::History),
                Screen::Class => next.set(Screen::History),
                // The presenter view handles its own Esc (it asks before ending a class half-way).
                Screen::Classroom => {}
                Screen::Briefing | Screen::Debrief | Screen::History => next.set(Screen::Library),
                // A session with moves made and no ending yet is not left on one key: the app asks first.
                Screen::Session if active.confirm_leave => active.confirm_leave = false,
                Screen::Session
                    if active
                        .session
                        .as_ref()
                        .is_some_and(|s| !s.history().is_empty() && s.ended().is_none()) =>
                {
                    active.confirm_leave = true
                }
                Screen::Session => {
                    records.leave();
                    next.set(Screen::Briefing)
                }
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
                if let Err(e) = settings.save(&data_dir.0) {
                    warn!("cannot save settings: {e}");
                }
            }
        }
    }
    if any {
        redraw.write(RequestRedraw);
    }
}

pub(crate) fn choose(
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
            let d = ended.then(|| debrief::debrief(s));
            records.record(s, &events, d.as_ref(), &settings.xapi);
            if d.is_some() {
                active.debrief = d;
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

/// A recorded session replayed to its first `upto` moves, with the library entry of its scenario.
pub fn replay_record(
    scenarios: &Scenarios,
    lib: &Library,
    rec: &SessionRecord,
    upto: usize,
) -> Result<(Session, usize), String> {
    let sum = &rec.summary;
    let entry = scenarios.find(&sum.scenario).ok_or_else(|| {
        format!(
            "\"{}\" is no longer in the library, so it cannot be played again.",
            sum.title
        )
    })?;
    let sc = scenarios.entries[entry]
        .good
        .clone()
        .ok_or_else(|| format!("\"{}\" has errors at the moment; fix them to play it again.", sum.title))?;
    let keep: Vec<String> = rec.choices().into_iter().take(upto).collect();
    let changed = records::content_hash(&sc) != sum.content_hash;
    Session::replay(lib, sc, sum.seed, &keep)
        .map(|s| (s, entry))
        .map_err(|e| {
            if changed {
                format!(
                    "\"{}\" has changed since this session ({e}), so it cannot be replayed move for move.",
                    sum.title
                )
            } else {
                format!("This session cannot be replayed: {e}")
            }
        })
}

/// Replays a recorded session's first `upto` moves and goes on from there. A session that stopped before its
/// ending, taken up where it stopped, goes on as the same session; any other replay is recorded as a new one.
fn take_up(
    active: &mut Active,
    records: &mut StudentRecords,
    scenarios: &Scenarios,
    lib: &Library,
    rec: &SessionRecord,
    upto: usize,
    next: &mut NextState<Screen>,
) {
    match replay_record(scenarios, lib, rec, upto) {
        Ok((session, entry)) => {
            records.leave();
            if rec.debrief.is_none() && upto == rec.moves.len() {
                records.resume(&rec.summary.id);
            } else {
                records.begin(&session);
            }
            *active = Active {
                session: Some(session),
                entry: Some(entry),
                ..Active::default()
            };
            next.set(Screen::Session);
        }
        Err(e) => active.notice = Some(e),
    }
}

/// Opens a recorded session: a finished one shows its debrief exactly as it was; one that stopped early
/// is taken up where it stopped.
fn open_past(
    active: &mut Active,
    records: &mut StudentRecords,
    scenarios: &Scenarios,
    lib: &Library,
    id: &str,
    next: &mut NextState<Screen>,
) {
    let Some(rec) = records.session(id) else { return };
    if rec.debrief.is_none() {
        take_up(active, records, scenarios, lib, &rec, rec.moves.len(), next);
        return;
    }
    records.leave();
    // A class session's debrief shows the class's choices again, with their votes.
    let class = crate::engine::classroom::record::rows_of(&rec);
    *active = Active {
        debrief: rec.debrief.clone(),
        past: Some(rec),
        class,
        ..Active::default()
    };
    next.set(Screen::Debrief);
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
    match Session::resume(lib, new, s.seed(), snap) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawing_in_words_uses_the_clients_own_pronouns() {
        let she = Mood::Withdrawn.describe("Lucía", "she/her");
        assert!(she.contains("arms around herself"), "{she}");
        let he = Mood::Relieved.describe("Callum", "he/him");
        assert!(he.contains("and he looks back"), "{he}");
        let they = Mood::Relieved.describe("Sam", "they/them");
        assert!(they.contains("and they look back"), "{they}");
        assert!(!Mood::Withdrawn.describe("Lucía", "she/her").contains("themself"));
    }

    #[test]
    fn an_authors_description_of_the_moment_is_not_contradicted() {
        // The author's words stand for a calm or distressed moment; a rupture or a repair is still said.
        assert!(!Mood::Calm.worth_saying(true));
        assert!(!Mood::Distressed.worth_saying(true));
        assert!(Mood::Withdrawn.worth_saying(true));
        assert!(Mood::Calm.worth_saying(false));
    }
}
