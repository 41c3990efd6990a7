//! The kubelet of one node: admits the pods bound to it, pulls their images (one pull at a
//! time, as `serializeImagePulls` does), starts their containers, and reports pod and node status.
//!
//! Like the real kubelet it keeps a private view of its containers (the container runtime) and
//! writes only status through the API.

mod backoff;
pub mod images;

use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil;
use crate::rng::Rng;
use crate::time::{SimTime, go_duration};
use backoff::Backoff;
use images::{ImageReference, PullAnswer};
use k8s_openapi::api::core::v1::{
    Container, ContainerImage, ContainerState, ContainerStateRunning, ContainerStateWaiting,
    ContainerStatus, HostIP, Node, Pod, PodCondition, PodIP,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Image pull back-off (`backOffPeriod` and `MaxContainerBackOff` in kubelet.go).
const IMAGE_BACKOFF_INITIAL: Duration = Duration::from_secs(10);
const IMAGE_BACKOFF_MAX: Duration = Duration::from_secs(300);
/// How soon the kubelet notices a failed pull and syncs the pod again (PLEG relists every second).
const RELIST_PERIOD: Duration = Duration::from_secs(1);
/// How often a pod whose last sync failed is synced again (the pod workers' back-off period).
const ERROR_RESYNC: Duration = Duration::from_secs(10);
/// Simulated registry bandwidth, in bytes per second.
const REGISTRY_BYTES_PER_SECOND: u64 = 25_000_000;

/// How often the kubelet reports its node's status when nothing changed
/// (`nodeStatusReportFrequency`).
const NODE_STATUS_REPORT_PERIOD: Duration = Duration::from_secs(5 * 60);

/// Images every node holds from the day it was set up.
const PRELOADED_IMAGES: &[(&str, u64)] = &[
    ("registry.k8s.io/kube-proxy:v1.34.1", 31_898_456),
    ("registry.k8s.io/pause:3.10.1", 320_448),
];

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Kubelet {
    node_name: String,
    /// Pull durations, container ids.
    rng: Rng,
    /// The images this node holds, by canonical name.
    images: BTreeMap<String, HeldImage>,
    /// The container runtime's view of each admitted pod, by pod uid.
    pods: BTreeMap<String, PodRuntime>,
    image_pull_backoff: Backoff,
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct HeldImage {
    size_bytes: u64,
    digest: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PodRuntime {
    namespace: String,
    name: String,
    ip: String,
    started_at: SimTime,
    containers: BTreeMap<String, ContainerRuntime>,
    /// When the pod next needs a look without any change (a pull finishing, a back-off ending).
    next_sync: Option<SimTime>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum ContainerRuntime {
    /// Not started yet: waiting for its turn (containers start in order) or for a pull.
    Creating,
    Pulling {
        /// When the kubelet asked for the pull (the Pulling event).
        requested_at: SimTime,
        /// When the registry finishes answering.
        done_at: SimTime,
        /// How long the transfer itself took (the rest was queueing behind other pulls).
        pull_time: Duration,
        answer: PullAnswerRecord,
    },
    /// The last pull failed at `failed_at` with the registry's `error`; `shown` is the waiting
    /// reason `get pods` shows; the kubelet looks at the pod again at `next_sync`.
    PullFailed {
        failed_at: SimTime,
        shown: PullWaitReason,
        error: String,
        next_sync: SimTime,
    },
    /// `imagePullPolicy: Never` and the image is not on the node.
    NeverPull {
        message: String,
    },
    Running {
        started_at: SimTime,
        container_id: String,
        image: String,
        image_id: String,
    },
    /// Sent SIGTERM at `since`; the process ends at `stops_at` (at once for a server, at the
    /// grace deadline by SIGKILL for a shell) with `exit_code`.
    Stopping {
        started_at: SimTime,
        container_id: String,
        image: String,
        image_id: String,
        stops_at: SimTime,
        exit_code: i32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum PullAnswerRecord {
    Image { size_bytes: u64, digest: String },
    Error(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum PullWaitReason {
    ErrImagePull,
    ImagePullBackOff,
}

impl Kubelet {
    pub fn new(node_name: &str, rng: Rng, status_reported_at: SimTime) -> Self {
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
            puller_free_at: SimTime::default(),
            last_pod_ip: 1,
            images_changed: true,
            seen_api_version: 0,
            next_wake: None,
            status_reported_at,
        }
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
        list.sort_by_key(|image| std::cmp::Reverse(image.size_bytes));
        list
    }

    /// Brings every pod bound to this node one step closer to its spec. Returns when the kubelet
    /// next has something to do (a pull finishing, a back-off ending).
    pub fn sync(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let report_due = self.status_reported_at + NODE_STATUS_REPORT_PERIOD;
        if now >= report_due {
            self.report_node_status(api);
        }
        let report_due = self.status_reported_at + NODE_STATUS_REPORT_PERIOD;
        let nothing_due = self.next_wake.is_none_or(|at| at > now);
        if api.resource_version() == self.seen_api_version && nothing_due {
            return Some(self.next_wake.map_or(report_due, |at| at.min(report_due)));
        }
        // Like the kubelet's pod workers: look again only at this node's pods that changed
        // since the last sync (a watch from that resourceVersion, in write order) and at pods
        // whose time has come; the rest are as the last sync left them.
        for gone in api.deleted_since::<Pod>(self.seen_api_version) {
            // Removed without the kubelet finishing it (a forced delete): the containers are
            // killed with the sandbox and its IP is free again.
            self.pods.remove(podutil::uid(gone));
        }
        let mut seen = BTreeSet::new();
        let mut to_sync: Vec<Pod> = Vec::new();
        for pod in api.changed_since::<Pod>(self.seen_api_version) {
            if podutil::node_name(pod) == Some(self.node_name.as_str())
                && seen.insert(podutil::uid(pod))
            {
                to_sync.push(pod.clone());
            }
        }
        for (uid, runtime) in &self.pods {
            if runtime.next_sync.is_some_and(|at| at <= now) && !seen.contains(uid.as_str()) {
                to_sync.extend(api.get::<Pod>(&runtime.namespace, &runtime.name).ok().cloned());
            }
        }
        for pod in &to_sync {
            if podutil::is_terminal(pod) {
                continue;
            }
            let next_sync = self.sync_pod(api, pod);
            if let Some(runtime) = self.pods.get_mut(podutil::uid(pod)) {
                runtime.next_sync = next_sync;
            }
        }
        if self.images_changed {
            self.publish_node_images(api);
            self.images_changed = false;
        }
        self.seen_api_version = api.resource_version();
        self.next_wake = self.pods.values().filter_map(|runtime| runtime.next_sync).min();
        Some(self.next_wake.map_or(report_due, |at| at.min(report_due)))
    }

    /// The periodic node status report: the conditions' heartbeat moves to now.
    fn report_node_status(&mut self, api: &mut ApiServer) {
        let now = api.now();
        let heartbeat = now.to_k8s();
        let _ = api.update::<Node>("", &self.node_name, |node| {
            for condition in
                node.status.get_or_insert_with(Default::default).conditions.iter_mut().flatten()
            {
                condition.last_heartbeat_time = Some(heartbeat.clone());
            }
        });
        self.status_reported_at = now;
    }

    fn sync_pod(&mut self, api: &mut ApiServer, pod: &Pod) -> Option<SimTime> {
        let uid = podutil::uid(pod).to_string();
        if pod.metadata.deletion_timestamp.is_some() {
            return self.terminate(api, pod);
        }
        if !self.pods.contains_key(&uid) {
            let runtime = self.admit(api, pod)?;
            self.pods.insert(uid.clone(), runtime);
        }
        let containers = pod.spec.as_ref().map(|s| s.containers.clone()).unwrap_or_default();
        let mut wake = None;
        // Containers start in spec order: each waits until the one before it runs.
        for container in &containers {
            let state = self.advance_container(api, pod, container);
            match state {
                Progress::Running => continue,
                Progress::WaitUntil(at) => {
                    wake = Some(at);
                    break;
                }
                Progress::Stuck => break,
            }
        }
        self.write_pod_status(api, pod, &containers);
        wake
    }

    /// Stops a pod being deleted: SIGTERM to each running container (the Killing event), SIGKILL
    /// for those still running at the grace deadline; once all have stopped the kubelet removes
    /// the pod from the API, which finishes the deletion.
    fn terminate(&mut self, api: &mut ApiServer, pod: &Pod) -> Option<SimTime> {
        let now = api.now();
        let uid = podutil::uid(pod).to_string();
        let deadline = pod.metadata.deletion_timestamp.as_ref().map_or(now, SimTime::from_k8s);
        let containers = pod.spec.as_ref().map(|s| s.containers.clone()).unwrap_or_default();
        let mut wake: Option<SimTime> = None;
        for container in &containers {
            let state =
                self.pods.get(&uid).and_then(|r| r.containers.get(&container.name)).cloned();
            match state {
                Some(ContainerRuntime::Running { started_at, container_id, image, image_id }) => {
                    let name = &container.name;
                    self.event(
                        api,
                        pod,
                        name,
                        EventType::Normal,
                        "Killing",
                        format!("Stopping container {name}"),
                    );
                    let graceful = images::stops_on_sigterm(&image, container.command.as_deref());
                    let stops_at = if graceful {
                        (now + Duration::from_millis(self.rng.between(100, 400))).min(deadline)
                    } else {
                        deadline
                    };
                    let exit_code = if graceful && stops_at < deadline { 0 } else { 137 };
                    self.set_state(
                        &uid,
                        name,
                        ContainerRuntime::Stopping {
                            started_at,
                            container_id,
                            image,
                            image_id,
                            stops_at,
                            exit_code,
                        },
                    );
                    wake = Some(wake.map_or(stops_at, |w| w.min(stops_at)));
                }
                Some(ContainerRuntime::Stopping { stops_at, .. }) if stops_at > now => {
                    wake = Some(wake.map_or(stops_at, |w| w.min(stops_at)));
                }
                // Stopped, or never started: nothing to wait for.
                _ => {}
            }
        }
        if let Some(at) = wake.filter(|&at| at > now) {
            return Some(at);
        }
        self.pods.remove(&uid);
        let _ = api.remove::<Pod>(podutil::namespace(pod), podutil::name(pod));
        None
    }

    /// Sets up the pod sandbox: gives the pod its IP. `None` if the node's pod CIDR is full.
    fn admit(&mut self, api: &ApiServer, pod: &Pod) -> Option<PodRuntime> {
        let node = api.get::<Node>("", &self.node_name).ok()?;
        let cidr = node.spec.as_ref()?.pod_cidr.as_deref()?;
        let prefix = cidr.rsplit_once('.')?.0;
        let used: Vec<&str> = self.pods.values().map(|p| p.ip.as_str()).collect();
        // Host addresses .2 to .254, starting after the last one handed out.
        let ip = (1..=253i32)
            .map(|step| ((i32::from(self.last_pod_ip) - 2 + step).rem_euclid(253) + 2) as u8)
            .map(|host| (host, format!("{prefix}.{host}")))
            .find(|(_, ip)| !used.contains(&ip.as_str()))?;
        self.last_pod_ip = ip.0;
        Some(PodRuntime {
            namespace: podutil::namespace(pod).to_string(),
            name: podutil::name(pod).to_string(),
            ip: ip.1,
            started_at: api.now(),
            containers: BTreeMap::new(),
            next_sync: None,
        })
    }

    fn source(&self) -> EventSource<'_> {
        EventSource { component: "kubelet", host: Some(&self.node_name) }
    }

    fn event(
        &self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &str,
        kind: EventType,
        reason: &str,
        message: String,
    ) {
        let field_path = Some(format!("spec.containers{{{container}}}"));
        api.record_event(pod, field_path, self.source(), kind, reason, message);
    }

    /// Moves one container as far as it can go at the current instant.
    fn advance_container(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &Container,
    ) -> Progress {
        let now = api.now();
        let uid = podutil::uid(pod).to_string();
        let image = container.image.clone().unwrap_or_default();
        let reference = ImageReference::parse(&image);
        let canonical = reference.canonical();
        let backoff_key = format!("{uid}_{image}");
        loop {
            let state = self.pods[&uid]
                .containers
                .get(&container.name)
                .cloned()
                .unwrap_or(ContainerRuntime::Creating);
            let next = match state {
                ContainerRuntime::Running { .. } | ContainerRuntime::Stopping { .. } => {
                    return Progress::Running;
                }
                ContainerRuntime::NeverPull { .. } => return Progress::Stuck,
                ContainerRuntime::Creating => {
                    let policy = container.image_pull_policy.as_deref().unwrap_or("IfNotPresent");
                    let present = self.images.contains_key(&canonical);
                    match (policy, present) {
                        ("Never", false) => {
                            let message = format!(
                                "Container image \"{image}\" is not present with pull policy of Never"
                            );
                            self.event(
                                api,
                                pod,
                                &container.name,
                                EventType::Warning,
                                "ErrImageNeverPull",
                                message.clone(),
                            );
                            ContainerRuntime::NeverPull { message }
                        }
                        ("Never" | "IfNotPresent", true) => {
                            let message =
                                format!("Container image \"{image}\" already present on machine");
                            self.event(
                                api,
                                pod,
                                &container.name,
                                EventType::Normal,
                                "Pulled",
                                message,
                            );
                            self.start_container(api, pod, container, &canonical)
                        }
                        _ => self.begin_pull(api, pod, container, &reference, present),
                    }
                }
                ContainerRuntime::Pulling { done_at, .. } if now < done_at => {
                    return Progress::WaitUntil(done_at);
                }
                ContainerRuntime::Pulling { requested_at, pull_time, answer, .. } => match answer {
                    PullAnswerRecord::Image { size_bytes, digest } => {
                        self.images.insert(canonical.clone(), HeldImage { size_bytes, digest });
                        self.images_changed = true;
                        let message = format!(
                            "Successfully pulled image \"{image}\" in {} ({} including waiting). Image size: {size_bytes} bytes.",
                            go_duration(pull_time),
                            go_duration(now.since(requested_at)),
                        );
                        self.event(api, pod, &container.name, EventType::Normal, "Pulled", message);
                        self.start_container(api, pod, container, &canonical)
                    }
                    PullAnswerRecord::Error(error) => {
                        let message = format!("Failed to pull image \"{image}\": {error}");
                        self.event(
                            api,
                            pod,
                            &container.name,
                            EventType::Warning,
                            "Failed",
                            message,
                        );
                        let message = "Error: ErrImagePull".to_string();
                        self.event(
                            api,
                            pod,
                            &container.name,
                            EventType::Warning,
                            "Failed",
                            message,
                        );
                        self.image_pull_backoff.next(&backoff_key, now);
                        self.set_state(
                            &uid,
                            &container.name,
                            ContainerRuntime::PullFailed {
                                failed_at: now,
                                shown: PullWaitReason::ErrImagePull,
                                error,
                                next_sync: now + RELIST_PERIOD,
                            },
                        );
                        return Progress::WaitUntil(now + RELIST_PERIOD);
                    }
                },
                ContainerRuntime::PullFailed { failed_at, error, next_sync, .. } => {
                    let Some(until) =
                        self.image_pull_backoff.in_backoff_until(&backoff_key, failed_at, now)
                    else {
                        let next = self.begin_pull(api, pod, container, &reference, false);
                        self.set_state(&uid, &container.name, next);
                        continue;
                    };
                    if now < next_sync {
                        return Progress::WaitUntil(next_sync.min(until));
                    }
                    // Every sync inside the back-off window reports it again (the events aggregate).
                    self.event(
                        api,
                        pod,
                        &container.name,
                        EventType::Normal,
                        "BackOff",
                        format!("Back-off pulling image \"{image}\""),
                    );
                    let message = "Error: ImagePullBackOff".to_string();
                    self.event(api, pod, &container.name, EventType::Warning, "Failed", message);
                    let next_sync = now + ERROR_RESYNC;
                    self.set_state(
                        &uid,
                        &container.name,
                        ContainerRuntime::PullFailed {
                            failed_at,
                            shown: PullWaitReason::ImagePullBackOff,
                            error,
                            next_sync,
                        },
                    );
                    return Progress::WaitUntil(next_sync.min(until));
                }
            };
            self.set_state(&uid, &container.name, next);
        }
    }

    fn set_state(&mut self, uid: &str, container: &str, state: ContainerRuntime) {
        if let Some(runtime) = self.pods.get_mut(uid) {
            runtime.containers.insert(container.to_string(), state);
        }
    }

    /// Asks the registry for the image: the Pulling event now, the answer when the node's puller
    /// has finished the pulls queued before this one and this transfer.
    fn begin_pull(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &Container,
        reference: &ImageReference,
        present: bool,
    ) -> ContainerRuntime {
        let now = api.now();
        let image = container.image.clone().unwrap_or_default();
        self.event(
            api,
            pod,
            &container.name,
            EventType::Normal,
            "Pulling",
            format!("Pulling image \"{image}\""),
        );
        let answer = match images::pull(reference) {
            PullAnswer::Image { size_bytes, digest } => {
                PullAnswerRecord::Image { size_bytes, digest }
            }
            PullAnswer::Error(message) => PullAnswerRecord::Error(message),
        };
        let pull_ms = match (&answer, present) {
            // `Always` with the image cached: the registry only confirms the digest.
            (PullAnswerRecord::Image { .. }, true) => self.rng.between(250, 900),
            (PullAnswerRecord::Image { size_bytes, .. }, false) => {
                400 + size_bytes * 1000 / REGISTRY_BYTES_PER_SECOND + self.rng.between(0, 600)
            }
            (PullAnswerRecord::Error(_), _) => self.rng.between(400, 1500),
        };
        let pull_time = Duration::from_millis(pull_ms);
        let start = now.max(self.puller_free_at);
        let done_at = start + pull_time;
        self.puller_free_at = done_at;
        ContainerRuntime::Pulling { requested_at: now, done_at, pull_time, answer }
    }

    fn start_container(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &Container,
        canonical: &str,
    ) -> ContainerRuntime {
        let name = &container.name;
        self.event(
            api,
            pod,
            name,
            EventType::Normal,
            "Created",
            format!("Created container: {name}"),
        );
        self.event(
            api,
            pod,
            name,
            EventType::Normal,
            "Started",
            format!("Started container {name}"),
        );
        let container_id = format!(
            "containerd://{:016x}{:016x}{:016x}{:016x}",
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64(),
            self.rng.next_u64()
        );
        let digest = self.images.get(canonical).map(|i| i.digest.clone()).unwrap_or_default();
        let repository = ImageReference::parse(canonical).repository;
        ContainerRuntime::Running {
            started_at: api.now(),
            container_id,
            image: canonical.to_string(),
            image_id: format!("{repository}@{digest}"),
        }
    }

    /// Writes the pod's status from the runtime's view (a no-op write when nothing changed).
    fn write_pod_status(&self, api: &mut ApiServer, pod: &Pod, containers: &[Container]) {
        let Some(runtime) = self.pods.get(podutil::uid(pod)) else {
            return;
        };
        let node_ip = api
            .get::<Node>("", &self.node_name)
            .ok()
            .and_then(|n| {
                n.status
                    .as_ref()?
                    .addresses
                    .as_ref()?
                    .iter()
                    .find(|a| a.type_ == "InternalIP")
                    .map(|a| a.address.clone())
            })
            .unwrap_or_default();
        let statuses: Vec<ContainerStatus> = containers
            .iter()
            .map(|c| {
                container_status(
                    c,
                    runtime.containers.get(&c.name).unwrap_or(&ContainerRuntime::Creating),
                )
            })
            .collect();
        let all_running =
            statuses.iter().all(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()));
        let not_ready: Vec<&str> =
            statuses.iter().filter(|s| !s.ready).map(|s| s.name.as_str()).collect();
        let now = api.now().to_k8s();
        let started_at = runtime.started_at.to_k8s();
        let ip = runtime.ip.clone();
        let condition =
            |type_: &str, ok: bool, reason: Option<&str>, message: Option<String>| PodCondition {
                type_: type_.to_string(),
                status: if ok { "True" } else { "False" }.to_string(),
                reason: if ok { None } else { reason.map(str::to_string) },
                message: if ok { None } else { message },
                last_transition_time: Some(now.clone()),
                observed_generation: pod.metadata.generation,
                ..Default::default()
            };
        let unready_message =
            Some(format!("containers with unready status: [{}]", not_ready.join(" ")));
        let kubelet_conditions = [
            condition("PodReadyToStartContainers", true, None, None),
            condition("Initialized", true, None, None),
            condition("Ready", all_running, Some("ContainersNotReady"), unready_message.clone()),
            condition("ContainersReady", all_running, Some("ContainersNotReady"), unready_message),
        ];
        let (namespace, name) =
            (podutil::namespace(pod).to_string(), podutil::name(pod).to_string());
        let _ = api.update::<Pod>(&namespace, &name, |pod| {
            for c in kubelet_conditions {
                podutil::set_condition(pod, c);
            }
            let status = pod.status.get_or_insert_with(Default::default);
            // Kubelet-owned conditions come first, in the kubelet's order; others (PodScheduled) follow.
            if let Some(conditions) = status.conditions.as_mut() {
                const ORDER: [&str; 4] =
                    ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"];
                conditions.sort_by_key(|c| {
                    ORDER.iter().position(|t| *t == c.type_).unwrap_or(ORDER.len())
                });
            }
            status.phase = Some(if all_running { "Running" } else { "Pending" }.to_string());
            status.host_ip = Some(node_ip.clone());
            status.host_ips = Some(vec![HostIP { ip: node_ip.clone() }]);
            status.pod_ip = Some(ip.clone());
            status.pod_ips = Some(vec![PodIP { ip: ip.clone() }]);
            status.start_time = Some(started_at);
            status.container_statuses = Some(statuses);
            status.observed_generation = pod.metadata.generation;
        });
    }

    fn publish_node_images(&self, api: &mut ApiServer) {
        let images = self.node_images();
        let _ = api.update::<Node>("", &self.node_name, |node| {
            node.status.get_or_insert_with(Default::default).images = Some(images);
        });
    }
}

/// How far a container got in one sync.
enum Progress {
    Running,
    WaitUntil(SimTime),
    /// Nothing will change without a new spec (e.g. `imagePullPolicy: Never`, image absent).
    Stuck,
}

fn container_status(container: &Container, runtime: &ContainerRuntime) -> ContainerStatus {
    let waiting = |reason: &str, message: Option<String>| ContainerState {
        waiting: Some(ContainerStateWaiting { reason: Some(reason.to_string()), message }),
        ..Default::default()
    };
    let spec_image = container.image.clone().unwrap_or_default();
    let mut status = ContainerStatus {
        name: container.name.clone(),
        image: spec_image,
        image_id: String::new(),
        ready: false,
        restart_count: 0,
        started: Some(false),
        ..Default::default()
    };
    status.state = Some(match runtime {
        ContainerRuntime::Creating | ContainerRuntime::Pulling { .. } => {
            waiting("ContainerCreating", None)
        }
        ContainerRuntime::PullFailed { shown: PullWaitReason::ErrImagePull, error, .. } => {
            waiting("ErrImagePull", Some(error.clone()))
        }
        ContainerRuntime::PullFailed { shown: PullWaitReason::ImagePullBackOff, error, .. } => {
            waiting(
                "ImagePullBackOff",
                Some(format!("Back-off pulling image \"{}\": ErrImagePull: {error}", status.image)),
            )
        }
        ContainerRuntime::NeverPull { message } => {
            waiting("ErrImageNeverPull", Some(message.clone()))
        }
        ContainerRuntime::Running { started_at, container_id, image, image_id }
        | ContainerRuntime::Stopping { started_at, container_id, image, image_id, .. } => {
            status.ready = matches!(runtime, ContainerRuntime::Running { .. });
            status.started = Some(true);
            status.container_id = Some(container_id.clone());
            status.image = image.clone();
            status.image_id = image_id.clone();
            ContainerState {
                running: Some(ContainerStateRunning { started_at: Some(started_at.to_k8s()) }),
                ..Default::default()
            }
        }
    });
    status
}
