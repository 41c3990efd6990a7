//! NodeResourcesFit: a pod fits where allocatable minus what other pods request covers its
//! requests (and the pod count stays under `pods`); scored by LeastAllocated, so emptier nodes win.

use super::super::cache::Snapshot;
use super::super::framework::{
    Code, CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, Rejection, Resources, ScorePlugin,
    ScoreState, Verdict, events,
};

pub struct NodeResourcesFit;

pub const NAME: &str = "NodeResourcesFit";

/// The reasons a pod asking for `wanted` does not fit a node with `free` room and room for
/// `pods_free` more pods (`fitsRequest`).
pub fn insufficient(wanted: Resources, free: Resources, pods_free: i64) -> Vec<String> {
    let mut reasons = Vec::new();
    if pods_free < 1 {
        reasons.push("Too many pods".to_string());
    }
    if wanted.milli_cpu > 0 && wanted.milli_cpu > free.milli_cpu {
        reasons.push("Insufficient cpu".to_string());
    }
    if wanted.memory_bytes > 0 && wanted.memory_bytes > free.memory_bytes {
        reasons.push("Insufficient memory".to_string());
    }
    reasons
}

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD | events::NODE_ALLOCATABLE | events::ASSIGNED_POD_DELETE
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        // Pods nominated here that outrank this one keep their room (preemption made it).
        let nominated = if state.nominated.is_empty() {
            Resources::default()
        } else {
            state.nominated.get(&node.name).copied().unwrap_or_default()
        };
        let free = node.allocatable - node.requested - nominated;
        let pods_free = node.allowed_pod_number - node.pods.len() as i64;
        let wanted = state.info.requests.fit;
        let fits = |wanted: i64, free: i64| wanted <= 0 || wanted <= free;
        if pods_free >= 1
            && fits(wanted.milli_cpu, free.milli_cpu)
            && fits(wanted.memory_bytes, free.memory_bytes)
        {
            return Ok(());
        }
        refuse(wanted, free, pods_free)
    }
}

/// The refusal, out of line: the filter runs for most nodes and pods, and most fit.
#[cold]
#[inline(never)]
fn refuse(wanted: Resources, free: Resources, pods_free: i64) -> Verdict {
    let reasons = insufficient(wanted, free, pods_free);
    Err(Rejection { plugin: NAME, code: Code::Unschedulable, reasons })
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
        NAME
    }

    fn weight(&self) -> i64 {
        1
    }

    fn pre_score(&self, _: &CycleState<'_>, _: &Snapshot, _: &[usize]) -> Option<ScoreState> {
        Some(Box::new(()))
    }

    /// LeastAllocated over cpu and memory, each weighted 1.
    fn score(&self, state: &CycleState<'_>, _: &ScoreState, node: &NodeInfo) -> i64 {
        let wanted = state.info.requests.non_zero;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_fit_reasons_are_kubernetes_words() {
        let free = Resources { milli_cpu: 500, memory_bytes: 1 << 30 };
        let cases = [
            (
                "a pod within the free room fits",
                Resources { milli_cpu: 500, memory_bytes: 1 << 20 },
                10,
                vec![],
            ),
            (
                "too much cpu",
                Resources { milli_cpu: 501, memory_bytes: 0 },
                10,
                vec!["Insufficient cpu"],
            ),
            (
                "too much of both, and no pod slot left",
                Resources { milli_cpu: 1000, memory_bytes: 2 << 30 },
                0,
                vec!["Too many pods", "Insufficient cpu", "Insufficient memory"],
            ),
            ("a pod asking for nothing always fits the room", Resources::default(), 1, vec![]),
        ];
        for (name, wanted, pods_free, want) in cases {
            assert_eq!(insufficient(wanted, free, pods_free), want, "{name}");
        }
    }

    #[test]
    fn least_requested_scores_the_free_share() {
        let cases = [
            ("an empty node scores 100", 0, 1000, 100),
            ("half used scores 50", 500, 1000, 50),
            ("over capacity scores 0", 1500, 1000, 0),
            ("no capacity scores 0", 0, 0, 0),
        ];
        for (name, requested, capacity, want) in cases {
            assert_eq!(least_requested(requested, capacity), want, "{name}");
        }
    }
}
