//! The library screen: scenarios as cards, filter and search, the last result on each, broken files with their diagnostics.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::core::{Action, Entry, Scenarios, Screen, StudentRecords};
use crate::engine::format::scenario::{Difficulty, IntegrationMode};
use crate::engine::vocab::Format;

pub fn plugin(app: &mut App) {
    app.init_resource::<Filter>().add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Library)).in_set(super::ScreenDraw),
    );
}

/// The library's search and filters.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct Filter {
    pub text: String,
    pub difficulty: Option<Difficulty>,
    pub format: Option<Format>,
    pub mode: Option<IntegrationMode>,
}

impl Filter {
    /// Whether an entry passes; broken entries always show, so their problems are seen.
    pub fn matches(&self, e: &Entry) -> bool {
        let Some(s) = &e.good else { return true };
        let text = self.text.to_lowercase();
        let hay = [
            s.meta.title.as_str(),
            s.meta.summary.as_str(),
            s.client.name.as_str(),
            &s.meta.population.join(" "),
            &s.meta.setting_tags.join(" "),
            &s.client.presenting_concerns.join(" "),
            s.meta.integration_mode.label(),
        ]
        .join(" ")
        .to_lowercase();
        (text.is_empty() || text.split_whitespace().all(|w| hay.contains(w)))
            && self.difficulty.is_none_or(|d| d == s.meta.difficulty)
            && self.format.is_none_or(|f| f == s.client.setting.format)
            && self.mode.is_none_or(|m| m == s.meta.integration_mode)
    }
}

pub fn draw(
    mut contexts: EguiContexts,
    scenarios: Res<Scenarios>,
    records: Res<StudentRecords>,
    mut filter: ResMut<Filter>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    super::top_bar(&mut root, "Scenario library", &mut actions, false);
    egui::Panel::top("filters").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label("Search");
            ui.add(
                egui::TextEdit::singleline(&mut filter.text)
                    .hint_text("client, concern, population...")
                    .desired_width(220.0),
            );
            combo(ui, "Difficulty", &mut filter.difficulty, &Difficulty::ALL, |d| {
                d.label().to_owned()
            });
            combo(ui, "Setting", &mut filter.format, &Format::ALL, |f| {
                f.label().to_owned()
            });
            combo(ui, "Integration mode", &mut filter.mode, &IntegrationMode::ALL, |m| {
                m.label().to_owned()
            });
            if *filter != Filter::default() && ui.button("Clear").clicked() {
                *filter = Filter::default();
            }
        });
        let broken: Vec<&Entry> = scenarios.entries.iter().filter(|e| !e.errors().is_empty()).collect();
        if !broken.is_empty() {
            ui.colored_label(
                super::poor(),
                format!(
                    "{} file(s) have errors and show their diagnostics below; the rest of the library works: {}",
                    broken.len(),
                    broken
                        .iter()
                        .take(4)
                        .map(|e| e.file.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                        + &if broken.len() > 4 {
                            format!(" and {} more", broken.len() - 4)
                        } else {
                            String::new()
                        }
                ),
            );
        }
        if let Some(p) = &records.problem {
            ui.colored_label(super::poor(), format!("Records: {p}"));
        }
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            if records.sessions.is_empty()
                && let Some(t) = scenarios.find("tutorial")
            {
                start_here(ui, t, &mut actions);
            }
            let shown: Vec<(usize, &Entry)> = scenarios
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| filter.matches(e))
                .collect();
            if shown.is_empty() {
                ui.label("No scenario matches the search and filters.");
            }
            // A grid of equal columns: as many cards as fit across, rows aligned at the top.
            let gap = 12.0;
            let columns = ((ui.available_width() + gap) / (CARD_WIDTH + gap)).floor().max(1.0) as usize;
            let width = ((ui.available_width() + gap) / columns as f32 - gap).max(240.0);
            egui::Grid::new("cards")
                .spacing(egui::vec2(gap, gap))
                .min_col_width(width)
                .max_col_width(width)
                .show(ui, |ui| {
                    for (k, (i, e)) in shown.into_iter().enumerate() {
                        ui.vertical(|ui| card(ui, width, i, e, &records, &mut actions));
                        if (k + 1) % columns == 0 {
                            ui.end_row();
                        }
                    }
                });
        });
    });
    Ok(())
}

