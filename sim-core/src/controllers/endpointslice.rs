//! The EndpointSlice controller: for every Service with a selector, EndpointSlices (named
//! `SERVICE-xxxxx`, owned by the Service) with one endpoint per selected pod and its
//! `ready`/`serving`/`terminating` conditions: serving is the pod's readiness, terminating its
//! deletion, and ready = `publishNotReadyAddresses || (serving && !terminating)`. Pods whose
//! named target ports resolve differently go to different slices, one per port set. A Service
//! without pods keeps one empty placeholder slice, as the real reconciler does.

use super::endpoints::{
    HEADLESS_LABEL, find_port, is_headless, name_of, namespace_of, pod_ip, pod_reference,
    reconcile_services, selected_pods, should_pod_be_in_endpoints, should_set_hostname,
};
use crate::api::ApiServer;
use crate::controllers::pod_control::is_ready;
use crate::podutil;
use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Node, Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// What `generateName` draws suffixes from.
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EndpointSliceController {
    seen_api_version: u64,
    /// Names and uids of new slices come from a stream of the controller's own, so other
    /// objects' names stay what they were before slices existed.
    rng: Option<Rng>,
}

/// A slice's port set: (name, port, protocol).
type PortSet = Vec<(String, i32, String)>;

impl EndpointSliceController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        reconcile_services::<EndpointSlice>(
            api,
            &mut self.seen_api_version,
            &mut self.rng,
            "endpointslice-controller",
            remove_orphans,
            sync,
        )
    }
}

/// Slices whose Service is gone go with it (the garbage collector's work for owned objects,
/// done here at once).
fn remove_orphans(api: &mut ApiServer, _seen: u64) {
    let orphans: Vec<(String, String)> = api
        .list::<EndpointSlice>(None)
        .filter(|s| is_managed(s))
        .filter(|s| {
            let service = s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL));
            service.is_none_or(|name| api.get::<Service>(&namespace_of(&s.metadata), name).is_err())
        })
        .map(|s| (namespace_of(&s.metadata), name_of(&s.metadata)))
        .collect();
    for (namespace, name) in orphans {
        let _ = api.delete::<EndpointSlice>(&namespace, &name, Default::default());
    }
}

fn is_managed(slice: &EndpointSlice) -> bool {
    slice.metadata.labels.as_ref().and_then(|l| l.get(MANAGED_BY_LABEL)).map(String::as_str)
        == Some(CONTROLLER_NAME)
}

