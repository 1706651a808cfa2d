//! Reads Django migrations: each operation of `operations = [...]` as the
//! SQL Django's schema editor runs for it (`AddField` with a default adds
//! the column with it and drops the default; `AlterField` runs only what
//! differs from the column in the schema before the file; foreign keys
//! get their `_id` column, constraint and index; `RunSQL` as its SQL and
//! its `reverse_sql` as the down; `SeparateDatabaseAndState` as its
//! database operations). Tables are `<app>_<model>` (the app from the
//! file's folder) unless `db_table` says. `RunPython` and fields migplan
//! does not know are reported as not analysed.

use crate::Dialect;
use crate::catalog::{self, Catalog};
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{self, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, literal, names_of, tokens};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

struct Cx<'a> {
    d: Dialect,
    app: String,
    schema: &'a Catalog,
    /// `db_table` of models created in this file.
    tables: Vec<(String, String)>,
    /// The file's top-level assignments (`SQL = """..."""`), for
    /// operations that name them.
    constants: Vec<(String, Value)>,
}

pub fn read(cx: &ReadCx) -> Reading {
    let nodes = tree::parse(&tokens::tokenize(cx.text, Lang::Python), Lang::Python);
    let mut ops = Ops::new(cx.dialect, cx.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(cx.dialect);
    let mut reader = Cx {
        d: cx.dialect,
        app: app_label(cx.path, &nodes),
        schema: cx.schema,
        tables: Vec::new(),
        constants: nodes
            .iter()
            .filter_map(|n| match &n.value {
                Value::Assign(target, value) => {
                    Some((target_name(target)?.to_string(), value.value.clone()))
                }
                _ => None,
            })
            .collect(),
    };
    // `class Migration(migrations.Migration):` holds the assignments.
    let members = nodes.iter().flat_map(|n| match &n.value {
        Value::Class(block) => block.body.iter().collect::<Vec<_>>(),
        _ => vec![n],
    });
    for node in members {
        let Value::Assign(target, value) = &node.value else {
            continue;
        };
        match (target_name(target), &value.value) {
            (Some("atomic"), Value::Bool(false)) => ops.reading.transaction = Some(false),
            (Some("operations"), Value::List(list)) => {
                for op in list {
                    operation(&mut reader, &mut ops, op);
                }
            }
            _ => {}
        }
    }
    ops.reading
}

fn target_name(node: &Node) -> Option<&str> {
    match node.value.links() {
        [one] => Some(one.name.as_str()),
        _ => None,
    }
}

/// The app label: the folder holding `migrations/`, else the app of the
/// first dependency.
fn app_label(path: Option<&str>, nodes: &[Node]) -> String {
    if let Some(path) = path {
        let parts: Vec<&str> = path.split(['/', '\\']).collect();
        if let Some(at) = parts.iter().rposition(|p| *p == "migrations")
            && at > 0
        {
            return parts[at - 1].to_string();
        }
    }
    nodes
        .iter()
        .find_map(|n| match &n.value {
            Value::Assign(target, value) if target_name(target) == Some("dependencies") => {
                match &value.value {
                    Value::List(deps) => deps.iter().find_map(|dep| match &dep.value {
                        Value::List(pair) => pair.first()?.value.str().map(str::to_string),
                        _ => None,
                    }),
                    _ => None,
                }
            }
            _ => None,
        })
        .unwrap_or_else(|| "app".to_string())
}

/// A positional-or-named argument.
fn arg<'a>(call: &'a Link, at: usize, name: &str) -> Option<&'a Value> {
    call.args()
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
        .map(|a| &a.value.value)
        .or_else(|| call.positional().nth(at).map(|n| &n.value))
}

fn arg_str<'a>(call: &'a Link, at: usize, name: &str) -> Result<&'a str, String> {
    arg(call, at, name)
        .and_then(Value::str)
        .ok_or_else(|| format!("`{}` without a literal `{name}`", call.name))
}

