//! The runbook: what a person runs, in which order, how to check each step
//! and how to undo it, with validation SQL for the real database. Rendered
//! as Markdown and as plain text (`progress.txt`).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Phase, Plan};
use crate::catalog::{Catalog, ConstraintKind};
use crate::diff::{Change, ChangeKind, diff};
use crate::{Dialect, ddl, parse_source};

/// A query to run against the real database, with what it should return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub what: String,
    pub sql: String,
    pub expect: String,
}

/// Checks that a step did what it should: one per schema change it makes,
/// plus "nothing left to do" for backfills.
pub fn step_checks(
    d: Dialect,
    before: &Catalog,
    after: &Catalog,
    backfill: Option<&str>,
) -> Vec<Check> {
    let mut out: Vec<Check> = diff(before, after)
        .iter()
        .filter_map(|c| existence(d, c))
        .collect();
    if let Some(sql) = backfill {
        out.push(Check {
            what: "no row left to backfill".into(),
            sql: sql.to_string(),
            expect: "0".into(),
        });
    }
    out
}

/// A query showing that one change happened.
fn existence(d: Dialect, c: &Change) -> Option<Check> {
    let present = c.kind != ChangeKind::Removed;
    let expect = if present { "1" } else { "0" }.to_string();
    let lit = |s: &str| ddl::literal(crate::names::last(s));
    let sql = match (c.object, d) {
        ("table", Dialect::Sqlite) => format!(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = {}",
            lit(&c.name)
        ),
        ("table", _) => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = {}",
            lit(&c.name)
        ),
        ("column", _) => {
            let (table, column) = c.name.rsplit_once('.')?;
            if c.kind == ChangeKind::Changed {
                return Some(Check {
                    what: format!(
                        "column {} is now: {}",
                        c.name,
                        c.detail.clone().unwrap_or_default()
                    ),
                    sql: match d {
                        Dialect::Sqlite => format!(
                            "SELECT type, \"notnull\", dflt_value FROM pragma_table_info({}) WHERE name = {}",
                            lit(table),
                            ddl::literal(column)
                        ),
                        _ => format!(
                            "SELECT data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name = {} AND column_name = {}",
                            lit(table),
                            ddl::literal(column)
                        ),
                    },
                    expect: c.detail.clone().unwrap_or_default(),
                });
            }
            match d {
                Dialect::Sqlite => format!(
                    "SELECT count(*) FROM pragma_table_info({}) WHERE name = {}",
                    lit(table),
                    ddl::literal(column)
                ),
                _ => format!(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = {} AND column_name = {}",
                    lit(table),
                    ddl::literal(column)
                ),
            }
        }
        ("index", Dialect::Postgres) => format!(
            "SELECT count(*) FROM pg_indexes WHERE indexname = {}",
            lit(&c.name)
        ),
        ("index", Dialect::Mysql) => format!(
            "SELECT count(DISTINCT index_name) FROM information_schema.statistics WHERE index_name = {}",
            lit(&c.name)
        ),
        ("index", Dialect::Sqlite) => format!(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = {}",
            lit(&c.name)
        ),
        ("constraint", Dialect::Postgres) => {
            let (_, name) = c.name.rsplit_once('.')?;
            if c.kind == ChangeKind::Changed {
                return Some(Check {
                    what: format!(
                        "constraint {} is now: {}",
                        c.name,
                        c.detail.clone().unwrap_or_default()
                    ),
                    sql: format!(
                        "SELECT convalidated FROM pg_constraint WHERE conname = {}",
                        ddl::literal(name)
                    ),
                    expect: "true".into(),
                });
            }
            format!(
                "SELECT count(*) FROM pg_constraint WHERE conname = {}",
                ddl::literal(name)
            )
        }
        ("constraint", Dialect::Mysql) => {
            let (_, name) = c.name.rsplit_once('.')?;
            format!(
                "SELECT count(*) FROM information_schema.table_constraints WHERE constraint_name = {}",
                ddl::literal(name)
            )
        }
        ("view", Dialect::Sqlite) => format!(
            "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = {}",
            lit(&c.name)
        ),
        ("view", _) => format!(
            "SELECT count(*) FROM information_schema.views WHERE table_name = {}",
            lit(&c.name)
        ),
        _ => return None,
    };
    Some(Check {
        what: format!(
            "{} {} {}",
            c.object,
            c.name,
            if present { "exists" } else { "is gone" }
        ),
        sql,
        expect,
    })
}

