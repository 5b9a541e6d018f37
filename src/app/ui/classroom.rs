//! The presenter view: the client large for the back of the room, the options with the class's live split, the reveal, the road not taken, replays.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Legend, Line};

use super::ScreenDraw;
use crate::app::classroom::{ClassAction, Classroom, Join, Moment, Review, WhatIf, would_play};
use crate::app::core::{Active, Screen};
use crate::app::figure::FigureArea;
use crate::engine::classroom::{Ballot, ClassChoice, ClassRow, DecidedBy, Tally};
use crate::engine::play::session::{ChoiceOutcome, Session};

pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.in_set(ScreenDraw).run_if(in_state(Screen::Classroom)),
    );
}

/// Text sizes read from the back of a lecture hall (before the projector's own text scale).
const WORDS: f32 = 30.0;
const OPTION: f32 = 22.0;
const NOTE: f32 = 20.0;

fn draw(
    mut contexts: EguiContexts,
    class: Res<Classroom>,
    active: Res<Active>,
    mut area: ResMut<FigureArea>,
    mut actions: MessageWriter<ClassAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    let mut out: Vec<ClassAction> = Vec::new();
    keys(&ctx, &class, &active, &mut out);

    if let Some(r) = &class.review {
        review(&mut root, r, &mut out);
    } else if let Some(s) = &active.session {
        top(&mut root, &class, s, &mut out);
        if let Some(w) = &class.what_if {
            what_if(&mut root, w, &mut out);
        } else {
            live(&ctx, &mut root, &class, &active, s, &mut area, &mut out);
        }
    }
    if class.confirm_end {
        confirm_end(&ctx, &mut out);
    }
    if class.join_card
        && let Some(j) = &class.join
    {
        join_card(&ctx, j, class.with_room(|r| r.code().to_owned()).unwrap_or_default());
    }
    if class.devices {
        devices(&ctx, &class, &mut out);
    }
    for a in out {
        actions.write(a);
    }
    Ok(())
}

/// Every control has a key, so the lecturer can teach from a wireless presenter or the laptop keyboard.
fn keys(ctx: &egui::Context, class: &Classroom, active: &Active, out: &mut Vec<ClassAction>) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    // Enter on a focused button is that button's (egui clicks it): the view's Enter acts only when nothing has
    // focus, so one press never plays a move and skips the next stage.
    let focused = ctx.memory(|m| m.focused().is_some());
    let pressed = |k: egui::Key| ctx.input(|i| i.key_pressed(k)) && !(k == egui::Key::Enter && focused);
    let digit = ctx.input(|i| {
        (1..=9).find(|n| {
            let k = egui::Key::from_name(&n.to_string());
            k.is_some_and(|k| i.key_pressed(k))
        })
    });
    if pressed(egui::Key::Escape) {
        out.push(if class.confirm_end {
            ClassAction::KeepClass
        } else if class.devices {
            ClassAction::ToggleDevices
        } else if class.join_card {
            ClassAction::ToggleJoinCard
        } else if class.what_if.is_some() {
            ClassAction::EndWhatIf
        } else if class.review.is_some() {
            ClassAction::EndReview
        } else {
            ClassAction::AskEnd
        });
        return;
    }
    if class.confirm_end {
        if pressed(egui::Key::Enter) {
            out.push(ClassAction::EndClass);
        }
        return;
    }
    if pressed(egui::Key::ArrowLeft) || pressed(egui::Key::B) {
        out.push(ClassAction::Look(-1));
    }
    if pressed(egui::Key::ArrowRight) && class.review.is_some() {
        out.push(ClassAction::Look(1));
    }
    if class.review.is_some() {
        return;
    }
    let toggles = [
        (egui::Key::T, ClassAction::ToggleLabels),
        (egui::Key::H, ClassAction::ToggleSplit),
        (egui::Key::N, ClassAction::ToggleNotes),
        (egui::Key::D, ClassAction::ToggleDevices),
        (egui::Key::J, ClassAction::ToggleJoinCard),
    ];
    for (k, a) in toggles {
        if pressed(k) {
            out.push(a);
        }
    }
    if let Some(w) = &class.what_if {
        if let Some(n) = digit
            && let Some(o) = w.branch.available().get(n - 1)
        {
            out.push(ClassAction::WhatIfPlay(o.id.clone()));
        }
        return;
    }
    let Some(s) = &active.session else { return };
    match class.moment {
        Moment::Revealed => {
            if pressed(egui::Key::Enter) {
                out.push(ClassAction::Next);
            }
            if pressed(egui::Key::W) {
                out.push(ClassAction::WhatIf);
            }
        }
        _ => {
            if pressed(egui::Key::V) {
                out.push(ClassAction::OpenVote);
            }
            if pressed(egui::Key::L) {
                out.push(ClassAction::Lock);
            }
            if let Some(n) = digit
                && let Some(o) = s.available().get(n - 1)
            {
                out.push(ClassAction::Pick(o.id.clone()));
            }
            if pressed(egui::Key::Enter) {
                out.push(ClassAction::Play);
            }
        }
    }
}

