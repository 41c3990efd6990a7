//! Beside the cluster: where requests come in (outside, Ingresses), the Services with a line to
//! each endpoint pod (dashed while not ready), and storage — claims with a line to the pods
//! that mount them and to the volume they are bound to. Boxes are stacked in three columns
//! right of the nodes; each box says in words what its lines show.

use super::DiagramState;
use crate::lab::Lab;
use crate::layout::{self, CHIP_HEIGHT, CHIP_WIDTH, Point, SIDE_BOX, SIDE_LINE, SIDE_WIDTH};
use leptos::prelude::*;
use sim_core::view::{ClusterView, PodView};
use std::collections::BTreeMap;

/// The box for requests from outside the cluster (the student's laptop).
pub const OUTSIDE: &str = "outside";
const OUTSIDE_HEIGHT: f64 = 44.0;
/// Routes an Ingress box lists before "and N more".
const MAX_ROUTES: usize = 4;

/// A box beside the cluster, by id (`outside`, `ingress/NS/NAME`, `service/NS/NAME`,
/// `claim/NS/NAME`, `volume/NAME`), with its place on the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub x: f64,
    pub y: f64,
    pub height: f64,
}

impl Place {
    pub fn left(&self) -> Point {
        (self.x, self.y + self.height / 2.0)
    }
    pub fn right(&self) -> Point {
        (self.x + SIDE_WIDTH, self.y + self.height / 2.0)
    }
}

/// The boxes of each column, in order, with their heights.
fn items(view: &ClusterView) -> [Vec<(String, f64)>; 3] {
    let mut network = vec![(OUTSIDE.to_string(), OUTSIDE_HEIGHT)];
    for ingress in &view.ingresses {
        let lines = ingress.routes.len().clamp(1, MAX_ROUTES + 1) as f64;
        network.push((
            format!("ingress/{}/{}", ingress.namespace, ingress.name),
            SIDE_BOX - SIDE_LINE + lines * SIDE_LINE,
        ));
    }
    for service in &view.services {
        network.push((format!("service/{}/{}", service.namespace, service.name), SIDE_BOX));
    }
    let claims = view
        .persistent_volume_claims
        .iter()
        .map(|c| (format!("claim/{}/{}", c.namespace, c.name), SIDE_BOX))
        .collect();
    let volumes =
        view.persistent_volumes.iter().map(|v| (format!("volume/{}", v.name), SIDE_BOX)).collect();
    [network, claims, volumes]
}

/// The heights of each column's boxes (the canvas makes room for them).
pub fn column_heights(lab: Lab) -> Memo<[Vec<f64>; 3]> {
    Memo::new(move |_| {
        lab.view.with(|v| items(v).map(|column| column.into_iter().map(|(_, h)| h).collect()))
    })
}

/// Where every side box is, right of the nodes' edge `right`.
pub fn places(lab: Lab, right: Signal<f64>) -> Memo<BTreeMap<String, Place>> {
    Memo::new(move |_| {
        let right = right.get();
        lab.view.with(|v| {
            let mut places = BTreeMap::new();
            for (column, boxes) in items(v).into_iter().enumerate() {
                let heights: Vec<f64> = boxes.iter().map(|(_, h)| *h).collect();
                let x = layout::side_x(right, column);
                for ((id, height), y) in boxes.into_iter().zip(layout::side_stack(&heights)) {
                    places.insert(id, Place { x, y, height });
                }
            }
            places
        })
    })
}

/// A pod's volumes in words (`data: persistentVolumeClaim claim`), leaving out the API token
/// volume every pod gets from its ServiceAccount.
pub fn volumes_of(pod: &PodView) -> Vec<String> {
    pod.volumes
        .iter()
        .filter(|v| !v.name.starts_with("kube-api-access-"))
        .map(|v| match &v.source {
            Some(source) => format!("{}: {} {source}", v.name, v.kind),
            None => format!("{}: {}", v.name, v.kind),
        })
        .collect()
}

/// Whether `pod` mounts the claim `namespace/claim`.
fn mounts_claim(pod: &PodView, namespace: &str, claim: &str) -> bool {
    pod.namespace == namespace
        && pod.volumes.iter().any(|volume| {
            volume.kind == "persistentVolumeClaim" && volume.source.as_deref() == Some(claim)
        })
}

/// Where a line meets a pod chip: the middle of its right edge.
pub fn chip_anchor(chips: &BTreeMap<String, Point>, key: &str) -> Option<Point> {
    chips.get(key).map(|&(x, y)| (x + CHIP_WIDTH, y + CHIP_HEIGHT / 2.0))
}

fn segment(d: &mut String, from: Point, to: Point) {
    d.push_str(&format!("M{:.0} {:.0}L{:.0} {:.0}", from.0, from.1, to.0, to.1));
}

/// A curve out of the right side of one box and back into the right side of another below.
fn loop_right(d: &mut String, from: Point, to: Point) {
    let bulge = 28.0;
    d.push_str(&format!(
        "M{:.0} {:.0}C{:.0} {:.0} {:.0} {:.0} {:.0} {:.0}",
        from.0,
        from.1,
        from.0 + bulge,
        from.1,
        to.0 + bulge,
        to.1,
        to.0,
        to.1
    ));
}

