//! Every kind the API server stores, declared once: its store, scope, name rule and whether it
//! has a generation; and access to each by name (`apps/v1`, `Deployment`) for manifests and
//! kubectl, which handle objects as JSON values.

use super::admission::Admission;
use super::custom::CustomKind;
use super::{ApiError, ApiServer, DeleteOptions, Deleted, NameRule, Object, Store};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod,
    ReplicationController, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

/// A kind the API server stores: where its objects live and the admission rules it gets.
pub trait Kind:
    Object
    + k8s_openapi::Resource
    + k8s_openapi::Metadata<Ty = ObjectMeta>
    + Admission
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
    const TRACKS_GENERATION: bool;

    fn store(api: &ApiServer) -> &Store<Self>;
    fn store_mut(api: &mut ApiServer) -> &mut Store<Self>;

    /// The resource as the server names it in messages: `pods`, `deployments.apps`.
    fn qualified_resource() -> String {
        qualify(Self::URL_PATH_SEGMENT, Self::GROUP)
    }
}

/// `name.group`, or just `name` for the core group (apimachinery's `GroupResource.String()`).
pub fn qualify(name: &str, group: &str) -> String {
    if group.is_empty() { name.to_string() } else { format!("{name}.{group}") }
}

macro_rules! kinds {
    ($( $field:ident: $ty:ty => ($scope:ident, $rule:ident, $generation:literal) ),* $(,)?) => {
        /// One store per kind.
        #[derive(Clone, Debug, Default, Serialize, Deserialize)]
        pub struct Stores {
            $( #[serde(default)] pub(super) $field: Store<$ty>, )*
        }

        $(
            impl Kind for $ty {
                const NAMESPACED: bool = kinds!(@namespaced $scope);
                const NAME_RULE: NameRule = NameRule::$rule;
                const TRACKS_GENERATION: bool = $generation;
                fn store(api: &ApiServer) -> &Store<Self> {
                    &api.stores.$field
                }
                fn store_mut(api: &mut ApiServer) -> &mut Store<Self> {
                    &mut api.stores.$field
                }
            }
        )*

        /// Every stored kind, for code that handles kinds by name.
        pub static ALL: &[&dyn DynamicKind] = &[ $( &Typed::<$ty>(PhantomData), )* ];
    };
    (@namespaced namespaced) => { true };
    (@namespaced cluster) => { false };
}

kinds! {
    namespaces: Namespace => (cluster, Dns1123Label, false),
    nodes: Node => (cluster, Dns1123Subdomain, false),
    pods: Pod => (namespaced, Dns1123Subdomain, true),
    services: Service => (namespaced, Dns1035Label, false),
    endpoints: Endpoints => (namespaced, Dns1123Subdomain, false),
    configmaps: ConfigMap => (namespaced, Dns1123Subdomain, false),
    secrets: Secret => (namespaced, Dns1123Subdomain, false),
    serviceaccounts: ServiceAccount => (namespaced, Dns1123Subdomain, false),
    events: Event => (namespaced, PathSegment, false),
    persistentvolumes: PersistentVolume => (cluster, Dns1123Subdomain, false),
    persistentvolumeclaims: PersistentVolumeClaim => (namespaced, Dns1123Subdomain, false),
    replicationcontrollers: ReplicationController => (namespaced, Dns1123Subdomain, true),
    endpointslices: EndpointSlice => (namespaced, Dns1123Subdomain, false),
    deployments: Deployment => (namespaced, Dns1123Subdomain, true),
    replicasets: ReplicaSet => (namespaced, Dns1123Subdomain, true),
    daemonsets: DaemonSet => (namespaced, Dns1123Subdomain, true),
    statefulsets: StatefulSet => (namespaced, Dns1123Subdomain, true),
    controllerrevisions: ControllerRevision => (namespaced, Dns1123Subdomain, false),
    jobs: Job => (namespaced, Dns1123Subdomain, true),
    cronjobs: CronJob => (namespaced, Dns1123Subdomain, true),
    horizontalpodautoscalers: HorizontalPodAutoscaler => (namespaced, Dns1123Subdomain, true),
    ingresses: Ingress => (namespaced, Dns1123Subdomain, true),
    ingressclasses: IngressClass => (cluster, Dns1123Subdomain, true),
    networkpolicies: NetworkPolicy => (namespaced, Dns1123Subdomain, true),
    poddisruptionbudgets: PodDisruptionBudget => (namespaced, Dns1123Subdomain, true),
    leases: Lease => (namespaced, Dns1123Subdomain, false),
    priorityclasses: PriorityClass => (cluster, Dns1123Subdomain, false),
    storageclasses: StorageClass => (cluster, Dns1123Subdomain, false),
    roles: Role => (namespaced, PathSegment, false),
    rolebindings: RoleBinding => (namespaced, PathSegment, false),
    clusterroles: ClusterRole => (cluster, PathSegment, false),
    clusterrolebindings: ClusterRoleBinding => (cluster, PathSegment, false),
    customresourcedefinitions: CustomResourceDefinition => (cluster, Dns1123Subdomain, true),
}

/// The stored kind with this `apiVersion` and `kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static dyn DynamicKind> {
    ALL.iter().copied().find(|k| k.api_version() == api_version && k.kind() == kind)
}

