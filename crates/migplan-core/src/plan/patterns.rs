//! The safe patterns, per dialect: what one migration statement becomes in
//! a plan.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, Expr, ObjectType, Statement,
    TableConstraint,
};

use super::dependents::{self, with_column_as};
use super::native::{self, ConstraintKind as Kind, Native};
use super::{Phase, PlanContext, Step, copies};
use crate::catalog::{Column, ConstraintKind, Table};
use crate::locks::{self, MysqlAlgorithm, binary_coercible};
use crate::rollback::{Undo, inverse};
use crate::{Dialect, ddl, names};

/// The steps for one parsed statement.
pub(super) fn steps_for(
    pc: &PlanContext,
    stmt: &Statement,
    sql: &str,
    notes: &mut Vec<String>,
) -> Vec<Step> {
    let d = pc.dialect;
    match stmt {
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. } => {
            notes.push(format!(
                "line {}: transaction control is left out; each step says whether it runs in a transaction",
                pc.line
            ));
            Vec::new()
        }
        Statement::Set(_) => {
            notes.push(format!(
                "line {}: session setting left out of the plan (steps set lock_timeout themselves): {}",
                pc.line,
                sql.lines().next().unwrap_or_default()
            ));
            Vec::new()
        }
        Statement::CreateIndex(ci) => {
            let table = names::object(&ci.table_name, d);
            if pc.created.contains(&table) || pc.before.table(&table).is_none() {
                return vec![passthrough(pc, stmt, sql)];
            }
            match d {
                Dialect::Postgres => create_index_concurrently(pc, ci),
                Dialect::Mysql => vec![mysql_online_index(pc, ci, sql)],
                Dialect::Sqlite => vec![passthrough(pc, stmt, sql)],
            }
        }
        Statement::Drop {
            object_type: ObjectType::Index,
            names: objects,
            ..
        } if d == Dialect::Postgres => objects
            .iter()
            .map(|o| {
                let name = names::object(o, d);
                drop_index_concurrently(pc, &name)
            })
            .collect(),
        Statement::Drop {
            object_type: ObjectType::Table,
            names: objects,
            ..
        } => objects
            .iter()
            .flat_map(|o| {
                let t = names::object(o, d);
                match pc.before.table(&t) {
                    Some(table) if !pc.created.contains(&t) => drop_table(pc, table),
                    _ => vec![passthrough(pc, stmt, sql)],
                }
            })
            .collect(),
        Statement::Update(_) | Statement::Delete(_)
            if pc.options.keep_copies && copies::changes_existing_rows(pc, stmt) =>
        {
            copies::copy_then_change(pc, stmt, sql)
                .unwrap_or_else(|| vec![passthrough(pc, stmt, sql)])
        }
        Statement::Update(u) if u.selection.is_none() && u.limit.is_none() => {
            match relation(pc, &u.table.relation) {
                Some(table) if !pc.created.contains(&table.name) => batched_update(pc, table, u),
                _ => vec![passthrough(pc, stmt, sql)],
            }
        }
        Statement::Delete(del) if del.selection.is_none() && del.limit.is_none() => {
            let tables = match &del.from {
                sqlparser::ast::FromTable::WithFromKeyword(t)
                | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
            };
            match tables.first().and_then(|t| relation(pc, &t.relation)) {
                Some(table) if !pc.created.contains(&table.name) => batched_delete(pc, table),
                _ => vec![passthrough(pc, stmt, sql)],
            }
        }
        Statement::Truncate(tr) => {
            let mut out = Vec::new();
            for t in &tr.table_names {
                let name = names::object(&t.name, d);
                match pc.before.table(&name) {
                    Some(table) if !pc.created.contains(&name) => out.extend(truncate(pc, table)),
                    _ => out.push(passthrough(pc, stmt, sql)),
                }
            }
            out
        }
        Statement::AlterTable(at) => {
            let table_name = names::object(&at.name, d);
            let Some(table) = pc.before.table(&table_name) else {
                return vec![passthrough(pc, stmt, sql)];
            };
            if pc.created.contains(&table_name) {
                return vec![passthrough(pc, stmt, sql)];
            }
            alter_table(pc, table, at, stmt, sql)
        }
        Statement::RenameTable(list) if list.len() == 1 => {
            let from = names::object(&list[0].old_name, d);
            let to = names::object(&list[0].new_name, d);
            if pc.created.contains(&from) || pc.before.table(&from).is_none() {
                return vec![passthrough(pc, stmt, sql)];
            }
            rename_table(pc, &from, &to)
        }
        _ => vec![passthrough(pc, stmt, sql)],
    }
}

fn relation<'a>(pc: &PlanContext<'a>, tf: &sqlparser::ast::TableFactor) -> Option<&'a Table> {
    match tf {
        sqlparser::ast::TableFactor::Table { name, .. } => {
            pc.before.table(&names::object(name, pc.dialect))
        }
        _ => None,
    }
}

/// A statement kept as written, with its generated inverse.
pub(super) fn passthrough(pc: &PlanContext, stmt: &Statement, sql: &str) -> Step {
    let inv = inverse(stmt, pc.before, pc.dialect);
    let phase = match stmt {
        Statement::Update(_)
        | Statement::Delete(_)
        | Statement::Insert(_)
        | Statement::Merge(_) => Phase::Migrate,
        Statement::Drop { .. }
        | Statement::DropFunction(_)
        | Statement::DropTrigger(_)
        | Statement::DropExtension(_)
        | Statement::DropProcedure { .. }
        | Statement::DropDomain(_)
        | Statement::DropPolicy(_)
        | Statement::Truncate(_) => Phase::Contract,
        Statement::AlterTable(at)
            if at.operations.iter().all(|op| {
                matches!(
                    op,
                    AlterTableOperation::DropColumn { .. }
                        | AlterTableOperation::DropConstraint { .. }
                        | AlterTableOperation::DropIndex { .. }
                        | AlterTableOperation::DropPrimaryKey { .. }
                        | AlterTableOperation::DropForeignKey { .. }
                )
            }) =>
        {
            Phase::Contract
        }
        _ => Phase::Expand,
    };
    let first = sql.lines().next().unwrap_or_default();
    let title = format!("Run as written: {}", shorten(first, 60));
    // "Safe" only for what can be undone: a step marked irreversible
    // never says it is safe to run.
    match &inv {
        Undo::Impossible(why) => Step::new(
            phase,
            title,
            format!("Kept as written; it cannot be undone ({why})."),
            sql,
        )
        .no_down(why.clone()),
        _ => match inv.lossy_text() {
            Some(lost) => Step::new(
                phase,
                title,
                format!("Kept as written; undoing it does not restore {lost}."),
                sql,
            )
            .down(inv.down_sql().unwrap_or_default())
            .lossy(format!("undoing it does not restore {lost}")),
            None => Step::new(phase, title, "Safe to run as written.", sql)
                .down(inv.down_sql().unwrap_or_default()),
        },
    }
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

// ---------------------------------------------------------------- indexes

fn create_index_concurrently(pc: &PlanContext, ci: &sqlparser::ast::CreateIndex) -> Vec<Step> {
    let d = pc.dialect;
    let mut ci = ci.clone();
    let table = names::object(&ci.table_name, d);
    let name = match &ci.name {
        Some(n) => names::object(n, d),
        None => {
            let name = crate::catalog::auto_index_name(&table, &ci.columns, d);
            ci.name = Some(sqlparser::ast::ObjectName::from(vec![
                sqlparser::ast::Ident::new(&name),
            ]));
            name
        }
    };
    ci.concurrently = true;
    // IF NOT EXISTS would hide an index of that name the schema already
    // has (the build would silently do nothing): only where it is free.
    ci.if_not_exists =
        ci.if_not_exists || (pc.options.idempotent && !pc.before.indexes.contains_key(&name));
    let ie = pc.if_exists();
    // IF NOT EXISTS over an index that is there does nothing; its down must
    // not drop the index the schema had.
    let down = if ci.if_not_exists && pc.before.indexes.contains_key(&name) {
        format!("-- nothing to undo: index {name} was there before, so the build did nothing")
    } else {
        format!("DROP INDEX CONCURRENTLY {ie}{}", ddl::name(&name, d))
    };
    let native_up = native::index(&ci, &table, &name, d);
    let native_down = Some(Native::RemoveIndex {
        table: table.clone(),
        name: name.clone(),
        concurrently: true,
        guard: pc.options.idempotent,
    });
    vec![
        Step::new(
            Phase::Expand,
            format!("Build index {name} concurrently"),
            format!(
                "CREATE INDEX CONCURRENTLY takes only a SHARE UPDATE EXCLUSIVE lock, so writes to {table} go on during the build. It cannot run in a transaction: give it its own migration. If it fails it leaves an INVALID index: drop it and run the step again."
            ),
            Statement::CreateIndex(ci).to_string(),
        )
        .down(down)
        .native(native_up, native_down)
        .non_transactional()
        .idempotent(),
    ]
}

fn drop_index_concurrently(pc: &PlanContext, name: &str) -> Step {
    let d = pc.dialect;
    let ie = pc.if_exists();
    let up = format!("DROP INDEX CONCURRENTLY {ie}{}", ddl::name(name, d));
    let step = Step::new(
        Phase::Contract,
        format!("Drop index {name} concurrently"),
        "DROP INDEX CONCURRENTLY waits for queries using the index instead of blocking the table. Check first that nothing uses it (pg_stat_user_indexes.idx_scan).",
        up,
    )
    .non_transactional()
    .idempotent();
    match pc.before.indexes.get(name) {
        Some(i) => step.down(ddl::create_index(i, d, true)).native(
            Some(Native::RemoveIndex {
                table: i.table.clone(),
                name: name.to_string(),
                concurrently: true,
                guard: pc.options.idempotent,
            }),
            None,
        ),
        None => step.no_down(format!(
            "index {name} is not in the schema, so it cannot be rebuilt"
        )),
    }
}

fn mysql_online_index(pc: &PlanContext, ci: &sqlparser::ast::CreateIndex, sql: &str) -> Step {
    let d = pc.dialect;
    let Some(name) = ci.name.as_ref() else {
        return Step::new(Phase::Expand, "Run as written", "", sql)
            .no_down("the index has no name");
    };
    // The statement as written (names keep their case and quoting), with
    // the online algorithm asked for.
    let mut online = ci.clone();
    online.alter_options = vec![
        AlterTableOperation::Algorithm {
            equals: true,
            algorithm: sqlparser::ast::AlterTableAlgorithm::Inplace,
        },
        AlterTableOperation::Lock {
            equals: true,
            lock: sqlparser::ast::AlterTableLock::None,
        },
    ];
    Step::new(
        Phase::Expand,
        format!("Add index {} online", names::object(name, d)),
        "InnoDB builds secondary indexes in place while reads and writes go on; asking for ALGORITHM=INPLACE, LOCK=NONE makes MySQL refuse instead of falling back to a blocking copy.",
        Statement::CreateIndex(online).to_string(),
    )
    .down(format!("DROP INDEX {name} ON {}", ci.table_name))
}

// ---------------------------------------------------------------- ALTER TABLE

fn alter_table(
    pc: &PlanContext,
    table: &Table,
    at: &sqlparser::ast::AlterTable,
    stmt: &Statement,
    sql: &str,
) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    // SQLite can only rename, add and drop columns: anything else is a rebuild.
    if d == Dialect::Sqlite {
        let native = at.operations.iter().all(|op| {
            matches!(
                op,
                AlterTableOperation::AddColumn { .. }
                    | AlterTableOperation::DropColumn { .. }
                    | AlterTableOperation::RenameColumn { .. }
                    | AlterTableOperation::RenameTable { .. }
            )
        }) && !sqlite_add_column_needs_rebuild(at);
        // Older SQLite lacks DROP COLUMN (before 3.35), which the safe
        // patterns for dropping and renaming a column end with, and RENAME
        // COLUMN (before 3.25): those become one rebuild.
        let version_ok = at.operations.iter().all(|op| match op {
            AlterTableOperation::DropColumn { .. } | AlterTableOperation::RenameColumn { .. } => {
                pc.options.sqlite_at_least(3, 35)
            }
            _ => true,
        });
        if !native || !version_ok {
            return sqlite_rebuild(pc, table, stmt);
        }
    }
    let per_op: Vec<(&AlterTableOperation, Vec<Step>)> = at
        .operations
        .iter()
        .map(|op| (op, alter_op(pc, table, op)))
        .collect();
    if per_op.iter().all(|(_, steps)| steps.is_empty()) {
        // Nothing needed a pattern: the statement as written (MySQL with
        // the algorithm made explicit).
        let mut step = passthrough(pc, stmt, sql);
        if d == Dialect::Mysql {
            step.up = mysql_with_algorithm(pc, table, at, sql);
        }
        return vec![step];
    }
    // In the author's order (a column before the foreign key on it); the
    // phases sort them later, keeping this order within each.
    let mut out = Vec::new();
    for (op, steps) in per_op {
        if !steps.is_empty() {
            out.extend(steps);
            continue;
        }
        let single = sqlparser::ast::AlterTable {
            operations: vec![op.clone()],
            ..at.clone()
        };
        let single_stmt = Statement::AlterTable(single);
        let text = format!("ALTER TABLE {table_sql} {op}");
        let mut step = passthrough(pc, &single_stmt, &text);
        if drops_a_name_added_again(op, at, table, d) {
            // `DROP CONSTRAINT x, ADD CONSTRAINT x ...`: the drop goes first,
            // in the phase of the steps that add it back.
            step.phase = Phase::Expand;
            out.insert(0, step);
        } else {
            out.push(step);
        }
    }
    out
}

