//! `kubectl create`: objects from manifests (`-f`), or one object from flags with a
//! subcommand (`create deployment`, `create configmap`, `create secret generic`, …).

use super::create_rbac;
use super::flags::{Flag, Parsed};
use super::manifest;
use super::{
    CommandDef, CommandError, CommandResult, DryRun, Invocation, OutputFormat, errors, print,
};
use crate::api::kinds::{self, DynamicKind, Kind};
use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, ContainerPort, Namespace, PodSpec, PodTemplateSpec, Secret, Service,
    ServiceAccount, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) const DRY_RUN: Flag = Flag::value(
    "dry-run",
    None,
    "'none'",
    "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
);
pub(super) const OUTPUT: Flag = Flag::value(
    "output",
    Some('o'),
    "''",
    "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file).",
);
pub(super) const SAVE_CONFIG: Flag = Flag::bool(
    "save-config",
    None,
    "If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will\n\tbe unchanged. This flag is useful when you want to perform kubectl apply on this object in the future.",
);
const FROM_LITERAL: Flag = Flag::values(
    "from-literal",
    None,
    "Specify a key and literal value to insert in configmap (i.e. mykey=somevalue)",
);
const FROM_FILE: Flag = Flag::values(
    "from-file",
    None,
    "Key file can be specified using its file path, in which case file basename will be used as configmap key, or\n\toptionally with a key and file path, in which case the given key will be used.",
);
const FROM_ENV_FILE: Flag = Flag::values(
    "from-env-file",
    None,
    "Specify the path to a file to read lines of key=val pairs to create a configmap.",
);
const IMAGE: Flag = Flag::values(
    "image",
    None,
    "Image names to run. A deployment can have multiple images set for multi-container pod.",
);

pub const DEF: CommandDef = CommandDef {
    long: "Create a resource from a file or from stdin.\n\n JSON and YAML formats are accepted.",
    examples: "  # Create a pod using the data in pod.json\n  kubectl create -f ./pod.json\n\n  # Create a pod based on the JSON passed into stdin\n  cat pod.json | kubectl create -f -",
    usage: "kubectl create -f FILENAME [options]",
    flags: &[
        DRY_RUN,
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files to use to create the resource",
        ),
        OUTPUT,
        Flag::bool(
            "recursive",
            Some('R'),
            "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests\n\torganized within the same directory.",
        ),
        SAVE_CONFIG,
    ],
    required: &[],
    subcommands: &[
        ("clusterrole", &create_rbac::CLUSTERROLE, create_rbac::clusterrole),
        ("clusterrolebinding", &create_rbac::CLUSTERROLEBINDING, create_rbac::clusterrolebinding),
        ("configmap", &CONFIGMAP, configmap),
        ("cronjob", &CRONJOB, cronjob),
        ("deployment", &DEPLOYMENT, deployment),
        ("job", &JOB, job),
        ("namespace", &NAMESPACE, namespace),
        ("role", &create_rbac::ROLE, create_rbac::role),
        ("rolebinding", &create_rbac::ROLEBINDING, create_rbac::rolebinding),
        ("secret", &SECRET, secret_help),
        ("service", &SERVICE, service_help),
        ("serviceaccount", &SERVICEACCOUNT, serviceaccount),
        ("token", &create_rbac::TOKEN, create_rbac::token),
    ],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let files = parsed.values("filename");
    if files.is_empty() {
        if let Some(arg) = parsed.args.first() {
            return Err(CommandError::Usage(format!("Unexpected args: [{arg}]")));
        }
        return Err(CommandError::Usage("must specify one of -f and -k".into()));
    }
    let dry_run = DryRun::from_flags(parsed)?;
    let format = OutputFormat::from_flags(parsed, false)?;
    let mut failed = false;
    for target in manifest::targets(inv, files, parsed.bool("recursive"))? {
        let kind = target.kind;
        let decoded = kind.decode(&target.object).map_err(|problem| {
            errors::describe_for(
                &errors::undecodable(kind.kind(), kind.api_version(), &problem),
                "creating",
                &target.source,
            )
        });
        let mut object = target.object.clone();
        if parsed.bool("save-config") {
            annotate_last_applied(&mut object);
        }
        let created = decoded.and_then(|_| {
            send(inv, &*kind, object, dry_run)
                .map_err(|e| errors::describe_for(&e, "creating", &target.source))
        });
        match created {
            Ok(object) => {
                print::result(inv.out, &format, &*kind, &target.name, &object, "created", dry_run)
            }
            Err(message) => {
                inv.out.err_line(message);
                failed = true;
            }
        }
    }
    Ok(i32::from(failed))
}

