//! The native side of migplan: the bundled-SQLite engine and the commands.

pub mod check;
pub mod project;
pub mod sqlite;
