//! The PVC and PV protection controllers: a claim being deleted keeps its
//! `kubernetes.io/pvc-protection` finalizer while a pod that has not finished uses it, and a
//! volume keeps `kubernetes.io/pv-protection` while it is Bound; then the finalizer goes and
//! the deletion completes.

use crate::api::admission::{PV_PROTECTION, PVC_PROTECTION};
use crate::api::{ApiServer, Kind};
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StorageProtectionController {
    seen_api_version: u64,
}

impl StorageProtectionController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let seen = self.seen_api_version;
        let changed = api.kind_changed_since::<PersistentVolumeClaim>(seen)
            || api.kind_changed_since::<PersistentVolume>(seen)
            || api.kind_changed_since::<Pod>(seen)
            || api.last_removal() > seen;
        if !changed {
            self.seen_api_version = api.resource_version();
            return None;
        }
        let claims: Vec<(String, String)> = api
            .list::<PersistentVolumeClaim>(None)
            .filter(|c| {
                c.metadata.deletion_timestamp.is_some()
                    && has(&c.metadata.finalizers, PVC_PROTECTION)
            })
            .filter(|c| !in_use(api, c))
            .map(|c| {
                (
                    c.metadata.namespace.clone().unwrap_or_default(),
                    c.metadata.name.clone().unwrap_or_default(),
                )
            })
            .collect();
        for (namespace, name) in claims {
            let _ = api.update::<PersistentVolumeClaim>(&namespace, &name, |c| {
                release(&mut c.metadata.finalizers, PVC_PROTECTION)
            });
            finish_deletion::<PersistentVolumeClaim>(api, &namespace, &name);
        }
        let volumes: Vec<String> = api
            .list::<PersistentVolume>(None)
            .filter(|v| {
                v.metadata.deletion_timestamp.is_some()
                    && has(&v.metadata.finalizers, PV_PROTECTION)
            })
            .filter(|v| v.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Bound"))
            .filter_map(|v| v.metadata.name.clone())
            .collect();
        for name in volumes {
            let _ = api.update::<PersistentVolume>("", &name, |v| {
                release(&mut v.metadata.finalizers, PV_PROTECTION)
            });
            finish_deletion::<PersistentVolume>(api, "", &name);
        }
        self.seen_api_version = api.resource_version();
        None
    }
}

/// The last finalizer is gone: the deletion it held back completes.
fn finish_deletion<K: Kind>(api: &mut ApiServer, namespace: &str, name: &str) {
    let done = api
        .get::<K>(namespace, name)
        .is_ok_and(|o| o.meta().finalizers.as_ref().is_none_or(Vec::is_empty));
    if done {
        let _ = api.remove::<K>(namespace, name);
    }
}

fn has(finalizers: &Option<Vec<String>>, finalizer: &str) -> bool {
    finalizers.iter().flatten().any(|f| f == finalizer)
}

fn release(finalizers: &mut Option<Vec<String>>, finalizer: &str) {
    if let Some(list) = finalizers.as_mut() {
        list.retain(|f| f != finalizer);
    }
}

/// Whether a pod that has not finished mounts the claim.
fn in_use(api: &ApiServer, claim: &PersistentVolumeClaim) -> bool {
    let name = claim.metadata.name.as_deref().unwrap_or_default();
    api.list::<Pod>(claim.metadata.namespace.as_deref()).any(|pod| {
        !podutil::is_terminal(pod)
            && pod
                .spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .any(|v| v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name == name))
    })
}
