//! The history oracle: an up/down pair of a real migration history run
//! on SQLite and, when it does not round-trip, the reason why. Used by the
//! corpus tests.

use super::*;

/// What running one up/down pair did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PairVerdict {
    /// Up then down left the schema exactly as before.
    Exact,
    /// The up failed on SQLite, with SQLite's message.
    UpFails(String),
    /// The down failed on SQLite, with SQLite's message.
    DownFails(String),
    /// The down has nothing SQLite runs.
    DownEmpty,
    /// Both ran, but the schema differs from before (the entries that do).
    SchemaDiffers(Vec<String>),
}

impl PairVerdict {
    /// SQLite's message when a side failed.
    fn engine_message(&self) -> Option<&str> {
        match self {
            PairVerdict::UpFails(m) | PairVerdict::DownFails(m) => Some(m),
            _ => None,
        }
    }

    /// Which side failed, in words.
    fn side(&self) -> &'static str {
        match self {
            PairVerdict::UpFails(_) => "up",
            PairVerdict::DownFails(_) => "down",
            _ => "pair",
        }
    }
}

impl std::fmt::Display for PairVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PairVerdict::Exact => f.write_str("round-trips"),
            PairVerdict::UpFails(m) => write!(f, "up: {m}"),
            PairVerdict::DownFails(m) => write!(f, "down: {m}"),
            PairVerdict::DownEmpty => f.write_str("down is empty"),
            PairVerdict::SchemaDiffers(entries) => write!(f, "schema differs: {}", list(entries)),
        }
    }
}

/// How one up/down pair of a migration history fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    pub verdict: PairVerdict,
    /// Statements that could not be simulated in up or down.
    pub not_simulated: usize,
    /// Why each of those could not be (the translation's reason).
    pub skipped: Vec<String>,
    /// What the schema model (not SQLite) says the down leaves different
    /// from before the up; empty when the down restores it.
    pub model_diff: Vec<String>,
    /// A table or column the failing statement names that the schema model
    /// does not have at that point either: the source SQL's own mistake.
    pub model_lacks: Option<String>,
}

/// Why a pair of a real history does not round-trip on SQLite, or that it
/// does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PairOutcome {
    Exact,
    /// The pair uses what SQLite cannot run (named).
    Untranslatable(String),
    /// The down does not undo the up, by the schema model too: a lossy or
    /// incomplete down, or none at all.
    LossyDown(String),
    /// It fails on what an earlier pair of the history could not create.
    AfterEarlierFailure,
    /// A SQLite history's own SQL fails on SQLite (nothing was translated).
    FailsOnSqlite(String),
    /// The up or down names a table or column that does not exist at that
    /// point of the history: it would fail on the source database too.
    Broken(String),
    /// Not explained: a gap in the translation to look at.
    Unexplained(String),
}

impl PairOutcome {
    /// The group this outcome counts in.
    pub fn group(&self) -> String {
        match self {
            PairOutcome::Exact => "round-trips".into(),
            PairOutcome::Untranslatable(w) => format!("untranslatable: {w}"),
            PairOutcome::LossyDown(w) => format!("lossy down: {w}"),
            PairOutcome::AfterEarlierFailure => {
                "fails on an object an earlier untranslatable migration could not create".into()
            }
            PairOutcome::Broken(w) => format!("broken in the source too: {w}"),
            PairOutcome::FailsOnSqlite(w) => format!("the SQLite file itself fails on SQLite: {w}"),
            PairOutcome::Unexplained(w) => format!("unexplained: {w}"),
        }
    }
}

