//! `migplan check`: statements, findings and locks, as text or JSON.

use std::fmt::Write;

use migplan_core::plan::Plan;
use migplan_core::report::CheckReport;
use migplan_core::rules::Rule;
use migplan_core::{Dialect, Options, SchemaStatements, Session, Severity};

/// One input file, already read.
pub struct Input {
    pub path: String,
    pub text: String,
}

/// Analyses the migration `files` in order against the `schema` files.
pub fn report(
    dialect: Dialect,
    options: Options,
    schema: Vec<Input>,
    files: &[Input],
) -> CheckReport {
    session(dialect, options, schema, files)
        .into_analysis()
        .report
}

/// The session of `check`: the migration `files` in order against the
/// `schema` files, whose statements are streamed into the model only.
/// The schema texts move into the session (a large dump is not copied).
pub fn session(dialect: Dialect, options: Options, schema: Vec<Input>, files: &[Input]) -> Session {
    // Only the model of the schema is kept: a large dump is replayed one
    // statement at a time.
    let mut session = Session::builder(dialect, options, SchemaStatements::Stream);
    for file in schema {
        // A history written in a framework's language is replayed as the
        // SQL it runs.
        session = session.schema(migplan_core::frameworks::schema_sql(
            Some(&file.path),
            &file.text,
            dialect,
        ));
    }
    for f in files {
        session = session.migration(Some(f.path.clone()), f.text.as_str());
    }
    session.build()
}

/// The lines of every input file, split once (a migration with a finding
/// on each of 50,000 statements must not rescan its text for each).
struct SourceLines<'a>(Vec<(&'a str, Vec<&'a str>)>);

impl<'a> SourceLines<'a> {
    fn of(files: &'a [Input]) -> SourceLines<'a> {
        SourceLines(
            files
                .iter()
                .map(|f| (f.path.as_str(), f.text.lines().collect()))
                .collect(),
        )
    }

    fn line(&self, file: Option<&str>, line: usize) -> Option<&'a str> {
        let (_, lines) = self.0.iter().find(|(path, _)| Some(*path) == file)?;
        lines.get(line.checked_sub(1)?).copied()
    }
}

/// Human output: one line per statement; errors show the source line and a caret.
pub fn render_text(report: &CheckReport, files: &[Input]) -> String {
    let mut out = String::new();
    let sources = SourceLines::of(files);
    let mut findings_of: std::collections::HashMap<usize, Vec<&migplan_core::report::Finding>> =
        std::collections::HashMap::new();
    for f in &report.findings {
        findings_of.entry(f.statement).or_default().push(f);
    }
    for s in &report.statements {
        let file = s.file.as_deref().unwrap_or("-");
        let first_line = s.sql.lines().next().unwrap_or("");
        let mut facts = Vec::new();
        if s.severity != Severity::Safe {
            facts.push(s.severity.as_str().to_string());
        }
        facts.extend(s.lock.map(|l| l.to_string()));
        facts.extend(s.algorithm.map(|a| a.to_string()));
        if let Some(e) = s.effect.filter(|e| e.as_str() != "none") {
            facts.push(e.as_str().to_string());
        }
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!("  [{}]", facts.join(", "))
        };
        let _ = writeln!(
            out,
            "{file}:{}:{}  {:<14} {}{facts}",
            s.line,
            s.column,
            s.kind,
            shorten(first_line, 70)
        );
        for f in findings_of.get(&s.index).into_iter().flatten() {
            let _ = writeln!(
                out,
                "  {} {}: {}{}",
                f.severity.as_str(),
                f.rule,
                f.message,
                f.ignored
                    .as_ref()
                    .map(|r| format!(" (ignored: {r})"))
                    .unwrap_or_default()
            );
            if f.ignored.is_none() {
                if let Some(src_line) = sources.line(s.file.as_deref(), f.line) {
                    let _ = writeln!(out, "  {:>5} | {src_line}", f.line);
                    let _ = writeln!(out, "        | {}^", " ".repeat(f.column.saturating_sub(1)));
                }
                let _ = writeln!(out, "    use instead: {}", f.instead);
            }
        }
        if let (Some(msg), Some(l), Some(c)) = (&s.error, s.error_line, s.error_column) {
            let _ = writeln!(out, "  error: {msg}");
            if let Some(src_line) = sources.line(s.file.as_deref(), l) {
                let _ = writeln!(out, "  {l:>5} | {src_line}");
                let _ = writeln!(out, "        | {}^", " ".repeat(c.saturating_sub(1)));
            }
        }
    }
    let unparsed = report.statements.iter().filter(|s| !s.parsed).count();
    let findings = report.active_findings().count();
    let ignored = report.findings.len() - findings;
    let _ = writeln!(
        out,
        "{} statements, {} parsed, {} not parsed; {findings} findings ({ignored} ignored); max severity: {}{}",
        report.statements.len(),
        report.statements.len() - unparsed,
        unparsed,
        report.max_severity.as_str(),
        if report.complete {
            String::new()
        } else {
            format!(
                " (incomplete: {} statement{} not analysed; check {} yourself)",
                report.not_analysed,
                if report.not_analysed == 1 { "" } else { "s" },
                if report.not_analysed == 1 {
                    "it"
                } else {
                    "them"
                }
            )
        }
    );
    out
}

