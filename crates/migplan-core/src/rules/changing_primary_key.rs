use super::*;
use crate::catalog::ConstraintKind;

pub static RULE: Rule = Rule {
    id: "changing-primary-key",
    severity: Severity::Dangerous,
    severity_why: "while the key is gone the table has no identity guarantee (duplicates can enter, replication and foreign keys that rely on it break), and the new key's build locks the table.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Dropping or replacing a table's primary key.",
    why: "Rows lose their identity guarantee: duplicates can be written, foreign keys that point at \
          the key must go with it (CASCADE), replication and ORMs that rely on the key break, and \
          MySQL copies the whole table.",
    example: "ALTER TABLE users DROP CONSTRAINT users_pkey;",
    instead: "Build the new key's unique index CONCURRENTLY first, then swap the constraint in one \
              short transaction (DROP CONSTRAINT + ADD CONSTRAINT ... PRIMARY KEY USING INDEX).",
    instead_example: "CREATE UNIQUE INDEX CONCURRENTLY users_email_uidx ON users (email);",
    rollback: "Re-add the old primary key (it fails if duplicates were written meanwhile).",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    let t = cx.table(&table);
    for op in ops {
        let dropped = match op {
            AlterTableOperation::DropPrimaryKey { .. } => true,
            AlterTableOperation::DropConstraint { name, .. } => {
                let name = cx.ident(name);
                t.and_then(|t| t.constraint(&name))
                    .is_some_and(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
            }
            _ => false,
        };
        if dropped {
            out.push(Hit::new(format!("dropping the primary key of {table}")));
        }
    }
}
