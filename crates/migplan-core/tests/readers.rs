//! Framework readers, data-driven: every migration under `tests/readers/
//! <framework>/` is read for each dialect and its SQL (with what was not
//! analysed) is snapshotted (a first line `dialects: mysql` limits the
//! dialects, for fixtures of raw SQL); every SQL statement read parses. A fixture
//! with a sibling `.sql` (its hand-written SQL equivalent, PostgreSQL, with
//! `.schema.sql` as the schema) must get the same findings as that SQL.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

use migplan_core::frameworks::{dsl, read_source};
use migplan_core::{Dialect, Options, Session};

fn fixtures() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers");
    let mut out = Vec::new();
    for framework in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(framework.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            let name = path.to_string_lossy().into_owned();
            if !name.ends_with(".sql") {
                out.push((framework.file_name().to_string_lossy().into_owned(), path));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn each_operation_reads_as_the_sql_its_framework_runs() {
    let all = fixtures();
    assert!(!all.is_empty(), "no reader fixtures");
    for (framework, path) in all {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let rel = format!(
            "{framework}/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        // Raw SQL is written for one dialect: `dialects: mysql` on the
        // first line names the ones a fixture is read for.
        let dialects: Vec<Dialect> =
            match text.lines().next().and_then(|l| l.split_once("dialects:")) {
                Some((_, names)) => names
                    .split([',', ' '])
                    .filter_map(|n| n.trim().parse::<Dialect>().ok())
                    .collect(),
                None => vec![Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite],
            };
        for d in dialects {
            let parsed = read_source(Some(&rel), &text, d);
            assert_eq!(
                parsed.read_as.map(|f| f.id()),
                Some(framework.as_str()),
                "{rel} is not read as {framework}"
            );
            let mut shown = dsl::as_sql(&parsed);
            for s in parsed.statements.iter().filter(|s| !s.analysed()) {
                let e = s.error.as_ref().expect("a statement not analysed says why");
                shown.push_str(&format!("-- line {}:{}: {}\n", e.line, e.column, e.message));
                // What was read as SQL parses; only code is left unread.
                assert_eq!(
                    s.kind.as_str(),
                    "framework_code",
                    "{rel} ({d:?}): {} does not parse: {}",
                    s.sql,
                    e.message
                );
            }
            insta::assert_snapshot!(format!("{framework}__{stem}__{}", d.as_str()), shown);
        }
    }
}

#[test]
fn a_framework_migration_gets_the_findings_of_its_sql() {
    for (framework, path) in fixtures() {
        let sql_path = path.with_extension("sql");
        let Ok(sql) = std::fs::read_to_string(&sql_path) else {
            continue;
        };
        let schema = std::fs::read_to_string(path.with_extension("schema.sql")).unwrap_or_default();
        let text = std::fs::read_to_string(&path).expect("fixture");
        let name = format!(
            "{framework}/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let rules = |session: &Session| {
            let mut found: Vec<(String, usize)> = session
                .analysis()
                .report
                .findings
                .iter()
                .map(|f| {
                    (
                        f.rule.clone(),
                        session.analysis().report.statements[f.statement].index,
                    )
                })
                .collect();
            found.sort();
            found
        };
        let d = Dialect::Postgres;
        let read = Session::builder(d, Options::default(), migplan_core::SchemaStatements::Keep)
            .schema(schema.clone())
            .migration(Some(name.clone()), text)
            .build();
        // The SQL runs as the framework runs the file (in a transaction
        // or not).
        let in_transaction = read.files()[0].parsed.transaction.unwrap_or(false);
        let options = Options {
            file_transaction: in_transaction,
            ..Options::default()
        };
        let written = Session::new(d, options, &schema, &sql);
        assert!(
            !rules(&written).is_empty(),
            "{name}: the SQL has no findings to compare"
        );
        assert_eq!(rules(&read), rules(&written), "{name}");
    }
}

/// A Liquibase changelog says the same in XML, YAML and JSON: the three
/// forms of one changelog read to the same statements, each placed on its
/// own file's lines.
#[test]
fn liquibase_yaml_and_json_read_as_their_xml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers/liquibase");
    let read = |name: &str, d: Dialect| {
        let path = format!("liquibase/{name}");
        let text = std::fs::read_to_string(root.join(name)).expect("fixture");
        let parsed = read_source(Some(&path), &text, d);
        let statements: Vec<(String, String, bool)> = parsed
            .statements
            .iter()
            .map(|s| {
                let error = s
                    .error
                    .as_ref()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                // What was not read is kept as the file's own text.
                let sql = if error.is_empty() {
                    s.sql.clone()
                } else {
                    String::new()
                };
                (sql, error, s.section == migplan_core::parse::Section::Down)
            })
            .collect();
        let lines: Vec<usize> = parsed.statements.iter().map(|s| s.line).collect();
        (statements, lines, parsed.transaction, text)
    };
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let (xml, xml_lines, xml_tx, _) = read("every-change.xml", d);
        assert!(xml.len() >= 10, "{d:?}: {xml:#?}");
        for other in ["yaml-changelog.yaml", "json-changelog.json"] {
            let (statements, lines, tx, text) = read(other, d);
            assert_eq!(statements, xml, "{other} on {d:?}");
            assert_eq!(tx, xml_tx, "{other} on {d:?}");
            assert_ne!(lines, xml_lines, "{other}: positions are its own");
            // Each statement sits on the line of the change it comes from.
            let file_lines: Vec<&str> = text.lines().collect();
            for ((sql, _, _), line) in statements.iter().zip(&lines) {
                let at = file_lines.get(line - 1).copied().unwrap_or_default();
                assert!(
                    at.contains(':') || at.contains('{'),
                    "{other}: {sql} placed on line {line}: {at}"
                );
            }
        }
    }
}
