//! Headless app tests: MinimalPlugins and the app's logic plugin drive a whole session through its systems.

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;

use rapport::app::core::{
    self, Action, Active, DataDir, Engine, FeedbackTiming, NextSeed, Scenarios, Screen, Settings, StudentRecords,
};
use rapport::engine::Library;
use rapport::engine::records::Status;

use crate::common;

fn app(feedback: FeedbackTiming) -> App {
    app_in(feedback, &tempfile::tempdir().expect("tempdir").keep())
}

/// The app's logic with its records in `dir`.
fn app_in(feedback: FeedbackTiming, dir: &std::path::Path) -> App {
    let lib = Library::builtin().expect("builtin");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Scenarios::load(&lib, &[]))
        .insert_resource(Engine(lib))
        .insert_resource(Settings {
            feedback,
            ..Settings::default()
        })
        .insert_resource(StudentRecords::open(dir))
        .insert_resource(DataDir(dir.to_owned()))
        .add_plugins(core::plugin)
        .insert_resource(NextSeed(Some(3)));
    app.update();
    app
}

fn act(app: &mut App, a: Action) {
    app.world_mut().write_message(a);
    app.update();
    app.update();
}

fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

#[test]
fn a_whole_session_runs_through_the_plugins() {
    let mut app = app(FeedbackTiming::Immediate);
    let i = app
        .world()
        .resource::<Scenarios>()
        .find("tutorial")
        .or_else(|| {
            app.world()
                .resource::<Scenarios>()
                .entries
                .iter()
                .position(|e| e.good.is_some())
        })
        .expect("a clean scenario");
    act(&mut app, Action::Open(i));
    assert_eq!(screen(&app), Screen::Briefing);
    act(&mut app, Action::Begin);
    assert_eq!(screen(&app), Screen::Session);
    let start_alliance = app
        .world()
        .resource::<Active>()
        .session
        .as_ref()
        .expect("session")
        .state()
        .alliance();
    let mut stages = Vec::new();
    for _ in 0..100 {
        let (first, stage) = {
            let a = app.world().resource::<Active>();
            let s = a.session.as_ref().expect("session");
            if s.ended().is_some() {
                break;
            }
            (s.available()[0].id.clone(), s.stage_id().to_owned())
        };
        stages.push(stage);
        act(&mut app, Action::Highlight(first.clone()));
        act(&mut app, Action::Choose(first));
        let a = app.world().resource::<Active>();
        assert!(a.pending.is_some(), "immediate feedback waits to be read");
        act(&mut app, Action::Continue);
    }
    let a = app.world().resource::<Active>();
    let s = a.session.as_ref().expect("session");
    assert!(s.ended().is_some(), "the session reached an ending");
    assert!(
        stages.len() >= 2 && stages.windows(2).any(|w| w[0] != w[1]),
        "the stage advanced: {stages:?}"
    );
    assert_ne!(s.state().alliance(), start_alliance, "the alliance changed");
    assert!(a.debrief.is_some(), "a debrief was produced");
    assert_eq!(screen(&app), Screen::Debrief);
    let moves = s.history().len();
    let records = app.world().resource::<StudentRecords>();
    assert_eq!(records.sessions.len(), 1, "the session was recorded");
    let rec = &records.sessions[0];
    assert_eq!(rec.status, Status::Finished);
    assert_eq!(rec.move_count, moves, "every move was recorded");
    assert!(rec.accuracy.is_some(), "with its accuracy");
}

/// Plays the first option at each stage until `n` moves are made or the session ends.
fn play_first(app: &mut App, n: usize) {
    for _ in 0..n {
        let first = {
            let a = app.world().resource::<Active>();
            let s = a.session.as_ref().expect("session");
            if s.ended().is_some() {
                return;
            }
            s.available()[0].id.clone()
        };
        act(app, Action::Choose(first));
        act(app, Action::Continue);
    }
}

