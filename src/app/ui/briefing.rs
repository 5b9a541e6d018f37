//! The briefing screen: the intake a clinician would read before the session.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::core::{Action, Scenarios, Screen};
use crate::engine::format::scenario::{ClientProfile, Preference};
use crate::engine::vocab::Lean;

pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Briefing)).in_set(super::ScreenDraw),
    );
}

/// A 0-to-1 figure in words, with the figure and its scale for those who want it.
fn level(x: f32, low: &str, mid: &str, high: &str) -> String {
    use crate::engine::vocab::Level;
    let w = match Level::of(x) {
        Level::High => high,
        Level::Low => low,
        Level::Moderate => mid,
    };
    format!("{w} ({x:.2} on a scale of 0 to 1)")
}

/// The profile variables in plain language.
pub fn profile_lines(c: &ClientProfile) -> Vec<(&'static str, String)> {
    let scale = "on a scale from -1, internalizing, to +1, externalizing";
    let coping = Lean::of(c.coping_style).pick(
        format!(
            "leans internalizing: turns distress inward, self-critical ({:+.2} {scale})",
            c.coping_style
        ),
        format!("balanced ({:+.2} {scale})", c.coping_style),
        format!(
            "leans externalizing: acts on distress outwardly, looks to circumstances ({:+.2} {scale})",
            c.coping_style
        ),
    );
    let mut v = vec![
        (
            "Reactance",
            level(
                c.reactance.trait_level,
                "accepts guidance readily",
                "some wish to set their own course",
                "pushes back when told what to do",
            ),
        ),
        ("Coping style", coping),
        ("Distress", level(c.distress, "low", "moderate", "high")),
        ("Impairment", level(c.impairment, "mild", "moderate", "severe")),
        (
            "Stage of change",
            c.stage_of_change
                .map_or("not a behaviour-change session", |s| s.label())
                .to_owned(),
        ),
        (
            "Expectancy",
            level(c.expectancy, "doubts therapy will help", "unsure", "hopeful"),
        ),
        ("Tends to rupture by", c.rupture_style.label().to_owned()),
        (
            "Setting",
            format!("{}, {}", c.setting.format.label(), c.setting.delivery.label()),
        ),
    ];
    let prefs = &c.preferences;
    if prefs.strength > 0.0 || !prefs.note.is_empty() {
        let name = |p: &Preference| match p {
            Preference::School(s) => s.label().to_owned(),
            Preference::Technique(t) => t.replace('_', " "),
        };
        let mut s = prefs.note.clone();
        if !prefs.likes.is_empty() {
            s.push_str(&format!(
                " Wants: {}.",
                prefs.likes.iter().map(name).collect::<Vec<_>>().join(", ")
            ));
        }
        if !prefs.dislikes.is_empty() {
            s.push_str(&format!(
                " Does not want: {}.",
                prefs.dislikes.iter().map(name).collect::<Vec<_>>().join(", ")
            ));
        }
        v.push(("Preferences", s.trim().to_owned()));
    }
    if c.culture.salience > 0.0 || !c.culture.tags.is_empty() {
        v.push((
            "Culture",
            format!(
                "{}; shapes the problem's meaning: {}. {}",
                c.culture.tags.join(", "),
                level(c.culture.salience, "little", "somewhat", "a great deal"),
                c.culture.explanatory_model
            ),
        ));
    }
    if c.religion_salience > 0.0 {
        v.push((
            "Faith",
            format!(
                "matters {}",
                level(c.religion_salience, "a little", "somewhat", "a great deal")
            ),
        ));
    }
    v
}

/// A profile as a table: each term with its glossary entry on hover, each value wrapping within the page.
fn profile_grid(ui: &mut egui::Ui, id: &str, c: &ClientProfile) {
    let value_width = (ui.available_width() - 200.0).max(200.0);
    egui::Grid::new(("profile", id))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (k, v) in profile_lines(c) {
                let term = match k {
                    "Tends to rupture by" => "Rupture",
                    other => other,
                };
                super::glossary::term(ui, k, term);
                ui.scope(|ui| {
                    ui.set_max_width(value_width);
                    ui.add(egui::Label::new(v).wrap());
                });
                ui.end_row();
            }
        });
}