/// Validation to run after the whole migration: row counts, orphans, NULLs
/// in NOT NULL columns, expected objects, invalid indexes.
pub fn validation(d: Dialect, before: &Catalog, after: &Catalog) -> Vec<Check> {
    let changes = diff(before, after);
    let touched: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c.object {
            "table" => Some(c.name.clone()),
            "column" | "constraint" => c.name.rsplit_once('.').map(|(t, _)| t.to_string()),
            "index" => after.indexes.get(&c.name).map(|i| i.table.clone()),
            _ => None,
        })
        .filter(|t| after.tables.contains_key(t))
        .collect();
    let mut out = Vec::new();
    for t in &touched {
        let table = &after.tables[t];
        let table_sql = ddl::name(t, d);
        out.push(Check {
            what: format!("rows in {t} (compare with the count before the migration)"),
            sql: format!("SELECT count(*) FROM {table_sql}"),
            expect: "the same as before, unless the migration deletes rows".into(),
        });
        for k in &table.constraints {
            if let ConstraintKind::ForeignKey {
                columns,
                references,
                referred_columns,
                ..
            } = &k.kind
                && !columns.is_empty()
                && columns.len() == referred_columns.len()
            {
                let on: Vec<String> = columns
                    .iter()
                    .zip(referred_columns)
                    .map(|(c, r)| format!("p.{} = c.{}", ddl::ident(r, d), ddl::ident(c, d)))
                    .collect();
                out.push(Check {
                    what: format!("no orphan rows for foreign key {}", k.name),
                    sql: format!(
                        "SELECT count(*) FROM {table_sql} c LEFT JOIN {} p ON {} WHERE c.{} IS NOT NULL AND p.{} IS NULL",
                        ddl::name(references, d),
                        on.join(" AND "),
                        ddl::ident(&columns[0], d),
                        ddl::ident(&referred_columns[0], d)
                    ),
                    expect: "0".into(),
                });
            }
        }
        for c in &table.columns {
            let was_nullable = before
                .table(t)
                .and_then(|b| b.column(&c.name))
                .is_none_or(|b| b.nullable);
            if !c.nullable && was_nullable {
                out.push(Check {
                    what: format!("no NULL in {t}.{}", c.name),
                    sql: format!(
                        "SELECT count(*) FROM {table_sql} WHERE {} IS NULL",
                        ddl::ident(&c.name, d)
                    ),
                    expect: "0".into(),
                });
            }
        }
    }
    out.extend(
        changes
            .iter()
            .filter(|c| matches!(c.object, "index" | "constraint"))
            .filter_map(|c| existence(d, c)),
    );
    if d == Dialect::Postgres {
        out.push(Check {
            what: "no INVALID index left by a failed concurrent build".into(),
            sql: "SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid".into(),
            expect: "no rows".into(),
        });
    }
    if d == Dialect::Sqlite {
        out.push(Check {
            what: "foreign keys hold".into(),
            sql: "PRAGMA foreign_key_check".into(),
            expect: "no rows".into(),
        });
    }
    out
}

/// The runbook as Markdown.
pub fn markdown(plan: &Plan, title: &str, validation: &[Check]) -> String {
    let mut doc = Doc::new(Style::Markdown);
    write_runbook(&mut doc, plan, title, validation);
    doc.out
}

/// The runbook as plain text (`progress.txt`): the same content, with
/// checkboxes to tick as you go. Written by the same code as the Markdown,
/// so SQL is never touched by the conversion.
pub fn text(plan: &Plan, title: &str, validation: &[Check]) -> String {
    let mut doc = Doc::new(Style::Text);
    write_runbook(&mut doc, plan, title, validation);
    doc.out
}

/// Markdown, or plain text with checkboxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Markdown,
    Text,
}

/// A runbook being written in one style: headings, prose, code and
/// emphasis each rendered the style's way.
struct Doc {
    style: Style,
    out: String,
}

