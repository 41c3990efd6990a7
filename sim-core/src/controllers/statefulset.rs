//! The StatefulSet controller (`pkg/controller/statefulset`): pods with stable identities
//! `NAME-0`, `NAME-1`… (hostname the pod's name, subdomain the governing service), created in
//! ordinal order and removed from the highest ordinal down, one at a time and each waiting for
//! the previous to be Running and Ready (OrderedReady), or all at once (Parallel). Template
//! changes roll out from the highest ordinal down to the partition (RollingUpdate) or when pods
//! are deleted (OnDelete); each template is a ControllerRevision named in the pods'
//! `controller-revision-hash` label.
//!
//! volumeClaimTemplates: each pod gets a `persistentVolumeClaim` volume naming its claim
//! (`CLAIM-NAME-ORDINAL`), and the claim is created before the pod and kept after it.

use super::history::{self, CONTROLLER_REVISION_HASH, REVISION_HASH_LABEL};
use super::pod_control::{self, controller_ref, is_controlled_by, is_ready};
use crate::api::{ApiServer, DeleteOptions, EventSource, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodTemplateSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::time::Duration;

const COMPONENT: &str = "statefulset-controller";
/// The labels that give each pod its identity.
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StatefulSetController {
    seen_api_version: u64,
    /// When a ready pod becomes available (minReadySeconds).
    wake: Option<SimTime>,
}

impl StatefulSetController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let due = self.wake.is_some_and(|at| at <= now);
        let changed = api.kind_changed_since::<StatefulSet>(seen)
            || api.kind_changed_since::<Pod>(seen)
            || api.kind_changed_since::<ControllerRevision>(seen);
        if !due && !changed {
            return self.wake;
        }
        let sets: Vec<StatefulSet> = api.list::<StatefulSet>(None).cloned().collect();
        let mut wake = None;
        for set in &sets {
            if let Some(at) = sync(api, set, now) {
                wake = Some(wake.map_or(at, |w: SimTime| w.min(at)));
            }
        }
        self.seen_api_version = api.resource_version();
        self.wake = wake;
        wake
    }
}

/// `getOrdinal`: the number after the last dash of a pod's name, for pods of this set.
fn ordinal(set_name: &str, pod: &Pod) -> Option<i32> {
    let name = podutil::name(pod);
    let (parent, number) = name.rsplit_once('-')?;
    if parent != set_name || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

fn revision_of(pod: &Pod) -> Option<&str> {
    pod.metadata.labels.as_ref()?.get(CONTROLLER_REVISION_HASH).map(String::as_str)
}

fn is_running_and_ready(pod: &Pod) -> bool {
    podutil::phase(pod) == "Running" && is_ready(pod)
}

fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

fn event(api: &mut ApiServer, set: &StatefulSet, kind: EventType, reason: &str, message: String) {
    let source = EventSource { component: COMPONENT, host: None };
    api.record_event(set, None, source, kind, reason, message);
}

/// The revision for the set's current template, created (or renumbered) when needed.
fn update_revision(
    api: &mut ApiServer,
    set: &StatefulSet,
) -> Option<(ControllerRevision, Option<i32>)> {
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let name = set.metadata.name.clone().unwrap_or_default();
    let template = set.spec.as_ref()?.template.clone();
    history::adopt_orphans(api, set, &set.spec.as_ref()?.selector);
    let revisions = history::owned(api, &namespace, &uid);
    // The set's collision count is always given, 0 when unset.
    let mut collisions = Some(set.status.as_ref().and_then(|s| s.collision_count).unwrap_or(0));
    for _ in 0..8 {
        let data = history::template_patch(&template);
        let hash = history::hash_revision_data(&data, collisions);
        let mut labels =
            template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
        labels.insert(REVISION_HASH_LABEL.into(), hash.clone());
        let snapshot =
            history::Snapshot { name: history::revision_name(&name, &hash), labels, data };
        match history::ensure_current(api, set, &revisions, snapshot) {
            Ok(revision) => return Some((revision, collisions)),
            Err(history::Collision) => collisions = Some(collisions.unwrap_or(0) + 1),
        }
    }
    None
}

/// `newVersionedStatefulSetPod`: the pod for `ordinal` from the template of `revision`.
fn new_pod(set: &StatefulSet, template: &PodTemplateSpec, revision: &str, ordinal: i32) -> Pod {
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let name = format!("{set_name}-{ordinal}");
    let mut pod = pod_control::pod_from_template(template, controller_ref(set), String::new());
    pod.metadata.generate_name = None;
    pod.metadata.name = Some(name.clone());
    pod.metadata.namespace = set.metadata.namespace.clone();
    let labels = pod.metadata.labels.get_or_insert_with(Default::default);
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    labels.insert(CONTROLLER_REVISION_HASH.into(), revision.to_string());
    let spec = set.spec.clone().unwrap_or_default();
    if let Some(pod_spec) = pod.spec.as_mut() {
        pod_spec.hostname = Some(name.clone());
        if !spec.service_name.as_deref().unwrap_or_default().is_empty() {
            pod_spec.subdomain = spec.service_name.clone();
        }
        // updateStorage: each claim template becomes the pod's volume of that name.
        for claim in spec.volume_claim_templates.iter().flatten() {
            let claim_name = claim.metadata.name.clone().unwrap_or_default();
            let volumes = pod_spec.volumes.get_or_insert_with(Vec::new);
            volumes.retain(|v| v.name != claim_name);
            volumes.push(Volume {
                name: claim_name.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: format!("{claim_name}-{name}"),
                    read_only: None,
                }),
                ..Default::default()
            });
        }
    }
    pod
}

