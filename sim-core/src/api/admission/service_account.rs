//! The ServiceAccount admission plugin for new pods: the named service account must exist, and
//! unless automounting is turned off (on the pod, else on the account) the pod gets the
//! `kube-api-access-xxxxx` projected volume — a bound token, the cluster's CA and the pod's
//! namespace — mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every
//! container.

use crate::api::tokens::POD_TOKEN_EXPIRATION_SECONDS;
use crate::api::{ApiError, ApiServer, NAME_SUFFIX_ALPHABET};
use crate::rng::Rng;
use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, Pod, ProjectedVolumeSource, ServiceAccount, ServiceAccountTokenProjection,
    Volume, VolumeMount, VolumeProjection,
};

pub const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
const VOLUME_PREFIX: &str = "kube-api-access-";

pub(super) fn admit(pod: &mut Pod, api: &ApiServer) -> Result<(), ApiError> {
    let mirror = pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    let name = pod.metadata.name.clone().unwrap_or_default();
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let Some(spec) = pod.spec.as_mut().filter(|_| !mirror) else { return Ok(()) };
    let account_name = spec.service_account_name.clone().unwrap_or_else(|| "default".into());
    let account = api.get::<ServiceAccount>(&namespace, &account_name).map_err(|_| {
        ApiError::Forbidden(format!(
            "pods \"{name}\" is forbidden: error looking up service account {namespace}/{account_name}: serviceaccount \"{account_name}\" not found"
        ))
    })?;
    let automount = spec
        .automount_service_account_token
        .or(account.automount_service_account_token)
        .unwrap_or(true);
    let mounted_already = spec
        .containers
        .iter()
        .any(|c| c.volume_mounts.iter().flatten().any(|m| m.mount_path == TOKEN_MOUNT_PATH));
    if !automount || mounted_already {
        return Ok(());
    }
    let volume_name = format!("{VOLUME_PREFIX}{}", suffix(&uid));
    spec.volumes.get_or_insert_with(Vec::new).push(api_access_volume(&volume_name));
    let containers = spec.init_containers.iter_mut().flatten().chain(spec.containers.iter_mut());
    for container in containers {
        container.volume_mounts.get_or_insert_with(Vec::new).push(VolumeMount {
            name: volume_name.clone(),
            mount_path: TOKEN_MOUNT_PATH.into(),
            read_only: Some(true),
            ..Default::default()
        });
    }
    Ok(())
}

/// The volume's 5 random characters (`names.SimpleNameGenerator`), drawn from a stream of the
/// pod's own uid so the API server's stream (names, uids, IPs) is not disturbed.
fn suffix(uid: &str) -> String {
    let seed = uid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut rng = Rng::new(seed);
    (0..5)
        .map(|_| {
            char::from(NAME_SUFFIX_ALPHABET[rng.below(NAME_SUFFIX_ALPHABET.len() as u64) as usize])
        })
        .collect()
}

fn api_access_volume(name: &str) -> Volume {
    let sources = vec![
        VolumeProjection {
            service_account_token: Some(ServiceAccountTokenProjection {
                expiration_seconds: Some(POD_TOKEN_EXPIRATION_SECONDS),
                path: "token".into(),
                audience: None,
            }),
            ..Default::default()
        },
        VolumeProjection {
            config_map: Some(ConfigMapProjection {
                name: "kube-root-ca.crt".into(),
                items: Some(vec![KeyToPath {
                    key: "ca.crt".into(),
                    path: "ca.crt".into(),
                    mode: None,
                }]),
                optional: None,
            }),
            ..Default::default()
        },
        VolumeProjection {
            downward_api: Some(DownwardAPIProjection {
                items: Some(vec![DownwardAPIVolumeFile {
                    path: "namespace".into(),
                    field_ref: Some(ObjectFieldSelector {
                        api_version: Some("v1".into()),
                        field_path: "metadata.namespace".into(),
                    }),
                    ..Default::default()
                }]),
            }),
            ..Default::default()
        },
    ];
    Volume {
        name: name.into(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(0o644),
            sources: Some(sources),
        }),
        ..Default::default()
    }
}
