//! Admission for the workload kinds that hold a pod template: Deployment, ReplicaSet,
//! ReplicationController, DaemonSet, StatefulSet, Job, CronJob, and HorizontalPodAutoscaler.

use super::Admission;
use super::pod::{default_pod_spec, validate_pod_spec};
use crate::api::FieldError;
use crate::api::selector::Selector;
use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetUpdateStrategy, Deployment, DeploymentStrategy, ReplicaSet,
    RollingUpdateDaemonSet, RollingUpdateDeployment, RollingUpdateStatefulSetStrategy, StatefulSet,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::autoscaling::v2::{
    HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscaler, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::{PodTemplateSpec, ReplicationController, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(template.spec.get_or_insert_with(Default::default));
}

/// Go's `%#v` of a label map, as validation messages show it: `map[string]string{"app":"web"}`.
fn go_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    let pairs: Vec<String> =
        labels.into_iter().flatten().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
    format!("map[string]string{{{}}}", pairs.join(", "))
}

/// A selector is required, must select something, and must select the template's labels.
fn validate_selector_and_template(
    selector: Option<&LabelSelector>,
    template: Option<&PodTemplateSpec>,
    path: &str,
    allowed_restart: &[&'static str],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match selector {
        None => errors.push(FieldError::required(format!("{path}.selector"))),
        Some(selector) => {
            let empty = selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                && selector.match_expressions.as_ref().is_none_or(Vec::is_empty);
            if empty {
                errors.push(FieldError::invalid_raw(
                    format!("{path}.selector"),
                    "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                    "empty selector is invalid for deployment",
                ));
            } else if let Some(template) = template {
                let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
                let matches =
                    Selector::from_label_selector(selector).is_some_and(|s| s.matches(labels));
                if !matches {
                    errors.push(FieldError::invalid_raw(
                        format!("{path}.template.metadata.labels"),
                        go_labels(labels),
                        "`selector` does not match template `labels`",
                    ));
                }
            }
        }
    }
    match template.and_then(|t| t.spec.as_ref()) {
        None => errors.push(FieldError::required(format!("{path}.template.spec.containers"))),
        Some(spec) => {
            errors.extend(validate_pod_spec(spec, &format!("{path}.template.spec")));
            if let Some(policy) = &spec.restart_policy
                && !allowed_restart.contains(&policy.as_str())
            {
                errors.push(FieldError::not_supported(
                    format!("{path}.template.spec.restartPolicy"),
                    policy,
                    allowed_restart,
                ));
            }
        }
    }
    errors
}

fn validate_replicas(replicas: Option<i32>, path: &str) -> Vec<FieldError> {
    match replicas {
        Some(n) if n < 0 => vec![FieldError::invalid_raw(
            format!("{path}.replicas"),
            n.to_string(),
            "must be greater than or equal to 0",
        )],
        _ => Vec::new(),
    }
}

fn selector_unchanged(new: Option<&LabelSelector>, old: Option<&LabelSelector>) -> Vec<FieldError> {
    if new == old {
        return Vec::new();
    }
    let labels = new.and_then(|s| s.match_labels.as_ref());
    vec![FieldError::invalid_raw(
        "spec.selector",
        format!(
            "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}",
            go_labels(labels)
        ),
        "field is immutable",
    )]
}

