//! The history screen: the student's sessions, trends over time (each chart with a table beside it), the
//! schools and techniques they reach for, and the markers and ruptures they tend to miss.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Legend, Line, PlotPoints, Points};

use crate::app::core::{Action, Active, Screen, StudentRecords};
use crate::engine::records::Status;
use crate::engine::records::progress::{self, Progress};

pub fn plugin(app: &mut App) {
    app.init_resource::<View>()
        .add_systems(OnEnter(Screen::History), read)
        .add_systems(
            EguiPrimaryContextPass,
            draw.run_if(in_state(Screen::History)).in_set(super::ScreenDraw),
        );
}

/// What the screen shows, read from the store once when it opens (not every frame).
#[derive(Resource, Default)]
pub struct View {
    pub progress: Progress,
    /// Only this scenario's sessions in the list (None: all).
    pub scenario: Option<String>,
}

fn read(mut view: ResMut<View>, mut records: ResMut<StudentRecords>) {
    view.progress = progress::progress(&records.all());
}

fn day(t: i64) -> String {
    crate::engine::records::export::utc_minute(t)
}

fn draw(
    mut contexts: EguiContexts,
    records: Res<StudentRecords>,
    active: Res<Active>,
    mut view: ResMut<View>,
    mut actions: MessageWriter<Action>,
    mut class: MessageWriter<crate::app::classroom::ClassAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    super::top_bar(&mut root, "Your sessions", &mut actions, true);
    super::esc_goes_back(&ctx, &mut actions);
    // The list takes at most half the window, so the trends keep room beside it; long titles wrap.
    let half = ctx.content_rect().width() * 0.5;
    egui::Panel::left("history_list")
        .resizable(true)
        .default_size(half.min(560.0))
        .max_size(half)
        .show(&mut root, |ui| {
            if let Some(n) = &active.notice {
                ui.colored_label(super::poor(), n);
            }
            if records.sessions.is_empty() {
                ui.label("No sessions yet. Every session you play is kept here, move by move, with its debrief.");
                return;
            }
            let mut titles: Vec<(&str, &str)> = records
                .sessions
                .iter()
                .map(|s| (s.scenario.as_str(), s.title.as_str()))
                .collect();
            titles.sort();
            titles.dedup();
            ui.horizontal(|ui| {
                ui.label("Scenario");
                let shown = view
                    .scenario
                    .as_deref()
                    .and_then(|id| titles.iter().find(|t| t.0 == id))
                    .map_or("all", |t| t.1);
                egui::ComboBox::from_id_salt("history_scenario")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut view.scenario, None, "all");
                        for (id, title) in &titles {
                            ui.selectable_value(&mut view.scenario, Some((*id).to_owned()), *title);
                        }
                    });
            });
            ui.label(
            egui::RichText::new(
                "Open a finished session to read its debrief as it was; one you left is taken up where you stopped.",
            )
            .weak(),
        );
            // One row per session: the button, then the title over its date, moves, accuracy and ending,
            // so the list stays readable at half a window and at projector size.
            egui::ScrollArea::vertical().show(ui, |ui| {
                for s in records
                    .sessions
                    .iter()
                    .filter(|s| view.scenario.as_ref().is_none_or(|id| *id == s.scenario))
                {
                    ui.separator();
                    ui.horizontal(|ui| {
                        let (label, enabled) = match s.status {
                            Status::Finished if s.source == "import" => ("Debrief", false),
                            Status::Finished => ("Debrief", true),
                            _ => ("Resume", true),
                        };
                        let b = ui
                            .add_enabled(enabled, egui::Button::new(label).min_size(egui::vec2(72.0, 0.0)))
                            .on_disabled_hover_text("Results from Rapport 0.1 kept only the score and the choices.");
                        if b.clicked() {
                            actions.write(Action::OpenPast(s.id.clone()));
                        }
                        // Any session with its moves kept steps forward and back on the projector.
                        let present = ui
                            .add_enabled(s.move_count > 0 && s.source != "import", egui::Button::new("Present"))
                            .on_hover_text(
                                "Step through this session on the projector, with the class's votes where there were.",
                            );
                        if present.clicked() {
                            class.write(crate::app::classroom::ClassAction::Present(s.id.clone()));
                        }
                        ui.vertical(|ui| {
                            ui.add(egui::Label::new(egui::RichText::new(&s.title).strong()).wrap());
                            let accuracy = s.accuracy.map_or(String::new(), |a| format!(" · {a:.0}% accuracy"));
                            let ending = match (&s.status, &s.ending_title) {
                                (Status::Finished, Some(t)) => t.clone(),
                                (st, _) => st.label().to_owned(),
                            };
                            ui.add(
                                egui::Label::new(format!(
                                    "{} UTC · {} move{}{accuracy} · {ending}",
                                    day(s.started),
                                    s.move_count,
                                    if s.move_count == 1 { "" } else { "s" }
                                ))
                                .wrap(),
                            );
                        });
                    });
                }
            });
        });
    egui::CentralPanel::default().show(&mut root, |ui| {
        if ui
            .button("Class report (for educators)")
            .on_hover_text("Merge a class's exports into one summary per scenario")
            .clicked()
        {
            actions.write(Action::Goto(Screen::Class));
        }
        egui::ScrollArea::vertical().show(ui, |ui| trends(ui, &view.progress));
    });
    Ok(())
}

