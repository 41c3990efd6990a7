//! kube-proxy, one per node: it watches Services and EndpointSlices through the API server and
//! programs the node's service routing, in iptables mode (the KUBE-SERVICES → KUBE-SVC-… →
//! KUBE-SEP-… chains, each endpoint picked by `-m statistic --mode random` with probabilities
//! 1/n, 1/(n-1)… so the choice is uniform) or in IPVS mode (a virtual server per service port,
//! round robin). Packets on the node go through [`KubeProxy::route`]; `iptables-save` and
//! `ipvsadm -Ln` print the same rules.

use crate::api::ApiServer;
use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// How kube-proxy programs the node (`--proxy-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyMode {
    #[default]
    Iptables,
    Ipvs,
}

/// kubeadm's pod network (`--cluster-cidr`): traffic from outside it to a cluster IP is
/// masqueraded.
pub const CLUSTER_CIDR: &str = "10.244.0.0/16";
/// `sessionAffinityConfig.clientIP.timeoutSeconds` when unset.
pub const DEFAULT_AFFINITY_SECONDS: u64 = 10_800;

/// One service port as kube-proxy sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePortRule {
    /// `NAMESPACE/NAME:PORT` (or `NAMESPACE/NAME` for an unnamed port): kube-proxy's
    /// ServicePortName, in comments and chain hashes.
    pub name: String,
    pub namespace: String,
    pub service: String,
    /// `TCP`, `UDP`, `SCTP`.
    pub protocol: String,
    pub cluster_ip: String,
    pub port: i32,
    pub node_port: Option<i32>,
    pub external_ips: Vec<String>,
    pub load_balancer_ips: Vec<String>,
    /// Ready endpoints, sorted by `ip:port`.
    pub endpoints: Vec<EndpointRule>,
    /// `externalTrafficPolicy: Local`: outside traffic only to this node's endpoints.
    pub external_local: bool,
    /// `sessionAffinity: ClientIP`: how long a client sticks to its endpoint.
    pub affinity_seconds: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRule {
    pub ip: String,
    pub port: i32,
    pub node: Option<String>,
}

impl EndpointRule {
    pub fn address(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
}

/// Where a packet is sent by the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// DNAT to this endpoint, by this rule chain (`KUBE-SVC-…`/`KUBE-SEP-…`, or the IPVS
    /// virtual server).
    Forward { endpoint: EndpointRule, via: String },
    /// The service has no endpoints: REJECT (connection refused).
    Reject,
    /// `externalTrafficPolicy: Local` with no endpoint on this node: dropped (timeout).
    Drop,
}

/// How a packet reached the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// To the cluster IP, from anywhere.
    ClusterIp,
    /// To a node port, an external IP or a load balancer IP: the external traffic policy
    /// applies.
    External,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KubeProxy {
    node: String,
    mode: ProxyMode,
    seen_api_version: u64,
    rules: Vec<ServicePortRule>,
    /// The `-m statistic --mode random` draws.
    rng: Rng,
    /// IPVS round robin: the next real server per virtual server.
    next_real_server: BTreeMap<String, usize>,
    /// ClientIP affinity: (service port, client) → (endpoint, last used).
    affinity: BTreeMap<(String, String), (String, SimTime)>,
}

impl KubeProxy {
    pub fn new(node: &str, mode: ProxyMode, rng: Rng) -> Self {
        KubeProxy {
            node: node.to_string(),
            mode,
            seen_api_version: 0,
            rules: Vec::new(),
            rng,
            next_real_server: BTreeMap::new(),
            affinity: BTreeMap::new(),
        }
    }

    pub fn mode(&self) -> ProxyMode {
        self.mode
    }

    pub fn rules(&self) -> &[ServicePortRule] {
        &self.rules
    }

