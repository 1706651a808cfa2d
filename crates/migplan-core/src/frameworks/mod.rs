//! Migration frameworks: which one a project uses (from its file names,
//! folders and contents), its conventions, the migrations it already has,
//! and the plan written as files in its conventions.
//!
//! Pure: callers pass the files in (the CLI reads a directory, the web app
//! a dropped folder).

pub mod dsl;
mod export;

mod alembic;
mod dbmate;
mod diesel;
mod django;
mod drizzle;
mod ecto;
mod ef_core;
mod flyway;
mod golang_migrate;
mod goose;
mod knex;
mod laravel;
mod liquibase;
mod prisma;
mod rails;
mod sequelize;
mod sqitch;
mod typeorm;

use std::collections::BTreeMap;

use serde::Serialize;

use export::*;
pub use export::{ExportCx, ExportFile, export};

/// The frameworks migplan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    Flyway,
    Liquibase,
    Dbmate,
    GolangMigrate,
    Goose,
    Sqitch,
    Diesel,
    Prisma,
    Rails,
    Django,
    Alembic,
    Knex,
    Sequelize,
    Typeorm,
    EfCore,
    Laravel,
    Ecto,
    Drizzle,
}

impl Framework {
    pub const ALL: [Framework; 18] = [
        Framework::Flyway,
        Framework::Liquibase,
        Framework::Dbmate,
        Framework::GolangMigrate,
        Framework::Goose,
        Framework::Sqitch,
        Framework::Diesel,
        Framework::Prisma,
        Framework::Rails,
        Framework::Django,
        Framework::Alembic,
        Framework::Knex,
        Framework::Sequelize,
        Framework::Typeorm,
        Framework::EfCore,
        Framework::Laravel,
        Framework::Ecto,
        Framework::Drizzle,
    ];

    /// The framework's declaration: conventions, detection and export.
    pub fn spec(self) -> &'static Spec {
        match self {
            Framework::Flyway => &flyway::SPEC,
            Framework::Liquibase => &liquibase::SPEC,
            Framework::Dbmate => &dbmate::SPEC,
            Framework::GolangMigrate => &golang_migrate::SPEC,
            Framework::Goose => &goose::SPEC,
            Framework::Sqitch => &sqitch::SPEC,
            Framework::Diesel => &diesel::SPEC,
            Framework::Prisma => &prisma::SPEC,
            Framework::Rails => &rails::SPEC,
            Framework::Django => &django::SPEC,
            Framework::Alembic => &alembic::SPEC,
            Framework::Knex => &knex::SPEC,
            Framework::Sequelize => &sequelize::SPEC,
            Framework::Typeorm => &typeorm::SPEC,
            Framework::EfCore => &ef_core::SPEC,
            Framework::Laravel => &laravel::SPEC,
            Framework::Ecto => &ecto::SPEC,
            Framework::Drizzle => &drizzle::SPEC,
        }
    }

    /// The stable name used on the command line and in share links.
    pub fn id(self) -> &'static str {
        self.spec().id
    }

    pub fn label(self) -> &'static str {
        self.spec().label
    }

    pub fn from_id(id: &str) -> Option<Framework> {
        Framework::ALL.into_iter().find(|f| f.id() == id)
    }

    /// How its files are named.
    pub fn naming(self) -> &'static str {
        self.spec().naming
    }

    /// How versions are ordered.
    pub fn ordering(self) -> &'static str {
        self.spec().ordering
    }

    /// Whether each migration runs in a transaction by default, and how to
    /// opt out.
    pub fn transactions(self) -> &'static str {
        self.spec().transactions
    }

    /// Whether the framework runs down migrations.
    pub fn has_down(self) -> bool {
        self.spec().has_down
    }
}

