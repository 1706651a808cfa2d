//! Reads Rails migrations: each Active Record schema statement as the SQL
//! Rails runs for it on the chosen dialect (`add_column ... null: false,
//! default:`, `add_index ... algorithm: :concurrently`, `create_table`
//! with its block, `change_table`, `reversible`, `execute <<~SQL`), `up`,
//! `change` and `reversible`'s `dir.up` as the up section, `down` and
//! `dir.down` as the down. Other Ruby (model code, loops, helper methods)
//! is reported as not analysed.

use crate::Dialect;
use crate::frameworks::dsl::builder;
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

/// The migration's Rails version (`Migration[7.1]`): ids are bigint from
/// 5.1 on, `datetime` has precision 6 from 7.0 on.
#[derive(Clone, Copy)]
struct Version(f32);

struct Cx<'a> {
    ops: Ops<'a>,
    version: Version,
}

pub fn read(cx: &ReadCx) -> Reading {
    let (text, d) = (cx.text, cx.dialect);
    let nodes = tree::parse(&tokens::tokenize(text, Lang::Ruby), Lang::Ruby);
    let version = text
        .split_once("Migration[")
        .and_then(|(_, rest)| rest.split(']').next()?.trim().parse().ok())
        .map_or(Version(4.2), Version);
    let mut cx = Cx {
        ops: Ops::new(d, text),
        version,
    };
    cx.ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(d);
    for node in &nodes {
        top(&mut cx, node);
    }
    cx.ops.reading
}

fn top(cx: &mut Cx, node: &Node) {
    if let Value::Class(block) = &node.value {
        block.body.iter().for_each(|n| member(cx, n));
    }
}

/// A member of the migration class.
fn member(cx: &mut Cx, node: &Node) {
    match &node.value {
        Value::Def(name, body) => {
            let section = match name.as_str() {
                "up" | "change" => Section::Up,
                "down" => Section::Down,
                _ => return,
            };
            cx.in_section(section, &body.body);
        }
        Value::Chain(links) if links.len() == 1 && links[0].name == "disable_ddl_transaction!" => {
            cx.ops.reading.transaction = Some(false);
        }
        _ => {}
    }
}

impl Cx<'_> {
    /// Reads `body` as part of `section`.
    fn in_section(&mut self, section: Section, body: &[Node]) {
        let before = self.ops.section;
        self.ops.section = section;
        statements(self, body);
        self.ops.section = before;
    }
}

fn statements(cx: &mut Cx, body: &[Node]) {
    for node in body {
        statement(cx, node);
    }
}

fn statement(cx: &mut Cx, node: &Node) {
    match &node.value {
        Value::Chain(links) => chain(cx, node, links),
        Value::Control(_, inner) if is_schema_guard(inner.first()) => {
            // `unless index_exists?(...)`, `return if table_exists?(...)`:
            // a guard on the schema; what it guards is read as running.
            statements(cx, &inner[1..]);
        }
        Value::Control(word, inner) => {
            let body = cx.ops.control(node, Lang::Ruby, word, inner);
            statements(cx, body);
        }
        Value::Str(_) | Value::Nil => {}
        _ => cx.ops.code(node, "Ruby code migplan does not follow"),
    }
}

/// Whether a condition only asks whether part of the schema exists
/// (`connection.index_name_exists?(...)`, `column_exists?(...)`).
fn is_schema_guard(condition: Option<&Node>) -> bool {
    let Some(links) = condition.map(|n| n.value.links()) else {
        return false;
    };
    let receiver_ok = match links {
        [_] => true,
        [first, _] => first.name == "connection",
        _ => false,
    };
    receiver_ok
        && links.last().is_some_and(|l| {
            matches!(
                l.name.as_str(),
                "table_exists?"
                    | "column_exists?"
                    | "index_exists?"
                    | "index_name_exists?"
                    | "foreign_key_exists?"
                    | "check_constraint_exists?"
                    | "view_exists?"
                    | "extension_enabled?"
            )
        })
}

