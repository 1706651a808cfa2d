//! GitHub workflow commands: one annotation per finding, on its file,
//! line and column (`::error file=...,line=...,col=...,title=...::message`).

use std::fmt::Write;

use migplan_core::Severity;
use migplan_core::report::CheckReport;

/// The annotations for `report`, one line each.
pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for item in super::items(report) {
        let level = match item.severity {
            Severity::Dangerous => "error",
            Severity::Careful => "warning",
            Severity::Safe => "notice",
        };
        let mut message = item.message.clone();
        if let Some(instead) = item.instead {
            let _ = write!(message, "\nInstead: {instead}");
        }
        let _ = writeln!(
            out,
            "::{level} file={},line={},col={},title={}::{}",
            property(item.file),
            item.line,
            item.column,
            property(&format!(
                "migplan {} ({})",
                item.rule,
                item.severity.as_str()
            )),
            data(&message)
        );
    }
    if !report.complete {
        let _ = writeln!(
            out,
            "::warning title=migplan: incomplete::{}",
            data(&format!(
                "{} statement(s) were not analysed: the verdict covers only the rest",
                report.not_analysed
            ))
        );
    }
    out
}

/// A command's message, escaped as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value (file, title): also `:` and `,` escaped.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
