//! Every up/down pair of the real migration histories in ../shared/corpus
//! (crates.io's Diesel migrations; authelia and kratos in PostgreSQL,
//! MySQL and SQLite), replayed in order on the bundled SQLite: each pair's
//! up then down must leave the schema as it was, or be explained
//! (`simulate::explain_pair`: an untranslatable feature, a lossy or broken
//! down, a failure following an earlier untranslatable migration). Prints
//! `CORPUS|...` and `CORPUS-PAIRS|...` lines that `cargo xtask bench`
//! writes into BENCHMARKS.md. Skipped with a message when the corpus is
//! absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migplan_cli::sqlite::NativeSqlite;
use migplan_core::Dialect;
use migplan_core::catalog::Catalog;
use migplan_core::engine::Engine;
use migplan_core::frameworks::{self, File};
use migplan_core::simulate::{PairOutcome, PairVerdict, explain_pair, round_trip_pair};

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    p.is_dir().then_some(p)
}

fn read_tree(root: &Path) -> Vec<(String, String)> {
    migplan_cli::project::read_tree(root).unwrap_or_default()
}

/// A named migration history: its dialect and (name, up, down) in order.
type History = (String, Dialect, Vec<(String, String, String)>);

struct Tally {
    pairs: usize,
    exact: usize,
    /// Outcome group → the pairs in it.
    groups: BTreeMap<String, Vec<String>>,
    unexplained: usize,
}

fn replay(d: Dialect, pairs: &[(String, String, String)]) -> Tally {
    let mut engine = NativeSqlite::open().expect("sqlite");
    let _ = pollster::block_on(engine.execute("PRAGMA foreign_keys=OFF"));
    let mut model = Catalog::default();
    let mut t = Tally {
        pairs: 0,
        exact: 0,
        groups: BTreeMap::new(),
        unexplained: 0,
    };
    let mut earlier_failed = false;
    for (name, up, down) in pairs {
        t.pairs += 1;
        let r = pollster::block_on(round_trip_pair(&mut engine, d, &mut model, up, down));
        let outcome = explain_pair(&r, d, earlier_failed);
        match &outcome {
            PairOutcome::Exact => t.exact += 1,
            PairOutcome::Unexplained(_) => t.unexplained += 1,
            _ => {}
        }
        if outcome != PairOutcome::Exact {
            t.groups
                .entry(outcome.group())
                .or_default()
                .push(name.clone());
        }
        earlier_failed |= matches!(r.verdict, PairVerdict::UpFails(_)) || !r.skipped.is_empty();
    }
    t
}

/// The framework histories (crates.io's Diesel, authelia per dialect).
fn framework_histories(root: &Path) -> Vec<History> {
    let mut histories: Vec<History> = Vec::new();
    for (folder, splits) in [
        ("rust-lang__crates.io", vec![("", Dialect::Postgres)]),
        (
            "authelia__authelia",
            vec![
                ("/postgres/", Dialect::Postgres),
                ("/mysql/", Dialect::Mysql),
                ("/sqlite/", Dialect::Sqlite),
            ],
        ),
    ] {
        let files = read_tree(&root.join(folder));
        for (marker, d) in splits {
            let chosen: Vec<&(String, String)> = files
                .iter()
                .filter(|(p, _)| marker.is_empty() || p.contains(marker))
                .collect();
            let refs: Vec<File> = chosen
                .iter()
                .map(|(p, t)| File { path: p, text: t })
                .collect();
            let det = frameworks::detect(&refs)
                .unwrap_or_else(|| panic!("{folder} {marker}: not detected"));
            let text = |p: &str| {
                chosen
                    .iter()
                    .find(|(q, _)| q == p)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default()
            };
            let pairs: Vec<(String, String, String)> = det
                .migrations
                .iter()
                .filter_map(|m| {
                    // Diesel: <version_name>/up.sql; others: the file name.
                    let mut parts = m.up_path.rsplit('/');
                    let file = parts.next().unwrap_or(&m.up_path);
                    let name = if file == "up.sql" {
                        parts.next().unwrap_or(file)
                    } else {
                        file
                    };
                    Some((
                        name.to_string(),
                        text(&m.up_path),
                        text(m.down_path.as_deref()?),
                    ))
                })
                .collect();
            histories.push((format!("{folder} ({})", d.label()), d, pairs));
        }
    }
    histories
}

