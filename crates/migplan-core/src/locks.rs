//! What a statement does to a running database: the strongest table lock it
//! takes (PostgreSQL), the algorithm it gets (MySQL InnoDB online DDL), and
//! whether it scans or rewrites the table.

use serde::Serialize;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableAlgorithm, AlterTableLock, AlterTableOperation, ColumnOption,
    DetachPartitionMode, Expr, GeneratedExpressionMode, ObjectType, Statement, TableConstraint,
};

use crate::Dialect;
use crate::catalog::Catalog;
use crate::names;
use crate::parse::{ParsedStatement, StatementKind};

/// PostgreSQL's table lock modes, weakest first, in the manual's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PgLock {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl PgLock {
    /// Every mode, weakest first.
    pub const ALL: [PgLock; 8] = [
        PgLock::AccessShare,
        PgLock::RowShare,
        PgLock::RowExclusive,
        PgLock::ShareUpdateExclusive,
        PgLock::Share,
        PgLock::ShareRowExclusive,
        PgLock::Exclusive,
        PgLock::AccessExclusive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PgLock::AccessShare => "ACCESS SHARE",
            PgLock::RowShare => "ROW SHARE",
            PgLock::RowExclusive => "ROW EXCLUSIVE",
            PgLock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            PgLock::Share => "SHARE",
            PgLock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            PgLock::Exclusive => "EXCLUSIVE",
            PgLock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The mode as `pg_locks` names it (`AccessExclusiveLock`).
    pub fn from_pg_locks(mode: &str) -> Option<PgLock> {
        Some(match mode {
            "AccessShareLock" => PgLock::AccessShare,
            "RowShareLock" => PgLock::RowShare,
            "RowExclusiveLock" => PgLock::RowExclusive,
            "ShareUpdateExclusiveLock" => PgLock::ShareUpdateExclusive,
            "ShareLock" => PgLock::Share,
            "ShareRowExclusiveLock" => PgLock::ShareRowExclusive,
            "ExclusiveLock" => PgLock::Exclusive,
            "AccessExclusiveLock" => PgLock::AccessExclusive,
            _ => return None,
        })
    }

    /// What the lock blocks, in a few words.
    pub fn blocks(self) -> &'static str {
        match self {
            PgLock::AccessShare | PgLock::RowShare => "blocks only ACCESS EXCLUSIVE",
            PgLock::RowExclusive => "blocks schema changes",
            PgLock::ShareUpdateExclusive => "allows reads and writes",
            PgLock::Share | PgLock::ShareRowExclusive | PgLock::Exclusive => {
                "blocks writes, allows reads"
            }
            PgLock::AccessExclusive => "blocks reads and writes",
        }
    }
}

impl std::fmt::Display for PgLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised in the manual's words, as the JSON reports always had it.
impl Serialize for PgLock {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PgLock {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        PgLock::ALL
            .iter()
            .copied()
            .find(|l| l.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown lock mode {name}")))
    }
}

/// The lock a plan step takes: a PostgreSQL table lock mode, or the
/// online DDL algorithm MySQL uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    Postgres(PgLock),
    Mysql(MysqlAlgorithm),
}

impl Lock {
    pub fn as_str(self) -> &'static str {
        match self {
            Lock::Postgres(l) => l.as_str(),
            Lock::Mysql(a) => a.name(),
        }
    }
}

impl std::fmt::Display for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Lock {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What happens to the rows of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Metadata only.
    None,
    /// Every row is read (validation, index build) but not rewritten.
    Scan,
    /// The table (and its indexes) is rewritten.
    Rewrite,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::None => "none",
            Effect::Scan => "scan",
            Effect::Rewrite => "rewrite",
        }
    }
}

/// The strongest lock of a PostgreSQL statement and what it does to rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PgStatementLock {
    pub lock: PgLock,
    pub table: Option<String>,
    pub effect: Effect,
}

