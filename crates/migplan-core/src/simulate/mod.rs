//! The simulation: the schema, sample rows, the migration and its rollback
//! run on a real SQLite behind [`Engine`] (sql.js in the browser, bundled
//! SQLite natively), with checks that up applies, the schema is the one
//! expected, data survives, constraints hold, down restores and a second
//! run is harmless. SQLite errors are mapped back to the user's line.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::engine::{Engine, Value};
use crate::sample::{DataOptions, Demands};
use crate::translate::{Translated, translate, translate_statements};
use crate::{Dialect, Session, ddl, rollback};

mod checks;
mod data;
mod growth;
mod oracle;
mod plan;
pub mod postgres;
mod readback;

use data::{DataChange, data_changes, snapshot};
pub use growth::{Growth, cost_growth};
pub use oracle::{PairOutcome, PairResult, PairVerdict, explain_pair, round_trip_pair};
pub use plan::{Rollbacks, simulate_plan, simulate_plan_with};
pub use readback::affinity;
use readback::{entry_table, model_types, read_schema, read_structure, shape};

/// Which input a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Schema,
    Data,
    Migration,
    Down,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub phase: Phase,
    pub statement: usize,
    pub line: usize,
    pub column: usize,
    pub sql: String,
    pub message: String,
    /// The statement did not fail: it was stopped at a time or memory limit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
}

impl Failure {
    /// Where it failed, as "line L, column C" (columns only when known);
    /// `None` for what has no line of its own (a batch of sample rows).
    pub fn place(&self) -> Option<String> {
        match (self.line, self.column) {
            (0, _) => None,
            (line, 0) => Some(format!("line {line}")),
            (line, column) => Some(format!("line {line}, column {column}")),
        }
    }
}

/// A statement that was not run, and why (never silently skipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub phase: Phase,
    pub line: usize,
    pub reason: String,
}

/// One check: pass or fail, a one-line reason, details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// Neither a pass nor a failure: something to know (running up a
    /// second time stops at its first statement, as a retried deploy
    /// would). Never shown with a pass mark.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note: bool,
}

impl Check {
    /// How the check is shown: `pass`, `FAIL` or `note`.
    pub fn mark(&self) -> &'static str {
        match (self.ok, self.note) {
            (_, true) => "note",
            (true, false) => "pass",
            (false, false) => "FAIL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundTrip {
    pub schema_equal: bool,
    pub data_equal: bool,
    /// What the rollback did not bring back (`table.column`, `table`).
    pub lost: Vec<String>,
    /// On PostgreSQL: how the schema read back from pg_catalog after the
    /// down differs from the one before (`- ` gone, `+ ` new or changed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_differences: Vec<String>,
}

/// A plan compared with the migration it was made from: the plan's steps
/// up from the same start, against the migration as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanCheck {
    /// The plan reaches the migration's schema (differences it intends
    /// aside).
    pub equivalent: bool,
    /// How the schema after the plan differs from the schema after the
    /// migration (`- ` only after the migration, `+ ` only after the plan).
    pub differences: Vec<String>,
    /// Differences the plan means to leave (a copy of dropped data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intended: Vec<String>,
    /// Every step's down, last first, brings back the schema and the data.
    pub down_restores: bool,
    /// What the downs did not bring back (schema lines, lost data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_restored: Vec<String>,
    /// The migration as written failed where the plan did not (on the
    /// same rows): nothing to compare with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_fails: Option<String>,
}

