//! What hangs on a column: the indexes whose keys, expressions or WHERE
//! use it (plain, expression, partial and operator-class indexes alike).
//! Rename, type-change and drop plans recreate them on the new column, or
//! drop them first where the database refuses to drop an indexed column
//! (SQLite), and their downs restore them.

use crate::Dialect;
use crate::catalog::{Catalog, Index};

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
