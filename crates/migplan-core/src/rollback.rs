//! Generated rollbacks: the statements that undo a migration, computed from
//! the migration and the catalogue before each statement, with every lossy
//! undo marked (a dropped column comes back empty).

use serde::Serialize;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeOperation, CommentObject, ObjectType,
    RenameTableNameKind, SchemaName, Statement, TableConstraint,
};

use crate::catalog::Catalog;
use crate::diff::{Change, diff};
use crate::locks::binary_coercible;
use crate::parse::Section;
use crate::{Dialect, Session, ddl, names, parse_source};

/// How to undo one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// Nothing to undo (a query, a SET, an `IF NOT EXISTS` that did nothing).
    Nothing,
    /// SQL that brings the schema and the data back exactly.
    Exact(String),
    /// SQL that brings the schema back, but not everything in it.
    Lossy { sql: String, lost: Vec<Lost> },
    /// migplan cannot generate the undo, for this reason.
    Impossible(String),
}

/// What an undo cannot bring back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Every row of a dropped table.
    TableRows { table: String },
    /// The values of a dropped column (re-added NULL-able when it was NOT
    /// NULL, since the values that filled it are gone).
    ColumnValues {
        table: String,
        column: String,
        readded_nullable: bool,
    },
    /// The current value of a dropped sequence.
    SequenceValue { sequence: String },
    /// Values of a column that do not fit its old type again.
    ValuesNotFitting {
        table: String,
        column: String,
        old_type: String,
    },
    /// Rows with the keys an INSERT adds that were there before (its WHERE
    /// or ON CONFLICT DO NOTHING skipped them): the down deletes them too.
    RowsKeptByGuard { table: String },
    /// Values of a column longer or finer than its old type allows.
    ValuesNarrowed {
        table: String,
        column: String,
        old_type: String,
    },
}

impl Lost {
    /// The `table.column` whose values are gone, when that is what is lost.
    pub fn column(&self) -> Option<String> {
        match self {
            Lost::ColumnValues { table, column, .. } => Some(format!("{table}.{column}")),
            _ => None,
        }
    }
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::TableRows { table } => write!(f, "the rows of table {table}"),
            Lost::ColumnValues {
                table,
                column,
                readded_nullable,
            } => {
                write!(f, "the values of column {table}.{column}")?;
                if *readded_nullable {
                    f.write_str(" (re-added NULL-able)")?;
                }
                Ok(())
            }
            Lost::RowsKeptByGuard { table } => write!(
                f,
                "rows of {table} with the inserted keys that were there before (the INSERT skipped them)"
            ),
            Lost::SequenceValue { sequence } => {
                write!(f, "the current value of sequence {sequence}")
            }
            Lost::ValuesNotFitting {
                table,
                column,
                old_type,
            } => write!(f, "values of {table}.{column} that do not fit {old_type}"),
            Lost::ValuesNarrowed {
                table,
                column,
                old_type,
            } => write!(
                f,
                "values of {table}.{column} longer or finer than {old_type}"
            ),
        }
    }
}

impl Undo {
    fn sql(sql: impl Into<String>) -> Undo {
        let sql = sql.into();
        if sql.is_empty() {
            Undo::Nothing
        } else {
            Undo::Exact(sql)
        }
    }

    fn nothing() -> Undo {
        Undo::Nothing
    }

    fn lossy(sql: impl Into<String>, lost: Lost) -> Undo {
        Undo::Lossy {
            sql: sql.into(),
            lost: vec![lost],
        }
    }

    fn none(why: impl Into<String>) -> Undo {
        Undo::Impossible(why.into())
    }

    /// The undoing SQL (empty when there is nothing to undo); `None` when
    /// migplan cannot generate it.
    pub fn down_sql(&self) -> Option<&str> {
        match self {
            Undo::Nothing => Some(""),
            Undo::Exact(sql) | Undo::Lossy { sql, .. } => Some(sql),
            Undo::Impossible(_) => None,
        }
    }

    /// What is lost, or why there is no undo, as the report words it.
    pub fn lossy_text(&self) -> Option<String> {
        match self {
            Undo::Nothing | Undo::Exact(_) => None,
            Undo::Lossy { lost, .. } => Some(
                lost.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Undo::Impossible(why) => Some(why.clone()),
        }
    }

    /// What undoing cannot bring back.
    pub fn lost(&self) -> &[Lost] {
        match self {
            Undo::Lossy { lost, .. } => lost,
            _ => &[],
        }
    }
}

/// Serialised as it always was: `{"sql": ..., "lossy": ...}`.
impl Serialize for Undo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Inverse", 2)?;
        out.serialize_field("sql", &self.down_sql())?;
        out.serialize_field("lossy", &self.lossy_text())?;
        out.end()
    }
}

