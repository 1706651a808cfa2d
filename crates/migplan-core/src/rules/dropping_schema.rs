use super::*;

pub static RULE: Rule = Rule {
    id: "dropping-schema",
    severity: Severity::Dangerous,
    severity_why: "it destroys every object in the schema and their data.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Dropping a schema or database.",
    why: "Every table, view and function in it goes, with its data (with CASCADE in PostgreSQL; \
          in MySQL DROP SCHEMA is DROP DATABASE).",
    example: "DROP SCHEMA archive CASCADE;",
    instead: "Drop the objects one by one after confirming each is unused, or rename the schema \
              first and drop it later.",
    instead_example: "ALTER SCHEMA archive RENAME TO archive_retired;",
    rollback: "Irreversible: restore from a backup.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(Statement::Drop {
        object_type: sqlparser::ast::ObjectType::Schema | sqlparser::ast::ObjectType::Database,
        names: objects,
        ..
    }) = cx.ast()
    else {
        return;
    };
    for s in objects {
        let s = cx.name(s);
        let prefix = format!("{s}.");
        let tables = cx
            .catalog
            .tables
            .keys()
            .filter(|t| t.starts_with(&prefix))
            .count();
        out.push(Hit::new(format!(
            "dropping schema {s} deletes everything in it{}",
            if tables > 0 {
                format!(" ({tables} table(s))")
            } else {
                String::new()
            }
        )));
    }
}
