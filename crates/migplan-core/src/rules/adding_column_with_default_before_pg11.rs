use super::*;

pub static RULE: Rule = Rule {
    id: "adding-column-with-default-before-pg11",
    severity: Severity::Careful,
    severity_why: "before PostgreSQL 11 the table is rewritten under ACCESS EXCLUSIVE, so reads and writes wait for as long as the rewrite takes, which grows with the table.",
    dialects: POSTGRES,
    pg_versions: (10, 10),
    summary: "Adding a column with any DEFAULT on PostgreSQL 10.",
    why: "Before PostgreSQL 11 a column added with a default, even a constant one, is written into \
          every row: the table is rewritten under an ACCESS EXCLUSIVE lock.",
    example: "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;",
    instead: "Add the column without a default, SET DEFAULT in a separate statement, then \
              backfill existing rows in batches.",
    instead_example: "ALTER TABLE users ADD COLUMN active boolean;\nALTER TABLE users ALTER COLUMN active SET DEFAULT true;",
    rollback: "ALTER TABLE users DROP COLUMN active;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, column_def) in cx.added_columns() {
        let constant_default = column_def.options.iter().any(|o| {
            matches!(&o.option, sqlparser::ast::ColumnOption::Default(e)
                if !crate::locks::is_volatile(e))
        });
        if constant_default {
            out.push(
                Hit::new(format!(
                    "on PostgreSQL {} adding {table}.{} with a default rewrites the table",
                    cx.pg_version,
                    cx.ident(&column_def.name)
                ))
                .effect(crate::locks::Effect::Rewrite),
            );
        }
    }
}
