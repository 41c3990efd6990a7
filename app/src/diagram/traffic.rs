//! "Send requests": requests from a pod, a node or outside to a Service name or URL, N a
//! second, through the simulation's request model (`sim_core::network::client`). Each request
//! is drawn as a packet travelling its recorded hops — client → Service → the kube-proxy rule
//! on the node the packet is on → the endpoint pod — and every pod counts the requests it
//! answered, so the load balancing's spread shows (on its chip and as a list). Through an
//! Ingress the packet also visits the ingress controller's pod and the Ingress that routed it.
//!
//! Requests follow cluster time, as the rest of the page does: N a second of cluster time, none
//! while the clock is paused (packets in flight stop where they are), ten times as many a real
//! second at 10×.

use super::side::{OUTSIDE, Place};
use super::{DiagramState, focus};
use crate::lab::Lab;
use crate::layout::{CHIP_HEIGHT, CHIP_WIDTH, NODE_WIDTH, Point};
use leptos::prelude::*;
use sim_core::network::Trace;
use sim_core::network::client::Source;
use std::collections::BTreeMap;
use std::time::Duration;

/// How often due requests are sent.
const TICK: Duration = Duration::from_millis(100);
/// How long a packet's flight is drawn, in cluster time.
const FLIGHT_SECONDS: f64 = 0.9;
/// The shortest real time a flight is drawn for at high speeds, so it is still seen.
const MIN_FLIGHT_MS: f64 = 120.0;
/// Packets drawn at once; more are sent but not drawn.
const MAX_FLIGHTS: usize = 12;
/// Requests one tick sends at most, whatever the rate and however late the tick.
const MAX_PER_TICK: f64 = 10.0;
pub const MAX_RATE: u32 = 50;

#[derive(Clone, Debug, PartialEq)]
struct Flight {
    id: u64,
    path: String,
    failed: bool,
    /// When it arrives, in seconds of cluster time.
    lands_at: f64,
    /// How long its animation runs at the speed it was sent at.
    duration_ms: f64,
}

/// The control's state, shared by the form, the chips' counters and the packets.
#[derive(Clone, Copy)]
pub struct Traffic {
    open: RwSignal<bool>,
    running: RwSignal<bool>,
    /// `outside`, `node/NAME` or `pod/NAMESPACE/NAME`.
    source: RwSignal<String>,
    target: RwSignal<String>,
    rate: RwSignal<u32>,
    /// Requests each pod (`namespace/name`) answered since the counts were reset.
    pub counts: RwSignal<BTreeMap<String, u64>>,
    sent: RwSignal<u64>,
    /// The latest request's way in words, or its error.
    last: RwSignal<Option<(String, bool)>>,
    flights: RwSignal<Vec<Flight>>,
    next_id: StoredValue<u64>,
    /// Requests due but not yet sent (a fraction carries over to the next tick).
    due: StoredValue<f64>,
    /// Cluster time at the last tick, in seconds.
    last_tick: StoredValue<Option<f64>>,
    /// Where things are drawn, to fly packets between them.
    diagram: DiagramState,
    places: Memo<BTreeMap<String, Place>>,
}

fn parse_source(text: &str) -> Source {
    if let Some(node) = text.strip_prefix("node/") {
        return Source::Node(node.to_string());
    }
    if let Some((namespace, name)) = text.strip_prefix("pod/").and_then(|p| p.split_once('/')) {
        return Source::Pod { namespace: namespace.to_string(), name: name.to_string() };
    }
    Source::Outside
}

/// Sets up the control for the diagram and its sending clock.
pub fn provide(lab: Lab) {
    let traffic = Traffic {
        open: RwSignal::new(false),
        running: RwSignal::new(false),
        source: RwSignal::new(String::new()),
        target: RwSignal::new(String::new()),
        rate: RwSignal::new(10),
        counts: RwSignal::new(BTreeMap::new()),
        sent: RwSignal::new(0),
        last: RwSignal::new(None),
        flights: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
        due: StoredValue::new(0.0),
        last_tick: StoredValue::new(None),
        diagram: expect_context::<DiagramState>(),
        places: expect_context::<Memo<BTreeMap<String, Place>>>(),
    };
    provide_context(traffic);
    if let Ok(handle) = set_interval_with_handle(move || traffic.tick(lab), TICK) {
        on_cleanup(move || handle.clear());
    }
}

