//! The student's records: every session, move by move, in a SQLite store that a crash cannot corrupt.
//!
//! One file, `records.sqlite`, in the data folder (`RAPPORT_HOME` or `--data-dir` override the platform's).
//! Each move is committed as it is made (WAL journal, full sync), so a kill at any moment loses at most the
//! move in flight. The schema grows by numbered migrations ([`schema`]); the JSON records of version 0.1 are
//! imported once. Exports ([`export`]), xAPI statements and their outbox ([`xapi`]) and the class report
//! ([`report`]) read what is stored here.

pub mod export;
pub mod legacy;
pub mod progress;
pub mod report;
pub mod schema;
pub mod xapi;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::Scenario;
use super::classroom::ClassChoice;
use super::play::session::{ChoiceOutcome, Event, Session};
use super::report::debrief::Debrief;

/// The store's file name inside the data folder.
pub const FILE: &str = "records.sqlite";
/// The settings' file name in the same folder (the app writes it; the command line reads its `xapi` section).
pub const SETTINGS_FILE: &str = "settings.json";

/// Where records and settings live: `$RAPPORT_HOME` if set, else the platform's data folder.
pub fn default_dir() -> PathBuf {
    std::env::var_os("RAPPORT_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("rapport")))
        .unwrap_or_else(|| PathBuf::from(".rapport"))
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Errors opening, reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the records folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("the records store {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("the records store {path} cannot be brought up to date: {source}")]
    Migrate {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("{0}")]
    Legacy(#[from] legacy::RecordsError),
    #[error("no session {0} in the records")]
    NoSession(String),
    #[error("session {id}: stored data is damaged ({what}: {source})")]
    Damaged {
        id: String,
        what: &'static str,
        source: serde_json::Error,
    },
}

/// How a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Started and not finished: it can be resumed.
    Playing,
    Finished,
    /// Left before an ending.
    Abandoned,
}

impl Status {
    fn parse(s: &str) -> Status {
        match s {
            "finished" => Status::Finished,
            "abandoned" => Status::Abandoned,
            _ => Status::Playing,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Playing => "unfinished",
            Status::Finished => "finished",
            Status::Abandoned => "left before the ending",
        }
    }
}

/// A session as the history lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The session's id, a UUID; also its xAPI registration.
    pub id: String,
    pub scenario: String,
    pub title: String,
    /// The scenario's format version and a hash of its content, to tell when it has changed since.
    pub scenario_version: u32,
    pub content_hash: String,
    pub seed: u64,
    /// `app`, `cli` or `import` (a result from the JSON records of version 0.1).
    pub source: String,
    pub started: i64,
    pub updated: i64,
    pub status: Status,
    /// How many moves were recorded.
    pub move_count: usize,
    pub ending: Option<String>,
    /// The ending's title as the student saw it.
    pub ending_title: Option<String>,
    pub outcome: Option<String>,
    /// Mean move accuracy in percent (None before an ending, and for imported results, which had none).
    pub accuracy: Option<f32>,
    pub verdict: Option<String>,
    pub mean_fit: Option<f32>,
    pub mean_common_factors: Option<f32>,
    pub final_alliance: Option<f32>,
    pub critical_misses: usize,
}

/// One move as stored: the choice as the session replays it, and everything it did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoveRecord {
    pub step: usize,
    /// The choice key the session replays (`option` or `option@person`).
    pub choice: String,
    pub at: i64,
    /// The full outcome (None for imported results, which kept only the option).
    pub outcome: Option<ChoiceOutcome>,
    /// The events the move produced, in order.
    #[serde(default)]
    pub events: Vec<Event>,
    /// In a class session, the class's vote at this stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub votes: Option<ClassChoice>,
}

/// A whole session: summary, moves and (once it ended) its debrief exactly as shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(flatten)]
    pub summary: SessionSummary,
    pub moves: Vec<MoveRecord>,
    pub debrief: Option<Debrief>,
}

impl SessionRecord {
    /// The choice keys, in order, to replay the session.
    pub fn choices(&self) -> Vec<String> {
        self.moves.iter().map(|m| m.choice.clone()).collect()
    }
}

/// A stable hash of a scenario's content, so a record knows whether the scenario changed since.
pub fn content_hash(sc: &Scenario) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(sc).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Turns SQLite's errors into the store's, naming the file.
pub(crate) fn sql_error(path: PathBuf) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite {
        path: path.clone(),
        source,
    }
}

