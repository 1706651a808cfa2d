//! The planner: turns a migration into a zero-downtime step plan, grouped in
//! phases (expand → migrate → contract) with the points where application
//! code must be deployed. Safe statements pass through as single steps;
//! careful and dangerous ones expand into the safe patterns of the rules
//! catalogue, per dialect. Every step carries up SQL, down SQL (or why it
//! cannot be undone), its lock, and whether it needs its own
//! non-transactional migration.

mod copies;
mod dependents;
pub mod native;
mod order;
mod patterns;
pub mod runbook;

use std::collections::BTreeSet;

use serde::Serialize;
use sqlparser::ast::Statement;

use crate::catalog::Catalog;
use crate::locks::{self, Effect, Lock, PgLock};
use crate::parse::{ParsedStatement, Section};
use crate::{Dialect, Session, parse_source};

/// The three phases of a zero-downtime change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Add what the new code needs, old code keeps working.
    Expand,
    /// Move the data (backfills).
    Migrate,
    /// Remove what only old code needed, once it is gone.
    Contract,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Expand => "expand",
            Phase::Migrate => "migrate",
            Phase::Contract => "contract",
        }
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub phase: Phase,
    pub title: String,
    pub why: String,
    /// SQL to run (may be only a comment for a manual step).
    pub up: String,
    /// SQL that undoes it; `None` when it cannot be generated.
    pub down: Option<String>,
    /// True when undoing does not bring the data back.
    pub irreversible: bool,
    /// What is lost, or why there is no down.
    pub reason: Option<String>,
    /// PostgreSQL: the strongest table lock; MySQL: the algorithm.
    pub lock: Option<Lock>,
    pub effect: Option<Effect>,
    /// False when the step must run outside a transaction (its own file).
    pub transactional: bool,
    /// MySQL: the step runs DDL, which commits implicitly (it cannot be
    /// rolled back with the statements around it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit_commit: bool,
    /// Whether running it twice is harmless.
    pub idempotent: bool,
    /// A backfill: run it again until it changes no row.
    pub repeat: bool,
    /// Application code must be deployed after this step.
    pub deploy_after: bool,
    /// What that deploy must do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<String>,
    /// The migration line this step comes from.
    pub line: usize,
    /// Queries showing the step worked, for the runbook.
    pub checks: Vec<runbook::Check>,
    /// For batched steps: a query counting the rows still to do.
    #[serde(skip)]
    remaining: Option<String>,
    /// SQL to run, or a point where code is deployed (no SQL of its own).
    #[serde(skip)]
    pub kind: StepKind,
    /// Whether `up` starts with the plan's `SET lock_timeout`.
    #[serde(skip)]
    pub lock_timeout: bool,
    /// The step's `up` as a framework operation, when one says it.
    #[serde(skip)]
    pub native: Option<native::Native>,
    /// Its `down` likewise (only when that is all the down does).
    #[serde(skip)]
    pub native_down: Option<native::Native>,
}

/// What a step is: set by the pattern that makes it, never read back from
/// its SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepKind {
    #[default]
    Sql,
    /// A deploy of application code; its `up` is only a comment.
    DeployPoint,
}

impl Step {
    fn new(
        phase: Phase,
        title: impl Into<String>,
        why: impl Into<String>,
        up: impl Into<String>,
    ) -> Step {
        Step {
            phase,
            title: title.into(),
            why: why.into(),
            up: up.into(),
            down: Some(String::new()),
            irreversible: false,
            reason: None,
            lock: None,
            effect: None,
            transactional: true,
            implicit_commit: false,
            idempotent: false,
            repeat: false,
            deploy_after: false,
            deploy: None,
            line: 0,
            checks: Vec::new(),
            remaining: None,
            kind: StepKind::Sql,
            lock_timeout: false,
            native: None,
            native_down: None,
        }
    }

    /// A point where code is deployed, with no SQL of its own.
    pub fn is_deploy_point(&self) -> bool {
        self.kind == StepKind::DeployPoint
    }

