//! The eviction manager's memory signal: when `memory.available` (the node's memory less what
//! it uses) falls below the hard threshold `memory.available<100Mi`, the node reports
//! MemoryPressure and the kubelet evicts pods one at a time, in its order (pods using more than
//! they requested first, then lower priority, then by how far over their request they are),
//! until memory is back above the threshold. The condition clears 5 minutes after the last
//! pressure (`evictionPressureTransitionPeriod`).

use super::Kubelet;
use crate::api::{ApiServer, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Node, Pod, PodCondition};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `memory.available<100Mi`, the kubelet's default hard eviction threshold.
const THRESHOLD_BYTES: u64 = 100 * 1024 * 1024;
const THRESHOLD_TEXT: &str = "100Mi";
/// How often the eviction manager looks while memory is short (`evictionMonitoringPeriod`).
const MONITORING_PERIOD: Duration = Duration::from_secs(10);
/// `evictionPressureTransitionPeriod`.
const PRESSURE_TRANSITION: Duration = Duration::from_secs(5 * 60);
/// Pods at or above this priority are critical and never evicted (system-cluster-critical).
const CRITICAL_PRIORITY: i32 = 2_000_000_000;

/// What the node's own daemons (kubelet, containerd, the OS) use besides pods: CPU millicores
/// and memory bytes (`kubectl top node` adds the same).
pub const SYSTEM_USAGE_CONTROL_PLANE: (u64, u64) = (95, 640 * 1024 * 1024);
pub const SYSTEM_USAGE_WORKER: (u64, u64) = (28, 310 * 1024 * 1024);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct EvictionManager {
    /// The node's MemoryPressure condition as the kubelet reports it.
    pub memory_pressure: bool,
    /// When the eviction manager last saw memory below the threshold.
    last_pressure_at: Option<SimTime>,
    /// When it last evicted a pod (one per monitoring period).
    last_eviction_at: Option<SimTime>,
    /// When it looks next without anything changing on the node.
    pub next_check: Option<SimTime>,
    /// The running containers it last looked at (how many, and their start times summed):
    /// memory use changes only when they change or at `next_check`.
    #[serde(default)]
    pub running: (usize, u64),
}

/// The node's running containers as [`EvictionManager::running`] records them, after one
/// pod's moved from `before` to `after` (see [`PodRuntime::running_fingerprint`]).
pub(super) fn moved(node: (usize, u64), before: (usize, u64), after: (usize, u64)) -> (usize, u64) {
    (
        node.0.wrapping_sub(before.0).wrapping_add(after.0),
        node.1.wrapping_sub(before.1).wrapping_add(after.1),
    )
}

