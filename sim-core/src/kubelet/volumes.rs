//! The kubelet's volume manager: sets up a pod's volumes before its containers start (emptyDir,
//! hostPath with its type checks, ConfigMap, Secret, downward API and projected files, the
//! PersistentVolume behind a claim), projects ConfigMap and Secret files again at the pod's
//! periodic resync, and lends the containers the volumes whose files live elsewhere (the node's
//! disk, network storage) while they run.

use super::Kubelet;
use super::env;
use super::runtime::PodRuntime;
use crate::api::tokens::TokenRequest;
use crate::api::{ApiServer, EventType};
use crate::container::{Filesystem, normalize_path};
use crate::controllers::attach_detach::attachment_name;
use crate::controllers::volume_expansion::{FILE_SYSTEM_RESIZE_PENDING, NODE_RESIZE_PENDING};
use crate::podutil;
use crate::storage::Disks;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{
    ConfigMap, DownwardAPIVolumeFile, KeyToPath, Node, PersistentVolume, PersistentVolumeClaim,
    Pod, Secret, ServiceAccountTokenProjection, Volume,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How often the kubelet resyncs a running pod (`syncFrequency`, 1 minute). Files projected from
/// ConfigMaps and Secrets change then: kubernetes.io ("Mounted ConfigMaps are updated
/// automatically") puts the delay at "the kubelet sync period + cache propagation delay", and
/// the default Watch strategy propagates at once.
const SYNC_FREQUENCY: Duration = Duration::from_secs(60);
/// A failed mount is retried with nestedpendingoperations' back-off: 500 ms, doubling, at most
/// 2m2s.
const MOUNT_RETRY_INITIAL: Duration = Duration::from_millis(500);
const MOUNT_RETRY_MAX: Duration = Duration::from_secs(122);

/// Where the files of a volume live when no container uses them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Backing {
    /// The node's disk at this path (hostPath; a hostPath or local PersistentVolume).
    Host(String),
    /// Network storage, by handle (nfs, a cloud disk).
    Network(String),
}

/// What the volume manager keeps about one pod.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct PodVolumes {
    /// Every volume is set up: the containers may start.
    pub mounted: bool,
    /// Volumes whose files live outside the pod, by volume name.
    pub backing: BTreeMap<String, Backing>,
    /// Volumes whose files the kubelet writes from API objects (ConfigMap, Secret, downward
    /// API, projected): read-only to containers, refreshed at resyncs.
    pub projected: BTreeSet<String>,
    /// Volumes mounted read-only whatever the mounts say (`persistentVolumeClaim.readOnly`).
    pub read_only: BTreeSet<String>,
    /// Failed set-ups in a row, and when the next try is due.
    pub retry: Option<(u32, SimTime)>,
    /// A disk of the pod is not attached to the node yet: the next change to the node (its
    /// `volumesAttached`) is worth a look.
    #[serde(default)]
    pub awaiting_attach: bool,
    /// When the projected files are next written again (a ConfigMap or Secret changed).
    pub refresh_at: Option<SimTime>,
    /// What each borrowed volume was when lent: unchanged ones need no writing back.
    #[serde(skip)]
    lent: BTreeMap<String, Filesystem>,
}

impl PodVolumes {
    /// Whether a volume is mounted read-only for every container.
    pub fn forced_read_only(&self, volume: &str) -> bool {
        self.projected.contains(volume) || self.read_only.contains(volume)
    }
}

