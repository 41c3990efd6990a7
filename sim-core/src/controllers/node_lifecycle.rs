//! The node lifecycle controller: watches each node's heartbeats (its Lease and the Ready
//! condition's heartbeat). A node silent for longer than the node-monitor grace period (50 s)
//! gets its conditions set to Unknown ("Kubelet stopped posting node status."), its pods marked
//! not ready, and the `node.kubernetes.io/unreachable` taints. It also keeps the taints that
//! mirror the node's conditions and spec (`not-ready`, `memory-pressure`, `disk-pressure`,
//! `pid-pressure`, `unschedulable`) in step, as TaintNodeByCondition does.

use crate::api::{ApiServer, EventSource, EventType};
use crate::kubelet::NODE_LEASE_NAMESPACE;
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, Pod, PodCondition, Taint};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `--node-monitor-grace-period` (50 s since v1.32).
const NODE_MONITOR_GRACE_PERIOD: Duration = Duration::from_secs(50);
/// How often a kubelet renews its lease (a quarter of its 40 s duration).
const LEASE_RENEW_INTERVAL: Duration = Duration::from_secs(10);
/// `--node-monitor-period`: how often the controller looks at the nodes' health.
const NODE_MONITOR_PERIOD_MS: u64 = 5_000;

pub const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";
pub const NOT_READY_TAINT: &str = "node.kubernetes.io/not-ready";
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// The taints this controller owns: key and effect.
const MANAGED_TAINTS: &[(&str, &str)] = &[
    (UNREACHABLE_TAINT, "NoExecute"),
    (UNREACHABLE_TAINT, "NoSchedule"),
    (NOT_READY_TAINT, "NoExecute"),
    (NOT_READY_TAINT, "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    (UNSCHEDULABLE_TAINT, "NoSchedule"),
];

const SOURCE: EventSource<'static> = EventSource { component: "node-controller", host: None };

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NodeLifecycleController {
    seen_api_version: u64,
    /// When a node's silence will next be noticed, if one may go quiet.
    next_check: Option<SimTime>,
}

impl NodeLifecycleController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let changed = api.kind_changed_since::<Node>(self.seen_api_version)
            || api.kind_changed_since::<Lease>(self.seen_api_version);
        if !changed && self.next_check.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return self.next_check;
        }
        let mut next: Option<SimTime> = None;
        let names: Vec<String> =
            api.list::<Node>(None).filter_map(|n| n.metadata.name.clone()).collect();
        for name in names {
            if let Some(at) = monitor_health(api, &name) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
            reconcile_taints(api, &name);
        }
        self.seen_api_version = api.resource_version();
        self.next_check = next;
        next
    }
}

/// The first tick of the monitor loop strictly after `deadline`.
fn tick_after(deadline: SimTime) -> SimTime {
    let ms = deadline.unix_ms();
    SimTime::from_unix_ms((ms / NODE_MONITOR_PERIOD_MS + 1) * NODE_MONITOR_PERIOD_MS)
}

/// Marks a silent node's conditions Unknown. Returns when its silence would be noticed, if it
/// has not been yet.
fn monitor_health(api: &mut ApiServer, name: &str) -> Option<SimTime> {
    let now = api.now();
    let node = api.get::<Node>("", name).ok()?;
    let conditions = node.status.as_ref()?.conditions.as_ref()?;
    let ready = conditions.iter().find(|c| c.type_ == "Ready")?;
    let heartbeat = ready.last_heartbeat_time.as_ref().map(SimTime::from_k8s);
    let renewed = api
        .get::<Lease>(NODE_LEASE_NAMESPACE, name)
        .ok()
        .and_then(|l| l.spec.as_ref()?.renew_time.as_ref())
        .map(SimTime::from_k8s_micro);
    let probe = heartbeat.max(renewed)?;
    let noticed = tick_after(probe + NODE_MONITOR_GRACE_PERIOD);
    if ready.status == "Unknown" {
        return None;
    }
    if now < noticed {
        // Look again at the lease's next renewal instant after now: the instant its kubelet
        // wakes to renew it anyway, so a healthy cluster costs no extra wake-ups; a renewal
        // that does not come leaves the controller counting towards the grace period.
        let interval = LEASE_RENEW_INTERVAL.as_millis() as u64;
        let watchdog = renewed.map(|r| {
            let periods = now.unix_ms().saturating_sub(r.unix_ms()) / interval + 1;
            SimTime::from_unix_ms(r.unix_ms() + periods * interval)
        });
        return Some(watchdog.map_or(noticed, |w| w.min(noticed)));
    }
    let transition = now.to_k8s();
    let _ = api.update::<Node>("", name, |node| {
        for condition in node.status.iter_mut().flat_map(|s| s.conditions.iter_mut().flatten()) {
            if matches!(
                condition.type_.as_str(),
                "Ready" | "MemoryPressure" | "DiskPressure" | "PIDPressure"
            ) {
                condition.status = "Unknown".to_string();
                condition.reason = Some("NodeStatusUnknown".to_string());
                condition.message = Some("Kubelet stopped posting node status.".to_string());
                condition.last_transition_time = Some(transition.clone());
            }
        }
    });
    if let Ok(node) = api.get::<Node>("", name).cloned() {
        let message = format!("Node {name} status is now: NodeNotReady");
        api.record_event(&node, None, SOURCE, EventType::Normal, "NodeNotReady", message);
    }
    mark_pods_not_ready(api, name);
    None
}