    /// Re-reads Services and EndpointSlices when either changed (`syncProxyRules`).
    pub fn sync(&mut self, api: &ApiServer) {
        let seen = self.seen_api_version;
        if seen != 0
            && !api.kind_changed_since::<Service>(seen)
            && !api.kind_changed_since::<EndpointSlice>(seen)
        {
            return;
        }
        self.seen_api_version = api.resource_version();
        self.rules = build_rules(api);
    }

    /// The rule for a destination, if one matches: (rule, how the packet entered).
    pub fn find(
        &self,
        ip: &str,
        port: i32,
        node_ips: &[&str],
    ) -> Option<(&ServicePortRule, Entry)> {
        self.rules.iter().find_map(|rule| {
            if rule.port == port && rule.cluster_ip == ip {
                return Some((rule, Entry::ClusterIp));
            }
            let external = rule.port == port
                && (rule.external_ips.iter().any(|e| e == ip)
                    || rule.load_balancer_ips.iter().any(|e| e == ip));
            let node_port = rule.node_port == Some(port) && node_ips.contains(&ip);
            (external || node_port).then_some((rule, Entry::External))
        })
    }

    /// Sends a packet from `client` through a service port's rules.
    pub fn route(&mut self, name: &str, entry: Entry, client: &str, now: SimTime) -> Verdict {
        let Some(rule) = self.rules.iter().find(|r| r.name == name).cloned() else {
            return Verdict::Reject;
        };
        let candidates: Vec<&EndpointRule> = rule
            .endpoints
            .iter()
            .filter(|e| {
                entry == Entry::ClusterIp
                    || !rule.external_local
                    || e.node.as_deref() == Some(self.node.as_str())
            })
            .collect();
        if rule.endpoints.is_empty() {
            return Verdict::Reject;
        }
        if candidates.is_empty() {
            return Verdict::Drop;
        }
        let key = (rule.name.clone(), client.to_string());
        if let Some(seconds) = rule.affinity_seconds
            && let Some((address, at)) = self.affinity.get(&key)
            && now.since(*at) < Duration::from_secs(seconds)
            && let Some(endpoint) = candidates.iter().find(|e| &e.address() == address)
        {
            let endpoint = (*endpoint).clone();
            self.affinity.insert(key, (endpoint.address(), now));
            return self.forward(&rule, endpoint);
        }
        let index = match self.mode {
            ProxyMode::Iptables => {
                // Each KUBE-SEP jump but the last is taken with probability 1/(n-i), as the
                // kernel's xt_statistic draws it against the rounded 31-bit threshold.
                let n = candidates.len();
                (0..n - 1)
                    .find(|&i| {
                        let threshold = statistic_threshold(n - i);
                        (self.rng.below(1 << 31) as u32) < threshold
                    })
                    .unwrap_or(n - 1)
            }
            ProxyMode::Ipvs => {
                let next = self.next_real_server.entry(rule.name.clone()).or_default();
                let index = *next % candidates.len();
                *next = (index + 1) % candidates.len();
                index
            }
        };
        let endpoint = candidates[index].clone();
        if rule.affinity_seconds.is_some() {
            self.affinity.insert(key, (endpoint.address(), now));
        }
        self.forward(&rule, endpoint)
    }

    fn forward(&self, rule: &ServicePortRule, endpoint: EndpointRule) -> Verdict {
        let via = match self.mode {
            ProxyMode::Iptables => format!(
                "{} -> {}",
                service_chain(&rule.name, &rule.protocol),
                endpoint_chain(&rule.name, &rule.protocol, &endpoint.address())
            ),
            ProxyMode::Ipvs => format!("IPVS {}:{} rr", rule.cluster_ip, rule.port),
        };
        Verdict::Forward { endpoint, via }
    }

