//! The YAML editor's completion and hover, from the schema `kubectl explain` reads: the fields
//! a mapping may have at the cursor, the values a field takes, and a field's description.

use super::explain::Schema;
use super::yaml_path::{self, FieldPath, Segment, Typing};
use crate::api::ApiServer;
use serde_json::Value;

/// What completion offers at the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    /// How many characters before the cursor the offers replace (what is typed so far).
    pub typed_chars: usize,
    pub options: Vec<Completion>,
}

/// One offer: a field name or a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    /// The text put in the document: `image: ` for a field, the value itself for a value.
    pub insert: String,
    /// The field's type as explain names it (`string`, `[]Container`), empty for values.
    pub detail: String,
    /// The field's description, empty for values.
    pub info: String,
}

/// Values of string fields the API server accepts from a fixed set (Kubernetes declares them
/// as Go constants, which the published schema leaves out): the owning type, the field, the
/// values as `NotSupported` errors list them.
const ENUMS: &[(&str, &str, &[&str])] = &[
    ("Container", "imagePullPolicy", &["Always", "IfNotPresent", "Never"]),
    ("Container", "terminationMessagePolicy", &["FallbackToLogsOnError", "File"]),
    ("Container", "restartPolicy", &["Always"]),
    ("ContainerPort", "protocol", &["SCTP", "TCP", "UDP"]),
    ("PodSpec", "restartPolicy", &["Always", "Never", "OnFailure"]),
    ("PodSpec", "dnsPolicy", &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]),
    ("PodSpec", "preemptionPolicy", &["Never", "PreemptLowerPriority"]),
    ("Toleration", "operator", &["Equal", "Exists"]),
    ("Toleration", "effect", &["NoExecute", "NoSchedule", "PreferNoSchedule"]),
    ("Taint", "effect", &["NoExecute", "NoSchedule", "PreferNoSchedule"]),
    ("NodeSelectorRequirement", "operator", &["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"]),
    ("LabelSelectorRequirement", "operator", &["DoesNotExist", "Exists", "In", "NotIn"]),
    ("HTTPGetAction", "scheme", &["HTTP", "HTTPS"]),
    ("ServiceSpec", "type", &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
    ("ServiceSpec", "sessionAffinity", &["ClientIP", "None"]),
    ("ServiceSpec", "externalTrafficPolicy", &["Cluster", "Local"]),
    ("ServiceSpec", "internalTrafficPolicy", &["Cluster", "Local"]),
    ("ServicePort", "protocol", &["SCTP", "TCP", "UDP"]),
    ("DeploymentStrategy", "type", &["Recreate", "RollingUpdate"]),
    ("StatefulSetSpec", "podManagementPolicy", &["OrderedReady", "Parallel"]),
    ("StatefulSetUpdateStrategy", "type", &["OnDelete", "RollingUpdate"]),
    ("DaemonSetUpdateStrategy", "type", &["OnDelete", "RollingUpdate"]),
    ("CronJobSpec", "concurrencyPolicy", &["Allow", "Forbid", "Replace"]),
    ("JobSpec", "completionMode", &["Indexed", "NonIndexed"]),
    ("JobSpec", "podReplacementPolicy", &["Failed", "TerminatingOrFailed"]),
    (
        "PersistentVolumeClaimSpec",
        "accessModes",
        &["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"],
    ),
    (
        "PersistentVolumeSpec",
        "accessModes",
        &["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"],
    ),
    ("PersistentVolumeClaimSpec", "volumeMode", &["Block", "Filesystem"]),
    ("PersistentVolumeSpec", "volumeMode", &["Block", "Filesystem"]),
    ("PersistentVolumeSpec", "persistentVolumeReclaimPolicy", &["Delete", "Recycle", "Retain"]),
    ("StorageClass", "reclaimPolicy", &["Delete", "Retain"]),
    ("StorageClass", "volumeBindingMode", &["Immediate", "WaitForFirstConsumer"]),
    ("NetworkPolicySpec", "policyTypes", &["Egress", "Ingress"]),
];

/// A field's schema and the definition it is a field of (`io.k8s.api.core.v1.Container`).
struct FieldSchema<'a> {
    schema: &'a Value,
    owner: Option<&'a str>,
}

/// The document around `line` (1-based): its first line and its text.
fn document_at(text: &str, line: usize) -> (usize, String) {
    let mut first = 1;
    let mut document = String::new();
    for (index, written) in text.lines().enumerate() {
        if index + 1 > line {
            if written.starts_with("---") {
                break;
            }
        } else if written.starts_with("---") {
            first = index + 2;
            document.clear();
            continue;
        }
        document.push_str(written);
        document.push('\n');
    }
    (first, document)
}

