//! The page: editors on the left, what migplan understood on the right.

use migplan_core::Dialect;
use migplan_core::simulate;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use std::rc::Rc;

use crate::components::diagram::SchemaDiagram;
use crate::components::editor::{Editor, Marker};
use crate::components::findings::Findings;
use crate::components::handoff::HandOff;
use crate::components::plan_panel::PlanPanel;
use crate::components::schema_model::SchemaModel;
use crate::components::simulation::SimulationPanel;
use crate::components::statements::Statements;
use crate::state::{Action, Notice, PlanSettings, SameAnalysis, State, Tone};
use crate::worker::Task;

mod files;
mod persistence;
mod simulation;
mod staging;

use staging::Later;

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(State::example);

    persistence::use_persistence(state.clone());
    // Analysis follows typing after a pause (longer for big texts), or at
    // once on Ctrl/Cmd+Enter.
    let timer = use_mut_ref(|| None::<gloo::timers::callback::Timeout>);
    let debounce = {
        let s = state.dispatcher();
        let timer = timer.clone();
        Callback::from(move |size: usize| {
            let s = s.clone();
            let delay = if size > 100_000 { 400 } else { 150 };
            *timer.borrow_mut() = Some(gloo::timers::callback::Timeout::new(delay, move || {
                s.dispatch(Action::Analyze)
            }));
        })
    };
    let on_run_now = {
        let s = state.dispatcher();
        let timer = timer.clone();
        Callback::from(move |()| {
            timer.borrow_mut().take();
            s.dispatch(Action::Analyze)
        })
    };
    let on_reset = {
        let s = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        "Replace your schema and migration with the built-in example?",
                    )
                    .ok()
                })
                .unwrap_or(false);
            if sure {
                s.dispatch(Action::Reset);
            }
        })
    };
    let theme = use_state(crate::browser::saved_theme);
    {
        let t = (*theme).clone();
        use_effect_with(t, |t| crate::browser::set_theme(t));
    }
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |e: Event| {
            theme.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let share_link = use_state(String::new);
    // The schema's statements are drawn only while their panel is open: a
    // large dump's thousands of rows would be redrawn on every paste.
    let schema_open = use_state(|| false);
    let on_schema_toggle = {
        let schema_open = schema_open.clone();
        Callback::from(move |e: Event| {
            let open = e
                .target_dyn_into::<web_sys::HtmlDetailsElement>()
                .is_some_and(|d| d.open());
            schema_open.set(open);
        })
    };
    let on_share = {
        let state = state.clone();
        let share_link = share_link.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(location) = web_sys::window().map(|w| w.location()) else {
                return;
            };
            let href = location.href().unwrap_or_default();
            let base = href.split('#').next().unwrap_or_default();
            let shared = migplan_core::share::Shared {
                panel: panel_in_view(),
                ..state.shared()
            };
            let link = format!("{base}#{}", migplan_core::share::encode(&shared));
            crate::browser::copy(&link);
            share_link.set(link);
        })
    };
    // Opening work from elsewhere (a plan file, a project folder) first
    // keeps the current work among the replaced.
    let current = {
        let state = state.clone();
        Callback::from(move |()| migplan_core::share::encode(&state.shared()))
    };
    let on_open_draft = {
        let s = state.dispatcher();
        Callback::from(
            move |encoded: String| match migplan_core::share::decode_draft(&encoded) {
                Ok(shared) => s.dispatch(Action::LoadShared(Box::new(shared))),
                Err(e) => s.dispatch(Action::Notice(Some(Notice::problem(format!(
                    "The draft could not be opened: {e}."
                ))))),
            },
        )
    };
    let on_save_file = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let text = migplan_core::share::to_file(&migplan_core::share::Shared {
                panel: panel_in_view(),
                ..state.shared()
            });
            crate::browser::download("plan.migplan.json", text.as_bytes(), "application/json");
        })
    };
    let files::Handlers {
        dragging,
        on_pick,
        on_dragover,
        on_dragleave,
        on_drop,
    } = files::use_files(state.clone());
    let on_down = {
        let s = state.dispatcher();
        Callback::from(move |t: String| s.dispatch(Action::SetDown(t)))
    };
    // A link or the rail that names a panel scrolls to it once drawn.
    let staging::Staging {
        stage,
        go: on_go,
        schema_panels,
        behind,
    } = staging::use_stage(&state);
    let on_dismiss = {
        let s = state.dispatcher();
        Callback::from(move |_: MouseEvent| s.dispatch(Action::Notice(None)))
    };
    let on_schema = {
        let s = state.dispatcher();
        let debounce = debounce.clone();
        Callback::from(move |t: String| {
            debounce.emit(t.len());
            s.dispatch(Action::SetSchema(t))
        })
    };
    let on_migration = {
        let s = state.dispatcher();
        let debounce = debounce.clone();
        Callback::from(move |t: String| {
            debounce.emit(t.len());
            s.dispatch(Action::SetMigration(t))
        })
    };
    // Recomputed with the analysis, not on every render.
    let (schema_markers, migration_markers) =
        (*use_memo(SameAnalysis(state.analysis.clone()), |a| markers(&a.0))).clone();
    let on_dialect = {
        let s = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Ok(d) = e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse::<Dialect>()
            {
                s.dispatch(Action::SetDialect(d));
            }
        })
    };
    let on_pg_version = {
        let s = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Ok(v) = e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse::<u32>()
            {
                s.dispatch(Action::SetPgVersion(v));
            }
        })
    };
    let on_batch_size = {
        let s = state.dispatcher();
        Callback::from(move |n: u32| s.dispatch(Action::SetBatchSize(n)))
    };
    let on_settings = {
        let s = state.dispatcher();
        Callback::from(move |settings: PlanSettings| s.dispatch(Action::SetPlanSettings(settings)))
    };
    let on_framework = {
        let s = state.dispatcher();
        Callback::from(move |f| s.dispatch(Action::SetFramework(f)))
    };
    let on_project = {
        let s = state.dispatcher();
        Callback::from(move |files| s.dispatch(Action::SetProject(files, false)))
    };
    let on_rows_sql = {
        let s = state.dispatcher();
        Callback::from(move |t| s.dispatch(Action::SetRowsSql(t)))
    };
    let on_simulate_plan = {
        let s = state.dispatcher();
        Callback::from(move |on| s.dispatch(Action::SetSimulatePlan(on)))
    };
    let on_engine = {
        let s = state.dispatcher();
        Callback::from(move |engine| s.dispatch(Action::SetEngine(engine)))
    };
    let on_data = {
        let s = state.dispatcher();
        Callback::from(move |d| s.dispatch(Action::SetData(d)))
    };
    let simulation::Controls {
        on_run,
        on_growth,
        on_cancel,
    } = simulation::use_simulation(state.clone());
    let on_team_settings = {
        let s = state.dispatcher();
        let debounce = debounce.clone();
        Callback::from(move |t: String| {
            debounce.emit(t.len());
            s.dispatch(Action::SetSettings(t))
        })
    };
    let on_team_stats = {
        let s = state.dispatcher();
        let debounce = debounce.clone();
        Callback::from(move |t: String| {
            debounce.emit(t.len());
            s.dispatch(Action::SetStats(t))
        })
    };
    let on_statement_seconds = {
        let s = state.dispatcher();
        Callback::from(move |n| s.dispatch(Action::SetStatementSeconds(n)))
    };

    html! {
        <div class={classes!("app", dragging.then_some("dragging"))} ondragover={on_dragover} ondragleave={on_dragleave} ondrop={on_drop}>
            if *dragging {
                <div class="drop-hint" aria-hidden="true">{ "Drop a project folder, SQL files or a .migplan.json plan file" }</div>
            }
            <div class="top">
            <header class="topbar">
                <h1>{ "migplan" }</h1>
                { severity_summary(state.analysis.migration(), state.stale) }
                { analysis_time(&state.analysis) }
                <label class="dialect"><span class="label-text">{ "Dialect " }</span>
                    <select id="dialect" onchange={on_dialect} aria-label="SQL dialect">
                        { for Dialect::ALL.iter().map(|d| html! {
                            <option value={d.as_str()} selected={*d == state.dialect}>{ d.label() }</option>
                        }) }
                    </select>
                </label>
                // The version's place is kept for every dialect: the bar
                // does not shift when the dialect changes.
                <label class="dialect version"><span class="label-text">{ if state.dialect == Dialect::Postgres { "Version " } else { "" } }</span>
                    if state.dialect == Dialect::Postgres {
                        <select id="pg-version" onchange={on_pg_version} aria-label="Target PostgreSQL version">
                            { for migplan_core::rules::PG_VERSIONS.map(|v| html! {
                                <option value={v.to_string()} selected={v == state.options.pg_version}>{ format!("PostgreSQL {v}") }</option>
                            }) }
                        </select>
                    }
                </label>
                <label class="dialect"><span class="label-text">{ "Theme " }</span>
                    <select id="theme" onchange={on_theme} aria-label="Colour theme">
                        { for [("system", "System"), ("light", "Light"), ("dark", "Dark")].iter().map(|(v, l)| html! {
                            <option value={*v} selected={*theme == *v}>{ *l }</option>
                        }) }
                    </select>
                </label>
                <crate::components::drafts::Drafts current={current} on_open={on_open_draft} />
                <details class="menu" id="file-menu">
                    <summary>{ "File" }</summary>
                    <div class="menu-panel">
                        <label class="file-button secondary" title="A .sql file (the migration), a .migplan.json plan file, or several files of a project">
                            { "Open files…" }
                            <input id="open-files" type="file" multiple=true accept=".sql,.json,.txt,.csv" onchange={on_pick.clone()} />
                        </label>
                        <label class="file-button secondary" title="Your project's folder: its schema dump, latest migration and down fill the editors">
                            { "Open folder…" }
                            <input id="open-folder" type="file" multiple=true webkitdirectory=true onchange={on_pick} />
                        </label>
                        <button type="button" id="save-file" class="secondary" onclick={on_save_file.clone()} title="Everything on this page as a file you can open again by dropping it here">{ "Save plan file" }</button>
                        <button type="button" id="reset" class="secondary" onclick={on_reset}>{ "Reset to example" }</button>
                    </div>
                </details>
                <button type="button" id="share" class="secondary" onclick={on_share} title="Copy a link that opens exactly this: nothing is sent anywhere">{ "Copy share link" }</button>
            </header>
            if !share_link.is_empty() {
                <div class="share-bar" role="status">
                    <label><span class="done">{ "✔ Link copied " }</span>
                        <input id="share-link" type="text" readonly=true value={(*share_link).clone()} />
                    </label>
                    if share_link.len() > migplan_core::share::LONG_LINK {
                        <span id="long-link" class="long-link">{ format!(
                            "This link is {} characters: many chat and review tools cut links over {}. Send the plan file instead: ",
                            share_link.len(), migplan_core::share::LONG_LINK) }
                            <button type="button" class="secondary" onclick={on_save_file}>{ "Download plan file" }</button>
                        </span>
                    }
                </div>
            }
            if let Some(n) = &state.notice {
                <div class={classes!("notice", if n.tone == Tone::Problem { "problem" } else { "info" })} id="notice"
                    role={if n.tone == Tone::Problem { "alert" } else { "status" }}>
                    <span>{ if n.tone == Tone::Problem { "✖ " } else { "✔ " } }{ n.text.clone() }</span>
                    <button type="button" class="secondary" onclick={on_dismiss}>{ "Dismiss" }</button>
                </div>
            }
            </div>
            <main class="layout">
                <div class="inputs">
                    <Editor id="schema-editor" label="Schema" value={state.schema.clone()} on_input={on_schema}
                        dialect={state.dialect} markers={schema_markers} on_run={on_run_now.clone()}
                        placeholder="CREATE TABLE statements, or a pg_dump / mysqldump / .schema output" />
                    <Editor id="migration-editor" label="Migration" value={state.migration.clone()} on_input={on_migration}
                        dialect={state.dialect} markers={migration_markers} on_run={on_run_now}
                        placeholder="The migration to check: SQL (ALTER TABLE …), or your framework's migration file (Rails, Django, Alembic, Knex, Sequelize, TypeORM, EF Core, Laravel, Liquibase XML, Ecto)" />
                    if let Some((framework, sql)) = state.analysis.read_as_sql() {
                        <details class="panel" id="migration-sql-panel">
                            <summary id="show-sql">{ format!("Show as SQL: what migplan read from this {framework} migration") }</summary>
                            <pre id="migration-sql" class="sql" tabindex="0">{ sql }</pre>
                        </details>
                    }
                    <Editor id="down-editor" label="Down migration (optional: yours, to check; otherwise migplan writes one)" value={state.down.clone()} on_input={on_down}
                        dialect={state.dialect} placeholder="The rollback you wrote, if any" />
                    <p class="hint editor-keys">{ "Analysis follows your typing; Ctrl+Enter (⌘+Enter) runs it at once. Tab indents; Esc then Tab leaves the editor." }</p>
                    <crate::components::team_settings::TeamSettings team={state.team.clone()} dialect={state.dialect}
                        pg_version={state.options.pg_version} on_settings={on_team_settings} on_stats={on_team_stats} />
                </div>
                <div class="outputs" aria-busy={behind.to_string()}>
                    { section_rail(&state, &on_go) }
                    <Findings findings={state.analysis.migration().findings.clone()} max_severity={state.analysis.migration().max_severity} not_analysed={state.analysis.migration().not_analysed} errors={state.analysis.migration().errors.clone()} editor="migration-editor" />
                    if stage.shows(Later::Plan) {
                    <PlanPanel analysis={state.analysis.clone()} batch_size={state.batch_size} {on_batch_size}
                        lock_timeout={AttrValue::from(state.lock_timeout.to_string())} idempotent={state.idempotent}
                        still_read={AttrValue::from(state.still_read.clone())} keep_copies={state.keep_copies} {on_settings} />
                    }
                    if stage.shows(Later::Statements) {
                    <Statements id="migration-statements" title="Migration statements" analysis={state.analysis.clone()} />
                    }
                    if stage.shows(Later::Simulation) {
                    <SimulationPanel dialect={state.dialect} state={state.simulation.clone()} data={state.data.clone()} simulate_plan={state.simulate_plan} {on_simulate_plan} rows_sql={AttrValue::from(state.rows_sql.clone())} {on_rows_sql} {on_data} {on_run} {on_cancel} {on_growth} growth={state.growth.clone()} statement_seconds={state.statement_seconds} {on_statement_seconds} engine={state.engine} {on_engine} />
                    }
                    if stage.shows(Later::Schema) {
                    <SchemaDiagram analysis={schema_panels.clone()} />
                    <SchemaModel analysis={schema_panels.clone()} />
                    }
                    if stage.shows(Later::HandOff) {
                    <HandOff analysis={state.analysis.clone()} dialect={state.dialect} schema={AttrValue::from(state.schema.clone())} migration={AttrValue::from(state.migration.clone())} framework={state.framework} project={state.project.clone()} {on_framework} {on_project} down={AttrValue::from(state.down.clone())} />
                    }
                    <details class="panel" id="schema-statements-panel" ontoggle={on_schema_toggle}>
                        <summary>{ "Schema statements" }</summary>
                        if *schema_open {
                            <Statements id="schema-statements" title="Schema statements" analysis={schema_panels.clone()} schema=true />
                        }
                    </details>
                </div>
            </main>
            <footer class="tagline">{ "migplan plans database migrations before they hurt production. Everything runs in this page: nothing you paste leaves your browser." }</footer>
        </div>
    }
}

