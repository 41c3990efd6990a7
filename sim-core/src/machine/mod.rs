//! A node as a machine, around its kubelet: systemd's kubelet unit (running, stopped, or failing
//! and restarted every 10 s), swap, the files an administrator reaches over `ssh` (the static
//! pod manifests, the kubelet's configuration, `/var/log`) and the journal. A reboot turns swap
//! back on, as the swap line of `/etc/fstab` does, and the kubelet refuses to run with swap on.
//!
//! The machine knows nothing of the API: the simulation starts and stops the kubelet it
//! describes and hands it the manifest directory.

pub mod journal;
pub mod systemd;

use crate::container::Filesystem;
use crate::time::SimTime;
use journal::Journal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use systemd::{RESTART_SEC, UnitState};

/// The kubelet's `staticPodPath` in kubeadm's configuration.
pub const MANIFEST_DIR: &str = "/etc/kubernetes/manifests";

/// How long after power-on systemd starts the kubelet.
const BOOT_TO_KUBELET: Duration = Duration::from_secs(12);

/// `/proc/swaps` of a machine with swap on, as the kubelet quotes it.
const PROC_SWAPS: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swap.img                               file\t\t2097148\t\t0\t\t-2";

/// Directories every node has (the ones `ls` and `cd` know besides those holding files).
const DIRECTORIES: &[&str] = &[
    "/",
    "/etc",
    "/etc/kubernetes",
    MANIFEST_DIR,
    "/home",
    "/lib",
    "/lib/modules",
    "/mnt",
    "/opt",
    "/root",
    "/run",
    "/srv",
    "/tmp",
    "/var",
    "/var/lib",
    "/var/lib/kubelet",
    "/var/log",
    "/var/log/containers",
    "/var/log/pods",
    "/var/log/journal",
    "/var/log/apt",
];

/// Log files that are there but whose content the lab does not simulate.
const VAR_LOG_FILES: &[&str] = &[
    "alternatives.log",
    "auth.log",
    "btmp",
    "cloud-init-output.log",
    "cloud-init.log",
    "dmesg",
    "dpkg.log",
    "kern.log",
    "lastlog",
    "syslog",
    "wtmp",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    pub content: String,
    /// Permission bits (`0o600` for kubeadm's manifests).
    pub mode: u32,
    pub modified: SimTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    hostname: String,
    swap_on: bool,
    boot_id: String,
    booted_at: SimTime,
    files: BTreeMap<String, File>,
    unit: UnitState,
    journal: Journal,
    /// The PID the next process gets.
    next_pid: u32,
    /// Moves whenever a file in the manifest directory is written or removed: the kubelet's
    /// file source reads the directory again.
    manifests_generation: u64,
    /// Directories made after setup (`mkdir`, hostPath volumes of type DirectoryOrCreate): the
    /// disk keeps them, empty or not.
    #[serde(default)]
    directories: BTreeSet<String>,
    /// Kernel parameters changed at runtime (`sysctl -w`), over the node's defaults; a reboot
    /// forgets them, as the kernel does.
    #[serde(default)]
    sysctls: BTreeMap<String, String>,
}

/// What happened to the kubelet process during [`Machine::tick`] or a `systemctl` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeletChange {
    None,
    Started,
    Stopped,
}

