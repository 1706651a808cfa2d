//! The SQL frameworks run for their schema operations, per dialect, shared
//! by every reader. Every name goes through [`ident`]; values are literals
//! or expressions the migration wrote.

use crate::Dialect;
use crate::ddl::{ident, name as table_name};

/// A column as a framework declares it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    /// The SQL type, already for the dialect.
    pub ty: String,
    pub not_null: bool,
    /// The default as SQL (a literal or an expression).
    pub default: Option<String>,
    pub primary_key: bool,
    pub unique: bool,
    /// MySQL's AUTO_INCREMENT (PostgreSQL and SQLite say it in the type).
    pub auto_increment: bool,
    /// `REFERENCES t (c)` and its actions, as SQL.
    pub references: Option<String>,
}

impl ColumnSpec {
    pub fn new(name: &str, ty: impl Into<String>) -> ColumnSpec {
        ColumnSpec {
            name: name.to_string(),
            ty: ty.into(),
            ..ColumnSpec::default()
        }
    }

    /// As in CREATE TABLE or ADD COLUMN.
    pub fn sql(&self, d: Dialect) -> String {
        let mut out = format!("{} {}", ident(&self.name, d), self.ty);
        if self.not_null || self.primary_key {
            out.push_str(" NOT NULL");
        }
        if self.auto_increment && d == Dialect::Mysql {
            out.push_str(" AUTO_INCREMENT");
        }
        if let Some(default) = &self.default {
            out.push_str(" DEFAULT ");
            out.push_str(default);
        }
        if self.primary_key {
            out.push_str(" PRIMARY KEY");
            if self.auto_increment && d == Dialect::Sqlite {
                out.push_str(" AUTOINCREMENT");
            }
        }
        if self.unique {
            out.push_str(" UNIQUE");
        }
        if let Some(r) = &self.references {
            out.push(' ');
            out.push_str(r);
        }
        out
    }
}

/// `CREATE TABLE` with its columns and table constraints.
pub fn create_table(
    table: &str,
    columns: &[ColumnSpec],
    constraints: &[String],
    if_not_exists: bool,
    d: Dialect,
) -> String {
    let mut parts: Vec<String> = columns.iter().map(|c| format!("  {}", c.sql(d))).collect();
    parts.extend(constraints.iter().map(|c| format!("  {c}")));
    format!(
        "CREATE TABLE {}{} (\n{}\n)",
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        table_name(table, d),
        parts.join(",\n")
    )
}

pub fn drop_table(table: &str, if_exists: bool, cascade: bool, d: Dialect) -> String {
    format!(
        "DROP TABLE {}{}{}",
        if if_exists { "IF EXISTS " } else { "" },
        table_name(table, d),
        if cascade && d != Dialect::Sqlite {
            " CASCADE"
        } else {
            ""
        }
    )
}

pub fn rename_table(from: &str, to: &str, d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!(
            "RENAME TABLE {} TO {}",
            table_name(from, d),
            table_name(to, d)
        ),
        // The new name stays in the table's schema.
        _ => format!(
            "ALTER TABLE {} RENAME TO {}",
            table_name(from, d),
            ident(crate::names::last(to), d)
        ),
    }
}

pub fn add_column(table: &str, column: &ColumnSpec, if_not_exists: bool, d: Dialect) -> String {
    let guard = if if_not_exists && d == Dialect::Postgres {
        "IF NOT EXISTS "
    } else {
        ""
    };
    format!(
        "ALTER TABLE {} ADD COLUMN {guard}{}",
        table_name(table, d),
        column.sql(d)
    )
}

pub fn drop_column(table: &str, column: &str, if_exists: bool, d: Dialect) -> String {
    let guard = if if_exists && d == Dialect::Postgres {
        "IF EXISTS "
    } else {
        ""
    };
    format!(
        "ALTER TABLE {} DROP COLUMN {guard}{}",
        table_name(table, d),
        ident(column, d)
    )
}

pub fn rename_column(table: &str, from: &str, to: &str, d: Dialect) -> String {
    format!(
        "ALTER TABLE {} RENAME COLUMN {} TO {}",
        table_name(table, d),
        ident(from, d),
        ident(to, d)
    )
}

