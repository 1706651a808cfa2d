//! The risk rules. Each rule is one unit in its own file: its metadata and
//! documentation declared once in a [`Rule`] value, and its detection as a
//! function over one statement in context.
//!
//! Rules see the schema as it was just before the statement ([`Ctx::catalog`]),
//! the tables created earlier in the migration, the transaction state and the
//! target version, so their verdicts follow the context.

use std::collections::BTreeSet;

use sqlparser::ast::{AlterTableOperation, Statement};

use crate::catalog::{Catalog, Table};
use crate::locks::{Effect, PgStatementLock};
use crate::names;
pub use crate::parse::{Flags, StatementKind};
use crate::{Dialect, ParsedStatement, Severity};

mod adding_check_constraint;
mod adding_column_with_default_before_pg11;
mod adding_column_with_volatile_default;
mod adding_foreign_key;
mod adding_index_non_concurrently;
mod adding_not_null_column;
mod adding_primary_key;
mod adding_rewriting_column;
mod adding_unique_constraint;
mod attaching_partition;
mod changing_column_type;
mod changing_enum_values;
mod changing_existing_rows;
mod changing_primary_key;
mod concurrent_index_on_pg14;
mod concurrently_in_transaction;
mod creating_existing_object;
mod deleting_without_where;
mod detaching_partition;
mod dropping_column;
mod dropping_constraint;
mod dropping_index;
mod dropping_schema;
mod dropping_table;
mod missing_lock_timeout;
mod mysql_algorithm_refused;
mod mysql_forced_copy;
pub(crate) mod rebuild;
mod reindexing_non_concurrently;
mod renaming_column;
mod renaming_table;
mod rewriting_whole_table;
mod setting_not_null;
mod sqlite_add_column_limits;
mod sqlite_alter_needs_rebuild;
mod sqlite_drop_column_limits;
mod sqlite_table_rebuild;
mod statements_after_access_exclusive;
mod truncating_table;
mod updating_without_where;
mod validating_in_same_transaction;