/// Whether `op` drops a constraint that a later operation of the same
/// ALTER TABLE adds again under the same name.
fn drops_a_name_added_again(
    op: &AlterTableOperation,
    at: &sqlparser::ast::AlterTable,
    table: &Table,
    d: Dialect,
) -> bool {
    let AlterTableOperation::DropConstraint { name, .. } = op else {
        return false;
    };
    let dropped = names::ident(name, d);
    at.operations.iter().any(|other| match other {
        AlterTableOperation::AddConstraint { constraint, .. } => {
            crate::catalog::constraint_name(constraint, table, d).as_deref()
                == Some(dropped.as_str())
        }
        _ => false,
    })
}

/// The ALTER as written with `ALGORITHM=...` (and `LOCK=NONE`) made explicit
/// when the user did not ask for one.
fn mysql_with_algorithm(
    pc: &PlanContext,
    table: &Table,
    at: &sqlparser::ast::AlterTable,
    sql: &str,
) -> String {
    let (requested, _) = locks::mysql_requested(&at.operations);
    if requested.is_some() {
        return sql.to_string();
    }
    let algorithm = at
        .operations
        .iter()
        .map(|op| locks::mysql_op_algorithm(op, &table.name, pc.before).0)
        .max();
    let clause = match algorithm {
        Some(MysqlAlgorithm::Instant) => ", ALGORITHM=INSTANT",
        Some(MysqlAlgorithm::Inplace) => ", ALGORITHM=INPLACE, LOCK=NONE",
        _ => "",
    };
    format!("{}{clause}", sql.trim_end().trim_end_matches(';'))
}

/// Steps for one operation on an existing table; empty when the operation
/// is fine as written.
fn alter_op(pc: &PlanContext, table: &Table, op: &AlterTableOperation) -> Vec<Step> {
    let d = pc.dialect;
    match (d, op) {
        (_, AlterTableOperation::AddColumn { column_def, .. }) => add_column(pc, table, column_def),
        (_, AlterTableOperation::DropColumn { column_names, .. }) => column_names
            .iter()
            .flat_map(|c| drop_column(pc, table, &names::ident(c, d)))
            .collect(),
        (
            _,
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            },
        ) => rename_column_op(
            pc,
            table,
            &names::ident(old_column_name, d),
            &names::ident(new_column_name, d),
        ),
        (
            Dialect::Mysql,
            AlterTableOperation::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                ..
            },
        ) if names::ident(old_name, d) != names::ident(new_name, d) => {
            let from = names::ident(old_name, d);
            let to = names::ident(new_name, d);
            let same_type = table
                .column(&from)
                .is_some_and(|c| c.data_type == names::data_type(data_type, d));
            match table.column(&from) {
                Some(col) if same_type => {
                    rename_column(pc, table, col, &to, declares_not_null(options))
                }
                _ => Vec::new(),
            }
        }
        (
            Dialect::Mysql,
            AlterTableOperation::ModifyColumn {
                col_name,
                data_type,
                options,
                ..
            },
        ) => mysql_modify_column(
            pc,
            table,
            op,
            &names::ident(col_name, d),
            data_type,
            options,
        ),
        (
            Dialect::Postgres,
            AlterTableOperation::AlterColumn {
                column_name,
                op: aop,
            },
        ) => pg_alter_column(pc, table, &names::ident(column_name, d), aop),
        (
            Dialect::Postgres,
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            },
        ) => match constraint {
            TableConstraint::ForeignKey(_) | TableConstraint::Check(_) if !not_valid => {
                add_then_validate(pc, table, constraint)
            }
            TableConstraint::Unique(_) | TableConstraint::PrimaryKey(_) => {
                unique_via_index(pc, table, constraint)
            }
            _ => Vec::new(),
        },
        (
            Dialect::Mysql,
            AlterTableOperation::AddConstraint {
                constraint: constraint @ TableConstraint::ForeignKey(fk),
                ..
            },
        ) => mysql_foreign_key(pc, table, constraint, fk),
        (_, AlterTableOperation::RenameTable { table_name }) => {
            let (sqlparser::ast::RenameTableNameKind::As(n)
            | sqlparser::ast::RenameTableNameKind::To(n)) = table_name;
            let mut to = names::object(n, d);
            if d == Dialect::Postgres
                && !to.contains('.')
                && let Some((schema, _)) = table.name.rsplit_once('.')
            {
                to = format!("{schema}.{to}");
            }
            rename_table(pc, &table.name, &to)
        }
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------- columns

fn has(c: &sqlparser::ast::ColumnDef, f: impl Fn(&ColumnOption) -> bool) -> bool {
    c.options.iter().any(|o| f(&o.option))
}

fn add_column(pc: &PlanContext, table: &Table, c: &sqlparser::ast::ColumnDef) -> Vec<Step> {
    let d = pc.dialect;
    if d != Dialect::Postgres {
        return Vec::new();
    }
    let ty = names::data_type(&c.data_type, d);
    let default = c.options.iter().find_map(|o| match &o.option {
        ColumnOption::Default(e) => Some(e),
        _ => None,
    });
    let serial = matches!(ty.as_str(), "serial" | "bigserial" | "smallserial");
    let not_null = has(c, |o| matches!(o, ColumnOption::NotNull));
    let volatile = default.is_some_and(locks::is_volatile);
    let old_pg_default = default.is_some() && pc.options.pg_version < 11;
    let needs_value = not_null && default.is_none() && !serial;
    if !(serial || volatile || old_pg_default || needs_value) {
        return Vec::new();
    }
    let col = names::ident(&c.name, d);
    let column_sql = ddl::ident(&col, d);
    let table_sql = ddl::name(&table.name, d);
    let plain_type = match ty.as_str() {
        "serial" => "integer".to_string(),
        "bigserial" => "bigint".to_string(),
        "smallserial" => "smallint".to_string(),
        _ => c.data_type.to_string(),
    };
    let ine = pc.if_not_exists();
    let ie = pc.if_exists();
    let mut steps = vec![
        Step::new(
            Phase::Expand,
            format!(
                "Add {}.{col} as a nullable column without default",
                table.name
            ),
            "Adding a nullable column without a default is metadata only: no table rewrite.",
            format!("ALTER TABLE {table_sql} ADD COLUMN {ine}{column_sql} {plain_type}"),
        )
        .down(format!(
            "ALTER TABLE {table_sql} DROP COLUMN {ie}{column_sql}"
        ))
        .native(
            Some(native::add_column(
                &table.name,
                &col,
                &plain_type,
                pc.options.idempotent,
            )),
            Some(native::remove_column(
                &table.name,
                &col,
                pc.options.idempotent,
            )),
        )
        .idempotent(),
    ];
    // The value new rows get, and the one the backfill writes.
    let fill: String = if serial {
        let seq = format!("{}_{col}_seq", names::last(&table.name));
        steps.push(
            Step::new(
                Phase::Expand,
                format!("Number new rows of {}.{col} from sequence {seq}", table.name),
                "The sequence and default serve new rows at once; existing rows are filled in batches next.",
                format!(
                    "CREATE SEQUENCE {ine}{} OWNED BY {table_sql}.{column_sql};\nALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET DEFAULT nextval('{seq}')",
                    ddl::ident(&seq, d)
                ),
            )
            .down(format!(
                "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} DROP DEFAULT;\nDROP SEQUENCE {ie}{}",
                ddl::ident(&seq, d)
            )),
        );
        format!("nextval('{seq}')")
    } else if let Some(e) = default {
        steps.push(
            Step::new(
                Phase::Expand,
                format!("Set the default of {}.{col} for new rows", table.name),
                "Setting a default is metadata only; it applies to rows inserted from now on.",
                format!("ALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET DEFAULT {e}"),
            )
            .down(format!(
                "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} DROP DEFAULT"
            ))
            .native(
                Some(native::set_default(&table.name, &col, Some(e.to_string()))),
                Some(native::set_default(&table.name, &col, None)),
            )
            .idempotent(),
        );
        e.to_string()
    } else {
        steps.push(Step::deploy_point(
            Phase::Expand,
            format!("code that writes {}.{col} on every insert", table.name),
        ));
        placeholder(&ty)
    };
    let why = if default.is_none() && !serial {
        format!(
            "Existing rows need a value before the column can be NOT NULL. {fill} is a placeholder for the type: review it before running."
        )
    } else {
        "Existing rows get their value in small batches, each committed, so no long lock or transaction is held.".to_string()
    };
    steps.extend(backfill(
        pc,
        table,
        &col,
        &fill,
        &format!("{column_sql} IS NULL"),
        &why,
    ));
    if not_null || serial {
        steps.extend(set_not_null(pc, table, &col));
    }
    steps
}

/// A typed value to backfill when the user gave none.
fn placeholder(ty: &str) -> String {
    let base = ty.split('(').next().unwrap_or(ty);
    match base {
        "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision" | "int"
        | "decimal" => "0",
        "boolean" => "false",
        "timestamptz" | "timestamp" => "now()",
        "date" => "CURRENT_DATE",
        "uuid" => "gen_random_uuid()",
        "json" | "jsonb" => "'{}'",
        _ => "''",
    }
    .to_string()
}

/// Batched, repeatable `UPDATE table SET col = value WHERE <pending>`.
fn backfill(
    pc: &PlanContext,
    table: &Table,
    col: &str,
    value: &str,
    pending: &str,
    why: &str,
) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(col, d);
    let set = format!("{column_sql} = {value}");
    let (up, note) = batched(pc, table, &format!("UPDATE {table_sql} SET {set}"), pending);
    let mut why = why.to_string();
    if let Some(n) = note {
        why.push(' ');
        why.push_str(&n);
    }
    vec![
        Step::new(
            Phase::Migrate,
            format!(
                "Backfill {}.{col} in batches of {}",
                table.name, pc.options.batch_size
            ),
            why,
            up,
        )
        .down(format!(
            "-- nothing to undo: {}.{col} is dropped by the step that added it",
            table.name
        ))
        .remaining(format!("SELECT count(*) FROM {table_sql} WHERE {pending}"))
        .repeat(),
    ]
}

