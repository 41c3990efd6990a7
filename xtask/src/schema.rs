//! `cargo xtask schema`: writes `public/schema-v1.34.json`, the API schema `kubectl explain`
//! reads, from the OpenAPI schemas k8s-openapi carries in its source (types, descriptions,
//! references). Run it when moving to another Kubernetes version; the file is committed.

use crate::root;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION_MODULE: &str = "v1_34";
const OUTPUT: &str = "public/schema-v1.34.json";

/// The schema ids of the kinds the lab stores, as explain knows them.
const KINDS: &[&str] = &[
    "io.k8s.api.core.v1.Namespace",
    "io.k8s.api.core.v1.Node",
    "io.k8s.api.core.v1.Pod",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.Endpoints",
    "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Secret",
    "io.k8s.api.core.v1.ServiceAccount",
    "io.k8s.api.core.v1.Event",
    "io.k8s.api.core.v1.PersistentVolume",
    "io.k8s.api.core.v1.PersistentVolumeClaim",
    "io.k8s.api.core.v1.ReplicationController",
    "io.k8s.api.discovery.v1.EndpointSlice",
    "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.apps.v1.ReplicaSet",
    "io.k8s.api.apps.v1.DaemonSet",
    "io.k8s.api.apps.v1.StatefulSet",
    "io.k8s.api.apps.v1.ControllerRevision",
    "io.k8s.api.batch.v1.Job",
    "io.k8s.api.batch.v1.CronJob",
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    "io.k8s.api.networking.v1.Ingress",
    "io.k8s.api.networking.v1.IngressClass",
    "io.k8s.api.networking.v1.NetworkPolicy",
    "io.k8s.api.coordination.v1.Lease",
    "io.k8s.api.policy.v1.PodDisruptionBudget",
    "io.k8s.api.rbac.v1.ClusterRole",
    "io.k8s.api.rbac.v1.ClusterRoleBinding",
    "io.k8s.api.rbac.v1.Role",
    "io.k8s.api.rbac.v1.RoleBinding",
    "io.k8s.api.scheduling.v1.PriorityClass",
    "io.k8s.api.storage.v1.StorageClass",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
];

pub fn run() -> Result<(), String> {
    let source = k8s_openapi_source()?.join("src").join(VERSION_MODULE);
    let mut files = Vec::new();
    collect(&source, &mut files);
    // Rust path of each type (`api::core::v1::PodSpec`) → schema id, and id → schema.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
        let (Some(name), Some(id), Some(body)) =
            (struct_name(&text), schema_id(&text), schema_body(&text))
        else {
            continue;
        };
        let module = file.strip_prefix(&source).unwrap_or(file).with_extension("");
        let module: Vec<String> =
            module.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let rust_path = format!("{}::{name}", module[..module.len() - 1].join("::"));
        let json = to_json(&body);
        let mut schema: Value =
            serde_json::from_str(&json).map_err(|e| format!("{}: {e}", file.display()))?;
        // k8s-openapi lists `metadata` as required because its Rust field is not optional; the
        // API's own schema does not.
        if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r != "metadata");
        }
        ids.insert(rust_path, id.clone());
        schemas.insert(id, schema);
    }
    // References name Rust paths; make them schema ids.
    for schema in schemas.values_mut() {
        resolve_refs(schema, &ids);
    }
    let mut reachable = BTreeSet::new();
    let mut pending: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
    while let Some(id) = pending.pop() {
        if !reachable.insert(id.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get(&id) {
            let mut refs = Vec::new();
            refs_of(schema, &mut refs);
            pending.extend(refs);
        }
    }
    let definitions: Map<String, Value> = reachable
        .iter()
        .filter_map(|id| schemas.get(id).map(|s| (id.clone(), s.clone())))
        .collect();
    let document = json!({ "version": "v1.34", "kinds": KINDS, "definitions": definitions });
    let path = root().join(OUTPUT);
    std::fs::write(&path, serde_json::to_string(&document).map_err(|e| e.to_string())? + "\n")
        .map_err(|e| e.to_string())?;
    println!("wrote {} ({} definitions)", path.display(), definitions.len());
    Ok(())
}

fn k8s_openapi_source() -> Result<PathBuf, String> {
    let output = Command::new("cargo")
        .args(["metadata", "--format-version", "1"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let metadata: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "k8s-openapi")
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|m| Path::new(m).parent().map(Path::to_path_buf))
        .ok_or_else(|| "k8s-openapi is not in the dependency graph".to_string())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
}

