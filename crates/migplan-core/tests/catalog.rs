//! The schema model and its diff on real inputs.

mod common;

use migplan_core::catalog::{Catalog, ConstraintKind};
use migplan_core::diff::{ChangeKind, diff};
use migplan_core::{Dialect, Options, analyze, parse_source};

fn build(sql: &str, d: Dialect) -> Catalog {
    Catalog::build(&parse_source(sql, d))
}

const PG: &str = include_str!("../../../tests/fixtures/rules/schema.postgres.sql");
const MYSQL: &str = include_str!("../../../tests/fixtures/rules/schema.mysql.sql");
const SQLITE: &str = include_str!("../../../tests/fixtures/rules/schema.sqlite.sql");

#[test]
fn postgres_schema_is_modelled() {
    let c = build(PG, Dialect::Postgres);
    let users = c.table("users").expect("users");
    let id = users.column("id").expect("id");
    assert_eq!(
        (id.data_type.as_str(), id.identity.as_deref(), id.nullable),
        ("bigint", Some("serial"), false)
    );
    assert_eq!(
        users.column("email").map(|c| c.data_type.as_str()),
        Some("varchar(100)")
    );
    assert_eq!(
        users
            .column("created_at")
            .and_then(|c| c.default.as_deref()),
        Some("now()")
    );
    let orders = c.table("orders").expect("orders");
    assert!(orders.constraints.iter().any(|k| k.name == "orders_user_fk"
        && matches!(&k.kind, ConstraintKind::ForeignKey { references, .. } if references == "users")));
    assert_eq!(c.indexes["orders_status_idx"].columns, ["status"]);
    assert_eq!(c.enums["mood"], ["sad", "ok", "happy"]);
    assert!(c.schemas.contains("archive"));
    assert!(c.tables.contains_key("archive.old_orders"));
}

#[test]
fn mysql_dump_keys_and_sqlite_schema_are_modelled() {
    let c = build(MYSQL, Dialect::Mysql);
    assert_eq!(c.indexes["orders_user_idx"].table, "orders");
    assert_eq!(
        c.table("users")
            .and_then(|t| t.column("id"))
            .and_then(|c| c.identity.as_deref()),
        Some("auto_increment")
    );
    let c = build(SQLITE, Dialect::Sqlite);
    assert!(c.table("users").is_some_and(|t| {
        t.constraints
            .iter()
            .any(|k| matches!(&k.kind, ConstraintKind::Unique { columns } if columns == &["email"]))
    }));
    assert!(c.views.contains_key("active_users"));
}

#[test]
fn replay_follows_alter_rename_and_drop() {
    let migration = "ALTER TABLE users RENAME COLUMN name TO full_name;\n\
                     ALTER TABLE orders RENAME TO purchases;\n\
                     ALTER TABLE purchases ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;\n\
                     CREATE UNIQUE INDEX users_email ON users (lower(email));\n\
                     DROP INDEX orders_status_idx;\n\
                     ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';\n\
                     COMMENT ON COLUMN users.email IS 'login';";
    let a = analyze(Dialect::Postgres, Options::default(), PG, migration);
    let after = &a.after;
    assert!(
        after
            .table("users")
            .and_then(|t| t.column("full_name"))
            .is_some()
    );
    let purchases = after.table("purchases").expect("renamed");
    assert!(!purchases.constraint("positive").expect("check").validated);
    assert_eq!(after.indexes["users_email"].columns, ["lower(email)"]);
    assert!(!after.indexes.contains_key("orders_status_idx"));
    assert_eq!(after.enums["mood"], ["sad", "meh", "ok", "happy"]);
    let rendered: Vec<String> = a.changes.iter().map(ToString::to_string).collect();
    assert!(
        rendered.contains(&"+ table purchases".to_string()),
        "{rendered:?}"
    );
    assert!(
        rendered.contains(&"- table orders".to_string()),
        "{rendered:?}"
    );
    assert!(
        rendered.contains(&"+ column users.full_name".to_string()),
        "{rendered:?}"
    );
    assert!(
        rendered
            .iter()
            .any(|r| r.starts_with("~ column users.email: comment none → login")),
        "{rendered:?}"
    );
}

#[test]
fn a_rollback_that_restores_the_schema_diffs_empty() {
    for (d, schema, up, down) in [
        (
            Dialect::Postgres,
            PG,
            "ALTER TABLE users ADD COLUMN nickname text; CREATE INDEX users_nick ON users (nickname); ALTER TABLE users ALTER COLUMN email TYPE varchar(200);",
            "DROP INDEX users_nick; ALTER TABLE users DROP COLUMN nickname; ALTER TABLE users ALTER COLUMN email TYPE character varying(100);",
        ),
        (
            Dialect::Mysql,
            MYSQL,
            "ALTER TABLE `users` ADD COLUMN `nick` varchar(20) NULL, ADD INDEX `nick_idx` (`nick`);",
            "ALTER TABLE `users` DROP INDEX `nick_idx`, DROP COLUMN `nick`;",
        ),
        (
            Dialect::Sqlite,
            SQLITE,
            "ALTER TABLE users RENAME TO people;",
            "ALTER TABLE people RENAME TO users;",
        ),
    ] {
        let before = build(schema, d);
        let mut c = before.clone();
        c.apply_source(&parse_source(up, d));
        assert!(!diff(&before, &c).is_empty(), "{d:?}: up changed nothing");
        c.apply_source(&parse_source(down, d));
        assert_eq!(diff(&before, &c), [], "{d:?}");
    }
}

#[test]
fn a_rollback_that_misses_something_is_caught() {
    let before = build(PG, Dialect::Postgres);
    let mut c = before.clone();
    c.apply_source(&parse_source(
        "ALTER TABLE users ALTER COLUMN age SET NOT NULL; ALTER TABLE users ALTER COLUMN age SET DEFAULT 0;",
        Dialect::Postgres,
    ));
    c.apply_source(&parse_source(
        "ALTER TABLE users ALTER COLUMN age DROP NOT NULL;",
        Dialect::Postgres,
    ));
    let changes = diff(&before, &c);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].kind, ChangeKind::Changed);
    assert_eq!(changes[0].detail.as_deref(), Some("default none → 0"));
}

#[test]
fn a_catalogue_is_built_for_every_corpus_schema_dump() {
    let Some(files) = common::corpus_sql_files("catalogue") else {
        return;
    };
    let mut built = 0;
    for (path, dialect) in files {
        let parsed = parse_source(&common::read_lossy(&path), dialect);
        let mut c = Catalog::default();
        let mut tables = 0;
        for s in &parsed.statements {
            let Some(ast) = &s.ast else { continue };
            c.apply(ast, dialect);
            if let sqlparser::ast::Statement::CreateTable(ct) = ast {
                tables += 1;
                let name = migplan_core::names::object(&ct.name, dialect);
                assert!(
                    c.tables.contains_key(&name),
                    "{}:{}: {name} not modelled",
                    path.display(),
                    s.line
                );
            }
        }
        if tables > 0 {
            built += 1;
        }
    }
    assert!(built > 0, "no schema dump in the corpus");
}
