//! Headless app tests: MinimalPlugins and the app's logic plugin drive a whole session through its systems.

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;

use rapport::app::core::{
    self, Action, Active, Engine, FeedbackTiming, NextSeed, Scenarios, Screen, Settings, StudentRecords,
};
use rapport::engine::Library;

use crate::common;

fn app(feedback: FeedbackTiming) -> App {
    let lib = Library::builtin().expect("builtin");
    let mut app = App::new();
    let dir = tempfile::tempdir().expect("tempdir").keep();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Scenarios::load(&lib, &[]))
        .insert_resource(Engine(lib))
        .insert_resource(Settings {
            feedback,
            ..Settings::default()
        })
        .insert_resource(StudentRecords {
            path: dir.join("records.json"),
            ..StudentRecords::default()
        })
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
    let records = app.world().resource::<StudentRecords>();
    assert_eq!(
        records.records.scenarios.values().map(Vec::len).sum::<usize>(),
        1,
        "the result was recorded"
    );
    assert!(records.path.exists(), "and written to disk");
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
