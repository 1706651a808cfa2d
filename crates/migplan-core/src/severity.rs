//! The three severity words: `safe`, `careful`, `dangerous`.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Safe,
    Careful,
    Dangerous,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Safe => "safe",
            Severity::Careful => "careful",
            Severity::Dangerous => "dangerous",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "safe" => Ok(Severity::Safe),
            "careful" => Ok(Severity::Careful),
            "dangerous" => Ok(Severity::Dangerous),
            _ => Err(format!(
                "unknown severity `{s}` (expected safe, careful or dangerous)"
            )),
        }
    }
}
