//! Reads EF Core migrations: each `migrationBuilder.*` call of `Up` (the
//! up) and `Down` (the down) as the SQL the provider runs, with the column
//! types the migration itself states (`type: "uuid"`); `Sql(...)` of
//! literal SQL as that SQL; `UpdateData` as its UPDATE. Other C# is code
//! not analysed; SQLite's table rebuilds (`AlterColumn`, keys) are not
//! analysed.

use crate::Dialect;
use crate::catalog::{self, Catalog};
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

pub fn read(cx: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(cx.text, Lang::CSharp), Lang::CSharp);
    let mut ops = Ops::new(cx.dialect, cx.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(cx.dialect);
    for node in &nodes {
        visit(&mut ops, cx.schema, node);
    }
    ops.reading
}

/// Classes and namespaces down to `Up` and `Down`.
fn visit(ops: &mut Ops, schema: &Catalog, node: &Node) {
    match &node.value {
        Value::Class(block) => block.body.iter().for_each(|n| visit(ops, schema, n)),
        Value::Def(name, body) if name == "Up" || name == "Down" => {
            ops.section = if name == "Down" {
                Section::Down
            } else {
                Section::Up
            };
            let builder = body
                .params
                .first()
                .map_or("migrationBuilder", String::as_str)
                .to_string();
            for statement in &body.body {
                statement_of(ops, schema, &builder, statement);
            }
            ops.section = Section::Up;
        }
        _ => {}
    }
}

fn statement_of(ops: &mut Ops, schema: &Catalog, builder: &str, node: &Node) {
    let links = node.value.links();
    // The MySQL provider's `.Annotation("MySql:CharSet", ...)` after a
    // call names a character set; the call is what runs.
    let annotations = |rest: &[Link]| {
        rest.iter()
            .all(|l| matches!(l.name.as_str(), "Annotation" | "OldAnnotation"))
    };
    match links {
        [first, call, rest @ ..] if first.name == builder && annotations(rest) => {
            // A statement EF Core runs outside the migration's transaction:
            // the file no longer runs as one.
            let outside =
                call.flag("suppressTransaction") || annotated(rest, "Npgsql:CreatedConcurrently");
            if outside && ops.section == Section::Up {
                ops.reading.transaction = Some(false);
            }
            let result = if ops.dialect == Dialect::Sqlite && rebuilds_on_sqlite(&call.name) {
                sqlite_rebuild(schema, call)
            } else {
                operation(ops.dialect, call, rest)
            };
            ops.read(node, result);
        }
        _ => match &node.value {
            Value::Control(word, inner) => {
                for n in ops.control(node, Lang::CSharp, word, inner) {
                    statement_of(ops, schema, builder, n);
                }
            }
            _ => ops.code(node, "C# migplan does not follow"),
        },
    }
}

fn named_str<'a>(call: &'a Link, name: &str) -> Option<&'a str> {
    call.named(name).and_then(Value::str)
}

fn required(call: &Link, name: &str) -> Result<String, String> {
    named_str(call, name)
        .or_else(|| match name {
            "name" => call.positional().next().and_then(|n| n.value.str()),
            _ => None,
        })
        .map(str::to_string)
        .ok_or_else(|| format!("`{}` without a literal `{name}`", call.name))
}

/// The table with its `schema:`.
fn table(call: &Link, key: &str) -> Result<String, String> {
    let name = required(call, key)?;
    Ok(match named_str(call, "schema") {
        Some(schema) => format!("{schema}.{name}"),
        None => name,
    })
}

/// Whether the annotations after a call set `name` to `true`
/// (`.Annotation("Npgsql:CreatedConcurrently", true)`).
fn annotated(annotations: &[Link], name: &str) -> bool {
    annotations.iter().any(|a| {
        let mut args = a.positional();
        args.next().and_then(|n| n.value.str()) == Some(name)
            && matches!(args.next().map(|n| &n.value), Some(Value::Bool(true)))
    })
}

