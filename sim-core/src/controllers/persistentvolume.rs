//! The PersistentVolume controller (`pv_controller.go`): binds claims to volumes by Kubernetes'
//! rules (a pre-bound volume first, else the smallest Available volume whose class, access
//! modes, volume mode, selector and capacity fit), asks a StorageClass's provisioner for a
//! volume when none fits, waits for the first consumer under WaitForFirstConsumer, releases a
//! volume whose claim is gone and reclaims it (Retain keeps it, Delete removes it), and marks a
//! claim Lost when its volume disappears. Like the real one it looks again every 15 seconds
//! while some claim is waiting.

use crate::api::{ApiServer, EventSource, EventType, selector::Selector};
use crate::quantity;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{ObjectReference, PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use serde::{Deserialize, Serialize};
use std::time::Duration;

const SOURCE: EventSource<'static> =
    EventSource { component: "persistentvolume-controller", host: None };
/// `pvClaimBinderSyncPeriod`: how often claims and volumes are looked at again.
const SYNC_PERIOD: Duration = Duration::from_secs(15);
/// Annotations the controller and the scheduler leave on claims and volumes.
pub const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
const BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
pub const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";
/// The annotation that makes a StorageClass the default.
pub const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PersistentVolumeController {
    seen_api_version: u64,
    /// The next periodic resync, while some claim waits.
    next_resync: Option<SimTime>,
}

impl PersistentVolumeController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let changed = api.kind_changed_since::<PersistentVolume>(seen)
            || api.kind_changed_since::<PersistentVolumeClaim>(seen)
            || api.kind_changed_since::<StorageClass>(seen)
            || api.last_removal() > seen;
        let due = self.next_resync.is_some_and(|at| at <= now);
        if !changed && !due {
            self.seen_api_version = api.resource_version();
            return self.next_resync;
        }
        // Events repeat only at the periodic resync, as the real controller's do.
        let resync = due || self.next_resync.is_none();
        let mut waiting = false;
        let claims: Vec<PersistentVolumeClaim> =
            api.list::<PersistentVolumeClaim>(None).cloned().collect();
        for claim in &claims {
            // A claim says why it waits when it is new or changed, and at each resync.
            let version = claim.metadata.resource_version.as_deref().and_then(|v| v.parse().ok());
            let report = resync || version.is_some_and(|v: u64| v > seen);
            waiting |= sync_claim(api, claim, report);
        }
        let volumes: Vec<PersistentVolume> = api.list::<PersistentVolume>(None).cloned().collect();
        for volume in &volumes {
            sync_volume(api, volume);
        }
        if resync || !waiting {
            self.next_resync = waiting.then_some(now + SYNC_PERIOD);
        }
        self.seen_api_version = api.resource_version();
        self.next_resync
    }
}

fn phase_of_claim(claim: &PersistentVolumeClaim) -> &str {
    claim.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending")
}

fn phase_of_volume(volume: &PersistentVolume) -> &str {
    volume.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending")
}

/// The class a claim asks for (`""`: none).
pub fn claim_class(claim: &PersistentVolumeClaim) -> &str {
    claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or_default()
}

fn volume_class(volume: &PersistentVolume) -> &str {
    volume.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or_default()
}

/// The storage a claim requests, in bytes.
pub fn requested_bytes(claim: &PersistentVolumeClaim) -> i64 {
    let request = claim
        .spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"));
    request
        .and_then(|q| quantity::parse(&q.0).ok())
        .map_or(0, |m| m.units().clamp(0, i64::MAX as i128) as i64)
}

fn capacity_bytes(volume: &PersistentVolume) -> i64 {
    let capacity =
        volume.spec.as_ref().and_then(|s| s.capacity.as_ref()).and_then(|c| c.get("storage"));
    capacity
        .and_then(|q| quantity::parse(&q.0).ok())
        .map_or(0, |m| m.units().clamp(0, i64::MAX as i128) as i64)
}

/// Whether `volume`'s claimRef names this very claim (by uid when the ref has one).
fn claimed_by(volume: &PersistentVolume, claim: &PersistentVolumeClaim) -> bool {
    let Some(reference) = volume.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return false;
    };
    reference.name.as_deref() == claim.metadata.name.as_deref()
        && reference.namespace.as_deref() == claim.metadata.namespace.as_deref()
        && reference.uid.as_deref().is_none_or(|uid| Some(uid) == claim.metadata.uid.as_deref())
}

