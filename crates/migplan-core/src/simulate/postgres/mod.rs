//! A migration simulated on PostgreSQL itself (a server in the CLI,
//! PGlite in the page, both behind [`Engine`]): the schema replayed
//! statement by statement (a statement that fails is skipped with a note;
//! the schema never aborts the run), sample rows (a table PostgreSQL
//! refuses them for stays empty, with a note), then up, down and up again,
//! the schema read back from `pg_catalog` and compared exactly, the data
//! compared by per-column checksums. Only the migration's own statements
//! can fail the run. [`trace`] measures what each statement locks, in a
//! second database.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::Engine;
use crate::sample::{Batch, DataOptions, Demands};
use crate::simulate::{
    Check, Coverage, Failure, Phase, RoundTrip, SimulationReport, Skipped, TableCount,
};
use crate::split::{SegmentKind, split};
use crate::{Dialect, Session, ddl, rollback};

pub mod catalog;
mod plan;
pub mod run;
pub mod trace;

pub use plan::{check_plan, simulate_plan};

use run::{run_file, statements, text_rows};

/// What to run, made from a session by [`Job::new`].
#[derive(Debug, Clone)]
pub struct Job {
    /// A human name for the engine ("PostgreSQL 15.14 (a throwaway
    /// cluster)", "PGlite 0.5.17 (PostgreSQL 18.1)").
    pub engine: String,
    pub schema: String,
    /// The user's own INSERT statements.
    pub rows: Vec<Batch>,
    /// Sample rows to generate once the schema is in (numbered after the
    /// rows it inserted itself).
    pub sample: Option<Sample>,
    pub up: String,
    pub down: String,
    /// Whether up and down run in a transaction (not when a statement
    /// cannot, such as CREATE INDEX CONCURRENTLY).
    pub transaction: bool,
    pub rows_per_table: usize,
    pub seed: u64,
}

impl Job {
    /// The session's schema and migration, the user's down (or the
    /// generated one), the user's rows (or generated ones).
    pub fn new(
        engine: String,
        session: &Session,
        down: Option<String>,
        rows_sql: Option<&str>,
        data: &DataOptions,
    ) -> Job {
        let own = rows_sql.filter(|r| !r.trim().is_empty());
        let rows = own.map_or_else(Vec::new, |own| {
            statements(own)
                .into_iter()
                .map(|s| Batch {
                    table: None,
                    sql: s.sql.to_string(),
                })
                .collect()
        });
        let sample = (own.is_none() && data.rows > 0).then(|| Sample {
            before: session.before().clone(),
            demands: Demands::between(session.before(), session.after()),
            data: data.clone(),
        });
        Job {
            engine,
            schema: session.schema_text(),
            rows,
            sample,
            up: session
                .files()
                .iter()
                .map(|f| f.sql())
                .collect::<Vec<_>>()
                .join("\n"),
            down: down.unwrap_or_else(|| rollback::generate(session).sql),
            transaction: !session.migration().any(|s| s.flags.concurrently),
            rows_per_table: data.rows,
            seed: data.seed,
        }
    }
}

/// What sample rows are made from.
#[derive(Debug, Clone)]
pub struct Sample {
    pub before: crate::catalog::Catalog,
    pub demands: Demands,
    pub data: DataOptions,
}

/// The user's rows, or sample rows numbered after those the schema
/// inserted (read from the database the schema just ran in).
async fn rows_for(engine: &mut dyn Engine, job: &Job) -> Vec<Batch> {
    match &job.sample {
        Some(sample) => {
            let taken = crate::simulate::taken(engine, &sample.before).await;
            crate::sample::batches_after(&sample.before, &sample.demands, &sample.data, &taken)
        }
        None => job.rows.clone(),
    }
}

/// Rows and per-column checksums of every table of the user's schemas.
type Data = BTreeMap<String, (i64, BTreeMap<String, String>)>;

