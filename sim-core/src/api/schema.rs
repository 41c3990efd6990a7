//! A CRD's openAPIV3Schema applied to a custom object, as the apiextensions server applies it:
//! fields the schema does not know (refused under strict field validation), defaults, then
//! types, required fields, enums and limits, with kube-openapi's messages.

use super::FieldError;
use serde_json::{Map, Value};

/// The fields of `object` its schema does not declare, as `spec.foo` paths. `apiVersion`,
/// `kind` and `metadata` are every object's own.
pub fn unknown_fields(schema: &Value, object: &Value) -> Vec<String> {
    let mut unknown = Vec::new();
    if let Some(fields) = object.as_object() {
        let own = |key: &str| matches!(key, "apiVersion" | "kind" | "metadata");
        for (key, value) in fields.iter().filter(|(key, _)| !own(key)) {
            match child_schema(schema, key) {
                Some(child) => walk_unknown(child, value, key.clone(), &mut unknown),
                None if value.is_null() => {}
                None => unknown.push(key.clone()),
            }
        }
    }
    unknown
}

fn walk_unknown(schema: &Value, value: &Value, path: String, unknown: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                match child_schema(schema, key) {
                    Some(child) => walk_unknown(child, value, format!("{path}.{key}"), unknown),
                    None if value.is_null() => {}
                    None => unknown.push(format!("{path}.{key}")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    walk_unknown(item_schema, item, format!("{path}[{index}]"), unknown);
                }
            }
        }
        _ => {}
    }
}

/// The schema of field `key` of an object described by `schema`: a declared property, the
/// `additionalProperties` schema, or anything at all where unknown fields are preserved.
/// `None` means the field is unknown.
fn child_schema<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    static ANYTHING: Value = Value::Null;
    if let Some(property) = schema.pointer("/properties").and_then(|p| p.get(key)) {
        return Some(property);
    }
    match schema.get("additionalProperties") {
        Some(Value::Bool(true)) => return Some(&ANYTHING),
        Some(additional @ Value::Object(_)) => return Some(additional),
        _ => {}
    }
    let preserves = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    let untyped = schema.get("type").is_none() && schema.get("properties").is_none();
    (preserves || untyped || schema.get("x-kubernetes-embedded-resource").is_some())
        .then_some(&ANYTHING)
}