impl Traffic {
    fn tick(self, lab: Lab) {
        let now = lab.with_sim(|sim| sim.elapsed().as_secs_f64());
        let last = self.last_tick.get_value().unwrap_or(now);
        self.last_tick.set_value(Some(now));
        if self.flights.with_untracked(|f| f.iter().any(|flight| flight.lands_at <= now)) {
            self.flights.update(|f| f.retain(|flight| flight.lands_at > now));
        }
        if !self.running.get_untracked() {
            return;
        }
        // Cluster time that passed: none while paused, or back on the timeline.
        let passed = (now - last).max(0.0);
        let rate = f64::from(self.rate.get_untracked().clamp(1, MAX_RATE));
        let due = (self.due.get_value() + rate * passed).min(MAX_PER_TICK);
        let count = due.floor();
        self.due.set_value(due - count);
        self.send(lab, count as usize);
    }

    /// Sends `count` requests now and shows what they did.
    fn send(self, lab: Lab, count: usize) {
        if count == 0 {
            return;
        }
        let source = parse_source(&self.source.get_untracked());
        let target = self.target.get_untracked();
        let target = target.trim();
        if target.is_empty() {
            self.last.set(Some(("Name a Service or URL to send to.".into(), true)));
            self.running.set(false);
            return;
        }
        let mut served = Vec::new();
        let mut last = None;
        for _ in 0..count {
            let Some(sent) = lab.send_request(&source, target) else { return };
            if let Some(trace) = &sent.trace {
                served.extend(trace.served_by.clone());
                self.fly(lab, trace, &source, sent.error.is_some());
            }
            last = Some(match (&sent.trace, sent.error) {
                (_, Some(error)) => (error, true),
                (Some(trace), None) => (describe(trace), false),
                (None, None) => ("The request went nowhere.".to_string(), true),
            });
        }
        self.sent.update(|n| *n += count as u64);
        if !served.is_empty() {
            self.counts.update(|counts| {
                for pod in served {
                    *counts.entry(pod).or_insert(0) += 1;
                }
            });
        }
        self.last.set(last);
    }

    /// Draws a request's way as a packet for a moment.
    fn fly(self, lab: Lab, trace: &Trace, source: &Source, failed: bool) {
        let (state, places) = (self.diagram, self.places);
        let node_point = |name: &str| {
            state
                .positions
                .with_untracked(|p| p.get(name).map(|&(x, y)| (x + NODE_WIDTH / 2.0, y + 18.0)))
        };
        let chip_point = |key: &str| {
            state.chips.with_untracked(|c| {
                c.get(key).map(|&(x, y)| (x + CHIP_WIDTH / 2.0, y + CHIP_HEIGHT / 2.0))
            })
        };
        let mut points: Vec<Point> = Vec::new();
        let start = match source {
            Source::Outside => places.with_untracked(|p| p.get(OUTSIDE).map(Place::left)),
            Source::Node(name) => node_point(name),
            Source::Pod { namespace, name } => chip_point(&format!("{namespace}/{name}")),
        };
        points.extend(start);
        let place = |key: String| places.with_untracked(|p| p.get(&key).map(Place::left));
        for hop in &trace.hops {
            let hop_points = match hop.kind.as_str() {
                // kube-proxy's `10.96.0.20:80 is default/web:http`, or ingress-nginx's
                // `default/web endpoint 10.244.1.5:80`.
                "service" => {
                    let service = match hop.detail.split_once(" is ") {
                        Some((_, rule)) => rule.split(':').next().unwrap_or(rule),
                        None => hop.detail.split(' ').next().unwrap_or_default(),
                    };
                    vec![place(format!("service/{service}"))]
                }
                // `ingress-nginx/CONTROLLER-POD: ingress default/site example.test/ → …`: the
                // controller's pod, then the Ingress whose rule matched.
                "ingress" => {
                    let (controller, rest) =
                        hop.detail.split_once(": ").unwrap_or((hop.detail.as_str(), ""));
                    let ingress = rest
                        .strip_prefix("ingress ")
                        .and_then(|r| r.split(' ').next())
                        .map(|name| place(format!("ingress/{name}")));
                    vec![chip_point(controller).or_else(|| node_point(&hop.at)), ingress.flatten()]
                }
                "kube-proxy" | "dropped" | "refused" => vec![node_point(&hop.at)],
                "pod" => vec![trace.served_by.as_deref().and_then(chip_point)],
                _ => Vec::new(),
            };
            for point in hop_points.into_iter().flatten() {
                if points.last() != Some(&point) {
                    points.push(point);
                }
            }
        }
        if points.len() < 2 {
            return;
        }
        let path = points
            .iter()
            .enumerate()
            .map(|(i, (x, y))| format!("{}{x:.0} {y:.0}", if i == 0 { "M" } else { "L" }))
            .collect::<String>();
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let now = lab.with_sim(|sim| sim.elapsed().as_secs_f64());
        let speed = f64::from(lab.speed.get_untracked().max(1));
        let duration_ms = (FLIGHT_SECONDS * 1000.0 / speed).max(MIN_FLIGHT_MS);
        self.flights.update(|flights| {
            flights.push(Flight { id, path, failed, lands_at: now + FLIGHT_SECONDS, duration_ms });
            if flights.len() > MAX_FLIGHTS {
                flights.remove(0);
            }
        });
    }

