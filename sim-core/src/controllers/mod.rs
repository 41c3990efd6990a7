//! kube-controller-manager: the control loops that are not the scheduler or a kubelet, one file
//! each, all level-triggered: they look at the cluster as it is and make one step towards what
//! it should be. The simulation runs them in the order listed here.

mod disruption;
mod garbage_collector;
mod namespace;
pub mod node_lifecycle;
mod pod_gc;
mod taint_eviction;

use crate::api::ApiServer;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ControllerManager {
    namespace: namespace::NamespaceController,
    garbage_collector: garbage_collector::GarbageCollector,
    #[serde(default)]
    node_lifecycle: node_lifecycle::NodeLifecycleController,
    #[serde(default)]
    taint_eviction: taint_eviction::TaintEvictionController,
    #[serde(default)]
    pod_gc: pod_gc::PodGarbageCollector,
    #[serde(default)]
    disruption: disruption::DisruptionController,
}

impl ControllerManager {
    /// Runs every controller once; returns the earliest time one of them wants to run again.
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let wakes = [
            self.namespace.reconcile(api),
            self.garbage_collector.reconcile(api),
            self.node_lifecycle.reconcile(api),
            self.taint_eviction.reconcile(api),
            self.pod_gc.reconcile(api),
            self.disruption.reconcile(api),
        ];
        wakes.into_iter().flatten().min()
    }
}
