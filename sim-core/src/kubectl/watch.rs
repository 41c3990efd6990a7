//! Commands that keep printing as cluster time passes: `kubectl get -w` (after the listing, one
//! line per change to the watched objects) and `kubectl logs -f` (`logs.rs`). The console
//! follows a running watch after every tick; in a script, `timeout 30s kubectl get pods -w`
//! watches for 30 seconds of cluster time.

use super::OutputFormat;
use super::logs::LogFollow;
use super::port_forward::PortForward;
use super::print::{self, columns};
use crate::Simulation;
use crate::api::selector::{self, Selector};
use crate::api::{ApiServer, DynamicKind};
use serde_json::Value;
use std::time::Duration;

/// A command that keeps printing as cluster time passes: `get -w`, or `logs -f`.
#[derive(Clone, Debug)]
pub struct Watch {
    source: Source,
}

#[derive(Clone, Debug)]
enum Source {
    Objects(Box<ObjectWatch>),
    Log(LogFollow),
    PortForward(PortForward),
}

impl Watch {
    /// Starts watching objects from the API's current state, after `listed` has been printed
    /// (or not, with `--watch-only`). Returns the watch and the listing's text.
    pub fn start(request: WatchRequest<'_>, api: &ApiServer, listed: &[Value]) -> (Watch, String) {
        let (watch, text) = ObjectWatch::start(request, api, listed);
        (Watch { source: Source::Objects(Box::new(watch)) }, text)
    }

    /// Follows a container's log (`logs -f`).
    pub(super) fn log(follow: LogFollow) -> Watch {
        Watch { source: Source::Log(follow) }
    }

    /// A running `kubectl port-forward`.
    pub(super) fn port_forward(forward: PortForward) -> Watch {
        Watch { source: Source::PortForward(forward) }
    }

    pub fn is_port_forward(&self) -> bool {
        matches!(self.source, Source::PortForward(_))
    }

    /// The port-forward this is, if it is one.
    pub fn as_port_forward(&mut self) -> Option<&mut PortForward> {
        match &mut self.source {
            Source::PortForward(forward) => Some(forward),
            _ => None,
        }
    }

    /// Lets `by` of cluster time pass, printing what the command prints on the way.
    pub fn follow(&mut self, sim: &mut Simulation, by: Duration) -> String {
        match &mut self.source {
            Source::Objects(watch) => watch.follow(sim, by),
            Source::Log(follow) => follow.follow(sim, by),
            Source::PortForward(forward) => forward.follow(sim, by),
        }
    }

    /// Whether the command has ended by itself (a followed container stopped, a forwarded
    /// pod went away).
    pub fn is_finished(&self) -> bool {
        match &self.source {
            Source::Objects(_) => false,
            Source::Log(follow) => follow.is_finished(),
            Source::PortForward(forward) => forward.is_finished(),
        }
    }
}

/// A running object watch: what it looks at, and where in the API's history it is.
#[derive(Clone, Debug)]
struct ObjectWatch {
    /// The watched kind, by apiVersion and kind: resolved at each poll, since a CRD may go.
    api_version: String,
    kind: String,
    /// `None` for all namespaces (or a cluster-scoped kind).
    namespace: Option<String>,
    /// One name, or none for the whole collection.
    name: Option<String>,
    label_selector: String,
    field_selector: String,
    format: OutputFormat,
    options: columns::TableOptions,
    /// The resourceVersion the watch has reported up to.
    since: u64,
    /// Column widths so far: like kubectl's tabwriter in watch mode, they only grow, so rows
    /// printed over time stay aligned.
    widths: Vec<usize>,
    header_printed: bool,
}

/// What a `get -w` asks for.
pub struct WatchRequest<'a> {
    pub kind: &'a dyn DynamicKind,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub label_selector: String,
    pub field_selector: String,
    pub format: OutputFormat,
    pub options: columns::TableOptions,
}