fn annotate_last_applied(object: &mut Value) {
    let mut text = serde_json::to_string(object).unwrap_or_default();
    text.push('\n');
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations =
            metadata.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
        if let Some(map) = annotations.as_object_mut() {
            map.insert(super::apply::LAST_APPLIED.into(), Value::String(text));
        }
    }
}

fn send(
    inv: &mut Invocation<'_>,
    kind: &dyn DynamicKind,
    object: Value,
    dry_run: DryRun,
) -> Result<Value, crate::api::ApiError> {
    match dry_run {
        DryRun::Client => Ok(object),
        DryRun::Server => kind.create(&mut inv.sim.api().clone(), object),
        DryRun::None => inv.sim.submit(|api| kind.create(api, object)),
    }
}

/// Creates (or with `--dry-run`, shows) an object built from flags, and prints the result.
pub(super) fn create_generated<K: Kind>(
    parsed: &Parsed,
    inv: &mut Invocation<'_>,
    mut object: K,
) -> CommandResult {
    let dry_run = DryRun::from_flags(parsed)?;
    let format = OutputFormat::from_flags(parsed, false)?;
    let name = object.meta().name.clone().unwrap_or_default();
    if K::NAMESPACED && dry_run != DryRun::Client {
        object.metadata_mut().namespace = Some(inv.namespace.clone());
    }
    let mut value =
        serde_json::to_value(&object).map_err(|e| CommandError::Plain(e.to_string()))?;
    if parsed.bool("save-config") {
        annotate_last_applied(&mut value);
    }
    let kind = kinds::of::<K>();
    let created = send(inv, kind, value, dry_run).map_err(CommandError::Api)?;
    print::result(inv.out, &format, kind, &name, &created, "created", dry_run);
    Ok(0)
}

pub(super) fn required_name(parsed: &Parsed) -> Result<String, CommandError> {
    match parsed.args.as_slice() {
        [name] => Ok(name.clone()),
        [] => Err(CommandError::Usage("exactly one NAME is required, got 0".into())),
        many => {
            Err(CommandError::Usage(format!("exactly one NAME is required, got {}", many.len())))
        }
    }
}

pub(super) fn meta(name: &str) -> ObjectMeta {
    ObjectMeta { name: Some(name.to_string()), ..Default::default() }
}

pub const NAMESPACE: CommandDef = CommandDef {
    long: "Create a namespace with the specified name.",
    examples: "  # Create a new namespace named my-namespace\n  kubectl create namespace my-namespace",
    usage: "kubectl create namespace NAME [--dry-run=server|client|none] [options]",
    flags: &[DRY_RUN, OUTPUT, SAVE_CONFIG],
    required: &[],
    subcommands: &[],
};

fn namespace(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    create_generated(parsed, inv, Namespace { metadata: meta(&name), ..Default::default() })
}

pub const SERVICEACCOUNT: CommandDef = CommandDef {
    long: "Create a service account with the specified name.",
    examples: "  # Create a new service account named my-service-account\n  kubectl create serviceaccount my-service-account",
    usage: "kubectl create serviceaccount NAME [--dry-run=server|client|none] [options]",
    flags: &[DRY_RUN, OUTPUT, SAVE_CONFIG],
    required: &[],
    subcommands: &[],
};

fn serviceaccount(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    create_generated(parsed, inv, ServiceAccount { metadata: meta(&name), ..Default::default() })
}

