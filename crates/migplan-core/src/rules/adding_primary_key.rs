use super::*;
use sqlparser::ast::TableConstraint;

pub static RULE: Rule = Rule {
    id: "adding-primary-key",
    severity: Severity::Careful,
    severity_why: "the unique index is built while the table is locked, for a time that grows with the table, and it fails on duplicate or NULL keys.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Adding a PRIMARY KEY that builds its index in place.",
    why: "PostgreSQL builds the unique index under an ACCESS EXCLUSIVE lock (and SET NOT NULL scans \
          the columns); MySQL rebuilds the table. It fails on duplicates or NULLs.",
    example: "ALTER TABLE measurements_2026 ADD PRIMARY KEY (id);",
    instead: "CREATE UNIQUE INDEX CONCURRENTLY on the key columns (already NOT NULL), then ADD \
              CONSTRAINT ... PRIMARY KEY USING INDEX.",
    instead_example: "CREATE UNIQUE INDEX CONCURRENTLY measurements_2026_pkey ON measurements_2026 (id);\nALTER TABLE measurements_2026 ADD CONSTRAINT measurements_2026_pkey PRIMARY KEY USING INDEX measurements_2026_pkey;",
    rollback: "ALTER TABLE measurements_2026 DROP CONSTRAINT measurements_2026_pkey;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    for (table, constraint, _) in cx.added_constraints() {
        if !matches!(constraint, TableConstraint::PrimaryKey(_)) {
            continue;
        }
        let message = match cx.dialect {
            Dialect::Mysql => format!("adding a primary key to {table} rebuilds the table"),
            _ => format!(
                "adding a primary key to {table} builds its index under an {}",
                cx.lock_phrase()
            ),
        };
        let mut hit = Hit::new(message).effect(crate::locks::Effect::Scan);
        if cx.dialect == Dialect::Mysql {
            hit = hit.instead("Ask for ALGORITHM=INPLACE, LOCK=NONE, or use gh-ost / pt-online-schema-change for large tables.");
        }
        out.push(hit);
    }
}
