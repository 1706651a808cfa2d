//! Engine tests in headless Chromium, with sql.js embedded (the test runner
//! serves only its own files).
#![cfg(target_arch = "wasm32")]

use migplan_core::engine::conformance;
use migplan_core::{Dialect, simulate};
use migplan_sqljs::SqlJs;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const JS: &str = include_str!("../../../web/node_modules/sql.js/dist/sql-wasm.js");
const WASM: &[u8] = include_bytes!("../../../web/node_modules/sql.js/dist/sql-wasm.wasm");

async fn sqljs() -> SqlJs {
    SqlJs::load_embedded(JS, WASM).await.expect("sql.js loads")
}

#[wasm_bindgen_test]
async fn passes_the_engine_conformance_suite() {
    let mut db = sqljs().await.open().expect("open");
    conformance::check(&mut db).await.expect("conformance");
}

#[wasm_bindgen_test]
async fn simulates_the_shared_example() {
    let mut db = sqljs().await.open().expect("open");
    let report = simulate::run(
        &mut db,
        &migplan_core::Session::new(
            Dialect::Postgres,
            migplan_core::Options::default(),
            include_str!("../../../tests/fixtures/example/schema.sql"),
            include_str!("../../../tests/fixtures/example/migration.sql"),
        ),
    )
    .await;
    assert!(report.ok, "{report:?}");
    assert!(report.tables.contains(&"users".to_string()), "{report:?}");
}

#[wasm_bindgen_test]
async fn maps_a_sqlite_error_to_the_users_line() {
    let mut db = sqljs().await.open().expect("open");
    let report = simulate::run(
        &mut db,
        &migplan_core::Session::new(
            Dialect::Sqlite,
            migplan_core::Options::default(),
            "CREATE TABLE a (id INTEGER);",
            "SELECT 1;\n\nALTER TABLE missing ADD COLUMN x TEXT;",
        ),
    )
    .await;
    let failure = report.failure.expect("fails");
    assert_eq!(failure.line, 3);
    assert!(
        failure.message.contains("no such table"),
        "{}",
        failure.message
    );
}

/// The cross-check: the same scenarios as the native engine's test
/// (`crates/migplan-cli/tests/simulate.rs`), whose reports must match the
/// recorded ones exactly, engine version aside.
#[wasm_bindgen_test]
async fn reproduces_the_native_engines_reports() {
    use migplan_core::sample::DataOptions;
    use migplan_core::simulate::{SimOptions, simulate};
    let f = |p: &str| -> &'static str {
        match p {
            "example/schema.sql" => include_str!("../../../tests/fixtures/example/schema.sql"),
            "example/migration.sql" => {
                include_str!("../../../tests/fixtures/example/migration.sql")
            }
            "rules/schema.postgres.sql" => {
                include_str!("../../../tests/fixtures/rules/schema.postgres.sql")
            }
            "rules/schema.mysql.sql" => {
                include_str!("../../../tests/fixtures/rules/schema.mysql.sql")
            }
            "rules/schema.sqlite.sql" => {
                include_str!("../../../tests/fixtures/rules/schema.sqlite.sql")
            }
            "plans/rename-column/postgres.sql" => {
                include_str!("../../../tests/fixtures/plans/rename-column/postgres.sql")
            }
            "plans/change-column-type/mysql.sql" => {
                include_str!("../../../tests/fixtures/plans/change-column-type/mysql.sql")
            }
            "plans/set-not-null/postgres.sql" => {
                include_str!("../../../tests/fixtures/plans/set-not-null/postgres.sql")
            }
            "rules/sqlite-table-rebuild/sqlite.risky.sql" => {
                include_str!("../../../tests/fixtures/rules/sqlite-table-rebuild/sqlite.risky.sql")
            }
            other => panic!("add {other} to the cross-check fixtures"),
        }
    };
    let expected: serde_json::Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/simulation/expected.json"
    ))
    .expect("json");
    let scenarios = include_str!("../../../tests/fixtures/simulation/scenarios.txt");
    let mut n = 0;
    for line in scenarios
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let p: Vec<&str> = line.split('|').map(str::trim).collect();
        let [name, dialect, schema, up, rows, adversarial] = p[..] else {
            panic!("{line}")
        };
        let mut db = sqljs().await.open().expect("open");
        let o = SimOptions {
            data: DataOptions {
                rows: rows.parse().expect("rows"),
                seed: 42,
                adversarial: adversarial == "yes",
            },
            down: None,
            rows_sql: None,
        };
        let session = migplan_core::Session::new(
            dialect.parse().expect("dialect"),
            migplan_core::Options::default(),
            f(schema),
            f(up),
        );
        let r = simulate(&mut db, &session, &o).await;
        let text = serde_json::to_string(&r)
            .expect("json")
            .replace(&r.sqlite_version, "<version>");
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        v["sqlite_version"] = serde_json::Value::Null;
        assert_eq!(
            v, expected[name],
            "{name}: sql.js differs from the native engine"
        );
        n += 1;
    }
    assert_eq!(n, 5);
}
