//! Finding and reading `.migplan.toml` (and the stats file it names), and
//! writing one for a project (`migplan init`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migplan_core::config::{Config, FILE_NAME};
use migplan_core::settings::{TableSize, TableSizes};

/// A settings file as read: its place (relative paths in it start from
/// its folder) and what it says.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
}

impl Loaded {
    /// A path the file names, from the file's folder.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join(relative)
    }
}

/// `.migplan.toml` in `start` or the nearest folder above it.
pub fn find_upward(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// The settings: `explicit` when given (it must exist), else the file
/// found upward from the working directory, else none.
pub fn load(explicit: Option<&Path>) -> Result<Option<Loaded>, String> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let Some(found) = std::env::current_dir().ok().and_then(|d| find_upward(&d)) else {
                return Ok(None);
            };
            found
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("migplan: cannot read {}: {e}", path.display()))?;
    let config = Config::parse(&text).map_err(|e| located(&path, e.line, e.column, &e.message))?;
    Ok(Some(Loaded { path, config }))
}

/// A mistake in a file, as `migplan: FILE:LINE:COLUMN: message`.
fn located(path: &Path, line: usize, column: usize, message: &str) -> String {
    format!("migplan: {}:{line}:{column}: {message}", path.display())
}

/// Table sizes from a stats file (CSV or JSON), with where they came from.
pub fn read_stats(path: &Path) -> Result<BTreeMap<String, TableSize>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("migplan: cannot read {}: {e}", path.display()))?;
    TableSizes::parse_stats(&text).map_err(|e| located(path, e.line, e.column, &e.message))
}

/// What `migplan init` learnt about a project.
pub struct Project<'a> {
    pub framework: Option<&'a migplan_core::frameworks::Detection>,
    pub dialect: migplan_core::Dialect,
    /// Why that dialect.
    pub dialect_evidence: String,
}

/// A commented `.migplan.toml` for a project: every key with what it
/// does, the detected ones set, the rest commented out at their default.
pub fn template(project: &Project) -> String {
    let mut out = String::from(
        "# migplan settings (https://example.invalid/migplan). The command line wins over this file.\n\n",
    );
    out.push_str(&format!(
        "# The database the migrations run on: \"postgres\", \"mysql\" or \"sqlite\" ({}).\n\
         dialect = \"{}\"\n",
        project.dialect_evidence,
        project.dialect.as_str()
    ));
    out.push_str("# PostgreSQL major version in production (10 to 18).\n# pg_version = 16\n\n");
    match project.framework {
        Some(d) => out.push_str(&format!(
            "# Detected: {} ({} migrations).\nmigrations = \"{}\"\n\
             # Whether each migration file runs in a transaction of its own. {}: {}.\n\
             # transaction = true\n",
            d.label,
            d.migrations.len(),
            toml_escape(&d.dir),
            d.label,
            d.transactions
        )),
        None => out.push_str(
            "# The migrations folder (no framework detected).\n# migrations = \"migrations\"\n\
             # Whether each migration file runs in a transaction of its own.\n# transaction = false\n",
        ),
    }
    out.push_str(
        "# Paths never checked (* and ** wildcards).\n# exclude = [\"migrations/legacy/**\"]\n\n\
         # `migplan check` exits 1 from this severity: \"safe\", \"careful\" or \"dangerous\".\n\
         fail_on = \"dangerous\"\n\
         # A locking statement without SET lock_timeout: \"advise\" (safe advice) or \"require\" (careful).\n\
         lock_timeout = \"advise\"\n\
         # The web app's address, for the share link in markdown reports.\n\
         # link_base = \"https://migplan.example.org/\"\n\n\
         # Table sizes decide how risky a scan or rewrite is: a stats file (CSV or JSON; see the README)...\n\
         # stats = \"table-sizes.csv\"\n\
         # ...or rows per table here.\n[tables]\n# users = 25000000\n\n\
         [thresholds]\n# Below this many rows a scan or rewrite is safe.\n# medium_rows = 10000\n\
         # Above this many rows it is dangerous.\n# large_rows = 10000000\n\n\
         # Rules switched off (\"off\") or given another severity; `migplan rules` lists them.\n\
         [rules]\n# dropping-index = \"off\"\n# renaming-column = \"dangerous\"\n",
    );
    out
}

/// Text inside a TOML basic string.
fn toml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// The dialect a project's migrations are written for, and why: MySQL's
/// and SQLite's own syntax, else PostgreSQL.
pub fn guess_dialect(texts: &[&str]) -> (migplan_core::Dialect, String) {
    use migplan_core::Dialect;
    let has = |needles: &[&str]| {
        texts.iter().any(|t| {
            let upper = t.to_ascii_uppercase();
            needles.iter().any(|n| upper.contains(n))
        })
    };
    if has(&[
        "ENGINE=INNODB",
        "ENGINE = INNODB",
        "AUTO_INCREMENT",
        "UNSIGNED",
    ]) {
        (
            Dialect::Mysql,
            "guessed: the migrations use MySQL syntax".into(),
        )
    } else if has(&["AUTOINCREMENT", "PRAGMA "]) {
        (
            Dialect::Sqlite,
            "guessed: the migrations use SQLite syntax".into(),
        )
    } else {
        (
            Dialect::Postgres,
            "guessed: no MySQL or SQLite syntax found; check it".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back() {
        let project = Project {
            framework: None,
            dialect: migplan_core::Dialect::Mysql,
            dialect_evidence: "test".into(),
        };
        let config = Config::parse(&template(&project)).expect("the template parses");
        assert_eq!(config.dialect, Some(migplan_core::Dialect::Mysql));
        assert_eq!(config.fail_on, Some(migplan_core::Severity::Dangerous));
    }
}
