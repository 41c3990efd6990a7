//! The DaemonSet controller (`pkg/controller/daemon`): one pod of each DaemonSet on every node
//! that should run it (the template's nodeSelector and required node affinity match the node,
//! and the pod tolerates the node's NoSchedule and NoExecute taints). Pods are not placed by
//! the controller: since v1.12 each pod carries a required node affinity on its node's name
//! (`matchFields metadata.name In [NODE]`) and the default scheduler binds it. Template
//! changes roll out as RollingUpdate (maxUnavailable, maxSurge) or OnDelete, each template
//! recorded as a ControllerRevision; pods carry `controller-revision-hash` and
//! `pod-template-generation`.

use super::history::{self, CONTROLLER_REVISION_HASH};
use super::pod_control::{self, controller_ref, is_controlled_by, is_ready};
use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil;
use crate::scheduler::{requirement_matches, toleration_matches};
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet, DaemonSetStatus};
use k8s_openapi::api::core::v1::{
    Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod,
    PodTemplateSpec, Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const COMPONENT: &str = "daemonset-controller";
/// The label recording the DaemonSet generation a pod was made from (deprecated in Kubernetes,
/// still set).
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";

/// The tolerations every daemon pod gets (`AddOrUpdateDaemonPodTolerations`), so a node's
/// conditions and cordoning neither keep nor drive it away.
const DAEMON_TOLERATIONS: &[(&str, &str)] = &[
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
];

/// How many syncs that create or delete pods one DaemonSet may have at one instant before it
/// is requeued a second later: pods that keep going wrong under the controller (bound to
/// another node than the one they were made for, failing at once) are retried with a delay,
/// as the controller's rate-limited work queue does, instead of stalling the clock.
const MUTATIONS_PER_INSTANT: u32 = 5;
const REQUEUE_DELAY: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DaemonSetController {
    seen_api_version: u64,
    /// When a pod becomes available (minReadySeconds after it became ready), or a requeued
    /// DaemonSet is due.
    wake: Option<SimTime>,
    /// Per DaemonSet uid: the instant of its last pod changes and how many syncs made them.
    #[serde(default)]
    churn: BTreeMap<String, (SimTime, u32)>,
    /// What of each node decides whether daemon pods run there (its labels and taints), as
    /// last seen: the kubelets' status reports change nodes all the time and nothing here.
    #[serde(default)]
    node_views: BTreeMap<String, NodeView>,
}

/// A node's labels and taints.
type NodeView = (Option<BTreeMap<String, String>>, Option<Vec<Taint>>);

impl DaemonSetController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let due = self.wake.is_some_and(|at| at <= now);
        // Only daemon pods, and nodes' labels and taints, bear on what the controller does
        // (as its informers' event handlers filter): other pods' and nodes' writes are many.
        let nodes_changed = self.nodes_changed(api, seen);
        let changed = nodes_changed
            || api.kind_changed_since::<DaemonSet>(seen)
            || api.kind_changed_since::<ControllerRevision>(seen)
            || (api.kind_changed_since::<Pod>(seen)
                && api
                    .changed_since::<Pod>(seen)
                    .chain(api.deleted_since::<Pod>(seen))
                    .any(is_daemon_pod));
        if !due && !changed {
            // Nothing up to here bears on any DaemonSet: no need to look at it again.
            self.seen_api_version = api.resource_version();
            return self.wake;
        }
        if api.list::<DaemonSet>(None).next().is_none() {
            self.seen_api_version = api.resource_version();
            self.wake = None;
            return None;
        }
        let sets: Vec<DaemonSet> = api.list::<DaemonSet>(None).cloned().collect();
        let nodes: Vec<Node> = api.list::<Node>(None).cloned().collect();
        let mut wake = None;
        self.churn.retain(|_, (at, _)| *at >= now);
        for set in sets.iter().filter(|s| s.metadata.deletion_timestamp.is_none()) {
            let uid = set.metadata.uid.clone().unwrap_or_default();
            if let Some((at, count)) = self.churn.get(&uid)
                && *at == now
                && *count >= MUTATIONS_PER_INSTANT
            {
                wake = earliest(wake, Some(now + REQUEUE_DELAY));
                continue;
            }
            let (next, mutated) = sync(api, set, &nodes, now);
            if mutated {
                let entry = self.churn.entry(uid).or_insert((now, 0));
                *entry = if entry.0 == now { (now, entry.1 + 1) } else { (now, 1) };
            }
            wake = earliest(wake, next);
        }
        self.seen_api_version = api.resource_version();
        self.wake = wake;
        wake
    }
}