/// `createPersistentVolumeClaims`: each claim template the pod does not have a claim for yet
/// becomes one (`CLAIM-POD`), labelled with the set's selector. Claims outlive the pods: the
/// default retention policy (Retain on deletion and scale-down) gives them no owner.
fn create_claims(api: &mut ApiServer, set: &StatefulSet, pod: &Pod) {
    let Some(spec) = set.spec.as_ref() else { return };
    let namespace = podutil::namespace(pod).to_string();
    let pod_name = podutil::name(pod).to_string();
    let set_name = set.metadata.name.clone().unwrap_or_default();
    for template in spec.volume_claim_templates.iter().flatten() {
        let name = format!("{}-{pod_name}", template.metadata.name.as_deref().unwrap_or_default());
        if api.get::<PersistentVolumeClaim>(&namespace, &name).is_ok() {
            continue;
        }
        let mut claim = template.clone();
        claim.metadata = ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.clone()),
            labels: template.metadata.labels.clone(),
            annotations: template.metadata.annotations.clone(),
            ..Default::default()
        };
        let labels = claim.metadata.labels.get_or_insert_with(Default::default);
        for (key, value) in spec.selector.match_labels.iter().flatten() {
            labels.insert(key.clone(), value.clone());
        }
        claim.status = None;
        match api.create(claim) {
            Ok(_) => event(
                api,
                set,
                EventType::Normal,
                "SuccessfulCreate",
                format!("create Claim {name} Pod {pod_name} in StatefulSet {set_name} success"),
            ),
            Err(error) => event(
                api,
                set,
                EventType::Warning,
                "FailedCreate",
                format!(
                    "create Claim {name} for Pod {pod_name} in StatefulSet {set_name} failed error: {error}"
                ),
            ),
        }
    }
}

fn create(api: &mut ApiServer, set: &StatefulSet, pod: Pod) {
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let pod_name = podutil::name(&pod).to_string();
    create_claims(api, set, &pod);
    match api.create(pod) {
        Ok(_) => event(
            api,
            set,
            EventType::Normal,
            "SuccessfulCreate",
            format!("create Pod {pod_name} in StatefulSet {set_name} successful"),
        ),
        Err(error) => event(
            api,
            set,
            EventType::Warning,
            "FailedCreate",
            format!("create Pod {pod_name} in StatefulSet {set_name} failed error: {error}"),
        ),
    }
}

fn delete(api: &mut ApiServer, set: &StatefulSet, pod: &Pod) {
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let pod_name = podutil::name(pod).to_string();
    match api.delete::<Pod>(podutil::namespace(pod), &pod_name, DeleteOptions::default()) {
        Ok(_) => event(
            api,
            set,
            EventType::Normal,
            "SuccessfulDelete",
            format!("delete Pod {pod_name} in StatefulSet {set_name} successful"),
        ),
        Err(error) => event(
            api,
            set,
            EventType::Warning,
            "FailedDelete",
            format!("delete Pod {pod_name} in StatefulSet {set_name} failed error: {error}"),
        ),
    }
}

