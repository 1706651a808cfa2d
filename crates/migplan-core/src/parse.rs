//! Statement-by-statement parsing with sqlparser.
//!
//! Parsing never fails as a whole: a statement sqlparser rejects is kept with
//! the parser's message at its line and column, and the rest still parse.

use sqlparser::ast::Statement;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use crate::Dialect;
use crate::position::LineIndex;
use crate::split::{SegmentKind, split};

/// A message tied to a 1-based line and column of the user's text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// One statement of the source, parsed or not.
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    pub index: usize,
    /// Byte range in the source, delimiter excluded.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub sql: String,
    pub ast: Option<Statement>,
    pub error: Option<SourceError>,
    /// What kind of statement it is, from its leading keywords.
    pub kind: StatementKind,
    /// Keywords the syntax tree does not carry, read from the tokens.
    pub flags: Flags,
    /// SQL, or a client-side piece (psql meta-command, COPY data) that no
    /// database would run.
    pub segment: SegmentKind,
    /// Which section of a migration file the statement is in: files of
    /// dbmate (`-- migrate:down`), goose (`-- +goose Down`) and sql-migrate
    /// (`-- +migrate Down`) carry their rollback after a marker.
    pub section: Section,
    /// The framework code the statement was read from (a Rails
    /// `add_column ...`), when the file is not SQL: `sql` is then the SQL
    /// the framework runs for it.
    pub source: Option<String>,
}

/// Keywords the analysis needs that the syntax tree does not carry:
/// sqlparser reads `DROP INDEX CONCURRENTLY` without the keyword and does
/// not read REINDEX, CLUSTER or VACUUM at all. Found among the statement's
/// tokens, so a name (`concurrently_built_idx`), a string or a comment never
/// counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `CONCURRENTLY` (CREATE/DROP/REINDEX INDEX, DETACH PARTITION).
    pub concurrently: bool,
    /// `FULL` (VACUUM FULL).
    pub full: bool,
}

impl Flags {
    fn of(sql: &str, dialect: &dyn sqlparser::dialect::Dialect) -> Flags {
        if !contains_ignoring_case(sql, "CONCURRENTLY") && !contains_ignoring_case(sql, "FULL") {
            return Flags::default();
        }
        let tokens = sqlparser::tokenizer::Tokenizer::new(dialect, sql)
            .tokenize()
            .unwrap_or_default();
        let mut flags = Flags::default();
        for token in tokens {
            if let Token::Word(w) = token
                && w.quote_style.is_none()
            {
                match w.keyword {
                    Keyword::CONCURRENTLY => flags.concurrently = true,
                    Keyword::FULL => flags.full = true,
                    _ => {}
                }
            }
        }
        flags
    }
}

