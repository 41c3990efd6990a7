//! Pod admission: the defaults the API server fills in (defaulting functions plus the
//! DefaultTolerationSeconds and Priority admission plugins) and the validation it applies.

use super::FieldError;
use super::names::NameRule;
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodStatus, Toleration};

const RESTART_POLICIES: &[&str] = &["Always", "OnFailure", "Never"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];

/// `DefaultTolerationSeconds`: how long pods stay bound to a node that went not-ready or
/// unreachable before the taint manager evicts them.
const DEFAULT_TOLERATION_SECONDS: i64 = 300;

pub(super) fn apply_defaults(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    spec.security_context.get_or_insert_with(Default::default);
    spec.service_account_name
        .get_or_insert_with(|| "default".into());
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".into());
    spec.priority.get_or_insert(0);
    for container in &mut spec.containers {
        default_container(container);
    }
    for container in spec.init_containers.iter_mut().flatten() {
        default_container(container);
    }
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let already = tolerations.iter().any(|t| {
            t.key.as_deref() == Some(key) && t.effect.as_deref().is_none_or(|e| e == "NoExecute")
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
    let status = pod.status.get_or_insert_with(PodStatus::default);
    status.phase.get_or_insert_with(|| "Pending".into());
    status.qos_class = Some(qos_class.into());
}

fn default_container(container: &mut Container) {
    let image = container.image.as_deref().unwrap_or_default();
    container
        .image_pull_policy
        .get_or_insert_with(|| default_pull_policy(image).into());
    container
        .termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".into());
    container
        .termination_message_policy
        .get_or_insert_with(|| "File".into());
    // Requests default from limits: a container that only sets limits requests exactly them.
    let resources = container.resources.get_or_insert_with(Default::default);
    if let Some(limits) = &resources.limits {
        let requests = resources.requests.get_or_insert_with(Default::default);
        for (resource, limit) in limits {
            requests
                .entry(resource.clone())
                .or_insert_with(|| limit.clone());
        }
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
    let containers = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
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

pub(super) fn validate(pod: &Pod) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(spec) = &pod.spec else {
        return vec![FieldError::required("spec")];
    };
    if spec.containers.is_empty() {
        errors.push(FieldError::required("spec.containers"));
    }
    let mut seen_names: Vec<&str> = Vec::new();
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| ("spec.initContainers", i, c));
    let regular = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| ("spec.containers", i, c));
    for (list, index, container) in init.chain(regular) {
        let path = format!("{list}[{index}]");
        if container.name.is_empty() {
            errors.push(FieldError::required(format!("{path}.name")));
        } else {
            for problem in NameRule::Dns1123Label.problems(&container.name) {
                errors.push(FieldError::invalid(
                    format!("{path}.name"),
                    &container.name,
                    problem,
                ));
            }
            if seen_names.contains(&container.name.as_str()) {
                errors.push(FieldError::duplicate(
                    format!("{path}.name"),
                    &container.name,
                ));
            }
            seen_names.push(&container.name);
        }
        if container
            .image
            .as_deref()
            .is_none_or(|image| image.trim().is_empty())
        {
            errors.push(FieldError::required(format!("{path}.image")));
        }
        if let Some(policy) = &container.image_pull_policy
            && !PULL_POLICIES.contains(&policy.as_str())
        {
            errors.push(FieldError::not_supported(
                format!("{path}.imagePullPolicy"),
                policy,
                PULL_POLICIES,
            ));
        }
    }
    if let Some(policy) = &spec.restart_policy
        && !RESTART_POLICIES.contains(&policy.as_str())
    {
        errors.push(FieldError::not_supported(
            "spec.restartPolicy",
            policy,
            RESTART_POLICIES,
        ));
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
        Container {
            name: "c".into(),
            image: Some(image.into()),
            ..Default::default()
        }
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
            PodSpec {
                containers: vec![c],
                ..Default::default()
            }
        };
        assert_eq!(qos_class(&with(&[], &[])), "BestEffort");
        assert_eq!(qos_class(&with(&[("cpu", "100m")], &[])), "Burstable");
        assert_eq!(
            qos_class(&with(&[], &[("cpu", "1"), ("memory", "1Gi")])),
            "Guaranteed"
        );
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
        let messages: Vec<String> = validate(&pod).iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "spec.containers[0].image: Required value",
                "spec.containers[1].name: Duplicate value: \"c\"",
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ]
        );
    }
}