    /// How the step runs with respect to transactions, in a few words.
    pub fn transaction_label(&self) -> &'static str {
        if !self.transactional {
            "no transaction: own migration"
        } else if self.implicit_commit {
            "commits at once (MySQL DDL)"
        } else {
            "in a transaction"
        }
    }

    fn remaining(mut self, count_sql: impl Into<String>) -> Step {
        self.remaining = Some(count_sql.into());
        self
    }

    fn down(mut self, down: impl Into<String>) -> Step {
        self.down = Some(down.into());
        self
    }

    /// The step as framework operations: `up` says all of the step's
    /// `up`, `down` (when given) all of its `down`.
    fn native(mut self, up: Option<native::Native>, down: Option<native::Native>) -> Step {
        self.native_down = up.as_ref().and(down);
        self.native = up;
        self
    }

    fn no_down(mut self, reason: impl Into<String>) -> Step {
        self.down = None;
        self.irreversible = true;
        self.reason = Some(reason.into());
        self
    }

    fn lossy(mut self, reason: impl Into<String>) -> Step {
        self.irreversible = true;
        self.reason = Some(reason.into());
        self
    }

    fn non_transactional(mut self) -> Step {
        self.transactional = false;
        self
    }

    fn idempotent(mut self) -> Step {
        self.idempotent = true;
        self
    }

    fn repeat(mut self) -> Step {
        self.repeat = true;
        self.idempotent = true;
        self
    }

    fn deploy(mut self, what: impl Into<String>) -> Step {
        self.deploy_after = true;
        self.deploy = Some(what.into());
        self
    }

    /// A manual deploy point with no SQL of its own.
    fn deploy_point(phase: Phase, what: impl Into<String>) -> Step {
        let what = what.into();
        let mut step = Step::new(
            phase,
            format!("Deploy: {what}"),
            "Application code must change before the next step runs.",
            format!("-- deploy: {what}"),
        )
        .idempotent()
        .deploy(what);
        step.kind = StepKind::DeployPoint;
        step
    }
}

/// A PostgreSQL `lock_timeout`: a positive whole number and a unit (`ms`
/// when none is given). The one validation the CLI and the page share, so
/// the planner never writes user text into `SET lock_timeout = '…'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTimeout {
    amount: u32,
    unit: &'static str,
}

impl LockTimeout {
    /// PostgreSQL's time units and their length in milliseconds.
    const UNITS: [(&'static str, u64); 5] = [
        ("ms", 1),
        ("s", 1_000),
        ("min", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
    ];
}

impl std::str::FromStr for LockTimeout {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, unit) = text.split_at(digits);
        let unit = unit.trim();
        let refuse = || {
            format!(
                "lock timeout {text:?} is not a duration: give a whole number above 0 and a unit (ms, s, min, h, d), e.g. 2s"
            )
        };
        let amount: u32 = number.parse().map_err(|_| refuse())?;
        let (unit, factor) = if unit.is_empty() {
            Self::UNITS[0]
        } else {
            *Self::UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .ok_or_else(refuse)?
        };
        // PostgreSQL's limit for the setting: INT_MAX milliseconds.
        if amount == 0 || u64::from(amount) * factor > 2_147_483_647 {
            return Err(refuse());
        }
        Ok(LockTimeout { amount, unit })
    }
}

impl std::fmt::Display for LockTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.amount, self.unit)
    }
}

impl Default for LockTimeout {
    fn default() -> Self {
        LockTimeout {
            amount: 2,
            unit: "s",
        }
    }
}

