//! The session: the user's sources parsed once and analysed once, handed
//! to every later stage (plan, rollback, translation, simulation, export)
//! as types. Nothing downstream parses the schema or the migration again.

use std::sync::OnceLock;

use crate::Dialect;
use crate::analysis::{Analysis, Analyzer, Options};
use crate::catalog::Catalog;
use crate::parse::{ParsedSource, ParsedStatement, parse_source};

/// One migration file, as given and as parsed.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    /// The file's path, when the input came from a file.
    pub path: Option<String>,
    pub text: String,
    pub parsed: ParsedSource,
}

impl MigrationFile {
    /// The SQL the file runs: its text, or for a migration written in a
    /// framework's language, the SQL migplan read from it.
    pub fn sql(&self) -> std::borrow::Cow<'_, str> {
        match self.parsed.read_as {
            Some(_) => crate::frameworks::dsl::as_sql(&self.parsed).into(),
            None => self.text.as_str().into(),
        }
    }
}

/// One schema source, as given. Its statements are parsed when the
/// session is built if they are kept ([`SchemaStatements::Keep`]), or at
/// most once later, the first time a stage asks for them.
#[derive(Debug, Clone)]
struct SchemaFile {
    text: String,
    parsed: OnceLock<ParsedSource>,
}

/// Whether a session keeps the schema's statements or only its model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaStatements {
    /// Keep them: the session will be simulated (the schema is run
    /// statement by statement) or shown statement by statement.
    Keep,
    /// Replay the schema into the model one statement at a time and keep
    /// nothing else: `check` of a migration against a very large dump.
    Stream,
}

/// Everything known about one schema and its migration files.
#[derive(Debug, Clone)]
pub struct Session {
    dialect: Dialect,
    options: Options,
    schema: Vec<SchemaFile>,
    files: Vec<MigrationFile>,
    analysis: Analysis,
}

impl Session {
    /// One schema and one migration, as the page and most commands have
    /// them; the schema's statements are kept.
    pub fn new(dialect: Dialect, options: Options, schema: &str, migration: &str) -> Session {
        Session::builder(dialect, options, SchemaStatements::Keep)
            .schema(schema)
            .migration(None, migration)
            .build()
    }

    pub fn builder(dialect: Dialect, options: Options, keep: SchemaStatements) -> SessionBuilder {
        SessionBuilder {
            dialect,
            options,
            keep,
            schema: Vec::new(),
            files: Vec::new(),
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The report, the catalogues before and after, and the changes.
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// The analysis, for a caller that needs nothing else of the session.
    pub fn into_analysis(self) -> Analysis {
        self.analysis
    }

    /// The schema before the migration.
    pub fn before(&self) -> &Catalog {
        &self.analysis.before
    }

    /// The schema after the migration.
    pub fn after(&self) -> &Catalog {
        &self.analysis.after
    }

    /// The migration files in the order they run.
    pub fn files(&self) -> &[MigrationFile] {
        &self.files
    }

    /// Every migration statement, file after file.
    pub fn migration(&self) -> impl Iterator<Item = &ParsedStatement> {
        self.files.iter().flat_map(|f| &f.parsed.statements)
    }

    /// Every schema statement, source after source (parsed here, once, if
    /// the session streamed its schema).
    pub fn schema(&self) -> impl Iterator<Item = &ParsedStatement> {
        self.schema.iter().flat_map(|s| {
            &s.parsed
                .get_or_init(|| parse_source(&s.text, self.dialect))
                .statements
        })
    }

    /// The schema sources' text, joined as one script (what the share link
    /// and the plan file carry).
    pub fn schema_text(&self) -> String {
        match self.schema.as_slice() {
            [one] => one.text.clone(),
            many => many
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// Collects the sources of a [`Session`].
pub struct SessionBuilder {
    dialect: Dialect,
    options: Options,
    keep: SchemaStatements,
    schema: Vec<String>,
    files: Vec<(Option<String>, String)>,
}

impl SessionBuilder {
    /// A schema source; several are replayed in the order given.
    pub fn schema(mut self, text: impl Into<String>) -> SessionBuilder {
        self.schema.push(text.into());
        self
    }

    /// A migration file; files are analysed in the order given.
    pub fn migration(mut self, path: Option<String>, text: impl Into<String>) -> SessionBuilder {
        self.files.push((path, text.into()));
        self
    }

    /// Parses every source once and analyses the migration.
    pub fn build(self) -> Session {
        let dialect = self.dialect;
        let mut analyzer = Analyzer::new(dialect, self.options.clone());
        let mut schema = Vec::with_capacity(self.schema.len());
        for text in self.schema {
            let parsed = OnceLock::new();
            match self.keep {
                SchemaStatements::Keep => {
                    let source = parse_source(&text, dialect);
                    analyzer.add_schema(&source);
                    let _ = parsed.set(source);
                }
                SchemaStatements::Stream => analyzer.add_schema_text(&text),
            }
            schema.push(SchemaFile { text, parsed });
        }
        let files: Vec<MigrationFile> = self
            .files
            .into_iter()
            .map(|(path, text)| {
                let parsed = crate::frameworks::read_source_after(
                    path.as_deref(),
                    &text,
                    dialect,
                    analyzer.catalog(),
                );
                analyzer.add_migration(path.as_deref(), &text, &parsed);
                MigrationFile { path, text, parsed }
            })
            .collect();
        Session {
            dialect,
            options: self.options,
            schema,
            files,
            analysis: analyzer.finish(),
        }
    }
}
