//! The glossary: every term a screen uses, explained, in a window reachable from every screen (F1).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::app::core::Glossary;
use crate::engine::report::glossary::{self, TERMS};

pub fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw.in_set(super::Overlays));
}

fn draw(mut contexts: EguiContexts, mut g: ResMut<Glossary>) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F1)) {
        g.open = !g.open;
    }
    if !g.open {
        return Ok(());
    }
    let mut open = true;
    let g = &mut *g;
    egui::Window::new("Glossary")
        .open(&mut open)
        .default_size([520.0, 560.0])
        .collapsible(false)
        .show(&ctx, |ui| {
            ui.horizontal(|ui| {
                ui.label("Find");
                ui.add(egui::TextEdit::singleline(&mut g.search).desired_width(220.0));
                ui.label(egui::RichText::new("F1 closes").weak());
            });
            let needle = g.search.to_lowercase();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for group in glossary::groups() {
                    let terms: Vec<_> = TERMS
                        .iter()
                        .filter(|t| t.group == group)
                        .filter(|t| {
                            needle.is_empty()
                                || t.name.to_lowercase().contains(&needle)
                                || t.text.to_lowercase().contains(&needle)
                        })
                        .collect();
                    if terms.is_empty() {
                        continue;
                    }
                    ui.heading(group);
                    for t in terms {
                        ui.label(egui::RichText::new(t.name).strong());
                        ui.label(t.text);
                        if !t.source.is_empty() {
                            ui.label(egui::RichText::new(t.source).italics().weak());
                        }
                        ui.add_space(6.0);
                    }
                }
            });
        });
    // Esc closes the glossary and goes no further: the screen under it stays where it was.
    if !open || ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
        g.open = false;
    }
    Ok(())
}

/// A label for a term with its glossary text on hover (and a dotted underline saying so).
pub fn term(ui: &mut egui::Ui, shown: impl Into<egui::WidgetText>, name: &str) -> egui::Response {
    let r = ui.label(shown);
    match glossary::term(name) {
        Some(t) => r.on_hover_text(format!("{}\n\n{}", t.text, t.source)),
        None => r,
    }
}
