//! Syntax highlighting for the editors, from sqlparser's tokenizer.
//!
//! [`highlight`] turns a text into per-line token spans, compact enough to
//! keep for a 20,000-line dump so the page only renders the lines in view.
//! Text the tokenizer refuses (an unterminated string while typing) is
//! marked [`Class::Error`] to the end of its line and tokenizing resumes on
//! the next line: every character is always covered by exactly one span or
//! left plain, and nothing panics.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::Dialect;

/// What a span of text is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Keyword,
    Ident,
    QuotedIdent,
    String,
    Number,
    Comment,
    Operator,
    Param,
    /// Text the tokenizer could not read.
    Error,
}

impl Class {
    /// The CSS class the page uses.
    pub fn css(self) -> &'static str {
        match self {
            Class::Keyword => "tk-kw",
            Class::Ident => "tk-id",
            Class::QuotedIdent => "tk-qid",
            Class::String => "tk-str",
            Class::Number => "tk-num",
            Class::Comment => "tk-com",
            Class::Operator => "tk-op",
            Class::Param => "tk-par",
            Class::Error => "tk-err",
        }
    }
}

/// A span on one line: char columns `start..end` (0-based, end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub class: Class,
}

/// Spans per line (index 0 is line 1); lines without tokens are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlight {
    pub lines: Vec<Vec<Span>>,
}

impl Highlight {
    /// The segments of `line_text` (line `index`, 0-based): each with its
    /// class, or `None` for plain text between tokens.
    pub fn segments<'a>(&self, index: usize, line_text: &'a str) -> Vec<(&'a str, Option<Class>)> {
        let spans = self.lines.get(index).map(Vec::as_slice).unwrap_or(&[]);
        // Byte offset of every char boundary, to slice by char columns.
        let bounds: Vec<usize> = line_text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(line_text.len()))
            .collect();
        let at = |col: u32| bounds[(col as usize).min(bounds.len() - 1)];
        let mut out = Vec::new();
        let mut pos = 0usize;
        for s in spans {
            let (a, b) = (at(s.start).max(pos), at(s.end));
            if a >= b {
                continue;
            }
            if a > pos {
                out.push((&line_text[pos..a], None));
            }
            out.push((&line_text[a..b], Some(s.class)));
            pos = b;
        }
        if pos < line_text.len() {
            out.push((&line_text[pos..], None));
        }
        out
    }
}

fn class_of(token: &Token) -> Option<Class> {
    Some(match token {
        Token::Word(w) if w.quote_style.is_some() => Class::QuotedIdent,
        Token::Word(w) if w.keyword != Keyword::NoKeyword => Class::Keyword,
        Token::Word(_) => Class::Ident,
        Token::Number(..) => Class::Number,
        Token::Placeholder(_) => Class::Param,
        Token::Whitespace(Whitespace::SingleLineComment { .. })
        | Token::Whitespace(Whitespace::MultiLineComment(_)) => Class::Comment,
        Token::Whitespace(_) | Token::EOF => return None,
        Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::TripleSingleQuotedString(_)
        | Token::TripleDoubleQuotedString(_)
        | Token::DollarQuotedString(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::DoubleQuotedByteStringLiteral(_)
        | Token::NationalStringLiteral(_)
        | Token::EscapedStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_) => Class::String,
        _ => Class::Operator,
    })
}

/// Highlights `text` as `dialect` SQL.
pub fn highlight(text: &str, dialect: Dialect) -> Highlight {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_len: Vec<u32> = text.split('\n').map(|l| l.chars().count() as u32).collect();
    let mut out = Highlight {
        lines: vec![Vec::new(); line_starts.len()],
    };
    let parser_dialect = dialect.parser_dialect();
    // Line (0-based) where tokenizing starts; it moves past each error.
    let mut from_line = 0usize;
    // A bound on restarts, so a text of errors stays linear.
    for _ in 0..4096 {
        let Some(&start) = line_starts.get(from_line) else {
            break;
        };
        let mut buf: Vec<TokenWithSpan> = Vec::new();
        let result = Tokenizer::new(&*parser_dialect, &text[start..])
            .tokenize_with_location_into_buf(&mut buf);
        for t in &buf {
            let Some(class) = class_of(&t.token) else {
                continue;
            };
            let (a, b) = (t.span.start, t.span.end);
            if a.line == 0 {
                continue;
            }
            let (first, last) = (
                from_line + a.line as usize - 1,
                from_line + b.line as usize - 1,
            );
            let last = last.min(out.lines.len() - 1);
            for (line, spans) in out.lines.iter_mut().enumerate().take(last + 1).skip(first) {
                let s = if line == first {
                    (a.column as u32).saturating_sub(1)
                } else {
                    0
                };
                let e = if line == last {
                    (b.column as u32).saturating_sub(1)
                } else {
                    line_len[line]
                };
                if e > s {
                    spans.push(Span {
                        start: s,
                        end: e,
                        class,
                    });
                }
            }
        }
        match result {
            Ok(()) => break,
            Err(e) => {
                let line = from_line + (e.location.line.max(1) as usize) - 1;
                let Some(spans) = out.lines.get_mut(line) else {
                    break;
                };
                // From the last token read on that line to the end of it.
                let s = spans.last().map_or(0, |s| s.end);
                if line_len[line] > s {
                    spans.push(Span {
                        start: s,
                        end: line_len[line],
                        class: Class::Error,
                    });
                }
                from_line = line + 1;
            }
        }
    }
    out
}