/// A batch of `head` (an UPDATE ... SET or DELETE FROM) over rows matching
/// `pending`, keyed on the primary key; with a note when there is none.
fn batched(pc: &PlanContext, table: &Table, head: &str, pending: &str) -> (String, Option<String>) {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let n = pc.options.batch_size;
    let pk: Vec<String> = table
        .primary_key()
        .map(|k| k.kind.columns().to_vec())
        .unwrap_or_default();
    if d == Dialect::Mysql {
        let order = if pk.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", ddl::columns(&pk, d))
        };
        let note = pk.is_empty().then(|| {
            format!(
                "{} has no primary key: batches follow LIMIT alone.",
                table.name
            )
        });
        return (format!("{head} WHERE {pending}{order} LIMIT {n}"), note);
    }
    let (key, note) = if pk.is_empty() {
        let key = if d == Dialect::Postgres {
            "ctid"
        } else {
            "rowid"
        };
        (
            key.to_string(),
            Some(format!(
                "{} has no primary key: batches are keyed on {key}, which is stable only while no other writer moves rows; add a primary key if you can.",
                table.name
            )),
        )
    } else if pk.len() == 1 {
        (ddl::ident(&pk[0], d), None)
    } else {
        (format!("({})", ddl::columns(&pk, d)), None)
    };
    let order = if pk.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", ddl::columns(&pk, d))
    };
    let select = key.trim_start_matches('(').trim_end_matches(')');
    (
        format!(
            "{head} WHERE {key} IN (SELECT {select} FROM {table_sql} WHERE {pending}{order} LIMIT {n})"
        ),
        note,
    )
}

fn set_not_null(pc: &PlanContext, table: &Table, col: &str) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(col, d);
    let check = truncate_name(&format!("{}_{col}_not_null", names::last(&table.name)));
    let key_sql = ddl::ident(&check, d);
    let ie = pc.if_exists();
    let op =
        |kind: &dyn Fn(String, String) -> Native| Some(kind(table.name.clone(), check.clone()));
    let add_check = |table, name| Native::AddCheck {
        table,
        name,
        expression: format!("{column_sql} IS NOT NULL"),
        validate: false,
    };
    let remove_check = |table, name| Native::RemoveConstraint {
        table,
        name,
        kind: Kind::Check,
        guard: pc.options.idempotent,
    };
    let validate = |table, name| Native::Validate {
        table,
        name,
        kind: Kind::Check,
    };
    let null = |null| {
        Some(Native::ChangeNull {
            table: table.name.clone(),
            column: col.to_string(),
            null,
        })
    };
    let mut steps = vec![
        Step::new(
            Phase::Contract,
            format!("Check {}.{col} IS NOT NULL for new rows (NOT VALID)", table.name),
            "A CHECK added NOT VALID applies to new rows at once without scanning existing ones.",
            format!("ALTER TABLE {table_sql} ADD CONSTRAINT {key_sql} CHECK ({column_sql} IS NOT NULL) NOT VALID"),
        )
        .down(format!("ALTER TABLE {table_sql} DROP CONSTRAINT {ie}{key_sql}"))
        .native(op(&add_check), op(&remove_check)),
        Step::new(
            Phase::Contract,
            format!("Validate {check}"),
            "VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on. Run it in its own transaction.",
            format!("ALTER TABLE {table_sql} VALIDATE CONSTRAINT {key_sql}"),
        )
        .down("-- nothing to undo: validation only checks rows")
        .native(op(&validate), None)
        .idempotent(),
    ];
    if pc.options.pg_version >= 12 {
        steps.push(
            Step::new(
                Phase::Contract,
                format!("Set {}.{col} NOT NULL", table.name),
                "With a validated CHECK (col IS NOT NULL), PostgreSQL 12+ sets NOT NULL without scanning the table.",
                format!("ALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET NOT NULL"),
            )
            .down(format!("ALTER TABLE {table_sql} ALTER COLUMN {column_sql} DROP NOT NULL"))
            .native(null(false), null(true))
            .idempotent(),
        );
        steps.push(
            Step::new(
                Phase::Contract,
                format!("Drop the helper constraint {check}"),
                "NOT NULL now holds the guarantee; the CHECK is redundant.",
                format!("ALTER TABLE {table_sql} DROP CONSTRAINT {ie}{key_sql}"),
            )
            .down(format!(
                "ALTER TABLE {table_sql} ADD CONSTRAINT {key_sql} CHECK ({column_sql} IS NOT NULL) NOT VALID"
            ))
            .native(op(&remove_check), op(&add_check))
            .idempotent(),
        );
    }
    steps
}

/// PostgreSQL names are at most 63 bytes.
pub(super) fn truncate_name(n: &str) -> String {
    n.chars().take(63).collect()
}

fn drop_column(pc: &PlanContext, table: &Table, col: &str) -> Vec<Step> {
    let d = pc.dialect;
    let Some(c) = table.column(col) else {
        return Vec::new();
    };
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(col, d);
    let archive = truncate_name(&format!("{}_{col}_archive", names::last(&table.name)));
    let aq = ddl::ident(&archive, d);
    let pk: Vec<String> = table
        .primary_key()
        .map(|k| k.kind.columns().to_vec())
        .unwrap_or_default();
    let ine = if pc.options.idempotent && d != Dialect::Mysql {
        "IF NOT EXISTS "
    } else {
        ""
    };
    let ie = if pc.options.idempotent && d == Dialect::Postgres {
        "IF EXISTS "
    } else {
        ""
    };
    let mut steps = Vec::new();
    if pc.options.is_read(&table.name, col) {
        steps.push(Step::deploy_point(
            Phase::Contract,
            format!(
                "code that no longer reads or writes {}.{col} (ORMs: mark it ignored)",
                table.name
            ),
        ));
    }
    let readd = format!(
        "ALTER TABLE {table_sql} ADD COLUMN {}",
        ddl::column(
            &Column {
                nullable: true,
                ..c.clone()
            },
            d
        )
    );
    // A generated column computes its values again: nothing to copy back.
    let restore = if c.generated.is_some() {
        None
    } else {
        restore_from_archive(d, &pk, &table_sql, &column_sql, &aq)
    };
    let note = if c.generated.is_some() {
        "A generated column: its values are computed again when it comes back.".to_string()
    } else if restore.is_none() {
        format!(
            "{} has no primary key: the archive cannot be matched back to rows.",
            table.name
        )
    } else {
        String::new()
    };
    // The key and the column (once: the column may be the key itself).
    let mut keep: Vec<String> = pk.clone();
    if !keep.contains(&c.name) {
        keep.push(c.name.clone());
    }
    steps.push(
        Step::new(
            Phase::Contract,
            format!("Archive {}.{col} to {archive}", table.name),
            format!(
                "A copy of the values, keyed on the primary key, so the drop can be undone with the data. Drop {archive} once you are sure. {note}"
            ),
            format!(
                "CREATE TABLE {ine}{aq} AS SELECT {} FROM {table_sql}",
                ddl::columns(&keep, d)
            ),
        )
        .down(format!("DROP TABLE {aq}")),
    );
    let down = readd_column(pc, table, c, readd, restore.as_deref());
    // SQLite refuses to drop a column an index uses: those go first (the
    // down builds them again).
    let index_drops: String = if d == Dialect::Sqlite {
        dependents::indexes_using(pc.before, &table.name, col, d)
            .iter()
            .map(|i| format!("{};\n", ddl::drop_index(i, d, false, pc.options.idempotent)))
            .collect()
    } else {
        String::new()
    };
    let removed = index_drops.is_empty().then(|| Native::RemoveColumn {
        table: table.name.clone(),
        column: col.to_string(),
        guard: !ie.is_empty(),
    });
    let mut step = Step::new(
        Phase::Contract,
        format!("Drop {}.{col}", table.name),
        "Dropping a column is metadata only in PostgreSQL and instant in MySQL 8.0.29+, but the data goes: the archive above keeps it.",
        format!("{index_drops}ALTER TABLE {table_sql} DROP COLUMN {ie}{column_sql}"),
    )
    .down(down)
    .native(removed, None);
    if restore.is_none() && c.generated.is_none() {
        step = step.lossy(format!(
            "drops the data in column {}.{col} (no primary key to restore it by)",
            table.name
        ));
    }
    steps.push(step);
    steps
}

/// SQL copying an archived column's values back by primary key; `None`
/// when the table has no primary key to match rows by.
fn restore_from_archive(
    d: Dialect,
    pk: &[String],
    table_sql: &str,
    column_sql: &str,
    archive_sql: &str,
) -> Option<String> {
    if pk.is_empty() {
        return None;
    }
    let on: Vec<String> = pk
        .iter()
        .map(|k| format!("a.{k} = {table_sql}.{k}", k = ddl::ident(k, d)))
        .collect();
    let on = on.join(" AND ");
    Some(match d {
        Dialect::Postgres => format!(
            "UPDATE {table_sql} SET {column_sql} = a.{column_sql} FROM {archive_sql} a WHERE {on}"
        ),
        Dialect::Mysql => format!(
            "UPDATE {table_sql} JOIN {archive_sql} a ON {on} SET {table_sql}.{column_sql} = a.{column_sql}"
        ),
        Dialect::Sqlite => format!(
            "UPDATE {table_sql} SET {column_sql} = (SELECT a.{column_sql} FROM {archive_sql} a WHERE {on})"
        ),
    })
}

/// The down of a dropped column: re-added, its values restored from the
/// archive, NOT NULL again, with the constraints and indexes that went
/// with it.
fn readd_column(
    pc: &PlanContext,
    table: &Table,
    c: &Column,
    readd: String,
    restore: Option<&str>,
) -> String {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(&c.name, d);
    let mut down = readd;
    if let Some(r) = restore {
        down.push_str(";\n");
        down.push_str(r);
    }
    if !c.nullable {
        if d == Dialect::Postgres {
            down.push_str(&format!(
                ";\nALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET NOT NULL"
            ));
        } else if d == Dialect::Mysql {
            down.push_str(&format!(
                ";\nALTER TABLE {table_sql} MODIFY {}",
                ddl::column(c, d)
            ));
        }
    }
    // Its comment, constraints and indexes come back too.
    if let (Some(comment), Dialect::Postgres) = (&c.comment, d) {
        down.push_str(&format!(
            ";\nCOMMENT ON COLUMN {table_sql}.{column_sql} IS {}",
            ddl::literal(comment)
        ));
    }
    for k in table
        .constraints
        .iter()
        .filter(|k| k.kind.columns().contains(&c.name))
    {
        if d != Dialect::Sqlite {
            down.push_str(&format!(
                ";\nALTER TABLE {table_sql} ADD {}",
                ddl::constraint(k, d)
            ));
        }
    }
    for i in dependents::indexes_using(pc.before, &table.name, &c.name, d) {
        down.push_str(&format!(";\n{}", ddl::create_index(i, d, false)));
    }
    down
}

/// A column renamed through a new one kept in step; `not_null`: the
/// renamed column is NOT NULL (MySQL's CHANGE declares it anew).
fn rename_column(
    pc: &PlanContext,
    table: &Table,
    old: &Column,
    new: &str,
    not_null: bool,
) -> Vec<Step> {
    let d = pc.dialect;
    let old_sql = ddl::ident(&old.name, d);
    let new_col = Column {
        name: new.to_string(),
        nullable: true,
        identity: None,
        ..old.clone()
    };
    let (mut steps, trigger_up, trigger_down) = shadow_column(
        pc,
        table,
        old,
        &new_col,
        &format!("NEW.{old_sql}"),
        &old_sql,
        Texts {
            add: format!("Add {}.{new} next to {}", table.name, old.name),
            add_why: format!(
                "The new column, same type as {}, nullable until it is filled.",
                old.name
            ),
            trigger: format!("Keep {new} in step with {} (trigger)", old.name),
            trigger_why: "While old and new code run side by side, the trigger copies writes of the old column to the new one, so neither loses data. New code writes both columns until the contract phase.",
            backfill_why: "Copies existing values in batches; the trigger covers rows written meanwhile.",
        },
    );
    if d == Dialect::Postgres {
        steps.extend(replacement_indexes(pc, table, &old.name, new));
        steps.extend(replacement_unique_keys(pc, table, &old.name, new));
    }
    steps.push(Step::deploy_point(
        Phase::Migrate,
        format!(
            "code that reads {}.{new} and writes both {} and {new}",
            table.name, old.name
        ),
    ));
    match d {
        Dialect::Postgres if not_null => steps.extend(set_not_null(pc, table, new)),
        Dialect::Mysql if not_null => {
            steps.push(mysql_set_not_null(pc, table, new, &old.data_type));
        }
        _ => {}
    }
    steps.push(Step::deploy_point(
        Phase::Contract,
        format!("code that no longer uses {}.{}", table.name, old.name),
    ));
    steps.push(
        Step::new(
            Phase::Contract,
            format!("Drop the sync trigger on {}", table.name),
            "Old code is gone: nothing writes the old column any more.",
            trigger_down,
        )
        .down(trigger_up),
    );
    steps.push(drop_renamed_column(pc, table, old, new));
    steps
}

