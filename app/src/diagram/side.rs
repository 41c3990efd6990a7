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
                        let users = v.nodes.iter().flat_map(|n| &n.pods).filter(|p| {
                            p.namespace == c.namespace
                                && p.volumes.iter().any(|vol| {
                                    vol.kind == "persistentVolumeClaim"
                                        && vol.source.as_deref() == Some(c.name.as_str())
                                })
                        });
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
                let Some(at) = place(OUTSIDE) else { return ().into_any() };
                view! {
                    <g class="side-box outside" role="listitem" aria-label="Outside the cluster" transform=format!("translate({:.0} {:.0})", at.x, at.y)>
                        <rect width=SIDE_WIDTH height=at.height rx="10" />
                        <text class="side-title" x="14" y="20">"⌂ Outside"</text>
                        <text class="side-meta" x="14" y="36">"your laptop: node ports, load balancers"</text>
                    </g>
                }
                    .into_any()
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
                            Some(view! {
                                <g class="side-box ingress" role="listitem" aria-label=format!("Ingress {name}") aria-description=description transform=format!("translate({:.0} {:.0})", at.x, at.y)>
                                    <rect width=SIDE_WIDTH height=at.height rx="10" />
                                    <text class="side-title" x="14" y="20">{layout::fit(&format!("⇥ Ingress {name}"), 28)}</text>
                                    <text class="side-meta" x="14" y="37">{layout::fit(&format!("{class} · {address}"), 34)}</text>
                                    {routes
                                        .into_iter()
                                        .take(MAX_ROUTES)
                                        .enumerate()
                                        .map(|(n, r)| view! { <text class="side-route" x="14" y={54.0 + n as f64 * SIDE_LINE}>{layout::fit(&r, 34)}</text> })
                                        .collect_view()}
                                    {(more > 0).then(|| view! { <text class="side-route" x="14" y={54.0 + MAX_ROUTES as f64 * SIDE_LINE}>{format!("and {more} more")}</text> })}
                                </g>
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
                            Some(view! {
                                <g class="side-box service" class:service-empty=ready.is_empty() role="listitem" aria-label=format!("Service {name}") aria-description=description data-service=format!("{}/{}", s.namespace, s.name) transform=format!("translate({:.0} {:.0})", at.x, at.y)>
                                    <rect width=SIDE_WIDTH height=at.height rx="10" />
                                    <text class="side-title" x="14" y="20">{layout::fit(&format!("⇄ Service {name}"), 28)}</text>
                                    <text class="side-meta" x="14" y="38">{layout::fit(&format!("{address} · {ports}"), 34)}</text>
                                    <text class="side-state" x="14" y="56">{layout::fit(&endpoints, 34)}</text>
                                </g>
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
                            let users: Vec<String> = v.nodes.iter().flat_map(|n| &n.pods).chain(&v.unscheduled).filter(|p| {
                                p.namespace == c.namespace && p.volumes.iter().any(|vol| vol.kind == "persistentVolumeClaim" && vol.source.as_deref() == Some(c.name.as_str()))
                            }).map(|p| p.name.clone()).collect();
                            let used = match users.len() {
                                0 => "no pod uses it".to_string(),
                                _ => format!("used by {}", users.join(", ")),
                            };
                            let description = format!("{bound}; {} {}; {used}", c.capacity, c.storage_class);
                            Some(view! {
                                <g class="side-box claim" class:claim-pending={c.status != "Bound"} role="listitem" aria-label=format!("PersistentVolumeClaim {name}") aria-description=description transform=format!("translate({:.0} {:.0})", at.x, at.y)>
                                    <rect width=SIDE_WIDTH height=at.height rx="10" />
                                    <text class="side-title" x="14" y="20">{layout::fit(&format!("▤ Claim {name}"), 28)}</text>
                                    <text class="side-state" x="14" y="38">{layout::fit(&format!("{bound} · {}", c.capacity), 34)}</text>
                                    <text class="side-meta" x="14" y="56">{layout::fit(&used, 34)}</text>
                                </g>
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
                            Some(view! {
                                <g class="side-box volume" class:volume-free={pv.status != "Bound"} role="listitem" aria-label=format!("PersistentVolume {}", pv.name) aria-description=description transform=format!("translate({:.0} {:.0})", at.x, at.y)>
                                    <rect width=SIDE_WIDTH height=at.height rx="10" />
                                    <text class="side-title" x="14" y="20">{layout::fit(&format!("⛁ Volume {}", pv.name), 28)}</text>
                                    <text class="side-state" x="14" y="38">{layout::fit(&format!("{symbol} {claim}"), 34)}</text>
                                    <text class="side-meta" x="14" y="56">{layout::fit(&format!("{} · {} · {}", pv.capacity, pv.access_modes, pv.reclaim_policy), 34)}</text>
                                </g>
                            })
                        })
                        .collect_view()
                })
            }}
        </g>
    }
}
