//! Generated benchmark inputs, shared by the native bench and the in-browser
//! one (`crates/migplan-web/tests/bench.rs`): a pg_dump-style schema and a
//! migration over its tables, both scaling linearly.

/// A pg_dump-like schema of about `lines` lines: session settings, tables
/// with comments, sequences, constraints added with ALTER TABLE ONLY,
/// foreign keys and indexes.
pub fn pg_dump_schema(lines: usize) -> String {
    let mut s = String::from(PREAMBLE);
    let mut count = s.bytes().filter(|b| *b == b'\n').count();
    let mut table = 0;
    while count < lines {
        let block = dump_table(table);
        count += block.bytes().filter(|b| *b == b'\n').count();
        s.push_str(&block);
        table += 1;
    }
    s
}

/// The same schema, of at least `bytes` bytes (for the memory figures).
#[allow(dead_code)] // used by `cargo xtask bench`
pub fn pg_dump_schema_of_size(bytes: usize) -> String {
    let mut s = String::from(PREAMBLE);
    let mut table = 0;
    while s.len() < bytes {
        s.push_str(&dump_table(table));
        table += 1;
    }
    s
}

const PREAMBLE: &str = "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n\
                        SELECT pg_catalog.set_config('search_path', '', false);\n\n";

/// Table `i` of the dump: the table, its comment, sequence, key, a foreign
/// key to the table before it and an index.
fn dump_table(i: usize) -> String {
    let fk = if i > 0 {
        format!(
            "ALTER TABLE ONLY public.t{i}\n    ADD CONSTRAINT t{i}_parent_fkey FOREIGN KEY (parent_id) REFERENCES public.t{} (id);\n\n",
            i - 1
        )
    } else {
        "\n\n\n".to_string()
    };
    format!(
        "CREATE TABLE public.t{i} (\n    id bigint NOT NULL,\n    parent_id bigint,\n    name text NOT NULL,\n    email character varying(255),\n    created_at timestamp with time zone DEFAULT now() NOT NULL\n);\n\n\
         COMMENT ON TABLE public.t{i} IS 'table {i}';\n\n\
         CREATE SEQUENCE public.t{i}_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n\n\
         ALTER TABLE ONLY public.t{i}\n    ADD CONSTRAINT t{i}_pkey PRIMARY KEY (id);\n\n{fk}\
         CREATE INDEX t{i}_name_idx ON public.t{i} USING btree (name);\n\n"
    )
}

/// How many tables a schema from `pg_dump_schema` creates.
pub fn tables_in(schema: &str) -> usize {
    schema.matches("CREATE TABLE").count()
}

/// A migration of `statements` statements over `tables` tables of the
/// schema above, mixing safe and risky changes.
pub fn migration(statements: usize, tables: usize) -> String {
    let mut s = String::from("SET lock_timeout = '2s';\n");
    for k in 0..statements.saturating_sub(1) {
        let t = k * 7 % tables.max(1);
        let stmt = match k % 10 {
            0 => format!("ALTER TABLE t{t} ADD COLUMN c{k} text;"),
            1 => format!("CREATE INDEX CONCURRENTLY t{t}_c{k}_idx ON t{t} (email);"),
            2 => format!("ALTER TABLE t{t} ALTER COLUMN email TYPE varchar(300);"),
            3 => format!("ALTER TABLE t{t} ADD CONSTRAINT t{t}_k{k} CHECK (name <> '') NOT VALID;"),
            4 => format!("ALTER TABLE t{t} VALIDATE CONSTRAINT t{t}_parent_fkey;"),
            5 => format!("ALTER TABLE t{t} ALTER COLUMN parent_id SET NOT NULL;"),
            6 => format!(
                "UPDATE t{t} SET name = lower(name) WHERE id BETWEEN {k} AND {};",
                k + 1000
            ),
            7 => format!("CREATE INDEX t{t}_created_{k} ON t{t} (created_at);"),
            8 => format!("ALTER TABLE t{t} RENAME COLUMN email TO email_{k};"),
            _ => format!(
                "CREATE TABLE n{k} (id bigint PRIMARY KEY, t_id bigint REFERENCES t{t} (id));"
            ),
        };
        s.push_str(&stmt);
        s.push('\n');
    }
    s
}

/// Median of 9 timed runs of `f` after one warm-up run, in milliseconds,
/// with `now` the clock in milliseconds.
pub fn median_ms(now: impl Fn() -> f64, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..9)
        .map(|_| {
            let t = now();
            f();
            now() - t
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The table the simulation benchmarks fill.
pub const SIM_SCHEMA: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, name text, age integer);";

/// A column backfill over it.
pub const BACKFILL: &str =
    "ALTER TABLE users ADD COLUMN full_name text;\nUPDATE users SET full_name = name;";