impl Admission for Deployment {
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.replicas.get_or_insert(1);
        spec.revision_history_limit.get_or_insert(10);
        spec.progress_deadline_seconds.get_or_insert(600);
        let strategy = spec.strategy.get_or_insert_with(DeploymentStrategy::default);
        let strategy_type = strategy.type_.get_or_insert_with(|| "RollingUpdate".into()).clone();
        if strategy_type == "RollingUpdate" {
            let rolling =
                strategy.rolling_update.get_or_insert_with(RollingUpdateDeployment::default);
            rolling.max_unavailable.get_or_insert_with(|| IntOrString::String("25%".into()));
            rolling.max_surge.get_or_insert_with(|| IntOrString::String("25%".into()));
        }
        default_template(&mut spec.template);
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = validate_replicas(spec.replicas, "spec");
        errors.extend(validate_selector_and_template(
            Some(&spec.selector),
            Some(&spec.template),
            "spec",
            &["Always"],
        ));
        if let Some(strategy) = &spec.strategy {
            let kind = strategy.type_.as_deref().unwrap_or("RollingUpdate");
            if !["RollingUpdate", "Recreate"].contains(&kind) {
                errors.push(FieldError::not_supported(
                    "spec.strategy.type",
                    kind,
                    &["Recreate", "RollingUpdate"],
                ));
            }
            if kind == "Recreate" && strategy.rolling_update.is_some() {
                errors.push(FieldError::forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        selector_unchanged(
            self.spec.as_ref().map(|s| &s.selector),
            old.spec.as_ref().map(|s| &s.selector),
        )
    }
}

impl Admission for ReplicaSet {
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.replicas.get_or_insert(1);
        if let Some(template) = spec.template.as_mut() {
            default_template(template);
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = validate_replicas(spec.replicas, "spec");
        errors.extend(validate_selector_and_template(
            Some(&spec.selector),
            spec.template.as_ref(),
            "spec",
            &["Always"],
        ));
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        selector_unchanged(
            self.spec.as_ref().map(|s| &s.selector),
            old.spec.as_ref().map(|s| &s.selector),
        )
    }
}

impl Admission for ReplicationController {
    /// The selector defaults to the template's labels.
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.replicas.get_or_insert(1);
        if let Some(template) = spec.template.as_mut() {
            default_template(template);
            if spec.selector.is_none() {
                spec.selector = template.metadata.as_ref().and_then(|m| m.labels.clone());
            }
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let selector = spec
            .selector
            .clone()
            .map(|labels| LabelSelector { match_labels: Some(labels), ..Default::default() });
        let mut errors = validate_replicas(spec.replicas, "spec");
        errors.extend(validate_selector_and_template(
            selector.as_ref(),
            spec.template.as_ref(),
            "spec",
            &["Always"],
        ));
        errors
    }
}

/// Where apps/v1 keeps a DaemonSet's template generation (`spec.templateGeneration` of the
/// internal API): 1 on creation, one more at each template change.
pub const TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

impl Admission for DaemonSet {
    fn prepare_for_update(&mut self, old: &Self) {
        let generation = |set: &DaemonSet| {
            set.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(TEMPLATE_GENERATION))
                .and_then(|g| g.parse::<i64>().ok())
                .unwrap_or(1)
        };
        let template = |set: &DaemonSet| set.spec.as_ref().map(|s| s.template.clone());
        let next = generation(old) + i64::from(template(self) != template(old));
        self.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(TEMPLATE_GENERATION.into(), next.to_string());
    }

    fn apply_defaults(&mut self) {
        self.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .entry(TEMPLATE_GENERATION.into())
            .or_insert_with(|| "1".into());
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.revision_history_limit.get_or_insert(10);
        let strategy = spec.update_strategy.get_or_insert_with(DaemonSetUpdateStrategy::default);
        if strategy.type_.get_or_insert_with(|| "RollingUpdate".into()) == "RollingUpdate" {
            let rolling =
                strategy.rolling_update.get_or_insert_with(RollingUpdateDaemonSet::default);
            rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
            rolling.max_surge.get_or_insert(IntOrString::Int(0));
        }
        default_template(&mut spec.template);
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        validate_selector_and_template(
            Some(&spec.selector),
            Some(&spec.template),
            "spec",
            &["Always"],
        )
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        selector_unchanged(
            self.spec.as_ref().map(|s| &s.selector),
            old.spec.as_ref().map(|s| &s.selector),
        )
    }
}

impl Admission for StatefulSet {
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.replicas.get_or_insert(1);
        spec.revision_history_limit.get_or_insert(10);
        spec.pod_management_policy.get_or_insert_with(|| "OrderedReady".into());
        let strategy = spec.update_strategy.get_or_insert_with(StatefulSetUpdateStrategy::default);
        if strategy.type_.get_or_insert_with(|| "RollingUpdate".into()) == "RollingUpdate" {
            let rolling = strategy
                .rolling_update
                .get_or_insert_with(RollingUpdateStatefulSetStrategy::default);
            rolling.partition.get_or_insert(0);
        }
        spec.persistent_volume_claim_retention_policy.get_or_insert_with(|| {
            StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_deleted: Some("Retain".into()),
                when_scaled: Some("Retain".into()),
            }
        });
        default_template(&mut spec.template);
        for claim in spec.volume_claim_templates.iter_mut().flatten() {
            claim
                .spec
                .get_or_insert_with(Default::default)
                .volume_mode
                .get_or_insert_with(|| "Filesystem".into());
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = validate_replicas(spec.replicas, "spec");
        // Containers may mount the volumes the claim templates become.
        let mut template = spec.template.clone();
        if let Some(pod) = template.spec.as_mut() {
            let volumes = pod.volumes.get_or_insert_with(Vec::new);
            for claim in spec.volume_claim_templates.iter().flatten() {
                let name = claim.metadata.name.clone().unwrap_or_default();
                if !volumes.iter().any(|v| v.name == name) {
                    volumes.push(Volume {
                        name,
                        empty_dir: Some(Default::default()),
                        ..Default::default()
                    });
                }
            }
        }
        errors.extend(validate_selector_and_template(
            Some(&spec.selector),
            Some(&template),
            "spec",
            &["Always"],
        ));
        errors
    }

