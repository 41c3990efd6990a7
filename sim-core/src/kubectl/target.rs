//! What `kubectl logs` and `kubectl exec` act on: a pod named directly or through a workload
//! (`deploy/web` picks one of its pods, as kubectl's `AttachablePodForObject` does), and one of
//! its containers (`-c`, the `kubectl.kubernetes.io/default-container` annotation, or the first).

use super::{CommandError, Invocation, resources};
use crate::api::ApiServer;
use crate::api::selector::Selector;
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

/// The annotation that names the container kubectl picks when `-c` is not given.
const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// Finds the pod `typed` names (`web`, `pod/web`, `deploy/web`, `job/pi`...) in `namespace`.
/// When a workload has several pods, kubectl says which one it uses on stderr.
pub fn pod(inv: &mut Invocation<'_>, typed: &str) -> Result<Pod, CommandError> {
    let (pod, found) = attachable_pod(inv, typed)?;
    if found > 1 {
        inv.out.err_line(format!("Found {found} pods, using pod/{}", crate::podutil::name(&pod)));
    }
    Ok(pod)
}

/// The pod `typed` names, and how many pods the workload it names has (1 for a pod).
pub fn attachable_pod(inv: &Invocation<'_>, typed: &str) -> Result<(Pod, usize), CommandError> {
    let api = inv.sim.api();
    let namespace = inv.namespace.clone();
    let Some((kind_name, name)) = typed.split_once('/') else {
        return get_pod(api, &namespace, typed).map(|p| (p, 1));
    };
    let kind = resources::resolve(api, kind_name)?;
    if kind.kind() == "Pod" {
        return get_pod(api, &namespace, name).map(|p| (p, 1));
    }
    let object = kind.get(api, &namespace, name).map_err(CommandError::Api)?;
    let selector = selector_of(&object).ok_or_else(|| {
        CommandError::Plain(format!(
            "cannot attach to {}: selector for {} not implemented",
            kind.kind(),
            kind.kind()
        ))
    })?;
    let mut pods: Vec<&Pod> = api
        .list::<Pod>(Some(&namespace))
        .filter(|p| selector.matches(p.metadata.labels.as_ref()))
        .collect();
    // kubectl prefers active, ready, older pods (`ActivePods` ordering, simplified).
    crate::sort::sort_by_key(&mut pods, |p| {
        let phase = crate::podutil::phase(p);
        let rank = match phase {
            "Running" => 0,
            "Pending" => 1,
            _ => 2,
        };
        (rank, p.metadata.creation_timestamp.as_ref().map(|t| t.0), p.metadata.name.clone())
    });
    let Some(first) = pods.first() else {
        // kubectl waits `--pod-running-timeout` (20 s) for a pod to appear, then gives up.
        return Err(CommandError::Plain("timed out waiting for the condition".to_string()));
    };
    Ok(((*first).clone(), pods.len()))
}

fn get_pod(api: &ApiServer, namespace: &str, name: &str) -> Result<Pod, CommandError> {
    api.get::<Pod>(namespace, name).cloned().map_err(CommandError::Api)
}

/// A workload's pod selector: `spec.selector` as a label selector, or a Service's map.
fn selector_of(object: &Value) -> Option<Selector> {
    let selector = object.pointer("/spec/selector")?;
    let labels = selector.get("matchLabels").unwrap_or(selector);
    let text: Vec<String> = labels
        .as_object()?
        .iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?)))
        .collect();
    let mut parts = text;
    for expression in
        selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten()
    {
        let key = expression.get("key")?.as_str()?;
        let values: Vec<&str> = expression
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        parts.push(match expression.get("operator")?.as_str()? {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            _ => format!("!{key}"),
        });
    }
    Selector::parse(&parts.join(",")).ok()
}

/// The container to use: `-c NAME`, or the default one, saying so on stderr when the pod has
/// several.
pub fn container(
    inv: &mut Invocation<'_>,
    pod: &Pod,
    requested: Option<&str>,
) -> Result<String, CommandError> {
    let spec = pod.spec.clone().unwrap_or_default();
    let init = spec.init_containers.unwrap_or_default();
    let all: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let pod_name = crate::podutil::name(pod);
    if let Some(name) = requested {
        if all.contains(&name) || init.iter().any(|c| c.name == name) {
            return Ok(name.to_string());
        }
        return Err(CommandError::Plain(format!(
            "container {name} is not valid for pod {pod_name}"
        )));
    }
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
        .filter(|name| all.contains(&name.as_str()));
    let chosen = annotated
        .map_or_else(|| all.first().copied().unwrap_or_default().to_string(), Clone::clone);
    if annotated.is_none() && all.len() + init.len() > 1 {
        let mut names: Vec<String> = all.iter().map(|n| n.to_string()).collect();
        names.extend(init.iter().map(|c| format!("{} (init)", c.name)));
        inv.out.err_line(format!("Defaulted container {chosen:?} out of: {}", names.join(", ")));
    }
    Ok(chosen)
}
