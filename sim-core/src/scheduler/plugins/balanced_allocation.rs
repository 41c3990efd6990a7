//! NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in similar
//! proportions once the pod is placed.

use super::super::framework::{MAX_NODE_SCORE, NodeInfo, PodRequests, ScorePlugin};
use k8s_openapi::api::core::v1::Pod;

pub struct NodeResourcesBalancedAllocation;

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    fn weight(&self) -> i64 {
        1
    }

    fn score(&self, pod: &Pod, node: &NodeInfo<'_>, _nodes: &[NodeInfo<'_>]) -> i64 {
        let wanted = PodRequests::of(pod).non_zero;
        let fraction = |requested: i64, allocatable: i64| {
            if allocatable == 0 { 1.0 } else { (requested as f64 / allocatable as f64).min(1.0) }
        };
        let cpu = fraction(
            node.non_zero_requested.milli_cpu + wanted.milli_cpu,
            node.allocatable.milli_cpu,
        );
        let memory = fraction(
            node.non_zero_requested.memory_bytes + wanted.memory_bytes,
            node.allocatable.memory_bytes,
        );
        // With two resources the standard deviation is half their difference.
        let std = (cpu - memory).abs() / 2.0;
        ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
    }
}
