use super::*;
use crate::locks::{Effect, enum_values};

pub static RULE: Rule = Rule {
    id: "changing-enum-values",
    severity: Severity::Careful,
    severity_why: "MySQL copies the table with writes blocked, for a time that grows with the table; in strict mode (MySQL 8's default) rows holding a removed value make it fail rather than lose data.",
    dialects: MYSQL,
    pg_versions: (10, 18),
    summary: "Removing, reordering or inserting ENUM/SET values in the middle of the list.",
    why: "Only appending values at the end is instant; any other change to the list makes MySQL \
          copy the table, blocking writes. Rows holding a removed value become '' or fail.",
    example: "ALTER TABLE users MODIFY status enum('pending','active','disabled');",
    instead: "Append new values at the end of the list; to retire a value, stop writing it in code \
              and migrate the rows first.",
    instead_example: "ALTER TABLE users MODIFY status enum('active','disabled','pending');",
    rollback: "MODIFY the column back to the old list (another copy).",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    for op in ops {
        let (col, ty) = match op {
            AlterTableOperation::ModifyColumn {
                col_name,
                data_type,
                ..
            }
            | AlterTableOperation::ChangeColumn {
                old_name: col_name,
                data_type,
                ..
            } => (cx.ident(col_name), names::data_type(data_type, cx.dialect)),
            _ => continue,
        };
        let before = cx
            .table(&table)
            .and_then(|t| t.column(&col))
            .and_then(|c| enum_values(&c.data_type));
        let (Some(before), Some(after)) = (before, enum_values(&ty)) else {
            continue;
        };
        if after.starts_with(&before) {
            continue;
        }
        let removed: Vec<&String> = before.iter().filter(|v| !after.contains(v)).collect();
        let what = if removed.is_empty() {
            "reorders or inserts values".to_string()
        } else {
            format!(
                "removes {}",
                removed
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(
            Hit::new(format!(
                "changing the values of {table}.{col} {what}: MySQL copies the table (writes blocked)"
            ))
            .effect(Effect::Rewrite),
        );
    }
}
