//! The simulation: the engine (PostgreSQL in the page, or SQLite), rows
//! and seed, the adversarial toggle, Run; then the checks as a table, the
//! locks each statement took (PostgreSQL), rows per table before and
//! after, and coverage.

use migplan_core::sample::DataOptions;
use migplan_core::simulate::{Phase, SimulationReport, Trace};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Simulation;
use crate::worker::EngineChoice;

#[derive(Properties, PartialEq)]
pub struct SimulationProps {
    pub state: Simulation,
    pub data: DataOptions,
    pub simulate_plan: bool,
    pub on_simulate_plan: Callback<bool>,
    pub rows_sql: AttrValue,
    pub on_rows_sql: Callback<String>,
    pub on_data: Callback<DataOptions>,
    pub on_run: Callback<()>,
    pub on_cancel: Callback<()>,
    pub on_growth: Callback<()>,
    pub growth: Option<std::rc::Rc<crate::state::GrowthResult>>,
    /// Seconds a statement may run before the simulation stops it.
    pub statement_seconds: u32,
    pub on_statement_seconds: Callback<u32>,
    #[prop_or(migplan_core::Dialect::Postgres)]
    pub dialect: migplan_core::Dialect,
    #[prop_or_default]
    pub engine: EngineChoice,
    #[prop_or_default]
    pub on_engine: Callback<EngineChoice>,
}

/// The most rows the page generates per table.
pub const MAX_ROWS: usize = migplan_core::sample::MAX_ROWS;

#[function_component]
pub fn SimulationPanel(props: &SimulationProps) -> Html {
    let running = props.state.running();
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let onclick = props.on_run.reform(|_: MouseEvent| ());
    let data = props.data.clone();
    let on_rows = {
        let (cb, data) = (props.on_data.clone(), data.clone());
        Callback::from(move |e: Event| {
            if let Ok(n) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse::<usize>()
            {
                cb.emit(DataOptions {
                    rows: n.min(MAX_ROWS),
                    ..data.clone()
                });
            }
        })
    };
    let on_seed = {
        let (cb, data) = (props.on_data.clone(), data.clone());
        Callback::from(move |e: Event| {
            if let Ok(n) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse::<u64>()
            {
                cb.emit(DataOptions {
                    seed: n,
                    ..data.clone()
                });
            }
        })
    };
    let on_adversarial = {
        let (cb, data) = (props.on_data.clone(), data.clone());
        Callback::from(move |e: Event| {
            let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
            cb.emit(DataOptions {
                adversarial: checked,
                ..data.clone()
            });
        })
    };
    let on_seconds = super::on_number(props.on_statement_seconds.clone());
    let on_plan = {
        let cb = props.on_simulate_plan.clone();
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let body = match &props.state {
        Simulation::Idle => {
            html! { <p class="hint">{ idle_hint(props.dialect, props.engine) }</p> }
        }
        Simulation::Unavailable(m) => {
            html! { <p class="sim-result sim-failed" role="status">{ format!("✖ The engine could not start: {m}") }</p> }
        }
        Simulation::Done(r) => report_view(r),
        running => running_view(running, on_cancel),
    };
    html! {
        <section class="panel" id="simulation" aria-label="Simulation">
            <h2>{ "Simulation" }</h2>
            <div class="plan-tools">
                if props.dialect == migplan_core::Dialect::Postgres {
                    { engine_select(props.engine, &props.on_engine) }
                }
                <label>{ "Rows per table " }
                    <input id="sim-rows" type="number" min="0" max={MAX_ROWS.to_string()} value={data.rows.to_string()} onchange={on_rows} />
                </label>
                if data.rows > 100_000 {
                    <span class="hint" id="sim-rows-note">{ "Above 100,000 rows a run takes a while and needs memory; Cancel stops it." }</span>
                }
                <label>{ "Seed " }
                    <input id="sim-seed" type="number" min="0" value={data.seed.to_string()} onchange={on_seed} />
                </label>
                <label title="A statement still running after this long is stopped, and the simulation with it.">{ "Stop a statement after (s) " }
                    <input id="sim-seconds" type="number" min="1" max="600" value={props.statement_seconds.to_string()} onchange={on_seconds} />
                </label>
                <label>
                    <input id="sim-adversarial" type="checkbox" checked={data.adversarial} onchange={on_adversarial} />
                    { " Adversarial rows (break what the migration adds)" }
                </label>
                <label>
                    <input id="sim-plan" type="checkbox" checked={props.simulate_plan} onchange={on_plan} />
                    { " The plan, step by step (with a rollback from every step)" }
                </label>
            </div>
            <details class="own-rows">
                <summary>{ "Your own rows (optional)" }</summary>
                <crate::components::editor::Editor id="sim-rows-sql" label="Sample rows (INSERT statements)"
                    dialect={props.dialect} value={props.rows_sql.clone()} on_input={props.on_rows_sql.clone()}
                    placeholder="INSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'Ada');" />
                <p class="hint">{ "When given, these rows are used instead of generated ones." }</p>
            </details>
            <button id="simulate" {onclick} disabled={running}>{ "Simulate" }</button>
            { " " }
            <button type="button" id="sim-growth" class="secondary" onclick={props.on_growth.reform(|_: MouseEvent| ())} disabled={running}
                title="Time every statement at 1,000, 5,000 and 25,000 rows">{ "Measure cost growth" }</button>
            if let Some(g) = &props.growth {
                <crate::components::growth::GrowthChart sizes={g.sizes.clone()} rows={g.rows.clone()} detail={AttrValue::from(g.detail.clone())} />
            }
            { body }
        </section>
    }
}

/// What Simulate will do, before it runs.
fn idle_hint(dialect: migplan_core::Dialect, engine: EngineChoice) -> &'static str {
    if dialect == migplan_core::Dialect::Postgres && engine == EngineChoice::Postgres {
        "Runs the schema, sample rows, the migration and its rollback on PostgreSQL (PGlite) in this page, reads the schema back from pg_catalog, and measures the locks each statement takes; the plan runs step by step and back down. PostgreSQL (about 15 MB) is downloaded the first time, then kept for offline use. Cost growth runs on SQLite."
    } else {
        "Runs the schema, sample rows, the migration and its rollback on an in-memory SQLite in this page, and checks what happened."
    }
}