fn operation(d: Dialect, call: &Link, annotations: &[Link]) -> Read {
    match call.name.as_str() {
        "AddColumn" => {
            let column = column_of(d, call, &required(call, "name")?)?;
            Ok(vec![sql::add_column(
                &table(call, "table")?,
                &column,
                false,
                d,
            )])
        }
        "DropColumn" => Ok(vec![sql::drop_column(
            &table(call, "table")?,
            &required(call, "name")?,
            false,
            d,
        )]),
        "RenameColumn" => Ok(vec![sql::rename_column(
            &table(call, "table")?,
            &required(call, "name")?,
            &required(call, "newName")?,
            d,
        )]),
        "AlterColumn" => alter_column(d, call),
        "CreateTable" => create_table(d, call),
        "DropTable" => Ok(vec![sql::drop_table(
            &table(call, "name")?,
            false,
            false,
            d,
        )]),
        "RenameTable" => Ok(vec![sql::rename_table(
            &table(call, "name")?,
            &required(call, "newName")?,
            d,
        )]),
        "CreateIndex" => {
            let columns = match (named_str(call, "column"), call.named("columns")) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("index columns built in C#")?,
                _ => return Err("CreateIndex without columns".into()),
            };
            Ok(vec![
                IndexSpec {
                    table: table(call, "table")?,
                    name: required(call, "name")?,
                    columns,
                    unique: call.flag("unique"),
                    where_sql: named_str(call, "filter").map(str::to_string),
                    concurrently: annotated(annotations, "Npgsql:CreatedConcurrently"),
                    ..IndexSpec::default()
                }
                .create(d),
            ])
        }
        "DropIndex" => Ok(vec![sql::drop_index(
            &table(call, "table").unwrap_or_default(),
            &required(call, "name")?,
            false,
            false,
            d,
        )]),
        "RenameIndex" => match d {
            Dialect::Sqlite => Err("RenameIndex on SQLite: EF Core recreates the index".into()),
            _ => Ok(vec![sql::rename_index(
                &table(call, "table").unwrap_or_default(),
                &required(call, "name")?,
                &required(call, "newName")?,
                d,
            )]),
        },
        _ => key_operation(d, call),
    }
}

