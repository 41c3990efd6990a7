//! What the page draws: a plain snapshot of the cluster (nodes with their pods, pods waiting
//! for a node), derived from the simulation so the diagram never holds state of its own.

use crate::Simulation;
use crate::kubectl::print;
use crate::podutil;
use crate::scheduler::framework::{PodRequests, Resources};
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Volume};
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};

/// The label the diagram draws zones from (and sets when a node is dropped in another zone).
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterView {
    pub nodes: Vec<NodeView>,
    /// Pods no node has been chosen for, with the scheduler's reason when it has one.
    pub unscheduled: Vec<PodView>,
    /// PersistentVolumes, drawn beside the cluster with a line to their claim.
    pub persistent_volumes: Vec<PersistentVolumeView>,
    pub persistent_volume_claims: Vec<PersistentVolumeClaimView>,
    /// Services with their endpoints, for drawing traffic from a Service to its pods.
    pub services: Vec<ServiceView>,
    /// Ingresses: the entry points drawn before the Services they route to.
    pub ingresses: Vec<IngressView>,
}

/// An Ingress and where its rules send requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressView {
    pub namespace: String,
    pub name: String,
    /// `spec.ingressClassName`, if set.
    pub class: Option<String>,
    /// ADDRESS as `kubectl get ingress` shows it, once the controller has published one.
    pub address: Option<String>,
    pub routes: Vec<IngressRoute>,
}

/// One path of an Ingress rule (or its default backend) and the Service it leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRoute {
    /// The rule's host, `*` when it matches every host.
    pub host: String,
    /// The path (`/`, `/api`), or `(default)` for the default backend.
    pub path: String,
    /// The backend Service's name (in the Ingress's namespace).
    pub service: String,
    /// The backend port, by number or name.
    pub port: String,
}

/// A PersistentVolume as `kubectl get pv` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistentVolumeView {
    pub name: String,
    /// `10Gi`
    pub capacity: String,
    /// ACCESS MODES as kubectl abbreviates them (`RWO`, `RWO,ROX`).
    pub access_modes: String,
    pub reclaim_policy: String,
    /// Available, Bound, Released, Failed, or Terminating.
    pub status: String,
    /// The claim it is bound (or pre-bound) to: `namespace/name`.
    pub claim: Option<String>,
    pub storage_class: String,
}

/// A PersistentVolumeClaim as `kubectl get pvc` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistentVolumeClaimView {
    pub namespace: String,
    pub name: String,
    /// Pending, Bound, Lost, or Terminating.
    pub status: String,
    /// The PersistentVolume it is bound to.
    pub volume: Option<String>,
    /// The bound volume's capacity, or the request while pending.
    pub capacity: String,
    pub storage_class: String,
}

/// One of a pod's volumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeView {
    pub name: String,
    /// The volume source's field name: `emptyDir`, `hostPath`, `persistentVolumeClaim`,
    /// `configMap`, `secret`, `projected`, `downwardAPI`, `nfs`…
    pub kind: String,
    /// What it refers to: the claim, ConfigMap or Secret name, the host or NFS path.
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceView {
    pub namespace: String,
    pub name: String,
    /// TYPE as `kubectl get services` shows it (`ClusterIP`, `NodePort`…).
    pub service_type: String,
    /// The cluster IP (`None` for headless Services), empty for ExternalName.
    pub cluster_ip: String,
    /// The load balancer's address, once the cloud has given one.
    pub external_ip: Option<String>,
    /// PORT(S) as `kubectl get services` shows each (`80/TCP`, `80:30080/TCP`).
    pub ports: Vec<String>,
    pub endpoints: Vec<EndpointView>,
}

/// One address behind a Service, from its EndpointSlices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointView {
    /// The pod (`NAME`) the address belongs to, when it is one.
    pub pod: Option<String>,
    pub ip: String,
    /// Ready: traffic goes there.
    pub ready: bool,
    pub terminating: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub name: String,
    /// ROLES as `kubectl get nodes` shows them (`control-plane`, `<none>`).
    pub roles: String,
    /// STATUS as `kubectl get nodes` shows it (`Ready`, `Ready,SchedulingDisabled`).
    pub status: String,
    /// `key=value:Effect` for each taint.
    pub taints: Vec<String>,
    pub pods: Vec<PodView>,
    /// The node's `topology.kubernetes.io/zone` label.
    pub zone: Option<String>,
    /// CPU in millicores: what its pods request (as the scheduler counts) and what it offers.
    pub cpu: Allocation,
    /// Memory in bytes, likewise.
    pub memory: Allocation,
    /// Whether the node's kubelet service is running (the node menu stops or starts it).
    pub kubelet_running: bool,
}