pub const DEPLOYMENT: CommandDef = CommandDef {
    long: "Create a deployment with the specified name.",
    examples: "  # Create a deployment named my-dep that runs the busybox image\n  kubectl create deployment my-dep --image=busybox\n\n  # Create a deployment with a command\n  kubectl create deployment my-dep --image=busybox -- date\n\n  # Create a deployment named my-dep that runs the nginx image with 3 replicas\n  kubectl create deployment my-dep --image=nginx --replicas=3\n\n  # Create a deployment named my-dep that runs the busybox image and expose port 5701\n  kubectl create deployment my-dep --image=busybox --port=5701",
    usage: "kubectl create deployment NAME --image=image -- [COMMAND] [args...] [options]",
    flags: &[
        DRY_RUN,
        IMAGE,
        OUTPUT,
        Flag::value("port", None, "-1", "The containerPort that this deployment exposes."),
        Flag::value("replicas", Some('r'), "1", "Number of replicas to create. Default is 1."),
        SAVE_CONFIG,
    ],
    required: &["image"],
    subcommands: &[],
};

/// A container name from an image: `nginx:1.27` → `nginx`, `registry.k8s.io/pause` → `pause`.
fn container_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let bare = last.split(['@', ':']).next().unwrap_or(last);
    bare.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect()
}

pub(super) fn parse_int(parsed: &Parsed, flag: &str, default: i32) -> Result<i32, CommandError> {
    match parsed.value(flag) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            CommandError::Plain(format!("invalid argument \"{text}\" for \"--{flag}\" flag: strconv.ParseInt: parsing \"{text}\": invalid syntax"))
        }),
    }
}

fn deployment(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let images = parsed.values("image");
    if images.len() > 1 && !parsed.after_dash.is_empty() {
        return Err(CommandError::Plain(
            "cannot specify multiple --image options and command".into(),
        ));
    }
    let port = parse_int(parsed, "port", -1)?;
    let labels = BTreeMap::from([("app".to_string(), name.clone())]);
    let containers = images
        .iter()
        .map(|image| Container {
            name: container_name(image),
            image: Some(image.clone()),
            command: (!parsed.after_dash.is_empty()).then(|| parsed.after_dash.clone()),
            ports: (port >= 0)
                .then(|| vec![ContainerPort { container_port: port, ..Default::default() }]),
            resources: Some(Default::default()),
            ..Default::default()
        })
        .collect();
    let deployment = Deployment {
        metadata: ObjectMeta { labels: Some(labels.clone()), ..meta(&name) },
        spec: Some(DeploymentSpec {
            replicas: Some(parse_int(parsed, "replicas", 1)?),
            selector: LabelSelector { match_labels: Some(labels.clone()), ..Default::default() },
            strategy: Some(Default::default()),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta { labels: Some(labels), ..Default::default() }),
                spec: Some(PodSpec { containers, ..Default::default() }),
            },
            ..Default::default()
        }),
        status: Some(Default::default()),
    };
    create_generated(parsed, inv, deployment)
}

pub const JOB: CommandDef = CommandDef {
    long: "Create a job with the specified name.",
    examples: "  # Create a job\n  kubectl create job my-job --image=busybox\n\n  # Create a job with a command\n  kubectl create job my-job --image=busybox -- date",
    usage: "kubectl create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...] [options]",
    flags: &[
        DRY_RUN,
        Flag::value(
            "from",
            None,
            "''",
            "The name of the resource to create a Job from (only cronjob is supported).",
        ),
        Flag::value("image", None, "''", "Image name to run."),
        OUTPUT,
        SAVE_CONFIG,
    ],
    required: &[],
    subcommands: &[],
};

fn job_template(name: &str, image: &str, command: &[String]) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: None,
        spec: Some(PodSpec {
            containers: vec![Container {
                name: name.to_string(),
                image: Some(image.to_string()),
                command: (!command.is_empty()).then(|| command.to_vec()),
                resources: Some(Default::default()),
                ..Default::default()
            }],
            restart_policy: Some("Never".into()),
            ..Default::default()
        }),
    }
}

fn job(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let image = parsed.value("image").filter(|i| !i.is_empty());
    let from = parsed.value("from").filter(|f| !f.is_empty());
    let image = match (image, from) {
        (Some(image), None) => image,
        (None, Some(from)) => {
            if !parsed.after_dash.is_empty() {
                return Err(CommandError::Plain("cannot specify --from and command".into()));
            }
            let job = job_from_cronjob(inv, &name, from)?;
            return create_generated(parsed, inv, job);
        }
        _ => {
            return Err(CommandError::Plain("either --image or --from must be specified".into()));
        }
    };
    let job = Job {
        metadata: meta(&name),
        spec: Some(JobSpec {
            template: job_template(&name, image, &parsed.after_dash),
            ..Default::default()
        }),
        status: Some(Default::default()),
    };
    create_generated(parsed, inv, job)
}

