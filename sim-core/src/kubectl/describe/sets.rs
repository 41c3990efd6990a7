//! kubectl's describers for DaemonSets and StatefulSets: their node or replica counts, pod
//! states, pod template and (for StatefulSets) volume claim templates.

use super::workloads::{label_selector, pod_template};
use super::{SKIPPED_ANNOTATIONS, Writer, date, text};
use crate::api::ApiServer;
use k8s_openapi::api::apps::v1::{DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

/// `Pods Status:  N Running / N Waiting / N Succeeded / N Failed` of the pods `uid` controls.
fn pods_status(api: &ApiServer, namespace: &str, uid: &str) -> String {
    let mut counts = [0; 4];
    for pod in api.list::<Pod>(Some(namespace)) {
        if !crate::controllers::pod_control::is_controlled_by(&pod.metadata, uid) {
            continue;
        }
        match crate::podutil::phase(pod) {
            "Running" => counts[0] += 1,
            "Succeeded" => counts[2] += 1,
            "Failed" => counts[3] += 1,
            _ => counts[1] += 1,
        }
    }
    format!(
        "Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed",
        counts[0], counts[1], counts[2], counts[3]
    )
}

pub(super) fn describe_daemon_set(w: &mut Writer, api: &ApiServer, object: &Value) {
    let set: DaemonSet = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = set.spec.clone().unwrap_or_default();
    let status = set.status.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
    w.line(0, format!("Selector:\t{}", label_selector(&spec.selector)));
    let node_selector: Vec<String> = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.as_ref())
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let node_selector =
        if node_selector.is_empty() { "<none>".to_string() } else { node_selector.join(",") };
    w.line(0, format!("Node-Selector:\t{node_selector}"));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, format!("Desired Number of Nodes Scheduled: {}", status.desired_number_scheduled));
    w.line(0, format!("Current Number of Nodes Scheduled: {}", status.current_number_scheduled));
    w.line(
        0,
        format!(
            "Number of Nodes Scheduled with Up-to-date Pods: {}",
            status.updated_number_scheduled.unwrap_or(0)
        ),
    );
    w.line(
        0,
        format!(
            "Number of Nodes Scheduled with Available Pods: {}",
            status.number_available.unwrap_or(0)
        ),
    );
    w.line(0, format!("Number of Nodes Misscheduled: {}", status.number_misscheduled));
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    w.line(0, pods_status(api, &namespace, set.metadata.uid.as_deref().unwrap_or_default()));
    pod_template(w, &spec.template);
}

pub(super) fn describe_stateful_set(w: &mut Writer, api: &ApiServer, object: &Value) {
    let set: StatefulSet = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = set.spec.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
    w.line(
        0,
        format!("CreationTimestamp:\t{}", date(&text(object, "/metadata/creationTimestamp"))),
    );
    w.line(0, format!("Selector:\t{}", label_selector(&spec.selector)));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(
        0,
        format!(
            "Replicas:\t{} desired | {} total",
            spec.replicas.unwrap_or(1),
            set.status.as_ref().map_or(0, |s| s.replicas)
        ),
    );
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    w.line(0, format!("Update Strategy:\t{}", strategy.type_.clone().unwrap_or_default()));
    if let Some(partition) = strategy.rolling_update.as_ref().and_then(|r| r.partition) {
        w.line(1, format!("Partition:\t{partition}"));
    }
    let namespace = set.metadata.namespace.clone().unwrap_or_default();
    w.line(0, pods_status(api, &namespace, set.metadata.uid.as_deref().unwrap_or_default()));
    pod_template(w, &spec.template);
    // The claims these templates stand for are made once the lab simulates storage.
    let claims = spec.volume_claim_templates.unwrap_or_default();
    if claims.is_empty() {
        w.line(0, "Volume Claims:\t<none>");
        return;
    }
    w.line(0, "Volume Claims:");
    for claim in claims {
        let value = serde_json::to_value(&claim).unwrap_or_default();
        w.line(1, format!("Name:\t{}", claim.metadata.name.clone().unwrap_or_default()));
        let class =
            claim.spec.as_ref().and_then(|s| s.storage_class_name.clone()).unwrap_or_default();
        w.line(1, format!("StorageClass:\t{class}"));
        w.map(1, "Labels", value.pointer("/metadata/labels"), &[]);
        w.map(1, "Annotations", value.pointer("/metadata/annotations"), &[]);
        let capacity = claim
            .spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .map_or("<default>".to_string(), |q| q.0.clone());
        w.line(1, format!("Capacity:\t{capacity}"));
        let modes = claim.spec.as_ref().and_then(|s| s.access_modes.clone()).unwrap_or_default();
        w.line(1, format!("Access Modes:\t[{}]", modes.join(" ")));
    }
}