impl PlanCheck {
    /// The plan check as a line of the report, on either engine. A
    /// migration that fails where its plan does not is said, not failed:
    /// the plan is what would run.
    pub fn report_line(&self) -> Check {
        let name = "plan equals the migration".to_string();
        let (ok, detail) = if let Some(failure) = &self.migration_fails {
            (
                true,
                format!(
                    "not compared: the migration as written fails where the plan does not ({failure})"
                ),
            )
        } else if !self.equivalent {
            (
                false,
                format!(
                    "{} difference(s) from the migration as written: {}",
                    self.differences.len(),
                    list(&self.differences)
                ),
            )
        } else if self.intended.is_empty() {
            (
                true,
                "the steps reach the schema the migration as written reaches".to_string(),
            )
        } else {
            (
                true,
                format!(
                    "the steps reach the schema the migration as written reaches (and keep what the plan means to: {})",
                    list(&self.intended)
                ),
            )
        };
        Check {
            name,
            ok,
            detail,
            note: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// Statements of the migration.
    pub statements: usize,
    /// Of which run on SQLite.
    pub simulated: usize,
    /// "line N: reason" for the others.
    pub skipped: Vec<String>,
}

/// Rows per table before and after the migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCount {
    pub table: String,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    pub sqlite_version: String,
    /// The engine when it is not SQLite, e.g. "PostgreSQL 15.14 (a
    /// throwaway cluster)".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub engine: String,
    /// Every check passed.
    pub ok: bool,
    /// SQLite statements executed.
    pub executed: usize,
    pub skipped: Vec<Skipped>,
    /// The first statement SQLite rejected.
    pub failure: Option<Failure>,
    /// Tables in the database after the migration.
    pub tables: Vec<String>,
    pub checks: Vec<Check>,
    pub round_trip: Option<RoundTrip>,
    /// `--plan`: the plan against the migration as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_check: Option<PlanCheck>,
    pub coverage: Coverage,
    pub counts: Vec<TableCount>,
    pub rows: usize,
    pub seed: u64,
    /// On PostgreSQL: what each statement of the migration did, measured
    /// (each run in a transaction of its own on the sample rows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<Trace>,
    /// How long the engine took to start and to simulate, where measured
    /// (the PostgreSQL engines).
    #[serde(default, skip_serializing_if = "Timing::is_empty")]
    pub timing: Timing,
    /// With adversarial rows: what they break, column by column (or that
    /// the migration leaves nothing to break).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adversarial: Vec<String>,
}

/// Milliseconds, where an engine measured them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Timing {
    /// Loading and starting the engine (PGlite in the page: download,
    /// compile, initdb, and a copy of the fresh database for the trace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<f64>,
    /// The simulation itself: schema, rows, up, checks, down, up again
    /// (not the trace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulate_ms: Option<f64>,
}

impl Timing {
    fn is_empty(&self) -> bool {
        self.start_ms.is_none() && self.simulate_ms.is_none()
    }
}

/// One statement as PostgreSQL ran it: the relation locks its transaction
/// held, what was rewritten, how long it took, and whether that is what
/// the analysis predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub line: usize,
    /// The statement's first line.
    pub sql: String,
    /// Each relation locked, with the strongest mode held.
    pub locks: Vec<TracedLock>,
    /// Tables and indexes whose storage was rewritten (new relfilenode).
    pub rewrote: Vec<String>,
    pub ms: f64,
    /// What the analysis said: the lock on its table, and a rewrite.
    pub predicted: Option<Predicted>,
    /// `Some(true)` when the measured lock and rewrite are the predicted
    /// ones, `Some(false)` when not; `None` when there was nothing to
    /// compare (not traced, or no prediction).
    pub confirmed: Option<bool>,
    /// Why it was not traced, or how the measurement differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracedLock {
    pub relation: String,
    pub mode: crate::locks::PgLock,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predicted {
    pub table: String,
    pub lock: crate::locks::PgLock,
    pub rewrite: bool,
}

impl SimulationReport {
    /// A report with nothing run yet.
    pub fn empty(sqlite_version: String, rows: usize, seed: u64) -> SimulationReport {
        SimulationReport {
            sqlite_version,
            engine: String::new(),
            ok: true,
            executed: 0,
            skipped: Vec::new(),
            failure: None,
            tables: Vec::new(),
            checks: Vec::new(),
            round_trip: None,
            plan_check: None,
            coverage: Coverage::default(),
            counts: Vec::new(),
            rows,
            seed,
            trace: Vec::new(),
            timing: Timing::default(),
            adversarial: Vec::new(),
        }
    }
}

impl SimulationReport {
    /// The report of a simulation stopped from outside (the page's worker
    /// ended when a statement ran past its time or memory): where, and why.
    pub fn stopped(phase: Phase, line: usize, message: String, rows: usize, seed: u64) -> Self {
        let mut r = SimulationReport::empty(String::new(), rows, seed);
        r.ok = false;
        r.failure = Some(Failure {
            phase,
            statement: 0,
            line,
            column: 1,
            sql: String::new(),
            message: message.clone(),
            stopped: true,
        });
        r.checks.push(Check {
            name: "stopped".into(),
            ok: false,
            detail: format!("line {line}: {message}"),
            note: false,
        });
        r
    }
}

