use super::*;
use crate::locks::{MysqlAlgorithm, mysql_op_algorithm, mysql_requested};

pub static RULE: Rule = Rule {
    id: "mysql-algorithm-refused",
    severity: Severity::Dangerous,
    severity_why: "MySQL refuses the statement (ERROR 1846), and because MySQL commits each DDL statement on its own, the DDL before it in the migration stays applied: the schema is left half-migrated.",
    dialects: MYSQL,
    pg_versions: (10, 18),
    summary: "ALTER TABLE asks for an ALGORITHM (or LOCK=NONE) that the change cannot use.",
    why: "Asking for ALGORITHM=INSTANT or INPLACE, LOCK=NONE is the right habit: MySQL then refuses \
          a change that would copy the table. But it means this statement fails, and the \
          migration stops here.",
    example: "ALTER TABLE `orders` MODIFY `total` decimal(12,4), ALGORITHM=INSTANT;",
    instead: "Split the change so each part can use the algorithm you ask for, or run the copying \
              part with gh-ost or pt-online-schema-change.",
    instead_example: "ALTER TABLE `orders` ADD COLUMN `total_v2` decimal(12,4) NULL, ALGORITHM=INSTANT;",
    rollback: "Nothing to undo: the statement fails before changing anything.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    let (requested, lock_none) = mysql_requested(ops);
    let needed = ops
        .iter()
        .map(|op| mysql_op_algorithm(op, &table, cx.catalog))
        .max_by_key(|(a, _, _)| *a);
    let Some((needed, _, why)) = needed else {
        return;
    };
    let reason = why
        .as_deref()
        .unwrap_or("the change needs a stronger algorithm");
    if let Some(requested) = requested
        && requested < needed
    {
        let try_instead = match needed {
            MysqlAlgorithm::Copy => "ALGORITHM=COPY",
            _ => "ALGORITHM=COPY/INPLACE",
        };
        out.push(Hit::new(format!(
            "ALGORITHM={} was requested but this change needs {}: MySQL refuses the statement with \
             ERROR 1846 (0A000): ALGORITHM={} is not supported. Reason: {reason}. Try {try_instead}.",
            requested.name(),
            needed.name(),
            requested.name(),
        )));
    } else if lock_none && needed == MysqlAlgorithm::Copy {
        out.push(Hit::new(format!(
            "LOCK=NONE was requested but this change copies the table: MySQL refuses the statement with \
             ERROR 1846 (0A000): LOCK=NONE is not supported. Reason: {reason}. Try LOCK=SHARED."
        )));
    }
}
