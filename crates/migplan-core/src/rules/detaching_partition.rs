use super::*;

pub static RULE: Rule = Rule {
    id: "detaching-partition",
    severity: Severity::Careful,
    severity_why: "the parent is locked ACCESS EXCLUSIVE, which waits for every running query on it and blocks every query that comes after.",
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
    as_written_in_plan: &[(
        Dialect::Postgres,
        "Not in the plan yet: on PostgreSQL 14 and later, run DETACH PARTITION ... CONCURRENTLY outside a transaction.",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let detaches = match cx.ast() {
        Some(Statement::AlterTable(at)) => at.operations.iter().any(|op| {
            matches!(
                op,
                AlterTableOperation::DetachPartitionOf { mode: None, .. }
            )
        }),
        // Unparsed: by its words, `CONCURRENTLY` from the tokens.
        _ => {
            *cx.kind() == StatementKind::AlterTable
                && cx.upper_sql().contains("DETACH PARTITION")
                && !cx.flags().concurrently
        }
    };
    if !detaches {
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
