//! The migrations people write in their framework's language, read from
//! the real projects in ../shared/corpus/orm (one per framework): per
//! framework with a reader, no file crashes, at least 95 % of operations
//! are understood (general-purpose code, reported as not analysed by
//! design, is counted apart), and every migration whose up destroys something (drops,
//! renames, type changes) gets a severity above safe or an incomplete
//! verdict, each file analysed against the history before it.
//!
//! Prints `ORM-READ|...` lines that `cargo xtask bench` puts in
//! BENCHMARKS.md.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migplan_core::catalog::Catalog;
use migplan_core::frameworks::{Framework, dsl, read_source_after};
use migplan_core::locks::Effect;
use migplan_core::parse::Section;
use migplan_core::{Analyzer, Dialect, Options, Severity};

/// One corpus project.
struct Project {
    framework: &'static str,
    dir: &'static str,
    /// File name endings of its migrations.
    ext: &'static [&'static str],
    /// Words that start a destructive operation, in the framework's DSL.
    destructive: &'static [&'static str],
    /// Words that start the down part of a file.
    down: &'static [&'static str],
    /// Words that start the up part again.
    up: &'static [&'static str],
}

const PROJECTS: [Project; 10] = [
    Project {
        framework: "rails",
        dir: "rubygems__rubygems.org/db/migrate",
        ext: &[".rb"],
        destructive: &[
            "remove_column",
            "drop_table",
            "rename_column",
            "rename_table",
            "change_column ",
            "change_column(",
            "remove_reference",
            "t.remove ",
        ],
        down: &["def down", "def self.down", "dir.down"],
        up: &["def up", "def self.up", "def change", "dir.up"],
    },
    Project {
        framework: "django",
        dir: "saleor__saleor",
        ext: &[".py"],
        destructive: &[
            "RemoveField(",
            "DeleteModel(",
            "RenameField(",
            "RenameModel(",
        ],
        // State-only operations change no table.
        down: &["state_operations"],
        up: &["database_operations", "operations = ["],
    },
    Project {
        framework: "alembic",
        dir: "indico__indico",
        ext: &[".py"],
        destructive: &["op.drop_column", "op.drop_table", "op.rename_table"],
        down: &["def downgrade"],
        up: &["def upgrade"],
    },
    Project {
        framework: "knex",
        dir: "mojaloop__central-ledger",
        ext: &[".js"],
        destructive: &[
            ".dropColumn(",
            ".dropTable(",
            ".renameColumn(",
            ".renameTable(",
        ],
        down: &["exports.down"],
        up: &["exports.up"],
    },
    Project {
        framework: "sequelize",
        dir: "opencollective__opencollective-api",
        ext: &[".js", ".ts"],
        destructive: &[
            "removeColumn(",
            "dropTable(",
            "renameColumn(",
            "renameTable(",
        ],
        down: &["down:", "async down", "down("],
        up: &["up:", "async up", "up("],
    },
    Project {
        framework: "typeorm",
        dir: "standardnotes__server",
        ext: &[".ts"],
        destructive: &["DROP COLUMN", "DROP TABLE"],
        down: &["async down"],
        up: &["async up"],
    },
    Project {
        framework: "ef-core",
        dir: "bitwarden__server",
        ext: &[".cs"],
        destructive: &["DropColumn(", "DropTable(", "RenameColumn(", "RenameTable("],
        down: &["void Down("],
        up: &["void Up("],
    },
    Project {
        framework: "laravel",
        dir: "snipe__snipe-it",
        ext: &[".php"],
        destructive: &[
            "->dropColumn(",
            "Schema::drop(",
            "Schema::dropIfExists(",
            "->renameColumn(",
            "Schema::rename(",
        ],
        down: &["function down"],
        up: &["function up"],
    },
    Project {
        framework: "liquibase",
        dir: "apache__fineract",
        ext: &[".xml"],
        destructive: &[
            "<dropColumn",
            "<dropTable",
            "<renameColumn",
            "<renameTable",
            "<modifyDataType",
        ],
        down: &["<rollback"],
        up: &["</rollback>"],
    },
    Project {
        framework: "ecto",
        dir: "hexpm__hexpm",
        ext: &[".exs"],
        destructive: &[
            "remove ",
            "drop table(",
            "drop_if_exists table(",
            "rename table(",
        ],
        down: &["def down"],
        up: &["def up", "def change"],
    },
];

/// The frameworks whose readers are held to the corpus bar.
const READ: &[&str] = &[
    "rails",
    "typeorm",
    "django",
    "alembic",
    "knex",
    "sequelize",
    "ef-core",
    "laravel",
    "ecto",
    "liquibase",
];

