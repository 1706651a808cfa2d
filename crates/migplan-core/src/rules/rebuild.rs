//! The SQLite table rebuild (create new → copy → drop old → rename new to
//! old), recognised across statements so the rules judge it as one change.

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::{
    AlterTableOperation, ObjectType, RenameTableNameKind, SelectItem, SetExpr, Statement,
    TableObject,
};

use super::{Rebuild, RebuildStep};
use crate::catalog::Catalog;
use crate::{Dialect, ParsedSource, names};

/// Finds create-new → copy → drop-old → rename-new-to-old sequences.
pub(crate) fn detect_rebuilds(
    parsed: &ParsedSource,
    catalog: &Catalog,
) -> BTreeMap<usize, Rebuild> {
    let d = parsed.dialect;
    let mut out = BTreeMap::new();
    if d != Dialect::Sqlite {
        return out;
    }
    let stmts = &parsed.statements;
    let mut scratch = catalog.clone();
    for (i, s) in stmts.iter().enumerate() {
        if let Some(Statement::Drop {
            object_type: ObjectType::Table,
            names: objects,
            ..
        }) = &s.ast
            && let [old] = objects.as_slice()
        {
            let old = names::object(old, d);
            if let Some(found) = rebuild_around(stmts, i, &old, &scratch) {
                for (idx, step) in [
                    (found.create_at, RebuildStep::Create),
                    (found.copy_at, RebuildStep::Copy),
                    (i, RebuildStep::Drop),
                    (found.rename_at, RebuildStep::Rename),
                ] {
                    out.insert(
                        stmts[idx].index,
                        Rebuild {
                            table: old.clone(),
                            new_table: found.new_table.clone(),
                            step,
                            lost_columns: found.lost_columns.clone(),
                            checks_foreign_keys: found.checks_foreign_keys,
                            foreign_keys_off: found.foreign_keys_off,
                        },
                    );
                }
            }
        }
        if let Some(ast) = &s.ast {
            scratch.apply(ast, d);
        }
    }
    out
}

/// One rebuild found around a `DROP TABLE old`: where each step is (as
/// indexes into the statements) and what it does.
struct Found {
    create_at: usize,
    copy_at: usize,
    rename_at: usize,
    new_table: String,
    lost_columns: Vec<String>,
    checks_foreign_keys: bool,
    foreign_keys_off: bool,
}

fn rebuild_around(
    stmts: &[crate::ParsedStatement],
    drop_at: usize,
    old: &str,
    catalog: &Catalog,
) -> Option<Found> {
    let d = Dialect::Sqlite;
    // The rename of some table to the old name, after the drop.
    let (rename_at, new) = stmts[drop_at + 1..].iter().enumerate().find_map(|(k, s)| {
        let Some(Statement::AlterTable(at)) = &s.ast else {
            return None;
        };
        at.operations.iter().find_map(|op| match op {
            AlterTableOperation::RenameTable { table_name } => {
                let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) = table_name;
                (names::object(n, d) == old).then(|| (drop_at + 1 + k, names::object(&at.name, d)))
            }
            _ => None,
        })
    })?;
    // The copy from old into new, before the drop.
    let (copy_at, kept) = stmts[..drop_at]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(k, s)| {
            let Some(Statement::Insert(ins)) = &s.ast else {
                return None;
            };
            let TableObject::TableName(target) = &ins.table else {
                return None;
            };
            if names::object(target, d) != new {
                return None;
            }
            let query = ins.source.as_ref()?;
            let SetExpr::Select(select) = query.body.as_ref() else {
                return None;
            };
            let from_old = select.from.iter().any(|f| match &f.relation {
                sqlparser::ast::TableFactor::Table { name, .. } => names::object(name, d) == old,
                _ => false,
            });
            if !from_old {
                return None;
            }
            let mut kept: Option<BTreeSet<String>> = Some(BTreeSet::new());
            for item in &select.projection {
                match item {
                    SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => kept = None,
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        if let Some(k) = kept.as_mut() {
                            k.extend(
                                e.to_string()
                                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                                    .map(|w| w.to_lowercase()),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Some((k, kept))
        })?;
    let create_at = stmts[..copy_at].iter().rposition(
        |s| matches!(&s.ast, Some(Statement::CreateTable(ct)) if names::object(&ct.name, d) == new),
    )?;
    let lost = match (kept, catalog.table(old)) {
        (Some(kept), Some(t)) => t
            .columns
            .iter()
            .filter(|c| !kept.contains(&c.name))
            .map(|c| c.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    let checks = stmts[rename_at..]
        .iter()
        .any(|s| s.sql.to_lowercase().contains("foreign_key_check"));
    let off = stmts[..create_at].iter().any(|s| {
        let l = s.sql.to_lowercase().replace(' ', "");
        l.contains("foreign_keys=off")
            || l.contains("foreign_keys=0")
            || l.contains("foreign_keys=false")
    });
    Some(Found {
        create_at,
        copy_at,
        rename_at,
        new_table: new,
        lost_columns: lost,
        checks_foreign_keys: checks,
        foreign_keys_off: off,
    })
}
