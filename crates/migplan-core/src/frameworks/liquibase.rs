//! Liquibase: formatted SQL changelog: --changeset author:id with --rollback lines.

use super::*;

#[path = "liquibase_reader.rs"]
mod reader;

/// XML changelogs are read; formatted SQL ones are SQL.
fn claims(text: &str) -> bool {
    text.contains("<databaseChangeLog")
}

pub static SPEC: Spec = Spec {
    framework: Framework::Liquibase,
    id: "liquibase",
    label: "Liquibase",
    naming: "formatted SQL changelog: --changeset author:id with --rollback lines",
    ordering: "by position in the changelog",
    transactions: "each changeset in a transaction; runInTransaction:false",
    has_down: true,
    version_order: VersionOrder::Numeric,
    default_dir: "db/changelog",
    detect,
    write,
    reader: Some(Reader {
        lang: dsl::Lang::Xml,
        extensions: &[".xml"],
        claims,
        read: reader::read,
    }),
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    let named = |pred: &dyn Fn(&str, &File) -> bool| named(files, pred);
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
                    up_path: l.path.to_string(),
                    down_path: l.text.contains("--rollback").then(|| l.path.to_string()),
                });
            }
        }
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let name = cx.name;
    let timestamp = cx.timestamp;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
    let mut c = String::from("--liquibase formatted sql\n\n");
    for u in us {
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
    files
}
