//! `migplan check --since REV` in a throwaway git repository with three
//! commits, and the GitHub Action's script run there with the variables
//! GitHub sets.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::migplan_in;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=ci@example.invalid", "-c", "user.name=ci"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
    std::fs::write(p, text).expect("write");
}

/// Three commits: the history, an index, a dropped column (and an
/// excluded legacy file that would drop a table). Returns the commits.
fn repository(dir: &Path) -> [String; 3] {
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        dir,
        ".migplan.toml",
        "dialect = \"postgres\"\nmigrations = \"db/migrations\"\nexclude = [\"db/migrations/legacy/**\"]\n",
    );
    write(
        dir,
        "db/migrations/001_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text, email text);\n",
    );
    write(
        dir,
        "db/migrations/002_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "history"]);
    let first = git(dir, &["rev-parse", "HEAD"]);
    write(
        dir,
        "db/migrations/003_index.sql",
        "SET lock_timeout = '2s';\nCREATE INDEX users_email ON users (email);\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "index"]);
    let second = git(dir, &["rev-parse", "HEAD"]);
    write(
        dir,
        "db/migrations/004_drop.sql",
        "ALTER TABLE users DROP COLUMN name;\n",
    );
    write(
        dir,
        "db/migrations/legacy/999_old.sql",
        "DROP TABLE orders;\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "drop"]);
    let third = git(dir, &["rev-parse", "HEAD"]);
    [first, second, third]
}

fn files_of(report: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = report["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .filter_map(|s| s["file"].as_str().map(str::to_string))
        .collect();
    files.dedup();
    files
}

#[test]
fn only_what_changed_since_a_revision_is_checked_against_the_history() {
    let repo = tempfile::tempdir().expect("temp dir");
    let [first, second, _] = repository(repo.path());

    let (code, out, err) = migplan_in(
        repo.path(),
        &["check", "--since", &second, "--format", "json"],
    );
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(files_of(&report), ["db/migrations/004_drop.sql"]);
    assert_eq!(report["max_severity"], "dangerous");
    assert_eq!(code, 1);
    assert!(err.contains("1 migration(s) changed since"), "{err}");
    assert!(err.contains("against the 3 before them"), "{err}");

    let (code, out, err) = migplan_in(
        repo.path(),
        &["check", "--since", &first, "--format", "json"],
    );
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(
        files_of(&report),
        ["db/migrations/003_index.sql", "db/migrations/004_drop.sql"]
    );
    assert_eq!(code, 1);
    // The index is on a table of the history: an existing table.
    assert!(report.to_string().contains("adding-index-non-concurrently"));

    // Work not committed yet counts too; nothing changed is nothing to check.
    let (code, out, _) = migplan_in(repo.path(), &["check", "--since", "HEAD"]);
    assert_eq!(code, 0, "{out}");
    write(
        repo.path(),
        "db/migrations/005_note.sql",
        "ALTER TABLE orders ADD COLUMN note text;\n",
    );
    let (_, out, _) = migplan_in(
        repo.path(),
        &["check", "--since", "HEAD", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(files_of(&report), ["db/migrations/005_note.sql"]);

    // From a subfolder, with the project named; a revision that is not one.
    let (code, _, err) = migplan_in(&repo.path().join("db"), &["check", "--since", "nope", ".."]);
    assert_eq!(code, 2);
    assert!(err.contains("--since nope: no such commit"), "{err}");
    let (code, _, err) = migplan_in(repo.path(), &["check", "--since", "--output=x"]);
    assert_eq!(code, 2, "{err}");
}

fn action_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../action/run.sh")
}

/// The action's step as GitHub runs it on a pull request.
fn run_action(repo: &Path, env: &[(&str, &str)]) -> (i32, String, String, String) {
    let summary = repo.join("summary.md");
    let _ = std::fs::remove_file(&summary);
    let out = Command::new("bash")
        .arg(action_script())
        .current_dir(repo)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", repo)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env(
            "GITHUB_ACTION_PATH",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        )
        .env("RUNNER_TEMP", repo.join("runner-temp"))
        .env("MIGPLAN_BIN", env!("CARGO_BIN_EXE_migplan"))
        .env("INPUT_PATH", ".")
        .env("INPUT_SINCE", "")
        .env("INPUT_FAIL_ON", "")
        .env("INPUT_ARGS", "")
        .env_remove("GITHUB_BASE_REF")
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(summary).unwrap_or_default(),
    )
}

#[test]
fn the_github_action_annotates_the_pull_requests_migrations() {
    let repo = tempfile::tempdir().expect("temp dir");
    let [first, second, _] = repository(repo.path());

    // A pull request event: the base commit comes in as the input.
    let (code, out, err, summary) = run_action(repo.path(), &[("INPUT_SINCE", &second)]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("::error file=db/migrations/004_drop.sql,line=1,col=1,title=migplan dropping-column (dangerous)::"),
        "{out}"
    );
    assert!(!out.contains("003_index"), "{out}");
    assert!(summary.contains("dropping-column"), "{summary}");
    assert!(summary.starts_with('#'), "{summary}");

    // Without the input, origin/<base branch> is the base.
    git(
        repo.path(),
        &["update-ref", "refs/remotes/origin/main", &first],
    );
    let (code, out, _, _) = run_action(repo.path(), &[("GITHUB_BASE_REF", "main")]);
    assert_eq!(code, 1);
    assert!(out.contains("003_index.sql"), "{out}");

    // A careful change alone passes the default gate; fail-on and extra
    // arguments reach migplan.
    write(
        repo.path(),
        "db/migrations/005_orders_index.sql",
        "CREATE INDEX orders_user ON orders (user_id);\n",
    );
    let (code, out, _, _) = run_action(repo.path(), &[("INPUT_SINCE", "HEAD")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("::warning file=db/migrations/005_orders_index.sql"),
        "{out}"
    );
    let (code, out, _, _) = run_action(
        repo.path(),
        &[
            ("INPUT_SINCE", "HEAD"),
            ("INPUT_ARGS", "--pg-version 15 --dialect postgres"),
            ("INPUT_FAIL_ON", "careful"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let (code, _, err, summary) = run_action(repo.path(), &[("INPUT_SINCE", "not-a-commit")]);
    assert_eq!(code, 2, "{err}");
    assert!(summary.is_empty(), "no summary for bad input: {summary}");
}

/// A Rails project: `--since` finds the Ruby migration a branch added and
/// checks it, at its Ruby lines, against the Ruby history before it.
#[test]
fn a_rails_branch_is_checked_against_its_ruby_history() {
    let repo = tempfile::tempdir().expect("temp dir");
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        dir,
        "db/migrate/20260101120000_create_users.rb",
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n      t.string :name\n      t.string :email\n    end\n  end\nend\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "history"]);
    let base = git(dir, &["rev-parse", "HEAD"]);
    write(
        dir,
        "db/migrate/20260102120000_drop_name.rb",
        "class DropName < ActiveRecord::Migration[7.1]\n  def change\n    add_index :users, :email, algorithm: :concurrently\n    remove_column :users, :name, :string\n  end\nend\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "drop name"]);
    let (code, out, err) = migplan_in(dir, &["check", "--since", &base, "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(
        files_of(&report),
        ["db/migrate/20260102120000_drop_name.rb"]
    );
    assert!(
        err.contains("against the 1 before them (ordered as Rails"),
        "{err}"
    );
    assert_eq!(code, 1);
    let drop = report["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["sql"] == "ALTER TABLE users DROP COLUMN name")
        .expect("the drop");
    assert_eq!(drop["line"], 4);
    assert_eq!(drop["severity"], "dangerous");
    assert_eq!(drop["source"], "remove_column :users, :name, :string");
    // The index is built concurrently, but Rails runs the file in a
    // transaction (no `disable_ddl_transaction!`), where PostgreSQL refuses
    // CREATE INDEX CONCURRENTLY: migplan says so.
    let findings = report["findings"].to_string();
    assert!(findings.contains("dropping-column"), "{findings}");
    assert!(
        findings.contains("concurrently-in-transaction"),
        "{findings}"
    );
    assert!(
        !findings.contains("adding-index-non-concurrently"),
        "{findings}"
    );
}
