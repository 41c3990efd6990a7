//! `kubectl label` and `kubectl annotate`: add, overwrite (`--overwrite`) or remove (`key-`)
//! labels or annotations on objects named by type and name, by selector, or `--all`.

use super::flags::{Flag, Parsed};
use super::manifest;
use super::resources;
use super::{CommandDef, CommandError, CommandResult, Invocation, errors};
use crate::api::KindRef;
use crate::api::kinds::DynamicKind;
use crate::api::selector::Selector;
use serde_json::{Map, Value};

const FLAGS: &[Flag] = &[
    Flag::bool(
        "all",
        None,
        "Select all resources, in the namespace of the specified resource types",
    ),
    Flag::bool(
        "all-namespaces",
        Some('A'),
        "If true, check the specified action in all namespaces.",
    ),
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
    Flag::bool(
        "overwrite",
        None,
        "If true, allow labels to be overwritten, otherwise reject label updates that overwrite existing labels.",
    ),
    Flag::value(
        "selector",
        Some('l'),
        "''",
        "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
    ),
];

pub const LABEL: CommandDef = CommandDef {
    long: "Update the labels on a resource.\n\n  *  A label key and value must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters each.\n  *  Optionally, the key can begin with a DNS subdomain prefix and a single '/', like example.com/my-app.\n  *  If --overwrite is true, then existing labels can be overwritten, otherwise attempting to overwrite a label will result in an error.",
    examples: "  # Update pod 'foo' with the label 'unhealthy' and the value 'true'\n  kubectl label pods foo unhealthy=true\n\n  # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value\n  kubectl label --overwrite pods foo status=unhealthy\n\n  # Update all pods in the namespace\n  kubectl label pods --all status=unhealthy\n\n  # Update pod 'foo' by removing a label named 'bar' if it exists\n  # Does not require the --overwrite flag\n  kubectl label pods foo bar-",
    usage: "kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]",
    flags: FLAGS,
    required: &[],
    subcommands: &[],
};

pub const ANNOTATE: CommandDef = CommandDef {
    long: "Update the annotations on one or more resources.\n\n All Kubernetes objects support the ability to store additional data with the object as annotations. Annotations are key/value pairs that can be larger than labels and include arbitrary string values such as structured JSON. Tools and system extensions may use annotations to store their own data.\n\n Attempting to set an annotation that already exists will fail unless --overwrite is set.",
    examples: "  # Update pod 'foo' with the annotation 'description' and the value 'my frontend'\n  kubectl annotate pods foo description='my frontend'\n\n  # Update pod 'foo' by removing an annotation named 'description' if it exists\n  kubectl annotate pods foo description-",
    usage: "kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]",
    flags: FLAGS,
    required: &[],
    subcommands: &[],
};

pub fn label(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    update(parsed, inv, "labels", "label")
}

pub fn annotate(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    update(parsed, inv, "annotations", "annotation")
}

/// What kubectl says it did: `labeled`, `unlabeled` (only removals), `not labeled`, `annotated`.
fn verb(field: &str, changed: bool, only_removals: bool) -> &'static str {
    match (field, changed, only_removals) {
        ("labels", true, true) => "unlabeled",
        ("labels", true, false) => "labeled",
        ("labels", false, _) => "not labeled",
        _ => "annotated",
    }
}

/// A change asked for on the command line: set `key` to `value`, or remove `key`.
enum Change {
    Set(String, String),
    Remove(String),
}

fn update(parsed: &Parsed, inv: &mut Invocation<'_>, field: &str, noun: &str) -> CommandResult {
    let (resource_args, change_args): (Vec<&String>, Vec<&String>) =
        parsed.args.iter().partition(|a| !a.contains('=') && !a.ends_with('-'));
    let changes: Vec<Change> = change_args
        .iter()
        .map(|arg| match arg.split_once('=') {
            Some((key, value)) => Ok(Change::Set(key.to_string(), value.to_string())),
            None => Ok(Change::Remove(arg.trim_end_matches('-').to_string())),
        })
        .collect::<Result<_, CommandError>>()?;
    if changes.is_empty() {
        return Err(CommandError::Usage(format!("at least one {noun} update is required")));
    }
    if field == "labels" {
        for change in &changes {
            if let Change::Set(key, value) = change
                && let Some(problem) = crate::api::label_problems(key, value).into_iter().next()
            {
                return Err(CommandError::Plain(format!(
                    "invalid label value: \"{key}={value}\": {problem}"
                )));
            }
        }
    }
    let targets = targets(parsed, inv, &resource_args)?;
    if targets.is_empty() {
        inv.out.err_line("No resources found");
        return Ok(0);
    }
    let mut failed = false;
    for (kind, namespace, name) in targets {
        match apply_changes(
            inv,
            &*kind,
            &namespace,
            &name,
            field,
            &changes,
            parsed.bool("overwrite"),
        ) {
            Ok(changed) => {
                let only_removals = changes.iter().all(|c| matches!(c, Change::Remove(_)));
                inv.out.out(format!(
                    "{} {}\n",
                    manifest::reference(&*kind, &name),
                    verb(field, changed, only_removals)
                ));
            }
            Err(message) => {
                inv.out.err_line(message);
                failed = true;
            }
        }
    }
    Ok(i32::from(failed))
}

