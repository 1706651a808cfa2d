//! Ignore comments: `-- migplan:ignore <rule> <reason>` above a statement
//! and `-- migplan:ignore-file <rule> <reason>` anywhere in a file.

/// `-- migplan:ignore-file <rule> <reason>` lines anywhere in the file.
pub(super) fn file_ignores(lines: &[&str]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|l| directive(l, "migplan:ignore-file"))
        .collect()
}

/// `-- migplan:ignore <rule> <reason>` comment lines right above `line`.
pub(super) fn statement_ignores(lines: &[&str], line: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut l = line.saturating_sub(1);
    while l >= 1 {
        let text = lines.get(l - 1).map(|t| t.trim()).unwrap_or("");
        if !text.starts_with("--") {
            break;
        }
        if let Some(d) = directive(text, "migplan:ignore") {
            out.push(d);
        }
        l -= 1;
    }
    out
}

fn directive(line: &str, keyword: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix(keyword)?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let mut words = rest.split_whitespace();
    let id = words.next()?.to_string();
    let reason = words.collect::<Vec<_>>().join(" ");
    let reason = if reason.is_empty() {
        "no reason given".to_string()
    } else {
        reason
    };
    Some((id, reason))
}
