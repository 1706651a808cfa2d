//! The schema diagram: the core's ER layout drawn as SVG, before or after
//! the migration, with zoom (buttons, Ctrl/⌘+wheel, + and − keys) and pan
//! (drag, arrow keys). What the migration adds, changes or drops carries a
//! sign (+ − ~) as well as a colour.

use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use migplan_core::diagram::{Diagram, Shape, Side, TableBox, layout_shaped};
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent, PointerEvent, WheelEvent};
use yew::prelude::*;

use crate::components::{counted, mark_class, mark_sign};
use crate::state::{Analysis, SameAnalysis};

/// Tables drawn before a large schema is focused on the migration.
const LIMIT: usize = 60;

/// The box's height when the drawing cannot be legible whole: 26rem
/// (20rem on a phone).
const BOX_HEIGHT: f64 = 416.0;
const PHONE_BOX_HEIGHT: f64 = 320.0;

/// The scale at which the drawing's 12–13px text reads at 11px or more.
const LEGIBLE: f64 = 0.9;

/// What one zoom step multiplies by: two steps from a fitted large
/// schema reach legible text.
const ZOOM_STEP: f64 = 1.5;

#[derive(Properties)]
pub struct DiagramProps {
    pub analysis: Rc<Analysis>,
}

impl PartialEq for DiagramProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.analysis, &other.analysis)
    }
}

/// Up to this many tables, the whole drawing reads at "Fit": its box is
/// as tall as it needs (within two windows' height).
const FIT_TABLES: usize = 20;

/// Where the drawing is shown: the width of the panel and the height of
/// the window, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Screen {
    width: f64,
    window: f64,
}

impl Screen {
    /// Before the first draw: a desktop results column.
    const GUESS: Screen = Screen {
        width: 680.0,
        window: 800.0,
    };

    /// The panel's width (its toolbar spans it) and the window's height.
    fn measure(panel: &NodeRef) -> Self {
        let width = panel
            .cast::<Element>()
            .map(|el| el.get_bounding_client_rect().width())
            .filter(|w| *w > 0.0)
            .unwrap_or(Self::GUESS.width);
        let window_h = web_sys::window()
            .and_then(|w| w.inner_height().ok())
            .and_then(|h| h.as_f64())
            .unwrap_or(800.0);
        // In steps of 8 px: a scroll bar coming and going redraws nothing.
        Screen {
            width: (width / 8.0).floor() * 8.0,
            window: (window_h / 8.0).floor() * 8.0,
        }
    }

    fn phone(self) -> bool {
        self.width < 600.0
    }

    /// The tallest box: two windows for a drawing that reads whole.
    fn tallest(self) -> f64 {
        (self.window * 2.0).max(BOX_HEIGHT)
    }

    /// The drawing for this screen: all of it legible at "Fit" (its rows
    /// as wide as the panel at a legible scale) when it has up to
    /// [`FIT_TABLES`] tables or is no taller than most of the window;
    /// else in the shape of the usual box.
    fn layout(self, a: &Analysis, side: Side, limit: Option<usize>) -> Diagram {
        let m = a.model();
        let shaped = |shape| layout_shaped(&m.before, &m.after, &m.changes, side, limit, shape);
        let legible = shaped(Shape::Width(self.width / LEGIBLE));
        let room = if legible.tables.len() <= FIT_TABLES {
            self.tallest()
        } else {
            self.window * 0.8
        };
        if legible.height * LEGIBLE <= room {
            return legible;
        }
        let box_h = if self.phone() {
            PHONE_BOX_HEIGHT
        } else {
            BOX_HEIGHT
        };
        shaped(Shape::Aspect(self.width / box_h))
    }

    /// The box `d` is shown in: as wide as the panel, as tall as the whole
    /// drawing at its fitted scale (within bounds).
    fn frame(self, d: &Diagram) -> Frame {
        let scale = (self.width / d.width.max(1.0)).min(1.0);
        Frame {
            width: self.width,
            height: (d.height * scale).clamp(160.0, self.tallest()),
        }
    }
}

