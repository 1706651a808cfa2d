//! The entity-relationship diagram: a layout of tables, their key columns
//! and foreign keys, with what the migration adds, changes or drops marked.
//!
//! The layout is layered: a table sits below every table it references
//! (longest path from the tables that reference nothing), tables in a layer
//! are ordered by the mean position of their parents (two sweeps), long
//! layers wrap, and tables without any foreign key go in a grid at the end.
//! Cycles (including self-references) are broken by ignoring back edges.
//! The page draws the result as SVG; everything here is pure and tested.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::{Catalog, Column, ConstraintKind, Table};
use crate::diff::{Change, ChangeKind, Marks};

/// Which schema the diagram shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    /// Before the migration; what it removes or changes is marked.
    Before,
    /// After the migration; what it adds or changes is marked, and what it
    /// drops is still drawn, struck through.
    After,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagram {
    pub width: f64,
    pub height: f64,
    pub tables: Vec<TableBox>,
    pub edges: Vec<Edge>,
    /// Tables left out to keep a large schema readable (see [`layout`]).
    pub hidden: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableBox {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub mark: Option<ChangeKind>,
    pub rows: Vec<Row>,
    /// Columns not drawn (neither key nor touched by the migration).
    pub more: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub name: String,
    pub data_type: String,
    pub pk: bool,
    pub fk: bool,
    pub mark: Option<ChangeKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub name: String,
    /// SVG path data.
    pub path: String,
    pub mark: Option<ChangeKind>,
}

const ROW_H: f64 = 18.0;
const HEAD_H: f64 = 26.0;
const CHAR_W: f64 = 7.2;
const GAP_X: f64 = 48.0;
const GAP_Y: f64 = 70.0;
/// Gaps when the layers flow onto rows (shaped for a view): the drawing
/// is kept compact, so it reads at a larger scale.
const FLOW_GAP_X: f64 = 28.0;
const FLOW_GAP_Y: f64 = 40.0;
/// Room above the first row for the arc of a foreign key between two
/// tables on the same row.
const ARC_ROOM: f64 = 30.0;
const MAX_ROW_W: f64 = 1600.0;
const MAX_ROWS: usize = 12;

fn fks(t: &Table) -> impl Iterator<Item = (&str, &str, &[String])> {
    t.constraints.iter().filter_map(|c| match &c.kind {
        ConstraintKind::ForeignKey {
            references,
            columns,
            ..
        } => Some((c.name.as_str(), references.as_str(), columns.as_slice())),
        _ => None,
    })
}

/// How the tables are placed on rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// A row per layer of foreign keys (long layers wrap).
    Layers,
    /// The layers one after another on rows as wide as make the drawing
    /// about `aspect` times as wide as it is high (a long chain of foreign
    /// keys would otherwise make it a tall sliver).
    Aspect(f64),
    /// The layers one after another on rows at most this wide (a table
    /// wider than that still gets a row of its own): a drawing for a view
    /// of that width, as tall as it needs.
    Width(f64),
}

/// Lays out `side` of a migration from `before` to `after` with `changes`.
///
/// With `limit`, a schema of more tables shows the tables the migration
/// touches and the tables they reference or are referenced by (then the
/// first others by name, up to `limit`); `hidden` counts the rest.
pub fn layout(
    before: &Catalog,
    after: &Catalog,
    changes: &[Change],
    side: Side,
    limit: Option<usize>,
) -> Diagram {
    layout_shaped(before, after, changes, side, limit, Shape::Layers)
}

