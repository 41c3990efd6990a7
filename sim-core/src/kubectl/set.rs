//! `kubectl set image|resources|env`: change the containers of a pod template (of a pod,
//! Deployment, ReplicaSet, DaemonSet, StatefulSet, Job or CronJob) in place — for a Deployment,
//! the change that starts a rollout.

use super::flags::{Flag, Parsed};
use super::label::targets;
use super::manifest;
use super::{CommandDef, CommandError, CommandResult, Invocation, errors};
use crate::api::kinds::DynamicKind;
use serde_json::{Map, Value, json};

pub const DEF: CommandDef = CommandDef {
    long: "Configure application resources.\n\n These commands help you make changes to existing application resources.",
    examples: "",
    usage: "kubectl set SUBCOMMAND [options]",
    flags: &[],
    required: &[],
    subcommands: &[
        ("env", &ENV, env),
        ("image", &IMAGE, image),
        ("resources", &RESOURCES, resources),
    ],
};

const SELECTION_FLAGS: [Flag; 4] = [
    Flag::bool(
        "all",
        None,
        "Select all resources, in the namespace of the specified resource types",
    ),
    Flag::values(
        "filename",
        Some('f'),
        "Filename, directory, or URL to files identifying the resource to get from a server.",
    ),
    Flag::bool("local", None, "If true, set image will NOT contact api-server but run locally."),
    Flag::value(
        "selector",
        Some('l'),
        "''",
        "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
    ),
];

pub const IMAGE: CommandDef = CommandDef {
    long: "Update existing container image(s) of resources.\n\n Possible resources include (case insensitive):\n\n        pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)",
    examples: "  # Set a deployment's nginx container image to 'nginx:1.9.1', and its busybox container image to 'busybox'\n  kubectl set image deployment/nginx busybox=busybox nginx=nginx:1.9.1\n\n  # Update all deployments' and rc's nginx container's image to 'nginx:1.9.1'\n  kubectl set image deployments,rc nginx=nginx:1.9.1 --all\n\n  # Update image of all containers of daemonset abc to 'nginx:1.9.1'\n  kubectl set image daemonset abc *=nginx:1.9.1",
    usage: "kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N",
    flags: &SELECTION_FLAGS,
    required: &[],
    subcommands: &[],
};

pub const RESOURCES: CommandDef = CommandDef {
    long: "Specify compute resource requirements (CPU, memory) for any resource that defines a pod template.  If a pod is successfully scheduled, it is guaranteed the amount of resource requested, but may burst up to its specified limits.\n\n For each compute resource, if a limit is specified and a request is omitted, the request will default to the limit.\n\n Possible resources include (case insensitive): Use \"kubectl api-resources\" for a complete list of supported resources..",
    examples: "  # Set a deployments nginx container cpu limits to \"200m\" and memory to \"512Mi\"\n  kubectl set resources deployment nginx -c=nginx --limits=cpu=200m,memory=512Mi\n\n  # Set the resource request and limits for all containers in nginx\n  kubectl set resources deployment nginx --limits=cpu=200m,memory=512Mi --requests=cpu=100m,memory=256Mi\n\n  # Remove the resource requests for resources on containers in nginx\n  kubectl set resources deployment nginx --limits=cpu=0,memory=0 --requests=cpu=0,memory=0",
    usage: "kubectl set resources (-f FILENAME | TYPE NAME)  ([--limits=LIMITS & --requests=REQUESTS]",
    flags: &[
        Flag::bool(
            "all",
            None,
            "Select all resources, in the namespace of the specified resource types",
        ),
        Flag::value(
            "containers",
            Some('c'),
            "'*'",
            "The names of containers in the selected pod templates to change, all containers are selected by default - may use wildcards",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files identifying the resource to get from a server.",
        ),
        Flag::value(
            "limits",
            None,
            "''",
            "The resource requirement requests for this container.  For example, 'cpu=100m,memory=256Mi'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges.",
        ),
        Flag::bool(
            "local",
            None,
            "If true, set resources will NOT contact api-server but run locally.",
        ),
        Flag::value(
            "requests",
            None,
            "''",
            "The resource requirement requests for this container.  For example, 'cpu=100m,memory=256Mi'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges.",
        ),
        Flag::value(
            "selector",
            Some('l'),
            "''",
            "Selector (label query) to filter on, not including uninitialized ones,supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2)",
        ),
    ],
    required: &[],
    subcommands: &[],
};