impl Kubelet {
    /// Sets up the pod's volumes (or refreshes its projected files when due). `Err` with when
    /// to try again while some volume cannot be set up; the FailedMount event says why.
    pub(super) fn set_up_volumes(
        &self,
        api: &mut ApiServer,
        disks: &mut Disks,
        pod: &Pod,
        runtime: &mut PodRuntime,
    ) -> Result<(), SimTime> {
        let now = api.now();
        if runtime.storage.mounted {
            self.expand_file_systems(api, pod);
            if runtime.storage.refresh_at.is_some_and(|at| at <= now) {
                runtime.storage.refresh_at = None;
                for volume in
                    volumes_of(pod).filter(|v| runtime.storage.projected.contains(&v.name))
                {
                    let Ok(Some((payload, tmpfs))) = payload(api, pod, volume) else { continue };
                    // The atomic writer leaves the volume alone when nothing in it changed.
                    let old = runtime.volumes.get(&volume.name);
                    if old.is_some_and(|old| holds_payload(old, &payload)) {
                        continue;
                    }
                    let at = timestamp_dir(now, pod, &volume.name);
                    runtime
                        .volumes
                        .insert(volume.name.clone(), atomic_layout(&payload, tmpfs, &at));
                }
            }
            return Ok(());
        }
        if let Some((_, at)) = runtime.storage.retry
            && now < at
        {
            return Err(at);
        }
        let in_use = if volumes_of(pod).any(|v| v.persistent_volume_claim.is_some()) {
            self.persistent_volumes_in_use(api)
        } else {
            BTreeSet::new()
        };
        for volume in volumes_of(pod) {
            let node = &self.node_name;
            if let Err(failure) = set_up(api, disks, node, pod, volume, runtime, &in_use) {
                let Some(message) = failure else {
                    // Not an operation that failed: the volume manager looks again as soon as
                    // the attach/detach controller reports the disk on the node.
                    runtime.storage.awaiting_attach = true;
                    runtime.storage.retry = Some((0, now + MOUNT_RETRY_MAX));
                    return Err(now + MOUNT_RETRY_MAX);
                };
                let source = self.source();
                api.record_event(pod, None, source, EventType::Warning, "FailedMount", message);
                let failures = runtime.storage.retry.map_or(0, |(n, _)| n) + 1;
                let delay = MOUNT_RETRY_INITIAL
                    .saturating_mul(1 << (failures - 1).min(16))
                    .min(MOUNT_RETRY_MAX);
                runtime.storage.retry = Some((failures, now + delay));
                return Err(now + delay);
            }
        }
        runtime.storage.mounted = true;
        runtime.storage.retry = None;
        runtime.storage.awaiting_attach = false;
        Ok(())
    }

    /// Online expansion: a claim of a running pod whose disk has grown gets its file system
    /// grown here, and its capacity is what was allocated (`NodeExpandVolume`).
    fn expand_file_systems(&self, api: &mut ApiServer, pod: &Pod) {
        let namespace = podutil::namespace(pod);
        for source in volumes_of(pod).filter_map(|v| v.persistent_volume_claim.as_ref()) {
            let Ok(claim) = api.get::<PersistentVolumeClaim>(namespace, &source.claim_name) else {
                continue;
            };
            let status = claim.status.clone().unwrap_or_default();
            let pending =
                status.allocated_resource_statuses.as_ref().and_then(|s| s.get("storage"))
                    == Some(&NODE_RESIZE_PENDING.to_string());
            if !pending {
                continue;
            }
            let claim = claim.clone();
            let volume =
                claim.spec.as_ref().and_then(|s| s.volume_name.clone()).unwrap_or_default();
            let _ = api.update::<PersistentVolumeClaim>(namespace, &source.claim_name, |c| {
                let status = c.status.get_or_insert_with(Default::default);
                if let Some(size) =
                    status.allocated_resources.as_ref().and_then(|a| a.get("storage"))
                {
                    status
                        .capacity
                        .get_or_insert_with(Default::default)
                        .insert("storage".into(), size.clone());
                }
                status.allocated_resource_statuses = None;
                if let Some(conditions) = status.conditions.as_mut() {
                    conditions.retain(|c| c.type_ != FILE_SYSTEM_RESIZE_PENDING);
                }
            });
            api.record_event(
                &claim,
                None,
                self.source(),
                EventType::Normal,
                "FileSystemResizeSuccessful",
                format!(
                    "MountVolume.NodeExpandVolume succeeded for volume {volume:?} {}",
                    self.node_name
                ),
            );
        }
    }

