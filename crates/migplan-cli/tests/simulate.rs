//! The simulation on the bundled SQLite: each check on fixtures, the
//! translation of every rule and plan fixture, and the cross-check
//! scenarios whose reports the sql.js engine must reproduce exactly
//! (`tests/fixtures/simulation/`; the wasm side is in migplan-sqljs).

mod common;

use common::migplan;
use migplan_cli::sqlite::NativeSqlite;
use migplan_core::sample::DataOptions;
use migplan_core::simulate::{SimOptions, SimulationReport, simulate};
use migplan_core::{Dialect, Options, Session};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/");

fn fixture(p: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{p}")).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn run(
    d: Dialect,
    schema: &str,
    up: &str,
    rows: usize,
    adversarial: bool,
    down: Option<&str>,
) -> SimulationReport {
    let mut engine = NativeSqlite::open().expect("sqlite");
    let o = SimOptions {
        data: DataOptions {
            rows,
            seed: 42,
            adversarial,
        },
        down: down.map(str::to_string),
        rows_sql: None,
    };
    let session = Session::new(d, Options::default(), schema, up);
    pollster::block_on(simulate(&mut engine, &session, &o))
}

fn check<'a>(r: &'a SimulationReport, name: &str) -> &'a migplan_core::simulate::Check {
    r.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}: {:?}", r.checks))
}

#[test]
fn a_rename_keeps_every_value_and_rolls_back_exactly() {
    let r = run(
        Dialect::Postgres,
        &fixture("rules/schema.postgres.sql"),
        &fixture("plans/rename-column/postgres.sql"),
        300,
        false,
        None,
    );
    assert!(r.ok, "{:#?}", r.checks);
    assert_eq!(
        check(&r, "data preserved").detail,
        "users.name: 300 values now in users.full_name, 0 lost"
    );
    assert_eq!(
        check(&r, "down restores").detail,
        "schema and every value are back as before"
    );
    let rt = r.round_trip.as_ref().expect("round trip");
    assert!(rt.schema_equal && rt.data_equal && rt.lost.is_empty());
    assert!(
        r.counts
            .iter()
            .any(|c| c.table == "users" && c.before == Some(300) && c.after == Some(300))
    );
}

#[test]
fn adversarial_rows_make_set_not_null_fail_at_its_line() {
    let schema = fixture("rules/schema.postgres.sql");
    let up = "SET lock_timeout = '1s';\nALTER TABLE users ALTER COLUMN name SET NOT NULL;";
    let ok = run(Dialect::Postgres, &schema, up, 200, false, None);
    assert!(ok.ok, "{:#?}", ok.checks);
    let bad = run(Dialect::Postgres, &schema, up, 200, true, None);
    assert!(!bad.ok);
    let f = bad.failure.as_ref().expect("failure");
    assert_eq!((f.line, f.column), (2, 1));
    assert!(
        f.message.contains("NOT NULL constraint failed"),
        "{}",
        f.message
    );
    assert!(!check(&bad, "up applies").ok);
}

#[test]
fn orphans_fail_the_integrity_check_and_a_wrong_down_is_caught() {
    let schema = "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);";
    let up = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;";
    let r = run(Dialect::Postgres, schema, up, 100, true, None);
    let integrity = check(&r, "integrity");
    assert!(!integrity.ok, "{integrity:?}");
    assert!(
        integrity.detail.starts_with("5 rows violate foreign keys"),
        "{}",
        integrity.detail
    );

    let up = "ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note ON orders (note);";
    let wrong = run(
        Dialect::Postgres,
        schema,
        up,
        50,
        false,
        Some("DROP INDEX orders_note;"),
    );
    let down = check(&wrong, "down restores");
    assert!(!down.ok);
    assert!(
        down.detail.contains("column orders.note"),
        "{}",
        down.detail
    );
    let right = run(
        Dialect::Postgres,
        schema,
        up,
        50,
        false,
        Some("DROP INDEX orders_note;\nALTER TABLE orders DROP COLUMN note;"),
    );
    assert!(check(&right, "down restores").ok, "{:?}", right.checks);
    // A second run of ADD COLUMN is reported, not hidden, as a note (not
    // a pass): where it stops, line and column.
    let again = check(&right, "second run");
    assert!(again.note, "{again:?}");
    assert!(
        again
            .detail
            .starts_with("running up again stops at line 1, column 1")
            && again.detail.contains("duplicate column name: note"),
        "{}",
        again.detail
    );
}

