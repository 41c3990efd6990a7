//! kubectl's HorizontalPodAutoscaler describer (autoscaling/v2): the target, each metric's
//! current value against its target, the replica bounds, behavior, and conditions.

use super::{SKIPPED_ANNOTATIONS, Writer, date, text};
use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscaler};
use serde_json::Value;

pub(super) fn describe_hpa(w: &mut Writer, object: &Value) {
    let hpa: HorizontalPodAutoscaler = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = hpa.spec.clone().unwrap_or_default();
    let status = hpa.status.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(
        0,
        format!("CreationTimestamp:\t{}", date(&text(object, "/metadata/creationTimestamp"))),
    );
    let target = &spec.scale_target_ref;
    w.line(0, format!("Reference:\t{}/{}", target.kind, target.name));
    w.line(0, "Metrics:\t( current / target )");
    let current = status.current_metrics.clone().unwrap_or_default();
    for (i, metric) in spec.metrics.iter().flatten().enumerate() {
        let Some(resource) = metric.resource.as_ref().filter(|_| metric.type_ == "Resource") else {
            w.line(1, format!("{} metric:\t<unknown> / <unknown>", metric.type_));
            continue;
        };
        let now = current.get(i).and_then(|m| m.resource.as_ref()).map(|r| &r.current);
        if let Some(value) = &resource.target.average_value {
            let shown = now
                .and_then(|c| c.average_value.as_ref())
                .map_or("<unknown>".into(), |q| q.0.clone());
            w.line(1, format!("resource {} on pods:\t{shown} / {}", resource.name, value.0));
        } else {
            let shown = now
                .and_then(|c| {
                    let utilization = c.average_utilization?;
                    let value = c.average_value.as_ref().map_or(String::new(), |q| q.0.clone());
                    Some(format!("{utilization}% ({value})"))
                })
                .unwrap_or_else(|| "<unknown>".into());
            let wanted = resource
                .target
                .average_utilization
                .map_or("<auto>".to_string(), |u| format!("{u}%"));
            w.line(
                1,
                format!(
                    "resource {} on pods  (as a percentage of request):\t{shown} / {wanted}",
                    resource.name
                ),
            );
        }
    }
    let min = spec.min_replicas.map_or("<unset>".to_string(), |m| m.to_string());
    w.line(0, format!("Min replicas:\t{min}"));
    w.line(0, format!("Max replicas:\t{}", spec.max_replicas));
    if let Some(behavior) = &spec.behavior {
        w.line(0, "Behavior:");
        direction(w, "Scale Up", behavior.scale_up.as_ref());
        direction(w, "Scale Down", behavior.scale_down.as_ref());
    }
    w.line(
        0,
        format!(
            "{} pods:\t{} current / {} desired",
            target.kind,
            status.current_replicas.unwrap_or(0),
            status.desired_replicas
        ),
    );
    let conditions = status.conditions.unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tReason\tMessage");
        w.line(1, "----\t------\t------\t-------");
        for c in conditions {
            w.line(
                1,
                format!(
                    "{}\t{}\t{}\t{}",
                    c.type_,
                    c.status,
                    c.reason.unwrap_or_default(),
                    c.message.unwrap_or_default()
                ),
            );
        }
    }
}

/// `printDirectionBehavior`.
fn direction(w: &mut Writer, title: &str, rules: Option<&HPAScalingRules>) {
    let Some(rules) = rules else { return };
    w.line(1, format!("{title}:"));
    if let Some(window) = rules.stabilization_window_seconds {
        w.line(2, format!("Stabilization Window: {window} seconds"));
    }
    let policies = rules.policies.clone().unwrap_or_default();
    if !policies.is_empty() {
        w.line(2, format!("Select Policy: {}", rules.select_policy.as_deref().unwrap_or("Max")));
        w.line(2, "Policies:");
        for p in policies {
            w.line(
                3,
                format!(
                    "- Type: {}\tValue: {}\tPeriod: {} seconds",
                    p.type_, p.value, p.period_seconds
                ),
            );
        }
    }
}