/// kratos (pop): the current history is sql/; a file named for a dialect
/// wins over the generic one of the same version and name.
fn kratos_histories(root: &Path) -> Vec<History> {
    let mut histories: Vec<History> = Vec::new();
    let kratos = read_tree(&root.join("ory__kratos/persistence/sql/migrations/sql"));
    for (suffix, d) in [
        ("postgres", Dialect::Postgres),
        ("mysql", Dialect::Mysql),
        ("sqlite3", Dialect::Sqlite),
    ] {
        let mut by_key: BTreeMap<String, (Option<String>, Option<String>, bool)> = BTreeMap::new();
        for (path, text) in &kratos {
            let Some(stem) = path
                .strip_suffix(".up.sql")
                .map(|s| (s, true))
                .or_else(|| path.strip_suffix(".down.sql").map(|s| (s, false)))
            else {
                continue;
            };
            let (stem, up) = stem;
            let (key, specific) = match stem.rsplit_once('.') {
                Some((k, dialect)) if dialect == suffix => (k.to_string(), true),
                Some((_, _)) => continue,
                None => (stem.to_string(), false),
            };
            let e = by_key.entry(key).or_insert((None, None, false));
            if specific || !e.2 {
                if specific && !e.2 {
                    *e = (None, None, true);
                }
                if up {
                    e.0 = Some(text.clone())
                } else {
                    e.1 = Some(text.clone())
                }
            }
        }
        // pop generates a change as a group of files sharing the first 14
        // digits of the version, run in version order; migrating down, pop
        // runs the downs in the reverse order. The group is the unit that
        // round-trips.
        let mut groups: BTreeMap<String, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
        for (key, (up, down, _)) in by_key {
            let (Some(up), Some(down)) = (up, down) else {
                continue;
            };
            let group: String = key.chars().take(14).collect();
            let g = groups.entry(group).or_default();
            if g.0.is_empty() {
                g.0 = key.clone();
            }
            g.1.push(up);
            g.2.push(down);
        }
        let groups: BTreeMap<String, (String, String, String)> = groups
            .into_iter()
            .map(|(k, (name, ups, downs))| {
                let join = |v: Vec<String>| v.into_iter().map(|s| s + ";\n").collect::<String>();
                (
                    k,
                    (name, join(ups), join(downs.into_iter().rev().collect())),
                )
            })
            .collect();
        let pairs: Vec<(String, String, String)> = groups.into_values().collect();
        histories.push((format!("ory__kratos ({})", d.label()), d, pairs));
    }
    histories
}

/// Every history of the corpus, each in its dialect.
fn histories(root: &Path) -> Vec<History> {
    let mut all = framework_histories(root);
    all.extend(kratos_histories(root));
    all
}

#[test]
fn corpus_histories_round_trip() {
    let Some(root) = corpus() else {
        corpus_missing("corpus round-trip");
        return;
    };
    let histories = histories(&root);
    let mut total = 0;
    for (name, d, pairs) in &histories {
        let t = replay(*d, pairs);
        total += t.pairs;
        let reasons: Vec<String> = t
            .groups
            .iter()
            .map(|(r, n)| format!("{}× {r}", n.len()))
            .collect();
        println!(
            "CORPUS|{name}|{}|{}|{}|{}",
            t.pairs,
            t.exact,
            t.unexplained,
            reasons.join("; ")
        );
        for (group, names) in &t.groups {
            println!("CORPUS-PAIRS|{name}|{group}|{}", names.join(", "));
        }
        assert!(t.pairs > 0, "{name}: no pairs");
        // The target: every pair round-trips or is explained.
        assert_eq!(
            t.unexplained,
            0,
            "{name}: pairs neither round-tripping nor explained:\n{}",
            reasons.join("\n")
        );
        // A floor, not the target: BENCHMARKS.md records the figures.
        assert!(
            t.exact * 2 >= t.pairs,
            "{name}: only {} of {} round-trip\n{}",
            t.exact,
            t.pairs,
            reasons.join("\n")
        );
    }
    assert!(total > 500, "{total} pairs");
}

