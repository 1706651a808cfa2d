//! `.migplan.toml` as a team keeps it in its repository: found upward from
//! the working directory, the command line over it, mistakes with their
//! line; `migplan init` on every fixture project.

mod common;

use std::path::Path;

use common::{migplan, migplan_in};

const SCHEMA: &str = "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n";

/// A repository with a schema, a migration in a subfolder and `config`.
fn repo(config: &str, migration: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(".migplan.toml"), config).expect("config");
    std::fs::write(dir.path().join("schema.sql"), SCHEMA).expect("schema");
    std::fs::create_dir_all(dir.path().join("db/migrations")).expect("folder");
    std::fs::write(dir.path().join("db/migrations/0002.sql"), migration).expect("migration");
    dir
}

fn check_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let schema = dir.join("schema.sql").display().to_string();
    let mut args = vec!["check", "--format", "json", "--schema", &schema];
    args.extend_from_slice(extra);
    args.push("0002.sql");
    let (code, out, err) = migplan_in(&dir.join("db/migrations"), &args);
    let value = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (code, value, err)
}

#[test]
fn the_file_is_found_upward_and_sets_the_policy_and_the_gate() {
    let migration = "ALTER TABLE users ADD COLUMN nickname text;\n";
    let dir = repo(
        "lock_timeout = \"require\"\nfail_on = \"careful\"\n",
        migration,
    );
    let (code, report, err) = check_json(dir.path(), &[]);
    assert_eq!(report["max_severity"], "careful", "{err}");
    assert_eq!(code, 1, "fail_on = careful from the file");

    // The command line wins over the file; --no-config reads none.
    let (code, _, _) = check_json(dir.path(), &["--fail-on", "dangerous"]);
    assert_eq!(code, 0);
    let (code, report, _) = check_json(dir.path(), &["--no-config"]);
    assert_eq!(report["max_severity"], "safe");
    assert_eq!(code, 0);
}

#[test]
fn rules_dialect_and_version_come_from_the_file() {
    let dir = repo(
        "dialect = \"postgres\"\npg_version = 10\n[rules]\ndropping-column = \"off\"\n",
        "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;\nALTER TABLE users DROP COLUMN name;\n",
    );
    let (_, report, err) = check_json(dir.path(), &[]);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{err}"))
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"adding-column-with-default-before-pg11"),
        "{rules:?}"
    );
    assert!(!rules.contains(&"dropping-column"), "{rules:?}");
    // The command line's version wins.
    let (_, report, _) = check_json(dir.path(), &["--pg-version", "16"]);
    assert!(
        !report
            .to_string()
            .contains("adding-column-with-default-before-pg11")
    );
}

#[test]
fn an_explicit_file_and_its_mistakes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("team.toml");
    std::fs::write(
        &config,
        "dialect = \"postgres\"\n\n[rules]\ndropping-colum = \"off\"\n",
    )
    .expect("write");
    let migration = dir.path().join("m.sql");
    std::fs::write(&migration, "SELECT 1;").expect("write");
    let (code, _, err) = migplan(&[
        "check",
        "--config",
        &config.display().to_string(),
        &migration.display().to_string(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("team.toml:4:1: [rules]: `dropping-colum` is not a rule"),
        "{err}"
    );

    std::fs::write(&config, "dialect = \"postgres\"\nfail_on = \"severe\"\n").expect("write");
    let (code, _, err) = migplan(&[
        "check",
        "--config",
        &config.display().to_string(),
        &migration.display().to_string(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("team.toml:2:11: fail_on: unknown severity"),
        "{err}"
    );

    let (code, _, err) = migplan(&["check", "--config", "/nonexistent/x.toml", "m.sql"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/x.toml"), "{err}");
}

#[test]
fn table_sizes_from_a_stats_file_or_the_config() {
    let migration = "SET lock_timeout = '2s';\nCREATE INDEX users_name_idx ON users (name);\n";
    let dir = repo("stats = \"sizes.csv\"\n", migration);
    std::fs::write(dir.path().join("sizes.csv"), "table,rows\nusers,90000000\n").expect("stats");
    let (_, report, err) = check_json(dir.path(), &[]);
    assert_eq!(report["max_severity"], "dangerous", "{err}");
    let finding = &report["findings"][0];
    assert_eq!(finding["size"]["rows"], 90_000_000);
    assert_eq!(finding["size"]["source"], "sizes.csv");

    // --stats wins over the file's; a small table's index build is safe.
    let small = dir.path().join("small.json");
    std::fs::write(&small, r#"{"users": 300}"#).expect("stats");
    let (code, report, _) = check_json(dir.path(), &["--stats", &small.display().to_string()]);
    assert_eq!(report["max_severity"], "safe");
    assert_eq!(code, 0);

    // [tables] in the file, without a stats file.
    let dir = repo("[tables]\nusers = 50000\n", migration);
    let (_, report, _) = check_json(dir.path(), &[]);
    assert_eq!(report["max_severity"], "careful");
    assert_eq!(report["findings"][0]["size"]["class"], "medium");

    // A stats file with a mistake names its line.
    let dir = repo("stats = \"sizes.csv\"\n", migration);
    std::fs::write(dir.path().join("sizes.csv"), "table,rows\nusers,lots\n").expect("stats");
    let (code, _, err) = check_json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("sizes.csv:2:1"), "{err}");
}

#[test]
fn init_writes_a_config_that_reads_back_for_every_fixture_project() {
    let projects = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/projects");
    let mut seen = 0;
    for entry in std::fs::read_dir(&projects).expect("projects") {
        let project = entry.expect("entry").path();
        let copy = tempfile::tempdir().expect("temp dir");
        copy_tree(&project, copy.path());
        let (code, out, err) = migplan(&["init", &copy.path().display().to_string()]);
        assert_eq!(code, 0, "{}: {err}", project.display());
        let text = std::fs::read_to_string(copy.path().join(".migplan.toml")).expect("written");
        let config = migplan_core::config::Config::parse(&text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", project.display()));
        assert!(config.migrations.is_some(), "{}: {text}", project.display());
        assert!(out.contains("wrote"), "{out}");
        assert!(text.contains("# Detected: "), "{text}");
        // A second init does not overwrite it.
        let (code, _, err) = migplan(&["init", &copy.path().display().to_string()]);
        assert_eq!(code, 2);
        assert!(err.contains("--force"), "{err}");
        seen += 1;
    }
    assert!(seen >= 15, "{seen} fixture projects");
}

#[test]
fn init_guesses_the_dialect_from_the_migrations() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("migrations")).expect("dir");
    std::fs::write(
        dir.path().join("migrations/V1__init.sql"),
        "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;",
    )
    .expect("write");
    let (code, _, err) = migplan(&["init", &dir.path().display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join(".migplan.toml")).expect("written");
    let config = migplan_core::config::Config::parse(&text).expect("parses");
    assert_eq!(config.dialect, Some(migplan_core::Dialect::Mysql));
    assert_eq!(config.migrations.as_deref(), Some("migrations"));
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("dir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
