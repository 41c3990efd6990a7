//! Namespace lifecycle: a new namespace gets its `default` ServiceAccount and the
//! `kube-root-ca.crt` ConfigMap (the service account and root CA publisher controllers); a
//! namespace being deleted is emptied, then removed.

use crate::api::{ApiServer, DeleteOptions};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cluster CA every pod trusts, as kubeadm's root CA publisher copies it into each namespace.
const ROOT_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIGd2MIQ0TVp4wDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNTEyMjYwODU1MDBaFw0zNTEyMjQwOTAwMDBaMBUx\nEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n(simulated by kubelab)\n-----END CERTIFICATE-----\n";

/// How long after a namespace is marked for deletion its contents start to go.
const CLEANUP_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NamespaceController {
    seen_api_version: u64,
    /// When a namespace being deleted is due to be emptied.
    next_wake: Option<SimTime>,
}

impl NamespaceController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let seen = self.seen_api_version;
        let relevant = api.kind_changed_since::<Namespace>(seen)
            || api.kind_changed_since::<ServiceAccount>(seen)
            || api.kind_changed_since::<ConfigMap>(seen)
            // An emptied namespace can go once its last objects are removed.
            || api.last_removal() > seen;
        if !relevant && self.next_wake.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return self.next_wake;
        }
        // What this pass writes is looked at again on the next one (a namespace it emptied can go).
        self.seen_api_version = api.resource_version();
        let namespaces: Vec<(String, Option<SimTime>)> = api
            .list::<Namespace>(None)
            .map(|n| {
                let since = n.metadata.deletion_timestamp.as_ref().map(SimTime::from_k8s);
                (n.metadata.name.clone().unwrap_or_default(), since)
            })
            .collect();
        self.next_wake = None;
        for (namespace, deleting_since) in namespaces {
            match deleting_since {
                None => populate(api, &namespace),
                // Discovering and deleting every kind takes the real controller a moment: the
                // namespace is Terminating, its contents still there, meanwhile.
                Some(since) if now < since + CLEANUP_DELAY => {
                    mark_terminating(api, &namespace);
                    let at = since + CLEANUP_DELAY;
                    self.next_wake = Some(self.next_wake.map_or(at, |w| w.min(at)));
                }
                Some(_) => empty(api, &namespace),
            }
        }
        self.next_wake
    }
}

fn populate(api: &mut ApiServer, namespace: &str) {
    if api.get::<ServiceAccount>(namespace, "default").is_err() {
        let _ = api.create(ServiceAccount {
            metadata: ObjectMeta {
                name: Some("default".into()),
                namespace: Some(namespace.into()),
                ..Default::default()
            },
            ..Default::default()
        });
    }
    if api.get::<ConfigMap>(namespace, "kube-root-ca.crt").is_err() {
        let _ = api.create(ConfigMap {
            metadata: ObjectMeta {
                name: Some("kube-root-ca.crt".into()),
                namespace: Some(namespace.into()),
                annotations: Some(BTreeMap::from([(
                    "kubernetes.io/description".into(),
                    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.".into(),
                )])),
                ..Default::default()
            },
            data: Some(BTreeMap::from([("ca.crt".into(), ROOT_CA.into())])),
            ..Default::default()
        });
    }
}

fn mark_terminating(api: &mut ApiServer, namespace: &str) {
    let _ = api.update::<Namespace>("", namespace, |n| {
        n.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
    });
}

/// Deletes what is left in the namespace; once nothing is, the namespace goes too.
fn empty(api: &mut ApiServer, namespace: &str) {
    mark_terminating(api, namespace);
    let mut remaining = 0;
    for kind in api.kinds().into_iter().filter(|k| k.namespaced()) {
        for object in kind.list(api, Some(namespace)) {
            remaining += 1;
            let terminating = object.pointer("/metadata/deletionTimestamp").is_some();
            if let Some(name) = object.pointer("/metadata/name").and_then(|n| n.as_str())
                && !terminating
            {
                let _ = kind.delete(api, namespace, name, DeleteOptions::default());
            }
        }
    }
    if remaining == 0 {
        let _ = api.remove::<Namespace>("", namespace);
    }
}