/// The inverse of `stmt`, given the catalogue just before it.
pub fn inverse(stmt: &Statement, before: &Catalog, d: Dialect) -> Undo {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    match stmt {
        Statement::CreateTable(ct) => {
            let t = n(&ct.name);
            if ct.if_not_exists && before.tables.contains_key(&t) {
                return Undo::nothing();
            }
            Undo::sql(format!("DROP TABLE {}", ddl::name(&t, d)))
        }
        Statement::CreateIndex(ci) => {
            let table = n(&ci.table_name);
            let Some(name) = ci.name.as_ref().map(n) else {
                return Undo::none("the index has no name to drop it by");
            };
            if ci.if_not_exists && before.indexes.contains_key(&name) {
                return Undo::nothing();
            }
            let index = crate::catalog::Index {
                name,
                table,
                unique: ci.unique,
                method: None,
                columns: Vec::new(),
                predicate: None,
                key_options: Vec::new(),
            };
            // IF EXISTS: a constraint built on the index (USING INDEX) may
            // already have taken it away.
            Undo::sql(ddl::drop_index(
                &index,
                d,
                ci.concurrently,
                d != Dialect::Mysql,
            ))
        }
        Statement::CreateView(v) => Undo::sql(format!(
            "DROP {}VIEW {}",
            if v.materialized { "MATERIALIZED " } else { "" },
            ddl::name(&n(&v.name), d)
        )),
        Statement::CreateSequence { name, .. } => {
            Undo::sql(format!("DROP SEQUENCE {}", ddl::name(&n(name), d)))
        }
        Statement::CreateSchema { schema_name, .. } => match schema_name {
            SchemaName::Simple(s) | SchemaName::NamedAuthorization(s, _) => {
                Undo::sql(format!("DROP SCHEMA {}", ddl::name(&n(s), d)))
            }
            SchemaName::UnnamedAuthorization(_) => Undo::none("unnamed schema"),
        },
        Statement::CreateType { name, .. } => {
            Undo::sql(format!("DROP TYPE {}", ddl::name(&n(name), d)))
        }
        Statement::CreateFunction(function) => undo_create_function(function, before, d),
        Statement::CreateTrigger(trigger) => undo_create_trigger(trigger, before, d),
        Statement::DropFunction(dropped) => undo_drop_function(dropped, before, d),
        Statement::DropTrigger(dropped) => undo_drop_trigger(dropped, before, d),
        Statement::Drop {
            object_type,
            names: objects,
            ..
        } => undo_drop(*object_type, objects, before, d),
        Statement::AlterTable(at) => undo_alter_table(at, before, d),
        Statement::RenameTable(list) => Undo::sql(
            list.iter()
                .rev()
                .map(|r| {
                    format!(
                        "RENAME TABLE {} TO {}",
                        ddl::name(&n(&r.new_name), d),
                        ddl::name(&n(&r.old_name), d)
                    )
                })
                .collect::<Vec<_>>()
                .join(";\n"),
        ),
        Statement::Comment {
            object_type,
            object_name,
            ..
        } => undo_comment(*object_type, object_name, before, d),
        Statement::AlterType(at) => match &at.operation {
            AlterTypeOperation::AddValue(_) => {
                Undo::none("PostgreSQL cannot remove a value from an enum type")
            }
            AlterTypeOperation::RenameValue(rv) => Undo::sql(format!(
                "ALTER TYPE {} RENAME VALUE {} TO {}",
                ddl::name(&n(&at.name), d),
                ddl::literal(&rv.to.value),
                ddl::literal(&rv.from.value)
            )),
            AlterTypeOperation::Rename(r) => Undo::sql(format!(
                "ALTER TYPE {} RENAME TO {}",
                ddl::ident(&names::ident(&r.new_name, d), d),
                ddl::ident(names::last(&n(&at.name)), d)
            )),
        },
        Statement::Insert(insert) => undo_insert(insert, before, d),
        Statement::CreateExtension(extension) => {
            let name = names::ident(&extension.name, d);
            if before.extensions.contains(&name) {
                return Undo::nothing();
            }
            Undo::sql(format!("DROP EXTENSION IF EXISTS {}", ddl::ident(&name, d)))
        }
        Statement::Update(_) | Statement::Delete(_) | Statement::Merge(_) => {
            Undo::none("data change: the previous rows are not kept")
        }
        Statement::Truncate(_) => Undo::none("TRUNCATE: the rows are gone"),
        Statement::Set(_)
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Query(_) => Undo::nothing(),
        _ => Undo::none("no generated rollback for this kind of statement"),
    }
}

/// A dropped function comes back from the definition the schema has.
fn undo_drop_function(
    dropped: &sqlparser::ast::DropFunction,
    before: &Catalog,
    d: Dialect,
) -> Undo {
    let definitions: Option<Vec<&String>> = dropped
        .func_desc
        .iter()
        .map(|f| before.function_definitions.get(&names::object(&f.name, d)))
        .collect();
    match definitions {
        Some(list) => Undo::sql(
            list.iter()
                .map(|def| def.as_str())
                .collect::<Vec<_>>()
                .join(";\n"),
        ),
        None => Undo::none("the function's definition is not in the schema"),
    }
}