/// Requested against allocatable, for one resource of a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allocation {
    pub requested: i64,
    pub allocatable: i64,
}

impl Allocation {
    /// The requested share of allocatable, from 0 to 1 (more when overcommitted is shown full).
    pub fn fraction(self) -> f64 {
        if self.allocatable <= 0 {
            return 0.0;
        }
        (self.requested as f64 / self.allocatable as f64).clamp(0.0, 1.0)
    }

    /// The percentage `kubectl describe node` prints beside requests.
    pub fn percent(self) -> i64 {
        if self.allocatable <= 0 { 0 } else { self.requested * 100 / self.allocatable }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodView {
    /// The scheduler's explanations are kept by uid.
    pub uid: String,
    pub namespace: String,
    pub name: String,
    /// STATUS as `kubectl get pods` shows it.
    pub status: String,
    pub tone: Tone,
    /// READY as `kubectl get pods` shows it (`1/1`).
    pub ready: String,
    pub restarts: i32,
    /// Why the pod waits, for pods without a node (the FailedScheduling message).
    pub reason: Option<String>,
    pub volumes: Vec<VolumeView>,
}

/// How a pod's status reads at a glance; the page gives each a colour and a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    Running,
    /// Getting there: Pending, ContainerCreating, Init:0/1, PodInitializing.
    Starting,
    /// Waiting on an error: ImagePullBackOff, CrashLoopBackOff, Error, OOMKilled...
    Failing,
    Completed,
    Terminating,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Running => "running",
            Tone::Starting => "starting",
            Tone::Failing => "failing",
            Tone::Completed => "completed",
            Tone::Terminating => "terminating",
        }
    }

    fn of(status: &str) -> Tone {
        match status {
            "Running" => Tone::Running,
            "Completed" | "Succeeded" => Tone::Completed,
            "Terminating" => Tone::Terminating,
            "Pending" | "ContainerCreating" | "PodInitializing" => Tone::Starting,
            s if s.starts_with("Init:") && s[5..].contains('/') => Tone::Starting,
            _ => Tone::Failing,
        }
    }
}

impl ClusterView {
    pub fn of(sim: &Simulation) -> ClusterView {
        let api = sim.api();
        let pods: Vec<&Pod> = api.list::<Pod>(None).collect();
        let nodes = api
            .list::<Node>(None)
            .map(|node| {
                let name = node.metadata.name.clone().unwrap_or_default();
                let taints = node
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .into_iter()
                    .flatten()
                    .map(|t| match t.value.as_deref().filter(|v| !v.is_empty()) {
                        Some(value) => format!("{}={value}:{}", t.key, t.effect),
                        None => format!("{}:{}", t.key, t.effect),
                    })
                    .collect();
                let on_node: Vec<&Pod> = pods
                    .iter()
                    .copied()
                    .filter(|p| podutil::node_name(p) == Some(name.as_str()))
                    .collect();
                // Pods that finished hold no resources, as the scheduler counts them.
                let requested = on_node
                    .iter()
                    .filter(|p| !podutil::is_terminal(p))
                    .fold(Resources::default(), |sum, p| sum + PodRequests::of(p).fit);
                let allocatable =
                    Resources::from_list(node.status.as_ref().and_then(|s| s.allocatable.as_ref()));
                NodeView {
                    roles: print::node::roles(node),
                    status: print::node::status(node),
                    taints,
                    pods: on_node.iter().map(|p| pod_view(p)).collect(),
                    zone: node.metadata.labels.as_ref().and_then(|l| l.get(ZONE_LABEL)).cloned(),
                    cpu: Allocation {
                        requested: requested.milli_cpu,
                        allocatable: allocatable.milli_cpu,
                    },
                    memory: Allocation {
                        requested: requested.memory_bytes,
                        allocatable: allocatable.memory_bytes,
                    },
                    kubelet_running: sim.machine(&name).is_some_and(|m| m.kubelet_running()),
                    name,
                }
            })
            .collect();
        let unscheduled = pods
            .iter()
            .filter(|p| podutil::node_name(p).is_none() && !podutil::is_terminal(p))
            .map(|p| pod_view(p))
            .collect();
        let persistent_volumes =
            api.list::<PersistentVolume>(None).map(persistent_volume_view).collect();
        let persistent_volume_claims =
            api.list::<PersistentVolumeClaim>(None).map(claim_view).collect();
        ClusterView {
            nodes,
            unscheduled,
            persistent_volumes,
            persistent_volume_claims,
            services: service_views(api),
            ingresses: api.list::<Ingress>(None).map(ingress_view).collect(),
        }
    }
}

