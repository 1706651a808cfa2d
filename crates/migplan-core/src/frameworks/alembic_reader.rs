//! Reads Alembic revisions: each `op.*` call of `upgrade()` (the up) and
//! `downgrade()` (the down) as the SQL Alembic emits for it on the
//! dialect, `batch_alter_table` blocks by their alias, `schema=` as the
//! table's schema, `op.execute` / `conn.execute` of literal SQL as that
//! SQL, helper functions of the file read where they are called. Python
//! code, conditions and column types migplan does not know are reported
//! as not analysed.

use crate::Dialect;
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, tokens};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

struct Cx<'a> {
    d: Dialect,
    /// `batch_op` → its table.
    aliases: Vec<(String, String)>,
    /// Functions of the file: name → their statements.
    functions: Vec<(String, &'a [Node])>,
    depth: usize,
    /// Just after `if context.is_offline_mode():`.
    offline_guard: bool,
    /// Strings the file assigns to names (`SQL = '''...'''`).
    constants: Vec<(String, String)>,
}

pub fn read(rc: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(rc.text, Lang::Python), Lang::Python);
    let functions: Vec<(String, &[Node])> = nodes
        .iter()
        .filter_map(|n| match &n.value {
            Value::Def(name, body) => Some((name.clone(), body.body.as_slice())),
            _ => None,
        })
        .collect();
    let mut ops = Ops::new(rc.dialect, rc.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(rc.dialect);
    let mut cx = Cx {
        d: rc.dialect,
        aliases: Vec::new(),
        functions: functions.clone(),
        depth: 0,
        offline_guard: false,
        constants: nodes
            .iter()
            .filter_map(|n| match &n.value {
                Value::Assign(target, value) => match (target.value.links(), &value.value) {
                    ([one], Value::Str(sql)) if one.args.is_none() => {
                        Some((one.name.clone(), sql.clone()))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect(),
    };
    for (name, body) in &functions {
        ops.section = match name.as_str() {
            "upgrade" => Section::Up,
            "downgrade" => Section::Down,
            _ => continue,
        };
        cx.aliases.clear();
        for node in *body {
            statement(&mut cx, &mut ops, node);
        }
    }
    ops.reading
}

fn statement(cx: &mut Cx, ops: &mut Ops, node: &Node) {
    match &node.value {
        // `pass`: nothing.
        Value::Chain(links)
            if links.len() == 1 && links[0].name == "pass" && links[0].args.is_none() =>
        {
            ops.sql(node, Vec::new());
        }
        Value::Chain(links) => call(cx, ops, node, links),
        Value::Control(word, inner) if word == "with" => with(cx, ops, node, inner),
        // `if context.is_offline_mode(): raise ...`: the revision refuses
        // to be rendered as an offline script; online it runs on.
        Value::Control(word, inner) if word == "if" && is_offline_check(inner.first()) => {
            cx.offline_guard = true;
            ops.sql(node, Vec::new());
        }
        Value::Control(word, _) if word == "raise" && std::mem::take(&mut cx.offline_guard) => {
            ops.sql(node, Vec::new());
        }
        // `SQL = '''...'''`: a string kept for later.
        Value::Assign(_, value) if matches!(value.value, Value::Str(_)) => {
            ops.sql(node, Vec::new())
        }
        // `rows = conn.execute('SELECT ...')`: the query runs.
        Value::Assign(_, value) if value.value.links().iter().any(|l| l.name == "execute") => {
            let result = value
                .value
                .links()
                .iter()
                .find(|l| l.name == "execute")
                .map_or_else(
                    || Err("SQL built in Python".to_string()),
                    |l| execute(cx, l),
                );
            ops.read(node, result);
        }
        Value::Control(word, inner) => {
            let body = ops.control(node, Lang::Python, word, inner);
            read_block(cx, ops, body);
        }
        // `conn = op.get_bind()`: a connection, nothing run.
        Value::Assign(_, value)
            if value
                .value
                .links()
                .last()
                .is_some_and(|l| l.name == "get_bind") =>
        {
            ops.sql(node, Vec::new());
        }
        Value::Str(_) | Value::Nil => {}
        _ => ops.code(node, "Python migplan does not follow"),
    }
}

/// `with op.batch_alter_table('t') as batch_op:` and
/// `with op.get_context().autocommit_block():`.
fn with(cx: &mut Cx, ops: &mut Ops, node: &Node, inner: &[Node]) {
    let context = inner.first().map(|n| n.value.links()).unwrap_or_default();
    let has_alias = inner
        .get(1)
        .is_some_and(|n| matches!(n.value, Value::Str(_)));
    let body = inner.get(1 + usize::from(has_alias)..).unwrap_or_default();
    match context.last().map(|l| l.name.as_str()) {
        Some("batch_alter_table") => {
            let table = table_arg(context.last().unwrap_or(&context[0]), 0, "table_name");
            let alias = inner.get(1).and_then(|n| n.value.str());
            match (table, alias) {
                (Ok(table), Some(alias)) if has_alias => {
                    cx.aliases.push((alias.to_string(), table));
                    read_block(cx, ops, body);
                    cx.aliases.pop();
                }
                _ => ops.not_analysed(node, "a batch_alter_table migplan cannot name"),
            }
        }
        Some("autocommit_block" | "begin_nested") => read_block(cx, ops, body),
        _ => {
            ops.code(node, "a Python `with` migplan does not follow");
            read_block(cx, ops, body);
        }
    }
}

fn read_block(cx: &mut Cx, ops: &mut Ops, body: &[Node]) {
    for n in body {
        statement(cx, ops, n);
    }
}

fn call(cx: &mut Cx, ops: &mut Ops, node: &Node, links: &[Link]) {
    let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let Some(last) = links.last() else { return };
    // A helper of the file, called: its statements, read in place.
    if let [helper] = names.as_slice()
        && cx.depth < 4
        && let Some(body) = cx
            .functions
            .iter()
            .find(|(n, _)| n == helper)
            .map(|(_, b)| *b)
    {
        cx.depth += 1;
        for n in body {
            statement(cx, ops, n);
        }
        cx.depth -= 1;
        return;
    }
    let result = match names.as_slice() {
        ["op", "execute"] => execute(cx, last),
        ["op", op] => operation(cx.d, op, last, None),
        [alias, op] if cx.aliases.iter().any(|(a, _)| a == alias) => {
            let table = cx
                .aliases
                .iter()
                .rev()
                .find(|(a, _)| a == alias)
                .map(|(_, t)| t.clone());
            operation(cx.d, op, last, table.as_deref())
        }
        [.., "execute"] => execute(cx, last),
        _ => {
            ops.code(
                node,
                format!("Python migplan does not follow (`{}`)", names.join(".")),
            );
            return;
        }
    };
    ops.read(node, result);
}

fn execute(cx: &Cx, call: &Link) -> Read {
    let d = cx.d;
    let sql = match call.positional().next().map(|n| &n.value) {
        // `op.execute(CreateSchema('x'))`, `DropSchema('x')`.
        Some(Value::Chain(links))
            if links.len() == 1
                && matches!(links[0].name.as_str(), "CreateSchema" | "DropSchema") =>
        {
            let name = links[0]
                .positional()
                .next()
                .and_then(|n| text_of(&n.value))
                .ok_or("a schema named in Python")?;
            let verb = if links[0].name == "CreateSchema" {
                "CREATE"
            } else {
                "DROP"
            };
            return Ok(vec![format!(
                "{verb} SCHEMA {}",
                crate::ddl::ident(&name, d)
            )]);
        }
        // A string the file assigned to a name.
        Some(Value::Chain(links)) if links.len() == 1 && links[0].args.is_none() => cx
            .constants
            .iter()
            .rev()
            .find(|(n, _)| *n == links[0].name)
            .map(|(_, sql)| sql.clone())
            .ok_or_else(|| "SQL built in Python".to_string())?,
        Some(v) => text_of(v).ok_or_else(|| "SQL built in Python".to_string())?,
        None => return Err("execute without SQL".into()),
    };
    // With parameters, `%s` / `%(name)s` are values bound at run time.
    let bound = call.positional().nth(1).is_some() || call.args().iter().any(|a| a.name.is_some());
    Ok(vec![if bound { bind_placeholders(&sql) } else { sql }])
}

/// DB-API placeholders (`%s`, `%(name)s`) as numbered parameters, `%%` as
/// `%`: the statement's shape, with its values bound at run time.
fn bind_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    let mut n = 0;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('s') {
            n += 1;
            out.push_str(&format!("${n}"));
            rest = tail;
        } else if let Some(named) = after.strip_prefix('(')
            && let Some(close) = named.find(")s")
        {
            n += 1;
            out.push_str(&format!("${n}"));
            rest = &named[close + 2..];
        } else {
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A string, `sa.text("...")` or `op.f("name")` as its text.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Chain(links) => {
            let last = links.last()?;
            matches!(last.name.as_str(), "text" | "f" | "literal_column")
                .then(|| last.positional().next().and_then(|n| text_of(&n.value)))
                .flatten()
        }
        _ => None,
    }
}

/// A constraint's or index's name: the literal, or for `None` the name
/// the usual naming convention gives (`ix_<table>_<column>`,
/// `uq_<table>_<column>`, `fk_<table>_<column>`, `pk_<table>`).
fn convention_name(
    call: &Link,
    key: &str,
    prefix: &str,
    table: &str,
    columns: &Value,
) -> Result<String, String> {
    match arg(call, 0, key) {
        Some(Value::Nil) => {
            let table = crate::names::last(table);
            let first = match columns {
                Value::List(items) => items.first().and_then(|i| text_of(&i.value)),
                _ => None,
            };
            Ok(match (prefix, first) {
                ("pk", _) => format!("pk_{table}"),
                (_, Some(column)) => format!("{prefix}_{table}_{column}"),
                (_, None) => {
                    return Err(format!(
                        "`{}` with a generated name on columns built in Python",
                        call.name
                    ));
                }
            })
        }
        Some(v) => text_of(v).ok_or_else(|| format!("`{}` without a literal `{key}`", call.name)),
        None => Err(format!("`{}` without a `{key}`", call.name)),
    }
}

/// A positional-or-named argument.
fn arg<'a>(call: &'a Link, at: usize, name: &str) -> Option<&'a Value> {
    call.args()
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
        .map(|a| &a.value.value)
        .or_else(|| call.positional().nth(at).map(|n| &n.value))
}

fn name_arg(call: &Link, at: usize, name: &str) -> Result<String, String> {
    arg(call, at, name)
        .and_then(text_of)
        .ok_or_else(|| format!("`{}` without a literal `{name}`", call.name))
}

/// A table name with its `schema=`.
fn table_arg(call: &Link, at: usize, name: &str) -> Result<String, String> {
    let table = name_arg(call, at, name)?;
    Ok(match call.named("schema").and_then(text_of) {
        Some(schema) => format!("{schema}.{table}"),
        None => table,
    })
}

fn operation(d: Dialect, op: &str, call: &Link, batch: Option<&str>) -> Read {
    // In a batch, the table is the block's and arguments shift by one.
    let shift = usize::from(batch.is_none());
    let table = |at: usize, name: &str| -> Result<String, String> {
        match batch {
            Some(t) => Ok(t.to_string()),
            None => table_arg(call, at, name),
        }
    };
    match op {
        "add_column" => {
            let table = table(0, "table_name")?;
            let column = arg(call, shift, "column").ok_or("add_column without a column")?;
            let (spec, foreign) = column_spec(d, column)?;
            let mut out = vec![sql::add_column(
                &table,
                &spec,
                call.flag("if_not_exists"),
                d,
            )];
            out.extend(column_index(d, &table, column));
            out.extend(foreign.map(|mut fk| {
                fk.table = table.clone();
                fk.add(d)
            }));
            Ok(out)
        }
        "drop_column" => Ok(vec![sql::drop_column(
            &table(0, "table_name")?,
            &name_arg(call, shift, "column_name")?,
            call.flag("if_exists"),
            d,
        )]),
        "alter_column" => alter_column(
            d,
            &table(0, "table_name")?,
            &name_arg(call, shift, "column_name")?,
            call,
        ),
        "create_table" => create_table(d, call),
        "drop_table" => Ok(vec![sql::drop_table(
            &table_arg(call, 0, "table_name")?,
            call.flag("if_exists"),
            false,
            d,
        )]),
        "rename_table" => Ok(vec![sql::rename_table(
            &table_arg(call, 0, "old_table_name")?,
            &name_arg(call, 1, "new_table_name")?,
            d,
        )]),
        "create_index" => {
            let table = table(1, "table_name")?;
            let columns = arg(call, 1 + shift, "columns").ok_or("create_index without columns")?;
            let name = convention_name(call, "index_name", "ix", &table, columns)?;
            Ok(vec![index(d, &name, &table, columns, call)?.create(d)])
        }
        "drop_index" => {
            let name = name_arg(call, 0, "index_name")?;
            let table = match batch {
                Some(t) => t.to_string(),
                None => arg(call, 1, "table_name")
                    .and_then(text_of)
                    .unwrap_or_default(),
            };
            let name = match call.named("schema").and_then(text_of) {
                Some(schema) => format!("{schema}.{name}"),
                None => name,
            };
            Ok(vec![sql::drop_index(
                &table,
                &name,
                call.flag("postgresql_concurrently"),
                call.flag("if_exists"),
                d,
            )])
        }
        _ => constraint_operation(d, op, call, batch),
    }
}

fn constraint_operation(d: Dialect, op: &str, call: &Link, batch: Option<&str>) -> Read {
    let shift = usize::from(batch.is_none());
    let table = |at: usize, name: &str| -> Result<String, String> {
        match batch {
            Some(t) => Ok(t.to_string()),
            None => table_arg(call, at, name),
        }
    };
    match op {
        "create_foreign_key" => {
            let source = match (batch, call.named("source_schema").and_then(text_of)) {
                (None, Some(schema)) => format!("{schema}.{}", name_arg(call, 1, "source_table")?),
                _ => table(1, "source_table")?,
            };
            let local = arg(call, 2 + shift, "local_cols")
                .cloned()
                .unwrap_or(Value::Nil);
            let name = convention_name(call, "constraint_name", "fk", &source, &local)?;
            let referent = name_arg(call, 1 + shift, "referent_table")?;
            let referent = match call.named("referent_schema").and_then(text_of) {
                Some(schema) => format!("{schema}.{referent}"),
                None => referent,
            };
            let columns = |at: usize, n: &str| -> Result<Vec<String>, String> {
                match arg(call, at, n) {
                    Some(Value::List(items)) => items
                        .iter()
                        .map(|i| {
                            text_of(&i.value).ok_or_else(|| "columns built in Python".to_string())
                        })
                        .collect(),
                    _ => Err(format!("create_foreign_key without literal {n}")),
                }
            };
            Ok(vec![
                ForeignKey {
                    table: source,
                    name,
                    columns: columns(2 + shift, "local_cols")?,
                    to_table: referent,
                    to_columns: columns(3 + shift, "remote_cols")?,
                    on_delete: call.named("ondelete").and_then(text_of),
                    on_update: call.named("onupdate").and_then(text_of),
                    not_valid: call.flag("postgresql_not_valid"),
                }
                .add(d),
            ])
        }
        "create_unique_constraint" | "create_primary_key" => {
            let table = table(1, "table_name")?;
            let columns_value = arg(call, 1 + shift, "columns")
                .cloned()
                .unwrap_or(Value::Nil);
            let prefix = if op == "create_primary_key" {
                "pk"
            } else {
                "uq"
            };
            let name = convention_name(call, "constraint_name", prefix, &table, &columns_value)?;
            let columns = match arg(call, 1 + shift, "columns") {
                Some(Value::List(items)) => items
                    .iter()
                    .filter_map(|i| text_of(&i.value))
                    .collect::<Vec<_>>(),
                _ => return Err(format!("`{op}` without literal columns")),
            };
            Ok(vec![if op == "create_primary_key" {
                sql::add_primary_key(&table, &name, &columns, d)
            } else {
                sql::add_unique(&table, &name, &columns, d)
            }])
        }
        "create_check_constraint" => {
            let name = name_arg(call, 0, "constraint_name")?;
            let table = table(1, "table_name")?;
            let condition = arg(call, 1 + shift, "condition")
                .and_then(text_of)
                .ok_or("a check condition built in Python")?;
            Ok(vec![sql::add_check(
                &table,
                &name,
                &condition,
                call.flag("postgresql_not_valid"),
                d,
            )])
        }
        "drop_constraint" => {
            let name = name_arg(call, 0, "constraint_name")?;
            let table = table(1, "table_name")?;
            let kind = match call.named("type_").and_then(text_of).as_deref() {
                Some("foreignkey") => ConstraintKind::ForeignKey,
                Some("unique") => ConstraintKind::Unique,
                Some("check") => ConstraintKind::Check,
                Some("primary") => ConstraintKind::PrimaryKey,
                _ => ConstraintKind::Other,
            };
            Ok(vec![sql::drop_constraint(
                &table,
                &name,
                kind,
                call.flag("if_exists"),
                d,
            )])
        }
        other => Err(format!("`op.{other}` is not an operation migplan reads")),
    }
}

fn index(
    d: Dialect,
    name: &str,
    table: &str,
    columns: &Value,
    call: &Link,
) -> Result<IndexSpec, String> {
    let Value::List(items) = columns else {
        return Err("index columns built in Python".into());
    };
    let mut keys = Vec::new();
    for item in items {
        keys.push(match &item.value {
            Value::Str(column) => crate::ddl::ident(column, d),
            // `sa.text("lower(name)")`: an expression, as written.
            v => text_of(v).ok_or("an index key built in Python")?,
        });
    }
    Ok(IndexSpec {
        table: table.to_string(),
        name: name.to_string(),
        columns: keys,
        expression: true,
        unique: call.flag("unique"),
        concurrently: call.flag("postgresql_concurrently"),
        if_not_exists: call.flag("if_not_exists"),
        using: call.named("postgresql_using").and_then(text_of),
        where_sql: call.named("postgresql_where").and_then(text_of),
    })
}

/// `sa.Column(name, type, *args, nullable=..., server_default=...)`.
fn column_spec(d: Dialect, v: &Value) -> Result<(ColumnSpec, Option<ForeignKey>), String> {
    let call = v
        .links()
        .last()
        .filter(|l| l.name == "Column")
        .ok_or("a column built in Python")?;
    let mut positional = call.positional();
    let name = positional
        .next()
        .and_then(|n| text_of(&n.value))
        .ok_or("a column without a literal name")?;
    let ty = positional.next().ok_or("a column without a type")?;
    let mut spec = ColumnSpec::new(&name, sql_type(d, &ty.value)?);
    spec.primary_key = call.flag("primary_key");
    // SQLAlchemy columns are nullable unless they say otherwise.
    spec.not_null = matches!(call.named("nullable"), Some(Value::Bool(false))) || spec.primary_key;
    spec.unique = call.flag("unique");
    spec.auto_increment = spec.primary_key && spec.ty.contains("serial");
    spec.default = match call.named("server_default") {
        None | Some(Value::Nil) => None,
        Some(v) => Some(match v {
            Value::Str(s) => crate::ddl::literal(s),
            other => text_of(other).ok_or("a server default built in Python")?,
        }),
    };
    let mut foreign = None;
    for extra in positional {
        let Some(fk) = extra
            .value
            .links()
            .last()
            .filter(|l| l.name == "ForeignKey")
        else {
            continue;
        };
        let target = fk
            .positional()
            .next()
            .and_then(|n| text_of(&n.value))
            .ok_or("a foreign key to a column named in Python")?;
        let (to_table, to_column) = target
            .rsplit_once('.')
            .ok_or("a foreign key without table.column")?;
        foreign = Some(ForeignKey {
            table: String::new(),
            name: fk
                .named("name")
                .and_then(text_of)
                .unwrap_or_else(|| format!("fk_{name}_{}", sql::short_hash(&target))),
            columns: vec![name.clone()],
            to_table: to_table.to_string(),
            to_columns: vec![to_column.to_string()],
            on_delete: fk.named("ondelete").and_then(text_of),
            on_update: fk.named("onupdate").and_then(text_of),
            not_valid: false,
        });
    }
    Ok((spec, foreign))
}

/// A SQLAlchemy type (`sa.String(50)`, `postgresql.JSONB()`) as SQL.
fn sql_type(d: Dialect, v: &Value) -> Result<String, String> {
    let link = v.links().last().ok_or("a column type built in Python")?;
    let nums: Vec<String> = link
        .positional()
        .filter_map(|n| match &n.value {
            Value::Num(x) => Some(x.clone()),
            _ => None,
        })
        .collect();
    let pg = d == Dialect::Postgres;
    let ty = match link.name.as_str() {
        "Integer" | "INTEGER" => "integer".into(),
        "BigInteger" | "BIGINT" => "bigint".into(),
        "SmallInteger" | "SMALLINT" | "PyIntEnum" => "smallint".into(),
        "String" | "Unicode" | "VARCHAR" => match nums.first() {
            Some(n) => format!("varchar({n})"),
            None => match link.named("length") {
                Some(Value::Num(n)) => format!("varchar({n})"),
                _ => "varchar".into(),
            },
        },
        "Text" | "UnicodeText" | "TEXT" => "text".into(),
        "Boolean" | "BOOLEAN" => "boolean".into(),
        "DateTime" | "TIMESTAMP" | "UTCDateTime" => {
            if matches!(link.named("timezone"), Some(Value::Bool(true))) && pg {
                "timestamp with time zone".into()
            } else if pg {
                "timestamp without time zone".into()
            } else {
                "datetime".into()
            }
        }
        "Date" | "DATE" => "date".into(),
        "Time" | "TIME" => "time".into(),
        "Interval" | "INTERVAL" => if pg { "interval" } else { "bigint" }.into(),
        "Float" | "FLOAT" => if pg { "double precision" } else { "float" }.into(),
        "Numeric" | "NUMERIC" | "DECIMAL" => match nums.as_slice() {
            [p, s, ..] => format!("numeric({p}, {s})"),
            [p] => format!("numeric({p})"),
            [] => "numeric".into(),
        },
        "LargeBinary" | "BYTEA" => if pg { "bytea" } else { "blob" }.into(),
        "JSON" => "json".into(),
        "JSONB" if pg => "jsonb".into(),
        "UUID" | "Uuid" => if pg { "uuid" } else { "char(32)" }.into(),
        "INET" if pg => "inet".into(),
        "CITEXT" if pg => "citext".into(),
        "TSVECTOR" if pg => "tsvector".into(),
        "ARRAY" if pg => {
            let inner = link
                .positional()
                .next()
                .ok_or("an ARRAY without its item type")?;
            format!("{}[]", sql_type(d, &inner.value)?)
        }
        "Enum" => match link.named("name").and_then(text_of) {
            Some(name) if pg && !matches!(link.named("native_enum"), Some(Value::Bool(false))) => {
                crate::ddl::ident(&name, d)
            }
            _ => "varchar".into(),
        },
        other => {
            return Err(format!(
                "column type `{other}`, which migplan does not know"
            ));
        }
    };
    Ok(ty)
}

fn alter_column(d: Dialect, table: &str, column: &str, call: &Link) -> Read {
    let mut out = Vec::new();
    if let Some(ty) = call.named("type_") {
        let spec = ColumnSpec::new(column, sql_type(d, ty)?);
        if d == Dialect::Mysql {
            return Err("alter_column of a type on MySQL restates the whole column".into());
        }
        let using = call.named("postgresql_using").and_then(text_of);
        out.push(sql::change_type(table, &spec, using.as_deref(), d));
    }
    match call.named("nullable") {
        Some(Value::Bool(nullable)) if d != Dialect::Mysql => {
            out.push(sql::set_not_null(table, column, !nullable, d))
        }
        Some(Value::Bool(_)) => {
            return Err("alter_column nullable on MySQL restates the whole column".into());
        }
        _ => {}
    }
    match call.named("server_default") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Nil) => out.push(sql::set_default(table, column, None, d)),
        Some(Value::Str(s)) => out.push(sql::set_default(
            table,
            column,
            Some(&crate::ddl::literal(s)),
            d,
        )),
        Some(v) => {
            let expr = text_of(v)
                .or_else(|| literal(v))
                .ok_or("a server default built in Python")?;
            out.push(sql::set_default(table, column, Some(&expr), d));
        }
    }
    if let Some(new) = call.named("new_column_name").and_then(text_of) {
        out.push(sql::rename_column(table, column, &new, d));
    }
    Ok(out)
}