pub const ENV: CommandDef = CommandDef {
    long: "Update environment variables on a pod template.\n\n List environment variable definitions in one or more pods, pod templates. Add, update, or remove container environment variable definitions in one or more pod templates (within replication controllers or deployment configurations). View or modify the environment variable definitions on all containers in the specified pods or pod templates, or just those that match a wildcard.\n\n If \"--env -\" is passed, environment variables can be read from STDIN using the standard env syntax.\n\n Possible resources include (case insensitive):\n\n        pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)",
    examples: "  # Update deployment 'registry' with a new environment variable\n  kubectl set env deployment/registry STORAGE_DIR=/local\n\n  # List the environment variables defined on a deployments 'sample-build'\n  kubectl set env deployment/sample-build --list\n\n  # Import environment from a config map with a prefix\n  kubectl set env --from=configmap/myconfigmap --prefix=MYSQL_ deployment/myapp\n\n  # Remove the environment variable ENV from container 'c1' in all deployment configs\n  kubectl set env deployments --all --containers=\"c1\" ENV-",
    usage: "kubectl set env RESOURCE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N",
    flags: &[
        Flag::bool(
            "all",
            None,
            "If true, select all resources in the namespace of the specified resource types",
        ),
        Flag::value(
            "containers",
            Some('c'),
            "'*'",
            "The names of containers in the selected pod templates to change - may use wildcards",
        ),
        Flag::values(
            "env",
            Some('e'),
            "Specify a key-value pair for an environment variable to set into each container.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files the resource to update the env",
        ),
        Flag::value(
            "from",
            None,
            "''",
            "The name of a resource from which to inject environment variables",
        ),
        Flag::bool(
            "list",
            None,
            "If true, display the environment and any changes in the standard format. this flag will removed when we have kubectl view env.",
        ),
        Flag::value("prefix", None, "''", "Prefix to append to variable names"),
        Flag::value("selector", Some('l'), "''", "Selector (label query) to filter on"),
    ],
    required: &[],
    subcommands: &[],
};

/// `kubectl set` alone prints its help.
pub fn run(_parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&DEF));
    Ok(0)
}

/// Where the pod spec sits in an object of each kind.
fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "DaemonSet"
        | "StatefulSet"
        | "Job"
        | "PodTemplate" => Some("/spec/template/spec"),
        _ => None,
    }
}

/// `KEY=VALUE` arguments and the resources they apply to, split as kubectl splits them.
fn split_args(parsed: &Parsed) -> (Vec<&String>, Vec<&String>) {
    parsed.args.iter().partition(|a| !a.contains('=') && (!a.ends_with('-') || a.contains('/')))
}

/// Runs `change` on each container (of the containers `-c` names) of each target, writes the
/// objects that changed and prints `KIND/NAME VERB`.
fn for_each_template(
    parsed: &Parsed,
    inv: &mut Invocation<'_>,
    resource_args: &[&String],
    verb: &str,
    change: &mut dyn FnMut(&mut Map<String, Value>),
) -> CommandResult {
    let targets = targets(parsed, inv, resource_args)?;
    if targets.is_empty() {
        inv.out.err_line("No resources found");
        return Ok(0);
    }
    let wanted = parsed.value("containers").filter(|c| !c.is_empty() && *c != "*");
    let mut failed = false;
    for (kind, namespace, name) in targets {
        let result = change_object(inv, &*kind, &namespace, &name, wanted, change);
        match result {
            Ok(true) => inv.out.out(format!("{} {verb}\n", manifest::reference(&*kind, &name))),
            Ok(false) => {}
            Err(message) => {
                inv.out.err_line(message);
                failed = true;
            }
        }
    }
    Ok(i32::from(failed))
}

fn change_object(
    inv: &mut Invocation<'_>,
    kind: &dyn DynamicKind,
    namespace: &str,
    name: &str,
    wanted: Option<&str>,
    change: &mut dyn FnMut(&mut Map<String, Value>),
) -> Result<bool, String> {
    let mut object = kind.get(inv.sim.api(), namespace, name).map_err(|e| errors::describe(&e))?;
    let pointer = pod_spec_pointer(kind.kind())
        .ok_or_else(|| format!("error: {}/{name} does not have a pod template", kind.plural()))?;
    let before = object.clone();
    let Some(spec) = object.pointer_mut(pointer) else { return Ok(false) };
    let mut matched = false;
    for list in ["initContainers", "containers"] {
        for container in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            let Some(container) = container.as_object_mut() else { continue };
            let container_name = container.get("name").and_then(Value::as_str).unwrap_or_default();
            if wanted.is_some_and(|w| !wildcard_matches(w, container_name)) {
                continue;
            }
            matched = true;
            change(container);
        }
    }
    if !matched && let Some(wanted) = wanted {
        return Err(format!("error: unable to find container named {wanted}"));
    }
    if object == before {
        return Ok(false);
    }
    inv.sim.submit(|api| kind.update(api, object)).map_err(|e| errors::describe(&e))?;
    Ok(true)
}

