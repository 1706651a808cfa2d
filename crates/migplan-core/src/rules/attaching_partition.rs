use super::*;

pub static RULE: Rule = Rule {
    id: "attaching-partition",
    severity: Severity::Careful,
    severity_why: "without a CHECK that proves the bounds, the partition is scanned under a lock that blocks it, for a time that grows with the partition.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "ATTACH PARTITION without a CHECK constraint that proves the partition bounds.",
    why: "PostgreSQL scans the whole partition to check every row fits the bounds, holding an ACCESS \
          EXCLUSIVE lock on the partition (and, before PostgreSQL 12, on the parent too).",
    example: "ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
    instead: "First add a CHECK constraint matching the bounds NOT VALID and VALIDATE it; ATTACH \
              then skips the scan; drop the CHECK afterwards.",
    instead_example: "ALTER TABLE measurements_2026 ADD CONSTRAINT measurements_2026_bounds CHECK (taken_at >= '2026-01-01' AND taken_at < '2027-01-01') NOT VALID;",
    rollback: "ALTER TABLE measurements DETACH PARTITION measurements_2026 CONCURRENTLY;",
    as_written_in_plan: &[(
        Dialect::Postgres,
        "Not in the plan yet: add a CHECK constraint matching the partition bound (NOT VALID, then VALIDATE) before attaching, so ATTACH skips its scan.",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let partition = match cx.ast() {
        Some(Statement::AlterTable(at)) => at.operations.iter().find_map(|op| match op {
            AlterTableOperation::AttachPartitionOf { partition, .. } => Some(cx.name(partition)),
            _ => None,
        }),
        // Unparsed: the name after the words.
        _ if *cx.kind() == StatementKind::AlterTable => cx
            .upper_sql()
            .split("ATTACH PARTITION")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(|p| p.trim_matches('"').to_lowercase()),
        _ => None,
    };
    let Some(partition) = partition else {
        return;
    };
    if cx.is_new(&partition) {
        return;
    }
    let has_check = cx.table(&partition).is_some_and(|t| {
        t.constraints
            .iter()
            .any(|c| c.validated && matches!(c.kind, crate::catalog::ConstraintKind::Check { .. }))
    });
    if has_check {
        return;
    }
    let parent = if cx.pg_version < 12 {
        " and its parent"
    } else {
        ""
    };
    out.push(
        Hit::new(format!(
            "ATTACH PARTITION scans {partition} under an ACCESS EXCLUSIVE lock on it{parent}"
        ))
        .effect(crate::locks::Effect::Scan),
    );
}