impl Cx<'_> {
    /// A value, or what a top-level name it is holds.
    fn resolve<'v>(&'v self, v: &'v Value) -> &'v Value {
        match v.links() {
            [one] if one.args.is_none() => self
                .constants
                .iter()
                .find(|(n, _)| *n == one.name)
                .map_or(v, |(_, value)| value),
            _ => v,
        }
    }
}

fn operation(cx: &mut Cx, ops: &mut Ops, node: &Node) {
    let Some(call) = node.value.links().last() else {
        ops.not_analysed(node, "Python migplan does not follow");
        return;
    };
    match call.name.as_str() {
        "RunSQL" => run_sql(cx, ops, node, call),
        "RunPython" => {
            let noop = arg(call, 0, "code")
                .is_some_and(|v| v.links().last().is_some_and(|l| l.name == "noop"));
            if noop {
                ops.sql(node, Vec::new());
            } else {
                ops.code(node, "RunPython: Python code migplan does not follow");
            }
        }
        "SeparateDatabaseAndState" => {
            let database = arg(call, 0, "database_operations").map(|v| cx.resolve(v).clone());
            match database {
                Some(Value::List(list)) => {
                    for inner in &list {
                        operation(cx, ops, inner);
                    }
                }
                // State only: the database does not change.
                None => ops.sql(node, Vec::new()),
                Some(_) => ops.not_analysed(node, "database operations built in Python"),
            }
        }
        // State only: no SQL.
        "AlterModelOptions" | "AlterModelManagers" | "AlterOrderWithRespectTo" => {
            ops.sql(node, Vec::new());
        }
        _ => {
            let result = schema_operation(cx, call);
            ops.read(node, result);
        }
    }
}

fn run_sql(cx: &Cx, ops: &mut Ops, node: &Node, call: &Link) {
    let statements = |v: Option<&Value>| -> Result<Vec<String>, String> {
        match v.map(|v| cx.resolve(v)) {
            None => Ok(vec![]),
            Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
            Some(v) if v.links().last().is_some_and(|l| l.name == "noop") => Ok(vec![]),
            Some(Value::List(items)) => items
                .iter()
                .map(|i| match &i.value {
                    Value::Str(s) => Ok(s.clone()),
                    Value::List(pair) => pair
                        .first()
                        .and_then(|p| p.value.str().map(str::to_string))
                        .ok_or_else(|| "RunSQL with parameters built in Python".to_string()),
                    _ => Err("RunSQL of SQL built in Python".to_string()),
                })
                .collect(),
            Some(_) => Err("RunSQL of SQL built in Python".into()),
        }
    };
    ops.read(node, statements(arg(call, 0, "sql")));
    if arg(call, 1, "reverse_sql").is_some() {
        let before = ops.section;
        ops.section = Section::Down;
        ops.read(node, statements(arg(call, 1, "reverse_sql")));
        ops.section = before;
    }
}

impl Cx<'_> {
    /// The table of a model named in this app (or `app.Model`).
    fn table(&self, model: &str) -> String {
        let (app, name) = match model.split_once('.') {
            Some((app, name)) => (app.to_lowercase(), name.to_lowercase()),
            None => (self.app.clone(), model.to_lowercase()),
        };
        if let Some((_, t)) = self
            .tables
            .iter()
            .find(|(m, _)| *m == format!("{app}.{name}"))
        {
            return t.clone();
        }
        format!("{app}_{name}")
    }

    /// A field's column: `<name>_id` when the schema has that and not
    /// `<name>` (a foreign key).
    fn column(&self, table: &str, field: &str) -> String {
        let t = self.schema.table(table);
        let has = |c: &str| t.is_some_and(|t| t.column(c).is_some());
        if !has(field) && has(&format!("{field}_id")) {
            format!("{field}_id")
        } else {
            field.to_string()
        }
    }

    /// The type of a referenced table's key, as its foreign keys use it.
    fn key_type(&self, table: &str) -> String {
        let column = self.schema.table(table).and_then(|t| {
            let key = t.primary_key().and_then(|k| match &k.kind {
                catalog::ConstraintKind::PrimaryKey { columns } => columns.first().cloned(),
                _ => None,
            });
            t.column(key.as_deref().unwrap_or("id"))
        });
        match column.map(|c| c.data_type.as_str()) {
            Some("serial") => "integer".into(),
            Some("bigserial") => "bigint".into(),
            Some(t) => t.to_string(),
            None => match self.d {
                Dialect::Mysql => "int".into(),
                _ => "integer".into(),
            },
        }
    }

    /// The user model's table for `settings.AUTH_USER_MODEL`.
    fn user_table(&self) -> String {
        ["account_user", "users_user", "auth_user"]
            .into_iter()
            .find(|t| self.schema.table(t).is_some())
            .unwrap_or("auth_user")
            .to_string()
    }
}

