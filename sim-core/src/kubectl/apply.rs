//! `kubectl apply -f`: client-side apply. New objects are created; existing ones get the
//! three-way merge of live, new and last-applied configuration (kept in the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation).

use super::flags::{Flag, Parsed};
use super::manifest::{self, Target};
use super::{
    CommandDef, CommandError, CommandResult, DryRun, Invocation, OutputFormat, errors, merge, print,
};
use crate::api::ApiError;
use serde_json::Value;

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub const DEF: CommandDef = CommandDef {
    long: "Apply a configuration to a resource by file name or stdin. The resource name must be specified. This resource will be created if it doesn't exist yet. To use 'apply', always create the resource initially with either 'apply' or 'create --save-config'.\n\n JSON and YAML formats are accepted.",
    examples: "  # Apply the configuration in pod.json to a pod\n  kubectl apply -f ./pod.json\n\n  # Apply the JSON passed into stdin to a pod\n  cat pod.json | kubectl apply -f -\n\n  # Apply the configuration from all files that end with '.json'\n  kubectl apply -f '*.json'",
    usage: "kubectl apply (-f FILENAME | -k DIRECTORY) [options]",
    flags: &[
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values("filename", Some('f'), "The files that contain the configurations to apply."),
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
    ],
    required: &[],
    subcommands: &[],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let files = parsed.values("filename");
    if files.is_empty() {
        return Err(CommandError::Usage("must specify one of -f and -k".into()));
    }
    let dry_run = DryRun::from_flags(parsed)?;
    let format = OutputFormat::from_flags(parsed, false)?;
    let targets = manifest::targets(inv, files, parsed.bool("recursive"))?;
    // The default output (`pod/web created`) and `-o name` print no more than the name: they
    // need no copy of a created object back.
    let prints_object =
        !matches!(format, OutputFormat::Default | OutputFormat::Wide | OutputFormat::Name);
    let mut failed = false;
    for target in &targets {
        match apply_one(inv, target, dry_run, prints_object) {
            Ok((object, verb)) => {
                print::result(inv.out, &format, &*target.kind, &target.name, &object, verb, dry_run)
            }
            Err(message) => {
                inv.out.err_line(message);
                failed = true;
            }
        }
    }
    Ok(i32::from(failed))
}

/// The configuration as it is recorded: the manifest without the annotation itself, as JSON.
pub(super) fn last_applied(object: &Value) -> String {
    let annotations = object.pointer("/metadata/annotations").and_then(Value::as_object);
    // A copy without the annotation (or an empty `annotations`) only when the manifest has one
    // (`kubectl apply -f` of an object saved with `-o yaml`); usually it is written as it is.
    let mut text = if annotations.is_some_and(|a| a.is_empty() || a.contains_key(LAST_APPLIED)) {
        let mut recorded = object.clone();
        if let Some(annotations) =
            recorded.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut)
        {
            annotations.remove(LAST_APPLIED);
            if annotations.is_empty()
                && let Some(metadata) = recorded.get_mut("metadata").and_then(Value::as_object_mut)
            {
                metadata.remove("annotations");
            }
        }
        serde_json::to_string(&recorded)
    } else {
        serde_json::to_string(object)
    }
    .unwrap_or_default();
    text.push('\n');
    text
}

pub(super) fn with_annotation(object: &Value, annotation: String) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations =
            metadata.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
        if let Some(map) = annotations.as_object_mut() {
            map.insert(LAST_APPLIED.into(), Value::String(annotation));
        }
    }
    object
}

/// Applies one object: what to print about it (`Value::Null` for a created object when
/// `prints_object` is false) and the verb.
fn apply_one(
    inv: &mut Invocation<'_>,
    target: &Target,
    dry_run: DryRun,
    prints_object: bool,
) -> Result<(Value, &'static str), String> {
    let kind = target.kind.clone();
    kind.decode(&target.object).map_err(|problem| {
        errors::describe_for(
            &errors::undecodable(kind.kind(), kind.api_version(), &problem),
            "creating",
            &target.source,
        )
    })?;
    let config = with_annotation(&target.object, last_applied(&target.object));
    let live = match kind.get(inv.sim.api(), &target.namespace, &target.name) {
        Ok(live) => live,
        Err(ApiError::NotFound { .. }) => {
            let created = match dry_run {
                DryRun::Client => Ok(config),
                DryRun::Server => kind.create(&mut inv.sim.api().clone(), config),
                DryRun::None if prints_object => inv.sim.submit(|api| kind.create(api, config)),
                DryRun::None => {
                    inv.sim.submit(|api| kind.create_quietly(api, config)).map(|()| Value::Null)
                }
            }
            .map_err(|e| errors::describe_for(&e, "creating", &target.source))?;
            return Ok((created, "created"));
        }
        Err(error) => return Err(errors::describe(&error)),
    };
    let previous = live
        .pointer(&format!("/metadata/annotations/{}", LAST_APPLIED.replace('/', "~1")))
        .and_then(Value::as_str);
    if previous.is_none() {
        inv.out.err_line(format!(
            "Warning: resource {} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.",
            kind.plural().to_string() + "/" + &target.name
        ));
    }
    let last: Option<Value> = previous.and_then(|text| serde_json::from_str(text).ok());
    let merged = merge::three_way(&live, &config, last.as_ref());
    let updated = match dry_run {
        DryRun::Client => Ok(merged),
        DryRun::Server => kind.update(&mut inv.sim.api().clone(), merged),
        DryRun::None => inv.sim.submit(|api| kind.update(api, merged)),
    }
    .map_err(|e| match e {
        ApiError::Invalid { .. } => errors::describe(&e),
        other => format!(
            "Error from server ({}): error when applying patch:\n{}\n\nto:\nResource: \"{}\", Name: \"{}\", Namespace: \"{}\"\nfor: \"{}\": {other}",
            other.reason(),
            last_applied(&target.object).trim_end(),
            kind.plural(),
            target.name,
            target.namespace,
            target.source
        ),
    })?;
    let unchanged =
        updated.pointer("/metadata/resourceVersion") == live.pointer("/metadata/resourceVersion");
    Ok((updated, if unchanged { "unchanged" } else { "configured" }))
}
