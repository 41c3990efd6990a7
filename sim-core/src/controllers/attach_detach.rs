//! The attach/detach controller: attaches a disk (a CSI volume) to the node of each pod that
//! uses it, recording it in the node's `status.volumesAttached`, and detaches it once no pod
//! there needs it. A ReadWriteOnce disk attaches to one node at a time: a pod on a second node
//! waits with the `Multi-Attach error` event until the disk is free.

use crate::api::{ApiServer, EventSource, EventType};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{
    AttachedVolume, Node, PersistentVolume, PersistentVolumeClaim, Pod,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const SOURCE: EventSource<'static> =
    EventSource { component: "attachdetach-controller", host: None };
/// How often a refused attachment is tried again (the reconciler's loop period is 100 ms; the
/// operation's exponential back-off soon spaces the tries out).
const RETRY: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AttachDetachController {
    seen_api_version: u64,
    retry_at: Option<SimTime>,
}

/// The name a node's `volumesAttached` gives a CSI volume: `kubernetes.io/csi/DRIVER^HANDLE`.
pub fn attachment_name(volume: &PersistentVolume) -> Option<String> {
    let csi = volume.spec.as_ref()?.csi.as_ref()?;
    Some(format!("kubernetes.io/csi/{}^{}", csi.driver, csi.volume_handle))
}

/// Whether more than one node may use the volume at once.
fn multi_node(volume: &PersistentVolume) -> bool {
    let modes = volume.spec.as_ref().and_then(|s| s.access_modes.as_deref()).unwrap_or_default();
    modes.iter().any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany")
}

/// A disk a pod on a node needs.
struct Wanted {
    volume: PersistentVolume,
    name: String,
    node: String,
    pod: Pod,
}

impl AttachDetachController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        // Only pods with claims need disks: the others' writes (most of them) change nothing.
        let changed = api.kind_changed_since::<PersistentVolume>(seen)
            || api.kind_changed_since::<PersistentVolumeClaim>(seen)
            || api.changed_since::<Pod>(seen).any(uses_claims)
            || api.deleted_since::<Pod>(seen).any(uses_claims);
        if !changed && self.retry_at.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return self.retry_at;
        }
        let wanted = wanted(api);
        // Detach what no pod on its node needs any more.
        let needed: BTreeSet<(String, String)> =
            wanted.iter().map(|w| (w.node.clone(), w.name.clone())).collect();
        let nodes: Vec<(String, Vec<String>)> = api
            .list::<Node>(None)
            .map(|n| {
                let attached = n
                    .status
                    .as_ref()
                    .and_then(|s| s.volumes_attached.as_ref())
                    .into_iter()
                    .flatten()
                    .map(|v| v.name.clone())
                    .collect();
                (n.metadata.name.clone().unwrap_or_default(), attached)
            })
            .collect();
        let mut attached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (node, names) in &nodes {
            for name in names {
                if needed.contains(&(node.clone(), name.clone())) {
                    attached.entry(name.clone()).or_default().insert(node.clone());
                } else {
                    let _ = api.update::<Node>("", node, |n| {
                        if let Some(list) =
                            n.status.as_mut().and_then(|s| s.volumes_attached.as_mut())
                        {
                            list.retain(|v| v.name != *name);
                        }
                    });
                }
            }
        }
        let mut refused = false;
        for want in &wanted {
            let holders = attached.entry(want.name.clone()).or_default();
            if holders.contains(&want.node) {
                continue;
            }
            if !holders.is_empty() && !multi_node(&want.volume) {
                refused = true;
                let volume_name = want.volume.metadata.name.clone().unwrap_or_default();
                let users: Vec<String> = wanted
                    .iter()
                    .filter(|w| w.name == want.name && holders.contains(&w.node))
                    .filter(|w| podutil::namespace(&w.pod) == podutil::namespace(&want.pod))
                    .map(|w| podutil::name(&w.pod).to_string())
                    .collect();
                let message = if users.is_empty() {
                    format!(
                        "Multi-Attach error for volume {volume_name:?} Volume is already exclusively attached to one node and can't be attached to another"
                    )
                } else {
                    format!(
                        "Multi-Attach error for volume {volume_name:?} Volume is already used by pod(s) {}",
                        users.join(", ")
                    )
                };
                api.record_event(
                    &want.pod,
                    None,
                    SOURCE,
                    EventType::Warning,
                    "FailedAttachVolume",
                    message,
                );
                continue;
            }
            holders.insert(want.node.clone());
            let name = want.name.clone();
            let _ = api.update::<Node>("", &want.node, |n| {
                let list = n
                    .status
                    .get_or_insert_with(Default::default)
                    .volumes_attached
                    .get_or_insert_with(Vec::new);
                list.push(AttachedVolume { name: name.clone(), device_path: String::new() });
            });
            let volume_name = want.volume.metadata.name.clone().unwrap_or_default();
            api.record_event(
                &want.pod,
                None,
                SOURCE,
                EventType::Normal,
                "SuccessfulAttachVolume",
                format!("AttachVolume.Attach succeeded for volume {volume_name:?} "),
            );
        }
        self.retry_at = refused.then_some(now + RETRY);
        self.seen_api_version = api.resource_version();
        self.retry_at
    }
}

fn uses_claims(pod: &Pod) -> bool {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .any(|v| v.persistent_volume_claim.is_some())
}

/// The disks pods on nodes need, in pod order: a pod keeps its disk until it has stopped.
fn wanted(api: &ApiServer) -> Vec<Wanted> {
    let mut wanted = Vec::new();
    for pod in api.list::<Pod>(None) {
        let Some(node) = podutil::node_name(pod) else { continue };
        if podutil::is_terminal(pod) {
            continue;
        }
        let namespace = podutil::namespace(pod);
        for source in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
            let Some(claim) = &source.persistent_volume_claim else { continue };
            let Ok(claim) = api.get::<PersistentVolumeClaim>(namespace, &claim.claim_name) else {
                continue;
            };
            let Some(volume_name) = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref())
            else {
                continue;
            };
            let Ok(volume) = api.get::<PersistentVolume>("", volume_name) else { continue };
            if let Some(name) = attachment_name(volume) {
                wanted.push(Wanted {
                    volume: volume.clone(),
                    name,
                    node: node.to_string(),
                    pod: pod.clone(),
                });
            }
        }
    }
    wanted
}
