//! One sync of a Deployment against its ReplicaSets (`sync.go`, `rolling.go`, `recreate.go`,
//! `progress.go`): finding or creating the new set, scaling sets up and down within the
//! strategy's bounds, proportional scaling, history cleanup and the rollout status.

use super::util::{self, rs_actual, rs_available, rs_replicas};
use super::{
    calculate_status, condition, event, get_condition, is_complete, is_progressing,
    progress_deadline, remove_condition, set_condition, timed_out,
};
use crate::api::ApiServer;
use crate::controllers::pod_control::controller_ref;
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::cmp::Reverse;
use std::time::Duration;

/// A Deployment and the ReplicaSets it controls, as this sync sees them.
pub(super) struct Rollout {
    pub deployment: Deployment,
    pub sets: Vec<ReplicaSet>,
}

fn name(set: &ReplicaSet) -> &str {
    set.metadata.name.as_deref().unwrap_or_default()
}

fn created(set: &ReplicaSet) -> (Option<SimTime>, String) {
    (set.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s), name(set).to_string())
}

impl Rollout {
    fn namespace(&self) -> String {
        self.deployment.metadata.namespace.clone().unwrap_or_default()
    }

    fn deployment_name(&self) -> String {
        self.deployment.metadata.name.clone().unwrap_or_default()
    }

    fn desired(&self) -> i32 {
        util::replicas(&self.deployment)
    }

    pub fn paused(&self) -> bool {
        self.deployment.spec.as_ref().and_then(|s| s.paused).unwrap_or(false)
    }

    fn template(&self) -> Option<&k8s_openapi::api::core::v1::PodTemplateSpec> {
        self.deployment.spec.as_ref().map(|s| &s.template)
    }

    /// `FindNewReplicaSet`: the oldest set whose template is the Deployment's.
    fn new_set(&self) -> Option<usize> {
        let template = self.template()?;
        let mut order: Vec<usize> = (0..self.sets.len()).collect();
        crate::sort::sort_by_key(&mut order, |i| created(&self.sets[*i]));
        order.into_iter().find(|i| {
            self.sets[*i]
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .is_some_and(|t| util::equal_ignore_hash(t, template))
        })
    }

    fn old_sets(&self, new: Option<usize>) -> Vec<usize> {
        (0..self.sets.len()).filter(|i| Some(*i) != new).collect()
    }

    /// Reads a set again after a write.
    fn refresh(&mut self, api: &ApiServer, index: usize) {
        let namespace = self.namespace();
        if let Ok(set) = api.get::<ReplicaSet>(&namespace, name(&self.sets[index])) {
            self.sets[index] = set.clone();
        }
    }

    fn refresh_deployment(&mut self, api: &ApiServer) {
        if let Ok(deployment) = api.get::<Deployment>(&self.namespace(), &self.deployment_name()) {
            self.deployment = deployment.clone();
        }
    }

    /// Writes the Deployment's status (and revision annotation) as they are in memory.
    fn write_deployment(&mut self, api: &mut ApiServer) {
        let (namespace, name) = (self.namespace(), self.deployment_name());
        let status = self.deployment.status.clone();
        let annotations = self.deployment.metadata.annotations.clone();
        let _ = api.update::<Deployment>(&namespace, &name, |d| {
            d.status = status;
            d.metadata.annotations = annotations;
        });
        self.refresh_deployment(api);
    }

    fn set_progressing(
        &mut self,
        api: &mut ApiServer,
        status: &str,
        reason: &str,
        message: String,
    ) {
        let now = api.now();
        let status_obj = self.deployment.status.get_or_insert_with(Default::default);
        set_condition(status_obj, condition("Progressing", status, reason, &message, now));
    }

    /// `checkPausedConditions`: Progressing Unknown while paused, and once on resume.
    pub fn check_paused_conditions(&mut self, api: &mut ApiServer) {
        if progress_deadline(&self.deployment).is_none() {
            return;
        }
        let status = self.deployment.status.clone().unwrap_or_default();
        let reason = get_condition(&status, "Progressing").and_then(|c| c.reason.clone());
        if reason.as_deref() == Some("ProgressDeadlineExceeded") {
            return;
        }
        let paused_shown = reason.as_deref() == Some("DeploymentPaused");
        if self.paused() && !paused_shown {
            self.set_progressing(api, "Unknown", "DeploymentPaused", "Deployment is paused".into());
            self.write_deployment(api);
        } else if !self.paused() && paused_shown {
            self.set_progressing(
                api,
                "Unknown",
                "DeploymentResumed",
                "Deployment is resumed".into(),
            );
            self.write_deployment(api);
        }
    }

