//! A SQL text area with a line-number gutter.

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