impl Serialize for LockTimeout {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for LockTimeout {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Planner settings.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PlanOptions {
    pub pg_version: u32,
    /// Rows per backfill batch.
    pub batch_size: u32,
    /// `SET lock_timeout` before locking PostgreSQL steps, e.g. `2s`.
    pub lock_timeout: LockTimeout,
    /// Use `IF [NOT] EXISTS` where the dialect has it.
    pub idempotent: bool,
    /// The SQLite version the plan is for (e.g. `3.31.1`); `None` for a
    /// current one. Before 3.25 RENAME COLUMN and before 3.35 DROP COLUMN
    /// are not native, and the plan rebuilds the table instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite_version: Option<String>,
    /// The columns (`table.column`) old application code still reads.
    /// `None` (the default) assumes every column is; a column left out of
    /// the list needs no deploy before it is dropped.
    pub still_read: Option<Vec<String>>,
    /// Before a DELETE or UPDATE of existing rows, copy the rows it
    /// changes into a table of their own, so that the step can be undone.
    #[serde(default)]
    pub keep_copies: bool,
}

impl PlanOptions {
    /// Whether the target SQLite is at least `major.minor`.
    pub fn sqlite_at_least(&self, major: u32, minor: u32) -> bool {
        let Some(v) = &self.sqlite_version else {
            return true;
        };
        let mut parts = v.trim().split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (a, b) >= (major, minor)
    }

    /// Whether old code may still read `table.column`.
    pub fn is_read(&self, table: &str, column: &str) -> bool {
        self.still_read
            .as_ref()
            .is_none_or(|l| l.iter().any(|c| c == &format!("{table}.{column}")))
    }
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            pg_version: crate::rules::DEFAULT_PG_VERSION,
            batch_size: 1000,
            lock_timeout: LockTimeout::default(),
            idempotent: true,
            sqlite_version: None,
            still_read: None,
            keep_copies: false,
        }
    }
}

/// A plan for one migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub dialect: Dialect,
    pub options: PlanOptions,
    pub steps: Vec<Step>,
    /// Things the user should know that belong to no single step.
    pub notes: Vec<String>,
    /// The migration's verdict before planning.
    pub max_severity: crate::Severity,
    /// Queries to run on the real database after the whole migration.
    pub validation: Vec<runbook::Check>,
}

impl Plan {
    /// The up SQL of every step in order, as one script (for checks).
    pub fn up_script(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("{}\n", terminated(&s.up)))
            .collect()
    }

    /// The tables the plan keeps on purpose: copies of data it makes with
    /// `CREATE TABLE ... AS SELECT` (an archive of a dropped column, kept
    /// rows), by name.
    pub fn kept_tables(&self) -> Vec<String> {
        self.steps
            .iter()
            .flat_map(|step| parse_source(&step.up, self.dialect).statements)
            .filter_map(|statement| match statement.ast {
                Some(Statement::CreateTable(ct)) if ct.query.is_some() => {
                    Some(crate::names::object(&ct.name, self.dialect))
                }
                _ => None,
            })
            .collect()
    }

    /// The down SQL of every step in reverse order.
    pub fn down_script(&self) -> String {
        self.steps
            .iter()
            .rev()
            .filter_map(|s| s.down.as_ref())
            .map(|d| format!("{}\n", terminated(d)))
            .collect()
    }
}

/// `sql` ending in a semicolon (unless empty or only comments).
pub fn terminated(sql: &str) -> String {
    let t = sql.trim_end();
    let last_line = t.lines().last().unwrap_or("");
    if t.is_empty() || t.ends_with(';') || last_line.trim_start().starts_with("--") {
        t.to_string()
    } else {
        format!("{t};")
    }
}

/// Context for planning one statement.
pub(crate) struct PlanContext<'a> {
    pub dialect: Dialect,
    pub options: &'a PlanOptions,
    pub before: &'a Catalog,
    /// The schema after the whole migration.
    pub after: &'a Catalog,
    pub created: &'a BTreeSet<String>,
    /// Columns (table.column) added earlier in the migration.
    pub new_columns: &'a BTreeSet<String>,
    pub line: usize,
}

impl PlanContext<'_> {
    /// `IF EXISTS ` when the plan is idempotent.
    pub fn if_exists(&self) -> &'static str {
        if self.options.idempotent {
            "IF EXISTS "
        } else {
            ""
        }
    }

    /// `IF NOT EXISTS ` when the plan is idempotent.
    pub fn if_not_exists(&self) -> &'static str {
        if self.options.idempotent {
            "IF NOT EXISTS "
        } else {
            ""
        }
    }
}