fn chain(cx: &mut Cx, node: &Node, links: &[Link]) {
    let Some(last) = links.last() else { return };
    // `ActiveRecord::Base.connection.execute(...)`, `connection.execute`.
    if links.len() > 1 && last.name == "execute" {
        let result = execute(last);
        cx.ops.read(node, result);
        return;
    }
    if links.len() != 1 {
        cx.ops.code(
            node,
            format!(
                "Ruby code migplan does not follow (`{}`)",
                links
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            ),
        );
        return;
    }
    let call = &links[0];
    match call.name.as_str() {
        "reversible" => reversible(cx, call),
        "safety_assured" | "say_with_time" | "transaction" | "with_lock_retries" => {
            if let Some(block) = &call.block {
                statements(cx, &block.body);
            }
        }
        "up_only" => {
            if let Some(block) = &call.block {
                cx.in_section(Section::Up, &block.body);
            }
        }
        "say" | "puts" | "reset_column_information" | "disable_ddl_transaction!" => {}
        // `raise ActiveRecord::IrreversibleMigration`: no way back.
        "raise"
            if call.positional().next().is_some_and(|a| {
                a.value
                    .links()
                    .last()
                    .is_some_and(|l| l.name == "IrreversibleMigration")
            }) => {}
        "create_table" => {
            let result = create_table(cx, call);
            cx.ops.read(node, result);
        }
        "change_table" => change_table(cx, node, call),
        _ => {
            let d = cx.ops.dialect;
            let result = operation(cx.version, d, call);
            cx.ops.read(node, result);
        }
    }
}

/// `reversible do |dir| dir.up { ... }; dir.down { ... } end`.
fn reversible(cx: &mut Cx, call: &Link) {
    let Some(block) = &call.block else { return };
    let dir = block.params.first().map_or("dir", String::as_str);
    for node in &block.body {
        let links = node.value.links();
        match links {
            [var, side] if var.name == dir && side.block.is_some() => {
                let section = if side.name == "down" {
                    Section::Down
                } else {
                    Section::Up
                };
                let body = side.block.as_ref().map_or(&[][..], |b| &b.body[..]);
                cx.in_section(section, body);
            }
            _ => statement(cx, node),
        }
    }
}

/// One schema statement outside a table block.
fn operation(version: Version, d: Dialect, call: &Link) -> Read {
    let args: Vec<&Node> = call.positional().collect();
    let text = |at: usize| builder::text(call, at);
    let flag = |name: &str| call.flag(name);
    match call.name.as_str() {
        "execute" => execute(call),
        "add_column" => {
            let table = text(0)?;
            let column = column(version, d, &text(1)?, &text(2)?, call)?;
            Ok(vec![sql::add_column(
                &table,
                &column,
                flag("if_not_exists"),
                d,
            )])
        }
        "remove_column" => Ok(vec![sql::drop_column(
            &text(0)?,
            &text(1)?,
            flag("if_exists"),
            d,
        )]),
        "remove_columns" => {
            let table = text(0)?;
            let mut columns = Vec::new();
            for arg in &args[1..] {
                columns.extend(
                    names_of(&arg.value).ok_or("remove_columns of names computed in Ruby")?,
                );
            }
            Ok(columns
                .iter()
                .map(|c| sql::drop_column(&table, c, false, d))
                .collect())
        }
        "rename_column" => Ok(vec![sql::rename_column(&text(0)?, &text(1)?, &text(2)?, d)]),
        "rename_table" => Ok(vec![sql::rename_table(&text(0)?, &text(1)?, d)]),
        "drop_table" => {
            let cascade = matches!(call.named("force"), Some(Value::Sym(s)) if s == "cascade");
            (0..args.len())
                .map(|i| text(i).map(|t| sql::drop_table(&t, flag("if_exists"), cascade, d)))
                .collect()
        }
        "change_column" => change_column(version, d, &text(0)?, &text(1)?, &text(2)?, call),
        "change_column_null" => change_column_null(d, &text(0)?, &text(1)?, call),
        "change_column_default" => change_column_default(d, &text(0)?, &text(1)?, call),
        _ => schema_object_operation(version, d, call),
    }
}

