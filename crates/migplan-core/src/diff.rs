//! Catalogue diff: what differs between two schema models.
//!
//! Order-insensitive (columns, constraints and indexes are matched by name),
//! on normalised names and types. An empty diff means the two catalogues
//! describe the same schema, which is how a rollback is proven to restore it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::Arc;

use serde::Serialize;

use crate::catalog::{Catalog, Column, Constraint, Index, Table, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// `schema`, `table`, `column`, `constraint`, `index`, `view`,
    /// `sequence` or `enum`.
    pub object: &'static str,
    /// `table`, `table.column`, `table.constraint` or the object's name.
    pub name: String,
    /// For changes: what differs, e.g. `type integer → bigint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The tables `changes` touch: a table's own change, its columns' and
/// constraints' (named `table.name`, the table perhaps schema-qualified),
/// and its indexes' (the index looked up in either catalogue).
pub fn touched_tables(changes: &[Change], before: &Catalog, after: &Catalog) -> BTreeSet<String> {
    changes
        .iter()
        .filter_map(|c| match c.object {
            "table" => Some(c.name.clone()),
            "column" | "constraint" => c.name.rsplit_once('.').map(|(table, _)| table.to_string()),
            "index" => after
                .indexes
                .get(&c.name)
                .or_else(|| before.indexes.get(&c.name))
                .map(|i| i.table.clone()),
            _ => None,
        })
        .collect()
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        };
        write!(f, "{sign} {} {}", self.object, self.name)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// What `changes` did to each object, looked up by object kind and name
/// (as in [`Change`]): for drawing and listing a schema with its changes.
#[derive(Debug, Clone, Default)]
pub struct Marks<'a>(BTreeMap<(&'a str, &'a str), ChangeKind>);

impl<'a> Marks<'a> {
    pub fn new(changes: &'a [Change]) -> Self {
        Marks(
            changes
                .iter()
                .map(|c| ((c.object, c.name.as_str()), c.kind))
                .collect(),
        )
    }

    /// The change to `object` (`table`, `column`, ...) `name`, if any.
    pub fn get(&self, object: &str, name: &str) -> Option<ChangeKind> {
        self.0.get(&(object, name)).copied()
    }
}

/// Everything that differs from `before` to `after`, sorted.
pub fn diff(before: &Catalog, after: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    sets(&mut out, "schema", &before.schemas, &after.schemas);
    sets(&mut out, "sequence", &before.sequences, &after.sequences);
    maps(
        &mut out,
        "table",
        &before.tables,
        &after.tables,
        table_changes,
    );
    maps(&mut out, "view", &before.views, &after.views, view_changes);
    maps(
        &mut out,
        "index",
        &before.indexes,
        &after.indexes,
        index_changes,
    );
    maps(
        &mut out,
        "enum",
        &before.enums,
        &after.enums,
        |o, name, a, b| {
            if a != b {
                o.push(changed(
                    "enum",
                    name,
                    format!("values ({}) → ({})", a.join(", "), b.join(", ")),
                ));
            }
        },
    );
    out.sort();
    out
}

fn changed(object: &'static str, name: &str, detail: String) -> Change {
    Change {
        kind: ChangeKind::Changed,
        object,
        name: name.to_string(),
        detail: Some(detail),
    }
}

fn plain(kind: ChangeKind, object: &'static str, name: &str) -> Change {
    Change {
        kind,
        object,
        name: name.to_string(),
        detail: None,
    }
}

fn sets(out: &mut Vec<Change>, object: &'static str, a: &BTreeSet<String>, b: &BTreeSet<String>) {
    for n in a.difference(b) {
        out.push(plain(ChangeKind::Removed, object, n));
    }
    for n in b.difference(a) {
        out.push(plain(ChangeKind::Added, object, n));
    }
}

fn maps<V>(
    out: &mut Vec<Change>,
    object: &'static str,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    compare: impl Fn(&mut Vec<Change>, &str, &V, &V),
) {
    for (name, av) in a {
        match b.get(name) {
            None => out.push(plain(ChangeKind::Removed, object, name)),
            Some(bv) => compare(out, name, av, bv),
        }
    }
    for name in b.keys().filter(|n| !a.contains_key(*n)) {
        out.push(plain(ChangeKind::Added, object, name));
    }
}

fn field<T: PartialEq + Debug>(
    diffs: &mut Vec<String>,
    what: &str,
    a: &T,
    b: &T,
    show: impl Fn(&T) -> String,
) {
    if a != b {
        diffs.push(format!("{what} {} → {}", show(a), show(b)));
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "none".into())
}

fn table_changes(out: &mut Vec<Change>, name: &str, a: &Arc<Table>, b: &Arc<Table>) {
    // Tables shared between the two catalogues are the same table.
    if Arc::ptr_eq(a, b) {
        return;
    }
    let mut diffs = Vec::new();
    field(&mut diffs, "comment", &a.comment, &b.comment, opt);
    if !diffs.is_empty() {
        out.push(changed("table", name, diffs.join(", ")));
    }
    let cols = |t: &Table| -> BTreeMap<String, Column> {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), c.clone()))
            .collect()
    };
    maps(
        out,
        "column",
        &prefixed(name, cols(a)),
        &prefixed(name, cols(b)),
        |o, n, x, y| {
            let mut d = Vec::new();
            field(&mut d, "type", &x.data_type, &y.data_type, String::clone);
            field(&mut d, "nullable", &x.nullable, &y.nullable, |v| {
                if *v { "null".into() } else { "not null".into() }
            });
            field(&mut d, "default", &x.default, &y.default, opt);
            field(&mut d, "identity", &x.identity, &y.identity, opt);
            field(&mut d, "generated", &x.generated, &y.generated, opt);
            field(&mut d, "comment", &x.comment, &y.comment, opt);
            if !d.is_empty() {
                o.push(changed("column", n, d.join(", ")));
            }
        },
    );
    let cons = |t: &Table| -> BTreeMap<String, Constraint> {
        t.constraints
            .iter()
            .map(|c| (c.name.clone(), c.clone()))
            .collect()
    };
    maps(
        out,
        "constraint",
        &prefixed(name, cons(a)),
        &prefixed(name, cons(b)),
        |o, n, x, y| {
            let mut d = Vec::new();
            field(&mut d, "definition", &x.kind, &y.kind, |k| format!("{k:?}"));
            field(&mut d, "validated", &x.validated, &y.validated, |v| {
                v.to_string()
            });
            if !d.is_empty() {
                o.push(changed("constraint", n, d.join(", ")));
            }
        },
    );
}

