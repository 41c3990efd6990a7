//! The cluster diagram: zones as regions, nodes as boxes holding their pods (colour, symbol and
//! text for the status), requested CPU and memory against allocatable, and a tray of pods
//! waiting for a node with the scheduler's reason; beside the cluster its Ingresses, Services
//! and storage (`side.rs`) and the requests sent through them (`traffic.rs`). Nodes are dragged
//! (or moved with the arrow keys) to lay the diagram out, and into another zone to relabel
//! them; a waiting pod dragged onto a node asks the scheduler to bind it there. Each node has a
//! menu of actions. The view pans and zooms (wheel, background drag, keys, buttons) by one
//! transform; a dragged node is a copy on its own layer until it is dropped, so a gesture never
//! makes the browser lay out or paint the thousand shapes of a big cluster again.

mod side;
mod traffic;

use crate::lab::{Lab, NodeAction, Selected};
use crate::layout::{self, CHIP_HEIGHT, CHIP_WIDTH, Camera, NODE_WIDTH, Point, Region};
use crate::storage;
use leptos::prelude::*;
use sim_core::view::{Allocation, NodeView, PodView, Tone, ZONE_LABEL};
use std::collections::{BTreeMap, BTreeSet};
use wasm_bindgen::JsCast;

/// Canvas units an arrow key moves a focused node (four times that with Shift).
const KEY_STEP: f64 = 12.0;
/// Panel pixels an arrow key pans the focused view.
const PAN_STEP: f64 = 48.0;
/// Pointer travel (in pixels) before a press becomes a drag rather than a click.
const DRAG_THRESHOLD: f64 = 4.0;
/// What one press of a zoom button or key does.
const ZOOM_STEP: f64 = 1.25;
/// Zoom per pixel of wheel travel.
const WHEEL_ZOOM: f64 = 0.0015;
/// The wheel has rested (the zoom gesture is over) after this long without an event.
const WHEEL_REST: std::time::Duration = std::time::Duration::from_millis(200);

/// What the pointer is dragging.
#[derive(Clone, Debug)]
enum Drag {
    Node {
        name: String,
        from: Point,
        pointer: Point,
        scale: f64,
        moved: bool,
    },
    Pod {
        namespace: String,
        name: String,
        pointer: Point,
        scale: f64,
    },
    /// The background: the view pans.
    View {
        pointer: Point,
        start: Camera,
        moved: bool,
    },
}

/// Where a node menu opened (the page coordinates of its button).
#[derive(Clone, Debug, PartialEq)]
struct MenuAt {
    node: String,
    left: f64,
    top: f64,
}

/// The canvas as drawn: its size, where the tray starts and how many chips fit across it, and
/// the right edge of the nodes and zones (the side columns start there).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Canvas {
    width: f64,
    height: f64,
    tray_y: f64,
    columns: usize,
    right: f64,
}

/// The diagram's own state: layout and gestures, never cluster state.
#[derive(Clone, Copy)]
struct DiagramState {
    drag: StoredValue<Option<Drag>>,
    /// The cover over the page during a drag (and the dragged node's copy in it).
    cover: StoredValue<Option<web_sys::Element>, LocalStorage>,
    /// The waiting pod being dragged (`namespace/name`) and how far it moved.
    pod_offset: RwSignal<Option<(String, Point)>>,
    /// The node being dragged and where it started: zone regions are drawn without it.
    dragging_node: RwSignal<Option<(String, Point)>>,
    /// A drag just ended: the click that follows is not a selection.
    suppress_click: StoredValue<bool>,
    /// Positions people chose, by node name (the rest follow the default layout).
    saved: RwSignal<BTreeMap<String, Point>>,
    storage_key: StoredValue<String>,
    menu: RwSignal<Option<MenuAt>>,
    /// The node whose taint form is open.
    taint_form: RwSignal<Option<String>>,
    members: Memo<Vec<(String, Option<String>)>>,
    height: Memo<f64>,
    positions: Memo<BTreeMap<String, Point>>,
    canvas: Memo<Canvas>,
    camera: RwSignal<Camera>,
    /// The view follows "Fit" until someone pans or zooms.
    fitted: RwSignal<bool>,
    /// The panel's size in pixels.
    panel: RwSignal<(f64, f64)>,
    /// The view is being dragged or wheel-zoomed: its drawing moves as one layer (scaled, not
    /// drawn again, until the gesture ends).
    moving: RwSignal<bool>,
    /// Counts wheel events, so only the last one's timer ends the zoom gesture.
    wheel_turns: StoredValue<u64>,
    /// Where each pod's chip is on the canvas, by `namespace/name`.
    chips: Memo<BTreeMap<String, Point>>,
}

impl DiagramState {
    fn save(&self) {
        let text = self.saved.with_untracked(layout::encode);
        storage::set(&self.storage_key.get_value(), &text);
    }

    /// The zone regions without `moving` (so a node never lands in the region drawn around
    /// itself), and the empty region for a new zone, right of every node (the moving one
    /// counted where it started, so the region stays put under the pointer).
    fn regions_without(&self, moving: Option<(&str, Point)>) -> (Vec<Region>, Region) {
        let height = self.height.get();
        self.members.with(|members| {
            self.positions.with(|positions| {
                let others: Vec<_> = members
                    .iter()
                    .filter(|(n, _)| Some(n.as_str()) != moving.map(|m| m.0))
                    .cloned()
                    .collect();
                let mut placed = positions.clone();
                if let Some((node, start)) = moving {
                    placed.insert(node.to_string(), start);
                }
                let used: BTreeSet<String> =
                    members.iter().filter_map(|(_, z)| z.clone()).collect();
                let fresh = layout::new_zone_region(layout::next_zone_name(&used), &placed, height);
                (layout::zone_regions(&others, positions, height), fresh)
            })
        })
    }

    /// After a node moved from `start`: if it now sits in another zone, relabel it there.
    fn settle_zone(&self, lab: Lab, node: &str, start: Point) {
        let Some(origin) = self.positions.with_untracked(|p| p.get(node).copied()) else {
            return;
        };
        let (regions, fresh) = untrack(|| self.regions_without(Some((node, start))));
        let height = self.height.get_untracked();
        let current = self.members.with_untracked(|m| {
            m.iter().find(|(n, _)| n == node).and_then(|(_, zone)| zone.clone())
        });
        let all: Vec<Region> = regions.into_iter().chain([fresh]).collect();
        if let Some(target) = layout::zone_at(&all, origin, height)
            && current.as_deref() != Some(target.zone.as_str())
        {
            lab.run(&format!("kubectl label node {node} {ZONE_LABEL}={} --overwrite", target.zone));
        }
    }

