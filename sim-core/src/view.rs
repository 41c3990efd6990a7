//! What the page draws: a plain snapshot of the cluster (nodes with their pods, pods waiting
//! for a node), derived from the simulation so the diagram never holds state of its own.

use crate::Simulation;
use crate::kubectl::print;
use crate::podutil;
use k8s_openapi::api::core::v1::{Node, Pod};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterView {
    pub nodes: Vec<NodeView>,
    /// Pods no node has been chosen for, with the scheduler's reason when it has one.
    pub unscheduled: Vec<PodView>,
    /// Services with their endpoints, for drawing traffic from a Service to its pods.
    pub services: Vec<ServiceView>,
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodView {
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
                NodeView {
                    roles: print::node::roles(node),
                    status: print::node::status(node),
                    taints,
                    pods: pods
                        .iter()
                        .filter(|p| podutil::node_name(p) == Some(name.as_str()))
                        .map(|p| pod_view(p))
                        .collect(),
                    name,
                }
            })
            .collect();
        let unscheduled = pods
            .iter()
            .filter(|p| podutil::node_name(p).is_none() && !podutil::is_terminal(p))
            .map(|p| pod_view(p))
            .collect();
        ClusterView { nodes, unscheduled, services: service_views(api) }
    }
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
            endpoints.sort_by(|a, b| a.ip.cmp(&b.ip));
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
        namespace: podutil::namespace(pod).to_string(),
        name: podutil::name(pod).to_string(),
        tone: Tone::of(&status),
        status,
        ready: print::pod::ready(pod),
        restarts: statuses.iter().flat_map(|l| l.iter()).map(|c| c.restart_count).sum(),
        reason,
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
    fn the_control_plane_shows_its_taint() {
        let view = ClusterView::of(&Simulation::new(1));
        let names: Vec<&str> = view.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["controlplane", "node01", "node02"]);
        assert_eq!(view.nodes[0].taints, ["node-role.kubernetes.io/control-plane:NoSchedule"]);
        assert_eq!(view.nodes[0].roles, "control-plane");
    }
}