    fn toggle_open(self, lab: Lab) {
        if self.open.get_untracked() {
            self.open.set(false);
            return;
        }
        // First time: a running pod of the default namespace sends to the first Service
        // there that is not the API server's.
        lab.view.with_untracked(|v| {
            if self.source.with_untracked(String::is_empty) {
                let pod = v
                    .nodes
                    .iter()
                    .flat_map(|n| &n.pods)
                    .find(|p| p.namespace == "default" && p.status == "Running");
                self.source.set(match pod {
                    Some(p) => format!("pod/{}/{}", p.namespace, p.name),
                    None => "outside".to_string(),
                });
            }
            if self.target.with_untracked(String::is_empty)
                && let Some(s) =
                    v.services.iter().find(|s| s.namespace == "default" && s.name != "kubernetes")
            {
                self.target.set(s.name.clone());
            }
        });
        self.open.set(true);
    }
}

/// A request's way in words: each hop, then who answered.
fn describe(trace: &Trace) -> String {
    let hops: Vec<String> =
        trace.hops.iter().map(|h| format!("{} on {}: {}", h.kind, h.at, h.detail)).collect();
    let answer = match &trace.served_by {
        Some(pod) => format!("answered by {pod}"),
        None => "no pod answered".to_string(),
    };
    format!("{} → {}: {} — {answer}", trace.from, trace.to, hops.join(" → "))
}

/// The toolbar's button that opens the form.
#[component]
pub fn SendButton() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let traffic = expect_context::<Traffic>();
    view! {
        <button
            type="button"
            class="send-button"
            class:sending=move || traffic.running.get()
            aria-expanded=move || traffic.open.get().to_string()
            title="Send HTTP requests through a Service and watch where they go"
            on:click=move |_| traffic.toggle_open(lab)
        >
            "Send requests…"
            <span class="sending-mark" aria-hidden="true">{move || if traffic.running.get() { " ●" } else { "" }}</span>
        </button>
    }
}

/// The packets in flight, over the drawing.
#[component]
pub fn Packets() -> impl IntoView {
    let traffic = expect_context::<Traffic>();
    let lab = expect_context::<Lab>();
    view! {
        // Packets stop where they are while the clock is paused.
        <g class="flights" class:paused=move || !lab.playing.get() aria-hidden="true">
            <For
                each=move || traffic.flights.get()
                key=|flight| flight.id
                children=move |flight| {
                    view! {
                        <g class="flight" class:failed=flight.failed>
                            <path class="flight-route" d=flight.path.clone() />
                            <path
                                class="packet"
                                d=flight.path
                                pathLength="100"
                                style=format!("animation-duration: {:.0}ms", flight.duration_ms)
                            />
                        </g>
                    }
                }
            />
        </g>
    }
}