/// The renamed column's old copy dropped, the indexes that used it handed
/// over to the new one; the down re-adds it with its values and indexes.
fn drop_renamed_column(pc: &PlanContext, table: &Table, old: &Column, new: &str) -> Step {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let old_sql = ddl::ident(&old.name, d);
    let new_sql = ddl::ident(new, d);
    let readd = Column {
        nullable: true,
        ..old.clone()
    };
    let (after_drop, before_undo, after_undo) = index_handoff(pc, table, &old.name, &old.name);
    let mut up = format!("ALTER TABLE {table_sql} DROP COLUMN {old_sql}{after_drop}");
    let mut down = format!(
        "{before_undo}ALTER TABLE {table_sql} ADD COLUMN {};\nUPDATE {table_sql} SET {old_sql} = {new_sql}",
        ddl::column(&readd, d)
    );
    // The column comes back as it was: NOT NULL once its values are in.
    if !old.nullable {
        match d {
            Dialect::Postgres => down.push_str(&format!(
                ";\nALTER TABLE {table_sql} ALTER COLUMN {old_sql} SET NOT NULL"
            )),
            Dialect::Mysql => {
                down.push_str(&format!(
                    ";\nALTER TABLE {table_sql} MODIFY {}",
                    ddl::column(old, d)
                ));
            }
            Dialect::Sqlite => {}
        }
    }
    down.push_str(&after_undo);
    if d == Dialect::Postgres {
        let (carried, undo_before, undo_after) = carry_constraints(pc, table, &old.name, new);
        up.push_str(&carried);
        down = format!("{undo_before}{down}{undo_after}");
        let foreign = carry_foreign_keys(pc, table, &old.name, new);
        up = format!("{}{up}{}", foreign.up_before, foreign.up_after);
        down = format!("{}{down}{}", foreign.down_before, foreign.down_after);
    }
    if d != Dialect::Postgres {
        // SQLite refuses to drop an indexed column and MySQL would keep a
        // shrunken index: the indexes are dropped first and built again on
        // the new column.
        let indexes = dependents::indexes_using(pc.before, &table.name, &old.name, d);
        let drops: String = indexes
            .iter()
            .map(|i| format!("{};\n", ddl::drop_index(i, d, false, false)))
            .collect();
        let moved: Vec<_> = indexes
            .iter()
            .map(|i| dependents::moved(i, &old.name, new, d))
            .collect();
        let builds: String = moved
            .iter()
            .map(|i| format!(";\n{}", ddl::create_index(i, d, false)))
            .collect();
        let unbuilds: String = moved
            .iter()
            .map(|i| format!("{};\n", ddl::drop_index(i, d, false, false)))
            .collect();
        up = format!("{drops}{up}{builds}");
        down = format!("{unbuilds}{down}");
    }
    // Triggers that fire on or test the old column would stop the drop:
    // made again on the new one; the down puts them back.
    if d == Dialect::Postgres {
        let triggers = dependents::triggers_using(pc.before, &table.name, &old.name, d);
        if !triggers.is_empty() {
            let moved: Vec<_> = triggers
                .iter()
                .map(|t| dependents::trigger_moved(t, &old.name, new, d))
                .collect();
            let (drops, creates) = dependents::triggers_around(&triggers, &moved, d);
            up = format!("{drops}{up}{creates}");
            let (drops, creates) = dependents::triggers_around(&moved, &triggers, d);
            down = format!("{drops}{down}{creates}");
        }
    }
    // Views that read the old column would stop the drop (PostgreSQL) or
    // break (MySQL): made again on the new one, their columns named as
    // before; the down puts them back as they were.
    let views = dependents::views_using(pc.before, &table.name, &old.name);
    if !views.is_empty() {
        let originals: Vec<crate::catalog::View> = views.iter().map(|v| (*v).clone()).collect();
        let moved: Vec<crate::catalog::View> = views
            .iter()
            .map(|v| dependents::view_moved(v, &old.name, new, d).unwrap_or_else(|| (*v).clone()))
            .collect();
        let (drops, creates) = dependents::views_around(&views, &moved, d);
        up = format!("{drops}{up}{creates}");
        let (drops, creates) = dependents::views_around(&views, &originals, d);
        down = format!("{drops}{down}{creates}");
    }
    Step::new(
        Phase::Contract,
        format!("Drop the old column {}.{}", table.name, old.name),
        format!("Its values live on in {new}."),
        up,
    )
    .down(down)
}

/// The words of the shadow-column steps.
struct Texts {
    add: String,
    add_why: String,
    trigger: String,
    trigger_why: &'static str,
    backfill_why: &'static str,
}

/// The expand/migrate half shared by renames and type changes: a shadow
/// column next to `source`, a trigger keeping it in step (`row_value` is
/// its value from `NEW.`), and a batched backfill (`value` from the row).
/// Returns the steps and the trigger's up and down SQL for later steps.
fn shadow_column(
    pc: &PlanContext,
    table: &Table,
    source: &Column,
    shadow: &Column,
    row_value: &str,
    value: &str,
    texts: Texts,
) -> (Vec<Step>, String, String) {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let sq = ddl::ident(&source.name, d);
    let new_sql = ddl::ident(&shadow.name, d);
    let (trigger_up, trigger_down) = sync_trigger(
        d,
        &table.name,
        &source.name,
        &shadow.name,
        row_value,
        names::last(&table.name),
    );
    let mut steps = vec![
        Step::new(
            Phase::Expand,
            texts.add,
            texts.add_why,
            format!(
                "ALTER TABLE {table_sql} ADD COLUMN {}",
                ddl::column(shadow, d)
            ),
        )
        .down(format!("ALTER TABLE {table_sql} DROP COLUMN {new_sql}")),
        Step::new(
            Phase::Expand,
            texts.trigger,
            texts.trigger_why,
            trigger_up.clone(),
        )
        .down(trigger_down.clone()),
    ];
    steps.extend(backfill(
        pc,
        table,
        &shadow.name,
        value,
        &format!("{new_sql} IS NULL AND {sq} IS NOT NULL"),
        texts.backfill_why,
    ));
    (steps, trigger_up, trigger_down)
}

/// The trigger keeping `new` equal to `value` (an expression over the row's
/// `old` column) on insert and update, and how to drop it.
fn sync_trigger(
    d: Dialect,
    table: &str,
    old: &str,
    new: &str,
    value: &str,
    short: &str,
) -> (String, String) {
    let table_sql = ddl::name(table, d);
    let old_sql = ddl::ident(old, d);
    let new_sql = ddl::ident(new, d);
    let name = truncate_name(&format!("{short}_sync_{old}_{new}"));
    let function_sql = ddl::ident(&name, d);
    match d {
        Dialect::Postgres => (
            format!(
                "CREATE OR REPLACE FUNCTION {function_sql}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF (TG_OP = 'INSERT' AND NEW.{new_sql} IS NULL) OR (TG_OP = 'UPDATE' AND NEW.{old_sql} IS DISTINCT FROM OLD.{old_sql}) THEN\n    NEW.{new_sql} := {value};\n  END IF;\n  RETURN NEW;\nEND\n$$;\nCREATE TRIGGER {function_sql} BEFORE INSERT OR UPDATE ON {table_sql} FOR EACH ROW EXECUTE FUNCTION {function_sql}()"
            ),
            format!(
                "DROP TRIGGER IF EXISTS {function_sql} ON {table_sql};\nDROP FUNCTION IF EXISTS {function_sql}()"
            ),
        ),
        Dialect::Mysql => {
            let ins = ddl::ident(&truncate_name(&format!("{name}_ins")), d);
            let upd = ddl::ident(&truncate_name(&format!("{name}_upd")), d);
            (
                format!(
                    "CREATE TRIGGER {ins} BEFORE INSERT ON {table_sql} FOR EACH ROW BEGIN IF NEW.{new_sql} IS NULL THEN SET NEW.{new_sql} = {value}; END IF; END;\nCREATE TRIGGER {upd} BEFORE UPDATE ON {table_sql} FOR EACH ROW BEGIN IF NOT (NEW.{old_sql} <=> OLD.{old_sql}) THEN SET NEW.{new_sql} = {value}; END IF; END"
                ),
                format!("DROP TRIGGER IF EXISTS {ins};\nDROP TRIGGER IF EXISTS {upd}"),
            )
        }
        Dialect::Sqlite => {
            let ins = ddl::ident(&format!("{name}_ins"), d);
            let upd = ddl::ident(&format!("{name}_upd"), d);
            (
                format!(
                    "CREATE TRIGGER {ins} AFTER INSERT ON {table_sql} FOR EACH ROW WHEN NEW.{new_sql} IS NULL BEGIN UPDATE {table_sql} SET {new_sql} = {value} WHERE rowid = NEW.rowid; END;\nCREATE TRIGGER {upd} AFTER UPDATE OF {old_sql} ON {table_sql} FOR EACH ROW BEGIN UPDATE {table_sql} SET {new_sql} = {value} WHERE rowid = NEW.rowid; END"
                ),
                format!("DROP TRIGGER IF EXISTS {ins};\nDROP TRIGGER IF EXISTS {upd}"),
            )
        }
    }
}

/// Type change through a new column, a trigger, a backfill and a swap.
/// MySQL's MODIFY that copies the table: a new column swapped in, or the
/// change in place when the column cannot be replaced.
fn mysql_modify_column(
    pc: &PlanContext,
    table: &Table,
    op: &AlterTableOperation,
    col: &str,
    data_type: &sqlparser::ast::DataType,
    options: &[ColumnOption],
) -> Vec<Step> {
    let (algorithm, _, _) = locks::mysql_op_algorithm(op, &table.name, pc.before);
    let Some(c) = table
        .column(col)
        .filter(|_| algorithm == MysqlAlgorithm::Copy)
    else {
        return Vec::new();
    };
    if let Some(why) = keeps_its_column(pc, table, c) {
        return vec![type_changed_in_place(pc, table, c, &op.to_string(), &why)];
    }
    let target = Target {
        data_type: names::data_type(data_type, pc.dialect),
        not_null: declares_not_null(options),
    };
    change_type(pc, table, c, &target, None)
}

/// Whether a column draws its values from a sequence it owns (serial,
/// identity, AUTO_INCREMENT, a nextval default).
fn owns_a_sequence(c: &Column) -> bool {
    matches!(
        c.data_type.to_lowercase().as_str(),
        "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
    ) || c.identity.is_some()
        || c.default.as_deref().is_some_and(|x| x.contains("nextval("))
}

/// `RENAME COLUMN from TO to`: through a new column kept in step, or in
/// place where such a column could not take over what the old one has.
fn rename_column_op(pc: &PlanContext, table: &Table, from: &str, to: &str) -> Vec<Step> {
    let d = pc.dialect;
    match table.column(from) {
        // SQLite can neither make the new column NOT NULL nor drop
        // one a key or foreign key uses without rebuilding the
        // table: its rename (instant) instead.
        Some(col)
            if d == Dialect::Sqlite
                && (!col.nullable
                    || !dependents::constraints_using(table, &col.name).is_empty()
                    || !dependents::views_using(pc.before, &table.name, &col.name).is_empty()) =>
        {
            let why = format!(
                "SQLite renames a column instantly (and rewrites the views that read it), and a new column kept in step could not take over {}'s NOT NULL, keys, foreign keys or views without rebuilding the table",
                col.name
            );
            vec![rename_in_place(pc, table, &col.name, to, &why)]
        }
        // A column that owns a sequence: a new column would leave
        // the sequence to be dropped with the old one.
        Some(col) if d != Dialect::Sqlite && owns_a_sequence(col) => {
            let why = format!(
                "{} draws its values from a sequence it owns, which a new column kept in step would not take over",
                col.name
            );
            vec![rename_in_place(pc, table, &col.name, to, &why)]
        }
        Some(col) => rename_column(pc, table, col, to, !col.nullable),
        None => Vec::new(),
    }
}

