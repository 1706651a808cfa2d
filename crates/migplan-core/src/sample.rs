//! Sample rows for simulation: N rows per table that satisfy types,
//! NOT NULL, UNIQUE, simple CHECK comparisons and foreign keys (parents
//! first), deterministic from a seed. On request, adversarial rows that
//! break what the migration is about to require.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::{Catalog, ConstraintKind, Table};
use crate::{Dialect, ddl};

/// The most sample rows a simulation generates (per table).
pub const MAX_ROWS: usize = 1_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DataOptions {
    pub rows: usize,
    pub seed: u64,
    /// Break the constraints the migration adds (NULLs, duplicates,
    /// orphans, values that do not convert).
    pub adversarial: bool,
}

impl Default for DataOptions {
    fn default() -> Self {
        DataOptions {
            rows: 1000,
            seed: 42,
            adversarial: false,
        }
    }
}

/// A small, fast, seedable generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// What the migration will demand of existing rows, per `table.column`.
#[derive(Debug, Clone, Default)]
pub struct Demands {
    pub not_null: BTreeSet<String>,
    pub unique: BTreeSet<String>,
    /// `table.column` → referenced table.
    pub foreign: BTreeMap<String, String>,
    /// `table.column` → the new type.
    pub retyped: BTreeMap<String, String>,
}

impl Demands {
    /// What adversarial rows put in, one line per column: every 20th row
    /// (of `rows` per table) breaks what the migration will require. Says
    /// so when there is nothing to break.
    pub fn adversarial_rows(&self, rows: usize) -> Vec<String> {
        let count = rows / 20;
        let mut out = Vec::new();
        // The order the generator tries them in: one break per column.
        for key in &self.not_null {
            out.push(format!(
                "{key}: NULL in {count} rows (the migration makes it NOT NULL)"
            ));
        }
        for key in self.unique.iter().filter(|k| !self.not_null.contains(*k)) {
            out.push(format!(
                "{key}: the first row's value repeated in {count} rows (the migration makes it unique)"
            ));
        }
        for (key, parent) in &self.foreign {
            if self.not_null.contains(key) || self.unique.contains(key) {
                continue;
            }
            out.push(format!(
                "{key}: {count} rows pointing at no row of {parent} (the migration adds a foreign key)"
            ));
        }
        for (key, to) in &self.retyped {
            if self.not_null.contains(key)
                || self.unique.contains(key)
                || self.foreign.contains_key(key)
            {
                continue;
            }
            out.push(format!(
                "{key}: text that is not a number in {count} rows (the migration changes it to {to}, where it does not convert)"
            ));
        }
        if out.is_empty() {
            out.push(
                "nothing to break: the migration makes no existing column NOT NULL or unique, adds no foreign key and changes no type, so the rows are the ordinary ones"
                    .to_string(),
            );
        } else if count == 0 {
            out.push(format!(
                "with {rows} rows per table no row is the 20th: give at least 20 rows for adversarial rows"
            ));
        }
        out
    }

    /// Compares the catalogue before and after the migration.
    pub fn between(before: &Catalog, after: &Catalog) -> Demands {
        let mut d = Demands::default();
        for (name, t) in &before.tables {
            let Some(a) = after.tables.get(name) else {
                continue;
            };
            for c in &t.columns {
                let key = format!("{name}.{}", c.name);
                if let Some(ac) = a.column(&c.name) {
                    if c.nullable && !ac.nullable {
                        d.not_null.insert(key.clone());
                    }
                    if ac.data_type != c.data_type {
                        d.retyped.insert(key.clone(), ac.data_type.clone());
                    }
                }
            }
            for k in &a.constraints {
                if t.constraint(&k.name).is_some() {
                    continue;
                }
                match &k.kind {
                    ConstraintKind::Unique { columns } | ConstraintKind::PrimaryKey { columns }
                        if columns.len() == 1 =>
                    {
                        d.unique.insert(format!("{name}.{}", columns[0]));
                    }
                    ConstraintKind::ForeignKey {
                        columns,
                        references,
                        ..
                    } if columns.len() == 1 => {
                        d.foreign
                            .insert(format!("{name}.{}", columns[0]), references.clone());
                    }
                    ConstraintKind::Check { expr } => {
                        // CHECK (col IS NOT NULL) is a NOT NULL in waiting.
                        let e = expr.to_lowercase().replace(['(', ')', '"'], "");
                        if let Some(col) = e.strip_suffix(" is not null") {
                            d.not_null.insert(format!("{name}.{}", col.trim()));
                        }
                    }
                    _ => {}
                }
            }
            for (iname, i) in &after.indexes {
                if i.table == *name
                    && i.unique
                    && i.columns.len() == 1
                    && i.columns[0].column().is_some()
                    && !before.indexes.contains_key(iname)
                {
                    d.unique.insert(format!("{name}.{}", i.columns[0]));
                }
            }
        }
        d
    }
}

