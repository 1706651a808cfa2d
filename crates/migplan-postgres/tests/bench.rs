//! The PostgreSQL server's side of the engine benchmark (`cargo xtask
//! bench`, not a test: ignored by `cargo test`): a throwaway cluster's
//! start, and the column backfill of the simulation benchmarks simulated
//! at 100,000 rows through the core's driver, the same inputs PGlite and
//! sql.js get in the browser. Prints `BENCH|what|input|ms` lines.

mod common;

#[path = "../../migplan-core/benches/input.rs"]
#[allow(dead_code)]
mod input;

use std::time::Instant;

use migplan_core::simulate::postgres::{Job, simulate};
use migplan_core::{Dialect, Options, Session};
use migplan_postgres::scratch::Scratch;

#[test]
#[ignore = "benchmark: run by cargo xtask bench"]
fn bench_the_server() {
    let started = Instant::now();
    let Some(cluster) = common::cluster() else {
        return;
    };
    let start_ms = started.elapsed().as_secs_f64() * 1e3;
    println!("BENCH|start (PostgreSQL server)|a throwaway cluster: initdb and start|{start_ms:.0}");
    let rows = 100_000;
    let session = Session::new(
        Dialect::Postgres,
        Options::default(),
        input::SIM_SCHEMA,
        input::BACKFILL,
    );
    let data = migplan_core::sample::DataOptions {
        rows,
        ..Default::default()
    };
    let job = Job::new(String::new(), &session, None, None, &data);
    let mut times = Vec::new();
    for _ in 0..3 {
        let mut scratch = Scratch::on_cluster(&cluster, 300).expect("scratch");
        let engine = &mut scratch.engine().expect("engine");
        let begun = Instant::now();
        let report = pollster::block_on(simulate(engine, &job, &mut |_, _| {})).expect("simulates");
        times.push(begun.elapsed().as_secs_f64() * 1e3);
        assert!(report.ok, "{:?}", report.checks);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "BENCH|simulate a column backfill (up, checks, down) (PostgreSQL server)|{rows} rows|{:.0}",
        times[times.len() / 2]
    );
}
