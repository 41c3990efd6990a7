//! Events as the components' event recorders write them: one `Event` object per distinct
//! (object, source, type, reason, message), whose count and lastTimestamp grow when it repeats,
//! behind client-go's spam filter (25 events per source and object, then one per 5 minutes).

use super::{ApiServer, Kind};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Event, EventSource as K8sEventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `defaultSpamBurst`: how many events a source may send about one object at once.
const SPAM_BURST_MILLI: u64 = 25_000;
/// `defaultSpamQPS` (1/300 per second): a token comes back every 5 minutes.
const SPAM_REFILL_MS_PER_TOKEN: u64 = 300_000;

/// A token bucket of the recorder's spam filter, in thousandths of a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBucket {
    tokens_milli: u64,
    at: SimTime,
}

impl TokenBucket {
    fn full(at: SimTime) -> Self {
        TokenBucket { tokens_milli: SPAM_BURST_MILLI, at }
    }

    /// The bucket as it stands at `now` (refilled since it was last touched).
    fn at(&self, now: SimTime) -> TokenBucket {
        let elapsed_ms = now.since(self.at).as_millis() as u64;
        let refill = elapsed_ms * 1000 / SPAM_REFILL_MS_PER_TOKEN;
        let tokens_milli = self.tokens_milli + refill;
        if tokens_milli >= SPAM_BURST_MILLI {
            return TokenBucket::full(now);
        }
        // Keep the part of a thousandth not yet earned: `at` moves by what was credited.
        let credited_ms = refill * SPAM_REFILL_MS_PER_TOKEN / 1000;
        TokenBucket { tokens_milli, at: self.at + std::time::Duration::from_millis(credited_ms) }
    }

    /// When it next holds a whole token.
    fn token_at(&self) -> SimTime {
        let missing = 1000u64.saturating_sub(self.tokens_milli);
        self.at
            + std::time::Duration::from_millis((missing * SPAM_REFILL_MS_PER_TOKEN).div_ceil(1000))
    }
}

/// What the spam filter and the correlator look at in an event's object reference, borrowed:
/// most events repeat an earlier one, and need no reference of their own.
struct Regarding<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
    uid: Option<&'a str>,
    field_path: Option<&'a str>,
}

impl<'a> Regarding<'a> {
    fn reference(involved: &'a ObjectReference) -> Self {
        Regarding {
            api_version: involved.api_version.as_deref().unwrap_or_default(),
            kind: involved.kind.as_deref().unwrap_or_default(),
            namespace: involved.namespace.as_deref(),
            name: involved.name.as_deref().unwrap_or_default(),
            uid: involved.uid.as_deref(),
            field_path: involved.field_path.as_deref(),
        }
    }

    /// What [`event_reference`] would make of `object` and `field_path`.
    fn object<K: Kind>(object: &'a K, field_path: Option<&'a str>) -> Self {
        let meta = object.meta();
        Regarding {
            api_version: K::API_VERSION,
            kind: K::KIND,
            namespace: meta.namespace.as_deref(),
            name: meta.name.as_deref().unwrap_or_default(),
            uid: meta.uid.as_deref(),
            field_path,
        }
    }

    /// client-go's `getSpamKey`: the source and the object, not what the event says.
    fn spam_key(&self, source: &EventSource<'_>) -> String {
        [
            source.component,
            source.host.unwrap_or_default(),
            self.kind,
            self.namespace.unwrap_or_default(),
            self.name,
            self.uid.unwrap_or_default(),
            self.api_version,
        ]
        .join("\u{0}")
    }
}

/// What makes two events one (the correlator's aggregation): the object and its part, who
/// reports, and what it says.
fn aggregation_key(
    uid: Option<&str>,
    field_path: Option<&str>,
    component: Option<&str>,
    event_type: Option<&str>,
    reason: Option<&str>,
    message: Option<&str>,
) -> String {
    [uid, field_path, component, event_type, reason, message]
        .map(Option::unwrap_or_default)
        .join("\u{0}")
}