impl Machine {
    /// A machine whose kubelet started at `kubelet_started_at` as it came up. `manifests` are
    /// the static pod manifests kubeadm wrote (file name, text).
    pub fn new(
        hostname: &str,
        kubelet_started_at: SimTime,
        boot_id: String,
        manifests: Vec<(String, String)>,
    ) -> Self {
        let booted_at = SimTime::from_unix_ms(
            kubelet_started_at.unix_ms().saturating_sub(BOOT_TO_KUBELET.as_millis() as u64),
        );
        let mut files = BTreeMap::new();
        let file = |content: String, mode| File { content, mode, modified: booted_at };
        files.insert("/etc/hostname".to_string(), file(format!("{hostname}\n"), 0o644));
        files.insert(
            "/etc/fstab".to_string(),
            file(
                "# /etc/fstab: static file system information.\nLABEL=cloudimg-rootfs\t/\text4\tdiscard,errors=remount-ro\t0 1\n/swap.img\tnone\tswap\tsw\t0\t0\n".to_string(),
                0o644,
            ),
        );
        files.insert(
            "/var/lib/kubelet/config.yaml".to_string(),
            file(KUBELET_CONFIG.to_string(), 0o644),
        );
        for (name, text) in manifests {
            files.insert(format!("{MANIFEST_DIR}/{name}"), file(text, 0o600));
        }
        let mut machine = Machine {
            hostname: hostname.to_string(),
            // kubeadm's preflight made the administrator turn swap off; it stays off until the
            // next boot.
            swap_on: false,
            boot_id: boot_id.clone(),
            booted_at,
            files,
            unit: UnitState::Stopped { since: booted_at, pid: 0, started_at: booted_at },
            journal: Journal::default(),
            next_pid: 700 + hostname.len() as u32 * 17,
            manifests_generation: 1,
            directories: BTreeSet::new(),
            sysctls: BTreeMap::new(),
        };
        machine.journal.new_boot(boot_id);
        machine.try_start(kubelet_started_at);
        machine
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    pub fn kubelet_running(&self) -> bool {
        matches!(self.unit, UnitState::Running { .. })
    }

    pub fn unit(&self) -> &UnitState {
        &self.unit
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn swap_on(&self) -> bool {
        self.swap_on
    }

    pub fn boot_id(&self) -> &str {
        &self.boot_id
    }

    pub fn booted_at(&self) -> SimTime {
        self.booted_at
    }

    /// The PID of the running kubelet (for its own log lines).
    pub fn kubelet_pid(&self) -> Option<u32> {
        match self.unit {
            UnitState::Running { pid, .. } => Some(pid),
            _ => None,
        }
    }

    fn new_pid(&mut self) -> u32 {
        let pid = self.next_pid;
        self.next_pid += 41 + (pid % 23);
        pid
    }

    /// systemd starts the kubelet: it runs, or (swap on) exits with status 1 and systemd
    /// schedules the next try.
    fn try_start(&mut self, now: SimTime) -> KubeletChange {
        let pid = self.new_pid();
        let restarts = match self.unit {
            UnitState::AutoRestart { restarts, .. } => restarts,
            _ => 0,
        };
        self.journal.systemd(now, format!("Started kubelet.service - {}.", systemd::DESCRIPTION));
        let version = crate::cluster::KUBERNETES_VERSION;
        self.journal.kubelet(
            now,
            pid,
            'I',
            "server.go:529",
            format!("\"Kubelet version\" kubeletVersion=\"{version}\""),
        );
        self.journal.kubelet(
            now,
            pid,
            'I',
            "server.go:531",
            "\"Golang settings\" GOGC=\"\" GOMAXPROCS=\"\" GOTRACEBACK=\"\"",
        );
        if self.swap_on {
            let contents: String = PROC_SWAPS.lines().map(|l| format!("\t{l}\n")).collect();
            self.journal.kubelet(
                now,
                pid,
                'I',
                "swap_util.go:115",
                format!("\"Swap is on\" /proc/swaps contents=<\n{contents} >"),
            );
            self.journal.kubelet(now, pid, 'E', "run.go:72", "\"command failed\" err=\"failed to run Kubelet: running with swap on is not supported, please disable swap or set --fail-swap-on flag to false\"");
            self.journal.systemd(
                now,
                "kubelet.service: Main process exited, code=exited, status=1/FAILURE",
            );
            self.journal.systemd(now, "kubelet.service: Failed with result 'exit-code'.");
            self.unit =
                UnitState::AutoRestart { since: now, pid, restart_at: now + RESTART_SEC, restarts };
            return KubeletChange::None;
        }
        self.journal.kubelet(
            now,
            pid,
            'I',
            "server.go:956",
            "\"Client rotation is on, will bootstrap in background\"",
        );
        self.journal.kubelet(
            now,
            pid,
            'I',
            "kubelet.go:2475",
            "\"Starting kubelet main sync loop\"",
        );
        self.journal.kubelet(
            now,
            pid,
            'I',
            "kubelet_node_status.go:75",
            format!("\"Attempting to register node\" node=\"{}\"", self.hostname),
        );
        self.journal.kubelet(
            now,
            pid,
            'I',
            "kubelet_node_status.go:78",
            format!("\"Successfully registered node\" node=\"{}\"", self.hostname),
        );
        self.unit = UnitState::Running { since: now, pid };
        KubeletChange::Started
    }

    /// Lets systemd act on its timers up to `now`: a kubelet waiting to be restarted is tried
    /// again. Returns what changed and when systemd next acts.
    pub fn tick(&mut self, now: SimTime) -> (KubeletChange, Option<SimTime>) {
        let mut change = KubeletChange::None;
        while let UnitState::AutoRestart { restart_at, restarts, since, pid } = self.unit {
            if restart_at > now {
                return (change, Some(restart_at));
            }
            let restarts = restarts + 1;
            self.unit = UnitState::AutoRestart { since, pid, restart_at, restarts };
            self.journal.systemd(
                restart_at,
                format!(
                    "kubelet.service: Scheduled restart job, restart counter is at {restarts}."
                ),
            );
            if self.try_start(restart_at) == KubeletChange::Started {
                change = KubeletChange::Started;
            }
        }
        (change, None)
    }

    /// `systemctl start kubelet`.
    pub fn start_kubelet(&mut self, now: SimTime) -> KubeletChange {
        match self.unit {
            UnitState::Running { .. } => KubeletChange::None,
            // A start request while a restart is pending runs it now.
            _ => self.try_start(now),
        }
    }

    /// `systemctl stop kubelet`: SIGTERM, and the kubelet shuts down.
    pub fn stop_kubelet(&mut self, now: SimTime) -> KubeletChange {
        match self.unit {
            UnitState::Running { since, pid } => {
                self.journal.systemd(
                    now,
                    format!("Stopping kubelet.service - {}...", systemd::DESCRIPTION),
                );
                self.journal.kubelet(
                    now,
                    pid,
                    'I',
                    "dynamic_cafile_content.go:175",
                    "\"Shutting down controller\" name=\"client-ca-bundle::/etc/kubernetes/pki/ca.crt\"",
                );
                self.journal.systemd(now, "kubelet.service: Deactivated successfully.");
                self.journal
                    .systemd(now, format!("Stopped kubelet.service - {}.", systemd::DESCRIPTION));
                let consumed = self.unit.consumed(now);
                self.journal.systemd(now, consumed);
                self.unit = UnitState::Stopped { since: now, pid, started_at: since };
                KubeletChange::Stopped
            }
            UnitState::AutoRestart { since, pid, .. } => {
                // Stopping a unit between restarts only cancels the restart.
                self.journal
                    .systemd(now, format!("Stopped kubelet.service - {}.", systemd::DESCRIPTION));
                self.unit = UnitState::Stopped { since: now, pid, started_at: since };
                KubeletChange::None
            }
            UnitState::Stopped { .. } => KubeletChange::None,
        }
    }

    /// The machine restarts: every process ends, swap comes back from `/etc/fstab`, and systemd
    /// starts the kubelet as the machine comes up (at `now` plus the boot time).
    pub fn reboot(&mut self, now: SimTime, boot_id: String) -> KubeletChange {
        let stopped = self.stop_kubelet(now);
        self.swap_on = self.files.get("/etc/fstab").is_some_and(|f| {
            f.content.lines().any(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                !l.trim_start().starts_with('#') && fields.get(2) == Some(&"swap")
            })
        });
        self.boot_id = boot_id.clone();
        self.booted_at = now;
        self.sysctls.clear();
        self.journal.new_boot(boot_id);
        self.next_pid = 700 + self.hostname.len() as u32 * 17;
        self.try_start(now + BOOT_TO_KUBELET);
        stopped
    }

    /// A kernel parameter set at runtime, if one was (`None`: the node's default).
    pub fn sysctl(&self, key: &str) -> Option<&str> {
        self.sysctls.get(key).map(String::as_str)
    }

    /// `sysctl -w KEY=VALUE` (and a scenario's node settings).
    pub fn set_sysctl(&mut self, key: &str, value: &str) {
        self.sysctls.insert(key.to_string(), value.to_string());
    }

    /// `swapoff -a`.
    pub fn swapoff(&mut self) {
        self.swap_on = false;
    }

    /// `swapon -a`: the swap lines of `/etc/fstab`.
    pub fn swapon(&mut self) {
        self.swap_on = true;
    }

    /// What `/proc/swaps` would show, as `swapon --show` prints it.
    pub fn swap_table(&self) -> Option<&'static str> {
        self.swap_on.then_some("NAME      TYPE SIZE USED PRIO\n/swap.img file   2G   0B   -2\n")
    }

