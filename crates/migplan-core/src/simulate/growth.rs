//! Cost growth: every statement timed at several row counts.

use super::*;
/// How long one migration statement took at each row count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    pub line: usize,
    pub statement: String,
    /// Milliseconds at each of the row counts, in order.
    pub ms: Vec<f64>,
    /// Its time grows with the table.
    pub grows: bool,
    /// The analysis said it scans or rewrites (or it is DML over rows).
    pub expected: bool,
}

/// Runs the migration at each row count on a fresh engine and times every
/// statement: statements whose time grows with the table scan or rewrite
/// it, which should match what the analysis said. `clock` is in ms.
pub async fn cost_growth(
    new_engine: &mut dyn FnMut() -> Option<Box<dyn Engine>>,
    clock: &dyn Fn() -> f64,
    session: &Session,
    sizes: &[usize],
) -> (Vec<Growth>, Check) {
    let d = session.dialect();
    let analysis = session.analysis();
    let mut model = Catalog::default();
    let schema_t = translate_statements(d, session.schema(), &mut model);
    let demands = Demands::between(&model, session.after());
    let up = translate_statements(d, session.migration(), &mut model.clone());
    let mut rows: Vec<Growth> = Vec::new();
    for n in sizes.iter().map(|n| (*n).min(crate::sample::MAX_ROWS)) {
        let Some(mut engine) = new_engine() else {
            break;
        };
        let engine = engine.as_mut();
        let _ = engine.execute("PRAGMA foreign_keys=ON").await;
        let mut scratch = SimulationReport::empty(String::new(), n, 42);
        if !run_skipping(engine, &schema_t, Phase::Schema, &mut scratch).await {
            break;
        }
        let data = DataOptions {
            rows: n,
            ..DataOptions::default()
        };
        for sql in crate::sample::generate(&model, &demands, &data) {
            let _ = engine.execute(&sql).await;
        }
        for (i, t) in up
            .iter()
            .enumerate()
            .filter(|(_, t)| t.simulated && !t.sqlite.is_empty())
        {
            let start = clock();
            for sql in &t.sqlite {
                let _ = engine.execute(sql).await;
            }
            let ms = clock() - start;
            match rows.iter_mut().find(|g| g.line == t.line) {
                Some(g) => g.ms.push(ms),
                None => {
                    let report = analysis.report.statements.iter().find(|s| s.line == t.line);
                    let expected = report.is_some_and(|s| {
                        s.effect.is_some_and(|e| e != crate::locks::Effect::None)
                            || s.kind.is_dml()
                            || s.algorithm == Some(crate::locks::MysqlAlgorithm::Copy)
                    });
                    let _ = i;
                    rows.push(Growth {
                        line: t.line,
                        statement: t.source.lines().next().unwrap_or_default().to_string(),
                        ms: vec![ms],
                        grows: false,
                        expected,
                    });
                }
            }
        }
    }
    let ratio = match (sizes.first(), sizes.last()) {
        (Some(a), Some(b)) if *a > 0 => *b as f64 / *a as f64,
        _ => 1.0,
    };
    for g in &mut rows {
        if let (Some(first), Some(last)) = (g.ms.first(), g.ms.last()) {
            // Grows when the time follows the rows (allowing for noise).
            g.grows = *last > 2.0 && *last > first.max(0.05) * ratio.sqrt();
        }
    }
    let contradictions: Vec<String> = rows
        .iter()
        .filter(|g| g.grows && !g.expected)
        .map(|g| {
            format!(
                "line {} grows with the table in SQLite but the analysis expects no scan",
                g.line
            )
        })
        .collect();
    let growing = rows.iter().filter(|g| g.grows).count();
    // Informational: SQLite rewrites in places where the target database
    // does not (DROP COLUMN), so a contradiction is shown, not failed.
    let check = Check {
        name: "cost growth".into(),
        ok: true,
        detail: if contradictions.is_empty() {
            format!(
                "{growing} of {} statements take longer as the table grows ({} rows); all of them were flagged as scanning, rewriting or touching rows",
                rows.len(),
                sizes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(
                "{growing} of {} statements take longer as the table grows; {} (SQLite may rewrite where the target database does not)",
                rows.len(),
                contradictions.join("; ")
            )
        },
        note: false,
    };
    (rows, check)
}
