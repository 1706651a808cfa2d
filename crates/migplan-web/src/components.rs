//! Thin components: they display what the core computed.

pub mod editor;
pub mod simulation;
pub mod statements;