/// The [`Screen`] the panel measures, again when the window is resized.
#[hook]
fn use_screen(panel: &NodeRef) -> Screen {
    let screen = use_state_eq(|| Screen::GUESS);
    {
        let screen = screen.clone();
        let panel = panel.clone();
        use_effect_with((), move |_| {
            let measure = move || screen.set(Screen::measure(&panel));
            measure();
            let listener =
                web_sys::window().map(|w| EventListener::new(&w, "resize", move |_| measure()));
            move || drop(listener)
        });
    }
    *screen
}

/// The box the drawing is shown in, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    width: f64,
    height: f64,
}

/// The visible part of the drawing: x, y, width, height.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ViewBox(f64, f64, f64, f64);

impl ViewBox {
    /// All of the drawing, never zoomed in past 1:1 on a small schema.
    fn fit(d: &Diagram, frame: Frame) -> Self {
        let scale = (frame.width / d.width.max(1.0))
            .min(frame.height / d.height.max(1.0))
            .min(1.0);
        ViewBox(0.0, 0.0, frame.width / scale, frame.height / scale)
    }
    /// Zoom by `f` (< 1 zooms in) around the point (`cx`, `cy`) given as
    /// fractions of the view.
    fn zoom(self, f: f64, cx: f64, cy: f64) -> Self {
        let ViewBox(x, y, w, h) = self;
        let (nw, nh) = ((w * f).clamp(80.0, 40_000.0), (h * f).clamp(40.0, 40_000.0));
        ViewBox(x + (w - nw) * cx, y + (h - nh) * cy, nw, nh)
    }
    fn pan(self, dx: f64, dy: f64) -> Self {
        ViewBox(self.0 + dx, self.1 + dy, self.2, self.3)
    }

    /// Centred on `boxes` at a scale where text reads.
    fn around(boxes: &[&TableBox], frame: Frame) -> Option<Self> {
        let left = boxes.iter().map(|b| b.x).fold(f64::MAX, f64::min);
        let top = boxes.iter().map(|b| b.y).fold(f64::MAX, f64::min);
        let right = boxes.iter().map(|b| b.x + b.w).fold(f64::MIN, f64::max);
        let bottom = boxes.iter().map(|b| b.y + b.h).fold(f64::MIN, f64::max);
        if boxes.is_empty() {
            return None;
        }
        let w = (frame.width / LEGIBLE).max(200.0);
        let h = w * frame.height / frame.width.max(1.0);
        let (cx, cy) = ((left + right) / 2.0, (top + bottom) / 2.0);
        // The top of what is shown, when it is taller than the view.
        let y = if bottom - top > h {
            top - 20.0
        } else {
            cy - h / 2.0
        };
        Some(ViewBox(cx - w / 2.0, y, w, h))
    }

    /// How the drawing opens: all of it when that reads (or nothing is
    /// touched), else on the tables the migration touches, at a scale
    /// where they read.
    fn open(d: &Diagram, frame: Frame) -> Self {
        let whole = ViewBox::fit(d, frame);
        if frame.width / whole.2 >= LEGIBLE {
            return whole;
        }
        let touched: Vec<&TableBox> = d
            .tables
            .iter()
            .filter(|t| t.mark.is_some() || t.rows.iter().any(|r| r.mark.is_some()))
            .collect();
        // Many touched tables far apart: the first of them.
        let first: Vec<&TableBox> = touched.iter().take(1).copied().collect();
        let fits = |v: &ViewBox| touched.iter().all(|t| t.x >= v.0 && t.x + t.w <= v.0 + v.2);
        match ViewBox::around(&touched, frame) {
            Some(v) if fits(&v) => v,
            Some(_) => ViewBox::around(&first, frame).unwrap_or(whole),
            None => whole,
        }
    }
}

