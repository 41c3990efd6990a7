//! metrics-server: every 15 s (its `--metric-resolution`) it scrapes each kubelet's resource
//! metrics (the CPU each running container gets, throttled to its limit, and its memory) and
//! serves them as the `metrics.k8s.io` API through the API server, where the
//! HorizontalPodAutoscaler controller reads them. A container needs two samples for a CPU
//! rate, so a pod appears one resolution after it started.
//!
//! It scrapes only while some HorizontalPodAutoscaler exists: nothing else reads the API here
//! (`kubectl top` asks the kubelets directly), and a quiet cluster should not wake every 15 s.

use crate::api::ApiServer;
use crate::api::metrics::{ContainerMetrics, PodMetrics};
use crate::kubelet::Kubelet;
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// `--metric-resolution`.
pub const RESOLUTION: Duration = Duration::from_secs(15);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MetricsServer {
    next_scrape: Option<SimTime>,
}

impl MetricsServer {
    /// Scrapes when due; returns when it next scrapes.
    pub fn scrape(
        &mut self,
        api: &mut ApiServer,
        kubelets: &BTreeMap<String, Kubelet>,
    ) -> Option<SimTime> {
        let now = api.now();
        if api.list::<HorizontalPodAutoscaler>(None).next().is_none() {
            self.next_scrape = None;
            return None;
        }
        if let Some(at) = self.next_scrape.filter(|at| *at > now) {
            return Some(at);
        }
        let mut served: BTreeMap<String, BTreeMap<String, PodMetrics>> = BTreeMap::new();
        for pod in api.list::<Pod>(None) {
            if let Some(metrics) = sample(pod, kubelets, now) {
                served
                    .entry(podutil::namespace(pod).to_string())
                    .or_default()
                    .insert(podutil::name(pod).to_string(), metrics);
            }
        }
        api.replace_pod_metrics(served);
        let next = now + RESOLUTION;
        self.next_scrape = Some(next);
        Some(next)
    }
}

/// One pod's metrics from its kubelet, if it has been running for a whole window.
fn sample(pod: &Pod, kubelets: &BTreeMap<String, Kubelet>, now: SimTime) -> Option<PodMetrics> {
    if podutil::phase(pod) != "Running" {
        return None;
    }
    let started = pod.status.as_ref()?.start_time.as_ref().map(SimTime::from_k8s)?;
    if now.since(started) < RESOLUTION {
        return None;
    }
    let usage = kubelets.get(podutil::node_name(pod)?)?.pod_usage(pod, now)?;
    let containers: Vec<ContainerMetrics> = usage
        .map(|(name, usage)| ContainerMetrics {
            name: name.to_string(),
            cpu_millis: usage.cpu_millis,
            memory_bytes: usage.memory_bytes,
        })
        .collect();
    (!containers.is_empty()).then_some(PodMetrics {
        timestamp: now,
        window_ms: RESOLUTION.as_millis() as u64,
        containers,
    })
}
