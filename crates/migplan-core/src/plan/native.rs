//! What a plan step does, as a framework's own migration operation says
//! it (Rails `add_index ... algorithm: :concurrently`, Alembic
//! `op.create_index(..., postgresql_concurrently=True)`, ...). Set by the
//! pattern that makes the step, beside its SQL, so the writers never read
//! the SQL back. A step without one is written as the framework's raw-SQL
//! call.

use sqlparser::ast::{CreateIndex, ForeignKeyConstraint, ReferentialAction};

use crate::{Dialect, names};

/// One operation in the vocabulary migration frameworks share. Names are
/// as the catalogue holds them (unquoted); expressions are SQL the
/// framework takes as text (an index's `WHERE`, a check, a default).
#[derive(Debug, Clone, PartialEq)]
pub enum Native {
    AddIndex {
        table: String,
        name: String,
        columns: Vec<String>,
        unique: bool,
        concurrently: bool,
        predicate: Option<String>,
        /// `IF NOT EXISTS`.
        guard: bool,
    },
    RemoveIndex {
        table: String,
        name: String,
        concurrently: bool,
        /// `IF EXISTS`.
        guard: bool,
    },
    /// A one-column foreign key.
    AddForeignKey {
        table: String,
        name: String,
        column: String,
        to_table: String,
        to_column: String,
        on_delete: Option<OnDelete>,
        validate: bool,
    },
    AddCheck {
        table: String,
        name: String,
        expression: String,
        validate: bool,
    },
    Validate {
        table: String,
        name: String,
        kind: ConstraintKind,
    },
    RemoveConstraint {
        table: String,
        name: String,
        kind: ConstraintKind,
        guard: bool,
    },
    ChangeNull {
        table: String,
        column: String,
        null: bool,
    },
    /// A nullable column without a default.
    AddColumn {
        table: String,
        column: String,
        sql_type: String,
        guard: bool,
    },
    /// `None` drops the default.
    SetDefault {
        table: String,
        column: String,
        default: Option<String>,
    },
    RemoveColumn {
        table: String,
        column: String,
        guard: bool,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    ForeignKey,
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    SetNull,
    Restrict,
}

impl Native {
    /// The table the operation works on.
    pub fn table(&self) -> &str {
        match self {
            Native::AddIndex { table, .. }
            | Native::RemoveIndex { table, .. }
            | Native::AddForeignKey { table, .. }
            | Native::AddCheck { table, .. }
            | Native::Validate { table, .. }
            | Native::RemoveConstraint { table, .. }
            | Native::ChangeNull { table, .. }
            | Native::AddColumn { table, .. }
            | Native::SetDefault { table, .. }
            | Native::RemoveColumn { table, .. }
            | Native::RenameColumn { table, .. } => table,
        }
    }
}

/// A nullable column without default added (`guard`: `IF NOT EXISTS`).
pub(super) fn add_column(table: &str, column: &str, sql_type: &str, guard: bool) -> Native {
    Native::AddColumn {
        table: table.to_string(),
        column: column.to_string(),
        sql_type: sql_type.to_string(),
        guard,
    }
}

/// A column's default set (`None`: dropped).
pub(super) fn set_default(table: &str, column: &str, default: Option<String>) -> Native {
    Native::SetDefault {
        table: table.to_string(),
        column: column.to_string(),
        default,
    }
}

/// A column dropped (`guard`: `IF EXISTS`).
pub(super) fn remove_column(table: &str, column: &str, guard: bool) -> Native {
    Native::RemoveColumn {
        table: table.to_string(),
        column: column.to_string(),
        guard,
    }
}

/// A `CREATE INDEX` as an index operation: plain columns only (no
/// expression, operator class, ordering, `USING`, `INCLUDE` or storage
/// option, which frameworks spell each their own way or not at all).
pub(super) fn index(ci: &CreateIndex, table: &str, name: &str, d: Dialect) -> Option<Native> {
    if ci.using.is_some()
        || !ci.include.is_empty()
        || !ci.with.is_empty()
        || ci.nulls_distinct.is_some()
        || !ci.index_options.is_empty()
    {
        return None;
    }
    let columns = ci
        .columns
        .iter()
        .map(|c| {
            let plain = c.operator_class.is_none()
                && c.column.options.sort.is_none()
                && c.column.options.nulls_first.is_none();
            plain.then(|| names::column_of(&c.column.expr, d)).flatten()
        })
        .collect::<Option<Vec<String>>>()?;
    Some(Native::AddIndex {
        table: table.to_string(),
        name: name.to_string(),
        columns,
        unique: ci.unique,
        concurrently: ci.concurrently,
        predicate: ci.predicate.as_ref().map(ToString::to_string),
        guard: ci.if_not_exists,
    })
}

/// A foreign key as an operation: one column, an `ON DELETE` frameworks
/// name, nothing else (`ON UPDATE`, `MATCH`, deferrable stay SQL).
pub(super) fn foreign_key(
    fk: &ForeignKeyConstraint,
    table: &str,
    name: &str,
    validate: bool,
    d: Dialect,
) -> Option<Native> {
    let ([column], [to_column]) = (fk.columns.as_slice(), fk.referred_columns.as_slice()) else {
        return None;
    };
    if fk.on_update.is_some() || fk.match_kind.is_some() || fk.characteristics.is_some() {
        return None;
    }
    let on_delete = match fk.on_delete {
        None | Some(ReferentialAction::NoAction) => None,
        Some(ReferentialAction::Cascade) => Some(OnDelete::Cascade),
        Some(ReferentialAction::SetNull) => Some(OnDelete::SetNull),
        Some(ReferentialAction::Restrict) => Some(OnDelete::Restrict),
        Some(_) => return None,
    };
    Some(Native::AddForeignKey {
        table: table.to_string(),
        name: name.to_string(),
        column: names::ident(column, d),
        to_table: names::object(&fk.foreign_table, d),
        to_column: names::ident(to_column, d),
        on_delete,
        validate,
    })
}