/// Functions whose value changes per row: a default using one rewrites the
/// table when the column is added.
pub const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
];

/// Whether `e` calls a volatile function.
pub fn is_volatile(e: &Expr) -> bool {
    let text = e.to_string().to_lowercase();
    VOLATILE_FUNCTIONS.iter().any(|f| {
        text.match_indices(f).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + f.len()..].trim_start().chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && after == Some('(')
        })
    })
}

/// Whether an added column makes PostgreSQL rewrite the table, and why.
pub fn add_column_rewrite(
    options: &[sqlparser::ast::ColumnOptionDef],
    data_type: &str,
    pg_version: u32,
) -> Option<&'static str> {
    if matches!(data_type, "serial" | "bigserial" | "smallserial") {
        return Some("a serial column fills every row from a sequence");
    }
    for o in options {
        match &o.option {
            ColumnOption::Default(e) if is_volatile(e) => {
                return Some("a volatile default is computed for every existing row");
            }
            ColumnOption::Default(_) if pg_version < 11 => {
                return Some("before PostgreSQL 11 any default rewrites the table");
            }
            ColumnOption::Identity(_) => {
                return Some("an identity column fills every row from a sequence");
            }
            ColumnOption::Generated {
                generation_expr: Some(_),
                generation_expr_mode,
                ..
            } if *generation_expr_mode != Some(GeneratedExpressionMode::Virtual) => {
                return Some("a stored generated column is computed for every row");
            }
            ColumnOption::Generated {
                generation_expr: None,
                ..
            } => return Some("an identity column fills every row from a sequence"),
            _ => {}
        }
    }
    None
}

/// Whether changing a column from `from` to `to` is binary-coercible in
/// PostgreSQL (no rewrite, no index rebuild).
pub fn binary_coercible(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let (fb, fa) = names::type_parts(from);
    let (tb, ta) = names::type_parts(to);
    match (fb, tb) {
        ("varchar", "varchar") | ("char", "char") => match (fa.first(), ta.first()) {
            (Some(a), Some(b)) => b >= a,
            (_, None) => true,
            (None, Some(_)) => false,
        },
        ("varchar", "text") | ("text", "varchar") => ta.is_empty(),
        ("char", "text") | ("char", "varchar") => false,
        ("numeric", "numeric") => match (fa.as_slice(), ta.as_slice()) {
            (_, []) => true,
            ([p, s], [q, t]) => q >= p && s == t,
            ([p], [q]) => q >= p,
            _ => false,
        },
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("interval", "interval") => match (fa.first(), ta.first()) {
            (_, None) => true,
            (Some(a), Some(b)) => b >= a,
            (None, Some(_)) => false,
        },
        ("cidr", "inet") => true,
        ("varbit" | "bit varying", "varbit" | "bit varying") => match (fa.first(), ta.first()) {
            (Some(a), Some(b)) => b >= a,
            (_, None) => true,
            (None, Some(_)) => false,
        },
        _ => false,
    }
}

