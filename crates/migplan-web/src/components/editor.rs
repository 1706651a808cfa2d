//! A SQL editor: a plain textarea (so typing, undo, selection and screen
//! readers behave natively) over a highlighted copy of the lines in view.
//!
//! Only the visible lines (and a margin) are highlighted and drawn, so a
//! 20,000-line dump scrolls and types as smoothly as a short file; the
//! tokens come from the core's [`migplan_core::highlight`], memoised per
//! text. Parse errors and findings are marked in the gutter (with the
//! message as a tooltip) and underlined from their column.

use std::rc::Rc;

use migplan_core::Dialect;
use migplan_core::highlight::{Highlight, highlight_source};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlDocument, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

/// What the gutter marks on a line: a parse error or a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub line: usize,
    pub column: usize,
    /// `error`, `dangerous` or `careful`.
    pub kind: &'static str,
    pub message: String,
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub on_input: Callback<String>,
    #[prop_or(Dialect::Postgres)]
    pub dialect: Dialect,
    #[prop_or_default]
    pub markers: Rc<Vec<Marker>>,
    /// Ctrl/Cmd+Enter: analyse now.
    #[prop_or_default]
    pub on_run: Callback<()>,
    #[prop_or_default]
    pub placeholder: AttrValue,
}

/// Line height of the editor text, in pixels (see `.editor` in style.css).
pub const LINE_HEIGHT: i32 = 19;
/// Pastes this large (bytes) skip the browser's editing command (and so
/// its undo step): it would take seconds.
const LARGE_PASTE: usize = 200_000;

/// Lines drawn above and below the visible ones.
const MARGIN: usize = 30;

/// Scroll position and visible height of the text area.
#[derive(Clone, Copy, PartialEq)]
struct View {
    top: i32,
    left: i32,
    height: i32,
}

fn view_of(area: &HtmlTextAreaElement) -> View {
    View {
        top: area.scroll_top(),
        left: area.scroll_left(),
        height: area.client_height().max(LINE_HEIGHT * 20),
    }
}