/// Indexes, keys, checks, references, timestamps, extensions, enums.
fn schema_object_operation(version: Version, d: Dialect, call: &Link) -> Read {
    let args: Vec<&Node> = call.positional().collect();
    let text = |at: usize| builder::text(call, at);
    let flag = |name: &str| call.flag(name);
    match call.name.as_str() {
        "change_column_comment" | "change_table_comment" => Ok(vec![]),
        "add_index" => Ok(vec![
            index(d, &text(0)?, args.get(1).map(|n| &n.value), call)?.create(d),
        ]),
        "remove_index" => remove_index(d, &text(0)?, args.get(1).map(|n| &n.value), call),
        "rename_index" => match d {
            Dialect::Sqlite => Err("rename_index on SQLite: Rails recreates the index".into()),
            _ => Ok(vec![sql::rename_index(&text(0)?, &text(1)?, &text(2)?, d)]),
        },
        "add_foreign_key" => Ok(vec![foreign_key(d, &text(0)?, &text(1)?, call).add(d)]),
        "remove_foreign_key" => {
            remove_foreign_key(d, &text(0)?, args.get(1).and_then(|n| n.value.str()), call)
        }
        // Only PostgreSQL has constraints that are not yet valid.
        "validate_foreign_key" | "validate_check_constraint" if d != Dialect::Postgres => {
            Ok(vec![])
        }
        "validate_foreign_key" => {
            let table = text(0)?;
            let name = match (
                call.named("name").and_then(Value::str),
                args.get(1).and_then(|n| n.value.str()),
            ) {
                (Some(n), _) => n.to_string(),
                (None, Some(to)) => foreign_key(d, &table, to, call).name,
                (None, None) => return Err("validate_foreign_key without a name or table".into()),
            };
            Ok(vec![sql::validate_constraint(&table, &name, d)])
        }
        "add_check_constraint" => {
            let table = text(0)?;
            let expr = text(1)?;
            let name = check_name(call, &table, &expr);
            Ok(vec![sql::add_check(
                &table,
                &name,
                &expr,
                matches!(call.named("validate"), Some(Value::Bool(false))),
                d,
            )])
        }
        "remove_check_constraint" => {
            let table = text(0)?;
            let expr = args.get(1).and_then(|n| n.value.str()).unwrap_or_default();
            let name = check_name(call, &table, expr);
            Ok(vec![sql::drop_constraint(
                &table,
                &name,
                ConstraintKind::Check,
                flag("if_exists"),
                d,
            )])
        }
        "validate_check_constraint" => {
            let table = text(0)?;
            let name = call
                .named("name")
                .and_then(Value::str)
                .ok_or("validate_check_constraint without a name")?;
            Ok(vec![sql::validate_constraint(&table, name, d)])
        }
        _ => column_group_operation(version, d, call),
    }
}

