//! ImageLocality: prefers nodes that already hold the pod's images, weighted by image size and
//! by how many nodes share them (so one node does not attract every pod of a popular image).

use super::super::framework::{MAX_NODE_SCORE, NodeInfo, ScorePlugin};
use crate::kubelet::images::canonical_reference;
use k8s_openapi::api::core::v1::Pod;

const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

pub struct ImageLocality;

/// The size of `image` on `node` if the node holds it.
fn image_size(node: &NodeInfo<'_>, image: &str) -> Option<i64> {
    node.node.status.as_ref()?.images.as_ref()?.iter().find_map(|held| {
        held.names.iter().flatten().any(|n| n == image).then_some(held.size_bytes.unwrap_or(0))
    })
}

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }

    fn weight(&self) -> i64 {
        1
    }

    fn score(&self, pod: &Pod, node: &NodeInfo<'_>, nodes: &[NodeInfo<'_>]) -> i64 {
        let Some(spec) = &pod.spec else { return 0 };
        let images: Vec<String> = spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .filter_map(|c| c.image.as_deref().map(canonical_reference))
            .collect();
        let total_nodes = nodes.len().max(1) as i64;
        let sum: i64 = images
            .iter()
            .filter_map(|image| {
                let size = image_size(node, image)?;
                let holders =
                    nodes.iter().filter(|n| image_size(n, image).is_some()).count() as i64;
                Some(size * holders / total_nodes)
            })
            .sum();
        let max_threshold = MAX_CONTAINER_THRESHOLD * spec.containers.len().max(1) as i64;
        let clamped = sum.clamp(MIN_THRESHOLD, max_threshold);
        MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
    }
}
