//! Writing a plan as migration files in a framework's conventions: one
//! file (or up/down pair) per transactional unit, non-transactional units
//! marked the framework's way, raw-SQL wrappers for ORM frameworks.

use serde::Serialize;

use super::{Detection, Framework, next_version};
use crate::Dialect;
use crate::plan::{Plan, Step, runbook, terminated, units};

/// One file to write, relative to the project root.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportFile {
    pub path: String,
    pub content: String,
}

/// A unit of the plan, ready to be wrapped: its SQL and how it must run.
#[derive(Debug, Clone)]
struct Unit {
    version: String,
    name: String,
    up: String,
    down: Option<String>,
    transactional: bool,
    /// A deploy that must happen after this migration and before the next.
    deploy: Vec<String>,
    /// The checks of the unit's steps (Sqitch's verify scripts).
    checks: Vec<runbook::Check>,
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out: String = out.trim_end_matches('_').chars().take(48).collect();
    out.trim_end_matches('_').to_string()
}

/// A file name for the `number`th unit: the change's name (cut so the
/// number always fits), the number, then the unit's title, all as a slug.
/// Every unit gets a different name however long the change's name is.
fn unit_name(name: &str, number: usize, title: &str) -> String {
    let base: String = slug(name).chars().take(24).collect();
    let base = base.trim_end_matches('_');
    slug(&format!("{base} {number} {title}"))
}

/// Text for a one-line comment in a generated file: line breaks and other
/// control characters become spaces, so nothing a name holds can end the
/// comment and become code.
pub(crate) fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn camel(s: &str) -> String {
    slug(s)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A backfill step's SQL for a file that runs once: the batch repeated
/// until no row changes (a DO loop that commits on PostgreSQL, a procedure
/// on MySQL; SQLite has one writer, so one statement over all rows).
pub fn looped(step: &Step, d: Dialect) -> String {
    let one = step.up.trim().trim_end_matches(';');
    match d {
        Dialect::Postgres => format!(
            "DO $$\nDECLARE\n  n bigint;\nBEGIN\n  LOOP\n    {one};\n    GET DIAGNOSTICS n = ROW_COUNT;\n    RAISE NOTICE 'migplan backfill: % rows', n;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND\n$$"
        ),
        Dialect::Mysql => {
            let proc = format!("migplan_batch_{}", step.line);
            format!(
                "CREATE PROCEDURE {proc}() BEGIN DECLARE n INT DEFAULT 1; WHILE n > 0 DO {one}; SET n = ROW_COUNT(); SELECT CONCAT('migplan backfill: ', n, ' rows') AS progress; END WHILE; END;\nCALL {proc}();\nDROP PROCEDURE {proc}"
            )
        }
        Dialect::Sqlite => {
            // `... WHERE key IN (SELECT key ... LIMIT n)` → every row at once.
            match one.find(" LIMIT ") {
                Some(at) => {
                    let end = one[at..].find(')').map_or(one.len(), |p| at + p);
                    format!("{}{}", &one[..at], &one[end..])
                }
                None => one.to_string(),
            }
        }
    }
}

fn units_of(plan: &Plan, existing: &[super::Migration], name: &str, timestamp: &str) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut pending_deploys: Vec<String> = Vec::new();
    let mut n = 0;
    for unit in units(plan) {
        // A deploy point with no SQL of its own goes on the unit before it.
        if unit.iter().all(|s| s.is_deploy_point()) {
            let d: Vec<String> = unit.iter().filter_map(|s| s.deploy.clone()).collect();
            match out.last_mut() {
                Some(last) => last.deploy.extend(d),
                None => pending_deploys.extend(d),
            }
            continue;
        }
        let mut up = String::new();
        if !pending_deploys.is_empty() {
            for d in pending_deploys.drain(..) {
                up.push_str(&format!(
                    "-- Before this migration, deploy: {}\n",
                    comment_text(&d)
                ));
            }
        }
        let mut transactional = true;
        for s in &unit {
            up.push_str(&format!("-- {}\n", comment_text(&s.title)));
            if s.repeat {
                up.push_str(&terminated(&looped(s, plan.dialect)));
                if plan.dialect == Dialect::Postgres {
                    transactional = false;
                }
            } else {
                up.push_str(&terminated(&s.up));
                transactional &= s.transactional;
            }
            up.push('\n');
        }
        let downs: Vec<&Step> = unit.iter().rev().copied().collect();
        let down = if downs.iter().all(|s| s.down.is_some()) {
            let mut d = String::new();
            for s in downs {
                let text = s.down.as_deref().unwrap_or_default();
                if text.trim().is_empty() {
                    continue;
                }
                d.push_str(&format!("-- undo: {}\n", comment_text(&s.title)));
                if s.irreversible {
                    d.push_str(&format!(
                        "-- LOSSY: {}\n",
                        comment_text(s.reason.as_deref().unwrap_or(""))
                    ));
                }
                d.push_str(&terminated(text));
                d.push('\n');
            }
            Some(d)
        } else {
            None
        };
        let title = unit.first().map(|s| s.title.as_str()).unwrap_or(name);
        out.push(Unit {
            version: next_version(existing, timestamp, n),
            name: unit_name(name, n + 1, title),
            up,
            down,
            transactional,
            deploy: Vec::new(),
            checks: unit.iter().flat_map(|s| s.checks.iter().cloned()).collect(),
        });
        n += 1;
    }
    out
}

