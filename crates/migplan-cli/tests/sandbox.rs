//! The simulation is a sandbox: a hostile migration cannot reach a file,
//! inject SQL through the translation, or run without bounds.

mod common;

use std::path::Path;

use common::migplan;
use rusqlite::Connection;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

/// `migplan simulate ARGS --format json`: the exit code, the report, and
/// what was printed (for messages).
fn simulate_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let (code, out, err) = migplan(&[&["simulate"], args, &["--format", "json"]].concat());
    let report = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (code, report, out + &err)
}

fn victim(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("victim.db");
    let conn = Connection::open(&path).expect("victim");
    conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);")
        .expect("rows");
    path
}

fn rows_left(path: &Path) -> i64 {
    Connection::open(path)
        .expect("open")
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("the table is still there")
}

#[test]
fn a_sqlite_migration_cannot_touch_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = victim(dir.path());
    let created = dir.path().join("created.db");
    let up = write(
        dir.path(),
        "up.sql",
        &format!(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n\
             ATTACH DATABASE '{}' AS v;\n\
             DELETE FROM v.t;\n\
             DROP TABLE v.t;\n\
             ATTACH DATABASE '{}' AS w;\n\
             VACUUM INTO '{}';\n",
            victim.display(),
            created.display(),
            dir.path().join("copy.db").display()
        ),
    );
    let (_, out, err) = migplan(&[
        "simulate",
        "--dialect",
        "sqlite",
        "--rows",
        "0",
        "--up",
        &up,
        "--format",
        "json",
    ]);
    assert_eq!(rows_left(&victim), 3, "{out}{err}");
    assert!(!created.exists(), "ATTACH created a file");
    assert!(
        !dir.path().join("copy.db").exists(),
        "VACUUM INTO wrote a file"
    );
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let skipped = report["coverage"]["skipped"].to_string();
    for line in [
        "line 2: not simulated: touches files",
        "line 5: not simulated: touches files",
        "line 6: not simulated",
    ] {
        assert!(skipped.contains(line), "{line} in {skipped}");
    }
}

#[test]
fn identifiers_cannot_inject_sql_through_the_translation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pwned = dir.path().join("pwned.db");
    let schema = write(
        dir.path(),
        "schema.sql",
        "CREATE TABLE t (a int, b text);\n",
    );
    let up = write(
        dir.path(),
        "up.sql",
        &format!(
            "CREATE INDEX ix ON t (\"a); ATTACH DATABASE '{p}' AS z; CREATE TABLE z.pwned(x int); CREATE INDEX iy ON t (a\");\n\
             INSERT INTO t (b) VALUES ('x''); ATTACH DATABASE ''{p}'' AS y; --');\n",
            p = pwned.display()
        ),
    );
    let (_, out, err) = migplan(&[
        "simulate",
        "--dialect",
        "postgres",
        "--schema",
        &schema,
        "--rows",
        "3",
        "--up",
        &up,
    ]);
    assert!(
        !pwned.exists(),
        "the translation ran injected SQL: {out}{err}"
    );
}

#[test]
fn honest_quoted_names_simulate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = write(
        dir.path(),
        "schema.sql",
        "CREATE TABLE \"<svg/onload=alert(8)>\" (id serial PRIMARY KEY, \"a b\" text, \"it\"\"s\" text);\n",
    );
    let up = write(
        dir.path(),
        "up.sql",
        "CREATE INDEX odd ON \"<svg/onload=alert(8)>\" (\"a b\", \"it\"\"s\");\n\
         UPDATE \"<svg/onload=alert(8)>\" SET \"a b\" = 'it''s; fine' WHERE \"it\"\"s\" IS NULL;\n",
    );
    // Translated to SQLite, and as written on PostgreSQL (when present).
    for engine in ["sqlite", "postgres"] {
        if engine == "postgres" && migplan_postgres::cluster::Binaries::find(None).is_err() {
            continue;
        }
        let (code, out, err) = migplan(&[
            "simulate",
            "--engine",
            engine,
            "--dialect",
            "postgres",
            "--schema",
            &schema,
            "--rows",
            "5",
            "--up",
            &up,
        ]);
        assert_eq!(code, 0, "{engine}: {out}{err}");
        assert!(
            out.contains("[pass] up applies: 2 of 2 statements"),
            "{engine}: {out}"
        );
    }
}

#[test]
fn a_runaway_statement_is_stopped_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(
        dir.path(),
        "up.sql",
        "CREATE TABLE t (x int);\n\
         WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r;\n",
    );
    let started = std::time::Instant::now();
    let (code, report, out) = simulate_json(&[
        "--dialect",
        "sqlite",
        "--rows",
        "0",
        "--timeout",
        "1",
        "--up",
        &up,
    ]);
    assert!(started.elapsed().as_secs() < 20, "not stopped in time");
    assert_eq!(code, 1, "{out}");
    assert_eq!(report["failure"]["line"], 2, "{out}");
    assert_eq!(
        report["failure"]["message"], "stopped: took longer than 1 s",
        "{out}"
    );
}

#[test]
fn a_statement_that_needs_too_much_memory_is_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(
        dir.path(),
        "up.sql",
        "CREATE TABLE big AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 5000000) SELECT n, randomblob(200) AS pad FROM r;\n",
    );
    let (code, report, out) = simulate_json(&[
        "--dialect",
        "sqlite",
        "--rows",
        "0",
        "--memory-limit",
        "32",
        "--up",
        &up,
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(report["failure"]["line"], 1, "{out}");
    assert_eq!(
        report["failure"]["message"], "stopped: needed more than 32 MiB of memory",
        "{out}"
    );
}

#[test]
fn growth_is_capped_like_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(dir.path(), "up.sql", "CREATE TABLE t (x int);\n");
    let (code, _, err) = migplan(&[
        "simulate",
        "--dialect",
        "sqlite",
        "--rows",
        "0",
        "--growth",
        "1000000000",
        "--up",
        &up,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--growth"), "{err}");
}

#[test]
fn a_simulation_that_ran_nothing_is_not_ok() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(
        dir.path(),
        "up.sql",
        "this is not SQL at all;\nnor is this;\n",
    );
    let (code, out, _) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--dialect",
        "postgres",
        "--rows",
        "0",
        "--up",
        &up,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["ok"], false);
    assert!(out.contains("nothing was simulated"), "{out}");
    // On PostgreSQL the first line is a syntax error: the run fails there.
    if migplan_postgres::cluster::Binaries::find(None).is_ok() {
        let (code, out, _) = migplan(&["simulate", "--rows", "0", "--up", &up, "--format", "json"]);
        assert_eq!(code, 1, "{out}");
        let report: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(report["ok"], false);
        assert_eq!(report["failure"]["line"], 1, "{out}");
    }
}
