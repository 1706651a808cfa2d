//! Dependency order. The planner groups steps by phase (expand, migrate,
//! contract), which moves some statements before others; a step must never
//! move before a statement it depends on:
//! - rows changed on a table before an index or constraint on that table
//!   (the DELETE that removes duplicates before the UNIQUE index);
//! - an object before the statements that use it, a renamed object before
//!   the statements that use its new name;
//! - a name dropped before a statement that creates it again;
//! - the statements that use a name before the one that removes or
//!   renames it;
//! - two data changes of one table in the author's order;
//! - nothing moves across a statement migplan could not read.
//!
//! Each statement's footprint is read from its AST and from what it changed
//! in the schema model, never from its text or from messages.

use std::collections::BTreeSet;
use std::sync::Arc;

use sqlparser::ast::{FromTable, Statement, TableFactor};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{Phase, Step};
use crate::catalog::{Catalog, Table};
use crate::{Dialect, names};

/// What one statement of the migration reads, changes and names.
#[derive(Debug, Default)]
pub(super) struct Footprint {
    line: usize,
    /// False for a statement migplan could not read.
    known: bool,
    /// Tables whose rows it changes.
    rows: BTreeSet<String>,
    /// Tables it adds an index, a constraint, NOT NULL or a new type to.
    restricts: BTreeSet<String>,
    /// Names it makes exist (`table`, or `table.column` for a column).
    creates: BTreeSet<String>,
    /// Names it removes.
    removes: BTreeSet<String>,
    /// Columns it gives a new type (the plan swaps in a new column).
    replaces: BTreeSet<String>,
    /// The identifiers it mentions, as the dialect compares them.
    words: BTreeSet<String>,
}

/// What the model holds under one name, to compare before and after.
#[derive(PartialEq)]
struct Held {
    table: Option<Arc<Table>>,
    other: bool,
}

/// The names of the statement, read before it is applied to the model.
pub(super) struct Before {
    names: Vec<(String, Held)>,
    /// The indexes on the tables it names (a dropped table takes its
    /// indexes, and their names, with it).
    indexes: Vec<String>,
}

impl Footprint {
    /// The footprint of a statement migplan could not read.
    pub(super) fn unknown(line: usize) -> Footprint {
        Footprint {
            line,
            ..Footprint::default()
        }
    }

    /// What the model holds under the names `sql` mentions, before the
    /// statement runs.
    pub(super) fn before(sql: &str, catalog: &Catalog, d: Dialect) -> (Before, BTreeSet<String>) {
        let words = identifiers(sql, d);
        let names = words
            .iter()
            .map(|name| (name.clone(), held(catalog, name)))
            .collect();
        let indexes = words
            .iter()
            .filter(|name| catalog.tables.contains_key(*name))
            .flat_map(|table| catalog.indexes_on(table).map(|i| i.name.clone()))
            .collect();
        (Before { names, indexes }, words)
    }

    /// The footprint of `stmt`, from what the model held under its names
    /// before it ran and holds after.
    pub(super) fn of(
        stmt: &Statement,
        line: usize,
        (before, words): (Before, BTreeSet<String>),
        after: &Catalog,
        d: Dialect,
    ) -> Footprint {
        let mut footprint = Footprint {
            line,
            known: true,
            words,
            ..Footprint::default()
        };
        for index in before.indexes {
            if !after.indexes.contains_key(&index) {
                footprint.removes.insert(index);
            }
        }
        for (name, was) in before.names {
            let now = held(after, &name);
            if was == now {
                continue;
            }
            footprint.compare(&name, &was, &now);
        }
        footprint.rows = changed_rows(stmt, d);
        // Objects the model does not keep (composite types, functions it
        // only names): what the statement drops and creates, by name.
        let (dropped, made) = named_objects(stmt, d);
        footprint.removes.extend(dropped);
        footprint.creates.extend(made);
        if let Statement::CreateIndex(ci) = stmt {
            footprint.restricts.insert(names::object(&ci.table_name, d));
        }
        footprint
    }

    fn compare(&mut self, name: &str, was: &Held, now: &Held) {
        match (&was.table, &now.table) {
            (None, Some(_)) => {
                self.creates.insert(name.to_string());
            }
            (Some(_), None) => {
                self.removes.insert(name.to_string());
            }
            (Some(old), Some(new)) => self.compare_table(name, old, new),
            (None, None) => {
                if now.other {
                    self.creates.insert(name.to_string());
                } else {
                    self.removes.insert(name.to_string());
                }
            }
        }
    }