/// The records store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, brings its schema up to date, and imports the JSON
    /// records of version 0.1 found beside it, once.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(FILE);
        let conn = Connection::open(&path).map_err(sql_error(path.clone()))?;
        let mut store = Store { conn, path };
        store.prepare()?;
        store.import_legacy(&dir.join(legacy::FILE))?;
        Ok(store)
    }

    /// A store in memory, for tests and for a front end that cannot write (records then last the run).
    pub fn in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(sql_error(path.clone()))?;
        let mut store = Store { conn, path };
        store.prepare()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        sql_error(self.path.clone())(source)
    }

    fn prepare(&mut self) -> Result<(), StoreError> {
        // WAL keeps readers and the writer apart and makes each commit one append; FULL syncs the log at
        // every commit, so a committed move survives a kill and a power cut. A second process (the CLI while
        // the app runs) waits for the lock rather than failing.
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| self.conn.pragma_update(None, "synchronous", "FULL"))
            .and_then(|_| self.conn.pragma_update(None, "foreign_keys", "ON"))
            .and_then(|_| self.conn.busy_timeout(std::time::Duration::from_secs(5)))
            .map_err(|e| self.sql(e))?;
        schema::migrations()
            .to_latest(&mut self.conn)
            .map_err(|source| StoreError::Migrate {
                path: self.path.clone(),
                source,
            })
    }

    /// Imports `records.json` (version 0.1) once, then renames it so it is never read again (kept, not deleted).
    fn import_legacy(&mut self, json: &Path) -> Result<(), StoreError> {
        if !json.exists() {
            return Ok(());
        }
        let done = json.with_extension("json.imported");
        let rename = |json: &Path| {
            std::fs::rename(json, &done).map_err(|source| StoreError::Folder {
                path: done.clone(),
                source,
            })
        };
        // The import and its mark commit together; a crash before the rename only renames next time.
        if self.meta("legacy_imported")?.is_some() {
            return rename(json);
        }
        let old = legacy::Records::load(json)?;
        let sql = sql_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&sql)?;
        let run = || -> rusqlite::Result<()> {
            for (scenario, results) in &old.scenarios {
                for r in results {
                    let id = uuid::Uuid::new_v4().to_string();
                    tx.execute(
                        "INSERT INTO sessions (id, scenario, title, scenario_version, content_hash, seed, source,
                           started, updated, status, ending, outcome, accuracy, verdict, score, mean_fit,
                           mean_common_factors, final_alliance, critical_misses, missed_repairs, debrief)
                         VALUES (?1, ?2, ?2, 0, '', 0, 'import', ?3, ?3, 'finished', ?4, ?5, NULL, NULL, ?6, ?7,
                           NULL, ?8, 0, ?9, NULL)",
                        params![
                            id,
                            scenario,
                            r.when as i64,
                            (!r.ending.is_empty()).then_some(&r.ending),
                            r.outcome.map(|o| o.label()),
                            r.score,
                            r.mean_fit,
                            r.final_alliance,
                            r.missed_repairs as i64,
                        ],
                    )?;
                    for (step, choice) in r.choices.iter().enumerate() {
                        tx.execute(
                            "INSERT INTO moves (session, step, choice, at, outcome, events) VALUES (?1, ?2, ?3, ?4, NULL, '[]')",
                            params![id, step as i64 + 1, choice, r.when as i64],
                        )?;
                    }
                }
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('legacy_imported', ?1)",
                params![now().to_string()],
            )?;
            Ok(())
        };
        run().map_err(&sql)?;
        tx.commit().map_err(&sql)?;
        rename(json)
    }

    /// Starts recording a session; returns its id (a UUID, also its xAPI registration).
    pub fn begin(&mut self, session: &Session, source: &str) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let sc = session.scenario();
        let t = now();
        self.conn
            .execute(
                "INSERT INTO sessions (id, scenario, title, scenario_version, content_hash, seed, source, started,
                   updated, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 'playing')",
                params![
                    id,
                    sc.id,
                    sc.meta.title,
                    sc.version,
                    content_hash(sc),
                    session.seed() as i64,
                    source,
                    t
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(id)
    }

    /// Starts recording a session that may already hold moves (a replay from a step, a resumed session):
    /// each is recorded with the events it produced.
    pub fn begin_with_history(&mut self, session: &Session, source: &str) -> Result<String, StoreError> {
        let id = self.begin(session, source)?;
        for (choice, events) in session
            .choices()
            .iter()
            .zip(crate::engine::play::session::moves_of(session.events()))
        {
            if let Some(Event::Feedback(o)) = events.first() {
                self.record_move(&id, choice, o, events)?;
            }
        }
        Ok(id)
    }

    /// Marks a recorded session as being played again from where it stopped.
    pub fn reopen(&mut self, id: &str) -> Result<(), StoreError> {
        let full = self.resolve(id)?;
        self.conn
            .execute(
                "UPDATE sessions SET status = 'playing', updated = ?2 WHERE id = ?1 AND status != 'finished'",
                params![full, now()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Records one move as it is made: one transaction, so it is there in full or not at all.
    pub fn record_move(
        &mut self,
        id: &str,
        choice: &str,
        outcome: &ChoiceOutcome,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let outcome_json = serde_json::to_string(outcome).unwrap_or_default();
        let events_json = serde_json::to_string(events).unwrap_or_else(|_| "[]".into());
        let t = now();
        let sql = sql_error(self.path.clone());
        let tx = self.conn.transaction().map_err(&sql)?;
        let run = || -> rusqlite::Result<()> {
            tx.execute(
                "INSERT OR REPLACE INTO moves (session, step, choice, at, outcome, events) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, outcome.step as i64, choice, t, outcome_json, events_json],
            )?;
            tx.execute("UPDATE sessions SET updated = ?2 WHERE id = ?1", params![id, t])?;
            Ok(())
        };
        run().map_err(&sql)?;
        tx.commit().map_err(&sql)
    }

    /// Records the class's vote on a move already recorded (a class session records each move, then its vote,
    /// so a crash between the two loses the vote of one stage at most, never the move).
    pub fn record_votes(&mut self, id: &str, step: usize, votes: &ClassChoice) -> Result<(), StoreError> {
        let json = serde_json::to_string(votes).unwrap_or_default();
        self.conn
            .execute(
                "UPDATE moves SET votes = ?3 WHERE session = ?1 AND step = ?2",
                params![id, step as i64, json],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Records what the session's last choice did: the move (from its feedback event), and the ending with
    /// its debrief when the session has ended. Front ends call this after every `Session::choose`.
    pub fn record(
        &mut self,
        id: &str,
        session: &Session,
        events: &[Event],
        debrief: Option<&Debrief>,
    ) -> Result<(), StoreError> {
        let outcome = events.iter().find_map(|e| match e {
            Event::Feedback(o) => Some(o),
            _ => None,
        });
        if let (Some(o), Some(choice)) = (outcome, session.choices().last()) {
            self.record_move(id, choice, o, events)?;
        }
        if session.ended().is_some() {
            let d = match debrief {
                Some(d) => d.clone(),
                None => super::report::debrief::debrief(session),
            };
            self.finish(id, &d)?;
        }
        Ok(())
    }

    /// Records the ending and the debrief exactly as shown.
    pub fn finish(&mut self, id: &str, d: &Debrief) -> Result<(), StoreError> {
        let json = serde_json::to_string(d).unwrap_or_default();
        self.conn
            .execute(
                "UPDATE sessions SET status = 'finished', updated = ?2, ending = ?3, outcome = ?4, accuracy = ?5,
                   verdict = ?6, score = ?7, mean_fit = ?8, mean_common_factors = ?9, final_alliance = ?10,
                   critical_misses = ?11, missed_repairs = ?12, debrief = ?13, ending_title = ?14 WHERE id = ?1",
                params![
                    id,
                    now(),
                    d.ending,
                    d.client.outcome.map(|o| o.label()),
                    d.practice.accuracy,
                    d.practice.verdict.label(),
                    d.practice.score,
                    d.practice.mean_fit,
                    d.practice.mean_common_factors,
                    d.client.final_alliance.mean(),
                    d.practice.critical.len() as i64,
                    d.missed_repairs.len() as i64,
                    json,
                    d.ending_title
                ],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Marks a session left before its ending (it stays resumable from the history).
    pub fn abandon(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET status = 'abandoned', updated = ?2 WHERE id = ?1 AND status = 'playing'",
                params![id, now()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Every session, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionSummary>, StoreError> {
        self.summaries("1 = 1", params![])
    }

    /// The sessions of one scenario, newest first.
    pub fn sessions_of(&self, scenario: &str) -> Result<Vec<SessionSummary>, StoreError> {
        self.summaries("s.scenario = ?1", params![scenario])
    }

    fn summaries(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<SessionSummary>, StoreError> {
        let sql = format!(
            "SELECT s.id, s.scenario, s.title, s.scenario_version, s.content_hash, s.seed, s.source, s.started,
               s.updated, s.status, (SELECT COUNT(*) FROM moves m WHERE m.session = s.id), s.ending, s.outcome,
               s.accuracy, s.verdict, s.mean_fit, s.mean_common_factors, s.final_alliance, s.critical_misses,
               s.ending_title
             FROM sessions s WHERE {filter} ORDER BY s.started DESC, s.rowid DESC"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(SessionSummary {
                    id: r.get(0)?,
                    scenario: r.get(1)?,
                    title: r.get(2)?,
                    scenario_version: r.get(3)?,
                    content_hash: r.get(4)?,
                    seed: r.get::<_, i64>(5)? as u64,
                    source: r.get(6)?,
                    started: r.get(7)?,
                    updated: r.get(8)?,
                    status: Status::parse(&r.get::<_, String>(9)?),
                    move_count: r.get::<_, i64>(10)? as usize,
                    ending: r.get(11)?,
                    outcome: r.get(12)?,
                    accuracy: r.get(13)?,
                    verdict: r.get(14)?,
                    mean_fit: r.get(15)?,
                    mean_common_factors: r.get(16)?,
                    final_alliance: r.get(17)?,
                    critical_misses: r.get::<_, i64>(18)? as usize,
                    ending_title: r.get(19)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.sql(e))
    }

    /// One session in full. `id` may be a unique prefix of the session's id.
    pub fn session(&self, id: &str) -> Result<SessionRecord, StoreError> {
        let full = self.resolve(id)?;
        let summary = self
            .summaries("s.id = ?1", params![full])?
            .pop()
            .ok_or_else(|| StoreError::NoSession(id.to_owned()))?;
        let mut stmt = self
            .conn
            .prepare("SELECT step, choice, at, outcome, events, votes FROM moves WHERE session = ?1 ORDER BY step")
            .map_err(|e| self.sql(e))?;
        let raw = stmt
            .query_map(params![full], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))?;
        let damaged = |what, source| StoreError::Damaged {
            id: full.clone(),
            what,
            source,
        };
        let mut moves = Vec::with_capacity(raw.len());
        for (step, choice, at, outcome, events, votes) in raw {
            let outcome = match outcome {
                Some(o) => Some(serde_json::from_str(&o).map_err(|e| damaged("a move", e))?),
                None => None,
            };
            let events = serde_json::from_str(&events).map_err(|e| damaged("a move's events", e))?;
            let votes = match votes {
                Some(v) => Some(serde_json::from_str(&v).map_err(|e| damaged("a class vote", e))?),
                None => None,
            };
            moves.push(MoveRecord {
                step: step as usize,
                choice,
                at,
                outcome,
                events,
                votes,
            });
        }
        let debrief: Option<String> = self
            .conn
            .query_row("SELECT debrief FROM sessions WHERE id = ?1", params![full], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))?;
        let debrief = match debrief {
            Some(d) => Some(serde_json::from_str(&d).map_err(|e| damaged("the debrief", e))?),
            None => None,
        };
        Ok(SessionRecord {
            summary,
            moves,
            debrief,
        })
    }

    /// Every session in full, oldest first (for exports).
    pub fn all(&self) -> Result<Vec<SessionRecord>, StoreError> {
        let mut ids: Vec<String> = self.sessions()?.into_iter().map(|s| s.id).collect();
        ids.reverse();
        ids.iter().map(|id| self.session(id)).collect()
    }

    /// The full id of the one session whose id starts with `prefix`.
    fn resolve(&self, prefix: &str) -> Result<String, StoreError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM sessions WHERE id LIKE ?1 LIMIT 2")
            .map_err(|e| self.sql(e))?;
        let ids = stmt
            .query_map(params![pattern], |r| r.get::<_, String>(0))
            .map_err(|e| self.sql(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))?;
        match ids.as_slice() {
            [one] if !prefix.is_empty() => Ok(one.clone()),
            _ => Err(StoreError::NoSession(prefix.to_owned())),
        }
    }

    /// The most recent session of a scenario, if any.
    pub fn last_of(&self, scenario: &str) -> Result<Option<SessionSummary>, StoreError> {
        Ok(self.sessions_of(scenario)?.into_iter().next())
    }

    /// Deletes every session (and the statements waiting for them): `rapport history --forget`.
    pub fn forget(&mut self) -> Result<usize, StoreError> {
        let n = self
            .conn
            .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.sql(e))?;
        self.conn
            .execute_batch("BEGIN; DELETE FROM outbox; DELETE FROM moves; DELETE FROM sessions; COMMIT; VACUUM;")
            .map_err(|e| self.sql(e))?;
        Ok(n as usize)
    }

    /// A value kept in the store's own settings table (the anonymous xAPI account id, for one).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// SQLite's own consistency check: "ok" when the file is sound.
    pub fn integrity(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
