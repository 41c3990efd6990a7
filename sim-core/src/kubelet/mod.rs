//! The kubelet of one node: admits the pods bound to it, pulls their images (one pull at a
//! time, as `serializeImagePulls` does), runs their containers through the simulated runtime,
//! probes them, restarts them with the crash-loop back-off, and reports pod and node status.
//!
//! Like the real kubelet it keeps a private view of its containers (the container runtime) and
//! writes only status through the API.

mod backoff;
mod cri;
mod env;
mod eviction;
mod heartbeat;
pub mod images;
mod lifecycle;
mod local_storage;
mod prober;
mod pull;
mod runtime;
mod static_pods;
mod status;
mod volumes;

use crate::api::{ApiServer, EventSource, EventType};
use crate::container::{ExecOutcome, LogLine, Usage};
use crate::podutil;
use crate::rng::Rng;
use crate::storage::Disks;
use crate::time::SimTime;
use backoff::Backoff;
pub use cri::CriContainer;
pub use eviction::{SYSTEM_USAGE_CONTROL_PLANE, SYSTEM_USAGE_WORKER, binary_quantity};
pub use heartbeat::{LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, ContainerImage, ContainerStatus, HostIP, Node, PersistentVolumeClaim,
    Pod, PodIP, Secret,
};
use runtime::{ContainerRuntime, PodRuntime};
use serde::{Deserialize, Serialize};
pub use static_pods::from_manifest;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

/// Image pull back-off (`backOffPeriod` and `MaxContainerBackOff` in kubelet.go).
const IMAGE_BACKOFF_INITIAL: Duration = Duration::from_secs(10);
const IMAGE_BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Crash-loop back-off: the same constants, per container.
const CRASH_BACKOFF_INITIAL: Duration = Duration::from_secs(10);
const CRASH_BACKOFF_MAX: Duration = Duration::from_secs(300);