    /// Only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy
    /// and minReadySeconds may change.
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let (Some(new), Some(old)) = (&self.spec, &old.spec) else { return Vec::new() };
        let mut comparable = new.clone();
        comparable.replicas = old.replicas;
        comparable.ordinals.clone_from(&old.ordinals);
        comparable.template.clone_from(&old.template);
        comparable.update_strategy.clone_from(&old.update_strategy);
        comparable
            .persistent_volume_claim_retention_policy
            .clone_from(&old.persistent_volume_claim_retention_policy);
        comparable.min_ready_seconds = old.min_ready_seconds;
        if comparable == *old {
            return Vec::new();
        }
        vec![FieldError::forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        )]
    }
}

/// `SetDefaults_Job`'s spec defaults. They belong to the Job object: a CronJob's job template
/// keeps its fields unset (only its pod template is defaulted) until a Job is made from it.
fn default_job_spec(spec: &mut JobSpec) {
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    spec.backoff_limit.get_or_insert(6);
    spec.completion_mode.get_or_insert_with(|| "NonIndexed".into());
    spec.suspend.get_or_insert(false);
    spec.pod_replacement_policy.get_or_insert_with(|| "TerminatingOrFailed".into());
    default_template(&mut spec.template);
}

impl Admission for Job {
    /// A Job selects its pods by its own uid: the selector and template labels are generated.
    fn apply_defaults(&mut self) {
        let uid = self.metadata.uid.clone();
        let name = self.metadata.name.clone().unwrap_or_default();
        let spec = self.spec.get_or_insert_with(Default::default);
        default_job_spec(spec);
        if let Some(uid) = uid
            && spec.selector.is_none()
            && spec.manual_selector != Some(true)
        {
            let labels = spec
                .template
                .metadata
                .get_or_insert_with(Default::default)
                .labels
                .get_or_insert_with(Default::default);
            for (key, value) in [
                ("batch.kubernetes.io/controller-uid", uid.as_str()),
                ("batch.kubernetes.io/job-name", name.as_str()),
                ("controller-uid", uid.as_str()),
                ("job-name", name.as_str()),
            ] {
                labels.insert(key.into(), value.into());
            }
            spec.selector = Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    "batch.kubernetes.io/controller-uid".into(),
                    uid,
                )])),
                ..Default::default()
            });
        }
        // A Job without labels of its own carries its pods' labels.
        let template_labels = spec.template.metadata.as_ref().and_then(|m| m.labels.clone());
        if self.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty)
            && template_labels.as_ref().is_some_and(|l| !l.is_empty())
        {
            self.metadata.labels = template_labels;
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = Vec::new();
        match spec.template.spec.as_ref() {
            None => errors.push(FieldError::required("spec.template.spec.containers")),
            Some(pod) => {
                errors.extend(validate_pod_spec(pod, "spec.template.spec"));
                if pod.restart_policy.as_deref() == Some("Always") {
                    errors.push(FieldError::required_because(
                        "spec.template.spec.restartPolicy",
                        "valid values: \"OnFailure\", \"Never\"",
                    ));
                }
            }
        }
        errors.extend(validate_job_counts(spec));
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let (Some(new), Some(old)) = (&self.spec, &old.spec) else { return Vec::new() };
        let mut errors = Vec::new();
        if new.template != old.template {
            errors.push(FieldError::invalid_raw(
                "spec.template",
                "core.PodTemplateSpec{…}",
                "field is immutable",
            ));
        }
        if new.completions != old.completions {
            errors.push(FieldError::invalid_raw(
                "spec.completions",
                new.completions.map_or("null".into(), |c| c.to_string()),
                "field is immutable",
            ));
        }
        errors
    }
}

