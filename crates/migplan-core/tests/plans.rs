//! Every plan pattern × dialect (`tests/fixtures/plans/<pattern>/<dialect>.sql`
//! against `tests/fixtures/rules/schema.<dialect>.sql`): every generated
//! statement re-parses, up then down returns the catalogue to its start,
//! up alone reaches the migration's own after-state (archives aside), and
//! the plan is snapshot-tested.
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;
use std::path::PathBuf;

use migplan_core::catalog::Catalog;
use migplan_core::diff::diff;
use migplan_core::plan::{Phase, Plan, PlanOptions, plan_sources, runbook, units};
use migplan_core::{Dialect, parse_source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn schema(d: Dialect) -> String {
    std::fs::read_to_string(root().join(format!("rules/schema.{}.sql", d.as_str())))
        .expect("schema")
}

fn render(p: &Plan) -> String {
    let mut out = String::new();
    for (i, s) in p.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {}{}{}{}",
            i + 1,
            s.phase.as_str(),
            s.title,
            s.lock
                .as_ref()
                .map(|l| format!(" · {l}"))
                .unwrap_or_default(),
            if s.transactional {
                ""
            } else {
                " · no transaction"
            },
            if s.repeat {
                " · repeat until 0 rows"
            } else {
                ""
            },
        );
        let _ = writeln!(out, "   up:\n{}", indent(&s.up));
        match &s.down {
            Some(d) => {
                let _ = writeln!(out, "   down:\n{}", indent(d));
            }
            None => {
                let _ = writeln!(out, "   down: none");
            }
        }
        if s.irreversible {
            let _ = writeln!(
                out,
                "   irreversible: {}",
                s.reason.as_deref().unwrap_or("")
            );
        }
        if let Some(dep) = &s.deploy {
            let _ = writeln!(out, "   >>> deploy: {dep}");
        }
    }
    for n in &p.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("     {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the checks on one plan; returns failures.
fn check(name: &str, d: Dialect, schema: &str, migration: &str, p: &Plan) -> Vec<String> {
    let mut fails = Vec::new();
    for (i, s) in p.steps.iter().enumerate() {
        for (what, sql) in [("up", Some(&s.up)), ("down", s.down.as_ref())] {
            let Some(sql) = sql else { continue };
            for st in parse_source(sql, d)
                .statements
                .iter()
                .filter(|st| !st.parsed())
            {
                fails.push(format!(
                    "{name}: step {} {what} does not parse: {}\n{}",
                    i + 1,
                    st.sql,
                    st.error
                        .as_ref()
                        .map(|e| e.message.clone())
                        .unwrap_or_default()
                ));
            }
        }
    }
    for (i, s) in p.steps.iter().enumerate() {
        if let Err(e) = runbook::checks_parse(d, &s.checks) {
            fails.push(format!("{name}: step {} check does not parse: {e}", i + 1));
        }
    }
    if let Err(e) = runbook::checks_parse(d, &p.validation) {
        fails.push(format!("{name}: validation does not parse: {e}"));
    }
    let before = Catalog::build(&parse_source(schema, d));
    let mut c = before.clone();
    c.apply_source(&parse_source(&p.up_script(), d));
    let mut expected = before.clone();
    expected.apply_source(&parse_source(migration, d));
    let mut end = c.clone();
    end.tables.retain(|t, _| !t.ends_with("_archive"));
    // A serial column is planned as an explicit sequence and default, which
    // the model tells apart from `serial`; everything else must match.
    let left: Vec<String> = diff(&expected, &end)
        .iter()
        .map(ToString::to_string)
        .filter(|c| !c.starts_with("+ sequence") && !c.contains("nextval("))
        .collect();
    if !left.is_empty() {
        fails.push(format!(
            "{name}: the plan does not reach the migration's schema: {left:?}"
        ));
    }
    c.apply_source(&parse_source(&p.down_script(), d));
    let back: Vec<String> = diff(&before, &c).iter().map(ToString::to_string).collect();
    if !back.is_empty() {
        fails.push(format!(
            "{name}: up then down does not return to the start: {back:?}"
        ));
    }
    fails
}

#[test]
fn every_pattern_and_dialect_round_trips() {
    let mut fails = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("plans"))
        .expect("plans")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let mut count = 0;
    for dir in dirs {
        let pattern = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for d in Dialect::ALL {
            let path = dir.join(format!("{}.sql", d.as_str()));
            let Ok(migration) = std::fs::read_to_string(&path) else {
                continue;
            };
            count += 1;
            let schema = schema(d);
            let p = plan_sources(d, PlanOptions::default(), &schema, &migration);
            let name = format!("{pattern}/{}", d.as_str());
            fails.extend(check(&name, d, &schema, &migration, &p));
            insta::assert_snapshot!(format!("{pattern}__{}", d.as_str()), render(&p));
        }
    }
    assert!(count >= 39, "only {count} fixtures");
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

#[test]
fn a_rename_has_phases_and_deploy_points_in_order() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
    );
    let phases: Vec<Phase> = p.steps.iter().map(|s| s.phase).collect();
    let mut sorted = phases.clone();
    sorted.sort();
    assert_eq!(phases, sorted);
    let deploys: Vec<&str> = p.steps.iter().filter_map(|s| s.deploy.as_deref()).collect();
    assert_eq!(deploys.len(), 2, "{deploys:?}");
    assert!(deploys[0].contains("reads users.full_name"), "{deploys:?}");
    assert!(
        deploys[1].contains("no longer uses users.name"),
        "{deploys:?}"
    );
    assert!(
        p.steps
            .iter()
            .any(|s| s.repeat && s.up.contains("LIMIT 1000"))
    );
    // Locking steps start with a lock timeout.
    let drop_old = p
        .steps
        .iter()
        .find(|s| s.title.starts_with("Drop the old column"))
        .expect("drop");
    assert!(
        drop_old.up.starts_with("SET lock_timeout = '2s';"),
        "{}",
        drop_old.up
    );
    assert_eq!(drop_old.lock.map(|l| l.as_str()), Some("ACCESS EXCLUSIVE"));
}