/// Plans `migration` against `schema` in a session of its own, for a
/// caller that needs nothing else of it (a test, a benchmark).
pub fn plan_sources(d: Dialect, options: PlanOptions, schema: &str, migration: &str) -> Plan {
    let analysis_options = crate::Options {
        pg_version: options.pg_version,
        ..crate::Options::default()
    };
    plan(
        &Session::new(d, analysis_options, schema, migration),
        options,
    )
}

/// Plans the session's migration against its schema, from the analysis
/// the session already holds.
pub fn plan(session: &Session, options: PlanOptions) -> Plan {
    let d = session.dialect();
    let options = PlanOptions {
        pg_version: session.options().pg_version,
        ..options
    };
    let analysis = session.analysis();
    let mut notes = Vec::new();
    let (planned, catalog) = plan_statements(session, &options, &mut notes);
    let mut steps = order::order(planned, &mut notes);
    let before = analysis.before.clone();
    let mut running = before.clone();
    for st in &mut steps {
        // A step's SQL is parsed once, here: the check that what the
        // planner generated parses, the model the step leaves (for the
        // runbook's checks) and the lock its statements take.
        let statements = parse_source(&st.up, d).statements;
        let start = running.clone();
        for statement in statements.iter().filter_map(|s| s.ast.as_ref()) {
            running.apply(statement, d);
        }
        st.checks = runbook::step_checks(d, &start, &running, st.remaining.as_deref());
        finish_step(st, &statements, d, &options);
    }
    let validation = runbook::validation(d, &before, &catalog);
    // Advice the plan does not follow on this dialect, said where it applies.
    for finding in analysis.report.active_findings() {
        if let Some(why) = crate::rules::find(&finding.rule).and_then(|r| r.as_written_in_plan(d)) {
            notes.push(format!(
                "line {}: {} kept as written: {why}",
                finding.line, finding.rule
            ));
        }
    }
    if steps.iter().any(|s| s.repeat) {
        notes.push(format!(
            "Backfill steps change at most {} rows per run: run each again (committing in between) until it reports 0 rows.",
            options.batch_size
        ));
    }
    if steps.iter().any(|s| s.lock_timeout) {
        notes.push(format!(
            "Locking steps start with SET lock_timeout = '{}': if one times out, nothing was changed; retry it (with a pause) until it gets its lock.",
            options.lock_timeout
        ));
    }
    Plan {
        dialect: d,
        options,
        steps,
        notes,
        max_severity: analysis.report.max_severity,
        validation,
    }
}

/// Each statement's steps and footprint, in the author's order, and the
/// model after the whole migration.
fn plan_statements(
    session: &Session,
    options: &PlanOptions,
    notes: &mut Vec<String>,
) -> (Vec<order::Planned>, Catalog) {
    let d = session.dialect();
    let mut catalog = session.analysis().before.clone();
    let mut created = BTreeSet::new();
    let mut new_columns = BTreeSet::new();
    let mut planned = Vec::new();
    for s in session.migration() {
        if !s.is_sql() {
            notes.push(format!(
                "line {}: {} (left out of the plan)",
                s.line,
                s.error
                    .as_ref()
                    .map(|e| e.message.as_str())
                    .unwrap_or_default()
            ));
            continue;
        }
        if s.section == Section::Down {
            continue;
        }
        let pc = PlanContext {
            dialect: d,
            options,
            before: &catalog,
            after: session.after(),
            created: &created,
            new_columns: &new_columns,
            line: s.line,
        };
        let mut steps = match &s.ast {
            Some(ast) => patterns::steps_for(&pc, ast, &s.sql, notes),
            None => vec![passthrough_unparsed(
                &s.sql,
                s.error.as_ref().map(|e| e.message.as_str()),
            )],
        };
        for st in &mut steps {
            st.line = s.line;
        }
        let footprint = match &s.ast {
            Some(ast) => {
                if let Statement::CreateTable(ct) = ast {
                    created.insert(crate::names::object(&ct.name, d));
                }
                let names = order::Footprint::before(&s.sql, &catalog, d);
                let had: BTreeSet<String> = column_names(&catalog);
                catalog.apply(ast, d);
                new_columns.extend(column_names(&catalog).difference(&had).cloned());
                order::Footprint::of(ast, s.line, names, &catalog, d)
            }
            None => order::Footprint::unknown(s.line),
        };
        planned.push(order::Planned { footprint, steps });
    }
    (planned, catalog)
}

