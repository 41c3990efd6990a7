//! One request's way through the cluster: the name resolved (cluster DNS for pods, the host's
//! resolver for nodes and outside), the destination address matched against the kube-proxy
//! rules of the node the packet is on (cluster IP, node port, external and load balancer
//! IPs), DNAT to an endpoint, and the container listening there. Each step is a [`Hop`].

use super::kube_proxy::Verdict;
use super::port_forward::{self, LocalForward};
use super::{Delivery, Network, dns, policy};
use crate::api::ApiServer;
use crate::api::http::ApiRequest;
use crate::container::net::{Connection, HttpRequest, Lookup, Network as ContainerNetwork, Record};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Node;
use serde::{Deserialize, Serialize};

/// How many finished requests the network keeps for the page.
pub const MAX_TRACES: usize = 256;

/// Where a request starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The source address.
    pub ip: String,
    /// The node the packet starts on; `None` outside the cluster.
    pub node: Option<String>,
    /// A pod's namespace: its resolver searches it. `None` for nodes and outside.
    pub namespace: Option<String>,
    /// What the page calls the source (`pod/NAME`, `node/NAME`, `outside`).
    pub label: String,
    /// On the laptop: the ports `kubectl port-forward` listens on.
    #[serde(default)]
    pub forwards: Vec<LocalForward>,
}

impl Origin {
    /// A pod on `node`.
    pub fn pod(namespace: &str, name: &str, ip: &str, node: &str) -> Origin {
        Origin {
            ip: ip.to_string(),
            node: Some(node.to_string()),
            namespace: Some(namespace.to_string()),
            label: format!("pod/{name}"),
            forwards: Vec::new(),
        }
    }

    /// The node itself (`ssh NODE`, then `curl`).
    pub fn node(name: &str, ip: &str) -> Origin {
        Origin {
            ip: ip.to_string(),
            node: Some(name.to_string()),
            namespace: None,
            label: format!("node/{name}"),
            forwards: Vec::new(),
        }
    }

    /// The student's laptop, outside the cluster network.
    pub fn outside() -> Origin {
        Origin::laptop(Vec::new())
    }

    /// The laptop with the ports `kubectl port-forward` listens on there.
    pub fn laptop(forwards: Vec<LocalForward>) -> Origin {
        Origin {
            ip: port_forward::LAPTOP_IP.to_string(),
            node: None,
            namespace: None,
            label: "outside".to_string(),
            forwards,
        }
    }
}

/// One step of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    /// `dns`, `service`, `kube-proxy`, `pod`, `apiserver`, `dropped`, `refused`.
    pub kind: String,
    /// Where the packet is (a node name, `outside`).
    pub at: String,
    pub detail: String,
}

/// A finished request with its hops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub at: SimTime,
    pub from: String,
    pub to: String,
    pub hops: Vec<Hop>,
    /// The pod that answered (`NAMESPACE/NAME`), if one did.
    pub served_by: Option<String>,
}

impl Network {
    /// Resolves a name for `origin`: pods use the cluster DNS with their search path; nodes
    /// and outside know only node names and addresses.
    pub fn lookup(&self, api: &ApiServer, origin: &Origin, name: &str, srv: bool) -> Lookup {
        match &origin.namespace {
            Some(_)
                if !self.cluster_dns_answers(origin.node.as_deref().unwrap_or(""), api.now()) =>
            {
                Lookup { server: dns::CLUSTER_DNS_IP.into(), answer: None, timed_out: true }
            }
            Some(namespace) => dns::lookup(api, Some(namespace), name, srv),
            None => {
                let node_ip = api
                    .list::<Node>(None)
                    .find(|n| n.metadata.name.as_deref() == Some(name))
                    .and_then(|n| crate::cluster::node_address(n, "InternalIP"));
                let answer = match node_ip {
                    Some(ip) => Some((name.to_string(), vec![Record::A(ip.to_string())])),
                    None if name == "localhost" => {
                        Some((name.to_string(), vec![Record::A("127.0.0.1".into())]))
                    }
                    None => None,
                };
                Lookup { server: "127.0.0.53".into(), answer, timed_out: false }
            }
        }
    }