fn schema_operation(cx: &mut Cx, call: &Link) -> Read {
    let d = cx.d;
    match call.name.as_str() {
        "CreateModel" => create_model(cx, call),
        "DeleteModel" => Ok(vec![sql::drop_table(
            &cx.table(arg_str(call, 0, "name")?),
            false,
            false,
            d,
        )]),
        "RenameModel" => Ok(vec![sql::rename_table(
            &cx.table(arg_str(call, 0, "old_name")?),
            &cx.table(arg_str(call, 1, "new_name")?),
            d,
        )]),
        "AlterModelTable" => {
            let from = cx.table(arg_str(call, 0, "name")?);
            match arg(call, 1, "table") {
                Some(Value::Str(to)) => Ok(vec![sql::rename_table(&from, to, d)]),
                _ => Err("AlterModelTable back to the default name".into()),
            }
        }
        "AddField" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let name = arg_str(call, 1, "name")?;
            let field = arg(call, 2, "field").ok_or("AddField without a field")?;
            add_field(cx, &table, name, field)
        }
        "RemoveField" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let name = arg_str(call, 1, "name")?;
            let through = format!("{table}_{name}");
            if cx.schema.table(&through).is_some()
                && cx
                    .schema
                    .table(&table)
                    .is_some_and(|t| t.column(name).is_none())
            {
                return Ok(vec![sql::drop_table(&through, false, false, d)]);
            }
            Ok(vec![sql::drop_column(
                &table,
                &cx.column(&table, name),
                false,
                d,
            )])
        }
        "RenameField" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let from = arg_str(call, 1, "old_name")?;
            let to = arg_str(call, 2, "new_name")?;
            let column = cx.column(&table, from);
            let new = if column.ends_with("_id") && !from.ends_with("_id") {
                format!("{to}_id")
            } else {
                to.to_string()
            };
            Ok(vec![sql::rename_column(&table, &column, &new, d)])
        }
        "AlterField" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let name = arg_str(call, 1, "name")?;
            let field = arg(call, 2, "field").ok_or("AlterField without a field")?;
            alter_field(cx, &table, name, field)
        }
        _ => index_operation(cx, call),
    }
}