    /// The PersistentVolumes the other pods on this node have mounted (the actual state of the
    /// world's `IsVolumeMountedElsewhere`); a finished pod's are unmounted.
    fn persistent_volumes_in_use(&self, api: &ApiServer) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for runtime in self.pods.values().filter(|r| r.storage.mounted) {
            let Ok(pod) = api.get::<Pod>(&runtime.namespace, &runtime.name) else { continue };
            if podutil::is_terminal(pod) {
                continue;
            }
            for source in volumes_of(pod).filter_map(|v| v.persistent_volume_claim.as_ref()) {
                let claim =
                    api.get::<PersistentVolumeClaim>(&runtime.namespace, &source.claim_name);
                let bound = claim.ok().and_then(|c| c.spec.as_ref()?.volume_name.clone());
                names.extend(bound);
            }
        }
        names
    }

    /// A claim changed: pods using claims look again (a grown disk's file system).
    pub(super) fn wake_pods_with_claims(&mut self, api: &ApiServer, now: SimTime) {
        for runtime in self.pods.values_mut() {
            let Ok(pod) = api.get::<Pod>(&runtime.namespace, &runtime.name) else { continue };
            if volumes_of(pod).any(|v| v.persistent_volume_claim.is_some()) {
                runtime.next_sync = Some(now);
                self.next_wake = Some(now);
            }
        }
    }

    /// The node changed: pods waiting for a disk to be attached look again now.
    pub(super) fn wake_pods_awaiting_attach(&mut self, now: SimTime) {
        for runtime in self.pods.values_mut().filter(|r| r.storage.awaiting_attach) {
            runtime.storage.awaiting_attach = false;
            runtime.storage.retry = None;
            runtime.next_sync = Some(now);
            self.next_wake = Some(now);
        }
    }

    /// A ConfigMap or Secret changed: pods with projected files write them again at their next
    /// periodic resync (a minute apart from the pod's start). Returns the earliest such time.
    pub(super) fn schedule_projection_refresh(&mut self, now: SimTime) -> Option<SimTime> {
        let mut earliest: Option<SimTime> = None;
        for runtime in self.pods.values_mut() {
            if runtime.storage.projected.is_empty() || !runtime.storage.mounted {
                continue;
            }
            let since_start = now.since(runtime.started_at).as_millis() as u64;
            let period = SYNC_FREQUENCY.as_millis() as u64;
            let next =
                runtime.started_at + Duration::from_millis((since_start / period + 1) * period);
            let at = *runtime.storage.refresh_at.get_or_insert(next);
            runtime.next_sync = Some(runtime.next_sync.map_or(at, |n| n.min(at)));
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
        earliest
    }
}

/// Lends the containers the volumes that live outside the pod, for one sync, exec or log read.
pub(super) fn lend(disks: &mut Disks, runtime: &mut PodRuntime) {
    for (name, backing) in &runtime.storage.backing {
        let files = match backing {
            Backing::Host(path) => disks.machine.host_dir(path),
            Backing::Network(handle) => disks.network.take(handle),
        };
        runtime.storage.lent.insert(name.clone(), files.clone());
        runtime.volumes.insert(name.clone(), files);
    }
}

/// The pod's volumes as its containers would see them now, read where they live (for looking
/// only: nothing is lent or taken back).
pub(super) fn as_they_are(
    runtime: &PodRuntime,
    machine: &crate::machine::Machine,
    network: &crate::storage::NetworkStorage,
) -> crate::container::Volumes {
    let mut volumes = runtime.volumes.clone();
    for (name, backing) in &runtime.storage.backing {
        let files = match backing {
            Backing::Host(path) => machine.host_dir(path),
            Backing::Network(handle) => {
                network.get(handle).cloned().unwrap_or_else(Filesystem::empty)
            }
        };
        volumes.insert(name.clone(), files);
    }
    volumes
}

/// Takes back what [`lend`] lent, writing to the node's disk what the containers changed.
pub(super) fn take_back(disks: &mut Disks, runtime: &mut PodRuntime, now: SimTime) {
    for (name, backing) in &runtime.storage.backing {
        let Some(files) = runtime.volumes.remove(name) else { continue };
        let lent = runtime.storage.lent.remove(name);
        match backing {
            Backing::Host(path) => {
                if !lent.is_some_and(|lent| lent.same_as(&files)) {
                    disks.machine.store_host_dir(path, &files, now);
                }
            }
            Backing::Network(handle) => disks.network.put(handle, files),
        }
    }
}

