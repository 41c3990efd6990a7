//! What the page's charts draw: small, bounded series recorded as the simulation runs — each
//! container restart with the time the kubelet waited before it, replicas per ReplicaSet,
//! nodes' requested and used CPU and memory on a 15-second grid, and requests served per pod.
//! An observer only: recording never changes the cluster, and it is fed at instants the
//! simulation reaches anyway (settle points, the grid), so the same seed and commands record
//! the same series however time was advanced.

use crate::api::ApiServer;
use crate::scheduler::framework::{PodRequests, Resources};
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Node, Pod};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Points kept per series (the oldest go first).
pub const MAX_POINTS: usize = 120;
/// Objects followed per kind (the one changed longest ago goes first).
pub const MAX_OBJECTS: usize = 64;
/// Nodes are sampled on this grid of cluster time, metrics-server's default resolution.
pub const NODE_SAMPLE_EVERY: Duration = Duration::from_secs(15);

/// One container restart, as the kubelet did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    pub container: String,
    /// When the container was started again.
    pub at: SimTime,
    /// From the exit to the new start: the relist for a first restart, then the back-off.
    pub waited: Duration,
}

/// A restart as the kubelet reports it to the simulation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartRecord {
    pub pod_uid: String,
    pub namespace: String,
    pub pod: String,
    pub restart: Restart,
}

/// A pod's restarts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodRestarts {
    pub namespace: String,
    pub name: String,
    pub restarts: Vec<Restart>,
}

/// A ReplicaSet's replica counts at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPoint {
    pub at: SimTime,
    /// `spec.replicas`.
    pub desired: i32,
    /// `status.replicas`: its pods, ready or not.
    pub current: i32,
    pub ready: i32,
}

/// A ReplicaSet's counts over time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaSeries {
    pub namespace: String,
    pub name: String,
    /// The Deployment that owns it, if any: a rollout's ReplicaSets are drawn together.
    pub owner: Option<String>,
    pub points: Vec<ReplicaPoint>,
}

/// A node's resources at one grid instant: requests of its pods that hold resources, and use
/// as `kubectl top node` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePoint {
    pub at: SimTime,
    pub cpu_requested_millis: i64,
    pub cpu_used_millis: u64,
    pub memory_requested_bytes: i64,
    pub memory_used_bytes: u64,
}

/// Requests the network delivered to a pod: the running total after each instant some came.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedRequests {
    pub namespace: String,
    pub name: String,
    pub total: u64,
    pub points: Vec<(SimTime, u64)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// By pod uid.
    restarts: BTreeMap<String, PodRestarts>,
    /// By ReplicaSet uid.
    replicas: BTreeMap<String, ReplicaSeries>,
    /// By node name.
    nodes: BTreeMap<String, Vec<NodePoint>>,
    /// By pod uid.
    requests: BTreeMap<String, ServedRequests>,
    /// The resourceVersion ReplicaSets were last looked at.
    replicas_seen: u64,
    /// The last grid instant nodes were sampled at.
    sampled_at: Option<SimTime>,
    /// What the node samples read of each pod's requests.
    #[serde(skip)]
    pod_requests: RequestsCache,
}

/// Each pod's requests as the last node sample read them, in the order the API lists pods,
/// with the pod's uid and generation. A pod's resources never change (the API server refuses
/// updates to them; a pod made again has a new uid), so a pod found at the same place with the
/// same uid and generation requests what it did; a pod created or deleted shifts the places
/// after it, which are read again once. A cache of a pure function: it is no part of the
/// series, so it is neither saved nor compared.
#[derive(Clone, Debug, Default)]
struct RequestsCache(Vec<Option<CachedRequests>>);

#[derive(Clone, Debug)]
struct CachedRequests {
    uid: String,
    generation: Option<i64>,
    requests: Resources,
}

impl PartialEq for RequestsCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RequestsCache {}

impl RequestsCache {
    /// The requests of the pod at place `index` of the API's list.
    fn of(&mut self, index: usize, pod: &Pod) -> Resources {
        let uid = crate::podutil::uid(pod);
        let generation = pod.metadata.generation;
        if let Some(Some(cached)) = self.0.get(index)
            && cached.uid == uid
            && cached.generation == generation
        {
            return cached.requests;
        }
        let requests = PodRequests::of(pod).fit;
        if self.0.len() <= index {
            self.0.resize(index + 1, None);
        }
        self.0[index] = Some(CachedRequests { uid: uid.to_string(), generation, requests });
        requests
    }
}

impl Series {
    /// A pod's restarts, oldest first.
    pub fn restarts(&self, pod_uid: &str) -> Option<&PodRestarts> {
        self.restarts.get(pod_uid)
    }

