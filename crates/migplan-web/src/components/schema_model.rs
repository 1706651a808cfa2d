//! The schema panel: tables with columns, keys and indexes, before and
//! after the migration, with what the migration changes marked by a sign
//! and a word (not colour alone).

use std::collections::BTreeSet;
use std::rc::Rc;

use migplan_core::catalog::{Catalog, ConstraintKind, Table};
use migplan_core::diff::{ChangeKind, Marks};
use yew::prelude::*;

use crate::components::{mark_class, mark_sign};
use crate::state::Analysis;

/// Tables listed before a large schema is cut short: the tables the
/// migration touches always, others up to this many, the rest on asking.
const LIMIT: usize = 12;

#[derive(Properties)]
pub struct SchemaModelProps {
    pub analysis: Rc<Analysis>,
}

impl PartialEq for SchemaModelProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.analysis, &other.analysis)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum View {
    Before,
    After,
}

/// "+ added", "− removed" or "~ changed"; nothing when unchanged.
fn badge(kind: Option<ChangeKind>) -> Html {
    if kind.is_none() {
        return html! {};
    }
    let (class, sign) = (mark_class(kind), mark_sign(kind));
    html! { <span class={classes!("mark", class)}>{ format!("{sign}{class}") }</span> }
}

#[function_component]
pub fn SchemaModel(props: &SchemaModelProps) -> Html {
    let view = use_state(|| View::After);
    let show_all = use_state(|| false);
    let model = props.analysis.model();
    let marks = Marks::new(&model.changes);
    let show = |v: View| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(v))
    };
    let (catalog, with_marks) = match *view {
        View::Before => (&model.before, false),
        View::After => (&model.after, true),
    };
    // After the migration, removed tables still show (struck through).
    let mut names: BTreeSet<&String> = catalog.tables.keys().collect();
    if with_marks {
        names.extend(model.before.tables.keys());
    }
    // A large schema lists the tables the migration touches, then the
    // first others, until asked for all.
    let total = names.len();
    let touched = migplan_core::diff::touched_tables(&model.changes, &model.before, &model.after);
    // In a large schema a table the migration leaves alone is one line
    // until opened.
    let large = total > LIMIT;
    if large && !*show_all {
        let mut room = LIMIT.saturating_sub(touched.len());
        names.retain(|n| {
            touched.contains(n.as_str())
                || (room > 0 && {
                    room -= 1;
                    true
                })
        });
    }
    let hidden = total - names.len();
    let on_show_all = {
        let show_all = show_all.clone();
        Callback::from(move |_: MouseEvent| show_all.set(!*show_all))
    };
    let tables = names.into_iter().filter_map(|n| {
        let t = catalog
            .tables
            .get(n)
            .or_else(|| model.before.tables.get(n))?;
        let before = model.before.tables.get(n).map(|t| &**t);
        let card = table(
            t,
            before,
            catalog,
            &model.before,
            with_marks.then_some(&marks),
        );
        Some(if large && !touched.contains(n.as_str()) {
            html! {
                <article class="table-card compact" data-table={t.name.clone()}>
                    <details>
                        <summary><code>{ t.name.clone() }</code><span class="facts">{ format!(" {} columns", t.columns.len()) }</span></summary>
                        { card }
                    </details>
                </article>
            }
        } else {
            card
        })
    });
    let summary = format!(
        "{} tables, {} changes by the migration",
        catalog.tables.len(),
        model.changes.len()
    );
    html! {
        <section class="panel" id="schema-model" aria-label="Schema model">
            <h2>{ "Schema " }<small class="summary">{ summary }</small></h2>
            <div class="tabs" role="tablist">
                <button type="button" role="tab" id="schema-after" aria-selected={(*view == View::After).to_string()} onclick={show(View::After)}>{ "After the migration" }</button>
                <button type="button" role="tab" id="schema-before" aria-selected={(*view == View::Before).to_string()} onclick={show(View::Before)}>{ "Before" }</button>
            </div>
            if catalog.tables.is_empty() && model.before.tables.is_empty() {
                <p class="empty">{ "No tables yet: paste CREATE TABLE statements or a dump into the schema editor." }</p>
            }
            <div class="tables">{ for tables }</div>
            if hidden > 0 || *show_all {
                <p class="hint">
                    { if hidden > 0 { format!("{hidden} more tables the migration does not touch. ") } else { String::new() } }
                    <button type="button" class="secondary" id="schema-all" onclick={on_show_all}>
                        { if *show_all { "Show fewer".to_string() } else { format!("Show all {total} tables") } }
                    </button>
                </p>
            }
            { others(catalog, with_marks.then_some(&marks)) }
            if with_marks && !model.changes.is_empty() {
                <details class="changes">
                    <summary>{ format!("All changes ({})", model.changes.len()) }</summary>
                    <ul>{ for model.changes.iter().map(|c| html!{ <li><code>{ c.to_string() }</code></li> }) }</ul>
                </details>
            }
        </section>
    }
}

