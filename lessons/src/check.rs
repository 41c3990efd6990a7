//! Declarative checks: a step's ```` ```check ```` block is a YAML list of conditions, each a
//! value read from the simulation (an object, a JSONPath in it, a pod's STATUS column, a count
//! of objects or ready pods, a command's output) and tests on it, now or over the history the
//! recorder kept. All conditions must hold.

use crate::recorder::{Aggregate, StepRecord};
use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;
use sim_core::Simulation;
use sim_core::api::selector::Selector;
use sim_core::kubectl::print::{jsonpath, pod as pod_print};
use sim_core::kubectl::resources;
use sim_core::shell::Shell;

/// A step's check: every condition must hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub value: ValueSource,
    pub tests: Vec<Test>,
    /// `None`: the value now; otherwise how its observations since the step began combine.
    pub history: Option<Aggregate>,
}

/// Where a condition's value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueSource {
    /// An object (`pod/web`, `deployment.apps/web`, `node/node01`), or a JSONPath template
    /// rendered against it. Absent objects have no value.
    Object { resource: String, name: String, namespace: String, jsonpath: Option<String> },
    /// The STATUS column `kubectl get pods` shows for a pod.
    PodStatus { name: String, namespace: String },
    /// How many pods matching the label selector are Ready.
    ReadyPods { selector: String, namespace: String },
    /// How many objects of a resource type (matching the selector, if any) exist.
    Count { resource: String, selector: Option<String>, namespace: String },
    /// What a lab shell command prints (stdout and stderr), run on a copy of the cluster.
    Command(String),
    /// Whether the learner ran a command line containing this text since the step began
    /// (`on`: at that node's shell, after `ssh NODE`). Always a history condition.
    Ran { text: String, on: Option<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    Exists(bool),
    Equals(String),
    Matches(String),
    Contains(String),
    AtLeast(f64),
    AtMost(f64),
}

/// A condition as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCondition {
    object: Option<String>,
    jsonpath: Option<String>,
    pod_status: Option<String>,
    ready_pods: Option<String>,
    count: Option<String>,
    selector: Option<String>,
    command: Option<String>,
    ran: Option<String>,
    on: Option<String>,
    namespace: Option<String>,
    exists: Option<bool>,
    equals: Option<serde_json::Value>,
    matches: Option<String>,
    contains: Option<String>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    history: Option<Aggregate>,
}

impl Check {
    pub fn parse(text: &str) -> Result<Check, String> {
        // Through a JSON value, as the front matter (see `format.rs`).
        let raw: serde_json::Value =
            serde_yaml::from_str(text).map_err(|error| format!("check: {error}"))?;
        let raw =
            Vec::<RawCondition>::deserialize(&raw).map_err(|error| format!("check: {error}"))?;
        if raw.is_empty() {
            return Err("check: an empty check would always pass".into());
        }
        let conditions = raw.into_iter().map(Condition::from_raw).collect::<Result<_, _>>()?;
        Ok(Check { conditions })
    }

    /// Whether every condition holds now (history conditions from `record`, the observations
    /// since the step began); the reasons of those that do not.
    pub fn evaluate(
        &self,
        sim: &Simulation,
        record: Option<&StepRecord>,
    ) -> Result<(), Vec<String>> {
        let failures: Vec<String> = self
            .conditions
            .iter()
            .enumerate()
            .filter_map(|(index, condition)| {
                let met = match &condition.history {
                    None => condition.holds_for(&condition.value.read(sim)),
                    Some(_) => record.is_some_and(|record| record.condition_met(index, condition)),
                };
                (!met).then(|| condition.describe())
            })
            .collect();
        if failures.is_empty() { Ok(()) } else { Err(failures) }
    }
}

