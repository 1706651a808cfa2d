//! Share links: the whole state (inputs and options) as JSON, deflated and
//! base64url-encoded behind a version prefix, for the URL fragment. Nothing
//! leaves the browser: the fragment is never sent to a server. Decoding
//! refuses damaged, tampered and oversized links (decompression is capped)
//! with a message, and never panics.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::Dialect;

/// What a link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    pub dialect: Dialect,
    #[serde(default = "default_pg")]
    pub pg_version: u32,
    pub schema: String,
    pub migration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// A framework id (`golang-migrate`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// The panel in view (`findings`, `plan`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel: Option<String>,
}

fn default_pg() -> u32 {
    crate::rules::DEFAULT_PG_VERSION
}

/// The prefix of links this version writes.
pub const PREFIX: &str = "v1.";
/// The most a link may decompress to.
pub const MAX_STATE: usize = 4 << 20;
/// Links longer than this are too long for many chat tools and browsers.
pub const LONG_LINK: usize = 8000;

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("this is not a migplan link")]
    NotALink,
    #[error("this link was made by a newer migplan ({0}); open it there")]
    NewerVersion(String),
    #[error("this link is damaged (it may have been cut short or altered): {0}")]
    Damaged(String),
    #[error("this link holds more than {} MB once unpacked; migplan does not open it", MAX_STATE >> 20)]
    TooLarge,
}

/// The fragment (without `#`) for `s`.
pub fn encode(s: &Shared) -> String {
    let json = serde_json::to_vec(s).unwrap_or_default();
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = z.write_all(&json);
    let packed = z.finish().unwrap_or_default();
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The state in a fragment (with or without `#`, or a whole URL).
pub fn decode(link: &str) -> Result<Shared, ShareError> {
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f).trim();
    let Some(body) = fragment.strip_prefix(PREFIX) else {
        if let Some((v, _)) = fragment.split_once('.')
            && v.len() > 1
            && v.starts_with('v')
            && v[1..].chars().all(|c| c.is_ascii_digit())
        {
            return Err(ShareError::NewerVersion(v.to_string()));
        }
        return Err(ShareError::NotALink);
    };
    let packed = URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|e| ShareError::Damaged(e.to_string()))?;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(packed.as_slice())
        .take(MAX_STATE as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|e| ShareError::Damaged(e.to_string()))?;
    if json.len() > MAX_STATE {
        return Err(ShareError::TooLarge);
    }
    let s: Shared =
        serde_json::from_slice(&json).map_err(|e| ShareError::Damaged(e.to_string()))?;
    if !crate::rules::PG_VERSIONS.contains(&s.pg_version) {
        return Err(ShareError::Damaged(format!(
            "PostgreSQL {} is not a version migplan knows",
            s.pg_version
        )));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Shared {
        Shared {
            dialect: Dialect::Mysql,
            pg_version: 14,
            schema: "CREATE TABLE t (id int);".into(),
            migration: "ALTER TABLE t ADD COLUMN x int; -- é ✓".into(),
            batch_size: Some(250),
            framework: Some("goose".into()),
            panel: Some("plan".into()),
        }
    }

    #[test]
    fn links_round_trip() {
        let link = encode(&sample());
        assert!(link.starts_with("v1."));
        assert!(
            link.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        );
        assert_eq!(decode(&link), Ok(sample()));
        assert_eq!(
            decode(&format!("https://x.example/app/#{link}")),
            Ok(sample())
        );
    }

    #[test]
    fn a_20_kb_input_fits_in_a_link() {
        let schema: String = (0..200)
            .map(|i| format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz);\n"))
            .collect();
        assert!(schema.len() > 15_000);
        let s = Shared { schema, ..sample() };
        assert!(encode(&s).len() < LONG_LINK, "{}", encode(&s).len());
    }

    #[test]
    fn bad_links_are_refused_with_a_reason() {
        let link = encode(&sample());
        assert_eq!(decode("hello"), Err(ShareError::NotALink));
        assert_eq!(decode("v9.abc"), Err(ShareError::NewerVersion("v9".into())));
        assert!(matches!(
            decode(&link[..link.len() / 2]),
            Err(ShareError::Damaged(_))
        ));
        let mut tampered = link.clone().into_bytes();
        let i = tampered.len() - 5;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        assert!(decode(std::str::from_utf8(&tampered).unwrap_or_default()).is_err());
        // A decompression bomb: 64 MB of zeros deflated to a few KB.
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = z.write_all(&vec![b' '; 64 << 20]);
        let bomb = format!(
            "v1.{}",
            URL_SAFE_NO_PAD.encode(z.finish().unwrap_or_default())
        );
        assert!(bomb.len() < 200_000);
        assert_eq!(decode(&bomb), Err(ShareError::TooLarge));
    }
}
