//! How fast kube-scheduler's simulation places pods, native. Figures go in issue notes; no test
//! depends on them.
//!
//! Measured: one `Scheduler::reconcile` from a cold scheduler over 10,000 pending pods on 1,000
//! nodes with the default plugins — building its cache of the nodes, queueing the pods, and for
//! each pod the full cycle (PreFilter, filtering the share of nodes kube-scheduler filters on a
//! cluster this size, scoring, the seeded tie-break), the binding written to the API server with
//! its Scheduled event, and the explanation kept. Not measured: creating the cluster (done
//! once) and the pods (each run's setup, as a client creates them just before the scheduler
//! runs).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sim_core::Simulation;
use sim_core::cluster::{ClusterSpec, NodeTemplate};
use sim_core::rng::Rng;
use sim_core::scheduler::Scheduler;
use std::collections::BTreeMap;

const NODES: usize = 1_000;
const PODS: usize = 10_000;

/// One control-plane node and 999 workers over three zones, 8 CPUs and 32 GiB each.
fn cluster() -> ClusterSpec {
    let nodes = (0..NODES)
        .map(|i| NodeTemplate {
            name: if i == 0 { "controlplane".to_string() } else { format!("node{i:04}") },
            control_plane: i == 0,
            zone: format!("zone-{}", ["a", "b", "c"][i % 3]),
            cpu_cores: 8,
            memory_ki: 32 * 1024 * 1024,
            max_pods: 110,
            internal_ip: format!("10.0.{}.{}", i / 250, i % 250 + 1),
        })
        .collect();
    ClusterSpec { nodes, proxy_mode: Default::default() }
}

/// A web pod asking for 100m CPU and 128 MiB, as most pods in a lab do.
fn pod(i: usize) -> Pod {
    let requests = BTreeMap::from([
        ("cpu".to_string(), Quantity("100m".into())),
        ("memory".to_string(), Quantity("128Mi".into())),
    ]);
    Pod {
        metadata: ObjectMeta {
            name: Some(format!("web-{i:05}")),
            namespace: Some("default".into()),
            labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
            ..Default::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "web".into(),
                image: Some("nginx:1.27".into()),
                resources: Some(ResourceRequirements {
                    requests: Some(requests),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn schedule_10k_pods_on_1k_nodes(c: &mut Criterion) {
    let sim = Simulation::with_cluster(1, &cluster());
    // Each run gets pods of its own: pods shared with another copy of the API server would be
    // copied at their first write (the binding), which a freshly created pod never is.
    let with_pods = || {
        let mut api = sim.api().clone();
        for i in 0..PODS {
            api.create(pod(i)).expect("the pod is created");
        }
        api
    };
    let mut check = with_pods();
    Scheduler::new(Rng::new(1)).reconcile(&mut check);
    let bound = check
        .list::<Pod>(Some("default"))
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some())
        .count();
    assert_eq!(bound, PODS, "every pod is placed in one pass");
    let mut group = c.benchmark_group("scheduler");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PODS as u64));
    group.bench_function("10,000 pending pods onto 1,000 nodes, default plugins", |b| {
        b.iter_batched(
            || (with_pods(), Scheduler::new(Rng::new(1))),
            |(mut api, mut scheduler)| {
                scheduler.reconcile(&mut api);
                // Returned, so dropping them is not timed.
                (api, scheduler)
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, schedule_10k_pods_on_1k_nodes);
criterion_main!(benches);
