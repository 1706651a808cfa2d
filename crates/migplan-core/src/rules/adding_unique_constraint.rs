use super::*;
use sqlparser::ast::TableConstraint;

pub static RULE: Rule = Rule {
    id: "adding-unique-constraint",
    severity: Severity::Careful,
    severity_why: "the index is built while writes are blocked, for a time that grows with the table, and it fails on duplicates.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "Adding a UNIQUE constraint that builds its index in place.",
    why: "ADD UNIQUE builds a unique index while holding an ACCESS EXCLUSIVE lock, blocking reads \
          and writes for the whole build; it fails on duplicates.",
    example: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    instead: "CREATE UNIQUE INDEX CONCURRENTLY, check it is valid, then ADD CONSTRAINT ... UNIQUE \
              USING INDEX (metadata only).",
    instead_example: "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
    rollback: "ALTER TABLE users DROP CONSTRAINT users_email_key;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, constraint, _) in cx.added_constraints() {
        if !matches!(constraint, TableConstraint::Unique(_)) {
            continue;
        }
        out.push(
            Hit::new(format!(
                "adding a UNIQUE constraint on {table} builds its index under an {}",
                cx.lock_phrase()
            ))
            .effect(crate::locks::Effect::Scan),
        );
    }
}