/// `ClaimPods`: orphans the selector matches and that are named like the set's pods are
/// adopted; returns the set's pods.
fn claim_pods(api: &mut ApiServer, set: &StatefulSet) -> Vec<Pod> {
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let selector = set.spec.as_ref().and_then(|s| pod_control::workload_selector(&s.selector));
    let orphans: Vec<String> = api
        .list::<Pod>(Some(&namespace))
        .filter(|p| {
            !p.metadata.owner_references.iter().flatten().any(|r| r.controller == Some(true))
                && !is_terminating(p)
                && ordinal(&set_name, p).is_some()
                && selector.as_ref().is_some_and(|s| s.matches(p.metadata.labels.as_ref()))
        })
        .map(|p| podutil::name(p).to_string())
        .collect();
    if set.metadata.deletion_timestamp.is_none() {
        for name in orphans {
            let _ = api.update::<Pod>(&namespace, &name, |pod| {
                pod.metadata
                    .owner_references
                    .get_or_insert_with(Vec::new)
                    .push(controller_ref(set));
            });
        }
    }
    api.list::<Pod>(Some(&namespace))
        .filter(|p| is_controlled_by(&p.metadata, &uid))
        .cloned()
        .collect()
}

/// One `syncStatefulSet`. Returns when a pod becomes available, if the set waits for that.
fn sync(api: &mut ApiServer, set: &StatefulSet, now: SimTime) -> Option<SimTime> {
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let spec = set.spec.clone().unwrap_or_default();
    let pods = claim_pods(api, set);
    if set.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let (update, collisions) = update_revision(api, set)?;
    let update_name = update.metadata.name.clone().unwrap_or_default();
    let revisions = history::owned(api, &namespace, set.metadata.uid.as_deref().unwrap_or(""));
    let current = set
        .status
        .as_ref()
        .and_then(|s| s.current_revision.as_ref())
        .and_then(|name| revisions.iter().find(|r| r.metadata.name.as_ref() == Some(name)))
        .cloned()
        .unwrap_or_else(|| update.clone());
    let current_name = current.metadata.name.clone().unwrap_or_default();
    let current_template = history::template_of(&current).unwrap_or_else(|| spec.template.clone());
    let min_ready = Duration::from_secs(spec.min_ready_seconds.unwrap_or(0).max(0) as u64);

    let replicas = spec.replicas.unwrap_or(1).max(0);
    let start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0).max(0);
    let rolling =
        spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref()) != Some("OnDelete");
    let partition = spec
        .update_strategy
        .as_ref()
        .and_then(|s| s.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .unwrap_or(0);
    let monotonic = spec.pod_management_policy.as_deref() != Some("Parallel");

    let mut slots: Vec<Option<Pod>> = vec![None; replicas as usize];
    let mut condemned: Vec<(i32, Pod)> = Vec::new();
    for pod in &pods {
        let Some(ord) = ordinal(&set_name, pod) else { continue };
        if ord >= start && ord < start + replicas {
            slots[(ord - start) as usize] = Some(pod.clone());
        } else {
            condemned.push((ord, pod.clone()));
        }
    }
    crate::sort::sort_by_key(&mut condemned, |c| std::cmp::Reverse(c.0));

    let versioned = |ord: i32| {
        let old = rolling && ord < partition;
        if old && current_name != update_name {
            new_pod(set, &current_template, &current_name, ord)
        } else {
            new_pod(set, &spec.template, &update_name, ord)
        }
    };
    let is_available = |pod: &Pod| {
        is_running_and_ready(pod)
            && pod_control::available_at(pod, min_ready).is_some_and(|at| at <= now)
    };
    let mut wake = None;
    let mut note_wake = |pod: &Pod| {
        if let Some(at) = pod_control::available_at(pod, min_ready).filter(|at| *at > now) {
            wake = Some(wake.map_or(at, |w: SimTime| w.min(at)));
        }
    };

    'manage: {
        for (i, slot) in slots.iter_mut().enumerate() {
            let ord = start + i as i32;
            if let Some(pod) = slot.as_ref()
                && podutil::is_terminal(pod)
                && !is_terminating(pod)
            {
                if podutil::phase(pod) == "Failed" {
                    event(
                        api,
                        set,
                        EventType::Warning,
                        "RecreatingFailedPod",
                        format!(
                            "StatefulSet {namespace}/{set_name} is recreating failed Pod {}",
                            podutil::name(pod)
                        ),
                    );
                }
                delete(api, set, pod);
                *slot = None;
                if monotonic {
                    break 'manage;
                }
                continue;
            }
            let Some(pod) = slot.as_ref() else {
                create(api, set, versioned(ord));
                if monotonic {
                    break 'manage;
                }
                continue;
            };
            if is_terminating(pod) {
                if monotonic {
                    break 'manage;
                }
                continue;
            }
            if !is_available(pod) && monotonic {
                note_wake(pod);
                break 'manage;
            }
        }
        for (_, pod) in &condemned {
            if is_terminating(pod) {
                if monotonic {
                    break 'manage;
                }
                continue;
            }
            delete(api, set, pod);
            if monotonic {
                break 'manage;
            }
        }
        if !rolling {
            break 'manage;
        }
        for i in (0..slots.len()).rev() {
            let ord = start + i as i32;
            if ord < partition {
                break;
            }
            let Some(pod) = slots[i].as_ref() else { break 'manage };
            if revision_of(pod) != Some(update_name.as_str()) && !is_terminating(pod) {
                delete(api, set, pod);
                break 'manage;
            }
            if !is_available(pod) {
                note_wake(pod);
                break 'manage;
            }
        }
    }

    // Status from the set's pods as they are now.
    let pods = claim_pods(api, set);
    let mut status = StatefulSetStatus {
        observed_generation: set.metadata.generation,
        collision_count: collisions,
        update_revision: Some(update_name.clone()),
        current_revision: Some(current_name.clone()),
        ..Default::default()
    };
    let (mut ready, mut available, mut current_count, mut updated) = (0, 0, 0, 0);
    for pod in pods.iter().filter(|p| !podutil::is_terminal(p)) {
        status.replicas += 1;
        if is_running_and_ready(pod) {
            ready += 1;
            if is_available(pod) {
                available += 1;
            } else {
                note_wake(pod);
            }
        }
        if !is_terminating(pod) {
            if revision_of(pod) == Some(current_name.as_str()) {
                current_count += 1;
            }
            if revision_of(pod) == Some(update_name.as_str()) {
                updated += 1;
            }
        }
    }
    status.ready_replicas = Some(ready).filter(|n| *n > 0);
    status.available_replicas = Some(available);
    status.current_replicas = Some(current_count).filter(|n| *n > 0);
    status.updated_replicas = Some(updated).filter(|n| *n > 0);
    // completeRollingUpdate: once every pod runs the update revision it becomes current.
    if rolling && updated == status.replicas && ready == status.replicas {
        status.current_revision = Some(update_name.clone());
        status.current_replicas = status.updated_replicas;
    }
    let _ = api.update::<StatefulSet>(&namespace, &set_name, |stored| {
        stored.status = Some(status.clone())
    });

    let live: std::collections::BTreeSet<String> = [current_name, update_name]
        .into_iter()
        .chain(pods.iter().filter_map(revision_of).map(str::to_string))
        .collect();
    history::truncate(api, &revisions, &live, spec.revision_history_limit.unwrap_or(10));
    wake
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn pod(name: &str) -> Pod {
        Pod {
            metadata: ObjectMeta { name: Some(name.into()), ..Default::default() },
            ..Default::default()
        }
    }

    #[test]
    fn ordinals_come_from_names_of_the_sets_own_pods() {
        assert_eq!(ordinal("web", &pod("web-0")), Some(0));
        assert_eq!(ordinal("web", &pod("web-12")), Some(12));
        assert_eq!(ordinal("web", &pod("web-x")), None);
        assert_eq!(ordinal("web", &pod("webby-1")), None);
        assert_eq!(ordinal("my-web", &pod("my-web-3")), Some(3));
    }
}