fn create_table(d: Dialect, call: &Link) -> Read {
    let table = table_arg(call, 0, "table_name")?;
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut after = Vec::new();
    let mut before = Vec::new();
    for item in call.positional().skip(1) {
        let link = item
            .value
            .links()
            .last()
            .ok_or("a table item built in Python")?;
        match link.name.as_str() {
            "Column" => {
                let (spec, foreign) = column_spec(d, &item.value)?;
                after.extend(column_index(d, &table, &item.value));
                if let Some(mut fk) = foreign {
                    fk.table = table.clone();
                    constraints.push(fk.constraint(d));
                }
                if let Some(ty) = link.positional().nth(1)
                    && let Some(e) = ty.value.links().last().filter(|l| l.name == "Enum")
                    && d == Dialect::Postgres
                    && let Some(name) = e.named("name").and_then(text_of)
                {
                    let values: Vec<String> = e
                        .positional()
                        .filter_map(|n| n.value.str().map(crate::ddl::literal))
                        .collect();
                    if !values.is_empty() {
                        before.push(format!(
                            "CREATE TYPE {} AS ENUM ({})",
                            crate::ddl::ident(&name, d),
                            values.join(", ")
                        ));
                    }
                }
                columns.push(spec);
            }
            "PrimaryKeyConstraint" | "UniqueConstraint" => {
                let cols: Vec<String> = link
                    .positional()
                    .filter_map(|n| text_of(&n.value))
                    .map(|c| crate::ddl::ident(&c, d))
                    .collect();
                let kind = if link.name == "PrimaryKeyConstraint" {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                };
                let named = link
                    .named("name")
                    .and_then(text_of)
                    .map(|n| format!("CONSTRAINT {} ", crate::ddl::ident(&n, d)));
                constraints.push(format!(
                    "{}{kind} ({})",
                    named.unwrap_or_default(),
                    cols.join(", ")
                ));
            }
            "ForeignKeyConstraint" => constraints.push(table_foreign_key(d, &table, link)?),
            "CheckConstraint" => {
                let condition = link
                    .positional()
                    .next()
                    .and_then(|n| text_of(&n.value))
                    .ok_or("a check built in Python")?;
                let named = link
                    .named("name")
                    .and_then(text_of)
                    .map(|n| format!("CONSTRAINT {} ", crate::ddl::ident(&n, d)));
                constraints.push(format!("{}CHECK ({condition})", named.unwrap_or_default()));
            }
            "Index" => {
                let cols = Value::List(link.positional().skip(1).cloned().collect());
                let name = convention_name(link, "name", "ix", &table, &cols)?;
                after.push(index(d, &name, &table, &cols, link)?.create(d));
            }
            other => {
                return Err(format!(
                    "`{other}` in create_table, which migplan does not read"
                ));
            }
        }
    }
    before.push(sql::create_table(&table, &columns, &constraints, false, d));
    before.extend(after);
    Ok(before)
}