/// `migplan rules`: one line per rule.
pub fn render_rule_list(rules: &[&Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        let _ = writeln!(
            out,
            "{:<40} {:<9} {:<45} {}",
            r.id,
            r.severity.as_str(),
            r.versions_label(),
            r.summary
        );
    }
    out
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// `migplan plan`: the steps by phase, with deploy points.
pub fn render_plan(p: &Plan) -> String {
    let mut out = String::new();
    let mut phase = None;
    for (i, s) in p.steps.iter().enumerate() {
        if phase != Some(s.phase) {
            phase = Some(s.phase);
            let _ = writeln!(out, "== {} ==", s.phase.as_str().to_uppercase());
        }
        let mut flags = Vec::new();
        flags.extend(s.lock.map(|l| l.to_string()));
        if !s.transactional {
            flags.push("no transaction".into());
        } else if s.implicit_commit {
            flags.push("implicit commit".into());
        }
        if s.repeat {
            flags.push("repeat until 0 rows".into());
        }
        if s.irreversible {
            flags.push("irreversible".into());
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(", "))
        };
        let _ = writeln!(out, "{}. {}{flags}", i + 1, s.title);
        for l in s.up.lines() {
            let _ = writeln!(out, "     {l}");
        }
        match &s.down {
            Some(d) if !d.trim().is_empty() => {
                let _ = writeln!(out, "   down:");
                for l in d.lines() {
                    let _ = writeln!(out, "     {l}");
                }
            }
            Some(_) => {}
            None => {
                let _ = writeln!(out, "   down: none");
            }
        }
        if let Some(r) = &s.reason {
            let _ = writeln!(out, "   ! {r}");
        }
        if let Some(d) = &s.deploy {
            let _ = writeln!(out, "   >>> DEPLOY: {d}");
        }
    }
    for n in &p.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// `migplan simulate`: the checks, the failure with its line, coverage.
pub fn render_simulation(r: &migplan_core::simulate::SimulationReport) -> String {
    let engine = if r.engine.is_empty() {
        format!("SQLite {}", r.sqlite_version)
    } else {
        r.engine.clone()
    };
    let mut out = format!(
        "{engine}, {} rows per table (seed {}): {}\n",
        r.rows,
        r.seed,
        if r.ok { "ok" } else { "FAILED" }
    );
    if let Some(f) = &r.failure {
        let at = f
            .place()
            .map(|place| format!(" at {place}"))
            .unwrap_or_default();
        let _ = writeln!(out, "failed: {:?} statement{at}: {}", f.phase, f.message);
    }
    if !r.adversarial.is_empty() {
        let _ = writeln!(out, "adversarial rows:");
        for line in &r.adversarial {
            let _ = writeln!(out, "  - {line}");
        }
    }
    for c in &r.checks {
        let _ = writeln!(out, "  [{}] {}: {}", c.mark(), c.name, c.detail);
    }
    let cov = &r.coverage;
    let _ = writeln!(
        out,
        "coverage: {} of {} statements simulated",
        cov.simulated, cov.statements
    );
    for s in &cov.skipped {
        let _ = writeln!(out, "  {s}");
    }
    if let Some(rt) = &r.round_trip
        && !rt.schema_differences.is_empty()
    {
        let _ = writeln!(
            out,
            "schema after the down, compared with before (pg_catalog):"
        );
        for d in &rt.schema_differences {
            let _ = writeln!(out, "  {d}");
        }
    }
    if !r.trace.is_empty() {
        let _ = writeln!(out, "trace (each statement in a transaction of its own):");
    }
    for t in &r.trace {
        let locks: Vec<String> = t
            .locks
            .iter()
            .map(|l| format!("{} on {}", l.mode, l.relation))
            .collect();
        let verdict = match t.confirmed {
            Some(true) => "confirmed",
            Some(false) => "MISMATCH",
            None => "-",
        };
        let _ = writeln!(
            out,
            "  line {:<4} {verdict:<9} {:.1} ms  {}{}{}",
            t.line,
            t.ms,
            if locks.is_empty() {
                "no table locks".to_string()
            } else {
                locks.join(", ")
            },
            if t.rewrote.is_empty() {
                String::new()
            } else {
                format!("; rewrote {}", t.rewrote.join(", "))
            },
            t.note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
    }
    // Schema statements and sample rows that could not run are listed:
    // the run goes on without them.
    for s in r
        .skipped
        .iter()
        .filter(|s| s.phase != migplan_core::simulate::Phase::Migration)
    {
        let _ = writeln!(out, "  {:?} line {}: {}", s.phase, s.line, s.reason);
    }
    if !r.tables.is_empty() {
        let _ = writeln!(out, "tables: {}", r.tables.join(", "));
    }
    out
}
