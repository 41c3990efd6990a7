//! The shape of a cluster to bootstrap: its nodes, their roles, zones and capacity. The default
//! is PRODUCT.md's kubeadm-like three-node cluster; lessons may describe others.

use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Node, NodeAddress, NodeCondition,
    NodeSpec, NodeStatus, NodeSystemInfo, Service, ServicePort, ServiceSpec, Taint,
};
use k8s_openapi::api::discovery::v1::{
    Endpoint, EndpointConditions, EndpointPort as DiscoveryPort, EndpointSlice,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Kubernetes version the lab simulates, as `kubectl get nodes` shows it.
pub const KUBERNETES_VERSION: &str = "v1.34.1";
pub const CONTROL_PLANE_TAINT: &str = "node-role.kubernetes.io/control-plane";

/// The kubelet's default hard eviction threshold (`memory.available<100Mi`), which kubeadm
/// nodes subtract from capacity to give allocatable memory.
const EVICTION_HARD_MEMORY_KI: u64 = 100 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub nodes: Vec<NodeTemplate>,
    /// kube-proxy's mode on every node (`iptables` unless the cluster says `ipvs`).
    #[serde(default)]
    pub proxy_mode: crate::network::ProxyMode,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeTemplate {
    pub name: String,
    pub control_plane: bool,
    /// `topology.kubernetes.io/zone`.
    pub zone: String,
    pub cpu_cores: u32,
    pub memory_ki: u64,
    pub max_pods: u32,
    pub internal_ip: String,
}

impl ClusterSpec {
    /// `controlplane`, `node01` and `node02`: 2 CPUs and about 4 GiB each, one zone.
    pub fn kubeadm_default() -> Self {
        let node = |name: &str, control_plane: bool, ip: &str| NodeTemplate {
            name: name.to_string(),
            control_plane,
            zone: "zone-a".to_string(),
            cpu_cores: 2,
            memory_ki: 4_015_412,
            max_pods: 110,
            internal_ip: ip.to_string(),
        };
        ClusterSpec {
            nodes: vec![
                node("controlplane", true, "192.168.1.10"),
                node("node01", false, "192.168.1.11"),
                node("node02", false, "192.168.1.12"),
            ],
            proxy_mode: Default::default(),
        }
    }
}

impl NodeTemplate {
    /// The Node object the kubelet registers for this template; `index` picks its pod CIDR
    /// (`10.244.<index>.0/24`, as kubeadm's controller manager hands them out).
    pub fn to_node(
        &self,
        index: usize,
        joined_at: SimTime,
        heartbeat_at: SimTime,
        rng: &mut Rng,
    ) -> Node {
        let mut labels = BTreeMap::from([
            ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
            ("kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("kubernetes.io/hostname".to_string(), self.name.clone()),
            ("kubernetes.io/os".to_string(), "linux".to_string()),
            ("topology.kubernetes.io/zone".to_string(), self.zone.clone()),
        ]);
        let mut taints = None;
        if self.control_plane {
            labels.insert(CONTROL_PLANE_TAINT.to_string(), String::new());
            labels.insert(
                "node.kubernetes.io/exclude-from-external-load-balancers".to_string(),
                String::new(),
            );
            taints = Some(vec![Taint {
                key: CONTROL_PLANE_TAINT.to_string(),
                effect: "NoSchedule".to_string(),
                ..Default::default()
            }]);
        }
        let capacity = BTreeMap::from([
            ("cpu".to_string(), Quantity(self.cpu_cores.to_string())),
            ("ephemeral-storage".to_string(), Quantity("20134592Ki".to_string())),
            ("hugepages-1Gi".to_string(), Quantity("0".to_string())),
            ("hugepages-2Mi".to_string(), Quantity("0".to_string())),
            ("memory".to_string(), Quantity(format!("{}Ki", self.memory_ki))),
            ("pods".to_string(), Quantity(self.max_pods.to_string())),
        ]);
        let mut allocatable = capacity.clone();
        allocatable.insert(
            "memory".to_string(),
            Quantity(format!("{}Ki", self.memory_ki.saturating_sub(EVICTION_HARD_MEMORY_KI))),
        );
        allocatable.insert("ephemeral-storage".to_string(), Quantity("18556039957".to_string()));
        let at = Some(joined_at.to_k8s());
        let heartbeat = Some(heartbeat_at.to_k8s());
        let condition = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
            type_: type_.to_string(),
            status: status.to_string(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            last_heartbeat_time: heartbeat.clone(),
            last_transition_time: at.clone(),
        };
        let pod_cidr = format!("10.244.{index}.0/24");
        Node {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                labels: Some(labels),
                annotations: Some(BTreeMap::from([
                    (
                        "kubeadm.alpha.kubernetes.io/cri-socket".to_string(),
                        "unix:///var/run/containerd/containerd.sock".to_string(),
                    ),
                    ("node.alpha.kubernetes.io/ttl".to_string(), "0".to_string()),
                    (
                        "volumes.kubernetes.io/controller-managed-attach-detach".to_string(),
                        "true".to_string(),
                    ),
                ])),
                ..Default::default()
            },
            spec: Some(NodeSpec {
                pod_cidr: Some(pod_cidr.clone()),
                pod_cidrs: Some(vec![pod_cidr]),
                taints,
                ..Default::default()
            }),
            status: Some(NodeStatus {
                addresses: Some(vec![
                    NodeAddress {
                        type_: "InternalIP".to_string(),
                        address: self.internal_ip.clone(),
                    },
                    NodeAddress { type_: "Hostname".to_string(), address: self.name.clone() },
                ]),
                allocatable: Some(allocatable),
                capacity: Some(capacity),
                conditions: Some(vec![
                    condition(
                        "MemoryPressure",
                        "False",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available",
                    ),
                    condition(
                        "DiskPressure",
                        "False",
                        "KubeletHasNoDiskPressure",
                        "kubelet has no disk pressure",
                    ),
                    condition(
                        "PIDPressure",
                        "False",
                        "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available",
                    ),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ]),
                node_info: Some(NodeSystemInfo {
                    architecture: "amd64".to_string(),
                    boot_id: rng.uuid(),
                    container_runtime_version: "containerd://1.7.28".to_string(),
                    kernel_version: "6.8.0-79-generic".to_string(),
                    kube_proxy_version: String::new(),
                    kubelet_version: KUBERNETES_VERSION.to_string(),
                    machine_id: rng.uuid().replace('-', ""),
                    operating_system: "linux".to_string(),
                    os_image: "Ubuntu 24.04.3 LTS".to_string(),
                    system_uuid: rng.uuid(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }
    }
}

/// The cluster's default StorageClass, `standard`: disks from the lab's simulated CSI driver
/// (`controllers/provisioner.rs`), created where the first pod using them is scheduled
/// (WaitForFirstConsumer, as the cloud disk classes of GKE, EKS and AKS are), deleted with
/// their claim, and expandable.
pub fn default_storage_class() -> StorageClass {
    StorageClass {
        metadata: ObjectMeta {
            name: Some("standard".to_string()),
            annotations: Some(
                [(
                    crate::controllers::persistentvolume::DEFAULT_CLASS.to_string(),
                    "true".to_string(),
                )]
                .into(),
            ),
            ..Default::default()
        },
        provisioner: crate::controllers::provisioner::DRIVER.to_string(),
        reclaim_policy: Some("Delete".to_string()),
        volume_binding_mode: Some("WaitForFirstConsumer".to_string()),
        allow_volume_expansion: Some(true),
        ..Default::default()
    }
}

/// The Services kubeadm creates: `kubernetes` (the API server, the first IP of the service
/// network) and `kube-dns` (10.96.0.10), with the API server's Endpoints.
pub fn bootstrap_services(api_server_ip: &str) -> (Vec<Service>, Endpoints) {
    let labels = |pairs: &[(&str, &str)]| -> Option<BTreeMap<String, String>> {
        Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    };
    let port = |name: &str, port: i32, target: i32, protocol: &str| ServicePort {
        name: Some(name.into()),
        port,
        protocol: Some(protocol.into()),
        target_port: Some(IntOrString::Int(target)),
        ..Default::default()
    };
    let kubernetes = Service {
        metadata: ObjectMeta {
            name: Some("kubernetes".into()),
            namespace: Some("default".into()),
            labels: labels(&[("component", "apiserver"), ("provider", "kubernetes")]),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            cluster_ip: Some("10.96.0.1".into()),
            ports: Some(vec![port("https", 443, 6443, "TCP")]),
            ..Default::default()
        }),
        status: None,
    };
    let kube_dns = Service {
        metadata: ObjectMeta {
            name: Some("kube-dns".into()),
            namespace: Some("kube-system".into()),
            labels: labels(&[
                ("k8s-app", "kube-dns"),
                ("kubernetes.io/cluster-service", "true"),
                ("kubernetes.io/name", "CoreDNS"),
            ]),
            annotations: labels(&[
                ("prometheus.io/port", "9153"),
                ("prometheus.io/scrape", "true"),
            ]),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            cluster_ip: Some("10.96.0.10".into()),
            ports: Some(vec![
                port("dns", 53, 53, "UDP"),
                port("dns-tcp", 53, 53, "TCP"),
                port("metrics", 9153, 9153, "TCP"),
            ]),
            selector: labels(&[("k8s-app", "kube-dns")]),
            ..Default::default()
        }),
        status: None,
    };
    let endpoints = Endpoints {
        metadata: ObjectMeta {
            name: Some("kubernetes".into()),
            namespace: Some("default".into()),
            labels: labels(&[("endpointslice.kubernetes.io/skip-mirror", "true")]),
            ..Default::default()
        },
        subsets: Some(vec![EndpointSubset {
            addresses: Some(vec![EndpointAddress {
                ip: api_server_ip.into(),
                ..Default::default()
            }]),
            ports: Some(vec![EndpointPort {
                name: Some("https".into()),
                port: 6443,
                protocol: Some("TCP".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
    };
    (vec![kubernetes, kube_dns], endpoints)
}

/// The API server's own EndpointSlice for the `kubernetes` Service (its endpoint reconciler
/// writes it, not the EndpointSlice controller).
pub fn bootstrap_endpoint_slice(api_server_ip: &str) -> EndpointSlice {
    EndpointSlice {
        metadata: ObjectMeta {
            name: Some("kubernetes".into()),
            namespace: Some("default".into()),
            labels: Some(BTreeMap::from([(
                "kubernetes.io/service-name".to_string(),
                "kubernetes".to_string(),
            )])),
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: vec![Endpoint {
            addresses: vec![api_server_ip.into()],
            conditions: Some(EndpointConditions { ready: Some(true), ..Default::default() }),
            ..Default::default()
        }],
        ports: Some(vec![DiscoveryPort {
            name: Some("https".into()),
            port: Some(6443),
            protocol: Some("TCP".into()),
            ..Default::default()
        }]),
    }
}

/// A node's address of one type (`InternalIP`, `ExternalIP`, `Hostname`), as it reports it.
pub fn node_address<'a>(node: &'a Node, kind: &str) -> Option<&'a str> {
    let addresses = node.status.as_ref()?.addresses.as_ref()?;
    addresses.iter().find(|a| a.type_ == kind).map(|a| a.address.as_str())
}

/// kubeadm's static pod manifests (`/etc/kubernetes/manifests` on the control plane node), by
/// file name.
const KUBEADM_MANIFESTS: [(&str, &str); 4] = [
    ("etcd.yaml", include_str!("../manifests/kubeadm/etcd.yaml")),
    ("kube-apiserver.yaml", include_str!("../manifests/kubeadm/kube-apiserver.yaml")),
    (
        "kube-controller-manager.yaml",
        include_str!("../manifests/kubeadm/kube-controller-manager.yaml"),
    ),
    ("kube-scheduler.yaml", include_str!("../manifests/kubeadm/kube-scheduler.yaml")),
];

/// The images kubeadm pulls onto the control plane before it starts the static pods.
pub const CONTROL_PLANE_IMAGES: &[(&str, u64)] = &[
    ("registry.k8s.io/etcd:3.6.4-0", 23_564_218),
    ("registry.k8s.io/kube-apiserver:v1.34.1", 27_061_991),
    ("registry.k8s.io/kube-controller-manager:v1.34.1", 22_819_474),
    ("registry.k8s.io/kube-scheduler:v1.34.1", 17_385_568),
    ("registry.k8s.io/coredns/coredns:v1.12.1", 22_384_805),
];

/// The control plane's manifest directory as kubeadm writes it for a node with this address:
/// (file name, text).
pub fn kubeadm_manifests(ip: &str) -> Vec<(String, String)> {
    KUBEADM_MANIFESTS
        .iter()
        .map(|(name, text)| (name.to_string(), text.replace("{{IP}}", ip)))
        .collect()
}

/// kubeadm's addons for a control plane at `ip` (`kubeadm init phase addon all`): CoreDNS (its
/// ServiceAccount, the `coredns` ConfigMap with the Corefile, the Deployment) and kube-proxy
/// (its ServiceAccount, the `kube-proxy` ConfigMap with its configuration in `mode`, the
/// DaemonSet), as one manifest. The `kube-dns` Service is among [`bootstrap_services`].
pub fn kubeadm_addons(ip: &str, mode: crate::network::ProxyMode) -> String {
    let mode = match mode {
        crate::network::ProxyMode::Iptables => "",
        crate::network::ProxyMode::Ipvs => "ipvs",
    };
    let proxy = include_str!("../manifests/kubeadm/kube-proxy.yaml")
        .replace("{{IP}}", ip)
        .replace("{{MODE}}", mode);
    format!("{}---\n{proxy}", include_str!("../manifests/kubeadm/coredns.yaml"))
}
