//! The series behind the page's charts, recorded by a running simulation: the kubelet's real
//! restart waits, a rollout's ReplicaSets, nodes' requested and used resources on the grid.

use sim_core::Simulation;
use sim_core::shell::Shell;
use sim_core::sim::SESSION_START;
use std::time::Duration;

fn lab(script: &str) -> Simulation {
    let mut sim = Simulation::new(7);
    for ran in Shell::new().run_script(&mut sim, script) {
        assert_eq!(ran.output.stderr(), "", "{}", ran.first_line);
    }
    sim
}

fn uid(sim: &Simulation, name: &str) -> String {
    let pod = sim.api().get::<k8s_openapi::api::core::v1::Pod>("default", name).unwrap();
    sim_core::podutil::uid(pod).to_string()
}

#[test]
fn a_crash_loop_records_what_the_kubelet_waited() {
    let mut sim = lab("kubectl run crasher --image=busybox:1.36 -- sh -c 'exit 1'");
    sim.advance(Duration::from_secs(1_400));
    let restarts = sim.series().restarts(&uid(&sim, "crasher")).expect("restarts recorded");
    assert_eq!((restarts.namespace.as_str(), restarts.name.as_str()), ("default", "crasher"));
    let waited: Vec<u64> = restarts.restarts.iter().map(|r| r.waited.as_secs()).collect();
    // The first restart comes at the next relist; then the back-off doubles to its cap.
    assert_eq!(waited[..7], [1, 10, 20, 40, 80, 160, 300], "{waited:?}");
    assert!(waited[7..].iter().all(|&w| w == 300), "{waited:?}");
    assert!(restarts.restarts.iter().all(|r| r.container == "crasher"));
}

#[test]
fn a_rollout_records_both_replica_sets() {
    let sim = lab("kubectl create deployment web --image=nginx:1.27 --replicas=3\nsleep 60\n\
         kubectl set image deployment/web nginx=nginx:1.28\nsleep 120");
    let sets: Vec<_> = sim.series().replica_sets("default", Some("web")).collect();
    assert_eq!(sets.len(), 2, "{sets:?}");
    let started = |s: &&&sim_core::series::ReplicaSeries| s.points[0].at;
    let old = sets.iter().min_by_key(started).expect("two sets");
    let new = sets.iter().max_by_key(started).expect("two sets");
    assert_eq!(old.points.iter().map(|p| p.ready).max(), Some(3));
    assert_eq!(old.points.last().map(|p| (p.desired, p.current)), Some((0, 0)));
    assert_eq!(new.points.last().map(|p| (p.desired, p.current, p.ready)), Some((3, 3, 3)));
    // Points are in time order, one per instant.
    assert!(new.points.windows(2).all(|w| w[0].at < w[1].at));
}

#[test]
fn nodes_are_sampled_on_the_grid_however_time_is_advanced() {
    let script = "kubectl create deployment web --image=nginx --replicas=2\n\
        kubectl set resources deployment web --requests=cpu=250m,memory=64Mi";
    let mut whole = lab(script);
    whole.advance(Duration::from_secs(95));
    let mut ticks = lab(script);
    for _ in 0..950 {
        ticks.advance(Duration::from_millis(100));
    }
    assert_eq!(whole.series(), ticks.series());
    let samples = whole.series().node("node01");
    let times: Vec<u64> = samples.iter().map(|p| p.at.since(SESSION_START).as_secs()).collect();
    assert_eq!(times, [0, 15, 30, 45, 60, 75, 90]);
    let workers: i64 = ["node01", "node02"]
        .iter()
        .map(|n| whole.series().node(n).last().unwrap().cpu_requested_millis)
        .sum();
    assert_eq!(workers, 500);
    assert!(samples.iter().all(|p| p.cpu_used_millis > 0 && p.memory_used_bytes > 0));
}

#[test]
fn a_file_written_by_exec_is_browsable_and_reading_changes_nothing() {
    let sim = lab("cat <<EOF | kubectl apply -f -\n\
apiVersion: v1\nkind: Pod\nmetadata:\n  name: box\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\n    volumeMounts:\n    - name: scratch\n      mountPath: /scratch\n  volumes:\n  - name: scratch\n    emptyDir: {}\nEOF\n\
sleep 20\nkubectl exec box -- sh -c 'echo hello from exec > /scratch/note.txt'");
    let version = sim.api().resource_version();
    let before = format!("{:?}", sim_core::view::ClusterView::of(&sim));
    let files = sim.container_files("default", "box", "app").expect("the container ran");
    let root = files.list("/").unwrap();
    let scratch = root.iter().find(|e| e.name == "scratch").expect("the mount point");
    assert_eq!((scratch.directory, scratch.volume.as_deref()), (true, Some("scratch")));
    assert_eq!(files.read("/scratch/note.txt").unwrap(), "hello from exec\n");
    let volume = sim.volume_files("default", "box", "scratch").expect("set up");
    assert_eq!(volume.list("/").unwrap()[0].path, "/note.txt");
    assert_eq!(volume.read("/note.txt").unwrap(), "hello from exec\n");
    assert!(sim.container_files("default", "box", "nope").is_none());
    assert!(sim.volume_files("default", "nope", "scratch").is_none());
    assert_eq!(sim.api().resource_version(), version);
    assert_eq!(format!("{:?}", sim_core::view::ClusterView::of(&sim)), before);
}
