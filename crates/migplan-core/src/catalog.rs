//! The schema model: a catalogue built by replaying statements in order.
//!
//! Replaying never fails: a statement the model does not understand (or one
//! that refers to an object it does not know) leaves the catalogue as it was
//! and returns a note, so that analysis carries on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, AlterTypeOperation, ColumnDef,
    ColumnOption, CommentObject, CreateIndex, CreateTable, CreateTableLikeKind, ObjectType,
    RenameTableNameKind, SchemaName, Statement, TableConstraint, UserDefinedTypeRepresentation,
};

use crate::names::{self, column_of};
use crate::{Dialect, ParsedSource};

/// Everything the model knows about a database's schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    pub schemas: BTreeSet<String>,
    pub tables: BTreeMap<String, Arc<Table>>,
    pub views: BTreeMap<String, View>,
    pub indexes: BTreeMap<String, Index>,
    pub sequences: BTreeSet<String>,
    pub enums: BTreeMap<String, Vec<String>>,
    /// Functions by name (overloads share one entry).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub functions: BTreeSet<String>,
    /// PostgreSQL extensions by name.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub extensions: BTreeSet<String>,
    /// The last CREATE FUNCTION of each function, as the parser prints it
    /// (what a rollback of its DROP or replacement runs).
    #[serde(skip)]
    pub function_definitions: BTreeMap<String, String>,
    /// CREATE TRIGGER statements by `table.trigger`.
    #[serde(skip)]
    pub triggers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// False for `CREATE TABLE ... AS SELECT`, whose columns the model
    /// cannot know without running the query.
    pub columns_known: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    pub default: Option<String>,
    /// `serial`, `identity` or `auto_increment` when the database numbers it.
    pub identity: Option<String>,
    /// The expression of a generated column.
    pub generated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    /// The declared name; unnamed constraints get the database's usual name.
    pub name: String,
    pub kind: ConstraintKind,
    /// False while a constraint added NOT VALID has not been validated.
    pub validated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    Check {
        expr: String,
    },
    ForeignKey {
        columns: Vec<String>,
        references: String,
        referred_columns: Vec<String>,
        on_delete: Option<String>,
    },
}

/// An index's keys as the model keeps them.
fn index_keys(columns: &[sqlparser::ast::IndexColumn], d: Dialect) -> Vec<IndexKey> {
    columns
        .iter()
        .map(|c| match column_of(&c.column.expr, d) {
            Some(name) => IndexKey::Column(name),
            None => IndexKey::Expression(names::expr(&c.column.expr)),
        })
        .collect()
}

/// The name PostgreSQL gives an index created without one:
/// `<table>_<keys>_idx`, an expression key named after its function.
pub fn auto_index_name(table: &str, columns: &[sqlparser::ast::IndexColumn], d: Dialect) -> String {
    names::default_object_name(
        names::last(table),
        &key_names(&index_keys(columns, d), d),
        "idx",
        d,
    )
}

/// What follows each key: its operator class and order (`gin_trgm_ops`,
/// `DESC NULLS LAST`); empty when no key has any.
fn key_options(columns: &[sqlparser::ast::IndexColumn]) -> Vec<Option<String>> {
    let options: Vec<Option<String>> = columns
        .iter()
        .map(|c| {
            let class = c
                .operator_class
                .as_ref()
                .map(|o| format!(" {o}"))
                .unwrap_or_default();
            let text = format!("{class}{}", c.column.options);
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_string())
        })
        .collect();
    if options.iter().all(Option::is_none) {
        return Vec::new();
    }
    options
}

