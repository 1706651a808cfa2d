use super::*;

pub static RULE: Rule = Rule {
    id: "changing-existing-rows",
    severity: Severity::Careful,
    severity_why: "the rows it deletes or the values it overwrites are gone once it commits: \
                   rolling the migration back does not bring them back unless a copy was kept.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "A DELETE or UPDATE of rows that existed before the migration.",
    why: "A data change in a migration is irreversible: a down migration can recreate a column \
          or an index, but not the rows a DELETE removed or the values an UPDATE overwrote. On a \
          large table one statement also holds its row locks until it commits.",
    example: "DELETE FROM users WHERE email IS NULL;",
    instead: "Keep a copy of the rows it changes first (a table created from a SELECT with the \
              same WHERE), check it, and change many rows in batches of primary-key ranges.",
    instead_example: "CREATE TABLE users_deleted AS SELECT * FROM users WHERE email IS NULL;\n\
                      DELETE FROM users WHERE id IN (SELECT id FROM users_deleted);",
    rollback: "Copy the kept rows back (INSERT ... SELECT from the copy, or an UPDATE joined on \
               the primary key); without a copy, only a backup restores them.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    match cx.ast() {
        Some(Statement::Delete(delete)) if delete.selection.is_some() || delete.limit.is_some() => {
            let (sqlparser::ast::FromTable::WithFromKeyword(tables)
            | sqlparser::ast::FromTable::WithoutKeyword(tables)) = &delete.from;
            for table in tables.iter().filter_map(|t| cx.relation(&t.relation)) {
                if !cx.is_new(&table) && !cx.kept.contains(&table) {
                    out.push(Hit::new(format!(
                        "DELETE removes existing rows of {table}: once it commits they are gone"
                    )));
                }
            }
        }
        Some(Statement::Update(update)) if update.selection.is_some() || update.limit.is_some() => {
            let Some(table) = cx.relation(&update.table.relation) else {
                return;
            };
            if cx.is_new(&table) || cx.kept.contains(&table) {
                return;
            }
            let overwritten = overwritten_columns(cx, &table, &update.assignments);
            if !overwritten.is_empty() {
                out.push(Hit::new(format!(
                    "UPDATE overwrites {} in existing rows of {table}: the old values are gone once it commits",
                    overwritten.join(", ")
                )));
            }
        }
        _ => {}
    }
}

/// The assigned columns that held values before the migration (a column
/// the migration added holds nothing to lose: filling it is a backfill).
fn overwritten_columns(
    cx: &Ctx,
    table: &str,
    assignments: &[sqlparser::ast::Assignment],
) -> Vec<String> {
    let existing = cx.start.table(table);
    assignments
        .iter()
        .flat_map(|assignment| match &assignment.target {
            sqlparser::ast::AssignmentTarget::ColumnName(name) => vec![name],
            sqlparser::ast::AssignmentTarget::Tuple(names) => names.iter().collect(),
        })
        .filter_map(|name| name.0.last()?.as_ident().map(|ident| cx.ident(ident)))
        .filter(|column| existing.is_none_or(|t| t.column(column).is_some() || !t.columns_known))
        .collect()
}