impl Doc {
    fn new(style: Style) -> Doc {
        Doc {
            style,
            out: String::new(),
        }
    }

    fn md(&self) -> bool {
        self.style == Style::Markdown
    }

    /// A line (then a newline).
    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A heading: `#`s in Markdown; in text, upper case, or a checkbox for
    /// a step (level 4).
    fn heading(&mut self, level: usize, text: &str) {
        let line = match (self.style, level) {
            (Style::Markdown, _) => format!("{} {text}", "#".repeat(level)),
            (Style::Text, 4) => format!("[ ] {text}"),
            (Style::Text, _) => text.to_uppercase(),
        };
        self.line(&line);
        self.line("");
    }

    /// Names and messages, inert in Markdown; as they are in text (control
    /// characters made spaces in both).
    fn prose(&self, text: &str) -> String {
        if self.md() {
            prose(text)
        } else {
            text.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        }
    }

    /// Inline code written by migplan (a command, a setting).
    fn tick(&self, text: &str) -> String {
        if self.md() {
            format!("`{text}`")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.md() {
            format!("**{text}**")
        } else {
            text.to_string()
        }
    }

    fn emphasis(&self, text: &str) -> String {
        if self.md() {
            format!("_{text}_")
        } else {
            text.to_string()
        }
    }

    /// SQL, fenced in Markdown, verbatim in text.
    fn code(&self, sql: &str) -> String {
        if self.md() {
            code_block(sql)
        } else {
            sql.to_string()
        }
    }
}

fn write_runbook(doc: &mut Doc, plan: &Plan, title: &str, validation: &[Check]) {
    let d = plan.dialect;
    doc.heading(1, &format!("Runbook: {}", doc.prose(title)));
    let verdict = doc.bold(plan.max_severity.as_str());
    doc.line(&format!(
        "Dialect: {}{}. Verdict of the migration as written: {verdict}. {} steps; generated by migplan.\n",
        d.label(),
        if d == Dialect::Postgres {
            format!(" (target version {})", plan.options.pg_version)
        } else {
            String::new()
        },
        plan.steps.len()
    ));
    before_you_start(doc, plan);
    doc.heading(2, "Steps");
    let mut phase: Option<Phase> = None;
    for (i, s) in plan.steps.iter().enumerate() {
        if phase != Some(s.phase) {
            phase = Some(s.phase);
            doc.heading(3, &format!("Phase: {}", s.phase.as_str()));
        }
        write_step(doc, i + 1, s);
    }
    doc.heading(2, "After the migration: validation");
    for c in validation {
        let line = format!(
            "- {} (expect {}):\n\n{}\n",
            doc.prose(&c.what),
            doc.prose(&c.expect),
            indent_block(&doc.code(&format!("{};", c.sql)), "  ")
        );
        doc.line(&line);
    }
    let manual: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| s.deploy.clone())
        .chain(
            plan.steps
                .iter()
                .filter(|s| !s.transactional)
                .map(|s| format!("\"{}\" needs its own non-transactional migration", s.title)),
        )
        .chain(plan.notes.iter().cloned())
        .collect();
    if !manual.is_empty() {
        doc.heading(2, "Manual steps and dependencies");
        for m in manual {
            let line = format!("- {}", doc.prose(&m));
            doc.line(&line);
        }
    }
}

/// The checklist before the first step: backup, dry run, lock timeout, an
/// off-peak window for what scans or cannot be undone.
fn before_you_start(doc: &mut Doc, plan: &Plan) {
    let d = plan.dialect;
    doc.heading(2, "Before you start");
    let backup = match d {
        Dialect::Postgres => format!(
            "{} and a test {} into a scratch database",
            doc.tick("pg_dump -Fc"),
            doc.tick("pg_restore")
        ),
        Dialect::Mysql => format!(
            "{} (or a snapshot) and a test restore into a scratch server",
            doc.tick("mysqldump --single-transaction")
        ),
        Dialect::Sqlite => format!(
            "{} and open the copy to check it",
            doc.tick("sqlite3 app.db \".backup backup.db\"")
        ),
    };
    doc.line(&format!(
        "- [ ] A recent backup, and restoring it verified: {backup}."
    ));
    let simulate = doc.tick("migplan simulate");
    doc.line(&format!(
        "- [ ] A dry run on a copy of production (or {simulate})."
    ));
    if d == Dialect::Postgres {
        let setting = doc.tick(&format!("lock_timeout = '{}'", plan.options.lock_timeout));
        doc.line(&format!(
            "- [ ] Locking steps set {setting}: if one times out, nothing changed; retry it after a pause."
        ));
    }
    let careful: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.effect.is_some_and(|e| e != crate::locks::Effect::None) || s.irreversible)
        .map(|s| doc.prose(&s.title))
        .collect();
    if !careful.is_empty() {
        doc.line(&format!(
            "- [ ] An off-peak window for the steps that scan, rewrite or cannot be undone: {}.",
            careful.join("; ")
        ));
    }
    doc.line("");
}