/// Whether `haystack` contains `needle` (ASCII letters in any case),
/// without copying it.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    let first = first.to_ascii_lowercase();
    hay.iter().enumerate().any(|(i, b)| {
        b.to_ascii_lowercase() == first
            && hay
                .get(i..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

/// A statement's kind from its leading keywords: the kinds migplan acts on
/// by name, and any other as its snake_case words (`create_collation`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StatementKind {
    CreateTable,
    AlterTable,
    DropTable,
    CreateIndex,
    DropIndex,
    AlterIndex,
    Reindex,
    Cluster,
    Vacuum,
    Insert,
    Update,
    Delete,
    Replace,
    Pragma,
    Do,
    CreateFunction,
    CreateProcedure,
    CreateTrigger,
    CreateEvent,
    AlterEvent,
    DropEvent,
    Grant,
    Revoke,
    AlterSequence,
    Comment,
    /// A psql meta-command or another client-side line.
    ClientCommand,
    /// The data block after `COPY ... FROM stdin`.
    CopyData,
    Empty,
    /// Any other kind, by its words (`create_extension`, `alter_role`).
    Other(String),
}

impl StatementKind {
    const NAMED: &[(&str, StatementKind)] = &[
        ("create_table", StatementKind::CreateTable),
        ("alter_table", StatementKind::AlterTable),
        ("drop_table", StatementKind::DropTable),
        ("create_index", StatementKind::CreateIndex),
        ("drop_index", StatementKind::DropIndex),
        ("alter_index", StatementKind::AlterIndex),
        ("reindex", StatementKind::Reindex),
        ("cluster", StatementKind::Cluster),
        ("vacuum", StatementKind::Vacuum),
        ("insert", StatementKind::Insert),
        ("update", StatementKind::Update),
        ("delete", StatementKind::Delete),
        ("replace", StatementKind::Replace),
        ("pragma", StatementKind::Pragma),
        ("do", StatementKind::Do),
        ("create_function", StatementKind::CreateFunction),
        ("create_procedure", StatementKind::CreateProcedure),
        ("create_trigger", StatementKind::CreateTrigger),
        ("create_event", StatementKind::CreateEvent),
        ("alter_event", StatementKind::AlterEvent),
        ("drop_event", StatementKind::DropEvent),
        ("grant", StatementKind::Grant),
        ("revoke", StatementKind::Revoke),
        ("alter_sequence", StatementKind::AlterSequence),
        ("comment", StatementKind::Comment),
        ("client_command", StatementKind::ClientCommand),
        ("copy_data", StatementKind::CopyData),
        ("empty", StatementKind::Empty),
    ];

    /// The kind named by its snake_case words.
    pub fn from_name(name: &str) -> StatementKind {
        StatementKind::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(
                || StatementKind::Other(name.to_string()),
                |(_, k)| k.clone(),
            )
    }

    /// The snake_case name the reports show.
    pub fn as_str(&self) -> &str {
        match self {
            StatementKind::Other(name) => name,
            known => StatementKind::NAMED
                .iter()
                .find(|(_, k)| k == known)
                .map_or("unknown", |(n, _)| n),
        }
    }

    /// Whether `Flags` can matter for it (the only statements whose
    /// `CONCURRENTLY` or `FULL` the analysis reads): a dump's tables and
    /// rows are never scanned for them.
    pub fn may_have_flags(&self) -> bool {
        matches!(
            self,
            StatementKind::CreateIndex
                | StatementKind::DropIndex
                | StatementKind::Reindex
                | StatementKind::Vacuum
                | StatementKind::AlterTable
        )
    }

    /// A command sqlparser does not read whose rules go by its kind and
    /// keywords (REINDEX, CLUSTER, VACUUM, PRAGMA): analysed all the same.
    pub fn read_without_parsing(&self) -> bool {
        matches!(
            self,
            StatementKind::Reindex
                | StatementKind::Cluster
                | StatementKind::Vacuum
                | StatementKind::Pragma
        )
    }

    /// Writes a row of data (the simulation expects it to grow with the
    /// table).
    pub fn is_dml(&self) -> bool {
        matches!(
            self,
            StatementKind::Insert
                | StatementKind::Update
                | StatementKind::Delete
                | StatementKind::Replace
        )
    }
}

impl std::fmt::Display for StatementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as its snake_case name, as the JSON reports always had it.
impl serde::Serialize for StatementKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The part of a migration file a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// What the migration runs (the whole file when it has no markers).
    #[default]
    Up,
    /// The rollback, after a down marker: not run, not risk-checked.
    Down,
}

/// The section a marker comment line switches to, if it is one.
pub fn section_marker(line: &str) -> Option<Section> {
    let t = line.trim().strip_prefix("--")?.trim().to_ascii_lowercase();
    let word = t
        .strip_prefix("migrate:")
        .or_else(|| t.strip_prefix("+goose "))
        .or_else(|| t.strip_prefix("+migrate "))?;
    match word.split_whitespace().next()? {
        "up" => Some(Section::Up),
        "down" => Some(Section::Down),
        _ => None,
    }
}

impl ParsedStatement {
    pub fn parsed(&self) -> bool {
        self.ast.is_some()
    }

    /// Whether this is SQL a database would run (not a client-side piece).
    pub fn is_sql(&self) -> bool {
        self.segment == SegmentKind::Sql
    }

    /// Whether migplan understood it: parsed, or one of the commands
    /// sqlparser does not read whose rules go by kind and keywords
    /// (REINDEX, CLUSTER, VACUUM, PRAGMA). Client-side pieces (psql
    /// meta-commands, COPY data) are not statements the database runs.
    pub fn analysed(&self) -> bool {
        !self.is_sql() || self.parsed() || self.kind.read_without_parsing()
    }
}

/// Everything understood of one source text.
#[derive(Debug, Clone)]
pub struct ParsedSource {
    pub dialect: Dialect,
    pub statements: Vec<ParsedStatement>,
    /// Whether the file's framework runs it in a transaction, when the
    /// file says (Rails' `disable_ddl_transaction!`).
    pub transaction: Option<bool>,
    /// The framework whose reader read the file; `None` for SQL.
    pub read_as: Option<crate::frameworks::Framework>,
}

impl ParsedSource {
    pub fn errors(&self) -> impl Iterator<Item = &SourceError> {
        self.statements.iter().filter_map(|s| s.error.as_ref())
    }
}

/// Splits and parses `src`; never panics, never drops input.
pub fn parse_source(src: &str, dialect: Dialect) -> ParsedSource {
    ParsedSource {
        dialect,
        statements: parse_statements(src, dialect).collect(),
        transaction: None,
        read_as: None,
    }
}

/// The statements of `src`, parsed one at a time as they are taken: a
/// caller that keeps only what it needs of each (the catalogue replaying a
/// large dump) never holds every syntax tree at once.
pub fn parse_statements(src: &str, dialect: Dialect) -> impl Iterator<Item = ParsedStatement> + '_ {
    let index = LineIndex::new(src);
    // Section markers by line number, in order.
    let markers: Vec<(usize, Section)> = src
        .lines()
        .enumerate()
        .filter_map(|(i, l)| section_marker(l).map(|s| (i + 1, s)))
        .collect();
    let section_at = move |line: usize| {
        markers
            .iter()
            .take_while(|(l, _)| *l < line)
            .last()
            .map_or(Section::Up, |(_, s)| *s)
    };
    let parser_dialect = dialect.parser_dialect();
    split(src, dialect)
        .into_iter()
        .enumerate()
        .map(move |(i, seg)| {
            let sql = &src[seg.start..seg.end];
            let (line, column) = index.line_col(src, seg.start);
            let (ast, error, kind) = match seg.kind {
                SegmentKind::ClientCommand => (
                    None,
                    Some(SourceError {
                        message: "not analysed: client command, not SQL".into(),
                        line,
                        column,
                    }),
                    StatementKind::ClientCommand,
                ),
                SegmentKind::CopyData => (
                    None,
                    Some(SourceError {
                        message: "not analysed: COPY data block".into(),
                        line,
                        column,
                    }),
                    StatementKind::CopyData,
                ),
                SegmentKind::Sql => match parse_one(sql, &*parser_dialect)
                    .or_else(|e| parse_known_gap(sql, &*parser_dialect).ok_or(e))
                {
                    Ok(ast) => (
                        Some(ast),
                        None,
                        StatementKind::from_name(&statement_kind(sql)),
                    ),
                    Err(e) => {
                        let kind = StatementKind::from_name(&statement_kind(sql));
                        let mut error = locate_error(&e, line, column);
                        if let Some(label) = recognise(&kind, sql) {
                            error.message =
                                format!("not analysed: {label} (parser: {})", error.message);
                        }
                        (None, Some(error), kind)
                    }
                },
            };
            let flags = if kind.may_have_flags() {
                Flags::of(sql, &*parser_dialect)
            } else {
                Flags::default()
            };
            ParsedStatement {
                index: i,
                start: seg.start,
                end: seg.end,
                line,
                column,
                sql: sql.to_string(),
                ast,
                error,
                kind,
                flags,
                segment: seg.kind,
                section: section_at(line),
                source: None,
            }
        })
}