/// Gutter markers: parse errors of both inputs, and the migration's findings.
fn markers(a: &crate::state::Analysis) -> (Rc<Vec<Marker>>, Rc<Vec<Marker>>) {
    let errors = |r: &migplan_core::report::CheckReport| -> Vec<Marker> {
        r.statements
            .iter()
            .filter(|s| !s.parsed)
            .map(|s| Marker {
                line: s.error_line.unwrap_or(s.line),
                column: s.error_column.unwrap_or(s.column),
                kind: "error",
                message: format!("does not parse: {}", s.error.as_deref().unwrap_or("")),
            })
            .collect()
    };
    let mut migration = errors(a.migration());
    migration.extend(a.migration().active_findings().filter_map(|f| {
        let kind = match f.severity {
            migplan_core::Severity::Dangerous => "dangerous",
            migplan_core::Severity::Careful => "careful",
            migplan_core::Severity::Safe => return None,
        };
        Some(Marker {
            line: f.line,
            column: f.column,
            kind,
            message: format!("{kind}: {} ({})", f.message, f.rule),
        })
    }));
    (Rc::new(errors(&a.schema)), Rc::new(migration))
}

/// "2 dangerous, 1 careful" at the top of the page, each with its icon;
/// a link to the findings.
fn severity_summary(r: &migplan_core::report::CheckReport, stale: bool) -> Html {
    use crate::components::findings::icon;
    use migplan_core::Severity;
    let count = |s: Severity| r.active_findings().filter(|f| f.severity == s).count();
    let unparsed = r.statements.iter().filter(|s| !s.parsed).count();
    let mut parts: Vec<Html> = [Severity::Dangerous, Severity::Careful]
        .into_iter()
        .filter(|s| count(*s) > 0)
        .map(|s| html! { <span class={classes!("word", s.as_str())}>{ format!("{} {} {}", icon(s), count(s), s.as_str()) }</span> })
        .collect();
    if unparsed > 0 {
        parts.push(
            html! { <span class="word unparsed">{ format!("⊘ {unparsed} not parsed") }</span> },
        );
    }
    if parts.is_empty() {
        parts.push(
            html! { <span class="word safe">{ format!("{} safe", icon(Severity::Safe)) }</span> },
        );
    }
    html! {
        <button type="button" class="severity-summary" id="severity-summary" aria-live="polite" data-stale={stale.to_string()}
            title="Go to the findings" onclick={Callback::from(|_: MouseEvent| scroll_to("findings"))}>
            { for parts.into_iter().enumerate().map(|(i, p)| html! { <>{ if i > 0 { ", " } else { "" } }{ p }</> }) }
            if stale { <span class="hint">{ " · analysing…" }</span> }
        </button>
    }
}

