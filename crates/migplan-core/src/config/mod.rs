//! `.migplan.toml`: a team's settings, kept in the repository. Read here
//! (pure: the CLI finds the file and reads any stats file it names; the
//! page imports and exports the same text). Unknown keys, bad values and
//! unknown rule ids are errors with their line and column.

use std::collections::BTreeMap;

use toml_span::Value;
use toml_span::value::{Key, ValueInner};

use crate::position::LineIndex;
use crate::settings::{LockTimeoutPolicy, RuleSettings, SizeThresholds, TableSize, TableSizes};
use crate::{Dialect, Options, Severity, rules};

/// The file's name, found upward from the working directory.
pub const FILE_NAME: &str = ".migplan.toml";

/// What `.migplan.toml` says. Every key is optional; the command line
/// wins over the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub dialect: Option<Dialect>,
    pub pg_version: Option<u32>,
    /// The migrations folder, relative to the file.
    pub migrations: Option<String>,
    /// Paths (relative, `*` and `**` wildcards) never checked.
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    /// Each migration file runs in a transaction (as the framework does).
    pub transaction: Option<bool>,
    /// The web app's address, for share links in reports.
    pub link_base: Option<String>,
    /// A stats file (CSV or JSON) with the table sizes, relative to the file.
    pub stats: Option<String>,
    pub rules: RuleSettings,
    pub tables: BTreeMap<String, TableSize>,
    pub thresholds: SizeThresholds,
}

/// A mistake in the file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// The keys the file may have, for the message about one it may not.
const KEYS: &str = "dialect, pg_version, migrations, exclude, fail_on, lock_timeout, transaction, link_base, stats, [rules], [tables], [thresholds]";

/// A value of the file with where it is.
struct At<'a> {
    text: &'a str,
    span: toml_span::Span,
}

impl<'t> At<'t> {
    /// A value's place; a string's span starts inside its quotes, and a
    /// mistake is pointed at from the opening quote.
    fn of(text: &'t str, mut span: toml_span::Span) -> At<'t> {
        if span.start > 0 && matches!(text.as_bytes().get(span.start - 1), Some(b'"' | b'\'')) {
            span.start -= 1;
        }
        At { text, span }
    }

    fn error(&self, message: String) -> ConfigError {
        error(self.text, self.span.start, message)
    }
}

fn invalid(at: &At, key: &str, expected: &str, found: &ValueInner) -> ConfigError {
    at.error(format!(
        "{key}: invalid type: {}, expected {expected}",
        found.type_str()
    ))
}

fn string<'t>(text: &'t str, key: &str, mut value: Value) -> Result<(String, At<'t>), ConfigError> {
    let at = At::of(text, value.span);
    match value.take() {
        ValueInner::String(s) => Ok((s.into_owned(), at)),
        other => Err(invalid(&at, key, "a string", &other)),
    }
}

fn integer<'t>(text: &'t str, key: &str, mut value: Value) -> Result<(i64, At<'t>), ConfigError> {
    let at = At::of(text, value.span);
    match value.take() {
        ValueInner::Integer(n) => Ok((n, at)),
        other => Err(invalid(&at, key, "an integer", &other)),
    }
}

fn count(text: &str, key: &str, value: Value) -> Result<u64, ConfigError> {
    let (n, at) = integer(text, key, value)?;
    u64::try_from(n).map_err(|_| at.error(format!("{key}: {n} is not a count (0 or more)")))
}

fn table<'a>(
    text: &str,
    key: &str,
    mut value: Value<'a>,
) -> Result<toml_span::value::Table<'a>, ConfigError> {
    let at = At::of(text, value.span);
    match value.take() {
        ValueInner::Table(t) => Ok(t),
        other => Err(invalid(&at, key, "a table", &other)),
    }
}

fn unknown(text: &str, key: &Key, expected: &str) -> ConfigError {
    error(
        text,
        key.span.start,
        format!("unknown field `{}`, expected one of {expected}", key.name),
    )
}

