//! `kubectl autoscale`: creates an autoscaling/v2 HorizontalPodAutoscaler named after a
//! deployment, replica set, stateful set or replication controller, targeting it.

use super::flags::{Flag, Parsed};
use super::label::targets;
use super::{CommandDef, CommandError, CommandResult, DryRun, Invocation};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub const DEF: CommandDef = CommandDef {
    long: "Creates an autoscaler that automatically chooses and sets the number of pods that run in a Kubernetes cluster. The command will attempt to use the autoscaling/v2 API first, in case of an error, it will fall back to autoscaling/v1 API.\n\n Looks up a deployment, replica set, stateful set, or replication controller by name and creates an autoscaler that uses the given resource as a reference. An autoscaler can automatically increase or decrease number of pods deployed within the system as needed.",
    examples: "  # Auto scale a deployment \"foo\", with the number of pods between 2 and 10, no target CPU utilization specified so a default autoscaling policy will be used\n  kubectl autoscale deployment foo --min=2 --max=10\n\n  # Auto scale a replication controller \"foo\", with the number of pods between 1 and 5, target CPU utilization at 80%\n  kubectl autoscale rc foo --max=5 --cpu-percent=80",
    usage: "kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU]",
    flags: &[
        Flag::value(
            "cpu-percent",
            None,
            "-1",
            "The target average CPU utilization (represented as a percent of requested CPU) over all the pods. If it's not specified or negative, a default autoscaling policy will be used.",
        ),
        Flag::value(
            "dry-run",
            None,
            "none",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files identifying the resource to autoscale.",
        ),
        Flag::value(
            "max",
            None,
            "-1",
            "The upper limit for the number of pods that can be set by the autoscaler. Required.",
        ),
        Flag::value(
            "min",
            None,
            "-1",
            "The lower limit for the number of pods that can be set by the autoscaler. If it's not specified or negative, the server will apply a default value.",
        ),
        Flag::value(
            "name",
            None,
            "''",
            "The name for the newly created object. If not specified, the name of the input resource will be used.",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file).",
        ),
    ],
    required: &["max"],
    subcommands: &[],
};

/// The kinds with a scale subresource, and their API versions.
const SCALABLE: &[&str] = &["Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"];

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let max = super::create::parse_int(parsed, "max", -1)?;
    let min = super::create::parse_int(parsed, "min", -1)?;
    let cpu = super::create::parse_int(parsed, "cpu-percent", -1)?;
    if max < 1 {
        return Err(CommandError::Plain(format!(
            "--max=MAXPODS is required and must be at least 1, max: {max}"
        )));
    }
    if max < min {
        return Err(CommandError::Plain(format!(
            "--max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"
        )));
    }
    let dry_run = DryRun::from_flags(parsed)?;
    let args: Vec<&String> = parsed.args.iter().collect();
    for (kind, namespace, name) in targets(parsed, inv, &args)? {
        if !SCALABLE.contains(&kind.kind()) {
            return Err(CommandError::Plain(format!(
                "cannot autoscale a {}: no scale subresource",
                kind.kind()
            )));
        }
        kind.get(inv.sim.api(), &namespace, &name).map_err(CommandError::Api)?;
        let hpa_name =
            parsed.value("name").filter(|n| !n.is_empty()).unwrap_or(name.as_str()).to_string();
        let metrics = (cpu >= 0).then(|| {
            vec![MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(cpu),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }]
        });
        let hpa = HorizontalPodAutoscaler {
            metadata: ObjectMeta {
                name: Some(hpa_name.clone()),
                namespace: Some(namespace.clone()),
                ..Default::default()
            },
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some(kind.api_version().to_string()),
                    kind: kind.kind().to_string(),
                    name: name.clone(),
                },
                min_replicas: (min >= 0).then_some(min),
                max_replicas: max,
                metrics,
                behavior: None,
            }),
            status: None,
        };
        if dry_run == DryRun::None {
            inv.sim.submit(|api| api.create(hpa)).map_err(CommandError::Api)?;
        }
        inv.out.out(format!(
            "horizontalpodautoscaler.autoscaling/{hpa_name} autoscaled{}\n",
            dry_run.suffix()
        ));
    }
    Ok(0)
}
