//! The `migplan` binary as a user runs it.

mod common;

use common::migplan;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/example/");

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("migplan-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

#[test]
fn check_json_follows_the_contract() {
    let m = format!("{EXAMPLE}migration.sql");
    let (code, out, _) = migplan(&[
        "check",
        "--format",
        "json",
        "--schema",
        &format!("{EXAMPLE}schema.sql"),
        &m,
    ]);
    assert_eq!(
        code, 1,
        "the example drops a column: dangerous fails by default"
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(v["dialect"], "postgres");
    assert_eq!(v["max_severity"], "dangerous");
    let st = v["statements"].as_array().expect("statements");
    assert_eq!(st.len(), 4);
    assert_eq!(st[0]["line"], 2);
    assert_eq!(st[0]["kind"], "alter_table");
    assert_eq!(st[0]["parsed"], true);
    assert!(st[0]["error"].is_null());
    let locks: Vec<_> = st
        .iter()
        .map(|s| s["lock"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        locks,
        [
            "ACCESS EXCLUSIVE",
            "ROW EXCLUSIVE",
            "SHARE",
            "ACCESS EXCLUSIVE"
        ]
    );
    let severities: Vec<_> = st
        .iter()
        .map(|s| s["severity"].as_str().unwrap_or(""))
        .collect();
    // Adding a nullable column is safe: the missing lock_timeout is advice.
    assert_eq!(severities, ["safe", "careful", "careful", "dangerous"]);
    let rules: Vec<_> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or(""))
        .collect();
    for r in [
        "missing-lock-timeout",
        "updating-without-where",
        "adding-index-non-concurrently",
        "dropping-column",
    ] {
        assert!(rules.contains(&r), "{r} missing from {rules:?}");
    }
    let drop = &v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "dropping-column")
        .expect("drop");
    assert_eq!(drop["line"], 8);
    assert_eq!(drop["severity"], "dangerous");
    assert!(drop["instead"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn check_honours_fail_on_ignores_and_pg_version() {
    let schema = temp_file(
        "s.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);",
    );
    let m = temp_file(
        "m.sql",
        "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN active boolean DEFAULT true;\n",
    );
    let (code, out, _) = migplan(&["check", "--schema", &schema, &m]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 findings"), "{out}");
    let (code, out, _) = migplan(&[
        "check",
        "--schema",
        &schema,
        "--pg-version",
        "10",
        "--fail-on",
        "careful",
        &m,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("careful adding-column-with-default-before-pg11"),
        "{out}"
    );
    assert!(
        out.contains("    2 | ALTER TABLE users ADD COLUMN active boolean DEFAULT true;"),
        "{out}"
    );
    assert!(out.contains("    use instead: "), "{out}");
    let ignored = temp_file(
        "i.sql",
        "SET lock_timeout = '2s';\n-- migplan:ignore adding-column-with-default-before-pg11 table is tiny\nALTER TABLE users ADD COLUMN active boolean DEFAULT true;\n",
    );
    let (code, out, _) = migplan(&[
        "check",
        "--schema",
        &schema,
        "--pg-version",
        "10",
        "--fail-on",
        "careful",
        &ignored,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(ignored: table is tiny)"), "{out}");
    let (code, _, err) = migplan(&["check", "--pg-version", "9", &m]);
    assert_eq!(code, 2);
    assert!(
        err.contains("PostgreSQL 9 is not supported: use 10 to 18"),
        "{err}"
    );
}

#[test]
fn rules_lists_and_explains() {
    let (code, out, _) = migplan(&["rules"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), migplan_core::rules::ALL.len());
    assert!(
        out.lines()
            .any(|l| l.starts_with("dropping-column") && l.contains("dangerous")),
        "{out}"
    );
    let (code, out, _) = migplan(&["rules", "setting-not-null"]);
    assert_eq!(code, 0);
    for section in [
        "# setting-not-null",
        "## Why it is risky",
        "## Example",
        "## Use instead",
        "## Rollback",
        "migplan:ignore setting-not-null",
    ] {
        assert!(out.contains(section), "{section} missing:\n{out}");
    }
    let (code, _, err) = migplan(&["rules", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule no-such-rule"), "{err}");
}

#[test]
fn check_text_points_at_the_error() {
    let f = temp_file("bad.sql", "SELECT 1;\nCREATE TABLE t (id int,,);\n");
    // What was not read makes the verdict incomplete, and that fails
    // unless the user accepts it.
    let (code, out, _) = migplan(&["check", &f]);
    assert_eq!(code, 1, "an incomplete analysis fails: {out}");
    assert!(
        out.contains(
            "max severity: safe (incomplete: 1 statement not analysed; check it yourself)"
        ),
        "{out}"
    );
    let (code, out, _) = migplan(&["check", "--allow-incomplete", &f]);
    assert_eq!(code, 0, "analysis reports, it does not fail");
    assert!(out.contains(":2:1  create_table"), "{out}");
    assert!(out.contains("    2 | CREATE TABLE t (id int,,);"), "{out}");
    assert!(
        out.contains(&format!("        | {}^", " ".repeat(23))),
        "{out}"
    );
    assert!(
        out.contains("2 statements, 1 parsed, 1 not parsed"),
        "{out}"
    );
}

#[test]
fn unreadable_input_and_bad_usage_exit_2() {
    let (code, _, err) = migplan(&["check", "/nonexistent/file.sql"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/file.sql"), "{err}");
    let (code, _, _) = migplan(&["check", "--dialect", "oracle", "x.sql"]);
    assert_eq!(code, 2);
}

#[test]
fn simulate_applies_the_example_and_reports_failures_by_line() {
    let (code, out, _) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--schema",
        &format!("{EXAMPLE}schema.sql"),
        "--up",
        &format!("{EXAMPLE}migration.sql"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("SQLite 3."), "{out}");
    assert!(out.contains("1000 rows per table (seed 42): ok"), "{out}");
    assert!(
        out.contains("[pass] up applies: 4 of 4 statements"),
        "{out}"
    );
    assert!(out.contains("[pass] down restores"), "{out}");
    let up = temp_file("up.sql", "SELECT 1;\nALTER TABLE nope ADD COLUMN x int;");
    let (code, out, _) = migplan(&[
        "simulate", "--engine", "sqlite", "--up", &up, "--format", "json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["failure"]["line"], 2);
    assert_eq!(v["failure"]["message"], "no such table: nope");
}

#[test]
fn simulate_lists_client_commands_as_not_run() {
    let up = temp_file(
        "meta.sql",
        "\\set ON_ERROR_STOP on\nCREATE TABLE t (id int);",
    );
    let (code, out, _) = migplan(&[
        "simulate", "--engine", "sqlite", "--up", &up, "--format", "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // CREATE TABLE up, then the generated DROP TABLE down.
    assert_eq!(v["executed"], 2);
    assert_eq!(v["skipped"][0]["line"], 1);
    assert_eq!(
        v["skipped"][0]["reason"],
        "not simulated: client command, not SQL"
    );
    assert_eq!(v["coverage"]["simulated"], 1);
}

/// What migplan cannot read (here model code in a Rails migration) is
/// never reported as safe: the verdict is incomplete, the JSON says so,
/// and the check fails unless incomplete analyses are allowed; the Rails
/// statements around it are read at their lines.
#[test]
fn what_is_not_analysed_is_never_safe() {
    let rails = temp_file(
        "20260101000000_add_nickname.rb",
        "class AddNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string, null: false\n    User.where(nickname: nil).update_all(nickname: 'x')\n  end\nend\n",
    );
    let (code, out, _) = migplan(&["check", &rails]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("(incomplete: 1 statement not analysed"),
        "{out}"
    );
    assert!(
        out.contains(
            ":3:5  alter_table ALTER TABLE users ADD COLUMN nickname character varying NOT NULL"
        ),
        "{out}"
    );
    assert!(out.contains(":4:5  framework_code User.where"), "{out}");
    let (code, out, _) = migplan(&["check", "--format", "json", &rails]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["complete"], false, "{out}");
    assert!(v["not_analysed"].as_u64().unwrap_or(0) >= 1, "{out}");
    let (code, _, _) = migplan(&["check", "--allow-incomplete", &rails]);
    assert_eq!(code, 0);
    // A migration migplan reads in full is complete.
    let sql = temp_file("ok.sql", "CREATE TABLE t (id int);\n");
    let (code, out, _) = migplan(&["check", "--format", "json", &sql]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["complete"], true);
    assert_eq!(v["not_analysed"], 0);
}

/// Ignores you can trust: one naming no rule is an error with its place
/// (exit 2, nothing silenced by a typo), one that silences nothing is
/// reported as `unused-ignore`.
#[test]
fn ignores_that_name_no_rule_or_silence_nothing_are_reported() {
    let typo = temp_file(
        "typo.sql",
        "CREATE TABLE t (id int);\n  -- migplan:ignore droping-column we know\nALTER TABLE t DROP COLUMN id;\n",
    );
    let (code, out, err) = migplan(&["check", &typo]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("typo.sql:2:3: migplan:ignore names `droping-column`, which is not a rule"),
        "{err}"
    );
    let stale = temp_file(
        "stale.sql",
        "-- migplan:ignore dropping-table no longer needed\nCREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a int;\n",
    );
    let (code, out, _) = migplan(&["check", "--format", "json", &stale]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let unused: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "unused-ignore")
        .collect();
    assert_eq!(unused.len(), 1, "{out}");
    assert_eq!(unused[0]["line"], 1);
    assert_eq!(unused[0]["severity"], "safe");
    assert!(
        unused[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("`migplan:ignore dropping-table` silences nothing"),
        "{out}"
    );
    // Used, it is not reported.
    let schema = temp_file("schema_t.sql", "CREATE TABLE t (id int, a int);\n");
    let used = temp_file(
        "used.sql",
        "-- migplan:ignore dropping-column a is unused\nALTER TABLE t DROP COLUMN a;\n",
    );
    let (_, out, _) = migplan(&["check", "--schema", &schema, "--format", "json", &used]);
    assert!(out.contains("\"ignored\": \"a is unused\""), "{out}");
    assert!(!out.contains("unused-ignore"), "{out}");
}

/// `check PROJECT_DIR`: the framework's history (here Rails migrations,
/// read as the SQL Rails runs) is the schema; the newest migration, or the
/// one `--migration` names, is checked at its Ruby lines.
#[test]
fn a_project_directory_is_checked_against_its_history() {
    let dir = std::env::temp_dir().join(format!("migplan-cli-project-{}", std::process::id()));
    let migrate = dir.join("db/migrate");
    std::fs::create_dir_all(&migrate).expect("dir");
    std::fs::write(
        migrate.join("20260101000000_create_users.rb"),
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n      t.string :email, null: false\n      t.string :legacy\n    end\n  end\nend\n",
    )
    .expect("write");
    std::fs::write(
        migrate.join("20260102000000_tidy_users.rb"),
        "class TidyUsers < ActiveRecord::Migration[7.1]\n  def change\n    add_index :users, :email, unique: true, algorithm: :concurrently\n    remove_column :users, :legacy\n  end\nend\n",
    )
    .expect("write");
    let project = dir.display().to_string();
    let (code, out, err) = migplan(&["check", "--format", "json", &project]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("read against the 1 migration(s) before it (ordered as Rails"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let drop = &v["statements"][1];
    assert_eq!(drop["sql"], "ALTER TABLE users DROP COLUMN legacy", "{out}");
    assert_eq!(drop["line"], 4);
    assert_eq!(drop["source"], "remove_column :users, :legacy");
    assert_eq!(drop["severity"], "dangerous");
    // The concurrent index on a table the history made: no write lock.
    assert_eq!(
        v["statements"][0]["lock"], "SHARE UPDATE EXCLUSIVE",
        "{out}"
    );
    // The first migration creates its table: nothing to fear.
    let (code, out, _) = migplan(&["check", &project, "--migration", "create_users"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("max severity: safe"), "{out}");
    let (code, _, err) = migplan(&["check", &project, "--migration", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no migration named nope"), "{err}");
    // plan, rollback, simulate and export take the project the same way.
    let (code, out, err) = migplan(&["plan", "--format", "json", &project]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).expect("plan json");
    let titles: Vec<&str> = plan["steps"]
        .as_array()
        .map(|steps| steps.iter().filter_map(|s| s["title"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        titles.contains(&"Archive users.legacy to users_legacy_archive"),
        "{titles:?}"
    );
    assert!(titles.contains(&"Drop users.legacy"), "{titles:?}");
    let (code, out, _) = migplan(&["rollback", &project]);
    assert_eq!(code, 0);
    assert!(
        out.contains("ALTER TABLE users ADD COLUMN legacy varchar;"),
        "{out}"
    );
    let (code, out, err) = migplan(&["simulate", "--engine", "sqlite", "--up", &project]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("up applies: 2 of 2 statements"), "{out}");
    let exported = dir.join("out");
    let (code, _, err) = migplan(&[
        "export",
        "--framework",
        "rails",
        "--out",
        &exported.display().to_string(),
        &project,
    ]);
    assert_eq!(code, 0, "{err}");
    let written: String = std::fs::read_dir(exported.join("db/migrate"))
        .expect("exported")
        .flatten()
        .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
        .collect();
    assert!(
        written.contains("remove_column 'users', 'legacy', if_exists: true"),
        "{written}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
