//! A migration simulated on PostgreSQL itself: the schema replayed
//! statement by statement (a statement that fails is skipped with a note;
//! the schema never aborts the run), sample rows (a table PostgreSQL
//! refuses them for stays empty, with a note), then up, down and up again,
//! the schema read back from `pg_catalog` and compared exactly, the data
//! compared by per-column checksums. Only the migration's own statements
//! can fail the run.

use std::collections::BTreeMap;

use crate::quote;
use migplan_core::Dialect;
use migplan_core::simulate::{
    Check, Coverage, Failure, Phase, RoundTrip, SimulationReport, Skipped, TableCount,
};
use migplan_core::split::{SegmentKind, split};
use postgres::{Client, SimpleQueryMessage};

use crate::catalog;
use crate::run::{message, run_file};

/// What to run.
pub struct Job<'a> {
    /// A human name for the engine ("PostgreSQL 15 (a throwaway cluster)").
    pub engine: String,
    pub schema: &'a str,
    /// INSERT statements that fill the tables (generated or the user's).
    pub rows: &'a [String],
    pub up: &'a str,
    pub down: &'a str,
    /// Whether up and down run in a transaction (not when a statement
    /// cannot, such as CREATE INDEX CONCURRENTLY).
    pub transaction: bool,
    pub rows_per_table: usize,
    pub seed: u64,
}

/// Rows and per-column checksums of every table of the user's schemas.
type Data = BTreeMap<String, (i64, BTreeMap<String, String>)>;

fn text_rows(client: &mut Client, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    let messages = client.simple_query(sql).map_err(|e| message(&e))?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

/// Row counts and, per column, a checksum of its values.
fn data(client: &mut Client) -> Result<Data, String> {
    let columns = text_rows(
        client,
        "SELECT n.nspname, c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
         ORDER BY 1, 2, a.attnum",
    )?;
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
        let name = format!("{}.{}", quote(&schema), quote(&table));
        let sums: Vec<String> = columns
            .iter()
            .map(|c| {
                let c = quote(c);
                format!("md5(string_agg({c}::text, ',' ORDER BY {c}::text))")
            })
            .collect();
        let sql = format!("SELECT count(*), {} FROM {name}", sums.join(", "));
        let Ok(rows) = text_rows(client, &sql) else {
            continue;
        };
        let Some(row) = rows.first() else { continue };
        let count = row
            .first()
            .cloned()
            .flatten()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let checksums = columns
            .iter()
            .zip(row.iter().skip(1))
            .map(|(c, v)| (c.clone(), v.clone().unwrap_or_default()))
            .collect();
        let key = if schema == "public" {
            table
        } else {
            format!("{schema}.{table}")
        };
        out.insert(key, (count, checksums));
    }
    Ok(out)
}

/// The schema and the sample rows in a fresh database, as the simulation
/// starts (for the trace, which runs in a database of its own).
pub fn prepare(client: &mut Client, schema: &str, rows: &[String]) -> Vec<Skipped> {
    let mut skipped = Vec::new();
    replay_schema(client, schema, &mut skipped);
    fill(client, rows, &mut skipped);
    skipped
}

/// The schema, one statement at a time: what fails is noted and skipped.
fn replay_schema(client: &mut Client, schema: &str, skipped: &mut Vec<Skipped>) -> usize {
    let mut ran = 0;
    for segment in split(schema, Dialect::Postgres) {
        if segment.kind != SegmentKind::Sql {
            continue;
        }
        let text = &schema[segment.start..segment.end];
        if text.trim().is_empty()
            || text
                .lines()
                .all(|l| l.trim().is_empty() || l.trim().starts_with("--"))
        {
            continue;
        }
        let skip = text.len() - text.trim_start().len();
        let line = schema[..segment.start + skip].matches('\n').count() + 1;
        match client.execute(text, &[]) {
            Ok(_) => ran += 1,
            Err(e) => skipped.push(Skipped {
                phase: Phase::Schema,
                line,
                reason: format!("not simulated: {}", message(&e)),
            }),
        }
    }
    ran
}