/// Tables in an order where every table comes after those it references.
pub fn parents_first(c: &Catalog) -> Vec<&Table> {
    let mut out: Vec<&Table> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut left: Vec<&Table> = c.tables.values().map(|t| &**t).collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = t.constraints.iter().all(|k| match &k.kind {
                ConstraintKind::ForeignKey { references, .. } => {
                    references == &t.name
                        || done.contains(references.as_str())
                        || !c.tables.contains_key(references)
                }
                _ => true,
            });
            if ready {
                out.push(t);
                done.insert(&t.name);
            }
            !ready
        });
        if left.len() == before {
            // A reference cycle: the rest in name order.
            out.append(&mut left);
        }
    }
    out
}

/// The values a CHECK constraint allows a column, when it lists them:
/// `col IN ('a', 'b')` or pg_dump's `col = ANY (ARRAY['a'::text, ...])`.
fn allowed_values(t: &Table, col: &str) -> Option<Vec<String>> {
    for k in &t.constraints {
        let ConstraintKind::Check { expr } = &k.kind else {
            continue;
        };
        // Casts are noise here: 'a'::text, (status)::text. ASCII case
        // folding keeps byte offsets the same in `e` and `lower`.
        let mut e = expr.replace('"', "");
        for cast in ["::character varying", "::text[]", "::text", "::varchar"] {
            while let Some(i) = e.to_ascii_lowercase().find(cast) {
                e.replace_range(i..i + cast.len(), "");
            }
        }
        let lower = e.to_ascii_lowercase();
        let c = col.to_ascii_lowercase();
        let found = list_start(&lower, &c);
        let Some(start) = found else {
            continue;
        };
        let rest = &e[start..];
        let Some(end) = rest.find([')', ']']) else {
            continue;
        };
        let items: Vec<String> = rest[..end]
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        let literal = |v: &String| {
            (v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2) || v.parse::<f64>().is_ok()
        };
        if !items.is_empty() && items.iter().all(literal) {
            return Some(items);
        }
    }
    None
}

/// Where the list of values starts (after `(` or `[`) in `col IN (...)` or
/// `col = ANY (ARRAY[...])`, in lower-case `e`, spaces and parentheses
/// around the column and the keywords allowed.
fn list_start(e: &str, col: &str) -> Option<usize> {
    let b = e.as_bytes();
    let skip = |mut i: usize, chars: &[u8]| {
        while i < b.len() && chars.contains(&b[i]) {
            i += 1;
        }
        i
    };
    let word = |i: usize, w: &str| e[i..].starts_with(w).then_some(i + w.len());
    let mut from = 0;
    while let Some(off) = e[from..].find(col) {
        let at = from + off;
        from = at + 1;
        let before_ok = at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_');
        let mut i = at + col.len();
        if !before_ok || (i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_')) {
            continue;
        }
        i = skip(i, b" )");
        if let Some(j) = word(i, "in") {
            let j = skip(j, b" ");
            if b.get(j) == Some(&b'(') {
                return Some(j + 1);
            }
        }
        if b.get(i) == Some(&b'=') {
            let j = skip(i + 1, b" ");
            if let Some(j) = word(j, "any") {
                let j = skip(j, b" (");
                if let Some(j) = word(j, "array[") {
                    return Some(j);
                }
            }
        }
    }
    None
}

