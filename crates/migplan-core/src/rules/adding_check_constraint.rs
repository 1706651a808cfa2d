use super::*;
use sqlparser::ast::TableConstraint;

pub static RULE: Rule = Rule {
    id: "adding-check-constraint",
    severity: Severity::Careful,
    severity_why: "validating reads every row while the table is locked against writes, so the block grows with the table, and the statement fails if an existing row breaks the check.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Adding a CHECK constraint that is validated in place.",
    why: "PostgreSQL checks every existing row while holding an ACCESS EXCLUSIVE lock, blocking \
          reads and writes; MySQL copies the table. The statement fails if a row breaks the rule.",
    example: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
    instead: "Add the constraint NOT VALID (new rows are checked at once), then VALIDATE \
              CONSTRAINT in a separate transaction: validation takes only a SHARE UPDATE \
              EXCLUSIVE lock.",
    instead_example: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;",
    rollback: "ALTER TABLE orders DROP CONSTRAINT orders_total_positive;",
    as_written_in_plan: &[(
        Dialect::Mysql,
        "MySQL has no NOT VALID: adding a CHECK checks every row under the ALTER's lock, so the plan runs it as written (at a quiet hour, or through an online schema-change tool).",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, constraint, not_valid) in cx.added_constraints() {
        let TableConstraint::Check(ck) = constraint else {
            continue;
        };
        if not_valid {
            continue;
        }
        let name = ck
            .name
            .as_ref()
            .map(|n| cx.ident(n))
            .unwrap_or_else(|| "CHECK".into());
        let message = match cx.dialect {
            Dialect::Mysql => {
                format!("adding {name} on {table} copies the table to check every row")
            }
            _ => format!(
                "adding {name} on {table} checks every row under an {}",
                cx.lock_phrase()
            ),
        };
        let mut hit = Hit::new(message).effect(crate::locks::Effect::Scan);
        if cx.dialect == Dialect::Mysql {
            hit = hit.instead(
                "MySQL has no NOT VALID: add the check in a quiet period, or with gh-ost / pt-online-schema-change.",
            );
        }
        out.push(hit);
    }
}
