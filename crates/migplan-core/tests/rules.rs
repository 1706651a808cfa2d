//! Every rule against its fixtures: for each dialect it applies to, a risky
//! migration that must trigger it and a safe one that must not, both run
//! against `tests/fixtures/rules/schema.<dialect>.sql`. The full findings
//! of each case are snapshot-tested, so a change in any message, lock or
//! severity shows up in review.
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;
use std::path::PathBuf;

use migplan_core::rules::{self, Rule};
use migplan_core::{Analysis, Dialect, Options, analyze};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/rules")
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Analyses `migration`, honouring a `-- pg-version: N` first line.
fn run(dialect: Dialect, migration: &str) -> Analysis {
    let schema = read(&fixtures().join(format!("schema.{}.sql", dialect.as_str())));
    let options = migration
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("-- pg-version: "))
        .map(|v| Options::with_pg_version(v.trim().parse().expect("version")).expect("known"))
        .unwrap_or_default();
    analyze(dialect, options, &schema, migration)
}

fn render(a: &Analysis) -> String {
    let mut out = String::new();
    for s in &a.report.statements {
        let _ = writeln!(
            out,
            "{}:{} {} severity={:?} lock={} algorithm={} effect={}",
            s.line,
            s.column,
            s.kind,
            s.severity,
            s.lock.map_or("-", |l| l.as_str()),
            s.algorithm.map_or("-", |a| a.describe()),
            s.effect.map(|e| e.as_str()).unwrap_or("-"),
        );
        if let Some(e) = &s.error {
            let _ = writeln!(out, "  unparsed: {e}");
        }
        for f in a.report.findings.iter().filter(|f| f.statement == s.index) {
            let _ = writeln!(
                out,
                "  {:?} {}: {}{}",
                f.severity,
                f.rule,
                f.message,
                f.ignored
                    .as_ref()
                    .map(|r| format!(" [ignored: {r}]"))
                    .unwrap_or_default()
            );
        }
    }
    let _ = writeln!(out, "max_severity={:?}", a.report.max_severity);
    out
}

fn fires(a: &Analysis, rule: &Rule) -> bool {
    a.report.active_findings().any(|f| f.rule == rule.id)
}

