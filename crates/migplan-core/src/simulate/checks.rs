//! The simulation's checks, one function each, in the order they run:
//! up applies, the schema after up, data preserved, integrity, a second
//! run, down restores.

use sqlparser::ast::{FromTable, Statement, TableFactor, TableObject};

use super::*;
use crate::names;
use crate::parse::Section;

/// Runs up; false (with the failure recorded) when the rest cannot follow.
pub(super) async fn up_applies(
    engine: &mut dyn Engine,
    up_t: &[Translated],
    o: &SimOptions,
    r: &mut SimulationReport,
) -> bool {
    r.coverage = Coverage {
        statements: up_t.len(),
        simulated: up_t.iter().filter(|t| t.simulated).count(),
        skipped: up_t
            .iter()
            .filter(|t| !t.simulated)
            .map(|t| format!("line {}: {}", t.line, t.note.clone().unwrap_or_default()))
            .collect(),
    };
    let up_ok = run_all(engine, up_t, Phase::Migration, r).await;
    if up_ok && r.coverage.simulated == 0 && r.coverage.statements > 0 {
        // A simulation that ran none of the migration proves nothing.
        r.checks.push(Check {
            name: "up applies".into(),
            ok: false,
            detail: format!(
                "nothing was simulated: none of the migration's {} statements could run on SQLite",
                r.coverage.statements
            ),
            note: false,
        });
        return false;
    }
    let detail = if up_ok {
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
        failure_line(r)
    };
    r.checks.push(Check {
        name: "up applies".into(),
        ok: up_ok,
        detail,
        note: false,
    });
    up_ok
}

/// Tables, columns, NOT NULL, indexes, each column's type (as SQLite's
/// affinity) and whether it has a default, as the model expects them.
/// Tables whose columns the model cannot know (CREATE TABLE … AS) are left
/// out.
pub(super) async fn schema_after_up(
    engine: &mut dyn Engine,
    session: &Session,
    r: &mut SimulationReport,
) {
    let after = session.after();
    let opaque: BTreeSet<String> = after
        .tables
        .values()
        .filter(|t| !t.columns_known)
        .map(|t| t.name.to_lowercase())
        .collect();
    let actual: BTreeSet<String> = read_structure(engine, true)
        .await
        .into_iter()
        .filter(|e| !opaque.contains(entry_table(e)))
        .collect();
    let mut expected = shape(after);
    expected.extend(model_types(after, session.dialect()));
    let missing: Vec<String> = expected.difference(&actual).cloned().collect();
    let extra: Vec<String> = actual.difference(&expected).cloned().collect();
    r.checks.push(Check {
        name: "schema after up".into(),
        ok: missing.is_empty() && extra.is_empty(),
        detail: if missing.is_empty() && extra.is_empty() {
            format!(
                "{} table(s) with their columns, types, defaults and indexes as expected ({} facts compared)",
                super::readback::compared_tables(after).count(),
                expected.len()
            )
        } else {
            format!(
                "expected but missing: {}; not expected: {}",
                list(&missing),
                list(&extra)
            )
        },
        note: false,
    });
}

/// Every change to the rows is one the migration makes: a table or column
/// it drops or retypes, or a table its own statements write to. Anything
/// else (a rebuild that leaves a column behind, a cascade into another
/// table) fails the check.
pub(super) fn data_preserved(
    session: &Session,
    before: &Catalog,
    snap_before: &Snapshot,
    snap_after: &Snapshot,
    r: &mut SimulationReport,
) {
    let after = session.after();
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
    let changed = data_changes(snap_before, snap_after);
    let intent = Intent::of(session);
    let unintended: Vec<String> = changed
        .iter()
        .filter(|c| c.loses() && !intent.explains(c, before, after))
        .map(ToString::to_string)
        .collect();
    let loses = changed.iter().any(DataChange::loses);
    let changed: Vec<String> = changed.iter().map(ToString::to_string).collect();
    let detail = if changed.is_empty() {
        "every row and value of every table is unchanged".into()
    } else if !unintended.is_empty() {
        format!(
            "changed by no statement of the migration: {}",
            unintended.join("; ")
        )
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
    };
    r.checks.push(Check {
        name: "data preserved".into(),
        ok: unintended.is_empty(),
        detail,
        note: false,
    });
}

/// No row violates a foreign key.
pub(super) async fn integrity(engine: &mut dyn Engine, r: &mut SimulationReport) {
    let orphans = rows_of(engine, "PRAGMA foreign_key_check").await;
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
        note: false,
    });
}