fn ingress_view(ingress: &Ingress) -> IngressView {
    let spec = ingress.spec.clone().unwrap_or_default();
    let backend = |b: &IngressBackend| {
        b.service.as_ref().map(|s| {
            let port = s.port.as_ref();
            let port = port
                .and_then(|p| p.number.map(|n| n.to_string()).or_else(|| p.name.clone()))
                .unwrap_or_default();
            (s.name.clone(), port)
        })
    };
    let mut routes = Vec::new();
    for rule in spec.rules.iter().flatten() {
        let host = rule.host.clone().unwrap_or_else(|| "*".to_string());
        for path in rule.http.iter().flat_map(|h| h.paths.iter()) {
            if let Some((service, port)) = backend(&path.backend) {
                let path_text = path.path.clone().unwrap_or_else(|| "/".to_string());
                routes.push(IngressRoute { host: host.clone(), path: path_text, service, port });
            }
        }
    }
    if let Some((service, port)) = spec.default_backend.as_ref().and_then(backend) {
        routes.push(IngressRoute { host: "*".into(), path: "(default)".into(), service, port });
    }
    let address = ingress
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .and_then(|i| i.first())
        .and_then(|i| i.ip.clone().or_else(|| i.hostname.clone()));
    IngressView {
        namespace: ingress.metadata.namespace.clone().unwrap_or_default(),
        name: ingress.metadata.name.clone().unwrap_or_default(),
        class: spec.ingress_class_name.clone(),
        address,
        routes,
    }
}

fn phase_or_terminating(deleting: bool, phase: Option<&String>) -> String {
    if deleting { "Terminating".to_string() } else { phase.cloned().unwrap_or_default() }
}

fn persistent_volume_view(volume: &PersistentVolume) -> PersistentVolumeView {
    let spec = volume.spec.clone().unwrap_or_default();
    let phase = volume.status.as_ref().and_then(|s| s.phase.as_ref());
    PersistentVolumeView {
        name: volume.metadata.name.clone().unwrap_or_default(),
        capacity: spec
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_default(),
        access_modes: print::columns::access_modes_text(
            spec.access_modes.as_deref().unwrap_or_default(),
        ),
        reclaim_policy: spec.persistent_volume_reclaim_policy.clone().unwrap_or_default(),
        status: phase_or_terminating(volume.metadata.deletion_timestamp.is_some(), phase),
        claim: spec.claim_ref.as_ref().map(|r| {
            format!(
                "{}/{}",
                r.namespace.clone().unwrap_or_default(),
                r.name.clone().unwrap_or_default()
            )
        }),
        storage_class: spec.storage_class_name.clone().unwrap_or_default(),
    }
}

fn claim_view(claim: &PersistentVolumeClaim) -> PersistentVolumeClaimView {
    let spec = claim.spec.clone().unwrap_or_default();
    let status = claim.status.clone().unwrap_or_default();
    let bound = status.capacity.as_ref().and_then(|c| c.get("storage"));
    let requested =
        spec.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage"));
    PersistentVolumeClaimView {
        namespace: claim.metadata.namespace.clone().unwrap_or_default(),
        name: claim.metadata.name.clone().unwrap_or_default(),
        status: phase_or_terminating(
            claim.metadata.deletion_timestamp.is_some(),
            status.phase.as_ref(),
        ),
        volume: spec.volume_name.clone().filter(|v| !v.is_empty()),
        capacity: bound.or(requested).map(|q| q.0.clone()).unwrap_or_default(),
        storage_class: spec.storage_class_name.clone().unwrap_or_default(),
    }
}

fn volume_view(volume: &Volume) -> VolumeView {
    let value = serde_json::to_value(volume).unwrap_or_default();
    let kind = value
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "name").cloned())
        .unwrap_or_default();
    let source = if let Some(claim) = &volume.persistent_volume_claim {
        Some(claim.claim_name.clone())
    } else if let Some(host_path) = &volume.host_path {
        Some(host_path.path.clone())
    } else if let Some(map) = &volume.config_map {
        Some(map.name.clone())
    } else if let Some(secret) = &volume.secret {
        secret.secret_name.clone()
    } else {
        volume.nfs.as_ref().map(|nfs| format!("{}:{}", nfs.server, nfs.path))
    };
    VolumeView { name: volume.name.clone(), kind, source }
}