fn files_of(root: &Path, p: &Project) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join(p.dir), &mut out);
    out.retain(|f| {
        let name = f.to_string_lossy();
        p.ext.iter().any(|e| name.ends_with(e))
            && !name.ends_with(".Designer.cs")
            && !name.ends_with("ModelSnapshot.cs")
            && !name.ends_with("schema.rb")
    });
    out.sort();
    out
}

fn dialect_of(p: &Project, path: &str) -> Dialect {
    match p.framework {
        "knex" | "laravel" => Dialect::Mysql,
        "typeorm" if path.contains("/sqlite/") => Dialect::Sqlite,
        "typeorm" => Dialect::Mysql,
        "ef-core" if path.contains("MySqlMigrations") => Dialect::Mysql,
        "ef-core" if path.contains("SqliteMigrations") => Dialect::Sqlite,
        _ => Dialect::Postgres,
    }
}

/// Whether the file's up part has a destructive operation (read from the
/// text, not from the reader, so a reader that misses one cannot pass).
fn destroys_in_up(p: &Project, text: &str) -> bool {
    let mut down = false;
    for line in text.lines() {
        if p.down.iter().any(|m| line.contains(m)) {
            down = true;
        } else if p.up.iter().any(|m| line.contains(m)) {
            down = false;
        }
        let code = line.trim_start();
        let comment = code.starts_with('#') || code.starts_with("//") || code.starts_with("--");
        if !down && !comment && p.destructive.iter().any(|w| line.contains(w)) {
            return true;
        }
    }
    false
}

/// The table a DROP or RENAME statement destroys something of, by name.
fn destroyed_table(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = sql.split_whitespace().collect();
    let upper_words: Vec<&str> = upper.split_whitespace().collect();
    let destroys =
        upper.contains(" DROP ") || upper.contains(" RENAME ") || upper.starts_with("DROP TABLE");
    if !destroys {
        return None;
    }
    let at = match upper_words.as_slice() {
        ["ALTER", "TABLE", "IF", "EXISTS", ..] | ["DROP", "TABLE", "IF", "EXISTS", ..] => 4,
        ["ALTER", "TABLE", ..] | ["DROP", "TABLE", ..] | ["RENAME", "TABLE", ..] => 2,
        _ => return None,
    };
    let name = words
        .get(at)?
        .trim_matches(|c| c == '"' || c == '`' || c == ';');
    Some(name.to_string())
}

#[derive(Default)]
struct Tally {
    files: usize,
    ops: usize,
    understood: usize,
    crashed: Vec<String>,
    destructive: usize,
    unflagged: Vec<String>,
    reasons: BTreeMap<String, usize>,
    /// Pieces of general-purpose code (loops, conditions, data code,
    /// `RunPython`), reported as not analysed by design: counted apart.
    code: usize,
}