/// A type change; MySQL restates the whole column (`MODIFY`).
pub fn change_type(table: &str, column: &ColumnSpec, using: Option<&str>, d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!(
            "ALTER TABLE {} MODIFY {}",
            table_name(table, d),
            column.sql(d)
        ),
        _ => {
            let name = ident(&column.name, d);
            let mut actions = vec![format!("ALTER COLUMN {name} TYPE {}", column.ty)];
            if let Some(u) = using {
                actions[0].push_str(&format!(" USING {u}"));
            }
            if let Some(default) = &column.default {
                actions.push(format!("ALTER COLUMN {name} SET DEFAULT {default}"));
            }
            if column.not_null {
                actions.push(format!("ALTER COLUMN {name} SET NOT NULL"));
            }
            format!(
                "ALTER TABLE {} {}",
                table_name(table, d),
                actions.join(", ")
            )
        }
    }
}

pub fn set_not_null(table: &str, column: &str, not_null: bool, d: Dialect) -> String {
    format!(
        "ALTER TABLE {} ALTER COLUMN {} {} NOT NULL",
        table_name(table, d),
        ident(column, d),
        if not_null { "SET" } else { "DROP" }
    )
}

/// `SET DEFAULT x`, or `DROP DEFAULT` for `None`.
pub fn set_default(table: &str, column: &str, default: Option<&str>, d: Dialect) -> String {
    let action = match default {
        Some(v) => format!("SET DEFAULT {v}"),
        None => "DROP DEFAULT".to_string(),
    };
    format!(
        "ALTER TABLE {} ALTER COLUMN {} {action}",
        table_name(table, d),
        ident(column, d)
    )
}

/// An index as a framework declares it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexSpec {
    pub table: String,
    pub name: String,
    /// Column names, or expressions (already SQL) when `expression`.
    pub columns: Vec<String>,
    pub expression: bool,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    pub using: Option<String>,
    pub where_sql: Option<String>,
}

impl IndexSpec {
    pub fn create(&self, d: Dialect) -> String {
        let keys = if self.expression {
            self.columns.join(", ")
        } else {
            self.columns
                .iter()
                .map(|c| ident(c, d))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let pg = d == Dialect::Postgres;
        let mut out = format!(
            "CREATE {}INDEX {}{}{} ON {}",
            if self.unique { "UNIQUE " } else { "" },
            if self.concurrently && pg {
                "CONCURRENTLY "
            } else {
                ""
            },
            if self.if_not_exists && d != Dialect::Mysql {
                "IF NOT EXISTS "
            } else {
                ""
            },
            ident(&self.name, d),
            table_name(&self.table, d),
        );
        match (&self.using, d) {
            (Some(using), Dialect::Postgres) => {
                out.push_str(&format!(" USING {} ({keys})", ident(using, d)));
            }
            _ => out.push_str(&format!(" ({keys})")),
        }
        if let Some(w) = &self.where_sql
            && d != Dialect::Mysql
        {
            out.push_str(&format!(" WHERE {w}"));
        }
        out
    }
}

pub fn drop_index(
    table: &str,
    name: &str,
    concurrently: bool,
    if_exists: bool,
    d: Dialect,
) -> String {
    match d {
        Dialect::Mysql => format!(
            "DROP INDEX {} ON {}",
            ident(crate::names::last(name), d),
            table_name(table, d)
        ),
        _ => format!(
            "DROP INDEX {}{}{}",
            if concurrently && d == Dialect::Postgres {
                "CONCURRENTLY "
            } else {
                ""
            },
            if if_exists { "IF EXISTS " } else { "" },
            table_name(name, d)
        ),
    }
}

pub fn rename_index(table: &str, from: &str, to: &str, d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!(
            "ALTER TABLE {} RENAME INDEX {} TO {}",
            table_name(table, d),
            ident(from, d),
            ident(to, d)
        ),
        _ => format!(
            "ALTER INDEX {} RENAME TO {}",
            table_name(from, d),
            ident(crate::names::last(to), d)
        ),
    }
}

/// A foreign key as a framework declares it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForeignKey {
    pub table: String,
    pub name: String,
    pub columns: Vec<String>,
    pub to_table: String,
    pub to_columns: Vec<String>,
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
    /// PostgreSQL's NOT VALID.
    pub not_valid: bool,
}

impl ForeignKey {
    /// `CONSTRAINT n FOREIGN KEY (...) REFERENCES t (...) ...`.
    pub fn constraint(&self, d: Dialect) -> String {
        let cols = |cs: &[String]| {
            cs.iter()
                .map(|c| ident(c, d))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            ident(&self.name, d),
            cols(&self.columns),
            table_name(&self.to_table, d),
            cols(&self.to_columns)
        );
        if let Some(a) = &self.on_delete {
            out.push_str(&format!(" ON DELETE {a}"));
        }
        if let Some(a) = &self.on_update {
            out.push_str(&format!(" ON UPDATE {a}"));
        }
        out
    }