/// `createJobFromCronJob`: a manual run of a CronJob's template, owned by the CronJob (without
/// blockOwnerDeletion, which would need extra permissions).
fn job_from_cronjob(inv: &Invocation<'_>, name: &str, from: &str) -> Result<Job, CommandError> {
    let Some((typed, source)) = from.split_once('/') else {
        super::resources::resolve(inv.sim.api(), from)?;
        return Err(CommandError::Plain("from must be an existing cronjob".into()));
    };
    let kind = super::resources::resolve(inv.sim.api(), typed)?;
    let object = kind.get(inv.sim.api(), &inv.namespace, source).map_err(CommandError::Api)?;
    if kind.kind() != "CronJob" {
        return Err(CommandError::Plain(format!("unknown object type *v1.{}", kind.kind())));
    }
    let cronjob: CronJob = serde::Deserialize::deserialize(&object)
        .map_err(|e: serde_json::Error| CommandError::Plain(e.to_string()))?;
    let template = cronjob.spec.unwrap_or_default().job_template;
    let metadata = template.metadata.unwrap_or_default();
    let mut annotations =
        BTreeMap::from([("cronjob.kubernetes.io/instantiate".to_string(), "manual".to_string())]);
    annotations.extend(metadata.annotations.unwrap_or_default());
    Ok(Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            annotations: Some(annotations),
            labels: metadata.labels,
            owner_references: Some(vec![
                k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                    api_version: "batch/v1".into(),
                    kind: "CronJob".into(),
                    name: cronjob.metadata.name.unwrap_or_default(),
                    uid: cronjob.metadata.uid.unwrap_or_default(),
                    controller: Some(true),
                    block_owner_deletion: None,
                },
            ]),
            ..Default::default()
        },
        spec: template.spec,
        status: Some(Default::default()),
    })
}

pub const CRONJOB: CommandDef = CommandDef {
    long: "Create a cron job with the specified name.",
    examples: "  # Create a cron job\n  kubectl create cronjob my-job --image=busybox --schedule=\"*/1 * * * *\"\n\n  # Create a cron job with a command\n  kubectl create cronjob my-job --image=busybox --schedule=\"*/1 * * * *\" -- date",
    usage: "kubectl create cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...] [flags] [options]",
    flags: &[
        DRY_RUN,
        Flag::value("image", None, "''", "Image name to run."),
        OUTPUT,
        Flag::value(
            "restart",
            None,
            "''",
            "job's restart policy. supported values: OnFailure, Never",
        ),
        SAVE_CONFIG,
        Flag::value(
            "schedule",
            None,
            "''",
            "A schedule in the Cron format the job should be run with.",
        ),
    ],
    required: &["image", "schedule"],
    subcommands: &[],
};

fn cronjob(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let image = parsed.value("image").unwrap_or_default();
    let mut template = job_template(&name, image, &parsed.after_dash);
    if let (Some(spec), Some(restart)) =
        (template.spec.as_mut(), parsed.value("restart").filter(|r| !r.is_empty()))
    {
        spec.restart_policy = Some(restart.to_string());
    }
    let cronjob = CronJob {
        metadata: meta(&name),
        spec: Some(CronJobSpec {
            schedule: parsed.value("schedule").unwrap_or_default().to_string(),
            job_template: JobTemplateSpec {
                metadata: Some(meta(&name)),
                spec: Some(JobSpec { template, ..Default::default() }),
            },
            ..Default::default()
        }),
        status: Some(Default::default()),
    };
    create_generated(parsed, inv, cronjob)
}

