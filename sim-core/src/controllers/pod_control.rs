//! How controllers make and remove the pods they own (`controller_utils.go`'s `PodControl`): a
//! pod from the owner's template named `OWNER-xxxxx`, a controller reference back to the owner,
//! and the owner's SuccessfulCreate / SuccessfulDelete events (or FailedCreate / FailedDelete).

use crate::api::selector::Selector;
use crate::api::{ApiServer, DeleteOptions, EventSource, EventType, Kind};
use crate::podutil;
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use std::collections::BTreeMap;

/// `metav1.NewControllerRef`: the owner as the pod's managing controller, which blocks the
/// owner's foreground deletion until the pod is gone.
pub fn controller_ref<K: Kind>(owner: &K) -> OwnerReference {
    OwnerReference {
        api_version: K::API_VERSION.to_string(),
        kind: K::KIND.to_string(),
        name: owner.meta().name.clone().unwrap_or_default(),
        uid: owner.meta().uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Whether `object` is managed by the owner with this uid.
pub fn is_controlled_by(meta: &ObjectMeta, owner_uid: &str) -> bool {
    meta.owner_references.iter().flatten().any(|r| r.controller == Some(true) && r.uid == owner_uid)
}

/// `GetPodFromTemplate`: the template's labels, annotations, finalizers and spec, named from
/// `generate_name`, controlled by the owner.
pub fn pod_from_template(
    template: &PodTemplateSpec,
    owner: OwnerReference,
    generate_name: String,
) -> Pod {
    let metadata = template.metadata.clone().unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(generate_name),
            labels: metadata.labels,
            annotations: metadata.annotations,
            finalizers: metadata.finalizers,
            owner_references: Some(vec![owner]),
            ..Default::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

/// Creates a pod on behalf of `owner`, recording the owner's event. Returns the stored pod.
pub fn create_pod<K: Kind>(
    api: &mut ApiServer,
    owner: &K,
    mut pod: Pod,
    component: &str,
) -> Option<Pod> {
    pod.metadata.namespace = owner.meta().namespace.clone();
    let source = EventSource { component, host: None };
    match api.create(pod) {
        Ok(pod) => {
            let message = format!("Created pod: {}", podutil::name(&pod));
            api.record_event(owner, None, source, EventType::Normal, "SuccessfulCreate", message);
            Some(pod)
        }
        Err(error) => {
            let message = format!("Error creating: {error}");
            api.record_event(owner, None, source, EventType::Warning, "FailedCreate", message);
            None
        }
    }
}

/// Deletes one of `owner`'s pods (gracefully, as a client's DELETE does), recording the owner's
/// event. Returns whether the request succeeded.
pub fn delete_pod<K: Kind>(api: &mut ApiServer, owner: &K, pod: &Pod, component: &str) -> bool {
    let source = EventSource { component, host: None };
    let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
    match api.delete::<Pod>(namespace, name, DeleteOptions::default()) {
        Ok(_) => {
            let message = format!("Deleted pod: {name}");
            api.record_event(owner, None, source, EventType::Normal, "SuccessfulDelete", message);
            true
        }
        Err(error) => {
            let message = format!("Error deleting: {error}");
            api.record_event(owner, None, source, EventType::Warning, "FailedDelete", message);
            false
        }
    }
}

/// A workload's `spec.selector` as the controllers use it: an empty one would match every pod,
/// so (as the API refuses it) it matches none.
pub fn workload_selector(selector: &LabelSelector) -> Option<Selector> {
    if selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
    {
        return None;
    }
    Selector::from_label_selector(selector)
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// When a ready pod counts as available (`podutil.IsPodAvailable`): `min_ready` after its Ready
/// condition turned True; `None` while it is not ready.
pub fn available_at(pod: &Pod, min_ready: std::time::Duration) -> Option<crate::time::SimTime> {
    let condition = pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")?;
    if min_ready.is_zero() {
        return Some(crate::time::SimTime::from_unix_ms(0));
    }
    let since = condition.last_transition_time.as_ref().map(crate::time::SimTime::from_k8s)?;
    Some(since + min_ready)
}

/// `FilterActivePods`: pods neither finished nor being deleted.
pub fn is_active(pod: &Pod) -> bool {
    !podutil::is_terminal(pod) && pod.metadata.deletion_timestamp.is_none()
}
