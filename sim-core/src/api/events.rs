//! Events as the components' event recorders write them: one `Event` object per distinct
//! (object, source, type, reason, message), whose count and lastTimestamp grow when it repeats.

use super::{ApiServer, Kind};
use k8s_openapi::api::core::v1::{Event, EventSource as K8sEventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Who reports an event: `default-scheduler`, or `kubelet` on a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventSource<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
}

impl ApiServer {
    /// Records an event about `regarding` (optionally about one of its parts, e.g.
    /// `spec.containers{web}`), aggregating it with an identical earlier one.
    pub(crate) fn record_event<K: Kind>(
        &mut self,
        regarding: &K,
        field_path: Option<String>,
        source: EventSource<'_>,
        event_type: EventType,
        reason: &str,
        message: String,
    ) {
        let meta = regarding.meta();
        let involved = ObjectReference {
            api_version: Some(K::API_VERSION.to_string()),
            kind: Some(K::KIND.to_string()),
            name: meta.name.clone(),
            namespace: meta.namespace.clone(),
            uid: meta.uid.clone(),
            resource_version: meta.resource_version.clone(),
            field_path,
        };
        self.record_event_about(involved, source, event_type, reason, message);
    }

    /// Records an event about the object `involved` refers to (what [`Self::record_event`]
    /// does once it has the reference; a component that has no copy of the object at hand
    /// builds the reference itself).
    pub(crate) fn record_event_about(
        &mut self,
        involved: ObjectReference,
        source: EventSource<'_>,
        event_type: EventType,
        reason: &str,
        message: String,
    ) {
        // Cluster-scoped objects (nodes) get their events in `default`, as in Kubernetes.
        let namespace = involved.namespace.clone().unwrap_or_else(|| "default".to_string());
        let now = self.now.to_k8s();
        // The recorder's correlator cache: events with this key are one event with a count.
        let key = [
            involved.uid.as_deref().unwrap_or_default(),
            involved.field_path.as_deref().unwrap_or_default(),
            source.component,
            event_type.as_str(),
            reason,
            &message,
        ]
        .join("\u{0}");
        let same = |event: &Event| {
            let stored = &event.involved_object;
            stored.uid == involved.uid
                && stored.field_path == involved.field_path
                && event.source.as_ref().and_then(|s| s.component.as_deref())
                    == Some(source.component)
                && event.type_.as_deref() == Some(event_type.as_str())
                && event.reason.as_deref() == Some(reason)
                && event.message.as_deref() == Some(message.as_str())
        };
        // The cache is not saved with the cluster: after a restore it is refilled by a search.
        let cached = self
            .event_names
            .get(&key)
            .filter(|name| self.stores.events.get(&namespace, name).is_some())
            .cloned();
        let existing = cached.or_else(|| {
            self.stores
                .events
                .list(Some(&namespace))
                .find(|e| same(e))
                .and_then(|e| e.metadata.name.clone())
        });
        if let Some(name) = existing {
            // A repeat always changes the event (its count): bump it in place.
            let version = self.resource_version + 1;
            let bumped = self.stores.events.modify(&namespace, &name, version, |event| {
                event.count = Some(event.count.unwrap_or(1) + 1);
                event.last_timestamp = Some(now);
            });
            if bumped {
                self.resource_version = version;
            }
            self.event_names.insert(key, name);
            return;
        }
        // The recorder names events `<object>.<unix nanoseconds in hex>`; the counter keeps two
        // events of one millisecond apart.
        let nanos = self.now.unix_ms() * 1_000_000 + self.resource_version % 1_000_000;
        let event = Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{nanos:x}", involved.name.as_deref().unwrap_or_default())),
                namespace: Some(namespace),
                ..Default::default()
            },
            involved_object: involved,
            reason: Some(reason.to_string()),
            message: Some(message),
            source: Some(K8sEventSource {
                component: Some(source.component.to_string()),
                host: source.host.map(str::to_string),
            }),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            type_: Some(event_type.as_str().to_string()),
            reporting_component: Some(source.component.to_string()),
            reporting_instance: Some(source.host.unwrap_or(source.component).to_string()),
            ..Default::default()
        };
        // Events are written by the system with generated names: creation cannot conflict.
        if let Ok(created) = self.create(event) {
            self.event_names.insert(key, created.metadata.name.unwrap_or_default());
        }
    }
}
