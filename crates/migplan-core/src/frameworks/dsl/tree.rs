//! Migration files as a tree of calls: statements, call chains with their
//! positional and named arguments, blocks (Ruby/Elixir `do ... end`,
//! lambdas, method bodies), lists, maps and literals. Enough of each
//! language to read migration DSLs, which are call lists with literal
//! arguments; anything else becomes [`Value::Other`] (or a
//! [`Value::Control`] for conditions and loops) and the reader says it was
//! not analysed. Never fails, never recurses without bound.

use super::tokens::{Lang, Tok, Token};

/// A value and its byte range in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    /// A string with code inside (`"#{x}"`): its text, value unknown.
    Interp(String),
    Sym(String),
    Num(String),
    Bool(bool),
    Nil,
    /// `a.b(x).c` (also `a->b`, `A::B`): names with their arguments.
    Chain(Vec<Link>),
    List(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Block(Block),
    /// `name = value` (also `const name = ...`, `exports.up = ...`).
    Assign(Box<Node>, Box<Node>),
    /// A definition: `def up`, `public override void Up(...)`, `async up()`.
    Def(String, Block),
    /// A container whose body is read: a class, a module, a namespace.
    Class(Block),
    /// A condition, loop or `try`: its keyword and the statements inside.
    Control(String, Vec<Node>),
    /// An expression migplan does not follow (arithmetic, comparisons).
    Other,
}

/// One link of a call chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub name: String,
    /// C#'s `Column<string>`: the type argument's text.
    pub generic: Option<String>,
    /// `None` for a plain name (`t.timestamps`, `Sequelize.STRING`).
    pub args: Option<Vec<Arg>>,
    /// A Ruby/Elixir `do ... end` or `{ |t| ... }` block after the call.
    pub block: Option<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<String>,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub params: Vec<String>,
    pub body: Vec<Node>,
}

impl Value {
    pub fn str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Sym(s) => Some(s),
            _ => None,
        }
    }

    /// The chain's links, when this is a chain.
    pub fn links(&self) -> &[Link] {
        match self {
            Value::Chain(links) => links,
            _ => &[],
        }
    }
}

impl Link {
    pub fn args(&self) -> &[Arg] {
        self.args.as_deref().unwrap_or(&[])
    }

    /// The positional arguments.
    pub fn positional(&self) -> impl Iterator<Item = &Node> {
        self.args()
            .iter()
            .filter(|a| a.name.is_none())
            .map(|a| &a.value)
    }

    /// A named argument (Ruby `null: false`, Python `nullable=False`), or
    /// a key of a trailing options map (`{ unique: true }`).
    pub fn named(&self, name: &str) -> Option<&Value> {
        self.args()
            .iter()
            .find_map(|a| match (&a.name, &a.value.value) {
                (Some(n), v) if n == name => Some(v),
                (None, Value::Map(pairs)) => map_get(pairs, name),
                _ => None,
            })
    }

    /// Whether the named argument is literally `true`.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.named(name), Some(Value::Bool(true)))
    }
}

/// A parameter's name: `x`, or TypeScript's `x: Type` (read as a label).
fn param_name(arg: &Arg) -> Option<String> {
    arg.name
        .clone()
        .or_else(|| arg.value.value.links().first().map(|l| l.name.clone()))
}

/// A map's value for a key written as a name, a symbol or a string.
pub fn map_get<'a>(pairs: &'a [(Node, Node)], key: &str) -> Option<&'a Value> {
    pairs.iter().find_map(|(k, v)| match &k.value {
        Value::Str(s) | Value::Sym(s) if s == key => Some(&v.value),
        Value::Chain(l) if l.len() == 1 && l[0].name == key && l[0].args.is_none() => {
            Some(&v.value)
        }
        _ => None,
    })
}

/// The statements of a file.
pub fn parse(tokens: &[Token], lang: Lang) -> Vec<Node> {
    let mut p = Parser {
        toks: tokens,
        at: 0,
        lang,
        depth: 0,
    };
    p.statements(Close::Eof)
}

/// What ends a list of statements.
#[derive(Clone, Copy, PartialEq)]
enum Close {
    Eof,
    Brace,
    End,
}

const MAX_DEPTH: usize = 120;

const CONTROL: [&str; 12] = [
    "if", "unless", "for", "foreach", "while", "until", "case", "switch", "try", "begin", "with",
    "loop",
];

struct Parser<'a> {
    toks: &'a [Token],
    at: usize,
    lang: Lang,
    depth: usize,
}

