//! The HorizontalPodAutoscaler controller (`pkg/controller/podautoscaler`): every 15 s
//! (`--horizontal-pod-autoscaler-sync-period`) it reads the target's scale, the resource
//! metrics of the target's pods (metrics.k8s.io, from metrics-server), computes
//! `desiredReplicas = ceil(currentReplicas × currentUtilization / targetUtilization)` with
//! Kubernetes' 0.1 tolerance and its treatment of missing metrics and not-yet-ready pods,
//! stabilizes and limits the recommendation (the 300 s scale-down window; without `behavior`
//! the legacy scale-up limit max(2×, 4), with it the scaling policies), writes the target's
//! `spec.replicas`, and reports status, conditions and SuccessfulRescale events.

use crate::api::admission::workloads::{default_scale_down, default_scale_up};
use crate::api::metrics::PodMetrics;
use crate::api::selector::Selector;
use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::{
    HPAScalingRules, HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition,
    HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus, MetricValueStatus,
    ResourceMetricStatus,
};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const COMPONENT: &str = "horizontal-pod-autoscaler";
/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: Duration = Duration::from_secs(15);
/// `--horizontal-pod-autoscaler-tolerance`.
const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
const DOWNSCALE_STABILIZATION: Duration = Duration::from_secs(300);
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
const CPU_INITIALIZATION_PERIOD: Duration = Duration::from_secs(300);
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
const INITIAL_READINESS_DELAY: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct HorizontalController {
    seen_api_version: u64,
    /// What the controller keeps per HPA (by uid): its schedule, recommendations, scale events.
    autoscalers: BTreeMap<String, Memory>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Memory {
    namespace: String,
    name: String,
    next_sync: Option<SimTime>,
    /// Recent unstabilized recommendations: (when, replicas).
    recommendations: Vec<(SimTime, i32)>,
    /// Recent scale changes, for the behavior policies' periods: (when, +added / -removed).
    scale_events: Vec<(SimTime, i32)>,
}

impl HorizontalController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        if api.kind_changed_since::<HorizontalPodAutoscaler>(seen) {
            for hpa in api.changed_since::<HorizontalPodAutoscaler>(seen) {
                let Some(uid) = hpa.metadata.uid.clone() else { continue };
                // A new HPA waits one period before its first sync (the controller's queue
                // adds every HPA with the sync period as its rate limit).
                self.autoscalers.entry(uid).or_insert_with(|| Memory {
                    namespace: hpa.metadata.namespace.clone().unwrap_or_default(),
                    name: hpa.metadata.name.clone().unwrap_or_default(),
                    next_sync: Some(now + SYNC_PERIOD),
                    ..Default::default()
                });
            }
            let deleted: Vec<String> = api
                .deleted_since::<HorizontalPodAutoscaler>(seen)
                .filter_map(|h| h.metadata.uid.clone())
                .collect();
            for uid in deleted {
                self.autoscalers.remove(&uid);
            }
        }
        let due: Vec<String> = self
            .autoscalers
            .iter()
            .filter(|(_, m)| m.next_sync.is_some_and(|at| at <= now))
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in due {
            let Some(memory) = self.autoscalers.get_mut(&uid) else { continue };
            memory.next_sync = Some(now + SYNC_PERIOD);
            let hpa = api
                .get::<HorizontalPodAutoscaler>(&memory.namespace, &memory.name)
                .ok()
                .filter(|h| h.metadata.uid.as_deref() == Some(uid.as_str()))
                .cloned();
            if let Some(hpa) = hpa {
                reconcile_autoscaler(api, &hpa, memory, now);
            }
        }
        self.seen_api_version = api.resource_version();
        self.autoscalers.values().filter_map(|m| m.next_sync).min()
    }
}

/// The target's scale subresource: replicas and the selector of its pods.
struct Scale {
    replicas: i32,
    selector: Option<LabelSelector>,
}

