//! Storage for one kind of object, ordered by namespace then name so that every list, and so
//! every reconcile loop and printed table, comes out in the same order on every run. It also
//! keeps a watch index: which object was written at which resourceVersion, so a component can
//! ask what changed since it last looked instead of reading everything again.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
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

/// What the store needs of any object. Objects are kept behind this one vtable so the store's
/// bookkeeping (maps, watch index, tombstones) is compiled once, not once per kind: that code
/// was a tenth of the WebAssembly's per-kind copies.
trait Stored: Any {
    fn stored_meta(&self) -> &ObjectMeta;
}

impl<K: Object + 'static> Stored for K {
    fn stored_meta(&self) -> &ObjectMeta {
        self.meta()
    }
}

type Shared = Rc<dyn Stored>;

/// The object of type `K` behind a stored one (every object in a `Store<K>` is a `K`).
fn typed<K: 'static>(object: &Shared) -> Option<&K> {
    (&**object as &dyn Any).downcast_ref::<K>()
}

fn typed_rc<K: 'static>(object: Shared) -> Option<Rc<K>> {
    (object as Rc<dyn Any>).downcast::<K>().ok()
}

/// The kind-independent part of a store.
#[derive(Clone, Default)]
struct Objects {
    /// By namespace, then name: looked up without building a key. Shared, so a component can
    /// hold an object while it writes others (a write copies it only then).
    objects: BTreeMap<String, BTreeMap<String, Shared>>,
    /// The object last written at each resourceVersion (derived from `objects`): a watch reads
    /// what changed without looking each object up by name.
    by_version: BTreeMap<u64, Shared>,
    /// Deleted objects by the resourceVersion of their deletion, so watchers see deletions.
    /// Not saved: a saved simulation is settled, so every watcher has seen them already.
    tombstones: BTreeMap<u64, Shared>,
    /// The resourceVersion of the latest write or removal (derived), so "did anything of this
    /// kind change since" is answered without a search.
    latest: u64,
}

impl Objects {
    fn get(&self, namespace: &str, name: &str) -> Option<&Shared> {
        self.objects.get(namespace)?.get(name)
    }

    fn put(&mut self, object: Shared) {
        let meta = object.stored_meta();
        let (namespace, name) = key_of(meta);
        let version = version_of(meta);
        self.latest = self.latest.max(version);
        // The namespace's name is copied only for a new namespace (`entry` would take a copy).
        if !self.objects.contains_key(&namespace) {
            self.objects.insert(namespace.clone(), BTreeMap::new());
        }
        let Some(objects) = self.objects.get_mut(&namespace) else { return };
        if let Some(old) = objects.insert(name, Rc::clone(&object)) {
            self.by_version.remove(&version_of(old.stored_meta()));
        }
        self.by_version.insert(version, object);
    }

    /// Changes an object in place and files it under resourceVersion `version`. Returns whether
    /// it exists.
    fn modify(
        &mut self,
        namespace: &str,
        name: &str,
        version: u64,
        change: impl FnOnce(&mut Shared),
    ) -> bool {
        let Some(object) = self.objects.get_mut(namespace).and_then(|o| o.get_mut(name)) else {
            return false;
        };
        // Out of the watch index first, so the index's reference does not force a copy.
        let indexed = self.by_version.remove(&version_of(object.stored_meta())).is_some();
        change(object);
        self.latest = self.latest.max(version);
        if indexed {
            self.by_version.insert(version, Rc::clone(object));
        }
        true
    }

    fn remove(&mut self, namespace: &str, name: &str, version: u64) -> Option<Shared> {
        let in_namespace = self.objects.get_mut(namespace)?;
        let object = in_namespace.remove(name)?;
        if in_namespace.is_empty() {
            self.objects.remove(namespace);
        }
        self.by_version.remove(&version_of(object.stored_meta()));
        self.tombstones.insert(version, Rc::clone(&object));
        self.latest = self.latest.max(version);
        Some(object)
    }

