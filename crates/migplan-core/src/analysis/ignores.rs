//! Ignore comments: `-- migplan:ignore <rule> <reason>` in the comment lines
//! right above a statement, and `-- migplan:ignore-file <rule> <reason>`
//! anywhere in a file. Each is kept with its position and whether it
//! silenced anything, so an ignore that suppresses nothing is reported and
//! one naming an unknown rule is an error.

/// One ignore comment.
#[derive(Debug, Clone)]
pub(super) struct Ignore {
    /// A rule id, or `all`.
    pub rule: String,
    pub reason: String,
    pub line: usize,
    pub column: usize,
    /// `ignore-file`: every statement of the file.
    pub whole_file: bool,
    /// Whether it silenced a finding.
    pub used: bool,
}

/// The ignore comments of one file.
pub(super) struct Ignores {
    all: Vec<Ignore>,
    /// For each line (0-based), whether it is a `--` comment line.
    comment_lines: Vec<bool>,
}

impl Ignores {
    pub fn read(src: &str) -> Ignores {
        let mut all = Vec::new();
        let mut comment_lines = Vec::new();
        for (i, text) in src.lines().enumerate() {
            comment_lines.push(text.trim_start().starts_with("--"));
            let column = text.len() - text.trim_start().len() + 1;
            let found = directive(text, "migplan:ignore-file")
                .map(|d| (d, true))
                .or_else(|| directive(text, "migplan:ignore").map(|d| (d, false)));
            if let Some(((rule, reason), whole_file)) = found {
                all.push(Ignore {
                    rule,
                    reason,
                    line: i + 1,
                    column,
                    whole_file,
                    used: false,
                });
            }
        }
        Ignores { all, comment_lines }
    }

    /// The first line of the comment block right above `line`.
    fn block_start(&self, line: usize) -> usize {
        let mut start = line;
        while start > 1 && self.comment_lines.get(start - 2) == Some(&true) {
            start -= 1;
        }
        start
    }

    /// The reason an ignore gives for `rule` on the statement starting at
    /// `line`, marking that ignore as used.
    pub fn silence(&mut self, rule: &str, line: usize) -> Option<String> {
        let block = self.block_start(line)..line;
        let hit = self.all.iter_mut().find(|i| {
            (i.rule == rule || i.rule == "all") && (i.whole_file || block.contains(&i.line))
        })?;
        hit.used = true;
        Some(hit.reason.clone())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Ignore> {
        self.all.iter()
    }
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
