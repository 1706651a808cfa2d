//! Every PostgreSQL rule fixture traced on the throwaway cluster: each
//! statement's measured locks and rewrites against what the analysis
//! predicts for the server's version. Zero mismatches.

mod common;

use std::path::{Path, PathBuf};

use migplan_core::simulate::postgres::trace::{steps, trace};
use migplan_core::simulate::postgres::{Job, prepare};
use migplan_core::{Dialect, Options, Session};
use migplan_postgres::scratch::Scratch;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/rules")
}

#[test]
fn every_postgresql_rule_fixture_locks_what_the_analysis_says() {
    let Some(cluster) = common::cluster() else {
        return;
    };
    let schema = std::fs::read_to_string(fixtures().join("schema.postgres.sql")).expect("schema");
    let version = migplan_postgres::cluster::Binaries::find(None)
        .ok()
        .and_then(|b| b.major_version())
        .unwrap_or(15);
    let mut mismatches = Vec::new();
    let mut confirmed = 0;
    for rule in migplan_core::rules::ALL {
        if !rule.dialects.contains(&Dialect::Postgres) {
            continue;
        }
        for case in ["risky", "safe"] {
            let path = fixtures()
                .join(rule.id)
                .join(format!("postgres.{case}.sql"));
            let Ok(migration) = std::fs::read_to_string(&path) else {
                continue;
            };
            let options = Options::with_pg_version(version).expect("known version");
            let session = Session::new(Dialect::Postgres, options, &schema, &migration);
            let mut scratch = Scratch::on_cluster(&cluster, 30).expect("scratch");
            let engine = &mut scratch.engine().expect("engine");
            // A few sample rows, so a rewrite has rows to rewrite.
            let data = migplan_core::sample::DataOptions {
                rows: 5,
                ..Default::default()
            };
            let job = Job::new(String::new(), &session, None, None, &data);
            let skipped = pollster::block_on(prepare(engine, &job));
            assert!(
                skipped
                    .iter()
                    .all(|s| s.phase != migplan_core::simulate::Phase::Schema),
                "the fixture schema runs: {skipped:?}"
            );
            for t in pollster::block_on(trace(engine, &steps(&session))).expect("trace") {
                match t.confirmed {
                    Some(true) => confirmed += 1,
                    Some(false) => mismatches.push(format!(
                        "{} {case} line {}: {} ({})",
                        rule.id,
                        t.line,
                        t.note.unwrap_or_default(),
                        t.sql
                    )),
                    None => {}
                }
            }
        }
    }
    println!(
        "TRACE|rule fixtures|{confirmed} confirmed|{} mismatches",
        mismatches.len()
    );
    assert!(confirmed > 40, "{confirmed} statements confirmed");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
