use super::*;

pub static RULE: Rule = Rule {
    id: "sqlite-alter-needs-rebuild",
    severity: Severity::Careful,
    severity_why: "SQLite has no such ALTER, so the migration fails here; SQLite's DDL is transactional, so a migration run in a transaction leaves nothing half-done.",
    dialects: SQLITE,
    pg_versions: (10, 18),
    summary: "An ALTER TABLE form SQLite does not have (type change, SET NOT NULL, add or drop a constraint).",
    why: "SQLite's ALTER TABLE only renames tables and columns, adds columns and (3.35+) drops \
          columns. Anything else fails, and must be done by rebuilding the table.",
    example: "ALTER TABLE users ALTER COLUMN age SET NOT NULL;",
    instead: "Rebuild the table: PRAGMA foreign_keys=OFF, BEGIN, CREATE TABLE new_t with the new \
              definition, INSERT INTO new_t SELECT ... FROM t, DROP TABLE t, ALTER TABLE new_t \
              RENAME TO t, recreate indexes, triggers and views, PRAGMA foreign_key_check, COMMIT, \
              PRAGMA foreign_keys=ON.",
    instead_example: "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, age INTEGER NOT NULL);\nINSERT INTO users_new (id, email, name, age) SELECT id, email, name, COALESCE(age, 0) FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;",
    rollback: "Rebuild the table again with the old definition.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let unsupported: Vec<String> = match cx.ast() {
        Some(Statement::AlterTable(at)) => at
            .operations
            .iter()
            .filter(|op| {
                !matches!(
                    op,
                    AlterTableOperation::AddColumn { .. }
                        | AlterTableOperation::DropColumn { .. }
                        | AlterTableOperation::RenameColumn { .. }
                        | AlterTableOperation::RenameTable { .. }
                )
            })
            .map(|op| op.to_string())
            .collect(),
        None if *cx.kind() == StatementKind::AlterTable => vec![cx.statement.sql.clone()],
        _ => return,
    };
    for op in unsupported {
        let short: String = op.chars().take(60).collect();
        out.push(Hit::new(format!(
            "SQLite has no ALTER TABLE for `{short}`: the statement fails; rebuild the table instead"
        )));
    }
}
