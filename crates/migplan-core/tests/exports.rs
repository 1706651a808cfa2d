//! Plans written in a framework's own operations mean what the plan's SQL
//! means: every PostgreSQL plan fixture is exported twice per framework,
//! once with its operations and once as the framework's raw-SQL calls
//! only, and migplan's reader for the framework reads both back to the same
//! statements, up and down. The operations are really used (a count per
//! framework), and the exported files are what each framework expects
//! (spot checks).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use migplan_core::frameworks::{ExportFile, Framework, export, read_source};
use migplan_core::parse::Section;
use migplan_core::plan::{Plan, PlanOptions, plan_sources};
use migplan_core::{Dialect, parse_source};

const NATIVE: [Framework; 6] = [
    Framework::Rails,
    Framework::Alembic,
    Framework::Django,
    Framework::EfCore,
    Framework::Laravel,
    Framework::Liquibase,
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn postgres_plans() -> Vec<(String, Plan)> {
    let schema = std::fs::read_to_string(root().join("rules/schema.postgres.sql")).expect("schema");
    let mut plans = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("plans"))
        .expect("plans")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Ok(migration) = std::fs::read_to_string(dir.join("postgres.sql")) else {
            continue;
        };
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let plan = plan_sources(
            Dialect::Postgres,
            PlanOptions::default(),
            &schema,
            &migration,
        );
        plans.push((name, plan));
    }
    // Tables named the Django way (`<app>_<model>`), planned with and
    // without IF [NOT] EXISTS guards.
    let schema = "CREATE TABLE app_post (id bigint PRIMARY KEY, title text, body text, author_id bigint);\n\
        CREATE TABLE app_author (id bigint PRIMARY KEY);\n\
        CREATE INDEX app_post_body_idx ON app_post (body);";
    let migration = "CREATE INDEX app_post_title_idx ON app_post (title);\n\
        DROP INDEX app_post_body_idx;\n\
        ALTER TABLE app_post ADD CONSTRAINT app_post_author_fk FOREIGN KEY (author_id) REFERENCES app_author (id) ON DELETE CASCADE;\n\
        ALTER TABLE app_post RENAME COLUMN body TO content;\n\
        ALTER TABLE app_post ADD COLUMN rank integer NOT NULL;\n\
        ALTER TABLE app_post DROP COLUMN title;";
    for idempotent in [true, false] {
        let options = PlanOptions {
            idempotent,
            ..PlanOptions::default()
        };
        let plan = plan_sources(Dialect::Postgres, options, schema, migration);
        plans.push((format!("app-idempotent-{idempotent}"), plan));
    }
    // Names that would end a string or start interpolation in one of the
    // languages if they were not escaped.
    let schema = r#"CREATE TABLE "o'dd ""t"" #{x} ${y} \" (id bigint PRIMARY KEY, "c'ol\" text, "b#{z}" text);"#;
    let migration = r#"CREATE INDEX "ix'q" ON "o'dd ""t"" #{x} ${y} \" ("c'ol\");
ALTER TABLE "o'dd ""t"" #{x} ${y} \" RENAME COLUMN "b#{z}" TO "b${w}";
ALTER TABLE "o'dd ""t"" #{x} ${y} \" ADD COLUMN "n'ew" integer NOT NULL DEFAULT 0;
ALTER TABLE "o'dd ""t"" #{x} ${y} \" DROP COLUMN "c'ol\";"#;
    for idempotent in [true, false] {
        let options = PlanOptions {
            idempotent,
            ..PlanOptions::default()
        };
        let plan = plan_sources(Dialect::Postgres, options, schema, migration);
        plans.push((format!("odd-names-idempotent-{idempotent}"), plan));
    }
    plans
}

/// A statement as text to compare: the parser's own rendering without
/// quotes, or the text with its spacing collapsed when it did not parse.
fn normalised(sql: &str, ast: Option<&sqlparser::ast::Statement>) -> String {
    let text = match ast {
        Some(statement) => statement.to_string(),
        None => sql.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    text.replace(['"', '`'], "")
        .trim_end_matches(';')
        .to_lowercase()
}

/// What the framework's reader makes of the exported migration files:
/// (file, up statements, down statements, whether it runs in a transaction).
type Read = (String, Vec<String>, Vec<String>, Option<bool>);

fn read_back(fw: Framework, files: &[ExportFile]) -> Vec<Read> {
    files
        .iter()
        .filter(|f| Framework::reading(Some(&f.path), &f.content) == Some(fw))
        .map(|f| {
            let parsed = read_source(Some(&f.path), &f.content, Dialect::Postgres);
            let mut up = Vec::new();
            let mut down = Vec::new();
            for s in &parsed.statements {
                if !s.parsed()
                    && s.error
                        .as_ref()
                        .is_some_and(|e| e.message.contains("not analysed"))
                {
                    // Code (a raise in a down without rollback): kept apart.
                    if s.sql.contains("IrreversibleMigration") {
                        continue;
                    }
                }
                let text = normalised(&s.sql, s.ast.as_ref());
                match s.section {
                    Section::Up => up.push(text),
                    Section::Down => down.push(text),
                }
            }
            (f.path.clone(), up, down, parsed.transaction)
        })
        .collect()
}

fn without_operations(plan: &Plan) -> Plan {
    let mut plain = plan.clone();
    for step in &mut plain.steps {
        step.native = None;
        step.native_down = None;
    }
    plain
}

/// How many operations a file written with them holds that the raw-SQL one
/// does not: lines that differ.
fn differing_lines(a: &[ExportFile], b: &[ExportFile]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let theirs: std::collections::HashSet<&str> = y.content.lines().collect();
            x.content.lines().filter(|l| !theirs.contains(l)).count()
        })
        .sum()
}

