//! Storage for one kind of object, ordered by namespace then name so that every list, and so
//! every reconcile loop and printed table, comes out in the same order on every run.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Where an object lives: its namespace (empty for cluster-scoped kinds) and name.
pub type ObjectKey = (String, String);

pub fn key_of(meta: &ObjectMeta) -> ObjectKey {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

#[derive(Clone, Debug, PartialEq)]
pub struct Store<K> {
    objects: BTreeMap<ObjectKey, K>,
}

impl<K> Default for Store<K> {
    fn default() -> Self {
        Store {
            objects: BTreeMap::new(),
        }
    }
}

impl<K> Store<K> {
    pub fn get(&self, namespace: &str, name: &str) -> Option<&K> {
        self.objects.get(&(namespace.to_string(), name.to_string()))
    }

    pub(crate) fn get_mut(&mut self, namespace: &str, name: &str) -> Option<&mut K> {
        self.objects
            .get_mut(&(namespace.to_string(), name.to_string()))
    }

    pub(crate) fn insert(&mut self, key: ObjectKey, object: K) {
        self.objects.insert(key, object);
    }

    /// All objects, or those of one namespace, in key order.
    pub fn list<'a>(&'a self, namespace: Option<&'a str>) -> impl Iterator<Item = &'a K> + 'a {
        self.objects
            .iter()
            .filter(move |((ns, _), _)| namespace.is_none_or(|want| ns == want))
            .map(|(_, object)| object)
    }
}

/// Saved as a plain list of objects: the keys are derived from each object's metadata.
impl<K: Serialize> Serialize for Store<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.objects.values())
    }
}

impl<'de, K: DeserializeOwned + super::Kind> Deserialize<'de> for Store<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let objects: Vec<K> = Vec::deserialize(deserializer)?;
        Ok(Store {
            objects: objects.into_iter().map(|o| (key_of(o.meta()), o)).collect(),
        })
    }
}
