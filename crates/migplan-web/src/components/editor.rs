//! A SQL editor: a plain textarea (so typing, undo, selection and screen
//! readers behave natively) over a highlighted copy of the lines in view.
//!
//! Only the visible lines (and a margin) are highlighted and drawn, so a
//! 20,000-line dump scrolls and types as smoothly as a short file; the
//! tokens come from the core's [`migplan_core::highlight`], memoised per
//! text. Parse errors and findings are marked in the gutter (with the
//! message as a tooltip) and underlined from their column.

use std::cell::{Cell, RefCell};
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

/// A selection this long (UTF-16 units) is collapsed when Ctrl/⌘+V is
/// pressed, and the paste replaces it here: Chromium spends seconds on a
/// large selection before it even announces the paste.
const LARGE_SELECTION: u32 = 20_000;

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
    let paste = use_large_paste(view.clone());

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
    // A large paste (or one over a large selection) is put in place here:
    // the browser's own editing command takes seconds for tens of
    // thousands of lines.
    let onpaste = {
        let cb = props.on_input.clone();
        let on_run = props.on_run.clone();
        let paste = paste.clone();
        let before = props.value.clone();
        Callback::from(move |e: Event| {
            // A paste while another is held would go into the text area's
            // old (or empty) text: refused like any other edit then.
            if paste.holding() {
                e.prevent_default();
                return;
            }
            let area = e.target_unchecked_into::<HtmlTextAreaElement>();
            let stashed = paste.range.borrow_mut().take();
            let text = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|c| c.clipboard_data())
                .and_then(|d| d.get_data("text/plain").ok())
                .unwrap_or_default();
            if text.is_empty() || (stashed.is_none() && text.len() < LARGE_PASTE) {
                // The browser's own paste (with its undo step); a selection
                // collapsed for nothing comes back.
                if let Some((start, end)) = stashed {
                    let _ = area.set_selection_range(start, end);
                }
                return;
            }
            e.prevent_default();
            let selection = || {
                let at = |v: Result<Option<u32>, _>| v.ok().flatten().unwrap_or(0);
                (at(area.selection_start()), at(area.selection_end()))
            };
            let (start, end) = stashed.unwrap_or_else(selection);
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            let (pasted, caret) = splice_utf16(&area.value(), start, end, &text);
            paste.hold(before.clone(), caret);
            cb.emit(pasted);
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
        let paste = paste.clone();
        Callback::from(move |e: KeyboardEvent| {
            // A selection kept at Ctrl/⌘+V is for the paste that follows
            // it; if none came, it is forgotten at the next key.
            paste.range.borrow_mut().take();
            let key = e.key();
            if key == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                on_run.emit(());
            } else if key.eq_ignore_ascii_case("v")
                && (e.ctrl_key() || e.meta_key())
                && !e.alt_key()
            {
                paste.stash_selection(&e.target_unchecked_into::<HtmlTextAreaElement>());
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
                    <textarea ref={paste.area.clone()} id={props.id.clone()} spellcheck="false" wrap="off" autocomplete="off"
                        autocapitalize="off" placeholder={props.placeholder.clone()}
                        aria-keyshortcuts="Control+Enter Meta+Enter"
                        value={paste.shown(&props.value)} {oninput} {onpaste} {onscroll} {onkeydown} />
                </div>
            </div>
        </div>
    }
}

/// A large paste in progress. The page first shows the pasted text (the
/// lines in view are drawn from the editor's value) with its results, and
/// gives the browser's text area the text after that frame is painted:
/// laying out half a megabyte of text in a text area takes Chromium about
/// half a second, which the results need not wait for. The text area
/// takes no edit in between.
#[derive(Clone)]
struct LargePaste {
    area: NodeRef,
    /// The selection collapsed at Ctrl/⌘+V, which the paste replaces.
    range: Rc<RefCell<Option<(u32, u32)>>>,
    /// The text the text area keeps until the results are painted.
    held: UseStateHandle<Option<AttrValue>>,
    /// Where the caret goes once the text area has the pasted text.
    caret: Rc<RefCell<Option<u32>>>,
    /// From the paste until the text area has the pasted text: set in the
    /// paste's own event, so no edit slips in before the page has drawn
    /// the hold (Yew may yield to the browser between a render and its
    /// effects).
    refusing: Rc<Cell<bool>>,
}

impl LargePaste {
    /// At Ctrl/⌘+V over a large selection: collapse it (keeping it to
    /// replace) so the browser announces the paste at once.
    fn stash_selection(&self, area: &HtmlTextAreaElement) {
        let at = |v: Result<Option<u32>, _>| v.ok().flatten().unwrap_or(0);
        let (start, end) = (at(area.selection_start()), at(area.selection_end()));
        if end.saturating_sub(start) >= LARGE_SELECTION {
            *self.range.borrow_mut() = Some((start, end));
            let _ = area.set_selection_range(end, end);
        }
    }

    fn hold(&self, before: AttrValue, caret: u32) {
        *self.caret.borrow_mut() = Some(caret);
        self.refusing.set(true);
        self.held.set(Some(before));
    }

    /// Whether a paste is held: the text area takes no edit.
    fn holding(&self) -> bool {
        self.refusing.get()
    }

    /// What the text area holds: `value`, or the text before a paste until
    /// its results are painted (nothing, when that text is itself large:
    /// keeping its thousands of lines on screen costs the frame that shows
    /// the results as much as drawing them).
    fn shown(&self, value: &AttrValue) -> AttrValue {
        match &*self.held {
            Some(before) if before.len() >= LARGE_PASTE => AttrValue::default(),
            Some(before) => before.clone(),
            None => value.clone(),
        }
    }
}

#[hook]
fn use_large_paste(view: UseStateHandle<View>) -> LargePaste {
    let paste = LargePaste {
        area: use_node_ref(),
        range: use_mut_ref(|| None),
        held: use_state(|| None),
        caret: use_mut_ref(|| None),
        refusing: use_memo((), |_| Cell::new(false)),
    };
    let frame = use_mut_ref(|| None::<gloo::render::AnimationFrame>);
    // While the paste is held, the text area keeps the old text (or none):
    // an edit to it would replace the pasted text, so none is taken. (Not
    // `readonly`: that restyles every line of the text area, about 100 ms
    // for 15,000 lines.) The listener is there from the start and asks
    // `refusing`, which the paste itself sets.
    {
        let area = paste.area.clone();
        let refusing = paste.refusing.clone();
        use_effect_with((), move |_| {
            let listener = area.cast::<HtmlTextAreaElement>().map(|area| {
                gloo::events::EventListener::new_with_options(
                    &area,
                    "beforeinput",
                    gloo::events::EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        if refusing.get() {
                            e.prevent_default();
                        }
                    },
                )
            });
            move || drop(listener)
        });
    }
    {
        let paste = paste.clone();
        use_effect_with(paste.held.is_some(), move |held| {
            if *held {
                // After the next paint (a task queued from the frame).
                let held = paste.held.clone();
                let refusing = paste.refusing.clone();
                *frame.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| {
                    gloo::timers::callback::Timeout::new(0, move || {
                        refusing.set(false);
                        held.set(None);
                    })
                    .forget();
                }));
            } else if let Some(caret) = paste.caret.borrow_mut().take()
                && let Some(area) = paste.area.cast::<HtmlTextAreaElement>()
            {
                let _ = area.set_selection_range(caret, caret);
                view.set(view_of(&area));
            }
        });
    }
    paste
}

