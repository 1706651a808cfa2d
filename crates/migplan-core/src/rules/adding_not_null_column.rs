use super::*;
use sqlparser::ast::ColumnOption;

pub static RULE: Rule = Rule {
    id: "adding-not-null-column",
    severity: Severity::Careful,
    severity_why: "it fails as soon as the table has a row (no value to fill in), and code that inserts without the column breaks: it needs the data and the code coordinated.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "Adding a NOT NULL column without a default to an existing table.",
    why: "Existing rows have no value for the column, so the statement fails as soon as the table \
          holds a row; and application code that does not write the column yet fails on insert.",
    example: "ALTER TABLE users ADD COLUMN plan text NOT NULL;",
    instead: "Add the column nullable (with a constant default on PostgreSQL 11+), backfill it, \
              then add CHECK (plan IS NOT NULL) NOT VALID, VALIDATE it, SET NOT NULL and drop the \
              CHECK.",
    instead_example: "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';",
    rollback: "ALTER TABLE users DROP COLUMN plan;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, column_def) in cx.added_columns() {
        let has = |f: fn(&ColumnOption) -> bool| column_def.options.iter().any(|o| f(&o.option));
        let not_null = has(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
        let filled = has(|o| {
            matches!(
                o,
                ColumnOption::Default(_)
                    | ColumnOption::Generated { .. }
                    | ColumnOption::Identity(_)
            )
        });
        let serial = names::data_type(&column_def.data_type, cx.dialect).ends_with("serial");
        if not_null && !filled && !serial {
            out.push(Hit::new(format!(
                "{table}.{} is NOT NULL without a default: the statement fails if {table} has any row",
                cx.ident(&column_def.name)
            )));
        }
    }
}