    fn compare_table(&mut self, name: &str, old: &Table, new: &Table) {
        for column in &new.columns {
            match old.column(&column.name) {
                None => {
                    self.creates.insert(format!("{name}.{}", column.name));
                }
                Some(was) if was.data_type != column.data_type => {
                    // A new type is a new column in the plan (a shadow
                    // column swapped in): what uses it waits for the swap.
                    self.restricts.insert(name.to_string());
                    self.replaces.insert(format!("{name}.{}", column.name));
                }
                Some(was) if was.nullable && !column.nullable => {
                    self.restricts.insert(name.to_string());
                }
                Some(_) => {}
            }
        }
        for column in &old.columns {
            if new.column(&column.name).is_none() {
                self.removes.insert(format!("{name}.{}", column.name));
            }
        }
        // Constraint names share PostgreSQL's namespace of relations (a
        // primary key's index): dropping one and adding one of the same
        // name must keep their order.
        for constraint in &new.constraints {
            if !old.constraints.iter().any(|o| o.name == constraint.name) {
                self.restricts.insert(name.to_string());
                self.creates.insert(constraint.name.clone());
            }
        }
        for constraint in &old.constraints {
            if !new.constraints.iter().any(|o| o.name == constraint.name) {
                self.removes.insert(constraint.name.clone());
            }
        }
    }

    /// Why `self` must stay after `earlier`, if it must.
    fn depends_on(&self, earlier: &Footprint) -> Option<String> {
        if !earlier.known {
            return Some("migplan could not read it, so nothing moves across it".into());
        }
        if !self.known {
            return Some("migplan could not read this statement".into());
        }
        if let Some(table) = earlier.rows.intersection(&self.restricts).next() {
            return Some(format!(
                "it changes rows of {table} that this index or constraint needs"
            ));
        }
        if let Some(table) = earlier.rows.intersection(&self.rows).next() {
            return Some(format!("both change rows of {table}"));
        }
        if let Some(name) = earlier.creates.iter().find(|name| self.mentions(name)) {
            return Some(format!("it creates {name}, which this statement uses"));
        }
        if let Some(name) = earlier.replaces.iter().find(|name| self.mentions(name)) {
            return Some(format!(
                "it gives {name} a new type, through a new column this statement must see"
            ));
        }
        if let Some(name) = self.removes.iter().find(|name| earlier.mentions(name)) {
            return Some(format!(
                "it uses {name}, which this statement removes or renames"
            ));
        }
        if let Some(name) = self.creates.intersection(&earlier.removes).next() {
            return Some(format!(
                "it removes {name}, which this statement creates again"
            ));
        }
        None
    }

    /// Whether the statement names `name` (`table` or `table.column`).
    fn mentions(&self, name: &str) -> bool {
        match name.rsplit_once('.') {
            Some((table, column)) if !self.words.contains(name) => {
                self.words.contains(names::last(table)) && self.words.contains(column)
            }
            _ => self.words.contains(names::last(name)) || self.words.contains(name),
        }
    }
}

fn held(catalog: &Catalog, name: &str) -> Held {
    Held {
        table: catalog.tables.get(name).cloned(),
        other: catalog.views.contains_key(name)
            || catalog.indexes.contains_key(name)
            || catalog.sequences.contains(name)
            || catalog.enums.contains_key(name)
            || catalog.functions.contains(name),
    }
}

/// The identifiers of `sql` as the dialect compares them, with each
/// `a.b` also as one qualified name.
fn identifiers(sql: &str, d: Dialect) -> BTreeSet<String> {
    let dialect = d.parser_dialect();
    let tokens = Tokenizer::new(&*dialect, sql)
        .tokenize()
        .unwrap_or_default();
    let words: Vec<Option<String>> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .map(|t| match t {
            Token::Word(word) => Some(names::ident(
                &sqlparser::ast::Ident {
                    value: word.value.clone(),
                    quote_style: word.quote_style,
                    span: sqlparser::tokenizer::Span::empty(),
                },
                d,
            )),
            Token::Period => None,
            _ => Some(String::new()),
        })
        .collect();
    let mut out: BTreeSet<String> = words.iter().flatten().cloned().collect();
    for window in words.windows(3) {
        if let [Some(schema), None, Some(name)] = window
            && !schema.is_empty()
            && !name.is_empty()
        {
            out.insert(format!("{schema}.{name}"));
        }
    }
    out.remove("");
    out
}

