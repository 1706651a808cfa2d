//! goose: <version>_<name>.sql with -- +goose Up / -- +goose Down.

use super::*;

pub static SPEC: Spec = Spec {
    framework: Framework::Goose,
    id: "goose",
    label: "goose",
    naming: "<version>_<name>.sql with -- +goose Up / -- +goose Down",
    ordering: "by the leading version or timestamp",
    transactions: "each migration in a transaction; -- +goose NO TRANSACTION",
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
    let v: Vec<&File> = named(&|b, x| b.ends_with(".sql") && x.text.contains("-- +goose Up"));
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
                up_path: x.path.into(),
                down_path: x
                    .text
                    .contains("-- +goose Down")
                    .then(|| x.path.to_string()),
            });
        }
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let d = cx.plan.dialect;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
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
    for u in us {
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
    files
}
