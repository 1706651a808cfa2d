//! Reads Liquibase XML changelogs: each change of each `<changeSet>` as the
//! SQL Liquibase generates for it on the dialect (`createTable`,
//! `addColumn`, `modifyDataType`, `addNotNullConstraint` with its
//! `defaultNullValue` backfill, keys, indexes, `insert`/`update`/`delete`,
//! `<sql>`), `<rollback>` as the down, `runInTransaction="false"` kept.
//! Schema preconditions are guards; `customChange`, `sqlFile`, `loadData`
//! and data preconditions are not analysed.

use super::tree::{self, Element};

use crate::Dialect;
use crate::frameworks::dsl::sql::{self, ColumnSpec, ConstraintKind, ForeignKey, IndexSpec};
use crate::frameworks::dsl::tree::{Node, Value};
use crate::frameworks::dsl::{Ops, ReadCx, Reading};
use crate::parse::Section;

type Read = Result<Vec<String>, String>;

pub fn read(cx: &ReadCx) -> Reading {
    let mut ops = Ops::new(cx.dialect, cx.text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(cx.dialect);
    // XML, or the YAML and JSON that say the same.
    let parsed = if cx.text.trim_start().starts_with('<') {
        tree::from_xml(cx.text)
    } else {
        tree::from_yaml(cx.text)
    };
    let root = match parsed {
        Ok(root) => root,
        Err(e) => {
            let whole = Node {
                value: Value::Other,
                start: 0,
                end: cx.text.len(),
            };
            ops.not_analysed(&whole, format!("a changelog migplan cannot read: {e}"));
            return ops.reading;
        }
    };
    for change_set in root.descendants().into_iter().filter(|n| n.is("changeSet")) {
        if !for_dialect(change_set, cx.dialect) {
            ops.sql(&node_of(change_set), Vec::new());
            continue;
        }
        if change_set.attribute("runInTransaction") == Some("false") {
            ops.reading.transaction = Some(false);
        }
        for change in &change_set.children {
            match change.name.as_str() {
                "rollback" => {
                    ops.section = Section::Down;
                    rollback(&mut ops, change);
                    ops.section = Section::Up;
                }
                "preConditions" => preconditions(&mut ops, change),
                _ => read_change(&mut ops, change),
            }
        }
    }
    ops.reading
}

/// Whether a change set runs on the dialect: `dbms="mysql"` (or a context
/// naming a database, as `context="postgresql"`) limits it.
fn for_dialect(change_set: &Element, d: Dialect) -> bool {
    let ours: &[&str] = match d {
        Dialect::Postgres => &["postgresql", "postgres"],
        Dialect::Mysql => &["mysql", "mariadb"],
        Dialect::Sqlite => &["sqlite"],
    };
    let databases = [
        "postgresql",
        "postgres",
        "mysql",
        "mariadb",
        "sqlite",
        "oracle",
        "mssql",
        "h2",
        "db2",
        "derby",
        "hsqldb",
    ];
    let names = |v: &str| -> Vec<String> {
        v.split([',', ' ', '(', ')'])
            .map(|p| p.trim().trim_start_matches('!').to_ascii_lowercase())
            .filter(|p| !p.is_empty() && p != "and" && p != "or")
            .collect()
    };
    for key in ["dbms", "context", "contextFilter"] {
        let Some(v) = change_set.attribute(key) else {
            continue;
        };
        let listed = names(v);
        let about_databases = listed.iter().all(|n| databases.contains(&n.as_str()));
        if about_databases && !listed.is_empty() {
            let negated = v.trim_start().starts_with('!');
            let mentions_ours = listed.iter().any(|n| ours.contains(&n.as_str()));
            return mentions_ours != negated;
        }
    }
    true
}

fn node_of(n: &Element) -> Node {
    Node {
        value: Value::Other,
        start: n.start,
        end: n.end,
    }
}

/// A rollback: SQL text, or changes.
fn rollback(ops: &mut Ops, n: &Element) {
    let changes = &n.children;
    if changes.is_empty() {
        let text = n.text.as_deref().unwrap_or_default().trim();
        if !text.is_empty() {
            ops.sql(&node_of(n), vec![text.to_string()]);
        }
        return;
    }
    for change in changes {
        read_change(ops, change);
    }
}

/// Preconditions on the schema are guards; on data, code.
fn preconditions(ops: &mut Ops, n: &Element) {
    let data = n
        .descendants()
        .iter()
        .any(|c| c.is("sqlCheck") || c.is("customPrecondition"));
    if data {
        ops.code(
            &node_of(n),
            "a precondition on data: migplan reads the change set as if it runs",
        );
    } else {
        ops.sql(&node_of(n), Vec::new());
    }
}

fn read_change(ops: &mut Ops, change: &Element) {
    let d = ops.dialect;
    let node = node_of(change);
    match change.name.as_str() {
        "customChange" => ops.code(&node, "a customChange: Java code migplan does not follow"),
        // Not changes: comments, tags, checksums.
        "comment" | "tagDatabase" | "validCheckSum" | "empty" | "output" | "include"
        | "includeAll" => {
            ops.sql(&node, Vec::new());
        }
        _ => {
            let result = change_sql(d, change);
            ops.read(&node, result);
        }
    }
}

fn attr<'a>(n: &'a Element, name: &str) -> Result<&'a str, String> {
    let v = n
        .attribute(name)
        .ok_or_else(|| format!("<{}> without {name}", n.name.as_str()))?;
    if v.contains("${") {
        return Err(format!(
            "<{}> {name} uses a changelog property ({v})",
            n.name.as_str()
        ));
    }
    Ok(v)
}

