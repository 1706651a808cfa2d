//! One small tokenizer for the languages migrations are written in (Ruby,
//! Python, PHP, JavaScript/TypeScript, C#, Elixir): identifiers, strings
//! (with their value), symbols, labels, numbers and punctuation, comments
//! dropped. It never fails: a character it does not know is punctuation.

/// The language of a migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ruby,
    Python,
    Php,
    Js,
    CSharp,
    Elixir,
    /// Liquibase's XML changelogs (read with an XML parser, not these
    /// tokens; named for highlighting).
    Xml,
}

impl Lang {
    /// The language's name after "a"/"an", for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            Lang::Ruby => "a Ruby",
            Lang::Python => "a Python",
            Lang::Php => "a PHP",
            Lang::Js => "a JavaScript",
            Lang::CSharp => "a C#",
            Lang::Elixir => "an Elixir",
            Lang::Xml => "an XML",
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name: `add_column`, `$table`, `disable_ddl_transaction!`.
    Ident(String),
    /// A string literal's value; `interpolated` when part of it is code
    /// (`"#{x}"`, `` `${x}` ``, `$"{x}"`), whose value is then unknown.
    Str {
        value: String,
        interpolated: bool,
    },
    /// Ruby's `:name`, Elixir's `:name`.
    Sym(String),
    /// `name:` as a keyword argument or hash key (Ruby, Elixir, C#, JS).
    Label(String),
    /// A word array (`%i[a b]`, `%w(a b)`).
    Words(Vec<String>),
    Num(String),
    Punct(&'static str),
    Newline,
}

/// A token and its byte range in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

const PUNCTS: [&str; 19] = [
    "===", "!==", "=>", "->", "::", "?.", "==", "!=", "<=", ">=", "&&", "||", "|>", "<-", "**",
    "...", "..", "??", "<<",
];

const SINGLE: &str = "(){}[],.;:=+-*/%<>!?&|^~@#$\\'\"`";

/// The tokens of `src`; never fails.
pub fn tokenize(src: &str, lang: Lang) -> Vec<Token> {
    tokenize_with_comments(src, lang).0
}

/// The tokens of `src` and the byte ranges of its comments (for
/// highlighting); never fails.
pub fn tokenize_with_comments(src: &str, lang: Lang) -> (Vec<Token>, Vec<(usize, usize)>) {
    let mut lexer = Lexer {
        src,
        at: 0,
        lang,
        out: Vec::new(),
        heredocs: Vec::new(),
        comments: Vec::new(),
    };
    lexer.run();
    (lexer.out, lexer.comments)
}

struct Lexer<'a> {
    src: &'a str,
    at: usize,
    lang: Lang,
    out: Vec<Token>,
    /// Ruby heredocs opened on this line, read when the line ends:
    /// (token index, terminator).
    heredocs: Vec<(usize, String, bool)>,
    /// Byte ranges of the comments skipped.
    comments: Vec<(usize, usize)>,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            start,
            end: self.at,
        });
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.at;
            if c == '\n' {
                self.at += 1;
                self.push(Tok::Newline, start);
                self.read_heredoc_bodies();
            } else if c.is_whitespace() {
                self.at += c.len_utf8();
            } else if self.comment() {
                self.comments.push((start, self.at));
            } else if let Some(tok) = self.string_or_special() {
                self.push(tok, start);
            } else if c.is_ascii_digit() {
                self.number();
                self.push(Tok::Num(self.src[start..self.at].to_string()), start);
            } else if c.is_alphabetic() || c == '_' || (c == '$' && self.lang == Lang::Php) {
                self.word(start);
            } else {
                let p = PUNCTS
                    .iter()
                    .find(|p| self.rest().starts_with(**p))
                    .copied()
                    .unwrap_or_else(|| single(c));
                self.at += if p == "?" && c != '?' {
                    c.len_utf8()
                } else {
                    p.len()
                };
                self.push(Tok::Punct(p), start);
            }
        }
    }

    /// Skips a comment; true when there was one.
    fn comment(&mut self) -> bool {
        let rest = self.rest();
        let hash = matches!(
            self.lang,
            Lang::Ruby | Lang::Python | Lang::Elixir | Lang::Php
        );
        let slashes = matches!(self.lang, Lang::Php | Lang::Js | Lang::CSharp);
        if (hash && rest.starts_with('#') && !rest.starts_with("#{"))
            || (slashes && rest.starts_with("//"))
        {
            self.at += rest.find('\n').unwrap_or(rest.len());
            return true;
        }
        if slashes && rest.starts_with("/*") {
            self.at += rest[2..].find("*/").map_or(rest.len(), |e| e + 4);
            return true;
        }
        let line_start = self.at == 0 || self.src[..self.at].ends_with('\n');
        if self.lang == Lang::Ruby && line_start && rest.starts_with("=begin") {
            self.at += rest.find("\n=end").map_or(rest.len(), |e| e + 5);
            return true;
        }
        false
    }

    fn number(&mut self) {
        while let Some(c) = self.peek() {
            let decimal_point = c == '.'
                && self.rest()[1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_digit());
            if c.is_ascii_alphanumeric() || c == '_' || decimal_point {
                self.at += 1;
            } else {
                break;
            }
        }
    }

    /// An identifier, a label (`name:`) or a keyword.
    fn word(&mut self, start: usize) {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len(), |(i, _)| i);
        self.at += len;
        // Ruby's `save!`, `exists?` (not `a != b`, not `x ? y : z`).
        if self.lang == Lang::Ruby
            && let Some(c @ ('!' | '?')) = self.peek()
            && !self.rest()[1..].starts_with('=')
            && !self.rest()[1..].starts_with(' ')
        {
            self.at += c.len_utf8();
        }
        let name = self.src[start..self.at].to_string();
        let labels = matches!(
            self.lang,
            Lang::Ruby | Lang::Elixir | Lang::CSharp | Lang::Js | Lang::Python
        );
        if labels && self.rest().starts_with(':') && !self.rest().starts_with("::") {
            self.at += 1;
            self.push(Tok::Label(name), start);
            return;
        }
        self.push(Tok::Ident(name), start);
    }

    /// A string, a symbol, a heredoc or a word array starting here.
    fn string_or_special(&mut self) -> Option<Tok> {
        let rest = self.rest();
        let lang = self.lang;
        match lang {
            Lang::Ruby | Lang::Elixir if rest.starts_with(':') => {
                let after = &rest[1..];
                if after.starts_with('"') {
                    self.at += 1;
                    let Tok::Str { value, .. } = self.quoted('"', true)? else {
                        return None;
                    };
                    return Some(Tok::Sym(value));
                }
                let len = after
                    .char_indices()
                    .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '!' | '?')))
                    .map_or(after.len(), |(i, _)| i);
                let starts_word = after
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_');
                if len == 0 || !starts_word {
                    return None;
                }
                self.at += 1 + len;
                Some(Tok::Sym(after[..len].to_string()))
            }
            Lang::Ruby if rest.starts_with("<<~") || rest.starts_with("<<-") => {
                self.ruby_heredoc_start()
            }
            Lang::Ruby if rest.starts_with('%') => self.ruby_percent(),
            Lang::Php if rest.starts_with("<<<") => self.php_heredoc(),
            Lang::Elixir if rest.starts_with("\"\"\"") => self.triple("\"\"\"", false),
            Lang::Python if rest.starts_with("\"\"\"") => self.triple("\"\"\"", true),
            Lang::Python if rest.starts_with("'''") => self.triple("'''", true),
            Lang::CSharp if rest.starts_with("\"\"\"") => self.triple("\"\"\"", false),
            Lang::Python => {
                let prefix = rest
                    .char_indices()
                    .take_while(|(_, c)| matches!(c.to_ascii_lowercase(), 'r' | 'b' | 'u' | 'f'))
                    .count();
                let after = &rest[prefix..];
                if prefix > 2 || !(after.starts_with('"') || after.starts_with('\'')) {
                    return None;
                }
                let raw = rest[..prefix].to_ascii_lowercase().contains('r');
                let formatted = rest[..prefix].to_ascii_lowercase().contains('f');
                self.at += prefix;
                if after.starts_with("\"\"\"") || after.starts_with("'''") {
                    let mut tok = self.triple(&after[..3], !raw)?;
                    if let Tok::Str {
                        value,
                        interpolated,
                    } = &mut tok
                    {
                        *interpolated = formatted && value.contains('{');
                    }
                    return Some(tok);
                }
                let q = after.chars().next()?;
                let mut tok = self.quoted(q, !raw)?;
                if let Tok::Str {
                    value,
                    interpolated,
                } = &mut tok
                {
                    *interpolated = formatted && value.contains('{');
                }
                Some(tok)
            }
            Lang::CSharp
                if rest.starts_with("@\"")
                    || rest.starts_with("$\"")
                    || rest.starts_with("$@\"")
                    || rest.starts_with("@$\"") =>
            {
                let prefix = rest.find('"')?;
                let verbatim = rest[..prefix].contains('@');
                let interp = rest[..prefix].contains('$');
                self.at += prefix;
                let mut tok = if verbatim {
                    self.verbatim()
                } else {
                    self.quoted('"', true)?
                };
                if let Tok::Str {
                    value,
                    interpolated,
                } = &mut tok
                {
                    *interpolated = interp && value.contains('{');
                }
                Some(tok)
            }
            Lang::Elixir if rest.starts_with('~') => self.sigil(),
            _ => {
                let q = rest.chars().next()?;
                let quotes: &[char] = match lang {
                    Lang::CSharp => &['"'],
                    Lang::Js => &['"', '\'', '`'],
                    _ => &['"', '\''],
                };
                if !quotes.contains(&q) {
                    return None;
                }
                let escapes = !(lang == Lang::Php && q == '\'');
                self.quoted(q, escapes)
            }
        }
    }

    /// A string between `q`s with backslash escapes (or only `\\` and
    /// `\'` when `escapes` is false, as PHP's single quotes).
    fn quoted(&mut self, q: char, escapes: bool) -> Option<Tok> {
        self.at += q.len_utf8();
        let mut value = String::new();
        let mut interpolated = false;
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == q {
                self.at += i + c.len_utf8();
                return Some(Tok::Str {
                    value,
                    interpolated,
                });
            }
            if c == '\\' {
                let Some((_, n)) = chars.next() else { break };
                let escaped = match (escapes, n) {
                    (true, 'x' | 'u') => {
                        let digits = if n == 'x' { 2 } else { 4 };
                        let hex: String = chars.clone().take(digits).map(|(_, h)| h).collect();
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(code) if hex.len() == digits => {
                                for _ in 0..digits {
                                    chars.next();
                                }
                                code
                            }
                            _ => n,
                        }
                    }
                    (true, n) => simple_escape(n),
                    (false, n) if n != q && n != '\\' => {
                        value.push('\\');
                        n
                    }
                    (_, n) => n,
                };
                value.push(escaped);
                continue;
            }
            let opens = match (self.lang, c) {
                (Lang::Ruby | Lang::Elixir, '#') => {
                    self.rest()[i + 1..].starts_with('{') && q == '"'
                }
                (Lang::Js, '$') => q == '`' && self.rest()[i + 1..].starts_with('{'),
                (Lang::Php, '$') => {
                    q == '"'
                        && self.rest()[i + 1..].starts_with(|n: char| n.is_alphabetic() || n == '{')
                }
                _ => false,
            };
            interpolated |= opens;
            value.push(c);
        }
        // Unterminated: the rest of the file is the string.
        self.at = self.src.len();
        Some(Tok::Str {
            value,
            interpolated,
        })
    }

    /// C#'s `@"..."`: no escapes but `""`.
    fn verbatim(&mut self) -> Tok {
        self.at += 1;
        let rest = self.rest();
        let mut value = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|(_, n)| *n == '"') {
                    chars.next();
                    value.push('"');
                    continue;
                }
                self.at += i + 1;
                return Tok::Str {
                    value,
                    interpolated: false,
                };
            }
            value.push(c);
        }
        self.at = self.src.len();
        Tok::Str {
            value,
            interpolated: false,
        }
    }

    /// `"""..."""` or `'''...'''` (Python, Elixir heredocs, C# raw).
    fn triple(&mut self, q: &str, escapes: bool) -> Option<Tok> {
        self.at += q.len();
        let rest = self.rest();
        // The closing quotes, not an escaped quote before them.
        let mut end = rest.len();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if escapes && c == '\\' {
                chars.next();
            } else if rest[i..].starts_with(q) {
                end = i;
                break;
            }
        }
        let body = &rest[..end];
        let interpolated = match self.lang {
            Lang::Elixir => body.contains("#{"),
            _ => false,
        };
        let value = match self.lang {
            Lang::Python if escapes => python_unescape(body),
            Lang::Python => body.to_string(),
            _ => dedent(body),
        };
        self.at = (self.at + end + q.len()).min(self.src.len());
        Some(Tok::Str {
            value,
            interpolated,
        })
    }

    /// Ruby `<<~SQL` / `<<-SQL`: the token now, its body when the line ends.
    fn ruby_heredoc_start(&mut self) -> Option<Tok> {
        let rest = self.rest();
        let name_start = 3 + usize::from(rest[3..].starts_with(['\'', '"']));
        let len = rest[name_start..]
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len() - name_start, |(i, _)| i);
        if len == 0 {
            return None;
        }
        let name = rest[name_start..name_start + len].to_string();
        // `<<~'SQL'` is taken as written: no `#{}`.
        let interpolates = !rest[3..].starts_with('\'');
        self.at += name_start + len + usize::from(name_start == 4);
        self.heredocs.push((self.out.len(), name, interpolates));
        Some(Tok::Str {
            value: String::new(),
            interpolated: false,
        })
    }

    /// The bodies of the heredocs opened on the line just ended.
    fn read_heredoc_bodies(&mut self) {
        for (index, name, interpolates) in std::mem::take(&mut self.heredocs) {
            let rest = self.rest();
            let mut body_end = rest.len();
            let mut after = rest.len();
            let mut offset = 0;
            for line in rest.split_inclusive('\n') {
                if line.trim() == name {
                    body_end = offset;
                    after = offset + line.len();
                    break;
                }
                offset += line.len();
            }
            let body = &rest[..body_end];
            if let Some(Token {
                tok:
                    Tok::Str {
                        value,
                        interpolated,
                    },
                ..
            }) = self.out.get_mut(index)
            {
                *value = dedent(body);
                *interpolated = interpolates && body.contains("#{");
            }
            self.at += after;
        }
    }

    /// Ruby's `%i[a b]`, `%w(a b)`, `%q{...}`, `%Q(...)`.
    fn ruby_percent(&mut self) -> Option<Tok> {
        let rest = self.rest();
        let mut chars = rest.chars().skip(1);
        let mut kind = chars.next()?;
        // `%{...}`, `%(...)`: a string.
        let bare = matches!(kind, '{' | '(' | '[');
        let open = if bare {
            std::mem::replace(&mut kind, 'Q')
        } else {
            chars.next()?
        };
        let close = match open {
            '[' => ']',
            '(' => ')',
            '{' => '}',
            '<' => '>',
            _ => return None,
        };
        if !matches!(kind, 'i' | 'w' | 'q' | 'Q' | 'I' | 'W') {
            return None;
        }
        let body_start = if bare { 2 } else { 3 };
        // The closing delimiter, nested pairs counted.
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in rest[body_start..].char_indices() {
            if c == open {
                depth += 1;
            } else if c == close {
                if depth == 0 {
                    end = Some(i + body_start);
                    break;
                }
                depth -= 1;
            }
        }
        let end = end?;
        let body = &rest[body_start..end];
        self.at += end + 1;
        Some(if matches!(kind, 'q' | 'Q') {
            Tok::Str {
                value: body.to_string(),
                interpolated: kind == 'Q' && body.contains("#{"),
            }
        } else {
            Tok::Words(body.split_whitespace().map(str::to_string).collect())
        })
    }

    /// PHP `<<<SQL` / `<<<'SQL'` up to the terminator line.
    fn php_heredoc(&mut self) -> Option<Tok> {
        let rest = self.rest();
        let line_end = rest.find('\n')?;
        let opener = rest[3..line_end].trim();
        // `<<<'SQL'` is a nowdoc: nothing in it is interpolated.
        let nowdoc = opener.starts_with('\'');
        let name = opener.trim_matches(['\'', '"']).to_string();
        if name.is_empty() {
            return None;
        }
        let body_start = line_end + 1;
        let mut offset = body_start;
        let mut end = rest.len();
        let mut after = rest.len();
        for line in rest[body_start..].split_inclusive('\n') {
            let t = line.trim();
            if t == name
                || t.strip_prefix(&name)
                    .is_some_and(|r| r.starts_with([';', ')', ',']))
            {
                end = offset;
                after = offset + line.find(&name).unwrap_or(0) + name.len();
                break;
            }
            offset += line.len();
        }
        let body = &rest[body_start..end];
        self.at += after;
        // A heredoc interpolates `$name` and `{$...}`; a `$` before
        // anything else (`$$` of a function body) is itself.
        let interpolated = !nowdoc
            && body.as_bytes().windows(2).any(|w| {
                w[0] == b'$' && (w[1].is_ascii_alphabetic() || w[1] == b'_' || w[1] == b'{')
            });
        Some(Tok::Str {
            value: dedent(body),
            interpolated,
        })
    }

    /// Elixir sigils: `~s(...)`, `~S"""..."""`, `~w(a b)`.
    fn sigil(&mut self) -> Option<Tok> {
        let rest = self.rest();
        let mut chars = rest.chars().skip(1);
        let kind = chars.next()?;
        if !kind.is_alphabetic() {
            return None;
        }
        self.at += 2;
        let rest = self.rest();
        let tok = if rest.starts_with("\"\"\"") {
            self.triple("\"\"\"", false)?
        } else {
            let open = rest.chars().next()?;
            let close = match open {
                '(' => ')',
                '[' => ']',
                '{' => '}',
                '<' => '>',
                '"' | '\'' | '|' | '/' => open,
                _ => return None,
            };
            let end = rest[1..].find(close)? + 1;
            let body = rest[1..end].to_string();
            self.at += end + 1;
            Tok::Str {
                interpolated: kind == 's' && body.contains("#{"),
                value: body,
            }
        };
        let trailing = self
            .rest()
            .chars()
            .take_while(|c| c.is_alphabetic())
            .count();
        self.at += trailing;
        Some(match (kind, tok) {
            ('w' | 'W', Tok::Str { value, .. }) => {
                Tok::Words(value.split_whitespace().map(str::to_string).collect())
            }
            (_, tok) => tok,
        })
    }
}