fn table(
    t: &Table,
    before: Option<&Table>,
    catalog: &Catalog,
    before_catalog: &Catalog,
    marks: Option<&Marks>,
) -> Html {
    let mark = |object: &str, name: String| marks.and_then(|m| m.get(object, &name));
    let table_mark = mark("table", t.name.clone());
    // Columns of the table now, then those the migration removed.
    let mut columns: Vec<(&migplan_core::catalog::Column, Option<ChangeKind>)> = t
        .columns
        .iter()
        .map(|c| (c, mark("column", format!("{}.{}", t.name, c.name))))
        .collect();
    if marks.is_some()
        && let Some(b) = before
    {
        for c in &b.columns {
            if t.column(&c.name).is_none() {
                columns.push((c, Some(ChangeKind::Removed)));
            }
        }
    }
    let pk: Vec<String> = t
        .primary_key()
        .map(|k| k.kind.columns().to_vec())
        .unwrap_or_default();
    let mut constraints: Vec<(&migplan_core::catalog::Constraint, Option<ChangeKind>)> = t
        .constraints
        .iter()
        .map(|c| (c, mark("constraint", format!("{}.{}", t.name, c.name))))
        .collect();
    if marks.is_some()
        && let Some(b) = before
    {
        for c in &b.constraints {
            if t.constraint(&c.name).is_none() {
                constraints.push((c, Some(ChangeKind::Removed)));
            }
        }
    }
    // A wide table lists the columns that matter here (changed, keys) and
    // folds the rest.
    let keys: Vec<&str> = t
        .constraints
        .iter()
        .flat_map(|k| k.kind.columns())
        .map(String::as_str)
        .collect();
    let (shown, folded): (Vec<_>, Vec<_>) = if columns.len() > WIDE {
        columns.iter().partition(|(c, m)| {
            m.is_some() || pk.contains(&c.name) || keys.contains(&c.name.as_str())
        })
    } else {
        (columns.iter().collect(), Vec::new())
    };
    let mut indexes: Vec<(&migplan_core::catalog::Index, Option<ChangeKind>)> = catalog
        .indexes_on(&t.name)
        .map(|i| (i, mark("index", i.name.clone())))
        .collect();
    if marks.is_some() {
        for i in before_catalog.indexes_on(&t.name) {
            if !catalog.indexes.contains_key(&i.name) {
                indexes.push((i, Some(ChangeKind::Removed)));
            }
        }
    }
    html! {
        <article class={classes!("table-card", mark_class(table_mark))} data-table={t.name.clone()}>
            <h3><code>{ t.name.clone() }</code>{ badge(table_mark) }</h3>
            <ul class="columns">{ for shown.iter().map(|(c, m)| column_item(c, *m, &pk)) }</ul>
            if !folded.is_empty() {
                <details class="more-columns">
                    <summary>{ format!("{} more columns", folded.len()) }</summary>
                    <ul class="columns">{ for folded.iter().map(|(c, m)| column_item(c, *m, &pk)) }</ul>
                </details>
            }
            if !constraints.is_empty() {
                <ul class="keys">
                    { for constraints.iter().map(|(k, m)| html! {
                        <li class={classes!("constraint", mark_class(*m))}>
                            <span class="kind">{ k.kind.label() }</span>{ " " }<code>{ k.name.clone() }</code>
                            { " " }{ constraint_detail(&k.kind) }
                            if !k.validated { <span class="note">{ " not valid" }</span> }
                            { badge(*m) }
                        </li>
                    }) }
                </ul>
            }
            if !indexes.is_empty() {
                <ul class="indexes">
                    { for indexes.iter().map(|(i, m)| html! {
                        <li class={classes!("index", mark_class(*m))}>
                            <span class="kind">{ if i.unique { "unique index" } else { "index" } }</span>{ " " }
                            <code>{ i.name.clone() }</code>{ format!(" ({})", i.columns.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                            if let Some(p) = &i.predicate { <span class="note">{ format!(" where {p}") }</span> }
                            { badge(*m) }
                        </li>
                    }) }
                </ul>
            }
        </article>
    }
}

/// Columns a table card lists before folding the unchanged ones.
const WIDE: usize = 16;

fn column_item(c: &migplan_core::catalog::Column, m: Option<ChangeKind>, pk: &[String]) -> Html {
    let mut facts = vec![c.data_type.clone()];
    if pk.contains(&c.name) {
        facts.push("primary key".into());
    }
    if !c.nullable {
        facts.push("not null".into());
    }
    if let Some(d) = &c.default {
        facts.push(format!("default {d}"));
    }
    if let Some(i) = &c.identity {
        facts.push(i.clone());
    }
    if let Some(g) = &c.generated {
        facts.push(format!("generated {g}"));
    }
    html! {
        <li class={classes!("column", mark_class(m))} data-column={c.name.clone()}>
            <code>{ c.name.clone() }</code>{ " " }<span class="facts">{ facts.join(", ") }</span>{ badge(m) }
        </li>
    }
}

fn constraint_detail(k: &ConstraintKind) -> String {
    match k {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => {
            format!("({})", columns.join(", "))
        }
        ConstraintKind::Check { expr } => format!("CHECK ({expr})"),
        ConstraintKind::ForeignKey {
            columns,
            references,
            referred_columns,
            ..
        } => format!(
            "({}) → {references} ({})",
            columns.join(", "),
            referred_columns.join(", ")
        ),
    }
}

fn others(c: &Catalog, marks: Option<&Marks>) -> Html {
    let mark = |object: &str, name: &str| marks.and_then(|m| m.get(object, name));
    if c.views.is_empty() && c.enums.is_empty() && c.sequences.is_empty() {
        return html! {};
    }
    html! {
        <ul class="others">
            { for c.views.values().map(|v| html! {
                <li><span class="kind">{ if v.materialized { "materialized view" } else { "view" } }</span>{ " " }<code>{ v.name.clone() }</code>{ badge(mark("view", &v.name)) }</li>
            }) }
            { for c.enums.iter().map(|(n, values)| html! {
                <li><span class="kind">{ "enum" }</span>{ " " }<code>{ n.clone() }</code>{ format!(" ({})", values.join(", ")) }{ badge(mark("enum", n)) }</li>
            }) }
            { for c.sequences.iter().map(|n| html! {
                <li><span class="kind">{ "sequence" }</span>{ " " }<code>{ n.clone() }</code>{ badge(mark("sequence", n)) }</li>
            }) }
        </ul>
    }
}