    /// The view as "Fit" puts it now.
    fn fit(&self) -> Camera {
        let canvas = self.canvas.get_untracked();
        Camera::fit((canvas.width, canvas.height), self.panel.get_untracked())
    }

    /// Zooms by `factor` around a point of the panel (its centre when `None`).
    fn zoom(&self, factor: f64, at: Option<Point>) {
        let (w, h) = self.panel.get_untracked();
        let at = at.unwrap_or((w / 2.0, h / 2.0));
        let fit = self.fit().scale;
        self.fitted.set(false);
        self.camera.update(|c| *c = c.zoom_at(factor, at, fit));
    }

    /// Canvas units per screen pixel, for turning pointer travel into canvas travel.
    fn canvas_per_pixel(&self) -> f64 {
        1.0 / self.camera.get_untracked().scale
    }

    /// Covers the page while the pointer drags a node or the view: every move then hits one
    /// element instead of being tested against the whole drawing. A dragged node travels as a
    /// copy on its own layer in the cover, so moving it repaints nothing else.
    fn cover_page(&self, node: Option<&str>) {
        self.uncover();
        let document = document();
        let Ok(cover) = document.create_element("div") else { return };
        cover.set_class_name("drag-cover");
        let _ = cover.set_attribute("aria-hidden", "true");
        if let Some(name) = node
            && let Some(ghost) = ghost_of(name)
        {
            let _ = cover.append_child(&ghost);
        }
        if let Some(body) = document.body() {
            let _ = body.append_child(&cover);
        }
        self.cover.set_value(Some(cover));
    }

    /// Moves the dragged node's copy by `delta` screen pixels.
    fn move_ghost(&self, delta: Point) {
        self.cover.with_value(|cover| {
            if let Some(ghost) = cover.as_ref().and_then(|c| c.first_element_child()) {
                let _ = ghost.set_attribute(
                    "style",
                    &format!(
                        "{}; transform: translate({:.1}px, {:.1}px)",
                        ghost.get_attribute("data-at").unwrap_or_default(),
                        delta.0,
                        delta.1
                    ),
                );
            }
        });
    }

    fn uncover(&self) {
        if let Some(cover) = self.cover.try_update_value(Option::take).flatten() {
            cover.remove();
        }
    }
}

/// A copy of a node's box in an SVG of its own, placed over the node on the screen.
fn ghost_of(node: &str) -> Option<web_sys::Element> {
    const SVG: &str = "http://www.w3.org/2000/svg";
    let document = document();
    let original = document.query_selector(&format!("[data-node='{node}']")).ok()??;
    let rect = original.query_selector(".node-box").ok()??.get_bounding_client_rect();
    let height = original.query_selector(".node-box").ok()??.get_attribute("height")?;
    let copy: web_sys::Element = original.clone_node_with_deep(true).ok()?.dyn_into().ok()?;
    let _ = copy.remove_attribute("transform");
    let class = copy.get_attribute("class").unwrap_or_default();
    let _ = copy.set_attribute("class", &format!("{class} dragging-copy"));
    let ghost = document.create_element_ns(Some(SVG), "svg").ok()?;
    let _ = ghost.set_attribute("class", "drag-ghost");
    let _ = ghost.set_attribute("viewBox", &format!("0 0 {NODE_WIDTH} {height}"));
    let _ = ghost.set_attribute("width", &format!("{:.1}", rect.width()));
    let _ = ghost.set_attribute("height", &format!("{:.1}", rect.height()));
    let at = format!("left: {:.1}px; top: {:.1}px", rect.left(), rect.top());
    let _ = ghost.set_attribute("data-at", &at);
    let _ = ghost.set_attribute("style", &at);
    let _ = ghost.append_child(&copy);
    Some(ghost)
}

/// The node under a point of the page, if any.
fn node_at(x: f64, y: f64) -> Option<String> {
    let element = document().element_from_point(x as f32, y as f32)?;
    element.closest("[data-node]").ok().flatten()?.get_attribute("data-node")
}