/// Highlights the editor's text: a migration written in a framework's
/// language (Ruby, Python, PHP, JavaScript/TypeScript, C#, Elixir, a
/// Liquibase XML changelog) as that language, anything else as `dialect`
/// SQL.
pub fn highlight_source(text: &str, dialect: Dialect) -> Highlight {
    use crate::frameworks::{Framework, dsl::Lang};
    let lang = Framework::reading(None, text)
        .and_then(|f| f.spec().reader.as_ref())
        .map(|r| r.lang);
    match lang {
        Some(Lang::Xml) if text.trim_start().starts_with('<') => highlight_xml(text),
        // Liquibase's YAML and JSON changelogs.
        Some(Lang::Xml) => highlight_yaml(text),
        Some(lang) => highlight_code(text, lang),
        None => highlight(text, dialect),
    }
}

/// Spans by byte range, cut at line ends, into per-line char columns.
struct Spans<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    out: Highlight,
}

impl<'a> Spans<'a> {
    fn new(text: &'a str) -> Spans<'a> {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let lines = vec![Vec::new(); line_starts.len()];
        Spans {
            text,
            line_starts,
            out: Highlight { lines },
        }
    }

    fn push(&mut self, start: usize, end: usize, class: Class) {
        let end = end.min(self.text.len());
        if start >= end {
            return;
        }
        let first = self.line_starts.partition_point(|&s| s <= start) - 1;
        let last = self.line_starts.partition_point(|&s| s < end) - 1;
        for line in first..=last {
            let line_start = self.line_starts[line];
            let line_end = self
                .line_starts
                .get(line + 1)
                .map_or(self.text.len(), |next| next - 1);
            let (a, b) = (start.max(line_start), end.min(line_end));
            if a >= b {
                continue;
            }
            let col = |at: usize| {
                self.text
                    .get(line_start..at)
                    .map_or(0, |s| s.chars().count() as u32)
            };
            self.out.lines[line].push(Span {
                start: col(a),
                end: col(b),
                class,
            });
        }
    }
}

/// Words each migration language reserves (and the DSL's structure words).
fn is_keyword(lang: crate::frameworks::dsl::Lang, word: &str) -> bool {
    use crate::frameworks::dsl::Lang;
    let words: &[&str] = match lang {
        Lang::Ruby => &[
            "class", "def", "end", "do", "if", "unless", "else", "elsif", "return", "module",
            "self", "true", "false", "nil", "and", "or", "not", "then", "begin", "rescue",
            "ensure", "while", "until", "case", "when", "yield", "super",
        ],
        Lang::Python => &[
            "class", "def", "return", "if", "elif", "else", "for", "while", "in", "import", "from",
            "as", "with", "pass", "None", "True", "False", "and", "or", "not", "lambda", "try",
            "except", "finally", "raise", "is",
        ],
        Lang::Php => &[
            "class",
            "function",
            "public",
            "protected",
            "private",
            "static",
            "return",
            "if",
            "else",
            "foreach",
            "as",
            "use",
            "new",
            "extends",
            "namespace",
            "null",
            "true",
            "false",
            "array",
            "fn",
            "void",
        ],
        Lang::Js => &[
            "const",
            "let",
            "var",
            "function",
            "return",
            "async",
            "await",
            "export",
            "import",
            "from",
            "class",
            "implements",
            "extends",
            "public",
            "private",
            "if",
            "else",
            "for",
            "of",
            "new",
            "null",
            "undefined",
            "true",
            "false",
            "module",
            "exports",
            "default",
        ],
        Lang::CSharp => &[
            "using",
            "namespace",
            "public",
            "protected",
            "private",
            "partial",
            "class",
            "override",
            "void",
            "new",
            "return",
            "if",
            "else",
            "foreach",
            "var",
            "null",
            "true",
            "false",
            "typeof",
            "string",
            "int",
            "bool",
            "long",
        ],
        Lang::Elixir => &[
            "defmodule",
            "def",
            "defp",
            "do",
            "end",
            "use",
            "import",
            "alias",
            "if",
            "else",
            "case",
            "cond",
            "fn",
            "true",
            "false",
            "nil",
            "when",
        ],
        Lang::Xml => &[],
    };
    words.contains(&word)
}

/// Highlights a migration written in `lang` from the DSL tokenizer.
fn highlight_code(text: &str, lang: crate::frameworks::dsl::Lang) -> Highlight {
    use crate::frameworks::dsl::tokens::{Tok, tokenize_with_comments};
    let (tokens, comments) = tokenize_with_comments(text, lang);
    let mut spans = Spans::new(text);
    let mut all: Vec<(usize, usize, Class)> = comments
        .into_iter()
        .map(|(a, b)| (a, b, Class::Comment))
        .collect();
    for t in &tokens {
        let class = match &t.tok {
            Tok::Ident(w) if is_keyword(lang, w) => Class::Keyword,
            Tok::Ident(_) => Class::Ident,
            Tok::Label(_) | Tok::Sym(_) => Class::Param,
            Tok::Str { .. } | Tok::Words(_) => Class::String,
            Tok::Num(_) => Class::Number,
            Tok::Punct(_) => Class::Operator,
            Tok::Newline => continue,
        };
        all.push((t.start, t.end, class));
    }
    all.sort_by_key(|(a, _, _)| *a);
    for (a, b, class) in all {
        spans.push(a, b, class);
    }
    spans.out
}

/// Highlights an XML changelog: tags and attribute names as keywords,
/// attribute values as strings, comments.
fn highlight_xml(text: &str) -> Highlight {
    let mut spans = Spans::new(text);
    let mut at = 0;
    while let Some(open) = text[at..].find('<').map(|i| i + at) {
        if text[open..].starts_with("<!--") {
            let end = text[open..]
                .find("-->")
                .map_or(text.len(), |e| open + e + 3);
            spans.push(open, end, Class::Comment);
            at = end;
            continue;
        }
        if text[open..].starts_with("<![CDATA[") {
            at = text[open..]
                .find("]]>")
                .map_or(text.len(), |e| open + e + 3);
            continue;
        }
        let end = text[open..].find('>').map_or(text.len(), |e| open + e + 1);
        let tag = &text[open..end];
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .filter(|i| *i > 1)
            .unwrap_or(tag.len());
        spans.push(open, open + name_end, Class::Keyword);
        let mut quote = None;
        for (i, c) in tag.char_indices().skip(name_end) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some((i, c)),
                (Some((from, q)), c) if c == q => {
                    spans.push(open + from, open + i + 1, Class::String);
                    quote = None;
                }
                _ => {}
            }
        }
        at = end;
    }
    spans.out
}