fn deploy_note(u: &Unit, comment: &str) -> String {
    u.deploy
        .iter()
        .map(|d| {
            format!(
                "{comment} After this migration, DEPLOY before the next one: {}\n",
                comment_text(d)
            )
        })
        .collect()
}

fn down_or_note(u: &Unit) -> String {
    u.down.clone().unwrap_or_else(|| {
        "-- migplan could not generate a rollback for this migration: see the runbook\n".into()
    })
}

fn indent(s: &str, by: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A string literal for Python/JS/C# embedding (triple-quoted or template).
fn py(s: &str) -> String {
    format!(
        "\"\"\"\n{}\"\"\"",
        s.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// A Ruby heredoc holding `s` verbatim: single-quoted (no `#{}`
/// interpolation, no escapes), with a terminator no line of `s` equals.
fn ruby_heredoc(s: &str, indent_by: &str) -> (String, String) {
    let mut tag = String::from("SQL");
    while s.lines().any(|l| l.trim() == tag) {
        tag.push('_');
    }
    (format!("<<~'{tag}'\n{}", indent(s, indent_by)), tag)
}

fn js(s: &str) -> String {
    format!(
        "`\n{}`",
        s.replace('\\', "\\\\")
            .replace('`', "\\`")
            .replace("${", "\\${")
    )
}

fn cs(s: &str) -> String {
    format!("@\"\n{}\"", s.replace('"', "\"\""))
}

/// The plan as files for `fw`. `detection` continues the project's
/// numbering and folders; `timestamp` (YYYYMMDDHHMMSS) names new files.
pub fn export(
    fw: Framework,
    plan: &Plan,
    detection: Option<&Detection>,
    name: &str,
    timestamp: &str,
) -> Vec<ExportFile> {
    let existing = detection.map(|d| d.migrations.as_slice()).unwrap_or(&[]);
    let dir = detection
        .map(|d| d.dir.clone())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| default_dir(fw).to_string());
    let join = |p: &str| {
        if dir.is_empty() {
            p.to_string()
        } else {
            format!("{dir}/{p}")
        }
    };
    let us = units_of(plan, existing, name, timestamp);
    let mut files = Vec::new();
    let d = plan.dialect;
    match fw {
        Framework::Flyway => {
            for u in &us {
                let base = format!("V{}__{}.sql", u.version, u.name);
                files.push(ExportFile {
                    path: join(&base),
                    content: format!("{}{}", u.up, deploy_note(u, "--")),
                });
                files.push(ExportFile {
                    path: join(&format!("U{}__{}.sql", u.version, u.name)),
                    content: down_or_note(u),
                });
                if !u.transactional {
                    files.push(ExportFile {
                        path: join(&format!("{base}.conf")),
                        content: "executeInTransaction=false\n".into(),
                    });
                }
            }
        }
        Framework::Liquibase => {
            let mut c = String::from("--liquibase formatted sql\n\n");
            for u in &us {
                let tx = if u.transactional {
                    ""
                } else {
                    " runInTransaction:false"
                };
                c.push_str(&format!(
                    "--changeset migplan:{}-{}{tx}\n{}",
                    u.version, u.name, u.up
                ));
                c.push_str(&deploy_note(u, "--comment:"));
                match &u.down {
                    Some(down) => {
                        for l in down.lines().filter(|l| !l.trim().is_empty()) {
                            c.push_str(&format!("--rollback {l}\n"));
                        }
                    }
                    None => c.push_str("--rollback not required\n"),
                }
                c.push('\n');
            }
            files.push(ExportFile {
                path: join(&format!("changelog-{}-{}.sql", timestamp, slug(name))),
                content: c,
            });
        }
        Framework::Dbmate => {
            for u in &us {
                let tx = if u.transactional {
                    ""
                } else {
                    " transaction:false"
                };
                files.push(ExportFile {
                    path: join(&format!("{}_{}.sql", u.version, u.name)),
                    content: format!(
                        "-- migrate:up{tx}\n{}{}\n-- migrate:down{tx}\n{}",
                        u.up,
                        deploy_note(u, "--"),
                        down_or_note(u)
                    ),
                });
            }
        }
        Framework::GolangMigrate => {
            for u in &us {
                let note = if u.transactional {
                    "-- golang-migrate runs this file as one exec with no implicit transaction.\n"
                } else {
                    "-- Runs outside a transaction (golang-migrate adds none): keep it alone in this file.\n"
                };
                files.push(ExportFile {
                    path: join(&format!("{}_{}.up.sql", u.version, u.name)),
                    content: format!("{note}{}{}", u.up, deploy_note(u, "--")),
                });
                files.push(ExportFile {
                    path: join(&format!("{}_{}.down.sql", u.version, u.name)),
                    content: down_or_note(u),
                });
            }
        }
        Framework::Goose => {
            // Statements with bodies (functions, triggers, DO) need a block
            // so goose does not split them on inner semicolons.
            let block = |sql: &str| -> String {
                let mut out = String::new();
                let mut at = 0;
                // Segments are in order and never overlap: the text between
                // them (delimiters, comments) is kept as it is.
                for seg in crate::split::split(sql, d) {
                    out.push_str(&sql[at..seg.start]);
                    let body = &sql[seg.start..seg.end];
                    at = seg.end;
                    if body.contains("$$") || body.contains(" BEGIN ") {
                        out.push_str(&format!(
                            "-- +goose StatementBegin\n{body};\n-- +goose StatementEnd"
                        ));
                        // The block carries its own semicolon.
                        if sql.as_bytes().get(at) == Some(&b';') {
                            at += 1;
                        }
                    } else {
                        out.push_str(body);
                    }
                }
                out.push_str(&sql[at..]);
                out
            };
            for u in &us {
                let tx = if u.transactional {
                    ""
                } else {
                    "-- +goose NO TRANSACTION\n"
                };
                files.push(ExportFile {
                    path: join(&format!("{}_{}.sql", u.version, u.name)),
                    content: format!(
                        "{tx}-- +goose Up\n{}{}\n-- +goose Down\n{}",
                        block(&u.up),
                        deploy_note(u, "--"),
                        block(&down_or_note(u))
                    ),
                });
            }
        }
        Framework::Sqitch => {
            let mut plan_lines = String::new();
            for u in &us {
                let n = &u.name;
                files.push(ExportFile {
                    path: join(&format!("deploy/{n}.sql")),
                    content: format!("-- Deploy {n}\n{}{}", u.up, deploy_note(u, "--")),
                });
                files.push(ExportFile {
                    path: join(&format!("revert/{n}.sql")),
                    content: format!("-- Revert {n}\n{}", down_or_note(u)),
                });
                files.push(ExportFile {
                    path: join(&format!("verify/{n}.sql")),
                    content: format!("-- Verify {n}\n{}", verify_sql(u)),
                });
                plan_lines.push_str(&format!(
                    "{n} {} migplan <migplan@localhost> # {}\n",
                    iso(timestamp),
                    if u.transactional {
                        "generated by migplan"
                    } else {
                        "no transaction: run alone"
                    }
                ));
            }
            files.push(ExportFile {
                path: join("sqitch.plan.append"),
                content: plan_lines,
            });
        }
        Framework::Diesel => {
            for u in &us {
                let folder = format!("{}_{}", u.version, u.name);
                files.push(ExportFile {
                    path: join(&format!("{folder}/up.sql")),
                    content: format!("{}{}", u.up, deploy_note(u, "--")),
                });
                files.push(ExportFile {
                    path: join(&format!("{folder}/down.sql")),
                    content: down_or_note(u),
                });
                if !u.transactional {
                    files.push(ExportFile {
                        path: join(&format!("{folder}/metadata.toml")),
                        content: "run_in_transaction = false\n".into(),
                    });
                }
            }
        }
        Framework::Prisma => {
            for u in &us {
                let mut c = format!("{}{}", u.up, deploy_note(u, "--"));
                if !u.transactional {
                    c = format!(
                        "-- Prisma runs each migration in a transaction: this one contains statements that cannot (CONCURRENTLY, committing loops).\n-- Apply it by hand with psql, then mark it applied: npx prisma migrate resolve --applied {}_{}\n{c}",
                        u.version, u.name
                    );
                }
                c.push_str("-- Prisma has no down migrations; the rollback is in the runbook.\n");
                files.push(ExportFile {
                    path: join(&format!("{}_{}/migration.sql", u.version, u.name)),
                    content: c,
                });
            }
        }
        Framework::Rails => {
            for u in &us {
                let class = camel(&u.name);
                let tx = if u.transactional {
                    ""
                } else {
                    "  disable_ddl_transaction!\n\n"
                };
                let up = ruby_heredoc(&u.up, "      ");
                let down = ruby_heredoc(&down_or_note(u), "      ");
                files.push(ExportFile {
                    path: join(&format!("{}_{}.rb", u.version, u.name)),
                    content: format!(
                        "# Generated by migplan.\n{}class {class} < ActiveRecord::Migration[7.1]\n{tx}  def up\n    execute {}\n    {}\n  end\n\n  def down\n    execute {}\n    {}\n  end\nend\n",
                        deploy_note(u, "#"),
                        up.0,
                        up.1,
                        down.0,
                        down.1
                    ),
                });
            }
        }
        Framework::Django => {
            let mut previous = existing.last().map(|m| format!("{}_{}", m.version, m.name));
            for (i, u) in us.iter().enumerate() {
                let number = next_version(existing, "0", i);
                let number = format!("{:0>4}", number.trim_start_matches('0'));
                let module = format!("{number}_{}", u.name);
                let deps = previous
                    .as_ref()
                    .map(|p| format!("(\"app\", \"{p}\")"))
                    .unwrap_or_default();
                let atomic = if u.transactional {
                    ""
                } else {
                    "    atomic = False\n"
                };
                files.push(ExportFile {
                    path: join(&format!("{module}.py")),
                    content: format!(
                        "# Generated by migplan.\n{}from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n{atomic}    dependencies = [{deps}]\n\n    operations = [\n        migrations.RunSQL(\n            sql={},\n            reverse_sql={},\n        ),\n    ]\n",
                        deploy_note(u, "#"),
                        py(&u.up),
                        py(&down_or_note(u))
                    ),
                });
                previous = Some(module);
            }
        }
        Framework::Alembic => {
            let mut previous = existing
                .last()
                .map(|m| m.name.split_whitespace().next().unwrap_or("").to_string());
            for u in &us {
                let rev = format!("{:012x}", fnv(&format!("{}{}", u.version, u.name)));
                let down_rev = previous
                    .as_ref()
                    .map(|p| format!("\"{p}\""))
                    .unwrap_or_else(|| "None".into());
                let up_body = if u.transactional {
                    format!("    op.execute({})\n", py(&u.up))
                } else {
                    format!(
                        "    with op.get_context().autocommit_block():\n        op.execute({})\n",
                        py(&u.up)
                    )
                };
                files.push(ExportFile {
                    path: join(&format!("{rev}_{}.py", u.name)),
                    content: format!(
                        "\"\"\"{}\n\nRevision ID: {rev}\nRevises: {}\n\"\"\"\n{}from alembic import op\n\nrevision = \"{rev}\"\ndown_revision = {down_rev}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n{up_body}\n\ndef downgrade():\n    op.execute({})\n",
                        u.name,
                        previous.as_deref().unwrap_or("(none)"),
                        deploy_note(u, "#"),
                        py(&down_or_note(u))
                    ),
                });
                previous = Some(rev);
            }
        }
        Framework::Knex => {
            for u in &us {
                let cfg = if u.transactional {
                    ""
                } else {
                    "exports.config = { transaction: false };\n\n"
                };
                files.push(ExportFile {
                    path: join(&format!("{}_{}.js", u.version, u.name)),
                    content: format!(
                        "// Generated by migplan.\n{}{cfg}exports.up = (knex) => knex.raw({});\n\nexports.down = (knex) => knex.raw({});\n",
                        deploy_note(u, "//"),
                        js(&u.up),
                        js(&down_or_note(u))
                    ),
                });
            }
        }
        Framework::Sequelize => {
            for u in &us {
                files.push(ExportFile {
                    path: join(&format!("{}-{}.js", u.version, u.name.replace('_', "-"))),
                    content: format!(
                        "'use strict';\n// Generated by migplan.{}\n{}module.exports = {{\n  async up(queryInterface) {{\n    await queryInterface.sequelize.query({});\n  }},\n\n  async down(queryInterface) {{\n    await queryInterface.sequelize.query({});\n  }},\n}};\n",
                        if u.transactional { " Sequelize adds no transaction." } else { " Runs outside a transaction." },
                        deploy_note(u, "//"),
                        js(&u.up),
                        js(&down_or_note(u))
                    ),
                });
            }
        }
        Framework::Typeorm => {
            for u in &us {
                let class = format!("{}{}", camel(&u.name), u.version);
                let tx = if u.transactional {
                    ""
                } else {
                    "    public transaction = false;\n\n"
                };
                files.push(ExportFile {
                    path: join(&format!("{}-{}.ts", u.version, camel(&u.name))),
                    content: format!(
                        "// Generated by migplan.\n{}import {{ MigrationInterface, QueryRunner }} from \"typeorm\";\n\nexport class {class} implements MigrationInterface {{\n{tx}    public async up(queryRunner: QueryRunner): Promise<void> {{\n        await queryRunner.query({});\n    }}\n\n    public async down(queryRunner: QueryRunner): Promise<void> {{\n        await queryRunner.query({});\n    }}\n}}\n",
                        deploy_note(u, "//"),
                        js(&u.up),
                        js(&down_or_note(u))
                    ),
                });
            }
        }
        Framework::EfCore => {
            for u in &us {
                let class = camel(&u.name);
                let suppress = if u.transactional {
                    ""
                } else {
                    ", suppressTransaction: true"
                };
                files.push(ExportFile {
                    path: join(&format!("{}_{class}.cs", u.version)),
                    content: format!(
                        "// Generated by migplan.\n{}using Microsoft.EntityFrameworkCore.Migrations;\n\npublic partial class {class} : Migration\n{{\n    protected override void Up(MigrationBuilder migrationBuilder)\n    {{\n        migrationBuilder.Sql({}{suppress});\n    }}\n\n    protected override void Down(MigrationBuilder migrationBuilder)\n    {{\n        migrationBuilder.Sql({}{suppress});\n    }}\n}}\n",
                        deploy_note(u, "//"),
                        cs(&u.up),
                        cs(&down_or_note(u))
                    ),
                });
            }
        }
    }
    if d == Dialect::Postgres || d == Dialect::Mysql || d == Dialect::Sqlite {
        files.push(ExportFile {
            path: "RUNBOOK.md".into(),
            content: runbook::markdown(plan, name, &plan.validation),
        });
        files.push(ExportFile {
            path: "progress.txt".into(),
            content: runbook::text(plan, name, &plan.validation),
        });
    }
    files
}

fn default_dir(fw: Framework) -> &'static str {
    match fw {
        Framework::Flyway => "db/migration",
        Framework::Liquibase => "db/changelog",
        Framework::Dbmate => "db/migrations",
        Framework::GolangMigrate
        | Framework::Goose
        | Framework::Diesel
        | Framework::Knex
        | Framework::Sequelize => "migrations",
        Framework::Sqitch => "",
        Framework::Prisma => "prisma/migrations",
        Framework::Rails => "db/migrate",
        Framework::Django => "app/migrations",
        Framework::Alembic => "alembic/versions",
        Framework::Typeorm => "src/migrations",
        Framework::EfCore => "Migrations",
    }
}

fn iso(ts: &str) -> String {
    if ts.len() >= 14 {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &ts[0..4],
            &ts[4..6],
            &ts[6..8],
            &ts[8..10],
            &ts[10..12],
            &ts[12..14]
        )
    } else {
        "1970-01-01T00:00:00Z".into()
    }
}

/// A stable 48-bit hash for Alembic revision ids.
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h & 0xffff_ffff_ffff
}

/// Sqitch verify script: the unit's checks, failing when one is wrong.
fn verify_sql(u: &Unit) -> String {
    if u.checks.is_empty() {
        return "-- nothing to verify beyond the deploy succeeding\n".into();
    }
    u.checks
        .iter()
        .map(|c| {
            format!(
                "-- {} (expect {})\n{};\n",
                comment_text(&c.what),
                comment_text(&c.expect),
                c.sql
            )
        })
        .collect()
}
