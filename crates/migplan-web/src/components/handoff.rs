//! Hand-off: the generated rollback, the migration files for the chosen
//! framework (preview, zip download, project folder detection) and the
//! runbook.

use std::rc::Rc;

use migplan_core::frameworks::{self, Framework};
use migplan_core::plan::runbook;
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
    }
}

/// Text files worth reading from a dropped project folder.
fn wanted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext_ok = [
        ".sql", ".rb", ".py", ".js", ".cjs", ".mjs", ".ts", ".cs", ".toml", ".ini", ".conf",
        ".plan", ".xml", ".yaml", ".yml", ".json", ".prisma",
    ]
    .iter()
    .any(|e| name.ends_with(e));
    ext_ok || name == ".sequelizerc"
}

#[function_component]
pub fn HandOff(props: &HandOffProps) -> Html {
    let selected = use_state(|| 0usize);
    let user_down = use_state(String::new);
    let on_user_down = {
        let user_down = user_down.clone();
        Callback::from(move |e: InputEvent| {
            user_down.set(
                e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value(),
            )
        })
    };
    let comparison = (!user_down.trim().is_empty()).then(|| {
        migplan_core::rollback::compare(props.dialect, &props.schema, &props.migration, &user_down)
    });
    let a = &props.analysis;
    let detection = props.project.as_ref().and_then(|p| p.detection.as_ref());
    let name = "migplan";
    // The preview uses a fixed stamp; downloads use the current time.
    let files = frameworks::export(
        props.framework,
        &a.plan,
        detection.filter(|d| d.framework == props.framework),
        name,
        "20260101000000",
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
        let a = a.clone();
        let fw = props.framework;
        let detection = detection.cloned();
        Callback::from(move |_: MouseEvent| {
            let files = frameworks::export(
                fw,
                &a.plan,
                detection.as_ref().filter(|d| d.framework == fw),
                name,
                &timestamp(),
            );
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
            let mut picked = Vec::new();
            for i in 0..list.length() {
                if let Some(f) = list.get(i) {
                    let rel = js_sys::Reflect::get(&f, &"webkitRelativePath".into())
                        .ok()
                        .and_then(|v| v.as_string())
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| f.name());
                    // Drop the folder's own name: paths relative to it.
                    let rel = rel
                        .split_once('/')
                        .map_or(rel.clone(), |(_, r)| r.to_string());
                    if wanted(&rel) && f.size() <= 1_048_576.0 {
                        picked.push((rel, f));
                    }
                }
            }
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                for (rel, f) in picked {
                    let file = gloo::file::File::from(f);
                    if let Ok(text) = gloo::file::futures::read_as_text(&file).await {
                        out.push((rel, text));
                    }
                }
                out.sort();
                cb.emit(out);
            });
        })
    };
    let current = files.get(*selected).or(files.first()).cloned();
    let runbook_md = runbook::markdown(&a.plan, "migration", &a.plan.validation);
    let on_runbook = {
        let md = runbook_md.clone();
        Callback::from(move |_: MouseEvent| download("RUNBOOK.md", md.as_bytes(), "text/markdown"))
    };
    let rollback = a.rollback.clone();
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
                    <li class={classes!(if s.inverse.sql.is_none() { "missing" } else if s.inverse.lossy.is_some() { "lossy" } else { "ok" })}>
                        <span class="loc">{ format!("undoes line {}", s.line) }</span>
                        if let Some(l) = &s.inverse.lossy { <span class="badge irreversible">{ if s.inverse.sql.is_some() { format!("lossy: {l}") } else { format!("✖ {l}") } }</span> }
                    </li>
                }) }
            </ul>
            <pre id="rollback-sql"><code>{ rollback.sql.clone() }</code></pre>
            <button type="button" class="secondary" onclick={on_rollback}>{ "Download rollback.sql" }</button>
            <details class="compare">
                <summary>{ "Compare with your own down migration" }</summary>
                <textarea id="user-down" spellcheck="false" rows="5" placeholder="Paste your down migration" value={(*user_down).clone()} oninput={on_user_down} />
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
                    html! { <li><button type="button" class="file-name secondary" {onclick}>{ f.path.clone() }</button></li> }
                }) }
            </ul>
            if let Some(f) = current {
                <h3 class="file-path">{ f.path.clone() }</h3>
                <pre id="file-preview"><code>{ f.content.clone() }</code></pre>
            }
            <button type="button" id="download-zip" onclick={on_zip}>{ format!("Download all as zip ({} files)", files.len()) }</button>
        </section>
        <section class="panel" id="runbook" aria-label="Runbook">
            <h2>{ "Runbook" }</h2>
            <details>
                <summary>{ "Preview" }</summary>
                <pre id="runbook-preview"><code>{ runbook_md }</code></pre>
            </details>
            <button type="button" class="secondary" id="download-runbook" onclick={on_runbook}>{ "Download RUNBOOK.md" }</button>
        </section>
        </>
    }
}
