//! A plan simulated on PostgreSQL: its steps up in order (a backfill step
//! repeated until it changes no row; a step that cannot run in a
//! transaction run outside one), then every step's down from the last back
//! to the first, and the schema read back from `pg_catalog` and the data
//! compared with the start.

use crate::engine::Engine;
use crate::plan::Plan;
use std::collections::BTreeSet;

use crate::simulate::{Check, Failure, Phase, PlanCheck, SimulationReport};

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
        schema: Some(catalog::snapshot(engine).await?),
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
    let (rollback, plan_check) =
        compare_and_restore(engine, plan, &before, &job.up, job.transaction).await?;
    report.checks.push(rollback);
    report.checks.push(plan_check.report_line());
    report.plan_check = Some(plan_check);
    report.ok = report.checks.iter().all(|c| c.ok);
    Ok(report)
}

/// A plan against what its migration did elsewhere: from the current
/// state, the steps up (a step that fails is said, and the steps before it
/// undone), the schema they reach against `migrated` (read from a database
/// where the migration as written ran from the same state), then every
/// down back to the start. For a history replay, which keeps the
/// migration's own database apart.
pub async fn check_plan(
    engine: &mut dyn Engine,
    plan: &Plan,
    migrated: &BTreeSet<String>,
) -> Result<PlanCheck, String> {
    // By column name only: a history replay reads no report line, and
    // every snapshot saved is a round trip per migration.
    let before = Before {
        schema: None,
        by_name: catalog::snapshot_with(engine, Columns::ByName).await?,
        data: data(engine).await?,
    };
    for (index, step) in plan.steps.iter().enumerate() {
        if let Err(f) = run_step(engine, step).await {
            for done in plan.steps[..index].iter().rev() {
                if let Some(down) = &done.down {
                    let _ = run_file(engine, down, done.transactional).await;
                }
            }
            return Ok(PlanCheck {
                equivalent: false,
                differences: vec![format!("step {} fails: {f}", index + 1)],
                intended: Vec::new(),
                down_restores: false,
                not_restored: Vec::new(),
                migration_fails: None,
            });
        }
    }
    let planned = catalog::snapshot_with(engine, Columns::ByName).await?;
    let (_, not_restored) = down_to_the_start(engine, plan, &before).await?;
    Ok(compared(plan, migrated, &planned, not_restored))
}

/// The plan's schema against the migration's, differences the plan means
/// to leave (its copies of data) set apart.
fn compared(
    plan: &Plan,
    migrated: &BTreeSet<String>,
    planned: &BTreeSet<String>,
    not_restored: Vec<String>,
) -> PlanCheck {
    let kept = kept_tables(plan);
    let (intended, differences): (Vec<String>, Vec<String>) =
        catalog::differences(migrated, planned)
            .into_iter()
            .partition(|line| kept.iter().any(|table| line.contains(table.as_str())));
    PlanCheck {
        equivalent: differences.is_empty(),
        differences,
        intended,
        down_restores: not_restored.is_empty(),
        not_restored,
        migration_fails: None,
    }
}

/// With every step applied: the schema they reached, every down back to
/// the start (the rollback check), then the migration as written against
/// that schema.
async fn compare_and_restore(
    engine: &mut dyn Engine,
    plan: &Plan,
    before: &Before,
    up: &str,
    transaction: bool,
) -> Result<(Check, PlanCheck), String> {
    let planned = catalog::snapshot_with(engine, Columns::ByName).await?;
    let (rollback, not_restored) = down_to_the_start(engine, plan, before).await?;
    let plan_check =
        against_the_migration(engine, plan, up, transaction, &planned, not_restored).await?;
    Ok((rollback, plan_check))
}

/// The migration as written, run where the downs left the database (the
/// start, when they restore it), against the schema the plan reached.
async fn against_the_migration(
    engine: &mut dyn Engine,
    plan: &Plan,
    up: &str,
    transaction: bool,
    planned: &BTreeSet<String>,
    not_restored: Vec<String>,
) -> Result<PlanCheck, String> {
    engine.starting(Phase::Migration, 0);
    if let Err(f) = run_file(engine, up, transaction).await {
        return Ok(PlanCheck {
            equivalent: false,
            differences: Vec::new(),
            intended: Vec::new(),
            down_restores: not_restored.is_empty(),
            not_restored,
            migration_fails: Some(f.to_string()),
        });
    }
    let migrated = catalog::snapshot_with(engine, Columns::ByName).await?;
    Ok(compared(plan, &migrated, planned, not_restored))
}

/// The kept tables as the snapshot names them (`table public.x (`).
fn kept_tables(plan: &Plan) -> Vec<String> {
    plan.kept_tables()
        .into_iter()
        .map(|name| {
            let qualified = if name.contains('.') {
                name
            } else {
                format!("public.{name}")
            };
            format!("table {qualified} (")
        })
        .collect()
}

/// The database before the first step.
struct Before {
    /// The schema with columns in order (`None`: compared by name only).
    schema: Option<std::collections::BTreeSet<String>>,
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
) -> Result<(Check, Vec<String>), String> {
    let name = "rollback from the last step";
    let mut missing = Vec::new();
    for (index, step) in plan.steps.iter().enumerate().rev() {
        let Some(down) = &step.down else {
            missing.push(index + 1);
            continue;
        };
        engine.starting(Phase::Down, index + 1);
        if let Err(f) = run_file(engine, down, step.transactional).await {
            return Ok((
                check(
                    name,
                    false,
                    format!("the down of step {} fails: {f}", index + 1),
                ),
                vec![format!("the down of step {} fails: {f}", index + 1)],
            ));
        }
    }
    let by_name = catalog::differences(
        &before.by_name,
        &catalog::snapshot_with(engine, Columns::ByName).await?,
    );
    let differences = match &before.schema {
        Some(schema) => catalog::differences(schema, &catalog::snapshot(engine).await?),
        None => by_name.clone(),
    };
    let lost = super::lost(&before.data, &data(engine).await?);
    // A step marked irreversible is expected to leave differences.
    let irreversible = plan.steps.iter().any(|s| s.irreversible);
    let ok = by_name.is_empty() || irreversible;
    // Restored is what the database says: a step without a down that
    // changed nothing the downs did not bring back does not count.
    let not_restored: Vec<String> = by_name
        .iter()
        .cloned()
        .chain(lost.iter().map(|l| format!("data of {l}")))
        .collect();
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
    Ok((check(name, ok, detail), not_restored))
}
