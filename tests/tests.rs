//! Rapport's integration tests, compiled as one binary (ripgrep's layout).

#[cfg(feature = "app")]
mod app;
mod authoring;
#[cfg(feature = "app")]
mod class_app;
mod classroom;
mod classroom_browser;
mod cli;
mod common;
mod diagnostics;
mod golden;
mod inputs;
mod layers;
mod lrs;
mod people;
mod records;
mod robustness;
mod scenarios;
mod scoring;
mod session;
