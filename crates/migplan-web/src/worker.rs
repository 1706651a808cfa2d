//! The simulation runs in a Web Worker that owns the engine (PGlite for
//! PostgreSQL, sql.js for SQLite, translated MySQL, and PostgreSQL "fast
//! approximate"), so the page always stays responsive: Cancel ends the
//! worker at once, and a statement that runs past its time budget is
//! stopped the same way, with its line.
//!
//! The page ([`Simulation::start`]) and the worker ([`listen`]) speak JSON:
//! one [`Job`] in, [`Event`]s out.
//!
//! The worker runs the page's own wasm: `web/sim-worker.js` (a classic
//! worker, so that sql.js and PGlite's loader come in by `importScripts`)
//! receives the page's compiled `WebAssembly.Module` and the URL of
//! its bindings, and instantiates it; `main` finds no window there and
//! calls [`listen`]. So the site ships one binary, and a simulation neither
//! downloads nor compiles a second one.

use std::cell::RefCell;
use std::rc::Rc;

use migplan_core::engine::{Engine, EngineError, Limits, ResultSet};
use migplan_core::plan::PlanOptions;
use migplan_core::simulate::{self, Growth, Phase, SimOptions, SimulationReport};
use migplan_core::{Dialect, Options, Session};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The worker's script, beside `index.html` (copied by Trunk).
const WORKER_URL: &str = "./sim-worker.js";

#[wasm_bindgen]
extern "C" {
    type ImportMeta;

    /// `import.meta` of the bindings' module: its URL is the one the
    /// worker imports to instantiate this same binary.
    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;

    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;
}

/// Seconds PGlite may take between two signs of life while it downloads
/// and starts (a slow connection fetches about 15 MB).
const LOAD_SECONDS: u32 = 120;

/// What the page asks the worker to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub dialect: Dialect,
    /// The PostgreSQL version the page analyses for.
    pub pg_version: u32,
    pub schema: String,
    pub migration: String,
    pub options: SimOptions,
    pub limits: Limits,
    pub task: Task,
    /// Where a PostgreSQL migration runs.
    #[serde(default)]
    pub engine: EngineChoice,
}

/// Where a PostgreSQL migration is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EngineChoice {
    /// PostgreSQL itself (PGlite), loaded on first use.
    #[default]
    Postgres,
    /// SQLite with the migration translated: fast, approximate.
    Sqlite,
}

impl EngineChoice {
    /// The engine this job runs on: PostgreSQL only for PostgreSQL input
    /// (cost growth runs on SQLite).
    pub fn for_job(self, dialect: Dialect, task: &Task) -> EngineChoice {
        match (self, dialect, task) {
            (EngineChoice::Postgres, Dialect::Postgres, Task::Migration | Task::Plan(_)) => {
                EngineChoice::Postgres
            }
            _ => EngineChoice::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    /// The migration as written, with its checks and rollback.
    Migration,
    /// The plan made with these options, step by step.
    Plan(PlanOptions),
    /// Every statement timed at these row counts.
    Growth(Vec<usize>),
}

/// What the worker tells the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    /// Loaded and listening: the job may be sent.
    Ready,
    /// The user's statement at `line` of `phase` starts.
    Starting {
        phase: Phase,
        line: usize,
    },
    /// Batches of sample rows inserted, of how many.
    Progress {
        done: usize,
        total: usize,
    },
    /// PostgreSQL (PGlite) is downloading: bytes so far, of how many.
    Loading {
        done: f64,
        total: f64,
    },
    /// PostgreSQL is downloaded and starting its databases.
    Booting,
    Finished(Box<SimulationReport>),
    Growth {
        sizes: Vec<usize>,
        rows: Vec<Growth>,
        detail: String,
    },
    /// The engine could not be loaded.
    Unavailable(String),
}

// ------------------------------------------------------------------ worker

/// The worker's side: listens for the job, serves it, posts its events.
/// `main` calls this when the binary runs in a worker (it has no window).
pub fn listen() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post: Post = {
        let scope = scope.clone();
        Rc::new(move |event: &Event| {
            if let Ok(text) = serde_json::to_string(event) {
                let _ = scope.post_message(&JsValue::from_str(&text));
            }
        })
    };
    let on_message = {
        let post = post.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            let post = post.clone();
            wasm_bindgen_futures::spawn_local(async move { serve(&text, post).await });
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Event::Ready);
}

/// How the worker posts an event to the page.
pub type Post = Rc<dyn Fn(&Event)>;

/// An engine that tells the page where it is before each statement.
struct Reporting<E: Engine> {
    db: E,
    post: Post,
}

#[async_trait::async_trait(?Send)]
impl<E: Engine> Engine for Reporting<E> {
    async fn execute(&mut self, sql: &str) -> Result<Vec<ResultSet>, EngineError> {
        self.db.execute(sql).await
    }

