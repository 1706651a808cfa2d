//! The simulation engine: a real database behind one asynchronous trait.
//!
//! Four implementations: sql.js (the page) and bundled SQLite (the CLI) for
//! SQLite and translated MySQL, which must return identical values for
//! identical SQL; PGlite (the page) and a PostgreSQL server (the CLI) for
//! PostgreSQL. The trait is asynchronous because PGlite is: the drivers in
//! [`crate::simulate`] await each statement, so the page's worker never
//! blocks, and the CLI drives the same futures with a plain `block_on`
//! (its engines answer at once).

use serde::{Deserialize, Serialize};

use crate::sandbox::Refusal;

/// One SQLite value, as both engines report it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// The rows of one statement that returned rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// SQLite rejected the SQL; the message is SQLite's own.
    #[error("{0}")]
    Sql(String),
    /// The engine itself could not be used (failed to load, closed).
    #[error("engine unavailable: {0}")]
    Unavailable(String),
    /// The sandbox refused the statement before it ran.
    #[error("{}", .0.note())]
    Refused(Refusal),
    /// The statement ran past a limit and was stopped.
    #[error("{0}")]
    Stopped(Stop),
}

/// A limit a statement ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// It ran longer than this many seconds.
    Time { seconds: u32 },
    /// SQLite needed more memory than this many MiB.
    Memory { mebibytes: u32 },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Time { seconds } => write!(f, "stopped: took longer than {seconds} s"),
            Stop::Memory { mebibytes } => {
                write!(f, "stopped: needed more than {mebibytes} MiB of memory")
            }
        }
    }
}

/// What one simulation statement may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Seconds one statement may run.
    pub statement_seconds: u32,
    /// MiB of memory SQLite may hold.
    pub memory_mebibytes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            statement_seconds: 30,
            memory_mebibytes: 1024,
        }
    }
}

/// A database a simulation runs on: an in-memory SQLite (sql.js, bundled),
/// or PostgreSQL (PGlite, a scratch database on a server).
///
/// Every implementation runs exactly one statement per call (text with a
/// second statement is refused, never run as a batch). The SQLite engines
/// apply [`crate::sandbox::check`] before they run anything; the
/// PostgreSQL ones run where files are out of reach (PGlite's memory, a
/// role without superuser rights).
#[async_trait::async_trait(?Send)]
pub trait Engine {
    /// Runs one statement; returns its rows as a result set when it
    /// produced at least one row (the sql.js convention).
    async fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError>;

    /// Told before the statements that stand for the user's statement at
    /// `line` of `phase` run, so an engine watched from outside (the page's
    /// worker) can say where a statement was stopped.
    fn starting(&mut self, _phase: crate::simulate::Phase, _line: usize) {}

    /// A clock in milliseconds, for the engines that can time a statement
    /// (the PostgreSQL trace); `None` where there is none.
    fn now_ms(&mut self) -> Option<f64> {
        None
    }

    /// The SQLite version, e.g. `3.49.1`.
    async fn sqlite_version(&mut self) -> Result<String, EngineError> {
        let sets = self.execute("SELECT sqlite_version()").await?;
        match sets
            .first()
            .and_then(|s| s.rows.first())
            .and_then(|r| r.first())
        {
            Some(Value::Text(v)) => Ok(v.clone()),
            other => Err(EngineError::Unavailable(format!(
                "unexpected sqlite_version() result: {other:?}"
            ))),
        }
    }
}

/// Runs a script of SQLite statements one at a time, as the splitter cuts
/// it (never as a batch): the first error stops it.
pub async fn run_script(engine: &mut dyn Engine, sql: &str) -> Result<(), EngineError> {
    for segment in crate::split::split(sql, crate::Dialect::Sqlite) {
        if segment.kind == crate::split::SegmentKind::Sql {
            engine.execute(&sql[segment.start..segment.end]).await?;
        }
    }
    Ok(())
}

/// Shared behaviour checks that every engine implementation runs in its tests.
pub mod conformance {
    use super::*;

    impl From<EngineError> for String {
        fn from(e: EngineError) -> String {
            e.to_string()
        }
    }

    /// Runs the conformance suite; returns the first mismatch as an error.
    pub async fn check(engine: &mut dyn Engine) -> Result<(), String> {
        let v = engine.sqlite_version().await.map_err(|e| e.to_string())?;
        if !v.starts_with('3') {
            return Err(format!("unexpected version {v}"));
        }
        engine
            .execute(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB)",
            ).await
            .map_err(|e| e.to_string())?;
        engine
            .execute("INSERT INTO t VALUES (1, 'a', 1.5, x'0102'), (2, 'b', NULL, NULL); -- done")
            .await
            .map_err(|e| e.to_string())?;
        if engine.execute("SELECT 1 WHERE 0").await? != Vec::<ResultSet>::new() {
            return Err("a query without rows returned a result set".into());
        }
        let got = engine
            .execute("SELECT id, name, score, data FROM t ORDER BY id")
            .await
            .map_err(|e| e.to_string())?;
        let want = vec![ResultSet {
            columns: vec!["id".into(), "name".into(), "score".into(), "data".into()],
            rows: vec![
                vec![
                    Value::Integer(1),
                    Value::Text("a".into()),
                    Value::Real(1.5),
                    Value::Blob(vec![1, 2]),
                ],
                vec![
                    Value::Integer(2),
                    Value::Text("b".into()),
                    Value::Null,
                    Value::Null,
                ],
            ],
        }];
        if got != want {
            return Err(format!("rows differ: {got:?}"));
        }
        match engine.execute("INSERT INTO t (id) VALUES (3)").await {
            Err(EngineError::Sql(m)) if m.contains("NOT NULL") => {}
            other => return Err(format!("expected a NOT NULL error, got {other:?}")),
        }
        match engine.execute("SELEC 1").await {
            Err(EngineError::Sql(m)) if m.contains("syntax error") => {}
            other => return Err(format!("expected a syntax error, got {other:?}")),
        }
        sandboxed(engine).await
    }

    /// The sandbox: one statement per call, no files.
    async fn sandboxed(engine: &mut dyn Engine) -> Result<(), String> {
        match engine.execute("DELETE FROM t; DROP TABLE t").await {
            Err(EngineError::Refused(Refusal::SeveralStatements)) => {}
            other => return Err(format!("a batch ran: {other:?}")),
        }
        let left = engine.execute("SELECT count(*) FROM t").await?;
        if left.first().and_then(|s| s.rows.first()) != Some(&vec![Value::Integer(2)]) {
            return Err(format!("the refused batch changed the table: {left:?}"));
        }
        for (sql, why) in [
            (
                "ATTACH DATABASE 'migplan-must-not-exist.db' AS v",
                Refusal::AttachFile,
            ),
            (
                "VACUUM INTO 'migplan-must-not-exist.db'",
                Refusal::VacuumInto,
            ),
            (
                "SELECT load_extension('migplan-none')",
                Refusal::LoadExtension,
            ),
            ("PRAGMA writable_schema = ON", Refusal::WritableSchema),
        ] {
            match engine.execute(sql).await {
                Err(EngineError::Refused(r)) if r == why => {}
                other => return Err(format!("{sql}: expected {why:?}, got {other:?}")),
            }
        }
        engine
            .execute("ATTACH DATABASE ':memory:' AS scratch")
            .await?;
        engine.execute("CREATE TABLE scratch.s (x)").await?;
        engine.execute("DETACH DATABASE scratch").await?;
        Ok(())
    }
}
