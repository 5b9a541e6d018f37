//! The store's schema, as numbered migrations: a store written by any earlier version is brought up to date.

use rusqlite_migration::{M, Migrations};

/// Every migration, oldest first. Never edit one that has shipped: add the next.
pub const STEPS: &[&str] = &[
    // 1: sessions and their moves, each move a row committed as it is made; a small key-value table.
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY NOT NULL,
        scenario TEXT NOT NULL,
        title TEXT NOT NULL,
        scenario_version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        seed INTEGER NOT NULL,
        source TEXT NOT NULL,
        started INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('playing', 'finished', 'abandoned')),
        ending TEXT,
        ending_title TEXT,
        outcome TEXT,
        accuracy REAL,
        verdict TEXT,
        score REAL,
        mean_fit REAL,
        mean_common_factors REAL,
        final_alliance REAL,
        critical_misses INTEGER NOT NULL DEFAULT 0,
        missed_repairs INTEGER NOT NULL DEFAULT 0,
        debrief TEXT
    );
    CREATE INDEX sessions_by_scenario ON sessions (scenario, started);
    CREATE TABLE moves (
        session TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        choice TEXT NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT,
        events TEXT NOT NULL,
        PRIMARY KEY (session, step)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
    // 2: xAPI statements waiting for a Learning Record Store: ids fixed when queued, so a retry is idempotent.
    "CREATE TABLE outbox (
        statement TEXT NOT NULL,
        lrs TEXT NOT NULL,
        session TEXT NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL,
        queued INTEGER NOT NULL,
        sent INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        PRIMARY KEY (statement, lrs)
    );
    CREATE INDEX outbox_waiting ON outbox (lrs, sent, queued, seq);",
    // 3: a class session's vote at each stage (the tally, the move played and who decided), as JSON.
    "ALTER TABLE moves ADD COLUMN votes TEXT;",
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|s| M::up(s)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_are_valid_sqlite() {
        assert!(migrations().validate().is_ok());
    }
}
