//! What users paste: tool dumps and migration-framework files
//! (`tests/fixtures/dumps`, `tests/fixtures/frameworks`), parsed, labelled
//! where not parsed, modelled and checked.

use migplan_core::catalog::{Catalog, ConstraintKind};
use migplan_core::parse::Section;
use migplan_core::{Dialect, Options, analyze, parse_source};

fn fixture(path: &str) -> String {
    let p = format!("{}/../../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Every unparsed statement says what it is.
fn assert_labelled(src: &str, d: Dialect) {
    for s in parse_source(src, d)
        .statements
        .iter()
        .filter(|s| !s.parsed())
    {
        let m = s.error.as_ref().map(|e| e.message.as_str()).unwrap_or("");
        assert!(
            m.starts_with("not analysed: "),
            "line {}: {:?} unlabelled: {m}",
            s.line,
            s.kind
        );
    }
}

#[test]
fn pg_dump_output_is_modelled() {
    let src = fixture("dumps/pg_dump.sql");
    assert_labelled(&src, Dialect::Postgres);
    let p = parse_source(&src, Dialect::Postgres);
    let copy = p
        .statements
        .iter()
        .find(|s| s.kind == migplan_core::parse::StatementKind::CopyData)
        .expect("COPY data kept");
    assert_eq!(copy.line, 108);
    let c = Catalog::build(&p);
    let users = c.table("users").expect("users");
    assert_eq!(
        users.column("id").and_then(|c| c.default.as_deref()),
        Some("nextval('public.users_id_seq'::REGCLASS)")
    );
    assert_eq!(
        users.column("email").map(|c| c.data_type.as_str()),
        Some("public.email")
    );
    assert_eq!(users.comment.as_deref(), Some("people who can log in"));
    assert_eq!(
        users.column("email").and_then(|c| c.comment.as_deref()),
        Some("login, unique")
    );
    assert!(
        users.constraint("users_pkey").is_some() && users.constraint("users_email_key").is_some()
    );
    let orders = c.table("orders").expect("orders");
    let fk = orders.constraint("orders_user_id_fkey").expect("fk");
    assert!(!fk.validated, "added NOT VALID");
    assert!(
        matches!(&fk.kind, ConstraintKind::ForeignKey { on_delete: Some(a), .. } if a == "CASCADE")
    );
    assert_eq!(
        orders.primary_key().map(|k| k.kind.columns().to_vec()),
        Some(vec!["id".to_string(), "placed_on".to_string()])
    );
    assert!(c.tables.contains_key("orders_2026"));
    assert_eq!(c.indexes["orders_user_id_idx"].table, "orders");
    let lower = &c.indexes["users_lower_email_idx"];
    assert!(lower.unique && lower.predicate.is_some());
    assert_eq!(c.enums["order_status"], ["pending", "paid", "shipped"]);
    assert!(c.views.contains_key("big_orders"));
    assert!(c.sequences.contains("users_id_seq"));
    assert!(c.schemas.contains("billing"));
}

#[test]
fn mysqldump_output_is_modelled() {
    let src = fixture("dumps/mysqldump.sql");
    assert_labelled(&src, Dialect::Mysql);
    let c = Catalog::build(&parse_source(&src, Dialect::Mysql));
    let users = c.table("users").expect("users");
    assert!(
        users
            .column("full_name")
            .and_then(|c| c.generated.as_deref())
            .is_some()
    );
    assert_eq!(
        users.column("status").map(|c| c.data_type.as_str()),
        Some("enum('active','disabled')")
    );
    assert!(users.constraint("users_email_unique").is_some());
    assert_eq!(c.indexes["users_status_index"].columns, ["status"]);
    let orders = c.table("orders").expect("orders");
    assert!(orders.constraint("orders_user_id_foreign").is_some());
}

#[test]
fn sqlite_schema_output_is_modelled() {
    let src = fixture("dumps/sqlite.schema.sql");
    assert_labelled(&src, Dialect::Sqlite);
    let c = Catalog::build(&parse_source(&src, Dialect::Sqlite));
    for t in ["users", "orders", "sqlite_sequence"] {
        assert!(c.tables.contains_key(t), "{t}");
    }
    assert_eq!(
        c.table("users")
            .and_then(|t| t.column("id"))
            .and_then(|c| c.identity.as_deref()),
        Some("auto_increment")
    );
    assert_eq!(c.indexes["orders_user_id_idx"].columns, ["user_id"]);
    assert!(c.views.contains_key("order_totals"));
}

fn check(file: &str) -> migplan_core::Analysis {
    let schema = fixture("frameworks/schema.postgres.sql");
    let src = fixture(&format!("frameworks/{file}"));
    assert_labelled(&src, Dialect::Postgres);
    analyze(Dialect::Postgres, Options::default(), &schema, &src)
}

fn rules(a: &migplan_core::Analysis) -> Vec<&str> {
    a.report
        .active_findings()
        .map(|f| f.rule.as_str())
        .collect()
}

#[test]
fn dbmate_and_goose_down_sections_are_kept_but_not_checked() {
    let a = check("dbmate.20261101120000_add_status.sql");
    let sections: Vec<Section> = a.report.statements.iter().map(|s| s.section).collect();
    assert_eq!(
        sections,
        [Section::Up, Section::Up, Section::Down, Section::Down]
    );
    let r = rules(&a);
    assert!(
        !r.contains(&"dropping-column") && !r.contains(&"dropping-index"),
        "{r:?}"
    );
    assert!(
        a.after
            .table("orders")
            .and_then(|t| t.column("status"))
            .is_some()
    );

    let a = check("goose.00002_touch_trigger.sql");
    let kinds: Vec<(&str, Section)> = a
        .report
        .statements
        .iter()
        .map(|s| (s.kind.as_str(), s.section))
        .collect();
    assert_eq!(
        kinds,
        [
            ("create_function", Section::Up),
            ("alter_table", Section::Up),
            ("alter_table", Section::Down),
            ("drop_function", Section::Down),
        ]
    );
    assert!(!rules(&a).contains(&"dropping-column"));
}

#[test]
fn framework_files_are_checked() {
    let a = check("golang-migrate.000003_rename_total.up.sql");
    assert!(rules(&a).contains(&"renaming-column"));
    let a = check("flyway.V4__add_user_nickname.sql");
    assert_eq!(rules(&a), ["missing-lock-timeout"]);
    let a = check("prisma.migration.sql");
    // Everything touches the new table: the index and the foreign key on it
    // are safe (the key locks users only for the check of an empty table).
    assert_eq!(rules(&a), Vec::<&str>::new());
    let post = a.after.table("Post").expect("quoted names keep their case");
    assert_eq!(
        post.column("authorId").map(|c| c.data_type.as_str()),
        Some("bigint")
    );
    let a = check("diesel.up.sql");
    assert_eq!(a.report.max_severity, migplan_core::Severity::Safe);
    assert!(a.after.tables.contains_key("tags"));
}
