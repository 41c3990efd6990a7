//! Reading manifests: YAML or JSON text with one or more documents (or a `kind: List`) into
//! objects, and decoding an object strictly, with the errors kubectl and the API server give for
//! bad syntax, values of the wrong type and fields a kind does not have.

use super::Kind;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::{self, Write};

/// A YAML syntax error; kubectl reports the line, the editor also uses the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    /// libyaml's message (go-yaml, which kubectl uses, is a port of libyaml and words them alike).
    pub message: String,
}

impl fmt::Display for SyntaxError {
    /// As go-yaml words it inside kubectl's message: `yaml: line 5: mapping values are not …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "yaml: line {}: {}", self.line, self.message)
    }
}

/// The objects in a manifest, in order: empty documents are skipped and a `List`'s items are
/// taken out of it.
pub fn documents(text: &str) -> Result<Vec<Value>, SyntaxError> {
    let mut objects = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|error| {
            let location = error.location();
            let text = error.to_string();
            let message = match text.find(" at line ") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            SyntaxError {
                line: location.as_ref().map_or(1, |l| l.line()),
                column: location.as_ref().map_or(1, |l| l.column()),
                message,
            }
        })?;
        let mut value = value;
        octal_modes(&mut value);
        match value {
            Value::Null => {}
            Value::Object(ref map)
                if map.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"))
                    && map.get("items").is_some_and(Value::is_array) =>
            {
                if let Some(Value::Array(items)) = map.get("items") {
                    objects.extend(items.iter().cloned());
                }
            }
            other => objects.push(other),
        }
    }
    Ok(objects)
}

/// kubectl reads YAML 1.1, where `0400` is an octal number; the YAML 1.2 parser here leaves
/// it a string. File modes (`defaultMode`, `mode`) are where manifests write octal, so there
/// such strings are read as kubectl reads them.
fn octal_modes(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                let octal = match field {
                    Value::String(text) if key == "defaultMode" || key == "mode" => {
                        let digits = text.len() > 1
                            && text.starts_with('0')
                            && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
                        digits.then(|| i64::from_str_radix(text, 8).ok()).flatten()
                    }
                    _ => None,
                };
                match octal {
                    Some(number) => *field = Value::from(number),
                    None => octal_modes(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(octal_modes),
        _ => {}
    }
}

/// Decodes `value` as a `K` the way the API server decodes with strict field validation: the
/// first value of the wrong type fails the decoding; every field `K` does not have is listed.
/// Returns the object and its encoding (what the decoding kept), which the check needs anyway.
pub fn strict<K: Kind>(value: &Value) -> Result<(K, Value), String> {
    strict_as(value, K::KIND)
}

/// [`strict`] for any type: `kind` names it in the messages.
pub fn strict_as<T: DeserializeOwned + Serialize>(
    value: &Value,
    kind: &str,
) -> Result<(T, Value), String> {
    let object = T::deserialize(value).map_err(|error| {
        let inner = error.to_string();
        let path = offending_path(value, &inner).unwrap_or_default();
        format!(
            "json: cannot unmarshal {} into Go struct field {}.{} of type {}",
            found_type(&inner),
            kind,
            go_path(&path),
            go_type(&inner)
        )
    })?;
    let mut unknown = Vec::new();
    let encoded = serde_json::to_value(&object).unwrap_or(Value::Null);
    unknown_fields(value, &encoded, &mut String::new(), &mut unknown);
    if unknown.is_empty() {
        Ok((object, encoded))
    } else {
        let fields: Vec<String> =
            unknown.iter().map(|field| format!("unknown field \"{field}\"")).collect();
        Err(format!("strict decoding error: {}", fields.join(", ")))
    }
}

/// Paths of keys in `input` that did not survive decoding and encoding again: fields the kind
/// does not have. Null values are skipped (they decode to "not set"). `path` is where `input`
/// sits, grown and cut back in place: a path is copied only for an unknown field.
fn unknown_fields(input: &Value, decoded: &Value, path: &mut String, unknown: &mut Vec<String>) {
    let parent = path.len();
    match (input, decoded) {
        (Value::Object(given), Value::Object(kept)) => {
            for (key, value) in given {
                if parent > 0 {
                    path.push('.');
                }
                path.push_str(key);
                match kept.get(key) {
                    Some(kept_value) => unknown_fields(value, kept_value, path, unknown),
                    None if value.is_null() => {}
                    None => unknown.push(path.clone()),
                }
                path.truncate(parent);
            }
        }
        (Value::Array(given), Value::Array(kept)) => {
            for (index, (value, kept_value)) in given.iter().zip(kept).enumerate() {
                let _ = write!(path, "[{index}]");
                unknown_fields(value, kept_value, path, unknown);
                path.truncate(parent);
            }
        }
        _ => {}
    }
}

/// Where in `value` the value named by serde's `invalid type: string "http", expected i32` sits.
/// (Decoding again with a path-tracking deserializer would double the decoders in the
/// WebAssembly; the offending value is nearly always unique in a manifest.)
fn offending_path(value: &Value, message: &str) -> Option<String> {
    let found = message.strip_prefix("invalid type: ")?;
    let found = found.rsplit_once(", expected").map_or(found, |(f, _)| f);
    let wanted: Option<Value> = if let Some(text) = found.strip_prefix("string ") {
        serde_json::from_str::<String>(text).ok().map(Value::String)
    } else if let Some(number) = found.strip_prefix("integer `").and_then(|n| n.strip_suffix('`')) {
        number.parse::<i64>().ok().map(Value::from)
    } else if let Some(number) =
        found.strip_prefix("floating point `").and_then(|n| n.strip_suffix('`'))
    {
        number.parse::<f64>().ok().map(Value::from)
    } else if let Some(flag) = found.strip_prefix("boolean `").and_then(|n| n.strip_suffix('`')) {
        flag.parse::<bool>().ok().map(Value::Bool)
    } else {
        None
    };
    let matches = |candidate: &Value| match (&wanted, found) {
        (Some(wanted), _) => candidate == wanted,
        (None, f) if f.starts_with("sequence") => candidate.is_array(),
        (None, f) if f.starts_with("map") => candidate.is_object(),
        _ => false,
    };
    fn search(value: &Value, path: &str, matches: &dyn Fn(&Value) -> bool) -> Option<String> {
        match value {
            Value::Object(map) => map.iter().find_map(|(key, child)| {
                let child_path =
                    if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if matches(child) { Some(child_path) } else { search(child, &child_path, matches) }
            }),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, child)| {
                let child_path = format!("{path}[{i}]");
                if matches(child) { Some(child_path) } else { search(child, &child_path, matches) }
            }),
            _ => None,
        }
    }
    search(value, "", &matches)
}