fn key_operation(d: Dialect, call: &Link) -> Read {
    let sqlite_rebuild = || {
        Err(format!(
            "{} on SQLite: EF Core rebuilds the table",
            call.name
        ))
    };
    match call.name.as_str() {
        "AddForeignKey" if d == Dialect::Sqlite => sqlite_rebuild(),
        "AddForeignKey" => {
            let columns = match (named_str(call, "column"), call.named("columns")) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("key columns built in C#")?,
                _ => return Err("AddForeignKey without columns".into()),
            };
            let principal = match named_str(call, "principalSchema") {
                Some(schema) => format!("{schema}.{}", required(call, "principalTable")?),
                None => required(call, "principalTable")?,
            };
            let to_columns = match (
                named_str(call, "principalColumn"),
                call.named("principalColumns"),
            ) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("key columns built in C#")?,
                _ => vec!["Id".to_string()],
            };
            Ok(vec![
                ForeignKey {
                    table: table(call, "table")?,
                    name: required(call, "name")?,
                    columns,
                    to_table: principal,
                    to_columns,
                    on_delete: referential_action(call.named("onDelete")),
                    on_update: referential_action(call.named("onUpdate")),
                    not_valid: false,
                }
                .add(d),
            ])
        }
        "DropForeignKey" if d == Dialect::Sqlite => sqlite_rebuild(),
        "DropForeignKey" => Ok(vec![sql::drop_constraint(
            &table(call, "table")?,
            &required(call, "name")?,
            ConstraintKind::ForeignKey,
            false,
            d,
        )]),
        "AddPrimaryKey" | "AddUniqueConstraint" if d == Dialect::Sqlite => sqlite_rebuild(),
        "AddPrimaryKey" | "AddUniqueConstraint" => {
            let columns = match (named_str(call, "column"), call.named("columns")) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("key columns built in C#")?,
                _ => return Err(format!("{} without columns", call.name)),
            };
            let (t, name) = (table(call, "table")?, required(call, "name")?);
            Ok(vec![if call.name == "AddPrimaryKey" {
                sql::add_primary_key(&t, &name, &columns, d)
            } else {
                sql::add_unique(&t, &name, &columns, d)
            }])
        }
        "DropPrimaryKey" | "DropUniqueConstraint" if d == Dialect::Sqlite => sqlite_rebuild(),
        "DropPrimaryKey" | "DropUniqueConstraint" => {
            let kind = if call.name == "DropPrimaryKey" {
                ConstraintKind::PrimaryKey
            } else {
                ConstraintKind::Unique
            };
            Ok(vec![sql::drop_constraint(
                &table(call, "table")?,
                &required(call, "name")?,
                kind,
                false,
                d,
            )])
        }
        "Sql" => match call
            .positional()
            .next()
            .map(|n| &n.value)
            .or(call.named("sql"))
        {
            Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
            Some(Value::Interp(_)) => Err("SQL built at run time (an interpolated string)".into()),
            _ => Err("SQL built in C#".into()),
        },
        "UpdateData" => update_data(d, call),
        "AddCheckConstraint" if d == Dialect::Sqlite => sqlite_rebuild_note(call),
        "AddCheckConstraint" => Ok(vec![sql::add_check(
            &table(call, "table")?,
            &required(call, "name")?,
            &required(call, "sql")?,
            false,
            d,
        )]),
        "DropCheckConstraint" if d == Dialect::Sqlite => sqlite_rebuild_note(call),
        "DropCheckConstraint" => Ok(vec![sql::drop_constraint(
            &table(call, "table")?,
            &required(call, "name")?,
            ConstraintKind::Check,
            false,
            d,
        )]),
        // Database annotations (character set, collation): the tables'
        // defaults, no change to any table.
        "AlterDatabase" => Ok(Vec::new()),
        other => Err(format!(
            "`migrationBuilder.{other}`, which migplan does not read"
        )),
    }
}

fn referential_action(v: Option<&Value>) -> Option<String> {
    let name = v?.links().last()?.name.clone();
    Some(match name.as_str() {
        "Cascade" => "CASCADE".into(),
        "SetNull" => "SET NULL".into(),
        "Restrict" => "RESTRICT".into(),
        "SetDefault" => "SET DEFAULT".into(),
        _ => "NO ACTION".into(),
    })
}

/// A column from `AddColumn`/`table.Column<T>(...)`'s named arguments.
fn column_of(d: Dialect, call: &Link, name: &str) -> Result<ColumnSpec, String> {
    let ty = named_str(call, "type")
        .map(str::to_string)
        .or_else(|| clr_type(d, call.generic.as_deref()?, call))
        .ok_or("a column without a `type:` migplan can read")?;
    let mut c = ColumnSpec::new(name, ty);
    c.not_null = matches!(call.named("nullable"), Some(Value::Bool(false)));
    c.default = match (
        named_str(call, "defaultValueSql"),
        call.named("defaultValue"),
    ) {
        (Some(sql), _) => Some(sql.to_string()),
        (None, Some(v)) => Some(default_literal(v).ok_or("a default built in C#")?),
        (None, None) => None,
    };
    Ok(c)
}

