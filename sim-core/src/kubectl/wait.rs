//! `kubectl wait`: blocks, in cluster time, until each named object meets a condition
//! (`--for=condition=Complete`, `--for=jsonpath='{.status.phase}'=Running`, `--for=create`,
//! `--for=delete`), printing `job.batch/pi condition met`, or gives up after `--timeout`.

use super::delete::victims;
use super::flags::{Flag, Parsed};
use super::print::jsonpath;
use super::{CommandDef, CommandError, CommandResult, Invocation, manifest};
use crate::api::ApiServer;
use crate::time::parse_go_duration;
use serde_json::Value;
use std::time::Duration;

pub const DEF: CommandDef = CommandDef {
    long: "Experimental: Wait for a specific condition on one or many resources.\n\n The command takes multiple resources and waits until the specified condition is seen in the Status field of every given resource.\n\n Alternatively, the command can wait for the given set of resources to be created or deleted by providing the \"create\" or \"delete\" keyword as the value to the --for flag.\n\n A successful message will be printed to stdout indicating when the specified condition has been met. You can use -o option to change to output destination.",
    examples: "  # Wait for the pod \"busybox1\" to contain the status condition of type \"Ready\"\n  kubectl wait --for=condition=Ready pod/busybox1\n\n  # The default value of status condition is true; you can wait for other targets after an equal delimiter (compared after Unicode simple case folding, which is a more general form of case-insensitivity)\n  kubectl wait --for=condition=Ready=false pod/busybox1\n\n  # Wait for the pod \"busybox1\" to contain the status phase to be \"Running\"\n  kubectl wait --for=jsonpath='{.status.phase}'=Running pod/busybox1\n\n  # Wait for pod \"busybox1\" to be Ready\n  kubectl wait --for='jsonpath={.status.conditions[?(@.type==\"Ready\")].status}=True' pod/busybox1\n\n  # Wait for the service \"loadbalancer\" to have ingress\n  kubectl wait --for=jsonpath='{.status.loadBalancer.ingress}' service/loadbalancer\n\n  # Wait for the secret \"busybox1\" to be created, with a timeout of 30s\n  kubectl create secret generic busybox1\n  kubectl wait --for=create secret/busybox1 --timeout=30s\n\n  # Wait for the pod \"busybox1\" to be deleted, with a timeout of 60s, after having issued the \"delete\" command\n  kubectl delete pod/busybox1\n  kubectl wait --for=delete pod/busybox1 --timeout=60s",
    usage: "kubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]",
    flags: &[
        Flag::bool(
            "all",
            None,
            "Select all resources in the namespace of the specified resource types",
        ),
        Flag::bool(
            "all-namespaces",
            Some('A'),
            "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even\n\tif specified with --namespace.",
        ),
        Flag::value(
            "field-selector",
            None,
            "''",
            "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector\n\tkey1=value1,key2=value2). The server only supports a limited number of field queries per type.",
        ),
        Flag::values("filename", Some('f'), "identifying the resource."),
        Flag::value(
            "for",
            None,
            "''",
            "The condition to wait on: [create|delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath\n\texpression}'=[JSONPath value]]. The default condition-value is true.  Condition values are compared after\n\tUnicode simple case folding, which is a more general form of case-insensitivity.",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file).",
        ),
        Flag::bool(
            "recursive",
            Some('R'),
            "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests\n\torganized within the same directory.",
        ),
        Flag::value(
            "selector",
            Some('l'),
            "''",
            "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
        ),
        Flag::value(
            "timeout",
            None,
            "30s",
            "The length of time to wait before giving up.  Zero means check once and don't wait, negative means wait for a\n\tweek.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// What `--for` asks for.
enum Condition {
    Create,
    Delete,
    /// A status condition of this type with this status (compared case-insensitively).
    Status {
        kind: String,
        value: String,
    },
    /// A JSONPath that must find one value, equal to this one when given.
    JsonPath {
        path: String,
        value: Option<String>,
    },
}

impl Condition {
    fn parse(text: &str) -> Result<Condition, CommandError> {
        let lower = text.to_lowercase();
        if lower == "create" {
            return Ok(Condition::Create);
        }
        if lower == "delete" {
            return Ok(Condition::Delete);
        }
        if let Some(rest) = text.strip_prefix("condition=") {
            let (kind, value) = rest.split_once('=').unwrap_or((rest, "true"));
            return Ok(Condition::Status { kind: kind.into(), value: value.into() });
        }
        if let Some(rest) = text.strip_prefix("jsonpath=") {
            let parts: Vec<&str> = rest.split('=').collect();
            if parts.len() > 2 {
                return Err(CommandError::Plain("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'".into()));
            }
            let path = parts[0].trim();
            if path.is_empty() {
                return Err(CommandError::Plain("jsonpath expression cannot be empty".into()));
            }
            jsonpath::select(path, &Value::Null).map_err(CommandError::Plain)?;
            let value = match parts.get(1) {
                Some(&"") => {
                    return Err(CommandError::Plain("jsonpath wait value cannot be empty".into()));
                }
                Some(value) => Some(value.trim_matches(['\'', '"']).to_string()),
                None => None,
            };
            return Ok(Condition::JsonPath { path: path.into(), value });
        }
        Err(CommandError::Plain(format!("unrecognized condition: {text:?}")))
    }

    /// Whether the object (as it is now, `None` when it does not exist) meets the condition.
    fn met(&self, object: Option<&Value>) -> bool {
        match (self, object) {
            (Condition::Create, found) => found.is_some(),
            (Condition::Delete, found) => found.is_none(),
            (_, None) => false,
            (Condition::Status { kind, value }, Some(object)) => {
                status_condition(object, kind, value)
            }
            (Condition::JsonPath { path, value }, Some(object)) => {
                let found = jsonpath::select(path, object).unwrap_or_default();
                match (found.as_slice(), value) {
                    ([one], None) => !one.is_null(),
                    ([one], Some(want)) => {
                        let text = one.as_str().map_or_else(|| one.to_string(), str::to_string);
                        !one.is_object() && !one.is_array() && text.trim() == want.trim()
                    }
                    _ => false,
                }
            }
        }
    }
}

/// `ConditionalWait.checkCondition`: the first condition of that type decides, unless it was
/// observed for an older generation.
fn status_condition(object: &Value, kind: &str, value: &str) -> bool {
    let conditions = object.pointer("/status/conditions").and_then(Value::as_array);
    let Some(condition) = conditions.into_iter().flatten().find(|c| {
        c.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(kind))
            && c.get("status").and_then(Value::as_str).is_some()
    }) else {
        return false;
    };
    let generation = object.pointer("/metadata/generation").and_then(Value::as_i64);
    let observed = condition
        .get("observedGeneration")
        .or_else(|| object.pointer("/status/observedGeneration"))
        .and_then(Value::as_i64);
    if let (Some(generation), Some(observed)) = (generation, observed)
        && observed < generation
    {
        return false;
    }
    condition.get("status").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case(value))
}

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let timeout = match parsed.value("timeout") {
        None => Duration::from_secs(30),
        Some(text) if text.starts_with('-') => Duration::from_secs(168 * 3600),
        Some(text) => parse_go_duration(text).map_err(|e| {
            CommandError::Plain(format!("invalid argument {text:?} for \"--timeout\" flag: {e}"))
        })?,
    };
    let condition = Condition::parse(parsed.value("for").unwrap_or_default())?;
    let targets = victims(parsed, inv)?;
    if targets.is_empty() && !matches!(condition, Condition::Delete) {
        return Err(CommandError::Plain("no matching resources found".into()));
    }
    let deadline = inv.sim.now() + timeout;
    for target in targets {
        let exists = target.kind.get(inv.sim.api(), &target.namespace, &target.name);
        let uid = match (&exists, &condition) {
            (Ok(object), _) => object.pointer("/metadata/uid").cloned(),
            // Nothing to wait for: it is already gone.
            (Err(_), Condition::Delete) => continue,
            (Err(_), Condition::Create) => None,
            (Err(error), _) => return Err(CommandError::Api(error.clone())),
        };
        let current = |api: &ApiServer| -> Option<Value> {
            let object = target.kind.get(api, &target.namespace, &target.name).ok()?;
            // A deleted and recreated object is not the one waited on.
            match (&uid, &condition) {
                (Some(uid), Condition::Delete) if object.pointer("/metadata/uid") != Some(uid) => {
                    None
                }
                _ => Some(object),
            }
        };
        let remaining = deadline.unix_ms().saturating_sub(inv.sim.now().unix_ms());
        let met = if timeout.is_zero() {
            condition.met(current(inv.sim.api()).as_ref())
        } else {
            inv.sim.advance_until(Duration::from_millis(remaining), |api| {
                condition.met(current(api).as_ref())
            })
        };
        let reference = manifest::reference(&*target.kind, &target.name);
        if !met {
            let message = if timeout.is_zero() {
                format!("condition not met for {reference}")
            } else {
                format!(
                    "timed out waiting for the condition on {}/{}",
                    target.kind.plural(),
                    target.name
                )
            };
            return Err(CommandError::Plain(message));
        }
        inv.out.out(format!("{reference} condition met\n"));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_conditions_match_case_insensitively() {
        let job = json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        let cases = [
            ("the default value is true", "complete", "true", true),
            ("a different value does not match", "Complete", "False", false),
            ("another type does not match", "Failed", "true", false),
        ];
        for (name, kind, value, want) in cases {
            assert_eq!(status_condition(&job, kind, value), want, "{name}");
        }
    }

    #[test]
    fn jsonpath_conditions_compare_one_value() {
        let pod = json!({"status": {"phase": "Running", "podIPs": [{"ip": "a"}, {"ip": "b"}]}});
        let wait = |text: &str| Condition::parse(text).ok().expect("parses").met(Some(&pod));
        assert!(wait("jsonpath={.status.phase}=Running"));
        assert!(!wait("jsonpath={.status.phase}=Pending"));
        assert!(wait("jsonpath={.status.phase}"));
        assert!(!wait("jsonpath={.status.podIPs[*].ip}=a"));
    }
}
