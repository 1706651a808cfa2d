//! Alembic: alembic/versions/<revision>_<name>.py.

use super::*;

#[path = "alembic_reader.rs"]
mod reader;

fn claims(text: &str) -> bool {
    text.contains("from alembic import")
        || (text.contains("down_revision") && text.contains("def upgrade"))
}

pub static SPEC: Spec = Spec {
    framework: Framework::Alembic,
    id: "alembic",
    label: "Alembic",
    naming: "alembic/versions/<revision>_<name>.py",
    ordering: "by the down_revision chain",
    transactions: "one transaction; op.get_context().autocommit_block()",
    has_down: true,
    version_order: VersionOrder::Numeric,
    default_dir: "alembic/versions",
    detect,
    write,
    reader: Some(Reader {
        lang: dsl::Lang::Python,
        extensions: &[".py"],
        claims,
        read: reader::read,
    }),
};

fn detect(files: &[File]) -> Found {
    let mut found = Found::default();
    if files.iter().any(|x| base(x.path) == "alembic.ini") {
        hit(&mut found, 10, "alembic.ini".into());
    }
    let v: Vec<&File> = files
        .iter()
        .filter(|x| parent(x.path).ends_with("versions") && x.text.contains("down_revision"))
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
                up_path: x.path.into(),
                down_path: x.text.contains("def downgrade").then(|| x.path.to_string()),
            });
            cur = Some(id);
            i += 1;
            if i > v.len() {
                break;
            }
        }
    }
    found
}

fn write(cx: &ExportCx) -> Vec<ExportFile> {
    let us = cx.units;
    let existing = cx.existing;
    let join = |p: &str| cx.join(p);
    let mut files = Vec::new();
    let mut previous = existing
        .last()
        .map(|m| m.name.split_whitespace().next().unwrap_or("").to_string());
    for u in us {
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
    files
}