/// References, timestamps, extensions, enums and join tables.
fn column_group_operation(version: Version, d: Dialect, call: &Link) -> Read {
    let args: Vec<&Node> = call.positional().collect();
    let text = |at: usize| builder::text(call, at);
    let flag = |name: &str| call.flag(name);
    match call.name.as_str() {
        "add_reference" | "add_belongs_to" => {
            let table = text(0)?;
            reference(version, d, &table, &text(1)?, call, false).map(|r| r.alter(&table, d))
        }
        "remove_reference" | "remove_belongs_to" => {
            let table = text(0)?;
            let name = text(1)?;
            let mut out = vec![sql::drop_column(&table, &format!("{name}_id"), false, d)];
            if flag("polymorphic") {
                out.push(sql::drop_column(&table, &format!("{name}_type"), false, d));
            }
            Ok(out)
        }
        "add_timestamps" => {
            let table = text(0)?;
            Ok(timestamps(version, d, call)
                .iter()
                .map(|c| sql::add_column(&table, c, false, d))
                .collect())
        }
        "remove_timestamps" => {
            let table = text(0)?;
            Ok(["created_at", "updated_at"]
                .iter()
                .map(|c| sql::drop_column(&table, c, false, d))
                .collect())
        }
        "enable_extension" => Ok(vec![format!(
            "CREATE EXTENSION IF NOT EXISTS {}",
            crate::ddl::ident(&text(0)?, d)
        )]),
        "disable_extension" => Ok(vec![format!(
            "DROP EXTENSION IF EXISTS {}",
            crate::ddl::ident(&text(0)?, d)
        )]),
        "create_enum" => {
            let values = args
                .get(1)
                .and_then(|n| names_of(&n.value))
                .ok_or("create_enum without a list of values")?;
            Ok(vec![format!(
                "CREATE TYPE {} AS ENUM ({})",
                crate::ddl::ident(&text(0)?, d),
                values
                    .iter()
                    .map(|v| crate::ddl::literal(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            )])
        }
        "create_join_table" => create_join_table(version, d, &text(0)?, &text(1)?, call),
        "drop_join_table" => {
            let mut names = [text(0)?, text(1)?];
            names.sort();
            let table = call
                .named("table_name")
                .and_then(Value::str)
                .map_or_else(|| names.join("_"), str::to_string);
            Ok(vec![sql::drop_table(&table, false, false, d)])
        }
        other => Err(format!(
            "`{other}` is not an Active Record schema statement migplan reads"
        )),
    }
}

fn execute(call: &Link) -> Read {
    match call.positional().next().map(|n| &n.value) {
        Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
        Some(Value::Interp(_)) => Err("SQL built at run time (an interpolated string)".into()),
        _ => Err("`execute` of SQL built in Ruby".into()),
    }
}

/// The SQL type of a Rails column type.
fn sql_type(version: Version, d: Dialect, ty: &str, call: &Link) -> Result<String, String> {
    for option in ["limit", "precision", "scale"] {
        if call
            .named(option)
            .is_some_and(|v| !matches!(v, Value::Num(_) | Value::Nil))
        {
            return Err(format!("a `{option}:` computed in Ruby"));
        }
    }
    let num = |name: &str| match call.named(name) {
        Some(Value::Num(n)) => Some(n.clone()),
        _ => None,
    };
    let limit = num("limit");
    let (pg, my) = (d == Dialect::Postgres, d == Dialect::Mysql);
    let ty = match ty {
        "string" => match (&limit, d) {
            (Some(n), _) => format!("varchar({n})"),
            (None, Dialect::Mysql) => "varchar(255)".into(),
            (None, Dialect::Postgres) => "character varying".into(),
            (None, _) => "varchar".into(),
        },
        "text" => "text".into(),
        "integer" => match limit.as_deref() {
            Some("8" | "5" | "6" | "7") => "bigint".into(),
            Some("1" | "2") if pg => "smallint".into(),
            Some("1") if my => "tinyint".into(),
            Some("2") if my => "smallint".into(),
            _ if my => "int".into(),
            _ => "integer".into(),
        },
        "bigint" => "bigint".into(),
        "float" => "float".into(),
        "decimal" | "numeric" => match (num("precision"), num("scale")) {
            (Some(p), Some(s)) => format!("decimal({p},{s})"),
            (Some(p), None) => format!("decimal({p})"),
            _ => "decimal".into(),
        },
        "datetime" | "timestamp" => {
            let precision = num("precision").or_else(|| (version.0 >= 7.0).then(|| "6".into()));
            let base = if my || d == Dialect::Sqlite {
                "datetime"
            } else {
                "timestamp"
            };
            match precision {
                Some(p) => format!("{base}({p})"),
                None => base.into(),
            }
        }
        "timestamptz" => "timestamp with time zone".into(),
        "time" => "time".into(),
        "date" => "date".into(),
        "binary" | "blob" => if pg { "bytea" } else { "blob" }.into(),
        "boolean" => if my { "tinyint(1)" } else { "boolean" }.into(),
        "uuid" if !pg => "varchar(36)".into(),
        "primary_key" => return Ok(primary_key_type(version, d, None)),
        "virtual" => return Err("a generated (virtual) column".into()),
        "references" | "belongs_to" => "bigint".into(),
        "enum" => match call.named("enum_type").and_then(Value::str) {
            Some(t) => crate::ddl::ident(t, d),
            None => return Err("an enum column without enum_type".into()),
        },
        other if other.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => other.into(),
        other => return Err(format!("column type `{other}`")),
    };
    let array = matches!(call.named("array"), Some(Value::Bool(true))) && pg;
    Ok(if array { format!("{ty}[]") } else { ty })
}

fn primary_key_type(version: Version, d: Dialect, ty: Option<&str>) -> String {
    let big = ty.map_or(version.0 >= 5.1, |t| t == "bigint" || t == "bigserial");
    match d {
        Dialect::Postgres if ty == Some("uuid") => "uuid".into(),
        Dialect::Postgres => if big { "bigserial" } else { "serial" }.into(),
        Dialect::Mysql => if big { "bigint" } else { "int" }.into(),
        Dialect::Sqlite => "integer".into(),
    }
}

/// A column from its name, Rails type and options.
fn column(
    version: Version,
    d: Dialect,
    name: &str,
    ty: &str,
    call: &Link,
) -> Result<ColumnSpec, String> {
    let mut c = ColumnSpec::new(name, sql_type(version, d, ty, call)?);
    c.not_null = matches!(call.named("null"), Some(Value::Bool(false)));
    c.default = match call.named("default") {
        None => None,
        Some(Value::Block(block)) => match block.body.first().map(|n| &n.value) {
            Some(Value::Str(expr)) => Some(expr.clone()),
            _ => return Err("a default computed in Ruby".into()),
        },
        // `default: []` / `{}`: an empty array, hstore or JSON value.
        Some(Value::List(items)) if items.is_empty() => Some(
            if matches!(ty, "json" | "jsonb") {
                "'[]'"
            } else {
                "'{}'"
            }
            .into(),
        ),
        Some(Value::Map(pairs)) if pairs.is_empty() => Some("'{}'".into()),
        Some(v) => Some(literal(v).ok_or("a default computed in Ruby")?),
    };
    if ty == "primary_key" || matches!(call.named("primary_key"), Some(Value::Bool(true))) {
        c.primary_key = true;
        c.auto_increment = ty == "primary_key";
    }
    Ok(c)
}

/// `created_at` and `updated_at` (NOT NULL unless `null: true`).
fn timestamps(version: Version, d: Dialect, call: &Link) -> Vec<ColumnSpec> {
    let null = matches!(call.named("null"), Some(Value::Bool(true)));
    let ty = sql_type(version, d, "datetime", call).unwrap_or_else(|_| "timestamp".into());
    ["created_at", "updated_at"]
        .iter()
        .map(|name| ColumnSpec {
            not_null: !null,
            ..ColumnSpec::new(name, ty.clone())
        })
        .collect()
}

/// The index `add_index` / `t.index` creates.
fn index(
    d: Dialect,
    table: &str,
    columns: Option<&Value>,
    call: &Link,
) -> Result<IndexSpec, String> {
    let (columns, expression) = match columns {
        Some(Value::Str(s)) if !s.chars().all(|c| c.is_alphanumeric() || c == '_') => {
            (vec![s.clone()], true)
        }
        Some(v) => (names_of(v).ok_or("index columns computed in Ruby")?, false),
        None => return Err("an index without columns".into()),
    };
    let name = call.named("name").and_then(Value::str).map_or_else(
        || format!("index_{table}_on_{}", columns.join("_and_")),
        str::to_string,
    );
    let flag = |n: &str| matches!(call.named(n), Some(Value::Bool(true)));
    Ok(IndexSpec {
        table: table.to_string(),
        name,
        columns,
        expression,
        unique: flag("unique"),
        concurrently: matches!(call.named("algorithm"), Some(Value::Sym(a)) if a == "concurrently")
            && d == Dialect::Postgres,
        if_not_exists: flag("if_not_exists"),
        using: call.named("using").and_then(Value::str).map(str::to_string),
        where_sql: call.named("where").and_then(Value::str).map(str::to_string),
    })
}

fn remove_index(d: Dialect, table: &str, columns: Option<&Value>, call: &Link) -> Read {
    let name = match (
        call.named("name").and_then(Value::str),
        columns.or(call.named("column")),
    ) {
        (Some(n), _) => n.to_string(),
        (None, Some(v)) => {
            let cols = names_of(v).ok_or("index columns computed in Ruby")?;
            format!("index_{table}_on_{}", cols.join("_and_"))
        }
        (None, None) => return Err("remove_index without a column or a name".into()),
    };
    let concurrently =
        matches!(call.named("algorithm"), Some(Value::Sym(a)) if a == "concurrently");
    let if_exists = matches!(call.named("if_exists"), Some(Value::Bool(true)));
    Ok(vec![sql::drop_index(
        table,
        &name,
        concurrently,
        if_exists,
        d,
    )])
}

/// Rails' naive singular: `users` → `user`, `categories` → `category`.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix("ses") {
        format!("{stem}s")
    } else {
        word.strip_suffix('s').unwrap_or(word).to_string()
    }
}