/// Liquibase replaces `${...}` in a changelog with a property's value:
/// names holding one cannot be written so that it runs what the plan
/// says. Such a changelog is read as not analysed (never safe).
fn liquibase_property(fw: Framework, name: &str) -> bool {
    fw == Framework::Liquibase && name.starts_with("odd-names")
}

#[test]
fn a_liquibase_changelog_with_a_property_reference_is_not_analysed() {
    let plan = postgres_plans()
        .into_iter()
        .find(|(name, _)| name == "odd-names-idempotent-false")
        .map(|(_, plan)| plan)
        .expect("plan");
    let files = export(Framework::Liquibase, &plan, None, "odd", "20261130120000");
    let log = files
        .iter()
        .find(|f| f.path.ends_with(".xml"))
        .expect("changelog");
    let parsed = read_source(Some(&log.path), &log.content, Dialect::Postgres);
    let unread = parsed
        .statements
        .iter()
        .filter(|s| {
            s.error
                .as_ref()
                .is_some_and(|e| e.message.contains("changelog property"))
        })
        .count();
    assert!(unread >= 3, "{unread} statements flagged");
}

#[test]
fn framework_operations_read_back_as_the_plans_sql() {
    let plans = postgres_plans();
    assert!(plans.len() >= 15, "{} plans", plans.len());
    for fw in NATIVE {
        let mut native_lines = 0;
        for (name, plan) in &plans {
            if liquibase_property(fw, name) {
                continue;
            }
            let native = export(fw, plan, None, name, "20261130120000");
            let raw = export(fw, &without_operations(plan), None, name, "20261130120000");
            let native_read = read_back(fw, &native);
            let raw_read = read_back(fw, &raw);
            assert_eq!(
                native_read.len(),
                raw_read.len(),
                "{} {name}: files read",
                fw.id()
            );
            assert!(!native_read.is_empty(), "{} {name}: nothing read", fw.id());
            for ((ours, theirs), file) in native_read.iter().zip(&raw_read).zip(&native) {
                assert_eq!(ours.1, theirs.1, "{} {name}: up of {}", fw.id(), ours.0);
                assert_eq!(
                    ours.3,
                    theirs.3,
                    "{} {name}: transaction of {}",
                    fw.id(),
                    ours.0
                );
                if fw == Framework::Django && file.content.contains("AddIndexConcurrently(") {
                    // Django reverses its own operation: the index drop is
                    // implicit there, the rest of the down as written.
                    let explicit: Vec<&String> = theirs
                        .2
                        .iter()
                        .filter(|s| !s.starts_with("drop index"))
                        .collect();
                    assert_eq!(
                        ours.2.iter().collect::<Vec<_>>(),
                        explicit,
                        "{name}: down of {}",
                        ours.0
                    );
                    continue;
                }
                assert_eq!(ours.2, theirs.2, "{} {name}: down of {}", fw.id(), ours.0);
            }
            native_lines += differing_lines(&native, &raw);
        }
        assert!(
            native_lines >= 5,
            "{}: only {native_lines} lines written as operations",
            fw.id()
        );
    }
}

/// Every statement the raw-SQL export reads back is the plan's own: the
/// baseline of the comparison above is the plan.
#[test]
fn raw_sql_exports_read_back_as_the_plan() {
    for (name, plan) in postgres_plans() {
        let mut expected: Vec<String> = Vec::new();
        for step in plan
            .steps
            .iter()
            .filter(|s| !s.is_deploy_point() && !s.repeat)
        {
            for s in parse_source(&step.up, Dialect::Postgres).statements {
                expected.push(normalised(&s.sql, s.ast.as_ref()));
            }
        }
        for fw in NATIVE {
            if liquibase_property(fw, &name) {
                continue;
            }
            let files = export(
                fw,
                &without_operations(&plan),
                None,
                &name,
                "20261130120000",
            );
            let read: Vec<String> = read_back(fw, &files)
                .into_iter()
                .flat_map(|(_, up, _, _)| up)
                .collect();
            for statement in &expected {
                assert!(
                    read.contains(statement),
                    "{} {name}: {statement} not read back from\n{read:#?}",
                    fw.id()
                );
            }
        }
    }
}