    // ---- files ----

    pub fn file(&self, path: &str) -> Option<&File> {
        self.files.get(path)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        DIRECTORIES.contains(&path) || self.directories.contains(path) || {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            self.files.keys().chain(&self.directories).any(|p| p.starts_with(&prefix))
        }
    }

    /// `mkdir` (with `parents`, `mkdir -p`): creates a directory on the disk.
    pub fn make_dir(&mut self, path: &str, parents: bool) -> Result<(), String> {
        if self.is_dir(path) {
            return if parents { Ok(()) } else { Err("File exists".to_string()) };
        }
        if self.files.contains_key(path) {
            return Err("File exists".to_string());
        }
        let parent = path.rsplit_once('/').map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        if !self.is_dir(parent) {
            if !parents {
                return Err("No such file or directory".to_string());
            }
            self.make_dir(parent, true)?;
        }
        self.directories.insert(path.to_string());
        Ok(())
    }

    /// The directory tree at `path` as a volume sees it (a hostPath volume: `path` is its root).
    pub fn host_dir(&self, path: &str) -> Filesystem {
        let mut volume = Filesystem::empty();
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let dirs = self.directories.iter().map(String::as_str).chain(DIRECTORIES.iter().copied());
        for dir in dirs.filter_map(|d| d.strip_prefix(&prefix)) {
            volume.put_dirs(&format!("/{dir}"));
        }
        for (full, file) in &self.files {
            if let Some(inner) = full.strip_prefix(&prefix) {
                volume.put_file_mode(&format!("/{inner}"), &file.content, file.mode);
            }
        }
        volume
    }

