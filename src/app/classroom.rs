//! Classroom mode's logic: the vote server while a class session is open, each stage's vote, the reveal, the road not taken and replays.
//!
//! The lecturer's keys and buttons write [`ClassAction`]s; [`apply`] carries them out on the session in
//! [`Active`] (so the drawn client, the records and the debrief work as in a student's session) and on the
//! [`Room`] the phones see. Nothing here draws.

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::core::{Active, Engine, FeedbackTiming, Scenarios, Screen, Settings, StudentRecords, replay_record};
use crate::engine::classroom::{self, ClassChoice, Qr, ReviewStep, Room, Server, ServerConfig, SharedRoom, Tally, net};
use crate::engine::records::SessionRecord;
use crate::engine::{Library, Session};

/// How long the presenter view waits for a first phone before it suggests the network may keep devices apart.
pub const NOBODY_YET: Duration = Duration::from_secs(45);

/// Where the vote on the stage on show stands, on the presenter's side.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Moment {
    /// The stage is on show; the vote is not open.
    #[default]
    Showing,
    /// Phones are voting; the split is live.
    Voting,
    /// The vote is counted; the lecturer plays the majority's move (or another).
    Locked(Tally),
    /// The move was played and its feedback is shown.
    Revealed,
}

/// How phones reach this machine.
#[derive(Debug, Clone)]
pub struct Join {
    /// The address phones type (without the code), and the one the QR code holds (with it).
    pub address: String,
    pub url: String,
    /// Other addresses of this machine, for a network where the first is not the one phones are on.
    pub others: Vec<String>,
    pub qr: Option<Qr>,
    /// This machine has no address another device can reach (only loopback, or none).
    pub unreachable: bool,
}

/// The road not taken: the class's move and the runner-up played from the same state, side by side.
#[derive(Debug, Clone)]
pub struct WhatIf {
    /// The session as the class played it (at the reveal).
    pub taken: Session,
    /// The same session from before the class's move, with the other move played (and any after it).
    pub branch: Session,
    /// How many moves the two share.
    pub from: usize,
}

/// A session stepped through on the projector: the live class session looked back on, or a recorded one.
#[derive(Debug, Clone)]
pub struct Review {
    pub title: String,
    pub steps: Vec<ReviewStep>,
    /// The session the steps were played in (its people name the feedback's figures).
    pub session: Session,
    /// The step on show (0-based).
    pub at: usize,
    /// A recorded session (Esc goes back to Your sessions) rather than the live class (Esc returns to it).
    pub recorded: bool,
}

/// The class session: the room, its server, and where the presenter is.
#[derive(Resource, Default)]
pub struct Classroom {
    pub room: Option<SharedRoom>,
    server: Option<Server>,
    pub join: Option<Join>,
    /// Why phones cannot join (the server could not start), said on the presenter view.
    pub problem: Option<String>,
    pub opened: Option<Instant>,
    pub moment: Moment,
    /// The option the lecturer picked (a number key), played instead of the majority's.
    pub pick: Option<String>,
    /// Technique names on the options (here and on the phones).
    pub labels: bool,
    /// The split shown while the vote is open (off: only how many have voted, until the lock).
    pub live_split: bool,
    /// The presenter's teaching notes (the author's notes and intents): for the lecturer's eyes.
    pub notes: bool,
    /// The list of joined devices, to remove one.
    pub devices: bool,
    /// The large join card (code, address, QR) over the view.
    pub join_card: bool,
    /// The stage on the phones as they saw it (kept through the reveal, for the split).
    pub shown: Option<classroom::Ballot>,
    /// Each move's vote, in order (None where the lecturer played without one).
    pub votes: Vec<Option<ClassChoice>>,
    pub what_if: Option<WhatIf>,
    pub review: Option<Review>,
    /// The lecturer asked to end the class session half-way: the view asks first.
    pub confirm_end: bool,
    /// The room version last drawn.
    seen: u64,
}

impl Classroom {
    /// Runs `f` on the room, if one is open (a poisoned lock still holds a consistent room: every change to
    /// it is a single assignment under the lock).
    pub fn with_room<T>(&self, f: impl FnOnce(&mut Room) -> T) -> Option<T> {
        let room = self.room.as_ref()?;
        let mut guard = room.lock().unwrap_or_else(PoisonError::into_inner);
        Some(f(&mut guard))
    }