/// The table with its `schemaName`.
fn table(n: &Element, name: &str) -> Result<String, String> {
    let t = attr(n, name)?;
    Ok(
        match n
            .attribute("schemaName")
            .or(n.attribute("baseTableSchemaName"))
        {
            Some(schema) => format!("{schema}.{t}"),
            None => t.to_string(),
        },
    )
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// A Liquibase type as the dialect's.
fn sql_type(d: Dialect, ty: &str) -> Result<String, String> {
    if ty.contains("${") {
        return Err(format!("a type from a changelog property ({ty})"));
    }
    let upper = ty.trim().to_ascii_uppercase();
    let pg = d == Dialect::Postgres;
    Ok(match upper.as_str() {
        "DATETIME" if pg => "timestamp".into(),
        u if u.starts_with("DATETIME(") && pg => format!("timestamp{}", &u["DATETIME".len()..]),
        "TINYINT" if pg => "smallint".into(),
        "BOOLEAN" | "BOOL" if d == Dialect::Mysql => "tinyint(1)".into(),
        "CLOB" | "LONGTEXT" | "MEDIUMTEXT" if pg => "text".into(),
        "BLOB" | "LONGBLOB" if pg => "bytea".into(),
        "UUID" if !pg => "char(36)".into(),
        _ if upper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '(' | ')' | ',' | '_')) =>
        {
            ty.trim().to_string()
        }
        _ => return Err(format!("type `{ty}`")),
    })
}

/// A `<column>` value as SQL (`value`, `valueNumeric`, `valueBoolean`,
/// `valueDate`, `valueComputed`), with the attribute prefix given
/// (`value` or `defaultValue`).
fn value_of(n: &Element, prefix: &str) -> Option<String> {
    if let Some(v) = n.attribute(prefix) {
        return Some(crate::ddl::literal(v));
    }
    if let Some(v) = n.attribute(format!("{prefix}Numeric").as_str()) {
        return v.parse::<f64>().is_ok().then(|| v.to_string());
    }
    if let Some(v) = n.attribute(format!("{prefix}Boolean").as_str()) {
        return Some(
            if v.eq_ignore_ascii_case("true") {
                "TRUE"
            } else {
                "FALSE"
            }
            .into(),
        );
    }
    if let Some(v) = n.attribute(format!("{prefix}Date").as_str()) {
        return Some(crate::ddl::literal(v));
    }
    n.attribute(format!("{prefix}Computed").as_str())
        .map(str::to_string)
}

fn column(
    d: Dialect,
    table: &str,
    c: &Element,
) -> Result<(ColumnSpec, Option<ForeignKey>), String> {
    let name = attr(c, "name")?;
    let mut spec = ColumnSpec::new(name, sql_type(d, attr(c, "type")?)?);
    spec.default = value_of(c, "defaultValue");
    if c.attribute("autoIncrement") == Some("true") {
        spec.auto_increment = true;
        if d == Dialect::Postgres {
            spec.ty = if spec.ty.eq_ignore_ascii_case("bigint") {
                "bigserial"
            } else {
                "serial"
            }
            .into();
        }
    }
    let mut fk = None;
    if let Some(k) = c.child("constraints") {
        spec.not_null = k.attribute("nullable") == Some("false");
        spec.primary_key = k.attribute("primaryKey") == Some("true");
        spec.unique = k.attribute("unique") == Some("true");
        if let (Some(fk_name), Some(to)) = (
            k.attribute("foreignKeyName"),
            k.attribute("referencedTableName"),
        ) {
            fk = Some(ForeignKey {
                table: table.to_string(),
                name: fk_name.to_string(),
                columns: vec![name.to_string()],
                to_table: to.to_string(),
                to_columns: list(k.attribute("referencedColumnNames").unwrap_or("id")),
                on_delete: (k.attribute("deleteCascade") == Some("true"))
                    .then(|| "CASCADE".to_string()),
                on_update: None,
                not_valid: false,
            });
        }
    }
    Ok((spec, fk))
}

