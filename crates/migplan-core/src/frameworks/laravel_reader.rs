//! Reads Laravel migrations: `up()` and `down()` of the migration class
//! (named or anonymous), `Schema::create/table/drop/dropIfExists/rename`
//! with their Blueprint (`$table->string('x')->nullable()`, `->change()`,
//! `dropColumn`, `renameColumn`, indexes and foreign keys), and
//! `DB::statement`/`DB::unprepared` of literal SQL, as the SQL Laravel
//! runs; `Schema::hasTable`/`hasColumn` conditions are guards whose body
//! is read. Other PHP is code not analysed.

use crate::Dialect;
use crate::frameworks::dsl::builder::{
    Built, block_arg, columns_arg, default_name, second_name, text,
};
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

/// The language, for messages.
const LANG: &str = "PHP";

type Read = Result<Vec<String>, String>;

pub fn read(cx: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(cx.text, Lang::Php), Lang::Php);
    let mut ops = Ops::new(cx.dialect, cx.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(cx.dialect);
    for node in &nodes {
        visit(&mut ops, node);
    }
    ops.reading
}

/// Down to the migration class's `up` and `down`.
fn visit(ops: &mut Ops, node: &Node) {
    match &node.value {
        Value::Class(block) => block.body.iter().for_each(|n| visit(ops, n)),
        Value::Def(name, body) if name == "up" || name == "down" => {
            ops.section = if name == "down" {
                Section::Down
            } else {
                Section::Up
            };
            for statement in &body.body {
                read_statement(ops, statement);
            }
            ops.section = Section::Up;
        }
        // `public $withinTransaction = false;`
        Value::Assign(target, value)
            if target
                .value
                .links()
                .first()
                .is_some_and(|l| l.name == "$withinTransaction")
                && value.value == Value::Bool(false) =>
        {
            ops.reading.transaction = Some(false);
        }
        _ => {}
    }
}

/// Whether a condition asks only whether part of the schema exists.
fn is_schema_guard(condition: Option<&Node>) -> bool {
    condition.is_some_and(|c| match c.value.links() {
        [schema, check] => {
            schema.name == "Schema"
                && matches!(
                    check.name.as_str(),
                    "hasTable" | "hasColumn" | "hasColumns" | "hasIndex"
                )
        }
        _ => false,
    })
}

fn read_statement(ops: &mut Ops, node: &Node) {
    match &node.value {
        Value::Chain(links) => chain(ops, node, links),
        Value::Control(word, inner) if word == "if" && is_schema_guard(inner.first()) => {
            for n in inner.iter().skip(1) {
                read_statement(ops, n);
            }
        }
        Value::Control(word, inner) => {
            for n in ops.control(node, Lang::Php, word, inner) {
                read_statement(ops, n);
            }
        }
        Value::Nil | Value::Str(_) => {}
        _ => ops.code(node, "PHP migplan does not follow"),
    }
}

fn chain(ops: &mut Ops, node: &Node, links: &[Link]) {
    let d = ops.dialect;
    let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let result = match names.as_slice() {
        ["Schema", op] | ["Schema", "connection", op] => schema(d, op, &links[links.len() - 1]),
        ["DB", "statement" | "unprepared"] => {
            match links[1].positional().next().map(|n| &n.value) {
                Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
                Some(Value::Interp(_)) => {
                    Err("SQL built at run time (an interpolated string)".into())
                }
                _ => Err("SQL built in PHP".into()),
            }
        }
        _ => {
            ops.code(
                node,
                format!("PHP migplan does not follow (`{}`)", names.join("::")),
            );
            return;
        }
    };
    ops.read(node, result);
}

fn schema(d: Dialect, op: &str, call: &Link) -> Read {
    match op {
        "create" => {
            let table = text(call, 0)?;
            Ok(
                build(d, &table, block_arg(call, "a Blueprint function")?)?
                    .create(&table, false, d),
            )
        }
        "table" => {
            let table = text(call, 0)?;
            Ok(build(d, &table, block_arg(call, "a Blueprint function")?)?.alter(&table, d))
        }
        "drop" => Ok(vec![sql::drop_table(&text(call, 0)?, false, false, d)]),
        "dropIfExists" => Ok(vec![sql::drop_table(&text(call, 0)?, true, false, d)]),
        "rename" => Ok(vec![sql::rename_table(&text(call, 0)?, &text(call, 1)?, d)]),
        "disableForeignKeyConstraints" | "enableForeignKeyConstraints" => match d {
            Dialect::Mysql => Ok(vec![format!(
                "SET FOREIGN_KEY_CHECKS = {}",
                u8::from(op == "enableForeignKeyConstraints")
            )]),
            _ => Err(format!("`Schema::{op}`, which migplan does not read here")),
        },
        other => Err(format!("`Schema::{other}`, which migplan does not read")),
    }
}