/// The results, each with its count: a rail to go to one without scrolling
/// through the others (buttons: the page's fragment holds share links).
fn section_rail(state: &State, on_go: &Callback<&'static str>) -> Html {
    use crate::state::Simulation;
    let report = state.analysis.migration();
    let count = |n: usize| Some(n.to_string());
    let simulation = match &state.simulation {
        Simulation::Done(r) if r.ok => Some("✔".to_string()),
        Simulation::Done(_) => Some("✖".to_string()),
        Simulation::Unavailable(_) => Some("✖".to_string()),
        s if s.running() => Some("…".to_string()),
        _ => None,
    };
    let sections: [(&str, &str, Option<String>); 9] = [
        (
            "findings",
            "Findings",
            count(report.active_findings().count()),
        ),
        ("plan", "Plan", None),
        (
            "migration-statements",
            "Statements",
            count(report.statements.len()),
        ),
        ("simulation", "Simulation", simulation),
        ("diagram-panel", "Diagram", None),
        (
            "schema-model",
            "Schema",
            count(state.analysis.model().after.tables.len()),
        ),
        ("rollback", "Rollback", None),
        ("files", "Files", None),
        ("runbook", "Runbook", None),
    ];
    html! {
        <nav class="sections" id="sections" aria-label="Results">
            { for sections.into_iter().map(|(id, label, n)| {
                let onclick = on_go.reform(move |_: MouseEvent| id);
                html! {
                    <button type="button" class="secondary" data-target={id} {onclick}>
                        { label }
                        if let Some(n) = n { <span class="count">{ n }</span> }
                    </button>
                }
            }) }
        </nav>
    }
}