    /// The nat and filter tables as `iptables-save` prints them.
    pub fn iptables_save(&self, stamp: &str) -> String {
        let mut out = String::new();
        if self.mode == ProxyMode::Ipvs {
            // IPVS mode keeps only a few iptables rules; the services live in ipvsadm.
            out.push_str(&format!("# Generated by iptables-save v1.8.10 (nf_tables) on {stamp}\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-LOAD-BALANCER - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODE-PORT - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n-A KUBE-POSTROUTING -m comment --comment \"Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose\" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE\n-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n-A KUBE-SERVICES ! -s {CLUSTER_CIDR} -m comment --comment \"Kubernetes service cluster ip + port for masquerade purpose\" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ\n-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT\n-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\nCOMMIT\n# Completed on {stamp}\n"));
            return out;
        }
        let mut chains: Vec<String> = Vec::new();
        let mut services: Vec<String> = Vec::new();
        let mut nodeports: Vec<String> = Vec::new();
        let mut chain_rules: Vec<String> = Vec::new();
        let mut rejects: Vec<String> = Vec::new();
        for rule in &self.rules {
            let proto = rule.protocol.to_lowercase();
            let name = &rule.name;
            if rule.endpoints.is_empty() {
                rejects.push(format!(
                    "-A KUBE-SERVICES -d {}/32 -p {proto} -m comment --comment \"{name} has no endpoints\" -m {proto} --dport {} -j REJECT --reject-with icmp-port-unreachable",
                    rule.cluster_ip, rule.port
                ));
                if let Some(node_port) = rule.node_port {
                    rejects.push(format!(
                        "-A KUBE-EXTERNAL-SERVICES -p {proto} -m comment --comment \"{name} has no endpoints\" -m addrtype --dst-type LOCAL -m {proto} --dport {node_port} -j REJECT --reject-with icmp-port-unreachable"
                    ));
                }
                continue;
            }
            let svc = service_chain(name, &rule.protocol);
            chains.push(svc.clone());
            services.push(format!(
                "-A KUBE-SERVICES -d {}/32 -p {proto} -m comment --comment \"{name} cluster IP\" -m {proto} --dport {} -j {svc}",
                rule.cluster_ip, rule.port
            ));
            let has_external = rule.node_port.is_some()
                || !rule.external_ips.is_empty()
                || !rule.load_balancer_ips.is_empty();
            let ext = external_chain(name, &rule.protocol);
            if has_external {
                chains.push(ext.clone());
                for ip in &rule.external_ips {
                    services.push(format!("-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment \"{name} external IP\" -m {proto} --dport {} -j {ext}", rule.port));
                }
                for ip in &rule.load_balancer_ips {
                    services.push(format!("-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment \"{name} loadbalancer IP\" -m {proto} --dport {} -j {ext}", rule.port));
                }
                if let Some(node_port) = rule.node_port {
                    nodeports.push(format!("-A KUBE-NODEPORTS -p {proto} -m comment --comment \"{name}\" -m {proto} --dport {node_port} -j {ext}"));
                }
                if rule.external_local {
                    let local = local_chain(name, &rule.protocol);
                    chains.push(local.clone());
                    chain_rules.push(format!("-A {ext} -s {CLUSTER_CIDR} -m comment --comment \"pod traffic for {name} external destinations\" -j {svc}"));
                    chain_rules.push(format!("-A {ext} -m comment --comment \"masquerade LOCAL traffic for {name} external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ"));
                    chain_rules.push(format!("-A {ext} -m comment --comment \"route LOCAL traffic for {name} external destinations\" -m addrtype --src-type LOCAL -j {svc}"));
                    chain_rules.push(format!("-A {ext} -j {local}"));
                    let local_endpoints: Vec<&EndpointRule> = rule
                        .endpoints
                        .iter()
                        .filter(|e| e.node.as_deref() == Some(self.node.as_str()))
                        .collect();
                    if local_endpoints.is_empty() {
                        chain_rules.push(format!("-A {local} -m comment --comment \"{name} has no local endpoints\" -j KUBE-MARK-DROP"));
                    }
                    self.endpoint_jumps(&local, rule, &local_endpoints, &mut chain_rules);
                } else {
                    chain_rules.push(format!("-A {ext} -m comment --comment \"masquerade traffic for {name} external destinations\" -j KUBE-MARK-MASQ"));
                    chain_rules.push(format!("-A {ext} -j {svc}"));
                }
            }
            chain_rules.push(format!(
                "-A {svc} ! -s {CLUSTER_CIDR} -d {}/32 -p {proto} -m comment --comment \"{name} cluster IP\" -m {proto} --dport {} -j KUBE-MARK-MASQ",
                rule.cluster_ip, rule.port
            ));
            let all: Vec<&EndpointRule> = rule.endpoints.iter().collect();
            self.endpoint_jumps(&svc, rule, &all, &mut chain_rules);
            for endpoint in &rule.endpoints {
                let sep = endpoint_chain(name, &rule.protocol, &endpoint.address());
                chains.push(sep.clone());
                chain_rules.push(format!(
                    "-A {sep} -s {}/32 -m comment --comment \"{name}\" -j KUBE-MARK-MASQ",
                    endpoint.ip
                ));
                let affinity = match rule.affinity_seconds {
                    Some(_) => {
                        format!(" -m recent --set --name {sep} --mask 255.255.255.255 --rsource")
                    }
                    None => String::new(),
                };
                chain_rules.push(format!(
                    "-A {sep} -p {proto} -m comment --comment \"{name}\"{affinity} -m {proto} -j DNAT --to-destination {}",
                    endpoint.address()
                ));
            }
        }
        crate::sort::sort(&mut chains);
        chains.dedup();
        out.push_str(&format!("# Generated by iptables-save v1.8.10 (nf_tables) on {stamp}\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-KUBELET-CANARY - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-SERVICES - [0:0]\n-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS\n-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n-A INPUT -j KUBE-FIREWALL\n-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A OUTPUT -j KUBE-FIREWALL\n-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP\n-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"));
        for line in &rejects {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!("COMMIT\n# Completed on {stamp}\n"));
        out.push_str(&format!("# Generated by iptables-save v1.8.10 (nf_tables) on {stamp}\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-KUBELET-CANARY - [0:0]\n:KUBE-MARK-DROP - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\n"));
        for chain in chains.iter().filter(|c| c.as_str() < "KUBE-SERVICES") {
            out.push_str(&format!(":{chain} - [0:0]\n"));
        }
        out.push_str(":KUBE-SERVICES - [0:0]\n");
        for chain in chains.iter().filter(|c| c.as_str() > "KUBE-SERVICES") {
            out.push_str(&format!(":{chain} - [0:0]\n"));
        }
        out.push_str("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n");
        for line in &nodeports {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n");
        // iptables-save lists rules chain by chain, in the order the chains were declared.
        let mut by_chain: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
        for line in &chain_rules {
            let chain = line.split_whitespace().nth(1).unwrap_or_default();
            by_chain.entry(chain).or_default().push(line);
        }
        for chain in chains.iter().filter(|c| c.as_str() < "KUBE-SERVICES") {
            for line in by_chain.get(chain.as_str()).into_iter().flatten() {
                out.push_str(line);
                out.push('\n');
            }
        }
        for line in &services {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n");
        for chain in chains.iter().filter(|c| c.as_str() > "KUBE-SERVICES") {
            for line in by_chain.get(chain.as_str()).into_iter().flatten() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str(&format!("COMMIT\n# Completed on {stamp}\n"));
        out
    }

    /// The jumps from a service chain to its endpoints' chains, with the statistic match
    /// that makes the choice uniform.
    fn endpoint_jumps(
        &self,
        chain: &str,
        rule: &ServicePortRule,
        endpoints: &[&EndpointRule],
        lines: &mut Vec<String>,
    ) {
        let n = endpoints.len();
        for endpoint in endpoints {
            let sep = endpoint_chain(&rule.name, &rule.protocol, &endpoint.address());
            if let Some(seconds) = rule.affinity_seconds {
                lines.push(format!(
                    "-A {chain} -m comment --comment \"{} -> {}\" -m recent --rcheck --seconds {seconds} --reap --name {sep} --mask 255.255.255.255 --rsource -j {sep}",
                    rule.name,
                    endpoint.address()
                ));
            }
        }
        for (i, endpoint) in endpoints.iter().enumerate() {
            let sep = endpoint_chain(&rule.name, &rule.protocol, &endpoint.address());
            let statistic = if i + 1 < n {
                let probability = f64::from(statistic_threshold(n - i)) / f64::from(1u32 << 31);
                format!(" -m statistic --mode random --probability {probability:.11}")
            } else {
                String::new()
            };
            lines.push(format!(
                "-A {chain} -m comment --comment \"{} -> {}\"{statistic} -j {sep}",
                rule.name,
                endpoint.address()
            ));
        }
    }

    /// The IPVS table as `ipvsadm -Ln` prints it.
    pub fn ipvsadm(&self, node_ips: &[&str]) -> String {
        let mut out = String::from(
            "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
        );
        let mut servers: Vec<(String, &ServicePortRule)> = Vec::new();
        for rule in &self.rules {
            servers.push((format!("{}:{}", rule.cluster_ip, rule.port), rule));
            for ip in rule.external_ips.iter().chain(&rule.load_balancer_ips) {
                servers.push((format!("{ip}:{}", rule.port), rule));
            }
            if let Some(node_port) = rule.node_port {
                for ip in node_ips {
                    servers.push((format!("{ip}:{node_port}"), rule));
                }
            }
        }
        crate::sort::sort_by(&mut servers, |a, b| a.0.cmp(&b.0));
        for (address, rule) in servers {
            let persistent = match rule.affinity_seconds {
                Some(seconds) => format!(" persistent {seconds}"),
                None => String::new(),
            };
            out.push_str(&format!("{:<4} {address} rr{persistent}\n", rule.protocol));
            for endpoint in &rule.endpoints {
                out.push_str(&format!(
                    "  -> {:<28} Masq    1      0          0\n",
                    endpoint.address()
                ));
            }
        }
        out
    }
}

/// The 31-bit threshold xt_statistic stores for probability 1/n (`lround(2^31 / n)`).
fn statistic_threshold(n: usize) -> u32 {
    (((1u64 << 31) as f64) / n as f64).round() as u32
}

/// kube-proxy's view of every Service port: cluster IPs with their ready endpoints.
fn build_rules(api: &ApiServer) -> Vec<ServicePortRule> {
    let mut rules = Vec::new();
    for service in api.list::<Service>(None) {
        let Some(spec) = &service.spec else { continue };
        let cluster_ip = spec.cluster_ip.clone().unwrap_or_default();
        if cluster_ip.is_empty()
            || cluster_ip == "None"
            || spec.type_.as_deref() == Some("ExternalName")
        {
            continue;
        }
        let namespace = service.metadata.namespace.clone().unwrap_or_default();
        let name = service.metadata.name.clone().unwrap_or_default();
        let slices: Vec<&EndpointSlice> = api
            .list::<EndpointSlice>(Some(&namespace))
            .filter(|s| {
                s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name"))
                    == Some(&name)
            })
            .collect();
        let load_balancer_ips: Vec<String> = service
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|i| i.ip.clone())
            .collect();
        let affinity_seconds = (spec.session_affinity.as_deref() == Some("ClientIP")).then(|| {
            spec.session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .and_then(|c| c.timeout_seconds)
                .map_or(DEFAULT_AFFINITY_SECONDS, |s| s.max(0) as u64)
        });
        for port in spec.ports.iter().flatten() {
            let port_name = port.name.clone().unwrap_or_default();
            let protocol = port.protocol.clone().unwrap_or_else(|| "TCP".into());
            let mut endpoints: Vec<EndpointRule> = slices
                .iter()
                .flat_map(|slice| {
                    let target = slice.ports.iter().flatten().find(|p| {
                        p.name.as_deref().unwrap_or_default() == port_name
                            && p.protocol.as_deref().unwrap_or("TCP") == protocol
                    });
                    let target = target.and_then(|p| p.port);
                    slice.endpoints.iter().filter_map(move |e| {
                        let ready = e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
                        Some(EndpointRule {
                            ip: e.addresses.first()?.clone(),
                            port: target?,
                            node: e.node_name.clone(),
                        })
                        .filter(|_| ready)
                    })
                })
                .collect();
            crate::sort::sort_by_key(&mut endpoints, EndpointRule::address);
            endpoints.dedup();
            let rule_name = if port_name.is_empty() {
                format!("{namespace}/{name}")
            } else {
                format!("{namespace}/{name}:{port_name}")
            };
            rules.push(ServicePortRule {
                name: rule_name,
                namespace: namespace.clone(),
                service: name.clone(),
                protocol,
                cluster_ip: cluster_ip.clone(),
                port: port.port,
                node_port: port.node_port,
                external_ips: spec.external_ips.clone().unwrap_or_default(),
                load_balancer_ips: load_balancer_ips.clone(),
                endpoints,
                external_local: spec.external_traffic_policy.as_deref() == Some("Local"),
                affinity_seconds,
            });
        }
    }
    crate::sort::sort_by(&mut rules, |a, b| a.name.cmp(&b.name).then(a.protocol.cmp(&b.protocol)));
    rules
}

/// `portProtoHash`: the first 16 characters of the base32 SHA-256 of the service port name
/// and protocol (lowercase), as kube-proxy names its chains.
fn port_proto_hash(name: &str, protocol: &str) -> String {
    base32_prefix(&Sha256::digest(format!("{name}{}", protocol.to_lowercase())))
}

pub fn service_chain(name: &str, protocol: &str) -> String {
    format!("KUBE-SVC-{}", port_proto_hash(name, protocol))
}

fn external_chain(name: &str, protocol: &str) -> String {
    format!("KUBE-EXT-{}", port_proto_hash(name, protocol))
}

fn local_chain(name: &str, protocol: &str) -> String {
    format!("KUBE-SVL-{}", port_proto_hash(name, protocol))
}

pub fn endpoint_chain(name: &str, protocol: &str, endpoint: &str) -> String {
    let digest = Sha256::digest(format!("{name}{}{endpoint}", protocol.to_lowercase()));
    format!("KUBE-SEP-{}", base32_prefix(&digest))
}

/// The first 16 characters of RFC 4648 base32 (`base32.StdEncoding`).
fn base32_prefix(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer: u64 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u64::from(byte);
        bits += 8;
        while bits >= 5 && out.len() < 16 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
        if out.len() == 16 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_names_are_kube_proxys() {
        // The chains every kubeadm cluster has, as seen in real iptables-save output.
        assert_eq!(service_chain("default/kubernetes:https", "TCP"), "KUBE-SVC-NPX46M4PTMTKRN6Y");
        assert_eq!(service_chain("kube-system/kube-dns:dns", "UDP"), "KUBE-SVC-TCOU7JCQXEZGVUNU");
        assert_eq!(
            service_chain("kube-system/kube-dns:dns-tcp", "TCP"),
            "KUBE-SVC-ERIFXISQEP7F7OF4"
        );
        assert_eq!(
            service_chain("kube-system/kube-dns:metrics", "TCP"),
            "KUBE-SVC-JD5MR3NA4I4DYORP"
        );
    }

    #[test]
    fn probabilities_print_as_iptables_save_prints_them() {
        let p =
            |n: usize| format!("{:.11}", f64::from(statistic_threshold(n)) / f64::from(1u32 << 31));
        assert_eq!(p(3), "0.33333333349");
        assert_eq!(p(2), "0.50000000000");
        assert_eq!(p(5), "0.20000000019");
    }

    fn three_endpoint_proxy(mode: ProxyMode) -> KubeProxy {
        let mut proxy = KubeProxy::new("node01", mode, Rng::new(7).fork("kube-proxy/node01"));
        proxy.rules = vec![ServicePortRule {
            name: "default/web".into(),
            namespace: "default".into(),
            service: "web".into(),
            protocol: "TCP".into(),
            cluster_ip: "10.96.12.34".into(),
            port: 80,
            node_port: None,
            external_ips: Vec::new(),
            load_balancer_ips: Vec::new(),
            endpoints: ["10.244.1.2", "10.244.1.3", "10.244.2.2"]
                .iter()
                .map(|ip| EndpointRule { ip: ip.to_string(), port: 80, node: None })
                .collect(),
            external_local: false,
            affinity_seconds: None,
        }];
        proxy
    }

    fn spread(proxy: &mut KubeProxy, requests: usize) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut order = Vec::new();
        for i in 0..requests {
            let client = format!("10.244.0.{}", i % 200);
            match proxy.route("default/web", Entry::ClusterIp, &client, SimTime::default()) {
                Verdict::Forward { endpoint, .. } => {
                    order.push(endpoint.ip.clone());
                    *counts.entry(endpoint.ip).or_default() += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if proxy.mode == ProxyMode::Ipvs {
            // Round robin: each endpoint in turn, exactly.
            for (i, ip) in order.iter().enumerate() {
                assert_eq!(ip, &proxy.rules[0].endpoints[i % 3].ip, "request {i}");
            }
        }
        counts.into_iter().collect()
    }

    #[test]
    fn iptables_mode_spreads_ten_thousand_requests_uniformly() {
        let mut proxy = three_endpoint_proxy(ProxyMode::Iptables);
        let counts = spread(&mut proxy, 10_000);
        assert_eq!(counts.len(), 3);
        let expected = 10_000.0 / 3.0;
        let chi_square: f64 =
            counts.iter().map(|(_, c)| (*c as f64 - expected).powi(2) / expected).sum();
        // Two degrees of freedom: 13.82 is the 0.1% critical value.
        assert!(chi_square < 13.82, "chi-square {chi_square} for {counts:?}");
    }

    #[test]
    fn ipvs_mode_is_exactly_round_robin() {
        let mut proxy = three_endpoint_proxy(ProxyMode::Ipvs);
        let counts = spread(&mut proxy, 10_000);
        let shares: Vec<usize> = counts.iter().map(|(_, c)| *c).collect();
        assert_eq!(shares, vec![3334, 3333, 3333]);
    }

    #[test]
    fn client_ip_affinity_sticks_until_the_timeout() {
        let mut proxy = three_endpoint_proxy(ProxyMode::Iptables);
        proxy.rules[0].affinity_seconds = Some(10_800);
        let at = |s: u64| SimTime::from_unix_ms(s * 1000);
        let first = proxy.route("default/web", Entry::ClusterIp, "10.244.0.9", at(0));
        for s in 1..50 {
            assert_eq!(proxy.route("default/web", Entry::ClusterIp, "10.244.0.9", at(s)), first);
        }
    }

    #[test]
    fn local_external_traffic_without_local_endpoints_is_dropped() {
        let mut proxy = three_endpoint_proxy(ProxyMode::Iptables);
        proxy.rules[0].external_local = true;
        let verdict =
            proxy.route("default/web", Entry::External, "192.168.1.1", SimTime::default());
        assert_eq!(verdict, Verdict::Drop);
        proxy.rules[0].endpoints[2].node = Some("node01".into());
        let verdict =
            proxy.route("default/web", Entry::External, "192.168.1.1", SimTime::default());
        assert!(
            matches!(verdict, Verdict::Forward { endpoint, .. } if endpoint.ip == "10.244.2.2")
        );
    }
}
