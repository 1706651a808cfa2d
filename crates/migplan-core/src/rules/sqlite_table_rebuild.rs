use super::*;

pub static RULE: Rule = Rule {
    id: "sqlite-table-rebuild",
    severity: Severity::Careful,
    severity_why: "the copy holds the database's write lock for a time that grows with the table, and a column left out of the copy is lost (reported by dropping-column).",
    dialects: SQLITE,
    pg_versions: (10, 18),
    summary: "The table-rebuild pattern (create new, copy, drop old, rename), recognised as one change.",
    why: "A rebuild is the right way to change a SQLite table, but it copies every row while \
          holding the database write lock, and it silently breaks foreign keys, indexes, \
          triggers and views unless they are recreated and checked.",
    example: "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, age INTEGER NOT NULL DEFAULT 0);\nINSERT INTO users_new (id, email, name, age) SELECT id, email, name, COALESCE(age, 0) FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;",
    instead: "Keep the rebuild, with PRAGMA foreign_keys=OFF before it, every index, trigger and \
              view recreated after the rename, and PRAGMA foreign_key_check before COMMIT.",
    instead_example: "ALTER TABLE users ADD COLUMN nickname TEXT;",
    rollback: "Rebuild again with the old definition; rows copied keep their values.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(r) = cx.rebuild else {
        return;
    };
    if r.step != RebuildStep::Drop {
        return;
    }
    let mut message = format!(
        "table rebuild of {} through {}: every row is copied under the database write lock",
        r.table, r.new_table
    );
    if !r.checks_foreign_keys {
        message.push_str("; no PRAGMA foreign_key_check follows it");
    }
    let fk_off = cx.catalog.tables.values().any(|t| {
        t.constraints.iter().any(|k| {
            matches!(&k.kind, crate::catalog::ConstraintKind::ForeignKey { references, .. } if *references == r.table)
        })
    });
    if fk_off && !r.foreign_keys_off {
        message.push_str(&format!(
            "; tables reference {} but PRAGMA foreign_keys=OFF does not come first",
            r.table
        ));
    }
    out.push(Hit::new(message).effect(crate::locks::Effect::Rewrite));
}