/// A dropped trigger comes back from the definition the schema has.
fn undo_drop_trigger(dropped: &sqlparser::ast::DropTrigger, before: &Catalog, d: Dialect) -> Undo {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let definition = dropped.table_name.as_ref().and_then(|table| {
        before
            .triggers
            .get(&format!("{}.{}", n(table), n(&dropped.trigger_name)))
    });
    match definition {
        Some(def) => Undo::sql(def.clone()),
        None => Undo::none("the trigger's definition is not in the schema"),
    }
}

/// An INSERT of literal rows into a table with a primary key: the down
/// deletes those keys (without ON CONFLICT, every listed key was new, or
/// the INSERT failed; with DO NOTHING or a WHERE that may skip a row, a
/// row with a listed key that was there before is deleted too: lossy).
/// Anything else keeps no trace of what it added.
fn undo_insert(insert: &sqlparser::ast::Insert, before: &Catalog, d: Dialect) -> Undo {
    let none = || Undo::none("data change: the previous rows are not kept");
    let sqlparser::ast::TableObject::TableName(name) = &insert.table else {
        return none();
    };
    let table_name = names::object(name, d);
    let Some(table) = before.table(&table_name) else {
        return none();
    };
    let Some(crate::catalog::ConstraintKind::PrimaryKey { columns: key }) =
        table.primary_key().map(|k| &k.kind)
    else {
        return none();
    };
    // Rows a conflict skips (ON CONFLICT DO NOTHING, INSERT IGNORE, OR
    // IGNORE) may have been there before; one that updates or replaces
    // has no undo here.
    let skips_conflicts = match (&insert.on, &insert.or) {
        (None, None) => insert.ignore,
        (
            Some(sqlparser::ast::OnInsert::OnConflict(sqlparser::ast::OnConflict {
                action: sqlparser::ast::OnConflictAction::DoNothing,
                ..
            })),
            None,
        )
        | (None, Some(sqlparser::ast::SqliteOnConflict::Ignore)) => true,
        _ => return none(),
    };
    if insert.replace_into {
        return none();
    }
    let listed: Vec<String> = insert
        .columns
        .iter()
        .filter_map(|c| c.0.last()?.as_ident().map(|i| names::ident(i, d)))
        .collect();
    let Some(positions) = key
        .iter()
        .map(|k| listed.iter().position(|c| c == k))
        .collect::<Option<Vec<usize>>>()
    else {
        return none();
    };
    let Some((rows, guarded)) = literal_rows(insert) else {
        return none();
    };
    let guarded = guarded || skips_conflicts;
    let mut keys = Vec::new();
    for row in &rows {
        let mut parts = Vec::new();
        for &at in &positions {
            match row.get(at) {
                Some(value @ sqlparser::ast::Expr::Value(_)) => parts.push(value.to_string()),
                _ => return none(),
            }
        }
        keys.push(format!("({})", parts.join(", ")));
    }
    let sql = format!(
        "DELETE FROM {} WHERE ({}) IN ({})",
        ddl::name(&table_name, d),
        ddl::columns(key, d),
        keys.join(", ")
    );
    if guarded {
        Undo::lossy(sql, Lost::RowsKeptByGuard { table: table_name })
    } else {
        Undo::sql(sql)
    }
}

