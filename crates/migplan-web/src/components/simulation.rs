//! The simulation result.

use migplan_core::simulate::Phase;
use yew::prelude::*;

use crate::state::Simulation;

#[derive(Properties, PartialEq)]
pub struct SimulationProps {
    pub state: Simulation,
    pub on_run: Callback<()>,
}

#[function_component]
pub fn SimulationPanel(props: &SimulationProps) -> Html {
    let running = props.state == Simulation::Running;
    let onclick = props.on_run.reform(|_: MouseEvent| ());
    let body = match &props.state {
        Simulation::Idle => {
            html! { <p class="hint">{ "Runs the schema, then the migration, on an in-memory SQLite in this page." }</p> }
        }
        Simulation::Running => html! { <p class="hint">{ "Running…" }</p> },
        Simulation::Unavailable(m) => {
            html! { <p class="sim-result sim-failed" role="status">{ format!("✖ The SQLite engine could not start: {m}") }</p> }
        }
        Simulation::Done(r) => match &r.failure {
            None => html! {
                <div class="sim-result sim-ok" role="status">
                    <p>{ format!("✔ Applied {} statements on SQLite {}.", r.executed, r.sqlite_version) }</p>
                    <p>{ format!("Tables after the migration: {}", r.tables.join(", ")) }</p>
                    { for r.skipped.iter().map(|s| html!{ <p class="note">{ format!("line {}: {}", s.line, s.reason) }</p> }) }
                </div>
            },
            Some(f) => {
                let phase = match f.phase {
                    Phase::Schema => "schema",
                    Phase::Migration => "migration",
                };
                html! {
                    <div class="sim-result sim-failed" role="status">
                        <p>{ format!("✖ SQLite {} rejected the {phase} at line {}, column {}: {}", r.sqlite_version, f.line, f.column, f.message) }</p>
                        <pre><code>{ f.sql.clone() }</code></pre>
                    </div>
                }
            }
        },
    };
    html! {
        <section class="panel" id="simulation" aria-label="Simulation">
            <h2>{ "Simulation" }</h2>
            <button id="simulate" {onclick} disabled={running}>{ "Simulate" }</button>
            { body }
        </section>
    }
}
