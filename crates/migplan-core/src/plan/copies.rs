//! Kept copies: when the user asks (`keep_copies`), a DELETE or UPDATE of
//! rows that existed before the migration is preceded by a step that copies
//! the rows it changes into a table of their own, and its down puts them
//! back from there.

use sqlparser::ast::{AssignmentTarget, Expr, FromTable, Statement, TableWithJoins};

use super::patterns::{passthrough, truncate_name};
use super::{Phase, PlanContext, Step};
use crate::catalog::{ConstraintKind, Table};
use crate::{Dialect, ddl, names};

/// Whether `stmt` is a DELETE or UPDATE with a WHERE of a table that
/// existed before the migration (one without WHERE has its own pattern).
pub(super) fn changes_existing_rows(pc: &PlanContext, stmt: &Statement) -> bool {
    target(pc, stmt).is_some_and(|change| !pc.created.contains(&change.table.name))
}

/// What a data change touches.
struct Change<'a> {
    table: &'a Table,
    /// The FROM items (the target first) and the WHERE, as written.
    from: Vec<&'a TableWithJoins>,
    selection: &'a Expr,
    /// The target's alias, when it has one.
    alias: Option<String>,
    /// UPDATE: the columns it assigns.
    assigned: Option<Vec<String>>,
}

fn target<'a>(pc: &PlanContext<'a>, stmt: &'a Statement) -> Option<Change<'a>> {
    let d = pc.dialect;
    let (first, more, selection, assigned): (&TableWithJoins, Vec<&TableWithJoins>, _, _) =
        match stmt {
            Statement::Delete(delete) => {
                let (FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables)) =
                    &delete.from;
                let (first, rest) = tables.split_first()?;
                let mut more: Vec<&TableWithJoins> = rest.iter().collect();
                more.extend(delete.using.iter().flatten());
                (first, more, delete.selection.as_ref()?, None)
            }
            Statement::Update(update) => {
                let more = match &update.from {
                    Some(
                        sqlparser::ast::UpdateTableFromKind::BeforeSet(from)
                        | sqlparser::ast::UpdateTableFromKind::AfterSet(from),
                    ) => from.iter().collect(),
                    None => Vec::new(),
                };
                let assigned = update
                    .assignments
                    .iter()
                    .flat_map(|a| match &a.target {
                        AssignmentTarget::ColumnName(name) => vec![name],
                        AssignmentTarget::Tuple(list) => list.iter().collect(),
                    })
                    .filter_map(|name| name.0.last()?.as_ident().map(|i| names::ident(i, d)))
                    .collect();
                (
                    &update.table,
                    more,
                    update.selection.as_ref()?,
                    Some(assigned),
                )
            }
            _ => return None,
        };
    let sqlparser::ast::TableFactor::Table { name, alias, .. } = &first.relation else {
        return None;
    };
    let table = pc.before.table(&names::object(name, d))?;
    let mut from = vec![first];
    from.extend(more);
    Some(Change {
        table,
        from,
        selection,
        alias: alias.as_ref().map(|a| a.name.to_string()),
        assigned,
    })
}

/// The copy step and the change with a down that restores from the copy;
/// `None` when the rows cannot be told apart (no primary key where one is
/// needed) or the statement is not a plain data change.
pub(super) fn copy_then_change(pc: &PlanContext, stmt: &Statement, sql: &str) -> Option<Vec<Step>> {
    let change = target(pc, stmt)?;
    let d = pc.dialect;
    let table = change.table;
    let table_sql = ddl::name(&table.name, d);
    let key = primary_key(table);
    let verb = if change.assigned.is_some() {
        "updated"
    } else {
        "deleted"
    };
    let copy_name = truncate_name(&format!("{}_{verb}_{}", names::last(&table.name), pc.line));
    let copy_sql = ddl::ident(&copy_name, d);
    let from_sql = change
        .from
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let select = if change.from.len() == 1 && change.from[0].joins.is_empty() {
        format!("SELECT * FROM {from_sql} WHERE {}", change.selection)
    } else {
        // Joined: one copy of each changed row, found by its key.
        let key = key.as_ref()?;
        let target = change.alias.clone().unwrap_or_else(|| table_sql.clone());
        let keys = key
            .iter()
            .map(|k| format!("{target}.{}", ddl::ident(k, d)))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT * FROM {table_sql} WHERE ({}) IN (SELECT {keys} FROM {from_sql} WHERE {})",
            ddl::columns(key, d),
            change.selection
        )
    };
    let copy = Step::new(
        Phase::Migrate,
        format!("Keep a copy of the rows line {} changes", pc.line),
        format!("Copies the rows the next step changes into {copy_name}, so it can be undone. Drop the copy once the change is confirmed."),
        format!("CREATE TABLE {copy_sql} AS {select}"),
    )
    .down(format!("DROP TABLE {copy_sql}"));
    let why = format!("Changes rows as written; its down restores them from {copy_name}.");
    let change_step = passthrough(pc, stmt, sql);
    let change_step = Step {
        why,
        irreversible: false,
        reason: None,
        ..change_step
    };
    let restore = match &change.assigned {
        None => Some(format!("INSERT INTO {table_sql} SELECT * FROM {copy_sql}")),
        Some(columns) => key
            .as_ref()
            .map(|key| restore_values(d, &table_sql, &copy_sql, key, columns)),
    };
    let change_step = match restore {
        Some(down) => change_step.down(down),
        None => change_step.no_down(format!(
            "{} has no primary key, so the copied values cannot be matched back to their rows",
            table.name
        )),
    };
    Some(vec![copy, change_step])
}

fn primary_key(table: &Table) -> Option<Vec<String>> {
    match &table.primary_key()?.kind {
        ConstraintKind::PrimaryKey { columns } => Some(columns.clone()),
        _ => None,
    }
}

/// An UPDATE that puts the copied values back, matched on the key.
fn restore_values(
    d: Dialect,
    table_sql: &str,
    copy_sql: &str,
    key: &[String],
    columns: &[String],
) -> String {
    let on = key
        .iter()
        .map(|k| {
            let k = ddl::ident(k, d);
            format!("{table_sql}.{k} = {copy_sql}.{k}")
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    match d {
        Dialect::Mysql => {
            let set = columns
                .iter()
                .map(|c| {
                    let c = ddl::ident(c, d);
                    format!("{table_sql}.{c} = {copy_sql}.{c}")
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("UPDATE {table_sql} JOIN {copy_sql} ON {on} SET {set}")
        }
        _ => {
            let set = columns
                .iter()
                .map(|c| {
                    let c = ddl::ident(c, d);
                    format!("{c} = {copy_sql}.{c}")
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("UPDATE {table_sql} SET {set} FROM {copy_sql} WHERE {on}")
        }
    }
}