    /// The ReplicaSets recorded in a namespace (those of one Deployment with `owner`).
    pub fn replica_sets<'a>(
        &'a self,
        namespace: &'a str,
        owner: Option<&'a str>,
    ) -> impl Iterator<Item = &'a ReplicaSeries> {
        self.replicas.values().filter(move |r| {
            r.namespace == namespace && owner.is_none_or(|o| r.owner.as_deref() == Some(o))
        })
    }

    /// A node's samples, oldest first.
    pub fn node(&self, name: &str) -> &[NodePoint] {
        self.nodes.get(name).map_or(&[], Vec::as_slice)
    }

    /// The pods of a namespace that were sent requests.
    pub fn requests<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a ServedRequests> {
        self.requests.values().filter(move |r| r.namespace == namespace)
    }

    /// The kubelet restarted a container.
    pub fn restarted(&mut self, record: RestartRecord) {
        if !self.restarts.contains_key(&record.pod_uid) {
            evict_oldest(&mut self.restarts, |p| p.restarts.last().map(|r| r.at));
        }
        let entry = self.restarts.entry(record.pod_uid).or_insert_with(|| PodRestarts {
            namespace: record.namespace,
            name: record.pod,
            restarts: Vec::new(),
        });
        push_bounded(&mut entry.restarts, record.restart);
    }

    /// The network delivered a request to a pod at `now`; `pod` names it (namespace, name)
    /// the first time.
    pub fn delivered(
        &mut self,
        pod_uid: &str,
        now: SimTime,
        pod: impl FnOnce() -> Option<(String, String)>,
    ) {
        if !self.requests.contains_key(pod_uid) {
            let Some((namespace, name)) = pod() else { return };
            evict_oldest(&mut self.requests, |p| p.points.last().map(|(at, _)| *at));
            self.requests.insert(
                pod_uid.to_string(),
                ServedRequests { namespace, name, ..Default::default() },
            );
        }
        let Some(entry) = self.requests.get_mut(pod_uid) else { return };
        entry.total += 1;
        match entry.points.last_mut() {
            Some((at, total)) if *at == now => *total = entry.total,
            _ => push_bounded(&mut entry.points, (now, entry.total)),
        }
    }

    /// After the cluster settled: a point for each ReplicaSet whose counts changed.
    pub fn settled(&mut self, api: &ApiServer) {
        if !api.kind_changed_since::<ReplicaSet>(self.replicas_seen) {
            return;
        }
        self.replicas_seen = api.resource_version();
        let now = api.now();
        for rs in api.list::<ReplicaSet>(None) {
            let Some(uid) = rs.metadata.uid.as_deref() else { continue };
            let status = rs.status.as_ref();
            let point = ReplicaPoint {
                at: now,
                desired: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                current: status.map_or(0, |s| s.replicas),
                ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
            };
            let same = |p: &ReplicaPoint| {
                (p.desired, p.current, p.ready) == (point.desired, point.current, point.ready)
            };
            if self.replicas.get(uid).and_then(|r| r.points.last()).is_some_and(same) {
                continue;
            }
            if !self.replicas.contains_key(uid) {
                evict_oldest(&mut self.replicas, |r| r.points.last().map(|p| p.at));
            }
            let entry = self.replicas.entry(uid.to_string()).or_insert_with(|| ReplicaSeries {
                namespace: rs.metadata.namespace.clone().unwrap_or_default(),
                name: rs.metadata.name.clone().unwrap_or_default(),
                owner: rs
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .find(|o| o.controller == Some(true) && o.kind == "Deployment")
                    .map(|o| o.name.clone()),
                points: Vec::new(),
            });
            match entry.points.last_mut() {
                // Several settles at one instant: the last word counts.
                Some(last) if last.at == now => *last = point,
                _ => push_bounded(&mut entry.points, point),
            }
        }
    }

    /// The grid instants from the session's start in `(last sampled, until]`, oldest first,
    /// at most what a series holds: time is about to reach them (each is sampled with the
    /// cluster as it is before anything due then happens).
    pub fn due_samples(&mut self, until: SimTime) -> Vec<SimTime> {
        let step = NODE_SAMPLE_EVERY.as_millis() as u64;
        let start = crate::sim::SESSION_START.unix_ms();
        if until.unix_ms() < start {
            return Vec::new();
        }
        let last_due = start + (until.unix_ms() - start) / step * step;
        let mut first = self.sampled_at.map_or(start, |at| at.unix_ms() + step);
        first = first.max(last_due.saturating_sub(step * (MAX_POINTS as u64 - 1)));
        let due: Vec<SimTime> =
            (first..=last_due).step_by(step as usize).map(SimTime::from_unix_ms).collect();
        if let Some(&last) = due.last() {
            self.sampled_at = Some(last);
        }
        due
    }

    /// One grid sample of every node (at most `MAX_OBJECTS` of them, by name). `node` gives
    /// what a node's system uses and what `used` needs to read its pods' use (its kubelet),
    /// looked up once per node rather than once per pod.
    pub fn sample_nodes<'a, N>(
        &mut self,
        api: &'a ApiServer,
        at: SimTime,
        node: impl Fn(&'a Node) -> (N, (u64, u64)),
        used: impl Fn(&N, &Pod) -> Option<(u64, u64)>,
    ) {
        let mut points: Vec<(&str, N, NodePoint)> = api
            .list::<Node>(None)
            .take(MAX_OBJECTS)
            .filter_map(|n| {
                let name = n.metadata.name.as_deref()?;
                let (state, (cpu, memory)) = node(n);
                let point = NodePoint {
                    at,
                    cpu_requested_millis: 0,
                    cpu_used_millis: cpu,
                    memory_requested_bytes: 0,
                    memory_used_bytes: memory,
                };
                Some((name, state, point))
            })
            .collect();
        let mut listed = 0;
        for (index, pod) in api.list::<Pod>(None).enumerate() {
            listed = index + 1;
            let Some(node) = crate::podutil::node_name(pod) else { continue };
            // A handful of nodes: a scan beats a search.
            let Some((_, state, point)) = points.iter_mut().find(|(name, ..)| *name == node) else {
                continue;
            };
            if !crate::podutil::is_terminal(pod) {
                let requests = self.pod_requests.of(index, pod);
                point.cpu_requested_millis += requests.milli_cpu;
                point.memory_requested_bytes += requests.memory_bytes;
            }
            if let Some((cpu, memory)) = used(state, pod) {
                point.cpu_used_millis += cpu;
                point.memory_used_bytes += memory;
            }
        }
        self.pod_requests.0.truncate(listed);
        self.nodes.retain(|name, _| points.iter().any(|(node, ..)| node == name));
        for (name, _, point) in points {
            match self.nodes.get_mut(name) {
                Some(series) => push_bounded(series, point),
                None => push_bounded(self.nodes.entry(name.to_string()).or_default(), point),
            }
        }
    }
}