/// The index `sa.Column(..., index=True)` asks for (`ix_<table>_<column>`).
fn column_index(d: Dialect, table: &str, column: &Value) -> Option<String> {
    let call = column.links().last()?;
    if !call.flag("index") {
        return None;
    }
    let name = call.positional().next().and_then(|n| text_of(&n.value))?;
    Some(
        IndexSpec {
            table: table.to_string(),
            name: format!("ix_{}_{name}", crate::names::last(table)),
            columns: vec![name],
            unique: call.flag("unique"),
            ..IndexSpec::default()
        }
        .create(d),
    )
}

fn is_offline_check(condition: Option<&Node>) -> bool {
    condition.is_some_and(|c| {
        c.value
            .links()
            .last()
            .is_some_and(|l| l.name == "is_offline_mode")
    })
}

/// `sa.ForeignKeyConstraint([cols], ['table.col', ...])` in create_table.
fn table_foreign_key(d: Dialect, table: &str, link: &Link) -> Result<String, String> {
    let list = |at: usize| -> Vec<String> {
        match link.positional().nth(at).map(|n| &n.value) {
            Some(Value::List(items)) => items.iter().filter_map(|i| text_of(&i.value)).collect(),
            _ => Vec::new(),
        }
    };
    let targets = list(1);
    let (to_table, to_columns): (Vec<String>, Vec<String>) = targets
        .iter()
        .filter_map(|t| {
            t.rsplit_once('.')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .unzip();
    let to = to_table
        .first()
        .ok_or("a foreign key without table.column targets")?;
    Ok(ForeignKey {
        table: table.to_string(),
        name: link
            .named("name")
            .and_then(text_of)
            .unwrap_or_else(|| format!("fk_{}", sql::short_hash(&targets.join(",")))),
        columns: list(0),
        to_table: to.clone(),
        to_columns,
        on_delete: link.named("ondelete").and_then(text_of),
        on_update: link.named("onupdate").and_then(text_of),
        not_valid: false,
    }
    .constraint(d))
}