fn read_project(root: &Path, p: &Project) -> Tally {
    let mut tally = Tally::default();
    let files = files_of(root, p);
    // The history before each file, per dialect.
    let mut history: BTreeMap<Dialect, Catalog> = BTreeMap::new();
    for f in &files {
        let name = f
            .strip_prefix(root)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        let text = common::read_lossy(f);
        let d = dialect_of(p, &name);
        tally.files += 1;
        let before = history.entry(d).or_default();
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_source_after(Some(&name), &text, d, before)
        }));
        let Ok(parsed) = read else {
            tally.crashed.push(name);
            continue;
        };
        // The reader's operations (one that runs nothing counts as read):
        // understood when all the SQL read for it parses.
        let reader = Framework::reading(Some(&name), &text).and_then(|f| f.spec().reader.as_ref());
        let reading = reader.map(|r| {
            (r.read)(&dsl::ReadCx {
                text: &text,
                path: Some(&name),
                dialect: d,
                schema: before,
            })
        });
        let mut ops: BTreeMap<(usize, usize), bool> = BTreeMap::new();
        let mut code = std::collections::BTreeSet::new();
        for op in reading.iter().flat_map(|r| &r.ops) {
            if let dsl::OpKind::NotAnalysed(why) = &op.kind
                && std::env::var("MIGPLAN_ORM_OPS").is_ok_and(|f| f == p.framework)
            {
                let code = text.get(op.start..op.end).unwrap_or_default();
                eprintln!("OP {name}: {why} ||| {}", code.lines().next().unwrap_or(""));
            }
            if matches!(op.kind, dsl::OpKind::Code(_)) {
                code.insert((op.start, op.end));
                continue;
            }
            ops.insert((op.start, op.end), matches!(op.kind, dsl::OpKind::Sql(_)));
        }
        tally.code += code.len();
        tally.ops += code.len();
        for s in &parsed.statements {
            let understood = s.analysed();
            if !code.contains(&(s.start, s.end)) {
                *ops.entry((s.start, s.end)).or_insert(true) &= understood;
            }
            if !understood && let Some(e) = &s.error {
                if std::env::var("MIGPLAN_ORM_DEBUG").is_ok_and(|f| f == p.framework) {
                    let code = s.source.as_deref().unwrap_or(&s.sql);
                    eprintln!(
                        "{name}:{}: {}\n    {}",
                        s.line,
                        e.message,
                        code.lines().next().unwrap_or("")
                    );
                }
                let reason: String = e.message.chars().take(70).collect();
                *tally.reasons.entry(reason).or_default() += 1;
            }
        }
        tally.ops += ops.len();
        tally.understood += ops.values().filter(|u| **u).count();
        let before = history.entry(d).or_default();
        let before_file = before.clone();
        let mut analyzer = Analyzer::new(d, Options::default());
        analyzer.add_catalog(before);
        analyzer.add_migration(Some(&name), &text, &parsed);
        before.apply_source(&parsed);
        let statements = &analyzer.report().statements;
        let severity = statements
            .iter()
            .map(|s| s.severity)
            .max()
            .unwrap_or_default();
        let incomplete = statements
            .iter()
            .any(|s| s.section == Section::Up && !s.analysed());
        if destroys_in_up(p, &text) {
            tally.destructive += 1;
            // A type change PostgreSQL makes without a rewrite and without
            // loss (varchar to text) is rightly safe; anything else that
            // destroys must be flagged.
            let only_free_type_changes = statements
                .iter()
                .filter(|s| s.section == Section::Up)
                .all(|s| {
                    let sql = s.sql.to_ascii_uppercase();
                    !sql.contains(" DROP ")
                        && !sql.contains(" RENAME ")
                        && (!sql.contains(" TYPE ") || s.effect == Some(Effect::None))
                });
            // A drop or rename of a table the file itself created is safe.
            let touches_history = statements
                .iter()
                .filter(|s| s.section == Section::Up)
                .filter_map(|s| destroyed_table(&s.sql))
                .any(|t| before_file.table(&t).is_some());
            if severity == Severity::Safe
                && !incomplete
                && !only_free_type_changes
                && touches_history
            {
                tally.unflagged.push(name);
            }
        }
    }
    tally
}

#[test]
fn orm_migrations_are_read_per_framework() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/orm");
    if !root.is_dir() {
        common::corpus_missing("ORM corpus test");
        return;
    }
    let mut failures = Vec::new();
    for p in &PROJECTS {
        let has_reader = Framework::from_id(p.framework).is_some_and(|f| f.spec().reader.is_some());
        let t = if has_reader {
            read_project(&root, p)
        } else {
            Tally {
                files: files_of(&root, p).len(),
                ..Tally::default()
            }
        };
        // The bar is on the framework's operations; general-purpose code
        // (loops, conditions, data code, `RunPython`) is reported as not
        // analysed, as it must be, and counted apart: both shares printed.
        let rate = if t.ops == t.code {
            0.0
        } else {
            100.0 * t.understood as f64 / (t.ops - t.code) as f64
        };
        let mut reasons: Vec<(&String, &usize)> = t.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = reasons
            .iter()
            .take(4)
            .map(|(r, n)| format!("{n}× {}", r.trim_start_matches("not analysed: ")))
            .collect();
        println!(
            "ORM-READ|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            p.framework,
            t.files,
            t.ops,
            t.understood,
            t.code,
            t.destructive,
            t.destructive - t.unflagged.len(),
            if has_reader { "read" } else { "no reader yet" },
            top.join("; ")
        );
        if !READ.contains(&p.framework) {
            continue;
        }
        if !t.crashed.is_empty() {
            failures.push(format!("{}: crashed on {:?}", p.framework, t.crashed));
        }
        if rate < 95.0 {
            failures.push(format!(
                "{}: {rate:.1} % of {} operations understood (want 95 %); most frequent: {top:?}",
                p.framework,
                t.ops - t.code
            ));
        }
        if !t.unflagged.is_empty() {
            failures.push(format!(
                "{}: destructive migrations called safe: {:?}",
                p.framework, t.unflagged
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