fn index_operation(cx: &mut Cx, call: &Link) -> Read {
    let d = cx.d;
    match call.name.as_str() {
        "AddIndex" | "AddIndexConcurrently" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let index = arg(call, 1, "index").ok_or("AddIndex without an index")?;
            let mut spec = index_spec(cx, &table, index)?;
            spec.concurrently = call.name == "AddIndexConcurrently";
            Ok(vec![spec.create(d)])
        }
        "RemoveIndex" | "RemoveIndexConcurrently" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let name = arg_str(call, 1, "name")?;
            Ok(vec![sql::drop_index(
                &table,
                name,
                call.name == "RemoveIndexConcurrently",
                false,
                d,
            )])
        }
        "AddConstraint" | "AddConstraintNotValid" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let constraint =
                arg(call, 1, "constraint").ok_or("AddConstraint without a constraint")?;
            add_constraint(cx, &table, constraint)
        }
        "RemoveConstraint" => {
            let table = cx.table(arg_str(call, 0, "model_name")?);
            let name = arg_str(call, 1, "name")?;
            let kind = match cx
                .schema
                .table(&table)
                .and_then(|t| t.constraint(name))
                .map(|k| &k.kind)
            {
                Some(catalog::ConstraintKind::Check { .. }) => ConstraintKind::Check,
                Some(catalog::ConstraintKind::ForeignKey { .. }) => ConstraintKind::ForeignKey,
                _ => ConstraintKind::Unique,
            };
            Ok(vec![sql::drop_constraint(&table, name, kind, false, d)])
        }
        "AlterUniqueTogether" | "AlterIndexTogether" => together(cx, call),
        "CreateExtension" => Ok(vec![extension(arg_str(call, 0, "name")?, d)]),
        "HStoreExtension" => Ok(vec![extension("hstore", d)]),
        "TrigramExtension" => Ok(vec![extension("pg_trgm", d)]),
        "BtreeGinExtension" => Ok(vec![extension("btree_gin", d)]),
        "BtreeGistExtension" => Ok(vec![extension("btree_gist", d)]),
        "CITextExtension" => Ok(vec![extension("citext", d)]),
        "CryptoExtension" => Ok(vec![extension("pgcrypto", d)]),
        "UnaccentExtension" => Ok(vec![extension("unaccent", d)]),
        other => Err(format!("`{other}` is not a Django operation migplan reads")),
    }
}

fn extension(name: &str, d: Dialect) -> String {
    format!(
        "CREATE EXTENSION IF NOT EXISTS {}",
        crate::ddl::ident(name, d)
    )
}

/// What a model field is in the database.
enum Field {
    Column(ColumnSpec),
    /// A foreign key: its column, and the table and column it references.
    ForeignKey(ColumnSpec, String, String),
    /// A many-to-many field: its join table's other side.
    ManyToMany(String),
}

fn field(cx: &Cx, name: &str, value: &Value) -> Result<Field, String> {
    let call = value.links().last().ok_or("a field built in Python")?;
    let flag = |n: &str| matches!(call.named(n), Some(Value::Bool(true)));
    let kind = call.name.as_str();
    if matches!(
        kind,
        "ForeignKey" | "OneToOneField" | "ManyToManyField" | "ParentalKey" | "TreeForeignKey"
    ) {
        let to = match arg(call, 0, "to") {
            Some(Value::Str(to)) => cx.table(to),
            Some(v)
                if v.links()
                    .last()
                    .is_some_and(|l| l.name == "AUTH_USER_MODEL") =>
            {
                cx.user_table()
            }
            _ => return Err(format!("`{kind}` to a model named in Python")),
        };
        if kind == "ManyToManyField" {
            if call.named("through").is_some() {
                return Ok(Field::ManyToMany(String::new()));
            }
            return Ok(Field::ManyToMany(to));
        }
        let column_name = call
            .named("db_column")
            .and_then(Value::str)
            .map_or_else(|| format!("{name}_id"), str::to_string);
        let mut column = ColumnSpec::new(&column_name, cx.key_type(&to));
        column.not_null = !flag("null");
        column.unique = kind == "OneToOneField" || flag("unique");
        column.primary_key = flag("primary_key");
        let to_column = call
            .named("to_field")
            .and_then(Value::str)
            .unwrap_or("id")
            .to_string();
        return Ok(Field::ForeignKey(column, to, to_column));
    }
    let ty = column_type(cx.d, kind, call)?;
    let column_name = call.named("db_column").and_then(Value::str).unwrap_or(name);
    let mut column = ColumnSpec::new(column_name, ty);
    column.primary_key = flag("primary_key");
    column.not_null = !flag("null") || column.primary_key;
    column.unique = flag("unique") && !column.primary_key;
    column.auto_increment = kind.ends_with("AutoField");
    column.default = match call.named("db_default") {
        Some(v) => Some(default_sql(v).ok_or("a db_default computed in Python")?),
        None => None,
    };
    Ok(Field::Column(column))
}