fn volumes_of(pod: &Pod) -> impl Iterator<Item = &Volume> {
    pod.spec.iter().flat_map(|s| s.volumes.iter().flatten())
}

/// Sets up one volume, or says why not in the FailedMount event's words (`None`: it waits
/// for its disk to be attached to the node, which says nothing until it times out).
/// `in_use`: the PersistentVolumes other pods on the node have mounted.
fn set_up(
    api: &ApiServer,
    disks: &mut Disks,
    node: &str,
    pod: &Pod,
    volume: &Volume,
    runtime: &mut PodRuntime,
    in_use: &BTreeSet<String>,
) -> Result<(), Option<String>> {
    let name = &volume.name;
    let setup_failed =
        |message: String| Some(format!("MountVolume.SetUp failed for volume {name:?} : {message}"));
    if let Some(files) = project(api, pod, volume).map_err(setup_failed)? {
        runtime.storage.projected.insert(name.clone());
        runtime.volumes.insert(name.clone(), files);
        return Ok(());
    }
    if let Some(host_path) = &volume.host_path {
        let path = normalize_path("/", &host_path.path);
        check_host_path(disks, &path, host_path.type_.as_deref().unwrap_or_default(), api.now())
            .map_err(setup_failed)?;
        runtime.storage.backing.insert(name.clone(), Backing::Host(path));
        return Ok(());
    }
    if let Some(source) = &volume.persistent_volume_claim {
        let namespace = podutil::namespace(pod);
        let claim_name = &source.claim_name;
        let unable = |message: String| {
            let all: Vec<&str> = volumes_of(pod).map(|v| v.name.as_str()).collect();
            Some(format!(
                "Unable to attach or mount volumes: unmounted volumes=[{name}], unattached volumes=[{}]: error processing PVC {namespace}/{claim_name}: {message}",
                all.join(" ")
            ))
        };
        let claim = api
            .get::<PersistentVolumeClaim>(namespace, claim_name)
            .map_err(|e| unable(format!("failed to fetch PVC from API server: {e}")))?;
        let bound = claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
        let volume_name = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref());
        let Some(volume_name) = volume_name.filter(|v| bound && !v.is_empty()) else {
            return Err(unable("PVC is not bound".to_string()));
        };
        let pv = api.get::<PersistentVolume>("", volume_name).map_err(|e| {
            unable(format!("failed to fetch PV {volume_name} from API server: {e}"))
        })?;
        // A pod placed by hand (`nodeName`) skips the scheduler's VolumeRestrictions: the
        // kubelet refuses a second mount of a ReadWriteOncePod volume on its node.
        let modes = pv.spec.as_ref().and_then(|s| s.access_modes.as_deref()).unwrap_or_default();
        if modes == ["ReadWriteOncePod"] && in_use.contains(volume_name) {
            return Err(Some(format!(
                "MountVolume.SetUp failed for volume {volume_name:?} : volume uses the ReadWriteOncePod access mode and is already in use by another pod"
            )));
        }
        if let Some(attachment) = attachment_name(pv) {
            let attached = api.get::<Node>("", node).ok().and_then(|n| n.status.as_ref());
            let attached = attached.and_then(|s| s.volumes_attached.as_ref());
            if !attached.is_some_and(|list| list.iter().any(|v| v.name == attachment)) {
                return Err(None);
            }
        }
        let spec = pv.spec.clone().unwrap_or_default();
        let backing = if let Some(host_path) = &spec.host_path {
            let path = normalize_path("/", &host_path.path);
            check_host_path(
                disks,
                &path,
                host_path.type_.as_deref().unwrap_or_default(),
                api.now(),
            )
            .map_err(setup_failed)?;
            Backing::Host(path)
        } else if let Some(local) = &spec.local {
            Backing::Host(normalize_path("/", &local.path))
        } else if let Some(nfs) = &spec.nfs {
            Backing::Network(format!("nfs://{}{}", nfs.server, normalize_path("/", &nfs.path)))
        } else if let Some(csi) = &spec.csi {
            Backing::Network(format!("csi://{}/{}", csi.driver, csi.volume_handle))
        } else {
            Backing::Network(format!("pv://{volume_name}"))
        };
        if source.read_only == Some(true)
            || spec.nfs.as_ref().and_then(|n| n.read_only) == Some(true)
        {
            runtime.storage.read_only.insert(name.clone());
        }
        runtime.storage.backing.insert(name.clone(), backing);
        return Ok(());
    }
    if let Some(nfs) = &volume.nfs {
        let handle = format!("nfs://{}{}", nfs.server, normalize_path("/", &nfs.path));
        if nfs.read_only == Some(true) {
            runtime.storage.read_only.insert(name.clone());
        }
        runtime.storage.backing.insert(name.clone(), Backing::Network(handle));
        return Ok(());
    }
    // emptyDir, and the volume types the lab does not simulate, start as an empty directory
    // that lives as long as the pod; `medium: Memory` is a tmpfs.
    let memory = volume.empty_dir.as_ref().and_then(|e| e.medium.as_deref()) == Some("Memory");
    runtime.volumes.entry(name.clone()).or_insert_with(|| match &volume.empty_dir {
        Some(_) if memory => Filesystem::volume(true, tmpfs_size_bytes(api, node, pod, volume)),
        Some(_) => Filesystem::volume(false, None),
        None => Filesystem::empty(),
    });
    Ok(())
}