#[component]
pub fn Diagram() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let storage_key = layout::storage_key(None);
    let saved = storage::get(&storage_key).map(|text| layout::decode(&text)).unwrap_or_default();
    let saved = RwSignal::new(saved);
    let members = Memo::new(move |_| {
        lab.view
            .with(|v| v.nodes.iter().map(|n| (n.name.clone(), n.zone.clone())).collect::<Vec<_>>())
    });
    let rows = Memo::new(move |_| {
        lab.view.with(|v| v.nodes.iter().map(|n| layout::rows_for(n.pods.len())).max().unwrap_or(0))
    });
    let height = Memo::new(move |_| layout::node_height(rows.get()));
    let positions = Memo::new(move |_| {
        let height = height.get();
        members.with(|members| {
            let mut positions = layout::default_positions(members, height);
            saved.with(|saved| {
                for (name, origin) in positions.iter_mut() {
                    if let Some(chosen) = saved.get(name) {
                        *origin = *chosen;
                    }
                }
            });
            positions
        })
    });
    let chips = Memo::new(move |_| {
        positions.with(|positions| {
            lab.view.with(|v| {
                let mut chips = BTreeMap::new();
                for node in &v.nodes {
                    let Some(&(x, y)) = positions.get(&node.name) else { continue };
                    for (i, pod) in node.pods.iter().enumerate() {
                        let (cx, cy) = layout::chip_origin(i);
                        chips.insert(format!("{}/{}", pod.namespace, pod.name), (x + cx, y + cy));
                    }
                }
                chips
            })
        })
    });
    let dragging_node = RwSignal::new(None::<(String, Point)>);
    let side_heights = side::column_heights(lab);
    // Frozen while a node is dragged (set in the `canvas` memo below through `previous`).
    let canvas = Memo::new(move |previous: Option<&Canvas>| {
        if dragging_node.with(Option::is_some)
            && let Some(previous) = previous
        {
            return *previous;
        }
        let height = height.get();
        let used: BTreeSet<String> =
            members.with(|m| m.iter().filter_map(|(_, z)| z.clone()).collect());
        let (width, tray_y) = members.with(|members| {
            positions.with(|p| {
                let fresh = layout::new_zone_region(layout::next_zone_name(&used), p, height);
                let all: Vec<Region> =
                    layout::zone_regions(members, p, height).into_iter().chain([fresh]).collect();
                layout::canvas(p, &all, height)
            })
        });
        let right = width - layout::GAP;
        let (columns_used, side_bottom) = side_heights.with(|columns| {
            let used = columns.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
            let bottom = columns.iter().map(|c| layout::side_bottom(c)).fold(0.0, f64::max);
            (used, bottom)
        });
        let width = if columns_used == 0 { width } else { layout::side_x(right, columns_used) };
        let tray_y = tray_y.max(side_bottom + layout::GAP);
        let columns = layout::tray_columns(width);
        let pending = lab.view.with(|v| v.unscheduled.len());
        let total = tray_y + layout::tray_height(pending, columns) + layout::GAP;
        Canvas { width, height: total, tray_y, columns, right }
    });
    let state = DiagramState {
        drag: StoredValue::new(None),
        cover: StoredValue::new_local(None),
        pod_offset: RwSignal::new(None),
        dragging_node,
        suppress_click: StoredValue::new(false),
        saved,
        storage_key: StoredValue::new(storage_key),
        menu: RwSignal::new(None),
        taint_form: RwSignal::new(None),
        members,
        height,
        positions,
        canvas,
        camera: RwSignal::new(Camera { x: 0.0, y: 0.0, scale: 1.0 }),
        fitted: RwSignal::new(true),
        panel: RwSignal::new((0.0, 0.0)),
        moving: RwSignal::new(false),
        wheel_turns: StoredValue::new(0),
        chips,
    };
    provide_context(state);
    provide_context(side::places(lab, Signal::derive(move || canvas.get().right)));
    traffic::provide(lab);
    let zones = Memo::new(move |_| {
        let dragged = dragging_node.get();
        state.regions_without(dragged.as_ref().map(|(n, p)| (n.as_str(), *p)))
    });
    // Until someone pans or zooms, the view keeps the whole cluster in the panel.
    Effect::new(move |_| {
        let canvas = canvas.get();
        let panel = state.panel.get();
        if state.fitted.get() {
            state.camera.set(Camera::fit((canvas.width, canvas.height), panel));
        }
    });
    let viewport = NodeRef::<leptos::html::Div>::new();
    watch_size(viewport, state.panel);

    let move_handle = window_event_listener(leptos::ev::pointermove, move |ev| {
        let point = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let mut cover_for = None;
        state.drag.update_value(|drag| match drag {
            Some(Drag::Node { name, from, pointer, moved, .. }) => {
                let delta = (point.0 - pointer.0, point.1 - pointer.1);
                if !*moved && delta.0.hypot(delta.1) < DRAG_THRESHOLD {
                    return;
                }
                if !*moved {
                    *moved = true;
                    cover_for = Some(Some((name.clone(), *from)));
                } else {
                    state.move_ghost(delta);
                }
            }
            Some(Drag::Pod { namespace, name, pointer, scale }) => {
                let offset = ((point.0 - pointer.0) * *scale, (point.1 - pointer.1) * *scale);
                state.pod_offset.set(Some((format!("{namespace}/{name}"), offset)));
            }
            Some(Drag::View { pointer, start, moved }) => {
                let delta = (point.0 - pointer.0, point.1 - pointer.1);
                if !*moved && delta.0.hypot(delta.1) < DRAG_THRESHOLD {
                    return;
                }
                if !*moved {
                    *moved = true;
                    cover_for = Some(None);
                    state.moving.set(true);
                }
                state.fitted.set(false);
                state.camera.set(start.pan(delta));
            }
            None => {}
        });
        // Outside `update_value`: covering reads the drawing and sets signals.
        match cover_for {
            Some(Some((name, from))) => {
                state.cover_page(Some(&name));
                dragging_node.set(Some((name, from)));
            }
            Some(None) => state.cover_page(None),
            None => {}
        }
    });
    let up_handle = window_event_listener(leptos::ev::pointerup, move |ev| {
        let Some(drag) = state.drag.try_update_value(Option::take).flatten() else { return };
        state.uncover();
        let point = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        match drag {
            Drag::Node { name, moved, from, pointer, scale } => {
                if moved {
                    state.suppress_click.set_value(true);
                    let delta = (point.0 - pointer.0, point.1 - pointer.1);
                    let origin =
                        layout::clamp((from.0 + delta.0 * scale, from.1 + delta.1 * scale));
                    state.saved.update(|saved| {
                        saved.insert(name.clone(), origin);
                    });
                    dragging_node.set(None);
                    state.save();
                    state.settle_zone(lab, &name, from);
                }
            }
            Drag::Pod { namespace, name, pointer, .. } => {
                state.pod_offset.set(None);
                if (point.0 - pointer.0).hypot(point.1 - pointer.1) < DRAG_THRESHOLD {
                    return;
                }
                state.suppress_click.set_value(true);
                if let Some(node) = node_at(point.0, point.1) {
                    lab.bind(&namespace, &name, &node);
                }
            }
            Drag::View { moved, .. } => {
                state.moving.set(false);
                if moved {
                    state.suppress_click.set_value(true);
                }
            }
        }
    });
    // A press outside an open menu closes it.
    let press_handle = window_event_listener(leptos::ev::pointerdown, move |ev| {
        let inside = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest(".node-menu, .node-menu-button").ok().flatten())
            .is_some();
        if !inside && state.menu.with_untracked(Option::is_some) {
            state.menu.set(None);
        }
    });
    on_cleanup(move || {
        move_handle.remove();
        up_handle.remove();
        press_handle.remove();
        state.uncover();
    });

    // A press on the background (no node or pod took it) pans the view.
    let on_pointerdown = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 || state.drag.with_value(Option::is_some) {
            return;
        }
        if in_form(&ev) {
            return;
        }
        state.suppress_click.set_value(false);
        state.drag.set_value(Some(Drag::View {
            pointer: (f64::from(ev.client_x()), f64::from(ev.client_y())),
            start: state.camera.get_untracked(),
            moved: false,
        }));
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        if in_form(&ev) {
            return;
        }
        ev.prevent_default();
        let Some(panel) = viewport.get_untracked() else { return };
        let rect = panel.get_bounding_client_rect();
        // Lines and pages of scrolling count as 16 and 400 pixels, as browsers do.
        let unit = match ev.delta_mode() {
            1 => 16.0,
            2 => 400.0,
            _ => 1.0,
        };
        let factor = (-ev.delta_y() * unit * WHEEL_ZOOM).exp();
        let at = (f64::from(ev.client_x()) - rect.left(), f64::from(ev.client_y()) - rect.top());
        // A run of wheel events is one gesture: the drawing is scaled as a layer until the
        // wheel rests, then drawn sharp at the new scale.
        if !state.moving.get_untracked() {
            state.moving.set(true);
        }
        let turn = state.wheel_turns.get_value() + 1;
        state.wheel_turns.set_value(turn);
        set_timeout(
            move || {
                if state.wheel_turns.get_value() == turn && state.drag.with_value(Option::is_none) {
                    state.moving.set(false);
                }
            },
            WHEEL_REST,
        );
        state.zoom(factor, Some(at));
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || in_form(&ev) {
            return;
        }
        let on_panel =
            ev.target().is_some_and(|t| ev.current_target().is_some_and(|c| c.loose_eq(&t)));
        let pan = |by: Point| {
            state.fitted.set(false);
            state.camera.update(|c| *c = c.pan(by));
        };
        match ev.key().as_str() {
            "+" | "=" => state.zoom(ZOOM_STEP, None),
            "-" | "_" => state.zoom(1.0 / ZOOM_STEP, None),
            "0" => state.fitted.set(true),
            "ArrowLeft" if on_panel => pan((PAN_STEP, 0.0)),
            "ArrowRight" if on_panel => pan((-PAN_STEP, 0.0)),
            "ArrowUp" if on_panel => pan((0.0, PAN_STEP)),
            "ArrowDown" if on_panel => pan((0.0, -PAN_STEP)),
            _ => return,
        }
        ev.prevent_default();
    };

    view! {
        <section class="diagram-panel" aria-label="Cluster diagram">
            <div class="diagram-toolbar" role="toolbar" aria-label="Diagram">
                <button type="button" on:click=move |_| lab.add_node() title="A new worker joins the cluster (kubeadm join)">
                    "Add node"
                </button>
                <button type="button" aria-label="Zoom out" title="Zoom out (−)" on:click=move |_| state.zoom(1.0 / ZOOM_STEP, None)>
                    "−"
                </button>
                <button type="button" aria-label="Zoom in" title="Zoom in (+)" on:click=move |_| state.zoom(ZOOM_STEP, None)>
                    "+"
                </button>
                <button type="button" title="Fit the whole cluster in view (0)" aria-pressed=move || state.fitted.get().to_string() on:click=move |_| state.fitted.set(true)>
                    "Fit"
                </button>
                <button
                    type="button"
                    title="Forget where nodes were moved"
                    on:click=move |_| {
                        saved.set(BTreeMap::new());
                        state.save();
                    }
                >
                    "Reset layout"
                </button>
                <traffic::SendButton />
                <Notice />
            </div>
            <div
                class="diagram-viewport"
                node_ref=viewport
                tabindex="0"
                role="group"
                aria-label="Cluster view"
                aria-roledescription="zoomable diagram"
                aria-description="+ and − zoom, 0 fits the cluster, arrow keys pan; drag the background to pan, the wheel zooms"
                aria-keyshortcuts="+ - 0"
                on:pointerdown=on_pointerdown
                on:wheel=on_wheel
                on:keydown=on_keydown
            >
                <svg
                    class="diagram"
                    class:moving=move || state.moving.get()
                    width=move || format!("{:.0}", canvas.get().width)
                    height=move || format!("{:.0}", canvas.get().height)
                    viewBox=move || {
                        let c = canvas.get();
                        format!("0 0 {:.0} {:.0}", c.width, c.height)
                    }
                    style=move || {
                        let c = state.camera.get();
                        format!("transform: translate({:.1}px, {:.1}px) scale({:.4})", c.x, c.y, c.scale)
                    }
                    role="group"
                    aria-label="Cluster"
                >
                    {move || {
                        zones
                            .get()
                            .0
                            .into_iter()
                            .map(|region| view! { <ZoneRegion region fresh=false /> })
                            .collect_view()
                    }}
                    {move || view! { <ZoneRegion region=zones.get().1 fresh=true /> }}
                    <For
                        each=move || members.get()
                        key=|(name, _)| name.clone()
                        children=move |(name, _)| view! { <NodeBox name /> }
                    />
                    <side::Side />
                    <PendingTray
                        tray_y=Signal::derive(move || canvas.get().tray_y)
                        width=Signal::derive(move || canvas.get().width)
                        columns=Signal::derive(move || canvas.get().columns)
                    />
                    <traffic::Packets />
                </svg>
                <traffic::TrafficForm />
            </div>
            <NodeMenu />
            <TaintForm />
        </section>
    }
}