#[test]
fn options_change_the_sql() {
    let d = Dialect::Postgres;
    let o = PlanOptions {
        batch_size: 250,
        lock_timeout: "5s".parse().expect("a duration"),
        idempotent: false,
        ..PlanOptions::default()
    };
    let p = plan_sources(
        d,
        o,
        &schema(d),
        "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    );
    let up = p.up_script();
    assert!(up.contains("LIMIT 250"), "{up}");
    assert!(up.contains("SET lock_timeout = '5s'"), "{up}");
    assert!(!up.contains("IF NOT EXISTS"), "{up}");
}

#[test]
fn non_transactional_steps_are_units_of_their_own() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX users_nick ON users (nickname);",
    );
    let u = units(&p);
    let concurrent: Vec<_> = u
        .iter()
        .filter(|unit| unit.iter().any(|s| !s.transactional))
        .collect();
    assert_eq!(concurrent.len(), 1);
    assert_eq!(concurrent[0].len(), 1);
    assert!(
        u.iter().any(|unit| unit.len() == 2),
        "the two ADD COLUMNs share a unit"
    );
}

#[test]
fn tables_without_a_primary_key_get_a_note_and_a_fallback() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        "CREATE TABLE logs (msg text, level int);",
        "UPDATE logs SET level = 0;",
    );
    let s = &p.steps[0];
    assert!(s.up.contains("ctid IN (SELECT ctid FROM logs"), "{}", s.up);
    assert!(s.why.contains("no primary key"), "{}", s.why);
}

#[test]
fn the_runbook_has_checks_rollbacks_and_validation() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id);",
    );
    let md = runbook::markdown(&p, "rename name", &p.validation);
    for needle in [
        "# Runbook: rename name",
        "## Before you start",
        "pg_restore",
        "### Phase: expand",
        "### Phase: contract",
        "Verify (column users.full_name exists; expect 1)",
        "Verify (no row left to backfill; expect 0)",
        "Roll back:",
        "> **Deploy point:** code that reads users.full_name",
        "no orphan rows for foreign key orders_user_fk2",
        "SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid",
        "## Manual steps and dependencies",
    ] {
        assert!(md.contains(needle), "{needle} missing:\n{md}");
    }
    let txt = runbook::text(&p, "rename name", &p.validation);
    assert!(
        txt.contains("[ ] 1. Add users.full_name next to name"),
        "{txt}"
    );
    assert!(!txt.contains("```"));
}