    /// No phone has joined since the class opened a while ago: the network may keep devices apart.
    pub fn nobody_yet(&self) -> bool {
        self.opened.is_some_and(|t| t.elapsed() >= NOBODY_YET)
            && self.with_room(|r| r.devices().is_empty()).unwrap_or(false)
    }

    /// Opens the room and its server; phones can join from now until [`Classroom::close`].
    fn open(&mut self, wake: Arc<dyn Fn() + Send + Sync>, config: ServerConfig) {
        let room: SharedRoom = Arc::new(Mutex::new(Room::new()));
        let code = room.lock().unwrap_or_else(PoisonError::into_inner).code().to_owned();
        match Server::start(room.clone(), config, wake.clone()) {
            Ok(server) => {
                let port = server.local_addr().port();
                let join = join_info(&net::lan_addresses(), port, &code);
                // Said on the terminal too, for a lecturer who starts Rapport from one (and for scripts).
                println!("Class open: join at {} with code {code}", join.address);
                self.join = Some(join);
                self.server = Some(server);
                // The presenter view says so if nobody has joined by then: wake it at that moment, as nothing
                // else would (it draws only on input).
                std::thread::spawn(move || {
                    std::thread::sleep(NOBODY_YET + Duration::from_millis(200));
                    wake();
                });
            }
            Err(e) => {
                self.problem = Some(format!(
                    "The vote server could not start ({e}), so phones cannot join. You can still present: pick each \
                     move with the number keys."
                ));
            }
        }
        self.room = Some(room);
        self.opened = Some(Instant::now());
    }

    /// The port phones reach the server on, while it runs.
    pub fn port(&self) -> Option<u16> {
        self.server.as_ref().map(|s| s.local_addr().port())
    }

    /// Stops the server: from now on the port refuses every connection.
    pub fn close(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        self.room = None;
        self.join = None;
    }

    /// Puts the session's current stage on the phones (or takes the last one off at an ending).
    fn show(&mut self, s: &Session) {
        self.moment = Moment::Showing;
        self.pick = None;
        self.what_if = None;
        self.shown = classroom::ballot(s, self.labels);
        let ballot = self.shown.clone();
        self.with_room(|r| match ballot {
            Some(b) => r.show(b),
            None => r.clear(),
        });
    }

    /// The live tally (the lock's count once locked).
    pub fn tally(&self) -> Option<Tally> {
        match &self.moment {
            Moment::Locked(t) => Some(t.clone()),
            _ => self.with_room(|r| r.tally()),
        }
    }
}

/// The join card's text and QR for a server on `port`.
pub fn join_info(addresses: &[IpAddr], port: u16, code: &str) -> Join {
    let reachable: Vec<IpAddr> = addresses.iter().copied().filter(|a| !net::is_local_only(*a)).collect();
    let first = reachable
        .first()
        .copied()
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    let url = net::join_url(first, port, code);
    Join {
        address: net::base_url(first, port),
        qr: Qr::new(&url),
        url,
        others: reachable.iter().skip(1).map(|a| net::base_url(*a, port)).collect(),
        unreachable: reachable.is_empty(),
    }
}

/// Everything the lecturer can do in a class session.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum ClassAction {
    /// Start a class session of a library entry: the server opens and the first stage goes to the phones.
    Start(usize),
    OpenVote,
    Lock,
    /// The lecturer's pick (a number key): played instead of the majority's move.
    Pick(String),
    /// Play the picked move, or the majority's, and reveal its feedback.
    Play,
    /// After the reveal: on to the next stage (or to the class debrief at an ending).
    Next,
    /// After the reveal: play the runner-up from the same state, side by side.
    WhatIf,
    /// Play a move on the road not taken.
    WhatIfPlay(String),
    EndWhatIf,
    /// Step back (-1) or forward (+1) through the moves played so far.
    Look(i32),
    /// Back to the live stage (or, for a recorded session, to Your sessions).
    EndReview,
    /// Step through a recorded session on the projector.
    Present(String),
    ToggleLabels,
    ToggleSplit,
    ToggleNotes,
    ToggleDevices,
    ToggleJoinCard,
    /// Remove a joined device (by its number).
    Remove(u32),
    /// Esc: ask before ending a class half-way; `EndClass` ends it.
    AskEnd,
    KeepClass,
    EndClass,
}

