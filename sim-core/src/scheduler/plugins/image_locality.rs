//! ImageLocality: prefers nodes that already hold the pod's images, weighted by image size and
//! by how many nodes share them (so one node does not attract every pod of a popular image).

use super::super::cache::Snapshot;
use super::super::framework::{CycleState, MAX_NODE_SCORE, NodeInfo, ScorePlugin, ScoreState};

const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

pub struct ImageLocality;

/// `normalizedImageName`: an image without tag or digest means `:latest`. Nothing more: the
/// names are compared as the node status lists them.
fn normalized_image_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if last.contains(':') || last.contains('@') {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// The pod's images some node holds, with how many nodes hold them, and the container count.
struct Images {
    held: Vec<(String, usize)>,
    total_nodes: usize,
    containers: usize,
}

/// `calculatePriority`: the summed scaled sizes, clamped, onto 0..=100.
fn calculate_priority(sum: i64, containers: usize) -> i64 {
    let max_threshold = MAX_CONTAINER_THRESHOLD * containers.max(1) as i64;
    let clamped = sum.clamp(MIN_THRESHOLD, max_threshold);
    MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }

    fn weight(&self) -> i64 {
        1
    }

    fn pre_score(
        &self,
        state: &CycleState<'_>,
        snapshot: &Snapshot,
        _: &[usize],
    ) -> Option<ScoreState> {
        let spec = state.pod.spec.as_ref()?;
        let containers: Vec<_> =
            spec.init_containers.iter().flatten().chain(&spec.containers).collect();
        let held = containers
            .iter()
            .filter_map(|c| {
                let name = normalized_image_name(c.image.as_deref()?);
                let nodes = *snapshot.image_nodes.get(&name)?;
                Some((name, nodes))
            })
            .collect();
        Some(Box::new(Images {
            held,
            total_nodes: snapshot.nodes.len(),
            containers: containers.len(),
        }))
    }

    fn score(&self, _: &CycleState<'_>, data: &ScoreState, node: &NodeInfo) -> i64 {
        let Some(images) = data.downcast_ref::<Images>() else { return 0 };
        images.score(node)
    }

    fn scores(
        &self,
        _: &CycleState<'_>,
        data: &ScoreState,
        snapshot: &Snapshot,
        feasible: &[usize],
        scores: &mut Vec<i64>,
    ) -> Option<i64> {
        match data.downcast_ref::<Images>() {
            Some(images) if !images.held.is_empty() => {
                scores.extend(feasible.iter().map(|&i| images.score(&snapshot.nodes[i])));
                None
            }
            // No node holds any of the pod's images (the usual case): every sum is 0, below
            // the threshold.
            _ => Some(0),
        }
    }
}

impl Images {
    fn score(&self, node: &NodeInfo) -> i64 {
        let sum: i64 = self
            .held
            .iter()
            .filter_map(|(name, holders)| {
                let size = *node.images.get(name)?;
                let spread = *holders as f64 / self.total_nodes.max(1) as f64;
                Some((size as f64 * spread) as i64)
            })
            .sum();
        calculate_priority(sum, self.containers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_are_normalized_as_the_scheduler_does() {
        let cases = [
            ("a bare name gets :latest", "nginx", "nginx:latest"),
            ("a tag is kept", "nginx:1.27", "nginx:1.27"),
            ("a registry port is not a tag", "localhost:5000/app", "localhost:5000/app:latest"),
            ("a digest is kept", "busybox@sha256:abc", "busybox@sha256:abc"),
        ];
        for (name, image, want) in cases {
            assert_eq!(normalized_image_name(image), want, "{name}");
        }
    }

    #[test]
    fn image_scores_are_clamped_between_the_thresholds() {
        let cases = [
            ("below 23 MiB scores 0", 10 * MB, 1, 0),
            ("at the container maximum scores 100", 1000 * MB, 1, 100),
            ("halfway scores about half", 23 * MB + (977 * MB) / 2, 1, 50),
            ("two containers double the maximum", 1000 * MB, 2, 49),
        ];
        for (name, sum, containers, want) in cases {
            assert_eq!(calculate_priority(sum, containers), want, "{name}");
        }
    }
}
