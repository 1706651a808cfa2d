use super::*;

pub static RULE: Rule = Rule {
    id: "detaching-partition",
    severity: Severity::Careful,
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "DETACH PARTITION without CONCURRENTLY.",
    why: "A plain DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent table, blocking \
          every query on every partition until it is done (and until any long query ahead of it \
          finishes).",
    example: "ALTER TABLE measurements DETACH PARTITION measurements_2026;",
    instead: "On PostgreSQL 14 and later use DETACH PARTITION ... CONCURRENTLY outside a \
              transaction; before 14, run it with a short lock_timeout and retries.",
    instead_example: "ALTER TABLE measurements DETACH PARTITION measurements_2026 CONCURRENTLY;",
    rollback: "ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES ...;",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let upper = cx.upper_sql();
    if cx.kind() != "alter_table"
        || !upper.contains("DETACH PARTITION")
        || upper.contains("CONCURRENTLY")
    {
        return;
    }
    let mut hit = Hit::new(
        "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent table (blocks reads and writes)",
    );
    if cx.pg_version < 14 {
        hit = hit.instead(
            "Before PostgreSQL 14 there is no DETACH CONCURRENTLY: set a short lock_timeout and retry, in a quiet period.",
        );
    }
    out.push(hit);
}
