//! The resource types kubectl knows (what `kubectl api-resources` lists), and how a typed name
//! such as `po`, `pods`, `pod/web` or `deploy` resolves to one.

use super::CommandError;
use crate::api::{ApiServer, CustomKind, KindRef, kinds};

/// One API resource as discovery describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// The plural, lower-case name: `pods`.
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub kind: &'static str,
    pub api_version: &'static str,
    pub namespaced: bool,
}

const fn resource(
    plural: &'static str,
    singular: &'static str,
    short_names: &'static [&'static str],
    kind: &'static str,
    api_version: &'static str,
    namespaced: bool,
) -> ResourceType {
    ResourceType { plural, singular, short_names, kind, api_version, namespaced }
}

/// Every resource type of a v1.34 cluster that the lab's lessons touch.
#[rustfmt::skip]
pub const RESOURCES: &[ResourceType] = &[
    resource("configmaps", "configmap", &["cm"], "ConfigMap", "v1", true),
    resource("endpoints", "endpoints", &["ep"], "Endpoints", "v1", true),
    resource("events", "event", &["ev"], "Event", "v1", true),
    resource("namespaces", "namespace", &["ns"], "Namespace", "v1", false),
    resource("nodes", "node", &["no"], "Node", "v1", false),
    resource("persistentvolumeclaims", "persistentvolumeclaim", &["pvc"], "PersistentVolumeClaim", "v1", true),
    resource("persistentvolumes", "persistentvolume", &["pv"], "PersistentVolume", "v1", false),
    resource("pods", "pod", &["po"], "Pod", "v1", true),
    resource("replicationcontrollers", "replicationcontroller", &["rc"], "ReplicationController", "v1", true),
    resource("secrets", "secret", &[], "Secret", "v1", true),
    resource("serviceaccounts", "serviceaccount", &["sa"], "ServiceAccount", "v1", true),
    resource("services", "service", &["svc"], "Service", "v1", true),
    resource("ingressclasses", "ingressclass", &[], "IngressClass", "networking.k8s.io/v1", false),
    resource("customresourcedefinitions", "customresourcedefinition", &["crd", "crds"], "CustomResourceDefinition", "apiextensions.k8s.io/v1", false),
    resource("controllerrevisions", "controllerrevision", &[], "ControllerRevision", "apps/v1", true),
    resource("daemonsets", "daemonset", &["ds"], "DaemonSet", "apps/v1", true),
    resource("deployments", "deployment", &["deploy"], "Deployment", "apps/v1", true),
    resource("replicasets", "replicaset", &["rs"], "ReplicaSet", "apps/v1", true),
    resource("statefulsets", "statefulset", &["sts"], "StatefulSet", "apps/v1", true),
    resource("horizontalpodautoscalers", "horizontalpodautoscaler", &["hpa"], "HorizontalPodAutoscaler", "autoscaling/v2", true),
    resource("cronjobs", "cronjob", &["cj"], "CronJob", "batch/v1", true),
    resource("jobs", "job", &[], "Job", "batch/v1", true),
    resource("leases", "lease", &[], "Lease", "coordination.k8s.io/v1", true),
    resource("endpointslices", "endpointslice", &[], "EndpointSlice", "discovery.k8s.io/v1", true),
    resource("ingresses", "ingress", &["ing"], "Ingress", "networking.k8s.io/v1", true),
    resource("networkpolicies", "networkpolicy", &["netpol"], "NetworkPolicy", "networking.k8s.io/v1", true),
    resource("poddisruptionbudgets", "poddisruptionbudget", &["pdb"], "PodDisruptionBudget", "policy/v1", true),
    resource("clusterrolebindings", "clusterrolebinding", &[], "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", false),
    resource("clusterroles", "clusterrole", &[], "ClusterRole", "rbac.authorization.k8s.io/v1", false),
    resource("rolebindings", "rolebinding", &[], "RoleBinding", "rbac.authorization.k8s.io/v1", true),
    resource("roles", "role", &[], "Role", "rbac.authorization.k8s.io/v1", true),
    resource("priorityclasses", "priorityclass", &["pc"], "PriorityClass", "scheduling.k8s.io/v1", false),
    resource("storageclasses", "storageclass", &["sc"], "StorageClass", "storage.k8s.io/v1", false),
];