#[test]
fn what_cannot_be_simulated_is_listed_per_statement() {
    let up = "CREATE EXTENSION IF NOT EXISTS pgcrypto;\nALTER TABLE users ADD COLUMN bio text;\nGRANT SELECT ON users TO reporting;";
    let r = run(
        Dialect::Postgres,
        "CREATE TABLE users (id bigint PRIMARY KEY);",
        up,
        10,
        false,
        None,
    );
    assert_eq!((r.coverage.statements, r.coverage.simulated), (3, 1));
    assert_eq!(r.coverage.skipped.len(), 2);
    assert!(
        r.coverage.skipped[0].starts_with("line 1: not simulated: "),
        "{:?}",
        r.coverage.skipped
    );
    assert!(
        check(&r, "up applies").detail.contains("1 of 3 statements"),
        "{:?}",
        r.checks
    );
}

/// Fixtures whose migration really fails on a database with rows; every
/// other rule and plan fixture must apply after translation.
const EXPECTED_FAILURES: &[&str] = &[
    "rules/adding-not-null-column/postgres.risky.sql",
    "plans/add-not-null-column/postgres.sql",
    "rules/dropping-schema/mysql.risky.sql",
    "rules/dropping-column/sqlite.risky.sql",
    "rules/dropping-column/sqlite.safe.sql",
    "rules/sqlite-add-column-limits/sqlite.risky.sql",
    "rules/sqlite-drop-column-limits/sqlite.risky.sql",
    "rules/sqlite-table-rebuild/sqlite.risky.sql",
    "plans/sqlite-rebuild/sqlite.sql",
    // Dropping a column an index uses: SQLite refuses (the plan drops the
    // index first).
    "plans/drop-column/sqlite.sql",
    // An index whose name already exists: the CREATE fails, as the rule says.
    "rules/creating-existing-object/mysql.risky.sql",
    "rules/creating-existing-object/postgres.risky.sql",
    "rules/creating-existing-object/sqlite.risky.sql",
];

#[test]
fn every_rule_and_plan_fixture_translates_and_applies() {
    let mut paths = Vec::new();
    for dir in ["rules", "plans"] {
        for e in std::fs::read_dir(format!("{FIXTURES}{dir}"))
            .expect("dir")
            .flatten()
        {
            if e.path().is_dir() {
                for f in std::fs::read_dir(e.path()).expect("dir").flatten() {
                    let p = f.path();
                    let rel = p
                        .strip_prefix(FIXTURES)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .into_owned();
                    paths.push(rel);
                }
            }
        }
    }
    paths.sort();
    assert!(paths.len() > 150, "{}", paths.len());
    let mut wrong = Vec::new();
    for p in &paths {
        let name = p.rsplit('/').next().unwrap_or_default();
        let d: Dialect = name
            .split('.')
            .next()
            .unwrap_or_default()
            .parse()
            .expect("dialect in the file name");
        let text = fixture(p);
        let text = text
            .strip_prefix("-- pg-version: ")
            .map_or(text.as_str(), |t| t.split_once('\n').map_or("", |x| x.1));
        let r = run(
            d,
            &fixture(&format!("rules/schema.{}.sql", d.as_str())),
            text,
            30,
            false,
            None,
        );
        // A fixture none of whose statements SQLite can run is not a
        // failure of the translation, but its simulation is never ok.
        let nothing_run = r.coverage.simulated == 0 && r.failure.is_none();
        if nothing_run && r.ok {
            wrong.push(format!("{p}: nothing was simulated, yet the report is ok"));
        }
        let applied = check(&r, "up applies").ok || nothing_run;
        let expected = !EXPECTED_FAILURES.contains(&p.as_str());
        if applied != expected {
            wrong.push(format!(
                "{p}: up applied = {applied}: {:?}",
                r.failure.as_ref().map(|f| &f.message)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A report with the engine's version taken out, for comparing engines.
pub fn normalised(r: &SimulationReport) -> serde_json::Value {
    let text = serde_json::to_string(r)
        .expect("json")
        .replace(&r.sqlite_version, "<version>");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["sqlite_version"] = serde_json::Value::Null;
    v
}

#[test]
fn cross_check_scenarios_match_the_recorded_reports() {
    let scenarios = fixture("simulation/scenarios.txt");
    let path = format!("{FIXTURES}simulation/expected.json");
    let mut actual = serde_json::Map::new();
    for line in scenarios
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let [name, dialect, schema, up, rows, adversarial] = f[..] else {
            panic!("{line}")
        };
        let d: Dialect = dialect.parse().expect("dialect");
        let r = run(
            d,
            &fixture(schema),
            &fixture(up),
            rows.parse().expect("rows"),
            adversarial == "yes",
            None,
        );
        actual.insert(name.to_string(), normalised(&r));
    }
    let actual = serde_json::Value::Object(actual);
    if std::env::var_os("MIGPLAN_BLESS").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&actual).expect("json") + "\n",
        )
        .expect("write");
    }
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("run with MIGPLAN_BLESS=1 once"),
    )
    .expect("json");
    assert_eq!(
        actual, expected,
        "reports changed: review, then MIGPLAN_BLESS=1 cargo test -p migplan-cli --test simulate"
    );
}