/// The trend charts, each followed by a table with the same numbers (egui_plot has no accessibility tree).
fn trends(ui: &mut egui::Ui, p: &Progress) {
    ui.heading("Over time");
    ui.label(format!(
        "{} sessions, {} finished, {} moves.",
        p.sessions, p.finished, p.moves
    ));
    if p.points.is_empty() {
        ui.label("Finish a session to see your accuracy, fit and alliance over time.");
    } else {
        let series = |f: fn(&progress::Point) -> f32| -> PlotPoints<'static> {
            p.points
                .iter()
                .enumerate()
                .map(|(i, x)| [i as f64 + 1.0, f64::from(f(x))])
                .collect()
        };
        ui.label(egui::RichText::new("Accuracy per finished session (%)").strong());
        super::still_plot("trend_accuracy")
            .height(170.0)
            .x_axis_label("finished session, oldest first")
            .include_y(0.0)
            .include_y(100.0)
            .show(ui, |plot| {
                let blue = egui::Color32::from_rgb(90, 150, 230);
                plot.line(Line::new("accuracy", series(|x| x.accuracy)).width(2.5).color(blue));
                plot.points(Points::new("accuracy", series(|x| x.accuracy)).radius(4.0).color(blue));
            });
        ui.label(egui::RichText::new("Mean fit, final alliance and common factors").strong());
        super::still_plot("trend_quality")
            .height(170.0)
            .x_axis_label("finished session, oldest first")
            .include_y(-0.2)
            .include_y(1.0)
            .legend(Legend::default())
            .show(ui, |plot| {
                plot.line(Line::new("mean fit", series(|x| x.mean_fit)));
                plot.line(Line::new("final alliance", series(|x| x.final_alliance)));
                plot.line(Line::new("common factors", series(|x| x.mean_common_factors)));
            });
        egui::CollapsingHeader::new("The same numbers as a table")
            .default_open(p.points.len() <= 8)
            .show(ui, |ui| {
                egui::Grid::new("trend_table").striped(true).show(ui, |ui| {
                    for h in [
                        "#",
                        "Finished",
                        "Scenario",
                        "Accuracy",
                        "Mean fit",
                        "Final alliance",
                        "Common factors",
                    ] {
                        ui.label(egui::RichText::new(h).strong());
                    }
                    ui.end_row();
                    for (i, x) in p.points.iter().enumerate() {
                        ui.label((i + 1).to_string());
                        ui.label(day(x.when));
                        ui.label(&x.title);
                        ui.label(format!("{:.0}%", x.accuracy));
                        ui.label(format!("{:+.2}", x.mean_fit));
                        ui.label(format!("{:.2}", x.final_alliance));
                        ui.label(format!("{:.2}", x.mean_common_factors));
                        ui.end_row();
                    }
                });
            });
    }
    ui.separator();
    counts(ui, "Schools you reach for", "schools", &p.schools, p.moves);
    ui.add_space(6.0);
    counts(ui, "Techniques you use most", "techniques", &p.techniques, p.moves);
    ui.separator();
    ui.heading("What you tend to miss");
    if p.missed_markers.is_empty() {
        ui.label("No safety or dissociation marker left unanswered.");
    } else {
        ui.label("Markers left unanswered while a move that answers them was open (critical misses):");
        for (m, n) in &p.missed_markers {
            ui.colored_label(
                super::poor(),
                format!("{m}: {n} time{}", if *n == 1 { "" } else { "s" }),
            );
        }
    }
    if p.ruptures.is_empty() {
        ui.label("No rupture opened yet.");
    } else {
        egui::Grid::new("ruptures").striped(true).show(ui, |ui| {
            for h in [
                "Rupture",
                "Opened",
                "Repaired",
                "Repair tried, did not take",
                "Left unrepaired",
            ] {
                ui.label(egui::RichText::new(h).strong());
            }
            ui.end_row();
            for (kind, t) in &p.ruptures {
                ui.label(kind);
                ui.label(t.opened.to_string());
                ui.colored_label(super::good(), t.repaired.to_string());
                ui.colored_label(super::fair(), t.failed.to_string());
                ui.colored_label(super::poor(), t.missed.to_string());
                ui.end_row();
            }
        });
    }
}

/// A bar per item with its count and share, as text (readable by a screen reader as it is).
fn counts(ui: &mut egui::Ui, title: &str, id: &str, items: &[(String, usize)], total: usize) {
    ui.label(egui::RichText::new(title).strong());
    if items.is_empty() {
        ui.label(egui::RichText::new("none yet").weak());
        return;
    }
    egui::Grid::new(id).show(ui, |ui| {
        for (name, n) in items.iter().take(10) {
            let share = *n as f32 / total.max(1) as f32;
            ui.label(name);
            ui.add(egui::ProgressBar::new(share).desired_width(130.0));
            ui.label(format!("{n} ({:.0}%)", share * 100.0));
            ui.end_row();
        }
    });
}
