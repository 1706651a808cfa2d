use super::*;

pub static RULE: Rule = Rule {
    id: "renaming-column",
    severity: Severity::Careful,
    severity_why: "running code that uses the old name fails at once: it needs the code deployed in step with the change.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "Renaming a column that application code uses.",
    why: "The rename is instant, but every running instance of the application that still uses \
          the old name fails from that moment until new code is deployed; code cannot be \
          deployed at the same instant as the migration.",
    example: "ALTER TABLE users RENAME COLUMN name TO full_name;",
    instead: "Add the new column, write to both (trigger or code), backfill, switch reads \
              (deploy), stop writing the old column (deploy), then drop it.",
    instead_example: "ALTER TABLE users ADD COLUMN full_name text;",
    rollback: "ALTER TABLE users RENAME COLUMN full_name TO name;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    for op in ops {
        let (from, to) = match op {
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => (cx.ident(old_column_name), cx.ident(new_column_name)),
            AlterTableOperation::ChangeColumn {
                old_name, new_name, ..
            } => (cx.ident(old_name), cx.ident(new_name)),
            _ => continue,
        };
        if from != to {
            out.push(Hit::new(format!(
                "renaming {table}.{from} to {to} breaks running code that uses {from}"
            )));
        }
    }
}