/// Parallelism, completions and the completion mode (`validateJobSpec`).
fn validate_job_counts(spec: &JobSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, value) in [
        ("spec.parallelism", spec.parallelism),
        ("spec.completions", spec.completions),
        ("spec.backoffLimit", spec.backoff_limit),
    ] {
        if let Some(n) = value.filter(|n| *n < 0) {
            errors.push(FieldError::invalid_raw(
                field,
                n.to_string(),
                "must be greater than or equal to 0",
            ));
        }
    }
    match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") => {}
        Some("Indexed") if spec.completions.is_none() => errors.push(FieldError::required_because(
            "spec.completions",
            "when completion mode is Indexed",
        )),
        Some("Indexed") => {}
        Some(other) => errors.push(FieldError::not_supported(
            "spec.completionMode",
            other,
            &["NonIndexed", "Indexed"],
        )),
    }
    errors
}

/// The schedule (as robfig/cron parses it; `TZ=` belongs in `timeZone`) and the time zone.
fn validate_schedule(spec: &k8s_openapi::api::batch::v1::CronJobSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let schedule = spec.schedule.as_str();
    if schedule.trim().is_empty() {
        return vec![FieldError::required("spec.schedule")];
    }
    if let Err(problem) = crate::cron::parse(schedule) {
        errors.push(FieldError::invalid("spec.schedule", schedule, problem));
    }
    if schedule.contains("TZ") {
        errors.push(FieldError::invalid(
            "spec.schedule",
            schedule,
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ));
    }
    if let Some(zone) = &spec.time_zone {
        let problem = if zone.is_empty() {
            Some("timeZone must be nil or non-empty string".to_string())
        } else if zone.eq_ignore_ascii_case("Local") {
            Some("timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones".to_string())
        } else {
            crate::cron::time_zone(zone).err()
        };
        if let Some(problem) = problem {
            errors.push(FieldError::invalid("spec.timeZone", zone, problem));
        }
    }
    errors
}