impl ObjectWatch {
    fn start(
        request: WatchRequest<'_>,
        api: &ApiServer,
        listed: &[Value],
    ) -> (ObjectWatch, String) {
        let mut watch = ObjectWatch {
            api_version: request.kind.api_version().to_string(),
            kind: request.kind.kind().to_string(),
            namespace: request.namespace,
            name: request.name,
            label_selector: request.label_selector,
            field_selector: request.field_selector,
            format: request.format,
            options: request.options,
            since: api.resource_version(),
            widths: Vec::new(),
            header_printed: false,
        };
        let text = watch.render(request.kind, listed, api);
        (watch, text)
    }

    /// Lets `by` of cluster time pass, reporting each change at the instant it happens (a poll
    /// after the whole stretch would only see where each object ended up).
    fn follow(&mut self, sim: &mut Simulation, by: Duration) -> String {
        let deadline = sim.elapsed() + by;
        let mut text = self.poll(sim.api());
        while sim.elapsed() < deadline {
            let seen = sim.api().resource_version();
            sim.advance_until(deadline - sim.elapsed(), |api| api.resource_version() != seen);
            text.push_str(&self.poll(sim.api()));
        }
        text
    }

    /// The lines for what changed since the last poll (empty when nothing did).
    fn poll(&mut self, api: &ApiServer) -> String {
        if api.resource_version() == self.since {
            return String::new();
        }
        let Some(kind) = api.kind_for(&self.api_version, &self.kind) else {
            self.since = api.resource_version();
            return String::new();
        };
        let labels = Selector::parse(&self.label_selector).unwrap_or_default();
        let fields =
            selector::parse_fields(&self.field_selector, kind.plural()).unwrap_or_default();
        let changed: Vec<Value> = kind
            .watch_events(api, self.since)
            .into_iter()
            .map(|(_, object)| object)
            .filter(|object| {
                let text = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or_default();
                let in_namespace =
                    self.namespace.as_deref().is_none_or(|ns| text("/metadata/namespace") == ns);
                let named = self.name.as_deref().is_none_or(|name| text("/metadata/name") == name);
                let object_labels = object
                    .pointer("/metadata/labels")
                    .and_then(|l| serde_json::from_value(l.clone()).ok());
                in_namespace
                    && named
                    && labels.matches(object_labels.as_ref())
                    && selector::fields_match(&fields, object)
            })
            .collect();
        self.since = api.resource_version();
        self.render(&*kind, &changed, api)
    }

    /// The objects as rows (or documents) in the watch's format.
    fn render(&mut self, kind: &dyn DynamicKind, objects: &[Value], api: &ApiServer) -> String {
        if objects.is_empty() {
            return String::new();
        }
        match &self.format {
            OutputFormat::Default | OutputFormat::Wide => {
                let table = super::get::table_of(kind, objects, api.now(), &self.options);
                let text = table.render_remembering(&mut self.widths, !self.header_printed);
                self.header_printed = true;
                text
            }
            OutputFormat::Name => objects
                .iter()
                .map(|o| {
                    let name = o.pointer("/metadata/name").and_then(Value::as_str);
                    format!("{}\n", super::manifest::reference(kind, name.unwrap_or_default()))
                })
                .collect(),
            OutputFormat::Yaml => {
                objects.iter().map(print::to_yaml).collect::<Vec<_>>().join("---\n")
            }
            OutputFormat::Json => objects.iter().map(print::to_json).collect(),
            OutputFormat::JsonPath(template) => objects
                .iter()
                .map(|o| print::jsonpath::render(template, o).unwrap_or_default())
                .collect(),
            OutputFormat::CustomColumns(spec) => {
                let text = print::custom_columns(spec, objects);
                if self.header_printed {
                    text.split_once('\n').map_or(String::new(), |(_, rows)| rows.to_string())
                } else {
                    self.header_printed = true;
                    text
                }
            }
        }
    }
}