impl Parser<'_> {
    fn tok(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.tok)
    }

    fn tok_at(&self, offset: usize) -> Option<&Tok> {
        self.toks.get(self.at + offset).map(|t| &t.tok)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.tok(), Some(Tok::Punct(q)) if *q == p)
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(self.tok(), Some(Tok::Ident(w)) if w == word)
    }

    fn start(&self) -> usize {
        self.toks
            .get(self.at)
            .or(self.toks.last())
            .map_or(0, |t| t.start)
    }

    fn last_end(&self) -> usize {
        self.at
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.end)
    }

    fn bump(&mut self) {
        self.at += 1;
    }

    fn eat(&mut self, p: &str) -> bool {
        let hit = self.is_punct(p);
        if hit {
            self.bump();
        }
        hit
    }

    fn skip_newlines(&mut self) {
        while matches!(self.tok(), Some(Tok::Newline)) {
            self.bump();
        }
    }

    fn ruby_like(&self) -> bool {
        matches!(self.lang, Lang::Ruby | Lang::Elixir)
    }

    fn node(&self, value: Value, start: usize) -> Node {
        Node {
            value,
            start,
            end: self.last_end().max(start),
        }
    }

    /// Statements up to `close` (consumed).
    fn statements(&mut self, close: Close) -> Vec<Node> {
        let mut out = Vec::new();
        loop {
            while matches!(self.tok(), Some(Tok::Newline | Tok::Punct(";"))) {
                self.bump();
            }
            match (self.tok(), close) {
                (None, _) => return out,
                (Some(Tok::Punct("}")), Close::Brace) => {
                    self.bump();
                    return out;
                }
                (Some(Tok::Ident(w)), Close::End) if w == "end" => {
                    self.bump();
                    return out;
                }
                // A stray closer where none is open: skipped.
                (Some(Tok::Punct("}" | ")" | "]")), _) => self.bump(),
                (Some(Tok::Ident(w)), _) if w == "end" && close != Close::End => self.bump(),
                _ => {
                    let before = self.at;
                    if let Some(n) = self.statement() {
                        out.push(n);
                    }
                    if self.at == before {
                        self.bump();
                    }
                }
            }
        }
    }

    fn statement(&mut self) -> Option<Node> {
        if self.depth > MAX_DEPTH {
            self.bump();
            return None;
        }
        self.depth += 1;
        let n = self.statement_inner();
        self.depth -= 1;
        n
    }

    fn statement_inner(&mut self) -> Option<Node> {
        let start = self.start();
        let word = match self.tok() {
            Some(Tok::Ident(w)) => w.clone(),
            _ => String::new(),
        };
        match word.as_str() {
            "def" | "defp" => return Some(self.ruby_def(start)),
            w if self.container_word(w) => return Some(self.class(start)),
            "using" | "import" | "require" | "use" | "from" | "package" | "alias"
                if self.lang != Lang::Python || word != "with" =>
            {
                self.skip_line();
                return None;
            }
            w if CONTROL.contains(&w) && !(self.lang == Lang::Python && w == "with") => {
                return Some(self.control(start, w.to_string()));
            }
            "with" | "elif" | "else" | "except" | "finally" if self.lang == Lang::Python => {
                return Some(self.control(start, word));
            }
            // Python's `raise X(...)`: the statement raises.
            "raise" if self.lang == Lang::Python => {
                self.skip_line();
                return Some(self.node(Value::Control(word, Vec::new()), start));
            }
            "return" | "next" | "break"
                if self.lang == Lang::Ruby
                    && matches!(self.tok_at(1), Some(Tok::Ident(w)) if w == "if" || w == "unless") =>
            {
                // A guard: `return if connection.table_exists?(:x)`: the
                // condition is kept (the rest of the body may not run).
                self.bump();
                let word = match self.tok() {
                    Some(Tok::Ident(w)) => w.clone(),
                    _ => String::new(),
                };
                self.bump();
                let condition = self.expr();
                self.skip_line();
                return Some(self.node(
                    Value::Control(format!("return {word}"), vec![condition]),
                    start,
                ));
            }
            "return" | "await" | "yield" | "export" | "async" | "static" | "default" => {
                self.bump();
                // A bare `return`.
                if matches!(
                    self.tok(),
                    None | Some(Tok::Newline | Tok::Punct(";" | "}"))
                ) {
                    return None;
                }
                // The statement starts at the keyword.
                return self.statement_inner().map(|mut n| {
                    n.start = start;
                    n
                });
            }
            "const" | "let" | "var" | "final" => {
                self.bump();
            }
            _ => {}
        }
        let modifiers = self.modifiers();
        // `public partial class X : Migration { ... }`.
        if let Some(Tok::Ident(w)) = self.tok()
            && modifiers
            && self.container_word(&w.clone())
        {
            return Some(self.class(start));
        }
        let expr = self.expr();
        // A method: `up(queryRunner: QueryRunner): Promise<void> { ... }`,
        // its brace maybe on the next line.
        if self.braces()
            && matches!(self.tok(), Some(Tok::Newline))
            && self
                .toks
                .get(self.at..)
                .unwrap_or(&[])
                .iter()
                .find(|t| t.tok != Tok::Newline)
                .is_some_and(|t| t.tok == Tok::Punct("{"))
            && expr.value.links().last().is_some_and(|l| l.args.is_some())
        {
            self.skip_newlines();
        }
        if self.braces()
            && (self.is_punct("{") || self.is_punct(":") || modifiers)
            && let Some(def) = self.method(&expr, start)
        {
            return Some(def);
        }
        // Python's `def` body and `class X:` are flat: the `:` ends the line.
        if self.is_punct("=") && !self.is_punct("==") {
            self.bump();
            self.skip_newlines();
            let value = self.expr();
            let assign = Value::Assign(Box::new(expr), Box::new(value));
            return Some(self.trailing_modifier(self.node(assign, start)));
        }
        Some(self.trailing_modifier(expr))
    }

    fn container_word(&self, w: &str) -> bool {
        match self.lang {
            Lang::Ruby => matches!(w, "class" | "module"),
            Lang::Elixir => w == "defmodule",
            Lang::CSharp | Lang::Php => matches!(w, "class" | "namespace" | "interface"),
            Lang::Js | Lang::Python => w == "class",
            Lang::Xml => false,
        }
    }

    /// Access modifiers and similar words before a C#/TS member.
    fn modifiers(&mut self) -> bool {
        let mut any = false;
        while let Some(Tok::Ident(w)) = self.tok() {
            let is_modifier = matches!(
                w.as_str(),
                "public"
                    | "private"
                    | "protected"
                    | "internal"
                    | "override"
                    | "virtual"
                    | "partial"
                    | "sealed"
                    | "abstract"
                    | "readonly"
                    | "function"
            );
            let typed_member = self.lang == Lang::CSharp
                && matches!(w.as_str(), "void" | "string" | "int" | "bool")
                && matches!(self.tok_at(1), Some(Tok::Ident(_)));
            if !(is_modifier || typed_member) {
                break;
            }
            any = true;
            self.bump();
        }
        any
    }

    fn braces(&self) -> bool {
        matches!(self.lang, Lang::Js | Lang::CSharp | Lang::Php)
    }

    /// Ruby's `x if cond` / `x unless cond`: the statement is conditional.
    fn trailing_modifier(&mut self, n: Node) -> Node {
        if self.lang == Lang::Ruby
            && let Some(Tok::Ident(w)) = self.tok()
            && matches!(w.as_str(), "if" | "unless" | "while" | "until")
        {
            let w = w.clone();
            self.bump();
            let condition = self.expr();
            self.skip_line();
            let start = n.start;
            return self.node(Value::Control(w, vec![condition, n]), start);
        }
        n
    }

    fn skip_line(&mut self) {
        let mut depth = 0i32;
        while let Some(t) = self.tok() {
            match t {
                Tok::Newline | Tok::Punct(";") if depth <= 0 => break,
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(")" | "]" | "}") => depth -= 1,
                _ => {}
            }
            self.bump();
        }
    }

    /// `def name(args) ... end` (Ruby, Elixir), `def name(args):` (Python).
    fn ruby_def(&mut self, start: usize) -> Node {
        self.bump();
        let mut name = match self.tok() {
            Some(Tok::Ident(w)) => w.clone(),
            _ => String::new(),
        };
        self.bump();
        // Ruby's `def self.up`.
        if name == "self"
            && self.eat(".")
            && let Some(Tok::Ident(w)) = self.tok()
        {
            name = w.clone();
            self.bump();
        }
        if self.is_punct("(") {
            self.args();
        }
        if self.lang == Lang::Python {
            let header = self.at.saturating_sub(1);
            self.skip_line();
            let body = self.python_body(header);
            return self.node(
                Value::Def(
                    name,
                    Block {
                        params: Vec::new(),
                        body,
                    },
                ),
                start,
            );
        }
        if self.lang == Lang::Elixir {
            self.skip_to_do();
        }
        let body = self.statements(Close::End);
        self.node(
            Value::Def(
                name,
                Block {
                    params: Vec::new(),
                    body,
                },
            ),
            start,
        )
    }

    fn skip_to_do(&mut self) {
        while let Some(t) = self.tok() {
            match t {
                Tok::Ident(w) if w == "do" => {
                    self.bump();
                    return;
                }
                Tok::Label(w) if w == "do" => return,
                Tok::Newline => return,
                _ => self.bump(),
            }
        }
    }

    /// A class, module or namespace: its body is read.
    fn class(&mut self, start: usize) -> Node {
        let header = self.at;
        let mut depth = 0i32;
        while let Some(t) = self.tok() {
            match t {
                Tok::Punct("{") if self.braces() && depth == 0 => {
                    self.bump();
                    let body = self.statements(Close::Brace);
                    return self.node(
                        Value::Class(Block {
                            params: vec![],
                            body,
                        }),
                        start,
                    );
                }
                Tok::Punct(";") if self.braces() && depth == 0 => {
                    // C#'s file-scoped `namespace X;`.
                    self.bump();
                    return self.node(Value::Other, start);
                }
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => depth -= 1,
                Tok::Punct("<") if self.braces() => depth += 1,
                Tok::Punct(">") if self.braces() => depth -= 1,
                Tok::Ident(w) if w == "do" && self.lang == Lang::Elixir => {
                    self.bump();
                    let body = self.statements(Close::End);
                    return self.node(
                        Value::Class(Block {
                            params: vec![],
                            body,
                        }),
                        start,
                    );
                }
                Tok::Newline if !self.braces() && depth <= 0 => {
                    if self.lang == Lang::Python {
                        let body = self.python_body(header);
                        return self.node(
                            Value::Class(Block {
                                params: vec![],
                                body,
                            }),
                            start,
                        );
                    }
                    let body = self.statements(Close::End);
                    return self.node(
                        Value::Class(Block {
                            params: vec![],
                            body,
                        }),
                        start,
                    );
                }
                _ => {}
            }
            self.bump();
        }
        self.node(Value::Other, start)
    }

    /// A condition or loop: the statements inside are kept, to be reported
    /// as not analysed (migplan cannot tell whether they run).
    /// The first node is the condition (`Other` when there is none).
    fn control(&mut self, start: usize, word: String) -> Node {
        let header = self.at;
        self.bump();
        let mut inner = Vec::new();
        if self.braces() {
            let condition_start = self.start();
            let condition = if self.is_punct("(") {
                let mut args = self.args();
                match args.len() {
                    1 => args.remove(0).value,
                    _ => self.node(Value::Other, condition_start),
                }
            } else {
                self.node(Value::Other, condition_start)
            };
            inner.push(condition);
            loop {
                if self.eat("{") {
                    inner.extend(self.statements(Close::Brace));
                } else if let Some(n) = self.statement() {
                    inner.push(n);
                }
                // `else`, `else if (...)`, `catch (e)`, `finally`.
                match self.tok() {
                    Some(Tok::Ident(w)) if matches!(w.as_str(), "else" | "catch" | "finally") => {
                        self.bump();
                        if self.is_ident("if") {
                            self.bump();
                        }
                        if self.is_punct("(") {
                            self.args();
                        }
                    }
                    _ => break,
                }
            }
        } else if self.lang == Lang::Python && word == "with" {
            // `with op.batch_alter_table("t") as batch_op:`: the context
            // and its alias.
            inner.push(self.postfix());
            if self.is_ident("as") {
                self.bump();
                let alias_start = self.start();
                // `batch_op:` reads as a label.
                if let Some(Tok::Ident(alias) | Tok::Label(alias)) = self.tok() {
                    let alias = Value::Str(alias.clone());
                    self.bump();
                    inner.push(self.node(alias, alias_start));
                }
            }
            self.skip_line();
            inner.extend(self.python_body(header));
        } else if self.lang == Lang::Python {
            inner.push(self.expr());
            self.skip_line();
            inner.extend(self.python_body(header));
        } else {
            // Ruby/Elixir: up to the matching `end` (`elsif`, `else`,
            // `rescue`, `when` are statements of the body here).
            let condition = if matches!(self.tok(), Some(Tok::Newline)) {
                self.node(Value::Other, start)
            } else {
                self.expr()
            };
            inner.push(condition);
            self.skip_line_to_do();
            inner.extend(self.statements(Close::End));
        }
        self.node(Value::Control(word, inner), start)
    }

    /// The indentation of token `at`'s line (bytes before its first
    /// token): Python's blocks are what is indented more than their header.
    fn indent(&self, at: usize) -> usize {
        let Some(token) = self.toks.get(at) else {
            return 0;
        };
        let mut first = at;
        while first > 0 && self.toks[first - 1].tok != Tok::Newline {
            first -= 1;
        }
        let line_start = first.checked_sub(1).map_or(0, |nl| self.toks[nl].end);
        let _ = token;
        self.toks[first].start.saturating_sub(line_start)
    }

    /// The statements of a Python block whose header is token `header`.
    fn python_body(&mut self, header: usize) -> Vec<Node> {
        let indent = self.indent(header);
        let mut body = Vec::new();
        loop {
            while matches!(self.tok(), Some(Tok::Newline | Tok::Punct(";"))) {
                self.bump();
            }
            if self.tok().is_none() || self.indent(self.at) <= indent {
                return body;
            }
            let before = self.at;
            if let Some(n) = self.statement() {
                body.push(n);
            }
            if self.at == before {
                self.bump();
            }
        }
    }

    fn skip_line_to_do(&mut self) {
        let mut depth = 0i32;
        while let Some(t) = self.tok() {
            match t {
                Tok::Newline if depth <= 0 => return,
                Tok::Ident(w) if w == "do" && depth <= 0 => {
                    self.bump();
                    return;
                }
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(")" | "]" | "}") => depth -= 1,
                _ => {}
            }
            self.bump();
        }
    }

    /// After `name(params)` in a brace language: a method's body.
    fn method(&mut self, head: &Node, start: usize) -> Option<Node> {
        let links = head.value.links();
        let [link] = links else { return None };
        link.args.as_ref()?;
        // A return type: `: Promise<void>`.
        if self.is_punct(":") {
            while !self.is_punct("{") && !matches!(self.tok(), None | Some(Tok::Punct(";"))) {
                self.bump();
            }
        }
        if !self.eat("{") {
            return None;
        }
        let params = link.args().iter().filter_map(param_name).collect();
        let body = self.statements(Close::Brace);
        Some(self.node(Value::Def(link.name.clone(), Block { params, body }), start))
    }

    fn expr(&mut self) -> Node {
        if self.depth > MAX_DEPTH {
            let start = self.start();
            self.bump();
            return self.node(Value::Other, start);
        }
        self.depth += 1;
        let n = self.binary();
        self.depth -= 1;
        n
    }

    /// A primary with its operators: strings joined by `+` (or `.` in
    /// PHP) stay strings; other operators make the value unknown.
    fn binary(&mut self) -> Node {
        let start = self.start();
        let mut left = self.postfix();
        loop {
            let op = match self.tok() {
                Some(Tok::Punct(p)) => *p,
                Some(Tok::Ident(w))
                    if matches!(w.as_str(), "and" | "or" | "in" | "is" | "instanceof" | "as") =>
                {
                    "word"
                }
                _ => break,
            };
            let is_op = matches!(
                op,
                "+" | "-"
                    | "*"
                    | "/"
                    | "%"
                    | "=="
                    | "!="
                    | "==="
                    | "!=="
                    | "<"
                    | ">"
                    | "<="
                    | ">="
                    | "&&"
                    | "||"
                    | "|>"
                    | "??"
                    | "?"
                    | "word"
                    | "|"
                    | "&"
            ) || (op == "." && self.lang == Lang::Php);
            if !is_op {
                break;
            }
            self.bump();
            self.skip_newlines();
            let right = self.postfix();
            let joined = match (&left.value, op, &right.value) {
                (Value::Str(a), "+" | ".", Value::Str(b)) => Value::Str(format!("{a}{b}")),
                _ if op == "?" => {
                    // A ternary: `cond ? a : b`.
                    if self.eat(":") {
                        self.postfix();
                    }
                    Value::Other
                }
                _ => Value::Other,
            };
            left = self.node(joined, start);
        }
        left
    }

    fn postfix(&mut self) -> Node {
        let start = self.start();
        let first = self.primary();
        let Value::Chain(mut links) = first.value else {
            let mut node = self.string_run(first);
            // `<<~SQL.squish`, `"...".freeze`: the string is kept.
            while matches!(self.tok(), Some(Tok::Punct("."))) {
                let Some(Tok::Ident(method)) = self.tok_at(1) else {
                    break;
                };
                let keeps = matches!(
                    method.as_str(),
                    "squish" | "strip" | "freeze" | "chomp" | "strip_heredoc" | "dedent" | "trim"
                );
                self.at += 2;
                if self.is_punct("(") {
                    self.args();
                }
                if !keeps {
                    node.value = Value::Other;
                }
            }
            node.end = self.last_end().max(node.start);
            return node;
        };
        loop {
            let member = matches!(self.tok(), Some(Tok::Punct("." | "->" | "::" | "?.")));
            let line_continues = matches!(self.tok(), Some(Tok::Newline))
                && matches!(self.tok_at(1), Some(Tok::Punct("." | "->" | "?.")));
            if line_continues {
                self.skip_newlines();
                continue;
            }
            if member {
                self.bump();
                self.skip_newlines();
                let name = match self.tok() {
                    Some(Tok::Ident(w) | Tok::Label(w)) => w.clone(),
                    _ => break,
                };
                self.bump();
                links.push(Link {
                    name,
                    generic: None,
                    args: None,
                    block: None,
                });
                continue;
            }
            let Some(last) = links.last_mut() else { break };
            if self.is_punct("<") && self.lang == Lang::CSharp && last.args.is_none() {
                last.generic = self.generic();
                continue;
            }
            if self.is_punct("(") && last.args.is_none() {
                last.args = Some(self.args());
                continue;
            }
            if self.is_punct("[") && self.lang != Lang::Ruby
                || self.is_punct("[") && last.args.is_some()
            {
                self.bump();
                self.expr();
                self.eat("]");
                continue;
            }
            if self.ruby_like() && last.args.is_none() && self.starts_bare_arg() {
                last.args = Some(self.bare_args());
            }
            if self.ruby_like() && last.block.is_none() && self.starts_block() {
                last.block = Some(self.ruby_block());
                continue;
            }
            break;
        }
        self.node(Value::Chain(links), start)
    }

    /// Python's adjacent literals (`"a" "b"`) are one string.
    fn string_run(&mut self, first: Node) -> Node {
        let Value::Str(mut s) = first.value else {
            return first;
        };
        if self.lang == Lang::Python {
            loop {
                // Inside brackets the next piece may be on the next line.
                let mut ahead = self.at;
                while matches!(self.toks.get(ahead).map(|t| &t.tok), Some(Tok::Newline)) {
                    ahead += 1;
                }
                let Some(Tok::Str {
                    value,
                    interpolated: false,
                }) = self.toks.get(ahead).map(|t| &t.tok)
                else {
                    break;
                };
                s.push_str(value);
                self.at = ahead + 1;
            }
        }
        self.node(Value::Str(s), first.start)
    }

    /// C#'s `<string>` after a name.
    fn generic(&mut self) -> Option<String> {
        let from = self.at;
        let mut depth = 0;
        let mut text = String::new();
        while let Some(t) = self.tok() {
            match t {
                Tok::Punct("<") => depth += 1,
                Tok::Punct(">") => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        return Some(text);
                    }
                }
                Tok::Ident(w) => text.push_str(w),
                Tok::Punct(p @ ("?" | "," | "[" | "]" | ".")) => text.push_str(p),
                _ => break,
            }
            self.bump();
        }
        self.at = from + 1;
        None
    }

    /// Whether a Ruby/Elixir call without parentheses has arguments here.
    fn starts_bare_arg(&self) -> bool {
        let Some(t) = self.toks.get(self.at) else {
            return false;
        };
        let spaced = self
            .at
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .is_some_and(|prev| prev.end < t.start);
        match &t.tok {
            Tok::Sym(_) | Tok::Str { .. } | Tok::Label(_) | Tok::Words(_) | Tok::Num(_) => spaced,
            Tok::Ident(w) => {
                spaced
                    && !matches!(
                        w.as_str(),
                        "do" | "if"
                            | "unless"
                            | "and"
                            | "or"
                            | "end"
                            | "then"
                            | "rescue"
                            | "while"
                            | "until"
                            | "in"
                            | "when"
                    )
            }
            Tok::Punct("[" | "-" | "!" | "@") => spaced,
            Tok::Punct("{") => false,
            _ => false,
        }
    }

    fn starts_block(&self) -> bool {
        match self.tok() {
            Some(Tok::Ident(w)) => w == "do",
            // `{ |t| ... }`, `safety_assured { remove_column ... }` (a hash
            // would start with a key).
            Some(Tok::Punct("{")) => {
                self.lang == Lang::Ruby
                    && match self.tok_at(1) {
                        Some(Tok::Punct("|")) => true,
                        Some(Tok::Ident(_) | Tok::Newline) => {
                            !matches!(self.tok_at(2), Some(Tok::Punct("=>")))
                        }
                        _ => false,
                    }
            }
            _ => false,
        }
    }

    /// Ruby/Elixir arguments without parentheses, to the end of the line
    /// (a trailing comma goes on to the next).
    fn bare_args(&mut self) -> Vec<Arg> {
        let mut args = Vec::new();
        loop {
            args.push(self.arg());
            if self.eat(",") {
                self.skip_newlines();
                continue;
            }
            break;
        }
        args
    }

    /// `do |t| ... end` or `{ |t| ... }`.
    fn ruby_block(&mut self) -> Block {
        let brace = self.is_punct("{");
        self.bump();
        let mut params = Vec::new();
        if self.eat("|") {
            while let Some(t) = self.tok() {
                match t {
                    Tok::Punct("|") => {
                        self.bump();
                        break;
                    }
                    Tok::Ident(w) => params.push(w.clone()),
                    Tok::Newline => break,
                    _ => {}
                }
                self.bump();
            }
        }
        let body = self.statements(if brace { Close::Brace } else { Close::End });
        Block { params, body }
    }

    /// `(a, b: 1, c=2)` (opening parenthesis here).
    fn args(&mut self) -> Vec<Arg> {
        self.bump();
        let mut args = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat(")") || self.tok().is_none() {
                return args;
            }
            let before = self.at;
            args.push(self.arg());
            self.skip_newlines();
            if !self.eat(",") && !self.is_punct(")") {
                // Something the argument did not take: skipped.
                if self.at == before {
                    self.bump();
                }
                if !self.is_punct(")") && self.tok().is_some() && self.at == before {
                    self.bump();
                }
            }
            if self.at == before {
                self.bump();
            }
        }
    }

    fn arg(&mut self) -> Arg {
        while self.eat("*") || self.eat("**") || self.eat("...") || self.eat("&") {}
        if let Some(Tok::Label(name)) = self.tok() {
            let name = name.clone();
            self.bump();
            self.skip_newlines();
            return Arg {
                name: Some(name),
                value: self.expr(),
            };
        }
        // Python's `name=value`.
        if self.lang == Lang::Python
            && let (Some(Tok::Ident(name)), Some(Tok::Punct("="))) = (self.tok(), self.tok_at(1))
        {
            let name = name.clone();
            self.at += 2;
            return Arg {
                name: Some(name),
                value: self.expr(),
            };
        }
        let value = self.expr();
        // Ruby's `"key" => value` in an argument list.
        if matches!(self.lang, Lang::Ruby) && self.eat("=>") {
            let key = value.value.str().map(str::to_string);
            let v = self.expr();
            return Arg {
                name: key,
                value: v,
            };
        }
        // C#'s and PHP's typed parameters (`MigrationBuilder builder`,
        // `Blueprint $table`): the second word names it.
        if matches!(self.lang, Lang::CSharp | Lang::Php)
            && let Some(Tok::Ident(name)) = self.tok()
            && value.value.links().len() == 1
        {
            let name = name.clone();
            self.bump();
            return Arg {
                name: Some(name),
                value,
            };
        }
        Arg { name: None, value }
    }

    fn primary(&mut self) -> Node {
        let start = self.start();
        let Some(tok) = self.tok().cloned() else {
            return self.node(Value::Other, start);
        };
        // A closer ends the expression; it belongs to whoever opened it.
        if matches!(tok, Tok::Punct(")" | "]" | "}")) {
            return self.node(Value::Other, start);
        }
        // PHP's fully qualified `\Schema::table(...)`.
        if tok == Tok::Punct("\\") && self.lang == Lang::Php {
            self.bump();
            return self.primary();
        }
        self.bump();
        let value = match tok {
            Tok::Str {
                value,
                interpolated,
            } => {
                if interpolated {
                    Value::Interp(value)
                } else {
                    Value::Str(value)
                }
            }
            Tok::Sym(s) => Value::Sym(s),
            Tok::Num(n) => Value::Num(n),
            Tok::Words(w) => Value::List(
                w.into_iter()
                    .map(|s| Node {
                        value: Value::Str(s),
                        start,
                        end: start,
                    })
                    .collect(),
            ),
            Tok::Label(name) => {
                // A keyword list element outside a call (`[a: 1]`).
                let v = self.expr();
                let key = self.node(Value::Sym(name), start);
                return self.node(Value::Map(vec![(key, v)]), start);
            }
            Tok::Ident(w) => return self.word(w, start),
            Tok::Punct("(") => return self.paren(start),
            Tok::Punct("[") => return self.list(start, "]"),
            Tok::Punct("{") => return self.map(start),
            Tok::Punct("%") if self.is_punct("{") => {
                self.bump();
                return self.map_body(start);
            }
            Tok::Punct("-" | "!" | "~" | "@" | "&") => {
                let inner = self.postfix();
                match (&tok, inner.value) {
                    (Tok::Punct("-"), Value::Num(n)) => Value::Num(format!("-{n}")),
                    // `!Schema::hasColumn(...)`: what is negated (guards
                    // are recognised by what they ask).
                    (Tok::Punct("!"), inner @ Value::Chain(_)) => inner,
                    (Tok::Punct("@"), Value::Chain(mut links)) if !links.is_empty() => {
                        links[0].name = format!("@{}", links[0].name);
                        Value::Chain(links)
                    }
                    _ => Value::Other,
                }
            }
            Tok::Punct("->") if self.ruby_like() => {
                // Ruby's `-> { ... }` lambda.
                if self.is_punct("{") {
                    self.bump();
                    let body = self.statements(Close::Brace);
                    return self.node(
                        Value::Block(Block {
                            params: vec![],
                            body,
                        }),
                        start,
                    );
                }
                Value::Other
            }
            _ => Value::Other,
        };
        self.node(value, start)
    }

    fn word(&mut self, w: String, start: usize) -> Node {
        let value = match w.as_str() {
            "true" | "True" => Value::Bool(true),
            "false" | "False" => Value::Bool(false),
            "nil" | "null" | "None" | "undefined" | "NULL" => Value::Nil,
            "new" => return self.new_expr(start),
            "function" | "fn" => return self.function(start),
            "async" | "await" | "not" | "typeof" => return self.postfix(),
            "array" if self.lang == Lang::Php && self.is_punct("(") => {
                return self.list(start, ")");
            }
            _ => {
                // `x => ...` (JS, C#): a one-parameter lambda.
                if matches!(self.lang, Lang::Js | Lang::CSharp) && self.is_punct("=>") {
                    self.bump();
                    return self.lambda_body(vec![w], start);
                }
                Value::Chain(vec![Link {
                    name: w,
                    generic: None,
                    args: None,
                    block: None,
                }])
            }
        };
        self.node(value, start)
    }

    /// `(...)`: a parenthesised expression, or the parameters of a lambda.
    fn paren(&mut self, start: usize) -> Node {
        let open = self.at - 1;
        let mut depth = 1;
        let mut close = self.at;
        while let Some(t) = self.toks.get(close) {
            match t.tok {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            close += 1;
        }
        let arrow = matches!(
            self.toks.get(close + 1).map(|t| &t.tok),
            Some(Tok::Punct("=>"))
        ) || matches!(
            self.toks.get(close + 1).map(|t| &t.tok),
            Some(Tok::Punct(":"))
        ) && self.lang == Lang::Js;
        if arrow && matches!(self.lang, Lang::Js | Lang::CSharp | Lang::Php) {
            self.at = open;
            let params = self.params();
            // A return type: `(): Promise<void> =>`.
            while !self.is_punct("=>") && self.tok().is_some() && !self.is_punct("{") {
                self.bump();
            }
            self.eat("=>");
            return self.lambda_body(params, start);
        }
        self.skip_newlines();
        if self.eat(")") {
            // `()`: an empty tuple.
            return self.node(Value::List(Vec::new()), start);
        }
        let inner = self.expr();
        self.skip_newlines();
        // `(a, b)`: a tuple, read as a list.
        if self.is_punct(",") {
            let mut items = vec![inner];
            while self.eat(",") {
                self.skip_newlines();
                if self.is_punct(")") {
                    break;
                }
                items.push(self.expr());
                self.skip_newlines();
            }
            while !self.eat(")") && self.tok().is_some() {
                self.bump();
            }
            return self.node(Value::List(items), start);
        }
        while !self.eat(")") && self.tok().is_some() {
            self.bump();
        }
        self.node(inner.value, start)
    }

    /// A parameter list's names (the opening parenthesis here).
    fn params(&mut self) -> Vec<String> {
        let mut names = Vec::new();
        if !self.eat("(") {
            return names;
        }
        let mut depth = 1;
        let mut expect_name = true;
        while let Some(t) = self.tok() {
            match t {
                Tok::Punct("(" | "<" | "{" | "[") => depth += 1,
                Tok::Punct(")" | ">" | "}" | "]") => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        break;
                    }
                }
                Tok::Punct(",") if depth == 1 => expect_name = true,
                // TypeScript's `queryInterface: QueryInterface`: the label.
                Tok::Label(w) if depth == 1 && expect_name => {
                    names.push(w.clone());
                    expect_name = false;
                }
                // `Blueprint $table`: the last word before `,` or `)`.
                Tok::Ident(w)
                    if depth == 1
                        && expect_name
                        && !matches!(self.tok_at(1), Some(Tok::Ident(_))) =>
                {
                    names.push(w.clone());
                    expect_name = false;
                }
                _ => {}
            }
            self.bump();
        }
        names
    }

    /// `function (params) { body }` (JS, PHP), `fn(x) => e` (PHP),
    /// `fn x -> ... end` (Elixir).
    fn function(&mut self, start: usize) -> Node {
        // `function up(knex) { ... }`: a named function is a definition.
        let mut name = None;
        if let Some(Tok::Ident(word)) = self.tok()
            && self.lang != Lang::Elixir
        {
            name = Some(word.clone());
            self.bump();
        }
        let params = if self.is_punct("(") {
            self.params()
        } else {
            vec![]
        };
        if self.lang == Lang::Php && self.is_ident("use") {
            self.bump();
            self.params();
        }
        // PHP's `: void`, TypeScript's `: Promise<void>`.
        if self.is_punct(":") {
            while !self.is_punct("{") && !self.is_punct("=>") && self.tok().is_some() {
                self.bump();
            }
        }
        if self.eat("=>") {
            return self.lambda_body(params, start);
        }
        if self.lang == Lang::Elixir {
            let body = self.statements(Close::End);
            return self.node(Value::Block(Block { params, body }), start);
        }
        if self.eat("{") {
            let body = self.statements(Close::Brace);
            let block = Block { params, body };
            return match name {
                Some(name) => self.node(Value::Def(name, block), start),
                None => self.node(Value::Block(block), start),
            };
        }
        self.node(Value::Other, start)
    }

    fn lambda_body(&mut self, params: Vec<String>, start: usize) -> Node {
        self.skip_newlines();
        let body = if self.eat("{") {
            self.statements(Close::Brace)
        } else {
            vec![self.expr()]
        };
        self.node(Value::Block(Block { params, body }), start)
    }

    /// C#'s `new { A = x }`, `new[] { ... }`, `new X(...)`, JS's `new X()`.
    fn new_expr(&mut self, start: usize) -> Node {
        // PHP's `return new class extends Migration { ... }`.
        if self.is_ident("class") {
            return self.class(start);
        }
        if self.eat("[") {
            self.eat("]");
            if self.eat("{") {
                return self.list(start, "}");
            }
        }
        if self.is_punct("{") {
            self.bump();
            return self.map_body(start);
        }
        // `new Map<string, number>()`: the type arguments are skipped.
        let name_start = self.start();
        let mut inner = self.primary();
        if self.is_punct("<")
            && matches!(self.lang, Lang::Js | Lang::CSharp)
            && let Value::Chain(links) = &mut inner.value
            && let Some(last) = links.last_mut()
        {
            last.generic = self.generic();
        }
        if self.is_punct("(")
            && let Value::Chain(links) = &mut inner.value
            && let Some(last) = links.last_mut()
        {
            last.args = Some(self.args());
        }
        let inner = self.node(inner.value, name_start);
        // `new Table({...})`, `new TableColumn(...)`: the constructed type.
        if self.is_punct("{") && self.lang == Lang::CSharp {
            self.bump();
            let init = self.map_body(start);
            return self.node(init.value, start);
        }
        self.node(inner.value, start)
    }

    fn list(&mut self, start: usize, close: &str) -> Node {
        let mut items = Vec::new();
        let mut pairs = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat(close) || self.tok().is_none() {
                break;
            }
            let before = self.at;
            let arg = self.arg();
            if let Some(name) = arg.name {
                let key = self.node(Value::Sym(name), arg.value.start);
                pairs.push((key, arg.value));
            } else if self.eat("=>") {
                let v = self.expr();
                pairs.push((arg.value, v));
            } else {
                items.push(arg.value);
            }
            self.skip_newlines();
            if !self.eat(",") && !self.is_punct(close) && self.at == before {
                self.bump();
            }
            if self.at == before {
                self.bump();
            }
        }
        if !pairs.is_empty() && items.is_empty() {
            return self.node(Value::Map(pairs), start);
        }
        self.node(Value::List(items), start)
    }

    /// JavaScript's `{ async up(queryInterface) { ... } }`: the key and
    /// its function (a return type, `: Promise<void>`, skipped).
    fn method_shorthand(&mut self, key: &Node) -> Option<(Node, Node)> {
        let [link] = key.value.links() else {
            return None;
        };
        let args = link.args.as_ref()?;
        if self.lang != Lang::Js || !(self.is_punct("{") || self.is_punct(":")) {
            return None;
        }
        if self.is_punct(":") {
            let from = self.at;
            while !self.is_punct("{") && !matches!(self.tok(), None | Some(Tok::Punct("," | "}"))) {
                self.bump();
            }
            if !self.is_punct("{") {
                self.at = from;
                return None;
            }
        }
        self.bump();
        let params = args.iter().filter_map(param_name).collect();
        let body = self.statements(Close::Brace);
        let name = self.node(Value::Sym(link.name.clone()), key.start);
        let function = self.node(Value::Block(Block { params, body }), key.start);
        Some((name, function))
    }

    /// `{` ... (opening brace already taken).
    fn map(&mut self, start: usize) -> Node {
        self.map_body(start)
    }

    fn map_body(&mut self, start: usize) -> Node {
        let mut pairs = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat("}") || self.tok().is_none() {
                break;
            }
            let before = self.at;
            if let Some(Tok::Label(name)) = self.tok() {
                let key = self.node(Value::Sym(name.clone()), self.start());
                self.bump();
                self.skip_newlines();
                let v = self.expr();
                pairs.push((key, v));
            } else {
                let key = self.expr();
                if let Some(method) = self.method_shorthand(&key) {
                    pairs.push(method);
                } else if self.eat(":") || self.eat("=>") || self.eat("=") {
                    self.skip_newlines();
                    let v = self.expr();
                    pairs.push((key, v));
                } else {
                    // JS shorthand `{ up }`, a spread: the key is the value.
                    pairs.push((key.clone(), key));
                }
            }
            self.skip_newlines();
            if !self.eat(",") && !self.eat(";") && !self.is_punct("}") && self.at == before {
                self.bump();
            }
            if self.at == before {
                self.bump();
            }
        }
        self.node(Value::Map(pairs), start)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    fn tree(src: &str, lang: Lang) -> Vec<Node> {
        parse(&tokenize(src, lang), lang)
    }

    fn names(n: &Node) -> Vec<&str> {
        n.value.links().iter().map(|l| l.name.as_str()).collect()
    }

    #[test]
    fn ruby_calls_blocks_and_definitions() {
        let t = tree(
            "class A < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :name, :string, null: false\n    create_table :t do |t|\n      t.string :x\n    end\n  end\nend\n",
            Lang::Ruby,
        );
        let Value::Class(class) = &t[0].value else {
            panic!("{t:?}")
        };
        let Value::Def(name, body) = &class.body[0].value else {
            panic!()
        };
        assert_eq!(name, "change");
        let add = &body.body[0].value.links()[0];
        assert_eq!(add.name, "add_column");
        assert_eq!(add.positional().count(), 3);
        assert_eq!(add.named("null"), Some(&Value::Bool(false)));
        let create = &body.body[1].value.links()[0];
        let block = create.block.as_ref().unwrap();
        assert_eq!(block.params, vec!["t"]);
        assert_eq!(names(&block.body[0]), vec!["t", "string"]);
    }

    #[test]
    fn python_keyword_arguments_and_chains() {
        let t = tree(
            "op.add_column('t', sa.Column('c', sa.String(length=5), nullable=False))\n",
            Lang::Python,
        );
        let links = t[0].value.links();
        assert_eq!(links[1].name, "add_column");
        let column = links[1].positional().nth(1).unwrap();
        assert_eq!(
            column.value.links()[1].named("nullable"),
            Some(&Value::Bool(false))
        );
    }

    #[test]
    fn javascript_lambdas_and_methods() {
        let t = tree(
            "module.exports = { up: async (queryInterface, Sequelize) => { await queryInterface.addColumn('a', 'b', { type: Sequelize.STRING }); } };",
            Lang::Js,
        );
        let Value::Assign(_, map) = &t[0].value else {
            panic!("{t:?}")
        };
        let Value::Map(pairs) = &map.value else {
            panic!()
        };
        let Value::Block(up) = &pairs[0].1.value else {
            panic!()
        };
        assert_eq!(up.params, vec!["queryInterface", "Sequelize"]);
        assert_eq!(names(&up.body[0]), vec!["queryInterface", "addColumn"]);
        let t = tree(
            "export class X implements MigrationInterface {\n public async up(queryRunner: QueryRunner): Promise<void> {\n await queryRunner.query(`DROP TABLE a`);\n }\n}",
            Lang::Js,
        );
        let Value::Class(c) = &t[0].value else {
            panic!("{t:?}")
        };
        let Value::Def(name, up) = &c.body[0].value else {
            panic!("{c:?}")
        };
        assert_eq!(name, "up");
        assert_eq!(names(&up.body[0]), vec!["queryRunner", "query"]);
    }

    #[test]
    fn csharp_generics_and_anonymous_objects() {
        let t = tree(
            "protected override void Up(MigrationBuilder migrationBuilder)\n{\n migrationBuilder.AddColumn<string>(name: \"X\", table: \"T\", nullable: true);\n}",
            Lang::CSharp,
        );
        let Value::Def(name, up) = &t[0].value else {
            panic!("{t:?}")
        };
        assert_eq!(name, "Up");
        let add = &up.body[0].value.links()[1];
        assert_eq!(add.generic.as_deref(), Some("string"));
        assert_eq!(add.named("table"), Some(&Value::Str("T".into())));
    }

    #[test]
    fn deep_nesting_and_garbage_do_not_overflow() {
        let deep = "(".repeat(50_000) + &"[".repeat(50_000);
        for lang in [
            Lang::Ruby,
            Lang::Python,
            Lang::Php,
            Lang::Js,
            Lang::CSharp,
            Lang::Elixir,
        ] {
            let _ = tree(&deep, lang);
            let _ = tree("end } ) ] do |x| def ( => -> :: ..", lang);
        }
    }
}
