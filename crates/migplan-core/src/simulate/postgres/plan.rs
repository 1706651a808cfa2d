//! A plan simulated on PostgreSQL: its steps up in order (a backfill step
//! repeated until it changes no row; a step that cannot run in a
//! transaction run outside one), then every step's down from the last back
//! to the first, and the schema read back from `pg_catalog` and the data
//! compared with the start.

use crate::engine::Engine;
use crate::plan::Plan;
use crate::simulate::{Check, Failure, Phase, SimulationReport};

use super::catalog::Columns;
use super::run::run_file;
use super::{Job, catalog, check, data, failure, fill, first_lines, replay_schema};

/// The most runs of one backfill step (each changes a batch of rows).
const MAX_RUNS: usize = 10_000;

/// Runs one step's up; a backfill again until the data stops changing.
/// Returns how many runs it took.
async fn run_step(
    engine: &mut dyn Engine,
    step: &crate::plan::Step,
) -> Result<usize, super::run::Failure> {
    let mut runs = 0;
    loop {
        let before = if step.repeat {
            data(engine).await.ok()
        } else {
            None
        };
        run_file(engine, &step.up, step.transactional).await?;
        runs += 1;
        if !step.repeat || runs >= MAX_RUNS {
            return Ok(runs);
        }
        if data(engine).await.ok() == before {
            return Ok(runs);
        }
    }
}

/// The plan's steps up, then their downs back to the start.
pub async fn simulate_plan(
    engine: &mut dyn Engine,
    plan: &Plan,
    job: &Job,
) -> Result<SimulationReport, String> {
    let mut report = SimulationReport::empty(String::new(), job.rows_per_table, job.seed);
    report.engine = job.engine.clone();
    let mut skipped = Vec::new();
    report.executed += replay_schema(engine, &job.schema, &mut skipped).await;
    let rows = super::rows_for(engine, job).await;
    fill(engine, &rows, &mut skipped, &mut |_, _| {}).await;
    report.skipped = skipped;
    let before = Before {
        schema: catalog::snapshot(engine).await?,
        by_name: catalog::snapshot_with(engine, Columns::ByName).await?,
        data: data(engine).await?,
    };
    for (index, step) in plan.steps.iter().enumerate() {
        let number = index + 1;
        engine.starting(Phase::Migration, number);
        match run_step(engine, step).await {
            Ok(runs) => report.checks.push(check(
                &format!("step {number}: {}", step.title),
                true,
                if step.repeat {
                    format!("applied in {runs} runs (the last changed no row)")
                } else {
                    "applied".to_string()
                },
            )),
            Err(f) => {
                report.checks.push(check(
                    &format!("step {number}: {}", step.title),
                    false,
                    f.to_string(),
                ));
                report.failure = Some(Failure {
                    statement: index,
                    ..failure(Phase::Migration, &f)
                });
                report.ok = false;
                return Ok(report);
            }
        }
    }
    report.coverage.statements = plan.steps.len();
    report.coverage.simulated = plan.steps.len();
    report
        .checks
        .push(down_to_the_start(engine, plan, &before).await?);
    report.ok = report.checks.iter().all(|c| c.ok);
    Ok(report)
}

/// The database before the first step.
struct Before {
    schema: std::collections::BTreeSet<String>,
    /// The schema with each table's columns by name.
    by_name: std::collections::BTreeSet<String>,
    data: super::Data,
}

/// Every step's down, last first, then the schema and data against the
/// start. Irreversible steps are expected to leave differences; a column
/// dropped and added back comes back last, which is said, not failed.
async fn down_to_the_start(
    engine: &mut dyn Engine,
    plan: &Plan,
    before: &Before,
) -> Result<Check, String> {
    let name = "rollback from the last step";
    let mut missing = Vec::new();
    for (index, step) in plan.steps.iter().enumerate().rev() {
        let Some(down) = &step.down else {
            missing.push(index + 1);
            continue;
        };
        engine.starting(Phase::Down, index + 1);
        if let Err(f) = run_file(engine, down, step.transactional).await {
            return Ok(check(
                name,
                false,
                format!("the down of step {} fails: {f}", index + 1),
            ));
        }
    }
    let differences = catalog::differences(&before.schema, &catalog::snapshot(engine).await?);
    let by_name = catalog::differences(
        &before.by_name,
        &catalog::snapshot_with(engine, Columns::ByName).await?,
    );
    let lost = super::lost(&before.data, &data(engine).await?);
    // A step marked irreversible is expected to leave differences.
    let irreversible = plan.steps.iter().any(|s| s.irreversible);
    let ok = by_name.is_empty() || irreversible;
    let detail = match (differences.is_empty(), by_name.is_empty(), lost.is_empty()) {
        (true, _, true) => "pg_catalog and the data are back as before the first step".to_string(),
        (true, _, false) => format!("schema back; not back: {}", lost.join(", ")),
        (false, true, _) => format!(
            "schema back except the order of columns (a column dropped and added back comes last): {}{}",
            first_lines(
                &differences
                    .iter()
                    .filter(|d| d.starts_with("+ "))
                    .cloned()
                    .collect::<Vec<_>>()
            ),
            if lost.is_empty() {
                String::new()
            } else {
                format!("; not back: {}", lost.join(", "))
            }
        ),
        (false, false, _) => format!(
            "{} difference(s) from before the first step: {}",
            differences.len(),
            first_lines(&differences)
        ),
    };
    let detail = if missing.is_empty() {
        detail
    } else {
        format!(
            "{detail} (step(s) {} have no rollback)",
            missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Ok(check(name, ok, detail))
}