/// How long the analysis took (read by `cargo xtask bench` too).
fn analysis_time(a: &crate::state::Analysis) -> Html {
    let n = a.migration().statements.len() + a.schema.statements.len();
    html! {
        <span class="hint analysis-time" id="analysis-time" data-ms={format!("{:.1}", a.ms)} data-statements={n.to_string()}>
            { format!("{n} statements analysed in {:.0} ms", a.ms.max(1.0)) }
        </span>
    }
}

/// Scrolls the element `id` into view (links in the page never touch the
/// URL fragment, which holds share links).
/// What the worker is asked to simulate for `state`.
fn simulation_job(state: &State, task: Task) -> crate::worker::Job {
    crate::worker::Job {
        dialect: state.dialect,
        pg_version: state.options.pg_version,
        schema: state.schema.clone(),
        migration: state.migration.clone(),
        options: simulate::SimOptions {
            data: state.data.clone(),
            down: (!state.down.trim().is_empty()).then(|| state.down.clone()),
            rows_sql: (!state.rows_sql.trim().is_empty()).then(|| state.rows_sql.clone()),
        },
        limits: migplan_core::engine::Limits {
            statement_seconds: state.statement_seconds,
            ..migplan_core::engine::Limits::default()
        },
        task,
        engine: state.engine,
    }
}