/// The PostgreSQL lock of `stmt` (parsed) or of its text (unparsed kinds such
/// as REINDEX and CLUSTER that sqlparser does not read).
pub fn pg_lock(
    statement: &ParsedStatement,
    catalog: &Catalog,
    pg_version: u32,
) -> Option<PgStatementLock> {
    let d = Dialect::Postgres;
    let concurrently = statement.flags.concurrently;
    let mk = |lock, table: Option<String>, effect| {
        Some(PgStatementLock {
            lock,
            table,
            effect,
        })
    };
    let Some(stmt) = statement.ast.as_ref() else {
        return unparsed_lock(statement);
    };
    match stmt {
        Statement::CreateIndex(ci) => {
            let table = Some(names::object(&ci.table_name, d));
            let lock = if ci.concurrently {
                PgLock::ShareUpdateExclusive
            } else {
                PgLock::Share
            };
            mk(lock, table, Effect::Scan)
        }
        Statement::Drop {
            object_type,
            names: objects,
            ..
        } => {
            let first = objects.first().map(|n| names::object(n, d));
            match object_type {
                ObjectType::Index => {
                    let table = first
                        .as_ref()
                        .and_then(|i| catalog.indexes.get(i))
                        .map(|i| i.table.clone());
                    let lock = if concurrently {
                        PgLock::ShareUpdateExclusive
                    } else {
                        PgLock::AccessExclusive
                    };
                    mk(lock, table, Effect::None)
                }
                ObjectType::Table
                | ObjectType::View
                | ObjectType::MaterializedView
                | ObjectType::Schema
                | ObjectType::Sequence
                | ObjectType::Type => mk(PgLock::AccessExclusive, first, Effect::None),
                _ => None,
            }
        }
        Statement::Truncate(t) => mk(
            PgLock::AccessExclusive,
            t.table_names.first().map(|n| names::object(&n.name, d)),
            Effect::None,
        ),
        Statement::AlterTable(at) => {
            let table = names::object(&at.name, d);
            let mut strongest: Option<(PgLock, Effect)> = None;
            for op in &at.operations {
                let (lock, effect) = alter_op_lock(op, &table, catalog, pg_version);
                strongest = Some(match strongest {
                    None => (lock, effect),
                    Some((l, e)) => (l.max(lock), e.max(effect)),
                });
            }
            let (lock, effect) = strongest.unwrap_or((PgLock::AccessExclusive, Effect::None));
            mk(lock, Some(table), effect)
        }
        Statement::CreateTable(ct) => {
            // A foreign key takes SHARE ROW EXCLUSIVE on the referenced table.
            let mut referenced = ct.constraints.iter().filter_map(|c| match c {
                TableConstraint::ForeignKey(fk) => Some(names::object(&fk.foreign_table, d)),
                _ => None,
            });
            let from_columns =
                ct.columns
                    .iter()
                    .flat_map(|c| &c.options)
                    .find_map(|o| match &o.option {
                        ColumnOption::ForeignKey(fk) => Some(names::object(&fk.foreign_table, d)),
                        _ => None,
                    });
            referenced
                .next()
                .or(from_columns)
                .and_then(|t| mk(PgLock::ShareRowExclusive, Some(t), Effect::None))
        }
        Statement::RenameTable(_) => mk(PgLock::AccessExclusive, None, Effect::None),
        Statement::Update(u) => mk(
            PgLock::RowExclusive,
            match &u.table.relation {
                sqlparser::ast::TableFactor::Table { name, .. } => Some(names::object(name, d)),
                _ => None,
            },
            Effect::None,
        ),
        Statement::Delete(_) | Statement::Insert(_) | Statement::Merge(_) => {
            mk(PgLock::RowExclusive, None, Effect::None)
        }
        Statement::Comment { .. } => mk(PgLock::ShareUpdateExclusive, None, Effect::None),
        Statement::RefreshMaterializedView(r) => mk(
            if r.concurrently {
                PgLock::Exclusive
            } else {
                PgLock::AccessExclusive
            },
            Some(names::object(&r.name, d)),
            Effect::Rewrite,
        ),
        Statement::Vacuum(v) if v.full => mk(
            PgLock::AccessExclusive,
            v.table_name.as_ref().map(|n| names::object(n, d)),
            Effect::Rewrite,
        ),

        _ => None,
    }
}