impl DaemonSetController {
    /// Whether a node came, went, or changed its labels or taints since `seen`.
    fn nodes_changed(&mut self, api: &ApiServer, seen: u64) -> bool {
        if !api.kind_changed_since::<Node>(seen) {
            return false;
        }
        let mut changed = false;
        for gone in api.deleted_since::<Node>(seen) {
            let name = gone.metadata.name.as_deref().unwrap_or_default();
            changed |= self.node_views.remove(name).is_some();
        }
        for node in api.changed_since::<Node>(seen) {
            let name = node.metadata.name.as_deref().unwrap_or_default();
            let labels = &node.metadata.labels;
            let taints = node.spec.as_ref().and_then(|s| s.taints.as_ref());
            // Compared in place: most node writes are heartbeats that change neither.
            let same =
                self.node_views.get(name).is_some_and(|(l, t)| l == labels && t.as_ref() == taints);
            if !same {
                self.node_views.insert(name.to_string(), (labels.clone(), taints.cloned()));
                changed = true;
            }
        }
        changed
    }
}

/// Whether a DaemonSet controls the pod.
fn is_daemon_pod(pod: &Pod) -> bool {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|owner| owner.controller == Some(true) && owner.kind == "DaemonSet")
}

fn earliest(a: Option<SimTime>, b: Option<SimTime>) -> Option<SimTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The node a daemon pod is for: where it is bound, or the node its affinity names.
pub fn target_node(pod: &Pod) -> Option<String> {
    if let Some(node) = podutil::node_name(pod) {
        return Some(node.to_string());
    }
    let terms = &pod
        .spec
        .as_ref()?
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    terms.iter().flat_map(|t| t.match_fields.iter().flatten()).find_map(|f| {
        (f.key == "metadata.name" && f.operator == "In")
            .then(|| f.values.as_ref()?.first().cloned())
            .flatten()
    })
}

