use super::*;

pub static RULE: Rule = Rule {
    id: "dropping-column",
    severity: Severity::Dangerous,
    severity_why: "it destroys the column's data, and code that still reads the column fails.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "Dropping a column (or a table rebuild that leaves one out).",
    why: "The column's data is gone for good, and application code still reading or writing the \
          column fails as soon as the migration runs. ORMs that cache the column list (Rails, \
          Django, Hibernate) fail even when the code no longer uses it.",
    example: "ALTER TABLE users DROP COLUMN name;",
    instead: "First deploy code that no longer reads or writes the column (mark it ignored in the \
              ORM), keep a backup or archive copy if the data matters, then drop it in a later \
              migration.",
    instead_example: "CREATE TABLE users_name_archive AS SELECT id, name FROM users;",
    rollback: "Irreversible for the data: re-adding the column restores the schema, not the values \
               (restore them from the archive copy).",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if let Some(r) = cx.rebuild
        && r.step == RebuildStep::Copy
        && !r.lost_columns.is_empty()
    {
        out.push(Hit::new(format!(
            "the rebuild of {} does not copy column(s) {}: their data is lost",
            r.table,
            r.lost_columns.join(", ")
        )));
        return;
    }
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    for op in ops {
        if let AlterTableOperation::DropColumn { column_names, .. } = op {
            for c in column_names {
                out.push(Hit::new(format!(
                    "dropping {table}.{} deletes its data and breaks code that still uses it",
                    cx.ident(c)
                )));
            }
        }
    }
}