/// What to simulate besides the migration itself.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SimOptions {
    pub data: DataOptions,
    /// The user's down migration; the generated one when `None`.
    pub down: Option<String>,
    /// The user's own rows (INSERT statements in the migration's dialect),
    /// used instead of generated ones.
    pub rows_sql: Option<String>,
}

/// A table's fingerprint: row count and a checksum per column.
type Snapshot = BTreeMap<String, (i64, BTreeMap<String, u64>)>;

/// Runs schema, sample data and `migration` (then its down) on `engine`.
pub async fn run(engine: &mut dyn Engine, session: &Session) -> SimulationReport {
    simulate(
        engine,
        session,
        &SimOptions {
            data: DataOptions {
                rows: 0,
                ..DataOptions::default()
            },
            down: None,
            rows_sql: None,
        },
    )
    .await
}

/// A simulation whose schema is in place and whose rows are ready to
/// insert: what [`prepare`] returns, so a caller can insert the rows in
/// chunks (the page yields between them, shows progress and can cancel)
/// before [`complete`] runs the migration and the checks.
pub struct Prepared {
    report: SimulationReport,
    before: Catalog,
    /// Generated INSERT statements still to run.
    pub rows: Vec<crate::sample::Batch>,
    /// Tables already noted as left without sample rows.
    refused: BTreeSet<Option<String>>,
}

/// Runs the schema (and the user's own rows) and generates the sample
/// rows. A schema statement SQLite rejects is skipped with a note, as are
/// the user's rows it rejects: the simulation goes on with what exists,
/// and only the migration's own statements can fail it. `Err` only when
/// a limit stopped a statement.
pub async fn prepare(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
) -> Result<Prepared, Box<SimulationReport>> {
    let d = session.dialect();
    let sqlite_version = engine
        .sqlite_version()
        .await
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let mut r = SimulationReport::empty(sqlite_version, o.data.rows, o.data.seed);
    let _ = engine.execute("PRAGMA foreign_keys=ON").await;
    let mut model = Catalog::default();
    let schema_t = translate_statements(d, session.schema(), &mut model);
    let before = model.clone();
    if !run_skipping(engine, &schema_t, Phase::Schema, &mut r).await {
        return Err(Box::new(finish(engine, r).await));
    }
    let demands = Demands::between(&before, session.after());
    let mut rows = Vec::new();
    if let Some(own) = o.rows_sql.as_deref().filter(|x| !x.trim().is_empty()) {
        let data_t = translate(d, own, &mut before.clone());
        if !run_skipping(engine, &data_t, Phase::Data, &mut r).await {
            return Err(Box::new(finish(engine, r).await));
        }
    } else if o.data.rows > 0 {
        let taken = taken(engine, &before).await;
        rows = crate::sample::batches_after(&before, &demands, &o.data, &taken);
        if o.data.adversarial {
            r.adversarial = demands.adversarial_rows(o.data.rows);
        }
    }
    Ok(Prepared {
        report: r,
        before,
        rows,
        refused: BTreeSet::new(),
    })
}

/// Inserts one batch of sample rows. A batch SQLite refuses leaves its
/// table without those rows, with a note (once per table), and the rest
/// go on; `Err` only when a limit stopped it.
pub async fn insert_rows(
    engine: &mut dyn Engine,
    p: &mut Prepared,
    batch: &crate::sample::Batch,
) -> Result<(), Box<SimulationReport>> {
    match engine.execute(&batch.sql).await {
        Ok(_) => {
            p.report.executed += 1;
            Ok(())
        }
        Err(crate::engine::EngineError::Stopped(stop)) => {
            let mut r = p.report.clone();
            r.failure = Some(Failure {
                phase: Phase::Data,
                statement: 0,
                line: 0,
                column: 0,
                sql: String::new(),
                message: stop.to_string(),
                stopped: true,
            });
            r.checks.push(Check {
                name: "sample data".into(),
                ok: false,
                detail: format!("inserting the sample rows was {stop}"),
                note: false,
            });
            Err(Box::new(finish(engine, r).await))
        }
        Err(e) => {
            if p.refused.insert(batch.table.clone()) {
                p.report.skipped.push(Skipped {
                    phase: Phase::Data,
                    line: 0,
                    reason: format!(
                        "no sample rows for {}: {e}",
                        batch.table.as_deref().unwrap_or("a table")
                    ),
                });
            }
            Ok(())
        }
    }
}