#[test]
fn a_session_left_half_way_is_kept_and_taken_up_where_it_stopped_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = app_in(FeedbackTiming::Immediate, dir.path());
    let i = app.world().resource::<Scenarios>().find("tutorial").expect("tutorial");
    act(&mut app, Action::Open(i));
    act(&mut app, Action::Begin);
    play_first(&mut app, 2);
    let (stage, choices) = {
        let s = app.world().resource::<Active>().session.clone().expect("session");
        (s.stage_id().to_owned(), s.choices().to_vec())
    };
    // Esc asks first, and Stay keeps the session where it was; Leave keeps it in the records.
    act(&mut app, Action::Back);
    assert_eq!(screen(&app), Screen::Session, "one key does not throw a session away");
    assert!(app.world().resource::<Active>().confirm_leave);
    act(&mut app, Action::Stay);
    assert!(!app.world().resource::<Active>().confirm_leave);
    assert_eq!(
        app.world()
            .resource::<Active>()
            .session
            .as_ref()
            .expect("kept")
            .choices(),
        choices.as_slice()
    );
    act(&mut app, Action::Back);
    act(&mut app, Action::Leave);
    assert_eq!(screen(&app), Screen::Briefing);
    drop(app);
    // A new run of the app on the same records: the session is there, left before its ending.
    let mut app = app_in(FeedbackTiming::Immediate, dir.path());
    let left = app.world().resource::<StudentRecords>().sessions[0].clone();
    assert_eq!(left.status, Status::Abandoned);
    assert_eq!(left.move_count, 2);
    act(&mut app, Action::OpenPast(left.id.clone()));
    assert_eq!(screen(&app), Screen::Session);
    {
        let s = app.world().resource::<Active>().session.clone().expect("resumed");
        assert_eq!(s.stage_id(), stage, "resumed at the stage it stopped at");
        assert_eq!(s.choices(), choices.as_slice());
    }
    play_first(&mut app, 100);
    let records = app.world().resource::<StudentRecords>();
    assert_eq!(records.sessions.len(), 1, "the same session went on, not a new one");
    assert_eq!(records.sessions[0].status, Status::Finished);
    let id = records.sessions[0].id.clone();
    // The finished session's debrief reopens exactly as it was shown.
    let shown =
        serde_json::to_value(app.world().resource::<Active>().debrief.as_ref().expect("debrief")).expect("json");
    act(&mut app, Action::Goto(Screen::History));
    act(&mut app, Action::OpenPast(id));
    assert_eq!(screen(&app), Screen::Debrief);
    let reopened =
        serde_json::to_value(app.world().resource::<Active>().debrief.as_ref().expect("debrief")).expect("json");
    assert_eq!(reopened, shown);
    act(&mut app, Action::Back);
    assert_eq!(
        screen(&app),
        Screen::History,
        "back from a past debrief returns to the history"
    );
}

#[test]
fn held_feedback_goes_straight_on_and_replay_restarts_from_a_step() {
    let mut app = app(FeedbackTiming::Held);
    let i = app
        .world()
        .resource::<Scenarios>()
        .entries
        .iter()
        .position(|e| e.good.is_some())
        .expect("clean");
    act(&mut app, Action::Open(i));
    act(&mut app, Action::Begin);
    let first = app
        .world()
        .resource::<Active>()
        .session
        .as_ref()
        .expect("s")
        .available()[0]
        .id
        .clone();
    act(&mut app, Action::Choose(first));
    assert!(app.world().resource::<Active>().pending.is_none());
    assert_eq!(
        app.world()
            .resource::<Active>()
            .session
            .as_ref()
            .expect("s")
            .history()
            .len(),
        1
    );
    act(&mut app, Action::ReplayFrom(1));
    let a = app.world().resource::<Active>();
    assert_eq!(
        a.session.as_ref().expect("s").history().len(),
        0,
        "replay from step 1 starts over"
    );
    assert_eq!(screen(&app), Screen::Session);
    act(&mut app, Action::Back);
    assert_eq!(screen(&app), Screen::Briefing);
    act(&mut app, Action::Back);
    assert_eq!(screen(&app), Screen::Library);
}