pub const CONFIGMAP: CommandDef = CommandDef {
    long: "Create a config map based on a file, directory, or specified literal value.\n\n A single config map may package one or more key/value pairs.",
    examples: "  # Create a new config map named my-config with key1=config1 and key2=config2\n  kubectl create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2\n\n  # Create a new config map named my-config based on a file, with the key game.properties\n  kubectl create configmap my-config --from-file=game.properties\n\n  # Create a new config map named my-config with specified keys instead of file basenames on disk\n  kubectl create configmap my-config --from-file=key1=/path/to/bar/file1.txt\n\n  # Create a new config map named my-config from an env file\n  kubectl create configmap my-config --from-env-file=path/to/foo.env",
    usage: "kubectl create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]",
    flags: &[DRY_RUN, FROM_ENV_FILE, FROM_FILE, FROM_LITERAL, OUTPUT, SAVE_CONFIG],
    required: &[],
    subcommands: &[],
};

/// The key/value pairs of `--from-literal`, `--from-file` and `--from-env-file`, in order.
fn collect_data(
    parsed: &Parsed,
    inv: &Invocation<'_>,
) -> Result<BTreeMap<String, String>, CommandError> {
    let mut data = BTreeMap::new();
    let mut insert = |key: String, value: String| -> Result<(), CommandError> {
        if data.insert(key.clone(), value).is_some() {
            return Err(CommandError::Plain(format!(
                "cannot add key {key}, another key by that name already exists in Data for ConfigMap \"\""
            )));
        }
        Ok(())
    };
    for literal in parsed.values("from-literal") {
        match literal.split_once('=') {
            Some((key, value)) if !key.is_empty() => insert(key.to_string(), value.to_string())?,
            _ => {
                return Err(CommandError::Plain(format!(
                    "invalid literal source {literal}, expected key=value"
                )));
            }
        }
    }
    for source in parsed.values("from-file") {
        let (key, path) = match source.split_once('=') {
            Some((key, path)) => (key.to_string(), path.to_string()),
            None => (source.rsplit('/').next().unwrap_or(source).to_string(), source.clone()),
        };
        let content = inv.files.get(&path).ok_or_else(|| {
            CommandError::Plain(format!("error reading {path}: no such file or directory"))
        })?;
        insert(key, content.clone())?;
    }
    for path in parsed.values("from-env-file") {
        let content = inv.files.get(path).ok_or_else(|| {
            CommandError::Plain(format!("error reading {path}: no such file or directory"))
        })?;
        for line in content.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            match line.split_once('=') {
                Some((key, value)) => insert(key.trim().to_string(), value.to_string())?,
                None => {
                    return Err(CommandError::Plain(format!(
                        "invalid env file line {line:?}: expected key=value"
                    )));
                }
            }
        }
    }
    Ok(data)
}

fn configmap(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let data = collect_data(parsed, inv)?;
    let configmap = ConfigMap {
        metadata: meta(&name),
        data: (!data.is_empty()).then_some(data),
        ..Default::default()
    };
    create_generated(parsed, inv, configmap)
}

pub const SECRET: CommandDef = CommandDef {
    long: "Create a secret with specified type.\n\n A docker-registry type secret is for accessing a container registry.\n\n A generic type secret indicate an Opaque secret type.\n\n A tls type secret holds TLS certificate and its associated key.",
    examples: "",
    usage: "kubectl create secret (docker-registry | generic | tls) [options]",
    flags: &[],
    required: &[],
    subcommands: &[
        ("docker-registry", &SECRET_DOCKER_REGISTRY, secret_docker_registry),
        ("generic", &SECRET_GENERIC, secret_generic),
        ("tls", &SECRET_TLS, secret_tls),
    ],
};

fn secret_help(_parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&SECRET));
    Ok(0)
}

pub const SECRET_GENERIC: CommandDef = CommandDef {
    long: "Create a secret based on a file, directory, or specified literal value.\n\n A single secret may package one or more key/value pairs.",
    examples: "  # Create a new secret named my-secret with key1=supersecret and key2=topsecret\n  kubectl create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret\n\n  # Create a new secret named my-secret using a combination of a file and a literal\n  kubectl create secret generic my-secret --from-file=ssh-privatekey=path/to/id_rsa --from-literal=passphrase=topsecret",
    usage: "kubectl create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]",
    flags: &[
        DRY_RUN,
        FROM_ENV_FILE,
        FROM_FILE,
        FROM_LITERAL,
        OUTPUT,
        SAVE_CONFIG,
        Flag::value("type", None, "''", "The type of secret to create"),
    ],
    required: &[],
    subcommands: &[],
};