/// The keys joined by `_`, for a generated index name.
fn key_names(keys: &[IndexKey], d: Dialect) -> String {
    keys.iter()
        .map(|key| match key {
            IndexKey::Column(name) => name.clone(),
            // PostgreSQL names an expression key after its function, or
            // `expr`.
            IndexKey::Expression(text) => {
                names::function_called(text, d).unwrap_or_else(|| "expr".to_string())
            }
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// The words (names, keywords, numbers) of an expression's text.
fn words(expr: &str) -> impl Iterator<Item = &str> {
    expr.split(|c: char| !(c.is_alphanumeric() || c == '_'))
}

impl ConstraintKind {
    /// Whether the constraint uses `column`: one of its columns, or a name
    /// in its CHECK expression (dropping the column drops the constraint).
    pub fn involves(&self, column: &str) -> bool {
        match self {
            ConstraintKind::Check { expr } => words(expr).any(|w| w.eq_ignore_ascii_case(column)),
            _ => self.columns().iter().any(|c| c == column),
        }
    }

    pub fn columns(&self) -> &[String] {
        match self {
            ConstraintKind::PrimaryKey { columns }
            | ConstraintKind::Unique { columns }
            | ConstraintKind::ForeignKey { columns, .. } => columns,
            ConstraintKind::Check { .. } => &[],
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey { .. } => "primary key",
            ConstraintKind::Unique { .. } => "unique",
            ConstraintKind::Check { .. } => "check",
            ConstraintKind::ForeignKey { .. } => "foreign key",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub unique: bool,
    pub method: Option<String>,
    /// The keys: columns, or expressions for expression indexes.
    pub columns: Vec<IndexKey>,
    pub predicate: Option<String>,
    /// Each key's operator class (`gin_trgm_ops`), when any key has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_options: Vec<Option<String>>,
}

/// One key of an index: a column (by name, however it is spelled), or an
/// expression's SQL text. Kept apart so that a quoted name holding `(` or a
/// space is always emitted as a quoted name, never as SQL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum IndexKey {
    Column(String),
    Expression(String),
}

impl IndexKey {
    /// The column's name, when the key is a plain column.
    pub fn column(&self) -> Option<&str> {
        match self {
            IndexKey::Column(name) => Some(name),
            IndexKey::Expression(_) => None,
        }
    }

    /// The name or the expression's text.
    pub fn text(&self) -> &str {
        match self {
            IndexKey::Column(text) | IndexKey::Expression(text) => text,
        }
    }
}

impl std::fmt::Display for IndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

impl PartialEq<&str> for IndexKey {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl Index {
    /// Whether `column` is one of the index's plain column keys.
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|k| k.column() == Some(column))
    }

    /// Whether the index uses `column` anywhere: a key, an expression key
    /// or its WHERE.
    pub fn uses_column(&self, column: &str, d: Dialect) -> bool {
        self.has_column(column)
            || self.columns.iter().any(|key| match key {
                IndexKey::Expression(text) => names::expression_uses(text, column, d),
                IndexKey::Column(_) => false,
            })
            || self
                .predicate
                .as_deref()
                .is_some_and(|text| names::expression_uses(text, column, d))
    }

    /// The index with column `from` renamed `to` in its keys, expressions
    /// and WHERE (what the database does on RENAME COLUMN).
    pub fn with_column_renamed(&self, from: &str, to: &str, d: Dialect) -> Index {
        let mut copy = self.clone();
        copy.columns = self
            .columns
            .iter()
            .map(|key| match key {
                IndexKey::Column(name) if name == from => IndexKey::Column(to.to_string()),
                IndexKey::Expression(text) => {
                    IndexKey::Expression(names::expression_renamed(text, from, to, d))
                }
                other => other.clone(),
            })
            .collect();
        copy.predicate = self
            .predicate
            .as_deref()
            .map(|text| names::expression_renamed(text, from, to, d));
        copy
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: String,
    pub materialized: bool,
    /// The column names the view declares (`CREATE VIEW v (a, b) AS`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    pub definition: String,
}

impl View {
    /// The statement that creates the view again.
    pub fn create_sql(&self, d: Dialect) -> String {
        let columns = if self.columns.is_empty() {
            String::new()
        } else {
            format!(" ({})", crate::ddl::columns(&self.columns, d))
        };
        format!(
            "CREATE {}VIEW {}{columns} AS {}",
            if self.materialized {
                "MATERIALIZED "
            } else {
                ""
            },
            crate::ddl::name(&self.name, d),
            self.definition
        )
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    /// Whether a validated CHECK constraint proves `column IS NOT NULL`.
    pub fn has_not_null_check(&self, column: &str) -> bool {
        self.constraints.iter().any(|c| {
            c.validated
                && matches!(&c.kind, ConstraintKind::Check { expr }
                    if is_not_null_check(expr, column))
        })
    }
}

fn is_not_null_check(expr: &str, column: &str) -> bool {
    let e = expr
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .to_lowercase();
    let e = e.replace('"', "");
    e == format!("{column} is not null")
}

/// What replaying one statement did to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Changed,
    /// The statement does not change the schema (DML, SET, ...).
    NoChange,
    /// The model could not apply it; the reason says why.
    Skipped(String),
}

impl Catalog {
    /// Replays every parsed statement of `source` onto an empty catalogue.
    pub fn build(source: &ParsedSource) -> Catalog {
        let mut c = Catalog::default();
        c.apply_source(source);
        c
    }

    /// Replays `src` statement by statement, each syntax tree dropped once
    /// applied: a large dump costs the model, not every tree at once.
    pub fn apply_text(&mut self, src: &str, d: Dialect) {
        for s in crate::parse::parse_statements(src, d) {
            if let Some(ast) = &s.ast {
                self.apply(ast, d);
            }
        }
    }

    /// Applies what a source runs (a file's down section is its rollback,
    /// not part of the schema it leaves).
    pub fn apply_source(&mut self, source: &ParsedSource) {
        for s in &source.statements {
            if s.section == crate::parse::Section::Down {
                continue;
            }
            if let Some(ast) = &s.ast {
                self.apply(ast, source.dialect);
            }
        }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name).map(|t| &**t)
    }

    /// Views whose definition names `table` (as a word), in name order.
    pub fn views_using(&self, table: &str) -> Vec<&View> {
        let base = names::last(table).to_lowercase();
        self.views
            .values()
            .filter(|v| {
                v.definition
                    .to_lowercase()
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == base)
            })
            .collect()
    }

    /// Indexes on `table`, in name order.
    pub fn indexes_on<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.values().filter(move |i| i.table == table)
    }

    /// Applies one statement.
    pub fn apply(&mut self, stmt: &Statement, d: Dialect) -> Applied {
        match stmt {
            Statement::CreateTable(ct) => self.create_table(ct, d),
            Statement::AlterTable(at) => self.alter_table(at, d),
            Statement::CreateIndex(ci) => self.create_index(ci, d),
            Statement::CreateView(v) => {
                let name = names::object(&v.name, d);
                if v.if_not_exists && self.views.contains_key(&name) {
                    return Applied::NoChange;
                }
                self.views.insert(
                    name.clone(),
                    View {
                        name,
                        materialized: v.materialized,
                        columns: v.columns.iter().map(|c| names::ident(&c.name, d)).collect(),
                        definition: v.query.to_string(),
                    },
                );
                Applied::Changed
            }
            Statement::Drop {
                object_type,
                names: objects,
                table,
                cascade,
                ..
            } => {
                let mut changed = false;
                for o in objects {
                    let name = names::object(o, d);
                    changed |= self.drop_object(*object_type, &name, table.as_ref(), *cascade, d);
                }
                if changed {
                    Applied::Changed
                } else {
                    Applied::Skipped("the dropped object is not in the schema".into())
                }
            }
            Statement::RenameTable(renames) => {
                for r in renames {
                    let from = names::object(&r.old_name, d);
                    let to = names::object(&r.new_name, d);
                    self.rename_table(&from, &to);
                }
                Applied::Changed
            }
            Statement::AlterIndex {
                name,
                operation: sqlparser::ast::AlterIndexOperation::RenameIndex { index_name },
            } => self.rename_index(name, index_name, d),
            Statement::CreateSequence { name, .. } => {
                self.sequences.insert(names::object(name, d));
                Applied::Changed
            }
            Statement::CreateExtension(_)
            | Statement::DropExtension(_)
            | Statement::CreateFunction(_)
            | Statement::DropFunction(_)
            | Statement::CreateTrigger(_)
            | Statement::DropTrigger(_) => self.apply_routine(stmt, d),
            Statement::CreateSchema { schema_name, .. } => {
                let name = match schema_name {
                    SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => {
                        names::object(n, d)
                    }
                    SchemaName::UnnamedAuthorization(i) => names::ident(i, d),
                };
                self.schemas.insert(name);
                Applied::Changed
            }
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
            } => {
                self.enums.insert(
                    names::object(name, d),
                    labels.iter().map(|l| l.value.clone()).collect(),
                );
                Applied::Changed
            }
            Statement::AlterType(at) => self.alter_type(at, d),
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } => self.comment(*object_type, object_name, comment.clone(), d),
            _ => Applied::NoChange,
        }
    }

    fn rename_index(
        &mut self,
        name: &sqlparser::ast::ObjectName,
        index_name: &sqlparser::ast::ObjectName,
        d: Dialect,
    ) -> Applied {
        let from = names::object(name, d);
        let Some(mut index) = self.indexes.remove(&from) else {
            return Applied::Skipped(format!("index {from} is not in the schema"));
        };
        // PostgreSQL keeps the index in its schema.
        let to = match (from.rsplit_once('.'), names::object(index_name, d)) {
            (Some((schema, _)), to) if !to.contains('.') => format!("{schema}.{to}"),
            (_, to) => to,
        };
        index.name = to.clone();
        self.indexes.insert(to, index);
        Applied::Changed
    }

    fn alter_type(&mut self, at: &sqlparser::ast::AlterType, d: Dialect) -> Applied {
        let name = names::object(&at.name, d);
        let Some(labels) = self.enums.get_mut(&name) else {
            return Applied::Skipped(format!("type {name} is not in the schema"));
        };
        match &at.operation {
            AlterTypeOperation::AddValue(add) => {
                let value = add.value.value.clone();
                if labels.contains(&value) {
                    return Applied::NoChange;
                }
                let pos = match &add.position {
                    Some(sqlparser::ast::AlterTypeAddValuePosition::Before(b)) => {
                        labels.iter().position(|l| *l == b.value)
                    }
                    Some(sqlparser::ast::AlterTypeAddValuePosition::After(a)) => {
                        labels.iter().position(|l| *l == a.value).map(|p| p + 1)
                    }
                    None => None,
                };
                match pos {
                    Some(p) => labels.insert(p, value),
                    None => labels.push(value),
                }
            }
            AlterTypeOperation::RenameValue(rv) => {
                for l in labels.iter_mut() {
                    if *l == rv.from.value {
                        *l = rv.to.value.clone();
                    }
                }
            }
            AlterTypeOperation::Rename(r) => {
                let labels = self.enums.remove(&name).unwrap_or_default();
                self.enums.insert(names::ident(&r.new_name, d), labels);
            }
        }
        Applied::Changed
    }

    /// Extensions, functions and triggers: kept by name, functions and
    /// triggers with the statement that made them (what a rollback of
    /// their DROP or replacement runs).
    fn apply_routine(&mut self, stmt: &Statement, d: Dialect) -> Applied {
        match stmt {
            Statement::CreateExtension(extension) => {
                self.extensions.insert(names::ident(&extension.name, d));
                Applied::Changed
            }
            Statement::DropExtension(dropped) => {
                for name in &dropped.names {
                    self.extensions.remove(&names::ident(name, d));
                }
                Applied::Changed
            }
            Statement::CreateFunction(function) => {
                let name = names::object(&function.name, d);
                // Kept as CREATE OR REPLACE: what brings it back whether
                // or not a later definition replaced it.
                let mut definition = function.clone();
                definition.or_replace = true;
                self.function_definitions.insert(
                    name.clone(),
                    Statement::CreateFunction(definition).to_string(),
                );
                self.functions.insert(name);
                Applied::Changed
            }
            Statement::DropFunction(dropped) => {
                for function in &dropped.func_desc {
                    let name = names::object(&function.name, d);
                    self.function_definitions.remove(&name);
                    self.functions.remove(&name);
                }
                Applied::Changed
            }
            Statement::CreateTrigger(trigger) => {
                let key = format!(
                    "{}.{}",
                    names::object(&trigger.table_name, d),
                    names::object(&trigger.name, d)
                );
                self.triggers.insert(key, stmt.to_string());
                Applied::Changed
            }
            Statement::DropTrigger(dropped) => {
                if let Some(table) = &dropped.table_name {
                    let key = format!(
                        "{}.{}",
                        names::object(table, d),
                        names::object(&dropped.trigger_name, d)
                    );
                    self.triggers.remove(&key);
                }
                Applied::Changed
            }
            _ => Applied::NoChange,
        }
    }

    fn create_table(&mut self, ct: &CreateTable, d: Dialect) -> Applied {
        let name = names::object(&ct.name, d);
        if self.tables.contains_key(&name) && ct.if_not_exists {
            return Applied::NoChange;
        }
        let mut table = Table {
            name: name.clone(),
            columns: Vec::new(),
            constraints: Vec::new(),
            comment: None,
            columns_known: ct.query.is_none(),
        };
        let like = match &ct.like {
            Some(CreateTableLikeKind::Parenthesized(l) | CreateTableLikeKind::Plain(l)) => {
                Some(&l.name)
            }
            None => None,
        };
        if let Some(parent) = ct.partition_of.as_ref().or(like).or(ct.clone.as_ref()) {
            if let Some(p) = self.tables.get(&names::object(parent, d)) {
                table.columns = p.columns.clone();
            } else {
                table.columns_known = false;
            }
        }
        for c in &ct.columns {
            add_column(&mut table, c, d);
        }
        for tc in &ct.constraints {
            self.add_constraint(&mut table, tc, true, d);
        }
        if let Some(comment) = &ct.comment {
            table.comment = Some(comment_text(&comment.to_string()));
        }
        self.tables.insert(name, Arc::new(table));
        Applied::Changed
    }

    fn alter_table(&mut self, at: &AlterTable, d: Dialect) -> Applied {
        let mut name = names::object(&at.name, d);
        if !self.tables.contains_key(&name) {
            return Applied::Skipped(format!("table {name} is not in the schema"));
        }
        for op in &at.operations {
            let Some(mut table) = self.tables.remove(&name).map(Arc::unwrap_or_clone) else {
                break;
            };
            match op {
                AlterTableOperation::AddColumn { column_def, .. }
                    if table.column(&names::ident(&column_def.name, d)).is_none() =>
                {
                    add_column(&mut table, column_def, d);
                }
                AlterTableOperation::DropColumn { column_names, .. } => {
                    for c in column_names {
                        let col = names::ident(c, d);
                        table.columns.retain(|x| x.name != col);
                        table.constraints.retain(|k| !k.kind.involves(&col));
                        self.indexes
                            .retain(|_, i| !(i.table == name && i.has_column(&col)));
                    }
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let from = names::ident(old_column_name, d);
                    let to = names::ident(new_column_name, d);
                    self.rename_column(&mut table, &from, &to, d);
                }
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    options,
                    ..
                } => {
                    let from = names::ident(old_name, d);
                    let to = names::ident(new_name, d);
                    self.rename_column(&mut table, &from, &to, d);
                    replace_column(&mut table, &to, data_type, options, d);
                }
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    ..
                } => {
                    replace_column(
                        &mut table,
                        &names::ident(col_name, d),
                        data_type,
                        options,
                        d,
                    );
                }
                AlterTableOperation::AlterColumn { column_name, op } => {
                    if let Some(c) = table.column_mut(&names::ident(column_name, d)) {
                        alter_column(c, op, d);
                    }
                }
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => {
                    self.add_constraint(&mut table, constraint, !not_valid, d);
                }
                AlterTableOperation::DropConstraint { name: cname, .. }
                | AlterTableOperation::DropForeignKey { name: cname, .. } => {
                    self.drop_constraint(&mut table, &names::ident(cname, d), d);
                }
                AlterTableOperation::DropPrimaryKey { .. } => {
                    table
                        .constraints
                        .retain(|c| !matches!(c.kind, ConstraintKind::PrimaryKey { .. }));
                }
                AlterTableOperation::DropIndex { name: iname } => {
                    self.drop_index_of(&mut table, &names::ident(iname, d));
                }
                AlterTableOperation::ValidateConstraint { name: cname } => {
                    let cname = names::ident(cname, d);
                    table
                        .constraints
                        .iter_mut()
                        .filter(|c| c.name == cname)
                        .for_each(|c| c.validated = true);
                }
                AlterTableOperation::RenameConstraint { old_name, new_name } => {
                    let (from, to) = (names::ident(old_name, d), names::ident(new_name, d));
                    table
                        .constraints
                        .iter_mut()
                        .filter(|c| c.name == from)
                        .for_each(|c| c.name = to.clone());
                }
                AlterTableOperation::RenameTable { table_name } => {
                    let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) = table_name;
                    let mut to = names::object(n, d);
                    // PostgreSQL keeps the schema of the renamed table.
                    if d == Dialect::Postgres
                        && !to.contains('.')
                        && let Some((schema, _)) = name.rsplit_once('.')
                    {
                        to = format!("{schema}.{to}");
                    }
                    self.tables.insert(name.clone(), Arc::new(table));
                    self.rename_table(&name, &to);
                    name = to;
                    continue;
                }
                _ => {}
            }
            self.tables.insert(name.clone(), Arc::new(table));
        }
        Applied::Changed
    }

    fn rename_column(&mut self, table: &mut Table, from: &str, to: &str, d: Dialect) {
        if from == to {
            return;
        }
        if let Some(c) = table.column_mut(from) {
            c.name = to.to_string();
        }
        let rename = |cols: &mut Vec<String>| {
            for c in cols.iter_mut() {
                if c == from {
                    *c = to.to_string();
                }
            }
        };
        for c in &mut table.constraints {
            match &mut c.kind {
                ConstraintKind::PrimaryKey { columns }
                | ConstraintKind::Unique { columns }
                | ConstraintKind::ForeignKey { columns, .. } => rename(columns),
                ConstraintKind::Check { expr } => {
                    *expr = names::expression_renamed(expr, from, to, d);
                }
            }
        }
        for i in self.indexes.values_mut() {
            if i.table == table.name && i.uses_column(from, d) {
                *i = i.with_column_renamed(from, to, d);
            }
        }
        let refers = |c: &Constraint| {
            matches!(&c.kind, ConstraintKind::ForeignKey { references, referred_columns, .. }
                if *references == table.name && referred_columns.iter().any(|r| r == from))
        };
        for shared in self.tables.values_mut() {
            // Only a table that refers to the column is copied to change.
            if !shared.constraints.iter().any(refers) {
                continue;
            }
            for c in &mut Arc::make_mut(shared).constraints {
                if let ConstraintKind::ForeignKey {
                    references,
                    referred_columns,
                    ..
                } = &mut c.kind
                    && *references == table.name
                {
                    rename(referred_columns);
                }
            }
        }
    }

    fn rename_table(&mut self, from: &str, to: &str) {
        let Some(mut t) = self.tables.remove(from).map(Arc::unwrap_or_clone) else {
            return;
        };
        t.name = to.to_string();
        self.tables.insert(to.to_string(), Arc::new(t));
        for i in self.indexes.values_mut() {
            if i.table == from {
                i.table = to.to_string();
            }
        }
        let refers = |c: &Constraint| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if references == from);
        for shared in self.tables.values_mut() {
            if !shared.constraints.iter().any(refers) {
                continue;
            }
            for c in &mut Arc::make_mut(shared).constraints {
                if let ConstraintKind::ForeignKey { references, .. } = &mut c.kind
                    && references == from
                {
                    *references = to.to_string();
                }
            }
        }
    }

    fn create_index(&mut self, ci: &CreateIndex, d: Dialect) -> Applied {
        let table = names::object(&ci.table_name, d);
        let columns = index_keys(&ci.columns, d);
        let name = match &ci.name {
            Some(n) => names::object(n, d),
            None => auto_index_name(&table, &ci.columns, d),
        };
        if self.indexes.contains_key(&name) && ci.if_not_exists {
            return Applied::NoChange;
        }
        self.indexes.insert(
            name.clone(),
            Index {
                name,
                table,
                unique: ci.unique,
                method: ci.using.as_ref().map(|u| u.to_string().to_lowercase()),
                columns,
                predicate: ci.predicate.as_ref().map(names::expr),
                key_options: key_options(&ci.columns),
            },
        );
        Applied::Changed
    }

    fn drop_constraint(&mut self, table: &mut Table, name: &str, d: Dialect) {
        table.constraints.retain(|c| c.name != name);
        if d == Dialect::Mysql {
            self.indexes.remove(name);
        }
    }

    /// `ALTER TABLE t DROP INDEX k`: the index, or (MySQL) the unique key
    /// of that name, which is an index there.
    fn drop_index_of(&mut self, table: &mut Table, name: &str) {
        self.indexes.remove(name);
        table
            .constraints
            .retain(|c| c.name != name || !matches!(c.kind, ConstraintKind::Unique { .. }));
    }

    fn drop_object(
        &mut self,
        kind: ObjectType,
        name: &str,
        table: Option<&sqlparser::ast::ObjectName>,
        cascade: bool,
        d: Dialect,
    ) -> bool {
        match kind {
            ObjectType::Table => {
                let removed = self.tables.remove(name).is_some();
                self.indexes.retain(|_, i| i.table != name);
                let prefix = format!("{name}.");
                self.triggers.retain(|key, _| !key.starts_with(&prefix));
                if cascade {
                    let refers = |c: &Constraint| {
                        matches!(&c.kind, ConstraintKind::ForeignKey { references, .. }
                            if references == name)
                    };
                    for shared in self.tables.values_mut() {
                        if shared.constraints.iter().any(refers) {
                            Arc::make_mut(shared).constraints.retain(|c| !refers(c));
                        }
                    }
                }
                removed
            }
            ObjectType::View | ObjectType::MaterializedView => self.views.remove(name).is_some(),
            ObjectType::Index => {
                let removed = self.indexes.remove(name).is_some();
                // MySQL: `DROP INDEX k ON t` also drops a unique key k.
                let Some(table) = table.map(|t| names::object(t, d)) else {
                    return removed;
                };
                let Some(shared) = self.tables.get_mut(&table) else {
                    return removed;
                };
                let unique_key = |c: &Constraint| {
                    c.name == name && matches!(c.kind, ConstraintKind::Unique { .. })
                };
                if !shared.constraints.iter().any(unique_key) {
                    return removed;
                }
                Arc::make_mut(shared).constraints.retain(|c| !unique_key(c));
                true
            }
            ObjectType::Sequence => self.sequences.remove(name),
            ObjectType::Type => self.enums.remove(name).is_some(),
            ObjectType::Schema => {
                let prefix = format!("{name}.");
                self.tables.retain(|k, _| !k.starts_with(&prefix));
                self.views.retain(|k, _| !k.starts_with(&prefix));
                self.indexes
                    .retain(|k, i| !k.starts_with(&prefix) && !i.table.starts_with(&prefix));
                self.schemas.remove(name)
            }
            _ => false,
        }
    }

    fn comment(
        &mut self,
        kind: CommentObject,
        name: &sqlparser::ast::ObjectName,
        comment: Option<String>,
        d: Dialect,
    ) -> Applied {
        let full = names::object(name, d);
        match kind {
            CommentObject::Table => match self.tables.get_mut(&full) {
                Some(t) => {
                    Arc::make_mut(t).comment = comment;
                    Applied::Changed
                }
                None => Applied::Skipped(format!("table {full} is not in the schema")),
            },
            CommentObject::Column => {
                let Some((table, column)) = full.rsplit_once('.') else {
                    return Applied::Skipped("column name without a table".into());
                };
                match self
                    .tables
                    .get_mut(table)
                    .and_then(|t| Arc::make_mut(t).column_mut(column))
                {
                    Some(c) => {
                        c.comment = comment;
                        Applied::Changed
                    }
                    None => Applied::Skipped(format!("column {full} is not in the schema")),
                }
            }
            _ => Applied::NoChange,
        }
    }

    fn add_constraint(
        &mut self,
        table: &mut Table,
        tc: &TableConstraint,
        validated: bool,
        d: Dialect,
    ) {
        let tname = names::last(&table.name).to_string();
        let cols = |v: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
            v.iter()
                .map(|c| {
                    column_of(&c.column.expr, d).unwrap_or_else(|| names::expr(&c.column.expr))
                })
                .collect()
        };
        let idents = |v: &[sqlparser::ast::Ident]| -> Vec<String> {
            v.iter().map(|i| names::ident(i, d)).collect()
        };
        let named = |n: &Option<sqlparser::ast::Ident>, fallback: String| {
            n.as_ref().map(|i| names::ident(i, d)).unwrap_or(fallback)
        };
        let constraint = match tc {
            TableConstraint::PrimaryKey(pk) => {
                let columns = cols(&pk.columns);
                for c in &columns {
                    if let Some(col) = table.column_mut(c) {
                        col.nullable = false;
                    }
                }
                Constraint {
                    name: named(&pk.name, names::default_object_name(&tname, "", "pkey", d)),
                    kind: ConstraintKind::PrimaryKey { columns },
                    validated: true,
                }
            }
            TableConstraint::Unique(u) => {
                let columns = cols(&u.columns);
                Constraint {
                    name: named(
                        &u.name.clone().or(u.index_name.clone()),
                        names::default_object_name(&tname, &columns.join("_"), "key", d),
                    ),
                    kind: ConstraintKind::Unique { columns },
                    validated: true,
                }
            }
            TableConstraint::ForeignKey(fk) => {
                let columns = idents(&fk.columns);
                Constraint {
                    name: named(
                        &fk.name,
                        names::default_object_name(&tname, &columns.join("_"), "fkey", d),
                    ),
                    kind: ConstraintKind::ForeignKey {
                        columns,
                        references: names::object(&fk.foreign_table, d),
                        referred_columns: idents(&fk.referred_columns),
                        on_delete: fk.on_delete.map(|a| a.to_string()),
                    },
                    validated,
                }
            }
            TableConstraint::Check(ck) => {
                let expr = names::expr(&ck.expr);
                Constraint {
                    name: ck
                        .name
                        .as_ref()
                        .map(|i| names::ident(i, d))
                        .unwrap_or_else(|| default_check_name(table, &tname, &expr, d)),
                    kind: ConstraintKind::Check { expr },
                    validated,
                }
            }
            TableConstraint::PrimaryKeyUsingIndex(u) | TableConstraint::UniqueUsingIndex(u) => {
                let index = names::ident(&u.index_name, d);
                let columns: Vec<String> = self
                    .indexes
                    .remove(&index)
                    .map(|i| i.columns.iter().map(|k| k.text().to_string()).collect())
                    .unwrap_or_default();
                let name = named(&u.name, index);
                let kind = if matches!(tc, TableConstraint::PrimaryKeyUsingIndex(_)) {
                    for c in &columns {
                        if let Some(col) = table.column_mut(c) {
                            col.nullable = false;
                        }
                    }
                    ConstraintKind::PrimaryKey { columns }
                } else {
                    ConstraintKind::Unique { columns }
                };
                Constraint {
                    name,
                    kind,
                    validated: true,
                }
            }
            TableConstraint::Index(ix) => {
                let columns = index_keys(&ix.columns, d);
                let name = named(&ix.name, format!("{tname}_{}_idx", key_names(&columns, d)));
                self.indexes.insert(
                    name.clone(),
                    Index {
                        name,
                        table: table.name.clone(),
                        unique: false,
                        method: ix.index_type.as_ref().map(|t| t.to_string().to_lowercase()),
                        columns,
                        predicate: None,
                        key_options: key_options(&ix.columns),
                    },
                );
                return;
            }
            TableConstraint::FulltextOrSpatial(_) | TableConstraint::Exclude(_) => return,
        };
        table.constraints.retain(|c| c.name != constraint.name);
        table.constraints.push(constraint);
    }
}