/// Simple bounds from CHECK constraints on a column: (min, max) exclusive
/// where the comparison is strict.
fn bounds(t: &Table, col: &str) -> (Option<f64>, Option<f64>) {
    let mut lo: Option<f64> = None;
    let mut hi: Option<f64> = None;
    for k in &t.constraints {
        let ConstraintKind::Check { expr } = &k.kind else {
            continue;
        };
        for part in expr.split(" AND ") {
            let p = part.trim().trim_matches(['(', ')']);
            for (op, is_lo, strict) in [
                (">=", true, false),
                ("<=", false, false),
                (">", true, true),
                ("<", false, true),
            ] {
                if let Some((l, r)) = p.split_once(op) {
                    if l.trim() == col
                        && let Ok(v) = r.trim().trim_matches(['(', ')']).parse::<f64>()
                    {
                        let v = if strict {
                            if is_lo { v + 1.0 } else { v - 1.0 }
                        } else {
                            v
                        };
                        if is_lo {
                            lo = Some(lo.map_or(v, |x: f64| x.max(v)))
                        } else {
                            hi = Some(hi.map_or(v, |x: f64| x.min(v)))
                        }
                    }
                    break;
                }
            }
        }
    }
    (lo, hi)
}

/// One INSERT of sample rows, and the table it fills (`None` for rows the
/// user wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub table: Option<String>,
    pub sql: String,
}

/// INSERT statements (batches of 500 rows) filling every table of
/// `before` (source dialect) in the SQLite the simulation runs.
pub fn generate(before: &Catalog, demands: &Demands, o: &DataOptions) -> Vec<String> {
    batches(before, demands, o)
        .into_iter()
        .map(|batch| batch.sql)
        .collect()
}

/// [`generate`], each INSERT with the table it fills. The SQL quotes
/// identifiers with double quotes, which PostgreSQL reads the same way.
pub fn batches(before: &Catalog, demands: &Demands, o: &DataOptions) -> Vec<Batch> {
    batches_after(before, demands, o, &Taken::new())
}

/// Per table, the row numbers rows the schema itself inserted already use
/// (the largest integer key, or the row count): generated rows are
/// numbered after them, so their keys never collide with those rows.
pub type Taken = BTreeMap<String, usize>;

/// [`batches`] for tables that already hold rows (`taken`).
pub fn batches_after(
    before: &Catalog,
    demands: &Demands,
    o: &DataOptions,
    taken: &Taken,
) -> Vec<Batch> {
    let mut rng = Rng::new(o.seed);
    let mut out = Vec::new();
    // The integer primary key values of each table (1..=rows).
    for t in parents_first(before) {
        if !t.columns_known || t.columns.is_empty() {
            continue;
        }
        let pk: Vec<String> = t
            .primary_key()
            .map(|k| k.kind.columns().to_vec())
            .unwrap_or_default();
        let unique = unique_columns(t, before);
        let fks = single_column_foreign_keys(t);
        let cols: Vec<&crate::catalog::Column> =
            t.columns.iter().filter(|c| c.generated.is_none()).collect();
        let names: Vec<String> = cols
            .iter()
            .map(|c| ddl::ident(&c.name, Dialect::Sqlite))
            .collect();
        // The values CHECK constraints list, read once per column.
        let allowed: BTreeMap<&str, Vec<String>> = cols
            .iter()
            .filter_map(|c| allowed_values(t, &c.name).map(|l| (c.name.as_str(), l)))
            .collect();
        let mut rows: Vec<String> = Vec::new();
        let offset = taken.get(&t.name).copied().unwrap_or(0);
        for n in 1..=o.rows {
            let i = n + offset;
            let values: Vec<String> = cols
                .iter()
                .map(|c| {
                    let key = format!("{}.{}", t.name, c.name);
                    let is_unique = unique.contains(&c.name) || pk.contains(&c.name);
                    if o.adversarial && n % 20 == 0 {
                        if demands.not_null.contains(&key) {
                            return "NULL".into();
                        }
                        if demands.unique.contains(&key) && n > 1 {
                            return value(c, 1 + offset, t, before, &mut rng, true);
                        }
                        if demands.foreign.contains_key(&key) {
                            return (o.rows as u64 * 10 + i as u64).to_string();
                        }
                        if let Some(to) = demands.retyped.get(&key)
                            && crate::translate::sqlite_type(to, before).0 != "TEXT"
                        {
                            return ddl::literal(&format!("not a number {i}"));
                        }
                    }
                    // A foreign key the migration adds: point at a real parent.
                    if let Some(parent) = demands.foreign.get(&key)
                        && before.tables.contains_key(parent)
                    {
                        return (1 + rng.below(o.rows as u64)).to_string();
                    }
                    if let Some(reference) = fks.get(&c.name) {
                        if before.tables.contains_key(&reference.parent)
                            && reference.parent != t.name
                        {
                            // A key that is unique, alone or with others (a
                            // join table's pair), takes parent row i: the
                            // rows stay distinct.
                            let row = if is_unique {
                                (n - 1) % o.rows.max(1) + 1
                            } else {
                                1 + rng.below(o.rows as u64) as usize
                            };
                            return parent_key(before, reference, row, taken);
                        }
                        if reference.parent == t.name {
                            return if n > 1 {
                                let row = 1 + rng.below(n as u64 - 1) as usize;
                                parent_key(before, reference, row, taken)
                            } else {
                                "NULL".into()
                            };
                        }
                    }
                    // A CHECK listing the values: one of them.
                    if !is_unique && let Some(list) = allowed.get(c.name.as_str()) {
                        return list[rng.below(list.len() as u64) as usize].clone();
                    }
                    // Sometimes NULL where allowed and nothing will require a value.
                    if c.nullable
                        && !is_unique
                        && !demands.not_null.contains(&key)
                        && !demands.foreign.contains_key(&key)
                        && rng.below(10) == 0
                    {
                        return "NULL".into();
                    }
                    value(
                        c,
                        i,
                        t,
                        before,
                        &mut rng,
                        is_unique || demands.unique.contains(&key),
                    )
                })
                .collect();
            rows.push(format!("({})", values.join(", ")));
            if rows.len() == 500 || n == o.rows {
                out.push(Batch {
                    table: Some(t.name.clone()),
                    sql: format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        ddl::name(&t.name, Dialect::Sqlite),
                        names.join(", "),
                        rows.join(", ")
                    ),
                });
                rows.clear();
            }
        }
    }
    out
}