fn secret_generic(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let data: BTreeMap<String, ByteString> = collect_data(parsed, inv)?
        .into_iter()
        .map(|(k, v)| (k, ByteString(v.into_bytes())))
        .collect();
    let secret = Secret {
        metadata: meta(&name),
        data: (!data.is_empty()).then_some(data),
        type_: parsed.value("type").filter(|t| !t.is_empty()).map(str::to_string),
        ..Default::default()
    };
    create_generated(parsed, inv, secret)
}

pub const SECRET_DOCKER_REGISTRY: CommandDef = CommandDef {
    long: "Create a new secret for use with Docker registries.\n\n        Dockercfg secrets are used to authenticate against Docker registries.\n\n        When using the Docker command line to push images, you can authenticate to a given registry by running:\n        '$ docker login DOCKER_REGISTRY_SERVER --username=DOCKER_USER --password=DOCKER_PASSWORD --email=DOCKER_EMAIL'.\n\n    That produces a ~/.dockercfg file that is used by subsequent 'docker push' and 'docker pull' commands to authenticate to the registry. The email address is optional.\n\n        When creating applications, you may have a Docker registry that requires authentication.  In order for the\n        nodes to pull images on your behalf, they must have the credentials.  You can provide this information\n        by creating a dockercfg secret and attaching it to your service account.",
    examples: "  # If you do not already have a .dockercfg file, create a dockercfg secret directly\n  kubectl create secret docker-registry my-secret --docker-server=DOCKER_REGISTRY_SERVER --docker-username=DOCKER_USER --docker-password=DOCKER_PASSWORD --docker-email=DOCKER_EMAIL\n\n  # Create a new secret named my-secret from ~/.docker/config.json\n  kubectl create secret docker-registry my-secret --from-file=path/to/.docker/config.json",
    usage: "kubectl create secret docker-registry NAME --docker-username=user --docker-password=password --docker-email=email [--docker-server=string] [--from-file=[key=]source] [--dry-run=server|client|none] [options]",
    flags: &[
        Flag::value("docker-email", None, "''", "Email for Docker registry"),
        Flag::value("docker-password", None, "''", "Password for Docker registry authentication"),
        Flag::value(
            "docker-server",
            None,
            "'https://index.docker.io/v1/'",
            "Server location for Docker registry",
        ),
        Flag::value("docker-username", None, "''", "Username for Docker registry authentication"),
        DRY_RUN,
        FROM_FILE,
        OUTPUT,
        SAVE_CONFIG,
    ],
    required: &[],
    subcommands: &[],
};

/// `.dockerconfigjson` as kubectl writes it: one entry under `auths` with the username,
/// password, email (if given) and `auth` (base64 of `user:password`).
fn secret_docker_registry(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let data = if parsed.values("from-file").is_empty() {
        let value = |flag: &str| parsed.value(flag).unwrap_or_default().to_string();
        let (username, password) = (value("docker-username"), value("docker-password"));
        if username.is_empty() || password.is_empty() {
            return Err(CommandError::Plain(
                "either --from-file or the combination of --docker-username, --docker-password and --docker-server is required".into(),
            ));
        }
        let server = parsed.value("docker-server").unwrap_or("https://index.docker.io/v1/");
        let quote = |text: &str| serde_json::Value::from(text).to_string();
        let email = value("docker-email");
        let email =
            if email.is_empty() { String::new() } else { format!(",\"email\":{}", quote(&email)) };
        let auth = crate::shell::text::encode(format!("{username}:{password}").as_bytes());
        // In the order of kubectl's DockerConfigEntry fields.
        let config = format!(
            "{{\"auths\":{{{}:{{\"username\":{},\"password\":{}{email},\"auth\":{}}}}}}}",
            quote(server),
            quote(&username),
            quote(&password),
            quote(&auth)
        );
        BTreeMap::from([(".dockerconfigjson".to_string(), config)])
    } else {
        collect_data(parsed, inv)?.into_iter().collect()
    };
    let secret = Secret {
        metadata: meta(&name),
        data: Some(data.into_iter().map(|(k, v)| (k, ByteString(v.into_bytes()))).collect()),
        type_: Some("kubernetes.io/dockerconfigjson".into()),
        ..Default::default()
    };
    create_generated(parsed, inv, secret)
}