/// The objects a command names: `-f` files, `TYPE/NAME`…, `TYPE NAME…`, or `TYPE` with
/// `-l`/`--all`.
pub(super) fn targets(
    parsed: &Parsed,
    inv: &Invocation<'_>,
    args: &[&String],
) -> Result<Vec<(KindRef, String, String)>, CommandError> {
    if !parsed.values("filename").is_empty() {
        return Ok(manifest::targets(inv, parsed.values("filename"), false)?
            .into_iter()
            .map(|t| (t.kind, t.namespace, t.name))
            .collect());
    }
    let Some(first) = args.first() else {
        return Err(CommandError::Usage(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>"
                .into(),
        ));
    };
    let resolve = |typed: &str| resources::resolve(inv.sim.api(), typed);
    let scope = |kind: &dyn DynamicKind| {
        if kind.namespaced() { inv.namespace.clone() } else { String::new() }
    };
    if first.contains('/') {
        return args
            .iter()
            .map(|arg| {
                let (typed, name) = arg.split_once('/').unwrap_or((arg, ""));
                let kind = resolve(typed)?;
                Ok((kind.clone(), scope(&*kind), name.to_string()))
            })
            .collect();
    }
    let kind = resolve(first)?;
    let names = &args[1..];
    if !names.is_empty() {
        return Ok(names
            .iter()
            .map(|name| (kind.clone(), scope(&*kind), name.to_string()))
            .collect());
    }
    let selector = parsed.value("selector").filter(|s| !s.is_empty());
    if selector.is_none() && !parsed.bool("all") {
        return Err(CommandError::Usage(
            "resource(s) were provided, but no name was specified".into(),
        ));
    }
    let selector = Selector::parse(selector.unwrap_or_default()).map_err(CommandError::Plain)?;
    let namespace =
        (kind.namespaced() && !parsed.bool("all-namespaces")).then(|| inv.namespace.clone());
    Ok(kind
        .list(inv.sim.api(), namespace.as_deref())
        .into_iter()
        .filter(|o| {
            selector.matches(
                o.pointer("/metadata/labels")
                    .and_then(|l| serde_json::from_value(l.clone()).ok())
                    .as_ref(),
            )
        })
        .map(|o| {
            let text =
                |p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
            (kind.clone(), text("/metadata/namespace"), text("/metadata/name"))
        })
        .collect())
}

/// Applies the changes to one object; returns whether anything changed.
fn apply_changes(
    inv: &mut Invocation<'_>,
    kind: &dyn DynamicKind,
    namespace: &str,
    name: &str,
    field: &str,
    changes: &[Change],
    overwrite: bool,
) -> Result<bool, String> {
    let mut object = kind.get(inv.sim.api(), namespace, name).map_err(|e| errors::describe(&e))?;
    let before = object.clone();
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return Ok(false);
    };
    let mut entries: Map<String, Value> =
        metadata.get(field).and_then(Value::as_object).cloned().unwrap_or_default();
    for change in changes {
        match change {
            Change::Set(key, value) => {
                if let Some(existing) = entries.get(key).and_then(Value::as_str)
                    && existing != value
                    && !overwrite
                {
                    return Err(format!(
                        "error: '{key}' already has a value ({existing}), and --overwrite is false"
                    ));
                }
                entries.insert(key.clone(), Value::String(value.clone()));
            }
            Change::Remove(key) => {
                entries.remove(key);
            }
        }
    }
    if entries.is_empty() {
        metadata.remove(field);
    } else {
        metadata.insert(field.to_string(), Value::Object(entries));
    }
    if object == before {
        return Ok(false);
    }
    inv.sim.submit(|api| kind.update(api, object)).map_err(|e| errors::describe(&e))?;
    Ok(true)
}