impl Condition {
    fn from_raw(raw: RawCondition) -> Result<Condition, String> {
        let namespace = raw.namespace.clone().unwrap_or_else(|| "default".into());
        let mut sources = Vec::new();
        if let Some(object) = &raw.object {
            let (resource, name) = object.split_once('/').ok_or_else(|| {
                format!("check: object {object:?} must be written TYPE/NAME, as in pod/web")
            })?;
            sources.push(ValueSource::Object {
                resource: resource.into(),
                name: name.into(),
                namespace: namespace.clone(),
                jsonpath: raw.jsonpath.clone(),
            });
        }
        if let Some(name) = &raw.pod_status {
            sources
                .push(ValueSource::PodStatus { name: name.clone(), namespace: namespace.clone() });
        }
        if let Some(selector) = &raw.ready_pods {
            Selector::parse(selector).map_err(|error| format!("check: ready-pods: {error}"))?;
            sources.push(ValueSource::ReadyPods {
                selector: selector.clone(),
                namespace: namespace.clone(),
            });
        }
        if let Some(resource) = &raw.count {
            sources.push(ValueSource::Count {
                resource: resource.clone(),
                selector: raw.selector.clone(),
                namespace: namespace.clone(),
            });
        }
        if let Some(command) = &raw.command {
            sources.push(ValueSource::Command(command.clone()));
        }
        if let Some(text) = &raw.ran {
            sources.push(ValueSource::Ran { text: text.clone(), on: raw.on.clone() });
        }
        let value = match sources.len() {
            1 => sources.remove(0),
            0 => {
                return Err("check: a condition needs one of object, pod-status, ready-pods, count, command, ran".into());
            }
            _ => {
                return Err("check: a condition reads one value: object, pod-status, ready-pods, count, command or ran".into());
            }
        };
        if raw.jsonpath.is_some() && raw.object.is_none() {
            return Err("check: jsonpath reads an object: add `object: TYPE/NAME`".into());
        }
        if raw.selector.is_some() && raw.count.is_none() {
            return Err("check: selector goes with count".into());
        }
        if raw.on.is_some() && raw.ran.is_none() {
            return Err("check: on goes with ran".into());
        }
        if let Some(template) = &raw.jsonpath {
            jsonpath::render(template, &serde_json::Value::Null)
                .map_err(|error| format!("check: jsonpath {template:?}: {error}"))?;
        }
        let mut tests = Vec::new();
        if let Some(exists) = raw.exists {
            tests.push(Test::Exists(exists));
        }
        if let Some(equals) = raw.equals {
            tests.push(Test::Equals(scalar(&equals)?));
        }
        if let Some(pattern) = raw.matches {
            regex_lite::Regex::new(&pattern)
                .map_err(|error| format!("check: matches {pattern:?}: {error}"))?;
            tests.push(Test::Matches(pattern));
        }
        if let Some(text) = raw.contains {
            tests.push(Test::Contains(text));
        }
        if let Some(n) = raw.at_least {
            tests.push(Test::AtLeast(n));
        }
        if let Some(n) = raw.at_most {
            tests.push(Test::AtMost(n));
        }
        let ran = matches!(value, ValueSource::Ran { .. });
        if ran {
            if !tests.is_empty() || raw.history.is_some() {
                return Err("check: ran is a test of its own: no other test or history".into());
            }
            return Ok(Condition { value, tests, history: Some(Aggregate::Ever) });
        }
        if tests.is_empty() {
            return Err(
                "check: a condition needs a test: exists, equals, matches, contains, at-least or at-most".into(),
            );
        }
        Ok(Condition { value, tests, history: raw.history })
    }

    /// Whether every test holds for this value (`None`: the object is absent).
    pub fn holds_for(&self, value: &Option<String>) -> bool {
        self.tests.iter().all(|test| test.holds_for(value.as_deref()))
    }

