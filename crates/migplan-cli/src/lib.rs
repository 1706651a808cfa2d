//! The native side of migplan: the bundled-SQLite engine and the commands.

pub mod check;
pub mod config;
pub mod project;
pub mod reporters;
pub mod since;
pub mod sqlite;

use std::borrow::Cow;

/// A file's bytes as text: UTF-8 (a byte-order mark is dropped), or why
/// it is not text. A file with NUL bytes is binary even when it decodes.
pub fn text_of(bytes: Vec<u8>) -> Result<String, String> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err("the file is UTF-16: save it as UTF-8".into());
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(format!("not a text file (a NUL byte at byte {at})"));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not a text file (not UTF-8 at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Text safe to print to a terminal: control characters other than line
/// breaks and tabs (escape sequences, bells, C1 controls) are written as
/// `\u001b`-style escapes, which also keeps JSON output valid.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
