//! Small browser helpers: downloads, the clipboard, the clock.

use wasm_bindgen::JsCast;

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let data = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&data);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Copies `text` to the clipboard (where the page is allowed to).
pub fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Now, UTC, as YYYYMMDDHHMMSS (file names of new migrations).
pub fn timestamp() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        d.get_utc_full_year(),
        d.get_utc_month() + 1,
        d.get_utc_date(),
        d.get_utc_hours(),
        d.get_utc_minutes(),
        d.get_utc_seconds()
    )
}

/// Where the draft lives in this browser.
const DRAFT_KEY: &str = "migplan.draft";

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser keeps no local storage".to_string())
}

/// Saves the current state (as a share link body) in localStorage; says
/// why not when the browser's storage cannot hold it.
pub fn save_draft(encoded: &str) -> Result<(), String> {
    storage()?.set_item(DRAFT_KEY, encoded).map_err(|_| {
        format!(
            "this browser's storage cannot hold your work ({} KB packed)",
            encoded.len() / 1024
        )
    })
}

/// The draft saved by an earlier visit, if any.
pub fn load_draft() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(DRAFT_KEY).ok().flatten())
}

const THEME_KEY: &str = "migplan.theme";

/// Applies `theme` (`system`, `light` or `dark`) to the page and keeps it.
pub fn set_theme(theme: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = match theme {
            "light" | "dark" => root.set_attribute("data-theme", theme),
            _ => root.remove_attribute("data-theme"),
        };
    }
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(THEME_KEY, theme);
    }
}

/// The theme chosen on an earlier visit (`system` when none).
pub fn saved_theme() -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .unwrap_or_else(|| "system".into())
}

/// Registers the service worker that caches the site for offline use
/// (written by `cargo xtask finish-site`); where there is none (tests,
/// insecure origins) nothing happens.
pub fn register_worker() {
    let Some(w) = web_sys::window() else {
        return;
    };
    let nav = w.navigator();
    if !js_sys::Reflect::has(&nav, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let promise = nav.service_worker().register("./sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    });
}

/// Named drafts: name, state (a share link body) and when, as JSON.
const DRAFTS_KEY: &str = "migplan.drafts";

/// A named draft.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    pub name: String,
    pub state: String,
    /// Milliseconds since 1970.
    pub saved: f64,
}

/// The named drafts, newest first.
pub fn drafts() -> Vec<Draft> {
    let mut d: Vec<Draft> = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(DRAFTS_KEY).ok().flatten())
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    d.sort_by(|a, b| b.saved.total_cmp(&a.saved));
    d
}

fn write_drafts(d: &[Draft]) -> Result<(), String> {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or("this browser keeps no local storage")?;
    let json = serde_json::to_string(d).unwrap_or_default();
    storage
        .set_item(DRAFTS_KEY, &json)
        .map_err(|_| "the browser's storage is full: delete a draft first".to_string())
}

/// Saves `state` as the draft `name` (replacing one of that name).
pub fn save_named(name: &str, state: String) -> Result<(), String> {
    let mut d = drafts();
    d.retain(|x| x.name != name);
    d.push(Draft {
        name: name.to_string(),
        state,
        saved: js_sys::Date::now(),
    });
    write_drafts(&d)
}

/// Work that something replaced (a link, a draft, a plan file, a folder),
/// newest first: the last [`REPLACED_KEPT`] are kept.
const REPLACED_KEY: &str = "migplan.replaced";
pub const REPLACED_KEPT: usize = 5;

/// One piece of replaced work.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Replaced {
    pub state: String,
    /// Milliseconds since 1970.
    pub saved: f64,
    /// What replaced it, e.g. "a link".
    pub replaced_by: String,
}

/// The replaced work kept, newest first.
pub fn replaced() -> Vec<Replaced> {
    storage()
        .ok()
        .and_then(|s| s.get_item(REPLACED_KEY).ok().flatten())
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

/// Keeps `state` before `replaced_by` replaces it. The same state twice in
/// a row is kept once; when storage is short, the oldest go first.
pub fn keep_replaced(state: String, replaced_by: &str) -> Result<(), String> {
    let mut list = replaced();
    if list.first().is_some_and(|r| r.state == state) {
        return Ok(());
    }
    list.insert(
        0,
        Replaced {
            state,
            saved: js_sys::Date::now(),
            replaced_by: replaced_by.to_string(),
        },
    );
    list.truncate(REPLACED_KEPT);
    let storage = storage()?;
    while !list.is_empty() {
        let json = serde_json::to_string(&list).unwrap_or_default();
        if storage.set_item(REPLACED_KEY, &json).is_ok() {
            return Ok(());
        }
        list.pop();
    }
    Err("this browser's storage cannot hold the work being replaced".into())
}

/// Deletes the draft `name`.
pub fn delete_named(name: &str) {
    let mut d = drafts();
    d.retain(|x| x.name != name);
    let _ = write_drafts(&d);
}
