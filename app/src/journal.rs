//! The journal of a lesson's cluster: everything applied to the simulation, in order (console
//! input, time passing, the diagram's and the editor's actions). The simulation is
//! deterministic, so replaying the journal on the lesson's fresh cluster rebuilds the cluster
//! the student had — names, ages, restart counts — for a fraction of what serializing it
//! would cost. Going back in time and acting forks it, as it forks the timeline.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// More than this much text (commands, manifests) is not kept: the lesson then falls back to
/// its steps' solutions on reload (and says so).
pub const MAX_BYTES: usize = 256 * 1024;
/// Entries kept at most (time passing between two actions is one entry).
pub const MAX_ENTRIES: usize = 4000;

/// One thing done to the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    /// Input to the console (a line, a script, a step's solution).
    Run(String),
    /// Virtual time passing, in milliseconds (consecutive ticks add up).
    Advance(u64),
    /// A waiting pod dropped on a node.
    Bind {
        namespace: String,
        pod: String,
        node: String,
    },
    /// A node menu action that is not a kubectl command (`lab::NodeAction`'s name).
    Node {
        node: String,
        action: String,
    },
    AddNode,
    /// The YAML editor's Apply of a `kubectl edit`, and its Cancel.
    SaveEdit(String),
    CancelEdit,
    /// A workspace file saved from the editor.
    SaveFile {
        name: String,
        text: String,
    },
    /// Ctrl+C (ends a watch) and Ctrl+D (leaves a container's shell).
    Interrupt,
    EndExec,
}

impl Entry {
    fn bytes(&self) -> usize {
        match self {
            Entry::Run(text) | Entry::SaveEdit(text) => text.len(),
            Entry::SaveFile { name, text } => name.len() + text.len(),
            Entry::Bind { namespace, pod, node } => namespace.len() + pod.len() + node.len(),
            Entry::Node { node, action } => node.len() + action.len(),
            _ => 8,
        }
    }
}

/// An entry and the cluster time (ms from the journal's start) when it had done its work:
/// commands such as `sleep` or a waiting `kubectl delete` take time themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub entry: Entry,
    pub end_ms: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub steps: Vec<Step>,
    /// Grew past its bounds: no longer a faithful story, so not replayed.
    pub overflowed: bool,
    bytes: usize,
}

impl Journal {
    /// `entry` is applied at cluster time `at` (from the journal's start).
    pub fn push(&mut self, entry: Entry, at: Duration) {
        let at = at.as_millis() as u64;
        if self.overflowed || entry == Entry::Advance(0) {
            return;
        }
        if let (Entry::Advance(by), Some(last)) = (&entry, self.steps.last_mut())
            && let Entry::Advance(before) = &mut last.entry
        {
            *before += by;
            return;
        }
        self.bytes += entry.bytes();
        self.steps.push(Step { entry, end_ms: at });
        if self.bytes > MAX_BYTES || self.steps.len() > MAX_ENTRIES {
            *self = Journal { overflowed: true, ..Journal::default() };
        }
    }

    /// The latest entry has done its work at cluster time `at`.
    pub fn done_at(&mut self, at: Duration) {
        if let Some(last) = self.steps.last_mut() {
            last.end_ms = last.end_ms.max(at.as_millis() as u64);
        }
    }

    /// Keeps the story up to cluster time `at`, as the timeline rebuilds that moment: every
    /// entry done by then, and time passing up to it. What came after is forgotten, as when
    /// the student acts from a past moment.
    pub fn fork_at(&mut self, at: Duration) {
        let at = at.as_millis() as u64;
        let keep = self.steps.partition_point(|s| s.end_ms <= at);
        self.steps.truncate(keep);
        let end = self.steps.last().map_or(0, |s| s.end_ms);
        self.bytes = self.steps.iter().map(|s| s.entry.bytes()).sum();
        if end < at {
            self.push(Entry::Advance(at - end), Duration::from_millis(end));
            self.done_at(Duration::from_millis(at));
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.steps.iter().map(|s| &s.entry)
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Entry {
        Entry::Run(text.into())
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn entries(journal: &Journal) -> Vec<Entry> {
        journal.entries().cloned().collect()
    }

    #[test]
    fn ticks_add_up_into_one_entry() {
        let mut journal = Journal::default();
        journal.push(run("kubectl run web --image=nginx"), secs(0));
        for i in 0..10 {
            journal.push(Entry::Advance(100), Duration::from_millis(i * 100));
            journal.done_at(Duration::from_millis(i * 100 + 100));
        }
        journal.push(Entry::Advance(0), secs(1));
        journal.push(run("kubectl get pods"), secs(1));
        assert_eq!(
            entries(&journal),
            [run("kubectl run web --image=nginx"), Entry::Advance(1000), run("kubectl get pods"),]
        );
        assert_eq!(journal.steps[1].end_ms, 1000);
    }

    /// a at 0; 30 s of time; b, a `sleep 20`, from 30 to 50; 10 s of time; c at 60.
    fn story() -> Journal {
        let mut journal = Journal::default();
        journal.push(run("a"), secs(0));
        journal.push(Entry::Advance(30_000), secs(0));
        journal.done_at(secs(30));
        journal.push(run("b; sleep 20"), secs(30));
        journal.done_at(secs(50));
        journal.push(Entry::Advance(10_000), secs(50));
        journal.done_at(secs(60));
        journal.push(run("c"), secs(60));
        journal
    }

    #[test]
    fn acting_from_the_past_forks_the_story() {
        let mut at_55 = story();
        at_55.fork_at(secs(55));
        assert_eq!(
            entries(&at_55),
            [run("a"), Entry::Advance(30_000), run("b; sleep 20"), Entry::Advance(5_000)]
        );
        assert_eq!(at_55.steps.last().unwrap().end_ms, 55_000);
        // A command that was still running then had not happened: time passes instead, as
        // the timeline shows that moment.
        let mut at_40 = story();
        at_40.fork_at(secs(40));
        assert_eq!(entries(&at_40), [run("a"), Entry::Advance(40_000)]);
        // Commands done at the instant gone back to are kept.
        let mut at_60 = story();
        at_60.fork_at(secs(60));
        assert_eq!(entries(&at_60).len(), 5);
        let mut at_0 = story();
        at_0.fork_at(Duration::ZERO);
        assert_eq!(entries(&at_0), [run("a")]);
    }

    #[test]
    fn a_journal_too_long_to_keep_says_so() {
        let mut journal = Journal::default();
        let manifest = "x".repeat(MAX_BYTES / 4);
        for _ in 0..5 {
            let text = manifest.clone();
            journal.push(Entry::SaveFile { name: "big.yaml".into(), text }, secs(0));
        }
        assert!(journal.overflowed);
        assert!(journal.is_empty());
        journal.push(run("kubectl get pods"), secs(1));
        assert!(journal.is_empty());
    }
}
