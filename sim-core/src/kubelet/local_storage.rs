//! The eviction manager's local storage checks for emptyDir volumes: a pod whose emptyDir holds
//! more than its `sizeLimit` is evicted (`emptyDirLimitEviction`, looked at every monitoring
//! period of 10 s), and what `medium: Memory` volumes hold is memory the node uses (tmpfs).

use super::Kubelet;
use super::runtime::PodRuntime;
use crate::api::{ApiServer, EventType};
use crate::container::{Filesystem, Volumes};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Container, Pod};
use std::collections::BTreeSet;
use std::time::Duration;

/// `evictionMonitoringPeriod`.
const MONITORING_PERIOD: Duration = Duration::from_secs(10);

/// The bytes of the files a volume holds (what `du` reports, without block rounding).
pub(super) fn used_bytes(files: &Filesystem) -> u64 {
    files.entries().filter_map(|(_, text)| text).map(|t| t.len() as u64).sum()
}

/// Whether the eviction manager watches one of the pod's emptyDir volumes: it has a
/// `sizeLimit`, or lives in memory.
pub(super) fn has_watched_empty_dirs(pod: &Pod) -> bool {
    pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()).any(|v| {
        v.empty_dir
            .as_ref()
            .is_some_and(|e| e.size_limit.is_some() || e.medium.as_deref() == Some("Memory"))
    })
}

/// What a pod's `medium: Memory` emptyDir volumes hold: it counts against the node's memory.
pub(super) fn memory_medium_bytes(pod: &Pod, runtime: &PodRuntime) -> u64 {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter(|v| v.empty_dir.as_ref().and_then(|e| e.medium.as_deref()) == Some("Memory"))
        .filter_map(|v| runtime.volumes.get(&v.name))
        .map(used_bytes)
        .sum()
}

/// The memory-backed emptyDirs a container mounts. tmpfs pages are charged to the memory
/// cgroup of the process that writes them; here, to every container mounting the volume
/// (usually one writes to it). Secret and projected volumes, tmpfs too, are written by the
/// kubelet and charged to it.
fn tmpfs_volumes<'a>(
    container: &'a Container,
    volumes: &'a Volumes,
    projected: &'a BTreeSet<String>,
) -> impl Iterator<Item = &'a Filesystem> {
    let mut names: Vec<&str> = Vec::new();
    for mount in container.volume_mounts.iter().flatten() {
        if !names.contains(&mount.name.as_str()) && !projected.contains(&mount.name) {
            names.push(&mount.name);
        }
    }
    names.into_iter().filter_map(|name| volumes.get(name)).filter(|files| files.is_tmpfs())
}

/// The most those volumes held since the container started: what its memory cgroup was
/// charged at the peak, which is what the OOM killer acts on.
pub(super) fn tmpfs_peak_bytes(
    container: &Container,
    volumes: &Volumes,
    projected: &BTreeSet<String>,
) -> u64 {
    tmpfs_volumes(container, volumes, projected).map(Filesystem::peak_bytes).sum()
}

/// What those volumes hold now: part of the container's memory use (`kubectl top`).
pub(super) fn tmpfs_held_bytes(
    container: &Container,
    volumes: &Volumes,
    projected: &BTreeSet<String>,
) -> u64 {
    tmpfs_volumes(container, volumes, projected).map(used_bytes).sum()
}

impl Kubelet {
    /// Evicts the pods whose emptyDir exceeds its sizeLimit. Returns when to look again: a
    /// monitoring period from now while some running pod has a limited emptyDir.
    pub(super) fn check_empty_dir_limits(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let mut watching = false;
        let mut evictions: Vec<(Pod, String)> = Vec::new();
        for runtime in self.pods.values().filter(|r| r.watched_empty_dirs && r.evicted.is_none()) {
            let Ok(pod) = api.get::<Pod>(&runtime.namespace, &runtime.name) else { continue };
            if podutil::is_terminal(pod) || pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            for volume in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
                let Some(limit) = volume.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref())
                else {
                    continue;
                };
                let Ok(bytes) = crate::quantity::parse(&limit.0).map(|q| q.units()) else {
                    continue;
                };
                if bytes <= 0 {
                    continue;
                }
                watching = true;
                let used = runtime.volumes.get(&volume.name).map_or(0, used_bytes);
                if i128::from(used) > bytes {
                    let message = format!(
                        "Usage of EmptyDir volume {:?} exceeds the limit {:?}. ",
                        volume.name, limit.0
                    );
                    evictions.push((pod.clone(), message));
                    break;
                }
            }
        }
        for (pod, message) in evictions {
            api.record_event(
                &pod,
                None,
                self.source(),
                EventType::Warning,
                "Evicted",
                message.clone(),
            );
            if let Some(runtime) = self.pods.get_mut(podutil::uid(&pod)) {
                runtime.evicted = Some(message);
                runtime.next_sync = Some(now);
            }
            self.next_wake = Some(now);
        }
        watching.then(|| now + MONITORING_PERIOD)
    }
}
