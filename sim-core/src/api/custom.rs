//! Custom resources: the kinds CustomResourceDefinitions add. Their objects are JSON with typed
//! metadata, checked against the CRD's openAPIV3Schema, and get the same bookkeeping (uid,
//! resourceVersion, generation, finalizers, owner references) as the built-in kinds.

use super::kinds::{DynamicKind, qualify};
use super::{
    ApiError, ApiServer, DeleteOptions, Deleted, FieldError, NameRule, Object, Propagation, Store,
    schema, store, validate_labels, validate_name,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionVersion,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A stored custom object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomObject {
    pub metadata: ObjectMeta,
    /// Everything else: apiVersion, kind, spec, status and any other top-level field.
    #[serde(flatten)]
    pub content: Map<String, Value>,
}

impl Object for CustomObject {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// One served version of a custom resource, as discovery and kubectl see it.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomKind {
    /// The CRD's name, `crontabs.stable.example.com`: its objects are stored under it.
    pub crd: String,
    pub group: String,
    pub version: String,
    pub api_version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    /// `additionalPrinterColumns`: what `kubectl get` shows after NAME.
    pub columns: Vec<CustomResourceColumnDefinition>,
    /// Whether the status is a subresource, which a write of the object itself leaves alone.
    status_subresource: bool,
    schema: Value,
}

impl CustomKind {
    fn new(crd: &CustomResourceDefinition, version: &CustomResourceDefinitionVersion) -> Self {
        let spec = &crd.spec;
        let names = &spec.names;
        CustomKind {
            crd: crd.metadata.name.clone().unwrap_or_default(),
            group: spec.group.clone(),
            version: version.name.clone(),
            api_version: format!("{}/{}", spec.group, version.name),
            kind: names.kind.clone(),
            plural: names.plural.clone(),
            singular: names.singular.clone().unwrap_or_else(|| names.kind.to_lowercase()),
            short_names: names.short_names.clone().unwrap_or_default(),
            categories: names.categories.clone().unwrap_or_default(),
            namespaced: spec.scope == "Namespaced",
            columns: version.additional_printer_columns.clone().unwrap_or_default(),
            status_subresource: version.subresources.as_ref().is_some_and(|s| s.status.is_some()),
            schema: version
                .schema
                .as_ref()
                .and_then(|s| s.open_api_v3_schema.as_ref())
                .and_then(|s| serde_json::to_value(s).ok())
                .unwrap_or(Value::Null),
        }
    }

    /// The versions a CRD serves, the preferred one (the one kubectl uses) first.
    pub fn served_by(crd: &CustomResourceDefinition) -> Vec<CustomKind> {
        let mut versions: Vec<&CustomResourceDefinitionVersion> =
            crd.spec.versions.iter().filter(|v| v.served).collect();
        crate::sort::sort_by_key(&mut versions, |v| std::cmp::Reverse(version_priority(&v.name)));
        versions.into_iter().map(|version| CustomKind::new(crd, version)).collect()
    }

    /// The version's openAPIV3Schema.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// `crontabs.stable.example.com`, as the server names the resource in messages.
    pub fn qualified_resource(&self) -> String {
        qualify(&self.plural, &self.group)
    }

    fn not_found(&self, name: &str) -> ApiError {
        ApiError::NotFound { resource: self.qualified_resource(), name: name.to_string() }
    }

    fn invalid(&self, name: &str, causes: Vec<FieldError>) -> ApiError {
        ApiError::Invalid {
            kind: self.kind.clone(),
            group: self.group.clone(),
            name: name.to_string(),
            causes,
        }
    }

    fn scope<'a>(&self, namespace: &'a str) -> &'a str {
        if self.namespaced { namespace } else { "" }
    }

    /// The object as this version serves it (versions convert with strategy `None`: only the
    /// apiVersion changes).
    fn served(&self, object: &CustomObject) -> Value {
        let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        }
        value
    }

    /// Reads a request body, with the schema's defaults applied.
    fn read(&self, mut value: Value) -> Result<CustomObject, ApiError> {
        schema::apply_defaults(&self.schema, &mut value);
        let (mut object, _): (CustomObject, _) =
            super::decode::strict_as(&value, &self.kind).map_err(ApiError::BadRequest)?;
        object.content.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        object.content.insert("kind".into(), Value::String(self.kind.clone()));
        Ok(object)
    }

    /// The part of an object whose change moves its generation.
    fn generation_content(&self, object: &CustomObject) -> Map<String, Value> {
        let mut content = object.content.clone();
        content.remove("apiVersion");
        if self.status_subresource {
            content.remove("status");
        }
        content
    }
}

