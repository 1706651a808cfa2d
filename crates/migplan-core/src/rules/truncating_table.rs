use super::*;

pub static RULE: Rule = Rule {
    id: "truncating-table",
    severity: Severity::Dangerous,
    severity_why: "it destroys every row of the table.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "TRUNCATE of an existing table.",
    why: "Every row of the table is deleted at once, without a way back once committed, under an \
          ACCESS EXCLUSIVE lock (PostgreSQL). With CASCADE, referencing tables are emptied too.",
    example: "TRUNCATE TABLE orders;",
    instead: "If the data must go, archive it first (CREATE TABLE ... AS SELECT) and delete in \
              batches; make sure this is not meant for a test database.",
    instead_example: "CREATE TABLE orders_archive AS SELECT * FROM orders;",
    rollback: "Irreversible: restore the rows from a backup or archive copy.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let tables: Vec<String> = match cx.ast() {
        Some(Statement::Truncate(t)) => t.table_names.iter().map(|n| cx.name(&n.name)).collect(),
        _ => return,
    };
    for t in tables.into_iter().filter(|t| !cx.is_new(t)) {
        out.push(Hit::new(format!("TRUNCATE deletes every row of {t}")));
    }
}
