//! VolumeRestrictions: a PersistentVolumeClaim with the ReadWriteOncePod access mode serves one
//! pod in the whole cluster. PreFilter finds the placed pods (bound, or waiting for their claims
//! to be bound) that already use one of the pod's such claims; while there is one, every node
//! turns the pod down, as Unschedulable: preempting that pod would free the claim.
//!
//! Not simulated: the in-tree disk conflicts (GCE PD, EBS, RBD and iSCSI volumes in pod specs,
//! "node(s) had no available disk"), as the lab has no such volumes.

use super::super::cache::Snapshot;
use super::super::framework::{
    Code, CycleState, FilterPlugin, NodeInfo, PodInfo, Verdict, events, reject,
};
use crate::api::ApiServer;
use crate::podutil;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

pub struct VolumeRestrictions;

const NAME: &str = "VolumeRestrictions";
/// `ErrReasonReadWriteOncePodConflict` (worded so since Kubernetes 1.33).
pub const READ_WRITE_ONCE_POD_CONFLICT: &str = "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod";

/// What PreFilter found: the placed pods using the pod's ReadWriteOncePod claims.
pub struct PreFilterState {
    users: Vec<PodInfo>,
    /// How many of them preemption's dry run has not set aside (`conflictingPVCRefCount`).
    conflicts: usize,
}

impl PreFilterState {
    /// Counts the users again as if the pods `ignore` picks were gone (AddPod/RemovePod).
    pub fn set_aside(&mut self, ignore: &dyn Fn(&PodInfo) -> bool) {
        self.conflicts = self.users.iter().filter(|p| !ignore(p)).count();
    }
}

/// PreFilter: `None` when the pod uses no ReadWriteOncePod claim. `waiting` says whether a pod
/// (by uid) is placed but waiting for its claims to be bound before it is bound itself.
pub fn pre_filter(
    api: &ApiServer,
    pod: &Pod,
    snapshot: &Snapshot,
    waiting: &dyn Fn(&str) -> bool,
) -> Option<PreFilterState> {
    let namespace = podutil::namespace(pod);
    let claims: Vec<&str> = claim_names(pod)
        .filter(|name| {
            api.get::<PersistentVolumeClaim>(namespace, name).is_ok_and(|claim| {
                let modes = claim.spec.as_ref().and_then(|s| s.access_modes.as_deref());
                modes.unwrap_or_default().iter().any(|m| m == "ReadWriteOncePod")
            })
        })
        .collect();
    if claims.is_empty() {
        return None;
    }
    let uid = podutil::uid(pod);
    let mut users = Vec::new();
    for other in api.list::<Pod>(Some(namespace)) {
        let other_uid = podutil::uid(other);
        if other_uid == uid || !claim_names(other).any(|c| claims.contains(&c)) {
            continue;
        }
        let placed = podutil::node_name(other)
            .and_then(|node| snapshot.node(node))
            .and_then(|node| node.pods.iter().find(|p| p.uid == other_uid).cloned());
        match placed {
            Some(info) => users.push(info),
            None if waiting(other_uid) => users.push(PodInfo::new(other)),
            None => {}
        }
    }
    let conflicts = users.len();
    Some(PreFilterState { users, conflicts })
}

fn claim_names(pod: &Pod) -> impl Iterator<Item = &str> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.as_str()))
}

impl FilterPlugin for VolumeRestrictions {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::ASSIGNED_POD_DELETE | events::NODE_ADD | events::STORAGE
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.volume_restrictions.as_ref().is_none_or(|s| s.conflicts == 0)
    }

    fn filter(&self, state: &CycleState<'_>, _node: &NodeInfo) -> Verdict {
        match &state.volume_restrictions {
            Some(s) if s.conflicts > 0 => {
                reject(NAME, Code::Unschedulable, READ_WRITE_ONCE_POD_CONFLICT)
            }
            _ => Ok(()),
        }
    }
}