fn parse_one(
    sql: &str,
    dialect: &dyn sqlparser::dialect::Dialect,
) -> Result<Statement, ParserError> {
    let mut parser = Parser::new(dialect).try_with_sql(sql)?;
    let statement = parser.parse_statement()?;
    loop {
        let next = parser.peek_token();
        match next.token {
            Token::SemiColon => {
                parser.next_token();
            }
            Token::EOF => return Ok(statement),
            _ => {
                return Err(ParserError::ParserError(format!(
                    "Expected: end of statement, found: {} at Line: {}, Column: {}",
                    next.token, next.span.start.line, next.span.start.column
                )));
            }
        }
    }
}

/// Statements sqlparser does not read yet but that differ from one it reads
/// only by a keyword the analysis takes from the text (`DROP INDEX
/// CONCURRENTLY`): parsed without the keyword.
fn parse_known_gap(sql: &str, dialect: &dyn sqlparser::dialect::Dialect) -> Option<Statement> {
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().take(3).collect();
    if words == ["DROP", "INDEX", "CONCURRENTLY"] {
        let at = upper.find("CONCURRENTLY")?;
        let rewritten = format!("{}{}", &sql[..at], &sql[at + "CONCURRENTLY".len()..]);
        return parse_one(&rewritten, dialect).ok();
    }
    // pg_dump's `CREATE INDEX ... ON ONLY parent`: the index is created on
    // the partitioned parent only.
    if words.first() == Some(&"CREATE")
        && let Some(at) = upper.find(" ON ONLY ")
    {
        let rewritten = format!("{} ON {}", &sql[..at], &sql[at + " ON ONLY ".len()..]);
        return parse_one(&rewritten, dialect).ok();
    }
    // MySQL's legacy `VARCHAR(255) BINARY` (binary collation): read as the
    // plain type.
    if let Some(at) = upper.find(") BINARY") {
        let rewritten = format!("{}){}", &sql[..at], &sql[at + ") BINARY".len()..]);
        return parse_one(&rewritten, dialect).ok();
    }
    // SQLite's `PRAGMA foreign_keys = OFF`: sqlparser wants a literal value.
    if words.first() == Some(&"PRAGMA")
        && let Some(eq) = sql.find('=')
    {
        let value = sql[eq + 1..].trim().trim_end_matches(';').trim();
        if value.chars().all(|c| c.is_ascii_alphabetic()) && !value.is_empty() {
            let rewritten = format!("{}= '{}'", &sql[..eq], value);
            return parse_one(&rewritten, dialect).ok();
        }
    }
    None
}

