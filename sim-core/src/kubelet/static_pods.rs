//! Static pods: the kubelet runs the pods of its manifest directory without the API server and
//! keeps a mirror pod of each in the API, so `kubectl get pods -n kube-system` shows them. A
//! deleted mirror pod comes straight back; the containers behind it keep running. A new file in
//! the directory starts a pod, a changed one replaces it, a removed one stops it.

use super::Kubelet;
use crate::api::admission::Admission;
use crate::api::{ApiServer, DeleteOptions};
use crate::podutil;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use std::collections::BTreeMap;

/// The annotation that marks a mirror pod, holding its static pod's hash.
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

pub(super) fn is_mirror(pod: &Pod) -> bool {
    pod.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(MIRROR_ANNOTATION))
}

/// The static pod one manifest describes, as the kubelet's file source reads it: named
/// `NAME-NODE`, in `default` unless it says otherwise, bound to the node, defaulted, with a hash
/// of the file as its UID (how the kubelet tells a static pod from its mirror pod). The error is
/// what the kubelet logs about a file it cannot use.
pub fn from_manifest(node: &str, text: &str) -> Result<Pod, String> {
    let documents = crate::api::decode::documents(text).map_err(|e| e.to_string())?;
    let value = documents.into_iter().next().ok_or("no pod in the file")?;
    let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
    if kind != "Pod" {
        return Err(format!("invalid pod: the kind is {kind:?}, not \"Pod\""));
    }
    let mut pod: Pod =
        serde::Deserialize::deserialize(&value).map_err(|e: serde_json::Error| e.to_string())?;
    let hash = super::images::digest_of(text)[7..39].to_string();
    let name = format!("{}-{node}", pod.metadata.name.clone().unwrap_or_default());
    pod.metadata.name = Some(name);
    pod.metadata.namespace.get_or_insert_with(|| "default".to_string());
    pod.metadata.uid = Some(hash.clone());
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert("kubernetes.io/config.hash".to_string(), hash);
    annotations.insert("kubernetes.io/config.source".to_string(), "file".to_string());
    pod.spec.get_or_insert_with(Default::default).node_name = Some(node.to_string());
    crate::api::admission::default_pod_spec(pod.spec.get_or_insert_with(Default::default));
    let problems = pod.validate();
    if let Some(problem) = problems.first() {
        return Err(format!("invalid pod: [{problem}]"));
    }
    Ok(pod)
}

impl Kubelet {
    /// Reads the manifest directory again (its files: path, text): new pods join, pods whose
    /// file changed or went away are stopped. Returns the kubelet's log lines about files it
    /// could not use.
    pub fn read_manifests(
        &mut self,
        api: &mut ApiServer,
        generation: u64,
        files: &[(String, String)],
    ) -> Vec<(char, &'static str, String)> {
        if generation == self.manifests_generation {
            return Vec::new();
        }
        self.manifests_generation = generation;
        self.mirrors_checked = false;
        self.static_pods_admitted = false;
        let mut log = Vec::new();
        let mut wanted: Vec<Pod> = Vec::new();
        for (path, text) in files {
            match from_manifest(&self.node_name, text) {
                Ok(pod) => wanted.push(pod),
                Err(err) => log.push((
                    'E',
                    "file.go:187",
                    format!("\"Could not process manifest file\" err={err:?} path={path:?}"),
                )),
            }
        }
        let now = api.now();
        for pod in &mut self.static_pods {
            let kept = wanted.iter().any(|w| podutil::uid(w) == podutil::uid(pod));
            if !kept && pod.metadata.deletion_timestamp.is_none() {
                pod.metadata.deletion_timestamp = Some(now.to_k8s());
                pod.metadata.deletion_grace_period_seconds =
                    pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds);
                if let Some(runtime) = self.pods.get_mut(podutil::uid(pod)) {
                    runtime.next_sync = Some(now);
                }
                self.next_wake = Some(now);
                // The mirror pod goes at once; the containers get their grace period.
                let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
                let ours = api
                    .get::<Pod>(namespace, name)
                    .ok()
                    .is_some_and(|m| mirror_hash(m) == Some(podutil::uid(pod)));
                if ours {
                    let options =
                        DeleteOptions { grace_period_seconds: Some(0), ..Default::default() };
                    let _ = api.delete::<Pod>(namespace, name, options);
                }
            }
        }
        for pod in wanted {
            if !self.static_pods.iter().any(|p| podutil::uid(p) == podutil::uid(&pod)) {
                self.static_pods.push(pod);
            }
        }
        log
    }

    /// The manifest directory's generation the kubelet last read.
    pub fn manifests_generation(&self) -> u64 {
        self.manifests_generation
    }

    /// Whether `uid` is one of this kubelet's static pods (which only the kubelet removes).
    pub(super) fn is_static(&self, uid: &str) -> bool {
        self.static_pods.iter().any(|p| podutil::uid(p) == uid)
    }

    /// Makes sure every static pod has a live mirror pod: creates missing ones and replaces
    /// deleted ones. Returns the static pods to sync now (new, or whose mirror was replaced and
    /// needs its status again).
    pub(super) fn sync_mirror_pods(&mut self, api: &mut ApiServer) -> Vec<Pod> {
        let mut to_sync = Vec::new();
        // Mirrors a pass found as they should be stay so while no pod of their names is
        // written or removed (most passes follow other pods' status writes): only then are
        // they looked up again.
        let static_named = |pod: &Pod| {
            self.static_pods.iter().any(|p| {
                podutil::name(p) == podutil::name(pod)
                    && podutil::namespace(p) == podutil::namespace(pod)
            })
        };
        let recheck = !self.static_pods.is_empty()
            && (!self.mirrors_checked
                || api.changed_since::<Pod>(self.seen_api_version).any(static_named)
                || api.deleted_since::<Pod>(self.seen_api_version).any(static_named));
        let mut replaced = false;
        for manifest in self.static_pods.iter().filter(|p| p.metadata.deletion_timestamp.is_none())
        {
            let (namespace, name) = (podutil::namespace(manifest), podutil::name(manifest));
            let replace = recheck
                && match api.get::<Pod>(namespace, name).ok() {
                    None => true,
                    Some(mirror) if !is_mirror(mirror) => false,
                    // Deleted, or the mirror of an earlier version of the file.
                    Some(mirror) => {
                        mirror.metadata.deletion_timestamp.is_some()
                            || mirror_hash(mirror) != Some(podutil::uid(manifest))
                    }
                };
            if replace {
                replaced = true;
                let _ = api.remove::<Pod>(namespace, name);
                let _ = api.create(self.mirror_of(api, manifest));
                to_sync.push(manifest.clone());
            } else if !self.pods.contains_key(podutil::uid(manifest)) {
                to_sync.push(manifest.clone());
            }
        }
        // A replacement is checked again at the next pass (its create may have failed).
        self.mirrors_checked = !replaced;
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

/// The hash of the static pod a mirror pod stands for.
fn mirror_hash(pod: &Pod) -> Option<&str> {
    pod.metadata.annotations.as_ref()?.get(MIRROR_ANNOTATION).map(String::as_str)
}