/// Kubernetes' version ordering: GA before beta before alpha, higher numbers first, then other
/// names alphabetically.
fn version_priority(version: &str) -> (u8, u64, u64, std::cmp::Reverse<String>) {
    let other = (0, 0, 0, std::cmp::Reverse(version.to_string()));
    let Some(rest) = version.strip_prefix('v') else { return other };
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let Ok(major) = rest[..digits].parse::<u64>() else { return other };
    let (stability, minor) = match &rest[digits..] {
        "" => (3, 0),
        suffix => match suffix
            .strip_prefix("beta")
            .map(|n| (2, n))
            .or_else(|| suffix.strip_prefix("alpha").map(|n| (1, n)))
        {
            Some((stability, n)) => match n.parse::<u64>() {
                Ok(minor) => (stability, minor),
                Err(_) => return other,
            },
            None => return other,
        },
    };
    (stability, major, minor, std::cmp::Reverse(String::new()))
}

impl ApiServer {
    /// The custom kinds the cluster serves now, each at its preferred version.
    pub fn custom_kinds(&self) -> Vec<CustomKind> {
        self.list::<CustomResourceDefinition>(None)
            .filter_map(|crd| CustomKind::served_by(crd).into_iter().next())
            .collect()
    }

    /// The custom kind behind an `apiVersion` and `kind`, at any served version.
    pub fn custom_kind(&self, api_version: &str, kind: &str) -> Option<CustomKind> {
        self.list::<CustomResourceDefinition>(None)
            .flat_map(CustomKind::served_by)
            .find(|k| k.api_version == api_version && k.kind == kind)
    }

    fn custom_store(&self, kind: &CustomKind) -> Option<&Store<CustomObject>> {
        self.custom.get(&kind.crd)
    }

    fn custom_stored(
        &self,
        kind: &CustomKind,
        namespace: &str,
        name: &str,
    ) -> Result<&CustomObject, ApiError> {
        self.custom_store(kind)
            .and_then(|store| store.get(kind.scope(namespace), name))
            .ok_or_else(|| kind.not_found(name))
    }

    fn create_custom(&mut self, kind: &CustomKind, value: Value) -> Result<Value, ApiError> {
        let mut object = kind.read(value)?;
        let resource = kind.qualified_resource();
        self.admit_scope(&mut object.metadata, kind.namespaced, &resource)?;
        self.generate_name(&mut object.metadata);
        let name = object.metadata.name.clone().unwrap_or_default();
        let mut causes = validate_name(NameRule::Dns1123Subdomain, &object.metadata);
        causes.extend(validate_labels(&object.metadata));
        let (namespace, _) = store::key_of(&object.metadata);
        if causes.is_empty() && self.custom_stored(kind, &namespace, &name).is_ok() {
            return Err(ApiError::AlreadyExists { resource, name });
        }
        causes.extend(schema::validate(&kind.schema, &kind.served(&object)));
        if !causes.is_empty() {
            return Err(kind.invalid(&name, causes));
        }
        self.stamp_new(&mut object.metadata, true, None);
        object.metadata.resource_version = Some(self.next_resource_version());
        let served = kind.served(&object);
        self.custom.entry(kind.crd.clone()).or_default().put(object);
        Ok(served)
    }

