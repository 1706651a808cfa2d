//! What happened to the rows: per-table snapshots (row counts and
//! per-column checksums) and the typed differences between two of them.

use super::*;
/// How the data of one table or column differs after the migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DataChange {
    TableGone {
        table: String,
        rows: i64,
    },
    RowCount {
        table: String,
        before: i64,
        after: i64,
    },
    ValuesChanged {
        table: String,
        column: String,
    },
    /// A renamed column: every value is under its new name.
    Moved {
        table: String,
        from: String,
        to: String,
        rows: i64,
    },
    ColumnGone {
        table: String,
        column: String,
        rows: i64,
    },
}

impl DataChange {
    /// Whether values are gone or different (a move loses nothing).
    pub(super) fn loses(&self) -> bool {
        !matches!(self, DataChange::Moved { .. })
    }
}

impl std::fmt::Display for DataChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataChange::TableGone { table, rows } => {
                write!(f, "table {table} ({rows} rows) is gone")
            }
            DataChange::RowCount {
                table,
                before,
                after,
            } => write!(f, "{table}: {before} rows before, {after} after"),
            DataChange::ValuesChanged { table, column } => {
                write!(f, "{table}.{column}: values changed")
            }
            DataChange::Moved {
                table,
                from,
                to,
                rows,
            } => write!(
                f,
                "{table}.{from}: {rows} values now in {table}.{to}, 0 lost"
            ),
            DataChange::ColumnGone {
                table,
                column,
                rows,
            } => write!(f, "{table}.{column}: column gone ({rows} values)"),
        }
    }
}

/// Every difference between two snapshots of the data.
pub(super) fn data_changes(before: &Snapshot, after: &Snapshot) -> Vec<DataChange> {
    let mut changes = Vec::new();
    for (table, (count, cols)) in before {
        let Some((count_after, cols_after)) = after.get(table) else {
            changes.push(DataChange::TableGone {
                table: table.clone(),
                rows: *count,
            });
            continue;
        };
        if count != count_after {
            changes.push(DataChange::RowCount {
                table: table.clone(),
                before: *count,
                after: *count_after,
            });
        }
        for (column, sum) in cols {
            match cols_after.get(column) {
                Some(s) if s == sum => {}
                Some(_) => changes.push(DataChange::ValuesChanged {
                    table: table.clone(),
                    column: column.clone(),
                }),
                // A renamed column keeps its values under its new name.
                None => match cols_after
                    .iter()
                    .find(|(name, s)| *s == sum && !cols.contains_key(*name))
                {
                    Some((to, _)) => changes.push(DataChange::Moved {
                        table: table.clone(),
                        from: column.clone(),
                        to: to.clone(),
                        rows: *count,
                    }),
                    None => changes.push(DataChange::ColumnGone {
                        table: table.clone(),
                        column: column.clone(),
                        rows: *count,
                    }),
                },
            }
        }
    }
    changes
}

/// Row counts and per-column checksums of every table of the model that
/// exists in the database.
pub(super) async fn snapshot(engine: &mut dyn Engine, model: &Catalog) -> Snapshot {
    let mut out = Snapshot::new();
    let present: BTreeSet<String> = rows_of(
        engine,
        "SELECT name FROM sqlite_master WHERE type = 'table'",
    )
    .await
    .into_iter()
    .filter_map(|r| r.into_iter().next())
    .collect();
    for t in model.tables.values() {
        if !present.contains(crate::names::last(&t.name)) {
            continue;
        }
        let table_sql = ddl::name(&t.name, Dialect::Sqlite);
        let pk = t
            .primary_key()
            .map(|k| k.kind.columns().to_vec())
            .unwrap_or_default();
        let order = if pk.is_empty() {
            "rowid".to_string()
        } else {
            ddl::columns(&pk, Dialect::Sqlite)
        };
        let cols: Vec<String> = rows_of(
            engine,
            &format!(
                "SELECT name FROM pragma_table_info({})",
                ddl::literal(crate::names::last(&t.name))
            ),
        )
        .await
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .collect();
        if cols.is_empty() {
            continue;
        }
        // One row back per table: the count and, per column, every value
        // quoted and joined in key order, hashed here. (Fetching the rows
        // one by one costs far more through sql.js.)
        let aggregates = cols
            .iter()
            .map(|c| {
                format!(
                    "group_concat(quote({}), char(30))",
                    ddl::ident(c, Dialect::Sqlite)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let inner = cols
            .iter()
            .map(|c| ddl::ident(c, Dialect::Sqlite))
            .collect::<Vec<_>>()
            .join(", ");
        let Ok(sets) = engine.execute(&format!(
            "SELECT count(*), {aggregates} FROM (SELECT {inner} FROM {table_sql} ORDER BY {order})"
        )).await else {
            continue;
        };
        let Some(row) = sets.into_iter().flat_map(|s| s.rows).next() else {
            continue;
        };
        let count = match row.first() {
            Some(Value::Integer(n)) => *n,
            _ => 0,
        };
        let sums: Vec<u64> = row
            .iter()
            .skip(1)
            .map(|v| {
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in text(v).bytes() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x100_0000_01b3);
                }
                h
            })
            .collect();
        out.insert(
            t.name.clone(),
            (count, cols.into_iter().zip(sums).collect()),
        );
    }
    out
}