/// Up run a second time (then undone): refusing is fine (frameworks run a
/// migration once, and a retry stops at the first statement), but a
/// second run that goes through and changes the data again would corrupt
/// it on a retried deploy.
pub(super) async fn second_run(
    engine: &mut dyn Engine,
    up_t: &[Translated],
    after: &Catalog,
    snap_after: &Snapshot,
    r: &mut SimulationReport,
) {
    let _ = engine.execute("SAVEPOINT migplan_again").await;
    // PRAGMA foreign_keys=OFF is ignored in a transaction: rebuilds inside
    // need the checks deferred to the end of it instead.
    let _ = engine.execute("PRAGMA defer_foreign_keys=ON").await;
    let mut probe = SimulationReport {
        failure: None,
        skipped: Vec::new(),
        ..r.clone()
    };
    let again_ok = run_all(engine, up_t, Phase::Migration, &mut probe).await;
    let again = if again_ok {
        data_changes(snap_after, &snapshot(engine, after).await)
    } else {
        Vec::new()
    };
    let _ = engine.execute("ROLLBACK TO migplan_again").await;
    let _ = engine.execute("RELEASE migplan_again").await;
    let detail = match (again_ok, again.is_empty()) {
        (true, true) => "running up again succeeds (idempotent)".into(),
        (true, false) => format!(
            "running up again succeeds and changes the data again: {}",
            again
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        (false, _) => format!(
            "running up again stops{}: a retried deploy stops there too, changing nothing",
            probe
                .failure
                .map(|f| format!(" at line {}, column {} ({})", f.line, f.column, f.message))
                .unwrap_or_default()
        ),
    };
    r.checks.push(Check {
        name: "second run".into(),
        ok: again.is_empty(),
        detail,
        // Refusing to run twice is neither a pass nor a failure.
        note: !again_ok,
    });
}

/// The down (the user's, or the generated one) brings back the schema and
/// says what data it cannot.
pub(super) async fn down_restores(
    engine: &mut dyn Engine,
    session: &Session,
    o: &SimOptions,
    before: &Catalog,
    snap_before: &Snapshot,
    r: &mut SimulationReport,
) {
    let generated = rollback::generate(session);
    // `table.column` the generated rollback says it cannot bring back.
    let declared: BTreeSet<String> = generated
        .steps
        .iter()
        .flat_map(|s| s.inverse.lost())
        .filter_map(rollback::Lost::column)
        .collect();
    let down_sql = o.down.clone().unwrap_or(generated.sql);
    let mut down_model = session.after().clone();
    let down_t = translate(session.dialect(), &down_sql, &mut down_model);
    if !run_all(engine, &down_t, Phase::Down, r).await {
        let detail = format!(
            "the {} down migration fails: {}",
            if o.down.is_some() {
                "given"
            } else {
                "generated"
            },
            failure_line(r)
        );
        r.checks.push(Check {
            name: "down restores".into(),
            ok: false,
            detail,
            note: false,
        });
        return;
    }
    let restored = read_schema(engine).await;
    let want = shape(before);
    let schema_equal = restored == want;
    let lost_after_down = not_restored(snap_before, &snapshot(engine, before).await);
    r.round_trip = Some(RoundTrip {
        schema_equal,
        data_equal: lost_after_down.is_empty(),
        lost: lost_after_down.clone(),
        schema_differences: Vec::new(),
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
        note: false,
    });
}

/// Tables and columns whose rows the down did not bring back.
fn not_restored(snap_before: &Snapshot, snap_down: &Snapshot) -> Vec<String> {
    let mut lost = Vec::new();
    for (t, (count, cols)) in snap_before {
        match snap_down.get(t) {
            None => lost.push(t.clone()),
            Some((c2, cols2)) => {
                if c2 != count {
                    lost.push(format!("{t} ({count} rows before, {c2} after down)"));
                }
                for (c, sum) in cols {
                    if cols2.get(c) != Some(sum) {
                        lost.push(format!("{t}.{c}"));
                    }
                }
            }
        }
    }
    lost
}

/// What the migration sets out to change in the data, from its statements
/// and the schema before and after it.
struct Intent {
    /// Tables the migration's own statements write rows to.
    written: BTreeSet<String>,
}

impl Intent {
    fn of(session: &Session) -> Intent {
        let d = session.dialect();
        let mut written = BTreeSet::new();
        for s in session.migration().filter(|s| s.section == Section::Up) {
            match &s.ast {
                Some(Statement::Insert(i)) => {
                    if let TableObject::TableName(n) = &i.table {
                        written.insert(names::object(n, d));
                    }
                }
                Some(Statement::Update(u)) => {
                    if let TableFactor::Table { name, .. } = &u.table.relation {
                        written.insert(names::object(name, d));
                    }
                }
                Some(Statement::Delete(del)) => {
                    let from = match &del.from {
                        FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
                    };
                    for t in from {
                        if let TableFactor::Table { name, .. } = &t.relation {
                            written.insert(names::object(name, d));
                        }
                    }
                }
                Some(Statement::Truncate(t)) => {
                    for target in &t.table_names {
                        written.insert(names::object(&target.name, d));
                    }
                }
                _ => {}
            }
        }
        Intent { written }
    }

    /// Whether the migration means to make `change`.
    fn explains(&self, change: &DataChange, before: &Catalog, after: &Catalog) -> bool {
        let dropped = |table: &str| after.table(table).is_none();
        let column_dropped_or_retyped = |table: &str, column: &str| {
            let old = before.table(table).and_then(|t| t.column(column));
            let new = after.table(table).and_then(|t| t.column(column));
            match (old, new) {
                (Some(old), Some(new)) => old.data_type != new.data_type,
                (_, None) => true,
                (None, Some(_)) => false,
            }
        };
        match change {
            DataChange::Moved { .. } => true,
            DataChange::TableGone { table, .. } | DataChange::RowCount { table, .. } => {
                dropped(table) || self.written.contains(table)
            }
            DataChange::ValuesChanged { table, column }
            | DataChange::ColumnGone { table, column, .. } => {
                dropped(table)
                    || self.written.contains(table)
                    || column_dropped_or_retyped(table, column)
            }
        }
    }
}
