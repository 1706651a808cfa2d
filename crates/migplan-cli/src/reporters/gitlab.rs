//! GitLab Code Quality: a JSON array of issues with stable fingerprints
//! (rule, file and the statement's text, not its line, so a finding keeps
//! its identity when lines move).

use migplan_core::Severity;
use migplan_core::report::CheckReport;
use serde::Serialize;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// The Code Quality report for `report`.
pub fn render(report: &CheckReport) -> String {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    let issues: Vec<Issue> = super::items(report)
        .into_iter()
        .map(|item| {
            let base = item.fingerprint();
            // The same statement twice in a file keeps two fingerprints.
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            let fingerprint = if *n == 1 {
                base
            } else {
                super::fingerprint(&[&base, &n.to_string()])
            };
            Issue {
                description: item.message_with_instead(),
                check_name: item.rule.to_string(),
                fingerprint,
                severity: match item.severity {
                    Severity::Dangerous => "critical",
                    Severity::Careful => "major",
                    Severity::Safe => "info",
                },
                location: Location {
                    path: item.file.to_string(),
                    lines: Lines { begin: item.line },
                },
            }
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into()) + "\n"
}
