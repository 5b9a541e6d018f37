//! The session screen: the client's words and state, the alliance, the technique palette, and feedback after each choice.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use std::collections::BTreeMap;

use crate::app::core::{Action, Active, Mood, ReloadNote, Screen, WhyTag};
use crate::app::figure::{FigureArea, MAX_FIGURES, slots};
use crate::engine::format::scenario::{Alliance, Choice, Intent};
use crate::engine::play::session::{ChoiceOutcome, Event, Session};
use crate::engine::vocab::School;

pub fn plugin(app: &mut App) {
    app.init_resource::<PaletteSearch>().add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Session)).in_set(super::ScreenDraw),
    );
}

/// The palette's search text.
#[derive(Resource, Default)]
pub struct PaletteSearch(pub String);

/// The options offered now, in palette order (grouped by school), which is also number-key order.
pub fn palette(s: &Session) -> Vec<(School, &Choice)> {
    let mut v: Vec<(School, &Choice)> = s
        .available()
        .into_iter()
        .map(|o| (s.technique(&o.technique).map_or(School::Common, |t| t.school), o))
        .collect();
    v.sort_by_key(|(school, _)| School::ALL.iter().position(|x| x == school));
    v
}

fn draw(
    mut contexts: EguiContexts,
    active: Res<Active>,
    mut search: ResMut<PaletteSearch>,
    mut area: ResMut<FigureArea>,
    mut actions: MessageWriter<Action>,
    mut settled: Local<Option<(usize, bool, usize)>>,
    mut words_height_last: Local<f32>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    let Some(s) = &active.session else { return Ok(()) };
    let sc = s.scenario().clone();
    super::top_bar(&mut root, &sc.meta.title, &mut actions, true);
    let options = palette(s);

    // Keyboard: number keys highlight, Enter confirms (or continues past feedback), Esc goes back.
    let pressed = ctx.input(|i| {
        let digits = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
            egui::Key::Num6,
            egui::Key::Num7,
            egui::Key::Num8,
            egui::Key::Num9,
        ];
        (
            digits.iter().position(|k| i.key_pressed(*k)),
            i.key_pressed(egui::Key::Enter),
            i.key_pressed(egui::Key::Escape),
            i.key_pressed(egui::Key::ArrowRight) as i32 - i.key_pressed(egui::Key::ArrowLeft) as i32,
        )
    });
    let typing = ctx.egui_wants_keyboard_input();
    if active.pending.is_some() {
        if pressed.1 {
            actions.write(Action::Continue);
        }
    } else if !typing {
        if let Some(n) = pressed.0
            && let Some((_, o)) = options.get(n)
        {
            actions.write(Action::Highlight(o.id.clone()));
        }
        // Enter confirms the highlighted move, unless a widget with focus takes Enter itself (a focused option
        // confirms itself below; a focused button or field does what it does).
        if pressed.1
            && ctx.memory(|m| m.focused().is_none())
            && let Some(h) = &active.highlighted
        {
            actions.write(Action::Choose(h.clone()));
        }
        // Left and right turn the highlighted move from everyone to each person in the room, in turn.
        if pressed.3 != 0
            && let Some(o) = highlighted_option(s, &active)
            && s.can_address(o)
        {
            let present = &s.state().present;
            let ring: Vec<Option<usize>> = std::iter::once(None).chain(present.iter().map(|i| Some(*i))).collect();
            let at = ring.iter().position(|x| *x == active.addressee).unwrap_or(0) as i32;
            let next = (at + pressed.3).rem_euclid(ring.len() as i32) as usize;
            actions.write(Action::Address(ring[next]));
        }
    }
    if pressed.2 && !typing && !active.confirm_leave {
        actions.write(Action::Back);
    }
    if active.confirm_leave {
        leave_dialog(&ctx, &mut actions);
    }

    egui::Panel::top("alliance").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            if let Some(st) = s.stage() {
                let title = if st.title.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", st.title)
                };
                ui.label(egui::RichText::new(format!("{}{title}", st.phase.label())).strong());
                ui.separator();
            }
            if s.is_system() {
                room_bars(ui, s);
            } else {
                alliance_bars(ui, s.state().alliance());
            }
            if let Some(last) = s.history().iter().rev().find(|o| !o.srs.is_empty()) {
                for r in &last.srs {
                    ui.separator();
                    let scale = if r.child { "Child SRS" } else { "Session Rating Scale" };
                    let who = if s.is_system() {
                        format!("{} ", r.name)
                    } else {
                        String::new()
                    };
                    let text = format!("{who}{scale} {:.0}/40", r.srs.total);
                    if r.srs.flagged {
                        ui.colored_label(super::fair(), text + " (at or below 36: explore it)");
                    } else {
                        ui.label(text);
                    }
                }
            }
        });
        if let Some(note) = &active.reload_note {
            reload_panel(ui, note);
        }
    });

    // The palette takes about two fifths of the window, so projector-size text leaves room for the client.
    let palette_width = (ctx.content_rect().width() * 0.4).clamp(260.0, 460.0);
    egui::Panel::right("palette")
        .resizable(true)
        .default_size(palette_width)
        .show(&mut root, |ui| {
            ui.heading("Your move");
            ui.horizontal(|ui| {
                ui.label("Find");
                ui.add(
                    egui::TextEdit::singleline(&mut search.0)
                        .hint_text("technique or school")
                        .desired_width(200.0),
                );
            });
            // The reason is a row of choices, not a drop-down (nothing to get stuck in by keyboard), folded
            // away until wanted so the moves keep the room at projector size.
            let why = match active.why {
                Some(w) => format!("Why (optional): {}", w.label()),
                None => "Why (optional)".to_owned(),
            };
            egui::CollapsingHeader::new(why).id_salt("why").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    for w in WhyTag::ALL {
                        let on = active.why == Some(w);
                        if ui.selectable_label(on, w.label()).clicked() {
                            actions.write(Action::SetWhy(if on { None } else { Some(w) }));
                        }
                    }
                });
            });
            ui.separator();
            // Leave room under the list for the addressee row and the confirm button.
            let turning = highlighted_option(s, &active).is_some_and(|o| s.can_address(o));
            let reserve = if turning { 110.0 } else { 60.0 };
            egui::ScrollArea::vertical()
                .max_height((ui.available_height() - reserve).max(80.0))
                .show(ui, |ui| {
                    let needle = search.0.to_lowercase();
                    let mut by_school: BTreeMap<usize, Vec<(usize, &Choice)>> = BTreeMap::new();
                    for (n, (school, o)) in options.iter().enumerate() {
                        let pos = School::ALL.iter().position(|x| x == school).unwrap_or(0);
                        by_school.entry(pos).or_default().push((n, o));
                    }
                    for (pos, list) in by_school {
                        let school = School::ALL[pos];
                        let visible: Vec<_> = list
                            .into_iter()
                            .filter(|(_, o)| {
                                needle.is_empty()
                                    || s.technique(&o.technique).is_some_and(|t| {
                                        format!("{} {} {}", t.name, t.school.label(), t.description)
                                            .to_lowercase()
                                            .contains(&needle)
                                    })
                            })
                            .collect();
                        if visible.is_empty() {
                            continue;
                        }
                        if !sc.meta.hide_technique_names {
                            ui.label(egui::RichText::new(school.label()).weak());
                        }
                        for (n, o) in visible {
                            let Some(t) = s.technique(&o.technique) else { continue };
                            let selected = active.highlighted.as_deref() == Some(o.id.as_str());
                            // Where the scenario hides technique names, the trainee judges the words alone; the
                            // name comes with the feedback.
                            let hide = sc.meta.hide_technique_names && !o.say.is_empty();
                            let shown = if hide {
                                format!("“{}”", o.say)
                            } else {
                                t.name.clone()
                            };
                            let text = egui::RichText::new(format!("{}. {shown}", n + 1)).strong();
                            let r = ui.add_enabled(active.pending.is_none(), egui::Button::selectable(selected, text));
                            let r = if hide {
                                r
                            } else {
                                r.on_hover_text(format!("{}\n\n{}", t.description, t.citation))
                            };
                            if r.clicked() {
                                actions.write(Action::Highlight(o.id.clone()));
                            }
                            if r.double_clicked() {
                                actions.write(Action::Choose(o.id.clone()));
                            }
                            // Enter on a focused option confirms that option (egui also clicks it: a highlight).
                            if r.has_focus() && ctx.input(|i| i.key_pressed(egui::Key::Enter)) {
                                actions.write(Action::Choose(o.id.clone()));
                            }
                            if !o.say.is_empty() && !hide {
                                ui.label(egui::RichText::new(format!("“{}”", o.say)).italics());
                            }
                            if s.state().present.len() > 1 && !s.can_address(o) {
                                let to = s.names_of(&s.default_to(o));
                                ui.label(egui::RichText::new(format!("to {to}")).small().weak());
                            } else if s.can_address(o) {
                                let to = match active.addressee.filter(|_| selected) {
                                    Some(i) => s.people().get(i).map_or("everyone", |c| c.name.as_str()),
                                    None => "everyone",
                                };
                                ui.label(
                                    egui::RichText::new(format!("to {to}; you can turn it to one person"))
                                        .small()
                                        .weak(),
                                );
                            }
                            if (r.has_focus() || r.hovered()) && !hide {
                                ui.label(egui::RichText::new(&t.description).weak());
                            }
                            ui.add_space(4.0);
                        }
                    }
                });
            ui.separator();
            if let Some(o) = highlighted_option(s, &active)
                && s.can_address(o)
                && active.pending.is_none()
            {
                ui.horizontal_wrapped(|ui| {
                    ui.label("Turn it to");
                    if ui.selectable_label(active.addressee.is_none(), "everyone").clicked() {
                        actions.write(Action::Address(None));
                    }
                    for &i in &s.state().present {
                        let name = s.people().get(i).map_or("?", |c| c.name.as_str());
                        if ui.selectable_label(active.addressee == Some(i), name).clicked() {
                            actions.write(Action::Address(Some(i)));
                        }
                    }
                });
                ui.label(
                    egui::RichText::new("Left and right arrows turn the move to someone else.")
                        .small()
                        .weak(),
                );
            }
            let can = active.pending.is_none() && active.highlighted.is_some();
            if ui
                .add_enabled(can, egui::Button::new(egui::RichText::new("Confirm (Enter)").strong()))
                .clicked()
                && let Some(h) = &active.highlighted
            {
                actions.write(Action::Choose(h.clone()));
            }
            ui.label(
                egui::RichText::new("Number keys pick, Enter confirms, Esc goes back, F1 opens the glossary.").weak(),
            );
        });

    let crate::engine::play::session::LastWords {
        who,
        text,
        nonverbal,
        also,
    } = s.last_words();
    // Panels take their size from the frame before; when the words or the feedback change, draw once more so
    // they settle at their new size (the app draws only on input, so nothing else would).
    let shown = (
        s.history().len(),
        active.pending.is_some(),
        text.len() + nonverbal.len(),
    );
    if *settled != Some(shown) {
        *settled = Some(shown);
        ctx.request_repaint();
    }
    let name = who.map_or(sc.client.name.clone(), |i| s.people()[i].name.clone());
    // The words may not crowd the people out of the room: past two fifths of the window they scroll.
    let words_max = ctx.content_rect().height() * 0.4;
    // A scroll area in a panel can only be as tall as the panel was last frame, so the panel is told how tall
    // its words were (up to the limit) and grows to fit them on the next frame, which is asked for.
    let words_height = (*words_height_last + 12.0).min(words_max);
    let words = egui::Panel::bottom("client_words")
        .resizable(false)
        .min_size(words_height)
        .max_size(words_max)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add_space(6.0);
                ui.label(egui::RichText::new(format!("{name}: “{text}”")).size(20.0));
                if !nonverbal.is_empty() {
                    ui.label(egui::RichText::new(&nonverbal).italics());
                }
                for a in &also {
                    let n = s.name_of(&a.person);
                    if !a.text.is_empty() {
                        ui.label(egui::RichText::new(format!("{n}: “{}”", a.text)).size(17.0));
                    }
                    if !a.nonverbal.is_empty() {
                        // Authors often name the person in the description already ("Dorota is looking at Glyn").
                        let first = n.split(' ').next().unwrap_or(n);
                        let text = if a.nonverbal.starts_with(first) {
                            a.nonverbal.clone()
                        } else {
                            format!("{n}: {}", a.nonverbal)
                        };
                        ui.label(egui::RichText::new(text).italics());
                    }
                }
                // The drawing in words, where it adds to what the scenario says of the moment (never against it).
                let author_wrote = !nonverbal.is_empty();
                let moods: Vec<String> = if s.is_system() {
                    s.state()
                        .present
                        .iter()
                        .map(|&i| (Mood::of_person(&active, i), i))
                        .filter(|(m, i)| {
                            let id = &s.state().people[*i].id;
                            let described =
                                author_wrote || also.iter().any(|a| a.person == *id && !a.nonverbal.is_empty());
                            m.worth_saying(described)
                        })
                        .map(|(m, i)| m.describe(&s.people()[i].name, &s.people()[i].pronouns))
                        .collect()
                } else {
                    let m = Mood::of(&active);
                    let pronouns = &s.people().first().map_or(&sc.client.pronouns, |p| &p.pronouns);
                    m.worth_saying(author_wrote)
                        .then(|| m.describe(&name, pronouns))
                        .into_iter()
                        .collect()
                };
                if !moods.is_empty() {
                    ui.label(egui::RichText::new(moods.join(" ")).weak());
                }
                ui.add_space(6.0);
            })
        });
    let needed = words.inner.content_size.y;
    if (needed - *words_height_last).abs() > 1.0 {
        *words_height_last = needed;
        ctx.request_repaint();
    }

    if let Some(o) = &active.pending {
        egui::Panel::bottom("feedback")
            .resizable(true)
            .default_size(300.0)
            .show(&mut root, |ui| {
                feedback_heading(ui, o, s, &mut actions);
                // A new scroll area for each move, so its feedback opens at the top; the keys scroll it.
                egui::ScrollArea::vertical()
                    .id_salt(("feedback", o.step))
                    .show(ui, |ui| {
                        super::scroll_by_keys(ui);
                        let why = active.whys.iter().find(|(n, _)| *n == o.step).map(|(_, w)| *w);
                        feedback(ui, o, s, &active.last_events, why);
                    });
            });
    }

    // The room the panels leave is where Bevy draws the client.
    let rect = root.available_rect_before_wrap();
    let zoom = ctx.zoom_factor();
    let next = FigureArea {
        center: egui_to_vec(rect.center().to_vec2()) * zoom,
        size: egui_to_vec(rect.size()) * zoom,
    };
    if (next.center - area.center).length() > 0.5 || (next.size - area.size).length() > 0.5 {
        *area = next;
    }
    egui::CentralPanel::default()
        .frame(egui::Frame::NONE)
        .show(&mut root, |_| {});
    // In a room, each person's name under their figure; the speaker's marked. Only where the figures have room
    // to be seen: otherwise the words below name who speaks.
    if s.state().present.len() > 1 && rect.height() > 160.0 && rect.width() / (s.state().present.len() as f32) > 70.0 {
        let present: Vec<usize> = s.state().present.iter().copied().take(MAX_FIGURES).collect();
        let speaker = crate::app::core::speaker(s);
        let points = FigureArea {
            center: egui_to_vec(rect.center().to_vec2()),
            size: egui_to_vec(rect.size()),
        };
        for (k, (c, scale)) in slots(&points, present.len()).into_iter().enumerate() {
            let i = present[k];
            let p = &s.people()[i];
            let speaking = speaker == Some(i);
            // In a narrow seat (a group, or projector-size text) the first name alone, the speaker underlined.
            let narrow = points.size.x / (present.len() as f32) < 170.0;
            let name = if narrow {
                p.name.split(' ').next().unwrap_or(&p.name)
            } else {
                p.name.as_str()
            };
            let label = if speaking && !narrow {
                format!("{name} (speaking)")
            } else {
                name.to_owned()
            };
            let text = egui::RichText::new(label).size(15.0);
            let text = if speaking { text.strong().underline() } else { text };
            egui::Area::new(egui::Id::new(("name", i)))
                .order(egui::Order::Foreground)
                .interactable(false)
                .pivot(egui::Align2::CENTER_TOP)
                .fixed_pos(egui::pos2(c.x, c.y + 207.0 * scale))
                .show(&ctx, |ui| {
                    ui.label(text);
                });
        }
    }
    Ok(())
}

