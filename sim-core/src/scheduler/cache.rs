//! The scheduler's cache (kube-scheduler's `Cache` and `Snapshot` in one): a NodeInfo per node
//! with the pods bound there, kept up to date from what changed in the API since the last look,
//! so a scheduling cycle never lists the cluster again.

use super::framework::{NodeInfo, PodInfo, events};
use crate::api::ApiServer;
use crate::podutil;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every node, in name order.
    pub nodes: Vec<NodeInfo>,
    /// Node name → position in `nodes`.
    index: BTreeMap<String, usize>,
    /// Bound pod uid → the node the cache holds it on.
    pod_nodes: BTreeMap<String, String>,
    /// Image name → how many nodes hold it (`ImageStateSummary.NumNodes`).
    pub image_nodes: BTreeMap<String, usize>,
    /// Bound pods with (anti-)affinity terms, and with required anti-affinity terms, over
    /// all nodes: most cycles learn from these that no placed pod constrains them.
    pods_with_affinity: usize,
    pods_with_required_anti_affinity: usize,
    /// The positions in `nodes` of the nodes holding such pods: InterPodAffinity's scoring
    /// visits only these when the pod has no preferences of its own.
    nodes_with_affinity: BTreeSet<usize>,
    /// Nodes with PreferNoSchedule taints: without any, TaintToleration scores every node 0.
    soft_tainted_nodes: usize,
    /// Namespace labels, for affinity terms' namespaceSelector.
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// Every node name seen, by id (kept across rebuilds: explanations refer to them).
    names: Vec<String>,
    ids: BTreeMap<String, u32>,
    /// The API's resourceVersion the cache reflects; 0 before the first look.
    synced: u64,
}

/// Pods that take room on their node: bound and not finished.
pub fn occupies_node(pod: &Pod) -> bool {
    podutil::node_name(pod).is_some() && !podutil::is_terminal(pod)
}

