//! Label selectors (`app=web,tier!=db,env in (prod,qa),!canary`) and the few field selectors
//! the API server supports, parsed and matched as apimachinery does.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::Equals | Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotEquals | Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A parsed selector: every requirement must hold. The empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub requirements: Vec<Requirement>,
}

impl Selector {
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let empty = BTreeMap::new();
        let labels = labels.unwrap_or(&empty);
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// A workload's `spec.selector`. `None` for a selector that can never match (invalid operator).
    pub fn from_label_selector(selector: &LabelSelector) -> Option<Selector> {
        let mut requirements: Vec<Requirement> = selector
            .match_labels
            .iter()
            .flatten()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.clone()],
            })
            .collect();
        for expression in selector.match_expressions.iter().flatten() {
            let operator = match expression.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                _ => return None,
            };
            requirements.push(Requirement {
                key: expression.key.clone(),
                operator,
                values: expression.values.clone().unwrap_or_default(),
            });
        }
        Some(Selector { requirements })
    }

    /// Parses kubectl's `-l` syntax; the error is apimachinery's.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(Selector { requirements })
    }
}

/// Splits on commas that are not inside `( … )`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    let requirement = |key: &str, operator, values: Vec<String>| -> Result<Requirement, String> {
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
            return Err(format!("unable to parse requirement: invalid label key \"{key}\""));
        }
        Ok(Requirement { key: key.to_string(), operator, values })
    };
    if let Some(key) = part.strip_prefix('!') {
        return requirement(key, Operator::DoesNotExist, Vec::new());
    }
    for (token, operator) in
        [("!=", Operator::NotEquals), ("==", Operator::Equals), ("=", Operator::Equals)]
    {
        if let Some((key, value)) = part.split_once(token) {
            return requirement(key, operator, vec![value.trim().to_string()]);
        }
    }
    for (token, operator) in [(" notin ", Operator::NotIn), (" in ", Operator::In)] {
        if let Some((key, values)) = part.split_once(token) {
            let values = values.trim();
            let Some(inner) = values.strip_prefix('(').and_then(|v| v.strip_suffix(')')) else {
                return Err(format!(
                    "unable to parse requirement: found '{values}', expected: '('"
                ));
            };
            let values =
                inner.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
            return requirement(key, operator, values);
        }
    }
    if part.contains(' ') {
        let found = part.split_whitespace().nth(1).unwrap_or_default();
        return Err(format!(
            "unable to parse requirement: found '{found}', expected: in, notin, =, ==, !=, gt, lt"
        ));
    }
    requirement(part, Operator::Exists, Vec::new())
}

/// One `field=value` or `field!=value` of a field selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub value: String,
    pub negated: bool,
}

/// The field selectors the server supports for a resource, besides `metadata.name` and
/// `metadata.namespace`.
fn selectable_fields(resource: &str) -> &'static [&'static str] {
    match resource {
        "pods" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "events" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "nodes" => &["spec.unschedulable"],
        "secrets" => &["type"],
        "namespaces" => &["status.phase"],
        "replicasets" | "replicationcontrollers" => &["status.replicas"],
        "jobs" => &["status.successful"],
        _ => &[],
    }
}

/// Parses `--field-selector` for `resource`; the error is the server's.
pub fn parse_fields(text: &str, resource: &str) -> Result<Vec<FieldRequirement>, String> {
    let mut requirements = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, value, negated) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, true)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, v, false)
        } else {
            return Err(format!("invalid selector: '{text}'; can't understand '{part}'"));
        };
        let field = field.trim();
        let known = ["metadata.name", "metadata.namespace"].contains(&field)
            || selectable_fields(resource).contains(&field);
        if !known {
            return Err(format!("field label not supported: {field}"));
        }
        requirements.push(FieldRequirement {
            field: field.to_string(),
            value: value.trim().to_string(),
            negated,
        });
    }
    Ok(requirements)
}

/// Whether an object (as JSON) satisfies every field requirement.
pub fn fields_match(requirements: &[FieldRequirement], object: &Value) -> bool {
    requirements.iter().all(|r| {
        let actual = if r.field == "source" {
            object.pointer("/source/component").cloned().unwrap_or(Value::Null)
        } else {
            let pointer = format!("/{}", r.field.replace('.', "/"));
            object.pointer(&pointer).cloned().unwrap_or(Value::Null)
        };
        let actual = match actual {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        (actual == r.value) != r.negated
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn equality_and_set_based_requirements() {
        let web = labels(&[("app", "web"), ("env", "prod")]);
        let cases = [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app=web,env=qa", false),
            ("env in (prod, qa)", true),
            ("env notin (prod)", false),
            ("tier notin (db)", true),
            ("app", true),
            ("!canary", true),
            ("!app", false),
            ("", true),
        ];
        for (text, want) in cases {
            assert_eq!(Selector::parse(text).unwrap().matches(Some(&web)), want, "{text}");
        }
    }

    #[test]
    fn malformed_selectors_are_refused() {
        assert!(Selector::parse("env in prod").is_err());
        assert!(Selector::parse("app web").is_err());
        assert!(Selector::parse("=web").is_err());
    }

    #[test]
    fn field_selectors_are_checked_against_the_resource() {
        let pod = serde_json::json!({"metadata": {"name": "web"}, "spec": {"nodeName": "node01"}, "status": {"phase": "Running"}});
        let running = parse_fields("status.phase=Running,spec.nodeName!=node02", "pods").unwrap();
        assert!(fields_match(&running, &pod));
        assert!(!fields_match(&parse_fields("metadata.name=db", "pods").unwrap(), &pod));
        assert_eq!(
            parse_fields("spec.image=x", "pods").unwrap_err(),
            "field label not supported: spec.image"
        );
    }
}
