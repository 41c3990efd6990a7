//! Printers: how kubectl turns objects into tables, names, YAML and JSON. Separate from the
//! commands, which only decide what to print.

pub mod columns;
pub mod jsonpath;
pub mod node;
pub mod pod;
pub mod table;
pub mod tabwriter;
mod yaml;

use crate::time::{SimTime, human_duration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::Serialize;

/// The AGE column: how long ago `time` was, or `<unknown>` when it is not set.
pub fn age(time: Option<&Time>, now: SimTime) -> String {
    match time {
        Some(time) => human_duration(now.since(SimTime::from_k8s(time))),
        None => "<unknown>".to_string(),
    }
}

pub fn creation_age(meta: &ObjectMeta, now: SimTime) -> String {
    age(meta.creation_timestamp.as_ref(), now)
}

/// Serialises through a JSON value: kubectl prints what the server sent as JSON, keys sorted.
fn sorted_value<T: Serialize>(object: &T) -> serde_json::Value {
    serde_json::to_value(object).unwrap_or(serde_json::Value::Null)
}

pub fn to_yaml<T: Serialize>(object: &T) -> String {
    yaml::to_string(&sorted_value(object))
}

/// JSON indented by four spaces, as kubectl's printer indents it.
pub fn to_json<T: Serialize>(object: &T) -> String {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    if sorted_value(object).serialize(&mut serializer).is_err() {
        return String::new();
    }
    let mut text = String::from_utf8(buffer).unwrap_or_default();
    text.push('\n');
    text
}

/// `-o yaml|json` of several objects: kubectl wraps them in a `List`.
pub fn list_of<T: Serialize>(items: &[T]) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "items": items.iter().map(sorted_value).collect::<Vec<_>>(),
        "kind": "List",
        "metadata": { "resourceVersion": "" },
    })
}

/// What a command that changed an object prints: `pod/web created`, or the object itself with
/// `-o yaml|json|name`.
pub(crate) fn result(
    out: &mut crate::shell::Output,
    format: &super::OutputFormat,
    kind: &dyn crate::api::DynamicKind,
    name: &str,
    object: &serde_json::Value,
    verb: &str,
    dry_run: super::DryRun,
) {
    let reference = super::manifest::reference(kind, name);
    out.out(match format {
        super::OutputFormat::Yaml => to_yaml(object),
        super::OutputFormat::Json => to_json(object),
        super::OutputFormat::Name => format!("{reference}\n"),
        super::OutputFormat::JsonPath(template) => {
            jsonpath::render(template, object).unwrap_or_default()
        }
        super::OutputFormat::CustomColumns(columns) => {
            custom_columns(columns, std::slice::from_ref(object))
        }
        super::OutputFormat::Default | super::OutputFormat::Wide => {
            format!("{reference} {verb}{}\n", dry_run.suffix())
        }
    });
}

/// `-o custom-columns`: one column per `HEADER:expression`, several values joined by commas,
/// `<none>` where the expression finds nothing.
pub fn custom_columns(columns: &[(String, String)], objects: &[serde_json::Value]) -> String {
    let headers: Vec<&str> = columns.iter().map(|(h, _)| h.as_str()).collect();
    let mut table = table::Table::new(&headers);
    for object in objects {
        let row = columns
            .iter()
            .map(|(_, expression)| {
                let values = jsonpath::select(expression, object).unwrap_or_default();
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect();
                if shown.is_empty() { "<none>".to_string() } else { shown.join(",") }
            })
            .collect();
        table.row(row);
    }
    table.render()
}
