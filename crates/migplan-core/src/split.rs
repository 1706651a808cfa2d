//! Splits pasted SQL into statements without losing a byte.
//!
//! The splitter is dialect-aware (quotes, comments, dollar quoting, MySQL
//! `DELIMITER`, routine bodies with `BEGIN ... END`, psql meta-commands and
//! `COPY ... FROM stdin` data blocks) and never fails: whatever it cannot
//! make sense of still ends up in some segment.

use crate::Dialect;

/// What a segment of the source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    /// A SQL statement, delimiter excluded.
    Sql,
    /// A client-side command (`\connect`, `DELIMITER $$`), not SQL.
    ClientCommand,
    /// The inline data of a `COPY ... FROM stdin` statement, up to `\.`.
    CopyData,
}

/// One statement-sized piece of the source, as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub kind: SegmentKind,
}

/// Splits `src` into segments in source order.
pub fn split(src: &str, dialect: Dialect) -> Vec<Segment> {
    Splitter {
        src,
        b: src.as_bytes(),
        dialect,
        i: 0,
        out: Vec::new(),
        goose_block_end: None,
    }
    .run()
}

struct Splitter<'a> {
    src: &'a str,
    b: &'a [u8],
    dialect: Dialect,
    i: usize,
    out: Vec<Segment>,
    /// Set after a `-- +goose StatementBegin` line: where its
    /// `-- +goose StatementEnd` line starts.
    goose_block_end: Option<usize>,
}

