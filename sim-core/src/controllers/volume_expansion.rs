//! Volume expansion of the lab's CSI disks: kube-controller-manager's expand controller hands
//! a claim that asks for more than it has to the driver's external-resizer, which grows the
//! disk (the PersistentVolume's capacity) and, the file system being the node's to grow,
//! leaves the claim `FileSystemResizePending`; the kubelet of a node running a pod with the
//! claim finishes online (`kubelet/volumes.rs`) and the claim's capacity moves.

use super::persistentvolume::requested_bytes;
use super::provisioner::DRIVER;
use crate::api::{ApiServer, EventSource, EventType};
use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimCondition,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::{Deserialize, Serialize};

/// The claim condition the kubelet clears once it has grown the file system.
pub const FILE_SYSTEM_RESIZE_PENDING: &str = "FileSystemResizePending";
/// `allocatedResourceStatuses` while the node's part is left.
pub const NODE_RESIZE_PENDING: &str = "NodeResizePending";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VolumeExpansionController {
    seen_api_version: u64,
}

impl VolumeExpansionController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<crate::time::SimTime> {
        if !api.kind_changed_since::<PersistentVolumeClaim>(self.seen_api_version) {
            self.seen_api_version = api.resource_version();
            return None;
        }
        let growing: Vec<(PersistentVolumeClaim, String)> = api
            .list::<PersistentVolumeClaim>(None)
            .filter_map(|claim| wants_more(api, claim).map(|volume| (claim.clone(), volume)))
            .collect();
        for (claim, volume) in growing {
            expand(api, &claim, &volume);
        }
        self.seen_api_version = api.resource_version();
        None
    }
}

fn storage_bytes(quantity: Option<&Quantity>) -> i64 {
    quantity
        .and_then(|q| crate::quantity::parse(&q.0).ok())
        .map_or(0, |q| i64::try_from(q.units()).unwrap_or(i64::MAX))
}

/// The volume of a bound claim of our driver that asks for more than has been allocated.
fn wants_more(api: &ApiServer, claim: &PersistentVolumeClaim) -> Option<String> {
    let status = claim.status.as_ref()?;
    if status.phase.as_deref() != Some("Bound") || claim.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let allocated = status
        .allocated_resources
        .as_ref()
        .and_then(|a| a.get("storage"))
        .or(status.capacity.as_ref().and_then(|c| c.get("storage")));
    let volume = claim.spec.as_ref()?.volume_name.clone()?;
    let pv = api.get::<PersistentVolume>("", &volume).ok()?;
    let csi = pv.spec.as_ref()?.csi.as_ref()?;
    (csi.driver == DRIVER && requested_bytes(claim) > storage_bytes(allocated)).then_some(volume)
}

fn expand(api: &mut ApiServer, claim: &PersistentVolumeClaim, volume: &str) {
    let Some(request) = claim
        .spec
        .as_ref()
        .and_then(|s| s.resources.as_ref()?.requests.as_ref()?.get("storage").cloned())
    else {
        return;
    };
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    let name = claim.metadata.name.clone().unwrap_or_default();
    let expand_controller = EventSource { component: "volume_expand", host: None };
    let resizer_name = format!("external-resizer {DRIVER}");
    api.record_event(
        claim,
        None,
        expand_controller,
        EventType::Normal,
        "ExternalExpanding",
        "waiting for an external controller to expand this PVC".into(),
    );
    let resizer = EventSource { component: &resizer_name, host: None };
    api.record_event(
        claim,
        None,
        resizer,
        EventType::Normal,
        "Resizing",
        format!("External resizer is resizing volume {volume}"),
    );
    let _ = api.update::<PersistentVolume>("", volume, |pv| {
        if let Some(capacity) = pv.spec.as_mut().and_then(|s| s.capacity.as_mut()) {
            capacity.insert("storage".into(), request.clone());
        }
    });
    let now = api.now().to_k8s();
    let _ = api.update::<PersistentVolumeClaim>(&namespace, &name, |c| {
        let status = c.status.get_or_insert_with(Default::default);
        status.allocated_resources.get_or_insert_with(Default::default).insert("storage".into(), request.clone());
        status
            .allocated_resource_statuses
            .get_or_insert_with(Default::default)
            .insert("storage".into(), NODE_RESIZE_PENDING.into());
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        conditions.retain(|c| c.type_ != FILE_SYSTEM_RESIZE_PENDING);
        conditions.push(PersistentVolumeClaimCondition {
            type_: FILE_SYSTEM_RESIZE_PENDING.into(),
            status: "True".into(),
            message: Some(
                "Waiting for user to (re-)start a pod to finish file system resize of volume on node."
                    .into(),
            ),
            last_transition_time: Some(now),
            ..Default::default()
        });
    });
    api.record_event(
        claim,
        None,
        resizer,
        EventType::Normal,
        "FileSystemResizeRequired",
        "Require file system resize of volume on node".into(),
    );
}
