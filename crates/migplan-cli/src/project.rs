//! Reading a project directory for framework detection, and the clock.

use std::path::Path;

use migplan_core::frameworks::Detection;

/// Every text file under `dir` (relative paths with `/`), skipping VCS
/// and dependency folders and files over 1 MiB.
pub fn read_tree(dir: &Path) -> Result<Vec<(String, String)>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if matches!(
                    name.as_str(),
                    ".git" | "node_modules" | "target" | "vendor" | "dist"
                ) {
                    continue;
                }
                walk(root, &p, out)?;
            } else if e.metadata().map(|m| m.len() <= 1 << 20).unwrap_or(false) {
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                // Files that are not text (images, binaries) are no migrations.
                if let Ok(text) = crate::text_of(std::fs::read(&p)?) {
                    out.push((rel, text));
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out).map_err(|e| format!("migplan: cannot read {}: {e}", dir.display()))?;
    out.sort();
    Ok(out)
}

/// What `migplan detect` prints.
pub fn render_detection(d: &Detection) -> String {
    let mut s = format!(
        "framework: {}\nevidence: {}\nnaming: {}\nordering: {}\ntransactions: {}\n",
        d.label,
        d.evidence.join("; "),
        d.naming,
        d.ordering,
        d.transactions
    );
    if let Some(f) = &d.schema_file {
        s.push_str(&format!("schema file: {f}\n"));
    }
    s.push_str(&format!(
        "migrations ({}), oldest first:\n",
        d.migrations.len()
    ));
    for m in &d.migrations {
        let down = if m.down_path.is_some() {
            ""
        } else {
            "  (no down)"
        };
        s.push_str(&format!("  {} {}{down}\n", m.version, m.name));
    }
    if !d.missing_down.is_empty() {
        s.push_str(&format!(
            "{} migration(s) without a down\n",
            d.missing_down.len()
        ));
    }
    s
}

/// The current UTC time as YYYYMMDDHHMMSS.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_have_fourteen_digits() {
        let t = super::timestamp();
        assert_eq!(t.len(), 14);
        assert!(t.starts_with("20"), "{t}");
    }
}
