//! The cluster network: plumbing, not a component. It holds each node's kube-proxy (which reads
//! Services and EndpointSlices through the API server like any client), answers DNS as CoreDNS
//! does (`dns.rs`), and carries requests (`request.rs`): DNS → service IP → the kube-proxy rules
//! of the node the packet is on → endpoint → the pod's container, recording each hop.

pub mod client;
pub mod dns;
pub mod ingress;
pub mod kube_proxy;
pub mod policy;
pub mod port_forward;
pub mod request;

use crate::api::ApiServer;
use crate::container::Instance;
use crate::rng::Rng;
use k8s_openapi::api::core::v1::{Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
pub use kube_proxy::{KubeProxy, ProxyMode};
pub use request::{Hop, Origin, Trace};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Network {
    mode: ProxyMode,
    /// One kube-proxy per node, by node name.
    proxies: BTreeMap<String, KubeProxy>,
    /// Copies of the serving processes, by pod uid, to answer requests with while the real
    /// ones are busy in their kubelet's pass; refreshed for the pods that changed.
    #[serde(skip)]
    servers: BTreeMap<String, ServedPod>,
    #[serde(skip)]
    servers_seen: u64,
    /// Requests that reached a container, for its real process to log.
    #[serde(skip)]
    deliveries: Vec<Delivery>,
    /// The latest requests and their hops, newest last, for the page to animate.
    #[serde(default)]
    recent: VecDeque<Trace>,
    /// Picks which node a load balancer sends a packet to.
    #[serde(default)]
    balancer_turn: usize,
    /// Nodes whose kernel does not forward packets (`net.ipv4.ip_forward = 0`), as their
    /// machines say at each settle.
    #[serde(skip)]
    not_forwarding: std::collections::BTreeSet<String>,
    /// ingress-nginx's round robin position per backend (`NAMESPACE/SERVICE:PORT`).
    #[serde(default)]
    ingress_turns: BTreeMap<String, usize>,
    /// Connections through `kubectl port-forward` since kubectl last looked.
    #[serde(skip)]
    forwarded: Vec<port_forward::ForwardedConnection>,
    /// The nodes whose kube-proxy pod runs, as of the Pods at `proxy_pods_seen`: only those
    /// kube-proxies follow Services and EndpointSlices (elsewhere the rules stay as they were
    /// last written, as iptables keeps them when kube-proxy is gone).
    #[serde(skip)]
    proxy_pods: std::collections::BTreeSet<String>,
    #[serde(skip)]
    proxy_pods_seen: u64,
    /// The resourceVersion [`Network::sync`] last looked at.
    #[serde(skip)]
    synced: u64,
}

/// A running pod's serving containers.
#[derive(Clone, Debug)]
pub struct ServedPod {
    pub ip: String,
    pub node: String,
    pub namespace: String,
    pub name: String,
    /// Container name → a copy of its serving process.
    pub containers: Vec<(String, Instance)>,
}

/// A request a container answered, for the kubelet to hand to the real process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub node: String,
    pub pod_uid: String,
    pub container: String,
    pub port: u16,
    pub path: String,
    pub user_agent: String,
}

impl Network {
    pub fn new(mode: ProxyMode) -> Self {
        Network { mode, ..Default::default() }
    }

    /// Which nodes do not forward packets (`net.ipv4.ip_forward = 0`).
    pub fn set_not_forwarding(&mut self, nodes: std::collections::BTreeSet<String>) {
        self.not_forwarding = nodes;
    }