#[test]
fn the_cli_simulates_with_options_and_exits_1_on_a_failed_check() {
    let schema = format!("{FIXTURES}rules/schema.postgres.sql");
    let up = format!("{FIXTURES}plans/set-not-null/postgres.sql");
    let (code, out, _) = migplan(&[
        "simulate", "--engine", "sqlite", "--schema", &schema, "--up", &up, "--rows", "100",
        "--format", "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v["checks"].as_array().is_some_and(|c| c.len() == 6));
    for key in ["sqlite_version", "checks", "round_trip", "coverage"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let (code, out, _) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--schema",
        &schema,
        "--up",
        &up,
        "--rows",
        "100",
        "--adversarial",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[FAIL] up applies: line 1, column 1: NOT NULL constraint failed"),
        "{out}"
    );
}

#[test]
fn a_plan_runs_step_by_step_and_rolls_back_from_every_step() {
    for d in [Dialect::Postgres, Dialect::Sqlite] {
        let schema = fixture(&format!("rules/schema.{}.sql", d.as_str()));
        let up = fixture(&format!("plans/rename-column/{}.sql", d.as_str()));
        let session = Session::new(d, Options::default(), &schema, &up);
        let p = migplan_core::plan::plan(
            &session,
            migplan_core::plan::PlanOptions {
                batch_size: 40,
                ..Default::default()
            },
        );
        let mut engine = NativeSqlite::open().expect("sqlite");
        let r = pollster::block_on(migplan_core::simulate::simulate_plan(
            &mut engine,
            &session,
            &p,
            &DataOptions {
                rows: 150,
                ..DataOptions::default()
            },
        ));
        assert!(r.ok, "{d:?}: {:#?}", r.checks);
        // The plan reaches the schema the migration as written reaches.
        let plan_check = r.plan_check.as_ref().expect("plan check");
        assert!(plan_check.equivalent, "{d:?}: {plan_check:#?}");
        let steps = r
            .checks
            .iter()
            .filter(|c| c.name.starts_with("step "))
            .count();
        let rollbacks = r
            .checks
            .iter()
            .filter(|c| c.name.starts_with("rollback from step "))
            .count();
        assert_eq!(steps, p.steps.len(), "{d:?}");
        assert_eq!(rollbacks, p.steps.len(), "{d:?}");
        let backfill = r
            .checks
            .iter()
            .find(|c| c.name.contains("Backfill"))
            .expect("backfill step");
        assert!(
            backfill.detail.starts_with("applied in "),
            "{}",
            backfill.detail
        );
        assert!(
            r.checks
                .iter()
                .filter(|c| c.name.starts_with("rollback"))
                .all(|c| c.detail == "schema and data back as before"),
            "{d:?}: {:#?}",
            r.checks
        );
    }
    let (code, out, _) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--plan",
        "--rows",
        "50",
        "--schema",
        &format!("{FIXTURES}rules/schema.postgres.sql"),
        "--up",
        &format!("{FIXTURES}plans/add-foreign-key/postgres.sql"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("[pass] step 2: Validate orders_user_fk2"),
        "{out}"
    );
    assert!(
        out.contains("[pass] rollback from step 2: schema and data back as before"),
        "{out}"
    );
}

#[test]
fn cost_growth_times_every_statement_at_each_size() {
    let schema = format!("{FIXTURES}example/schema.sql");
    let up = format!("{FIXTURES}example/migration.sql");
    let (code, out, err) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--rows",
        "100",
        "--growth",
        "100,400,1600",
        "--format",
        "json",
        "--schema",
        &schema,
        "--up",
        &up,
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let growth = v["growth"].as_array().expect("growth rows");
    assert_eq!(growth.len(), 4, "{growth:?}");
    for g in growth {
        assert_eq!(g["ms"].as_array().map(Vec::len), Some(3), "{g}");
    }
    let check = v["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "cost growth"))
        .expect("check");
    assert!(
        check["detail"]
            .as_str()
            .is_some_and(|d| d.contains("100, 400, 1600") || d.contains("grows")),
        "{check}"
    );
    // What the analysis expects to grow is known before any timing.
    let expected: Vec<bool> = growth.iter().map(|g| g["expected"] == true).collect();
    assert_eq!(
        expected,
        [false, true, true, false],
        "ADD COLUMN and DROP COLUMN are metadata; UPDATE and CREATE INDEX touch every row"
    );
}

#[test]
fn your_own_rows_come_from_csv_or_inserts() {
    let dir = std::env::temp_dir().join(format!("migplan-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("users.csv"), "id,email,name\n1,a@x,Ada\n2,b@x,\n").expect("w");
    let schema = dir.join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);",
    )
    .expect("w");
    let up = dir.join("up.sql");
    std::fs::write(&up, "ALTER TABLE users ALTER COLUMN name SET NOT NULL;").expect("w");
    let (code, out, _) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--data",
        &dir.display().to_string(),
        "--schema",
        &schema.display().to_string(),
        "--up",
        &up.display().to_string(),
    ]);
    assert_eq!(code, 1, "row 2 has no name: {out}");
    assert!(out.contains("NOT NULL constraint failed"), "{out}");
    let rows = dir.join("rows.sql");
    std::fs::write(
        &rows,
        "INSERT INTO users (id, email, name) VALUES (1, 'a@x', 'Ada'), (2, 'b@x', 'Bob');",
    )
    .expect("w");
    let (code, out, _) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--format",
        "json",
        "--data",
        &rows.display().to_string(),
        "--schema",
        &schema.display().to_string(),
        "--up",
        &up.display().to_string(),
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["counts"][0]["before"], 2);
}

