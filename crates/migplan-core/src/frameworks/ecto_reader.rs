//! Reads Ecto migrations: `change` and `up` as the up, `down` as the
//! down; `create`/`create_if_not_exists`/`alter`/`drop`/`drop_if_exists`
//! of `table(...)`, `index(...)`, `unique_index(...)`, `constraint(...)`;
//! `add`/`modify`/`remove` in table blocks; `rename`; `execute` of literal
//! SQL (with its down in `change`), as the SQL Ecto runs on PostgreSQL.
//! `@disable_ddl_transaction true` runs the file outside a transaction.
//! Other Elixir is code not analysed.

use crate::Dialect;
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

pub fn read(cx: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(cx.text, Lang::Elixir), Lang::Elixir);
    let mut ops = Ops::new(cx.dialect, cx.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(cx.dialect);
    for node in &nodes {
        if let Value::Class(module) = &node.value {
            for member in &module.body {
                read_member(&mut ops, member);
            }
        }
    }
    ops.reading
}

fn read_member(ops: &mut Ops, node: &Node) {
    match &node.value {
        Value::Def(name, body) => {
            let section = match name.as_str() {
                "change" | "up" => Section::Up,
                "down" => Section::Down,
                _ => return,
            };
            ops.section = section;
            let in_change = name == "change";
            for statement in &body.body {
                read_statement(ops, statement, in_change);
            }
            ops.section = Section::Up;
        }
        // `@disable_ddl_transaction true`.
        Value::Chain(links)
            if links
                .first()
                .is_some_and(|l| l.name == "@disable_ddl_transaction")
                && links[0]
                    .positional()
                    .next()
                    .is_some_and(|v| v.value == Value::Bool(true)) =>
        {
            ops.reading.transaction = Some(false);
        }
        _ => {}
    }
}

fn read_statement(ops: &mut Ops, node: &Node, in_change: bool) {
    let d = ops.dialect;
    match &node.value {
        Value::Chain(links) if links.len() == 1 => {
            let call = &links[0];
            match call.name.as_str() {
                "execute" => execute(ops, node, call, in_change),
                "flush" => ops.sql(node, Vec::new()),
                "alter" => {
                    let result = alter(d, call);
                    ops.read(node, result);
                }
                _ => {
                    let result = command(d, call);
                    ops.read(node, result);
                }
            }
        }
        Value::Control(word, inner) => {
            for n in ops.control(node, Lang::Elixir, word, inner) {
                read_statement(ops, n, in_change);
            }
        }
        _ => ops.code(node, "Elixir migplan does not follow"),
    }
}

/// `execute "sql"`, `execute "up", "down"` (in `change`).
fn execute(ops: &mut Ops, node: &Node, call: &Link, in_change: bool) {
    let mut args = call.positional();
    let sql_of = |v: Option<&Node>| -> Read {
        match v.map(|n| &n.value) {
            Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
            Some(Value::Interp(_)) => Err("SQL built at run time (an interpolated string)".into()),
            _ => Err("execute of SQL built in Elixir".into()),
        }
    };
    ops.read(node, sql_of(args.next()));
    if in_change && let Some(down) = args.next() {
        let before = ops.section;
        ops.section = Section::Down;
        ops.read(node, sql_of(Some(down)));
        ops.section = before;
    }
}

/// The `do ... end` block of `create table(:t) do ... end` (it follows
/// the `table(...)` call).
fn block_of(call: &Link) -> Option<&Block> {
    call.block.as_ref().or_else(|| {
        call.positional()
            .next()
            .and_then(|n| n.value.links().last())
            .and_then(|l| l.block.as_ref())
    })
}

/// The call a command applies to: `table(:t, ...)`, `index(...)`.
fn target(call: &Link) -> Result<&Link, String> {
    call.positional()
        .next()
        .and_then(|n| n.value.links().last())
        .ok_or_else(|| format!("`{}` of something built in Elixir", call.name))
}

fn name_at(call: &Link, at: usize) -> Result<String, String> {
    crate::frameworks::dsl::builder::text(call, at)
}

