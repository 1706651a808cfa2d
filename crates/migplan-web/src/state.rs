//! The app state and its pure reducer (tested natively).

use std::cell::OnceCell;
use std::rc::Rc;

use migplan_core::frameworks::{self, Detection, Framework};
use migplan_core::plan::{self, LockTimeout, Plan, PlanOptions};
use migplan_core::report::CheckReport;
use migplan_core::rollback::{self, Rollback};
use migplan_core::simulate::SimulationReport;
use migplan_core::{Dialect, Options, Session};
use yew::Reducible;

pub const EXAMPLE_SCHEMA: &str = include_str!("../../../tests/fixtures/example/schema.sql");
pub const EXAMPLE_MIGRATION: &str = include_str!("../../../tests/fixtures/example/migration.sql");

/// An analysis compared by identity (every re-analysis is a new one): the
/// key of what the page derives from it. Holding the `Rc` keeps its address
/// from being reused while it is a key.
#[derive(Clone)]
pub struct SameAnalysis(pub Rc<Analysis>);

impl PartialEq for SameAnalysis {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What the core understood of the current inputs.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The schema's statements (parse results only).
    pub schema: CheckReport,
    /// The sources parsed once, the schema model before and after the
    /// migration, and what changed.
    pub session: Session,
    /// What the plan is made with.
    plan_options: PlanOptions,
    /// The zero-downtime plan, made when first asked for ([`Analysis::plan`]).
    plan: OnceCell<Plan>,
    /// The generated down migration, made when first asked for.
    rollback: OnceCell<Rollback>,
    /// How long parsing, the model and the findings took, in milliseconds
    /// (the plan and the rollback are made when their panels first draw,
    /// after the findings: at start, after the page is interactive).
    pub ms: f64,
}

/// Milliseconds from an arbitrary start, for timing the analysis.
fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or_else(js_sys::Date::now, |p| p.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1000.0
    }
}

impl Analysis {
    /// The migration's statements, findings and locks (the session's
    /// report, not a copy).
    pub fn migration(&self) -> &CheckReport {
        &self.session.analysis().report
    }

    /// For a migration written in a framework's language: the framework's
    /// name and the SQL migplan read from it ("show as SQL").
    pub fn read_as_sql(&self) -> Option<(&'static str, String)> {
        let file = self.session.files().first()?;
        let framework = file.parsed.read_as?;
        Some((
            framework.label(),
            migplan_core::frameworks::dsl::as_sql(&file.parsed),
        ))
    }

    /// The schema model before and after the migration, and what changed.
    pub fn model(&self) -> &migplan_core::Analysis {
        self.session.analysis()
    }

    pub fn of(
        dialect: Dialect,
        options: Options,
        plan_options: PlanOptions,
        schema: &str,
        migration: &str,
    ) -> Self {
        let start = now_ms();
        // Each input is parsed once, into the session the report, the
        // model, the plan and the rollback all read.
        let pg_version = options.pg_version;
        let session = Session::new(dialect, options, schema, migration);
        let mut schema_report = CheckReport::new(dialect);
        schema_report.add_statements(None, session.schema());
        let plan_options = PlanOptions {
            pg_version,
            ..plan_options
        };
        Analysis {
            schema: schema_report,
            session,
            plan_options,
            plan: OnceCell::new(),
            rollback: OnceCell::new(),
            ms: now_ms() - start,
        }
    }

    /// The zero-downtime plan.
    pub fn plan(&self) -> &Plan {
        self.plan
            .get_or_init(|| plan::plan(&self.session, self.plan_options.clone()))
    }

    /// The generated down migration.
    pub fn rollback(&self) -> &Rollback {
        self.rollback
            .get_or_init(|| rollback::generate(&self.session))
    }
}

/// A cost-growth measurement: the row counts, each statement's times, and
/// the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthResult {
    pub sizes: Vec<usize>,
    pub rows: Vec<migplan_core::simulate::Growth>,
    pub detail: String,
}

/// A project folder the user gave: its files and what they say.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub files: usize,
    pub detection: Option<Detection>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Simulation {
    Idle,
    /// Running: sample-row batches inserted so far, of how many.
    Running(usize, usize),
    /// PostgreSQL (PGlite) downloading: bytes so far, of how many.
    Loading(f64, f64),
    /// PostgreSQL downloaded, its databases starting.
    Booting,
    Done(Rc<SimulationReport>),
    /// The engine could not be used at all (it failed to load).
    Unavailable(String),
}

impl Simulation {
    /// Whether a simulation is under way (Cancel shown, Run disabled).
    pub fn running(&self) -> bool {
        matches!(
            self,
            Simulation::Running(..) | Simulation::Loading(..) | Simulation::Booting
        )
    }
}

