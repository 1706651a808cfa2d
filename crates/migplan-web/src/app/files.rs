//! Files from outside the page: a plan file, a project folder, or one SQL
//! file, picked or dropped.

use yew::prelude::*;

use crate::state::{Action, Notice, State};

/// The file picker's and the drop zone's handlers, and whether something
/// is being dragged over the page.
pub struct Handlers {
    pub dragging: UseStateHandle<bool>,
    pub on_pick: Callback<Event>,
    pub on_dragover: Callback<DragEvent>,
    pub on_dragleave: Callback<DragEvent>,
    pub on_drop: Callback<DragEvent>,
}

#[hook]
pub fn use_files(state: UseReducerHandle<State>) -> Handlers {
    let keep_previous = {
        let state = state.clone();
        move |replaced_by: &str| {
            let _ = crate::browser::keep_replaced(
                migplan_core::share::encode(&state.shared()),
                replaced_by,
            );
        }
    };
    // Files from outside: a plan file opens; a folder or several files are
    // a project (its dump, latest migration and down fill the inputs); one
    // SQL file becomes the migration.
    let on_files = {
        let s = state.dispatcher();
        let keep_previous = keep_previous.clone();
        Callback::from(move |files: Vec<(String, String)>| {
            if files.is_empty() {
                return;
            }
            keep_previous(match files.as_slice() {
                [(name, _)] => name.as_str(),
                _ => "a folder",
            });
            match files.as_slice() {
                [(name, text)] if name.ends_with(".json") => {
                    match migplan_core::share::from_file(text) {
                        Ok(shared) => s.dispatch(Action::LoadShared(Box::new(shared))),
                        Err(e) => s.dispatch(Action::Notice(Some(Notice::problem(format!(
                            "{name} could not be opened: {e}. Your work is as it was."
                        ))))),
                    }
                }
                [(name, text)] if !name.contains('/') => {
                    s.dispatch(Action::SetMigration(text.clone()));
                    s.dispatch(Action::Analyze);
                    s.dispatch(Action::Notice(Some(Notice::info(format!(
                        "{name} is now the migration (drop it on the schema editor to use it as the schema)."
                    )))));
                }
                _ => s.dispatch(Action::SetProject(files, true)),
            }
        })
    };
    let on_pick = {
        let on_files = on_files.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let Some(list) = input.files() else { return };
            let list = crate::files::files_of(&list);
            let on_files = on_files.clone();
            wasm_bindgen_futures::spawn_local(async move {
                on_files.emit(crate::files::from_list(list).await);
            });
            input.set_value("");
        })
    };
    let dragging = use_state(|| false);
    let on_dragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let on_dragleave = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // Leaving the page, not moving between its children.
            if e.related_target().is_none() {
                dragging.set(false);
            }
        })
    };
    let on_drop = {
        let on_files = on_files.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            let Some(dt) = e.data_transfer() else { return };
            let on_files = on_files.clone();
            wasm_bindgen_futures::spawn_local(async move {
                on_files.emit(crate::files::from_drop(dt).await);
            });
        })
    };
    Handlers {
        dragging,
        on_pick,
        on_dragover,
        on_dragleave,
        on_drop,
    }
}