/// Images every node holds from the day it was set up.
const PRELOADED_IMAGES: &[(&str, u64)] = &[
    ("registry.k8s.io/kube-proxy:v1.34.1", 31_898_456),
    ("registry.k8s.io/pause:3.10.1", 320_448),
];

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Kubelet {
    node_name: String,
    /// Pull durations, container ids, the seeds of container processes.
    rng: Rng,
    /// The images this node holds, by canonical name.
    images: BTreeMap<String, HeldImage>,
    /// The container runtime's view of each admitted pod, by pod uid.
    pods: BTreeMap<String, PodRuntime>,
    image_pull_backoff: Backoff,
    /// Restart back-off per container (`name_namespace_uid_container`).
    crash_backoff: Backoff,
    /// When the node's single image puller is free again.
    puller_free_at: SimTime,
    /// The last host byte handed out in the node's pod CIDR (host-local IPAM goes round, it does
    /// not reuse the lowest free address).
    last_pod_ip: u8,
    /// The node's `status.images` needs writing.
    images_changed: bool,
    /// The API's resourceVersion after the last sync: while it stays, nothing new has happened.
    seen_api_version: u64,
    /// The earliest `next_sync` of any pod.
    next_wake: Option<SimTime>,
    /// When the kubelet last reported its node's status (the conditions' heartbeat time).
    status_reported_at: SimTime,
    /// The pods of the node's manifest directory, run without the API; each has a mirror pod.
    /// A pod whose manifest was removed stays here, marked deleted, until its containers stop.
    static_pods: Vec<Pod>,
    /// The manifest directory's generation the static pods were last read at.
    manifests_generation: u64,
    /// The last sync found every static pod's mirror as it should be.
    #[serde(skip)]
    mirrors_checked: bool,
    /// Every static pod (not being deleted) has its runtime: none waits to start. Only new
    /// manifests and a power cut undo it.
    #[serde(skip)]
    static_pods_admitted: bool,
    /// When the node's Lease was last renewed.
    lease_renewed_at: SimTime,
    /// The microseconds a real clock would add to this kubelet's renewals.
    lease_micros: u32,
    /// The node's Lease existed when the last sync looked (or renewed or created it).
    #[serde(skip)]
    lease_exists: bool,
    /// The eviction manager's view of the node's memory.
    eviction: eviction::EvictionManager,
    /// Whether the kubelet process is running (systemd's unit is active).
    up: bool,
    /// The cluster network, lent by the simulation for a pass or an exec so the node's
    /// containers can reach it (`curl`, `nslookup`); the kubelet never keeps it.
    #[serde(skip)]
    network: LentNetwork,
    /// Containers restarted since the simulation last collected them (for its charts).
    #[serde(default)]
    restarted: Vec<crate::series::RestartRecord>,
    /// The Services' environment variables, kept while no Service changes.
    #[serde(skip)]
    service_links: env::ServiceLinks,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct HeldImage {
    size_bytes: u64,
    digest: String,
}

/// Why the kubelet cannot serve a container's log or an exec into it, in the API server's words
/// (kubectl prefixes `Error from server (BadRequest): `).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerAccessError(pub String);

impl Kubelet {
    /// A kubelet that last reported its node's status and renewed its lease at
    /// `status_reported_at` and `lease_renewed_at`.
    pub fn new(
        node_name: &str,
        rng: Rng,
        status_reported_at: SimTime,
        lease_renewed_at: SimTime,
    ) -> Self {
        // Its own stream, so the container runtime's draws stay as they were.
        let lease_micros = rng.fork("lease").below(1000) as u32;
        let images = PRELOADED_IMAGES
            .iter()
            .map(|(name, size)| {
                (name.to_string(), HeldImage { size_bytes: *size, digest: images::digest_of(name) })
            })
            .collect();
        Kubelet {
            node_name: node_name.to_string(),
            rng,
            images,
            pods: BTreeMap::new(),
            image_pull_backoff: Backoff::new(IMAGE_BACKOFF_INITIAL, IMAGE_BACKOFF_MAX),
            crash_backoff: Backoff::new(CRASH_BACKOFF_INITIAL, CRASH_BACKOFF_MAX),
            puller_free_at: SimTime::default(),
            last_pod_ip: 1,
            images_changed: true,
            seen_api_version: 0,
            next_wake: None,
            status_reported_at,
            static_pods: Vec::new(),
            manifests_generation: 0,
            mirrors_checked: false,
            static_pods_admitted: false,
            lease_renewed_at,
            lease_micros,
            lease_exists: false,
            eviction: Default::default(),
            up: true,
            network: LentNetwork::default(),
            restarted: Vec::new(),
            service_links: Default::default(),
        }
    }

    pub fn is_up(&self) -> bool {
        self.up
    }

    /// The kubelet process exits: nothing is synced, reported or renewed until it starts again.
    /// The containers it started run on.
    pub fn shut_down(&mut self) {
        self.up = false;
    }

    /// The machine goes down: the kubelet and every container with it.
    pub fn power_off(&mut self) {
        self.up = false;
        self.pods.clear();
        self.static_pods_admitted = false;
        self.puller_free_at = SimTime::default();
        self.next_wake = None;
        self.eviction = Default::default();
    }

    /// Puts images on the node before anything runs (kubeadm pulls the control plane's images
    /// before it writes their manifests).
    pub fn with_images(mut self, images: &[(&str, u64)]) -> Self {
        for (name, size) in images {
            let digest = images::digest_of(name);
            self.images.insert(name.to_string(), HeldImage { size_bytes: *size, digest });
        }
        self
    }

    /// The kubelet's random stream (container ids, pull times, processes' seeds), for the
    /// simulation to lend it another while the cluster's own addons start.
    pub(crate) fn rng_mut(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// The node's `status.images`, largest first as the kubelet reports them.
    pub fn node_images(&self) -> Vec<ContainerImage> {
        let mut list: Vec<ContainerImage> = self
            .images
            .iter()
            .map(|(name, held)| {
                let repository = name.rsplit_once(':').map_or(name.as_str(), |(r, _)| r);
                ContainerImage {
                    names: Some(vec![format!("{repository}@{}", held.digest), name.clone()]),
                    size_bytes: Some(held.size_bytes as i64),
                }
            })
            .collect();
        crate::sort::sort_by_key(&mut list, |image| std::cmp::Reverse(image.size_bytes));
        list
    }

    /// Brings every pod bound to this node one step closer to its spec. Returns when the kubelet
    /// next has something to do (a pull finishing, a probe, a back-off ending).
    pub fn sync(&mut self, api: &mut ApiServer, disks: &mut Disks) -> Option<SimTime> {
        let now = api.now();
        // A changed ConfigMap or Secret reaches the files projected from it at the pods' next
        // periodic resync.
        if api.kind_changed_since::<ConfigMap>(self.seen_api_version)
            || api.kind_changed_since::<Secret>(self.seen_api_version)
        {
            self.schedule_projection_refresh(now);
            self.next_wake = self.pods.values().filter_map(|runtime| runtime.next_sync).min();
        }
        if api.kind_changed_since::<Node>(self.seen_api_version) {
            self.wake_pods_awaiting_attach(now);
        }
        if api.kind_changed_since::<PersistentVolumeClaim>(self.seen_api_version) {
            self.wake_pods_with_claims(api, now);
        }
        let lease_due = self.renew_lease(api);
        let memory_pressure = self.eviction.memory_pressure;
        let nothing_due = self.next_wake.is_none_or(|at| at > now);
        let memory_due = self.eviction.next_check.is_some_and(|at| at <= now);
        // Only pods tell the kubelet what to run: other writes (events above all) leave it be.
        let pods_changed = api.kind_changed_since::<Pod>(self.seen_api_version);
        // Asked last: most syncs are already decided by the checks before it.
        let starting = || !self.static_pods_admitted && self.static_pods_starting();
        if !pods_changed && nothing_due && !memory_due && !starting() {
            let report_due = self.node_status_due(api, memory_pressure).min(lease_due);
            self.seen_api_version = api.resource_version();
            return Some(self.earliest_wake(report_due));
        }
        // Like the kubelet's pod workers: look again only at this node's pods that changed
        // since the last sync (a watch from that resourceVersion, in write order) and at pods
        // whose time has come; the rest are as the last sync left them.
        // Whether any of this node's pods moved: if none did, the running containers and the
        // pods' next syncs are as the last pass left them.
        let mut touched = false;
        // The running containers as the last pass left them, moved by each pod this one
        // changes (rather than counted again over every pod of the node).
        let mut running = self.eviction.running;
        for gone in api.deleted_since::<Pod>(self.seen_api_version) {
            // Removed without the kubelet finishing it (a forced delete): the containers are
            // killed with the sandbox and its IP is free again.
            if let Some(runtime) = self.pods.remove(podutil::uid(gone)) {
                touched = true;
                running = eviction::moved(running, runtime.running_fingerprint(), (0, 0));
            }
        }
        let mut to_sync: Vec<Rc<Pod>> =
            self.sync_mirror_pods(api).into_iter().map(Rc::new).collect();
        let mut seen: BTreeSet<String> =
            to_sync.iter().map(|p| podutil::uid(p).to_string()).collect();
        for pod in api.changed_since::<Pod>(self.seen_api_version) {
            if podutil::node_name(pod) != Some(self.node_name.as_str())
                || static_pods::is_mirror(pod)
            {
                continue;
            }
            // The kubelet's own status write changed nothing it acts on: the pod is as it
            // was when last synced, and its next look is already scheduled.
            let own_write = self.pods.get(podutil::uid(pod)).is_some_and(|runtime| {
                runtime.status_version.is_some()
                    && runtime.status_version == podutil::resource_version(pod)
            });
            if !own_write && seen.insert(podutil::uid(pod).to_string()) {
                to_sync.extend(api.get_shared(podutil::namespace(pod), podutil::name(pod)).ok());
            }
        }
        // `next_wake` is the earliest of the pods' next syncs: while it is ahead, none is due
        // (the pass runs for another node's pods changing far more often than for its own).
        let due: Vec<String> = if nothing_due {
            Vec::new()
        } else {
            self.pods
                .iter()
                .filter(|(uid, r)| r.next_sync.is_some_and(|at| at <= now) && !seen.contains(*uid))
                .map(|(uid, _)| uid.clone())
                .collect()
        };
        touched |= !due.is_empty() || !to_sync.is_empty();
        for uid in due {
            if let Some(next_sync) = self.report_back_offs(api, &uid) {
                if let Some(runtime) = self.pods.get_mut(&uid) {
                    runtime.next_sync = next_sync;
                }
                continue;
            }
            let Some(runtime) = self.pods.get(&uid) else { continue };
            match self.static_pods.iter().find(|p| podutil::uid(p) == uid) {
                Some(manifest) => to_sync.push(Rc::new(manifest.clone())),
                None => to_sync.extend(api.get_shared(&runtime.namespace, &runtime.name).ok()),
            }
        }
        for pod in to_sync {
            let uid = podutil::uid(&pod).to_string();
            let next_sync =
                if podutil::is_terminal(&pod) && pod.metadata.deletion_timestamp.is_none() {
                    None
                } else {
                    let fingerprint = |pods: &BTreeMap<String, PodRuntime>| {
                        pods.get(&uid).map_or((0, 0), PodRuntime::running_fingerprint)
                    };
                    let before = fingerprint(&self.pods);
                    let next_sync = self.sync_pod(api, disks, pod);
                    running = eviction::moved(running, before, fingerprint(&self.pods));
                    next_sync
                };
            if let Some(runtime) = self.pods.get_mut(&uid) {
                runtime.next_sync = next_sync;
            }
        }
        if self.images_changed {
            self.publish_node_images(api);
            self.images_changed = false;
        }
        // Static pods whose manifest is gone leave once their containers have stopped.
        let pods = &self.pods;
        self.static_pods.retain(|p| {
            p.metadata.deletion_timestamp.is_none() || pods.contains_key(podutil::uid(p))
        });
        if !self.static_pods_admitted {
            self.static_pods_admitted = !self.static_pods_starting();
        }
        // Containers started or stopped, or a program's memory changed course: the eviction
        // manager looks again (and the node's status says what it found).
        if running != self.eviction.running
            || self.eviction.memory_pressure
            || self.eviction.next_check.is_some_and(|at| at <= now)
        {
            self.eviction.running = running;
            let memory = self.check_memory(api);
            let storage = self.check_empty_dir_limits(api);
            self.eviction.next_check = match (memory, storage) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let report_due = self.node_status_due(api, memory_pressure).min(lease_due);
        self.seen_api_version = api.resource_version();
        if touched {
            self.next_wake = self.pods.values().filter_map(|runtime| runtime.next_sync).min();
        }
        Some(self.earliest_wake(report_due))
    }

    /// Whether some static pod (not being deleted) has no runtime yet.
    fn static_pods_starting(&self) -> bool {
        self.static_pods.iter().any(|p| {
            p.metadata.deletion_timestamp.is_none() && !self.pods.contains_key(podutil::uid(p))
        })
    }

    /// The first of the pods' next syncs, the eviction manager's next look and `report_due`.
    fn earliest_wake(&self, report_due: SimTime) -> SimTime {
        [self.next_wake, self.eviction.next_check]
            .into_iter()
            .flatten()
            .fold(report_due, SimTime::min)
    }

    /// Sets up the pod sandbox: gives the pod its IP and creates its volumes. `None` if the
    /// node's pod CIDR is full.
    fn admit(&mut self, api: &ApiServer, pod: &Pod) -> Option<PodRuntime> {
        let node = api.get::<Node>("", &self.node_name).ok()?;
        let cidr = node.spec.as_ref()?.pod_cidr.as_deref()?;
        let prefix = cidr.rsplit_once('.')?.0;
        let host_network = pod.spec.as_ref().and_then(|s| s.host_network) == Some(true);
        let ip = if host_network {
            // A pod in the host's network namespace has the node's address.
            self.node_ip(api)
        } else {
            let used: Vec<&str> = self.pods.values().map(|p| p.ip.as_str()).collect();
            // Host addresses .2 to .254, starting after the last one handed out.
            let (host, ip) = (1..=253i32)
                .map(|step| ((i32::from(self.last_pod_ip) - 2 + step).rem_euclid(253) + 2) as u8)
                .map(|host| (host, format!("{prefix}.{host}")))
                .find(|(_, ip)| !used.contains(&ip.as_str()))?;
            self.last_pod_ip = host;
            ip
        };
        Some(PodRuntime {
            namespace: podutil::namespace(pod).to_string(),
            name: podutil::name(pod).to_string(),
            ip,
            started_at: api.now(),
            // The volume manager sets them up before the first container starts.
            volumes: BTreeMap::new(),
            storage: Default::default(),
            containers: BTreeMap::new(),
            next_sync: None,
            status_version: None,
            status_checked: None,
            evicted: None,
            watched_empty_dirs: local_storage::has_watched_empty_dirs(pod),
        })
    }

    fn source(&self) -> EventSource<'_> {
        EventSource { component: "kubelet", host: Some(&self.node_name) }
    }

    /// Records an event about one of the pod's containers.
    fn event(
        &self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &Container,
        kind: EventType,
        reason: &str,
        message: String,
    ) {
        let field_path = Some(container_field_path(pod, &container.name));
        api.record_event(pod, field_path, self.source(), kind, reason, message);
    }

    /// Writes the pod's status as the runtime has it, if that differs from the stored one.
    /// Returns the stored pod's resourceVersion after it, and whether it wrote.
    fn write_pod_status(
        &self,
        api: &mut ApiServer,
        pod: Rc<Pod>,
        runtime: &PodRuntime,
    ) -> Option<(u64, bool)> {
        let node_ip = self.node_ip(api);
        let spec = pod.spec.as_ref()?;
        let absent = ContainerRuntime::default();
        let init_containers = spec.init_containers.as_deref().unwrap_or_default();
        let init_statuses: Vec<(&Container, ContainerStatus)> = init_containers
            .iter()
            .map(|c| {
                let rt = runtime.containers.get(&c.name).unwrap_or(&absent);
                let mut status = status::container_status(c, rt, &pod, false);
                if !status::is_sidecar(c) {
                    // An init container is ready once it has completed.
                    status.ready = status::completed(&status);
                }
                (c, status)
            })
            .collect();
        let initialized = init_statuses.iter().all(|(c, s)| status::init_done(c, s));
        let mut statuses: Vec<ContainerStatus> = spec
            .containers
            .iter()
            .map(|c| {
                let rt = runtime.containers.get(&c.name).unwrap_or(&absent);
                status::container_status(c, rt, &pod, !initialized)
            })
            .collect();
        // The kubelet lists container statuses by name.
        crate::sort::sort_by(&mut statuses, |a, b| a.name.cmp(&b.name));
        let phase = status::phase(&pod, &init_statuses, &statuses);
        let conditions = status::conditions(&pod, phase, &init_statuses, &statuses, api.now());
        let started_at = runtime.started_at.to_k8s();
        let ip = runtime.ip.clone();
        let init_statuses: Vec<ContainerStatus> =
            init_statuses.into_iter().map(|(_, s)| s).collect();
        let (namespace, name) = (podutil::namespace(&pod), podutil::name(&pod));
        // The stored pod, not the one synced: a static pod's manifest never carries a status.
        let stored = api.get::<Pod>(namespace, name).ok()?;
        // Most syncs change nothing the API shows: skip the write.
        if let Some(current) = stored.status.as_ref()
            && current.phase.as_deref() == Some(phase)
            && current.pod_ip.as_deref() == Some(ip.as_str())
            && current.host_ip.as_deref() == Some(node_ip.as_str())
            && current.container_statuses.as_ref() == Some(&statuses)
            && current.init_container_statuses.as_deref().unwrap_or_default() == init_statuses
            && conditions.iter().all(|c| {
                current.conditions.iter().flatten().any(|existing| {
                    existing.type_ == c.type_
                        && existing.status == c.status
                        && existing.reason == c.reason
                        && existing.message == c.message
                })
            })
        {
            return podutil::resource_version(stored).map(|version| (version, false));
        }
        let (namespace, name) = (namespace.to_string(), name.to_string());
        // Let go of the synced copy: the write then changes the stored pod without copying it.
        drop(pod);
        // The comparison above found a difference, so the write changes the pod.
        api.write::<Pod>(&namespace, &name, |pod| {
            for c in conditions {
                podutil::set_condition(pod, c);
            }
            let status = pod.status.get_or_insert_with(Default::default);
            // Kubelet-owned conditions come first, in the kubelet's order; others (PodScheduled) follow.
            if let Some(conditions) = status.conditions.as_mut() {
                const ORDER: [&str; 4] =
                    ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"];
                crate::sort::sort_by_key(conditions, |c| {
                    ORDER.iter().position(|t| *t == c.type_).unwrap_or(ORDER.len())
                });
            }
            status.phase = Some(phase.to_string());
            status.host_ip = Some(node_ip.clone());
            status.host_ips = Some(vec![HostIP { ip: node_ip.clone() }]);
            status.pod_ip = Some(ip.clone());
            status.pod_ips = Some(vec![PodIP { ip: ip.clone() }]);
            status.start_time = Some(started_at);
            status.init_container_statuses = (!init_statuses.is_empty()).then_some(init_statuses);
            status.container_statuses = Some(statuses);
            status.observed_generation = pod.metadata.generation;
        })
        .ok()
        .map(|version| (version, true))
    }

    /// The node's InternalIP.
    fn node_ip(&self, api: &ApiServer) -> String {
        let node = api.get::<Node>("", &self.node_name).ok();
        node.and_then(|n| crate::cluster::node_address(n, "InternalIP"))
            .unwrap_or_default()
            .to_string()
    }

    fn publish_node_images(&self, api: &mut ApiServer) {
        let images = self.node_images();
        // Most pulls bring an image the node already lists: then there is nothing to write
        // (an update would copy the Node only to find it unchanged).
        let node = api.get::<Node>("", &self.node_name).ok();
        if node.and_then(|n| n.status.as_ref()?.images.as_ref()) == Some(&images) {
            return;
        }
        let _ = api.update::<Node>("", &self.node_name, |node| {
            node.status.get_or_insert_with(Default::default).images = Some(images);
        });
    }

    /// A container of a pod on this node, for `kubectl logs` and `kubectl exec`.
    fn container_runtime(
        &mut self,
        pod: &Pod,
        container: &str,
    ) -> Result<&mut ContainerRuntime, ContainerAccessError> {
        let not_found = || not_started(container, podutil::name(pod));
        let runtime = self.pods.get_mut(podutil::uid(pod)).ok_or_else(not_found)?;
        runtime.containers.get_mut(container).ok_or_else(not_found)
    }

    /// The log of a container: its current (or last) run, or with `previous` the run before.
    pub fn container_log(
        &mut self,
        disks: &mut Disks,
        pod: &Pod,
        container: &str,
        previous: bool,
        now: SimTime,
    ) -> Result<Vec<LogLine>, ContainerAccessError> {
        let uid = podutil::uid(pod).to_string();
        // Bring the process up to now so its latest lines are there.
        if let Some(runtime) = self.pods.get_mut(&uid) {
            volumes::lend(disks, runtime);
            let volumes = &mut runtime.volumes;
            if let Some(running) =
                runtime.containers.get_mut(container).and_then(ContainerRuntime::running_mut)
            {
                running.instance.advance(volumes, now);
            }
            volumes::take_back(disks, runtime, now);
        }
        let pod_name = podutil::name(pod).to_string();
        // A container that never ran has no log; `kubectl logs` words why from its status.
        let runtime = self.container_runtime(pod, container)?;
        let instance = if previous {
            runtime.previous_instance().ok_or_else(|| {
                ContainerAccessError(format!(
                    "previous terminated container {container:?} in pod {pod_name:?} not found"
                ))
            })?
        } else {
            runtime.current_instance().ok_or_else(|| not_started(container, &pod_name))?
        };
        Ok(instance.log().to_vec())
    }

    /// Runs `argv` in a running container (`kubectl exec`).
    pub fn exec(
        &mut self,
        api: &mut ApiServer,
        disks: &mut Disks,
        pod: &Pod,
        container: &str,
        argv: &[String],
        now: SimTime,
    ) -> Result<ExecOutcome, ContainerAccessError> {
        let uid = podutil::uid(pod).to_string();
        let runtime = self
            .pods
            .get_mut(&uid)
            .ok_or_else(|| ContainerAccessError(format!("container not found ({container:?})")))?;
        volumes::lend(disks, runtime);
        let volumes = &mut runtime.volumes;
        let outcome = match runtime.containers.get_mut(container) {
            None => Err(ContainerAccessError(format!("container not found ({container:?})"))),
            Some(container_runtime) => match container_runtime.running_mut() {
                Some(running) => {
                    running.instance.advance(volumes, now);
                    let mut link = network_link(&mut self.network, api, pod, &self.node_name);
                    let net = link.as_mut().map(|l| l as &mut dyn crate::container::net::Network);
                    let mut outcome = running.instance.exec_on(volumes, argv, net, now);
                    // The command may have signalled the main process: look when it next acts.
                    let mut wake = match running.instance.advance(volumes, now) {
                        crate::container::State::Exited { at, .. } => Some(at),
                        crate::container::State::Running { next_wake } => next_wake,
                    };
                    // What it wrote to a memory-backed emptyDir may be past the container's
                    // limit: the OOM killer ends the container (and the command with it).
                    let mut specs = pod.spec.iter().flat_map(|s| &s.containers);
                    if let Some(spec) = specs.find(|c| c.name == container) {
                        let projected = &runtime.storage.projected;
                        let held = local_storage::tmpfs_peak_bytes(spec, volumes, projected);
                        let state = crate::container::State::Running { next_wake: None };
                        if lifecycle::tmpfs_oom(spec, held, &running.instance, state, now).is_some()
                        {
                            // Killed at the write that crossed the limit: the complaints
                            // of a full tmpfs the simulation printed after it never came.
                            if let ExecOutcome::Ran { code, stderr, .. } = &mut outcome {
                                *code = 137;
                                stderr.clear();
                            }
                            wake = Some(now);
                        }
                    }
                    if let Some(at) = wake {
                        runtime.next_sync = Some(runtime.next_sync.map_or(at, |n| n.min(at)));
                        self.next_wake = Some(self.next_wake.map_or(at, |n| n.min(at)));
                    }
                    Ok(outcome)
                }
                None => Err(ContainerAccessError(format!(
                    "unable to upgrade connection: container not found ({container:?})"
                ))),
            },
        };
        volumes::take_back(disks, runtime, now);
        outcome
    }

    /// The container restarts since the last call, oldest first.
    pub fn take_restarts(&mut self) -> Vec<crate::series::RestartRecord> {
        std::mem::take(&mut self.restarted)
    }

    /// Takes the cluster network for a pass or an exec (see the `network` field), leaving an
    /// empty one in its place until [`Self::return_network`].
    pub fn lend_network(&mut self, network: &mut Box<crate::network::Network>) {
        self.network.swap(network, true);
    }

    /// Gives the lent network back, taking back the empty one.
    pub fn return_network(&mut self, network: &mut Box<crate::network::Network>) {
        self.network.swap(network, false);
    }

    /// Copies of a pod's serving processes, for the network to answer requests with.
    pub fn server_copies(&self, pod_uid: &str) -> Vec<(String, crate::container::Instance)> {
        let Some(runtime) = self.pods.get(pod_uid) else { return Vec::new() };
        runtime
            .containers
            .iter()
            .filter_map(|(name, c)| Some((name.clone(), c.current_instance()?.server_copy()?)))
            .collect()
    }

    /// Hands a request the network answered to the real process, which logs it.
    pub fn deliver_http(&mut self, delivery: &crate::network::Delivery, now: SimTime) {
        let Some(runtime) = self.pods.get_mut(&delivery.pod_uid) else { return };
        let volumes = &runtime.volumes;
        if let Some(running) =
            runtime.containers.get_mut(&delivery.container).and_then(ContainerRuntime::running_mut)
        {
            let _ = running.instance.http_get_with_volumes(
                volumes,
                delivery.port,
                &delivery.path,
                &delivery.user_agent,
                now,
            );
        }
    }

    /// Hands each running container of a pod the CPU its incoming requests ask for (the
    /// network's part, `crate::traffic`; a container that does not serve requests ignores it).
    pub fn set_offered_load(&mut self, pod_uid: &str, millis: u64) {
        let Some(runtime) = self.pods.get_mut(pod_uid) else { return };
        for container in runtime.containers.values_mut() {
            if let Some(running) = container.running_mut() {
                running.instance.set_offered_load(millis);
            }
        }
    }

    /// A container's files as its current (or last) run sees them, read-only (the page's file
    /// browser): as of the kubelet's last look, which it takes whenever the process acts.
    pub fn container_files(
        &self,
        pod_uid: &str,
        container: &str,
        machine: &crate::machine::Machine,
        network: &crate::storage::NetworkStorage,
    ) -> Option<crate::container::Files> {
        let runtime = self.pods.get(pod_uid)?;
        let instance = runtime.containers.get(container)?.current_instance()?;
        let volumes = volumes::as_they_are(runtime, machine, network);
        Some(crate::container::Files::of_container(instance, volumes))
    }

    /// One of a pod's volumes, read-only, once the kubelet has set it up.
    pub fn volume_files(
        &self,
        pod_uid: &str,
        volume: &str,
        machine: &crate::machine::Machine,
        network: &crate::storage::NetworkStorage,
    ) -> Option<crate::container::Files> {
        let runtime = self.pods.get(pod_uid)?;
        let mut volumes = volumes::as_they_are(runtime, machine, network);
        Some(crate::container::Files::of_volume(volumes.remove(volume)?))
    }

    /// What each running container of a pod uses at `now`, CPU throttled to the container's
    /// limit as its cgroup is (`kubectl top`, metrics-server, the node charts): by container
    /// name. Its memory includes what it holds in memory-backed emptyDirs.
    pub fn pod_usage<'a>(
        &'a self,
        pod: &'a Pod,
        now: SimTime,
    ) -> Option<impl Iterator<Item = (&'a str, Usage)> + 'a> {
        let runtime = self.pods.get(podutil::uid(pod))?;
        let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
        Some(runtime.containers.iter().filter_map(move |(name, c)| {
            let mut usage = c.running()?.instance.usage(now);
            let spec = containers.iter().find(|c| &c.name == name);
            let limit = spec
                .and_then(|c| c.resources.as_ref()?.limits.as_ref()?.get("cpu"))
                .and_then(|q| crate::quantity::parse(&q.0).ok())
                .and_then(|m| u64::try_from(m.0).ok());
            if let Some(limit) = limit {
                usage.cpu_millis = usage.cpu_millis.min(limit);
            }
            if let Some(spec) = spec.filter(|_| runtime.watched_empty_dirs) {
                let (volumes, projected) = (&runtime.volumes, &runtime.storage.projected);
                usage.memory_bytes += local_storage::tmpfs_held_bytes(spec, volumes, projected);
            }
            Some((name.as_str(), usage))
        }))
    }
}

/// How events name one of a pod's containers: `spec.containers{web}` or
/// `spec.initContainers{setup}`.
fn container_field_path(pod: &Pod, container: &str) -> String {
    let init = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .is_some_and(|list| list.iter().any(|c| c.name == container));
    // Joined rather than formatted: every event about a container asks.
    let list = if init { "initContainers" } else { "containers" };
    ["spec.", list, "{", container, "}"].concat()
}

/// A container with no run yet: the runtime has nothing to show for it.
fn not_started(container: &str, pod: &str) -> ContainerAccessError {
    ContainerAccessError(format!(
        "container {container:?} in pod {pod:?} is waiting to start: ContainerCreating"
    ))
}

/// The slot the simulation's network is lent into. Lending swaps it with the empty network the
/// kubelet keeps, so a pass costs no network made and dropped (there are thousands of passes),
/// and, boxed, it is a pointer that moves.
#[derive(Clone, Debug, Default)]
struct LentNetwork {
    network: Box<crate::network::Network>,
    lent: bool,
}

impl LentNetwork {
    fn swap(&mut self, network: &mut Box<crate::network::Network>, lent: bool) {
        if self.lent != lent {
            std::mem::swap(&mut self.network, network);
            self.lent = lent;
        }
    }

    fn get_mut(&mut self) -> Option<&mut crate::network::Network> {
        self.lent.then_some(&mut self.network)
    }
}

/// A pod's way onto the lent network, as the pod it is (its address, namespace and node).
fn network_link<'a>(
    network: &'a mut LentNetwork,
    api: &'a mut ApiServer,
    pod: &'a Pod,
    node: &'a str,
) -> Option<PodNetwork<'a>> {
    Some(PodNetwork { network: network.get_mut()?, api, pod, node, origin: None })
}