/// [`layout`] in the given [`Shape`]; the tables keep their layers'
/// order (referenced tables first) whatever the shape.
pub fn layout_shaped(
    before: &Catalog,
    after: &Catalog,
    changes: &[Change],
    side: Side,
    limit: Option<usize>,
    shape: Shape,
) -> Diagram {
    let marks = Marks::new(changes);
    let mark_of = |object: &str, name: &str| -> Option<ChangeKind> {
        marks.get(object, name).filter(|k| match side {
            Side::Before => *k != ChangeKind::Added,
            Side::After => true,
        })
    };
    // The tables drawn: the side's own, plus (after) the dropped ones.
    let mut tables: BTreeMap<&str, &Table> = match side {
        Side::Before => before
            .tables
            .iter()
            .map(|(k, t)| (k.as_str(), &**t))
            .collect(),
        Side::After => after
            .tables
            .iter()
            .map(|(k, t)| (k.as_str(), &**t))
            .collect(),
    };
    if side == Side::After {
        for (k, t) in &before.tables {
            tables.entry(k.as_str()).or_insert(t);
        }
    }
    let all = tables.len();
    if let Some(limit) = limit.filter(|l| all > *l) {
        let touched = crate::diff::touched_tables(changes, before, after);
        keep_touched(&mut tables, &touched, limit);
    }
    let hidden = all - tables.len();

    let layers = layers(&tables);

    // Boxes, layer by layer.
    let layered: Vec<Vec<TableBox>> = layers
        .iter()
        .map(|layer| {
            layer
                .iter()
                .map(|name| {
                    // After: columns the migration drops are still listed, marked.
                    let gone: Vec<&Column> = match (side, before.tables.get(*name)) {
                        (Side::After, Some(old)) if after.tables.contains_key(*name) => old
                            .columns
                            .iter()
                            .filter(|c| tables[name].column(&c.name).is_none())
                            .collect(),
                        _ => Vec::new(),
                    };
                    table_box(name, tables[name], &gone, &mark_of)
                })
                .collect()
        })
        .collect();
    let widest = layered.iter().flatten().map(|b| b.w).fold(0.0, f64::max);
    let (boxes, width, height) = match shape {
        Shape::Aspect(aspect) => {
            let area: f64 = layered
                .iter()
                .flatten()
                .map(|b| (b.w + FLOW_GAP_X) * (b.h + FLOW_GAP_Y))
                .sum();
            let row_w = (area * aspect.clamp(0.3, 4.0)).sqrt().max(widest + 20.0);
            place(layered, row_w, true)
        }
        Shape::Width(width) => place(layered, (width - 10.0).max(widest + 20.0), true),
        Shape::Layers => place(layered, MAX_ROW_W, false),
    };

    // Foreign keys, from the referencing table to the referenced one.
    let at: BTreeMap<&str, &TableBox> = boxes.iter().map(|b| (b.name.as_str(), b)).collect();
    let mut edges = Vec::new();
    for (name, t) in &tables {
        // After: a foreign key the migration drops is still drawn, marked.
        let dropped: Vec<(&str, &str, &[String])> = match (side, before.tables.get(*name)) {
            (Side::After, Some(old)) => fks(old)
                .filter(|(n, _, _)| t.constraint(n).is_none())
                .collect(),
            _ => Vec::new(),
        };
        for (fk, refers, _) in fks(t).chain(dropped) {
            let (Some(c), Some(p)) = (at.get(name), at.get(refers)) else {
                continue;
            };
            let mark = mark_of("constraint", &format!("{name}.{fk}")).or(mark_of("table", name));
            edges.push(Edge {
                from: name.to_string(),
                to: refers.to_string(),
                name: fk.to_string(),
                path: path(c, p),
                mark,
            });
        }
    }
    Diagram {
        width: width.max(200.0),
        height,
        tables: boxes,
        edges,
        hidden,
    }
}

/// Places the boxes on rows `row_w` wide: each layer starting a row of
/// its own, or (`flow`) the layers one after another.
fn place(layered: Vec<Vec<TableBox>>, row_w: f64, flow: bool) -> (Vec<TableBox>, f64, f64) {
    let (gap_x, gap_y) = if flow {
        (FLOW_GAP_X, FLOW_GAP_Y)
    } else {
        (GAP_X, GAP_Y)
    };
    let mut boxes = Vec::new();
    let top = if flow { 10.0 + ARC_ROOM } else { 10.0 };
    let (mut x, mut y, mut row_h, mut width) = (10.0, top, 0.0_f64, 0.0_f64);
    for layer in layered {
        if !flow && x > 10.0 {
            y += row_h + gap_y;
            x = 10.0;
            row_h = 0.0;
        }
        for b in layer {
            if x > 10.0 && x + b.w > row_w {
                y += row_h + gap_y;
                x = 10.0;
                row_h = 0.0;
            }
            row_h = row_h.max(b.h);
            width = width.max(x + b.w + 10.0);
            let w = b.w;
            boxes.push(TableBox { x, y, ..b });
            x += w + gap_x;
        }
    }
    let height = (y + row_h + 10.0).max(40.0);
    (boxes, width, height)
}

