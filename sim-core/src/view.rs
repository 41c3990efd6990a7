//! What the page draws: a plain snapshot of the cluster (nodes with their pods, pods waiting
//! for a node), derived from the simulation so the diagram never holds state of its own.

use crate::Simulation;
use crate::kubectl::print;
use crate::podutil;
use crate::scheduler::framework::{PodRequests, Resources};
use k8s_openapi::api::core::v1::{Node, Pod};

/// The label the diagram draws zones from (and sets when a node is dropped in another zone).
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterView {
    pub nodes: Vec<NodeView>,
    /// Pods no node has been chosen for, with the scheduler's reason when it has one.
    pub unscheduled: Vec<PodView>,
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
        ClusterView { nodes, unscheduled }
    }
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
}