/// Turns sqlparser's message ("... at Line: 2, Column: 5") into an absolute
/// position in the user's text, given where the statement starts.
fn locate_error(e: &ParserError, line: usize, column: usize) -> SourceError {
    let raw = match e {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "statement nested too deeply to analyse".to_string(),
    };
    let Some(at) = raw.rfind(" at Line: ") else {
        return SourceError {
            message: raw,
            line,
            column,
        };
    };
    let tail = &raw[at + " at Line: ".len()..];
    let mut parts = tail.split(", Column: ");
    let rel_line = parts.next().and_then(|l| l.trim().parse::<usize>().ok());
    let rel_col = parts.next().and_then(|c| c.trim().parse::<usize>().ok());
    match (rel_line, rel_col) {
        (Some(l), Some(c)) if l >= 1 && c >= 1 => {
            let abs_line = line + l - 1;
            let abs_col = if l == 1 { column + c - 1 } else { c };
            SourceError {
                message: raw[..at].to_string(),
                line: abs_line,
                column: abs_col,
            }
        }
        _ => SourceError {
            message: raw,
            line,
            column,
        },
    }
}

/// What an unparsed statement is, when it can be told, so the user reads
/// "not analysed: DO block" rather than a raw parser error.
fn recognise(kind: &StatementKind, sql: &str) -> Option<&'static str> {
    let lower = sql.to_ascii_lowercase();
    if lower.contains(" owner to ") {
        return Some("ownership change (no effect on the schema model)");
    }
    if lower.contains("disable keys") || lower.contains("enable keys") {
        return Some("mysqldump index bookkeeping");
    }
    Some(match kind.as_str() {
        "do" => "DO block (procedural code)",
        "create_function" | "create_procedure" if lower.contains("plpgsql") => "PL/pgSQL routine",
        "create_function" | "create_procedure" => "routine body",
        "create_trigger" => "trigger",
        "create_event" | "alter_event" | "drop_event" => "event trigger",
        "pragma" => "SQLite PRAGMA",
        "reindex" | "cluster" | "vacuum" => "maintenance command (rules read its text)",
        "grant" | "revoke" => "privilege statement",
        "alter_sequence" => "sequence option change",
        "create_user" | "alter_user" | "create_role" | "alter_role" | "drop_role" | "drop_user" => {
            "role statement"
        }
        "alter_index" => "index change",
        "comment" => "comment",
        "create_extension" | "alter_extension" => "extension",
        "create_policy" | "alter_policy" | "drop_policy" => "row-level security policy",
        "create_publication" | "alter_publication" | "drop_publication" => {
            "logical replication publication"
        }
        _ => return None,
    })
}

const MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "UNIQUE",
    "TEMP",
    "TEMPORARY",
    "GLOBAL",
    "LOCAL",
    "UNLOGGED",
    "IF",
    "NOT",
    "EXISTS",
    "RECURSIVE",
    "ONLY",
    "CONCURRENTLY",
];

/// Object keywords after CREATE that end MySQL's `DEFINER=...`,
/// `ALGORITHM=...` and `SQL SECURITY ...` clauses.
const OBJECTS: &[&str] = &[
    "TABLE",
    "VIEW",
    "PROCEDURE",
    "FUNCTION",
    "TRIGGER",
    "EVENT",
    "INDEX",
];

/// A snake_case statement kind from its leading keywords.
pub fn statement_kind(sql: &str) -> String {
    let mut words: Vec<String> = sql
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_ascii_uppercase)
        .collect();
    // MySQL's `/*!40000 ALTER TABLE ... */`: the version is not a keyword.
    if words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
    {
        words.remove(0);
    }
    if words.first().is_some_and(|w| w == "CREATE")
        && words.iter().any(|w| w == "DEFINER" || w == "ALGORITHM")
        && let Some(at) = words.iter().position(|w| OBJECTS.contains(&w.as_str()))
    {
        words.drain(1..at);
    }
    let Some(first) = words.first() else {
        return "empty".into();
    };
    match first.as_str() {
        "CREATE" | "ALTER" | "DROP" => {
            let mut rest = words[1..]
                .iter()
                .filter(|w| !MODIFIERS.contains(&w.as_str()));
            let object = match rest.next().map(String::as_str) {
                Some("MATERIALIZED") => "materialized_view".to_string(),
                Some(o) => o.to_ascii_lowercase(),
                None => "unknown".to_string(),
            };
            format!("{}_{}", first.to_ascii_lowercase(), object)
        }
        other => other.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_carry_line_and_column() {
        let src = "CREATE TABLE a (id int);\n\n  ALTER TABLE a ADD COLUMN b text;";
        let p = parse_source(src, Dialect::Postgres);
        assert_eq!(p.statements.len(), 2);
        assert_eq!((p.statements[0].line, p.statements[0].column), (1, 1));
        assert_eq!((p.statements[1].line, p.statements[1].column), (3, 3));
        assert_eq!(p.statements[1].kind, StatementKind::AlterTable);
        assert!(p.statements.iter().all(ParsedStatement::parsed));
    }

    #[test]
    fn a_bad_statement_is_kept_and_the_rest_parse() {
        let src = "SELECT 1;\nCREATE TABLE t (id int,,);\nSELECT 2;";
        let p = parse_source(src, Dialect::Postgres);
        assert_eq!(p.statements.len(), 3);
        assert!(p.statements[0].parsed() && p.statements[2].parsed());
        let bad = &p.statements[1];
        assert!(!bad.parsed());
        assert_eq!(bad.sql, "CREATE TABLE t (id int,,)");
        let e = bad.error.as_ref().expect("error");
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 24, "{e:?}");
        assert!(!e.message.contains("Line:"), "{e:?}");
    }

    #[test]
    fn errors_on_later_lines_of_a_statement_are_absolute() {
        let src = "SELECT 1;\n  CREATE TABLE t (\n  id int\n  name text,,\n);";
        let p = parse_source(src, Dialect::Postgres);
        let e = p.statements[1].error.as_ref().expect("error");
        assert_eq!(e.line, 4, "{e:?}");
    }

    #[test]
    fn every_dialect_parses_its_own_syntax() {
        assert!(
            parse_source("CREATE TABLE `t` (`id` int) ENGINE=InnoDB;", Dialect::Mysql).statements
                [0]
            .parsed()
        );
        assert!(
            parse_source(
                "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);",
                Dialect::Sqlite
            )
            .statements[0]
                .parsed()
        );
        assert!(
            parse_source("CREATE INDEX CONCURRENTLY i ON t (a);", Dialect::Postgres).statements[0]
                .parsed()
        );
        for (sql, d) in [
            ("DROP INDEX CONCURRENTLY i;", Dialect::Postgres),
            (
                "CREATE INDEX i ON ONLY public.t USING btree (a);",
                Dialect::Postgres,
            ),
            (
                "ALTER TABLE t MODIFY COLUMN c VARCHAR(255) BINARY;",
                Dialect::Mysql,
            ),
            ("PRAGMA foreign_keys=OFF;", Dialect::Sqlite),
        ] {
            assert!(parse_source(sql, d).statements[0].parsed(), "{sql}");
        }
    }

    #[test]
    fn unparsed_statements_are_labelled_when_recognised() {
        let src = "DO $$ BEGIN PERFORM 1; END $$ LANGUAGE plpgsql FOO;\nCREATE TABLE t (id int,,);";
        let p = parse_source(src, Dialect::Postgres);
        let first = p.statements[0].error.as_ref().map(|e| e.message.as_str());
        assert!(
            first.is_some_and(
                |m| m.starts_with("not analysed: DO block (procedural code) (parser: ")
            ),
            "{first:?}"
        );
        let second = p.statements[1]
            .error
            .as_ref()
            .map(|e| e.message.as_str())
            .unwrap_or_default();
        assert!(!second.starts_with("not analysed"), "{second}");
    }

    #[test]
    fn down_sections_are_marked() {
        for (up, down) in [
            ("-- migrate:up", "-- migrate:down"),
            ("-- +goose Up", "-- +goose Down"),
            ("-- +migrate Up", "-- +migrate Down"),
        ] {
            let src = format!("{up}\nCREATE TABLE t (id int);\n\n{down}\nDROP TABLE t;\n");
            let p = parse_source(&src, Dialect::Postgres);
            let sections: Vec<Section> = p.statements.iter().map(|s| s.section).collect();
            assert_eq!(sections, [Section::Up, Section::Down], "{up}");
        }
        let plain = parse_source("DROP TABLE t;", Dialect::Postgres);
        assert_eq!(plain.statements[0].section, Section::Up);
    }

    #[test]
    fn goose_statement_blocks_are_one_statement() {
        let src = "-- +goose Up\n-- +goose StatementBegin\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;\n-- +goose StatementEnd\nSELECT 3;";
        let p = parse_source(src, Dialect::Mysql);
        assert_eq!(
            p.statements.len(),
            2,
            "{:?}",
            p.statements.iter().map(|s| &s.sql).collect::<Vec<_>>()
        );
        assert!(p.statements[0].sql.starts_with("CREATE PROCEDURE"));
        assert!(p.statements[0].sql.ends_with("END"));
        assert_eq!(p.statements[1].sql, "SELECT 3");
    }

    #[test]
    fn kinds_come_from_leading_keywords() {
        assert_eq!(
            statement_kind("create unique index concurrently i on t(a)"),
            "create_index"
        );
        assert_eq!(
            statement_kind("CREATE OR REPLACE FUNCTION f()"),
            "create_function"
        );
        assert_eq!(statement_kind("drop table if exists t"), "drop_table");
        assert_eq!(
            statement_kind("CREATE MATERIALIZED VIEW v AS SELECT 1"),
            "create_materialized_view"
        );
        assert_eq!(statement_kind("update t set a = 1"), "update");
        assert_eq!(
            statement_kind("CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()"),
            "create_procedure"
        );
        assert_eq!(
            statement_kind("/*!40000 ALTER TABLE `users` DISABLE KEYS */"),
            "alter_table"
        );
    }
}
