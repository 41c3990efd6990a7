//! A container's environment as the kubelet assembles it: `envFrom` sources, then `env` entries
//! (later ones win), with `$(VAR)` references expanded and the service variables of the
//! Services (`MY_SVC_SERVICE_HOST`…), or the error that stops the container from being created.

use crate::api::ApiServer;
use crate::podutil;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret, Service};
use std::collections::BTreeMap;

/// The environment, in the order the variables are set, or the CreateContainerConfigError
/// message.
pub(super) fn resolve(
    api: &ApiServer,
    links: &mut ServiceLinks,
    pod: &Pod,
    container: &Container,
    pod_ip: &str,
    host_ip: &str,
) -> Result<Vec<(String, String)>, String> {
    let namespace = podutil::namespace(pod);
    let mut env: Vec<(String, String)> = Vec::new();
    let set = |env: &mut Vec<(String, String)>, name: String, value: String| match env
        .iter_mut()
        .find(|(n, _)| *n == name)
    {
        Some(entry) => entry.1 = value,
        None => env.push((name, value)),
    };
    for source in container.env_from.iter().flatten() {
        let prefix = source.prefix.clone().unwrap_or_default();
        if let Some(reference) = &source.config_map_ref {
            match api.get::<ConfigMap>(namespace, &reference.name) {
                Ok(map) => {
                    for (key, value) in map.data.iter().flatten() {
                        set(&mut env, format!("{prefix}{key}"), value.clone());
                    }
                }
                Err(_) if reference.optional == Some(true) => {}
                Err(_) => return Err(format!("configmap \"{}\" not found", reference.name)),
            }
        }
        if let Some(reference) = &source.secret_ref {
            match api.get::<Secret>(namespace, &reference.name) {
                Ok(secret) => {
                    for (key, value) in secret_values(secret) {
                        set(&mut env, format!("{prefix}{key}"), value);
                    }
                }
                Err(_) if reference.optional == Some(true) => {}
                Err(_) => return Err(format!("secret \"{}\" not found", reference.name)),
            }
        }
    }
    for var in container.env.iter().flatten() {
        let value = match &var.value_from {
            None => expand(var.value.as_deref().unwrap_or_default(), &env),
            Some(source) => {
                if let Some(field) = &source.field_ref {
                    field_value(pod, &field.field_path, pod_ip, host_ip)
                } else if let Some(resource) = &source.resource_field_ref {
                    resource_value(container, &resource.resource)
                } else if let Some(key) = &source.config_map_key_ref {
                    let map = api.get::<ConfigMap>(namespace, &key.name);
                    match map.ok().map(|m| m.data.as_ref().and_then(|d| d.get(&key.key))) {
                        Some(Some(value)) => value.clone(),
                        _ if key.optional == Some(true) => continue,
                        None => return Err(format!("configmap \"{}\" not found", key.name)),
                        Some(None) => {
                            return Err(format!(
                                "couldn't find key {} in ConfigMap {namespace}/{}",
                                key.key, key.name
                            ));
                        }
                    }
                } else if let Some(key) = &source.secret_key_ref {
                    let secret = api.get::<Secret>(namespace, &key.name);
                    match secret.ok().map(|s| secret_values(s).remove(&key.key)) {
                        Some(Some(value)) => value,
                        _ if key.optional == Some(true) => continue,
                        None => return Err(format!("secret \"{}\" not found", key.name)),
                        Some(None) => {
                            return Err(format!(
                                "couldn't find key {} in Secret {namespace}/{}",
                                key.key, key.name
                            ));
                        }
                    }
                } else {
                    String::new()
                }
            }
        };
        set(&mut env, var.name.clone(), value);
    }
    // The service links: the `kubernetes` Service's for every pod, and those of the Services
    // in the pod's namespace when `enableServiceLinks` (the default) allows.
    let enabled = pod.spec.as_ref().and_then(|s| s.enable_service_links).unwrap_or(true);
    for (name, value) in links.of(api, namespace, enabled) {
        if !env.iter().any(|(n, _)| n == name) {
            env.push((name.clone(), value.clone()));
        }
    }
    Ok(env)
}