/// `spec.containers[0].ports[0].containerPort` as Go's JSON decoder names it:
/// `spec.containers.ports.containerPort`.
fn go_path(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// serde's `invalid type: string "abc", expected i32` → `string`.
fn found_type(message: &str) -> &'static str {
    let found = message.strip_prefix("invalid type: ").unwrap_or(message);
    if found.starts_with("string") {
        "string"
    } else if found.starts_with("integer") || found.starts_with("floating point") {
        "number"
    } else if found.starts_with("boolean") {
        "bool"
    } else if found.starts_with("sequence") {
        "array"
    } else if found.starts_with("map") {
        "object"
    } else {
        "value"
    }
}

/// serde's expectation in Go's words: `i32` → `int32`, `a string` → `string`.
fn go_type(message: &str) -> String {
    let expected = message.rsplit("expected ").next().unwrap_or_default().trim();
    match expected {
        "i32" => "int32".to_string(),
        "i64" => "int64".to_string(),
        "u32" | "u64" => "uint64".to_string(),
        "f64" => "float64".to_string(),
        "a boolean" => "bool".to_string(),
        "a string" => "string".to_string(),
        "a sequence" => "[]interface {}".to_string(),
        "a map" => "map[string]interface {}".to_string(),
        other => other.trim_start_matches("struct ").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    #[test]
    fn several_documents_and_lists() {
        let text = "apiVersion: v1\nkind: Pod\n---\n---\nkind: List\napiVersion: v1\nitems:\n- kind: A\n- kind: B\n";
        let docs = documents(text).unwrap();
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        assert_eq!(kinds, ["Pod", "A", "B"]);
    }

    #[test]
    fn syntax_errors_have_a_line_and_column() {
        let error = documents("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   labels: x\n")
            .unwrap_err();
        assert_eq!(error.line, 5);
        assert!(error.column > 1);
        assert_eq!(
            error.to_string(),
            "yaml: line 5: mapping values are not allowed in this context"
        );
    }

    #[test]
    fn unknown_fields_are_listed_with_their_paths() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labelz": {}},
            "spec": {"containers": [{"name": "web", "image": "nginx", "imagee": "x"}]}});
        assert_eq!(
            strict::<Pod>(&pod).unwrap_err(),
            "strict decoding error: unknown field \"metadata.labelz\", unknown field \"spec.containers[0].imagee\""
        );
    }

    #[test]
    fn wrong_types_are_reported_like_go() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": "http"}]}]}});
        assert_eq!(
            strict::<Pod>(&pod).unwrap_err(),
            "json: cannot unmarshal string into Go struct field Pod.spec.containers.ports.containerPort of type int32"
        );
    }

    #[test]
    fn file_modes_written_in_octal_are_octal_as_yaml_1_1_reads_them() {
        let text = "spec:\n  volumes:\n  - secret:\n      defaultMode: 0400\n      items:\n      - key: a\n        path: a\n        mode: 0777\n";
        let value = &documents(text).unwrap()[0];
        assert_eq!(value["spec"]["volumes"][0]["secret"]["defaultMode"], 256);
        assert_eq!(value["spec"]["volumes"][0]["secret"]["items"][0]["mode"], 511);
    }

    #[test]
    fn nulls_are_not_unknown() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "creationTimestamp": null},
            "spec": {"containers": [{"name": "web", "image": "nginx", "resources": {}}]}, "status": {}});
        assert!(strict::<Pod>(&pod).is_ok());
    }
}
