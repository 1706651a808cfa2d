use super::*;

pub static RULE: Rule = Rule {
    id: "creating-existing-object",
    severity: Severity::Careful,
    severity_why: "the statement fails on the real database (and the migration with it), or \
                   with IF NOT EXISTS silently keeps the object that was there, whatever its \
                   definition.",
    dialects: ALL_DIALECTS,
    pg_versions: (10, 18),
    summary: "A CREATE of a table, index, view, sequence or type whose name already exists.",
    why: "The schema already has an object of that name. Without IF NOT EXISTS the statement \
          fails; with it, nothing happens, and the existing object (a partial index, a table \
          with other columns) is what the application gets instead of the one the migration \
          describes.",
    example: "CREATE INDEX orders_status_idx ON orders (status, id);",
    instead: "Give the new object a name of its own, or drop or rename the existing one first \
              if it is meant to be replaced.",
    instead_example: "CREATE INDEX orders_status_id_idx ON orders (status, id);",
    rollback: "Drop the object the migration created; nothing to undo when the statement failed \
               or did nothing.",
    as_written_in_plan: &[
        (
            Dialect::Postgres,
            "Only the author can pick another name or drop what has it: the plan keeps the statement, which fails (or, with IF NOT EXISTS, does nothing).",
        ),
        (
            Dialect::Sqlite,
            "Only the author can pick another name or drop what has it: the plan keeps the statement, which fails (or, with IF NOT EXISTS, does nothing).",
        ),
    ],
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((what, name, if_not_exists)) = created_name(cx) else {
        return;
    };
    if !exists(cx, what, &name) {
        return;
    }
    out.push(Hit::new(if if_not_exists {
        format!(
            "{what} {name} already exists: IF NOT EXISTS makes this statement do nothing and keeps the existing one, whatever its definition"
        )
    } else {
        format!("{what} {name} already exists: this statement fails, and the migration with it")
    }));
}

#[derive(Clone, Copy)]
enum Kind {
    Table,
    Index,
    View,
    Sequence,
    Type,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Table => "table",
            Kind::Index => "index",
            Kind::View => "view",
            Kind::Sequence => "sequence",
            Kind::Type => "type",
        })
    }
}

/// What the statement creates: (kind, name, IF NOT EXISTS).
fn created_name(cx: &Ctx) -> Option<(Kind, String, bool)> {
    Some(match cx.ast()? {
        Statement::CreateTable(ct) if !ct.or_replace => {
            (Kind::Table, cx.name(&ct.name), ct.if_not_exists)
        }
        Statement::CreateIndex(ci) => (Kind::Index, cx.name(ci.name.as_ref()?), ci.if_not_exists),
        Statement::CreateView(view) if !view.or_replace => {
            (Kind::View, cx.name(&view.name), view.if_not_exists)
        }
        Statement::CreateSequence {
            name,
            if_not_exists,
            ..
        } => (Kind::Sequence, cx.name(name), *if_not_exists),
        Statement::CreateType { name, .. } => (Kind::Type, cx.name(name), false),
        _ => return None,
    })
}

fn exists(cx: &Ctx, what: Kind, name: &str) -> bool {
    let catalog = cx.catalog;
    match what {
        Kind::Table | Kind::View => {
            catalog.tables.contains_key(name) || catalog.views.contains_key(name)
        }
        Kind::Index => match (cx.dialect, cx.ast()) {
            // MySQL index names belong to their table.
            (Dialect::Mysql, Some(Statement::CreateIndex(ci))) => catalog
                .indexes
                .get(name)
                .is_some_and(|index| index.table == cx.name(&ci.table_name)),
            _ => catalog.indexes.contains_key(name),
        },
        Kind::Sequence => catalog.sequences.contains(name),
        Kind::Type => catalog.enums.contains_key(name),
    }
}