#[test]
fn a_column_old_code_no_longer_reads_needs_no_deploy_before_the_drop() {
    let d = Dialect::Postgres;
    let m = "ALTER TABLE users DROP COLUMN age;";
    let all = plan_sources(d, PlanOptions::default(), &schema(d), m);
    assert!(all.steps.iter().any(|s| s.deploy_after));
    let o = PlanOptions {
        still_read: Some(vec!["users.name".into()]),
        ..PlanOptions::default()
    };
    let p = plan_sources(d, o, &schema(d), m);
    assert!(!p.steps.iter().any(|s| s.deploy_after), "{:?}", p.steps);
    assert!(
        p.steps
            .iter()
            .any(|s| s.up.contains("DROP COLUMN IF EXISTS age"))
    );
}

#[test]
fn an_older_sqlite_gets_a_rebuild_where_alter_is_missing() {
    let d = Dialect::Sqlite;
    let m = "ALTER TABLE orders DROP COLUMN note;";
    let current = plan_sources(d, PlanOptions::default(), &schema(d), m);
    assert!(
        current.steps.iter().any(|s| s.up.contains("DROP COLUMN")),
        "{:?}",
        current.steps
    );
    let old = PlanOptions {
        sqlite_version: Some("3.31.1".into()),
        ..PlanOptions::default()
    };
    let p = plan_sources(d, old.clone(), &schema(d), m);
    assert_eq!(p.steps.len(), 1, "{:?}", p.steps);
    assert!(
        p.steps[0].up.contains("INSERT INTO orders_new"),
        "{}",
        p.steps[0].up
    );
    assert!(!p.steps[0].up.contains("DROP COLUMN"));
    assert!(old.sqlite_at_least(3, 31) && !old.sqlite_at_least(3, 35));
    let rename = plan_sources(
        d,
        old,
        &schema(d),
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
    );
    // The rename pattern ends with DROP COLUMN: on 3.31 it is one rebuild
    // that carries the values over under the new name.
    assert_eq!(rename.steps.len(), 1, "{:?}", rename.steps);
    assert!(
        rename.steps[0].up.contains("full_name"),
        "{}",
        rename.steps[0].up
    );
}

#[test]
fn names_in_the_runbook_are_text_not_markdown_or_html() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        "CREATE TABLE \"<img src=x onerror=alert(1)>\" (id int PRIMARY KEY);",
        "ALTER TABLE \"<img src=x onerror=alert(1)>\" ADD COLUMN \"[a](javascript:x)\" text NOT NULL DEFAULT '```';",
    );
    let md = runbook::markdown(&p, "<b>title</b>", &p.validation);
    // The text outside fenced code blocks (a fence closes on its own run
    // of backticks).
    let mut prose = String::new();
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line
            .trim_start()
            .chars()
            .take_while(|c| *c == '`')
            .collect();
        match &fence {
            Some(open) if line.trim() == open.as_str() => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => prose.push_str(line),
        }
    }
    // Every < and every link's ]( outside code is escaped.
    let escaped = |text: &str| {
        prose
            .match_indices(text)
            .all(|(at, _)| prose[..at].ends_with('\\'))
    };
    assert!(escaped("<") && escaped("]("), "{prose}");
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    // The text version reads as plain text again.
    let txt = runbook::text(&p, "t", &p.validation);
    assert!(txt.contains("<img src=x onerror=alert(1)>"), "{txt}");
}

#[test]
fn a_using_expression_rewrites_only_the_column_it_names() {
    // The column is `id`; `paid` and `'id'` merely contain the letters.
    let p = plan_sources(
        Dialect::Postgres,
        PlanOptions::default(),
        "CREATE TABLE orders (oid int PRIMARY KEY, id text, paid boolean);",
        "ALTER TABLE orders ALTER COLUMN id TYPE bigint USING CASE WHEN paid THEN id::bigint ELSE length('id') END;",
    );
    let sql: String = p.steps.iter().map(|s| s.up.clone() + "\n").collect();
    assert!(sql.contains("WHEN paid THEN NEW.id::BIGINT"), "{sql}");
    assert!(sql.contains("length('id')"), "{sql}");
    assert!(!sql.contains("pNEW.") && !sql.contains("'NEW.id'"), "{sql}");
}