/// A missing corpus fails the run in CI (`CI` set), where it must be
/// present; elsewhere the skip is printed where a person sees it.
fn corpus_missing(test: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/corpus is missing: in CI the {test} must run"
    );
    eprintln!("../shared/corpus not found: {test} skipped (it runs in CI)");
}

/// The PostgreSQL histories replayed on PostgreSQL itself (a throwaway
/// cluster): every pair gets a verdict (up, down, the schema from
/// pg_catalog after the down against before), and an up fails only on an
/// object the history never created. Prints `CORPUS-PG|history|pairs|ups ran|restored exactly` for
/// BENCHMARKS.md.
#[test]
fn postgresql_histories_on_postgresql() {
    let Some(root) = corpus() else {
        corpus_missing("corpus on PostgreSQL");
        return;
    };
    let Some(cluster) = throwaway_cluster() else {
        return;
    };
    for (name, d, pairs) in histories(&root) {
        if d != Dialect::Postgres {
            continue;
        }
        let mut scratch =
            migplan_postgres::scratch::Scratch::on_cluster(&cluster, 30).expect("scratch");
        let pairs: Vec<migplan_postgres::history::Pair> = pairs
            .iter()
            .map(|(pair, up, down)| migplan_postgres::history::Pair {
                name: pair,
                up,
                down,
                // Diesel's metadata.toml (run_in_transaction = false) is
                // not read here: a CONCURRENTLY says the same.
                transaction: !up.to_uppercase().contains("CONCURRENTLY"),
            })
            .collect();
        let outcomes =
            migplan_postgres::history::replay(&mut scratch.engine().expect("engine"), &pairs)
                .expect("replay");
        assert_eq!(outcomes.len(), pairs.len(), "{name}: a verdict per pair");
        let ran = outcomes.iter().filter(|o| o.up.is_ok()).count();
        let restored = outcomes.iter().filter(|o| o.restored()).count();
        println!("CORPUS-PG|{name}|{}|{ran}|{restored}", pairs.len());
        let failed: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.up.as_ref().err().map(|f| format!("{}: {f}", o.name)))
            .collect();
        for refused in &failed {
            println!("CORPUS-PG-REFUSED|{name}|{refused}");
        }
        // An up may only fail on an object the history never made (kratos's
        // sql/ history starts after columns its older migrations added);
        // never on what PostgreSQL cannot run.
        let unexplained: Vec<&String> = failed
            .iter()
            .filter(|f| !f.contains("does not exist"))
            .collect();
        assert!(
            unexplained.is_empty(),
            "{name}: ups PostgreSQL refused:\n{unexplained:?}"
        );
    }
}

/// A throwaway cluster from the local binaries; `None` (said) when there
/// are none outside CI, where they must be.
fn throwaway_cluster() -> Option<migplan_postgres::cluster::Cluster> {
    let bins = match migplan_postgres::cluster::Binaries::find(None) {
        Ok(bins) => bins,
        Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
        Err(e) => {
            eprintln!("skipped: {e}");
            return None;
        }
    };
    Some(migplan_postgres::cluster::Cluster::start(&bins).expect("cluster"))
}

/// Why a plan of a real migration is not proven equal to it, or `None`
/// when it is (the schema of the migration as written, a down that
/// restores the start).
fn plan_verdict(check: &migplan_core::simulate::PlanCheck) -> Option<String> {
    if !check.equivalent {
        let first = check.differences.first().cloned().unwrap_or_default();
        let first: String = first.chars().take(160).collect();
        return Some(format!("differs from the migration: {first}"));
    }
    (!check.down_restores).then(|| {
        let first = check.not_restored.first().cloned().unwrap_or_default();
        let first: String = first.chars().take(160).collect();
        format!("its down does not restore the start: {first}")
    })
}

