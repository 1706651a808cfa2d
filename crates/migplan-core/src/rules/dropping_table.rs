use super::*;

pub static RULE: Rule = Rule {
    id: "dropping-table",
    severity: Severity::Dangerous,
    severity_why: "it destroys the table and its data.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "Dropping a table.",
    why: "The table and its data are gone, and code that still uses it fails at once. With \
          CASCADE, dependent views and foreign keys go too.",
    example: "DROP TABLE orders;",
    instead: "Rename the table to an archive name first (reversible), deploy code that no longer \
              uses it, wait, then drop the archive in a later migration.",
    instead_example: "ALTER TABLE orders RENAME TO orders_archived;",
    rollback: "Irreversible for the data: re-creating the table restores the schema only; restore \
               rows from a backup or the archive.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if cx.rebuild.is_some() {
        return;
    }
    let Some(Statement::Drop {
        object_type: sqlparser::ast::ObjectType::Table,
        names: objects,
        cascade,
        ..
    }) = cx.ast()
    else {
        return;
    };
    for t in objects.iter().map(|n| cx.name(n)).filter(|t| !cx.is_new(t)) {
        let rows = if cx.table(&t).is_some() {
            "its data"
        } else {
            "any data it holds"
        };
        let cascade = if *cascade {
            ", and CASCADE drops what depends on it"
        } else {
            ""
        };
        out.push(Hit::new(format!("dropping {t} deletes {rows}{cascade}")));
    }
}
