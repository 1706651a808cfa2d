//! Name, type and expression normalisation shared by the catalogue and the
//! rules, so that `"Users"`, `users` and `public.users` compare as the
//! database would compare them.

use sqlparser::ast::{DataType, Expr, Ident, ObjectName, ObjectNamePart};

use crate::Dialect;

/// An identifier as the database stores it: PostgreSQL folds unquoted names
/// to lower case and keeps quoted ones; MySQL keeps names as written (table
/// names are case-sensitive where MySQL keeps tables as files, on Linux,
/// so `UserAccounts` stays `UserAccounts` in everything migplan writes);
/// SQLite compares names case-insensitively.
pub fn ident(id: &Ident, dialect: Dialect) -> String {
    match (dialect, id.quote_style) {
        (Dialect::Postgres, Some(_)) | (Dialect::Mysql, _) => id.value.clone(),
        _ => id.value.to_lowercase(),
    }
}

/// A qualified object name without the default schema (`public.`, `main.`).
pub fn object(name: &ObjectName, dialect: Dialect) -> String {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => ident(i, dialect),
            ObjectNamePart::Function(f) => f.name.value.to_lowercase(),
        })
        .collect();
    let skip = match (dialect, parts.first().map(String::as_str)) {
        (_, _) if parts.len() < 2 => 0,
        (Dialect::Postgres, Some("public")) | (Dialect::Sqlite, Some("main")) => 1,
        _ => 0,
    };
    parts[skip..].join(".")
}

/// The last part of a qualified name (`s.t` → `t`).
pub fn last(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// A data type in one canonical spelling per dialect, so that `int4`,
/// `integer` and `INT` compare equal.
pub fn data_type(dt: &DataType, dialect: Dialect) -> String {
    normalise_type(&dt.to_string(), dialect)
}

/// Canonical spelling of a type written as text.
pub fn normalise_type(text: &str, dialect: Dialect) -> String {
    let lower = text.trim().to_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let (base, args, suffix) = match (lower.find('('), lower.rfind(')')) {
        (Some(i), Some(j)) if j > i => (
            lower[..i].trim(),
            lower[i..=j].replace(' ', ""),
            lower[j + 1..].trim().to_string(),
        ),
        _ => (lower.as_str(), String::new(), String::new()),
    };
    let base = match (dialect, base) {
        (Dialect::Sqlite, _) => base,
        (Dialect::Mysql, "int" | "integer") => "int",
        (Dialect::Mysql, "decimal" | "numeric" | "dec" | "fixed") => "decimal",
        (Dialect::Mysql, "bool" | "boolean") => "tinyint(1)",
        (_, "int" | "int4" | "integer") => "integer",
        (_, "int8" | "bigint") => "bigint",
        (_, "int2" | "smallint") => "smallint",
        (_, "serial" | "serial4") => "serial",
        (_, "bigserial" | "serial8") => "bigserial",
        (_, "bool" | "boolean") if dialect == Dialect::Postgres => "boolean",
        (_, "character varying") => "varchar",
        (_, "character" | "char") => "char",
        (_, "float8" | "double precision" | "double") => "double precision",
        (_, "float4" | "real") => "real",
        (_, "decimal" | "numeric") => "numeric",
        (Dialect::Postgres, "timestamptz" | "timestamp with time zone") => "timestamptz",
        (Dialect::Postgres, "timestamp without time zone") => "timestamp",
        (Dialect::Postgres, "timetz" | "time with time zone") => "timetz",
        (Dialect::Postgres, "time without time zone") => "time",
        _ => base,
    };
    let suffix = suffix.trim();
    match (base, suffix) {
        ("timestamp", "with time zone") => format!("timestamptz{args}"),
        ("timestamp", "without time zone") => format!("timestamp{args}"),
        (_, "") => format!("{base}{args}"),
        (_, s) => format!("{base}{args} {s}"),
    }
}

/// A type's base name and numeric arguments: `varchar(20)` → (`varchar`,
/// [20]), `numeric(10,2)` → (`numeric`, [10, 2]).
pub fn type_parts(ty: &str) -> (&str, Vec<u32>) {
    match ty.find('(') {
        Some(i) => (
            ty[..i].trim(),
            ty[i + 1..]
                .trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect(),
        ),
        None => (ty.trim(), Vec::new()),
    }
}

/// An expression's text in sqlparser's canonical rendering.
pub fn expr(e: &Expr) -> String {
    e.to_string()
}

/// The column an index element or expression names, when it is a bare column.
pub fn column_of(e: &Expr, dialect: Dialect) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(ident(i, dialect)),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| ident(i, dialect)),
        Expr::Nested(inner) => column_of(inner, dialect),
        _ => None,
    }
}

fn parse_expression(text: &str, d: Dialect) -> Option<Expr> {
    let dialect = d.parser_dialect();
    sqlparser::parser::Parser::new(&*dialect)
        .try_with_sql(text)
        .ok()?
        .parse_expr()
        .ok()
}

/// Whether an expression's text names `column`; one migplan cannot read
/// counts as naming it when the name appears in it as a word.
pub fn expression_uses(text: &str, column: &str, d: Dialect) -> bool {
    match parse_expression(text, d) {
        Some(expr) => with_column_as(&expr, column, d, "\u{1}").to_string() != expr.to_string(),
        None => text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word.eq_ignore_ascii_case(column)),
    }
}

