//! kube-scheduler: binds each pending pod to the node that passes every filter plugin and wins
//! the weighted sum of the score plugins, and explains failures in the scheduler's own words.

pub mod framework;
mod plugins;

pub use plugins::tolerates;

use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil::{self, set_condition};
use crate::rng::Rng;
use crate::time::SimTime;
use framework::{NodeInfo, Verdict};
use k8s_openapi::api::core::v1::{Node, Pod, PodCondition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

const SCHEDULER_NAME: &str = "default-scheduler";

/// How long an unschedulable pod waits for a cluster change before it is tried again anyway
/// (`podMaxInUnschedulablePodsDuration`).
const UNSCHEDULABLE_RETRY: Duration = Duration::from_secs(5 * 60);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scheduler {
    /// Breaks ties between equally scored nodes.
    rng: Rng,
    /// Pods that did not fit, by uid: the cluster as it was then, and when they were tried.
    unschedulable: BTreeMap<String, FailedAttempt>,
    /// The API's resourceVersion after the last pass: while it stays, there is nothing new.
    seen_api_version: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct FailedAttempt {
    /// A fingerprint of the nodes and bound pods; a different one means the pod may fit now.
    cluster: u64,
    at: SimTime,
}

/// The outcome of one scheduling cycle for one pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Bind(String),
    /// The FailedScheduling message: `0/3 nodes are available: …`.
    Unschedulable(String),
}

impl Scheduler {
    pub fn new(rng: Rng) -> Self {
        Scheduler { rng, unschedulable: BTreeMap::new(), seen_api_version: 0 }
    }

    /// Schedules every pending pod that may have become schedulable. Returns when it next wants
    /// to run (to retry unschedulable pods) if it does.
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let next_retry = self.next_retry();
        // Only pods and nodes change what there is to schedule and where it fits.
        let seen = self.seen_api_version;
        let relevant = api.kind_changed_since::<Pod>(seen) || api.kind_changed_since::<Node>(seen);
        if !relevant && next_retry.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return next_retry;
        }
        let mut queue: Vec<(i32, SimTime, String, String, String)> = api
            .list::<Pod>(None)
            .filter(|pod| is_pending(pod))
            .map(|pod| {
                let spec = pod.spec.as_ref();
                let created = pod
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(SimTime::from_k8s)
                    .unwrap_or_default();
                (
                    spec.and_then(|s| s.priority).unwrap_or(0),
                    created,
                    pod.metadata.uid.clone().unwrap_or_default(),
                    pod.metadata.namespace.clone().unwrap_or_default(),
                    pod.metadata.name.clone().unwrap_or_default(),
                )
            })
            .collect();
        // PrioritySort: higher priority first, then the pod that has waited longest.
        queue.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        self.unschedulable.retain(|uid, _| queue.iter().any(|q| &q.2 == uid));

        for (_, _, uid, namespace, name) in queue {
            let cluster = cluster_fingerprint(api);
            if let Some(failed) = self.unschedulable.get(&uid)
                && failed.cluster == cluster
                && now < failed.at + UNSCHEDULABLE_RETRY
            {
                continue;
            }
            let Ok(pod) = api.get::<Pod>(&namespace, &name).cloned() else {
                continue;
            };
            match self.schedule_one(api, &pod) {
                Decision::Bind(node) => {
                    self.unschedulable.remove(&uid);
                    bind(api, &pod, &node);
                }
                Decision::Unschedulable(message) => {
                    record_unschedulable(api, &pod, message);
                    let cluster = cluster_fingerprint(api);
                    self.unschedulable.insert(uid, FailedAttempt { cluster, at: now });
                }
            }
        }
        self.seen_api_version = api.resource_version();
        self.next_retry()
    }

    /// When the longest-waiting unschedulable pod is due another try.
    fn next_retry(&self) -> Option<SimTime> {
        self.unschedulable.values().map(|f| f.at + UNSCHEDULABLE_RETRY).min()
    }

    /// One scheduling cycle: filter every node, score the feasible ones, pick the best.
    pub fn schedule_one(&mut self, api: &ApiServer, pod: &Pod) -> Decision {
        let nodes: Vec<&Node> = api.list::<Node>(None).collect();
        if nodes.is_empty() {
            return Decision::Unschedulable("no nodes available to schedule pods".to_string());
        }
        let mut pods_by_node: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
        for bound in api.list::<Pod>(None).filter(|p| occupies_node(p)) {
            if let Some(node) = podutil::node_name(bound) {
                pods_by_node.entry(node).or_default().push(bound);
            }
        }
        let infos: Vec<NodeInfo<'_>> = nodes
            .iter()
            .map(|node| {
                let name = node.metadata.name.as_deref().unwrap_or_default();
                NodeInfo::new(node, pods_by_node.remove(name).unwrap_or_default())
            })
            .collect();

        let verdicts: Vec<Verdict> = infos
            .iter()
            .map(|info| {
                // A node fails on the first filter that rejects it, as in the framework.
                plugins::FILTERS
                    .iter()
                    .map(|plugin| plugin.filter(pod, info))
                    .find(|verdict| *verdict != Verdict::Fits)
                    .unwrap_or(Verdict::Fits)
            })
            .collect();
        let feasible: Vec<usize> =
            (0..infos.len()).filter(|&i| verdicts[i] == Verdict::Fits).collect();
        match feasible.as_slice() {
            [] => Decision::Unschedulable(fit_error_message(pod, &verdicts)),
            [only] => Decision::Bind(infos[*only].name.to_string()),
            _ => {
                let totals = total_scores(pod, &infos, &feasible);
                Decision::Bind(infos[self.select_host(&feasible, &totals)].name.to_string())
            }
        }
    }

    /// `selectHost`: the highest total, ties broken uniformly at random (reservoir sampling).
    fn select_host(&mut self, feasible: &[usize], totals: &[i64]) -> usize {
        let mut best = feasible[0];
        let mut best_score = totals[0];
        let mut ties = 1;
        for (&node, &score) in feasible.iter().zip(totals).skip(1) {
            if score > best_score {
                best = node;
                best_score = score;
                ties = 1;
            } else if score == best_score {
                ties += 1;
                if self.rng.below(ties) == 0 {
                    best = node;
                }
            }
        }
        best
    }
}

