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

/// Saves the current state (as a share link body) in localStorage.
pub fn save_draft(encoded: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(DRAFT_KEY, encoded);
    }
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