/// The size of a memory-backed emptyDir's tmpfs (`calculateEmptyDirMemorySize`): the node's
/// allocatable memory, or less, the pod's memory limit, or less, the volume's `sizeLimit`.
fn tmpfs_size_bytes(api: &ApiServer, node: &str, pod: &Pod, volume: &Volume) -> Option<u64> {
    let bytes = |q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
        crate::quantity::parse(&q.0).ok().and_then(|q| u64::try_from(q.units()).ok())
    };
    let allocatable = api.get::<Node>("", node).ok().and_then(|n| n.status.as_ref());
    let allocatable = allocatable.and_then(|s| s.allocatable.as_ref()?.get("memory"));
    let mut size = allocatable.and_then(bytes)?;
    if let Some(limit) = pod_memory_limit_bytes(pod).filter(|&l| l > 0 && l <= size) {
        size = limit;
    }
    let size_limit = volume.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref());
    if let Some(limit) = size_limit.and_then(bytes).filter(|&l| l > 0 && l <= size) {
        size = limit;
    }
    Some(size)
}

/// The pod's memory limit as its cgroup gets it, if every container declares one: the app
/// containers' sum, or the largest init container's if that is more.
fn pod_memory_limit_bytes(pod: &Pod) -> Option<u64> {
    let spec = pod.spec.as_ref()?;
    let limit = |c: &k8s_openapi::api::core::v1::Container| {
        let quantity = c.resources.as_ref()?.limits.as_ref()?.get("memory")?;
        u64::try_from(crate::quantity::parse(&quantity.0).ok()?.units()).ok()
    };
    let mut sum = 0u64;
    for container in &spec.containers {
        sum = sum.saturating_add(limit(container)?);
    }
    for container in spec.init_containers.iter().flatten() {
        sum = sum.max(limit(container)?);
    }
    Some(sum)
}

/// hostPath's `type` checks (`checkTypeInternal` in host_path.go); the ...OrCreate types, and
/// no type at all (the runtime creates a missing bind-mount source), create what is missing.
fn check_host_path(
    disks: &mut Disks,
    path: &str,
    path_type: &str,
    now: SimTime,
) -> Result<(), String> {
    let machine = &mut *disks.machine;
    let is_dir = machine.is_dir(path);
    let is_file = machine.file(path).is_some();
    let exists = is_dir || is_file;
    let not = |what: &str| Err(format!("hostPath type check failed: {path} is not {what}"));
    match path_type {
        "" | "DirectoryOrCreate" if !exists => {
            machine.make_dir(path, true).map_err(|e| format!("mkdir {path}: {}", e.to_lowercase()))
        }
        "DirectoryOrCreate" | "Directory" if !is_dir => not("a directory"),
        "FileOrCreate" if !exists => machine
            .write(path, "", false, now)
            .map_err(|e| format!("open {path}: {}", e.to_lowercase())),
        "FileOrCreate" | "File" if !is_file => not("a file"),
        "Socket" => not("a socket file"),
        "CharDevice" => not("a character device"),
        "BlockDevice" => not("a block device"),
        _ => Ok(()),
    }
}