/// The first case-insensitive occurrence of `needle` in `src` from `from`.
fn find_ci(src: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = src.get(from..)?.to_ascii_lowercase();
    hay.find(&needle.to_ascii_lowercase()).map(|p| from + p)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl Splitter<'_> {
    fn run(mut self) -> Vec<Segment> {
        let mut delimiter = String::from(";");
        while self.i < self.b.len() {
            self.skip_trivia();
            if self.i >= self.b.len() {
                break;
            }
            let start = self.i;
            if let Some(end) = self.goose_block_end.take() {
                // `-- +goose StatementBegin` ... `-- +goose StatementEnd`:
                // one statement whatever it holds.
                let body = self.src[start..end].trim_end();
                let body = body.strip_suffix(';').unwrap_or(body);
                self.push(start, start + body.len(), SegmentKind::Sql);
                self.i = self.line_end(end);
                continue;
            }
            if self.dialect == Dialect::Postgres && self.b[start] == b'\\' {
                let end = self.line_end(start);
                self.push(start, end, SegmentKind::ClientCommand);
                self.i = end;
                continue;
            }
            if self.dialect == Dialect::Mysql
                && self.word_at(start).eq_ignore_ascii_case("DELIMITER")
            {
                let end = self.line_end(start);
                let arg = self.src[start + "DELIMITER".len()..end].trim();
                if !arg.is_empty() {
                    delimiter = arg.to_string();
                }
                self.push(start, end, SegmentKind::ClientCommand);
                self.i = end;
                continue;
            }
            let copy_from_stdin = self.statement(start, &delimiter);
            if copy_from_stdin {
                self.copy_data();
            }
        }
        self.out
    }

    fn push(&mut self, start: usize, end: usize, kind: SegmentKind) {
        let end = start + self.src[start..end].trim_end().len();
        if end > start {
            self.out.push(Segment { start, end, kind });
        }
    }

    fn line_end(&self, from: usize) -> usize {
        self.b[from..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |p| from + p)
    }

    fn word_at(&self, at: usize) -> &str {
        let len = self.b[at..].iter().take_while(|&&c| is_word(c)).count();
        &self.src[at..at + len]
    }

    /// Skips whitespace and comments between statements.
    fn skip_trivia(&mut self) {
        loop {
            while self.i < self.b.len()
                && (self.b[self.i].is_ascii_whitespace() || self.b[self.i] == b';')
            {
                self.i += 1;
            }
            if !self.skip_comment() {
                return;
            }
        }
    }

    /// Skips one comment at `self.i`, if there is one.
    fn skip_comment(&mut self) -> bool {
        let rest = &self.b[self.i..];
        if rest.starts_with(b"--")
            || (self.dialect == Dialect::Mysql && rest.first() == Some(&b'#'))
        {
            let end = self.line_end(self.i);
            let comment = self.src[self.i..end].trim();
            if comment.eq_ignore_ascii_case("-- +goose StatementBegin") {
                self.goose_block_end = find_ci(self.src, end, "-- +goose StatementEnd");
            }
            self.i = end;
            true
        } else if rest.starts_with(b"/*")
            && !(self.dialect == Dialect::Mysql && rest.get(2) == Some(&b'!'))
        {
            self.i = find(self.b, self.i + 2, b"*/").map_or(self.b.len(), |p| p + 2);
            true
        } else {
            false
        }
    }

    /// Scans one statement from `start`; returns whether it was `COPY ... FROM stdin`.
    fn statement(&mut self, start: usize, delimiter: &str) -> bool {
        let mut words: Vec<String> = Vec::new();
        // COPY's column list can be long: STDIN is looked for in every word.
        let mut stdin = false;
        let mut depth = 0usize;
        let delim = delimiter.as_bytes();
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if depth == 0 && self.b[self.i..].starts_with(delim) {
                self.push(start, self.i, SegmentKind::Sql);
                self.i += delim.len();
                return is_copy_from_stdin(&words, stdin);
            }
            if self.skip_comment() {
                continue;
            }
            match c {
                b'\'' => {
                    let backslash = self.dialect == Dialect::Mysql
                        || (self.i > 0 && matches!(self.b[self.i - 1], b'E' | b'e'));
                    self.skip_quoted(b'\'', backslash);
                }
                b'"' => self.skip_quoted(b'"', self.dialect == Dialect::Mysql),
                b'`' if self.dialect != Dialect::Postgres => self.skip_quoted(b'`', false),
                b'$' if self.dialect == Dialect::Postgres => self.skip_dollar(),
                b'/' if self.b[self.i..].starts_with(b"/*!") => {
                    // MySQL executable comment: its body is part of the statement.
                    self.i += 3;
                }
                c if is_word(c) && (self.i == 0 || !is_word(self.b[self.i - 1])) => {
                    let w = self.word_at(self.i).to_ascii_uppercase();
                    self.i += w.len().max(1);
                    stdin |= w == "STDIN";
                    if words.len() < 8 {
                        words.push(w.clone());
                    }
                    if is_routine(&words) {
                        match w.as_str() {
                            "BEGIN" => depth += 1,
                            "CASE" if depth > 0 => depth += 1,
                            "END" if depth > 0 => {
                                let next = self.next_word();
                                if !matches!(next.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT") {
                                    depth -= 1;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => self.i += 1,
            }
        }
        self.push(start, self.b.len(), SegmentKind::Sql);
        false
    }

    fn next_word(&self) -> String {
        let mut j = self.i;
        while j < self.b.len() && self.b[j].is_ascii_whitespace() {
            j += 1;
        }
        self.word_at(j).to_ascii_uppercase()
    }

    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        self.i += 1;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if backslash && c == b'\\' {
                self.i += 2;
            } else if c == quote {
                if self.b.get(self.i + 1) == Some(&quote) {
                    self.i += 2;
                } else {
                    self.i += 1;
                    return;
                }
            } else {
                self.i += 1;
            }
        }
        self.i = self.b.len();
    }

    fn skip_dollar(&mut self) {
        let rest = &self.b[self.i + 1..];
        let tag_len = rest
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
            .count();
        let is_tag = rest.get(tag_len) == Some(&b'$')
            && !rest.first().is_some_and(u8::is_ascii_digit)
            && (self.i == 0 || !is_word(self.b[self.i - 1]));
        if !is_tag {
            self.i += 1;
            return;
        }
        let tag = &self.b[self.i..self.i + tag_len + 2];
        let body = self.i + tag.len();
        self.i = find(self.b, body, tag).map_or(self.b.len(), |p| p + tag.len());
    }

    /// The data block after `COPY ... FROM stdin;`, up to and including `\.`.
    fn copy_data(&mut self) {
        // Data starts on the next line.
        let mut line = self.line_end(self.i);
        if line >= self.b.len() {
            return;
        }
        line += 1;
        let start = line;
        while line < self.b.len() {
            let end = self.line_end(line);
            if self.src[line..end].trim_end() == "\\." {
                self.push(start, end, SegmentKind::CopyData);
                self.i = end;
                return;
            }
            line = end + 1;
        }
        self.push(start, self.b.len(), SegmentKind::CopyData);
        self.i = self.b.len();
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn is_routine(words: &[String]) -> bool {
    words.first().is_some_and(|w| w == "CREATE")
        && words
            .iter()
            .take(6)
            .any(|w| matches!(w.as_str(), "TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT"))
}

fn is_copy_from_stdin(words: &[String], stdin: bool) -> bool {
    words.first().is_some_and(|w| w == "COPY") && stdin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str, d: Dialect) -> Vec<&str> {
        split(src, d).iter().map(|s| &src[s.start..s.end]).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let src = "select ';'; -- a; comment\nselect \"a;b\" /* ; */ from t;\n\nselect 3";
        assert_eq!(
            texts(src, Dialect::Postgres),
            ["select ';'", "select \"a;b\" /* ; */ from t", "select 3"]
        );
    }

    #[test]
    fn dollar_quoted_bodies_stay_whole() {
        let src = "create function f() returns int as $body$ begin; return 1; end $body$ language plpgsql;\nselect 1;";
        let t = texts(src, Dialect::Postgres);
        assert_eq!(t.len(), 2);
        assert!(t[0].ends_with("language plpgsql"));
    }

    #[test]
    fn sqlite_trigger_bodies_stay_whole() {
        let src = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = CASE WHEN 1 THEN 2 END; DELETE FROM c; END;\nSELECT 1;";
        let t = texts(src, Dialect::Sqlite);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].ends_with("END"));
    }

    #[test]
    fn mysql_delimiter_blocks() {
        let src =
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;";
        let segs = split(src, Dialect::Mysql);
        let kinds: Vec<_> = segs.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SegmentKind::ClientCommand,
                SegmentKind::Sql,
                SegmentKind::ClientCommand,
                SegmentKind::Sql
            ]
        );
        assert_eq!(
            &src[segs[1].start..segs[1].end],
            "CREATE PROCEDURE p() BEGIN SELECT 1; END"
        );
    }

    #[test]
    fn psql_meta_commands_and_copy_data() {
        let src = "\\connect db\nCOPY t (a) FROM stdin;\n1\n2;3\n\\.\nSELECT 1;";
        let segs = split(src, Dialect::Postgres);
        let kinds: Vec<_> = segs.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SegmentKind::ClientCommand,
                SegmentKind::Sql,
                SegmentKind::CopyData,
                SegmentKind::Sql
            ]
        );
        assert_eq!(&src[segs[2].start..segs[2].end], "1\n2;3\n\\.");
    }

    #[test]
    fn unterminated_input_is_kept() {
        let src = "select 'oops; select 2";
        assert_eq!(texts(src, Dialect::Postgres), [src]);
    }
}
