//! The Endpoints controller: for every Service with a selector, an Endpoints object of the same
//! name listing the selected pods' addresses, ready ones under `addresses` and the others under
//! `notReadyAddresses`, with each service port's target port resolved on the pod (named
//! targetPorts look up the pod's container ports). The helpers here are shared with the
//! EndpointSlice controller, as Kubernetes shares `pkg/controller/util/endpoint`.

use crate::api::selector::Selector;
use crate::api::{ApiServer, Kind};
use crate::controllers::pod_control::is_ready;
use crate::podutil;
use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
    ServicePort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A pod's resolved ports for a Service: (name, port, protocol).
type PortSet = Vec<(String, i32, String)>;

/// The label the controllers put on the Endpoints and EndpointSlices of headless Services.
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EndpointsController {
    seen_api_version: u64,
    /// Uids of new Endpoints come from a stream of the controller's own, so other objects'
    /// uids stay what they were before Endpoints existed.
    rng: Option<Rng>,
}

impl EndpointsController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        reconcile_services::<Endpoints>(
            api,
            &mut self.seen_api_version,
            &mut self.rng,
            "endpoints-controller",
            remove_gone,
            sync,
        )
    }
}

/// A deleted Service takes its Endpoints with it.
fn remove_gone(api: &mut ApiServer, seen: u64) {
    let gone: Vec<(String, String)> = api
        .deleted_since::<Service>(seen)
        .map(|s| (namespace_of(&s.metadata), name_of(&s.metadata)))
        .filter(|(ns, name)| api.get::<Service>(ns, name).is_err())
        .collect();
    for (namespace, name) in gone {
        let _ = api.delete::<Endpoints>(&namespace, &name, Default::default());
    }
}

/// The pass both endpoint controllers make (both of Kubernetes' watch Services, Pods and their
/// own objects `E`): nothing unless one of those changed since `seen`; then what belonged to
/// Services that are gone goes (`remove_gone`), and each Service whose endpoints may have
/// moved is synced with the controller's own random stream.
pub(crate) fn reconcile_services<E: Kind>(
    api: &mut ApiServer,
    seen: &mut u64,
    rng: &mut Option<Rng>,
    stream: &str,
    remove_gone: fn(&mut ApiServer, u64),
    sync: fn(&mut ApiServer, &mut Rng, &Service),
) -> Option<SimTime> {
    let services_changed =
        api.kind_changed_since::<Service>(*seen) || api.kind_changed_since::<E>(*seen);
    if !services_changed && !api.kind_changed_since::<Pod>(*seen) {
        return None;
    }
    // Leftovers of a Service appear only when Services or `E`s change.
    if services_changed {
        remove_gone(api, *seen);
    }
    let rng = rng.get_or_insert_with(|| api.rng_mut().fork(stream));
    for service in &services_to_sync(api, *seen, services_changed) {
        sync(api, rng, service);
    }
    *seen = api.resource_version();
    None
}

/// Writes one Service's Endpoints as `syncService` computes them.
fn sync(api: &mut ApiServer, rng: &mut Rng, service: &Service) {
    let Some(pods) = selected_pods(api, service) else { return };
    let spec = service.spec.clone().unwrap_or_default();
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false);
    let ports = spec.ports.clone().unwrap_or_default();
    // (ports, ready?) → addresses, so subsets come out repacked: one subset per port set.
    let mut groups: BTreeMap<PortSet, (Vec<EndpointAddress>, Vec<EndpointAddress>)> =
        BTreeMap::new();
    for pod in &pods {
        if !should_pod_be_in_endpoints(pod, publish_not_ready) {
            continue;
        }
        let Some(address) = pod_address(pod, service) else { continue };
        let ready = publish_not_ready || is_ready(pod);
        let resolved: PortSet = if ports.is_empty() {
            // A headless Service without ports lists bare addresses.
            if !is_headless(service) {
                continue;
            }
            Vec::new()
        } else {
            ports
                .iter()
                .filter_map(|port| {
                    Some((
                        port.name.clone().unwrap_or_default(),
                        find_port(pod, port)?,
                        port.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    ))
                })
                .collect()
        };
        if !ports.is_empty() && resolved.is_empty() {
            continue;
        }
        // Each resolved port is its own subset before repacking; pods resolving the same
        // ports share them.
        let entry = groups.entry(resolved).or_default();
        if ready { &mut entry.0 } else { &mut entry.1 }.push(address);
    }
    let subsets: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(ports, (mut ready, mut not_ready))| {
            crate::sort::sort_by(&mut ready, |a, b| a.ip.cmp(&b.ip));
            crate::sort::sort_by(&mut not_ready, |a, b| a.ip.cmp(&b.ip));
            EndpointSubset {
                addresses: (!ready.is_empty()).then_some(ready),
                not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                ports: (!ports.is_empty()).then(|| {
                    ports
                        .into_iter()
                        .map(|(name, port, protocol)| EndpointPort {
                            name: (!name.is_empty()).then_some(name),
                            port,
                            protocol: Some(protocol),
                            ..Default::default()
                        })
                        .collect()
                }),
            }
        })
        .collect();
    let subsets = (!subsets.is_empty()).then_some(subsets);
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    if is_headless(service) {
        labels.insert(HEADLESS_LABEL.to_string(), String::new());
    }
    let labels = (!labels.is_empty()).then_some(labels);
    let namespace = namespace_of(&service.metadata);
    let name = name_of(&service.metadata);
    if api.get::<Endpoints>(&namespace, &name).is_ok() {
        let _ = api.update::<Endpoints>(&namespace, &name, |endpoints| {
            endpoints.subsets = subsets;
            endpoints.metadata.labels = labels;
        });
    } else {
        let endpoints = Endpoints {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: Some(namespace),
                labels,
                ..Default::default()
            },
            subsets,
        };
        // Forbidden in a terminating namespace: nothing to do, as the real controller drops it.
        let _ = api.create_with_uid(endpoints, rng.uuid());
    }
}