/// Explains `r`, the round trip of one pair; `earlier_failed` says whether
/// an earlier pair of the same history could not be applied in full.
pub fn explain_pair(r: &PairResult, d: Dialect, earlier_failed: bool) -> PairOutcome {
    if r.verdict == PairVerdict::Exact {
        return PairOutcome::Exact;
    }
    // SQLite's own messages are the only text read here.
    let message = r.verdict.engine_message().unwrap_or_default();
    if let Some(f) = message.strip_prefix("no such function: ") {
        return PairOutcome::Untranslatable(format!(
            "function {} has no SQLite equivalent",
            f.trim().to_lowercase()
        ));
    }
    if message.starts_with("unknown function") {
        return PairOutcome::Untranslatable(format!("{message} (no SQLite equivalent)"));
    }
    if !r.skipped.is_empty() {
        // An unparsed statement's reason is sqlparser's message, cut
        // before the statement text it quotes.
        let mut kinds: Vec<String> = r
            .skipped
            .iter()
            .map(|why| {
                let why = why.split(';').next().unwrap_or(why).trim();
                if why.starts_with("Expected") {
                    format!("a statement sqlparser does not read ({why})")
                } else {
                    why.to_string()
                }
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        return PairOutcome::Untranslatable(kinds.join(", "));
    }
    let missing = [
        "no such table",
        "no such column",
        "no such index",
        "no such view",
    ]
    .iter()
    .any(|m| message.starts_with(m));
    if missing && earlier_failed {
        return PairOutcome::AfterEarlierFailure;
    }
    if let Some(what) = &r.model_lacks {
        return PairOutcome::Broken(format!(
            "the {} names {what}, which does not exist at that point",
            r.verdict.side()
        ));
    }
    match &r.verdict {
        PairVerdict::UpFails(_) | PairVerdict::DownFails(_) if d == Dialect::Sqlite => {
            PairOutcome::FailsOnSqlite(r.verdict.to_string())
        }
        PairVerdict::DownEmpty => PairOutcome::LossyDown("the down does nothing".into()),
        PairVerdict::SchemaDiffers(_) if !r.model_diff.is_empty() => {
            PairOutcome::LossyDown(format!("the down does not restore {}", list(&r.model_diff)))
        }
        other => PairOutcome::Unexplained(other.to_string()),
    }
}

/// Runs `up` then `down` on `engine` (which holds the earlier migrations
/// of the history, as `model` describes them), checks the schema is back,
/// then applies `up` again so the history can go on.
pub async fn round_trip_pair(
    engine: &mut dyn Engine,
    d: Dialect,
    model: &mut Catalog,
    up: &str,
    down: &str,
) -> PairResult {
    let mut scratch = SimulationReport::empty(String::new(), 0, 0);
    let before = read_schema(engine).await;
    let mut after = model.clone();
    let up_t = translate(d, up, &mut after);
    let mut down_model = after.clone();
    let down_t = translate(d, down, &mut down_model);
    let skipped: Vec<String> = up_t
        .iter()
        .chain(&down_t)
        .filter_map(|t| t.skipped.clone())
        .collect();
    // In the terms SQLite is compared in (tables, columns, NOT NULL,
    // indexes), so generated constraint names do not count.
    let model_diff: Vec<String> = shape(model)
        .symmetric_difference(&shape(&down_model))
        .cloned()
        .collect();
    let mut result = PairResult {
        verdict: PairVerdict::Exact,
        not_simulated: skipped.len(),
        skipped,
        model_diff,
        model_lacks: None,
    };
    // Try the pair inside a savepoint, then undo it and apply up for real
    // so that the history goes on from a known state.
    let _ = engine.execute("SAVEPOINT migplan_pair").await;
    // PRAGMA foreign_keys=OFF is ignored in a transaction: rebuilds inside
    // need the checks deferred to the end of it instead.
    let _ = engine.execute("PRAGMA defer_foreign_keys=ON").await;
    let lacks = |message: &str, model: &Catalog| -> Option<String> {
        let name = |m: &str| {
            m.trim()
                .trim_matches('"')
                .trim_start_matches("main.")
                .to_lowercase()
        };
        if let Some(t) = message.strip_prefix("no such table: ") {
            let t = name(t);
            return model.table(&t).is_none().then(|| format!("table {t}"));
        }
        if let Some(c) = message.strip_prefix("no such column: ") {
            let c = name(c);
            let known = model.tables.values().any(|t| t.column(&c).is_some());
            return (!known).then(|| format!("column {c}"));
        }
        None
    };
    if !run_all(engine, &up_t, Phase::Migration, &mut scratch).await {
        let f = scratch.failure.take();
        result.model_lacks = f.as_ref().and_then(|f| lacks(&f.message, model));
        result.verdict = PairVerdict::UpFails(f.map(|f| f.message).unwrap_or_default());
    } else if !run_all(engine, &down_t, Phase::Down, &mut scratch).await {
        let f = scratch.failure.take();
        result.model_lacks = f.as_ref().and_then(|f| lacks(&f.message, &after));
        result.verdict = PairVerdict::DownFails(f.map(|f| f.message).unwrap_or_default());
    } else {
        let now = read_schema(engine).await;
        if now == before {
            result.verdict = PairVerdict::Exact;
        } else if down_t.iter().all(|t| t.sqlite.is_empty()) {
            result.verdict = PairVerdict::DownEmpty;
        } else {
            let diff: Vec<String> = before.symmetric_difference(&now).cloned().collect();
            result.verdict = PairVerdict::SchemaDiffers(diff);
        }
    }
    let _ = engine.execute("ROLLBACK TO migplan_pair").await;
    let _ = engine.execute("RELEASE migplan_pair").await;
    // The history goes on with as much of the up as SQLite accepts, so one
    // untranslatable statement does not stop everything after it.
    for t in up_t.iter().filter(|t| t.simulated) {
        for sql in &t.sqlite {
            let _ = engine.execute(sql).await;
        }
    }
    *model = after;
    result
}