/// The rows an INSERT lists: `VALUES (...), (...)`, or one `SELECT` of
/// expressions from no table (`SELECT 'id', 'name' WHERE NOT EXISTS
/// (...)`), which is `guarded` when its WHERE may have skipped the row.
fn literal_rows(insert: &sqlparser::ast::Insert) -> Option<(Vec<Vec<sqlparser::ast::Expr>>, bool)> {
    match insert.source.as_ref()?.body.as_ref() {
        sqlparser::ast::SetExpr::Values(values) => Some((
            values.rows.iter().map(|row| row.content.clone()).collect(),
            false,
        )),
        sqlparser::ast::SetExpr::Select(select) if select.from.is_empty() => {
            let row = select
                .projection
                .iter()
                .map(|item| match item {
                    sqlparser::ast::SelectItem::UnnamedExpr(expr)
                    | sqlparser::ast::SelectItem::ExprWithAlias { expr, .. } => Some(expr.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((vec![row], select.selection.is_some()))
        }
        _ => None,
    }
}

fn undo_drop(
    object_type: ObjectType,
    objects: &[sqlparser::ast::ObjectName],
    before: &Catalog,
    d: Dialect,
) -> Undo {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let mut sql = Vec::new();
    let mut lost = Vec::new();
    for o in objects {
        let name = n(o);
        match object_type {
            ObjectType::Table => {
                let Some(t) = before.table(&name) else {
                    return Undo::none(format!("table {name} is not in the schema"));
                };
                sql.push(ddl::create_table(t, d));
                sql.extend(ddl::table_comments(t, d));
                for i in before.indexes_on(&name) {
                    sql.push(ddl::create_index(i, d, false));
                }
                lost.push(Lost::TableRows {
                    table: name.clone(),
                });
            }
            ObjectType::Index => {
                let Some(i) = before.indexes.get(&name) else {
                    return Undo::none(format!("index {name} is not in the schema"));
                };
                sql.push(ddl::create_index(i, d, false));
            }
            ObjectType::View | ObjectType::MaterializedView => {
                let Some(v) = before.views.get(&name) else {
                    return Undo::none(format!("view {name} is not in the schema"));
                };
                sql.push(v.create_sql(d));
                // A materialized view's indexes go with it.
                for i in before.indexes_on(&name) {
                    sql.push(ddl::create_index(i, d, false));
                }
            }
            ObjectType::Sequence => {
                sql.push(format!("CREATE SEQUENCE {}", ddl::name(&name, d)));
                lost.push(Lost::SequenceValue {
                    sequence: name.clone(),
                });
            }
            ObjectType::Type => {
                let Some(values) = before.enums.get(&name) else {
                    return Undo::none(format!("type {name} is not in the schema"));
                };
                let values: Vec<String> = values.iter().map(|v| ddl::literal(v)).collect();
                sql.push(format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    ddl::name(&name, d),
                    values.join(", ")
                ));
            }
            _ => return Undo::none("no generated rollback for this DROP"),
        }
    }
    finish(sql, lost)
}

fn undo_alter_table(at: &sqlparser::ast::AlterTable, before: &Catalog, d: Dialect) -> Undo {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let table = n(&at.name);
    let Some(t) = before.table(&table) else {
        return Undo::none(format!("table {table} is not in the schema"));
    };
    let table_sql = ddl::name(&table, d);
    let mut sql = Vec::new();
    let mut lost = Vec::new();
    // Columns this ALTER adds: what it does to them after is undone by
    // dropping them.
    let added: Vec<String> = at
        .operations
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::AddColumn { column_def, .. } => {
                Some(names::ident(&column_def.name, d))
            }
            _ => None,
        })
        .filter(|column| t.column(column).is_none())
        .collect();
    // Undo the operations in reverse order.
    for op in at.operations.iter().rev() {
        if let AlterTableOperation::AlterColumn { column_name, .. } = op
            && added.contains(&names::ident(column_name, d))
        {
            continue;
        }
        match inverse_op(op, t, before, &table_sql, d) {
            Some(Undo::Nothing) => {}
            Some(Undo::Exact(s)) => sql.push(s),
            Some(Undo::Lossy { sql: s, lost: l }) => {
                sql.push(s);
                lost.extend(l);
            }
            Some(Undo::Impossible(why)) => return Undo::none(why),
            None => {
                return Undo::none(format!("no generated rollback for `{op}`"));
            }
        }
    }
    finish(sql, lost)
}

/// DROP FUNCTION with its argument types (PostgreSQL tells overloads
/// apart by them); nothing to undo safely when it replaced a function the
/// schema had, whose earlier body migplan does not keep.
fn undo_create_function(
    function: &sqlparser::ast::CreateFunction,
    before: &Catalog,
    d: Dialect,
) -> Undo {
    let name = names::object(&function.name, d);
    if (function.or_replace || function.or_alter) && before.functions.contains(&name) {
        // The definition it replaced comes back, when the schema has it.
        return match before.function_definitions.get(&name) {
            Some(previous) => Undo::sql(previous.clone()),
            None => Undo::none(
                "it replaced a function the schema already had, whose earlier definition is not known",
            ),
        };
    }
    if d != Dialect::Postgres {
        return Undo::sql(format!("DROP FUNCTION {}", ddl::name(&name, d)));
    }
    let types: Vec<String> = function
        .args
        .iter()
        .flatten()
        .filter(|arg| !matches!(arg.mode, Some(sqlparser::ast::ArgMode::Out)))
        .map(|arg| arg.data_type.to_string())
        .collect();
    Undo::sql(format!(
        "DROP FUNCTION {}({})",
        ddl::name(&name, d),
        types.join(", ")
    ))
}

/// DROP TRIGGER (on its table, in PostgreSQL).
fn undo_create_trigger(
    trigger: &sqlparser::ast::CreateTrigger,
    before: &Catalog,
    d: Dialect,
) -> Undo {
    let name = names::object(&trigger.name, d);
    let table = names::object(&trigger.table_name, d);
    // A trigger it replaced comes back; one the schema did not have is
    // dropped like a new one.
    if let (true, Some(previous)) = (
        trigger.or_replace || trigger.or_alter,
        before.triggers.get(&format!("{table}.{name}")),
    ) {
        return Undo::sql(format!(
            "DROP TRIGGER IF EXISTS {} ON {};\n{previous}",
            ddl::ident(&name, d),
            ddl::name(&table, d)
        ));
    }
    if d == Dialect::Postgres {
        return Undo::sql(format!(
            "DROP TRIGGER {} ON {}",
            ddl::ident(&name, d),
            ddl::name(&table, d)
        ));
    }
    Undo::sql(format!("DROP TRIGGER {}", ddl::name(&name, d)))
}