/// Brings one Service's slices to what its pods say.
fn sync(api: &mut ApiServer, rng: &mut Rng, service: &Service) {
    let Some(pods) = selected_pods(api, service) else { return };
    let spec = service.spec.clone().unwrap_or_default();
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false);
    let ports = spec.ports.clone().unwrap_or_default();
    let mut desired: BTreeMap<PortSet, Vec<Endpoint>> = BTreeMap::new();
    for pod in &pods {
        if !should_pod_be_in_endpoints(pod, true) {
            continue;
        }
        let port_set: PortSet = ports
            .iter()
            .filter_map(|port| {
                Some((
                    port.name.clone().unwrap_or_default(),
                    find_port(pod, port)?,
                    port.protocol.clone().unwrap_or_else(|| "TCP".into()),
                ))
            })
            .collect();
        if !ports.is_empty() && port_set.is_empty() {
            continue;
        }
        desired.entry(port_set).or_default().push(endpoint(api, pod, service, publish_not_ready));
    }
    if desired.is_empty() {
        // The placeholder: no ports, no endpoints.
        desired.insert(Vec::new(), Vec::new());
    }
    let namespace = namespace_of(&service.metadata);
    let service_name = name_of(&service.metadata);
    let existing: Vec<EndpointSlice> = api
        .list::<EndpointSlice>(Some(&namespace))
        .filter(|s| {
            is_managed(s)
                && s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL))
                    == Some(&service_name)
        })
        .cloned()
        .collect();
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    labels.insert(SERVICE_NAME_LABEL.into(), service_name.clone());
    if is_headless(service) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    let mut unused: Vec<EndpointSlice> = Vec::new();
    let mut reused: BTreeMap<PortSet, String> = BTreeMap::new();
    for slice in existing {
        let set = port_set_of(&slice);
        if desired.contains_key(&set) && !reused.contains_key(&set) {
            reused.insert(set, name_of(&slice.metadata));
        } else {
            unused.push(slice);
        }
    }
    for (set, endpoints) in desired {
        let slice_ports = (!set.is_empty()).then(|| {
            set.iter()
                .map(|(name, port, protocol)| EndpointPort {
                    name: Some(name.clone()),
                    port: Some(*port),
                    protocol: Some(protocol.clone()),
                    ..Default::default()
                })
                .collect::<Vec<_>>()
        });
        let endpoints = (!endpoints.is_empty()).then_some(endpoints);
        // A slice with other ports is reused before a new one is made, as the reconciler
        // prefers updates to creations.
        let name = reused.remove(&set).or_else(|| unused.pop().map(|s| name_of(&s.metadata)));
        match name {
            Some(name) => {
                let labels = labels.clone();
                let _ = api.update::<EndpointSlice>(&namespace, &name, |slice| {
                    slice.endpoints = endpoints.unwrap_or_default();
                    slice.ports = slice_ports;
                    slice.metadata.labels = Some(labels);
                });
            }
            None => {
                let slice = EndpointSlice {
                    metadata: ObjectMeta {
                        name: Some(generate_name(rng, &service_name)),
                        namespace: Some(namespace.clone()),
                        labels: Some(labels.clone()),
                        owner_references: Some(vec![OwnerReference {
                            api_version: "v1".into(),
                            kind: "Service".into(),
                            name: service_name.clone(),
                            uid: service.metadata.uid.clone().unwrap_or_default(),
                            controller: Some(true),
                            block_owner_deletion: Some(true),
                        }]),
                        ..Default::default()
                    },
                    address_type: "IPv4".into(),
                    endpoints: endpoints.unwrap_or_default(),
                    ports: slice_ports,
                };
                let _ = api.create_with_uid(slice, rng.uuid());
            }
        }
    }
    for slice in unused {
        let _ =
            api.delete::<EndpointSlice>(&namespace, &name_of(&slice.metadata), Default::default());
    }
}

fn port_set_of(slice: &EndpointSlice) -> PortSet {
    slice
        .ports
        .iter()
        .flatten()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                p.port.unwrap_or_default(),
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            )
        })
        .collect()
}

/// `podToEndpoint`.
fn endpoint(api: &ApiServer, pod: &Pod, service: &Service, publish_not_ready: bool) -> Endpoint {
    let serving = is_ready(pod);
    let terminating = pod.metadata.deletion_timestamp.is_some();
    let ready = publish_not_ready || (serving && !terminating);
    let node = podutil::node_name(pod);
    let zone = node
        .and_then(|n| api.get::<Node>("", n).ok())
        .and_then(|n| n.metadata.labels.as_ref()?.get("topology.kubernetes.io/zone").cloned());
    Endpoint {
        addresses: vec![pod_ip(pod).unwrap_or_default().to_string()],
        conditions: Some(EndpointConditions {
            ready: Some(ready),
            serving: Some(serving),
            terminating: Some(terminating),
        }),
        hostname: should_set_hostname(pod, service)
            .then(|| pod.spec.as_ref().and_then(|s| s.hostname.clone()))
            .flatten(),
        node_name: node.map(str::to_string),
        target_ref: Some(pod_reference(pod)),
        zone,
        ..Default::default()
    }
}

/// `SERVICE-` and five characters, as `generateName` makes them (the prefix is cut to leave
/// room for them in a 63-character name).
fn generate_name(rng: &mut Rng, service: &str) -> String {
    let prefix: String = service.chars().take(57).collect();
    let suffix: String = (0..5)
        .map(|_| char::from(SUFFIX_ALPHABET[rng.below(SUFFIX_ALPHABET.len() as u64) as usize]))
        .collect();
    format!("{prefix}-{suffix}")
}
