//! Translating PostgreSQL and MySQL statements to SQLite for simulation.
//!
//! DDL is rendered from the schema model (so types, defaults and
//! constraints map once, in one place); what SQLite's ALTER TABLE lacks
//! becomes the table rebuild; DML passes through with PostgreSQL casts and
//! functions rewritten. What cannot be simulated is said per statement,
//! never silently skipped.

use serde::Serialize;
use sqlparser::ast::{AlterTableOperation, ObjectType, SchemaName, Statement};
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::catalog::{Catalog, ConstraintKind, IndexKey, Table};
use crate::parse::Section;
use crate::{Dialect, ddl, names, parse_source, sandbox};

/// One source statement and the SQLite statements that stand for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translated {
    pub line: usize,
    pub column: usize,
    /// The statement as the user wrote it.
    pub source: String,
    /// SQLite statements to run (empty when not simulated).
    pub sqlite: Vec<String>,
    /// Why it is not simulated, or what the translation changed.
    pub note: Option<String>,
    /// False when the statement has no SQLite equivalent.
    pub simulated: bool,
    /// Why it is not simulated (what `note` says after "not simulated: ").
    pub skipped: Option<String>,
}

impl Translated {
    fn skip(s: &crate::ParsedStatement, why: impl Into<String>) -> Translated {
        let why = why.into();
        Translated {
            line: s.line,
            column: s.column,
            source: s.sql.clone(),
            sqlite: Vec::new(),
            note: Some(format!("not simulated: {why}")),
            simulated: false,
            skipped: Some(why),
        }
    }

    fn run(s: &crate::ParsedStatement, sqlite: Vec<String>, note: Option<String>) -> Translated {
        Translated {
            line: s.line,
            column: s.column,
            source: s.sql.clone(),
            sqlite,
            note,
            simulated: true,
            skipped: None,
        }
    }
}

/// Translates `src` (in dialect `d`) statement by statement, updating the
/// source-dialect catalogue as it goes.
pub fn translate(d: Dialect, src: &str, catalog: &mut Catalog) -> Vec<Translated> {
    translate_statements(d, &parse_source(src, d).statements, catalog)
}

/// Translates statements already parsed (a session's schema or
/// migration), updating the source-dialect catalogue as it goes.
pub fn translate_statements<'a>(
    d: Dialect,
    statements: impl IntoIterator<Item = &'a crate::ParsedStatement>,
    catalog: &mut Catalog,
) -> Vec<Translated> {
    let mut out = Vec::new();
    for s in statements {
        if s.section == Section::Down {
            continue;
        }
        if !s.is_sql() {
            let why = s
                .error
                .as_ref()
                .map_or("client command".to_string(), |e| e.message.clone());
            out.push(Translated::skip(
                s,
                why.trim_start_matches("not analysed: ").to_string(),
            ));
            continue;
        }
        let Some(ast) = &s.ast else {
            let why = s
                .error
                .as_ref()
                .map(|e| e.message.trim_start_matches("not analysed: ").to_string())
                .unwrap_or_default();
            out.push(Translated::skip(s, why));
            continue;
        };
        let t = if d == Dialect::Sqlite {
            Translated::run(s, vec![s.sql.clone()], None)
        } else {
            statement(d, s, ast, catalog)
        };
        catalog.apply(ast, d);
        out.push(sandboxed(s, t));
    }
    out
}

/// The translation, or a skip when any of its SQL is what the simulation
/// may not run (a file, a batch): the same [`sandbox::check`] every engine
/// applies, so the report says "not simulated" with the line instead of
/// failing.
fn sandboxed(s: &crate::ParsedStatement, t: Translated) -> Translated {
    match t.sqlite.iter().find_map(|sql| sandbox::check(sql).err()) {
        Some(refusal) => Translated::skip(s, refusal.reason()),
        None => t,
    }
}