/// The type a file defines: its first `pub struct` or `pub enum` (IntOrString is an enum).
fn struct_name(text: &str) -> Option<String> {
    let at = ["pub struct ", "pub enum "]
        .iter()
        .filter_map(|k| text.find(k).map(|i| i + k.len()))
        .min()?;
    Some(text[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
}

fn schema_id(text: &str) -> Option<String> {
    let at = text.find("fn schema_name()")?;
    let quote = text[at..].find('"')? + at + 1;
    let end = text[quote..].find('"')? + quote;
    Some(text[quote..end].to_string())
}

/// The argument of `json_schema!( … )`.
fn schema_body(text: &str) -> Option<String> {
    let start = text.find("json_schema!(")? + "json_schema!(".len();
    let end = matching(text, start - 1, '(', ')')?;
    Some(text[start..end].to_string())
}

/// The index of the bracket closing the one at `open`, skipping string literals.
fn matching(text: &str, open: usize, left: char, right: char) -> Option<usize> {
    let mut literals = StringLiterals::default();
    let mut depth = 0usize;
    for (i, &b) in text.as_bytes().iter().enumerate().skip(open) {
        let c = b as char;
        if !literals.is_code(c) {
            continue;
        }
        if c == left {
            depth += 1;
        } else if c == right {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Follows Rust source character by character to tell string literals (`"…"` with backslash
/// escapes) from code.
#[derive(Default)]
struct StringLiterals {
    inside: bool,
    escaped: bool,
}

impl StringLiterals {
    /// Whether `c`, the next character, is code: outside a literal and not one of its quotes.
    fn is_code(&mut self, c: char) -> bool {
        if self.inside {
            match (self.escaped, c) {
                (true, _) => self.escaped = false,
                (false, '\\') => self.escaped = true,
                (false, '"') => self.inside = false,
                _ => {}
            }
            return false;
        }
        if c == '"' {
            self.inside = true;
            return false;
        }
        true
    }
}

/// The macro body as JSON: `subschema_for::<crate::X>()` becomes `{"$ref": "X"}` (with the
/// description some of them insert), trailing commas go.
fn to_json(body: &str) -> String {
    let mut text = body.to_string();
    while let Some(at) = find_code(&text, "({") {
        let Some(end) = matching(&text, at, '(', ')') else { break };
        let inner = &text[at..=end];
        let path = between(inner, "subschema_for::<crate::", ">()").unwrap_or_default();
        let description = between(inner, "insert(\"description\".into(), ", ".into());");
        let replacement = match description {
            Some(d) => format!("{{\"$ref\": \"{path}\", \"description\": {d}}}"),
            None => format!("{{\"$ref\": \"{path}\"}}"),
        };
        text.replace_range(at..=end, &replacement);
    }
    while let Some(at) = find_code(&text, "(__gen.subschema_for::<crate::") {
        let Some(end) = matching(&text, at, '(', ')') else { break };
        let path = between(&text[at..=end], "subschema_for::<crate::", ">()")
            .unwrap_or_default()
            .to_string();
        text.replace_range(at..=end, &format!("{{\"$ref\": \"{path}\"}}"));
    }
    while let Some(at) = find_code(&text, "__gen.subschema_for::<crate::") {
        let Some(close) = text[at..].find(">()").map(|i| at + i + 3) else { break };
        let path = between(&text[at..close], "subschema_for::<crate::", ">()")
            .unwrap_or_default()
            .to_string();
        text.replace_range(at..close, &format!("{{\"$ref\": \"{path}\"}}"));
    }
    without_trailing_commas(&text)
}

/// The first occurrence of `pattern` outside string literals.
fn find_code(text: &str, pattern: &str) -> Option<usize> {
    let mut literals = StringLiterals::default();
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&i| literals.is_code(bytes[i] as char) && text[i..].starts_with(pattern))
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

fn without_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut literals = StringLiterals::default();
    for (i, &c) in chars.iter().enumerate() {
        let trailing_comma = c == ','
            && chars[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|n| *n == '}' || *n == ']');
        if literals.is_code(c) && trailing_comma {
            continue;
        }
        out.push(c);
    }
    out
}

fn resolve_refs(value: &mut Value, ids: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(path)) = map.get("$ref")
                && let Some(id) = ids.get(path)
            {
                map.insert("$ref".into(), Value::String(id.clone()));
            }
            map.values_mut().for_each(|v| resolve_refs(v, ids));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| resolve_refs(v, ids)),
        _ => {}
    }
}

fn refs_of(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("$ref") {
                refs.push(id.clone());
            }
            map.values().for_each(|v| refs_of(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_of(v, refs)),
        _ => {}
    }
}
