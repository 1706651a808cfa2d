//! Helpers shared by the core's integration tests.

use std::path::{Path, PathBuf};

use migplan_core::Dialect;

/// The `.sql` files of `../shared/corpus` beside the project, sorted; when
/// the corpus is absent, says that `test` is skipped and returns `None`.
pub fn corpus_sql_files(test: &str) -> Option<Vec<(PathBuf, Dialect)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !dir.is_dir() {
        corpus_missing(test);
        return None;
    }
    Some(
        sql_files(&dir)
            .into_iter()
            .filter_map(|p| dialect_of(&p.to_string_lossy()).map(|d| (p, d)))
            .collect(),
    )
}

/// Every `.sql` file under `dir`, sorted.
fn sql_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "sql") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// The file's text, with invalid UTF-8 replaced (as the app reads drops).
pub fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// The dialect a corpus file is written in, from its folder or file name;
/// `None` for dialects migplan does not target (CockroachDB).
pub fn dialect_of(path: &str) -> Option<Dialect> {
    if path.contains(".cockroach.") {
        None
    } else if path.contains("/mysql/") || path.contains(".mysql.") {
        Some(Dialect::Mysql)
    } else if path.contains("/sqlite/") || path.contains(".sqlite3.") {
        Some(Dialect::Sqlite)
    } else {
        Some(Dialect::Postgres)
    }
}

/// A missing corpus fails the run in CI (`CI` set), where it must be
/// present; elsewhere the skip is printed where a person sees it.
pub fn corpus_missing(test: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/corpus is missing: in CI the {test} must run"
    );
    eprintln!("../shared/corpus not found: {test} skipped (it runs in CI)");
}
