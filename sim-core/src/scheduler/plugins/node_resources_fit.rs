//! NodeResourcesFit: a pod fits where allocatable minus what other pods request covers its
//! requests (and the pod count stays under `pods`); scored by LeastAllocated, so emptier nodes win.

use super::super::framework::{
    FilterPlugin, MAX_NODE_SCORE, NodeInfo, PodRequests, ScorePlugin, Verdict,
};
use k8s_openapi::api::core::v1::Pod;

pub struct NodeResourcesFit;

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn filter(&self, pod: &Pod, node: &NodeInfo<'_>) -> Verdict {
        let mut reasons = Vec::new();
        if node.pods.len() as i64 + 1 > node.allowed_pod_number {
            reasons.push("Too many pods".to_string());
        }
        let wanted = PodRequests::of(pod).fit;
        if wanted.milli_cpu > 0
            && wanted.milli_cpu > node.allocatable.milli_cpu - node.requested.milli_cpu
        {
            reasons.push("Insufficient cpu".to_string());
        }
        if wanted.memory_bytes > 0
            && wanted.memory_bytes > node.allocatable.memory_bytes - node.requested.memory_bytes
        {
            reasons.push("Insufficient memory".to_string());
        }
        if reasons.is_empty() { Verdict::Fits } else { Verdict::Unschedulable(reasons) }
    }
}

/// `leastRequestedScore`: the share of the resource left free once the pod is placed.
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

impl ScorePlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn weight(&self) -> i64 {
        1
    }

    /// LeastAllocated over cpu and memory, each weighted 1.
    fn score(&self, pod: &Pod, node: &NodeInfo<'_>, _nodes: &[NodeInfo<'_>]) -> i64 {
        let wanted = PodRequests::of(pod).non_zero;
        let cpu = least_requested(
            node.non_zero_requested.milli_cpu + wanted.milli_cpu,
            node.allocatable.milli_cpu,
        );
        let memory = least_requested(
            node.non_zero_requested.memory_bytes + wanted.memory_bytes,
            node.allocatable.memory_bytes,
        );
        (cpu + memory) / 2
    }
}