/// `progress.txt` is written by the same code as the Markdown runbook, not
/// converted from it: its SQL is exactly the plan's (MySQL's backticks and
/// backslashes included), with no Markdown fences or escapes.
#[test]
fn the_text_runbook_keeps_sql_as_the_plan_has_it() {
    let p = plan_sources(
        Dialect::Mysql,
        PlanOptions::default(),
        "CREATE TABLE `select` (id int PRIMARY KEY, note text);",
        "ALTER TABLE `select` MODIFY note varchar(20);\nUPDATE `select` SET note = 'a\\\\b';",
    );
    let txt = runbook::text(&p, "quoted", &p.validation);
    let sql: Vec<&str> = p.steps.iter().map(|s| s.up.as_str()).collect();
    assert!(sql.iter().any(|s| s.contains("`select`")), "{sql:?}");
    for step in p.steps.iter().filter(|s| !s.is_deploy_point()) {
        for line in step.up.lines() {
            assert!(txt.contains(line), "{line:?} missing from:\n{txt}");
        }
    }
    assert!(!txt.contains("```"), "{txt}");
}

/// A migration that removes duplicates and then adds the UNIQUE index they
/// would break: the index is never moved before the data changes.
#[test]
fn data_changes_stay_before_the_indexes_they_make_possible() {
    for d in Dialect::ALL {
        let migration = std::fs::read_to_string(
            root().join(format!("plans/dedupe-then-unique/{}.sql", d.as_str())),
        )
        .expect("fixture");
        let p = plan_sources(d, PlanOptions::default(), &schema(d), &migration);
        let first = |needle: &str| {
            p.steps
                .iter()
                .position(|s| s.up.contains(needle))
                .unwrap_or_else(|| panic!("{d}: no step with {needle}: {:#?}", p.steps))
        };
        let index = first("UNIQUE INDEX");
        assert!(first("DELETE FROM") < index, "{d}: {:#?}", p.steps);
        assert!(first("UPDATE") < index, "{d}: {:#?}", p.steps);
        let phases: Vec<Phase> = p.steps.iter().map(|s| s.phase).collect();
        assert!(phases.is_sorted(), "{d}: {phases:?}");
        if d == Dialect::Postgres {
            assert!(
                p.notes
                    .iter()
                    .any(|n| n.starts_with("line 3: kept after line 2")),
                "{:?}",
                p.notes
            );
        }
        // Never "safe to run as written" next to "irreversible".
        for s in &p.steps {
            assert!(
                !(s.irreversible && s.why.contains("Safe to run")),
                "{d}: {s:#?}"
            );
        }
    }
}

/// Dropping an index and creating one of the same name: the create stays
/// after the drop although a drop is a contract step.
#[test]
fn a_name_dropped_then_created_again_keeps_its_order() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "DROP INDEX orders_status_idx;\nCREATE INDEX orders_status_idx ON orders (status, id);",
    );
    let drop = p
        .steps
        .iter()
        .position(|s| s.up.contains("DROP INDEX"))
        .expect("drop");
    let create = p
        .steps
        .iter()
        .position(|s| s.up.contains("CREATE INDEX"))
        .expect("create");
    assert!(drop < create, "{:#?}", p.steps);
    // Independent statements still move: an added column goes before a drop.
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE users DROP COLUMN age;\nALTER TABLE users ADD COLUMN birth_year integer;",
    );
    let add = p
        .steps
        .iter()
        .position(|s| s.up.contains("ADD COLUMN"))
        .expect("add");
    let drop = p
        .steps
        .iter()
        .position(|s| s.up.contains("DROP COLUMN"))
        .expect("drop");
    assert!(add < drop, "{:#?}", p.steps);
}

