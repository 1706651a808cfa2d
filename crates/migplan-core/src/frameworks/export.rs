//! Writing a plan as migration files in a framework's conventions: one
//! file (or up/down pair) per transactional unit, non-transactional units
//! marked the framework's way, raw-SQL wrappers for ORM frameworks.

use serde::Serialize;

use super::{Detection, Framework, next_version};
use crate::Dialect;
pub(super) use crate::plan::native::{ConstraintKind, Native, OnDelete};
use crate::plan::{Plan, Step, runbook, terminated, units};

/// One file to write, relative to the project root.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportFile {
    pub path: String,
    pub content: String,
}

/// A unit of the plan, ready to be wrapped: its SQL and how it must run.
#[derive(Debug, Clone)]
pub struct Unit {
    pub version: String,
    pub name: String,
    pub up: String,
    pub down: Option<String>,
    pub transactional: bool,
    /// A deploy that must happen after this migration and before the next.
    pub deploy: Vec<String>,
    /// The checks of the unit's steps (Sqitch's verify scripts).
    pub checks: Vec<runbook::Check>,
    /// The unit's steps one by one, for writers that speak the
    /// framework's own operations.
    pub parts: Vec<Part>,
    /// Deploys due before this unit runs (written at the top of `up`).
    pub deploy_before: Vec<String>,
}

/// One step of a unit, for writers that speak the framework's operations.
#[derive(Debug, Clone)]
pub struct Part {
    pub title: String,
    /// The SQL the step runs, without its `SET lock_timeout` (a backfill as
    /// its loop).
    pub up: String,
    /// What undoes it; `None` when nothing can.
    pub down: Option<String>,
    pub native: Option<Native>,
    pub native_down: Option<Native>,
    /// The plan's `SET lock_timeout = '…'`, when the step starts with it.
    pub lock_timeout: Option<String>,
    /// What undoing it loses.
    pub lossy: Option<String>,
}

/// A unit's `up` or `down` as the pieces a writer renders in order.
#[derive(Debug, Clone)]
pub enum Piece<'a> {
    /// A line for a comment (already free of line breaks).
    Comment(String),
    /// SQL with no operation of its own.
    Sql(String),
    /// An operation, and the SQL saying the same for a writer without it.
    Op(&'a Native, String),
}

impl Unit {
    /// The pieces of `up`: deploys due first, then each step's title and
    /// operation (after its `SET lock_timeout`).
    pub fn up_pieces(&self) -> Vec<Piece<'_>> {
        let mut out: Vec<Piece> = self
            .deploy_before
            .iter()
            .map(|d| {
                Piece::Comment(format!(
                    "Before this migration, deploy: {}",
                    comment_text(d)
                ))
            })
            .collect();
        for part in &self.parts {
            out.push(Piece::Comment(comment_text(&part.title)));
            if let Some(set) = &part.lock_timeout {
                out.push(Piece::Sql(set.clone()));
            }
            match &part.native {
                Some(op) => out.push(Piece::Op(op, part.up.clone())),
                None => out.extend(sql_or_comments(&part.up)),
            }
        }
        out
    }

    /// The pieces of `down`, steps in reverse order; `None` when a step
    /// cannot be undone. A down that is only comments stays comments.
    pub fn down_pieces(&self) -> Option<Vec<Piece<'_>>> {
        if self.parts.iter().any(|p| p.down.is_none()) {
            return None;
        }
        let mut out = Vec::new();
        for part in self.parts.iter().rev() {
            let down = part.down.as_deref().unwrap_or_default();
            if down.trim().is_empty() {
                continue;
            }
            out.push(Piece::Comment(format!(
                "undo: {}",
                comment_text(&part.title)
            )));
            if let Some(lost) = &part.lossy {
                out.push(Piece::Comment(format!("LOSSY: {}", comment_text(lost))));
            }
            match &part.native_down {
                Some(op) => out.push(Piece::Op(op, down.to_string())),
                None => out.extend(sql_or_comments(down)),
            }
        }
        Some(out)
    }
}

