//! The egui screens, one plugin each, plus the theme. Drawing only: every action is an [`Action`] message.

mod briefing;
mod class;
pub mod classroom;
pub mod debrief;
pub mod glossary;
mod history;
mod library;
pub mod session;
mod settings;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::core::{Action, Settings, Theme};

/// The systems that draw a screen; the theme comes before them, and the overlays (the glossary) before
/// them too, so a key an overlay takes (Esc closing the glossary) never reaches the screen.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScreenDraw;

/// Systems drawn over every screen.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Overlays;

pub fn plugin(app: &mut App) {
    app.configure_sets(EguiPrimaryContextPass, Overlays.before(ScreenDraw))
        .add_systems(EguiPrimaryContextPass, apply_theme.before(Overlays))
        .add_plugins((
            library::plugin,
            briefing::plugin,
            session::plugin,
            debrief::plugin,
            settings::plugin,
            history::plugin,
            class::plugin,
            classroom::plugin,
            glossary::plugin,
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
    // Tracks (progress bars, text fields) and slider rails need a fill the black panels do not hide.
    v.extreme_bg_color = egui::Color32::from_gray(55);
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
    v.widgets.inactive.bg_fill = egui::Color32::from_gray(70);
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
pub fn class_colour(c: crate::engine::play::scoring::MoveClass) -> egui::Color32 {
    use crate::engine::play::scoring::MoveClass;
    match c {
        MoveClass::Best | MoveClass::Good => good(),
        MoveClass::Questionable => fair(),
        MoveClass::Poor | MoveClass::CriticalMiss => poor(),
    }
}

/// The colour of a change: gained, lost, or about even (within a hundredth).
pub fn change_colour(change: f32) -> egui::Color32 {
    if change > 0.01 {
        good()
    } else if change < -0.01 {
        poor()
    } else {
        fair()
    }
}

/// The colour of a fit band (the bands' one home is `Weights::band`).
pub fn band_colour(band: crate::engine::vocab::FitBand) -> egui::Color32 {
    use crate::engine::vocab::FitBand;
    match band {
        FitBand::Good => good(),
        FitBand::Fair => fair(),
        FitBand::Poor => poor(),
    }
}

/// A chart that stays still: it never takes the page's mouse wheel or a drag, so the page scrolls over it and
/// no pan is carried into the next chart drawn with the same id.
pub fn still_plot<'a>(id: impl egui::AsId) -> egui_plot::Plot<'a> {
    egui_plot::Plot::new(id)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
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
                if ui.button("Glossary (F1)").clicked() {
                    actions.write(Action::ToggleGlossary);
                }
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

/// PageUp, PageDown and the up and down arrows scroll the area they are called in (the briefing, the
/// feedback, the debrief), for a student who reads by keyboard.
pub fn scroll_by_keys(ui: &mut egui::Ui) {
    let page = ui.clip_rect().height() * 0.8;
    let dy = ui.input(|i| {
        let mut d = 0.0;
        if i.key_pressed(egui::Key::PageDown) {
            d -= page;
        }
        if i.key_pressed(egui::Key::PageUp) {
            d += page;
        }
        if i.key_pressed(egui::Key::ArrowDown) {
            d -= 40.0;
        }
        if i.key_pressed(egui::Key::ArrowUp) {
            d += 40.0;
        }
        d
    });
    if dy != 0.0 {
        ui.scroll_with_delta(egui::vec2(0.0, dy));
    }
}

/// Esc goes back on every screen.
pub fn esc_goes_back(ctx: &egui::Context, actions: &mut MessageWriter<Action>) {
    if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        actions.write(Action::Back);
    }
}
