//! A class session through the app's own systems: phones join and vote over HTTP, the lecturer locks, plays, reveals, opens the road not taken, reaches the class debrief; the record keeps the votes; a recorded session steps on the projector.

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use std::net::{IpAddr, Ipv4Addr};

use rapport::app::classroom::{self, ClassAction, Classroom, Moment, ServerPlace};
use rapport::app::core::{self, Active, DataDir, Engine, NextSeed, Scenarios, Screen, Settings, StudentRecords};
use rapport::engine::Library;
use rapport::engine::classroom::{DecidedBy, ServerConfig};
use rapport::engine::records::Store;

fn app(dir: &std::path::Path) -> App {
    let lib = Library::builtin().expect("builtin");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Scenarios::load(&lib, &[]))
        .insert_resource(Engine(lib))
        .insert_resource(Settings::default())
        .insert_resource(StudentRecords::open(dir))
        .insert_resource(DataDir(dir.to_owned()))
        .insert_resource(ServerPlace(ServerConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
        }))
        .add_plugins((core::plugin, classroom::plugin))
        .insert_resource(NextSeed(Some(3)));
    app.update();
    app
}

fn class(app: &mut App, a: ClassAction) {
    app.world_mut().write_message(a);
    app.update();
    app.update();
}

fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

/// A class session of the tutorial as the phones find it: the server's port, the code, the first stage's id and
/// its option keys.
struct Open {
    port: u16,
    code: String,
    stage: String,
    keys: Vec<String>,
}

fn open_tutorial(app: &mut App) -> Open {
    let i = app
        .world()
        .resource::<Scenarios>()
        .find("tutorial")
        .expect("the tutorial ships");
    class(app, ClassAction::Start(i));
    let c = app.world().resource::<Classroom>();
    let port = c.port().expect("the server listens while the class is open");
    let (code, ballot) = c
        .with_room(|r| (r.code().to_owned(), r.ballot().cloned()))
        .expect("a room");
    let ballot = ballot.expect("the first stage is on the phones");
    let keys = ballot.entries.iter().map(|e| e.key.clone()).collect();
    Open {
        port,
        code,
        stage: ballot.stage,
        keys,
    }
}

/// A phone: joins over HTTP and votes as the page does.
struct Phone {
    base: String,
    device: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

impl Phone {
    fn join(port: u16, code: &str) -> Phone {
        let base = format!("http://127.0.0.1:{port}/c/{code}");
        let mut r = agent().post(format!("{base}/join")).send_empty().expect("joins");
        assert_eq!(r.status().as_u16(), 200);
        let v: serde_json::Value = r.body_mut().read_json().expect("json");
        Phone {
            base,
            device: v["device"].as_str().expect("a device token").to_owned(),
        }
    }

    fn vote(&self, stage: &str, option: &str) -> u16 {
        agent()
            .post(format!("{}/vote", self.base))
            .header("X-Rapport-Device", &self.device)
            .send_json(serde_json::json!({"stage": stage, "option": option}))
            .expect("answers")
            .status()
            .as_u16()
    }
}

#[test]
fn a_class_votes_the_lecturer_reveals_and_the_record_keeps_the_votes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = app(dir.path());
    let Open {
        port,
        code,
        stage,
        keys,
    } = open_tutorial(&mut app);
    assert_eq!(screen(&app), Screen::Classroom);
    let phones: Vec<Phone> = (0..3).map(|_| Phone::join(port, &code)).collect();
    assert_eq!(
        phones[0].vote(&stage, &keys[0]),
        409,
        "no vote before the lecturer opens it"
    );
    class(&mut app, ClassAction::OpenVote);
    for (p, k) in phones.iter().zip([&keys[1], &keys[1], &keys[0]]) {
        assert_eq!(p.vote(&stage, k), 200);
    }
    class(&mut app, ClassAction::Lock);
    assert_eq!(phones[2].vote(&stage, &keys[1]), 409, "no vote after the lock");
    {
        let c = app.world().resource::<Classroom>();
        let Moment::Locked(t) = &c.moment else {
            panic!("locked: {:?}", c.moment)
        };
        assert_eq!((t.voted, t.joined, t.count(&keys[1])), (3, 3, 2));
        assert_eq!(
            classroom::would_play(c).as_deref(),
            Some(keys[1].as_str()),
            "the majority's move"
        );
    }
    class(&mut app, ClassAction::Play);
    {
        let c = app.world().resource::<Classroom>();
        assert_eq!(c.moment, Moment::Revealed);
        let v = c.votes[0].as_ref().expect("the vote is kept");
        assert_eq!(
            (v.played.as_str(), v.decided_by),
            (keys[1].as_str(), DecidedBy::Majority)
        );
        let a = app.world().resource::<Active>();
        assert_eq!(a.session.as_ref().expect("session").choices(), &[keys[1].clone()]);
        assert!(a.pending.is_some(), "the feedback is revealed");
    }