/// One framework, declared once in its own file (as a rule is): its
/// conventions, how a project shows it uses it, and how a plan is written
/// as its files.
pub struct Spec {
    pub framework: Framework,
    pub id: &'static str,
    pub label: &'static str,
    pub naming: &'static str,
    pub ordering: &'static str,
    pub transactions: &'static str,
    pub has_down: bool,
    /// How the framework orders its versions.
    pub version_order: VersionOrder,
    /// Where new files go when no project says otherwise.
    pub default_dir: &'static str,
    /// What the project's files say for this framework (score 0: nothing).
    pub detect: fn(&[File]) -> Found,
    /// The plan's units as this framework's files.
    pub write: fn(&ExportCx) -> Vec<ExportFile>,
    /// How its migrations are read, when they are not SQL.
    pub reader: Option<Reader>,
}

/// How a framework's migration files (written in code) are read.
pub struct Reader {
    pub lang: dsl::Lang,
    /// The file extensions its migrations have.
    pub extensions: &'static [&'static str],
    /// Whether a file's text is one of its migrations.
    pub claims: fn(&str) -> bool,
    /// The operations of one file, as the SQL the framework runs for them.
    pub read: fn(&dsl::ReadCx) -> dsl::Reading,
}

impl Framework {
    /// The framework whose reader reads a migration file (by its text, and
    /// its extension when there is a path).
    pub fn reading(path: Option<&str>, text: &str) -> Option<Framework> {
        Framework::ALL.into_iter().find(|f| {
            f.spec().reader.as_ref().is_some_and(|r| {
                let ext_ok = path.is_none_or(|p| {
                    let lower = p.to_ascii_lowercase();
                    r.extensions.iter().any(|e| lower.ends_with(e))
                });
                ext_ok && (r.claims)(text)
            })
        })
    }
}

/// What a migration file leaves in the schema, as SQL: a file written in a
/// framework's language as the SQL of its up part, any other as its text.
pub fn schema_sql(path: Option<&str>, text: &str, dialect: crate::Dialect) -> String {
    // SQL is returned as it is, unparsed: a large dump is replayed one
    // statement at a time later, never held parsed whole.
    if Framework::reading(path, text).is_none() {
        return text.to_string();
    }
    dsl::up_sql(&read_source(path, text, dialect))
}

/// A migration file as statements: read by its framework's reader when it
/// is written in code, parsed as SQL otherwise.
pub fn read_source(path: Option<&str>, text: &str, dialect: crate::Dialect) -> crate::ParsedSource {
    read_source_after(path, text, dialect, &crate::catalog::Catalog::default())
}

/// [`read_source`], the reader knowing the schema before the file (Django's
/// `AlterField` runs only what differs from the column it alters).
pub fn read_source_after(
    path: Option<&str>,
    text: &str,
    dialect: crate::Dialect,
    schema: &crate::catalog::Catalog,
) -> crate::ParsedSource {
    let reader = Framework::reading(path, text).and_then(|f| Some((f, f.spec().reader.as_ref()?)));
    match reader {
        Some((framework, reader)) => {
            let reading = (reader.read)(&dsl::ReadCx {
                text,
                path,
                dialect,
                schema,
            });
            let mut source = dsl::into_source(text, &reading, dialect);
            source.read_as = Some(framework);
            source
        }
        None => crate::parse_source(text, dialect),
    }
}

/// One existing migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Migration {
    pub version: String,
    pub name: String,
    /// The file holding the up migration, relative to the project root.
    #[serde(rename = "up")]
    pub up_path: String,
    /// The file holding the down migration (the same file when the
    /// framework keeps both in one), when there is one.
    #[serde(rename = "down")]
    pub down_path: Option<String>,
}

/// What a set of files says about the project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    pub framework: Framework,
    pub label: &'static str,
    /// The signals found, e.g. "12 files named V<n>__<name>.sql".
    pub evidence: Vec<String>,
    pub naming: &'static str,
    pub ordering: &'static str,
    pub transactions: &'static str,
    /// Existing migrations, oldest first.
    pub migrations: Vec<Migration>,
    /// Migrations without a down (where the framework has downs).
    pub missing_down: Vec<String>,
    /// A schema dump found among the files.
    pub schema_file: Option<String>,
    /// Where new migration files go (a folder, relative).
    pub dir: String,
}

/// A file of the project: path relative to its root, and its text.
#[derive(Debug, Clone)]
pub struct File<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

