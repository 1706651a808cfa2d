//! The plan simulated step by step, with a rollback from every step.

use super::*;
/// How one applied step went: a pass when it ran (and foreign keys hold),
/// a note when none of its statements could be simulated (it is listed
/// under coverage, never shown as passed).
fn step_check(
    n: usize,
    step: &crate::plan::Step,
    up: &[Translated],
    runs: usize,
    orphans: usize,
) -> Check {
    let simulated = up.iter().filter(|t| t.simulated).count();
    let name = format!("step {n}: {}", step.title);
    if simulated == 0 && !up.is_empty() {
        return Check {
            name,
            ok: true,
            detail: "not simulated here (see coverage)".to_string(),
            note: true,
        };
    }
    let partly = if simulated < up.len() {
        format!(
            " ({simulated} of {} statements; the rest not simulated)",
            up.len()
        )
    } else {
        String::new()
    };
    Check {
        name,
        ok: orphans == 0,
        detail: match (step.repeat, orphans) {
            (true, 0) => format!("applied in {runs} runs (the last changed no row){partly}"),
            (false, 0) => format!("applied; foreign keys hold{partly}"),
            (_, k) => format!("applied, but {k} rows violate foreign keys{partly}"),
        },
        note: false,
    }
}

/// The plan run step by step on sample rows: after each step, whether it
/// applied and foreign keys hold; and from every step, whether rolling
/// back all steps so far restores the schema and the data.
pub async fn simulate_plan(
    engine: &mut dyn Engine,
    session: &Session,
    plan: &crate::plan::Plan,
    data: &DataOptions,
) -> SimulationReport {
    simulate_plan_with(engine, session, plan, data, Rollbacks::FromEveryStep).await
}

/// From which steps a plan simulation rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollbacks {
    /// From every step (what a user reads: each step can be undone).
    FromEveryStep,
    /// From the last step only (the plan check of long histories).
    FromTheEnd,
}

/// [`simulate_plan`], rolling back from the steps `rollbacks` says.
pub async fn simulate_plan_with(
    engine: &mut dyn Engine,
    session: &Session,
    plan: &crate::plan::Plan,
    data: &DataOptions,
    rollbacks: Rollbacks,
) -> SimulationReport {
    let d = session.dialect();
    let o = SimOptions {
        data: data.clone(),
        down: None,
        rows_sql: None,
    };
    // The same start as a simulation of the migration: schema, then rows.
    let p = match prepare_with_rows(engine, session, &o, &mut |_, _| {}).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Prepared {
        report: mut r,
        before,
        ..
    } = p;
    let mut model = before.clone();
    let initial = read_schema(engine).await;
    let snap_before = snapshot(engine, &before).await;
    // The migration as written, from the same start, undone at once: the
    // schema the plan must reach.
    let migrated = migration_schema(engine, session, &before, &r).await;
    // No step: nothing to roll back.
    let mut restores_from_last = true;
    let mut last_rollback = String::new();
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
            if !run_all(engine, &up_t, Phase::Migration, &mut r).await {
                break false;
            }
            let changed = rows_of(engine, "SELECT changes()")
                .await
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
                note: false,
            });
            break;
        }
        let orphans = rows_of(engine, "PRAGMA foreign_key_check").await.len();
        r.checks.push(step_check(n, step, &up_t, runs, orphans));
        let down_t = step
            .down
            .as_ref()
            .map(|sql| translate(d, sql, &mut after_step.clone()));
        downs.push(down_t);
        model = after_step;
        if rollbacks == Rollbacks::FromTheEnd && n < plan.steps.len() {
            continue;
        }
        // Roll back every step so far, then undo that rollback.
        let (ok, data_back, detail) =
            rollback_from_here(engine, &downs, &before, &initial, &snap_before, &r).await;
        restores_from_last = ok && data_back;
        last_rollback.clone_from(&detail);
        // A step known to be irreversible that does not come back is what
        // the plan says: a note, not a pass.
        let expected = step.irreversible && !ok;
        r.checks.push(Check {
            name: format!("rollback from step {n}"),
            ok: ok || step.irreversible,
            detail: if expected {
                format!(
                    "{detail} (expected: {})",
                    step.reason.clone().unwrap_or_default()
                )
            } else {
                detail
            },
            note: expected,
        });
    }
    r.coverage.statements = statements;
    r.coverage.simulated = simulated;
    let applied_all = r.failure.is_none() && downs.len() == plan.steps.len();
    if applied_all {
        let planned = read_structure(engine, true).await;
        let mut plan_check = match migrated {
            Ok(migrated) => compared_structures(plan, &migrated, &planned, restores_from_last),
            Err(failure) => crate::simulate::PlanCheck {
                equivalent: false,
                differences: Vec::new(),
                intended: Vec::new(),
                down_restores: restores_from_last,
                not_restored: Vec::new(),
                migration_fails: Some(failure),
            },
        };
        if !restores_from_last {
            plan_check.not_restored.push(last_rollback);
        }
        r.checks.push(plan_check.report_line());
        r.plan_check = Some(plan_check);
    }
    finish(engine, r).await
}

