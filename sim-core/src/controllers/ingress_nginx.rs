//! ingress-nginx's control loop, which runs inside its controller pods (so only while one is
//! ready): each Ingress of its class gets a `Sync` event ("Scheduled for sync") when first
//! seen, and `status.loadBalancer` lists the addresses of the nodes its ready pods run on (the
//! bare-metal install publishes no Service, so the nodes' addresses are what it writes),
//! written by its status sync, which runs when the controller becomes ready and then every
//! 60 s (so a new Ingress's ADDRESS stays empty for up to a minute). The requests themselves
//! go through `crate::network::ingress`.

use crate::api::{ApiServer, EventSource, EventType};
use crate::network::ingress;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::networking::v1::{
    Ingress, IngressClass, IngressLoadBalancerIngress, IngressLoadBalancerStatus, IngressStatus,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Duration;

const SOURCE: EventSource<'static> =
    EventSource { component: "nginx-ingress-controller", host: None };

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IngressNginxController {
    seen_api_version: u64,
    /// Ingresses (uid) already announced with a `Sync` event.
    synced: BTreeSet<String>,
    /// The next status sync that has something to write.
    next_sync: Option<SimTime>,
}

/// ingress-nginx's status update interval.
const STATUS_SYNC: Duration = Duration::from_secs(60);

impl IngressNginxController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let seen = self.seen_api_version;
        let now = api.now();
        let due = self.next_sync.is_some_and(|at| at <= now);
        if seen != 0
            && !due
            && !api.kind_changed_since::<Ingress>(seen)
            && !api.kind_changed_since::<Pod>(seen)
            && !api.kind_changed_since::<IngressClass>(seen)
        {
            return self.next_sync;
        }
        self.seen_api_version = api.resource_version();
        self.next_sync = None;
        // Without Ingresses there is nothing to sync: most clusters' pod writes end here.
        api.list::<Ingress>(None).next()?;
        let controllers: Vec<&Pod> = api
            .list::<Pod>(None)
            .filter(|p| crate::controllers::pod_control::is_ready(p))
            .filter(|p| {
                p.spec.as_ref().is_some_and(|s| {
                    s.containers
                        .iter()
                        .any(|c| c.image.as_deref().is_some_and(ingress::is_controller_image))
                })
            })
            .collect();
        // The status sync's rhythm, from when the first ready controller became ready.
        let started = controllers.iter().filter_map(|p| ready_since(p)).min()?;
        let periods = now.since(started).as_millis() / STATUS_SYNC.as_millis();
        let last_sync = started + STATUS_SYNC * u32::try_from(periods).unwrap_or(u32::MAX);
        let mut addresses: Vec<String> = controllers
            .iter()
            .filter_map(|p| crate::podutil::node_name(p))
            .filter_map(|node| api.get::<Node>("", node).ok())
            .filter_map(|n| crate::cluster::node_address(n, "InternalIP").map(str::to_string))
            .collect();
        if addresses.is_empty() {
            return None;
        }
        crate::sort::sort(&mut addresses);
        addresses.dedup();
        let served: Vec<Ingress> = ingress::served(api).into_iter().cloned().collect();
        for item in served {
            let uid = item.metadata.uid.clone().unwrap_or_default();
            if self.synced.insert(uid) {
                api.record_event(
                    &item,
                    None,
                    SOURCE,
                    EventType::Normal,
                    "Sync",
                    "Scheduled for sync".to_string(),
                );
            }
            let wanted = IngressLoadBalancerStatus {
                ingress: Some(
                    addresses
                        .iter()
                        .map(|ip| IngressLoadBalancerIngress {
                            ip: Some(ip.clone()),
                            ..Default::default()
                        })
                        .collect(),
                ),
            };
            let current = item.status.as_ref().and_then(|s| s.load_balancer.as_ref());
            if current == Some(&wanted) {
                continue;
            }
            let created = item.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s);
            if created.is_some_and(|c| c > last_sync) {
                // Not there at the last sync: the next one writes it.
                let next = last_sync + STATUS_SYNC;
                self.next_sync = Some(self.next_sync.map_or(next, |at| at.min(next)));
                continue;
            }
            let namespace = item.metadata.namespace.clone().unwrap_or_default();
            let name = item.metadata.name.clone().unwrap_or_default();
            let _ = api.update::<Ingress>(&namespace, &name, |i| {
                i.status = Some(IngressStatus { load_balancer: Some(wanted.clone()) });
            });
        }
        self.seen_api_version = api.resource_version();
        self.next_sync
    }
}

/// When the pod's Ready condition last became True.
fn ready_since(pod: &Pod) -> Option<SimTime> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    let ready = conditions.iter().find(|c| c.type_ == "Ready" && c.status == "True")?;
    ready.last_transition_time.as_ref().map(SimTime::from_k8s)
}
