use super::*;

pub static RULE: Rule = Rule {
    id: "deleting-without-where",
    severity: Severity::Dangerous,
    severity_why: "it destroys every row of the table.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "DELETE without a WHERE clause.",
    why: "Every row of the table is deleted, in one long transaction that holds row locks on all of \
          them and bloats the table.",
    example: "DELETE FROM orders;",
    instead: "Add the WHERE clause you meant, and delete in batches of primary-key ranges.",
    instead_example: "DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE status = 'void' ORDER BY id LIMIT 1000);",
    rollback: "Irreversible once committed: restore the rows from a backup.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(Statement::Delete(d)) = cx.ast() else {
        return;
    };
    if d.selection.is_some() || d.limit.is_some() {
        return;
    }
    let tables = match &d.from {
        sqlparser::ast::FromTable::WithFromKeyword(t)
        | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
    };
    for t in tables {
        let Some(norm) = cx.relation(&t.relation) else {
            continue;
        };
        if !cx.is_new(&norm) {
            out.push(Hit::new(format!(
                "DELETE without WHERE deletes every row of {norm}"
            )));
        }
    }
}
