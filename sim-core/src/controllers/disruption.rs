//! The disruption controller: keeps each PodDisruptionBudget's status — the pods it expects,
//! how many of them must stay healthy, how many are, and so how many voluntary disruptions
//! (evictions) it allows now. `minAvailable` as a number counts the matching pods;
//! `maxUnavailable` and percentages count the replicas their controllers want (a Deployment's,
//! a ReplicaSet's, a StatefulSet's, a ReplicationController's).

use crate::api::selector::Selector;
use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// An eviction the controller has not seen carried out is forgotten after this long
/// (`DeletionTimeout`).
const DELETION_TIMEOUT: Duration = Duration::from_secs(120);

const SOURCE: EventSource<'static> = EventSource { component: "controllermanager", host: None };

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DisruptionController {
    seen_api_version: u64,
    /// When a recorded eviction next times out.
    next_timeout: Option<SimTime>,
}

impl DisruptionController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let changed = api.kind_changed_since::<PodDisruptionBudget>(seen)
            || api.kind_changed_since::<Pod>(seen)
            || api.kind_changed_since::<ReplicaSet>(seen)
            || api.kind_changed_since::<Deployment>(seen)
            || api.kind_changed_since::<StatefulSet>(seen)
            || api.kind_changed_since::<ReplicationController>(seen);
        if !changed && self.next_timeout.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return self.next_timeout;
        }
        let budgets: Vec<PodDisruptionBudget> =
            api.list::<PodDisruptionBudget>(None).cloned().collect();
        let mut next: Option<SimTime> = None;
        for budget in budgets {
            if let Some(at) = sync(api, &budget) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        self.seen_api_version = api.resource_version();
        self.next_timeout = next;
        next
    }
}

/// Recomputes one budget's status. Returns when a recorded eviction times out.
fn sync(api: &mut ApiServer, budget: &PodDisruptionBudget) -> Option<SimTime> {
    let now = api.now();
    let namespace = budget.metadata.namespace.clone().unwrap_or_default();
    let name = budget.metadata.name.clone().unwrap_or_default();
    let spec = budget.spec.clone().unwrap_or_default();
    let selector = spec.selector.as_ref().and_then(Selector::from_label_selector);
    let pods: Vec<Pod> = match &selector {
        Some(selector) => api
            .list::<Pod>(Some(&namespace))
            .filter(|p| selector.matches(p.metadata.labels.as_ref()))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    if pods.is_empty() {
        api.record_event(
            budget,
            None,
            SOURCE,
            EventType::Normal,
            "NoPods",
            "No matching pods found".to_string(),
        );
    }
    let (expected, desired) = expected_and_desired(api, &spec, &pods);
    // Evictions the API server recorded: kept until the pod is seen going, or they time out.
    let old = budget.status.clone().unwrap_or_default();
    let mut disrupted: BTreeMap<String, Time> = BTreeMap::new();
    let mut timeout: Option<SimTime> = None;
    for (pod_name, at) in old.disrupted_pods.clone().unwrap_or_default() {
        let going = pods.iter().find(|p| podutil::name(p) == pod_name);
        let expires = SimTime::from_k8s(&at) + DELETION_TIMEOUT;
        if going.is_some_and(|p| p.metadata.deletion_timestamp.is_none()) && expires > now {
            timeout = Some(timeout.map_or(expires, |t| t.min(expires)));
            disrupted.insert(pod_name, at);
        }
    }
    let healthy = pods
        .iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none()
                && !disrupted.contains_key(podutil::name(p))
                && is_ready(p)
        })
        .count() as i32;
    let mut allowed = healthy - desired;
    if expected <= 0 || allowed <= 0 {
        allowed = 0;
    }
    let generation = budget.metadata.generation;
    let (status, reason) =
        if allowed > 0 { ("True", "SufficientPods") } else { ("False", "InsufficientPods") };
    let transition = old
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "DisruptionAllowed" && c.status == status)
        .map_or_else(|| now.to_k8s(), |c| c.last_transition_time.clone());
    let new = PodDisruptionBudgetStatus {
        conditions: Some(vec![Condition {
            last_transition_time: transition,
            message: String::new(),
            observed_generation: generation,
            reason: reason.to_string(),
            status: status.to_string(),
            type_: "DisruptionAllowed".to_string(),
        }]),
        current_healthy: healthy,
        desired_healthy: desired,
        disrupted_pods: (!disrupted.is_empty()).then_some(disrupted),
        disruptions_allowed: allowed,
        expected_pods: expected,
        observed_generation: generation,
    };
    if budget.status.as_ref() != Some(&new) {
        let _ = api.update::<PodDisruptionBudget>(&namespace, &name, |b| b.status = Some(new));
    }
    timeout
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// `getExpectedPodCount`: how many pods the budget covers and how many must stay healthy.
fn expected_and_desired(
    api: &ApiServer,
    spec: &k8s_openapi::api::policy::v1::PodDisruptionBudgetSpec,
    pods: &[Pod],
) -> (i32, i32) {
    if let Some(max_unavailable) = &spec.max_unavailable {
        let expected = expected_scale(api, pods);
        let unavailable = scaled(max_unavailable, expected);
        return (expected, (expected - unavailable).max(0));
    }
    match &spec.min_available {
        Some(IntOrString::Int(n)) => (pods.len() as i32, *n),
        Some(min) => {
            let expected = expected_scale(api, pods);
            (expected, scaled(min, expected))
        }
        None => (pods.len() as i32, 0),
    }
}