/// The files of a ConfigMap, Secret, downward API or projected volume as the kubelet's atomic
/// writer leaves them (see [`atomic_layout`]); `Ok(None)` for other volume types.
fn project(api: &ApiServer, pod: &Pod, volume: &Volume) -> Result<Option<Filesystem>, String> {
    let Some((payload, tmpfs)) = payload(api, pod, volume)? else { return Ok(None) };
    let at = timestamp_dir(api.now(), pod, &volume.name);
    Ok(Some(atomic_layout(&payload, tmpfs, &at)))
}

/// The files a ConfigMap, Secret, downward API or projected volume holds, by their paths in
/// it, and whether the volume is a tmpfs (Secret and projected volumes are); `Ok(None)` for
/// other volume types.
fn payload(
    api: &ApiServer,
    pod: &Pod,
    volume: &Volume,
) -> Result<Option<(Filesystem, bool)>, String> {
    let namespace = podutil::namespace(pod);
    let mut files = Filesystem::empty();
    let keys = |files: &mut Filesystem,
                source,
                name: &str,
                items: &Option<Vec<KeyToPath>>,
                optional: Option<bool>,
                mode: u32| {
        let optional = optional == Some(true);
        key_source_files(api, namespace, source, name, items.as_deref(), optional, mode, files)
    };
    let tmpfs = volume.secret.is_some() || volume.projected.is_some();
    if let Some(source) = &volume.config_map {
        let mode = file_mode(source.default_mode);
        keys(&mut files, KeySource::ConfigMap, &source.name, &source.items, source.optional, mode)?;
    } else if let Some(source) = &volume.secret {
        let name = source.secret_name.as_deref().unwrap_or_default();
        let mode = file_mode(source.default_mode);
        keys(&mut files, KeySource::Secret, name, &source.items, source.optional, mode)?;
    } else if let Some(source) = &volume.downward_api {
        let mode = file_mode(source.default_mode);
        downward_files(pod, source.items.as_deref().unwrap_or_default(), mode, &mut files);
    } else if let Some(source) = &volume.projected {
        let mode = file_mode(source.default_mode);
        for projection in source.sources.iter().flatten() {
            if let Some(source) = &projection.config_map {
                let (name, items) = (&source.name, &source.items);
                keys(&mut files, KeySource::ConfigMap, name, items, source.optional, mode)?;
            }
            if let Some(source) = &projection.secret {
                let (name, items) = (&source.name, &source.items);
                keys(&mut files, KeySource::Secret, name, items, source.optional, mode)?;
            }
            if let Some(source) = &projection.downward_api {
                downward_files(pod, source.items.as_deref().unwrap_or_default(), mode, &mut files);
            }
            if let Some(source) = &projection.service_account_token {
                token_file(api, pod, source, mode, &mut files)?;
            }
        }
    } else {
        return Ok(None);
    }
    Ok(Some((files, tmpfs)))
}

/// Whether a laid-out volume holds exactly `payload`'s files, with their modes.
fn holds_payload(volume: &Filesystem, payload: &Filesystem) -> bool {
    let files = |fs: &Filesystem| fs.entries().filter(|(_, text)| text.is_some()).count();
    files(volume) == files(payload)
        && payload.entries().all(|(path, text)| match text {
            None => true,
            Some(text) => {
                volume.read(path) == Some(text) && volume.mode(path) == payload.mode(path)
            }
        })
}

/// A mode from the API (`defaultMode`, an item's `mode`), 0644 when unset.
fn file_mode(mode: Option<i32>) -> u32 {
    mode.map_or(0o644, |m| m as u32 & 0o777)
}

