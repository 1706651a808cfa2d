use super::*;

pub static RULE: Rule = Rule {
    id: "validating-in-same-transaction",
    severity: Severity::Careful,
    severity_why: "in the transaction that added the constraint, the ACCESS EXCLUSIVE lock is still held while validation reads every row, which is what NOT VALID was meant to avoid.",
    dialects: POSTGRES,
    pg_versions: (10, 18),
    summary: "VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID.",
    why: "The ADD ... NOT VALID took a strong lock that is held until COMMIT, so validating in the \
          same transaction scans the table while that lock blocks everyone: the benefit of NOT \
          VALID is lost.",
    example: "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\nCOMMIT;",
    instead: "Commit after adding the constraint NOT VALID and validate it in a separate \
              transaction (or a separate migration).",
    instead_example: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;",
    rollback: "ALTER TABLE orders DROP CONSTRAINT orders_user_fk;",
    as_written_in_plan: &[(
        Dialect::Postgres,
        "Each step of the plan is its own transaction, so the VALIDATE already runs apart from the ADD ... NOT VALID: it is kept as written.",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    for op in ops {
        if let AlterTableOperation::ValidateConstraint { name } = op {
            let name = cx.ident(name);
            if cx.tx.not_valid.contains(&(table.clone(), name.clone())) {
                out.push(Hit::new(format!(
                    "{name} was added NOT VALID in this same transaction: its lock is still held while {table} is scanned"
                )));
            }
        }
    }
}