/// One sync of one DaemonSet: revisions, pods per node, the rolling update, status. Returns
/// when it next wants a sync and whether it created or deleted pods.
fn sync(
    api: &mut ApiServer,
    set: &DaemonSet,
    nodes: &[Node],
    now: SimTime,
) -> (Option<SimTime>, bool) {
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    let name = set.metadata.name.clone().unwrap_or_default();
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let spec = set.spec.clone().unwrap_or_default();
    let Some((hash, revisions)) = construct_history(api, set) else { return (None, false) };

    let pods: Vec<Pod> = api
        .list::<Pod>(Some(&namespace))
        .filter(|p| is_controlled_by(&p.metadata, &uid) && podutil::phase(p) != "Succeeded")
        .cloned()
        .collect();
    let mut by_node: BTreeMap<String, Vec<Pod>> = BTreeMap::new();
    for pod in &pods {
        if let Some(node) = target_node(pod) {
            by_node.entry(node).or_default().push(pod.clone());
        }
    }
    for list in by_node.values_mut() {
        crate::sort::sort_by(list, |a, b| {
            (&a.metadata.creation_timestamp, podutil::name(a))
                .cmp(&(&b.metadata.creation_timestamp, podutil::name(b)))
        });
    }

    // manage: a pod where one should run, none where none should.
    let mut create_on: Vec<String> = Vec::new();
    let mut delete: Vec<Pod> = Vec::new();
    let mut eligible: BTreeMap<String, bool> = BTreeMap::new();
    for node in nodes {
        let node_name = node.metadata.name.clone().unwrap_or_default();
        let (should_run, should_continue) = node_should_run(node, &spec.template);
        eligible.insert(node_name.clone(), should_run);
        let on_node = by_node.get(&node_name).cloned().unwrap_or_default();
        let live: Vec<&Pod> = on_node
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none() && !podutil::is_terminal(p))
            .collect();
        if should_run {
            // A failed daemon pod is killed, and a new one made in its place.
            for failed in on_node.iter().filter(|p| {
                p.metadata.deletion_timestamp.is_none() && podutil::phase(p) == "Failed"
            }) {
                let message = format!(
                    "Found failed daemon pod {namespace}/{} on node {node_name}, will try to kill it",
                    podutil::name(failed)
                );
                event(api, set, EventType::Warning, "FailedDaemonPod", message);
                delete.push(failed.clone());
            }
            if live.is_empty() {
                create_on.push(node_name);
            } else if live.len() > 1 {
                // Keep the oldest; delete the rest (or, while surging, leave them to the update).
                let surge = spec
                    .update_strategy
                    .as_ref()
                    .and_then(|s| s.rolling_update.as_ref())
                    .and_then(|r| r.max_surge.as_ref())
                    .is_some_and(|s| *s != IntOrString::Int(0));
                if !surge {
                    delete.extend(live[1..].iter().map(|p| (*p).clone()));
                }
            }
        } else if !should_continue {
            delete.extend(live.into_iter().cloned());
        }
    }
    // Pods for nodes that no longer exist.
    for (node, list) in &by_node {
        if !eligible.contains_key(node) {
            delete.extend(list.iter().filter(|p| p.metadata.deletion_timestamp.is_none()).cloned());
        }
    }

    let rolling = spec.update_strategy.as_ref().and_then(|s| {
        (s.type_.as_deref() == Some("RollingUpdate")).then(|| s.rolling_update.clone())
    });
    let min_ready = Duration::from_secs(spec.min_ready_seconds.unwrap_or(0).max(0) as u64);
    let desired = eligible.values().filter(|run| **run).count() as i32;
    if let Some(rolling) = rolling.flatten()
        && create_on.is_empty()
        && delete.is_empty()
    {
        let max_surge = scaled(rolling.max_surge.as_ref(), desired, 0);
        if max_surge > 0 {
            let (old, new_nodes) =
                surge_update(&by_node, &eligible, &hash, max_surge, min_ready, now);
            delete.extend(old);
            create_on.extend(new_nodes);
        } else {
            let max_unavailable = scaled(rolling.max_unavailable.as_ref(), desired, 1);
            delete.extend(rolling_update(
                &by_node,
                &eligible,
                &hash,
                max_unavailable,
                min_ready,
                now,
            ));
        }
    }

    let template_generation = set
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(crate::api::admission::workloads::TEMPLATE_GENERATION))
        .and_then(|g| g.parse().ok())
        .unwrap_or(1);
    let template = daemon_template(&spec.template, template_generation, &hash);
    for node in &create_on {
        let mut template = template.clone();
        pin_to_node(&mut template, node);
        let pod =
            pod_control::pod_from_template(&template, controller_ref(set), format!("{name}-"));
        pod_control::create_pod(api, set, pod, COMPONENT);
    }
    for pod in &delete {
        pod_control::delete_pod(api, set, pod, COMPONENT);
    }
    let mutated = !create_on.is_empty() || !delete.is_empty();

    // Status from the pods as they are now.
    let pods: Vec<Pod> = api
        .list::<Pod>(Some(&namespace))
        .filter(|p| is_controlled_by(&p.metadata, &uid) && !podutil::is_terminal(p))
        .cloned()
        .collect();
    let mut by_node: BTreeMap<String, Vec<&Pod>> = BTreeMap::new();
    for pod in &pods {
        if let Some(node) = target_node(pod) {
            by_node.entry(node).or_default().push(pod);
        }
    }
    let mut status = DaemonSetStatus {
        collision_count: set.status.as_ref().and_then(|s| s.collision_count),
        desired_number_scheduled: desired,
        observed_generation: set.metadata.generation,
        ..Default::default()
    };
    // A pod turning available (minReadySeconds after it became ready) moves the rolling update.
    let wake = pods
        .iter()
        .filter(|p| is_ready(p))
        .filter_map(|p| pod_control::available_at(p, min_ready))
        .filter(|at| *at > now)
        .min();
    let (mut ready, mut available, mut updated) = (0, 0, 0);
    for (node, list) in &by_node {
        let Some(oldest) = list.iter().min_by(|a, b| {
            (&a.metadata.creation_timestamp, podutil::name(a))
                .cmp(&(&b.metadata.creation_timestamp, podutil::name(b)))
        }) else {
            continue;
        };
        if !eligible.get(node).copied().unwrap_or(false) {
            status.number_misscheduled += 1;
            continue;
        }
        status.current_number_scheduled += 1;
        if is_ready(oldest) {
            ready += 1;
            if pod_control::available_at(oldest, min_ready).is_some_and(|at| at <= now) {
                available += 1;
            }
        }
        if labels_hash(oldest) == Some(hash.as_str()) {
            updated += 1;
        }
    }
    status.number_ready = ready;
    status.number_available = Some(available).filter(|n| *n > 0);
    status.number_unavailable = Some(desired - available).filter(|n| *n > 0);
    status.updated_number_scheduled = Some(updated).filter(|n| *n > 0);
    let _ = api.update::<DaemonSet>(&namespace, &name, |stored| stored.status = Some(status));

    let live: BTreeSet<String> =
        pods.iter().filter_map(labels_hash).map(|h| history::revision_name(&name, h)).collect();
    let mut live = live;
    live.insert(history::revision_name(&name, &hash));
    history::truncate(api, &revisions, &live, spec.revision_history_limit.unwrap_or(10));
    (wake, mutated)
}