/// The widest a card grows: three across at 1280 pixels.
const CARD_WIDTH: f32 = 390.0;

/// What a newcomer sees first: where to start, and what the app does, in two sentences.
fn start_here(ui: &mut egui::Ui, tutorial: usize, actions: &mut MessageWriter<Action>) {
    egui::Frame::group(ui.style()).inner_margin(12.0).show(ui, |ui| {
        ui.label(
            egui::RichText::new("New here? Start with the tutorial.")
                .heading()
                .strong(),
        );
        ui.label(
            "Each scenario is a session with a simulated client. At every moment you choose what to do; Rapport \
             tells you how well it fitted this client then, what it did to your working alliance, and what would \
             have served better. The tutorial, a first session with a student who cannot face her resits, shows \
             how, in about ten minutes. F1 opens the glossary on any screen.",
        );
        if ui
            .button(egui::RichText::new("Start the tutorial").strong().size(17.0))
            .clicked()
        {
            actions.write(Action::Open(tutorial));
        }
    });
    ui.add_space(8.0);
}

fn combo<T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut Option<T>,
    all: &[T],
    name: impl Fn(T) -> String,
) {
    ui.label(label);
    egui::ComboBox::from_id_salt(label)
        .selected_text(value.map_or_else(|| "any".to_owned(), &name))
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, "any");
            for v in all {
                ui.selectable_value(value, Some(*v), name(*v));
            }
        });
}

fn card(
    ui: &mut egui::Ui,
    width: f32,
    i: usize,
    e: &Entry,
    records: &StudentRecords,
    actions: &mut MessageWriter<Action>,
) {
    egui::Frame::group(ui.style()).inner_margin(10.0).show(ui, |ui| {
        ui.set_width(width - 22.0);
        ui.set_min_height(240.0);
        let Some(s) = &e.good else {
            ui.colored_label(
                super::poor(),
                egui::RichText::new(format!("Cannot open {}", e.file)).strong(),
            );
            for d in e.errors().into_iter().take(6) {
                ui.label(format!("{}:{}:{}  {} {}", d.file, d.line, d.column, d.code, d.message));
            }
            return;
        };
        ui.label(egui::RichText::new(&s.meta.title).heading().strong());
        let c = &s.client;
        ui.label(format!(
            "{} · {} · {}",
            c.heading(),
            c.setting.format.label(),
            c.setting.delivery.label()
        ));
        ui.label(
            egui::RichText::new(format!(
                "{} · {} · {}",
                s.meta.difficulty.label(),
                s.meta.population.join(", "),
                s.meta.integration_mode.label()
            ))
            .weak(),
        );
        ui.add_space(4.0);
        for o in s.meta.learning_objectives.iter().take(3) {
            ui.label(format!("• {o}"));
        }
        if !e.errors().is_empty() {
            ui.colored_label(
                super::poor(),
                format!(
                    "The file on disk has {} error(s); this is the last good version.",
                    e.errors().len()
                ),
            );
        }
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            if ui.button(egui::RichText::new("Open briefing").strong()).clicked() {
                actions.write(Action::Open(i));
            }
            match records.last_of(&s.id) {
                Some((r, runs)) => {
                    let last = match (r.status, r.accuracy) {
                        (crate::engine::records::Status::Finished, Some(a)) => format!("{a:.0}% accuracy"),
                        (crate::engine::records::Status::Finished, None) => "finished".to_owned(),
                        (st, _) => st.label().to_owned(),
                    };
                    ui.label(format!(
                        "Last: {last} ({runs} session{})",
                        if runs == 1 { "" } else { "s" }
                    ));
                }
                None => {
                    ui.label(egui::RichText::new("Not played yet").weak());
                }
            }
        });
    });
}
