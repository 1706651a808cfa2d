use super::*;

pub static RULE: Rule = Rule {
    id: "concurrent-index-on-pg14",
    severity: Severity::Careful,
    severity_why: "PostgreSQL 14.0 to 14.3 can build a corrupt index concurrently; it is harmless on 14.4 and later, so it needs the server's minor version checked, not a different migration.",
    dialects: POSTGRES,
    pg_versions: (14, 14),
    summary: "CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY targeting PostgreSQL 14.",
    why: "PostgreSQL 14.0 to 14.3 had a bug that could silently corrupt indexes built or rebuilt \
          CONCURRENTLY while rows were being updated (fixed in 14.4).",
    example: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    instead: "Make sure the server runs 14.4 or later (SELECT version()); indexes built \
              concurrently on 14.0-14.3 should be rebuilt.",
    instead_example: "CREATE INDEX users_email_idx ON users_new (email);",
    rollback: "DROP INDEX CONCURRENTLY users_email_idx;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let concurrent = match cx.ast() {
        Some(Statement::CreateIndex(ci)) => ci.concurrently,
        _ => *cx.kind() == StatementKind::Reindex && cx.flags().concurrently,
    };
    if concurrent {
        out.push(Hit::new(
            "on PostgreSQL 14.0-14.3 concurrent index builds can corrupt the index: check the server is 14.4 or later",
        ));
    }
}