/// [`prepare`], then every sample row inserted at once.
async fn prepare_with_rows(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Prepared, Box<SimulationReport>> {
    let mut p = prepare(engine, session, o).await?;
    let rows = std::mem::take(&mut p.rows);
    let total = rows.len();
    for (i, batch) in rows.iter().enumerate() {
        insert_rows(engine, &mut p, batch).await?;
        progress(i + 1, total);
    }
    Ok(p)
}

/// The full simulation with its checks.
pub async fn simulate(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
) -> SimulationReport {
    simulate_with_progress(engine, session, o, &mut |_, _| {}).await
}

/// [`simulate`], telling `progress` (batches of sample rows inserted, of
/// how many) as the rows go in.
pub async fn simulate_with_progress(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> SimulationReport {
    match prepare_with_rows(engine, session, o, progress).await {
        Ok(p) => complete(engine, session, o, p).await,
        Err(r) => *r,
    }
}

/// The migration, the checks and the rollback, once the rows are in.
pub async fn complete(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    p: Prepared,
) -> SimulationReport {
    let Prepared {
        report: mut r,
        before,
        ..
    } = p;
    let after = session.after();
    let snap_before = snapshot(engine, &before).await;
    // 3. Up.
    let mut scratch = before.clone();
    let up_t = translate_statements(session.dialect(), session.migration(), &mut scratch);
    if !checks::up_applies(engine, &up_t, o, &mut r).await {
        return finish(engine, r).await;
    }
    // 4. The schema SQLite has now is the one the model expects.
    checks::schema_after_up(engine, session, &mut r).await;
    // 5. Data preserved: every change is one the migration makes.
    let snap_after = snapshot(engine, after).await;
    checks::data_preserved(session, &before, &snap_before, &snap_after, &mut r);
    // 6. Integrity.
    checks::integrity(engine, &mut r).await;
    // 7. A second run must not change the data again.
    checks::second_run(engine, &up_t, after, &snap_after, &mut r).await;
    // 8. Down.
    checks::down_restores(engine, session, o, &before, &snap_before, &mut r).await;
    finish(engine, r).await
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        return "nothing".into();
    }
    let mut s = v.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > 8 {
        s.push_str(&format!(" and {} more", v.len() - 8));
    }
    s
}

fn failure_line(r: &SimulationReport) -> String {
    r.failure
        .as_ref()
        .map(|f| format!("line {}, column {}: {}", f.line, f.column, f.message))
        .unwrap_or_default()
}

/// What a statement SQLite rejects does to the run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnError {
    /// The migration's own statements: the first error is the failure.
    Fail,
    /// The schema and the user's rows: skipped with a note naming the
    /// line; only a limit stops the run.
    Skip,
}

/// Runs translated statements; false at the first error (recorded).
async fn run_all(
    engine: &mut dyn Engine,
    ts: &[Translated],
    phase: Phase,
    r: &mut SimulationReport,
) -> bool {
    run_translated(engine, ts, phase, r, OnError::Fail).await
}

/// Runs the schema's (or the user's rows') translated statements: one
/// SQLite rejects is skipped with a note naming its line and the reason;
/// false only when a limit stopped a statement (recorded as the failure).
async fn run_skipping(
    engine: &mut dyn Engine,
    ts: &[Translated],
    phase: Phase,
    r: &mut SimulationReport,
) -> bool {
    run_translated(engine, ts, phase, r, OnError::Skip).await
}

async fn run_translated(
    engine: &mut dyn Engine,
    ts: &[Translated],
    phase: Phase,
    r: &mut SimulationReport,
    on_error: OnError,
) -> bool {
    for (i, t) in ts.iter().enumerate() {
        if !t.simulated {
            r.skipped.push(Skipped {
                phase,
                line: t.line,
                reason: t.note.clone().unwrap_or_default(),
            });
            continue;
        }
        engine.starting(phase, t.line);
        for sql in &t.sqlite {
            let error = match engine.execute(sql).await {
                Ok(_) => {
                    r.executed += 1;
                    continue;
                }
                Err(e) => e,
            };
            let stopped = matches!(error, crate::engine::EngineError::Stopped(_));
            if on_error == OnError::Skip && !stopped {
                r.skipped.push(Skipped {
                    phase,
                    line: t.line,
                    reason: crate::translate::in_user_terms(&format!("not simulated: {error}")),
                });
                break;
            }
            r.ok = false;
            r.failure = Some(Failure {
                phase,
                statement: i,
                line: t.line,
                column: t.column,
                sql: t.source.clone(),
                message: crate::translate::in_user_terms(&error.to_string()),
                stopped,
            });
            return false;
        }
    }
    true
}