    /// `isScalingEvent`: an active set was sized for a different replica count.
    pub fn is_scaling_event(&self) -> bool {
        let desired = self.desired().to_string();
        self.sets.iter().filter(|s| rs_replicas(s) > 0).any(|s| {
            util::annotation(s, util::DESIRED_REPLICAS).is_some_and(|value| value != desired)
        })
    }

    /// `sync`: scaling only (a paused Deployment or a change of replicas), then the status.
    pub fn sync(&mut self, api: &mut ApiServer) {
        let new = self.get_new_replica_set(api, false);
        self.scale(api, new);
        if self.paused() {
            self.cleanup(api, new);
        }
        self.sync_deployment_status(api, new);
    }

    pub fn sync_status_only(&mut self, api: &mut ApiServer) {
        let new = self.get_new_replica_set(api, false);
        self.sync_deployment_status(api, new);
    }

    fn all(&self) -> Vec<&ReplicaSet> {
        self.sets.iter().collect()
    }

    fn sync_deployment_status(&mut self, api: &mut ApiServer, new: Option<usize>) {
        let status =
            calculate_status(&self.deployment, &self.all(), new.map(|i| &self.sets[i]), api.now());
        if self.deployment.status.as_ref() != Some(&status) {
            self.deployment.status = Some(status);
            self.write_deployment(api);
        }
    }

    /// `rolloutRolling`.
    pub fn rollout_rolling(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let new = self.get_new_replica_set(api, true);
        if self.reconcile_new_replica_set(api, new) {
            return self.sync_rollout_status(api, new);
        }
        if self.reconcile_old_replica_sets(api, new) {
            return self.sync_rollout_status(api, new);
        }
        let status = self.deployment.status.clone().unwrap_or_default();
        if is_complete(&self.deployment, &status) {
            self.cleanup(api, new);
        }
        self.sync_rollout_status(api, new)
    }

    /// `rolloutRecreate`: every old pod gone before the new set scales up.
    pub fn rollout_recreate(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let mut new = self.get_new_replica_set(api, false);
        let mut scaled_down = false;
        for index in self.old_sets(new) {
            if rs_replicas(&self.sets[index]) > 0 {
                scaled_down |= self.scale_replica_set(api, index, 0);
            }
        }
        if scaled_down || self.old_pods_running(api, new) {
            return self.sync_rollout_status(api, new);
        }
        if new.is_none() {
            new = self.get_new_replica_set(api, true);
        }
        if let Some(index) = new {
            let desired = self.desired();
            self.scale_replica_set(api, index, desired);
        }
        let status = self.deployment.status.clone().unwrap_or_default();
        if is_complete(&self.deployment, &status) {
            self.cleanup(api, new);
        }
        self.sync_rollout_status(api, new)
    }