/// The schema the migration as written reaches from the current state,
/// run inside a savepoint that is rolled back; its failure otherwise.
async fn migration_schema(
    engine: &mut dyn Engine,
    session: &Session,
    before: &Catalog,
    r: &SimulationReport,
) -> Result<BTreeSet<String>, String> {
    let d = session.dialect();
    // Its own BEGIN/COMMIT would end the savepoint this runs in.
    let up: Vec<&crate::ParsedStatement> = session
        .migration()
        .filter(|s| s.is_sql() && s.section == crate::parse::Section::Up)
        .filter(|s| {
            !matches!(
                s.ast,
                Some(
                    sqlparser::ast::Statement::StartTransaction { .. }
                        | sqlparser::ast::Statement::Commit { .. }
                        | sqlparser::ast::Statement::Rollback { .. }
                )
            )
        })
        .collect();
    let written = crate::translate::translate_statements(d, up, &mut before.clone());
    let mut probe = SimulationReport {
        failure: None,
        ..r.clone()
    };
    let _ = engine.execute("SAVEPOINT migplan_as_written").await;
    let _ = engine.execute("PRAGMA defer_foreign_keys=ON").await;
    let result = if run_all(engine, &written, Phase::Migration, &mut probe).await {
        Ok(read_structure(engine, true).await)
    } else {
        Err(probe
            .failure
            .map(|f| format!("line {}: {}", f.line, f.message))
            .unwrap_or_default())
    };
    let _ = engine.execute("ROLLBACK TO migplan_as_written").await;
    let _ = engine.execute("RELEASE migplan_as_written").await;
    result
}

/// The plan's schema (as SQLite reads it back) against the migration's,
/// the copies of data the plan keeps on purpose set apart.
fn compared_structures(
    plan: &crate::plan::Plan,
    migrated: &BTreeSet<String>,
    planned: &BTreeSet<String>,
    down_restores: bool,
) -> crate::simulate::PlanCheck {
    let kept: Vec<String> = plan
        .kept_tables()
        .iter()
        // As SQLite's structure is read back: lower case.
        .map(|name| crate::names::last(name).to_lowercase())
        .collect();
    // `table t`, `column t.c`, `type t.c: ...`, `not null t.c`, ...
    let keeps = |line: &str| {
        kept.iter().any(|table| {
            line.ends_with(&format!(" {table}")) || line.contains(&format!(" {table}."))
        })
    };
    let (intended, differences): (Vec<String>, Vec<String>) = migrated
        .difference(planned)
        .map(|l| format!("- {l}"))
        .chain(planned.difference(migrated).map(|l| format!("+ {l}")))
        .partition(|line| keeps(&line[2..]));
    crate::simulate::PlanCheck {
        equivalent: differences.is_empty(),
        differences,
        intended,
        down_restores,
        not_restored: Vec::new(),
        migration_fails: None,
    }
}

/// Runs the downs of every step so far (last first) inside a savepoint,
/// compares the schema and the data with the start, then undoes it all:
/// whether the schema came back, and what happened.
async fn rollback_from_here(
    engine: &mut dyn Engine,
    downs: &[Option<Vec<Translated>>],
    before: &Catalog,
    initial: &BTreeSet<String>,
    snap_before: &Snapshot,
    r: &SimulationReport,
) -> (bool, bool, String) {
    let _ = engine.execute("SAVEPOINT migplan_rollback").await;
    // PRAGMA foreign_keys=OFF is ignored in a transaction: rebuilds inside
    // need the checks deferred to the end of it instead.
    let _ = engine.execute("PRAGMA defer_foreign_keys=ON").await;
    let mut probe = SimulationReport {
        failure: None,
        ..r.clone()
    };
    let mut missing = Vec::new();
    let mut down_ok = true;
    for (j, d_t) in downs.iter().enumerate().rev() {
        match d_t {
            Some(t) => {
                if !run_all(engine, &inside_savepoint(t), Phase::Down, &mut probe).await {
                    down_ok = false;
                    break;
                }
            }
            None => missing.push(j + 1),
        }
    }
    let detail;
    let ok;
    let mut data_back = false;
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
        let schema_now = read_schema(engine).await;
        let snap_now = snapshot(engine, before).await;
        let schema_back = schema_now == *initial;
        data_back = snap_now == *snap_before;
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
    let _ = engine.execute("ROLLBACK TO migplan_rollback").await;
    let _ = engine.execute("RELEASE migplan_rollback").await;
    (ok, data_back, detail)
}

/// `statements` without their own BEGIN and COMMIT (a SQLite rebuild's),
/// to run inside the savepoint a rollback is tried in.
fn inside_savepoint(statements: &[Translated]) -> Vec<Translated> {
    let controls_transaction = |sql: &String| {
        let words: Vec<String> = sql
            .split_whitespace()
            .map(|w| w.trim_end_matches(';').to_ascii_uppercase())
            .collect();
        matches!(
            words.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["BEGIN"] | ["BEGIN", "TRANSACTION"] | ["COMMIT"] | ["COMMIT", "TRANSACTION"] | ["END"]
        )
    };
    statements
        .iter()
        .map(|t| Translated {
            sqlite: t
                .sqlite
                .iter()
                .filter(|sql| !controls_transaction(sql))
                .cloned()
                .collect(),
            ..t.clone()
        })
        .collect()
}