fn get_scale(api: &ApiServer, namespace: &str, kind: &str, name: &str) -> Result<Scale, String> {
    let error = |e: crate::api::ApiError| e.to_string();
    match kind {
        "Deployment" => {
            let d = api.get::<Deployment>(namespace, name).map_err(error)?;
            let spec = d.spec.clone().unwrap_or_default();
            Ok(Scale { replicas: spec.replicas.unwrap_or(1), selector: Some(spec.selector) })
        }
        "ReplicaSet" => {
            let r = api.get::<ReplicaSet>(namespace, name).map_err(error)?;
            let spec = r.spec.clone().unwrap_or_default();
            Ok(Scale { replicas: spec.replicas.unwrap_or(1), selector: Some(spec.selector) })
        }
        "StatefulSet" => {
            let s = api.get::<StatefulSet>(namespace, name).map_err(error)?;
            let spec = s.spec.clone().unwrap_or_default();
            Ok(Scale { replicas: spec.replicas.unwrap_or(1), selector: Some(spec.selector) })
        }
        "ReplicationController" => {
            let r = api.get::<ReplicationController>(namespace, name).map_err(error)?;
            let spec = r.spec.clone().unwrap_or_default();
            Ok(Scale {
                replicas: spec.replicas.unwrap_or(1),
                selector: spec.selector.map(|labels| LabelSelector {
                    match_labels: Some(labels),
                    ..Default::default()
                }),
            })
        }
        other => Err(format!("no matches for kind \"{other}\" in group \"\"")),
    }
}

/// Writes the target's `spec.replicas` as the scale subresource does (the generation moves).
fn set_scale(api: &mut ApiServer, namespace: &str, kind: &str, name: &str, replicas: i32) -> bool {
    match kind {
        "Deployment" => api.update_spec::<Deployment>(namespace, name, |d| {
            d.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }),
        "ReplicaSet" => api.update_spec::<ReplicaSet>(namespace, name, |r| {
            r.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }),
        "StatefulSet" => api.update_spec::<StatefulSet>(namespace, name, |s| {
            s.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }),
        "ReplicationController" => api.update_spec::<ReplicationController>(namespace, name, |r| {
            r.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }),
        _ => return false,
    }
    .is_ok()
}

fn event(
    api: &mut ApiServer,
    hpa: &HorizontalPodAutoscaler,
    kind: EventType,
    reason: &str,
    message: String,
) {
    let source = EventSource { component: COMPONENT, host: None };
    api.record_event(hpa, None, source, kind, reason, message);
}

/// `setCondition`: keeps lastTransitionTime when the status did not change.
fn set_condition(
    status: &mut HorizontalPodAutoscalerStatus,
    kind: &str,
    value: bool,
    reason: &str,
    message: impl Into<String>,
    now: SimTime,
) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let value = if value { "True" } else { "False" };
    let message = message.into();
    match conditions.iter_mut().find(|c| c.type_ == kind) {
        Some(existing) => {
            if existing.status != value {
                existing.last_transition_time = Some(now.to_k8s());
            }
            existing.status = value.into();
            existing.reason = Some(reason.into());
            existing.message = Some(message);
        }
        None => conditions.push(HorizontalPodAutoscalerCondition {
            type_: kind.into(),
            status: value.into(),
            reason: Some(reason.into()),
            message: Some(message),
            last_transition_time: Some(now.to_k8s()),
        }),
    }
}

