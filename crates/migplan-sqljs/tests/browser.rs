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
    conformance::check(&mut db).expect("conformance");
}

#[wasm_bindgen_test]
async fn simulates_the_shared_example() {
    let mut db = sqljs().await.open().expect("open");
    let report = simulate::run(
        &mut db,
        Dialect::Postgres,
        include_str!("../../../tests/fixtures/example/schema.sql"),
        include_str!("../../../tests/fixtures/example/migration.sql"),
    );
    assert!(report.ok, "{report:?}");
    assert!(report.tables.contains(&"users".to_string()), "{report:?}");
}

#[wasm_bindgen_test]
async fn maps_a_sqlite_error_to_the_users_line() {
    let mut db = sqljs().await.open().expect("open");
    let report = simulate::run(
        &mut db,
        Dialect::Sqlite,
        "CREATE TABLE a (id INTEGER);",
        "SELECT 1;\n\nALTER TABLE missing ADD COLUMN x TEXT;",
    );
    let failure = report.failure.expect("fails");
    assert_eq!(failure.line, 3);
    assert!(
        failure.message.contains("no such table"),
        "{}",
        failure.message
    );
}
