//! `.migplan.toml`: a team's settings, kept in the repository. Read here
//! (pure: the CLI finds the file and reads any stats file it names; the
//! page imports and exports the same text). Unknown keys, bad values and
//! unknown rule ids are errors with their line and column.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    dialect: Option<Spanned<String>>,
    pg_version: Option<Spanned<u32>>,
    migrations: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<Spanned<String>>,
    lock_timeout: Option<Spanned<String>>,
    transaction: Option<bool>,
    link_base: Option<String>,
    stats: Option<String>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    tables: BTreeMap<String, RawSize>,
    thresholds: Option<RawThresholds>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSize {
    Rows(u64),
    Full {
        rows: u64,
        #[serde(default)]
        bytes: Option<u64>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    medium_rows: Option<u64>,
    large_rows: Option<u64>,
}

impl Config {
    /// Reads the file's text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            error(text, at, e.message().to_string())
        })?;
        let at = |s: &std::ops::Range<usize>| s.start;
        let mut config = Config {
            migrations: raw.migrations,
            exclude: raw.exclude,
            transaction: raw.transaction,
            link_base: raw.link_base,
            stats: raw.stats,
            ..Config::default()
        };
        if let Some(d) = raw.dialect {
            config.dialect = Some(match d.get_ref().as_str() {
                "postgres" | "postgresql" => Dialect::Postgres,
                "mysql" => Dialect::Mysql,
                "sqlite" => Dialect::Sqlite,
                other => {
                    return Err(error(
                        text,
                        at(&d.span()),
                        format!("dialect `{other}`: use \"postgres\", \"mysql\" or \"sqlite\""),
                    ));
                }
            });
        }
        if let Some(v) = raw.pg_version {
            Options::with_pg_version(*v.get_ref())
                .map_err(|message| error(text, at(&v.span()), message))?;
            config.pg_version = Some(*v.get_ref());
        }
        if let Some(f) = raw.fail_on {
            config.fail_on = Some(
                f.get_ref()
                    .parse()
                    .map_err(|m: String| error(text, at(&f.span()), format!("fail_on: {m}")))?,
            );
        }
        if let Some(l) = raw.lock_timeout {
            config.rules.lock_timeout = match l.get_ref().as_str() {
                "advise" => LockTimeoutPolicy::Advise,
                "require" => LockTimeoutPolicy::Require,
                other => {
                    return Err(error(
                        text,
                        at(&l.span()),
                        format!("lock_timeout `{other}`: use \"advise\" or \"require\""),
                    ));
                }
            };
        }
        for (id, value) in raw.rules {
            config.set_rule(text, &id, &value)?;
        }
        config.tables = raw
            .tables
            .into_iter()
            .map(|(table, size)| {
                let size = match size {
                    RawSize::Rows(rows) => TableSize { rows, bytes: None },
                    RawSize::Full { rows, bytes } => TableSize { rows, bytes },
                };
                (table, size)
            })
            .collect();
        if let Some(t) = raw.thresholds {
            let defaults = SizeThresholds::default();
            config.thresholds = SizeThresholds {
                medium_rows: t.medium_rows.unwrap_or(defaults.medium_rows),
                large_rows: t.large_rows.unwrap_or(defaults.large_rows),
            };
        }
        Ok(config)
    }

    /// `[rules]`: `rule-id = "off"`, `"on"`, or a severity.
    fn set_rule(
        &mut self,
        text: &str,
        id: &Spanned<String>,
        value: &Spanned<String>,
    ) -> Result<(), ConfigError> {
        let name = id.get_ref();
        if rules::find(name).is_none() {
            return Err(error(
                text,
                id.span().start,
                format!("[rules]: `{name}` is not a rule (`migplan rules` lists them)"),
            ));
        }
        match value.get_ref().as_str() {
            "off" => {
                self.rules.disabled.insert(name.clone());
            }
            "on" => {
                self.rules.disabled.remove(name);
            }
            other => {
                let severity: Severity = other.parse().map_err(|_| {
                    error(
                        text,
                        value.span().start,
                        format!(
                            "[rules] {name} = \"{other}\": use \"off\", \"on\", \"safe\", \"careful\" or \"dangerous\""
                        ),
                    )
                })?;
                self.rules.severity.insert(name.clone(), severity);
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
