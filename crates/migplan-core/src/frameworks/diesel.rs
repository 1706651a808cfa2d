//! Diesel: migrations/<timestamp>_<name>/up.sql and down.sql.

use super::*;

pub static SPEC: Spec = Spec {
    framework: Framework::Diesel,
    id: "diesel",
    label: "Diesel",
    naming: "migrations/<timestamp>_<name>/up.sql and down.sql",
    ordering: "by the version before the first _, dashes removed",
    transactions: "each migration in a transaction; metadata.toml run_in_transaction = false",
    has_down: true,
    version_order: VersionOrder::DigitString,
    default_dir: "migrations",
    detect,
    write,
    reader: None,
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    let ups: Vec<&File> = files
        .iter()
        .filter(|x| base(x.path) == "up.sql" && digits_then(base(parent(x.path)), '_').is_some())
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
                up_path: x.path.into(),
                down_path: files.iter().any(|d| d.path == down).then_some(down),
            });
        }
    }
    if files.iter().any(|x| base(x.path) == "diesel.toml") {
        hit(&mut found, 10, "diesel.toml".into());
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
    for u in us {
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
    files
}
