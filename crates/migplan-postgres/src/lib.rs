//! migplan's PostgreSQL engine: migrations simulated on a real PostgreSQL
//! (a throwaway cluster started from the local binaries, or a scratch
//! database on a server the user names), the schema read back from
//! `pg_catalog` and compared exactly.

pub mod catalog;
pub mod cluster;
pub mod history;
pub mod run;
pub mod scratch;
pub mod simulate;
pub mod trace;

/// Every identifier this crate writes into SQL, quoted by the core's one
/// function.
pub(crate) fn quote(name: &str) -> String {
    migplan_core::ddl::ident(name, migplan_core::Dialect::Postgres)
}