    /// Requests that reached containers since the last call.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.deliveries)
    }

    /// Connections through `kubectl port-forward` listeners since the last call.
    pub fn take_forwarded(&mut self) -> Vec<port_forward::ForwardedConnection> {
        std::mem::take(&mut self.forwarded)
    }

    /// The latest requests (at most [`request::MAX_TRACES`]), oldest first.
    pub fn recent_requests(&self) -> impl Iterator<Item = &Trace> {
        self.recent.iter()
    }

    /// Keeps the copies of serving processes current for the pods that changed.
    pub fn refresh_servers(
        &mut self,
        api: &ApiServer,
        kubelets: &BTreeMap<String, crate::kubelet::Kubelet>,
    ) {
        use crate::podutil;
        use k8s_openapi::api::core::v1::Pod;
        let seen = self.servers_seen;
        if seen != 0 && !api.kind_changed_since::<Pod>(seen) {
            return;
        }
        for pod in api.deleted_since::<Pod>(seen) {
            self.servers.remove(podutil::uid(pod));
        }
        for pod in api.changed_since::<Pod>(seen) {
            let uid = podutil::uid(pod).to_string();
            self.servers.remove(&uid);
            let Some(node) = podutil::node_name(pod) else { continue };
            let Some(ip) = crate::controllers::endpoints::pod_ip(pod) else { continue };
            let Some(kubelet) = kubelets.get(node) else { continue };
            let containers = kubelet.server_copies(&uid);
            if containers.is_empty() {
                continue;
            }
            self.servers.insert(
                uid,
                ServedPod {
                    ip: ip.to_string(),
                    node: node.to_string(),
                    namespace: podutil::namespace(pod).to_string(),
                    name: podutil::name(pod).to_string(),
                    containers,
                },
            );
        }
        self.servers_seen = api.resource_version();
    }

    pub fn mode(&self) -> ProxyMode {
        self.mode
    }

    /// Starts a kube-proxy on every node that joined, stops those of nodes that left, and
    /// lets each re-read what changed. Each draws from its own stream (`kube-proxy/NODE`).
    /// Nothing to do unless Nodes, the kube-proxy pods, Services or EndpointSlices changed.
    pub fn sync(&mut self, api: &ApiServer, seed: u64) {
        let seen = self.synced;
        let nodes_changed = seen == 0 || api.kind_changed_since::<Node>(seen);
        let proxies_moved = self.find_proxy_pods(api);
        let rules_changed = api.kind_changed_since::<Service>(seen)
            || api.kind_changed_since::<EndpointSlice>(seen);
        self.synced = api.resource_version();
        if !(nodes_changed || proxies_moved || rules_changed) {
            return;
        }
        if nodes_changed {
            self.proxies.retain(|name, _| api.get::<Node>("", name).is_ok());
        }
        for node in api.list::<Node>(None) {
            let node = node.metadata.name.as_deref().unwrap_or_default();
            if !self.proxy_pods.contains(node) {
                continue;
            }
            let proxy = match self.proxies.get_mut(node) {
                Some(proxy) => proxy,
                None => {
                    let rng = Rng::new(seed).fork(&format!("kube-proxy/{node}"));
                    let proxy = KubeProxy::new(node, self.mode, rng);
                    self.proxies.entry(node.to_string()).or_insert(proxy)
                }
            };
            proxy.sync(api);
        }
    }

    /// Which nodes run their kube-proxy pod (kubeadm's DaemonSet, `k8s-app=kube-proxy` in
    /// kube-system), looked up again when a pod in kube-system changed. Returns whether it
    /// looked.
    fn find_proxy_pods(&mut self, api: &ApiServer) -> bool {
        use k8s_openapi::api::core::v1::Pod;
        let seen = self.proxy_pods_seen;
        if seen != 0 && !api.kind_changed_since::<Pod>(seen) {
            return false;
        }
        self.proxy_pods_seen = api.resource_version();
        // Most pod writes are other pods' status: only kube-system's can move a kube-proxy.
        let in_kube_system = |pod: &Pod| crate::podutil::namespace(pod) == "kube-system";
        if seen != 0
            && !api
                .changed_since::<Pod>(seen)
                .chain(api.deleted_since::<Pod>(seen))
                .any(in_kube_system)
        {
            return false;
        }
        self.proxy_pods.clear();
        for pod in api.list::<Pod>(Some("kube-system")) {
            let labels = pod.metadata.labels.as_ref();
            let proxy = labels.and_then(|l| l.get("k8s-app")).map(String::as_str);
            if proxy == Some("kube-proxy")
                && crate::podutil::phase(pod) == "Running"
                && let Some(node) = crate::podutil::node_name(pod)
            {
                self.proxy_pods.insert(node.to_string());
            }
        }
        true
    }

    /// Whether a DNS query from a pod on `node` reaches CoreDNS: its kube-proxy has an
    /// endpoint for the cluster DNS Service's port 53 where a container listens. Without
    /// one, the resolver's queries go unanswered until it gives up.
    pub fn cluster_dns_answers(&self, node: &str, now: crate::time::SimTime) -> bool {
        let Some(proxy) = self.proxies.get(node) else { return false };
        proxy
            .rules()
            .iter()
            .filter(|r| r.cluster_ip == dns::CLUSTER_DNS_IP && r.port == 53)
            .flat_map(|r| r.endpoints.iter())
            .any(|endpoint| {
                self.servers.values().any(|pod| {
                    pod.ip == endpoint.ip
                        && pod.containers.iter().any(|(_, c)| c.listens_on(53, now))
                })
            })
    }

    pub fn proxy(&self, node: &str) -> Option<&KubeProxy> {
        self.proxies.get(node)
    }

    pub fn proxy_mut(&mut self, node: &str) -> Option<&mut KubeProxy> {
        self.proxies.get_mut(node)
    }
}