/// The bar across the top: where to join, how many have, and the lecturer's switches.
fn top(root: &mut egui::Ui, class: &Classroom, s: &Session, out: &mut Vec<ClassAction>) {
    egui::Panel::top("class_top").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.heading(format!("Class: {}", s.scenario().meta.title));
            ui.separator();
            let code = class.with_room(|r| r.code().to_owned());
            match (&class.join, code) {
                (Some(j), Some(code)) => {
                    ui.label(egui::RichText::new(format!("Join at {}  code {code}", j.address)).size(NOTE).strong());
                }
                _ => {
                    ui.label(egui::RichText::new("Phones cannot join").size(NOTE));
                }
            }
            let joined = class.with_room(|r| r.devices().len()).unwrap_or(0);
            ui.separator();
            ui.label(egui::RichText::new(format!("{joined} joined")).size(NOTE));
        });
        // The switches on a row of their own, so a small projector's width never lays them over the address.
        ui.horizontal_wrapped(|ui| {
            let switch = |ui: &mut egui::Ui, on: bool, text: &str, a: ClassAction, out: &mut Vec<ClassAction>| {
                if ui.selectable_label(on, text).clicked() {
                    out.push(a);
                }
            };
            switch(ui, class.join_card, "Join card (J)", ClassAction::ToggleJoinCard, out);
            switch(ui, class.labels, "Technique names (T)", ClassAction::ToggleLabels, out);
            switch(ui, class.live_split, "Live split (H)", ClassAction::ToggleSplit, out);
            switch(ui, class.notes, "Notes (N)", ClassAction::ToggleNotes, out);
            switch(ui, class.devices, "Devices (D)", ClassAction::ToggleDevices, out);
            ui.separator();
            ui.label("V opens the vote · L locks · 1-9 pick · Enter plays · W what if · B looks back");
            ui.separator();
            if ui.button("End class (Esc)").clicked() {
                out.push(ClassAction::AskEnd);
            }
        });
        if let Some(p) = &class.problem {
            ui.colored_label(super::poor(), egui::RichText::new(p).size(NOTE));
        } else if class.join.as_ref().is_some_and(|j| j.unreachable) {
            ui.colored_label(
                super::fair(),
                egui::RichText::new(
                    "This computer is on no network a phone can reach. Turn on a phone's hotspot, connect this computer \
                     to it, and press J for the new address.",
                )
                .size(NOTE),
            );
        } else if class.nobody_yet() {
            ui.colored_label(
                super::fair(),
                egui::RichText::new(
                    "No phone has joined yet. If phones cannot open the address, this network may keep devices apart \
                     (eduroam and many campus networks do): turn on a phone's hotspot, connect this computer and the \
                     class to it, and press J for the new address.",
                )
                .size(NOTE),
            );
        }
    });
}