/// Every rule, in id order.
pub static ALL: &[&Rule] = &[
    &adding_check_constraint::RULE,
    &adding_column_with_default_before_pg11::RULE,
    &adding_column_with_volatile_default::RULE,
    &adding_foreign_key::RULE,
    &adding_index_non_concurrently::RULE,
    &adding_not_null_column::RULE,
    &adding_primary_key::RULE,
    &adding_rewriting_column::RULE,
    &adding_unique_constraint::RULE,
    &attaching_partition::RULE,
    &changing_column_type::RULE,
    &changing_enum_values::RULE,
    &changing_existing_rows::RULE,
    &changing_primary_key::RULE,
    &concurrent_index_on_pg14::RULE,
    &concurrently_in_transaction::RULE,
    &creating_existing_object::RULE,
    &deleting_without_where::RULE,
    &detaching_partition::RULE,
    &dropping_column::RULE,
    &dropping_constraint::RULE,
    &dropping_index::RULE,
    &dropping_schema::RULE,
    &dropping_table::RULE,
    &missing_lock_timeout::RULE,
    &mysql_algorithm_refused::RULE,
    &mysql_forced_copy::RULE,
    &reindexing_non_concurrently::RULE,
    &renaming_column::RULE,
    &renaming_table::RULE,
    &rewriting_whole_table::RULE,
    &setting_not_null::RULE,
    &sqlite_add_column_limits::RULE,
    &sqlite_alter_needs_rebuild::RULE,
    &sqlite_drop_column_limits::RULE,
    &sqlite_table_rebuild::RULE,
    &statements_after_access_exclusive::RULE,
    &truncating_table::RULE,
    &updating_without_where::RULE,
    &validating_in_same_transaction::RULE,
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// The rules the analysis reports once per transaction (it remembers that
/// they fired).
pub static ONCE_PER_TRANSACTION_ACCESS_EXCLUSIVE: &Rule = &statements_after_access_exclusive::RULE;
pub static ONCE_PER_TRANSACTION_LOCK_TIMEOUT: &Rule = &missing_lock_timeout::RULE;

pub const ALL_DIALECTS: &[Dialect] = &[Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];
pub const POSTGRES: &[Dialect] = &[Dialect::Postgres];
pub const MYSQL: &[Dialect] = &[Dialect::Mysql];
pub const SQLITE: &[Dialect] = &[Dialect::Sqlite];
/// The PostgreSQL major versions migplan knows.
pub const PG_VERSIONS: std::ops::RangeInclusive<u32> = 10..=18;
pub const DEFAULT_PG_VERSION: u32 = 16;

/// The rule explained in Markdown: `migplan rules <id>` and `docs/rules/<id>.md`.
pub fn markdown(r: &Rule) -> String {
    format!(
        "# {id}\n\n{summary}\n\n- Severity: `{severity}`\n- Applies to: {versions}\n\n\
         ## Severity\n\n`{severity}`: {severity_why} A team can change it in `.migplan.toml` \
         (`[rules]`, `{id} = \"careful\"` or `\"off\"`).\n\n\
         ## Why it is risky\n\n{why}\n\n## Example\n\n```sql\n{example}\n```\n\n\
         ## Use instead\n\n{instead}\n\n```sql\n{instead_example}\n```\n\n\
         ## In the plan\n\n{in_plan}\n\n\
         ## Rollback\n\n{rollback}\n\n\
         ## Ignoring it\n\nPut `-- migplan:ignore {id} <reason>` on the line before the statement, \
         or `-- migplan:ignore-file {id} <reason>` anywhere in the file. Ignored findings stay in \
         the report with the reason.\n",
        id = r.id,
        summary = r.summary,
        severity = r.severity.as_str(),
        severity_why = r.severity_why,
        versions = r.versions_label(),
        why = r.why,
        example = r.example,
        instead = r.instead,
        instead_example = r.instead_example,
        rollback = r.rollback,
        in_plan = r.in_plan_markdown(),
    )
}

/// The index of `docs/rules/`: every rule with its severity and dialects.
pub fn index_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated by `cargo xtask docs` from the rules' own docs; do not edit.\n\n\
         | rule | severity | applies to | detects |\n|---|---|---|---|\n",
    );
    for r in ALL {
        out.push_str(&format!(
            "| [{id}]({id}.md) | `{}` | {} | {} |\n",
            r.severity.as_str(),
            r.versions_label(),
            r.summary,
            id = r.id
        ));
    }
    out
}

/// One rule: metadata and docs declared once, and the detection.
pub struct Rule {
    /// Stable kebab-case id naming the risky pattern.
    pub id: &'static str,
    pub severity: Severity,
    /// Why the operation belongs in that class (safe: brief lock, no scan
    /// or rewrite, no loss, compatible with running code; careful: blocks
    /// for a time that grows with the table, may fail on existing data, or
    /// needs code coordination; dangerous: destroys data or guarantees).
    pub severity_why: &'static str,
    pub dialects: &'static [Dialect],
    /// PostgreSQL major versions the rule applies to (inclusive).
    pub pg_versions: (u32, u32),
    /// What it detects, in one line.
    pub summary: &'static str,
    /// Why it is risky.
    pub why: &'static str,
    /// A migration that triggers the rule (first dialect of `dialects`).
    pub example: &'static str,
    /// The safe alternative, in a sentence.
    pub instead: &'static str,
    /// The safe alternative as SQL (does not trigger the rule).
    pub instead_example: &'static str,
    /// How to undo the change.
    pub rollback: &'static str,
    /// Dialects where the plan keeps the statement as written rather than
    /// doing what `instead` says, and why (the plan implements the advice
    /// everywhere else; a test holds both ways).
    pub as_written_in_plan: &'static [(Dialect, &'static str)],
    pub check: fn(&Ctx, &mut Vec<Hit>),
}