fn undo_comment(
    object_type: CommentObject,
    object_name: &sqlparser::ast::ObjectName,
    before: &Catalog,
    d: Dialect,
) -> Undo {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let full = n(object_name);
    let previous = match object_type {
        CommentObject::Table => before.table(&full).and_then(|t| t.comment.clone()),
        CommentObject::Column => full
            .rsplit_once('.')
            .and_then(|(t, c)| before.table(t)?.column(c)?.comment.clone()),
        _ => return Undo::none("no generated rollback for this COMMENT"),
    };
    let kind = if object_type == CommentObject::Table {
        "TABLE"
    } else {
        "COLUMN"
    };
    Undo::sql(format!(
        "COMMENT ON {kind} {} IS {}",
        ddl::name(&full, d),
        previous.map_or("NULL".to_string(), |c| ddl::literal(&c))
    ))
}

fn finish(sql: Vec<String>, lost: Vec<Lost>) -> Undo {
    let sql: Vec<String> = sql.into_iter().filter(|s| !s.is_empty()).collect();
    if lost.is_empty() {
        Undo::sql(sql.join(";\n"))
    } else {
        Undo::Lossy {
            sql: sql.join(";\n"),
            lost,
        }
    }
}

/// The undo of a dropped constraint: added back as it was; nothing when an
/// IF EXISTS found none.
fn undo_drop_constraint(
    op: &AlterTableOperation,
    t: &crate::catalog::Table,
    table_sql: &str,
    d: Dialect,
) -> Option<Undo> {
    use AlterTableOperation as Op;
    let col = |i: &sqlparser::ast::Ident| names::ident(i, d);
    let constraint = match op {
        Op::DropConstraint {
            name,
            if_exists: true,
            ..
        } if t.constraint(&col(name)).is_none() => return Some(Undo::nothing()),
        Op::DropConstraint { name, .. } | Op::DropForeignKey { name, .. } => {
            t.constraint(&col(name))?
        }
        Op::DropPrimaryKey { .. } => t.primary_key()?,
        _ => return None,
    };
    Some(Undo::sql(format!(
        "ALTER TABLE {table_sql} ADD {}",
        ddl::constraint(constraint, d)
    )))
}

fn inverse_op(
    op: &AlterTableOperation,
    t: &crate::catalog::Table,
    before: &Catalog,
    table_sql: &str,
    d: Dialect,
) -> Option<Undo> {
    use AlterTableOperation as Op;
    let col = |i: &sqlparser::ast::Ident| names::ident(i, d);
    Some(match op {
        Op::AddColumn { column_def, .. } => {
            let c = col(&column_def.name);
            if t.column(&c).is_some() {
                return Some(Undo::nothing());
            }
            Undo::sql(format!(
                "ALTER TABLE {table_sql} DROP COLUMN {}",
                ddl::ident(&c, d)
            ))
        }
        Op::DropColumn { column_names, .. } => {
            return Some(undo_drop_columns(column_names, t, before, table_sql, d));
        }
        Op::RenameColumn {
            old_column_name,
            new_column_name,
        } => Undo::sql(format!(
            "ALTER TABLE {table_sql} RENAME COLUMN {} TO {}",
            ddl::ident(&col(new_column_name), d),
            ddl::ident(&col(old_column_name), d)
        )),
        Op::ModifyColumn { col_name, .. } => {
            let c = col(col_name);
            let def = t.column(&c)?;
            Undo::sql(format!(
                "ALTER TABLE {table_sql} MODIFY {}",
                ddl::column(def, d)
            ))
        }
        Op::ChangeColumn {
            old_name,
            new_name,
            data_type,
            ..
        } => {
            let def = t.column(&col(old_name))?;
            let to = names::data_type(data_type, d);
            let sql = format!(
                "ALTER TABLE {table_sql} CHANGE {} {}",
                ddl::ident(&col(new_name), d),
                ddl::column(def, d)
            );
            if def.data_type != to && !binary_coercible(&to, &def.data_type) {
                Undo::lossy(
                    sql,
                    Lost::ValuesNotFitting {
                        table: t.name.clone(),
                        column: def.name.clone(),
                        old_type: def.data_type.clone(),
                    },
                )
            } else {
                Undo::sql(sql)
            }
        }
        Op::AlterColumn { column_name, op } => {
            return undo_alter_column(&col(column_name), op, t, table_sql, d);
        }
        Op::AddConstraint { constraint, .. } => {
            let name = crate::catalog::constraint_name(constraint, t, d)?;
            let new_sql = ddl::ident(&name, d);
            match (d, constraint) {
                (Dialect::Mysql, TableConstraint::ForeignKey(_)) => Undo::sql(format!(
                    "ALTER TABLE {table_sql} DROP FOREIGN KEY {new_sql}"
                )),
                (Dialect::Mysql, TableConstraint::PrimaryKey(_)) => {
                    Undo::sql(format!("ALTER TABLE {table_sql} DROP PRIMARY KEY"))
                }
                (Dialect::Mysql, TableConstraint::Unique(_) | TableConstraint::Index(_)) => {
                    Undo::sql(format!("ALTER TABLE {table_sql} DROP INDEX {new_sql}"))
                }
                (Dialect::Sqlite, _) => {
                    return Some(Undo::none(
                        "SQLite cannot drop a constraint without a table rebuild",
                    ));
                }
                _ => Undo::sql(format!("ALTER TABLE {table_sql} DROP CONSTRAINT {new_sql}")),
            }
        }
        Op::DropConstraint { .. } | Op::DropForeignKey { .. } | Op::DropPrimaryKey { .. } => {
            undo_drop_constraint(op, t, table_sql, d)?
        }
        Op::DropIndex { name, .. } => {
            let i = before.indexes.get(&col(name))?;
            Undo::sql(ddl::create_index(i, d, false))
        }
        Op::RenameTable { table_name } => {
            let (RenameTableNameKind::As(to) | RenameTableNameKind::To(to)) = table_name;
            let to = names::object(to, d);
            Undo::sql(format!(
                "ALTER TABLE {} RENAME TO {}",
                ddl::name(&to, d),
                ddl::ident(names::last(&t.name), d)
            ))
        }
        Op::RenameConstraint { old_name, new_name } => Undo::sql(format!(
            "ALTER TABLE {table_sql} RENAME CONSTRAINT {} TO {}",
            ddl::ident(&col(new_name), d),
            ddl::ident(&col(old_name), d)
        )),
        Op::ValidateConstraint { .. } | Op::Algorithm { .. } | Op::Lock { .. } => Undo::nothing(),
        _ => return None,
    })
}