/// The live stage: the options and the split on the right, the client's words below, the client drawn between.
fn live(
    ctx: &egui::Context,
    root: &mut egui::Ui,
    class: &Classroom,
    active: &Active,
    s: &Session,
    area: &mut FigureArea,
    out: &mut Vec<ClassAction>,
) {
    let tally = class.tally();
    let show_split = class.live_split || matches!(class.moment, Moment::Locked(_) | Moment::Revealed);
    let width = (ctx.content_rect().width() * 0.45).clamp(320.0, 900.0);
    // At the reveal the options are those of the stage just played (the session has moved on).
    let revealed = class.moment == Moment::Revealed;
    let last_vote = class.votes.last().cloned().flatten();
    egui::Panel::right("class_options")
        .resizable(false)
        .exact_size(width)
        .show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if revealed {
                    if let Some(o) = active.pending.as_deref().or(s.history().last()) {
                        reveal(ui, o, s, last_vote.as_ref(), class.shown.as_ref(), active, out);
                    }
                } else if let Some(b) = crate::engine::classroom::ballot(s, class.labels) {
                    status(ui, class, tally.as_ref());
                    options(
                        ui,
                        &b,
                        tally.as_ref().filter(|_| show_split),
                        class.pick.as_deref(),
                        None,
                    );
                    if class.notes {
                        notes(ui, s);
                    }
                }
            });
        });
    let words = s.last_words();
    let name = words
        .who
        .and_then(|i| s.people().get(i))
        .map_or(s.scenario().client.name.clone(), |p| p.name.clone());
    // The words take a fixed share of the height: a panel sized by its content would be measured a frame late and
    // show one line of a long speech for a frame (the app draws only on input, so that frame could stay).
    egui::Panel::bottom("class_words")
        .resizable(false)
        .exact_size(ctx.content_rect().height() * 0.24)
        .show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add_space(8.0);
                ui.label(egui::RichText::new(format!("{name}: “{}”", words.text)).size(WORDS));
                if !words.nonverbal.is_empty() {
                    ui.label(egui::RichText::new(&words.nonverbal).italics().size(NOTE + 2.0));
                }
                for a in &words.also {
                    let n = s.name_of(&a.person);
                    if !a.text.is_empty() {
                        ui.label(egui::RichText::new(format!("{n}: “{}”", a.text)).size(OPTION));
                    }
                    if !a.nonverbal.is_empty() {
                        ui.label(egui::RichText::new(&a.nonverbal).italics().size(NOTE));
                    }
                }
                ui.add_space(8.0);
            });
        });
    // The room the panels leave is where Bevy draws the client (as on the student's screen).
    let rect = root.available_rect_before_wrap();
    let zoom = ctx.zoom_factor();
    let next = FigureArea {
        center: Vec2::new(rect.center().x, rect.center().y) * zoom,
        size: Vec2::new(rect.width(), rect.height()) * zoom,
    };
    if (next.center - area.center).length() > 0.5 || (next.size - area.size).length() > 0.5 {
        *area = next;
    }
    egui::CentralPanel::default()
        .frame(egui::Frame::NONE)
        .show(root, |_| {});
}

/// Where the vote stands and what the keys do now.
fn status(ui: &mut egui::Ui, class: &Classroom, tally: Option<&Tally>) {
    let (voted, joined) = tally.map_or((0, 0), |t| (t.voted, t.joined));
    let line = match &class.moment {
        Moment::Showing => "The vote is not open. V opens it; or pick a move with its number and press Enter.".into(),
        Moment::Voting => format!("Voting: {voted} of {joined} have voted. L locks the vote."),
        Moment::Locked(t) => match (would_play(class), t.leaders().len()) {
            (Some(_), _) => format!("Locked: {voted} voted. Enter plays the move marked ▶; a number picks another."),
            (None, 0) => "Locked, and nobody voted: pick a move with its number, then Enter.".into(),
            (None, _) => "Locked on a tie: pick one of the tied moves with its number, then Enter.".into(),
        },
        Moment::Revealed => String::new(),
    };
    ui.label(egui::RichText::new(line).size(NOTE).strong());
    ui.add_space(6.0);
}