fn build(d: Dialect, table: &str, blueprint: &Block) -> Result<Built, String> {
    let var = blueprint.params.first().map_or("$table", String::as_str);
    let mut built = Built::default();
    build_statements(d, table, var, &blueprint.body, &mut built)?;
    Ok(built)
}

fn build_statements(
    d: Dialect,
    table: &str,
    var: &str,
    statements: &[Node],
    built: &mut Built,
) -> Result<(), String> {
    for statement in statements {
        match (&statement.value, statement.value.links()) {
            // `$table->engine = 'InnoDB';`: a table option.
            (Value::Assign(target, _), _)
                if target.value.links().first().is_some_and(|l| l.name == var) => {}
            (_, [first, call, modifiers @ ..]) if first.name == var => {
                blueprint_call(d, table, call, modifiers, built)?;
            }
            // `$answer = $table->dateTime(...)`: the column all the same.
            (Value::Assign(_, value), _) => match value.value.links() {
                [first, call, modifiers @ ..] if first.name == var => {
                    blueprint_call(d, table, call, modifiers, built)?;
                }
                _ => return Err("PHP in the Blueprint migplan does not follow".into()),
            },
            // `if (Schema::hasColumn(...)) { $table->dropColumn(...); }`.
            (Value::Control(word, inner), _) if word == "if" && is_schema_guard(inner.first()) => {
                build_statements(d, table, var, inner.get(1..).unwrap_or_default(), built)?;
            }
            (_, links) => {
                let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
                return Err(format!(
                    "PHP in the Blueprint migplan does not follow (`{}`)",
                    names.join("->")
                ));
            }
        }
    }
    Ok(())
}

fn blueprint_call(
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
            built.constraints.push(format!(
                "PRIMARY KEY ({})",
                crate::ddl::columns(&columns, d)
            ));
        }
        "unique" | "index" => {
            let columns = columns_arg(call, 0, LANG)?;
            let name =
                second_name(call).unwrap_or_else(|| default_name(table, &columns, &call.name));
            built.after.push(
                IndexSpec {
                    table: table.to_string(),
                    name,
                    columns,
                    unique: call.name == "unique",
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
        "dropSoftDeletes" | "dropSoftDeletesTz" => {
            built
                .after
                .push(sql::drop_column(table, "deleted_at", false, d))
        }
        "dropRememberToken" => {
            built
                .after
                .push(sql::drop_column(table, "remember_token", false, d))
        }
        "timestamps" | "nullableTimestamps" | "timestampsTz" => {
            for c in ["created_at", "updated_at"] {
                built.columns.push(ColumnSpec::new(c, timestamp(d)));
            }
        }
        "softDeletes" | "softDeletesTz" => built
            .columns
            .push(ColumnSpec::new("deleted_at", timestamp(d))),
        "rememberToken" => built
            .columns
            .push(ColumnSpec::new("remember_token", "varchar(100)")),
        "morphs" | "nullableMorphs" => {
            let name = text(call, 0)?;
            let not_null = call.name == "morphs";
            built.columns.push(ColumnSpec {
                not_null,
                ..ColumnSpec::new(&format!("{name}_type"), "varchar(255)")
            });
            built.columns.push(ColumnSpec {
                not_null,
                ..ColumnSpec::new(&format!("{name}_id"), unsigned_big(d))
            });
            let columns = vec![format!("{name}_type"), format!("{name}_id")];
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
        _ => column_call(d, table, call, modifiers, built)?,
    }
    Ok(())
}

fn timestamp(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "timestamp(0) without time zone",
        _ => "timestamp",
    }
}

fn unsigned_big(d: Dialect) -> &'static str {
    if d == Dialect::Mysql {
        "bigint unsigned"
    } else {
        "bigint"
    }
}