/// The current revision's hash, after making sure that revision exists and is the newest; the
/// owner's revisions as they were.
fn construct_history(
    api: &mut ApiServer,
    set: &DaemonSet,
) -> Option<(String, Vec<ControllerRevision>)> {
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    let name = set.metadata.name.clone().unwrap_or_default();
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let template = set.spec.as_ref()?.template.clone();
    history::adopt_orphans(api, set, &set.spec.as_ref()?.selector);
    let revisions = history::owned(api, &namespace, &uid);
    let mut collisions = set.status.as_ref().and_then(|s| s.collision_count);
    for _ in 0..8 {
        let hash = history::compute_hash(&template, collisions);
        let mut labels =
            template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
        labels.insert(CONTROLLER_REVISION_HASH.into(), hash.clone());
        let snapshot = history::Snapshot {
            name: history::revision_name(&name, &hash),
            labels,
            data: history::template_patch(&template),
        };
        match history::ensure_current(api, set, &revisions, snapshot) {
            Ok(_) => {
                if collisions != set.status.as_ref().and_then(|s| s.collision_count) {
                    let _ = api.update::<DaemonSet>(&namespace, &name, |stored| {
                        stored.status.get_or_insert_with(Default::default).collision_count =
                            collisions;
                    });
                }
                return Some((hash, revisions));
            }
            Err(history::Collision) => collisions = Some(collisions.unwrap_or(0) + 1),
        }
    }
    None
}

fn labels_hash(pod: &Pod) -> Option<&str> {
    pod.metadata.labels.as_ref()?.get(CONTROLLER_REVISION_HASH).map(String::as_str)
}

