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
    }
}
