//! The Deployment controller (`pkg/controller/deployment`): a Deployment owns one ReplicaSet per
//! pod template it has had, named `DEPLOYMENT-<pod-template-hash>`; it rolls pods from the old
//! sets to the new one (`rolling.rs`: RollingUpdate within maxSurge and maxUnavailable, or
//! Recreate), scales them proportionally when replicas change mid-rollout, keeps
//! `revisionHistoryLimit` old sets, honours `paused`, and reports its status and the Available
//! and Progressing conditions (with `progressDeadlineSeconds`).

mod rolling;
pub mod util;

use super::pod_control::{controller_ref, workload_selector};
use crate::api::selector::Selector;
use crate::api::{ApiServer, EventSource, EventType, key_of as key};
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use util::{rs_actual, rs_available, rs_ready, rs_replicas};

const COMPONENT: &str = "deployment-controller";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeploymentController {
    seen_api_version: u64,
    /// Deployments to look at again (a progress deadline), by namespace and name.
    due: BTreeMap<(String, String), SimTime>,
}

impl DeploymentController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let due = self.due.values().any(|at| *at <= now);
        let pods_removed = api.deleted_since::<Pod>(seen).next().is_some();
        if !due
            && !pods_removed
            && !api.kind_changed_since::<Deployment>(seen)
            && !api.kind_changed_since::<ReplicaSet>(seen)
        {
            self.seen_api_version = api.resource_version();
            return self.due.values().min().copied();
        }
        let mut to_sync: BTreeSet<(String, String)> =
            self.due.iter().filter(|(_, at)| **at <= now).map(|(key, _)| key.clone()).collect();
        self.due.retain(|_, at| *at > now);
        for deployment in api.changed_since::<Deployment>(seen) {
            to_sync.insert(key(&deployment.metadata));
        }
        let sets =
            api.changed_since::<ReplicaSet>(seen).chain(api.deleted_since::<ReplicaSet>(seen));
        for set in sets {
            let namespace = set.metadata.namespace.clone().unwrap_or_default();
            match set
                .metadata
                .owner_references
                .iter()
                .flatten()
                .find(|r| r.controller == Some(true))
            {
                Some(owner) if owner.kind == "Deployment" => {
                    to_sync.insert((namespace, owner.name.clone()));
                }
                Some(_) => {}
                None => {
                    for deployment in api.list::<Deployment>(Some(&namespace)) {
                        if selector(deployment)
                            .is_some_and(|s| s.matches(set.metadata.labels.as_ref()))
                        {
                            to_sync.insert(key(&deployment.metadata));
                        }
                    }
                }
            }
        }
        if pods_removed {
            // A Recreate rollout waits for the old pods to be gone.
            for deployment in api.list::<Deployment>(None) {
                if !util::is_rolling_update(deployment) {
                    to_sync.insert(key(&deployment.metadata));
                }
            }
        }
        self.seen_api_version = api.resource_version();
        for (namespace, name) in to_sync {
            let Ok(deployment) = api.get::<Deployment>(&namespace, &name).cloned() else {
                continue;
            };
            if let Some(at) = sync_deployment(api, deployment) {
                self.due.insert((namespace, name), at);
            }
        }
        self.due.values().min().copied()
    }
}

fn selector(deployment: &Deployment) -> Option<Selector> {
    workload_selector(&deployment.spec.as_ref()?.selector)
}

/// `syncDeployment`. Returns when the Deployment needs another look (its progress deadline).
fn sync_deployment(api: &mut ApiServer, deployment: Deployment) -> Option<SimTime> {
    let selector = selector(&deployment)?;
    let sets = claim_replica_sets(api, &deployment, &selector);
    let mut rollout = rolling::Rollout { deployment, sets };
    if rollout.deployment.metadata.deletion_timestamp.is_some() {
        rollout.sync_status_only(api);
        return None;
    }
    rollout.check_paused_conditions(api);
    if rollout.paused() {
        rollout.sync(api);
        return None;
    }
    if rollout.is_scaling_event() {
        rollout.sync(api);
        return None;
    }
    if util::is_rolling_update(&rollout.deployment) {
        rollout.rollout_rolling(api)
    } else {
        rollout.rollout_recreate(api)
    }
}

/// `getReplicaSetsForDeployment`: the sets it controls whose labels still match, adopting
/// matching orphans and releasing the rest.
fn claim_replica_sets(
    api: &mut ApiServer,
    deployment: &Deployment,
    selector: &Selector,
) -> Vec<ReplicaSet> {
    let uid = deployment.metadata.uid.clone().unwrap_or_default();
    let namespace = deployment.metadata.namespace.clone().unwrap_or_default();
    let deleting = deployment.metadata.deletion_timestamp.is_some();
    let mut owned = Vec::new();
    let mut adopt = Vec::new();
    let mut release = Vec::new();
    for set in api.list::<ReplicaSet>(Some(&namespace)) {
        let controller =
            set.metadata.owner_references.iter().flatten().find(|r| r.controller == Some(true));
        let matches = selector.matches(set.metadata.labels.as_ref());
        match controller {
            Some(owner) if owner.uid == uid => {
                if matches {
                    owned.push(set.clone());
                } else {
                    release.push(set.metadata.name.clone().unwrap_or_default());
                }
            }
            Some(_) => {}
            None if matches && !deleting && set.metadata.deletion_timestamp.is_none() => {
                adopt.push(set.metadata.name.clone().unwrap_or_default());
            }
            None => {}
        }
    }
    for name in release {
        let _ = api.update::<ReplicaSet>(&namespace, &name, |set| {
            if let Some(refs) = set.metadata.owner_references.as_mut() {
                refs.retain(|r| r.uid != uid);
            }
        });
    }
    let reference = controller_ref(deployment);
    for name in adopt {
        let _ = api.update::<ReplicaSet>(&namespace, &name, |set| {
            set.metadata.owner_references.get_or_insert_with(Vec::new).push(reference.clone());
        });
        owned.extend(api.get::<ReplicaSet>(&namespace, &name).ok().cloned());
    }
    owned
}

