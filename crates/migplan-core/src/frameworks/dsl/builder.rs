//! What Knex's table builder and Laravel's Blueprint share: a function of
//! calls on the table declaring columns, keys and changes, which becomes
//! one `CREATE TABLE` or a run of `ALTER TABLE`s, and the calls both spell
//! the same way (`dropColumn`, `renameColumn`, `dropTimestamps`).

use crate::Dialect;
use crate::frameworks::dsl::names_of;
use crate::frameworks::dsl::sql::{self, ColumnSpec, ForeignKey};
use crate::frameworks::dsl::tree::{Block, Link, Value};

/// What a table builder declares.
#[derive(Default)]
pub struct Built {
    pub columns: Vec<ColumnSpec>,
    /// Columns changed in place (Knex `.alter()`, Laravel `->change()`).
    pub changed: Vec<ColumnSpec>,
    pub constraints: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Statements after the table's (indexes, drops, renames).
    pub after: Vec<String>,
}

impl Built {
    /// `CREATE TABLE` with the declared columns and keys, then the rest.
    pub fn create(self, table: &str, if_not_exists: bool, d: Dialect) -> Vec<String> {
        let mut constraints = self.constraints;
        constraints.extend(self.foreign_keys.iter().map(|f| f.constraint(d)));
        let mut out = vec![sql::create_table(
            table,
            &self.columns,
            &constraints,
            if_not_exists,
            d,
        )];
        out.extend(self.after);
        out
    }

    /// An `ALTER TABLE` for each declaration, then the rest.
    pub fn alter(self, table: &str, d: Dialect) -> Vec<String> {
        let mut out: Vec<String> = self
            .columns
            .iter()
            .map(|c| sql::add_column(table, c, false, d))
            .collect();
        out.extend(
            self.changed
                .iter()
                .map(|c| sql::change_type(table, c, None, d)),
        );
        out.extend(
            self.constraints
                .iter()
                .map(|c| format!("ALTER TABLE {} ADD {c}", crate::ddl::name(table, d))),
        );
        out.extend(self.foreign_keys.iter().map(|f| f.add(d)));
        out.extend(self.after);
        out
    }

    /// The calls both builders spell the same way; `Ok(false)` when `call`
    /// is none of them. `lang` names the language for messages.
    pub fn shared_call(
        &mut self,
        d: Dialect,
        table: &str,
        call: &Link,
        lang: &str,
    ) -> Result<bool, String> {
        match call.name.as_str() {
            "dropColumn" | "dropColumns" => {
                for n in call.positional() {
                    let columns = names_of(&n.value)
                        .ok_or_else(|| format!("dropColumn of names built in {lang}"))?;
                    for column in columns {
                        self.after.push(sql::drop_column(table, &column, false, d));
                    }
                }
            }
            "renameColumn" => self.after.push(sql::rename_column(
                table,
                &text(call, 0)?,
                &text(call, 1)?,
                d,
            )),
            "dropTimestamps" | "dropTimestampsTz" => {
                for column in ["created_at", "updated_at"] {
                    self.after.push(sql::drop_column(table, column, false, d));
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The `at`th argument as a name.
pub fn text(call: &Link, at: usize) -> Result<String, String> {
    call.positional()
        .nth(at)
        .and_then(|n| n.value.str())
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "`{}`: argument {} is not a name migplan can read",
                call.name,
                at + 1
            )
        })
}

/// The `at`th argument as column names (one, or a list).
pub fn columns_arg(call: &Link, at: usize, lang: &str) -> Result<Vec<String>, String> {
    call.positional()
        .nth(at)
        .and_then(|n| names_of(&n.value))
        .ok_or_else(|| format!("`{}` of columns built in {lang}", call.name))
}

/// A name given as the second argument (`index(['a'], 'name')`).
pub fn second_name(call: &Link) -> Option<String> {
    call.positional()
        .nth(1)
        .and_then(|n| n.value.str())
        .map(str::to_string)
}

/// Both builders' default key names: `<table>_<columns>_<kind>`, lower
/// case.
pub fn default_name(table: &str, columns: &[String], kind: &str) -> String {
    format!("{}_{}_{kind}", crate::names::last(table), columns.join("_"))
        .to_lowercase()
        .replace(['-', '.'], "_")
}

/// The builder function passed to `call` (`function (Blueprint $table)`,
/// `(table) => {...}`); `what` names it for the message.
pub fn block_arg<'a>(call: &'a Link, what: &str) -> Result<&'a Block, String> {
    call.positional()
        .find_map(|n| match &n.value {
            Value::Block(b) => Some(b),
            _ => None,
        })
        .ok_or_else(|| format!("`{}` without {what}", call.name))
}