fn drop_key(d: Dialect, table: &str, call: &Link, built: &mut Built) -> Result<(), String> {
    let suffix = match call.name.as_str() {
        "dropIndex" => "index",
        "dropUnique" => "unique",
        "dropForeign" => "foreign",
        _ => "primary",
    };
    let name = match call.positional().next().map(|n| &n.value) {
        Some(Value::Str(name)) => name.clone(),
        Some(v) => default_name(
            table,
            &names_of(v).ok_or("a key of columns built in PHP")?,
            suffix,
        ),
        None if call.name == "dropPrimary" => format!("{}_pkey", crate::names::last(table)),
        None => return Err(format!("`{}` without a name or columns", call.name)),
    };
    built.after.push(match call.name.as_str() {
        "dropIndex" => sql::drop_index(table, &name, false, false, d),
        "dropUnique" if d == Dialect::Mysql => sql::drop_index(table, &name, false, false, d),
        "dropUnique" => sql::drop_constraint(table, &name, ConstraintKind::Unique, false, d),
        "dropForeign" => sql::drop_constraint(table, &name, ConstraintKind::ForeignKey, false, d),
        _ => sql::drop_constraint(table, &name, ConstraintKind::PrimaryKey, false, d),
    });
    Ok(())
}

/// `->references('id')->on('users')->onDelete('cascade')` (or
/// `->constrained()` after `foreignId('user_id')`).
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
    let constrained = modifiers.iter().find(|m| m.name == "constrained");
    let (to_table, to_column) = match (arg("references"), arg("on"), constrained) {
        (Some(column), Some(t), _) => (t.to_string(), column.to_string()),
        (None, _, Some(c)) => {
            let t = c
                .positional()
                .next()
                .and_then(|v| v.value.str())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let stem = columns.first().map_or("", |c| c.trim_end_matches("_id"));
                    format!("{stem}s")
                });
            (t, "id".to_string())
        }
        _ => return Err("a foreign key without references()->on()".into()),
    };
    let action = |n: &str, short: &str| {
        arg(n).map(str::to_ascii_uppercase).or_else(|| {
            modifiers
                .iter()
                .any(|m| m.name == short)
                .then(|| match short {
                    "cascadeOnDelete" | "cascadeOnUpdate" => "CASCADE".to_string(),
                    "nullOnDelete" => "SET NULL".to_string(),
                    _ => "RESTRICT".to_string(),
                })
        })
    };
    Ok(ForeignKey {
        table: table.to_string(),
        name,
        columns,
        to_table,
        to_columns: vec![to_column],
        on_delete: action("onDelete", "cascadeOnDelete")
            .or_else(|| action("onDelete", "nullOnDelete")),
        on_update: action("onUpdate", "cascadeOnUpdate"),
        not_valid: false,
    })
}