fn statement(
    d: Dialect,
    s: &crate::ParsedStatement,
    ast: &Statement,
    catalog: &Catalog,
) -> Translated {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let mut after = catalog.clone();
    after.apply(ast, d);
    match ast {
        Statement::CreateTable(ct) => create_table(d, s, ct, catalog, &after),
        Statement::CreateIndex(ci) => create_index(d, s, ci, catalog, &after),
        Statement::AlterIndex {
            name,
            operation: sqlparser::ast::AlterIndexOperation::RenameIndex { index_name },
        } => rename_index(d, s, (name, index_name), &after),
        Statement::CreateView(v) => Translated::run(
            s,
            vec![format!(
                "CREATE VIEW {} AS {}",
                sqlite_name(&n(&v.name)),
                pg_to_sqlite(&v.query.to_string(), d)
            )],
            v.materialized
                .then(|| "a materialized view runs as a plain view".to_string()),
        ),
        Statement::CreateSchema { schema_name, .. } => match schema_name {
            SchemaName::Simple(o) | SchemaName::NamedAuthorization(o, _) => Translated::run(
                s,
                vec![format!(
                    "ATTACH DATABASE ':memory:' AS {}",
                    ddl::ident(&n(o), Dialect::Sqlite)
                )],
                Some("a schema is an attached database".into()),
            ),
            SchemaName::UnnamedAuthorization(_) => Translated::skip(s, "a schema without a name"),
        },
        Statement::CreateType { .. } => Translated::run(
            s,
            Vec::new(),
            Some("enum types become CHECK constraints on their columns".into()),
        ),
        Statement::CreateSequence { .. } => Translated::run(
            s,
            Vec::new(),
            Some("sequences are emulated by INTEGER PRIMARY KEY".into()),
        ),
        Statement::Drop {
            object_type,
            names: objects,
            if_exists,
            ..
        } => drop_objects(d, s, *object_type, objects, *if_exists, catalog),
        Statement::Truncate(t) => Translated::run(
            s,
            t.table_names
                .iter()
                .map(|x| format!("DELETE FROM {}", sqlite_name(&n(&x.name))))
                .collect(),
            Some("TRUNCATE runs as DELETE".into()),
        ),
        Statement::RenameTable(list) => Translated::run(
            s,
            list.iter()
                .map(|r| {
                    format!(
                        "ALTER TABLE {} RENAME TO {}",
                        sqlite_name(&n(&r.old_name)),
                        ddl::ident(names::last(&n(&r.new_name)), Dialect::Sqlite)
                    )
                })
                .collect(),
            None,
        ),
        Statement::AlterTable(at) => alter_table(d, s, at, catalog, &after),
        Statement::Delete(del) if del.limit.is_some() || !del.order_by.is_empty() => {
            delete_limited(d, s, del)
        }
        Statement::Delete(del) if del.using.is_some() && d != Dialect::Sqlite => {
            Translated::skip(s, "DELETE … USING (a join) has no SQLite form")
        }
        Statement::Query(q)
            if matches!(&*q.body, sqlparser::ast::SetExpr::Delete(Statement::Delete(del))
                if del.using.is_some()) =>
        {
            Translated::skip(s, "DELETE … USING (a join) has no SQLite form")
        }
        Statement::Insert(_) | Statement::Delete(_) | Statement::Query(_) => {
            Translated::run(s, vec![pg_to_sqlite(&s.sql, d)], None)
        }
        Statement::Update(u) => update(d, s, u),
        Statement::Comment { .. } => Translated::run(
            s,
            Vec::new(),
            Some("comments are kept in the model only".into()),
        ),
        Statement::Set(_) => Translated::run(
            s,
            Vec::new(),
            Some("session settings have no effect in SQLite".into()),
        ),
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. } => Translated::run(
            s,
            Vec::new(),
            Some("transaction control is left to the simulation".into()),
        ),
        Statement::CreateFunction(_)
        | Statement::CreateTrigger(_)
        | Statement::CreateProcedure { .. } => {
            Translated::skip(s, "routines and triggers in the server's language")
        }
        Statement::CreateExtension(_) | Statement::Grant(_) | Statement::Revoke(_) => {
            Translated::skip(s, "extensions and privileges do not exist in SQLite")
        }
        Statement::AlterType(_) => Translated::run(
            s,
            Vec::new(),
            Some("enum changes update the columns' CHECK constraints on the next rebuild".into()),
        ),
        _ => Translated::skip(s, format!("no SQLite equivalent for {}", s.kind)),
    }
}

fn create_table(
    d: Dialect,
    s: &crate::ParsedStatement,
    ct: &sqlparser::ast::CreateTable,
    catalog: &Catalog,
    after: &Catalog,
) -> Translated {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let name = n(&ct.name);
    if ct.if_not_exists && catalog.tables.contains_key(&name) {
        return Translated::run(s, Vec::new(), Some("the table already exists".into()));
    }
    match after.table(&name) {
        Some(t) if t.columns_known => {
            let (sql, notes) = sqlite_table(t, after, d, &name);
            let mut stmts = vec![sql];
            stmts.extend(after.indexes_on(&name).map(|i| sqlite_index(i, d)));
            Translated::run(s, stmts, notes)
        }
        _ => Translated::run(
            s,
            vec![pg_to_sqlite(&s.sql, d)],
            Some("CREATE TABLE AS runs as written".into()),
        ),
    }
}

fn create_index(
    d: Dialect,
    s: &crate::ParsedStatement,
    ci: &sqlparser::ast::CreateIndex,
    catalog: &Catalog,
    after: &Catalog,
) -> Translated {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let name = ci.name.as_ref().map(n).unwrap_or_default();
    match after.indexes.get(&name).or_else(|| {
        after
            .indexes
            .values()
            .find(|i| !catalog.indexes.contains_key(&i.name))
    }) {
        Some(i) => {
            let note = ci
                .concurrently
                .then(|| "CONCURRENTLY dropped: SQLite builds it in place".to_string());
            let mut sql = sqlite_index(i, d);
            if ci.if_not_exists {
                sql = sql.replacen("INDEX ", "INDEX IF NOT EXISTS ", 1);
            }
            Translated::run(s, vec![sql], note)
        }
        None => Translated::run(
            s,
            vec![pg_to_sqlite(&s.sql, d)],
            Some("the index's table is not in the schema".into()),
        ),
    }
}

/// SQLite cannot rename an index: it is dropped and built again under its
/// new name (the model after the statement has it).
fn rename_index(
    d: Dialect,
    s: &crate::ParsedStatement,
    (from, to): (&sqlparser::ast::ObjectName, &sqlparser::ast::ObjectName),
    after: &Catalog,
) -> Translated {
    let old = names::object(from, d);
    let new = names::object(to, d);
    // PostgreSQL keeps a renamed index in its schema.
    let qualified = match old.rsplit_once('.') {
        Some((schema, _)) if !new.contains('.') => format!("{schema}.{new}"),
        _ => new,
    };
    match after.indexes.get(&qualified) {
        Some(index) => Translated::run(
            s,
            vec![
                format!("DROP INDEX {}", sqlite_name(&old)),
                sqlite_index(index, d),
            ],
            Some("SQLite cannot rename an index: dropped and built again".into()),
        ),
        None => Translated::run(
            s,
            vec![pg_to_sqlite(&s.sql, d)],
            Some(format!("index {old} is not in the schema")),
        ),
    }
}