/// How an event refers to the object it is about (optionally one of its parts, e.g.
/// `spec.containers{web}`).
pub(crate) fn event_reference<K: Kind>(object: &K, field_path: Option<String>) -> ObjectReference {
    let meta = object.meta();
    ObjectReference {
        api_version: Some(K::API_VERSION.to_string()),
        kind: Some(K::KIND.to_string()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path,
    }
}

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
        let about = Regarding::object(regarding, field_path.as_deref());
        if let Some(key) = self.correlate(&about, source, event_type, reason, &message) {
            let involved = event_reference(regarding, field_path);
            self.create_event(involved, key, source, event_type, reason, message);
        }
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
        let about = Regarding::reference(&involved);
        if let Some(key) = self.correlate(&about, source, event_type, reason, &message) {
            self.create_event(involved, key, source, event_type, reason, message);
        }
    }

    /// The recorder's spam filter and correlator: the aggregation key of an event to be
    /// written as a new Event; `None` when it was dropped, or counted on the Event it repeats.
    fn correlate(
        &mut self,
        about: &Regarding<'_>,
        source: EventSource<'_>,
        event_type: EventType,
        reason: &str,
        message: &str,
    ) -> Option<String> {
        // The spam filter drops what a source says about an object beyond its budget.
        let now_instant = self.now;
        let bucket = self
            .event_buckets
            .entry(about.spam_key(&source))
            .or_insert_with(|| TokenBucket::full(now_instant));
        let refilled = bucket.at(now_instant);
        if refilled.tokens_milli < 1000 {
            *bucket = refilled;
            return None;
        }
        *bucket = TokenBucket { tokens_milli: refilled.tokens_milli - 1000, at: refilled.at };
        // The recorder's correlator cache: events with this key are one event with a count.
        let key = aggregation_key(
            about.uid,
            about.field_path,
            Some(source.component),
            Some(event_type.as_str()),
            Some(reason),
            Some(message),
        );
        // Cluster-scoped objects (nodes) get their events in `default`, as in Kubernetes.
        let namespace = about.namespace.unwrap_or("default");
        let now = self.now.to_k8s();
        let version = self.resource_version + 1;
        // Rebuilt after a restore; read below beside the event store it names events in.
        self.event_names_mut();
        let existing = self.event_names.as_ref().and_then(|names| names.get(&key));
        // A repeat always changes the event (its count): bump it in place. An Event gone since
        // (deleted by hand) is written anew.
        let bumped = existing.is_some_and(|name| {
            self.stores.events.modify(namespace, name, version, |event| {
                event.count = Some(event.count.unwrap_or(1) + 1);
                event.last_timestamp = Some(now);
            })
        });
        if bumped {
            self.resource_version = version;
            return None;
        }
        Some(key)
    }

    /// Writes a new Event, filed in the correlator's cache under `key`.
    fn create_event(
        &mut self,
        involved: ObjectReference,
        key: String,
        source: EventSource<'_>,
        event_type: EventType,
        reason: &str,
        message: String,
    ) {
        let namespace = involved.namespace.clone().unwrap_or_else(|| "default".to_string());
        let now = self.now.to_k8s();
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
        if let Ok(name) = self.create_named(event) {
            self.event_names_mut().insert(key, name);
        }
    }
}

impl ApiServer {
    /// The correlator cache, rebuilt from the stored events after a restore.
    fn event_names_mut(&mut self) -> &mut BTreeMap<String, String> {
        let events = &self.stores.events;
        self.event_names.get_or_insert_with(|| {
            events
                .list(None)
                .map(|event| {
                    let key = aggregation_key(
                        event.involved_object.uid.as_deref(),
                        event.involved_object.field_path.as_deref(),
                        event.source.as_ref().and_then(|s| s.component.as_deref()),
                        event.type_.as_deref(),
                        event.reason.as_deref(),
                        event.message.as_deref(),
                    );
                    (key, event.metadata.name.clone().unwrap_or_default())
                })
                .collect()
        })
    }

    /// When the spam filter next lets `source` say something about `involved` (now, if it
    /// would already): a recorder with nothing to say until then need not try.
    pub(crate) fn event_allowed_at(
        &self,
        involved: &ObjectReference,
        source: EventSource<'_>,
    ) -> SimTime {
        match self.event_buckets.get(&Regarding::reference(involved).spam_key(&source)) {
            Some(bucket) => bucket.at(self.now).token_at().max(self.now),
            None => self.now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};

    fn pod_named(name: &str) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some("default".to_string()),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "app".into(),
                    image: Some("nginx".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn total_count(api: &ApiServer) -> i32 {
        api.stores.events.list(None).map(|e| e.count.unwrap_or(0)).sum()
    }

    #[test]
    fn the_spam_filter_lets_25_events_through_then_one_every_five_minutes() {
        let mut api = ApiServer::new(SimTime::from_unix_ms(1_000_000), Rng::new(1));
        let default = k8s_openapi::api::core::v1::Namespace {
            metadata: ObjectMeta { name: Some("default".into()), ..Default::default() },
            ..Default::default()
        };
        api.create(default).expect("namespace created");
        let account = k8s_openapi::api::core::v1::ServiceAccount {
            metadata: ObjectMeta {
                name: Some("default".into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        api.create(account).expect("service account created");
        let pod = api.create(pod_named("noisy")).expect("created");
        let kubelet = EventSource { component: "kubelet", host: Some("node01") };
        let say = |api: &mut ApiServer, i: usize| {
            let message = format!("message {i}");
            api.record_event(&pod, None, kubelet, EventType::Warning, "BackOff", message);
        };
        for i in 0..30 {
            say(&mut api, i);
        }
        assert_eq!(total_count(&api), 25);
        assert_eq!(api.event_allowed_at(&reference(&pod), kubelet), api.now() + secs(300));
        api.set_now(api.now() + secs(299));
        say(&mut api, 30);
        assert_eq!(total_count(&api), 25, "not a whole token yet");
        api.set_now(api.now() + secs(1));
        say(&mut api, 31);
        assert_eq!(total_count(&api), 26);
        // Another source, or another object, has its own budget.
        let scheduler = EventSource { component: "default-scheduler", host: None };
        api.record_event(&pod, None, scheduler, EventType::Normal, "Scheduled", "x".into());
        assert_eq!(total_count(&api), 27);
    }

    fn secs(n: u64) -> std::time::Duration {
        std::time::Duration::from_secs(n)
    }

    fn reference(pod: &Pod) -> ObjectReference {
        ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            name: pod.metadata.name.clone(),
            namespace: pod.metadata.namespace.clone(),
            uid: pod.metadata.uid.clone(),
            resource_version: pod.metadata.resource_version.clone(),
            field_path: None,
        }
    }
}