fn column_call(
    d: Dialect,
    table: &str,
    call: &Link,
    modifiers: &[Link],
    built: &mut Built,
) -> Result<(), String> {
    // `$table->id()`: the column is `id`.
    let name = match (text(call, 0), call.name.as_str()) {
        (Err(_), "id" | "increments" | "bigIncrements") if call.positional().next().is_none() => {
            "id".to_string()
        }
        (name, _) => name?,
    };
    let mut c = ColumnSpec::new(&name, column_type(d, call)?);
    let has = |m: &str| modifiers.iter().any(|l| l.name == m);
    if matches!(
        call.name.as_str(),
        "increments" | "bigIncrements" | "id" | "mediumIncrements" | "smallIncrements"
    ) {
        c.primary_key = true;
        c.auto_increment = true;
    }
    if (has("unsigned") || call.name.starts_with("unsigned"))
        && d == Dialect::Mysql
        && !c.ty.ends_with("unsigned")
    {
        c.ty.push_str(" unsigned");
    }
    c.not_null = !has("nullable") || c.primary_key;
    if let Some(m) = modifiers.iter().find(|m| m.name == "nullable")
        && matches!(
            m.positional().next().map(|n| &n.value),
            Some(Value::Bool(false))
        )
    {
        c.not_null = true;
    }
    if has("useCurrent") {
        c.default = Some("CURRENT_TIMESTAMP".into());
    }
    if let Some(m) = modifiers.iter().find(|m| m.name == "default") {
        c.default = match m.positional().next().map(|n| &n.value) {
            Some(v) if v.links().first().is_some_and(|l| l.name == "DB") => Some(
                v.links()
                    .last()
                    .and_then(|l| l.positional().next())
                    .and_then(|n| n.value.str())
                    .ok_or("a raw default built in PHP")?
                    .to_string(),
            ),
            Some(v) => Some(literal(v).ok_or("a default built in PHP")?),
            None => None,
        };
    }
    if has("unique") {
        let columns = vec![name.clone()];
        built.after.push(
            IndexSpec {
                table: table.to_string(),
                name: default_name(table, &columns, "unique"),
                columns,
                unique: true,
                ..IndexSpec::default()
            }
            .create(d),
        );
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
    if has("primary") {
        c.primary_key = true;
    }
    if has("constrained") || has("references") {
        let fk_name = default_name(table, std::slice::from_ref(&name), "foreign");
        built
            .foreign_keys
            .push(reference(table, fk_name, vec![name.clone()], modifiers)?);
    }
    if has("change") {
        built.changed.push(c);
    } else {
        built.columns.push(c);
    }
    Ok(())
}

/// A Blueprint column type for the dialect.
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
        "bigIncrements" | "id" => if pg {
            "bigserial"
        } else if my {
            "bigint unsigned"
        } else {
            "integer"
        }
        .into(),
        "mediumIncrements" => if my { "mediumint unsigned" } else { "integer" }.into(),
        "smallIncrements" => if pg {
            "smallserial"
        } else if my {
            "smallint unsigned"
        } else {
            "integer"
        }
        .into(),
        "integer" | "unsignedInteger" => if my { "int" } else { "integer" }.into(),
        "bigInteger" | "unsignedBigInteger" | "foreignId" => "bigint".into(),
        "tinyInteger" | "unsignedTinyInteger" => if my { "tinyint" } else { "smallint" }.into(),
        "smallInteger" | "unsignedSmallInteger" => "smallint".into(),
        "mediumInteger" | "unsignedMediumInteger" => {
            if my { "mediumint" } else { "integer" }.into()
        }
        "string" => format!("varchar({})", num(1).unwrap_or_else(|| "255".into())),
        "char" => format!("char({})", num(1).unwrap_or_else(|| "255".into())),
        "text" | "tinyText" => "text".into(),
        "mediumText" => if my { "mediumtext" } else { "text" }.into(),
        "longText" => if my { "longtext" } else { "text" }.into(),
        "boolean" => if my { "tinyint(1)" } else { "boolean" }.into(),
        "date" => "date".into(),
        "dateTime" | "datetime" | "dateTimeTz" => if pg {
            "timestamp(0) without time zone"
        } else {
            "datetime"
        }
        .into(),
        "timestamp" | "timestampTz" => timestamp(d).into(),
        "time" | "timeTz" => "time".into(),
        "year" => if my { "year" } else { "integer" }.into(),
        "decimal" | "unsignedDecimal" => format!(
            "decimal({}, {})",
            num(1).unwrap_or_else(|| "8".into()),
            num(2).unwrap_or_else(|| "2".into())
        ),
        "float" => if pg { "double precision" } else { "double" }.into(),
        "double" => if pg { "double precision" } else { "double" }.into(),
        "json" => "json".into(),
        "jsonb" => if pg { "jsonb" } else { "json" }.into(),
        "uuid" | "foreignUuid" => if pg { "uuid" } else { "char(36)" }.into(),
        "ipAddress" => if pg { "inet" } else { "varchar(45)" }.into(),
        "macAddress" => if pg { "macaddr" } else { "varchar(17)" }.into(),
        "binary" => if pg { "bytea" } else { "blob" }.into(),
        "enum" => {
            let values = call
                .positional()
                .nth(1)
                .and_then(|n| names_of(&n.value))
                .ok_or("enum values built in PHP")?;
            let quoted: Vec<String> = values.iter().map(|v| crate::ddl::literal(v)).collect();
            if my {
                format!("enum({})", quoted.join(", "))
            } else {
                "varchar(255)".into()
            }
        }
        other => {
            return Err(format!(
                "`{other}`, a Blueprint column type migplan does not know"
            ));
        }
    })
}
