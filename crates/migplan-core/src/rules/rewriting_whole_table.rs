use super::*;

pub static RULE: Rule = Rule {
    id: "rewriting-whole-table",
    severity: Severity::Careful,
    severity_why: "the table is rewritten under ACCESS EXCLUSIVE, so reads and writes wait for a time that grows with the table.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "VACUUM FULL, CLUSTER or ALTER TABLE ... SET TABLESPACE.",
    why: "Each rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock: reads and \
          writes wait for the whole copy, and the disk needs room for a second copy.",
    example: "VACUUM FULL orders;",
    instead: "Use pg_repack (or pg_squeeze) to rewrite online, or run it in a maintenance window; \
              plain VACUUM reclaims space for reuse without the lock.",
    instead_example: "VACUUM orders;",
    rollback: "Nothing to undo in the schema; a SET TABLESPACE can be moved back (another rewrite).",
    as_written_in_plan: &[(
        Dialect::Postgres,
        "VACUUM FULL and CLUSTER have no online form in PostgreSQL: the plan keeps them as written (pg_repack rewrites a table online).",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let upper = cx.upper_sql();
    let what = match cx.kind() {
        StatementKind::Vacuum if cx.flags().full => "VACUUM FULL",
        StatementKind::Cluster => "CLUSTER",
        StatementKind::AlterTable
            if cx.ast().is_none_or(|_| cx.alter_existing().is_some())
                && upper.contains("SET TABLESPACE") =>
        {
            "SET TABLESPACE"
        }
        _ => return,
    };
    out.push(
        Hit::new(format!(
            "{what} rewrites the table under an ACCESS EXCLUSIVE lock (blocks reads and writes)"
        ))
        .effect(crate::locks::Effect::Rewrite),
    );
}