#[test]
fn hot_reload_resumes_a_clean_edit_and_keeps_the_last_good_version_of_a_broken_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("minimal.ron");
    let src = std::fs::read_to_string(common::fixture("minimal.ron")).expect("fixture");
    std::fs::write(&path, &src).expect("write");
    let lib = Library::builtin().expect("builtin");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Scenarios::load(&lib, &[dir.path().to_path_buf()]))
        .insert_resource(Engine(lib))
        .insert_resource(Settings::default())
        .insert_resource(StudentRecords::default())
        .insert_resource(DataDir(dir.path().to_owned()))
        .add_plugins(core::plugin)
        .insert_resource(NextSeed(Some(1)));
    app.update();
    let i = app
        .world()
        .resource::<Scenarios>()
        .find("minimal")
        .expect("loaded from the folder");
    let abs = std::fs::canonicalize(&path).expect("abs");
    act(&mut app, Action::Open(i));
    act(&mut app, Action::Begin);
    act(&mut app, Action::Choose("open.reflect".into()));
    act(&mut app, Action::Continue);
    assert_eq!(
        app.world().resource::<Active>().session.as_ref().expect("s").stage_id(),
        "middle"
    );

    // A clean edit: the session resumes at the same stage with the new words.
    std::fs::write(
        &path,
        src.replace("Maybe it's just how I am.", "Maybe this is just me."),
    )
    .expect("write");
    act(&mut app, Action::FileChanged(abs.clone()));
    let a = app.world().resource::<Active>();
    let s = a.session.as_ref().expect("s");
    assert_eq!(s.stage_id(), "middle");
    assert_eq!(s.history().len(), 1);
    assert!(matches!(a.reload_note, Some(core::ReloadNote::Resumed { .. })));

    // A broken edit: the last good version keeps running and the diagnostics are there to show.
    std::fs::write(
        &path,
        src.replace("technique: \"metacommunication\"", "technique: \"metacomunication\""),
    )
    .expect("write");
    act(&mut app, Action::FileChanged(abs));
    let a = app.world().resource::<Active>();
    match &a.reload_note {
        Some(core::ReloadNote::Kept { problems, .. }) => {
            assert!(
                problems
                    .iter()
                    .any(|d| d.code == rapport::engine::Code::R102 && d.line > 0),
                "{problems:?}"
            );
        }
        other => panic!("expected the broken file to be kept out: {other:?}"),
    }
    assert_eq!(
        a.session.as_ref().expect("s").stage_id(),
        "middle",
        "the session keeps running"
    );
    let e = &app.world().resource::<Scenarios>().entries[i];
    assert!(e.good.is_some() && !e.errors().is_empty());
}

#[test]
fn in_a_room_the_trainee_turns_a_move_to_one_person_before_confirming() {
    let mut app = app(FeedbackTiming::Immediate);
    let i = app
        .world()
        .resource::<Scenarios>()
        .find("couple_conflict")
        .expect("the couple scenario ships");
    act(&mut app, Action::Open(i));
    act(&mut app, Action::Begin);
    // The first move the trainee can turn to someone: highlight it, turn it to the second person, confirm.
    let (id, who) = {
        let a = app.world().resource::<Active>();
        let s = a.session.as_ref().expect("session");
        let o = s
            .available()
            .into_iter()
            .find(|o| s.can_address(o))
            .expect("a move that can be turned");
        (o.id.clone(), s.state().people[1].id.clone())
    };
    act(&mut app, Action::Highlight(id.clone()));
    act(&mut app, Action::Address(Some(1)));
    act(&mut app, Action::Choose(id.clone()));
    let a = app.world().resource::<Active>();
    let s = a.session.as_ref().expect("session");
    assert_eq!(
        s.choices(),
        [format!("{id}@{who}")],
        "the choice records whom it was turned to"
    );
    assert_eq!(s.history()[0].to, vec![who]);
    assert_eq!(a.addressee, None, "the next move starts addressed to everyone again");
}

