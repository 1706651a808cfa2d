use super::*;

pub static RULE: Rule = Rule {
    id: "dropping-index",
    severity: Severity::Careful,
    severity_why: "without CONCURRENTLY it takes ACCESS EXCLUSIVE (brief, but it queues behind running queries), and queries that used the index get slower; nothing is lost that cannot be rebuilt.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "Dropping an index (on PostgreSQL, without CONCURRENTLY).",
    why: "Queries that used the index fall back to scans, which can overload the database. On \
          PostgreSQL a plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the table, queueing \
          every read and write behind it.",
    example: "DROP INDEX orders_status_idx;",
    instead: "Check the index is unused (pg_stat_user_indexes.idx_scan), then DROP INDEX \
              CONCURRENTLY outside a transaction.",
    instead_example: "DROP INDEX CONCURRENTLY orders_status_idx;",
    rollback: "CREATE INDEX CONCURRENTLY with the same definition (keep it in the down migration).",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let mut dropped: Vec<String> = Vec::new();
    match cx.ast() {
        Some(Statement::Drop {
            object_type: sqlparser::ast::ObjectType::Index,
            names: objects,
            ..
        }) => dropped.extend(objects.iter().map(|n| cx.name(n))),
        Some(Statement::AlterTable(at)) => {
            for op in &at.operations {
                if let AlterTableOperation::DropIndex { name, .. } = op {
                    dropped.push(cx.ident(name));
                }
            }
        }
        None if *cx.kind() == StatementKind::DropIndex => dropped.push("the index".into()),
        _ => return,
    }
    let concurrently = cx.flags().concurrently;
    if cx.dialect == Dialect::Postgres && concurrently {
        return;
    }
    for index in dropped {
        let table = cx.catalog.indexes.get(&index).map(|i| i.table.clone());
        if table.as_deref().is_some_and(|t| cx.is_new(t)) {
            continue;
        }
        let on = table.map(|t| format!(" on {t}")).unwrap_or_default();
        let message = if cx.dialect == Dialect::Postgres {
            format!(
                "DROP INDEX {index}{on} takes an {} and queries that used the index will scan",
                cx.lock_phrase()
            )
        } else {
            format!("dropping index {index}{on}: queries that used it will scan the table")
        };
        let mut hit = Hit::new(message);
        if cx.dialect != Dialect::Postgres {
            hit = hit.instead("Check the index is unused before dropping it, and keep its definition in the down migration.");
        }
        out.push(hit);
    }
}
