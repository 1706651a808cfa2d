//! migplan's front end: one reducer ([`state`]) and thin components that
//! display what the core computed.

mod app;
mod browser;
mod components;
mod files;
pub mod state;
pub mod worker;

pub use app::App;
