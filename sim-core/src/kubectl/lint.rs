//! The YAML editor's live validation: what `kubectl apply -f` would be told about a manifest,
//! found without changing anything (a dry run against a copy of the API server), each message
//! placed at the line and column of the field it is about.

use super::yaml_path::{self, FieldPath, KeyAt, Segment};
use super::{apply, errors, merge};
use crate::Simulation;
use crate::api::{ApiError, ApiServer, decode};
use serde_json::Value;

/// One problem in the manifest, where the editor marks it (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub column: usize,
    /// What kubectl would print, word for word.
    pub message: String,
}

/// Every problem `kubectl apply -f SOURCE` would report for `text` in `namespace` (the
/// context's), without applying it.
pub fn lint(sim: &Simulation, namespace: &str, source: &str, text: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (first_line, document) in documents(text) {
        let at = |line: usize, column: usize, message: String| Diagnostic {
            line: first_line + line - 1,
            column,
            message,
        };
        let objects = match decode::documents(&document) {
            Ok(objects) => objects,
            Err(error) => {
                diagnostics.push(at(
                    error.line,
                    error.column,
                    format!("error parsing {source}: error converting YAML to JSON: {error}"),
                ));
                continue;
            }
        };
        let keys = yaml_path::keys(&document);
        // A `List`'s items have no lines of their own to point at: its problems go on line 1.
        let keys = if objects.len() == 1 { keys } else { Vec::new() };
        for object in objects {
            for Problem { field, message } in problems(sim.api(), namespace, source, object) {
                let place = match field {
                    Field::Path(path) => yaml_path::line_of(&keys, &path),
                    Field::WithoutIndexes(path) => without_indexes(&keys, &path),
                };
                let (line, column) = place.unwrap_or((1, 1));
                diagnostics.push(at(line, column, message));
            }
        }
    }
    diagnostics
}

/// The documents of a manifest with the line (1-based) each starts on.
fn documents(text: &str) -> Vec<(usize, String)> {
    let mut documents = vec![(1, String::new())];
    for (index, line) in text.lines().enumerate() {
        if line.starts_with("---") {
            documents.push((index + 2, String::new()));
        } else if let Some((_, document)) = documents.last_mut() {
            document.push_str(line);
            document.push('\n');
        }
    }
    documents
}

/// One thing wrong with an object and the field it is about.
struct Problem {
    field: Field,
    message: String,
}

/// How a message names its field.
enum Field {
    /// As the API server does: `spec.containers[1].name` (empty: the whole object).
    Path(FieldPath),
    /// As Go's JSON decoder does, without indexes: `spec.containers.image`.
    WithoutIndexes(FieldPath),
}

fn problem(field: FieldPath, message: String) -> Problem {
    Problem { field: Field::Path(field), message }
}

/// What is wrong with one object.
fn problems(api: &ApiServer, namespace: &str, source: &str, object: Value) -> Vec<Problem> {
    dry_run_checked(api, namespace, source, object).err().unwrap_or_default()
}

/// Applies `object` to a copy of the API server: the live object (if any) and the one the
/// server would keep, or what `kubectl apply` would print instead (its lines joined).
pub(super) fn dry_run(
    api: &ApiServer,
    namespace: &str,
    source: &str,
    object: Value,
) -> Result<(Option<Value>, Value), String> {
    dry_run_checked(api, namespace, source, object).map_err(|problems| {
        let mut messages: Vec<String> = problems.into_iter().map(|p| p.message).collect();
        messages.dedup();
        messages.join("\n")
    })
}

fn dry_run_checked(
    api: &ApiServer,
    namespace: &str,
    source: &str,
    mut object: Value,
) -> Result<(Option<Value>, Value), Vec<Problem>> {
    let field = |text: &str| object.pointer(text).and_then(Value::as_str).unwrap_or_default();
    let (api_version, kind_name, name) =
        (field("/apiVersion"), field("/kind"), field("/metadata/name").to_string());
    let missing: Vec<&str> = [(api_version, "apiVersion not set"), (kind_name, "kind not set")]
        .into_iter()
        .filter(|(value, _)| value.is_empty())
        .map(|(_, message)| message)
        .collect();
    if !missing.is_empty() {
        let list = match missing.as_slice() {
            [one] => one.to_string(),
            many => format!("[{}]", many.join(", ")),
        };
        return Err(vec![problem(
            FieldPath::default(),
            format!(
                "error validating \"{source}\": error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false"
            ),
        )]);
    }
    let Some(kind) = api.kind_for(api_version, kind_name) else {
        let given_namespace = field("/metadata/namespace");
        return Err(vec![problem(
            key_path(&["kind"]),
            format!(
                "resource mapping not found for name: \"{name}\" namespace: \"{given_namespace}\" from \"{source}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first"
            ),
        )]);
    };
    if let Err(problem) = kind.decode(&object) {
        let message = errors::describe_for(
            &errors::undecodable(kind.kind(), kind.api_version(), &problem),
            "creating",
            source,
        );
        return Err(undecodable_fields(&problem, kind.kind())
            .into_iter()
            .map(|field| Problem { field, message: message.clone() })
            .collect());
    }
    if kind.namespaced()
        && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        metadata.entry("namespace").or_insert_with(|| Value::String(namespace.to_string()));
    }
    let namespace = object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
    let config = apply::with_annotation(&object, apply::last_applied(&object));
    let mut scratch = api.clone();
    let (live, result) = match kind.get(api, namespace, &name) {
        Ok(live) => {
            let annotation =
                format!("/metadata/annotations/{}", apply::LAST_APPLIED.replace('/', "~1"));
            let last = live
                .pointer(&annotation)
                .and_then(Value::as_str)
                .and_then(|text| serde_json::from_str::<Value>(text).ok());
            let merged = merge::three_way(&live, &config, last.as_ref());
            (Some(live), kind.update(&mut scratch, merged))
        }
        Err(ApiError::NotFound { .. }) => (None, kind.create(&mut scratch, config)),
        Err(other) => (None, Err(other)),
    };
    match result {
        Ok(kept) => Ok((live, kept)),
        Err(ApiError::Invalid { kind, group, name, causes }) => Err(causes
            .into_iter()
            .map(|cause| {
                let path = FieldPath::parse(&cause.field);
                let one = ApiError::Invalid {
                    kind: kind.clone(),
                    group: group.clone(),
                    name: name.clone(),
                    causes: vec![cause],
                };
                problem(path, errors::describe(&one))
            })
            .collect()),
        Err(error @ ApiError::NotFound { .. }) => {
            let message = errors::describe_for(&error, "creating", source);
            Err(vec![problem(key_path(&["metadata", "namespace"]), message)])
        }
        Err(error) => Err(vec![problem(
            FieldPath::default(),
            errors::describe_for(&error, "creating", source),
        )]),
    }
}

