//! ControllerRevisions (`pkg/controller/history`): the snapshots of a DaemonSet's or
//! StatefulSet's pod template that their rolling updates, `kubectl rollout history` and
//! `kubectl rollout undo` work from. A revision's data is the patch that puts its template back
//! (`{"spec":{"template":{…,"$patch":"replace"}}}`), its name `OWNER-HASH`, its number one
//! more than the owner's newest.

use super::pod_control::{controller_ref, is_controlled_by};
use crate::api::selector::Selector;
use crate::api::{ApiServer, DeleteOptions, Kind};
use k8s_openapi::api::apps::v1::ControllerRevision;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The label a DaemonSet's and a StatefulSet's pods carry: which revision made them.
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";
/// The label a StatefulSet's revisions carry (`ControllerRevisionHashLabel`).
pub const REVISION_HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// apimachinery's `rand.SafeEncodeString`: each byte mapped into the vowel-less alphabet, so
/// a hash never spells a word.
pub fn safe_encode(text: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    text.bytes().map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()])).collect()
}

/// FNV-32a, the hash Kubernetes uses for templates and revisions.
fn fnv32a(bytes: &[u8], mut hash: u32) -> u32 {
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

const FNV32_OFFSET: u32 = 0x811c_9dc5;

/// `controller.ComputeHash`: a template's hash, salted by the owner's collisionCount. Kubernetes
/// hashes Go's printing of the struct; we hash its JSON, which is as stable.
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let text = super::deployment::util::template_json(template);
    let mut hash = fnv32a(text.as_bytes(), FNV32_OFFSET);
    if let Some(count) = collision_count {
        hash = fnv32a(&(count as u32).to_le_bytes(), hash);
    }
    safe_encode(&hash.to_string())
}

/// `history.HashControllerRevision`: the hash of a revision's data, salted the same way.
pub fn hash_revision_data(data: &Value, collision_count: Option<i32>) -> String {
    let text = serde_json::to_string(data).unwrap_or_default();
    let mut hash = fnv32a(text.as_bytes(), FNV32_OFFSET);
    if let Some(count) = collision_count {
        hash = fnv32a(count.to_string().as_bytes(), hash);
    }
    safe_encode(&hash.to_string())
}

/// `ControllerRevisionName`: the owner's name (cut to 223 characters) and the hash.
pub fn revision_name(owner: &str, hash: &str) -> String {
    let prefix: String = owner.chars().take(223).collect();
    format!("{prefix}-{hash}")
}

/// `getPatch`: the revision data that restores `template`.
pub fn template_patch(template: &PodTemplateSpec) -> Value {
    let mut template = serde_json::to_value(template).unwrap_or_default();
    if let Some(map) = template.as_object_mut() {
        map.insert("$patch".into(), json!("replace"));
    }
    json!({ "spec": { "template": template } })
}

/// The template a revision restores.
pub fn template_of(revision: &ControllerRevision) -> Option<PodTemplateSpec> {
    let mut template = revision.data.as_ref()?.0.pointer("/spec/template")?.clone();
    if let Some(map) = template.as_object_mut() {
        map.remove("$patch");
    }
    serde::Deserialize::deserialize(&template).ok()
}

/// `adoptOrphanRevisions`: revisions in the owner's namespace that no controller owns and
/// that its selector matches become its own (a DaemonSet or StatefulSet recreated after a
/// `--cascade=orphan` delete takes its history back).
pub fn adopt_orphans<K: Kind>(api: &mut ApiServer, owner: &K, selector: &LabelSelector) {
    let Some(selector) = Selector::from_label_selector(selector) else { return };
    let namespace = owner.meta().namespace.clone().unwrap_or_default();
    let orphans: Vec<String> = api
        .list::<ControllerRevision>(Some(&namespace))
        .filter(|r| {
            !r.metadata.owner_references.iter().flatten().any(|o| o.controller == Some(true))
                && selector.matches(r.metadata.labels.as_ref())
        })
        .filter_map(|r| r.metadata.name.clone())
        .collect();
    for name in orphans {
        let _ = api.update::<ControllerRevision>(&namespace, &name, |revision| {
            revision
                .metadata
                .owner_references
                .get_or_insert_with(Vec::new)
                .push(controller_ref(owner));
        });
    }
}

