use super::*;
use crate::locks::{Effect, MysqlAlgorithm, binary_coercible, enum_values, mysql_op_algorithm};
use sqlparser::ast::AlterColumnOperation;

pub static RULE: Rule = Rule {
    id: "changing-column-type",
    severity: Severity::Careful,
    severity_why: "the table (and its indexes) is rewritten under ACCESS EXCLUSIVE (MySQL: copied, writes blocked), for a time that grows with the table, and code may need to handle both types.",
    dialects: &[Dialect::Postgres, Dialect::Mysql],
    pg_versions: (10, 18),
    summary: "Changing a column's type in a way that rewrites the table.",
    why: "Unless the change is binary-coercible (varchar widening, varchar to text, numeric \
          precision up), PostgreSQL rewrites the table and rebuilds its indexes under an ACCESS \
          EXCLUSIVE lock; MySQL copies the table, blocking writes. Old application code may also \
          not handle the new type. int to bigint always rewrites.",
    example: "ALTER TABLE orders ALTER COLUMN user_id TYPE integer;",
    instead: "Add a new column of the new type, keep it in step with a trigger, backfill it in \
              batches, switch reads to it, then drop the old column and rename the new one.",
    instead_example: "ALTER TABLE users ALTER COLUMN email TYPE varchar(200);",
    rollback: "Change the type back (another rewrite); values that do not fit the old type are \
               lost or rejected.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    let known = cx.table(&table);
    for op in ops {
        match (cx.dialect, op) {
            (
                Dialect::Postgres,
                AlterTableOperation::AlterColumn {
                    column_name,
                    op:
                        AlterColumnOperation::SetDataType {
                            data_type, using, ..
                        },
                },
            ) => {
                let col = cx.ident(column_name);
                let to = names::data_type(data_type, cx.dialect);
                let from = known
                    .and_then(|t| t.column(&col))
                    .map(|c| c.data_type.clone());
                let coercible =
                    using.is_none() && from.as_deref().is_some_and(|f| binary_coercible(f, &to));
                if coercible {
                    continue;
                }
                let from_text = from.as_deref().unwrap_or("its current type");
                let mut message = format!(
                    "changing {table}.{col} from {from_text} to {to} rewrites the table and its indexes under an {}",
                    cx.lock_phrase()
                );
                if from
                    .as_deref()
                    .is_some_and(|f| f.starts_with("timestamp") && !f.starts_with("timestamptz"))
                    && to.starts_with("timestamptz")
                {
                    message.push_str(
                        " (timestamp to timestamptz is a rewrite unless the session time zone is UTC, PostgreSQL 12+)",
                    );
                }
                out.push(Hit::new(message).effect(Effect::Rewrite));
            }
            (
                Dialect::Mysql,
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    ..
                }
                | AlterTableOperation::ChangeColumn {
                    old_name: col_name,
                    data_type,
                    ..
                },
            ) => {
                let col = cx.ident(col_name);
                let to = names::data_type(data_type, cx.dialect);
                let from = known
                    .and_then(|t| t.column(&col))
                    .map(|c| c.data_type.clone());
                if from.as_deref() == Some(to.as_str()) {
                    continue;
                }
                // Enum value changes have their own rule.
                if from.as_deref().and_then(enum_values).is_some() && enum_values(&to).is_some() {
                    continue;
                }
                let (algorithm, _, _) = mysql_op_algorithm(op, &table, cx.catalog);
                if algorithm == MysqlAlgorithm::Copy {
                    out.push(
                        Hit::new(format!(
                            "changing {table}.{col} from {} to {to} copies the table (ALGORITHM=COPY), blocking writes",
                            from.as_deref().unwrap_or("its current type")
                        ))
                        .effect(Effect::Rewrite)
                        .instead(
                            "Add a new column, backfill it in batches and switch over; or run the change with \
                             gh-ost or pt-online-schema-change. Ask for ALGORITHM=INPLACE, LOCK=NONE so MySQL \
                             refuses instead of silently copying.",
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}