impl Kubelet {
    /// One look of the eviction manager at the node's memory. Returns when it wants to look
    /// again: every 10 s under pressure, otherwise when some container's memory next changes
    /// course or the condition is due to clear.
    pub(super) fn check_memory(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let node = api.get::<Node>("", &self.node_name).ok()?;
        let capacity = node
            .status
            .as_ref()?
            .capacity
            .as_ref()?
            .get("memory")
            .and_then(|q| crate::quantity::parse(&q.0).ok())?
            .units();
        let control_plane = node
            .metadata
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key(crate::cluster::CONTROL_PLANE_TAINT));
        let system = if control_plane { SYSTEM_USAGE_CONTROL_PLANE } else { SYSTEM_USAGE_WORKER };
        let mut used = system.1;
        let mut next_change: Option<SimTime> = None;
        for runtime in self.pods.values() {
            // What memory-backed emptyDirs hold is tmpfs: the node's memory.
            if runtime.watched_empty_dirs
                && let Ok(pod) = api.get::<Pod>(&runtime.namespace, &runtime.name)
            {
                used += super::local_storage::memory_medium_bytes(pod, runtime);
            }
            for container in runtime.containers.values() {
                if let Some(running) = container.running() {
                    used += running.instance.usage(now).memory_bytes;
                    if let Some(at) = running.instance.next_memory_change(now) {
                        next_change = Some(next_change.map_or(at, |n| n.min(at)));
                    }
                }
            }
        }
        let available = u64::try_from(capacity).unwrap_or(0).saturating_sub(used);
        if available < THRESHOLD_BYTES {
            if !self.eviction.memory_pressure {
                self.node_event_warning(
                    api,
                    "EvictionThresholdMet",
                    "Attempting to reclaim memory",
                );
            }
            self.eviction.memory_pressure = true;
            self.eviction.last_pressure_at = Some(now);
            let due = self.eviction.last_eviction_at.is_none_or(|at| now >= at + MONITORING_PERIOD);
            if due && self.evict_one(api, available) {
                self.eviction.last_eviction_at = Some(now);
            }
            return Some(now + MONITORING_PERIOD);
        }
        if self.eviction.memory_pressure {
            let clears_at =
                self.eviction.last_pressure_at.map_or(now, |at| at + PRESSURE_TRANSITION);
            if now >= clears_at {
                self.eviction.memory_pressure = false;
            } else {
                return Some(next_change.map_or(clears_at, |n| n.min(clears_at)));
            }
        }
        next_change
    }

    fn node_event_warning(&self, api: &mut ApiServer, reason: &str, message: &str) {
        if let Ok(node) = api.get::<Node>("", &self.node_name).cloned() {
            let mut reference = node;
            reference.metadata.uid = Some(self.node_name.clone());
            let source = self.source();
            api.record_event(&reference, None, source, EventType::Warning, reason, message.into());
        }
    }

    /// Evicts the first pod in the kubelet's order; whether there was one to evict.
    fn evict_one(&mut self, api: &mut ApiServer, available: u64) -> bool {
        let now = api.now();
        let mut candidates: Vec<Candidate> = Vec::new();
        for (uid, runtime) in &self.pods {
            if runtime.evicted.is_some() || self.is_static(uid) {
                continue;
            }
            let Ok(pod) = api.get::<Pod>(&runtime.namespace, &runtime.name) else { continue };
            let priority = pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0);
            if podutil::uid(pod) != uid
                || podutil::is_terminal(pod)
                || pod.metadata.deletion_timestamp.is_some()
                || priority >= CRITICAL_PRIORITY
            {
                continue;
            }
            let mut containers = Vec::new();
            for container in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                let usage = runtime
                    .containers
                    .get(&container.name)
                    .and_then(|c| c.running())
                    .map_or(0, |r| r.instance.usage(now).memory_bytes);
                let request = memory_request(container);
                containers.push((container.name.clone(), usage, request));
            }
            let usage: i128 = containers.iter().map(|c| i128::from(c.1)).sum();
            let request: i128 = containers.iter().map(|c| c.2).sum();
            candidates.push(Candidate {
                over_request: usage > request,
                priority,
                excess: usage - request,
                pod: pod.clone(),
                containers,
            });
        }
        // Over their request first, then lower priority, then further over their request.
        crate::sort::sort_by(&mut candidates, |a, b| {
            b.over_request
                .cmp(&a.over_request)
                .then(a.priority.cmp(&b.priority))
                .then(b.excess.cmp(&a.excess))
        });
        let Some(Candidate { pod, containers, .. }) = candidates.into_iter().next() else {
            return false;
        };
        let mut message = format!(
            "The node was low on resource: memory. Threshold quantity: {THRESHOLD_TEXT}, available: {}. ",
            binary_quantity(available)
        );
        for (name, usage, request) in &containers {
            if i128::from(*usage) > *request {
                let request = pod
                    .spec
                    .iter()
                    .flat_map(|s| s.containers.iter())
                    .find(|c| &c.name == name)
                    .and_then(|c| c.resources.as_ref()?.requests.as_ref()?.get("memory"))
                    .map_or("0".to_string(), |q| q.0.clone());
                message.push_str(&format!(
                    "Container {name} was using {}, request is {request}, has larger consumption of memory. ",
                    binary_quantity(*usage)
                ));
            }
        }
        api.record_event(&pod, None, self.source(), EventType::Warning, "Evicted", message.clone());
        if let Some(runtime) = self.pods.get_mut(podutil::uid(&pod)) {
            runtime.evicted = Some(message);
            runtime.next_sync = Some(now);
        }
        self.next_wake = Some(now);
        true
    }

    /// Writes an evicted pod's final status: Failed, reason Evicted, the eviction message, and
    /// the DisruptionTarget condition the kubelet adds.
    pub(super) fn write_evicted_status(&self, api: &mut ApiServer, pod: &Pod, message: &str) {
        let now = api.now().to_k8s();
        let _ = api.update::<Pod>(podutil::namespace(pod), podutil::name(pod), |pod| {
            podutil::set_condition(
                pod,
                PodCondition {
                    type_: "DisruptionTarget".to_string(),
                    status: "True".to_string(),
                    reason: Some("TerminationByKubelet".to_string()),
                    message: Some(message.to_string()),
                    last_transition_time: Some(now),
                    ..Default::default()
                },
            );
            let status = pod.status.get_or_insert_with(Default::default);
            status.phase = Some("Failed".to_string());
            status.reason = Some("Evicted".to_string());
            status.message = Some(message.to_string());
        });
    }
}

/// A pod the eviction manager may choose, with what ranks it.
struct Candidate {
    over_request: bool,
    priority: i32,
    /// Memory used beyond the request, in bytes.
    excess: i128,
    pod: Pod,
    /// Each container's name, memory use and request.
    containers: Vec<(String, u64, i128)>,
}

/// A container's memory request in bytes (its limit when only that is set).
fn memory_request(container: &k8s_openapi::api::core::v1::Container) -> i128 {
    let resources = container.resources.as_ref();
    resources
        .and_then(|r| r.requests.as_ref()?.get("memory"))
        .or_else(|| resources.and_then(|r| r.limits.as_ref()?.get("memory")))
        .and_then(|q| crate::quantity::parse(&q.0).ok())
        .map_or(0, |m| m.units())
}

/// A byte count as apimachinery prints a binary-SI quantity: the largest suffix that divides it
/// (`150Mi`, `81920Ki`), else plain bytes.
pub fn binary_quantity(bytes: u64) -> String {
    if bytes == 0 {
        return "0".to_string();
    }
    for (suffix, size) in [("Ti", 1u64 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes.is_multiple_of(size) {
            return format!("{}{suffix}", bytes / size);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_print_with_the_largest_exact_suffix() {
        assert_eq!(binary_quantity(150 * 1024 * 1024), "150Mi");
        assert_eq!(binary_quantity(81_920 * 1024 + 4096), "81924Ki");
        assert_eq!(binary_quantity(1000), "1000");
        assert_eq!(binary_quantity(0), "0");
    }
}