fn drop_objects(
    d: Dialect,
    s: &crate::ParsedStatement,
    object_type: ObjectType,
    objects: &[sqlparser::ast::ObjectName],
    if_exists: bool,
    catalog: &Catalog,
) -> Translated {
    let n = |o: &sqlparser::ast::ObjectName| names::object(o, d);
    let ie = if if_exists { "IF EXISTS " } else { "" };
    let mut stmts = Vec::new();
    for o in objects {
        let name = n(o);
        match object_type {
            ObjectType::Table => stmts.push(format!("DROP TABLE {ie}{}", sqlite_name(&name))),
            ObjectType::View | ObjectType::MaterializedView => {
                stmts.push(format!("DROP VIEW {ie}{}", sqlite_name(&name)))
            }
            ObjectType::Index => {
                let qualified = catalog
                    .indexes
                    .get(&name)
                    .and_then(|i| {
                        i.table
                            .split_once('.')
                            .map(|(sch, _)| format!("{sch}.{}", names::last(&name)))
                    })
                    .unwrap_or(name.clone());
                stmts.push(format!("DROP INDEX {ie}{}", sqlite_name(&qualified)))
            }
            ObjectType::Schema => stmts.push(format!(
                "DETACH DATABASE {}",
                ddl::ident(&name, Dialect::Sqlite)
            )),
            _ => {
                return Translated::run(
                    s,
                    Vec::new(),
                    Some(format!("dropping a {object_type} has no SQLite equivalent")),
                );
            }
        }
    }
    Translated::run(s, stmts, None)
}

/// MySQL's `DELETE ... ORDER BY ... LIMIT`: the rows are picked by rowid.
fn delete_limited(
    d: Dialect,
    s: &crate::ParsedStatement,
    del: &sqlparser::ast::Delete,
) -> Translated {
    let tables = match &del.from {
        sqlparser::ast::FromTable::WithFromKeyword(t)
        | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
    };
    let table = tables
        .first()
        .map(|t| t.relation.to_string())
        .unwrap_or_default();
    let rows = rowid_subquery(
        &table,
        del.selection.as_ref(),
        &del.order_by,
        del.limit.as_ref(),
    );
    Translated::run(
        s,
        vec![pg_to_sqlite(
            &format!("DELETE FROM {table} WHERE rowid IN ({rows})"),
            d,
        )],
        Some("DELETE ... LIMIT runs over rowids".into()),
    )
}

fn update(d: Dialect, s: &crate::ParsedStatement, u: &sqlparser::ast::Update) -> Translated {
    if u.limit.is_some() || !u.order_by.is_empty() {
        update_limited(d, s, u)
    } else if !u.table.joins.is_empty() {
        update_joined(d, s, u)
    } else {
        Translated::run(s, vec![pg_to_sqlite(&s.sql, d)], None)
    }
}

/// MySQL's `UPDATE ... ORDER BY ... LIMIT`: SQLite (as bundled) has no
/// LIMIT on UPDATE, so the rows are picked by rowid.
fn update_limited(
    d: Dialect,
    s: &crate::ParsedStatement,
    u: &sqlparser::ast::Update,
) -> Translated {
    // MySQL's UPDATE ... ORDER BY ... LIMIT: SQLite (as bundled) has
    // no LIMIT on UPDATE, so the rows are picked by rowid.
    let table = u.table.relation.to_string();
    let set: Vec<String> = u.assignments.iter().map(ToString::to_string).collect();
    let rows = rowid_subquery(&table, u.selection.as_ref(), &u.order_by, u.limit.as_ref());
    Translated::run(
        s,
        vec![pg_to_sqlite(
            &format!(
                "UPDATE {table} SET {} WHERE rowid IN ({rows})",
                set.join(", ")
            ),
            d,
        )],
        Some("UPDATE ... LIMIT runs over rowids".into()),
    )
}

/// MySQL's `UPDATE t JOIN a ON ... SET t.c = a.c`: SQLite's
/// `UPDATE t SET c = a.c FROM a WHERE ...` (inner joins only; SQLite
/// names the columns it sets without their table).
fn update_joined(d: Dialect, s: &crate::ParsedStatement, u: &sqlparser::ast::Update) -> Translated {
    use sqlparser::ast::{AssignmentTarget, JoinConstraint, JoinOperator};
    let mut from = Vec::new();
    let mut conditions = Vec::new();
    for join in &u.table.joins {
        match &join.join_operator {
            JoinOperator::Join(JoinConstraint::On(on))
            | JoinOperator::Inner(JoinConstraint::On(on)) => {
                from.push(join.relation.to_string());
                conditions.push(format!("({on})"));
            }
            _ => return Translated::skip(s, "UPDATE with an outer join has no SQLite form"),
        }
    }
    let mut set = Vec::new();
    for assignment in &u.assignments {
        let AssignmentTarget::ColumnName(column) = &assignment.target else {
            return Translated::skip(s, "UPDATE of a tuple through a join has no SQLite form");
        };
        let Some(last) = column.0.last() else {
            return Translated::skip(s, "UPDATE without a column");
        };
        set.push(format!("{last} = {}", assignment.value));
    }
    if let Some(selection) = &u.selection {
        conditions.push(format!("({selection})"));
    }
    Translated::run(
        s,
        vec![pg_to_sqlite(
            &format!(
                "UPDATE {} SET {} FROM {} WHERE {}",
                u.table.relation,
                set.join(", "),
                from.join(", "),
                conditions.join(" AND ")
            ),
            d,
        )],
        Some("UPDATE ... JOIN runs as UPDATE ... FROM".into()),
    )
}

