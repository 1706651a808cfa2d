//! What a team decides about its own migrations, beyond the dialect and
//! version: which rules run and at what severity, whether a missing
//! `lock_timeout` is only advice or required, whether each file runs in a
//! transaction, and how big the tables are. The CLI reads them from
//! `.migplan.toml` ([`crate::config`]), the page from its settings; the
//! analysis applies them in one place ([`RuleSettings::severity_of`],
//! [`TableSizes::assess`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::Severity;
use crate::locks::Effect;
use crate::rules::{self, Rule};

/// What a statement that could wait on a lock without `SET lock_timeout`
/// gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockTimeoutPolicy {
    /// A `safe` finding: advice on every locking statement.
    #[default]
    Advise,
    /// A `careful` finding: the team requires a lock_timeout.
    Require,
}

impl LockTimeoutPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LockTimeoutPolicy::Advise => "advise",
            LockTimeoutPolicy::Require => "require",
        }
    }
}

/// Rules switched off and severities changed, by rule id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuleSettings {
    #[serde(default)]
    pub lock_timeout: LockTimeoutPolicy,
    /// Rules that do not run.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub disabled: BTreeSet<String>,
    /// A severity of the team's choosing for a rule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<String, Severity>,
}

impl RuleSettings {
    /// The severity a rule's findings get, or `None` when it is off.
    pub fn severity_of(&self, rule: &Rule) -> Option<Severity> {
        if self.disabled.contains(rule.id) {
            return None;
        }
        if let Some(severity) = self.severity.get(rule.id) {
            return Some(*severity);
        }
        if std::ptr::eq(rule, rules::ONCE_PER_TRANSACTION_LOCK_TIMEOUT)
            && self.lock_timeout == LockTimeoutPolicy::Require
        {
            return Some(Severity::Careful);
        }
        Some(rule.severity)
    }
}

/// How big one table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSize {
    pub rows: u64,
    /// Total size on disk with indexes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// Where the row counts draw the lines between small, medium and very
/// large tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeThresholds {
    /// Below this many rows a scan or rewrite is brief: `safe`.
    pub medium_rows: u64,
    /// Above this many rows a scan or rewrite is `dangerous`.
    pub large_rows: u64,
}

impl Default for SizeThresholds {
    fn default() -> Self {
        SizeThresholds {
            medium_rows: 10_000,
            large_rows: 10_000_000,
        }
    }
}

/// The sizes of the tables, by name as the analysis spells them
/// (unquoted PostgreSQL names folded to lower case).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableSizes {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, TableSize>,
    #[serde(default)]
    pub thresholds: SizeThresholds,
    /// Where the sizes came from ("stats.csv", "config"), for the findings.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// The size a finding assumed, and what it made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssumedSize {
    pub table: String,
    pub rows: u64,
    pub class: SizeClass,
    /// Where the size came from.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SizeClass {
    Small,
    Medium,
    Large,
}

impl SizeClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "very large",
        }
    }

    /// What a scan or a rewrite of a table this big is.
    pub fn severity(self) -> Severity {
        match self {
            SizeClass::Small => Severity::Safe,
            SizeClass::Medium => Severity::Careful,
            SizeClass::Large => Severity::Dangerous,
        }
    }
}

impl TableSizes {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The size class of a table that is scanned or rewritten, when its
    /// size is known; `None` for any other effect or an unknown table
    /// (then the rule's own severity stands).
    pub fn assess(&self, table: &str, effect: Option<Effect>) -> Option<AssumedSize> {
        if !matches!(effect, Some(Effect::Scan | Effect::Rewrite)) {
            return None;
        }
        let size = self.tables.get(table)?;
        let class = if size.rows < self.thresholds.medium_rows {
            SizeClass::Small
        } else if size.rows > self.thresholds.large_rows {
            SizeClass::Large
        } else {
            SizeClass::Medium
        };
        Some(AssumedSize {
            table: table.to_string(),
            rows: size.rows,
            class,
            source: self.source.clone(),
        })
    }

    /// Reads a stats file: CSV with a header naming `table` (or
    /// `table_name`/`relname`) and `rows` (or `row_count`/`reltuples`/
    /// `table_rows`), optionally `bytes` (or `total_bytes`); or JSON, either
    /// an array of such objects or an object of table to rows (or to
    /// `{"rows": .., "bytes": ..}`). Errors name the line.
    pub fn parse_stats(text: &str) -> Result<BTreeMap<String, TableSize>, StatsError> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('[') || trimmed.starts_with('{') {
            stats_json(text)
        } else {
            stats_csv(text)
        }
    }
}

/// A stats file that cannot be read, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for StatsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

const TABLE_HEADERS: &[&str] = &["table", "table_name", "relname", "name"];
const ROW_HEADERS: &[&str] = &["rows", "row_count", "reltuples", "table_rows", "n_live_tup"];
const BYTE_HEADERS: &[&str] = &["bytes", "total_bytes", "size_bytes", "data_length"];