/// Keeps, of a schema with more than `limit` tables, the tables `changes`
/// touch and their neighbours by foreign key, then the first others by
/// name, up to `limit`.
fn keep_touched(tables: &mut BTreeMap<&str, &Table>, touched: &BTreeSet<String>, limit: usize) {
    let touched: BTreeSet<&str> = touched
        .iter()
        .filter_map(|n| tables.get_key_value(n.as_str()).map(|(k, _)| *k))
        .collect();
    let mut keep: BTreeSet<&str> = touched.clone();
    for (k, t) in tables.iter() {
        for (_, r, _) in fks(t) {
            if touched.contains(k)
                && let Some((rk, _)) = tables.get_key_value(r)
            {
                keep.insert(rk);
            }
            if touched.contains(r) {
                keep.insert(k);
            }
        }
    }
    let mut kept: Vec<&str> = keep.into_iter().collect();
    kept.truncate(limit.max(touched.len()));
    for k in tables.keys() {
        if kept.len() >= limit {
            break;
        }
        if !kept.contains(k) {
            kept.push(k);
        }
    }
    let kept: BTreeSet<&str> = kept.into_iter().collect();
    tables.retain(|k, _| kept.contains(k));
}

/// The tables in layers: each below the tables its foreign keys reference,
/// ordered by the mean position of their parents; tables linked to none
/// last.
fn layers<'a>(tables: &BTreeMap<&'a str, &Table>) -> Vec<Vec<&'a str>> {
    // Parents of each table (the tables its foreign keys reference).
    let parents: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|(k, t)| {
            let ps = fks(t)
                .map(|(_, r, _)| r)
                .filter(|r| *r != *k && tables.contains_key(r))
                .filter_map(|r| tables.get_key_value(r).map(|(k, _)| *k))
                .collect();
            (*k, ps)
        })
        .collect();
    let linked: BTreeSet<&str> = parents
        .iter()
        .flat_map(|(k, ps)| {
            let k = *k;
            ps.iter().copied().chain((!ps.is_empty()).then_some(k))
        })
        .collect();

    // Layer = longest path to a table that references nothing; a table
    // met again on its own path (a cycle) counts as a root there.
    fn depth<'a>(
        t: &'a str,
        parents: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        memo: &mut BTreeMap<&'a str, usize>,
        path: &mut BTreeSet<&'a str>,
    ) -> usize {
        if let Some(d) = memo.get(t) {
            return *d;
        }
        if !path.insert(t) {
            return 0;
        }
        let d = parents
            .get(t)
            .into_iter()
            .flatten()
            .map(|p| depth(p, parents, memo, path) + 1)
            .max()
            .unwrap_or(0);
        path.remove(t);
        memo.insert(t, d);
        d
    }
    let mut memo = BTreeMap::new();
    let mut layers: Vec<Vec<&str>> = Vec::new();
    for t in &linked {
        let d = depth(t, &parents, &mut memo, &mut BTreeSet::new());
        if layers.len() <= d {
            layers.resize(d + 1, Vec::new());
        }
        layers[d].push(t);
    }
    // Barycentre ordering: each layer by the mean index of its parents.
    for _ in 0..2 {
        for l in 1..layers.len() {
            let index: BTreeMap<&str, usize> = layers[..l]
                .iter()
                .flat_map(|layer| layer.iter().enumerate().map(|(i, t)| (*t, i)))
                .collect();
            let centre = |t: &str| {
                let ps: Vec<usize> = parents[t]
                    .iter()
                    .filter_map(|p| index.get(p).copied())
                    .collect();
                if ps.is_empty() {
                    f64::MAX
                } else {
                    ps.iter().sum::<usize>() as f64 / ps.len() as f64
                }
            };
            layers[l].sort_by(|a, b| centre(a).total_cmp(&centre(b)).then(a.cmp(b)));
        }
    }
    let unlinked: Vec<&str> = tables
        .keys()
        .copied()
        .filter(|t| !linked.contains(t))
        .collect();
    if !unlinked.is_empty() {
        layers.push(unlinked);
    }

    layers
}