/// The option highlighted now, if it is still offered.
fn highlighted_option<'a>(s: &'a Session, active: &Active) -> Option<&'a Choice> {
    let h = active.highlighted.as_deref()?;
    s.available().into_iter().find(|o| o.id == h)
}

/// Each person's alliance in the room, the split between them and the within-system alliance.
fn room_bars(ui: &mut egui::Ui, s: &Session) {
    let st = s.state();
    for &i in &st.present {
        let (p, c) = (&st.people[i], &s.people()[i]);
        let a = p.alliance;
        ui.label(egui::RichText::new(&c.name).strong());
        ui.add(
            egui::ProgressBar::new(a.bond)
                .desired_width(70.0)
                .text(format!("bond {:.2}", a.bond)),
        )
        .on_hover_text(format!("goal {:.2}, task {:.2}, bond {:.2}", a.goal, a.task, a.bond));
    }
    ui.separator();
    let split = st.split();
    let text = format!("Split {split:.2}");
    if split >= s.weights().system.split_flag {
        ui.colored_label(super::poor(), text + " (a split alliance)")
    } else {
        ui.label(text)
    }
    .on_hover_text("How far the least-joined person's bond lies below the others' (for two people, the gap between them): an unbalanced alliance predicts dropout (Friedlander et al. 2018).");
    if let Some(w) = st.within {
        ui.label(format!("Within-system {w:.2}"))
            .on_hover_text("Shared sense of purpose and safety in the room (SOFTA).");
    }
}