/// PostgreSQL itself, or SQLite (fast, approximate).
fn engine_select(engine: EngineChoice, on_engine: &Callback<EngineChoice>) -> Html {
    let onchange = on_engine.reform(|e: Event| {
        match e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value()
            .as_str()
        {
            "sqlite" => EngineChoice::Sqlite,
            _ => EngineChoice::Postgres,
        }
    });
    html! {
        <label>{ "Engine " }
            <select id="sim-engine" {onchange}>
                <option value="postgres" selected={engine == EngineChoice::Postgres}>{ "PostgreSQL (PGlite, in this page)" }</option>
                <option value="sqlite" selected={engine == EngineChoice::Sqlite}>{ "SQLite (fast, approximate)" }</option>
            </select>
        </label>
    }
}

/// Downloading, starting, inserting rows: how far, and Cancel.
fn running_view(state: &Simulation, on_cancel: Callback<MouseEvent>) -> Html {
    let status = match state {
        Simulation::Loading(done, total) => html! {
            <>
                <progress id="sim-loading" max={format!("{total:.0}")} value={format!("{done:.0}")}>{ format!("{done:.0} of {total:.0}") }</progress>
                <span class="hint">{ format!(" downloading PostgreSQL: {:.1} of {:.1} MB", done / 1e6, total / 1e6) }</span>
            </>
        },
        Simulation::Booting => {
            html! { <span class="hint" id="sim-booting">{ "Starting PostgreSQL…" }</span> }
        }
        Simulation::Running(done, total) if *total > 0 => html! {
            <>
                <progress id="sim-progress" max={total.to_string()} value={done.to_string()}>{ format!("{done} of {total}") }</progress>
                <span class="hint">{ format!(" inserting sample rows: {done} of {total} batches") }</span>
            </>
        },
        _ => html! { <span class="hint">{ "Running…" }</span> },
    };
    html! {
        <div class="running" role="status">
            { status }
            <button type="button" id="sim-cancel" class="secondary" onclick={on_cancel}>{ "Cancel" }</button>
        </div>
    }
}

/// The engine a report ran on, as the headline names it.
fn engine_name(r: &SimulationReport) -> String {
    if r.engine.is_empty() {
        format!("SQLite {}", r.sqlite_version)
    } else {
        r.engine.clone()
    }
}

fn headline(r: &SimulationReport) -> Html {
    let engine = engine_name(r);
    let Some(f) = &r.failure else {
        return if r.ok {
            html! { <p class="sim-result sim-ok" role="status">{ format!("✔ All checks passed on {engine} with {} rows per table (seed {}).", r.rows, r.seed) }</p> }
        } else {
            html! { <p class="sim-result sim-failed" role="status">{ format!("✖ Some checks failed on {engine} with {} rows per table.", r.rows) }</p> }
        };
    };
    let phase = phase_word(f.phase);
    let at = f
        .place()
        .map(|place| format!(" at {place}"))
        .unwrap_or_default();
    let what = if f.stopped {
        format!("✖ The {phase} was stopped{at}: {}", f.message)
    } else {
        format!("✖ {engine} rejected the {phase}{at}: {}", f.message)
    };
    html! {
        <div class="sim-result sim-failed" role="status">
            <p>{ what }</p>
            if !f.sql.is_empty() {
                <pre tabindex="0"><code>{ f.sql.clone() }</code></pre>
            }
        </div>
    }
}

