//! How a new cluster comes up, in kubeadm's order: the control plane's node and static pods,
//! then kubeadm's addons (CoreDNS and kube-proxy, `kubeadm init phase addon all`), then the
//! workers' `kubeadm join`. CoreDNS's pods are therefore scheduled while the control plane
//! node is the only one, as on a cluster built by the docs' steps (init, pod network, join);
//! kube-proxy's DaemonSet puts one pod on every node.
//!
//! Every random draw the addons cause (uids, pod names, container ids) comes from streams of
//! their own, so what a lesson creates later keeps the names and uids it had before the addons
//! ran as pods.

use super::Simulation;
use crate::api::decode;
use crate::api::kinds;
use crate::cluster::ClusterSpec;
use crate::kubelet::Kubelet;
use crate::machine::Machine;
use crate::rng::Rng;
use k8s_openapi::api::core::v1::Node;

/// A worker registered after the addons: its Node (with the uid drawn when the cluster's nodes
/// were made), its kubelet and machine.
pub(super) struct Joining {
    pub node: Node,
    pub uid: String,
    pub kubelet: Kubelet,
    pub machine: Machine,
}

impl Simulation {
    /// kubeadm's addon phase on the control plane, then the workers joining, each settled.
    pub(super) fn install_addons_and_join(&mut self, cluster: &ClusterSpec, joining: Vec<Joining>) {
        if let Some(control_plane) = cluster.nodes.iter().find(|n| n.control_plane) {
            let manifest =
                crate::cluster::kubeadm_addons(&control_plane.internal_ip, cluster.proxy_mode);
            self.with_own_streams("addons", |sim| {
                create_all(sim, &manifest);
                sim.settle();
            });
        }
        for Joining { node, uid, mut kubelet, machine } in joining {
            let name = node.metadata.name.clone().unwrap_or_default();
            let _ = self.api.create_with_uid(node, uid);
            kubelet.read_manifests(
                &mut self.api,
                machine.manifests_generation(),
                &machine.manifests(),
            );
            self.kubelets.insert(name.clone(), kubelet);
            self.machines.insert(name, machine);
        }
        // The DaemonSet's pods for the workers start on streams of their own too.
        self.with_own_streams("join", Simulation::settle);
    }

    /// Runs `during` with the API server's and every kubelet's random streams swapped for
    /// forks named after `stream`, then puts the originals back.
    fn with_own_streams(&mut self, stream: &str, during: impl FnOnce(&mut Simulation)) {
        let root = Rng::new(self.seed).fork(stream);
        let api = std::mem::replace(self.api.rng_mut(), root.fork("apiserver"));
        let kubelets: Vec<(String, Rng)> = self
            .kubelets
            .iter_mut()
            .map(|(name, kubelet)| {
                let own = root.fork(&format!("kubelet/{name}"));
                (name.clone(), std::mem::replace(kubelet.rng_mut(), own))
            })
            .collect();
        during(self);
        *self.api.rng_mut() = api;
        for (name, rng) in kubelets {
            if let Some(kubelet) = self.kubelets.get_mut(&name) {
                *kubelet.rng_mut() = rng;
            }
        }
    }
}

/// Creates every object of a manifest the lab ships (kubeadm's, always valid).
fn create_all(sim: &mut Simulation, manifest: &str) {
    for value in decode::documents(manifest).unwrap_or_default() {
        let api_version = value.get("apiVersion").and_then(|v| v.as_str()).unwrap_or_default();
        let kind = value.get("kind").and_then(|v| v.as_str()).unwrap_or_default();
        if let Some(kind) = kinds::by_kind(api_version, kind) {
            let created = kind.create(&mut sim.api, value.clone());
            debug_assert!(
                created.is_ok(),
                "kubeadm's addon {kind:?}: {created:?}",
                kind = kind.kind()
            );
        }
    }
}
