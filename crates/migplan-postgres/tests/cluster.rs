//! The throwaway cluster and the scratch database: they work, they keep
//! user statements away from the server's files and programs, and they
//! leave nothing behind.

mod common;

use std::collections::BTreeSet;

use migplan_core::engine::Engine;
use migplan_core::simulate::postgres::{catalog, run};
use migplan_postgres::scratch::Scratch;

fn run_file(engine: &mut dyn Engine, sql: &str, transaction: bool) -> Result<usize, run::Failure> {
    pollster::block_on(run::run_file(engine, sql, transaction))
}

fn snapshot(engine: &mut dyn Engine) -> Result<BTreeSet<String>, String> {
    pollster::block_on(catalog::snapshot(engine))
}

#[test]
fn a_scratch_database_runs_statements_as_a_role_without_rights_and_is_gone_after() {
    let Some(cluster) = common::cluster() else {
        return;
    };
    let dir = cluster.dir().to_path_buf();
    assert!(dir.exists());
    let (dbname, admin) = {
        let mut scratch = Scratch::on_cluster(&cluster, 5).expect("scratch");
        let client = &mut scratch.engine().expect("engine");
        run_file(
            client,
            "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);",
            true,
        )
        .expect("runs");
        // Server files and programs are out of reach.
        for hostile in [
            "COPY t TO '/tmp/migplan-must-not-exist'",
            "COPY t FROM PROGRAM 'touch /tmp/migplan-must-not-exist'",
            "CREATE EXTENSION IF NOT EXISTS adminpack",
            "ALTER SYSTEM SET fsync = on",
        ] {
            let failure = run_file(client, hostile, true).expect_err(hostile);
            assert_eq!(failure.line, 1);
        }
        assert!(!std::path::Path::new("/tmp/migplan-must-not-exist").exists());
        // Two statements are never one call.
        let failure = run_file(client, "SELECT 1; SELECT 2", false);
        assert!(failure.is_ok(), "the splitter cuts them: {failure:?}");
        // A runaway statement is stopped by the statement_timeout.
        let failure = run_file(client, "SELECT pg_sleep(30)", false).expect_err("stopped");
        assert!(failure.stopped, "{failure}");
        (scratch.dbname().to_string(), scratch.admin_config().clone())
    };
    let mut admin = admin.connect(postgres::NoTls).expect("admin");
    let left: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&dbname],
        )
        .expect("query")
        .get(0);
    assert_eq!(left, 0, "the scratch database is dropped");
    drop(admin);
    drop(cluster);
    assert!(!dir.exists(), "the cluster's directory is removed");
}

#[test]
fn a_failing_file_rolls_back_and_names_its_line() {
    let Some(cluster) = common::cluster() else {
        return;
    };
    let mut scratch = Scratch::on_cluster(&cluster, 5).expect("scratch");
    let client = &mut scratch.engine().expect("engine");
    let failure = run_file(
        client,
        "CREATE TABLE a (id int);\n\n-- then\nALTER TABLE missing ADD COLUMN x int;\n",
        true,
    )
    .expect_err("fails");
    assert_eq!(failure.line, 4);
    assert!(
        failure.message.contains("\"missing\" does not exist"),
        "{failure}"
    );
    let before = snapshot(client).expect("snapshot");
    assert!(
        !before.iter().any(|l| l.contains("public.a")),
        "rolled back: {before:?}"
    );
}

/// What pg_dump would show differs in the snapshot too: exact types,
/// column order, comments, validity; what it would not, does not.
#[test]
fn the_snapshot_sees_what_pg_dump_sees() {
    use catalog::differences;
    let Some(cluster) = common::cluster() else {
        return;
    };
    let mut scratch = Scratch::on_cluster(&cluster, 5).expect("scratch");
    let client = &mut scratch.engine().expect("engine");
    let schema = "CREATE TABLE t (id int PRIMARY KEY, at timestamp, note text);\n\
                  CREATE INDEX t_at ON t (at);\nCOMMENT ON TABLE t IS 'events';";
    run_file(client, schema, true).expect("schema");
    let before = snapshot(client).expect("snapshot");
    assert!(before.contains("comment on table t: events"), "{before:?}");
    let changed = |client: &mut dyn Engine, up: &str, down: &str| {
        run_file(client, up, true).expect(up);
        let during = snapshot(client).expect("snapshot");
        run_file(client, down, true).expect(down);
        let after = snapshot(client).expect("snapshot");
        (differences(&before, &during), differences(&before, &after))
    };
    // timestamp -> timestamptz is a change, and its down restores it.
    let (during, after) = changed(
        client,
        "ALTER TABLE t ALTER COLUMN at TYPE timestamptz",
        "ALTER TABLE t ALTER COLUMN at TYPE timestamp",
    );
    assert!(
        during
            .iter()
            .any(|d| d.contains("timestamp with time zone")),
        "{during:?}"
    );
    assert_eq!(after, Vec::<String>::new());
    // A column dropped and added back comes back last: not restored.
    let (_, after) = changed(
        client,
        "ALTER TABLE t DROP COLUMN at",
        "ALTER TABLE t ADD COLUMN at timestamp; CREATE INDEX t_at ON t (at)",
    );
    assert!(
        after
            .iter()
            .any(|d| d.contains("(id integer not null, note text, at timestamp")),
        "{after:?}"
    );
    run_file(
        client,
        "ALTER TABLE t DROP COLUMN note; ALTER TABLE t ADD COLUMN note text",
        false,
    )
    .expect("reorder");
    // A constraint added NOT VALID is not the one validated.
    let before = snapshot(client).expect("snapshot");
    run_file(
        client,
        "ALTER TABLE t ADD CONSTRAINT t_id CHECK (id > 0) NOT VALID",
        false,
    )
    .expect("check");
    let during = snapshot(client).expect("snapshot");
    assert!(
        differences(&before, &during)
            .iter()
            .any(|d| d.ends_with("CHECK ((id > 0)) NOT VALID (not valid)")),
        "{:?}",
        differences(&before, &during)
    );
}