impl Rule {
    pub fn applies(&self, dialect: Dialect, pg_version: u32) -> bool {
        self.dialects.contains(&dialect)
            && (dialect != Dialect::Postgres
                || (self.pg_versions.0..=self.pg_versions.1).contains(&pg_version))
    }

    /// Why the plan keeps the statement as written on `d`, when it does.
    pub fn as_written_in_plan(&self, d: Dialect) -> Option<&'static str> {
        self.as_written_in_plan
            .iter()
            .find(|(dialect, _)| *dialect == d)
            .map(|(_, why)| *why)
    }

    /// The "In the plan" section of the docs.
    fn in_plan_markdown(&self) -> String {
        let mut out = String::from(if self.as_written_in_plan.is_empty() {
            "`migplan plan` does what *Use instead* says."
        } else {
            "`migplan plan` does what *Use instead* says, except:"
        });
        for (d, why) in self.as_written_in_plan {
            out.push_str(&format!("\n\n- {}: {why}", d.label()));
        }
        out
    }

    /// The versions line of the docs, e.g. "PostgreSQL 10 to 18".
    pub fn versions_label(&self) -> String {
        let dialects: Vec<String> = self
            .dialects
            .iter()
            .map(|d| match d {
                Dialect::Postgres => {
                    let (a, b) = self.pg_versions;
                    if (a, b) == (*PG_VERSIONS.start(), *PG_VERSIONS.end()) {
                        "PostgreSQL (all versions)".to_string()
                    } else if a == b {
                        format!("PostgreSQL {a}")
                    } else {
                        format!("PostgreSQL {a} to {b}")
                    }
                }
                other => other.label().to_string(),
            })
            .collect();
        dialects.join(", ")
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

/// What a rule found in one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub message: String,
    /// Overrides the statement's effect on the table when the rule knows
    /// better (e.g. the one operation that rewrites).
    pub effect: Option<Effect>,
    /// Overrides the rule's general "use instead" sentence.
    pub instead: Option<String>,
}

impl Hit {
    pub fn new(message: impl Into<String>) -> Hit {
        Hit {
            message: message.into(),
            effect: None,
            instead: None,
        }
    }

    pub fn effect(mut self, effect: Effect) -> Hit {
        self.effect = Some(effect);
        self
    }

    pub fn instead(mut self, instead: impl Into<String>) -> Hit {
        self.instead = Some(instead.into());
        self
    }
}

/// Transaction state at a statement.
#[derive(Debug, Clone, Default)]
pub struct TxState {
    /// Inside an explicit BEGIN ... COMMIT.
    pub in_transaction: bool,
    /// The first statement of this transaction that took ACCESS EXCLUSIVE on
    /// an existing table: (table, line).
    pub access_exclusive: Option<(String, usize)>,
    /// Whether `statements-after-access-exclusive` already fired for it.
    pub access_exclusive_reported: bool,
    /// Constraints added NOT VALID in this transaction: (table, name).
    pub not_valid: BTreeSet<(String, String)>,
    /// `SET lock_timeout` has been run in this session.
    pub lock_timeout: bool,
    /// `missing-lock-timeout` already fired in this file.
    pub lock_timeout_reported: bool,
}