/// The revisions `owner_uid` controls, oldest revision number first.
pub fn owned(api: &ApiServer, namespace: &str, owner_uid: &str) -> Vec<ControllerRevision> {
    let mut revisions: Vec<ControllerRevision> = api
        .list::<ControllerRevision>(Some(namespace))
        .filter(|r| is_controlled_by(&r.metadata, owner_uid))
        .cloned()
        .collect();
    crate::sort::sort_by(&mut revisions, |a, b| {
        (a.revision, &a.metadata.name).cmp(&(b.revision, &b.metadata.name))
    });
    revisions
}

/// `nextRevision`: one more than the newest.
pub fn next_revision(revisions: &[ControllerRevision]) -> i64 {
    revisions.iter().map(|r| r.revision).max().unwrap_or(0) + 1
}

/// What a new revision is: its name, labels and data.
pub struct Snapshot {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub data: Value,
}

/// Makes sure the revision `snapshot` describes exists and is the owner's newest: an equal
/// revision found under that name is renumbered (a rollback to it), a new one is created.
/// Returns the revision, or `None` when the name is taken by different data (a hash
/// collision: the caller bumps its collisionCount and tries again).
pub fn ensure_current<K: Kind>(
    api: &mut ApiServer,
    owner: &K,
    revisions: &[ControllerRevision],
    snapshot: Snapshot,
) -> Result<ControllerRevision, Collision> {
    let namespace = owner.meta().namespace.clone().unwrap_or_default();
    let newest = revisions.iter().map(|r| r.revision).max().unwrap_or(0);
    if let Some(existing) =
        revisions.iter().find(|r| r.metadata.name.as_ref() == Some(&snapshot.name))
    {
        if existing.data.as_ref().map(|d| &d.0) != Some(&snapshot.data) {
            return Err(Collision);
        }
        if existing.revision == newest {
            return Ok(existing.clone());
        }
        let next = newest + 1;
        let _ = api.update::<ControllerRevision>(&namespace, &snapshot.name, |r| r.revision = next);
        let mut renumbered = existing.clone();
        renumbered.revision = next;
        return Ok(renumbered);
    }
    if let Ok(found) = api.get::<ControllerRevision>(&namespace, &snapshot.name) {
        // Someone else's revision by that name, or ours with other data.
        let found = found.clone();
        let ours = is_controlled_by(&found.metadata, owner.meta().uid.as_deref().unwrap_or(""));
        if !ours || found.data.as_ref().map(|d| &d.0) != Some(&snapshot.data) {
            return Err(Collision);
        }
        return Ok(found);
    }
    let revision = ControllerRevision {
        metadata: ObjectMeta {
            name: Some(snapshot.name),
            namespace: Some(namespace),
            labels: Some(snapshot.labels),
            annotations: owner.meta().annotations.clone(),
            owner_references: Some(vec![controller_ref(owner)]),
            ..Default::default()
        },
        data: Some(RawExtension(snapshot.data)),
        revision: newest + 1,
    };
    api.create(revision).map_err(|_| Collision)
}

/// A revision name already taken by other data.
#[derive(Debug)]
pub struct Collision;

/// `cleanupHistory`: deletes the oldest revisions no pod uses beyond `limit` of them.
pub fn truncate(
    api: &mut ApiServer,
    revisions: &[ControllerRevision],
    live: &BTreeSet<String>,
    limit: i32,
) {
    let old: Vec<&ControllerRevision> = revisions
        .iter()
        .filter(|r| !live.contains(r.metadata.name.as_deref().unwrap_or_default()))
        .collect();
    let excess = old.len().saturating_sub(limit.max(0) as usize);
    for revision in old.into_iter().take(excess) {
        let namespace = revision.metadata.namespace.clone().unwrap_or_default();
        let name = revision.metadata.name.clone().unwrap_or_default();
        let _ = api.delete::<ControllerRevision>(&namespace, &name, DeleteOptions::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_spelled_in_the_safe_alphabet() {
        let hash = compute_hash(&PodTemplateSpec::default(), None);
        assert!(hash.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{hash}");
        assert_ne!(hash, compute_hash(&PodTemplateSpec::default(), Some(1)));
    }

    #[test]
    fn a_revision_restores_the_template_it_was_made_from() {
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some([("app".to_string(), "web".to_string())].into()),
                ..Default::default()
            }),
            spec: None,
        };
        let revision = ControllerRevision {
            data: Some(RawExtension(template_patch(&template))),
            ..Default::default()
        };
        assert_eq!(template_of(&revision), Some(template));
    }
}
