use super::*;
use crate::locks::{MysqlAlgorithm, mysql_op_algorithm, mysql_requested};

pub static RULE: Rule = Rule {
    id: "mysql-algorithm-refused",
    severity: Severity::Careful,
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
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    if let Some(requested) = requested
        && requested < needed
    {
        out.push(Hit::new(format!(
            "ALGORITHM={} was requested but this change needs {}{why}: MySQL refuses the statement",
            requested.name(),
            needed.name()
        )));
    } else if lock_none && needed == MysqlAlgorithm::Copy {
        out.push(Hit::new(format!(
            "LOCK=NONE was requested but this change copies the table{why}: MySQL refuses the statement"
        )));
    }
}