#[test]
fn postgres_and_mysql_forms_found_in_real_histories_run_on_sqlite() {
    // Each up, with rows, then the generated down: everything applies.
    let cases: &[(Dialect, &str, &str)] = &[
        // DROP COLUMN takes its index (PostgreSQL and MySQL), its foreign
        // key, and a CHECK naming it along.
        (
            Dialect::Postgres,
            "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, p_id int REFERENCES p (id), kind text CHECK (kind IN ('a', 'b')), n int);\nCREATE INDEX t_n_idx ON t (n);",
            "ALTER TABLE t DROP COLUMN n;\nALTER TABLE t DROP COLUMN p_id;\nALTER TABLE t DROP COLUMN kind;",
        ),
        // REFERENCES without columns means the parent's primary key; an
        // array default; GROUP BY a row value.
        (
            Dialect::Postgres,
            "CREATE TABLE e (id serial PRIMARY KEY, n int);",
            "CREATE TABLE tok (id serial PRIMARY KEY, e_id integer NOT NULL REFERENCES e);\nALTER TABLE e ADD COLUMN tags text[] DEFAULT array[]::text[] NOT NULL;\nCREATE TABLE s AS SELECT id, n, count(*) AS c FROM e GROUP BY (id, n);",
        ),
        // MySQL's double-quoted string default; IF NOT EXISTS kept.
        (
            Dialect::Mysql,
            "CREATE TABLE errs (id int PRIMARY KEY, body text);\nCREATE INDEX errs_body ON errs (id);",
            "ALTER TABLE `errs` ADD COLUMN `csrf_token` VARCHAR (255) NOT NULL DEFAULT \"\";\nCREATE INDEX IF NOT EXISTS errs_body ON errs (id);",
        ),
    ];
    for (d, schema, up) in cases {
        let r = run(*d, schema, up, 20, false, None);
        assert!(check(&r, "up applies").ok, "{up}\n{:?}", r.checks);
        assert!(check(&r, "schema after up").ok, "{up}\n{:?}", r.checks);
    }
    // DELETE … USING is listed as not simulated, never run half-way; with
    // nothing else in the migration, nothing was simulated: not ok.
    let r = run(
        Dialect::Postgres,
        "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);",
        "WITH x AS (SELECT id FROM b) DELETE FROM a USING x WHERE a.id = x.id;",
        5,
        false,
        None,
    );
    assert!(!r.ok && !check(&r, "up applies").ok, "{:?}", r.checks);
    assert!(
        r.coverage.skipped[0].contains("DELETE … USING"),
        "{:?}",
        r.coverage
    );
    // A table the schema does not have is reported as missing, not as a
    // syntax SQLite lacks.
    let r = run(
        Dialect::Mysql,
        "",
        "ALTER TABLE gone MODIFY address_type VARCHAR(36);",
        5,
        false,
        None,
    );
    assert!(
        check(&r, "up applies")
            .detail
            .contains("no such table: gone"),
        "{:?}",
        r.checks
    );
}