fn comment_text(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix("COMMENT")
        .map(|r| r.trim_start().trim_start_matches('=').trim())
        .unwrap_or(s);
    s.trim_matches('\'').to_string()
}

fn column_from_def(c: &ColumnDef, d: Dialect) -> (Column, Vec<TableConstraint>) {
    let mut col = Column {
        name: names::ident(&c.name, d),
        data_type: names::data_type(&c.data_type, d),
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        comment: None,
    };
    if matches!(
        col.data_type.as_str(),
        "serial" | "bigserial" | "smallserial"
    ) {
        col.identity = Some("serial".into());
        col.nullable = false;
        col.data_type = match col.data_type.as_str() {
            "bigserial" => "bigint",
            "smallserial" => "smallint",
            _ => "integer",
        }
        .into();
    }
    let mut constraints = Vec::new();
    let column_ident = || vec![sqlparser::ast::IndexColumn::from(c.name.clone())];
    for opt in &c.options {
        match &opt.option {
            ColumnOption::NotNull => col.nullable = false,
            ColumnOption::Null => col.nullable = true,
            // `DEFAULT NULL` is no default.
            ColumnOption::Default(sqlparser::ast::Expr::Value(v))
                if matches!(v.value, sqlparser::ast::Value::Null) =>
            {
                col.default = None
            }
            ColumnOption::Default(e) => col.default = Some(names::expr(e)),
            ColumnOption::Comment(s) => col.comment = Some(s.clone()),
            ColumnOption::Generated {
                generation_expr: Some(e),
                ..
            } => col.generated = Some(names::expr(e)),
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => {
                col.identity = Some("identity".into());
                col.nullable = false;
            }
            ColumnOption::DialectSpecific(tokens) => {
                let text: String = tokens.iter().map(|t| t.to_string()).collect();
                let upper = text.to_uppercase();
                if upper.contains("AUTO_INCREMENT") || upper.contains("AUTOINCREMENT") {
                    col.identity = Some("auto_increment".into());
                }
            }
            ColumnOption::PrimaryKey(pk) => {
                let mut pk = pk.clone();
                pk.columns = column_ident();
                pk.name = pk.name.or(opt.name.clone());
                constraints.push(TableConstraint::PrimaryKey(pk));
            }
            ColumnOption::Unique(u) => {
                let mut u = u.clone();
                u.columns = column_ident();
                u.name = u.name.or(opt.name.clone());
                constraints.push(TableConstraint::Unique(u));
            }
            ColumnOption::ForeignKey(fk) => {
                let mut fk = fk.clone();
                fk.columns = vec![c.name.clone()];
                fk.name = fk.name.or(opt.name.clone());
                constraints.push(TableConstraint::ForeignKey(fk));
            }
            ColumnOption::Check(ck) => {
                let mut ck = ck.clone();
                ck.name = ck.name.or(opt.name.clone());
                constraints.push(TableConstraint::Check(ck));
            }
            _ => {}
        }
    }
    (col, constraints)
}

