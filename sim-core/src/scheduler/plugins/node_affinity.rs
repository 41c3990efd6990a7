//! NodeAffinity: a pod fits only on nodes matching its nodeSelector and its required node
//! affinity; among those, nodes matching more of its preferred terms (by weight) score higher.

use super::super::cache::Snapshot;
use super::super::framework::{
    Code, CycleState, FilterPlugin, NodeInfo, ScorePlugin, ScoreState, Verdict, default_normalize,
    events, reject,
};
use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm, Pod};
use std::collections::BTreeMap;

pub struct NodeAffinity;

pub const NAME: &str = "NodeAffinity";
const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

/// A pod's node requirements (`nodeaffinity.RequiredNodeAffinity`): every nodeSelector label,
/// and one of the required terms when there are any.
#[derive(Clone, Debug, Default)]
pub struct RequiredNodeAffinity {
    node_selector: BTreeMap<String, String>,
    /// `None` when the pod has no required node affinity.
    terms: Option<Vec<NodeSelectorTerm>>,
}

impl RequiredNodeAffinity {
    pub fn of(pod: &Pod) -> Self {
        let spec = pod.spec.as_ref();
        RequiredNodeAffinity {
            node_selector: spec.and_then(|s| s.node_selector.clone()).unwrap_or_default(),
            terms: spec
                .and_then(|s| s.affinity.as_ref())
                .and_then(|a| a.node_affinity.as_ref())
                .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref())
                .map(|selector| selector.node_selector_terms.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.node_selector.is_empty() && self.terms.is_none()
    }

    pub fn matches(&self, node: &NodeInfo) -> bool {
        let labels = node.labels();
        let selector_ok =
            self.node_selector.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
        selector_ok
            && self.terms.as_ref().is_none_or(|terms| terms.iter().any(|t| term_matches(t, node)))
    }
}

/// One NodeSelectorTerm: all its expressions and fields hold; a term with neither matches
/// no node.
pub fn term_matches(term: &NodeSelectorTerm, node: &NodeInfo) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    let labels = node.labels();
    expressions.iter().all(|r| requirement_matches(r, labels.and_then(|l| l.get(&r.key))))
        && fields.iter().all(|r| {
            // Only metadata.name can be matched as a field, and only with In or NotIn.
            r.key == "metadata.name"
                && matches!(r.operator.as_str(), "In" | "NotIn")
                && requirement_matches(r, Some(&node.name))
        })
}

/// One requirement against a label's value (`None` when the node lacks the label).
pub fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&String>) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    let number = |text: &str| text.parse::<i64>().ok();
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(have), Some(bound)) =
                (value.and_then(|v| number(v)), values.first().and_then(|v| number(v)))
            else {
                return false;
            };
            if r.operator == "Gt" { have > bound } else { have < bound }
        }
        _ => false,
    }
}

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD | events::NODE_LABEL
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.node_affinity.is_empty()
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        if state.node_affinity.matches(node) {
            Ok(())
        } else {
            reject(NAME, Code::UnschedulableAndUnresolvable, REASON)
        }
    }
}

