use super::*;

pub static RULE: Rule = Rule {
    id: "sqlite-drop-column-limits",
    severity: Severity::Careful,
    severity_why: "SQLite refuses to drop this column, so the migration fails here; SQLite's DDL is transactional, so a migration run in a transaction leaves nothing half-done.",
    dialects: SQLITE,
    pg_versions: (10, 18),
    summary: "ALTER TABLE DROP COLUMN on a column SQLite cannot drop in place.",
    why: "SQLite (3.35+) refuses to drop a column that is part of the PRIMARY KEY or a UNIQUE \
          constraint, is indexed, is used by a foreign key, or is referenced by a view, trigger or \
          generated column: the statement fails.",
    example: "ALTER TABLE orders DROP COLUMN status;",
    instead: "Drop the index or view that uses the column first, or rebuild the table without it \
              (create new, copy, drop, rename).",
    instead_example: "DROP INDEX orders_status_idx;\nALTER TABLE orders DROP COLUMN status;",
    rollback: "Re-add the column; its data is not restored.",
    as_written_in_plan: &[],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some(Statement::AlterTable(at)) = cx.ast() else {
        return;
    };
    let table = cx.name(&at.name);
    let Some(t) = cx.table(&table) else {
        return;
    };
    for op in &at.operations {
        let AlterTableOperation::DropColumn { column_names, .. } = op else {
            continue;
        };
        for c in column_names {
            let col = cx.ident(c);
            let mut why = Vec::new();
            for k in &t.constraints {
                if k.kind.columns().contains(&col) {
                    why.push(format!("it is in the {} {}", k.kind.label(), k.name));
                }
            }
            for i in cx.catalog.indexes_on(&table) {
                if i.has_column(&col) {
                    why.push(format!("index {} uses it", i.name));
                }
            }
            for other in cx.catalog.tables.values() {
                for k in &other.constraints {
                    if let crate::catalog::ConstraintKind::ForeignKey {
                        references,
                        referred_columns,
                        ..
                    } = &k.kind
                        && *references == table
                        && referred_columns.contains(&col)
                    {
                        why.push(format!(
                            "foreign key {} on {} references it",
                            k.name, other.name
                        ));
                    }
                }
            }
            for v in cx.catalog.views.values() {
                let def = v.definition.to_lowercase();
                if def.contains(&table)
                    && def
                        .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                        .any(|w| w == col)
                {
                    why.push(format!("view {} uses it", v.name));
                }
            }
            if !why.is_empty() {
                out.push(Hit::new(format!(
                    "SQLite cannot drop {table}.{col}: {}",
                    why.join("; ")
                )));
            }
        }
    }
}
