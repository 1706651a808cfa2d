use super::*;
use crate::locks::Effect;
use sqlparser::ast::{AlterColumnOperation, ColumnOption};

pub static RULE: Rule = Rule {
    id: "setting-not-null",
    severity: Severity::Careful,
    severity_why: "the check reads every row under ACCESS EXCLUSIVE (PostgreSQL) or copies the table (MySQL), for a time that grows with the table, and it fails on existing NULLs.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "SET NOT NULL on an existing column (MySQL: MODIFY ... NOT NULL).",
    why: "PostgreSQL scans the whole table under an ACCESS EXCLUSIVE lock to prove there is no \
          NULL, blocking reads and writes; MySQL rebuilds the table. The statement fails if a NULL \
          remains. From PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL) \
          already proves it.",
    example: "ALTER TABLE users ALTER COLUMN name SET NOT NULL;",
    instead: "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a separate transaction, then \
              SET NOT NULL (no scan on PostgreSQL 12+) and drop the CHECK.",
    instead_example: "ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;",
    rollback: "ALTER TABLE users ALTER COLUMN name DROP NOT NULL;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    let t = cx.table(&table);
    for op in ops {
        match op {
            AlterTableOperation::AlterColumn {
                column_name,
                op: AlterColumnOperation::SetNotNull,
            } if cx.dialect == Dialect::Postgres => {
                let col = cx.ident(column_name);
                let proven = t.is_some_and(|t| t.has_not_null_check(&col));
                if proven && cx.pg_version >= 12 {
                    continue;
                }
                let mut hit = Hit::new(format!(
                    "SET NOT NULL on {table}.{col} scans the whole table under an {}",
                    cx.lock_phrase()
                ))
                .effect(Effect::Scan);
                if proven {
                    hit = hit.instead(
                        "PostgreSQL before 12 ignores the CHECK constraint: the scan happens anyway. \
                         Keep the validated CHECK instead of SET NOT NULL, or upgrade first.",
                    );
                } else if cx.pg_version >= 18 {
                    hit = hit.instead(
                        "On PostgreSQL 18 add the constraint as NOT NULL ... NOT VALID and VALIDATE it \
                         separately, or use CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL.",
                    );
                }
                out.push(hit);
            }
            AlterTableOperation::ModifyColumn {
                col_name, options, ..
            }
            | AlterTableOperation::ChangeColumn {
                old_name: col_name,
                options,
                ..
            } if cx.dialect == Dialect::Mysql => {
                let col = cx.ident(col_name);
                let was_nullable = t.and_then(|t| t.column(&col)).is_some_and(|c| c.nullable);
                if was_nullable && options.iter().any(|o| matches!(o, ColumnOption::NotNull)) {
                    out.push(
                        Hit::new(format!(
                            "making {table}.{col} NOT NULL rebuilds the table and fails if a NULL remains"
                        ))
                        .effect(Effect::Rewrite)
                        .instead(
                            "Backfill the NULLs in batches first, then MODIFY with ALGORITHM=INPLACE, LOCK=NONE.",
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}