fn add_column(table: &mut Table, c: &ColumnDef, d: Dialect) {
    let (col, constraints) = column_from_def(c, d);
    table.columns.push(col);
    let mut scratch = Catalog::default();
    for tc in &constraints {
        scratch.add_constraint(table, tc, true, d);
    }
}

fn replace_column(
    table: &mut Table,
    name: &str,
    data_type: &sqlparser::ast::DataType,
    options: &[ColumnOption],
    d: Dialect,
) {
    let def = ColumnDef {
        name: sqlparser::ast::Ident::new(name),
        data_type: data_type.clone(),
        options: options
            .iter()
            .map(|o| sqlparser::ast::ColumnOptionDef {
                name: None,
                option: o.clone(),
            })
            .collect(),
    };
    let (mut col, constraints) = column_from_def(&def, d);
    if let Some(existing) = table.column_mut(name) {
        col.comment = col.comment.or(existing.comment.take());
        *existing = col;
    } else {
        table.columns.push(col);
    }
    let mut scratch = Catalog::default();
    for tc in &constraints {
        scratch.add_constraint(table, tc, true, d);
    }
}
/// One `ALTER COLUMN` operation applied to the column's model.
fn alter_column(c: &mut Column, op: &AlterColumnOperation, d: Dialect) {
    match op {
        AlterColumnOperation::SetNotNull => c.nullable = false,
        AlterColumnOperation::DropNotNull => c.nullable = true,
        AlterColumnOperation::SetDefault { value } => c.default = Some(names::expr(value)),
        AlterColumnOperation::DropDefault => c.default = None,
        AlterColumnOperation::SetDataType { data_type, .. } => {
            c.data_type = names::data_type(data_type, d)
        }
        AlterColumnOperation::AddGenerated { .. } => c.identity = Some("identity".into()),
        AlterColumnOperation::GenericOptions { .. } => {}
    }
}