/// A table with its `prefix:` (schema).
fn table_name(table: &Link) -> Result<String, String> {
    let name = name_at(table, 0)?;
    Ok(match table.named("prefix").and_then(Value::str) {
        Some(prefix) => format!("{prefix}.{name}"),
        None => name,
    })
}

fn command(d: Dialect, call: &Link) -> Read {
    let verb = call.name.as_str();
    let create = matches!(verb, "create" | "create_if_not_exists");
    let drop = matches!(verb, "drop" | "drop_if_exists");
    if verb == "rename" {
        return rename(d, call);
    }
    if !create && !drop {
        return Err(format!("`{verb}`, which migplan does not read"));
    }
    let what = target(call)?;
    match (what.name.as_str(), create) {
        ("table", true) => create_table(d, call, what, verb == "create_if_not_exists"),
        ("table", false) => Ok(vec![sql::drop_table(
            &table_name(what)?,
            verb == "drop_if_exists",
            false,
            d,
        )]),
        ("index" | "unique_index", true) => Ok(vec![
            index(d, what, verb == "create_if_not_exists")?.create(d),
        ]),
        ("index" | "unique_index", false) => {
            let spec = index(d, what, false)?;
            let name = match what.named("prefix").and_then(Value::str) {
                Some(prefix) => format!("{prefix}.{}", spec.name),
                None => spec.name,
            };
            Ok(vec![sql::drop_index(
                &spec.table,
                &name,
                spec.concurrently,
                verb == "drop_if_exists",
                d,
            )])
        }
        ("constraint", true) => {
            let table = table_name(what)?;
            let name = name_at(what, 1)?;
            match what.named("check").and_then(Value::str) {
                Some(check) => Ok(vec![sql::add_check(&table, &name, check, false, d)]),
                None => Err("a constraint that is not a literal check (an exclusion)".into()),
            }
        }
        ("constraint", false) => Ok(vec![sql::drop_constraint(
            &table_name(what)?,
            &name_at(what, 1)?,
            ConstraintKind::Other,
            verb == "drop_if_exists",
            d,
        )]),
        (other, _) => Err(format!(
            "`{verb} {other}(...)`, which migplan does not read"
        )),
    }
}

/// `rename table(:a), to: table(:b)`, `rename table(:t), :old, to: :new`.
fn rename(d: Dialect, call: &Link) -> Read {
    let table = table_name(target(call)?)?;
    let to = call.named("to").ok_or("rename without `to:`")?;
    match (call.positional().nth(1).and_then(|n| n.value.str()), to) {
        (Some(old), Value::Sym(new)) => Ok(vec![sql::rename_column(&table, old, new, d)]),
        (None, Value::Chain(links)) => {
            let new = links
                .last()
                .map(|l| name_at(l, 0))
                .ok_or("rename to a table named in Elixir")??;
            Ok(vec![sql::rename_table(&table, &new, d)])
        }
        _ => Err("rename of names built in Elixir".into()),
    }
}

