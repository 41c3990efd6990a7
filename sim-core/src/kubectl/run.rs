//! `kubectl run`: creates a pod running one container of an image.

use super::flags::{Flag, Parsed};
use super::print;
use super::{CommandDef, CommandError, CommandResult, DryRun, Invocation, OutputFormat};
use crate::api::kinds;
use k8s_openapi::api::core::v1::{Container, ContainerPort, EnvVar, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

pub const DEF: CommandDef = CommandDef {
    long: "Create and run a particular image in a pod.",
    examples: "  # Start a nginx pod\n  kubectl run nginx --image=nginx\n\n  # Start a hazelcast pod and let the container expose port 5701\n  kubectl run hazelcast --image=hazelcast/hazelcast --port=5701\n\n  # Start a hazelcast pod and set environment variables \"DNS_DOMAIN=cluster\" and \"POD_NAMESPACE=default\" in the container\n  kubectl run hazelcast --image=hazelcast/hazelcast --env=\"DNS_DOMAIN=cluster\" --env=\"POD_NAMESPACE=default\"\n\n  # Start a hazelcast pod and set labels \"app=hazelcast\" and \"env=prod\" in the container\n  kubectl run hazelcast --image=hazelcast/hazelcast --labels=\"app=hazelcast,env=prod\"\n\n  # Dry run; print the corresponding API objects without creating them\n  kubectl run nginx --image=nginx --dry-run=client\n\n  # Start the nginx pod using the default command, but use custom arguments (arg1 .. argN) for that command\n  kubectl run nginx --image=nginx -- <arg1> <arg2> ... <argN>\n\n  # Start the nginx pod using a different command and custom arguments\n  kubectl run nginx --image=nginx --command -- <cmd> <arg1> ... <argN>",
    usage: "kubectl run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] [options]",
    flags: &[
        Flag::values("annotations", None, "Annotations to apply to the pod."),
        Flag::bool(
            "command",
            None,
            "If true and extra arguments are present, use them as the 'command' field in the container, rather than the\n\t'args' field which is the default.",
        ),
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values("env", None, "Environment variables to set in the container."),
        Flag::value("image", None, "''", "The image for the container to run."),
        Flag::value(
            "image-pull-policy",
            None,
            "''",
            "The image pull policy for the container.  If left empty, this value will not be specified by the client and\n\tdefaulted by the server.",
        ),
        Flag::value(
            "labels",
            Some('l'),
            "''",
            "Comma separated labels to apply to the pod. Will override previous values.",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file).",
        ),
        Flag::value("port", None, "''", "The port that this container exposes."),
        Flag::value(
            "restart",
            None,
            "'Always'",
            "The restart policy for this Pod.  Legal values [Always, OnFailure, Never].",
        ),
    ],
    required: &["image"],
    subcommands: &[],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    Run::parse(parsed)?.execute(inv)
}

pub struct Run {
    pod: Pod,
    dry_run: DryRun,
    format: OutputFormat,
}

impl Run {
    pub fn parse(parsed: &Parsed) -> Result<Run, CommandError> {
        let Some(name) = parsed.args.first().cloned() else {
            return Err(CommandError::Usage("NAME is required for run".to_string()));
        };
        let image = parsed.value("image").unwrap_or_default().to_string();
        let format = OutputFormat::from_flags(parsed, false)?;
        let dry_run = DryRun::from_flags(parsed)?;
        let restart = parsed.value("restart").unwrap_or("Always");
        if !["Always", "OnFailure", "Never"].contains(&restart) {
            return Err(CommandError::Plain(format!("invalid restart policy: {restart}")));
        }
        let labels = match parsed.value("labels").filter(|l| !l.is_empty()) {
            Some(spec) => parse_pairs(spec.split(','), "invalid label spec")?,
            None => BTreeMap::from([("run".to_string(), name.clone())]),
        };
        let annotations = parse_pairs(
            parsed.values("annotations").iter().map(String::as_str),
            "invalid annotation spec",
        )?;
        let env = parsed
            .values("env")
            .iter()
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) => Ok(EnvVar {
                    name: key.to_string(),
                    value: Some(value.to_string()),
                    ..Default::default()
                }),
                None => Err(CommandError::Plain(format!("invalid env: {pair}"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ports = match parsed.value("port").filter(|p| !p.is_empty()) {
            Some(port) => {
                let number: i32 = port.parse().map_err(|_| {
                    CommandError::Plain(format!("strconv.Atoi: parsing \"{port}\": invalid syntax"))
                })?;
                Some(vec![ContainerPort { container_port: number, ..Default::default() }])
            }
            None => None,
        };
        let extra =
            if parsed.after_dash.is_empty() { None } else { Some(parsed.after_dash.clone()) };
        let (command, args) = if parsed.bool("command") { (extra, None) } else { (None, extra) };
        let container = Container {
            name: name.clone(),
            image: Some(image),
            image_pull_policy: parsed
                .value("image-pull-policy")
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            command,
            args,
            env: (!env.is_empty()).then_some(env),
            ports,
            resources: Some(Default::default()),
            ..Default::default()
        };
        let pod = Pod {
            metadata: ObjectMeta {
                name: Some(name),
                labels: Some(labels),
                annotations: (!annotations.is_empty()).then_some(annotations),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![container],
                dns_policy: Some("ClusterFirst".to_string()),
                restart_policy: Some(restart.to_string()),
                ..Default::default()
            }),
            status: Some(PodStatus::default()),
        };
        Ok(Run { pod, dry_run, format })
    }

    pub fn execute(mut self, inv: &mut Invocation<'_>) -> CommandResult {
        let name = self.pod.metadata.name.clone().unwrap_or_default();
        let shown = match self.dry_run {
            DryRun::Client => self.pod,
            DryRun::Server => {
                // Run the server's admission on a copy of the cluster: nothing is persisted.
                let mut scratch = inv.sim.api().clone();
                self.pod.metadata.namespace = Some(inv.namespace.clone());
                scratch.create(self.pod).map_err(CommandError::Api)?
            }
            DryRun::None => {
                self.pod.metadata.namespace = Some(inv.namespace.clone());
                inv.sim.create(self.pod).map_err(CommandError::Api)?
            }
        };
        let object = serde_json::to_value(&shown).unwrap_or_default();
        print::result(
            inv.out,
            &self.format,
            kinds::of::<Pod>(),
            &name,
            &object,
            "created",
            self.dry_run,
        );
        Ok(0)
    }
}

/// `key=value` pairs from `--labels a=b,c=d` or repeated `--annotations`.
fn parse_pairs<'a>(
    pairs: impl Iterator<Item = &'a str>,
    error: &str,
) -> Result<BTreeMap<String, String>, CommandError> {
    pairs
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
            _ => Err(CommandError::Plain(format!("{error}: {pair}"))),
        })
        .collect()
}
