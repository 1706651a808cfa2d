//! The simulation driver: runs the schema, then the migration, statement by
//! statement on an [`Engine`], and maps any SQLite error back to the user's
//! line and column.

use serde::Serialize;

use crate::engine::{Engine, Value};
use crate::{Dialect, parse_source};

/// Which input a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Schema,
    Migration,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub phase: Phase,
    pub statement: usize,
    pub line: usize,
    pub column: usize,
    pub sql: String,
    pub message: String,
}

/// A statement that was not run, and why (never silently skipped).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub phase: Phase,
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationReport {
    pub sqlite_version: String,
    pub ok: bool,
    pub executed: usize,
    pub skipped: Vec<Skipped>,
    pub failure: Option<Failure>,
    /// Tables in the database after the run, by name.
    pub tables: Vec<String>,
}

/// Applies `schema` then `migration` to the engine.
pub fn run(
    engine: &mut dyn Engine,
    dialect: Dialect,
    schema: &str,
    migration: &str,
) -> SimulationReport {
    let sqlite_version = engine
        .sqlite_version()
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let mut report = SimulationReport {
        sqlite_version,
        ok: true,
        executed: 0,
        skipped: Vec::new(),
        failure: None,
        tables: Vec::new(),
    };
    'phases: for (phase, src) in [(Phase::Schema, schema), (Phase::Migration, migration)] {
        for st in parse_source(src, dialect).statements {
            if !st.is_sql() || st.section == crate::parse::Section::Down {
                let reason = if st.section == crate::parse::Section::Down {
                    "down section: the file's rollback, not run with the migration".to_string()
                } else {
                    st.error
                        .map_or_else(|| "not simulated".to_string(), |e| e.message)
                };
                report.skipped.push(Skipped {
                    phase,
                    line: st.line,
                    reason,
                });
                continue;
            }
            match engine.execute(&st.sql) {
                Ok(_) => report.executed += 1,
                Err(e) => {
                    report.ok = false;
                    report.failure = Some(Failure {
                        phase,
                        statement: st.index,
                        line: st.line,
                        column: st.column,
                        sql: st.sql,
                        message: e.to_string(),
                    });
                    break 'phases;
                }
            }
        }
    }
    if let Ok(sets) =
        engine.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    {
        report.tables = sets
            .into_iter()
            .flat_map(|s| s.rows)
            .filter_map(|r| match r.into_iter().next() {
                Some(Value::Text(t)) => Some(t),
                _ => None,
            })
            .collect();
    }
    report
}