/// Whether `volume` can serve `claim` (`FindMatchingVolume`'s checks, without capacity).
pub fn volume_fits(volume: &PersistentVolume, claim: &PersistentVolumeClaim) -> bool {
    let (Some(spec), Some(wanted)) = (volume.spec.as_ref(), claim.spec.as_ref()) else {
        return false;
    };
    let modes = spec.access_modes.as_deref().unwrap_or_default();
    let modes_fit = wanted.access_modes.iter().flatten().all(|m| modes.contains(m));
    let mode_of = |m: Option<&String>| m.map_or("Filesystem", String::as_str).to_string();
    let selector_fits = match &wanted.selector {
        None => true,
        Some(selector) => Selector::from_label_selector(selector)
            .is_some_and(|s| s.matches(volume.metadata.labels.as_ref())),
    };
    modes_fit
        && mode_of(spec.volume_mode.as_ref()) == mode_of(wanted.volume_mode.as_ref())
        && volume_class(volume) == claim_class(claim)
        && selector_fits
        && capacity_bytes(volume) >= requested_bytes(claim)
}

/// The volume a claim should bind to: one pre-bound to it, else the smallest Available fit.
/// `node_fits` says whether a volume's node affinity allows the node the claim is for.
pub fn best_match<'a>(
    volumes: impl Iterator<Item = &'a PersistentVolume>,
    claim: &PersistentVolumeClaim,
    node_fits: impl Fn(&PersistentVolume) -> bool,
) -> Option<&'a PersistentVolume> {
    let mut best: Option<&PersistentVolume> = None;
    for volume in volumes {
        if volume.metadata.deletion_timestamp.is_some() || !node_fits(volume) {
            continue;
        }
        let claim_ref = volume.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
        if claim_ref.is_some() {
            if claimed_by(volume, claim) && volume_fits(volume, claim) {
                return Some(volume);
            }
            continue;
        }
        if phase_of_volume(volume) != "Available" || !volume_fits(volume, claim) {
            continue;
        }
        if best.is_none_or(|b| capacity_bytes(volume) < capacity_bytes(b)) {
            best = Some(volume);
        }
    }
    best
}

fn claim_reference(claim: &PersistentVolumeClaim) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("PersistentVolumeClaim".into()),
        name: claim.metadata.name.clone(),
        namespace: claim.metadata.namespace.clone(),
        uid: claim.metadata.uid.clone(),
        resource_version: claim.metadata.resource_version.clone(),
        field_path: None,
    }
}

/// Looks at one claim; returns whether it is still waiting for a volume.
fn sync_claim(api: &mut ApiServer, claim: &PersistentVolumeClaim, report: bool) -> bool {
    let (namespace, name) =
        (namespace_of(claim), claim.metadata.name.as_deref().unwrap_or_default());
    if claim.metadata.deletion_timestamp.is_some() {
        return false;
    }
    let volume_name =
        claim.spec.as_ref().and_then(|s| s.volume_name.clone()).filter(|v| !v.is_empty());
    if phase_of_claim(claim) == "Bound" || phase_of_claim(claim) == "Lost" {
        if let Some(volume_name) = volume_name
            && api.get::<PersistentVolume>("", &volume_name).is_err()
            && phase_of_claim(claim) == "Bound"
        {
            set_claim_phase(api, namespace, name, "Lost");
            api.record_event(
                claim,
                None,
                SOURCE,
                EventType::Warning,
                "ClaimLost",
                "Bound claim has lost its PersistentVolume. Data on the volume is lost!".into(),
            );
        }
        return false;
    }
    // A claim that names its volume binds to it alone.
    let chosen = match &volume_name {
        Some(volume_name) => api.get::<PersistentVolume>("", volume_name).ok().filter(|v| {
            let free = v.spec.as_ref().and_then(|s| s.claim_ref.as_ref()).is_none();
            (free || claimed_by(v, claim)) && volume_fits(v, claim)
        }),
        None => {
            let class = api.get::<StorageClass>("", claim_class(claim)).ok();
            let delayed = class.and_then(|c| c.volume_binding_mode.as_deref())
                == Some("WaitForFirstConsumer");
            let selected =
                claim.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(SELECTED_NODE));
            // Under WaitForFirstConsumer only the scheduler picks a free volume (it pre-binds
            // it); the controller completes bindings it finds pre-bound.
            best_match(api.list::<PersistentVolume>(None), claim, |_| true)
                .filter(|v| !delayed || selected || claimed_by(v, claim))
        }
    };
    if let Some(volume) = chosen {
        let volume = volume.clone();
        bind(api, claim, &volume);
        return false;
    }
    if volume_name.is_none() {
        provision_or_wait(api, claim, report);
    }
    true
}