#[test]
fn a_history_pair_that_does_not_round_trip_is_explained() {
    use migplan_core::catalog::Catalog;
    use migplan_core::engine::Engine;
    use migplan_core::simulate::{PairOutcome, explain_pair, round_trip_pair};
    let mut engine = NativeSqlite::open().expect("sqlite");
    let _ = pollster::block_on(engine.execute("PRAGMA foreign_keys=OFF"));
    let mut model = Catalog::default();
    let d = Dialect::Postgres;
    let mut pair = |up: &str, down: &str| {
        let r = pollster::block_on(round_trip_pair(&mut engine, d, &mut model, up, down));
        explain_pair(&r, d, false)
    };
    assert_eq!(
        pair(
            "CREATE TABLE t (id int PRIMARY KEY, n int);",
            "DROP TABLE t;"
        ),
        PairOutcome::Exact
    );
    // A down that forgets the NOT NULL the column had.
    assert!(matches!(
        pair(
            "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
            "SELECT 1;"
        ),
        PairOutcome::LossyDown(w) if w.contains("not null t.n")
    ));
    // A function SQLite does not have.
    assert!(matches!(
        pair("UPDATE t SET n = text2ltree('a');", "SELECT 1;"),
        PairOutcome::Untranslatable(w) if w.contains("text2ltree")
    ));
    // A down naming a table that does not exist at that point.
    assert!(matches!(
        pair("ALTER TABLE t ADD COLUMN m int;", "ALTER TABLE t DROP COLUMN m;\nDROP TABLE never_created;"),
        PairOutcome::Broken(w) if w.contains("never_created")
    ));
    // A procedural block cannot be simulated: what the down then misses
    // is put down to it.
    assert!(matches!(
        pair(
            "DO $$ BEGIN EXECUTE 'CREATE TABLE made (id int)'; END $$;",
            "DROP TABLE made;"
        ),
        PairOutcome::Untranslatable(w) if w.contains("DO block")
    ));
}

