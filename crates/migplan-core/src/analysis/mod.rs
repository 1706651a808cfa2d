//! The analysis driver: replays the schema, walks the migration statement
//! by statement with its context, runs every rule, applies ignores and
//! fills the report, then diffs the catalogue before and after. Ignore
//! comments are read in [`ignores`]; the SQLite rebuild recogniser is rule
//! context and lives with the rules.

use std::collections::BTreeSet;

use sqlparser::ast::{
    AlterTableOperation, ObjectType, RenameTableNameKind, Statement, TableConstraint,
};

use crate::catalog::Catalog;
use crate::diff::{Change, diff};
use crate::locks::{self, Effect, MysqlAlgorithm, PgLock};
use crate::names;
use crate::parse::Section;
use crate::report::{CheckReport, Finding, ReportError};
use crate::rules::{self, Ctx, TxState};
use crate::settings::{RuleSettings, TableSizes};

mod ignores;

use crate::{Dialect, ParsedSource, Severity, parse_source};
use ignores::Ignores;
use rules::rebuild::detect_rebuilds;

/// The finding an ignore comment that silences nothing gets.
pub const UNUSED_IGNORE: &str = "unused-ignore";

/// Analysis settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Target PostgreSQL major version (10 to 18).
    pub pg_version: u32,
    /// Rules switched off, severities changed, the lock_timeout policy.
    pub rules: RuleSettings,
    /// Table sizes, when known.
    pub sizes: TableSizes,
    /// Each migration file runs in a transaction of its own (as most
    /// frameworks do), without a BEGIN of its own.
    pub file_transaction: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pg_version: rules::DEFAULT_PG_VERSION,
            rules: RuleSettings::default(),
            sizes: TableSizes::default(),
            file_transaction: false,
        }
    }
}

impl Options {
    /// Options for a PostgreSQL version, refusing ones migplan does not know.
    pub fn with_pg_version(pg_version: u32) -> Result<Options, String> {
        if rules::PG_VERSIONS.contains(&pg_version) {
            Ok(Options {
                pg_version,
                ..Options::default()
            })
        } else {
            Err(format!(
                "PostgreSQL {pg_version} is not supported: use {} to {}",
                rules::PG_VERSIONS.start(),
                rules::PG_VERSIONS.end()
            ))
        }
    }
}

/// The result of analysing a schema and a migration.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub report: CheckReport,
    /// The schema before the migration.
    pub before: Catalog,
    /// The schema after it.
    pub after: Catalog,
    /// What the migration changes in the schema.
    pub changes: Vec<Change>,
}

/// Analyses `migration` against `schema` (both as typed by the user).
pub fn analyze(dialect: Dialect, options: Options, schema: &str, migration: &str) -> Analysis {
    let mut a = Analyzer::new(dialect, options);
    a.add_schema_text(schema);
    a.add_migration(None, migration, &parse_source(migration, dialect));
    a.finish()
}

/// Incremental analysis over several migration files.
pub struct Analyzer {
    dialect: Dialect,
    options: Options,
    catalog: Catalog,
    before: Catalog,
    created: BTreeSet<String>,
    /// Tables whose rows the migration copied into a table it created.
    kept: BTreeSet<String>,
    report: CheckReport,
}

impl Analyzer {
    pub fn new(dialect: Dialect, options: Options) -> Analyzer {
        Analyzer {
            dialect,
            options,
            catalog: Catalog::default(),
            before: Catalog::default(),
            created: BTreeSet::new(),
            kept: BTreeSet::new(),
            report: CheckReport::new(dialect),
        }
    }

    /// Replays a schema (before any migration).
    pub fn add_schema(&mut self, schema: &ParsedSource) {
        self.catalog.apply_source(schema);
        self.before = self.catalog.clone();
    }

    /// Starts from a schema already built (a project's history).
    pub fn add_catalog(&mut self, catalog: &Catalog) {
        self.catalog = catalog.clone();
        self.before = self.catalog.clone();
    }

    /// Replays a schema from its text, one statement at a time (nothing of
    /// it is kept but the model).
    pub fn add_schema_text(&mut self, schema: &str) {
        self.catalog.apply_text(schema, self.dialect);
        self.before = self.catalog.clone();
    }