    /// Writes back what containers did to a hostPath volume rooted at `path`: its files and
    /// directories replace the ones there.
    pub fn store_host_dir(&mut self, path: &str, volume: &Filesystem, now: SimTime) {
        let root = path.trim_end_matches('/');
        let prefix = format!("{root}/");
        let manifests = self.manifests();
        self.directories.retain(|d| !d.starts_with(&prefix));
        let before = std::mem::take(&mut self.files);
        let (mut kept, old): (BTreeMap<String, File>, BTreeMap<String, File>) =
            before.into_iter().partition(|(p, _)| !p.starts_with(&prefix));
        for (inner, text) in volume.entries() {
            let full = if inner == "/" { root.to_string() } else { format!("{root}{inner}") };
            match text {
                None => {
                    if !DIRECTORIES.contains(&full.as_str()) {
                        self.directories.insert(full);
                    }
                }
                Some(text) => {
                    let mode = volume.mode(inner).unwrap_or(0o644);
                    let file = match old.get(&full) {
                        Some(file) if file.content == text => File { mode, ..file.clone() },
                        Some(_) => File { content: text.to_string(), mode, modified: now },
                        None => File { content: text.to_string(), mode, modified: now },
                    };
                    kept.insert(full, file);
                }
            }
        }
        self.files = kept;
        if self.manifests() != manifests {
            self.manifests_generation += 1;
        }
    }

    /// The entries of a directory: names, and whether each is a directory; `None` if `path` is
    /// not a directory.
    pub fn list(&self, path: &str) -> Option<Vec<(String, bool)>> {
        if !self.is_dir(path) {
            return None;
        }
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        let mut entries: BTreeMap<String, bool> = BTreeMap::new();
        let paths = self.files.keys().map(String::as_str).chain(DIRECTORIES.iter().copied());
        for full in paths.chain(self.directories.iter().map(String::as_str)) {
            if let Some(rest) = full.strip_prefix(&prefix).filter(|r| !r.is_empty()) {
                match rest.split_once('/') {
                    Some((dir, _)) => {
                        entries.insert(dir.to_string(), true);
                    }
                    None => {
                        let dir = DIRECTORIES.contains(&full) || self.directories.contains(full);
                        entries.entry(rest.to_string()).or_insert(dir);
                    }
                }
            }
        }
        if path == "/var/log" {
            for name in VAR_LOG_FILES {
                entries.entry(name.to_string()).or_insert(false);
            }
        }
        Some(entries.into_iter().collect())
    }