/// PostgreSQL's name for an unnamed CHECK: `<table>_<first column
/// named>_check`, numbered when taken.
fn default_check_name(table: &Table, tname: &str, expr: &str, d: Dialect) -> String {
    let first = words(expr)
        .find(|w| table.column(&w.to_lowercase()).is_some() || table.column(w).is_some())
        .map(|w| table.column(w).map_or(w.to_lowercase(), |c| c.name.clone()));
    let base = names::default_object_name(tname, first.as_deref().unwrap_or(""), "check", d);
    let mut name = base.clone();
    let mut n = 1;
    while table.constraint(&name).is_some() {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// The name `c` gets once added to table `t`, as the catalogue names it
/// (a constraint, or the index a MySQL KEY becomes).
pub fn constraint_name(c: &TableConstraint, t: &Table, d: Dialect) -> Option<String> {
    let mut scratch = Catalog::default();
    let mut table = t.clone();
    table.constraints.clear();
    scratch
        .tables
        .insert(t.name.clone(), std::sync::Arc::new(table));
    let stmt = Statement::AlterTable(sqlparser::ast::AlterTable {
        name: sqlparser::ast::ObjectName::from(
            t.name
                .split('.')
                .map(sqlparser::ast::Ident::new)
                .collect::<Vec<_>>(),
        ),
        if_exists: false,
        only: false,
        operations: vec![AlterTableOperation::AddConstraint {
            constraint: c.clone(),
            not_valid: false,
        }],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
    });
    scratch.apply(&stmt, d);
    let after = scratch.tables.get(&t.name)?;
    after
        .constraints
        .first()
        .map(|k| k.name.clone())
        .or_else(|| scratch.indexes.keys().next().cloned())
}
