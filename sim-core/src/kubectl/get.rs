//! `kubectl get`: tables, names, YAML or JSON of one or many resources, filtered by name, label
//! selector or field selector.

use super::flags::{Flag, Parsed};
use super::manifest::{self, kind_with_group};
use super::print::table::Table;
use super::print::{self, columns};
use super::resources;
use super::watch::{Watch, WatchRequest};
use super::{CommandDef, CommandError, CommandResult, Invocation, OutputFormat, errors};
use crate::api::KindRef;
use crate::api::kinds::DynamicKind;
use crate::api::selector::{self, Selector};
use crate::api::{ApiError, ApiServer};
use crate::time::SimTime;
use serde_json::Value;

pub const DEF: CommandDef = CommandDef {
    long: "Display one or many resources.\n\n Prints a table of the most important information about the specified resources. You can filter the list using a label selector and the --selector flag. If the desired resource type is namespaced you will only see results in the current namespace if you don't specify any namespace.\n\nUse \"kubectl api-resources\" for a complete list of supported resources.",
    examples: "  # List all pods in ps output format\n  kubectl get pods\n\n  # List all pods in ps output format with more information (such as node name)\n  kubectl get pods -o wide\n\n  # List a single replication controller with specified NAME in ps output format\n  kubectl get replicationcontroller web\n\n  # List deployments in JSON output format, in the \"v1\" version of the \"apps\" API group\n  kubectl get deployments.v1.apps -o json\n\n  # List a single pod in JSON output format\n  kubectl get -o json pod web-pod-13je7\n\n  # List all replication controllers and services together in ps output format\n  kubectl get rc,services\n\n  # List one or more resources by their type and names\n  kubectl get rc/web service/frontend pods/web-pod-13je7",
    usage: "kubectl get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]",
    flags: &[
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
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files identifying the resource to get from a server.",
        ),
        Flag::bool(
            "ignore-not-found",
            None,
            "If set to true, suppresses NotFound error for specific objects that do not exist. Using this flag with\n\tcommands that query for collections of resources has no effect when no resources are found.",
        ),
        Flag::values(
            "label-columns",
            Some('L'),
            "Accepts a comma separated list of labels that are going to be presented as columns. Names are\n\tcase-sensitive. You can also use multiple flag options like -L label1 -L label2...",
        ),
        Flag::bool(
            "no-headers",
            None,
            "When using the default or custom-column output format, don't print headers (default print headers).",
        ),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath,\n\tjsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide).",
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
        Flag::bool(
            "show-labels",
            None,
            "When printing, show all labels as the last column (default hide labels column)",
        ),
        Flag::value(
            "sort-by",
            None,
            "''",
            "If non-empty, sort list types using this field specification.  The field specification is expressed as a\n\tJSONPath expression (e.g. '{.metadata.name}'). The field in the API resource specified by this JSONPath\n\texpression must be an integer or a string.",
        ),
        Flag::bool(
            "watch",
            Some('w'),
            "After listing/getting the requested object, watch for changes.",
        ),
        Flag::bool(
            "watch-only",
            None,
            "Watch for changes to the requested object(s), without listing/getting first.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

const NO_TYPE_MESSAGE: &str = "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples";

struct Request {
    kind: KindRef,
    /// The names asked for; none means "list them".
    names: Vec<String>,
    /// The namespace a manifest (`-f`) names, instead of the command's.
    namespace: Option<String>,
}

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let format = OutputFormat::from_flags(parsed, true)?;
    let requests = if parsed.values("filename").is_empty() {
        requests(inv.sim.api(), &parsed.args)?
    } else {
        // `-f FILE`: the objects the manifests name, one request each, in file order.
        manifest::targets(inv, parsed.values("filename"), parsed.bool("recursive"))?
            .into_iter()
            .map(|t| Request {
                namespace: t.kind.namespaced().then_some(t.namespace),
                kind: t.kind,
                names: vec![t.name],
            })
            .collect()
    };
    let watching = parsed.bool("watch") || parsed.bool("watch-only");
    let watched = requests.iter().map(|r| r.names.len().max(1)).sum::<usize>();
    if watching && watched > 1 {
        return Err(CommandError::Plain(format!(
            "watch is only supported on individual resources and resource collections, but {watched} resources were found"
        )));
    }
    let all_namespaces = parsed.bool("all-namespaces");
    if all_namespaces && requests.iter().any(|r| !r.names.is_empty()) {
        return Err(CommandError::Plain(
            "a resource cannot be retrieved by name across all namespaces".into(),
        ));
    }
    let labels = Selector::parse(parsed.value("selector").unwrap_or_default())
        .map_err(CommandError::Plain)?;
    let field_selector = parsed.value("field-selector").unwrap_or_default();
    let ignore_not_found = parsed.bool("ignore-not-found");
    if requests.iter().any(|r| r.kind.kind() == "Endpoints") {
        inv.out.err_line(
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
        );
    }
    let api = inv.sim.api();
    let now = api.now();
    let namespace = (!all_namespaces).then_some(inv.namespace.as_str());
    let mut found: Vec<(KindRef, Vec<Value>)> = Vec::new();
    let mut failures: Vec<ApiError> = Vec::new();
    for request in &requests {
        let kind = request.kind.clone();
        let fields = selector::parse_fields(field_selector, kind.plural()).map_err(|e| {
            CommandError::Api(ApiError::BadRequest(format!(
                "Unable to find \"{}, Resource={}\" that match label selector \"{}\", field selector \"{field_selector}\": {e}",
                group_version(&*kind),
                kind.plural(),
                parsed.value("selector").unwrap_or_default()
            )))
        })?;
        let scope = match &request.namespace {
            Some(own) => Some(own.as_str()),
            None if kind.namespaced() => namespace,
            None => None,
        };
        let objects: Vec<Value> = if request.names.is_empty() {
            kind.list(api, scope).into_iter().collect()
        } else {
            let mut named = Vec::new();
            for name in &request.names {
                match kind.get(api, scope.unwrap_or(""), name) {
                    Ok(object) => named.push(object),
                    Err(ApiError::NotFound { .. }) if ignore_not_found => {}
                    Err(error) => failures.push(error),
                }
            }
            named
        };
        let objects: Vec<Value> = objects
            .into_iter()
            .filter(|o| {
                let object_labels = o
                    .pointer("/metadata/labels")
                    .and_then(|l| serde_json::from_value(l.clone()).ok());
                labels.matches(object_labels.as_ref()) && selector::fields_match(&fields, o)
            })
            .collect();
        let objects = match parsed.value("sort-by").filter(|s| !s.is_empty()) {
            Some(field) => sorted_by(objects, field)?,
            None => objects,
        };
        if !objects.is_empty() {
            found.push((kind, objects));
        }
    }
    let label_columns: Vec<String> = parsed
        .values("label-columns")
        .iter()
        .flat_map(|l| l.split(','))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if watching {
        let request = &requests[0];
        let listed = if parsed.bool("watch-only") {
            Vec::new()
        } else {
            found.pop().map(|(_, objects)| objects).unwrap_or_default()
        };
        let scope = if request.kind.namespaced() { namespace } else { None };
        let (watch, text) = Watch::start(
            WatchRequest {
                kind: &*request.kind,
                namespace: scope.map(str::to_string),
                name: request.names.first().cloned(),
                label_selector: parsed.value("selector").unwrap_or_default().to_string(),
                field_selector: field_selector.to_string(),
                format,
                options: columns::TableOptions {
                    wide: parsed.value("output") == Some("wide"),
                    with_namespace: all_namespaces && request.kind.namespaced(),
                    show_labels: parsed.bool("show-labels"),
                    label_columns,
                    name_prefix: None,
                },
            },
            api,
            &listed,
        );
        inv.out.out(text);
        for failure in &failures {
            inv.out.err_line(errors::describe(failure));
        }
        *inv.watch = Some(watch);
        return Ok(i32::from(!failures.is_empty()));
    }
    let nothing_found = found.is_empty();
    let several_types = requests.len() > 1;
    let single_object = requests.len() == 1 && requests[0].names.len() == 1;
    let text = match &format {
        OutputFormat::Default | OutputFormat::Wide => {
            let tables: Vec<String> = found
                .iter()
                .map(|(kind, objects)| {
                    let options = columns::TableOptions {
                        wide: format == OutputFormat::Wide,
                        with_namespace: all_namespaces && kind.namespaced(),
                        show_labels: parsed.bool("show-labels"),
                        label_columns: label_columns.clone(),
                        name_prefix: several_types
                            .then(|| format!("{}/", kind_with_group(&**kind))),
                    };
                    table_of(&**kind, objects, now, &options).render()
                })
                .collect();
            tables.join("\n")
        }
        OutputFormat::Name => found
            .iter()
            .flat_map(|(kind, objects)| {
                objects.iter().map(move |o| {
                    format!(
                        "{}/{}\n",
                        kind_with_group(&**kind),
                        o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
                    )
                })
            })
            .collect(),
        OutputFormat::JsonPath(template) => {
            let values: Vec<Value> =
                found.iter().flat_map(|(_, objects)| objects.iter().cloned()).collect();
            let data = match values.as_slice() {
                [one] if single_object => one.clone(),
                _ => print::list_of(&values),
            };
            print::jsonpath::render(template, &data).map_err(CommandError::Plain)?
        }
        OutputFormat::CustomColumns(columns) => {
            let values: Vec<Value> =
                found.iter().flat_map(|(_, objects)| objects.iter().cloned()).collect();
            print::custom_columns(columns, &values)
        }
        OutputFormat::Yaml | OutputFormat::Json => {
            let values: Vec<Value> = found.into_iter().flat_map(|(_, objects)| objects).collect();
            let document = match values.as_slice() {
                [one] if single_object => one.clone(),
                _ => print::list_of(&values),
            };
            if format == OutputFormat::Yaml {
                print::to_yaml(&document)
            } else {
                print::to_json(&document)
            }
        }
    };
    let headed = matches!(
        format,
        OutputFormat::Default | OutputFormat::Wide | OutputFormat::CustomColumns(_)
    );
    let text = if headed && parsed.bool("no-headers") { without_headers(&text) } else { text };
    inv.out.out(text);
    let table = matches!(format, OutputFormat::Default | OutputFormat::Wide);
    let listing = requests.iter().all(|r| r.names.is_empty());
    if table && listing && nothing_found && failures.is_empty() {
        let namespaced = requests.iter().any(|r| r.kind.namespaced());
        match namespace {
            Some(ns) if namespaced => {
                inv.out.err_line(format!("No resources found in {ns} namespace."))
            }
            _ => inv.out.err_line("No resources found"),
        }
    }
    for failure in &failures {
        inv.out.err_line(errors::describe(failure));
    }
    Ok(i32::from(!failures.is_empty()))
}

