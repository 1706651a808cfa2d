//! Every PostgreSQL rule fixture traced on the throwaway cluster: each
//! statement's measured locks and rewrites against what the analysis
//! predicts for the server's version. Zero mismatches.

mod common;

use std::path::{Path, PathBuf};

use migplan_core::{Dialect, Options, Session};
use migplan_postgres::scratch::Scratch;
use migplan_postgres::trace::{steps, trace};

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
            let client = scratch.client().expect("client");
            // A few sample rows, so a rewrite has rows to rewrite.
            let demands = migplan_core::sample::Demands::between(session.before(), session.after());
            let rows = migplan_core::sample::generate(
                session.before(),
                &demands,
                &migplan_core::sample::DataOptions {
                    rows: 5,
                    ..Default::default()
                },
            );
            let skipped = migplan_postgres::simulate::prepare(client, &schema, &rows);
            assert!(
                skipped
                    .iter()
                    .all(|s| s.phase != migplan_core::simulate::Phase::Schema),
                "the fixture schema runs: {skipped:?}"
            );
            for t in trace(client, &steps(&session)).expect("trace") {
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
