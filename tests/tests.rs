//! Rapport's integration tests, compiled as one binary (ripgrep's layout).

#[cfg(feature = "app")]
mod app;
mod authoring;
mod cli;
mod common;
mod diagnostics;
mod golden;
mod inputs;
mod lrs;
mod people;
mod records;
mod robustness;
mod scenarios;
mod scoring;
mod session;