/// A column renamed in place (metadata only), because `why` a new column
/// kept in step could not take over what the old one has.
fn rename_in_place(pc: &PlanContext, table: &Table, from: &str, to: &str, why: &str) -> Step {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let rename = |a: &str, b: &str| {
        format!(
            "ALTER TABLE {table_sql} RENAME COLUMN {} TO {}",
            ddl::ident(a, d),
            ddl::ident(b, d)
        )
    };
    Step::new(
        Phase::Expand,
        format!("Rename {}.{from} to {to}", table.name),
        format!("{why}: it is renamed in place (metadata only), so deploy the code that uses {to} with this step."),
        rename(from, to),
    )
    .down(rename(to, from))
    .native(
        Some(Native::RenameColumn {
            table: table.name.clone(),
            from: from.to_string(),
            to: to.to_string(),
        }),
        Some(Native::RenameColumn {
            table: table.name.clone(),
            from: to.to_string(),
            to: from.to_string(),
        }),
    )
}

/// Why a column's type must change in place rather than through a new
/// column swapped in: what the database ties to the column itself (the
/// sequence a serial, identity or AUTO_INCREMENT column owns; a primary,
/// unique or foreign key on it; another table's foreign key to it) would
/// not follow the swap. `None` when nothing does.
fn keeps_its_column(pc: &PlanContext, table: &Table, c: &Column) -> Option<String> {
    if owns_a_sequence(c) {
        return Some(format!(
            "{} draws its values from a sequence it owns",
            c.name
        ));
    }
    if let Some(k) = dependents::constraints_using(table, &c.name)
        .into_iter()
        .find(|k| !matches!(k.kind, ConstraintKind::Check { .. }))
    {
        return Some(format!("{} is part of {}", c.name, k.name));
    }
    let referenced = pc.before.tables.values().any(|other| {
        other.constraints.iter().any(|k| {
            matches!(&k.kind, ConstraintKind::ForeignKey { references, referred_columns, .. }
                if *references == table.name && referred_columns.contains(&c.name))
        })
    });
    referenced.then(|| format!("other tables' foreign keys reference {}", c.name))
}

/// A type change kept in place (one ALTER that rewrites the table under
/// its strongest lock), because `why` would not follow a new column.
fn type_changed_in_place(pc: &PlanContext, table: &Table, c: &Column, op: &str, why: &str) -> Step {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let back = match d {
        Dialect::Mysql => format!("ALTER TABLE {table_sql} MODIFY {}", ddl::column(c, d)),
        _ => {
            // A serial's type is the integer under it.
            let old_type = match c.data_type.to_lowercase().as_str() {
                "serial" | "serial4" => "integer".to_string(),
                "bigserial" | "serial8" => "bigint".to_string(),
                "smallserial" | "serial2" => "smallint".to_string(),
                _ => c.data_type.clone(),
            };
            format!(
                "ALTER TABLE {table_sql} ALTER COLUMN {} TYPE {old_type}",
                ddl::ident(&c.name, d)
            )
        }
    };
    Step::new(
        Phase::Expand,
        format!("Change the type of {}.{} in place", table.name, c.name),
        format!("{why}, which a new column swapped in would not take over: the type changes in place, rewriting {} under a lock that blocks reads and writes for the whole rewrite. Run it in a quiet window (or with an online schema-change tool).", table.name),
        format!("ALTER TABLE {table_sql} {op}"),
    )
    .down(back)
    .lossy(format!("converting back to {} may fail on values that do not fit it", c.data_type))
}

/// What a column's type change makes of it.
struct Target {
    data_type: String,
    /// NOT NULL afterwards (PostgreSQL keeps it; MySQL's MODIFY declares
    /// it anew).
    not_null: bool,
}

/// Whether a MySQL column definition says NOT NULL.
fn declares_not_null(options: &[ColumnOption]) -> bool {
    options.iter().any(|o| matches!(o, ColumnOption::NotNull))
}

/// MySQL: a column made NOT NULL in place; the down makes it NULL-able
/// again.
fn mysql_set_not_null(pc: &PlanContext, table: &Table, column: &str, data_type: &str) -> Step {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(column, d);
    Step::new(
        Phase::Contract,
        format!("Make {}.{column} NOT NULL", table.name),
        "InnoDB rebuilds the table in place while reads and writes go on; if a NULL is left, it fails and changes nothing.",
        format!("ALTER TABLE {table_sql} MODIFY {column_sql} {data_type} NOT NULL, ALGORITHM=INPLACE, LOCK=NONE"),
    )
    .down(format!(
        "ALTER TABLE {table_sql} MODIFY {column_sql} {data_type} NULL, ALGORITHM=INPLACE, LOCK=NONE"
    ))
}

fn change_type(
    pc: &PlanContext,
    table: &Table,
    c: &Column,
    target: &Target,
    using: Option<&Expr>,
) -> Vec<Step> {
    let to_type = target.data_type.as_str();
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(&c.name, d);
    let new = truncate_name(&format!("{}_new", c.name));
    let old = truncate_name(&format!("{}_old", c.name));
    let new_sql = ddl::ident(&new, d);
    let oldq = ddl::ident(&old, d);
    let convert = |row: &str| -> String {
        match (d, using) {
            (Dialect::Postgres, Some(e)) => {
                with_column_as(e, &c.name, d, &format!("{row}{column_sql}")).to_string()
            }
            (Dialect::Postgres, None) => format!("{row}{column_sql}::{to_type}"),
            _ => format!("CAST({row}{column_sql} AS {})", mysql_cast_type(to_type)),
        }
    };
    let new_col = Column {
        name: new.clone(),
        data_type: to_type.to_string(),
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        comment: None,
    };
    let (mut steps, trigger_up, trigger_down) = shadow_column(
        pc,
        table,
        c,
        &new_col,
        &convert("NEW."),
        &convert(""),
        Texts {
            add: format!("Add {}.{new} of type {to_type}", table.name),
            add_why: format!(
                "Changing the type in place rewrites {} under a lock that blocks reads and writes; a new column is metadata only.",
                table.name
            ),
            trigger: format!("Keep {new} in step with {} (trigger, converting)", c.name),
            trigger_why: "Every write to the old column is converted into the new one while the backfill runs.",
            backfill_why: "Converts existing values in batches; a value that does not convert stops the batch and shows you the row.",
        },
    );
    // PostgreSQL builds replacement indexes before the swap and renames them
    // after; MySQL (no RENAME INDEX here) rebuilds them online at the end.
    if d == Dialect::Postgres {
        steps.extend(replacement_indexes(pc, table, &c.name, &new));
    }
    steps.push(Step::deploy_point(
        Phase::Migrate,
        format!("code that accepts {}.{} as {to_type}", table.name, c.name),
    ));
    // The new column takes over what the old one declared: NOT NULL (a
    // validated check first), then its default and comment at the swap.
    if target.not_null && d == Dialect::Postgres {
        steps.extend(set_not_null(pc, table, &new));
    }
    let (takes_over, gives_back) = column_extras(pc, table, c);
    let swap = match d {
        Dialect::Mysql => format!(
            "{trigger_down};\nALTER TABLE {table_sql} RENAME COLUMN {column_sql} TO {oldq}, RENAME COLUMN {new_sql} TO {column_sql}"
        ),
        _ => format!(
            "{trigger_down};\nALTER TABLE {table_sql} RENAME COLUMN {column_sql} TO {oldq};\nALTER TABLE {table_sql} RENAME COLUMN {new_sql} TO {column_sql}{takes_over}"
        ),
    };
    let unswap = match d {
        Dialect::Mysql => format!(
            "ALTER TABLE {table_sql} RENAME COLUMN {column_sql} TO {new_sql}, RENAME COLUMN {oldq} TO {column_sql};\n{trigger_up}"
        ),
        _ => format!(
            "{gives_back}ALTER TABLE {table_sql} RENAME COLUMN {column_sql} TO {new_sql};\nALTER TABLE {table_sql} RENAME COLUMN {oldq} TO {column_sql};\n{trigger_up}"
        ),
    };
    // Views read a column by its place, not its name: they would follow
    // the old column through the swap. Made again at the swap, they read
    // the new one.
    let views = dependents::views_using(pc.before, &table.name, &c.name);
    let originals: Vec<crate::catalog::View> = views.iter().map(|v| (*v).clone()).collect();
    let (drop_views, create_views) = dependents::views_around(&views, &originals, d);
    let swap = format!("{drop_views}{swap}{create_views}");
    let unswap = format!("{drop_views}{unswap}{create_views}");
    // Triggers that fire on the column follow it by its place too.
    let triggers = if d == Dialect::Postgres {
        dependents::triggers_using(pc.before, &table.name, &c.name, d)
    } else {
        Vec::new()
    };
    let (drop_triggers, create_triggers) = dependents::triggers_around(&triggers, &triggers, d);
    let swap = format!("{drop_triggers}{swap}{create_triggers}");
    let unswap = format!("{drop_triggers}{unswap}{create_triggers}");
    steps.push(
        Step::new(
            Phase::Contract,
            format!("Swap {} and {new} in one transaction", c.name),
            "Renames are metadata only; in one transaction readers see either the old column or the new one, never neither.",
            swap,
        )
        .down(unswap),
    );
    if target.not_null && d == Dialect::Mysql {
        steps.push(mysql_set_not_null(pc, table, &c.name, to_type));
    }
    steps.push(drop_old_column(pc, table, c, &old, to_type));
    if d == Dialect::Mysql {
        for i in dependents::indexes_using(pc.before, &table.name, &c.name, d) {
            let index_sql = ddl::name(&i.name, d);
            steps.push(
                Step::new(
                    Phase::Contract,
                    format!("Rebuild index {} on the converted column", i.name),
                    "The index went with the old column; InnoDB builds it again in place while writes go on.",
                    format!(
                        "{} ALGORITHM = INPLACE LOCK = NONE",
                        ddl::create_index(i, d, false)
                    ),
                )
                .down(format!("DROP INDEX {index_sql} ON {table_sql}")),
            );
        }
    }
    steps
}

/// PostgreSQL: the default and comment of column `c` for the column that
/// replaces it, set after the swap (up) and the default taken off before
/// the swap is undone (down). A default drawn from a sequence stays with
/// the column that owns the sequence.
fn column_extras(pc: &PlanContext, table: &Table, c: &Column) -> (String, String) {
    let d = pc.dialect;
    if d != Dialect::Postgres {
        return (String::new(), String::new());
    }
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(&c.name, d);
    let (mut up, mut down) = (String::new(), String::new());
    if let Some(default) = c.default.as_deref().filter(|x| !x.contains("nextval(")) {
        // A type change in place keeps the default as it was typed: a
        // quoted literal read as the old type ('1970-01-01'::timestamp),
        // converted when used. The same here, or the two differ (a
        // timestamp default read in the session's time zone).
        let default = if default.starts_with('\'') && default.ends_with('\'') {
            format!("{default}::{}", c.data_type)
        } else {
            default.to_string()
        };
        up.push_str(&format!(
            ";\nALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET DEFAULT {default}"
        ));
        down.push_str(&format!(
            "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} DROP DEFAULT;\n"
        ));
    }
    if let Some(comment) = &c.comment {
        up.push_str(&format!(
            ";\nCOMMENT ON COLUMN {table_sql}.{column_sql} IS {}",
            ddl::literal(comment)
        ));
    }
    (up, down)
}

