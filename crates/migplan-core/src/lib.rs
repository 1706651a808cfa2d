//! migplan's core: everything that does not touch IO.
//!
//! Analysis never fails: it returns what it understood plus diagnostics.
//! IO sits behind the [`engine::Engine`] trait, implemented by the browser
//! (sql.js) and the CLI (bundled SQLite).

pub mod analysis;
pub mod catalog;
pub mod config;
pub mod ddl;
pub mod diagram;
pub mod dialect;
pub mod diff;
pub mod engine;
pub mod frameworks;
pub mod highlight;
pub mod locks;
pub mod names;
pub mod parse;
pub mod plan;
pub mod position;
pub mod report;
pub mod rollback;
pub mod rules;
pub mod sample;
pub mod sandbox;
pub mod session;
pub mod settings;
pub mod severity;
pub mod share;
pub mod simulate;
pub mod split;
pub mod translate;

pub use analysis::{Analysis, Analyzer, Options, analyze};
pub use dialect::Dialect;
pub use parse::{ParsedSource, ParsedStatement, SourceError, parse_source};
pub use session::{SchemaStatements, Session};
pub use severity::Severity;
