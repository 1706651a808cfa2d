//! sql.js behind [`migplan_core::engine::Engine`].
//!
//! sql.js is loaded lazily, the first time a simulation needs it, from the
//! app's own files (`sql-wasm.js` and `sql-wasm.wasm` beside `index.html`).

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use migplan_core::engine::{Engine, EngineError, ResultSet, Value};
use migplan_core::sandbox::{self, Refusal};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// A loaded sql.js module; opens databases.
#[derive(Clone)]
pub struct SqlJs {
    module: JsValue,
}

/// One in-memory sql.js database.
pub struct SqlJsDatabase {
    db: JsValue,
    iterate: Function,
}

fn js_message(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

fn unavailable(e: JsValue) -> EngineError {
    EngineError::Unavailable(js_message(&e))
}

fn global_init() -> Option<Function> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("initSqlJs"))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

async fn load_script(url: &str) -> Result<(), JsValue> {
    // In a worker (no window): the worker's own synchronous importScripts.
    if web_sys::window().is_none() {
        let import: Function =
            Reflect::get(&js_sys::global(), &JsValue::from_str("importScripts"))?.dyn_into()?;
        import.call1(&JsValue::NULL, &JsValue::from_str(url))?;
        return Ok(());
    }
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document to load sql.js into"))?;
    let script = document.create_element("script")?;
    script.set_attribute("src", url)?;
    let loaded = Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    document
        .head()
        .ok_or_else(|| JsValue::from_str("no <head>"))?
        .append_child(&script)?;
    JsFuture::from(loaded)
        .await
        .map_err(|_| JsValue::from_str(&format!("could not load {url}")))?;
    Ok(())
}

async fn init(init: Function, config: Object) -> Result<SqlJs, EngineError> {
    let promise: Promise = init
        .call1(&JsValue::NULL, &config)
        .map_err(unavailable)?
        .dyn_into()
        .map_err(unavailable)?;
    let module = JsFuture::from(promise).await.map_err(unavailable)?;
    MODULE.with(|m| *m.borrow_mut() = Some(module.clone()));
    Ok(SqlJs { module })
}

impl SqlJs {
    /// Loads sql.js from `base` (a folder URL ending in `/`, relative to the
    /// page, such as `./`), once per page.
    pub async fn load(base: &str) -> Result<SqlJs, EngineError> {
        if let Some(module) = MODULE.with(|m| m.borrow().clone()) {
            return Ok(SqlJs { module });
        }
        if global_init().is_none() {
            load_script(&format!("{base}sql-wasm.js"))
                .await
                .map_err(unavailable)?;
        }
        let init_fn = global_init().ok_or_else(|| {
            EngineError::Unavailable("sql-wasm.js did not define initSqlJs".into())
        })?;
        let base = base.to_string();
        let locate =
            Closure::<dyn Fn(String) -> String>::new(move |file: String| format!("{base}{file}"));
        let config = Object::new();
        Reflect::set(&config, &"locateFile".into(), &locate.into_js_value())
            .map_err(unavailable)?;
        init(init_fn, config).await
    }

    /// Loads sql.js from its source text and wasm bytes (for tests, where
    /// no server hosts the files).
    pub async fn load_embedded(js_source: &str, wasm: &[u8]) -> Result<SqlJs, EngineError> {
        // sql.js assigns `module` when it sees one; give it a local to assign.
        let factory = Function::new_no_args(&format!(
            "var module = undefined; {js_source}\n;return initSqlJs;"
        ));
        let init_fn: Function = factory
            .call0(&JsValue::NULL)
            .map_err(unavailable)?
            .dyn_into()
            .map_err(unavailable)?;
        let config = Object::new();
        Reflect::set(&config, &"wasmBinary".into(), &Uint8Array::from(wasm))
            .map_err(unavailable)?;
        init(init_fn, config).await
    }

    /// Opens a new, empty in-memory database whose SQLite may hold at most
    /// `limits.memory_mebibytes` (the time limit is the page's: it ends the
    /// worker the database runs in).
    pub fn open_with(
        &self,
        limits: migplan_core::engine::Limits,
    ) -> Result<SqlJsDatabase, EngineError> {
        let db = self.open()?;
        let bytes = u64::from(limits.memory_mebibytes) * 1024 * 1024;
        // Set directly: the sandbox refuses this pragma to the migration.
        method(&db.db, "exec")?
            .call1(
                &db.db,
                &JsValue::from_str(&format!("PRAGMA hard_heap_limit = {bytes}")),
            )
            .map_err(unavailable)?;
        Ok(db)
    }

