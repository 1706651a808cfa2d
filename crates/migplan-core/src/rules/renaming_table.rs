use super::*;

pub static RULE: Rule = Rule {
    id: "renaming-table",
    severity: Severity::Careful,
    severity_why: "running code that uses the old name fails at once: it needs the code deployed in step with the change.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "Renaming a table that application code uses.",
    why: "Running application instances that still query the old name fail from the moment of the \
          rename until new code is deployed.",
    example: "ALTER TABLE orders RENAME TO purchases;",
    instead: "Rename the table and create an updatable view with the old name in the same \
              transaction, deploy code that uses the new name, then drop the view.",
    instead_example: "BEGIN;\nALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;\nCOMMIT;",
    rollback: "ALTER TABLE purchases RENAME TO orders;",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    if cx.rebuild.is_some() {
        return;
    }
    let mut renames = Vec::new();
    match cx.ast() {
        Some(Statement::AlterTable(at)) => {
            let table = cx.name(&at.name);
            if cx.is_new(&table) {
                return;
            }
            for op in &at.operations {
                if let AlterTableOperation::RenameTable { table_name } = op {
                    let (sqlparser::ast::RenameTableNameKind::As(n)
                    | sqlparser::ast::RenameTableNameKind::To(n)) = table_name;
                    renames.push((table.clone(), cx.name(n)));
                }
            }
        }
        Some(Statement::RenameTable(list)) => {
            for r in list {
                let from = cx.name(&r.old_name);
                if !cx.is_new(&from) {
                    renames.push((from, cx.name(&r.new_name)));
                }
            }
        }
        _ => return,
    }
    for (from, to) in renames {
        // The safe pattern: a view with the old name keeps old code working.
        let shimmed = cx
            .rest
            .iter()
            .any(|s| matches!(&s.ast, Some(Statement::CreateView(v)) if cx.name(&v.name) == from));
        if shimmed {
            continue;
        }
        out.push(Hit::new(format!(
            "renaming {from} to {to} breaks running code that queries {from}"
        )));
    }
}
