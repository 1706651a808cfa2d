//! golang-migrate: <version>_<name>.up.sql and <version>_<name>.down.sql.

use super::*;

pub static SPEC: Spec = Spec {
    framework: Framework::GolangMigrate,
    id: "golang-migrate",
    label: "golang-migrate",
    naming: "<version>_<name>.up.sql and <version>_<name>.down.sql",
    ordering: "by the leading version or timestamp",
    transactions: "no implicit transaction (a multi-statement file is one exec)",
    has_down: true,
    version_order: VersionOrder::Numeric,
    default_dir: "migrations",
    detect,
    write,
    reader: None,
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    let named = |pred: &dyn Fn(&str, &File) -> bool| named(files, pred);
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
                    parent(d.path) == parent(x.path) && base(d.path) == format!("{stem}.down.sql")
                })
                .map(|d| d.path.to_string());
            found.migrations.push(Migration {
                version: ver,
                name: rest.trim_end_matches(".up.sql").into(),
                up_path: x.path.into(),
                down_path: down,
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
    files
}
