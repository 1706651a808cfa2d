//! Running a migration file on PostgreSQL as a migration tool does: its
//! statements one at a time as the splitter cuts them (each a call of its
//! own, which both PostgreSQL engines refuse to run as a batch), in one
//! transaction unless the file must run outside one; the first failure
//! rolls the transaction back and names the line.

use crate::Dialect;
use crate::engine::{Engine, EngineError, ResultSet, Value};
use crate::split::{SegmentKind, split};

/// The statement that failed: where, and PostgreSQL's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub line: usize,
    pub message: String,
    /// A limit stopped it (the statement_timeout), rather than an error.
    pub stopped: bool,
}

impl Failure {
    fn of(line: usize, error: &EngineError) -> Failure {
        Failure {
            line,
            message: error.to_string(),
            stopped: matches!(error, EngineError::Stopped(_)),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One statement of a file: the line it starts on and its text.
pub struct Statement<'a> {
    pub line: usize,
    pub sql: &'a str,
}

/// The statements of `sql` (comments-only segments and psql's
/// meta-commands left out).
pub fn statements(sql: &str) -> Vec<Statement<'_>> {
    split(sql, Dialect::Postgres)
        .into_iter()
        .filter(|s| s.kind == SegmentKind::Sql)
        .map(|s| Statement {
            line: line_of(sql, s.start),
            sql: &sql[s.start..s.end],
        })
        .filter(|s| !is_blank(s.sql))
        .collect()
}

/// Runs `sql`; `transaction` wraps it in BEGIN ... COMMIT. Returns how
/// many statements ran.
pub async fn run_file(
    engine: &mut dyn Engine,
    sql: &str,
    transaction: bool,
) -> Result<usize, Failure> {
    let statements = statements(sql);
    if transaction {
        engine
            .execute("BEGIN")
            .await
            .map_err(|e| Failure::of(1, &e))?;
    }
    for statement in &statements {
        if let Err(e) = engine.execute(statement.sql).await {
            if transaction {
                let _ = engine.execute("ROLLBACK").await;
            }
            return Err(Failure::of(statement.line, &e));
        }
    }
    if transaction {
        let last = statements.last().map_or(1, |s| s.line);
        engine
            .execute("COMMIT")
            .await
            .map_err(|e| Failure::of(last, &e))?;
    }
    Ok(statements.len())
}

/// The rows of a query whose columns are all text (the driver's own
/// queries cast what they read to text), NULL as `None`.
pub async fn text_rows(
    engine: &mut dyn Engine,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, EngineError> {
    let sets: Vec<ResultSet> = engine.execute(sql).await?;
    Ok(sets
        .into_iter()
        .flat_map(|set| set.rows)
        .map(|row| {
            row.into_iter()
                .map(|value| match value {
                    Value::Null => None,
                    Value::Text(text) => Some(text),
                    Value::Integer(number) => Some(number.to_string()),
                    Value::Real(number) => Some(number.to_string()),
                    Value::Blob(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                })
                .collect()
        })
        .collect())
}

/// Whether a segment holds only comments and whitespace.
pub fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with("--"))
        && !text.contains("/*")
}

/// The line a statement starts on (after its leading whitespace).
pub fn line_of(text: &str, at: usize) -> usize {
    let skipped = text[at..].len() - text[at..].trim_start().len();
    text[..at + skipped].matches('\n').count() + 1
}