pub const SECRET_TLS: CommandDef = CommandDef {
    long: "Create a TLS secret from the given public/private key pair.\n\n The public/private key pair must exist beforehand. The public key certificate must be .PEM encoded and match the given private key.",
    examples: "  # Create a new TLS secret named tls-secret with the given key pair\n  kubectl create secret tls tls-secret --cert=path/to/tls.crt --key=path/to/tls.key",
    usage: "kubectl create secret tls NAME --cert=path/to/cert/file --key=path/to/key/file [--dry-run=server|client|none] [options]",
    flags: &[
        Flag::value("cert", None, "''", "Path to PEM encoded public key certificate."),
        DRY_RUN,
        Flag::value("key", None, "''", "Path to private key associated with given certificate."),
        OUTPUT,
        SAVE_CONFIG,
    ],
    required: &["cert", "key"],
    subcommands: &[],
};

fn secret_tls(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let read = |flag: &str| -> Result<ByteString, CommandError> {
        let path = parsed.value(flag).unwrap_or_default();
        inv.files
            .get(path)
            .map(|text| ByteString(text.clone().into_bytes()))
            .ok_or_else(|| CommandError::Plain(format!("open {path}: no such file or directory")))
    };
    let data = BTreeMap::from([
        ("tls.crt".to_string(), read("cert")?),
        ("tls.key".to_string(), read("key")?),
    ]);
    let secret = Secret {
        metadata: meta(&name),
        data: Some(data),
        type_: Some("kubernetes.io/tls".into()),
        ..Default::default()
    };
    create_generated(parsed, inv, secret)
}

const TCP: Flag =
    Flag::values("tcp", None, "Port pairs can be specified as '<port>:<targetPort>'.");

pub const SERVICE: CommandDef = CommandDef {
    long: "Create a service using a specified subcommand.",
    examples: "",
    usage: "kubectl create service [flags] [options]",
    flags: &[],
    required: &[],
    subcommands: &[
        ("clusterip", &SERVICE_CLUSTERIP, service_clusterip),
        ("externalname", &SERVICE_EXTERNALNAME, service_externalname),
        ("loadbalancer", &SERVICE_LOADBALANCER, service_loadbalancer),
        ("nodeport", &SERVICE_NODEPORT, service_nodeport),
    ],
};

fn service_help(_parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&SERVICE));
    Ok(0)
}

pub const SERVICE_CLUSTERIP: CommandDef = CommandDef {
    long: "Create a ClusterIP service with the specified name.",
    examples: "  # Create a new ClusterIP service named my-cs\n  kubectl create service clusterip my-cs --tcp=5678:8080\n\n  # Create a new ClusterIP service named my-cs (in headless mode)\n  kubectl create service clusterip my-cs --clusterip=\"None\"",
    usage: "kubectl create service clusterip NAME [--tcp=<port>:<targetPort>] [--dry-run=server|client|none] [options]",
    flags: &[
        Flag::value(
            "clusterip",
            None,
            "''",
            "Assign your own ClusterIP or set to 'None' for a 'headless' service (no loadbalancing).",
        ),
        DRY_RUN,
        OUTPUT,
        SAVE_CONFIG,
        TCP,
    ],
    required: &[],
    subcommands: &[],
};

pub const SERVICE_NODEPORT: CommandDef = CommandDef {
    long: "Create a NodePort service with the specified name.",
    examples: "  # Create a new NodePort service named my-ns\n  kubectl create service nodeport my-ns --tcp=5678:8080",
    usage: "kubectl create service nodeport NAME [--tcp=port:targetPort] [--dry-run=server|client|none] [options]",
    flags: &[
        DRY_RUN,
        Flag::value(
            "node-port",
            None,
            "0",
            "Port used to expose the service on each node in a cluster.",
        ),
        OUTPUT,
        SAVE_CONFIG,
        TCP,
    ],
    required: &[],
    subcommands: &[],
};

