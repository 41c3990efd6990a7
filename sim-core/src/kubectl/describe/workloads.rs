//! kubectl's describers for the workload controllers: deployments and replica sets, with their
//! pod template, replica counts, conditions and the replica sets or pods they own.

use super::{SKIPPED_ANNOTATIONS, Writer, containers, date, text, tolerations, volumes};
use crate::api::ApiServer;
use crate::api::selector::Selector;
use crate::controllers::deployment::util;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::Value;

pub(super) fn describe_deployment(w: &mut Writer, api: &ApiServer, object: &Value) {
    let deployment: Deployment = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = deployment.spec.clone().unwrap_or_default();
    let status = deployment.status.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
    w.line(
        0,
        format!("CreationTimestamp:\t{}", date(&text(object, "/metadata/creationTimestamp"))),
    );
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, format!("Selector:\t{}", label_selector(&spec.selector)));
    w.line(
        0,
        format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable",
            spec.replicas.unwrap_or(1),
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    w.line(0, format!("StrategyType:\t{}", strategy.type_.clone().unwrap_or_default()));
    w.line(0, format!("MinReadySeconds:\t{}", spec.min_ready_seconds.unwrap_or(0)));
    if let Some(rolling) = &strategy.rolling_update {
        let shown = |value: &Option<_>| match value {
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => {
                n.to_string()
            }
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s.clone(),
            None => "<nil>".to_string(),
        };
        w.line(
            0,
            format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge",
                shown(&rolling.max_unavailable),
                shown(&rolling.max_surge)
            ),
        );
    }
    pod_template(w, &spec.template);
    conditions(w, object);
    let uid = deployment.metadata.uid.clone().unwrap_or_default();
    let namespace = deployment.metadata.namespace.clone().unwrap_or_default();
    let owned: Vec<&ReplicaSet> = api
        .list::<ReplicaSet>(Some(&namespace))
        .filter(|rs| rs.metadata.owner_references.iter().flatten().any(|r| r.uid == uid))
        .collect();
    // The new replica set runs the current template (its pod-template-hash label aside); the
    // old ones shown are those that still have replicas (`FindOldReplicaSets`).
    let is_current = |rs: &ReplicaSet| {
        rs.spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .is_some_and(|t| util::equal_ignore_hash(t, &spec.template))
    };
    let (new, old): (Vec<&ReplicaSet>, Vec<&ReplicaSet>) =
        owned.into_iter().partition(|rs| is_current(rs));
    let old: Vec<&ReplicaSet> = old.into_iter().filter(|rs| util::rs_replicas(rs) != 0).collect();
    w.line(0, format!("OldReplicaSets:\t{}", replica_sets(&old)));
    w.line(0, format!("NewReplicaSet:\t{}", replica_sets(&new)));
}

pub(super) fn describe_replica_set(w: &mut Writer, api: &ApiServer, object: &Value) {
    let replica_set: ReplicaSet = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = replica_set.spec.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
    w.line(0, format!("Selector:\t{}", label_selector(&spec.selector)));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    if let Some(owner) =
        replica_set.metadata.owner_references.iter().flatten().find(|r| r.controller == Some(true))
    {
        w.line(0, format!("Controlled By:\t{}/{}", owner.kind, owner.name));
    }
    w.line(
        0,
        format!(
            "Replicas:\t{} current / {} desired",
            replica_set.status.as_ref().map_or(0, |s| s.replicas),
            spec.replicas.unwrap_or(1)
        ),
    );
    let uid = replica_set.metadata.uid.clone().unwrap_or_default();
    let namespace = replica_set.metadata.namespace.clone().unwrap_or_default();
    let selector = Selector::from_label_selector(&spec.selector);
    let mut counts = [0; 4];
    for pod in api.list::<Pod>(Some(&namespace)) {
        let controlled = pod.metadata.owner_references.iter().flatten().any(|r| r.uid == uid);
        let selected = selector.as_ref().is_some_and(|s| s.matches(pod.metadata.labels.as_ref()));
        if !(controlled && selected) {
            continue;
        }
        match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => counts[0] += 1,
            Some("Succeeded") => counts[2] += 1,
            Some("Failed") => counts[3] += 1,
            _ => counts[1] += 1,
        }
    }
    w.line(
        0,
        format!(
            "Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed",
            counts[0], counts[1], counts[2], counts[3]
        ),
    );
    pod_template(w, &spec.template.clone().unwrap_or_default());
    conditions(w, object);
}

