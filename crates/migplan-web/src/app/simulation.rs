//! The simulation drivers: jobs sent to the worker, its outcomes turned
//! into actions, Cancel.

use yew::prelude::*;

use super::{outcome_action, simulation_job};
use crate::state::{Action, State};
use crate::worker::Task;

/// What the simulation panel's buttons do.
pub struct Controls {
    pub on_run: Callback<()>,
    pub on_growth: Callback<()>,
    pub on_cancel: Callback<()>,
}

/// Simulations run in a worker: the page stays responsive, Cancel ends the
/// worker at once, and a statement past its time budget is stopped.
#[hook]
pub fn use_simulation(state: UseReducerHandle<State>) -> Controls {
    let running = use_mut_ref(|| None::<crate::worker::Simulation>);
    let on_cancel = {
        let (running, s) = (running.clone(), state.dispatcher());
        Callback::from(move |()| {
            if running.borrow_mut().take().is_some() {
                s.dispatch(Action::SimulationCancelled);
            }
        })
    };
    let start = {
        let (running, s) = (running.clone(), state.dispatcher());
        move |job: crate::worker::Job| {
            let on_outcome = {
                let (running, s) = (running.clone(), s.clone());
                Callback::from(move |outcome| {
                    if let Some(action) = outcome_action(outcome) {
                        if action.ends_simulation() {
                            running.borrow_mut().take();
                        }
                        s.dispatch(action);
                    }
                })
            };
            match crate::worker::Simulation::start(job, on_outcome) {
                Ok(simulation) => *running.borrow_mut() = Some(simulation),
                Err(e) => s.dispatch(Action::SimulationUnavailable(e)),
            }
        }
    };
    let on_growth = {
        let (state, start) = (state.clone(), start.clone());
        Callback::from(move |()| {
            start(simulation_job(
                &state,
                Task::Growth(vec![1_000, 5_000, 25_000]),
            ))
        })
    };
    let on_run = {
        let state = state.clone();
        Callback::from(move |()| {
            let task = if state.simulate_plan {
                Task::Plan(state.plan_options())
            } else {
                Task::Migration
            };
            state.dispatcher().dispatch(Action::SimulationStarted);
            start(simulation_job(&state, task));
        })
    };
    Controls {
        on_run,
        on_growth,
        on_cancel,
    }
}