fn alter_table(
    d: Dialect,
    s: &crate::ParsedStatement,
    at: &sqlparser::ast::AlterTable,
    before: &Catalog,
    after: &Catalog,
) -> Translated {
    let name = names::object(&at.name, d);
    let Some(old) = before.table(&name) else {
        // Unknown to the model: run it as written, so SQLite says why; a
        // probe first, so a missing table is reported as such rather than
        // as a syntax SQLite does not have.
        return Translated::run(
            s,
            vec![
                format!("SELECT 1 FROM {} LIMIT 0", sqlite_name(&name)),
                pg_to_sqlite(&s.sql, d),
            ],
            Some(format!("table {name} is not in the schema")),
        );
    };
    let table_sql = sqlite_name(&name);
    let sq = |c: &str| ddl::ident(c, Dialect::Sqlite);
    let mut native = Vec::new();
    let mut rebuild = false;
    let mut notes: Vec<String> = Vec::new();
    let mut renamed_to: Option<String> = None;
    // MySQL's CHANGE that renames: the column renamed first, the rebuild
    // then copies it under its new name.
    let mut renamed_columns: Vec<(String, String)> = Vec::new();
    for op in &at.operations {
        if let AlterTableOperation::ChangeColumn {
            old_name, new_name, ..
        } = op
        {
            let (from, to) = (names::ident(old_name, d), names::ident(new_name, d));
            if from != to {
                renamed_columns.push((from, to));
            }
        }
        match op {
            AlterTableOperation::AddColumn { column_def, .. } => {
                let col = names::ident(&column_def.name, d);
                match added_column(&name, &col, after, d) {
                    AddedColumn::Native(def) => {
                        native.push(format!("ALTER TABLE {table_sql} ADD COLUMN {def}"))
                    }
                    AddedColumn::NeedsRebuild => rebuild = true,
                    AddedColumn::Unknown => {}
                }
            }
            AlterTableOperation::DropColumn { column_names, .. } => {
                for c in column_names {
                    let col = names::ident(c, d);
                    match dropped_column(old, &col, before, d) {
                        Some(drops) => native.extend(drops),
                        None => rebuild = true,
                    }
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => native.push(format!(
                "ALTER TABLE {table_sql} RENAME COLUMN {} TO {}",
                sq(&names::ident(old_column_name, d)),
                sq(&names::ident(new_column_name, d))
            )),
            AlterTableOperation::RenameTable { table_name } => {
                let (sqlparser::ast::RenameTableNameKind::As(to)
                | sqlparser::ast::RenameTableNameKind::To(to)) = table_name;
                let to = names::object(to, d);
                native.push(format!(
                    "ALTER TABLE {table_sql} RENAME TO {}",
                    sq(names::last(&to))
                ));
                renamed_to = Some(to);
            }
            AlterTableOperation::ValidateConstraint { .. } => {
                notes
                    .push("VALIDATE: SQLite checked the rows when the constraint was added".into());
            }
            AlterTableOperation::AddConstraint {
                not_valid: true, ..
            } => {
                notes.push("NOT VALID dropped: SQLite checks existing rows at once".into());
                rebuild = true;
            }
            AlterTableOperation::Algorithm { .. } | AlterTableOperation::Lock { .. } => {}
            AlterTableOperation::OwnerTo { .. } | AlterTableOperation::SetOptionsParens { .. } => {
                notes.push(format!("`{op}` has no SQLite equivalent"));
            }
            AlterTableOperation::AttachPartition { .. }
            | AlterTableOperation::AttachPartitionOf { .. }
            | AlterTableOperation::DetachPartition { .. }
            | AlterTableOperation::DetachPartitionOf { .. } => {
                return Translated::skip(s, "partitions do not exist in SQLite");
            }
            _ => rebuild = true,
        }
    }
    if rebuild {
        let target = renamed_to.as_deref().unwrap_or(&name);
        let Some(new) = after.table(target) else {
            return Translated::skip(s, "the model could not apply this change");
        };
        let mut renamed_old = old.clone();
        let mut stmts = Vec::new();
        for (from, to) in &renamed_columns {
            if let Some(column) = renamed_old.columns.iter_mut().find(|c| c.name == *from) {
                column.name.clone_from(to);
                stmts.push(format!(
                    "ALTER TABLE {table_sql} RENAME COLUMN {} TO {}",
                    sq(from),
                    sq(to)
                ));
            }
        }
        stmts.extend(rebuild_table(&renamed_old, new, before, after, d));
        if renamed_to.is_some() {
            stmts.push(format!(
                "ALTER TABLE {table_sql} RENAME TO {}",
                sq(names::last(target))
            ));
        }
        notes.insert(
            0,
            "SQLite's ALTER TABLE cannot do this: the table is rebuilt".into(),
        );
        return Translated::run(s, stmts, Some(notes.join("; ")));
    }
    Translated::run(s, native, (!notes.is_empty()).then(|| notes.join("; ")))
}

/// How SQLite can add a column.
enum AddedColumn {
    /// With `ALTER TABLE ... ADD COLUMN` and this definition.
    Native(String),
    /// Only by rebuilding the table (NOT NULL without a default, a
    /// non-constant default, UNIQUE, an identity).
    NeedsRebuild,
    /// The model does not have the column.
    Unknown,
}

fn added_column(table: &str, col: &str, after: &Catalog, d: Dialect) -> AddedColumn {
    let Some(c) = after.table(table).and_then(|t| t.column(col)) else {
        return AddedColumn::Unknown;
    };
    let (def, _) = sqlite_column(c, after, d, false);
    let default_ok = c
        .default
        .as_deref()
        .is_none_or(|v| constant_default(&translate_default(v, d)));
    let unique = after.table(table).is_some_and(|t| {
        t.constraints.iter().any(|k| {
            k.kind.columns() == [col.to_string()] && !matches!(k.kind, ConstraintKind::Check { .. })
        })
    });
    if (!c.nullable && c.default.is_none()) || !default_ok || unique || c.identity.is_some() {
        AddedColumn::NeedsRebuild
    } else {
        AddedColumn::Native(def)
    }
}

/// The SQLite statements dropping `col` of `old`; `None` when only a
/// rebuild can. PostgreSQL and MySQL drop the column's indexes and
/// constraints with it; SQLite refuses: indexes are dropped first, a key or
/// foreign key needs a rebuild.
fn dropped_column(
    old: &crate::catalog::Table,
    col: &str,
    before: &Catalog,
    d: Dialect,
) -> Option<Vec<String>> {
    let sq = |c: &str| ddl::ident(c, Dialect::Sqlite);
    let mut out = Vec::new();
    if d != Dialect::Sqlite {
        if old.constraints.iter().any(|k| k.kind.involves(col)) {
            return None;
        }
        for i in before.indexes.values() {
            if i.table == old.name && i.uses_column(col, d) {
                out.push(format!("DROP INDEX IF EXISTS {}", sq(names::last(&i.name))));
            }
        }
    }
    out.push(format!(
        "ALTER TABLE {} DROP COLUMN {}",
        sqlite_name(&old.name),
        sq(col)
    ));
    Some(out)
}

/// What the name of the table a rebuild fills ends with, before it takes
/// the old table's name.
const STAGING_SUFFIX: &str = "__migplan_new";

/// An engine's message in the user's terms: the table a rebuild stages
/// named as the table it becomes.
pub fn in_user_terms(message: &str) -> String {
    message.replace(STAGING_SUFFIX, "")
}

/// Whether `table` is the table a rebuild stages.
pub fn is_staging(table: &str) -> bool {
    table.ends_with(STAGING_SUFFIX)
}

/// The 12-step rebuild from `old` to `new` (same name).
fn rebuild_table(
    old: &Table,
    new: &Table,
    before: &Catalog,
    after: &Catalog,
    d: Dialect,
) -> Vec<String> {
    let name = sqlite_name(&old.name);
    let tmp = format!("{}{STAGING_SUFFIX}", names::last(&old.name));
    let mut staged = new.clone();
    staged.name = match old.name.rsplit_once('.') {
        Some((sch, _)) => format!("{sch}.{tmp}"),
        None => tmp.clone(),
    };
    let (create, _) = sqlite_table(&staged, after, d, &new.name);
    // Columns kept are copied; a new column numbered by the database
    // (serial, identity) is filled from the rowid, as the server would
    // number existing rows; other new columns get their default.
    let mut targets = Vec::new();
    let mut sources = Vec::new();
    for c in &new.columns {
        let q = ddl::ident(&c.name, Dialect::Sqlite);
        if old.column(&c.name).is_some() {
            targets.push(q.clone());
            sources.push(q);
        } else if c.identity.is_some() {
            targets.push(q);
            sources.push("rowid".to_string());
        }
    }
    let mut out = vec![
        "PRAGMA foreign_keys=OFF".to_string(),
        create,
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {name}",
            sqlite_name(&staged.name),
            targets.join(", "),
            sources.join(", ")
        ),
    ];
    let views = before.views_using(&old.name);
    for v in &views {
        out.push(format!("DROP VIEW {}", sqlite_name(&v.name)));
    }
    out.push(format!("DROP TABLE {name}"));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        sqlite_name(&staged.name),
        ddl::ident(names::last(&old.name), Dialect::Sqlite)
    ));
    for i in after.indexes_on(&new.name) {
        out.push(sqlite_index(i, d));
    }
    for v in &views {
        let columns = if v.columns.is_empty() {
            String::new()
        } else {
            format!(" ({})", ddl::columns(&v.columns, Dialect::Sqlite))
        };
        out.push(format!(
            "CREATE VIEW {}{columns} AS {}",
            sqlite_name(&v.name),
            pg_to_sqlite(&v.definition, d)
        ));
    }
    out.push("PRAGMA foreign_keys=ON".into());
    out
}