fn digits_then(s: &str, sep: char) -> Option<(&str, &str)> {
    let (v, rest) = s.split_once(sep)?;
    (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '-')).then_some((v, rest))
}

/// How a framework compares two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionOrder {
    /// As number sequences: `V1_10` after `V1_9`.
    Numeric,
    /// Diesel: the version's digits as a string, dashes dropped
    /// (`2026-05-27-120000` before `2026-05-27-120000-0000`, which is
    /// before `2026-05-28-...`).
    DigitString,
}

impl VersionOrder {
    /// The key versions sort by.
    pub fn key(self, version: &str) -> Vec<u128> {
        match self {
            VersionOrder::Numeric => version_key(version),
            // Digit by digit: compares as the digit string does.
            VersionOrder::DigitString => version
                .chars()
                .filter_map(|c| c.to_digit(10))
                .map(u128::from)
                .collect(),
        }
    }
}

/// Numeric-aware version key: "2019-03-22-170700" and "V1_2" compare as
/// number sequences.
fn version_key(v: &str) -> Vec<u128> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(cur.parse().unwrap_or(u128::MAX));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(cur.parse().unwrap_or(u128::MAX));
    }
    // Diesel's dashes join one timestamp.
    if v.contains('-') && out.len() > 1 {
        let joined: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
        return vec![joined.parse().unwrap_or(u128::MAX)];
    }
    out
}

/// Signals for one framework: (score, evidence, migrations, dir).
/// What one framework's detection found.
#[derive(Default)]
pub struct Found {
    score: u32,
    evidence: Vec<String>,
    migrations: Vec<Migration>,
    dir: String,
}

/// Detects the framework; `None` when nothing matches.
pub fn detect(files: &[File]) -> Option<Detection> {
    let mut best: Option<(Framework, Found)> = None;
    for f in Framework::ALL {
        let found = (f.spec().detect)(files);
        if found.score > 0 && best.as_ref().is_none_or(|(_, b)| found.score > b.score) {
            best = Some((f, found));
        }
    }
    let (framework, mut found) = best?;
    found.migrations.sort_by(|a, b| {
        let order = framework.spec().version_order;
        order
            .key(&a.version)
            .cmp(&order.key(&b.version))
            .then(a.version.cmp(&b.version))
    });
    let missing_down = if framework.has_down() {
        found
            .migrations
            .iter()
            .filter(|m| m.down_path.is_none())
            .map(|m| format!("{}_{}", m.version, m.name))
            .collect()
    } else {
        Vec::new()
    };
    let schema_file = files
        .iter()
        .map(|f| f.path)
        .find(|p| {
            matches!(
                base(p),
                "structure.sql" | "schema.sql" | "schema.rb" | "schema.prisma"
            )
        })
        .map(str::to_string);
    Some(Detection {
        framework,
        label: framework.label(),
        evidence: found.evidence,
        naming: framework.naming(),
        ordering: framework.ordering(),
        transactions: framework.transactions(),
        migrations: found.migrations,
        missing_down,
        schema_file,
        dir: found.dir,
    })
}

/// Adds a signal: its weight and what it was.
fn hit(found: &mut Found, score: u32, what: String) {
    found.score += score;
    found.evidence.push(what);
}

/// The files whose base name (and file) satisfy `pred`.
fn named<'a>(files: &'a [File<'a>], pred: &dyn Fn(&str, &File) -> bool) -> Vec<&'a File<'a>> {
    files.iter().filter(|x| pred(base(x.path), x)).collect()
}