impl Snapshot {
    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.index.get(name).map(|&i| &self.nodes[i])
    }

    /// Node names by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn node_info(&mut self, api: &ApiServer, node: &Node) -> NodeInfo {
        let name = node.metadata.name.clone().unwrap_or_default();
        let id = match self.ids.get(&name) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(name.clone());
                self.ids.insert(name, id);
                id
            }
        };
        NodeInfo::new(shared(api, node), id)
    }

    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn namespace_labels(&self, namespace: &str) -> Option<&BTreeMap<String, String>> {
        self.namespaces.get(namespace)
    }

    /// Whether any bound pod has (anti-)affinity terms of its own.
    pub fn has_pods_with_affinity(&self) -> bool {
        self.pods_with_affinity > 0
    }

    /// The nodes holding pods with (anti-)affinity terms, in name order.
    pub fn nodes_with_affinity(&self) -> impl Iterator<Item = &NodeInfo> {
        self.nodes_with_affinity.iter().map(|&i| &self.nodes[i])
    }

    /// Whether any node has a PreferNoSchedule taint.
    pub fn has_soft_taints(&self) -> bool {
        self.soft_tainted_nodes > 0
    }

    /// Whether any bound pod has required anti-affinity terms.
    pub fn has_pods_with_required_anti_affinity(&self) -> bool {
        self.pods_with_required_anti_affinity > 0
    }

    /// Changes the pods of node `i`, keeping the cluster-wide affinity counts.
    fn change_node<R>(&mut self, i: usize, change: impl FnOnce(&mut NodeInfo) -> R) -> R {
        let node = &mut self.nodes[i];
        self.pods_with_affinity -= node.pods_with_affinity;
        self.pods_with_required_anti_affinity -= node.pods_with_required_anti_affinity;
        let had_affinity = node.pods_with_affinity > 0;
        let result = change(node);
        self.pods_with_affinity += node.pods_with_affinity;
        self.pods_with_required_anti_affinity += node.pods_with_required_anti_affinity;
        match (had_affinity, node.pods_with_affinity > 0) {
            (false, true) => {
                self.nodes_with_affinity.insert(i);
            }
            (true, false) => {
                self.nodes_with_affinity.remove(&i);
            }
            _ => {}
        }
        result
    }

    /// Brings the cache up to date with the API; returns the events (bits of
    /// [`events`]) that happened since the last look.
    pub fn sync(&mut self, api: &ApiServer) -> u32 {
        if self.synced == 0 {
            self.rebuild(api);
            return u32::MAX;
        }
        let since = self.synced;
        let mut happened = 0;
        if api.kind_changed_since::<Node>(since) {
            happened |= self.sync_nodes(api, since);
        }
        if api.kind_changed_since::<Pod>(since) {
            happened |= self.sync_pods(api, since);
        }
        if api.kind_changed_since::<Namespace>(since) {
            for namespace in api.changed_since::<Namespace>(since) {
                let name = namespace.metadata.name.clone().unwrap_or_default();
                let labels = namespace.metadata.labels.clone().unwrap_or_default();
                if self.namespaces.insert(name, labels.clone()).as_ref() != Some(&labels) {
                    happened |= events::NAMESPACE;
                }
            }
            for namespace in api.deleted_since::<Namespace>(since) {
                self.namespaces.remove(namespace.metadata.name.as_deref().unwrap_or_default());
            }
        }
        self.synced = api.resource_version();
        happened
    }

    fn rebuild(&mut self, api: &ApiServer) {
        let (names, ids) = (std::mem::take(&mut self.names), std::mem::take(&mut self.ids));
        *self = Snapshot { names, ids, ..Snapshot::default() };
        for node in api.list::<Node>(None) {
            let info = self.node_info(api, node);
            self.nodes.push(info);
        }
        self.reindex();
        for pod in api.list::<Pod>(None).filter(|p| occupies_node(p)) {
            self.add_pod(PodInfo::new(pod), podutil::node_name(pod).unwrap_or_default());
        }
        self.namespaces = api
            .list::<Namespace>(None)
            .map(|n| {
                (
                    n.metadata.name.clone().unwrap_or_default(),
                    n.metadata.labels.clone().unwrap_or_default(),
                )
            })
            .collect();
        self.synced = api.resource_version().max(1);
    }

    fn reindex(&mut self) {
        crate::sort::sort_by(&mut self.nodes, |a, b| a.name.cmp(&b.name));
        self.index = self.nodes.iter().enumerate().map(|(i, n)| (n.name.clone(), i)).collect();
        self.pods_with_affinity = self.nodes.iter().map(|n| n.pods_with_affinity).sum();
        self.pods_with_required_anti_affinity =
            self.nodes.iter().map(|n| n.pods_with_required_anti_affinity).sum();
        self.nodes_with_affinity =
            (0..self.nodes.len()).filter(|&i| self.nodes[i].pods_with_affinity > 0).collect();
        self.soft_tainted_nodes = self.nodes.iter().filter(|n| n.has_soft_taints).count();
        self.image_nodes.clear();
        for node in &self.nodes {
            for image in node.images.keys() {
                *self.image_nodes.entry(image.clone()).or_default() += 1;
            }
        }
    }

    fn sync_nodes(&mut self, api: &ApiServer, since: u64) -> u32 {
        let mut happened = 0;
        let mut reindex = false;
        for node in api.changed_since::<Node>(since) {
            let name = node.metadata.name.as_deref().unwrap_or_default();
            match self.index.get(name) {
                Some(&i) => {
                    let info = &mut self.nodes[i];
                    let changes = node_changes(&info.node, node);
                    happened |= changes;
                    if changes & (events::NODE_ALLOCATABLE | events::NODE_TAINT) == 0 {
                        // A heartbeat: nothing the node info reads from the node moved.
                        info.node = shared(api, node);
                        continue;
                    }
                    let images_before = info.images.len();
                    info.set_node(shared(api, node));
                    reindex |= info.images.len() != images_before;
                }
                None => {
                    let info = self.node_info(api, node);
                    self.nodes.push(info);
                    happened |= events::NODE_ADD;
                    reindex = true;
                }
            }
        }
        let before = self.nodes.len();
        for node in api.deleted_since::<Node>(since) {
            let name = node.metadata.name.as_deref().unwrap_or_default();
            self.nodes.retain(|n| n.name != name);
        }
        if reindex || self.nodes.len() != before {
            self.reindex();
            let known = &self.index;
            self.pod_nodes.retain(|_, node| known.contains_key(node));
        } else {
            self.soft_tainted_nodes = self.nodes.iter().filter(|n| n.has_soft_taints).count();
        }
        happened
    }

    fn sync_pods(&mut self, api: &ApiServer, since: u64) -> u32 {
        let mut happened = 0;
        for pod in api.changed_since::<Pod>(since) {
            let uid = podutil::uid(pod);
            let wanted = occupies_node(pod).then(|| podutil::node_name(pod).unwrap_or_default());
            match (self.pod_nodes.get(uid), wanted) {
                (Some(held), Some(wanted)) if held == wanted => {
                    happened |= self.update_pod(pod, wanted);
                }
                (held, wanted) => {
                    if let Some(held) = held.cloned() {
                        self.remove_pod(uid, &held);
                        happened |= events::ASSIGNED_POD_DELETE;
                    }
                    if let Some(wanted) = wanted {
                        self.add_pod(PodInfo::new(pod), wanted);
                        happened |= events::ASSIGNED_POD_ADD;
                    }
                }
            }
        }
        for pod in api.deleted_since::<Pod>(since) {
            let uid = podutil::uid(pod);
            if let Some(held) = self.pod_nodes.get(uid).cloned() {
                self.remove_pod(uid, &held);
                happened |= events::ASSIGNED_POD_DELETE;
            }
        }
        happened
    }

    /// A bound pod changed in place (status, labels, deletion started).
    fn update_pod(&mut self, pod: &Pod, node: &str) -> u32 {
        let Some(&i) = self.index.get(node) else { return 0 };
        let info = &self.nodes[i];
        let uid = podutil::uid(pod);
        let Some(at) = info.pods.iter().position(|p| p.uid == uid) else { return 0 };
        let held = &info.pods[at];
        if Some(held.resource_version.as_str()) == pod.metadata.resource_version.as_deref() {
            return 0;
        }
        let labels_changed = pod.metadata.labels.as_ref().is_some_and(|l| *l != held.labels)
            || (pod.metadata.labels.is_none() && !held.labels.is_empty());
        self.change_node(i, |info| info.refresh_pod(at, pod));
        if labels_changed { events::ASSIGNED_POD_UPDATE } else { 0 }
    }

    /// Puts a pod on its node: a pod seen bound, or one the scheduler just bound (kube-scheduler
    /// "assumes" it so the next cycle counts it before the API reports the binding).
    pub fn add_pod(&mut self, pod: PodInfo, node: &str) {
        let Some(&i) = self.index.get(node) else { return };
        self.pod_nodes.insert(pod.uid.clone(), node.to_string());
        self.change_node(i, |info| info.add_pod(pod));
    }

    fn remove_pod(&mut self, uid: &str, node: &str) {
        self.pod_nodes.remove(uid);
        if let Some(&i) = self.index.get(node) {
            self.change_node(i, |info| info.remove_pod(uid));
        }
    }
}

