use super::*;

pub static RULE: Rule = Rule {
    id: "updating-without-where",
    severity: Severity::Careful,
    severity_why: "every row is locked and rewritten in one transaction, for a time that grows with the table; the old values are overwritten, usually on purpose (a backfill).",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "An UPDATE of every row in one statement (an unbatched backfill).",
    why: "One statement rewrites every row in a single transaction: it holds row locks on the \
          whole table (blocking concurrent updates), doubles its size until vacuum, and lags \
          replicas.",
    example: "UPDATE users SET age = 0;",
    instead: "Backfill in batches: loop over primary-key ranges of about 1000 rows, committing \
              each batch, with an idempotent WHERE (e.g. WHERE age IS NULL).",
    instead_example: "UPDATE users SET age = 0 WHERE id IN (SELECT id FROM users WHERE age IS NULL ORDER BY id LIMIT 1000);",
    rollback: "Keep the old values (an archive column or table) if they matter; an UPDATE cannot \
               be undone otherwise.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(Statement::Update(u)) = cx.ast() else {
        return;
    };
    if u.selection.is_some() || u.limit.is_some() {
        return;
    }
    let Some(table) = cx.relation(&u.table.relation) else {
        return;
    };
    if !cx.is_new(&table) {
        out.push(Hit::new(format!(
            "UPDATE without WHERE rewrites every row of {table} in one transaction"
        )));
    }
}
