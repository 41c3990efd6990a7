//! kube-scheduler: takes pending pods from its queue, filters the nodes, scores the feasible
//! ones, binds the pod to the best (or preempts lower-priority pods to make room), explains
//! failures in the scheduler's own words and keeps, per pod, why it went where it went.

mod cache;
pub mod explanation;
pub mod framework;
mod plugins;
mod queue;

pub use plugins::node_affinity::requirement_matches;
pub use plugins::{tolerates, toleration_matches};

use crate::api::selector::{Operator, Requirement, Selector};
use crate::api::{ApiServer, DeleteOptions, EventSource, EventType, event_reference};
use crate::podutil::{self, set_condition};
use crate::rng::Rng;
use crate::time::SimTime;
use cache::Snapshot;
use explanation::{Attempt, Column, Explanation, Outcome, PluginColumns};
use framework::{Code, CycleState, PodInfo, PodRequests, Rejection, Resources, events};
use k8s_openapi::api::apps::v1::{ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{
    Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition,
    ReplicationController, Service,
};
use k8s_openapi::api::storage::v1::StorageClass;
use plugins::default_preemption::{self, Candidate, Preemption};
use plugins::{FILTERS, SCORES, volume_binding, volume_restrictions};
use queue::{Place, QueuedPod, SchedulingQueue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

const SCHEDULER_NAME: &str = "default-scheduler";

/// The explanations kept: the latest attempt of this many pods (the most recently tried).
const MAX_EXPLANATIONS: usize = 256;
/// Below this many nodes every node is filtered (`minFeasibleNodesToFind`).
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// The least share of nodes filtered on large clusters (`minFeasibleNodesPercentageToFind`).
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scheduler {
    /// Breaks ties between equally scored nodes.
    rng: Rng,
    queue: SchedulingQueue,
    /// Rebuilt from the API after a restore: derived data.
    #[serde(skip)]
    cache: Snapshot,
    /// Where filtering starts next (`nextStartNodeIndex`), so large clusters share the load.
    next_start_node_index: usize,
    /// The latest attempt per pod uid, with the order it was made in. Not saved: explanations
    /// are for the session's pods as they are tried.
    #[serde(skip)]
    explanations: BTreeMap<String, (u64, Attempt)>,
    /// Pod uids by the order their kept attempt was made in, oldest first.
    #[serde(skip)]
    explanation_order: BTreeMap<u64, String>,
    #[serde(skip)]
    explanations_made: u64,
    /// Pods that preempted, by uid: the node they were nominated to.
    nominations: BTreeMap<String, String>,
    /// The API's resourceVersion after the last pass: while it stays, there is nothing new.
    seen_api_version: u64,
    /// Pods whose claims PreBind handed to the PersistentVolume controller, by uid: their
    /// namespace, name and node. Each is bound once all its claims are.
    #[serde(default)]
    waiting_on_volumes: BTreeMap<String, (String, String, String)>,
    /// Buffers each cycle reuses, so scheduling a pod allocates nothing per plugin.
    #[serde(skip)]
    buffers: Buffers,
}

/// The per-cycle working lists, kept between cycles for their room.
#[derive(Clone, Debug, Default)]
struct Buffers {
    /// The feasible nodes, as positions in the cache's nodes.
    feasible: Vec<usize>,
    /// One plugin's scores of the feasible nodes, raw then normalized.
    scores: Vec<i64>,
    /// The weighted sums of the feasible nodes' scores.
    totals: Vec<i64>,
}

/// The outcome of one scheduling cycle for one pod.
enum Decision {
    /// The node, and the pod as the cycle read it (the cache counts it there at once).
    Bind(String, Box<PodInfo>),
    Unschedulable {
        message: String,
        /// The cluster events worth trying again after.
        events: u32,
        nominate: Option<(String, Vec<PodInfo>)>,
    },
}

impl Scheduler {
    pub fn new(rng: Rng) -> Self {
        Scheduler {
            rng,
            queue: SchedulingQueue::default(),
            cache: Snapshot::default(),
            next_start_node_index: 0,
            explanations: BTreeMap::new(),
            explanation_order: BTreeMap::new(),
            explanations_made: 0,
            nominations: BTreeMap::new(),
            seen_api_version: 0,
            waiting_on_volumes: BTreeMap::new(),
            buffers: Buffers::default(),
        }
    }

    /// Why the pod with this uid went where it went, at its latest scheduling attempt.
    pub fn explanation(&self, pod_uid: &str) -> Option<Explanation> {
        self.explanations.get(pod_uid).map(|(_, a)| a.explain(self.cache.names()))
    }

    /// Schedules the pods whose turn it is. Returns when it next wants to run (a back-off
    /// ending, an unschedulable pod's periodic retry).
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let relevant = api.kind_changed_since::<Pod>(seen)
            || api.kind_changed_since::<Node>(seen)
            || api.kind_changed_since::<Namespace>(seen)
            || storage_changed(api, seen);
        let due = self.queue.next_wake().is_some_and(|at| at <= now);
        if !relevant && !due && !self.queue.has_active() {
            self.seen_api_version = api.resource_version();
            return self.queue.next_wake();
        }
        self.observe(api);
        self.queue.flush(now);
        let mut happened = self.finish_volume_binding(api);
        for uid in self.queue.active() {
            let Some(queued) = self.queue.get(&uid) else { continue };
            // Shared, not copied: dropped before the binding writes the pod.
            let Ok(pod) = api.get_shared::<Pod>(&queued.namespace, &queued.name) else {
                self.queue.remove(&uid);
                continue;
            };
            if !is_pending(&pod) || podutil::uid(&pod) != uid {
                self.queue.remove(&uid);
                continue;
            }
            match self.schedule_one(api, &pod) {
                Decision::Bind(node, _) if volume_binding::pre_bind(api, &pod, &node) => {
                    // PreBind waits for the claims to be bound before the pod is.
                    self.queue.remove(&uid);
                    let key = (
                        podutil::namespace(&pod).to_string(),
                        podutil::name(&pod).to_string(),
                        node,
                    );
                    self.waiting_on_volumes.insert(uid.clone(), key);
                }
                Decision::Bind(node, info) => {
                    self.bind(api, pod, &node, *info);
                    happened |= events::ASSIGNED_POD_ADD;
                }
                Decision::Unschedulable { message, events, nominate } => {
                    if let Some((node, victims)) = nominate {
                        self.preempt(api, &pod, &node, &victims);
                    }
                    record_unschedulable(api, &pod, message);
                    self.queue.unschedulable(&uid, now, events);
                    if let Some(queued) = self.queue.get_mut(&uid) {
                        queued.written_version = current_version(api, &pod);
                    }
                }
            }
        }
        if happened != 0 {
            self.queue.move_for_events(happened, now);
        }
        self.seen_api_version = api.resource_version();
        self.queue.next_wake()
    }

    /// Catches up with the API: the cache, new and gone pending pods, pods updated by others,
    /// and the cluster events that may make waiting pods fit.
    fn observe(&mut self, api: &ApiServer) {
        let now = api.now();
        let since = self.seen_api_version;
        let mut happened = self.cache.sync(api);
        if storage_changed(api, since) {
            happened |= events::STORAGE;
        }
        for pod in api.changed_since::<Pod>(since) {
            let uid = podutil::uid(pod);
            if self.waiting_on_volumes.contains_key(uid) {
                continue;
            }
            let version = pod.metadata.resource_version.as_deref().unwrap_or_default();
            if !is_pending(pod) {
                self.queue.remove(uid);
                self.nominations.remove(uid);
                continue;
            }
            match self.queue.get_mut(uid) {
                Some(queued) if queued.written_version != version => {
                    // Updated by someone else (new tolerations, labels...): worth a new try.
                    queued.written_version = version.to_string();
                    queued.priority = pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0);
                    self.queue.requeue(uid, now);
                }
                Some(_) => {}
                None => self.queue.add(
                    uid.to_string(),
                    QueuedPod {
                        namespace: podutil::namespace(pod).to_string(),
                        name: podutil::name(pod).to_string(),
                        priority: pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0),
                        timestamp: now,
                        attempts: 0,
                        failed_at: None,
                        written_version: version.to_string(),
                        place: Place::Active,
                    },
                ),
            }
        }
        for pod in api.deleted_since::<Pod>(since) {
            let uid = podutil::uid(pod);
            self.queue.remove(uid);
            self.nominations.remove(uid);
            if let Some((made, _)) = self.explanations.remove(uid) {
                self.explanation_order.remove(&made);
            }
        }
        if happened != 0 {
            self.queue.move_for_events(happened, now);
        }
    }

    /// Binds the pods whose claims PreBind was waiting for, now that they are bound. Returns
    /// the cluster events that caused.
    fn finish_volume_binding(&mut self, api: &mut ApiServer) -> u32 {
        let mut happened = 0;
        for (uid, (namespace, name, node)) in std::mem::take(&mut self.waiting_on_volumes) {
            let Ok(pod) = api.get_shared::<Pod>(&namespace, &name) else { continue };
            if podutil::uid(&pod) != uid || !is_pending(&pod) {
                continue;
            }
            match volume_binding::pre_filter(api, &pod) {
                Ok(Some(state)) if !state.all_bound() => {
                    self.waiting_on_volumes.insert(uid, (namespace, name, node));
                }
                _ => {
                    let info = PodInfo::new(&pod);
                    self.bind(api, pod, &node, info);
                    happened |= events::ASSIGNED_POD_ADD;
                }
            }
        }
        happened
    }

    /// One scheduling cycle: filter the nodes, score the feasible ones, pick the best; when
    /// none fits, run the PostFilters (preemption).
    fn schedule_one(&mut self, api: &ApiServer, pod: &Pod) -> Decision {
        let mut attempt = Attempt {
            namespace: podutil::namespace(pod).to_string(),
            pod: podutil::name(pod).to_string(),
            attempt: self.queue.get(podutil::uid(pod)).map_or(1, |q| q.attempts + 1),
            at: api.now(),
            nodes_total: self.cache.nodes.len(),
            nodes: Vec::new(),
            rejections: Vec::new(),
            scored: 0,
            scores: Vec::new(),
            outcome: Outcome::Unschedulable { message: String::new() },
        };
        let decision = self.decide(api, pod, &mut attempt);
        attempt.outcome = match &decision {
            Decision::Bind(node, _) => Outcome::Bound { node: node.clone() },
            Decision::Unschedulable { nominate: Some((node, victims)), .. } => Outcome::Nominated {
                node: node.clone(),
                victims: victims.iter().map(|v| format!("{}/{}", v.namespace, v.name)).collect(),
            },
            Decision::Unschedulable { message, .. } => {
                Outcome::Unschedulable { message: message.clone() }
            }
        };
        self.keep_explanation(podutil::uid(pod), attempt);
        decision
    }

    fn decide(&mut self, api: &ApiServer, pod: &Pod, attempt: &mut Attempt) -> Decision {
        let snapshot = &self.cache;
        let total = snapshot.nodes.len();
        if total == 0 {
            return Decision::Unschedulable {
                message: "no nodes available to schedule pods".to_string(),
                events: events::NODE_ADD,
                nominate: None,
            };
        }
        let nominated = nominated_requests(api, &self.nominations, pod);
        let (volumes, unresolvable) = match volume_binding::pre_filter(api, pod) {
            Ok(volumes) => (volumes, None),
            Err(reason) => (None, Some(reason)),
        };
        let spread = default_spread_selector(api, pod);
        let waiting = |uid: &str| self.waiting_on_volumes.contains_key(uid);
        let restrictions = volume_restrictions::pre_filter(api, pod, snapshot, &waiting);
        let mut state = CycleState::new(pod, snapshot, nominated, spread, volumes, restrictions);
        if let Some(reason) = unresolvable {
            // A PreFilter rejection: every node fails for the same reason, told once.
            let rejection = Rejection {
                plugin: "VolumeBinding",
                code: Code::UnschedulableAndUnresolvable,
                reasons: vec![reason.clone()],
            };
            let statuses = vec![Some(rejection); total];
            let mut message = format!("0/{total} nodes are available: {reason}.");
            if let Preemption::Failed(why) =
                default_preemption::preempt(&mut state, snapshot, &statuses)
            {
                message.push_str(&format!(
                    " {}, preemption: {why}",
                    plugins::dynamic_resources::NO_CLAIMS
                ));
            }
            return Decision::Unschedulable { message, events: events::STORAGE, nominate: None };
        }

        // A pod that preempted tries its nominated node first (`evaluateNominatedNode`).
        let nominated_node = pod
            .status
            .as_ref()
            .and_then(|s| s.nominated_node_name.as_deref())
            .and_then(|n| snapshot.node_index(n));
        if let Some(i) = nominated_node
            && state.run_filters(&snapshot.nodes[i]).is_ok()
        {
            attempt.nodes.push(snapshot.nodes[i].id);
            return Decision::Bind(snapshot.nodes[i].name.clone(), Box::new(state.info));
        }

        let to_find = num_feasible_nodes_to_find(total);
        let start = self.next_start_node_index % total;
        let feasible = &mut self.buffers.feasible;
        feasible.clear();
        let mut looked = total;
        for k in 0..total {
            // The nodes from `start` on, wrapping around (no division per node: it is slow).
            let i = if start + k < total { start + k } else { start + k - total };
            match state.run_filters(&snapshot.nodes[i]) {
                Ok(()) => {
                    feasible.push(i);
                    if feasible.len() >= to_find {
                        looked = k + 1;
                        break;
                    }
                }
                Err(rejection) => attempt.rejections.push((k as u32, rejection)),
            }
        }
        // The nodes looked at, in that order: from `start` to the end, then from the first.
        let before_end = looked.min(total - start);
        attempt.nodes.reserve(looked);
        attempt.nodes.extend(snapshot.nodes[start..start + before_end].iter().map(|n| n.id));
        attempt.nodes.extend(snapshot.nodes[..looked - before_end].iter().map(|n| n.id));
        self.next_start_node_index = (start + looked) % total;

        match self.buffers.feasible[..] {
            [] => {
                let mut statuses: Vec<Option<Rejection>> = vec![None; total];
                for (k, rejection) in &attempt.rejections {
                    statuses[(start + *k as usize) % total] = Some(rejection.clone());
                }
                let reasons: Vec<Vec<String>> =
                    attempt.rejections.iter().map(|(_, r)| r.reasons.clone()).collect();
                let mut message = fit_error_message(total, &reasons);
                let events = attempt.rejections.iter().fold(0, |mask, (_, r)| {
                    mask | FILTERS.iter().find(|p| p.name() == r.plugin).map_or(0, |p| p.events())
                });
                // The PostFilters: DynamicResources (no claims to free), then preemption.
                match default_preemption::preempt(&mut state, snapshot, &statuses) {
                    Preemption::Nominate(Candidate { node, victims }) => Decision::Unschedulable {
                        message,
                        events,
                        nominate: Some((snapshot.nodes[node].name.clone(), victims)),
                    },
                    Preemption::Failed(why) => {
                        message.push_str(&format!(
                            " {}, preemption: {why}",
                            plugins::dynamic_resources::NO_CLAIMS
                        ));
                        Decision::Unschedulable { message, events, nominate: None }
                    }
                }
            }
            [only] => Decision::Bind(snapshot.nodes[only].name.clone(), Box::new(state.info)),
            _ => {
                let buffers = &mut self.buffers;
                score_nodes(&state, snapshot, buffers, attempt);
                let best = select_host(&mut self.rng, &buffers.feasible, &buffers.totals);
                Decision::Bind(snapshot.nodes[best].name.clone(), Box::new(state.info))
            }
        }
    }

    fn keep_explanation(&mut self, uid: &str, explanation: Attempt) {
        self.explanations_made += 1;
        let made = self.explanations_made;
        if let Some((previous, _)) = self.explanations.insert(uid.to_string(), (made, explanation))
        {
            self.explanation_order.remove(&previous);
        }
        self.explanation_order.insert(made, uid.to_string());
        if self.explanations.len() > MAX_EXPLANATIONS
            && let Some((_, oldest)) = self.explanation_order.pop_first()
        {
            self.explanations.remove(&oldest);
        }
    }

    /// Binds as the scheduler binds: `spec.nodeName`, PodScheduled=True, the Scheduled event;
    /// the cache counts the pod on its node at once ("assumed").
    fn bind(&mut self, api: &mut ApiServer, pod: Rc<Pod>, node: &str, mut info: PodInfo) {
        self.queue.remove(&info.uid);
        self.nominations.remove(&info.uid);
        info.resource_version = bind(api, pod, node);
        self.cache.add_pod(info, node);
    }

    /// Evicts the victims (`prepareCandidate`) and nominates the node for the pod.
    fn preempt(&mut self, api: &mut ApiServer, pod: &Pod, node: &str, victims: &[PodInfo]) {
        let now = api.now().to_k8s();
        for victim in victims {
            let _ = api.update::<Pod>(&victim.namespace, &victim.name, |p| {
                set_condition(
                    p,
                    PodCondition {
                        type_: "DisruptionTarget".into(),
                        status: "True".into(),
                        reason: Some("PreemptionByScheduler".into()),
                        message: Some(format!(
                            "{SCHEDULER_NAME}: preempting to accommodate a higher priority pod"
                        )),
                        last_transition_time: Some(now.clone()),
                        ..Default::default()
                    },
                );
            });
            let Ok(current) = api.get::<Pod>(&victim.namespace, &victim.name).cloned() else {
                continue;
            };
            let _ = api.delete::<Pod>(&victim.namespace, &victim.name, DeleteOptions::default());
            let message = format!("Preempted by pod {} on node {node}", podutil::uid(pod));
            api.record_event(&current, None, SOURCE, EventType::Normal, "Preempted", message);
        }
        let _ = api.update::<Pod>(podutil::namespace(pod), podutil::name(pod), |p| {
            p.status.get_or_insert_with(Default::default).nominated_node_name =
                Some(node.to_string());
        });
        self.nominations.insert(podutil::uid(pod).to_string(), node.to_string());
    }

    /// A person's binding (the page's drag and drop): the filters run for `node` alone; the
    /// pod is bound there as the scheduler binds, or the filters' reasons come back.
    pub fn bind_manually(
        &mut self,
        api: &mut ApiServer,
        namespace: &str,
        name: &str,
        node: &str,
    ) -> Result<(), Vec<String>> {
        self.observe(api);
        self.seen_api_version = api.resource_version();
        let pod = api.get_shared::<Pod>(namespace, name).map_err(|e| vec![e.to_string()])?;
        if let Some(bound) = podutil::node_name(&pod) {
            return Err(vec![format!(
                "Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{bound}\""
            )]);
        }
        let Some(index) = self.cache.node_index(node) else {
            return Err(vec![format!("nodes \"{node}\" not found")]);
        };
        let nominated = nominated_requests(api, &self.nominations, &pod);
        let volumes = volume_binding::pre_filter(api, &pod).map_err(|reason| vec![reason])?;
        let waiting = |uid: &str| self.waiting_on_volumes.contains_key(uid);
        let restrictions = volume_restrictions::pre_filter(api, &pod, &self.cache, &waiting);
        let state = CycleState::new(&pod, &self.cache, nominated, None, volumes, restrictions);
        let info = &self.cache.nodes[index];
        let verdict_here = state.run_filters(info);
        let mut attempt = Attempt {
            namespace: namespace.to_string(),
            pod: name.to_string(),
            attempt: self.queue.get(podutil::uid(&pod)).map_or(1, |q| q.attempts + 1),
            at: api.now(),
            nodes_total: self.cache.nodes.len(),
            nodes: vec![info.id],
            rejections: Vec::new(),
            scored: 0,
            scores: Vec::new(),
            outcome: Outcome::Bound { node: node.to_string() },
        };
        let pod_info = state.info;
        match verdict_here {
            Ok(()) => {
                self.keep_explanation(podutil::uid(&pod), attempt);
                if volume_binding::pre_bind(api, &pod, node) {
                    let uid = podutil::uid(&pod).to_string();
                    self.queue.remove(&uid);
                    let key = (namespace.to_string(), name.to_string(), node.to_string());
                    self.waiting_on_volumes.insert(uid, key);
                    self.seen_api_version = api.resource_version();
                    return Ok(());
                }
                self.bind(api, pod, node, pod_info);
                self.queue.move_for_events(events::ASSIGNED_POD_ADD, api.now());
                self.seen_api_version = api.resource_version();
                Ok(())
            }
            Err(rejection) => {
                attempt.outcome = Outcome::Unschedulable {
                    message: fit_error_message(1, std::slice::from_ref(&rejection.reasons)),
                };
                let reasons = rejection.reasons.clone();
                attempt.rejections.push((0, rejection));
                self.keep_explanation(podutil::uid(&pod), attempt);
                Err(reasons)
            }
        }
    }
}