/// A default value: literals, `new DateTime(...)` and `Guid` constants
/// as the literal EF Core writes for them.
fn default_literal(v: &Value) -> Option<String> {
    match v {
        Value::Chain(links) => {
            let last = links.last()?;
            match (links.first().map(|l| l.name.as_str()), last.name.as_str()) {
                (Some("Guid"), "Empty") => Some("'00000000-0000-0000-0000-000000000000'".into()),
                (_, "DateTime") => {
                    let parts: Vec<String> = last
                        .positional()
                        .filter_map(|n| match &n.value {
                            Value::Num(x) => Some(x.clone()),
                            _ => None,
                        })
                        .collect();
                    let [y, m, d, rest @ ..] = parts.as_slice() else {
                        return None;
                    };
                    let time: Vec<&String> = rest.iter().take(3).collect();
                    let pad = |s: &str| format!("{:0>2}", s);
                    Some(format!(
                        "'{y:0>4}-{}-{} {}:{}:{}'",
                        pad(m),
                        pad(d),
                        pad(time.first().map_or("0", |s| s)),
                        pad(time.get(1).map_or("0", |s| s)),
                        pad(time.get(2).map_or("0", |s| s))
                    ))
                }
                _ => None,
            }
        }
        other => literal(other).map(|l| l.trim_end_matches(['m', 'L', 'f', 'd']).to_string()),
    }
}

/// The provider's type for a CLR type when the migration states none.
fn clr_type(d: Dialect, clr: &str, call: &Link) -> Option<String> {
    let max = match call.named("maxLength") {
        Some(Value::Num(n)) => Some(n.clone()),
        _ => None,
    };
    let pg = d == Dialect::Postgres;
    Some(match clr.trim_end_matches('?') {
        "string" => match (max, d) {
            (Some(n), _) => format!("varchar({n})"),
            (None, Dialect::Mysql) => "longtext".into(),
            _ => "text".into(),
        },
        "int" => if pg { "integer" } else { "int" }.into(),
        "long" => "bigint".into(),
        "short" => "smallint".into(),
        "bool" => if pg { "boolean" } else { "tinyint(1)" }.into(),
        "Guid" => if pg { "uuid" } else { "char(36)" }.into(),
        "DateTime" => if pg {
            "timestamp with time zone"
        } else {
            "datetime(6)"
        }
        .into(),
        "decimal" => "decimal(18,2)".into(),
        "double" => "double precision".into(),
        _ => return None,
    })
}

fn alter_column(d: Dialect, call: &Link) -> Read {
    let t = table(call, "table")?;
    let name = required(call, "name")?;
    let column = column_of(d, call, &name)?;
    match d {
        Dialect::Sqlite => Err("AlterColumn on SQLite: EF Core rebuilds the table".into()),
        Dialect::Mysql => Ok(vec![sql::change_type(&t, &column, None, d)]),
        Dialect::Postgres => {
            // Only what differs from what the migration says it was.
            let mut out = Vec::new();
            if named_str(call, "oldType") != Some(column.ty.as_str()) {
                out.push(sql::change_type(
                    &t,
                    &ColumnSpec {
                        default: None,
                        not_null: false,
                        ..column.clone()
                    },
                    None,
                    d,
                ));
            }
            let was_not_null = matches!(call.named("oldNullable"), Some(Value::Bool(false)));
            if was_not_null != column.not_null || call.named("oldNullable").is_none() {
                out.push(sql::set_not_null(&t, &name, column.not_null, d));
            }
            let old_default = call
                .named("oldDefaultValue")
                .or(call.named("oldDefaultValueSql"));
            if column.default.is_some() || old_default.is_some() {
                out.push(sql::set_default(&t, &name, column.default.as_deref(), d));
            }
            Ok(out)
        }
    }
}

fn create_table(d: Dialect, call: &Link) -> Read {
    let t = table(call, "name")?;
    let Some(Value::Block(columns_fn)) = call.named("columns") else {
        return Err("CreateTable without its columns".into());
    };
    let Some(Value::Map(columns)) = columns_fn.body.first().map(|n| &n.value) else {
        return Err("CreateTable columns built in C#".into());
    };
    let mut specs = Vec::new();
    for (key, value) in columns {
        let property = key
            .value
            .links()
            .first()
            .map(|l| l.name.clone())
            .ok_or("a column property built in C#")?;
        let column = value
            .value
            .links()
            .iter()
            .find(|l| l.name == "Column")
            .ok_or("a column built in C#")?;
        let name = named_str(column, "name").map_or(property, str::to_string);
        specs.push(column_of(d, column, &name)?);
    }
    let mut constraints = Vec::new();
    if let Some(Value::Block(block)) = call.named("constraints") {
        for statement in &block.body {
            constraints.push(table_constraint(d, &t, block, statement)?);
        }
    }
    Ok(vec![sql::create_table(&t, &specs, &constraints, false, d)])
}