/// The lock of a command sqlparser does not read, by its kind and
/// keywords.
fn unparsed_lock(statement: &ParsedStatement) -> Option<PgStatementLock> {
    let concurrently = statement.flags.concurrently;
    let mk = |lock, effect| {
        Some(PgStatementLock {
            lock,
            table: None,
            effect,
        })
    };
    match statement.kind {
        StatementKind::Reindex if concurrently => mk(PgLock::ShareUpdateExclusive, Effect::Rewrite),
        StatementKind::Reindex => mk(PgLock::Share, Effect::Rewrite),
        StatementKind::Cluster => mk(PgLock::AccessExclusive, Effect::Rewrite),
        StatementKind::Vacuum if statement.flags.full => {
            mk(PgLock::AccessExclusive, Effect::Rewrite)
        }
        StatementKind::Vacuum => mk(PgLock::ShareUpdateExclusive, Effect::Scan),
        StatementKind::DropIndex if concurrently => mk(PgLock::ShareUpdateExclusive, Effect::None),
        StatementKind::DropIndex => mk(PgLock::AccessExclusive, Effect::None),
        _ => None,
    }
}

fn alter_op_lock(
    op: &AlterTableOperation,
    table: &str,
    catalog: &Catalog,
    pg_version: u32,
) -> (PgLock, Effect) {
    use AlterTableOperation as Op;
    let d = Dialect::Postgres;
    match op {
        Op::AddColumn { column_def, .. } => {
            let ty = names::data_type(&column_def.data_type, d);
            let effect = if add_column_rewrite(&column_def.options, &ty, pg_version).is_some() {
                Effect::Rewrite
            } else {
                Effect::None
            };
            (PgLock::AccessExclusive, effect)
        }
        Op::AddConstraint {
            constraint,
            not_valid,
        } => match constraint {
            TableConstraint::ForeignKey(_) => (
                PgLock::ShareRowExclusive,
                if *not_valid {
                    Effect::None
                } else {
                    Effect::Scan
                },
            ),
            TableConstraint::Check(_) => (
                PgLock::AccessExclusive,
                if *not_valid {
                    Effect::None
                } else {
                    Effect::Scan
                },
            ),
            TableConstraint::PrimaryKeyUsingIndex(_) | TableConstraint::UniqueUsingIndex(_) => {
                (PgLock::AccessExclusive, Effect::None)
            }
            _ => (PgLock::AccessExclusive, Effect::Scan),
        },
        Op::ValidateConstraint { .. } => (PgLock::ShareUpdateExclusive, Effect::Scan),
        Op::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetDataType {
                data_type, using, ..
            } => {
                let to = names::data_type(data_type, d);
                let from = catalog
                    .table(table)
                    .and_then(|t| t.column(&names::ident(column_name, d)))
                    .map(|c| c.data_type.clone());
                let coercible = using.is_none() && from.is_some_and(|f| binary_coercible(&f, &to));
                (
                    PgLock::AccessExclusive,
                    if coercible {
                        Effect::None
                    } else {
                        Effect::Rewrite
                    },
                )
            }
            AlterColumnOperation::SetNotNull => {
                let proven = pg_version >= 12
                    && catalog
                        .table(table)
                        .is_some_and(|t| t.has_not_null_check(&names::ident(column_name, d)));
                (
                    PgLock::AccessExclusive,
                    if proven { Effect::None } else { Effect::Scan },
                )
            }
            _ => (PgLock::AccessExclusive, Effect::None),
        },
        Op::AttachPartitionOf { .. } | Op::AttachPartition { .. } => (
            if pg_version >= 12 {
                PgLock::ShareUpdateExclusive
            } else {
                PgLock::AccessExclusive
            },
            Effect::Scan,
        ),
        Op::DetachPartitionOf {
            mode: Some(DetachPartitionMode::Concurrently),
            ..
        } => (PgLock::ShareUpdateExclusive, Effect::None),
        Op::SetOptionsParens { .. } | Op::ResetOptions { .. } => {
            (PgLock::ShareUpdateExclusive, Effect::None)
        }
        Op::EnableTrigger { .. }
        | Op::DisableTrigger { .. }
        | Op::EnableAlwaysTrigger { .. }
        | Op::EnableReplicaTrigger { .. } => (PgLock::ShareRowExclusive, Effect::None),
        _ => (PgLock::AccessExclusive, Effect::None),
    }
}

