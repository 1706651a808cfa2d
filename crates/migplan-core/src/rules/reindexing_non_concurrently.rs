use super::*;

pub static RULE: Rule = Rule {
    id: "reindexing-non-concurrently",
    severity: Severity::Careful,
    severity_why: "the rebuild blocks writes to the table (and reads that use the index) for a time that grows with the index.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "REINDEX without CONCURRENTLY.",
    why: "A plain REINDEX blocks writes to the table and takes an ACCESS EXCLUSIVE lock on each \
          index it rebuilds, so queries that use the index wait for the whole rebuild.",
    example: "REINDEX INDEX orders_status_idx;",
    instead: "On PostgreSQL 12 and later use REINDEX CONCURRENTLY outside a transaction; before \
              12, build a new index concurrently, drop the old one concurrently and rename.",
    instead_example: "REINDEX INDEX CONCURRENTLY orders_status_idx;",
    rollback: "Nothing to undo: REINDEX does not change the schema.",
    as_written_in_plan: &[(
        Dialect::Postgres,
        "REINDEX is kept as written (the SQL parser does not read it): write REINDEX ... CONCURRENTLY (PostgreSQL 12 and later) yourself.",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if *cx.kind() != StatementKind::Reindex || cx.flags().concurrently {
        return;
    }
    let mut hit = Hit::new(
        "REINDEX blocks writes to the table and locks the index against reads until it is rebuilt",
    )
    .effect(crate::locks::Effect::Rewrite);
    if cx.pg_version < 12 {
        hit = hit.instead(
            "Before PostgreSQL 12 there is no REINDEX CONCURRENTLY: build a new index \
             CONCURRENTLY, drop the old one CONCURRENTLY, then rename the new one.",
        );
    }
    out.push(hit);
}