/// `GetScaledValueFromIntOrPercent`, rounding up, with `floor` when both budgets are zero.
fn scaled(value: Option<&IntOrString>, total: i32, default: i32) -> i32 {
    match value {
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::String(text)) => text
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map_or(default, |p| ((p * i64::from(total) + 99) / 100) as i32),
        None => default,
    }
    .max(0)
    .max(if value.is_none() { default } else { 0 })
}

/// `rollingUpdate` with maxSurge: a new pod starts beside an old one on up to maxSurge nodes
/// at a time (at once where the old pod is unavailable), and the old pod goes once the new one
/// is available. Returns the old pods to delete and the nodes to start new pods on.
fn surge_update(
    by_node: &BTreeMap<String, Vec<Pod>>,
    eligible: &BTreeMap<String, bool>,
    hash: &str,
    max_surge: i32,
    min_ready: Duration,
    now: SimTime,
) -> (Vec<Pod>, Vec<String>) {
    let is_available = |pod: &Pod| {
        is_ready(pod) && pod_control::available_at(pod, min_ready).is_some_and(|at| at <= now)
    };
    let mut surging = 0;
    let mut old_to_delete = Vec::new();
    let mut replace_anyway = Vec::new();
    let mut candidates = Vec::new();
    for (node, should_run) in eligible {
        if !should_run {
            continue;
        }
        let live: Vec<&Pod> = by_node
            .get(node)
            .into_iter()
            .flatten()
            .filter(|p| p.metadata.deletion_timestamp.is_none() && !podutil::is_terminal(p))
            .collect();
        let new: Vec<&&Pod> = live.iter().filter(|p| labels_hash(p) == Some(hash)).collect();
        let old: Vec<&&Pod> = live.iter().filter(|p| labels_hash(p) != Some(hash)).collect();
        match (new.as_slice(), old.as_slice()) {
            (_, []) => {}
            ([], [old]) if !is_available(old) => replace_anyway.push(node.clone()),
            ([], [_]) if surging >= max_surge => {}
            ([], [_]) => candidates.push(node.clone()),
            ([new], [old]) if is_available(new) => old_to_delete.push((**old).clone()),
            ([_], [_]) => surging += 1,
            // More than one of a kind: the manage step sorts the node out first.
            _ => surging += 1,
        }
    }
    let room = (max_surge - surging).max(0) as usize;
    replace_anyway.extend(candidates.into_iter().take(room));
    (old_to_delete, replace_anyway)
}

/// `rollingUpdate` with maxSurge 0: old pods to delete now, counting unavailable pods against
/// maxUnavailable (an old pod that is unavailable anyway is always replaced).
fn rolling_update(
    by_node: &BTreeMap<String, Vec<Pod>>,
    eligible: &BTreeMap<String, bool>,
    hash: &str,
    max_unavailable: i32,
    min_ready: Duration,
    now: SimTime,
) -> Vec<Pod> {
    let max_unavailable = max_unavailable.max(1);
    let mut unavailable = 0;
    let mut replace_anyway = Vec::new();
    let mut candidates = Vec::new();
    let is_available = |pod: &Pod| {
        is_ready(pod) && pod_control::available_at(pod, min_ready).is_some_and(|at| at <= now)
    };
    for (node, should_run) in eligible {
        if !should_run {
            continue;
        }
        let live: Vec<&Pod> = by_node
            .get(node)
            .into_iter()
            .flatten()
            .filter(|p| p.metadata.deletion_timestamp.is_none() && !podutil::is_terminal(p))
            .collect();
        let new = live.iter().find(|p| labels_hash(p) == Some(hash));
        let old = live.iter().find(|p| labels_hash(p) != Some(hash));
        match (new, old) {
            (None, None) | (Some(_), Some(_)) => unavailable += 1,
            (Some(new), None) => {
                if !is_available(new) {
                    unavailable += 1;
                }
            }
            (None, Some(old)) => {
                if !is_available(old) {
                    replace_anyway.push((*old).clone());
                } else if unavailable < max_unavailable {
                    candidates.push((*old).clone());
                }
            }
        }
    }
    let room = (max_unavailable - unavailable).max(0) as usize;
    replace_anyway.extend(candidates.into_iter().take(room));
    replace_anyway
}