/// Weighted sums of the normalized plugin scores, one per feasible node.
fn total_scores(pod: &Pod, infos: &[NodeInfo<'_>], feasible: &[usize]) -> Vec<i64> {
    let mut totals = vec![0; feasible.len()];
    for plugin in plugins::SCORES {
        let mut scores: Vec<i64> =
            feasible.iter().map(|&i| plugin.score(pod, &infos[i], infos)).collect();
        plugin.normalize(&mut scores);
        for (total, score) in totals.iter_mut().zip(scores) {
            *total += score * plugin.weight();
        }
    }
    totals
}

/// The FitError message: a histogram of the filters' reasons, then what preemption found.
fn fit_error_message(pod: &Pod, verdicts: &[Verdict]) -> String {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let mut not_helpful = 0;
    let mut no_victims = 0;
    for verdict in verdicts {
        match verdict {
            Verdict::Fits => {}
            Verdict::Unschedulable(list) => {
                no_victims += 1;
                list.iter().for_each(|r| *reasons.entry(r).or_default() += 1);
            }
            Verdict::UnschedulableAndUnresolvable(list) => {
                not_helpful += 1;
                list.iter().for_each(|r| *reasons.entry(r).or_default() += 1);
            }
        }
    }
    let mut parts: Vec<String> =
        reasons.iter().map(|(reason, count)| format!("{count} {reason}")).collect();
    parts.sort();
    let mut message = format!("0/{} nodes are available: {}.", verdicts.len(), parts.join(", "));
    // DefaultPreemption runs after a failed cycle unless the pod opts out. Every pod has priority
    // 0 until PriorityClasses arrive, so no node has a lower-priority victim to offer.
    let preempts = pod.spec.as_ref().and_then(|s| s.preemption_policy.as_deref()) != Some("Never");
    if preempts {
        let mut preemption = Vec::new();
        if not_helpful > 0 {
            preemption.push(format!("{not_helpful} Preemption is not helpful for scheduling"));
        }
        if no_victims > 0 {
            preemption.push(format!("{no_victims} No preemption victims found for incoming pod"));
        }
        preemption.sort();
        message.push_str(&format!(
            " preemption: 0/{} nodes are available: {}.",
            verdicts.len(),
            preemption.join(", ")
        ));
    }
    message
}

/// Pods this scheduler still has to place.
fn is_pending(pod: &Pod) -> bool {
    let spec = pod.spec.as_ref();
    podutil::node_name(pod).is_none()
        && spec.and_then(|s| s.scheduler_name.as_deref()).unwrap_or(SCHEDULER_NAME)
            == SCHEDULER_NAME
        && pod.metadata.deletion_timestamp.is_none()
        && !podutil::is_terminal(pod)
}

/// Pods that hold resources on their node: bound and not finished.
fn occupies_node(pod: &Pod) -> bool {
    podutil::node_name(pod).is_some() && !podutil::is_terminal(pod)
}

/// Changes whenever a node changes or a pod is bound, unbound or finishes: the events that can
/// make an unschedulable pod fit.
fn cluster_fingerprint(api: &ApiServer) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |text: &str| {
        for byte in text.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for node in api.list::<Node>(None) {
        mix(node.metadata.resource_version.as_deref().unwrap_or_default());
    }
    for pod in api.list::<Pod>(None).filter(|p| occupies_node(p)) {
        mix(pod.metadata.uid.as_deref().unwrap_or_default());
    }
    hash
}

const SOURCE: EventSource<'static> = EventSource { component: SCHEDULER_NAME, host: None };

fn bind(api: &mut ApiServer, pod: &Pod, node: &str) {
    let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
    let now = api.now().to_k8s();
    let _ = api.update::<Pod>(namespace, name, |pod| {
        if let Some(spec) = pod.spec.as_mut() {
            spec.node_name = Some(node.to_string());
        }
        set_condition(
            pod,
            PodCondition {
                type_: "PodScheduled".into(),
                status: "True".into(),
                last_transition_time: Some(now),
                ..Default::default()
            },
        );
    });
    let message = format!("Successfully assigned {namespace}/{name} to {node}");
    api.record_event(pod, None, SOURCE, EventType::Normal, "Scheduled", message);
}

fn record_unschedulable(api: &mut ApiServer, pod: &Pod, message: String) {
    let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
    let now = api.now().to_k8s();
    let condition_message = message.clone();
    let _ = api.update::<Pod>(namespace, name, |pod| {
        set_condition(
            pod,
            PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some(condition_message),
                last_transition_time: Some(now),
                ..Default::default()
            },
        );
    });
    api.record_event(pod, None, SOURCE, EventType::Warning, "FailedScheduling", message);
}