fn table_box(
    name: &str,
    t: &Table,
    gone: &[&Column],
    mark_of: &dyn Fn(&str, &str) -> Option<ChangeKind>,
) -> TableBox {
    let pk: BTreeSet<&str> = t
        .primary_key()
        .map(|c| c.kind.columns().iter().map(String::as_str).collect())
        .unwrap_or_default();
    let fk: BTreeSet<&str> = fks(t)
        .flat_map(|(_, _, cols)| cols.iter().map(String::as_str))
        .collect();
    let mut rows: Vec<Row> = t
        .columns
        .iter()
        .chain(gone.iter().copied())
        .map(|c| Row {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            pk: pk.contains(c.name.as_str()),
            fk: fk.contains(c.name.as_str()),
            mark: mark_of("column", &format!("{name}.{}", c.name)),
        })
        .collect();
    let total = rows.len();
    rows.retain(|r| r.pk || r.fk || r.mark.is_some());
    rows.truncate(MAX_ROWS);
    let more = total - rows.len();
    // Rows start after the key column (44 px): sign, name, space, type.
    let row_w = rows
        .iter()
        .map(|r| 44.0 + (r.name.chars().count() + r.data_type.chars().count() + 3) as f64 * CHAR_W)
        .chain(std::iter::once(44.0 + 16.0 * CHAR_W))
        .fold(0.0, f64::max);
    let head_w = 16.0 + (name.chars().count() + 2) as f64 * 7.8;
    let lines = rows.len() + usize::from(more > 0);
    TableBox {
        name: name.to_string(),
        x: 0.0,
        y: 0.0,
        w: (row_w.max(head_w) + 12.0).clamp(140.0, 420.0),
        h: HEAD_H + lines as f64 * ROW_H + 6.0,
        mark: mark_of("table", name),
        rows,
        more,
    }
}

