//! What each statement really does on PostgreSQL: run in a transaction of
//! its own, the relation locks that transaction holds (from `pg_locks`),
//! the tables and indexes whose storage was rewritten (a new
//! relfilenode), and the time it took; compared with the analysis's
//! prediction for its table. A statement that cannot run in a transaction
//! (CREATE INDEX CONCURRENTLY, VACUUM) runs outside one, untraced.

use std::collections::BTreeMap;

use crate::engine::Engine;
use crate::locks::PgLock;
use crate::simulate::{Predicted, Trace, TracedLock};

use super::run::text_rows;

/// One statement to trace.
pub struct Step {
    pub line: usize,
    pub sql: String,
    /// What the analysis predicts, when it names a table.
    pub predicted: Option<Predicted>,
    /// Whether it may run inside a transaction.
    pub transactional: bool,
}

/// The migration's statements with the analysis's predictions (each gets
/// a transaction of its own, so the migration's BEGIN and COMMIT are left
/// out).
pub fn steps(session: &crate::Session) -> Vec<Step> {
    use crate::locks::Effect;
    use crate::parse::{Section, StatementKind};
    use sqlparser::ast::Statement;
    let report = &session.analysis().report;
    session
        .migration()
        .zip(&report.statements)
        .filter(|(s, _)| s.is_sql() && s.section == Section::Up)
        .filter(|(s, _)| {
            !matches!(
                s.ast,
                Some(
                    Statement::StartTransaction { .. }
                        | Statement::Commit { .. }
                        | Statement::Rollback { .. }
                )
            )
        })
        .map(|(s, r)| Step {
            line: s.line,
            sql: s.sql.clone(),
            predicted: match (r.lock, &r.lock_table) {
                (Some(lock), Some(table)) => Some(Predicted {
                    table: table.clone(),
                    lock,
                    rewrite: r.effect == Some(Effect::Rewrite),
                }),
                _ => None,
            },
            transactional: !s.flags.concurrently && !matches!(s.kind, StatementKind::Vacuum),
        })
        .collect()
}

/// Every user relation (views and sequences too: they are locked by name,
/// with no storage of their own): oid, name, storage (relfilenode) and whether that
/// storage holds any page.
const USER_RELATIONS: &str = "SELECT c.oid::text, c.oid::regclass::text, c.relfilenode::text, (pg_relation_size(c.oid) > 0)::text \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind IN ('r', 'p', 'i', 'm', 't', 'v', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";

/// The locks this session's transaction holds on relations: oid, name
/// (when it still has one), mode.
const HELD: &str = "SELECT l.relation::text, COALESCE(c.oid::regclass::text, ''), l.mode FROM pg_locks l \
    LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted \
    AND COALESCE(n.nspname, '') NOT IN ('pg_catalog', 'information_schema')";

/// A time zone other than UTC: PostgreSQL 12+ changes timestamp to
/// timestamptz without a rewrite only when the session is in UTC, and a
/// production server may not be; the trace measures the general case, as
/// the analysis predicts it.
const TRACE_TIME_ZONE: &str = "SET TimeZone = 'America/New_York'";

async fn rows(engine: &mut dyn Engine, sql: &str) -> Result<Vec<Vec<String>>, String> {
    Ok(text_rows(engine, sql)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
        .collect())
}

/// oid → (name, storage, has pages).
type Storage = BTreeMap<String, (String, String, bool)>;

async fn storage(engine: &mut dyn Engine) -> Result<Storage, String> {
    Ok(rows(engine, USER_RELATIONS)
        .await?
        .into_iter()
        .filter_map(|r| match &r[..] {
            [oid, name, node, pages] => {
                Some((oid.clone(), (plain(name), node.clone(), pages == "true")))
            }
            _ => None,
        })
        .collect())
}

/// A relation's name as the analysis spells it (no quotes).
fn plain(name: &str) -> String {
    name.replace('"', "")
}

