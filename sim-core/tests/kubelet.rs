//! The kubelet's pod lifecycle against Kubernetes' numbers: the crash-loop back-off and its
//! reset, probes and the restarts they cause, OOM kills, init containers, phases, static pods.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use sim_core::Simulation;
use sim_core::shell::Shell;
use sim_core::time::SimTime;
use std::time::Duration;

fn lab(script: &str) -> (Simulation, Shell) {
    let mut sim = Simulation::new(7);
    let mut shell = Shell::new();
    for ran in shell.run_script(&mut sim, script) {
        assert_eq!(ran.output.stderr(), "", "{}", ran.first_line);
    }
    (sim, shell)
}

fn pod<'a>(sim: &'a Simulation, name: &str) -> &'a Pod {
    sim.api().get::<Pod>("default", name).expect("the pod exists")
}

fn status(sim: &Simulation, name: &str) -> ContainerStatus {
    let pod = pod(sim, name);
    pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).expect("statuses")[0].clone()
}

fn phase(sim: &Simulation, name: &str) -> String {
    pod(sim, name).status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default()
}

/// The instants (ms) at which the container's restart count went up, sampled every 100 ms.
fn restart_instants(sim: &mut Simulation, name: &str, until: Duration) -> Vec<u64> {
    let mut instants = Vec::new();
    let mut count = status(sim, name).restart_count;
    let end = sim.elapsed() + until;
    while sim.elapsed() < end {
        sim.advance(Duration::from_millis(100));
        let now = status(sim, name).restart_count;
        if now != count {
            instants.push(sim.now().unix_ms());
            count = now;
        }
    }
    instants
}

#[test]
fn a_crash_loop_restarts_after_10_20_40_80_160_and_300_seconds() {
    let (mut sim, _) = lab("kubectl run crasher --image=busybox:1.36 -- sh -c 'exit 1'\nsleep 1");
    assert_eq!(status(&sim, "crasher").restart_count, 0);
    let restarts = restart_instants(&mut sim, "crasher", Duration::from_secs(1_400));
    let gaps: Vec<u64> = restarts.windows(2).map(|w| (w[1] - w[0] + 50) / 1000).collect();
    // Each run exits at once; the next starts when the back-off from that exit has passed.
    assert_eq!(gaps[..6], [10, 20, 40, 80, 160, 300], "{gaps:?}");
    assert!(gaps[6..].iter().all(|&g| g == 300), "capped at 5 minutes: {gaps:?}");
    let waiting = status(&sim, "crasher").state.and_then(|s| s.waiting).expect("waiting");
    assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
    assert!(
        waiting
            .message
            .unwrap_or_default()
            .starts_with("back-off 5m0s restarting failed container=crasher pod=crasher_default(")
    );
}

#[test]
fn the_back_off_resets_after_ten_minutes_of_running() {
    let (mut sim, _) =
        lab("kubectl run steady --image=busybox:1.36 -- sh -c 'sleep 700; exit 1'\nsleep 5");
    let restarts = restart_instants(&mut sim, "steady", Duration::from_secs(2_200));
    let gaps: Vec<u64> = restarts.windows(2).map(|w| (w[1] - w[0] + 50) / 1000).collect();
    // 700 s of running, then a restart at the kubelet's next look: no back-off builds up.
    assert!(gaps.iter().all(|&g| g == 701), "{gaps:?}");
}

#[test]
fn an_exec_liveness_probe_restarts_the_container_as_the_docs_show() {
    let (mut sim, mut shell) = lab("cat <<EOF | kubectl apply -f -\n\
apiVersion: v1\nkind: Pod\nmetadata:\n  name: liveness-exec\nspec:\n  containers:\n  - name: liveness\n    image: registry.k8s.io/busybox:1.27.2\n    args: [/bin/sh, -c, 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600']\n    livenessProbe:\n      exec:\n        command: [cat, /tmp/healthy]\n      initialDelaySeconds: 5\n      periodSeconds: 5\nEOF\nsleep 25");
    assert_eq!(status(&sim, "liveness-exec").restart_count, 0);
    let events = shell.transcript(
        &mut sim,
        "sleep 20\nkubectl get events --field-selector reason=Unhealthy -o name",
    );
    assert!(events.contains("event/liveness-exec."), "{events}");
    let unhealthy = shell.transcript(&mut sim, "kubectl describe pod liveness-exec");
    assert!(
        unhealthy.contains(
            "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
        ),
        "{unhealthy}"
    );
    assert!(unhealthy.contains("Container liveness failed liveness probe, will be restarted"));
    // busybox's sh ignores SIGTERM, so the kill takes the 30 s grace period.
    sim.advance(Duration::from_secs(40));
    let status = status(&sim, "liveness-exec");
    assert_eq!(status.restart_count, 1);
    let last = status.last_state.and_then(|s| s.terminated).expect("last state");
    assert_eq!((last.exit_code, last.reason.as_deref()), (137, Some("Error")));
}

