//! The ReplicaSet controller (`pkg/controller/replicaset`), which also runs
//! ReplicationControllers as Kubernetes does: it keeps `replicas` pods matching the selector,
//! adopting orphans that match and releasing pods that no longer do, creates missing pods from
//! the template, deletes surplus ones in the real ranking (`ActivePodsWithRanks`), and reports
//! how many exist, match the template's labels, are ready and are available.

use super::pod_control::{self, controller_ref, is_active, is_ready, workload_selector};
use crate::api::selector::Selector;
use crate::api::{ApiServer, Kind, key_of as key};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetStatus};
use k8s_openapi::api::core::v1::{
    Pod, PodTemplateSpec, ReplicationController, ReplicationControllerStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::time::Duration;

/// What the controller reads from and writes to a ReplicaSet or a ReplicationController.
pub trait ReplicatedKind: Kind {
    /// The event source: `replicaset-controller` or `replication-controller`.
    const COMPONENT: &'static str;
    fn selector(&self) -> Option<LabelSelector>;
    fn replicas(&self) -> i32;
    fn min_ready_seconds(&self) -> i32;
    fn template(&self) -> Option<&PodTemplateSpec>;
    fn set_counts(&mut self, counts: Counts);
}

/// The status counters both kinds share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub replicas: i32,
    pub fully_labeled: i32,
    pub ready: i32,
    pub available: i32,
    pub observed_generation: i64,
}

impl ReplicatedKind for ReplicaSet {
    const COMPONENT: &'static str = "replicaset-controller";
    fn selector(&self) -> Option<LabelSelector> {
        self.spec.as_ref().map(|s| s.selector.clone())
    }
    fn replicas(&self) -> i32 {
        self.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
    }
    fn min_ready_seconds(&self) -> i32 {
        self.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0)
    }
    fn template(&self) -> Option<&PodTemplateSpec> {
        self.spec.as_ref()?.template.as_ref()
    }
    fn set_counts(&mut self, counts: Counts) {
        let status = self.status.get_or_insert_with(ReplicaSetStatus::default);
        status.replicas = counts.replicas;
        status.fully_labeled_replicas = Some(counts.fully_labeled).filter(|n| *n > 0);
        status.ready_replicas = Some(counts.ready).filter(|n| *n > 0);
        status.available_replicas = Some(counts.available).filter(|n| *n > 0);
        status.observed_generation = Some(counts.observed_generation);
    }
}

impl ReplicatedKind for ReplicationController {
    const COMPONENT: &'static str = "replication-controller";
    fn selector(&self) -> Option<LabelSelector> {
        let labels = self.spec.as_ref()?.selector.clone()?;
        Some(LabelSelector { match_labels: Some(labels), ..Default::default() })
    }
    fn replicas(&self) -> i32 {
        self.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
    }
    fn min_ready_seconds(&self) -> i32 {
        self.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0)
    }
    fn template(&self) -> Option<&PodTemplateSpec> {
        self.spec.as_ref()?.template.as_ref()
    }
    fn set_counts(&mut self, counts: Counts) {
        let status = self.status.get_or_insert_with(ReplicationControllerStatus::default);
        status.replicas = counts.replicas;
        status.fully_labeled_replicas = Some(counts.fully_labeled).filter(|n| *n > 0);
        status.ready_replicas = Some(counts.ready).filter(|n| *n > 0);
        status.available_replicas = Some(counts.available).filter(|n| *n > 0);
        status.observed_generation = Some(counts.observed_generation);
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ReplicaSetController<K> {
    seen_api_version: u64,
    /// Sets waiting for a ready pod to become available (`minReadySeconds`), by namespace and
    /// name.
    due: BTreeMap<(String, String), SimTime>,
    #[serde(skip)]
    kind: PhantomData<K>,
}

impl<K> Default for ReplicaSetController<K> {
    fn default() -> Self {
        ReplicaSetController { seen_api_version: 0, due: BTreeMap::new(), kind: PhantomData }
    }
}

impl<K: ReplicatedKind> ReplicaSetController<K> {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let due = self.due.values().any(|at| *at <= now);
        if !due && !api.kind_changed_since::<K>(seen) && !api.kind_changed_since::<Pod>(seen) {
            self.seen_api_version = api.resource_version();
            return self.due.values().min().copied();
        }
        let mut to_sync: BTreeSet<(String, String)> =
            self.due.iter().filter(|(_, at)| **at <= now).map(|(key, _)| key.clone()).collect();
        self.due.retain(|_, at| *at > now);
        for set in api.changed_since::<K>(seen) {
            to_sync.insert(key(set.meta()));
        }
        let pods = api.changed_since::<Pod>(seen).chain(api.deleted_since::<Pod>(seen));
        for pod in pods {
            let namespace = podutil::namespace(pod);
            match pod
                .metadata
                .owner_references
                .iter()
                .flatten()
                .find(|r| r.controller == Some(true))
            {
                Some(owner) if owner.kind == K::KIND => {
                    to_sync.insert((namespace.to_string(), owner.name.clone()));
                }
                Some(_) => {}
                // An orphan: any set it matches may adopt it.
                None => {
                    for set in api.list::<K>(Some(namespace)) {
                        if selector_of(set).is_some_and(|s| s.matches(pod.metadata.labels.as_ref()))
                        {
                            to_sync.insert(key(set.meta()));
                        }
                    }
                }
            }
        }
        // What this pass writes is seen on the next one, as the informers would report it.
        self.seen_api_version = api.resource_version();
        for (namespace, name) in to_sync {
            let Ok(set) = api.get::<K>(&namespace, &name).cloned() else { continue };
            if let Some(at) = sync(api, &set) {
                self.due.insert((namespace, name), at);
            }
        }
        self.due.values().min().copied()
    }
}