    /// Opens a new, empty in-memory database.
    pub fn open(&self) -> Result<SqlJsDatabase, EngineError> {
        let class: Function = Reflect::get(&self.module, &"Database".into())
            .map_err(unavailable)?
            .dyn_into()
            .map_err(unavailable)?;
        let db = Reflect::construct(&class, &Array::new()).map_err(unavailable)?;
        let iterate = method(&db, "iterateStatements")?;
        Ok(SqlJsDatabase { db, iterate })
    }
}

fn to_value(v: JsValue) -> Value {
    if v.is_null() || v.is_undefined() {
        Value::Null
    } else if let Some(n) = v.as_f64() {
        // sql.js hands back JS numbers; integral ones came from INTEGER
        // storage (a REAL with an integral value is reported as an integer).
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            Value::Integer(n as i64)
        } else {
            Value::Real(n)
        }
    } else if let Some(s) = v.as_string() {
        Value::Text(s)
    } else if let Ok(bytes) = v.dyn_into::<Uint8Array>() {
        Value::Blob(bytes.to_vec())
    } else {
        Value::Null
    }
}

/// A method of a JS object, as a function.
fn method(target: &JsValue, name: &str) -> Result<Function, EngineError> {
    Reflect::get(target, &JsValue::from_str(name))
        .map_err(unavailable)?
        .dyn_into::<Function>()
        .map_err(unavailable)
}

/// The next prepared statement of a sql.js statement iterator, if any.
fn next_statement(iterator: &JsValue, next: &Function) -> Result<Option<JsValue>, EngineError> {
    let item = next
        .call0(iterator)
        .map_err(|e| EngineError::Sql(js_message(&e)))?;
    let done = Reflect::get(&item, &"done".into())
        .map_err(unavailable)?
        .is_truthy();
    if done {
        return Ok(None);
    }
    Reflect::get(&item, &"value".into())
        .map(Some)
        .map_err(unavailable)
}

fn free(statement: &JsValue) {
    if let Ok(free) = method(statement, "free") {
        let _ = free.call0(statement);
    }
}

/// Steps one prepared statement to its end, collecting its rows.
fn run_statement(statement: &JsValue) -> Result<Vec<ResultSet>, EngineError> {
    let step = method(statement, "step")?;
    let get = method(statement, "get")?;
    let names = method(statement, "getColumnNames")?;
    let sql_error = |e: JsValue| EngineError::Sql(js_message(&e));
    let mut rows = Vec::new();
    while step.call0(statement).map_err(sql_error)?.is_truthy() {
        let row: Array = get.call0(statement).map_err(sql_error)?.into();
        rows.push(row.iter().map(to_value).collect());
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Array = names.call0(statement).map_err(sql_error)?.into();
    Ok(vec![ResultSet {
        columns: columns.iter().filter_map(|c| c.as_string()).collect(),
        rows,
    }])
}

#[async_trait::async_trait(?Send)]
impl Engine for SqlJsDatabase {
    /// One statement, through sql.js's statement iterator: a second
    /// statement in the text is refused before anything runs.
    async fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        sandbox::check(sql).map_err(EngineError::Refused)?;
        let iterator = self
            .iterate
            .call1(&self.db, &JsValue::from_str(sql))
            .map_err(|e| EngineError::Sql(js_message(&e)))?;
        let next = method(&iterator, "next")?;
        let Some(statement) = next_statement(&iterator, &next)? else {
            return Ok(Vec::new());
        };
        // What SQLite left after the first statement: nothing but space and
        // comments, or the text is refused (the iterator would free the
        // first statement to prepare a second, so the tail is read instead).
        let rest = method(&iterator, "getRemainingSQL")?
            .call0(&iterator)
            .map_err(unavailable)?
            .as_string()
            .unwrap_or_default();
        let several = migplan_core::split::split(&rest, migplan_core::Dialect::Sqlite)
            .iter()
            .any(|segment| segment.kind == migplan_core::split::SegmentKind::Sql);
        if several {
            free(&statement);
            return Err(EngineError::Refused(Refusal::SeveralStatements));
        }
        let result = run_statement(&statement);
        free(&statement);
        result
    }
}

impl Drop for SqlJsDatabase {
    fn drop(&mut self) {
        if let Ok(close) =
            Reflect::get(&self.db, &"close".into()).and_then(|c| c.dyn_into::<Function>())
        {
            let _ = close.call0(&self.db);
        }
    }
}