/// An index whose name the schema already has: the plan does not add
/// IF NOT EXISTS, which would make the build silently do nothing.
#[test]
fn an_existing_index_name_is_not_hidden_by_if_not_exists() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "CREATE INDEX orders_status_idx ON orders (status) WHERE status IS NOT NULL;",
    );
    let build = p
        .steps
        .iter()
        .find(|s| s.up.contains("CREATE INDEX CONCURRENTLY"))
        .expect("build");
    assert!(!build.up.contains("IF NOT EXISTS"), "{}", build.up);
    let fresh = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "CREATE INDEX orders_total_idx ON orders (total);",
    );
    assert!(fresh.up_script().contains("IF NOT EXISTS"));
}

/// A rename carries every index that uses the column (an operator class
/// with a partial WHERE, an expression) to the new column, built
/// concurrently before the old column goes, and the down rebuilds them.
#[test]
fn a_renamed_column_keeps_its_indexes() {
    let d = Dialect::Postgres;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
    );
    let up = p.up_script();
    for needle in [
        "CREATE INDEX CONCURRENTLY users_name_pattern_idx_new ON users (full_name text_pattern_ops) WHERE full_name <> ''",
        "CREATE INDEX CONCURRENTLY users_lower_name_idx_new ON users (lower(full_name))",
        "ALTER INDEX users_name_pattern_idx_new RENAME TO users_name_pattern_idx",
    ] {
        assert!(up.contains(needle), "{needle}\n{up}");
    }
    let down = p.down_script();
    assert!(
        down.contains(
            "CREATE INDEX users_name_pattern_idx ON users (name text_pattern_ops) WHERE name <> ''"
        ),
        "{down}"
    );
    // The same on a type change.
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(200);",
    );
    assert!(
        p.up_script().contains("(lower(name_new))"),
        "{}",
        p.up_script()
    );
}

/// SQLite refuses to drop a column an index uses: the plan drops the index
/// first, and its down builds it again.
#[test]
fn a_sqlite_drop_of_an_indexed_column_drops_the_index_first() {
    let d = Dialect::Sqlite;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE orders DROP COLUMN note;",
    );
    let drop = p
        .steps
        .iter()
        .find(|s| s.up.contains("DROP COLUMN"))
        .expect("drop step");
    let index_at = drop.up.find("DROP INDEX").expect("index dropped");
    assert!(
        index_at < drop.up.find("DROP COLUMN").unwrap_or(0),
        "{}",
        drop.up
    );
    assert!(
        drop.down
            .as_deref()
            .is_some_and(|down| down.contains("CREATE INDEX orders_note_idx")),
        "{drop:#?}"
    );
}

/// MySQL commits DDL implicitly: its DDL steps say so instead of "in a
/// transaction"; a data change and PostgreSQL DDL do not.
#[test]
fn mysql_ddl_steps_commit_implicitly() {
    let d = Dialect::Mysql;
    let p = plan_sources(
        d,
        PlanOptions::default(),
        &schema(d),
        "ALTER TABLE `users` ADD COLUMN `nickname` varchar(30) NULL;\nUPDATE `users` SET `name` = NULL WHERE `name` = '';",
    );
    let add = p
        .steps
        .iter()
        .find(|s| s.up.contains("ADD COLUMN"))
        .expect("add");
    assert!(add.implicit_commit, "{add:#?}");
    assert_eq!(add.transaction_label(), "commits at once (MySQL DDL)");
    let update = p
        .steps
        .iter()
        .find(|s| s.up.contains("UPDATE"))
        .expect("update");
    assert_eq!(update.transaction_label(), "in a transaction");
    let pg = plan_sources(
        Dialect::Postgres,
        PlanOptions::default(),
        &schema(Dialect::Postgres),
        "ALTER TABLE users ADD COLUMN nickname text;",
    );
    assert!(pg.steps.iter().all(|s| !s.implicit_commit));
}

