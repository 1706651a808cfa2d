//! A SQL text area with a line-number gutter.

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub on_input: Callback<String>,
}

#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let gutter = use_node_ref();
    let lines = props.value.split('\n').count().max(1);
    let numbers: String = (1..=lines).map(|n| format!("{n}\n")).collect();
    let oninput = {
        let cb = props.on_input.clone();
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let onscroll = {
        let gutter = gutter.clone();
        Callback::from(move |e: Event| {
            let area = e.target_unchecked_into::<HtmlTextAreaElement>();
            if let Some(g) = gutter.cast::<HtmlElement>() {
                g.set_scroll_top(area.scroll_top());
            }
        })
    };
    html! {
        <div class="editor">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <div class="editor-body">
                <pre class="gutter" aria-hidden="true" ref={gutter}>{ numbers }</pre>
                <textarea id={props.id.clone()} spellcheck="false" wrap="off"
                    value={props.value.clone()} {oninput} {onscroll} />
            </div>
        </div>
    }
}

/// Line height of the editor text, in pixels (13px at 1.45, see style.css).
const LINE_HEIGHT: f64 = 18.85;

/// Focuses the editor `id`, selects `line` from `column` to its end and
/// scrolls it into view: how a finding links to its line.
pub fn focus_line(id: &str, line: usize, column: usize) {
    let Some(area) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
    else {
        return;
    };
    let text = area.value();
    // Selection offsets count UTF-16 code units, as the DOM does.
    let mut start = 0usize;
    let mut this_line = "";
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            this_line = l;
            break;
        }
        start += l.encode_utf16().count() + 1;
    }
    let col: usize = this_line
        .chars()
        .take(column.saturating_sub(1))
        .map(char::len_utf16)
        .sum();
    let end = start + this_line.encode_utf16().count();
    let _ = area.focus();
    let _ = area.set_selection_range((start + col) as u32, end as u32);
    area.set_scroll_top((line.saturating_sub(3) as f64 * LINE_HEIGHT) as i32);
}
