//! Many seeds of random storage changes — static PersistentVolumes of random sizes and access
//! modes, claims on them or on the default StorageClass, pods on random nodes sharing claims,
//! deletions of pods, claims and volumes — with the storage invariants checked after every
//! step: a PersistentVolume is bound to at most one claim (and the claim names it back), a
//! ReadWriteOnce disk is attached to at most one node, and a ReadWriteOncePod claim is used
//! by at most one placed pod. A failure names its seed.

use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod};
use sim_core::Simulation;
use sim_core::rng::Rng;
use sim_core::shell::Shell;
use std::collections::BTreeMap;

const SEEDS: u64 = 16;
const STEPS: usize = 24;
const MODES: [&str; 3] = ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"];

fn volume(n: u64, gib: u64, mode: &str) -> String {
    format!(
        "kubectl apply -f - <<EOF\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv{n}\nspec:\n  capacity:\n    storage: {gib}Gi\n  accessModes: [{mode}]\n  storageClassName: manual\n  nfs:\n    server: nfs.example.com\n    path: /exports/pv{n}\nEOF\n"
    )
}

fn claim(n: u64, gib: u64, mode: &str, class: &str) -> String {
    format!(
        "kubectl apply -f - <<EOF\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: claim{n}\nspec:\n  {class}accessModes: [{mode}]\n  resources:\n    requests:\n      storage: {gib}Gi\nEOF\n"
    )
}

fn pod(n: u64, claim: u64, node: &str) -> String {
    format!(
        "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod{n}\nspec:\n  nodeSelector:\n    kubernetes.io/hostname: {node}\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [\"sleep\", \"3600\"]\n    volumeMounts:\n    - name: data\n      mountPath: /data\n  volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: claim{claim}\nEOF\n"
    )
}

fn random_step(rng: &mut Rng, next: &mut u64) -> String {
    *next += 1;
    let n = *next;
    let mode = MODES[rng.below(MODES.len() as u64) as usize];
    match rng.below(8) {
        0 | 1 => volume(n, rng.between(1, 10), mode),
        2 => claim(n, rng.between(1, 10), mode, "storageClassName: manual\n  "),
        3 => {
            let mode = if rng.below(2) == 0 { "ReadWriteOnce" } else { "ReadWriteOncePod" };
            claim(n, rng.between(1, 10), mode, "")
        }
        4 | 5 => {
            let node = if rng.below(2) == 0 { "node01" } else { "node02" };
            pod(n, rng.between(1, n), node)
        }
        6 => format!("kubectl delete pod pod{} --wait=false\n", rng.between(1, n)),
        _ => match rng.below(3) {
            0 => format!("kubectl delete pvc claim{} --wait=false\n", rng.between(1, n)),
            1 => format!("kubectl delete pv pv{} --wait=false\n", rng.between(1, n)),
            _ => format!("sleep {}\n", rng.between(1, 40)),
        },
    }
}

fn check(sim: &Simulation, seed: u64, step: usize) {
    let api = sim.api();
    // A volume is bound to at most one claim, and that claim names it.
    let mut bound_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for claim in api.list::<PersistentVolumeClaim>(None) {
        let phase = claim.status.as_ref().and_then(|s| s.phase.as_deref());
        let volume = claim.spec.as_ref().and_then(|s| s.volume_name.clone());
        if let (Some("Bound"), Some(volume)) = (phase, volume) {
            let name = claim.metadata.name.clone().unwrap_or_default();
            bound_by.entry(volume.clone()).or_default().push(name.clone());
            if let Ok(pv) = api.get::<PersistentVolume>("", &volume) {
                let reference = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
                assert_eq!(
                    reference.and_then(|r| r.name.clone()),
                    Some(name.clone()),
                    "seed {seed}, step {step}: claim {name} is bound to {volume}, which names another claim"
                );
            }
        }
    }
    for (volume, claims) in &bound_by {
        assert!(claims.len() <= 1, "seed {seed}, step {step}: {volume} is bound to {claims:?}");
    }
    // A ReadWriteOnce disk is attached to at most one node.
    let mut attached: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in api.list::<Node>(None) {
        let list =
            node.status.as_ref().and_then(|s| s.volumes_attached.clone()).unwrap_or_default();
        for volume in list {
            attached
                .entry(volume.name)
                .or_default()
                .push(node.metadata.name.clone().unwrap_or_default());
        }
    }
    // A ReadWriteOncePod claim is used by at most one pod placed on a node and not finished.
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pod in api.list::<Pod>(None) {
        let spec = pod.spec.clone().unwrap_or_default();
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        if spec.node_name.is_none() || matches!(phase, Some("Succeeded" | "Failed")) {
            continue;
        }
        for volume in spec.volumes.unwrap_or_default() {
            let Some(source) = volume.persistent_volume_claim else { continue };
            let claim = api.get::<PersistentVolumeClaim>("default", &source.claim_name);
            let modes = claim.ok().and_then(|c| c.spec.clone()?.access_modes).unwrap_or_default();
            if modes.iter().any(|m| m == "ReadWriteOncePod") {
                let name = pod.metadata.name.clone().unwrap_or_default();
                users.entry(source.claim_name).or_default().push(name);
            }
        }
    }
    for (claim, pods) in &users {
        assert!(
            pods.len() <= 1,
            "seed {seed}, step {step}: ReadWriteOncePod {claim} used by {pods:?}"
        );
    }
    for volume in api.list::<PersistentVolume>(None) {
        let spec = volume.spec.clone().unwrap_or_default();
        let Some(csi) = spec.csi else { continue };
        let name = format!("kubernetes.io/csi/{}^{}", csi.driver, csi.volume_handle);
        let rwo = spec.access_modes.unwrap_or_default() == ["ReadWriteOnce"];
        let nodes = attached.get(&name).cloned().unwrap_or_default();
        assert!(
            !rwo || nodes.len() <= 1,
            "seed {seed}, step {step}: ReadWriteOnce {name} is attached to {nodes:?}"
        );
    }
}

