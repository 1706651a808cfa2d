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
    /// The user's down migration.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub down: String,
    /// The user's sample rows (INSERT statements).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rows_sql: String,
    /// The team's settings, as `.migplan.toml` text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub settings: String,
    /// Table sizes, CSV or JSON as pasted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stats: String,
    /// Planner settings: lock timeout, IF [NOT] EXISTS, still-read columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub still_read: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_copies: bool,
    /// Simulation settings: rows, seed, adversarial data, plan by steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adversarial: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub simulate_plan: bool,
}

impl Shared {
    /// A state with these inputs and every setting at its default.
    pub fn new(dialect: Dialect, pg_version: u32, schema: String, migration: String) -> Self {
        Shared {
            dialect,
            pg_version,
            schema,
            migration,
            batch_size: None,
            framework: None,
            panel: None,
            down: String::new(),
            rows_sql: String::new(),
            settings: String::new(),
            stats: String::new(),
            lock_timeout: None,
            idempotent: None,
            still_read: String::new(),
            keep_copies: false,
            rows: None,
            seed: None,
            adversarial: false,
            simulate_plan: false,
        }
    }
}

fn default_pg() -> u32 {
    crate::rules::DEFAULT_PG_VERSION
}

/// The prefix of links this version writes: `v2.` then base64url of a
/// CRC-32 of the JSON (4 bytes, big-endian) followed by the deflated JSON.
pub const PREFIX: &str = "v2.";
/// Links written before the checksum: the deflated JSON alone.
pub const PREFIX_V1: &str = "v1.";
/// The most a link or plan file may decompress to.
pub const MAX_STATE: usize = 4 << 20;
/// The most the browser's own saved drafts may decompress to: they hold the
/// user's own work, which may be far larger than anything shared.
pub const MAX_DRAFT: usize = 256 << 20;

/// Whether what a link carries was checked against its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integrity {
    /// A `v2.` link whose checksum matched.
    Checked,
    /// A `v1.` link: it carries no checksum, so a changed byte can go unseen.
    Unchecked,
}
/// Links longer than this are too long for many chat tools and browsers.
pub const LONG_LINK: usize = 8000;

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("this is not a migplan link or plan file")]
    NotALink,
    #[error("it was made by a newer migplan ({0}); open it there")]
    NewerVersion(String),
    #[error("what it carries is damaged (it may have been cut short or altered): {0}")]
    Damaged(String),
    /// Over the limit (in MB) for what it is: a link, or your own draft or file.
    #[error("it holds more than {0} MB once unpacked; migplan does not open it")]
    TooLarge(usize),
    #[error("its checksum does not match what it carries: it was changed or damaged on the way")]
    ChecksumMismatch,
}

/// The `"migplan"` field of a plan file.
pub const FILE_FORMAT: &str = "migplan-plan-v1";

#[derive(Serialize, Deserialize)]
struct PlanFile {
    migplan: String,
    #[serde(flatten)]
    state: Shared,
}

/// A `.migplan.json` plan file for `s`: the same state as a link, readable,
/// for states too large for a link.
pub fn to_file(s: &Shared) -> String {
    serde_json::to_string_pretty(&PlanFile {
        migplan: FILE_FORMAT.into(),
        state: s.clone(),
    })
    .unwrap_or_default()
}

/// The state in a plan file; the same checks as a link.
pub fn from_file(text: &str) -> Result<Shared, ShareError> {
    // A plan file is the user's own way to keep work too large for a
    // link: it has the drafts' limit.
    if text.len() > MAX_DRAFT {
        return Err(ShareError::TooLarge(MAX_DRAFT >> 20));
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ShareError::Damaged(e.to_string()))?;
    match v.get("migplan").and_then(|m| m.as_str()) {
        Some(FILE_FORMAT) => {}
        Some(other) if other.starts_with("migplan-plan-v") => {
            return Err(ShareError::NewerVersion(other.into()));
        }
        _ => return Err(ShareError::NotALink),
    }
    let f: PlanFile = serde_json::from_value(v).map_err(|e| ShareError::Damaged(e.to_string()))?;
    check(f.state)
}

fn check(s: Shared) -> Result<Shared, ShareError> {
    if !crate::rules::PG_VERSIONS.contains(&s.pg_version) {
        return Err(ShareError::Damaged(format!(
            "PostgreSQL {} is not a version migplan knows",
            s.pg_version
        )));
    }
    if s.rows.is_some_and(|r| r > crate::sample::MAX_ROWS) {
        return Err(ShareError::Damaged(format!(
            "more than {} sample rows",
            crate::sample::MAX_ROWS
        )));
    }
    Ok(s)
}

