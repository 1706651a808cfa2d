//! The simulation: rows and seed, the adversarial toggle, Run; then the
//! checks as a table, rows per table before and after, and coverage.

use migplan_core::sample::DataOptions;
use migplan_core::simulate::Phase;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::Simulation;

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
}

/// The most rows the page generates per table.
pub const MAX_ROWS: usize = migplan_core::sample::MAX_ROWS;

#[function_component]
pub fn SimulationPanel(props: &SimulationProps) -> Html {
    let running = matches!(props.state, Simulation::Running(..));
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
            html! { <p class="hint">{ "Runs the schema, sample rows, the migration and its rollback on an in-memory SQLite in this page, and checks what happened." }</p> }
        }
        Simulation::Running(done, total) => html! {
            <div class="running" role="status">
                if *total > 0 {
                    <progress id="sim-progress" max={total.to_string()} value={done.to_string()}>{ format!("{done} of {total}") }</progress>
                    <span class="hint">{ format!(" inserting sample rows: {done} of {total} batches") }</span>
                } else {
                    <span class="hint">{ "Running…" }</span>
                }
                <button type="button" id="sim-cancel" class="secondary" onclick={on_cancel}>{ "Cancel" }</button>
            </div>
        },
        Simulation::Unavailable(m) => {
            html! { <p class="sim-result sim-failed" role="status">{ format!("✖ The SQLite engine could not start: {m}") }</p> }
        }
        Simulation::Done(r) => {
            let headline = match &r.failure {
                None if r.ok => html! {
                    <p class="sim-result sim-ok" role="status">{ format!("✔ All checks passed on SQLite {} with {} rows per table (seed {}).", r.sqlite_version, r.rows, r.seed) }</p>
                },
                None => html! {
                    <p class="sim-result sim-failed" role="status">{ format!("✖ Some checks failed on SQLite {} with {} rows per table.", r.sqlite_version, r.rows) }</p>
                },
                Some(f) => {
                    let phase = match f.phase {
                        Phase::Schema => "schema",
                        Phase::Data => "sample data",
                        Phase::Migration => "migration",
                        Phase::Down => "rollback",
                    };
                    let what = if f.stopped {
                        format!(
                            "✖ The {phase} was stopped at line {}: {}",
                            f.line, f.message
                        )
                    } else {
                        format!(
                            "✖ SQLite {} rejected the {phase} at line {}, column {}: {}",
                            r.sqlite_version, f.line, f.column, f.message
                        )
                    };
                    html! {
                        <div class="sim-result sim-failed" role="status">
                            <p>{ what }</p>
                            <pre><code>{ f.sql.clone() }</code></pre>
                        </div>
                    }
                }
            };
            html! {
                <>
                    { headline }
                    <table class="checks" id="sim-checks">
                        <thead><tr><th>{ "check" }</th><th>{ "result" }</th><th>{ "detail" }</th></tr></thead>
                        <tbody>
                            { for r.checks.iter().map(|c| html! {
                                <tr class={if c.ok { "pass" } else { "fail" }} data-check={c.name.clone()}>
                                    <td>{ c.name.clone() }</td>
                                    <td class="result">{ if c.ok { "✔ pass" } else { "✖ fail" } }</td>
                                    <td>{ c.detail.clone() }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
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
                    <p class="note">{ format!("Tables after the migration: {}", r.tables.join(", ")) }</p>
                </>
            }
        }
    };
    html! {
        <section class="panel" id="simulation" aria-label="Simulation">
            <h2>{ "Simulation" }</h2>
            <div class="plan-tools">
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