/// The form: from, to, rate, start/stop, and what came back.
#[component]
pub fn TrafficForm() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let traffic = expect_context::<Traffic>();
    let sources = Memo::new(move |_| {
        lab.view.with(|v| {
            let mut list =
                vec![("outside".to_string(), "outside the cluster (your laptop)".to_string())];
            list.extend(
                v.nodes.iter().map(|n| (format!("node/{}", n.name), format!("node {}", n.name))),
            );
            list.extend(
                v.nodes
                    .iter()
                    .flat_map(|n| &n.pods)
                    .filter(|p| p.status == "Running")
                    .take(500)
                    .map(|p| {
                        (
                            format!("pod/{}/{}", p.namespace, p.name),
                            format!("pod {}/{}", p.namespace, p.name),
                        )
                    }),
            );
            list
        })
    });
    let targets = Memo::new(move |_| {
        lab.view.with(|v| {
            let mut list = Vec::new();
            for s in &v.services {
                let port = s.ports.first().and_then(|p| p.split(['/', ':']).next()).unwrap_or("80");
                list.push(if s.namespace == "default" {
                    s.name.clone()
                } else {
                    format!("{}.{}", s.name, s.namespace)
                });
                if !s.cluster_ip.is_empty() && s.cluster_ip != "None" {
                    list.push(format!("http://{}:{port}/", s.cluster_ip));
                }
                if let Some(external) = &s.external_ip {
                    list.push(format!("http://{external}:{port}/"));
                }
            }
            list
        })
    });
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if traffic.open.get()
            && let Some(form) = form_ref.get()
            && let Ok(Some(first)) = form.query_selector("select")
            && let Ok(first) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(first)
        {
            let _ = first.focus();
        }
    });
    let close = move || {
        traffic.open.set(false);
        focus(".send-button");
    };
    view! {
        <Show when=move || traffic.open.get()>
            <form
                class="traffic-form"
                aria-label="Send requests"
                node_ref=form_ref
                on:submit=move |ev| {
                    ev.prevent_default();
                    let start = !traffic.running.get_untracked();
                    if start {
                        traffic.due.set_value(1.0);
                        traffic.last_tick.set_value(None);
                    }
                    traffic.running.set(start);
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    }
                }
            >
                <h2>"Send requests"</h2>
                <label>
                    "From"
                    <select on:change=move |ev| traffic.source.set(event_target_value(&ev))>
                        <For
                            each=move || sources.get()
                            key=|(value, _)| value.clone()
                            children=move |(value, label)| {
                                let chosen = value.clone();
                                view! { <option value=value selected=move || traffic.source.with(|s| *s == chosen)>{label}</option> }
                            }
                        />
                    </select>
                </label>
                <label>
                    "To"
                    <input
                        list="traffic-targets"
                        placeholder="web, or http://10.96.0.20:80/"
                        prop:value=move || traffic.target.get()
                        on:input=move |ev| traffic.target.set(event_target_value(&ev))
                    />
                </label>
                <datalist id="traffic-targets">
                    {move || targets.get().into_iter().map(|t| view! { <option value=t /> }).collect_view()}
                </datalist>
                <label>
                    "Requests per second"
                    <input
                        type="number"
                        min="1"
                        max=MAX_RATE.to_string()
                        prop:value=move || traffic.rate.get().to_string()
                        on:input=move |ev| {
                            if let Ok(rate) = event_target_value(&ev).parse::<u32>() {
                                traffic.rate.set(rate.clamp(1, MAX_RATE));
                            }
                        }
                    />
                </label>
                <div class="traffic-actions">
                    <button type="submit" class="primary">
                        {move || if traffic.running.get() { "Stop sending" } else { "Start sending" }}
                    </button>
                    <button type="button" on:click=move |_| {
                        traffic.counts.set(BTreeMap::new());
                        traffic.sent.set(0);
                    }>
                        "Reset counts"
                    </button>
                    <button type="button" on:click=move |_| close()>"Close"</button>
                </div>
                <p class="traffic-status" role="status">
                    {move || {
                        let answered: u64 = traffic.counts.with(|c| c.values().sum());
                        let state = match (traffic.running.get(), lab.playing.get()) {
                            (false, _) => "stopped",
                            (true, true) => "sending",
                            (true, false) => "sending when the clock runs (paused)",
                        };
                        format!("{} sent, {answered} answered by pods · {state}", traffic.sent.get())
                    }}
                </p>
                <p class="traffic-last" class:failed=move || traffic.last.with(|l| l.as_ref().is_some_and(|l| l.1))>
                    {move || traffic.last.with(|l| l.as_ref().map(|(text, failed)| format!("{}{text}", if *failed { "✕ " } else { "Last: " })))}
                </p>
                <ul class="traffic-counts" aria-label="Requests per pod">
                    {move || {
                        traffic.counts.with(|counts| {
                            counts
                                .iter()
                                .map(|(pod, n)| view! { <li><code>{pod.clone()}</code>" "<span>{n.to_string()}</span></li> })
                                .collect_view()
                        })
                    }}
                </ul>
            </form>
        </Show>
    }
}
