//! `kubectl patch`: strategic merge (the default), JSON merge (RFC 7386) or JSON patch
//! (RFC 6902) changes to one object.

use super::flags::{Flag, Parsed};
use super::manifest;
use super::resources;
use super::{
    CommandDef, CommandError, CommandResult, DryRun, Invocation, OutputFormat, errors, merge, print,
};
use crate::api::KindRef;
use serde_json::Value;

pub const DEF: CommandDef = CommandDef {
    long: "Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch.\n\n JSON and YAML formats are accepted.",
    examples: "  # Partially update a node using a strategic merge patch, specifying the patch as JSON\n  kubectl patch node k8s-node-1 -p '{\"spec\":{\"unschedulable\":true}}'\n\n  # Update a container's image; spec.containers[*].name is required because it's a merge key\n  kubectl patch pod valid-pod -p '{\"spec\":{\"containers\":[{\"name\":\"kubernetes-serve-hostname\",\"image\":\"new image\"}]}}'\n\n  # Update a container's image using a JSON patch with positional arrays\n  kubectl patch pod valid-pod --type='json' -p='[{\"op\": \"replace\", \"path\": \"/spec/containers/0/image\", \"value\":\"new image\"}]'",
    usage: "kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]",
    flags: &[
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files identifying the resource to update",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file).",
        ),
        Flag::value("patch", Some('p'), "''", "The patch to be applied to the resource JSON file."),
        Flag::value(
            "patch-file",
            None,
            "''",
            "A file containing a patch to be applied to the resource.",
        ),
        Flag::value(
            "type",
            None,
            "'strategic'",
            "The type of patch being provided; one of [json merge strategic]",
        ),
    ],
    required: &[],
    subcommands: &[],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let text = match (
        parsed.value("patch").filter(|p| !p.is_empty()),
        parsed.value("patch-file").filter(|p| !p.is_empty()),
    ) {
        (Some(patch), _) => patch.to_string(),
        (None, Some(path)) => inv.files.get(path).cloned().ok_or_else(|| {
            CommandError::Plain(format!(
                "unable to read patch file: open {path}: no such file or directory"
            ))
        })?,
        (None, None) => {
            return Err(CommandError::Usage(
                "must specify --patch or --patch-file containing the contents of the patch".into(),
            ));
        }
    };
    let patch: Value = serde_yaml::from_str(&text)
        .map_err(|e| CommandError::Plain(format!("unable to parse \"{text}\": {e}")))?;
    let patch_type = parsed.value("type").unwrap_or("strategic");
    if !["strategic", "merge", "json"].contains(&patch_type) {
        return Err(CommandError::Plain(format!(
            "--type must be one of [json merge strategic], not \"{patch_type}\""
        )));
    }
    let dry_run = DryRun::from_flags(parsed)?;
    let format = OutputFormat::from_flags(parsed, false)?;
    let (kind, namespace, name) = target(parsed, inv)?;
    let live = kind.get(inv.sim.api(), &namespace, &name).map_err(CommandError::Api)?;
    let patched = match patch_type {
        "json" => json_patch(&live, &patch).map_err(CommandError::Plain)?,
        "merge" => merge_patch(&live, &patch),
        _ => {
            if !patch.is_object() {
                return Err(CommandError::Api(crate::api::ApiError::BadRequest(
                    "json: cannot unmarshal array into Go value of type map[string]interface {}"
                        .into(),
                )));
            }
            merge::three_way(&live, &patch, None)
        }
    };
    kind.decode(&patched).map_err(|problem| {
        CommandError::Api(errors::undecodable(kind.kind(), kind.api_version(), &problem))
    })?;
    let result = match dry_run {
        DryRun::Client => Ok(patched),
        DryRun::Server => kind.update(&mut inv.sim.api().clone(), patched),
        DryRun::None => inv.sim.submit(|api| kind.update(api, patched)),
    }
    .map_err(CommandError::Api)?;
    let unchanged =
        result.pointer("/metadata/resourceVersion") == live.pointer("/metadata/resourceVersion");
    let verb = if unchanged && dry_run == DryRun::None { "patched (no change)" } else { "patched" };
    print::result(inv.out, &format, &*kind, &name, &result, verb, dry_run);
    Ok(0)
}