/// One `reconcileAutoscaler`.
fn reconcile_autoscaler(
    api: &mut ApiServer,
    hpa: &HorizontalPodAutoscaler,
    memory: &mut Memory,
    now: SimTime,
) {
    let namespace = hpa.metadata.namespace.clone().unwrap_or_default();
    let name = hpa.metadata.name.clone().unwrap_or_default();
    let spec = hpa.spec.clone().unwrap_or_default();
    let target = spec.scale_target_ref.clone();
    let mut status = hpa.status.clone().unwrap_or_default();
    let write = |api: &mut ApiServer, status: HorizontalPodAutoscalerStatus| {
        let _ = api.update::<HorizontalPodAutoscaler>(&namespace, &name, |stored| {
            stored.status = Some(status)
        });
    };
    let scale = match get_scale(api, &namespace, &target.kind, &target.name) {
        Ok(scale) => scale,
        Err(error) => {
            set_condition(
                &mut status,
                "AbleToScale",
                false,
                "FailedGetScale",
                format!("the HPA controller was unable to get the target's current scale: {error}"),
                now,
            );
            event(api, hpa, EventType::Warning, "FailedGetScale", error);
            write(api, status);
            return;
        }
    };
    set_condition(
        &mut status,
        "AbleToScale",
        true,
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale",
        now,
    );
    let current = scale.replicas;
    let min = spec.min_replicas.unwrap_or(1);
    let max = spec.max_replicas;
    let mut metric_statuses = status.current_metrics.clone();
    let (desired, reason) = if current == 0 && min != 0 {
        set_condition(
            &mut status,
            "ScalingActive",
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero",
            now,
        );
        (0, None)
    } else if current > max {
        (max, Some("Current number of replicas above Spec.MaxReplicas".to_string()))
    } else if current < min {
        (min, Some("Current number of replicas below Spec.MinReplicas".to_string()))
    } else {
        let pods: Vec<Pod> = match scale.selector.as_ref().and_then(Selector::from_label_selector) {
            Some(selector) => api
                .list::<Pod>(Some(&namespace))
                .filter(|p| selector.matches(p.metadata.labels.as_ref()))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        match replicas_for_metrics(
            api,
            &spec.metrics.clone().unwrap_or_default(),
            current,
            &pods,
            now,
        ) {
            Err(error) => {
                set_condition(
                    &mut status,
                    "ScalingActive",
                    false,
                    "FailedGetResourceMetric",
                    format!("the HPA was unable to compute the replica count: {error}"),
                    now,
                );
                event(api, hpa, EventType::Warning, "FailedGetResourceMetric", error.clone());
                let count = spec.metrics.as_ref().map_or(1, Vec::len);
                event(
                    api,
                    hpa,
                    EventType::Warning,
                    "FailedComputeMetricsReplicas",
                    format!(
                        "invalid metrics ({count} invalid out of {count}), first error is: {error}"
                    ),
                );
                status.current_replicas = Some(current);
                write(api, status);
                return;
            }
            Ok((proposal, metric_name, statuses)) => {
                metric_statuses = Some(statuses);
                set_condition(
                    &mut status,
                    "ScalingActive",
                    true,
                    "ValidMetricFound",
                    format!(
                        "the HPA was able to successfully calculate a replica count from {metric_name}"
                    ),
                    now,
                );
                let reason = if proposal > current {
                    Some(format!("{metric_name} above target"))
                } else if proposal < current {
                    Some("All metrics below target".to_string())
                } else {
                    None
                };
                let normalized = match &spec.behavior {
                    None => normalize(&mut status, memory, current, proposal, min, max, now),
                    Some(behavior) => normalize_with_behavior(
                        &mut status,
                        memory,
                        behavior,
                        current,
                        proposal,
                        min,
                        max,
                        now,
                    ),
                };
                (normalized, reason)
            }
        }
    };
    let rescale = desired != current && !(current == 0 && min != 0);
    if rescale && set_scale(api, &namespace, &target.kind, &target.name, desired) {
        set_condition(
            &mut status,
            "AbleToScale",
            true,
            "SucceededRescale",
            format!("the HPA controller was able to update the target scale to {desired}"),
            now,
        );
        let reason = reason.unwrap_or_default();
        event(
            api,
            hpa,
            EventType::Normal,
            "SuccessfulRescale",
            format!("New size: {desired}; reason: {reason}"),
        );
        if spec.behavior.is_some() {
            memory.scale_events.push((now, desired - current));
        }
        status.last_scale_time = Some(now.to_k8s());
    }
    status.current_replicas = Some(current);
    status.desired_replicas = desired;
    status.current_metrics = metric_statuses;
    write(api, status);
}

/// `computeReplicasForMetrics`: the highest proposal of the metrics, the metric that made it,
/// and each metric's current value.
fn replicas_for_metrics(
    api: &ApiServer,
    metrics: &[MetricSpec],
    current: i32,
    pods: &[Pod],
    now: SimTime,
) -> Result<(i32, String, Vec<MetricStatus>), String> {
    let mut best: Option<(i32, String)> = None;
    let mut statuses = Vec::new();
    let mut first_error = None;
    for metric in metrics {
        let Some(resource) = metric.resource.as_ref().filter(|_| metric.type_ == "Resource") else {
            first_error.get_or_insert_with(|| {
                format!("the lab simulates Resource metrics only, not {}", metric.type_)
            });
            continue;
        };
        let name = resource.name.clone();
        let target = &resource.target;
        let computed = if let Some(utilization) = target.average_utilization {
            resource_replicas(api, &name, utilization, current, pods, now).map(|(n, u, raw)| {
                let status = MetricValueStatus {
                    average_utilization: Some(u),
                    average_value: Some(quantity(&name, raw)),
                    value: None,
                };
                (n, format!("{name} resource utilization (percentage of request)"), status)
            })
        } else if let Some(value) = &target.average_value {
            let wanted = crate::quantity::parse(&value.0).map(|m| m.0).unwrap_or(0);
            let wanted = if name == "memory" { wanted / 1000 } else { wanted };
            raw_replicas(api, &name, wanted.max(1) as u64, current, pods, now).map(|(n, raw)| {
                let status = MetricValueStatus {
                    average_utilization: None,
                    average_value: Some(quantity(&name, raw)),
                    value: None,
                };
                (n, format!("{name} resource"), status)
            })
        } else {
            Err(format!(
                "invalid resource metric source: neither a utilization target nor a value target was set for {name}"
            ))
        };
        match computed {
            Ok((replicas, metric_name, current)) => {
                statuses.push(MetricStatus {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricStatus { name, current }),
                    ..Default::default()
                });
                if best.as_ref().is_none_or(|(n, _)| replicas > *n) {
                    best = Some((replicas, metric_name));
                }
            }
            Err(error) => {
                statuses.push(MetricStatus::default());
                first_error.get_or_insert(error);
            }
        }
    }
    match (best, first_error) {
        (Some((replicas, name)), _) => Ok((replicas, name, statuses)),
        (None, Some(error)) => Err(error),
        (None, None) => Err("no metrics".to_string()),
    }
}

