//! The statement list: each statement with its line, kind and parse error.

use std::rc::Rc;

use migplan_core::report::StatementReport;
use yew::prelude::*;

use crate::state::Analysis;

/// Statements listed before a long input is cut short (the unparsed ones
/// are always listed).
const LIMIT: usize = 300;

#[derive(Properties)]
pub struct StatementsProps {
    pub title: AttrValue,
    pub id: AttrValue,
    pub analysis: Rc<Analysis>,
    /// The schema's statements; otherwise the migration's.
    #[prop_or_default]
    pub schema: bool,
}

impl PartialEq for StatementsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.analysis, &other.analysis)
            && self.schema == other.schema
            && self.id == other.id
    }
}

#[function_component]
pub fn Statements(props: &StatementsProps) -> Html {
    let show_all = use_state(|| false);
    let all = if props.schema {
        &props.analysis.schema.statements
    } else {
        &props.analysis.migration().statements
    };
    let unparsed = all.iter().filter(|s| !s.parsed).count();
    let summary = format!("{} statements, {} not parsed", all.len(), unparsed);
    let shown: Vec<&StatementReport> = all
        .iter()
        .enumerate()
        .filter(|(i, s)| *show_all || *i < LIMIT || !s.parsed)
        .map(|(_, s)| s)
        .collect();
    let hidden = all.len() - shown.len();
    let on_all = {
        let show_all = show_all.clone();
        Callback::from(move |_: MouseEvent| show_all.set(true))
    };
    html! {
        <section class="panel" id={props.id.clone()} aria-label={props.title.clone()}>
            <h2>{ props.title.clone() } <small class="summary">{ summary }</small></h2>
            if all.is_empty() {
                <p class="empty">{ "No statements yet: paste some SQL." }</p>
            }
            <ol class="statements">
                { for shown.into_iter().map(statement) }
            </ol>
            if hidden > 0 {
                <p class="hint">{ format!("{hidden} more parsed statements. ") }
                    <button type="button" class="secondary" onclick={on_all}>{ "Show all" }</button>
                </p>
            }
        </section>
    }
}

fn statement(s: &StatementReport) -> Html {
    let first = s.sql.lines().next().unwrap_or_default().to_string();
    let class = classes!(
        "statement",
        if s.parsed { "parsed" } else { "unparsed" },
        s.severity.as_str()
    );
    html! {
        <li class={class} data-line={s.line.to_string()}>
            <span class="loc">{ format!("line {}:{}", s.line, s.column) }</span>
            <span class="kind">{ s.kind.to_string() }</span>
            <code class="sql">{ first }</code>
            if s.severity != migplan_core::Severity::Safe || s.lock.is_some() || s.algorithm.is_some() {
                <p class="statement-facts">
                    <span class={classes!("word", s.severity.as_str())}>
                        { format!("{} {}", crate::components::findings::icon(s.severity), s.severity.as_str()) }
                    </span>
                    if let Some(l) = &s.lock { <span class="lock">{ format!(" · lock {l}") }</span> }
                    if let Some(a) = &s.algorithm { <span class="lock">{ format!(" · {a}") }</span> }
                    if let Some(e) = s.effect.filter(|e| e.as_str() != "none") { <span class="effect">{ format!(" · {}", e.as_str()) }</span> }
                </p>
            }
            if let Some(err) = &s.error {
                <p class="error" role="note">
                    { format!("⚠ line {}, column {}: {}", s.error_line.unwrap_or(s.line), s.error_column.unwrap_or(s.column), err) }
                </p>
            }
        </li>
    }
}
