//! What hangs on a column: the indexes whose keys, expressions or WHERE
//! use it (plain, expression, partial and operator-class indexes alike),
//! and the views that read it.
//! Rename, type-change and drop plans recreate them on the new column, or
//! drop them first where the database refuses to drop an indexed column
//! (SQLite), and their downs restore them.

use crate::catalog::{Catalog, Constraint, ConstraintKind, Index, Table, View};
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

/// Views over `table` whose definition names `column` (as a word) or
/// selects `*`: a view that only might use it is counted. In name order.
pub(super) fn views_using<'a>(catalog: &'a Catalog, table: &str, column: &str) -> Vec<&'a View> {
    catalog
        .views_using(table)
        .into_iter()
        .filter(|view| {
            view.definition.contains('*')
                || view
                    .definition
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word.eq_ignore_ascii_case(column))
        })
        .collect()
}

/// `view` reading column `to` where it read `from`; a column of the view
/// that was `from` keeps its name (`to AS from`), as PostgreSQL keeps a
/// view's columns when the table's column is renamed. `None` when the
/// definition cannot be read.
pub(super) fn view_moved(view: &View, from: &str, to: &str, d: Dialect) -> Option<View> {
    use sqlparser::ast::{Expr, Ident, SelectItem, SetExpr, visit_expressions_mut};
    let dialect = d.parser_dialect();
    let mut query = sqlparser::parser::Parser::new(&*dialect)
        .try_with_sql(&view.definition)
        .ok()?
        .parse_query()
        .ok()?;
    let names_from = |e: &Expr| match e {
        Expr::Identifier(i) => names::ident(i, d) == from,
        Expr::CompoundIdentifier(parts) => {
            parts.len() == 2 && parts.last().is_some_and(|i| names::ident(i, d) == from)
        }
        _ => false,
    };
    if let SetExpr::Select(select) = query.body.as_mut() {
        for item in &mut select.projection {
            if let SelectItem::UnnamedExpr(expr) = item
                && names_from(expr)
            {
                *item = SelectItem::ExprWithAlias {
                    expr: expr.clone(),
                    alias: Ident::new(from),
                };
            }
        }
    }
    let replacement = crate::ddl::ident(to, d);
    let _ = visit_expressions_mut(&mut query, |e| {
        if names_from(e) {
            *e = Expr::Identifier(Ident::new(&replacement));
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    Some(View {
        definition: query.to_string(),
        ..view.clone()
    })
}

/// Statements that drop `views` before a change and create them again
/// after it (as `after` defines them): (before, after).
pub(super) fn views_around(views: &[&View], after: &[View], d: Dialect) -> (String, String) {
    let drops = views
        .iter()
        .map(|view| {
            let kind = if view.materialized {
                "MATERIALIZED VIEW"
            } else {
                "VIEW"
            };
            format!("DROP {kind} {};\n", crate::ddl::name(&view.name, d))
        })
        .collect();
    let creates = after
        .iter()
        .map(|view| format!(";\n{}", view.create_sql(d)))
        .collect();
    (drops, creates)
}