/// How InnoDB runs an ALTER: metadata only, in place with concurrent DML, or
/// a blocking table copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MysqlAlgorithm {
    Instant,
    Inplace,
    Copy,
}

impl std::fmt::Display for MysqlAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Serialised as the report describes it (`INPLACE, LOCK=NONE`).
impl Serialize for MysqlAlgorithm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.describe())
    }
}

impl MysqlAlgorithm {
    /// The algorithm's name, as `ALGORITHM=` takes it.
    pub fn name(self) -> &'static str {
        match self {
            MysqlAlgorithm::Instant => "INSTANT",
            MysqlAlgorithm::Inplace => "INPLACE",
            MysqlAlgorithm::Copy => "COPY",
        }
    }

    /// The algorithm with the lock it allows, as the report says it.
    pub fn describe(self) -> &'static str {
        match self {
            MysqlAlgorithm::Instant => "INSTANT",
            MysqlAlgorithm::Inplace => "INPLACE, LOCK=NONE",
            MysqlAlgorithm::Copy => "COPY, LOCK=SHARED (writes blocked)",
        }
    }
}

/// The algorithm MySQL 8 picks for one ALTER TABLE operation, with the
/// reason when it is not INSTANT.
pub fn mysql_op_algorithm(
    op: &AlterTableOperation,
    table: &str,
    catalog: &Catalog,
) -> (MysqlAlgorithm, Effect, Option<String>) {
    use AlterTableOperation as Op;
    use MysqlAlgorithm::*;
    let d = Dialect::Mysql;
    let column = |name: &sqlparser::ast::Ident| {
        catalog
            .table(table)
            .and_then(|t| t.column(&names::ident(name, d)))
            .cloned()
    };
    match op {
        Op::AddColumn { .. } | Op::DropColumn { .. } | Op::RenameColumn { .. } => {
            (Instant, Effect::None, None)
        }
        Op::AlterColumn { op, .. } => match op {
            AlterColumnOperation::SetDefault { .. } | AlterColumnOperation::DropDefault => {
                (Instant, Effect::None, None)
            }
            _ => (Copy, Effect::Rewrite, Some("column change".into())),
        },
        Op::ModifyColumn {
            col_name,
            data_type,
            options,
            ..
        }
        | Op::ChangeColumn {
            old_name: col_name,
            data_type,
            options,
            ..
        } => {
            let to = names::data_type(data_type, d);
            let Some(before) = column(col_name) else {
                return (
                    Copy,
                    Effect::Rewrite,
                    Some("column type not known; MySQL may copy the table".into()),
                );
            };
            let not_null = options.iter().any(|o| matches!(o, ColumnOption::NotNull));
            if before.data_type == to {
                if not_null && before.nullable {
                    return (
                        Inplace,
                        Effect::Rewrite,
                        Some("making a column NOT NULL rebuilds the table".into()),
                    );
                }
                return (Instant, Effect::None, None);
            }
            if let (Some(a), Some(b)) = (enum_values(&before.data_type), enum_values(&to))
                && b.starts_with(&a)
            {
                return (Instant, Effect::None, None);
            }
            if mysql_varchar_widening(&before.data_type, &to) {
                return (Inplace, Effect::None, None);
            }
            (
                Copy,
                Effect::Rewrite,
                Some(format!("type change {} → {to}", before.data_type)),
            )
        }
        Op::AddConstraint { constraint, .. } => match constraint {
            TableConstraint::ForeignKey(_) => (
                Copy,
                Effect::Rewrite,
                Some("adding a foreign key with foreign_key_checks=1 copies the table".into()),
            ),
            TableConstraint::PrimaryKey(_) => (
                Inplace,
                Effect::Rewrite,
                Some("adding a primary key rebuilds the table".into()),
            ),
            TableConstraint::Check(_) => (
                Copy,
                Effect::Rewrite,
                Some("adding a CHECK constraint copies the table".into()),
            ),
            _ => (Inplace, Effect::Scan, None),
        },
        Op::DropPrimaryKey { .. } => (
            Copy,
            Effect::Rewrite,
            Some("dropping the primary key copies the table".into()),
        ),
        Op::DropConstraint { .. }
        | Op::DropForeignKey { .. }
        | Op::DropIndex { .. }
        | Op::RenameTable { .. }
        | Op::RenameConstraint { .. } => (Instant, Effect::None, None),
        Op::Algorithm { .. } | Op::Lock { .. } | Op::AutoIncrement { .. } => {
            (Instant, Effect::None, None)
        }
        _ => (Copy, Effect::Rewrite, Some("table option change".into())),
    }
}