/// The service links of each namespace containers were started in, as of the API's
/// resourceVersion `version`: they follow from the Services alone, so they hold until a
/// Service changes (every container start would otherwise write them all out again).
#[derive(Clone, Debug, Default)]
pub(super) struct ServiceLinks {
    version: u64,
    /// By namespace and whether the namespace's own Services are included.
    links: BTreeMap<(String, bool), Vec<(String, String)>>,
}

impl ServiceLinks {
    fn of(&mut self, api: &ApiServer, namespace: &str, enabled: bool) -> &[(String, String)] {
        if api.kind_changed_since::<Service>(self.version) {
            self.links.clear();
        }
        self.version = api.resource_version();
        self.links
            .entry((namespace.to_string(), enabled))
            .or_insert_with(|| crate::network::service_links(api, namespace, enabled))
    }
}

/// A Secret's values, decoded (`data` is bytes; the API server has already merged `stringData`).
pub(super) fn secret_values(secret: &Secret) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = secret
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), String::from_utf8_lossy(&v.0).into_owned()))
        .collect();
    for (key, value) in secret.string_data.iter().flatten() {
        values.insert(key.clone(), value.clone());
    }
    values
}

/// `$(VAR)` references to variables set earlier are replaced; `$$` escapes a dollar; anything
/// else stays as written.
pub(super) fn expand(text: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
            && let Some((_, value)) = env.iter().find(|(n, _)| *n == inner[..end])
        {
            out.push_str(value);
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The downward API's `fieldRef` values.
pub(super) fn field_value(pod: &Pod, path: &str, pod_ip: &str, host_ip: &str) -> String {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let from_map = |map: Option<&BTreeMap<String, String>>, key: &str| {
        map.and_then(|m| m.get(key)).cloned().unwrap_or_default()
    };
    if let Some(key) = path.strip_prefix("metadata.labels['").and_then(|k| k.strip_suffix("']")) {
        return from_map(meta.labels.as_ref(), key);
    }
    if let Some(key) =
        path.strip_prefix("metadata.annotations['").and_then(|k| k.strip_suffix("']"))
    {
        return from_map(meta.annotations.as_ref(), key);
    }
    match path {
        "metadata.name" => meta.name.clone().unwrap_or_default(),
        "metadata.namespace" => meta.namespace.clone().unwrap_or_default(),
        "metadata.uid" => meta.uid.clone().unwrap_or_default(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => {
            spec.and_then(|s| s.service_account_name.clone()).unwrap_or_default()
        }
        "status.podIP" | "status.podIPs" => pod_ip.to_string(),
        "status.hostIP" | "status.hostIPs" => host_ip.to_string(),
        _ => String::new(),
    }
}

/// The downward API's `resourceFieldRef` values, in the default divisor (cores rounded up, bytes).
pub(super) fn resource_value(container: &Container, resource: &str) -> String {
    let (section, name) = resource.split_once('.').unwrap_or(("", resource));
    let resources = container.resources.as_ref();
    let quantity = match section {
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        _ => None,
    }
    .and_then(|m| m.get(name));
    let Some(quantity) = quantity else {
        // Unset limits read as the node's allocatable; unset requests as 0.
        return if section == "limits" {
            if name == "cpu" { "2" } else { "4018040832" }.to_string()
        } else {
            "0".to_string()
        };
    };
    let Ok(milli) = crate::quantity::parse(&quantity.0) else {
        return quantity.0.clone();
    };
    match name {
        // Whole cores, rounded up (divisor 1).
        "cpu" => ((milli.0 + 999) / 1000).max(1).to_string(),
        _ => milli.units().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependent_variables_expand_like_the_kubelet() {
        let env = vec![("A".to_string(), "one".to_string())];
        let cases = [
            ("$(A)-x", "one-x"),
            ("$(B)", "$(B)"),
            ("$$(A)", "$(A)"),
            ("cost $5", "cost $5"),
            ("$(A", "$(A"),
        ];
        for (text, want) in cases {
            assert_eq!(expand(text, &env), want, "{text}");
        }
    }
}