    // The road not taken: the runner-up (the minority's move) from the same state, side by side.
    class(&mut app, ClassAction::WhatIf);
    {
        let w = app
            .world()
            .resource::<Classroom>()
            .what_if
            .clone()
            .expect("a road not taken");
        assert_eq!(w.from, 0);
        assert_eq!(w.taken.choices(), &[keys[1].clone()]);
        assert_eq!(w.branch.choices(), &[keys[0].clone()], "the runner-up of the vote");
    }
    class(&mut app, ClassAction::EndWhatIf);
    assert!(app.world().resource::<Classroom>().what_if.is_none());

    // On to the end: the lecturer picks the engine's best move at each stage, without a vote.
    for _ in 0..60 {
        class(&mut app, ClassAction::Next);
        if screen(&app) == Screen::Debrief {
            break;
        }
        let best = {
            let a = app.world().resource::<Active>();
            let s = a.session.as_ref().expect("session");
            let c = app.world().resource::<Classroom>();
            let on_phones = c.with_room(|r| r.ballot().map(|b| b.stage.clone())).flatten();
            assert_eq!(
                on_phones.as_deref(),
                Some(s.stage_id()),
                "the phones show the stage on the projector"
            );
            s.best_move().expect("a move")
        };
        class(&mut app, ClassAction::Pick(best));
        class(&mut app, ClassAction::Play);
    }
    assert_eq!(screen(&app), Screen::Debrief);
    let rows = app.world().resource::<Active>().class.clone();
    let moves = app
        .world()
        .resource::<Active>()
        .session
        .as_ref()
        .expect("session")
        .history()
        .len();
    assert_eq!(rows.len(), moves, "the class debrief has a row per stage");
    assert!(rows[0].vote.is_some() && rows[1..].iter().all(|r| r.vote.is_none()));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server stops when the class session ends"
    );

    // The record: a class session, its first move with the class's vote.
    let (id, votes) = {
        let store = Store::open(dir.path()).expect("opens");
        let list = store.sessions().expect("lists");
        let s = list
            .iter()
            .find(|s| s.source == "class")
            .expect("recorded as a class session");
        let rec = store.session(&s.id).expect("reads");
        (s.id.clone(), rec.moves[0].votes.clone())
    };
    assert_eq!(votes.map(|v| v.tally.voted), Some(3));

    // Stepped through on the projector, forward and back.
    class(&mut app, ClassAction::Present(id));
    assert_eq!(screen(&app), Screen::Classroom);
    {
        let r = app.world().resource::<Classroom>().review.clone().expect("a review");
        assert_eq!(r.steps.len(), moves);
        assert_eq!(r.at, 0);
        assert!(r.steps[0].vote.is_some(), "with the vote's split where there was one");
    }
    class(&mut app, ClassAction::Look(1));
    assert_eq!(
        app.world().resource::<Classroom>().review.as_ref().map(|r| r.at),
        Some(1)
    );
    class(&mut app, ClassAction::Look(-5));
    assert_eq!(
        app.world().resource::<Classroom>().review.as_ref().map(|r| r.at),
        Some(0)
    );
    class(&mut app, ClassAction::EndReview);
    assert_eq!(screen(&app), Screen::History);
}

#[test]
fn a_tie_waits_for_the_lecturer_and_ending_half_way_asks_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = app(dir.path());
    let Open {
        port,
        code,
        stage,
        keys,
    } = open_tutorial(&mut app);
    let a = Phone::join(port, &code);
    let b = Phone::join(port, &code);
    class(&mut app, ClassAction::OpenVote);
    assert_eq!(a.vote(&stage, &keys[0]), 200);
    assert_eq!(b.vote(&stage, &keys[1]), 200);
    class(&mut app, ClassAction::Lock);
    class(&mut app, ClassAction::Play);
    assert!(
        matches!(app.world().resource::<Classroom>().moment, Moment::Locked(_)),
        "a tie plays nothing until the lecturer picks"
    );
    class(&mut app, ClassAction::Pick(keys[0].clone()));
    class(&mut app, ClassAction::Play);
    let v = app.world().resource::<Classroom>().votes[0].clone().expect("kept");
    assert_eq!(v.decided_by, DecidedBy::Lecturer);
    class(&mut app, ClassAction::Next);
    class(&mut app, ClassAction::AskEnd);
    assert!(
        app.world().resource::<Classroom>().confirm_end,
        "a class half-way is not ended on one key"
    );
    assert_eq!(screen(&app), Screen::Classroom);
    class(&mut app, ClassAction::EndClass);
    assert_eq!(screen(&app), Screen::Briefing);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "closed with the class"
    );
}