/// `SELECT rowid FROM table [WHERE ..] [ORDER BY ..] [LIMIT ..]`: how
/// MySQL's UPDATE/DELETE with ORDER BY and LIMIT pick their rows in SQLite
/// (as bundled, without LIMIT on UPDATE and DELETE).
fn rowid_subquery(
    table: &str,
    selection: Option<&sqlparser::ast::Expr>,
    order_by: &[sqlparser::ast::OrderByExpr],
    limit: Option<&sqlparser::ast::Expr>,
) -> String {
    let mut q = format!("SELECT rowid FROM {table}");
    if let Some(w) = selection {
        q.push_str(&format!(" WHERE {w}"));
    }
    if !order_by.is_empty() {
        let order: Vec<String> = order_by.iter().map(ToString::to_string).collect();
        q.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
    if let Some(l) = limit {
        q.push_str(&format!(" LIMIT {l}"));
    }
    q
}

/// A qualified name for SQLite (`schema.table` for attached databases).
fn sqlite_name(qualified: &str) -> String {
    ddl::name(qualified, Dialect::Sqlite)
}

/// The SQLite type for a source type, and a CHECK it implies.
pub fn sqlite_type(ty: &str, catalog: &Catalog) -> (String, Option<String>) {
    let lower = ty.to_lowercase();
    let (base, args) = names::type_parts(&lower);
    let base = base.to_string();
    let arg: Option<u32> = args.first().copied();
    if let Some(values) = catalog
        .enums
        .get(&lower)
        .or_else(|| catalog.enums.get(names::last(&lower)))
    {
        let list: Vec<String> = values.iter().map(|v| ddl::literal(v)).collect();
        return ("TEXT".into(), Some(format!("IN ({})", list.join(", "))));
    }
    if let Some(inner) = lower
        .strip_prefix("enum(")
        .or_else(|| lower.strip_prefix("set("))
    {
        let list = inner.trim_end_matches(')');
        if lower.starts_with("enum(") {
            return ("TEXT".into(), Some(format!("IN ({list})")));
        }
        return ("TEXT".into(), None);
    }
    let t = match base.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "tinyint" | "mediumint" | "serial"
        | "bigserial" | "smallserial" | "int2" | "int4" | "int8" => "INTEGER",
        "varchar" | "char" | "character varying" | "character" | "text" | "citext" | "tinytext"
        | "mediumtext" | "longtext" | "uuid" | "json" | "jsonb" | "xml" | "inet" | "cidr"
        | "macaddr" => "TEXT",
        "numeric" | "decimal" => "NUMERIC",
        "real" | "double precision" | "double" | "float" | "float4" | "float8" => "REAL",
        "boolean" | "bool" => "BOOLEAN",
        "timestamp" | "timestamptz" | "datetime" | "date" | "time" | "timetz" | "interval"
        | "year" => "TEXT",
        "bytea" | "blob" | "binary" | "varbinary" | "longblob" | "mediumblob" | "tinyblob" => {
            "BLOB"
        }
        _ => "TEXT",
    };
    let check = match (base.as_str(), arg) {
        ("varchar" | "char" | "character varying" | "character", Some(n)) => {
            Some(format!("length(%) <= {n}"))
        }
        _ => None,
    };
    (t.to_string(), check)
}

