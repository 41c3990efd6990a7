//! The pod garbage collector: pods bound to a node that no longer exists are orphans; after a
//! quarantine of 40 s (the node may have been re-created) they are marked Failed with a
//! DisruptionTarget condition and force-deleted. It runs every 20 s (`gcCheckPeriod`).

use crate::api::{ApiServer, DeleteOptions};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Node, Pod, PodCondition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a missing node stays missing before its pods are collected.
const QUARANTINE: Duration = Duration::from_secs(40);
/// `gcCheckPeriod`.
const CHECK_PERIOD_MS: u64 = 20_000;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PodGarbageCollector {
    seen_api_version: u64,
    /// Nodes pods are bound to that do not exist, and when that was first seen.
    missing_since: BTreeMap<String, SimTime>,
}

impl PodGarbageCollector {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let due = self.missing_since.values().map(|at| collect_at(*at)).min();
        let changed = api.kind_changed_since::<Node>(self.seen_api_version)
            || (!self.missing_since.is_empty()
                && api.kind_changed_since::<Pod>(self.seen_api_version));
        if !changed && due.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return due;
        }
        let mut orphans: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for pod in api.list::<Pod>(None) {
            if let Some(node) = podutil::node_name(pod)
                && api.get::<Node>("", node).is_err()
            {
                let key = (podutil::namespace(pod).to_string(), podutil::name(pod).to_string());
                orphans.entry(node.to_string()).or_default().push(key);
            }
        }
        self.missing_since.retain(|node, _| orphans.contains_key(node));
        for (node, pods) in orphans {
            let since = *self.missing_since.entry(node).or_insert(now);
            if now < collect_at(since) {
                continue;
            }
            for (namespace, name) in pods {
                collect(api, &namespace, &name);
            }
        }
        self.seen_api_version = api.resource_version();
        self.missing_since.values().map(|at| collect_at(*at)).filter(|at| *at > now).min()
    }
}

/// The first GC pass after the quarantine that began at `since`.
fn collect_at(since: SimTime) -> SimTime {
    let ready = (since + QUARANTINE).unix_ms();
    SimTime::from_unix_ms(ready.div_ceil(CHECK_PERIOD_MS) * CHECK_PERIOD_MS)
}

/// `markFailedAndDeletePodWithCondition`: Failed, DisruptionTarget, then deleted with no grace.
fn collect(api: &mut ApiServer, namespace: &str, name: &str) {
    let now = api.now().to_k8s();
    let _ = api.update::<Pod>(namespace, name, |pod| {
        podutil::set_condition(
            pod,
            PodCondition {
                type_: "DisruptionTarget".to_string(),
                status: "True".to_string(),
                reason: Some("DeletionByPodGC".to_string()),
                message: Some("PodGC: node no longer exists".to_string()),
                last_transition_time: Some(now),
                ..Default::default()
            },
        );
        if !podutil::is_terminal(pod) {
            pod.status.get_or_insert_with(Default::default).phase = Some("Failed".to_string());
        }
    });
    let options = DeleteOptions { grace_period_seconds: Some(0), ..Default::default() };
    let _ = api.delete::<Pod>(namespace, name, options);
}