/// How a step runs, in a few words (lock, transaction, repetition).
fn step_flags(doc: &Doc, s: &super::Step) -> String {
    let mut flags = Vec::new();
    if let Some(l) = &s.lock {
        flags.push(doc.prose(&format!("lock: {l}")));
    }
    flags.push(if !s.transactional {
        "outside any transaction (its own migration file)".to_string()
    } else if s.implicit_commit {
        "commits at once (MySQL commits DDL implicitly: a failure leaves what ran before it)"
            .to_string()
    } else {
        "in a transaction".to_string()
    });
    if s.repeat {
        flags.push("repeat until it changes 0 rows".into());
    }
    if s.idempotent {
        flags.push("safe to re-run".into());
    }
    doc.emphasis(&flags.join(" · "))
}

/// One step of the runbook: what it does, how it runs, its SQL, checks and
/// rollback.
fn write_step(doc: &mut Doc, number: usize, s: &super::Step) {
    doc.heading(4, &format!("{number}. {}", doc.prose(&s.title)));
    let why = doc.prose(&s.why);
    doc.line(&format!("{why}\n"));
    let flags = step_flags(doc, s);
    doc.line(&format!("{flags}\n"));
    if !s.is_deploy_point() {
        let run = doc.code(&super::terminated(&s.up));
        doc.line(&format!("Run:\n\n{run}\n"));
    }
    for c in &s.checks {
        let line = format!(
            "Verify ({}; expect {}):\n\n{}\n",
            doc.prose(&c.what),
            doc.prose(&c.expect),
            doc.code(&format!("{};", c.sql))
        );
        doc.line(&line);
    }
    match &s.down {
        Some(down) if !down.trim().is_empty() => {
            let back = doc.code(&super::terminated(down));
            doc.line(&format!("Roll back:\n\n{back}\n"));
        }
        Some(_) => {}
        None => {
            let never = doc.bold("not possible automatically");
            doc.line(&format!("Roll back: {never}.\n"));
        }
    }
    if s.irreversible {
        let line = format!(
            "{} {}.\n",
            doc.bold("Data loss:"),
            doc.prose(s.reason.as_deref().unwrap_or("see above"))
        );
        doc.line(&line);
    }
    if let Some(dep) = &s.deploy {
        let line = format!(
            "> {} {}. Do not go on until it is live everywhere.\n",
            doc.bold("Deploy point:"),
            doc.prose(dep)
        );
        doc.line(&line);
    }
}

/// Text from names and messages made inert in Markdown: line breaks and
/// control characters become spaces, and the characters that make HTML,
/// links, code or tables are escaped (names keep their underscores).
pub fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.push(' '),
            '\\' | '`' | '[' | ']' | '<' | '>' | '|' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A fenced SQL block whose fence is longer than any run of backticks in
/// the code, so the code cannot close it.
fn code_block(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}sql\n{code}\n{fence}")
}

fn indent_block(block: &str, by: &str) -> String {
    block
        .lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether every check query parses in the dialect (used by tests).
pub fn checks_parse(d: Dialect, checks: &[Check]) -> Result<(), String> {
    for c in checks {
        let p = parse_source(&c.sql, d);
        if let Some(s) = p
            .statements
            .iter()
            .find(|s| !s.parsed() && s.kind != crate::parse::StatementKind::Pragma)
        {
            return Err(format!("{}: {:?}", s.sql, s.error));
        }
    }
    Ok(())
}