/// kubectl's `DescribePodTemplate`.
pub(super) fn pod_template(w: &mut Writer, template: &PodTemplateSpec) {
    w.line(0, "Pod Template:");
    let metadata = serde_json::to_value(&template.metadata).unwrap_or_default();
    w.map(1, "Labels", metadata.pointer("/labels"), &[]);
    if metadata.pointer("/annotations").and_then(Value::as_object).is_some_and(|a| !a.is_empty()) {
        w.map(1, "Annotations", metadata.pointer("/annotations"), &[]);
    }
    let spec = template.spec.clone().unwrap_or_default();
    if let Some(account) = spec.service_account_name.as_deref().filter(|a| !a.is_empty()) {
        w.line(1, format!("Service Account:\t{account}"));
    }
    if let Some(init) = spec.init_containers.as_deref().filter(|c| !c.is_empty()) {
        w.line(1, "Init Containers:");
        containers(w, init, &[], " ");
    }
    if spec.containers.is_empty() {
        w.line(1, "Containers: <none>");
    } else {
        w.line(1, "Containers:");
    }
    containers(w, &spec.containers, &[], " ");
    volumes(w, 1, spec.volumes.as_deref().unwrap_or_default(), " ");
    let node_selector = serde_json::to_value(&spec.node_selector).unwrap_or_default();
    w.map(1, "Node-Selectors", Some(&node_selector), &[]);
    w.list(1, "Tolerations", &tolerations(spec.tolerations.as_deref().unwrap_or_default()));
    if let Some(class) = spec.priority_class_name.as_deref().filter(|c| !c.is_empty()) {
        w.line(1, format!("Priority Class Name:\t{class}"));
    }
}

fn conditions(w: &mut Writer, object: &Value) {
    let conditions = object.pointer("/status/conditions").and_then(Value::as_array);
    let Some(conditions) = conditions.filter(|c| !c.is_empty()) else { return };
    w.line(0, "Conditions:");
    w.line(1, "Type\tStatus\tReason");
    w.line(1, "----\t------\t------");
    for condition in conditions {
        w.line(
            1,
            format!(
                "{} \t{}\t{}",
                text(condition, "/type"),
                text(condition, "/status"),
                text(condition, "/reason")
            ),
        );
    }
}

/// `web-7d4b9c8f5d (3/3 replicas created)`, joined; `<none>` when there are none.
fn replica_sets(sets: &[&ReplicaSet]) -> String {
    if sets.is_empty() {
        return "<none>".to_string();
    }
    sets.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                rs.metadata.name.clone().unwrap_or_default(),
                rs.status.as_ref().map_or(0, |s| s.replicas),
                rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// apimachinery's `FormatLabelSelector`: `app=web,tier in (a,b),!legacy`.
pub(super) fn label_selector(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> =
        selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for expression in selector.match_expressions.iter().flatten() {
        let values = expression.values.clone().unwrap_or_default().join(",");
        parts.push(match expression.operator.as_str() {
            "In" => format!("{} in ({values})", expression.key),
            "NotIn" => format!("{} notin ({values})", expression.key),
            "Exists" => expression.key.clone(),
            "DoesNotExist" => format!("!{}", expression.key),
            other => format!("{} {other} ({values})", expression.key),
        });
    }
    if parts.is_empty() { "<none>".to_string() } else { parts.join(",") }
}
