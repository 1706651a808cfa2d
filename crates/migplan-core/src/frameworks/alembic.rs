//! Alembic: alembic/versions/<revision>_<name>.py.

use super::*;

#[path = "alembic_reader.rs"]
mod reader;

fn claims(text: &str) -> bool {
    text.contains("from alembic import")
        || (text.contains("down_revision") && text.contains("def upgrade"))
}

pub static SPEC: Spec = Spec {
    framework: Framework::Alembic,
    id: "alembic",
    label: "Alembic",
    naming: "alembic/versions/<revision>_<name>.py",
    ordering: "by the down_revision chain",
    transactions: "one transaction; op.get_context().autocommit_block()",
    has_down: true,
    version_order: VersionOrder::Numeric,
    default_dir: "alembic/versions",
    detect,
    write,
    reader: Some(Reader {
        lang: dsl::Lang::Python,
        extensions: &[".py"],
        claims,
        read: reader::read,
    }),
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    if files.iter().any(|x| base(x.path) == "alembic.ini") {
        hit(&mut found, 10, "alembic.ini".into());
    }
    let v: Vec<&File> = files
        .iter()
        .filter(|x| parent(x.path).ends_with("versions") && x.text.contains("down_revision"))
        .collect();
    if !v.is_empty() {
        hit(
            &mut found,
            4 * v.len() as u32,
            format!("{} alembic/versions revisions", v.len()),
        );
        found.dir = parent(v[0].path).to_string();
        // Order by the down_revision chain.
        let rev = |t: &str, key: &str| -> Option<String> {
            t.lines()
                .find(|l| l.trim_start().starts_with(key))
                .and_then(|l| l.split(['\'', '"']).nth(1))
                .map(str::to_string)
        };
        let mut by_parent: BTreeMap<Option<String>, &File> = BTreeMap::new();
        for x in &v {
            by_parent.insert(rev(x.text, "down_revision"), x);
        }
        let mut cur: Option<String> = None;
        let mut i = 0;
        while let Some(x) = by_parent.get(&cur) {
            let id = rev(x.text, "revision").unwrap_or_default();
            let name = base(x.path)
                .split_once('_')
                .map_or("", |(_, n)| n)
                .trim_end_matches(".py")
                .to_string();
            found.migrations.push(Migration {
                version: format!("{i:04}"),
                name: format!("{id} {name}"),
                up_path: x.path.into(),
                down_path: x.text.contains("def downgrade").then(|| x.path.to_string()),
            });
            cur = Some(id);
            i += 1;
            if i > v.len() {
                break;
            }
        }
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let existing = cx.existing;
    let mut files = Vec::new();
    let mut previous = existing
        .last()
        .map(|m| m.name.split_whitespace().next().unwrap_or("").to_string());
    for u in cx.units {
        let rev = format!("{:012x}", fnv(&format!("{}{}", u.version, u.name)));
        let down_rev = previous
            .as_ref()
            .map(|p| py_str(p))
            .unwrap_or_else(|| "None".into());
        // A unit that cannot run in a transaction runs in autocommit_block.
        let pad = if u.transactional { "    " } else { "        " };
        let speech = Speech {
            comment: &|text| format!("{pad}# {text}"),
            sql: &|sql| format!("{pad}op.execute({})", py(sql)),
            op: &|op| operation(op).map(|line| format!("{pad}{line}")),
        };
        let block = |body: String| {
            // A body of comments alone needs a statement.
            let body = if body.lines().all(|l| l.trim_start().starts_with('#')) {
                format!("{body}\n{pad}pass")
            } else {
                body
            };
            if u.transactional {
                body
            } else {
                format!("    with op.get_context().autocommit_block():\n{body}")
            }
        };
        let up = block(speech.render(&u.up_pieces()));
        let down = match u.down_pieces() {
            Some(pieces) => block(speech.render(&pieces)),
            None => format!("    raise NotImplementedError({})", py_str(NO_ROLLBACK)),
        };
        files.push(ExportFile {
            path: cx.join(&format!("{rev}_{}.py", u.name)),
            content: format!(
                "\"\"\"{}\n\nRevision ID: {rev}\nRevises: {}\n\"\"\"\n{}from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{rev}\"\ndown_revision = {down_rev}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n{up}\n\n\ndef downgrade():\n{down}\n",
                u.name,
                previous.as_deref().unwrap_or("(none)"),
                deploy_note(u, "#"),
            ),
        });
        previous = Some(rev);
    }
    files
}

/// A SQLAlchemy type for a column type, when there is a plain one.
fn sa_type(sql_type: &str) -> Option<String> {
    let lower = sql_type.to_ascii_lowercase();
    let (base, args) = crate::names::type_parts(&lower);
    let ty = match (base, args.as_slice()) {
        ("text", []) => "sa.Text()".to_string(),
        ("integer" | "int" | "int4", []) => "sa.Integer()".to_string(),
        ("bigint" | "int8", []) => "sa.BigInteger()".to_string(),
        ("smallint" | "int2", []) => "sa.SmallInteger()".to_string(),
        ("boolean" | "bool", []) => "sa.Boolean()".to_string(),
        ("date", []) => "sa.Date()".to_string(),
        ("varchar" | "character varying", [n]) => format!("sa.String({n})"),
        ("numeric" | "decimal", [p, s]) => format!("sa.Numeric({p}, {s})"),
        _ => return None,
    };
    Some(ty)
}

fn if_exists(guard: bool, word: &str) -> String {
    if guard {
        format!(", {word}=True")
    } else {
        String::new()
    }
}

/// The `op.*` call saying `op`; `None` where Alembic has none (a
/// constraint's validation) or the table is schema-qualified.
fn operation(op: &Native) -> Option<String> {
    if op.table().contains('.') {
        return None;
    }
    let table = py_str(op.table());
    let line = match op {
        Native::AddIndex { .. } | Native::RemoveIndex { .. } => index_operation(op, &table)?,
        Native::AddForeignKey { .. }
        | Native::AddCheck { .. }
        | Native::Validate { .. }
        | Native::RemoveConstraint { .. } => constraint_operation(op, &table)?,
        Native::ChangeNull { column, null, .. } => {
            let null = if *null { "True" } else { "False" };
            format!(
                "op.alter_column({table}, {}, nullable={null})",
                py_str(column)
            )
        }
        Native::AddColumn {
            column,
            sql_type,
            guard,
            ..
        } => format!(
            "op.add_column({table}, sa.Column({}, {}){})",
            py_str(column),
            sa_type(sql_type)?,
            if_exists(*guard, "if_not_exists")
        ),
        Native::SetDefault {
            column, default, ..
        } => {
            let default = match default {
                Some(expression) => format!("sa.text({})", py_str(expression)),
                None => "None".to_string(),
            };
            format!(
                "op.alter_column({table}, {}, server_default={default})",
                py_str(column)
            )
        }
        Native::RemoveColumn { column, guard, .. } => format!(
            "op.drop_column({table}, {}{})",
            py_str(column),
            if_exists(*guard, "if_exists")
        ),
        Native::RenameColumn { from, to, .. } => format!(
            "op.alter_column({table}, {}, new_column_name={})",
            py_str(from),
            py_str(to)
        ),
    };
    Some(line)
}

/// An index built or dropped.
fn index_operation(op: &Native, table: &str) -> Option<String> {
    let line = match op {
        Native::AddIndex {
            name,
            columns,
            unique,
            concurrently,
            predicate,
            guard,
            ..
        } => {
            let columns: Vec<String> = columns.iter().map(|c| py_str(c)).collect();
            let mut line = format!(
                "op.create_index({}, {table}, [{}]",
                py_str(name),
                columns.join(", ")
            );
            if *unique {
                line.push_str(", unique=True");
            }
            if let Some(predicate) = predicate {
                line.push_str(&format!(
                    ", postgresql_where=sa.text({})",
                    py_str(predicate)
                ));
            }
            if *concurrently {
                line.push_str(", postgresql_concurrently=True");
            }
            line.push_str(&if_exists(*guard, "if_not_exists"));
            line + ")"
        }
        Native::RemoveIndex {
            name,
            concurrently,
            guard,
            ..
        } => {
            let concurrently = if *concurrently {
                ", postgresql_concurrently=True"
            } else {
                ""
            };
            format!(
                "op.drop_index({}, table_name={table}{concurrently}{})",
                py_str(name),
                if_exists(*guard, "if_exists")
            )
        }
        _ => return None,
    };
    Some(line)
}

/// A constraint added, validated or dropped.
fn constraint_operation(op: &Native, table: &str) -> Option<String> {
    let line = match op {
        Native::AddForeignKey {
            name,
            column,
            to_table,
            to_column,
            on_delete,
            validate,
            ..
        } => {
            let mut line = format!(
                "op.create_foreign_key({}, {table}, {}, [{}], [{}]",
                py_str(name),
                py_str(to_table),
                py_str(column),
                py_str(to_column)
            );
            match on_delete {
                Some(OnDelete::Cascade) => line.push_str(", ondelete=\"CASCADE\""),
                Some(OnDelete::SetNull) => line.push_str(", ondelete=\"SET NULL\""),
                Some(OnDelete::Restrict) => line.push_str(", ondelete=\"RESTRICT\""),
                None => {}
            }
            if !validate {
                line.push_str(", postgresql_not_valid=True");
            }
            line + ")"
        }
        Native::AddCheck {
            name,
            expression,
            validate,
            ..
        } => {
            let not_valid = if *validate {
                ""
            } else {
                ", postgresql_not_valid=True"
            };
            format!(
                "op.create_check_constraint({}, {table}, {}{not_valid})",
                py_str(name),
                py_str(expression)
            )
        }
        Native::Validate { .. } => return None,
        Native::RemoveConstraint {
            name, kind, guard, ..
        } => {
            let kind = match kind {
                ConstraintKind::ForeignKey => "foreignkey",
                ConstraintKind::Check => "check",
            };
            format!(
                "op.drop_constraint({}, {table}, type_=\"{kind}\"{})",
                py_str(name),
                if_exists(*guard, "if_exists")
            )
        }
        _ => return None,
    };
    Some(line)
}
