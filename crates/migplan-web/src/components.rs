//! Thin components: they display what the core computed.

pub mod diagram;
pub mod drafts;
pub mod editor;
pub mod findings;
pub mod growth;
pub mod handoff;
pub mod plan_panel;
pub mod schema_model;
pub mod simulation;
pub mod statements;