#[test]
fn storage_invariants_hold_under_random_changes() {
    for seed in 0..SEEDS {
        let mut sim = Simulation::new(seed);
        let mut shell = Shell::new();
        let mut rng = Rng::new(seed).fork("storage-steps");
        let mut next = 0;
        for step in 0..STEPS {
            let command = random_step(&mut rng, &mut next);
            shell.run_script(&mut sim, &command);
            check(&sim, seed, step);
        }
        sim.advance(std::time::Duration::from_secs(120));
        check(&sim, seed, STEPS);
    }
}

/// Two pods on two nodes share one ReadWriteOnce claim: only one of them ever runs, however
/// the steps go.
#[test]
fn a_read_write_once_disk_serves_one_node_at_a_time() {
    for seed in 0..4 {
        let mut sim = Simulation::new(seed);
        let mut shell = Shell::new();
        let script = format!(
            "{}{}{}sleep 60\n",
            claim(1, 1, "ReadWriteOnce", ""),
            pod(2, 1, "node01"),
            pod(3, 1, "node02")
        );
        shell.run_script(&mut sim, &script);
        let running: Vec<String> = sim
            .api()
            .list::<k8s_openapi::api::core::v1::Pod>(Some("default"))
            .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        assert_eq!(running.len(), 1, "seed {seed}: running {running:?}");
        check(&sim, seed, 0);
    }
}

/// Two pods on one node share a ReadWriteOncePod claim: the scheduler places one; the other
/// waits with VolumeRestrictions' reason until the first is gone.
#[test]
fn a_read_write_once_pod_claim_serves_one_pod_at_a_time() {
    for seed in 0..4 {
        let mut sim = Simulation::new(seed);
        let mut shell = Shell::new();
        let script = format!(
            "{}{}{}sleep 30\n",
            claim(1, 1, "ReadWriteOncePod", ""),
            pod(2, 1, "node01"),
            pod(3, 1, "node01")
        );
        shell.run_script(&mut sim, &script);
        let placed = |sim: &Simulation| -> Vec<String> {
            let pods = sim.api().list::<Pod>(Some("default"));
            let placed = pods.filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_some()));
            placed.filter_map(|p| p.metadata.name.clone()).collect()
        };
        let first = placed(&sim);
        assert_eq!(first.len(), 1, "seed {seed}: placed {first:?}");
        let waiting = if first[0] == "pod2" { "pod3" } else { "pod2" };
        let pod = sim.api().get::<Pod>("default", waiting).unwrap();
        let condition = pod.status.as_ref().and_then(|s| s.conditions.as_ref()).unwrap();
        let message = condition[0].message.clone().unwrap_or_default();
        assert!(
            message.contains("node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod"),
            "seed {seed}: {message}"
        );
        shell.run_script(&mut sim, &format!("kubectl delete pod {}\nsleep 30\n", first[0]));
        assert_eq!(placed(&sim), [waiting], "seed {seed}");
        check(&sim, seed, 0);
    }
}