/// The name of the function an expression's text calls at its top
/// (`lower(name)` → `lower`), if it is a call.
pub fn function_called(text: &str, d: Dialect) -> Option<String> {
    match parse_expression(text, d)? {
        Expr::Function(f) => f.name.0.last().map(|part| match part {
            ObjectNamePart::Identifier(i) => ident(i, d),
            ObjectNamePart::Function(f) => f.name.value.to_lowercase(),
        }),
        _ => None,
    }
}

/// An expression's text with column `from` renamed `to` (unchanged when
/// migplan cannot read it).
pub fn expression_renamed(text: &str, from: &str, to: &str, d: Dialect) -> String {
    match parse_expression(text, d) {
        Some(expr) => with_column_as(&expr, from, d, &crate::ddl::ident(to, d)).to_string(),
        None => text.to_string(),
    }
}

/// `expr` with every reference to `column` (plain, or qualified by its
/// table) replaced by `replacement`, SQL printed as it is (already quoted
/// by `ddl::ident`), rewritten through the syntax tree: names that merely
/// contain the column's letters, and strings, stay.
pub fn with_column_as(expr: &Expr, column: &str, d: Dialect, replacement: &str) -> Expr {
    use sqlparser::ast::visit_expressions_mut;
    let mut expr = expr.clone();
    let _ = visit_expressions_mut(&mut expr, |e| {
        let names_column = match e {
            Expr::Identifier(i) => ident(i, d) == column,
            Expr::CompoundIdentifier(parts) => {
                parts.len() == 2 && parts.last().is_some_and(|i| ident(i, d) == column)
            }
            _ => false,
        };
        if names_column {
            *e = Expr::Identifier(Ident::new(replacement));
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    expr
}

/// The name PostgreSQL gives an object it names itself (`makeObjectName`):
/// `name1_name2_label`, the longer of `name1` and `name2` shortened a
/// character at a time until the whole fits in 63 bytes
/// (`selfservice_login_request_met_selfservice_login_request_id_fkey`).
/// `name2` may be empty (`users_pkey`).
pub fn pg_object_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    let overhead =
        usize::from(!name2.is_empty()) + if label.is_empty() { 0 } else { label.len() + 1 };
    let available = MAX.saturating_sub(overhead);
    let (mut len1, mut len2) = (name1.len(), name2.len());
    while len1 + len2 > available {
        if len1 > len2 {
            len1 -= 1;
        } else {
            len2 -= 1;
        }
    }
    while !name1.is_char_boundary(len1) {
        len1 -= 1;
    }
    while !name2.is_char_boundary(len2) {
        len2 -= 1;
    }
    let mut out = name1[..len1].to_string();
    if !name2.is_empty() {
        out.push('_');
        out.push_str(&name2[..len2]);
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// The name a database gives an unnamed key, index or constraint of
/// `table`: PostgreSQL's rule, or the parts joined for the others.
pub fn default_object_name(table: &str, columns: &str, label: &str, d: Dialect) -> String {
    match d {
        Dialect::Postgres => pg_object_name(table, columns, label),
        _ if columns.is_empty() => format!("{table}_{label}"),
        _ => format!("{table}_{columns}_{label}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_objects_are_named_as_postgresql_names_them() {
        assert_eq!(pg_object_name("users", "", "pkey"), "users_pkey");
        assert_eq!(pg_object_name("users", "email", "key"), "users_email_key");
        // What PostgreSQL 15 named kratos's foreign keys (read from pg_catalog).
        assert_eq!(
            pg_object_name(
                "selfservice_login_request_methods",
                "selfservice_login_request_id",
                "fkey"
            ),
            "selfservice_login_request_met_selfservice_login_request_id_fkey"
        );
        assert_eq!(
            pg_object_name(
                "selfservice_recovery_request_methods",
                "selfservice_recovery_request_id",
                "fkey"
            ),
            "selfservice_recovery_request__selfservice_recovery_request_fkey"
        );
        assert!(pg_object_name(&"é".repeat(40), "", "pkey").len() <= 63);
    }

    #[test]
    fn types_have_one_spelling() {
        let pg = Dialect::Postgres;
        assert_eq!(normalise_type("INT4", pg), "integer");
        assert_eq!(normalise_type("character varying(20)", pg), "varchar(20)");
        assert_eq!(normalise_type("VARCHAR( 20 )", pg), "varchar(20)");
        assert_eq!(
            normalise_type("timestamp(3) with time zone", pg),
            "timestamptz(3)"
        );
        assert_eq!(
            normalise_type("timestamp without time zone", pg),
            "timestamp"
        );
        assert_eq!(normalise_type("NUMERIC(10, 2)", pg), "numeric(10,2)");
        assert_eq!(normalise_type("INTEGER", Dialect::Sqlite), "integer");
        assert_eq!(
            normalise_type("NUMERIC(10,2)", Dialect::Mysql),
            "decimal(10,2)"
        );
        assert_eq!(normalise_type("INTEGER", Dialect::Mysql), "int");
    }
}