/// The atomic writer's directory for one write: `..` and the UTC time, then the random
/// digits `os.MkdirTemp` adds (here a hash of the pod, volume and instant, so a replay
/// writes the same name).
fn timestamp_dir(now: SimTime, pod: &Pod, volume: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let salt = format!("{}/{volume}/{}", podutil::uid(pod), now.unix_ms());
    for byte in salt.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    format!("{}.{hash}", now.strftime("..%Y_%m_%d_%H_%M_%S"))
}

/// The atomic writer's layout: `payload`'s files under `/TIMESTAMP_DIR`, `..data` linking to
/// it, and each top-level name linking through `..data`, so that a new write swaps every file
/// at once (by relinking `..data`).
fn atomic_layout(payload: &Filesystem, tmpfs: bool, timestamp_dir: &str) -> Filesystem {
    let mut volume = Filesystem::volume(tmpfs, None);
    volume.put_dirs(&format!("/{timestamp_dir}"));
    for (path, text) in payload.entries().filter(|(path, _)| *path != "/") {
        let inside = format!("/{timestamp_dir}{path}");
        match text {
            None => volume.put_dirs(&inside),
            Some(text) => {
                let mode = payload.mode(path).unwrap_or(0o644);
                volume.put_file_mode(&inside, text, mode);
            }
        }
        if let Some(top) = path.strip_prefix('/').filter(|p| !p.contains('/')) {
            volume.put_symlink(&format!("/{top}"), &format!("..data/{top}"));
        }
    }
    volume.put_symlink("/..data", timestamp_dir);
    volume
}

/// Writes `values` as files: every key, or only `items` (each at its path), with `mode`
/// unless an item sets its own.
fn key_files(
    values: BTreeMap<String, String>,
    items: Option<&[KeyToPath]>,
    optional: bool,
    missing_key: &str,
    mode: u32,
    files: &mut Filesystem,
) -> Result<(), String> {
    match items {
        None => {
            for (key, value) in values {
                files.put_file_mode(&format!("/{key}"), &value, mode);
            }
        }
        Some(items) => {
            for item in items {
                let item_mode = item.mode.map_or(mode, |m| file_mode(Some(m)));
                match values.get(&item.key) {
                    Some(value) => {
                        files.put_file_mode(&format!("/{}", item.path), value, item_mode);
                    }
                    None if optional => {}
                    None => return Err(format!("{missing_key}: {}", item.key)),
                }
            }
        }
    }
    Ok(())
}

/// The API objects whose keys become files.
#[derive(Clone, Copy)]
enum KeySource {
    ConfigMap,
    Secret,
}

/// Writes the keys of a ConfigMap or Secret as files (all, or only `items`); a missing object
/// or key fails the mount unless the source is optional.
#[allow(clippy::too_many_arguments)]
fn key_source_files(
    api: &ApiServer,
    namespace: &str,
    source: KeySource,
    name: &str,
    items: Option<&[KeyToPath]>,
    optional: bool,
    mode: u32,
    files: &mut Filesystem,
) -> Result<(), String> {
    let (values, noun, missing_key) = match source {
        KeySource::ConfigMap => (
            api.get::<ConfigMap>(namespace, name).ok().map(config_map_values),
            "configmap",
            "configmap references non-existent config key",
        ),
        KeySource::Secret => (
            api.get::<Secret>(namespace, name).ok().map(env::secret_values),
            "secret",
            "secret references non-existent secret key",
        ),
    };
    match values {
        Some(values) => key_files(values, items, optional, missing_key, mode, files),
        None if optional => Ok(()),
        None => Err(format!("{noun} {name:?} not found")),
    }
}

fn config_map_values(map: &ConfigMap) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = map.data.clone().unwrap_or_default();
    for (key, bytes) in map.binary_data.iter().flatten() {
        values.insert(key.clone(), String::from_utf8_lossy(&bytes.0).into_owned());
    }
    values
}

