//! What a simulation may run: the policy every engine applies before it
//! executes a statement.
//!
//! A migration from a pull request may be hostile. The simulation runs it
//! on an in-memory SQLite, and SQLite can reach the file system from SQL:
//! `ATTACH DATABASE '/path'` opens (or creates) a file, `VACUUM INTO`
//! writes one, `load_extension` loads native code, and `writable_schema`
//! lets a statement corrupt the schema. This module refuses those, by the
//! statement's tokens (never by its wording in a message), so that sql.js
//! and the native engine apply the same rule; the native engine also has
//! SQLite's authorizer as a second line.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Word};

/// Why a statement is not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `ATTACH` of anything but a fresh in-memory database.
    AttachFile,
    /// `VACUUM … INTO` writes a file.
    VacuumInto,
    /// `load_extension(…)` loads native code from a file.
    LoadExtension,
    /// `PRAGMA writable_schema`, or a write to `sqlite_master`.
    WritableSchema,
    /// A pragma that moves files or lifts the simulation's limits.
    Pragma(&'static str),
    /// More than one statement in what should be one.
    SeveralStatements,
}

impl Refusal {
    /// The note a report shows: "not simulated: touches files (…)".
    pub fn note(self) -> String {
        format!("not simulated: {}", self.reason())
    }

    /// Why the statement is not simulated.
    pub fn reason(self) -> String {
        let what = match self {
            Refusal::AttachFile => "ATTACH of a database file",
            Refusal::VacuumInto => "VACUUM INTO writes a file",
            Refusal::LoadExtension => "load_extension loads a file",
            Refusal::WritableSchema => "writes to the schema table",
            Refusal::Pragma(name) => name,
            Refusal::SeveralStatements => return "more than one statement in one".into(),
        };
        format!("touches files ({what})")
    }
}

/// Every refusal needs one of these words in the statement.
const WATCHED: [&str; 5] = ["attach", "vacuum", "load_extension", "pragma", "sqlite_"];

/// Pragmas a migration may not set in the simulation: they point SQLite at
/// directories, or lift the memory limit the simulation runs under.
pub const REFUSED_PRAGMAS: [&str; 6] = [
    "temp_store_directory",
    "data_store_directory",
    "hard_heap_limit",
    "soft_heap_limit",
    "mmap_size",
    "writable_schema",
];

