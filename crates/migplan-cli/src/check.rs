//! `migplan check`: the statement list, as text or JSON.

use std::fmt::Write;

use migplan_core::report::CheckReport;
use migplan_core::{Dialect, parse_source};

/// One input file, already read.
pub struct Input {
    pub path: String,
    pub text: String,
}

pub fn report(dialect: Dialect, files: &[Input]) -> CheckReport {
    let mut report = CheckReport::new(dialect);
    for f in files {
        report.add_source(Some(&f.path), &parse_source(&f.text, dialect));
    }
    report
}

/// Human output: one line per statement; errors show the source line and a caret.
pub fn render_text(report: &CheckReport, files: &[Input]) -> String {
    let mut out = String::new();
    for s in &report.statements {
        let file = s.file.as_deref().unwrap_or("-");
        let first_line = s.sql.lines().next().unwrap_or("");
        let _ = writeln!(
            out,
            "{file}:{}:{}  {:<14} {}",
            s.line,
            s.column,
            s.kind,
            shorten(first_line, 70)
        );
        if let (Some(msg), Some(l), Some(c)) = (&s.error, s.error_line, s.error_column) {
            let _ = writeln!(out, "  error: {msg}");
            let text = files
                .iter()
                .find(|f| Some(f.path.as_str()) == s.file.as_deref())
                .map(|f| f.text.as_str());
            if let Some(src_line) = text.and_then(|t| t.lines().nth(l - 1)) {
                let _ = writeln!(out, "  {l:>5} | {src_line}");
                let _ = writeln!(out, "        | {}^", " ".repeat(c.saturating_sub(1)));
            }
        }
    }
    let unparsed = report.statements.iter().filter(|s| !s.parsed).count();
    let _ = writeln!(
        out,
        "{} statements, {} parsed, {} not parsed; max severity: {}",
        report.statements.len(),
        report.statements.len() - unparsed,
        unparsed,
        report.max_severity.as_str()
    );
    out
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