/// `text` in place of the range `start..end` of `old`, counted in UTF-16
/// units as a text area counts, and the offset just after it.
fn splice_utf16(old: &str, start: u32, end: u32, text: &str) -> (String, u32) {
    let byte_at = |unit: u32| {
        let mut units = 0u32;
        for (at, ch) in old.char_indices() {
            if units >= unit {
                return at;
            }
            units += ch.len_utf16() as u32;
        }
        old.len()
    };
    let (from, to) = (byte_at(start.min(end)), byte_at(start.max(end)));
    let mut spliced = String::with_capacity(old.len() - (to - from) + text.len());
    spliced.push_str(&old[..from]);
    spliced.push_str(text);
    spliced.push_str(&old[to..]);
    let caret = old[..from].encode_utf16().count() + text.encode_utf16().count();
    (spliced, u32::try_from(caret).unwrap_or(u32::MAX))
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

#[cfg(test)]
mod tests {
    use super::splice_utf16;

    /// Offsets count UTF-16 units, as the text area's selection does: an
    /// emoji is two, an accented letter one.
    #[test]
    fn a_paste_replaces_the_selection_counted_as_the_text_area_counts() {
        assert_eq!(
            splice_utf16("abcdef", 1, 3, "XY"),
            ("aXYdef".to_string(), 3)
        );
        assert_eq!(splice_utf16("abc", 0, 3, "new"), ("new".to_string(), 3));
        assert_eq!(splice_utf16("abc", 3, 3, "!"), ("abc!".to_string(), 4));
        // "é😀x": é is one unit, 😀 two.
        assert_eq!(splice_utf16("é😀x", 1, 3, "-"), ("é-x".to_string(), 2));
        assert_eq!(splice_utf16("é😀x", 3, 1, "-"), ("é-x".to_string(), 2));
        // Past the end (a stale selection): appended.
        assert_eq!(splice_utf16("ab", 9, 12, "c"), ("abc".to_string(), 3));
        assert_eq!(splice_utf16("", 0, 0, "😀"), ("😀".to_string(), 2));
    }
}