/// What a framework's writer is given: the plan, its units ready to wrap,
/// where the files go and the project they continue.
pub struct ExportCx<'a> {
    pub plan: &'a Plan,
    pub units: &'a [Unit],
    /// The folder new files go in (relative; may be empty).
    pub dir: String,
    pub name: &'a str,
    pub timestamp: &'a str,
    pub detection: Option<&'a Detection>,
    pub existing: &'a [super::Migration],
}

impl ExportCx<'_> {
    /// `path` inside the migrations folder.
    pub fn join(&self, path: &str) -> String {
        if self.dir.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.dir)
        }
    }
}

pub(super) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out: String = out.trim_end_matches('_').chars().take(48).collect();
    out.trim_end_matches('_').to_string()
}

/// A file name for the `number`th unit: the change's name (cut so the
/// number always fits), the number, then the unit's title, all as a slug.
/// Every unit gets a different name however long the change's name is.
pub(super) fn unit_name(name: &str, number: usize, title: &str) -> String {
    let base: String = slug(name).chars().take(24).collect();
    let base = base.trim_end_matches('_');
    slug(&format!("{base} {number} {title}"))
}

/// Text for a one-line comment in a generated file: line breaks and other
/// control characters become spaces, so nothing a name holds can end the
/// comment and become code.
pub(crate) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub(super) fn camel(s: &str) -> String {
    slug(s)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A backfill step's SQL for a file that runs once: the batch repeated
/// until no row changes (a DO loop that commits on PostgreSQL, a procedure
/// on MySQL; SQLite has one writer, so one statement over all rows).
pub fn looped(step: &Step, d: Dialect) -> String {
    let one = step.up.trim().trim_end_matches(';');
    match d {
        Dialect::Postgres => format!(
            "DO $$\nDECLARE\n  n bigint;\nBEGIN\n  LOOP\n    {one};\n    GET DIAGNOSTICS n = ROW_COUNT;\n    RAISE NOTICE 'migplan backfill: % rows', n;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND\n$$"
        ),
        Dialect::Mysql => {
            let proc = format!("migplan_batch_{}", step.line);
            format!(
                "CREATE PROCEDURE {proc}() BEGIN DECLARE n INT DEFAULT 1; WHILE n > 0 DO {one}; SET n = ROW_COUNT(); SELECT CONCAT('migplan backfill: ', n, ' rows') AS progress; END WHILE; END;\nCALL {proc}();\nDROP PROCEDURE {proc}"
            )
        }
        Dialect::Sqlite => {
            // `... WHERE key IN (SELECT key ... LIMIT n)` → every row at once.
            match one.find(" LIMIT ") {
                Some(at) => {
                    let end = one[at..].find(')').map_or(one.len(), |p| at + p);
                    format!("{}{}", &one[..at], &one[end..])
                }
                None => one.to_string(),
            }
        }
    }
}

pub(super) fn units_of(
    plan: &Plan,
    existing: &[super::Migration],
    name: &str,
    timestamp: &str,
) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut pending_deploys: Vec<String> = Vec::new();
    let mut n = 0;
    for unit in units(plan) {
        // A deploy point with no SQL of its own goes on the unit before it.
        if unit.iter().all(|s| s.is_deploy_point()) {
            let d: Vec<String> = unit.iter().filter_map(|s| s.deploy.clone()).collect();
            match out.last_mut() {
                Some(last) => last.deploy.extend(d),
                None => pending_deploys.extend(d),
            }
            continue;
        }
        let mut up = String::new();
        let deploy_before = pending_deploys.clone();
        if !pending_deploys.is_empty() {
            for d in pending_deploys.drain(..) {
                up.push_str(&format!(
                    "-- Before this migration, deploy: {}\n",
                    comment_text(&d)
                ));
            }
        }
        let mut transactional = true;
        for s in &unit {
            up.push_str(&format!("-- {}\n", comment_text(&s.title)));
            if s.repeat {
                up.push_str(&terminated(&looped(s, plan.dialect)));
                if plan.dialect == Dialect::Postgres {
                    transactional = false;
                }
            } else {
                up.push_str(&terminated(&s.up));
                transactional &= s.transactional;
            }
            up.push('\n');
        }
        let downs: Vec<&Step> = unit.iter().rev().copied().collect();
        let down = if downs.iter().all(|s| s.down.is_some()) {
            let mut d = String::new();
            for s in downs {
                let text = s.down.as_deref().unwrap_or_default();
                if text.trim().is_empty() {
                    continue;
                }
                d.push_str(&format!("-- undo: {}\n", comment_text(&s.title)));
                if s.irreversible {
                    d.push_str(&format!(
                        "-- LOSSY: {}\n",
                        comment_text(s.reason.as_deref().unwrap_or(""))
                    ));
                }
                d.push_str(&terminated(text));
                d.push('\n');
            }
            Some(d)
        } else {
            None
        };
        let title = unit.first().map(|s| s.title.as_str()).unwrap_or(name);
        let parts = unit.iter().map(|s| part(plan, s)).collect();
        out.push(Unit {
            parts,
            deploy_before,
            version: next_version(existing, timestamp, n),
            name: unit_name(name, n + 1, title),
            up,
            down,
            transactional,
            deploy: Vec::new(),
            checks: unit.iter().flat_map(|s| s.checks.iter().cloned()).collect(),
        });
        n += 1;
    }
    out
}