/// The resources of kubectl's `all` category (`kubectl get all`).
pub const ALL_CATEGORY: &[&str] = &[
    "pods",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
    "replicationcontrollers",
    "horizontalpodautoscalers",
    "cronjobs",
    "jobs",
];

/// Resolves what a user typed for a resource type: plural, singular, short name or kind, in any
/// case, optionally qualified by group (`deployments.apps`).
pub fn lookup(typed: &str) -> Option<&'static ResourceType> {
    let typed = typed.to_lowercase();
    let (name, group) = match typed.split_once('.') {
        Some((name, group)) => (name.to_string(), Some(group.to_string())),
        None => (typed, None),
    };
    // The fully specified form names the version too: `deployment.v1.apps`.
    let (version, group) = match group.as_deref().and_then(|g| g.split_once('.')) {
        Some((version, rest)) if is_version(version) => {
            (Some(version.to_string()), Some(rest.to_string()))
        }
        _ => (None, group),
    };
    RESOURCES.iter().find(|r| {
        let names_match = r.plural == name
            || r.singular == name
            || r.short_names.contains(&name.as_str())
            || r.kind.to_lowercase() == name;
        let (api_group, api_version) =
            r.api_version.rsplit_once('/').unwrap_or(("", r.api_version));
        names_match
            && version.as_deref().is_none_or(|v| v == api_version)
            && group
                .as_deref()
                .is_none_or(|g| g == api_group || api_group.starts_with(&format!("{g}.")))
    })
}

/// `v1`, `v2beta1`: a version as API groups name them.
fn is_version(text: &str) -> bool {
    text.strip_prefix('v').is_some_and(|rest| {
        let digits = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        digits.len() < rest.len()
            && ["", "alpha", "beta"].iter().any(|stage| {
                digits.strip_prefix(stage).is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
            })
    })
}

/// Resolves a typed resource type to the kind the server serves for it: a built-in kind, or
/// one a CustomResourceDefinition defines (matched by plural, singular, short name or kind).
pub fn resolve(api: &ApiServer, typed: &str) -> Result<KindRef, CommandError> {
    if let Some(rtype) = lookup(typed) {
        return kinds::by_resource(rtype.plural).map(KindRef::Builtin).ok_or_else(|| {
            CommandError::Plain(format!("kubelab does not simulate {} yet", rtype.plural))
        });
    }
    let lower = typed.to_lowercase();
    api.kinds()
        .into_iter()
        .find(|kind| kind.as_custom().is_some_and(|custom| names_custom(custom, &lower)))
        .ok_or_else(|| {
            CommandError::Plain(format!("the server doesn't have a resource type \"{typed}\""))
        })
}

/// Whether a lower-cased typed type names a custom kind, optionally qualified by its group.
fn names_custom(custom: &CustomKind, typed: &str) -> bool {
    let (name, group) = match typed.split_once('.') {
        Some((name, group)) => (name, Some(group)),
        None => (typed, None),
    };
    let kind = custom.kind.to_lowercase();
    let names_match = [&custom.plural, &custom.singular, &kind]
        .into_iter()
        .chain(&custom.short_names)
        .any(|candidate| candidate == name);
    names_match
        && group.is_none_or(|g| custom.group == g || custom.group.starts_with(&format!("{g}.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_type_resolves() {
        for typed in ["po", "pod", "pods", "Pod", "PODS"] {
            assert_eq!(lookup(typed).map(|r| r.plural), Some("pods"), "{typed}");
        }
        assert_eq!(lookup("deploy").map(|r| r.kind), Some("Deployment"));
        assert_eq!(lookup("deployments.apps").map(|r| r.kind), Some("Deployment"));
        assert_eq!(lookup("deployment.v1.apps").map(|r| r.kind), Some("Deployment"));
        assert_eq!(lookup("deployment.v2.apps"), None);
        assert_eq!(lookup("deployments.batch"), None);
        assert_eq!(lookup("podz"), None);
    }
}