fn undo_drop_columns(
    column_names: &[sqlparser::ast::Ident],
    t: &crate::catalog::Table,
    before: &Catalog,
    table_sql: &str,
    d: Dialect,
) -> Undo {
    let col = |i: &sqlparser::ast::Ident| names::ident(i, d);
    let mut sql = Vec::new();
    let mut lost = Vec::new();
    for c in column_names {
        let c = col(c);
        let Some(def) = t.column(&c) else {
            return Undo::none(format!("column {c} is not in the schema"));
        };
        // Re-added NULL-able: the values are gone, so a NOT NULL
        // column could not come back on a table with rows.
        let readd = crate::catalog::Column {
            nullable: true,
            ..def.clone()
        };
        sql.push(format!(
            "ALTER TABLE {table_sql} ADD COLUMN {}",
            ddl::column(&readd, d)
        ));
        // Constraints and indexes that went with the column.
        for k in t
            .constraints
            .iter()
            .filter(|k| k.kind.columns().contains(&c))
        {
            sql.push(format!(
                "ALTER TABLE {table_sql} ADD {}",
                ddl::constraint(k, d)
            ));
        }
        for i in before.indexes_on(&t.name).filter(|i| i.has_column(&c)) {
            sql.push(ddl::create_index(i, d, false));
        }
        lost.push(Lost::ColumnValues {
            table: t.name.clone(),
            column: c.clone(),
            readded_nullable: !def.nullable,
        });
    }
    finish(sql, lost)
}

fn undo_alter_column(
    c: &str,
    op: &AlterColumnOperation,
    t: &crate::catalog::Table,
    table_sql: &str,
    d: Dialect,
) -> Option<Undo> {
    let c = c.to_string();
    let def = t.column(&c)?;
    let column_sql = ddl::ident(&c, d);
    Some(match op {
        AlterColumnOperation::SetNotNull if def.nullable => Undo::sql(format!(
            "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} DROP NOT NULL"
        )),
        AlterColumnOperation::DropNotNull if !def.nullable => Undo::sql(format!(
            "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET NOT NULL"
        )),
        AlterColumnOperation::SetNotNull | AlterColumnOperation::DropNotNull => Undo::nothing(),
        AlterColumnOperation::SetDefault { .. } | AlterColumnOperation::DropDefault => {
            match &def.default {
                Some(v) => Undo::sql(format!(
                    "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} SET DEFAULT {v}"
                )),
                None => Undo::sql(format!(
                    "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} DROP DEFAULT"
                )),
            }
        }
        AlterColumnOperation::SetDataType { data_type, .. } => {
            let to = names::data_type(data_type, d);
            let sql = format!(
                "ALTER TABLE {table_sql} ALTER COLUMN {column_sql} TYPE {} USING {column_sql}::{}",
                def.data_type, def.data_type
            );
            if binary_coercible(&def.data_type, &to) && !binary_coercible(&to, &def.data_type) {
                Undo::lossy(
                    sql,
                    Lost::ValuesNarrowed {
                        table: t.name.clone(),
                        column: c.clone(),
                        old_type: def.data_type.clone(),
                    },
                )
            } else {
                Undo::sql(sql)
            }
        }
        _ => return None,
    })
}

