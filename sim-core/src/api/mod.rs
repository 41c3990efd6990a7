//! The simulated API server: typed object storage with the real server's bookkeeping
//! (uid, resourceVersion, generation, creationTimestamp), defaulting, validation and events.
//!
//! Everything else in the simulation (controllers, kubelets, kubectl) reads and writes the
//! cluster only through this type, as real components only talk to kube-apiserver.

mod error;
mod events;
mod names;
mod pod;
mod store;

pub use error::{ApiError, FieldError, FieldErrorKind};
pub use events::{EventSource, EventType};
pub use names::NameRule;
pub use store::{ObjectKey, Store};

use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A kind the API server stores: where its objects live and the admission rules it gets.
pub trait Kind:
    k8s_openapi::Resource
    + k8s_openapi::Metadata<Ty = ObjectMeta>
    + Clone
    + PartialEq
    + Serialize
    + DeserializeOwned
    + 'static
{
    /// Whether objects of this kind live in a namespace.
    const NAMESPACED: bool;
    /// How `metadata.name` is validated.
    const NAME_RULE: NameRule;
    /// Whether the server maintains `metadata.generation` (kinds with a spec users change).
    const TRACKS_GENERATION: bool = false;

    fn store(api: &ApiServer) -> &Store<Self>;
    fn store_mut(api: &mut ApiServer) -> &mut Store<Self>;

    fn meta(&self) -> &ObjectMeta {
        self.metadata()
    }

    /// Fills in the defaults the API server's defaulting functions and admission plugins set.
    fn apply_defaults(&mut self) {}

    /// The kind-specific validation errors (names and metadata are checked for every kind).
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }
}

macro_rules! stored_in {
    ($field:ident) => {
        fn store(api: &ApiServer) -> &Store<Self> {
            &api.$field
        }
        fn store_mut(api: &mut ApiServer) -> &mut Store<Self> {
            &mut api.$field
        }
    };
}

impl Kind for Namespace {
    const NAMESPACED: bool = false;
    const NAME_RULE: NameRule = NameRule::Dns1123Label;
    stored_in!(namespaces);
}

impl Kind for Node {
    const NAMESPACED: bool = false;
    const NAME_RULE: NameRule = NameRule::Dns1123Subdomain;
    stored_in!(nodes);
}

impl Kind for Event {
    const NAMESPACED: bool = true;
    const NAME_RULE: NameRule = NameRule::PathSegment;
    stored_in!(events);
}

impl Kind for Pod {
    const NAMESPACED: bool = true;
    const NAME_RULE: NameRule = NameRule::Dns1123Subdomain;
    const TRACKS_GENERATION: bool = true;
    stored_in!(pods);

    fn apply_defaults(&mut self) {
        pod::apply_defaults(self);
    }

    fn validate(&self) -> Vec<FieldError> {
        pod::validate(self)
    }
}

/// The 5 random characters of `generateName` names come from this alphabet (no vowels, so no
/// words; no confusable characters), as in apimachinery's `rand.String`.
const NAME_SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiServer {
    /// The virtual time stamped on writes; set by the simulation, never read from a clock.
    now: SimTime,
    /// The cluster-wide resourceVersion counter (etcd's revision): bumped by every write.
    resource_version: u64,
    /// Draws uids and generated names.
    rng: Rng,
    namespaces: Store<Namespace>,
    nodes: Store<Node>,
    pods: Store<Pod>,
    events: Store<Event>,
    /// Event names by aggregation key, so a repeated event is found without a search.
    #[serde(skip)]
    event_names: BTreeMap<String, String>,
}

impl ApiServer {
    pub(crate) fn new(now: SimTime, rng: Rng) -> Self {
        ApiServer {
            now,
            resource_version: 0,
            rng,
            namespaces: Store::default(),
            nodes: Store::default(),
            pods: Store::default(),
            events: Store::default(),
            event_names: BTreeMap::new(),
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub(crate) fn set_now(&mut self, now: SimTime) {
        self.now = now;
    }

    /// The newest resourceVersion: it changes exactly when some object changed.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    fn next_resource_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    pub fn get<K: Kind>(&self, namespace: &str, name: &str) -> Result<&K, ApiError> {
        let namespace = if K::NAMESPACED { namespace } else { "" };
        K::store(self)
            .get(namespace, name)
            .ok_or_else(|| ApiError::NotFound {
                resource: K::URL_PATH_SEGMENT,
                name: name.to_string(),
            })
    }

    /// Objects of a kind written after resourceVersion `version` (a watch from that version).
    pub fn changed_since<K: Kind>(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        K::store(self).changed_since(version)
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
    pub fn create<K: Kind>(&mut self, mut object: K) -> Result<K, ApiError> {
        let meta = object.metadata_mut();
        if K::NAMESPACED {
            let namespace = meta
                .namespace
                .get_or_insert_with(|| "default".to_string())
                .clone();
            if self.namespaces.get("", &namespace).is_none() {
                return Err(ApiError::NotFound {
                    resource: "namespaces",
                    name: namespace,
                });
            }
        } else {
            meta.namespace = None;
        }
        let meta = object.metadata_mut();
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
        object.apply_defaults();
        let name = object.meta().name.clone().unwrap_or_default();
        let mut causes = validate_name::<K>(object.meta());
        causes.extend(object.validate());
        if !causes.is_empty() {
            return Err(ApiError::Invalid {
                kind: K::KIND,
                name,
                causes,
            });
        }
        let key = store::key_of(object.meta());
        if K::store(self).get(&key.0, &key.1).is_some() {
            return Err(ApiError::AlreadyExists {
                resource: K::URL_PATH_SEGMENT,
                name,
            });
        }
        let uid = self.rng.uuid();
        let resource_version = self.next_resource_version();
        let meta = object.metadata_mut();
        meta.uid = Some(uid);
        meta.resource_version = Some(resource_version);
        meta.creation_timestamp = Some(self.now.to_k8s());
        meta.generation = K::TRACKS_GENERATION.then_some(1);
        meta.deletion_timestamp = None;
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
        let namespace = if K::NAMESPACED { namespace } else { "" };
        let Some(stored) = K::store(self).get(namespace, name) else {
            return Err(ApiError::NotFound {
                resource: K::URL_PATH_SEGMENT,
                name: name.to_string(),
            });
        };
        let mut changed = stored.clone();
        change(&mut changed);
        if changed == *stored {
            return Ok(false);
        }
        self.resource_version += 1;
        changed.metadata_mut().resource_version = Some(self.resource_version.to_string());
        K::store_mut(self).put(changed);
        Ok(true)
    }
}

fn validate_name<K: Kind>(meta: &ObjectMeta) -> Vec<FieldError> {
    match meta.name.as_deref() {
        None | Some("") => vec![FieldError::required_because(
            "metadata.name",
            "name or generateName is required",
        )],
        Some(name) => K::NAME_RULE
            .problems(name)
            .into_iter()
            .map(|problem| FieldError::invalid("metadata.name", name, problem))
            .collect(),
    }
}
