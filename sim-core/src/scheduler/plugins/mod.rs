//! The registry of the default scheduler profile's plugins, in kube-scheduler's order.
//! Adding a plugin means writing its file and listing it here.
//!
//! Not simulated: NodeVolumeLimits, VolumeZone and SchedulingGates.

mod balanced_allocation;
pub mod default_preemption;
pub mod dynamic_resources;
mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
mod node_name;
mod node_ports;
mod node_resources_fit;
mod node_unschedulable;
pub mod pod_topology_spread;
mod taint_toleration;
pub mod volume_binding;
pub mod volume_restrictions;

use super::framework::{FilterPlugin, ScorePlugin};

pub use taint_toleration::{tolerates, toleration_matches};

pub static FILTERS: &[&dyn FilterPlugin] = &[
    &node_unschedulable::NodeUnschedulable,
    &node_name::NodeName,
    &taint_toleration::TaintToleration,
    &node_affinity::NodeAffinity,
    &node_ports::NodePorts,
    &node_resources_fit::NodeResourcesFit,
    &volume_restrictions::VolumeRestrictions,
    &volume_binding::VolumeBinding,
    &pod_topology_spread::PodTopologySpread,
    &inter_pod_affinity::InterPodAffinity,
];

pub static SCORES: &[&dyn ScorePlugin] = &[
    &taint_toleration::TaintToleration,
    &node_affinity::NodeAffinity,
    &node_resources_fit::NodeResourcesFit,
    &pod_topology_spread::PodTopologySpread,
    &inter_pod_affinity::InterPodAffinity,
    &balanced_allocation::NodeResourcesBalancedAllocation,
    &image_locality::ImageLocality,
];