/// Whether an event happened in the "Send requests" form over the view (its keys, wheel and
/// presses are the form's, not the view's).
fn in_form(ev: &web_sys::Event) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest(".traffic-form").ok().flatten())
        .is_some()
}

/// Keeps `size` at the element's size in pixels as the window or the grid around it changes.
fn watch_size(element: NodeRef<leptos::html::Div>, size: RwSignal<(f64, f64)>) {
    use wasm_bindgen::closure::Closure;
    Effect::new(move |observer: Option<Option<web_sys::ResizeObserver>>| {
        if let Some(Some(observer)) = observer {
            return Some(observer);
        }
        let target = element.get()?;
        let measure = move || {
            if let Some(target) = element.get_untracked() {
                let next = (f64::from(target.client_width()), f64::from(target.client_height()));
                if size.get_untracked() != next {
                    size.set(next);
                }
            }
        };
        measure();
        let callback = Closure::<dyn FnMut()>::new(measure);
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        observer.observe(&target);
        // The observer lives as long as the page.
        callback.forget();
        Some(observer)
    });
}

#[component]
fn Notice() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let text = move |refused: bool| {
        lab.notice.with(|n| n.as_ref().filter(|n| n.refused == refused).map(|n| n.text.clone()))
    };
    view! {
        <p class="diagram-notice" role="status">{move || text(false)}</p>
        <p class="diagram-notice refused" role="alert">{move || text(true)}</p>
    }
}

