//! `migplan check` for CI: SARIF (read back through the typed SARIF
//! model), GitHub annotations, GitLab Code Quality and the Markdown
//! comment, each on a migration in a subfolder with a finding on line 40.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A project with `db/migrate/0002_risky.sql`: 39 harmless lines, then a
/// dropped column on line 40 and an index built without CONCURRENTLY.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy text);\n",
    )
    .expect("schema");
    std::fs::create_dir_all(dir.path().join("db/migrate")).expect("dir");
    let mut sql = String::new();
    for i in 1..=39 {
        sql.push_str(&format!("-- note {i}\n"));
    }
    sql.push_str(
        "ALTER TABLE users DROP COLUMN legacy;\nCREATE INDEX users_email ON users (email);\n",
    );
    std::fs::write(dir.path().join("db/migrate/0002_risky.sql"), sql).expect("migration");
    (dir, schema)
}

/// `migplan check` run in `dir` with `args` and the environment `env`.
fn check_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migplan"));
    cmd.current_dir(dir)
        .arg("check")
        .args(args)
        .env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const FILE: &str = "db/migrate/0002_risky.sql";

#[test]
fn sarif_is_valid_and_points_at_the_line() {
    let (dir, _) = project();
    let (code, out) = check_in(
        dir.path(),
        &["--schema", "schema.sql", "--format", "sarif", FILE],
        &[],
    );
    assert_eq!(code, 1, "a dangerous finding fails: {out}");
    // Read back through the typed SARIF 2.1.0 model.
    let log: serde_sarif::sarif::Sarif = serde_json::from_str(&out).expect("valid SARIF");
    let run = &log.runs[0];
    assert_eq!(run.tool.driver.name, "migplan");
    let rules = run.tool.driver.rules.as_ref().expect("rules");
    assert!(rules.len() >= migplan_core::rules::ALL.len());
    let results = run.results.as_ref().expect("results");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let first = &v["runs"][0]["results"][0];
    assert_eq!(first["ruleId"], "dropping-column", "{out}");
    assert_eq!(first["level"], "error");
    let location = &first["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], FILE);
    assert_eq!(location["region"]["startLine"], 40);
    assert_eq!(location["region"]["startColumn"], 1);
    assert!(
        first["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Instead:")
    );
    let index = first["ruleIndex"].as_u64().expect("index") as usize;
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"][index]["id"],
        "dropping-column"
    );
    assert!(
        v["runs"][0]["tool"]["driver"]["rules"][index]["help"]["markdown"]
            .as_str()
            .unwrap_or("")
            .contains("## Why it is risky")
    );
    assert_eq!(
        results.len(),
        v["runs"][0]["results"].as_array().map_or(0, Vec::len)
    );
    insta::assert_snapshot!(
        "sarif_results",
        serde_json::to_string_pretty(&v["runs"][0]["results"]).expect("json")
    );
}

#[test]
fn github_annotations_are_chosen_under_actions_and_point_at_the_line() {
    let (dir, _) = project();
    let (code, out) = check_in(
        dir.path(),
        &["--schema", "schema.sql", FILE],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(code, 1);
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("::error file=db/migrate/0002_risky.sql,line=40,col=1,title=migplan dropping-column (dangerous)::"),
        "{out}"
    );
    insta::assert_snapshot!("github_annotations", out);
    // Without the variable, text; asked for, github anywhere.
    let (_, text) = check_in(dir.path(), &["--schema", "schema.sql", FILE], &[]);
    assert!(!text.starts_with("::"), "{text}");
    let (_, asked) = check_in(
        dir.path(),
        &["--schema", "schema.sql", "--format", "github", FILE],
        &[],
    );
    assert!(asked.starts_with("::error file="), "{asked}");
}

#[test]
fn gitlab_fingerprints_survive_moved_lines() {
    let (dir, _) = project();
    let (_, before) = check_in(
        dir.path(),
        &["--schema", "schema.sql", "--format", "gitlab", FILE],
        &[],
    );
    let issues: serde_json::Value = serde_json::from_str(&before).expect("json");
    assert_eq!(issues[0]["check_name"], "dropping-column", "{before}");
    assert_eq!(issues[0]["severity"], "critical");
    assert_eq!(issues[0]["location"]["path"], FILE);
    assert_eq!(issues[0]["location"]["lines"]["begin"], 40);
    insta::assert_snapshot!("gitlab_issues", before);
    // Three lines more above: the same fingerprints, new line numbers.
    let path = dir.path().join(FILE);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, format!("-- a\n-- b\n-- c\n{text}")).expect("write");
    let (_, after) = check_in(
        dir.path(),
        &["--schema", "schema.sql", "--format", "gitlab", FILE],
        &[],
    );
    let moved: serde_json::Value = serde_json::from_str(&after).expect("json");
    assert_eq!(moved[0]["location"]["lines"]["begin"], 43);
    let prints = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|i| i["fingerprint"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(prints(&issues), prints(&moved));
    let mut unique = prints(&issues);
    unique.dedup();
    assert_eq!(unique.len(), prints(&issues).len());
}

#[test]
fn markdown_comment_has_summary_findings_plan_and_link() {
    let (dir, _) = project();
    let (_, out) = check_in(
        dir.path(),
        &[
            "--schema",
            "schema.sql",
            "--format",
            "markdown",
            "--link-base",
            "https://example.org/migplan/",
            FILE,
        ],
        &[],
    );
    assert!(
        out.starts_with("## migplan\n\n**Verdict: dangerous**"),
        "{out}"
    );
    assert!(
        out.contains("| statements | parsed | dangerous | careful | safe | ignored |"),
        "{out}"
    );
    assert!(
        out.contains("`dropping-column` at db/migrate/0002_risky.sql:40:1"),
        "{out}"
    );
    assert!(
        out.contains("### Plan for db/migrate/0002_risky.sql"),
        "{out}"
    );
    let link = out
        .lines()
        .find_map(|l| l.split("](").nth(1))
        .map(|l| l.trim_end_matches(')'))
        .expect("a link");
    assert!(
        link.starts_with("https://example.org/migplan/#v2."),
        "{link}"
    );
    let shared =
        migplan_core::share::decode(link.split('#').nth(1).unwrap_or_default()).expect("opens");
    assert!(shared.migration.contains("DROP COLUMN legacy"));
    assert!(shared.schema.contains("CREATE TABLE users"));
    // A comment past GitHub's limit keeps the summary and the link.
    let path = dir.path().join(FILE);
    let mut big = String::new();
    for i in 0..2_000 {
        big.push_str(&format!("CREATE INDEX users_email_{i} ON users (email);\n"));
    }
    std::fs::write(&path, big).expect("write");
    let (_, long) = check_in(
        dir.path(),
        &[
            "--schema",
            "schema.sql",
            "--format",
            "markdown",
            "--link-base",
            "https://example.org/migplan/",
            FILE,
        ],
        &[],
    );
    assert!(
        long.len() <= migplan_cli::reporters::markdown::LIMIT,
        "{}",
        long.len()
    );
    assert!(long.contains("too long for one comment"), "{long}");
    assert!(long.contains("](https://example.org/migplan/#v2."));
}

#[test]
fn not_analysed_statements_are_reported_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.sql"), "DO $$ BEGIN PERFORM 1; END $$;\n").expect("write");
    for format in ["sarif", "github", "gitlab", "markdown"] {
        let (code, out) = check_in(dir.path(), &["--format", format, "m.sql"], &[]);
        assert_eq!(code, 1, "{format}: incomplete fails\n{out}");
        assert!(out.contains("not-analysed"), "{format}:\n{out}");
    }
}
