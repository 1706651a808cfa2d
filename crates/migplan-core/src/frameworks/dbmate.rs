//! dbmate: db/migrations/<timestamp>_<name>.sql with -- migrate:up / -- migrate:down.

use super::*;

pub static SPEC: Spec = Spec {
    framework: Framework::Dbmate,
    id: "dbmate",
    label: "dbmate",
    naming: "db/migrations/<timestamp>_<name>.sql with -- migrate:up / -- migrate:down",
    ordering: "by the leading version or timestamp",
    transactions: "each migration in a transaction; -- migrate:up transaction:false",
    has_down: true,
    version_order: VersionOrder::Numeric,
    default_dir: "db/migrations",
    detect,
    write,
    reader: None,
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    let named = |pred: &dyn Fn(&str, &File) -> bool| named(files, pred);
    let v: Vec<&File> = named(&|b, x| {
        b.ends_with(".sql") && digits_then(b, '_').is_some() && x.text.contains("-- migrate:up")
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
                up_path: x.path.into(),
                down_path: has_down.then(|| x.path.to_string()),
            });
        }
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
    for u in us {
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
    files
}