/// A database at the history's state: a new one, every up that ran so far
/// run again.
fn database_at(
    cluster: &migplan_postgres::cluster::Cluster,
    applied: &[(&str, bool)],
) -> migplan_postgres::scratch::Scratch {
    let mut scratch = migplan_postgres::scratch::Scratch::on_cluster(cluster, 30).expect("scratch");
    {
        let mut engine = scratch.engine().expect("engine");
        for (up, transaction) in applied {
            let _ = pollster::block_on(migplan_core::simulate::postgres::run::run_file(
                &mut engine,
                up,
                *transaction,
            ));
        }
    }
    scratch
}

/// Issue: plans proven on real histories. Every migration of the
/// PostgreSQL histories is planned against the history before it; one
/// database runs the migration as written, another the plan's steps up
/// and its downs back from the same state: the plan must reach the
/// migration's schema and its down the start. Prints
/// `CORPUS-PLAN|history|migrations|run as written|proven` and each other
/// migration with its reason, for BENCHMARKS.md.
#[test]
fn plans_on_real_histories_equal_their_migrations() {
    let Some(root) = corpus() else {
        corpus_missing("plans on real histories");
        return;
    };
    let Some(cluster) = throwaway_cluster() else {
        return;
    };
    let options = migplan_core::Options::with_pg_version(15).expect("15");
    for (name, d, pairs) in histories(&root) {
        if d != Dialect::Postgres {
            continue;
        }
        let mut written =
            migplan_postgres::scratch::Scratch::on_cluster(&cluster, 30).expect("scratch");
        let mut sandbox = database_at(&cluster, &[]);
        let mut applied: Vec<(&str, bool)> = Vec::new();
        let mut schema = String::new();
        let (mut ran, mut proven) = (0, 0);
        let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (pair, up, _) in &pairs {
            let transaction = !up.to_uppercase().contains("CONCURRENTLY");
            // The migration as written, on the history's own database.
            let mut engine = written.engine().expect("engine");
            let as_written = pollster::block_on(migplan_core::simulate::postgres::run::run_file(
                &mut engine,
                up,
                transaction,
            ));
            if as_written.is_err() {
                continue;
            }
            ran += 1;
            let migrated =
                pollster::block_on(migplan_core::simulate::postgres::catalog::snapshot_with(
                    &mut engine,
                    migplan_core::simulate::postgres::catalog::Columns::ByName,
                ))
                .expect("the database reads");
            // The plan, from the same state, on the other database.
            let session = migplan_core::Session::new(d, options.clone(), &schema, up);
            let plan =
                migplan_core::plan::plan(&session, migplan_core::plan::PlanOptions::default());
            let mut engine = sandbox.engine().expect("engine");
            let check = pollster::block_on(migplan_core::simulate::postgres::check_plan(
                &mut engine,
                &plan,
                &migrated,
            ))
            .expect("the database reads");
            let restored = check.down_restores;
            if restored {
                let _ = pollster::block_on(migplan_core::simulate::postgres::run::run_file(
                    &mut engine,
                    up,
                    transaction,
                ));
            }
            applied.push((up, transaction));
            schema.push_str(up);
            schema.push('\n');
            if !restored {
                // The plan left the sandbox elsewhere: a new one at the
                // history's state.
                sandbox = database_at(&cluster, &applied);
            }
            match plan_verdict(&check) {
                None => proven += 1,
                Some(reason) => others.entry(reason).or_default().push(pair.clone()),
            }
        }
        println!("CORPUS-PLAN|{name}|{}|{ran}|{proven}", pairs.len());
        for (reason, names) in &others {
            println!("CORPUS-PLAN-OTHER|{name}|{reason}|{}", names.join(", "));
        }
        // The goal is 95% of the migrations that run as written; until it
        // is reached, no history may fall below what it proves today.
        let floor = match name.as_str() {
            n if n.starts_with("rust-lang__crates.io") => 272,
            n if n.starts_with("authelia__authelia") => 21,
            n if n.starts_with("ory__kratos") => 96,
            _ => ran,
        };
        assert!(
            proven >= floor,
            "{name}: {proven} of {ran} plans proven, fewer than {floor}:\n{others:#?}"
        );
    }
}
