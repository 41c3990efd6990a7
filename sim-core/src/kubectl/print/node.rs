//! The node columns of `kubectl get nodes`.

use k8s_openapi::api::core::v1::Node;

/// STATUS as kubectl's `printNode` gives it: `Ready` when the Ready condition is True,
/// `NotReady` when it is False or Unknown (a node that stopped reporting), `Unknown` only
/// without one; plus `SchedulingDisabled` when cordoned.
pub fn status(node: &Node) -> String {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| if c.status == "True" { "Ready" } else { "NotReady" })
        .unwrap_or("Unknown");
    let mut status = ready.to_string();
    if node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// ROLES: from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, sorted.
pub fn roles(node: &Node) -> String {
    let mut roles: Vec<&str> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(key, value)| {
            if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
                Some(role)
            } else if key == "kubernetes.io/role" {
                Some(value.as_str())
            } else {
                None
            }
        })
        .filter(|role| !role.is_empty())
        .collect();
    crate::sort::sort(&mut roles);
    roles.dedup();
    if roles.is_empty() { "<none>".to_string() } else { roles.join(",") }
}

pub fn address(node: &Node, kind: &str) -> String {
    crate::cluster::node_address(node, kind).unwrap_or("<none>").to_string()
}
