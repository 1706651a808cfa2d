//! Running a migration file on PostgreSQL as a migration tool does: its
//! statements one at a time as the splitter cuts them (each through the
//! extended protocol, which refuses a second statement, so nothing is ever
//! run as a batch), in one transaction unless the file must run outside
//! one; the first failure rolls the transaction back and names the line.

use migplan_core::Dialect;
use migplan_core::split::{SegmentKind, split};
use postgres::Client;

/// The statement that failed: where, and PostgreSQL's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub line: usize,
    pub message: String,
    /// PostgreSQL's SQLSTATE, when the server answered.
    pub sqlstate: Option<String>,
}

/// SQLSTATE `query_canceled`: the statement_timeout stopped it.
pub const CANCELED: &str = "57014";

impl Failure {
    fn of(line: usize, e: &postgres::Error) -> Failure {
        Failure {
            line,
            message: message(e),
            sqlstate: e.code().map(|c| c.code().to_string()),
        }
    }

    /// Whether a limit stopped the statement (rather than an error).
    pub fn stopped(&self) -> bool {
        self.sqlstate.as_deref() == Some(CANCELED)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
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

/// Runs `sql`; `transaction` wraps it in BEGIN ... COMMIT. Returns how
/// many statements ran.
pub fn run_file(client: &mut Client, sql: &str, transaction: bool) -> Result<usize, Failure> {
    let statements: Vec<(usize, &str)> = split(sql, Dialect::Postgres)
        .into_iter()
        .filter(|s| s.kind == SegmentKind::Sql)
        .map(|s| (line_of(sql, s.start), &sql[s.start..s.end]))
        .filter(|(_, text)| !is_blank(text))
        .collect();
    if transaction {
        client
            .batch_execute("BEGIN")
            .map_err(|e| Failure::of(1, &e))?;
    }
    for (line, statement) in &statements {
        if let Err(e) = client.execute(*statement, &[]) {
            if transaction {
                let _ = client.batch_execute("ROLLBACK");
            }
            return Err(Failure::of(*line, &e));
        }
    }
    if transaction {
        client
            .batch_execute("COMMIT")
            .map_err(|e| Failure::of(statements.last().map_or(1, |(l, _)| *l), &e))?;
    }
    Ok(statements.len())
}

/// Whether a segment holds only comments and whitespace.
fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with("--"))
        && !text.contains("/*")
}

/// The line a statement starts on (after its leading whitespace).
fn line_of(text: &str, at: usize) -> usize {
    let skipped = text[at..].len() - text[at..].trim_start().len();
    text[..at + skipped].matches('\n').count() + 1
}