/// The options as the class sees them, numbered, with the split as bars (when shown) and the lecturer's pick.
fn options(ui: &mut egui::Ui, b: &Ballot, tally: Option<&Tally>, pick: Option<&str>, played: Option<&str>) {
    let most = tally.map(|t| t.leaders().into_iter().map(str::to_owned).collect::<Vec<_>>());
    for (n, e) in b.entries.iter().enumerate() {
        let count = tally.map(|t| t.count(&e.key));
        let marked = pick == Some(e.key.as_str());
        let was_played = played == Some(e.key.as_str());
        let lead = if was_played {
            "✔ "
        } else if marked {
            "▶ "
        } else {
            ""
        };
        let frame = egui::Frame::group(ui.style()).stroke(if marked || was_played {
            egui::Stroke::new(3.0, ui.visuals().selection.stroke.color)
        } else {
            ui.visuals().widgets.noninteractive.bg_stroke
        });
        frame.show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(format!("{lead}{}. “{}”", n + 1, e.text)).size(OPTION));
            if let Some(l) = &e.label {
                ui.label(egui::RichText::new(l).size(NOTE).weak());
            }
            if let (Some(c), Some(t)) = (count, tally) {
                let share = if t.voted == 0 { 0.0 } else { c as f32 / t.voted as f32 };
                let top = most.as_ref().is_some_and(|m| m.contains(&e.key));
                ui.add(
                    egui::ProgressBar::new(share)
                        .desired_height(18.0)
                        .fill(if top {
                            super::good()
                        } else {
                            ui.visuals().selection.bg_fill
                        })
                        .text(
                            egui::RichText::new(format!(
                                "{c} vote{} ({:.0}%)",
                                if c == 1 { "" } else { "s" },
                                share * 100.0
                            ))
                            .size(NOTE - 2.0),
                        ),
                );
            }
        });
        ui.add_space(4.0);
    }
}

/// The reveal: the move played, the split it came from, its feedback.
fn reveal(
    ui: &mut egui::Ui,
    o: &ChoiceOutcome,
    s: &Session,
    vote: Option<&ClassChoice>,
    shown: Option<&Ballot>,
    active: &Active,
    out: &mut Vec<ClassAction>,
) {
    ui.heading(egui::RichText::new(format!("Played: {}", o.technique_name)).size(OPTION));
    if let Some(v) = vote {
        ui.label(egui::RichText::new(vote_line(v)).size(NOTE));
        if let Some(b) = shown {
            split(ui, b, &v.tally, &v.played);
        }
    }
    ui.horizontal(|ui| {
        let next = if s.ended().is_some() {
            "To the class debrief (Enter)"
        } else {
            "Next stage (Enter)"
        };
        if ui.button(egui::RichText::new(next).strong().size(NOTE)).clicked() {
            out.push(ClassAction::Next);
        }
        if ui.button(egui::RichText::new("What if… (W)").size(NOTE)).clicked() {
            out.push(ClassAction::WhatIf);
        }
        if ui.button(egui::RichText::new("Look back (B)").size(NOTE)).clicked() {
            out.push(ClassAction::Look(-1));
        }
    });
    ui.separator();
    projector_text(ui);
    super::session::feedback(ui, o, s, &active.last_events, None);
}

/// The split at the reveal, one line per option: its number, its technique, its votes, the one played marked.
fn split(ui: &mut egui::Ui, b: &Ballot, t: &Tally, played: &str) {
    for (n, e) in b.entries.iter().enumerate() {
        let c = t.count(&e.key);
        let share = if t.voted == 0 { 0.0 } else { c as f32 / t.voted as f32 };
        let name = e.label.clone().unwrap_or_else(|| short(&e.text));
        let mark = if e.key == played { "✔ " } else { "" };
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(share)
                    .desired_width(180.0)
                    .desired_height(16.0)
                    .text(egui::RichText::new(format!("{c} ({:.0}%)", share * 100.0)).size(NOTE - 4.0)),
            );
            ui.label(egui::RichText::new(format!("{mark}{}. {name}", n + 1)).size(NOTE - 2.0));
        });
    }
}

/// The first words of an option, for a one-line list.
fn short(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= 9 {
        return format!("“{text}”");
    }
    format!("“{}…”", words[..9].join(" "))
}

/// The feedback widgets are sized for a student's screen; on the projector they are read from the back.
fn projector_text(ui: &mut egui::Ui) {
    for font in ui.style_mut().text_styles.values_mut() {
        font.size *= 1.35;
    }
}

/// "12 of 20 voted for it (60%): the majority's move" in words.
fn vote_line(v: &ClassChoice) -> String {
    let n = v.tally.count(&v.played);
    let who = match v.decided_by {
        DecidedBy::Majority => "the class's majority",
        DecidedBy::Lecturer => "the lecturer's pick",
    };
    format!(
        "{n} of {} voted for it ({:.0}%): {who}.",
        v.tally.voted,
        v.share_played() * 100.0
    )
}