/// The Services whose endpoints may have moved since `seen`: every one when Services or the
/// endpoints objects changed (`services_changed`); otherwise those with a selector in the namespace of a pod that
/// changed (a pod's old labels are not at hand, so all of that namespace's Services look again).
fn services_to_sync(api: &ApiServer, seen: u64, services_changed: bool) -> Vec<Service> {
    let all = seen == 0 || services_changed;
    let mut namespaces: Vec<&str> = Vec::new();
    if !all {
        for pod in api.changed_since::<Pod>(seen).chain(api.deleted_since::<Pod>(seen)) {
            let namespace = podutil::namespace(pod);
            if !namespaces.contains(&namespace) {
                namespaces.push(namespace);
            }
        }
    }
    api.list::<Service>(None)
        .filter(|service| {
            all || (service.spec.as_ref().is_some_and(|s| s.selector.is_some())
                && namespaces.contains(&service.metadata.namespace.as_deref().unwrap_or_default()))
        })
        .cloned()
        .collect()
}

/// The pods a Service selects, or `None` when the controllers leave its endpoints alone (no
/// selector: someone manages them by hand; ExternalName: there are none).
pub(crate) fn selected_pods<'a>(api: &'a ApiServer, service: &Service) -> Option<Vec<&'a Pod>> {
    let spec = service.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    let labels = spec.selector.clone()?;
    let selector = Selector::from_label_selector(&LabelSelector {
        match_labels: Some(labels),
        ..Default::default()
    })?;
    let namespace = service.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    Some(
        api.list::<Pod>(None)
            .filter(|p| podutil::namespace(p) == namespace)
            .filter(|p| selector.matches(p.metadata.labels.as_ref()))
            .collect(),
    )
}

/// `ShouldPodBeInEndpoints`: pods with an address that are not finished; terminating pods only
/// when asked (`publishNotReadyAddresses` for Endpoints, always for EndpointSlices).
pub(crate) fn should_pod_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    if podutil::is_terminal(pod) || pod_ip(pod).is_none() {
        return false;
    }
    include_terminating || pod.metadata.deletion_timestamp.is_none()
}

pub(crate) fn pod_ip(pod: &Pod) -> Option<&str> {
    pod.status.as_ref()?.pod_ip.as_deref().filter(|ip| !ip.is_empty())
}

/// `podutil.FindPort`: a numeric targetPort as it is, a named one looked up among the pod's
/// container ports with the same protocol.
pub(crate) fn find_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    match port.target_port.clone().unwrap_or(IntOrString::Int(port.port)) {
        IntOrString::Int(number) => Some(number),
        IntOrString::String(name) => {
            if let Ok(number) = name.parse::<i32>() {
                return Some(number);
            }
            pod.spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| {
                    p.name.as_deref() == Some(name.as_str())
                        && p.protocol.as_deref().unwrap_or("TCP") == protocol
                })
                .map(|p| p.container_port)
        }
    }
}

/// `ShouldSetHostname`: a pod whose `hostname` is set and whose `subdomain` names this Service
/// gets its own DNS record under it.
pub(crate) fn should_set_hostname(pod: &Pod, service: &Service) -> bool {
    let Some(spec) = &pod.spec else { return false };
    spec.hostname.as_deref().is_some_and(|h| !h.is_empty())
        && spec.subdomain.as_deref() == service.metadata.name.as_deref()
        && pod.metadata.namespace == service.metadata.namespace
}

pub(crate) fn is_headless(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

pub(crate) fn pod_reference(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        ..Default::default()
    }
}