/// `calculateStatus`: the counts summed over the sets, and the Available condition.
fn calculate_status(
    deployment: &Deployment,
    all: &[&ReplicaSet],
    new: Option<&ReplicaSet>,
    now: SimTime,
) -> DeploymentStatus {
    let current = deployment.status.clone().unwrap_or_default();
    let available: i32 = all.iter().map(|s| rs_available(s)).sum();
    let total: i32 = all.iter().map(|s| rs_replicas(s)).sum();
    let mut status = DeploymentStatus {
        observed_generation: deployment.metadata.generation,
        replicas: Some(all.iter().map(|s| rs_actual(s)).sum()).filter(|n| *n > 0),
        updated_replicas: new.map(rs_actual).filter(|n| *n > 0),
        ready_replicas: Some(all.iter().map(|s| rs_ready(s)).sum()).filter(|n| *n > 0),
        available_replicas: Some(available).filter(|n| *n > 0),
        unavailable_replicas: Some((total - available).max(0)).filter(|n| *n > 0),
        collision_count: current.collision_count,
        conditions: current.conditions,
        terminating_replicas: None,
    };
    let desired = util::replicas(deployment);
    let condition = if available >= desired - util::max_unavailable(deployment) {
        condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
        )
    } else {
        condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
        )
    };
    set_condition(&mut status, condition);
    status
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) -> DeploymentCondition {
    DeploymentCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_update_time: Some(now.to_k8s()),
        last_transition_time: Some(now.to_k8s()),
    }
}

fn get_condition<'a>(status: &'a DeploymentStatus, type_: &str) -> Option<&'a DeploymentCondition> {
    status.conditions.iter().flatten().find(|c| c.type_ == type_)
}

/// `SetDeploymentCondition`: an unchanged status and reason is left as it is; a changed reason
/// keeps the transition time when the status stays; the new condition goes last.
fn set_condition(status: &mut DeploymentStatus, mut condition: DeploymentCondition) {
    if let Some(current) = get_condition(status, &condition.type_) {
        if current.status == condition.status && current.reason == condition.reason {
            return;
        }
        if current.status == condition.status {
            condition.last_transition_time = current.last_transition_time.clone();
        }
    }
    remove_condition(status, &condition.type_);
    status.conditions.get_or_insert_with(Vec::new).push(condition);
}

fn remove_condition(status: &mut DeploymentStatus, type_: &str) {
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.retain(|c| c.type_ != type_);
    }
}

/// `DeploymentComplete`: every replica updated and available, and the spec observed.
fn is_complete(deployment: &Deployment, status: &DeploymentStatus) -> bool {
    let desired = util::replicas(deployment);
    status.updated_replicas.unwrap_or(0) == desired
        && status.replicas.unwrap_or(0) == desired
        && status.available_replicas.unwrap_or(0) == desired
        && status.observed_generation >= deployment.metadata.generation
}

/// `DeploymentProgressing`: more updated, ready or available pods, or fewer old ones.
fn is_progressing(deployment: &Deployment, new: &DeploymentStatus) -> bool {
    let old = deployment.status.clone().unwrap_or_default();
    let old_pods = |s: &DeploymentStatus| s.replicas.unwrap_or(0) - s.updated_replicas.unwrap_or(0);
    new.updated_replicas.unwrap_or(0) > old.updated_replicas.unwrap_or(0)
        || old_pods(new) < old_pods(&old)
        || new.ready_replicas.unwrap_or(0) > old.ready_replicas.unwrap_or(0)
        || new.available_replicas.unwrap_or(0) > old.available_replicas.unwrap_or(0)
}

fn progress_deadline(deployment: &Deployment) -> Option<Duration> {
    let seconds = deployment.spec.as_ref()?.progress_deadline_seconds?;
    // math.MaxInt32 means "no deadline".
    (seconds != i32::MAX).then(|| Duration::from_secs(seconds.max(0) as u64))
}

/// `DeploymentTimedOut`: no progress for longer than the deadline.
fn timed_out(deployment: &Deployment, status: &DeploymentStatus, now: SimTime) -> bool {
    let Some(deadline) = progress_deadline(deployment) else { return false };
    let Some(progressing) = get_condition(status, "Progressing") else { return false };
    match progressing.reason.as_deref() {
        Some("NewReplicaSetAvailable") => false,
        Some("ProgressDeadlineExceeded") => true,
        _ => {
            let from =
                progressing.last_update_time.as_ref().map(SimTime::from_k8s).unwrap_or_default();
            from + deadline < now
        }
    }
}

/// Records a Deployment event as the deployment-controller.
fn event(api: &mut ApiServer, deployment: &Deployment, reason: &str, message: String) {
    let source = EventSource { component: COMPONENT, host: None };
    api.record_event(deployment, None, source, EventType::Normal, reason, message);
}