/// The part a statement plays in a recognised table rebuild
/// (create new → copy → drop old → rename new to old).
#[derive(Debug, Clone, PartialEq)]
pub struct Rebuild {
    pub table: String,
    pub new_table: String,
    pub step: RebuildStep,
    /// Columns of the old table that the copy does not carry over.
    pub lost_columns: Vec<String>,
    /// `PRAGMA foreign_key_check` runs after the rename.
    pub checks_foreign_keys: bool,
    /// `PRAGMA foreign_keys=OFF` runs before the copy.
    pub foreign_keys_off: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildStep {
    Create,
    Copy,
    Drop,
    Rename,
}

/// Everything a rule may look at.
pub struct Ctx<'a> {
    pub dialect: Dialect,
    pub pg_version: u32,
    pub statement: &'a ParsedStatement,
    /// The schema just before this statement.
    pub catalog: &'a Catalog,
    /// The schema before the migration.
    pub start: &'a Catalog,
    /// Tables created earlier in the migration.
    pub created: &'a BTreeSet<String>,
    /// Tables whose rows the migration copied into a table it created
    /// (CREATE TABLE ... AS SELECT, INSERT INTO new SELECT ...).
    pub kept: &'a BTreeSet<String>,
    pub tx: &'a TxState,
    /// The PostgreSQL lock of this statement.
    pub pg_lock: Option<&'a PgStatementLock>,
    pub rebuild: Option<&'a Rebuild>,
    /// The statements after this one in the same file.
    pub rest: &'a [ParsedStatement],
}

impl<'a> Ctx<'a> {
    pub fn ast(&self) -> Option<&'a Statement> {
        self.statement.ast.as_ref()
    }

    /// The statement's kind (`alter_table`, `reindex`, ...).
    pub fn kind(&self) -> &StatementKind {
        &self.statement.kind
    }

    /// Keywords the syntax tree does not carry (`CONCURRENTLY`, `FULL`).
    pub fn flags(&self) -> Flags {
        self.statement.flags
    }

    pub fn upper_sql(&self) -> String {
        self.statement.sql.to_uppercase()
    }

    pub fn name(&self, n: &sqlparser::ast::ObjectName) -> String {
        names::object(n, self.dialect)
    }

    pub fn ident(&self, i: &sqlparser::ast::Ident) -> String {
        names::ident(i, self.dialect)
    }

    /// The table a FROM item names.
    pub fn relation(&self, tf: &sqlparser::ast::TableFactor) -> Option<String> {
        match tf {
            sqlparser::ast::TableFactor::Table { name, .. } => Some(self.name(name)),
            _ => None,
        }
    }

    /// Whether `table` was created earlier in this migration (so it holds
    /// no production rows and nobody else uses it yet).
    pub fn is_new(&self, table: &str) -> bool {
        self.created.contains(table)
    }

    pub fn table(&self, name: &str) -> Option<&'a Table> {
        self.catalog.table(name)
    }

    /// `ALTER TABLE` target and operations, when this is one on a table that
    /// existed before the migration.
    pub fn alter_existing(&self) -> Option<(String, &'a [AlterTableOperation])> {
        match self.ast()? {
            Statement::AlterTable(at) => {
                let table = self.name(&at.name);
                (!self.is_new(&table)).then_some((table, at.operations.as_slice()))
            }
            _ => None,
        }
    }

    /// Columns this ALTER TABLE adds to a table that existed before the
    /// migration: (table, column).
    pub fn added_columns(&self) -> Vec<(String, &'a sqlparser::ast::ColumnDef)> {
        let Some((table, ops)) = self.alter_existing() else {
            return Vec::new();
        };
        ops.iter()
            .filter_map(|op| match op {
                AlterTableOperation::AddColumn { column_def, .. } => {
                    Some((table.clone(), column_def))
                }
                _ => None,
            })
            .collect()
    }

    /// Constraints this ALTER TABLE adds to a table that existed before the
    /// migration: (table, constraint, added NOT VALID).
    pub fn added_constraints(&self) -> Vec<(String, &'a sqlparser::ast::TableConstraint, bool)> {
        let Some((table, ops)) = self.alter_existing() else {
            return Vec::new();
        };
        ops.iter()
            .filter_map(|op| match op {
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => Some((table.clone(), constraint, *not_valid)),
                _ => None,
            })
            .collect()
    }

    /// The lock as shown in messages: "ACCESS EXCLUSIVE (blocks reads and
    /// writes)".
    pub fn lock_phrase(&self) -> String {
        self.pg_lock
            .map(|l| format!("{} lock ({})", l.lock.as_str(), l.lock.blocks()))
            .unwrap_or_else(|| "a lock".into())
    }
}