/// A column definition for SQLite; the bool says it became the rowid alias.
fn sqlite_column(
    c: &crate::catalog::Column,
    catalog: &Catalog,
    d: Dialect,
    rowid: bool,
) -> (String, bool) {
    let q = ddl::ident(&c.name, Dialect::Sqlite);
    if rowid {
        return (format!("{q} INTEGER PRIMARY KEY"), true);
    }
    let (ty, check) = sqlite_type(&c.data_type, catalog);
    let mut s = format!("{q} {ty}");
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(v) = &c.default {
        let v = translate_default(v, d);
        if !v.is_empty() {
            s.push_str(&format!(" DEFAULT {v}"));
        }
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) VIRTUAL",
            pg_to_sqlite(g, d)
        ));
    }
    if let Some(ch) = check {
        if ch.starts_with("IN (") {
            s.push_str(&format!(" CHECK ({q} {ch})"));
        } else {
            s.push_str(&format!(" CHECK ({})", ch.replace('%', &q)));
        }
    }
    (s, false)
}

/// CREATE TABLE in SQLite for a model table (named `name`); notes what
/// the translation left out.
fn sqlite_table(
    t: &Table,
    catalog: &Catalog,
    d: Dialect,
    model_name: &str,
) -> (String, Option<String>) {
    let mut notes = Vec::new();
    let pk = t
        .primary_key()
        .map(|k| k.kind.columns().to_vec())
        .unwrap_or_default();
    // A single integer key numbered by the database becomes the rowid alias.
    let rowid_col = match pk.as_slice() {
        [only] => t
            .column(only)
            .filter(|c| c.identity.is_some() && sqlite_type(&c.data_type, catalog).0 == "INTEGER")
            .map(|c| c.name.clone()),
        _ => None,
    };
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| sqlite_column(c, catalog, d, rowid_col.as_deref() == Some(c.name.as_str())).0)
        .collect();
    let schema_of = |n: &str| n.split_once('.').map(|(s, _)| s.to_string());
    for k in &t.constraints {
        let cols = |v: &[String]| {
            v.iter()
                .map(|c| ddl::ident(c, Dialect::Sqlite))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let body = match &k.kind {
            ConstraintKind::PrimaryKey { columns } => {
                if rowid_col.is_some() {
                    continue;
                }
                format!("PRIMARY KEY ({})", cols(columns))
            }
            ConstraintKind::Unique { columns } => format!("UNIQUE ({})", cols(columns)),
            ConstraintKind::Check { expr } => format!("CHECK ({})", pg_to_sqlite(expr, d)),
            ConstraintKind::ForeignKey {
                columns,
                references,
                referred_columns,
                on_delete,
            } => {
                if schema_of(references) != schema_of(model_name) {
                    notes.push(format!(
                        "foreign key {} crosses schemas: not enforced in SQLite",
                        k.name
                    ));
                    continue;
                }
                // Without columns, the parent's primary key is meant.
                let mut s = format!(
                    "FOREIGN KEY ({}) REFERENCES {}",
                    cols(columns),
                    ddl::ident(names::last(references), Dialect::Sqlite),
                );
                if !referred_columns.is_empty() {
                    s.push_str(&format!(" ({})", cols(referred_columns)));
                }
                if let Some(a) = on_delete {
                    s.push_str(&format!(" ON DELETE {a}"));
                }
                s
            }
        };
        lines.push(format!(
            "CONSTRAINT {} {body}",
            ddl::ident(&k.name, Dialect::Sqlite)
        ));
    }
    (
        format!(
            "CREATE TABLE {} (\n    {}\n)",
            sqlite_name(&t.name),
            lines.join(",\n    ")
        ),
        (!notes.is_empty()).then(|| notes.join("; ")),
    )
}

