//! The findings panel: grouped by severity (icon and word, not colour
//! alone), each finding linking to its line in the migration editor.

use migplan_core::Severity;
use migplan_core::report::Finding;
use migplan_core::rules;
use yew::prelude::*;

use crate::components::editor::focus_line;

#[derive(Properties, PartialEq)]
pub struct FindingsProps {
    pub findings: Vec<Finding>,
    pub max_severity: Severity,
    /// Statements the migration runs that migplan did not analyse: the
    /// verdict covers only the rest.
    #[prop_or_default]
    pub not_analysed: usize,
    /// Mistakes in the input that are not SQL (an ignore naming no rule).
    #[prop_or_default]
    pub errors: Vec<migplan_core::report::ReportError>,
    /// The editor the line links point into.
    pub editor: AttrValue,
}

/// The icon shown with a severity word.
pub fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Safe => "✓",
        Severity::Careful => "⚠",
        Severity::Dangerous => "✖",
    }
}

#[function_component]
pub fn Findings(props: &FindingsProps) -> Html {
    let active: Vec<&Finding> = props
        .findings
        .iter()
        .filter(|f| f.ignored.is_none())
        .collect();
    let ignored: Vec<&Finding> = props
        .findings
        .iter()
        .filter(|f| f.ignored.is_some())
        .collect();
    let verdict = props.max_severity;
    let group = |severity: Severity| {
        let items: Vec<&&Finding> = active.iter().filter(|f| f.severity == severity).collect();
        if items.is_empty() {
            return html! {};
        }
        let word = severity.as_str();
        html! {
            <section class={classes!("finding-group", word)} data-severity={word}>
                <h3>{ format!("{} {word} ({})", icon(severity), items.len()) }</h3>
                <ul class="findings">
                    { for items.iter().map(|f| finding(f, &props.editor)) }
                </ul>
            </section>
        }
    };
    html! {
        <section class="panel" id="findings" aria-label="Findings">
            <h2>
                { "Findings " }
                <span class={classes!("verdict", verdict.as_str())} id="verdict">
                    { format!("{} {}", icon(verdict), verdict.as_str()) }
                </span>
                if props.not_analysed > 0 {
                    <span class="verdict incomplete" id="incomplete" title="The verdict covers only what migplan read">
                        { format!("⊘ incomplete: {} not analysed", props.not_analysed) }
                    </span>
                }
                <small class="summary">{ format!("{} finding{}, {} ignored", active.len(), if active.len() == 1 { "" } else { "s" }, ignored.len()) }</small>
            </h2>
            if !props.errors.is_empty() {
                <ul class="report-errors" id="report-errors">
                    { for props.errors.iter().map(|e| html! {
                        <li>{ format!("line {}, column {}: {}", e.line, e.column, e.message) }</li>
                    }) }
                </ul>
            }
            if props.not_analysed > 0 {
                <p class="incomplete-note">{ format!(
                    "{} statement{} migplan did not analyse (marked ⊘ in the list below): {} not counted as safe. Check {} yourself.",
                    props.not_analysed,
                    if props.not_analysed == 1 { "" } else { "s" },
                    if props.not_analysed == 1 { "it is" } else { "they are" },
                    if props.not_analysed == 1 { "it" } else { "them" },
                ) }</p>
            } else if active.is_empty() {
                <p class="empty">{ "No risk found: every statement is safe to run as written." }</p>
            }
            { group(Severity::Dangerous) }
            { group(Severity::Careful) }
            { group(Severity::Safe) }
            if !ignored.is_empty() {
                <details class="finding-group ignored">
                    <summary>{ format!("Ignored ({})", ignored.len()) }</summary>
                    <ul class="findings">
                        { for ignored.iter().map(|f| finding(f, &props.editor)) }
                    </ul>
                </details>
            }
        </section>
    }
}

fn finding(f: &Finding, editor: &AttrValue) -> Html {
    let (line, column) = (f.line, f.column);
    let editor_id = editor.to_string();
    let onclick = Callback::from(move |_: MouseEvent| focus_line(&editor_id, line, column));
    let rule = rules::find(&f.rule);
    let mut facts = Vec::new();
    if let Some(l) = &f.lock {
        facts.push(format!("lock: {l}"));
    }
    if let Some(e) = f.effect.filter(|e| e.as_str() != "none") {
        facts.push(format!("table: {}", e.as_str()));
    }
    html! {
        <li class={classes!("finding", f.severity.as_str())} data-rule={f.rule.clone()} data-line={f.line.to_string()}>
            <div class="finding-head">
                <button class="goto" type="button" {onclick} title="Show this line in the editor">
                    { format!("line {}", f.line) }
                </button>
                <code class="rule-id">{ f.rule.clone() }</code>
                <span class="word">{ format!("{} {}", icon(f.severity), f.severity.as_str()) }</span>
            </div>
            <p class="message">{ f.message.clone() }</p>
            if !facts.is_empty() {
                <p class="facts">{ facts.join(" · ") }</p>
            }
            if let Some(reason) = &f.ignored {
                <p class="ignored-reason">{ format!("ignored: {reason}") }</p>
            }
            <p class="instead"><strong>{ "Use instead: " }</strong>{ f.instead.clone() }</p>
            if let Some(r) = rule {
                <details class="why">
                    <summary>{ "Why is this risky?" }</summary>
                    <p>{ r.why }</p>
                    <p class="rollback"><strong>{ "Rollback: " }</strong>{ r.rollback }</p>
                    <p class="hint">{ format!("Silence it with -- migplan:ignore {} <reason> on the line above.", r.id) }</p>
                </details>
            }
        </li>
    }
}