fn foreign_key(d: Dialect, table: &str, to: &str, call: &Link) -> ForeignKey {
    let column = call
        .named("column")
        .and_then(Value::str)
        .map_or_else(|| format!("{}_id", singular(to)), str::to_string);
    let action = |n: &str| {
        call.named(n).and_then(Value::str).map(|a| match a {
            "nullify" => "SET NULL".to_string(),
            "restrict" => "RESTRICT".to_string(),
            "cascade" => "CASCADE".to_string(),
            other => other.to_ascii_uppercase(),
        })
    };
    let name = call.named("name").and_then(Value::str).map_or_else(
        || {
            format!(
                "fk_rails_{}",
                sql::short_hash(&format!("{table}_{column}_fk"))
            )
        },
        str::to_string,
    );
    let _ = d;
    ForeignKey {
        table: table.to_string(),
        name,
        columns: vec![column],
        to_table: to.to_string(),
        to_columns: vec![
            call.named("primary_key")
                .and_then(Value::str)
                .unwrap_or("id")
                .to_string(),
        ],
        on_delete: action("on_delete"),
        on_update: action("on_update"),
        not_valid: matches!(call.named("validate"), Some(Value::Bool(false))),
    }
}

fn remove_foreign_key(d: Dialect, table: &str, to: Option<&str>, call: &Link) -> Read {
    let name = match (
        call.named("name").and_then(Value::str),
        to,
        call.named("column"),
    ) {
        (Some(n), _, _) => n.to_string(),
        (None, Some(to), _) => foreign_key(d, table, to, call).name,
        (None, None, Some(_)) => foreign_key(d, table, "", call).name,
        _ => return Err("remove_foreign_key without a table, column or name".into()),
    };
    let if_exists = matches!(call.named("if_exists"), Some(Value::Bool(true)));
    Ok(vec![sql::drop_constraint(
        table,
        &name,
        ConstraintKind::ForeignKey,
        if_exists,
        d,
    )])
}

fn check_name(call: &Link, table: &str, expr: &str) -> String {
    call.named("name").and_then(Value::str).map_or_else(
        || {
            format!(
                "chk_rails_{}",
                sql::short_hash(&format!("{table}_{expr}_chk"))
            )
        },
        str::to_string,
    )
}

