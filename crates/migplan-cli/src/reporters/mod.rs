//! `migplan check` for CI and code review: SARIF for code scanning, GitHub
//! workflow annotations, GitLab Code Quality and a Markdown pull-request
//! comment. Each reporter reads the typed report; none parses another's
//! output.

pub mod github;
pub mod gitlab;
pub mod markdown;
pub mod sarif;

use migplan_core::Severity;
use migplan_core::parse::Section;
use migplan_core::report::{CheckReport, Finding, StatementReport};

/// The pseudo-rule under which statements migplan did not analyse are
/// reported: never counted as safe.
pub const NOT_ANALYSED: &str = "not-analysed";

/// One thing to report at a place in a file: a finding that was not
/// ignored, or a statement migplan did not analyse.
pub struct Item<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The safe alternative, when there is one.
    pub instead: Option<&'a str>,
    /// The statement's text, for stable fingerprints.
    pub statement: &'a str,
}

impl Item<'_> {
    /// The message, then the safe alternative when there is one.
    pub fn message_with_instead(&self) -> String {
        match self.instead {
            Some(instead) => format!("{}. Instead: {instead}", self.message.trim_end_matches('.')),
            None => self.message.clone(),
        }
    }

    /// Stable across moved lines: the rule, the file and the statement.
    pub fn fingerprint(&self) -> String {
        fingerprint(&[self.rule, self.file, self.statement.trim()])
    }
}

/// Every item of `report`, in report order: active findings, then the
/// statements not analysed.
pub fn items(report: &CheckReport) -> Vec<Item<'_>> {
    let statement = |i: usize| report.statements.get(i);
    fn file(s: Option<&StatementReport>) -> &str {
        s.and_then(|s| s.file.as_deref()).unwrap_or("-")
    }
    let mut out: Vec<Item> = report
        .active_findings()
        .map(|f: &Finding| Item {
            rule: &f.rule,
            severity: f.severity,
            file: file(statement(f.statement)),
            line: f.line,
            column: f.column,
            message: f.message.clone(),
            instead: Some(&f.instead),
            statement: statement(f.statement).map_or("", |s| s.sql.as_str()),
        })
        .collect();
    out.extend(
        report
            .statements
            .iter()
            .filter(|s| s.section == Section::Up && !s.analysed())
            .map(|s| Item {
                rule: NOT_ANALYSED,
                severity: Severity::Careful,
                file: file(Some(s)),
                line: s.error_line.unwrap_or(s.line),
                column: s.error_column.unwrap_or(s.column),
                message: format!(
                    "not analysed, so not counted as safe: {}",
                    s.error
                        .as_deref()
                        .unwrap_or("migplan could not read this statement")
                ),
                instead: None,
                statement: &s.sql,
            }),
    );
    out
}

/// A stable 64-bit FNV-1a hash, as hex: fingerprints that survive a
/// statement moving to another line.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
