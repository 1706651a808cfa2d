//! Native simulation benchmark (bundled SQLite): 100,000 sample rows, and a
//! column backfill simulated over them. Prints `BENCH|...` lines for
//! `cargo xtask bench`; the in-browser twin is in
//! `crates/migplan-web/tests/bench.rs`, on the same inputs.

use std::time::Instant;

use migplan_cli::sqlite::NativeSqlite;
use migplan_core::Dialect;
use migplan_core::sample::DataOptions;
use migplan_core::simulate::{SimOptions, simulate};

// The generators for the parse benchmark are not used here.
#[allow(dead_code)]
#[path = "../../migplan-core/benches/input.rs"]
mod input;

fn main() {
    let rows = 100_000;
    for (what, migration) in [
        ("sample rows and checks (empty migration)", ""),
        (
            "simulate a column backfill (up, checks, down)",
            input::BACKFILL,
        ),
    ] {
        let start = Instant::now();
        let ms = input::median_ms(
            || start.elapsed().as_secs_f64() * 1e3,
            || {
                let mut db = NativeSqlite::open().expect("sqlite");
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
                let r = pollster::block_on(simulate(&mut db, &session, &o));
                assert!(r.ok, "{:?}", r.checks);
            },
        );
        println!("BENCH|{what} (bundled SQLite)|{rows} rows|{ms:.0}");
    }
}
