//! The throwaway cluster the tests share, or why there is none.

use migplan_postgres::cluster::{Binaries, Cluster};

/// A cluster from the local binaries. Without PostgreSQL the test is
/// skipped with a message, except in CI (`CI` set), where it fails:
/// `cargo xtask test` installs PostgreSQL.
pub fn cluster() -> Option<Cluster> {
    let bins = match Binaries::find(None) {
        Ok(b) => b,
        Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
        Err(e) => {
            eprintln!("skipped: {e}");
            return None;
        }
    };
    Some(Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}")))
}
