//! Reads Knex migrations: `exports.up` / `exports.down` (or exported
//! `up`/`down` functions), each `knex.schema` call (chained calls in
//! order; `createTable`, `table`/`alterTable` with their builder,
//! `dropTable[IfExists]`, `renameTable`, `raw`) and `knex.raw` of literal
//! SQL as the SQL Knex runs on the dialect; `hasTable(...).then(...)` and
//! `hasColumn` guards read their body. Other JavaScript is code not
//! analysed.

use crate::Dialect;
use crate::frameworks::dsl::builder::{
    Built, block_arg, columns_arg, default_name, second_name, text,
};
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

/// The language, for messages.
const LANG: &str = "JavaScript";

type Read = Result<Vec<String>, String>;

pub fn read(cx: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(cx.text, Lang::Js), Lang::Js);
    let mut ops = Ops::new(cx.dialect, cx.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(cx.dialect);
    for node in &nodes {
        let (name, block) = match &node.value {
            // `exports.up = (knex) => ...`, `module.exports.down = function ...`.
            Value::Assign(target, value) => match (target.value.links().last(), &value.value) {
                (Some(l), Value::Block(b)) => (l.name.as_str(), b),
                _ => {
                    if let Some(l) = target.value.links().last()
                        && l.name == "config"
                        && matches!(&value.value, Value::Map(p) if matches!(tree::map_get(p, "transaction"), Some(Value::Bool(false))))
                    {
                        ops.reading.transaction = Some(false);
                    }
                    continue;
                }
            },
            // `export async function up(knex) { ... }`.
            Value::Def(name, block) => (name.as_str(), block),
            _ => continue,
        };
        let section = match name {
            "up" => Section::Up,
            "down" => Section::Down,
            _ => continue,
        };
        ops.section = section;
        let knex = block
            .params
            .first()
            .map_or("knex", String::as_str)
            .to_string();
        body(&mut ops, &knex, &block.body, false);
        ops.section = Section::Up;
    }
    ops.reading
}

/// Statements of a function; `guarded` inside a `hasTable().then(...)`,
/// whose `if (!exists)` is the guard's.
fn body(ops: &mut Ops, knex: &str, statements: &[Node], guarded: bool) {
    for node in statements {
        statement(ops, knex, node, guarded);
    }
}

fn statement(ops: &mut Ops, knex: &str, node: &Node, guarded: bool) {
    match &node.value {
        Value::Chain(links) if links.first().is_some_and(|l| l.name == knex) => {
            chain(ops, knex, node, links)
        }
        Value::Control(word, inner) if guarded && word == "if" => {
            body(ops, knex, inner.get(1..).unwrap_or_default(), false);
        }
        Value::Control(word, inner) => {
            let inside = ops.control(node, Lang::Js, word, inner);
            body(ops, knex, inside, false);
        }
        Value::Assign(_, value) if value.value.links().first().is_some_and(|l| l.name == knex) => {
            statement(ops, knex, value, guarded);
        }
        // `Promise.all([...])`.
        Value::Chain(links) if links.len() == 2 && links[0].name == "Promise" => {
            for arg in links[1].positional() {
                match &arg.value {
                    Value::List(items) => body(ops, knex, items, false),
                    _ => statement(ops, knex, arg, false),
                }
            }
        }
        Value::Nil | Value::Str(_) => {}
        _ => ops.code(node, "JavaScript migplan does not follow"),
    }
}

/// `knex.schema.a(...).b(...)`, `knex.raw(...)`, `knex.schema.hasTable(t).then(...)`.
fn chain(ops: &mut Ops, knex: &str, node: &Node, links: &[Link]) {
    let d = ops.dialect;
    match links.get(1).map(|l| l.name.as_str()) {
        Some("raw") => {
            let result = raw(&links[1]);
            ops.read(node, result);
        }
        Some("schema") => {
            let mut out = Vec::new();
            for (i, link) in links.iter().enumerate().skip(2) {
                match link.name.as_str() {
                    // A guard: its `then` reads on.
                    "hasTable" | "hasColumn" => {}
                    // `.then(...)`: its function runs next (a guard's after
                    // `hasTable`/`hasColumn`).
                    "then" => {
                        if !out.is_empty() {
                            ops.sql(node, std::mem::take(&mut out));
                        }
                        let guarded =
                            matches!(links[i - 1].name.as_str(), "hasTable" | "hasColumn");
                        for arg in link.positional() {
                            if let Value::Block(block) = &arg.value {
                                body(ops, knex, &block.body, guarded);
                            }
                        }
                    }
                    "withSchema" => {}
                    _ => match schema_call(d, link) {
                        Ok(sql) => out.extend(sql),
                        Err(why) => {
                            ops.not_analysed(node, why);
                            return;
                        }
                    },
                }
            }
            ops.sql(node, out);
        }
        _ => ops.code(node, "JavaScript migplan does not follow"),
    }
}