/// The action for what the worker said (none for where it is).
fn outcome_action(outcome: crate::worker::Outcome) -> Option<Action> {
    use crate::worker::{Event, Outcome};
    Some(match outcome {
        Outcome::Event(Event::Ready | Event::Starting { .. }) => return None,
        Outcome::Event(Event::Progress { done, total }) => Action::SimulationProgress(done, total),
        Outcome::Event(Event::Loading { done, total }) => Action::SimulationLoading(done, total),
        Outcome::Event(Event::Booting) => Action::SimulationBooting,
        Outcome::Event(Event::Finished(report)) => Action::SimulationFinished(Rc::new(*report)),
        Outcome::Event(Event::Growth {
            sizes,
            rows,
            detail,
        }) => Action::GrowthMeasured(Rc::new(crate::state::GrowthResult {
            sizes,
            rows,
            detail,
        })),
        Outcome::Event(Event::Unavailable(m)) | Outcome::Died(m) => {
            Action::SimulationUnavailable(m)
        }
        Outcome::TimedOut(report) => Action::SimulationFinished(Rc::new(*report)),
    })
}

/// The page's fragment without `#`.
fn location_fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_string()
}

/// Takes the link out of the address bar once read: a reload then shows
/// the work as it is now, not the link again.
fn forget_fragment() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let href = window.location().href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default().to_string();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&base));
    }
}