    /// Connects from `origin` to `host:port` and sends `request`, recording the way.
    pub fn connect(
        &mut self,
        api: &mut ApiServer,
        origin: &Origin,
        host: &str,
        port: u16,
        request: Option<&HttpRequest>,
    ) -> Connection {
        let now = api.now();
        if origin.node.is_none() && port_forward::is_local(host) {
            // The laptop itself: a port `kubectl port-forward` listens on, or nothing.
            if let Some(forward) = origin.forwards.iter().find(|f| f.accepts(host, port)) {
                return self.port_forward(api, origin, forward, request);
            }
            let hops = vec![Hop {
                kind: "refused".into(),
                at: "outside".into(),
                detail: format!("nothing listens on {host}:{port} on the laptop"),
            }];
            self.record(now, origin, &format!("{host}:{port}"), hops, None);
            return Connection::Refused { ip: "127.0.0.1".into() };
        }
        let mut hops = Vec::new();
        let here = origin.node.clone().unwrap_or_else(|| "outside".to_string());
        let ip = if is_ip(host) {
            host.to_string()
        } else {
            let lookup = self.lookup(api, origin, host, false);
            let address = lookup.answer.as_ref().and_then(|(_, records)| {
                records.iter().find_map(|r| match r {
                    Record::A(ip) => Some(ip.clone()),
                    _ => None,
                })
            });
            match address {
                Some(ip) => {
                    hops.push(Hop {
                        kind: "dns".into(),
                        at: here.clone(),
                        detail: format!("{host} → {ip} ({})", lookup.server),
                    });
                    ip
                }
                None => {
                    if lookup.timed_out {
                        hops.push(Hop {
                            kind: "dropped".into(),
                            at: here.clone(),
                            detail: format!(
                                "{host}: no CoreDNS pod answers at {} (kube-dns has no ready endpoints)",
                                lookup.server
                            ),
                        });
                    }
                    self.record(now, origin, host, hops, None);
                    return Connection::UnknownHost;
                }
            }
        };
        let (connection, served_by) = self.route(api, origin, &ip, port, request, &mut hops);
        self.record(now, origin, &format!("{host}:{port}"), hops, served_by);
        connection
    }

    fn record(
        &mut self,
        at: SimTime,
        origin: &Origin,
        to: &str,
        hops: Vec<Hop>,
        served_by: Option<String>,
    ) {
        self.push_trace(Trace {
            at,
            from: origin.label.clone(),
            to: to.to_string(),
            hops,
            served_by,
        });
    }

    pub(super) fn push_trace(&mut self, trace: Trace) {
        self.recent.push_back(trace);
        while self.recent.len() > MAX_TRACES {
            self.recent.pop_front();
        }
    }