fn raw(call: &Link) -> Read {
    match call.positional().next().map(|n| &n.value) {
        Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
        Some(Value::Interp(_)) => Err("SQL built at run time (a template with ${...})".into()),
        _ => Err("raw SQL built in JavaScript".into()),
    }
}

fn schema_call(d: Dialect, call: &Link) -> Read {
    match call.name.as_str() {
        "createTable" | "createTableIfNotExists" => {
            let table = text(call, 0)?;
            let builder = block_arg(call, "a builder function")?;
            create_table(d, &table, builder, call.name == "createTableIfNotExists")
        }
        "table" | "alterTable" => {
            let table = text(call, 0)?;
            alter_table(d, &table, block_arg(call, "a builder function")?)
        }
        "dropTable" => Ok(vec![sql::drop_table(&text(call, 0)?, false, false, d)]),
        "dropTableIfExists" => Ok(vec![sql::drop_table(&text(call, 0)?, true, false, d)]),
        "renameTable" => Ok(vec![sql::rename_table(&text(call, 0)?, &text(call, 1)?, d)]),
        "raw" => raw(call),
        other => Err(format!(
            "`knex.schema.{other}`, which migplan does not read"
        )),
    }
}

fn create_table(d: Dialect, table: &str, builder: &Block, if_not_exists: bool) -> Read {
    Ok(build(d, table, builder)?.create(table, if_not_exists, d))
}

fn alter_table(d: Dialect, table: &str, builder: &Block) -> Read {
    Ok(build(d, table, builder)?.alter(table, d))
}

fn build(d: Dialect, table: &str, builder: &Block) -> Result<Built, String> {
    let var = builder.params.first().map_or("table", String::as_str);
    let mut built = Built::default();
    for statement in &builder.body {
        let links = statement.value.links();
        match links {
            [first, call, modifiers @ ..] if first.name == var => {
                builder_call(d, table, call, modifiers, &mut built)?;
            }
            _ => return Err("JavaScript in the table builder migplan does not follow".into()),
        }
    }
    Ok(built)
}

fn builder_call(
    d: Dialect,
    table: &str,
    call: &Link,
    modifiers: &[Link],
    built: &mut Built,
) -> Result<(), String> {
    if built.shared_call(d, table, call, LANG)? {
        return Ok(());
    }
    match call.name.as_str() {
        "primary" => {
            let columns = columns_arg(call, 0, LANG)?;
            let name =
                second_name(call).unwrap_or_else(|| format!("{}_pkey", crate::names::last(table)));
            built.constraints.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                crate::ddl::ident(&name, d),
                crate::ddl::columns(&columns, d)
            ));
        }
        "unique" => {
            let columns = columns_arg(call, 0, LANG)?;
            let name =
                index_name_arg(call).unwrap_or_else(|| default_name(table, &columns, "unique"));
            built.constraints.push(format!(
                "CONSTRAINT {} UNIQUE ({})",
                crate::ddl::ident(&name, d),
                crate::ddl::columns(&columns, d)
            ));
        }
        "index" => {
            let columns = columns_arg(call, 0, LANG)?;
            let name =
                index_name_arg(call).unwrap_or_else(|| default_name(table, &columns, "index"));
            built.after.push(
                IndexSpec {
                    table: table.to_string(),
                    name,
                    columns,
                    ..IndexSpec::default()
                }
                .create(d),
            );
        }
        "foreign" => {
            let columns = columns_arg(call, 0, LANG)?;
            let name =
                second_name(call).unwrap_or_else(|| default_name(table, &columns, "foreign"));
            built
                .foreign_keys
                .push(reference(table, name, columns, modifiers)?);
        }
        "dropIndex" | "dropUnique" | "dropForeign" | "dropPrimary" => {
            drop_key(d, table, call, built)?
        }
        "setNullable" | "dropNullable" => {
            let column = text(call, 0)?;
            if d == Dialect::Mysql {
                return Err(format!(
                    "`{}` on MySQL restates the column's type",
                    call.name
                ));
            }
            built.after.push(sql::set_not_null(
                table,
                &column,
                call.name == "dropNullable",
                d,
            ));
        }
        "timestamps" => {
            let ty = if d == Dialect::Postgres {
                "timestamp with time zone"
            } else {
                "datetime"
            };
            for c in ["created_at", "updated_at"] {
                built.columns.push(ColumnSpec::new(c, ty));
            }
        }
        _ => column_call(d, table, call, modifiers, built)?,
    }
    Ok(())
}