/// A generated down migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollback {
    /// The undo statements, last migration statement first.
    pub steps: Vec<RollbackStep>,
    /// The whole down script.
    pub sql: String,
    /// Whether every statement could be undone.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackStep {
    /// Line of the migration statement this undoes.
    pub line: usize,
    pub statement: String,
    pub inverse: Undo,
}

/// The down migration for `migration` against `schema`, in a session of
/// its own (for a caller that needs nothing else of it).
pub fn generate_sources(d: Dialect, schema: &str, migration: &str) -> Rollback {
    generate(&Session::new(
        d,
        crate::Options::default(),
        schema,
        migration,
    ))
}

/// The down migration for the session's migration.
pub fn generate(session: &Session) -> Rollback {
    generate_from(session.dialect(), session.before(), session.migration())
}

/// [`generate`] from a model of the schema and the migration's statements.
pub fn generate_from<'a>(
    d: Dialect,
    before: &Catalog,
    migration: impl IntoIterator<Item = &'a crate::ParsedStatement>,
) -> Rollback {
    let mut catalog = before.clone();
    let mut steps = Vec::new();
    for s in migration {
        if !s.is_sql() || s.section == Section::Down {
            continue;
        }
        let inverse = match &s.ast {
            Some(ast) => inverse(ast, &catalog, d),
            None => Undo::none("the statement was not parsed"),
        };
        if let Some(ast) = &s.ast {
            catalog.apply(ast, d);
        }
        steps.push(RollbackStep {
            line: s.line,
            statement: s.sql.clone(),
            inverse,
        });
    }
    steps.reverse();
    let mut sql = String::new();
    for st in &steps {
        match &st.inverse {
            Undo::Nothing => {}
            Undo::Exact(down) | Undo::Lossy { sql: down, .. } => {
                sql.push_str(&format!("-- undoes line {}", st.line));
                if let Some(l) = st.inverse.lossy_text() {
                    sql.push_str(&format!(" (lossy: {l})"));
                }
                sql.push('\n');
                sql.push_str(down);
                sql.push_str(";\n\n");
            }
            Undo::Impossible(why) => sql.push_str(&format!(
                "-- line {} cannot be undone automatically: {why}\n\n",
                st.line
            )),
        }
    }
    let complete = steps
        .iter()
        .all(|s| !matches!(s.inverse, Undo::Impossible(_)));
    Rollback {
        steps,
        sql,
        complete,
    }
}

