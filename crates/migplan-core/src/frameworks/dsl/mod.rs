//! Reading migrations written in a framework's language (Ruby, Python,
//! PHP, JavaScript/TypeScript, C#, Elixir) as the statements the rest of
//! migplan analyses. A framework's reader (in its own file) walks the
//! call tree of [`tree`] and says, per operation, the SQL the framework
//! would run, or why migplan did not analyse it. [`into_source`] turns
//! that into parsed statements placed at the operation's line and column.

pub mod builder;
pub mod sql;
pub mod tokens;
pub mod tree;

use crate::Dialect;
use crate::parse::{ParsedSource, ParsedStatement, Section, SourceError, StatementKind};
use crate::position::LineIndex;
use crate::split::SegmentKind;

pub use tokens::Lang;
pub use tree::{Arg, Block, Link, Node, Value};

/// What a reader is given: the file, where it is (Django's app label is
/// its folder) and the schema before it.
pub struct ReadCx<'a> {
    pub text: &'a str,
    pub path: Option<&'a str>,
    pub dialect: Dialect,
    pub schema: &'a crate::catalog::Catalog,
}

/// How a framework that wraps each migration in a transaction runs it:
/// in one where the database makes DDL transactional (PostgreSQL,
/// SQLite); MySQL commits at each DDL statement whatever the framework
/// asks, so nothing is assumed there.
pub fn in_transaction_by_default(d: Dialect) -> Option<bool> {
    (d != Dialect::Mysql).then_some(true)
}

/// What a reader understood of one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub ops: Vec<Op>,
    /// Whether the framework runs the file's up in a transaction, when the
    /// file says (`disable_ddl_transaction!`, `atomic = False`).
    pub transaction: Option<bool>,
}

/// One operation of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Byte range of the operation's source in the file.
    pub start: usize,
    pub end: usize,
    pub section: Section,
    pub kind: OpKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// The SQL the framework runs for it (one or more statements).
    Sql(Vec<String>),
    /// An operation of the framework migplan could not read, and why
    /// (SQL built at run time, an argument computed in code).
    NotAnalysed(String),
    /// General-purpose code (a loop, a condition, model or data code,
    /// Django's `RunPython`), which migplan reports as not analysed by
    /// design, and why.
    Code(String),
}

/// Collects a reader's operations.
pub struct Ops<'a> {
    pub dialect: Dialect,
    pub text: &'a str,
    pub section: Section,
    pub reading: Reading,
}

impl<'a> Ops<'a> {
    pub fn new(dialect: Dialect, text: &'a str) -> Ops<'a> {
        Ops {
            dialect,
            text,
            section: Section::Up,
            reading: Reading::default(),
        }
    }

    /// The SQL `node` runs.
    pub fn sql(&mut self, node: &Node, sql: Vec<String>) {
        self.push(node, OpKind::Sql(sql));
    }

    /// `node`, an operation, was not analysed, for `why`.
    pub fn not_analysed(&mut self, node: &Node, why: impl Into<String>) {
        self.push(node, OpKind::NotAnalysed(why.into()));
    }

    /// `node` is code migplan does not follow, for `why`.
    pub fn code(&mut self, node: &Node, why: impl Into<String>) {
        self.push(node, OpKind::Code(why.into()));
    }

    /// A loop or condition: general-purpose code (whether and how often it
    /// runs is not followed), and its body, which the reader goes on to
    /// read as if it runs.
    pub fn control<'n>(
        &mut self,
        node: &Node,
        lang: Lang,
        word: &str,
        inner: &'n [Node],
    ) -> &'n [Node] {
        self.code(
            node,
            format!(
                "{} `{word}`: migplan reads the statements inside as if they run",
                lang.with_article()
            ),
        );
        inner.get(1..).unwrap_or_default()
    }

    /// The result of reading one operation.
    pub fn read(&mut self, node: &Node, result: Result<Vec<String>, String>) {
        match result {
            // Understood, and runs nothing (kept: it is an operation read).
            Ok(sql) => self.sql(node, sql),
            Err(why) => self.not_analysed(node, why),
        }
    }

    fn push(&mut self, node: &Node, kind: OpKind) {
        let (start, end) = (node.start, node.end.max(node.start));
        if matches!(kind, OpKind::Code(_)) && self.joins_code(start, end) {
            return;
        }
        self.reading.ops.push(Op {
            start,
            end,
            section: self.section,
            kind,
        });
    }

    /// Code not followed is one piece however many statements it has: a
    /// statement inside a piece already reported (a loop's body) is part
    /// of it, and one right after it (nothing but spacing and closing
    /// punctuation between) extends it.
    fn joins_code(&mut self, start: usize, end: usize) -> bool {
        let section = self.section;
        let inside = self.reading.ops.iter().rev().any(|op| {
            op.section == section
                && matches!(op.kind, OpKind::Code(_))
                && op.start <= start
                && end <= op.end
        });
        if inside {
            return true;
        }
        let text = self.text;
        let Some(last) = self.reading.ops.last_mut() else {
            return false;
        };
        let between = text.get(last.end..start).unwrap_or("x");
        let adjacent = between
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, ';' | '}' | ')' | ']' | ','));
        if last.section == section && matches!(last.kind, OpKind::Code(_)) && adjacent {
            last.end = last.end.max(end);
            return true;
        }
        false
    }
}

