//! What hangs on a column: the indexes whose keys, expressions or WHERE
//! use it (plain, expression, partial and operator-class indexes alike),
//! the views that read it and the triggers that fire on it.
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

/// PostgreSQL triggers on `table` whose `UPDATE OF` list or `WHEN` names
/// `column` (PostgreSQL will not drop a column they depend on), parsed
/// from their CREATE statements, in name order.
pub(super) fn triggers_using(
    catalog: &Catalog,
    table: &str,
    column: &str,
    d: Dialect,
) -> Vec<sqlparser::ast::CreateTrigger> {
    use sqlparser::ast::{Statement, TriggerEvent};
    let prefix = format!("{table}.");
    catalog
        .triggers
        .iter()
        .filter(|(key, _)| key.starts_with(&prefix))
        .filter_map(|(_, sql)| {
            let dialect = d.parser_dialect();
            let statement = sqlparser::parser::Parser::new(&*dialect)
                .try_with_sql(sql)
                .ok()?
                .parse_statement()
                .ok()?;
            let Statement::CreateTrigger(trigger) = statement else {
                return None;
            };
            let fires_on = trigger.events.iter().any(|event| {
                matches!(event, TriggerEvent::Update(columns)
                    if columns.iter().any(|c| names::ident(c, d) == column))
            });
            let tests = trigger
                .condition
                .as_ref()
                .is_some_and(|condition| names::expression_uses(&condition.to_string(), column, d));
            (fires_on || tests).then_some(trigger)
        })
        .collect()
}

/// `trigger` firing on and testing column `to` where it named `from`
/// (`NEW.from` becomes `NEW.to`).
pub(super) fn trigger_moved(
    trigger: &sqlparser::ast::CreateTrigger,
    from: &str,
    to: &str,
    d: Dialect,
) -> sqlparser::ast::CreateTrigger {
    use sqlparser::ast::{Expr, Ident, TriggerEvent, visit_expressions_mut};
    let renamed = |i: &Ident| {
        if names::ident(i, d) == from {
            Ident::new(crate::ddl::ident(to, d))
        } else {
            i.clone()
        }
    };
    let mut moved = trigger.clone();
    for event in &mut moved.events {
        if let TriggerEvent::Update(columns) = event {
            *columns = columns.iter().map(renamed).collect();
        }
    }
    if let Some(condition) = &mut moved.condition {
        let _ = visit_expressions_mut(condition, |e| {
            match e {
                Expr::Identifier(i) => *i = renamed(i),
                Expr::CompoundIdentifier(parts) => {
                    if let Some(last) = parts.last_mut() {
                        *last = renamed(last);
                    }
                }
                _ => {}
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    moved
}

/// Statements that drop `triggers` before a change and create them again
/// after it (as `after` defines them): (before, after).
pub(super) fn triggers_around(
    triggers: &[sqlparser::ast::CreateTrigger],
    after: &[sqlparser::ast::CreateTrigger],
    d: Dialect,
) -> (String, String) {
    let drops = triggers
        .iter()
        .map(|trigger| {
            format!(
                "DROP TRIGGER {} ON {};\n",
                crate::ddl::name(&names::object(&trigger.name, d), d),
                crate::ddl::name(&names::object(&trigger.table_name, d), d)
            )
        })
        .collect();
    let creates = after
        .iter()
        .map(|trigger| {
            format!(
                ";\n{}",
                sqlparser::ast::Statement::CreateTrigger(trigger.clone())
            )
        })
        .collect();
    (drops, creates)
}