#[component]
fn ZoneRegion(region: Region, fresh: bool) -> impl IntoView {
    let label =
        if fresh { format!("{}: drop a node here", region.zone) } else { region.zone.clone() };
    view! {
        <g class="zone" class:zone-new=fresh role="group" aria-label=format!("Zone {}", region.zone)>
            <rect x=region.x y=region.y width=region.width height=region.height rx="18" />
            <text x=region.x + 14.0 y=region.y + 22.0>{label}</text>
        </g>
    }
}

#[component]
fn NodeBox(name: String) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let state = expect_context::<DiagramState>();
    let node = Memo::new({
        let name = name.clone();
        move |_| lab.view.with(|v| v.nodes.iter().find(|n| n.name == name).cloned())
    });
    let pods =
        Memo::new(move |_| node.with(|n| n.as_ref().map(|n| n.pods.clone()).unwrap_or_default()));
    let read = move |f: fn(&NodeView) -> String| {
        move || node.with(|n| n.as_ref().map(f).unwrap_or_default())
    };
    let origin = Memo::new({
        let name = name.clone();
        move |_| state.positions.with(|p| p.get(&name).copied().unwrap_or_default())
    });
    let not_ready =
        move || node.with(|n| n.as_ref().is_some_and(|n| !n.status.starts_with("Ready")));
    let cordoned =
        move || node.with(|n| n.as_ref().is_some_and(|n| n.status.contains("SchedulingDisabled")));
    let dragging = {
        let name = name.clone();
        move || state.dragging_node.with(|d| d.as_ref().is_some_and(|(n, _)| *n == name))
    };
    let selected = {
        let name = name.clone();
        move || lab.selected.with(|s| matches!(s, Some(Selected::Node(n)) if *n == name))
    };

    let on_pointerdown = {
        let name = name.clone();
        move |ev: leptos::ev::PointerEvent| {
            if ev.button() != 0 {
                return;
            }
            state.suppress_click.set_value(false);
            let scale = state.canvas_per_pixel();
            state.drag.set_value(Some(Drag::Node {
                name: name.clone(),
                from: origin.get_untracked(),
                pointer: (f64::from(ev.client_x()), f64::from(ev.client_y())),
                scale,
                moved: false,
            }));
        }
    };
    let on_click = {
        let name = name.clone();
        move |_| {
            if !state.suppress_click.get_value() {
                lab.selected.set(Some(Selected::Node(name.clone())));
            }
        }
    };
    let on_keydown = {
        let name = name.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let step = if ev.shift_key() { 4.0 * KEY_STEP } else { KEY_STEP };
            let delta = match ev.key().as_str() {
                "ArrowLeft" => (-step, 0.0),
                "ArrowRight" => (step, 0.0),
                "ArrowUp" => (0.0, -step),
                "ArrowDown" => (0.0, step),
                "Enter" | " " => {
                    ev.prevent_default();
                    lab.selected.set(Some(Selected::Node(name.clone())));
                    return;
                }
                "ContextMenu" => {
                    ev.prevent_default();
                    open_menu(state, &name);
                    return;
                }
                _ => return,
            };
            ev.prevent_default();
            let (x, y) = origin.get_untracked();
            let moved = layout::clamp((x + delta.0, y + delta.1));
            state.saved.update(|saved| {
                saved.insert(name.clone(), moved);
            });
            state.save();
            state.settle_zone(lab, &name, (x, y));
        }
    };
    let menu_open = {
        let name = name.clone();
        move || state.menu.with(|m| m.as_ref().is_some_and(|m| m.node == name)).to_string()
    };
    let open = {
        let name = name.clone();
        move || open_menu(state, &name)
    };
    let open_by_key = open.clone();

    view! {
        <g
            class="node"
            class:node-not-ready=not_ready
            class:node-cordoned=cordoned
            class:dragging=dragging
            class:selected=selected
            role="region"
            aria-label=format!("Node {name}")
            aria-roledescription="draggable node"
            aria-description="Arrow keys move it; Enter shows it in the inspector; the Actions button opens its menu"
            tabindex="0"
            data-node=name.clone()
            transform=move || {
                let (x, y) = origin.get();
                format!("translate({x:.0} {y:.0})")
            }
            on:pointerdown=on_pointerdown
            on:click=on_click
            on:keydown=on_keydown
        >
            <rect class="node-box" width=NODE_WIDTH height=move || state.height.get() rx="14" />
            <text class="node-name" x="18" y="30">{layout::fit(&name, 22)}</text>
            <text class="node-meta" x="18" y="52">
                {read(|n| {
                    let role = if n.roles == "<none>" { "worker" } else { &n.roles };
                    let kubelet = if n.kubelet_running { "" } else { " · kubelet stopped" };
                    format!("{role} · {}{kubelet}", n.status)
                })}
            </text>
            <text class="node-taints" x="18" y="71">
                <title>{read(|n| n.taints.join("\n"))}</title>
                {read(|n| match n.taints.as_slice() {
                    [] => String::new(),
                    [one] => layout::fit(&format!("taint {}", short_taint(one)), 38),
                    many => format!("{} taints", many.len()),
                })}
            </text>
            <ResourceBar y=84.0 label="CPU" node value=cpu describe=describe_cpu />
            <ResourceBar y=104.0 label="Memory" node value=memory describe=describe_memory />
            <g
                class="node-menu-button"
                role="button"
                tabindex="0"
                aria-label=format!("Actions for {name}")
                aria-haspopup="menu"
                aria-expanded=menu_open
                transform=format!("translate({} 12)", NODE_WIDTH - 44.0)
                on:pointerdown=|ev: leptos::ev::PointerEvent| ev.stop_propagation()
                on:click=move |ev: leptos::ev::MouseEvent| {
                    ev.stop_propagation();
                    open();
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if matches!(ev.key().as_str(), "Enter" | " " | "ArrowDown") {
                        ev.prevent_default();
                        ev.stop_propagation();
                        open_by_key();
                    }
                }
            >
                <rect width="32" height="28" rx="8" />
                <text x="16" y="19" text-anchor="middle" aria-hidden="true">"⋯"</text>
            </g>
            <PodChips pods label=format!("Pods on {name}") columns=Signal::stored(layout::CHIP_COLUMNS) in_tray=false />
        </g>
    }
}

