//! The engine: scenario model, loading and checking, scoring, sessions, debrief, analysis and records. No Bevy.

pub mod analysis;
pub mod atomic;
pub mod calibration;
pub mod catalog;
pub mod check;
pub mod classroom;
pub mod debrief;
pub mod diagnostic;
pub mod glossary;
pub mod graph;
pub mod load;
pub mod model;
pub mod plays;
pub mod records;
pub mod scaffold;
pub mod scoring;
pub mod session;
pub mod shipped;
pub mod source;
pub mod synthetic;
pub mod transcript;
pub mod weights;

use std::sync::Arc;

pub use catalog::Catalog;
pub use diagnostic::{Code, Diagnostic, Severity};
pub use model::Scenario;
pub use session::{Event, Session, SessionError};
pub use weights::Weights;

/// The built-in catalog and weights, loaded once, for front ends that need both.
#[derive(Debug, Clone)]
pub struct Library {
    pub catalog: Arc<Catalog>,
    pub weights: Arc<Weights>,
}

/// Why the built-in data could not be loaded (a build defect that `cargo test` catches).
#[derive(Debug, thiserror::Error)]
#[error("the built-in {file} has errors:\n{report}")]
pub struct BuiltinError {
    pub file: String,
    pub report: String,
}

impl Library {
    pub fn builtin() -> Result<Library, BuiltinError> {
        let c = load::builtin_catalog();
        let w = load::builtin_weights();
        let fail = |file: &str, diags: &[Diagnostic], loc: &source::Locator| BuiltinError {
            file: file.to_owned(),
            report: diagnostic::render(diags, Some(loc)),
        };
        let catalog = c
            .clean()
            .cloned()
            .ok_or_else(|| fail(&c.file, &c.diagnostics, &c.locator))?;
        let weights = w
            .clean()
            .cloned()
            .ok_or_else(|| fail(&w.file, &w.diagnostics, &w.locator))?;
        Ok(Library {
            catalog: Arc::new(catalog),
            weights: Arc::new(weights),
        })
    }
}
