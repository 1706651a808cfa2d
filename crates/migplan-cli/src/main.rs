use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use migplan_cli::check::{self, Input};
use migplan_cli::sqlite::NativeSqlite;
use migplan_core::plan::{self, PlanOptions};
use migplan_core::{
    Dialect, Options, SchemaStatements, Session, Severity, frameworks, rollback, simulate,
};

#[derive(Parser)]
#[command(
    name = "migplan",
    version,
    about = "Plan database migrations before they hurt production."
)]
struct Cli {
    /// Largest input file read, in MiB: migplan holds every statement of a
    /// migration in memory, about 80 times its size for dense DDL.
    #[arg(long, global = true, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    max_input_mb: u64,
    #[command(subcommand)]
    command: Command,
}

/// `--max-input-mb`, in bytes, once the arguments are read.
static MAX_INPUT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// `migplan check`'s outputs: for people, for tools, for CI.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub workflow annotations (the default under GitHub Actions).
    Github,
    /// GitLab Code Quality.
    Gitlab,
    /// A pull-request comment.
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Postgres,
    Mysql,
    Sqlite,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::Mysql,
            DialectArg::Sqlite => Dialect::Sqlite,
        }
    }
}

/// What every command that reads SQL needs: the dialect, the schema the
/// migration applies to, and the PostgreSQL version it targets.
#[derive(clap::Args)]
struct SourceArgs {
    /// postgres (default), mysql or sqlite; default from .migplan.toml.
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// Schema files (CREATE statements, dumps) the migration applies to.
    #[arg(long)]
    schema: Vec<PathBuf>,
    /// Target PostgreSQL major version (10 to 18; default 16, or
    /// .migplan.toml's).
    #[arg(long)]
    pg_version: Option<u32>,
    /// The settings file (default: .migplan.toml in the working directory
    /// or the nearest folder above it).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Read no settings file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Table sizes, CSV (table,rows[,bytes]) or JSON: a scan or rewrite
    /// of a small table is safe, of a very large one dangerous.
    #[arg(long)]
    stats: Option<PathBuf>,
    /// The settings file, read once.
    #[arg(skip)]
    loaded: std::cell::OnceCell<Result<Option<migplan_cli::config::Loaded>, String>>,
}

impl SourceArgs {
    /// The settings file, when there is one (an unreadable or wrong one
    /// is an error with its line).
    fn settings(&self) -> Result<Option<&migplan_core::config::Config>, String> {
        let loaded = self.loaded.get_or_init(|| {
            if self.no_config {
                Ok(None)
            } else {
                migplan_cli::config::load(self.config.as_deref())
            }
        });
        match loaded {
            Ok(l) => Ok(l.as_ref().map(|l| &l.config)),
            Err(e) => Err(e.clone()),
        }
    }

    /// The command line's dialect, else the settings', else PostgreSQL.
    /// (A settings file that cannot be read is reported by `options`.)
    fn dialect(&self) -> Dialect {
        self.dialect.map(Dialect::from).unwrap_or_else(|| {
            self.settings()
                .ok()
                .flatten()
                .and_then(|c| c.dialect)
                .unwrap_or(Dialect::Postgres)
        })
    }

    fn pg_version(&self) -> u32 {
        self.pg_version
            .or_else(|| self.settings().ok().flatten().and_then(|c| c.pg_version))
            .unwrap_or(migplan_core::rules::DEFAULT_PG_VERSION)
    }

    /// The analysis options: the settings file's, the command line over
    /// them; a PostgreSQL version migplan does not know is refused.
    fn options(&self) -> Result<Options, String> {
        let settings = self.settings()?;
        let loaded = self
            .loaded
            .get()
            .and_then(|l| l.as_ref().ok())
            .and_then(Option::as_ref);
        let (stats, source) = match (&self.stats, settings.and_then(|c| c.stats.as_deref())) {
            (Some(path), _) => (
                migplan_cli::config::read_stats(path)?,
                path.display().to_string(),
            ),
            (None, Some(relative)) => {
                let path = loaded.map_or_else(|| PathBuf::from(relative), |l| l.resolve(relative));
                (
                    migplan_cli::config::read_stats(&path)?,
                    relative.to_string(),
                )
            }
            (None, None) => (Default::default(), String::new()),
        };
        let base = settings
            .cloned()
            .unwrap_or_default()
            .options(stats, &source);
        let checked =
            Options::with_pg_version(self.pg_version()).map_err(|e| format!("migplan: {e}"))?;
        Ok(Options {
            pg_version: checked.pg_version,
            ..base
        })
    }

    /// The schema files joined as one script.
    fn schema_text(&self) -> Result<String, String> {
        Ok(read(&self.schema)?
            .into_iter()
            .map(|i| i.text + "\n")
            .collect())
    }

