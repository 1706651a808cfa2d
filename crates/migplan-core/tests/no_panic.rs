//! Parsing never panics: arbitrary text, and truncations and mutations of
//! real SQL from ../shared/corpus (skipped with a message when absent).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use migplan_core::{Dialect, Options, analyze, parse_source};
use proptest::prelude::*;

fn check_invariants(src: &str, d: Dialect) {
    let parsed = parse_source(src, d);
    for s in &parsed.statements {
        assert!(s.start <= s.end && s.end <= src.len());
        assert_eq!(&src[s.start..s.end], s.sql);
        assert!(s.line >= 1 && s.column >= 1);
        assert_eq!(s.parsed(), s.error.is_none());
    }
    // The schema model, the rules and the diff on the same text, as schema
    // and as migration.
    let a = analyze(d, Options::default(), src, src);
    assert_eq!(a.report.statements.len(), parsed.statements.len());
    for f in &a.report.findings {
        assert!(f.statement < a.report.statements.len());
    }
    // The planner, the rollback generator, the translation to SQLite and
    // the sample rows see the same text.
    let p =
        migplan_core::plan::plan_sources(d, migplan_core::plan::PlanOptions::default(), src, src);
    for fw in migplan_core::frameworks::Framework::ALL {
        let _ = migplan_core::frameworks::export(fw, &p, None, "x", "20260101000000");
    }
    let _ = migplan_core::rollback::generate_sources(d, src, src);
    let _ = migplan_core::share::decode(src);
    // The editor's highlighting covers every character exactly once.
    let h = migplan_core::highlight::highlight(src, d);
    for (i, l) in src.split('\n').enumerate() {
        let joined: String = h.segments(i, l).into_iter().map(|(t, _)| t).collect();
        assert_eq!(joined, l);
    }
    let _ = migplan_core::share::decode(&format!("v1.{src}"));
    // The settings file and the stats file, as typed or pasted.
    let _ = migplan_core::config::Config::parse(src);
    let _ = migplan_core::config::Config::parse(&format!("[rules]\n{src}"));
    let _ = migplan_core::settings::TableSizes::parse_stats(src);
    let _ = migplan_core::settings::TableSizes::parse_stats(&format!("table,rows\n{src}"));
    let mut model = migplan_core::catalog::Catalog::default();
    let _ = migplan_core::translate::translate(d, src, &mut model);
    let demands = migplan_core::sample::Demands::between(&model, &model);
    let _ = migplan_core::sample::generate(
        &model,
        &demands,
        &migplan_core::sample::DataOptions {
            rows: 3,
            ..Default::default()
        },
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_settings_never_panic(src in "[\\[\\]{}=\",.a-z0-9_ \n#'-]{0,80}") {
        let _ = migplan_core::config::Config::parse(&src);
        let _ = migplan_core::settings::TableSizes::parse_stats(&src);
    }

    #[test]
    fn arbitrary_text_never_panics(src in any::<String>()) {
        for d in Dialect::ALL {
            check_invariants(&src, d);
        }
    }

    #[test]
    fn sql_like_soup_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("CREATE TABLE "), Just("t ("), Just(")"), Just(";"), Just("'"), Just("\""), Just("`"),
            Just("$$"), Just("$a$"), Just("--"), Just("/*"), Just("*/"), Just("\n"), Just("BEGIN "),
            Just("END"), Just("DELIMITER //\n"), Just("//"), Just("\\."), Just("COPY t FROM stdin;\n"),
            Just("CREATE TRIGGER x "), Just("CASE "), Just("ALTER TABLE t "), Just("ADD COLUMN c int "),
            Just("DROP COLUMN c"), Just("RENAME TO u"), Just("CREATE INDEX i ON t (c)"), Just("NOT NULL "),
            Just("DEFAULT random() "), Just("INSERT INTO u SELECT * FROM t"), Just("DROP TABLE t"),
            Just("ALTER COLUMN c TYPE bigint"), Just("ADD CONSTRAINT k CHECK (c > 0) NOT VALID"), Just("E'\\'"), Just("é"), Just("("), Just(","),
            Just("İ"), Just("'İİ'::text"), Just("CHECK (c IN ('a', "), Just(" = ANY (ARRAY['b'::text"),
        ], 0..60)) {
        let src: String = parts.concat();
        for d in Dialect::ALL {
            check_invariants(&src, d);
        }
    }
}

#[test]
fn truncated_and_mutated_corpus_sql_never_panics() {
    let Some(files) = common::corpus_sql_files("corpus truncation test") else {
        return;
    };
    assert!(!files.is_empty());
    // Every 25th file keeps the run short; each is cut at ~16 places and
    // has a quote or dollar sign spliced in.
    for (n, (f, _)) in files.iter().enumerate().filter(|(n, _)| n % 25 == 0) {
        let text = common::read_lossy(f);
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let step = (bounds.len() / 16).max(1);
        for (k, &cut) in bounds.iter().step_by(step).enumerate() {
            let truncated = &text[..cut];
            let inject = ["'", "$$", "\"", "/*", "`"][(n + k) % 5];
            let mutated = format!("{}{inject}{}", truncated, &text[cut..]);
            for d in Dialect::ALL {
                check_invariants(truncated, d);
                check_invariants(&mutated, d);
            }
        }
    }
}

/// Found by the property test: exporting a plan for goose sliced text
/// between statements out of order.
#[test]
fn goose_export_of_a_delimiter_and_copy_soup_does_not_panic() {
    let src = "DELIMITER //\nE'\\''COPY t FROM stdin;\nDELIMITER //\n\\.";
    for d in Dialect::ALL {
        check_invariants(src, d);
    }
}

/// Found in review: the sample data read CHECK value lists with byte
/// offsets of a Unicode lower-casing, which shifts after `İ`.
#[test]
fn a_check_list_after_letters_that_grow_in_lower_case_does_not_panic() {
    let src = "CREATE TABLE t (id int PRIMARY KEY, kind text CHECK (kind <> 'İİİİİİ'::text AND kind IN ('İa', 'b')));";
    for d in Dialect::ALL {
        check_invariants(src, d);
    }
}