    /// The schema as the files so far leave it.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The report so far (statements are numbered across files).
    pub fn report(&self) -> &CheckReport {
        &self.report
    }

    /// Analyses one migration file; files are applied in the order given.
    pub fn add_migration(&mut self, file: Option<&str>, src: &str, parsed: &ParsedSource) {
        let first = self.report.statements.len();
        self.report.add_source(file, parsed);
        let mut ignores = Ignores::read(src);
        let rebuilds = detect_rebuilds(parsed, &self.catalog);
        let mut tx = TxState {
            in_transaction: parsed.transaction.unwrap_or(self.options.file_transaction),
            ..TxState::default()
        };
        let d = self.dialect;
        for (i, s) in parsed.statements.iter().enumerate() {
            // Client commands are not SQL; a down section is the file's own
            // rollback, kept in the report but neither run nor risk-checked.
            if !s.is_sql() || s.section == Section::Down {
                continue;
            }
            let pg_lock = (d == Dialect::Postgres)
                .then(|| locks::pg_lock(s, &self.catalog, self.options.pg_version))
                .flatten();
            let algorithm = (d == Dialect::Mysql)
                .then(|| mysql_algorithm(s.ast.as_ref(), &self.catalog))
                .flatten();
            let cx = Ctx {
                dialect: d,
                pg_version: self.options.pg_version,
                statement: s,
                catalog: &self.catalog,
                start: &self.before,
                created: &self.created,
                kept: &self.kept,
                tx: &tx,
                pg_lock: pg_lock.as_ref(),
                rebuild: rebuilds.get(&s.index),
                rest: &parsed.statements[i + 1..],
            };
            let at = first + s.index;
            let found_before = self.report.findings.len();
            let (effect, fired) = run_rules(
                &cx,
                &self.options,
                at,
                &mut ignores,
                &mut self.report.findings,
            );
            // This statement's findings are the ones just added (looking
            // through all of them made a long migration quadratic).
            let severity = self.report.findings[found_before..]
                .iter()
                .filter(|f| f.statement == at && f.ignored.is_none())
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::Safe);
            if let Some(r) = self.report.statements.get_mut(at) {
                r.severity = severity;
                r.lock = pg_lock.as_ref().map(|l| l.lock);
                r.lock_table = pg_lock.as_ref().and_then(|l| l.table.clone());
                r.algorithm = algorithm;
                r.effect = effect;
            }
            self.advance(&mut tx, s, pg_lock.as_ref(), &fired);
        }
        self.report.max_severity = self
            .report
            .statements
            .iter()
            .map(|s| s.severity)
            .max()
            .unwrap_or_default();
        // What the migration runs but migplan did not read makes the
        // verdict incomplete: it is never counted as safe.
        self.report.not_analysed += parsed
            .statements
            .iter()
            .filter(|s| s.section == Section::Up && !s.analysed())
            .count();
        self.report.complete = self.report.not_analysed == 0;
        self.check_ignores(file, first, parsed, &ignores);
    }

    /// Ignores that name no rule are errors; ignores that silenced nothing
    /// are reported (`unused-ignore`), so a typo never hides a finding and a
    /// stale comment does not linger.
    fn check_ignores(
        &mut self,
        file: Option<&str>,
        first: usize,
        parsed: &ParsedSource,
        ignores: &Ignores,
    ) {
        for ignore in ignores.iter() {
            if ignore.rule != "all" && rules::find(&ignore.rule).is_none() {
                self.report.errors.push(ReportError {
                    file: file.map(str::to_string),
                    line: ignore.line,
                    column: ignore.column,
                    message: format!(
                        "migplan:ignore names `{}`, which is not a rule (`migplan rules` lists them)",
                        ignore.rule
                    ),
                });
                continue;
            }
            if ignore.used {
                continue;
            }
            // Reported on the statement the comment is above (or the last).
            let statement = parsed
                .statements
                .iter()
                .find(|s| s.line > ignore.line)
                .or(parsed.statements.last())
                .map_or(first, |s| first + s.index);
            let kind = if ignore.whole_file {
                "ignore-file"
            } else {
                "ignore"
            };
            self.report.findings.push(Finding {
                rule: UNUSED_IGNORE.to_string(),
                severity: Severity::Safe,
                statement,
                line: ignore.line,
                column: ignore.column,
                message: format!(
                    "`migplan:{kind} {}` silences nothing here",
                    ignore.rule
                ),
                lock: None,
                effect: None,
                instead: "Remove the comment, or put it right above the statement whose finding it accepts.".into(),
                ignored: None,
                size: None,
            });
        }
    }

    /// Updates transaction state, the created set and the catalogue after a
    /// statement.
    fn advance(
        &mut self,
        tx: &mut TxState,
        s: &crate::ParsedStatement,
        pg_lock: Option<&locks::PgStatementLock>,
        fired: &[&'static rules::Rule],
    ) {
        let d = self.dialect;
        // Rules that report once per transaction: known by their
        // declaration, not by their id's wording.
        let fired_rule = |rule: &rules::Rule| fired.iter().any(|f| std::ptr::eq(*f, rule));
        if fired_rule(rules::ONCE_PER_TRANSACTION_ACCESS_EXCLUSIVE) {
            tx.access_exclusive_reported = true;
        }
        if fired_rule(rules::ONCE_PER_TRANSACTION_LOCK_TIMEOUT) {
            tx.lock_timeout_reported = true;
        }
        let upper = s.sql.to_uppercase();
        if upper.contains("LOCK_TIMEOUT")
            && (upper.starts_with("SET") || upper.contains("SET_CONFIG"))
        {
            tx.lock_timeout =
                !upper.contains("= 0") && !upper.contains("TO 0") && !upper.contains("'0'");
        }
        match s.ast.as_ref() {
            Some(Statement::StartTransaction { .. }) => {
                tx.in_transaction = true;
                tx.access_exclusive = None;
                tx.access_exclusive_reported = false;
                tx.not_valid.clear();
            }
            Some(Statement::Commit { .. } | Statement::Rollback { .. }) => {
                tx.in_transaction = false;
                tx.access_exclusive = None;
                tx.access_exclusive_reported = false;
                tx.not_valid.clear();
            }
            Some(Statement::CreateTable(ct)) => {
                let name = names::object(&ct.name, d);
                if ct.query.is_some() {
                    self.kept.extend(copied_from(s.ast.as_ref(), &name, d));
                }
                self.created.insert(name);
            }
            Some(Statement::Insert(insert)) if insert.source.is_some() => {
                if let sqlparser::ast::TableObject::TableName(target) = &insert.table {
                    let target = names::object(target, d);
                    if self.created.contains(&target) {
                        self.kept.extend(copied_from(s.ast.as_ref(), &target, d));
                    }
                }
            }
            Some(Statement::AlterTable(at)) => {
                let table = names::object(&at.name, d);
                for op in &at.operations {
                    match op {
                        AlterTableOperation::AddConstraint {
                            constraint,
                            not_valid: true,
                        } if tx.in_transaction => {
                            let name = match constraint {
                                TableConstraint::Check(c) => c.name.as_ref(),
                                TableConstraint::ForeignKey(f) => f.name.as_ref(),
                                _ => None,
                            };
                            if let Some(n) = name {
                                tx.not_valid.insert((table.clone(), names::ident(n, d)));
                            }
                        }
                        AlterTableOperation::RenameTable { table_name } => {
                            let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) =
                                table_name;
                            if self.created.contains(&table) {
                                self.created.insert(names::object(n, d));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if tx.in_transaction
            && tx.access_exclusive.is_none()
            && let Some(l) = pg_lock
            && l.lock == PgLock::AccessExclusive
            && let Some(t) = &l.table
            && !self.created.contains(t)
        {
            tx.access_exclusive = Some((t.clone(), s.line));
        }
        if let Some(ast) = &s.ast {
            self.catalog.apply(ast, d);
        }
    }

    pub fn finish(self) -> Analysis {
        let changes = diff(&self.before, &self.catalog);
        Analysis {
            report: self.report,
            before: self.before,
            after: self.catalog,
            changes,
        }
    }
}

/// Runs every applicable rule on one statement: its findings (ignored
/// ones marked with the reason), the statement's effect, and the rules
/// that fired.
fn run_rules(
    cx: &Ctx,
    options: &Options,
    at: usize,
    ignores: &mut Ignores,
    findings: &mut Vec<Finding>,
) -> (Option<Effect>, Vec<&'static rules::Rule>) {
    let s = cx.statement;
    let mut effect = cx.pg_lock.map(|l| l.effect);
    let mut fired = Vec::new();
    let table = statement_table(cx);
    for rule in rules::ALL {
        if !rule.applies(cx.dialect, cx.pg_version) {
            continue;
        }
        let Some(rule_severity) = options.rules.severity_of(rule) else {
            continue;
        };
        let mut hits = Vec::new();
        (rule.check)(cx, &mut hits);
        for hit in hits {
            let ignored = ignores.silence(rule.id, s.line);
            if ignored.is_none() && hit.effect.is_some() {
                effect = effect.max(hit.effect);
            }
            fired.push(*rule);
            let hit_effect = hit.effect.or(cx.pg_lock.map(|l| l.effect));
            // A scan or rewrite is as risky as the table is big, when the
            // size is known and the team did not set the severity itself.
            let size = table
                .as_deref()
                .and_then(|t| options.sizes.assess(t, hit_effect))
                .filter(|_| !options.rules.severity.contains_key(rule.id));
            let severity = size.as_ref().map_or(rule_severity, |a| a.class.severity());
            let message = match &size {
                Some(a) => format!(
                    "{} (assumed {}: {} rows{}, a {} table)",
                    hit.message,
                    a.table,
                    a.rows,
                    if a.source.is_empty() {
                        String::new()
                    } else {
                        format!(", from {}", a.source)
                    },
                    a.class.as_str()
                ),
                None => hit.message,
            };
            findings.push(Finding {
                rule: rule.id.to_string(),
                severity,
                statement: at,
                line: s.line,
                column: s.column,
                message,
                lock: cx.pg_lock.map(|l| l.lock),
                effect: hit_effect,
                instead: hit.instead.unwrap_or_else(|| rule.instead.to_string()),
                ignored,
                size,
            });
        }
    }
    (effect, fired)
}

/// The existing table a statement works on, for its size.
fn statement_table(cx: &Ctx) -> Option<String> {
    if let Some(table) = cx.pg_lock.and_then(|l| l.table.clone()) {
        return Some(table);
    }
    match cx.ast()? {
        Statement::AlterTable(at) => Some(names::object(&at.name, cx.dialect)),
        Statement::CreateIndex(ci) => Some(names::object(&ci.table_name, cx.dialect)),
        _ => None,
    }
}

/// The algorithm MySQL 8 will use for an ALTER TABLE or CREATE INDEX.
fn mysql_algorithm(stmt: Option<&Statement>, catalog: &Catalog) -> Option<MysqlAlgorithm> {
    match stmt? {
        Statement::AlterTable(at) => {
            let table = names::object(&at.name, Dialect::Mysql);
            let needed = at
                .operations
                .iter()
                .map(|op| locks::mysql_op_algorithm(op, &table, catalog).0)
                .max();
            // An explicit ALGORITHM=COPY is what runs, whatever the change
            // needs (asking for less than it needs fails: another rule).
            match locks::mysql_requested(&at.operations).0 {
                Some(MysqlAlgorithm::Copy) => Some(MysqlAlgorithm::Copy),
                _ => needed,
            }
        }
        Statement::CreateIndex(_)
        | Statement::Drop {
            object_type: ObjectType::Index,
            ..
        } => Some(MysqlAlgorithm::Inplace),
        _ => None,
    }
}

/// The tables a statement reads rows from, other than `target`.
fn copied_from(stmt: Option<&Statement>, target: &str, d: Dialect) -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    if let Some(stmt) = stmt {
        let _ = sqlparser::ast::visit_relations(stmt, |relation| {
            tables.insert(names::object(relation, d));
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    tables.remove(target);
    tables
}