/// The dynamic handle of a typed kind.
pub fn of<K: Kind>() -> &'static dyn DynamicKind {
    // A zero-sized value: leaking it allocates nothing.
    Box::leak(Box::new(Typed::<K>(PhantomData)))
}

/// The stored kind behind a resource (its lower-case plural): `pods`, `deployments`.
pub fn by_resource(plural: &str) -> Option<&'static dyn DynamicKind> {
    ALL.iter().copied().find(|k| k.plural() == plural)
}

/// A stored kind handled by name: objects go in and out as JSON values.
pub trait DynamicKind: Sync {
    fn kind(&self) -> &str;
    fn api_version(&self) -> &str;
    /// The resource name: `pods`.
    fn plural(&self) -> &str;
    fn namespaced(&self) -> bool;
    /// Reads a manifest strictly, as `fieldValidation=Strict` does: a value of the wrong type or a
    /// field the kind does not have is an error.
    fn decode(&self, value: &Value) -> Result<Value, String>;
    fn create(&self, api: &mut ApiServer, object: Value) -> Result<Value, ApiError>;
    /// [`Self::create`] for a caller that prints no more than the name: no copy of the stored
    /// object comes back (encoding it was most of a `kubectl apply` of a pod).
    fn create_quietly(&self, api: &mut ApiServer, object: Value) -> Result<(), ApiError> {
        self.create(api, object).map(drop)
    }
    /// `PUT`: replaces the object's spec and metadata; its status stays the server's.
    fn update(&self, api: &mut ApiServer, object: Value) -> Result<Value, ApiError>;
    fn get(&self, api: &ApiServer, namespace: &str, name: &str) -> Result<Value, ApiError>;
    fn list(&self, api: &ApiServer, namespace: Option<&str>) -> Vec<Value>;
    fn delete(
        &self,
        api: &mut ApiServer,
        namespace: &str,
        name: &str,
        options: DeleteOptions,
    ) -> Result<Deleted<Value>, ApiError>;
    /// What a watch from resourceVersion `version` reports, oldest first: each object written
    /// since in its current state, and each object deleted since in its last state, with the
    /// resourceVersion of the change.
    fn watch_events(&self, api: &ApiServer, version: u64) -> Vec<(u64, Value)>;
    /// The uids of objects of this kind deleted after resourceVersion `version`.
    fn deleted_uids_since(&self, api: &ApiServer, version: u64) -> Vec<String>;
    /// The objects that name `owner_uid` in their ownerReferences.
    fn dependents_of(&self, api: &ApiServer, owner_uid: &str) -> Vec<(String, String)>;
    /// Removes the owner reference to `owner_uid` from one object.
    fn drop_owner(&self, api: &mut ApiServer, namespace: &str, name: &str, owner_uid: &str);
    /// The CRD-defined kind this is, if it is one.
    fn as_custom(&self) -> Option<&CustomKind> {
        None
    }
}

/// A kind held by code that handles kinds by name: built in, or served for a CRD.
#[derive(Clone)]
pub enum KindRef {
    Builtin(&'static dyn DynamicKind),
    Custom(Rc<CustomKind>),
}

impl Deref for KindRef {
    type Target = dyn DynamicKind;

    fn deref(&self) -> &Self::Target {
        match self {
            KindRef::Builtin(kind) => *kind,
            KindRef::Custom(kind) => kind.as_ref(),
        }
    }
}

impl ApiServer {
    /// Every kind the server serves: the built-in ones, then those CRDs define.
    pub fn kinds(&self) -> Vec<KindRef> {
        let builtin = ALL.iter().map(|kind| KindRef::Builtin(*kind));
        builtin
            .chain(self.custom_kinds().into_iter().map(|k| KindRef::Custom(Rc::new(k))))
            .collect()
    }