/// `index(:t, [:a, :b], unique: true, concurrently: true, where: "...")`.
fn index(d: Dialect, what: &Link, if_not_exists: bool) -> Result<IndexSpec, String> {
    let table = table_name(what)?;
    let columns_value = what
        .positional()
        .nth(1)
        .map(|n| &n.value)
        .ok_or("an index without columns")?;
    let columns = match columns_value {
        Value::List(items) => items
            .iter()
            .map(|i| match &i.value {
                Value::Sym(c) => Some(crate::ddl::ident(c, d)),
                Value::Str(expr) => Some(expr.clone()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("index columns built in Elixir")?,
        Value::Sym(c) => vec![crate::ddl::ident(c, d)],
        _ => return Err("index columns built in Elixir".into()),
    };
    let bare: Vec<String> = names_of(columns_value).unwrap_or_default();
    let name = what.named("name").and_then(Value::str).map_or_else(
        || {
            format!("{}_{}_index", crate::names::last(&table), bare.join("_"))
                .replace(['(', ')', ' ', ','], "_")
        },
        str::to_string,
    );
    Ok(IndexSpec {
        table,
        name,
        columns,
        expression: true,
        unique: what.name == "unique_index"
            || matches!(what.named("unique"), Some(Value::Bool(true))),
        concurrently: matches!(what.named("concurrently"), Some(Value::Bool(true))),
        if_not_exists,
        using: what.named("using").and_then(Value::str).map(str::to_string),
        where_sql: what.named("where").and_then(Value::str).map(str::to_string),
    })
}

/// An Ecto column type as SQL (`:string`, `{:array, :integer}`).
fn column_type(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::Sym(ty) => match ty.as_str() {
            "string" => "varchar(255)".into(),
            "id" | "bigint" => "bigint".into(),
            "integer" => "integer".into(),
            "binary_id" | "uuid" => "uuid".into(),
            "map" => "jsonb".into(),
            "binary" => "bytea".into(),
            "float" => "double precision".into(),
            "naive_datetime" | "utc_datetime" => "timestamp(0)".into(),
            "naive_datetime_usec" | "utc_datetime_usec" => "timestamp".into(),
            other if other.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => other.into(),
            other => return Err(format!("column type `{other}`")),
        },
        // `{:array, :string}`: a tuple, read as a list.
        Value::List(_) | Value::Map(_) if tuple_pair(v).is_some() => {
            let (kind, inner) = tuple_pair(v).ok_or("a type built in Elixir")?;
            if kind != "array" {
                return Err(format!("a `{kind}` type migplan does not read"));
            }
            format!("{}[]", column_type(&inner)?)
        }
        Value::Str(raw)
            if raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '(' | ')' | ',' | '_')) =>
        {
            raw.clone()
        }
        _ => return Err("a column type built in Elixir".into()),
    })
}

/// `{:array, :string}` (parsed as a map of two keys) as its two parts.
fn tuple_pair(v: &Value) -> Option<(String, Value)> {
    match v {
        Value::Map(pairs) if pairs.len() == 2 => {
            let kind = pairs[0].0.value.str()?.to_string();
            Some((kind, pairs[1].0.value.clone()))
        }
        Value::List(items) if items.len() == 2 => {
            Some((items[0].value.str()?.to_string(), items[1].value.clone()))
        }
        _ => None,
    }
}

/// `add :name, :type, opts` (or `references(...)`) as a column and its key.
fn column(table: &str, call: &Link) -> Result<(ColumnSpec, Option<ForeignKey>), String> {
    let name = name_at(call, 0)?;
    let ty = call
        .positional()
        .nth(1)
        .map(|n| &n.value)
        .ok_or("a column without a type")?;
    let (sql_type, fk) = match ty.links().last().filter(|l| l.name == "references") {
        Some(r) => {
            let to = name_at(r, 0)?;
            let ty = r
                .named("type")
                .map_or(Ok("bigint".to_string()), column_type)?;
            let action = |k: &str| {
                r.named(k).and_then(Value::str).map(|a| match a {
                    "delete_all" | "update_all" => "CASCADE".to_string(),
                    "nilify_all" => "SET NULL".to_string(),
                    "restrict" => "RESTRICT".to_string(),
                    _ => "NO ACTION".to_string(),
                })
            };
            let fk = ForeignKey {
                table: table.to_string(),
                name: r.named("name").and_then(Value::str).map_or_else(
                    || format!("{}_{name}_fkey", crate::names::last(table)),
                    str::to_string,
                ),
                columns: vec![name.clone()],
                to_table: match r.named("prefix").and_then(Value::str) {
                    Some(p) => format!("{p}.{to}"),
                    None => to,
                },
                to_columns: vec![
                    r.named("column")
                        .and_then(Value::str)
                        .unwrap_or("id")
                        .to_string(),
                ],
                on_delete: action("on_delete"),
                on_update: action("on_update"),
                not_valid: matches!(r.named("validate"), Some(Value::Bool(false))),
            };
            (ty, Some(fk))
        }
        None => (column_type(ty)?, None),
    };
    let mut c = ColumnSpec::new(&name, sql_type);
    c.not_null = matches!(call.named("null"), Some(Value::Bool(false)));
    c.primary_key = matches!(call.named("primary_key"), Some(Value::Bool(true)));
    c.default = match call.named("default") {
        None => None,
        Some(Value::Chain(links)) if links.last().is_some_and(|l| l.name == "fragment") => Some(
            links[links.len() - 1]
                .positional()
                .next()
                .and_then(|n| n.value.str())
                .ok_or("a fragment built in Elixir")?
                .to_string(),
        ),
        Some(Value::Map(pairs)) if pairs.is_empty() => Some("'{}'".into()),
        Some(Value::List(items)) if items.is_empty() => Some("'{}'".into()),
        Some(v) => Some(literal(v).ok_or("a default built in Elixir")?),
    };
    Ok((c, fk))
}

