//! The `check` report: the JSON contract shared by the CLI and the web app.
//!
//! Stable from the first release: later versions add fields, never rename.

use serde::Serialize;

use crate::locks::{Effect, MysqlAlgorithm, PgLock};
use crate::parse::{Section, StatementKind};
use crate::settings::AssumedSize;
use crate::{Dialect, ParsedSource, Severity};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub dialect: Dialect,
    pub statements: Vec<StatementReport>,
    pub findings: Vec<Finding>,
    pub max_severity: Severity,
    /// False when a statement the migration runs was not analysed: its
    /// verdict then covers only what migplan read, never the whole.
    pub complete: bool,
    /// How many statements the migration runs that were not analysed.
    pub not_analysed: usize,
    /// Mistakes in the input that are not SQL: an ignore comment naming a
    /// rule that does not exist.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ReportError>,
}

/// A mistake in the input, with its place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementReport {
    pub index: usize,
    /// The file the statement came from, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    pub sql: String,
    pub parsed: bool,
    pub error: Option<String>,
    /// Where the parse error is, when it is not the statement start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_column: Option<usize>,
    pub kind: StatementKind,
    pub severity: Severity,
    /// PostgreSQL: the strongest table lock, in the manual's words.
    pub lock: Option<PgLock>,
    /// PostgreSQL: the existing table that lock is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_table: Option<String>,
    /// MySQL: the online DDL algorithm InnoDB will use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<MysqlAlgorithm>,
    /// Whether the table is scanned or rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// `up`, or `down` for a file's own rollback section (not risk-checked).
    pub section: Section,
    /// The framework code `sql` was read from, when the migration is
    /// written in a framework's language (`add_column :users, ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A risk finding: one rule matching one statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// Index into `statements`.
    pub statement: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// PostgreSQL: the lock the statement takes.
    pub lock: Option<PgLock>,
    /// Whether the table is scanned or rewritten.
    pub effect: Option<Effect>,
    /// The safe alternative, in a sentence.
    pub instead: String,
    /// Set when an ignore comment silenced the finding: the reason given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
    /// The table size the severity assumed, when sizes were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<AssumedSize>,
}

impl StatementReport {
    /// Whether migplan analysed it, as the analysis counts `not_analysed`:
    /// parsed, read by its kind (REINDEX, VACUUM ...), or not a statement
    /// the database runs (a client command, COPY data).
    pub fn analysed(&self) -> bool {
        self.parsed
            || self.kind.read_without_parsing()
            || matches!(
                self.kind,
                StatementKind::ClientCommand | StatementKind::CopyData
            )
    }
}

impl CheckReport {
    /// Findings that were not ignored.
    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.ignored.is_none())
    }
}

impl CheckReport {
    pub fn new(dialect: Dialect) -> Self {
        CheckReport {
            dialect,
            statements: Vec::new(),
            findings: Vec::new(),
            max_severity: Severity::Safe,
            complete: true,
            not_analysed: 0,
            errors: Vec::new(),
        }
    }

    /// Adds the statements of one parsed source, numbering on from the last.
    pub fn add_source(&mut self, file: Option<&str>, source: &ParsedSource) {
        self.add_statements(file, &source.statements);
    }

    /// Adds statements already parsed (a session's schema, say).
    pub fn add_statements<'a>(
        &mut self,
        file: Option<&str>,
        statements: impl IntoIterator<Item = &'a crate::ParsedStatement>,
    ) {
        for s in statements {
            self.statements.push(StatementReport {
                index: self.statements.len(),
                file: file.map(str::to_string),
                line: s.line,
                column: s.column,
                sql: s.sql.clone(),
                parsed: s.parsed(),
                error: s.error.as_ref().map(|e| e.message.clone()),
                error_line: s.error.as_ref().map(|e| e.line),
                error_column: s.error.as_ref().map(|e| e.column),
                kind: s.kind.clone(),
                severity: Severity::Safe,
                lock: None,
                lock_table: None,
                algorithm: None,
                effect: None,
                section: s.section,
                source: s.source.clone(),
            });
        }
        self.max_severity = self
            .findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_source;

    #[test]
    fn json_has_the_contract_fields() {
        let mut r = CheckReport::new(Dialect::Postgres);
        r.add_source(
            None,
            &parse_source("SELECT 1;\nSELEC 2;", Dialect::Postgres),
        );
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["dialect"], "postgres");
        assert_eq!(v["max_severity"], "safe");
        assert_eq!(v["findings"], serde_json::json!([]));
        let s = &v["statements"][1];
        for key in ["index", "line", "column", "sql", "parsed", "error", "kind"] {
            assert!(s.get(key).is_some(), "missing {key}");
        }
        assert_eq!(s["parsed"], false);
        assert_eq!(s["line"], 2);
        assert!(v["statements"][0]["error"].is_null());
    }
}
