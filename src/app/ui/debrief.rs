//! The debrief screen: alliance and fit charts, missed repairs, integration pattern, rubric items, replay from a step.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Bar, BarChart, Legend, Line, PlotPoints};

use crate::app::core::{Action, Active, Screen};
use crate::engine::play::session::ChoiceOutcome;
use crate::engine::records;

pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Debrief)).in_set(super::ScreenDraw),
    );
}

fn draw(mut contexts: EguiContexts, active: Res<Active>, mut actions: MessageWriter<Action>) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    // The session just played, or a recorded one reopened from the history exactly as it was.
    let Some(d) = &active.debrief else {
        return Ok(());
    };
    let (title, history): (String, Vec<&ChoiceOutcome>) = match (&active.past, &active.session) {
        (Some(p), _) => (
            format!(
                "Debrief: {} ({})",
                p.summary.title,
                records::export::utc_minute(p.summary.updated)
            ),
            p.moves.iter().filter_map(|m| m.outcome.as_ref()).collect(),
        ),
        (None, Some(s)) => (
            format!("Debrief: {}", s.scenario().meta.title),
            s.history().iter().collect(),
        ),
        (None, None) => return Ok(()),
    };
    let replay = |step: usize| match &active.past {
        Some(p) => Action::PlayFrom(p.summary.id.clone(), step),
        None => Action::ReplayFrom(step),
    };
    super::top_bar(&mut root, &title, &mut actions, true);
    super::esc_goes_back(&ctx, &mut actions);
    let mut out = Vec::new();
    panels(&mut root, d, &history, &active.whys, &active.class, &replay, &mut out);
    for a in out {
        actions.write(a);
    }
    Ok(())
}

/// A stage as the student saw it: its title; a debrief recorded before titles were kept shows nothing rather
/// than an internal id.
fn shown(title: &str) -> &str {
    if title.is_empty() {
        "earlier in the session"
    } else {
        title
    }
}