/// Checks one SQLite statement against the policy.
///
/// Text the tokenizer cannot read is let through: SQLite will refuse it
/// too, and the engines' own checks (one statement at a time, the
/// authorizer natively) still apply.
pub fn check(sql: &str) -> Result<(), Refusal> {
    // Most statements (every batch of sample rows) name none of the words
    // a refusal needs: they pass without being tokenized.
    let lower = sql.to_ascii_lowercase();
    if !WATCHED.iter().any(|word| lower.contains(word)) {
        return Ok(());
    }
    let Ok(tokens) = Tokenizer::new(&SQLiteDialect {}, sql).tokenize() else {
        return Ok(());
    };
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |t: Option<&Token>| match t {
        Some(Token::Word(Word {
            value, quote_style, ..
        })) if quote_style.is_none() => Some(value.to_ascii_lowercase()),
        _ => None,
    };
    for (at, token) in tokens.iter().enumerate() {
        let Some(w) = word(Some(token)) else {
            continue;
        };
        match w.as_str() {
            "attach" if !attaches_memory(&tokens[at + 1..]) => return Err(Refusal::AttachFile),
            "vacuum"
                if tokens[at + 1..]
                    .iter()
                    .any(|t| word(Some(t)).as_deref() == Some("into")) =>
            {
                return Err(Refusal::VacuumInto);
            }
            "load_extension" if tokens.get(at + 1) == Some(&Token::LParen) => {
                return Err(Refusal::LoadExtension);
            }
            "insert" | "update" | "delete" | "replace"
                if at == 0 && writes_schema_table(&tokens) =>
            {
                return Err(Refusal::WritableSchema);
            }
            "pragma" => {
                if let Some(name) = pragma_name(&tokens[at + 1..]) {
                    if name == "writable_schema" {
                        return Err(Refusal::WritableSchema);
                    }
                    if let Some(p) = REFUSED_PRAGMAS.iter().find(|p| **p == name) {
                        return Err(Refusal::Pragma(p));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `ATTACH [DATABASE] ':memory:' AS …` or `''` (a temporary database).
fn attaches_memory(after: &[Token]) -> bool {
    let rest = match after.first() {
        Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("database") => &after[1..],
        _ => after,
    };
    let target = matches!(
        rest.first(),
        Some(Token::SingleQuotedString(s)) if s == ":memory:" || s.is_empty()
    );
    let then_as = matches!(rest.get(1), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("as"));
    target && then_as
}

/// The table a write statement writes is SQLite's schema table: the name
/// after the first `INTO` (insert, replace), `FROM` (delete) or after
/// `UPDATE [OR …]`.
fn writes_schema_table(tokens: &[Token]) -> bool {
    let is = |t: &Token, k: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let start = match tokens.first() {
        Some(t) if is(t, "update") => match tokens.get(1) {
            Some(t) if is(t, "or") => 3,
            _ => 1,
        },
        Some(t) if is(t, "delete") => tokens
            .iter()
            .position(|t| is(t, "from"))
            .map_or(1, |p| p + 1),
        _ => tokens
            .iter()
            .position(|t| is(t, "into"))
            .map_or(1, |p| p + 1),
    };
    let after = tokens.get(start..).unwrap_or_default();
    let name = match (after.first(), after.get(1), after.get(2)) {
        (Some(Token::Word(_)), Some(Token::Period), Some(Token::Word(w))) => w,
        (Some(Token::Word(w)), _, _) => w,
        _ => return false,
    };
    [
        "sqlite_master",
        "sqlite_schema",
        "sqlite_temp_master",
        "sqlite_temp_schema",
    ]
    .iter()
    .any(|t| name.value.eq_ignore_ascii_case(t))
}

/// The pragma's name after an optional `schema.`.
fn pragma_name(after: &[Token]) -> Option<String> {
    let name = match (after.first(), after.get(1), after.get(2)) {
        (Some(Token::Word(_)), Some(Token::Period), Some(Token::Word(w))) => w,
        (Some(Token::Word(w)), _, _) => w,
        _ => return None,
    };
    Some(name.value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_refused() {
        for (sql, why) in [
            ("ATTACH DATABASE '/tmp/x.db' AS v", Refusal::AttachFile),
            ("attach '/tmp/x.db' as v", Refusal::AttachFile),
            ("ATTACH 'file:x?mode=memory' AS v", Refusal::AttachFile),
            (
                "ATTACH DATABASE ':memory:' || '/x' AS v",
                Refusal::AttachFile,
            ),
            ("VACUUM INTO '/tmp/copy.db'", Refusal::VacuumInto),
            ("VACUUM main INTO '/tmp/copy.db'", Refusal::VacuumInto),
            (
                "SELECT load_extension('/tmp/evil.so')",
                Refusal::LoadExtension,
            ),
            ("PRAGMA writable_schema = ON", Refusal::WritableSchema),
            ("PRAGMA main.writable_schema=1", Refusal::WritableSchema),
            (
                "UPDATE sqlite_master SET sql = 'x' WHERE name = 't'",
                Refusal::WritableSchema,
            ),
            (
                "DELETE FROM main.sqlite_schema WHERE name = 't'",
                Refusal::WritableSchema,
            ),
            (
                "PRAGMA temp_store_directory = '/tmp'",
                Refusal::Pragma("temp_store_directory"),
            ),
            (
                "PRAGMA hard_heap_limit = 0",
                Refusal::Pragma("hard_heap_limit"),
            ),
        ] {
            assert_eq!(check(sql), Err(why), "{sql}");
        }
    }

    #[test]
    fn ordinary_statements_and_memory_databases_run() {
        for sql in [
            "ATTACH DATABASE ':memory:' AS app",
            "ATTACH '' AS scratch",
            "DETACH DATABASE app",
            "VACUUM",
            "SELECT name FROM sqlite_master",
            "INSERT INTO names SELECT name FROM sqlite_master",
            "PRAGMA foreign_keys = OFF",
            "CREATE TABLE \"attach\" (\"load_extension\" int)",
            "INSERT INTO t (note) VALUES ('ATTACH ''/tmp/x'' AS v')",
        ] {
            assert_eq!(check(sql), Ok(()), "{sql}");
        }
    }
}
