//! Tools for authors: analysis, calibration against declared intents, the diagram, the scaffold and golden plays.

pub mod analysis;
pub mod calibration;
pub mod diagram;
pub mod golden;
pub mod scaffold;
pub mod synthetic;
