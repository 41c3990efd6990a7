//! Static pods: the kubelet runs the pods of its manifest directory without the API server and
//! keeps a mirror pod of each in the API, so `kubectl get pods -n kube-system` shows them. A
//! deleted mirror pod comes straight back; the containers behind it keep running.

use super::Kubelet;
use crate::api::ApiServer;
use crate::podutil;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

/// The annotation that marks a mirror pod, holding its static pod's hash.
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

pub(super) fn is_mirror(pod: &Pod) -> bool {
    pod.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(MIRROR_ANNOTATION))
}

impl Kubelet {
    /// Makes sure every static pod has a live mirror pod: creates missing ones and replaces
    /// deleted ones. Returns the static pods to sync now (new, or whose mirror was replaced and
    /// needs its status again).
    pub(super) fn sync_mirror_pods(&mut self, api: &mut ApiServer) -> Vec<Pod> {
        let mut to_sync = Vec::new();
        for manifest in &self.static_pods {
            let (namespace, name) = (podutil::namespace(manifest), podutil::name(manifest));
            let mirror = api.get::<Pod>(namespace, name).ok();
            let replace = match mirror {
                None => true,
                Some(mirror) if !is_mirror(mirror) => false,
                Some(mirror) => mirror.metadata.deletion_timestamp.is_some(),
            };
            if replace {
                let _ = api.remove::<Pod>(namespace, name);
                let _ = api.create(self.mirror_of(api, manifest));
                to_sync.push(manifest.clone());
            } else if !self.pods.contains_key(podutil::uid(manifest)) {
                to_sync.push(manifest.clone());
            }
        }
        to_sync
    }

    /// The API's copy of a static pod: the manifest with the mirror annotation, owned by the node.
    fn mirror_of(&self, api: &ApiServer, manifest: &Pod) -> Pod {
        let mut mirror = manifest.clone();
        let hash = podutil::uid(manifest).to_string();
        mirror.metadata.uid = None;
        let annotations = mirror.metadata.annotations.get_or_insert_with(Default::default);
        annotations.insert(MIRROR_ANNOTATION.to_string(), hash);
        annotations
            .insert("kubernetes.io/config.seen".to_string(), api.now().to_k8s().0.to_string());
        let node_uid =
            api.get::<Node>("", &self.node_name).ok().and_then(|n| n.metadata.uid.clone());
        mirror.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "v1".to_string(),
            kind: "Node".to_string(),
            name: self.node_name.clone(),
            uid: node_uid.unwrap_or_default(),
            controller: Some(true),
            block_owner_deletion: None,
        }]);
        mirror
    }
}