/// The checks, the trace, the row counts and the coverage of a report.
fn report_view(r: &SimulationReport) -> Html {
    html! {
        <>
            { headline(r) }
            if !r.adversarial.is_empty() {
                <div class="note" id="sim-adversarial-rows">
                    <p>{ "Adversarial rows:" }</p>
                    <ul>{ for r.adversarial.iter().map(|line| html! { <li>{ line.clone() }</li> }) }</ul>
                </div>
            }
            <table class="checks" id="sim-checks">
                <thead><tr><th>{ "check" }</th><th>{ "result" }</th><th>{ "detail" }</th></tr></thead>
                <tbody>
                    { for r.checks.iter().map(|c| {
                        let (class, mark) = match (c.note, c.ok) {
                            (true, _) => ("note", "ℹ note"),
                            (false, true) => ("pass", "✔ pass"),
                            (false, false) => ("fail", "✖ fail"),
                        };
                        html! {
                            <tr class={class} data-check={c.name.clone()}>
                                <td>{ c.name.clone() }</td>
                                <td class="result">{ mark }</td>
                                <td>{ c.detail.clone() }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if !r.trace.is_empty() {
                { trace_view(&r.trace) }
            }
            if !r.counts.is_empty() {
                <table class="counts" id="sim-counts">
                    <thead><tr><th>{ "table" }</th><th>{ "rows before" }</th><th>{ "rows after" }</th></tr></thead>
                    <tbody>
                        { for r.counts.iter().map(|c| html! {
                            <tr>
                                <td>{ c.table.clone() }</td>
                                <td>{ c.before.map_or("-".to_string(), |n| n.to_string()) }</td>
                                <td>{ c.after.map_or("-".to_string(), |n| n.to_string()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <p class="note">{ format!("Coverage: {} of {} migration statements simulated.", r.coverage.simulated, r.coverage.statements) }</p>
            { for r.coverage.skipped.iter().map(|s| html!{ <p class="note">{ s.clone() }</p> }) }
            { for r.skipped.iter().map(|s| html!{ <p class="note sim-skipped">{ if s.line > 0 { format!("{} line {}: {}", phase_word(s.phase), s.line, s.reason) } else { s.reason.clone() } }</p> }) }
            <p class="note">{ format!("Tables after the migration: {}", r.tables.join(", ")) }</p>
            { timing_view(&r.timing) }
        </>
    }
}

fn phase_word(phase: Phase) -> &'static str {
    match phase {
        Phase::Schema => "schema",
        Phase::Data => "sample data",
        Phase::Migration => "migration",
        Phase::Down => "rollback",
    }
}

/// What each statement did on PostgreSQL, measured, next to what the
/// analysis predicted: a mismatch is shown loudly.
fn trace_view(trace: &[Trace]) -> Html {
    html! {
        <table class="checks trace" id="sim-trace">
            <caption>{ "Measured on PostgreSQL: each statement in a transaction of its own, on the sample rows" }</caption>
            <thead><tr><th>{ "line" }</th><th>{ "statement" }</th><th>{ "locks taken" }</th><th>{ "rewrote" }</th><th>{ "ms" }</th><th>{ "analysis" }</th></tr></thead>
            <tbody>
                { for trace.iter().map(|t| {
                    let locks = t.locks.iter().map(|l| format!("{} on {}", l.mode, l.relation)).collect::<Vec<_>>().join(", ");
                    let (class, verdict) = match t.confirmed {
                        Some(true) => ("pass", "✔ as predicted".to_string()),
                        Some(false) => ("fail", format!("✖ MISMATCH: {}", t.note.clone().unwrap_or_default())),
                        None => ("", t.note.clone().unwrap_or_else(|| "no prediction".into())),
                    };
                    html! {
                        <tr class={class} data-line={t.line.to_string()}>
                            <td>{ t.line }</td>
                            <td><code>{ t.sql.clone() }</code></td>
                            <td class="trace-locks">{ if locks.is_empty() { "none".to_string() } else { locks } }</td>
                            <td>{ if t.rewrote.is_empty() { "-".to_string() } else { t.rewrote.join(", ") } }</td>
                            <td>{ format!("{:.1}", t.ms) }</td>
                            <td class="result">{ verdict }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

/// How long PostgreSQL took to start and to simulate (read by `cargo
/// xtask bench` too).
fn timing_view(timing: &migplan_core::simulate::Timing) -> Html {
    let (Some(start), Some(run)) = (timing.start_ms, timing.simulate_ms) else {
        return Html::default();
    };
    html! {
        <p class="note" id="sim-timing" data-start-ms={format!("{start:.0}")} data-simulate-ms={format!("{run:.0}")}>
            { format!("PostgreSQL started in {:.1} s; the simulation took {:.1} s.", start / 1e3, run / 1e3) }
        </p>
    }
}
