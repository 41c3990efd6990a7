//! What happens to nodes as machines: an administrator stopping, starting or restarting a
//! node's kubelet, a node rebooting, nodes joining (`kubeadm join`) and leaving; and the step of
//! settling that lets each machine's systemd act and hands each kubelet its manifest directory.
//! The page's node menu, scenarios and the lab shell's `ssh` come through these methods.

use super::Simulation;
use crate::api::{DeleteOptions, EventSource, EventType};
use crate::cluster::NodeTemplate;
use crate::kubelet::Kubelet;
use crate::machine::Machine;
use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Node;

impl Simulation {
    /// The machine behind a node, for `ssh` and the page.
    pub fn machine(&self, node: &str) -> Option<&Machine> {
        self.machines.get(node)
    }

    /// Runs an administrator's action on a node's machine (writing a manifest, `swapoff`,
    /// `systemctl`), then lets the cluster react at this instant. `None` if there is no such
    /// node.
    pub fn on_machine<R>(
        &mut self,
        node: &str,
        action: impl FnOnce(&mut Machine, SimTime) -> R,
    ) -> Option<R> {
        let now = self.now;
        let result = action(self.machines.get_mut(node)?, now);
        self.settle();
        Some(result)
    }

    /// `systemctl stop kubelet` on the node: its containers keep running unattended, the node
    /// stops renewing its lease, and after the node-monitor grace period it goes NotReady.
    /// Returns whether the node exists.
    pub fn stop_kubelet(&mut self, node: &str) -> bool {
        self.on_machine(node, |machine, now| machine.stop_kubelet(now)).is_some()
    }

    /// `systemctl start kubelet`: it fails (and systemd keeps retrying every 10 s) while swap is
    /// on. Returns whether the node exists.
    pub fn start_kubelet(&mut self, node: &str) -> bool {
        self.on_machine(node, |machine, now| machine.start_kubelet(now)).is_some()
    }

    /// `systemctl restart kubelet`. Returns whether the node exists.
    pub fn restart_kubelet(&mut self, node: &str) -> bool {
        self.on_machine(node, |machine, now| {
            machine.stop_kubelet(now);
            machine.start_kubelet(now)
        })
        .is_some()
    }

    /// Reboots the node: every container dies, and swap comes back on from `/etc/fstab`, so the
    /// kubelet fails to start until someone runs `swapoff -a` on it. Returns whether the node
    /// exists.
    pub fn reboot_node(&mut self, node: &str) -> bool {
        let boots = self.machines.get(node).map_or(0, |m| m.journal().boot() + 1);
        let boot_id = Rng::new(self.seed).fork(&format!("boot/{node}/{boots}")).uuid();
        let Some(kubelet) = self.kubelets.get_mut(node) else { return false };
        kubelet.power_off();
        self.on_machine(node, |machine, now| machine.reboot(now, boot_id)).is_some()
    }

    /// A worker joins the cluster as `kubeadm join` makes it: its kubelet registers the Node
    /// (next free address and pod CIDR, the default size) and starts. The error is the
    /// reason it cannot.
    pub fn add_node(&mut self, name: &str) -> Result<(), String> {
        if let Some(problem) = crate::api::NameRule::Dns1123Subdomain.problems(name).first() {
            return Err(format!("invalid node name {name:?}: {problem}"));
        }
        if self.machines.contains_key(name) || self.api.get::<Node>("", name).is_ok() {
            return Err(format!("a node named {name:?} already exists"));
        }
        let index = self.nodes_joined;
        self.nodes_joined += 1;
        let template = NodeTemplate {
            name: name.to_string(),
            control_plane: false,
            zone: "zone-a".to_string(),
            cpu_cores: 2,
            memory_ki: 4_015_412,
            max_pods: 110,
            internal_ip: format!("192.168.1.{}", 10 + index),
        };
        let now = self.now;
        let root = Rng::new(self.seed);
        let mut rng = root.fork(&format!("node/{name}"));
        let node = template.to_node(index, now, now, &mut rng);
        let boot_id = node
            .status
            .as_ref()
            .and_then(|s| s.node_info.as_ref())
            .map(|i| i.boot_id.clone())
            .unwrap_or_default();
        let created = self.api.create(node).map_err(|e| e.to_string())?;
        let machine = Machine::new(name, now, boot_id.clone(), Vec::new());
        let mut kubelet =
            Kubelet::new(name, root.fork(&format!("kubelet/{name}")), now, SimTime::default());
        kubelet.start(&mut self.api, &boot_id);
        self.api.record_event(
            &created,
            None,
            EventSource { component: "node-controller", host: None },
            EventType::Normal,
            "RegisteredNode",
            format!("Node {name} event: Registered Node {name} in Controller"),
        );
        self.machines.insert(name.to_string(), machine);
        self.kubelets.insert(name.to_string(), kubelet);
        self.settle();
        Ok(())
    }

    /// Takes a node out of the cluster: the machine is shut down and its Node deleted; the
    /// pod garbage collector then deletes the pods that were bound to it. Returns whether the
    /// node existed.
    pub fn remove_node(&mut self, name: &str) -> bool {
        let had_machine = self.machines.remove(name).is_some();
        self.kubelets.remove(name);
        let deleted = self.api.delete::<Node>("", name, DeleteOptions::default()).is_ok();
        self.settle();
        had_machine || deleted
    }

    /// Lets every machine's systemd act (restarting a failed kubelet), starts or parks the
    /// kubelets accordingly, and hands running kubelets their manifest directory when it
    /// changed. Returns when a machine next acts.
    pub(super) fn sync_machines(&mut self) -> Vec<SimTime> {
        let now = self.now;
        let mut wake = Vec::new();
        for (name, machine) in &mut self.machines {
            let (_, next) = machine.tick(now);
            wake.extend(next);
            let Some(kubelet) = self.kubelets.get_mut(name) else { continue };
            if machine.kubelet_running() != kubelet.is_up() {
                if machine.kubelet_running() {
                    kubelet.start(&mut self.api, machine.boot_id());
                } else {
                    kubelet.shut_down();
                }
            }
            let generation = machine.manifests_generation();
            if machine.kubelet_running() && generation != kubelet.manifests_generation() {
                let files = machine.manifests();
                for (severity, location, message) in
                    kubelet.read_manifests(&mut self.api, generation, &files)
                {
                    machine.kubelet_log(now, severity, location, message);
                }
            }
        }
        wake
    }
}
