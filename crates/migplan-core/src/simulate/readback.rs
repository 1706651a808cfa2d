//! The schema read back from SQLite, and the model's expectation of it in
//! the same terms (tables, columns, NOT NULL, indexes, affinities).

use super::*;
/// The user's tables in the database, lower-cased.
pub(super) async fn user_tables(engine: &mut dyn Engine) -> Vec<String> {
    rows_of(
        engine,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .await
    .into_iter()
    .filter_map(|r| r.into_iter().next())
    .map(|t| t.to_lowercase())
    .collect()
}

/// `PRAGMA table_info` of `t`: name, type, notnull, dflt_value, pk.
pub(super) async fn table_info(engine: &mut dyn Engine, t: &str) -> Vec<Vec<String>> {
    rows_of(
        engine,
        &format!(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info({})",
            ddl::literal(t)
        ),
    )
    .await
}

/// The structure SQLite reports: `table`, `table.column`, `table.column not
/// null`, `index name on table`.
pub(super) async fn read_schema(engine: &mut dyn Engine) -> BTreeSet<String> {
    read_structure(engine, false).await
}

/// [`read_schema`], and with `types` each column's affinity (`type t.c:
/// INTEGER`) and whether it has a default (`default t.c`), from the same
/// reading of each table.
pub(super) async fn read_structure(engine: &mut dyn Engine, types: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in user_tables(engine).await {
        out.insert(format!("table {t}"));
        for row in table_info(engine, &t).await {
            if let [name, ty, notnull, default, pk] = row.as_slice() {
                let name = name.to_lowercase();
                out.insert(format!("column {t}.{name}"));
                if notnull == "1" || pk != "0" {
                    out.insert(format!("not null {t}.{name}"));
                }
                if types {
                    out.insert(format!("type {t}.{name}: {}", affinity(ty)));
                    if default != "NULL" {
                        out.insert(format!("default {t}.{name}"));
                    }
                }
            }
        }
    }
    for row in rows_of(
        engine,
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .await
    {
        if let [name, table] = row.as_slice() {
            out.insert(format!(
                "index {} on {}",
                name.to_lowercase(),
                table.to_lowercase()
            ));
        }
    }
    out
}

/// The table an entry of [`read_schema`] / [`read_structure`] is about.
pub(super) fn entry_table(e: &str) -> &str {
    if let Some((_, t)) = e.rsplit_once(" on ") {
        return t;
    }
    let rest = e.split_once(' ').map_or(e, |(_, r)| r);
    let rest = rest.strip_prefix("null ").unwrap_or(rest);
    let rest = rest.split(':').next().unwrap_or(rest);
    rest.split('.').next().unwrap_or(rest)
}

/// SQLite's type affinity of a declared type (the manual's rules, 3.1).
pub fn affinity(decl: &str) -> &'static str {
    let t = decl.to_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The model's tables the schema checks compare: those of the main schema
/// whose columns are known (not a `CREATE TABLE … AS` result).
pub(super) fn compared_tables(c: &Catalog) -> impl Iterator<Item = &crate::catalog::Table> {
    c.tables
        .values()
        .map(|t| &**t)
        .filter(|t| !t.name.contains('.') && t.columns_known)
}

/// What [`read_structure`] should find for the model's columns.
pub(super) fn model_types(c: &Catalog, d: Dialect) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in compared_tables(c) {
        let n = t.name.to_lowercase();
        for col in t.columns.iter().filter(|c| c.generated.is_none()) {
            let name = col.name.to_lowercase();
            let decl = if d == Dialect::Sqlite {
                col.data_type.clone()
            } else {
                crate::translate::sqlite_type(&col.data_type, c).0
            };
            out.insert(format!("type {n}.{name}: {}", affinity(&decl)));
            // SQLite reports `DEFAULT NULL` as the text NULL, which the
            // read-back counts as no default (pg_dump writes it with a cast:
            // `DEFAULT NULL::character varying`).
            let has_default = col.default.as_deref().is_some_and(|v| {
                let sqlite_default = if d == Dialect::Sqlite {
                    v.trim().to_string()
                } else {
                    crate::translate::translate_default(v, d)
                };
                !sqlite_default.is_empty() && !sqlite_default.eq_ignore_ascii_case("null")
            });
            if has_default {
                out.insert(format!("default {n}.{name}"));
            }
        }
    }
    out
}

/// The same structure as the model expects it (main schema only).
pub(super) fn shape(c: &Catalog) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in compared_tables(c) {
        let n = t.name.to_lowercase();
        out.insert(format!("table {n}"));
        let pk: Vec<String> = t
            .primary_key()
            .map(|k| k.kind.columns().to_vec())
            .unwrap_or_default();
        for col in &t.columns {
            let name = col.name.to_lowercase();
            out.insert(format!("column {n}.{name}"));
            if !col.nullable || pk.contains(&col.name) {
                out.insert(format!("not null {n}.{name}"));
            }
        }
    }
    for i in c.indexes.values().filter(|i| !i.table.contains('.')) {
        out.insert(format!(
            "index {} on {}",
            crate::names::last(&i.name).to_lowercase(),
            i.table.to_lowercase()
        ));
    }
    out
}