fn draw(
    mut contexts: EguiContexts,
    scenarios: Res<Scenarios>,
    mut actions: MessageWriter<Action>,
    mut class: MessageWriter<crate::app::classroom::ClassAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    let Some(s) = scenarios
        .selected
        .and_then(|i| scenarios.entries.get(i))
        .and_then(|e| e.good.clone())
    else {
        return Ok(());
    };
    super::top_bar(&mut root, &format!("Briefing: {}", s.meta.title), &mut actions, true);
    super::esc_goes_back(&ctx, &mut actions);
    if ctx.input(|i| i.key_pressed(egui::Key::Enter)) {
        actions.write(Action::Begin);
    }
    egui::Panel::bottom("begin").show(&mut root, |ui| {
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .button(egui::RichText::new("Begin session (Enter)").strong().size(18.0))
                .clicked()
            {
                actions.write(Action::Begin);
            }
            ui.label(egui::RichText::new(format!("about {} minutes", s.meta.minutes.unwrap_or(15))).weak());
            ui.separator();
            if ui
                .button(egui::RichText::new("Present to a class").size(18.0))
                .on_hover_text(
                    "A class session: the client on the projector, the class votes on each move from their phones \
                     (same Wi-Fi, no account), the feedback revealed after the vote.",
                )
                .clicked()
                && let Some(i) = scenarios.selected
            {
                class.write(crate::app::classroom::ClassAction::Start(i));
            }
        });
        ui.add_space(6.0);
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            super::scroll_by_keys(ui);
            ui.set_max_width(900.0);
            let c = &s.client;
            // A case of several people is named by the people in it; one person by name, age and pronouns.
            ui.heading(if s.people.is_empty() {
                c.heading()
            } else {
                c.name.clone()
            });
            ui.label(&s.meta.summary);
            if !s.meta.content_notes.is_empty() {
                ui.add_space(6.0);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.colored_label(super::fair(), egui::RichText::new("Content notes").strong());
                    for n in &s.meta.content_notes {
                        ui.label(format!("• {n}"));
                    }
                });
            }
            ui.add_space(8.0);
            ui.label(egui::RichText::new("Presenting concerns").strong());
            for p in &c.presenting_concerns {
                ui.label(format!("• {p}"));
            }
            ui.add_space(8.0);
            ui.label(egui::RichText::new("History").strong());
            ui.label(&c.history);
            ui.add_space(8.0);
            if s.people.is_empty() {
                ui.label(egui::RichText::new("Profile").strong());
                profile_grid(ui, "profile", c);
            } else {
                // Each person in the room, with their own account and profile.
                for (p, (_, profile)) in s.people.iter().zip(s.persons()) {
                    let role = if p.role.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", p.role)
                    };
                    egui::CollapsingHeader::new(egui::RichText::new(format!("{}{role}", profile.heading())).strong())
                        .id_salt(("person", p.id.as_str()))
                        .default_open(s.people.len() <= 3)
                        .show(ui, |ui| {
                            if !p.history.is_empty() {
                                ui.label(&p.history);
                            }
                            profile_grid(ui, p.id.as_str(), &profile);
                        });
                }
            }
            ui.add_space(8.0);
            ui.label(egui::RichText::new("Learning objectives").strong());
            for o in &s.meta.learning_objectives {
                ui.label(format!("• {o}"));
            }
            ui.label(egui::RichText::new(format!("Built to teach {}.", s.meta.integration_mode.label())).weak());
            if !s.meta.references.is_empty() {
                ui.collapsing("References", |ui| {
                    for r in &s.meta.references {
                        ui.label(r);
                    }
                });
            }
        });
    });
    Ok(())
}
