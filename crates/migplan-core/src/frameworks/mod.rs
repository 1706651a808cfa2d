//! Migration frameworks: which one a project uses (from its file names,
//! folders and contents), its conventions, the migrations it already has,
//! and the plan written as files in its conventions.
//!
//! Pure: callers pass the files in (the CLI reads a directory, the web app
//! a dropped folder).

mod export;

use std::collections::BTreeMap;

use serde::Serialize;

pub use export::{ExportFile, export};

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
}

impl Framework {
    pub const ALL: [Framework; 15] = [
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
    ];

    /// The stable name used on the command line and in share links.
    pub fn id(self) -> &'static str {
        match self {
            Framework::Flyway => "flyway",
            Framework::Liquibase => "liquibase",
            Framework::Dbmate => "dbmate",
            Framework::GolangMigrate => "golang-migrate",
            Framework::Goose => "goose",
            Framework::Sqitch => "sqitch",
            Framework::Diesel => "diesel",
            Framework::Prisma => "prisma",
            Framework::Rails => "rails",
            Framework::Django => "django",
            Framework::Alembic => "alembic",
            Framework::Knex => "knex",
            Framework::Sequelize => "sequelize",
            Framework::Typeorm => "typeorm",
            Framework::EfCore => "ef-core",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Framework::Flyway => "Flyway",
            Framework::Liquibase => "Liquibase",
            Framework::Dbmate => "dbmate",
            Framework::GolangMigrate => "golang-migrate",
            Framework::Goose => "goose",
            Framework::Sqitch => "Sqitch",
            Framework::Diesel => "Diesel",
            Framework::Prisma => "Prisma",
            Framework::Rails => "Rails (Active Record)",
            Framework::Django => "Django",
            Framework::Alembic => "Alembic",
            Framework::Knex => "Knex",
            Framework::Sequelize => "Sequelize",
            Framework::Typeorm => "TypeORM",
            Framework::EfCore => "EF Core",
        }
    }

    pub fn from_id(id: &str) -> Option<Framework> {
        Framework::ALL.into_iter().find(|f| f.id() == id)
    }

    /// How its files are named.
    pub fn naming(self) -> &'static str {
        match self {
            Framework::Flyway => {
                "V<version>__<description>.sql, undo U<version>__<description>.sql"
            }
            Framework::Liquibase => {
                "formatted SQL changelog: --changeset author:id with --rollback lines"
            }
            Framework::Dbmate => {
                "db/migrations/<timestamp>_<name>.sql with -- migrate:up / -- migrate:down"
            }
            Framework::GolangMigrate => "<version>_<name>.up.sql and <version>_<name>.down.sql",
            Framework::Goose => "<version>_<name>.sql with -- +goose Up / -- +goose Down",
            Framework::Sqitch => "sqitch.plan with deploy/, revert/ and verify/<name>.sql",
            Framework::Diesel => "migrations/<timestamp>_<name>/up.sql and down.sql",
            Framework::Prisma => {
                "prisma/migrations/<timestamp>_<name>/migration.sql (forward only)"
            }
            Framework::Rails => "db/migrate/<timestamp>_<name>.rb",
            Framework::Django => "<app>/migrations/<nnnn>_<name>.py",
            Framework::Alembic => "alembic/versions/<revision>_<name>.py",
            Framework::Knex => "migrations/<timestamp>_<name>.js",
            Framework::Sequelize => "migrations/<timestamp>-<name>.js",
            Framework::Typeorm => "migrations/<timestamp>-<Name>.ts (MigrationInterface)",
            Framework::EfCore => "Migrations/<timestamp>_<Name>.cs",
        }
    }

    /// How versions are ordered.
    pub fn ordering(self) -> &'static str {
        match self {
            Framework::Flyway => "by version number, compared part by part",
            Framework::Liquibase => "by position in the changelog",
            Framework::Sqitch => "by position in sqitch.plan",
            Framework::Alembic => "by the down_revision chain",
            Framework::Django => "by dependencies (numbered per app)",
            Framework::Diesel => "by the version before the first _, dashes removed",
            _ => "by the leading version or timestamp",
        }
    }

    /// Whether each migration runs in a transaction by default, and how to
    /// opt out.
    pub fn transactions(self) -> &'static str {
        match self {
            Framework::Flyway => {
                "each script in a transaction; executeInTransaction=false in a <script>.conf file"
            }
            Framework::Liquibase => "each changeset in a transaction; runInTransaction:false",
            Framework::Dbmate => "each migration in a transaction; -- migrate:up transaction:false",
            Framework::GolangMigrate => {
                "no implicit transaction (a multi-statement file is one exec)"
            }
            Framework::Goose => "each migration in a transaction; -- +goose NO TRANSACTION",
            Framework::Sqitch => "each script in a transaction (PostgreSQL)",
            Framework::Diesel => {
                "each migration in a transaction; metadata.toml run_in_transaction = false"
            }
            Framework::Prisma => {
                "each migration in a transaction (PostgreSQL); no opt-out: CONCURRENTLY needs a manual step"
            }
            Framework::Rails => "each migration in a transaction; disable_ddl_transaction!",
            Framework::Django => "each migration in a transaction; atomic = False",
            Framework::Alembic => "one transaction; op.get_context().autocommit_block()",
            Framework::Knex => {
                "each migration in a transaction; exports.config = { transaction: false }"
            }
            Framework::Sequelize => "no implicit transaction",
            Framework::Typeorm => "each migration in a transaction; public transaction = false",
            Framework::EfCore => "each migration in a transaction; suppressTransaction: true",
        }
    }

    /// Whether the framework runs down migrations.
    pub fn has_down(self) -> bool {
        !matches!(self, Framework::Prisma)
    }
}