/// Whether a claim, volume or class changed: VolumeBinding's cluster events.
fn storage_changed(api: &ApiServer, since: u64) -> bool {
    api.kind_changed_since::<PersistentVolumeClaim>(since)
        || api.kind_changed_since::<PersistentVolume>(since)
        || api.kind_changed_since::<StorageClass>(since)
}

/// `numFeasibleNodesToFind`: every node on small clusters; on large ones a share falling from
/// 50 % (minus one point per 125 nodes, at least 5 %), but never fewer than 100 nodes.
fn num_feasible_nodes_to_find(total: usize) -> usize {
    if total < MIN_FEASIBLE_NODES_TO_FIND {
        return total;
    }
    let percentage = 50usize.saturating_sub(total / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    (total * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Runs the score plugins over the feasible nodes (`buffers.feasible`): raw scores, normalized,
/// weighted and summed into `buffers.totals` (less the scores every node shares); the columns
/// go to the attempt's explanation.
fn score_nodes(
    state: &CycleState<'_>,
    snapshot: &Snapshot,
    buffers: &mut Buffers,
    attempt: &mut Attempt,
) {
    let Buffers { feasible, scores, totals } = buffers;
    totals.clear();
    totals.resize(feasible.len(), 0);
    attempt.scored = feasible.len();
    for plugin in SCORES {
        let Some(data) = plugin.pre_score(state, snapshot, feasible) else { continue };
        let weight = plugin.weight();
        scores.clear();
        let (raw, normalized) = match plugin.scores(state, &data, snapshot, feasible, scores) {
            // One score for every node: normalized as that one score, and left out of the
            // totals, as it moves no node's rank (`select_host` only compares them).
            Some(score) => {
                let mut normalized = score;
                let changed = plugin.normalize(&data, std::slice::from_mut(&mut normalized));
                (Column::Same(score), changed.then_some(Column::Same(normalized)))
            }
            None => {
                let raw = Column::of(scores);
                let normalized = plugin.normalize(&data, scores).then(|| Column::of(scores));
                for (total, score) in totals.iter_mut().zip(scores.iter()) {
                    *total += score * weight;
                }
                (raw, normalized)
            }
        };
        attempt.scores.push(PluginColumns { name: plugin.name(), weight, raw, normalized });
    }
}

/// `selectHost`: the highest total, ties broken uniformly at random (reservoir sampling).
fn select_host(rng: &mut Rng, feasible: &[usize], totals: &[i64]) -> usize {
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
            if rng.below(ties) == 0 {
                best = node;
            }
        }
    }
    best
}

/// The FitError message: `0/N nodes are available: ` and a histogram of the reasons, each
/// "count reason", sorted as strings.
pub(crate) fn fit_error_message(total: usize, reasons: &[Vec<String>]) -> String {
    let mut histogram: BTreeMap<&str, usize> = BTreeMap::new();
    for reason in reasons.iter().flatten() {
        *histogram.entry(reason).or_default() += 1;
    }
    let mut parts: Vec<String> =
        histogram.iter().map(|(reason, count)| format!("{count} {reason}")).collect();
    crate::sort::sort(&mut parts);
    format!("0/{total} nodes are available: {}.", parts.join(", "))
}

/// What pods nominated to each node (after preempting) that outrank `pod` ask for.
fn nominated_requests(
    api: &ApiServer,
    nominations: &BTreeMap<String, String>,
    pod: &Pod,
) -> BTreeMap<String, Resources> {
    let priority = pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0);
    let mut by_node: BTreeMap<String, Resources> = BTreeMap::new();
    if nominations.is_empty() {
        return by_node;
    }
    for other in api.list::<Pod>(None) {
        let uid = podutil::uid(other);
        let Some(node) = nominations.get(uid) else { continue };
        if uid == podutil::uid(pod)
            || other.spec.as_ref().and_then(|s| s.priority).unwrap_or(0) < priority
        {
            continue;
        }
        let entry = by_node.entry(node.clone()).or_default();
        *entry = *entry + PodRequests::of(other).fit;
    }
    by_node
}