/// Knex and Sequelize: JavaScript/TypeScript migration files named by a
/// timestamp, and the tool's configuration file.
/// Migration files named `<version><separator><name>.<ext>`: one piece of
/// evidence (`{count} {what}`) weighing `weight` each, their folder, and
/// each as a migration, reversible when `has_down` says so of its text.
fn versioned_migrations(
    found: &mut Found,
    matched: &[&File],
    weight: u32,
    what: &str,
    version_of: &dyn Fn(&str) -> Option<(&str, &str)>,
    has_down: &dyn Fn(&str) -> bool,
) {
    if matched.is_empty() {
        return;
    }
    hit(
        found,
        weight * matched.len() as u32,
        format!("{} {what}", matched.len()),
    );
    found.dir = parent(matched[0].path).to_string();
    for file in matched {
        let (version, rest) = version_of(base(file.path)).unwrap_or(("", ""));
        let name = rest.rsplit_once('.').map_or(rest, |(name, _)| name);
        found.migrations.push(Migration {
            version: version.into(),
            name: name.into(),
            up_path: file.path.into(),
            down_path: has_down(file.text).then(|| file.path.to_string()),
        });
    }
}

fn detect_js_builder(files: &[File], f: Framework) -> Found {
    let mut found = Found::default();
    let (config, marker, sep) = if f == Framework::Knex {
        (&["knexfile.js", "knexfile.ts"][..], "knex", '_')
    } else {
        (&[".sequelizerc"][..], "queryInterface", '-')
    };
    if files.iter().any(|x| config.contains(&base(x.path))) {
        hit(&mut found, 10, format!("{} configuration", f.label()));
    }
    let v: Vec<&File> = files
        .iter()
        .filter(|x| {
            let b = base(x.path);
            (b.ends_with(".js") || b.ends_with(".ts") || b.ends_with(".cjs"))
                && digits_then(b, sep).is_some()
                && x.text.contains(marker)
                && !x.text.contains("MigrationInterface")
        })
        .collect();
    versioned_migrations(
        &mut found,
        &v,
        4,
        &format!("{} migration files", f.label()),
        &|name| digits_then(name, sep),
        &|text| text.contains("down"),
    );
    found
}

