//! The simulated API server: typed object storage with the real server's bookkeeping
//! (uid, resourceVersion, generation, creationTimestamp, deletionTimestamp), admission
//! (defaulting and validation), graceful deletion, and events.
//!
//! Everything else in the simulation (controllers, kubelets, kubectl) reads and writes the
//! cluster only through this type, as real components only talk to kube-apiserver.

pub mod admission;
mod custom;
pub mod decode;
mod error;
mod events;
mod eviction;
pub mod http;
pub mod kinds;
pub mod metrics;
mod names;
pub mod rbac;
mod schema;
pub mod selector;
mod store;
pub mod tokens;

pub use custom::{CustomKind, CustomObject};
pub use error::{ApiError, FieldError, FieldErrorKind};
pub(crate) use events::event_reference;
pub use events::{EventSource, EventType};
pub use eviction::DISRUPTION_BUDGET_VIOLATED;
pub use kinds::{DynamicKind, Kind, KindRef};
pub use names::NameRule;
pub use store::{Object, ObjectKey, Store, key_of};

use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kinds::Stores;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// The 5 random characters of `generateName` names come from this alphabet (no vowels, so no
/// words; no confusable characters), as in apimachinery's `rand.String`.
pub(crate) const NAME_SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// What happens to the dependents of a deleted object (`propagationPolicy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// The garbage collector deletes the dependents after the owner is gone.
    #[default]
    Background,
    /// The dependents lose their owner reference and stay.
    Orphan,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// `--grace-period`: overrides the pod's `terminationGracePeriodSeconds`; 0 deletes at once.
    pub grace_period_seconds: Option<i64>,
    pub propagation: Propagation,
}

/// The outcome of a delete request.
#[derive(Clone, Debug, PartialEq)]
pub enum Deleted<K> {
    /// Removed from storage.
    Gone(K),
    /// Marked with a deletionTimestamp; a component finishes the deletion (a kubelet stopping
    /// the pod's containers, the namespace controller emptying a namespace).
    Terminating(K),
}

