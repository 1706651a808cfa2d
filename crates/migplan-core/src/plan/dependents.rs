//! What hangs on a column: the indexes whose keys, expressions or WHERE
//! use it (plain, expression, partial and operator-class indexes alike).
//! Rename, type-change and drop plans recreate them on the new column, or
//! drop them first where the database refuses to drop an indexed column
//! (SQLite), and their downs restore them.

use crate::catalog::{Catalog, Constraint, ConstraintKind, Index, Table};
use crate::{Dialect, names};

pub(super) use crate::names::with_column_as;

/// Indexes on `table` that use `column` anywhere, in name order.
pub(super) fn indexes_using<'a>(
    catalog: &'a Catalog,
    table: &'a str,
    column: &'a str,
    d: Dialect,
) -> Vec<&'a Index> {
    catalog
        .indexes_on(table)
        .filter(|index| index.uses_column(column, d))
        .collect()
}

/// `index` with every use of column `from` (keys, expressions, WHERE) now
/// naming column `to`; the name is kept.
pub(super) fn moved(index: &Index, from: &str, to: &str, d: Dialect) -> Index {
    index.with_column_renamed(from, to, d)
}

/// The table's constraints that use `column` (its key columns, or a name
/// in a CHECK), in declaration order.
pub(super) fn constraints_using<'a>(table: &'a Table, column: &str) -> Vec<&'a Constraint> {
    table
        .constraints
        .iter()
        .filter(|k| k.kind.involves(column))
        .collect()
}

/// `constraint` with column `from` renamed `to` (the name is kept).
pub(super) fn constraint_moved(
    constraint: &Constraint,
    from: &str,
    to: &str,
    d: Dialect,
) -> Constraint {
    let rename = |columns: &[String]| -> Vec<String> {
        columns
            .iter()
            .map(|c| if c == from { to.to_string() } else { c.clone() })
            .collect()
    };
    let kind = match &constraint.kind {
        ConstraintKind::PrimaryKey { columns } => ConstraintKind::PrimaryKey {
            columns: rename(columns),
        },
        ConstraintKind::Unique { columns } => ConstraintKind::Unique {
            columns: rename(columns),
        },
        ConstraintKind::Check { expr } => ConstraintKind::Check {
            expr: names::expression_renamed(expr, from, to, d),
        },
        ConstraintKind::ForeignKey {
            columns,
            references,
            referred_columns,
            on_delete,
        } => ConstraintKind::ForeignKey {
            columns: rename(columns),
            references: references.clone(),
            referred_columns: referred_columns.clone(),
            on_delete: on_delete.clone(),
        },
    };
    Constraint {
        kind,
        ..constraint.clone()
    }
}
