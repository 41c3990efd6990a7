//! `kubectl describe` for storage: PersistentVolumes (`describePersistentVolume`: the
//! binding, the reclaim policy, node affinity and the source) and PersistentVolumeClaims
//! (`describePersistentVolumeClaim`: the binding and the pods using the claim).

use super::{SKIPPED_ANNOTATIONS, Writer};
use crate::api::ApiServer;
use crate::kubectl::print::columns::access_modes_text;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use serde_json::Value;

fn access_modes(modes: Option<&Vec<String>>) -> String {
    access_modes_text(modes.map(Vec::as_slice).unwrap_or_default())
}

fn finalizers(object: &Value) -> String {
    let list: Vec<&str> = object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    format!("[{}]", list.join(" "))
}

pub(super) fn describe_persistent_volume(w: &mut Writer, object: &Value) {
    let volume: PersistentVolume = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = volume.spec.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{}", volume.metadata.name.clone().unwrap_or_default()));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, format!("Finalizers:\t{}", finalizers(object)));
    w.line(0, format!("StorageClass:\t{}", spec.storage_class_name.clone().unwrap_or_default()));
    let phase = volume.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
    w.line(0, format!("Status:\t{phase}"));
    let claim = spec.claim_ref.as_ref().map_or(String::new(), |r| {
        format!(
            "{}/{}",
            r.namespace.clone().unwrap_or_default(),
            r.name.clone().unwrap_or_default()
        )
    });
    w.line(0, format!("Claim:\t{claim}"));
    let policy = spec.persistent_volume_reclaim_policy.clone().unwrap_or_default();
    w.line(0, format!("Reclaim Policy:\t{policy}"));
    w.line(0, format!("Access Modes:\t{}", access_modes(spec.access_modes.as_ref())));
    if let Some(mode) = &spec.volume_mode {
        w.line(0, format!("VolumeMode:\t{mode}"));
    }
    let capacity = spec.capacity.as_ref().and_then(|c| c.get("storage")).map(|q| q.0.clone());
    w.line(0, format!("Capacity:\t{}", capacity.unwrap_or_default()));
    match spec.node_affinity.as_ref().and_then(|a| a.required.as_ref()) {
        None => w.line(0, "Node Affinity:\t<none>"),
        Some(required) => {
            w.line(0, "Node Affinity:\t");
            w.line(1, "Required Terms:\t");
            for (i, term) in required.node_selector_terms.iter().enumerate() {
                let expressions: Vec<String> = term
                    .match_expressions
                    .iter()
                    .flatten()
                    .map(|r| {
                        let values = r.values.clone().unwrap_or_default();
                        let operator = r.operator.to_lowercase();
                        if values.is_empty() {
                            format!("{} {operator}", r.key)
                        } else {
                            format!("{} {operator} [{}]", r.key, values.join(", "))
                        }
                    })
                    .collect();
                w.list(2, &format!("Term {i}"), &expressions);
            }
        }
    }
    let message = volume.status.as_ref().and_then(|s| s.message.clone()).unwrap_or_default();
    w.line(0, format!("Message:\t{message}"));
    w.line(0, "Source:");
    if let Some(host_path) = &spec.host_path {
        w.line(2, "Type:\tHostPath (bare host directory volume)");
        w.line(2, format!("Path:\t{}", host_path.path));
        w.line(2, format!("HostPathType:\t{}", host_path.type_.clone().unwrap_or_default()));
    } else if let Some(nfs) = &spec.nfs {
        w.line(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)");
        w.line(2, format!("Server:\t{}", nfs.server));
        w.line(2, format!("Path:\t{}", nfs.path));
        w.line(2, format!("ReadOnly:\t{}", nfs.read_only.unwrap_or(false)));
    } else if let Some(csi) = &spec.csi {
        w.line(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)");
        w.line(2, format!("Driver:\t{}", csi.driver));
        w.line(2, format!("FSType:\t{}", csi.fs_type.clone().unwrap_or_default()));
        w.line(2, format!("VolumeHandle:\t{}", csi.volume_handle));
        w.line(2, format!("ReadOnly:\t{}", csi.read_only.unwrap_or(false)));
        let attributes: Vec<String> =
            csi.volume_attributes.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
        w.list(2, "VolumeAttributes", &attributes);
    } else if let Some(local) = &spec.local {
        w.line(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)");
        w.line(2, format!("Path:\t{}", local.path));
    } else {
        w.line(1, "<unknown>");
    }
}

pub(super) fn describe_persistent_volume_claim(w: &mut Writer, api: &ApiServer, object: &Value) {
    let claim: PersistentVolumeClaim = serde::Deserialize::deserialize(object).unwrap_or_default();
    let spec = claim.spec.clone().unwrap_or_default();
    let name = claim.metadata.name.clone().unwrap_or_default();
    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
    w.line(0, format!("Name:\t{name}"));
    w.line(0, format!("Namespace:\t{namespace}"));
    w.line(0, format!("StorageClass:\t{}", spec.storage_class_name.clone().unwrap_or_default()));
    if claim.metadata.deletion_timestamp.is_some() {
        w.line(0, "Status:\tTerminating (lasts <unknown>)");
    } else {
        let phase = claim.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        w.line(0, format!("Status:\t{phase}"));
    }
    let volume = spec.volume_name.clone().unwrap_or_default();
    w.line(0, format!("Volume:\t{volume}"));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, format!("Finalizers:\t{}", finalizers(object)));
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let status = claim.status.clone().unwrap_or_default();
        let capacity = status.capacity.as_ref().and_then(|c| c.get("storage")).map(|q| q.0.clone());
        (capacity.unwrap_or_default(), access_modes(status.access_modes.as_ref()))
    };
    w.line(0, format!("Capacity:\t{capacity}"));
    w.line(0, format!("Access Modes:\t{modes}"));
    if let Some(mode) = &spec.volume_mode {
        w.line(0, format!("VolumeMode:\t{mode}"));
    }
    let mut users: Vec<String> =
        api.list::<Pod>(Some(&namespace))
            .filter(|pod| {
                pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()).any(|v| {
                    v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name == name)
                })
            })
            .filter_map(|pod| pod.metadata.name.clone())
            .collect();
    crate::sort::sort(&mut users);
    w.list(0, "Used By", &users);
}
