//! The in-browser benchmark: the same inputs as the native one, analysed by
//! the wasm build in headless Chromium. Ignored in `cargo xtask test`;
//! `cargo xtask bench` runs it with `--include-ignored --nocapture` and
//! reads the `BENCH|` lines into BENCHMARKS.md.
#![cfg(target_arch = "wasm32")]

use migplan_core::{Dialect, Options, analyze, parse_source};
use wasm_bindgen_test::*;

#[path = "../../migplan-core/benches/input.rs"]
mod input;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by cargo xtask bench"]
fn bench_in_the_browser() {
    // Let the engine tier the wasm code up (Liftoff → TurboFan) first, so
    // the smallest input is not timed on baseline code.
    let warm = input::pg_dump_schema(5000);
    let warm_migration = input::migration(50, input::tables_in(&warm));
    for _ in 0..5 {
        std::hint::black_box(analyze(
            Dialect::Postgres,
            Options::default(),
            &warm,
            &warm_migration,
        ));
    }
    for factor in [1, 4, 16] {
        let lines = 1250 * factor;
        let src = input::pg_dump_schema(lines);
        let ms = input::median_ms(now, || {
            std::hint::black_box(parse_source(&src, Dialect::Postgres));
        });
        console_log!("BENCH|split + parse (PostgreSQL)|{lines}-line pg_dump-style schema|{ms:.1}");
    }
    for factor in [1, 4, 16] {
        let lines = 1250 * factor;
        let statements = 200 * factor / 16;
        let schema = input::pg_dump_schema(lines);
        let migration = input::migration(statements, input::tables_in(&schema));
        let ms = input::median_ms(now, || {
            std::hint::black_box(analyze(
                Dialect::Postgres,
                Options::default(),
                &schema,
                &migration,
            ));
        });
        console_log!(
            "BENCH|parse + model + classify (PostgreSQL)|{lines}-line schema + {statements}-statement migration|{ms:.1}"
        );
    }
}

/// The simulation on sql.js, the same inputs as the native simulation
/// benchmark (`crates/migplan-cli/benches/simulate.rs`).
#[wasm_bindgen_test]
#[ignore = "benchmark: run by cargo xtask bench"]
async fn bench_simulation_in_the_browser() {
    use migplan_core::sample::DataOptions;
    use migplan_core::simulate::{SimOptions, simulate};
    let sqljs = migplan_sqljs::SqlJs::load_embedded(
        include_str!("../../../web/node_modules/sql.js/dist/sql-wasm.js"),
        include_bytes!("../../../web/node_modules/sql.js/dist/sql-wasm.wasm"),
    )
    .await
    .expect("sql.js");
    let rows = 100_000;
    for (what, migration) in [
        ("sample rows and checks (empty migration)", ""),
        (
            "simulate a column backfill (up, checks, down)",
            input::BACKFILL,
        ),
    ] {
        // Fewer runs than the parse benchmark (each takes seconds), with a
        // yield between them so the page and its test driver stay responsive.
        let mut times = Vec::new();
        for run in 0..4 {
            let t = now();
            let mut db = sqljs.open().expect("open");
            let o = SimOptions {
                data: DataOptions {
                    rows,
                    ..DataOptions::default()
                },
                down: None,
                rows_sql: None,
            };
            let session = migplan_core::Session::new(
                Dialect::Postgres,
                migplan_core::Options::default(),
                input::SIM_SCHEMA,
                migration,
            );
            let r = simulate(&mut db, &session, &o).await;
            assert!(r.ok, "{:?}", r.checks);
            if run > 0 {
                times.push(now() - t);
            }
            gloo::timers::future::TimeoutFuture::new(0).await;
        }
        times.sort_by(f64::total_cmp);
        let ms = times[times.len() / 2];
        console_log!("BENCH|{what} (sql.js)|{rows} rows|{ms:.0}");
    }
}
