//! The page's "Send requests" control: one HTTP GET from a pod, a node or outside the cluster,
//! sent as `curl -sS URL` would be from there, through the request model (so it is resolved,
//! matched against kube-proxy's rules, load-balanced and logged like any other request).

use super::{Origin, Trace};
use crate::Simulation;
use crate::container::{ClientCall, network_client};
use k8s_openapi::api::core::v1::{Node, Pod};

/// Where requests start.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A running pod: its namespace's DNS search path, its node's kube-proxy rules.
    Pod { namespace: String, name: String },
    /// A node's own network namespace (as `ssh NODE` then `curl`).
    Node(String),
    /// The student's laptop: node ports, load balancer and external IPs only.
    Outside,
}

impl Source {
    /// The address and node a request from here starts with, or why there is none.
    pub fn origin(&self, sim: &Simulation) -> Result<Origin, String> {
        let api = sim.api();
        match self {
            Source::Outside => Ok(Origin::outside()),
            Source::Node(name) => {
                let node = api.get::<Node>("", name).map_err(|_| {
                    format!("Error from server (NotFound): nodes \"{name}\" not found")
                })?;
                let ip = crate::cluster::node_address(node, "InternalIP").unwrap_or_default();
                Ok(Origin::node(name, ip))
            }
            Source::Pod { namespace, name } => {
                let pod = api.get::<Pod>(namespace, name).map_err(|_| {
                    format!("Error from server (NotFound): pods \"{name}\" not found")
                })?;
                let ip = pod.status.as_ref().and_then(|s| s.pod_ip.as_deref());
                match (crate::podutil::node_name(pod), ip) {
                    (Some(node), Some(ip)) if crate::podutil::phase(pod) == "Running" => {
                        Ok(Origin::pod(namespace, name, ip, node))
                    }
                    _ => Err(format!("pod {name} is not running: it has no address to send from")),
                }
            }
        }
    }
}

/// What one request did: its trace (hops, the pod that answered) and curl's error, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub trace: Option<Trace>,
    /// curl's message when the request failed (`curl: (7) Failed to connect…`).
    pub error: Option<String>,
}

/// Sends `GET url` from `source`, as curl does, at the current cluster time.
pub fn send_request(sim: &mut Simulation, source: &Source, url: &str) -> Sent {
    let origin = match source.origin(sim) {
        Ok(origin) => origin,
        Err(error) => return Sent { trace: None, error: Some(error) },
    };
    let label = origin.label.clone();
    let args = ["-sS".to_string(), url.to_string()];
    let mut discard = |_: &str, _: &str| true;
    let error = sim.on_network(origin, |net| {
        let mut call = ClientCall {
            name: "curl",
            args: &args,
            out: String::new(),
            err: String::new(),
            legacy_nslookup: false,
            save: &mut discard,
        };
        let _ = network_client(&mut call, net);
        call.err
    });
    let now = sim.now();
    // The request is the newest trace from this source at this instant (settling after it
    // may record other clients' requests, never this one's).
    let trace = sim
        .recent_requests()
        .filter(|t| t.from == label && t.at == now && !t.to.starts_with("dns "))
        .last()
        .cloned();
    Sent { trace, error: Some(error.trim_end().to_string()).filter(|e| !e.is_empty()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;

    #[test]
    fn requests_to_a_service_reach_its_pods_through_kube_proxy() {
        let mut sim = Simulation::new(1);
        Shell::new().run_script(
            &mut sim,
            "kubectl create deployment web --image=nginx --replicas=3\nkubectl expose deployment web --port=80\nkubectl run client --image=nginx\nsleep 30",
        );
        let client = Source::Pod { namespace: "default".into(), name: "client".into() };
        let mut served = std::collections::BTreeSet::new();
        for _ in 0..30 {
            let sent = send_request(&mut sim, &client, "http://web");
            assert_eq!(sent.error, None);
            let trace = sent.trace.expect("a trace");
            let kinds: Vec<&str> = trace.hops.iter().map(|h| h.kind.as_str()).collect();
            assert_eq!(kinds, ["dns", "service", "kube-proxy", "pod"]);
            served.insert(trace.served_by.expect("a pod answered"));
        }
        assert_eq!(served.len(), 3, "30 requests spread over the 3 endpoints: {served:?}");
        let recorded = sim.recent_requests().filter(|t| t.served_by.is_some()).count();
        assert_eq!(recorded, 30);
    }

    #[test]
    fn outside_cannot_resolve_a_service_name_and_says_so_as_curl() {
        let mut sim = Simulation::new(1);
        Shell::new().run_script(&mut sim, "kubectl create deployment web --image=nginx\nkubectl expose deployment web --port=80\nsleep 20");
        let sent = send_request(&mut sim, &Source::Outside, "http://web");
        assert_eq!(sent.error.as_deref(), Some("curl: (6) Could not resolve host: web"));
        let missing = Source::Pod { namespace: "default".into(), name: "nope".into() };
        let sent = send_request(&mut sim, &missing, "http://web");
        assert!(sent.trace.is_none());
        assert!(sent.error.is_some_and(|e| e.contains("\"nope\" not found")));
    }
}