pub const SERVICE_LOADBALANCER: CommandDef = CommandDef {
    long: "Create a LoadBalancer service with the specified name.",
    examples: "  # Create a new LoadBalancer service named my-lbs\n  kubectl create service loadbalancer my-lbs --tcp=5678:8080",
    usage: "kubectl create service loadbalancer NAME [--tcp=port:targetPort] [--dry-run=server|client|none] [options]",
    flags: &[DRY_RUN, OUTPUT, SAVE_CONFIG, TCP],
    required: &[],
    subcommands: &[],
};

pub const SERVICE_EXTERNALNAME: CommandDef = CommandDef {
    long: "Create an ExternalName service with the specified name.\n\n ExternalName service references to an external DNS address instead of only pods, which will allow application authors to reference services that exist off platform, on other clusters, or locally.",
    examples: "  # Create a new ExternalName service named my-ns\n  kubectl create service externalname my-ns --external-name bar.com",
    usage: "kubectl create service externalname NAME --external-name external.name [--dry-run=server|client|none] [options]",
    flags: &[
        DRY_RUN,
        Flag::value("external-name", None, "''", "External name of service"),
        OUTPUT,
        SAVE_CONFIG,
        TCP,
    ],
    required: &["external-name"],
    subcommands: &[],
};

fn service_ports(parsed: &Parsed) -> Result<Vec<ServicePort>, CommandError> {
    parsed
        .values("tcp")
        .iter()
        .map(|pair| {
            let (port, target) = pair.split_once(':').unwrap_or((pair, pair));
            let port: i32 = port
                .parse()
                .map_err(|_| CommandError::Plain(format!("error parsing --tcp={pair}")))?;
            let target = match target.parse::<i32>() {
                Ok(n) => IntOrString::Int(n),
                Err(_) => IntOrString::String(target.to_string()),
            };
            let target_text = match &target {
                IntOrString::Int(n) => n.to_string(),
                IntOrString::String(s) => s.clone(),
            };
            Ok(ServicePort {
                name: Some(format!("{port}-{target_text}")),
                port,
                protocol: Some("TCP".into()),
                target_port: Some(target),
                ..Default::default()
            })
        })
        .collect()
}

fn generated_service(parsed: &Parsed, service_type: &str) -> Result<Service, CommandError> {
    let name = required_name(parsed)?;
    let labels = BTreeMap::from([("app".to_string(), name.clone())]);
    Ok(Service {
        metadata: ObjectMeta { labels: Some(labels.clone()), ..meta(&name) },
        spec: Some(ServiceSpec {
            ports: Some(service_ports(parsed)?),
            selector: Some(labels),
            type_: Some(service_type.into()),
            ..Default::default()
        }),
        status: Some(Default::default()),
    })
}

fn service_clusterip(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let mut service = generated_service(parsed, "ClusterIP")?;
    if let (Some(spec), Some(ip)) =
        (service.spec.as_mut(), parsed.value("clusterip").filter(|i| !i.is_empty()))
    {
        spec.cluster_ip = Some(ip.to_string());
    }
    create_generated(parsed, inv, service)
}

fn service_nodeport(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let mut service = generated_service(parsed, "NodePort")?;
    let node_port = parse_int(parsed, "node-port", 0)?;
    if node_port > 0 {
        for port in service.spec.iter_mut().flat_map(|s| s.ports.iter_mut().flatten()) {
            port.node_port = Some(node_port);
        }
    }
    create_generated(parsed, inv, service)
}

fn service_loadbalancer(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    create_generated(parsed, inv, generated_service(parsed, "LoadBalancer")?)
}

fn service_externalname(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let mut service = generated_service(parsed, "ExternalName")?;
    if let Some(spec) = service.spec.as_mut() {
        spec.external_name = parsed.value("external-name").map(str::to_string);
        spec.selector = None;
    }
    create_generated(parsed, inv, service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_come_from_the_image() {
        assert_eq!(container_name("nginx"), "nginx");
        assert_eq!(container_name("nginx:1.27"), "nginx");
        assert_eq!(container_name("registry.k8s.io/e2e-test-images/agnhost:2.39"), "agnhost");
        assert_eq!(container_name("hashicorp/http-echo"), "http-echo");
    }
}