/// The plan settings the page edits together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSettings {
    /// As typed (e.g. `2s`); a value that is not a duration keeps the
    /// previous one.
    pub lock_timeout: String,
    /// IF [NOT] EXISTS in generated SQL.
    pub idempotent: bool,
    /// Columns (`table.column`, comma-separated) old code still reads.
    pub still_read: String,
    /// Copy the rows a DELETE or UPDATE changes before it runs.
    pub keep_copies: bool,
}

/// Whether a notice reports a problem or news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Something went wrong (shown like an error, announced at once).
    Problem,
    /// Something happened as asked (shown like success).
    Info,
}

/// A line the page says above the panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub tone: Tone,
}

impl Notice {
    pub fn problem(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            tone: Tone::Problem,
        }
    }

    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            tone: Tone::Info,
        }
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub dialect: Dialect,
    pub options: Options,
    /// Rows per backfill batch in the plan.
    pub batch_size: u32,
    /// `SET lock_timeout` before locking PostgreSQL steps.
    pub lock_timeout: LockTimeout,
    /// IF [NOT] EXISTS in generated SQL.
    pub idempotent: bool,
    /// Columns (`table.column`, comma-separated) old code still reads;
    /// empty means every column.
    pub still_read: String,
    /// Copy the rows a DELETE or UPDATE of existing rows changes first.
    pub keep_copies: bool,
    /// The framework files are written for.
    pub framework: Framework,
    /// Sample data for simulations.
    pub data: migplan_core::sample::DataOptions,
    /// Simulate the plan step by step instead of the migration as written.
    pub simulate_plan: bool,
    /// Where a PostgreSQL migration is simulated.
    pub engine: crate::worker::EngineChoice,
    /// Seconds one simulated statement may run before it is stopped.
    pub statement_seconds: u32,
    /// The user's own rows (INSERT statements), used instead of generated ones.
    pub rows_sql: String,
    /// What the page has to say that is not in a panel: a problem (a link
    /// that could not be opened; the work stays as it was) or news (a
    /// project opened).
    pub notice: Option<Notice>,
    /// The last cost-growth measurement: sizes, rows, summary.
    pub growth: Option<Rc<GrowthResult>>,
    pub project: Option<Rc<Project>>,
    pub schema: String,
    pub migration: String,
    /// The user's down migration (empty: the generated one is used).
    pub down: String,
    /// The panel a share link asked to show (scrolled to once opened).
    pub panel: Option<String>,
    pub analysis: Rc<Analysis>,
    /// The text changed since `analysis` was made (analysis is debounced).
    pub stale: bool,
    pub simulation: Simulation,
    /// The team's settings (`.migplan.toml` text) and pasted table sizes,
    /// with what was read from them.
    pub team: Rc<Team>,
}

/// `.migplan.toml` and table sizes as the user pasted or imported them:
/// the text is kept as typed, and a mistake is shown with its line while
/// the analysis runs without that part.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Team {
    pub settings: String,
    pub stats: String,
    pub config: Option<migplan_core::config::Config>,
    pub settings_error: Option<migplan_core::config::ConfigError>,
    pub sizes: std::collections::BTreeMap<String, migplan_core::settings::TableSize>,
    pub stats_error: Option<migplan_core::settings::StatsError>,
}

/// Where the page says pasted sizes came from.
pub const PASTED_SIZES: &str = "the sizes pasted in the page";

impl Team {
    pub fn read(settings: String, stats: String) -> Team {
        let (config, settings_error) = match migplan_core::config::Config::parse(&settings) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        let (sizes, stats_error) = match migplan_core::settings::TableSizes::parse_stats(&stats) {
            Ok(s) => (s, None),
            Err(e) => (Default::default(), Some(e)),
        };
        Team {
            settings,
            stats,
            config,
            settings_error,
            sizes,
            stats_error,
        }
    }

    /// The analysis options these settings give, at `pg_version`.
    pub fn options(&self, pg_version: u32) -> Options {
        let base = self.config.clone().unwrap_or_default();
        Options {
            pg_version,
            ..base.options(self.sizes.clone(), PASTED_SIZES)
        }
    }

    /// The settings as a `.migplan.toml` to download: the text as typed,
    /// or, when there is none, the page's dialect and version.
    pub fn export(&self, dialect: Dialect, pg_version: u32) -> String {
        if self.settings.trim().is_empty() {
            format!(
                "# migplan settings, exported from the page.\ndialect = \"{}\"\npg_version = {pg_version}\n",
                dialect.as_str()
            )
        } else {
            self.settings.clone()
        }
    }
}