fn timestamps(call: &Link) -> Vec<ColumnSpec> {
    let ty = match call.named("type").and_then(Value::str) {
        Some("utc_datetime_usec" | "naive_datetime_usec") => "timestamp",
        _ => "timestamp(0)",
    };
    let inserted = call
        .named("inserted_at")
        .and_then(Value::str)
        .unwrap_or("inserted_at");
    let updated = call
        .named("updated_at")
        .and_then(Value::str)
        .unwrap_or("updated_at");
    [inserted, updated]
        .iter()
        .map(|n| ColumnSpec {
            not_null: true,
            ..ColumnSpec::new(n, ty)
        })
        .collect()
}

fn create_table(d: Dialect, call: &Link, what: &Link, if_not_exists: bool) -> Read {
    let table = table_name(what)?;
    let mut columns = Vec::new();
    if !matches!(what.named("primary_key"), Some(Value::Bool(false))) {
        let mut id = ColumnSpec::new("id", "bigserial");
        id.primary_key = true;
        columns.push(id);
    }
    let mut constraints = Vec::new();
    for line in block_of(call).iter().flat_map(|b: &&Block| &b.body) {
        let [op] = line.value.links() else {
            return Err("Elixir in the table block migplan does not follow".into());
        };
        match op.name.as_str() {
            "add" | "add_if_not_exists" => {
                let (c, fk) = column(&table, op)?;
                constraints.extend(fk.map(|f| f.constraint(d)));
                columns.push(c);
            }
            "timestamps" => columns.extend(timestamps(op)),
            other => {
                return Err(format!(
                    "`{other}` in a table block, which migplan does not read"
                ));
            }
        }
    }
    Ok(vec![sql::create_table(
        &table,
        &columns,
        &constraints,
        if_not_exists,
        d,
    )])
}

/// `alter table(:t) do add ...; modify ...; remove ... end`.
fn alter(d: Dialect, call: &Link) -> Read {
    let table = table_name(target(call)?)?;
    let mut out = Vec::new();
    for line in block_of(call).iter().flat_map(|b: &&Block| &b.body) {
        let [op] = line.value.links() else {
            return Err("Elixir in the alter block migplan does not follow".into());
        };
        match op.name.as_str() {
            "add" | "add_if_not_exists" => {
                let (c, fk) = column(&table, op)?;
                out.push(sql::add_column(
                    &table,
                    &c,
                    op.name == "add_if_not_exists",
                    d,
                ));
                out.extend(fk.map(|f| f.add(d)));
            }
            "remove" | "remove_if_exists" => out.push(sql::drop_column(
                &table,
                &name_at(op, 0)?,
                op.name == "remove_if_exists",
                d,
            )),
            "modify" => {
                let (c, fk) = column(&table, op)?;
                out.push(sql::change_type(
                    &table,
                    &ColumnSpec {
                        not_null: false,
                        default: None,
                        ..c.clone()
                    },
                    None,
                    d,
                ));
                if let Some(Value::Bool(null)) = op.named("null") {
                    out.push(sql::set_not_null(&table, &c.name, !null, d));
                }
                if let Some(default) = &c.default {
                    out.push(sql::set_default(&table, &c.name, Some(default), d));
                }
                out.extend(fk.map(|f| f.add(d)));
            }
            "timestamps" => out.extend(
                timestamps(op)
                    .iter()
                    .map(|c| sql::add_column(&table, c, false, d)),
            ),
            other => {
                return Err(format!(
                    "`{other}` in an alter block, which migplan does not read"
                ));
            }
        }
    }
    Ok(out)
}