/// The objects a DROP or CREATE statement names: (dropped, created).
fn named_objects(stmt: &Statement, d: Dialect) -> (Vec<String>, Vec<String>) {
    let name = |n: &sqlparser::ast::ObjectName| names::object(n, d);
    match stmt {
        Statement::Drop { names: list, .. } => (list.iter().map(name).collect(), Vec::new()),
        Statement::DropFunction(drop) => (
            drop.func_desc.iter().map(|f| name(&f.name)).collect(),
            Vec::new(),
        ),
        Statement::DropTrigger(drop) => (
            drop.table_name
                .iter()
                .map(|table| format!("{}.{}", name(table), name(&drop.trigger_name)))
                .collect(),
            Vec::new(),
        ),
        Statement::CreateTrigger(trigger) => (
            Vec::new(),
            vec![format!(
                "{}.{}",
                name(&trigger.table_name),
                name(&trigger.name)
            )],
        ),
        Statement::CreateType { name: n, .. } => (Vec::new(), vec![name(n)]),
        Statement::CreateFunction(f) => (Vec::new(), vec![name(&f.name)]),
        Statement::CreateView(v) => (Vec::new(), vec![name(&v.name)]),
        Statement::CreateSequence { name: n, .. } => (Vec::new(), vec![name(n)]),
        // A constraint dropped by name, there or not (IF EXISTS): one the
        // migration adds later under that name must not come first.
        Statement::AlterTable(at) => (
            at.operations
                .iter()
                .filter_map(|op| match op {
                    sqlparser::ast::AlterTableOperation::DropConstraint { name: n, .. } => {
                        Some(names::ident(n, d))
                    }
                    _ => None,
                })
                .collect(),
            Vec::new(),
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

/// The tables whose rows a data change writes.
fn changed_rows(stmt: &Statement, d: Dialect) -> BTreeSet<String> {
    let relation = |tf: &TableFactor| match tf {
        TableFactor::Table { name, .. } => Some(names::object(name, d)),
        _ => None,
    };
    match stmt {
        Statement::Update(update) => relation(&update.table.relation).into_iter().collect(),
        Statement::Delete(delete) => {
            let (FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables)) =
                &delete.from;
            tables
                .iter()
                .filter_map(|t| relation(&t.relation))
                .collect()
        }
        Statement::Insert(insert) => match &insert.table {
            sqlparser::ast::TableObject::TableName(name) => {
                BTreeSet::from([names::object(name, d)])
            }
            _ => BTreeSet::new(),
        },
        Statement::Merge(merge) => relation(&merge.table).into_iter().collect(),
        _ => BTreeSet::new(),
    }
}

/// The steps of one statement, with its footprint.
pub(super) struct Planned {
    pub footprint: Footprint,
    pub steps: Vec<Step>,
}

/// The steps in phase order, except that no statement's steps move before
/// a statement they depend on: such a statement's steps are held back to
/// that statement's latest phase, and a note says why.
pub(super) fn order(planned: Vec<Planned>, notes: &mut Vec<String>) -> Vec<Step> {
    let mut floors: Vec<Phase> = Vec::with_capacity(planned.len());
    let mut latest: Vec<Phase> = Vec::with_capacity(planned.len());
    for (index, statement) in planned.iter().enumerate() {
        let earliest = statement.steps.iter().map(|s| s.phase).min();
        let mut floor = Phase::Expand;
        let mut held_by = None;
        for (earlier_index, earlier) in planned[..index].iter().enumerate() {
            let reached = latest[earlier_index];
            if reached < floor {
                continue;
            }
            if let Some(why) = statement.footprint.depends_on(&earlier.footprint) {
                floor = reached;
                held_by = Some((earlier.footprint.line, why));
            }
        }
        if let (Some(earliest), Some((line, why))) = (earliest, held_by)
            && earliest < floor
        {
            notes.push(format!(
                "line {}: kept after line {line} ({why}), so its steps run in the {} phase",
                statement.footprint.line,
                floor.as_str()
            ));
        }
        let own_latest = statement.steps.iter().map(|s| s.phase).max();
        floors.push(floor);
        latest.push(own_latest.map_or(floor, |p| p.max(floor)));
    }
    let mut steps: Vec<Step> = planned
        .into_iter()
        .zip(floors)
        .flat_map(|(statement, floor)| {
            statement.steps.into_iter().map(move |mut step| {
                step.phase = step.phase.max(floor);
                step
            })
        })
        .collect();
    steps.sort_by_key(|s| s.phase);
    steps
}