/// No volume fits: a claim with a class asks its provisioner; one without says so.
fn provision_or_wait(api: &mut ApiServer, claim: &PersistentVolumeClaim, report: bool) {
    let class_name = claim_class(claim).to_string();
    let selected =
        claim.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(SELECTED_NODE));
    let class = api.get::<StorageClass>("", &class_name).ok().cloned();
    let delayed = class.as_ref().and_then(|c| c.volume_binding_mode.as_deref())
        == Some("WaitForFirstConsumer");
    let (kind, reason, message) = if delayed && !selected {
        (
            EventType::Normal,
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding".to_string(),
        )
    } else if class_name.is_empty() {
        (
            EventType::Normal,
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set"
                .to_string(),
        )
    } else if let Some(class) = class {
        // The claim now belongs to the class's external provisioner.
        let provisioner = class.provisioner.clone();
        let (namespace, name) =
            (namespace_of(claim).to_string(), claim.metadata.name.clone().unwrap_or_default());
        let _ = api.update::<PersistentVolumeClaim>(&namespace, &name, |c| {
            let annotations = c.metadata.annotations.get_or_insert_with(Default::default);
            annotations.insert(BETA_STORAGE_PROVISIONER.into(), provisioner.clone());
            annotations.insert(STORAGE_PROVISIONER.into(), provisioner.clone());
        });
        (
            EventType::Normal,
            "ExternalProvisioning",
            format!(
                "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
            ),
        )
    } else {
        (
            EventType::Warning,
            "ProvisioningFailed",
            format!("storageclass.storage.k8s.io {class_name:?} not found"),
        )
    };
    if report {
        api.record_event(claim, None, SOURCE, kind, reason, message);
    }
}

/// Binds a claim and a volume to each other: the volume's claimRef and phase, then the claim's
/// volumeName, annotations and status.
fn bind(api: &mut ApiServer, claim: &PersistentVolumeClaim, volume: &PersistentVolume) {
    let volume_name = volume.metadata.name.clone().unwrap_or_default();
    let (namespace, name) =
        (namespace_of(claim).to_string(), claim.metadata.name.clone().unwrap_or_default());
    let reference = claim_reference(claim);
    let set_by_controller = volume.spec.as_ref().and_then(|s| s.claim_ref.as_ref()).is_none();
    let _ = api.update::<PersistentVolume>("", &volume_name, |v| {
        let spec = v.spec.get_or_insert_with(Default::default);
        if spec.claim_ref.as_ref().is_none_or(|r| r.uid.is_none()) {
            spec.claim_ref = Some(reference.clone());
        }
        if set_by_controller {
            v.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(BOUND_BY_CONTROLLER.into(), "yes".into());
        }
        v.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
    });
    let named_by_user =
        claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_some_and(|v| !v.is_empty());
    let spec = volume.spec.clone().unwrap_or_default();
    let _ = api.update::<PersistentVolumeClaim>(&namespace, &name, |c| {
        c.spec.get_or_insert_with(Default::default).volume_name = Some(volume_name.clone());
        let annotations = c.metadata.annotations.get_or_insert_with(Default::default);
        annotations.insert(BIND_COMPLETED.into(), "yes".into());
        if !named_by_user {
            annotations.insert(BOUND_BY_CONTROLLER.into(), "yes".into());
        }
        let status = c.status.get_or_insert_with(Default::default);
        status.phase = Some("Bound".into());
        status.access_modes = spec.access_modes.clone();
        status.capacity = spec.capacity.clone();
    });
}

fn set_claim_phase(api: &mut ApiServer, namespace: &str, name: &str, phase: &str) {
    let _ = api.update::<PersistentVolumeClaim>(namespace, name, |c| {
        c.status.get_or_insert_with(Default::default).phase = Some(phase.into());
    });
}

/// Looks at one volume: a volume whose claim is gone is Released, then reclaimed.
fn sync_volume(api: &mut ApiServer, volume: &PersistentVolume) {
    let name = volume.metadata.name.clone().unwrap_or_default();
    let Some(reference) = volume.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        if phase_of_volume(volume) == "Pending" {
            set_volume_phase(api, &name, "Available");
        }
        return;
    };
    let claim = api.get::<PersistentVolumeClaim>(
        reference.namespace.as_deref().unwrap_or_default(),
        reference.name.as_deref().unwrap_or_default(),
    );
    let claim_gone = match (claim, reference.uid.as_deref()) {
        (Err(_), Some(_)) => true,
        (Ok(claim), Some(uid)) => claim.metadata.uid.as_deref() != Some(uid),
        // Pre-bound by name only: waiting for that claim.
        (_, None) => false,
    };
    if !claim_gone {
        return;
    }
    match phase_of_volume(volume) {
        "Released" | "Failed" => {}
        _ => set_volume_phase(api, &name, "Released"),
    }
    if phase_of_volume(volume) == "Failed" {
        return;
    }
    let policy = volume.spec.as_ref().and_then(|s| s.persistent_volume_reclaim_policy.as_deref());
    if policy != Some("Delete") {
        return;
    }
    let provisioned = volume.metadata.annotations.as_ref().and_then(|a| a.get(PROVISIONED_BY));
    if provisioned.is_some() {
        // Its provisioner deletes the storage, then the volume.
        let _ = api.delete::<PersistentVolume>("", &name, Default::default());
        return;
    }
    let message = match volume.spec.as_ref().and_then(|s| s.host_path.as_ref()) {
        Some(host_path) if !host_path.path.starts_with("/tmp/") => format!(
            "host_path deleter only supports /tmp/.+ but received provided {}",
            host_path.path
        ),
        Some(_) => {
            let _ = api.delete::<PersistentVolume>("", &name, Default::default());
            return;
        }
        None => format!(
            "error getting deleter volume plugin for volume {name:?}: no deletable volume plugin matched"
        ),
    };
    set_volume_phase(api, &name, "Failed");
    let _ = api.update::<PersistentVolume>("", &name, |v| {
        v.status.get_or_insert_with(Default::default).message = Some(message.clone());
    });
    api.record_event(volume, None, SOURCE, EventType::Warning, "VolumeFailedDelete", message);
}