fn stats_csv(text: &str) -> Result<BTreeMap<String, TableSize>, StatsError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let error = |line: usize, message: String| StatsError {
        line: line + 1,
        column: 1,
        message,
    };
    let Some((header_line, header)) = lines.next() else {
        return Ok(BTreeMap::new());
    };
    let separator = if header.contains('\t') { '\t' } else { ',' };
    let names: Vec<String> = header
        .split(separator)
        .map(|h| h.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    let (Some(table_at), Some(rows_at)) = (find(TABLE_HEADERS), find(ROW_HEADERS)) else {
        return Err(error(
            header_line,
            "the first line must name the columns, e.g. `table,rows,bytes`".into(),
        ));
    };
    let bytes_at = find(BYTE_HEADERS);
    let mut out = BTreeMap::new();
    for (at, line) in lines {
        let fields: Vec<&str> = line
            .split(separator)
            .map(|f| f.trim().trim_matches('"'))
            .collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let table = field(table_at);
        if table.is_empty() {
            return Err(error(at, "a row without a table name".into()));
        }
        let rows = count(field(rows_at)).ok_or_else(|| {
            error(
                at,
                format!("`{}` is not a row count", field(rows_at).escape_debug()),
            )
        })?;
        let bytes = bytes_at.and_then(|i| count(field(i)));
        out.insert(table.to_string(), TableSize { rows, bytes });
    }
    Ok(out)
}

/// A count as statistics give it: `12345`, `1.2345e+06` (reltuples), or
/// `-1` (never analysed, read as 0).
fn count(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(value.max(0.0) as u64)
}

fn stats_json(text: &str) -> Result<BTreeMap<String, TableSize>, StatsError> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(text).map_err(|e| StatsError {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let bad = |message: String| StatsError {
        line: 1,
        column: 1,
        message,
    };
    let size_of = |table: &str, v: &Value| -> Result<TableSize, StatsError> {
        let number = |v: &Value| v.as_u64().or_else(|| v.as_f64().map(|f| f.max(0.0) as u64));
        let field = |o: &serde_json::Map<String, Value>, names: &[&str]| {
            names.iter().find_map(|n| o.get(*n)).and_then(number)
        };
        match v {
            Value::Object(o) => Ok(TableSize {
                rows: field(o, ROW_HEADERS)
                    .ok_or_else(|| bad(format!("`{table}` has no row count")))?,
                bytes: field(o, BYTE_HEADERS),
            }),
            other => number(other)
                .map(|rows| TableSize { rows, bytes: None })
                .ok_or_else(|| bad(format!("`{table}`: {other} is not a row count"))),
        }
    };
    let mut out = BTreeMap::new();
    match &value {
        Value::Array(items) => {
            for item in items {
                let table = item
                    .as_object()
                    .and_then(|o| TABLE_HEADERS.iter().find_map(|n| o.get(*n)))
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(format!("{item} names no table")))?;
                out.insert(table.to_string(), size_of(table, item)?);
            }
        }
        Value::Object(map) => {
            for (table, v) in map {
                out.insert(table.clone(), size_of(table, v)?);
            }
        }
        _ => return Err(bad("expected an array or an object of tables".into())),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_from_postgres_and_mysql_queries() {
        let pg = "relname,reltuples,total_bytes\nusers,2.5e+07,123456\nevents,-1,\n";
        let sizes = TableSizes::parse_stats(pg).unwrap();
        assert_eq!(sizes["users"].rows, 25_000_000);
        assert_eq!(sizes["users"].bytes, Some(123_456));
        assert_eq!(sizes["events"].rows, 0);
        let mysql = "TABLE_NAME\tTABLE_ROWS\tDATA_LENGTH\norders\t900\t16384\n";
        assert_eq!(TableSizes::parse_stats(mysql).unwrap()["orders"].rows, 900);
    }

    #[test]
    fn bad_stats_name_their_line() {
        let e = TableSizes::parse_stats("table,rows\nusers,12\norders,many\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("many"), "{e}");
        let e = TableSizes::parse_stats("name;count\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = TableSizes::parse_stats("[{\"table\": \"a\"}]").unwrap_err();
        assert!(e.message.contains("no row count"), "{e}");
    }

    #[test]
    fn json_stats_in_both_shapes() {
        let a = TableSizes::parse_stats(r#"[{"table":"users","rows":12,"bytes":4}]"#).unwrap();
        let b = TableSizes::parse_stats(r#"{"users": {"rows": 12, "bytes": 4}}"#).unwrap();
        assert_eq!(a, b);
        let c = TableSizes::parse_stats(r#"{"users": 12}"#).unwrap();
        assert_eq!(c["users"].rows, 12);
    }

    #[test]
    fn size_classes_follow_the_thresholds() {
        let mut sizes = TableSizes::default();
        for (name, rows) in [("tiny", 9_999), ("mid", 10_000), ("huge", 10_000_001)] {
            sizes
                .tables
                .insert(name.into(), TableSize { rows, bytes: None });
        }
        let class = |t: &str| sizes.assess(t, Some(Effect::Scan)).map(|a| a.class);
        assert_eq!(class("tiny"), Some(SizeClass::Small));
        assert_eq!(class("mid"), Some(SizeClass::Medium));
        assert_eq!(class("huge"), Some(SizeClass::Large));
        assert_eq!(class("unknown"), None);
        assert_eq!(sizes.assess("huge", Some(Effect::None)), None);
    }
}