/// The fragment (without `#`) for `s`.
pub fn encode(s: &Shared) -> String {
    let json = serde_json::to_vec(s).unwrap_or_default();
    let mut crc = flate2::Crc::new();
    crc.update(&json);
    let mut packed = crc.sum().to_be_bytes().to_vec();
    let mut z = flate2::write::DeflateEncoder::new(&mut packed, flate2::Compression::best());
    let _ = z.write_all(&json);
    let _ = z.finish();
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The state in a fragment (with or without `#`, or a whole URL).
pub fn decode(link: &str) -> Result<Shared, ShareError> {
    decode_checked(link, MAX_STATE).map(|(s, _)| s)
}

/// The state in a draft this browser saved: as [`decode`], with the
/// drafts' own size limit.
pub fn decode_draft(draft: &str) -> Result<Shared, ShareError> {
    decode_checked(draft, MAX_DRAFT).map(|(s, _)| s)
}

/// The state in a link and whether its checksum vouched for it; `limit` is
/// the most it may unpack to.
pub fn decode_checked(link: &str, limit: usize) -> Result<(Shared, Integrity), ShareError> {
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f).trim();
    let (body, integrity) = if let Some(body) = fragment.strip_prefix(PREFIX) {
        (body, Integrity::Checked)
    } else if let Some(body) = fragment.strip_prefix(PREFIX_V1) {
        (body, Integrity::Unchecked)
    } else {
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
    let (expected, deflated) = match integrity {
        Integrity::Checked => {
            let Some((sum, rest)) = packed.split_first_chunk::<4>() else {
                return Err(ShareError::Damaged("it is cut short".into()));
            };
            (Some(u32::from_be_bytes(*sum)), rest)
        }
        Integrity::Unchecked => (None, packed.as_slice()),
    };
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(deflated)
        .take(limit as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|e| ShareError::Damaged(e.to_string()))?;
    if json.len() > limit {
        return Err(ShareError::TooLarge(limit >> 20));
    }
    if let Some(expected) = expected {
        let mut crc = flate2::Crc::new();
        crc.update(&json);
        if crc.sum() != expected {
            return Err(ShareError::ChecksumMismatch);
        }
    }
    let s: Shared =
        serde_json::from_slice(&json).map_err(|e| ShareError::Damaged(e.to_string()))?;
    check(s).map(|s| (s, integrity))
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
            down: "ALTER TABLE t DROP COLUMN x;".into(),
            rows_sql: "INSERT INTO t VALUES (1);".into(),
            settings: "lock_timeout = \"require\"\n".into(),
            stats: "table,rows\nt,5\n".into(),
            lock_timeout: Some("3s".into()),
            idempotent: Some(false),
            still_read: "t.x".into(),
            keep_copies: true,
            rows: Some(5000),
            seed: Some(7),
            adversarial: true,
            simulate_plan: true,
        }
    }

    #[test]
    fn plan_files_round_trip_and_are_checked() {
        let f = to_file(&sample());
        assert!(f.contains("\"migplan\": \"migplan-plan-v1\""), "{f}");
        assert_eq!(from_file(&f), Ok(sample()));
        assert_eq!(from_file("{}"), Err(ShareError::NotALink));
        assert!(matches!(
            from_file(&f.replace("plan-v1", "plan-v9")),
            Err(ShareError::NewerVersion(_))
        ));
        assert!(matches!(
            from_file(&f.replace("5000", "99999999")),
            Err(ShareError::Damaged(_))
        ));
        assert!(matches!(
            from_file(&f[..f.len() / 2]),
            Err(ShareError::Damaged(_))
        ));
    }

    #[test]
    fn links_of_older_versions_still_open() {
        // A v1 link written before the down and the settings were carried
        // opens with each of them at its default.
        let json = r#"{"dialect":"postgres","pg_version":16,"schema":"CREATE TABLE t (id int);","migration":"SELECT 1;"}"#;
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(json.as_bytes()).unwrap();
        let link = format!("v1.{}", URL_SAFE_NO_PAD.encode(z.finish().unwrap()));
        assert_eq!(
            decode_checked(&link, MAX_STATE),
            Ok((
                Shared::new(
                    Dialect::Postgres,
                    16,
                    "CREATE TABLE t (id int);".into(),
                    "SELECT 1;".into()
                ),
                Integrity::Unchecked
            ))
        );
    }

    #[test]
    fn a_changed_byte_is_caught_by_the_checksum() {
        let s = Shared {
            migration: "ALTER TABLE t ADD COLUMN at TIMESTAMP;".repeat(20),
            ..sample()
        };
        let link = encode(&s);
        assert_eq!(
            decode_checked(&link, MAX_STATE),
            Ok((s.clone(), Integrity::Checked))
        );
        // Flip every bit of every byte in turn: each change is refused
        // (damaged or a checksum mismatch), or, for the unused bits after
        // the end of the deflate stream, opens the very same state.
        let packed = URL_SAFE_NO_PAD.decode(&link[PREFIX.len()..]).unwrap();
        for at in 0..packed.len() {
            for bit in 0..8 {
                let mut changed = packed.clone();
                changed[at] ^= 1 << bit;
                let tampered = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&changed));
                if let Ok(opened) = decode(&tampered) {
                    assert_eq!(opened, s, "byte {at} bit {bit} opened something else");
                }
            }
        }
        let mut changed = packed.clone();
        changed[0] ^= 1;
        let wrong_sum = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&changed));
        assert_eq!(decode(&wrong_sum), Err(ShareError::ChecksumMismatch));
    }

    #[test]
    fn drafts_may_be_larger_than_links() {
        let s = Shared {
            schema: "CREATE TABLE t (id int, note text DEFAULT 'x');\n".repeat(120_000),
            ..sample()
        };
        assert!(s.schema.len() > MAX_STATE);
        let saved = encode(&s);
        assert_eq!(decode(&saved), Err(ShareError::TooLarge(MAX_STATE >> 20)));
        assert_eq!(decode_draft(&saved), Ok(s.clone()));
        // A plan file, the other way to keep such work, opens as well.
        assert_eq!(from_file(&to_file(&s)), Ok(s));
    }

    #[test]
    fn links_round_trip() {
        let link = encode(&sample());
        assert!(link.starts_with("v2."));
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
        assert_eq!(decode(&bomb), Err(ShareError::TooLarge(MAX_STATE >> 20)));
    }
}
