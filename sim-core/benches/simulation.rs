//! How fast the simulation runs, native. Figures go in issue notes; no test depends on them.

use criterion::{Criterion, criterion_group, criterion_main};
use sim_core::Simulation;
use sim_core::shell::Shell;
use std::hint::black_box;

/// 100 pods on the default cluster, 10 of them stuck in ImagePullBackOff, then an hour of
/// virtual time: scheduling, pulls, back-off timers and status writes.
fn hundred_pods_for_an_hour(c: &mut Criterion) {
    let mut script = String::new();
    for i in 0..90 {
        script.push_str(&format!("kubectl run web-{i} --image=nginx\n"));
    }
    for i in 0..10 {
        script.push_str(&format!("kubectl run typo-{i} --image=ngnix\n"));
    }
    script.push_str("sleep 1h\n");
    c.bench_function("100 pods (10 backing off) on 3 nodes, 1 h of virtual time", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(1);
            Shell::new().run_script(&mut sim, black_box(&script));
            sim
        })
    });
}

criterion_group!(benches, hundred_pods_for_an_hour);
criterion_main!(benches);