/// What the server binds to: every interface on the usual port, or loopback only (tests).
#[derive(Resource, Debug, Clone, Default)]
pub struct ServerPlace(pub ServerConfig);

pub fn plugin(app: &mut App) {
    app.init_resource::<Classroom>()
        .init_resource::<ServerPlace>()
        .add_message::<ClassAction>()
        .add_systems(Update, (apply, redraw_on_votes).chain())
        // The server listens only while the class session is open.
        .add_systems(OnExit(Screen::Classroom), close);
}

fn close(mut class: ResMut<Classroom>) {
    class.close();
}

/// A vote that arrived from a phone redraws the projector's split (the server wakes the event loop).
fn redraw_on_votes(mut class: ResMut<Classroom>, mut redraw: MessageWriter<RequestRedraw>) {
    let Some(v) = class.with_room(|r| r.version()) else {
        return;
    };
    if v != class.seen {
        class.seen = v;
        redraw.write(RequestRedraw);
    }
}

/// The lecturer's session: everything `apply` needs of the app, in one place.
#[derive(bevy::ecs::system::SystemParam)]
pub struct Lecture<'w> {
    engine: Res<'w, Engine>,
    scenarios: Res<'w, Scenarios>,
    active: ResMut<'w, Active>,
    records: ResMut<'w, StudentRecords>,
    settings: Res<'w, Settings>,
    next: ResMut<'w, NextState<Screen>>,
    place: Res<'w, ServerPlace>,
    proxy: Option<Res<'w, EventLoopProxyWrapper>>,
}

pub fn apply(
    mut actions: MessageReader<ClassAction>,
    mut class: ResMut<Classroom>,
    mut lecture: Lecture,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    for action in actions.read() {
        redraw.write(RequestRedraw);
        apply_one(action.clone(), &mut class, &mut lecture);
    }
}

fn apply_one(action: ClassAction, class: &mut Classroom, l: &mut Lecture) {
    let lib: &Library = &l.engine.0;
    match action {
        ClassAction::Start(entry) => start(class, l, entry),
        ClassAction::OpenVote => {
            if matches!(class.moment, Moment::Showing | Moment::Locked(_))
                && class.with_room(Room::open).unwrap_or(false)
            {
                class.moment = Moment::Voting;
                class.join_card = false;
            }
        }
        ClassAction::Lock => {
            if class.moment == Moment::Voting
                && let Some(t) = class.with_room(Room::lock)
            {
                class.pick = t.winner().map(str::to_owned);
                class.moment = Moment::Locked(t);
            }
        }
        ClassAction::Pick(key) => {
            let open = l
                .active
                .session
                .as_ref()
                .is_some_and(|s| s.available().iter().any(|o| o.id == key));
            if open && class.moment != Moment::Revealed {
                class.pick = Some(key);
            }
        }
        ClassAction::Play => play(class, l),
        ClassAction::Next => {
            if class.moment != Moment::Revealed {
                return;
            }
            l.active.pending = None;
            let Some(s) = l.active.session.as_ref() else { return };
            if s.ended().is_some() {
                let rows = classroom::class_rows(s.history(), &class.votes);
                l.active.class = rows;
                class.close();
                l.next.set(Screen::Debrief);
            } else {
                let s = s.clone();
                class.show(&s);
            }
        }
        ClassAction::WhatIf => {
            if class.moment == Moment::Revealed && class.what_if.is_none() {
                class.what_if = what_if(class, l.active.session.as_ref(), lib);
            }
        }
        ClassAction::WhatIfPlay(key) => {
            if let Some(w) = class.what_if.as_mut()
                && w.branch.ended().is_none()
                && let Err(e) = w.branch.choose(&key)
            {
                warn!("what if: {e}");
            }
        }
        ClassAction::EndWhatIf => class.what_if = None,
        ClassAction::Look(delta) => look(class, l, delta),
        ClassAction::EndReview => {
            if class.review.take().is_some_and(|r| r.recorded) {
                l.next.set(Screen::History);
            }
        }
        ClassAction::Present(id) => present(class, l, &id),
        ClassAction::ToggleLabels => {
            class.labels = !class.labels;
            // The phones follow at once, keeping the votes already cast (the options themselves are the same).
            if class.moment != Moment::Revealed
                && let Some(s) = l.active.session.as_ref()
                && let Some(b) = classroom::ballot(s, class.labels)
            {
                class.shown = Some(b.clone());
                class.with_room(|r| r.relabel(b));
            }
        }
        ClassAction::ToggleSplit => class.live_split = !class.live_split,
        ClassAction::ToggleNotes => class.notes = !class.notes,
        ClassAction::ToggleDevices => class.devices = !class.devices,
        ClassAction::ToggleJoinCard => {
            class.join_card = !class.join_card;
            // Read this machine's addresses again: the lecturer may have just moved to a phone's hotspot.
            if class.join_card
                && let (Some(port), Some(code)) = (class.port(), class.with_room(|r| r.code().to_owned()))
            {
                class.join = Some(join_info(&net::lan_addresses(), port, &code));
            }
        }
        ClassAction::Remove(n) => {
            class.with_room(|r| r.remove(n));
        }
        ClassAction::AskEnd => {
            let half_way = l
                .active
                .session
                .as_ref()
                .is_some_and(|s| !s.history().is_empty() && s.ended().is_none());
            if half_way && class.review.is_none() {
                class.confirm_end = true;
            } else {
                apply_one(ClassAction::EndClass, class, l);
            }
        }
        ClassAction::KeepClass => class.confirm_end = false,
        ClassAction::EndClass => {
            class.confirm_end = false;
            class.close();
            let recorded = class.review.take().is_some_and(|r| r.recorded);
            l.records.leave();
            l.next.set(if recorded { Screen::History } else { Screen::Briefing });
        }
    }
}

