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
    /// How many feasible nodes were scored (none when only one passed the filters).
    pub scored: usize,
    /// The score plugins that took part, in order, with their columns.
    pub scores: Vec<PluginColumns>,
    pub outcome: Outcome,
}

/// One score plugin's part of an attempt: its weight, and the raw and the normalized scores of
/// the scored nodes, in `nodes` order (no normalized column when it is the raw one).
#[derive(Clone, Debug)]
pub(crate) struct PluginColumns {
    pub name: &'static str,
    pub weight: i64,
    pub raw: Column,
    pub normalized: Option<Column>,
}

/// A column of scores, as small as its values allow: kept for every attempt, and most columns
/// are one value for every node (ImageLocality's zeros, TaintToleration's 100s on an untainted
/// cluster) or lie within 0..=100.
#[derive(Clone, Debug)]
pub(crate) enum Column {
    /// Every node's score (or no node at all).
    Same(i64),
    /// Scores within 0..=255.
    Bytes(Box<[u8]>),
    Wide(Box<[i64]>),
}

impl Column {
    pub fn of(scores: &[i64]) -> Column {
        let first = scores.first().copied().unwrap_or(0);
        // Columns of one score mostly come from plugins that say so (`ScorePlugin::scores`):
        // the others differ within a few nodes. A score within 0..=255 has no bit above the
        // eighth (a negative one has them all), so or-ing them all tells whether every one is.
        if scores.iter().all(|&s| s == first) {
            Column::Same(first)
        } else if scores.iter().fold(0, |bits, &s| bits | s as u64) <= 255 {
            // Element by element between two slices of one length: this loop vectorizes.
            let mut bytes = vec![0; scores.len()].into_boxed_slice();
            for (byte, &score) in bytes.iter_mut().zip(scores) {
                *byte = score as u8;
            }
            Column::Bytes(bytes)
        } else {
            Column::Wide(scores.into())
        }
    }

    /// The score of the `i`th scored node.
    pub fn get(&self, i: usize) -> i64 {
        match self {
            Column::Same(score) => *score,
            Column::Bytes(scores) => i64::from(scores[i]),
            Column::Wide(scores) => scores[i],
        }
    }
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
                if rejected.is_none() && !self.scores.is_empty() && feasible < self.scored {
                    scores = self
                        .scores
                        .iter()
                        .map(|plugin| {
                            let raw = plugin.raw.get(feasible);
                            let normalized = plugin
                                .normalized
                                .as_ref()
                                .map_or(raw, |column| column.get(feasible));
                            PluginScore { raw, normalized, weighted: normalized * plugin.weight }
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
                .scores
                .iter()
                .map(|plugin| ScorePluginInfo {
                    name: Cow::Borrowed(plugin.name),
                    weight: plugin.weight,
                })
                .collect(),
            outcome: self.outcome.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_keep_every_score_in_the_least_room() {
        let cases = [
            ("no node", vec![], "same"),
            ("one value for all", vec![100, 100, 100], "same"),
            ("within a byte", vec![0, 255, 7], "bytes"),
            ("negative", vec![0, -1], "wide"),
            ("above a byte", vec![0, 256], "wide"),
        ];
        for (name, scores, want) in cases {
            let column = Column::of(&scores);
            let shape = match column {
                Column::Same(_) => "same",
                Column::Bytes(_) => "bytes",
                Column::Wide(_) => "wide",
            };
            assert_eq!(shape, want, "{name}");
            let back: Vec<i64> = (0..scores.len()).map(|i| column.get(i)).collect();
            assert_eq!(back, scores, "{name}");
        }
    }
}
