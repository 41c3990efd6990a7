//! Load until the network is simulated: requests from load-generating pods reach the pods
//! behind a Service here. A load generator is a running container whose shell loop keeps
//! fetching `http://SERVICE` with wget or curl (the HPA walkthrough's
//! `while sleep 0.01; do wget -q -O- http://php-apache; done`); each one offers
//! `GENERATOR_MILLIS` of CPU work, shared evenly by the Service's ready pods. Only servers that
//! compute per request (hpa-example's PHP) turn it into CPU use; a container's CPU limit caps
//! what it gets, as the kubelet's resource model does for everything else.
//!
//! This is the network's part, not a component's: it reads Pods and Services as kube-proxy
//! would and hands each pod's containers their load through its kubelet.

use crate::api::ApiServer;
use crate::api::selector::Selector;
use crate::container::load_generator_target;
use crate::kubelet::Kubelet;
use crate::podutil;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The CPU one wget loop's requests take to serve: the walkthrough's php-apache reached about
/// 305% of its 200m request under one generator, i.e. ~610m of work.
pub const GENERATOR_MILLIS: u64 = 610;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Traffic {
    seen_api_version: u64,
    /// The load last handed out: pod uid → (node, millicores).
    offered: BTreeMap<String, (String, u64)>,
    /// The load generators running now: pod uid → (namespace, the hosts it fetches), kept
    /// from the pods that changed, so a cluster without any costs one look per change.
    #[serde(default)]
    generators: BTreeMap<String, (String, Vec<String>)>,
}

impl Traffic {
    /// Recomputes who gets what load when pods or services changed.
    pub fn route(&mut self, api: &ApiServer, kubelets: &mut BTreeMap<String, Kubelet>) {
        let seen = self.seen_api_version;
        if !api.kind_changed_since::<Pod>(seen) && !api.kind_changed_since::<Service>(seen) {
            return;
        }
        for pod in api.changed_since::<Pod>(seen) {
            let uid = podutil::uid(pod);
            let targets = if is_serving(pod) { running_targets(pod) } else { Vec::new() };
            if targets.is_empty() {
                self.generators.remove(uid);
            } else {
                let namespace = podutil::namespace(pod).to_string();
                self.generators.insert(uid.to_string(), (namespace, targets));
            }
        }
        for pod in api.deleted_since::<Pod>(seen) {
            self.generators.remove(podutil::uid(pod));
        }
        self.seen_api_version = api.resource_version();
        if self.generators.is_empty() && self.offered.is_empty() {
            return;
        }
        let mut generators: BTreeMap<(String, String), u64> = BTreeMap::new();
        for (namespace, hosts) in self.generators.values() {
            for host in hosts {
                if let Some(service) = resolve(api, namespace, host) {
                    *generators.entry(service).or_default() += 1;
                }
            }
        }
        let mut offered: BTreeMap<String, (String, u64)> = BTreeMap::new();
        for ((namespace, name), count) in generators {
            let Ok(service) = api.get::<Service>(&namespace, &name) else { continue };
            let Some(selector) = service
                .spec
                .as_ref()
                .and_then(|s| s.selector.clone())
                .filter(|s| !s.is_empty())
                .and_then(|labels| {
                    Selector::from_label_selector(&LabelSelector {
                        match_labels: Some(labels),
                        ..Default::default()
                    })
                })
            else {
                continue;
            };
            let endpoints: Vec<&Pod> = api
                .list::<Pod>(Some(&namespace))
                .filter(|p| is_serving(p) && selector.matches(p.metadata.labels.as_ref()))
                .collect();
            if endpoints.is_empty() {
                continue;
            }
            let share = count * GENERATOR_MILLIS / endpoints.len() as u64;
            for pod in endpoints {
                let node = podutil::node_name(pod).unwrap_or_default().to_string();
                let entry = offered.entry(podutil::uid(pod).to_string()).or_insert((node, 0));
                entry.1 += share;
            }
        }
        for (uid, (node, _)) in &self.offered {
            if !offered.contains_key(uid)
                && let Some(kubelet) = kubelets.get_mut(node)
            {
                kubelet.set_offered_load(uid, 0);
            }
        }
        for (uid, (node, millis)) in &offered {
            if let Some(kubelet) = kubelets.get_mut(node) {
                kubelet.set_offered_load(uid, *millis);
            }
        }
        self.offered = offered;
    }
}

/// Running, ready, bound and not being deleted: a pod that sends and receives requests.
fn is_serving(pod: &Pod) -> bool {
    podutil::phase(pod) == "Running"
        && pod.metadata.deletion_timestamp.is_none()
        && podutil::node_name(pod).is_some()
        && crate::controllers::pod_control::is_ready(pod)
}

/// The hosts the pod's running load-generating containers request.
fn running_targets(pod: &Pod) -> Vec<String> {
    let running: Vec<&str> = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
        .map(|c| c.name.as_str())
        .collect();
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .filter(|c| running.contains(&c.name.as_str()))
        .filter_map(|c| {
            let argv: Vec<String> =
                c.command.iter().flatten().chain(c.args.iter().flatten()).cloned().collect();
            load_generator_target(&argv)
        })
        .collect()
}

/// The Service a host name means from `namespace`: `NAME`, `NAME.NS`, `NAME.NS.svc`,
/// `NAME.NS.svc.cluster.local`.
fn resolve(api: &ApiServer, namespace: &str, host: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = host.split('.').collect();
    let (name, ns) = match parts.as_slice() {
        [name] => (*name, namespace),
        [name, ns] | [name, ns, "svc"] | [name, ns, "svc", "cluster", "local"] => (*name, *ns),
        _ => return None,
    };
    api.get::<Service>(ns, name).ok().map(|_| (ns.to_string(), name.to_string()))
}