fn sqlite_index(i: &crate::catalog::Index, d: Dialect) -> String {
    let (schema, table) = match i.table.split_once('.') {
        Some((s, t)) => (Some(s), t),
        None => (None, i.table.as_str()),
    };
    let name = match schema {
        Some(s) => format!(
            "{}.{}",
            ddl::ident(s, Dialect::Sqlite),
            ddl::ident(names::last(&i.name), Dialect::Sqlite)
        ),
        None => ddl::ident(names::last(&i.name), Dialect::Sqlite),
    };
    let cols: Vec<String> = i
        .columns
        .iter()
        .map(|key| match key {
            IndexKey::Column(name) => ddl::ident(name, Dialect::Sqlite),
            IndexKey::Expression(sql) => pg_to_sqlite(sql, d),
        })
        .collect();
    let mut s = format!(
        "CREATE {}INDEX {name} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        ddl::ident(table, Dialect::Sqlite),
        cols.join(", ")
    );
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {}", pg_to_sqlite(p, d)));
    }
    s
}

/// A default value as SQLite can use it ("" when it has none: sequences).
pub(crate) fn translate_default(v: &str, d: Dialect) -> String {
    let lower = v.to_lowercase();
    if lower.starts_with("nextval(") {
        return String::new();
    }
    // MySQL's double-quoted strings are strings.
    if d == Dialect::Mysql && v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        return ddl::literal(&v[1..v.len() - 1]);
    }
    // An array (`ARRAY[]::text[]`, `'{}'`) is kept as its text.
    if let Some(rest) = lower.strip_prefix("array[") {
        let inner = rest.split(']').next().unwrap_or_default();
        return ddl::literal(&format!("{{{inner}}}"));
    }
    let t = pg_to_sqlite(v, d);
    let tl = t.to_lowercase();
    if tl == "current_timestamp"
        || tl == "current_date"
        || tl == "current_time"
        || tl.starts_with('(')
        || constant_default(&t)
    {
        t
    } else {
        format!("({t})")
    }
}

/// Whether SQLite's ADD COLUMN accepts `v` as a default.
fn constant_default(v: &str) -> bool {
    let t = v.trim();
    t.starts_with('\'')
        || t.parse::<f64>().is_ok()
        || t.eq_ignore_ascii_case("null")
        || t.eq_ignore_ascii_case("true")
        || t.eq_ignore_ascii_case("false")
}

/// The first token at or after `i` that is not whitespace.
fn skip_whitespace(tokens: &[Token], mut i: usize) -> usize {
    while matches!(tokens.get(i), Some(Token::Whitespace(_))) {
        i += 1;
    }
    i
}

/// The `)` closing the `(` at `open`, if the text has it.
fn closing_paren(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// `GROUP BY (a, b)` (a row value, which PostgreSQL accepts) as
/// `GROUP BY a, b`, which SQLite needs.
fn ungroup_row_values(mut tokens: Vec<Token>) -> Vec<Token> {
    let word = |t: &Token, k: &str| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case(k));
    for i in 0..tokens.len() {
        if !word(&tokens[i], "group") {
            continue;
        }
        let by = skip_whitespace(&tokens, i + 1);
        if !tokens.get(by).is_some_and(|t| word(t, "by")) {
            continue;
        }
        let open = skip_whitespace(&tokens, by + 1);
        if tokens.get(open) != Some(&Token::LParen) {
            continue;
        }
        let Some(close) = closing_paren(&tokens, open) else {
            continue;
        };
        let mut depth = 0usize;
        let row_value = tokens[open..close].iter().any(|t| {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Comma => return depth == 1,
                _ => {}
            }
            false
        });
        if row_value {
            tokens[open] = Token::Whitespace(sqlparser::tokenizer::Whitespace::Space);
            tokens[close] = Token::Whitespace(sqlparser::tokenizer::Whitespace::Space);
        }
    }
    tokens
}

/// The words that continue a type's name after a space: `character
/// varying`, `double precision`, `timestamp with[out] time zone`.
const TYPE_NAME_WORDS: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];

/// Whether the whitespace at `at` sits inside a type's name: a word before
/// it, and after it a word that continues type names.
fn continues_type_name(tokens: &[Token], at: usize) -> bool {
    let after_word = at > 0 && matches!(tokens[at - 1], Token::Word(_));
    after_word
        && matches!(
            tokens.get(at + 1),
            Some(Token::Word(w)) if TYPE_NAME_WORDS.iter().any(|n| w.value.eq_ignore_ascii_case(n))
        )
}

