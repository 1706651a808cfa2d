//! Flyway: V<version>__<description>.sql, undo U<version>__<description>.sql.

use super::*;

pub static SPEC: Spec = Spec {
    framework: Framework::Flyway,
    id: "flyway",
    label: "Flyway",
    naming: "V<version>__<description>.sql, undo U<version>__<description>.sql",
    ordering: "by version number, compared part by part",
    transactions: "each script in a transaction; executeInTransaction=false in a <script>.conf file",
    has_down: true,
    version_order: VersionOrder::Numeric,
    default_dir: "db/migration",
    detect,
    write,
    reader: None,
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    let named = |pred: &dyn Fn(&str, &File) -> bool| named(files, pred);
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
                up_path: x.path.to_string(),
                down_path: undo,
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
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
    for u in us {
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
    files
}