/// The namespace-qualified name, shortened to `default`'s objects' bare names.
fn qualified(namespace: &str, name: &str) -> String {
    if namespace == "default" { name.to_string() } else { format!("{namespace}/{name}") }
}

/// One box beside the cluster: its title, then its lines (each a class and a text, fitted to
/// the box), one `SIDE_LINE` apart.
#[component]
fn SideBox(
    /// `outside`, `ingress`, `service`, `claim` or `volume`, then any modifier (`service-empty`,
    /// `claim-pending`, `volume-free`).
    class: String,
    label: String,
    #[prop(optional)] description: Option<String>,
    at: Place,
    title: String,
    lines: Vec<(&'static str, String)>,
    #[prop(optional)] data_service: Option<String>,
) -> impl IntoView {
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(n, (class, text))| {
            let y = 38.0 + n as f64 * SIDE_LINE;
            view! { <text class=class x="14" y=y>{layout::fit(&text, 34)}</text> }
        })
        .collect_view();
    view! {
        <g class=format!("side-box {class}") role="listitem" aria-label=label aria-description=description data-service=data_service transform=format!("translate({:.0} {:.0})", at.x, at.y)>
            <rect width=SIDE_WIDTH height=at.height rx="10" />
            <text class="side-title" x="14" y="20">{layout::fit(&title, 28)}</text>
            {lines}
        </g>
    }
}

