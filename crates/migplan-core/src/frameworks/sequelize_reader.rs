//! Reads Sequelize migrations: `up` and `down` of `module.exports` (arrow
//! functions or methods), each `queryInterface.*` call as the SQL
//! Sequelize runs for it on the dialect, `queryInterface.sequelize.query`
//! of literal SQL as that SQL, calls inside `sequelize.transaction(...)`
//! read in place. Other JavaScript is reported as code not analysed.

use crate::Dialect;
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

pub fn read(cx: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(cx.text, Lang::Js), Lang::Js);
    let mut ops = Ops::new(cx.dialect, cx.text);
    for node in &nodes {
        // `module.exports = { up, down }`, `export default { ... }`.
        let exports = match &node.value {
            Value::Assign(_, value) => &value.value,
            other => other,
        };
        let Value::Map(pairs) = exports else { continue };
        for (key, value) in pairs {
            let section = match key.value.str() {
                Some("up") => Section::Up,
                Some("down") => Section::Down,
                _ => continue,
            };
            if let Value::Block(block) = &value.value {
                ops.section = section;
                let interface = block
                    .params
                    .first()
                    .map_or("queryInterface", String::as_str)
                    .to_string();
                let mut consts = constants(&nodes);
                consts.extend(constants(&block.body));
                read_block(
                    &mut ops,
                    &Scope {
                        interface: &interface,
                        consts: &consts,
                    },
                    block,
                );
                ops.section = Section::Up;
            }
        }
    }
    ops.reading
}

/// What a function body is read with: the query interface's name and the
/// values the file and the body assign to names (`const colParams = {...}`).
struct Scope<'a> {
    interface: &'a str,
    consts: &'a [(String, Value)],
}

