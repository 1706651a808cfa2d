//! Prisma: prisma/migrations/<timestamp>_<name>/migration.sql (forward only).

use super::*;

pub static SPEC: Spec = Spec {
    framework: Framework::Prisma,
    id: "prisma",
    label: "Prisma",
    naming: "prisma/migrations/<timestamp>_<name>/migration.sql (forward only)",
    ordering: "by the leading version or timestamp",
    transactions: "each migration in a transaction (PostgreSQL); no opt-out: CONCURRENTLY needs a manual step",
    has_down: false,
    version_order: VersionOrder::Numeric,
    default_dir: "prisma/migrations",
    detect,
    write,
    reader: None,
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    let ms: Vec<&File> = files
        .iter()
        .filter(|x| {
            base(x.path) == "migration.sql" && parent(parent(x.path)).ends_with("migrations")
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
                up_path: x.path.into(),
                down_path: None,
            });
        }
    }
    if files
        .iter()
        .any(|x| matches!(base(x.path), "schema.prisma" | "migration_lock.toml"))
    {
        hit(&mut found, 10, "schema.prisma / migration_lock.toml".into());
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
    for u in us {
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
    files
}