/// A rename carries the constraints on the column: a unique key attached
/// to an index built beforehand, a foreign key and a check added NOT VALID
/// then validated; the down puts them back on the old column.
#[test]
fn a_renamed_column_keeps_its_constraints() {
    let d = Dialect::Postgres;
    let schema = "CREATE TABLE users (id int PRIMARY KEY);\n\
        CREATE TABLE owners (crate_id int NOT NULL, user_id int NOT NULL,\n\
          CONSTRAINT owners_unique UNIQUE (user_id, crate_id),\n\
          CONSTRAINT owners_user_fk FOREIGN KEY (user_id) REFERENCES users (id),\n\
          CONSTRAINT owners_positive CHECK (user_id > 0));";
    let p = plan_sources(
        d,
        PlanOptions::default(),
        schema,
        "ALTER TABLE owners RENAME user_id TO owner_id;",
    );
    let up = p.up_script();
    for needle in [
        "CREATE UNIQUE INDEX CONCURRENTLY owners_unique_new ON owners (owner_id, crate_id)",
        "ADD CONSTRAINT owners_unique UNIQUE USING INDEX owners_unique_new",
        "ADD CONSTRAINT owners_user_fk FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID",
        "ADD CONSTRAINT owners_positive CHECK (owner_id > 0) NOT VALID",
        "VALIDATE CONSTRAINT owners_positive",
    ] {
        assert!(up.contains(needle), "{needle}\n{up}");
    }
    let down = p.down_script();
    assert!(
        down.contains("ADD CONSTRAINT owners_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"),
        "{down}"
    );
    let failures = check(
        "rename with constraints",
        d,
        schema,
        "ALTER TABLE owners RENAME user_id TO owner_id;",
        &p,
    );
    assert!(failures.is_empty(), "{failures:?}");
}

/// Issue: plans implement their own advice. For every rule and dialect,
/// the plan of the rule's risky fixture does something other than run the
/// flagged statement as written (another statement, a later phase, a lock
/// timeout for `missing-lock-timeout`), unless the rule says the plan keeps
/// it as written there, and why; a rule that says so is held to it, and the
/// plan's notes carry the reason.
#[test]
fn plans_follow_each_rules_advice_or_say_why_not() {
    let mut failures = Vec::new();
    for rule in migplan_core::rules::ALL {
        for &d in rule.dialects {
            let path = root()
                .join("rules")
                .join(rule.id)
                .join(format!("{}.risky.sql", d.as_str()));
            let Ok(migration) = std::fs::read_to_string(&path) else {
                continue;
            };
            let options = migration
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("-- pg-version: "))
                .map(|v| {
                    migplan_core::Options::with_pg_version(v.trim().parse().expect("version"))
                        .expect("known")
                })
                .unwrap_or_default();
            let session = migplan_core::Session::new(d, options, &schema(d), &migration);
            let plan = migplan_core::plan::plan(&session, PlanOptions::default());
            let lines: Vec<usize> = session
                .analysis()
                .report
                .active_findings()
                .filter(|f| f.rule == rule.id)
                .map(|f| f.line)
                .collect();
            let kept = lines
                .iter()
                .any(|&line| kept_as_written(&session, &plan, line, rule.id));
            match (rule.as_written_in_plan(d), kept) {
                (None, true) => failures.push(format!(
                    "{} ({}): the plan runs it as written; implement the advice or say why in as_written_in_plan",
                    rule.id,
                    d.as_str()
                )),
                (Some(_), false) => failures.push(format!(
                    "{} ({}): the plan follows the advice now; drop it from as_written_in_plan",
                    rule.id,
                    d.as_str()
                )),
                (Some(why), true) => {
                    if !plan.notes.iter().any(|n| n.contains(why)) {
                        failures.push(format!("{}: no note says why: {:?}", rule.id, plan.notes));
                    }
                }
                (None, false) => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether the plan's steps for `line` are the statement as written: one
/// kept in the first phase, unchanged but for the lock timeout (which is
/// itself the advice of `missing-lock-timeout`).
fn kept_as_written(session: &migplan_core::Session, plan: &Plan, line: usize, rule: &str) -> bool {
    let statement = session
        .migration()
        .find(|s| s.line == line)
        .map(|s| s.sql.trim().trim_end_matches(';').to_string())
        .unwrap_or_default();
    let steps: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| s.line == line && !s.title.starts_with("Deploy"))
        .collect();
    steps.iter().all(|s| {
        let timeout = "SET lock_timeout = '2s';\n";
        if rule == "missing-lock-timeout" && s.up.starts_with(timeout) {
            return false;
        }
        let up =
            s.up.trim_start_matches(timeout)
                .trim()
                .trim_end_matches(';');
        s.title.starts_with("Run as written") && s.phase == Phase::Expand && up == statement
    })
}