#[test]
fn large_runs_print_progress_lines() {
    let dir = std::env::temp_dir().join(format!("migplan-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let schema = dir.join("schema.sql");
    let up = dir.join("up.sql");
    std::fs::write(&schema, "CREATE TABLE t (id int PRIMARY KEY, n int);").expect("write");
    std::fs::write(&up, "ALTER TABLE t ADD COLUMN m int;").expect("write");
    let (code, _, err) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--rows",
        "20000",
        "--schema",
        &schema.to_string_lossy(),
        "--up",
        &up.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("sample rows 50% (20 of 40 batches of 500)"),
        "{err}"
    );
    assert!(err.contains("sample rows 100%"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// "data preserved" fails when rows or values change that no statement of
/// the migration sets out to change: a SQLite rebuild that leaves a column
/// behind, a delete that cascades into another table. It passes when the
/// migration drops or writes what changed.
#[test]
fn data_preserved_fails_on_changes_the_migration_does_not_make() {
    let schema = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);";
    let forgets_email = "CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT, email TEXT);\n\
                         INSERT INTO users_new (id, name) SELECT id, name FROM users;\n\
                         DROP TABLE users;\n\
                         ALTER TABLE users_new RENAME TO users;";
    let r = run(Dialect::Sqlite, schema, forgets_email, 20, false, None);
    let c = check(&r, "data preserved");
    assert!(!c.ok, "{}", c.detail);
    assert!(
        c.detail
            .contains("changed by no statement of the migration: users.email"),
        "{}",
        c.detail
    );
    assert!(!r.ok);

    let drops = "ALTER TABLE users DROP COLUMN email;";
    let c = check(
        &run(Dialect::Sqlite, schema, drops, 20, false, None),
        "data preserved",
    )
    .clone();
    assert!(c.ok, "{}", c.detail);
    assert!(
        c.detail.contains("as the migration intends"),
        "{}",
        c.detail
    );

    let cascade_schema = "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n\
                          CREATE TABLE items (id bigint PRIMARY KEY, \
                          order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE);";
    let r = run(
        Dialect::Postgres,
        cascade_schema,
        "DELETE FROM orders WHERE total > 0;",
        30,
        false,
        None,
    );
    let c = check(&r, "data preserved");
    assert!(!c.ok, "{}", c.detail);
    assert!(c.detail.contains("items:"), "{}", c.detail);
    assert!(!c.detail.contains("orders:"), "{}", c.detail);
}

/// "second run" fails when running up again goes through and changes the
/// data again (a retried deploy would corrupt it); a migration that
/// refuses to run twice is a note (never a pass mark), one that changes
/// nothing the second time passes.
#[test]
fn second_run_fails_when_it_changes_the_data_again() {
    let schema = "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int NOT NULL DEFAULT 0);";
    let r = run(
        Dialect::Postgres,
        schema,
        "UPDATE accounts SET balance = balance * 100;",
        20,
        false,
        None,
    );
    let c = check(&r, "second run");
    assert!(!c.ok, "{}", c.detail);
    assert!(
        c.detail
            .contains("changes the data again: accounts.balance"),
        "{}",
        c.detail
    );
    assert!(!r.ok);

    let once = run(
        Dialect::Postgres,
        schema,
        "ALTER TABLE accounts ADD COLUMN note text;",
        20,
        false,
        None,
    );
    let c = check(&once, "second run");
    assert!(c.ok && c.note, "{}", c.detail);
    assert!(
        c.detail.starts_with("running up again stops"),
        "{}",
        c.detail
    );

    let idempotent = run(
        Dialect::Postgres,
        schema,
        "UPDATE accounts SET balance = 0 WHERE balance < 0;",
        20,
        false,
        None,
    );
    let c = check(&idempotent, "second run");
    assert!(c.ok, "{}", c.detail);
}

/// "schema after up" fails when SQLite's schema is not the one the model
/// expects: here the user's own rows script also creates an index the
/// migration knows nothing about.
#[test]
fn schema_after_up_fails_when_sqlite_differs_from_the_model() {
    let mut engine = NativeSqlite::open().expect("sqlite");
    let session = Session::new(
        Dialect::Sqlite,
        Options::default(),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);",
        "ALTER TABLE users ADD COLUMN name TEXT;",
    );
    let o = SimOptions {
        data: DataOptions::default(),
        down: None,
        rows_sql: Some(
            "INSERT INTO users (id, email) VALUES (1, 'a@x');\nCREATE INDEX users_email_extra ON users (email);"
                .into(),
        ),
    };
    let r = pollster::block_on(simulate(&mut engine, &session, &o));
    let c = check(&r, "schema after up");
    assert!(!c.ok, "{}", c.detail);
    assert!(
        c.detail.contains("not expected: index users_email_extra"),
        "{}",
        c.detail
    );
}

/// Issue 14, item 6 on SQLite: a schema statement SQLite rejects is
/// skipped with its line, not the end of the run; foreign keys to text,
/// `char(36)` and uuid keys get their parents' real values; rows the
/// schema inserted are kept and generated keys are numbered after them; a
/// join table's unique pair of foreign keys stays unique; the run gives a
/// round-trip verdict.
#[test]
fn schemas_never_abort_and_sample_rows_follow_key_types() {
    let schema = "DROP TABLE not_there_yet;\n\
        CREATE TABLE accounts (id char(36) PRIMARY KEY, name text NOT NULL);\n\
        CREATE TABLE sessions (id uuid PRIMARY KEY, account_id char(36) NOT NULL REFERENCES accounts (id));\n\
        CREATE TABLE tokens (id bigint PRIMARY KEY, session_id uuid NOT NULL REFERENCES sessions (id), label text);\n\
        CREATE TABLE seeded (id integer PRIMARY KEY, v text);\n\
        INSERT INTO seeded (id, v) VALUES (7, 'from the schema');\n\
        CREATE TABLE members (account_id char(36) NOT NULL REFERENCES accounts (id), seeded_id integer NOT NULL REFERENCES seeded (id), UNIQUE (account_id, seeded_id));\n";
    let up = "ALTER TABLE tokens ADD COLUMN note text;";
    let r = run(Dialect::Postgres, schema, up, 20, false, None);
    let skipped: Vec<String> = r
        .skipped
        .iter()
        .map(|s| format!("{:?} {} {}", s.phase, s.line, s.reason))
        .collect();
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("Schema 1 not simulated:") && s.contains("not_there_yet")),
        "{skipped:?}"
    );
    assert!(
        !skipped.iter().any(|s| s.starts_with("Data")),
        "{skipped:?}"
    );
    for (table, rows) in [
        ("accounts", 20),
        ("sessions", 20),
        ("tokens", 20),
        ("seeded", 21),
        ("members", 20),
    ] {
        let count = r.counts.iter().find(|c| c.table == table);
        assert_eq!(
            count.and_then(|c| c.before),
            Some(rows),
            "{table}: {:?}",
            r.counts
        );
    }
    assert!(r.failure.is_none(), "{:?}", r.failure);
    let round_trip = r.round_trip.expect("a round-trip verdict");
    assert!(
        round_trip.schema_equal && round_trip.data_equal,
        "{round_trip:?}"
    );
    assert!(r.ok, "{:?}", r.checks);
}