/// A default as SQL: literals, and Django's `dict`/`list` (an empty JSON).
fn default_sql(v: &Value) -> Option<String> {
    match v {
        // `Decimal("0.00")`, `Decimal(0)`.
        Value::Chain(links) if links.last().is_some_and(|l| l.name == "Decimal") => {
            match links.last()?.positional().next().map(|n| &n.value) {
                Some(Value::Str(n) | Value::Num(n))
                    if n.chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '-') =>
                {
                    Some(n.clone())
                }
                _ => None,
            }
        }
        Value::Map(pairs) if pairs.is_empty() => Some("'{}'".into()),
        Value::List(items) if items.is_empty() => Some("'[]'".into()),
        Value::Chain(links) if links.len() == 1 && links[0].args.is_none() => {
            match links[0].name.as_str() {
                "dict" => Some("'{}'".into()),
                "list" => Some("'[]'".into()),
                _ => None,
            }
        }
        v => literal(v),
    }
}

/// A Django field class's column type.
fn column_type(d: Dialect, kind: &str, call: &Link) -> Result<String, String> {
    let num = |n: &str| match call.named(n) {
        Some(Value::Num(v)) => Some(v.clone()),
        _ => None,
    };
    let varchar = |default: &str| {
        format!(
            "varchar({})",
            num("max_length").unwrap_or_else(|| default.to_string())
        )
    };
    let (pg, my) = (d == Dialect::Postgres, d == Dialect::Mysql);
    let ty = match kind {
        "CharField" | "PossiblePhoneNumberField" | "PhoneNumberField" => match num("max_length") {
            Some(n) => format!("varchar({n})"),
            None if kind == "CharField" => "text".into(),
            None => "varchar(128)".into(),
        },
        "SlugField" => varchar("50"),
        "EmailField" => varchar("254"),
        "URLField" | "WebhookURLField" => varchar("200"),
        "FileField" | "ImageField" | "VersatileImageField" | "FilePathField" => varchar("100"),
        "CountryField" => varchar("2"),
        "TextField" | "SanitizedTextField" => "text".into(),
        "IntegerField" | "PositiveIntegerField" => "integer".into(),
        "SmallIntegerField" | "PositiveSmallIntegerField" => "smallint".into(),
        "BigIntegerField" | "PositiveBigIntegerField" => "bigint".into(),
        "AutoField" => if pg { "serial" } else { "integer" }.into(),
        "BigAutoField" => if pg { "bigserial" } else { "bigint" }.into(),
        "SmallAutoField" => if pg { "smallserial" } else { "smallint" }.into(),
        "BooleanField" | "NullBooleanField" => if my { "bool" } else { "boolean" }.into(),
        "DateTimeField" => match d {
            Dialect::Postgres => "timestamp with time zone",
            Dialect::Mysql => "datetime(6)",
            Dialect::Sqlite => "datetime",
        }
        .into(),
        "DateField" => "date".into(),
        "TimeField" => "time".into(),
        "DurationField" => if pg { "interval" } else { "bigint" }.into(),
        "DecimalField" | "MoneyField" => match (num("max_digits"), num("decimal_places")) {
            (Some(m), Some(p)) => format!("numeric({m}, {p})"),
            _ => "numeric".into(),
        },
        "FloatField" | "MeasurementField" => if pg { "double precision" } else { "double" }.into(),
        "UUIDField" => if pg { "uuid" } else { "char(32)" }.into(),
        "JSONField" | "SanitizedJSONField" => match d {
            Dialect::Postgres => "jsonb",
            Dialect::Mysql => "json",
            Dialect::Sqlite => "text",
        }
        .into(),
        "HStoreField" if pg => "hstore".into(),
        "GenericIPAddressField" | "IPAddressField" => if pg { "inet" } else { "char(39)" }.into(),
        "BinaryField" => if pg { "bytea" } else { "blob" }.into(),
        "SearchVectorField" if pg => "tsvector".into(),
        "CITextField" | "CICharField" | "CIEmailField" if pg => "citext".into(),
        "ArrayField" if pg => {
            let base = arg(call, 0, "base_field").ok_or("ArrayField without a base field")?;
            let inner = base
                .links()
                .last()
                .ok_or("ArrayField of a field built in Python")?;
            format!("{}[]", column_type(d, &inner.name, inner)?)
        }
        other => match num("max_length") {
            Some(n) => format!("varchar({n})"),
            None => return Err(format!("a `{other}`, a field type migplan does not know")),
        },
    };
    Ok(ty)
}

