//! The taint eviction controller: deletes the pods on a node with NoExecute taints they do not
//! tolerate — at once when a taint is not tolerated at all, otherwise when the shortest
//! `tolerationSeconds` of the tolerations in play has passed since the taint was added (the
//! DefaultTolerationSeconds tolerations give every pod 300 s on a node that went away).

use crate::api::{ApiServer, DeleteOptions, EventSource, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Node, Pod, PodCondition, Taint, Toleration};
use serde::{Deserialize, Serialize};
use std::time::Duration;

const SOURCE: EventSource<'static> =
    EventSource { component: "taint-eviction-controller", host: None };

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaintEvictionController {
    seen_api_version: u64,
    /// The next instant a toleration runs out.
    next_eviction: Option<SimTime>,
}

impl TaintEvictionController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let changed = api.kind_changed_since::<Node>(self.seen_api_version)
            || api.kind_changed_since::<Pod>(self.seen_api_version);
        if !changed && self.next_eviction.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return self.next_eviction;
        }
        let mut next: Option<SimTime> = None;
        let tainted: Vec<(String, Vec<Taint>)> = api
            .list::<Node>(None)
            .filter_map(|node| {
                let taints: Vec<Taint> = node
                    .spec
                    .as_ref()?
                    .taints
                    .iter()
                    .flatten()
                    .filter(|t| t.effect == "NoExecute")
                    .cloned()
                    .collect();
                (!taints.is_empty())
                    .then(|| (node.metadata.name.clone().unwrap_or_default(), taints))
            })
            .collect();
        for (node, taints) in tainted {
            let pods: Vec<Pod> = api
                .list::<Pod>(None)
                .filter(|p| {
                    podutil::node_name(p) == Some(node.as_str())
                        && p.metadata.deletion_timestamp.is_none()
                })
                .cloned()
                .collect();
            for pod in pods {
                let Some(due) = eviction_time(&pod, &taints) else { continue };
                if due <= now {
                    evict(api, &pod);
                } else {
                    next = Some(next.map_or(due, |n| n.min(due)));
                }
            }
        }
        self.seen_api_version = api.resource_version();
        self.next_eviction = next;
        next
    }
}

/// When the pod must go because of these NoExecute taints; `None` if it tolerates them all
/// forever.
fn eviction_time(pod: &Pod, taints: &[Taint]) -> Option<SimTime> {
    let tolerations = pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or_default();
    let created =
        pod.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s).unwrap_or_default();
    let mut due: Option<SimTime> = None;
    for taint in taints {
        let added = taint.time_added.as_ref().map(SimTime::from_k8s).unwrap_or_default();
        let start = added.max(created);
        let matching: Vec<&Toleration> =
            tolerations.iter().filter(|t| tolerates(t, taint)).collect();
        if matching.is_empty() {
            return Some(start);
        }
        // A toleration without tolerationSeconds tolerates forever; otherwise the shortest wins.
        if matching.iter().any(|t| t.toleration_seconds.is_none()) {
            continue;
        }
        let seconds = matching.iter().filter_map(|t| t.toleration_seconds).min().unwrap_or(0);
        let at = start + Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        due = Some(due.map_or(at, |d| d.min(at)));
    }
    due
}

/// `Toleration.ToleratesTaint`.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or_default();
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or_default();
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        _ => {
            toleration.value.as_deref().unwrap_or_default()
                == taint.value.as_deref().unwrap_or_default()
        }
    }
}

/// Deletes a pod whose time is up, as the controller does: the event, the DisruptionTarget
/// condition, then a delete with the pod's own grace period.
fn evict(api: &mut ApiServer, pod: &Pod) {
    let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
    api.record_event(
        pod,
        None,
        SOURCE,
        EventType::Normal,
        "TaintManagerEviction",
        format!("Marking for deletion Pod {namespace}/{name}"),
    );
    let now = api.now().to_k8s();
    let _ = api.update::<Pod>(namespace, name, |pod| {
        podutil::set_condition(
            pod,
            PodCondition {
                type_: "DisruptionTarget".to_string(),
                status: "True".to_string(),
                reason: Some("DeletionByTaintManager".to_string()),
                message: Some("Taint manager: deleting due to NoExecute taint".to_string()),
                last_transition_time: Some(now),
                ..Default::default()
            },
        );
    });
    let _ = api.delete::<Pod>(namespace, name, DeleteOptions::default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodSpec;

    fn taint(added: SimTime) -> Taint {
        Taint {
            key: "node.kubernetes.io/unreachable".into(),
            effect: "NoExecute".into(),
            time_added: Some(added.to_k8s()),
            value: None,
        }
    }

    fn pod(tolerations: Vec<Toleration>) -> Pod {
        Pod {
            spec: Some(PodSpec { tolerations: Some(tolerations), ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn default_tolerations_give_a_pod_five_minutes_on_an_unreachable_node() {
        let added = SimTime::from_unix_ms(1_000_000_000);
        let toleration = Toleration {
            key: Some("node.kubernetes.io/unreachable".into()),
            operator: Some("Exists".into()),
            effect: Some("NoExecute".into()),
            toleration_seconds: Some(300),
            ..Default::default()
        };
        assert_eq!(
            eviction_time(&pod(vec![toleration]), &[taint(added)]),
            Some(added + Duration::from_secs(300))
        );
    }

    #[test]
    fn an_untolerated_taint_evicts_at_once_and_a_forever_toleration_never() {
        let added = SimTime::from_unix_ms(1_000_000_000);
        assert_eq!(eviction_time(&pod(vec![]), &[taint(added)]), Some(added));
        let forever = Toleration { operator: Some("Exists".into()), ..Default::default() };
        assert_eq!(eviction_time(&pod(vec![forever]), &[taint(added)]), None);
    }
}
