//! Pod admission: the defaults the API server fills in (defaulting functions plus the
//! DefaultTolerationSeconds and Priority admission plugins) and the validation it applies, for
//! pods and for the pod templates of workloads.

use super::Admission;
use crate::api::names::NameRule;
use crate::api::{ApiError, ApiServer, DeletionMode, FieldError};
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodStatus, Probe, Toleration, Volume};

const RESTART_POLICIES: &[&str] = &["Always", "OnFailure", "Never"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

/// `DefaultTolerationSeconds`: how long pods stay bound to a node that went not-ready or
/// unreachable before the taint manager evicts them.
const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// The mode of files projected from ConfigMaps and Secrets (0644).
const DEFAULT_MODE: i32 = 0o644;

impl Admission for Pod {
    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(PodSpec::default);
        default_pod_spec(spec);
        // Pods only, not templates: the ServiceAccount and Priority admission plugins, and the
        // pod strategy's service links.
        // Mirror pods of static pods get no service account (the plugin skips them).
        let mirror = self
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
        if !mirror {
            spec.service_account_name.get_or_insert_with(|| "default".into());
        }
        spec.enable_service_links.get_or_insert(true);
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            // A toleration without a key tolerates every taint.
            let already = tolerations.iter().any(|t| {
                t.key.as_deref().is_none_or(|k| k.is_empty() || k == key)
                    && t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "NoExecute")
            });
            if !already {
                tolerations.push(Toleration {
                    key: Some(key.into()),
                    operator: Some("Exists".into()),
                    effect: Some("NoExecute".into()),
                    toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
                    ..Default::default()
                });
            }
        }
        let qos_class = qos_class(spec);
        let status = self.status.get_or_insert_with(PodStatus::default);
        status.phase.get_or_insert_with(|| "Pending".into());
        status.qos_class = Some(qos_class.into());
    }

    /// The ServiceAccount and Priority admission plugins (they need the cluster's objects).
    fn allocate(&mut self, api: &mut ApiServer) -> Result<(), ApiError> {
        super::service_account::admit(self, api)?;
        super::scheduling::admit_pod_priority(self, api)
    }

    fn validate(&self) -> Vec<FieldError> {
        match &self.spec {
            Some(spec) => validate_pod_spec(spec, "spec"),
            None => vec![FieldError::required("spec")],
        }
    }

    /// A pod on a node is given its grace period to stop; a pod on no node, a finished pod, or a
    /// grace period of 0 (`--force`) goes at once.
    fn deletion_mode(&self, requested_grace_seconds: Option<i64>) -> DeletionMode {
        let spec = self.spec.as_ref();
        let bound = spec.and_then(|s| s.node_name.as_deref()).is_some_and(|n| !n.is_empty());
        let finished = matches!(
            self.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded" | "Failed")
        );
        let grace = requested_grace_seconds
            .or(spec.and_then(|s| s.termination_grace_period_seconds))
            .unwrap_or(30);
        if !bound || finished || grace <= 0 {
            DeletionMode::Immediate
        } else {
            DeletionMode::Graceful { grace_period_seconds: grace }
        }
    }

    /// Only images, activeDeadlineSeconds, added tolerations and a grace period may change.
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let (Some(new), Some(old)) = (&self.spec, &old.spec) else { return Vec::new() };
        let mut comparable = new.clone();
        for (container, before) in comparable.containers.iter_mut().zip(&old.containers) {
            container.image.clone_from(&before.image);
        }
        for (container, before) in comparable
            .init_containers
            .iter_mut()
            .flatten()
            .zip(old.init_containers.iter().flatten())
        {
            container.image.clone_from(&before.image);
        }
        comparable.active_deadline_seconds = old.active_deadline_seconds;
        // Priority admission fills these on create; an update that leaves them out keeps them.
        if new.priority.is_none() {
            comparable.priority = old.priority;
        }
        if new.preemption_policy.is_none() {
            comparable.preemption_policy.clone_from(&old.preemption_policy);
        }
        comparable.termination_grace_period_seconds = old.termination_grace_period_seconds;
        let old_tolerations = old.tolerations.clone().unwrap_or_default();
        let keeps_old =
            old_tolerations.iter().all(|t| new.tolerations.iter().flatten().any(|n| n == t));
        if keeps_old {
            comparable.tolerations.clone_from(&old.tolerations);
        }
        // The scheduler's binding is not the user's to change, but it is not a user change either.
        comparable.node_name.clone_from(&old.node_name);
        if comparable == *old {
            return Vec::new();
        }
        vec![FieldError::forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        )]
    }
}

