//! Named drafts, kept in this browser: save the current work under a name,
//! open or delete one. Whatever replaces the work (a draft, a link, a plan
//! file, a folder) first keeps it in "Replaced work", the last five with
//! when and what replaced them, so nothing typed is ever lost.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::browser::{self, Draft, Replaced};

#[derive(Properties, PartialEq)]
pub struct DraftsProps {
    /// The current state, encoded (asked for only when saving).
    pub current: Callback<(), String>,
    /// Open a state (a share link body).
    pub on_open: Callback<String>,
}

fn when(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

#[function_component]
pub fn Drafts(props: &DraftsProps) -> Html {
    let list = use_state(browser::drafts);
    let kept = use_state(browser::replaced);
    let name = use_state(String::new);
    let message = use_state(String::new);
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            name.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_save = {
        let (name, list, message, current) = (
            name.clone(),
            list.clone(),
            message.clone(),
            props.current.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let n = name.trim().to_string();
            if n.is_empty() {
                message.set("Give the draft a name.".into());
                return;
            }
            match browser::save_named(&n, current.emit(())) {
                Ok(()) => {
                    message.set(format!("Saved as “{n}”."));
                    name.set(String::new());
                }
                Err(e) => message.set(format!("Not saved: {e}.")),
            }
            list.set(browser::drafts());
        })
    };
    // Opens `state`, keeping the current work among the replaced.
    let open_state = {
        let (kept, message, current, on_open) = (
            kept.clone(),
            message.clone(),
            props.current.clone(),
            props.on_open.clone(),
        );
        move |state: String, what: String| {
            let note = match browser::keep_replaced(current.emit(()), &what) {
                Ok(()) => format!("Opened {what}; what it replaced is under “Replaced work”."),
                Err(e) => format!("Opened {what}; what it replaced could not be kept: {e}."),
            };
            on_open.emit(state);
            message.set(note);
            kept.set(browser::replaced());
        }
    };
    let open = |d: &Draft| {
        let (state, what, open_state) = (
            d.state.clone(),
            format!("the draft “{}”", d.name),
            open_state.clone(),
        );
        Callback::from(move |_: MouseEvent| open_state(state.clone(), what.clone()))
    };
    let reopen = |r: &Replaced| {
        let (state, what, open_state) = (
            r.state.clone(),
            format!("the work from {}", when(r.saved)),
            open_state.clone(),
        );
        Callback::from(move |_: MouseEvent| open_state(state.clone(), what.clone()))
    };
    let delete = |d: &Draft| {
        let (n, list) = (d.name.clone(), list.clone());
        Callback::from(move |_: MouseEvent| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&format!("Delete the draft “{n}”?"))
                        .ok()
                })
                .unwrap_or(false);
            if sure {
                browser::delete_named(&n);
                list.set(browser::drafts());
            }
        })
    };
    let refresh = {
        let (list, kept) = (list.clone(), kept.clone());
        Callback::from(move |_: Event| {
            list.set(browser::drafts());
            kept.set(browser::replaced());
        })
    };
    html! {
        <details class="drafts" id="drafts" ontoggle={refresh}>
            <summary>{ format!("Drafts ({})", list.len() + kept.len()) }</summary>
            <div class="drafts-panel">
                <form onsubmit={on_save}>
                    <label>{ "Save this work as " }
                        <input id="draft-name" type="text" value={(*name).clone()} oninput={on_name} placeholder="a name" />
                    </label>
                    <button type="submit" id="draft-save">{ "Save draft" }</button>
                </form>
                if !message.is_empty() { <p class="hint" role="status">{ (*message).clone() }</p> }
                if list.is_empty() {
                    <p class="empty">{ "No named drafts yet. Your current work is always kept in this browser." }</p>
                } else {
                    <ul class="draft-list">
                        { for list.iter().map(|d| html! {
                            <li data-draft={d.name.clone()}>
                                <span class="draft-name">{ d.name.clone() }</span>
                                <span class="hint">{ when(d.saved) }</span>
                                <button type="button" class="secondary draft-open" onclick={open(d)}>{ "Open" }</button>
                                <button type="button" class="secondary draft-delete" aria-label={format!("Delete {}", d.name)} onclick={delete(d)}>{ "Delete" }</button>
                            </li>
                        }) }
                    </ul>
                }
                if !kept.is_empty() {
                    <h3 class="replaced-title">{ format!("Replaced work (the last {})", browser::REPLACED_KEPT) }</h3>
                    <ul class="draft-list replaced-list">
                        { for kept.iter().map(|r| html! {
                            <li class="replaced">
                                <span class="hint">{ format!("{}, replaced by {}", when(r.saved), r.replaced_by) }</span>
                                <button type="button" class="secondary replaced-open" onclick={reopen(r)}>{ "Open" }</button>
                            </li>
                        }) }
                    </ul>
                }
            </div>
        </details>
    }
}