fn egui_to_vec(p: impl Into<egui::Vec2>) -> Vec2 {
    let v: egui::Vec2 = p.into();
    Vec2::new(v.x, v.y)
}

fn alliance_bars(ui: &mut egui::Ui, a: Alliance) {
    for (name, v) in [("Goal", a.goal), ("Task", a.task), ("Bond", a.bond)] {
        ui.label(name);
        ui.add(egui::ProgressBar::new(v).desired_width(90.0).text(format!("{v:.2}")));
    }
}

fn reload_panel(ui: &mut egui::Ui, note: &ReloadNote) {
    match note {
        ReloadNote::Resumed { file, stage } => {
            ui.colored_label(super::good(), format!("Reloaded {file}: resumed at stage `{stage}`."));
        }
        ReloadNote::CannotResume { file, reason } => {
            ui.colored_label(
                super::fair(),
                format!("Reloaded {file}, but the session stays on the old version: {reason}"),
            );
        }
        ReloadNote::Kept { file, problems } => {
            ui.colored_label(
                super::poor(),
                format!("{file} has errors; the last good version keeps running:"),
            );
            for d in problems.iter().take(5) {
                ui.label(format!(
                    "  {}:{}:{}  {} {}",
                    d.file, d.line, d.column, d.code, d.message
                ));
            }
        }
    }
}