#[function_component]
pub fn SchemaDiagram(props: &DiagramProps) -> Html {
    let side = use_state(|| Side::After);
    // A large schema shows what the migration touches and its neighbours
    // unless asked for everything.
    let show_all = use_state(|| false);
    let panel_ref = use_node_ref();
    let screen = use_screen(&panel_ref);
    let diagram: Rc<Diagram> = use_memo(
        (
            SameAnalysis(props.analysis.clone()),
            *side,
            *show_all,
            screen,
        ),
        |(a, side, all, screen)| screen.layout(&a.0, *side, (!*all).then_some(LIMIT)),
    );
    let frame = screen.frame(&diagram);
    let on_show_all = {
        let show_all = show_all.clone();
        Callback::from(move |_: MouseEvent| show_all.set(!*show_all))
    };
    let view = use_state(|| ViewBox::fit(&diagram, frame));
    let svg_ref = use_node_ref();
    // The table found by name, drawn highlighted.
    let found = use_state(|| None::<String>);
    let full = use_state(|| false);
    {
        // A new drawing opens whole when it reads, else on what the
        // migration touches.
        let view = view.clone();
        use_effect_with((diagram.clone(), frame), move |(d, frame)| {
            view.set(ViewBox::open(d, *frame));
        });
    }
    // Ctrl/⌘ + wheel zooms around the pointer (a plain wheel scrolls the
    // page, as users expect); the listener must not be passive to do so.
    {
        let svg_ref = svg_ref.clone();
        let view = view.clone();
        use_effect_with((svg_ref.clone(), *view), move |_| {
            let listener = svg_ref.cast::<Element>().map(|el| {
                let target = el.clone();
                EventListener::new_with_options(
                    &el,
                    "wheel",
                    EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let Some(e) = e.dyn_ref::<WheelEvent>() else {
                            return;
                        };
                        if !(e.ctrl_key() || e.meta_key()) {
                            return;
                        }
                        e.prevent_default();
                        let r = target.get_bounding_client_rect();
                        let cx = (e.client_x() as f64 - r.left()) / r.width().max(1.0);
                        let cy = (e.client_y() as f64 - r.top()) / r.height().max(1.0);
                        let f = if e.delta_y() > 0.0 { 1.15 } else { 1.0 / 1.15 };
                        view.set(view.zoom(f, cx, cy));
                    },
                )
            });
            move || drop(listener)
        });
    }
    // Dragging pans: the pointer position where the drag started.
    let drag = use_mut_ref(|| None::<(f64, f64, ViewBox)>);
    let onpointerdown = {
        let drag = drag.clone();
        let view = view.clone();
        let svg_ref = svg_ref.clone();
        Callback::from(move |e: PointerEvent| {
            // Captured by the drawing itself, so moves outside it still pan.
            if let Some(el) = svg_ref.cast::<Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            *drag.borrow_mut() = Some((e.client_x() as f64, e.client_y() as f64, *view));
        })
    };
    let onpointermove = {
        let drag = drag.clone();
        let view = view.clone();
        let svg_ref = svg_ref.clone();
        Callback::from(move |e: PointerEvent| {
            let Some((x0, y0, start)) = *drag.borrow() else {
                return;
            };
            let Some(el) = svg_ref.cast::<Element>() else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let scale = start.2 / r.width().max(1.0);
            let (dx, dy) = (e.client_x() as f64 - x0, e.client_y() as f64 - y0);
            view.set(start.pan(-dx * scale, -dy * scale));
        })
    };
    let onpointerup = {
        let drag = drag.clone();
        Callback::from(move |_: PointerEvent| *drag.borrow_mut() = None)
    };
    let onkeydown = {
        let view = view.clone();
        let diagram = diagram.clone();
        Callback::from(move |e: KeyboardEvent| {
            let v = *view;
            let step = v.2 * 0.1;
            let next = match e.key().as_str() {
                "+" | "=" => v.zoom(1.0 / ZOOM_STEP, 0.5, 0.5),
                "-" | "_" => v.zoom(ZOOM_STEP, 0.5, 0.5),
                "0" => ViewBox::fit(&diagram, frame),
                "ArrowLeft" => v.pan(-step, 0.0),
                "ArrowRight" => v.pan(step, 0.0),
                "ArrowUp" => v.pan(0.0, -step),
                "ArrowDown" => v.pan(0.0, step),
                _ => return,
            };
            e.prevent_default();
            view.set(next);
        })
    };
    let zoom_by = |f: f64| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(view.zoom(f, 0.5, 0.5)))
    };
    let fit = {
        let view = view.clone();
        let diagram = diagram.clone();
        Callback::from(move |_: MouseEvent| view.set(ViewBox::fit(&diagram, frame)))
    };
    let on_find = {
        let (view, found, diagram) = (view.clone(), found.clone(), diagram.clone());
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            let name = input.value();
            let hit = diagram.tables.iter().find(|t| t.name == name);
            if let Some(v) = hit.and_then(|t| ViewBox::around(&[t], frame)) {
                view.set(v);
            }
            found.set(hit.map(|t| t.name.clone()));
        })
    };
    let on_full = {
        let full = full.clone();
        Callback::from(move |_: MouseEvent| full.set(!*full))
    };
    let on_panel_key = {
        let full = full.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *full {
                full.set(false);
            }
        })
    };
    let pick = |s: Side| {
        let side = side.clone();
        Callback::from(move |_: MouseEvent| side.set(s))
    };

    let d = &*diagram;
    let ViewBox(x, y, w, h) = *view;
    let changed = d
        .tables
        .iter()
        .filter(|t| t.mark.is_some() || t.rows.iter().any(|r| r.mark.is_some()))
        .count();
    let summary = format!(
        "{}, {}; {changed} touched by the migration",
        counted(d.tables.len(), "table", "tables"),
        counted(d.edges.len(), "foreign key", "foreign keys"),
    );
    let edges: Html = d
        .edges
        .iter()
        .map(|e| {
            html! {
                <path class={classes!("er-edge", mark_class(e.mark))} d={e.path.clone()} marker-end="url(#er-arrow)">
                    <title>{ format!("{}{} → {} ({})", mark_sign(e.mark), e.from, e.to, e.name) }</title>
                </path>
            }
        })
        .collect();
    let tables: Html = d
        .tables
        .iter()
        .map(|t| {
            let rows = t.rows.iter().enumerate().map(|(i, r)| {
                let key = match (r.pk, r.fk) {
                    (true, true) => "PK FK",
                    (true, false) => "PK",
                    (false, true) => "FK",
                    _ => "",
                };
                let ty = 26.0 + 13.0 + i as f64 * 18.0;
                html! {
                    <text class={classes!("er-row", mark_class(r.mark))} x="8" y={ty.to_string()}>
                        <tspan class="er-key">{ if key.is_empty() { "" } else { key } }</tspan>
                        <tspan x="44">{ format!("{}{}", mark_sign(r.mark), r.name) }</tspan>
                        <tspan class="er-type">{ format!(" {}", r.data_type) }</tspan>
                    </text>
                }
            });
            let more = (t.more > 0).then(|| {
                let ty = 26.0 + 13.0 + t.rows.len() as f64 * 18.0;
                html! { <text class="er-more" x="44" y={ty.to_string()}>{ format!("+{} more columns", t.more) }</text> }
            });
            html! {
                <g class={classes!("er-table", mark_class(t.mark), (found.as_deref() == Some(t.name.as_str())).then_some("found"))} transform={format!("translate({:.0},{:.0})", t.x, t.y)} data-table={t.name.clone()}>
                    <rect class="er-box" width={format!("{:.0}", t.w)} height={format!("{:.0}", t.h)} rx="5" />
                    <rect class="er-head" width={format!("{:.0}", t.w)} height="26" rx="5" />
                    <text class="er-name" x="8" y="18">{ format!("{}{}", mark_sign(t.mark), t.name) }</text>
                    { for rows }
                    { for more }
                </g>
            }
        })
        .collect();

    html! {
        <section class={classes!("panel", "diagram", full.then_some("fullscreen"))} id="diagram-panel" aria-labelledby="diagram-title" onkeydown={on_panel_key}>
            <h2 id="diagram-title">{ "Schema diagram" }<span class="summary">{ summary.clone() }</span></h2>
            <div class="plan-tools" ref={panel_ref}>
                <div class="tabs" role="tablist" aria-label="Diagram of the schema">
                    <button type="button" role="tab" id="diagram-before" aria-selected={(*side == Side::Before).to_string()} onclick={pick(Side::Before)}>{ "Before" }</button>
                    <button type="button" role="tab" id="diagram-after" aria-selected={(*side == Side::After).to_string()} onclick={pick(Side::After)}>{ "After" }</button>
                </div>
                <button type="button" class="secondary" id="diagram-zoom-in" aria-label="Zoom in" onclick={zoom_by(1.0 / ZOOM_STEP)}>{ "+" }</button>
                <button type="button" class="secondary" id="diagram-zoom-out" aria-label="Zoom out" onclick={zoom_by(ZOOM_STEP)}>{ "−" }</button>
                <button type="button" class="secondary" id="diagram-fit" onclick={fit}>{ "Fit" }</button>
                <button type="button" class="secondary" id="diagram-full" aria-pressed={full.to_string()} onclick={on_full}>
                    { if *full { "Close full screen" } else { "Full screen" } }
                </button>
                <label class="find">{ "Find a table " }
                    <input type="search" id="diagram-find" list="diagram-tables" onchange={on_find} placeholder="name" />
                </label>
                <datalist id="diagram-tables">
                    { for d.tables.iter().map(|t| html! { <option value={t.name.clone()} /> }) }
                </datalist>
                <span class="hint">{ "Drag to pan, Ctrl+wheel or +/− to zoom." }</span>
            </div>
            if d.hidden > 0 || *show_all {
                <p class="hint" id="diagram-focus">
                    { if d.hidden > 0 {
                        format!("Showing {} of {} tables: those the migration touches, their neighbours, then the first by name. ", d.tables.len(), d.tables.len() + d.hidden)
                    } else { String::new() } }
                    <button type="button" class="secondary" id="diagram-all" onclick={on_show_all}>
                        { if *show_all { "Focus on the migration".to_string() } else { format!("Show all {} tables", d.tables.len() + d.hidden) } }
                    </button>
                </p>
            }
            if d.tables.is_empty() {
                <p class="empty">{ "No tables yet: paste a schema or a migration that creates one." }</p>
            } else {
                <svg ref={svg_ref} id="diagram" class="er" role="img" tabindex="0" aria-label={summary}
                    viewBox={format!("{x:.0} {y:.0} {w:.0} {h:.0}")} preserveAspectRatio="xMidYMin meet"
                    style={format!("--box-height: {:.0}px", frame.height)}
                    {onpointerdown} {onpointermove} onpointerup={onpointerup.clone()} onpointercancel={onpointerup} {onkeydown}>
                    <defs>
                        <marker id="er-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0 0 L10 5 L0 10 z" class="er-arrowhead" />
                        </marker>
                    </defs>
                    { edges }
                    { tables }
                </svg>
                <ul class="legend">
                    <li><span class="mark added">{ "+ added" }</span></li>
                    <li><span class="mark changed">{ "~ changed" }</span></li>
                    <li><span class="mark removed">{ "− dropped" }</span></li>
                    <li class="hint">{ "PK primary key · FK foreign key; other columns are counted." }</li>
                </ul>
            }
        </section>
    }
}
