//! Rapport: a training simulator for integrative psychotherapy (engine, plus the Bevy app behind `app`).
#[cfg(feature = "app")]
pub mod app;
pub mod engine;