/// `table.PrimaryKey("PK_T", x => x.Id)`, `table.ForeignKey(...)`,
/// `table.UniqueConstraint(...)` in CreateTable's constraints.
fn table_constraint(
    d: Dialect,
    t: &str,
    block: &Block,
    statement: &Node,
) -> Result<String, String> {
    let var = block.params.first().map_or("table", String::as_str);
    let [first, call] = statement.value.links() else {
        return Err("C# in the table's constraints migplan does not follow".into());
    };
    if first.name != var {
        return Err("C# in the table's constraints migplan does not follow".into());
    }
    let name = required(call, "name")?;
    let columns = |key: &str, at: usize| -> Result<Vec<String>, String> {
        let v = call
            .named(key)
            .or_else(|| call.positional().nth(at).map(|n| &n.value));
        lambda_columns(v).ok_or_else(|| format!("`{}` of columns built in C#", call.name))
    };
    match call.name.as_str() {
        "PrimaryKey" => Ok(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            crate::ddl::ident(&name, d),
            crate::ddl::columns(&columns("columns", 1)?, d)
        )),
        "UniqueConstraint" => Ok(format!(
            "CONSTRAINT {} UNIQUE ({})",
            crate::ddl::ident(&name, d),
            crate::ddl::columns(&columns("columns", 1)?, d)
        )),
        "ForeignKey" => {
            let principal = match named_str(call, "principalSchema") {
                Some(schema) => format!("{schema}.{}", required(call, "principalTable")?),
                None => required(call, "principalTable")?,
            };
            let to_columns = match (
                named_str(call, "principalColumn"),
                call.named("principalColumns"),
            ) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("key columns built in C#")?,
                _ => vec!["Id".to_string()],
            };
            Ok(ForeignKey {
                table: t.to_string(),
                name,
                columns: columns("column", 1).or_else(|_| columns("columns", 1))?,
                to_table: principal,
                to_columns,
                on_delete: referential_action(call.named("onDelete")),
                on_update: None,
                not_valid: false,
            }
            .constraint(d))
        }
        other => Err(format!("`table.{other}`, which migplan does not read")),
    }
}

/// `x => x.Id` or `x => new { x.A, x.B }`: the properties named.
fn lambda_columns(v: Option<&Value>) -> Option<Vec<String>> {
    let Value::Block(block) = v? else {
        return None;
    };
    let property = |n: &Node| n.value.links().get(1).map(|l| l.name.clone());
    match &block.body.first()?.value {
        Value::Map(pairs) => pairs.iter().map(|(k, _)| property(k)).collect(),
        Value::Chain(_) => property(block.body.first()?).map(|p| vec![p]),
        _ => None,
    }
}

/// `UpdateData(table, keyColumn, keyValue, column, value)`.
fn update_data(d: Dialect, call: &Link) -> Read {
    let t = table(call, "table")?;
    let key_column = required(call, "keyColumn")?;
    let column = required(call, "column")?;
    let value = |k: &str| {
        call.named(k)
            .and_then(default_literal)
            .ok_or_else(|| format!("UpdateData with a `{k}` built in C#"))
    };
    Ok(vec![format!(
        "UPDATE {} SET {} = {} WHERE {} = {}",
        crate::ddl::name(&t, d),
        crate::ddl::ident(&column, d),
        value("value")?,
        crate::ddl::ident(&key_column, d),
        value("keyValue")?
    )])
}

fn sqlite_rebuild_note(call: &Link) -> Read {
    Err(format!(
        "{} on SQLite: EF Core rebuilds the table",
        call.name
    ))
}