fn service_views(api: &crate::api::ApiServer) -> Vec<ServiceView> {
    use k8s_openapi::api::core::v1::Service;
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    api.list::<Service>(None)
        .map(|service| {
            let namespace = service.metadata.namespace.clone().unwrap_or_default();
            let name = service.metadata.name.clone().unwrap_or_default();
            let spec = service.spec.clone().unwrap_or_default();
            let ports = spec
                .ports
                .iter()
                .flatten()
                .map(|p| {
                    let protocol = p.protocol.as_deref().unwrap_or("TCP");
                    match p.node_port {
                        Some(node_port) => format!("{}:{node_port}/{protocol}", p.port),
                        None => format!("{}/{protocol}", p.port),
                    }
                })
                .collect();
            let external_ip = service
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .and_then(|i| i.first())
                .and_then(|i| i.ip.clone());
            let mut endpoints: Vec<EndpointView> = api
                .list::<EndpointSlice>(Some(&namespace))
                .filter(|s| {
                    s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name"))
                        == Some(&name)
                })
                .flat_map(|s| s.endpoints.iter())
                .filter_map(|e| {
                    let conditions = e.conditions.clone().unwrap_or_default();
                    Some(EndpointView {
                        pod: e
                            .target_ref
                            .as_ref()
                            .filter(|r| r.kind.as_deref() == Some("Pod"))
                            .and_then(|r| r.name.clone()),
                        ip: e.addresses.first()?.clone(),
                        ready: conditions.ready.unwrap_or(true),
                        terminating: conditions.terminating.unwrap_or(false),
                    })
                })
                .collect();
            crate::sort::sort_by(&mut endpoints, |a, b| a.ip.cmp(&b.ip));
            ServiceView {
                namespace,
                name,
                service_type: spec.type_.unwrap_or_else(|| "ClusterIP".into()),
                cluster_ip: spec.cluster_ip.unwrap_or_default(),
                external_ip,
                ports,
                endpoints,
            }
        })
        .collect()
}