fn push_bounded<T>(points: &mut Vec<T>, point: T) {
    if points.len() >= MAX_POINTS {
        points.remove(0);
    }
    points.push(point);
}

/// Makes room for one more object: the one whose latest point is oldest goes.
fn evict_oldest<T>(map: &mut BTreeMap<String, T>, last: impl Fn(&T) -> Option<SimTime>) {
    if map.len() < MAX_OBJECTS {
        return;
    }
    let oldest = map.iter().min_by_key(|(_, v)| last(v)).map(|(k, _)| k.clone());
    if let Some(key) = oldest {
        map.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SimTime {
        SimTime::from_unix_ms(crate::sim::SESSION_START.unix_ms() + seconds * 1000)
    }

    #[test]
    fn the_grid_starts_at_the_session_and_skips_what_a_series_cannot_hold() {
        let mut series = Series::default();
        assert_eq!(series.due_samples(at(0)), [at(0)]);
        assert_eq!(series.due_samples(at(14)), []);
        assert_eq!(series.due_samples(at(31)), [at(15), at(30)]);
        let due = series.due_samples(at(30 + 15 * 1000));
        assert_eq!(due.len(), MAX_POINTS);
        assert_eq!(due.last(), Some(&at(30 + 15 * 1000)));
    }

    #[test]
    fn points_and_objects_are_bounded() {
        let mut series = Series::default();
        for i in 0..(MAX_OBJECTS as u64 + 5) {
            for n in 0..3 {
                series.delivered(&format!("uid-{i}"), at(i * 10 + n), || {
                    Some(("default".into(), format!("pod-{i}")))
                });
            }
        }
        assert_eq!(series.requests.len(), MAX_OBJECTS);
        // The pods that last served longest ago went first.
        assert!(!series.requests.contains_key("uid-0"));
        let last = &series.requests[&format!("uid-{}", MAX_OBJECTS + 4)];
        assert_eq!((last.total, last.points.len()), (3, 3));
        for n in 0..(MAX_POINTS as u64 + 10) {
            series.delivered("uid-x", at(10_000 + n), || Some(("default".into(), "x".into())));
        }
        assert_eq!(series.requests["uid-x"].points.len(), MAX_POINTS);
        assert_eq!(series.requests["uid-x"].total, MAX_POINTS as u64 + 10);
    }

    #[test]
    fn requests_at_one_instant_are_one_point() {
        let mut series = Series::default();
        for _ in 0..4 {
            series.delivered("uid", at(5), || Some(("default".into(), "web".into())));
        }
        series.delivered("uid", at(6), || None);
        assert_eq!(series.requests["uid"].points, [(at(5), 4), (at(6), 5)]);
        // A pod nobody can name is not followed.
        series.delivered("gone", at(7), || None);
        assert!(!series.requests.contains_key("gone"));
    }
}