    /// The kind a manifest's `apiVersion` and `kind` name.
    pub fn kind_for(&self, api_version: &str, kind: &str) -> Option<KindRef> {
        match by_kind(api_version, kind) {
            Some(builtin) => Some(KindRef::Builtin(builtin)),
            None => self.custom_kind(api_version, kind).map(|k| KindRef::Custom(Rc::new(k))),
        }
    }
}

/// Writes and deletions merged in resourceVersion order, as JSON.
pub(super) fn watch_events<'a, O: Object + 'a>(
    changed: impl Iterator<Item = &'a O>,
    deleted: impl Iterator<Item = (u64, &'a O)>,
    to_json: impl Fn(&O) -> Value,
) -> Vec<(u64, Value)> {
    let version = |o: &O| o.meta().resource_version.as_deref().and_then(|v| v.parse().ok());
    let mut events: Vec<(u64, Value)> = changed
        .map(|o| (version(o).unwrap_or(0), to_json(o)))
        .chain(deleted.map(|(at, o)| (at, to_json(o))))
        .collect();
    crate::sort::sort_by_key(&mut events, |(at, _)| *at);
    events
}

/// The `DynamicKind` of a typed kind.
struct Typed<K>(PhantomData<fn() -> K>);

fn to_value<K: Serialize>(object: &K) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

fn from_value<K: Kind>(value: Value) -> Result<K, ApiError> {
    K::deserialize(&value).map_err(|e| ApiError::BadRequest(e.to_string()))
}

impl<K: Kind> DynamicKind for Typed<K> {
    fn kind(&self) -> &str {
        K::KIND
    }

    fn api_version(&self) -> &str {
        K::API_VERSION
    }

    fn plural(&self) -> &str {
        K::URL_PATH_SEGMENT
    }

    fn namespaced(&self) -> bool {
        K::NAMESPACED
    }

    fn decode(&self, value: &Value) -> Result<Value, String> {
        super::decode::strict::<K>(value).map(|(_, encoded)| encoded)
    }

    fn create(&self, api: &mut ApiServer, object: Value) -> Result<Value, ApiError> {
        api.create(from_value::<K>(object)?).map(|o| to_value(&o))
    }

    fn create_quietly(&self, api: &mut ApiServer, object: Value) -> Result<(), ApiError> {
        api.create_named(from_value::<K>(object)?).map(drop)
    }

    fn update(&self, api: &mut ApiServer, object: Value) -> Result<Value, ApiError> {
        api.replace(from_value::<K>(object)?).map(|o| to_value(&o))
    }

    fn get(&self, api: &ApiServer, namespace: &str, name: &str) -> Result<Value, ApiError> {
        api.get::<K>(namespace, name).map(to_value)
    }

    fn list(&self, api: &ApiServer, namespace: Option<&str>) -> Vec<Value> {
        api.list::<K>(namespace).map(to_value).collect()
    }

    fn delete(
        &self,
        api: &mut ApiServer,
        namespace: &str,
        name: &str,
        options: DeleteOptions,
    ) -> Result<Deleted<Value>, ApiError> {
        Ok(match api.delete::<K>(namespace, name, options)? {
            Deleted::Gone(object) => Deleted::Gone(to_value(&object)),
            Deleted::Terminating(object) => Deleted::Terminating(to_value(&object)),
        })
    }

    fn watch_events(&self, api: &ApiServer, version: u64) -> Vec<(u64, Value)> {
        let store = K::store(api);
        watch_events(store.changed_since(version), store.tombstones_since(version), to_value)
    }

    fn deleted_uids_since(&self, api: &ApiServer, version: u64) -> Vec<String> {
        api.deleted_since::<K>(version).filter_map(|o| o.meta().uid.clone()).collect()
    }

    fn dependents_of(&self, api: &ApiServer, owner_uid: &str) -> Vec<(String, String)> {
        api.list::<K>(None)
            .filter(|o| o.meta().owner_references.iter().flatten().any(|r| r.uid == owner_uid))
            .map(|o| super::store::key_of(o.meta()))
            .collect()
    }

    fn drop_owner(&self, api: &mut ApiServer, namespace: &str, name: &str, owner_uid: &str) {
        let _ = api.update::<K>(namespace, name, |object| {
            let meta = object.metadata_mut();
            if let Some(references) = meta.owner_references.as_mut() {
                references.retain(|r| r.uid != owner_uid);
                if references.is_empty() {
                    meta.owner_references = None;
                }
            }
        });
    }
}