fn pod_address(pod: &Pod, service: &Service) -> Option<EndpointAddress> {
    Some(EndpointAddress {
        ip: pod_ip(pod)?.to_string(),
        hostname: should_set_hostname(pod, service)
            .then(|| pod.spec.as_ref().and_then(|s| s.hostname.clone()))
            .flatten(),
        node_name: podutil::node_name(pod).map(str::to_string),
        target_ref: Some(pod_reference(pod)),
    })
}

pub(crate) fn namespace_of(meta: &ObjectMeta) -> String {
    meta.namespace.clone().unwrap_or_else(|| "default".into())
}

pub(crate) fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::Simulation;
    use crate::shell::Shell;
    use k8s_openapi::api::core::v1::{EndpointAddress, Endpoints};
    use k8s_openapi::api::discovery::v1::EndpointSlice;

    /// Two pods of `app: web` (one whose readiness probe fails) and a Service with a named
    /// target port, after 30 s.
    fn cluster(service_extra: &str) -> Simulation {
        let mut sim = Simulation::new(3);
        let script = format!(
            "cat <<EOF | kubectl apply -f -
apiVersion: v1
kind: Pod
metadata:
  name: ready
  labels: {{app: web}}
spec:
  containers:
  - name: web
    image: nginx
    ports: [{{name: http, containerPort: 80}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: unready
  labels: {{app: web}}
spec:
  containers:
  - name: web
    image: nginx
    ports: [{{name: http, containerPort: 80}}]
    readinessProbe:
      exec: {{command: [cat, /tmp/nope]}}
      periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports: [{{port: 8080, targetPort: http}}]
{service_extra}
EOF
sleep 30"
        );
        Shell::new().run_script(&mut sim, &script);
        sim
    }

    /// The pods under `addresses` and `notReadyAddresses`.
    fn addresses(sim: &Simulation) -> (Vec<String>, Vec<String>) {
        let endpoints = sim.api().get::<Endpoints>("default", "web").expect("Endpoints web");
        let subset =
            endpoints.subsets.as_ref().and_then(|s| s.first()).cloned().unwrap_or_default();
        assert_eq!(subset.ports.unwrap_or_default()[0].port, 80, "the named port resolves");
        let pods = |a: Option<Vec<EndpointAddress>>| -> Vec<String> {
            a.unwrap_or_default()
                .into_iter()
                .filter_map(|a| a.target_ref.and_then(|r| r.name))
                .collect()
        };
        (pods(subset.addresses), pods(subset.not_ready_addresses))
    }

    /// (pod, ready, serving, terminating) of each endpoint of the Service's slice.
    fn slice_conditions(sim: &Simulation) -> Vec<(String, bool, bool, bool)> {
        let slice = sim
            .api()
            .list::<EndpointSlice>(Some("default"))
            .find(|s| s.metadata.name.as_deref().is_some_and(|n| n.starts_with("web-")))
            .expect("a slice for web")
            .clone();
        slice
            .endpoints
            .iter()
            .map(|e| {
                let c = e.conditions.clone().unwrap_or_default();
                let pod = e.target_ref.as_ref().and_then(|r| r.name.clone()).unwrap_or_default();
                (pod, c.ready == Some(true), c.serving == Some(true), c.terminating == Some(true))
            })
            .collect()
    }

    #[test]
    fn ready_pods_are_addresses_and_the_others_not_ready_addresses() {
        let sim = cluster("");
        assert_eq!(addresses(&sim), (vec!["ready".into()], vec!["unready".into()]));
        assert_eq!(
            slice_conditions(&sim),
            [("ready".into(), true, true, false), ("unready".into(), false, false, false)]
        );
    }

    #[test]
    fn publish_not_ready_addresses_lists_every_pod_as_ready() {
        let sim = cluster("  publishNotReadyAddresses: true");
        assert_eq!(addresses(&sim), (vec!["ready".into(), "unready".into()], vec![]));
        assert!(slice_conditions(&sim).iter().all(|(_, ready, _, _)| *ready));
    }

    #[test]
    fn a_terminating_pod_leaves_the_endpoints_and_stays_in_the_slice_as_terminating() {
        let mut sim = cluster("");
        Shell::new().run_script(&mut sim, "kubectl delete pod ready --wait=false");
        assert_eq!(addresses(&sim), (vec![], vec!["unready".into()]));
        assert!(slice_conditions(&sim).contains(&("ready".into(), false, true, true)));
    }

    #[test]
    fn deleting_the_service_deletes_its_endpoints_and_slices() {
        let mut sim = cluster("");
        Shell::new().run_script(&mut sim, "kubectl delete service web");
        assert!(sim.api().get::<Endpoints>("default", "web").is_err());
        let slices = sim.api().list::<EndpointSlice>(Some("default"));
        assert!(
            !slices.into_iter().any(|s| s
                .metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("web-")))
        );
    }
}