/// How a user's own down migration differs from the generated one: the
/// schema each leaves behind when run after the migration, compared.
pub fn compare(session: &Session, user_down: &str) -> Vec<Change> {
    let d = session.dialect();
    let generated = generate(session);
    let mut by_generated = session.after().clone();
    // The generated script is applied to the model as a check that it
    // parses and undoes what it claims; the user's is their own input.
    by_generated.apply_source(&parse_source(&generated.sql, d));
    let mut by_user = session.after().clone();
    by_user.apply_source(&parse_source(user_down, d));
    diff(&by_generated, &by_user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, \
                          name text DEFAULT 'x', age integer);\n\
                          CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL \
                          CONSTRAINT orders_user_fk REFERENCES users (id), total numeric(10,2));\n\
                          CREATE INDEX orders_user_idx ON orders (user_id);";

    fn round_trip(d: Dialect, schema: &str, migration: &str) -> Rollback {
        let before = Catalog::build(&parse_source(schema, d));
        let r = generate_sources(d, schema, migration);
        let down = parse_source(&r.sql, d);
        assert!(down.statements.iter().all(|s| s.parsed()), "{}", r.sql);
        let mut c = before.clone();
        c.apply_source(&parse_source(migration, d));
        assert_ne!(diff(&before, &c), [], "the migration changes something");
        c.apply_source(&down);
        assert_eq!(diff(&before, &c), [], "{}", r.sql);
        r
    }

    #[test]
    fn every_kind_of_change_is_undone() {
        let r = round_trip(
            Dialect::Postgres,
            SCHEMA,
            "ALTER TABLE users ADD COLUMN nickname text;\n\
             CREATE INDEX users_name_idx ON users (name);\n\
             ALTER TABLE users DROP COLUMN age;\n\
             ALTER TABLE users RENAME COLUMN name TO full_name;\n\
             ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);\n\
             ALTER TABLE users ALTER COLUMN full_name SET DEFAULT 'y';\n\
             ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n\
             ALTER TABLE orders DROP CONSTRAINT orders_user_fk;\n\
             ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;\n\
             DROP INDEX orders_user_idx;\n\
             CREATE TABLE tags (id bigint PRIMARY KEY);\n\
             ALTER TABLE orders RENAME TO purchases;\n\
             DROP TABLE purchases;\n\
             COMMENT ON TABLE users IS 'people';",
        );
        assert!(r.complete);
        let lossy: Vec<_> = r
            .steps
            .iter()
            .filter_map(|s| s.inverse.lossy_text())
            .collect();
        assert!(lossy.iter().any(|l| l.contains("users.age")), "{lossy:?}");
        assert!(
            lossy.iter().any(|l| l.contains("rows of table purchases")),
            "{lossy:?}"
        );
    }

    #[test]
    fn mysql_and_sqlite_changes_are_undone() {
        round_trip(
            Dialect::Mysql,
            "CREATE TABLE `users` (`id` bigint NOT NULL, `name` varchar(50), PRIMARY KEY (`id`));",
            "ALTER TABLE `users` ADD COLUMN `age` int NULL;\n\
             ALTER TABLE `users` MODIFY `name` varchar(80);\n\
             CREATE INDEX `users_age` ON `users` (`age`);\n\
             RENAME TABLE `users` TO `people`;",
        );
        round_trip(
            Dialect::Sqlite,
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);",
            "ALTER TABLE users ADD COLUMN nickname TEXT;\n\
             ALTER TABLE users RENAME COLUMN name TO full_name;\n\
             ALTER TABLE users DROP COLUMN age;\n\
             ALTER TABLE users RENAME TO people;",
        );
    }

    #[test]
    fn data_changes_are_reported_as_not_undoable() {
        let r = generate_sources(
            Dialect::Postgres,
            SCHEMA,
            "UPDATE users SET age = 1;\nDELETE FROM orders;",
        );
        assert!(!r.complete);
        assert!(
            r.sql
                .contains("line 2 cannot be undone automatically: data change"),
            "{}",
            r.sql
        );
    }

    #[test]
    fn a_column_added_and_altered_in_one_statement_is_dropped() {
        // crates.io: ADD COLUMN ... DEFAULT NULL, ALTER COLUMN ... SET DEFAULT now().
        let r = round_trip(
            Dialect::Postgres,
            SCHEMA,
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS created_at timestamptz NULL DEFAULT NULL, \
             ALTER COLUMN created_at SET DEFAULT now();",
        );
        assert!(r.complete, "{}", r.sql);
        assert!(
            r.sql.contains("ALTER TABLE users DROP COLUMN created_at"),
            "{}",
            r.sql
        );
    }

    #[test]
    fn dropping_a_constraint_that_is_not_there_needs_no_undo() {
        // authelia: the primary key under either of the names it may have.
        let r = generate_sources(
            Dialect::Postgres,
            SCHEMA,
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_pkey, \
             DROP CONSTRAINT IF EXISTS users_pkey1;",
        );
        assert!(r.complete, "{}", r.sql);
        assert!(
            r.sql
                .contains("ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id)"),
            "{}",
            r.sql
        );
    }

    #[test]
    fn an_insert_of_literal_rows_is_undone_by_its_keys() {
        let values = generate_sources(
            Dialect::Postgres,
            SCHEMA,
            "INSERT INTO users (id, email) VALUES (7, 'a@b'), (8, 'c@d');",
        );
        assert!(values.complete, "{}", values.sql);
        assert!(
            values
                .sql
                .contains("DELETE FROM users WHERE (id) IN ((7), (8))"),
            "{}",
            values.sql
        );
        // kratos: a row added unless one of its name is there.
        let guarded = generate_sources(
            Dialect::Postgres,
            SCHEMA,
            "INSERT INTO users (id, email) SELECT 9, 'totp' WHERE NOT EXISTS \
             (SELECT * FROM users WHERE email = 'totp');",
        );
        assert!(
            guarded
                .sql
                .contains("DELETE FROM users WHERE (id) IN ((9))"),
            "{}",
            guarded.sql
        );
        let lossy: Vec<_> = guarded
            .steps
            .iter()
            .filter_map(|s| s.inverse.lossy_text())
            .collect();
        assert!(
            lossy.iter().any(|l| l.contains("that were there before")),
            "{lossy:?}"
        );
        let skipping = generate_sources(
            Dialect::Postgres,
            SCHEMA,
            "INSERT INTO users (id, email) VALUES (10, 'x') ON CONFLICT DO NOTHING;",
        );
        assert!(
            skipping
                .sql
                .contains("DELETE FROM users WHERE (id) IN ((10))"),
            "{}",
            skipping.sql
        );
        assert!(
            skipping
                .steps
                .iter()
                .any(|s| s.inverse.lossy_text().is_some())
        );
        // Rows selected from a table are not literal: no down.
        let selected = generate_sources(
            Dialect::Postgres,
            SCHEMA,
            "INSERT INTO users (id, email) SELECT id, 'x' FROM orders;",
        );
        assert!(!selected.complete, "{}", selected.sql);
    }

    #[test]
    fn a_users_down_is_compared_with_the_generated_one() {
        let up = "ALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX users_nick ON users (nickname);";
        assert_eq!(
            compare(
                &Session::new(Dialect::Postgres, crate::Options::default(), SCHEMA, up),
                "DROP INDEX users_nick; ALTER TABLE users DROP COLUMN nickname;"
            ),
            []
        );
        let missing = compare(
            &Session::new(Dialect::Postgres, crate::Options::default(), SCHEMA, up),
            "DROP INDEX users_nick;",
        );
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].to_string(), "+ column users.nickname");
    }
}
