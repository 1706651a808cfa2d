//! Native benchmarks: prints `BENCH|name|input|median ms` lines that
//! `cargo xtask bench` turns into BENCHMARKS.md. The in-browser twin is
//! `crates/migplan-web/tests/bench.rs`, over the same inputs.

use std::hint::black_box;
use std::time::Instant;

use migplan_core::{Dialect, Options, analyze, parse_source};

// The simulation inputs are used by the other benchmarks.
#[allow(dead_code)]
mod input;

/// Milliseconds since the first call.
fn since_start() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

fn main() {
    for factor in [1, 4, 16] {
        let lines = 1250 * factor;
        let src = input::pg_dump_schema(lines);
        let ms = input::median_ms(since_start, || {
            black_box(parse_source(black_box(&src), Dialect::Postgres));
        });
        println!("BENCH|split + parse (PostgreSQL)|{lines}-line pg_dump-style schema|{ms:.1}");
    }
    for factor in [1, 4, 16] {
        let lines = 1250 * factor;
        let statements = 200 * factor / 16;
        let schema = input::pg_dump_schema(lines);
        let migration = input::migration(statements, input::tables_in(&schema));
        let ms = input::median_ms(since_start, || {
            black_box(analyze(
                Dialect::Postgres,
                Options::default(),
                black_box(&schema),
                black_box(&migration),
            ));
        });
        println!(
            "BENCH|parse + model + classify (PostgreSQL)|{lines}-line schema + {statements}-statement migration|{ms:.1}"
        );
    }
}
