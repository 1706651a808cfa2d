//! Start-up in stages: the first render draws the header, the editors and
//! the findings (what the first screen shows); the result panels below are
//! drawn after it, one per task, so the page answers input between them.
//! A panel asked for (by a share link or the section rail) draws them all
//! at once and is scrolled to when it exists.
//!
//! Once drawn, the schema's panels (diagram, model, statements) follow a
//! new analysis one painted frame after the findings do: the frame that
//! shows the results of a large paste is not also the one that redraws
//! thousands of table rows and shapes. The panels with inputs (plan
//! settings, framework) follow at once: a redraw resets an input's text to
//! its value, which would undo typing begun in between.

use std::rc::Rc;

use yew::prelude::*;

use super::scroll_to;
use crate::state::{Action, Analysis, SameAnalysis, State};

/// The result panels drawn after the first render, in the page's order
/// (the order they are drawn in).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Later {
    Plan,
    Statements,
    Simulation,
    /// The diagram and the schema model.
    Schema,
    /// Rollback, files and runbook.
    HandOff,
}

impl Later {
    /// Every later panel, in the order they are drawn.
    const ALL: [Later; 5] = [
        Later::Plan,
        Later::Statements,
        Later::Simulation,
        Later::Schema,
        Later::HandOff,
    ];
}

/// How many result panels are drawn after the first render.
const LATER_PANELS: usize = Later::ALL.len();

/// Which of the later panels are drawn: the first `drawn` of them, in the
/// page's order.
#[derive(Clone, Copy, PartialEq)]
pub struct Stage {
    drawn: usize,
}

impl Stage {
    /// Whether `panel` is drawn yet.
    pub fn shows(self, panel: Later) -> bool {
        Later::ALL[..self.drawn.min(LATER_PANELS)].contains(&panel)
    }

    fn complete(self) -> bool {
        self.drawn >= LATER_PANELS
    }
}

/// The stage, the rail's way to a panel (scrolled to at once when every
/// panel is drawn, else once they are), and the analysis the schema's
/// panels draw: the current one, or the one before it until the findings
/// of the current one are painted (`behind`).
pub struct Staging {
    pub stage: Stage,
    pub go: Callback<&'static str>,
    pub schema_panels: Rc<Analysis>,
    pub behind: bool,
}

/// Draws one more later panel after each render until all are, then marks
/// `migplan-drawn` (read by `cargo xtask bench`); a panel asked for (by a
/// share link or the rail) draws all of them first, then is scrolled to.
#[hook]
pub fn use_stage(state: &UseReducerHandle<State>) -> Staging {
    let drawn = use_state_eq(|| 0usize);
    let stage = Stage { drawn: *drawn };
    // A panel the rail asked for before every panel was drawn.
    let wanted = use_state_eq(|| None::<&'static str>);
    {
        let drawn = drawn.clone();
        use_effect_with(stage, move |stage| {
            let next = stage.drawn + 1;
            let timeout = (!stage.complete())
                .then(|| gloo::timers::callback::Timeout::new(0, move || drawn.set(next)));
            if stage.complete()
                && let Some(performance) = web_sys::window().and_then(|w| w.performance())
            {
                let _ = performance.mark("migplan-drawn");
            }
            move || drop(timeout)
        });
    }
    {
        let reducer = state.dispatcher();
        let (drawn, wanted) = (drawn.clone(), wanted.clone());
        let asked = state.panel.clone().or(wanted.map(String::from));
        let linked = state.panel.is_some();
        use_effect_with(
            (asked, stage.complete()),
            move |(asked, complete)| match asked {
                Some(id) if *complete => {
                    scroll_to(id);
                    if linked {
                        reducer.dispatch(Action::SetPanel(None));
                    }
                    wanted.set(None);
                }
                Some(_) => drawn.set(LATER_PANELS),
                None => {}
            },
        );
    }
    // Once every panel is drawn the rail scrolls at once: no state
    // changes, so nothing is redrawn or saved for a click.
    let go = {
        let complete = stage.complete();
        Callback::from(move |id: &'static str| {
            if complete {
                scroll_to(id);
            } else {
                wanted.set(Some(id));
            }
        })
    };
    let (schema_panels, behind) = use_schema_panels_analysis(state, stage);
    Staging {
        stage,
        go,
        schema_panels,
        behind,
    }
}

/// The analysis the schema's panels draw: while the panels are being drawn
/// at start, the current one; after that, a new analysis reaches them in a
/// task queued from the frame after the one that paints its findings.
#[hook]
fn use_schema_panels_analysis(
    state: &UseReducerHandle<State>,
    stage: Stage,
) -> (Rc<Analysis>, bool) {
    let shown = use_mut_ref(|| state.analysis.clone());
    if !stage.complete() {
        *shown.borrow_mut() = state.analysis.clone();
    }
    let behind = !Rc::ptr_eq(&shown.borrow(), &state.analysis);
    let caught_up = use_force_update();
    {
        let shown = shown.clone();
        use_effect_with(
            (SameAnalysis(state.analysis.clone()), behind),
            move |(current, behind)| {
                let current = current.0.clone();
                let frame = behind.then(|| {
                    gloo::render::request_animation_frame(move |_| {
                        gloo::timers::callback::Timeout::new(0, move || {
                            *shown.borrow_mut() = current;
                            caught_up.force_update();
                        })
                        .forget();
                    })
                });
                move || drop(frame)
            },
        );
    }
    let panels = shown.borrow().clone();
    (panels, behind)
}