/// `--no-headers`: every table without its header row (several tables are separated by a blank
/// line, each starting with its header).
fn without_headers(text: &str) -> String {
    text.split("\n\n")
        .map(|table| table.split_once('\n').map_or("", |(_, rows)| rows))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `--sort-by`: objects ordered by the value a JSONPath finds in each (numbers by value, other
/// values by their text; objects without it first), as kubectl's sorter orders them.
fn sorted_by(mut objects: Vec<Value>, field: &str) -> Result<Vec<Value>, CommandError> {
    let expression =
        if field.starts_with('{') { field.to_string() } else { format!("{{{field}}}") };
    let mut keyed = Vec::with_capacity(objects.len());
    for object in objects.drain(..) {
        let found = print::jsonpath::select(&expression, &object).map_err(CommandError::Plain)?;
        keyed.push((found.into_iter().next(), object));
    }
    crate::sort::sort_by(&mut keyed, |(a, _), (b, _)| match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Some(x), Some(y)) => {
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
            text(x).cmp(&text(y))
        }
        (a, b) => a.is_some().cmp(&b.is_some()),
    });
    Ok(keyed.into_iter().map(|(_, object)| object).collect())
}

/// The table `kubectl get` prints for objects of one kind: its own columns, or for a custom
/// kind its CRD's printer columns.
pub(super) fn table_of(
    kind: &dyn DynamicKind,
    objects: &[Value],
    now: SimTime,
    options: &columns::TableOptions,
) -> Table {
    match kind.as_custom() {
        Some(custom) => columns::custom_table(&custom.columns, objects, now, options),
        None => columns::table(kind.kind(), objects, now, options),
    }
}

