use super::*;
use crate::locks::PgLock;

pub static RULE: Rule = Rule {
    id: "missing-lock-timeout",
    severity: Severity::Safe,
    severity_why: "it is advice on every locking statement, since the statement's own risk is judged by the other rules; `lock_timeout = \"require\"` in `.migplan.toml` makes it careful for teams that require a timeout.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "Locking DDL on an existing table without SET lock_timeout first.",
    why: "If a long query holds the table, the DDL waits for its lock, and every query that comes \
          after queues behind the DDL: even a metadata-only change can stall the application for \
          as long as the longest running query.",
    example: "ALTER TABLE users ADD COLUMN nickname text;",
    instead: "Start the migration with SET lock_timeout = '2s' (and retry on timeout); on \
              PostgreSQL 17+ also consider transaction_timeout.",
    instead_example: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;",
    rollback: "Nothing to undo: it is a session setting.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if cx.tx.lock_timeout || cx.tx.lock_timeout_reported {
        return;
    }
    let Some(lock) = cx.pg_lock else {
        return;
    };
    if lock.lock < PgLock::Share {
        return;
    }
    if lock.table.as_deref().is_some_and(|t| cx.is_new(t)) {
        return;
    }
    // A table created by this statement is new too.
    if matches!(cx.ast(), Some(Statement::CreateTable(_))) && lock.lock < PgLock::ShareRowExclusive
    {
        return;
    }
    let on = lock
        .table
        .as_deref()
        .map(|t| format!(" on {t}"))
        .unwrap_or_default();
    out.push(Hit::new(format!(
        "no lock_timeout is set: this {} lock{on} can queue behind a long query and block every query after it",
        lock.lock.as_str()
    )));
}