fn start(class: &mut Classroom, l: &mut Lecture, entry: usize) {
    let lib = &l.engine.0;
    let Some(sc) = l.scenarios.entries.get(entry).and_then(|e| e.good.clone()) else {
        return;
    };
    let seed = crate::engine::records::now() as u64;
    let s = match Session::new(lib, sc, seed) {
        Ok(s) => s,
        Err(e) => {
            warn!("cannot start: {e}");
            return;
        }
    };
    l.records.leave();
    l.records.begin_as(&s, "class");
    *l.active = Active {
        session: Some(s.clone()),
        entry: Some(entry),
        ..Active::default()
    };
    class.close();
    // The class begins at the join card: code, address and QR, while the room settles.
    *class = Classroom {
        labels: true,
        live_split: true,
        join_card: true,
        ..Classroom::default()
    };
    let proxy = l.proxy.as_ref().map(|p| (***p).clone());
    let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        if let Some(p) = &proxy {
            let _ = p.send_event(WinitUserEvent::WakeUp);
        }
    });
    class.open(wake, l.place.0);
    class.show(&s);
    l.next.set(Screen::Classroom);
}

/// Plays the lecturer's pick, or the majority's move, and reveals its feedback; the vote is recorded with it.
fn play(class: &mut Classroom, l: &mut Lecture) {
    if class.moment == Moment::Voting
        && let Some(t) = class.with_room(Room::lock)
    {
        class.moment = Moment::Locked(t);
    }
    let tally = match &class.moment {
        Moment::Locked(t) => Some(t.clone()),
        Moment::Showing => None,
        Moment::Voting | Moment::Revealed => return,
    };
    let Some(key) = would_play(class) else { return };
    // The class sees each move's feedback at once, whatever the student setting.
    let settings = Settings {
        feedback: FeedbackTiming::Immediate,
        ..l.settings.clone()
    };
    let before = l.active.session.as_ref().map_or(0, |s| s.history().len());
    super::core::choose(&mut l.active, &key, &settings, &mut l.records, &mut l.next);
    let Some(s) = l.active.session.as_ref() else { return };
    if s.history().len() == before {
        return;
    }
    let vote = tally.filter(|t| t.voted > 0).map(|t| ClassChoice::new(t, &key));
    if let Some(v) = &vote {
        l.records.record_votes(s.history().len(), v);
    }
    class.votes.push(vote);
    class.with_room(Room::reveal);
    class.pick = None;
    class.moment = Moment::Revealed;
}