/// kubectl's container selection: `*` matches any run of characters.
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (0..=name.len() - head.len())
                    .any(|i| wildcard_matches(tail, &name[head.len() + i..]))
        }
    }
}

pub fn image(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let (resource_args, pairs) = split_args(parsed);
    let images: Vec<(String, String)> = pairs
        .iter()
        .filter_map(|p| p.split_once('='))
        .map(|(c, i)| (c.to_string(), i.to_string()))
        .collect();
    if images.is_empty() {
        return Err(CommandError::Usage("at least one image update is required".into()));
    }
    if let Some((container, _)) = images.iter().find(|(_, image)| image.is_empty()) {
        return Err(CommandError::Plain(format!(
            "error: invalid image name for container {container}"
        )));
    }
    let mut change = |container: &mut Map<String, Value>| {
        let name = container.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if let Some((_, image)) = images.iter().find(|(c, _)| c == "*" || *c == name) {
            container.insert("image".into(), Value::String(image.clone()));
        }
    };
    // A named container must exist in every object.
    let targets_checked = check_containers(parsed, inv, &resource_args, &images)?;
    if let Some(message) = targets_checked {
        inv.out.err_line(message);
        return Ok(1);
    }
    for_each_template(parsed, inv, &resource_args, "image updated", &mut change)
}

/// `error: unable to find container named "x"` for a container none of the targets has.
fn check_containers(
    parsed: &Parsed,
    inv: &Invocation<'_>,
    resource_args: &[&String],
    images: &[(String, String)],
) -> Result<Option<String>, CommandError> {
    for (kind, namespace, name) in targets(parsed, inv, resource_args)? {
        let Ok(object) = kind.get(inv.sim.api(), &namespace, &name) else { continue };
        let Some(pointer) = pod_spec_pointer(kind.kind()) else { continue };
        let names: Vec<&str> = ["initContainers", "containers"]
            .iter()
            .filter_map(|list| object.pointer(&format!("{pointer}/{list}")))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|c| c.get("name").and_then(Value::as_str))
            .collect();
        if let Some((missing, _)) =
            images.iter().find(|(c, _)| c != "*" && !names.contains(&c.as_str()))
        {
            return Ok(Some(format!("error: unable to find container named \"{missing}\"")));
        }
    }
    Ok(None)
}

/// `cpu=100m,memory=256Mi`.
fn resource_list(text: &str, flag: &str) -> Result<Map<String, Value>, CommandError> {
    let mut list = Map::new();
    for item in text.split(',').filter(|s| !s.is_empty()) {
        let (name, quantity) = item.split_once('=').ok_or_else(|| {
            CommandError::Plain(format!(
                "error: invalid argument syntax {item}, expected <resource>=<value> ({flag})"
            ))
        })?;
        if let Err(error) = crate::quantity::parse(quantity) {
            return Err(CommandError::Plain(format!("error: {error}")));
        }
        list.insert(name.to_string(), Value::String(quantity.to_string()));
    }
    Ok(list)
}

pub fn resources(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let (resource_args, _) = split_args(parsed);
    let limits = resource_list(parsed.value("limits").unwrap_or_default(), "limits")?;
    let requests = resource_list(parsed.value("requests").unwrap_or_default(), "requests")?;
    if limits.is_empty() && requests.is_empty() {
        return Err(CommandError::Plain(
            "error: you must specify an update to requests or limits (in the form of --requests/--limits)".into(),
        ));
    }
    let mut change = |container: &mut Map<String, Value>| {
        let resources = container.entry("resources").or_insert_with(|| json!({}));
        let Some(resources) = resources.as_object_mut() else { return };
        for (field, list) in [("limits", &limits), ("requests", &requests)] {
            if list.is_empty() {
                continue;
            }
            let current = resources.entry(field).or_insert_with(|| json!({}));
            if let Some(current) = current.as_object_mut() {
                for (name, quantity) in list {
                    // A zero removes the requirement.
                    let text = quantity.as_str().unwrap_or_default();
                    if crate::quantity::parse(text).is_ok_and(|q| q.0 == 0) {
                        current.remove(name);
                    } else {
                        current.insert(name.clone(), quantity.clone());
                    }
                }
            }
        }
        resources.retain(|_, v| v.as_object().is_none_or(|m| !m.is_empty()));
    };
    for_each_template(parsed, inv, &resource_args, "resource requirements updated", &mut change)
}