fn set_volume_phase(api: &mut ApiServer, name: &str, phase: &str) {
    let _ = api.update::<PersistentVolume>("", name, |v| {
        v.status.get_or_insert_with(Default::default).phase = Some(phase.into());
    });
}

/// A claim's namespace.
pub fn namespace_of(claim: &PersistentVolumeClaim) -> &str {
    claim.metadata.namespace.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(name: &str, gib: u32, modes: &[&str], class: &str) -> PersistentVolume {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {
                "capacity": {"storage": format!("{gib}Gi")},
                "accessModes": modes,
                "storageClassName": class,
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Available"},
        }))
        .unwrap()
    }

    fn claim(gib: u32, modes: &[&str], class: &str) -> PersistentVolumeClaim {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "claim", "namespace": "default", "uid": "u1"},
            "spec": {
                "resources": {"requests": {"storage": format!("{gib}Gi")}},
                "accessModes": modes,
                "storageClassName": class,
                "volumeMode": "Filesystem",
            },
        }))
        .unwrap()
    }

    fn best(volumes: &[PersistentVolume], claim: &PersistentVolumeClaim) -> Option<String> {
        best_match(volumes.iter(), claim, |_| true).and_then(|v| v.metadata.name.clone())
    }

    #[test]
    fn the_smallest_volume_that_fits_wins() {
        let volumes = [
            volume("big", 10, &["ReadWriteOnce"], "manual"),
            volume("small", 2, &["ReadWriteOnce"], "manual"),
            volume("tiny", 1, &["ReadWriteOnce"], "manual"),
        ];
        assert_eq!(
            best(&volumes, &claim(2, &["ReadWriteOnce"], "manual")).as_deref(),
            Some("small")
        );
        assert_eq!(best(&volumes, &claim(11, &["ReadWriteOnce"], "manual")), None);
    }

    #[test]
    fn class_and_access_modes_must_match() {
        let volumes = [
            volume("other-class", 5, &["ReadWriteOnce"], "fast"),
            volume("read-only", 5, &["ReadOnlyMany"], "manual"),
            volume("both", 5, &["ReadWriteOnce", "ReadOnlyMany"], "manual"),
        ];
        let wanted = claim(1, &["ReadWriteOnce", "ReadOnlyMany"], "manual");
        assert_eq!(best(&volumes, &wanted).as_deref(), Some("both"));
        assert_eq!(best(&volumes, &claim(1, &["ReadWriteMany"], "manual")), None);
    }

    #[test]
    fn a_volume_pre_bound_to_the_claim_is_preferred_and_others_are_taken() {
        let mut pre_bound = volume("pre-bound", 10, &["ReadWriteOnce"], "manual");
        pre_bound.spec.as_mut().unwrap().claim_ref = Some(ObjectReference {
            name: Some("claim".into()),
            namespace: Some("default".into()),
            ..Default::default()
        });
        let mut taken = volume("taken", 1, &["ReadWriteOnce"], "manual");
        taken.spec.as_mut().unwrap().claim_ref = Some(ObjectReference {
            name: Some("someone-else".into()),
            namespace: Some("default".into()),
            ..Default::default()
        });
        let small = volume("small", 1, &["ReadWriteOnce"], "manual");
        let wanted = claim(1, &["ReadWriteOnce"], "manual");
        assert_eq!(
            best(&[small.clone(), pre_bound, taken.clone()], &wanted).as_deref(),
            Some("pre-bound")
        );
        assert_eq!(best(&[taken, small], &wanted).as_deref(), Some("small"));
    }
}