/// What the page says of a link it could not open.
fn link_refused(e: &migplan_core::share::ShareError) -> String {
    format!("The link could not be opened: {e}. Your work is as it was.")
}

/// Opens the share link `fragment`, first keeping `current` (the work it
/// replaces) among the replaced work; a link that cannot be opened changes
/// nothing and says why.
fn open_link(
    fragment: &str,
    s: &UseReducerDispatcher<State>,
    current: Option<String>,
) -> Result<(), migplan_core::share::ShareError> {
    use migplan_core::share::{Integrity, MAX_STATE, decode_checked};
    forget_fragment();
    match decode_checked(fragment, MAX_STATE) {
        Ok((shared, integrity)) => {
            let kept = current.map(|c| crate::browser::keep_replaced(c, "a link"));
            s.dispatch(Action::LoadShared(Box::new(shared)));
            let mut notes = Vec::new();
            if integrity == Integrity::Unchecked {
                notes.push(
                    "This link was made by an older migplan and carries no checksum: check that it holds what you expect."
                        .to_string(),
                );
            }
            if let Some(Err(e)) = kept {
                notes.push(format!("The work it replaced could not be kept: {e}."));
            } else if kept.is_some() {
                notes.push("The work it replaced is under Drafts › Replaced work.".to_string());
            }
            s.dispatch(Action::Notice(
                (!notes.is_empty()).then(|| Notice::info(notes.join(" "))),
            ));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

pub fn scroll_to(id: &str) {
    if let Some(e) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        e.scroll_into_view();
    }
}

/// The id of the panel nearest the top of the window (carried by share
/// links so they open where the reviewer should look).
fn panel_in_view() -> Option<String> {
    let document = web_sys::window()?.document()?;
    // Panels slide under the header where it stays on screen.
    let header = document
        .query_selector(".topbar")
        .ok()
        .flatten()
        .map_or(0.0, |h| h.get_bounding_client_rect().bottom().max(0.0));
    let panels = document.query_selector_all("main .panel[id]").ok()?;
    let mut best: Option<(f64, String)> = None;
    for i in 0..panels.length() {
        let Some(el) = panels
            .get(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let top = el.get_bounding_client_rect().top() - header;
        // The first panel whose top is on screen, or the last one above.
        let score = if top >= -40.0 { top } else { 1e9 - top };
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, el.id()));
        }
    }
    best.map(|(_, id)| id).filter(|id| id != "findings")
}
