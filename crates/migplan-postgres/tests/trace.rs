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

/// The rule fixtures' PostgreSQL schema, and the server's major version
/// (what the analysis is asked to predict for).
fn fixture_schema_and_server_version() -> (String, u32) {
    let schema = std::fs::read_to_string(fixtures().join("schema.postgres.sql")).expect("schema");
    let version = migplan_postgres::cluster::Binaries::find(None)
        .ok()
        .and_then(|b| b.major_version())
        .unwrap_or(15);
    (schema, version)
}

#[test]
fn every_postgresql_rule_fixture_locks_what_the_analysis_says() {
    let Some(cluster) = common::cluster() else {
        return;
    };
    let (schema, version) = fixture_schema_and_server_version();
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

/// Every PostgreSQL plan fixture, its steps run in order on the throwaway
/// cluster, each statement traced against what the analysis predicts for
/// it (the step analysed as a migration on the schema the earlier steps
/// left). Every step runs, and zero mismatches.
#[test]
fn every_postgresql_plan_fixture_locks_what_the_analysis_says() {
    let Some(cluster) = common::cluster() else {
        return;
    };
    let (schema, version) = fixture_schema_and_server_version();
    let options = Options::with_pg_version(version).expect("known version");
    let plans = fixtures().join("../plans");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&plans)
        .expect("plans")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let (mut confirmed, mut traced_plans) = (0, 0);
    let mut problems = Vec::new();
    for dir in dirs {
        let Ok(migration) = std::fs::read_to_string(dir.join("postgres.sql")) else {
            continue;
        };
        let pattern = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let plan = migplan_core::plan::plan_sources(
            Dialect::Postgres,
            migplan_core::plan::PlanOptions {
                pg_version: version,
                ..Default::default()
            },
            &schema,
            &migration,
        );
        let session = Session::new(Dialect::Postgres, options.clone(), &schema, &migration);
        let data = migplan_core::sample::DataOptions {
            rows: 5,
            ..Default::default()
        };
        let job = Job::new(String::new(), &session, None, None, &data);
        let mut scratch = Scratch::on_cluster(&cluster, 30).expect("scratch");
        let engine = &mut scratch.engine().expect("engine");
        pollster::block_on(prepare(engine, &job));
        let mut applied = schema.clone();
        for (number, step) in plan.steps.iter().enumerate() {
            let step_session = Session::new(Dialect::Postgres, options.clone(), &applied, &step.up);
            for t in pollster::block_on(trace(engine, &steps(&step_session))).expect("trace") {
                match (t.confirmed, &t.note) {
                    (Some(true), _) => confirmed += 1,
                    (Some(false), note) => problems.push(format!(
                        "{pattern} step {}: MISMATCH {} ({})",
                        number + 1,
                        note.clone().unwrap_or_default(),
                        t.sql
                    )),
                    (None, Some(note)) if note.starts_with("failed") => {
                        problems.push(format!("{pattern} step {}: {note} ({})", number + 1, t.sql))
                    }
                    _ => {}
                }
            }
            applied.push('\n');
            applied.push_str(&step.up);
        }
        traced_plans += 1;
    }
    println!(
        "TRACE|plan fixtures|{traced_plans} plans, {confirmed} confirmed|{} problems",
        problems.len()
    );
    assert!(traced_plans >= 15, "{traced_plans} plans traced");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