fn columns_of(n: &Element) -> impl Iterator<Item = &Element> {
    n.children.iter().filter(|c| c.is("column"))
}

fn change_sql(d: Dialect, n: &Element) -> Read {
    match n.name.as_str() {
        "createTable" => {
            let t = table(n, "tableName")?;
            let mut specs = Vec::new();
            let mut constraints = Vec::new();
            for c in columns_of(n) {
                let (spec, fk) = column(d, &t, c)?;
                specs.push(spec);
                constraints.extend(fk.map(|f| f.constraint(d)));
            }
            Ok(vec![sql::create_table(&t, &specs, &constraints, false, d)])
        }
        "addColumn" => {
            let t = table(n, "tableName")?;
            let mut out = Vec::new();
            for c in columns_of(n) {
                let (spec, fk) = column(d, &t, c)?;
                out.push(sql::add_column(&t, &spec, false, d));
                out.extend(fk.map(|f| f.add(d)));
            }
            Ok(out)
        }
        "dropColumn" => {
            let t = table(n, "tableName")?;
            let names: Vec<String> = match n.attribute("columnName") {
                Some(c) => vec![c.to_string()],
                None => columns_of(n)
                    .filter_map(|c| c.attribute("name").map(str::to_string))
                    .collect(),
            };
            Ok(names
                .iter()
                .map(|c| sql::drop_column(&t, c, false, d))
                .collect())
        }
        "renameColumn" => Ok(vec![sql::rename_column(
            &table(n, "tableName")?,
            attr(n, "oldColumnName")?,
            attr(n, "newColumnName")?,
            d,
        )]),
        "modifyDataType" => {
            let spec = ColumnSpec::new(
                attr(n, "columnName")?,
                sql_type(d, attr(n, "newDataType")?)?,
            );
            Ok(vec![sql::change_type(
                &table(n, "tableName")?,
                &spec,
                None,
                d,
            )])
        }
        "addNotNullConstraint" | "dropNotNullConstraint" => null_constraint(d, n),
        "addDefaultValue" => Ok(vec![sql::set_default(
            &table(n, "tableName")?,
            attr(n, "columnName")?,
            Some(&value_of(n, "defaultValue").ok_or("addDefaultValue without a value")?),
            d,
        )]),
        "dropDefaultValue" => Ok(vec![sql::set_default(
            &table(n, "tableName")?,
            attr(n, "columnName")?,
            None,
            d,
        )]),
        "dropTable" => Ok(vec![sql::drop_table(
            &table(n, "tableName")?,
            false,
            n.attribute("cascadeConstraints") == Some("true"),
            d,
        )]),
        "renameTable" => Ok(vec![sql::rename_table(
            &table(n, "oldTableName")?,
            attr(n, "newTableName")?,
            d,
        )]),
        _ => key_change_sql(d, n),
    }
}

fn null_constraint(d: Dialect, n: &Element) -> Read {
    let t = table(n, "tableName")?;
    let column = attr(n, "columnName")?;
    let add = n.name.as_str() == "addNotNullConstraint";
    let mut out = Vec::new();
    if add && let Some(v) = n.attribute("defaultNullValue") {
        out.push(format!(
            "UPDATE {} SET {} = {} WHERE {} IS NULL",
            crate::ddl::name(&t, d),
            crate::ddl::ident(column, d),
            crate::ddl::literal(v),
            crate::ddl::ident(column, d)
        ));
    }
    match d {
        Dialect::Mysql => {
            let ty = sql_type(d, attr(n, "columnDataType")?)?;
            out.push(sql::change_type(
                &t,
                &ColumnSpec {
                    not_null: add,
                    ..ColumnSpec::new(column, ty)
                },
                None,
                d,
            ));
        }
        _ => out.push(sql::set_not_null(&t, column, add, d)),
    }
    Ok(out)
}