/// Columns of `t` under a UNIQUE or PRIMARY KEY constraint or a unique
/// index.
fn unique_columns(t: &crate::catalog::Table, before: &Catalog) -> BTreeSet<String> {
    t.constraints
        .iter()
        .filter(|k| {
            matches!(
                k.kind,
                ConstraintKind::Unique { .. } | ConstraintKind::PrimaryKey { .. }
            )
        })
        .flat_map(|k| k.kind.columns().to_vec())
        .chain(
            before
                .indexes_on(&t.name)
                .filter(|i| i.unique)
                .flat_map(|i| {
                    i.columns
                        .iter()
                        .filter_map(|k| k.column().map(str::to_string))
                }),
        )
        .collect()
}

/// A single-column foreign key: the parent table and the column it refers
/// to (the parent's primary key when the constraint names none).
struct Reference {
    parent: String,
    column: Option<String>,
}

/// Each single-column foreign key of `t`: column → what it refers to.
fn single_column_foreign_keys(t: &crate::catalog::Table) -> BTreeMap<String, Reference> {
    t.constraints
        .iter()
        .filter_map(|k| match &k.kind {
            ConstraintKind::ForeignKey {
                columns,
                references,
                referred_columns,
                ..
            } if columns.len() == 1 => Some((
                columns[0].clone(),
                Reference {
                    parent: references.clone(),
                    column: referred_columns.first().cloned(),
                },
            )),
            _ => None,
        })
        .collect()
}

/// The value the parent's generated row `generated` holds in the referred
/// column (numbered after the rows the schema inserted), whatever
/// its type (the parent's unique values depend only on the row number), so
/// a child's foreign key points at a real parent row: an integer, a
/// `char(36)`, a uuid or a text key alike.
fn parent_key(catalog: &Catalog, reference: &Reference, generated: usize, taken: &Taken) -> String {
    let row = generated + taken.get(&reference.parent).copied().unwrap_or(0);
    let Some(parent) = catalog.tables.get(&reference.parent) else {
        return row.to_string();
    };
    let column = reference.column.clone().or_else(|| {
        parent
            .primary_key()
            .and_then(|k| k.kind.columns().first().cloned())
    });
    match column.and_then(|name| parent.columns.iter().find(|c| c.name == name)) {
        Some(column) => value(column, row, parent, catalog, &mut Rng::new(0), true),
        None => row.to_string(),
    }
}