fn pod_view(pod: &Pod) -> PodView {
    let status = print::pod::status(pod);
    let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref());
    let reason = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False"))
        .and_then(|c| c.message.clone());
    PodView {
        uid: podutil::uid(pod).to_string(),
        namespace: podutil::namespace(pod).to_string(),
        name: podutil::name(pod).to_string(),
        tone: Tone::of(&status),
        status,
        ready: print::pod::ready(pod),
        restarts: statuses.iter().flat_map(|l| l.iter()).map(|c| c.restart_count).sum(),
        reason,
        volumes: pod
            .spec
            .iter()
            .flat_map(|s| s.volumes.iter().flatten())
            .map(volume_view)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;
    use std::time::Duration;

    #[test]
    fn a_new_pod_moves_from_starting_to_running_on_a_worker() {
        let mut sim = Simulation::new(1);
        Shell::new().run_script(&mut sim, "kubectl run web --image=nginx");
        let find = |view: &ClusterView| {
            view.nodes.iter().find_map(|n| {
                n.pods.iter().find(|p| p.name == "web").map(|p| (n.name.clone(), p.clone()))
            })
        };
        let (node, pod) = find(&ClusterView::of(&sim)).expect("web is bound at once");
        assert_ne!(node, "controlplane");
        assert_eq!((pod.status.as_str(), pod.tone), ("ContainerCreating", Tone::Starting));
        sim.advance(Duration::from_secs(30));
        let (_, pod) = find(&ClusterView::of(&sim)).unwrap();
        assert_eq!(
            (pod.status.as_str(), pod.tone, pod.ready.as_str()),
            ("Running", Tone::Running, "1/1")
        );
    }

    #[test]
    fn services_show_their_ready_endpoints_and_requests_their_hops() {
        let mut sim = Simulation::new(1);
        Shell::new().run_script(
            &mut sim,
            "kubectl create deployment web --image=nginx --replicas=2\nsleep 20",
        );
        let service = k8s_openapi::api::core::v1::Service {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("web".into()),
                ..Default::default()
            },
            spec: Some(k8s_openapi::api::core::v1::ServiceSpec {
                selector: Some([("app".to_string(), "web".to_string())].into()),
                ports: Some(vec![k8s_openapi::api::core::v1::ServicePort {
                    port: 80,
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            status: None,
        };
        sim.create(service).unwrap();
        let view = ClusterView::of(&sim);
        let web = view.services.iter().find(|s| s.name == "web").expect("the Service");
        assert_eq!(web.ports, ["80/TCP"]);
        assert_eq!(web.endpoints.len(), 2);
        assert!(web.endpoints.iter().all(|e| e.ready && e.pod.is_some()));
        Shell::new().run_script(&mut sim, "kubectl run client --image=busybox -- sleep 600\nsleep 10\nkubectl exec client -- wget -qO- http://web");
        let trace = sim.recent_requests().last().expect("a request");
        assert_eq!(trace.from, "pod/client");
        let kinds: Vec<&str> = trace.hops.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds, ["dns", "service", "kube-proxy", "pod"]);
        assert!(trace.served_by.as_deref().is_some_and(|p| p.starts_with("default/web-")));
    }

    #[test]
    fn ingresses_list_their_routes_and_default_backend() {
        let mut sim = Simulation::new(1);
        let script = "kubectl create -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: site\nspec:\n  ingressClassName: nginx\n  defaultBackend:\n    service: {name: fallback, port: {name: http}}\n  rules:\n  - host: shop.test\n    http:\n      paths:\n      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}\n  - http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\nEOF";
        Shell::new().run_script(&mut sim, script);
        let view = ClusterView::of(&sim);
        let site = &view.ingresses[0];
        assert_eq!((site.name.as_str(), site.class.as_deref()), ("site", Some("nginx")));
        let routes: Vec<String> = site
            .routes
            .iter()
            .map(|r| format!("{}{} {}:{}", r.host, r.path, r.service, r.port))
            .collect();
        assert_eq!(routes, ["shop.test/api api:8080", "*/ web:80", "*(default) fallback:http"]);
    }

    #[test]
    fn the_control_plane_shows_its_taint() {
        let view = ClusterView::of(&Simulation::new(1));
        let names: Vec<&str> = view.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["controlplane", "node01", "node02"]);
        assert_eq!(view.nodes[0].taints, ["node-role.kubernetes.io/control-plane:NoSchedule"]);
        assert_eq!(view.nodes[0].roles, "control-plane");
        assert_eq!(view.nodes[1].zone.as_deref(), Some("zone-a"));
        assert!(view.nodes.iter().all(|n| n.kubelet_running));
    }

    #[test]
    fn a_node_counts_what_its_pods_request_against_what_it_offers() {
        let mut sim = Simulation::new(1);
        Shell::new().run_script(
            &mut sim,
            "kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  nodeName: node01
  containers:
  - name: big
    image: nginx
    resources:
      requests:
        cpu: 500m
        memory: 256Mi
EOF",
        );
        let view = ClusterView::of(&sim);
        let node01 = view.nodes.iter().find(|n| n.name == "node01").unwrap();
        assert_eq!(node01.cpu, Allocation { requested: 500, allocatable: 2000 });
        assert_eq!(node01.cpu.percent(), 25);
        assert_eq!(node01.memory.requested, 256 * 1024 * 1024);
        assert!(node01.memory.fraction() > 0.0 && node01.memory.fraction() < 1.0);
    }

    #[test]
    fn claims_and_their_volumes_are_drawn_with_the_binding() {
        let mut sim = Simulation::new(1);
        let script = "kubectl create -f - <<EOF\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv1\nspec:\n  capacity: {storage: 5Gi}\n  accessModes: [ReadWriteOnce]\n  storageClassName: manual\n  hostPath: {path: /mnt/data}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: claim\nspec:\n  storageClassName: manual\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: [{name: web, image: nginx}]\n  volumes: [{name: data, persistentVolumeClaim: {claimName: claim}}]\nEOF";
        Shell::new().run_script(&mut sim, script);
        let view = ClusterView::of(&sim);
        assert_eq!(view.persistent_volumes.len(), 1);
        assert_eq!(view.persistent_volumes[0].status, "Bound");
        assert_eq!(view.persistent_volumes[0].claim.as_deref(), Some("default/claim"));
        assert_eq!(view.persistent_volume_claims[0].volume.as_deref(), Some("pv1"));
        assert_eq!(view.persistent_volume_claims[0].capacity, "5Gi");
        let web = view.nodes.iter().flat_map(|n| &n.pods).find(|p| p.name == "web").unwrap();
        assert_eq!(web.volumes[0].kind, "persistentVolumeClaim");
        assert_eq!(web.volumes[0].source.as_deref(), Some("claim"));
    }
}