/// PostgreSQL/MySQL expression and statement text made SQLite-friendly:
/// `::type` casts dropped, `now()` and UUID functions mapped, `ILIKE`
/// as `LIKE`. Token-based, so strings and identifiers are untouched.
pub fn pg_to_sqlite(sql: &str, d: Dialect) -> String {
    let dialect = d.parser_dialect();
    let Ok(tokens) = Tokenizer::new(&*dialect, sql).tokenize() else {
        return sql.to_string();
    };
    let tokens = ungroup_row_values(tokens);
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::DoubleColon => {
                // Skip the type: words joined by dots, optional (...) and [],
                // and the words of a type named in several (`character
                // varying`, `timestamp without time zone`).
                i += 1;
                while i < tokens.len() {
                    match &tokens[i] {
                        Token::Word(_) | Token::Period => i += 1,
                        Token::Whitespace(_) if continues_type_name(&tokens, i) => i += 1,
                        Token::LParen => {
                            i = closing_paren(&tokens, i).map_or(tokens.len(), |c| c + 1);
                        }
                        Token::LBracket | Token::RBracket => i += 1,
                        _ => break,
                    }
                }
                continue;
            }
            Token::Word(w) => {
                let upper = w.value.to_uppercase();
                let next_paren = tokens.get(i + 1) == Some(&Token::LParen)
                    && tokens.get(i + 2) == Some(&Token::RParen);
                match upper.as_str() {
                    "NOW" | "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "CLOCK_TIMESTAMP"
                        if next_paren =>
                    {
                        out.push_str("CURRENT_TIMESTAMP");
                        i += 3;
                        continue;
                    }
                    "GEN_RANDOM_UUID" | "UUID_GENERATE_V4" | "UUID" if next_paren => {
                        out.push_str("lower(hex(randomblob(16)))");
                        i += 3;
                        continue;
                    }
                    "ILIKE" => {
                        out.push_str("LIKE");
                        i += 1;
                        continue;
                    }
                    _ => out.push_str(&tokens[i].to_string()),
                }
            }
            Token::SingleQuotedString(text)
            | Token::DoubleQuotedString(text)
            | Token::EscapedStringLiteral(text)
            | Token::NationalStringLiteral(text)
            | Token::UnicodeStringLiteral(text) => out.push_str(&ddl::literal(text)),
            Token::DollarQuotedString(dollar) => out.push_str(&ddl::literal(&dollar.value)),
            // MySQL's NULL-safe equality is SQLite's IS.
            Token::Spaceship => out.push_str(" IS "),
            t => out.push_str(&t.to_string()),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_and_functions_are_rewritten() {
        let d = Dialect::Postgres;
        assert_eq!(pg_to_sqlite("'pending'::text", d), "'pending'");
        assert_eq!(
            pg_to_sqlite("(total > (1000)::numeric(10,2))", d),
            "(total > (1000))"
        );
        assert_eq!(pg_to_sqlite("now()", d), "CURRENT_TIMESTAMP");
        assert_eq!(pg_to_sqlite("name ILIKE '%a::b%'", d), "name LIKE '%a::b%'");
        assert_eq!(pg_to_sqlite("nextval('s'::regclass)", d), "nextval('s')");
        // pg_dump's defaults: types named in several words.
        assert_eq!(pg_to_sqlite("NULL::character varying", d), "NULL");
        assert_eq!(
            pg_to_sqlite("(NULL::timestamp without time zone) IS NULL", d),
            "(NULL) IS NULL"
        );
        assert_eq!(
            pg_to_sqlite("''::character varying(20) || 'x'", d),
            "'' || 'x'"
        );
        assert_eq!(pg_to_sqlite("1::double precision AS x", d), "1 AS x");
        assert_eq!(
            pg_to_sqlite("WHERE NOT (a <=> (b)) AND c = '<=>'", Dialect::Mysql),
            "WHERE NOT (a  IS  (b)) AND c = '<=>'"
        );
    }

    #[test]
    fn group_by_row_values_are_ungrouped_and_nothing_else() {
        let d = Dialect::Postgres;
        assert_eq!(
            pg_to_sqlite("SELECT a FROM t GROUP BY (a, (b + 1))", d),
            "SELECT a FROM t GROUP BY  a, (b + 1) "
        );
        assert_eq!(
            pg_to_sqlite("SELECT 1 FROM t group\nby (coalesce(a, b))", d),
            "SELECT 1 FROM t group\nby (coalesce(a, b))"
        );
        assert_eq!(
            pg_to_sqlite("SELECT 1 FROM t GROUP BY (a, b", d),
            "SELECT 1 FROM t GROUP BY (a, b"
        );
    }

    #[test]
    fn a_postgres_schema_and_migration_translate() {
        let schema = "CREATE TYPE mood AS ENUM ('sad', 'ok');\n\
                      CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(20) NOT NULL UNIQUE, m mood DEFAULT 'ok'::mood, at timestamptz DEFAULT now());\n\
                      CREATE INDEX CONCURRENTLY users_at ON users (at);";
        let mut c = Catalog::default();
        let t = translate(Dialect::Postgres, schema, &mut c);
        assert_eq!(t.len(), 3);
        assert!(t[0].sqlite.is_empty() && t[0].simulated);
        let create = &t[1].sqlite[0];
        assert!(create.contains("id INTEGER PRIMARY KEY"), "{create}");
        assert!(
            create.contains("email TEXT NOT NULL CHECK (length(email) <= 20)"),
            "{create}"
        );
        assert!(
            create.contains("m TEXT DEFAULT 'ok' CHECK (m IN ('sad', 'ok'))"),
            "{create}"
        );
        assert!(
            create.contains("at TEXT DEFAULT CURRENT_TIMESTAMP"),
            "{create}"
        );
        assert_eq!(t[2].sqlite, ["CREATE INDEX users_at ON users (at)"]);
        let up = translate(
            Dialect::Postgres,
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users ADD COLUMN bio text;\nCREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql;",
            &mut c,
        );
        assert!(
            up[0]
                .sqlite
                .iter()
                .any(|s| s.starts_with("INSERT INTO users__migplan_new")),
            "{:?}",
            up[0].sqlite
        );
        assert_eq!(up[1].sqlite, ["ALTER TABLE users ADD COLUMN bio TEXT"]);
        assert!(!up[2].simulated);
        assert!(
            up[2]
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("not simulated: "))
        );
    }
}