    /// From the destination address on: the service rules of the node the packet is on, then
    /// the pod or node that has the address.
    fn route(
        &mut self,
        api: &mut ApiServer,
        origin: &Origin,
        ip: &str,
        port: u16,
        request: Option<&HttpRequest>,
        hops: &mut Vec<Hop>,
    ) -> (Connection, Option<String>) {
        let now = api.now();
        let nodes: Vec<(String, String)> = api
            .list::<Node>(None)
            .filter_map(|n| {
                Some((
                    n.metadata.name.clone()?,
                    crate::cluster::node_address(n, "InternalIP")?.to_string(),
                ))
            })
            .collect();
        let mut node_ips: Vec<&str> = nodes.iter().map(|(_, ip)| ip.as_str()).collect();
        if origin.node.is_some() {
            // On a node, node ports answer on localhost too (kube-proxy's localhost nodeports).
            node_ips.push("127.0.0.1");
        }
        // The node whose rules the packet meets: where it starts, or for a packet from
        // outside, the node it is addressed to (or the one a load balancer picks).
        let mut at_node = origin.node.clone().or_else(|| {
            nodes.iter().find(|(_, node_ip)| node_ip == ip).map(|(name, _)| name.clone())
        });
        if at_node.is_none() {
            let balanced = self.proxies.values().any(|p| {
                p.rules().iter().any(|r| {
                    r.port == i32::from(port) && r.load_balancer_ips.iter().any(|l| l == ip)
                })
            });
            if balanced && !nodes.is_empty() {
                let workers: Vec<&(String, String)> =
                    nodes.iter().filter(|(name, _)| name != "controlplane").collect();
                let pool = if workers.is_empty() { nodes.iter().collect() } else { workers };
                let (name, _) = pool[self.balancer_turn % pool.len()];
                self.balancer_turn += 1;
                hops.push(Hop {
                    kind: "loadbalancer".into(),
                    at: "outside".into(),
                    detail: format!("{ip}:{port} → node {name}"),
                });
                at_node = Some(name.clone());
            }
        }
        let mut target = (ip.to_string(), port);
        if let Some(node) = &at_node
            && let Some(proxy) = self.proxies.get_mut(node)
            && let Some((rule, entry)) =
                proxy.find(ip, i32::from(port), &node_ips).map(|(r, e)| (r.name.clone(), e))
        {
            hops.push(Hop {
                kind: "service".into(),
                at: node.clone(),
                detail: format!("{ip}:{port} is {rule}"),
            });
            match proxy.route(&rule, entry, &origin.ip, now) {
                Verdict::Forward { endpoint, via } => {
                    hops.push(Hop {
                        kind: "kube-proxy".into(),
                        at: node.clone(),
                        detail: format!("{via}: DNAT to {}", endpoint.address()),
                    });
                    target = (endpoint.ip.clone(), u16::try_from(endpoint.port).unwrap_or(0));
                }
                Verdict::Reject => {
                    hops.push(Hop {
                        kind: "refused".into(),
                        at: node.clone(),
                        detail: format!("{rule} has no endpoints"),
                    });
                    return (Connection::Refused { ip: ip.to_string() }, None);
                }
                Verdict::Drop => {
                    hops.push(Hop {
                        kind: "dropped".into(),
                        at: node.clone(),
                        detail: format!("{rule} has no local endpoints"),
                    });
                    return (Connection::TimedOut { ip: ip.to_string() }, None);
                }
            }
        }
        let (target_ip, target_port) = target;
        // A packet routed through a node (arriving from elsewhere, or leaving one of its pods
        // for another node) needs the node's kernel to forward it.
        let target_node = api
            .list::<k8s_openapi::api::core::v1::Pod>(None)
            .find(|p| {
                crate::controllers::endpoints::pod_ip(p) == Some(target_ip.as_str())
                    && !p.spec.as_ref().and_then(|s| s.host_network).unwrap_or(false)
            })
            .and_then(|p| crate::podutil::node_name(p).map(str::to_string));
        if let (Some(node), Some(pod_node)) = (&at_node, &target_node) {
            let from_elsewhere = origin.node.as_ref() != Some(node);
            let from_local_pod = origin.namespace.is_some() && !from_elsewhere;
            let forwards = from_elsewhere || (from_local_pod && pod_node != node);
            if forwards && self.not_forwarding.contains(node) {
                hops.push(Hop {
                    kind: "dropped".into(),
                    at: node.clone(),
                    detail: format!(
                        "{node} does not forward to {target_ip}:{target_port} (net.ipv4.ip_forward = 0)"
                    ),
                });
                return (Connection::TimedOut { ip: ip.to_string() }, None);
            }
        }
        // The API server listens on the control plane's address, port 6443.
        if target_port == 6443
            && let Some((name, _)) = nodes.iter().find(|(_, a)| *a == target_ip)
        {
            hops.push(Hop {
                kind: "apiserver".into(),
                at: name.clone(),
                detail: format!("kube-apiserver on {target_ip}:6443"),
            });
            let Some(request) = request else {
                return (Connection::Connected { ip: ip.to_string() }, None);
            };
            let token = request.headers.iter().find_map(|(n, v)| {
                n.eq_ignore_ascii_case("authorization")
                    .then(|| v.strip_prefix("Bearer ").map(str::trim))
                    .flatten()
            });
            let answer = api.serve_http(
                now,
                &ApiRequest {
                    method: &request.method,
                    path: &request.path,
                    bearer_token: token,
                    body: request.body.as_deref(),
                },
            );
            return (
                Connection::Answered {
                    ip: ip.to_string(),
                    status: answer.status,
                    body: answer.body,
                },
                None,
            );
        }
        // NetworkPolicy: egress at the source pod, ingress at the destination pod.
        let source_pod =
            origin.namespace.as_ref().and_then(|_| policy::pod_with_ip(api, &origin.ip));
        let target_pod = policy::pod_with_ip(api, &target_ip);
        if let Err(denial) = policy::check(
            api,
            &policy::Endpoint { ip: &origin.ip, pod: source_pod },
            &policy::Endpoint { ip: &target_ip, pod: target_pod },
            target_port,
            "TCP",
        ) {
            hops.push(Hop {
                kind: "dropped".into(),
                at: at_node.clone().unwrap_or_else(|| "outside".into()),
                detail: format!(
                    "NetworkPolicy {} isolates {} ({}): no rule allows {target_ip}:{target_port}",
                    denial.policies.join(", "),
                    denial.pod,
                    denial.direction
                ),
            });
            return (Connection::TimedOut { ip: ip.to_string() }, None);
        }
        self.answer_at(api, ip, &target_ip, target_port, request, at_node, hops)
    }