/// pg_dump writes defaults with casts, some to types named in several
/// words: on SQLite they load (not skipped as a syntax error), and a
/// `DEFAULT NULL::type` is no default for the schema check, as SQLite
/// reports it.
#[test]
fn pg_dump_defaults_with_casts_load_on_sqlite() {
    let schema = "CREATE TABLE t (id integer PRIMARY KEY, a text DEFAULT NULL, \
        b character varying(10) DEFAULT NULL::character varying, \
        c timestamp without time zone DEFAULT NULL::timestamp without time zone, \
        d text DEFAULT ''::character varying, e double precision DEFAULT '0'::double precision);";
    let r = run(
        Dialect::Postgres,
        schema,
        "ALTER TABLE t ADD COLUMN z int;",
        5,
        false,
        None,
    );
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    let after_up = check(&r, "schema after up");
    assert!(after_up.ok, "{}", after_up.detail);
    assert!(
        after_up.detail.starts_with("1 table(s) with their columns"),
        "{}",
        after_up.detail
    );
    assert!(r.ok, "{:?}", r.checks);
}

/// `--keep-copies`: each DELETE or UPDATE of existing rows is preceded by
/// a copy of the rows it changes, and rolling back from every step brings
/// the data back exactly; without it the same rollbacks lose values.
#[test]
fn kept_copies_make_data_changes_roll_back_exactly() {
    let schema = format!("{FIXTURES}rules/schema.sqlite.sql");
    let up = format!("{FIXTURES}plans/dedupe-then-unique/sqlite.sql");
    let simulate = |keep: bool| {
        let mut args = vec![
            "simulate",
            "--engine",
            "sqlite",
            "--dialect",
            "sqlite",
            "--plan",
            "--adversarial",
            "--schema",
            &schema,
            "--up",
            &up,
            "--format",
            "json",
        ];
        if keep {
            args.push("--keep-copies");
        }
        let (code, out, err) = migplan(&args);
        assert_eq!(code, 0, "{out}{err}");
        let report: serde_json::Value = serde_json::from_str(&out).expect("json");
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| {
                c["name"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("rollback from")
            })
            .map(|c| c["detail"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    let kept = simulate(true);
    assert_eq!(kept.len(), 5, "{kept:?}");
    assert!(
        kept.iter().all(|d| d.contains("data back as before")),
        "{kept:?}"
    );
    let lost = simulate(false);
    assert!(
        lost.iter().any(|d| d.contains("some values differ")),
        "{lost:?}"
    );
}

/// MySQL foreign keys: the plan does what the finding advises (an orphan
/// check, then the key added in place with foreign_key_checks=0 and the
/// setting restored), and the steps run and roll back.
#[test]
fn a_mysql_foreign_key_plan_checks_orphans_then_adds_in_place() {
    let schema = format!("{FIXTURES}rules/schema.mysql.sql");
    let up = format!("{FIXTURES}plans/add-foreign-key/mysql.sql");
    let (code, out, err) = migplan(&[
        "simulate",
        "--engine",
        "sqlite",
        "--dialect",
        "mysql",
        "--plan",
        "--schema",
        &schema,
        "--up",
        &up,
        "--rows",
        "50",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    for needle in [
        "[pass] step 1: Check that every events row has its users row",
        "[pass] step 2: Add foreign key events_id_fk in place",
        "[pass] rollback from step 2: schema and data back as before",
    ] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
    let (_, plan, _) = migplan(&["plan", "--dialect", "mysql", "--schema", &schema, &up]);
    assert!(
        plan.contains("SET foreign_key_checks = 0;") && plan.contains("SET foreign_key_checks = 1"),
        "{plan}"
    );
}

/// MySQL plans found wanting on kratos's history: a dropped NOT NULL
/// column comes back from its archive through `UPDATE ... JOIN` (run on
/// SQLite as `UPDATE ... FROM`), and a `MODIFY` to a new type keeps the
/// NOT NULL it declares and its unique index; a batched backfill's `<=>` runs as SQLite's
/// `IS`. Each plan reaches the migration's schema and
/// every rollback brings back schema and rows.
#[test]
fn mysql_plans_keep_not_null_and_restore_dropped_columns() {
    let schema = "CREATE TABLE `courier_messages` (`id` int NOT NULL PRIMARY KEY, \
                  `body` varchar(255) NOT NULL, `sent` tinyint(1) NOT NULL);\n\
                  CREATE UNIQUE INDEX `courier_body` ON `courier_messages` (`body`);";
    for up in [
        "ALTER TABLE `courier_messages` DROP COLUMN `sent`;",
        "ALTER TABLE `courier_messages` MODIFY `body` varchar(512) NOT NULL;",
        "ALTER TABLE `courier_messages` CHANGE `body` `text` varchar(255) NOT NULL;",
        // The key: changed in place (a new column would leave the key behind).
        "ALTER TABLE `courier_messages` MODIFY `id` bigint NOT NULL;",
        // The batched UPDATE skips rows done with MySQL's `<=>`.
        "ALTER TABLE `courier_messages` ADD COLUMN `copy` varchar(255);\n\
         UPDATE `courier_messages` SET `copy` = `body`;",
    ] {
        let session = Session::new(Dialect::Mysql, Options::default(), schema, up);
        let p = migplan_core::plan::plan(&session, migplan_core::plan::PlanOptions::default());
        let mut engine = NativeSqlite::open().expect("sqlite");
        let r = pollster::block_on(migplan_core::simulate::simulate_plan(
            &mut engine,
            &session,
            &p,
            &DataOptions {
                rows: 40,
                ..DataOptions::default()
            },
        ));
        let plan_check = r.plan_check.as_ref().expect("plan check");
        assert!(plan_check.equivalent, "{up}: {plan_check:#?}");
        assert!(plan_check.down_restores, "{up}: {:#?}", r.checks);
        assert!(
            r.checks
                .iter()
                .filter(|c| c.name.starts_with("rollback"))
                .all(|c| c.detail == "schema and data back as before"),
            "{up}: {:#?}",
            r.checks
        );
    }
}

/// Every SQLite plan fixture simulated step by step: each step applies
/// and rolling back from it works, a rebuild's own BEGIN/COMMIT included
/// (run inside the savepoint the rollback is tried in). Steps the plan
/// marks irreversible may not come back.
#[test]
fn every_sqlite_plan_rolls_back_from_every_step() {
    let schema = fixture("rules/schema.sqlite.sql");
    let dir = std::path::Path::new(FIXTURES).join("plans");
    let mut failures = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("plans").flatten() {
        let Ok(up) = std::fs::read_to_string(entry.path().join("sqlite.sql")) else {
            continue;
        };
        count += 1;
        let session = Session::new(Dialect::Sqlite, Options::default(), &schema, &up);
        let p = migplan_core::plan::plan(&session, migplan_core::plan::PlanOptions::default());
        let mut engine = NativeSqlite::open().expect("sqlite");
        let r = pollster::block_on(migplan_core::simulate::simulate_plan(
            &mut engine,
            &session,
            &p,
            &DataOptions {
                rows: 20,
                ..DataOptions::default()
            },
        ));
        for check in r.checks.iter().filter(|c| !c.ok) {
            failures.push(format!(
                "{}: {}: {}",
                entry.file_name().to_string_lossy(),
                check.name,
                check.detail
            ));
        }
    }
    assert!(count >= 10, "only {count} SQLite plan fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A failure inside a SQLite table rebuild names the user's table, never
/// the table the rebuild stages (`users__migplan_new`).
#[test]
fn rebuild_failures_name_the_users_table() {
    let r = run(
        Dialect::Postgres,
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);",
        "ALTER TABLE users ALTER COLUMN name SET NOT NULL;",
        50,
        true,
        None,
    );
    let failure = r.failure.as_ref().expect("adversarial NULL names fail");
    assert!(
        failure.message.contains("users.name"),
        "{}",
        failure.message
    );
    assert!(
        !failure.message.contains("__migplan"),
        "{}",
        failure.message
    );
    assert_eq!(failure.place().as_deref(), Some("line 1, column 1"));
}

/// Adversarial rows say what they break, and say when there is nothing to
/// break.
#[test]
fn adversarial_rows_say_what_they_break() {
    let schema = "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);";
    let r = run(
        Dialect::Postgres,
        schema,
        "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\nCREATE UNIQUE INDEX users_email ON users (email);",
        100,
        true,
        None,
    );
    assert!(
        r.adversarial
            .iter()
            .any(|l| l.starts_with("users.name: NULL in 5 rows")),
        "{:?}",
        r.adversarial
    );
    assert!(
        r.adversarial
            .iter()
            .any(|l| l.starts_with("users.email: the first row's value repeated in 5 rows")),
        "{:?}",
        r.adversarial
    );
    let nothing = run(
        Dialect::Postgres,
        schema,
        "ALTER TABLE users ADD COLUMN note text;",
        100,
        true,
        None,
    );
    assert_eq!(nothing.adversarial.len(), 1);
    assert!(
        nothing.adversarial[0].starts_with("nothing to break"),
        "{:?}",
        nothing.adversarial
    );
    let ordinary = run(
        Dialect::Postgres,
        schema,
        "ALTER TABLE users ADD COLUMN note text;",
        100,
        false,
        None,
    );
    assert!(ordinary.adversarial.is_empty());
}
