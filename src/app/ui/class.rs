//! The class report screen, for educators: a folder of students' exports merged into one summary per scenario
//! (endings, accuracy, the choices at each stage, the critical misses), each chart with a table beside it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Bar, BarChart};

use crate::app::core::{Action, ClassView, Screen};
use crate::engine::records::report::ScenarioReport;

pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Class)).in_set(super::ScreenDraw),
    );
}

fn draw(mut contexts: EguiContexts, mut view: ResMut<ClassView>, mut actions: MessageWriter<Action>) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = super::root_ui(&ctx);
    super::top_bar(&mut root, "Class report", &mut actions, true);
    super::esc_goes_back(&ctx, &mut actions);
    egui::Panel::top("class_folder").show(&mut root, |ui| {
        ui.label(
            "A folder of your students' exports (`rapport export --format json`, or xAPI statements from your \
             learning record store): every file in it and its subfolders is read.",
        );
        ui.horizontal(|ui| {
            ui.label("Folder");
            let field = ui.add(egui::TextEdit::singleline(&mut view.folder).desired_width(480.0));
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Read the folder").clicked() || enter {
                actions.write(Action::ReadClass);
            }
        });
        for p in view.problems.iter().take(5) {
            ui.colored_label(super::fair(), p);
        }
        if view.problems.len() > 5 {
            ui.colored_label(
                super::fair(),
                format!("and {} more files not counted", view.problems.len() - 5),
            );
        }
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            let Some(r) = &view.report else {
                ui.label("No class read yet.");
                return;
            };
            ui.heading(format!(
                "{} students, {} sessions, {} scenario{}",
                r.students,
                r.sessions,
                r.scenarios.len(),
                if r.scenarios.len() == 1 { "" } else { "s" }
            ));
            for (k, s) in r.scenarios.iter().enumerate() {
                egui::CollapsingHeader::new(egui::RichText::new(&s.title).strong().size(18.0))
                    .id_salt(("class_scenario", k))
                    .default_open(k == 0)
                    .show(ui, |ui| scenario(ui, k, s));
            }
        });
    });
    Ok(())
}

fn scenario(ui: &mut egui::Ui, k: usize, s: &ScenarioReport) {
    ui.label(format!(
        "{} students · {} sessions · {} finished ({:.0}%)",
        s.students,
        s.sessions,
        s.finished,
        s.finished_share * 100.0
    ));
    if !s.critical.is_empty() {
        ui.colored_label(
            super::poor(),
            egui::RichText::new(format!(
                "{} critical misses: a risk or dissociation marker left unanswered while a move that answered it was open",
                s.critical.len()
            ))
            .strong(),
        );
        egui::Grid::new(("class_unanswered", k)).striped(true).show(ui, |ui| {
            for h in ["Marker", "Stage", "Times"] {
                ui.label(egui::RichText::new(h).strong());
            }
            ui.end_row();
            for m in &s.unanswered {
                ui.colored_label(super::poor(), &m.marker);
                ui.label(&m.stage_title);
                ui.label(m.count.to_string());
                ui.end_row();
            }
        });
        ui.collapsing("Who, and where", |ui| {
            for c in &s.critical {
                ui.label(format!("{}: {} ({})", c.student, c.stage_title, c.marker));
            }
        });
    }
    if let Some(a) = &s.accuracy {
        ui.add_space(6.0);
        ui.label(egui::RichText::new("Accuracy of finished sessions").strong());
        ui.label(format!(
            "Mean {:.0}%, median {:.0}%, lowest {:.0}%, highest {:.0}%.",
            a.mean, a.median, a.min, a.max
        ));
        ui.horizontal_top(|ui| {
            let bars: Vec<Bar> = a
                .histogram
                .iter()
                .enumerate()
                .map(|(b, n)| Bar::new(b as f64 * 10.0 + 5.0, *n as f64).width(8.0))
                .collect();
            super::still_plot(("class_accuracy", k))
                .height(160.0)
                .width(360.0)
                .include_x(0.0)
                .include_x(100.0)
                .x_axis_label("accuracy (%)")
                .show(ui, |p| {
                    p.bar_chart(BarChart::new("sessions", bars).color(egui::Color32::from_rgb(90, 150, 230)))
                });
            egui::Grid::new(("class_accuracy_table", k))
                .striped(true)
                .show(ui, |ui| {
                    ui.label(egui::RichText::new("Accuracy").strong());
                    ui.label(egui::RichText::new("Sessions").strong());
                    ui.end_row();
                    for (b, n) in a.histogram.iter().enumerate() {
                        ui.label(if b == 9 {
                            "90-100%".to_owned()
                        } else {
                            format!("{}-{}%", b * 10, b * 10 + 9)
                        });
                        ui.label(n.to_string());
                        ui.end_row();
                    }
                });
        });
    }
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Endings reached").strong());
    egui::Grid::new(("class_endings", k)).striped(true).show(ui, |ui| {
        for e in &s.endings {
            ui.label(&e.title);
            let share = e.count as f32 / s.finished.max(1) as f32;
            ui.add(egui::ProgressBar::new(share).desired_width(160.0));
            ui.label(format!("{} ({:.0}%)", e.count, share * 100.0));
            ui.end_row();
        }
    });
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Choices at each stage").strong());
    for st in &s.stages {
        ui.label(egui::RichText::new(format!("{} ({} sessions)", st.title, st.sessions)).underline());
        egui::Grid::new(("class_stage", k, &st.stage)).show(ui, |ui| {
            for c in st.choices.iter().take(6) {
                let colour = c.class.map_or(ui.visuals().text_color(), super::class_colour);
                ui.colored_label(colour, &c.technique);
                ui.colored_label(colour, c.class.map_or("", |c| c.label()));
                ui.add(egui::ProgressBar::new(c.share).desired_width(140.0));
                ui.label(format!("{} ({:.0}%)", c.count, c.share * 100.0));
                ui.end_row();
            }
        });
    }
}
