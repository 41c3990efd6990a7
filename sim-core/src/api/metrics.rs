//! The resource metrics API (`metrics.k8s.io/v1beta1` PodMetrics), which metrics-server serves
//! through the API server's aggregation layer: each pod's containers' CPU and memory use as
//! last sampled. Metrics are not objects in etcd: replacing them moves no resourceVersion and
//! wakes no watcher; readers (the HPA controller) poll them on their own period.

use super::ApiServer;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One pod's sample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodMetrics {
    /// When the sample was taken (the end of its window).
    pub timestamp: SimTime,
    /// The span the CPU rate was measured over.
    pub window_ms: u64,
    pub containers: Vec<ContainerMetrics>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerMetrics {
    pub name: String,
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

impl PodMetrics {
    /// The pod's total use of `resource` (`cpu` in millicores, `memory` in bytes).
    pub fn total(&self, resource: &str) -> u64 {
        self.containers
            .iter()
            .map(|c| if resource == "memory" { c.memory_bytes } else { c.cpu_millis })
            .sum()
    }
}

impl ApiServer {
    /// `GET /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods/NAME`.
    pub fn pod_metrics(&self, namespace: &str, name: &str) -> Option<&PodMetrics> {
        self.pod_metrics.get(namespace)?.get(name)
    }

    /// What metrics-server serves after a scrape: by namespace, then pod name.
    pub(crate) fn replace_pod_metrics(
        &mut self,
        metrics: BTreeMap<String, BTreeMap<String, PodMetrics>>,
    ) {
        self.pod_metrics = metrics;
    }
}