pub(super) fn target(
    parsed: &Parsed,
    inv: &Invocation<'_>,
) -> Result<(KindRef, String, String), CommandError> {
    if !parsed.values("filename").is_empty() {
        let target = manifest::targets(inv, parsed.values("filename"), false)?
            .into_iter()
            .next()
            .ok_or_else(|| CommandError::Plain("no objects passed to patch".into()))?;
        return Ok((target.kind, target.namespace, target.name));
    }
    let (typed, name) = match parsed.args.as_slice() {
        [one] if one.contains('/') => {
            one.split_once('/').map(|(t, n)| (t.to_string(), n.to_string())).unwrap_or_default()
        }
        [typed, name] => (typed.clone(), name.clone()),
        _ => {
            return Err(CommandError::Usage(
                "You must provide one or more resources by argument or filename.".into(),
            ));
        }
    };
    let kind = resources::resolve(inv.sim.api(), &typed)?;
    let namespace = if kind.namespaced() { inv.namespace.clone() } else { String::new() };
    Ok((kind, namespace, name))
}

/// RFC 7386: maps merge, `null` removes, everything else replaces.
fn merge_patch(target: &Value, patch: &Value) -> Value {
    match (target, patch) {
        (Value::Object(target_map), Value::Object(patch_map)) => {
            let mut result = target_map.clone();
            for (key, value) in patch_map {
                if value.is_null() {
                    result.remove(key);
                } else {
                    let merged = merge_patch(target_map.get(key).unwrap_or(&Value::Null), value);
                    result.insert(key.clone(), merged);
                }
            }
            Value::Object(result)
        }
        (_, Value::Object(_)) => merge_patch(&Value::Object(Default::default()), patch),
        _ => patch.clone(),
    }
}

/// RFC 6902 operations: add, remove, replace, test, move, copy.
fn json_patch(target: &Value, patch: &Value) -> Result<Value, String> {
    let operations = patch
        .as_array()
        .ok_or("json: cannot unmarshal object into Go value of type jsonpatch.Patch")?;
    let mut document = target.clone();
    for operation in operations {
        let op = operation.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = operation.get("path").and_then(Value::as_str).unwrap_or_default();
        let value = operation.get("value").cloned();
        match op {
            "add" => add(&mut document, path, value.ok_or("missing value")?)?,
            "remove" => {
                remove(&mut document, path)?;
            }
            "replace" => {
                remove(&mut document, path)?;
                add(&mut document, path, value.ok_or("missing value")?)?;
            }
            "test" => {
                if document.pointer(path) != value.as_ref() {
                    return Err(format!("testing value {path} failed: test failed"));
                }
            }
            "move" | "copy" => {
                let from = operation.get("from").and_then(Value::as_str).unwrap_or_default();
                let moved = if op == "move" {
                    remove(&mut document, from)?
                } else {
                    document.pointer(from).cloned().ok_or(format!("unable to copy from {from}"))?
                };
                add(&mut document, path, moved)?;
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(document)
}

fn split_pointer(path: &str) -> Result<(String, String), String> {
    let (parent, last) = path.rsplit_once('/').ok_or(format!("invalid JSON pointer {path:?}"))?;
    Ok((parent.to_string(), last.replace("~1", "/").replace("~0", "~")))
}

fn add(document: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parent, last) = split_pointer(path)?;
    match document.pointer_mut(&parent) {
        Some(Value::Object(map)) => {
            map.insert(last, value);
            Ok(())
        }
        Some(Value::Array(items)) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse().map_err(|_| format!("invalid index {last}"))?
            };
            if index > items.len() {
                return Err(format!(
                    "add operation does not apply: doc is missing path: \"{path}\": missing value"
                ));
            }
            items.insert(index, value);
            Ok(())
        }
        _ => Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": missing value"
        )),
    }
}

fn remove(document: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split_pointer(path)?;
    let missing = || {
        format!("remove operation does not apply: doc is missing path: \"{path}\": missing value")
    };
    match document.pointer_mut(&parent) {
        Some(Value::Object(map)) => map.remove(&last).ok_or_else(missing),
        Some(Value::Array(items)) => {
            let index: usize = last.parse().map_err(|_| missing())?;
            if index < items.len() { Ok(items.remove(index)) } else { Err(missing()) }
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_merge_patch_follows_rfc_7386() {
        let target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        let patch = json!({"a": "z", "c": {"f": null}});
        assert_eq!(merge_patch(&target, &patch), json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn json_patch_operations() {
        let target = json!({"spec": {"containers": [{"image": "nginx:1.26"}]}});
        let patch = json!([
            {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.27"},
            {"op": "add", "path": "/spec/nodeName", "value": "node01"},
            {"op": "test", "path": "/spec/nodeName", "value": "node01"}
        ]);
        assert_eq!(
            json_patch(&target, &patch).unwrap(),
            json!({"spec": {"containers": [{"image": "nginx:1.27"}], "nodeName": "node01"}})
        );
        assert!(json_patch(&target, &json!([{"op": "remove", "path": "/spec/missing"}])).is_err());
    }
}
