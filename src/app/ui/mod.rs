//! The egui screens, one plugin each, plus the theme. Drawing only: every action is an [`Action`] message.

mod briefing;
mod class;
mod debrief;
mod history;
mod library;
mod session;
mod settings;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::core::{Action, Settings, Theme};

pub fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, apply_theme.before(library::draw))
        .add_plugins((
            library::plugin,
            briefing::plugin,
            session::plugin,
            debrief::plugin,
            settings::plugin,
            history::plugin,
            class::plugin,
        ));
}

/// Applies theme and text size when they change (and on the first frame).
fn apply_theme(mut contexts: EguiContexts, settings: Res<Settings>, mut applied: Local<Option<Settings>>) -> Result {
    if applied.as_ref() == Some(&*settings) {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let mut visuals = match settings.theme {
        Theme::Light => egui::Visuals::light(),
        Theme::Dark => egui::Visuals::dark(),
        Theme::HighContrast => high_contrast(),
    };
    visuals.window_corner_radius = egui::CornerRadius::same(6);
    ctx.set_visuals(visuals);
    ctx.set_zoom_factor(settings.text_scale.clamp(0.75, 3.0));
    ctx.all_styles_mut(|s| {
        s.spacing.item_spacing = egui::vec2(8.0, 6.0);
        s.spacing.button_padding = egui::vec2(8.0, 4.0);
    });
    *applied = Some(settings.clone());
    Ok(())
}

/// Black, white and yellow with heavy strokes, for low vision and projectors.
fn high_contrast() -> egui::Visuals {
    let mut v = egui::Visuals::dark();
    v.override_text_color = Some(egui::Color32::WHITE);
    v.panel_fill = egui::Color32::BLACK;
    v.window_fill = egui::Color32::BLACK;
    v.extreme_bg_color = egui::Color32::BLACK;
    v.faint_bg_color = egui::Color32::from_gray(20);
    v.hyperlink_color = egui::Color32::YELLOW;
    v.selection.bg_fill = egui::Color32::from_rgb(0, 70, 160);
    v.selection.stroke = egui::Stroke::new(2.0, egui::Color32::YELLOW);
    for w in [
        &mut v.widgets.inactive,
        &mut v.widgets.hovered,
        &mut v.widgets.active,
        &mut v.widgets.noninteractive,
    ] {
        w.bg_stroke = egui::Stroke::new(2.0, egui::Color32::WHITE);
        w.fg_stroke = egui::Stroke::new(2.0, egui::Color32::WHITE);
    }
    v.widgets.inactive.bg_fill = egui::Color32::BLACK;
    v.widgets.inactive.weak_bg_fill = egui::Color32::BLACK;
    v.widgets.hovered.bg_stroke = egui::Stroke::new(3.0, egui::Color32::YELLOW);
    v
}

/// Colours that carry meaning in every theme.
pub fn good() -> egui::Color32 {
    egui::Color32::from_rgb(60, 170, 90)
}
pub fn poor() -> egui::Color32 {
    egui::Color32::from_rgb(220, 80, 70)
}
pub fn fair() -> egui::Color32 {
    egui::Color32::from_rgb(210, 160, 40)
}

/// The colour of a move class: green for best and good, amber for questionable, red for poor and critical.
pub fn class_colour(c: crate::engine::scoring::MoveClass) -> egui::Color32 {
    use crate::engine::scoring::MoveClass;
    match c {
        MoveClass::Best | MoveClass::Good => good(),
        MoveClass::Questionable => fair(),
        MoveClass::Poor | MoveClass::CriticalMiss => poor(),
    }
}

pub fn band_colour(fit: f32) -> egui::Color32 {
    if fit >= 0.3 {
        good()
    } else if fit < -0.3 {
        poor()
    } else {
        fair()
    }
}

/// The top bar every screen shares: title, the screen's name, settings.
pub fn top_bar(root: &mut egui::Ui, title: &str, actions: &mut MessageWriter<Action>, back: bool) {
    egui::Panel::top("top_bar").show(root, |ui| {
        ui.horizontal(|ui| {
            if back && ui.button("Back (Esc)").clicked() {
                actions.write(Action::Back);
            }
            ui.heading("Rapport");
            ui.separator();
            ui.label(egui::RichText::new(title).strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Settings").clicked() {
                    actions.write(Action::Goto(super::core::Screen::Settings));
                }
                if title != "Your sessions" && ui.button("Your sessions").clicked() {
                    actions.write(Action::Goto(super::core::Screen::History));
                }
            });
        });
    });
}

/// A root `Ui` over the whole window for a screen's panels (egui 0.36 shows panels inside a `Ui`).
pub fn root_ui(ctx: &egui::Context) -> egui::Ui {
    egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    )
}

/// Esc goes back on every screen.
pub fn esc_goes_back(ctx: &egui::Context, actions: &mut MessageWriter<Action>) {
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        actions.write(Action::Back);
    }
}
