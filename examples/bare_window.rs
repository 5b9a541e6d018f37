//! The reference for Rapport's start-up time: a bare Bevy + bevy_egui window of the same size, built with the
//! same features, drawing one label. `tests/measure.sh` times both side by side.

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};
use std::time::Duration;

fn main() {
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "Rapport".into(),
                resolution: (1280, 800).into(),
                ..default()
            }),
            ..default()
        }))
        .insert_resource(WinitSettings {
            focused_mode: UpdateMode::reactive(Duration::from_secs(3600)),
            unfocused_mode: UpdateMode::reactive_low_power(Duration::from_secs(3600)),
        })
        .add_plugins(EguiPlugin::default())
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn(Camera2d);
        })
        .add_systems(EguiPrimaryContextPass, draw)
        .run();
}

fn draw(mut contexts: EguiContexts) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    // As Rapport draws: panels inside a root `Ui` over the window (egui 0.36).
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading("A bare window");
        ui.label("Bevy and bevy_egui with the features Rapport uses, and nothing else.");
    });
    Ok(())
}
