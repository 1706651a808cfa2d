//! crates.io's Diesel history replayed on the throwaway cluster, compared
//! with what a real PostgreSQL 15 did with the same pairs
//! (`../shared/oracle/crates.io.json`): up ran, down ran, and whether the
//! schema after down was identical to before (`restored_strict`). Fails
//! under 98 % agreement; prints each disagreement (`ORACLE-DIFF|`) and the
//! totals (`ORACLE|`) for BENCHMARKS.md.

mod common;

use std::path::Path;

use migplan_postgres::history::{Pair, replay};
use migplan_postgres::scratch::Scratch;

fn shared() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("oracle/crates.io.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/oracle is missing: in CI the oracle test must run"
    );
    eprintln!("../shared/oracle not found: the oracle test is skipped (it runs in CI)");
    None
}

struct Migration {
    name: String,
    up: String,
    down: String,
    transaction: bool,
}

/// The history in the order migplan's Diesel detection gives (Diesel's
/// own: by version, dashes ignored).
fn history(dir: &Path) -> Vec<Migration> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("migrations")
        .filter_map(Result::ok)
    {
        for file in ["up.sql", "down.sql", "metadata.toml"] {
            let path = entry.path().join(file);
            if let Ok(text) = std::fs::read_to_string(&path) {
                files.push((
                    format!("migrations/{}/{file}", entry.file_name().to_string_lossy()),
                    text,
                ));
            }
        }
    }
    let refs: Vec<migplan_core::frameworks::File> = files
        .iter()
        .map(|(path, text)| migplan_core::frameworks::File { path, text })
        .collect();
    let detection = migplan_core::frameworks::detect(&refs).expect("a Diesel project");
    assert_eq!(detection.label, "Diesel");
    detection
        .migrations
        .iter()
        .map(|m| {
            let name = m
                .up_path
                .trim_start_matches("migrations/")
                .trim_end_matches("/up.sql")
                .to_string();
            (name, ())
        })
        .map(|(name, ())| {
            let folder = dir.join(&name);
            let read = |f: &str| std::fs::read_to_string(folder.join(f)).unwrap_or_default();
            let metadata = read("metadata.toml");
            Migration {
                transaction: !metadata
                    .lines()
                    .any(|l| l.replace(' ', "") == "run_in_transaction=false"),
                up: read("up.sql"),
                down: read("down.sql"),
                name,
            }
        })
        .collect()
}

#[test]
fn crates_io_round_trips_agree_with_postgresql() {
    let Some(shared) = shared() else {
        return;
    };
    let Some(cluster) = common::cluster() else {
        return;
    };
    let oracle: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(shared.join("oracle/crates.io.json")).expect("oracle"),
    )
    .expect("oracle JSON");
    let migrations = history(&shared.join("corpus/rust-lang__crates.io/migrations"));
    let order: Vec<&str> = oracle
        .iter()
        .filter_map(|o| o["migration"].as_str())
        .collect();
    let ours: Vec<&str> = migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(ours, order, "migplan orders the history as Diesel did");
    let pairs: Vec<Pair> = migrations
        .iter()
        .map(|m| Pair {
            name: &m.name,
            up: &m.up,
            down: &m.down,
            transaction: m.transaction,
        })
        .collect();
    let mut scratch = Scratch::on_cluster(&cluster, 60).expect("scratch");
    let outcomes = replay(&mut scratch.engine().expect("engine"), &pairs).expect("replay");
    let mut agree = 0;
    let mut compared = 0;
    for outcome in &outcomes {
        let Some(truth) = oracle
            .iter()
            .find(|o| o["migration"] == outcome.name.as_str())
        else {
            continue;
        };
        compared += 1;
        let up_ok = truth["up_ok"].as_bool().unwrap_or(false);
        let down_ok = truth["down_ok"].as_bool().unwrap_or(false);
        let restored = truth["restored_strict"].as_bool().unwrap_or(false);
        let ours = (
            outcome.up.is_ok(),
            outcome.down.as_ref().is_some_and(Result::is_ok),
            outcome.restored(),
        );
        let theirs = (up_ok, up_ok && down_ok, up_ok && down_ok && restored);
        if ours == theirs {
            agree += 1;
        } else {
            let why = match (&outcome.up, &outcome.down, &outcome.differences) {
                (Err(f), _, _) => format!("up failed here: {f}"),
                (_, Some(Err(f)), _) => format!("down failed here: {f}"),
                (_, _, Some(d)) if !d.is_empty() => {
                    format!("schema differs here: {}", d.join("; "))
                }
                _ => "restored here".to_string(),
            };
            println!(
                "ORACLE-DIFF|{}|ours up={} down={} restored={}; PostgreSQL 15 up={} down={} restored={}|{}",
                outcome.name,
                ours.0,
                ours.1,
                ours.2,
                theirs.0,
                theirs.1,
                theirs.2,
                why.replace('|', "/")
            );
        }
    }
    println!("ORACLE|crates.io|{compared}|{agree}");
    assert!(compared >= 280, "{compared} pairs compared");
    let rate = agree as f64 / compared as f64;
    assert!(
        rate >= 0.98,
        "{agree} of {compared} agree ({:.1} %)",
        rate * 100.0
    );
}