    /// Writes a file (`>` or `>>`); the directory must exist.
    pub fn write(
        &mut self,
        path: &str,
        content: &str,
        append: bool,
        now: SimTime,
    ) -> Result<(), String> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let dir = if dir.is_empty() { "/" } else { dir };
        if name.is_empty() || self.is_dir(path) {
            return Err("Is a directory".to_string());
        }
        if !self.is_dir(dir) {
            return Err("No such file or directory".to_string());
        }
        let file = self.files.entry(path.to_string()).or_insert_with(|| File {
            content: String::new(),
            mode: 0o644,
            modified: now,
        });
        if !append {
            file.content.clear();
        }
        file.content.push_str(content);
        file.modified = now;
        if dir == MANIFEST_DIR {
            self.manifests_generation += 1;
        }
        Ok(())
    }

    /// `rm FILE`.
    pub fn remove(&mut self, path: &str) -> Result<(), String> {
        if self.is_dir(path) {
            return Err("Is a directory".to_string());
        }
        self.files.remove(path).ok_or_else(|| "No such file or directory".to_string())?;
        if path.rsplit_once('/').map(|(d, _)| d) == Some(MANIFEST_DIR) {
            self.manifests_generation += 1;
        }
        Ok(())
    }

    pub fn manifests_generation(&self) -> u64 {
        self.manifests_generation
    }

    /// The files of the manifest directory the kubelet reads (path, text), skipping hidden
    /// files as its file source does.
    pub fn manifests(&self) -> Vec<(String, String)> {
        let prefix = format!("{MANIFEST_DIR}/");
        self.files
            .iter()
            .filter_map(|(path, file)| {
                let name = path.strip_prefix(&prefix)?;
                (!name.contains('/') && !name.starts_with('.'))
                    .then(|| (path.clone(), file.content.clone()))
            })
            .collect()
    }

    /// Writes a line of the running kubelet to the journal.
    pub fn kubelet_log(&mut self, now: SimTime, severity: char, location: &str, message: String) {
        if let Some(pid) = self.kubelet_pid() {
            self.journal.kubelet(now, pid, severity, location, message);
        }
    }
}

/// The KubeletConfiguration kubeadm writes to `/var/lib/kubelet/config.yaml`.
const KUBELET_CONFIG: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: \"\"
cpuManagerReconcilePeriod: 0s
crashLoopBackOff: {}
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: \"0\"
    text:
      infoBufferSize: \"0\"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
";

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine::new("node01", SimTime::from_unix_ms(1_000_000), "boot-1".to_string(), vec![])
    }

    #[test]
    fn a_rebooted_machine_keeps_restarting_the_kubelet_until_swap_is_off() {
        let mut m = machine();
        assert!(m.kubelet_running());
        let at = SimTime::from_unix_ms(2_000_000);
        m.reboot(at, "boot-2".to_string());
        assert!(m.swap_on());
        assert!(!m.kubelet_running());
        let (change, next) = m.tick(at + Duration::from_secs(30));
        assert_eq!(change, KubeletChange::None);
        assert!(next.is_some());
        assert!(matches!(m.unit(), UnitState::AutoRestart { restarts: 1, .. }));
        m.swapoff();
        let (change, _) = m.tick(at + Duration::from_secs(60));
        assert_eq!(change, KubeletChange::Started);
        assert!(m.kubelet_running());
    }

    #[test]
    fn writing_a_manifest_moves_the_generation() {
        let mut m = machine();
        let before = m.manifests_generation();
        m.write("/etc/kubernetes/manifests/web.yaml", "x", false, SimTime::default()).unwrap();
        assert!(m.manifests_generation() > before);
        assert_eq!(m.manifests().len(), 1);
        assert!(m.write("/nope/x", "x", false, SimTime::default()).is_err());
        m.remove("/etc/kubernetes/manifests/web.yaml").unwrap();
        assert!(m.manifests().is_empty());
    }
}