/// The Docker-link style variables the kubelet gives containers for Services
/// (`envvars.FromServices`): the `kubernetes` Service's always, then, when `enabled`, those of
/// every Service in `namespace` that has a cluster IP.
pub fn service_links(api: &ApiServer, namespace: &str, enabled: bool) -> Vec<(String, String)> {
    let mut services: Vec<&Service> = Vec::new();
    if let Ok(kubernetes) = api.get::<Service>("default", "kubernetes") {
        services.push(kubernetes);
    }
    if enabled {
        services.extend(api.list::<Service>(Some(namespace)).filter(|s| {
            !(namespace == "default" && s.metadata.name.as_deref() == Some("kubernetes"))
        }));
    }
    let mut vars = Vec::new();
    for service in services {
        let Some(spec) = &service.spec else { continue };
        let ip = spec.cluster_ip.as_deref().unwrap_or_default();
        if ip.is_empty() || ip == "None" {
            continue;
        }
        let Some(first) = spec.ports.iter().flatten().next() else { continue };
        let prefix =
            service.metadata.name.as_deref().unwrap_or_default().to_uppercase().replace('-', "_");
        vars.push((format!("{prefix}_SERVICE_HOST"), ip.to_string()));
        vars.push((format!("{prefix}_SERVICE_PORT"), first.port.to_string()));
        for port in spec.ports.iter().flatten() {
            if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
                let name = name.to_uppercase().replace('-', "_");
                vars.push((format!("{prefix}_SERVICE_PORT_{name}"), port.port.to_string()));
            }
        }
        let protocol = |p: &k8s_openapi::api::core::v1::ServicePort| {
            p.protocol.as_deref().unwrap_or("TCP").to_string()
        };
        vars.push((
            format!("{prefix}_PORT"),
            format!("{}://{ip}:{}", protocol(first).to_lowercase(), first.port),
        ));
        for port in spec.ports.iter().flatten() {
            let proto = protocol(port);
            let var = format!("{prefix}_PORT_{}_{proto}", port.port);
            let lower = proto.to_lowercase();
            vars.push((var.clone(), format!("{lower}://{ip}:{}", port.port)));
            vars.push((format!("{var}_PROTO"), lower));
            vars.push((format!("{var}_PORT"), port.port.to_string()));
            vars.push((format!("{var}_ADDR"), ip.to_string()));
        }
    }
    vars
}