fn selector_of<K: ReplicatedKind>(set: &K) -> Option<Selector> {
    workload_selector(&set.selector()?)
}

/// `syncReplicaSet`: claims pods, makes or removes pods, writes the status. Returns when a
/// ready pod becomes available and the status must be written again.
fn sync<K: ReplicatedKind>(api: &mut ApiServer, set: &K) -> Option<SimTime> {
    let uid = set.meta().uid.clone().unwrap_or_default();
    let namespace = set.meta().namespace.clone().unwrap_or_default();
    let selector = selector_of(set)?;
    let deleting = set.meta().deletion_timestamp.is_some();
    let owned = claim_pods(api, set, &uid, &namespace, &selector, deleting);
    let active: Vec<Pod> = owned.into_iter().filter(is_active).collect();
    if !deleting {
        manage_replicas(api, set, &active);
    }
    write_status(api, set, &active)
}

/// `ClaimPods`: the set's pods are those controlled by it whose labels still match; matching
/// orphans are adopted and non-matching pods released, as the ControllerRefManager does.
fn claim_pods<K: ReplicatedKind>(
    api: &mut ApiServer,
    set: &K,
    uid: &str,
    namespace: &str,
    selector: &Selector,
    deleting: bool,
) -> Vec<Pod> {
    let mut owned = Vec::new();
    let mut adopt = Vec::new();
    let mut release = Vec::new();
    for pod in api.list::<Pod>(Some(namespace)) {
        let controller =
            pod.metadata.owner_references.iter().flatten().find(|r| r.controller == Some(true));
        let matches = selector.matches(pod.metadata.labels.as_ref());
        match controller {
            Some(owner) if owner.uid == uid => {
                if matches {
                    owned.push(pod.clone());
                } else if pod.metadata.deletion_timestamp.is_none() {
                    release.push(podutil::name(pod).to_string());
                }
            }
            Some(_) => {}
            None if matches && !deleting && pod.metadata.deletion_timestamp.is_none() => {
                adopt.push(podutil::name(pod).to_string());
            }
            None => {}
        }
    }
    for name in release {
        let _ = api.update::<Pod>(namespace, &name, |pod| {
            if let Some(refs) = pod.metadata.owner_references.as_mut() {
                refs.retain(|r| r.uid != uid);
            }
            if pod.metadata.owner_references.as_ref().is_some_and(Vec::is_empty) {
                pod.metadata.owner_references = None;
            }
        });
    }
    let reference = controller_ref(set);
    for name in adopt {
        let _ = api.update::<Pod>(namespace, &name, |pod| {
            pod.metadata.owner_references.get_or_insert_with(Vec::new).push(reference.clone());
        });
        if let Ok(pod) = api.get::<Pod>(namespace, &name) {
            owned.push(pod.clone());
        }
    }
    owned
}