/// One existing migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Migration {
    pub version: String,
    pub name: String,
    pub up: String,
    pub down: Option<String>,
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
struct Found {
    score: u32,
    evidence: Vec<String>,
    migrations: Vec<Migration>,
    dir: String,
}

/// Detects the framework; `None` when nothing matches.
pub fn detect(files: &[File]) -> Option<Detection> {
    let mut best: Option<(Framework, Found)> = None;
    for f in Framework::ALL {
        let found = signals(f, files);
        if found.score > 0 && best.as_ref().is_none_or(|(_, b)| found.score > b.score) {
            best = Some((f, found));
        }
    }
    let (framework, mut found) = best?;
    found.migrations.sort_by(|a, b| {
        version_key(&a.version)
            .cmp(&version_key(&b.version))
            .then(a.version.cmp(&b.version))
    });
    let missing_down = if framework.has_down() {
        found
            .migrations
            .iter()
            .filter(|m| m.down.is_none())
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

fn signals(f: Framework, files: &[File]) -> Found {
    let mut found = Found {
        score: 0,
        evidence: Vec::new(),
        migrations: Vec::new(),
        dir: String::new(),
    };
    let hit = |found: &mut Found, score: u32, what: String| {
        found.score += score;
        found.evidence.push(what);
    };
    let named = |pred: &dyn Fn(&str, &File) -> bool| -> Vec<&File> {
        files.iter().filter(|x| pred(base(x.path), x)).collect()
    };
    match f {
        Framework::Flyway => {
            let v: Vec<&File> = named(&|b, _| {
                b.ends_with(".sql")
                    && b.starts_with(['V', 'v'])
                    && b[1..].split_once("__").is_some_and(|(ver, _)| {
                        !ver.is_empty()
                            && ver
                                .chars()
                                .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
                    })
            });
            if !v.is_empty() {
                hit(
                    &mut found,
                    3 * v.len() as u32,
                    format!("{} files named V<version>__<name>.sql", v.len()),
                );
                for x in &v {
                    let b = base(x.path);
                    let (ver, rest) = b[1..].split_once("__").unwrap_or(("", b));
                    let name = rest.trim_end_matches(".sql").to_string();
                    let undo = files
                        .iter()
                        .find(|u| base(u.path) == format!("U{ver}__{rest}"))
                        .map(|u| u.path.to_string());
                    found.migrations.push(Migration {
                        version: ver.to_string(),
                        name,
                        up: x.path.to_string(),
                        down: undo,
                    });
                }
                found.dir = parent(v[0].path).to_string();
            }
            if files
                .iter()
                .any(|x| matches!(base(x.path), "flyway.conf" | "flyway.toml"))
            {
                hit(&mut found, 10, "flyway configuration file".into());
            }
        }
        Framework::Liquibase => {
            let logs: Vec<&File> = named(&|b, x| {
                (b.starts_with("changelog") || b.contains("changelog"))
                    && (b.ends_with(".xml")
                        || b.ends_with(".yaml")
                        || b.ends_with(".yml")
                        || b.ends_with(".json")
                        || b.ends_with(".sql"))
                    || x.text.contains("--liquibase formatted sql")
                    || x.text.contains("databaseChangeLog")
            });
            if !logs.is_empty() {
                hit(
                    &mut found,
                    10 * logs.len() as u32,
                    format!("{} Liquibase changelog(s)", logs.len()),
                );
                found.dir = parent(logs[0].path).to_string();
                for l in &logs {
                    for (i, cs) in l
                        .text
                        .lines()
                        .filter(|line| line.starts_with("--changeset"))
                        .enumerate()
                    {
                        found.migrations.push(Migration {
                            version: format!("{i:04}"),
                            name: cs.trim_start_matches("--changeset").trim().to_string(),
                            up: l.path.to_string(),
                            down: l.text.contains("--rollback").then(|| l.path.to_string()),
                        });
                    }
                }
            }
        }
        Framework::Dbmate => {
            let v: Vec<&File> = named(&|b, x| {
                b.ends_with(".sql")
                    && digits_then(b, '_').is_some()
                    && x.text.contains("-- migrate:up")
            });
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} files with -- migrate:up", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let (ver, rest) = digits_then(base(x.path), '_').unwrap_or(("", ""));
                    let has_down = x
                        .text
                        .lines()
                        .any(|l| l.trim_start().starts_with("-- migrate:down"))
                        && x.text.split("-- migrate:down").nth(1).is_some_and(|d| {
                            d.lines()
                                .any(|l| !l.trim().is_empty() && !l.trim().starts_with("--"))
                        });
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.trim_end_matches(".sql").into(),
                        up: x.path.into(),
                        down: has_down.then(|| x.path.to_string()),
                    });
                }
            }
        }
        Framework::GolangMigrate => {
            // Also the same shape with a V prefix or a dot (V0001.Name.up.sql).
            let version_of = |b: &str| -> Option<(String, String)> {
                let b = b.strip_prefix(['V', 'v']).unwrap_or(b);
                let end = b.find(|c: char| !c.is_ascii_digit())?;
                let (v, rest) = b.split_at(end);
                let rest = rest.strip_prefix(['_', '.'])?;
                (!v.is_empty()).then(|| (v.to_string(), rest.to_string()))
            };
            let ups: Vec<&File> = named(&|b, _| b.ends_with(".up.sql") && version_of(b).is_some());
            if !ups.is_empty() {
                hit(
                    &mut found,
                    3 * ups.len() as u32,
                    format!("{} <version>_<name>.up.sql files", ups.len()),
                );
                found.dir = parent(ups[0].path).to_string();
                for x in &ups {
                    let b = base(x.path);
                    let (ver, rest) = version_of(b).unwrap_or_default();
                    let stem = b.trim_end_matches(".up.sql");
                    let down = files
                        .iter()
                        .find(|d| {
                            parent(d.path) == parent(x.path)
                                && base(d.path) == format!("{stem}.down.sql")
                        })
                        .map(|d| d.path.to_string());
                    found.migrations.push(Migration {
                        version: ver,
                        name: rest.trim_end_matches(".up.sql").into(),
                        up: x.path.into(),
                        down,
                    });
                }
            }
        }
        Framework::Goose => {
            let v: Vec<&File> =
                named(&|b, x| b.ends_with(".sql") && x.text.contains("-- +goose Up"));
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} files with -- +goose Up", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let (ver, rest) = digits_then(base(x.path), '_').unwrap_or(("0", base(x.path)));
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.trim_end_matches(".sql").into(),
                        up: x.path.into(),
                        down: x
                            .text
                            .contains("-- +goose Down")
                            .then(|| x.path.to_string()),
                    });
                }
            }
        }
        Framework::Sqitch => {
            if let Some(plan) = files.iter().find(|x| base(x.path) == "sqitch.plan") {
                hit(&mut found, 20, "sqitch.plan".into());
                let root = parent(plan.path);
                found.dir = root.to_string();
                for (i, line) in plan
                    .text
                    .lines()
                    .filter(|l| !l.trim().is_empty() && !l.starts_with('%') && !l.starts_with('#'))
                    .enumerate()
                {
                    let name = line
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let join = |d: &str| {
                        if root.is_empty() {
                            format!("{d}/{name}.sql")
                        } else {
                            format!("{root}/{d}/{name}.sql")
                        }
                    };
                    let revert = join("revert");
                    found.migrations.push(Migration {
                        version: format!("{i:04}"),
                        name: name.clone(),
                        up: join("deploy"),
                        down: files.iter().any(|x| x.path == revert).then_some(revert),
                    });
                }
            }
        }
        Framework::Diesel => {
            let ups: Vec<&File> = files
                .iter()
                .filter(|x| {
                    base(x.path) == "up.sql" && digits_then(base(parent(x.path)), '_').is_some()
                })
                .collect();
            if !ups.is_empty() {
                hit(
                    &mut found,
                    3 * ups.len() as u32,
                    format!("{} migrations/<version>_<name>/up.sql folders", ups.len()),
                );
                found.dir = parent(parent(ups[0].path)).to_string();
                for x in &ups {
                    let folder = parent(x.path);
                    let (ver, rest) = digits_then(base(folder), '_').unwrap_or(("", ""));
                    let down = format!("{folder}/down.sql");
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.into(),
                        up: x.path.into(),
                        down: files.iter().any(|d| d.path == down).then_some(down),
                    });
                }
            }
            if files.iter().any(|x| base(x.path) == "diesel.toml") {
                hit(&mut found, 10, "diesel.toml".into());
            }
        }
        Framework::Prisma => {
            let ms: Vec<&File> = files
                .iter()
                .filter(|x| {
                    base(x.path) == "migration.sql"
                        && parent(parent(x.path)).ends_with("migrations")
                })
                .collect();
            if !ms.is_empty() {
                hit(
                    &mut found,
                    4 * ms.len() as u32,
                    format!(
                        "{} prisma/migrations/<name>/migration.sql folders",
                        ms.len()
                    ),
                );
                found.dir = parent(parent(ms[0].path)).to_string();
                for x in &ms {
                    let folder = base(parent(x.path));
                    let (ver, rest) = folder.split_once('_').unwrap_or((folder, ""));
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.into(),
                        up: x.path.into(),
                        down: None,
                    });
                }
            }
            if files
                .iter()
                .any(|x| matches!(base(x.path), "schema.prisma" | "migration_lock.toml"))
            {
                hit(&mut found, 10, "schema.prisma / migration_lock.toml".into());
            }
        }
        Framework::Rails => {
            let v: Vec<&File> = files
                .iter()
                .filter(|x| {
                    x.path.contains("db/migrate/")
                        && base(x.path).ends_with(".rb")
                        && digits_then(base(x.path), '_').is_some()
                })
                .collect();
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} db/migrate/<timestamp>_<name>.rb files", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let (ver, rest) = digits_then(base(x.path), '_').unwrap_or(("", ""));
                    let reversible = x.text.contains("def down") || x.text.contains("def change");
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.trim_end_matches(".rb").into(),
                        up: x.path.into(),
                        down: reversible.then(|| x.path.to_string()),
                    });
                }
            }
        }
        Framework::Django => {
            let v: Vec<&File> = files
                .iter()
                .filter(|x| {
                    parent(x.path).ends_with("migrations")
                        && base(x.path).ends_with(".py")
                        && digits_then(base(x.path), '_').is_some()
                        && x.text.contains("migrations")
                })
                .collect();
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} <app>/migrations/<nnnn>_<name>.py files", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let (ver, rest) = digits_then(base(x.path), '_').unwrap_or(("", ""));
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.trim_end_matches(".py").into(),
                        up: x.path.into(),
                        down: Some(x.path.to_string()),
                    });
                }
            }
        }
        Framework::Alembic => {
            if files.iter().any(|x| base(x.path) == "alembic.ini") {
                hit(&mut found, 10, "alembic.ini".into());
            }
            let v: Vec<&File> = files
                .iter()
                .filter(|x| {
                    parent(x.path).ends_with("versions") && x.text.contains("down_revision")
                })
                .collect();
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} alembic/versions revisions", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                // Order by the down_revision chain.
                let rev = |t: &str, key: &str| -> Option<String> {
                    t.lines()
                        .find(|l| l.trim_start().starts_with(key))
                        .and_then(|l| l.split(['\'', '"']).nth(1))
                        .map(str::to_string)
                };
                let mut by_parent: BTreeMap<Option<String>, &File> = BTreeMap::new();
                for x in &v {
                    by_parent.insert(rev(x.text, "down_revision"), x);
                }
                let mut cur: Option<String> = None;
                let mut i = 0;
                while let Some(x) = by_parent.get(&cur) {
                    let id = rev(x.text, "revision").unwrap_or_default();
                    let name = base(x.path)
                        .split_once('_')
                        .map_or("", |(_, n)| n)
                        .trim_end_matches(".py")
                        .to_string();
                    found.migrations.push(Migration {
                        version: format!("{i:04}"),
                        name: format!("{id} {name}"),
                        up: x.path.into(),
                        down: x.text.contains("def downgrade").then(|| x.path.to_string()),
                    });
                    cur = Some(id);
                    i += 1;
                    if i > v.len() {
                        break;
                    }
                }
            }
        }
        Framework::Knex | Framework::Sequelize => {
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
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} {} migration files", v.len(), f.label()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let (ver, rest) = digits_then(base(x.path), sep).unwrap_or(("", ""));
                    let name = rest.rsplit_once('.').map_or(rest, |(n, _)| n);
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: name.into(),
                        up: x.path.into(),
                        down: x.text.contains("down").then(|| x.path.to_string()),
                    });
                }
            }
        }
        Framework::Typeorm => {
            let v: Vec<&File> = files
                .iter()
                .filter(|x| x.text.contains("implements MigrationInterface"))
                .collect();
            if !v.is_empty() {
                hit(
                    &mut found,
                    5 * v.len() as u32,
                    format!("{} classes implementing MigrationInterface", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let b = base(x.path);
                    let (ver, rest) = digits_then(b, '-').unwrap_or(("0", b));
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.trim_end_matches(".ts").into(),
                        up: x.path.into(),
                        down: x.text.contains("async down").then(|| x.path.to_string()),
                    });
                }
            }
        }
        Framework::EfCore => {
            let v: Vec<&File> = files
                .iter()
                .filter(|x| {
                    let b = base(x.path);
                    b.ends_with(".cs")
                        && !b.ends_with(".Designer.cs")
                        && !b.ends_with("ModelSnapshot.cs")
                        && x.text.contains("migrationBuilder")
                })
                .collect();
            if !v.is_empty() {
                hit(
                    &mut found,
                    4 * v.len() as u32,
                    format!("{} EF Core migrations using migrationBuilder", v.len()),
                );
                found.dir = parent(v[0].path).to_string();
                for x in &v {
                    let (ver, rest) = digits_then(base(x.path), '_').unwrap_or(("0", base(x.path)));
                    found.migrations.push(Migration {
                        version: ver.into(),
                        name: rest.trim_end_matches(".cs").into(),
                        up: x.path.into(),
                        down: x.text.contains("Down(").then(|| x.path.to_string()),
                    });
                }
            }
            if files
                .iter()
                .any(|x| base(x.path).ends_with("ModelSnapshot.cs"))
            {
                hit(&mut found, 10, "a *ModelSnapshot.cs".into());
            }
        }
    }
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
/// style (same width for sequence numbers; a timestamp otherwise).
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
    // Timestamps: add the step to the seconds so each unit sorts after the last.
    let base: u128 = timestamp.parse().unwrap_or(0);
    let last_n: u128 = digits.parse().unwrap_or(0);
    let n = base.max(last_n + 1) + step as u128;
    if last.contains('-') && last.len() >= 17 {
        // Diesel: YYYY-MM-DD-HHMMSS
        let s = format!("{n:014}");
        return format!("{}-{}-{}-{}", &s[0..4], &s[4..6], &s[6..8], &s[8..14]);
    }
    n.to_string()
}