    /// What the condition asks for, as a failure message reads it.
    pub fn describe(&self) -> String {
        let subject = match &self.value {
            ValueSource::Object { resource, name, namespace, jsonpath } => {
                let ns = namespace_note(namespace);
                match jsonpath {
                    Some(path) => format!("{path} of {resource}/{name}{ns}"),
                    None => format!("{resource}/{name}{ns}"),
                }
            }
            ValueSource::PodStatus { name, namespace } => {
                format!("the STATUS of pod {name}{}", namespace_note(namespace))
            }
            ValueSource::ReadyPods { selector, namespace } => {
                format!("the number of ready pods with {selector}{}", namespace_note(namespace))
            }
            ValueSource::Count { resource, selector, namespace } => format!(
                "the number of {resource}{}{}",
                selector.as_ref().map(|s| format!(" with {s}")).unwrap_or_default(),
                namespace_note(namespace)
            ),
            ValueSource::Command(command) => format!("the output of `{command}`"),
            ValueSource::Ran { text, on } => {
                return format!(
                    "a command containing `{text}` was run{}",
                    on.as_ref().map(|node| format!(" on {node}")).unwrap_or_default()
                );
            }
        };
        let tests: Vec<String> = self.tests.iter().map(Test::describe).collect();
        let when = match self.history {
            None => "",
            Some(Aggregate::Ever) => " at some point",
            Some(Aggregate::Always) => " all along",
            Some(Aggregate::Max) => " (its highest value)",
            Some(Aggregate::Min) => " (its lowest value)",
        };
        format!("{subject} {}{when}", tests.join(" and "))
    }
}

fn namespace_note(namespace: &str) -> String {
    if namespace == "default" { String::new() } else { format!(" in namespace {namespace}") }
}

/// A YAML scalar as text (`equals: 3` and `equals: "3"` mean the same).
fn scalar(value: &serde_json::Value) -> Result<String, String> {
    match value {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err("check: equals takes a string, a number or a boolean".into()),
    }
}

impl Test {
    pub fn holds_for(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (Test::Exists(wanted), value) => value.is_some() == *wanted,
            (_, None) => false,
            (Test::Equals(expected), Some(value)) => value.trim() == expected,
            (Test::Matches(pattern), Some(value)) => {
                regex_lite::Regex::new(pattern).is_ok_and(|re| re.is_match(value))
            }
            (Test::Contains(text), Some(value)) => value.contains(text.as_str()),
            (Test::AtLeast(n), Some(value)) => number(value).is_some_and(|v| v >= *n),
            (Test::AtMost(n), Some(value)) => number(value).is_some_and(|v| v <= *n),
        }
    }

    fn describe(&self) -> String {
        match self {
            Test::Exists(true) => "exists".into(),
            Test::Exists(false) => "does not exist".into(),
            Test::Equals(value) => format!("equals {value:?}"),
            Test::Matches(pattern) => format!("matches /{pattern}/"),
            Test::Contains(text) => format!("contains {text:?}"),
            Test::AtLeast(n) => format!("is at least {n}"),
            Test::AtMost(n) => format!("is at most {n}"),
        }
    }
}

/// A value as a number: JSONPath renders numbers as text.
pub fn number(value: &str) -> Option<f64> {
    value.trim().parse().ok()
}