/// `manageReplicas`: creates the missing pods or deletes the surplus.
fn manage_replicas<K: ReplicatedKind>(api: &mut ApiServer, set: &K, active: &[Pod]) {
    let diff = active.len() as i64 - i64::from(set.replicas().max(0));
    let Some(template) = set.template() else { return };
    let name = set.meta().name.clone().unwrap_or_default();
    if diff < 0 {
        for _ in 0..(-diff).min(BURST_REPLICAS) {
            let pod = pod_control::pod_from_template(
                template,
                controller_ref(set),
                format!("{}-", truncated_prefix(&name)),
            );
            if pod_control::create_pod(api, set, pod, K::COMPONENT).is_none() {
                // The API refused (a quota, an invalid template): the rest would fail alike.
                break;
            }
        }
    } else if diff > 0 {
        let related = related_pods(api, set, active);
        for pod in pods_to_delete(active, &related, diff as usize, api.now()) {
            pod_control::delete_pod(api, set, &pod, K::COMPONENT);
        }
    }
}

/// `burstReplicas`: at most this many creations or deletions per sync.
const BURST_REPLICAS: i64 = 500;

/// Generated names leave room for the five random characters (`maxGeneratedNameLength`).
fn truncated_prefix(name: &str) -> &str {
    const MAX_PREFIX: usize = 63 - 5 - 1;
    if name.len() > MAX_PREFIX { &name[..MAX_PREFIX] } else { name }
}

/// The pods of every set with the same owner (a Deployment's other ReplicaSets), for ranking
/// which pods share a node.
fn related_pods<K: ReplicatedKind>(api: &ApiServer, set: &K, active: &[Pod]) -> Vec<Pod> {
    let owner = set.meta().owner_references.iter().flatten().find(|r| r.controller == Some(true));
    let Some(owner) = owner else { return active.to_vec() };
    let namespace = set.meta().namespace.as_deref().unwrap_or_default();
    let siblings: BTreeSet<String> = api
        .list::<K>(Some(namespace))
        .filter(|s| {
            s.meta()
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.controller == Some(true) && r.uid == owner.uid)
        })
        .filter_map(|s| s.meta().uid.clone())
        .collect();
    api.list::<Pod>(Some(namespace))
        .filter(|pod| is_active(pod))
        .filter(|pod| {
            pod.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.controller == Some(true) && siblings.contains(&r.uid))
        })
        .cloned()
        .collect()
}

/// `getPodsToDelete`: the first `count` pods in `ActivePodsWithRanks` order, ranked by how many
/// related pods share their node.
fn pods_to_delete(active: &[Pod], related: &[Pod], count: usize, now: SimTime) -> Vec<Pod> {
    let mut on_node: BTreeMap<&str, usize> = BTreeMap::new();
    for pod in related {
        if let Some(node) = podutil::node_name(pod) {
            *on_node.entry(node).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&Pod, usize)> = active
        .iter()
        .map(|pod| {
            (pod, podutil::node_name(pod).and_then(|n| on_node.get(n)).copied().unwrap_or(0))
        })
        .collect();
    crate::sort::sort_by(&mut ranked, |a, b| deletion_order(a, b, now));
    ranked.into_iter().take(count).map(|(pod, _)| pod.clone()).collect()
}

/// `ActivePodsWithRanks.Less`: which of two pods goes first when scaling down.
fn deletion_order(a: &(&Pod, usize), b: &(&Pod, usize), now: SimTime) -> Ordering {
    let ((pa, rank_a), (pb, rank_b)) = (a, b);
    // 1. Unassigned before assigned.
    let (na, nb) = (podutil::node_name(pa), podutil::node_name(pb));
    if na != nb && (na.is_none() || nb.is_none()) {
        return nb.is_none().cmp(&na.is_none());
    }
    // 2. Pending < Unknown < Running.
    let phase = |p: &Pod| match podutil::phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };
    if phase(pa) != phase(pb) {
        return phase(pa).cmp(&phase(pb));
    }
    // 3. Not ready before ready.
    if is_ready(pa) != is_ready(pb) {
        return is_ready(pa).cmp(&is_ready(pb));
    }
    // 4. Lower pod-deletion-cost first.
    let (ca, cb) = (deletion_cost(pa), deletion_cost(pb));
    if ca != cb {
        return ca.cmp(&cb);
    }
    // 5. More related pods on the same node first.
    if rank_a != rank_b {
        return rank_b.cmp(rank_a);
    }
    // 6. Ready for less time first (in logarithmic buckets).
    if is_ready(pa) && is_ready(pb) {
        let (ra, rb) = (ready_condition_time(pa), ready_condition_time(pb));
        if ra != rb {
            return younger_first(ra, rb, now, pa, pb);
        }
    }
    // 7. More container restarts first.
    let (xa, xb) = (max_restarts(pa), max_restarts(pb));
    if xa != xb {
        return xb.cmp(&xa);
    }
    // 8. Newer first (in logarithmic buckets).
    let (ta, tb) = (created(pa), created(pb));
    if ta != tb {
        return younger_first(ta, tb, now, pa, pb);
    }
    Ordering::Equal
}

