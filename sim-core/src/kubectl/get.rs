//! `kubectl get`: tables, names, YAML or JSON of one or many resources.

use super::flags::{Flag, Parsed};
use super::print::{self, table::Table};
use super::resources::{self, ResourceType};
use super::{CommandDef, CommandError, CommandResult, Invocation, OutputFormat, errors};
use crate::api::{ApiServer, Kind};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use serde_json::Value;

pub const DEF: CommandDef = CommandDef {
    long: "Display one or many resources.\n\n Prints a table of the most important information about the specified resources. If the desired resource type is namespaced you will only see results in the current namespace if you don't specify any namespace.\n\nUse \"kubectl api-resources\" for a complete list of supported resources.",
    examples: "  # List all pods in ps output format\n  kubectl get pods\n\n  # List all pods in ps output format with more information (such as node name)\n  kubectl get pods -o wide\n\n  # List a single pod in JSON output format\n  kubectl get -o json pod web-pod-13je7\n\n  # List all nodes\n  kubectl get nodes\n\n  # List all pods in all namespaces\n  kubectl get pods -A\n\n  # List one or more resources by their type and names\n  kubectl get pod/web-pod-13je7 node/node01",
    usage: "kubectl get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]",
    flags: &[
        Flag::bool(
            "all-namespaces",
            Some('A'),
            "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even\n\tif specified with --namespace.",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide).",
        ),
    ],
    required: &[],
};

const NO_TYPE_MESSAGE: &str = "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples";

pub struct Get {
    /// Each requested type with the names asked for (none: list them all).
    requests: Vec<(&'static ResourceType, Vec<String>)>,
    all_namespaces: bool,
    format: OutputFormat,
}

impl Get {
    pub fn parse(parsed: &Parsed) -> Result<Get, CommandError> {
        let format = OutputFormat::from_flags(parsed, true)?;
        let args = &parsed.args;
        let Some(first) = args.first() else {
            return Err(CommandError::Raw(NO_TYPE_MESSAGE.to_string()));
        };
        let mut requests: Vec<(&'static ResourceType, Vec<String>)> = Vec::new();
        if args.iter().any(|a| a.contains('/')) {
            for arg in args {
                let Some((typed, name)) = arg.split_once('/') else {
                    return Err(CommandError::Plain(String::from(
                        "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
                    )));
                };
                let rtype = lookup(typed)?;
                match requests.iter_mut().find(|(r, _)| *r == rtype) {
                    Some((_, names)) => names.push(name.to_string()),
                    None => requests.push((rtype, vec![name.to_string()])),
                }
            }
        } else {
            for typed in first.split(',').filter(|t| !t.is_empty()) {
                requests.push((lookup(typed)?, args[1..].to_vec()));
            }
        }
        let all_namespaces = parsed.bool("all-namespaces");
        if all_namespaces && requests.iter().any(|(_, names)| !names.is_empty()) {
            return Err(CommandError::Plain(
                "a resource cannot be retrieved by name across all namespaces".to_string(),
            ));
        }
        Ok(Get { requests, all_namespaces, format })
    }

    pub fn execute(self, inv: &mut Invocation<'_>) -> CommandResult {
        let api = inv.sim.api();
        let now = api.now();
        let namespace = (!self.all_namespaces).then_some(inv.namespace.as_str());
        let mut found: Vec<Found<'_>> = Vec::new();
        let mut failures = Vec::new();
        for (rtype, names) in &self.requests {
            let (objects, errors) = match rtype.kind {
                "Pod" => fetch::<Pod>(api, namespace, names, Objects::Pods),
                "Node" => fetch::<Node>(api, namespace, names, Objects::Nodes),
                "Namespace" => fetch::<Namespace>(api, namespace, names, Objects::Namespaces),
                "Event" => fetch::<Event>(api, namespace, names, Objects::Events),
                _ => {
                    return Err(CommandError::Plain(format!(
                        "kubelab does not simulate {} yet",
                        rtype.plural
                    )));
                }
            };
            failures.extend(errors);
            if !objects.is_empty() {
                found.push(Found { rtype, objects });
            }
        }
        let single_object = self.requests.len() == 1 && self.requests[0].1.len() == 1;
        let multiple_types = self.requests.len() > 1;
        let text = match self.format {
            OutputFormat::Default | OutputFormat::Wide => {
                let wide = self.format == OutputFormat::Wide;
                let tables: Vec<String> = found
                    .iter()
                    .map(|f| {
                        let mut table = f.objects.table(now, wide, self.all_namespaces);
                        if multiple_types {
                            let name_column =
                                usize::from(self.all_namespaces && f.rtype.namespaced);
                            table.prefix_column(name_column, &format!("{}/", f.rtype.singular));
                        }
                        table.render()
                    })
                    .collect();
                tables.join("\n")
            }
            OutputFormat::Name => found
                .iter()
                .flat_map(|f| {
                    f.objects
                        .names()
                        .into_iter()
                        .map(move |n| format!("{}/{n}\n", f.rtype.singular))
                })
                .collect(),
            OutputFormat::Yaml | OutputFormat::Json => {
                let values: Vec<Value> = found.iter().flat_map(|f| f.objects.values()).collect();
                let document = match values.as_slice() {
                    [one] if single_object => one.clone(),
                    _ => print::list_of(&values),
                };
                if self.format == OutputFormat::Yaml {
                    print::to_yaml(&document)
                } else {
                    print::to_json(&document)
                }
            }
        };
        inv.out.out(text);
        if found.is_empty()
            && failures.is_empty()
            && matches!(self.format, OutputFormat::Default | OutputFormat::Wide)
        {
            let scoped = self.requests.iter().any(|(r, _)| r.namespaced);
            match namespace {
                Some(ns) if scoped => {
                    inv.out.err_line(format!("No resources found in {ns} namespace."))
                }
                _ => inv.out.err_line("No resources found"),
            }
        }
        for failure in &failures {
            inv.out.err_line(errors::describe(failure));
        }
        Ok(if failures.is_empty() { 0 } else { 1 })
    }
}

fn lookup(typed: &str) -> Result<&'static ResourceType, CommandError> {
    resources::lookup(typed).ok_or_else(|| {
        CommandError::Plain(format!("the server doesn't have a resource type \"{typed}\""))
    })
}

/// The objects of one requested type.
struct Found<'a> {
    rtype: &'static ResourceType,
    objects: Objects<'a>,
}