/// Runs every step, in order; stops at the first that fails (its trace
/// says why), since the rest would run on a schema that is not theirs.
pub async fn trace(engine: &mut dyn Engine, steps: &[Step]) -> Result<Vec<Trace>, String> {
    engine
        .execute(TRACE_TIME_ZONE)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for step in steps {
        let mut entry = Trace {
            line: step.line,
            sql: step.sql.trim().lines().next().unwrap_or("").to_string(),
            locks: Vec::new(),
            rewrote: Vec::new(),
            ms: 0.0,
            predicted: step.predicted.clone(),
            confirmed: None,
            note: None,
        };
        if !step.transactional {
            let started = engine.now_ms();
            let ran = engine.execute(&step.sql).await;
            entry.ms = elapsed(engine, started);
            entry.note = Some(match ran {
                Ok(_) => "not traced for locks: it runs outside a transaction".into(),
                Err(e) => format!("failed: {e}"),
            });
            out.push(entry);
            continue;
        }
        let failed = measure(engine, step, &mut entry).await?;
        out.push(entry);
        if failed {
            break;
        }
    }
    Ok(out)
}

/// Milliseconds since `started`, by the engine's clock (0 without one).
fn elapsed(engine: &mut dyn Engine, started: Option<f64>) -> f64 {
    match (started, engine.now_ms()) {
        (Some(start), Some(end)) => end - start,
        _ => 0.0,
    }
}

/// Runs one step in a transaction of its own and records its locks,
/// rewrites and time in `entry`; true when the statement failed.
async fn measure(engine: &mut dyn Engine, step: &Step, entry: &mut Trace) -> Result<bool, String> {
    let storage_before = storage(engine).await?;
    engine.execute("BEGIN").await.map_err(|e| e.to_string())?;
    let started = engine.now_ms();
    if let Err(e) = engine.execute(&step.sql).await {
        let _ = engine.execute("ROLLBACK").await;
        entry.note = Some(format!("failed: {e}"));
        return Ok(true);
    }
    entry.ms = elapsed(engine, started);
    let held = rows(engine, HELD).await?;
    engine.execute("COMMIT").await.map_err(|e| e.to_string())?;
    entry.locks = strongest_locks(&held, &storage_before);
    // Rewritten: new storage that holds the rows again (TRUNCATE also
    // gets new storage, but empty).
    let storage_after = storage(engine).await?;
    entry.rewrote = storage_before
        .iter()
        .filter(|(oid, (_, node, _))| {
            storage_after
                .get(*oid)
                .is_some_and(|(_, after, pages)| after != node && *pages)
        })
        .map(|(_, (name, _, _))| name.clone())
        .collect();
    judge(entry);
    Ok(false)
}

/// The strongest mode held on each relation. A relation renamed or dropped
/// by the statement goes by the name it had before it; one it created by
/// its new name.
fn strongest_locks(held: &[Vec<String>], storage_before: &Storage) -> Vec<TracedLock> {
    let mut strongest: BTreeMap<String, PgLock> = BTreeMap::new();
    for row in held {
        let [oid, name_now, mode] = &row[..] else {
            continue;
        };
        let name = match storage_before.get(oid) {
            Some((before, _, _)) => before.clone(),
            None if !name_now.is_empty() => plain(name_now),
            None => continue,
        };
        if let Some(lock) = PgLock::from_pg_locks(mode) {
            let slot = strongest.entry(name).or_insert(lock);
            *slot = (*slot).max(lock);
        }
    }
    strongest
        .into_iter()
        .map(|(relation, mode)| TracedLock { relation, mode })
        .collect()
}

/// Confirmed when the table's strongest lock is the predicted one and it
/// was rewritten exactly when a rewrite was predicted.
fn judge(entry: &mut Trace) {
    let Some(predicted) = &entry.predicted else {
        return;
    };
    let table = predicted.table.trim_start_matches("public.");
    // DROP SCHEMA's lock is on every table in it.
    let schema_prefix = format!("{table}.");
    let measured = entry
        .locks
        .iter()
        .filter(|l| {
            l.relation == table
                || l.relation == predicted.table
                || l.relation.starts_with(&schema_prefix)
        })
        .map(|l| l.mode)
        .max();
    let rewritten = entry
        .rewrote
        .iter()
        .any(|r| r == table || r == &predicted.table);
    let lock_ok = measured == Some(predicted.lock);
    let rewrite_ok = rewritten == predicted.rewrite;
    entry.confirmed = Some(lock_ok && rewrite_ok);
    if !lock_ok {
        entry.note = Some(format!(
            "predicted {} on {}, measured {}",
            predicted.lock,
            predicted.table,
            measured.map_or("no lock".to_string(), |m| m.to_string())
        ));
    } else if !rewrite_ok {
        entry.note = Some(format!(
            "predicted {}, measured {}",
            if predicted.rewrite {
                "a rewrite"
            } else {
                "no rewrite"
            },
            if rewritten { "a rewrite" } else { "no rewrite" }
        ));
    }
}