/// The schema of the document's kind, from its `apiVersion` and `kind`.
fn root(schema: &Schema, api: &ApiServer, document: &str) -> Option<Value> {
    let keys = yaml_path::keys(document);
    let top = |name: &str| {
        keys.iter()
            .find(|k| k.path.0 == [Segment::Key(name.into())])
            .map(|k| k.value.trim_matches(['"', '\'']).to_string())
    };
    let (api_version, kind) = (top("apiVersion")?, top("kind")?);
    match api.kind_for(&api_version, &kind).as_ref().and_then(|k| k.as_custom()) {
        Some(custom) => Some(schema.with_object_fields(custom.schema())),
        None => schema.definitions.get(schema.kind_id(&api_version, &kind)?).cloned(),
    }
}

/// The object definition whose fields a value of `node` has, with its id (through `$ref`s,
/// arrays and maps).
fn container<'a>(schema: &'a Schema, node: &'a Value) -> (Option<&'a str>, &'a Value) {
    let id = node.get("$ref").and_then(Value::as_str);
    let resolved = schema.resolve(node);
    match resolved.get("type").and_then(Value::as_str) {
        Some("array") => resolved.get("items").map_or((id, resolved), |i| container(schema, i)),
        Some("object") if resolved.get("properties").is_none() => resolved
            .get("additionalProperties")
            .filter(|a| a.is_object())
            .map_or((id, resolved), |a| container(schema, a)),
        _ => (id, resolved),
    }
}

/// The schema of the field at `path` under `root` (indexes pass through arrays).
fn field_at<'a>(schema: &'a Schema, root: &'a Value, path: &FieldPath) -> Option<FieldSchema<'a>> {
    let mut current = FieldSchema { schema: root, owner: None };
    for segment in &path.0 {
        if let Segment::Key(key) = segment {
            let (owner, fields) = container(schema, current.schema);
            let next = match fields.get("properties") {
                Some(properties) => properties.get(key)?,
                // A map's values (labels, resources.limits) have no schema of their own here.
                None => return None,
            };
            current = FieldSchema { schema: next, owner };
        }
    }
    Some(current)
}

/// The values a field takes: its known set, or `true`/`false` for a boolean.
fn values_of(schema: &Schema, field: &FieldSchema<'_>, name: &str) -> Vec<String> {
    let owner = field.owner.map(|id| id.rsplit('.').next().unwrap_or(id));
    if let Some((_, _, values)) =
        ENUMS.iter().find(|(kind, field_name, _)| Some(*kind) == owner && *field_name == name)
    {
        return values.iter().map(|v| v.to_string()).collect();
    }
    match schema.resolve(field.schema).get("type").and_then(Value::as_str) {
        Some("boolean") => vec!["false".into(), "true".into()],
        _ => Vec::new(),
    }
}

fn last_key(path: &FieldPath) -> Option<&str> {
    path.0.iter().rev().find_map(|s| match s {
        Segment::Key(key) => Some(key.as_str()),
        Segment::Index(_) => None,
    })
}

/// What to offer at the cursor (1-based line and column): the fields of the mapping being
/// written (those not written yet), or the values of the field whose value is being written.
pub fn completions(
    schema: &Schema,
    api: &ApiServer,
    text: &str,
    line: usize,
    column: usize,
) -> Completions {
    let (first, document) = document_at(text, line);
    let line = line + 1 - first;
    let typing = yaml_path::typing_at(&document, line, column);
    // `apiVersion` and `kind` are offered from the kinds the API server serves.
    if let Typing::Value { path, prefix } = &typing
        && let [Segment::Key(top)] = path.0.as_slice()
        && (top == "kind" || top == "apiVersion")
    {
        let mut values: Vec<String> = api
            .kinds()
            .iter()
            .map(|k| if top == "kind" { k.kind() } else { k.api_version() }.to_string())
            .collect();
        crate::sort::sort(&mut values);
        values.dedup();
        return value_offers(prefix, values);
    }
    let Some(root) = root(schema, api, &document) else {
        return Completions::default();
    };
    match typing {
        Typing::Key { parent, prefix } => {
            let Some(field) = field_at(schema, &root, &parent) else {
                return Completions::default();
            };
            let (_, fields) = container(schema, field.schema);
            let Some(properties) = fields.get("properties").and_then(Value::as_object) else {
                // An item of a list of strings: its value is being typed.
                let name = last_key(&parent).unwrap_or_default();
                return value_offers(&prefix, values_of(schema, &field, name));
            };
            let written: Vec<String> = yaml_path::keys(&document)
                .into_iter()
                .filter(|k| k.path.0.len() == parent.0.len() + 1 && k.path.0.starts_with(&parent.0))
                .filter(|k| k.line != line)
                .filter_map(|k| match k.path.0.last() {
                    Some(Segment::Key(key)) => Some(key.clone()),
                    _ => None,
                })
                .collect();
            let options = properties
                .iter()
                .filter(|(name, _)| name.starts_with(&prefix) && !written.contains(name))
                .map(|(name, property)| {
                    let nested = container(schema, property).1.get("properties").is_some()
                        || schema.resolve(property).get("type").and_then(Value::as_str)
                            == Some("array");
                    Completion {
                        label: name.clone(),
                        insert: if nested { format!("{name}:") } else { format!("{name}: ") },
                        detail: schema.type_name(property),
                        info: property
                            .get("description")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    }
                })
                .collect();
            Completions { typed_chars: prefix.chars().count(), options }
        }
        Typing::Value { path, prefix } => {
            let Some(field) = field_at(schema, &root, &path) else {
                return Completions::default();
            };
            let name = last_key(&path).unwrap_or_default();
            value_offers(&prefix, values_of(schema, &field, name))
        }
    }
}

