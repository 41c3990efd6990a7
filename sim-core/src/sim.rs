//! The simulation: the API server, the control plane and the kubelets on one virtual timeline.
//!
//! Time moves only through [`Simulation::advance`]. After every change the components reconcile
//! until nothing more changes at that instant ("settling"), then the clock jumps to the next
//! instant some component asked to be woken at.

use crate::api::{ApiServer, Kind};
use crate::cluster::ClusterSpec;
use crate::controllers::ControllerManager;
use crate::kubelet::Kubelet;
use crate::machine::Machine;
use crate::metrics_server::MetricsServer;
use crate::network::Network;
use crate::podutil;
use crate::rng::Rng;
use crate::scheduler::Scheduler;
use crate::series::Series;
use crate::storage::{Disks, NetworkStorage};
use crate::time::SimTime;
use crate::traffic::Traffic;
use k8s_openapi::api::core::v1::{Namespace, NamespaceSpec, NamespaceStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// When every simulated session starts: a fixed instant, so timestamps are reproducible.
pub const SESSION_START: SimTime = SimTime::from_unix_ms(1_767_603_600_000); // 2026-01-05T09:00:00Z
/// How long before the session the cluster was set up with kubeadm (nodes' AGE).
const CLUSTER_AGE: Duration = Duration::from_secs(10 * 86_400);
/// How long after the control plane each worker joined.
const WORKER_JOIN_DELAY: Duration = Duration::from_secs(75);
/// More rounds than this at one instant means two components keep undoing each other's work.
const MAX_SETTLE_ROUNDS: usize = 1_000;

mod bootstrap;
mod nodes;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Simulation {
    /// Replaying the same seed and commands reproduces the same cluster.
    seed: u64,
    now: SimTime,
    api: ApiServer,
    scheduler: Scheduler,
    controllers: ControllerManager,
    /// One kubelet per node, by node name.
    kubelets: BTreeMap<String, Kubelet>,
    /// The machine each node is: its kubelet unit, swap, files and journal, by node name.
    machines: BTreeMap<String, Machine>,
    /// How many nodes have ever joined: the next one's pod CIDR index.
    #[serde(default)]
    nodes_joined: usize,
    /// Instants at which some component asked to look at the cluster again.
    wakeups: BTreeSet<SimTime>,
    /// Serves the resource metrics API from the kubelets.
    #[serde(default)]
    metrics_server: MetricsServer,
    /// Requests between pods, until the network is simulated (see `traffic.rs`).
    #[serde(default)]
    traffic: Traffic,
    /// The NFS exports and cloud disks PersistentVolumes point at.
    #[serde(default)]
    network_storage: NetworkStorage,
    /// Reads of the lab shell's `/dev/urandom` so far: each read draws from its own stream.
    #[serde(default)]
    urandom_reads: u64,
    /// Each node's kube-proxy and the packets' way through them.
    #[serde(default)]
    /// Boxed: it is lent to each kubelet for its pass (see `Kubelet::lend_network`).
    network: Box<Network>,
    /// What the page's charts draw (an observer: it never changes the cluster).
    #[serde(default)]
    series: Series,
}

impl Simulation {
    /// The default three-node cluster of PRODUCT.md.
    pub fn new(seed: u64) -> Self {
        Simulation::with_cluster(seed, &ClusterSpec::kubeadm_default())
    }

    pub fn with_cluster(seed: u64, cluster: &ClusterSpec) -> Self {
        let root = Rng::new(seed);
        let bootstrapped_at =
            SimTime::from_unix_ms(SESSION_START.unix_ms() - CLUSTER_AGE.as_millis() as u64);
        let mut api = ApiServer::new(bootstrapped_at, root.fork("apiserver"));
        for namespace in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let _ = api.create(Namespace {
                metadata: ObjectMeta {
                    name: Some(namespace.to_string()),
                    labels: Some(
                        [("kubernetes.io/metadata.name".to_string(), namespace.to_string())].into(),
                    ),
                    ..Default::default()
                },
                spec: Some(NamespaceSpec { finalizers: Some(vec!["kubernetes".to_string()]) }),
                status: Some(NamespaceStatus {
                    phase: Some("Active".to_string()),
                    ..Default::default()
                }),
            });
        }
        // The API server's own PriorityClasses. Their uids come from a stream of their own, so
        // every later uid stays what it was before they existed.
        let main_stream = api.rng_mut().clone();
        *api.rng_mut() = main_stream.fork("priorityclasses");
        for class in crate::api::admission::system_priority_classes() {
            let _ = api.create(class);
        }
        *api.rng_mut() = main_stream.fork("storageclasses");
        let _ = api.create(crate::cluster::default_storage_class());
        *api.rng_mut() = main_stream.fork("rbac");
        crate::api::rbac::bootstrap::create_all(&mut api);
        api.set_service_account_key(root.fork("service-account-key").uuid());
        *api.rng_mut() = main_stream;
        if let Some(control_plane) = cluster.nodes.iter().find(|n| n.control_plane) {
            let (services, endpoints) =
                crate::cluster::bootstrap_services(&control_plane.internal_ip);
            for service in services {
                let _ = api.create(service);
            }
            let _ = api.create(endpoints);
            // Its uid comes from a stream of its own, so every later uid stays what it was.
            let slice = crate::cluster::bootstrap_endpoint_slice(&control_plane.internal_ip);
            let _ = api.create_with_uid(slice, root.fork("endpointslices").uuid());
        }
        let mut node_rng = root.fork("nodes");
        // The kubelets came up together and renew their leases in step (one wake-up renews
        // them all), a few seconds before the session starts.
        let renewed_at =
            SimTime::from_unix_ms(SESSION_START.unix_ms() - root.fork("leases").between(1, 10_000));
        let mut kubelets = BTreeMap::new();
        let mut machines = BTreeMap::new();
        // Workers join once kubeadm's addons run (`bootstrap.rs`); their Nodes' uids are drawn
        // here, in the order they always were.
        let mut joining = Vec::new();
        for (index, template) in cluster.nodes.iter().enumerate() {
            let joined_at = if template.control_plane {
                bootstrapped_at
            } else {
                bootstrapped_at + WORKER_JOIN_DELAY
            };
            api.set_now(joined_at);
            // Each kubelet last reported its node's status a few minutes before the session.
            let reported_at =
                SimTime::from_unix_ms(SESSION_START.unix_ms() - node_rng.between(1_000, 290_000));
            let node = template.to_node(index, joined_at, reported_at, &mut node_rng);
            let boot_id =
                node.status.as_ref().and_then(|s| s.node_info.as_ref()).map(|i| i.boot_id.clone());
            let manifests = if template.control_plane {
                crate::cluster::kubeadm_manifests(&template.internal_ip)
            } else {
                Vec::new()
            };
            let machine =
                Machine::new(&template.name, joined_at, boot_id.unwrap_or_default(), manifests);
            let kubelet = Kubelet::new(
                &template.name,
                root.fork(&format!("kubelet/{}", template.name)),
                reported_at,
                renewed_at,
            );
            if !template.control_plane {
                let uid = api.rng_mut().uuid();
                joining.push(bootstrap::Joining { node, uid, kubelet, machine });
                continue;
            }
            let _ = api.create(node);
            let mut kubelet = kubelet.with_images(crate::cluster::CONTROL_PLANE_IMAGES);
            kubelet.read_manifests(&mut api, machine.manifests_generation(), &machine.manifests());
            kubelets.insert(template.name.clone(), kubelet);
            machines.insert(template.name.clone(), machine);
        }
        // The cluster's own objects (service accounts, the root CA ConfigMap) are made as it
        // comes up, days before the session starts.
        let booted_at = api.now();
        let mut sim = Simulation {
            seed,
            now: booted_at,
            api,
            scheduler: Scheduler::new(root.fork("scheduler")),
            controllers: ControllerManager::default(),
            kubelets,
            machines,
            nodes_joined: cluster.nodes.len(),
            wakeups: BTreeSet::new(),
            metrics_server: MetricsServer::default(),
            traffic: Traffic::default(),
            network_storage: NetworkStorage::default(),
            urandom_reads: 0,
            network: Box::new(Network::new(cluster.proxy_mode)),
            series: Series::default(),
        };
        sim.settle();
        sim.install_addons_and_join(cluster, joining);
        sim.advance(SESSION_START.since(booted_at));
        sim
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Virtual time since the session started: the lab's "cluster time".
    pub fn elapsed(&self) -> Duration {
        self.now.since(SESSION_START)
    }

    /// The next instant some component asked to be woken at (the page's "skip to next event").
    pub fn next_wakeup(&self) -> Option<SimTime> {
        self.wakeups.first().copied()
    }

    /// Read access to the cluster, as any API client has it.
    pub fn api(&self) -> &ApiServer {
        &self.api
    }

    /// A node's kubelet, as the API server reaches it for logs, exec and metrics.
    pub fn kubelet(&self, node: &str) -> Option<&Kubelet> {
        self.kubelets.get(node)
    }

    /// A node's kubelet with the disks its volumes live on, for logs.
    pub fn kubelet_mut(&mut self, node: &str) -> Option<(&mut Kubelet, Disks<'_>)> {
        let kubelet = self.kubelets.get_mut(node)?;
        let machine = self.machines.get_mut(node)?;
        Some((kubelet, Disks { machine, network: &mut self.network_storage }))
    }

    /// Bytes from the lab shell's `/dev/urandom`: the seed's `urandom` stream, one sub-stream
    /// per read, so the same seed and commands read the same bytes.
    pub fn urandom(&mut self, len: usize) -> Vec<u8> {
        self.urandom_reads += 1;
        let mut rng = Rng::new(self.seed).fork("urandom").fork(&self.urandom_reads.to_string());
        (0..len).map(|_| (rng.next_u64() & 0xff) as u8).collect()
    }

    /// The simulated network storage (what is on an NFS export or a cloud disk).
    pub fn network_storage(&self) -> &NetworkStorage {
        &self.network_storage
    }

    /// Connections the laptop made through `kubectl port-forward` since the last call.
    pub fn take_forwarded_connections(
        &mut self,
    ) -> Vec<crate::network::port_forward::ForwardedConnection> {
        self.network.take_forwarded()
    }

    /// The latest requests through the network (at most 256), oldest first, each with its
    /// hops: for the page to animate and count.
    pub fn recent_requests(&self) -> impl Iterator<Item = &crate::network::Trace> {
        self.network.recent_requests()
    }

    /// The cluster network: each node's kube-proxy rules.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The series the page's charts draw: restarts, replicas, node use, requests served.
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// A container's files, read-only (the page's file browser): `None` until the container
    /// has run on its node. Reading changes nothing, not even the resourceVersion.
    pub fn container_files(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
    ) -> Option<crate::container::Files> {
        self.pod_files(namespace, pod, |kubelet, uid, machine, storage| {
            kubelet.container_files(uid, container, machine, storage)
        })
    }

    /// One of a pod's volumes, read-only, once its kubelet has set it up.
    pub fn volume_files(
        &self,
        namespace: &str,
        pod: &str,
        volume: &str,
    ) -> Option<crate::container::Files> {
        self.pod_files(namespace, pod, |kubelet, uid, machine, storage| {
            kubelet.volume_files(uid, volume, machine, storage)
        })
    }

    /// Asks the kubelet of the pod's node for files of the pod.
    fn pod_files(
        &self,
        namespace: &str,
        pod: &str,
        read: impl FnOnce(&Kubelet, &str, &Machine, &NetworkStorage) -> Option<crate::container::Files>,
    ) -> Option<crate::container::Files> {
        let pod = self.api.get::<Pod>(namespace, pod).ok()?;
        let node = podutil::node_name(pod)?;
        read(
            self.kubelets.get(node)?,
            podutil::uid(pod),
            self.machines.get(node)?,
            &self.network_storage,
        )
    }

    /// The scheduler, for why it placed a pod where it did (`explanation`).
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Binds a pending pod to a node a person chose (the page's drag and drop): the scheduler's
    /// filters run for that node alone; either the pod is bound, as the scheduler binds it, or
    /// the filters' reasons come back. The cluster settles afterwards.
    pub fn bind_pod(&mut self, namespace: &str, name: &str, node: &str) -> Result<(), Vec<String>> {
        let result = self.scheduler.bind_manually(&mut self.api, namespace, name, node);
        self.settle();
        result
    }

    /// Runs a client's request against the API server, then lets the cluster react at the same
    /// instant (the scheduler binds a new pod, a kubelet starts pulling...).
    pub fn submit<R>(&mut self, request: impl FnOnce(&mut ApiServer) -> R) -> R {
        let result = request(&mut self.api);
        self.settle();
        result
    }

    /// Convenience for the commonest request.
    pub fn create<K: Kind>(&mut self, object: K) -> Result<K, crate::api::ApiError> {
        self.submit(|api| api.create(object))
    }

    /// Moves virtual time forward by `by`, running every component at each instant one of them
    /// asked for on the way.
    pub fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        while let Some(&at) = self.wakeups.first() {
            if at > target {
                break;
            }
            self.wakeups.pop_first();
            self.sample_nodes(at);
            self.now = at;
            self.api.set_now(at);
            self.settle();
        }
        self.sample_nodes(target);
        self.now = target;
        self.api.set_now(target);
    }

    /// The node charts' grid samples up to `until`, with the cluster as it is until then.
    fn sample_nodes(&mut self, until: SimTime) {
        for at in self.series.due_samples(until) {
            let kubelets = &self.kubelets;
            self.series.sample_nodes(
                &self.api,
                at,
                |node| {
                    let name = node.metadata.name.as_deref().unwrap_or_default();
                    (kubelets.get(name), crate::kubectl::top::system_usage(node))
                },
                |kubelet, pod| {
                    if podutil::phase(pod) != "Running" {
                        return None;
                    }
                    let usage = kubelet.as_ref()?.pod_usage(pod, at)?;
                    Some(
                        usage.fold((0, 0), |(c, m), (_, u)| (c + u.cpu_millis, m + u.memory_bytes)),
                    )
                },
            );
        }
    }

    /// Lets time pass until `done` holds or `limit` has passed, whichever is first, stopping at
    /// the instant it became true (how a blocking command such as `kubectl delete` waits).
    /// Returns whether `done` holds.
    pub fn advance_until(&mut self, limit: Duration, done: impl Fn(&ApiServer) -> bool) -> bool {
        let deadline = self.now + limit;
        loop {
            if done(&self.api) {
                return true;
            }
            match self.wakeups.first().copied() {
                Some(at) if at <= deadline => self.advance(at.since(self.now)),
                _ => {
                    self.advance(deadline.since(self.now));
                    return done(&self.api);
                }
            }
        }
    }

    /// Runs `argv` in a container of `pod` on `node` (`kubectl exec`), its programs within
    /// reach of the network. `None` when the node has no kubelet.
    pub fn exec(
        &mut self,
        node: &str,
        pod: &k8s_openapi::api::core::v1::Pod,
        container: &str,
        argv: &[String],
    ) -> Option<Result<crate::container::ExecOutcome, crate::kubelet::ContainerAccessError>> {
        let now = self.now;
        self.network.refresh_servers(&self.api, &self.kubelets);
        let kubelet = self.kubelets.get_mut(node)?;
        let machine = self.machines.get_mut(node)?;
        let mut disks = Disks { machine, network: &mut self.network_storage };
        kubelet.lend_network(&mut self.network);
        let outcome = kubelet.exec(&mut self.api, &mut disks, pod, container, argv, now);
        kubelet.return_network(&mut self.network);
        self.deliver_requests();
        self.settle();
        Some(outcome)
    }

    /// Lets a client outside the pods (the student's laptop, a node's shell) use the network
    /// from `origin`; the cluster then reacts as after any request.
    pub fn on_network<R>(
        &mut self,
        origin: crate::network::Origin,
        client: impl FnOnce(&mut dyn crate::container::net::Network) -> R,
    ) -> R {
        self.network.refresh_servers(&self.api, &self.kubelets);
        let mut link = crate::network::request::Link {
            network: &mut self.network,
            api: &mut self.api,
            origin,
        };
        let result = client(&mut link);
        self.deliver_requests();
        self.settle();
        result
    }

    /// The requests the network answered reach the real processes, which log them.
    fn deliver_requests(&mut self) {
        for delivery in self.network.take_deliveries() {
            if let Some(kubelet) = self.kubelets.get_mut(&delivery.node) {
                kubelet.deliver_http(&delivery, self.now);
            }
            let api = &self.api;
            self.series.delivered(&delivery.pod_uid, self.now, || {
                let pod = api.list::<Pod>(None).find(|p| podutil::uid(p) == delivery.pod_uid)?;
                Some((podutil::namespace(pod).to_string(), podutil::name(pod).to_string()))
            });
        }
    }

    /// Reconciles every component until the cluster stops changing at this instant.
    fn settle(&mut self) {
        for _ in 0..MAX_SETTLE_ROUNDS {
            let before = self.api.resource_version();
            let mut wake = Vec::new();
            wake.extend(self.controllers.reconcile(&mut self.api));
            self.network.sync(&self.api, self.seed);
            self.network.set_not_forwarding(
                self.machines
                    .iter()
                    .filter(|(_, m)| m.sysctl("net.ipv4.ip_forward") == Some("0"))
                    .map(|(name, _)| name.clone())
                    .collect(),
            );
            wake.extend(self.scheduler.reconcile(&mut self.api));
            wake.extend(self.sync_machines());
            for (node, kubelet) in &mut self.kubelets {
                // A stopped kubelet does nothing; its containers run on unattended.
                if let Some(machine) = self.machines.get_mut(node)
                    && machine.kubelet_running()
                {
                    let network = &mut self.network_storage;
                    // Its containers reach the network during the pass.
                    kubelet.lend_network(&mut self.network);
                    wake.extend(kubelet.sync(&mut self.api, &mut Disks { machine, network }));
                    kubelet.return_network(&mut self.network);
                }
            }
            self.deliver_requests();
            self.network.refresh_servers(&self.api, &self.kubelets);
            self.traffic.route(&self.api, &mut self.kubelets);
            wake.extend(self.metrics_server.scrape(&mut self.api, &self.kubelets));
            self.wakeups.extend(wake.into_iter().filter(|&at| at > self.now));
            for kubelet in self.kubelets.values_mut() {
                for record in kubelet.take_restarts() {
                    self.series.restarted(record);
                }
            }
            if self.api.resource_version() == before {
                self.series.settled(&self.api);
                return;
            }
        }
        debug_assert!(false, "components did not settle at {} (seed {})", self.now, self.seed);
    }
}
