use super::*;
use crate::locks::{MysqlAlgorithm, mysql_op_algorithm, mysql_requested};

pub static RULE: Rule = Rule {
    id: "mysql-forced-copy",
    severity: Severity::Careful,
    severity_why: "the explicit ALGORITHM=COPY copies the table with writes blocked, for a time that grows with the table, where MySQL could have done it in place.",
    dialects: MYSQL,
    pg_versions: (10, 18),
    summary: "ALTER TABLE forces ALGORITHM=COPY on a change MySQL could make in place or instantly.",
    why: "ALGORITHM=COPY rebuilds the whole table into a copy and blocks writes to it until the \
          copy is done, which grows with the table, even when the change itself is metadata only \
          or an in-place build.",
    example: "ALTER TABLE `orders` ADD COLUMN `note` varchar(20) NULL, ALGORITHM=COPY;",
    instead: "Leave the algorithm out (MySQL picks the cheapest), or ask for the one the change \
              allows (ALGORITHM=INSTANT, or INPLACE with LOCK=NONE) so MySQL refuses rather than \
              copies.",
    instead_example: "ALTER TABLE `orders` ADD COLUMN `note` varchar(20) NULL, ALGORITHM=INSTANT;",
    rollback: "Nothing to undo beyond the change itself; the copy leaves the same table.",
    as_written_in_plan: &[(
        Dialect::Mysql,
        "The change needs a table copy in MySQL: the plan runs it as written (an online schema-change tool such as gh-ost or pt-online-schema-change avoids the lock).",
    )],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((table, ops)) = cx.alter_existing() else {
        return;
    };
    if mysql_requested(ops).0 != Some(MysqlAlgorithm::Copy) {
        return;
    }
    let needed = ops
        .iter()
        .map(|op| mysql_op_algorithm(op, &table, cx.catalog).0)
        .max()
        .unwrap_or(MysqlAlgorithm::Instant);
    if needed < MysqlAlgorithm::Copy {
        out.push(
            Hit::new(format!(
                "ALGORITHM=COPY copies all of {table} and blocks writes to it while it does, though this change needs only {}",
                needed.name()
            ))
            .effect(crate::locks::Effect::Rewrite),
        );
    }
}