/// The lecturer's notes for this stage: the author's intent and note for each option, the markers, the engine's
/// best move. Said on screen to be for the lecturer, since one screen may be the projector.
fn notes(ui: &mut egui::Ui, s: &Session) {
    ui.separator();
    ui.colored_label(
        super::fair(),
        egui::RichText::new("Presenter notes: the room can see them if this screen is projected (N hides them)")
            .strong(),
    );
    if let Some(st) = s.stage() {
        let markers: Vec<String> = s
            .scenario()
            .markers_at(st)
            .iter()
            .map(|(_, m)| match m {
                crate::engine::format::scenario::Marker::Process(p) => p.label().to_owned(),
                crate::engine::format::scenario::Marker::Rupture(r) => {
                    format!("{r:?} (a {} rupture marker)", r.kind().label())
                }
            })
            .collect();
        if !markers.is_empty() {
            ui.label(format!("Markers here: {}", markers.join(", ")));
        }
    }
    projector_text(ui);
    let open = s.available();
    let best = s.best_move().and_then(|b| open.iter().position(|o| o.id == b));
    if let Some(n) = best {
        let name = s
            .technique(&open[n].technique)
            .map_or(open[n].technique.as_str(), |t| t.name.as_str());
        ui.label(format!("The engine's best move here: {}. {name}", n + 1));
    }
    for (n, o) in open.iter().enumerate() {
        let name = s
            .technique(&o.technique)
            .map_or(o.technique.as_str(), |t| t.name.as_str());
        let intent = o.intent.map_or(String::new(), |i| format!(" · intended {}", i.label()));
        ui.label(egui::RichText::new(format!("{}. {name}{intent}", n + 1)).strong());
        if !o.feedback.is_empty() {
            ui.label(&o.feedback);
        }
    }
}

/// The road not taken, side by side with the class's move, and both alliance trajectories.
fn what_if(root: &mut egui::Ui, w: &WhatIf, out: &mut Vec<ClassAction>) {
    let chart = (root.ctx().content_rect().height() * 0.25).clamp(120.0, 230.0);
    egui::Panel::bottom("what_if_chart").exact_size(chart).show(root, |ui| {
        ui.label(egui::RichText::new("Alliance (mean of goal, task and bond) on each road").size(NOTE));
        let series = |s: &Session| -> Vec<[f64; 2]> {
            s.trajectory()
                .iter()
                .enumerate()
                .map(|(i, (_, a))| [i as f64, f64::from(a.mean())])
                .collect()
        };
        super::still_plot(("what_if", w.from))
            .x_axis_label("moves")
            .height(chart - 40.0)
            .include_y(0.0)
            .include_y(1.0)
            .legend(Legend::default())
            .show(ui, |p| {
                p.line(Line::new("the class's move", series(&w.taken)).width(3.0));
                p.line(Line::new("the road not taken", series(&w.branch)).width(3.0));
            });
    });
    egui::CentralPanel::default().show(root, |ui| {
        ui.horizontal(|ui| {
            ui.heading("What if the class had chosen otherwise?");
            if ui
                .button(egui::RichText::new("Back to the class (Esc)").size(NOTE))
                .clicked()
            {
                out.push(ClassAction::EndWhatIf);
            }
        });
        ui.columns(2, |cols| {
            // Each road's widgets get ids of their own (the same feedback is drawn twice).
            cols[0].push_id("taken", |ui| road(ui, "The class's move", &w.taken, w.from, None));
            cols[1].push_id("branch", |ui| {
                road(ui, "The road not taken", &w.branch, w.from, Some(out))
            });
        });
    });
}

