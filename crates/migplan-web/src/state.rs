//! The app state and its pure reducer (tested natively).

use std::rc::Rc;

use migplan_core::report::CheckReport;
use migplan_core::simulate::SimulationReport;
use migplan_core::{Dialect, Options, analyze, parse_source};
use yew::Reducible;

pub const EXAMPLE_SCHEMA: &str = include_str!("../../../tests/fixtures/example/schema.sql");
pub const EXAMPLE_MIGRATION: &str = include_str!("../../../tests/fixtures/example/migration.sql");

/// What the core understood of the current inputs.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The schema's statements (parse results only).
    pub schema: CheckReport,
    /// The migration's statements, findings and locks.
    pub migration: CheckReport,
    /// The schema model before and after the migration, and what changed.
    pub model: migplan_core::Analysis,
}

impl Analysis {
    pub fn of(dialect: Dialect, options: Options, schema: &str, migration: &str) -> Self {
        let mut schema_report = CheckReport::new(dialect);
        schema_report.add_source(None, &parse_source(schema, dialect));
        let model = analyze(dialect, options, schema, migration);
        Analysis {
            schema: schema_report,
            migration: model.report.clone(),
            model,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Simulation {
    Idle,
    Running,
    Done(SimulationReport),
    /// The engine could not be used at all (sql.js failed to load).
    Unavailable(String),
}

#[derive(Debug, Clone)]
pub struct State {
    pub dialect: Dialect,
    pub options: Options,
    pub schema: String,
    pub migration: String,
    pub analysis: Rc<Analysis>,
    pub simulation: Simulation,
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
        let analysis = Rc::new(Analysis::of(dialect, options, &schema, &migration));
        State {
            dialect,
            options,
            schema,
            migration,
            analysis,
            simulation: Simulation::Idle,
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State::example()
    }
}

pub enum Action {
    SetSchema(String),
    SetMigration(String),
    SetDialect(Dialect),
    /// The target PostgreSQL major version.
    SetPgVersion(u32),
    SimulationStarted,
    SimulationFinished(SimulationReport),
    SimulationUnavailable(String),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let s = (*self).clone();
        Rc::new(match action {
            // Any edit re-analyses and makes an earlier simulation stale.
            Action::SetSchema(text) => State::with_options(s.dialect, s.options, text, s.migration),
            Action::SetMigration(text) => State::with_options(s.dialect, s.options, s.schema, text),
            Action::SetDialect(d) => State::with_options(d, s.options, s.schema, s.migration),
            Action::SetPgVersion(v) => match Options::with_pg_version(v) {
                Ok(o) => State::with_options(s.dialect, o, s.schema, s.migration),
                Err(_) => s,
            },
            Action::SimulationStarted => State {
                simulation: Simulation::Running,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(s: State, a: Action) -> State {
        (*Rc::new(s).reduce(a)).clone()
    }

    #[test]
    fn the_example_is_analysed_from_the_start() {
        let s = State::example();
        assert_eq!(s.analysis.migration.statements.len(), 4);
        assert!(s.analysis.migration.statements.iter().all(|st| st.parsed));
        assert_eq!(s.analysis.schema.statements.len(), 3);
        assert!(s.analysis.schema.statements.iter().all(|st| st.parsed));
    }

    #[test]
    fn editing_reanalyses_and_clears_the_simulation() {
        let s = State {
            simulation: Simulation::Running,
            ..State::example()
        };
        let s = reduce(s, Action::SetMigration("SELECT 1;\nSELEC 2;".into()));
        assert_eq!(s.simulation, Simulation::Idle);
        let st = &s.analysis.migration.statements;
        assert_eq!(st.len(), 2);
        assert!(!st[1].parsed);
        assert_eq!(st[1].error_line, Some(2));
    }

    #[test]
    fn the_example_shows_its_risks() {
        let s = State::example();
        let m = &s.analysis.migration;
        assert_eq!(m.max_severity, migplan_core::Severity::Dangerous);
        assert!(
            m.findings
                .iter()
                .any(|f| f.rule == "dropping-column" && f.line == 8)
        );
        assert!(
            s.analysis
                .model
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
            s.analysis.migration.max_severity,
            migplan_core::Severity::Careful
        );
        let s = reduce(s, Action::SetPgVersion(11));
        assert_eq!(
            s.analysis.migration.max_severity,
            migplan_core::Severity::Safe
        );
        let s = reduce(s, Action::SetPgVersion(99));
        assert_eq!(s.options.pg_version, 11, "unknown versions are refused");
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
        assert_eq!(s.analysis.migration.dialect, Dialect::Mysql);
        assert!(s.analysis.migration.statements[0].parsed);
    }
}