/// `MarkPodsNotReady`: the pods on a node that stopped reporting lose their Ready condition
/// (so Services stop sending them traffic), with a warning on each.
fn mark_pods_not_ready(api: &mut ApiServer, node: &str) {
    let now = api.now().to_k8s();
    let pods: Vec<Pod> = api
        .list::<Pod>(None)
        .filter(|p| podutil::node_name(p) == Some(node) && !podutil::is_terminal(p))
        .cloned()
        .collect();
    for pod in pods {
        let _ = api.update::<Pod>(podutil::namespace(&pod), podutil::name(&pod), |pod| {
            let ready = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
                .cloned();
            if let Some(ready) = ready.filter(|r| r.status != "False") {
                podutil::set_condition(
                    pod,
                    PodCondition {
                        status: "False".to_string(),
                        last_transition_time: Some(now.clone()),
                        ..ready
                    },
                );
            }
        });
        api.record_event(
            &pod,
            None,
            SOURCE,
            EventType::Warning,
            "NodeNotReady",
            "Node is not ready".to_string(),
        );
    }
}

/// The managed taints a node should carry, in the order the controller adds them.
fn wanted_taints(node: &Node) -> Vec<(&'static str, &'static str)> {
    let condition = |type_: &str| {
        node.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == type_))
            .map(|c| c.status.as_str())
    };
    let mut wanted = Vec::new();
    match condition("Ready") {
        Some("Unknown") => {
            wanted.push((UNREACHABLE_TAINT, "NoExecute"));
            wanted.push((UNREACHABLE_TAINT, "NoSchedule"));
        }
        Some("False") => {
            wanted.push((NOT_READY_TAINT, "NoExecute"));
            wanted.push((NOT_READY_TAINT, "NoSchedule"));
        }
        _ => {}
    }
    for (type_, key) in [
        ("MemoryPressure", "node.kubernetes.io/memory-pressure"),
        ("DiskPressure", "node.kubernetes.io/disk-pressure"),
        ("PIDPressure", "node.kubernetes.io/pid-pressure"),
    ] {
        if condition(type_) == Some("True") {
            wanted.push((key, "NoSchedule"));
        }
    }
    if node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
        wanted.push((UNSCHEDULABLE_TAINT, "NoSchedule"));
    }
    wanted
}

/// Adds the managed taints a node should have and removes those it should not; NoExecute
/// taints carry the time they were added (the taint eviction controller counts from it).
fn reconcile_taints(api: &mut ApiServer, name: &str) {
    let Ok(node) = api.get::<Node>("", name) else { return };
    let wanted = wanted_taints(node);
    let current: Vec<Taint> = node.spec.as_ref().and_then(|s| s.taints.clone()).unwrap_or_default();
    let is_managed = |t: &Taint| MANAGED_TAINTS.iter().any(|(k, e)| t.key == *k && t.effect == *e);
    let has = |key: &str, effect: &str| current.iter().any(|t| t.key == key && t.effect == effect);
    let stale = current
        .iter()
        .any(|t| is_managed(t) && !wanted.iter().any(|(k, e)| t.key == *k && t.effect == *e));
    let missing: Vec<(&str, &str)> = wanted.iter().copied().filter(|(k, e)| !has(k, e)).collect();
    if !stale && missing.is_empty() {
        return;
    }
    let now = api.now().to_k8s();
    let _ = api.update::<Node>("", name, |node| {
        let taints =
            node.spec.get_or_insert_with(Default::default).taints.get_or_insert_with(Vec::new);
        taints.retain(|t| {
            !is_managed(t) || wanted.iter().any(|(k, e)| t.key == *k && t.effect == *e)
        });
        for (key, effect) in missing {
            taints.push(Taint {
                key: key.to_string(),
                effect: effect.to_string(),
                time_added: (effect == "NoExecute").then(|| now.clone()),
                value: None,
            });
        }
        if taints.is_empty() {
            node.spec.get_or_insert_with(Default::default).taints = None;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_noticed_on_the_first_monitor_tick_after_the_grace_period() {
        let renewed = SimTime::from_unix_ms(1_000_003_200);
        assert_eq!(
            tick_after(renewed + NODE_MONITOR_GRACE_PERIOD),
            SimTime::from_unix_ms(1_000_055_000)
        );
    }
}