enum Objects<'a> {
    Pods(Vec<&'a Pod>),
    Nodes(Vec<&'a Node>),
    Namespaces(Vec<&'a Namespace>),
    Events(Vec<&'a Event>),
}

impl Objects<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Objects::Pods(v) => v.is_empty(),
            Objects::Nodes(v) => v.is_empty(),
            Objects::Namespaces(v) => v.is_empty(),
            Objects::Events(v) => v.is_empty(),
        }
    }

    fn table(&self, now: crate::time::SimTime, wide: bool, all_namespaces: bool) -> Table {
        match self {
            Objects::Pods(pods) => print::pod::table(pods, now, wide, all_namespaces),
            Objects::Nodes(nodes) => print::node::table(nodes, now, wide),
            Objects::Namespaces(namespaces) => print::namespace::table(namespaces, now),
            Objects::Events(events) => print::event::table(events, now, all_namespaces),
        }
    }

    fn names(&self) -> Vec<String> {
        fn names_of<K: Kind>(objects: &[&K]) -> Vec<String> {
            objects.iter().map(|o| o.meta().name.clone().unwrap_or_default()).collect()
        }
        match self {
            Objects::Pods(v) => names_of(v),
            Objects::Nodes(v) => names_of(v),
            Objects::Namespaces(v) => names_of(v),
            Objects::Events(v) => names_of(v),
        }
    }

    fn values(&self) -> Vec<Value> {
        fn values_of<K: Kind>(objects: &[&K]) -> Vec<Value> {
            objects.iter().map(|o| serde_json::to_value(o).unwrap_or(Value::Null)).collect()
        }
        match self {
            Objects::Pods(v) => values_of(v),
            Objects::Nodes(v) => values_of(v),
            Objects::Namespaces(v) => values_of(v),
            Objects::Events(v) => values_of(v),
        }
    }
}

/// The named objects (NotFound for missing ones), or every object in scope.
fn fetch<'a, K: Kind>(
    api: &'a ApiServer,
    namespace: Option<&'a str>,
    names: &[String],
    wrap: fn(Vec<&'a K>) -> Objects<'a>,
) -> (Objects<'a>, Vec<crate::api::ApiError>) {
    if names.is_empty() {
        return (wrap(api.list::<K>(namespace).collect()), Vec::new());
    }
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        match api.get::<K>(namespace.unwrap_or("default"), name) {
            Ok(object) => objects.push(object),
            Err(error) => errors.push(error),
        }
    }
    (wrap(objects), errors)
}