/// `CreatePodTemplate`: the template with the revision labels and the daemon tolerations.
fn daemon_template(template: &PodTemplateSpec, generation: i64, hash: &str) -> PodTemplateSpec {
    let mut template = template.clone();
    let labels = template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(Default::default);
    labels.insert(POD_TEMPLATE_GENERATION.into(), generation.to_string());
    labels.insert(CONTROLLER_REVISION_HASH.into(), hash.to_string());
    if let Some(spec) = template.spec.as_mut() {
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        let mut wanted: Vec<(&str, &str)> = DAEMON_TOLERATIONS.to_vec();
        if spec.host_network == Some(true) {
            wanted.push(("node.kubernetes.io/network-unavailable", "NoSchedule"));
        }
        for (key, effect) in wanted {
            tolerations.retain(|t| {
                !(t.key.as_deref() == Some(key) && t.effect.as_deref() == Some(effect))
            });
            tolerations.push(Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some(effect.into()),
                ..Default::default()
            });
        }
    }
    template
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the pod's required node affinity becomes one
/// term naming its node; preferred terms stay.
fn pin_to_node(template: &mut PodTemplateSpec, node: &str) {
    let Some(spec) = template.spec.as_mut() else { return };
    let affinity = spec.affinity.get_or_insert_with(Affinity::default);
    let node_affinity = affinity.node_affinity.get_or_insert_with(NodeAffinity::default);
    node_affinity.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
        node_selector_terms: vec![NodeSelectorTerm {
            match_fields: Some(vec![NodeSelectorRequirement {
                key: "metadata.name".into(),
                operator: "In".into(),
                values: Some(vec![node.to_string()]),
            }]),
            match_expressions: None,
        }],
    });
}

/// `NodeShouldRunDaemonPod`: whether a daemon pod should be placed on the node, and whether one
/// already there may stay (a NoSchedule taint keeps new pods out but lets running ones stay).
pub fn node_should_run(node: &Node, template: &PodTemplateSpec) -> (bool, bool) {
    let template = daemon_template(template, 0, "");
    let spec = template.spec.clone().unwrap_or_default();
    let node_name = node.metadata.name.clone().unwrap_or_default();
    if spec.node_name.as_deref().is_some_and(|n| !n.is_empty() && n != node_name) {
        return (false, false);
    }
    if !fits_node_affinity(node, &spec) {
        return (false, false);
    }
    let taints: Vec<&Taint> =
        node.spec.as_ref().and_then(|s| s.taints.as_ref()).into_iter().flatten().collect();
    let tolerations = spec.tolerations.clone().unwrap_or_default();
    let untolerated = |effects: &[&str]| {
        taints.iter().any(|t| {
            effects.contains(&t.effect.as_str())
                && !tolerations.iter().any(|o| toleration_matches(o, t))
        })
    };
    if untolerated(&["NoSchedule", "NoExecute"]) {
        return (false, !untolerated(&["NoExecute"]));
    }
    (true, true)
}