/// PostgreSQL: each index using the old column (plain, expression,
/// partial or with an operator class) built again, concurrently, on the
/// new one, to replace it once the old column is dropped.
fn replacement_indexes(pc: &PlanContext, table: &Table, column: &str, new: &str) -> Vec<Step> {
    let d = pc.dialect;
    dependents::indexes_using(pc.before, &table.name, column, d)
        .into_iter()
        .map(|i| {
            let mut copy = dependents::moved(i, column, new, d);
            copy.name = truncate_name(&format!("{}_new", i.name));
            Step::new(
                Phase::Migrate,
                format!("Build index {} on the new column", copy.name),
                format!("Replaces {} once the old column is dropped.", i.name),
                ddl::create_index(&copy, d, true),
            )
            .down(ddl::drop_index(&copy, d, true, true))
            .non_transactional()
        })
        .collect()
}

/// PostgreSQL: the index of each unique key or primary key on the old
/// column built again, concurrently, on the new one, for the key to be
/// attached to it (`USING INDEX`) once the old column is dropped.
fn replacement_unique_keys(pc: &PlanContext, table: &Table, column: &str, new: &str) -> Vec<Step> {
    let d = pc.dialect;
    dependents::constraints_using(table, column)
        .into_iter()
        .filter_map(|k| {
            let (ConstraintKind::Unique { .. } | ConstraintKind::PrimaryKey { .. }) = &k.kind else {
                return None;
            };
            let moved = dependents::constraint_moved(k, column, new, d);
            let index = truncate_name(&format!("{}_new", k.name));
            let table_sql = ddl::name(&table.name, d);
            Some(
                Step::new(
                    Phase::Migrate,
                    format!("Build the index of {} on the new column", k.name),
                    format!("The key {} moves to the new column once the old one is dropped; its index is built now, without blocking writes.", k.name),
                    format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY {} ON {table_sql} ({})",
                        ddl::ident(&index, d),
                        ddl::columns(moved.kind.columns(), d)
                    ),
                )
                .down(format!("DROP INDEX CONCURRENTLY IF EXISTS {}", ddl::ident(&index, d)))
                .non_transactional(),
            )
        })
        .collect()
}

/// PostgreSQL: the constraints that used the renamed column, added again on
/// the new one after the old one is dropped (keys on the index built
/// beforehand; checks and foreign keys NOT VALID, then validated): (up
/// after the drop, down before the column comes back, down after).
/// Statements around a step that moves what other tables' foreign keys
/// reference.
#[derive(Default)]
struct Around {
    up_before: String,
    up_after: String,
    down_before: String,
    down_after: String,
}

/// PostgreSQL: the foreign keys of other tables that reference
/// `table.column`, which would stop its drop: dropped before, added again
/// on `new` after (NOT VALID, then validated); the down puts them back.
fn carry_foreign_keys(pc: &PlanContext, table: &Table, column: &str, new: &str) -> Around {
    let d = pc.dialect;
    let mut around = Around::default();
    for other in pc.before.tables.values() {
        for k in &other.constraints {
            let ConstraintKind::ForeignKey {
                references,
                referred_columns,
                ..
            } = &k.kind
            else {
                continue;
            };
            if *references != table.name || !referred_columns.iter().any(|c| c == column) {
                continue;
            }
            let other_sql = ddl::name(&other.name, d);
            let name = ddl::ident(&k.name, d);
            let mut moved = k.clone();
            if let ConstraintKind::ForeignKey {
                referred_columns, ..
            } = &mut moved.kind
            {
                for referred in referred_columns.iter_mut() {
                    if referred == column {
                        *referred = new.to_string();
                    }
                }
            }
            around.up_before.push_str(&format!(
                "ALTER TABLE {other_sql} DROP CONSTRAINT {name};\n"
            ));
            around.up_after.push_str(&format!(
                ";\nALTER TABLE {other_sql} ADD {} NOT VALID;\nALTER TABLE {other_sql} VALIDATE CONSTRAINT {name}",
                ddl::constraint(&moved, d)
            ));
            around.down_before.push_str(&format!(
                "ALTER TABLE {other_sql} DROP CONSTRAINT IF EXISTS {name};\n"
            ));
            around.down_after.push_str(&format!(
                ";\nALTER TABLE {other_sql} ADD {}",
                ddl::constraint(k, d)
            ));
        }
    }
    around
}

fn carry_constraints(
    pc: &PlanContext,
    table: &Table,
    column: &str,
    new: &str,
) -> (String, String, String) {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let (mut up, mut undo_before, mut undo_after) = (String::new(), String::new(), String::new());
    for k in dependents::constraints_using(table, column) {
        let name = ddl::ident(&k.name, d);
        let moved = dependents::constraint_moved(k, column, new, d);
        match &k.kind {
            ConstraintKind::Unique { .. } | ConstraintKind::PrimaryKey { .. } => {
                let index = ddl::ident(&truncate_name(&format!("{}_new", k.name)), d);
                let what = if matches!(k.kind, ConstraintKind::Unique { .. }) {
                    "UNIQUE"
                } else {
                    "PRIMARY KEY"
                };
                up.push_str(&format!(
                    ";\nALTER TABLE {table_sql} ADD CONSTRAINT {name} {what} USING INDEX {index}"
                ));
            }
            _ => up.push_str(&format!(
                ";\nALTER TABLE {table_sql} ADD {} NOT VALID;\nALTER TABLE {table_sql} VALIDATE CONSTRAINT {name}",
                ddl::constraint(&moved, d)
            )),
        }
        undo_before.push_str(&format!(
            "ALTER TABLE {table_sql} DROP CONSTRAINT IF EXISTS {name};\n"
        ));
        undo_after.push_str(&format!(
            ";\nALTER TABLE {table_sql} ADD {}",
            ddl::constraint(k, d)
        ));
    }
    (up, undo_before, undo_after)
}

/// The SQL that hands the indexes using `column` over when the column
/// named `dropped` goes: (up after the drop, down before re-adding it,
/// down after re-adding it). PostgreSQL renames the replacements built by
/// [`replacement_indexes`] into place and rebuilds the originals on the
/// way back; MySQL rebuilds them on the way back only.
fn index_handoff(
    pc: &PlanContext,
    table: &Table,
    column: &str,
    dropped: &str,
) -> (String, String, String) {
    let d = pc.dialect;
    let (mut after_drop, mut before_undo, mut after_undo) =
        (String::new(), String::new(), String::new());
    for i in dependents::indexes_using(pc.before, &table.name, column, d) {
        let original = dependents::moved(i, column, dropped, d);
        after_undo.push_str(&format!(";\n{}", ddl::create_index(&original, d, false)));
        if d != Dialect::Postgres {
            continue;
        }
        let temp = ddl::ident(&truncate_name(&format!("{}_new", i.name)), d);
        let name = ddl::ident(&i.name, d);
        after_drop.push_str(&format!(";\nALTER INDEX {temp} RENAME TO {name}"));
        before_undo.push_str(&format!("ALTER INDEX {name} RENAME TO {temp};\n"));
    }
    (after_drop, before_undo, after_undo)
}

/// The old column dropped once the swap is done (PostgreSQL renames the
/// replacement indexes into place); its down re-adds and refills it.
fn drop_old_column(pc: &PlanContext, table: &Table, c: &Column, old: &str, to_type: &str) -> Step {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let column_sql = ddl::ident(&c.name, d);
    let oldq = ddl::ident(old, d);
    let readd = Column {
        name: old.to_string(),
        nullable: true,
        identity: None,
        ..c.clone()
    };
    let back = match d {
        Dialect::Postgres => format!("{column_sql}::{}", c.data_type),
        _ => format!("CAST({column_sql} AS {})", mysql_cast_type(&c.data_type)),
    };
    let mut drop_old = format!("ALTER TABLE {table_sql} DROP COLUMN {oldq}");
    let mut undo_drop = format!(
        "ALTER TABLE {table_sql} ADD COLUMN {};\nUPDATE {table_sql} SET {oldq} = {back}",
        ddl::column(&readd, d)
    );
    // The old column comes back as it was: NOT NULL and its comment.
    if d == Dialect::Postgres {
        if !c.nullable {
            undo_drop.push_str(&format!(
                ";\nALTER TABLE {table_sql} ALTER COLUMN {oldq} SET NOT NULL"
            ));
        }
        if let Some(comment) = &c.comment {
            undo_drop.push_str(&format!(
                ";\nCOMMENT ON COLUMN {table_sql}.{oldq} IS {}",
                ddl::literal(comment)
            ));
        }
    }
    if d == Dialect::Mysql && !c.nullable {
        undo_drop.push_str(&format!(
            ";\nALTER TABLE {table_sql} MODIFY {oldq} {} NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
            c.data_type
        ));
    }
    let (after_drop, before_undo, after_undo) = index_handoff(pc, table, &c.name, old);
    drop_old.push_str(&after_drop);
    undo_drop = format!("{before_undo}{undo_drop}{after_undo}");
    let lossy = !binary_coercible(to_type, &c.data_type);
    let mut step = Step::new(
        Phase::Contract,
        format!("Drop the old column {}.{old}", table.name),
        "Once nothing reads the old values, the old column (and its indexes) can go.",
        drop_old,
    )
    .down(undo_drop);
    if lossy {
        step = step.lossy(format!(
            "converting back to {} may lose values that do not fit it",
            c.data_type
        ));
    }
    step
}

fn mysql_cast_type(t: &str) -> String {
    let base = t.split('(').next().unwrap_or(t).to_lowercase();
    match base.as_str() {
        "int" | "integer" | "bigint" | "smallint" | "tinyint" => "SIGNED".to_string(),
        "varchar" | "text" | "char" => "CHAR".to_string(),
        "decimal" | "numeric" => t.to_uppercase(),
        "datetime" | "timestamp" => "DATETIME".to_string(),
        "date" => "DATE".to_string(),
        _ => t.to_uppercase(),
    }
}

// ---------------------------------------------------------------- constraints

fn add_then_validate(pc: &PlanContext, table: &Table, constraint: &TableConstraint) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let mut named = constraint.clone();
    let name = constraint_name(pc, table, constraint);
    let ident = sqlparser::ast::Ident::new(&name);
    match &mut named {
        TableConstraint::ForeignKey(fk) => fk.name = Some(ident),
        TableConstraint::Check(ck) => ck.name = Some(ident),
        _ => {}
    }
    let key_sql = ddl::ident(&name, d);
    let ie = pc.if_exists();
    let what = if matches!(constraint, TableConstraint::ForeignKey(_)) {
        "foreign key"
    } else {
        "check"
    };
    let (added, kind) = match constraint {
        TableConstraint::ForeignKey(fk) => (
            native::foreign_key(fk, &table.name, &name, false, d),
            Kind::ForeignKey,
        ),
        TableConstraint::Check(ck) => (
            Some(Native::AddCheck {
                table: table.name.clone(),
                name: name.clone(),
                expression: ck.expr.to_string(),
                validate: false,
            }),
            Kind::Check,
        ),
        _ => (None, Kind::Check),
    };
    let removed = Native::RemoveConstraint {
        table: table.name.clone(),
        name: name.clone(),
        kind,
        guard: pc.options.idempotent,
    };
    let validated = added.as_ref().map(|_| Native::Validate {
        table: table.name.clone(),
        name: name.clone(),
        kind,
    });
    vec![
        Step::new(
            Phase::Expand,
            format!("Add {what} {name} NOT VALID"),
            "NOT VALID enforces the constraint for new writes at once, without checking existing rows under a strong lock.",
            format!("ALTER TABLE {table_sql} ADD {named} NOT VALID"),
        )
        .down(format!("ALTER TABLE {table_sql} DROP CONSTRAINT {ie}{key_sql}"))
        .native(added, Some(removed)),
        Step::new(
            Phase::Migrate,
            format!("Validate {name}"),
            "VALIDATE checks existing rows under SHARE UPDATE EXCLUSIVE (writes go on). It must run in its own transaction, after the one that added the constraint has committed; it fails on violating rows, showing you which.",
            format!("ALTER TABLE {table_sql} VALIDATE CONSTRAINT {key_sql}"),
        )
        .down("-- nothing to undo: validation only checks rows")
        .native(validated, None)
        .idempotent(),
    ]
}