fn single(c: char) -> &'static str {
    let at = SINGLE.find(c);
    match at {
        Some(i) => &SINGLE[i..i + c.len_utf8()],
        None => "?",
    }
}

/// The character a one-letter escape stands for (`\\n`); any other is
/// itself.
fn simple_escape(n: char) -> char {
    match n {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        n => n,
    }
}

/// A Python string body with its escapes read (`\\n`, `\\"`, `\\x1f`);
/// an escape Python does not know keeps its backslash.
fn python_unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // A backslash at a line's end joins the lines.
            Some('\n') => {}
            Some(n @ ('n' | 't' | 'r' | '0' | '\\' | '\'' | '"')) => out.push(simple_escape(n)),
            Some('x') => {
                let hex: String = chars.clone().take(2).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(code) if hex.len() == 2 => {
                        chars.next();
                        chars.next();
                        out.push(code);
                    }
                    _ => out.push_str("\\x"),
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Removes the common leading indentation of a heredoc's lines.
pub fn dedent(body: &str) -> String {
    let indent = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    body.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str, lang: Lang) -> Vec<Tok> {
        tokenize(src, lang).into_iter().map(|t| t.tok).collect()
    }

    fn s(v: &str) -> Tok {
        Tok::Str {
            value: v.into(),
            interpolated: false,
        }
    }

    #[test]
    fn ruby_symbols_labels_words_and_heredocs() {
        let t = toks(
            "add_index :users, %i[a b], where: \"x\" # note\nexecute <<~SQL\n  SELECT 1;\nSQL\ndone!",
            Lang::Ruby,
        );
        assert_eq!(
            t,
            vec![
                Tok::Ident("add_index".into()),
                Tok::Sym("users".into()),
                Tok::Punct(","),
                Tok::Words(vec!["a".into(), "b".into()]),
                Tok::Punct(","),
                Tok::Label("where".into()),
                s("x"),
                Tok::Newline,
                Tok::Ident("execute".into()),
                s("SELECT 1;"),
                Tok::Newline,
                Tok::Ident("done!".into()),
            ]
        );
    }

    #[test]
    fn strings_of_each_language() {
        assert_eq!(
            toks("r'a\\b' \"\"\"x\n\"\"\"", Lang::Python),
            vec![s("a\\b"), s("x\n")]
        );
        assert_eq!(toks("@\"a\"\"b\"", Lang::CSharp), vec![s("a\"b")]);
        assert_eq!(
            toks("`a ${b}`", Lang::Js),
            vec![Tok::Str {
                value: "a ${b}".into(),
                interpolated: true
            }]
        );
        assert_eq!(toks("'it\\'s'", Lang::Php), vec![s("it's")]);
        assert_eq!(
            toks("$t->x(<<<SQL\n  DROP TABLE a;\n  SQL);", Lang::Php)[4],
            Tok::Str {
                value: "DROP TABLE a;".into(),
                interpolated: false
            }
        );
        assert_eq!(toks("~s(a b)", Lang::Elixir), vec![s("a b")]);
    }

    #[test]
    fn anything_tokenizes_without_panicking() {
        for lang in [
            Lang::Ruby,
            Lang::Python,
            Lang::Php,
            Lang::Js,
            Lang::CSharp,
            Lang::Elixir,
        ] {
            for src in [
                "\"", "<<~", "%i[", "~s(", "'''", "@\"", "é:x", "#{", "<<<X\n", ":\"", "1.", "$",
            ] {
                let _ = tokenize(src, lang);
            }
        }
    }
}