/// The road not taken: the runner-up of the vote (or, without one, the best move the class did not play)
/// played from the state before the class's move.
fn what_if(class: &Classroom, taken: Option<&Session>, lib: &Library) -> Option<WhatIf> {
    let taken = taken?.clone();
    let from = taken.history().len().checked_sub(1)?;
    let played = taken.choices().last()?.clone();
    let branch = Session::replay(lib, taken.scenario().clone(), taken.seed(), &taken.choices()[..from]).ok()?;
    let runner_up = class
        .votes
        .last()
        .cloned()
        .flatten()
        .and_then(|v| v.tally.runner_up(&played).map(str::to_owned))
        .or_else(|| branch.best_move().filter(|b| *b != played))
        .or_else(|| branch.available().iter().map(|o| o.id.clone()).find(|id| *id != played))?;
    let mut branch = branch;
    branch.choose(&runner_up).ok()?;
    Some(WhatIf { taken, branch, from })
}

/// Looks back over the moves played so far (or steps a recorded session).
fn look(class: &mut Classroom, l: &Lecture, delta: i32) {
    if class.review.is_none() {
        let Some(s) = l.active.session.as_ref() else { return };
        if s.history().is_empty() {
            return;
        }
        match classroom::review(&l.engine.0, s.scenario().clone(), s.seed(), s.choices(), &class.votes) {
            Ok(steps) if !steps.is_empty() => {
                let at = steps.len() - 1;
                class.review = Some(Review {
                    title: s.scenario().meta.title.clone(),
                    steps,
                    session: s.clone(),
                    at,
                    recorded: false,
                });
            }
            Ok(_) => {}
            Err(e) => warn!("cannot look back: {e}"),
        }
        return;
    }
    if let Some(r) = class.review.as_mut() {
        let last = r.steps.len().saturating_sub(1) as i64;
        r.at = (r.at as i64 + delta as i64).clamp(0, last) as usize;
    }
}

/// Opens a recorded session on the projector, step by step, with each vote's split where there was one.
fn present(class: &mut Classroom, l: &mut Lecture, id: &str) {
    let Some(rec): Option<SessionRecord> = l.records.session(id) else {
        return;
    };
    let lib = &l.engine.0;
    let steps = replay_record(&l.scenarios, lib, &rec, 0).and_then(|(s, _)| {
        classroom::review(
            lib,
            s.scenario().clone(),
            s.seed(),
            &rec.choices(),
            &crate::engine::classroom::record::votes_of(&rec),
        )
        .map(|steps| (steps, s))
        .map_err(|e| format!("This session cannot be stepped through: {e}"))
    });
    match steps {
        Ok((steps, session)) if !steps.is_empty() => {
            class.close();
            *class = Classroom {
                labels: true,
                review: Some(Review {
                    title: rec.summary.title.clone(),
                    steps,
                    session,
                    at: 0,
                    recorded: true,
                }),
                ..Classroom::default()
            };
            l.records.leave();
            *l.active = Active::default();
            l.next.set(Screen::Classroom);
        }
        Ok(_) => l.active.notice = Some("That session has no moves to step through.".into()),
        Err(e) => l.active.notice = Some(e),
    }
}

/// The move Enter plays now: the lecturer's pick, else the majority's once the vote is locked.
pub fn would_play(class: &Classroom) -> Option<String> {
    class.pick.clone().or_else(|| match &class.moment {
        Moment::Locked(t) => t.winner().map(str::to_owned),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn the_join_card_names_a_reachable_address_or_says_there_is_none() {
        let lan = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 23));
        let j = join_info(&[lan, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5))], 8377, "K7QX3M");
        assert_eq!(j.url, "http://192.168.1.23:8377/c/K7QX3M");
        assert_eq!(j.others.len(), 1);
        assert!(!j.unreachable && j.qr.is_some());
        let none = join_info(&[IpAddr::V4(Ipv4Addr::LOCALHOST)], 8377, "K7QX3M");
        assert!(none.unreachable, "loopback alone is no way in for a phone");
    }
}