/// The template's nodeSelector and required node affinity against the node's labels and name.
fn fits_node_affinity(node: &Node, spec: &k8s_openapi::api::core::v1::PodSpec) -> bool {
    let labels = node.metadata.labels.clone().unwrap_or_default();
    let selector_ok =
        spec.node_selector.iter().flatten().all(|(key, value)| labels.get(key) == Some(value));
    let terms = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|s| &s.node_selector_terms);
    let name = node.metadata.name.clone().unwrap_or_default();
    selector_ok
        && terms.is_none_or(|terms| {
            terms.iter().any(|term| {
                let expressions = term.match_expressions.as_deref().unwrap_or_default();
                let fields = term.match_fields.as_deref().unwrap_or_default();
                (!expressions.is_empty() || !fields.is_empty())
                    && expressions.iter().all(|r| requirement_matches(r, labels.get(&r.key)))
                    && fields
                        .iter()
                        .all(|r| r.key == "metadata.name" && requirement_matches(r, Some(&name)))
            })
        })
}

/// The events the controller records about a DaemonSet besides pod creation and deletion.
fn event(api: &mut ApiServer, set: &DaemonSet, kind: EventType, reason: &str, message: String) {
    let source = EventSource { component: COMPONENT, host: None };
    api.record_event(set, None, source, kind, reason, message);
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeSpec, PodSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn node(name: &str, labels: &[(&str, &str)], taints: &[(&str, &str)]) -> Node {
        Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
                ..Default::default()
            },
            spec: Some(NodeSpec {
                taints: Some(
                    taints
                        .iter()
                        .map(|(key, effect)| Taint {
                            key: key.to_string(),
                            effect: effect.to_string(),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            status: None,
        }
    }

    fn template(spec: PodSpec) -> PodTemplateSpec {
        PodTemplateSpec { metadata: None, spec: Some(spec) }
    }

    #[test]
    fn which_nodes_run_a_daemon_pod() {
        let control_plane = node(
            "controlplane",
            &[("kubernetes.io/os", "linux")],
            &[("node-role.kubernetes.io/control-plane", "NoSchedule")],
        );
        let worker = node("node01", &[("kubernetes.io/os", "linux")], &[]);
        let tolerant = PodSpec {
            tolerations: Some(vec![Toleration {
                key: Some("node-role.kubernetes.io/control-plane".into()),
                operator: Some("Exists".into()),
                effect: Some("NoSchedule".into()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let cases = [
            ("a plain pod runs on a worker", &worker, PodSpec::default(), (true, true)),
            (
                "a NoSchedule taint keeps new pods out but lets running ones stay",
                &control_plane,
                PodSpec::default(),
                (false, true),
            ),
            (
                "a toleration lets the pod onto the control plane",
                &control_plane,
                tolerant,
                (true, true),
            ),
            (
                "a nodeSelector that does not match keeps it off",
                &worker,
                PodSpec {
                    node_selector: Some([("disk".to_string(), "ssd".to_string())].into()),
                    ..Default::default()
                },
                (false, false),
            ),
            (
                "cordoned nodes are tolerated",
                &node("node02", &[], &[("node.kubernetes.io/unschedulable", "NoSchedule")]),
                PodSpec::default(),
                (true, true),
            ),
            (
                "an untolerated NoExecute taint drives pods away",
                &node("node02", &[], &[("dedicated", "NoExecute")]),
                PodSpec::default(),
                (false, false),
            ),
        ];
        for (name, node, spec, want) in cases {
            assert_eq!(node_should_run(node, &template(spec)), want, "{name}");
        }
    }

    #[test]
    fn daemon_pods_name_their_node_in_a_required_affinity() {
        let mut t = template(PodSpec::default());
        pin_to_node(&mut t, "node01");
        let pod = Pod { spec: t.spec, ..Default::default() };
        assert_eq!(target_node(&pod).as_deref(), Some("node01"));
    }

    #[test]
    fn percentages_of_unavailable_round_up() {
        assert_eq!(scaled(Some(&IntOrString::String("10%".into())), 3, 1), 1);
        assert_eq!(scaled(Some(&IntOrString::String("50%".into())), 3, 1), 2);
        assert_eq!(scaled(Some(&IntOrString::Int(2)), 3, 1), 2);
        assert_eq!(scaled(None, 3, 1), 1);
    }
}
