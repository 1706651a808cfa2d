//! The team's settings: the same `.migplan.toml` the command line reads
//! (typed, imported from a file, exported as one) and table sizes pasted
//! as CSV or JSON. A mistake is shown with its line and column; the text
//! stays as typed.

use std::rc::Rc;

use migplan_core::Dialect;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::state::Team;

#[derive(Properties)]
pub struct TeamProps {
    pub team: Rc<Team>,
    pub dialect: Dialect,
    pub pg_version: u32,
    pub on_settings: Callback<String>,
    pub on_stats: Callback<String>,
}

impl PartialEq for TeamProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.team, &other.team)
            && self.dialect == other.dialect
            && self.pg_version == other.pg_version
    }
}

fn on_text(cb: Callback<String>) -> Callback<InputEvent> {
    Callback::from(move |e: InputEvent| {
        cb.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
    })
}

#[function_component]
pub fn TeamSettings(props: &TeamProps) -> Html {
    let team = &props.team;
    let on_import = {
        let cb = props.on_settings.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let Some(file) = input.files().and_then(|l| l.get(0)) else {
                return;
            };
            let cb = cb.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(text) = crate::files::text(file).await {
                    cb.emit(text);
                }
            });
            input.set_value("");
        })
    };
    let on_export = {
        let text = team.export(props.dialect, props.pg_version);
        Callback::from(move |_: MouseEvent| {
            // Browsers drop a file name's leading dot.
            crate::browser::download("migplan.toml", text.as_bytes(), "application/toml")
        })
    };
    let summary = summary(team);
    html! {
        <details class="panel team-settings" id="team-settings">
            <summary>{ "Team settings (.migplan.toml) " }<small class="hint" id="team-summary">{ summary }</small></summary>
            <p class="hint">{ "The same file the command line reads from your repository: rules off or at another severity, the lock_timeout policy, table sizes. Nothing leaves this page." }</p>
            <label class="block">{ ".migplan.toml" }
                <textarea id="settings-text" spellcheck="false" rows="8" value={team.settings.clone()}
                    placeholder={"lock_timeout = \"require\"\n[rules]\ndropping-index = \"off\"\n[tables]\nusers = 25000000"}
                    oninput={on_text(props.on_settings.clone())} />
            </label>
            if let Some(e) = &team.settings_error {
                <p class="input-error" id="settings-error" role="alert">{ format!("line {}, column {}: {}", e.line, e.column, e.message) }</p>
            }
            <div class="row">
                <label class="file-button secondary">{ "Import .migplan.toml…" }
                    <input id="settings-file" type="file" accept=".toml,text/plain" onchange={on_import} />
                </label>
                <button type="button" class="secondary" id="settings-export" onclick={on_export}
                    title="Downloads migplan.toml (browsers drop the leading dot): put it in your repository as .migplan.toml">{ "Export .migplan.toml" }</button>
            </div>
            <label class="block">{ "Table sizes (CSV with a header such as table,rows,bytes, or JSON): a scan or rewrite of a small table is safe, of a very large one dangerous" }
                <textarea id="stats-text" spellcheck="false" rows="4" value={team.stats.clone()}
                    placeholder={"table,rows\nusers,25000000"} oninput={on_text(props.on_stats.clone())} />
            </label>
            if let Some(e) = &team.stats_error {
                <p class="input-error" id="stats-error" role="alert">{ format!("line {}, column {}: {}", e.line, e.column, e.message) }</p>
            }
        </details>
    }
}

/// One line on what the settings do now.
fn summary(team: &Team) -> String {
    let mut parts = Vec::new();
    match (&team.settings_error, team.config.as_ref()) {
        (Some(_), _) => parts.push("settings not applied: see the mistake below".to_string()),
        (None, Some(c)) if !team.settings.trim().is_empty() => {
            let changed = c.rules.disabled.len() + c.rules.severity.len();
            parts.push(format!(
                "lock_timeout {}, {changed} rule change{}",
                c.rules.lock_timeout.as_str(),
                if changed == 1 { "" } else { "s" }
            ));
        }
        _ => {}
    }
    if team.stats_error.is_some() {
        parts.push("table sizes not applied: see the mistake below".into());
    }
    let sizes = team.sizes.len() + team.config.as_ref().map_or(0, |c| c.tables.len());
    if sizes > 0 {
        parts.push(format!(
            "{sizes} table size{}",
            if sizes == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        "none: every rule at its own severity, no table sizes".into()
    } else {
        parts.join("; ")
    }
}