/// The defaults of a pod spec, for pods and for the templates in workloads.
pub fn default_pod_spec(spec: &mut PodSpec) {
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.scheduler_name.get_or_insert_with(|| "default-scheduler".into());
    spec.security_context.get_or_insert_with(Default::default);
    for container in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
        default_container(container);
    }
    for volume in spec.volumes.iter_mut().flatten() {
        default_volume(volume);
    }
}

fn default_container(container: &mut Container) {
    let image = container.image.as_deref().unwrap_or_default();
    container.image_pull_policy.get_or_insert_with(|| default_pull_policy(image).into());
    container.termination_message_path.get_or_insert_with(|| "/dev/termination-log".into());
    container.termination_message_policy.get_or_insert_with(|| "File".into());
    for port in container.ports.iter_mut().flatten() {
        port.protocol.get_or_insert_with(|| "TCP".into());
    }
    for probe in [
        &mut container.liveness_probe,
        &mut container.readiness_probe,
        &mut container.startup_probe,
    ]
    .into_iter()
    .flatten()
    {
        default_probe(probe);
    }
    // Requests default from limits: a container that only sets limits requests exactly them.
    let resources = container.resources.get_or_insert_with(Default::default);
    if let Some(limits) = &resources.limits {
        let requests = resources.requests.get_or_insert_with(Default::default);
        for (resource, limit) in limits {
            requests.entry(resource.clone()).or_insert_with(|| limit.clone());
        }
    }
}

fn default_probe(probe: &mut Probe) {
    probe.timeout_seconds.get_or_insert(1);
    probe.period_seconds.get_or_insert(10);
    probe.success_threshold.get_or_insert(1);
    probe.failure_threshold.get_or_insert(3);
    if let Some(http) = probe.http_get.as_mut() {
        http.scheme.get_or_insert_with(|| "HTTP".into());
        http.path.get_or_insert_with(|| "/".into());
    }
}