/// A curve from the referencing box to the referenced one: between facing
/// edges when they are in different rows, over the top when side by side,
/// and a loop on the right for a self-reference.
fn path(c: &TableBox, p: &TableBox) -> String {
    let f = |v: f64| format!("{v:.0}");
    if c.name == p.name {
        let (x, y) = (c.x + c.w, c.y + HEAD_H / 2.0);
        return format!(
            "M{} {} C{} {} {} {} {} {}",
            f(x),
            f(y),
            f(x + 40.0),
            f(y - 10.0),
            f(x + 40.0),
            f(y + 30.0),
            f(x),
            f(y + 20.0)
        );
    }
    let (cx, px) = (c.x + c.w / 2.0, p.x + p.w / 2.0);
    if c.y >= p.y + p.h {
        let (y1, y2) = (c.y, p.y + p.h);
        let m = (y1 + y2) / 2.0;
        format!(
            "M{} {} C{} {} {} {} {} {}",
            f(cx),
            f(y1),
            f(cx),
            f(m),
            f(px),
            f(m),
            f(px),
            f(y2)
        )
    } else if p.y >= c.y + c.h {
        let (y1, y2) = (c.y + c.h, p.y);
        let m = (y1 + y2) / 2.0;
        format!(
            "M{} {} C{} {} {} {} {} {}",
            f(cx),
            f(y1),
            f(cx),
            f(m),
            f(px),
            f(m),
            f(px),
            f(y2)
        )
    } else {
        let top = c.y.min(p.y) - 30.0;
        format!(
            "M{} {} C{} {} {} {} {} {}",
            f(cx),
            f(c.y),
            f(cx),
            f(top),
            f(px),
            f(top),
            f(px),
            f(p.y)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dialect, Options, analyze};

    /// No two boxes on top of each other.
    fn assert_apart(boxes: &[TableBox]) {
        for (i, one) in boxes.iter().enumerate() {
            for other in &boxes[i + 1..] {
                let apart = one.x + one.w <= other.x
                    || other.x + other.w <= one.x
                    || one.y + one.h <= other.y
                    || other.y + other.h <= one.y;
                assert!(apart, "{} overlaps {}", one.name, other.name);
            }
        }
    }

    fn diagram(schema: &str, migration: &str, side: Side) -> Diagram {
        let a = analyze(Dialect::Postgres, Options::default(), schema, migration);
        layout(&a.before, &a.after, &a.changes, side, None)
    }

    const SCHEMA: &str = "CREATE TABLE users (id bigint PRIMARY KEY, name text, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id), total numeric);
CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders(id), note text);
CREATE TABLE settings (key text PRIMARY KEY, value text);";

    #[test]
    fn parents_sit_above_children_and_unlinked_tables_come_last() {
        let d = diagram(SCHEMA, "", Side::After);
        let y = |n: &str| d.tables.iter().find(|t| t.name == n).map(|t| t.y).unwrap();
        assert!(y("users") < y("orders") && y("orders") < y("items"));
        assert!(y("settings") > y("items"));
        assert_eq!(d.edges.len(), 2);
        let orders = d.tables.iter().find(|t| t.name == "orders").unwrap();
        let names: Vec<&str> = orders.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["id", "user_id"], "key columns only");
        assert_eq!(orders.more, 1);
        assert!(orders.rows[1].fk && orders.rows[0].pk);
    }

    #[test]
    fn the_migration_is_marked_on_both_sides() {
        let m = "ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE orders DROP COLUMN total;
ALTER TABLE items DROP CONSTRAINT items_order_id_fkey;
CREATE TABLE audit (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id));
DROP TABLE settings;";
        let after = diagram(SCHEMA, m, Side::After);
        let table = |d: &Diagram, n: &str| d.tables.iter().find(|t| t.name == n).cloned().unwrap();
        let row = |t: &TableBox, n: &str| t.rows.iter().find(|r| r.name == n).cloned().unwrap();
        assert_eq!(
            row(&table(&after, "users"), "nickname").mark,
            Some(ChangeKind::Added)
        );
        assert_eq!(
            row(&table(&after, "orders"), "total").mark,
            Some(ChangeKind::Removed)
        );
        assert_eq!(table(&after, "audit").mark, Some(ChangeKind::Added));
        assert_eq!(table(&after, "settings").mark, Some(ChangeKind::Removed));
        let fk = after.edges.iter().find(|e| e.from == "items").unwrap();
        assert_eq!(fk.mark, Some(ChangeKind::Removed));
        let before = diagram(SCHEMA, m, Side::Before);
        assert!(before.tables.iter().all(|t| t.name != "audit"));
        assert!(
            table(&before, "users")
                .rows
                .iter()
                .all(|r| r.name != "nickname")
        );
        assert_eq!(table(&before, "settings").mark, Some(ChangeKind::Removed));
    }

    #[test]
    fn fifty_tables_with_cycles_lay_out_without_overlap() {
        let mut schema = String::new();
        for i in 0..60 {
            let parent = if i == 0 { 59 } else { (i * 7) % i };
            schema.push_str(&format!(
                "CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t{parent}(id), s int REFERENCES t{i}(id));\n"
            ));
        }
        let d = diagram(&schema, "", Side::After);
        assert_eq!(d.tables.len(), 60);
        for a in &d.tables {
            assert!(
                a.x + a.w <= d.width && a.y + a.h <= d.height,
                "{} inside",
                a.name
            );
        }
        assert_apart(&d.tables);
        assert!(d.width <= MAX_ROW_W + 400.0, "rows wrap");
        assert_eq!(d.edges.len(), 120);
    }

    #[test]
    fn a_large_schema_shows_what_the_migration_touches_and_its_neighbours() {
        let mut schema = String::from("CREATE TABLE hub (id int PRIMARY KEY);\n");
        for i in 0..500 {
            schema.push_str(&format!(
                "CREATE TABLE t{i:03} (id int PRIMARY KEY, hub_id int REFERENCES hub(id));\n"
            ));
        }
        let a = analyze(
            Dialect::Postgres,
            Options::default(),
            &schema,
            "ALTER TABLE t250 ADD COLUMN x int;",
        );
        let d = layout(&a.before, &a.after, &a.changes, Side::After, Some(20));
        assert_eq!(d.tables.len(), 20);
        assert_eq!(d.hidden, 481);
        let names: Vec<&str> = d.tables.iter().map(|t| t.name.as_str()).collect();
        assert!(
            names.contains(&"t250") && names.contains(&"hub"),
            "{names:?}"
        );
        let all = layout(&a.before, &a.after, &a.changes, Side::After, None);
        assert_eq!((all.tables.len(), all.hidden), (501, 0));
    }

    /// A long chain of foreign keys is a row per table laid out by layers;
    /// shaped for a view, the same tables fill about the view's shape, in
    /// the same order (each referenced table before the ones that
    /// reference it), without two boxes on top of each other.
    #[test]
    fn a_drawing_shaped_for_its_view_follows_the_views_aspect() {
        let mut schema = String::from("CREATE TABLE t00 (id int PRIMARY KEY, a text, b text);\n");
        for i in 1..40 {
            schema.push_str(&format!(
                "CREATE TABLE t{i:02} (id int PRIMARY KEY, parent_id int REFERENCES t{:02}(id), a text);\n",
                i - 1
            ));
        }
        let a = analyze(
            Dialect::Postgres,
            Options::default(),
            &schema,
            "ALTER TABLE t20 ADD COLUMN x int;",
        );
        let tall = layout(&a.before, &a.after, &a.changes, Side::After, None);
        assert!(
            tall.height > 5.0 * tall.width,
            "{} x {}",
            tall.width,
            tall.height
        );
        let shaped = layout_shaped(
            &a.before,
            &a.after,
            &a.changes,
            Side::After,
            None,
            Shape::Aspect(1.6),
        );
        let ratio = shaped.width / shaped.height;
        assert!(
            (0.8..=3.2).contains(&ratio),
            "{} x {}",
            shaped.width,
            shaped.height
        );
        assert_eq!(shaped.tables.len(), 40);
        let order: Vec<&str> = shaped.tables.iter().map(|t| t.name.as_str()).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "referenced tables first");
        assert_apart(&shaped.tables);
    }

    /// Laid out for a view of a given width, twenty tables stay within it
    /// (as many rows as they need), referenced tables first, none on top
    /// of another; a table wider than the view still gets a row.
    #[test]
    fn a_drawing_for_a_width_stays_within_it() {
        let mut schema = String::from("CREATE TABLE accounts (id int PRIMARY KEY, name text);\n");
        for i in 1..20 {
            schema.push_str(&format!(
                "CREATE TABLE t{i:02} (id int PRIMARY KEY, account_id int REFERENCES accounts(id), a text);\n"
            ));
        }
        let a = analyze(
            Dialect::Postgres,
            Options::default(),
            &schema,
            "ALTER TABLE t07 ADD COLUMN x int;",
        );
        let drawn = layout_shaped(
            &a.before,
            &a.after,
            &a.changes,
            Side::After,
            None,
            Shape::Width(900.0),
        );
        assert_eq!(drawn.tables.len(), 20);
        assert!(drawn.width <= 900.0, "{} x {}", drawn.width, drawn.height);
        let right = drawn.tables.iter().map(|t| t.x + t.w).fold(0.0, f64::max);
        assert!(right <= 900.0, "{right}");
        assert!(
            drawn.tables.iter().any(|t| t.y > drawn.tables[0].y),
            "more than one row"
        );
        assert_eq!(
            drawn.tables[0].name, "accounts",
            "the referenced table first"
        );
        assert_apart(&drawn.tables);
        let narrow = layout_shaped(
            &a.before,
            &a.after,
            &a.changes,
            Side::After,
            None,
            Shape::Width(50.0),
        );
        assert!(narrow.tables.iter().all(|t| t.x == 10.0), "a table per row");
    }

    /// Schema-qualified names: the table a column, constraint or index
    /// change is on is the one kept in focus.
    #[test]
    fn focus_follows_schema_qualified_tables() {
        let mut schema = String::new();
        for i in 0..100 {
            schema.push_str(&format!(
                "CREATE TABLE public.t{i:03} (id int PRIMARY KEY, a text);\n"
            ));
        }
        let a = analyze(
            Dialect::Postgres,
            Options::default(),
            &schema,
            "ALTER TABLE public.t050 ADD COLUMN x int;\nCREATE INDEX t070_a ON public.t070 (a);",
        );
        let touched = crate::diff::touched_tables(&a.changes, &a.before, &a.after);
        let names: Vec<&str> = touched.iter().map(String::as_str).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.ends_with("t050") || n.ends_with("t070")),
            "{names:?}"
        );
        let d = layout(&a.before, &a.after, &a.changes, Side::After, Some(10));
        for n in &names {
            assert!(d.tables.iter().any(|t| t.name == *n), "{n} not drawn");
        }
    }
}