fn open_menu(state: DiagramState, node: &str) {
    let selector = format!("[data-node='{node}'] .node-menu-button");
    let rect = document()
        .query_selector(&selector)
        .ok()
        .flatten()
        .map(|button| button.get_bounding_client_rect());
    let (left, top) = rect.map_or((0.0, 0.0), |r| (r.left(), r.bottom() + 4.0));
    state.menu.set(Some(MenuAt { node: node.to_string(), left, top }));
}

/// A bar of requested against allocatable, with the percentage in words beside it.
#[component]
fn ResourceBar(
    y: f64,
    label: &'static str,
    node: Memo<Option<NodeView>>,
    value: fn(&NodeView) -> Allocation,
    describe: fn(Allocation) -> String,
) -> impl IntoView {
    const X: f64 = 84.0;
    const WIDTH: f64 = 140.0;
    let allocation = Memo::new(move |_| node.with(|n| n.as_ref().map(value).unwrap_or_default()));
    view! {
        <g class="resource" transform=format!("translate(0 {y})")>
            <title>{move || format!("{label}: {}", describe(allocation.get()))}</title>
            <text class="resource-label" x="18" y="11">{label}</text>
            <rect class="resource-track" x=X y="2" width=WIDTH height="10" rx="5" />
            <rect
                class="resource-fill"
                class:resource-full={move || allocation.get().fraction() >= 0.9}
                x=X
                y="2"
                width=move || WIDTH * allocation.get().fraction()
                height="10"
                rx="5"
            />
            <text class="resource-value" x=X + WIDTH + 10.0 y="11">
                {move || format!("{}% req", allocation.get().percent())}
            </text>
        </g>
    }
}

fn cpu(node: &NodeView) -> Allocation {
    node.cpu
}

fn memory(node: &NodeView) -> Allocation {
    node.memory
}

fn describe_cpu(a: Allocation) -> String {
    format!("{}m of {}m requested", a.requested, a.allocatable)
}

fn describe_memory(a: Allocation) -> String {
    format!("{}Mi of {}Mi requested", a.requested >> 20, a.allocatable >> 20)
}

/// The well-known taint keys are long; show their last segment.
fn short_taint(taint: &str) -> String {
    taint
        .strip_prefix("node-role.kubernetes.io/")
        .or_else(|| taint.strip_prefix("node.kubernetes.io/"))
        .unwrap_or(taint)
        .to_string()
}

#[component]
fn PendingTray(tray_y: Signal<f64>, width: Signal<f64>, columns: Signal<usize>) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let pods = Memo::new(move |_| lab.view.with(|v| v.unscheduled.clone()));
    let reason = Memo::new(move |_| {
        lab.view.with(|v| v.unscheduled.iter().find_map(|p| p.reason.clone()).unwrap_or_default())
    });
    let height = move || layout::tray_height(pods.with(Vec::len), columns.get());
    view! {
        <g class="tray" role="region" aria-label="Pending pods" transform=move || format!("translate(0 {:.0})", tray_y.get())>
            <rect class="tray-box" x=layout::GAP width=move || width.get() - 2.0 * layout::GAP height=height rx="14" />
            <text class="tray-title" x=layout::GAP + 18.0 y="30">"Pending"</text>
            <text class="tray-reason" x=layout::GAP + 100.0 y="30">
                <title>{move || reason.get()}</title>
                {move || {
                    if pods.with(Vec::is_empty) {
                        "no pod is waiting for a node".to_string()
                    } else if reason.with(String::is_empty) {
                        "waiting for the scheduler · drag a pod onto a node to bind it".to_string()
                    } else {
                        layout::fit(&reason.get(), ((width.get() - 160.0) / 6.5) as usize)
                    }
                }}
            </text>
            <PodChips pods label="Pods waiting for a node".to_string() columns in_tray=true />
        </g>
    }
}

/// The chips of a list of pods, keyed by name so a chip persists (and glides to its new place)
/// while the list around it changes.
#[component]
fn PodChips(
    pods: Memo<Vec<PodView>>,
    label: String,
    columns: Signal<usize>,
    in_tray: bool,
) -> impl IntoView {
    let names = Memo::new(move |_| {
        pods.with(|list| {
            list.iter().map(|p| (p.namespace.clone(), p.name.clone())).collect::<Vec<_>>()
        })
    });
    view! {
        <g role="list" aria-label=label>
            <For
                each=move || names.get()
                key=|key| key.clone()
                children=move |key| {
                    let pod = Memo::new({
                        let key = key.clone();
                        move |_| {
                            pods.with(|list| {
                                list.iter().find(|p| p.namespace == key.0 && p.name == key.1).cloned()
                            })
                        }
                    });
                    let position = Signal::derive(move || {
                        let index = names.with(|list| list.iter().position(|k| *k == key).unwrap_or(0));
                        if in_tray {
                            layout::tray_chip_origin(index, columns.get())
                        } else {
                            layout::chip_origin(index)
                        }
                    });
                    view! { <PodChip pod position in_tray /> }
                }
            />
        </g>
    }
}

/// The symbol that goes with a status colour, so colour is never the only cue.
fn symbol(tone: Tone) -> &'static str {
    match tone {
        Tone::Running => "●",
        Tone::Starting => "◔",
        Tone::Failing => "✕",
        Tone::Completed => "✓",
        Tone::Terminating => "◌",
    }
}