/// A step as a unit's part: its SQL without the plan's `SET lock_timeout`
/// (kept apart, to go before the framework's operation).
fn part(plan: &Plan, step: &Step) -> Part {
    let set = format!("SET lock_timeout = '{}'", plan.options.lock_timeout);
    let up = if step.repeat {
        looped(step, plan.dialect)
    } else if step.lock_timeout {
        let prefix = format!("{set};\n");
        step.up
            .strip_prefix(&prefix)
            .unwrap_or(&step.up)
            .to_string()
    } else {
        step.up.clone()
    };
    Part {
        title: step.title.clone(),
        up,
        down: step.down.clone(),
        native: step.native.clone(),
        native_down: step.native_down.clone(),
        lock_timeout: step.lock_timeout.then_some(set),
        lossy: step
            .irreversible
            .then(|| step.reason.clone().unwrap_or_default()),
    }
}

/// How a framework writes each kind of piece, each with its own
/// indentation: a comment line, raw SQL, and its operations (`None` for
/// one it has no operation for: the SQL is written instead).
pub(super) struct Speech<'a> {
    pub comment: &'a dyn Fn(&str) -> String,
    pub sql: &'a dyn Fn(&str) -> String,
    pub op: &'a dyn Fn(&Native) -> Option<String>,
}

impl Speech<'_> {
    /// The pieces, one after another.
    pub fn render(&self, pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Comment(text) => (self.comment)(text),
                Piece::Sql(sql) => (self.sql)(sql),
                Piece::Op(op, sql) => (self.op)(op).unwrap_or_else(|| (self.sql)(sql)),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Whether `sql` holds only `--` comments and blank lines (nothing to run).
pub(super) fn comments_only(sql: &str) -> bool {
    sql.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
}

/// SQL as pieces: comments alone stay comments (nothing to run).
fn sql_or_comments<'a>(sql: &str) -> Vec<Piece<'a>> {
    if !comments_only(sql) {
        return vec![Piece::Sql(sql.to_string())];
    }
    sql.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Piece::Comment(comment_text(l.trim_start().trim_start_matches("--").trim())))
        .collect()
}

pub(super) fn deploy_note(u: &Unit, comment: &str) -> String {
    u.deploy
        .iter()
        .map(|d| {
            format!(
                "{comment} After this migration, DEPLOY before the next one: {}\n",
                comment_text(d)
            )
        })
        .collect()
}