fn unique_via_index(pc: &PlanContext, table: &Table, constraint: &TableConstraint) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let name = constraint_name(pc, table, constraint);
    let key_sql = ddl::ident(&name, d);
    let (cols, primary) = match constraint {
        TableConstraint::Unique(u) => (&u.columns, false),
        TableConstraint::PrimaryKey(p) => (&p.columns, true),
        _ => return Vec::new(),
    };
    let cols: Vec<String> = cols
        .iter()
        .map(|c| names::column_of(&c.column.expr, d).unwrap_or_else(|| c.column.expr.to_string()))
        .collect();
    let ine = pc.if_not_exists();
    let ie = pc.if_exists();
    let mut steps = Vec::new();
    if primary {
        for c in &cols {
            if table.column(c).is_some_and(|x| x.nullable) {
                steps.extend(set_not_null(pc, table, c));
            }
        }
    }
    steps.push(
        Step::new(
            Phase::Expand,
            format!("Build the unique index {name} concurrently"),
            "Builds the index without blocking writes (its own non-transactional migration). If it fails, duplicates exist: the INVALID index it leaves must be dropped before retrying.",
            format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {ine}{key_sql} ON {table_sql} ({})",
                ddl::columns(&cols, d)
            ),
        )
        .down(format!("DROP INDEX CONCURRENTLY {ie}{key_sql}"))
        .native(
            Some(Native::AddIndex {
                table: table.name.clone(),
                name: name.clone(),
                columns: cols.clone(),
                unique: true,
                concurrently: true,
                predicate: None,
                guard: pc.options.idempotent,
            }),
            Some(Native::RemoveIndex {
                table: table.name.clone(),
                name: name.clone(),
                concurrently: true,
                guard: pc.options.idempotent,
            }),
        )
        .non_transactional()
        .idempotent(),
    );
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    steps.push(
        Step::new(
            Phase::Expand,
            format!("Attach {name} as the {} constraint", kind.to_lowercase()),
            "USING INDEX turns the ready index into the constraint: metadata only.",
            format!("ALTER TABLE {table_sql} ADD CONSTRAINT {key_sql} {kind} USING INDEX {key_sql}"),
        )
        .down(format!(
            "ALTER TABLE {table_sql} DROP CONSTRAINT {key_sql};\nCREATE UNIQUE INDEX {key_sql} ON {table_sql} ({})",
            ddl::columns(&cols, d)
        )),
    );
    steps
}

/// The name the catalogue gives the constraint once added.
/// PostgreSQL `ALTER COLUMN`: a type change or SET NOT NULL through their
/// safe patterns; empty when the operation is fine as written.
fn pg_alter_column(
    pc: &PlanContext,
    table: &Table,
    col: &str,
    aop: &AlterColumnOperation,
) -> Vec<Step> {
    let d = pc.dialect;
    let Some(c) = table.column(col) else {
        return Vec::new();
    };
    match aop {
        AlterColumnOperation::SetDataType {
            data_type, using, ..
        } => {
            let to = names::data_type(data_type, d);
            if using.is_none() && binary_coercible(&c.data_type, &to) {
                Vec::new()
            } else if let Some(why) = keeps_its_column(pc, table, c) {
                vec![type_changed_in_place(
                    pc,
                    table,
                    c,
                    &format!("ALTER COLUMN {} {aop}", ddl::ident(&c.name, d)),
                    &why,
                )]
            } else {
                let target = Target {
                    data_type: data_type.to_string(),
                    not_null: !c.nullable,
                };
                change_type(pc, table, c, &target, using.as_ref())
            }
        }
        AlterColumnOperation::SetNotNull if c.nullable => {
            if pc.options.pg_version >= 12 && table.has_not_null_check(col) {
                Vec::new()
            } else {
                set_not_null(pc, table, col)
            }
        }
        _ => Vec::new(),
    }
}

/// MySQL: a foreign key added in place, as the rule advises: the orphan
/// check MySQL then skips, run first; `foreign_key_checks=0` for the
/// session so InnoDB adds the key without copying the table; the setting
/// restored at once.
fn mysql_foreign_key(
    pc: &PlanContext,
    table: &Table,
    constraint: &TableConstraint,
    fk: &sqlparser::ast::ForeignKeyConstraint,
) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let parent = names::object(&fk.foreign_table, d);
    let parent_sql = ddl::name(&parent, d);
    let columns: Vec<String> = fk.columns.iter().map(|c| names::ident(c, d)).collect();
    let referred: Vec<String> = fk
        .referred_columns
        .iter()
        .map(|c| names::ident(c, d))
        .collect();
    let matched = columns
        .iter()
        .zip(&referred)
        .map(|(c, r)| format!("p.{} = c.{}", ddl::ident(r, d), ddl::ident(c, d)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let present = columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", ddl::ident(c, d)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let name = constraint_name(pc, table, constraint);
    let orphans = Step::new(
        Phase::Expand,
        format!("Check that every {} row has its {parent} row", table.name),
        "With foreign_key_checks=0 MySQL does not check the rows already there: this must return 0 before the next step (fix or delete the rows it counts first).",
        format!(
            "SELECT count(*) AS orphans FROM {table_sql} c WHERE {present} AND NOT EXISTS (SELECT 1 FROM {parent_sql} p WHERE {matched})"
        ),
    )
    .down("-- nothing to undo: a query")
    .idempotent();
    let add = Step::new(
        Phase::Expand,
        format!("Add foreign key {name} in place"),
        "With foreign_key_checks=0 for this session InnoDB adds the key in place (ALGORITHM=INPLACE, LOCK=NONE) instead of copying the table; the setting is restored right after.",
        format!(
            "SET foreign_key_checks = 0;\nALTER TABLE {table_sql} ADD {constraint}, ALGORITHM=INPLACE, LOCK=NONE;\nSET foreign_key_checks = 1"
        ),
    )
    .down(format!(
        "ALTER TABLE {table_sql} DROP FOREIGN KEY {}",
        ddl::ident(&name, d)
    ));
    vec![orphans, add]
}

fn constraint_name(pc: &PlanContext, table: &Table, constraint: &TableConstraint) -> String {
    crate::catalog::constraint_name(constraint, table, pc.dialect)
        .unwrap_or_else(|| format!("{}_constraint", names::last(&table.name)))
}

// ---------------------------------------------------------------- tables

fn rename_table(pc: &PlanContext, from: &str, to: &str) -> Vec<Step> {
    let d = pc.dialect;
    let from_sql = ddl::name(from, d);
    let to_sql = ddl::name(to, d);
    let rename = match d {
        Dialect::Mysql => format!("RENAME TABLE {from_sql} TO {to_sql}"),
        _ => format!(
            "ALTER TABLE {from_sql} RENAME TO {}",
            ddl::ident(names::last(to), d)
        ),
    };
    let back = match d {
        Dialect::Mysql => format!("RENAME TABLE {to_sql} TO {from_sql}"),
        _ => format!(
            "ALTER TABLE {to_sql} RENAME TO {}",
            ddl::ident(names::last(from), d)
        ),
    };
    // A table set aside and replaced (renamed, a new one created under
    // its name, the rows copied, the old one dropped): a view under the
    // old name would stand in the way of the new table and of the drop.
    if pc.after.table(from).is_some() || pc.after.table(to).is_none() {
        return vec![
            Step::new(
                Phase::Expand,
                format!("Rename {from} to {to}"),
                format!("The migration replaces {from} or drops {to} later, so no view keeps the old name."),
                rename,
            )
            .down(back),
        ];
    }
    let view_note = if d == Dialect::Sqlite {
        " SQLite views are read-only: old code can read through it but not write."
    } else {
        " A simple view over one table is updatable, so old code keeps reading and writing."
    };
    vec![
        Step::new(
            Phase::Expand,
            format!("Rename {from} to {to}, leaving a view named {from}"),
            format!("In one transaction, so queries see the table under one name or the other at every moment.{view_note}"),
            format!("{rename};\nCREATE VIEW {from_sql} AS SELECT * FROM {to_sql}"),
        )
        .down(format!("DROP VIEW {from_sql};\n{back}")),
        Step::deploy_point(Phase::Migrate, format!("code that uses {to} instead of {from}")),
        Step::new(
            Phase::Contract,
            format!("Drop the compatibility view {from}"),
            "Nothing uses the old name any more.",
            format!("DROP VIEW {from_sql}"),
        )
        .down(format!("CREATE VIEW {from_sql} AS SELECT * FROM {to_sql}")),
    ]
}

fn drop_table(pc: &PlanContext, table: &Table) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    // SQLite rewrites the foreign keys of other tables when a table is
    // renamed: set aside under another name, the table would take them
    // with it. Those tables keep naming it; it is dropped as written.
    if d == Dialect::Sqlite && referenced_by_others(pc.before, &table.name) {
        let mut down = ddl::create_table(table, d);
        for i in pc.before.indexes_on(&table.name) {
            down.push_str(&format!(";\n{}", ddl::create_index(i, d, false)));
        }
        return vec![
            Step::deploy_point(Phase::Contract, format!("code that no longer uses {}", table.name)),
            Step::new(
                Phase::Contract,
                format!("Drop {}", table.name),
                format!("Other tables' foreign keys name {}, and SQLite would rewrite them to follow a rename, so it is not set aside first: take a backup.", table.name),
                format!("DROP TABLE {table_sql}"),
            )
            .down(down)
            .lossy(format!("deletes every row of {} (the down re-creates an empty table)", table.name)),
        ];
    }
    let archived = truncate_name(&format!("{}_archived", names::last(&table.name)));
    let archived_full = match table.name.rsplit_once('.') {
        Some((s, _)) => format!("{s}.{archived}"),
        None => archived.clone(),
    };
    let aq = ddl::name(&archived_full, d);
    let (rename, back) = match d {
        Dialect::Mysql => (
            format!("RENAME TABLE {table_sql} TO {aq}"),
            format!("RENAME TABLE {aq} TO {table_sql}"),
        ),
        _ => (
            format!(
                "ALTER TABLE {table_sql} RENAME TO {}",
                ddl::ident(&archived, d)
            ),
            format!(
                "ALTER TABLE {aq} RENAME TO {}",
                ddl::ident(names::last(&table.name), d)
            ),
        ),
    };
    let mut recreated = table.clone();
    recreated.name = archived_full.clone();
    let mut down = ddl::create_table(&recreated, d);
    for comment in ddl::table_comments(&recreated, d) {
        down.push_str(&format!(";\n{comment}"));
    }
    if d == Dialect::Postgres {
        down.push_str(&serial_sequences_renamed(table, &archived_full));
    }
    for i in pc.before.indexes_on(&table.name) {
        let mut i = i.clone();
        i.table = archived_full.clone();
        down.push_str(&format!(";\n{}", ddl::create_index(&i, d, false)));
    }
    vec![
        Step::deploy_point(Phase::Contract, format!("code that no longer uses {}", table.name)),
        Step::new(
            Phase::Contract,
            format!("Rename {} to {archived}", table.name),
            "Reversible: if something still used the table, renaming it back restores everything. Wait (days, a release) before the final drop.",
            rename,
        )
        .down(back),
        Step::new(
            Phase::Contract,
            format!("Drop {archived}"),
            format!("The final, irreversible drop of {}: take a backup first.", table.name),
            format!("DROP TABLE {aq}"),
        )
        .down(down)
        .lossy(format!("deletes every row of {} (the down re-creates an empty table)", table.name)),
    ]
}

/// Whether a table other than `table` has a foreign key to it.
fn referenced_by_others(catalog: &crate::catalog::Catalog, table: &str) -> bool {
    catalog.tables.values().any(|other| {
        other.name != table
            && other.constraints.iter().any(|c| {
                matches!(&c.kind, crate::catalog::ConstraintKind::ForeignKey { references, .. } if references == table)
            })
    })
}