fn index_name_arg(call: &Link) -> Option<String> {
    match call.positional().nth(1).map(|n| &n.value) {
        Some(Value::Str(name)) => Some(name.clone()),
        Some(Value::Map(opts)) => tree::map_get(opts, "indexName")
            .and_then(Value::str)
            .map(str::to_string),
        _ => None,
    }
}

fn drop_key(d: Dialect, table: &str, call: &Link, built: &mut Built) -> Result<(), String> {
    let (kind, suffix) = match call.name.as_str() {
        "dropIndex" => (None, "index"),
        "dropUnique" => (Some(ConstraintKind::Unique), "unique"),
        "dropForeign" => (Some(ConstraintKind::ForeignKey), "foreign"),
        _ => (Some(ConstraintKind::PrimaryKey), "pkey"),
    };
    let explicit = call
        .positional()
        .nth(if call.name == "dropPrimary" { 0 } else { 1 })
        .and_then(|n| n.value.str());
    let name = match explicit {
        Some(n) => n.to_string(),
        None if call.name == "dropPrimary" => format!("{}_pkey", crate::names::last(table)),
        None => default_name(table, &columns_arg(call, 0, LANG)?, suffix),
    };
    built.after.push(match kind {
        None => sql::drop_index(table, &name, false, false, d),
        Some(kind) => sql::drop_constraint(table, &name, kind, false, d),
    });
    Ok(())
}

/// `.references('id').inTable('t').onDelete('CASCADE')` (or `'t.id'`).
fn reference(
    table: &str,
    name: String,
    columns: Vec<String>,
    modifiers: &[Link],
) -> Result<ForeignKey, String> {
    let arg = |n: &str| {
        modifiers
            .iter()
            .find(|m| m.name == n)
            .and_then(|m| m.positional().next())
            .and_then(|v| v.value.str())
    };
    let target = arg("references").ok_or("a foreign key without references")?;
    let (to_table, to_column) = match (target.rsplit_once('.'), arg("inTable")) {
        (_, Some(t)) => (t.to_string(), target.to_string()),
        (Some((t, c)), None) => (t.to_string(), c.to_string()),
        (None, None) => return Err("a foreign key without its table".into()),
    };
    Ok(ForeignKey {
        table: table.to_string(),
        name,
        columns,
        to_table,
        to_columns: vec![to_column],
        on_delete: arg("onDelete").map(str::to_ascii_uppercase),
        on_update: arg("onUpdate").map(str::to_ascii_uppercase),
        not_valid: false,
    })
}