/// The rows the schema itself inserted, per table (the largest integer
/// key, or the row count), so generated rows are numbered after them. The
/// same query runs on SQLite and PostgreSQL.
pub async fn taken(engine: &mut dyn Engine, before: &Catalog) -> crate::sample::Taken {
    let mut taken = crate::sample::Taken::new();
    for table in before.tables.values().filter(|t| t.columns_known) {
        let integer_key = table
            .primary_key()
            .map(|k| k.kind.columns())
            .filter(|columns| columns.len() == 1)
            .and_then(|columns| table.columns.iter().find(|c| c.name == columns[0]))
            .filter(|c| {
                affinity(&crate::translate::sqlite_type(&c.data_type, before).0) == "INTEGER"
            });
        let largest = match integer_key {
            Some(column) => format!(
                ", CAST(max({}) AS TEXT)",
                ddl::ident(&column.name, Dialect::Sqlite)
            ),
            None => String::new(),
        };
        let sql = format!(
            "SELECT CAST(count(*) AS TEXT){largest} FROM {}",
            ddl::name(&table.name, Dialect::Sqlite)
        );
        let used = rows_of(engine, &sql)
            .await
            .into_iter()
            .flatten()
            .filter_map(|cell| cell.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        if used > 0 {
            taken.insert(table.name.clone(), used);
        }
    }
    taken
}

async fn finish(engine: &mut dyn Engine, mut r: SimulationReport) -> SimulationReport {
    r.tables = rows_of(
        engine,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    ).await
    .into_iter()
    .filter_map(|row| row.into_iter().next())
    // A rebuild that failed leaves its staging table: migplan's, not yours.
    .filter(|name| !crate::translate::is_staging(name))
    .collect();
    r.ok = r.failure.is_none() && r.checks.iter().all(|c| c.ok);
    r
}

async fn rows_of(engine: &mut dyn Engine, sql: &str) -> Vec<Vec<String>> {
    engine
        .execute(sql)
        .await
        .map(|sets| {
            sets.into_iter()
                .flat_map(|s| s.rows)
                .map(|row| row.into_iter().map(|v| text(&v)).collect())
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!(
            "x'{}'",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affinity_follows_sqlite_rules() {
        for (decl, a) in [
            ("INTEGER", "INTEGER"),
            ("bigint", "INTEGER"),
            ("VARCHAR(255)", "TEXT"),
            ("TEXT", "TEXT"),
            ("BLOB", "BLOB"),
            ("", "BLOB"),
            ("DOUBLE PRECISION", "REAL"),
            ("NUMERIC", "NUMERIC"),
            ("DATETIME", "NUMERIC"),
            ("BOOLEAN", "NUMERIC"),
        ] {
            assert_eq!(affinity(decl), a, "{decl}");
        }
    }

    #[test]
    fn entries_name_their_table() {
        for (e, t) in [
            ("table users", "users"),
            ("column users.name", "users"),
            ("not null users.name", "users"),
            ("index users_name_idx on users", "users"),
            ("type users.name: TEXT", "users"),
            ("default users.created_at", "users"),
        ] {
            assert_eq!(entry_table(e), t, "{e}");
        }
    }

    #[test]
    fn the_model_expects_translated_types_and_defaults() {
        let c = Catalog::build(&crate::parse_source(
            "CREATE TABLE t (id serial PRIMARY KEY, n numeric(10,2) DEFAULT 0, s varchar(9), at timestamptz DEFAULT now());",
            Dialect::Postgres,
        ));
        let m = model_types(&c, Dialect::Postgres);
        for e in [
            "type t.id: INTEGER",
            "type t.n: NUMERIC",
            "default t.n",
            "type t.s: TEXT",
            "default t.at",
        ] {
            assert!(m.contains(e), "{e} not in {m:?}");
        }
        assert!(
            !m.contains("default t.id"),
            "a sequence is not a default in SQLite"
        );
    }
}
