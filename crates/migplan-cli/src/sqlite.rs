//! [`Engine`] on the SQLite bundled through rusqlite, as a sandbox.
//!
//! Every statement first passes [`migplan_core::sandbox::check`]; SQLite's
//! authorizer then refuses the same things as a second line (an `ATTACH`
//! of a file, `load_extension`, `writable_schema`), defensive mode forbids
//! writes to the schema table, a progress handler stops a statement that
//! runs past its time, and `hard_heap_limit` bounds memory.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use migplan_core::engine::{Engine, EngineError, Limits, ResultSet, Stop, Value};
use migplan_core::sandbox::{self, Refusal};
use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode};

pub struct NativeSqlite {
    conn: Connection,
    limits: Limits,
    /// When the running statement must stop.
    deadline: Arc<Mutex<Option<Instant>>>,
}

impl NativeSqlite {
    /// Opens a fresh in-memory database with the default limits.
    pub fn open() -> Result<Self, EngineError> {
        Self::open_with(Limits::default())
    }

    /// Opens a fresh in-memory database bounded by `limits`.
    pub fn open_with(limits: Limits) -> Result<Self, EngineError> {
        let unavailable = |e: rusqlite::Error| EngineError::Unavailable(e.to_string());
        let mut conn = Connection::open_in_memory().map_err(unavailable)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
            .map_err(unavailable)?;
        // Before the authorizer, which refuses this pragma to the migration.
        let bytes = u64::from(limits.memory_mebibytes) * 1024 * 1024;
        conn.execute_batch(&format!("PRAGMA hard_heap_limit = {bytes}"))
            .map_err(unavailable)?;
        conn.authorizer(Some(authorize)).map_err(unavailable)?;
        let deadline: Arc<Mutex<Option<Instant>>> = Arc::default();
        let watched = Arc::clone(&deadline);
        conn.progress_handler(
            10_000,
            Some(move || {
                watched
                    .lock()
                    .ok()
                    .and_then(|d| *d)
                    .is_some_and(|d| Instant::now() > d)
            }),
        )
        .map_err(unavailable)?;
        Ok(NativeSqlite {
            conn,
            limits,
            deadline,
        })
    }

    fn set_deadline(&self, deadline: Option<Instant>) {
        if let Ok(mut d) = self.deadline.lock() {
            *d = deadline;
        }
    }

    fn error(&self, e: rusqlite::Error) -> EngineError {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::OperationInterrupted => {
                EngineError::Stopped(Stop::Time {
                    seconds: self.limits.statement_seconds,
                })
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::OutOfMemory => {
                EngineError::Stopped(Stop::Memory {
                    mebibytes: self.limits.memory_mebibytes,
                })
            }
            rusqlite::Error::SqliteFailure(_, Some(m)) => EngineError::Sql(m),
            rusqlite::Error::SqlInputError { msg, .. } => EngineError::Sql(msg),
            rusqlite::Error::MultipleStatement => EngineError::Refused(Refusal::SeveralStatements),
            other => EngineError::Sql(other.to_string()),
        }
    }

    fn run(&self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        let mut stmt = match self.conn.prepare(sql) {
            Ok(stmt) => stmt,
            // Only comments: nothing to run.
            Err(rusqlite::Error::Empty) => return Ok(Vec::new()),
            Err(e) => return Err(self.error(e)),
        };
        let columns: Vec<String> = stmt.column_names().map(String::from).collect();
        let width = columns.len();
        let mut rows_out = Vec::new();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let mut values = Vec::with_capacity(width);
            for index in 0..width {
                values.push(match row.get_ref(index).map_err(|e| self.error(e))? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Integer(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            rows_out.push(values);
        }
        Ok(if rows_out.is_empty() {
            Vec::new()
        } else {
            vec![ResultSet {
                columns,
                rows: rows_out,
            }]
        })
    }
}

/// SQLite's authorizer: the sandbox's second line.
fn authorize(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Attach { filename } if !(filename.is_empty() || filename == ":memory:") => {
            Authorization::Deny
        }
        AuthAction::Function { function_name }
            if function_name.eq_ignore_ascii_case("load_extension") =>
        {
            Authorization::Deny
        }
        AuthAction::Pragma { pragma_name, .. }
            if sandbox::REFUSED_PRAGMAS
                .iter()
                .any(|p| pragma_name.eq_ignore_ascii_case(p)) =>
        {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }
}

#[async_trait::async_trait(?Send)]
impl Engine for NativeSqlite {
    async fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        sandbox::check(sql).map_err(EngineError::Refused)?;
        let budget = Duration::from_secs(u64::from(self.limits.statement_seconds));
        self.set_deadline(Some(Instant::now() + budget));
        let result = self.run(sql);
        self.set_deadline(None);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_engine_conformance_suite() {
        let mut e = NativeSqlite::open().expect("open");
        pollster::block_on(migplan_core::engine::conformance::check(&mut e)).expect("conformance");
    }

    #[test]
    fn the_authorizer_refuses_files_the_tokens_did_not_show() {
        let e = NativeSqlite::open().expect("open");
        // Past the token check (run directly): SQLite itself says no.
        let err = e
            .run("ATTACH DATABASE 'migplan-authorizer-test.db' AS v")
            .expect_err("attach refused");
        assert!(err.to_string().contains("not authorized"), "{err}");
        assert!(!std::path::Path::new("migplan-authorizer-test.db").exists());
        assert!(e.run("PRAGMA writable_schema = ON").is_err());
        let vacuum = e.run("VACUUM INTO 'migplan-authorizer-vacuum.db'");
        let exists = std::path::Path::new("migplan-authorizer-vacuum.db").exists();
        let _ = std::fs::remove_file("migplan-authorizer-vacuum.db");
        assert!(vacuum.is_err() && !exists, "{vacuum:?}");
    }

    #[test]
    fn a_runaway_statement_is_stopped_in_time() {
        let mut e = NativeSqlite::open_with(Limits {
            statement_seconds: 1,
            memory_mebibytes: 64,
        })
        .expect("open");
        let started = Instant::now();
        let err = pollster::block_on(e.execute(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        ))
        .expect_err("stopped");
        assert_eq!(err, EngineError::Stopped(Stop::Time { seconds: 1 }));
        assert!(started.elapsed() < Duration::from_secs(10));
        // The engine is still usable afterwards.
        assert!(pollster::block_on(e.execute("SELECT 1")).is_ok());
    }
}