#[component]
fn PodChip(pod: Memo<Option<PodView>>, position: Signal<Point>, in_tray: bool) -> impl IntoView {
    let lab = expect_context::<Lab>();
    let state = expect_context::<DiagramState>();
    let field = move |f: fn(&PodView) -> String| {
        move || pod.with(|p| p.as_ref().map(f).unwrap_or_default())
    };
    let name = field(|p| p.name.clone());
    let tone = move || pod.with(|p| p.as_ref().map_or(Tone::Starting, |p| p.tone));
    let key = field(|p| format!("{}/{}", p.namespace, p.name));
    let offset = Memo::new(move |_| {
        let key = key();
        state.pod_offset.with(|o| o.as_ref().filter(|(k, _)| *k == key).map(|(_, d)| *d))
    });
    let select = move || {
        if let Some(p) = pod.get_untracked() {
            lab.selected.set(Some(Selected::Pod { namespace: p.namespace, name: p.name }));
        }
    };
    let is_selected = move || {
        pod.with(|p| {
            lab.selected.with(|s| match (p, s) {
                (Some(p), Some(Selected::Pod { namespace, name })) => {
                    p.namespace == *namespace && p.name == *name
                }
                _ => false,
            })
        })
    };
    let volumes =
        Memo::new(move |_| pod.with(|p| p.as_ref().map(side::volumes_of).unwrap_or_default()));
    let traffic = expect_context::<traffic::Traffic>();
    let served = Memo::new(move |_| {
        let key = key();
        traffic.counts.with(|c| c.get(&key).copied().unwrap_or(0))
    });
    let description = move || {
        let mut text = field(|p| match &p.reason {
            Some(reason) => format!("{}, {} restarts: {reason}", p.status, p.restarts),
            None => format!("{}, {} ready, {} restarts", p.status, p.ready, p.restarts),
        })();
        volumes.with(|v| {
            if !v.is_empty() {
                text.push_str(&format!("; volumes: {}", v.join(", ")));
            }
        });
        let served = served.get();
        if served > 0 {
            text.push_str(&format!("; answered {served} of the requests sent"));
        }
        text
    };
    view! {
        <g
            class="pod"
            class:tone-running=move || tone() == Tone::Running
            class:tone-starting=move || tone() == Tone::Starting
            class:tone-failing=move || tone() == Tone::Failing
            class:tone-completed=move || tone() == Tone::Completed
            class:tone-terminating=move || tone() == Tone::Terminating
            class:dragging=move || offset.with(Option::is_some)
            class:selected=is_selected
            class:pending=in_tray
            role="listitem"
            tabindex="0"
            aria-label=move || format!("Pod {}", name())
            aria-description=description
            data-status=field(|p| p.status.clone())
            data-requests=move || served.get().to_string()
            style=move || {
                let (x, y) = position.get();
                let (dx, dy) = offset.get().unwrap_or_default();
                format!("transform: translate({:.0}px, {:.0}px)", x + dx, y + dy)
            }
            on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                if !in_tray || ev.button() != 0 {
                    return;
                }
                ev.stop_propagation();
                ev.prevent_default();
                state.suppress_click.set_value(false);
                let Some(p) = pod.get_untracked() else { return };
                state.drag.set_value(Some(Drag::Pod {
                    namespace: p.namespace,
                    name: p.name,
                    pointer: (f64::from(ev.client_x()), f64::from(ev.client_y())),
                    scale: state.canvas_per_pixel(),
                }));
            }
            on:click=move |ev: leptos::ev::MouseEvent| {
                ev.stop_propagation();
                if !state.suppress_click.get_value() {
                    select();
                }
            }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if matches!(ev.key().as_str(), "Enter" | " ") {
                    ev.prevent_default();
                    ev.stop_propagation();
                    select();
                }
            }
        >
            <title>{field(|p| match &p.reason {
                Some(reason) => format!("{}/{} — {}: {reason}", p.namespace, p.name, p.status),
                None => format!("{}/{} — {}", p.namespace, p.name, p.status),
            })}</title>
            <rect class="pod-box" width=CHIP_WIDTH height=CHIP_HEIGHT rx="9" />
            <text class="pod-name" x="12" y="20">{field(|p| layout::fit(&p.name, 15))}</text>
            <text class="pod-status" x="12" y="38">
                <tspan class="pod-symbol" aria-hidden="true">{field(|p| symbol(p.tone).to_string())}</tspan>
                " "
                {field(|p| layout::fit(&p.status, 15))}
            </text>
            <Show when=move || pod.with(|p| p.as_ref().is_some_and(|p| p.restarts > 0))>
                <g class="restart-badge" transform=format!("translate({} 0)", CHIP_WIDTH - 6.0)>
                    <title>{field(|p| format!("restarted {} times", p.restarts))}</title>
                    <circle r="10" />
                    <text text-anchor="middle" y="4">{field(|p| p.restarts.to_string())}</text>
                </g>
            </Show>
            <Show when=move || volumes.with(|v| !v.is_empty())>
                <g class="volume-badge" transform=format!("translate(10 {})", CHIP_HEIGHT - 8.0)>
                    <title>{move || format!("volumes: {}", volumes.with(|v| v.join(", ")))}</title>
                    <rect width="34" height="16" rx="8" />
                    <text x="17" y="12" text-anchor="middle">{move || format!("▤ {}", volumes.with(Vec::len))}</text>
                </g>
            </Show>
            <Show when=move || { served.get() > 0 }>
                <g class="request-badge" transform=format!("translate({} {})", CHIP_WIDTH - 50.0, CHIP_HEIGHT - 8.0)>
                    <title>{move || format!("answered {} of the requests sent", served.get())}</title>
                    <rect width="56" height="16" rx="8" />
                    <text x="28" y="12" text-anchor="middle">{move || format!("⇠ {}", served.get())}</text>
                </g>
            </Show>
        </g>
    }
}

/// The actions of a node, for its menu and the inspector: kubectl's where there is one.
pub fn node_actions(node: &NodeView) -> Vec<(&'static str, NodeAction)> {
    let mut actions = Vec::new();
    if node.status.contains("SchedulingDisabled") {
        actions.push(("Uncordon", NodeAction::Uncordon));
    } else {
        actions.push(("Cordon", NodeAction::Cordon));
    }
    actions.push(("Drain", NodeAction::Drain));
    if node.kubelet_running {
        actions.push(("Stop kubelet", NodeAction::StopKubelet));
    } else {
        actions.push(("Start kubelet", NodeAction::StartKubelet));
    }
    actions.push(("Remove node", NodeAction::Remove));
    actions
}