    /// The container listening on `target_ip:target_port` answers (`ip` is the address the
    /// client connected to); RST when the address exists and nothing listens, else a drop.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn answer_at(
        &mut self,
        api: &ApiServer,
        ip: &str,
        target_ip: &str,
        target_port: u16,
        request: Option<&HttpRequest>,
        at_node: Option<String>,
        hops: &mut Vec<Hop>,
    ) -> (Connection, Option<String>) {
        let now = api.now();
        if matches!(target_port, 80 | 443)
            && self.servers.values().any(|p| p.ip == target_ip)
            && let Some((controller, node)) = super::ingress::controller_at(api, target_ip)
        {
            let mut request = request.cloned();
            if let Some(request) = request.as_mut() {
                request.https = target_port == 443;
            }
            let (connection, served_by) =
                self.ingress_proxy(api, &controller, &node, request.as_ref(), hops);
            return (with_ip(connection, ip), served_by);
        }
        let served: Vec<String> = self
            .servers
            .iter()
            .filter(|(_, pod)| pod.ip == target_ip)
            .map(|(uid, _)| uid.clone())
            .collect();
        let pod_known = !served.is_empty()
            || api
                .list::<k8s_openapi::api::core::v1::Pod>(None)
                .any(|p| crate::controllers::endpoints::pod_ip(p) == Some(target_ip));
        for uid in served {
            let Some(pod) = self.servers.get_mut(&uid) else { continue };
            for (container, instance) in &mut pod.containers {
                if !instance.listens_on(target_port, now) {
                    continue;
                }
                let who = format!("{}/{}", pod.namespace, pod.name);
                hops.push(Hop {
                    kind: "pod".into(),
                    at: pod.node.clone(),
                    detail: format!("{who} ({target_ip}:{target_port}, container {container})"),
                });
                let Some(request) = request else {
                    return (Connection::Connected { ip: ip.to_string() }, Some(who));
                };
                let answer =
                    instance.http_get(target_port, &request.path, &request.user_agent, now);
                self.deliveries.push(Delivery {
                    node: pod.node.clone(),
                    pod_uid: uid.clone(),
                    container: container.clone(),
                    port: target_port,
                    path: request.path.clone(),
                    user_agent: request.user_agent.clone(),
                });
                return match answer {
                    Some(answer) => (
                        Connection::Answered {
                            ip: ip.to_string(),
                            status: answer.status,
                            body: answer.body,
                        },
                        Some(who),
                    ),
                    None => (Connection::Connected { ip: ip.to_string() }, Some(who)),
                };
            }
        }
        let node_address = target_ip == "127.0.0.1"
            || api
                .list::<Node>(None)
                .any(|n| crate::cluster::node_address(n, "InternalIP") == Some(target_ip));
        if pod_known || node_address {
            // The address exists and nothing listens on the port: RST.
            hops.push(Hop {
                kind: "refused".into(),
                at: at_node.unwrap_or_else(|| "outside".into()),
                detail: format!("nothing listens on {target_ip}:{target_port}"),
            });
            return (Connection::Refused { ip: ip.to_string() }, None);
        }
        hops.push(Hop {
            kind: "dropped".into(),
            at: at_node.unwrap_or_else(|| "outside".into()),
            detail: format!("no route to {target_ip}"),
        });
        (Connection::TimedOut { ip: ip.to_string() }, None)
    }
}