fn create_model(cx: &mut Cx, call: &Link) -> Read {
    let d = cx.d;
    let model = arg_str(call, 0, "name")?;
    let options = match arg(call, 2, "options") {
        Some(Value::Map(pairs)) => pairs.as_slice(),
        _ => &[],
    };
    if let Some(table) = tree::map_get(options, "db_table").and_then(Value::str) {
        cx.tables.push((
            format!("{}.{}", cx.app, model.to_lowercase()),
            table.to_string(),
        ));
    }
    let table = cx.table(model);
    let Some(Value::List(fields)) = arg(call, 1, "fields") else {
        return Err("CreateModel with fields built in Python".into());
    };
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut after = Vec::new();
    for item in fields {
        let Value::List(pair) = &item.value else {
            return Err("a field list built in Python".into());
        };
        let (Some(name), Some(value)) = (pair.first().and_then(|n| n.value.str()), pair.get(1))
        else {
            return Err("a field list built in Python".into());
        };
        match field(cx, name, &value.value)? {
            Field::Column(c) => columns.push(c),
            Field::ForeignKey(c, to, to_column) => {
                let fk = foreign_key(&table, &c.name, &to, &to_column);
                after.push(fk_index(&table, &c.name, d));
                constraints.push(fk.constraint(d));
                columns.push(c);
            }
            Field::ManyToMany(to) if to.is_empty() => {}
            Field::ManyToMany(to) => after.push(join_table(cx, &table, name, &to)),
        }
    }
    let mut out = vec![sql::create_table(&table, &columns, &constraints, false, d)];
    out.extend(after);
    Ok(out)
}

fn foreign_key(table: &str, column: &str, to: &str, to_column: &str) -> ForeignKey {
    ForeignKey {
        table: table.to_string(),
        name: format!(
            "{table}_{column}_{}_fk_{to}_{to_column}",
            &sql::short_hash(&format!("{table}{column}"))[..8]
        ),
        columns: vec![column.to_string()],
        to_table: to.to_string(),
        to_columns: vec![to_column.to_string()],
        ..ForeignKey::default()
    }
}

fn fk_index(table: &str, column: &str, d: Dialect) -> String {
    IndexSpec {
        table: table.to_string(),
        name: format!(
            "{table}_{column}_{}",
            &sql::short_hash(&format!("{table}.{column}"))[..8]
        ),
        columns: vec![column.to_string()],
        ..IndexSpec::default()
    }
    .create(d)
}

/// A many-to-many field's join table.
fn join_table(cx: &Cx, table: &str, field: &str, to: &str) -> String {
    let d = cx.d;
    let from_model = table.rsplit('_').next().unwrap_or(table);
    let to_model = to.rsplit('_').next().unwrap_or(to);
    let name = format!("{table}_{field}");
    let mut id = ColumnSpec::new(
        "id",
        if d == Dialect::Postgres {
            "serial"
        } else {
            "integer"
        },
    );
    id.primary_key = true;
    id.auto_increment = true;
    let from_column = format!("{from_model}_id");
    let to_column = if from_model == to_model {
        format!("to_{to_model}_id")
    } else {
        format!("{to_model}_id")
    };
    let columns = [
        id,
        ColumnSpec {
            not_null: true,
            ..ColumnSpec::new(&from_column, cx.key_type(table))
        },
        ColumnSpec {
            not_null: true,
            ..ColumnSpec::new(&to_column, cx.key_type(to))
        },
    ];
    let constraints = [
        foreign_key(&name, &from_column, table, "id").constraint(d),
        foreign_key(&name, &to_column, to, "id").constraint(d),
        format!(
            "UNIQUE ({}, {})",
            crate::ddl::ident(&from_column, d),
            crate::ddl::ident(&to_column, d)
        ),
    ];
    sql::create_table(&name, &columns, &constraints, false, d)
}