/// The files as a zip archive (deflated), built in memory.
pub fn zip(files: &[ExportFile]) -> Result<Vec<u8>, String> {
    use std::io::Write as _;
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for f in files {
        w.start_file(f.path.as_str(), options)
            .map_err(|e| e.to_string())?;
        w.write_all(f.content.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    w.finish()
        .map(|c| c.into_inner())
        .map_err(|e| e.to_string())
}

/// The next version for a new migration after `existing`, in the same
/// style: a sequence number of the same width, a timestamp, or Diesel's
/// `YYYY-MM-DD-HHMMSS` (with its `-0000` suffix when the project has one).
/// Each `step` sorts after the one before and after the project's latest.
pub fn next_version(existing: &[Migration], timestamp: &str, step: usize) -> String {
    let last = existing.last().map(|m| m.version.as_str()).unwrap_or("");
    let digits: String = last.chars().filter(|c| c.is_ascii_digit()).collect();
    let is_sequence = !last.is_empty() && digits.len() < 12 && !last.contains('-');
    if is_sequence {
        let n: u128 = digits.parse().unwrap_or(0) + 1 + step as u128;
        let width = if last.chars().all(|c| c.is_ascii_digit()) {
            last.len()
        } else {
            1
        };
        return format!("{n:0width$}");
    }
    // Timestamps: the seconds part counts the steps, so each unit sorts
    // after the last (compared on the 14 digits of the stamp).
    let base: u128 = timestamp.parse().unwrap_or(0);
    let stamp: u128 = digits.get(..14).unwrap_or(&digits).parse().unwrap_or(0);
    let n = base.max(stamp + 1) + step as u128;
    let diesel = last.contains('-') && last.len() >= 17;
    if !diesel {
        return n.to_string();
    }
    let s = format!("{n:014}");
    let dated = format!("{}-{}-{}-{}", &s[0..4], &s[4..6], &s[6..8], &s[8..14]);
    // Diesel's newer `-0000` suffix, kept when the project uses it.
    match last.get(17..) {
        Some(suffix) if suffix.starts_with('-') => {
            format!("{dated}-{}", "0".repeat(suffix.len() - 1))
        }
        _ => dated,
    }
}

#[cfg(test)]
mod tests;

/// What a project folder gives the page's inputs: its schema dump (or its
/// earlier migrations, as the SQL they run), its latest migration (SQL, or
/// the framework's own source, which migplan reads) and that migration's
/// down, each as (path, text). `notes` says what could not be used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectInputs {
    pub schema: Option<(String, String)>,
    pub migration: Option<(String, String)>,
    pub down: Option<(String, String)>,
    pub notes: Vec<String>,
}

/// The down section of a file with up/down markers (dbmate, goose,
/// sql-migrate), if it has one.
pub fn down_section(text: &str) -> Option<String> {
    let mut down: Option<Vec<&str>> = None;
    for line in text.lines() {
        match crate::parse::section_marker(line) {
            Some(crate::parse::Section::Down) => down = Some(Vec::new()),
            Some(crate::parse::Section::Up) => {
                if down.as_ref().is_some_and(|d| !d.is_empty()) {
                    break;
                }
                down = None;
            }
            None => {
                if let Some(d) = down.as_mut() {
                    d.push(line);
                }
            }
        }
    }
    let d = down?.join("\n");
    (!d.trim().is_empty()).then(|| d.trim_matches('\n').to_string() + "\n")
}

/// The inputs `files` give, as `detection` reads them, for `dialect`.
pub fn project_inputs(
    files: &[File],
    detection: &Detection,
    dialect: crate::Dialect,
) -> ProjectInputs {
    let text = |p: &str| {
        files
            .iter()
            .find(|f| f.path == p)
            .map(|f| f.text.to_string())
    };
    let is_sql = |p: &str| p.to_ascii_lowercase().ends_with(".sql");
    let mut out = ProjectInputs::default();
    match detection.schema_file.as_deref() {
        Some(p) if is_sql(p) => out.schema = text(p).map(|t| (p.to_string(), t)),
        Some(p) => out.notes.push(format!(
            "{p} is not SQL: the schema is built from the migrations before the latest"
        )),
        None => out
            .notes
            .push("no schema dump in the folder: the schema is built from the migrations before the latest".into()),
    }
    let Some(latest) = detection.migrations.last() else {
        out.notes.push("no migrations found".into());
        return out;
    };
    let latest_text = text(&latest.up_path).unwrap_or_default();
    let read_as = Framework::reading(Some(&latest.up_path), &latest_text);
    if !is_sql(&latest.up_path) && read_as.is_none() {
        out.notes.push(format!(
            "{} is not SQL and not a migration migplan reads; paste the SQL it runs",
            latest.up_path
        ));
        return out;
    }
    out.migration = Some((latest.up_path.clone(), latest_text));
    // A file written in the framework's language keeps its down inside.
    out.down = match latest.down_path.as_deref() {
        _ if read_as.is_some() => None,
        Some(d) if d == latest.up_path => text(d)
            .and_then(|t| down_section(&t))
            .map(|t| (d.to_string(), t)),
        Some(d) if is_sql(d) => text(d).map(|t| (d.to_string(), t)),
        _ => None,
    };
    // Without a dump, the earlier migrations are the schema.
    if out.schema.is_none() {
        let earlier: Vec<String> = detection.migrations[..detection.migrations.len() - 1]
            .iter()
            .filter_map(|m| {
                let t = text(&m.up_path)?;
                let up = if Framework::reading(Some(&m.up_path), &t).is_some() {
                    schema_sql(Some(&m.up_path), &t, dialect)
                } else if !is_sql(&m.up_path) {
                    return None;
                } else {
                    match m.down_path.as_deref() {
                        Some(d) if d == m.up_path => up_section(&t),
                        _ => t,
                    }
                };
                Some(format!("-- {}\n{}", m.up_path, up.trim_end()))
            })
            .collect();
        if !earlier.is_empty() {
            out.schema = Some((
                format!("{} earlier migrations", earlier.len()),
                earlier.join("\n\n") + "\n",
            ));
        }
    }
    out
}

/// The up part of a file with up/down markers (the whole file without them).
fn up_section(text: &str) -> String {
    let mut keep = true;
    text.lines()
        .filter(|line| match crate::parse::section_marker(line) {
            Some(s) => {
                keep = s == crate::parse::Section::Up;
                false
            }
            None => keep,
        })
        .collect::<Vec<_>>()
        .join("\n")
}
