//! SARIF 2.1.0 for code scanning: one run of the `migplan` tool whose rules
//! carry their documentation, and one result per finding with its file,
//! line and column and the safe alternative.

use migplan_core::Severity;
use migplan_core::report::CheckReport;
use migplan_core::rules::{self, Rule};
use serde::Serialize;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    #[serde(rename = "migplan/v1")]
    migplan: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Dangerous => "error",
        Severity::Careful => "warning",
        Severity::Safe => "note",
    }
}

fn descriptor(rule: &Rule) -> RuleDescriptor {
    RuleDescriptor {
        id: rule.id.to_string(),
        name: rule.id.to_string(),
        short_description: Text {
            text: rule.summary.to_string(),
        },
        full_description: Text {
            text: rule.why.to_string(),
        },
        help: Help {
            text: format!("{}\n\nInstead: {}", rule.why, rule.instead),
            markdown: rules::markdown(rule),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
    }
}

fn not_analysed_descriptor() -> RuleDescriptor {
    let why = "migplan could not read this statement, so its verdict does not cover it: it is never counted as safe.";
    RuleDescriptor {
        id: super::NOT_ANALYSED.to_string(),
        name: super::NOT_ANALYSED.to_string(),
        short_description: Text {
            text: "A statement migplan did not analyse.".into(),
        },
        full_description: Text { text: why.into() },
        help: Help {
            text: format!("{why} Check it by hand."),
            markdown: format!("# {}\n\n{why} Check it by hand.\n", super::NOT_ANALYSED),
        },
        default_configuration: Configuration { level: "warning" },
    }
}

/// Paths as SARIF URIs: relative, forward slashes, spaces and `%` escaped.
fn uri(path: &str) -> String {
    path.replace('\\', "/")
        .trim_start_matches("./")
        .replace('%', "%25")
        .replace(' ', "%20")
}

/// The SARIF log for `report`.
pub fn render(report: &CheckReport) -> String {
    let mut descriptors: Vec<RuleDescriptor> = rules::ALL.iter().map(|r| descriptor(r)).collect();
    descriptors.push(not_analysed_descriptor());
    let index_of = |id: &str| descriptors.iter().position(|d| d.id == id).unwrap_or(0);
    let results: Vec<SarifResult> = super::items(report)
        .into_iter()
        .map(|item| SarifResult {
            rule_id: item.rule.to_string(),
            rule_index: index_of(item.rule),
            level: level(item.severity),
            message: Text {
                text: item.message_with_instead(),
            },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: Artifact {
                        uri: uri(item.file),
                    },
                    region: Region {
                        start_line: item.line.max(1),
                        start_column: item.column.max(1),
                    },
                },
            }],
            partial_fingerprints: Fingerprints {
                migplan: item.fingerprint(),
            },
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "migplan",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://example.invalid/migplan",
                    rules: descriptors,
                },
            },
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}
