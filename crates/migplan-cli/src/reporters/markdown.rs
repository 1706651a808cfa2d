//! A pull-request comment: the verdict and a summary table, the findings,
//! the plan of each migration file, and a share link that opens it all in
//! the web app. Past 65,000 characters (GitHub's limit is 65,536) it keeps
//! the summary and the link.

use std::fmt::Write;

use migplan_core::Severity;
use migplan_core::plan::Plan;
use migplan_core::plan::runbook::prose;
use migplan_core::report::CheckReport;

/// Where a comment stops being whole.
pub const LIMIT: usize = 65_000;

/// The comment for `report`, with the `plans` of its files (file, plan)
/// and a `link` to the web app when one was asked for.
pub fn render(report: &CheckReport, plans: &[(String, Plan)], link: Option<&str>) -> String {
    let summary = summary(report, link);
    let mut full = summary.clone();
    full.push_str(&findings(report));
    for (file, plan) in plans {
        full.push_str(&plan_section(file, plan));
    }
    if full.len() <= LIMIT {
        return full;
    }
    let mut short = summary;
    short.push_str(
        "\nThe findings and the plan are too long for one comment: open the link above, or run `migplan check` locally.\n",
    );
    short
}

fn summary(report: &CheckReport, link: Option<&str>) -> String {
    let mut out = String::from("## migplan\n\n");
    let verdict = report.max_severity.as_str();
    let _ = write!(out, "**Verdict: {verdict}**");
    if !report.complete {
        let _ = write!(
            out,
            " (incomplete: {} statement{} not analysed, not counted as safe)",
            report.not_analysed,
            if report.not_analysed == 1 { "" } else { "s" }
        );
    }
    out.push_str("\n\n| statements | parsed | dangerous | careful | safe | ignored |\n|---|---|---|---|---|---|\n");
    let count = |s: Severity| report.active_findings().filter(|f| f.severity == s).count();
    let ignored = report.findings.len() - report.active_findings().count();
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {ignored} |",
        report.statements.len(),
        report.statements.iter().filter(|s| s.parsed).count(),
        count(Severity::Dangerous),
        count(Severity::Careful),
        count(Severity::Safe),
    );
    if let Some(link) = link {
        let _ = writeln!(
            out,
            "\n[Open this migration, its plan and simulation in migplan]({link})"
        );
    }
    out
}

fn findings(report: &CheckReport) -> String {
    let items = super::items(report);
    if items.is_empty() {
        return "\n### Findings\n\nNone.\n".into();
    }
    let mut out = String::from("\n### Findings\n\n");
    for item in items {
        let _ = writeln!(
            out,
            "- **{}** `{}` at {}:{}:{}: {}{}",
            item.severity.as_str(),
            item.rule,
            prose(item.file),
            item.line,
            item.column,
            prose(&item.message),
            item.instead
                .map(|i| format!(" Instead: {}", prose(i)))
                .unwrap_or_default()
        );
    }
    out
}

fn plan_section(file: &str, plan: &Plan) -> String {
    let mut out = format!("\n### Plan for {}\n\n", prose(file));
    for (i, step) in plan.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {}{}",
            i + 1,
            step.phase.as_str(),
            prose(&step.title),
            if step.irreversible {
                " (irreversible)"
            } else {
                ""
            }
        );
    }
    if plan.steps.is_empty() {
        out.push_str("Nothing to run.\n");
    }
    out
}
