use super::*;

pub static RULE: Rule = Rule {
    id: "adding-column-with-volatile-default",
    severity: Severity::Careful,
    severity_why: "the table is rewritten under ACCESS EXCLUSIVE to store a value per row, so reads and writes wait for a time that grows with the table.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "Adding a column whose default calls a volatile function (random(), gen_random_uuid(), clock_timestamp(), nextval()).",
    why: "PostgreSQL must compute a volatile default for every existing row, so it rewrites the \
          whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration. \
          Constant and STABLE defaults (now(), CURRENT_TIMESTAMP) are metadata-only from \
          PostgreSQL 11.",
    example: "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    instead: "Add the column without a default, set the default for new rows in a second \
              statement, then backfill existing rows in batches.",
    instead_example: "ALTER TABLE users ADD COLUMN token uuid;\nALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();",
    rollback: "ALTER TABLE users DROP COLUMN token;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, column_def) in cx.added_columns() {
        let volatile = column_def.options.iter().find_map(|o| match &o.option {
            sqlparser::ast::ColumnOption::Default(e) if crate::locks::is_volatile(e) => {
                Some(e.to_string())
            }
            _ => None,
        });
        if let Some(default) = volatile {
            out.push(
                Hit::new(format!(
                    "adding {table}.{} with the volatile default {default} rewrites the table under an {}",
                    cx.ident(&column_def.name),
                    cx.lock_phrase()
                ))
                .effect(crate::locks::Effect::Rewrite),
            );
        }
    }
}
