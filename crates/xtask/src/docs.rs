//! `cargo xtask docs`: writes `docs/rules/<id>.md` and `docs/rules/README.md`
//! from the rules' own docs. `cargo xtask test` fails when they are stale.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use migplan_core::rules;

/// Every generated file: name → content.
fn generated() -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, String> = rules::ALL
        .iter()
        .map(|r| (format!("{}.md", r.id), rules::markdown(r)))
        .collect();
    files.insert("README.md".into(), rules::index_markdown());
    files
}

/// Rewrites `docs/rules/`, removing pages of rules that no longer exist.
pub fn write(root: &Path) -> Result<usize> {
    let dir = root.join("docs/rules");
    std::fs::create_dir_all(&dir).context("creating docs/rules")?;
    let files = generated();
    for entry in std::fs::read_dir(&dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !files.contains_key(&name) {
            std::fs::remove_file(entry.path())?;
        }
    }
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).with_context(|| format!("writing {name}"))?;
    }
    Ok(files.len())
}

/// The files of `docs/rules/` that differ from what `write` would produce.
pub fn stale(root: &Path) -> Vec<String> {
    let dir = root.join("docs/rules");
    let files = generated();
    let mut out: Vec<String> = files
        .iter()
        .filter(|(name, text)| std::fs::read_to_string(dir.join(name)).ok().as_ref() != Some(*text))
        .map(|(name, _)| name.clone())
        .collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !files.contains_key(&name) {
            out.push(format!("{name} (no such rule)"));
        }
    }
    out
}