fn column_names(c: &Catalog) -> BTreeSet<String> {
    c.tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .map(move |col| format!("{}.{}", t.name, col.name))
        })
        .collect()
}

fn passthrough_unparsed(sql: &str, error: Option<&str>) -> Step {
    Step::new(
        Phase::Expand,
        "Run as written (not analysed)",
        format!(
            "migplan could not read this statement ({}), so it is kept as written.",
            error.unwrap_or("unknown")
        ),
        sql,
    )
    .no_down("the statement was not parsed, so no rollback could be generated")
}

/// Fills the lock of a step from its statements (unless the pattern that
/// made it set it) and adds `SET lock_timeout` before locking PostgreSQL
/// statements.
fn finish_step(st: &mut Step, statements: &[ParsedStatement], d: Dialect, o: &PlanOptions) {
    let catalog = Catalog::default();
    match d {
        Dialect::Postgres => {
            let strongest = statements
                .iter()
                .filter_map(|s| locks::pg_lock(s, &catalog, o.pg_version))
                .max_by_key(|l| l.lock);
            if let Some(l) = strongest {
                st.lock = Some(Lock::Postgres(l.lock));
                st.effect = Some(st.effect.unwrap_or(l.effect));
                if l.lock >= PgLock::Share {
                    st.up = format!("SET lock_timeout = '{}';\n{}", o.lock_timeout, st.up);
                    st.lock_timeout = true;
                }
            }
        }
        Dialect::Mysql => {
            let requested = statements.iter().find_map(|s| match &s.ast {
                Some(Statement::AlterTable(at)) => locks::mysql_requested(&at.operations).0,
                Some(Statement::CreateIndex(ci)) => locks::mysql_requested(&ci.alter_options).0,
                _ => None,
            });
            st.lock = st.lock.or(requested.map(Lock::Mysql));
            // MySQL commits before and after every DDL statement.
            st.implicit_commit = statements.iter().any(|s| {
                s.ast.as_ref().is_some_and(|ast| {
                    !matches!(
                        ast,
                        Statement::Query(_)
                            | Statement::Insert(_)
                            | Statement::Update(_)
                            | Statement::Delete(_)
                            | Statement::Set(_)
                            | Statement::StartTransaction { .. }
                            | Statement::Commit { .. }
                            | Statement::Rollback { .. }
                    )
                })
            });
        }
        Dialect::Sqlite => {}
    }
}

/// The plan's steps as files-to-be: consecutive transactional steps of one
/// phase without a deploy point between them share a unit; a
/// non-transactional step is a unit of its own.
pub fn units(plan: &Plan) -> Vec<Vec<&Step>> {
    let mut out: Vec<Vec<&Step>> = Vec::new();
    let mut open = false;
    for s in &plan.steps {
        let manual = s.is_deploy_point();
        let joinable = s.transactional && !s.repeat && !manual;
        match out.last_mut() {
            Some(last)
                if open
                    && joinable
                    && last
                        .last()
                        .is_some_and(|p| p.phase == s.phase && !p.deploy_after) =>
            {
                last.push(s)
            }
            _ => out.push(vec![s]),
        }
        open = joinable && !s.deploy_after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeouts_are_durations_or_refused() {
        for (text, normal) in [
            ("2s", "2s"),
            (" 500 ms ", "500ms"),
            ("1500", "1500ms"),
            ("3min", "3min"),
        ] {
            let parsed: LockTimeout = text.parse().expect(text);
            assert_eq!(parsed.to_string(), normal);
        }
        for bad in [
            "",
            "abc'; DROP TABLE users; --",
            "-5s",
            "0",
            "0s",
            "2 weeks",
            "5s'",
            "99999999h",
        ] {
            assert!(bad.parse::<LockTimeout>().is_err(), "{bad:?} accepted");
        }
    }
}
