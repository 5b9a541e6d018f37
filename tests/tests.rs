//! Rapport's integration tests, compiled as one binary (ripgrep's layout).

mod common;
mod diagnostics;
mod golden;
mod scenarios;
mod session;