#[component]
pub fn Side() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let state = expect_context::<DiagramState>();
    let places = expect_context::<Memo<BTreeMap<String, Place>>>();
    // The lines: Service → endpoints (ready, not ready), Ingress → Services, claim → volume
    // and claim → pods.
    let lines = Memo::new(move |_| {
        let mut ready = String::new();
        let mut waiting = String::new();
        let mut routes = String::new();
        let mut storage = String::new();
        places.with(|places| {
            state.chips.with(|chips| {
                lab.view.with(|v| {
                    for s in &v.services {
                        let Some(place) =
                            places.get(&format!("service/{}/{}", s.namespace, s.name))
                        else {
                            continue;
                        };
                        for e in &s.endpoints {
                            let key = format!("{}/{}", s.namespace, e.pod.as_deref().unwrap_or(""));
                            if let Some(pod) = e.pod.as_ref().and(chip_anchor(chips, &key)) {
                                let d = if e.ready { &mut ready } else { &mut waiting };
                                segment(d, place.left(), pod);
                            }
                        }
                    }
                    for i in &v.ingresses {
                        let Some(from) = places.get(&format!("ingress/{}/{}", i.namespace, i.name))
                        else {
                            continue;
                        };
                        for r in &i.routes {
                            if let Some(to) =
                                places.get(&format!("service/{}/{}", i.namespace, r.service))
                            {
                                loop_right(&mut routes, from.right(), to.right());
                            }
                        }
                    }
                    for c in &v.persistent_volume_claims {
                        let Some(claim) = places.get(&format!("claim/{}/{}", c.namespace, c.name))
                        else {
                            continue;
                        };
                        if let Some(volume) =
                            c.volume.as_ref().and_then(|n| places.get(&format!("volume/{n}")))
                        {
                            segment(&mut storage, claim.right(), volume.left());
                        }
                        let users = v
                            .nodes
                            .iter()
                            .flat_map(|n| &n.pods)
                            .filter(|p| mounts_claim(p, &c.namespace, &c.name));
                        for pod in users {
                            let key = format!("{}/{}", pod.namespace, pod.name);
                            if let Some(at) = chip_anchor(chips, &key) {
                                segment(&mut storage, claim.left(), at);
                            }
                        }
                    }
                });
            });
        });
        (ready, waiting, routes, storage)
    });
    let place = move |id: &str| places.with(|p| p.get(id).cloned());
    view! {
        <g class="side-lines" aria-hidden="true">
            <path class="endpoint-line" d=move || lines.with(|l| l.0.clone()) />
            <path class="endpoint-line not-ready" d=move || lines.with(|l| l.1.clone()) />
            <path class="route-line" d=move || lines.with(|l| l.2.clone()) />
            <path class="claim-line" d=move || lines.with(|l| l.3.clone()) />
        </g>
        <g class="side" role="list" aria-label="Network and storage">
            {move || {
                place(OUTSIDE).map(|at| view! {
                    <SideBox class="outside".into() label="Outside the cluster".into() at title="⌂ Outside".into()
                        lines=vec![("side-meta", "your laptop: node ports, load balancers".into())] />
                })
            }}
            {move || {
                lab.view.with(|v| {
                    v.ingresses
                        .iter()
                        .filter_map(|i| {
                            let at = place(&format!("ingress/{}/{}", i.namespace, i.name))?;
                            let name = qualified(&i.namespace, &i.name);
                            let class = i.class.clone().unwrap_or_else(|| "default class".into());
                            let address = i.address.clone().unwrap_or_else(|| "no address yet".into());
                            let routes: Vec<String> = i
                                .routes
                                .iter()
                                .map(|r| format!("{}{} → {}:{}", r.host, r.path, r.service, r.port))
                                .collect();
                            let description = format!("{class}, {address}; routes: {}", routes.join("; "));
                            let more = routes.len().saturating_sub(MAX_ROUTES);
                            let mut lines = vec![("side-meta", format!("{class} · {address}"))];
                            lines.extend(routes.into_iter().take(MAX_ROUTES).map(|r| ("side-route", r)));
                            if more > 0 {
                                lines.push(("side-route", format!("and {more} more")));
                            }
                            Some(view! {
                                <SideBox class="ingress".into() label=format!("Ingress {name}") description at
                                    title=format!("⇥ Ingress {name}") lines />
                            })
                        })
                        .collect_view()
                })
            }}
            {move || {
                lab.view.with(|v| {
                    v.services
                        .iter()
                        .filter_map(|s| {
                            let at = place(&format!("service/{}/{}", s.namespace, s.name))?;
                            let name = qualified(&s.namespace, &s.name);
                            let ready: Vec<&str> = s.endpoints.iter().filter(|e| e.ready).map(|e| e.pod.as_deref().unwrap_or(e.ip.as_str())).collect();
                            let address = match (&s.external_ip, s.cluster_ip.as_str()) {
                                (Some(external), _) => format!("{} {external}", s.service_type),
                                (None, "None") => format!("{} headless", s.service_type),
                                (None, ip) => format!("{} {ip}", s.service_type),
                            };
                            let ports = s.ports.join(",");
                            let endpoints = match ready.len() {
                                0 => "✕ no ready endpoint".to_string(),
                                1 => "● 1 ready endpoint".to_string(),
                                n => format!("● {n} ready endpoints"),
                            };
                            let waiting = s.endpoints.len() - ready.len();
                            let endpoints = if waiting > 0 { format!("{endpoints}, {waiting} not ready") } else { endpoints };
                            let description = format!("{address}, {ports}; {endpoints}: {}", ready.join(", "));
                            let class = if ready.is_empty() { "service service-empty" } else { "service" };
                            Some(view! {
                                <SideBox class=class.into() label=format!("Service {name}") description at
                                    data_service=format!("{}/{}", s.namespace, s.name)
                                    title=format!("⇄ Service {name}")
                                    lines=vec![("side-meta", format!("{address} · {ports}")), ("side-state", endpoints)] />
                            })
                        })
                        .collect_view()
                })
            }}
            {move || {
                lab.view.with(|v| {
                    v.persistent_volume_claims
                        .iter()
                        .filter_map(|c| {
                            let at = place(&format!("claim/{}/{}", c.namespace, c.name))?;
                            let name = qualified(&c.namespace, &c.name);
                            let bound = match &c.volume {
                                Some(volume) if c.status == "Bound" => format!("● Bound to {volume}"),
                                _ => format!("◔ {}", c.status),
                            };
                            let users: Vec<String> = v.nodes.iter().flat_map(|n| &n.pods).chain(&v.unscheduled).filter(|p| mounts_claim(p, &c.namespace, &c.name)).map(|p| p.name.clone()).collect();
                            let used = match users.len() {
                                0 => "no pod uses it".to_string(),
                                _ => format!("used by {}", users.join(", ")),
                            };
                            let description = format!("{bound}; {} {}; {used}", c.capacity, c.storage_class);
                            let class = if c.status == "Bound" { "claim" } else { "claim claim-pending" };
                            Some(view! {
                                <SideBox class=class.into() label=format!("PersistentVolumeClaim {name}") description at
                                    title=format!("▤ Claim {name}")
                                    lines=vec![("side-state", format!("{bound} · {}", c.capacity)), ("side-meta", used)] />
                            })
                        })
                        .collect_view()
                })
            }}
            {move || {
                lab.view.with(|v| {
                    v.persistent_volumes
                        .iter()
                        .filter_map(|pv| {
                            let at = place(&format!("volume/{}", pv.name))?;
                            let claim = match &pv.claim {
                                Some(claim) => format!("{} · {claim}", pv.status),
                                None => pv.status.clone(),
                            };
                            let symbol = if pv.status == "Bound" { "●" } else { "◌" };
                            let description = format!("{claim}; {} {} {} {}", pv.capacity, pv.access_modes, pv.reclaim_policy, pv.storage_class);
                            let class = if pv.status == "Bound" { "volume" } else { "volume volume-free" };
                            let details = format!("{} · {} · {}", pv.capacity, pv.access_modes, pv.reclaim_policy);
                            Some(view! {
                                <SideBox class=class.into() label=format!("PersistentVolume {}", pv.name) description at
                                    title=format!("⛁ Volume {}", pv.name)
                                    lines=vec![("side-state", format!("{symbol} {claim}")), ("side-meta", details)] />
                            })
                        })
                        .collect_view()
                })
            }}
        </g>
    }
}
