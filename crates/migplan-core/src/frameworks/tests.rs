use std::path::{Path, PathBuf};

use super::*;
use crate::plan::{PlanOptions, plan_sources};
use crate::{Dialect, parse_source};

fn read_tree(root: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                let text =
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
                out.push((rel, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn detect_tree(files: &[(String, String)]) -> Option<Detection> {
    let refs: Vec<File> = files
        .iter()
        .map(|(p, t)| File { path: p, text: t })
        .collect();
    detect(&refs)
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

#[test]
fn every_framework_is_detected_from_its_fixture_tree() {
    for fw in Framework::ALL {
        let files = read_tree(&fixtures().join("projects").join(fw.id()));
        assert!(!files.is_empty(), "no fixture tree for {}", fw.id());
        let d = detect_tree(&files).unwrap_or_else(|| panic!("{}: nothing detected", fw.id()));
        assert_eq!(d.framework, fw, "{}: {:?}", fw.id(), d.evidence);
        assert!(
            !d.migrations.is_empty(),
            "{}: no migrations listed",
            fw.id()
        );
    }
}

#[test]
fn migrations_are_ordered_and_paired() {
    let files = read_tree(&fixtures().join("projects/golang-migrate"));
    let d = detect_tree(&files).expect("detected");
    let versions: Vec<&str> = d.migrations.iter().map(|m| m.version.as_str()).collect();
    assert_eq!(versions, ["000001", "000002"]);
    assert_eq!(
        d.migrations[0].down_path.as_deref(),
        Some("migrations/000001_create_users.down.sql")
    );
    assert_eq!(d.missing_down, ["000002_add_email"]);
    let d = detect_tree(&read_tree(&fixtures().join("projects/dbmate"))).expect("dbmate");
    assert_eq!(
        d.missing_down,
        ["20260102120000_add_email"],
        "an empty down section is no down"
    );
    let d = detect_tree(&read_tree(&fixtures().join("projects/alembic"))).expect("alembic");
    assert!(
        d.migrations[0].name.starts_with("1a2b3c4d5e6f"),
        "{:?}",
        d.migrations
    );
    let d = detect_tree(&read_tree(&fixtures().join("projects/rails"))).expect("rails");
    assert_eq!(d.schema_file.as_deref(), Some("db/structure.sql"));
}

#[test]
fn the_corpus_folders_are_detected() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.is_dir() {
        corpus_missing("corpus detection");
        return;
    }
    for (folder, fw, min) in [
        ("rust-lang__crates.io", Framework::Diesel, 200),
        ("ory__kratos", Framework::GolangMigrate, 100),
        ("authelia__authelia", Framework::GolangMigrate, 20),
        ("umami-software__umami", Framework::Prisma, 5),
        ("supabase__postgres", Framework::Dbmate, 20),
    ] {
        let files: Vec<(String, String)> = read_tree(&corpus.join(folder))
            .into_iter()
            .filter(|(p, _)| p != "MANIFEST.txt")
            .collect();
        let d = detect_tree(&files).unwrap_or_else(|| panic!("{folder}: nothing detected"));
        assert_eq!(d.framework, fw, "{folder}: {:?}", d.evidence);
        assert!(
            d.migrations.len() >= min,
            "{folder}: {} migrations",
            d.migrations.len()
        );
        let keys: Vec<Vec<u128>> = d
            .migrations
            .iter()
            .map(|m| fw.spec().version_order.key(&m.version))
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] <= w[1]),
            "{folder}: not in order"
        );
    }
}

#[test]
fn next_versions_continue_the_numbering() {
    let m = |v: &str| Migration {
        version: v.into(),
        name: "x".into(),
        up_path: String::new(),
        down_path: None,
    };
    assert_eq!(next_version(&[m("000002")], "20261124120000", 0), "000003");
    assert_eq!(next_version(&[m("000002")], "20261124120000", 1), "000004");
    assert_eq!(next_version(&[m("2")], "20261124120000", 0), "3");
    assert_eq!(
        next_version(&[m("20260102120000")], "20261124120000", 1),
        "20261124120001"
    );
    assert_eq!(
        next_version(&[m("2026-01-02-120000")], "20261124120000", 0),
        "2026-11-24-120000"
    );
    assert_eq!(next_version(&[], "20261124120000", 2), "20261124120002");
}

