use super::*;

pub static RULE: Rule = Rule {
    id: "statements-after-access-exclusive",
    severity: Severity::Careful,
    severity_why: "the ACCESS EXCLUSIVE lock is held until COMMIT, so every statement after it lengthens the time all reads and writes of that table wait.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "More statements in a transaction after one took an ACCESS EXCLUSIVE lock.",
    why: "The ACCESS EXCLUSIVE lock is held until COMMIT, so every later statement in the \
          transaction extends the time during which all reads and writes of that table wait.",
    example: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nUPDATE orders SET status = 'new' WHERE status IS NULL;\nCOMMIT;",
    instead: "Commit right after the statement that takes the lock, and run the rest in their own \
              transactions.",
    instead_example: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;",
    rollback: "Nothing specific: split the transaction.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if !cx.tx.in_transaction || cx.tx.access_exclusive_reported {
        return;
    }
    let Some((table, line)) = &cx.tx.access_exclusive else {
        return;
    };
    if matches!(
        cx.ast(),
        Some(Statement::Commit { .. } | Statement::Rollback { .. } | Statement::Set(_))
    ) {
        return;
    }
    out.push(Hit::new(format!(
        "{table} is still locked ACCESS EXCLUSIVE (since line {line}) while this statement runs: every query on it waits"
    )));
}