/// Asks before a session is left half-way: it is kept, and can be taken up again from Your sessions.
fn leave_dialog(ctx: &egui::Context, actions: &mut MessageWriter<Action>) {
    let (enter, esc) = ctx.input(|i| (i.key_pressed(egui::Key::Enter), i.key_pressed(egui::Key::Escape)));
    egui::Modal::new(egui::Id::new("leave_session")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.heading("Leave this session?");
        ui.label("It is kept as it stands: you can take it up again where you stopped, from Your sessions.");
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(egui::RichText::new("Stay (Esc)").strong()).clicked() || esc {
                actions.write(Action::Stay);
            }
            if ui.button("Leave (Enter)").clicked() || enter {
                actions.write(Action::Leave);
            }
        });
    });
}

/// The move made and the way on, above the feedback's scrolling text so they never scroll away.
fn feedback_heading(ui: &mut egui::Ui, o: &ChoiceOutcome, s: &Session, actions: &mut MessageWriter<Action>) {
    ui.horizontal_wrapped(|ui| {
        if ui.button(egui::RichText::new("Continue (Enter)").strong()).clicked() {
            actions.write(Action::Continue);
        }
        ui.heading(format!("{} ({}){}", o.technique_name, o.school.label(), s.turned_to(o)));
    });
    ui.label(
        egui::RichText::new("PageUp, PageDown and the arrows scroll the feedback.")
            .small()
            .weak(),
    );
}