/// The sample rows: an INSERT PostgreSQL refuses leaves its table empty
/// (with a note) and the rest go on.
fn fill(client: &mut Client, rows: &[String], skipped: &mut Vec<Skipped>) {
    let mut noted = std::collections::BTreeSet::new();
    for insert in rows {
        if let Err(e) = client.execute(insert.as_str(), &[]) {
            let table = insert
                .strip_prefix("INSERT INTO ")
                .and_then(|r| r.split_whitespace().next())
                .unwrap_or("a table");
            if noted.insert(table.to_string()) {
                skipped.push(Skipped {
                    phase: Phase::Data,
                    line: 0,
                    reason: format!("no sample rows for {table}: {}", message(&e)),
                });
            }
        }
    }
}

fn check(name: &str, ok: bool, detail: String) -> Check {
    Check {
        name: name.into(),
        ok,
        detail,
    }
}

fn failure(phase: Phase, f: &crate::run::Failure) -> Failure {
    Failure {
        phase,
        statement: 0,
        line: f.line,
        column: 1,
        sql: String::new(),
        message: f.message.clone(),
        stopped: f.stopped(),
    }
}

/// Runs the job in the scratch database's connection.
pub fn simulate(client: &mut Client, job: &Job) -> Result<SimulationReport, String> {
    let mut report = SimulationReport::empty(String::new(), job.rows_per_table, job.seed);
    report.engine = job.engine.clone();
    let mut skipped = Vec::new();
    report.executed += replay_schema(client, job.schema, &mut skipped);
    fill(client, job.rows, &mut skipped);
    let schema_before = catalog::snapshot(client)?;
    let data_before = data(client)?;
    let segments = split(job.up, Dialect::Postgres);
    report.coverage = Coverage {
        statements: segments
            .iter()
            .filter(|s| s.kind == SegmentKind::Sql && !job.up[s.start..s.end].trim().is_empty())
            .count(),
        simulated: 0,
        skipped: Vec::new(),
    };
    // psql's meta-commands are the client's, not SQL: listed, not run.
    for segment in segments
        .iter()
        .filter(|s| s.kind == SegmentKind::ClientCommand)
    {
        let line = job.up[..segment.start].matches('\n').count() + 1;
        skipped.push(Skipped {
            phase: Phase::Migration,
            line,
            reason: "not simulated: client command, not SQL".into(),
        });
        report
            .coverage
            .skipped
            .push(format!("line {line}: client command, not SQL"));
    }
    match run_file(client, job.up, job.transaction) {
        Ok(n) => {
            report.executed += n;
            report.coverage.simulated = n;
            report.checks.push(check(
                "up applies",
                true,
                format!(
                    "{n} of {} statements ran on {}",
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
    let data_after_up = data(client)?;
    report.counts = counts(&data_before, &data_after_up);
    report.tables = data_after_up.keys().cloned().collect();
    down_and_again(client, job, &mut report, (&schema_before, &data_before))?;
    report.skipped = skipped;
    report.ok = report.checks.iter().all(|c| c.ok);
    Ok(report)
}

/// The down, the comparison with the state before, and up once more.
fn down_and_again(
    client: &mut Client,
    job: &Job,
    report: &mut SimulationReport,
    (schema_before, data_before): (&std::collections::BTreeSet<String>, &Data),
) -> Result<(), String> {
    if let Err(f) = run_file(client, job.down, job.transaction) {
        report
            .checks
            .push(check("down applies", false, f.to_string()));
        report.failure = Some(failure(Phase::Down, &f));
        return Ok(());
    }
    report
        .checks
        .push(check("down applies", true, "the down ran".into()));
    let differences = catalog::differences(schema_before, &catalog::snapshot(client)?);
    let lost = lost(data_before, &data(client)?);
    report.checks.push(check(
        "down restores the schema",
        differences.is_empty(),
        if differences.is_empty() {
            "pg_catalog after the down is identical to before the up".into()
        } else {
            format!(
                "{} difference(s): {}",
                differences.len(),
                differences
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
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
    let again = run_file(client, job.up, job.transaction);
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
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
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
