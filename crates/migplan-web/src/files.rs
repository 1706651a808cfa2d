//! Reading the user's files: picked (a file input, a folder input) or
//! dropped (files and whole folders, walked through the entries API).
//! Everything is read in the page; nothing is uploaded.
//!
//! Chromium has no global `FileSystemEntry`, `FileSystemFileEntry` or
//! `FileSystemDirectoryEntry` constructors, so `dyn_into` (an `instanceof`
//! test) refuses every entry: entries are cast unchecked after asking them
//! `is_file` / `is_directory`.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

/// Files larger than this are skipped (a project's text files are smaller).
pub const MAX_FILE: f64 = 8.0 * 1024.0 * 1024.0;

/// Text files worth reading from a project folder.
pub fn wanted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext_ok = [
        ".sql", ".rb", ".py", ".js", ".cjs", ".mjs", ".ts", ".cs", ".toml", ".ini", ".conf",
        ".plan", ".xml", ".yaml", ".yml", ".json", ".prisma", ".csv",
    ]
    .iter()
    .any(|e| name.ends_with(e));
    let skipped = path.split('/').any(|part| {
        matches!(
            part,
            "node_modules" | ".git" | "target" | "dist" | "vendor" | "__pycache__"
        )
    });
    (ext_ok || name == ".sequelizerc") && !skipped
}

/// The text of `file`.
pub async fn text(file: web_sys::File) -> Option<String> {
    gloo::file::futures::read_as_text(&gloo::file::File::from(file))
        .await
        .ok()
}

/// The files of a list, taken at once (clearing the input empties it).
pub fn files_of(list: &web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// (path, text) of the wanted files of a list from a file or folder input;
/// folder paths are made relative to the folder picked.
pub async fn from_list(list: Vec<web_sys::File>) -> Vec<(String, String)> {
    let count = list.len();
    let mut picked = Vec::new();
    for f in list {
        let rel = js_sys::Reflect::get(&f, &"webkitRelativePath".into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('/').map_or(p.clone(), |(_, r)| r.to_string()))
            .unwrap_or_else(|| f.name());
        if (wanted(&rel) || count == 1) && f.size() <= MAX_FILE {
            picked.push((rel, f));
        }
    }
    let mut out = Vec::new();
    for (rel, f) in picked {
        if let Some(t) = text(f).await {
            out.push((rel, t));
        }
    }
    out.sort();
    out
}

/// (path, text) of everything dropped: files as they are, folders walked
/// (paths relative to the folder dropped, as a folder input gives them).
pub async fn from_drop(dt: DataTransfer) -> Vec<(String, String)> {
    let items = dt.items();
    let mut entries = Vec::new();
    for i in 0..items.length() {
        if let Some(e) = items
            .get(i)
            .and_then(|it| it.webkit_get_as_entry().ok().flatten())
        {
            entries.push(e);
        }
    }
    // Without the entries API, the plain file list.
    if entries.is_empty() {
        return match dt.files() {
            Some(list) => from_list(files_of(&list)).await,
            None => Vec::new(),
        };
    }
    // One folder dropped: paths relative to it, as a folder input gives.
    let mut stack: Vec<(FileSystemEntry, String)> = Vec::new();
    if entries.len() == 1 && entries[0].is_directory() {
        let dir = entries.remove(0);
        stack.extend(
            read_dir(dir.unchecked_ref())
                .await
                .into_iter()
                .map(|e| (e, String::new())),
        );
    } else {
        stack.extend(entries.into_iter().map(|e| (e, String::new())));
    }
    let mut out = Vec::new();
    while let Some((entry, prefix)) = stack.pop() {
        let name = entry.name();
        if entry.is_directory() {
            let path = format!("{prefix}{name}/");
            if !wanted(&format!("{path}x.sql")) {
                continue;
            }
            let dir: &FileSystemDirectoryEntry = entry.unchecked_ref();
            stack.extend(read_dir(dir).await.into_iter().map(|e| (e, path.clone())));
        } else if entry.is_file() {
            let path = format!("{prefix}{name}");
            // Files dropped themselves are always read; inside folders,
            // only the kinds a project's migrations are made of.
            if !prefix.is_empty() && !wanted(&path) {
                continue;
            }
            if let Some(file) = file_of(entry.unchecked_ref()).await
                && file.size() <= MAX_FILE
                && let Some(t) = text(file).await
            {
                out.push((path, t));
            }
        }
    }
    out.sort();
    out
}

/// What an entries-API call hands its success callback (its error
/// callback gives `Err`): the promise's own resolve and reject are the
/// callbacks.
async fn called_back(
    call: &mut dyn FnMut(&js_sys::Function, &js_sys::Function),
) -> Result<JsValue, JsValue> {
    JsFuture::from(js_sys::Promise::new(&mut |resolve, reject| {
        call(&resolve, &reject)
    }))
    .await
}

/// Every entry of a directory (the reader hands them out in batches).
async fn read_dir(dir: &FileSystemDirectoryEntry) -> Vec<FileSystemEntry> {
    let reader = dir.create_reader();
    let mut all = Vec::new();
    loop {
        let Ok(batch) = called_back(&mut |ok, err| {
            let _ = reader.read_entries_with_callback_and_callback(ok, err);
        })
        .await
        else {
            break;
        };
        let batch: js_sys::Array = batch.unchecked_into();
        if batch.length() == 0 {
            break;
        }
        all.extend(batch.iter().map(JsValue::unchecked_into::<FileSystemEntry>));
        if all.len() > 20_000 {
            break;
        }
    }
    all
}

async fn file_of(entry: &FileSystemFileEntry) -> Option<web_sys::File> {
    called_back(&mut |ok, err| entry.file_with_callback_and_callback(ok, err))
        .await
        .ok()?
        .dyn_into()
        .ok()
}