/// PostgreSQL names the sequence of a serial or identity column after its
/// table: `table` re-created as `recreated` gets `recreated_col_seq`,
/// renamed here to the `table_col_seq` it had (short names only; PostgreSQL
/// shortens long ones its own way).
fn serial_sequences_renamed(table: &Table, recreated: &str) -> String {
    let d = Dialect::Postgres;
    let schema = recreated
        .rsplit_once('.')
        .map(|(schema, _)| format!("{schema}."))
        .unwrap_or_default();
    let mut out = String::new();
    for column in &table.columns {
        let serial = matches!(
            column.data_type.to_lowercase().as_str(),
            "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
        );
        if !serial && column.identity.is_none() {
            continue;
        }
        let from = format!("{}_{}_seq", names::last(recreated), column.name);
        let to = format!("{}_{}_seq", names::last(&table.name), column.name);
        if from.len() <= 63 && to.len() <= 63 {
            // ALTER TABLE renames a sequence too (PostgreSQL allows it for
            // the forms ALTER SEQUENCE has), and the parser reads it.
            out.push_str(&format!(
                ";\nALTER TABLE {} RENAME TO {}",
                ddl::name(&format!("{schema}{from}"), d),
                ddl::ident(&to, d)
            ));
        }
    }
    out
}

fn truncate(pc: &PlanContext, table: &Table) -> Vec<Step> {
    let table_sql = ddl::name(&table.name, pc.dialect);
    let (copy, aq) = archive_copy(
        pc,
        table,
        "truncated",
        "A copy of every row, so the TRUNCATE can be undone. Drop it once you are sure.",
    );
    vec![
        copy,
        Step::new(
            Phase::Contract,
            format!("Truncate {}", table.name),
            "Deletes every row at once under an ACCESS EXCLUSIVE lock (PostgreSQL).",
            format!("TRUNCATE TABLE {table_sql}"),
        )
        .down(format!("INSERT INTO {table_sql} SELECT * FROM {aq}")),
    ]
}

fn batched_update(pc: &PlanContext, table: &Table, u: &sqlparser::ast::Update) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let assignments: Vec<String> = u.assignments.iter().map(|a| a.to_string()).collect();
    let pending: Vec<String> = u
        .assignments
        .iter()
        .map(|a| {
            let target = a.target.to_string();
            let value = a.value.to_string();
            match d {
                Dialect::Postgres => format!("({target}) IS DISTINCT FROM ({value})"),
                Dialect::Mysql => format!("NOT ({target} <=> ({value}))"),
                Dialect::Sqlite => format!("{target} IS NOT ({value})"),
            }
        })
        .collect();
    let (up, note) = batched(
        pc,
        table,
        &format!("UPDATE {table_sql} SET {}", assignments.join(", ")),
        &pending.join(" OR "),
    );
    let mut why = "One UPDATE of every row holds row locks on the whole table for one long transaction. In batches, each committed, the table stays writable; the WHERE skips rows already done, so the step is safe to re-run.".to_string();
    if let Some(n) = note {
        why.push(' ');
        why.push_str(&n);
    }
    let only_new_columns = u.assignments.iter().all(|a| {
        let target = a.target.to_string();
        let col = target
            .rsplit('.')
            .next()
            .unwrap_or(&target)
            .trim_matches(|c| c == '"' || c == '`');
        pc.new_columns
            .contains(&format!("{}.{}", table.name, col.to_lowercase()))
            || pc.new_columns.contains(&format!("{}.{col}", table.name))
    });
    let step = Step::new(
        Phase::Migrate,
        format!(
            "Update {} in batches of {}",
            table.name, pc.options.batch_size
        ),
        why,
        up,
    )
    .remaining(format!(
        "SELECT count(*) FROM {table_sql} WHERE {}",
        pending.join(" OR ")
    ))
    .repeat();
    vec![if only_new_columns {
        step.down("-- nothing to undo: the columns it fills were added by this migration")
    } else {
        step.no_down(
            "overwrites values: keep a copy of the columns first if you may need them back",
        )
    }]
}

/// A copy of every row of `table` into `<table>_<what>_archive`, so a
/// step that deletes them can be undone; returns the step and the copy's
/// quoted name.
fn archive_copy(pc: &PlanContext, table: &Table, what: &str, why: &str) -> (Step, String) {
    let d = pc.dialect;
    let archive = truncate_name(&format!("{}_{what}_archive", names::last(&table.name)));
    let aq = ddl::ident(&archive, d);
    let step = Step::new(
        Phase::Contract,
        format!("Copy {} to {archive}", table.name),
        why,
        format!(
            "CREATE TABLE {aq} AS SELECT * FROM {}",
            ddl::name(&table.name, d)
        ),
    )
    .down(format!("DROP TABLE {aq}"));
    (step, aq)
}

fn batched_delete(pc: &PlanContext, table: &Table) -> Vec<Step> {
    let d = pc.dialect;
    let table_sql = ddl::name(&table.name, d);
    let (copy, aq) = archive_copy(
        pc,
        table,
        "deleted",
        "A copy of every row, so the delete can be undone.",
    );
    let (up, note) = batched(pc, table, &format!("DELETE FROM {table_sql}"), "1 = 1");
    let mut why = "Deleting in committed batches keeps locks and transactions short.".to_string();
    if let Some(n) = note {
        why.push(' ');
        why.push_str(&n);
    }
    vec![
        copy,
        Step::new(
            Phase::Contract,
            format!(
                "Delete all rows of {} in batches of {}",
                table.name, pc.options.batch_size
            ),
            why,
            up,
        )
        .down(format!("INSERT INTO {table_sql} SELECT * FROM {aq}"))
        .remaining(format!("SELECT count(*) FROM {table_sql}"))
        .repeat(),
    ]
}

// ---------------------------------------------------------------- SQLite

fn sqlite_add_column_needs_rebuild(at: &sqlparser::ast::AlterTable) -> bool {
    at.operations.iter().any(|op| match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            let not_null = has(column_def, |o| matches!(o, ColumnOption::NotNull));
            let default = column_def.options.iter().find_map(|o| match &o.option {
                ColumnOption::Default(e) => Some(e),
                _ => None,
            });
            has(column_def, |o| {
                matches!(o, ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_))
            }) || default.is_some_and(|e| !matches!(e, Expr::Value(_)))
                || (not_null && default.is_none())
        }
        _ => false,
    })
}

/// The 12-step table rebuild to reach the table as `stmt` would leave it,
/// after backfilling NULLs in columns that become NOT NULL.
fn sqlite_rebuild(pc: &PlanContext, table: &Table, stmt: &Statement) -> Vec<Step> {
    let d = pc.dialect;
    let mut after_catalog = pc.before.clone();
    after_catalog.apply(stmt, d);
    // The catalogue cannot apply what SQLite lacks: apply the same change
    // as PostgreSQL would read it.
    let mut as_pg = pc.before.clone();
    as_pg.apply(stmt, Dialect::Postgres);
    let after = as_pg
        .table(&table.name)
        .or_else(|| after_catalog.table(&table.name))
        .cloned()
        .unwrap_or_else(|| table.clone());
    // Columns renamed by the statement: (old, new).
    let renames: Vec<(String, String)> = match stmt {
        Statement::AlterTable(at) => at
            .operations
            .iter()
            .filter_map(|op| match op {
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => Some((
                    names::ident(old_column_name, d),
                    names::ident(new_column_name, d),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let script = |from: &Table, to: &Table, renamed: &[(String, String)]| {
        rebuild_script(pc, from, to, renamed)
    };
    let lost: Vec<String> = table
        .columns
        .iter()
        .filter(|c| after.column(&c.name).is_none() && !renames.iter().any(|(o, _)| *o == c.name))
        .map(|c| c.name.clone())
        .collect();
    let mut steps = backfill_before_rebuild(pc, table, &after);
    let mut step = Step::new(
        Phase::Expand,
        format!("Rebuild {} with the new definition", table.name),
        "SQLite's ALTER TABLE cannot make this change: the table is rebuilt (create the new table, copy the rows, drop the old, rename), with foreign keys off during the copy and checked before COMMIT. Views and triggers on the table must be re-created if any exist.",
        script(table, &after, &renames),
    )
    .down(script(
        &after,
        table,
        &renames
            .iter()
            .map(|(o, n)| (n.clone(), o.clone()))
            .collect::<Vec<_>>(),
    ))
    .non_transactional();
    if !lost.is_empty() {
        step = step.lossy(format!("the rebuild drops column(s) {}", lost.join(", ")));
    }
    steps.push(step);
    steps
}

/// The SQLite rebuild script from table `from` to table `to` (columns
/// `renamed` as (old, new)): create, copy, drop, rename, with the views and
/// indexes over it re-created and foreign keys checked before COMMIT.
fn rebuild_script(
    pc: &PlanContext,
    from: &Table,
    to: &Table,
    renamed: &[(String, String)],
) -> String {
    let d = pc.dialect;
    let name = ddl::name(&from.name, d);
    let tmp = format!("{}_new", names::last(&from.name));
    let tmpq = ddl::ident(&tmp, d);
    let mut staged = to.clone();
    staged.name = tmp.clone();
    // Each column of the new table from the same column of the old one,
    // or from the column it was renamed from.
    let mut targets = Vec::new();
    let mut sources = Vec::new();
    for c in &to.columns {
        let source = if from.column(&c.name).is_some() {
            Some(c.name.clone())
        } else {
            renamed
                .iter()
                .find(|(_, new)| *new == c.name)
                .map(|(old, _)| old.clone())
                .filter(|old| from.column(old).is_some())
        };
        if let Some(src) = source {
            targets.push(ddl::ident(&c.name, d));
            sources.push(ddl::ident(&src, d));
        }
    }
    let target_cols = targets.join(", ");
    let source_cols = sources.join(", ");
    // Views over the table must go while it is swapped (SQLite checks
    // them on RENAME) and come back after.
    let views = pc.before.views_using(&from.name);
    let drop_views: String = views
        .iter()
        .map(|v| format!("DROP VIEW {};\n", ddl::name(&v.name, d)))
        .collect();
    let mut s = format!(
        "PRAGMA foreign_keys=OFF;\nBEGIN;\n{};\nINSERT INTO {tmpq} ({target_cols}) SELECT {source_cols} FROM {name};\n{drop_views}DROP TABLE {name};\nALTER TABLE {tmpq} RENAME TO {name};\n",
        ddl::create_table(&staged, d)
    );
    for v in &views {
        s.push_str(&format!("{};\n", v.create_sql(d)));
    }
    for i in pc.before.indexes_on(&from.name) {
        if i.columns
            .iter()
            .all(|k| k.column().is_some_and(|c| to.column(c).is_some()))
        {
            s.push_str(&ddl::create_index(i, d, false));
            s.push_str(";\n");
        }
    }
    s.push_str("PRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys=ON");
    s
}

/// Backfills of the NULLs in columns the rebuild makes NOT NULL.
fn backfill_before_rebuild(pc: &PlanContext, table: &Table, after: &Table) -> Vec<Step> {
    let d = pc.dialect;
    let mut steps = Vec::new();
    for c in &after.columns {
        if !c.nullable && table.column(&c.name).is_some_and(|b| b.nullable) {
            let column_sql = ddl::ident(&c.name, d);
            let fill = c
                .default
                .clone()
                .unwrap_or_else(|| placeholder(&c.data_type.to_lowercase()));
            let mut backfill_steps = backfill(
                pc,
                table,
                &c.name,
                &fill,
                &format!("{column_sql} IS NULL"),
                &format!(
                    "The rebuild copies rows into a NOT NULL column: existing NULLs need a value first. {fill} is a placeholder: review it before running."
                ),
            );
            for st in &mut backfill_steps {
                st.phase = Phase::Expand;
                st.down = Some("-- the previous NULLs are not kept".into());
                st.irreversible = true;
                st.reason = Some(format!(
                    "replaces NULLs in {}.{} with {fill}",
                    table.name, c.name
                ));
            }
            steps.extend(backfill_steps);
        }
    }
    steps
}