/// Everything a screen reader is told about what was drawn: each node's role, name (label), value and description.
fn spoken(ctx: &bevy_egui::egui::Context, draw: impl FnMut(&mut bevy_egui::egui::Ui)) -> Vec<(String, String)> {
    use bevy_egui::egui;
    ctx.enable_accesskit();
    let out = ctx.run_ui(
        egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 4000.0))),
            ..Default::default()
        },
        draw,
    );
    let mut out = out;
    out.textures_delta.clear();
    let update = out.platform_output.accesskit_update.expect("an AccessKit tree");
    update
        .nodes
        .iter()
        .map(|(_, n)| {
            let text = [n.label(), n.value(), n.description()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" | ");
            (format!("{:?}", n.role()), text)
        })
        .collect()
}

#[test]
fn what_a_student_reads_has_no_stage_id_no_backtick_and_no_author_wording_and_every_control_has_a_name() {
    use bevy_egui::egui;
    use rapport::app::ui::{debrief, session};
    use rapport::engine::{Session, report::debrief as engine_debrief};
    let lib = Library::builtin().expect("builtin");
    let scenarios = Scenarios::load(&lib, &[]);
    let mut checked = 0;
    for sc in scenarios.entries.iter().filter_map(|e| e.good.clone()) {
        let ids: Vec<String> = sc.stages.iter().map(|s| s.id.clone()).collect();
        for worst in [false, true] {
            let mut s = Session::new(&lib, sc.clone(), 7).expect("starts");
            let mut texts: Vec<(String, String)> = Vec::new();
            while s.ended().is_none() && s.history().len() < 60 {
                let pick = if worst {
                    s.available()
                        .iter()
                        .min_by(|a, b| {
                            let e =
                                |o: &&rapport::engine::format::scenario::Choice| s.evaluate(o).map_or(0.0, |e| e.score);
                            e(a).total_cmp(&e(b))
                        })
                        .map(|o| o.id.clone())
                } else {
                    s.best_move()
                };
                let events = s.choose(&pick.expect("a move")).expect("plays");
                let o = s.history().last().expect("a move").clone();
                let ctx = egui::Context::default();
                texts.extend(spoken(&ctx, |ctx| {
                    egui::CentralPanel::default().show(ctx, |ui| {
                        session::feedback(ui, &o, &s, &events, Some(core::WhyTag::Marker))
                    });
                }));
            }
            let d = engine_debrief::debrief(&s);
            let history: Vec<&rapport::engine::play::session::ChoiceOutcome> = s.history().iter().collect();
            let ctx = egui::Context::default();
            texts.extend(spoken(&ctx, |ui| {
                let mut out = Vec::new();
                debrief::panels(ui, &d, &history, &[], &[], &Action::ReplayFrom, &mut out);
            }));
            for (role, text) in &texts {
                let lower = text.to_lowercase();
                assert!(!text.contains('`'), "{}: a backtick in {role} `{text}`", sc.id);
                assert!(!lower.contains("override"), "{}: 'override' in {role} `{text}`", sc.id);
                assert!(!lower.contains("author"), "{}: 'author' in {role} `{text}`", sc.id);
                for id in &ids {
                    let found = text
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == id);
                    assert!(!found, "{}: the stage id {id} in {role} `{text}`", sc.id);
                }
                if role == "Button" || role == "CheckBox" || role == "RadioButton" {
                    assert!(!text.trim().is_empty(), "{}: a {role} without a name", sc.id);
                }
            }
            checked += texts.len();
        }
    }
    assert!(checked > 1000, "the test read what was drawn: {checked} nodes");
}

#[test]
fn a_stage_renders_to_a_png_without_a_display() {
    let has_xvfb = std::process::Command::new("sh")
        .args(["-c", "command -v Xvfb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_xvfb && std::env::var_os("CI").is_none() {
        eprintln!("skipped: rendering without a display needs Xvfb here");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("practice.png");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args([
            "render",
            &format!("{}/scenarios/tutorial.ron", env!("CARGO_MANIFEST_DIR")),
            "--stage",
        ])
        .args(["tut_practice", "-o"])
        .arg(&png)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).expect("the PNG was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(
        bytes.len() > 20_000,
        "a whole screen, not a blank one: {} bytes",
        bytes.len()
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("tut_practice"));
}
