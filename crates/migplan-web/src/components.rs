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

use migplan_core::diff::ChangeKind;

/// The CSS class of what a migration did to an object (`same` when
/// nothing), shared by the schema panel and the diagram.
pub fn mark_class(m: Option<ChangeKind>) -> &'static str {
    match m {
        Some(ChangeKind::Added) => "added",
        Some(ChangeKind::Removed) => "removed",
        Some(ChangeKind::Changed) => "changed",
        None => "same",
    }
}

/// The sign (and a space) written before a changed object's name, so a
/// change is never shown by colour alone.
pub fn mark_sign(m: Option<ChangeKind>) -> &'static str {
    match m {
        Some(ChangeKind::Added) => "+ ",
        Some(ChangeKind::Removed) => "− ",
        Some(ChangeKind::Changed) => "~ ",
        None => "",
    }
}