/// `const name = value` assignments of a body.
fn constants(body: &[Node]) -> Vec<(String, Value)> {
    body.iter()
        .filter_map(|n| match &n.value {
            Value::Assign(target, value) => match target.value.links() {
                [one] if one.args.is_none() => Some((one.name.clone(), value.value.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A call with arguments that name constants replaced by their values.
fn resolved(call: &Link, consts: &[(String, Value)]) -> Link {
    let mut call = call.clone();
    if let Some(args) = call.args.as_mut() {
        for arg in args.iter_mut() {
            if let [one] = arg.value.value.links()
                && one.args.is_none()
                && let Some((_, v)) = consts.iter().rev().find(|(n, _)| *n == one.name)
            {
                arg.value.value = v.clone();
            }
        }
    }
    call
}

fn read_block(ops: &mut Ops, scope: &Scope, block: &Block) {
    for statement in &block.body {
        read_statement(ops, scope, statement);
    }
}

fn read_statement(ops: &mut Ops, scope: &Scope, node: &Node) {
    let interface = scope.interface;
    match &node.value {
        Value::Chain(links) => call(ops, scope, node, links),
        // `const [rows] = await queryInterface.sequelize.query(...)`.
        Value::Assign(_, value)
            if value
                .value
                .links()
                .first()
                .is_some_and(|l| l.name == interface) =>
        {
            read_statement(ops, scope, value);
        }
        // `const colParams = { ... }`: a value kept for later calls.
        Value::Assign(_, value)
            if matches!(value.value, Value::Map(_) | Value::Str(_) | Value::List(_)) =>
        {
            ops.sql(node, Vec::new());
        }
        Value::Control(word, inner) => {
            for n in ops.control(node, Lang::Js, word, inner) {
                read_statement(ops, scope, n);
            }
        }
        // `Promise.all([...])`-style lists of calls.
        Value::List(items) => items.iter().for_each(|n| read_statement(ops, scope, n)),
        Value::Nil | Value::Str(_) => {}
        _ => ops.code(node, "JavaScript migplan does not follow"),
    }
}

fn call(ops: &mut Ops, scope: &Scope, node: &Node, links: &[Link]) {
    // `queryInterface.addColumn(...).then(() => ...)`: the call, then
    // each `then`'s function in order.
    if let Some(at) = links.iter().position(|l| l.name == "then")
        && at > 1
        && links.first().is_some_and(|l| l.name == scope.interface)
    {
        call(ops, scope, node, &links[..at]);
        for link in &links[at..] {
            for arg in link.positional() {
                if let Value::Block(block) = &arg.value {
                    read_block(ops, scope, block);
                }
            }
        }
        return;
    }
    let interface = scope.interface;
    let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let Some(last) = links.last() else { return };
    let last = &resolved(last, scope.consts);
    let d = ops.dialect;
    let result = match names.as_slice() {
        [i, "sequelize", "query"] | [i, "query"] if *i == interface => query(last),
        // `queryInterface.sequelize.transaction(async (transaction) => {...})`.
        [i, "sequelize", "transaction"] if *i == interface => {
            for arg in last.positional() {
                if let Value::Block(block) = &arg.value {
                    read_block(ops, scope, block);
                }
            }
            return;
        }
        [i, op] if *i == interface => operation(d, op, last),
        // `Promise.all([...])`: its calls.
        ["Promise", "all"] => {
            for arg in last.positional() {
                read_statement(ops, scope, arg);
            }
            return;
        }
        _ => {
            ops.code(
                node,
                format!("JavaScript migplan does not follow (`{}`)", names.join(".")),
            );
            return;
        }
    };
    ops.read(node, result);
}

fn query(call: &Link) -> Read {
    match call.positional().next().map(|n| &n.value) {
        Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
        Some(Value::Interp(_)) => Err("SQL built at run time (a template with ${...})".into()),
        _ => Err("a query of SQL built in JavaScript".into()),
    }
}

fn text(call: &Link, at: usize) -> Result<String, String> {
    match call.positional().nth(at).map(|n| &n.value) {
        Some(Value::Str(s)) => Ok(s.clone()),
        // `{ tableName: 'x', schema: 's' }`.
        Some(Value::Map(pairs)) => tree::map_get(pairs, "tableName")
            .and_then(Value::str)
            .map(str::to_string)
            .ok_or_else(|| format!("`{}` of a table named in JavaScript", call.name)),
        _ => Err(format!(
            "`{}`: argument {} is not a name migplan can read",
            call.name,
            at + 1
        )),
    }
}

fn operation(d: Dialect, op: &str, call: &Link) -> Read {
    let options = |at: usize| match call.positional().nth(at).map(|n| &n.value) {
        Some(Value::Map(pairs)) => pairs.as_slice(),
        _ => &[],
    };
    match op {
        "createTable" => create_table(
            d,
            &text(call, 0)?,
            call.positional().nth(1).map(|n| &n.value),
        ),
        "dropTable" => Ok(vec![sql::drop_table(&text(call, 0)?, false, false, d)]),
        "renameTable" => Ok(vec![sql::rename_table(&text(call, 0)?, &text(call, 1)?, d)]),
        "addColumn" => {
            let table = text(call, 0)?;
            let name = text(call, 1)?;
            let attribute = call
                .positional()
                .nth(2)
                .ok_or("addColumn without an attribute")?;
            let (column, fk) = column(d, &table, &name, &attribute.value)?;
            let mut out = enum_type(d, &table, &name, &attribute.value);
            out.push(sql::add_column(&table, &column, false, d));
            out.extend(fk.map(|f| f.add(d)));
            Ok(out)
        }
        "removeColumn" => Ok(vec![sql::drop_column(
            &text(call, 0)?,
            &text(call, 1)?,
            false,
            d,
        )]),
        "renameColumn" => Ok(vec![sql::rename_column(
            &text(call, 0)?,
            &text(call, 1)?,
            &text(call, 2)?,
            d,
        )]),
        "changeColumn" => change_column(d, &text(call, 0)?, &text(call, 1)?, call),
        "addIndex" => {
            let table = text(call, 0)?;
            Ok(vec![index(&table, call)?.create(d)])
        }
        "removeIndex" => {
            let table = text(call, 0)?;
            let name = match call.positional().nth(1).map(|n| &n.value) {
                Some(Value::Str(name)) => name.clone(),
                Some(v) => {
                    let fields = names_of(v).ok_or("removeIndex of fields built in JavaScript")?;
                    format!(
                        "{}_{}",
                        crate::names::last(&table).to_lowercase(),
                        fields.join("_").to_lowercase()
                    )
                }
                None => return Err("removeIndex without a name".into()),
            };
            let concurrently = matches!(
                tree::map_get(options(2), "concurrently"),
                Some(Value::Bool(true))
            );
            Ok(vec![sql::drop_index(&table, &name, concurrently, false, d)])
        }
        "addConstraint" => add_constraint(d, &text(call, 0)?, call),
        "removeConstraint" => Ok(vec![sql::drop_constraint(
            &text(call, 0)?,
            &text(call, 1)?,
            ConstraintKind::Other,
            false,
            d,
        )]),
        "createFunction" | "dropFunction" | "describeTable" | "showAllTables" => {
            Err(format!("`{op}`, which migplan does not read"))
        }
        other => Err(format!(
            "`queryInterface.{other}` is not a call migplan reads"
        )),
    }
}

/// A Sequelize data type (`Sequelize.STRING(50)`, `DataTypes.JSONB`).
fn sql_type(d: Dialect, table: &str, column: &str, v: &Value) -> Result<String, String> {
    let link = v.links().last().ok_or("a type built in JavaScript")?;
    let nums: Vec<&String> = link
        .positional()
        .filter_map(|n| match &n.value {
            Value::Num(x) => Some(x),
            _ => None,
        })
        .collect();
    let pg = d == Dialect::Postgres;
    Ok(match link.name.as_str() {
        "STRING" => format!("varchar({})", nums.first().map_or("255", |n| n.as_str())),
        "CHAR" => format!("char({})", nums.first().map_or("255", |n| n.as_str())),
        "TEXT" => "text".into(),
        "CITEXT" if pg => "citext".into(),
        "INTEGER" => "integer".into(),
        "BIGINT" => "bigint".into(),
        "SMALLINT" => "smallint".into(),
        "FLOAT" | "REAL" => if pg { "real" } else { "float" }.into(),
        "DOUBLE" => "double precision".into(),
        "DECIMAL" => match nums.as_slice() {
            [p, s, ..] => format!("decimal({p},{s})"),
            _ => "decimal".into(),
        },
        "BOOLEAN" => if pg { "boolean" } else { "tinyint(1)" }.into(),
        "DATE" => if pg {
            "timestamp with time zone"
        } else {
            "datetime"
        }
        .into(),
        "DATEONLY" => "date".into(),
        "TIME" => "time".into(),
        "JSON" => "json".into(),
        "JSONB" if pg => "jsonb".into(),
        "UUID" => if pg { "uuid" } else { "char(36)" }.into(),
        "INET" if pg => "inet".into(),
        "BLOB" => if pg { "bytea" } else { "blob" }.into(),
        "ENUM" if pg => {
            crate::ddl::ident(&format!("enum_{}_{column}", crate::names::last(table)), d)
        }
        "ENUM" => {
            let values: Vec<String> = link
                .positional()
                .filter_map(|n| n.value.str().map(crate::ddl::literal))
                .collect();
            format!("enum({})", values.join(", "))
        }
        "ARRAY" if pg => {
            let inner = link
                .positional()
                .next()
                .ok_or("an ARRAY without its item type")?;
            format!("{}[]", sql_type(d, table, column, &inner.value)?)
        }
        "TSVECTOR" if pg => "tsvector".into(),
        other => return Err(format!("data type `{other}`, which migplan does not know")),
    })
}

/// PostgreSQL: the type Sequelize creates for an ENUM column.
fn enum_type(d: Dialect, table: &str, column: &str, attribute: &Value) -> Vec<String> {
    let ty = match attribute {
        Value::Map(pairs) => tree::map_get(pairs, "type"),
        other => Some(other),
    };
    let Some(link) = ty
        .and_then(|t| t.links().last())
        .filter(|l| l.name == "ENUM")
    else {
        return Vec::new();
    };
    if d != Dialect::Postgres {
        return Vec::new();
    }
    let values: Vec<String> = link
        .positional()
        .filter_map(|n| n.value.str().map(crate::ddl::literal))
        .collect();
    vec![format!(
        "CREATE TYPE {} AS ENUM ({})",
        crate::ddl::ident(&format!("enum_{}_{column}", crate::names::last(table)), d),
        values.join(", ")
    )]
}

/// A column from its attribute (`{ type, allowNull, defaultValue, ... }`
/// or a bare type), and its foreign key (`references`).
fn column(
    d: Dialect,
    table: &str,
    name: &str,
    attribute: &Value,
) -> Result<(ColumnSpec, Option<ForeignKey>), String> {
    let pairs = match attribute {
        Value::Map(pairs) => pairs.as_slice(),
        other => {
            return Ok((
                ColumnSpec::new(name, sql_type(d, table, name, other)?),
                None,
            ));
        }
    };
    let get = |k: &str| tree::map_get(pairs, k);
    let ty = get("type").ok_or("an attribute without a type")?;
    let mut c = ColumnSpec::new(name, sql_type(d, table, name, ty)?);
    c.primary_key = matches!(get("primaryKey"), Some(Value::Bool(true)));
    c.not_null = matches!(get("allowNull"), Some(Value::Bool(false))) || c.primary_key;
    c.unique = matches!(get("unique"), Some(Value::Bool(true)));
    if matches!(get("autoIncrement"), Some(Value::Bool(true))) {
        c.auto_increment = true;
        if d == Dialect::Postgres {
            c.ty = if c.ty == "bigint" {
                "bigserial"
            } else {
                "serial"
            }
            .into();
        }
    }
    c.default = match get("defaultValue") {
        None => None,
        Some(v) => default_sql(v)?,
    };
    let fk = match get("references") {
        Some(Value::Map(r)) => {
            let to = tree::map_get(r, "model").and_then(|m| match m {
                Value::Map(inner) => tree::map_get(inner, "tableName").and_then(Value::str),
                other => other.str(),
            });
            let to = to.ok_or("a reference to a model named in JavaScript")?;
            let key = tree::map_get(r, "key").and_then(Value::str).unwrap_or("id");
            let action = |k: &str| get(k).and_then(Value::str).map(str::to_ascii_uppercase);
            Some(ForeignKey {
                table: table.to_string(),
                name: format!("{}_{name}_fkey", crate::names::last(table)),
                columns: vec![name.to_string()],
                to_table: to.to_string(),
                to_columns: vec![key.to_string()],
                on_delete: action("onDelete"),
                on_update: action("onUpdate"),
                not_valid: false,
            })
        }
        _ => None,
    };
    Ok((c, fk))
}

/// A `defaultValue` as SQL; `Sequelize.UUIDV4` and other JavaScript-side
/// defaults are not database defaults.
fn default_sql(v: &Value) -> Result<Option<String>, String> {
    if let Some(link) = v.links().last() {
        return match link.name.as_str() {
            "NOW" => Ok(Some("now()".into())),
            "UUIDV4" | "UUIDV1" => Ok(None),
            "literal" | "fn" => match link.positional().next().map(|n| &n.value) {
                Some(Value::Str(s)) if link.name == "literal" => Ok(Some(s.clone())),
                Some(Value::Str(s)) => Ok(Some(format!("{s}()"))),
                _ => Err("a default built in JavaScript".into()),
            },
            _ => Err("a default built in JavaScript".into()),
        };
    }
    match v {
        Value::Map(pairs) if pairs.is_empty() => Ok(Some("'{}'".into())),
        Value::List(items) if items.is_empty() => Ok(Some("'{}'".into())),
        other => literal(other)
            .map(Some)
            .ok_or_else(|| "a default built in JavaScript".into()),
    }
}

fn create_table(d: Dialect, table: &str, attributes: Option<&Value>) -> Read {
    let Some(Value::Map(pairs)) = attributes else {
        return Err("createTable of attributes built in JavaScript".into());
    };
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut before = Vec::new();
    for (key, value) in pairs {
        let name = key
            .value
            .str()
            .map(str::to_string)
            .or_else(|| key.value.links().first().map(|l| l.name.clone()))
            .ok_or("an attribute named in JavaScript")?;
        before.extend(enum_type(d, table, &name, &value.value));
        let (column, fk) = column(d, table, &name, &value.value)?;
        columns.push(column);
        constraints.extend(fk.map(|f| f.constraint(d)));
    }
    before.push(sql::create_table(table, &columns, &constraints, false, d));
    Ok(before)
}

fn change_column(d: Dialect, table: &str, name: &str, call: &Link) -> Read {
    let attribute = call
        .positional()
        .nth(2)
        .ok_or("changeColumn without an attribute")?;
    let (column, _) = column(d, table, name, &attribute.value)?;
    if d != Dialect::Postgres {
        return Ok(vec![sql::change_type(table, &column, None, d)]);
    }
    // Sequelize restates nullability and the type on PostgreSQL.
    let mut out = vec![sql::set_not_null(table, name, column.not_null, d)];
    if let Some(default) = &column.default {
        out.push(sql::set_default(table, name, Some(default), d));
    }
    out.push(sql::change_type(
        table,
        &ColumnSpec {
            default: None,
            not_null: false,
            ..column
        },
        None,
        d,
    ));
    Ok(out)
}

fn index(table: &str, call: &Link) -> Result<IndexSpec, String> {
    let (fields, opts) = match call.positional().nth(1).map(|n| &n.value) {
        Some(Value::Map(pairs)) => (tree::map_get(pairs, "fields"), pairs.as_slice()),
        Some(v) => (
            Some(v),
            match call.positional().nth(2).map(|n| &n.value) {
                Some(Value::Map(pairs)) => pairs.as_slice(),
                _ => &[],
            },
        ),
        None => (None, &[][..]),
    };
    let fields = fields.ok_or("addIndex without fields")?;
    // Fields are names, or `{ name, order }` objects.
    let columns: Vec<String> = match fields {
        Value::List(items) => items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) => Some(s.clone()),
                Value::Map(p) => tree::map_get(p, "name")
                    .and_then(Value::str)
                    .map(str::to_string),
                _ => None,
            })
            .collect::<Option<_>>()
            .ok_or("index fields built in JavaScript")?,
        _ => return Err("index fields built in JavaScript".into()),
    };
    let name = tree::map_get(opts, "name")
        .and_then(Value::str)
        .map_or_else(
            || {
                format!(
                    "{}_{}",
                    crate::names::last(table).to_lowercase(),
                    columns.join("_").to_lowercase()
                )
            },
            str::to_string,
        );
    let where_sql = match tree::map_get(opts, "where") {
        None => None,
        Some(Value::Map(conditions)) => Some(where_of(conditions)?),
        Some(_) => return Err("an index whose `where` is built in JavaScript".into()),
    };
    Ok(IndexSpec {
        table: table.to_string(),
        name,
        columns,
        unique: matches!(tree::map_get(opts, "unique"), Some(Value::Bool(true))),
        concurrently: matches!(tree::map_get(opts, "concurrently"), Some(Value::Bool(true))),
        using: tree::map_get(opts, "using")
            .and_then(Value::str)
            .map(str::to_string),
        where_sql,
        ..IndexSpec::default()
    })
}

/// `{ deletedAt: null, type: 'CARD' }` as `"deletedAt" IS NULL AND type = 'CARD'`.
fn where_of(conditions: &[(Node, Node)]) -> Result<String, String> {
    let parts: Vec<String> = conditions
        .iter()
        .map(|(k, v)| {
            let column = k
                .value
                .str()
                .map(str::to_string)
                .or_else(|| k.value.links().first().map(|l| l.name.clone()))
                .ok_or("an index condition on a column named in JavaScript")?;
            let column = crate::ddl::ident(&column, Dialect::Postgres);
            match &v.value {
                Value::Nil => Ok(format!("{column} IS NULL")),
                other => literal(other)
                    .map(|l| format!("{column} = {l}"))
                    .ok_or_else(|| {
                        "an index condition built in JavaScript (an operator)".to_string()
                    }),
            }
        })
        .collect::<Result<_, String>>()?;
    Ok(parts.join(" AND "))
}

fn add_constraint(d: Dialect, table: &str, call: &Link) -> Read {
    let Some(Value::Map(opts)) = call.positional().nth(1).map(|n| &n.value) else {
        return Err("addConstraint of options built in JavaScript".into());
    };
    let fields = tree::map_get(opts, "fields")
        .and_then(names_of)
        .ok_or("a constraint without literal fields")?;
    let kind = tree::map_get(opts, "type")
        .and_then(Value::str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = tree::map_get(opts, "name")
        .and_then(Value::str)
        .map_or_else(
            || {
                format!(
                    "{}_{}_{}",
                    crate::names::last(table),
                    fields.join("_"),
                    kind.replace(' ', "_")
                )
            },
            str::to_string,
        );
    match kind.as_str() {
        "unique" => Ok(vec![sql::add_unique(table, &name, &fields, d)]),
        "primary key" => Ok(vec![sql::add_primary_key(table, &name, &fields, d)]),
        "foreign key" => {
            let Some(Value::Map(r)) = tree::map_get(opts, "references") else {
                return Err("a foreign key without references".into());
            };
            let to = tree::map_get(r, "table")
                .and_then(Value::str)
                .ok_or("a foreign key to a table named in JavaScript")?;
            let field = tree::map_get(r, "field")
                .and_then(Value::str)
                .unwrap_or("id");
            Ok(vec![
                ForeignKey {
                    table: table.to_string(),
                    name,
                    columns: fields,
                    to_table: to.to_string(),
                    to_columns: vec![field.to_string()],
                    on_delete: tree::map_get(opts, "onDelete")
                        .and_then(Value::str)
                        .map(str::to_ascii_uppercase),
                    on_update: tree::map_get(opts, "onUpdate")
                        .and_then(Value::str)
                        .map(str::to_ascii_uppercase),
                    not_valid: false,
                }
                .add(d),
            ])
        }
        other => Err(format!(
            "a `{other}` constraint, which migplan does not read"
        )),
    }
}