/// The lent network as one pod reaches it. Who the pod is on the network (its [`Origin`]) is
/// made when its process first reaches for it: most looks at a container make no request.
///
/// [`Origin`]: crate::network::Origin
pub(super) struct PodNetwork<'a> {
    network: &'a mut crate::network::Network,
    api: &'a mut ApiServer,
    pod: &'a Pod,
    node: &'a str,
    origin: Option<crate::network::Origin>,
}

impl PodNetwork<'_> {
    /// Runs `call` over the link the pod's requests go through.
    fn with_link<R>(
        &mut self,
        call: impl FnOnce(&mut crate::network::request::Link<'_>) -> R,
    ) -> R {
        let origin = self.origin.take().unwrap_or_else(|| {
            let ip = self.pod.status.as_ref().and_then(|s| s.pod_ip.as_deref()).unwrap_or("");
            let (namespace, name) = (podutil::namespace(self.pod), podutil::name(self.pod));
            crate::network::Origin::pod(namespace, name, ip, self.node)
        });
        let (network, api) = (&mut *self.network, &mut *self.api);
        let mut link = crate::network::request::Link { network, api, origin };
        let result = call(&mut link);
        self.origin = Some(link.origin);
        result
    }
}

impl crate::container::net::Network for PodNetwork<'_> {
    fn lookup(&mut self, name: &str, srv: bool) -> crate::container::net::Lookup {
        self.with_link(|link| crate::container::net::Network::lookup(link, name, srv))
    }

    fn connect(
        &mut self,
        host: &str,
        port: u16,
        request: Option<&crate::container::net::HttpRequest>,
    ) -> crate::container::net::Connection {
        self.with_link(|link| crate::container::net::Network::connect(link, host, port, request))
    }
}