/// Each person's bond and the split over the session, with a table beside the chart for screen readers.
fn room_course(ui: &mut egui::Ui, room: &crate::engine::report::debrief::Room) {
    ui.label(egui::RichText::new("Each person's bond, and the split between them").strong());
    let series =
        |v: &[f32]| -> PlotPoints<'static> { v.iter().enumerate().map(|(i, x)| [i as f64, f64::from(*x)]).collect() };
    super::still_plot(("room", room.people.len(), room.split.len()))
        .height(200.0)
        .include_y(0.0)
        .include_y(1.0)
        .legend(Legend::default())
        .show(ui, |p| {
            for person in &room.people {
                p.line(Line::new(person.name.clone(), series(&person.bond)));
            }
            p.line(Line::new("split", series(&room.split)).width(3.0));
            let flag = vec![
                [0.0, f64::from(room.split_flag)],
                [(room.split.len().max(2) - 1) as f64, f64::from(room.split_flag)],
            ];
            p.line(
                Line::new("split alliance from here", PlotPoints::from(flag))
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
        });
    egui::Grid::new("room_table").striped(true).show(ui, |ui| {
        ui.label(egui::RichText::new("Person").strong());
        ui.label(egui::RichText::new("Bond at the start").strong());
        ui.label(egui::RichText::new("Bond at the end").strong());
        ui.label(egui::RichText::new("Turns the others heard as siding").strong());
        ui.label(egui::RichText::new("Their ratings").strong());
        ui.end_row();
        for p in &room.people {
            ui.label(&p.name);
            ui.label(format!("{:.2}", p.bond.first().copied().unwrap_or(0.0)));
            ui.label(format!("{:.2}", p.bond.last().copied().unwrap_or(0.0)));
            ui.label(p.turned_to.to_string());
            let r: Vec<String> = p
                .srs
                .iter()
                .map(|(step, t, f)| format!("step {step}: {t:.0}/40{}", if *f { " (flagged)" } else { "" }))
                .collect();
            ui.label(if r.is_empty() {
                "not asked".to_owned()
            } else {
                r.join(", ")
            });
            ui.end_row();
        }
    });
    let (step, widest) = room.widest;
    let text = format!(
        "Widest split {widest:.2}{}; at the end {:.2}. Within-system alliance {:.2} -> {:.2}.",
        if step == 0 {
            " at the start".to_owned()
        } else {
            format!(" after step {step}")
        },
        room.split.last().copied().unwrap_or(0.0),
        room.within.first().copied().unwrap_or(0.0),
        room.within.last().copied().unwrap_or(0.0)
    );
    if widest >= room.split_flag {
        ui.colored_label(
            super::poor(),
            text + " An unbalanced alliance predicts dropout in couple and family work (Friedlander et al. 2018).",
        );
    } else {
        ui.label(text);
    }
}

/// The debrief's panels, drawn into `root`; what the trainee asks for goes into `out`. Apart from the system
/// so a test can draw a debrief into a bare egui context and read what a student reads.
pub fn panels(
    root: &mut egui::Ui,
    d: &crate::engine::report::debrief::Debrief,
    history: &[&ChoiceOutcome],
    whys: &[(usize, crate::app::core::WhyTag)],
    class: &[crate::engine::classroom::ClassRow],
    replay: &dyn Fn(usize) -> Action,
    out: &mut Vec<Action>,
) {
    egui::Panel::left("debrief_text")
        .resizable(true)
        .default_size(520.0)
        .show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                super::scroll_by_keys(ui);
                ui.heading(&d.ending_title);
                ui.label(&d.ending_text);
                ui.add_space(8.0);
                let p = &d.practice;
                let verdict_colour = if p.verdict.is_good() {
                    super::good()
                } else if p.verdict == crate::engine::report::debrief::Verdict::Mixed {
                    super::fair()
                } else {
                    super::poor()
                };
                ui.colored_label(
                    verdict_colour,
                    egui::RichText::new(format!("Accuracy {:.0}%: {}", p.accuracy, p.verdict.label()))
                        .strong()
                        .size(20.0),
                );
                ui.label(
                "Accuracy is the mean of your moves' accuracy, where the best move open at each moment counts 100%: \
                 100% means the best on offer every time, not perfection.",
            );
                ui.label(egui::RichText::new(p.verdict.explain()).weak());
                let balance = d.room.as_ref().and_then(|r| r.lesson.as_ref());
                if !d.next_time.is_empty() || balance.is_some() {
                    ui.label(egui::RichText::new("What to try next time").strong());
                }
                if let Some(l) = balance {
                    ui.colored_label(super::poor(), l);
                }
                if !d.next_time.is_empty() {
                    for l in &d.next_time {
                        ui.horizontal_wrapped(|ui| {
                            ui.colored_label(
                                super::class_colour(l.class),
                                format!("Step {} ({}): {} was {}.", l.step, l.stage, l.chose, l.class.label()),
                            );
                            if !l.better.is_empty() {
                                ui.label(format!("Better: {}, because {}.", l.better, l.reason));
                            }
                        });
                    }
                }
                ui.horizontal_wrapped(|ui| {
                    for (c, n) in &p.classes {
                        ui.colored_label(super::class_colour(*c), format!("{} {} {n}", c.symbol(), c.label()));
                    }
                });
                for c in &p.critical {
                    ui.colored_label(
                        super::poor(),
                        egui::RichText::new(format!(
                            "Critical miss at step {} ({}): {}",
                            c.step,
                            shown(&c.stage_title),
                            c.what
                        ))
                        .strong(),
                    );
                }
                ui.add_space(8.0);
                ui.columns(2, |cols| {
                    cols[0].label(egui::RichText::new("Your practice (absolute figures)").strong());
                    cols[0].label(format!("Score {:.0}/100", d.practice.score));
                    cols[0].label(format!("Mean fit {:+.2}", d.practice.mean_fit));
                    cols[0].label(format!(
                        "Good fit on {:.0}% of moves",
                        d.practice.good_fit_share * 100.0
                    ));
                    cols[0].label(format!("Common factors {:.2}", d.practice.mean_common_factors));
                    let c = &d.client;
                    cols[1].label(egui::RichText::new("The client's course").strong());
                    cols[1].label(format!("Outcome: {}", c.outcome.map_or("unfinished", |o| o.label())));
                    cols[1].label(format!(
                        "Alliance {:.2} -> {:.2}",
                        c.start_alliance.mean(),
                        c.final_alliance.mean()
                    ));
                    cols[1].label(format!(
                        "Ruptures {} opened, {} repaired",
                        c.ruptures_opened, c.ruptures_repaired
                    ));
                    if c.outcome != Some(crate::engine::vocab::Outcome::Dropout) {
                        cols[1].label(format!("Dropout risk {:.0}%", c.dropout_risk * 100.0));
                    }
                });
                super::glossary::term(
                ui,
                egui::RichText::new(
                    "Your score and the client's course are kept apart: in the research, technique explains little of \
                     outcome, so a good session can still end badly and a poor one well.",
                )
                .weak(),
                "Score and outcome are kept apart",
            );
                ui.separator();
                super::glossary::term(ui, egui::RichText::new("Ruptures and repairs").strong(), "Repair");
                let c = &d.client;
                if c.ruptures_opened == 0 {
                    ui.label("No rupture opened in this session.");
                } else {
                    ui.label(format!(
                        "{} opened, {} repaired.",
                        c.ruptures_opened, c.ruptures_repaired
                    ));
                    if d.missed_repairs.is_empty() {
                        ui.label("Every open rupture got a repair move.");
                    }
                }
                for m in &d.missed_repairs {
                    ui.colored_label(
                        super::poor(),
                        format!(
                            "Missed repair, step {} ({}): a {} rupture was open and you chose {}.",
                            m.step,
                            shown(&m.stage_title),
                            m.kind,
                            m.technique
                        ),
                    );
                }
                for f in &d.failed_repairs {
                    ui.colored_label(
                    super::fair(),
                    format!(
                        "A repair that did not take, step {} ({}): {} was the right kind of move for the {} rupture; \
                         it works about {:.0} times in 100, and this time it did not. Chance, not a mistake.",
                        f.step,
                        f.stage_title,
                        f.technique,
                        f.kind,
                        f.chance * 100.0
                    ),
                );
                }
                ui.separator();
                ui.label(egui::RichText::new("Your integration pattern").strong());
                ui.label(egui::RichText::new(&d.integration.note).weak());
                for m in d.integration.modes.iter().take(4) {
                    ui.collapsing(format!("{} — {:.2}", m.mode.label(), m.strength), |ui| {
                        if let Some(t) = crate::engine::report::glossary::TERMS.iter().find(|t| {
                            t.name
                                .to_lowercase()
                                .starts_with(m.mode.label().split(' ').next().unwrap_or(""))
                        }) {
                            ui.label(egui::RichText::new(t.text).weak());
                        }
                        for e in &m.evidence {
                            ui.label(format!("• {e}"));
                        }
                    });
                }
                ui.label(format!(
                    "This scenario was built to teach {}.",
                    d.integration.intended.label()
                ));
                ui.separator();
                ui.label(egui::RichText::new("Rubric items touched (+ by sound moves, − by poor ones)").strong());
                ui.horizontal_wrapped(|ui| {
                    for (k, f, a) in &d.rubric {
                        let scale = k.split(':').next().unwrap_or("");
                        let explain = crate::engine::report::glossary::term(scale).map_or("", |t| t.text);
                        if *f > 0 {
                            ui.colored_label(super::good(), format!("{k} +{f}"))
                                .on_hover_text(explain);
                        }
                        if *a > 0 {
                            ui.colored_label(super::poor(), format!("{k} −{a}"))
                                .on_hover_text(explain);
                        }
                    }
                });
            });
        });
    egui::CentralPanel::default().show(root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.label(egui::RichText::new("Alliance over the session").strong());
            let series = |f: fn(&crate::engine::format::scenario::Alliance) -> f32| -> PlotPoints<'static> {
                d.trajectory
                    .iter()
                    .enumerate()
                    .map(|(i, (_, a))| [i as f64, f64::from(f(a))])
                    .collect()
            };
            super::still_plot(("alliance", &d.scenario, d.choices.len()))
                .height(200.0)
                .include_y(0.0)
                .include_y(1.0)
                .legend(Legend::default())
                .show(ui, |p| {
                    p.line(Line::new("goal", series(|a| a.goal)));
                    p.line(Line::new("task", series(|a| a.task)));
                    p.line(Line::new("bond", series(|a| a.bond)));
                    p.line(Line::new("mean", series(|a| a.mean())).width(3.0));
                });
            if let Some(room) = &d.room {
                room_course(ui, room);
            }
            ui.label(egui::RichText::new("Fit per choice").strong());
            let bars: Vec<Bar> = d
                .choices
                .iter()
                .map(|c| {
                    Bar::new(c.step as f64, f64::from(c.fit))
                        .name(&c.technique)
                        .fill(super::band_colour(c.band))
                })
                .collect();
            super::still_plot(("fit", &d.scenario, d.choices.len()))
                .height(170.0)
                .include_y(-1.0)
                .include_y(1.0)
                .show(ui, |p| p.bar_chart(BarChart::new("fit", bars)));
            ui.separator();
            if !class.is_empty() {
                super::classroom::class_choices(ui, class);
                ui.separator();
            }
            ui.label(egui::RichText::new("Your choices").strong());
            egui::Grid::new("choices").striped(true).num_columns(7).show(ui, |ui| {
                for h in ["Step", "Stage", "Technique", "Move", "Fit", "Score", ""] {
                    ui.label(egui::RichText::new(h).strong());
                }
                ui.end_row();
                for c in &d.choices {
                    ui.label(c.step.to_string());
                    ui.label(shown(&c.stage_title));
                    let why = whys
                        .iter()
                        .find(|(n, _)| *n == c.step)
                        .map(|(_, w)| format!(" (why: {})", w.label()));
                    ui.label(format!("{}{}", c.technique, why.unwrap_or_default()));
                    ui.colored_label(
                        super::class_colour(c.class),
                        format!("{} {} ({:.0}%)", c.class.symbol(), c.class.label(), c.accuracy),
                    );
                    ui.colored_label(super::band_colour(c.band), format!("{:+.2}", c.fit));
                    ui.label(format!("{:.0}", c.score));
                    if ui.button(format!("Replay from step {}", c.step)).clicked() {
                        out.push(replay(c.step));
                    }
                    ui.end_row();
                }
            });
            ui.separator();
            ui.collapsing("Feedback on every choice", |ui| {
                for o in history {
                    ui.label(egui::RichText::new(format!("Step {}: {}", o.step, o.technique_name)).strong());
                    ui.label(format!(
                        "Fit {:+.2} ({})",
                        o.evaluation.fit.total,
                        o.evaluation.fit.band.label()
                    ));
                    for p in &o.evaluation.fit.parts {
                        ui.label(format!("  {:+.2}  {}", p.value, p.why));
                    }
                    if !o.feedback.is_empty() {
                        ui.label(&o.feedback);
                    }
                    for b in &o.better {
                        ui.label(format!("  Better: {} — {}", b.name, b.reason));
                    }
                    ui.add_space(6.0);
                }
            });
            if ui.button("Back to the library (Esc)").clicked() {
                out.push(Action::Goto(Screen::Library));
            }
        });
    });
}
