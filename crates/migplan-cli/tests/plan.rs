//! `migplan plan` and `migplan rollback` as a user runs them, and every
//! SQLite plan fixture executed for real on the bundled SQLite: each step
//! up (backfills repeated until they change no row), then every down, with
//! the data checked on the way.

mod common;

use common::migplan;

use migplan_cli::sqlite::NativeSqlite;
use migplan_core::Dialect;
use migplan_core::engine::{Engine, Value, run_script};
use migplan_core::plan::{PlanOptions, plan_sources};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/");

#[test]
fn plan_json_follows_the_contract() {
    let (code, out, err) = migplan(&[
        "plan",
        "--format",
        "json",
        "--schema",
        &format!("{FIXTURES}example/schema.sql"),
        &format!("{FIXTURES}example/migration.sql"),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let steps = v["steps"].as_array().expect("steps");
    assert!(steps.len() >= 5);
    for s in steps {
        for key in [
            "phase",
            "title",
            "up",
            "down",
            "irreversible",
            "reason",
            "lock",
            "transactional",
            "deploy_after",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
        assert!(["expand", "migrate", "contract"].contains(&s["phase"].as_str().unwrap_or("")));
    }
    assert!(steps.iter().any(|s| s["deploy_after"] == true));
    assert!(steps.iter().any(|s| s["transactional"] == false));
}

#[test]
fn plan_markdown_is_the_runbook_and_bad_options_exit_2() {
    let m = format!("{FIXTURES}plans/rename-column/postgres.sql");
    let s = format!("{FIXTURES}rules/schema.postgres.sql");
    let (code, out, _) = migplan(&["plan", "--format", "markdown", "--schema", &s, &m]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# Runbook: "), "{out}");
    assert!(out.contains("> **Deploy point:**"), "{out}");
    let (code, out, _) = migplan(&[
        "plan",
        "--batch-size",
        "50",
        "--lock-timeout",
        "3s",
        "--schema",
        &s,
        &m,
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("LIMIT 50") && out.contains("lock_timeout = '3s'"),
        "{out}"
    );
    let (code, _, err) = migplan(&["plan", "--batch-size", "0", &m]);
    assert_eq!(code, 2);
    assert!(err.contains("--batch-size"), "{err}");
}

#[test]
fn rollback_generates_and_compares() {
    let dir = std::env::temp_dir().join(format!("migplan-rollback-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let up = dir.join("up.sql");
    let good = dir.join("good.sql");
    let bad = dir.join("bad.sql");
    std::fs::write(
        &up,
        "ALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX users_bio ON users (bio);",
    )
    .expect("w");
    std::fs::write(
        &good,
        "DROP INDEX users_bio;\nALTER TABLE users DROP COLUMN bio;",
    )
    .expect("w");
    std::fs::write(&bad, "DROP INDEX users_bio;").expect("w");
    let schema = format!("{FIXTURES}example/schema.sql");
    let (code, out, _) = migplan(&["rollback", "--schema", &schema, &up.display().to_string()]);
    assert_eq!(code, 0, "{out}");
    let drop_index = out
        .find("DROP INDEX IF EXISTS users_bio")
        .expect("index dropped");
    let drop_column = out
        .find("ALTER TABLE users DROP COLUMN bio")
        .expect("column dropped");
    assert!(drop_index < drop_column, "undone in reverse order:\n{out}");
    let (code, out, _) = migplan(&[
        "rollback",
        "--schema",
        &schema,
        "--down",
        &good.display().to_string(),
        &up.display().to_string(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("leaves the same schema"), "{out}");
    let (code, out, _) = migplan(&[
        "rollback",
        "--schema",
        &schema,
        "--down",
        &bad.display().to_string(),
        &up.display().to_string(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("+ column users.bio"), "{out}");
}

fn count(db: &mut NativeSqlite, sql: &str) -> i64 {
    match pollster::block_on(db.execute(sql))
        .ok()
        .and_then(|r| r.into_iter().next())
        .and_then(|r| r.rows.into_iter().next())
        .and_then(|r| r.into_iter().next())
    {
        Some(Value::Integer(n)) => n,
        other => panic!("{sql}: {other:?}"),
    }
}

#[test]
fn every_sqlite_plan_runs_up_and_down_on_real_sqlite() {
    let schema =
        std::fs::read_to_string(format!("{FIXTURES}rules/schema.sqlite.sql")).expect("schema");
    let mut dirs: Vec<_> = std::fs::read_dir(format!("{FIXTURES}plans"))
        .expect("plans")
        .flatten()
        .map(|e| e.path().join("sqlite.sql"))
        .filter(|p| p.exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "{dirs:?}");
    for path in dirs {
        let name = path.display().to_string();
        let migration = std::fs::read_to_string(&path).expect("fixture");
        let p = plan_sources(
            Dialect::Sqlite,
            PlanOptions {
                batch_size: 7,
                // Data changes keep a copy, so their downs restore rows.
                keep_copies: true,
                ..PlanOptions::default()
            },
            &schema,
            &migration,
        );
        let mut db = NativeSqlite::open().expect("sqlite");
        pollster::block_on(run_script(&mut db, &schema)).expect("schema");
        let mut seed = String::new();
        for i in 1..=25 {
            seed.push_str(&format!(
                "INSERT INTO users (id, email, name, age) VALUES ({i}, 'u{i}@example.com', 'user {i}', {});\n\
                 INSERT INTO orders (id, user_id, total, status, note) VALUES ({i}, {i}, {i}.5, 'new', NULL);\n",
                if i % 3 == 0 { "NULL".to_string() } else { i.to_string() }
            ));
        }
        pollster::block_on(run_script(&mut db, &seed)).expect("seed");
        for (i, s) in p.steps.iter().enumerate() {
            let mut runs = 0;
            loop {
                pollster::block_on(run_script(&mut db, &s.up))
                    .unwrap_or_else(|e| panic!("{name}: step {} up failed: {e}\n{}", i + 1, s.up));
                runs += 1;
                if !s.repeat || count(&mut db, "SELECT changes()") == 0 {
                    break;
                }
                assert!(runs < 100, "{name}: step {} never finishes", i + 1);
            }
            if s.repeat && s.up.starts_with("UPDATE") {
                assert!(
                    runs > 1,
                    "{name}: batches of 7 over 25 rows take several runs"
                );
            }
        }
        for (i, s) in p.steps.iter().enumerate().rev() {
            if let Some(down) = &s.down {
                pollster::block_on(run_script(&mut db, down))
                    .unwrap_or_else(|e| panic!("{name}: step {} down failed: {e}\n{down}", i + 1));
            }
        }
        // Undoing a plan with no irreversible step brings every row back.
        let lossless = p.steps.iter().all(|s| !s.irreversible);
        assert!(
            lossless
                || ["drop-table", "batched-update", "set-not-null"]
                    .iter()
                    .any(|n| name.contains(n)),
            "{name}: unexpected data loss"
        );
        assert_eq!(count(&mut db, "SELECT count(*) FROM users"), 25, "{name}");
        if lossless {
            assert_eq!(count(&mut db, "SELECT count(*) FROM orders"), 25, "{name}");
            assert_eq!(
                count(
                    &mut db,
                    "SELECT count(*) FROM users WHERE name LIKE 'user %'"
                ),
                25,
                "{name}"
            );
        }
    }
}

#[test]
fn detect_and_export_continue_a_project() {
    let (code, out, _) = migplan(&["detect", &format!("{FIXTURES}projects/dbmate")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("framework: dbmate\n"), "{out}");
    let (code, out, _) = migplan(&[
        "detect",
        "--format",
        "json",
        &format!("{FIXTURES}projects/diesel"),
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["framework"], "diesel");
    let empty = std::env::temp_dir().join(format!("migplan-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    let (code, _, _) = migplan(&["detect", &empty.display().to_string()]);
    assert_eq!(code, 1);

    let out_dir = std::env::temp_dir().join(format!("migplan-export-{}", std::process::id()));
    let (code, out, err) = migplan(&[
        "export",
        "--project",
        &format!("{FIXTURES}projects/golang-migrate"),
        "--schema",
        &format!("{FIXTURES}rules/schema.postgres.sql"),
        "--out",
        &out_dir.display().to_string(),
        "--name",
        "rename",
        &format!("{FIXTURES}plans/rename-column/postgres.sql"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations/000003_rename_1_"), "{out}");
    let first = std::fs::read_dir(out_dir.join("migrations"))
        .expect("written")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("000003") && n.ends_with(".up.sql"))
        .count();
    assert_eq!(first, 1);
    assert!(out_dir.join("RUNBOOK.md").exists());
    let (code, _, err) = migplan(&[
        "export",
        "--framework",
        "nope",
        "--out",
        "/tmp/x",
        &format!("{FIXTURES}plans/rename-column/postgres.sql"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown framework nope"), "{err}");
}

#[test]
fn an_older_sqlite_rename_is_a_rebuild_that_keeps_the_values() {
    let schema =
        std::fs::read_to_string(format!("{FIXTURES}rules/schema.sqlite.sql")).expect("schema");
    let o = PlanOptions {
        sqlite_version: Some("3.31".into()),
        ..PlanOptions::default()
    };
    let p = plan_sources(
        Dialect::Sqlite,
        o,
        &schema,
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
    );
    assert_eq!(p.steps.len(), 1);
    assert!(!p.steps[0].irreversible, "{:?}", p.steps[0].reason);
    let mut db = NativeSqlite::open().expect("sqlite");
    pollster::block_on(run_script(&mut db, &schema)).expect("schema");
    pollster::block_on(run_script(
        &mut db,
        "INSERT INTO users (id, email, name) VALUES (1, 'a@x', 'user 1'), (2, 'b@x', 'user 2');",
    ))
    .expect("rows");
    pollster::block_on(run_script(&mut db, &p.steps[0].up)).expect("up");
    assert_eq!(
        count(
            &mut db,
            "SELECT count(*) FROM users WHERE full_name LIKE 'user %'"
        ),
        2
    );
    assert_eq!(
        count(&mut db, "SELECT count(*) FROM active_users"),
        2,
        "the view came back"
    );
    pollster::block_on(run_script(
        &mut db,
        p.steps[0].down.as_deref().expect("down"),
    ))
    .expect("down");
    assert_eq!(
        count(
            &mut db,
            "SELECT count(*) FROM users WHERE name LIKE 'user %'"
        ),
        2
    );
}

/// Issue: MySQL names keep their case. A table `UserAccounts` (MySQL on
/// Linux: table names are case-sensitive) stays `UserAccounts`, quoted, in
/// the plan, its downs, the generated rollback, the exported files and
/// the runbook; never `useraccounts`. The plan also runs up and back down.
#[test]
fn mysql_names_keep_their_case_everywhere() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let schema = write(
        "schema.sql",
        "CREATE TABLE `UserAccounts` (`Id` int NOT NULL PRIMARY KEY, `EmailAddress` varchar(100) NOT NULL, `LegacyCode` varchar(20));\n",
    );
    let up = write(
        "up.sql",
        "ALTER TABLE `UserAccounts` ADD COLUMN `NickName` varchar(40) NULL;\n\
         CREATE INDEX `IX_UserAccounts_EmailAddress` ON `UserAccounts` (`EmailAddress`);\n\
         ALTER TABLE `UserAccounts` DROP COLUMN `LegacyCode`;\n",
    );
    let lowered = |text: &str| text.contains("useraccounts") || text.contains("emailaddress");
    let (code, out, err) = migplan(&[
        "plan",
        "--dialect",
        "mysql",
        "--schema",
        &schema,
        "--format",
        "json",
        &up,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("`UserAccounts`") && out.contains("`NickName`"),
        "{out}"
    );
    assert!(!lowered(&out), "{out}");
    let (code, runbook, _) = migplan(&[
        "plan",
        "--dialect",
        "mysql",
        "--schema",
        &schema,
        "--format",
        "markdown",
        &up,
    ]);
    assert_eq!(code, 0);
    assert!(
        runbook.contains("UserAccounts") && !lowered(&runbook),
        "{runbook}"
    );
    let (code, down, _) = migplan(&["rollback", "--dialect", "mysql", "--schema", &schema, &up]);
    assert_eq!(code, 0, "{down}");
    assert!(
        down.contains("ALTER TABLE `UserAccounts` DROP COLUMN `NickName`"),
        "{down}"
    );
    assert!(!lowered(&down), "{down}");
    let out_dir = dir.path().join("out");
    let (code, _, err) = migplan(&[
        "export",
        "--dialect",
        "mysql",
        "--framework",
        "flyway",
        "--schema",
        &schema,
        "--out",
        &out_dir.display().to_string(),
        &up,
    ]);
    assert_eq!(code, 0, "{err}");
    let mut files = 0;
    for entry in walk(&out_dir) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(!lowered(&text), "{}: {text}", entry.display());
        files += 1;
    }
    assert!(files >= 2, "{files} files");
    let (code, out, err) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--plan",
        "--dialect",
        "mysql",
        "--schema",
        &schema,
        "--up",
        &up,
        "--rows",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["plan_check"]["equivalent"], true, "{}", v["plan_check"]);
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
