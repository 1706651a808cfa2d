//! A migration history replayed on PostgreSQL pair by pair, as a real
//! deployment would: each up, then its down, the schema read back from
//! `pg_catalog` before and after compared exactly, then the up again so
//! the next pair sees it. A pair whose up fails is not applied; the
//! history never stops.

use std::collections::BTreeSet;

use migplan_core::engine::Engine;
use migplan_core::simulate::postgres::catalog;
use migplan_core::simulate::postgres::run::{Failure, run_file};
use pollster::block_on;

/// One up/down pair of a history.
pub struct Pair<'a> {
    pub name: &'a str,
    pub up: &'a str,
    pub down: &'a str,
    /// Whether the framework runs the files in a transaction.
    pub transaction: bool,
}

/// What PostgreSQL did with one pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    pub up: Result<(), Failure>,
    /// `None` when the up failed (the down was not run).
    pub down: Option<Result<(), Failure>>,
    /// The schema after the down against the one before the up; `None`
    /// unless both ran.
    pub differences: Option<Vec<String>>,
    /// Whether the up changed the schema.
    pub up_changed: bool,
}

impl Outcome {
    /// Up and down ran and the schema is exactly as before.
    pub fn restored(&self) -> bool {
        self.differences.as_ref().is_some_and(Vec::is_empty)
    }
}

fn snapshot(engine: &mut dyn Engine) -> Result<BTreeSet<String>, String> {
    block_on(catalog::snapshot(engine))
}

fn run(engine: &mut dyn Engine, sql: &str, transaction: bool) -> Result<(), Failure> {
    block_on(run_file(engine, sql, transaction)).map(|_| ())
}

/// Replays `pairs` in order; an error only when the database itself
/// cannot be read.
pub fn replay(engine: &mut dyn Engine, pairs: &[Pair]) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    for pair in pairs {
        let before = snapshot(engine)?;
        let up = run(engine, pair.up, pair.transaction);
        if up.is_err() {
            outcomes.push(Outcome {
                name: pair.name.to_string(),
                up,
                down: None,
                differences: None,
                up_changed: false,
            });
            continue;
        }
        let after_up = snapshot(engine)?;
        let down = run(engine, pair.down, pair.transaction);
        let differences = match &down {
            Ok(()) => Some(catalog::differences(&before, &snapshot(engine)?)),
            Err(_) => None,
        };
        // The next pair sees the up applied (again, after a down).
        if down.is_ok() {
            let _ = run(engine, pair.up, pair.transaction);
        }
        outcomes.push(Outcome {
            name: pair.name.to_string(),
            up,
            down: Some(down),
            differences,
            up_changed: after_up != before,
        });
    }
    Ok(outcomes)
}
