//! The statement list: each statement with its line, kind and parse error.

use migplan_core::report::StatementReport;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatementsProps {
    pub title: AttrValue,
    pub id: AttrValue,
    pub statements: Vec<StatementReport>,
}

#[function_component]
pub fn Statements(props: &StatementsProps) -> Html {
    let unparsed = props.statements.iter().filter(|s| !s.parsed).count();
    let summary = format!(
        "{} statements, {} not parsed",
        props.statements.len(),
        unparsed
    );
    html! {
        <section class="panel" id={props.id.clone()} aria-label={props.title.clone()}>
            <h2>{ props.title.clone() } <small class="summary">{ summary }</small></h2>
            if props.statements.is_empty() {
                <p class="empty">{ "No statements yet: paste some SQL." }</p>
            }
            <ol class="statements">
                { for props.statements.iter().map(statement) }
            </ol>
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
            <span class="kind">{ s.kind.clone() }</span>
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
