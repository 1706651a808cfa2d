use super::*;
use crate::catalog::ConstraintKind;

pub static RULE: Rule = Rule {
    id: "dropping-constraint",
    severity: Severity::Dangerous,
    severity_why: "it destroys a guarantee: from then on rows that break it can be written, and nothing tells you.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Dropping a foreign key, unique or check constraint.",
    why: "The database stops guaranteeing the rule at once: bad rows can be written from that \
          moment, and adding the constraint back later fails (or needs a full validation) if any \
          were. Dropping a UNIQUE constraint also drops its index.",
    example: "ALTER TABLE orders DROP CONSTRAINT orders_user_fk;",
    instead: "Make sure no code relies on the guarantee; to relax a rule temporarily, replace it \
              with a NOT VALID version rather than dropping it.",
    instead_example: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;",
    rollback: "Re-add the constraint NOT VALID and VALIDATE it; this fails if violating rows were \
               written meanwhile.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    let t = cx.table(&table);
    for op in ops {
        let name = match op {
            AlterTableOperation::DropConstraint { name, .. }
            | AlterTableOperation::DropForeignKey { name, .. } => cx.ident(name),
            _ => continue,
        };
        let constraint = t.and_then(|t| t.constraint(&name));
        if constraint.is_some_and(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. })) {
            continue; // changing-primary-key
        }
        let what = constraint.map(|c| c.kind.label()).unwrap_or("constraint");
        out.push(Hit::new(format!(
            "dropping the {what} {name} on {table} removes a guarantee the data relies on"
        )));
    }
}