/// The LogarithmicScaleDown comparison: ages in the same power-of-two bucket of nanoseconds
/// count as equal and fall back to the uid; otherwise the younger goes first.
fn younger_first(
    a: Option<SimTime>,
    b: Option<SimTime>,
    now: SimTime,
    pa: &Pod,
    pb: &Pod,
) -> Ordering {
    let (Some(a), Some(b)) = (a, b) else {
        // A missing time counts as the youngest.
        return b.is_none().cmp(&a.is_none());
    };
    let bucket = |t: SimTime| {
        let nanos = now.unix_ms().saturating_sub(t.unix_ms()) as f64 * 1e6;
        if nanos > 0.0 { nanos.log2() as i64 } else { -1 }
    };
    match bucket(a).cmp(&bucket(b)) {
        Ordering::Equal => podutil::uid(pa).cmp(podutil::uid(pb)),
        other => other,
    }
}

fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("controller.kubernetes.io/pod-deletion-cost"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn ready_condition_time(pod: &Pod) -> Option<SimTime> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    let ready = conditions.iter().find(|c| c.type_ == "Ready" && c.status == "True")?;
    ready.last_transition_time.as_ref().map(SimTime::from_k8s)
}

fn max_restarts(pod: &Pod) -> i32 {
    pod.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0)
}

fn created(pod: &Pod) -> Option<SimTime> {
    pod.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s)
}

/// `IsPodAvailable`: ready for at least `minReadySeconds`; otherwise when it will be.
fn available_at(pod: &Pod, min_ready: Duration) -> Option<SimTime> {
    if !is_ready(pod) {
        return None;
    }
    let since = ready_condition_time(pod).unwrap_or_default();
    Some(since + min_ready)
}

/// `calculateStatus` and the status update. Returns when a pod becomes available.
fn write_status<K: ReplicatedKind>(
    api: &mut ApiServer,
    set: &K,
    active: &[Pod],
) -> Option<SimTime> {
    let now = api.now();
    let min_ready = Duration::from_secs(set.min_ready_seconds().max(0) as u64);
    let template_labels =
        set.template().and_then(|t| t.metadata.as_ref()).and_then(|m| m.labels.clone());
    let fully_labeled = active
        .iter()
        .filter(|pod| {
            template_labels
                .iter()
                .flatten()
                .all(|(k, v)| pod.metadata.labels.as_ref().and_then(|l| l.get(k)) == Some(v))
        })
        .count();
    let mut next = None::<SimTime>;
    let mut available = 0;
    for pod in active {
        match available_at(pod, min_ready) {
            Some(at) if at <= now => available += 1,
            Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
            None => {}
        }
    }
    let counts = Counts {
        replicas: active.len() as i32,
        fully_labeled: fully_labeled as i32,
        ready: active.iter().filter(|p| is_ready(p)).count() as i32,
        available,
        observed_generation: set.meta().generation.unwrap_or(0),
    };
    let (namespace, name) = key(set.meta());
    let _ = api.update::<K>(&namespace, &name, |set| set.set_counts(counts));
    next
}
