use super::*;

pub static RULE: Rule = Rule {
    id: "adding-index-non-concurrently",
    severity: Severity::Careful,
    severity_why: "the build holds a lock that blocks writes (PostgreSQL SHARE; SQLite's write lock) for as long as it reads the table, which grows with the table.",
    dialects: &[Dialect::Postgres, Dialect::Sqlite],
    pg_versions: (10, 18),
    summary: "Building an index on an existing table without CONCURRENTLY.",
    why: "A plain CREATE INDEX holds a SHARE lock on the table for the whole build: reads go on, \
          but every INSERT, UPDATE and DELETE waits until the index is built, which takes minutes \
          on a large table. SQLite holds the database write lock for the build.",
    example: "CREATE INDEX users_email_idx ON users (email);",
    instead: "Build it with CREATE INDEX CONCURRENTLY in its own migration that does not run in a \
              transaction, then check that the index is valid.",
    instead_example: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    rollback: "DROP INDEX CONCURRENTLY users_email_idx;",
    as_written_in_plan: &[(
        Dialect::Sqlite,
        "SQLite builds an index one way only, holding the write lock: the plan runs it as written.",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(Statement::CreateIndex(ci)) = cx.ast() else {
        return;
    };
    let table = cx.name(&ci.table_name);
    if ci.concurrently || cx.is_new(&table) {
        return;
    }
    let message = match cx.dialect {
        Dialect::Sqlite => format!(
            "CREATE INDEX on {table} holds the database write lock while it reads every row"
        ),
        _ => format!(
            "CREATE INDEX on {table} takes a {} until the index is built",
            cx.lock_phrase()
        ),
    };
    let mut hit = Hit::new(message);
    if cx.dialect == Dialect::Sqlite {
        hit = hit.instead(
            "Build it when the database is quiet, or on a copy that you swap in; SQLite has no \
             concurrent index build.",
        );
    }
    out.push(hit);
}
