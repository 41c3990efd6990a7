//! Storage for one kind of object, ordered by namespace then name so that every list, and so
//! every reconcile loop and printed table, comes out in the same order on every run. It also
//! keeps a watch index: which object was written at which resourceVersion, so a component can
//! ask what changed since it last looked instead of reading everything again.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Anything stored: a typed object, or a custom resource held as JSON.
pub trait Object: Clone {
    fn meta(&self) -> &ObjectMeta;
}

impl<K: k8s_openapi::Metadata<Ty = ObjectMeta> + Clone> Object for K {
    fn meta(&self) -> &ObjectMeta {
        self.metadata()
    }
}

/// A typed object whose metadata can be changed in place.
pub trait ObjectMut: Object {
    fn meta_mut(&mut self) -> &mut ObjectMeta;
}

impl<K: k8s_openapi::Metadata<Ty = ObjectMeta> + Clone> ObjectMut for K {
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        self.metadata_mut()
    }
}

/// Where an object lives: its namespace (empty for cluster-scoped kinds) and name.
pub type ObjectKey = (String, String);

pub fn key_of(meta: &ObjectMeta) -> ObjectKey {
    (meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

fn version_of(meta: &ObjectMeta) -> u64 {
    meta.resource_version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0)
}

#[derive(Clone, Debug)]
pub struct Store<K> {
    /// By namespace, then name: looked up without building a key. Shared, so a component can
    /// hold an object while it writes others (a write copies it only then).
    objects: BTreeMap<String, BTreeMap<String, Rc<K>>>,
    /// The key of the object last written at each resourceVersion (derived from `objects`).
    by_version: BTreeMap<u64, ObjectKey>,
    /// Deleted objects by the resourceVersion of their deletion, so watchers see deletions.
    /// Not saved: a saved simulation is settled, so every watcher has seen them already.
    tombstones: BTreeMap<u64, Rc<K>>,
    /// The resourceVersion of the latest write or removal (derived), so "did anything of this
    /// kind change since" is answered without a search.
    latest: u64,
}

impl<K> Default for Store<K> {
    fn default() -> Self {
        Store {
            objects: BTreeMap::new(),
            by_version: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            latest: 0,
        }
    }
}

impl<K: Object> Store<K> {
    pub fn get(&self, namespace: &str, name: &str) -> Option<&K> {
        self.objects.get(namespace)?.get(name).map(|object| &**object)
    }

    /// The object itself, to keep while the store changes.
    pub fn get_shared(&self, namespace: &str, name: &str) -> Option<Rc<K>> {
        self.objects.get(namespace)?.get(name).cloned()
    }

    /// Stores `object` (created or replaced) under its key and current resourceVersion.
    pub(crate) fn put(&mut self, object: K) {
        let key = key_of(object.meta());
        if let Some(old) = self.get(&key.0, &key.1) {
            self.by_version.remove(&version_of(old.meta()));
        }
        self.latest = self.latest.max(version_of(object.meta()));
        self.by_version.insert(version_of(object.meta()), key.clone());
        self.objects.entry(key.0).or_default().insert(key.1, Rc::new(object));
    }

    /// Changes an object in place and files it under resourceVersion `version` (for writes
    /// known to change it, which need no copy to compare against). Returns whether it exists.
    pub(crate) fn modify(
        &mut self,
        namespace: &str,
        name: &str,
        version: u64,
        change: impl FnOnce(&mut K),
    ) -> bool
    where
        K: ObjectMut,
    {
        let Some(object) = self.objects.get_mut(namespace).and_then(|m| m.get_mut(name)) else {
            return false;
        };
        let key = self.by_version.remove(&version_of(object.meta()));
        let object = Rc::make_mut(object);
        change(object);
        object.meta_mut().resource_version = Some(version.to_string());
        self.latest = self.latest.max(version);
        if let Some(key) = key {
            self.by_version.insert(version, key);
        }
        true
    }

    /// Removes an object; `version` is the resourceVersion of the deletion.
    pub(crate) fn remove(&mut self, namespace: &str, name: &str, version: u64) -> Option<K> {
        let in_namespace = self.objects.get_mut(namespace)?;
        let object = in_namespace.remove(name)?;
        if in_namespace.is_empty() {
            self.objects.remove(namespace);
        }
        self.by_version.remove(&version_of(object.meta()));
        self.tombstones.insert(version, Rc::clone(&object));
        self.latest = self.latest.max(version);
        Some(Rc::unwrap_or_clone(object))
    }

    /// Whether any object was written or removed after resourceVersion `version`.
    pub fn changed_after(&self, version: u64) -> bool {
        self.latest > version
    }

    /// The last state of objects deleted after resourceVersion `version`.
    pub fn deleted_since(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        self.tombstones.range(version + 1..).map(|(_, object)| &**object)
    }

    /// The same with the resourceVersion of each deletion.
    pub fn tombstones_since(&self, version: u64) -> impl Iterator<Item = (u64, &K)> + '_ {
        self.tombstones.range(version + 1..).map(|(at, object)| (*at, &**object))
    }

    /// All objects, or those of one namespace, in key order.
    pub fn list<'a>(&'a self, namespace: Option<&'a str>) -> impl Iterator<Item = &'a K> + 'a {
        self.objects
            .iter()
            .filter(move |(ns, _)| namespace.is_none_or(|want| *ns == want))
            .flat_map(|(_, objects)| objects.values().map(|object| &**object))
    }

    /// Objects written after resourceVersion `version`, oldest write first.
    pub fn changed_since(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        self.by_version.range(version + 1..).filter_map(|(_, (ns, name))| self.get(ns, name))
    }
}

/// Saved as a plain list of objects: keys and the watch index are derived from the objects.
impl<K: Serialize> Serialize for Store<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.objects.values().flat_map(BTreeMap::values).map(|o| &**o))
    }
}

impl<'de, K: Object + DeserializeOwned> Deserialize<'de> for Store<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut store = Store::default();
        for object in Vec::<K>::deserialize(deserializer)? {
            store.put(object);
        }
        Ok(store)
    }
}
