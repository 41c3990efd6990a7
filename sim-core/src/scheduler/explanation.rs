//! Why a pod went where it went: for each scheduling attempt, every node's filter verdict, every
//! score plugin's raw, normalized and weighted score, and the outcome — the data behind the
//! page's "why this node?" and "why not that one?".

use super::framework::{Code, Rejection};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One scheduling attempt for one pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub namespace: String,
    pub pod: String,
    /// Which attempt this was (1 for the first).
    pub attempt: u32,
    pub at: SimTime,
    /// Nodes in the cluster; the filters may stop early on large clusters
    /// (`percentageOfNodesToScore`), so `nodes` can hold fewer.
    pub nodes_total: usize,
    /// Each node the filters looked at, in the order they did.
    pub nodes: Vec<NodeVerdict>,
    /// The score plugins that took part, in the order of `NodeVerdict::scores`.
    pub score_plugins: Vec<ScorePluginInfo>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePluginInfo {
    pub name: Cow<'static, str>,
    pub weight: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeVerdict {
    pub node: String,
    /// `None` when every filter passed.
    pub rejected: Option<Rejected>,
    /// One per score plugin (as `Explanation::score_plugins`), when the node was scored; nodes
    /// are not scored when only one passes the filters.
    pub scores: Vec<PluginScore>,
    /// The weighted sum of the normalized scores.
    pub total: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The first filter plugin that turned the node down.
    pub plugin: Cow<'static, str>,
    /// Its reasons, as they appear in the FailedScheduling message.
    pub reasons: Vec<String>,
    /// Whether preempting pods could help (Unschedulable rather than UnschedulableAndUnresolvable).
    pub resolvable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginScore {
    pub raw: i64,
    pub normalized: i64,
    pub weighted: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Bound to this node (by the scheduler, or by a manual binding).
    Bound { node: String },
    /// Did not fit; preemption made room on `node` by evicting `victims` (namespace/name).
    Nominated { node: String, victims: Vec<String> },
    /// Did not fit: the FailedScheduling message.
    Unschedulable { message: String },
}

/// What the scheduler keeps of an attempt: node ids and score columns as the cycle computed
/// them (no copy per node), turned into an [`Explanation`] when someone asks.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    pub namespace: String,
    pub pod: String,
    pub attempt: u32,
    pub at: SimTime,
    pub nodes_total: usize,
    /// The nodes filtered, in order, as ids into the cache's node names.
    pub nodes: Vec<u32>,
    /// Refusals, by position in `nodes`.
    pub rejections: Vec<(u32, Rejection)>,
    /// The score plugins that took part, with their weights.
    pub plugins: Vec<(&'static str, i64)>,
    /// Per plugin: the raw and the normalized scores of the feasible nodes, in `nodes` order
    /// (no normalized column when it is the raw one).
    pub raw: Vec<Vec<i64>>,
    pub normalized: Vec<Option<Vec<i64>>>,
    pub outcome: Outcome,
}

impl Attempt {
    pub fn explain(&self, names: &[String]) -> Explanation {
        let mut rejections = self.rejections.iter().peekable();
        let mut feasible = 0;
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(position, &id)| {
                let node = names.get(id as usize).cloned().unwrap_or_default();
                let rejected =
                    rejections.next_if(|(at, _)| *at as usize == position).map(|(_, r)| Rejected {
                        plugin: Cow::Borrowed(r.plugin),
                        reasons: r.reasons.clone(),
                        resolvable: r.code == Code::Unschedulable,
                    });
                let mut scores = Vec::new();
                let mut total = None;
                if rejected.is_none()
                    && self.raw.first().is_some_and(|column| feasible < column.len())
                {
                    scores = self
                        .plugins
                        .iter()
                        .enumerate()
                        .map(|(i, (_, weight))| {
                            let raw = self.raw[i][feasible];
                            let normalized =
                                self.normalized[i].as_ref().map_or(raw, |column| column[feasible]);
                            PluginScore { raw, normalized, weighted: normalized * weight }
                        })
                        .collect();
                    total = Some(scores.iter().map(|s: &PluginScore| s.weighted).sum());
                    feasible += 1;
                }
                NodeVerdict { node, rejected, scores, total }
            })
            .collect();
        Explanation {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            attempt: self.attempt,
            at: self.at,
            nodes_total: self.nodes_total,
            nodes,
            score_plugins: self
                .plugins
                .iter()
                .map(|(name, weight)| ScorePluginInfo {
                    name: Cow::Borrowed(name),
                    weight: *weight,
                })
                .collect(),
            outcome: self.outcome.clone(),
        }
    }
}