#[cfg(test)]
mod tests;

/// What a project folder gives the page's inputs: its schema dump, its
/// latest SQL migration and that migration's down, each as (path, text).
/// Files that are not SQL (a Rails `.rb`, a Django `.py`) are not used;
/// `notes` says so.
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

/// The inputs `files` give, as `detection` reads them.
pub fn project_inputs(files: &[File], detection: &Detection) -> ProjectInputs {
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
        Some(p) => out
            .notes
            .push(format!("{p} is not SQL: paste a SQL dump of the schema")),
        None => out
            .notes
            .push("no schema dump in the folder: the schema is built from the migrations before the latest".into()),
    }
    let Some(latest) = detection.migrations.last() else {
        out.notes.push("no migrations found".into());
        return out;
    };
    if !is_sql(&latest.up) {
        out.notes.push(format!(
            "{} is not SQL: {} migrations are written in code; paste the SQL they run",
            latest.up, detection.label
        ));
        return out;
    }
    out.migration = text(&latest.up).map(|t| (latest.up.clone(), t));
    out.down = match latest.down.as_deref() {
        Some(d) if d == latest.up => text(d)
            .and_then(|t| down_section(&t))
            .map(|t| (d.to_string(), t)),
        Some(d) if is_sql(d) => text(d).map(|t| (d.to_string(), t)),
        _ => None,
    };
    // Without a dump, the earlier migrations are the schema.
    if out.schema.is_none() {
        let earlier: Vec<String> = detection.migrations[..detection.migrations.len() - 1]
            .iter()
            .filter(|m| is_sql(&m.up))
            .filter_map(|m| {
                let t = text(&m.up)?;
                let up = match m.down.as_deref() {
                    Some(d) if d == m.up => up_section(&t),
                    _ => t,
                };
                Some(format!("-- {}\n{}", m.up, up.trim_end()))
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
