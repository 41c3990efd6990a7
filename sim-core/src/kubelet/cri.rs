//! The container runtime as `crictl` on the node sees it: every container the runtime holds,
//! with its id, image, state, attempt and pod sandbox.

use super::Kubelet;
use super::runtime::RunState;
use crate::time::SimTime;

/// One container as the CRI lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriContainer {
    /// The 64-hex container id (without `containerd://`).
    pub id: String,
    /// The image's id: its digest (`sha256:…`).
    pub image_id: String,
    pub created_at: SimTime,
    /// `Running` or `Exited`.
    pub state: &'static str,
    pub name: String,
    /// How many times the kubelet started it before this run.
    pub attempt: u32,
    /// The 64-hex id of the pod's sandbox.
    pub pod_id: String,
    pub pod: String,
    pub namespace: String,
}

impl Kubelet {
    /// The runtime's containers, newest first: the running ones, and with `all` the exited runs
    /// the runtime still keeps (the last of each container).
    pub fn cri_containers(&self, all: bool) -> Vec<CriContainer> {
        let mut list = Vec::new();
        for (uid, pod) in &self.pods {
            let pod_id = super::images::digest_of(uid)[7..].to_string();
            for (name, container) in &pod.containers {
                let entry = |id: &str, image_id: &str, created_at, state, attempt| CriContainer {
                    id: id.trim_start_matches("containerd://").to_string(),
                    image_id: image_id.rsplit_once('@').map_or(image_id, |(_, d)| d).to_string(),
                    created_at,
                    state,
                    name: name.clone(),
                    attempt,
                    pod_id: pod_id.clone(),
                    pod: pod.name.clone(),
                    namespace: pod.namespace.clone(),
                };
                let attempt = u32::try_from(container.restart_count).unwrap_or(0);
                match &container.state {
                    RunState::Running(running) => list.push(entry(
                        &running.container_id,
                        &running.image_id,
                        running.started_at,
                        "Running",
                        attempt,
                    )),
                    RunState::Exited { ended, .. } if all => {
                        let t = &ended.termination;
                        list.push(entry(
                            &t.container_id,
                            &t.image_id,
                            t.started_at,
                            "Exited",
                            attempt,
                        ));
                    }
                    _ => {}
                }
                if all && let Some(previous) = &container.previous {
                    let t = &previous.termination;
                    let attempt = attempt.saturating_sub(1);
                    list.push(entry(&t.container_id, &t.image_id, t.started_at, "Exited", attempt));
                }
            }
        }
        crate::sort::sort_by(&mut list, |a, b| {
            b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))
        });
        list
    }
}