fn prefixed<V>(table: &str, m: BTreeMap<String, V>) -> BTreeMap<String, V> {
    m.into_iter()
        .map(|(k, v)| (format!("{table}.{k}"), v))
        .collect()
}

fn view_changes(out: &mut Vec<Change>, name: &str, a: &View, b: &View) {
    let mut d = Vec::new();
    field(
        &mut d,
        "materialized",
        &a.materialized,
        &b.materialized,
        |v| v.to_string(),
    );
    if a.definition != b.definition {
        d.push("definition changed".into());
    }
    if !d.is_empty() {
        out.push(changed("view", name, d.join(", ")));
    }
}

fn index_changes(out: &mut Vec<Change>, name: &str, a: &Index, b: &Index) {
    let mut d = Vec::new();
    field(&mut d, "table", &a.table, &b.table, String::clone);
    field(&mut d, "unique", &a.unique, &b.unique, |v| v.to_string());
    field(&mut d, "method", &a.method, &b.method, opt);
    field(&mut d, "columns", &a.columns, &b.columns, |keys| {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        format!("({})", keys.join(", "))
    });
    field(&mut d, "predicate", &a.predicate, &b.predicate, opt);
    if !d.is_empty() {
        out.push(changed("index", name, d.join(", ")));
    }
}