/// Fills in the schema's `default`s for absent fields, and drops null values the schema does
/// not allow (the server prunes them rather than refuse them).
pub fn apply_defaults(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(fields) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    if let Some(default) = property.get("default")
                        && fields.get(key).is_none_or(|v| v.is_null() && !nullable(property))
                    {
                        fields.insert(key.clone(), default.clone());
                    }
                }
            }
            fields.retain(|key, value| {
                !value.is_null() || child_schema(schema, key).is_none_or(nullable)
            });
            for (key, child) in fields.iter_mut() {
                if let Some(child_schema) = child_schema(schema, key) {
                    apply_defaults(child_schema, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    apply_defaults(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

fn nullable(schema: &Value) -> bool {
    schema.get("nullable") == Some(&Value::Bool(true))
}

/// What the schema refuses in `object`, skipping the object's metadata (validated as every
/// kind's metadata is).
pub fn validate(schema: &Value, object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut content = object.as_object().cloned().unwrap_or_default();
    content.remove("metadata");
    let mut schema = schema.clone();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.remove("metadata");
    }
    check(&schema, &Value::Object(content), "", &mut errors);
    errors
}

fn check(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if value.is_null() && nullable(schema) {
        return;
    }
    if let Some(wanted) = schema.get("type").and_then(Value::as_str)
        && !has_type(value, wanted, schema)
    {
        let found = json_type(value);
        let at = shown(path);
        errors.push(FieldError::invalid(
            path,
            found,
            format!("{at} in body must be of type {wanted}: \"{found}\""),
        ));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(FieldError::not_supported_raw(
            path,
            value.to_string(),
            allowed.iter().map(Value::to_string).collect(),
        ));
    }
    match value {
        Value::Object(fields) => check_object(schema, fields, path, errors),
        Value::Array(items) => check_array(schema, items, path, errors),
        Value::String(text) => check_string(schema, text, path, errors),
        Value::Number(number) => check_number(schema, value, number.as_f64(), path, errors),
        _ => {}
    }
}

fn check_object(
    schema: &Value,
    fields: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        if let Some(key) = required.as_str()
            && fields.get(key).is_none_or(Value::is_null)
        {
            errors.push(FieldError::required(join(path, key)));
        }
    }
    for (key, child) in fields {
        if let Some(child_schema) = child_schema(schema, key) {
            check(child_schema, child, &join(path, key), errors);
        }
    }
}

fn check_array(schema: &Value, items: &[Value], path: &str, errors: &mut Vec<FieldError>) {
    let at = shown(path);
    let count = items.len() as u64;
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
        && count < min
    {
        errors.push(FieldError::invalid_raw(
            path,
            count.to_string(),
            format!("{at} in body should have at least {min} items"),
        ));
    }
    if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
        && count > max
    {
        errors.push(FieldError::invalid_raw(
            path,
            count.to_string(),
            format!("{at} in body should have at most {max} items"),
        ));
    }
    if let Some(item_schema) = schema.get("items") {
        for (index, item) in items.iter().enumerate() {
            check(item_schema, item, &format!("{path}[{index}]"), errors);
        }
    }
}

fn check_string(schema: &Value, text: &str, path: &str, errors: &mut Vec<FieldError>) {
    let at = shown(path);
    let length = text.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && length < min
    {
        errors.push(FieldError::invalid(
            path,
            text,
            format!("{at} in body should be at least {min} chars long"),
        ));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && length > max
    {
        errors.push(FieldError::invalid(
            path,
            text,
            format!("{at} in body should be at most {max} chars long"),
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
        && let Ok(regex) = regex_lite::Regex::new(pattern)
        && !regex.is_match(text)
    {
        errors.push(FieldError::invalid(
            path,
            text,
            format!("{at} in body should match '{pattern}'"),
        ));
    }
}

fn check_number(
    schema: &Value,
    value: &Value,
    number: Option<f64>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(number) = number else { return };
    let at = shown(path);
    let flag = |name: &str| schema.get(name) == Some(&Value::Bool(true));
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let (low, words) = if flag("exclusiveMinimum") {
            (number <= min, "greater than")
        } else {
            (number < min, "greater than or equal to")
        };
        if low {
            errors.push(FieldError::invalid_raw(
                path,
                value.to_string(),
                format!("{at} in body should be {words} {}", go_number(min)),
            ));
        }
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let (high, words) = if flag("exclusiveMaximum") {
            (number >= max, "less than")
        } else {
            (number > max, "less than or equal to")
        };
        if high {
            errors.push(FieldError::invalid_raw(
                path,
                value.to_string(),
                format!("{at} in body should be {words} {}", go_number(max)),
            ));
        }
    }
}

/// A bound as Go's `%v` prints a float64: `10`, `2.5`.
fn go_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

fn has_type(value: &Value, wanted: &str, schema: &Value) -> bool {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return value.is_string() || value.is_i64() || value.is_u64();
    }
    match wanted {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    }
}

/// The JSON type of a value as kube-openapi names it.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// kube-openapi calls the object itself `body`.
fn shown(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crontab_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "required": ["cronSpec"],
                    "properties": {
                        "cronSpec": {"type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$"},
                        "image": {"type": "string"},
                        "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                        "policy": {"type": "string", "enum": ["Allow", "Forbid"]},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                    }
                }
            }
        })
    }

    fn messages(object: Value) -> Vec<String> {
        validate(&crontab_schema(), &object).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn values_are_checked_with_kube_openapi_words() {
        assert_eq!(
            messages(json!({"spec": {"cronSpec": "* * * *", "replicas": 15, "policy": "Maybe"}})),
            [
                "spec.cronSpec: Invalid value: \"* * * *\": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'",
                "spec.policy: Unsupported value: \"Maybe\": supported values: \"Allow\", \"Forbid\"",
                "spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10",
            ]
        );
        assert_eq!(
            messages(json!({"spec": {"replicas": "three"}})),
            [
                "spec.cronSpec: Required value",
                "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"",
            ]
        );
        assert!(messages(json!({"spec": {"cronSpec": "*/5 * * * *", "replicas": 3}})).is_empty());
    }

    #[test]
    fn unknown_fields_are_found_unless_preserved() {
        let object = json!({
            "apiVersion": "stable.example.com/v1",
            "metadata": {"name": "x"},
            "spec": {"cronSpec": "* * * * *", "imagee": "nginx", "extra": {"anything": 1}},
            "status": {}
        });
        assert_eq!(unknown_fields(&crontab_schema(), &object), ["spec.imagee", "status"]);
    }

    #[test]
    fn defaults_fill_absent_fields() {
        let mut object = json!({"spec": {"cronSpec": "* * * * *", "image": null}});
        apply_defaults(&crontab_schema(), &mut object);
        assert_eq!(object, json!({"spec": {"cronSpec": "* * * * *", "replicas": 1}}));
    }
}