/// The pod's preferred terms with their weights.
struct Preferred(Vec<(i64, NodeSelectorTerm)>);

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        2
    }

    fn pre_score(&self, state: &CycleState<'_>, _: &Snapshot, _: &[usize]) -> Option<ScoreState> {
        let preferred: Vec<(i64, NodeSelectorTerm)> = state
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_ref())
            .into_iter()
            .flatten()
            .filter(|t| t.weight != 0)
            .map(|t| (i64::from(t.weight), t.preference.clone()))
            .collect();
        (!preferred.is_empty()).then(|| Box::new(Preferred(preferred)) as ScoreState)
    }

    fn score(&self, _: &CycleState<'_>, data: &ScoreState, node: &NodeInfo) -> i64 {
        let Some(Preferred(terms)) = data.downcast_ref::<Preferred>() else { return 0 };
        terms.iter().filter(|(_, term)| term_matches(term, node)).map(|(w, _)| w).sum()
    }

    fn normalize(&self, _: &ScoreState, scores: &mut [i64]) -> bool {
        default_normalize(scores, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Node;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn node(name: &str, labels: &[(&str, &str)]) -> NodeInfo {
        let node = Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
                ..Default::default()
            },
            ..Default::default()
        };
        NodeInfo::new(std::rc::Rc::new(node), 0)
    }

    fn expression(key: &str, operator: &str, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }
    }

    fn term(expressions: Vec<NodeSelectorRequirement>) -> NodeSelectorTerm {
        NodeSelectorTerm { match_expressions: Some(expressions), match_fields: None }
    }

    #[test]
    fn node_selector_terms_use_every_operator_as_kubernetes_does() {
        let gpu = node("node01", &[("disktype", "ssd"), ("cores", "8")]);
        let cases = [
            (
                "In matches a listed value",
                term(vec![expression("disktype", "In", &["ssd", "nvme"])]),
                true,
            ),
            (
                "In does not match other values",
                term(vec![expression("disktype", "In", &["hdd"])]),
                false,
            ),
            (
                "NotIn matches when the label is absent",
                term(vec![expression("zone", "NotIn", &["a"])]),
                true,
            ),
            (
                "NotIn rejects a listed value",
                term(vec![expression("disktype", "NotIn", &["ssd"])]),
                false,
            ),
            ("Exists needs the label", term(vec![expression("disktype", "Exists", &[])]), true),
            (
                "DoesNotExist needs it absent",
                term(vec![expression("disktype", "DoesNotExist", &[])]),
                false,
            ),
            ("Gt compares integers", term(vec![expression("cores", "Gt", &["4"])]), true),
            ("Lt compares integers", term(vec![expression("cores", "Lt", &["4"])]), false),
            (
                "Gt on a non-integer label matches nothing",
                term(vec![expression("disktype", "Gt", &["1"])]),
                false,
            ),
            (
                "expressions in one term are ANDed",
                term(vec![
                    expression("disktype", "In", &["ssd"]),
                    expression("cores", "In", &["2"]),
                ]),
                false,
            ),
            ("an empty term matches no node", term(vec![]), false),
            (
                "matchFields metadata.name In picks the node by name",
                NodeSelectorTerm {
                    match_expressions: None,
                    match_fields: Some(vec![expression("metadata.name", "In", &["node01"])]),
                },
                true,
            ),
            (
                "matchFields on another field matches nothing",
                NodeSelectorTerm {
                    match_expressions: None,
                    match_fields: Some(vec![expression("metadata.uid", "In", &["node01"])]),
                },
                false,
            ),
        ];
        for (name, term, want) in cases {
            assert_eq!(term_matches(&term, &gpu), want, "{name}");
        }
    }

    #[test]
    fn node_selector_and_required_terms_are_both_needed() {
        let ssd = node("node01", &[("disktype", "ssd")]);
        let hdd = node("node02", &[("disktype", "hdd")]);
        let selector_only = RequiredNodeAffinity {
            node_selector: BTreeMap::from([("disktype".into(), "ssd".into())]),
            terms: None,
        };
        let terms_ored = RequiredNodeAffinity {
            node_selector: BTreeMap::new(),
            terms: Some(vec![
                term(vec![expression("disktype", "In", &["nvme"])]),
                term(vec![expression("disktype", "In", &["hdd"])]),
            ]),
        };
        let cases = [
            ("a nodeSelector label must be on the node", &selector_only, &ssd, true),
            ("a node without the nodeSelector label is out", &selector_only, &hdd, false),
            ("terms are ORed: the second term matches", &terms_ored, &hdd, true),
            ("terms are ORed: no term matches", &terms_ored, &ssd, false),
        ];
        for (name, affinity, node, want) in cases {
            assert_eq!(affinity.matches(node), want, "{name}");
        }
    }
}
