//! The systemd journal of a node, as far as the kubelet unit writes to it: systemd's own lines
//! about the unit and the kubelet's klog lines, printed as `journalctl -u kubelet` prints them.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// journald drops the oldest entries beyond its size limit; a kubelet restarting every 10 s for
/// a day must not grow a saved lab without bound.
const MAX_ENTRIES: usize = 4_000;

/// One journal entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: SimTime,
    /// Which boot of the machine wrote it (journalctl separates boots).
    pub boot: u32,
    pub line: Line,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Line {
    /// PID 1 writing about the unit: `systemd[1]: Started kubelet.service - …`.
    Systemd(String),
    /// The kubelet writing through klog: severity (`I`, `W`, `E`), `file.go:line` and the
    /// structured message.
    Kubelet { pid: u32, severity: char, location: String, message: String },
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    entries: Vec<Entry>,
    /// The ids of the machine's boots, oldest first (`-- Boot ID --` separators).
    boot_ids: Vec<String>,
}

impl Journal {
    pub fn new_boot(&mut self, boot_id: String) {
        self.boot_ids.push(boot_id);
    }

    pub fn boot(&self) -> u32 {
        u32::try_from(self.boot_ids.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    pub fn systemd(&mut self, at: SimTime, text: impl Into<String>) {
        let boot = self.boot();
        self.push(Entry { at, boot, line: Line::Systemd(text.into()) });
    }

    pub fn kubelet(
        &mut self,
        at: SimTime,
        pid: u32,
        severity: char,
        location: &str,
        message: impl Into<String>,
    ) {
        let boot = self.boot();
        let line = Line::Kubelet {
            pid,
            severity,
            location: location.to_string(),
            message: message.into(),
        };
        self.push(Entry { at, boot, line });
    }

    fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
        if self.entries.len() > MAX_ENTRIES {
            let excess = self.entries.len() - MAX_ENTRIES;
            self.entries.drain(..excess);
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The printed lines of `entries`, with journalctl's `-- Boot ID --` between boots when
    /// more than one boot shows.
    pub fn render(&self, hostname: &str, entries: &[Entry]) -> Vec<String> {
        let several_boots = entries.first().map(|e| e.boot) != entries.last().map(|e| e.boot);
        let mut lines = Vec::new();
        let mut boot = None;
        // Lines written at one instant were a few hundred microseconds apart on a real clock.
        let mut same_instant = 0u64;
        let mut previous_at = None;
        for entry in entries {
            same_instant = if previous_at == Some(entry.at) { same_instant + 1 } else { 0 };
            previous_at = Some(entry.at);
            if several_boots && boot != Some(entry.boot) {
                let id = self.boot_ids.get(entry.boot as usize).cloned().unwrap_or_default();
                lines.push(format!("-- Boot {} --", id.replace('-', "")));
                boot = Some(entry.boot);
            }
            let stamp = entry.at.strftime("%b %d %H:%M:%S");
            match &entry.line {
                Line::Systemd(text) => lines.push(format!("{stamp} {hostname} systemd[1]: {text}")),
                Line::Kubelet { pid, severity, location, message } => {
                    // klog's header: severity, month and day, time with microseconds, thread id.
                    let micros = (entry.at.unix_ms() % 1000 * 1000
                        + u64::from(*pid) * 7 % 900
                        + same_instant * 1_733)
                        % 1_000_000;
                    let header = format!(
                        "{severity}{} {}.{micros:06} {pid:>7} {location}]",
                        entry.at.strftime("%m%d"),
                        entry.at.strftime("%H:%M:%S"),
                    );
                    let prefix = format!("{stamp} {hostname} kubelet[{pid}]: ");
                    let mut text_lines = message.lines();
                    let first = text_lines.next().unwrap_or_default();
                    lines.push(format!("{prefix}{header} {first}"));
                    for more in text_lines {
                        lines.push(format!("{prefix}{more}"));
                    }
                }
            }
        }
        lines
    }
}