fn change_column(
    version: Version,
    d: Dialect,
    table: &str,
    name: &str,
    ty: &str,
    call: &Link,
) -> Read {
    if d == Dialect::Sqlite {
        return Err("change_column on SQLite: Rails copies the table".into());
    }
    let column = column(version, d, name, ty, call)?;
    let using = call.named("using").and_then(Value::str);
    Ok(vec![sql::change_type(table, &column, using, d)])
}

fn change_column_null(d: Dialect, table: &str, name: &str, call: &Link) -> Read {
    let args: Vec<&Node> = call.positional().collect();
    let not_null = match args.get(2).map(|n| &n.value) {
        Some(Value::Bool(b)) => !b,
        _ => return Err("change_column_null without true or false".into()),
    };
    if d != Dialect::Postgres {
        return Err(
            "change_column_null restates the column's type here, which the migration does not say"
                .into(),
        );
    }
    let mut out = Vec::new();
    if let Some(v) = args.get(3) {
        let value = literal(&v.value).ok_or("a backfill value computed in Ruby")?;
        out.push(format!(
            "UPDATE {} SET {} = {value} WHERE {} IS NULL",
            crate::ddl::ident(table, d),
            crate::ddl::ident(name, d),
            crate::ddl::ident(name, d)
        ));
    }
    out.push(sql::set_not_null(table, name, not_null, d));
    Ok(out)
}

fn change_column_default(d: Dialect, table: &str, name: &str, call: &Link) -> Read {
    let value = match (call.named("to"), call.positional().nth(2)) {
        (Some(v), _) => v,
        (None, Some(n)) => &n.value,
        (None, None) => return Err("change_column_default without a value".into()),
    };
    let default = match value {
        Value::Nil => None,
        Value::Block(b) => match b.body.first().map(|n| &n.value) {
            Some(Value::Str(e)) => Some(e.clone()),
            _ => return Err("a default computed in Ruby".into()),
        },
        v => Some(literal(v).ok_or("a default computed in Ruby")?),
    };
    Ok(vec![sql::set_default(table, name, default.as_deref(), d)])
}

/// What `add_reference` / `t.references` adds.
struct Reference {
    columns: Vec<ColumnSpec>,
    index: Option<IndexSpec>,
    foreign_key: Option<ForeignKey>,
}

impl Reference {
    fn alter(&self, table: &str, d: Dialect) -> Vec<String> {
        let mut out: Vec<String> = self
            .columns
            .iter()
            .map(|c| sql::add_column(table, c, false, d))
            .collect();
        out.extend(self.index.iter().map(|i| i.create(d)));
        out.extend(self.foreign_key.iter().map(|f| f.add(d)));
        out
    }
}

fn reference(
    version: Version,
    d: Dialect,
    table: &str,
    name: &str,
    call: &Link,
    in_create: bool,
) -> Result<Reference, String> {
    let ty = call
        .named("type")
        .and_then(Value::str)
        .unwrap_or(if version.0 >= 5.1 {
            "bigint"
        } else {
            "integer"
        });
    let mut id = ColumnSpec::new(
        &format!("{name}_id"),
        sql_type(
            version,
            d,
            ty,
            &Link {
                name: String::new(),
                generic: None,
                args: None,
                block: None,
            },
        )?,
    );
    id.not_null = matches!(call.named("null"), Some(Value::Bool(false)));
    let mut columns = vec![id];
    let polymorphic = matches!(call.named("polymorphic"), Some(Value::Bool(true)));
    if polymorphic {
        columns.push(ColumnSpec {
            not_null: columns[0].not_null,
            ..ColumnSpec::new(
                &format!("{name}_type"),
                sql_type(version, d, "string", &empty_link())?,
            )
        });
    }
    let cols: Vec<String> = if polymorphic {
        vec![format!("{name}_type"), format!("{name}_id")]
    } else {
        vec![format!("{name}_id")]
    };
    // Rails 5+ indexes references by default.
    let index = match call.named("index") {
        Some(Value::Bool(false)) => None,
        None if version.0 < 5.0 && !in_create => None,
        Some(Value::Map(pairs)) => {
            let opts = Link {
                name: String::new(),
                generic: None,
                args: Some(
                    pairs
                        .iter()
                        .map(|(k, v)| tree::Arg {
                            name: k.value.str().map(str::to_string),
                            value: v.clone(),
                        })
                        .collect(),
                ),
                block: None,
            };
            let list = Value::List(
                cols.iter()
                    .map(|c| Node {
                        value: Value::Str(c.clone()),
                        start: 0,
                        end: 0,
                    })
                    .collect(),
            );
            Some(index(d, table, Some(&list), &opts)?)
        }
        _ => Some(IndexSpec {
            table: table.to_string(),
            name: format!("index_{table}_on_{}", cols.join("_and_")),
            columns: cols,
            ..IndexSpec::default()
        }),
    };
    let foreign_key = match call.named("foreign_key") {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Map(pairs)) => {
            let to = tree::map_get(pairs, "to_table")
                .and_then(Value::str)
                .map_or_else(|| format!("{name}s"), str::to_string);
            let mut fk = foreign_key(d, table, &to, &empty_link());
            fk.columns = vec![format!("{name}_id")];
            fk.name = format!(
                "fk_rails_{}",
                sql::short_hash(&format!("{table}_{name}_id_fk"))
            );
            Some(fk)
        }
        Some(_) => {
            let mut fk = foreign_key(d, table, &format!("{name}s"), &empty_link());
            fk.columns = vec![format!("{name}_id")];
            Some(fk)
        }
    };
    Ok(Reference {
        columns,
        index,
        foreign_key,
    })
}