fn group_version(kind: &dyn DynamicKind) -> String {
    match kind.api_version().split_once('/') {
        Some((group, version)) => format!("{group}/{version}"),
        None => format!("/{}", kind.api_version()),
    }
}

/// TYPE NAME…, TYPE,TYPE…, or TYPE/NAME… into requests.
fn requests(api: &ApiServer, args: &[String]) -> Result<Vec<Request>, CommandError> {
    let Some(first) = args.first() else {
        return Err(CommandError::Raw(NO_TYPE_MESSAGE.to_string()));
    };
    let resolve = |typed: &str| resources::resolve(api, typed);
    let mut requests: Vec<Request> = Vec::new();
    if args.iter().any(|a| a.contains('/')) {
        for arg in args {
            let Some((typed, name)) = arg.split_once('/') else {
                return Err(CommandError::Plain("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into()));
            };
            let kind = resolve(typed)?;
            match requests.iter_mut().find(|r| r.kind.plural() == kind.plural()) {
                Some(request) => request.names.push(name.to_string()),
                None => {
                    requests.push(Request { kind, names: vec![name.to_string()], namespace: None })
                }
            }
        }
    } else {
        for typed in first.split(',').filter(|t| !t.is_empty()) {
            if typed == "all" {
                for plural in resources::ALL_CATEGORY {
                    requests.push(Request {
                        kind: resolve(plural)?,
                        names: args[1..].to_vec(),
                        namespace: None,
                    });
                }
                for kind in api.kinds() {
                    if kind.as_custom().is_some_and(|k| k.categories.iter().any(|c| c == "all")) {
                        requests.push(Request { kind, names: args[1..].to_vec(), namespace: None });
                    }
                }
                continue;
            }
            requests.push(Request {
                kind: resolve(typed)?,
                names: args[1..].to_vec(),
                namespace: None,
            });
        }
    }
    Ok(requests)
}