    fn list<'a>(&'a self, namespace: Option<&'a str>) -> impl Iterator<Item = &'a Shared> + 'a {
        self.objects
            .iter()
            .filter(move |(ns, _)| namespace.is_none_or(|want| *ns == want))
            .flat_map(|(_, objects)| objects.values())
    }

    fn changed_since(&self, version: u64) -> impl Iterator<Item = &Shared> + '_ {
        self.by_version.range(version + 1..).map(|(_, object)| object)
    }
}

/// The objects of one kind.
pub struct Store<K> {
    objects: Objects,
    kind: PhantomData<fn() -> K>,
}

impl<K> Default for Store<K> {
    fn default() -> Self {
        Store { objects: Objects::default(), kind: PhantomData }
    }
}

impl<K> Clone for Store<K> {
    fn clone(&self) -> Self {
        Store { objects: self.objects.clone(), kind: PhantomData }
    }
}

impl<K: Object + fmt::Debug + 'static> fmt::Debug for Store<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.list(None)).finish()
    }
}

impl<K: Object + 'static> Store<K> {
    pub fn get(&self, namespace: &str, name: &str) -> Option<&K> {
        typed(self.objects.get(namespace, name)?)
    }

    /// The object itself, to keep while the store changes.
    pub fn get_shared(&self, namespace: &str, name: &str) -> Option<Rc<K>> {
        typed_rc(Rc::clone(self.objects.get(namespace, name)?))
    }

    /// Stores `object` (created or replaced) under its key and current resourceVersion.
    pub(crate) fn put(&mut self, object: K) {
        self.objects.put(Rc::new(object));
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
        self.objects.modify(namespace, name, version, |object| {
            // `Rc::make_mut`: copy the object only if someone else holds it.
            if Rc::get_mut(object).is_none()
                && let Some(copy) = typed::<K>(object).cloned()
            {
                *object = Rc::new(copy);
            }
            if let Some(object) =
                Rc::get_mut(object).and_then(|o| (o as &mut dyn Any).downcast_mut::<K>())
            {
                change(object);
                object.meta_mut().resource_version = Some(version.to_string());
            }
        })
    }

    /// Removes an object; `version` is the resourceVersion of the deletion.
    pub(crate) fn remove(&mut self, namespace: &str, name: &str, version: u64) -> Option<K> {
        typed_rc(self.objects.remove(namespace, name, version)?).map(Rc::unwrap_or_clone)
    }

    /// Whether any object was written or removed after resourceVersion `version`.
    pub fn changed_after(&self, version: u64) -> bool {
        self.objects.latest > version
    }

    /// The last state of objects deleted after resourceVersion `version`.
    pub fn deleted_since(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        self.tombstones_since(version).map(|(_, object)| object)
    }

    /// The same with the resourceVersion of each deletion.
    pub fn tombstones_since(&self, version: u64) -> impl Iterator<Item = (u64, &K)> + '_ {
        self.objects
            .tombstones
            .range(version + 1..)
            .filter_map(|(at, object)| Some((*at, typed(object)?)))
    }

    /// All objects, or those of one namespace, in key order.
    pub fn list<'a>(&'a self, namespace: Option<&'a str>) -> impl Iterator<Item = &'a K> + 'a {
        self.objects.list(namespace).filter_map(typed)
    }

    /// Objects written after resourceVersion `version`, oldest write first.
    pub fn changed_since(&self, version: u64) -> impl Iterator<Item = &K> + '_ {
        self.objects.changed_since(version).filter_map(typed)
    }
}

/// Saved as a plain list of objects: keys and the watch index are derived from the objects.
impl<K: Object + Serialize + 'static> Serialize for Store<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.list(None))
    }
}

impl<'de, K: Object + DeserializeOwned + 'static> Deserialize<'de> for Store<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut store = Store::default();
        for object in Vec::<K>::deserialize(deserializer)? {
            store.put(object);
        }
        Ok(store)
    }
}
