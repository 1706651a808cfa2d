//! Reads TypeORM migrations: `queryRunner.query(sql)` (and
//! `queryRunner.manager.query`) as that SQL, the `QueryRunner` schema API
//! called with names (`dropColumn`, `dropTable`, `renameColumn`,
//! `renameTable`, `dropIndex`) as the SQL it runs; `up` is the up
//! section, `down` the down. SQL built at run time, loops, conditions and
//! repository code are reported as not analysed.

use crate::Dialect;
use crate::frameworks::dsl::sql::{self, ConstraintKind};
use crate::frameworks::dsl::tree::{self, Block, Link, Node, Value};
use crate::frameworks::dsl::{Lang, Ops, ReadCx, Reading, tokens};
use crate::parse::Section;

pub fn read(cx: &ReadCx) -> Reading {
    let (text, d) = (cx.text, cx.dialect);
    let nodes = tree::parse(&tokens::tokenize(text, Lang::Js), Lang::Js);
    let mut ops = Ops::new(d, text);
    ops.reading.transaction = crate::frameworks::dsl::in_transaction_by_default(d);
    let mut reader = Reader {
        ops,
        helpers: Vec::new(),
        depth: 0,
    };
    for node in &nodes {
        if let Value::Class(class) = &node.value {
            reader.helpers = class
                .body
                .iter()
                .filter_map(|m| match &m.value {
                    Value::Def(name, body) => Some((name.clone(), body)),
                    _ => None,
                })
                .collect();
            for member in &class.body {
                reader.method(member);
            }
        }
    }
    reader.ops.reading
}

struct Reader<'a, 't> {
    ops: Ops<'t>,
    /// The class's methods, for `this.helper(queryRunner)` calls.
    helpers: Vec<(String, &'a Block)>,
    depth: usize,
}

impl<'a> Reader<'a, '_> {
    fn method(&mut self, node: &'a Node) {
        match &node.value {
            Value::Def(name, body) if name == "up" || name == "down" => {
                let runner = body.params.first().map_or("queryRunner", String::as_str);
                self.ops.section = if name == "down" {
                    Section::Down
                } else {
                    Section::Up
                };
                for statement in &body.body {
                    self.statement(runner, statement);
                }
                self.ops.section = Section::Up;
            }
            // `public transaction = false`.
            Value::Assign(target, value)
                if target
                    .value
                    .links()
                    .last()
                    .is_some_and(|l| l.name == "transaction")
                    && value.value == Value::Bool(false) =>
            {
                self.ops.reading.transaction = Some(false);
            }
            _ => {}
        }
    }

    fn statement(&mut self, runner: &str, node: &Node) {
        match &node.value {
            Value::Chain(links) => self.call(runner, node, links),
            // `const rows = await queryRunner.query(...)`: the query runs;
            // any other assignment is code.
            Value::Assign(_, value)
                if value
                    .value
                    .links()
                    .first()
                    .is_some_and(|l| l.name == runner || l.name == "this") =>
            {
                self.statement(runner, value);
            }
            Value::Control(word, inner) => {
                for n in self.ops.control(node, Lang::Js, word, inner) {
                    self.statement(runner, n);
                }
            }
            Value::Nil | Value::Str(_) => {}
            _ => self.ops.code(node, "TypeScript migplan does not follow"),
        }
    }

    fn call(&mut self, runner: &str, node: &Node, links: &[Link]) {
        let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        let Some(last) = links.last() else { return };
        let on_runner = names.first() == Some(&runner);
        // `this.helper(queryRunner)`: the helper's body, read in place.
        if let ["this", helper] = names.as_slice()
            && self.depth < 4
            && let Some(body) = self
                .helpers
                .iter()
                .find(|(n, _)| n == helper)
                .map(|(_, b)| *b)
        {
            let inner_runner = body
                .params
                .first()
                .map_or(runner, String::as_str)
                .to_string();
            self.depth += 1;
            for statement in &body.body {
                self.statement(&inner_runner, statement);
            }
            self.depth -= 1;
            return;
        }
        let result = match names.as_slice() {
            [_, "query"] | [_, "manager", "query"] if on_runner => query(last),
            [
                _,
                "startTransaction" | "commitTransaction" | "rollbackTransaction" | "release",
            ] if on_runner => {
                return;
            }
            [_, op] if on_runner => schema_call(self.ops.dialect, op, last),
            _ => Err(format!(
                "TypeScript migplan does not follow (`{}`)",
                names.join(".")
            )),
        };
        self.ops.read(node, result);
    }
}

fn query(call: &Link) -> Result<Vec<String>, String> {
    match call.positional().next().map(|n| &n.value) {
        Some(Value::Str(sql)) => Ok(vec![sql.clone()]),
        Some(Value::Interp(_)) => Err("SQL built at run time (a template with ${...})".into()),
        _ => Err("a query of SQL built in TypeScript".into()),
    }
}

/// The `QueryRunner` schema API called with names.
fn schema_call(d: Dialect, op: &str, call: &Link) -> Result<Vec<String>, String> {
    let args: Vec<&str> = call.positional().filter_map(|n| n.value.str()).collect();
    let arg = |i: usize| {
        args.get(i).copied().ok_or_else(|| {
            format!("`{op}` with arguments built in TypeScript (a Table or TableColumn object)")
        })
    };
    Ok(match op {
        "dropColumn" => vec![sql::drop_column(arg(0)?, arg(1)?, false, d)],
        "dropTable" => vec![sql::drop_table(arg(0)?, false, false, d)],
        "renameColumn" => vec![sql::rename_column(arg(0)?, arg(1)?, arg(2)?, d)],
        "renameTable" => vec![sql::rename_table(arg(0)?, arg(1)?, d)],
        "dropIndex" => vec![sql::drop_index(arg(0)?, arg(1)?, false, false, d)],
        "dropForeignKey" => vec![sql::drop_constraint(
            arg(0)?,
            arg(1)?,
            ConstraintKind::ForeignKey,
            false,
            d,
        )],
        other => return Err(format!("`queryRunner.{other}` is not a call migplan reads")),
    })
}
