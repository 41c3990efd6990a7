//! NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in similar
//! proportions once the pod is placed.

use super::super::cache::Snapshot;
use super::super::framework::{CycleState, MAX_NODE_SCORE, NodeInfo, ScorePlugin, ScoreState};

pub struct NodeResourcesBalancedAllocation;

/// `(1 - std) * 100` of the cpu and memory fractions (each capped at 1); with two resources the
/// standard deviation is half their difference.
fn balanced_score(cpu: f64, memory: f64) -> i64 {
    let std = (cpu.min(1.0) - memory.min(1.0)).abs() / 2.0;
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    fn weight(&self) -> i64 {
        1
    }

    /// Best-effort pods (no requests) are not scored: they would all pile onto one node.
    fn pre_score(&self, state: &CycleState<'_>, _: &Snapshot, _: &[usize]) -> Option<ScoreState> {
        let wanted = state.info.requests.fit;
        (wanted.milli_cpu != 0 || wanted.memory_bytes != 0).then(|| Box::new(()) as ScoreState)
    }

    /// Uses the actual requests (not the 100m / 200 MiB stand-ins LeastAllocated uses).
    fn score(&self, state: &CycleState<'_>, _: &ScoreState, node: &NodeInfo) -> i64 {
        let wanted = state.info.requests.fit;
        let fraction = |requested: i64, allocatable: i64| {
            if allocatable == 0 { 1.0 } else { requested as f64 / allocatable as f64 }
        };
        balanced_score(
            fraction(node.requested.milli_cpu + wanted.milli_cpu, node.allocatable.milli_cpu),
            fraction(
                node.requested.memory_bytes + wanted.memory_bytes,
                node.allocatable.memory_bytes,
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_allocation_rewards_equal_fractions() {
        let cases = [
            ("equal fractions score 100", 0.5, 0.5, 100),
            ("a 0.2 gap scores 90", 0.6, 0.4, 90),
            ("fractions over 1 are capped", 1.5, 0.0, 50),
        ];
        for (name, cpu, memory, want) in cases {
            assert_eq!(balanced_score(cpu, memory), want, "{name}");
        }
    }
}