/// The feedback after a choice: fit in words, the alliance change, common factors, the repair's odds, better moves.
pub fn feedback(ui: &mut egui::Ui, o: &ChoiceOutcome, s: &Session, events: &[Event], why: Option<WhyTag>) {
    let e = &o.evaluation;
    if let Some(w) = why {
        ui.label(egui::RichText::new(w.answer(o)).italics());
    }
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(
            super::class_colour(o.class),
            egui::RichText::new(format!("{} {}", o.class.symbol(), o.class.label().to_uppercase()))
                .strong()
                .size(18.0),
        );
        ui.label(format!(
            "accuracy {:.0}%: score {:.0} against {:.0} for the best move open here",
            o.accuracy, e.score, o.best_score
        ));
    });
    if let Some(m) = o.critical {
        ui.colored_label(
            super::poor(),
            egui::RichText::new(format!(
                "Critical miss: the client showed {} {} marker and this move left it unanswered. Risk and dissociation come before anything else.",
                crate::engine::play::scoring::article(m.label()),
                m.label()
            ))
            .strong(),
        );
    }
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(
            super::band_colour(e.fit.band),
            egui::RichText::new(format!("Fit {:+.2} ({})", e.fit.total, e.fit.band.label())).strong(),
        );
        if e.fit.overridden {
            ui.label(format!(
                "(rated for this moment by the scenario: {})",
                o.override_reason
            ));
        }
        ui.separator();
        ui.label(o.alliance_words());
        ui.separator();
        ui.label(format!("Common factors {:.2}", e.common_factors.total));
        ui.separator();
        ui.label(format!("Score {:.0}/100", e.score));
    });
    if s.is_system() {
        ui.horizontal_wrapped(|ui| {
            for pe in &e.people {
                let c = &s.people()[pe.person];
                let after = o.people_after.get(pe.person).copied().unwrap_or(o.alliance_after);
                let how = if pe.addressed { "" } else { " (not addressed)" };
                ui.colored_label(
                    super::change_colour(pe.delta.bond),
                    format!(
                        "{}{how}: bond {:+.2}, alliance now {:.2}",
                        c.name,
                        pe.delta.bond,
                        after.mean()
                    ),
                );
                ui.separator();
            }
            let split = format!("split {:.2} ({:+.2})", o.split_after, e.split);
            if o.split_after >= s.weights().system.split_flag {
                ui.colored_label(super::poor(), split + ": a split alliance");
            } else {
                ui.label(split);
            }
            if let Some(w) = o.within_after {
                ui.label(format!("within-system {w:.2} ({:+.2})", e.within));
            }
        });
    }
    for r in &o.srs {
        let scale = if r.child {
            "Child Session Rating Scale"
        } else {
            "Session Rating Scale"
        };
        let text = format!("{scale} from {}: {:.0}/40", r.name, r.srs.total);
        if r.srs.flagged && s.ended().is_some() {
            ui.colored_label(
                super::fair(),
                text + " (at or below 36, or a drop: next session, open with what would have made it better)",
            );
        } else if r.srs.flagged {
            ui.colored_label(
                super::fair(),
                text + " (at or below 36, or a drop: ask what would make it better)",
            );
        } else {
            ui.label(text);
        }
    }
    if let Some(i) = o.intent.filter(|i| matches!(i, Intent::Poor | Intent::Harmful)) {
        ui.colored_label(
            super::poor(),
            format!(
                "For this client at this moment, the scenario rates this move {}.",
                i.label()
            ),
        );
    }
    if !o.feedback.is_empty() {
        ui.label(egui::RichText::new(&o.feedback).strong());
    }
    // The two terms that decided the verdict first (those that pull furthest from the fit's mean); the rest
    // on request, so the feedback stays readable stage after stage.
    let parts = e.fit.by_pull();
    let term = |ui: &mut egui::Ui, p: &crate::engine::play::scoring::FitPart| {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(
                super::band_colour(s.weights().band(p.value)),
                format!("{:+.2}", p.value),
            );
            ui.label(&p.why);
        });
    };
    ui.label(egui::RichText::new("What decided the fit").underline());
    for p in parts.iter().take(2) {
        term(ui, p);
    }
    if parts.len() > 2 {
        ui.collapsing(format!("The other {} terms", parts.len() - 2), |ui| {
            for p in parts.iter().skip(2) {
                term(ui, p);
            }
        });
    }
    let carried = e.common_factors.carried();
    if !carried.is_empty() {
        ui.label(format!("Common factors carried: {}", carried.join(", ")));
    }
    if let Some(p) = e.repair_chance {
        let took = events.iter().any(|e| matches!(e, Event::RuptureRepaired { .. }));
        let failed = events.iter().any(|e| matches!(e, Event::RepairFailed { .. }));
        let odds = format!("{:.0} in 100", p * 100.0);
        if took {
            ui.colored_label(
                super::good(),
                format!(
                    "A repair move: in this moment it repairs the rupture about {odds} times, and this time it did."
                ),
            );
        } else if failed {
            ui.colored_label(
                super::fair(),
                format!(
                    "A repair move, the right kind of move here: it repairs the rupture about {odds} times, and this \
                     time it did not take. That is chance, not a mistake: the rupture is still open, and a repair can \
                     be tried again."
                ),
            );
        } else {
            ui.label(format!(
                "A repair move: in this moment it repairs the rupture about {odds} times."
            ));
        }
    }
    if o.better.is_empty() {
        ui.colored_label(super::good(), "Nothing offered here would have fitted clearly better.");
    }
    for b in &o.better {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(format!("Better here: {} (score {:.0})", b.name, b.score)).strong());
            ui.label(&b.reason);
        });
    }
}
