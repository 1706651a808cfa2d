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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundTrip {
    pub schema_equal: bool,
    pub data_equal: bool,
    /// What the rollback did not bring back (`table.column`, `table`).
    pub lost: Vec<String>,
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
    pub coverage: Coverage,
    pub counts: Vec<TableCount>,
    pub rows: usize,
    pub seed: u64,
}

impl SimulationReport {
    /// A report with nothing run yet.
    fn empty(sqlite_version: String, rows: usize, seed: u64) -> SimulationReport {
        SimulationReport {
            sqlite_version,
            ok: true,
            executed: 0,
            skipped: Vec::new(),
            failure: None,
            tables: Vec::new(),
            checks: Vec::new(),
            round_trip: None,
            coverage: Coverage::default(),
            counts: Vec::new(),
            rows,
            seed,
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
pub fn run(engine: &mut dyn Engine, session: &Session) -> SimulationReport {
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
}

/// A simulation whose schema is in place and whose rows are ready to
/// insert: what [`prepare`] returns, so a caller can insert the rows in
/// chunks (the page yields between them, shows progress and can cancel)
/// before [`complete`] runs the migration and the checks.
pub struct Prepared {
    report: SimulationReport,
    before: Catalog,
    /// Generated INSERT statements still to run.
    pub rows: Vec<String>,
}

/// Runs the schema (and the user's own rows) and generates the sample rows.
pub fn prepare(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
) -> Result<Prepared, Box<SimulationReport>> {
    let d = session.dialect();
    let sqlite_version = engine
        .sqlite_version()
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let mut r = SimulationReport::empty(sqlite_version, o.data.rows, o.data.seed);
    let _ = engine.execute("PRAGMA foreign_keys=ON");
    let mut model = Catalog::default();
    let schema_t = translate_statements(d, session.schema(), &mut model);
    let before = model.clone();
    if !run_all(engine, &schema_t, Phase::Schema, &mut r) {
        r.checks.push(Check {
            name: "schema applies".into(),
            ok: false,
            detail: failure_line(&r),
        });
        return Err(Box::new(finish(engine, r)));
    }
    let demands = Demands::between(&before, session.after());
    let mut rows = Vec::new();
    if let Some(own) = o.rows_sql.as_deref().filter(|x| !x.trim().is_empty()) {
        let data_t = translate(d, own, &mut before.clone());
        if !run_all(engine, &data_t, Phase::Data, &mut r) {
            r.checks.push(Check {
                name: "your rows".into(),
                ok: false,
                detail: format!("SQLite rejected your rows: {}", failure_line(&r)),
            });
            return Err(Box::new(finish(engine, r)));
        }
    } else if o.data.rows > 0 {
        rows = crate::sample::generate(&before, &demands, &o.data);
    }
    Ok(Prepared {
        report: r,
        before,
        rows,
    })
}

/// Inserts one batch of sample rows.
pub fn insert_rows(
    engine: &mut dyn Engine,
    p: &mut Prepared,
    sql: &str,
) -> Result<(), Box<SimulationReport>> {
    match engine.execute(sql) {
        Ok(_) => {
            p.report.executed += 1;
            Ok(())
        }
        Err(e) => {
            let mut r = p.report.clone();
            r.checks.push(Check {
                name: "sample data".into(),
                ok: false,
                detail: format!("SQLite rejected the sample rows: {e}"),
            });
            r.failure = Some(Failure {
                phase: Phase::Data,
                statement: 0,
                line: 0,
                column: 0,
                sql: sql.chars().take(300).collect(),
                message: e.to_string(),
                stopped: matches!(e, crate::engine::EngineError::Stopped(_)),
            });
            Err(Box::new(finish(engine, r)))
        }
    }
}

/// [`prepare`], then every sample row inserted at once.
fn prepare_with_rows(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Prepared, Box<SimulationReport>> {
    let mut p = prepare(engine, session, o)?;
    let rows = std::mem::take(&mut p.rows);
    let total = rows.len();
    for (i, sql) in rows.iter().enumerate() {
        insert_rows(engine, &mut p, sql)?;
        progress(i + 1, total);
    }
    Ok(p)
}

/// The full simulation with its checks.
pub fn simulate(engine: &mut dyn Engine, session: &Session, o: &SimOptions) -> SimulationReport {
    simulate_with_progress(engine, session, o, &mut |_, _| {})
}

/// [`simulate`], telling `progress` (batches of sample rows inserted, of
/// how many) as the rows go in.
pub fn simulate_with_progress(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> SimulationReport {
    match prepare_with_rows(engine, session, o, progress) {
        Ok(p) => complete(engine, session, o, p),
        Err(r) => *r,
    }
}

/// The migration, the checks and the rollback, once the rows are in.
pub fn complete(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    p: Prepared,
) -> SimulationReport {
    let d = session.dialect();
    let Prepared {
        report: mut r,
        before,
        ..
    } = p;
    let after = session.after();
    let snap_before = snapshot(engine, &before);
    // 3. Up.
    let mut scratch = before.clone();
    let up_t = translate_statements(d, session.migration(), &mut scratch);
    r.coverage = Coverage {
        statements: up_t.len(),
        simulated: up_t.iter().filter(|t| t.simulated).count(),
        skipped: up_t
            .iter()
            .filter(|t| !t.simulated)
            .map(|t| format!("line {}: {}", t.line, t.note.clone().unwrap_or_default()))
            .collect(),
    };
    let up_ok = run_all(engine, &up_t, Phase::Migration, &mut r);
    if up_ok && r.coverage.simulated == 0 && r.coverage.statements > 0 {
        // A simulation that ran none of the migration proves nothing.
        r.checks.push(Check {
            name: "up applies".into(),
            ok: false,
            detail: format!(
                "nothing was simulated: none of the migration's {} statements could run on SQLite",
                r.coverage.statements
            ),
        });
        return finish(engine, r);
    }
    r.checks.push(Check {
        name: "up applies".into(),
        ok: up_ok,
        detail: if up_ok {
            format!(
                "{} of {} statements run on SQLite {} with {} rows per table{}",
                r.coverage.simulated,
                r.coverage.statements,
                r.sqlite_version,
                o.data.rows,
                if r.coverage.skipped.is_empty() {
                    String::new()
                } else {
                    format!("; {} not simulated", r.coverage.skipped.len())
                }
            )
        } else {
            failure_line(&r)
        },
    });
    if !up_ok {
        return finish(engine, r);
    }
    // 4. The schema SQLite has now is the one the model expects: tables,
    // columns, NOT NULL, indexes, each column's type (as SQLite's affinity)
    // and whether it has a default. Tables whose columns the model cannot
    // know (CREATE TABLE … AS) are left out.
    let opaque: BTreeSet<String> = after
        .tables
        .values()
        .filter(|t| !t.columns_known)
        .map(|t| t.name.to_lowercase())
        .collect();
    let actual: BTreeSet<String> = read_structure(engine, true)
        .into_iter()
        .filter(|e| !opaque.contains(entry_table(e)))
        .collect();
    let mut expected = shape(after);
    expected.extend(model_types(after, d));
    let missing: Vec<String> = expected.difference(&actual).cloned().collect();
    let extra: Vec<String> = actual.difference(&expected).cloned().collect();
    r.checks.push(Check {
        name: "schema after up".into(),
        ok: missing.is_empty() && extra.is_empty(),
        detail: if missing.is_empty() && extra.is_empty() {
            format!(
                "{} tables, columns, types, defaults and indexes as expected",
                expected.len()
            )
        } else {
            format!(
                "expected but missing: {}; not expected: {}",
                list(&missing),
                list(&extra)
            )
        },
    });
    // 5. Data preserved.
    let snap_after = snapshot(engine, after);
    r.counts = before
        .tables
        .keys()
        .chain(after.tables.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|t| TableCount {
            table: t.clone(),
            before: snap_before.get(t).map(|s| s.0),
            after: snap_after.get(t).map(|s| s.0),
        })
        .collect();
    let changed = data_changes(&snap_before, &snap_after);
    let loses = changed.iter().any(DataChange::loses);
    let changed: Vec<String> = changed.iter().map(ToString::to_string).collect();
    r.checks.push(Check {
        name: "data preserved".into(),
        ok: true,
        detail: if changed.is_empty() {
            "every row and value of every table is unchanged".into()
        } else {
            format!(
                "{}{}",
                changed.join("; "),
                if !loses {
                    String::new()
                } else {
                    " (as the migration intends: check it is what you want)".into()
                }
            )
        },
    });
    // 6. Integrity.
    let orphans = rows_of(engine, "PRAGMA foreign_key_check");
    r.checks.push(Check {
        name: "integrity".into(),
        ok: orphans.is_empty(),
        detail: if orphans.is_empty() {
            "no foreign key violations (PRAGMA foreign_key_check)".into()
        } else {
            format!(
                "{} rows violate foreign keys, e.g. {}",
                orphans.len(),
                orphans
                    .iter()
                    .take(3)
                    .map(|r| r.join(" "))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
    });
    // 7. Idempotency: a second run, undone.
    let _ = engine.execute("SAVEPOINT migplan_again");
    // PRAGMA foreign_keys=OFF is ignored in a transaction: rebuilds inside
    // need the checks deferred to the end of it instead.
    let _ = engine.execute("PRAGMA defer_foreign_keys=ON");
    let mut probe = SimulationReport {
        failure: None,
        skipped: Vec::new(),
        ..r.clone()
    };
    let again_ok = run_all(engine, &up_t, Phase::Migration, &mut probe);
    let _ = engine.execute("ROLLBACK TO migplan_again");
    let _ = engine.execute("RELEASE migplan_again");
    r.checks.push(Check {
        name: "second run".into(),
        ok: true,
        detail: if again_ok {
            "running up again succeeds (idempotent)".into()
        } else {
            format!(
                "running up again fails: {}",
                probe
                    .failure
                    .map(|f| format!("line {}: {}", f.line, f.message))
                    .unwrap_or_default()
            )
        },
    });
    // 8. Down.
    let generated = rollback::generate(session);
    // `table.column` the generated rollback says it cannot bring back.
    let declared: BTreeSet<String> = generated
        .steps
        .iter()
        .flat_map(|s| s.inverse.lost())
        .filter_map(rollback::Lost::column)
        .collect();
    let down_sql = o.down.clone().unwrap_or(generated.sql);
    let mut down_model = after.clone();
    let down_t = translate(d, &down_sql, &mut down_model);
    let down_ok = run_all(engine, &down_t, Phase::Down, &mut r);
    if !down_ok {
        r.checks.push(Check {
            name: "down restores".into(),
            ok: false,
            detail: format!(
                "the {} down migration fails: {}",
                if o.down.is_some() {
                    "given"
                } else {
                    "generated"
                },
                failure_line(&r)
            ),
        });
        return finish(engine, r);
    }
    let restored = read_schema(engine);
    let want = shape(&before);
    let schema_equal = restored == want;
    let snap_down = snapshot(engine, &before);
    let mut lost_after_down = Vec::new();
    for (t, (count, cols)) in &snap_before {
        match snap_down.get(t) {
            None => lost_after_down.push(t.clone()),
            Some((c2, cols2)) => {
                if c2 != count {
                    lost_after_down.push(format!("{t} ({count} rows before, {c2} after down)"));
                }
                for (c, sum) in cols {
                    if cols2.get(c) != Some(sum) {
                        lost_after_down.push(format!("{t}.{c}"));
                    }
                }
            }
        }
    }
    r.round_trip = Some(RoundTrip {
        schema_equal,
        data_equal: lost_after_down.is_empty(),
        lost: lost_after_down.clone(),
    });
    let schema_diff: Vec<String> = want.symmetric_difference(&restored).cloned().collect();
    // The generated down may differ where it says it is lossy: a column
    // whose values are gone comes back NULL-able.
    let explained = o.down.is_none()
        && schema_diff.iter().all(|entry| {
            let target = entry.rsplit(' ').next().unwrap_or("");
            declared.contains(target) || lost_after_down.iter().any(|l| l == target)
        });
    r.checks.push(Check {
        name: "down restores".into(),
        ok: schema_equal || explained,
        detail: match (schema_equal, lost_after_down.is_empty()) {
            (true, true) => "schema and every value are back as before".into(),
            (true, false) => format!(
                "schema is back; data not restored: {}",
                list(&lost_after_down)
            ),
            (false, _) if explained => format!(
                "schema is back except what the generated rollback says is lost: {}; data not restored: {}",
                list(&schema_diff),
                list(&lost_after_down)
            ),
            (false, _) => format!("schema differs from before: {}", list(&schema_diff)),
        },
    });
    finish(engine, r)
}

/// How the data of one table or column differs after the migration.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DataChange {
    TableGone {
        table: String,
        rows: i64,
    },
    RowCount {
        table: String,
        before: i64,
        after: i64,
    },
    ValuesChanged {
        table: String,
        column: String,
    },
    /// A renamed column: every value is under its new name.
    Moved {
        table: String,
        from: String,
        to: String,
        rows: i64,
    },
    ColumnGone {
        table: String,
        column: String,
        rows: i64,
    },
}

impl DataChange {
    /// Whether values are gone or different (a move loses nothing).
    fn loses(&self) -> bool {
        !matches!(self, DataChange::Moved { .. })
    }
}

impl std::fmt::Display for DataChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataChange::TableGone { table, rows } => {
                write!(f, "table {table} ({rows} rows) is gone")
            }
            DataChange::RowCount {
                table,
                before,
                after,
            } => write!(f, "{table}: {before} rows before, {after} after"),
            DataChange::ValuesChanged { table, column } => {
                write!(f, "{table}.{column}: values changed")
            }
            DataChange::Moved {
                table,
                from,
                to,
                rows,
            } => write!(
                f,
                "{table}.{from}: {rows} values now in {table}.{to}, 0 lost"
            ),
            DataChange::ColumnGone {
                table,
                column,
                rows,
            } => write!(f, "{table}.{column}: column gone ({rows} values)"),
        }
    }
}

/// Every difference between two snapshots of the data.
fn data_changes(before: &Snapshot, after: &Snapshot) -> Vec<DataChange> {
    let mut changes = Vec::new();
    for (table, (count, cols)) in before {
        let Some((count_after, cols_after)) = after.get(table) else {
            changes.push(DataChange::TableGone {
                table: table.clone(),
                rows: *count,
            });
            continue;
        };
        if count != count_after {
            changes.push(DataChange::RowCount {
                table: table.clone(),
                before: *count,
                after: *count_after,
            });
        }
        for (column, sum) in cols {
            match cols_after.get(column) {
                Some(s) if s == sum => {}
                Some(_) => changes.push(DataChange::ValuesChanged {
                    table: table.clone(),
                    column: column.clone(),
                }),
                // A renamed column keeps its values under its new name.
                None => match cols_after
                    .iter()
                    .find(|(name, s)| *s == sum && !cols.contains_key(*name))
                {
                    Some((to, _)) => changes.push(DataChange::Moved {
                        table: table.clone(),
                        from: column.clone(),
                        to: to.clone(),
                        rows: *count,
                    }),
                    None => changes.push(DataChange::ColumnGone {
                        table: table.clone(),
                        column: column.clone(),
                        rows: *count,
                    }),
                },
            }
        }
    }
    changes
}

/// How one up/down pair of a migration history fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    /// Up then down left the schema exactly as before.
    pub exact: bool,
    /// Why not: `up: ...`, `down: ...` or `schema differs: ...`.
    pub reason: Option<String>,
    /// Statements that could not be simulated in up or down.
    pub not_simulated: usize,
    /// Why each of those could not be.
    pub skipped: Vec<String>,
    /// What the schema model (not SQLite) says the down leaves different
    /// from before the up; empty when the down restores it.
    pub model_diff: Vec<String>,
    /// A table or column the failing statement names that the schema model
    /// does not have at that point either: the source SQL's own mistake.
    pub model_lacks: Option<String>,
}

/// Why a pair of a real history does not round-trip on SQLite, or that it
/// does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PairOutcome {
    Exact,
    /// The pair uses what SQLite cannot run (named).
    Untranslatable(String),
    /// The down does not undo the up, by the schema model too: a lossy or
    /// incomplete down, or none at all.
    LossyDown(String),
    /// It fails on what an earlier pair of the history could not create.
    AfterEarlierFailure,
    /// A SQLite history's own SQL fails on SQLite (nothing was translated).
    FailsOnSqlite(String),
    /// The up or down names a table or column that does not exist at that
    /// point of the history: it would fail on the source database too.
    Broken(String),
    /// Not explained: a gap in the translation to look at.
    Unexplained(String),
}

impl PairOutcome {
    /// The group this outcome counts in.
    pub fn group(&self) -> String {
        match self {
            PairOutcome::Exact => "round-trips".into(),
            PairOutcome::Untranslatable(w) => format!("untranslatable: {w}"),
            PairOutcome::LossyDown(w) => format!("lossy down: {w}"),
            PairOutcome::AfterEarlierFailure => {
                "fails on an object an earlier untranslatable migration could not create".into()
            }
            PairOutcome::Broken(w) => format!("broken in the source too: {w}"),
            PairOutcome::FailsOnSqlite(w) => format!("the SQLite file itself fails on SQLite: {w}"),
            PairOutcome::Unexplained(w) => format!("unexplained: {w}"),
        }
    }
}

/// Explains `r`, the round trip of one pair; `earlier_failed` says whether
/// an earlier pair of the same history could not be applied in full.
pub fn explain_pair(r: &PairResult, d: Dialect, earlier_failed: bool) -> PairOutcome {
    if r.exact {
        return PairOutcome::Exact;
    }
    let reason = r.reason.clone().unwrap_or_default();
    let message = reason.split_once(": ").map_or(reason.as_str(), |(_, m)| m);
    if let Some(f) = message.strip_prefix("no such function: ") {
        return PairOutcome::Untranslatable(format!(
            "function {} has no SQLite equivalent",
            f.trim().to_lowercase()
        ));
    }
    if message.starts_with("unknown function") {
        return PairOutcome::Untranslatable(format!("{message} (no SQLite equivalent)"));
    }
    if !r.skipped.is_empty() {
        let mut kinds: Vec<String> = r
            .skipped
            .iter()
            .map(|n| {
                let n = n.trim_start_matches("not simulated: ");
                let n = n.split(';').next().unwrap_or(n).trim();
                if n.starts_with("Expected") {
                    format!("a statement sqlparser does not read ({n})")
                } else {
                    n.to_string()
                }
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        return PairOutcome::Untranslatable(kinds.join(", "));
    }
    let missing = [
        "no such table",
        "no such column",
        "no such index",
        "no such view",
    ]
    .iter()
    .any(|m| message.starts_with(m));
    if missing && earlier_failed {
        return PairOutcome::AfterEarlierFailure;
    }
    if let Some(what) = &r.model_lacks {
        let phase = reason.split(':').next().unwrap_or("");
        return PairOutcome::Broken(format!(
            "the {phase} names {what}, which does not exist at that point"
        ));
    }
    if d == Dialect::Sqlite && (reason.starts_with("up:") || reason.starts_with("down:")) {
        return PairOutcome::FailsOnSqlite(reason);
    }
    if reason == "down is empty" {
        return PairOutcome::LossyDown("the down does nothing".into());
    }
    if reason.starts_with("schema differs") && !r.model_diff.is_empty() {
        return PairOutcome::LossyDown(format!(
            "the down does not restore {}",
            list(&r.model_diff)
        ));
    }
    PairOutcome::Unexplained(reason)
}

/// Runs `up` then `down` on `engine` (which holds the earlier migrations
/// of the history, as `model` describes them), checks the schema is back,
/// then applies `up` again so the history can go on.
pub fn round_trip_pair(
    engine: &mut dyn Engine,
    d: Dialect,
    model: &mut Catalog,
    up: &str,
    down: &str,
) -> PairResult {
    let mut scratch = SimulationReport::empty(String::new(), 0, 0);
    let before = read_schema(engine);
    let mut after = model.clone();
    let up_t = translate(d, up, &mut after);
    let mut down_model = after.clone();
    let down_t = translate(d, down, &mut down_model);
    let skipped: Vec<String> = up_t
        .iter()
        .chain(&down_t)
        .filter(|t| !t.simulated)
        .map(|t| t.note.clone().unwrap_or_default())
        .collect();
    // In the terms SQLite is compared in (tables, columns, NOT NULL,
    // indexes), so generated constraint names do not count.
    let model_diff: Vec<String> = shape(model)
        .symmetric_difference(&shape(&down_model))
        .cloned()
        .collect();
    let mut result = PairResult {
        exact: false,
        reason: None,
        not_simulated: skipped.len(),
        skipped,
        model_diff,
        model_lacks: None,
    };
    // Try the pair inside a savepoint, then undo it and apply up for real
    // so that the history goes on from a known state.
    let _ = engine.execute("SAVEPOINT migplan_pair");
    // PRAGMA foreign_keys=OFF is ignored in a transaction: rebuilds inside
    // need the checks deferred to the end of it instead.
    let _ = engine.execute("PRAGMA defer_foreign_keys=ON");
    let lacks = |message: &str, model: &Catalog| -> Option<String> {
        let name = |m: &str| {
            m.trim()
                .trim_matches('"')
                .trim_start_matches("main.")
                .to_lowercase()
        };
        if let Some(t) = message.strip_prefix("no such table: ") {
            let t = name(t);
            return model.table(&t).is_none().then(|| format!("table {t}"));
        }
        if let Some(c) = message.strip_prefix("no such column: ") {
            let c = name(c);
            let known = model.tables.values().any(|t| t.column(&c).is_some());
            return (!known).then(|| format!("column {c}"));
        }
        None
    };
    if !run_all(engine, &up_t, Phase::Migration, &mut scratch) {
        let f = scratch.failure.take();
        result.model_lacks = f.as_ref().and_then(|f| lacks(&f.message, model));
        result.reason = f.map(|f| format!("up: {}", f.message));
    } else if !run_all(engine, &down_t, Phase::Down, &mut scratch) {
        let f = scratch.failure.take();
        result.model_lacks = f.as_ref().and_then(|f| lacks(&f.message, &after));
        result.reason = f.map(|f| format!("down: {}", f.message));
    } else {
        let now = read_schema(engine);
        if now == before {
            result.exact = true;
        } else if down_t.iter().all(|t| t.sqlite.is_empty()) {
            result.reason = Some("down is empty".into());
        } else {
            let diff: Vec<String> = before.symmetric_difference(&now).cloned().collect();
            result.reason = Some(format!("schema differs: {}", list(&diff)));
        }
    }
    let _ = engine.execute("ROLLBACK TO migplan_pair");
    let _ = engine.execute("RELEASE migplan_pair");
    // The history goes on with as much of the up as SQLite accepts, so one
    // untranslatable statement does not stop everything after it.
    for t in up_t.iter().filter(|t| t.simulated) {
        for sql in &t.sqlite {
            let _ = engine.execute(sql);
        }
    }
    *model = after;
    result
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

/// Runs translated statements; false at the first error (recorded).
fn run_all(
    engine: &mut dyn Engine,
    ts: &[Translated],
    phase: Phase,
    r: &mut SimulationReport,
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
            match engine.execute(sql) {
                Ok(_) => r.executed += 1,
                Err(e) => {
                    r.ok = false;
                    r.failure = Some(Failure {
                        phase,
                        statement: i,
                        line: t.line,
                        column: t.column,
                        sql: t.source.clone(),
                        message: e.to_string(),
                        stopped: matches!(e, crate::engine::EngineError::Stopped(_)),
                    });
                    return false;
                }
            }
        }
    }
    true
}

fn finish(engine: &mut dyn Engine, mut r: SimulationReport) -> SimulationReport {
    r.tables = rows_of(
        engine,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .into_iter()
    .filter_map(|row| row.into_iter().next())
    .collect();
    r.ok = r.failure.is_none() && r.checks.iter().all(|c| c.ok);
    r
}

fn rows_of(engine: &mut dyn Engine, sql: &str) -> Vec<Vec<String>> {
    engine
        .execute(sql)
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

/// Row counts and per-column checksums of every table of the model that
/// exists in the database.
fn snapshot(engine: &mut dyn Engine, model: &Catalog) -> Snapshot {
    let mut out = Snapshot::new();
    let present: BTreeSet<String> = rows_of(
        engine,
        "SELECT name FROM sqlite_master WHERE type = 'table'",
    )
    .into_iter()
    .filter_map(|r| r.into_iter().next())
    .collect();
    for t in model.tables.values() {
        if !present.contains(crate::names::last(&t.name)) {
            continue;
        }
        let tq = ddl::name(&t.name, Dialect::Sqlite);
        let pk = t
            .primary_key()
            .map(|k| k.kind.columns().to_vec())
            .unwrap_or_default();
        let order = if pk.is_empty() {
            "rowid".to_string()
        } else {
            ddl::columns(&pk, Dialect::Sqlite)
        };
        let cols: Vec<String> = rows_of(
            engine,
            &format!(
                "SELECT name FROM pragma_table_info({})",
                ddl::literal(crate::names::last(&t.name))
            ),
        )
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .collect();
        if cols.is_empty() {
            continue;
        }
        // One row back per table: the count and, per column, every value
        // quoted and joined in key order, hashed here. (Fetching the rows
        // one by one costs far more through sql.js.)
        let aggregates = cols
            .iter()
            .map(|c| {
                format!(
                    "group_concat(quote({}), char(30))",
                    ddl::ident(c, Dialect::Sqlite)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let inner = cols
            .iter()
            .map(|c| ddl::ident(c, Dialect::Sqlite))
            .collect::<Vec<_>>()
            .join(", ");
        let Ok(sets) = engine.execute(&format!(
            "SELECT count(*), {aggregates} FROM (SELECT {inner} FROM {tq} ORDER BY {order})"
        )) else {
            continue;
        };
        let Some(row) = sets.into_iter().flat_map(|s| s.rows).next() else {
            continue;
        };
        let count = match row.first() {
            Some(Value::Integer(n)) => *n,
            _ => 0,
        };
        let sums: Vec<u64> = row
            .iter()
            .skip(1)
            .map(|v| {
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in text(v).bytes() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x100_0000_01b3);
                }
                h
            })
            .collect();
        out.insert(
            t.name.clone(),
            (count, cols.into_iter().zip(sums).collect()),
        );
    }
    out
}

/// The user's tables in the database, lower-cased.
fn user_tables(engine: &mut dyn Engine) -> Vec<String> {
    rows_of(
        engine,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .into_iter()
    .filter_map(|r| r.into_iter().next())
    .map(|t| t.to_lowercase())
    .collect()
}

/// `PRAGMA table_info` of `t`: name, type, notnull, dflt_value, pk.
fn table_info(engine: &mut dyn Engine, t: &str) -> Vec<Vec<String>> {
    rows_of(
        engine,
        &format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info({})",
            ddl::literal(t)
        ),
    )
}

/// The structure SQLite reports: `table`, `table.column`, `table.column not
/// null`, `index name on table`.
fn read_schema(engine: &mut dyn Engine) -> BTreeSet<String> {
    read_structure(engine, false)
}

/// [`read_schema`], and with `types` each column's affinity (`type t.c:
/// INTEGER`) and whether it has a default (`default t.c`), from the same
/// reading of each table.
fn read_structure(engine: &mut dyn Engine, types: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in user_tables(engine) {
        out.insert(format!("table {t}"));
        for row in table_info(engine, &t) {
            if let [name, ty, notnull, default, pk] = row.as_slice() {
                let name = name.to_lowercase();
                out.insert(format!("column {t}.{name}"));
                if notnull == "1" || pk != "0" {
                    out.insert(format!("not null {t}.{name}"));
                }
                if types {
                    out.insert(format!("type {t}.{name}: {}", affinity(ty)));
                    if default != "NULL" {
                        out.insert(format!("default {t}.{name}"));
                    }
                }
            }
        }
    }
    for row in rows_of(
        engine,
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    ) {
        if let [name, table] = row.as_slice() {
            out.insert(format!(
                "index {} on {}",
                name.to_lowercase(),
                table.to_lowercase()
            ));
        }
    }
    out
}

/// The table an entry of [`read_schema`] / [`read_structure`] is about.
fn entry_table(e: &str) -> &str {
    if let Some((_, t)) = e.rsplit_once(" on ") {
        return t;
    }
    let rest = e.split_once(' ').map_or(e, |(_, r)| r);
    let rest = rest.strip_prefix("null ").unwrap_or(rest);
    let rest = rest.split(':').next().unwrap_or(rest);
    rest.split('.').next().unwrap_or(rest)
}

/// SQLite's type affinity of a declared type (the manual's rules, 3.1).
pub fn affinity(decl: &str) -> &'static str {
    let t = decl.to_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The model's tables the schema checks compare: those of the main schema
/// whose columns are known (not a `CREATE TABLE … AS` result).
fn compared_tables(c: &Catalog) -> impl Iterator<Item = &crate::catalog::Table> {
    c.tables
        .values()
        .map(|t| &**t)
        .filter(|t| !t.name.contains('.') && t.columns_known)
}

/// What [`read_structure`] should find for the model's columns.
fn model_types(c: &Catalog, d: Dialect) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in compared_tables(c) {
        let n = t.name.to_lowercase();
        for col in t.columns.iter().filter(|c| c.generated.is_none()) {
            let name = col.name.to_lowercase();
            let decl = if d == Dialect::Sqlite {
                col.data_type.clone()
            } else {
                crate::translate::sqlite_type(&col.data_type, c).0
            };
            out.insert(format!("type {n}.{name}: {}", affinity(&decl)));
            let has_default = col.default.as_deref().is_some_and(|v| {
                d == Dialect::Sqlite || !crate::translate::translate_default(v, d).is_empty()
            });
            if has_default {
                out.insert(format!("default {n}.{name}"));
            }
        }
    }
    out
}

/// The same structure as the model expects it (main schema only).
fn shape(c: &Catalog) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in compared_tables(c) {
        let n = t.name.to_lowercase();
        out.insert(format!("table {n}"));
        let pk: Vec<String> = t
            .primary_key()
            .map(|k| k.kind.columns().to_vec())
            .unwrap_or_default();
        for col in &t.columns {
            let name = col.name.to_lowercase();
            out.insert(format!("column {n}.{name}"));
            if !col.nullable || pk.contains(&col.name) {
                out.insert(format!("not null {n}.{name}"));
            }
        }
    }
    for i in c.indexes.values().filter(|i| !i.table.contains('.')) {
        out.insert(format!(
            "index {} on {}",
            crate::names::last(&i.name).to_lowercase(),
            i.table.to_lowercase()
        ));
    }
    out
}

/// The plan run step by step on sample rows: after each step, whether it
/// applied and foreign keys hold; and from every step, whether rolling
/// back all steps so far restores the schema and the data.
pub fn simulate_plan(
    engine: &mut dyn Engine,
    session: &Session,
    plan: &crate::plan::Plan,
    data: &DataOptions,
) -> SimulationReport {
    let d = session.dialect();
    let o = SimOptions {
        data: data.clone(),
        down: None,
        rows_sql: None,
    };
    // The same start as a simulation of the migration: schema, then rows.
    let p = match prepare_with_rows(engine, session, &o, &mut |_, _| {}) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Prepared {
        report: mut r,
        before,
        ..
    } = p;
    let mut model = before.clone();
    let initial = read_schema(engine);
    let snap_before = snapshot(engine, &before);
    let mut downs: Vec<Option<Vec<Translated>>> = Vec::new();
    let mut statements = 0;
    let mut simulated = 0;
    for (i, step) in plan.steps.iter().enumerate() {
        let n = i + 1;
        let mut after_step = model.clone();
        let up_t = translate(d, &step.up, &mut after_step);
        statements += up_t.len();
        simulated += up_t.iter().filter(|t| t.simulated).count();
        for t in up_t.iter().filter(|t| !t.simulated) {
            r.coverage
                .skipped
                .push(format!("step {n}: {}", t.note.clone().unwrap_or_default()));
        }
        let mut runs = 0;
        let applied = loop {
            runs += 1;
            if !run_all(engine, &up_t, Phase::Migration, &mut r) {
                break false;
            }
            let changed = rows_of(engine, "SELECT changes()")
                .first()
                .and_then(|row| row.first())
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            if !step.repeat || changed == 0 || runs > 100_000 {
                break true;
            }
        };
        if !applied {
            r.checks.push(Check {
                name: format!("step {n}: {}", step.title),
                ok: false,
                detail: failure_line(&r),
            });
            break;
        }
        let orphans = rows_of(engine, "PRAGMA foreign_key_check").len();
        r.checks.push(Check {
            name: format!("step {n}: {}", step.title),
            ok: orphans == 0,
            detail: match (step.repeat, orphans) {
                (true, 0) => format!("applied in {runs} runs (the last changed no row)"),
                (false, 0) => "applied; foreign keys hold".to_string(),
                (_, k) => format!("applied, but {k} rows violate foreign keys"),
            },
        });
        let down_t = step
            .down
            .as_ref()
            .map(|sql| translate(d, sql, &mut after_step.clone()));
        downs.push(down_t);
        model = after_step;
        // Roll back every step so far, then undo that rollback.
        let _ = engine.execute("SAVEPOINT migplan_rollback");
        // PRAGMA foreign_keys=OFF is ignored in a transaction: rebuilds inside
        // need the checks deferred to the end of it instead.
        let _ = engine.execute("PRAGMA defer_foreign_keys=ON");
        let mut probe = SimulationReport {
            failure: None,
            ..r.clone()
        };
        let mut missing = Vec::new();
        let mut down_ok = true;
        for (j, d_t) in downs.iter().enumerate().rev() {
            match d_t {
                Some(t) => {
                    if !run_all(engine, t, Phase::Down, &mut probe) {
                        down_ok = false;
                        break;
                    }
                }
                None => missing.push(j + 1),
            }
        }
        let detail;
        let ok;
        if !down_ok {
            ok = false;
            detail = format!(
                "the rollback fails: {}",
                probe
                    .failure
                    .as_ref()
                    .map(|f| f.message.clone())
                    .unwrap_or_default()
            );
        } else {
            let schema_now = read_schema(engine);
            let snap_now = snapshot(engine, &before);
            let schema_back = schema_now == initial;
            let data_back = snap_now == snap_before;
            ok = schema_back;
            detail = match (schema_back, data_back, missing.is_empty()) {
                (true, true, _) => "schema and data back as before".to_string(),
                (true, false, _) => {
                    "schema back; some values differ (a step that overwrites data)".to_string()
                }
                (false, _, false) => format!(
                    "schema not back: step(s) {} have no rollback",
                    missing
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (false, _, true) => {
                    let diff: Vec<String> =
                        initial.symmetric_difference(&schema_now).cloned().collect();
                    format!("schema not back: {}", list(&diff))
                }
            };
        }
        let _ = engine.execute("ROLLBACK TO migplan_rollback");
        let _ = engine.execute("RELEASE migplan_rollback");
        r.checks.push(Check {
            name: format!("rollback from step {n}"),
            ok: ok || step.irreversible,
            detail: if step.irreversible && !ok {
                format!(
                    "{detail} (expected: {})",
                    step.reason.clone().unwrap_or_default()
                )
            } else {
                detail
            },
        });
    }
    r.coverage.statements = statements;
    r.coverage.simulated = simulated;
    finish(engine, r)
}

/// How long one migration statement took at each row count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    pub line: usize,
    pub statement: String,
    /// Milliseconds at each of the row counts, in order.
    pub ms: Vec<f64>,
    /// Its time grows with the table.
    pub grows: bool,
    /// The analysis said it scans or rewrites (or it is DML over rows).
    pub expected: bool,
}

/// Runs the migration at each row count on a fresh engine and times every
/// statement: statements whose time grows with the table scan or rewrite
/// it, which should match what the analysis said. `clock` is in ms.
pub fn cost_growth(
    new_engine: &mut dyn FnMut() -> Option<Box<dyn Engine>>,
    clock: &dyn Fn() -> f64,
    session: &Session,
    sizes: &[usize],
) -> (Vec<Growth>, Check) {
    let d = session.dialect();
    let analysis = session.analysis();
    let mut model = Catalog::default();
    let schema_t = translate_statements(d, session.schema(), &mut model);
    let demands = Demands::between(&model, session.after());
    let up = translate_statements(d, session.migration(), &mut model.clone());
    let mut rows: Vec<Growth> = Vec::new();
    for n in sizes.iter().map(|n| (*n).min(crate::sample::MAX_ROWS)) {
        let Some(mut engine) = new_engine() else {
            break;
        };
        let engine = engine.as_mut();
        let _ = engine.execute("PRAGMA foreign_keys=ON");
        let mut scratch = SimulationReport::empty(String::new(), n, 42);
        if !run_all(engine, &schema_t, Phase::Schema, &mut scratch) {
            break;
        }
        let data = DataOptions {
            rows: n,
            ..DataOptions::default()
        };
        for sql in crate::sample::generate(&model, &demands, &data) {
            let _ = engine.execute(&sql);
        }
        for (i, t) in up
            .iter()
            .enumerate()
            .filter(|(_, t)| t.simulated && !t.sqlite.is_empty())
        {
            let start = clock();
            for sql in &t.sqlite {
                let _ = engine.execute(sql);
            }
            let ms = clock() - start;
            match rows.iter_mut().find(|g| g.line == t.line) {
                Some(g) => g.ms.push(ms),
                None => {
                    let report = analysis.report.statements.iter().find(|s| s.line == t.line);
                    let expected = report.is_some_and(|s| {
                        s.effect.is_some_and(|e| e != crate::locks::Effect::None)
                            || s.kind.is_dml()
                            || s.algorithm == Some(crate::locks::MysqlAlgorithm::Copy)
                    });
                    let _ = i;
                    rows.push(Growth {
                        line: t.line,
                        statement: t.source.lines().next().unwrap_or_default().to_string(),
                        ms: vec![ms],
                        grows: false,
                        expected,
                    });
                }
            }
        }
    }
    let ratio = match (sizes.first(), sizes.last()) {
        (Some(a), Some(b)) if *a > 0 => *b as f64 / *a as f64,
        _ => 1.0,
    };
    for g in &mut rows {
        if let (Some(first), Some(last)) = (g.ms.first(), g.ms.last()) {
            // Grows when the time follows the rows (allowing for noise).
            g.grows = *last > 2.0 && *last > first.max(0.05) * ratio.sqrt();
        }
    }
    let contradictions: Vec<String> = rows
        .iter()
        .filter(|g| g.grows && !g.expected)
        .map(|g| {
            format!(
                "line {} grows with the table in SQLite but the analysis expects no scan",
                g.line
            )
        })
        .collect();
    let growing = rows.iter().filter(|g| g.grows).count();
    // Informational: SQLite rewrites in places where the target database
    // does not (DROP COLUMN), so a contradiction is shown, not failed.
    let check = Check {
        name: "cost growth".into(),
        ok: true,
        detail: if contradictions.is_empty() {
            format!(
                "{growing} of {} statements take longer as the table grows ({} rows); all of them were flagged as scanning, rewriting or touching rows",
                rows.len(),
                sizes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(
                "{growing} of {} statements take longer as the table grows; {} (SQLite may rewrite where the target database does not)",
                rows.len(),
                contradictions.join("; ")
            )
        },
    };
    (rows, check)
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