/// The SQL statements of an exported SQL file parse, except the loop
/// wrappers around backfills (DO blocks and procedures), which our parser
/// keeps whole and labels.
fn assert_sql_parses(path: &str, text: &str, d: Dialect) {
    for s in parse_source(text, d)
        .statements
        .iter()
        .filter(|s| !s.parsed())
    {
        let m = s.error.as_ref().map(|e| e.message.as_str()).unwrap_or("");
        assert!(
            m.starts_with("not analysed: DO block") || m.starts_with("not analysed: routine body"),
            "{path}: {}\n{m}",
            s.sql
        );
    }
}

#[test]
fn every_framework_exports_the_plan_in_its_conventions() {
    let d = Dialect::Postgres;
    let schema =
        std::fs::read_to_string(fixtures().join("rules/schema.postgres.sql")).expect("schema");
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema,
        "ALTER TABLE users RENAME COLUMN name TO full_name;\nCREATE INDEX users_email_idx ON users (email);",
    );
    for fw in Framework::ALL {
        let files = export(fw, &p, None, "rename name", "20261124120000");
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(
            paths.contains(&"RUNBOOK.md") && paths.contains(&"progress.txt"),
            "{paths:?}"
        );
        let all: String = files.iter().map(|f| f.content.as_str()).collect();
        assert!(
            all.contains("ADD COLUMN full_name text"),
            "{}: {paths:?}",
            fw.id()
        );
        assert!(all.contains("CREATE INDEX CONCURRENTLY"), "{}", fw.id());
        assert!(
            all.contains("DEPLOY"),
            "{}: deploy points are written down",
            fw.id()
        );
        // The backfill loops until done.
        assert!(all.contains("EXIT WHEN n = 0"), "{}", fw.id());
        for f in &files {
            if f.path.ends_with(".sql") {
                assert_sql_parses(&f.path, &f.content, d);
            }
        }
    }
    // Spot checks of each convention.
    let by = |fw: Framework| export(fw, &p, None, "rename name", "20261124120000");
    let fly = by(Framework::Flyway);
    assert!(fly.iter().any(|f| {
        f.path
            .starts_with("db/migration/V20261124120000__rename_name_1_")
            && f.path.ends_with(".sql")
    }));
    assert!(
        fly.iter()
            .any(|f| f.path.ends_with(".sql.conf") && f.content == "executeInTransaction=false\n")
    );
    assert!(fly.iter().any(|f| f.path.contains("/U20261124120000__")));
    let goose = by(Framework::Goose);
    assert!(goose.iter().any(|f| {
        f.content
            .starts_with("-- +goose NO TRANSACTION\n-- +goose Up\n")
    }));
    assert!(
        goose
            .iter()
            .any(|f| f.content.contains("-- +goose StatementBegin\n"))
    );
    let diesel = by(Framework::Diesel);
    assert!(
        diesel.iter().any(|f| f.path.ends_with("/metadata.toml")
            && f.content.contains("run_in_transaction = false"))
    );
    let rails = by(Framework::Rails);
    assert!(rails.iter().any(|f| f.content.contains("disable_ddl_transaction!")
        && f.content.contains(
            "add_index 'users', ['email'], name: 'users_email_idx', algorithm: :concurrently, if_not_exists: true"
        )));
    assert!(rails.iter().any(|f| f.content.contains("execute <<~'SQL'")));
    let django = by(Framework::Django);
    assert!(
        django
            .iter()
            .any(|f| f.content.contains("atomic = False") && f.content.contains("reverse_sql="))
    );
    let alembic = by(Framework::Alembic);
    assert!(alembic.iter().any(|f| f.content.contains("autocommit_block()")
        && f.content.contains("op.create_index(\"users_email_idx\", \"users\", [\"email\"], postgresql_concurrently=True, if_not_exists=True)")));
    let ef = by(Framework::EfCore);
    assert!(
        ef.iter()
            .any(|f| f.content.contains("suppressTransaction: true"))
    );
    let liquibase = by(Framework::Liquibase);
    assert!(
        liquibase[0].content.contains("runInTransaction=\"false\"")
            && liquibase[0].content.contains("<rollback>")
    );
    let prisma = by(Framework::Prisma);
    assert!(prisma.iter().all(|f| !f.path.contains("down")));
}

