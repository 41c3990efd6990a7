//! The lab's storage driver, as its CSI external-provisioner runs it: creates a volume for each
//! claim handed to it (`volume.kubernetes.io/storage-provisioner`), a simulated network disk
//! reachable from every node, pre-bound to the claim for the PersistentVolume controller to
//! finish. Under WaitForFirstConsumer it waits for the scheduler's `selected-node`.
//!
//! Its name follows CSI drivers' reverse-domain convention (`pd.csi.storage.gke.io`,
//! `ebs.csi.aws.com`) under the lab's own domain, so nobody mistakes the simulated disk for a
//! cloud's real one.

use super::persistentvolume::{
    PROVISIONED_BY, SELECTED_NODE, STORAGE_PROVISIONER, namespace_of, requested_bytes,
};
use crate::api::{ApiServer, EventSource, EventType};
use k8s_openapi::api::core::v1::{
    CSIPersistentVolumeSource, ObjectReference, PersistentVolume, PersistentVolumeClaim,
    PersistentVolumeSpec,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// The driver behind the default `standard` StorageClass.
pub const DRIVER: &str = "disk.csi.kubelab.dev";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Provisioner {
    seen_api_version: u64,
}

impl Provisioner {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<crate::time::SimTime> {
        if !api.kind_changed_since::<PersistentVolumeClaim>(self.seen_api_version) {
            self.seen_api_version = api.resource_version();
            return None;
        }
        let wanted: Vec<PersistentVolumeClaim> = api
            .list::<PersistentVolumeClaim>(None)
            .filter(|c| is_ours_to_provision(api, c))
            .cloned()
            .collect();
        for claim in wanted {
            provision(api, &claim);
        }
        self.seen_api_version = api.resource_version();
        None
    }
}

fn is_ours_to_provision(api: &ApiServer, claim: &PersistentVolumeClaim) -> bool {
    let annotations = claim.metadata.annotations.as_ref();
    let ours =
        annotations.and_then(|a| a.get(STORAGE_PROVISIONER)).map(String::as_str) == Some(DRIVER);
    let pending =
        claim.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending") == "Pending";
    let unbound =
        claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_none_or(str::is_empty);
    let class_name = super::persistentvolume::claim_class(claim);
    let Ok(class) = api.get::<StorageClass>("", class_name) else { return false };
    let delayed = class.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer");
    let selected = annotations.is_some_and(|a| a.contains_key(SELECTED_NODE));
    let name = format!("pvc-{}", claim.metadata.uid.as_deref().unwrap_or_default());
    ours && pending
        && unbound
        && (!delayed || selected)
        && claim.metadata.deletion_timestamp.is_none()
        && api.get::<PersistentVolume>("", &name).is_err()
}

fn provision(api: &mut ApiServer, claim: &PersistentVolumeClaim) {
    let source = EventSource { component: DRIVER, host: None };
    let namespace = namespace_of(claim).to_string();
    let claim_name = claim.metadata.name.clone().unwrap_or_default();
    let uid = claim.metadata.uid.clone().unwrap_or_default();
    let Ok(class) =
        api.get::<StorageClass>("", super::persistentvolume::claim_class(claim)).cloned()
    else {
        return;
    };
    api.record_event(
        claim,
        None,
        source,
        EventType::Normal,
        "Provisioning",
        format!(
            "External provisioner is provisioning volume for claim \"{namespace}/{claim_name}\""
        ),
    );
    let name = format!("pvc-{uid}");
    let spec = claim.spec.clone().unwrap_or_default();
    let requested = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .cloned()
        .unwrap_or_else(|| Quantity(requested_bytes(claim).to_string()));
    let volume = PersistentVolume {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            annotations: Some([(PROVISIONED_BY.to_string(), DRIVER.to_string())].into()),
            finalizers: None,
            ..Default::default()
        },
        spec: Some(PersistentVolumeSpec {
            access_modes: spec.access_modes.clone(),
            capacity: Some([("storage".to_string(), requested)].into()),
            claim_ref: Some(ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                name: Some(claim_name.clone()),
                namespace: Some(namespace.clone()),
                uid: Some(uid.clone()),
                resource_version: claim.metadata.resource_version.clone(),
                field_path: None,
            }),
            csi: Some(CSIPersistentVolumeSource {
                driver: DRIVER.to_string(),
                volume_handle: name.clone(),
                fs_type: Some("ext4".into()),
                ..Default::default()
            }),
            persistent_volume_reclaim_policy: class.reclaim_policy.clone(),
            storage_class_name: class.metadata.name.clone(),
            volume_mode: spec.volume_mode.clone(),
            ..Default::default()
        }),
        status: None,
    };
    match api.create(volume) {
        Ok(_) => api.record_event(
            claim,
            None,
            source,
            EventType::Normal,
            "ProvisioningSucceeded",
            format!("Successfully provisioned volume {name}"),
        ),
        Err(error) => api.record_event(
            claim,
            None,
            source,
            EventType::Warning,
            "ProvisioningFailed",
            format!(
                "failed to provision volume with StorageClass {:?}: {error}",
                class.metadata.name.as_deref().unwrap_or_default()
            ),
        ),
    }
}