    /// `oldPodsRunning`: an old set still has replicas, or one of its pods has not finished.
    fn old_pods_running(&self, api: &ApiServer, new: Option<usize>) -> bool {
        let old = self.old_sets(new);
        if old.iter().any(|i| rs_actual(&self.sets[*i]) > 0) {
            return true;
        }
        let old_uids: Vec<&str> =
            old.iter().filter_map(|i| self.sets[*i].metadata.uid.as_deref()).collect();
        api.list::<Pod>(Some(&self.namespace())).any(|pod| {
            !podutil::is_terminal(pod)
                && pod
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|r| r.controller == Some(true) && old_uids.contains(&r.uid.as_str()))
        })
    }

    /// `getNewReplicaSet`: the set for the current template, brought up to date (revision,
    /// annotations, minReadySeconds), or created when `create` and it does not exist yet.
    fn get_new_replica_set(&mut self, api: &mut ApiServer, create: bool) -> Option<usize> {
        let new = self.new_set();
        let max_old_revision =
            self.old_sets(new).iter().map(|i| util::revision(&self.sets[*i])).max().unwrap_or(0);
        let new_revision = max_old_revision + 1;
        let min_ready = self.deployment.spec.as_ref().and_then(|s| s.min_ready_seconds);
        if let Some(index) = new {
            let mut set = self.sets[index].clone();
            let mut changed = util::copy_annotations(&self.deployment, &mut set);
            if util::revision(&set) < new_revision {
                set.metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(util::REVISION.to_string(), new_revision.to_string());
                changed = true;
            }
            let spec = set.spec.get_or_insert_with(Default::default);
            if spec.min_ready_seconds != min_ready {
                spec.min_ready_seconds = min_ready;
                changed = true;
            }
            if changed {
                let namespace = self.namespace();
                let _ = api.update_spec::<ReplicaSet>(&namespace, name(&set), |stored| {
                    stored.metadata.annotations = set.metadata.annotations.clone();
                    stored.spec.get_or_insert_with(Default::default).min_ready_seconds = min_ready;
                });
                self.refresh(api, index);
            }
            let revision = util::revision(&self.sets[index]).to_string();
            let mut needs_update = self.set_deployment_revision(&revision);
            let status = self.deployment.status.clone().unwrap_or_default();
            if get_condition(&status, "Progressing").is_none() {
                let message = format!("Found new replica set \"{}\"", name(&self.sets[index]));
                self.set_progressing(api, "True", "FoundNewReplicaSet", message);
                needs_update = true;
            }
            if needs_update {
                self.write_deployment(api);
            }
            return Some(index);
        }
        if !create {
            return None;
        }
        self.create_new_replica_set(api, new_revision, min_ready)
    }

    /// Sets the Deployment's own revision annotation. Returns whether it changed.
    fn set_deployment_revision(&mut self, revision: &str) -> bool {
        let annotations = self.deployment.metadata.annotations.get_or_insert_with(Default::default);
        if annotations.get(util::REVISION).map(String::as_str) == Some(revision) {
            return false;
        }
        annotations.insert(util::REVISION.to_string(), revision.to_string());
        true
    }

    fn create_new_replica_set(
        &mut self,
        api: &mut ApiServer,
        revision: i64,
        min_ready: Option<i32>,
    ) -> Option<usize> {
        let spec = self.deployment.spec.clone()?;
        let collision_count = self.deployment.status.as_ref().and_then(|s| s.collision_count);
        let hash = util::pod_template_hash(&spec.template, collision_count);
        let mut template = spec.template.clone();
        template
            .metadata
            .get_or_insert_with(Default::default)
            .labels
            .get_or_insert_with(Default::default)
            .insert(util::POD_TEMPLATE_HASH.to_string(), hash.clone());
        let mut selector = spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(Default::default)
            .insert(util::POD_TEMPLATE_HASH.to_string(), hash.clone());
        let set_name = format!("{}-{hash}", self.deployment_name());
        let namespace = self.namespace();
        let mut set = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(set_name.clone()),
                namespace: Some(namespace.clone()),
                labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                owner_references: Some(vec![controller_ref(&self.deployment)]),
                ..Default::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: min_ready,
                selector,
                template: Some(template),
            }),
            status: None,
        };
        let replicas = self.new_replicas(&set);
        set.spec.get_or_insert_with(Default::default).replicas = Some(replicas);
        util::copy_annotations(&self.deployment, &mut set);
        set.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(util::REVISION.to_string(), revision.to_string());
        let max = self.desired() + util::max_surge(&self.deployment);
        util::set_replicas_annotations(&mut set, self.desired(), max);
        if let Ok(existing) = api.get::<ReplicaSet>(&namespace, &set_name) {
            // The name is taken by a set with another template: hash again with a higher
            // collision count on the next sync.
            let same = existing
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .is_some_and(|t| util::equal_ignore_hash(t, &spec.template));
            if !same {
                let status = self.deployment.status.get_or_insert_with(Default::default);
                status.collision_count = Some(status.collision_count.unwrap_or(0) + 1);
                self.write_deployment(api);
            }
            return None;
        }
        let created = api.create(set).ok()?;
        if replicas > 0 {
            let message = format!("Scaled up replica set {set_name} from 0 to {replicas}");
            event(api, &self.deployment, "ScalingReplicaSet", message);
        }
        self.sets.push(created);
        let index = self.sets.len() - 1;
        self.set_deployment_revision(&revision.to_string());
        let message = format!("Created new replica set \"{set_name}\"");
        self.set_progressing(api, "True", "NewReplicaSetCreated", message);
        self.write_deployment(api);
        Some(index)
    }

    /// `NewRSNewReplicas`: how big the new set may be now.
    fn new_replicas(&self, new: &ReplicaSet) -> i32 {
        let desired = self.desired();
        if !util::is_rolling_update(&self.deployment) {
            return desired;
        }
        let current: i32 =
            self.sets.iter().filter(|s| name(s) != name(new)).map(rs_replicas).sum::<i32>()
                + rs_replicas(new);
        let max_total = desired + util::max_surge(&self.deployment);
        if current >= max_total {
            return rs_replicas(new);
        }
        let scale_up = (max_total - current).min(desired - rs_replicas(new));
        rs_replicas(new) + scale_up
    }

    /// `scaleReplicaSetAndRecordEvent` / `scaleReplicaSet`: resizes a set (and keeps its
    /// replica annotations current). Returns whether the size changed.
    fn scale_replica_set(&mut self, api: &mut ApiServer, index: usize, size: i32) -> bool {
        let set = &self.sets[index];
        let current = rs_replicas(set);
        let max = self.desired() + util::max_surge(&self.deployment);
        let mut annotated = set.clone();
        let annotations_changed =
            util::set_replicas_annotations(&mut annotated, self.desired(), max);
        if current == size && !annotations_changed {
            return false;
        }
        let namespace = self.namespace();
        let set_name = name(set).to_string();
        let annotations = annotated.metadata.annotations;
        let _ = api.update_spec::<ReplicaSet>(&namespace, &set_name, |stored| {
            stored.spec.get_or_insert_with(Default::default).replicas = Some(size);
            stored.metadata.annotations = annotations;
        });
        self.refresh(api, index);
        if current != size {
            let direction = if current < size { "up" } else { "down" };
            let message =
                format!("Scaled {direction} replica set {set_name} from {current} to {size}");
            event(api, &self.deployment, "ScalingReplicaSet", message);
        }
        current != size
    }

    /// `reconcileNewReplicaSet`.
    fn reconcile_new_replica_set(&mut self, api: &mut ApiServer, new: Option<usize>) -> bool {
        let Some(index) = new else { return false };
        let desired = self.desired();
        let current = rs_replicas(&self.sets[index]);
        if current == desired {
            return false;
        }
        if current > desired {
            return self.scale_replica_set(api, index, desired);
        }
        let size = self.new_replicas(&self.sets[index].clone());
        self.scale_replica_set(api, index, size)
    }

    /// `reconcileOldReplicaSets`: scales old sets down as far as availability allows,
    /// unhealthy replicas first.
    fn reconcile_old_replica_sets(&mut self, api: &mut ApiServer, new: Option<usize>) -> bool {
        let old: Vec<usize> =
            self.old_sets(new).into_iter().filter(|i| rs_replicas(&self.sets[*i]) > 0).collect();
        if old.is_empty() {
            return false;
        }
        let all_pods: i32 = self.sets.iter().map(rs_replicas).sum();
        let min_available = self.desired() - util::max_unavailable(&self.deployment);
        let new_unavailable =
            new.map_or(0, |i| rs_replicas(&self.sets[i]) - rs_available(&self.sets[i]));
        let max_scaled_down = all_pods - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        let cleaned = self.cleanup_unhealthy_replicas(api, &old, max_scaled_down);
        let scaled = self.scale_down_old_for_rolling_update(api, &old);
        cleaned + scaled > 0
    }

    fn oldest_first(&self, indexes: &[usize]) -> Vec<usize> {
        let mut sorted = indexes.to_vec();
        crate::sort::sort_by_key(&mut sorted, |i| created(&self.sets[*i]));
        sorted
    }

    /// `cleanupUnhealthyReplicas`: old sets lose their unavailable replicas first.
    fn cleanup_unhealthy_replicas(&mut self, api: &mut ApiServer, old: &[usize], max: i32) -> i32 {
        let mut total = 0;
        for index in self.oldest_first(old) {
            if total >= max {
                break;
            }
            let set = &self.sets[index];
            let (replicas, available) = (rs_replicas(set), rs_available(set));
            if replicas == 0 || replicas == available {
                continue;
            }
            let scaled_down = (max - total).min(replicas - available);
            self.scale_replica_set(api, index, replicas - scaled_down);
            total += scaled_down;
        }
        total
    }

    /// `scaleDownOldReplicaSetsForRollingUpdate`: while more replicas are available than the
    /// minimum, old sets shrink, oldest first.
    fn scale_down_old_for_rolling_update(&mut self, api: &mut ApiServer, old: &[usize]) -> i32 {
        let min_available = self.desired() - util::max_unavailable(&self.deployment);
        let available: i32 = self.sets.iter().map(rs_available).sum();
        if available <= min_available {
            return 0;
        }
        let to_scale_down = available - min_available;
        let mut total = 0;
        for index in self.oldest_first(old) {
            if total >= to_scale_down {
                break;
            }
            let replicas = rs_replicas(&self.sets[index]);
            if replicas == 0 {
                continue;
            }
            let count = replicas.min(to_scale_down - total);
            self.scale_replica_set(api, index, replicas - count);
            total += count;
        }
        total
    }

    /// `scale`: a replica change reaches the sets — all of it to the only active set, old sets
    /// to zero once the new one is saturated, otherwise in proportion to their sizes.
    fn scale(&mut self, api: &mut ApiServer, new: Option<usize>) {
        let desired = self.desired();
        let active: Vec<usize> =
            (0..self.sets.len()).filter(|i| rs_replicas(&self.sets[*i]) > 0).collect();
        if self.sets.is_empty() {
            return;
        }
        // `FindActiveOrLatest`.
        let only = match active.len() {
            0 => new.or_else(|| (0..self.sets.len()).max_by_key(|i| created(&self.sets[*i]))),
            1 => Some(active[0]),
            _ => None,
        };
        if let Some(index) = only {
            if rs_replicas(&self.sets[index]) != desired {
                self.scale_replica_set(api, index, desired);
            }
            return;
        }
        if let Some(index) = new
            && self.is_saturated(index)
        {
            for old in self.old_sets(new) {
                if rs_replicas(&self.sets[old]) > 0 {
                    self.scale_replica_set(api, old, 0);
                }
            }
            return;
        }
        if !util::is_rolling_update(&self.deployment) {
            return;
        }
        let allowed = if desired > 0 { desired + util::max_surge(&self.deployment) } else { 0 };
        let current: i32 = active.iter().map(|i| rs_replicas(&self.sets[*i])).sum();
        let to_add = allowed - current;
        let mut order = active.clone();
        // Additions go to the biggest (then newest) sets first, removals to the biggest (then
        // oldest).
        if to_add > 0 {
            crate::sort::sort_by_key(&mut order, |i| {
                let (at, name) = created(&self.sets[*i]);
                (Reverse(rs_replicas(&self.sets[*i])), Reverse(at), name)
            });
        } else {
            crate::sort::sort_by_key(&mut order, |i| {
                (Reverse(rs_replicas(&self.sets[*i])), created(&self.sets[*i]))
            });
        }
        let mut added = 0;
        let mut sizes: Vec<(usize, i32)> = Vec::new();
        for index in &order {
            let replicas = rs_replicas(&self.sets[*index]);
            let proportion = if to_add != 0 { self.proportion(*index, to_add, added) } else { 0 };
            added += proportion;
            sizes.push((*index, replicas + proportion));
        }
        if let Some(first) = sizes.first_mut()
            && to_add != 0
        {
            first.1 = (first.1 + to_add - added).max(0);
        }
        for (index, size) in sizes {
            self.scale_replica_set(api, index, size);
        }
    }

    /// `IsSaturated`: the new set has every replica, sized for this replica count, available.
    fn is_saturated(&self, index: usize) -> bool {
        let set = &self.sets[index];
        let desired = self.desired();
        rs_replicas(set) == desired
            && util::annotation(set, util::DESIRED_REPLICAS) == Some(desired.to_string().as_str())
            && rs_available(set) == desired
    }

    /// `GetProportion`: a set's share of the replicas to add or remove.
    fn proportion(&self, index: usize, to_add: i32, added: i32) -> i32 {
        let set = &self.sets[index];
        let replicas = rs_replicas(set);
        if replicas == 0 || to_add == 0 || to_add == added {
            return 0;
        }
        let fraction = self.fraction(set);
        let allowed = to_add - added;
        if to_add > 0 { fraction.min(allowed) } else { fraction.max(allowed) }
    }

    /// `getReplicaSetFraction`.
    fn fraction(&self, set: &ReplicaSet) -> i32 {
        let desired = self.desired();
        if desired == 0 {
            return -rs_replicas(set);
        }
        let deployment_replicas = desired + util::max_surge(&self.deployment);
        let annotated = util::annotation(set, util::MAX_REPLICAS)
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or_else(|| {
                self.deployment.status.as_ref().and_then(|s| s.replicas).unwrap_or(0)
            });
        if annotated == 0 {
            return 0;
        }
        let size = (f64::from(rs_replicas(set)) * f64::from(deployment_replicas)
            / f64::from(annotated))
        .ceil();
        size as i32 - rs_replicas(set)
    }

    /// `cleanupDeployment`: old sets beyond `revisionHistoryLimit` that have no pods go,
    /// lowest revision first.
    fn cleanup(&mut self, api: &mut ApiServer, new: Option<usize>) {
        let Some(limit) = self.deployment.spec.as_ref().and_then(|s| s.revision_history_limit)
        else {
            return;
        };
        let mut cleanable: Vec<usize> = self
            .old_sets(new)
            .into_iter()
            .filter(|i| self.sets[*i].metadata.deletion_timestamp.is_none())
            .collect();
        let diff = cleanable.len() as i64 - i64::from(limit);
        if diff <= 0 {
            return;
        }
        crate::sort::sort_by_key(&mut cleanable, |i| {
            (util::revision(&self.sets[*i]), created(&self.sets[*i]))
        });
        let namespace = self.namespace();
        for index in cleanable.into_iter().take(diff as usize) {
            let set = &self.sets[index];
            let observed = set.status.as_ref().and_then(|s| s.observed_generation).unwrap_or(0);
            if rs_actual(set) != 0
                || rs_replicas(set) != 0
                || set.metadata.generation.unwrap_or(0) > observed
            {
                continue;
            }
            let _ = api.delete::<ReplicaSet>(&namespace, name(set), Default::default());
        }
    }

    /// `syncRolloutStatus`: the status and the Progressing condition. Returns when the
    /// progress deadline must be checked.
    fn sync_rollout_status(&mut self, api: &mut ApiServer, new: Option<usize>) -> Option<SimTime> {
        let now = api.now();
        let new_set = new.map(|i| &self.sets[i]);
        let mut status = calculate_status(&self.deployment, &self.all(), new_set, now);
        let deadline = progress_deadline(&self.deployment);
        if deadline.is_none() {
            remove_condition(&mut status, "Progressing");
        }
        let current = self.deployment.status.clone().unwrap_or_default();
        let current = get_condition(&current, "Progressing").cloned();
        let complete_shown = status.replicas == status.updated_replicas
            && current.as_ref().and_then(|c| c.reason.as_deref()) == Some("NewReplicaSetAvailable");
        let subject = match new_set {
            Some(set) => format!("ReplicaSet \"{}\"", name(set)),
            None => format!("Deployment \"{}\"", self.deployment_name()),
        };
        if deadline.is_some() && !complete_shown {
            if is_complete(&self.deployment, &status) {
                let message = format!("{subject} has successfully progressed.");
                set_condition(
                    &mut status,
                    condition("Progressing", "True", "NewReplicaSetAvailable", &message, now),
                );
            } else if is_progressing(&self.deployment, &status) {
                let message = format!("{subject} is progressing.");
                let mut progressing =
                    condition("Progressing", "True", "ReplicaSetUpdated", &message, now);
                if let Some(current) = &current {
                    if current.status == "True" {
                        progressing.last_transition_time = current.last_transition_time.clone();
                    }
                    remove_condition(&mut status, "Progressing");
                }
                set_condition(&mut status, progressing);
            } else if timed_out(&self.deployment, &status, now) {
                let message = format!("{subject} has timed out progressing.");
                set_condition(
                    &mut status,
                    condition("Progressing", "False", "ProgressDeadlineExceeded", &message, now),
                );
            }
        }
        if self.deployment.status.as_ref() == Some(&status) {
            return self.stuck_requeue(&status, now);
        }
        self.deployment.status = Some(status);
        self.write_deployment(api);
        None
    }

    /// `requeueStuckDeployment`: a rollout still in progress is looked at again a second after
    /// its deadline would pass.
    fn stuck_requeue(&self, status: &DeploymentStatus, now: SimTime) -> Option<SimTime> {
        let deadline = progress_deadline(&self.deployment)?;
        let progressing = get_condition(status, "Progressing")?;
        if is_complete(&self.deployment, status)
            || progressing.reason.as_deref() == Some("ProgressDeadlineExceeded")
        {
            return None;
        }
        let from = progressing.last_update_time.as_ref().map(SimTime::from_k8s)?;
        Some((from + deadline + Duration::from_secs(1)).max(now + Duration::from_secs(1)))
    }
}
