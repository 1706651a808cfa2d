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
pub mod team_settings;

use migplan_core::diff::ChangeKind;
use yew::{Callback, Event, TargetCast};

/// The change handler of a number input: `on_value` hears the number when
/// the text is one, and nothing otherwise.
pub fn on_number<T: std::str::FromStr + 'static>(on_value: Callback<T>) -> Callback<Event> {
    Callback::from(move |e: Event| {
        if let Ok(n) = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .value()
            .parse::<T>()
        {
            on_value.emit(n);
        }
    })
}

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

/// `n` and the noun for it: "1 table", "2 tables".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
