//! TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate
//! them; untolerated PreferNoSchedule taints only lower the node's score.

use super::super::cache::Snapshot;
use super::super::framework::{
    Code, CycleState, FilterPlugin, NodeInfo, ScorePlugin, ScoreState, Verdict, default_normalize,
    events, reject,
};
use k8s_openapi::api::core::v1::{Pod, Taint, Toleration};

pub struct TaintToleration;

/// Whether one toleration matches a taint (`Toleration.ToleratesTaint`): an empty effect matches
/// every effect, an empty key with `Exists` matches every key, `Exists` ignores the value.
pub fn toleration_matches(toleration: &Toleration, taint: &Taint) -> bool {
    let effect_matches =
        toleration.effect.as_deref().is_none_or(|e| e.is_empty() || e == taint.effect);
    let key = toleration.key.as_deref().unwrap_or_default();
    let operator = toleration.operator.as_deref().unwrap_or("Equal");
    if !effect_matches || (!key.is_empty() && key != taint.key) {
        return false;
    }
    match operator {
        "Exists" => true,
        "Equal" | "" => {
            toleration.value.as_deref().unwrap_or_default()
                == taint.value.as_deref().unwrap_or_default()
        }
        _ => false,
    }
}

/// Whether any of the pod's tolerations matches the taint.
pub fn tolerates(pod: &Pod, taint: &Taint) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.tolerations.as_ref())
        .is_some_and(|tolerations| tolerations.iter().any(|t| toleration_matches(t, taint)))
}

fn taints(node: &NodeInfo) -> impl Iterator<Item = &Taint> {
    node.node.spec.as_ref().and_then(|s| s.taints.as_ref()).into_iter().flatten()
}

const NAME: &str = "TaintToleration";

/// The reason kube-scheduler v1.34.1 gives (later patch releases leave the key and value out).
pub fn untolerated_reason(taint: &Taint) -> String {
    format!(
        "node(s) had untolerated taint {{{}: {}}}",
        taint.key,
        taint.value.as_deref().unwrap_or_default()
    )
}

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD | events::NODE_TAINT
    }

    fn only_rejects_flagged_nodes(&self) -> bool {
        true
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        if !node.has_hard_taints {
            return Ok(());
        }
        let untolerated = taints(node)
            .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
            .find(|t| !tolerates(state.pod, t));
        match untolerated {
            Some(taint) => {
                reject(NAME, Code::UnschedulableAndUnresolvable, untolerated_reason(taint))
            }
            None => Ok(()),
        }
    }
}

impl ScorePlugin for TaintToleration {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        3
    }

    fn pre_score(&self, _: &CycleState<'_>, _: &Snapshot, _: &[usize]) -> Option<ScoreState> {
        Some(Box::new(()))
    }

    /// How many PreferNoSchedule taints the pod does not tolerate.
    fn score(&self, state: &CycleState<'_>, _: &ScoreState, node: &NodeInfo) -> i64 {
        if !node.has_soft_taints {
            return 0;
        }
        taints(node).filter(|t| t.effect == "PreferNoSchedule" && !tolerates(state.pod, t)).count()
            as i64
    }

    fn scores(
        &self,
        state: &CycleState<'_>,
        data: &ScoreState,
        snapshot: &Snapshot,
        feasible: &[usize],
        scores: &mut Vec<i64>,
    ) -> Option<i64> {
        // No PreferNoSchedule taint anywhere (the usual case): every node scores 0.
        if !snapshot.has_soft_taints() {
            return Some(0);
        }
        scores.extend(feasible.iter().map(|&i| self.score(state, data, &snapshot.nodes[i])));
        None
    }

    fn normalize(&self, _: &ScoreState, scores: &mut [i64]) -> bool {
        default_normalize(scores, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: Some(value.into()),
            effect: effect.into(),
            ..Default::default()
        }
    }

    fn toleration(key: &str, operator: &str, value: &str, effect: &str) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: opt(key),
            operator: opt(operator),
            value: opt(value),
            effect: opt(effect),
            ..Default::default()
        }
    }

    #[test]
    fn toleration_rules_match_kubernetes() {
        let t = taint("dedicated", "gpu", "NoSchedule");
        let cases = [
            (
                "equal key, value and effect",
                toleration("dedicated", "Equal", "gpu", "NoSchedule"),
                true,
            ),
            ("default operator is Equal", toleration("dedicated", "", "gpu", "NoSchedule"), true),
            (
                "a different value does not match",
                toleration("dedicated", "Equal", "cpu", "NoSchedule"),
                false,
            ),
            ("Exists ignores the value", toleration("dedicated", "Exists", "", "NoSchedule"), true),
            (
                "an empty effect matches every effect",
                toleration("dedicated", "Exists", "", ""),
                true,
            ),
            (
                "another effect does not match",
                toleration("dedicated", "Exists", "", "NoExecute"),
                false,
            ),
            (
                "an empty key with Exists matches every taint",
                toleration("", "Exists", "", ""),
                true,
            ),
            ("another key does not match", toleration("team", "Exists", "", ""), false),
        ];
        for (name, toleration, want) in cases {
            assert_eq!(toleration_matches(&toleration, &t), want, "{name}");
        }
    }
}
