//! The engine: scenario model, loading and checking, scoring, sessions, debrief, analysis and records. No Bevy.

pub mod atomic;
pub mod author;
pub mod check;
pub mod classroom;
pub mod format;
pub mod load;
pub mod play;
pub mod records;
pub mod report;
pub mod shipped;
pub mod vocab;

use std::sync::Arc;

pub use format::catalog::Catalog;
pub use format::scenario::Scenario;
pub use format::weights::Weights;
pub use load::diagnostic::{Code, Diagnostic, Severity};
pub use play::session::{Event, Session, SessionError};

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
        let fail = |file: &str, diags: &[Diagnostic], loc: &load::source::Locator| BuiltinError {
            file: file.to_owned(),
            report: load::diagnostic::render(diags, Some(loc)),
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