/// `DefaultSelector`: the pods the pod's Services, ReplicationController, ReplicaSet or
/// StatefulSet select, for the default topology spreading; `None` when nothing selects it.
fn default_spread_selector(api: &ApiServer, pod: &Pod) -> Option<Selector> {
    let namespace = podutil::namespace(pod);
    let labels = pod.metadata.labels.as_ref()?;
    let mut equal: BTreeMap<String, String> = BTreeMap::new();
    let mut requirements: Vec<Requirement> = Vec::new();
    for service in api.list::<Service>(Some(namespace)) {
        if let Some(selector) = service.spec.as_ref().and_then(|s| s.selector.as_ref())
            && !selector.is_empty()
            && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        {
            equal.extend(selector.clone());
        }
    }
    let owner = pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true));
    if let Some(owner) = owner {
        match owner.kind.as_str() {
            "ReplicationController" => {
                if let Ok(rc) = api.get::<ReplicationController>(namespace, &owner.name)
                    && let Some(selector) = rc.spec.as_ref().and_then(|s| s.selector.as_ref())
                {
                    equal.extend(selector.clone());
                }
            }
            "ReplicaSet" => {
                if let Ok(rs) = api.get::<ReplicaSet>(namespace, &owner.name)
                    && let Some(selector) =
                        rs.spec.as_ref().and_then(|s| Selector::from_label_selector(&s.selector))
                {
                    requirements.extend(selector.requirements);
                }
            }
            "StatefulSet" => {
                if let Ok(set) = api.get::<StatefulSet>(namespace, &owner.name)
                    && let Some(selector) =
                        set.spec.as_ref().and_then(|s| Selector::from_label_selector(&s.selector))
                {
                    requirements.extend(selector.requirements);
                }
            }
            _ => {}
        }
    }
    let mut all: Vec<Requirement> = equal
        .into_iter()
        .map(|(key, value)| Requirement { key, operator: Operator::Equals, values: vec![value] })
        .collect();
    all.extend(requirements);
    (!all.is_empty()).then_some(Selector { requirements: all })
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

fn current_version(api: &ApiServer, pod: &Pod) -> String {
    api.get::<Pod>(podutil::namespace(pod), podutil::name(pod))
        .ok()
        .and_then(|p| p.metadata.resource_version.clone())
        .unwrap_or_default()
}

const SOURCE: EventSource<'static> = EventSource { component: SCHEDULER_NAME, host: None };

/// Returns the pod's resourceVersion after the binding (empty if the pod is gone).
fn bind(api: &mut ApiServer, pod: Rc<Pod>, node: &str) -> String {
    let involved = event_reference(&*pod, None);
    let (namespace, name) = (podutil::namespace(&pod).to_string(), podutil::name(&pod).to_string());
    // The store's copy is written in place only when no one else holds it.
    drop(pod);
    let now = api.now().to_k8s();
    // A binding always changes the pod (it had no node): no copy to compare against.
    let written = api.write::<Pod>(&namespace, &name, |pod| {
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
    api.record_event_about(involved, SOURCE, EventType::Normal, "Scheduled", message);
    written.map(|version| version.to_string()).unwrap_or_default()
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