    fn replace_custom(&mut self, kind: &CustomKind, value: Value) -> Result<Value, ApiError> {
        let mut object = kind.read(value)?;
        let namespace = object.metadata.namespace.clone().unwrap_or_else(|| "default".into());
        let name = object.metadata.name.clone().unwrap_or_default();
        let old = self.custom_stored(kind, &namespace, &name)?.clone();
        if let Some(version) = object.metadata.resource_version.as_deref().filter(|v| !v.is_empty())
            && Some(version) != old.metadata.resource_version.as_deref()
        {
            return Err(ApiError::Conflict { resource: kind.qualified_resource(), name });
        }
        let meta = &mut object.metadata;
        meta.namespace = old.metadata.namespace.clone();
        meta.uid = old.metadata.uid.clone();
        meta.creation_timestamp = old.metadata.creation_timestamp.clone();
        meta.deletion_timestamp = old.metadata.deletion_timestamp.clone();
        meta.deletion_grace_period_seconds = old.metadata.deletion_grace_period_seconds;
        meta.generation = old.metadata.generation;
        meta.resource_version = old.metadata.resource_version.clone();
        if kind.status_subresource {
            match old.content.get("status") {
                Some(status) => object.content.insert("status".into(), status.clone()),
                None => object.content.remove("status"),
            };
        }
        let mut causes = validate_labels(&object.metadata);
        causes.extend(schema::validate(&kind.schema, &kind.served(&object)));
        if !causes.is_empty() {
            return Err(kind.invalid(&name, causes));
        }
        if object == old {
            return Ok(kind.served(&old));
        }
        if kind.generation_content(&object) != kind.generation_content(&old) {
            object.metadata.generation = Some(old.metadata.generation.unwrap_or(0) + 1);
        }
        if object.metadata.deletion_timestamp.is_some()
            && object.metadata.finalizers.as_ref().is_none_or(Vec::is_empty)
        {
            // The last finalizer is gone: the deletion it held back completes.
            let mut removed = self.remove_custom(kind, &namespace, &name)?;
            removed.metadata.resource_version = Some(self.resource_version.to_string());
            return Ok(kind.served(&removed));
        }
        object.metadata.resource_version = Some(self.next_resource_version());
        let served = kind.served(&object);
        self.custom.entry(kind.crd.clone()).or_default().put(object);
        Ok(served)
    }

    fn delete_custom(
        &mut self,
        kind: &CustomKind,
        namespace: &str,
        name: &str,
        options: DeleteOptions,
    ) -> Result<Deleted<Value>, ApiError> {
        let current = self.custom_stored(kind, namespace, name)?.clone();
        if options.propagation == Propagation::Orphan
            && let Some(uid) = current.metadata.uid.clone()
        {
            self.orphan_dependents(&uid);
        }
        if current.metadata.finalizers.as_ref().is_none_or(Vec::is_empty) {
            return Ok(Deleted::Gone(kind.served(&self.remove_custom(kind, namespace, name)?)));
        }
        if current.metadata.deletion_timestamp.is_some() {
            return Ok(Deleted::Terminating(kind.served(&current)));
        }
        let mut marked = current;
        marked.metadata.deletion_timestamp = Some(self.now.to_k8s());
        marked.metadata.deletion_grace_period_seconds = Some(0);
        marked.metadata.generation = Some(marked.metadata.generation.unwrap_or(0) + 1);
        marked.metadata.resource_version = Some(self.next_resource_version());
        let served = kind.served(&marked);
        self.custom.entry(kind.crd.clone()).or_default().put(marked);
        Ok(Deleted::Terminating(served))
    }

    fn remove_custom(
        &mut self,
        kind: &CustomKind,
        namespace: &str,
        name: &str,
    ) -> Result<CustomObject, ApiError> {
        let version = self.resource_version + 1;
        let removed = self
            .custom
            .get_mut(&kind.crd)
            .and_then(|store| store.remove(kind.scope(namespace), name, version))
            .ok_or_else(|| kind.not_found(name))?;
        self.resource_version = version;
        self.last_removal = version;
        Ok(removed)
    }

    /// Deletes the objects of CRDs that are gone, as the CRD's cleanup finalizer does.
    pub(super) fn drop_undefined_custom_objects(&mut self) {
        let defined: Vec<String> = self
            .list::<CustomResourceDefinition>(None)
            .filter_map(|crd| crd.metadata.name.clone())
            .collect();
        self.custom.retain(|crd, _| defined.contains(crd));
    }
}