/// One value for row `i` of column `c`.
fn value(
    c: &crate::catalog::Column,
    i: usize,
    t: &Table,
    catalog: &Catalog,
    rng: &mut Rng,
    unique: bool,
) -> String {
    let ty = c.data_type.to_lowercase();
    let (base, args) = crate::names::type_parts(&ty);
    let base = base.to_string();
    let len: Option<usize> = args.first().map(|n| *n as usize);
    if let Some(values) = catalog
        .enums
        .get(&ty)
        .or_else(|| catalog.enums.get(crate::names::last(&ty)))
    {
        return ddl::literal(&values[rng.below(values.len() as u64) as usize]);
    }
    if let Some(inner) = ty.strip_prefix("enum(") {
        let values: Vec<&str> = inner
            .trim_end_matches(')')
            .split(',')
            .map(|v| v.trim().trim_matches('\''))
            .collect();
        return ddl::literal(values[rng.below(values.len() as u64) as usize]);
    }
    let (lo, hi) = bounds(t, &c.name);
    let number = |rng: &mut Rng| -> f64 {
        let lo = lo.unwrap_or(1.0);
        let hi = hi.unwrap_or(lo + 1000.0).max(lo);
        if unique {
            lo + (i as f64 - 1.0)
        } else {
            lo + rng.below((hi - lo) as u64 + 1) as f64
        }
    };
    match base.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "tinyint" | "mediumint" | "serial"
        | "bigserial" | "int2" | "int4" | "int8" => {
            if unique || c.identity.is_some() {
                i.to_string()
            } else {
                (number(rng) as i64).to_string()
            }
        }
        "numeric" | "decimal" | "real" | "double precision" | "double" | "float" => {
            format!("{:.2}", number(rng) + 0.5)
        }
        "boolean" | "bool" => (i % 2).to_string(),
        "timestamp" | "timestamptz" | "datetime" => {
            let s = i as u64 * 97 % 86_400;
            ddl::literal(&format!(
                "2026-{:02}-{:02} {:02}:{:02}:{:02}",
                1 + i % 12,
                1 + i % 28,
                s / 3600,
                s / 60 % 60,
                s % 60
            ))
        }
        "date" => ddl::literal(&format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28)),
        "time" => ddl::literal(&format!("{:02}:{:02}:00", i % 24, i % 60)),
        // A unique uuid depends on the row number only (a foreign key
        // recomputes its parent's).
        "uuid" if unique => ddl::literal(&format!("{i:08x}-0000-4000-8000-{i:012x}")),
        "uuid" => ddl::literal(&format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            i,
            rng.below(0xffff),
            rng.below(0xfff),
            rng.below(0xfff),
            rng.next_u64() & 0xffff_ffff_ffff
        )),
        "json" | "jsonb" => ddl::literal(&format!("{{\"n\": {i}}}")),
        "bytea" | "blob" => format!("X'{:08x}'", i),
        _ => {
            let mut s = format!("{}-{}-{i}", crate::names::last(&t.name), c.name);
            if base.contains("char")
                && let Some(n) = len
                && s.len() > n
            {
                // Keep the row number so unique columns stay unique.
                let tail = i.to_string();
                s = format!("{}{tail}", &s[..n.saturating_sub(tail.len()).min(s.len())]);
                s.truncate(n);
            }
            ddl::literal(&s)
        }
    }
}

/// INSERT statements for a CSV file (header row first) into `table`.
/// Empty fields are NULL; quoted fields may hold commas, quotes ("") and
/// newlines.
pub fn csv_inserts(table: &str, csv: &str) -> Result<Vec<String>, String> {
    let mut records: Vec<Vec<Option<String>>> = Vec::new();
    let mut field = String::new();
    let mut record: Vec<Option<String>> = Vec::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => {
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                record.push(finish_field(&mut field, &mut was_quoted));
            }
            (false, '\n') => {
                record.push(finish_field(&mut field, &mut was_quoted));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("{table}.csv: a quoted field is not closed"));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(finish_field(&mut field, &mut was_quoted));
        records.push(record);
    }
    let mut it = records
        .into_iter()
        .filter(|r| !(r.len() == 1 && r[0].is_none()));
    let Some(header) = it.next() else {
        return Ok(Vec::new());
    };
    let cols: Vec<String> = header
        .into_iter()
        .map(|h| ddl::ident(h.unwrap_or_default().trim(), Dialect::Sqlite))
        .collect();
    let mut out = Vec::new();
    let mut batch: Vec<String> = Vec::new();
    for (n, r) in it.enumerate() {
        if r.len() != cols.len() {
            return Err(format!(
                "{table}.csv row {}: {} fields, the header has {}",
                n + 2,
                r.len(),
                cols.len()
            ));
        }
        let values: Vec<String> = r
            .into_iter()
            .map(|v| v.map_or("NULL".to_string(), |v| ddl::literal(&v)))
            .collect();
        batch.push(format!("({})", values.join(", ")));
        if batch.len() == 500 {
            out.push(format!(
                "INSERT INTO {} ({}) VALUES {}",
                ddl::name(table, Dialect::Sqlite),
                cols.join(", "),
                batch.join(", ")
            ));
            batch.clear();
        }
    }
    if !batch.is_empty() {
        out.push(format!(
            "INSERT INTO {} ({}) VALUES {}",
            ddl::name(table, Dialect::Sqlite),
            cols.join(", "),
            batch.join(", ")
        ));
    }
    Ok(out)
}