fn quantity(resource: &str, raw: u64) -> Quantity {
    if resource == "memory" {
        Quantity(raw.to_string())
    } else if raw.is_multiple_of(1000) {
        Quantity((raw / 1000).to_string())
    } else {
        Quantity(format!("{raw}m"))
    }
}

/// Pods sorted as `groupPods` sorts them: ready ones with metrics, unready, missing, ignored.
struct Groups<'a> {
    ready: BTreeMap<String, &'a PodMetrics>,
    unready: BTreeSet<String>,
    missing: BTreeSet<String>,
}

fn group_pods<'a>(api: &'a ApiServer, resource: &str, pods: &[Pod], now: SimTime) -> Groups<'a> {
    let mut groups =
        Groups { ready: BTreeMap::new(), unready: BTreeSet::new(), missing: BTreeSet::new() };
    for pod in pods {
        let name = podutil::name(pod).to_string();
        if pod.metadata.deletion_timestamp.is_some() || podutil::phase(pod) == "Failed" {
            continue;
        }
        if podutil::phase(pod) == "Pending" {
            groups.unready.insert(name);
            continue;
        }
        let Some(metrics) = api.pod_metrics(podutil::namespace(pod), &name) else {
            groups.missing.insert(name);
            continue;
        };
        if resource == "cpu" {
            let condition = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
            let start =
                pod.status.as_ref().and_then(|s| s.start_time.as_ref()).map(SimTime::from_k8s);
            let unready = match (condition, start) {
                (Some(condition), Some(start)) => {
                    let transition =
                        condition.last_transition_time.as_ref().map_or(start, SimTime::from_k8s);
                    if start + CPU_INITIALIZATION_PERIOD > now {
                        condition.status == "False"
                            || metrics.timestamp
                                < transition + Duration::from_millis(metrics.window_ms)
                    } else {
                        condition.status == "False" && start + INITIAL_READINESS_DELAY > transition
                    }
                }
                _ => true,
            };
            if unready {
                groups.unready.insert(name);
                continue;
            }
        }
        groups.ready.insert(name, metrics);
    }
    groups
}

/// What each pod requests of the resource (the sum over its containers, in milli-units for
/// CPU, bytes for memory); an error names a container without a request.
fn requests(resource: &str, pods: &[Pod]) -> Result<BTreeMap<String, u64>, String> {
    let mut requests = BTreeMap::new();
    for pod in pods {
        let mut total = 0u64;
        for container in pod.spec.iter().flat_map(|s| s.containers.iter()) {
            let request = container
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get(resource))
                .and_then(|q| crate::quantity::parse(&q.0).ok());
            let Some(request) = request else {
                return Err(format!(
                    "missing request for {resource} in container {} of Pod {}",
                    container.name,
                    podutil::name(pod)
                ));
            };
            let milli = u64::try_from(request.0).unwrap_or(0);
            total += if resource == "memory" { milli / 1000 } else { milli };
        }
        requests.insert(podutil::name(pod).to_string(), total);
    }
    Ok(requests)
}

