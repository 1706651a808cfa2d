//! `migplan check --since REV [PROJECT_DIR]`: the migrations a branch adds
//! or changes, checked against the history before them.
//!
//! The project's migrations and their order come from framework detection
//! (or, for a plain folder, `migrations` in `.migplan.toml`, by name);
//! `exclude` patterns drop paths. What changed comes from git: the
//! difference between REV and the working tree, and untracked files.
//! git runs as a program with arguments, never through a shell.

use std::path::{Path, PathBuf};
use std::process::Command;

use migplan_core::config::Config;
use migplan_core::frameworks;

use crate::check::Input;

/// The history (replayed as the schema) and the changed migrations, in
/// the framework's order, with paths relative to the repository's root.
pub struct Changed {
    pub history: Vec<Input>,
    pub changed: Vec<Input>,
    /// What ordered the migrations, e.g. "Diesel" or "files by name".
    pub ordered_by: String,
}

/// Runs git in `dir`; its output, or what went wrong.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("migplan: --since needs git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "migplan: git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The files (relative to the repository's root) that differ between
/// `rev` and the working tree, or that git does not track yet.
fn changed_paths(root: &Path, rev: &str) -> Result<Vec<String>, String> {
    if rev.starts_with('-') || rev.is_empty() {
        return Err(format!("migplan: --since `{rev}` is not a revision"));
    }
    // The revision must name a commit (a typo is an error, not "nothing
    // changed").
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!(
            "migplan: --since {rev}: no such commit in {}",
            root.display()
        )
    })?;
    let mut paths: Vec<String> = git(
        root,
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "--diff-filter=AMR",
            rev,
            "--",
        ],
    )?
    .lines()
    .chain(git(root, &["ls-files", "--others", "--exclude-standard"])?.lines())
    .map(str::to_string)
    .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// Whether `path` matches one of the `exclude` patterns (`*` within a
/// folder, `**` across folders).
pub fn excluded(path: &str, patterns: &[String]) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    patterns
        .iter()
        .any(|p| glob::Pattern::new(p).is_ok_and(|pattern| pattern.matches_with(path, options)))
}

/// Checks that every `exclude` pattern is a pattern.
pub fn check_patterns(patterns: &[String]) -> Result<(), String> {
    for p in patterns {
        glob::Pattern::new(p).map_err(|e| format!("migplan: .migplan.toml: exclude `{p}`: {e}"))?;
    }
    Ok(())
}

/// The project's migration files (relative to `project`), oldest first.
fn migrations(project: &Path, config: Option<&Config>) -> Result<(Vec<String>, String), String> {
    let files = crate::project::read_tree(project)?;
    let refs: Vec<frameworks::File> = files
        .iter()
        .map(|(p, t)| frameworks::File { path: p, text: t })
        .collect();
    let folder = config
        .and_then(|c| c.migrations.as_deref())
        .map(|f| f.trim_end_matches('/').to_string());
    let inside = |path: &str| {
        folder
            .as_deref()
            .is_none_or(|f| f.is_empty() || f == "." || path.starts_with(&format!("{f}/")))
    };
    if let Some(found) = frameworks::detect(&refs) {
        let paths: Vec<String> = found
            .migrations
            .iter()
            .map(|m| m.up_path.clone())
            .filter(|p| inside(p))
            .collect();
        if !paths.is_empty() {
            return Ok((paths, found.label.to_string()));
        }
    }
    let Some(folder) = folder.clone() else {
        return Err(format!(
            "migplan: no migrations recognised in {}: name the folder in .migplan.toml (migrations = \"...\")",
            project.display()
        ));
    };
    let mut paths: Vec<String> = files
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| inside(p) && p.ends_with(".sql"))
        .collect();
    paths.sort();
    Ok((paths, format!("the .sql files in {folder}, by name")))
}

/// One migration of `project` (the newest, or the one whose file name
/// contains `name`) and the history before it, in the framework's order.
pub fn newest(
    project: &Path,
    name: Option<&str>,
    config: Option<&Config>,
) -> Result<Changed, String> {
    let exclude = config.map(|c| c.exclude.as_slice()).unwrap_or_default();
    check_patterns(exclude)?;
    let (ordered, ordered_by) = migrations(project, config)?;
    let ordered: Vec<String> = ordered
        .into_iter()
        .filter(|p| !excluded(p, exclude))
        .collect();
    let at = match name {
        None => ordered.len().checked_sub(1),
        Some(name) => ordered
            .iter()
            .rposition(|p| p.rsplit('/').next().is_some_and(|base| base.contains(name))),
    };
    let Some(at) = at else {
        return Err(match name {
            Some(name) => format!(
                "migplan: no migration named {name} in {}",
                project.display()
            ),
            None => format!("migplan: no migrations in {}", project.display()),
        });
    };
    let read = |path: &String| -> Result<Input, String> {
        let bytes = std::fs::read(project.join(path))
            .map_err(|e| format!("migplan: cannot read {path}: {e}"))?;
        let text = crate::text_of(bytes).map_err(|why| format!("migplan: {path}: {why}"))?;
        Ok(Input {
            path: project.join(path).display().to_string(),
            text,
        })
    };
    Ok(Changed {
        history: ordered[..at].iter().map(read).collect::<Result<_, _>>()?,
        changed: vec![read(&ordered[at])?],
        ordered_by,
    })
}

/// The changed migrations of `project` since `rev` and the history
/// before the first of them.
pub fn changed_since(
    project: &Path,
    rev: &str,
    config: Option<&Config>,
) -> Result<Changed, String> {
    let root = PathBuf::from(git(project, &["rev-parse", "--show-toplevel"])?.trim());
    let project = project
        .canonicalize()
        .map_err(|e| format!("migplan: {}: {e}", project.display()))?;
    let root = root.canonicalize().unwrap_or(root);
    let prefix = project
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let in_repo = |path: &str| {
        if prefix.is_empty() {
            path.to_string()
        } else {
            format!("{prefix}/{path}")
        }
    };
    let exclude = config.map(|c| c.exclude.as_slice()).unwrap_or_default();
    check_patterns(exclude)?;
    let (ordered, ordered_by) = migrations(&project, config)?;
    let changed_paths = changed_paths(&root, rev)?;
    let mut history = Vec::new();
    let mut changed = Vec::new();
    for path in ordered {
        if excluded(&path, exclude) {
            continue;
        }
        let repo_path = in_repo(&path);
        let bytes = std::fs::read(project.join(&path))
            .map_err(|e| format!("migplan: cannot read {repo_path}: {e}"))?;
        let text = crate::text_of(bytes).map_err(|why| format!("migplan: {repo_path}: {why}"))?;
        let input = Input {
            path: repo_path.clone(),
            text,
        };
        if changed_paths.contains(&repo_path) {
            changed.push(input);
        } else if changed.is_empty() {
            history.push(input);
        }
    }
    Ok(Changed {
        history,
        changed,
        ordered_by,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn exclude_patterns() {
        let patterns = vec!["db/legacy/**".to_string(), "*.down.sql".to_string()];
        assert!(super::excluded("db/legacy/2019/001.sql", &patterns));
        assert!(super::excluded("002.down.sql", &patterns));
        assert!(
            !super::excluded("db/new/002.down.sql", &patterns),
            "* stays in its folder"
        );
        assert!(!super::excluded("db/migrate/001.sql", &patterns));
        assert!(super::check_patterns(&["a/[".to_string()]).is_err());
    }
}
