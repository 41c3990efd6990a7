//! `kubectl port-forward` as the network carries it: a listener on the student's laptop whose
//! connections go through the API server and the pod's kubelet straight into the pod's network
//! namespace — one chosen pod, no Service, no kube-proxy rules, no NetworkPolicy in the way.

use super::request::{Hop, Origin};
use super::{Network, Trace};
use crate::api::ApiServer;
use crate::container::net::{Connection, HttpRequest};
use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};

/// One address and port a running `kubectl port-forward` listens on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalForward {
    /// `127.0.0.1`, `::1`, `0.0.0.0` (every address of the laptop) or one address.
    pub address: String,
    pub local_port: u16,
    pub remote_port: u16,
    pub namespace: String,
    pub pod: String,
    pub uid: String,
}

impl LocalForward {
    /// Whether a connection to `host:port` made on the laptop reaches this listener.
    pub fn accepts(&self, host: &str, port: u16) -> bool {
        if port != self.local_port {
            return false;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match self.address.as_str() {
            "0.0.0.0" | "::" => is_local(host),
            "127.0.0.1" => matches!(host, "127.0.0.1" | "localhost"),
            "::1" => matches!(host, "::1" | "localhost"),
            address => host == address,
        }
    }
}

/// Addresses that are the laptop itself.
pub fn is_local(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    matches!(host, "localhost" | "::1" | "0.0.0.0") || host.starts_with("127.") || host == LAPTOP_IP
}

/// The student's laptop's address on the lab's network.
pub const LAPTOP_IP: &str = "192.168.1.1";

/// What became of one forwarded connection, for kubectl to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardedConnection {
    pub local_port: u16,
    pub remote_port: u16,
    pub uid: String,
    /// The kubelet's error (nothing listening in the pod, no such pod any more): kubectl logs
    /// it and ends the session.
    pub error: Option<String>,
}

/// The 64-hex id of a pod's sandbox, as the runtime names it.
pub fn sandbox_id(uid: &str) -> String {
    crate::kubelet::images::digest_of(uid)[7..].to_string()
}

impl Network {
    /// A connection the laptop made to one of its forwarded ports: into the pod's network
    /// namespace, on `localhost:REMOTE` there.
    pub(super) fn port_forward(
        &mut self,
        api: &ApiServer,
        origin: &Origin,
        forward: &LocalForward,
        request: Option<&HttpRequest>,
    ) -> Connection {
        let now = api.now();
        let to = format!("localhost:{}", forward.local_port);
        let local = "127.0.0.1".to_string();
        let sandbox = sandbox_id(&forward.uid);
        let pod = api
            .get::<Pod>(&forward.namespace, &forward.pod)
            .ok()
            .filter(|p| crate::podutil::uid(p) == forward.uid);
        let node = pod.and_then(|p| crate::podutil::node_name(p).map(str::to_string));
        let ip = pod.and_then(|p| crate::controllers::endpoints::pod_ip(p).map(str::to_string));
        let mut hops = vec![Hop {
            kind: "port-forward".into(),
            at: "outside".into(),
            detail: format!(
                "{to} → kube-apiserver → kubelet on {} → pod {}/{} port {}",
                node.as_deref().unwrap_or("?"),
                forward.namespace,
                forward.pod,
                forward.remote_port
            ),
        }];
        let (connection, served_by, error) = match (pod, &node, &ip) {
            (Some(pod), Some(node), Some(ip)) if crate::podutil::phase(pod) == "Running" => {
                let (connection, served_by) = self.answer_at(
                    api,
                    &local,
                    ip,
                    forward.remote_port,
                    request,
                    Some(node.clone()),
                    &mut hops,
                );
                match connection {
                    Connection::Refused { .. } | Connection::TimedOut { .. } => {
                        let port = forward.remote_port;
                        let netns = format!(
                            "/var/run/netns/cni-{}-{}-{}-{}-{}",
                            &sandbox[0..8],
                            &sandbox[8..12],
                            &sandbox[12..16],
                            &sandbox[16..20],
                            &sandbox[20..32]
                        );
                        let error = format!(
                            "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"{netns}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
                        );
                        (Connection::Connected { ip: local.clone() }, None, Some(error))
                    }
                    other => (other, served_by, None),
                }
            }
            _ => {
                hops.push(Hop {
                    kind: "refused".into(),
                    at: node.clone().unwrap_or_else(|| "outside".into()),
                    detail: format!("pod {}/{} is gone", forward.namespace, forward.pod),
                });
                let error = format!(
                    "error forwarding port {} to pod {sandbox}, uid : failed to find sandbox \"{sandbox}\" in store: not found",
                    forward.remote_port
                );
                (Connection::Connected { ip: local.clone() }, None, Some(error))
            }
        };
        self.forwarded.push(ForwardedConnection {
            local_port: forward.local_port,
            remote_port: forward.remote_port,
            uid: forward.uid.clone(),
            error,
        });
        self.push_trace(Trace { at: now, from: origin.label.clone(), to, hops, served_by });
        connection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward(address: &str) -> LocalForward {
        LocalForward {
            address: address.into(),
            local_port: 8080,
            remote_port: 80,
            namespace: "default".into(),
            pod: "web".into(),
            uid: "u".into(),
        }
    }

    #[test]
    fn listeners_accept_their_addresses() {
        assert!(forward("127.0.0.1").accepts("localhost", 8080));
        assert!(forward("127.0.0.1").accepts("127.0.0.1", 8080));
        assert!(!forward("127.0.0.1").accepts("127.0.0.1", 8081));
        assert!(!forward("127.0.0.1").accepts(LAPTOP_IP, 8080));
        assert!(forward("::1").accepts("[::1]", 8080));
        assert!(forward("0.0.0.0").accepts(LAPTOP_IP, 8080));
        assert!(forward("0.0.0.0").accepts("localhost", 8080));
    }
}
