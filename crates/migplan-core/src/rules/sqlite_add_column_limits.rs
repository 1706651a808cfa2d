use super::*;
use sqlparser::ast::{ColumnOption, Expr, GeneratedExpressionMode};

pub static RULE: Rule = Rule {
    id: "sqlite-add-column-limits",
    severity: Severity::Careful,
    severity_why: "SQLite refuses the statement, so the migration fails here; SQLite's DDL is transactional, so a migration run in a transaction leaves nothing half-done.",
    dialects: SQLITE,
    pg_versions: (10, 18),
    summary: "ALTER TABLE ADD COLUMN with something SQLite cannot add in place.",
    why: "SQLite's ADD COLUMN cannot add a PRIMARY KEY or UNIQUE column, a non-constant default \
          (CURRENT_TIMESTAMP, an expression in parentheses), NOT NULL without a non-NULL default, \
          or a STORED generated column: the statement fails.",
    example: "ALTER TABLE users ADD COLUMN created_at TEXT DEFAULT CURRENT_TIMESTAMP;",
    instead: "Add the column with a constant default (or nullable) and fill it afterwards, or \
              rebuild the table (create new, copy, drop, rename).",
    instead_example: "ALTER TABLE users ADD COLUMN created_at TEXT;",
    rollback: "ALTER TABLE users DROP COLUMN created_at; (SQLite 3.35+)",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(Statement::AlterTable(at)) = cx.ast() else {
        return;
    };
    let table = cx.name(&at.name);
    for op in &at.operations {
        let AlterTableOperation::AddColumn { column_def, .. } = op else {
            continue;
        };
        let col = cx.ident(&column_def.name);
        let mut problems = Vec::new();
        let mut not_null = false;
        let mut default = None;
        for o in &column_def.options {
            match &o.option {
                ColumnOption::PrimaryKey(_) => problems.push("a PRIMARY KEY"),
                ColumnOption::Unique(_) => problems.push("a UNIQUE constraint"),
                ColumnOption::NotNull => not_null = true,
                ColumnOption::Default(e) => default = Some(e),
                ColumnOption::Generated {
                    generation_expr_mode: Some(GeneratedExpressionMode::Stored),
                    ..
                } => problems.push("a STORED generated column"),
                _ => {}
            }
        }
        if let Some(e) = default {
            let constant = matches!(e, Expr::Value(_))
                || matches!(e, Expr::UnaryOp { expr, .. } if matches!(**expr, Expr::Value(_)));
            if !constant {
                problems.push("a non-constant default");
            } else if not_null && e.to_string().eq_ignore_ascii_case("null") {
                problems.push("NOT NULL with a NULL default");
            }
        } else if not_null {
            problems.push("NOT NULL without a default");
        }
        if !problems.is_empty() {
            out.push(Hit::new(format!(
                "SQLite cannot ADD COLUMN {table}.{col} with {}: the statement fails",
                problems.join(", ")
            )));
        }
    }
}
