//! PGlite (PostgreSQL compiled to WebAssembly, from npm) behind
//! [`migplan_core::engine::Engine`], for the page's simulation worker.
//!
//! PGlite is loaded lazily, the first time a PostgreSQL simulation needs
//! it, by `pglite-loader.js` (beside `index.html`), from the site's own
//! `pglite/` folder; nothing is fetched from anywhere else. Each statement
//! goes through PGlite's `query`, the extended protocol, which refuses a
//! second statement: nothing is ever run as a batch. PGlite runs in the
//! worker's memory only; it has no access to the user's files. It has no
//! working `statement_timeout` (one thread, no signals): the page stops a
//! runaway statement by ending the worker.

use js_sys::{Array, Function, Object, Promise, Reflect};
use migplan_core::engine::{Engine, EngineError, ResultSet, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The loader script, beside `index.html`.
const LOADER: &str = "./pglite-loader.js";

/// PGlite, loaded: opens fresh in-memory databases.
pub struct Runtime {
    loaded: JsValue,
}

/// One in-memory PostgreSQL.
pub struct Pglite {
    db: JsValue,
    query: Function,
    options: Object,
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, EngineError> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(unavailable)
}

fn function(target: &JsValue, key: &str) -> Result<Function, EngineError> {
    get(target, key)?
        .dyn_into::<Function>()
        .map_err(|_| EngineError::Unavailable(format!("PGlite has no {key}()")))
}

fn text(value: &JsValue) -> Option<String> {
    value.as_string()
}

/// PostgreSQL's words for an error, with its detail when it has one.
fn message(error: &JsValue) -> String {
    let said = get(error, "message").ok().and_then(|m| text(&m));
    let detail = get(error, "detail").ok().and_then(|d| text(&d));
    match (said, detail) {
        (Some(m), Some(d)) => format!("{m} ({d})"),
        (Some(m), None) => m,
        _ => format!("{error:?}"),
    }
}

fn unavailable(error: JsValue) -> EngineError {
    EngineError::Unavailable(message(&error))
}

impl Runtime {
    /// Loads PGlite; `progress` hears bytes downloaded, of how many.
    pub async fn load(progress: impl Fn(f64, f64) + 'static) -> Result<Runtime, EngineError> {
        let global = js_sys::global();
        if get(&global, "migplanPglite")?.is_undefined() {
            let import = function(&global, "importScripts")?;
            import
                .call1(&JsValue::NULL, &JsValue::from_str(LOADER))
                .map_err(unavailable)?;
        }
        let start = function(&global, "migplanPglite")?;
        let on_progress =
            Closure::<dyn FnMut(f64, f64)>::new(move |done: f64, total: f64| progress(done, total));
        // The closure lives only while the files load (awaited below).
        let promise: Promise = start
            .call1(&JsValue::NULL, on_progress.as_ref())
            .map_err(unavailable)?
            .dyn_into()
            .map_err(unavailable)?;
        let loaded = JsFuture::from(promise).await.map_err(unavailable)?;
        drop(on_progress);
        Ok(Runtime { loaded })
    }

    /// A fresh database.
    pub async fn open(&self) -> Result<Pglite, EngineError> {
        let open = function(&self.loaded, "open")?;
        let promise: Promise = open
            .call0(&JsValue::NULL)
            .map_err(unavailable)?
            .dyn_into()
            .map_err(unavailable)?;
        Pglite::new(JsFuture::from(promise).await.map_err(unavailable)?)
    }
}

/// A value PGlite parsed, as migplan's [`Value`]: numbers as numbers,
/// everything else as PostgreSQL's text would show it.
fn value(cell: &JsValue) -> Value {
    if cell.is_null() || cell.is_undefined() {
        return Value::Null;
    }
    if let Some(number) = cell.as_f64() {
        return if number.fract() == 0.0 && number.abs() < 9.0e15 {
            Value::Integer(number as i64)
        } else {
            Value::Real(number)
        };
    }
    if let Some(said) = text(cell) {
        return Value::Text(said);
    }
    Value::Text(String::from(js_sys::JsString::from(cell.clone())))
}

impl Pglite {
    fn new(db: JsValue) -> Result<Pglite, EngineError> {
        let query = function(&db, "query")?;
        let options = Object::new();
        Reflect::set(&options, &"rowMode".into(), &"array".into()).map_err(unavailable)?;
        Ok(Pglite { db, query, options })
    }

    /// A second database with this one's contents (PGlite's `clone()`,
    /// several times faster than starting another): taken before anything
    /// ran, a fresh one.
    pub async fn copy(&self) -> Result<Pglite, EngineError> {
        let promise: Promise = function(&self.db, "clone")?
            .call0(&self.db)
            .map_err(unavailable)?
            .dyn_into()
            .map_err(unavailable)?;
        Pglite::new(JsFuture::from(promise).await.map_err(unavailable)?)
    }

    /// `PostgreSQL 18.1 (PGlite 0.5.17)`: what `version()` says, up to
    /// the platform.
    pub async fn version(&mut self) -> String {
        let said = self
            .execute("SELECT version()")
            .await
            .ok()
            .and_then(|sets| sets.into_iter().next())
            .and_then(|set| set.rows.into_iter().next())
            .and_then(|row| row.into_iter().next());
        match said {
            Some(Value::Text(version)) => {
                version.split(" on ").next().unwrap_or(&version).to_string()
            }
            _ => "PostgreSQL (PGlite)".to_string(),
        }
    }
}

#[async_trait::async_trait(?Send)]
impl Engine for Pglite {
    async fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        let promise: Promise = self
            .query
            .call3(
                &self.db,
                &JsValue::from_str(sql),
                &Array::new(),
                &self.options,
            )
            .map_err(|e| EngineError::Sql(message(&e)))?
            .dyn_into()
            .map_err(unavailable)?;
        let result = JsFuture::from(promise)
            .await
            .map_err(|e| EngineError::Sql(message(&e)))?;
        let rows: Array = get(&result, "rows")?.dyn_into().unwrap_or_default();
        if rows.length() == 0 {
            return Ok(Vec::new());
        }
        let fields: Array = get(&result, "fields")?.dyn_into().unwrap_or_default();
        let columns = fields
            .iter()
            .map(|f| {
                get(&f, "name")
                    .ok()
                    .and_then(|n| text(&n))
                    .unwrap_or_default()
            })
            .collect();
        let rows = rows
            .iter()
            .map(|row| {
                row.dyn_into::<Array>()
                    .map(|cells| cells.iter().map(|cell| value(&cell)).collect())
                    .unwrap_or_default()
            })
            .collect();
        Ok(vec![ResultSet { columns, rows }])
    }

    fn now_ms(&mut self) -> Option<f64> {
        js_sys::global()
            .dyn_into::<web_sys::WorkerGlobalScope>()
            .ok()
            .and_then(|scope| scope.performance())
            .map(|performance| performance.now())
    }
}

impl Drop for Pglite {
    fn drop(&mut self) {
        if let Ok(close) = function(&self.db, "close") {
            let _ = close.call0(&self.db);
        }
    }
}
