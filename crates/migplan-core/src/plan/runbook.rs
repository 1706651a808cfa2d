//! The runbook: what a person runs, in which order, how to check each step
//! and how to undo it, with validation SQL for the real database. Rendered
//! as Markdown and as plain text (`progress.txt`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

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
    let mut o = String::new();
    let d = plan.dialect;
    let _ = writeln!(o, "# Runbook: {}\n", prose(title));
    let _ = writeln!(
        o,
        "Dialect: {}{}. Verdict of the migration as written: **{}**. {} steps; generated by migplan.\n",
        d.label(),
        if d == Dialect::Postgres {
            format!(" (target version {})", plan.options.pg_version)
        } else {
            String::new()
        },
        plan.max_severity.as_str(),
        plan.steps.len()
    );
    before_you_start(&mut o, plan);
    let _ = writeln!(o, "## Steps\n");
    let mut phase: Option<Phase> = None;
    for (i, s) in plan.steps.iter().enumerate() {
        if phase != Some(s.phase) {
            phase = Some(s.phase);
            let _ = writeln!(o, "### Phase: {}\n", s.phase.as_str());
        }
        step_markdown(&mut o, i + 1, s);
    }
    let _ = writeln!(o, "## After the migration: validation\n");
    for c in validation {
        let _ = writeln!(
            o,
            "- {} (expect {}):\n\n{}\n",
            prose(&c.what),
            prose(&c.expect),
            indent_block(&code_block(&format!("{};", c.sql)), "  ")
        );
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
        let _ = writeln!(o, "## Manual steps and dependencies\n");
        for m in manual {
            let _ = writeln!(o, "- {}", prose(&m));
        }
    }
    o
}

/// The checklist before the first step: backup, dry run, lock timeout, an
/// off-peak window for what scans or cannot be undone.
fn before_you_start(o: &mut String, plan: &Plan) {
    let d = plan.dialect;
    let _ = writeln!(o, "## Before you start\n");
    let backup = match d {
        Dialect::Postgres => "`pg_dump -Fc` and a test `pg_restore` into a scratch database",
        Dialect::Mysql => {
            "`mysqldump --single-transaction` (or a snapshot) and a test restore into a scratch server"
        }
        Dialect::Sqlite => "`sqlite3 app.db \".backup backup.db\"` and open the copy to check it",
    };
    let _ = writeln!(
        o,
        "- [ ] A recent backup, and restoring it verified: {backup}."
    );
    let _ = writeln!(
        o,
        "- [ ] A dry run on a copy of production (or `migplan simulate`)."
    );
    if d == Dialect::Postgres {
        let _ = writeln!(
            o,
            "- [ ] Locking steps set `lock_timeout = '{}'`: if one times out, nothing changed; retry it after a pause.",
            plan.options.lock_timeout
        );
    }
    let careful: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.effect.is_some_and(|e| e != crate::locks::Effect::None) || s.irreversible)
        .map(|s| s.title.as_str())
        .collect();
    let careful: Vec<String> = careful.into_iter().map(prose).collect();
    if !careful.is_empty() {
        let _ = writeln!(
            o,
            "- [ ] An off-peak window for the steps that scan, rewrite or cannot be undone: {}.",
            careful.join("; ")
        );
    }
    let _ = writeln!(o);
}

/// One step of the runbook: what it does, how it runs, its SQL, checks and
/// rollback.
fn step_markdown(o: &mut String, number: usize, s: &super::Step) {
    let _ = writeln!(o, "#### {}. {}\n", number, prose(&s.title));
    let _ = writeln!(o, "{}\n", prose(&s.why));
    let mut flags = Vec::new();
    if let Some(l) = &s.lock {
        flags.push(prose(&format!("lock: {l}")));
    }
    flags.push(if s.transactional {
        "in a transaction".to_string()
    } else {
        "outside any transaction (its own migration file)".to_string()
    });
    if s.repeat {
        flags.push("repeat until it changes 0 rows".into());
    }
    if s.idempotent {
        flags.push("safe to re-run".into());
    }
    let _ = writeln!(o, "_{}_\n", flags.join(" · "));
    if !s.is_deploy_point() {
        let _ = writeln!(o, "Run:\n\n{}\n", code_block(&super::terminated(&s.up)));
    }
    for c in &s.checks {
        let _ = writeln!(
            o,
            "Verify ({}; expect {}):\n\n{}\n",
            prose(&c.what),
            prose(&c.expect),
            code_block(&format!("{};", c.sql))
        );
    }
    match &s.down {
        Some(down) if !down.trim().is_empty() => {
            let _ = writeln!(
                o,
                "Roll back:\n\n{}\n",
                code_block(&super::terminated(down))
            );
        }
        Some(_) => {}
        None => {
            let _ = writeln!(o, "Roll back: **not possible automatically**.\n");
        }
    }
    if s.irreversible {
        let _ = writeln!(
            o,
            "**Data loss:** {}.\n",
            prose(s.reason.as_deref().unwrap_or("see above"))
        );
    }
    if let Some(dep) = &s.deploy {
        let _ = writeln!(
            o,
            "> **Deploy point:** {}. Do not go on until it is live everywhere.\n",
            prose(dep)
        );
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

/// [`prose`] back to plain text.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
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

/// The runbook as plain text (`progress.txt`): the same content, with
/// checkboxes to tick as you go.
pub fn text(plan: &Plan, title: &str, validation: &[Check]) -> String {
    let md = markdown(plan, title, validation);
    let mut out = String::new();
    for line in md.lines() {
        let l = unescape(
            &line
                .trim_start_matches("#### ")
                .trim_start_matches("### ")
                .trim_start_matches("## ")
                .trim_start_matches("# ")
                .replace("**", "")
                .replace('`', ""),
        );
        if line.starts_with("```") {
            continue;
        }
        let l = if line.starts_with("#### ") {
            format!("[ ] {l}")
        } else if line.starts_with('#') {
            l.to_uppercase()
        } else {
            l.trim_matches('_').to_string()
        };
        out.push_str(&l);
        out.push('\n');
    }
    out
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