impl Config {
    /// Reads the file's text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut root =
            toml_span::parse(text).map_err(|e| error(text, e.span.start, e.to_string()))?;
        let mut config = Config::default();
        let ValueInner::Table(entries) = root.take() else {
            return Ok(config);
        };
        for (key, value) in entries {
            config.set(text, &key, value)?;
        }
        Ok(config)
    }

    /// One top-level key.
    fn set(&mut self, text: &str, key: &Key, value: Value) -> Result<(), ConfigError> {
        match key.name.as_ref() {
            "dialect" => self.dialect = Some(dialect(text, value)?),
            "pg_version" => {
                let (n, at) = integer(text, "pg_version", value)?;
                let version = u32::try_from(n).unwrap_or(0);
                Options::with_pg_version(version).map_err(|m| at.error(m))?;
                self.pg_version = Some(version);
            }
            "migrations" => self.migrations = Some(string(text, "migrations", value)?.0),
            "exclude" => self.exclude = strings(text, "exclude", value)?,
            "fail_on" => {
                let (word, at) = string(text, "fail_on", value)?;
                self.fail_on = Some(
                    word.parse()
                        .map_err(|m: String| at.error(format!("fail_on: {m}")))?,
                );
            }
            "lock_timeout" => self.rules.lock_timeout = lock_timeout(text, value)?,
            "transaction" => {
                let mut value = value;
                let at = At::of(text, value.span);
                match value.take() {
                    ValueInner::Boolean(b) => self.transaction = Some(b),
                    other => return Err(invalid(&at, "transaction", "true or false", &other)),
                }
            }
            "link_base" => self.link_base = Some(string(text, "link_base", value)?.0),
            "stats" => self.stats = Some(string(text, "stats", value)?.0),
            "rules" => {
                for (id, value) in table(text, "rules", value)? {
                    self.set_rule(text, &id, value)?;
                }
            }
            "tables" => {
                for (name, value) in table(text, "tables", value)? {
                    self.tables
                        .insert(name.name.to_string(), table_size(text, value)?);
                }
            }
            "thresholds" => self.thresholds = thresholds(text, value)?,
            _ => return Err(unknown(text, key, KEYS)),
        }
        Ok(())
    }

    /// `[rules]`: `rule-id = "off"`, `"on"`, or a severity.
    fn set_rule(&mut self, text: &str, id: &Key, value: Value) -> Result<(), ConfigError> {
        let name = id.name.to_string();
        if rules::find(&name).is_none() {
            return Err(error(
                text,
                id.span.start,
                format!("[rules]: `{name}` is not a rule (`migplan rules` lists them)"),
            ));
        }
        let (word, at) = string(text, &format!("[rules] {name}"), value)?;
        match word.as_str() {
            "off" => {
                self.rules.disabled.insert(name);
            }
            "on" => {
                self.rules.disabled.remove(&name);
            }
            other => {
                let severity: Severity = other.parse().map_err(|_| {
                    at.error(format!(
                        "[rules] {name} = \"{other}\": use \"off\", \"on\", \"safe\", \"careful\" or \"dangerous\""
                    ))
                })?;
                self.rules.severity.insert(name, severity);
            }
        }
        Ok(())
    }

    /// The analysis options the file sets (the stats file's sizes are
    /// added by whoever reads it: [`Config::sizes`]).
    pub fn options(&self, stats: BTreeMap<String, TableSize>, stats_source: &str) -> Options {
        Options {
            pg_version: self.pg_version.unwrap_or(rules::DEFAULT_PG_VERSION),
            rules: self.rules.clone(),
            sizes: self.sizes(stats, stats_source),
            file_transaction: self.transaction.unwrap_or(false),
        }
    }

    /// The table sizes: a stats file's, with the file's `[tables]` over them.
    pub fn sizes(&self, stats: BTreeMap<String, TableSize>, stats_source: &str) -> TableSizes {
        let mut tables = stats;
        let mut sources = Vec::new();
        if !tables.is_empty() {
            sources.push(stats_source.to_string());
        }
        if !self.tables.is_empty() {
            sources.push(FILE_NAME.to_string());
        }
        tables.extend(self.tables.clone());
        TableSizes {
            tables,
            thresholds: self.thresholds,
            source: sources.join(" and "),
        }
    }
}

fn dialect(text: &str, value: Value) -> Result<Dialect, ConfigError> {
    let (word, at) = string(text, "dialect", value)?;
    match word.as_str() {
        "postgres" | "postgresql" => Ok(Dialect::Postgres),
        "mysql" => Ok(Dialect::Mysql),
        "sqlite" => Ok(Dialect::Sqlite),
        other => Err(at.error(format!(
            "dialect `{other}`: use \"postgres\", \"mysql\" or \"sqlite\""
        ))),
    }
}

fn lock_timeout(text: &str, value: Value) -> Result<LockTimeoutPolicy, ConfigError> {
    let (word, at) = string(text, "lock_timeout", value)?;
    match word.as_str() {
        "advise" => Ok(LockTimeoutPolicy::Advise),
        "require" => Ok(LockTimeoutPolicy::Require),
        other => Err(at.error(format!(
            "lock_timeout `{other}`: use \"advise\" or \"require\""
        ))),
    }
}

fn strings(text: &str, key: &str, mut value: Value) -> Result<Vec<String>, ConfigError> {
    let at = At::of(text, value.span);
    match value.take() {
        ValueInner::Array(items) => items
            .into_iter()
            .map(|item| string(text, key, item).map(|(s, _)| s))
            .collect(),
        other => Err(invalid(&at, key, "an array of strings", &other)),
    }
}

/// `users = 25000000` or `users = { rows = 25000000, bytes = 1234 }`.
fn table_size(text: &str, mut value: Value) -> Result<TableSize, ConfigError> {
    let at = At::of(text, value.span);
    match value.take() {
        ValueInner::Integer(n) => u64::try_from(n)
            .map(|rows| TableSize { rows, bytes: None })
            .map_err(|_| at.error(format!("[tables]: {n} is not a row count"))),
        ValueInner::Table(fields) => {
            let (mut rows, mut bytes) = (None, None);
            for (key, v) in fields {
                match key.name.as_ref() {
                    "rows" => rows = Some(count(text, "rows", v)?),
                    "bytes" => bytes = Some(count(text, "bytes", v)?),
                    _ => return Err(unknown(text, &key, "rows, bytes")),
                }
            }
            let rows = rows.ok_or_else(|| at.error("[tables]: a table needs rows".into()))?;
            Ok(TableSize { rows, bytes })
        }
        other => Err(invalid(
            &at,
            "[tables]",
            "a row count or { rows, bytes }",
            &other,
        )),
    }
}

fn thresholds(text: &str, value: Value) -> Result<SizeThresholds, ConfigError> {
    let mut out = SizeThresholds::default();
    for (key, v) in table(text, "thresholds", value)? {
        match key.name.as_ref() {
            "medium_rows" => out.medium_rows = count(text, "medium_rows", v)?,
            "large_rows" => out.large_rows = count(text, "large_rows", v)?,
            _ => return Err(unknown(text, &key, "medium_rows, large_rows")),
        }
    }
    Ok(out)
}

fn error(text: &str, at: usize, message: String) -> ConfigError {
    let (line, column) = LineIndex::new(text).line_col(text, at);
    ConfigError {
        line,
        column,
        message: message.trim().to_string(),
    }
}

#[cfg(test)]
mod tests;
