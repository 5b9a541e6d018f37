//! The settings screen: feedback timing, text size up to projector size, and themes.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::core::{Action, FeedbackTiming, Screen, Settings, Theme};

pub fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw.run_if(in_state(Screen::Settings)));
}

fn draw(mut contexts: EguiContexts, mut settings: ResMut<Settings>, mut actions: MessageWriter<Action>) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    super::top_bar(&mut root, "Settings", &mut actions, true);
    super::esc_goes_back(&ctx, &mut actions);
    let before = settings.clone();
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading("Feedback");
        ui.radio_value(&mut settings.feedback, FeedbackTiming::Immediate, "After each choice");
        ui.radio_value(
            &mut settings.feedback,
            FeedbackTiming::Held,
            "Held for the debrief (closer to a real session)",
        );
        ui.add_space(12.0);
        ui.heading("Text size");
        ui.add(egui::Slider::new(&mut settings.text_scale, 0.75..=2.5).text("× normal (2.0 and up for a projector)"));
        ui.horizontal(|ui| {
            for (label, v) in [("Normal", 1.0), ("Large", 1.5), ("Projector", 2.2)] {
                if ui.button(label).clicked() {
                    settings.text_scale = v;
                }
            }
        });
        ui.add_space(12.0);
        ui.heading("Theme");
        ui.radio_value(&mut settings.theme, Theme::Light, "Light");
        ui.radio_value(&mut settings.theme, Theme::Dark, "Dark");
        ui.radio_value(&mut settings.theme, Theme::HighContrast, "High contrast");
        ui.add_space(12.0);
        ui.label(
            egui::RichText::new(format!("Saved to {}", Settings::path().display()))
                .small()
                .weak(),
        );
    });
    if *settings != before {
        actions.write(Action::SettingsChanged);
    }
    Ok(())
}
