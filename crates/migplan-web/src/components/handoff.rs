//! Hand-off: the generated rollback, the migration files for the chosen
//! framework (preview, zip download, project folder detection) and the
//! runbook.

use std::rc::Rc;

use migplan_core::frameworks::{self, Framework};
use migplan_core::plan::runbook;
use migplan_core::rollback::Undo;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::browser::{download, timestamp};
use crate::state::{Analysis, Project};

#[derive(Properties)]
pub struct HandOffProps {
    pub analysis: Rc<Analysis>,
    pub dialect: migplan_core::Dialect,
    pub schema: AttrValue,
    pub migration: AttrValue,
    pub framework: Framework,
    pub project: Option<Rc<Project>>,
    /// The user's down migration.
    #[prop_or_default]
    pub down: AttrValue,
    pub on_framework: Callback<Framework>,
    pub on_project: Callback<Vec<(String, String)>>,
}

impl PartialEq for HandOffProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.analysis, &other.analysis)
            && self.dialect == other.dialect
            && self.schema == other.schema
            && self.migration == other.migration
            && self.framework == other.framework
            && self.project == other.project
            && self.down == other.down
    }
}

#[function_component]
pub fn HandOff(props: &HandOffProps) -> Html {
    let selected = use_state(|| 0usize);
    let comparison = (!props.down.trim().is_empty())
        .then(|| migplan_core::rollback::compare(&props.analysis.session, &props.down));
    let a = &props.analysis;
    let detection = props.project.as_ref().and_then(|p| p.detection.as_ref());
    let name = "migplan";
    // One clock for the preview and the download: the stamp is taken once
    // per analysis, and the zip holds the very files the preview shows.
    let stamp = use_memo(Rc::as_ptr(&props.analysis) as usize, |_| timestamp());
    let files = frameworks::export(
        props.framework,
        a.plan(),
        detection.filter(|d| d.framework == props.framework),
        name,
        &stamp,
    );
    let on_select = {
        let cb = props.on_framework.clone();
        let selected = selected.clone();
        Callback::from(move |e: Event| {
            let id = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(f) = Framework::from_id(&id) {
                selected.set(0);
                cb.emit(f);
            }
        })
    };
    let on_zip = {
        let files = files.clone();
        let fw = props.framework;
        Callback::from(move |_: MouseEvent| {
            if let Ok(bytes) = frameworks::zip(&files) {
                download(
                    &format!("migplan-{}.zip", fw.id()),
                    &bytes,
                    "application/zip",
                );
            }
        })
    };
    let on_folder = {
        let cb = props.on_project.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(list) = input.files() else { return };
            let cb = cb.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let out = crate::files::from_list(crate::files::files_of(&list)).await;
                cb.emit(out);
            });
        })
    };
    let current = files.get(*selected).or(files.first()).cloned();
    let runbook_md = runbook::markdown(a.plan(), "migration", &a.plan().validation);
    let on_runbook = {
        let md = runbook_md.clone();
        Callback::from(move |_: MouseEvent| download("RUNBOOK.md", md.as_bytes(), "text/markdown"))
    };
    let rollback = a.rollback().clone();
    let on_rollback = {
        let sql = rollback.sql.clone();
        Callback::from(move |_: MouseEvent| download("rollback.sql", sql.as_bytes(), "text/plain"))
    };
    html! {
        <>
        <section class="panel" id="rollback" aria-label="Rollback">
            <h2>{ "Rollback " }
                <small class="summary">{
                    if rollback.complete { "every statement can be undone".to_string() }
                    else { "some statements cannot be undone automatically".to_string() }
                }</small>
            </h2>
            <p class="hint">{ "The down migration for the migration as written, last statement first. Lossy undos are marked." }</p>
            <ul class="rollback-list">
                { for rollback.steps.iter().map(|s| html! {
                    <li class={classes!(match &s.inverse { Undo::Impossible(_) => "missing", Undo::Lossy { .. } => "lossy", _ => "ok" })}>
                        <span class="loc">{ format!("undoes line {}", s.line) }</span>
                        if let Some(l) = s.inverse.lossy_text() { <span class="badge irreversible">{ if s.inverse.down_sql().is_some() { format!("lossy: {l}") } else { format!("✖ {l}") } }</span> }
                    </li>
                }) }
            </ul>
            <pre id="rollback-sql" tabindex="0"><code>{ rollback.sql.clone() }</code></pre>
            <button type="button" class="secondary" onclick={on_rollback}>{ "Download rollback.sql" }</button>
            <details class="compare" open={!props.down.trim().is_empty()}>
                <summary>{ "Compare with your own down migration" }</summary>
                if props.down.trim().is_empty() {
                    <p class="hint">{ "Write or drop your down migration in the Down editor (beside the migration) to compare it with this one." }</p>
                }
                if let Some(diffs) = &comparison {
                    <div id="down-comparison">
                        if diffs.is_empty() {
                            <p class="sim-ok">{ "✓ Your down migration leaves the same schema as the generated one." }</p>
                        } else {
                            <p class="sim-failed">{ format!("✖ Your down migration differs ({}): after it, compared with the generated one:", diffs.len()) }</p>
                            <ul>{ for diffs.iter().map(|c| html!{ <li><code>{ c.to_string() }</code></li> }) }</ul>
                        }
                    </div>
                }
            </details>
        </section>
        <section class="panel" id="files" aria-label="Migration files">
            <h2>{ "Files" }</h2>
            <div class="plan-tools">
                <label>{ "Framework " }
                    <select id="framework" onchange={on_select}>
                        { for Framework::ALL.iter().map(|f| html! {
                            <option value={f.id()} selected={*f == props.framework}>{ f.label() }</option>
                        }) }
                    </select>
                </label>
                <label class="folder">{ "Your project folder " }
                    <input id="project-folder" type="file" multiple=true webkitdirectory=true onchange={on_folder} />
                </label>
            </div>
            if let Some(p) = &props.project {
                <p class="detection" id="detection">{
                    match &p.detection {
                        Some(d) => format!(
                            "Detected {} from {} files: {}. {} existing migrations{}; transactions: {}.",
                            d.label,
                            p.files,
                            d.evidence.join("; "),
                            d.migrations.len(),
                            if d.missing_down.is_empty() { String::new() } else { format!(" ({} without a down)", d.missing_down.len()) },
                            d.transactions
                        ),
                        None => format!("No migration framework recognised in {} files.", p.files),
                    }
                }</p>
            }
            <p class="hint">{ format!("{}. Transactions: {}.", props.framework.naming(), props.framework.transactions()) }</p>
            <ul class="file-list">
                { for files.iter().enumerate().map(|(i, f)| {
                    let selected = selected.clone();
                    let onclick = Callback::from(move |_: MouseEvent| selected.set(i));
                    html! { <li><button type="button" class="file-name secondary" {onclick}>{ breakable(&f.path) }</button></li> }
                }) }
            </ul>
            if let Some(f) = current {
                <h3 class="file-path">{ breakable(&f.path) }</h3>
                <pre id="file-preview" tabindex="0"><code>{ f.content.clone() }</code></pre>
            }
            <button type="button" id="download-zip" onclick={on_zip}>{ format!("Download all as zip ({} files)", files.len()) }</button>
        </section>
        <section class="panel" id="runbook" aria-label="Runbook">
            <h2>{ "Runbook" }</h2>
            <details>
                <summary>{ "Preview" }</summary>
                <pre id="runbook-preview" tabindex="0"><code>{ runbook_md }</code></pre>
            </details>
            <button type="button" class="secondary" id="download-runbook" onclick={on_runbook}>{ "Download RUNBOOK.md" }</button>
        </section>
        </>
    }
}

/// A file path that wraps at its separators (after `/`, `_`, `-`, `.`),
/// never inside a word.
fn breakable(path: &str) -> Html {
    let mut pieces: Vec<Html> = Vec::new();
    let mut rest = path;
    while let Some(at) = rest.find(['/', '_', '-', '.']) {
        pieces.push(html! { <>{ &rest[..=at] }<wbr /></> });
        rest = &rest[at + 1..];
    }
    pieces.push(html! { { rest } });
    html! { <>{ for pieces }</> }
}
