//! The student's records: results per scenario over time, written atomically so a crash loses nothing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::debrief::Debrief;
use super::model::Outcome;

/// How many results per scenario are kept.
pub const KEEP: usize = 100;

/// One finished play-through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Result {
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
    pub scenarios: BTreeMap<String, Vec<Result>>,
}

/// Errors reading or writing records.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a records file: {source}")]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl Records {
    /// Where records live: `$RAPPORT_HOME` if set, else the platform's data folder.
    pub fn default_dir() -> PathBuf {
        std::env::var_os("RAPPORT_HOME")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("rapport")))
            .unwrap_or_else(|| PathBuf::from(".rapport"))
    }

    /// Loads records; a missing file is an empty record, a damaged one an error (never overwritten silently).
    pub fn load(path: &Path) -> std::result::Result<Records, RecordsError> {
        match std::fs::read_to_string(path) {
            Ok(s) => serde_json::from_str(&s).map_err(|source| RecordsError::Parse {
                path: path.to_owned(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Records {
                version: 1,
                ..Records::default()
            }),
            Err(source) => Err(RecordsError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes to a temporary file beside `path`, syncs it and renames it over: readers see the old
    /// file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> std::result::Result<(), RecordsError> {
        let err = |source| RecordsError::Write {
            path: path.to_owned(),
            source,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
        let json = serde_json::to_vec_pretty(self).map_err(|e| err(std::io::Error::other(e)))?;
        tmp.write_all(&json).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(path).map_err(|e| err(e.error))?;
        Ok(())
    }

    pub fn add(&mut self, scenario: &str, d: &Debrief, choices: &[String], when: u64) {
        let list = self.scenarios.entry(scenario.to_owned()).or_default();
        list.push(Result {
            when,
            ending: d.ending.clone().unwrap_or_default(),
            outcome: d.client.outcome,
            score: d.practice.score,
            mean_fit: d.practice.mean_fit,
            final_alliance: d.client.final_alliance.mean(),
            missed_repairs: d.missed_repairs.len(),
            choices: choices.to_vec(),
        });
        if list.len() > KEEP {
            let cut = list.len() - KEEP;
            list.drain(..cut);
        }
    }

    pub fn last(&self, scenario: &str) -> Option<&Result> {
        self.scenarios.get(scenario).and_then(|v| v.last())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_damaged_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("records.json");
        let mut r = Records::load(&path).expect("missing file is empty");
        assert!(r.scenarios.is_empty());
        r.scenarios.insert("x".into(), vec![]);
        r.save(&path).expect("saves");
        assert_eq!(Records::load(&path).expect("loads"), r);
        std::fs::write(&path, "{ not json").expect("write");
        assert!(matches!(Records::load(&path), Err(RecordsError::Parse { .. })));
    }
}