/// What a down says when no step of the unit can be undone.
pub(super) const NO_ROLLBACK: &str =
    "migplan could not generate a rollback for this migration: see the runbook";

pub(super) fn down_or_note(u: &Unit) -> String {
    u.down.clone().unwrap_or_else(|| {
        "-- migplan could not generate a rollback for this migration: see the runbook\n".into()
    })
}

pub(super) fn indent(s: &str, by: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A string literal for Python/JS/C# embedding (triple-quoted or template).
pub(super) fn py(s: &str) -> String {
    format!(
        "\"\"\"\n{}\"\"\"",
        s.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// A one-line double-quoted string literal holding `text` exactly:
/// quotes, backslashes and control characters escaped (`\xNN`, or
/// `\uNNNN` where `\x` takes more digits than two, as in C#).
pub(super) fn double_quoted(text: &str, unicode: bool) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 && unicode => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python string literal holding `text` exactly.
pub(super) fn py_str(text: &str) -> String {
    double_quoted(text, false)
}

/// A Ruby heredoc holding `s` verbatim: single-quoted (no `#{}`
/// interpolation, no escapes), with a terminator no line of `s` equals.
pub(super) fn ruby_heredoc(s: &str, indent_by: &str) -> (String, String) {
    let mut tag = String::from("SQL");
    while s.lines().any(|l| l.trim() == tag) {
        tag.push('_');
    }
    (format!("<<~'{tag}'\n{}", indent(s, indent_by)), tag)
}

pub(super) fn js(s: &str) -> String {
    format!(
        "`\n{}`",
        s.replace('\\', "\\\\")
            .replace('`', "\\`")
            .replace("${", "\\${")
    )
}

pub(super) fn cs(s: &str) -> String {
    format!("@\"\n{}\"", s.replace('"', "\"\""))
}

/// The plan as files for `fw`. `detection` continues the project's
/// numbering and folders; `timestamp` (YYYYMMDDHHMMSS) names new files.
pub fn export(
    fw: Framework,
    plan: &Plan,
    detection: Option<&Detection>,
    name: &str,
    timestamp: &str,
) -> Vec<ExportFile> {
    let existing = detection.map(|d| d.migrations.as_slice()).unwrap_or(&[]);
    let dir = detection
        .map(|d| d.dir.clone())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| fw.spec().default_dir.to_string());
    let units = units_of(plan, existing, name, timestamp);
    let cx = ExportCx {
        plan,
        units: &units,
        dir,
        name,
        timestamp,
        detection,
        existing,
    };
    let mut files = (fw.spec().write)(&cx);
    let d = plan.dialect;
    if d == Dialect::Postgres || d == Dialect::Mysql || d == Dialect::Sqlite {
        files.push(ExportFile {
            path: "RUNBOOK.md".into(),
            content: runbook::markdown(plan, name, &plan.validation),
        });
        files.push(ExportFile {
            path: "progress.txt".into(),
            content: runbook::text(plan, name, &plan.validation),
        });
    }
    files
}

pub(super) fn iso(ts: &str) -> String {
    if ts.len() >= 14 {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &ts[0..4],
            &ts[4..6],
            &ts[6..8],
            &ts[8..10],
            &ts[10..12],
            &ts[12..14]
        )
    } else {
        "1970-01-01T00:00:00Z".into()
    }
}

/// A stable 48-bit hash for Alembic revision ids.
pub(super) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h & 0xffff_ffff_ffff
}

/// Sqitch verify script: the unit's checks, failing when one is wrong.
pub(super) fn verify_sql(u: &Unit) -> String {
    if u.checks.is_empty() {
        return "-- nothing to verify beyond the deploy succeeding\n".into();
    }
    u.checks
        .iter()
        .map(|c| {
            format!(
                "-- {} (expect {})\n{};\n",
                comment_text(&c.what),
                comment_text(&c.expect),
                c.sql
            )
        })
        .collect()
}