/// `GetResourceUtilizationRatio`: (usage ratio, utilization %, average raw use).
fn utilization_ratio(
    usage: &BTreeMap<String, u64>,
    requests: &BTreeMap<String, u64>,
    target: i32,
) -> Result<(f64, i32, u64), String> {
    let (mut used, mut requested) = (0u64, 0u64);
    for (pod, value) in usage {
        if let Some(request) = requests.get(pod) {
            used += value;
            requested += request;
        }
    }
    if requested == 0 {
        return Err("no metrics returned matched known pods".to_string());
    }
    let utilization = (used * 100 / requested) as i32;
    let raw = used / usage.len().max(1) as u64;
    Ok((f64::from(utilization) / f64::from(target), utilization, raw))
}

/// `GetResourceReplicas`: the replica count a utilization target asks for, the current
/// utilization and the average raw use.
fn resource_replicas(
    api: &ApiServer,
    resource: &str,
    target: i32,
    current: i32,
    pods: &[Pod],
    now: SimTime,
) -> Result<(i32, i32, u64), String> {
    let prefix = format!(
        "failed to get {resource} resource metric value: failed to get {resource} utilization"
    );
    if pods.is_empty()
        || !pods.iter().any(|p| api.pod_metrics(podutil::namespace(p), podutil::name(p)).is_some())
    {
        return Err(format!(
            "{prefix}: unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    let groups = group_pods(api, resource, pods, now);
    if groups.ready.is_empty() {
        return Err(format!(
            "{prefix}: did not receive metrics for targeted pods (pods might be unready)"
        ));
    }
    let requests = requests(resource, pods).map_err(|e| format!("{prefix}: {e}"))?;
    let mut usage: BTreeMap<String, u64> =
        groups.ready.iter().map(|(name, m)| (name.clone(), m.total(resource))).collect();
    let (ratio, utilization, raw) =
        utilization_ratio(&usage, &requests, target).map_err(|e| format!("{prefix}: {e}"))?;
    let ready_count = usage.len() as f64;
    let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && groups.missing.is_empty() {
        if (1.0 - ratio).abs() <= TOLERANCE {
            return Ok((current, utilization, raw));
        }
        return Ok(((ratio * ready_count).ceil() as i32, utilization, raw));
    }
    if !groups.missing.is_empty() {
        for pod in &groups.missing {
            let request = requests.get(pod).copied().unwrap_or(0);
            if ratio < 1.0 {
                let fallback = u64::try_from(target.max(100)).unwrap_or(100);
                usage.insert(pod.clone(), request * fallback / 100);
            } else if ratio > 1.0 {
                usage.insert(pod.clone(), 0);
            }
        }
    }
    if scale_up_with_unready {
        for pod in &groups.unready {
            usage.insert(pod.clone(), 0);
        }
    }
    let (new_ratio, _, _) =
        utilization_ratio(&usage, &requests, target).map_err(|e| format!("{prefix}: {e}"))?;
    if (1.0 - new_ratio).abs() <= TOLERANCE
        || (ratio < 1.0 && new_ratio > 1.0)
        || (ratio > 1.0 && new_ratio < 1.0)
    {
        return Ok((current, utilization, raw));
    }
    let proposal = (new_ratio * usage.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && proposal > current) || (new_ratio > 1.0 && proposal < current) {
        return Ok((current, utilization, raw));
    }
    Ok((proposal, utilization, raw))
}

/// `GetRawResourceReplicas`: the replica count an average-value target asks for.
fn raw_replicas(
    api: &ApiServer,
    resource: &str,
    target: u64,
    current: i32,
    pods: &[Pod],
    now: SimTime,
) -> Result<(i32, u64), String> {
    let groups = group_pods(api, resource, pods, now);
    if groups.ready.is_empty() {
        return Err(format!(
            "failed to get {resource} resource metric value: unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    let total: u64 = groups.ready.values().map(|m| m.total(resource)).sum();
    let average = total / groups.ready.len() as u64;
    let ratio = average as f64 / target as f64;
    if (1.0 - ratio).abs() <= TOLERANCE {
        return Ok((current, average));
    }
    Ok(((total as f64 / target as f64).ceil() as i32, average))
}

/// `convertDesiredReplicasWithRules` (no `behavior`): min and max, and a scale-up of at most
/// max(2 × current, 4).
fn normalize(
    status: &mut HorizontalPodAutoscalerStatus,
    memory: &mut Memory,
    current: i32,
    proposal: i32,
    min: i32,
    max: i32,
    now: SimTime,
) -> i32 {
    // stabilizeRecommendation: the highest recommendation of the last 5 minutes.
    let cutoff = SimTime::from_unix_ms(
        now.unix_ms().saturating_sub(DOWNSCALE_STABILIZATION.as_millis() as u64),
    );
    let stabilized = memory
        .recommendations
        .iter()
        .filter(|(at, _)| *at >= cutoff)
        .map(|(_, n)| *n)
        .fold(proposal, i32::max);
    memory.recommendations.retain(|(at, _)| *at >= cutoff);
    memory.recommendations.push((now, proposal));
    if stabilized != proposal {
        set_condition(
            status,
            "AbleToScale",
            true,
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
            now,
        );
    } else {
        set_condition(
            status,
            "AbleToScale",
            true,
            "ReadyForNewScale",
            "recommended size matches current size",
            now,
        );
    }
    let scale_up_limit = (2 * current).max(4);
    let (maximum, limit_reason, limit_message) = if max > scale_up_limit {
        (
            scale_up_limit,
            "ScaleUpLimit",
            "the desired replica count is increasing faster than the maximum scale rate",
        )
    } else {
        (max, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
    };
    let (desired, reason, message) = if stabilized < min {
        (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
    } else if stabilized > maximum {
        (maximum, limit_reason, limit_message)
    } else {
        (stabilized, "DesiredWithinRange", "the desired count is within the acceptable range")
    };
    set_condition(status, "ScalingLimited", desired != stabilized, reason, message, now);
    desired
}

/// `normalizeDesiredReplicasWithBehaviors`: stabilization windows per direction, then the
/// scaling policies' rate limits over their periods.
#[allow(clippy::too_many_arguments)]
fn normalize_with_behavior(
    status: &mut HorizontalPodAutoscalerStatus,
    memory: &mut Memory,
    behavior: &k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior,
    current: i32,
    proposal: i32,
    min: i32,
    max: i32,
    now: SimTime,
) -> i32 {
    let up = behavior.scale_up.clone().unwrap_or_else(default_scale_up);
    let down = behavior.scale_down.clone().unwrap_or_else(default_scale_down);
    let window = |rules: &HPAScalingRules, default: i32| {
        Duration::from_secs(rules.stabilization_window_seconds.unwrap_or(default).max(0) as u64)
    };
    let cutoff =
        |d: Duration| SimTime::from_unix_ms(now.unix_ms().saturating_sub(d.as_millis() as u64));
    let (up_cutoff, down_cutoff) = (cutoff(window(&up, 0)), cutoff(window(&down, 300)));
    let mut up_recommendation = proposal;
    let mut down_recommendation = proposal;
    for (at, n) in &memory.recommendations {
        if *at > up_cutoff {
            up_recommendation = up_recommendation.min(*n);
        }
        if *at > down_cutoff {
            down_recommendation = down_recommendation.max(*n);
        }
    }
    let oldest = up_cutoff.min(down_cutoff);
    memory.recommendations.retain(|(at, _)| *at >= oldest);
    memory.recommendations.push((now, proposal));
    let stabilized = current.max(up_recommendation).min(down_recommendation);
    if stabilized != proposal {
        let (reason, message) = if proposal >= current {
            (
                "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent recommendation",
            )
        } else {
            (
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation",
            )
        };
        set_condition(status, "AbleToScale", true, reason, message, now);
    } else {
        set_condition(
            status,
            "AbleToScale",
            true,
            "ReadyForNewScale",
            "recommended size matches current size",
            now,
        );
    }
    let longest = up
        .policies
        .iter()
        .flatten()
        .chain(down.policies.iter().flatten())
        .map(|p| p.period_seconds)
        .max()
        .unwrap_or(0);
    memory
        .scale_events
        .retain(|(at, _)| now.since(*at) <= Duration::from_secs(longest.max(0) as u64));
    let changed_in = |period: i32, added: bool| -> i32 {
        memory
            .scale_events
            .iter()
            .filter(|(at, _)| now.since(*at) < Duration::from_secs(period.max(0) as u64))
            .map(|(_, change)| *change)
            .filter(|change| (*change > 0) == added)
            .map(i32::abs)
            .sum()
    };
    let (mut desired, mut reason, mut message) =
        (stabilized, "DesiredWithinRange", "the desired count is within the acceptable range");
    if stabilized > current {
        let limit = rate_limit(&up, current, &changed_in, true).max(current);
        let (maximum, r, m) = if max > limit {
            (
                limit,
                "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate",
            )
        } else {
            (
                max,
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            )
        };
        if stabilized > maximum {
            (desired, reason, message) = (maximum, r, m);
        }
    } else if stabilized < current {
        let limit = rate_limit(&down, current, &changed_in, false).min(current);
        let (minimum, r, m) = if min < limit {
            (
                limit,
                "ScaleDownLimit",
                "the desired replica count is decreasing faster than the maximum scale rate",
            )
        } else {
            (
                min,
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
        };
        if stabilized < minimum {
            (desired, reason, message) = (minimum, r, m);
        }
    }
    set_condition(status, "ScalingLimited", desired != stabilized, reason, message, now);
    desired
}

/// `calculateScaleUpLimitWithScalingRules` / `calculateScaleDownLimitWithBehaviors`.
fn rate_limit(
    rules: &HPAScalingRules,
    current: i32,
    changed_in: &dyn Fn(i32, bool) -> i32,
    up: bool,
) -> i32 {
    let select = rules.select_policy.as_deref().unwrap_or("Max");
    if select == "Disabled" {
        return current;
    }
    // Scaling up, Max picks the largest limit; scaling down, Max picks the smallest (the
    // policy that allows the largest change).
    let take_larger = (select == "Max") == up;
    let mut result: Option<i32> = None;
    for policy in rules.policies.iter().flatten() {
        let start = current - changed_in(policy.period_seconds, true)
            + changed_in(policy.period_seconds, false);
        let proposed = match (policy.type_.as_str(), up) {
            ("Pods", true) => start + policy.value,
            ("Pods", false) => start - policy.value,
            (_, true) => (f64::from(start) * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i32,
            (_, false) => (f64::from(start) * (1.0 - f64::from(policy.value) / 100.0)) as i32,
        };
        result = Some(match result {
            None => proposed,
            Some(r) if take_larger => r.max(proposed),
            Some(r) => r.min(proposed),
        });
    }
    result.unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilization_is_total_use_over_total_requests() {
        let usage: BTreeMap<String, u64> = [("a".to_string(), 500), ("b".to_string(), 100)].into();
        let requests: BTreeMap<String, u64> =
            [("a".to_string(), 200), ("b".to_string(), 200)].into();
        let (ratio, utilization, raw) = utilization_ratio(&usage, &requests, 50).expect("ratio");
        assert_eq!(utilization, 150);
        assert_eq!(raw, 300);
        assert!((ratio - 3.0).abs() < 1e-9);
    }

    #[test]
    fn without_behavior_scale_up_is_limited_to_double_or_four() {
        let mut status = HorizontalPodAutoscalerStatus::default();
        let mut memory = Memory::default();
        let now = SimTime::from_unix_ms(1_000_000);
        assert_eq!(normalize(&mut status, &mut memory, 1, 5, 1, 10, now), 4);
        assert_eq!(normalize(&mut status, &mut memory, 4, 20, 1, 10, now), 8);
    }

    #[test]
    fn scale_down_waits_for_the_highest_recommendation_of_five_minutes() {
        let mut status = HorizontalPodAutoscalerStatus::default();
        let mut memory = Memory::default();
        let start = SimTime::from_unix_ms(1_000_000);
        assert_eq!(normalize(&mut status, &mut memory, 7, 7, 1, 10, start), 7);
        let later = start + Duration::from_secs(60);
        assert_eq!(normalize(&mut status, &mut memory, 7, 1, 1, 10, later), 7);
        let after_window = start + Duration::from_secs(301);
        assert_eq!(normalize(&mut status, &mut memory, 7, 1, 1, 10, after_window), 1);
    }

    #[test]
    fn default_policies_allow_four_pods_or_doubling_per_period() {
        let none = |_: i32, _: bool| 0;
        assert_eq!(rate_limit(&default_scale_up(), 1, &none, true), 5);
        assert_eq!(rate_limit(&default_scale_up(), 10, &none, true), 20);
        assert_eq!(rate_limit(&default_scale_down(), 10, &none, false), 0);
    }
}