/// The statements of a file a reader read: each SQL statement of each
/// operation placed at the operation (its `source` is the operation's
/// text), each operation not analysed kept as a statement that was not.
pub fn into_source(text: &str, reading: &Reading, dialect: Dialect) -> ParsedSource {
    let index = LineIndex::new(text);
    let mut statements = Vec::new();
    for op in &reading.ops {
        let (line, column) = index.line_col(text, op.start);
        let source = text.get(op.start..op.end).unwrap_or_default().to_string();
        match &op.kind {
            OpKind::Sql(sqls) => {
                for sql in sqls {
                    for mut s in crate::parse::parse_statements(sql, dialect) {
                        s.index = statements.len();
                        s.start = op.start;
                        s.end = op.end;
                        s.line = line;
                        s.column = column;
                        if let Some(e) = s.error.as_mut() {
                            e.line = line;
                            e.column = column;
                            e.message = format!("{} (in the SQL migplan read here)", e.message);
                        }
                        s.section = op.section;
                        s.source = Some(source.clone());
                        statements.push(s);
                    }
                }
            }
            OpKind::NotAnalysed(why) | OpKind::Code(why) => statements.push(ParsedStatement {
                index: statements.len(),
                start: op.start,
                end: op.end,
                line,
                column,
                sql: source.clone(),
                ast: None,
                error: Some(SourceError {
                    message: format!("not analysed: {why}"),
                    line,
                    column,
                }),
                kind: StatementKind::Other("framework_code".into()),
                flags: Default::default(),
                segment: SegmentKind::Sql,
                section: op.section,
                source: Some(source),
            }),
        }
    }
    ParsedSource {
        dialect,
        statements,
        transaction: reading.transaction,
        read_as: None,
    }
}

/// The SQL a read file runs, as one script: the up statements, then the
/// down section after a `-- migrate:down` marker (what "show as SQL" shows
/// and what a database runs for the file). Operations not analysed are
/// left out with a comment saying so.
pub fn as_sql(source: &ParsedSource) -> String {
    let mut up = String::new();
    let mut down = String::new();
    for s in &source.statements {
        let out = if s.section == Section::Down {
            &mut down
        } else {
            &mut up
        };
        if s.analysed() {
            out.push_str(s.sql.trim_end().trim_end_matches(';'));
            out.push_str(";\n");
        } else {
            out.push_str(&format!(
                "-- line {}: not analysed: {}\n",
                s.line,
                s.source
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            ));
        }
    }
    if down.is_empty() {
        up
    } else {
        format!("{up}\n-- migrate:down\n{down}")
    }
}

/// The SQL of a read file's up part (what it leaves in the schema).
pub fn up_sql(source: &ParsedSource) -> String {
    source
        .statements
        .iter()
        .filter(|s| s.section == Section::Up && s.analysed())
        .map(|s| format!("{};\n", s.sql.trim_end().trim_end_matches(';')))
        .collect()
}

/// The values of a list (or one value) as strings: `[:a, :b]` or `:a`.
pub fn names_of(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|n| n.value.str().map(str::to_string))
            .collect(),
        other => other.str().map(|s| vec![s.to_string()]),
    }
}

/// A literal as SQL (`'text'`, `1`, `TRUE`, `NULL`); `None` for code.
pub fn literal(v: &Value) -> Option<String> {
    Some(match v {
        Value::Str(s) | Value::Sym(s) => crate::ddl::literal(s),
        Value::Num(n) => n.replace('_', ""),
        Value::Bool(true) => "TRUE".into(),
        Value::Bool(false) => "FALSE".into(),
        Value::Nil => "NULL".into(),
        _ => return None,
    })
}

/// `name` quoted as needed (the one place reader output names are quoted).
pub fn ident(name: &str, d: Dialect) -> String {
    crate::ddl::ident(name, d)
}
