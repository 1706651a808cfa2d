//! The page: editors on the left, what migplan understood on the right.

use migplan_core::Dialect;
use migplan_core::simulate;
use migplan_sqljs::SqlJs;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::editor::Editor;
use crate::components::findings::Findings;
use crate::components::handoff::HandOff;
use crate::components::plan_panel::PlanPanel;
use crate::components::schema_model::SchemaModel;
use crate::components::simulation::SimulationPanel;
use crate::components::statements::Statements;
use crate::state::{Action, State};

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(State::example);

    // At start: a share link in the fragment opens its state; otherwise
    // the draft saved by the last visit comes back.
    {
        let s = state.dispatcher();
        use_effect_with((), move |_| {
            let hash = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            let fragment = hash.trim_start_matches('#');
            let draft =
                || crate::browser::load_draft().and_then(|d| migplan_core::share::decode(&d).ok());
            if !fragment.is_empty() {
                match migplan_core::share::decode(fragment) {
                    Ok(shared) => s.dispatch(Action::LoadShared(shared)),
                    Err(e) => {
                        if let Some(d) = draft() {
                            s.dispatch(Action::LoadShared(d));
                        }
                        s.dispatch(Action::Notice(Some(format!(
                            "The link could not be opened: {e}. Your work is as it was."
                        ))));
                    }
                }
            } else if let Some(d) = draft() {
                s.dispatch(Action::LoadShared(d));
            }
        });
    }
    // Every edit is saved in this browser (nothing leaves it).
    {
        let shared = migplan_core::share::encode(&state.shared());
        use_effect_with(shared, move |shared| crate::browser::save_draft(shared));
    }
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
    let on_share = {
        let state = state.clone();
        let share_link = share_link.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(location) = web_sys::window().map(|w| w.location()) else {
                return;
            };
            let href = location.href().unwrap_or_default();
            let base = href.split('#').next().unwrap_or_default();
            let link = format!("{base}#{}", migplan_core::share::encode(&state.shared()));
            crate::browser::copy(&link);
            share_link.set(link);
        })
    };
    let on_dismiss = {
        let s = state.dispatcher();
        Callback::from(move |_: MouseEvent| s.dispatch(Action::Notice(None)))
    };
    let on_schema = {
        let s = state.dispatcher();
        Callback::from(move |t: String| s.dispatch(Action::SetSchema(t)))
    };
    let on_migration = {
        let s = state.dispatcher();
        Callback::from(move |t: String| s.dispatch(Action::SetMigration(t)))
    };
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
        Callback::from(move |(t, i, r): (String, bool, String)| {
            s.dispatch(Action::SetPlanSettings(t, i, r))
        })
    };
    let on_framework = {
        let s = state.dispatcher();
        Callback::from(move |f| s.dispatch(Action::SetFramework(f)))
    };
    let on_project = {
        let s = state.dispatcher();
        Callback::from(move |files| s.dispatch(Action::SetProject(files)))
    };
    let on_rows_sql = {
        let s = state.dispatcher();
        Callback::from(move |t| s.dispatch(Action::SetRowsSql(t)))
    };
    let on_simulate_plan = {
        let s = state.dispatcher();
        Callback::from(move |on| s.dispatch(Action::SetSimulatePlan(on)))
    };
    let on_data = {
        let s = state.dispatcher();
        Callback::from(move |d| s.dispatch(Action::SetData(d)))
    };
    let cancel = use_mut_ref(|| false);
    let on_cancel = {
        let cancel = cancel.clone();
        Callback::from(move |()| *cancel.borrow_mut() = true)
    };
    let on_growth = {
        let state = state.clone();
        Callback::from(move |()| {
            let dispatch = state.dispatcher();
            let (dialect, schema, migration) =
                (state.dialect, state.schema.clone(), state.migration.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let module = match SqlJs::load("./").await {
                    Ok(m) => m,
                    Err(e) => {
                        return dispatch.dispatch(Action::SimulationUnavailable(e.to_string()));
                    }
                };
                let sizes = vec![1_000, 5_000, 25_000];
                let mut factory = || {
                    module
                        .open()
                        .ok()
                        .map(|db| Box::new(db) as Box<dyn migplan_core::engine::Engine>)
                };
                let clock = || {
                    web_sys::window()
                        .and_then(|w| w.performance())
                        .map(|p| p.now())
                        .unwrap_or_else(js_sys::Date::now)
                };
                let (rows, check) = simulate::cost_growth(
                    &mut factory,
                    &clock,
                    dialect,
                    &schema,
                    &migration,
                    &sizes,
                );
                dispatch.dispatch(Action::GrowthMeasured(std::rc::Rc::new(
                    crate::state::GrowthResult {
                        sizes,
                        rows,
                        detail: check.detail,
                    },
                )));
            });
        })
    };
    let on_run = {
        let state = state.clone();
        let cancel = cancel.clone();
        Callback::from(move |()| {
            *cancel.borrow_mut() = false;
            let cancel = cancel.clone();
            let dispatch = state.dispatcher();
            let (dialect, schema, migration) =
                (state.dialect, state.schema.clone(), state.migration.clone());
            let options = simulate::SimOptions {
                data: state.data.clone(),
                down: None,
                rows_sql: (!state.rows_sql.trim().is_empty()).then(|| state.rows_sql.clone()),
            };
            let plan = state.simulate_plan.then(|| state.analysis.clone());
            dispatch.dispatch(Action::SimulationStarted);
            wasm_bindgen_futures::spawn_local(async move {
                let engine = match SqlJs::load("./").await.and_then(|m| m.open()) {
                    Ok(db) => db,
                    Err(e) => {
                        return dispatch.dispatch(Action::SimulationUnavailable(e.to_string()));
                    }
                };
                let mut engine = engine;
                if let Some(a) = &plan {
                    let report = simulate::simulate_plan(
                        &mut engine,
                        dialect,
                        &schema,
                        &migration,
                        &a.plan,
                        &options.data,
                    );
                    return dispatch.dispatch(Action::SimulationFinished(std::rc::Rc::new(report)));
                }
                // Sample rows go in by batches, yielding to the page between
                // them: progress shows, and Cancel is heard.
                let mut prepared =
                    match simulate::prepare(&mut engine, dialect, &schema, &migration, &options) {
                        Ok(p) => p,
                        Err(r) => {
                            return dispatch
                                .dispatch(Action::SimulationFinished(std::rc::Rc::new(*r)));
                        }
                    };
                let rows = std::mem::take(&mut prepared.rows);
                let total = rows.len();
                for (i, sql) in rows.iter().enumerate() {
                    if *cancel.borrow() {
                        return dispatch.dispatch(Action::SimulationCancelled);
                    }
                    if let Err(r) = simulate::insert_rows(&mut engine, &mut prepared, sql) {
                        return dispatch.dispatch(Action::SimulationFinished(std::rc::Rc::new(*r)));
                    }
                    if i % 8 == 7 {
                        dispatch.dispatch(Action::SimulationProgress(i + 1, total));
                        gloo::timers::future::TimeoutFuture::new(0).await;
                    }
                }
                if *cancel.borrow() {
                    return dispatch.dispatch(Action::SimulationCancelled);
                }
                dispatch.dispatch(Action::SimulationProgress(total, total));
                gloo::timers::future::TimeoutFuture::new(0).await;
                let report = simulate::complete(
                    &mut engine,
                    dialect,
                    &schema,
                    &migration,
                    &options,
                    prepared,
                );
                dispatch.dispatch(Action::SimulationFinished(std::rc::Rc::new(report)));
            });
        })
    };

    html! {
        <>
            <header class="topbar">
                <h1>{ "migplan" }</h1>
                <p class="tagline">{ "Plan database migrations before they hurt production. Everything runs in this page." }</p>
                <label class="dialect">{ "Dialect " }
                    <select id="dialect" onchange={on_dialect} aria-label="SQL dialect">
                        { for Dialect::ALL.iter().map(|d| html! {
                            <option value={d.as_str()} selected={*d == state.dialect}>{ d.label() }</option>
                        }) }
                    </select>
                </label>
                if state.dialect == Dialect::Postgres {
                    <label class="dialect">{ "Version " }
                        <select id="pg-version" onchange={on_pg_version} aria-label="Target PostgreSQL version">
                            { for migplan_core::rules::PG_VERSIONS.map(|v| html! {
                                <option value={v.to_string()} selected={v == state.options.pg_version}>{ format!("PostgreSQL {v}") }</option>
                            }) }
                        </select>
                    </label>
                }
                <label class="dialect">{ "Theme " }
                    <select id="theme" onchange={on_theme} aria-label="Colour theme">
                        { for [("system", "System"), ("light", "Light"), ("dark", "Dark")].iter().map(|(v, l)| html! {
                            <option value={*v} selected={*theme == *v}>{ *l }</option>
                        }) }
                    </select>
                </label>
                <button type="button" id="reset" class="secondary" onclick={on_reset}>{ "Reset to example" }</button>
                <button type="button" id="share" class="secondary" onclick={on_share} title="Copy a link that opens exactly this: nothing is sent anywhere">{ "Copy share link" }</button>
            </header>
            if !share_link.is_empty() {
                <div class="share-bar" role="status">
                    <label>{ if share_link.len() > migplan_core::share::LONG_LINK { "Link copied (long: some tools cut links this size) " } else { "Link copied " } }
                        <input id="share-link" type="text" readonly=true value={(*share_link).clone()} />
                    </label>
                </div>
            }
            if let Some(n) = &state.notice {
                <div class="notice" id="notice" role="alert">
                    <span>{ n.clone() }</span>
                    <button type="button" class="secondary" onclick={on_dismiss}>{ "Dismiss" }</button>
                </div>
            }
            <main class="layout">
                <div class="inputs">
                    <Editor id="schema-editor" label="Schema" value={state.schema.clone()} on_input={on_schema} />
                    <Editor id="migration-editor" label="Migration" value={state.migration.clone()} on_input={on_migration} />
                </div>
                <div class="outputs">
                    <Findings findings={state.analysis.migration.findings.clone()} max_severity={state.analysis.migration.max_severity} editor="migration-editor" />
                    <PlanPanel analysis={state.analysis.clone()} batch_size={state.batch_size} {on_batch_size}
                        lock_timeout={AttrValue::from(state.lock_timeout.clone())} idempotent={state.idempotent}
                        still_read={AttrValue::from(state.still_read.clone())} {on_settings} />
                    <Statements id="migration-statements" title="Migration statements" statements={state.analysis.migration.statements.clone()} />
                    <SimulationPanel state={state.simulation.clone()} data={state.data.clone()} simulate_plan={state.simulate_plan} {on_simulate_plan} rows_sql={AttrValue::from(state.rows_sql.clone())} {on_rows_sql} {on_data} {on_run} {on_cancel} {on_growth} growth={state.growth.clone()} />
                    <SchemaModel analysis={state.analysis.clone()} />
                    <HandOff analysis={state.analysis.clone()} dialect={state.dialect} schema={AttrValue::from(state.schema.clone())} migration={AttrValue::from(state.migration.clone())} framework={state.framework} project={state.project.clone()} {on_framework} {on_project} />
                    <details class="panel" id="schema-statements-panel">
                        <summary>{ "Schema statements" }</summary>
                        <Statements id="schema-statements" title="Schema statements" statements={state.analysis.schema.statements.clone()} />
                    </details>
                </div>
            </main>
        </>
    }
}