/// A projected service account token: the kubelet asks the TokenRequest API for one bound to
/// the pod.
fn token_file(
    api: &ApiServer,
    pod: &Pod,
    source: &ServiceAccountTokenProjection,
    mode: u32,
    files: &mut Filesystem,
) -> Result<(), String> {
    let spec = pod.spec.as_ref();
    let account = spec.and_then(|s| s.service_account_name.as_deref()).unwrap_or("default");
    let request = TokenRequest {
        namespace: podutil::namespace(pod),
        service_account: account,
        audiences: source.audience.iter().cloned().collect(),
        expiration_seconds: source.expiration_seconds.unwrap_or(3600),
        pod: Some(pod),
    };
    let token = api.create_token(&request).map_err(|e| format!("failed to fetch token: {e}"))?;
    files.put_file_mode(&format!("/{}", source.path), &token, mode);
    Ok(())
}

/// The downward API's files: single fields as they are, labels and annotations one `key="value"`
/// per line (`fieldpath.FormatMap`, without a final newline).
fn downward_files(pod: &Pod, items: &[DownwardAPIVolumeFile], mode: u32, files: &mut Filesystem) {
    for item in items {
        let text = if let Some(field) = &item.field_ref {
            let map = match field.field_path.as_str() {
                "metadata.labels" => Some(&pod.metadata.labels),
                "metadata.annotations" => Some(&pod.metadata.annotations),
                _ => None,
            };
            match map {
                Some(map) => map
                    .iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={v:?}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                None => env::field_value(pod, &field.field_path, "", ""),
            }
        } else if let Some(resource) = &item.resource_field_ref {
            let container = pod.spec.iter().flat_map(|s| &s.containers).find(|c| {
                resource.container_name.as_deref().is_none_or(|n| n.is_empty() || n == c.name)
            });
            container.map(|c| env::resource_value(c, &resource.resource)).unwrap_or_default()
        } else {
            String::new()
        };
        let mode = item.mode.map_or(mode, |m| file_mode(Some(m)));
        files.put_file_mode(&format!("/{}", item.path), &text, mode);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(limits: &[Option<&str>], init: Option<&str>) -> Pod {
        let container = |name: String, limit: Option<&str>| k8s_openapi::api::core::v1::Container {
            name,
            resources: limit.map(|l| k8s_openapi::api::core::v1::ResourceRequirements {
                limits: Some(BTreeMap::from([(
                    "memory".to_string(),
                    k8s_openapi::apimachinery::pkg::api::resource::Quantity(l.to_string()),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        };
        Pod {
            spec: Some(k8s_openapi::api::core::v1::PodSpec {
                containers: limits
                    .iter()
                    .enumerate()
                    .map(|(i, l)| container(format!("c{i}"), *l))
                    .collect(),
                init_containers: init.map(|l| vec![container("init".into(), Some(l))]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_pods_memory_limit_needs_every_container_to_declare_one() {
        let mib = 1024 * 1024;
        assert_eq!(
            pod_memory_limit_bytes(&pod(&[Some("8Mi"), Some("16Mi")], None)),
            Some(24 * mib)
        );
        assert_eq!(pod_memory_limit_bytes(&pod(&[Some("8Mi"), None], None)), None);
        assert_eq!(pod_memory_limit_bytes(&pod(&[Some("8Mi")], Some("32Mi"))), Some(32 * mib));
    }

    #[test]
    fn the_atomic_writer_links_each_top_level_name_through_data() {
        let mut payload = Filesystem::empty();
        payload.put_file_mode("/game.properties", "lives=3\n", 0o400);
        payload.put_file_mode("/ui/ui.properties", "color=purple\n", 0o640);
        let volume = atomic_layout(&payload, true, "..2026_01_05_09_00_00.42");
        assert!(volume.is_tmpfs());
        assert_eq!(volume.mode("/"), Some(0o1777));
        assert_eq!(volume.read("/ui/ui.properties"), Some("color=purple\n"));
        assert_eq!(volume.mode("/game.properties"), Some(0o400));
        assert!(holds_payload(&volume, &payload));
        payload.put_file_mode("/game.properties", "lives=3\n", 0o444);
        assert!(!holds_payload(&volume, &payload), "a changed mode is a change");
    }
}