fn key_change_sql(d: Dialect, n: &Element) -> Read {
    match n.name.as_str() {
        "createIndex" => {
            let columns: Vec<String> = columns_of(n)
                .filter_map(|c| c.attribute("name").map(str::to_string))
                .collect();
            if columns.is_empty() {
                return Err("createIndex without columns".into());
            }
            Ok(vec![
                IndexSpec {
                    table: table(n, "tableName")?,
                    name: attr(n, "indexName")?.to_string(),
                    columns,
                    unique: n.attribute("unique") == Some("true"),
                    ..IndexSpec::default()
                }
                .create(d),
            ])
        }
        "dropIndex" => Ok(vec![sql::drop_index(
            &table(n, "tableName")?,
            attr(n, "indexName")?,
            false,
            false,
            d,
        )]),
        "addForeignKeyConstraint" => Ok(vec![
            ForeignKey {
                table: table(n, "baseTableName")?,
                name: attr(n, "constraintName")?.to_string(),
                columns: list(attr(n, "baseColumnNames")?),
                to_table: match n.attribute("referencedTableSchemaName") {
                    Some(s) => format!("{s}.{}", attr(n, "referencedTableName")?),
                    None => attr(n, "referencedTableName")?.to_string(),
                },
                to_columns: list(attr(n, "referencedColumnNames")?),
                on_delete: n.attribute("onDelete").map(str::to_ascii_uppercase),
                on_update: n.attribute("onUpdate").map(str::to_ascii_uppercase),
                not_valid: n.attribute("validate") == Some("false"),
            }
            .add(d),
        ]),
        "dropForeignKeyConstraint" => Ok(vec![sql::drop_constraint(
            &table(n, "baseTableName")?,
            attr(n, "constraintName")?,
            ConstraintKind::ForeignKey,
            false,
            d,
        )]),
        "addUniqueConstraint" => Ok(vec![sql::add_unique(
            &table(n, "tableName")?,
            attr(n, "constraintName")?,
            &list(attr(n, "columnNames")?),
            d,
        )]),
        "dropUniqueConstraint" => Ok(vec![sql::drop_constraint(
            &table(n, "tableName")?,
            attr(n, "constraintName")?,
            ConstraintKind::Unique,
            false,
            d,
        )]),
        "addPrimaryKey" => Ok(vec![sql::add_primary_key(
            &table(n, "tableName")?,
            n.attribute("constraintName").unwrap_or("pk"),
            &list(attr(n, "columnNames")?),
            d,
        )]),
        "dropPrimaryKey" => Ok(vec![sql::drop_constraint(
            &table(n, "tableName")?,
            n.attribute("constraintName").unwrap_or("pk"),
            ConstraintKind::PrimaryKey,
            false,
            d,
        )]),
        _ => data_change_sql(d, n),
    }
}

fn data_change_sql(d: Dialect, n: &Element) -> Read {
    match n.name.as_str() {
        "sql" => {
            let text = n.text.as_deref().unwrap_or_default().trim().to_string();
            if text.contains("${") {
                return Err("SQL using a changelog property".into());
            }
            Ok(vec![text])
        }
        "insert" => {
            let t = table(n, "tableName")?;
            let mut names = Vec::new();
            let mut values = Vec::new();
            for c in columns_of(n) {
                names.push(crate::ddl::ident(attr(c, "name")?, d));
                values.push(value_of(c, "value").unwrap_or_else(|| "NULL".into()));
            }
            Ok(vec![format!(
                "INSERT INTO {} ({}) VALUES ({})",
                crate::ddl::name(&t, d),
                names.join(", "),
                values.join(", ")
            )])
        }
        "update" => {
            let t = table(n, "tableName")?;
            let sets: Vec<String> = columns_of(n)
                .map(|c| {
                    Ok(format!(
                        "{} = {}",
                        crate::ddl::ident(attr(c, "name")?, d),
                        value_of(c, "value").unwrap_or_else(|| "NULL".into())
                    ))
                })
                .collect::<Result<_, String>>()?;
            let filter = where_of(n);
            Ok(vec![format!(
                "UPDATE {} SET {}{filter}",
                crate::ddl::name(&t, d),
                sets.join(", ")
            )])
        }
        "delete" => Ok(vec![format!(
            "DELETE FROM {}{}",
            crate::ddl::name(&table(n, "tableName")?, d),
            where_of(n)
        )]),
        "createView" => {
            let body = n.text.as_deref().unwrap_or_default().trim();
            let replace = if n.attribute("replaceIfExists") == Some("true") {
                "OR REPLACE "
            } else {
                ""
            };
            Ok(vec![format!(
                "CREATE {replace}VIEW {} AS {body}",
                crate::ddl::name(attr(n, "viewName")?, d)
            )])
        }
        "dropView" => Ok(vec![format!(
            "DROP VIEW {}",
            crate::ddl::name(attr(n, "viewName")?, d)
        )]),
        other => Err(format!("<{other}>, a change migplan does not read")),
    }
}

/// ` WHERE ...` from a `<where>` child, or nothing.
fn where_of(n: &Element) -> String {
    n.child("where")
        .and_then(|w| w.text.as_deref())
        .map(|w| format!(" WHERE {}", w.trim()))
        .unwrap_or_default()
}