    fn starting(&mut self, phase: Phase, line: usize) {
        (self.post)(&Event::Starting { phase, line });
    }

    fn now_ms(&mut self) -> Option<f64> {
        self.db.now_ms()
    }
}

/// The worker's clock in milliseconds.
fn worker_now_ms() -> f64 {
    js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .ok()
        .and_then(|scope| scope.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Progress every eight batches of sample rows.
fn progress_to(post: &Post) -> impl FnMut(usize, usize) + '_ {
    move |done: usize, total: usize| {
        if done.is_multiple_of(8) || done == total {
            post(&Event::Progress { done, total });
        }
    }
}

/// On PGlite: the migration as written, simulated in one database and
/// traced in a second; or the plan, step by step and back down.
async fn on_pglite(job: &Job, session: &Session, post: &Post) -> Result<SimulationReport, String> {
    let loading = post.clone();
    let started = worker_now_ms();
    let runtime =
        migplan_pglite::Runtime::load(move |done, total| loading(&Event::Loading { done, total }))
            .await
            .map_err(|e| e.to_string())?;
    post(&Event::Booting);
    let mut main = runtime.open().await.map_err(|e| e.to_string())?;
    let core_job = simulate::postgres::Job::new(
        format!("{} in this page", main.version().await),
        session,
        job.options.down.clone(),
        job.options.rows_sql.as_deref(),
        &job.options.data,
    );
    let report = if let Task::Plan(options) = &job.task {
        let plan = migplan_core::plan::plan(session, options.clone());
        let start_ms = worker_now_ms() - started;
        let mut engine = Reporting {
            db: main,
            post: post.clone(),
        };
        simulate::postgres::simulate_plan(&mut engine, &plan, &core_job)
            .await
            .map(|report| (report, start_ms))
    } else {
        // The trace's database: a copy of the fresh one, faster than a
        // second initdb, taken before the schema runs.
        let mut traced = main.copy().await.map_err(|e| e.to_string())?;
        let start_ms = worker_now_ms() - started;
        let mut engine = Reporting {
            db: main,
            post: post.clone(),
        };
        simulate::postgres::simulate_and_trace(
            &mut engine,
            &mut traced,
            session,
            &core_job,
            &mut progress_to(post),
        )
        .await
        .map(|report| (report, start_ms))
    };
    report.map(|(mut report, start_ms)| {
        report.timing.start_ms = Some(start_ms);
        report
    })
}

/// Runs the job in `text` (JSON), telling `post` as it goes.
async fn serve(text: &str, post: Post) {
    let job: Job = match serde_json::from_str(text) {
        Ok(job) => job,
        Err(e) => {
            return post(&Event::Unavailable(format!(
                "a job the worker cannot read: {e}"
            )));
        }
    };
    // The worker is a program of its own: it parses the job's sources once,
    // into the session every task below shares.
    let options = Options::with_pg_version(job.pg_version).unwrap_or_default();
    let session = Session::new(job.dialect, options, &job.schema, &job.migration);
    if job.engine.for_job(job.dialect, &job.task) == EngineChoice::Postgres {
        return match on_pglite(&job, &session, &post).await {
            Ok(report) => post(&Event::Finished(Box::new(report))),
            Err(e) => post(&Event::Unavailable(format!("PostgreSQL (PGlite): {e}"))),
        };
    }
    let module = match migplan_sqljs::SqlJs::load("./").await {
        Ok(module) => module,
        Err(e) => return post(&Event::Unavailable(e.to_string())),
    };
    let open = || module.open_with(job.limits);
    match &job.task {
        Task::Growth(sizes) => {
            let mut factory = || {
                open().ok().map(|db| {
                    Box::new(Reporting {
                        db,
                        post: post.clone(),
                    }) as Box<dyn Engine>
                })
            };
            let (rows, check) =
                simulate::cost_growth(&mut factory, &worker_now_ms, &session, sizes).await;
            post(&Event::Growth {
                sizes: sizes.clone(),
                rows,
                detail: check.detail,
            });
        }
        task => {
            let db = match open() {
                Ok(db) => db,
                Err(e) => return post(&Event::Unavailable(e.to_string())),
            };
            let mut engine = Reporting {
                db,
                post: post.clone(),
            };
            let report = match task {
                Task::Plan(options) => {
                    let plan = migplan_core::plan::plan(&session, options.clone());
                    simulate::simulate_plan(&mut engine, &session, &plan, &job.options.data).await
                }
                _ => {
                    simulate::simulate_with_progress(
                        &mut engine,
                        &session,
                        &job.options,
                        &mut progress_to(&post),
                    )
                    .await
                }
            };
            post(&Event::Finished(Box::new(report)));
        }
    }
}

// -------------------------------------------------------------------- page

/// How a simulation in the worker ended, or what it said on the way.
#[derive(Debug, Clone)]
pub enum Outcome {
    Event(Event),
    /// The statement at `line` ran past the time budget: the worker was
    /// ended.
    TimedOut(Box<SimulationReport>),
    /// The worker died (out of memory, or failed to load).
    Died(String),
}

/// Where the worker is, as it last said.
#[derive(Default)]
struct Watch {
    phase: Option<Phase>,
    line: usize,
    timer: Option<gloo::timers::callback::Timeout>,
}

/// A simulation running in its own worker; dropping it ends the worker.
pub struct Simulation {
    worker: web_sys::Worker,
    watch: Rc<RefCell<Watch>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl Simulation {
    /// Starts `job` in a new worker; `on_outcome` hears every event and the
    /// end. A statement silent for `limits.statement_seconds` ends it.
    pub fn start(job: Job, on_outcome: yew::Callback<Outcome>) -> Result<Simulation, String> {
        let worker = spawn().map_err(|e| format!("{e:?}"))?;
        let watch: Rc<RefCell<Watch>> = Rc::default();
        let seconds = job.limits.statement_seconds;
        let (rows, seed) = (job.options.data.rows, job.options.data.seed);
        let text = serde_json::to_string(&job).map_err(|e| e.to_string())?;
        let on_message = {
            let (worker, watch, on_outcome) = (worker.clone(), watch.clone(), on_outcome.clone());
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(event) = e
                    .data()
                    .as_string()
                    .and_then(|t| serde_json::from_str::<Event>(&t).ok())
                else {
                    return;
                };
                match &event {
                    Event::Ready => {
                        let _ = worker.post_message(&JsValue::from_str(&text));
                    }
                    Event::Starting { phase, line } => {
                        let mut w = watch.borrow_mut();
                        w.phase = Some(*phase);
                        w.line = *line;
                    }
                    Event::Finished(_) | Event::Growth { .. } | Event::Unavailable(_) => {
                        watch.borrow_mut().timer = None;
                        worker.terminate();
                    }
                    Event::Progress { .. } | Event::Loading { .. } | Event::Booting => {}
                }
                match event {
                    Event::Finished(_) | Event::Growth { .. } | Event::Unavailable(_) => {}
                    // Downloading and starting PostgreSQL is not a statement:
                    // it gets the loading budget.
                    Event::Loading { .. } | Event::Booting => {
                        let budget = seconds.max(LOAD_SECONDS);
                        rearm(&watch, &worker, budget, rows, seed, &on_outcome);
                    }
                    _ => rearm(&watch, &worker, seconds, rows, seed, &on_outcome),
                }
                on_outcome.emit(Outcome::Event(event));
            })
        };
        let on_error = {
            let (worker, watch, on_outcome) = (worker.clone(), watch.clone(), on_outcome.clone());
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                e.prevent_default();
                watch.borrow_mut().timer = None;
                worker.terminate();
                on_outcome.emit(Outcome::Died(e.message()));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // Loading sql.js counts against the first statement's budget too.
        rearm(&watch, &worker, seconds, rows, seed, &on_outcome);
        Ok(Simulation {
            worker,
            watch,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

/// A worker running this binary: it is sent the compiled module and the
/// URL of the bindings that instantiate it.
fn spawn() -> Result<web_sys::Worker, JsValue> {
    let worker = web_sys::Worker::new(WORKER_URL)?;
    let start = js_sys::Object::new();
    let bindings = IMPORT_META.with(ImportMeta::url);
    js_sys::Reflect::set(&start, &"bindings".into(), &bindings.into())?;
    js_sys::Reflect::set(&start, &"module".into(), &wasm_bindgen::module())?;
    worker.post_message(&start)?;
    Ok(worker)
}

/// Restarts the budget of the statement running now.
fn rearm(
    watch: &Rc<RefCell<Watch>>,
    worker: &web_sys::Worker,
    seconds: u32,
    rows: usize,
    seed: u64,
    on_outcome: &yew::Callback<Outcome>,
) {
    let (watched, worker, on_outcome) = (watch.clone(), worker.clone(), on_outcome.clone());
    let timer = gloo::timers::callback::Timeout::new(seconds.saturating_mul(1000), move || {
        worker.terminate();
        let (phase, line) = {
            let w = watched.borrow();
            (w.phase.unwrap_or(Phase::Schema), w.line)
        };
        let message = migplan_core::engine::Stop::Time { seconds }.to_string();
        on_outcome.emit(Outcome::TimedOut(Box::new(SimulationReport::stopped(
            phase, line, message, rows, seed,
        ))));
    });
    watch.borrow_mut().timer = Some(timer);
}

impl Drop for Simulation {
    fn drop(&mut self) {
        self.watch.borrow_mut().timer = None;
        self.worker.terminate();
    }
}
