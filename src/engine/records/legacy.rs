//! The JSON records of version 0.1 (the last 100 results per scenario), read once to import them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::vocab::Outcome;

/// The file name version 0.1 wrote in the data folder.
pub const FILE: &str = "records.json";

/// One finished play-through, as version 0.1 kept it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyAttempt {
    /// Seconds since the Unix epoch.
    pub when: u64,
    pub ending: String,
    pub outcome: Option<Outcome>,
    /// Practice score, 0..100.
    pub score: f32,
    pub mean_fit: f32,
    pub final_alliance: f32,
    pub missed_repairs: usize,
    pub choices: Vec<String>,
}

/// All results, by scenario id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Records {
    pub version: u32,
    pub scenarios: BTreeMap<String, Vec<LegacyAttempt>>,
}

/// Errors reading the old records.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a records file (left as it is; move it away to start afresh): {source}")]
    Parse { path: PathBuf, source: serde_json::Error },
}

impl Records {
    /// Loads records; a damaged file is an error (never overwritten or imported half).
    pub fn load(path: &Path) -> Result<Records, RecordsError> {
        let s = std::fs::read_to_string(path).map_err(|source| RecordsError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&s).map_err(|source| RecordsError::Parse {
            path: path.to_owned(),
            source,
        })
    }
}