impl Admission for CronJob {
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.concurrency_policy.get_or_insert_with(|| "Allow".into());
        spec.suspend.get_or_insert(false);
        spec.successful_jobs_history_limit.get_or_insert(3);
        spec.failed_jobs_history_limit.get_or_insert(1);
        if let Some(job) = spec.job_template.spec.as_mut() {
            default_template(&mut job.template);
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = Vec::new();
        // Job names add 11 characters (`-` and the scheduled minute) and must fit in 63.
        if let Some(name) = self.metadata.name.as_deref().filter(|n| n.len() > 52) {
            errors.push(FieldError::invalid(
                "metadata.name",
                name,
                "must be no more than 52 characters",
            ));
        }
        errors.extend(validate_schedule(spec));
        let policy = spec.concurrency_policy.as_deref().unwrap_or("Allow");
        if !["Allow", "Forbid", "Replace"].contains(&policy) {
            errors.push(FieldError::not_supported(
                "spec.concurrencyPolicy",
                policy,
                &["Allow", "Forbid", "Replace"],
            ));
        }
        if let Some(pod) = spec.job_template.spec.as_ref().and_then(|j| j.template.spec.as_ref()) {
            errors.extend(validate_pod_spec(pod, "spec.jobTemplate.spec.template.spec"));
        }
        errors
    }
}

impl Admission for HorizontalPodAutoscaler {
    /// minReplicas 1; without metrics, 80% average CPU utilization; a given `behavior` gets
    /// the default rules for what it leaves out.
    fn apply_defaults(&mut self) {
        if let Some(spec) = self.spec.as_mut() {
            spec.min_replicas.get_or_insert(1);
            if spec.metrics.as_ref().is_none_or(Vec::is_empty) {
                spec.metrics = Some(vec![MetricSpec {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricSource {
                        name: "cpu".into(),
                        target: MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(80),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                }]);
            }
            if let Some(behavior) = spec.behavior.as_mut() {
                default_scaling_rules(&mut behavior.scale_up, default_scale_up());
                default_scaling_rules(&mut behavior.scale_down, default_scale_down());
            }
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = Vec::new();
        if spec.max_replicas < 1 {
            errors.push(FieldError::invalid_raw(
                "spec.maxReplicas",
                spec.max_replicas.to_string(),
                "must be greater than or equal to 1",
            ));
        }
        if let Some(min) = spec.min_replicas
            && min > spec.max_replicas
        {
            errors.push(FieldError::invalid_raw(
                "spec.maxReplicas",
                spec.max_replicas.to_string(),
                "must be greater than or equal to `minReplicas`",
            ));
        }
        errors
    }
}

/// `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`: unset parts take the defaults.
fn default_scaling_rules(rules: &mut Option<HPAScalingRules>, defaults: HPAScalingRules) {
    let rules = rules.get_or_insert_with(|| defaults.clone());
    if rules.stabilization_window_seconds.is_none() {
        rules.stabilization_window_seconds = defaults.stabilization_window_seconds;
    }
    if rules.select_policy.is_none() {
        rules.select_policy = defaults.select_policy;
    }
    if rules.policies.is_none() {
        rules.policies = defaults.policies;
    }
}

/// `GenerateHPAScaleUpRules`' defaults: the larger of +4 pods and +100% per 15 s.
pub fn default_scale_up() -> HPAScalingRules {
    HPAScalingRules {
        stabilization_window_seconds: Some(0),
        select_policy: Some("Max".into()),
        policies: Some(vec![
            HPAScalingPolicy { type_: "Pods".into(), value: 4, period_seconds: 15 },
            HPAScalingPolicy { type_: "Percent".into(), value: 100, period_seconds: 15 },
        ]),
        tolerance: None,
    }
}

/// `GenerateHPAScaleDownRules`' defaults: -100% per 15 s after the controller's 300 s window.
pub fn default_scale_down() -> HPAScalingRules {
    HPAScalingRules {
        stabilization_window_seconds: None,
        select_policy: Some("Max".into()),
        policies: Some(vec![HPAScalingPolicy {
            type_: "Percent".into(),
            value: 100,
            period_seconds: 15,
        }]),
        tolerance: None,
    }
}