/// The node menu: a list of actions, operated with the arrow keys, Enter and Escape.
#[component]
fn NodeMenu() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let state = expect_context::<DiagramState>();
    let menu_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if state.menu.with(Option::is_some)
            && let Some(menu) = menu_ref.get()
            && let Ok(Some(first)) = menu.query_selector("[role=menuitem]")
            && let Ok(first) = first.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = first.focus();
        }
    });
    let close = move || {
        let node = state.menu.with_untracked(|m| m.as_ref().map(|m| m.node.clone()));
        state.menu.set(None);
        if let Some(node) = node {
            focus(&format!("[data-node='{node}'] .node-menu-button"));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        if key == "Escape" || key == "Tab" {
            ev.prevent_default();
            close();
            return;
        }
        if key != "ArrowDown" && key != "ArrowUp" {
            return;
        }
        ev.prevent_default();
        let Some(menu) = menu_ref.get_untracked() else { return };
        let Ok(items) = menu.query_selector_all("[role=menuitem]") else { return };
        let active = document().active_element();
        let count = items.length();
        let current = (0..count).find(|&i| {
            items
                .item(i)
                .is_some_and(|item| active.as_ref().is_some_and(|a| a.is_same_node(Some(&item))))
        });
        let next = match (key.as_str(), current) {
            ("ArrowDown", Some(i)) => (i + 1) % count,
            ("ArrowUp", Some(i)) => (i + count - 1) % count,
            _ => 0,
        };
        if let Some(item) = items.item(next).and_then(|i| i.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = item.focus();
        }
    };
    view! {
        <Show when=move || state.menu.with(Option::is_some)>
            {move || {
                let Some(at) = state.menu.get() else { return ().into_any() };
                let node = lab.view.with_untracked(|v| v.nodes.iter().find(|n| n.name == at.node).cloned());
                let Some(node) = node else { return ().into_any() };
                let name = node.name.clone();
                view! {
                    <div
                        class="node-menu"
                        role="menu"
                        aria-label=format!("Actions for {name}")
                        style=format!("left: {:.0}px; top: {:.0}px", at.left, at.top)
                        node_ref=menu_ref
                        on:keydown=on_keydown
                    >
                        {node_actions(&node)
                            .into_iter()
                            .map(|(label, action)| {
                                let name = name.clone();
                                view! {
                                    <button
                                        type="button"
                                        role="menuitem"
                                        on:click=move |_| {
                                            state.menu.set(None);
                                            lab.node_action(&name, action);
                                        }
                                    >
                                        {label}
                                    </button>
                                }
                            })
                            .collect_view()}
                        <button
                            type="button"
                            role="menuitem"
                            on:click={
                                let name = name.clone();
                                move |_| {
                                    state.menu.set(None);
                                    state.taint_form.set(Some(name.clone()));
                                }
                            }
                        >
                            "Taint…"
                        </button>
                    </div>
                }
                    .into_any()
            }}
        </Show>
    }
}

fn focus(selector: &str) {
    if let Some(element) = document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// A node's taints: add one (key, value, effect) or remove one, with `kubectl taint`.
#[component]
fn TaintForm() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let state = expect_context::<DiagramState>();
    let key = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let effect = RwSignal::new("NoSchedule".to_string());
    let taints = Memo::new(move |_| {
        let node = state.taint_form.get();
        lab.view.with(|v| {
            v.nodes.iter().find(|n| Some(&n.name) == node.as_ref()).map(|n| n.taints.clone())
        })
    });
    let close = move || {
        if let Some(node) = state.taint_form.get_untracked() {
            focus(&format!("[data-node='{node}']"));
        }
        state.taint_form.set(None);
    };
    let add = move || {
        let Some(node) = state.taint_form.get_untracked() else { return };
        let (k, v, e) = (key.get_untracked(), value.get_untracked(), effect.get_untracked());
        if k.trim().is_empty() {
            return;
        }
        let taint = if v.is_empty() { format!("{k}:{e}") } else { format!("{k}={v}:{e}") };
        lab.run(&format!("kubectl taint node {node} {taint}"));
        key.set(String::new());
        value.set(String::new());
    };
    view! {
        <Show when=move || state.taint_form.with(Option::is_some)>
            <div class="editor-backdrop">
                <form
                    class="taint-form"
                    role="dialog"
                    aria-modal="true"
                    aria-label=move || format!("Taints of {}", state.taint_form.get().unwrap_or_default())
                    on:submit=move |ev| {
                        ev.prevent_default();
                        add();
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            close();
                        }
                    }
                >
                    <h2>{move || format!("Taints of {}", state.taint_form.get().unwrap_or_default())}</h2>
                    <ul class="taint-list">
                        {move || {
                            let node = state.taint_form.get().unwrap_or_default();
                            let list = taints.get().unwrap_or_default();
                            if list.is_empty() {
                                return view! { <li>"No taints."</li> }.into_any();
                            }
                            list.into_iter()
                                .map(|taint| {
                                    let node = node.clone();
                                    // `key=value:Effect-` removes it, as with kubectl.
                                    let removal = match taint.split_once('=') {
                                        Some((k, rest)) => format!("{k}:{}-", rest.rsplit(':').next().unwrap_or_default()),
                                        None => format!("{taint}-"),
                                    };
                                    view! {
                                        <li>
                                            <code>{taint.clone()}</code>
                                            <button
                                                type="button"
                                                aria-label=format!("Remove taint {taint}")
                                                on:click=move |_| lab.run(&format!("kubectl taint node {node} {removal}"))
                                            >
                                                "Remove"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }}
                    </ul>
                    <label>
                        "Key"
                        <input required prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev)) placeholder="dedicated" />
                    </label>
                    <label>
                        "Value"
                        <input prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) placeholder="gpu (optional)" />
                    </label>
                    <label>
                        "Effect"
                        <select on:change=move |ev| effect.set(event_target_value(&ev))>
                            <option value="NoSchedule" selected=move || effect.get() == "NoSchedule">"NoSchedule"</option>
                            <option value="PreferNoSchedule" selected=move || effect.get() == "PreferNoSchedule">"PreferNoSchedule"</option>
                            <option value="NoExecute" selected=move || effect.get() == "NoExecute">"NoExecute"</option>
                        </select>
                    </label>
                    <div class="editor-actions">
                        <button type="button" on:click=move |_| close()>"Close"</button>
                        <button type="submit" class="primary">"Add taint"</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}