/// One road: each move from the branch point with its feedback; on the road not taken, the next options.
fn road(ui: &mut egui::Ui, title: &str, s: &Session, from: usize, out: Option<&mut Vec<ClassAction>>) {
    ui.label(egui::RichText::new(title).size(OPTION).strong());
    egui::ScrollArea::vertical().id_salt(title).show(ui, |ui| {
        projector_text(ui);
        for o in s.history().iter().skip(from) {
            ui.label(
                egui::RichText::new(format!("Step {}: {}", o.step, o.technique_name))
                    .size(NOTE)
                    .strong(),
            );
            super::session::feedback(ui, o, s, &[], None);
            ui.separator();
        }
        let Some(out) = out else { return };
        if s.ended().is_some() {
            ui.label(egui::RichText::new("This road has reached an ending.").size(NOTE));
            return;
        }
        let words = s.last_words();
        ui.label(egui::RichText::new(format!("“{}”", words.text)).size(NOTE).italics());
        ui.label(
            egui::RichText::new("Go on along this road: press a number")
                .size(NOTE)
                .weak(),
        );
        for (n, o) in s.available().iter().enumerate() {
            let name = s
                .technique(&o.technique)
                .map_or(o.technique.as_str(), |t| t.name.as_str());
            let text = if o.say.is_empty() {
                name.to_owned()
            } else {
                format!("“{}” ({name})", o.say)
            };
            if ui
                .button(egui::RichText::new(format!("{}. {text}", n + 1)).size(NOTE - 2.0))
                .clicked()
            {
                out.push(ClassAction::WhatIfPlay(o.id.clone()));
            }
        }
    });
}

/// A session stepped through: the stage as shown, the split where the class voted, the move and its feedback.
fn review(root: &mut egui::Ui, r: &Review, out: &mut Vec<ClassAction>) {
    let Some(step) = r.steps.get(r.at) else { return };
    egui::Panel::top("review_top").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.heading(format!("{}: step {} of {}", r.title, r.at + 1, r.steps.len()));
            ui.separator();
            if ui
                .add_enabled(
                    r.at > 0,
                    egui::Button::new(egui::RichText::new("Back (Left)").size(NOTE)),
                )
                .clicked()
            {
                out.push(ClassAction::Look(-1));
            }
            let more = r.at + 1 < r.steps.len();
            if ui
                .add_enabled(
                    more,
                    egui::Button::new(egui::RichText::new("Forward (Right)").size(NOTE)),
                )
                .clicked()
            {
                out.push(ClassAction::Look(1));
            }
            let back = if r.recorded {
                "Close (Esc)"
            } else {
                "Back to the class (Esc)"
            };
            if ui.button(egui::RichText::new(back).size(NOTE)).clicked() {
                out.push(ClassAction::EndReview);
            }
        });
    });
    egui::Panel::right("review_options")
        .exact_size(ui_width(root))
        .show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(v) = &step.vote {
                    ui.label(egui::RichText::new(vote_line(v)).size(NOTE));
                } else {
                    ui.label(egui::RichText::new("No class vote at this step.").size(NOTE).weak());
                }
                options(
                    ui,
                    &step.ballot,
                    step.vote.as_ref().map(|v| &v.tally),
                    None,
                    Some(&step.outcome.choice),
                );
            });
        });
    egui::CentralPanel::default().show(root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            super::scroll_by_keys(ui);
            let b = &step.ballot;
            ui.label(egui::RichText::new(format!("{}: “{}”", b.speaker, b.words)).size(WORDS));
            if !b.nonverbal.is_empty() {
                ui.label(egui::RichText::new(&b.nonverbal).italics().size(NOTE + 2.0));
            }
            ui.separator();
            ui.heading(egui::RichText::new(format!("Played: {}", step.outcome.technique_name)).size(OPTION));
            // The same feedback a student saw at this step, at projector size.
            projector_text(ui);
            super::session::feedback(ui, &step.outcome, &r.session, &step.events, None);
        });
    });
}

fn ui_width(root: &egui::Ui) -> f32 {
    (root.ctx().content_rect().width() * 0.42).clamp(300.0, 820.0)
}

fn confirm_end(ctx: &egui::Context, out: &mut Vec<ClassAction>) {
    egui::Modal::new(egui::Id::new("end_class")).show(ctx, |ui| {
        ui.heading("End this class session?");
        ui.label("The moves so far and their votes are kept in Your sessions; phones are disconnected.");
        ui.horizontal(|ui| {
            if ui.button("Keep presenting (Esc)").clicked() {
                out.push(ClassAction::KeepClass);
            }
            if ui.button("End the class (Enter)").clicked() {
                out.push(ClassAction::EndClass);
            }
        });
    });
}