/// A custom kind handled by name, like the built-in ones.
impl DynamicKind for CustomKind {
    fn kind(&self) -> &str {
        &self.kind
    }

    fn api_version(&self) -> &str {
        &self.api_version
    }

    fn plural(&self) -> &str {
        &self.plural
    }

    fn namespaced(&self) -> bool {
        self.namespaced
    }

    fn decode(&self, value: &Value) -> Result<Value, String> {
        super::decode::strict_as::<CustomObject>(value, &self.kind)?;
        let unknown = schema::unknown_fields(&self.schema, value);
        if unknown.is_empty() {
            Ok(value.clone())
        } else {
            let fields: Vec<String> =
                unknown.iter().map(|field| format!("unknown field \"{field}\"")).collect();
            Err(format!("strict decoding error: {}", fields.join(", ")))
        }
    }

    fn create(&self, api: &mut ApiServer, object: Value) -> Result<Value, ApiError> {
        api.create_custom(self, object)
    }

    fn update(&self, api: &mut ApiServer, object: Value) -> Result<Value, ApiError> {
        api.replace_custom(self, object)
    }

    fn get(&self, api: &ApiServer, namespace: &str, name: &str) -> Result<Value, ApiError> {
        api.custom_stored(self, namespace, name).map(|o| self.served(o))
    }

    fn list(&self, api: &ApiServer, namespace: Option<&str>) -> Vec<Value> {
        let namespace = if self.namespaced { namespace } else { None };
        api.custom_store(self)
            .map(|store| store.list(namespace).map(|o| self.served(o)).collect())
            .unwrap_or_default()
    }

    fn delete(
        &self,
        api: &mut ApiServer,
        namespace: &str,
        name: &str,
        options: DeleteOptions,
    ) -> Result<Deleted<Value>, ApiError> {
        api.delete_custom(self, namespace, name, options)
    }

    fn watch_events(&self, api: &ApiServer, version: u64) -> Vec<(u64, Value)> {
        match api.custom_store(self) {
            Some(store) => super::kinds::watch_events(
                store.changed_since(version),
                store.tombstones_since(version),
                |o| self.served(o),
            ),
            None => Vec::new(),
        }
    }

    fn deleted_uids_since(&self, api: &ApiServer, version: u64) -> Vec<String> {
        api.custom_store(self)
            .map(|store| {
                store.deleted_since(version).filter_map(|o| o.metadata.uid.clone()).collect()
            })
            .unwrap_or_default()
    }

    fn dependents_of(&self, api: &ApiServer, owner_uid: &str) -> Vec<(String, String)> {
        api.custom_store(self)
            .into_iter()
            .flat_map(|store| store.list(None))
            .filter(|o| o.metadata.owner_references.iter().flatten().any(|r| r.uid == owner_uid))
            .map(|o| store::key_of(&o.metadata))
            .collect()
    }

    fn drop_owner(&self, api: &mut ApiServer, namespace: &str, name: &str, owner_uid: &str) {
        let Ok(stored) = api.custom_stored(self, namespace, name) else { return };
        let mut object = stored.clone();
        if let Some(references) = object.metadata.owner_references.as_mut() {
            references.retain(|r| r.uid != owner_uid);
            if references.is_empty() {
                object.metadata.owner_references = None;
            }
        }
        if object != *stored {
            object.metadata.resource_version = Some(api.next_resource_version());
            api.custom.entry(self.crd.clone()).or_default().put(object);
        }
    }

    fn as_custom(&self) -> Option<&CustomKind> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_as_kubernetes_sorts_them() {
        let mut versions =
            vec!["v1alpha1", "v2beta1", "v1", "foo", "v2", "v1beta2", "v1beta1", "bar"];
        crate::sort::sort_by_key(&mut versions, |v| std::cmp::Reverse(version_priority(v)));
        assert_eq!(
            versions,
            ["v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "bar", "foo"]
        );
    }
}
