//! [`Engine`] on the SQLite bundled through rusqlite.

use migplan_core::engine::{Engine, EngineError, ResultSet, Value};
use rusqlite::fallible_iterator::FallibleIterator as _;
use rusqlite::types::ValueRef;
use rusqlite::{Batch, Connection};

pub struct NativeSqlite {
    conn: Connection,
}

impl NativeSqlite {
    /// Opens a fresh in-memory database.
    pub fn open() -> Result<Self, EngineError> {
        Connection::open_in_memory()
            .map(|conn| NativeSqlite { conn })
            .map_err(|e| EngineError::Unavailable(e.to_string()))
    }
}

fn sql_error(e: rusqlite::Error) -> EngineError {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => EngineError::Sql(m),
        rusqlite::Error::SqlInputError { msg, .. } => EngineError::Sql(msg),
        other => EngineError::Sql(other.to_string()),
    }
}

impl Engine for NativeSqlite {
    fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        let mut out = Vec::new();
        let mut batch = Batch::new(&self.conn, sql);
        while let Some(mut stmt) = batch.next().map_err(sql_error)? {
            let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
            let n = columns.len();
            let mut rows_out = Vec::new();
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next().map_err(sql_error)? {
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    values.push(match row.get_ref(i).map_err(sql_error)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(v) => Value::Integer(v),
                        ValueRef::Real(v) => Value::Real(v),
                        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    });
                }
                rows_out.push(values);
            }
            if !rows_out.is_empty() {
                out.push(ResultSet {
                    columns,
                    rows: rows_out,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_engine_conformance_suite() {
        let mut e = NativeSqlite::open().expect("open");
        migplan_core::engine::conformance::check(&mut e).expect("conformance");
    }
}
