//! Parse rate over the real-world corpus in ../shared/corpus (skipped with a
//! message when absent): every file analysed, at least 97 % of statements
//! parsed into an AST for each dialect.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;

use migplan_core::{Dialect, parse_source};

#[test]
fn corpus_parse_rate_per_dialect() {
    let Some(files) = common::corpus_sql_files("corpus parse-rate test") else {
        return;
    };
    let mut tally: BTreeMap<Dialect, (usize, usize, usize)> = BTreeMap::new();
    for (f, d) in &files {
        let d = *d;
        let text = common::read_lossy(f);
        let parsed = parse_source(&text, d);
        let t = tally.entry(d).or_default();
        t.0 += 1;
        t.1 += parsed.statements.len();
        t.2 += parsed.statements.iter().filter(|s| s.parsed()).count();
        // Every unparsed statement says what it is and why, with a position.
        for s in parsed.statements.iter().filter(|s| !s.parsed()) {
            let e = s
                .error
                .as_ref()
                .expect("an unparsed statement has an error");
            assert!(
                !e.message.is_empty() && e.line >= s.line && !matches!(s.kind.as_str(), "empty"),
                "{}:{}: unlabelled {:?}",
                f.display(),
                s.line,
                s.kind
            );
        }
    }
    assert_eq!(tally.len(), 3, "every dialect has corpus files");
    for (d, (nfiles, total, ok)) in tally {
        let rate = 100.0 * ok as f64 / total.max(1) as f64;
        println!("{d}: {nfiles} files, {total} statements, {rate:.1} % parsed");
        assert!(
            rate >= 97.0,
            "{d}: only {rate:.1} % of {total} statements parsed"
        );
    }
}