pub fn env(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let (resource_args, pairs) = split_args(parsed);
    let mut sets: Vec<(String, Value)> = Vec::new();
    let mut removals: Vec<String> = Vec::new();
    for pair in
        pairs.iter().map(|p| p.as_str()).chain(parsed.values("env").iter().map(String::as_str))
    {
        match pair.split_once('=') {
            Some((key, value)) => {
                sets.push((key.to_string(), json!({"name": key, "value": value})))
            }
            None => removals.push(pair.trim_end_matches('-').to_string()),
        }
    }
    if let Some(from) = parsed.value("from").filter(|f| !f.is_empty()) {
        sets.extend(env_from(inv, from, parsed.value("prefix").unwrap_or_default())?);
    }
    if parsed.bool("list") {
        return list_env(parsed, inv, &resource_args);
    }
    if sets.is_empty() && removals.is_empty() {
        return Err(CommandError::Plain(
            "error: at least one environment variable must be provided".into(),
        ));
    }
    let mut change = |container: &mut Map<String, Value>| {
        let env = container.entry("env").or_insert_with(|| json!([]));
        let Some(env) = env.as_array_mut() else { return };
        for (key, entry) in &sets {
            match env.iter_mut().find(|e| e.get("name").and_then(Value::as_str) == Some(key)) {
                Some(existing) => *existing = entry.clone(),
                None => env.push(entry.clone()),
            }
        }
        env.retain(|e| !removals.iter().any(|r| e.get("name").and_then(Value::as_str) == Some(r)));
        if env.is_empty() {
            container.remove("env");
        }
    };
    for_each_template(parsed, inv, &resource_args, "env updated", &mut change)
}

/// `--from=configmap/NAME` or `secret/NAME`: one variable per key, read from the object.
fn env_from(
    inv: &Invocation<'_>,
    from: &str,
    prefix: &str,
) -> Result<Vec<(String, Value)>, CommandError> {
    let (typed, name) = from.split_once('/').ok_or_else(|| {
        CommandError::Plain(format!(
            "error: the resource in --from must be TYPE/NAME, got {from:?}"
        ))
    })?;
    let kind = super::resources::resolve(inv.sim.api(), typed)?;
    let object = kind.get(inv.sim.api(), &inv.namespace, name).map_err(CommandError::Api)?;
    let (reference, data) = match kind.kind() {
        "ConfigMap" => ("configMapKeyRef", "/data"),
        "Secret" => ("secretKeyRef", "/data"),
        other => {
            return Err(CommandError::Plain(format!(
                "error: unsupported resource specified in --from: {}",
                other.to_lowercase()
            )));
        }
    };
    let keys = object.pointer(data).and_then(Value::as_object).cloned().unwrap_or_default();
    Ok(keys
        .keys()
        .map(|key| {
            let variable = format!("{prefix}{}", key.to_uppercase().replace(['-', '.'], "_"));
            let entry =
                json!({"name": variable, "valueFrom": {reference: {"name": name, "key": key}}});
            (variable, entry)
        })
        .collect())
}

/// `--list`: `# deployment registry, container registry` and each variable.
fn list_env(parsed: &Parsed, inv: &mut Invocation<'_>, resource_args: &[&String]) -> CommandResult {
    let wanted = parsed.value("containers").filter(|c| !c.is_empty() && *c != "*");
    for (kind, namespace, name) in targets(parsed, inv, resource_args)? {
        let object = kind.get(inv.sim.api(), &namespace, &name).map_err(CommandError::Api)?;
        let Some(pointer) = pod_spec_pointer(kind.kind()) else { continue };
        let containers = object.pointer(&format!("{pointer}/containers")).and_then(Value::as_array);
        for container in containers.into_iter().flatten() {
            let container_name = container.get("name").and_then(Value::as_str).unwrap_or_default();
            if wanted.is_some_and(|w| !wildcard_matches(w, container_name)) {
                continue;
            }
            let mut text =
                format!("# {} {name}, container {container_name}\n", kind.kind().to_lowercase());
            for entry in container.get("env").and_then(Value::as_array).into_iter().flatten() {
                let key = entry.get("name").and_then(Value::as_str).unwrap_or_default();
                match entry.get("value").and_then(Value::as_str) {
                    Some(value) => text.push_str(&format!("{key}={value}\n")),
                    None => {
                        let from = entry
                            .pointer("/valueFrom/configMapKeyRef")
                            .map(|r| ("config map", r))
                            .or_else(|| {
                                entry.pointer("/valueFrom/secretKeyRef").map(|r| ("secret", r))
                            });
                        match from {
                            Some((source, r)) => text.push_str(&format!(
                                "# {key} from {source} {}, key {}\n",
                                r.get("name").and_then(Value::as_str).unwrap_or_default(),
                                r.get("key").and_then(Value::as_str).unwrap_or_default()
                            )),
                            None => text.push_str(&format!("# {key} from field path\n")),
                        }
                    }
                }
            }
            inv.out.out(text);
        }
    }
    Ok(0)
}