#[test]
fn every_rule_has_risky_and_safe_fixtures_per_dialect() {
    let mut failures = Vec::new();
    for rule in rules::ALL {
        for &d in rule.dialects {
            for case in ["risky", "safe"] {
                let path = fixtures()
                    .join(rule.id)
                    .join(format!("{}.{case}.sql", d.as_str()));
                if !path.exists() {
                    failures.push(format!("missing {}", path.display()));
                    continue;
                }
                let a = run(d, &read(&path));
                let unparsed: Vec<_> = a.report.statements.iter().filter(|s| !s.parsed).collect();
                let unparsed_ok = a.report.statements.iter().filter(|s| !s.parsed).all(|s| {
                    matches!(s.kind.as_str(), "reindex" | "cluster" | "vacuum" | "pragma")
                });
                if !unparsed_ok {
                    failures.push(format!("{}: unparsed {:?}", path.display(), unparsed));
                }
                let fired = fires(&a, rule);
                if fired != (case == "risky") {
                    failures.push(format!(
                        "{} {} {case}: fired={fired}\n{}",
                        rule.id,
                        d.as_str(),
                        render(&a)
                    ));
                }
                insta::assert_snapshot!(format!("{}__{}_{case}", rule.id, d.as_str()), render(&a));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_docs_example_triggers_it_and_the_alternative_does_not() {
    let mut failures = Vec::new();
    for rule in rules::ALL {
        let d = rule.dialects[0];
        let version = format!("-- pg-version: {}\n", rule.pg_versions.0);
        let example = format!("{version}{}", rule.example);
        if !fires(&run(d, &example), rule) {
            failures.push(format!("{}: example does not trigger it", rule.id));
        }
        let instead = format!("{version}{}", rule.instead_example);
        let a = run(d, &instead);
        if fires(&a, rule) {
            failures.push(format!("{}: instead_example triggers it", rule.id));
        }
        if let Some(s) = a.report.statements.iter().find(|s| {
            !s.parsed && !matches!(s.kind.as_str(), "reindex" | "cluster" | "vacuum" | "pragma")
        }) {
            failures.push(format!(
                "{}: instead_example does not parse: {:?}",
                rule.id, s.error
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_metadata_is_well_formed() {
    let mut seen = std::collections::BTreeSet::new();
    for rule in rules::ALL {
        assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
        assert!(
            rule.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} is not kebab-case",
            rule.id
        );
        assert!(!rule.dialects.is_empty(), "{}", rule.id);
        for text in [
            rule.summary,
            rule.why,
            rule.instead,
            rule.rollback,
            rule.severity_why,
        ] {
            assert!(text.len() > 10, "{}: empty docs", rule.id);
        }
        assert_eq!(rules::find(rule.id).map(|r| r.id), Some(rule.id));
    }
    let ids: Vec<_> = rules::ALL.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "keep rules::ALL in id order");
}

#[test]
fn ignores_silence_a_finding_but_keep_it_with_the_reason() {
    let migration = "-- migplan:ignore dropping-column the column was unused since v2\n\
                     ALTER TABLE users DROP COLUMN name;\n\
                     ALTER TABLE users DROP COLUMN age;";
    let a = run(Dialect::Sqlite, migration);
    let drops: Vec<_> = a
        .report
        .findings
        .iter()
        .filter(|f| f.rule == "dropping-column")
        .collect();
    assert_eq!(drops.len(), 2);
    assert_eq!(
        drops[0].ignored.as_deref(),
        Some("the column was unused since v2")
    );
    assert_eq!(drops[1].ignored, None);
    assert_eq!(
        a.report.statements[0].severity,
        migplan_core::Severity::Safe
    );
    assert_eq!(
        a.report.statements[1].severity,
        migplan_core::Severity::Dangerous
    );

    let file_level = "-- migplan:ignore-file dropping-column cleaning up legacy columns\n\
                      ALTER TABLE users DROP COLUMN name;\nALTER TABLE users DROP COLUMN age;";
    let a = run(Dialect::Sqlite, file_level);
    assert!(a.report.findings.iter().all(|f| f.ignored.is_some()));
    assert_eq!(a.report.max_severity, migplan_core::Severity::Safe);
}

#[test]
fn context_changes_the_verdict() {
    // An index on a table created in the same migration is safe.
    let a = run(
        Dialect::Postgres,
        "SET lock_timeout = '2s';\nCREATE TABLE t (id bigint);\nCREATE INDEX t_id ON t (id);",
    );
    assert_eq!(
        a.report.max_severity,
        migplan_core::Severity::Safe,
        "{}",
        render(&a)
    );
    // SET NOT NULL with a validated CHECK is safe on 12+, careful on 11.
    let m = "SET lock_timeout = '2s';\n\
             ALTER TABLE users ADD CONSTRAINT n CHECK (name IS NOT NULL) NOT VALID;\n\
             ALTER TABLE users VALIDATE CONSTRAINT n;\n\
             ALTER TABLE users ALTER COLUMN name SET NOT NULL;";
    let a = run(Dialect::Postgres, m);
    assert_eq!(
        a.report.statements[3].severity,
        migplan_core::Severity::Safe
    );
    assert_eq!(
        a.report.statements[3].effect.map(|e| e.as_str()),
        Some("none")
    );
    let a = run(Dialect::Postgres, &format!("-- pg-version: 11\n{m}"));
    assert_eq!(
        a.report.statements[3].severity,
        migplan_core::Severity::Careful
    );
}

#[test]
fn postgres_statements_report_the_manuals_lock_names() {
    let a = run(
        Dialect::Postgres,
        "CREATE INDEX i ON users (email);\n\
         CREATE INDEX CONCURRENTLY j ON users (email);\n\
         ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n\
         ALTER TABLE orders VALIDATE CONSTRAINT f;\n\
         ALTER TABLE users ADD COLUMN x text;",
    );
    let locks: Vec<_> = a
        .report
        .statements
        .iter()
        .map(|s| s.lock.map_or("-", |l| l.as_str()))
        .collect();
    assert_eq!(
        locks,
        [
            "SHARE",
            "SHARE UPDATE EXCLUSIVE",
            "SHARE ROW EXCLUSIVE",
            "SHARE UPDATE EXCLUSIVE",
            "ACCESS EXCLUSIVE"
        ]
    );
}

#[test]
fn mysql_statements_report_the_algorithm() {
    let a = run(
        Dialect::Mysql,
        "ALTER TABLE `users` ADD COLUMN `x` int NULL;\n\
         ALTER TABLE `orders` MODIFY `total` decimal(12,4);\n\
         CREATE INDEX `i` ON `orders` (`total`);",
    );
    let algos: Vec<_> = a
        .report
        .statements
        .iter()
        .map(|s| s.algorithm.map_or("-", |a| a.describe()))
        .collect();
    assert_eq!(
        algos,
        [
            "INSTANT",
            "COPY, LOCK=SHARED (writes blocked)",
            "INPLACE, LOCK=NONE"
        ]
    );
    assert!(a.report.statements.iter().all(|s| s.lock.is_none()));
}

/// `CONCURRENTLY` and `FULL` are keywords read from the tokens: a name
/// that merely contains the word is not the keyword (a lookup in the text
/// once called these REINDEX and DROP INDEX concurrent, hence safe).
#[test]
fn keywords_are_tokens_not_parts_of_names() {
    let a = run(
        Dialect::Postgres,
        "REINDEX INDEX concurrently_built_idx;\n\
         DROP INDEX concurrently_idx;\n\
         VACUUM fullness_log;\n\
         REINDEX INDEX CONCURRENTLY users_email_idx;",
    );
    let rules_on = |line: usize| -> Vec<&str> {
        a.report
            .findings
            .iter()
            .filter(|f| f.line == line)
            .map(|f| f.rule.as_str())
            .collect()
    };
    assert!(
        rules_on(1).contains(&"reindexing-non-concurrently"),
        "{:?}",
        a.report.findings
    );
    assert!(rules_on(2).contains(&"dropping-index"), "{:?}", rules_on(2));
    assert!(!rules_on(4).contains(&"reindexing-non-concurrently"));
    let locks: Vec<Option<&str>> = a
        .report
        .statements
        .iter()
        .map(|s| s.lock.map(|l| l.as_str()))
        .collect();
    assert_eq!(
        locks,
        [
            Some("SHARE"),
            Some("ACCESS EXCLUSIVE"),
            None,
            Some("SHARE UPDATE EXCLUSIVE")
        ]
    );
}

/// The product's classes: adding a nullable column, a table, a concurrent
/// index and a NOT VALID constraint are safe; a missing lock_timeout is
/// advice unless the team requires one.
#[test]
fn calibrated_severities_and_the_lock_timeout_policy() {
    use migplan_core::Severity;
    use migplan_core::settings::LockTimeoutPolicy;
    let schema = read(&fixtures().join("schema.postgres.sql"));
    let cases = [
        "ALTER TABLE users ADD COLUMN nickname text;",
        "CREATE TABLE audit (id bigint PRIMARY KEY, note text);",
        "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);",
        "ALTER TABLE users ADD CONSTRAINT users_age_positive CHECK (age > 0) NOT VALID;",
    ];
    for migration in cases {
        let advise = Options::with_pg_version(16).unwrap();
        let a = analyze(Dialect::Postgres, advise.clone(), &schema, migration);
        assert_eq!(a.report.max_severity, Severity::Safe, "{}", render(&a));
        let mut require = advise;
        require.rules.lock_timeout = LockTimeoutPolicy::Require;
        let a = analyze(Dialect::Postgres, require, &schema, migration);
        let expected =
            if migration.contains("CONCURRENTLY") || migration.starts_with("CREATE TABLE") {
                // Neither waits for a lock that blocks others.
                Severity::Safe
            } else {
                Severity::Careful
            };
        assert_eq!(
            a.report.max_severity,
            expected,
            "{migration}\n{}",
            render(&a)
        );
    }
}

#[test]
fn rules_can_be_switched_off_or_given_a_severity() {
    use migplan_core::Severity;
    let schema = read(&fixtures().join("schema.postgres.sql"));
    let migration = "ALTER TABLE users DROP COLUMN name;";
    let mut options = Options::default();
    options
        .rules
        .severity
        .insert("dropping-column".into(), Severity::Careful);
    let a = analyze(Dialect::Postgres, options.clone(), &schema, migration);
    assert_eq!(a.report.max_severity, Severity::Careful, "{}", render(&a));
    options.rules.disabled.insert("dropping-column".into());
    let a = analyze(Dialect::Postgres, options, &schema, migration);
    assert!(
        !a.report
            .findings
            .iter()
            .any(|f| f.rule == "dropping-column")
    );
}

/// A scan or rewrite is as risky as the table is big; without sizes the
/// rule's own severity stands, and each finding names the size it assumed.
#[test]
fn table_sizes_decide_how_risky_a_scan_is() {
    use migplan_core::Severity;
    use migplan_core::settings::{TableSize, TableSizes};
    let schema = read(&fixtures().join("schema.postgres.sql"));
    let migration = "SET lock_timeout = '2s';\nCREATE INDEX users_name_idx ON users (name);";
    let with_rows = |rows: u64| {
        let mut options = Options {
            sizes: TableSizes {
                source: "stats.csv".into(),
                ..TableSizes::default()
            },
            ..Options::default()
        };
        options
            .sizes
            .tables
            .insert("users".into(), TableSize { rows, bytes: None });
        analyze(Dialect::Postgres, options, &schema, migration)
    };
    let unknown = analyze(Dialect::Postgres, Options::default(), &schema, migration);
    assert_eq!(unknown.report.max_severity, Severity::Careful);
    assert_eq!(with_rows(500).report.max_severity, Severity::Safe);
    assert_eq!(with_rows(50_000).report.max_severity, Severity::Careful);
    let huge = with_rows(80_000_000);
    assert_eq!(huge.report.max_severity, Severity::Dangerous);
    let finding = &huge.report.findings[0];
    assert!(
        finding
            .message
            .contains("assumed users: 80000000 rows, from stats.csv, a very large table"),
        "{}",
        finding.message
    );
    assert_eq!(finding.size.as_ref().map(|s| s.rows), Some(80_000_000));
}