/// The API server's own copy of `node`, which the cache keeps rather than a copy of its own.
fn shared(api: &ApiServer, node: &Node) -> Rc<Node> {
    let name = node.metadata.name.as_deref().unwrap_or_default();
    api.get_shared::<Node>("", name).unwrap_or_else(|_| Rc::new(node.clone()))
}

/// The events a change to a node amounts to, from the fields the scheduler looks at
/// (`nodeSchedulingPropertiesChange`): a heartbeat alone is no event.
fn node_changes(old: &Node, new: &Node) -> u32 {
    let mut happened = 0;
    // Compared in place: most node writes are heartbeats that change none of these.
    let status_moved = match (&old.status, &new.status) {
        (Some(old), Some(new)) => old.allocatable != new.allocatable || old.images != new.images,
        (old, new) => old.is_some() != new.is_some(),
    };
    if status_moved {
        happened |= events::NODE_ALLOCATABLE;
    }
    if old.metadata.labels != new.metadata.labels {
        happened |= events::NODE_LABEL;
    }
    let spec_moved = match (&old.spec, &new.spec) {
        (Some(old), Some(new)) => {
            old.taints != new.taints || old.unschedulable != new.unschedulable
        }
        (old, new) => old.is_some() != new.is_some(),
    };
    if spec_moved {
        happened |= events::NODE_TAINT;
    }
    happened
}