impl State {
    pub fn example() -> Self {
        State::new(
            Dialect::Postgres,
            EXAMPLE_SCHEMA.to_string(),
            EXAMPLE_MIGRATION.to_string(),
        )
    }

    pub fn new(dialect: Dialect, schema: String, migration: String) -> Self {
        State::with_options(dialect, Options::default(), schema, migration)
    }

    pub fn with_options(
        dialect: Dialect,
        options: Options,
        schema: String,
        migration: String,
    ) -> Self {
        let plan_options = PlanOptions::default();
        let (batch_size, idempotent) = (plan_options.batch_size, plan_options.idempotent);
        let lock_timeout = plan_options.lock_timeout;
        let analysis = Rc::new(Analysis::of(
            dialect,
            options.clone(),
            plan_options,
            &schema,
            &migration,
        ));
        State {
            dialect,
            options,
            batch_size,
            lock_timeout,
            idempotent,
            still_read: String::new(),
            keep_copies: false,
            framework: Framework::GolangMigrate,
            data: migplan_core::sample::DataOptions::default(),
            simulate_plan: false,
            engine: crate::worker::EngineChoice::default(),
            statement_seconds: migplan_core::engine::Limits::default().statement_seconds,
            rows_sql: String::new(),
            notice: None,
            growth: None,
            project: None,
            schema,
            migration,
            down: String::new(),
            panel: None,
            analysis,
            stale: false,
            simulation: Simulation::Idle,
            team: Rc::new(Team::default()),
        }
    }

    /// The dialect and version a link was made with, over what its
    /// settings say (the user may have changed them after importing).
    fn keeping(self, dialect: Dialect, pg_version: u32) -> State {
        let pg_version =
            Options::with_pg_version(pg_version).map_or(self.options.pg_version, |o| o.pg_version);
        State {
            dialect,
            options: Options {
                pg_version,
                ..self.options.clone()
            },
            ..self
        }
    }

    /// New team settings: the options follow them, and a dialect or
    /// version they name is taken (not re-analysed here).
    fn with_team(self, settings: String, stats: String) -> State {
        let team = Team::read(settings, stats);
        let config = team.config.clone().unwrap_or_default();
        let pg_version = config.pg_version.unwrap_or(self.options.pg_version);
        State {
            dialect: config.dialect.unwrap_or(self.dialect),
            options: team.options(pg_version),
            team: Rc::new(team),
            ..self
        }
    }
}

impl State {
    /// The same inputs re-analysed with new settings; a simulation result
    /// is dropped since it no longer matches.
    fn reanalysed(self) -> State {
        let size = self.schema.len() + self.migration.len();
        if size > MAX_INPUT_BYTES {
            // The text stays as it is; only the analysis is not run.
            return State {
                stale: false,
                simulation: Simulation::Idle,
                notice: Some(Notice::problem(format!(
                    "Not analysed: the schema and migration are {} MB together, over this page's {} MB limit. Your text is kept; the command-line tool reads larger files (--max-input-mb).",
                    size.div_ceil(1 << 20),
                    MAX_INPUT_BYTES >> 20
                ))),
                ..self
            };
        }
        let analysis = Rc::new(Analysis::of(
            self.dialect,
            self.options.clone(),
            self.plan_options(),
            &self.schema,
            &self.migration,
        ));
        State {
            analysis,
            stale: false,
            simulation: Simulation::Idle,
            ..self
        }
    }
}

