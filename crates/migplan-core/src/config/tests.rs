//! One test per key and per kind of mistake.

use super::*;

fn parse(text: &str) -> Config {
    Config::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn mistake(text: &str) -> ConfigError {
    Config::parse(text).expect_err(text)
}

#[test]
fn an_empty_file_changes_nothing() {
    let config = parse("# nothing yet\n");
    assert_eq!(config, Config::default());
    assert_eq!(config.options(BTreeMap::new(), ""), Options::default());
}

#[test]
fn dialect_and_version() {
    let config = parse("dialect = \"mysql\"\npg_version = 13\n");
    assert_eq!(config.dialect, Some(Dialect::Mysql));
    assert_eq!(config.options(BTreeMap::new(), "").pg_version, 13);
    assert_eq!(
        parse("dialect = \"postgresql\"").dialect,
        Some(Dialect::Postgres)
    );
    assert_eq!(parse("dialect = \"sqlite\"").dialect, Some(Dialect::Sqlite));
}

#[test]
fn paths_and_links() {
    let config = parse(
        "migrations = \"db/migrate\"\nexclude = [\"db/migrate/legacy/**\"]\n\
         link_base = \"https://migplan.example/\"\nstats = \"sizes.csv\"\n",
    );
    assert_eq!(config.migrations.as_deref(), Some("db/migrate"));
    assert_eq!(config.exclude, ["db/migrate/legacy/**"]);
    assert_eq!(
        config.link_base.as_deref(),
        Some("https://migplan.example/")
    );
    assert_eq!(config.stats.as_deref(), Some("sizes.csv"));
}

#[test]
fn fail_on_transaction_and_lock_timeout() {
    let config = parse("fail_on = \"careful\"\ntransaction = true\nlock_timeout = \"require\"\n");
    assert_eq!(config.fail_on, Some(Severity::Careful));
    let options = config.options(BTreeMap::new(), "");
    assert!(options.file_transaction);
    assert_eq!(options.rules.lock_timeout, LockTimeoutPolicy::Require);
}

#[test]
fn rules_off_on_and_severities() {
    let config = parse(
        "[rules]\ndropping-index = \"off\"\nrenaming-column = \"dangerous\"\ndropping-table = \"on\"\n",
    );
    assert!(config.rules.disabled.contains("dropping-index"));
    assert!(!config.rules.disabled.contains("dropping-table"));
    assert_eq!(
        config.rules.severity.get("renaming-column"),
        Some(&Severity::Dangerous)
    );
}

#[test]
fn tables_stats_and_thresholds() {
    let config = parse(
        "[tables]\nusers = 25000000\nevents = { rows = 1200, bytes = 65536 }\n\
         [thresholds]\nmedium_rows = 1000\n",
    );
    let mut stats = BTreeMap::new();
    stats.insert(
        "orders".to_string(),
        TableSize {
            rows: 7,
            bytes: None,
        },
    );
    stats.insert(
        "users".to_string(),
        TableSize {
            rows: 1,
            bytes: None,
        },
    );
    let sizes = config.options(stats, "sizes.csv").sizes;
    assert_eq!(sizes.tables["users"].rows, 25_000_000, "the file wins");
    assert_eq!(sizes.tables["orders"].rows, 7);
    assert_eq!(sizes.tables["events"].bytes, Some(65_536));
    assert_eq!(sizes.thresholds.medium_rows, 1000);
    assert_eq!(sizes.thresholds.large_rows, 10_000_000);
    assert_eq!(sizes.source, "sizes.csv and .migplan.toml");
}

#[test]
fn an_unknown_key_names_its_line() {
    let e = mistake("dialect = \"postgres\"\n\nfail_onn = \"careful\"\n");
    assert_eq!((e.line, e.column), (3, 1), "{e}");
    assert!(e.message.contains("unknown field `fail_onn`"), "{e}");
    let e = mistake("[thresholds]\nsmall_rows = 3\n");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn an_unknown_rule_names_its_line() {
    let e = mistake("[rules]\ndropping-colum = \"off\"\n");
    assert_eq!((e.line, e.column), (2, 1), "{e}");
    assert!(e.message.contains("`dropping-colum` is not a rule"), "{e}");
}

#[test]
fn bad_values_name_their_line() {
    for (text, line, words) in [
        ("dialect = \"oracle\"", 1, "dialect `oracle`"),
        ("\npg_version = 9", 2, "PostgreSQL 9 is not supported"),
        ("pg_version = \"16\"", 1, "invalid type"),
        ("fail_on = \"severe\"", 1, "unknown severity"),
        ("lock_timeout = \"2s\"", 1, "use \"advise\" or \"require\""),
        ("[rules]\ndropping-table = \"maybe\"", 2, "use \"off\""),
        ("transaction = \"yes\"", 1, "invalid type"),
        ("[tables]\nusers = \"big\"", 2, ""),
        ("dialect = ", 1, ""),
    ] {
        let e = mistake(text);
        assert_eq!(e.line, line, "{text}: {e}");
        // A bad string value is pointed at from its opening quote.
        if let Some(quote) = text.lines().nth(line - 1).and_then(|l| l.find(" = \""))
            && !words.is_empty()
            && !text.contains("[tables]")
        {
            assert_eq!(e.column, quote + 4, "{text}: {e}");
        }
        assert!(e.message.contains(words), "{text}: {e}");
    }
}