    /// The session of the migration `file` against the schema files, or
    /// of a project directory's newest migration against them and the
    /// history before it (as `check DIR`): every input parsed once,
    /// analysed once; a history or schema written in a framework's
    /// language is replayed as the SQL it runs.
    fn session_of(&self, file: &Path) -> Result<Session, String> {
        let (schema, mut migrations) = if file.is_dir() {
            project_inputs(self, file, None)?
        } else {
            (read(&self.schema)?, vec![read_one(file)?])
        };
        let migration = migrations
            .pop()
            .ok_or_else(|| format!("migplan: no migration in {}", file.display()))?;
        let d = self.dialect();
        let mut builder = Session::builder(d, self.options()?, SchemaStatements::Keep);
        for input in schema {
            builder = builder.schema(frameworks::schema_sql(Some(&input.path), &input.text, d));
        }
        Ok(builder
            .migration(Some(migration.path), migration.text.as_str())
            .build())
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Safe,
    Careful,
    Dangerous,
}

/// `migplan check`'s arguments.
#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// text (github when GITHUB_ACTIONS=true), json, sarif, github,
    /// gitlab or markdown.
    #[arg(long, value_enum)]
    format: Option<CheckFormat>,
    /// The web app's address: the markdown report links to it with
    /// the migration, its plan and simulation.
    #[arg(long)]
    link_base: Option<String>,
    /// Exit with 1 when a finding reaches this severity (or when
    /// something was not analysed: see --allow-incomplete); default
    /// dangerous, or .migplan.toml's fail_on.
    #[arg(long, value_enum)]
    fail_on: Option<SeverityArg>,
    /// Do not fail when statements were not analysed (the verdict then
    /// covers only what migplan read).
    #[arg(long)]
    allow_incomplete: bool,
    /// Check only the migrations added or changed since this git
    /// revision (against the history before them); the one argument
    /// is then the project directory (default: .).
    #[arg(long, value_name = "REV")]
    since: Option<String>,
    /// With a project directory: the migration to check (a part of its
    /// file name), against the history before it; default the newest.
    #[arg(long, value_name = "NAME")]
    migration: Option<String>,
    /// Migration files, or a project directory (its newest migration is
    /// checked against the history before it; with --since, the
    /// migrations changed since REV).
    #[arg(required_unless_present = "since")]
    files: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and analyse migration files; list every statement.
    Check(CheckArgs),
    /// Turn a migration into a zero-downtime step plan (expand, migrate,
    /// contract) with up and down SQL for every step.
    Plan {
        #[command(flatten)]
        source: SourceArgs,
        /// Rows per backfill batch.
        #[arg(long, default_value_t = 1000)]
        batch_size: u32,
        /// lock_timeout set before locking PostgreSQL steps: a whole
        /// number above 0 and a unit (ms, s, min, h, d).
        #[arg(long, default_value = "2s")]
        lock_timeout: migplan_core::plan::LockTimeout,
        /// Plain DDL instead of IF [NOT] EXISTS forms.
        #[arg(long)]
        no_idempotent: bool,
        /// The SQLite version to plan for (e.g. 3.31): before 3.35 a
        /// dropped or renamed column means a table rebuild.
        #[arg(long)]
        sqlite_version: Option<String>,
        /// A column (table.column) old code still reads; repeat it. When
        /// given, columns not listed need no deploy before being dropped.
        #[arg(long)]
        still_read: Vec<String>,
        /// Before a DELETE or UPDATE of existing rows, copy the rows it
        /// changes into a table of their own, so the step can be undone.
        #[arg(long)]
        keep_copies: bool,
        /// text, json, or markdown (the runbook).
        #[arg(long, value_enum, default_value = "text")]
        format: PlanFormat,
        /// The migration file, or a project directory (its newest migration against its history).
        file: PathBuf,
    },
    /// Generate the down migration for a migration (and compare it with
    /// yours when given).
    Rollback {
        #[command(flatten)]
        source: SourceArgs,
        /// Your own down migration, to compare with the generated one.
        #[arg(long)]
        down: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The up migration, or a project directory (its newest migration against its history).
        file: PathBuf,
    },
    /// Detect the migration framework of a project directory.
    Detect {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The project directory.
        dir: PathBuf,
    },
    /// Write the plan as migration files in a framework's conventions.
    Export {
        #[command(flatten)]
        source: SourceArgs,
        /// Framework name (flyway, liquibase, dbmate, golang-migrate, goose,
        /// sqitch, diesel, prisma, drizzle, rails, django, alembic, knex,
        /// sequelize, typeorm, ef-core, laravel, ecto); detected from
        /// --project when omitted. Rails, Django, Alembic, EF Core, Laravel
        /// and Liquibase get their own operations where they have one.
        #[arg(long)]
        framework: Option<String>,
        /// The project whose numbering and folders to continue.
        #[arg(long)]
        project: Option<PathBuf>,
        /// Where to write the files.
        #[arg(long)]
        out: PathBuf,
        /// A name for the change (used in file names).
        #[arg(long, default_value = "migplan")]
        name: String,
        /// Overwrite files that already exist in --out.
        #[arg(long)]
        force: bool,
        /// The migration file, or a project directory (its newest migration against its history).
        file: PathBuf,
    },
    /// Print a share link that opens these inputs in the migplan web app.
    Link {
        /// Where the web app is served, e.g. https://example.org/migplan/
        #[arg(long)]
        base_url: String,
        #[command(flatten)]
        source: SourceArgs,
        /// The migration file.
        #[arg(long)]
        up: PathBuf,
        /// The down migration, if you have one.
        #[arg(long)]
        down: Option<PathBuf>,
        /// Framework id to preselect for files.
        #[arg(long)]
        framework: Option<String>,
    },
    /// Write a commented .migplan.toml for a project: its framework,
    /// migrations folder and dialect detected, every other key explained.
    Init {
        /// Overwrite an existing .migplan.toml.
        #[arg(long)]
        force: bool,
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// List every rule, or explain one.
    Rules {
        /// The rule to explain.
        id: Option<String>,
    },
    /// Run the schema, sample rows, the migration, its down and the
    /// migration again on a real database: PostgreSQL migrations on
    /// PostgreSQL (a throwaway cluster from the local binaries, or a
    /// scratch database on --postgres; nothing else on that server is
    /// touched), SQLite and MySQL migrations on an in-memory SQLite.
    Simulate {
        /// postgres (the default for --dialect postgres when PostgreSQL is
        /// available) or sqlite (translated; the default otherwise).
        #[arg(long, value_enum)]
        engine: Option<EngineArg>,
        /// A server to work on (libpq string or postgres:// URL): migplan
        /// creates a scratch database there, runs everything in it as a
        /// role without superuser rights, and drops both afterwards.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// The folder of PostgreSQL's initdb and postgres (default: PATH,
        /// pg_config --bindir, /usr/lib/postgresql/<version>/bin).
        #[arg(long, value_name = "DIR")]
        pg_bin: Option<PathBuf>,
        #[command(flatten)]
        source: SourceArgs,
        /// The up migration, or a project directory (its newest migration against its history).
        #[arg(long)]
        up: PathBuf,
        /// Your down migration (default: the generated one).
        #[arg(long)]
        down: Option<PathBuf>,
        /// Sample rows per table.
        #[arg(long, default_value_t = 1000)]
        rows: usize,
        /// Seed of the sample data (the same seed gives the same rows).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Rows that break what the migration adds (NULLs, duplicates,
        /// orphans, values that do not convert).
        #[arg(long)]
        adversarial: bool,
        /// Simulate the zero-downtime plan step by step (with a rollback
        /// from every step) instead of the migration as written.
        #[arg(long)]
        plan: bool,
        /// With --plan: the plan keeps a copy of the rows each DELETE or
        /// UPDATE of existing rows changes, and its down restores them.
        #[arg(long, requires = "plan")]
        keep_copies: bool,
        /// Your own rows instead of generated ones: a file of INSERT
        /// statements, or a directory of <table>.csv files (header first).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Also time every statement at these row counts (comma-separated)
        /// and check which grow with the table.
        #[arg(long, value_delimiter = ',')]
        growth: Vec<usize>,
        /// Seconds one statement may run before it is stopped.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=86_400))]
        timeout: u32,
        /// MiB of memory the simulated database may use.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(16..=65_536))]
        memory_limit: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn read(paths: &[PathBuf]) -> Result<Vec<Input>, String> {
    paths
        .iter()
        .map(|p| {
            let cannot = |e: std::io::Error| format!("migplan: cannot read {}: {e}", p.display());
            let limit = MAX_INPUT.get().copied().unwrap_or(64 << 20);
            let size = std::fs::metadata(p).map_err(cannot)?.len();
            if size > limit {
                return Err(format!(
                    "migplan: {} is {} MiB, over the {} MiB limit for one input (raise it with --max-input-mb)",
                    p.display(),
                    size.div_ceil(1 << 20),
                    limit >> 20
                ));
            }
            let bytes = std::fs::read(p).map_err(cannot)?;
            Ok(Input {
                path: p.display().to_string(),
                text: migplan_cli::text_of(bytes)
                    .map_err(|why| format!("migplan: {}: {why}", p.display()))?,
            })
        })
        .collect()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = run(cli);
    // Ctrl-C while a PostgreSQL cluster ran: it is stopped and removed.
    if migplan_postgres::cluster::interrupted() {
        eprintln!("migplan: interrupted");
        migplan_postgres::cluster::finish_interrupt();
    }
    match outcome {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{}", migplan_cli::printable(&msg));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let _ = MAX_INPUT.set(cli.max_input_mb << 20);
    match cli.command {
        Command::Check(args) => run_check_command(args),
        Command::Plan {
            source,
            batch_size,
            lock_timeout,
            no_idempotent,
            sqlite_version,
            still_read,
            keep_copies,
            format,
            file,
        } => {
            if batch_size == 0 {
                return Err("migplan: --batch-size must be at least 1".into());
            }
            let options = PlanOptions {
                pg_version: source.pg_version(),
                batch_size,
                lock_timeout,
                idempotent: !no_idempotent,
                sqlite_version,
                still_read: (!still_read.is_empty()).then_some(still_read),
                keep_copies,
            };
            run_plan(&source, options, format, &file)
        }
        Command::Rollback {
            source,
            down,
            format,
            file,
        } => run_rollback(&source, down.as_deref(), format, &file),
        Command::Detect { format, dir } => run_detect(format, &dir),
        Command::Export {
            source,
            framework,
            project,
            out,
            name,
            force,
            file,
        } => run_export(
            &source,
            &ExportArgs {
                framework,
                project,
                out,
                name,
                force,
            },
            &file,
        ),
        Command::Link {
            base_url,
            source,
            up,
            down,
            framework,
        } => run_link(&source, &base_url, &up, down.as_deref(), framework),
        Command::Rules { id } => run_rules(id.as_deref()),
        Command::Init { force, dir } => run_init(&dir, force),
        Command::Simulate {
            engine,
            postgres,
            pg_bin,
            source,
            up,
            down,
            rows,
            seed,
            adversarial,
            plan: as_plan,
            keep_copies,
            data,
            growth,
            timeout,
            memory_limit,
            format,
        } => {
            let limits = migplan_core::engine::Limits {
                statement_seconds: timeout,
                memory_mebibytes: memory_limit,
            };
            let args = SimulateArgs {
                engine,
                postgres,
                pg_bin,
                data: migplan_core::sample::DataOptions {
                    rows,
                    seed,
                    adversarial,
                },
                rows_from: data,
                down,
                as_plan,
                keep_copies,
                growth,
                limits,
            };
            run_simulate(&source, &args, &up, format)
        }
    }
}

/// Writes command output, with control characters made visible.
fn emit(out: &str) {
    let _ = std::io::stdout()
        .lock()
        .write_all(migplan_cli::printable(out).as_bytes());
}

fn json(value: &impl serde::Serialize) -> Result<String, String> {
    Ok(serde_json::to_string_pretty(value).map_err(|e| e.to_string())? + "\n")
}

/// The one file a command reads.
fn read_one(path: &Path) -> Result<Input, String> {
    Ok(read(&[path.to_path_buf()])?.remove(0))
}

/// When `check` exits 1.
struct Gate {
    fail_on: Severity,
    allow_incomplete: bool,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Safe => Severity::Safe,
            SeverityArg::Careful => Severity::Careful,
            SeverityArg::Dangerous => Severity::Dangerous,
        }
    }
}

impl Gate {
    fn fails(&self, report: &migplan_core::report::CheckReport) -> bool {
        report.active_findings().any(|f| f.severity >= self.fail_on)
            || (!report.complete && !self.allow_incomplete)
    }
}

fn run_check_command(args: CheckArgs) -> Result<ExitCode, String> {
    let format = args.format.unwrap_or(
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            CheckFormat::Github
        } else {
            CheckFormat::Text
        },
    );
    let source = &args.source;
    let settings = source.settings()?;
    let gate = Gate {
        fail_on: args.fail_on.map(Severity::from).unwrap_or_else(|| {
            settings
                .and_then(|c| c.fail_on)
                .unwrap_or(Severity::Dangerous)
        }),
        allow_incomplete: args.allow_incomplete,
    };
    let link_base = args
        .link_base
        .clone()
        .or_else(|| settings.and_then(|c| c.link_base.clone()));
    let (schema, files) = match (&args.since, args.files.as_slice()) {
        (Some(rev), _) => changed_inputs(source, rev, &args.files)?,
        (None, [dir]) if dir.is_dir() => project_inputs(source, dir, args.migration.as_deref())?,
        _ => (read(&source.schema)?, read(&args.files)?),
    };
    run_check(source, format, link_base.as_deref(), gate, schema, &files)
}

/// `check DIR [--migration NAME]`: the project's history as the schema
/// (after any schema files given), and its newest (or named) migration.
fn project_inputs(
    source: &SourceArgs,
    project: &Path,
    name: Option<&str>,
) -> Result<(Vec<Input>, Vec<Input>), String> {
    let found = migplan_cli::since::newest(project, name, source.settings()?)?;
    eprintln!(
        "{}",
        migplan_cli::printable(&format!(
            "migplan: {}, read against the {} migration(s) before it (ordered as {})",
            found.changed.first().map_or("", |f| f.path.as_str()),
            found.history.len(),
            found.ordered_by
        ))
    );
    let mut schema = read(&source.schema)?;
    schema.extend(found.history);
    Ok((schema, found.changed))
}

/// `check --since REV [DIR]`: the schema files and the project's history
/// before the changed migrations, and the changed migrations.
fn changed_inputs(
    source: &SourceArgs,
    rev: &str,
    args: &[PathBuf],
) -> Result<(Vec<Input>, Vec<Input>), String> {
    let project = match args {
        [] => Path::new("."),
        [dir] => dir.as_path(),
        _ => return Err("migplan: with --since, give one project directory".into()),
    };
    let changed = migplan_cli::since::changed_since(project, rev, source.settings()?)?;
    eprintln!(
        "{}",
        migplan_cli::printable(&format!(
            "migplan: {} migration(s) changed since {rev}, checked against the {} before them (ordered as {})",
            changed.changed.len(),
            changed.history.len(),
            changed.ordered_by
        ))
    );
    let mut schema = read(&source.schema)?;
    schema.extend(changed.history);
    Ok((schema, changed.changed))
}

fn run_check(
    source: &SourceArgs,
    format: CheckFormat,
    link_base: Option<&str>,
    gate: Gate,
    schema: Vec<Input>,
    files: &[Input],
) -> Result<ExitCode, String> {
    use migplan_cli::reporters;
    let options = source.options()?;
    let session = check::session(source.dialect(), options, schema, files);
    let report = &session.analysis().report;
    if !report.errors.is_empty() {
        let lines: Vec<String> = report
            .errors
            .iter()
            .map(|e| {
                format!(
                    "{}:{}:{}: {}",
                    e.file.as_deref().unwrap_or("-"),
                    e.line,
                    e.column,
                    e.message
                )
            })
            .collect();
        return Err(lines.join("\n"));
    }
    emit(&match format {
        CheckFormat::Json => json(report)?,
        CheckFormat::Text => check::render_text(report, files),
        CheckFormat::Sarif => reporters::sarif::render(report),
        CheckFormat::Github => reporters::github::render(report),
        CheckFormat::Gitlab => reporters::gitlab::render(report),
        CheckFormat::Markdown => {
            let plan = plan::plan(&session, PlanOptions::default());
            let label = files
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let link = link_base.map(|base| {
                let migration: String = files.iter().map(|f| f.text.clone() + "\n").collect();
                let shared = migplan_core::share::Shared::new(
                    source.dialect(),
                    source.pg_version(),
                    session.schema_text(),
                    migration,
                );
                share_url(base, &shared)
            });
            reporters::markdown::render(report, &[(label, plan)], link.as_deref())
        }
    });
    Ok(if gate.fails(report) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_plan(
    source: &SourceArgs,
    options: PlanOptions,
    format: PlanFormat,
    file: &Path,
) -> Result<ExitCode, String> {
    let session = source.session_of(file)?;
    let p = plan::plan(&session, options);
    emit(&match format {
        PlanFormat::Json => json(&p)?,
        PlanFormat::Markdown => {
            plan::runbook::markdown(&p, &file.display().to_string(), &p.validation)
        }
        PlanFormat::Text => check::render_plan(&p),
    });
    Ok(ExitCode::SUCCESS)
}

fn run_rollback(
    source: &SourceArgs,
    down: Option<&Path>,
    format: Format,
    file: &Path,
) -> Result<ExitCode, String> {
    let session = source.session_of(file)?;
    let generated = rollback::generate(&session);
    let differences = match down {
        Some(p) => Some(rollback::compare(&session, &read_one(p)?.text)),
        None => None,
    };
    emit(&match format {
        Format::Json => json(&serde_json::json!({
            "rollback": generated,
            "differences": differences.as_ref().map(|d| d.iter().map(ToString::to_string).collect::<Vec<_>>()),
        }))?,
        Format::Text => {
            let mut t = generated.sql.clone();
            match &differences {
                Some(diffs) if diffs.is_empty() => {
                    t.push_str("-- your down migration leaves the same schema as this one\n");
                }
                Some(diffs) => {
                    t.push_str("-- your down migration differs from this one; after yours, compared with this one:\n");
                    for c in diffs {
                        t.push_str(&format!("--   {c}\n"));
                    }
                }
                None => {}
            }
            t
        }
    });
    let differs = differences.is_some_and(|d| !d.is_empty());
    Ok(if differs || !generated.complete {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn detect_project(dir: &Path) -> Result<Option<frameworks::Detection>, String> {
    let files = migplan_cli::project::read_tree(dir)?;
    let refs: Vec<frameworks::File> = files
        .iter()
        .map(|(p, t)| frameworks::File { path: p, text: t })
        .collect();
    Ok(frameworks::detect(&refs))
}

fn run_detect(format: Format, dir: &Path) -> Result<ExitCode, String> {
    let Some(d) = detect_project(dir)? else {
        emit("no migration framework recognised\n");
        return Ok(ExitCode::from(1));
    };
    emit(&match format {
        Format::Json => json(&d)?,
        Format::Text => migplan_cli::project::render_detection(&d),
    });
    Ok(ExitCode::SUCCESS)
}

fn run_init(dir: &Path, force: bool) -> Result<ExitCode, String> {
    use migplan_cli::config;
    let target = dir.join(migplan_core::config::FILE_NAME);
    if target.exists() && !force {
        return Err(format!(
            "migplan: {} exists (use --force to replace it)",
            target.display()
        ));
    }
    let files = migplan_cli::project::read_tree(dir)?;
    let refs: Vec<frameworks::File> = files
        .iter()
        .map(|(p, t)| frameworks::File { path: p, text: t })
        .collect();
    let detection = frameworks::detect(&refs);
    let migration_texts: Vec<&str> = match &detection {
        Some(d) => d
            .migrations
            .iter()
            .filter_map(|m| files.iter().find(|(p, _)| *p == m.up_path))
            .map(|(_, t)| t.as_str())
            .collect(),
        None => files.iter().map(|(_, t)| t.as_str()).collect(),
    };
    let (dialect, dialect_evidence) = config::guess_dialect(&migration_texts);
    let text = config::template(&config::Project {
        framework: detection.as_ref(),
        dialect,
        dialect_evidence,
    });
    std::fs::write(&target, text)
        .map_err(|e| format!("migplan: cannot write {}: {e}", target.display()))?;
    emit(&format!(
        "wrote {} ({}, {})\n",
        target.display(),
        detection
            .as_ref()
            .map_or("no framework detected", |d| d.label),
        dialect.label()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `migplan export`'s own arguments.
struct ExportArgs {
    framework: Option<String>,
    project: Option<PathBuf>,
    out: PathBuf,
    name: String,
    force: bool,
}

fn run_export(source: &SourceArgs, args: &ExportArgs, file: &Path) -> Result<ExitCode, String> {
    let detection = match &args.project {
        Some(dir) => detect_project(dir)?,
        None => None,
    };
    let fw = match (&args.framework, &detection) {
        (Some(id), _) => frameworks::Framework::from_id(id).ok_or_else(|| {
            format!(
                "migplan: unknown framework {id}; one of: {}",
                frameworks::Framework::ALL.map(|f| f.id()).join(", ")
            )
        })?,
        (None, Some(det)) => det.framework,
        (None, None) => {
            return Err("migplan: give --framework, or --project to detect it".into());
        }
    };
    let session = source.session_of(file)?;
    let p = plan::plan(&session, PlanOptions::default());
    let stamp = migplan_cli::project::timestamp();
    let files = frameworks::export(
        fw,
        &p,
        detection.as_ref().filter(|det| det.framework == fw),
        &args.name,
        &stamp,
    );
    let existing: Vec<String> = files
        .iter()
        .map(|f| args.out.join(&f.path))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !args.force && !existing.is_empty() {
        return Err(format!(
            "migplan: not overwriting {} (give --force to replace them); nothing was written",
            existing.join(", ")
        ));
    }
    for f in &files {
        let path = args.out.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("migplan: cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.content)
            .map_err(|e| format!("migplan: cannot write {}: {e}", path.display()))?;
        emit(&format!("wrote {}\n", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_link(
    source: &SourceArgs,
    base_url: &str,
    up: &Path,
    down: Option<&Path>,
    framework: Option<String>,
) -> Result<ExitCode, String> {
    source.options()?;
    if let Some(f) = &framework
        && frameworks::Framework::from_id(f).is_none()
    {
        return Err(format!("migplan: unknown framework {f}"));
    }
    let schema = source.schema_text()?;
    let migration = read_one(up)?.text;
    let down = match down {
        Some(d) => read_one(d)?.text,
        None => String::new(),
    };
    let url = share_url(
        base_url,
        &migplan_core::share::Shared {
            framework,
            down,
            ..migplan_core::share::Shared::new(
                source.dialect(),
                source.pg_version(),
                schema,
                migration,
            )
        },
    );
    if url.len() > migplan_core::share::LONG_LINK {
        eprintln!(
            "migplan: the link is {} characters long; some tools cut links over {}",
            url.len(),
            migplan_core::share::LONG_LINK
        );
    }
    emit(&format!("{url}\n"));
    Ok(ExitCode::SUCCESS)
}

/// The web app's address with `shared` in its fragment (any fragment the
/// address had is replaced).
fn share_url(base_url: &str, shared: &migplan_core::share::Shared) -> String {
    format!(
        "{}#{}",
        base_url.split('#').next().unwrap_or_default(),
        migplan_core::share::encode(shared)
    )
}

fn run_rules(id: Option<&str>) -> Result<ExitCode, String> {
    match id {
        None => emit(&check::render_rule_list(migplan_core::rules::ALL)),
        Some(id) => match migplan_core::rules::find(id) {
            Some(rule) => emit(&migplan_core::rules::markdown(rule)),
            None => {
                return Err(format!(
                    "migplan: no rule {id}; `migplan rules` lists them all"
                ));
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    Postgres,
    Sqlite,
}

/// `migplan simulate`'s own arguments.
struct SimulateArgs {
    engine: Option<EngineArg>,
    postgres: Option<String>,
    pg_bin: Option<PathBuf>,
    data: migplan_core::sample::DataOptions,
    /// `--data`: a file of INSERTs or a folder of CSV files.
    rows_from: Option<PathBuf>,
    down: Option<PathBuf>,
    as_plan: bool,
    /// `--keep-copies`: plan with kept copies of changed rows.
    keep_copies: bool,
    growth: Vec<usize>,
    limits: migplan_core::engine::Limits,
}

/// `--data`: the user's own rows as INSERT statements.
fn own_rows(data: Option<&Path>) -> Result<Option<String>, String> {
    let Some(p) = data else {
        return Ok(None);
    };
    if !p.is_dir() {
        return Ok(Some(read_one(p)?.text));
    }
    let mut sql = String::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(|e| format!("migplan: cannot read {}: {e}", p.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|f| f.extension().is_some_and(|x| x == "csv"))
        .collect();
    entries.sort();
    for f in entries {
        let table = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = read_one(&f)?.text;
        for stmt in
            migplan_core::sample::csv_inserts(&table, &text).map_err(|e| format!("migplan: {e}"))?
        {
            sql.push_str(&stmt);
            sql.push_str(";\n");
        }
    }
    Ok(Some(sql))
}

fn run_simulate(
    source: &SourceArgs,
    args: &SimulateArgs,
    up: &Path,
    format: Format,
) -> Result<ExitCode, String> {
    let rows_sql = own_rows(args.rows_from.as_deref())?;
    if args.data.rows > migplan_core::sample::MAX_ROWS {
        return Err("migplan: --rows is at most 1000000".into());
    }
    if args
        .growth
        .iter()
        .any(|g| *g > migplan_core::sample::MAX_ROWS)
    {
        return Err("migplan: each --growth row count is at most 1000000".into());
    }
    let session = source.session_of(up)?;
    let down = match &args.down {
        Some(p) => Some(read_one(p)?.text),
        None => None,
    };
    if choose_engine(source, args)? == EngineArg::Postgres {
        let report = simulate_on_postgres(args, &session, down, rows_sql)?;
        emit(&match format {
            Format::Json => json(&report)?,
            Format::Text => check::render_simulation(&report),
        });
        return Ok(if report.ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut engine = NativeSqlite::open_with(args.limits).map_err(|e| format!("migplan: {e}"))?;
    let options = simulate::SimOptions {
        data: args.data.clone(),
        down,
        rows_sql,
    };
    let mut report = if args.as_plan {
        let p = plan::plan(
            &session,
            PlanOptions {
                keep_copies: args.keep_copies,
                ..PlanOptions::default()
            },
        );
        pollster::block_on(simulate::simulate_plan(
            &mut engine,
            &session,
            &p,
            &options.data,
        ))
    } else {
        // Large runs say how far the sample rows are, on stderr.
        let mut last_tenth = 0;
        let mut progress = |done: usize, total: usize| {
            let tenth = done * 10 / total.max(1);
            if total >= 20 && tenth > last_tenth {
                last_tenth = tenth;
                eprintln!(
                    "migplan: sample rows {}% ({done} of {total} batches of 500)",
                    tenth * 10
                );
            }
        };
        pollster::block_on(simulate::simulate_with_progress(
            &mut engine,
            &session,
            &options,
            &mut progress,
        ))
    };
    let mut growth_rows = Vec::new();
    if !args.growth.is_empty() {
        let start = std::time::Instant::now();
        let clock = move || start.elapsed().as_secs_f64() * 1e3;
        let limits = args.limits;
        let mut factory = || {
            NativeSqlite::open_with(limits)
                .ok()
                .map(|e| Box::new(e) as Box<dyn migplan_core::engine::Engine>)
        };
        let (rows, check) = pollster::block_on(simulate::cost_growth(
            &mut factory,
            &clock,
            &session,
            &args.growth,
        ));
        report.ok &= check.ok;
        report.checks.push(check);
        growth_rows = rows;
    }
    emit(&match format {
        Format::Json => {
            let mut v = serde_json::to_value(&report).map_err(|e| e.to_string())?;
            if !growth_rows.is_empty() {
                v["growth"] = serde_json::to_value(&growth_rows).map_err(|e| e.to_string())?;
            }
            json(&v)?
        }
        Format::Text => render_simulation_with_growth(&report, &growth_rows),
    });
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The engine `simulate` runs on: PostgreSQL for PostgreSQL migrations
/// when there is one (asked for, or found), SQLite otherwise.
fn choose_engine(source: &SourceArgs, args: &SimulateArgs) -> Result<EngineArg, String> {
    let postgres_input = source.dialect() == Dialect::Postgres;
    let sqlite_only = (!args.growth.is_empty()).then_some("--growth");
    match args.engine {
        Some(EngineArg::Sqlite) => Ok(EngineArg::Sqlite),
        Some(EngineArg::Postgres) if !postgres_input => Err(
            "migplan: --engine postgres runs PostgreSQL migrations: use --dialect postgres, or --engine sqlite".into(),
        ),
        Some(EngineArg::Postgres) => match sqlite_only {
            Some(option) => Err(format!(
                "migplan: {option} runs on SQLite only for now: add --engine sqlite"
            )),
            None => Ok(EngineArg::Postgres),
        },
        None if !postgres_input || sqlite_only.is_some() => Ok(EngineArg::Sqlite),
        None => {
            if args.postgres.is_some()
                || migplan_postgres::cluster::Binaries::find(args.pg_bin.as_deref()).is_ok()
            {
                Ok(EngineArg::Postgres)
            } else {
                eprintln!(
                    "{}
migplan: simulating on SQLite (translated) instead.",
                    migplan_postgres::cluster::NO_SERVER
                );
                Ok(EngineArg::Sqlite)
            }
        }
    }
}

/// `simulate` on PostgreSQL: a scratch database on the user's server or
/// on a throwaway cluster (removed when this returns, also on errors).
fn simulate_on_postgres(
    args: &SimulateArgs,
    session: &Session,
    down: Option<String>,
    rows_sql: Option<String>,
) -> Result<simulate::SimulationReport, String> {
    use migplan_postgres::{cluster, scratch::Scratch};
    let seconds = args.limits.statement_seconds;
    let cluster = match &args.postgres {
        Some(_) => None,
        None => Some(cluster::Cluster::start(&cluster::Binaries::find(
            args.pg_bin.as_deref(),
        )?)?),
    };
    let (place, new_scratch) = (
        if cluster.is_some() {
            "a throwaway cluster"
        } else {
            "a scratch database on your server"
        },
        || match (&args.postgres, &cluster) {
            (Some(url), _) => Scratch::on_server(url, seconds),
            (None, Some(c)) => Scratch::on_cluster(c, seconds),
            (None, None) => Err(cluster::NO_SERVER.to_string()),
        },
    );
    let mut scratch = new_scratch()?;
    let version = scratch
        .client()?
        .query_one("SHOW server_version", &[])
        .map(|r| r.get::<_, String>(0))
        .unwrap_or_default();
    let job = simulate::postgres::Job::new(
        format!("PostgreSQL {version} ({place})"),
        session,
        down,
        rows_sql.as_deref(),
        &args.data,
    );
    if args.as_plan {
        let options = PlanOptions {
            pg_version: session.options().pg_version,
            keep_copies: args.keep_copies,
            ..PlanOptions::default()
        };
        let plan = plan::plan(session, options);
        return pollster::block_on(simulate::postgres::simulate_plan(
            &mut scratch.engine()?,
            &plan,
            &job,
        ))
        .map_err(|e| format!("migplan: {e}"));
    }
    // The trace runs in a database of its own: each statement in a
    // transaction of its own, on the same schema and rows.
    let mut traced = new_scratch()?;
    pollster::block_on(simulate::postgres::simulate_and_trace(
        &mut scratch.engine()?,
        &mut traced.engine()?,
        session,
        &job,
        &mut |_, _| {},
    ))
    .map_err(|e| format!("migplan: {e}"))
}

fn render_simulation_with_growth(
    report: &simulate::SimulationReport,
    growth: &[simulate::Growth],
) -> String {
    let mut t = check::render_simulation(report);
    for g in growth {
        t.push_str(&format!(
            "  line {:<4} {:>40}  {}{}\n",
            g.line,
            g.ms.iter()
                .map(|m| format!("{m:.1} ms"))
                .collect::<Vec<_>>()
                .join(" → "),
            if g.grows { "grows  " } else { "flat   " },
            g.statement.chars().take(60).collect::<String>()
        ));
    }
    t
}