fn empty_link() -> Link {
    Link {
        name: String::new(),
        generic: None,
        args: None,
        block: None,
    }
}

fn create_join_table(version: Version, d: Dialect, a: &str, b: &str, call: &Link) -> Read {
    let mut names = [a.to_string(), b.to_string()];
    names.sort();
    let table = call
        .named("table_name")
        .and_then(Value::str)
        .map_or_else(|| names.join("_"), str::to_string);
    let ty = sql_type(
        version,
        d,
        if version.0 >= 5.1 {
            "bigint"
        } else {
            "integer"
        },
        &empty_link(),
    )?;
    let columns: Vec<ColumnSpec> = [a, b]
        .iter()
        .map(|t| ColumnSpec {
            not_null: true,
            ..ColumnSpec::new(&format!("{}_id", singular(t)), ty.clone())
        })
        .collect();
    Ok(vec![sql::create_table(&table, &columns, &[], false, d)])
}

/// `create_table :t, id: ..., primary_key: ... do |t| ... end`.
fn create_table(cx: &mut Cx, call: &Link) -> Read {
    let d = cx.ops.dialect;
    let version = cx.version;
    let table = call
        .positional()
        .next()
        .and_then(|n| n.value.str())
        .ok_or("create_table of a name computed in Ruby")?
        .to_string();
    let mut columns = Vec::new();
    match call.named("id") {
        Some(Value::Bool(false)) => {}
        id => {
            let ty = id.and_then(Value::str);
            let name = call
                .named("primary_key")
                .and_then(Value::str)
                .unwrap_or("id");
            let mut pk = ColumnSpec::new(name, primary_key_type(version, d, ty));
            pk.primary_key = true;
            pk.auto_increment = ty.is_none_or(|t| t != "uuid" && t != "string");
            if ty == Some("uuid") && d == Dialect::Postgres {
                pk.default = Some("gen_random_uuid()".into());
            }
            if ty == Some("string") {
                pk.ty = sql_type(version, d, "string", &empty_link())?;
            }
            columns.push(pk);
        }
    }
    let mut table_block = TableBlock::default();
    if let Some(block) = &call.block {
        read_table_block(version, d, &table, block, &mut table_block, true);
    }
    if let Some(why) = table_block.not_read.first() {
        return Err(why.clone());
    }
    columns.extend(table_block.columns);
    let mut out = Vec::new();
    if call
        .named("force")
        .is_some_and(|f| !matches!(f, Value::Bool(false)))
    {
        out.push(sql::drop_table(&table, true, true, d));
    }
    let constraints: Vec<String> = table_block
        .foreign_keys
        .iter()
        .map(|f| f.constraint(d))
        .collect();
    let if_not_exists = matches!(call.named("if_not_exists"), Some(Value::Bool(true)));
    out.push(sql::create_table(
        &table,
        &columns,
        &constraints,
        if_not_exists,
        d,
    ));
    out.extend(table_block.after);
    Ok(out)
}

/// What a `create_table` block declares.
#[derive(Default)]
struct TableBlock {
    columns: Vec<ColumnSpec>,
    foreign_keys: Vec<ForeignKey>,
    /// Statements after CREATE TABLE (indexes).
    after: Vec<String>,
    not_read: Vec<String>,
}

fn read_table_block(
    version: Version,
    d: Dialect,
    table: &str,
    block: &Block,
    out: &mut TableBlock,
    in_create: bool,
) {
    let var = block.params.first().map_or("t", String::as_str);
    for node in &block.body {
        let links = node.value.links();
        let [first, call] = links else {
            out.not_read
                .push("Ruby code in the table block migplan does not follow".into());
            continue;
        };
        if first.name != var {
            out.not_read
                .push(format!("`{}.{}` in the table block", first.name, call.name));
            continue;
        }
        if let Err(why) = table_column(version, d, table, call, out, in_create) {
            out.not_read.push(why);
        }
    }
}

