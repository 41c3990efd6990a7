//! Many seeds of random workload changes — Deployments created, scaled, updated (sometimes to an
//! image that does not exist), pods deleted, bare pods too big to fit — with the cluster's
//! invariants checked after every step: a pod never moves to another node once bound, no node
//! holds more than its allocatable, and once the commands stop every ReplicaSet and every
//! Deployment whose image exists converges on its replica count. A failure names its seed.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use sim_core::Simulation;
use sim_core::quantity;
use sim_core::rng::Rng;
use sim_core::shell::Shell;
use std::collections::BTreeMap;

const SEEDS: u64 = 24;
const STEPS: usize = 14;
const IMAGES: [&str; 3] = ["nginx:1.27", "nginx:1.26", "nginx:no-such-tag"];

fn deployment(name: &str, replicas: u64, cpu: u64, image: &str) -> String {
    format!(
        "kubectl apply -f - <<EOF\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: web\n        image: {image}\n        resources:\n          requests:\n            cpu: {cpu}m\n            memory: 64Mi\nEOF\n"
    )
}

/// One random step: a command line for the lab shell.
fn random_step(rng: &mut Rng, sim: &Simulation, created: &mut Vec<String>) -> String {
    match rng.below(6) {
        0 => {
            let name = format!("app{}", created.len());
            created.push(name.clone());
            deployment(&name, rng.between(1, 6), rng.between(1, 6) * 100, IMAGES[0])
        }
        1 if !created.is_empty() => {
            let name = &created[rng.below(created.len() as u64) as usize];
            let replicas = rng.below(8);
            format!(
                "kubectl patch deployment {name} -p '{{\"spec\":{{\"replicas\":{replicas}}}}}'\n"
            )
        }
        2 if !created.is_empty() => {
            let name = &created[rng.below(created.len() as u64) as usize];
            let image = IMAGES[rng.below(IMAGES.len() as u64) as usize];
            format!("kubectl set image deployment/{name} web={image}\n")
        }
        3 => {
            let pods: Vec<String> = sim
                .api()
                .list::<Pod>(Some("default"))
                .filter_map(|p| p.metadata.name.clone())
                .collect();
            match pods.is_empty() {
                true => "sleep 1\n".to_string(),
                false => {
                    let pod = &pods[rng.below(pods.len() as u64) as usize];
                    format!("kubectl delete pod {pod} --wait=false\n")
                }
            }
        }
        4 => {
            let cpu = rng.between(1, 5) * 500;
            format!("kubectl run big{} --image=nginx --requests=cpu={cpu}m\n", rng.below(1000))
        }
        _ => format!("sleep {}\n", rng.between(1, 90)),
    }
}

fn milli_cpu(text: &str) -> i128 {
    quantity::parse(text).map_or(0, |q| q.0)
}

/// Pods bound to each node must fit its allocatable CPU and pod count.
fn check_allocatable(sim: &Simulation, seed: u64, step: usize) {
    let mut requested: BTreeMap<String, (i128, usize)> = BTreeMap::new();
    for pod in sim.api().list::<Pod>(None) {
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
        let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else { continue };
        if matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        let cpu: i128 = pod
            .spec
            .iter()
            .flat_map(|s| &s.containers)
            .filter_map(|c| c.resources.as_ref()?.requests.as_ref()?.get("cpu"))
            .map(|q| milli_cpu(&q.0))
            .sum();
        let entry = requested.entry(node).or_default();
        entry.0 += cpu;
        entry.1 += 1;
    }
    for node in sim.api().list::<Node>(None) {
        let name = node.metadata.name.clone().unwrap_or_default();
        let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
        let cpu = allocatable.and_then(|a| a.get("cpu")).map_or(0, |q| milli_cpu(&q.0));
        let pods = allocatable
            .and_then(|a| a.get("pods"))
            .and_then(|q| q.0.parse::<usize>().ok())
            .unwrap_or(110);
        let (used_cpu, used_pods) = requested.get(&name).copied().unwrap_or_default();
        assert!(
            used_cpu <= cpu && used_pods <= pods,
            "seed {seed}, step {step}: node {name} holds {used_cpu}m CPU in {used_pods} pods, allocatable {cpu}m / {pods}"
        );
    }
}

/// A pod's node, once set, never changes.
fn check_bindings(sim: &Simulation, bound: &mut BTreeMap<String, String>, seed: u64, step: usize) {
    for pod in sim.api().list::<Pod>(None) {
        let (Some(uid), Some(node)) =
            (pod.metadata.uid.clone(), pod.spec.as_ref().and_then(|s| s.node_name.clone()))
        else {
            continue;
        };
        let first = bound.entry(uid).or_insert_with(|| node.clone());
        assert_eq!(
            *first, node,
            "seed {seed}, step {step}: pod {:?} moved from {first} to {node}",
            pod.metadata.name
        );
    }
}

fn controlled_by(
    pod_or_set: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    uid: &str,
) -> bool {
    pod_or_set.owner_references.iter().flatten().any(|r| r.controller == Some(true) && r.uid == uid)
}

fn active(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
    pod.metadata.deletion_timestamp.is_none() && !matches!(phase, "Succeeded" | "Failed")
}

/// After the commands stop, every ReplicaSet has its replicas and, when every pod found a node,
/// every Deployment whose image exists has all its pods updated and no more than it asks for.
fn check_converged(sim: &Simulation, seed: u64) {
    let pods: Vec<&Pod> = sim.api().list::<Pod>(Some("default")).filter(|p| active(p)).collect();
    for set in sim.api().list::<ReplicaSet>(Some("default")) {
        let uid = set.metadata.uid.clone().unwrap_or_default();
        let want = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1) as usize;
        let have = pods.iter().filter(|p| controlled_by(&p.metadata, &uid)).count();
        assert_eq!(
            have, want,
            "seed {seed}: replicaset {:?} has {have} of {want} pods",
            set.metadata.name
        );
    }
    if pods.iter().any(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none()) {
        // A rollout waits for new pods to be available: with pods that fit nowhere it stays.
        return;
    }
    for deployment in sim.api().list::<Deployment>(Some("default")) {
        let spec = deployment.spec.as_ref().expect("a deployment has a spec");
        let image = spec.template.spec.as_ref().and_then(|s| s.containers[0].image.clone());
        if image.as_deref() == Some(IMAGES[2]) {
            continue;
        }
        let want = spec.replicas.unwrap_or(1);
        let status = deployment.status.clone().unwrap_or_default();
        let name = deployment.metadata.name.clone();
        assert_eq!(status.replicas.unwrap_or(0), want, "seed {seed}: deployment {name:?} replicas");
        assert_eq!(
            status.updated_replicas.unwrap_or(0),
            want,
            "seed {seed}: deployment {name:?} updated"
        );
    }
}

#[test]
fn random_workload_changes_keep_the_cluster_consistent() {
    for seed in 0..SEEDS {
        let mut sim = Simulation::new(seed);
        let mut shell = Shell::new();
        let mut rng = Rng::new(seed).fork("invariants");
        let mut created = Vec::new();
        let mut bound = BTreeMap::new();
        for step in 0..STEPS {
            let command = random_step(&mut rng, &sim, &mut created);
            shell.run_script(&mut sim, &command);
            check_bindings(&sim, &mut bound, seed, step);
            check_allocatable(&sim, seed, step);
        }
        shell.run_script(&mut sim, "sleep 15m\n");
        check_bindings(&sim, &mut bound, seed, STEPS);
        check_allocatable(&sim, seed, STEPS);
        check_converged(&sim, seed);
    }
}