#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let tokens: Rc<Highlight> = use_memo((props.value.clone(), props.dialect), |(v, d)| {
        highlight_source(v, *d)
    });
    let view = use_state(|| View {
        top: 0,
        left: 0,
        height: LINE_HEIGHT * 20,
    });
    // After Escape, Tab leaves the editor (keyboard users are never trapped).
    let escaped = use_mut_ref(|| false);

    let oninput = {
        let cb = props.on_input.clone();
        let on_run = props.on_run.clone();
        let view = view.clone();
        Callback::from(move |e: InputEvent| {
            let area = e.target_unchecked_into::<HtmlTextAreaElement>();
            view.set(view_of(&area));
            cb.emit(area.value());
            // A paste or a drop is a whole text at once: analysed at once,
            // not after the pause that waits for typing to stop.
            if matches!(
                e.input_type().as_str(),
                "insertFromPaste" | "insertFromDrop"
            ) {
                on_run.emit(());
            }
        })
    };
    // A large paste is put in place directly: the browser's own editing
    // command takes seconds for tens of thousands of lines.
    let onpaste = {
        let cb = props.on_input.clone();
        let on_run = props.on_run.clone();
        let view = view.clone();
        Callback::from(move |e: Event| {
            let Some(paste) = e.dyn_ref::<web_sys::ClipboardEvent>() else {
                return;
            };
            let Some(text) = paste
                .clipboard_data()
                .and_then(|d| d.get_data("text/plain").ok())
                .filter(|t| t.len() >= LARGE_PASTE)
            else {
                return;
            };
            e.prevent_default();
            let area = e.target_unchecked_into::<HtmlTextAreaElement>();
            let _ = area.set_range_text_with_start_and_end_and_mode(
                &text,
                area.selection_start().ok().flatten().unwrap_or(0),
                area.selection_end().ok().flatten().unwrap_or(0),
                "end",
            );
            view.set(view_of(&area));
            cb.emit(area.value());
            on_run.emit(());
        })
    };
    let onscroll = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            let v = view_of(&e.target_unchecked_into::<HtmlTextAreaElement>());
            if v != *view {
                view.set(v);
            }
        })
    };
    let onkeydown = {
        let on_run = props.on_run.clone();
        let escaped = escaped.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                on_run.emit(());
            } else if key == "Tab"
                && !e.shift_key()
                && !e.ctrl_key()
                && !e.alt_key()
                && !e.meta_key()
                && !*escaped.borrow()
            {
                e.prevent_default();
                insert_text(&e.target_unchecked_into::<HtmlTextAreaElement>(), "  ");
            }
            *escaped.borrow_mut() = key == "Escape";
        })
    };

    // A file dropped on the editor replaces its text (a plan file or a
    // folder is left to the page, which opens it).
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let cb = props.on_input.clone();
        Callback::from(move |e: DragEvent| {
            let Some(dt) = e.data_transfer() else {
                return;
            };
            // A folder is the page's to open as a project.
            let folder = dt
                .items()
                .get(0)
                .and_then(|i| i.webkit_get_as_entry().ok().flatten())
                .is_some_and(|entry| entry.is_directory());
            let Some(list) = dt.files().filter(|_| !folder) else {
                return;
            };
            let Some(file) = list.get(0).filter(|_| list.length() == 1) else {
                return;
            };
            if file.name().ends_with(".migplan.json") || file.size() > crate::files::MAX_FILE {
                return;
            }
            e.prevent_default();
            e.stop_propagation();
            let cb = cb.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(t) = crate::files::text(file).await {
                    cb.emit(t);
                }
            });
        })
    };

    let text = props.value.as_str();
    let lines: Vec<&str> = text.split('\n').collect();
    let first = (view.top / LINE_HEIGHT).max(0) as usize;
    let first = first
        .saturating_sub(MARGIN)
        .min(lines.len().saturating_sub(1));
    let last = (first + (view.height / LINE_HEIGHT) as usize + 2 * MARGIN).min(lines.len());
    let shift = format!(
        "transform: translate({}px, {}px)",
        -view.left,
        first as i32 * LINE_HEIGHT - view.top
    );
    let gutter_shift = format!(
        "transform: translateY({}px)",
        first as i32 * LINE_HEIGHT - view.top
    );
    let marker_on = |line: usize| props.markers.iter().filter(move |m| m.line == line);

    let gutter: Html = (first..last)
        .map(|i| {
            let marks: Vec<&Marker> = marker_on(i + 1).collect();
            // The worst marker of the line gives the gutter its colour.
            let worst = ["error", "dangerous", "careful"]
                .into_iter()
                .find(|k| marks.iter().any(|m| m.kind == *k));
            let title = marks
                .iter()
                .map(|m| m.message.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            match worst {
                Some(k) => html! {
                    <div class={classes!("ln", format!("gm-{k}"))} title={title} data-line={(i + 1).to_string()}>
                        <span class="gm-icon">{ icon(k) }</span>{ i + 1 }
                    </div>
                },
                None => html! { <div class="ln">{ i + 1 }</div> },
            }
        })
        .collect();

    let code: Html = (first..last)
        .map(|i| {
            let line = lines[i];
            // Underline from the first marker's column to the line's end.
            let mark = marker_on(i + 1)
                .min_by_key(|m| m.column)
                .map(|m| (m.column.saturating_sub(1), m.kind));
            let mut col = 0usize;
            let mut parts: Vec<Html> = Vec::new();
            for (seg, class) in tokens.segments(i, line) {
                let class = class.map(|c| c.css());
                let n = seg.chars().count();
                match mark {
                    Some((at, kind)) if at < col + n => {
                        let cut = seg
                            .char_indices()
                            .nth(at.saturating_sub(col))
                            .map_or(seg.len(), |(b, _)| b);
                        if cut > 0 {
                            parts.push(html! { <span class={class}>{ &seg[..cut] }</span> });
                        }
                        parts.push(html! {
                            <span class={classes!(class, "mk", format!("mk-{kind}"))}>{ &seg[cut..] }</span>
                        });
                    }
                    _ => parts.push(html! { <span class={class}>{ seg }</span> }),
                }
                col += n;
            }
            // An error at the very end of a line still shows.
            if let Some((at, kind)) = mark
                && at >= col
            {
                parts.push(html! { <span class={classes!("mk", format!("mk-{kind}"))}>{ " " }</span> });
            }
            html! { <div class="cl">{ for parts }</div> }
        })
        .collect();

    let count = props.markers.len();
    html! {
        <div class="editor">
            <label for={props.id.clone()}>{ props.label.clone() }
                if count > 0 {
                    <span class="marker-count">{ format!(" · {count} marked") }</span>
                }
            </label>
            <div class="editor-body" {ondragover} {ondrop}>
                <div class="gutter" aria-hidden="true"><div style={gutter_shift}>{ gutter }</div></div>
                <div class="code">
                    <div class="hl" aria-hidden="true" style={shift}>{ code }</div>
                    <textarea id={props.id.clone()} spellcheck="false" wrap="off" autocomplete="off"
                        autocapitalize="off" placeholder={props.placeholder.clone()}
                        aria-keyshortcuts="Control+Enter Meta+Enter"
                        value={props.value.clone()} {oninput} {onpaste} {onscroll} {onkeydown} />
                </div>
            </div>
        </div>
    }
}

/// The same icons as the findings (and ⊘ for what does not parse).
fn icon(kind: &str) -> &'static str {
    match kind {
        "error" => "⊘",
        "dangerous" => "✖",
        _ => "⚠",
    }
}

/// Types `text` at the caret as if the user had, so undo still works;
/// falls back to editing the value where `insertText` is unsupported.
fn insert_text(area: &HtmlTextAreaElement, text: &str) {
    let done = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<HtmlDocument>().ok())
        .and_then(|d| {
            d.exec_command_with_show_ui_and_value("insertText", false, text)
                .ok()
        })
        .unwrap_or(false);
    if !done {
        let _ = area.set_range_text_with_start_and_end_and_mode(
            text,
            area.selection_start().ok().flatten().unwrap_or(0),
            area.selection_end().ok().flatten().unwrap_or(0),
            "end",
        );
        if let Ok(ev) = web_sys::InputEvent::new("input") {
            let _ = area.dispatch_event(&ev);
        }
    }
}

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
    area.set_scroll_top(line.saturating_sub(3) as i32 * LINE_HEIGHT);
}