fn add_field(cx: &Cx, table: &str, name: &str, value: &Value) -> Read {
    let d = cx.d;
    let call = value.links().last().ok_or("a field built in Python")?;
    match field(cx, name, value)? {
        Field::ManyToMany(to) if to.is_empty() => Ok(vec![]),
        Field::ManyToMany(to) => Ok(vec![join_table(cx, table, name, &to)]),
        Field::ForeignKey(column, to, to_column) => {
            let mut out = vec![sql::add_column(table, &column, false, d)];
            out.push(foreign_key(table, &column.name, &to, &to_column).add(d));
            if !matches!(call.named("db_index"), Some(Value::Bool(false))) && !column.unique {
                out.push(fk_index(table, &column.name, d));
            }
            Ok(out)
        }
        Field::Column(mut column) => {
            // A NOT NULL column is added with the field's default for the
            // rows there, and the default dropped after (unless it is a
            // db_default, which stays).
            let mut out = Vec::new();
            let transient = column.default.is_none() && column.not_null && !column.primary_key;
            if transient && let Some(v) = call.named("default") {
                column.default =
                    Some(default_sql(v).ok_or("a default computed in Python (a callable)")?);
            }
            out.push(sql::add_column(table, &column, false, d));
            if transient && column.default.is_some() {
                out.push(sql::set_default(table, &column.name, None, d));
            }
            if matches!(call.named("db_index"), Some(Value::Bool(true))) {
                out.push(fk_index(table, &column.name, d));
            }
            Ok(out)
        }
    }
}

/// `AlterField`: only what differs from the column before the file.
fn alter_field(cx: &Cx, table: &str, name: &str, value: &Value) -> Read {
    let d = cx.d;
    let (column, _) = match field(cx, name, value)? {
        Field::Column(c) => (c, false),
        Field::ForeignKey(c, _, _) => (c, true),
        Field::ManyToMany(_) => return Ok(vec![]),
    };
    let before = cx.schema.table(table).and_then(|t| t.column(&column.name));
    let mut out = Vec::new();
    let same_type = before.is_some_and(|b| {
        crate::names::normalise_type(&b.data_type, d) == crate::names::normalise_type(&column.ty, d)
            || (column.auto_increment && b.identity.is_some())
    });
    if !same_type && !column.auto_increment {
        out.push(sql::change_type(
            table,
            &ColumnSpec {
                default: None,
                not_null: false,
                ..column.clone()
            },
            None,
            d,
        ));
    }
    let was_not_null = before.map(|b| !b.nullable);
    if was_not_null != Some(column.not_null) && !column.primary_key {
        out.push(sql::set_not_null(table, &column.name, column.not_null, d));
    }
    if column.unique {
        let has_unique = key_columns(cx.schema, table).contains(&vec![column.name.clone()]);
        if !has_unique {
            let name = format!(
                "{table}_{}_{}_uniq",
                column.name,
                &sql::short_hash(&column.name)[..8]
            );
            out.push(sql::add_unique(
                table,
                &name,
                std::slice::from_ref(&column.name),
                d,
            ));
        }
    }
    Ok(out)
}

