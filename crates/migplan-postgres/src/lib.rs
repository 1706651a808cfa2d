//! migplan's PostgreSQL engine: migrations simulated on a real PostgreSQL
//! (a throwaway cluster started from the local binaries, or a scratch
//! database on a server the user names), the schema read back from
//! `pg_catalog` and compared exactly. The simulation itself is the core's
//! (`migplan_core::simulate::postgres`); this crate gives it a server.

pub mod cluster;
pub mod engine;
pub mod history;
pub mod scratch;

/// Every identifier this crate writes into SQL, quoted by the core's one
/// function.
pub(crate) fn quote(name: &str) -> String {
    migplan_core::ddl::ident(name, migplan_core::Dialect::Postgres)
}