/// How a kind's objects are deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionMode {
    Immediate,
    /// Kept, marked, for this many seconds at most, while something cleans up.
    Graceful {
        grace_period_seconds: i64,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiServer {
    /// The virtual time stamped on writes; set by the simulation, never read from a clock.
    now: SimTime,
    /// The cluster-wide resourceVersion counter (etcd's revision): bumped by every write.
    resource_version: u64,
    /// The resourceVersion of the latest removal: the garbage collector has nothing to do until
    /// it moves.
    last_removal: u64,
    /// Draws uids, generated names and allocated IPs and ports.
    rng: Rng,
    stores: Stores,
    /// Custom objects, by the name of the CRD that defines them.
    #[serde(default)]
    custom: BTreeMap<String, Store<CustomObject>>,
    /// Event names by aggregation key, so a repeated event is found without a search. Not
    /// saved: rebuilt from the stored events when first needed after a restore.
    #[serde(skip)]
    event_names: Option<BTreeMap<String, String>>,
    /// The event recorders' spam filter: a token bucket per source and object.
    #[serde(default)]
    event_buckets: BTreeMap<String, events::TokenBucket>,
    /// The resource metrics API's answers, by namespace and pod (see `metrics.rs`).
    #[serde(default)]
    pod_metrics: BTreeMap<String, BTreeMap<String, metrics::PodMetrics>>,
    /// The key service account tokens are signed with (see `tokens.rs`).
    #[serde(default)]
    service_account_key: String,
    /// The key's id (derived from the key, so not saved), worked out at the first token.
    #[serde(skip)]
    service_account_key_id: OnceCell<String>,
}

impl ApiServer {
    pub(crate) fn new(now: SimTime, rng: Rng) -> Self {
        ApiServer {
            now,
            resource_version: 0,
            last_removal: 0,
            rng,
            stores: Stores::default(),
            custom: BTreeMap::new(),
            event_names: Some(BTreeMap::new()),
            event_buckets: BTreeMap::new(),
            pod_metrics: BTreeMap::new(),
            service_account_key: String::new(),
            service_account_key_id: OnceCell::new(),
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub(crate) fn set_now(&mut self, now: SimTime) {
        self.now = now;
    }

    pub(crate) fn rng_mut(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// The resourceVersion of the latest removal of any object.
    pub fn last_removal(&self) -> u64 {
        self.last_removal
    }

    /// The newest resourceVersion: it changes exactly when some object changed.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    fn next_resource_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    fn not_found<K: Kind>(name: &str) -> ApiError {
        ApiError::NotFound { resource: K::qualified_resource(), name: name.to_string() }
    }

    pub fn get<K: Kind>(&self, namespace: &str, name: &str) -> Result<&K, ApiError> {
        let namespace = if K::NAMESPACED { namespace } else { "" };
        K::store(self).get(namespace, name).ok_or_else(|| Self::not_found::<K>(name))
    }

    /// The stored object itself, for a component that keeps it while it writes: no copy.
    pub fn get_shared<K: Kind>(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<std::rc::Rc<K>, ApiError> {
        let namespace = if K::NAMESPACED { namespace } else { "" };
        K::store(self).get_shared(namespace, name).ok_or_else(|| Self::not_found::<K>(name))
    }

    /// Whether any object of a kind was written or removed after resourceVersion `version`:
    /// components that care about a few kinds skip passes where only others changed.
    pub fn kind_changed_since<K: Kind>(&self, version: u64) -> bool {
        K::store(self).changed_after(version)
    }

    /// Objects of a kind written after resourceVersion `version` (a watch from that version).
    pub fn changed_since<K: Kind>(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        K::store(self).changed_since(version)
    }

    /// The last state of objects of a kind deleted after resourceVersion `version`.
    pub fn deleted_since<K: Kind>(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        K::store(self).deleted_since(version)
    }

    /// Objects of a kind, in one namespace or (with `None`) in all, ordered by namespace and name.
    pub fn list<'a, K: Kind>(
        &'a self,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a K> + 'a {
        K::store(self).list(if K::NAMESPACED { namespace } else { None })
    }

    /// Creates an object as `POST` does: names it (from `generateName` if needed), defaults and
    /// validates it, stamps the server-owned metadata, and returns what was stored.
    pub fn create<K: Kind>(&mut self, object: K) -> Result<K, ApiError> {
        self.create_inner(object, None)
    }

    /// [`Self::create`] with a uid the caller drew from its own random stream: objects that
    /// appear on a timer of their own (a node's Lease) then leave the uids and addresses every
    /// other object gets as they were.
    pub(crate) fn create_with_uid<K: Kind>(
        &mut self,
        object: K,
        uid: String,
    ) -> Result<K, ApiError> {
        self.create_inner(object, Some(uid))
    }

    fn create_inner<K: Kind>(&mut self, object: K, uid: Option<String>) -> Result<K, ApiError> {
        let object = self.admit_new(object, uid)?;
        K::store_mut(self).put(object.clone());
        Ok(object)
    }

    /// Stores a new object without handing a copy back (the event recorder's many writes,
    /// `kubectl apply`'s creations); the object's name, or why it was refused.
    pub(crate) fn create_named<K: Kind>(&mut self, object: K) -> Result<String, ApiError> {
        let object = self.admit_new(object, None)?;
        let name = object.meta().name.clone().unwrap_or_default();
        K::store_mut(self).put(object);
        Ok(name)
    }

    /// Everything `POST` does before the write: the object as it will be stored.
    fn admit_new<K: Kind>(&mut self, mut object: K, uid: Option<String>) -> Result<K, ApiError> {
        let resource = K::qualified_resource();
        self.admit_scope(object.metadata_mut(), K::NAMESPACED, &resource)?;
        self.generate_name(object.metadata_mut());
        let name = object.meta().name.clone().unwrap_or_default();
        let mut causes = validate_name(K::NAME_RULE, object.meta());
        causes.extend(validate_labels(object.meta()));
        if causes.is_empty() {
            let meta = object.meta();
            let namespace = meta.namespace.as_deref().unwrap_or_default();
            if K::store(self).get(namespace, &name).is_some() {
                return Err(ApiError::AlreadyExists { resource, name });
            }
        }
        // Server-owned metadata, set before admission (a Job's selector is built from its uid).
        self.stamp_new(object.metadata_mut(), K::TRACKS_GENERATION, uid);
        object.apply_defaults();
        causes.extend(object.validate());
        if !causes.is_empty() {
            return Err(ApiError::Invalid {
                kind: K::KIND.into(),
                group: K::GROUP.into(),
                name,
                causes,
            });
        }
        object.allocate(self)?;
        object.metadata_mut().resource_version = Some(self.next_resource_version());
        Ok(object)
    }

    /// Puts a new object in its namespace (`default` if it names none), which must exist and not
    /// be terminating; takes the namespace off objects of cluster-scoped kinds.
    fn admit_scope(
        &self,
        meta: &mut ObjectMeta,
        namespaced: bool,
        resource: &str,
    ) -> Result<(), ApiError> {
        if !namespaced {
            meta.namespace = None;
            return Ok(());
        }
        let namespace = meta.namespace.get_or_insert_with(|| "default".to_string()).clone();
        let Some(found) = self.stores.namespaces.get("", &namespace) else {
            return Err(ApiError::NotFound { resource: "namespaces".into(), name: namespace });
        };
        if found.metadata.deletion_timestamp.is_some() {
            let name = meta.name.clone().or(meta.generate_name.clone()).unwrap_or_default();
            return Err(ApiError::Forbidden(format!(
                "{resource} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated"
            )));
        }
        Ok(())
    }

    /// Names an object from its `generateName` when it has no name.
    fn generate_name(&mut self, meta: &mut ObjectMeta) {
        if meta.name.as_deref().unwrap_or_default().is_empty()
            && let Some(prefix) = meta.generate_name.clone().filter(|p| !p.is_empty())
        {
            let suffix: String = (0..5)
                .map(|_| {
                    let i = self.rng.below(NAME_SUFFIX_ALPHABET.len() as u64) as usize;
                    char::from(NAME_SUFFIX_ALPHABET[i])
                })
                .collect();
            meta.name = Some(format!("{prefix}{suffix}"));
        }
    }

    /// The metadata the server owns on a new object; the resourceVersion comes at the write.
    fn stamp_new(&mut self, meta: &mut ObjectMeta, tracks_generation: bool, uid: Option<String>) {
        meta.uid = Some(uid.unwrap_or_else(|| self.rng.uuid()));
        meta.creation_timestamp = Some(self.now.to_k8s());
        meta.generation = tracks_generation.then_some(1);
        meta.deletion_timestamp = None;
        meta.deletion_grace_period_seconds = None;
        meta.resource_version = None;
    }

    /// Replaces an object as `PUT` does: the client's spec and metadata, the server's status,
    /// uid and timestamps; immutable fields are checked, generation moves when the spec does, a
    /// stale resourceVersion is a conflict, and an identical object is not written at all.
    pub fn replace<K: Kind>(&mut self, mut object: K) -> Result<K, ApiError> {
        let namespace = if K::NAMESPACED {
            object.meta().namespace.clone().unwrap_or_else(|| "default".into())
        } else {
            String::new()
        };
        let name = object.meta().name.clone().unwrap_or_default();
        let old = self.get::<K>(&namespace, &name)?.clone();
        if let Some(version) = object.meta().resource_version.as_deref().filter(|v| !v.is_empty())
            && Some(version) != old.meta().resource_version.as_deref()
        {
            return Err(ApiError::Conflict { resource: K::qualified_resource(), name });
        }
        let old_meta = old.meta().clone();
        let meta = object.metadata_mut();
        meta.namespace = old_meta.namespace.clone();
        meta.uid = old_meta.uid.clone();
        meta.creation_timestamp = old_meta.creation_timestamp.clone();
        meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
        meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
        meta.generation = old_meta.generation;
        meta.resource_version = old_meta.resource_version.clone();
        object.apply_defaults();
        object.prepare_for_update(&old);
        let mut object_value =
            serde_json::to_value(&object).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let old_value =
            serde_json::to_value(&old).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        // The status belongs to the server's controllers: a PUT of the object keeps it.
        if let (Some(map), Some(status)) = (object_value.as_object_mut(), old_value.get("status")) {
            map.insert("status".into(), status.clone());
        }
        let spec_changed = object_value.get("spec") != old_value.get("spec");
        object = K::deserialize(&object_value).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let mut causes = validate_labels(object.meta());
        causes.extend(object.validate());
        causes.extend(object.validate_update(&old));
        if !causes.is_empty() {
            return Err(ApiError::Invalid {
                kind: K::KIND.into(),
                group: K::GROUP.into(),
                name,
                causes,
            });
        }
        if object == old {
            return Ok(old);
        }
        object.admit_update(&old, self)?;
        if spec_changed && K::TRACKS_GENERATION {
            let meta = object.metadata_mut();
            meta.generation = Some(meta.generation.unwrap_or(0) + 1);
        }
        if object.meta().deletion_timestamp.is_some()
            && object.meta().finalizers.as_ref().is_none_or(Vec::is_empty)
            && object.deletion_mode(None) == DeletionMode::Immediate
        {
            // The last finalizer is gone: the deletion it held back completes.
            let mut removed = self.remove::<K>(&namespace, &name)?;
            removed.metadata_mut().resource_version = Some(self.resource_version.to_string());
            return Ok(removed);
        }
        object.metadata_mut().resource_version = Some(self.next_resource_version());
        K::store_mut(self).put(object.clone());
        Ok(object)
    }

    /// Changes a stored object in place, as a controller's update or status update does. The
    /// resourceVersion moves only when something actually changed (the real server skips no-op
    /// writes too). Returns whether it changed.
    pub(crate) fn update<K: Kind>(
        &mut self,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut K),
    ) -> Result<bool, ApiError> {
        let stored = self.get::<K>(namespace, name)?;
        let mut changed = stored.clone();
        change(&mut changed);
        if changed == *stored {
            return Ok(false);
        }
        changed.metadata_mut().resource_version = Some(self.next_resource_version());
        K::store_mut(self).put(changed);
        Ok(true)
    }

    /// A controller's change to an object's spec (a Deployment scaling its ReplicaSet): as
    /// [`Self::update`], and the generation moves as it does for any spec change.
    pub(crate) fn update_spec<K: Kind>(
        &mut self,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut K),
    ) -> Result<bool, ApiError> {
        self.update::<K>(namespace, name, |object| {
            let before = object.clone();
            change(object);
            if K::TRACKS_GENERATION && *object != before {
                let meta = object.metadata_mut();
                meta.generation = Some(meta.generation.unwrap_or(0) + 1);
            }
        })
    }

    /// Changes a stored object in place for a writer that already knows the change is real
    /// (the kubelet compares the status it derived with the one stored): no copy to compare
    /// against. Returns the object's new resourceVersion.
    pub(crate) fn write<K: Kind>(
        &mut self,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut K),
    ) -> Result<u64, ApiError> {
        let version = self.resource_version + 1;
        let store_namespace = if K::NAMESPACED { namespace } else { "" };
        if !K::store_mut(self).modify(store_namespace, name, version, change) {
            return Err(Self::not_found::<K>(name));
        }
        self.resource_version = version;
        Ok(version)
    }

    /// Deletes an object as `DELETE` does: pods on a node and namespaces are marked and
    /// finished later by the kubelet or the namespace controller; everything else goes at once.
    pub fn delete<K: Kind>(
        &mut self,
        namespace: &str,
        name: &str,
        options: DeleteOptions,
    ) -> Result<Deleted<K>, ApiError> {
        let current = self.get::<K>(namespace, name)?.clone();
        let has_finalizers = current.meta().finalizers.as_ref().is_some_and(|f| !f.is_empty());
        let mode = match current.deletion_mode(options.grace_period_seconds) {
            DeletionMode::Immediate if has_finalizers => {
                DeletionMode::Graceful { grace_period_seconds: 0 }
            }
            mode => mode,
        };
        if options.propagation == Propagation::Orphan
            && let Some(uid) = current.meta().uid.clone()
        {
            self.orphan_dependents(&uid);
        }
        if current.meta().deletion_timestamp.is_some() {
            // Already going: only a shorter grace period (a forced delete) changes anything.
            if mode != DeletionMode::Immediate {
                return Ok(Deleted::Terminating(current));
            }
        } else if let DeletionMode::Graceful { grace_period_seconds } = mode {
            let deadline =
                self.now + std::time::Duration::from_secs(grace_period_seconds.max(0) as u64);
            self.update::<K>(namespace, name, |object| {
                let meta = object.metadata_mut();
                meta.deletion_timestamp = Some(deadline.to_k8s());
                meta.deletion_grace_period_seconds = Some(grace_period_seconds);
                if K::TRACKS_GENERATION {
                    meta.generation = Some(meta.generation.unwrap_or(0) + 1);
                }
            })?;
            return Ok(Deleted::Terminating(self.get::<K>(namespace, name)?.clone()));
        }
        Ok(Deleted::Gone(self.remove::<K>(namespace, name)?))
    }

    /// Removes an object from storage: the last step of every deletion.
    pub(crate) fn remove<K: Kind>(&mut self, namespace: &str, name: &str) -> Result<K, ApiError> {
        let namespace = if K::NAMESPACED { namespace } else { "" };
        let version = self.resource_version + 1;
        let removed = K::store_mut(self)
            .remove(namespace, name, version)
            .ok_or_else(|| Self::not_found::<K>(name))?;
        self.resource_version = version;
        self.last_removal = version;
        self.drop_undefined_custom_objects();
        Ok(removed)
    }

    /// Drops owner references to `owner_uid` from every object (`--cascade=orphan`).
    fn orphan_dependents(&mut self, owner_uid: &str) {
        for kind in self.kinds() {
            for (namespace, name) in kind.dependents_of(self, owner_uid) {
                kind.drop_owner(self, &namespace, &name, owner_uid);
            }
        }
    }

    /// Whether `namespace` exists and is not being deleted.
    pub fn namespace_is_active(&self, namespace: &str) -> bool {
        self.stores
            .namespaces
            .get("", namespace)
            .is_some_and(|n| n.metadata.deletion_timestamp.is_none())
    }
}

/// Why `key=value` cannot be a label (kubectl checks before sending); empty when it can.
pub fn label_problems(key: &str, value: &str) -> Vec<String> {
    let mut problems = names::qualified_name_problems(key);
    problems.extend(names::label_value_problems(value));
    problems
}

/// Label keys and values, and annotation keys, as every kind's metadata validation checks them.
fn validate_labels(meta: &ObjectMeta) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (key, value) in meta.labels.iter().flatten() {
        for problem in names::qualified_name_problems(key) {
            errors.push(FieldError::invalid("metadata.labels", key, problem));
        }
        for problem in names::label_value_problems(value) {
            errors.push(FieldError::invalid("metadata.labels", value, problem));
        }
    }
    for key in meta.annotations.iter().flatten().map(|(k, _)| k) {
        for problem in names::qualified_name_problems(key) {
            errors.push(FieldError::invalid("metadata.annotations", key, problem));
        }
    }
    errors
}

fn validate_name(rule: NameRule, meta: &ObjectMeta) -> Vec<FieldError> {
    match meta.name.as_deref() {
        None | Some("") => {
            vec![FieldError::required_because("metadata.name", "name or generateName is required")]
        }
        Some(name) => rule
            .problems(name)
            .into_iter()
            .map(|problem| FieldError::invalid("metadata.name", name, problem))
            .collect(),
    }
}