impl State {
    /// The planner settings shown in the page.
    pub fn plan_options(&self) -> PlanOptions {
        let still: Vec<String> = self
            .still_read
            .split(',')
            .map(|c| c.trim().to_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        PlanOptions {
            pg_version: self.options.pg_version,
            batch_size: self.batch_size,
            lock_timeout: self.lock_timeout,
            idempotent: self.idempotent,
            // The page simulates on sql.js, a current SQLite.
            sqlite_version: None,
            still_read: (!still.is_empty()).then_some(still),
            keep_copies: self.keep_copies,
        }
    }

    /// What a share link of this state carries.
    pub fn shared(&self) -> migplan_core::share::Shared {
        migplan_core::share::Shared {
            dialect: self.dialect,
            pg_version: self.options.pg_version,
            schema: self.schema.clone(),
            migration: self.migration.clone(),
            batch_size: Some(self.batch_size),
            framework: Some(self.framework.id().to_string()),
            panel: self.panel.clone(),
            down: self.down.clone(),
            rows_sql: self.rows_sql.clone(),
            settings: self.team.settings.clone(),
            stats: self.team.stats.clone(),
            lock_timeout: Some(self.lock_timeout.to_string()),
            idempotent: Some(self.idempotent),
            still_read: self.still_read.clone(),
            keep_copies: self.keep_copies,
            rows: Some(self.data.rows),
            seed: Some(self.data.seed),
            adversarial: self.data.adversarial,
            simulate_plan: self.simulate_plan,
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State::example()
    }
}

pub enum Action {
    /// Text edits: the analysis follows on [`Action::Analyze`] (debounced
    /// by the page, or Ctrl/Cmd+Enter).
    SetSchema(String),
    SetMigration(String),
    /// Analyse the current text if it changed.
    Analyze,
    /// The user's down migration.
    SetDown(String),
    /// The panel in view, carried by share links.
    SetPanel(Option<String>),
    SetDialect(Dialect),
    /// The target PostgreSQL major version.
    SetPgVersion(u32),
    SetBatchSize(u32),
    /// The plan's lock timeout, IF [NOT] EXISTS and still-read columns.
    SetPlanSettings(PlanSettings),
    SetFramework(Framework),
    /// Rows, seed and the adversarial toggle of the simulation.
    SetData(migplan_core::sample::DataOptions),
    SetSimulatePlan(bool),
    /// PostgreSQL (PGlite) or SQLite, for PostgreSQL migrations.
    SetEngine(crate::worker::EngineChoice),
    /// Seconds a simulated statement may run (1 to 600).
    SetStatementSeconds(u32),
    SetRowsSql(String),
    /// Open the state a share link carries.
    LoadShared(Box<migplan_core::share::Shared>),
    /// The team's `.migplan.toml` text, typed or imported.
    SetSettings(String),
    /// Table sizes, CSV or JSON, pasted.
    SetStats(String),
    /// A message for the user (a link that could not be opened).
    Notice(Option<Notice>),
    /// Back to the built-in example (after the user confirmed).
    Reset,
    /// A project folder: (path, text) of its files; with `true`, its schema
    /// dump, latest migration and down also fill the inputs.
    SetProject(Vec<(String, String)>, bool),
    SimulationStarted,
    /// Sample-row batches inserted, of how many.
    SimulationProgress(usize, usize),
    /// PostgreSQL downloading: bytes so far, of how many.
    SimulationLoading(f64, f64),
    /// PostgreSQL downloaded, starting.
    SimulationBooting,
    SimulationCancelled,
    GrowthMeasured(Rc<GrowthResult>),
    SimulationFinished(Rc<SimulationReport>),
    SimulationUnavailable(String),
}

/// The most text (schema and migration together) the page analyses.
pub const MAX_INPUT_BYTES: usize = 64 << 20;

impl Action {
    /// Whether the action ends a running simulation (its worker may go).
    pub fn ends_simulation(&self) -> bool {
        matches!(
            self,
            Action::SimulationFinished(_)
                | Action::SimulationUnavailable(_)
                | Action::SimulationCancelled
                | Action::GrowthMeasured(_)
        )
    }
}

impl State {
    /// The state a share link carries; what the link leaves out takes its
    /// default.
    fn with_shared(self, sh: migplan_core::share::Shared) -> State {
        let s = self;
        let options = Options::with_pg_version(sh.pg_version).unwrap_or_default();
        // What the link leaves out takes its default.
        let plan = PlanOptions::default();
        let data = migplan_core::sample::DataOptions::default();
        State {
            dialect: sh.dialect,
            options,
            schema: sh.schema,
            migration: sh.migration,
            down: sh.down,
            rows_sql: sh.rows_sql,
            batch_size: sh.batch_size.filter(|n| *n > 0).unwrap_or(plan.batch_size),
            framework: sh
                .framework
                .as_deref()
                .and_then(Framework::from_id)
                .unwrap_or(s.framework),
            lock_timeout: sh
                .lock_timeout
                .and_then(|t| t.parse().ok())
                .unwrap_or(plan.lock_timeout),
            idempotent: sh.idempotent.unwrap_or(plan.idempotent),
            still_read: sh.still_read,
            keep_copies: sh.keep_copies,
            data: migplan_core::sample::DataOptions {
                rows: sh.rows.filter(|r| *r > 0).unwrap_or(data.rows),
                seed: sh.seed.unwrap_or(data.seed),
                adversarial: sh.adversarial,
            },
            simulate_plan: sh.simulate_plan,
            panel: sh.panel,
            growth: None,
            notice: None,
            ..s
        }
        .with_team(sh.settings, sh.stats)
        .keeping(sh.dialect, sh.pg_version)
        .reanalysed()
    }

    /// A project folder the user opened: its framework detected and, when
    /// `fill`, its schema and latest migration put in the editors.
    fn with_project(self, files: &[(String, String)], fill: bool) -> State {
        let s = self;
        let refs: Vec<frameworks::File> = files
            .iter()
            .map(|(p, t)| frameworks::File { path: p, text: t })
            .collect();
        let detection = frameworks::detect(&refs);
        let inputs = detection
            .as_ref()
            .filter(|_| fill)
            .map(|d| frameworks::project_inputs(&refs, d, s.dialect));
        // The project's own settings file comes with it.
        let team_file = files
            .iter()
            .find(|(p, _)| p == migplan_core::config::FILE_NAME)
            .map(|(_, t)| t.clone());
        let s = match team_file {
            Some(text) => {
                let stats = s.team.stats.clone();
                s.with_team(text, stats)
            }
            None => s,
        };
        let mut next = State {
            framework: detection.as_ref().map_or(s.framework, |d| d.framework),
            project: Some(Rc::new(Project {
                files: files.len(),
                detection: detection.clone(),
            })),
            ..s
        };
        if fill {
            let mut said = Vec::new();
            match inputs {
                Some(i) => {
                    if let Some((p, t)) = i.schema {
                        said.push(format!("schema from {p}"));
                        next.schema = t;
                    }
                    if let Some((p, t)) = i.migration {
                        said.push(format!("migration {p}"));
                        next.migration = t;
                        next.down = i
                            .down
                            .map(|(p, t)| {
                                said.push(format!("down from {p}"));
                                t
                            })
                            .unwrap_or_default();
                    }
                    said.extend(i.notes);
                }
                None => said.push("no migration framework recognised in that folder".into()),
            }
            next.notice = Some(match &detection {
                Some(d) => Notice::info(format!(
                    "Opened your {} project: {}.",
                    d.label,
                    said.join("; ")
                )),
                None => Notice::problem(format!("Nothing filled in: {}.", said.join("; "))),
            });
            next.reanalysed()
        } else {
            next
        }
    }
}

impl State {
    /// How far the running simulation is (a late word from a worker that
    /// was cancelled changes nothing).
    fn while_running(self, now: Simulation) -> State {
        if self.simulation.running() {
            State {
                simulation: now,
                ..self
            }
        } else {
            self
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let s = (*self).clone();
        Rc::new(match action {
            // An edit makes the analysis and any simulation stale.
            Action::SetSchema(text) => State {
                schema: text,
                stale: true,
                simulation: Simulation::Idle,
                ..s
            },
            Action::SetMigration(text) => State {
                migration: text,
                stale: true,
                simulation: Simulation::Idle,
                ..s
            },
            Action::Analyze if s.stale => s.reanalysed(),
            Action::Analyze => s,
            Action::SetDown(text) => State {
                down: text,
                simulation: Simulation::Idle,
                ..s
            },
            Action::SetPanel(panel) => State { panel, ..s },
            Action::SetDialect(d) => State { dialect: d, ..s }.reanalysed(),
            Action::SetPgVersion(v) => match Options::with_pg_version(v) {
                Ok(o) => State {
                    options: Options {
                        pg_version: o.pg_version,
                        ..s.options.clone()
                    },
                    ..s
                }
                .reanalysed(),
                Err(_) => s,
            },
            // Like an edit: analysed after a pause in typing.
            Action::SetSettings(text) => {
                let stats = s.team.stats.clone();
                State {
                    stale: true,
                    simulation: Simulation::Idle,
                    ..s.with_team(text, stats)
                }
            }
            Action::SetStats(text) => {
                let settings = s.team.settings.clone();
                State {
                    stale: true,
                    simulation: Simulation::Idle,
                    ..s.with_team(settings, text)
                }
            }
            Action::SetBatchSize(n) if n > 0 => State { batch_size: n, ..s }.reanalysed(),
            Action::SetBatchSize(_) => s,
            Action::SetPlanSettings(settings) => State {
                lock_timeout: settings.lock_timeout.parse().unwrap_or(s.lock_timeout),
                idempotent: settings.idempotent,
                still_read: settings.still_read,
                keep_copies: settings.keep_copies,
                ..s
            }
            .reanalysed(),
            Action::SetFramework(f) => State { framework: f, ..s },
            Action::LoadShared(sh) => s.with_shared(*sh),
            Action::Notice(n) => State { notice: n, ..s },
            Action::Reset => State::example(),
            Action::SetRowsSql(text) => State {
                rows_sql: text,
                simulation: Simulation::Idle,
                ..s
            },
            Action::SetStatementSeconds(seconds) => State {
                statement_seconds: seconds.clamp(1, 600),
                ..s
            },
            Action::SetSimulatePlan(on) => State {
                simulate_plan: on,
                simulation: Simulation::Idle,
                ..s
            },
            Action::SetData(data) => State {
                data,
                simulation: Simulation::Idle,
                ..s
            },
            Action::SetEngine(engine) => State {
                engine,
                simulation: Simulation::Idle,
                ..s
            },
            Action::SetProject(files, fill) => s.with_project(&files, fill),
            Action::SimulationStarted => State {
                simulation: Simulation::Running(0, 0),
                ..s
            },
            Action::SimulationProgress(done, total) => {
                s.while_running(Simulation::Running(done, total))
            }
            Action::SimulationLoading(done, total) => {
                s.while_running(Simulation::Loading(done, total))
            }
            Action::SimulationBooting => s.while_running(Simulation::Booting),
            Action::GrowthMeasured(g) => State {
                growth: Some(g),
                ..s
            },
            Action::SimulationCancelled => State {
                simulation: Simulation::Idle,
                notice: Some(Notice::info("The simulation was cancelled.")),
                ..s
            },
            Action::SimulationFinished(r) => State {
                simulation: Simulation::Done(r),
                ..s
            },
            Action::SimulationUnavailable(m) => State {
                simulation: Simulation::Unavailable(m),
                ..s
            },
        })
    }
}

/// A lock timeout is a number with an optional unit (`2s`, `500ms`).
#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(s: State, a: Action) -> State {
        (*Rc::new(s).reduce(a)).clone()
    }

    #[test]
    fn team_settings_change_the_verdict_and_travel_in_links() {
        use migplan_core::Severity;
        let s = State::example();
        let first = |s: &State| s.analysis.migration().statements[0].severity;
        assert_eq!(first(&s), Severity::Safe, "a nullable column: advice only");
        let s = reduce(
            s,
            Action::SetSettings("lock_timeout = \"require\"\npg_version = 13\n".into()),
        );
        let s = reduce(s, Action::Analyze);
        assert_eq!(first(&s), Severity::Careful);
        assert_eq!(s.options.pg_version, 13, "the file's version is taken");

        // A mistake is shown with its line; the text stays; nothing applies.
        let s = reduce(
            s,
            Action::SetSettings(
                "lock_timeout = \"require\"\n[rules]\nno-such-rule = \"off\"\n".into(),
            ),
        );
        let s = reduce(s, Action::Analyze);
        assert_eq!(s.team.settings_error.as_ref().map(|e| e.line), Some(3));
        assert!(s.team.settings.contains("no-such-rule"));
        assert_eq!(first(&s), Severity::Safe);

        // Pasted sizes: the example's index on a very large table.
        let s = reduce(s, Action::SetSettings(String::new()));
        let s = reduce(s, Action::SetStats("table,rows\norders,50000000\n".into()));
        let s = reduce(s, Action::Analyze);
        assert_eq!(
            s.analysis.migration().statements[2].severity,
            Severity::Dangerous
        );

        // A link carries both, and opens them.
        let shared = s.shared();
        let opened = reduce(State::example(), Action::LoadShared(Box::new(shared)));
        assert_eq!(opened.team.stats, s.team.stats);
        assert_eq!(
            opened.analysis.migration().statements[2].severity,
            Severity::Dangerous
        );
    }

    #[test]
    fn text_over_the_limit_is_kept_but_not_analysed() {
        let s = State::example();
        let before = s.analysis.clone();
        let huge = "SELECT 1;\n".repeat((MAX_INPUT_BYTES / 10) + 1);
        let s = reduce(s, Action::SetSchema(huge.clone()));
        let s = reduce(s, Action::Analyze);
        assert_eq!(s.schema, huge, "the text is kept");
        assert!(Rc::ptr_eq(&s.analysis, &before), "not analysed");
        assert!(
            s.notice
                .as_ref()
                .is_some_and(|n| n.tone == Tone::Problem && n.text.contains("64 MB limit")),
            "{:?}",
            s.notice
        );
    }

    #[test]
    fn postgresql_loads_then_starts_then_runs_and_a_cancelled_one_stays_quiet() {
        let s = reduce(State::example(), Action::SimulationStarted);
        let s = reduce(s, Action::SimulationLoading(1e6, 15e6));
        assert_eq!(s.simulation, Simulation::Loading(1e6, 15e6));
        let s = reduce(s, Action::SimulationBooting);
        assert_eq!(s.simulation, Simulation::Booting);
        assert!(s.simulation.running());
        let s = reduce(s, Action::SimulationProgress(1, 2));
        assert_eq!(s.simulation, Simulation::Running(1, 2));
        let s = reduce(s, Action::SimulationCancelled);
        let s = reduce(s, Action::SimulationLoading(2e6, 15e6));
        assert_eq!(
            s.simulation,
            Simulation::Idle,
            "a cancelled worker's late word"
        );
        let s = reduce(s, Action::SetEngine(crate::worker::EngineChoice::Sqlite));
        assert_eq!(s.engine, crate::worker::EngineChoice::Sqlite);
    }

    #[test]
    fn the_example_is_analysed_from_the_start() {
        let s = State::example();
        assert_eq!(s.analysis.migration().statements.len(), 4);
        assert!(s.analysis.migration().statements.iter().all(|st| st.parsed));
        assert_eq!(s.analysis.schema.statements.len(), 3);
        assert!(s.analysis.schema.statements.iter().all(|st| st.parsed));
    }

    #[test]
    fn editing_reanalyses_and_clears_the_simulation() {
        let s = State {
            simulation: Simulation::Running(0, 0),
            ..State::example()
        };
        let s = reduce(s, Action::SetMigration("SELECT 1;\nSELEC 2;".into()));
        assert_eq!(s.simulation, Simulation::Idle);
        assert!(s.stale, "the analysis waits for the pause in typing");
        assert_eq!(s.analysis.migration().statements.len(), 4);
        let s = reduce(s, Action::Analyze);
        assert!(!s.stale);
        let st = &s.analysis.migration().statements;
        assert_eq!(st.len(), 2);
        assert!(!st[1].parsed);
        assert_eq!(st[1].error_line, Some(2));
    }

    #[test]
    fn the_example_shows_its_risks() {
        let s = State::example();
        let m = s.analysis.migration();
        assert_eq!(m.max_severity, migplan_core::Severity::Dangerous);
        assert!(
            m.findings
                .iter()
                .any(|f| f.rule == "dropping-column" && f.line == 8)
        );
        assert!(
            s.analysis
                .model()
                .changes
                .iter()
                .any(|c| c.to_string() == "- column orders.total")
        );
    }

    #[test]
    fn the_pg_version_changes_the_verdict() {
        let m =
            "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN active boolean DEFAULT true;";
        let s = reduce(
            State::new(Dialect::Postgres, EXAMPLE_SCHEMA.into(), m.into()),
            Action::SetPgVersion(10),
        );
        assert_eq!(s.options.pg_version, 10);
        assert_eq!(
            s.analysis.migration().max_severity,
            migplan_core::Severity::Careful
        );
        let s = reduce(s, Action::SetPgVersion(11));
        assert_eq!(
            s.analysis.migration().max_severity,
            migplan_core::Severity::Safe
        );
        let s = reduce(s, Action::SetPgVersion(99));
        assert_eq!(s.options.pg_version, 11, "unknown versions are refused");
    }

    #[test]
    fn the_plan_follows_the_inputs_and_options() {
        let s = State::example();
        assert!(s.analysis.plan().steps.iter().any(|st| st.deploy_after));
        let s = reduce(s, Action::SetBatchSize(50));
        assert!(s.analysis.plan().up_script().contains("LIMIT 50"));
        let s = reduce(s, Action::SetBatchSize(0));
        assert_eq!(s.batch_size, 50, "a zero batch is refused");
        assert!(
            s.analysis
                .rollback()
                .sql
                .contains("DROP INDEX IF EXISTS orders_status_idx")
        );
    }

    #[test]
    fn plan_settings_reach_the_plan() {
        let m = "ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users DROP COLUMN bio;";
        let s = reduce(
            State::new(
                Dialect::Postgres,
                EXAMPLE_SCHEMA.into(),
                EXAMPLE_SCHEMA.lines().take(0).collect::<String>() + m,
            ),
            Action::SetPlanSettings(PlanSettings {
                lock_timeout: "5s".into(),
                idempotent: false,
                still_read: "users.name".into(),
                keep_copies: false,
            }),
        );
        let up = s.analysis.plan().up_script();
        assert!(up.contains("SET lock_timeout = '5s'"), "{up}");
        assert!(!up.contains("IF EXISTS"), "{up}");
        let s = reduce(
            s,
            Action::SetPlanSettings(PlanSettings {
                lock_timeout: "5s; DROP".into(),
                idempotent: true,
                still_read: String::new(),
                keep_copies: false,
            }),
        );
        assert_eq!(
            s.lock_timeout.to_string(),
            "5s",
            "an invalid timeout is refused"
        );
    }

    #[test]
    fn a_project_folder_picks_the_framework() {
        let s = reduce(
            State::example(),
            Action::SetProject(
                vec![(
                    "db/migrations/20260101000000_a.sql".into(),
                    "-- migrate:up\nSELECT 1;\n".into(),
                )],
                false,
            ),
        );
        assert_eq!(s.framework, Framework::Dbmate);
        assert_eq!(s.project.as_ref().map(|p| p.files), Some(1));
        let s = reduce(s, Action::SetFramework(Framework::Flyway));
        assert_eq!(s.framework, Framework::Flyway);
        let s = reduce(s, Action::SetMigration("SELECT 1;".into()));
        assert_eq!(s.framework, Framework::Flyway, "edits keep the settings");
        assert!(s.project.is_some());
    }

    #[test]
    fn a_share_link_restores_the_state() {
        let s = reduce(State::example(), Action::SetDialect(Dialect::Mysql));
        let s = reduce(s, Action::SetBatchSize(77));
        let link = migplan_core::share::encode(&s.shared());
        let opened = reduce(
            State::example(),
            Action::LoadShared(Box::new(migplan_core::share::decode(&link).expect("opens"))),
        );
        assert_eq!(opened.dialect, Dialect::Mysql);
        assert_eq!(opened.batch_size, 77);
        assert_eq!(opened.migration, s.migration);
        assert_eq!(opened.analysis.migration().dialect, Dialect::Mysql);
    }

    #[test]
    fn a_project_folder_can_fill_the_inputs() {
        let files = vec![
            (
                "db/migrations/20260101000000_users.sql".to_string(),
                "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n".to_string(),
            ),
            (
                "db/migrations/20260102000000_email.sql".to_string(),
                "-- migrate:up\nALTER TABLE users ADD COLUMN email text;\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n".to_string(),
            ),
        ];
        let s = reduce(State::example(), Action::SetProject(files, true));
        assert!(s.migration.contains("ADD COLUMN email"));
        assert_eq!(s.down, "ALTER TABLE users DROP COLUMN email;\n");
        assert!(s.schema.contains("CREATE TABLE users") && !s.schema.contains("DROP TABLE"));
        assert!(
            s.analysis
                .model()
                .changes
                .iter()
                .any(|c| c.to_string() == "+ column users.email")
        );
        let notice = s.notice.clone().expect("a notice");
        assert_eq!(
            notice.tone,
            Tone::Info,
            "opening a project is news, not a problem"
        );
        assert!(
            notice.text.contains("dbmate") && notice.text.contains("down from"),
            "{}",
            notice.text
        );
    }

    #[test]
    fn every_setting_travels_in_a_link() {
        let s = State::example();
        let s = reduce(s, Action::SetDown("DROP INDEX x;".into()));
        let s = reduce(
            s,
            Action::SetPlanSettings(PlanSettings {
                lock_timeout: "9s".into(),
                idempotent: false,
                still_read: "users.name".into(),
                keep_copies: true,
            }),
        );
        let s = reduce(
            s,
            Action::SetData(migplan_core::sample::DataOptions {
                rows: 321,
                seed: 5,
                adversarial: true,
            }),
        );
        let s = reduce(
            s,
            Action::SetRowsSql("INSERT INTO users VALUES (1);".into()),
        );
        let s = reduce(s, Action::SetSimulatePlan(true));
        let s = reduce(s, Action::SetPanel(Some("diagram-panel".into())));
        let link = migplan_core::share::encode(&s.shared());
        let o = reduce(
            State::example(),
            Action::LoadShared(Box::new(migplan_core::share::decode(&link).expect("opens"))),
        );
        assert_eq!(o.down, "DROP INDEX x;");
        assert_eq!(
            (
                o.lock_timeout.to_string().as_str(),
                o.idempotent,
                o.still_read.as_str()
            ),
            ("9s", false, "users.name")
        );
        assert!(o.keep_copies, "kept copies travel in the link");
        assert_eq!(o.data, s.data);
        assert_eq!(o.rows_sql, s.rows_sql);
        assert!(o.simulate_plan);
        assert_eq!(o.panel.as_deref(), Some("diagram-panel"));
        assert!(o.analysis.plan().up_script().contains("'9s'"));
    }

    #[test]
    fn switching_dialect_reparses() {
        let s = reduce(
            State::new(
                Dialect::Postgres,
                String::new(),
                "CREATE TABLE `t` (id int);".into(),
            ),
            Action::SetDialect(Dialect::Mysql),
        );
        assert_eq!(s.analysis.migration().dialect, Dialect::Mysql);
        assert!(s.analysis.migration().statements[0].parsed);
    }
}