/// A column (`t.string('name', 256).notNullable()...`).
fn column_call(
    d: Dialect,
    table: &str,
    call: &Link,
    modifiers: &[Link],
    built: &mut Built,
) -> Result<(), String> {
    let name = text(call, 0)?;
    let mut c = ColumnSpec::new(&name, column_type(d, call)?);
    let has = |m: &str| modifiers.iter().any(|l| l.name == m);
    if matches!(call.name.as_str(), "increments" | "bigIncrements") {
        c.primary_key = true;
        c.auto_increment = true;
    }
    if has("unsigned") && d == Dialect::Mysql {
        c.ty.push_str(" unsigned");
    }
    c.not_null = has("notNullable") || c.primary_key;
    c.primary_key |= has("primary");
    if let Some(m) = modifiers.iter().find(|m| m.name == "defaultTo") {
        c.default = match m.positional().next().map(|n| &n.value) {
            Some(v) if v.links().iter().any(|l| l.name == "now") => {
                Some("CURRENT_TIMESTAMP".into())
            }
            Some(v) if v.links().last().is_some_and(|l| l.name == "raw") => {
                Some(raw(v.links().last().ok_or("raw")?)?.concat())
            }
            Some(v) => Some(literal(v).ok_or("a default built in JavaScript")?),
            None => None,
        };
    }
    if has("unique") {
        built.constraints.push(format!(
            "CONSTRAINT {} UNIQUE ({})",
            crate::ddl::ident(
                &default_name(table, std::slice::from_ref(&name), "unique"),
                d
            ),
            crate::ddl::ident(&name, d)
        ));
    }
    if has("index") {
        let columns = vec![name.clone()];
        built.after.push(
            IndexSpec {
                table: table.to_string(),
                name: default_name(table, &columns, "index"),
                columns,
                ..IndexSpec::default()
            }
            .create(d),
        );
    }
    if has("references") {
        let fk_name = default_name(table, std::slice::from_ref(&name), "foreign");
        built
            .foreign_keys
            .push(reference(table, fk_name, vec![name.clone()], modifiers)?);
    }
    if has("alter") {
        built.changed.push(c);
    } else {
        built.columns.push(c);
    }
    Ok(())
}

/// A Knex column type for the dialect.
fn column_type(d: Dialect, call: &Link) -> Result<String, String> {
    let num = |at: usize| match call.positional().nth(at).map(|n| &n.value) {
        Some(Value::Num(n)) => Some(n.clone()),
        _ => None,
    };
    let (pg, my) = (d == Dialect::Postgres, d == Dialect::Mysql);
    Ok(match call.name.as_str() {
        "increments" => if pg {
            "serial"
        } else if my {
            "int unsigned"
        } else {
            "integer"
        }
        .into(),
        "bigIncrements" => if pg {
            "bigserial"
        } else if my {
            "bigint unsigned"
        } else {
            "integer"
        }
        .into(),
        "integer" => if my { "int" } else { "integer" }.into(),
        "bigInteger" | "bigint" => "bigint".into(),
        "tinyint" => if my { "tinyint" } else { "smallint" }.into(),
        "smallint" => "smallint".into(),
        "mediumint" => if my { "mediumint" } else { "integer" }.into(),
        "string" => format!("varchar({})", num(1).unwrap_or_else(|| "255".into())),
        "text" => match call.positional().nth(1).and_then(|n| n.value.str()) {
            Some("mediumtext") if my => "mediumtext".into(),
            Some("longtext") if my => "longtext".into(),
            _ => "text".into(),
        },
        "boolean" => "boolean".into(),
        "date" => "date".into(),
        "dateTime" | "datetime" => if pg {
            "timestamp with time zone"
        } else {
            "datetime"
        }
        .into(),
        "timestamp" => if pg {
            "timestamp with time zone"
        } else {
            "timestamp"
        }
        .into(),
        "time" => "time".into(),
        "decimal" => format!(
            "decimal({}, {})",
            num(1).unwrap_or_else(|| "8".into()),
            num(2).unwrap_or_else(|| "2".into())
        ),
        "float" => format!(
            "float({}, {})",
            num(1).unwrap_or_else(|| "8".into()),
            num(2).unwrap_or_else(|| "2".into())
        ),
        "double" => if pg { "double precision" } else { "double" }.into(),
        "json" => "json".into(),
        "jsonb" => if pg { "jsonb" } else { "json" }.into(),
        "uuid" => if pg { "uuid" } else { "char(36)" }.into(),
        "binary" => match (num(1), pg) {
            (_, true) => "bytea".into(),
            (Some(n), false) => format!("varbinary({n})"),
            (None, false) => "blob".into(),
        },
        "enu" | "enum" => {
            let values = call
                .positional()
                .nth(1)
                .and_then(|n| names_of(&n.value))
                .ok_or("enum values built in JavaScript")?;
            let quoted: Vec<String> = values.iter().map(|v| crate::ddl::literal(v)).collect();
            if my {
                format!("enum({})", quoted.join(", "))
            } else {
                "text".into()
            }
        }
        "specificType" => {
            let ty = text(call, 1)?;
            let plain = ty
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '(' | ')' | ',' | '_'));
            if !plain {
                return Err(format!("specificType `{ty}`"));
            }
            ty
        }
        other => {
            return Err(format!(
                "`{other}`, a Knex column type migplan does not know"
            ));
        }
    })
}
