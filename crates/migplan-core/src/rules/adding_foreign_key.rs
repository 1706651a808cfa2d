use super::*;
use sqlparser::ast::TableConstraint;

pub static RULE: Rule = Rule {
    id: "adding-foreign-key",
    severity: Severity::Careful,
    severity_why: "validation reads the whole table while writes to both tables are blocked (SHARE ROW EXCLUSIVE), for a time that grows with the table, and it fails on rows without a parent.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Adding a foreign key that is validated in place.",
    why: "PostgreSQL takes SHARE ROW EXCLUSIVE locks on both tables (writes blocked) while it \
          checks every row; MySQL copies the table when foreign_key_checks=1. The statement fails \
          on orphan rows.",
    example: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
    instead: "Add the foreign key NOT VALID, then VALIDATE CONSTRAINT in a separate transaction \
              (SHARE UPDATE EXCLUSIVE, writes allowed).",
    instead_example: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
    rollback: "ALTER TABLE orders DROP CONSTRAINT orders_user_fk;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, constraint, not_valid) in cx.added_constraints() {
        let TableConstraint::ForeignKey(fk) = constraint else {
            continue;
        };
        if not_valid {
            continue;
        }
        let target = cx.name(&fk.foreign_table);
        let message = match cx.dialect {
            Dialect::Mysql => format!(
                "adding a foreign key from {table} to {target} copies {table} (ALGORITHM=COPY with foreign_key_checks=1)"
            ),
            _ => format!(
                "adding a foreign key from {table} to {target} blocks writes on both tables (SHARE ROW EXCLUSIVE) while every row is checked"
            ),
        };
        let mut hit = Hit::new(message).effect(crate::locks::Effect::Scan);
        if cx.dialect == Dialect::Mysql {
            hit = hit.instead(
                "Run SET foreign_key_checks=0 for the session so the key is added INPLACE (existing rows are then not checked: check orphans yourself), or use pt-online-schema-change.",
            );
        }
        out.push(hit);
    }
}