#[test]
fn export_continues_an_existing_project() {
    let files = read_tree(&fixtures().join("projects/golang-migrate"));
    let det = detect_tree(&files).expect("detected");
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        "CREATE TABLE users (id bigint PRIMARY KEY, name text, email text);",
        "ALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX users_bio ON users (bio);",
    );
    let out = export(
        Framework::GolangMigrate,
        &p,
        Some(&det),
        "add bio",
        "20261124120000",
    );
    let paths: Vec<&str> = out.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths
            .contains(&"migrations/000003_add_bio_1_run_as_written_alter_table_users_add_c.up.sql"),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(
            |p| p.starts_with("migrations/000004_add_bio_2_build_index_users_bio")
                && p.ends_with(".down.sql")
        ),
        "{paths:?}"
    );
}

#[test]
fn the_zip_holds_every_file() {
    use std::io::Read as _;
    let files = vec![
        ExportFile {
            path: "migrations/000001_a.up.sql".into(),
            content: "SELECT 1;\n".into(),
        },
        ExportFile {
            path: "RUNBOOK.md".into(),
            content: "# Runbook\n".into(),
        },
    ];
    let bytes = zip(&files).expect("zip");
    let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("readable");
    assert_eq!(archive.len(), 2);
    let mut text = String::new();
    archive
        .by_name("migrations/000001_a.up.sql")
        .expect("file")
        .read_to_string(&mut text)
        .expect("read");
    assert_eq!(text, "SELECT 1;\n");
}

#[test]
fn a_project_fills_the_inputs_with_its_latest_migration_and_down() {
    let inputs = |fw: &str| {
        let files = read_tree(&fixtures().join("projects").join(fw));
        let refs: Vec<File> = files
            .iter()
            .map(|(p, t)| File { path: p, text: t })
            .collect();
        let d = detect(&refs).expect(fw);
        project_inputs(&refs, &d, crate::Dialect::Postgres)
    };
    // dbmate: up and down in one file; no dump, so the earlier migration
    // is the schema.
    let i = inputs("dbmate");
    let (path, up) = i.migration.expect("latest");
    assert!(path.ends_with("20260102120000_add_email.sql"), "{path}");
    assert!(up.contains("ADD COLUMN email"));
    let (schema_from, schema) = i.schema.expect("schema");
    assert_eq!(schema_from, "1 earlier migrations");
    assert!(schema.contains("CREATE TABLE users") && !schema.contains("DROP TABLE"));
    assert!(
        i.down.is_none(),
        "the latest file's down section is empty: {:?}",
        i.down
    );
    // golang-migrate: the down is its own file when there is one.
    let i = inputs("golang-migrate");
    assert!(
        i.migration
            .expect("latest")
            .0
            .ends_with("000002_add_email.up.sql")
    );
    // Rails: the dump is SQL; the latest migration is the Ruby itself,
    // which migplan reads.
    let i = inputs("rails");
    assert!(
        i.schema
            .expect("structure.sql")
            .0
            .ends_with("structure.sql")
    );
    let (path, ruby) = i.migration.expect("the Ruby migration");
    assert!(path.ends_with("20260102120000_add_email.rb"), "{path}");
    assert!(
        ruby.contains("add_column :users, :email, :string"),
        "{ruby}"
    );
    assert!(i.down.is_none());
    // Ecto: no dump, so the earlier Elixir migration, read as the SQL it
    // runs, is the schema.
    let i = inputs("ecto");
    let (from, schema) = i.schema.expect("schema from the history");
    assert_eq!(from, "1 earlier migrations");
    assert!(
        schema.contains("CREATE TABLE users") && schema.contains("inserted_at"),
        "{schema}"
    );
    assert!(
        i.migration
            .expect("latest")
            .1
            .contains("alter table(:users)")
    );
}

#[test]
fn the_down_section_of_a_marked_file() {
    let f = "-- migrate:up\nALTER TABLE t ADD c int;\n\n-- migrate:down\nALTER TABLE t DROP c;\n";
    assert_eq!(down_section(f).as_deref(), Some("ALTER TABLE t DROP c;\n"));
    assert_eq!(down_section("SELECT 1;"), None);
    let goose = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n";
    assert_eq!(down_section(goose).as_deref(), Some("SELECT 2;\n"));
}

