//! The plan as a timeline: phases, steps with their SQL (up/down toggle,
//! copy), lock and transaction badges, and the deploy points.

use std::rc::Rc;

use migplan_core::plan::{Phase, Step};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::browser::copy;
use crate::state::{Analysis, PlanSettings};

#[derive(Properties)]
pub struct PlanProps {
    pub analysis: Rc<Analysis>,
    pub batch_size: u32,
    pub on_batch_size: Callback<u32>,
    pub lock_timeout: AttrValue,
    pub idempotent: bool,
    pub still_read: AttrValue,
    pub keep_copies: bool,
    /// (lock timeout, idempotent, still-read columns, kept copies)
    pub on_settings: Callback<PlanSettings>,
}

impl PartialEq for PlanProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.analysis, &other.analysis)
            && self.batch_size == other.batch_size
            && self.lock_timeout == other.lock_timeout
            && self.idempotent == other.idempotent
            && self.still_read == other.still_read
            && self.keep_copies == other.keep_copies
    }
}

#[function_component]
pub fn PlanPanel(props: &PlanProps) -> Html {
    let show_down = use_state(|| false);
    let plan = props.analysis.plan();
    let toggle = {
        let show_down = show_down.clone();
        Callback::from(move |_: MouseEvent| show_down.set(!*show_down))
    };
    let on_batch = super::on_number(props.on_batch_size.clone());
    let settings = PlanSettings {
        lock_timeout: props.lock_timeout.to_string(),
        idempotent: props.idempotent,
        still_read: props.still_read.to_string(),
        keep_copies: props.keep_copies,
    };
    let on_lock = {
        let (cb, cur) = (props.on_settings.clone(), settings.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            cb.emit(PlanSettings {
                lock_timeout: v,
                ..cur.clone()
            })
        })
    };
    let on_idem = {
        let (cb, cur) = (props.on_settings.clone(), settings.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().checked();
            cb.emit(PlanSettings {
                idempotent: v,
                ..cur.clone()
            })
        })
    };
    let on_keep = {
        let (cb, cur) = (props.on_settings.clone(), settings.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().checked();
            cb.emit(PlanSettings {
                keep_copies: v,
                ..cur.clone()
            })
        })
    };
    let on_still = {
        let (cb, cur) = (props.on_settings.clone(), settings);
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            cb.emit(PlanSettings {
                still_read: v,
                ..cur.clone()
            })
        })
    };
    let deploys = plan.steps.iter().filter(|s| s.deploy_after).count();
    let mut phase: Option<Phase> = None;
    let mut items = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        if phase != Some(s.phase) {
            phase = Some(s.phase);
            items.push(html! {
                <li class={classes!("phase", s.phase.as_str())} data-phase={s.phase.as_str()}>
                    <h3>{ phase_title(s.phase) }</h3>
                </li>
            });
        }
        items.push(step(i, s, *show_down));
    }
    html! {
        <section class="panel" id="plan" aria-label="Plan">
            <h2>
                { "Plan " }
                <small class="summary">{ format!("{} steps, {} deploy points", plan.steps.len(), deploys) }</small>
            </h2>
            <div class="plan-tools">
                <button type="button" id="plan-toggle" class="secondary" onclick={toggle}>
                    { if *show_down { "Show up SQL" } else { "Show down SQL" } }
                </button>
                <label>{ "Batch size " }
                    <input id="batch-size" type="number" min="1" value={props.batch_size.to_string()} onchange={on_batch} />
                </label>
                <label>{ "Lock timeout " }
                    <input id="lock-timeout" type="text" size="5" value={props.lock_timeout.clone()} onchange={on_lock} />
                </label>
                <label>
                    <input id="idempotent" type="checkbox" checked={props.idempotent} onchange={on_idem} />
                    { " IF [NOT] EXISTS" }
                </label>
                <label title="Before a DELETE or UPDATE of existing rows, copy the rows it changes into a table of their own, so its down can restore them">
                    <input id="keep-copies" type="checkbox" checked={props.keep_copies} onchange={on_keep} />
                    { " Keep copies of changed rows" }
                </label>
                <label title="Comma-separated table.column; when given, columns not listed need no deploy before they are dropped">{ "Columns old code still reads " }
                    <input id="still-read" type="text" placeholder="all" value={props.still_read.clone()} onchange={on_still} />
                </label>
            </div>
            if plan.steps.is_empty() {
                <p class="empty">{ "Nothing to plan: the migration has no statements." }</p>
            }
            <ol class="timeline">{ for items }</ol>
            if !plan.notes.is_empty() {
                <ul class="notes">{ for plan.notes.iter().map(|n| html!{ <li class="note">{ n.clone() }</li> }) }</ul>
            }
        </section>
    }
}

fn phase_title(p: Phase) -> &'static str {
    match p {
        Phase::Expand => "Expand: add what new code needs (old code keeps working)",
        Phase::Migrate => "Migrate: move the data",
        Phase::Contract => "Contract: remove what only old code used",
    }
}

fn step(i: usize, s: &Step, show_down: bool) -> Html {
    let manual = s.is_deploy_point();
    if manual {
        return html! {
            <li class="deploy-point" data-step={(i + 1).to_string()}>
                // Numbered like every step: the CLI, the runbook and the
                // plan simulation count deploy points too.
                <span class="num">{ format!("{}.", i + 1) }</span>
                <strong>{ " Deploy: " }</strong>{ s.deploy.clone().unwrap_or_default() }
            </li>
        };
    }
    let (label, sql) = if show_down {
        match &s.down {
            Some(d) if !d.trim().is_empty() => ("down", d.clone()),
            Some(_) => ("down", "-- nothing to undo".to_string()),
            None => (
                "down",
                format!("-- no rollback: {}", s.reason.clone().unwrap_or_default()),
            ),
        }
    } else {
        ("up", s.up.clone())
    };
    let copy_sql = sql.clone();
    let on_copy = Callback::from(move |_: MouseEvent| copy(&copy_sql));
    let line = s.line;
    let on_goto = Callback::from(move |_: MouseEvent| {
        crate::components::editor::focus_line("migration-editor", line, 1)
    });
    html! {
        <li class={classes!("step", s.phase.as_str())} data-step={(i + 1).to_string()}>
            <div class="step-head">
                <span class="num">{ format!("{}.", i + 1) }</span>
                <span class="title">{ s.title.clone() }</span>
                if s.line > 0 {
                    <button type="button" class="goto secondary" onclick={on_goto}
                        title="Show the migration line this step comes from">{ format!("line {}", s.line) }</button>
                }
            </div>
            <p class="badges">
                if let Some(l) = &s.lock { <span class="badge lock">{ format!("lock: {l}") }</span> }
                <span class="badge tx">{ s.transaction_label() }</span>
                if s.repeat { <span class="badge repeat">{ "repeat until 0 rows" }</span> }
                if s.irreversible { <span class="badge irreversible">{ "✖ irreversible" }</span> }
            </p>
            <p class="why">{ s.why.clone() }</p>
            <div class="sql-block">
                <button type="button" class="copy secondary" onclick={on_copy} title="Copy this SQL">{ "Copy" }</button>
                <pre data-sql={label} tabindex="0" aria-label={format!("{label} SQL")}><code>{ sql }</code></pre>
            </div>
            if let Some(r) = &s.reason {
                <p class="reason">{ format!("⚠ {r}") }</p>
            }
            if let Some(d) = &s.deploy {
                <p class="deploy-after"><strong>{ "Then deploy: " }</strong>{ d.clone() }</p>
            }
        </li>
    }
}