/// YAML (and JSON) by line: `#` comments, keys, quoted strings.
fn highlight_yaml(text: &str) -> Highlight {
    let mut spans = Spans::new(text);
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches([' ', '\t', '-']).len();
        let mut quote: Option<(usize, char)> = None;
        let mut key_done = false;
        for (i, c) in body.char_indices() {
            match (quote, c) {
                (None, '#') if i == 0 || body[..i].ends_with([' ', '\t']) => {
                    spans.push(line_start + i, line_start + body.len(), Class::Comment);
                    break;
                }
                (None, '"' | '\'') => quote = Some((i, c)),
                (Some((from, q)), c) if c == q => {
                    let after = body[i + 1..].trim_start();
                    // A quoted key (JSON) is a key.
                    let class = if !key_done && after.starts_with(':') {
                        Class::Keyword
                    } else {
                        Class::String
                    };
                    key_done |= class == Class::Keyword;
                    spans.push(line_start + from, line_start + i + 1, class);
                    quote = None;
                }
                (None, ':') if !key_done && i > indent => {
                    let key = &body[indent..i];
                    if !key.is_empty() && !key.contains(['"', '\'', ' ']) {
                        spans.push(line_start + indent, line_start + i, Class::Keyword);
                    }
                    key_done = true;
                }
                _ => {}
            }
        }
        line_start += line.len();
    }
    spans.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liquibase_yaml_is_highlighted_as_yaml() {
        let yaml = "# why\ndatabaseChangeLog:\n  - changeSet:\n      id: \"1\"\n";
        let h = highlight_source(yaml, Dialect::Postgres);
        let line = |i: usize| h.segments(i, yaml.split('\n').nth(i).unwrap_or(""));
        assert!(
            line(0)
                .iter()
                .any(|(t, c)| *t == "# why" && *c == Some(Class::Comment))
        );
        assert!(
            line(2)
                .iter()
                .any(|(t, c)| *t == "changeSet" && *c == Some(Class::Keyword))
        );
        assert!(
            line(3)
                .iter()
                .any(|(t, c)| *t == "\"1\"" && *c == Some(Class::String))
        );
    }

    #[test]
    fn framework_migrations_are_highlighted_in_their_language() {
        let ruby = "class A < ActiveRecord::Migration[7.1]\n  # why\n  def change\n    add_column :users, :x, :string\n  end\nend\n";
        let h = highlight_source(ruby, Dialect::Postgres);
        let line = |i: usize| h.segments(i, ruby.split('\n').nth(i).unwrap_or(""));
        assert!(
            line(0)
                .iter()
                .any(|(t, c)| *t == "class" && *c == Some(Class::Keyword))
        );
        assert!(
            line(1)
                .iter()
                .any(|(t, c)| *t == "# why" && *c == Some(Class::Comment))
        );
        assert!(
            line(3)
                .iter()
                .any(|(t, c)| *t == ":users" && *c == Some(Class::Param))
        );
        let xml = "<databaseChangeLog>\n  <!-- note -->\n  <dropColumn tableName=\"t\" columnName=\"c\"/>\n</databaseChangeLog>\n";
        let h = highlight_source(xml, Dialect::Postgres);
        let segs = h.segments(2, xml.split('\n').nth(2).unwrap_or(""));
        assert!(
            segs.iter()
                .any(|(t, c)| *t == "<dropColumn" && *c == Some(Class::Keyword)),
            "{segs:?}"
        );
        assert!(
            segs.iter()
                .any(|(t, c)| *t == "\"t\"" && *c == Some(Class::String)),
            "{segs:?}"
        );
        // SQL stays SQL.
        let h = highlight_source("SELECT 1;", Dialect::Postgres);
        assert_eq!(
            h.segments(0, "SELECT 1;")[0],
            ("SELECT", Some(Class::Keyword))
        );
    }

    fn classes(text: &str, dialect: Dialect) -> Vec<Vec<(String, Class)>> {
        let h = highlight(text, dialect);
        text.split('\n')
            .enumerate()
            .map(|(i, l)| {
                h.segments(i, l)
                    .into_iter()
                    .filter_map(|(t, c)| c.map(|c| (t.to_string(), c)))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn keywords_names_strings_numbers_and_comments() {
        let c = classes(
            "ALTER TABLE \"Users\" ADD age int DEFAULT 42; -- why\nSELECT 'a' || name FROM users;",
            Dialect::Postgres,
        );
        assert_eq!(c[0][0], ("ALTER".into(), Class::Keyword));
        assert_eq!(c[0][2], ("\"Users\"".into(), Class::QuotedIdent));
        assert!(c[0].contains(&("42".into(), Class::Number)));
        assert_eq!(c[0].last(), Some(&("-- why".into(), Class::Comment)));
        assert!(c[1].contains(&("'a'".into(), Class::String)));
        assert!(c[1].contains(&("||".into(), Class::Operator)));
    }

    #[test]
    fn tokens_over_several_lines_are_split_by_line() {
        let c = classes("/* one\ntwo */ SELECT $$a\nb$$;", Dialect::Postgres);
        assert_eq!(c[0], vec![("/* one".into(), Class::Comment)]);
        assert_eq!(c[1][0], ("two */".into(), Class::Comment));
        assert_eq!(c[1][2], ("$$a".into(), Class::String));
        assert_eq!(c[2][0], ("b$$".into(), Class::String));
    }

    #[test]
    fn an_unterminated_string_marks_its_line_and_the_rest_still_colours() {
        let c = classes(
            "SELECT 'oops;\nSELECT 1;\n-- é ü\nSELECT `x`;",
            Dialect::Mysql,
        );
        assert_eq!(c[0][0], ("SELECT".into(), Class::Keyword));
        assert_eq!(c[0][1].1, Class::Error);
        assert_eq!(c[1][1], ("1".into(), Class::Number));
        assert_eq!(c[2][0], ("-- é ü".into(), Class::Comment));
        assert_eq!(c[3][1], ("`x`".into(), Class::QuotedIdent));
    }

    #[test]
    fn every_character_is_kept_once() {
        for text in [
            "",
            "\n\n",
            "SELECT 'é'; /* x",
            "a\u{0}b 'c",
            "ü\r\nSELECT 1",
        ] {
            let h = highlight(text, Dialect::Sqlite);
            for (i, l) in text.split('\n').enumerate() {
                let joined: String = h.segments(i, l).into_iter().map(|(t, _)| t).collect();
                assert_eq!(joined, l);
            }
        }
    }
}
