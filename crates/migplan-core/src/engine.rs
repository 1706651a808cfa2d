//! The simulation engine: a real SQLite behind one trait.
//!
//! The browser implements it with sql.js, the CLI with bundled SQLite. Both
//! must return identical values for identical SQL.

use serde::{Deserialize, Serialize};

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
}

/// An in-memory SQLite database.
pub trait Engine {
    /// Runs one or more statements; returns a result set per statement that
    /// produced at least one row (the sql.js convention).
    fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError>;

    /// The SQLite version, e.g. `3.49.1`.
    fn sqlite_version(&mut self) -> Result<String, EngineError> {
        let sets = self.execute("SELECT sqlite_version()")?;
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

/// Shared behaviour checks that every engine implementation runs in its tests.
pub mod conformance {
    use super::*;

    /// Runs the conformance suite; returns the first mismatch as an error.
    pub fn check(engine: &mut dyn Engine) -> Result<(), String> {
        let v = engine.sqlite_version().map_err(|e| e.to_string())?;
        if !v.starts_with('3') {
            return Err(format!("unexpected version {v}"));
        }
        engine
            .execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB); INSERT INTO t VALUES (1, 'a', 1.5, x'0102'), (2, 'b', NULL, NULL);")
            .map_err(|e| e.to_string())?;
        let got = engine
            .execute("SELECT id, name, score, data FROM t ORDER BY id; SELECT 1 WHERE 0;")
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
        match engine.execute("INSERT INTO t (id) VALUES (3)") {
            Err(EngineError::Sql(m)) if m.contains("NOT NULL") => {}
            other => return Err(format!("expected a NOT NULL error, got {other:?}")),
        }
        match engine.execute("SELEC 1") {
            Err(EngineError::Sql(m)) if m.contains("syntax error") => Ok(()),
            other => Err(format!("expected a syntax error, got {other:?}")),
        }
    }
}