fn index_spec(cx: &Cx, table: &str, index: &Value) -> Result<IndexSpec, String> {
    let call = index.links().last().ok_or("an index built in Python")?;
    if call.named("condition").is_some() || call.positional().next().is_some() {
        return Err("an index on expressions or with a condition written in Python".into());
    }
    let fields = call
        .named("fields")
        .and_then(names_of)
        .ok_or("an index without literal fields")?;
    let name = call
        .named("name")
        .and_then(Value::str)
        .ok_or("an index without a name")?;
    let using = match call.name.as_str() {
        "GinIndex" => Some("gin"),
        "GistIndex" => Some("gist"),
        "BrinIndex" => Some("brin"),
        "HashIndex" => Some("hash"),
        "SpGistIndex" => Some("spgist"),
        "BloomIndex" => Some("bloom"),
        "BTreeIndex" | "Index" => None,
        other => return Err(format!("a `{other}`, an index type migplan does not know")),
    };
    let columns = fields
        .iter()
        .map(|f| {
            let desc = f.starts_with('-');
            let column = cx.column(table, f.trim_start_matches('-'));
            if desc {
                format!("{} DESC", crate::ddl::ident(&column, cx.d))
            } else {
                crate::ddl::ident(&column, cx.d)
            }
        })
        .collect();
    Ok(IndexSpec {
        table: table.to_string(),
        name: name.to_string(),
        columns,
        expression: true,
        unique: false,
        using: using.map(str::to_string),
        ..IndexSpec::default()
    })
}

fn add_constraint(cx: &Cx, table: &str, constraint: &Value) -> Read {
    let call = constraint
        .links()
        .last()
        .ok_or("a constraint built in Python")?;
    let name = call
        .named("name")
        .and_then(Value::str)
        .ok_or("a constraint without a name")?;
    match call.name.as_str() {
        "UniqueConstraint"
            if call.named("condition").is_none() && call.named("expressions").is_none() =>
        {
            let fields = call
                .named("fields")
                .and_then(names_of)
                .ok_or("a unique constraint without literal fields")?;
            let columns: Vec<String> = fields.iter().map(|f| cx.column(table, f)).collect();
            Ok(vec![sql::add_unique(table, name, &columns, cx.d)])
        }
        "CheckConstraint" => Err("a check written as a Python Q expression".into()),
        other => Err(format!("a `{other}` migplan does not read")),
    }
}

/// `AlterUniqueTogether` / `AlterIndexTogether`: what the sets add to the
/// schema before the file.
fn together(cx: &Cx, call: &Link) -> Read {
    let d = cx.d;
    let table = cx.table(arg_str(call, 0, "name")?);
    let unique = call.name == "AlterUniqueTogether";
    let key = if unique {
        "unique_together"
    } else {
        "index_together"
    };
    let sets = match arg(call, 1, key) {
        Some(Value::List(sets)) => sets.clone(),
        Some(Value::Map(pairs)) => pairs.iter().map(|(k, _)| k.clone()).collect(),
        _ => return Err(format!("`{key}` built in Python")),
    };
    if sets.is_empty() {
        return Err(format!(
            "`{key}` emptied: which constraints go depends on the model's history"
        ));
    }
    let mut out = Vec::new();
    for set in sets {
        let fields = names_of(&set.value).ok_or(format!("`{key}` built in Python"))?;
        let columns: Vec<String> = fields.iter().map(|f| cx.column(&table, f)).collect();
        let exists = key_columns(cx.schema, &table).contains(&columns)
            || cx.schema.indexes_on(&table).any(|i| {
                i.columns
                    .iter()
                    .map(|k| k.text().to_string())
                    .collect::<Vec<_>>()
                    == columns
            });
        if exists {
            continue;
        }
        let name = format!(
            "{table}_{}_{}_{}",
            columns.join("_"),
            &sql::short_hash(&columns.join(","))[..8],
            if unique { "uniq" } else { "idx" }
        );
        out.push(if unique {
            sql::add_unique(&table, &name, &columns, d)
        } else {
            IndexSpec {
                table: table.clone(),
                name,
                columns,
                ..IndexSpec::default()
            }
            .create(d)
        });
    }
    Ok(out)
}

/// The column lists of a table's primary key and unique constraints.
fn key_columns(schema: &Catalog, table: &str) -> Vec<Vec<String>> {
    schema
        .table(table)
        .map(|t| {
            t.constraints
                .iter()
                .filter_map(|k| match &k.kind {
                    catalog::ConstraintKind::PrimaryKey { columns }
                    | catalog::ConstraintKind::Unique { columns } => Some(columns.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}