#[test]
fn every_step_of_a_long_named_change_gets_its_own_file() {
    let schema: String = (0..12)
        .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, a text);\n"))
        .collect();
    let migration: String = (0..12)
        .map(|i| {
            format!("CREATE INDEX ix_{i} ON t{i} (a);\nALTER TABLE t{i} RENAME COLUMN a TO b;\n")
        })
        .collect();
    let p = plan_sources(
        Dialect::Postgres,
        PlanOptions::default(),
        &schema,
        &migration,
    );
    assert!(p.steps.len() >= 12, "{}", p.steps.len());
    let name = "a very long change name that goes on and on for ever";
    for fw in Framework::ALL {
        let files = export(fw, &p, None, name, "20261124120000");
        let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let count = paths.len();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), count, "{}: a file name repeats", fw.id());
    }
}

#[test]
fn names_cannot_end_a_comment_or_a_string_in_exported_files() {
    let schema = "CREATE TABLE \"x\nDROP TABLE users; --\" (id int PRIMARY KEY, a text);\n\
                  CREATE TABLE users (id int PRIMARY KEY);\n";
    let migration = "ALTER TABLE \"x\nDROP TABLE users; --\" ADD COLUMN b text;\n\
                     CREATE INDEX \"ix\nDROP TABLE users; --\" ON \"x\nDROP TABLE users; --\" (a);\n\
                     INSERT INTO users (id) SELECT length('\nSQL\n#{`touch pwned`}\n\"\"\"\n${1}\n');\n";
    let p = plan_sources(Dialect::Postgres, PlanOptions::default(), schema, migration);
    for fw in Framework::ALL {
        for f in export(fw, &p, None, "odd", "20261124120000") {
            let lines: Vec<&str> = f.content.lines().collect();
            for pair in lines.windows(2) {
                let comment = ["--", "#", "//"]
                    .iter()
                    .any(|c| pair[0].trim_start().starts_with(c));
                assert!(
                    !(comment && pair[1].trim_start().starts_with("DROP TABLE users")),
                    "{}: a name broke out of a comment:\n{}",
                    f.path,
                    f.content
                );
            }
            if f.path.ends_with(".rb") {
                assert!(!f.content.contains("execute <<~SQL"), "{}", f.content);
                if f.content.contains("touch pwned") {
                    assert!(f.content.contains("execute <<~'SQL_'"), "{}", f.content);
                }
            }
            if f.path.ends_with(".py") {
                assert!(!f.content.contains("\n\"\"\"\n${1}"), "{}", f.content);
            }
        }
    }
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

#[test]
fn every_framework_is_declared_once_under_its_own_id() {
    let mut ids = std::collections::BTreeSet::new();
    for f in Framework::ALL {
        let spec = f.spec();
        assert_eq!(spec.framework, f, "{} declares another framework", spec.id);
        assert_eq!(Framework::from_id(spec.id), Some(f));
        assert!(ids.insert(spec.id), "{} declared twice", spec.id);
        assert_eq!(
            spec.has_down,
            !matches!(f, Framework::Prisma | Framework::Drizzle),
            "{}: only Prisma and Drizzle keep no downs",
            spec.id
        );
    }
}

/// Diesel orders versions as the string of their digits, dashes dropped:
/// a `-0000` suffix sorts after the same timestamp without one, and
/// before the next second (the order crates.io's history was applied in).
#[test]
fn diesel_orders_versions_as_digit_strings() {
    let mut versions = vec![
        "2026-05-27-120000-0000",
        "2026-01-20-162913",
        "2026-05-27-120000",
        "2025-11-19-091444-0000",
        "20170309122510",
        "2017-08-31-230457",
    ];
    let order = Framework::Diesel.spec().version_order;
    versions.sort_by_key(|v| order.key(v));
    assert_eq!(
        versions,
        [
            "20170309122510",
            "2017-08-31-230457",
            "2025-11-19-091444-0000",
            "2026-01-20-162913",
            "2026-05-27-120000",
            "2026-05-27-120000-0000",
        ]
    );
}

/// Nine steps exported for every framework, alone and after a project's
/// own migrations: each framework's own detection reads the files back,
/// its ordering rule puts them in the plan's order, after the project's
/// latest, with no version twice, in the project's style.
#[test]
fn exports_sort_in_plan_order_by_each_frameworks_own_rule() {
    let schema: String = (0..9)
        .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, a text);\n"))
        .collect();
    let migration: String = (0..9)
        .map(|i| format!("CREATE INDEX ix_{i} ON t{i} (a);\n"))
        .collect();
    let plan = plan_sources(
        Dialect::Postgres,
        PlanOptions::default(),
        &schema,
        &migration,
    );
    assert_eq!(crate::plan::units(&plan).len(), 9);
    let project = |version: &str| Migration {
        version: version.into(),
        name: "earlier".into(),
        up_path: String::new(),
        down_path: None,
    };
    let mut checked = 0;
    let one_step = plan_sources(
        Dialect::Postgres,
        PlanOptions::default(),
        "CREATE TABLE t (id int PRIMARY KEY, a text);",
        "CREATE INDEX ix ON t (a);",
    );
    for fw in Framework::ALL {
        let order = fw.spec().version_order;
        // A project in the framework's own style: one migration it wrote
        // a while ago (Diesel: also both of its stamp styles).
        let own: Vec<Migration> = {
            let files = export(fw, &one_step, None, "earlier", "20250101000000");
            let owned: Vec<(String, String)> = files
                .iter()
                .map(|f| (f.path.clone(), f.content.clone()))
                .collect();
            detect_tree(&owned)
                .map(|d| d.migrations)
                .unwrap_or_default()
        };
        let mut projects: Vec<Vec<Migration>> = vec![Vec::new(), own];
        if fw == Framework::Diesel {
            projects.push(vec![project("2026-05-27-120000-0000")]);
            projects.push(vec![project("2026-05-27-120000")]);
            projects.push(vec![project("20991231235959")]);
        }
        for existing in &projects {
            let detection = Detection {
                migrations: existing.to_vec(),
                ..empty_detection(fw)
            };
            let files = export(fw, &plan, Some(&detection), "nine", "20261124120000");
            let owned: Vec<(String, String)> = files
                .iter()
                .map(|f| (f.path.clone(), f.content.clone()))
                .collect();
            let Some(found) = detect_tree(&owned).filter(|f| f.framework == fw) else {
                continue;
            };
            if found.migrations.len() != 9 {
                continue;
            }
            checked += 1;
            let mut versions: Vec<&str> = found
                .migrations
                .iter()
                .map(|m| m.version.as_str())
                .collect();
            let written = versions.clone();
            versions.sort_by_key(|v| order.key(v));
            versions.dedup();
            assert_eq!(
                versions.len(),
                9,
                "{}: a version repeats: {written:?}",
                fw.id()
            );
            let mut by_rule = found.migrations.clone();
            by_rule.sort_by_key(|m| order.key(&m.version));
            let numbers: Vec<String> = by_rule
                .iter()
                .map(|m| {
                    // The unit's number follows the change's name, in any
                    // case style (nine_1_..., Nine1...).
                    let lower = m.name.to_lowercase();
                    let after = lower.find("nine").map_or("", |at| &lower[at + 4..]);
                    after
                        .trim_start_matches(|c: char| !c.is_ascii_digit())
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect()
                })
                .collect();
            let expected: Vec<String> = (1..=9).map(|n| n.to_string()).collect();
            assert_eq!(numbers, expected, "{}: {written:?}", fw.id());
            // Liquibase orders by position in its changelog, not by version.
            if let Some(latest) = existing.last().filter(|_| fw != Framework::Liquibase) {
                assert!(
                    order.key(versions[0]) > order.key(&latest.version),
                    "{}: {} not after {}",
                    fw.id(),
                    versions[0],
                    latest.version
                );
                if latest.version.ends_with("-0000") {
                    assert!(versions.iter().all(|v| v.ends_with("-0000")), "{written:?}");
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} exports read back");
}

fn empty_detection(fw: Framework) -> Detection {
    let spec = fw.spec();
    Detection {
        framework: fw,
        label: spec.label,
        evidence: Vec::new(),
        naming: spec.naming,
        ordering: spec.ordering,
        transactions: spec.transactions,
        migrations: Vec::new(),
        missing_down: Vec::new(),
        schema_file: None,
        dir: spec.default_dir.to_string(),
    }
}
