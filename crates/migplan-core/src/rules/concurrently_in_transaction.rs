use super::*;

pub static RULE: Rule = Rule {
    id: "concurrently-in-transaction",
    severity: Severity::Careful,
    severity_why: "PostgreSQL refuses CONCURRENTLY inside a transaction block, so the migration fails at this statement (nothing is destroyed: the transaction rolls back).",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "CREATE/DROP INDEX CONCURRENTLY or REINDEX CONCURRENTLY inside a transaction block.",
    why: "PostgreSQL refuses to run CONCURRENTLY inside BEGIN ... COMMIT: the migration fails at \
          this statement. Many migration tools wrap each file in a transaction unless told not to.",
    example: "BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;",
    instead: "Run the concurrent statement on its own, outside any transaction (for example a \
              migration marked as non-transactional).",
    instead_example: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    rollback: "Nothing to undo: the statement fails. If a concurrent build failed half-way, drop \
               the INVALID index it left behind.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if !cx.tx.in_transaction {
        return;
    }
    let concurrent = match cx.ast() {
        Some(Statement::CreateIndex(ci)) => ci.concurrently,
        Some(Statement::RefreshMaterializedView(_)) => false,
        _ => {
            matches!(cx.kind(), StatementKind::DropIndex | StatementKind::Reindex)
                && cx.flags().concurrently
        }
    };
    if concurrent {
        out.push(Hit::new(
            "CONCURRENTLY cannot run inside a transaction block: this statement will fail",
        ));
    }
}