impl ValueSource {
    /// The value now; `None` when there is none (the object is absent, the JSONPath fails).
    pub fn read(&self, sim: &Simulation) -> Option<String> {
        let api = sim.api();
        match self {
            ValueSource::Object { resource, name, namespace, jsonpath } => {
                let kind = resources::resolve(api, resource).ok()?;
                let ns = if kind.namespaced() { namespace.as_str() } else { "" };
                let object = kind.get(api, ns, name).ok()?;
                match jsonpath {
                    None => Some(String::new()),
                    Some(template) => jsonpath::render(template, &object).ok(),
                }
            }
            ValueSource::PodStatus { name, namespace } => {
                api.get::<Pod>(namespace, name).ok().map(pod_print::status)
            }
            ValueSource::ReadyPods { selector, namespace } => {
                let selector = Selector::parse(selector).ok()?;
                let ready = api
                    .list::<Pod>(Some(namespace))
                    .filter(|pod| selector.matches(pod.metadata.labels.as_ref()))
                    .filter(|pod| is_ready(pod))
                    .count();
                Some(ready.to_string())
            }
            ValueSource::Count { resource, selector, namespace } => {
                let kind = resources::resolve(api, resource).ok()?;
                let selector = match selector {
                    Some(text) => Some(Selector::parse(text).ok()?),
                    None => None,
                };
                let objects = kind.list(api, kind.namespaced().then_some(namespace.as_str()));
                let count = objects
                    .iter()
                    .filter(|object| {
                        selector.as_ref().is_none_or(|selector| {
                            let labels = object["metadata"]["labels"].as_object().map(|labels| {
                                labels
                                    .iter()
                                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                                    .collect()
                            });
                            selector.matches(labels.as_ref())
                        })
                    })
                    .count();
                Some(count.to_string())
            }
            ValueSource::Command(command) => {
                // On a copy: a check looks, it never changes the learner's cluster.
                let mut copy = sim.clone();
                let ran = Shell::new().run_script(&mut copy, command);
                Some(ran.iter().map(|ran| ran.output.combined()).collect())
            }
            ValueSource::Ran { .. } => None,
        }
    }
}

/// The pod's Ready condition is True.
fn is_ready(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|status| status.conditions.as_ref()).is_some_and(|conditions| {
        conditions.iter().any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<Check, String> {
        Check::parse(yaml)
    }

    fn run(sim: &mut Simulation, script: &str) {
        Shell::new().run_script(sim, script);
    }

    #[test]
    fn current_state_conditions_read_the_cluster() {
        let mut sim = Simulation::new(1);
        let web_exists = check("- object: pod/web\n  exists: true").unwrap();
        assert_eq!(web_exists.evaluate(&sim, None), Err(vec!["pod/web exists".to_string()]));
        run(&mut sim, "kubectl run web --image=nginx --labels=app=web\nsleep 20");
        assert_eq!(web_exists.evaluate(&sim, None), Ok(()));
        for yaml in [
            "- object: pod/web\n  jsonpath: '{.status.phase}'\n  equals: Running",
            "- object: pod/web\n  jsonpath: '{.spec.nodeName}'\n  matches: '^node0[12]$'",
            "- pod-status: web\n  equals: Running",
            "- ready-pods: app=web\n  equals: 1",
            "- count: pods\n  selector: app=web\n  at-least: 1\n  at-most: 1",
            // The four control-plane static pods, two CoreDNS pods, a kube-proxy per node.
            "- count: pods\n  namespace: kube-system\n  equals: 9",
            "- object: node/controlplane\n  exists: true",
            "- object: pod/web\n  namespace: kube-system\n  exists: false",
            "- command: kubectl get pods\n  contains: web ",
        ] {
            assert_eq!(check(yaml).unwrap().evaluate(&sim, None), Ok(()), "{yaml}");
        }
        let unmet = check("- ready-pods: app=db\n  at-least: 2").unwrap();
        assert_eq!(
            unmet.evaluate(&sim, None),
            Err(vec!["the number of ready pods with app=db is at least 2".to_string()])
        );
    }

    #[test]
    fn badly_written_conditions_are_refused_with_the_reason() {
        for (yaml, error) in [
            ("[]", "an empty check"),
            ("- object: web\n  exists: true", "TYPE/NAME"),
            ("- object: pod/web", "needs a test"),
            ("- exists: true", "needs one of"),
            ("- object: pod/web\n  pod-status: web\n  exists: true", "reads one value"),
            ("- object: pod/web\n  jsonpath: '{.status'\n  equals: x", "jsonpath"),
            ("- object: pod/web\n  matches: '('\n  history: ever", "matches"),
            ("- object: pod/web\n  history: sometimes\n  exists: true", "unknown variant"),
            ("- ran: ls\n  contains: x", "ran is a test of its own"),
        ] {
            let got = check(yaml).unwrap_err();
            assert!(got.contains(error), "{yaml}: {got}");
        }
    }
}