fn value_offers(prefix: &str, values: Vec<String>) -> Completions {
    let options = values
        .into_iter()
        .filter(|v| v.starts_with(prefix))
        .map(|value| Completion {
            label: value.clone(),
            insert: value,
            detail: String::new(),
            info: String::new(),
        })
        .collect();
    Completions { typed_chars: prefix.chars().count(), options }
}

/// The description of the field whose key is under the cursor, headed by its name and type as
/// `kubectl explain` shows them (`image <string>`).
pub fn description(
    schema: &Schema,
    api: &ApiServer,
    text: &str,
    line: usize,
    column: usize,
) -> Option<String> {
    let (first, document) = document_at(text, line);
    let path = yaml_path::key_at(&document, line + 1 - first, column)?;
    let root = root(schema, api, &document)?;
    let field = field_at(schema, &root, &path)?;
    let name = last_key(&path)?;
    let description = field
        .schema
        .get("description")
        .or_else(|| schema.resolve(field.schema).get("description"))
        .and_then(Value::as_str)
        .unwrap_or("<no description>");
    Some(format!("{name} <{}>\n\n{description}", schema.type_name(field.schema)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Simulation;

    fn schema() -> Schema {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../public/schema-v1.34.json"
        ))
        .expect("the schema file");
        Schema::from_json(&text).expect("a valid schema")
    }

    fn labels(text: &str, line: usize, column: usize) -> Vec<String> {
        let sim = Simulation::new(1);
        completions(&schema(), sim.api(), text, line, column)
            .options
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    ima\n";

    #[test]
    fn field_names_of_the_mapping_at_the_cursor_are_offered() {
        assert_eq!(labels(POD, 8, 8), ["image", "imagePullPolicy"]);
        let sim = Simulation::new(1);
        let offered = completions(&schema(), sim.api(), POD, 8, 8);
        assert_eq!(offered.typed_chars, 3);
        assert_eq!(offered.options[0].insert, "image: ");
        assert_eq!(offered.options[0].detail, "string");
        assert!(offered.options[0].info.starts_with("Container image name."));
    }

    #[test]
    fn fields_already_written_are_not_offered_again() {
        let offered = labels(POD, 8, 5);
        assert!(offered.contains(&"image".to_string()));
        assert!(!offered.contains(&"name".to_string()));
        let top = labels("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n\n", 5, 1);
        assert_eq!(top, ["spec", "status"]);
    }

    #[test]
    fn enum_values_and_booleans_are_offered_for_a_fields_value() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: On\n  hostNetwork: \n";
        assert_eq!(labels(text, 4, 20), ["OnFailure"]);
        assert_eq!(labels(text, 5, 16), ["false", "true"]);
        let text =
            "apiVersion: v1\nkind: PersistentVolumeClaim\nspec:\n  accessModes:\n  - ReadWriteO\n";
        assert_eq!(labels(text, 5, 15), ["ReadWriteOnce", "ReadWriteOncePod"]);
    }

    #[test]
    fn kinds_and_api_versions_are_offered_from_the_api_server() {
        assert_eq!(labels("apiVersion: apps/v1\nkind: Deploy", 2, 13), ["Deployment"]);
        assert!(labels("apiVersion: app", 1, 16).contains(&"apps/v1".to_string()));
    }

    #[test]
    fn hover_describes_the_field_under_the_cursor() {
        let sim = Simulation::new(1);
        let text = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3\n";
        let shown = description(&schema(), sim.api(), text, 4, 4).expect("a description");
        assert!(shown.starts_with("replicas <integer>\n\nNumber of desired pods."), "{shown}");
        assert_eq!(description(&schema(), sim.api(), text, 4, 14), None);
    }

    #[test]
    fn the_document_under_the_cursor_gives_the_kind() {
        let text = "apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: N\n";
        assert_eq!(labels(text, 7, 19), ["Never"]);
    }
}
