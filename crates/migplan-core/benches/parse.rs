//! Parse benchmark: prints `BENCH|name|input|median ms` lines that
//! `cargo xtask bench` turns into BENCHMARKS.md.

use std::hint::black_box;
use std::time::Instant;

use migplan_core::{Dialect, parse_source};

/// A pg_dump-like schema of roughly `lines` lines.
fn schema(lines: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "CREATE TABLE public.t{i} (\n    id bigint NOT NULL,\n    name text NOT NULL,\n    email character varying(255),\n    created_at timestamp with time zone DEFAULT now() NOT NULL\n);\n\nALTER TABLE ONLY public.t{i}\n    ADD CONSTRAINT t{i}_pkey PRIMARY KEY (id);\n\nCREATE INDEX t{i}_name_idx ON public.t{i} USING btree (name);\n\n"
        ));
        i += 1;
    }
    s
}

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    for factor in [1, 4, 16] {
        let lines = 1250 * factor;
        let src = schema(lines);
        let ms = median_ms(|| {
            black_box(parse_source(black_box(&src), Dialect::Postgres));
        });
        println!("BENCH|split + parse (PostgreSQL)|{lines}-line pg_dump-style schema|{ms:.1}");
    }
}
