//! A PostgreSQL server behind migplan's [`Engine`]: each statement a call
//! of its own through the extended protocol (which refuses a second
//! statement, so nothing is ever run as a batch), on the scratch
//! database's connection. The driver is the core's
//! (`migplan_core::simulate::postgres`), shared with PGlite in the page;
//! this engine answers at once, so the CLI drives it with `block_on`.

use std::time::Instant;

use migplan_core::engine::{Engine, EngineError, ResultSet, Stop, Value};
use postgres::Client;
use postgres::types::Type;

/// SQLSTATE `query_canceled`: the statement_timeout stopped it.
pub const CANCELED: &str = "57014";

/// A connection, with the statement_timeout it was given.
pub struct Server<'a> {
    client: &'a mut Client,
    statement_seconds: u32,
    clock: Instant,
}

impl<'a> Server<'a> {
    pub fn new(client: &'a mut Client, statement_seconds: u32) -> Server<'a> {
        Server {
            client,
            statement_seconds,
            clock: Instant::now(),
        }
    }
}

/// PostgreSQL's words for an error, with its detail when it has one.
pub fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

/// One column's value as migplan's [`Value`]: numbers as numbers, text
/// and everything else PostgreSQL can show as text.
fn value(row: &postgres::Row, index: usize) -> Value {
    let kind = row.columns()[index].type_();
    let number = |n: Option<i64>| n.map_or(Value::Null, Value::Integer);
    match *kind {
        Type::INT8 => number(row.try_get::<_, Option<i64>>(index).ok().flatten()),
        Type::INT4 => number(
            row.try_get::<_, Option<i32>>(index)
                .ok()
                .flatten()
                .map(i64::from),
        ),
        Type::INT2 => number(
            row.try_get::<_, Option<i16>>(index)
                .ok()
                .flatten()
                .map(i64::from),
        ),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)
            .ok()
            .flatten()
            .map_or(Value::Null, |b| Value::Text(b.to_string())),
        _ => row
            .try_get::<_, Option<String>>(index)
            .ok()
            .flatten()
            .map_or(Value::Null, Value::Text),
    }
}

#[async_trait::async_trait(?Send)]
impl Engine for Server<'_> {
    async fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        let rows = self.client.query(sql, &[]).map_err(|e| {
            if e.code().map(|c| c.code()) == Some(CANCELED) {
                EngineError::Stopped(Stop::Time {
                    seconds: self.statement_seconds,
                })
            } else {
                EngineError::Sql(message(&e))
            }
        })?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let columns = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let rows = rows
            .iter()
            .map(|row| (0..row.len()).map(|i| value(row, i)).collect())
            .collect();
        Ok(vec![ResultSet { columns, rows }])
    }

    fn now_ms(&mut self) -> Option<f64> {
        Some(self.clock.elapsed().as_secs_f64() * 1e3)
    }
}
