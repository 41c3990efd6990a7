//! The cluster network: plumbing, not a component. It holds each node's kube-proxy (which reads
//! Services and EndpointSlices through the API server like any client) and, on the way, routes
//! packets the way the rules on the node they are on say.

pub mod kube_proxy;

use crate::api::ApiServer;
use crate::rng::Rng;
use k8s_openapi::api::core::v1::Node;
pub use kube_proxy::{KubeProxy, ProxyMode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Network {
    mode: ProxyMode,
    /// One kube-proxy per node, by node name.
    proxies: BTreeMap<String, KubeProxy>,
}

impl Network {
    pub fn new(mode: ProxyMode) -> Self {
        Network { mode, proxies: BTreeMap::new() }
    }

    pub fn mode(&self) -> ProxyMode {
        self.mode
    }

    /// Starts a kube-proxy on every node that joined, stops those of nodes that left, and
    /// lets each re-read what changed. Each draws from its own stream (`kube-proxy/NODE`).
    pub fn sync(&mut self, api: &ApiServer, seed: u64) {
        let nodes: Vec<String> =
            api.list::<Node>(None).filter_map(|n| n.metadata.name.clone()).collect();
        self.proxies.retain(|name, _| nodes.contains(name));
        for node in nodes {
            let mode = self.mode;
            let proxy = self.proxies.entry(node.clone()).or_insert_with(|| {
                KubeProxy::new(&node, mode, Rng::new(seed).fork(&format!("kube-proxy/{node}")))
            });
            proxy.sync(api);
        }
    }

    pub fn proxy(&self, node: &str) -> Option<&KubeProxy> {
        self.proxies.get(node)
    }

    pub fn proxy_mut(&mut self, node: &str) -> Option<&mut KubeProxy> {
        self.proxies.get_mut(node)
    }
}