/// The algorithm and lock the user asked for in the statement, if any.
pub fn mysql_requested(ops: &[AlterTableOperation]) -> (Option<MysqlAlgorithm>, bool) {
    let mut algorithm = None;
    let mut lock_none = false;
    for op in ops {
        match op {
            AlterTableOperation::Algorithm { algorithm: a, .. } => {
                algorithm = match a {
                    AlterTableAlgorithm::Instant => Some(MysqlAlgorithm::Instant),
                    AlterTableAlgorithm::Inplace => Some(MysqlAlgorithm::Inplace),
                    AlterTableAlgorithm::Copy => Some(MysqlAlgorithm::Copy),
                    AlterTableAlgorithm::Default => None,
                }
            }
            AlterTableOperation::Lock { lock, .. } => lock_none = *lock == AlterTableLock::None,
            _ => {}
        }
    }
    (algorithm, lock_none)
}

/// The values of an `enum('a','b')` type.
pub fn enum_values(ty: &str) -> Option<Vec<String>> {
    let inner = ty.strip_prefix("enum(")?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().trim_matches('\'').to_string())
            .collect(),
    )
}

/// VARCHAR widening that stays in one length-prefix class (up to 255 bytes,
/// or above), which InnoDB does in place. Assumes utf8mb4 (4 bytes a char).
pub fn mysql_varchar_widening(from: &str, to: &str) -> bool {
    let len =
        |t: &str| -> Option<u32> { t.strip_prefix("varchar(")?.strip_suffix(')')?.parse().ok() };
    match (len(from), len(to)) {
        (Some(a), Some(b)) => b >= a && ((a * 4 <= 255) == (b * 4 <= 255)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coercible_changes() {
        assert!(binary_coercible("varchar(10)", "varchar(20)"));
        assert!(!binary_coercible("varchar(20)", "varchar(10)"));
        assert!(binary_coercible("varchar(20)", "text"));
        assert!(binary_coercible("numeric(10,2)", "numeric(12,2)"));
        assert!(!binary_coercible("numeric(10,2)", "numeric(12,3)"));
        assert!(!binary_coercible("integer", "bigint"));
        assert!(!binary_coercible("timestamp", "timestamptz"));
        assert!(binary_coercible("cidr", "inet"));
    }

    #[test]
    fn volatile_functions_are_found_by_call() {
        let parse = |s: &str| {
            sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
                .try_with_sql(s)
                .and_then(|mut p| p.parse_expr())
                .expect("expr")
        };
        assert!(is_volatile(&parse("gen_random_uuid()")));
        assert!(is_volatile(&parse("nextval('s'::regclass)")));
        assert!(!is_volatile(&parse("now()")));
        assert!(!is_volatile(&parse("'random'")));
    }

    #[test]
    fn varchar_classes() {
        assert!(mysql_varchar_widening("varchar(10)", "varchar(60)"));
        assert!(!mysql_varchar_widening("varchar(60)", "varchar(100)"));
        assert!(mysql_varchar_widening("varchar(100)", "varchar(200)"));
    }
}
