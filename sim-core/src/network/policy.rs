//! NetworkPolicy as a CNI that enforces it (Calico, Cilium) applies it to a connection: pods
//! are open until a policy of a direction selects them; then only what some rule of those
//! policies allows passes (rules add up). A connection needs egress allowed at its source and
//! ingress at its destination; replies always pass. Peers are pods (podSelector, in the
//! policy's namespace or in namespaces a namespaceSelector picks) or address blocks (ipBlock
//! with except); ports are numbers or named container ports, with endPort ranges.

use crate::api::ApiServer;
use crate::api::selector::Selector;
use crate::controllers::endpoints::pod_ip;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// One end of a connection.
pub struct Endpoint<'a> {
    pub ip: &'a str,
    /// The pod with this address, if it is one (labels, namespace, container ports).
    pub pod: Option<&'a Pod>,
}

/// Why a connection may not pass: the policies that isolate the pod, and the direction.
pub struct Denial {
    pub direction: &'static str,
    pub pod: String,
    pub policies: Vec<String>,
}

/// Whether `from` may open a connection to `to` on `port`/`protocol`.
pub fn check(
    api: &ApiServer,
    from: &Endpoint,
    to: &Endpoint,
    port: u16,
    protocol: &str,
) -> Result<(), Denial> {
    if let Some(source) = from.pod {
        let policies = selecting(api, source, "Egress");
        if !policies.is_empty() {
            let allowed = policies.iter().any(|policy| {
                policy.spec.iter().flat_map(|s| s.egress.iter().flatten()).any(|rule| {
                    peers_match(api, policy, rule.to.as_deref(), to)
                        && ports_match(rule.ports.as_deref(), to.pod, port, protocol)
                })
            });
            if !allowed {
                return Err(denial("egress", source, &policies));
            }
        }
    }
    if let Some(destination) = to.pod {
        let policies = selecting(api, destination, "Ingress");
        if !policies.is_empty() {
            let allowed = policies.iter().any(|policy| {
                policy.spec.iter().flat_map(|s| s.ingress.iter().flatten()).any(|rule| {
                    peers_match(api, policy, rule.from.as_deref(), from)
                        && ports_match(rule.ports.as_deref(), to.pod, port, protocol)
                })
            });
            if !allowed {
                return Err(denial("ingress", destination, &policies));
            }
        }
    }
    Ok(())
}

fn denial(direction: &'static str, pod: &Pod, policies: &[&NetworkPolicy]) -> Denial {
    Denial {
        direction,
        pod: format!(
            "{}/{}",
            pod.metadata.namespace.as_deref().unwrap_or_default(),
            pod.metadata.name.as_deref().unwrap_or_default()
        ),
        policies: policies.iter().filter_map(|p| p.metadata.name.clone()).collect(),
    }
}

/// The policies in the pod's namespace that select it for `direction` (`policyTypes`, which
/// default to Ingress, plus Egress when the policy has egress rules).
fn selecting<'a>(api: &'a ApiServer, pod: &Pod, direction: &str) -> Vec<&'a NetworkPolicy> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    api.list::<NetworkPolicy>(None)
        .filter(|p| p.metadata.namespace.as_deref() == Some(namespace.as_str()))
        .filter(|p| {
            let Some(spec) = &p.spec else { return false };
            let types: Vec<String> = spec.policy_types.clone().unwrap_or_else(|| {
                let mut types = vec!["Ingress".to_string()];
                if spec.egress.is_some() {
                    types.push("Egress".into());
                }
                types
            });
            types.iter().any(|t| t == direction)
                && selects(
                    &spec.pod_selector.clone().unwrap_or_default(),
                    pod.metadata.labels.as_ref(),
                )
        })
        .collect()
}

fn selects(selector: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    Selector::from_label_selector(selector).is_some_and(|s| s.matches(labels))
}

/// No peers: everyone. Otherwise any peer that matches.
fn peers_match(
    api: &ApiServer,
    policy: &NetworkPolicy,
    peers: Option<&[NetworkPolicyPeer]>,
    other: &Endpoint,
) -> bool {
    let Some(peers) = peers.filter(|p| !p.is_empty()) else { return true };
    let policy_namespace = policy.metadata.namespace.as_deref().unwrap_or_default();
    peers.iter().any(|peer| {
        if let Some(block) = &peer.ip_block {
            return in_cidr(other.ip, &block.cidr)
                && !block.except.iter().flatten().any(|e| in_cidr(other.ip, e));
        }
        let Some(pod) = other.pod else { return false };
        let pod_namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
        let namespace_ok = match &peer.namespace_selector {
            Some(selector) => {
                let labels = api
                    .get::<Namespace>("", pod_namespace)
                    .ok()
                    .and_then(|n| n.metadata.labels.clone());
                selects(selector, labels.as_ref())
            }
            None => pod_namespace == policy_namespace,
        };
        let pod_ok = peer
            .pod_selector
            .as_ref()
            .is_none_or(|selector| selects(selector, pod.metadata.labels.as_ref()));
        namespace_ok && pod_ok
    })
}

/// No ports: all. Otherwise any entry with the protocol and the port (a number, a range with
/// endPort, or the name of one of the destination pod's container ports).
fn ports_match(
    ports: Option<&[NetworkPolicyPort]>,
    destination: Option<&Pod>,
    port: u16,
    protocol: &str,
) -> bool {
    let Some(ports) = ports.filter(|p| !p.is_empty()) else { return true };
    ports.iter().any(|entry| {
        if entry.protocol.as_deref().unwrap_or("TCP") != protocol {
            return false;
        }
        match &entry.port {
            None => true,
            Some(IntOrString::Int(number)) => {
                let end = entry.end_port.unwrap_or(*number);
                (*number..=end).contains(&i32::from(port))
            }
            Some(IntOrString::String(name)) => destination
                .and_then(|pod| pod.spec.as_ref())
                .into_iter()
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| c.ports.iter().flatten())
                .any(|p| {
                    p.name.as_deref() == Some(name.as_str()) && p.container_port == i32::from(port)
                }),
        }
    })
}

/// Whether `ip` is inside `cidr` (`10.0.0.0/8`; a bare address is a /32).
pub fn in_cidr(ip: &str, cidr: &str) -> bool {
    let parse = |text: &str| -> Option<u32> {
        let octets: Vec<u8> = text.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
        let [a, b, c, d] = octets.as_slice() else { return None };
        Some(u32::from_be_bytes([*a, *b, *c, *d]))
    };
    let (network, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Some(ip), Some(network), Ok(bits)) = (parse(ip), parse(network), bits.parse::<u32>())
    else {
        return false;
    };
    if bits == 0 {
        return true;
    }
    let mask = u32::MAX.checked_shl(32 - bits.min(32)).unwrap_or(0);
    ip & mask == network & mask
}

/// The pod that has `ip` (not host-network pods, which share their node's address).
pub fn pod_with_ip<'a>(api: &'a ApiServer, ip: &str) -> Option<&'a Pod> {
    api.list::<Pod>(None).find(|p| {
        pod_ip(p) == Some(ip) && !p.spec.as_ref().and_then(|s| s.host_network).unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::in_cidr;

    #[test]
    fn addresses_fall_in_their_blocks() {
        assert!(in_cidr("10.244.1.5", "10.244.0.0/16"));
        assert!(!in_cidr("10.245.1.5", "10.244.0.0/16"));
        assert!(in_cidr("192.168.1.10", "192.168.1.10"));
        assert!(in_cidr("8.8.8.8", "0.0.0.0/0"));
        assert!(!in_cidr("8.8.8.8", "nonsense"));
    }
}
