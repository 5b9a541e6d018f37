//! Golden play-through scripts: chosen ids, the expected ending and transcript checkpoints, and what drifted.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::Library;
use crate::engine::format::scenario::Scenario;
use crate::engine::play::session::Session;
use crate::engine::report::transcript;

/// A file of golden play-throughs for one scenario (`NAME.plays.ron`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plays {
    /// The scenario, relative to this file.
    pub scenario: String,
    pub plays: Vec<Play>,
}

/// One scripted play-through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Play {
    pub name: String,
    #[serde(default)]
    pub seed: u64,
    pub choices: Vec<String>,
    /// The ending id the script must reach.
    pub ending: String,
    /// Transcript lines (as `rapport play --format transcript` prints them) that must appear, in order.
    #[serde(default)]
    pub checkpoints: Vec<String>,
}

/// What a play-through did against what its script expected.
#[derive(Debug, Clone, Serialize)]
pub struct PlayResult {
    pub name: String,
    pub passed: bool,
    /// Each way the play drifted from its script, in words.
    pub drift: Vec<String>,
    pub transcript: Vec<String>,
    pub score: f32,
}

impl Plays {
    /// Where the scenario of a plays file is.
    pub fn scenario_path(&self, plays_file: &Path) -> PathBuf {
        plays_file.parent().unwrap_or(Path::new(".")).join(&self.scenario)
    }
}

/// Runs one play against a scenario and compares it with the script.
pub fn run_play(play: &Play, scenario: Arc<Scenario>, lib: &Library) -> PlayResult {
    let mut drift = Vec::new();
    let mut session = match Session::new(lib, scenario, play.seed) {
        Ok(s) => s,
        Err(e) => {
            return PlayResult {
                name: play.name.clone(),
                passed: false,
                drift: vec![format!("cannot start: {e}")],
                transcript: vec![],
                score: 0.0,
            };
        }
    };
    for (i, c) in play.choices.iter().enumerate() {
        if session.ended().is_some() {
            drift.push(format!("the session ended before choice {} (`{c}`)", i + 1));
            break;
        }
        if let Err(e) = session.choose(c) {
            let offered: Vec<String> = session.available().iter().map(|o| o.id.clone()).collect();
            drift.push(format!(
                "choice {} `{c}` at stage `{}`: {e} (offered: {})",
                i + 1,
                session.stage_id(),
                offered.join(", ")
            ));
            break;
        }
    }
    let lines = transcript::lines(session.events());
    match session.ended() {
        Some(e) if e == play.ending => {}
        Some(e) => drift.push(format!("reached ending `{e}`, expected `{}`", play.ending)),
        None => drift.push(format!(
            "stopped at stage `{}` without an ending, expected `{}`",
            session.stage_id(),
            play.ending
        )),
    }
    let mut at = 0;
    for cp in &play.checkpoints {
        match lines[at..].iter().position(|l| l == cp) {
            Some(k) => at += k + 1,
            None => {
                let near = lines
                    .get(at..(at + 3).min(lines.len()))
                    .map(|v| v.join(" | "))
                    .unwrap_or_default();
                // The line this checkpoint most likely meant: the same event about the same thing (a choice of the
                // same option, a rupture of the same kind) with a different result.
                let words: Vec<&str> = cp.split_whitespace().collect();
                let key = words.len().saturating_sub(1).clamp(1, 2);
                let actual = lines.iter().find(|l| {
                    let lw: Vec<&str> = l.split_whitespace().collect();
                    lw.len() >= key && lw[..key] == words[..key.min(words.len())]
                });
                match actual {
                    Some(a) => drift.push(format!(
                        "checkpoint `{cp}` not found after line {at}; the transcript has `{a}` instead"
                    )),
                    None => drift.push(format!(
                        "checkpoint `{cp}` not found after line {at} (next lines: {near})"
                    )),
                }
                break;
            }
        }
    }
    let score = crate::engine::report::debrief::debrief(&session).practice.score;
    PlayResult {
        name: play.name.clone(),
        passed: drift.is_empty(),
        drift,
        transcript: lines,
        score,
    }
}
