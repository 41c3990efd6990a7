//! Admission for storage: PersistentVolumes, PersistentVolumeClaims and StorageClasses.

use super::Admission;
use crate::api::{ApiError, ApiServer, FieldError};
use crate::controllers::persistentvolume::DEFAULT_CLASS;
use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus, PersistentVolumeStatus,
};
use k8s_openapi::api::storage::v1::StorageClass;

const ACCESS_MODES: &[&str] =
    &["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

fn validate_access_modes(modes: Option<&Vec<String>>, field: &str) -> Vec<FieldError> {
    match modes {
        None => vec![FieldError::required(field)],
        Some(modes) if modes.is_empty() => vec![FieldError::required(field)],
        Some(modes) => {
            let mut errors: Vec<FieldError> = modes
                .iter()
                .filter(|m| !ACCESS_MODES.contains(&m.as_str()))
                .map(|m| FieldError::not_supported(field, m, ACCESS_MODES))
                .collect();
            // A claim for one pod cannot also be one for many (`ValidatePersistentVolumeSpec`).
            if modes.len() > 1 && modes.iter().any(|m| m == "ReadWriteOncePod") {
                errors.push(FieldError::forbidden(
                    field,
                    "may not use ReadWriteOncePod with other access modes",
                ));
            }
            errors
        }
    }
}

/// The StorageObjectInUseProtection admission plugin's finalizers: a claim in use by a pod, or a
/// volume bound to a claim, is only removed once that ends.
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION: &str = "kubernetes.io/pv-protection";

fn protect(meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, finalizer: &str) {
    let finalizers = meta.finalizers.get_or_insert_with(Vec::new);
    if !finalizers.iter().any(|f| f == finalizer) {
        finalizers.push(finalizer.to_string());
    }
}

impl Admission for PersistentVolume {
    fn allocate(&mut self, _api: &mut ApiServer) -> Result<(), ApiError> {
        protect(&mut self.metadata, PV_PROTECTION);
        Ok(())
    }

    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.persistent_volume_reclaim_policy.get_or_insert_with(|| "Retain".into());
        spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
        // The PV controller marks a new volume Available at once (until storage arrives, it
        // is also the only phase a volume gets here).
        self.status.get_or_insert_with(|| PersistentVolumeStatus {
            phase: Some("Available".into()),
            ..Default::default()
        });
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = validate_access_modes(spec.access_modes.as_ref(), "spec.accessModes");
        if !spec.capacity.as_ref().is_some_and(|c| c.contains_key("storage")) {
            errors.push(FieldError::required("spec.capacity"));
        }
        errors
    }
}

impl Admission for PersistentVolumeClaim {
    /// The DefaultStorageClass admission plugin: a claim that names no class (the field absent,
    /// not `""`) gets the default class, if there is one.
    fn allocate(&mut self, api: &mut ApiServer) -> Result<(), ApiError> {
        protect(&mut self.metadata, PVC_PROTECTION);
        let spec = self.spec.get_or_insert_with(Default::default);
        if spec.storage_class_name.is_none() {
            let is_default = |c: &&StorageClass| {
                c.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(DEFAULT_CLASS))
                    .map(String::as_str)
                    == Some("true")
            };
            // The newest default wins when there are several.
            let default = api
                .list::<StorageClass>(None)
                .filter(is_default)
                .max_by_key(|c| c.metadata.creation_timestamp.clone().map(|t| t.0));
            spec.storage_class_name = default.and_then(|c| c.metadata.name.clone());
        }
        Ok(())
    }

    fn apply_defaults(&mut self) {
        let spec = self.spec.get_or_insert_with(Default::default);
        spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
        self.status.get_or_insert_with(|| PersistentVolumeClaimStatus {
            phase: Some("Pending".into()),
            ..Default::default()
        });
    }

    fn validate(&self) -> Vec<FieldError> {
        let Some(spec) = &self.spec else { return vec![FieldError::required("spec")] };
        let mut errors = validate_access_modes(spec.access_modes.as_ref(), "spec.accessModes");
        let has_request = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .is_some_and(|r| r.contains_key("storage"));
        if !has_request {
            errors.push(FieldError::required("spec.resources[storage]"));
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        validate_claim_update(self, old)
    }

    fn admit_update(&self, old: &Self, api: &ApiServer) -> Result<(), ApiError> {
        admit_claim_resize(self, old, api)
    }
}

/// A claim's requested storage in bytes (0 when unset or unreadable).
fn requested(claim: &PersistentVolumeClaim) -> i128 {
    let request =
        claim.spec.as_ref().and_then(|s| s.resources.as_ref()?.requests.as_ref()?.get("storage"));
    request.and_then(|q| crate::quantity::parse(&q.0).ok()).map_or(0, |q| q.units())
}

fn is_bound(claim: &PersistentVolumeClaim) -> bool {
    claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
}

/// `ValidatePersistentVolumeClaimUpdate`: a bound claim may change only its storage request,
/// and never below what it has.
fn validate_claim_update(
    new: &PersistentVolumeClaim,
    old: &PersistentVolumeClaim,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let (mut new_spec, mut old_spec) =
        (new.spec.clone().unwrap_or_default(), old.spec.clone().unwrap_or_default());
    if is_bound(old) {
        new_spec.resources = None;
        old_spec.resources = None;
    }
    // The PV controller fills in the volume's name when it binds.
    if old_spec.volume_name.as_deref().is_none_or(str::is_empty) {
        new_spec.volume_name = None;
        old_spec.volume_name = None;
    }
    if new_spec != old_spec {
        errors.push(FieldError::forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ));
    }
    let capacity = old
        .status
        .as_ref()
        .and_then(|s| s.capacity.as_ref()?.get("storage"))
        .and_then(|q| crate::quantity::parse(&q.0).ok())
        .map_or(0, |q| q.units());
    if is_bound(old) && requested(new) < capacity {
        errors.push(FieldError::forbidden(
            "spec.resources.requests.storage",
            "field can not be less than status.capacity",
        ));
    }
    errors
}

/// The PersistentVolumeClaimResize admission plugin: only a bound claim whose class allows
/// expansion may grow.
fn admit_claim_resize(
    new: &PersistentVolumeClaim,
    old: &PersistentVolumeClaim,
    api: &ApiServer,
) -> Result<(), ApiError> {
    if requested(new) <= requested(old) {
        return Ok(());
    }
    let name = new.metadata.name.clone().unwrap_or_default();
    let forbidden = |detail: &str| {
        Err(ApiError::Forbidden(format!(
            "persistentvolumeclaims \"{name}\" is forbidden: {detail}"
        )))
    };
    if !is_bound(old) {
        return forbidden("Only bound persistent volume claims can be expanded");
    }
    let class = new.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or_default();
    let allowed =
        api.get::<StorageClass>("", class).is_ok_and(|c| c.allow_volume_expansion == Some(true));
    if !allowed {
        return forbidden(
            "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
        );
    }
    Ok(())
}

impl Admission for StorageClass {
    fn apply_defaults(&mut self) {
        self.reclaim_policy.get_or_insert_with(|| "Delete".into());
        self.volume_binding_mode.get_or_insert_with(|| "Immediate".into());
    }

    fn validate(&self) -> Vec<FieldError> {
        if self.provisioner.is_empty() {
            vec![FieldError::required("provisioner")]
        } else {
            Vec::new()
        }
    }
}