/// `GetScaledValueFromIntOrPercent` rounding up.
fn scaled(value: &IntOrString, total: i32) -> i32 {
    match value {
        IntOrString::Int(n) => *n,
        IntOrString::String(text) => {
            let percent: i64 = text.trim_end_matches('%').parse().unwrap_or(0);
            (i64::from(total) * percent).div_euclid(100) as i32
                + i32::from((i64::from(total) * percent).rem_euclid(100) != 0)
        }
    }
}

/// `getExpectedScale`: the replicas the pods' controllers want, each controller counted once;
/// pods without a controller count for nothing.
fn expected_scale(api: &ApiServer, pods: &[Pod]) -> i32 {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut total = 0;
    for pod in pods {
        let Some(owner) =
            pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true))
        else {
            continue;
        };
        let namespace = podutil::namespace(pod);
        let (uid, replicas) = match owner.kind.as_str() {
            "ReplicaSet" => {
                let Ok(set) = api.get::<ReplicaSet>(namespace, &owner.name) else { continue };
                let deployment = set
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .find(|o| o.controller == Some(true) && o.kind == "Deployment")
                    .and_then(|o| api.get::<Deployment>(namespace, &o.name).ok());
                match deployment {
                    Some(d) => (
                        d.metadata.uid.clone().unwrap_or_default(),
                        d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                    ),
                    None => (
                        set.metadata.uid.clone().unwrap_or_default(),
                        set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                    ),
                }
            }
            "StatefulSet" => {
                let Ok(set) = api.get::<StatefulSet>(namespace, &owner.name) else { continue };
                (
                    set.metadata.uid.clone().unwrap_or_default(),
                    set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                )
            }
            "ReplicationController" => {
                let Ok(rc) = api.get::<ReplicationController>(namespace, &owner.name) else {
                    continue;
                };
                (
                    rc.metadata.uid.clone().unwrap_or_default(),
                    rc.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                )
            }
            _ => continue,
        };
        if seen.insert(uid) {
            total += replicas;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_up() {
        assert_eq!(scaled(&IntOrString::String("50%".into()), 3), 2);
        assert_eq!(scaled(&IntOrString::String("20%".into()), 10), 2);
        assert_eq!(scaled(&IntOrString::Int(1), 3), 1);
    }
}