/// Row counts and, per column, a checksum of its values.
async fn data(engine: &mut dyn Engine) -> Result<Data, String> {
    let columns = text_rows(
        engine,
        "SELECT n.nspname::text, c.relname::text, a.attname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
         ORDER BY 1, 2, a.attnum",
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut tables: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in columns {
        if let [Some(schema), Some(table), Some(column)] = &row[..] {
            tables
                .entry((schema.clone(), table.clone()))
                .or_default()
                .push(column.clone());
        }
    }
    let mut out = Data::new();
    for ((schema, table), columns) in tables {
        if let Some(sums) = checksums(engine, &schema, &table, &columns).await {
            let key = if schema == "public" {
                table
            } else {
                format!("{schema}.{table}")
            };
            out.insert(key, sums);
        }
    }
    Ok(out)
}

/// One table's row count and per-column checksums; `None` when it cannot
/// be read.
async fn checksums(
    engine: &mut dyn Engine,
    schema: &str,
    table: &str,
    columns: &[String],
) -> Option<(i64, BTreeMap<String, String>)> {
    let quote = |name: &str| ddl::ident(name, Dialect::Postgres);
    let sums: Vec<String> = columns
        .iter()
        .map(|column| {
            let column = quote(column);
            format!("md5(string_agg({column}::text, ',' ORDER BY {column}::text))")
        })
        .collect();
    let sql = format!(
        "SELECT count(*)::text, {} FROM {}.{}",
        sums.join(", "),
        quote(schema),
        quote(table)
    );
    let rows = text_rows(engine, &sql).await.ok()?;
    let row = rows.first()?;
    let count = row
        .first()
        .cloned()
        .flatten()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let sums = columns
        .iter()
        .zip(row.iter().skip(1))
        .map(|(c, v)| (c.clone(), v.clone().unwrap_or_default()))
        .collect();
    Some((count, sums))
}

/// The schema and the sample rows in a fresh database, as the simulation
/// starts (for the trace, which runs in a database of its own).
pub async fn prepare(engine: &mut dyn Engine, job: &Job) -> Vec<Skipped> {
    let mut skipped = Vec::new();
    replay_schema(engine, &job.schema, &mut skipped).await;
    let rows = rows_for(engine, job).await;
    fill(engine, &rows, &mut skipped, &mut |_, _| {}).await;
    skipped
}

/// The schema, one statement at a time: what fails is noted and skipped.
async fn replay_schema(engine: &mut dyn Engine, schema: &str, skipped: &mut Vec<Skipped>) -> usize {
    let mut ran = 0;
    for statement in statements(schema) {
        engine.starting(Phase::Schema, statement.line);
        match engine.execute(statement.sql).await {
            Ok(_) => ran += 1,
            Err(e) => skipped.push(Skipped {
                phase: Phase::Schema,
                line: statement.line,
                reason: format!("not simulated: {e}"),
            }),
        }
    }
    ran
}

/// The sample rows: an INSERT PostgreSQL refuses leaves its table empty
/// (with a note) and the rest go on. `progress` hears (done, total).
async fn fill(
    engine: &mut dyn Engine,
    rows: &[Batch],
    skipped: &mut Vec<Skipped>,
    progress: &mut dyn FnMut(usize, usize),
) {
    let mut noted = BTreeSet::new();
    for (done, batch) in rows.iter().enumerate() {
        if let Err(e) = engine.execute(&batch.sql).await
            && noted.insert(batch.table.clone())
        {
            let whose = match &batch.table {
                Some(table) => format!("no sample rows for {table}"),
                None => "some of your rows were refused".to_string(),
            };
            skipped.push(Skipped {
                phase: Phase::Data,
                line: 0,
                reason: format!("{whose}: {e}"),
            });
        }
        progress(done + 1, rows.len());
    }
}

/// The first few catalog lines of a list, `; `-separated (a line holds
/// commas of its own), with how many more there are.
fn first_lines(lines: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = lines
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > SHOWN {
        text.push_str(&format!("; and {} more", lines.len() - SHOWN));
    }
    text
}

fn check(name: &str, ok: bool, detail: String) -> Check {
    Check {
        name: name.into(),
        ok,
        detail,
        note: false,
    }
}

fn failure(phase: Phase, f: &run::Failure) -> Failure {
    Failure {
        phase,
        statement: 0,
        line: f.line,
        column: 1,
        sql: String::new(),
        message: f.message.clone(),
        stopped: f.stopped,
    }
}

/// psql's meta-commands are the client's, not SQL: listed, not run.
fn client_commands(up: &str) -> Vec<Skipped> {
    split(up, Dialect::Postgres)
        .iter()
        .filter(|s| s.kind == SegmentKind::ClientCommand)
        .map(|segment| Skipped {
            phase: Phase::Migration,
            line: run::line_of(up, segment.start),
            reason: "not simulated: client command, not SQL".into(),
        })
        .collect()
}

/// Runs the job on a fresh database; `progress` hears the sample rows
/// going in (batches done, of how many).
pub async fn simulate(
    engine: &mut dyn Engine,
    job: &Job,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SimulationReport, String> {
    let mut report = SimulationReport::empty(String::new(), job.rows_per_table, job.seed);
    if let Some(sample) = job.sample.as_ref().filter(|s| s.data.adversarial) {
        report.adversarial = sample.demands.adversarial_rows(sample.data.rows);
    }
    report.engine = job.engine.clone();
    let mut skipped = Vec::new();
    report.executed += replay_schema(engine, &job.schema, &mut skipped).await;
    let rows = rows_for(engine, job).await;
    fill(engine, &rows, &mut skipped, progress).await;
    let schema_before = catalog::snapshot(engine).await?;
    let data_before = data(engine).await?;
    let commands = client_commands(&job.up);
    report.coverage = Coverage {
        statements: statements(&job.up).len(),
        simulated: 0,
        skipped: commands
            .iter()
            .map(|s| format!("line {}: client command, not SQL", s.line))
            .collect(),
    };
    skipped.extend(commands);
    engine.starting(Phase::Migration, 1);
    match run_file(engine, &job.up, job.transaction).await {
        Ok(ran) => {
            report.executed += ran;
            report.coverage.simulated = ran;
            report.checks.push(check(
                "up applies",
                true,
                format!(
                    "{ran} of {} statements ran on {}",
                    report.coverage.statements, job.engine
                ),
            ));
        }
        Err(f) => {
            report.ok = false;
            report
                .checks
                .push(check("up applies", false, f.to_string()));
            report.failure = Some(failure(Phase::Migration, &f));
            report.skipped = skipped;
            return Ok(report);
        }
    }
    let data_after_up = data(engine).await?;
    report.counts = counts(&data_before, &data_after_up);
    report.tables = data_after_up.keys().cloned().collect();
    down_and_again(engine, job, &mut report, (&schema_before, &data_before)).await?;
    report.skipped = skipped;
    report.ok = report.checks.iter().all(|c| c.ok);
    Ok(report)
}

/// The down, the comparison with the state before, and up once more.
async fn down_and_again(
    engine: &mut dyn Engine,
    job: &Job,
    report: &mut SimulationReport,
    (schema_before, data_before): (&BTreeSet<String>, &Data),
) -> Result<(), String> {
    engine.starting(Phase::Down, 1);
    if let Err(f) = run_file(engine, &job.down, job.transaction).await {
        report
            .checks
            .push(check("down applies", false, f.to_string()));
        report.failure = Some(failure(Phase::Down, &f));
        return Ok(());
    }
    report
        .checks
        .push(check("down applies", true, "the down ran".into()));
    let differences = catalog::differences(schema_before, &catalog::snapshot(engine).await?);
    let lost = lost(data_before, &data(engine).await?);
    report.checks.push(check(
        "down restores the schema",
        differences.is_empty(),
        if differences.is_empty() {
            "pg_catalog after the down is identical to before the up".into()
        } else {
            format!(
                "{} difference(s): {}",
                differences.len(),
                first_lines(&differences)
            )
        },
    ));
    report.checks.push(check(
        "data preserved",
        lost.is_empty(),
        if lost.is_empty() {
            "every row and column value is back after the down".into()
        } else {
            format!("not back: {}", lost.join(", "))
        },
    ));
    report.round_trip = Some(RoundTrip {
        schema_equal: differences.is_empty(),
        data_equal: lost.is_empty(),
        lost,
        schema_differences: differences,
    });
    engine.starting(Phase::Migration, 1);
    let again = run_file(engine, &job.up, job.transaction).await;
    report.checks.push(check(
        "second run",
        again.is_ok(),
        match again {
            Ok(_) => "up runs again after the down".into(),
            Err(f) => format!("up fails when run again after the down: {f}"),
        },
    ));
    Ok(())
}

fn counts(before: &Data, after: &Data) -> Vec<TableCount> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .map(|t| TableCount {
            table: t.clone(),
            before: before.get(t).map(|(n, _)| *n),
            after: after.get(t).map(|(n, _)| *n),
        })
        .collect()
}

/// What the down did not bring back: tables, row counts, column values.
fn lost(before: &Data, after: &Data) -> Vec<String> {
    let mut out = Vec::new();
    for (table, (rows, columns)) in before {
        let Some((rows_after, columns_after)) = after.get(table) else {
            out.push(format!("{table} ({rows} rows)"));
            continue;
        };
        if rows != rows_after {
            out.push(format!("{table}: {rows} rows before, {rows_after} after"));
        }
        for (column, sum) in columns {
            if columns_after.get(column) != Some(sum) {
                out.push(format!("{table}.{column}"));
            }
        }
    }
    out
}

/// The simulation on `engine`, then the trace of every statement on
/// `traced` (a second fresh database with the same schema and rows), with
/// the check that every lock and rewrite is the predicted one.
pub async fn simulate_and_trace(
    engine: &mut dyn Engine,
    traced: &mut dyn Engine,
    session: &Session,
    job: &Job,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SimulationReport, String> {
    let started = engine.now_ms();
    let mut report = simulate(engine, job, progress).await?;
    if let (Some(start), Some(end)) = (started, engine.now_ms()) {
        report.timing.simulate_ms = Some(end - start);
    }
    prepare(traced, job).await;
    report.trace = trace::trace(traced, &trace::steps(session)).await?;
    let mismatches: Vec<String> = report
        .trace
        .iter()
        .filter(|t| t.confirmed == Some(false))
        .map(|t| format!("line {}: {}", t.line, t.note.clone().unwrap_or_default()))
        .collect();
    let confirmed = report
        .trace
        .iter()
        .filter(|t| t.confirmed == Some(true))
        .count();
    report.checks.push(check(
        "locks as predicted",
        mismatches.is_empty(),
        if mismatches.is_empty() {
            format!("{confirmed} statement(s) took the predicted lock and rewrite")
        } else {
            format!("MISMATCH with the analysis: {}", mismatches.join("; "))
        },
    ));
    report.ok &= mismatches.is_empty();
    Ok(report)
}