fn default_volume(volume: &mut Volume) {
    if let Some(config_map) = volume.config_map.as_mut() {
        config_map.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(secret) = volume.secret.as_mut() {
        secret.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(projected) = volume.projected.as_mut() {
        projected.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(downward) = volume.downward_api.as_mut() {
        downward.default_mode.get_or_insert(DEFAULT_MODE);
    }
    if let Some(host_path) = volume.host_path.as_mut() {
        host_path.type_.get_or_insert_with(String::new);
    }
}

/// `Always` for `:latest` or an untagged image (unless pinned by digest), else `IfNotPresent`.
fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.split_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// The pod's QoS class from its containers' cpu and memory requests and limits.
fn qos_class(spec: &PodSpec) -> &'static str {
    let containers = spec.containers.iter().chain(spec.init_containers.iter().flatten());
    let mut any_set = false;
    let mut guaranteed = true;
    for container in containers {
        let resources = container.resources.as_ref();
        let requests = resources.and_then(|r| r.requests.as_ref());
        let limits = resources.and_then(|r| r.limits.as_ref());
        for resource in ["cpu", "memory"] {
            let request = requests.and_then(|r| r.get(resource));
            let limit = limits.and_then(|l| l.get(resource));
            any_set |= request.is_some() || limit.is_some();
            // Requests default from limits, so a missing request with a limit still matches.
            guaranteed &= limit.is_some() && request.is_none_or(|r| Some(r) == limit);
        }
    }
    match (any_set, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// Validates a pod spec found at `path` (`spec`, or `spec.template.spec` in a workload).
pub fn validate_pod_spec(spec: &PodSpec, path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if spec.containers.is_empty() {
        errors.push(FieldError::required(format!("{path}.containers")));
    }
    let mut seen_names: Vec<&str> = Vec::new();
    let init =
        spec.init_containers.iter().flatten().enumerate().map(|(i, c)| ("initContainers", i, c));
    let regular = spec.containers.iter().enumerate().map(|(i, c)| ("containers", i, c));
    for (list, index, container) in init.chain(regular) {
        let at = format!("{path}.{list}[{index}]");
        if container.name.is_empty() {
            errors.push(FieldError::required(format!("{at}.name")));
        } else {
            for problem in NameRule::Dns1123Label.problems(&container.name) {
                errors.push(FieldError::invalid(format!("{at}.name"), &container.name, problem));
            }
            if seen_names.contains(&container.name.as_str()) {
                errors.push(FieldError::duplicate(format!("{at}.name"), &container.name));
            }
            seen_names.push(&container.name);
        }
        if container.image.as_deref().is_none_or(|image| image.trim().is_empty()) {
            errors.push(FieldError::required(format!("{at}.image")));
        }
        if let Some(policy) = &container.image_pull_policy
            && !PULL_POLICIES.contains(&policy.as_str())
        {
            errors.push(FieldError::not_supported(
                format!("{at}.imagePullPolicy"),
                policy,
                PULL_POLICIES,
            ));
        }
        for (p, port) in container.ports.iter().flatten().enumerate() {
            if !(1..=65535).contains(&port.container_port) {
                errors.push(FieldError::invalid_raw(
                    format!("{at}.ports[{p}].containerPort"),
                    port.container_port.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
            if let Some(protocol) = &port.protocol
                && !PROTOCOLS.contains(&protocol.as_str())
            {
                errors.push(FieldError::not_supported(
                    format!("{at}.ports[{p}].protocol"),
                    protocol,
                    PROTOCOLS,
                ));
            }
        }
    }
    if let Some(policy) = &spec.restart_policy
        && !RESTART_POLICIES.contains(&policy.as_str())
    {
        errors.push(FieldError::not_supported(
            format!("{path}.restartPolicy"),
            policy,
            RESTART_POLICIES,
        ));
    }
    let mut volume_names: Vec<&str> = Vec::new();
    for (index, volume) in spec.volumes.iter().flatten().enumerate() {
        if volume_names.contains(&volume.name.as_str()) {
            errors
                .push(FieldError::duplicate(format!("{path}.volumes[{index}].name"), &volume.name));
        }
        volume_names.push(&volume.name);
        errors.extend(validate_file_modes(volume, &format!("{path}.volumes[{index}]")));
    }
    for (list, index, container) in spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| ("initContainers", i, c))
        .chain(spec.containers.iter().enumerate().map(|(i, c)| ("containers", i, c)))
    {
        for (m, mount) in container.volume_mounts.iter().flatten().enumerate() {
            if !volume_names.contains(&mount.name.as_str()) {
                errors.push(FieldError::not_found(
                    format!("{path}.{list}[{index}].volumeMounts[{m}].name"),
                    &mount.name,
                ));
            }
        }
    }
    errors
}

/// The modes a ConfigMap, Secret, downward API or projected volume gives its files must be
/// permission bits (`fileModeErrorMsg`).
fn validate_file_modes(volume: &Volume, at: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut check = |mode: Option<i32>, field: String| {
        if let Some(mode) = mode.filter(|m| !(0..=0o777).contains(m)) {
            errors.push(FieldError::invalid_raw(
                field,
                mode.to_string(),
                "must be a number between 0 and 0777 (octal), both inclusive",
            ));
        }
    };
    let items = |items: &Option<Vec<k8s_openapi::api::core::v1::KeyToPath>>| {
        items.iter().flatten().map(|i| i.mode).collect::<Vec<_>>()
    };
    let downward = |items: &Option<Vec<k8s_openapi::api::core::v1::DownwardAPIVolumeFile>>| {
        items.iter().flatten().map(|i| i.mode).collect::<Vec<_>>()
    };
    let mut sources: Vec<(String, Option<i32>, Vec<Option<i32>>)> = Vec::new();
    if let Some(source) = &volume.config_map {
        sources.push((format!("{at}.configMap"), source.default_mode, items(&source.items)));
    }
    if let Some(source) = &volume.secret {
        sources.push((format!("{at}.secret"), source.default_mode, items(&source.items)));
    }
    if let Some(source) = &volume.downward_api {
        sources.push((format!("{at}.downwardAPI"), source.default_mode, downward(&source.items)));
    }
    if let Some(source) = &volume.projected {
        sources.push((format!("{at}.projected"), source.default_mode, Vec::new()));
        for (i, projection) in source.sources.iter().flatten().enumerate() {
            let here = format!("{at}.projected.sources[{i}]");
            if let Some(source) = &projection.secret {
                sources.push((format!("{here}.secret"), None, items(&source.items)));
            }
            if let Some(source) = &projection.config_map {
                sources.push((format!("{here}.configMap"), None, items(&source.items)));
            }
            if let Some(source) = &projection.downward_api {
                sources.push((format!("{here}.downwardAPI"), None, downward(&source.items)));
            }
        }
    }
    for (field, default_mode, item_modes) in sources {
        check(default_mode, format!("{field}.defaultMode"));
        for (i, mode) in item_modes.into_iter().enumerate() {
            check(mode, format!("{field}.items[{i}].mode"));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ResourceRequirements;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use std::collections::BTreeMap;

    fn container(image: &str) -> Container {
        Container { name: "c".into(), image: Some(image.into()), ..Default::default() }
    }

    #[test]
    fn pull_policy_defaults_by_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }

    #[test]
    fn qos_classes_follow_requests_and_limits() {
        let with = |requests: &[(&str, &str)], limits: &[(&str, &str)]| {
            let map = |pairs: &[(&str, &str)]| {
                (!pairs.is_empty()).then(|| {
                    pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                        .collect::<BTreeMap<_, _>>()
                })
            };
            let mut c = container("nginx");
            c.resources = Some(ResourceRequirements {
                requests: map(requests),
                limits: map(limits),
                ..Default::default()
            });
            PodSpec { containers: vec![c], ..Default::default() }
        };
        assert_eq!(qos_class(&with(&[], &[])), "BestEffort");
        assert_eq!(qos_class(&with(&[("cpu", "100m")], &[])), "Burstable");
        assert_eq!(qos_class(&with(&[], &[("cpu", "1"), ("memory", "1Gi")])), "Guaranteed");
        assert_eq!(
            qos_class(&with(
                &[("cpu", "1"), ("memory", "1Gi")],
                &[("cpu", "2"), ("memory", "1Gi")]
            )),
            "Burstable"
        );
    }

    #[test]
    fn missing_image_and_bad_policy_are_reported_with_paths() {
        let mut c = container("");
        c.image = None;
        let pod = Pod {
            spec: Some(PodSpec {
                containers: vec![c, container("nginx")],
                restart_policy: Some("Sometimes".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let messages: Vec<String> = pod.validate().iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "spec.containers[0].image: Required value",
                "spec.containers[1].name: Duplicate value: \"c\"",
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ]
        );
    }

    #[test]
    fn only_images_may_change_in_a_running_pod() {
        let mut old = Pod {
            spec: Some(PodSpec { containers: vec![container("nginx:1.26")], ..Default::default() }),
            ..Default::default()
        };
        old.apply_defaults();
        let mut new = old.clone();
        new.spec.as_mut().unwrap().containers[0].image = Some("nginx:1.27".into());
        assert!(new.validate_update(&old).is_empty());
        new.spec.as_mut().unwrap().containers[0].name = "renamed".into();
        assert_eq!(new.validate_update(&old).len(), 1);
    }
}