/// The join card, large: the code, the address and the QR code, for the class to join from their seats.
fn join_card(ctx: &egui::Context, j: &Join, code: String) {
    let screen = ctx.content_rect();
    let side = (screen.height() * 0.5).min(screen.width() * 0.4).clamp(140.0, 520.0);
    let text_width = (screen.width() * 0.9 - side).clamp(240.0, 760.0);
    egui::Window::new("Join the class")
        .collapsible(false)
        .resizable(false)
        .min_width(side + text_width)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                if let Some(qr) = &j.qr {
                    paint_qr(ui, qr, side);
                }
                ui.vertical(|ui| {
                    ui.set_min_width(text_width);
                    ui.label(egui::RichText::new("Scan the code, or open").size(NOTE));
                    ui.label(egui::RichText::new(&j.address).size(WORDS).strong());
                    ui.label(egui::RichText::new("and type the code").size(NOTE));
                    ui.label(egui::RichText::new(code).size(WORDS * 2.0).strong().monospace());
                    for o in &j.others {
                        ui.label(egui::RichText::new(format!("(or {o})")).size(NOTE - 4.0).weak());
                    }
                    ui.label(
                        egui::RichText::new("Your phone must be on the same Wi-Fi as this computer.").size(NOTE - 2.0),
                    );
                    ui.label(egui::RichText::new("J or Esc closes this card.").weak());
                });
            });
        });
}

/// Paints a QR code as squares, black on a white margin whatever the theme (scanners need dark on light).
fn paint_qr(ui: &mut egui::Ui, qr: &crate::engine::classroom::Qr, side: f32) {
    let quiet = crate::engine::classroom::Qr::QUIET_ZONE;
    let n = qr.width + 2 * quiet;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let module = side / n as f32;
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    for y in 0..qr.width {
        for x in 0..qr.width {
            if qr.dark(x, y) {
                let min = rect.min + egui::vec2((x + quiet) as f32 * module, (y + quiet) as f32 * module);
                painter.rect_filled(
                    egui::Rect::from_min_size(min, egui::vec2(module + 0.5, module + 0.5)),
                    0.0,
                    egui::Color32::BLACK,
                );
            }
        }
    }
}

/// The joined devices, to remove one that misbehaves (it cannot rejoin from its address during this class).
fn devices(ctx: &egui::Context, class: &Classroom, out: &mut Vec<ClassAction>) {
    let list = class.with_room(|r| r.devices()).unwrap_or_default();
    egui::Window::new(format!("Devices in the class ({})", list.len()))
        .collapsible(false)
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-12.0, 60.0))
        .show(ctx, |ui| {
            ui.label("Removing a device drops its vote; it cannot join again from its address during this class.");
            egui::ScrollArea::vertical()
                .max_height(ctx.content_rect().height() * 0.6)
                .show(ui, |ui| {
                    egui::Grid::new("devices").striped(true).show(ui, |ui| {
                        for d in &list {
                            ui.label(format!("Phone {}", d.number));
                            ui.label(d.address.to_string());
                            ui.label(if d.voted { "voted" } else { "" });
                            if ui.button("Remove").clicked() {
                                out.push(ClassAction::Remove(d.number));
                            }
                            ui.end_row();
                        }
                    });
                });
        });
}

/// The class debrief's table: at each stage, the class's move and its votes against the best move open there.
pub fn class_choices(ui: &mut egui::Ui, rows: &[ClassRow]) {
    let (best, all) = crate::engine::classroom::record::agreement(rows);
    ui.label(egui::RichText::new("The class's choices").strong());
    ui.label(format!(
        "The class's move was among the best open at {best} of {all} stage{}.",
        if all == 1 { "" } else { "s" }
    ));
    egui::Grid::new("class_choices")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for h in ["Step", "The class's move", "Votes", "The best open here"] {
                ui.label(egui::RichText::new(h).strong());
            }
            ui.end_row();
            for r in rows {
                ui.label(r.step.to_string());
                ui.colored_label(
                    super::class_colour(r.class),
                    format!("{} {} ({})", r.class.symbol(), r.played, r.class.label()),
                );
                ui.label(r.vote.as_ref().map_or("no vote".to_owned(), vote_line));
                match &r.best {
                    Some(b) => ui.label(format!("{b}: {}", r.why_best)),
                    None => ui.label("this was the best"),
                };
                ui.end_row();
            }
        });
}