/// One `t.<type> :name, ...` (or `t.index`, `t.references`, `t.timestamps`).
fn table_column(
    version: Version,
    d: Dialect,
    table: &str,
    call: &Link,
    out: &mut TableBlock,
    in_create: bool,
) -> Result<(), String> {
    let names: Vec<String> = call
        .positional()
        .filter_map(|n| n.value.str().map(str::to_string))
        .collect();
    match call.name.as_str() {
        "timestamps" => out.columns.extend(timestamps(version, d, call)),
        "index" => out
            .after
            .push(index(d, table, call.positional().next().map(|n| &n.value), call)?.create(d)),
        "references" | "belongs_to" => {
            for name in &names {
                let r = reference(version, d, table, name, call, in_create)?;
                out.columns.extend(r.columns);
                out.after.extend(r.index.map(|i| i.create(d)));
                out.foreign_keys.extend(r.foreign_key);
            }
        }
        "column" => {
            let [name, ty, ..] = names.as_slice() else {
                return Err("t.column without a name and a type".into());
            };
            out.columns.push(column(version, d, name, ty, call)?);
        }
        "foreign_key" => {
            let to = names.first().ok_or("t.foreign_key without a table")?;
            out.foreign_keys.push(foreign_key(d, table, to, call));
        }
        "check_constraint" => {
            let expr = names
                .first()
                .ok_or("t.check_constraint without an expression")?;
            out.after.push(sql::add_check(
                table,
                &check_name(call, table, expr),
                expr,
                false,
                d,
            ));
        }
        ty => {
            if names.is_empty() {
                return Err(format!("t.{ty} without a column name"));
            }
            for name in &names {
                out.columns.push(column(version, d, name, ty, call)?);
            }
        }
    }
    Ok(())
}

/// `change_table :t do |t| ... end`: each line as its own statement.
fn change_table(cx: &mut Cx, node: &Node, call: &Link) {
    let d = cx.ops.dialect;
    let version = cx.version;
    let Some(table) = call.positional().next().and_then(|n| n.value.str()) else {
        cx.ops
            .not_analysed(node, "change_table of a name computed in Ruby");
        return;
    };
    let Some(block) = &call.block else { return };
    let var = block.params.first().map_or("t", String::as_str).to_string();
    for line in &block.body {
        let result = match line.value.links() {
            [first, op] if first.name == var => change_table_op(version, d, table, op),
            _ => Err("Ruby code in the table block migplan does not follow".into()),
        };
        cx.ops.read(line, result);
    }
}

fn change_table_op(version: Version, d: Dialect, table: &str, op: &Link) -> Read {
    let names: Vec<String> = op
        .positional()
        .filter_map(|n| n.value.str().map(str::to_string))
        .collect();
    let first = || {
        names
            .first()
            .cloned()
            .ok_or_else(|| format!("t.{} without a name", op.name))
    };
    match op.name.as_str() {
        "remove" => Ok(names
            .iter()
            .map(|c| sql::drop_column(table, c, false, d))
            .collect()),
        "rename" => Ok(vec![sql::rename_column(
            table,
            &first()?,
            names.get(1).ok_or("t.rename without a new name")?,
            d,
        )]),
        "change" => change_column(
            version,
            d,
            table,
            &first()?,
            names.get(1).ok_or("t.change without a type")?,
            op,
        ),
        "change_default" => change_column_default(d, table, &first()?, op),
        "change_null" => change_column_null(d, table, &first()?, op),
        "remove_index" => remove_index(d, table, op.positional().next().map(|n| &n.value), op),
        "remove_references" | "remove_belongs_to" => Ok(vec![sql::drop_column(
            table,
            &format!("{}_id", first()?),
            false,
            d,
        )]),
        "remove_timestamps" => Ok(["created_at", "updated_at"]
            .iter()
            .map(|c| sql::drop_column(table, c, false, d))
            .collect()),
        "rename_index" => Ok(vec![sql::rename_index(
            table,
            &first()?,
            names.get(1).ok_or("t.rename_index without a new name")?,
            d,
        )]),
        _ => {
            let mut block = TableBlock::default();
            table_column(version, d, table, op, &mut block, false)?;
            let mut out: Vec<String> = block
                .columns
                .iter()
                .map(|c| sql::add_column(table, c, false, d))
                .collect();
            out.extend(block.foreign_keys.iter().map(|f| f.add(d)));
            out.extend(block.after);
            Ok(out)
        }
    }
}