#[test]
fn memory_over_the_limit_is_oom_killed() {
    let (mut sim, _) = lab("cat <<EOF | kubectl apply -f -\n\
apiVersion: v1\nkind: Pod\nmetadata:\n  name: memory-demo-2\nspec:\n  containers:\n  - name: memory-demo-2-ctr\n    image: polinux/stress\n    resources:\n      requests:\n        memory: 50Mi\n      limits:\n        memory: 100Mi\n    command: [stress]\n    args: [--vm, '1', --vm-bytes, 250M, --vm-hang, '1']\nEOF\nsleep 20");
    let status = status(&sim, "memory-demo-2");
    let last = status.last_state.and_then(|s| s.terminated).expect("killed once at least");
    assert_eq!((last.exit_code, last.reason.as_deref()), (137, Some("OOMKilled")));
    assert!(status.restart_count >= 1);
    sim.advance(Duration::from_secs(1));
}

#[test]
fn init_containers_run_one_at_a_time_before_the_app() {
    let (mut sim, _) = lab("cat <<EOF | kubectl apply -f -\n\
apiVersion: v1\nkind: Pod\nmetadata:\n  name: init-ok\nspec:\n  initContainers:\n  - name: first\n    image: busybox:1.36\n    command: [sh, -c, 'sleep 5']\n  - name: second\n    image: busybox:1.36\n    command: [sh, -c, 'sleep 5']\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\nEOF\nsleep 3");
    let init_running = |sim: &Simulation| -> Vec<bool> {
        let pod = pod(sim, "init-ok");
        let statuses = pod.status.as_ref().and_then(|s| s.init_container_statuses.clone());
        statuses
            .unwrap_or_default()
            .iter()
            .map(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()))
            .collect()
    };
    assert_eq!(init_running(&sim), [true, false]);
    assert_eq!(phase(&sim, "init-ok"), "Pending");
    sim.advance(Duration::from_secs(5));
    assert_eq!(init_running(&sim), [false, true]);
    sim.advance(Duration::from_secs(5));
    assert_eq!(init_running(&sim), [false, false]);
    assert_eq!(phase(&sim, "init-ok"), "Running");
}

#[test]
fn restart_policies_decide_the_phase() {
    let (mut sim, _) =
        lab("kubectl run fails --image=busybox:1.36 --restart=Never -- sh -c 'exit 2'\n\
kubectl run succeeds --image=busybox:1.36 --restart=OnFailure -- true\n\
kubectl run retried --image=busybox:1.36 --restart=OnFailure -- sh -c 'exit 1'\n\
sleep 15");
    assert_eq!(phase(&sim, "fails"), "Failed");
    assert_eq!(phase(&sim, "succeeds"), "Succeeded");
    assert_eq!(phase(&sim, "retried"), "Running");
    assert!(status(&sim, "retried").restart_count >= 1);
    sim.advance(Duration::from_secs(1));
}

#[test]
fn a_deleted_mirror_pod_comes_back_with_its_containers_still_running() {
    let (mut sim, mut shell) = lab("");
    let before = sim
        .api()
        .get::<Pod>("kube-system", "kube-scheduler-controlplane")
        .expect("the mirror pod exists")
        .clone();
    let running = |pod: &Pod| {
        let status = pod.status.as_ref().and_then(|s| s.container_statuses.clone());
        let status = status.unwrap_or_default();
        (status[0].restart_count, status[0].container_id.clone(), status[0].ready)
    };
    assert!(running(&before).2, "the scheduler is ready");
    shell.run_script(&mut sim, "kubectl delete pod kube-scheduler-controlplane -n kube-system");
    let after =
        sim.api().get::<Pod>("kube-system", "kube-scheduler-controlplane").expect("back again");
    assert_ne!(after.metadata.uid, before.metadata.uid);
    assert_eq!(running(after), running(&before));
    let created = after.metadata.creation_timestamp.as_ref().map(SimTime::from_k8s);
    assert_eq!(created.map(|t| t.unix_ms() / 1000), Some(sim.now().unix_ms() / 1000));
}
