//! The page's memory: a share link opens (keeping the work it replaces),
//! every change is saved as a draft in this browser, and leaving the page
//! saves the latest state at once.

use yew::prelude::*;

use super::{link_refused, location_fragment, open_link};
use crate::state::{Action, Notice, State};

/// Links at start-up and on `hashchange`, drafts saved after a pause and
/// on `pagehide`.
#[hook]
pub fn use_persistence(state: UseReducerHandle<State>) {
    // What this browser holds as the draft (or, at start, the example it
    // need not hold): a render that changes none of it saves nothing, since
    // a save encodes all the work.
    let stored = use_mut_ref(|| state.shared());
    // At start: a share link in the fragment opens its state (the draft it
    // replaces is kept first); otherwise the draft saved by the last visit
    // comes back.
    {
        let s = state.dispatcher();
        let stored = stored.clone();
        use_effect_with((), move |_| {
            crate::browser::register_worker();
            // For `cargo xtask bench`: the page is interactive from here.
            if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                let _ = p.mark("migplan-interactive");
            }
            let draft = crate::browser::load_draft();
            let fragment = location_fragment();
            let link = (!fragment.is_empty()).then(|| open_link(&fragment, &s, draft.clone()));
            if !matches!(link, Some(Ok(()))) {
                let restored = draft
                    .as_deref()
                    .and_then(|d| migplan_core::share::decode_draft(d).ok());
                if let Some(d) = restored {
                    *stored.borrow_mut() = d.clone();
                    s.dispatch(Action::LoadShared(Box::new(d)));
                }
            }
            if let Some(Err(e)) = link {
                s.dispatch(Action::Notice(Some(Notice::problem(link_refused(&e)))));
            }
        });
    }
    // The state as last drawn, for the page's own events (a link opened
    // later, leaving the page).
    let latest = use_mut_ref(|| None::<UseReducerHandle<State>>);
    *latest.borrow_mut() = Some(state.clone());
    // A link opened in a tab that already shows the app changes only the
    // fragment: it opens too, keeping the current work first.
    {
        let s = state.dispatcher();
        let latest = latest.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "hashchange", move |_| {
                    let fragment = location_fragment();
                    if fragment.is_empty() {
                        return;
                    }
                    let current = latest
                        .borrow()
                        .as_ref()
                        .map(|st| migplan_core::share::encode(&st.shared()));
                    if let Err(e) = open_link(&fragment, &s, current) {
                        s.dispatch(Action::Notice(Some(Notice::problem(link_refused(&e)))));
                    }
                })
            });
            move || drop(listener)
        });
    }
    // Every change (text, down, sample rows, settings) is saved in this
    // browser after a short pause; nothing leaves it.
    // When it cannot be saved (too large for this browser's storage), the
    // page says so at once, and again only after saving worked in between.
    let save_timer = use_mut_ref(|| None::<gloo::timers::callback::Timeout>);
    let save_failing = use_mut_ref(|| false);
    let stored_on_leave = stored.clone();
    {
        let state = state.clone();
        let save_timer = save_timer.clone();
        let s = state.dispatcher();
        use_effect(move || {
            *save_timer.borrow_mut() = Some(gloo::timers::callback::Timeout::new(300, move || {
                let work = state.shared();
                if *stored.borrow() == work {
                    return;
                }
                let saved = write_draft(&stored, work);
                let failing = saved.is_err();
                if failing != std::mem::replace(&mut *save_failing.borrow_mut(), failing) {
                    s.dispatch(Action::Notice(saved.err().map(|e| {
                        Notice::problem(format!(
                            "Your work is not saved in this browser: {e}. Download it as a plan file (Save plan file) to keep it."
                        ))
                    })));
                }
            }));
        });
    }
    // Leaving or reloading the page saves the very latest state at once.
    {
        let stored = stored_on_leave;
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo::events::EventListener::new(&w, "pagehide", move |_| {
                    if let Some(s) = latest.borrow().as_ref() {
                        let _ = write_draft(&stored, s.shared());
                    }
                })
            });
            move || drop(listener)
        });
    }
}

/// Saves `work` as this browser's draft and, once saved, keeps it as what
/// the draft holds.
fn write_draft(
    stored: &std::cell::RefCell<migplan_core::share::Shared>,
    work: migplan_core::share::Shared,
) -> Result<(), String> {
    crate::browser::save_draft(&migplan_core::share::encode(&work))?;
    *stored.borrow_mut() = work;
    Ok(())
}