    pub fn add(&self, d: Dialect) -> String {
        format!(
            "ALTER TABLE {} ADD {}{}",
            table_name(&self.table, d),
            self.constraint(d),
            if self.not_valid && d == Dialect::Postgres {
                " NOT VALID"
            } else {
                ""
            }
        )
    }
}

/// What kind of constraint is dropped (MySQL names the kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    ForeignKey,
    Unique,
    Check,
    PrimaryKey,
    Other,
}

pub fn drop_constraint(
    table: &str,
    name: &str,
    kind: ConstraintKind,
    if_exists: bool,
    d: Dialect,
) -> String {
    let table_sql = table_name(table, d);
    match (d, kind) {
        (Dialect::Mysql, ConstraintKind::ForeignKey) => {
            format!(
                "ALTER TABLE {table_sql} DROP FOREIGN KEY {}",
                ident(name, d)
            )
        }
        (Dialect::Mysql, ConstraintKind::Unique) => {
            format!("ALTER TABLE {table_sql} DROP INDEX {}", ident(name, d))
        }
        (Dialect::Mysql, ConstraintKind::PrimaryKey) => {
            format!("ALTER TABLE {table_sql} DROP PRIMARY KEY")
        }
        _ => format!(
            "ALTER TABLE {table_sql} DROP CONSTRAINT {}{}",
            if if_exists && d == Dialect::Postgres {
                "IF EXISTS "
            } else {
                ""
            },
            ident(name, d)
        ),
    }
}

pub fn validate_constraint(table: &str, name: &str, d: Dialect) -> String {
    format!(
        "ALTER TABLE {} VALIDATE CONSTRAINT {}",
        table_name(table, d),
        ident(name, d)
    )
}

pub fn add_check(table: &str, name: &str, expr: &str, not_valid: bool, d: Dialect) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({expr}){}",
        table_name(table, d),
        ident(name, d),
        if not_valid && d == Dialect::Postgres {
            " NOT VALID"
        } else {
            ""
        }
    )
}

pub fn add_unique(table: &str, name: &str, columns: &[String], d: Dialect) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
        table_name(table, d),
        ident(name, d),
        columns
            .iter()
            .map(|c| ident(c, d))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub fn add_primary_key(table: &str, name: &str, columns: &[String], d: Dialect) -> String {
    let cols = columns
        .iter()
        .map(|c| ident(c, d))
        .collect::<Vec<_>>()
        .join(", ");
    match d {
        Dialect::Mysql => format!(
            "ALTER TABLE {} ADD PRIMARY KEY ({cols})",
            table_name(table, d)
        ),
        _ => format!(
            "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({cols})",
            table_name(table, d),
            ident(name, d)
        ),
    }
}

/// A short stable hash of `text` in hex (for names frameworks derive by
/// hashing, as Rails' `fk_rails_…`).
pub fn short_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builder_parses_in_every_dialect() {
        for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
            let mut col = ColumnSpec::new("select", "integer");
            col.not_null = true;
            col.default = Some("0".into());
            let fk = ForeignKey {
                table: "a".into(),
                name: "fk_a_b".into(),
                columns: vec!["b_id".into()],
                to_table: "B".into(),
                to_columns: vec!["id".into()],
                on_delete: Some("CASCADE".into()),
                on_update: None,
                not_valid: true,
            };
            let index = IndexSpec {
                table: "a".into(),
                name: "a_x".into(),
                columns: vec!["x".into(), "y".into()],
                unique: true,
                concurrently: true,
                where_sql: Some("x > 0".into()),
                ..IndexSpec::default()
            };
            let all = [
                create_table("a", &[col.clone()], &[fk.constraint(d)], true, d),
                drop_table("a", true, true, d),
                rename_table("a", "b", d),
                add_column("a", &col, false, d),
                drop_column("a", "x", true, d),
                rename_column("a", "x", "y", d),
                change_type("a", &col, None, d),
                set_not_null("a", "x", true, d),
                set_default("a", "x", Some("1"), d),
                set_default("a", "x", None, d),
                index.create(d),
                drop_index("a", "a_x", true, true, d),
                fk.add(d),
                drop_constraint("a", "fk", ConstraintKind::ForeignKey, true, d),
                add_check("a", "c", "x > 0", true, d),
                add_unique("a", "u", &["x".into()], d),
                add_primary_key("a", "a_pkey", &["x".into()], d),
            ];
            for sql in all {
                let parsed = crate::parse_source(&sql, d);
                assert!(
                    parsed.statements.iter().all(|s| s.parsed()),
                    "{d:?}: {sql}: {:?}",
                    parsed.statements[0].error
                );
            }
        }
    }
}