/// The operations SQLite cannot do in place, which EF Core does by
/// rebuilding the table.
fn rebuilds_on_sqlite(op: &str) -> bool {
    matches!(
        op,
        "AlterColumn"
            | "AddForeignKey"
            | "DropForeignKey"
            | "AddPrimaryKey"
            | "DropPrimaryKey"
            | "AddUniqueConstraint"
            | "DropUniqueConstraint"
    )
}

/// EF Core's SQLite table rebuild: the table made again as `ef_temp_<t>`
/// with the change, its rows copied, the old one dropped and the new one
/// renamed, its indexes made again.
fn sqlite_rebuild(schema: &Catalog, call: &Link) -> Read {
    let d = Dialect::Sqlite;
    let name = table(call, "table")?;
    // SQLite compares names without case.
    let old = schema
        .table(&name)
        .or_else(|| schema.table(&name.to_lowercase()))
        .ok_or_else(|| {
            format!(
                "{} on SQLite rebuilds `{name}`, which is not in the schema before the file",
                call.name
            )
        })?;
    let key = old.name.clone();
    let mut new = old.clone();
    change_table(&mut new, call)?;
    let temp = format!("ef_temp_{name}");
    new.name = temp.clone();
    let kept: Vec<String> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| crate::ddl::ident(&c.name, d))
        .collect();
    let mut out = vec![
        crate::ddl::create_table(&new, d),
        format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            crate::ddl::ident(&temp, d),
            crate::ddl::ident(&name, d),
            cols = kept.join(", ")
        ),
        "PRAGMA foreign_keys = 0".to_string(),
        sql::drop_table(&name, false, false, d),
        sql::rename_table(&temp, &name, d),
        "PRAGMA foreign_keys = 1".to_string(),
    ];
    out.extend(
        schema
            .indexes_on(&key)
            .map(|i| crate::ddl::create_index(i, d, false)),
    );
    Ok(out)
}

/// The change a rebuild makes to the table's model.
fn change_table(t: &mut catalog::Table, call: &Link) -> Result<(), String> {
    let d = Dialect::Sqlite;
    match call.name.as_str() {
        "AlterColumn" => {
            let name = required(call, "name")?;
            let spec = column_of(d, call, &name)?;
            let column = t
                .columns
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(&name))
                .ok_or_else(|| format!("AlterColumn of `{name}`, which the table does not have"))?;
            column.data_type = spec.ty;
            column.nullable = !spec.not_null;
            column.default = spec.default;
        }
        "AddForeignKey" => {
            let columns = match (named_str(call, "column"), call.named("columns")) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("key columns built in C#")?,
                _ => return Err("AddForeignKey without columns".into()),
            };
            t.constraints.push(catalog::Constraint {
                name: required(call, "name")?,
                kind: catalog::ConstraintKind::ForeignKey {
                    columns,
                    references: required(call, "principalTable")?,
                    referred_columns: vec![
                        named_str(call, "principalColumn")
                            .unwrap_or("Id")
                            .to_string(),
                    ],
                    on_delete: referential_action(call.named("onDelete")),
                },
                validated: true,
            });
        }
        "AddPrimaryKey" | "AddUniqueConstraint" => {
            let columns = match (named_str(call, "column"), call.named("columns")) {
                (Some(c), _) => vec![c.to_string()],
                (None, Some(v)) => names_of(v).ok_or("key columns built in C#")?,
                _ => return Err(format!("{} without columns", call.name)),
            };
            let kind = if call.name == "AddPrimaryKey" {
                catalog::ConstraintKind::PrimaryKey { columns }
            } else {
                catalog::ConstraintKind::Unique { columns }
            };
            t.constraints.push(catalog::Constraint {
                name: required(call, "name")?,
                kind,
                validated: true,
            });
        }
        // Drops: the named constraint goes.
        _ => {
            let name = required(call, "name")?;
            let before = t.constraints.len();
            t.constraints
                .retain(|k| !k.name.eq_ignore_ascii_case(&name));
            if t.constraints.len() == before {
                return Err(format!(
                    "{} of `{name}`, which the table does not have",
                    call.name
                ));
            }
        }
    }
    Ok(())
}