/// The connection as the client sees it: to the address it connected to.
fn with_ip(connection: Connection, ip: &str) -> Connection {
    let ip = ip.to_string();
    match connection {
        Connection::Answered { status, body, .. } => Connection::Answered { ip, status, body },
        Connection::Connected { .. } => Connection::Connected { ip },
        Connection::Refused { .. } => Connection::Refused { ip },
        Connection::TimedOut { .. } => Connection::TimedOut { ip },
        Connection::UnknownHost => Connection::UnknownHost,
    }
}

fn is_ip(host: &str) -> bool {
    host.split('.').count() == 4 && host.split('.').all(|o| o.parse::<u8>().is_ok())
}

/// The network as one pod (or node) reaches it, for the programs in its containers.
pub struct Link<'a> {
    pub network: &'a mut Network,
    pub api: &'a mut ApiServer,
    pub origin: Origin,
}

impl Link<'_> {
    /// Whether the pod's egress policies let it reach CoreDNS (port 53/UDP of a
    /// `k8s-app=kube-dns` pod in kube-system), the classic thing a default-deny egress breaks.
    fn dns_allowed(&self) -> bool {
        if self.origin.namespace.is_none() {
            return true;
        }
        let Some(source) = policy::pod_with_ip(self.api, &self.origin.ip) else { return true };
        let coredns = k8s_openapi::api::core::v1::Pod {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("coredns".into()),
                namespace: Some("kube-system".into()),
                labels: Some([("k8s-app".to_string(), "kube-dns".to_string())].into()),
                ..Default::default()
            },
            ..Default::default()
        };
        policy::check(
            self.api,
            &policy::Endpoint { ip: &self.origin.ip, pod: Some(source) },
            &policy::Endpoint { ip: dns::CLUSTER_DNS_IP, pod: Some(&coredns) },
            53,
            "UDP",
        )
        .is_ok()
    }
}

impl Link<'_> {
    /// Records a lookup of `name` that a NetworkPolicy kept from reaching CoreDNS.
    fn record_dns_denied(&mut self, name: &str) {
        let hops = vec![Hop {
            kind: "dropped".into(),
            at: self.origin.node.clone().unwrap_or_default(),
            detail: format!(
                "a NetworkPolicy's egress rules do not allow DNS ({})",
                dns::CLUSTER_DNS_IP
            ),
        }];
        self.network.record(self.api.now(), &self.origin, &format!("dns {name}"), hops, None);
    }
}

impl ContainerNetwork for Link<'_> {
    fn lookup(&mut self, name: &str, srv: bool) -> Lookup {
        if !self.dns_allowed() {
            self.record_dns_denied(name);
            return Lookup { server: dns::CLUSTER_DNS_IP.into(), answer: None, timed_out: true };
        }
        let lookup = self.network.lookup(self.api, &self.origin, name, srv);
        let hops = vec![Hop {
            kind: if lookup.timed_out { "dropped" } else { "dns" }.into(),
            at: self.origin.node.clone().unwrap_or_default(),
            detail: match &lookup.answer {
                _ if lookup.timed_out => format!(
                    "{name}: no CoreDNS pod answers at {} (kube-dns has no ready endpoints)",
                    lookup.server
                ),
                Some((fqdn, _)) => format!("{name}: {fqdn} ({})", lookup.server),
                None => format!("{name}: NXDOMAIN ({})", lookup.server),
            },
        }];
        self.network.record(self.api.now(), &self.origin, &format!("dns {name}"), hops, None);
        lookup
    }

    fn connect(&mut self, host: &str, port: u16, request: Option<&HttpRequest>) -> Connection {
        // A name needs the cluster DNS first: curl and wget fail to resolve it as nslookup does.
        if !is_ip(host) && !self.dns_allowed() {
            self.record_dns_denied(host);
            return Connection::UnknownHost;
        }
        self.network.connect(self.api, &self.origin, host, port, request)
    }
}