fn finish_field(field: &mut String, was_quoted: &mut bool) -> Option<String> {
    let v = std::mem::take(field);
    let quoted = std::mem::take(was_quoted);
    (quoted || !v.is_empty()).then_some(v)
}

#[cfg(test)]
mod allowed_tests {
    use super::*;

    #[test]
    fn listed_values_are_read_from_check_constraints() {
        let c = Catalog::build(&crate::parse_source(
            "CREATE TABLE t (id int PRIMARY KEY, kind text CHECK (kind IN ('a', 'b')), \
             state varchar(9) CONSTRAINT st CHECK (((state)::text = ANY ((ARRAY['on'::character varying, 'off'::character varying])::text[]))), \
             n int CHECK (n IN (1, 2, 3)), other text CHECK (other <> 'x'));",
            crate::Dialect::Postgres,
        ));
        let t = c.table("t").expect("t");
        assert_eq!(
            allowed_values(t, "kind"),
            Some(vec!["'a'".into(), "'b'".into()])
        );
        assert_eq!(
            allowed_values(t, "state"),
            Some(vec!["'on'".into(), "'off'".into()])
        );
        assert_eq!(allowed_values(t, "n").map(|v| v.len()), Some(3));
        assert_eq!(allowed_values(t, "other"), None);
        assert_eq!(allowed_values(t, "id"), None);

        // Letters whose lower case is longer in bytes do not shift offsets.
        let c = Catalog::build(&crate::parse_source(
            "CREATE TABLE u (kind text CHECK (kind <> 'İİİİİİ'::text AND kind IN ('İa', 'b')));",
            crate::Dialect::Postgres,
        ));
        assert_eq!(
            allowed_values(c.table("u").expect("u"), "kind"),
            Some(vec!["'İa'".into(), "'b'".into()])
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_becomes_inserts() {
        let sql = super::csv_inserts(
            "users",
            "id,name,note\n1,Ada,\"a, \"\"quoted\"\" note\"\n2,,\n",
        )
        .expect("csv");
        assert_eq!(
            sql,
            [
                "INSERT INTO users (id, name, note) VALUES ('1', 'Ada', 'a, \"quoted\" note'), ('2', NULL, NULL)"
            ]
        );
        assert!(super::csv_inserts("t", "a,b\n1\n").is_err());
        assert!(super::csv_inserts("t", "a\n\"open\n").is_err());
    }

    use super::*;
    use crate::parse_source;

    #[test]
    fn parents_come_first_and_data_is_deterministic() {
        let c = Catalog::build(&parse_source(
            "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric CHECK (total >= 0));\n\
             CREATE TABLE users (id bigint PRIMARY KEY, email varchar(12) UNIQUE NOT NULL);",
            Dialect::Postgres,
        ));
        let order: Vec<&str> = parents_first(&c).iter().map(|t| t.name.as_str()).collect();
        assert_eq!(order, ["users", "orders"]);
        let o = DataOptions {
            rows: 3,
            ..DataOptions::default()
        };
        let a = generate(&c, &Demands::default(), &o);
        assert_eq!(a, generate(&c, &Demands::default(), &o));
        assert!(
            a[0].starts_with("INSERT INTO users (id, email) VALUES (1, "),
            "{}",
            a[0]
        );
        assert!(
            a[0].contains("(1, 'users-email1'), (2, 'users-email2')"),
            "{}",
            a[0]
        );
        let other = generate(&c, &Demands::default(), &DataOptions { seed: 7, ..o });
        assert_ne!(a, other);
    }
}
