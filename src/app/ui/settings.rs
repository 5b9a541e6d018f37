//! The settings screen: feedback timing, text size up to projector size, themes, and where results are sent.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::core::{Action, DataDir, FeedbackTiming, Screen, Settings, StudentRecords, Theme};

pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Settings)).in_set(super::ScreenDraw),
    );
}

fn draw(
    mut contexts: EguiContexts,
    mut settings: ResMut<Settings>,
    dir: Res<DataDir>,
    records: Res<StudentRecords>,
    mut actions: MessageWriter<Action>,
) -> Result {
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
        ui.heading("Your institution's learning record store (optional)");
        ui.label(
            "Your sessions stay on this computer unless you export them or fill in an address here: then each \
             finished session is sent as xAPI statements (what you chose, its feedback figures and your accuracy). \
             If the store cannot be reached, they wait and are sent later, each once.",
        );
        let x = &mut settings.xapi;
        egui::Grid::new("xapi").num_columns(2).show(ui, |ui| {
            ui.label("Address (ends in /xAPI)");
            ui.add(
                egui::TextEdit::singleline(&mut x.lrs)
                    .hint_text("https://lrs.example.edu/xAPI")
                    .desired_width(360.0),
            );
            ui.end_row();
            ui.label("User name");
            ui.add(egui::TextEdit::singleline(&mut x.user).desired_width(200.0));
            ui.end_row();
            ui.label("Password");
            ui.add(
                egui::TextEdit::singleline(&mut x.password)
                    .password(true)
                    .desired_width(200.0),
            );
            ui.end_row();
            ui.label("Your id there");
            ui.add(
                egui::TextEdit::singleline(&mut x.account)
                    .hint_text("left empty: an anonymous id")
                    .desired_width(200.0),
            );
            ui.end_row();
            ui.label("Activity address");
            ui.add(egui::TextEdit::singleline(&mut x.base).desired_width(360.0));
            ui.end_row();
        });
        if let Some(sent) = records.sent.lock().ok().and_then(|s| s.clone()) {
            ui.label(egui::RichText::new(sent).small());
        }
        ui.add_space(12.0);
        ui.label(
            egui::RichText::new("Your settings are saved on this computer as you change them.")
                .small()
                .weak(),
        )
        .on_hover_text(Settings::path(&dir.0).display().to_string());
    });
    if *settings != before {
        actions.write(Action::SettingsChanged);
    }
    Ok(())
}