fn key_path(keys: &[&str]) -> FieldPath {
    FieldPath(keys.iter().map(|k| Segment::Key(k.to_string())).collect())
}

/// The fields a decoding error names: each `unknown field "spec.x"`, or the field of a value
/// of the wrong type (`Go struct field Pod.spec.containers.image`, which names no indexes).
fn undecodable_fields(problem: &str, kind: &str) -> Vec<Field> {
    let unknown: Vec<Field> = problem
        .split("unknown field \"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(field, _)| Field::Path(FieldPath::parse(field)))
        .collect();
    if !unknown.is_empty() {
        return unknown;
    }
    let go_field = problem
        .split_once(&format!("Go struct field {kind}."))
        .and_then(|(_, rest)| rest.split_once(" of type "))
        .map(|(field, _)| field);
    vec![Field::WithoutIndexes(go_field.map(FieldPath::parse).unwrap_or_default())]
}

/// Where the first written key is whose path, indexes left out, is `path`.
fn without_indexes(keys: &[KeyAt], path: &FieldPath) -> Option<(usize, usize)> {
    keys.iter()
        .find(|key| key.path.0.iter().filter(|s| matches!(s, Segment::Key(_))).eq(path.0.iter()))
        .map(|key| (key.line, key.column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<(usize, usize, String)> {
        let sim = Simulation::new(1);
        lint(&sim, "default", "STDIN", text)
            .into_iter()
            .map(|d| (d.line, d.column, d.message))
            .collect()
    }

    #[test]
    fn a_valid_pod_has_no_problems() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n";
        assert_eq!(check(text), vec![]);
    }

    #[test]
    fn yaml_errors_are_marked_at_their_line_and_column() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n labels: {}\n";
        let found = check(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 5);
        assert!(
            found[0]
                .2
                .starts_with("error parsing STDIN: error converting YAML to JSON: yaml: line 5:"),
            "{}",
            found[0].2
        );
    }

    #[test]
    fn validation_errors_are_marked_at_the_offending_field_with_the_servers_message() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n  - name: Bad_Name\n    image: busybox\n";
        let found = check(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (9, 5));
        assert!(
            found[0].2.starts_with(
                "The Pod \"web\" is invalid: spec.containers[1].name: Invalid value: \"Bad_Name\""
            ),
            "{}",
            found[0].2
        );
    }

    #[test]
    fn a_missing_required_field_is_marked_at_its_parent() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n";
        let found = check(text);
        assert_eq!(
            found,
            vec![(
                7,
                5,
                "The Pod \"web\" is invalid: spec.containers[0].image: Required value".into()
            )]
        );
    }

    #[test]
    fn unknown_fields_are_flagged_each_at_its_line() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    imagee: nginx\n";
        let found = check(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (8, 5));
        assert_eq!(
            found[0].2,
            "Error from server (BadRequest): error when creating \"STDIN\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagee\""
        );
    }

    #[test]
    fn values_of_the_wrong_type_are_marked_at_their_field() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports:\n    - containerPort: http\n";
        let found = check(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (10, 7), "{}", found[0].2);
    }

    #[test]
    fn unknown_kinds_and_missing_kinds_are_reported() {
        let found = check("apiVersion: v1\nkind: Pud\nmetadata:\n  name: web\n");
        assert_eq!(found[0].0, 2);
        assert!(found[0].2.contains("no matches for kind \"Pud\" in version \"v1\""));
        let found = check("metadata:\n  name: web\n");
        assert_eq!(found[0].0, 1);
        assert!(found[0].2.contains("[apiVersion not set, kind not set]"), "{}", found[0].2);
    }

    #[test]
    fn each_document_is_checked_with_its_own_lines() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n";
        let found = check(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (12, 5));
    }

    #[test]
    fn updates_are_checked_against_the_live_object() {
        let mut sim = Simulation::new(1);
        let mut shell = crate::shell::Shell::new();
        shell.run_script(&mut sim, "kubectl create deployment web --image=nginx");
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: other\n  template:\n    metadata:\n      labels:\n        app: other\n    spec:\n      containers:\n      - name: nginx\n        image: nginx\n";
        let found: Vec<_> = lint(&sim, "default", "STDIN", text);
        assert!(
            found.iter().any(|d| d.line == 6
                && d.message.contains("spec.selector: Invalid value")
                && d.message.contains("field is immutable")),
            "{found:?}"
        );
    }
}
